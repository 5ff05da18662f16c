// SPDX-License-Identifier: GPL-2.0
/*
 * Random and hostile raw ioctls on /dev/mach: bad pointers, huge sizes,
 * stale names, descriptor counts and msgh_size values that lie, random
 * option bits, out-of-line regions near 4 GiB or unmapped.  A fixed number
 * of iterations from a fixed seed; IPC_FUZZ_SEED and IPC_FUZZ_ITERATIONS
 * (calls per chunk) override them, e.g. for a longer run on a fast host.
 * The stock kernels of the bench do a quarter of the default (mt_rounds()),
 * debug-x86_64 a twentieth, debug-rt-* a fortieth.
 *
 * Passes if the fuzzing process is never killed and every call returns
 * either a negative errno or a Mach status; the bench scans the kernel log
 * for reports.  The work runs in child processes, a chunk of iterations
 * each, so that what a chunk leaves behind (names, messages, mappings) is
 * torn down by its exit; the module's live_* counters must come back.
 *
 * Memory the kernel may write to or unmap is confined to an arena of this
 * process, surrounded by inaccessible pages and rebuilt after every message,
 * so no hostile argument can make the kernel damage the fuzzer itself
 * unless the kernel is wrong.
 *
 * Run as root, every other chunk drops to user nobody first (after opening
 * what needs root), so both privileged and unprivileged callers are
 * fuzzed.  On kernels with KCOV (the debug kernels) the fuzzer is
 * coverage-guided (kcov_cover.h): each call's module PCs are collected, a
 * call that reached new ones is kept in a small corpus shared by all
 * chunks, and half of the calls are mutated copies of corpus entries.  The
 * budget stays the fixed number of calls.  Each fuzz test prints
 * "# kcov: mach/ coverage N/M PCs" (cumulative); without KCOV it says why
 * and the fuzzer is the plain random one.
 */
#include <limits.h>
#include <sys/time.h>

#include "kselftest_harness.h"
#include "ipc_test.h"
#include "kcov_cover.h"

#define DEFAULT_SEED 0x6d616368u
#define CHUNKS 10
#define DEFAULT_PER_CHUNK 1500

#define ARENA_PAGES 16
#define GUARD_PAGES 64 /* on each side, PROT_NONE */
/* Where the arena goes in every chunk, so corpus entries' pointers stay valid. */
#define ARENA_HINT 0x3f0000000000ull

#define NOBODY 65534

struct fuzz_log {
	/* Totals over all chunks, to show how deep the calls got. */
	unsigned long long calls, successes, mach_errors, errnos, msg_successes,
		msg_calls;
	unsigned long long iteration;
	unsigned long cmd;
	long ret;
	int bad;
	uint8_t arg[256];
	uint8_t msg[128];
};

struct fz {
	int fd;
	uint32_t task;
	uint32_t names[512];
	int nnames;
	int fds[32];
	int nfds;
	uint8_t *reserve; /* guards + arena + guards */
	uint8_t *arena;
	size_t arena_len;
	uint8_t *ro; /* a read-only page */
	uint8_t *hole; /* an unmapped page */
	uint64_t rng;
	int unmaps; /* the last call may have unmapped memory */
	struct fuzz_log *log;
	struct kcov_shared *k; /* coverage map and corpus (kcov_cover.h) */
	struct kcov_trace *kt; /* this process's trace; fd -1: none */
};

static uint64_t rnd(struct fz *f)
{
	/* xorshift64* */
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 2685821657736338717ull;
}

static uint32_t pick(struct fz *f, uint32_t n)
{
	return n ? (uint32_t)(rnd(f) % n) : 0;
}

static int chance(struct fz *f, int one_in)
{
	return pick(f, one_in) == 0;
}

/* ---- the arena ------------------------------------------------------------- */

static void arena_reset(struct fz *f)
{
	size_t pg = page_size();

	/* Whatever a call unmapped or mapped there, put the layout back. */
	mmap(f->reserve, GUARD_PAGES * pg, PROT_NONE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
	mmap(f->arena, f->arena_len, PROT_READ | PROT_WRITE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	mmap(f->arena + f->arena_len, GUARD_PAGES * pg, PROT_NONE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
	mmap(f->ro, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
	     0);
	munmap(f->hole, pg);
}

static int arena_init(struct fz *f)
{
	size_t pg = page_size();
	size_t total = (2 * GUARD_PAGES + ARENA_PAGES + 2) * pg;

	f->reserve = mmap((void *)(uintptr_t)ARENA_HINT, total, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
				  MAP_FIXED_NOREPLACE,
			  -1, 0);
	if (f->reserve == MAP_FAILED)
		f->reserve = mmap(NULL, total, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				  -1, 0);
	if (f->reserve == MAP_FAILED)
		return -1;
	f->arena = f->reserve + GUARD_PAGES * pg;
	f->arena_len = ARENA_PAGES * pg;
	/* The read-only page and the hole sit in the far guard area. */
	f->ro = f->arena + f->arena_len + (GUARD_PAGES / 2) * pg;
	f->hole = f->ro + pg;
	arena_reset(f);
	return 0;
}

/* ---- value pools ------------------------------------------------------------- */

static void remember_name(struct fz *f, uint32_t name)
{
	if (!MACH_PORT_VALID(name))
		return;
	if (f->nnames < (int)(sizeof(f->names) / sizeof(f->names[0])))
		f->names[f->nnames++] = name;
	else
		f->names[pick(f, f->nnames)] = name;
}

static uint32_t any_name(struct fz *f)
{
	uint32_t n = f->nnames ? f->names[pick(f, f->nnames)] : f->task;

	switch (pick(f, 12)) {
	case 0:
		return MACH_PORT_NULL;
	case 1:
		return MACH_PORT_DEAD;
	case 2:
		return f->task;
	case 3:
		return (uint32_t)rnd(f);
	case 4:
		return n ^ 4; /* same index, other generation */
	case 5:
		return n + 0x100; /* next index */
	case 6:
		return n & ~3u;
	default:
		return n;
	}
}

static uint32_t any_right(struct fz *f)
{
	static const uint32_t v[] = { 0,  1,	       2,	   3,  4,  5,
				      6,  15,	       16,	   17, 18, 19,
				      20, 21,	       22,	   24, 25, 26,
				      31, 0x80000000u, 0xffffffffu };

	return chance(f, 8) ? (uint32_t)rnd(f) :
			      v[pick(f, sizeof(v) / sizeof(v[0]))];
}

static int32_t any_delta(struct fz *f)
{
	static const int32_t v[] = { 0,	      1,       -1,     2,
				     -2,      5,       0xffff, -0xffff,
				     0x10000, INT_MAX, INT_MIN };

	return chance(f, 8) ? (int32_t)rnd(f) :
			      v[pick(f, sizeof(v) / sizeof(v[0]))];
}

static uint32_t any_size(struct fz *f)
{
	static const uint32_t v[] = {
		0,	    1,		4,	     8,		  20,
		23,	    24,		28,	     32,	  40,
		52,	    68,		100,	     256,	  4095,
		4096,	    4100,	65536,	     0x40000,	  0x40004,
		0x100000,   0x7fffffff, 0x80000000u, 0xfffff000u, 0xfffffffcu,
		0xffffffffu
	};

	if (chance(f, 6))
		return pick(f, (uint32_t)f->arena_len + 64);
	return v[pick(f, sizeof(v) / sizeof(v[0]))];
}

static uint64_t any_ptr(struct fz *f)
{
	size_t pg = page_size();

	switch (pick(f, 16)) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return (uintptr_t)f->hole;
	case 3:
		return (uintptr_t)f->ro;
	case 4:
		return (uintptr_t)(f->arena - 8); /* into the guard */
	case 5:
		return (uintptr_t)(f->arena + f->arena_len -
				   pick(f, 64)); /* straddles */
	case 6:
		return 0xffff800000000000ull; /* kernel */
	case 7:
		return 0x8000000000000000ull; /* non-canonical */
	case 8:
		return 0x00007ffffffff000ull;
	case 9:
		return 0x0000fffffffff000ull;
	case 10:
		return ~0ull;
	case 11:
		return (uintptr_t)f->arena + pg * pick(f, ARENA_PAGES);
	default:
		return (uintptr_t)f->arena + pick(f, (uint32_t)f->arena_len);
	}
}

static uint32_t any_flags(struct fz *f)
{
	return chance(f, 16) ? (uint32_t)rnd(f) : 0;
}

static int any_fd(struct fz *f)
{
	switch (pick(f, 6)) {
	case 0:
		return f->fd;
	case 1:
		return -1;
	case 2:
		return (int)pick(f, 3);
	case 3:
		return 9999;
	default:
		return f->nfds ? f->fds[pick(f, f->nfds)] : f->fd;
	}
}

static void keep_fd(struct fz *f, int fd)
{
	if (fd < 0 || fd == f->fd || fd <= 2)
		return;
	if (f->nfds == (int)(sizeof(f->fds) / sizeof(f->fds[0]))) {
		int i = pick(f, f->nfds);

		close(f->fds[i]);
		f->fds[i] = fd;
		return;
	}
	f->fds[f->nfds++] = fd;
}

/* ---- messages ----------------------------------------------------------------- */

static uint32_t any_option(struct fz *f)
{
	static const uint32_t bits[] = {
		MACH_SEND_MSG,
		MACH_RCV_MSG,
		MACH_RCV_LARGE,
		MACH_RCV_LARGE_IDENTITY,
		MACH_SEND_TIMEOUT,
		MACH_SEND_OVERRIDE,
		MACH_SEND_INTERRUPT,
		MACH_SEND_NOTIFY,
		MACH_RCV_TIMEOUT,
		MACH_MSG_STRICT_REPLY,
		MACH_RCV_INTERRUPT,
		MACH_RCV_VOUCHER,
		MACH_RCV_GUARDED_DESC,
		MACH_RCV_SYNC_WAIT,
		MACH_SEND_TRAILER,
		MACH_SEND_NOIMPORTANCE,
		MACH_SEND_PROPAGATE_QOS,
		MACH_SEND_KERNEL,
		MACH_RCV_TRAILER_TYPE(1),
		MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT),
		MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_CTX),
		MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_LABELS),
	};
	uint32_t opt = 0;
	int i, n = 1 + pick(f, 5);

	if (chance(f, 10))
		opt = (uint32_t)rnd(f);
	for (i = 0; i < n; i++)
		opt |= bits[pick(f, sizeof(bits) / sizeof(bits[0]))];
	if (chance(f, 2))
		opt |= MACH_SEND_MSG;
	if (chance(f, 2))
		opt |= MACH_RCV_MSG;
	/* Never wait long: the fuzzer must not sleep on an empty or full queue. */
	return opt | MACH_SEND_TIMEOUT | MACH_RCV_TIMEOUT;
}

/* Build a hostile message at p (room bytes); returns its honest length. */
static uint32_t build_msg(struct fz *f, uint8_t *p, size_t room)
{
	mach_msg_header_t h;
	mach_msg_body_t body;
	size_t len = sizeof(h);
	uint32_t n, i;

	memset(&h, 0, sizeof(h));
	h.msgh_bits = MACH_MSGH_BITS(any_right(f) & 0x1f,
				     chance(f, 2) ? 0 : any_right(f) & 0x1f);
	if (chance(f, 2))
		h.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
	if (chance(f, 8))
		h.msgh_bits |= (any_right(f) & 0x1f) << 16;
	if (chance(f, 12))
		h.msgh_bits = (uint32_t)rnd(f);
	h.msgh_remote_port = any_name(f);
	h.msgh_local_port = chance(f, 2) ? 0 : any_name(f);
	h.msgh_voucher_port = chance(f, 6) ? any_name(f) : 0;
	h.msgh_id = (int32_t)rnd(f);
	if (h.msgh_bits & MACH_MSGH_BITS_COMPLEX) {
		n = pick(f, 5);
		body.msgh_descriptor_count =
			chance(f, 6) ? (uint32_t)any_size(f) : n;
		memcpy(p + len, &body, sizeof(body));
		len += sizeof(body);
		for (i = 0; i < n && len + 16 < room; i++) {
			any_desc_t d;
			size_t sz;

			memset(&d, 0, sizeof(d));
			switch (pick(f, 6)) {
			case MACH_MSG_PORT_DESCRIPTOR:
				d.port.name = any_name(f);
				d.port.disposition = any_right(f);
				d.port.type = MACH_MSG_PORT_DESCRIPTOR;
				break;
			case MACH_MSG_OOL_DESCRIPTOR:
			case MACH_MSG_OOL_VOLATILE_DESCRIPTOR:
				d.ool.address = (void *)(uintptr_t)any_ptr(f);
				d.ool.size = any_size(f);
				d.ool.deallocate = chance(f, 4);
				f->unmaps |= d.ool.deallocate;
				d.ool.copy = pick(f, 5);
				d.ool.type =
					chance(f, 2) ?
						MACH_MSG_OOL_DESCRIPTOR :
						MACH_MSG_OOL_VOLATILE_DESCRIPTOR;
				break;
			case MACH_MSG_OOL_PORTS_DESCRIPTOR:
				d.ool_ports.address =
					(void *)(uintptr_t)any_ptr(f);
				d.ool_ports.count = chance(f, 2) ? pick(f, 8) :
								   any_size(f);
				d.ool_ports.deallocate = chance(f, 4);
				f->unmaps |= d.ool_ports.deallocate;
				d.ool_ports.copy = pick(f, 3);
				d.ool_ports.disposition = any_right(f);
				d.ool_ports.type =
					MACH_MSG_OOL_PORTS_DESCRIPTOR;
				/* Sometimes an array of real names in the arena. */
				if (chance(f, 2)) {
					uint32_t *arr =
						(uint32_t *)(f->arena +
							     f->arena_len / 2);
					uint32_t k;

					for (k = 0; k < 8; k++)
						arr[k] = any_name(f);
					d.ool_ports.address = arr;
				}
				break;
			case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
				d.guarded.name = any_name(f);
				d.guarded.disposition = any_right(f);
				d.guarded.context = rnd(f);
				d.guarded.flags = pick(f, 8);
				d.guarded.type =
					MACH_MSG_GUARDED_PORT_DESCRIPTOR;
				break;
			default:
				memset(&d, (int)rnd(f), sizeof(d));
				d.any.type = 5 + pick(f, 250);
				f->unmaps = 1;
				break;
			}
			sz = desc_size((const uint8_t *)&d);
			if (!sz)
				sz = 12;
			memcpy(p + len, &d, sz);
			len += sz;
		}
	}
	/* Inline bytes. */
	n = pick(f, 64);
	for (i = 0; i < n && len + 4 <= room; i++, len += 4) {
		uint32_t v = (uint32_t)rnd(f);

		memcpy(p + len, &v, 4);
	}
	h.msgh_size = chance(f, 3) ? any_size(f) : (uint32_t)len;
	memcpy(p, &h, sizeof(h));
	return (uint32_t)len;
}

static void fuzz_msg(struct fz *f, struct machina_msg *a)
{
	uint8_t *msg = f->arena + pick(f, 4) * page_size();
	uint32_t len = build_msg(f, msg, 2 * page_size());

	memset(a, 0, sizeof(*a));
	a->msg = chance(f, 10) ? any_ptr(f) : (uintptr_t)msg;
	/* Another buffer may hold anything, deallocating descriptors included. */
	f->unmaps |= a->msg != (uintptr_t)msg;
	a->option = any_option(f);
	switch (pick(f, 6)) {
	case 0:
		a->send_size = any_size(f);
		break;
	case 1:
		a->send_size = len + 4 * (pick(f, 5) - 2);
		break;
	default:
		a->send_size = len;
		break;
	}
	a->rcv_msg = chance(f, 4) ?
			     (chance(f, 2) ?
				      any_ptr(f) :
				      (uintptr_t)f->arena + 8 * page_size()) :
			     0;
	a->rcv_size = chance(f, 3) ? any_size(f) : (uint32_t)(4 * page_size());
	a->rcv_name = any_name(f);
	a->timeout = pick(f, 3);
	a->notify = chance(f, 20) ? any_name(f) : 0;
	a->flags = any_flags(f);
	a->reserved = chance(f, 32) ? (uint32_t)rnd(f) : 0;
	memcpy(f->log->msg, msg, sizeof(f->log->msg));
}

/* ---- one call -------------------------------------------------------------------- */

static int valid_return(long ret)
{
	long sys = ret & ~0x3fffL, code = ret & 0xff;

	if (ret < 0)
		return ret >= -4095;
	if (ret <= KERN_RETURN_MAX)
		return 1;
	/* mach_msg_return_t: send or receive codes, possibly with MACH_MSG_* bits. */
	if (ret > 0xffffffffL)
		return 0;
	return (sys == 0x10000000 || sys == 0x10004000) && (ret & 0x1c0) == 0 &&
	       code >= 1 && code <= 0x3f;
}

union any_arg {
	struct machina_handshake hs;
	struct machina_task_identity id;
	struct machina_wait_until wait;
	struct machina_name_out name;
	struct machina_port_args pa;
	struct machina_port_construct pc;
	struct machina_port_notify pn;
	struct machina_port_attr attr;
	struct machina_port_names names;
	struct machina_port_peek peek;
	struct machina_space_info si;
	struct machina_msg msg;
	struct machina_port_fd pfd;
	struct machina_task_for_pid tfp;
	struct machina_info info;
	struct machina_exception_ports exc;
	struct machina_semaphore_args sem;
	struct machina_thread_state ts;
	uint8_t bytes[256];
};

/* Which fields of struct machina_port_args each call reads (uapi/machina.h). */
enum { U_NAME = 1, U_RIGHT = 2, U_DELTA = 4, U_VALUE = 8, U_CONTEXT = 16 };

static const unsigned char port_args_use[MACHINA_NR_COUNT] = {
	[MACHINA_NR_PORT_ALLOCATE] = U_RIGHT,
	[MACHINA_NR_PORT_ALLOCATE_NAME] = U_NAME | U_RIGHT,
	[MACHINA_NR_PORT_DESTRUCT] = U_NAME | U_DELTA | U_CONTEXT,
	[MACHINA_NR_PORT_DEALLOCATE] = U_NAME,
	[MACHINA_NR_PORT_DESTROY] = U_NAME,
	[MACHINA_NR_PORT_MOD_REFS] = U_NAME | U_RIGHT | U_DELTA,
	[MACHINA_NR_PORT_GET_REFS] = U_NAME | U_RIGHT,
	[MACHINA_NR_PORT_TYPE] = U_NAME,
	[MACHINA_NR_PORT_INSERT_RIGHT] = U_NAME | U_RIGHT | U_VALUE,
	[MACHINA_NR_PORT_EXTRACT_RIGHT] = U_NAME | U_RIGHT,
	[MACHINA_NR_PORT_MOVE_MEMBER] = U_NAME | U_VALUE,
	[MACHINA_NR_PORT_INSERT_MEMBER] = U_NAME | U_VALUE,
	[MACHINA_NR_PORT_EXTRACT_MEMBER] = U_NAME | U_VALUE,
	[MACHINA_NR_PORT_SET_MSCOUNT] = U_NAME | U_VALUE,
	[MACHINA_NR_PORT_SET_SEQNO] = U_NAME | U_VALUE,
	[MACHINA_NR_PORT_GET_CONTEXT] = U_NAME,
	[MACHINA_NR_PORT_SET_CONTEXT] = U_NAME | U_CONTEXT,
	[MACHINA_NR_PORT_GUARD] = U_NAME | U_CONTEXT | U_VALUE,
	[MACHINA_NR_PORT_UNGUARD] = U_NAME | U_CONTEXT,
	[MACHINA_NR_TASK_GET_SPECIAL_PORT] = U_RIGHT,
	[MACHINA_NR_TASK_SET_SPECIAL_PORT] = U_RIGHT | U_VALUE,
	[MACHINA_NR_HOST_GET_SPECIAL_PORT] = U_RIGHT,
};

static void clear_unused(union any_arg *a, unsigned int nr)
{
	unsigned char use = nr < MACHINA_NR_COUNT ? port_args_use[nr] : 0xff;

	if (!(use & U_NAME))
		a->pa.name = 0;
	if (!(use & U_RIGHT))
		a->pa.right = 0;
	if (!(use & U_DELTA))
		a->pa.delta = 0;
	if (!(use & U_VALUE))
		a->pa.value = 0;
	if (!(use & U_CONTEXT))
		a->pa.context = 0;
	a->pa.value2 = 0;
}

static unsigned long fill_call(struct fz *f, union any_arg *a, int messages)
{
	unsigned int nr;
	struct timespec ts;

	memset(a, 0, sizeof(*a));
	if (messages)
		nr = chance(f, 3) ? pick(f, MACHINA_NR_COUNT + 2) :
				    MACHINA_NR_MSG;
	else
		nr = pick(f, MACHINA_NR_COUNT + 2);
	/*
	 * Suspending its own task or thread stops the fuzzer for good (as it
	 * would on Darwin): ask for the resumes instead, which fail at 0.
	 */
	if (nr == MACHINA_NR_TASK_SUSPEND)
		nr = MACHINA_NR_TASK_RESUME;
	else if (nr == MACHINA_NR_THREAD_SUSPEND)
		nr = MACHINA_NR_THREAD_RESUME;
	switch (nr) {
	case MACHINA_NR_HANDSHAKE:
		a->hs.client_abi = chance(f, 2) ? MACHINA_ABI_VERSION :
						  (uint32_t)rnd(f);
		a->hs.flags = any_flags(f);
		return MACHINA_IOC_HANDSHAKE;
	case MACHINA_NR_TASK_IDENTITY:
		a->id.flags = any_flags(f);
		return MACHINA_IOC_TASK_IDENTITY;
	case MACHINA_NR_WAIT_UNTIL:
		clock_gettime(CLOCK_MONOTONIC, &ts);
		a->wait.deadline = chance(f, 2) ? 0 :
						  ts.tv_sec * 1000000000ull +
							  ts.tv_nsec + 100000;
		a->wait.flags = any_flags(f);
		return MACHINA_IOC_WAIT_UNTIL;
	case MACHINA_NR_TASK_SELF:
		a->name.flags = any_flags(f);
		return MACHINA_IOC_TASK_SELF;
	case MACHINA_NR_REPLY_PORT:
		a->name.flags = any_flags(f);
		return MACHINA_IOC_REPLY_PORT;
	case MACHINA_NR_PORT_CONSTRUCT:
		a->pc.task = chance(f, 8) ? any_name(f) : f->task;
		a->pc.mpo_flags = chance(f, 2) ? pick(f, 0x100) :
						 (uint32_t)rnd(f);
		a->pc.mpo_qlimit = any_size(f);
		a->pc.mpo_reserved = rnd(f);
		a->pc.context = chance(f, 2) ? 0 : rnd(f);
		a->pc.flags = any_flags(f);
		return MACHINA_IOC_PORT_CONSTRUCT;
	case MACHINA_NR_PORT_REQUEST_NOTIFICATION:
		a->pn.task = chance(f, 8) ? any_name(f) : f->task;
		a->pn.name = any_name(f);
		a->pn.msgid = chance(f, 4) ? (int32_t)rnd(f) :
					     64 + (int32_t)pick(f, 10);
		a->pn.sync = pick(f, 3) ? pick(f, 3) : (uint32_t)rnd(f);
		a->pn.notify = any_name(f);
		a->pn.notify_disposition = any_right(f);
		a->pn.flags = any_flags(f);
		return MACHINA_IOC_PORT_REQUEST_NOTIFICATION;
	case MACHINA_NR_PORT_GET_ATTRIBUTES:
	case MACHINA_NR_PORT_SET_ATTRIBUTES:
		a->attr.task = chance(f, 8) ? any_name(f) : f->task;
		a->attr.name = any_name(f);
		a->attr.flavor = chance(f, 4) ? (int32_t)rnd(f) :
						(int32_t)pick(f, 11);
		a->attr.count = chance(f, 3) ? (uint32_t)rnd(f) : pick(f, 24);
		for (int i = 0; i < MACHINA_PORT_ATTR_WORDS; i++)
			a->attr.info[i] = chance(f, 2) ? pick(f, 2000) :
							 (uint32_t)rnd(f);
		a->attr.flags = any_flags(f);
		return nr == MACHINA_NR_PORT_GET_ATTRIBUTES ?
			       MACHINA_IOC_PORT_GET_ATTRIBUTES :
			       MACHINA_IOC_PORT_SET_ATTRIBUTES;
	case MACHINA_NR_PORT_NAMES:
	case MACHINA_NR_PORT_GET_SET_STATUS:
		a->names.task = chance(f, 8) ? any_name(f) : f->task;
		a->names.name = any_name(f);
		a->names.names = any_ptr(f);
		a->names.types = chance(f, 3) ? 0 : any_ptr(f);
		a->names.capacity = any_size(f);
		a->names.flags = any_flags(f);
		return nr == MACHINA_NR_PORT_NAMES ?
			       MACHINA_IOC_PORT_NAMES :
			       MACHINA_IOC_PORT_GET_SET_STATUS;
	case MACHINA_NR_PORT_PEEK:
		a->peek.task = chance(f, 8) ? any_name(f) : f->task;
		a->peek.name = any_name(f);
		a->peek.trailer_type = any_option(f) & 0xff000000u;
		a->peek.seqno = pick(f, 4) ? pick(f, 4) : (uint32_t)rnd(f);
		a->peek.trailer = any_ptr(f);
		a->peek.trailer_size = any_size(f);
		a->peek.flags = any_flags(f);
		return MACHINA_IOC_PORT_PEEK;
	case MACHINA_NR_PORT_SPACE_INFO:
		a->si.task = chance(f, 8) ? any_name(f) : f->task;
		a->si.table = any_ptr(f);
		a->si.capacity = any_size(f);
		a->si.flags = any_flags(f);
		return MACHINA_IOC_PORT_SPACE_INFO;
	case MACHINA_NR_MSG:
		fuzz_msg(f, &a->msg);
		return MACHINA_IOC_MSG;
	case MACHINA_NR_PORT_FD:
	case MACHINA_NR_PORT_FROM_FD:
		a->pfd.name = any_name(f);
		a->pfd.right = chance(f, 4) ? any_right(f) : pick(f, 2);
		a->pfd.fd_flags =
			chance(f, 3) ? (uint32_t)rnd(f) :
				       (chance(f, 2) ? O_CLOEXEC : O_NONBLOCK);
		a->pfd.fd = any_fd(f);
		a->pfd.flags = any_flags(f);
		return nr == MACHINA_NR_PORT_FD ? MACHINA_IOC_PORT_FD :
						  MACHINA_IOC_PORT_FROM_FD;
	case MACHINA_NR_TASK_FOR_PID:
		a->tfp.task = chance(f, 8) ? any_name(f) : f->task;
		/*
		 * Never a random live pid: a task made for a long-lived process
		 * (as root may) would pin the module until that process exits.
		 */
		switch (pick(f, 4)) {
		case 0:
			a->tfp.pid = getpid();
			break;
		case 1:
			a->tfp.pid = (int32_t)pick(f, 2) - 1;	/* -1 or 0 */
			break;
		default:
			a->tfp.pid = (int32_t)(rnd(f) | 0x40000000u);
			break;
		}
		a->tfp.kind = chance(f, 8) ? (uint32_t)rnd(f) : pick(f, 4);	/* every kind, read and inspect too */
		a->tfp.flags = any_flags(f);
		return MACHINA_IOC_TASK_FOR_PID;
	case MACHINA_NR_TASK_INFO:
		a->info.target = chance(f, 8) ? any_name(f) : f->task;
		a->info.flavor = chance(f, 4) ? (int32_t)rnd(f) : (int32_t)pick(f, 24);
		a->info.count = chance(f, 3) ? (uint32_t)rnd(f) : pick(f, 60);
		a->info.flags = any_flags(f);
		return MACHINA_IOC_TASK_INFO;
	case MACHINA_NR_TASK_GET_EXCEPTION_PORTS:
	case MACHINA_NR_TASK_SET_EXCEPTION_PORTS:
		a->exc.target = chance(f, 8) ? any_name(f) : f->task;
		a->exc.mask = chance(f, 4) ? (uint32_t)rnd(f) : pick(f, 0x4000) & ~1u;
		if (nr == MACHINA_NR_TASK_SET_EXCEPTION_PORTS) {
			a->exc.new_port = any_name(f);
			a->exc.behavior = chance(f, 4) ? (int32_t)rnd(f) :
					  (int32_t)(pick(f, 6) | (chance(f, 2) ? 0x80000000u : 0));
			a->exc.flavor = chance(f, 4) ? (int32_t)rnd(f) : (int32_t)pick(f, 24);
		}
		a->exc.flags = any_flags(f);
		return nr == MACHINA_NR_TASK_GET_EXCEPTION_PORTS ?
			       MACHINA_IOC_TASK_GET_EXCEPTION_PORTS :
			       MACHINA_IOC_TASK_SET_EXCEPTION_PORTS;
	case MACHINA_NR_THREAD_INFO:
	case MACHINA_NR_HOST_INFO:
	case MACHINA_NR_HOST_STATISTICS64:
		a->info.target = any_name(f);
		a->info.flavor = chance(f, 4) ? (int32_t)rnd(f) : (int32_t)pick(f, 12);
		a->info.count = chance(f, 3) ? (uint32_t)rnd(f) : pick(f, 60);
		a->info.flags = any_flags(f);
		return nr == MACHINA_NR_THREAD_INFO ? MACHINA_IOC_THREAD_INFO :
		       nr == MACHINA_NR_HOST_INFO ? MACHINA_IOC_HOST_INFO :
						    MACHINA_IOC_HOST_STATISTICS64;
	case MACHINA_NR_THREAD_GET_STATE:
	case MACHINA_NR_THREAD_SET_STATE:
		a->ts.thread = any_name(f);
		a->ts.flavor = chance(f, 4) ? (int32_t)rnd(f) : (int32_t)pick(f, 10);
		a->ts.count = chance(f, 3) ? (uint32_t)rnd(f) : pick(f, 80);
		a->ts.state = any_ptr(f);
		a->ts.flags = any_flags(f);
		return nr == MACHINA_NR_THREAD_GET_STATE ? MACHINA_IOC_THREAD_GET_STATE :
							   MACHINA_IOC_THREAD_SET_STATE;
	case MACHINA_NR_SEMAPHORE_SIGNAL:
	case MACHINA_NR_SEMAPHORE_SIGNAL_ALL:
	case MACHINA_NR_SEMAPHORE_SIGNAL_THREAD:
	case MACHINA_NR_SEMAPHORE_WAIT:
	case MACHINA_NR_SEMAPHORE_TIMEDWAIT:
	case MACHINA_NR_SEMAPHORE_WAIT_SIGNAL:
	case MACHINA_NR_SEMAPHORE_TIMEDWAIT_SIGNAL:
		/* Never an untimed wait: a semaphore nobody signals would hang us. */
		if (nr == MACHINA_NR_SEMAPHORE_WAIT)
			nr = MACHINA_NR_SEMAPHORE_TIMEDWAIT;
		else if (nr == MACHINA_NR_SEMAPHORE_WAIT_SIGNAL)
			nr = MACHINA_NR_SEMAPHORE_TIMEDWAIT_SIGNAL;
		a->sem.semaphore = any_name(f);
		a->sem.other = chance(f, 2) ? 0 : any_name(f);
		/* At most a millisecond, or an invalid (negative) time. */
		a->sem.sec = 0;
		a->sem.nsec = chance(f, 8) ? -(int32_t)pick(f, 1000000) - 1 :
					     (int32_t)pick(f, 1000000);
		a->sem.flags = any_flags(f);
		a->sem.reserved = chance(f, 32) ? (uint32_t)rnd(f) : 0;
		return _IOWR(MACHINA_IOC_MAGIC, nr, struct machina_semaphore_args);
	case MACHINA_NR_COUNT:
	case MACHINA_NR_COUNT + 1:
		/* A bogus request: unknown number, or a known one with the wrong size. */
		memset(a->bytes, (int)rnd(f), sizeof(a->bytes));
		f->unmaps = 1;
		return _IOC(pick(f, 4), MACHINA_IOC_MAGIC,
			    chance(f, 2) ? pick(f, 256) :
					   pick(f, MACHINA_NR_COUNT),
			    pick(f, 257));
	default:
		/* The calls that take struct machina_port_args. */
		a->pa.task = chance(f, 8) ? any_name(f) : f->task;
		a->pa.name = any_name(f);
		a->pa.right = any_right(f);
		a->pa.delta = any_delta(f);
		a->pa.value = chance(f, 2) ? any_name(f) : (uint32_t)rnd(f);
		a->pa.value2 = chance(f, 16) ? (uint32_t)rnd(f) : 0;
		a->pa.context = chance(f, 2) ? 0 : rnd(f);
		/* Mostly only the fields the call reads, to get past the checks. */
		if (!chance(f, 8))
			clear_unused(a, nr);
		a->pa.flags = any_flags(f);
		a->pa.reserved = chance(f, 32) ? (uint32_t)rnd(f) : 0;
		return _IOWR(MACHINA_IOC_MAGIC, nr, struct machina_port_args);
	}
}

/* Names and descriptors a successful call handed out. */
static void harvest(struct fz *f, unsigned long cmd, union any_arg *a, long ret)
{
	if (ret != 0)
		return;
	if (cmd == MACHINA_IOC_TASK_SELF)
		f->task = a->name.name;
	else if (cmd == MACHINA_IOC_REPLY_PORT || cmd == MACHINA_IOC_THREAD_SELF ||
		 cmd == MACHINA_IOC_HOST_SELF || cmd == MACHINA_IOC_MK_TIMER_CREATE)
		remember_name(f, a->name.name);
	else if (cmd == MACHINA_IOC_SEMAPHORE_CREATE)
		remember_name(f, a->pa.name);
	else if (cmd == MACHINA_IOC_PORT_CONSTRUCT)
		remember_name(f, a->pc.name);
	else if (cmd == MACHINA_IOC_PORT_FD)
		keep_fd(f, a->pfd.fd);
	else if (cmd == MACHINA_IOC_PORT_FROM_FD)
		remember_name(f, a->pfd.name);
	else if (_IOC_TYPE(cmd) == MACHINA_IOC_MAGIC &&
		 _IOC_SIZE(cmd) == sizeof(a->pa) &&
		 (_IOC_NR(cmd) == MACHINA_NR_PORT_ALLOCATE ||
		  _IOC_NR(cmd) == MACHINA_NR_PORT_EXTRACT_RIGHT))
		remember_name(f, _IOC_NR(cmd) == MACHINA_NR_PORT_ALLOCATE ?
					 a->pa.name :
					 a->pa.value);
	else if (cmd == MACHINA_IOC_PORT_REQUEST_NOTIFICATION)
		remember_name(f, a->pn.previous);
}

/* Seed the space with rights of every kind. */
static void populate(struct fz *f)
{
	static const uint32_t kinds[] = { MACH_PORT_RIGHT_RECEIVE,
					  MACH_PORT_RIGHT_PORT_SET,
					  MACH_PORT_RIGHT_DEAD_NAME };
	struct machina_port_args a;
	int i;

	for (i = 0; i < 24; i++) {
		memset(&a, 0, sizeof(a));
		a.task = f->task;
		a.right = kinds[i % 3];
		if (mt_ioctl(f->fd, MACHINA_IOC_PORT_ALLOCATE, &a) == 0) {
			remember_name(f, a.name);
			if (a.right == MACH_PORT_RIGHT_RECEIVE && i % 2) {
				struct machina_port_args s = {
					.task = f->task,
					.name = a.name,
					.value = a.name,
					.right = MACH_MSG_TYPE_MAKE_SEND,
				};

				mt_ioctl(f->fd, MACHINA_IOC_PORT_INSERT_RIGHT,
					 &s);
			}
		}
	}
}

/* ---- coverage guidance (kernels with KCOV) -------------------------------------- */

/* Overwrite a random aligned word of @p (@len bytes) with a pool value. */
static void mutate_bytes(struct fz *f, uint8_t *p, uint32_t len)
{
	uint32_t v32;
	uint64_t v64;

	if (len < 8)
		return;
	switch (pick(f, 6)) {
	case 0:
		p[pick(f, len)] ^= (uint8_t)(1u << pick(f, 8));
		return;
	case 1:
		v32 = any_name(f);
		break;
	case 2:
		v32 = any_size(f);
		break;
	case 3:
		v32 = any_right(f);
		break;
	case 4:
		v64 = any_ptr(f);
		memcpy(p + pick(f, len / 8) * 8, &v64, 8);
		return;
	default:
		v32 = (uint32_t)rnd(f);
		break;
	}
	memcpy(p + pick(f, len / 4) * 4, &v32, 4);
}

/*
 * A mutated copy of a corpus entry in @a (and its message in the arena);
 * returns its ioctl command.
 */
static unsigned long replay_input(struct fz *f, union any_arg *a,
				  const struct kcov_input *in)
{
	uint32_t size = _IOC_SIZE(in->cmd), n = 1 + pick(f, 3), i;

	if (size > sizeof(*a))
		size = sizeof(*a);
	memcpy(a->bytes, in->arg, sizeof(a->bytes));
	if (in->msg_len)
		memcpy(f->arena + in->msg_off, in->msg, in->msg_len);
	for (i = 0; i < n; i++) {
		if (in->msg_len && chance(f, 2))
			mutate_bytes(f, f->arena + in->msg_off, in->msg_len);
		else
			mutate_bytes(f, a->bytes, size);
	}
	/* A replayed message may give memory away, as a new one. */
	f->unmaps = 1;
	return in->cmd;
}

/* Record the call about to be made, in case it reaches new PCs. */
static void note_input(struct fz *f, struct kcov_input *in, unsigned long cmd,
		       const union any_arg *a)
{
	uintptr_t msg = (uintptr_t)a->msg.msg;

	in->cmd = cmd;
	memcpy(in->arg, a->bytes, sizeof(in->arg));
	in->msg_len = 0;
	if (cmd != MACHINA_IOC_MSG || msg < (uintptr_t)f->arena ||
	    msg >= (uintptr_t)f->arena + f->arena_len)
		return;
	in->msg_off = (uint32_t)(msg - (uintptr_t)f->arena);
	in->msg_len = f->arena_len - in->msg_off;
	if (in->msg_len > KCOV_MSG_BYTES)
		in->msg_len = KCOV_MSG_BYTES;
	memcpy(in->msg, f->arena + in->msg_off, in->msg_len);
}

/* Keep @in in the corpus (a random entry makes room when it is full). */
static void keep_input(struct fz *f, const struct kcov_input *in)
{
	struct kcov_shared *k = f->k;
	uint32_t slot = k->ncorpus < KCOV_CORPUS ? k->ncorpus++ :
						   pick(f, KCOV_CORPUS);

	k->corpus[slot] = *in;
}

static void kcov_report(void)
{
	struct kcov_shared *k = kcov_shared();

	if (!k || k->state <= 0) {
		printf("# kcov: unavailable (%s): plain random fuzzing\n",
		       !k ? "no memory" : k->state ? k->why : "not root");
	} else {
		if (k->nmach_known)
			printf("# kcov: mach/ coverage %u/%u PCs\n", kcov_hits(k, 1),
			       k->nmach);
		else
			printf("# kcov: mach/ coverage unknown (the .ko has no STT_FILE symbols)\n");
		printf("# kcov: machina.ko coverage %u/%u PCs, corpus %u%s\n",
		       kcov_hits(k, 0), k->nsites, k->ncorpus,
		       k->calibrated ? "" : " (no module PC seen: KASLR offset unknown)");
	}
	fflush(stdout);
}

/* The map is shared by the tests' processes: make it before they fork. */
static void __attribute__((constructor)) kcov_map_early(void)
{
	kcov_shared();
}

static void on_alarm(int sig)
{
}

/* One chunk of iterations in this (child) process; its exit status. */
static int fuzz_chunk(struct fuzz_log *log, uint64_t seed, int iterations,
		      int messages, struct kcov_trace *kt)
{
	struct machina_name_out self_name = { 0 };
	struct kcov_input *in = malloc(sizeof(*in));
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { { 0, 100000 }, { 0, 100000 } };
	union any_arg *a = malloc(sizeof(*a));
	struct fz f;
	int i, bad = 0, dirty = 1;

	memset(&f, 0, sizeof(f));
	f.log = log;
	f.rng = seed | 1;
	f.k = kcov_shared();
	f.kt = kt;
	f.fd = mt_open();
	if (f.fd < 0 || !a || !in || arena_init(&f))
		return 2;
	if (mt_ioctl(f.fd, MACHINA_IOC_TASK_SELF, &self_name))
		return 3;
	f.task = self_name.name;
	populate(&f);
	/* A safety net: any call that blocks after all is interrupted. */
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);

	for (i = 0; i < iterations; i++) {
		unsigned long cmd;
		long ret;

		/* Only messages (and bogus requests) can unmap or map memory. */
		if (dirty)
			arena_reset(&f);
		if (i % 64 == 0 &&
		    mt_ioctl(f.fd, MACHINA_IOC_TASK_SELF, &self_name) == 0)
			f.task = self_name.name;
		if (kt->fd >= 0 && f.k->ncorpus && chance(&f, 2))
			cmd = replay_input(&f, a, &f.k->corpus[pick(&f, f.k->ncorpus)]);
		else
			cmd = fill_call(&f, a, messages);
		log->iteration = i;
		log->cmd = cmd;
		memcpy(log->arg, a->bytes, sizeof(log->arg));
		if (kt->fd >= 0)
			note_input(&f, in, cmd, a);
		kcov_reset(kt);
		ret = mt_ioctl(f.fd, cmd, a);
		if (kcov_collect(f.k, kt))
			keep_input(&f, in);
		log->ret = ret;
		log->calls++;
		if (ret == 0)
			log->successes++;
		else if (ret < 0)
			log->errnos++;
		else
			log->mach_errors++;
		if (cmd == MACHINA_IOC_MSG) {
			log->msg_calls++;
			log->msg_successes += ret == 0;
		}
		if (!valid_return(ret)) {
			log->bad = 1;
			fprintf(stderr,
				"# iteration %d: ioctl 0x%lx returned %ld (0x%lx)\n",
				i, cmd, ret, ret);
			bad++;
		}
		harvest(&f, cmd, a, ret);
		/* Only messages that give memory away can change the layout. */
		dirty = f.unmaps;
		f.unmaps = 0;
	}
	setitimer(ITIMER_REAL, &(struct itimerval){ { 0, 0 }, { 0, 0 } }, NULL);
	/* Still serving: a plain call works. */
	if (mt_ioctl(f.fd, MACHINA_IOC_TASK_SELF, &self_name) != 0)
		return 4;
	return bad ? 1 : 0;
}

static uint64_t fuzz_seed(void)
{
	const char *env = getenv("IPC_FUZZ_SEED");

	return env ? strtoull(env, NULL, 0) : DEFAULT_SEED;
}

static int fuzz_iterations(int messages)
{
	const char *env = getenv("IPC_FUZZ_ITERATIONS");
	int n = DEFAULT_PER_CHUNK;

	if (env)
		return atoi(env);
	/*
	 * The instrumented debug kernels do less (mt_rounds()), and the KCOV
	 * one (debug-x86_64, whose KASAN makes a call cost about 35 ms
	 * against debug-rt-arm64's 20) half that again: a twentieth.
	 */
	n = mt_rounds(n, 10);
	if (mt_slow_kernel() && !mt_rt_debug_kernel())
		n /= 2;
	/* Messages cost more (copies, mappings): fewer of them. */
	return messages ? n * 2 / 3 : n;
}

FIXTURE(fuzz)
{
	struct live_counts base;
	struct fuzz_log *log;
};

FIXTURE_SETUP(fuzz)
{
	IPC_REQUIRE();
	self->log = mmap(NULL, sizeof(*self->log), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->log);
	live_counts_baseline(&self->base);
}

FIXTURE_TEARDOWN(fuzz)
{
}

static void run_chunks(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fuzz) * self, uint64_t salt, int messages)
{
	uint64_t seed = fuzz_seed() ^ salt;
	int per = fuzz_iterations(messages), c, root = getuid() == 0;
	struct kcov_shared *k = kcov_shared();
	struct live_counts now;

	/* Root reads what KCOV needs; the children open it before dropping. */
	if (k && root)
		kcov_prepare(k);
	TH_LOG("seed 0x%llx, %d chunks of %d calls%s", (unsigned long long)seed,
	       CHUNKS, per, root ? ", every other one as nobody" : "");
	for (c = 0; c < CHUNKS; c++) {
		uint64_t chunk_seed = seed * 6364136223846793005ull +
				      c * 1442695040888963407ull;
		int status;
		pid_t pid;

		self->log->iteration = 0;
		self->log->cmd = 0;
		self->log->ret = 0;
		self->log->bad = 0;
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			struct kcov_trace kt = { .fd = -1 };

			die_with_parent();
			if (k && k->state > 0)
				kcov_open(&kt);
			if (root && c % 2 == 0 && mt_become(NOBODY))
				_exit(5);
			kcov_start(&kt);
			_exit(fuzz_chunk(self->log, chunk_seed, per, messages, &kt));
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			struct fuzz_log *l = self->log;

			TH_LOG("chunk %d (seed 0x%llx) %s %d; last call: iteration %llu ioctl 0x%lx -> %ld",
			       c, (unsigned long long)chunk_seed,
			       WIFEXITED(status) ? "exited with" :
						   "killed by signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) :
						   WTERMSIG(status),
			       l->iteration, l->cmd, l->ret);
			for (int i = 0; i < 64; i += 16)
				TH_LOG("  arg+%02d: %02x%02x%02x%02x %02x%02x%02x%02x %02x%02x%02x%02x %02x%02x%02x%02x",
				       i, l->arg[i], l->arg[i + 1],
				       l->arg[i + 2], l->arg[i + 3],
				       l->arg[i + 4], l->arg[i + 5],
				       l->arg[i + 6], l->arg[i + 7],
				       l->arg[i + 8], l->arg[i + 9],
				       l->arg[i + 10], l->arg[i + 11],
				       l->arg[i + 12], l->arg[i + 13],
				       l->arg[i + 14], l->arg[i + 15]);
		}
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	TH_LOG("%llu calls: %llu succeeded, %llu Mach errors, %llu errnos; messages %llu of %llu",
	       self->log->calls, self->log->successes, self->log->mach_errors,
	       self->log->errnos, self->log->msg_successes,
	       self->log->msg_calls);
	kcov_report();
	EXPECT_TRUE(live_counts_settle(&self->base, &now))
	{
		TH_LOG("tasks %ld/%ld threads %ld/%ld ports %ld/%ld messages %ld/%ld",
		       now.tasks, self->base.tasks, now.threads,
		       self->base.threads, now.ports, self->base.ports,
		       now.messages, self->base.messages);
	}
	EXPECT_EQ(0, ipc_unavailable() == NULL ? 0 : 1);
}

TEST_F_TIMEOUT(fuzz, random_calls_return_errno_or_mach_status, 600)
{
	run_chunks(_metadata, self, 0x1111, 0);
}

TEST_F_TIMEOUT(fuzz, random_messages_return_errno_or_mach_status, 600)
{
	run_chunks(_metadata, self, 0x2222, 1);
}

/* ---- hostile messages, one by one ------------------------------------------------ */

/*
 * Each case is a message no kernel should accept; sent with a raw ioctl, the
 * answer must be a mach_msg send error and nothing may be queued.
 */
TEST_F(fuzz, hostile_messages_are_refused)
{
	int fd = mt_open();
	mach_port_t port = new_port();
	size_t pg = page_size();
	uint8_t *buf = map_pages(4 * pg), *hole = map_pages(pg);
	struct msg_builder b;
	struct machina_msg a;
	mach_msg_body_t *body;
	any_desc_t d;
	long ret;
	int i;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, munmap(hole, pg));
	for (i = 0; i < 12; i++) {
		uint32_t send_size;

		mb_init(&b, port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 100 + i);
		switch (i) {
		case 0: /* OOL of almost 4 GiB from a small buffer */
			mb_ool(&b, buf, 0xfffff000u, FALSE,
			       MACH_MSG_VIRTUAL_COPY);
			break;
		case 1: /* ... and one that would be freed */
			mb_ool(&b, buf, 0xffffffffu, TRUE,
			       MACH_MSG_PHYSICAL_COPY);
			break;
		case 2: /* OOL at an unmapped address */
			mb_ool(&b, hole, pg, TRUE, MACH_MSG_VIRTUAL_COPY);
			break;
		case 3: /* OOL wrapping the address space */
			mb_ool(&b, (void *)(uintptr_t)-4096, 8192, FALSE,
			       MACH_MSG_VIRTUAL_COPY);
			break;
		case 4: /* OOL ports with a count of 2^30 */
			mb_ool_ports(&b, (mach_port_t *)buf, 1u << 30,
				     MACH_MSG_TYPE_COPY_SEND, FALSE);
			break;
		case 5: /* OOL ports array at a kernel address */
			mb_ool_ports(
				&b,
				(mach_port_t *)(uintptr_t)0xffff800000000000ull,
				4, MACH_MSG_TYPE_COPY_SEND, FALSE);
			break;
		case 6: /* descriptor count that lies */
			mb_port(&b, MACH_PORT_NULL, MACH_MSG_TYPE_COPY_SEND);
			body = (mach_msg_body_t *)(b.u.bytes +
						   sizeof(mach_msg_header_t));
			body->msgh_descriptor_count = 0xffffffffu;
			break;
		case 7: /* a descriptor cut off by the end of the message */
			mb_ool(&b, buf, 16, FALSE, MACH_MSG_VIRTUAL_COPY);
			b.len -= 8;
			break;
		case 8: /* unknown descriptor type */
			memset(&d, 0xff, sizeof(d));
			mb_add(&b, &d, 16);
			break;
		case 9: /* a right the sender does not hold, after a valid one */
			mb_port(&b, MACH_PORT_NULL, MACH_MSG_TYPE_COPY_SEND);
			mb_port(&b, free_name(0x500), MACH_MSG_TYPE_MOVE_SEND);
			break;
		case 10: /* OOL memory that is the message buffer's unmapped tail */
			mb_ool(&b, buf + 3 * pg, 2 * pg, FALSE,
			       MACH_MSG_PHYSICAL_COPY);
			munmap(buf + 3 * pg, pg);
			break;
		case 11: /* guarded descriptor with a bogus disposition and flags */
			mb_guarded(&b, port, 99, 1, 0xffff);
			break;
		}
		send_size = b.len;
		memset(&a, 0, sizeof(a));
		a.msg = (uintptr_t)&b.u;
		a.option = MACH_SEND_MSG | MACH_SEND_TIMEOUT;
		a.send_size = send_size;
		ret = mt_ioctl(fd, MACHINA_IOC_MSG, &a);
		EXPECT_TRUE((ret & ~0x3e00L) > MACH_SEND_IN_PROGRESS &&
			    (ret & ~0x3e00L) <= 0x100000ff)
		{
			TH_LOG("case %d returned %ld (0x%lx)", i, ret, ret);
		}
		EXPECT_EQ(0, msgcount_of(port))
		{
			TH_LOG("case %d", i);
		}
		drain(port);
	}
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(port) & ~MACH_PORT_TYPE_SEND);
	close(fd);
}

TEST_HARNESS_MAIN
