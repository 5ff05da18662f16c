// SPDX-License-Identifier: GPL-2.0
/*
 * Security regressions of the IPC core (issue 8): each test runs the attack
 * a local user could run, as nobody (uid/gid 65534, no groups), in a child
 * of the test, and then checks that the kernel kept its invariants and that
 * nothing the attack made outlives it (the module's live-object counters).
 *
 *   copyin_abort_*          finding 2: an aborted copy-in restores every
 *                           entry it touched, even when a port dies while
 *                           the copy-in runs;
 *   receive_right_loop_*    finding 6: two processes sending each other's
 *                           receive rights at the same time never build a
 *                           loop that nothing can free;
 *   space_info_*            finding 7: no value derived from a kernel
 *                           address reaches user space;
 *   huge_descriptor_count_* finding 8: a descriptor count the user picks
 *                           does not reach the page allocator's limits;
 *   insert_right_*          finding 9: no right lands in a space that is
 *                           being torn down.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include <mach_debug/ipc_info.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

typedef int (*attack_fn)(void *arg);

#define FAIL_IF(cond, code, ...)                                             \
	do {                                                                 \
		if (cond) {                                                  \
			fprintf(stderr, "  attack check %d failed: ", code); \
			fprintf(stderr, __VA_ARGS__);                        \
			fprintf(stderr, "\n");                               \
			return code;                                         \
		}                                                            \
	} while (0)

FIXTURE(sec)
{
	struct live_counts base;
};

FIXTURE_SETUP(sec)
{
	IPC_REQUIRE();
	live_counts_baseline(&self->base);
}

FIXTURE_TEARDOWN(sec)
{
}

/* Everything the attack made is gone once its processes are. */
#define EXPECT_NOTHING_LEFT()                                                 \
	do {                                                                  \
		struct live_counts now;                                       \
		EXPECT_TRUE(live_counts_settle(&self->base, &now))            \
		{                                                             \
			TH_LOG("left behind: tasks %ld->%ld ports %ld->%ld "  \
			       "messages %ld->%ld",                           \
			       self->base.tasks, now.tasks, self->base.ports, \
			       now.ports, self->base.messages, now.messages); \
		}                                                             \
	} while (0)

/* ---- two processes that can send to each other --------------------------- */

/*
 * A shared page for two processes that race each other: a barrier counter
 * and per-round results.
 */
struct shared {
	atomic_int arrived;
	atomic_int stop;
	atomic_int more;
	atomic_int delay_us;
	atomic_int res[2];
};

struct pair {
	struct shared *sh;
	mach_port_t mine; /* receive right of this process */
	mach_port_t peer; /* send right to the other's */
	pid_t pid; /* the second process (in the first) */
	int side; /* 0: the first process, 1: the second */
	int gen; /* barriers passed */
};

/* Both processes reach the same point; -1 if the other one went away. */
static int pair_barrier(struct pair *p)
{
	int want = 2 * ++p->gen;
	double deadline = mt_now() + 20;
	unsigned int spins = 0;

	atomic_fetch_add(&p->sh->arrived, 1);
	while (atomic_load(&p->sh->arrived) < want) {
		if (atomic_load(&p->sh->stop))
			return -1;
		if (!(++spins & 1023) && mt_now() > deadline)
			return -1;
	}
	return 0;
}

/* A send right to "port", given to the other process. */
static mach_msg_return_t give_send(struct pair *p, mach_port_t port)
{
	return send_port(p->peer, MACH_MSG_TYPE_COPY_SEND, 1, port,
			 MACH_MSG_TYPE_MAKE_SEND);
}

/* The right the other process gave, or MACH_PORT_NULL. */
static mach_port_t take_right(struct pair *p)
{
	rcv_buf_t buf;
	any_desc_t d;

	if (recv_timeout(p->mine, &buf, 10000) ||
	    get_desc(&buf.header, 0, &d) != MACH_MSG_PORT_DESCRIPTOR)
		return MACH_PORT_NULL;
	return d.port.name;
}

typedef int (*pair_fn)(struct pair *p, void *arg);

/*
 * Fork the second process of a pair; both run fn(p, arg).  Returns 0 in the
 * first process once the pair is connected; the second never returns.
 */
static int pair_start(struct pair *p, pair_fn fn, void *arg)
{
	mach_port_t parent;
	int fd = -1;

	memset(p, 0, sizeof(*p));
	p->sh = mmap(NULL, sizeof(*p->sh), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p->sh == MAP_FAILED)
		return -1;
	p->mine = new_port();
	if (!p->mine || port_share(p->mine, &fd) != KERN_SUCCESS)
		return -1;
	p->pid = fork();
	if (p->pid < 0)
		return -1;
	if (p->pid == 0) {
		die_with_parent();
		parent = port_meet_child(fd);
		p->side = 1;
		p->peer = parent;
		p->mine = new_port();
		if (!parent || !p->mine || give_send(p, p->mine))
			_exit(100);
		_exit(fn(p, arg));
	}
	close(fd);
	p->peer = take_right(p);
	return p->peer ? 0 : -1;
}

/* The first process's end: the second's exit status, or -1. */
static int pair_finish(struct pair *p, int status)
{
	int other;

	if (status)
		atomic_store(&p->sh->stop, 1);
	other = mt_wait_exit(p->pid);
	munmap(p->sh, sizeof(*p->sh));
	return status ? status : other;
}

struct pair_job {
	pair_fn fn;
	void *arg;
};

static int pair_attack(void *arg)
{
	struct pair_job *job = arg;
	struct pair p;

	if (pair_start(&p, job->fn, job->arg))
		return 90;
	return pair_finish(&p, job->fn(&p, job->arg));
}

/* Run fn(p, arg) in both processes of a new pair, both nobody. */
static int run_pair_as_nobody(pair_fn fn, void *arg)
{
	struct pair_job job = { .fn = fn, .arg = arg };

	return mt_run_as_nobody(pair_attack, &job);
}

/* ---- finding 2: an aborted copy-in restores its entries ------------------- */

static mach_port_t bogus_name(void)
{
	return free_name(0x3000);
}

/*
 * Rights moved by early descriptors of a message whose later descriptor is
 * bad come back exactly: same type, same references, still usable.
 */
static int abort_restores_rights(void *arg)
{
	mach_port_t q = new_port(), p = new_port_send(), s = new_port_send();
	mach_port_t so, names[3];
	struct msg_builder *b = calloc(1, sizeof(*b));
	mach_msg_return_t mr;
	rcv_buf_t buf;
	int variant;

	(void)arg;
	FAIL_IF(!q || !p || !s || !b, 1, "setup");
	so = make_send_once(s);
	FAIL_IF(!so, 2, "send-once right");
	FAIL_IF(mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 2), 3,
		"mod_refs");
	for (variant = 0; variant < 3; variant++) {
		mb_init(b, q, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 7);
		mb_port(b, p, MACH_MSG_TYPE_MOVE_SEND);
		mb_port(b, p, MACH_MSG_TYPE_MOVE_SEND);
		mb_port(b, so, MACH_MSG_TYPE_MOVE_SEND_ONCE);
		mb_port(b, p, MACH_MSG_TYPE_MOVE_RECEIVE);
		names[0] = p;
		names[1] = p;
		names[2] = bogus_name();
		switch (variant) {
		case 0: /* a later name the sender does not have */
			mb_port(b, bogus_name(), MACH_MSG_TYPE_COPY_SEND);
			break;
		case 1: /* a later disposition that is not a send one */
			mb_port(b, s, 0x1f);
			break;
		case 2: /* a bad name deep in a port array */
			mb_ool_ports(b, names, 3, MACH_MSG_TYPE_MOVE_SEND,
				     FALSE);
			break;
		}
		mr = mb_send(b, MACH_SEND_TIMEOUT, 0);
		FAIL_IF(mr == MACH_MSG_SUCCESS, 10 + variant,
			"variant %d was sent", variant);
		FAIL_IF(type_of(p) !=
				(MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND),
			20 + variant, "variant %d: type %#x", variant,
			type_of(p));
		FAIL_IF(urefs_of(p, MACH_PORT_RIGHT_SEND) != 3, 30 + variant,
			"variant %d: urefs %ld", variant,
			urefs_of(p, MACH_PORT_RIGHT_SEND));
		FAIL_IF(type_of(so) != MACH_PORT_TYPE_SEND_ONCE, 40 + variant,
			"variant %d: send-once type %#x", variant, type_of(so));
		FAIL_IF(msgcount_of(q) != 0, 50 + variant, "queued");
		/* Still usable: a message through p arrives on p. */
		FAIL_IF(send_simple_opt(p, MACH_MSG_TYPE_COPY_SEND, 5, 0, 0),
			60 + variant, "send through p");
		FAIL_IF(recv_timeout(p, &buf, 1000), 70 + variant, "recv on p");
	}
	FAIL_IF(mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, -3), 80,
		"release sends");
	FAIL_IF(mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_RECEIVE, -1), 81,
		"release receive");
	FAIL_IF(type_of(p) != 0, 82, "name left behind");
	return 0;
}

TEST_F(sec, copyin_abort_restores_every_right_it_took)
{
	EXPECT_EQ(0, mt_run_as_nobody(abort_restores_rights, NULL));
	EXPECT_NOTHING_LEFT();
}

#define ABORT_REFS 1000
#define ABORT_NAMES 100000

/*
 * The first process sends itself a message that moves a send right to the
 * second process's port and then copies the same name a hundred thousand
 * times before a bad name ends the copy-in; the second process destroys
 * the port at some moment of that copy-in.  Afterwards the name must be
 * exactly what it was: a send right (or, the port being dead, a dead name)
 * with all its references, and it must go away cleanly.
 */
static int abort_vs_death(struct pair *p, void *arg)
{
	int rounds = *(int *)arg, r, dead = 0;
	unsigned int cal = 1;
	struct msg_builder *b;
	mach_port_t *names, q, xp, port;
	mach_port_type_t t;

	if (p->side == 1) {
		for (r = 0; r < rounds; r++) {
			port = new_port();
			if (!port || give_send(p, port))
				return 2;
			if (pair_barrier(p))
				return 3;
			usleep(atomic_load(&p->sh->delay_us));
			if (mach_port_mod_refs(SELF, port,
					       MACH_PORT_RIGHT_RECEIVE, -1))
				return 4;
			if (pair_barrier(p))
				return 5;
		}
		return 0;
	}
	b = calloc(1, sizeof(*b));
	names = calloc(ABORT_NAMES, sizeof(*names));
	q = new_port();
	FAIL_IF(!b || !names || !q, 10, "setup");
	for (r = 0; r < rounds; r++) {
		xp = take_right(p);
		FAIL_IF(!xp, 11, "round %d: no right", r);
		FAIL_IF(mach_port_mod_refs(SELF, xp, MACH_PORT_RIGHT_SEND,
					   ABORT_REFS - 1),
			12, "mod_refs");
		for (int i = 0; i < ABORT_NAMES; i++)
			names[i] = xp;
		names[ABORT_NAMES - 1] = bogus_name();
		mb_init(b, q, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 8);
		mb_port(b, xp, MACH_MSG_TYPE_MOVE_SEND);
		mb_ool_ports(b, names, ABORT_NAMES, MACH_MSG_TYPE_COPY_SEND,
			     FALSE);
		/*
		 * Round 0 measures how long the failing copy-in takes (the port
		 * still alive); later rounds kill the port at a moment spread
		 * over that time.
		 */
		if (r == 0) {
			double t0 = mt_now();

			FAIL_IF(mb_send(b, MACH_SEND_TIMEOUT, 0) !=
					MACH_SEND_INVALID_RIGHT,
				14, "calibration send");
			cal = (unsigned int)((mt_now() - t0) * 1e6) + 1;
			atomic_store(&p->sh->delay_us, 0);
		} else {
			atomic_store(&p->sh->delay_us,
				     1 + (int)((r * 2654435761u) % (cal + 1)));
		}
		FAIL_IF(pair_barrier(p), 13, "peer gone");
		if (r > 0)
			FAIL_IF(mb_send(b, MACH_SEND_TIMEOUT, 0) !=
					MACH_SEND_INVALID_RIGHT,
				16, "round %d: send", r);
		t = type_of(xp);
		FAIL_IF(t != MACH_PORT_TYPE_SEND &&
				t != MACH_PORT_TYPE_DEAD_NAME,
			17, "round %d: type %#x", r, t);
		FAIL_IF(pair_barrier(p), 18, "peer gone");
		/* Now the port is dead for sure: a dead name, every ref kept. */
		FAIL_IF(type_of(xp) != MACH_PORT_TYPE_DEAD_NAME, 19,
			"round %d: type %#x after death", r, type_of(xp));
		dead += t == MACH_PORT_TYPE_DEAD_NAME;
		FAIL_IF(urefs_of(xp, MACH_PORT_RIGHT_DEAD_NAME) != ABORT_REFS,
			20, "round %d: refs %ld", r,
			urefs_of(xp, MACH_PORT_RIGHT_DEAD_NAME));
		FAIL_IF(mach_port_mod_refs(SELF, xp, MACH_PORT_RIGHT_DEAD_NAME,
					   -ABORT_REFS),
			21, "round %d: release", r);
		FAIL_IF(type_of(xp) != 0, 22, "round %d: name left", r);
	}
	fprintf(stderr, "  %d of %d rounds: the port died before the check\n",
		dead, rounds - 1);
	return 0;
}

TEST_F_TIMEOUT(sec, copyin_abort_survives_a_port_dying_during_the_copyin,
	       120)
{
	int rounds = mt_rounds(120, 6);

	EXPECT_EQ(0, run_pair_as_nobody(abort_vs_death, &rounds));
	EXPECT_NOTHING_LEFT();
}

/* ---- finding 6: receive rights sent into each other ---------------------- */

/*
 * Each round both processes make a port, give the other a send right to
 * it, and then, at the same instant, send their receive right to the
 * other's port.  At most one of the two sends may succeed: two would leave
 * each port queued in the other, a loop nothing can receive or destroy.
 * The first process ends the rounds after *arg seconds.
 */
static int loop_race(struct pair *p, void *arg)
{
	double end = mt_now() + *(int *)arg;
	int r, loops = 0, mine_ok;
	mach_port_t port, other;

	for (r = 0;; r++) {
		port = new_port();
		FAIL_IF(!port || give_send(p, port), 2, "round %d: setup", r);
		other = take_right(p);
		FAIL_IF(!other, 3, "round %d: no right", r);
		FAIL_IF(pair_barrier(p), 4, "peer gone");
		mine_ok = send_port(other, MACH_MSG_TYPE_MOVE_SEND, 9, port,
				    MACH_MSG_TYPE_MOVE_RECEIVE) ==
			  MACH_MSG_SUCCESS;
		atomic_store(&p->sh->res[p->side], mine_ok);
		FAIL_IF(pair_barrier(p), 5, "peer gone");
		if (!mine_ok) {
			/* The right is still here; so is the send right. */
			mach_port_deallocate(SELF, other);
			mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE,
					   -1);
		}
		if (atomic_load(&p->sh->res[0]) && atomic_load(&p->sh->res[1]))
			loops++;
		if (p->side == 0)
			atomic_store(&p->sh->more, mt_now() < end);
		FAIL_IF(pair_barrier(p), 6, "peer gone");
		if (!atomic_load(&p->sh->more))
			break;
	}
	if (p->side == 0)
		fprintf(stderr, "  %d of %d rounds built a loop\n", loops,
			r + 1);
	return loops ? 7 : 0;
}

TEST_F_TIMEOUT(sec, receive_right_loop_cannot_be_built_by_racing_senders,
	       120)
{
	/* 15 s outside the bench, 4 s on each of its kernels (mt_rounds()). */
	int seconds = mt_rounds(15, 4);

	EXPECT_EQ(0, run_pair_as_nobody(loop_race, &seconds));
	EXPECT_NOTHING_LEFT();
}

/* ---- finding 7: no kernel addresses --------------------------------------- */

#define SPACE_PORTS 64

/* hash_64()'s multiplier, and what it gives for a 64-bit value. */
#define GOLDEN64 0x61C8864680B583EBull
static uint32_t hash64_32(uint64_t x)
{
	return (uint32_t)((x * GOLDEN64) >> 32);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * How many pairs of values differ exactly as two slab objects a few
 * strides apart would under a linear map of the address: the address
 * itself (truncated) or the kernel's multiplicative pointer hash.  Both are
 * invertible up to a small search; a keyed hash gives about none.
 */
static int linear_pairs(const uint32_t *v, int n)
{
	static const unsigned int strides[] = { 64,  96,  128, 192, 256,
						320, 384, 448, 512, 1024 };
	uint32_t cand[2 * 10 * 64 * 2];
	int nc = 0, i, j, k, s, hits = 0;

	for (s = 0; s < 10; s++) {
		for (k = 1; k <= 64; k++) {
			uint64_t d = (uint64_t)k * strides[s];

			cand[nc++] = (uint32_t)d;
			cand[nc++] = hash64_32(d);
			cand[nc++] = hash64_32(d) + 1;
			cand[nc++] = (uint32_t)d + 1;
		}
	}
	qsort(cand, nc, sizeof(cand[0]), cmp_u32);
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			uint32_t diff = v[j] - v[i];

			if (i != j &&
			    bsearch(&diff, cand, nc, sizeof(cand[0]), cmp_u32))
				hits++;
		}
	}
	return hits;
}

static int object_values(mach_port_t *ports, int n, uint32_t *out)
{
	ipc_info_space_t info;
	ipc_info_name_array_t table;
	ipc_info_tree_name_array_t tree;
	mach_msg_type_number_t count, tcount;
	unsigned int i;
	int j, found = 0;

	if (mach_port_space_info(SELF, &info, &table, &count, &tree, &tcount))
		return -1;
	for (j = 0; j < n; j++) {
		for (i = 0; i < count; i++) {
			if (table[i].iin_name == ports[j]) {
				out[j] = table[i].iin_object;
				found++;
			}
		}
	}
	return found;
}

static int space_info_keyed(void *arg)
{
	mach_port_t ports[SPACE_PORTS];
	uint32_t v[SPACE_PORTS], w[SPACE_PORTS], sorted[SPACE_PORTS];
	int i, hits;

	(void)arg;
	for (i = 0; i < SPACE_PORTS; i++) {
		ports[i] = new_port();
		FAIL_IF(!ports[i], 1, "port %d", i);
	}
	FAIL_IF(object_values(ports, SPACE_PORTS, v) != SPACE_PORTS, 2,
		"space info");
	FAIL_IF(object_values(ports, SPACE_PORTS, w) != SPACE_PORTS, 3,
		"space info");
	/* An identity: stable, one per object, never 0 for an object. */
	for (i = 0; i < SPACE_PORTS; i++) {
		FAIL_IF(!v[i], 4, "port %d: zero", i);
		FAIL_IF(v[i] != w[i], 5, "port %d: unstable", i);
	}
	memcpy(sorted, v, sizeof(v));
	qsort(sorted, SPACE_PORTS, sizeof(sorted[0]), cmp_u32);
	for (i = 1; i < SPACE_PORTS; i++)
		FAIL_IF(sorted[i] == sorted[i - 1], 6, "two ports, one value");
	hits = linear_pairs(v, SPACE_PORTS);
	FAIL_IF(hits > 4, 7,
		"%d pairs of ports differ by a slab stride: the values are "
		"a linear function of kernel addresses",
		hits);
	return 0;
}

TEST_F(sec, space_info_object_identity_is_not_a_kernel_address)
{
	EXPECT_EQ(0, mt_run_as_nobody(space_info_keyed, NULL));
	EXPECT_NOTHING_LEFT();
}

/* ---- finding 8: a descriptor count the user picks -------------------------- */

/*
 * A message of max_msg_size bytes (at most 4 MiB) made of port descriptors
 * naming MACH_PORT_NULL, and one out-of-line region with deallocate set:
 * the send either succeeds and unmaps the region, or fails cleanly with
 * the region still there and nothing queued.
 */
static int many_descriptors(void *arg)
{
	long max = module_param("max_msg_size");
	size_t size, ndesc, i, len;
	mach_msg_header_t *h;
	mach_msg_body_t *body;
	mach_msg_port_descriptor_t *pd;
	mach_msg_ool_descriptor_t od;
	mach_port_t q = new_port();
	mach_msg_return_t mr;
	uint8_t *msg, *page;

	(void)arg;
	FAIL_IF(!q, 1, "port");
	if (max <= 0)
		max = 4 << 20;
	size = (size_t)(max < (4 << 20) ? max : (4 << 20)) & ~(size_t)3;
	ndesc = (size - sizeof(*h) - sizeof(*body) - sizeof(od)) / sizeof(*pd);
	if (ndesc * 16 <= (4u << 20)) {
		fprintf(stderr, "  max_msg_size %ld too small to matter\n",
			max);
		return 0;
	}
	len = sizeof(*h) + sizeof(*body) + ndesc * sizeof(*pd) + sizeof(od);
	msg = map_pages(len);
	page = map_pages(page_size());
	FAIL_IF(!msg || !page, 2, "memory");
	memset(page, 0x5a, page_size());
	h = (mach_msg_header_t *)msg;
	h->msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) |
		       MACH_MSGH_BITS_COMPLEX;
	h->msgh_size = len;
	h->msgh_remote_port = q;
	body = (mach_msg_body_t *)(h + 1);
	body->msgh_descriptor_count = ndesc + 1;
	pd = (mach_msg_port_descriptor_t *)(body + 1);
	for (i = 0; i < ndesc; i++) {
		pd[i].name = MACH_PORT_NULL;
		pd[i].disposition = MACH_MSG_TYPE_COPY_SEND;
		pd[i].type = MACH_MSG_PORT_DESCRIPTOR;
	}
	memset(&od, 0, sizeof(od));
	od.address = page;
	od.size = page_size();
	od.deallocate = TRUE;
	od.copy = MACH_MSG_VIRTUAL_COPY;
	od.type = MACH_MSG_OOL_DESCRIPTOR;
	memcpy(pd + ndesc, &od, sizeof(od));
	mr = mach_msg(h, MACH_SEND_MSG | MACH_SEND_TIMEOUT, len, 0,
		      MACH_PORT_NULL, 0, MACH_PORT_NULL);
	if (mr == MACH_MSG_SUCCESS) {
		FAIL_IF(is_mapped(page, page_size()), 3,
			"sent, but the deallocate region is still mapped");
		FAIL_IF(msgcount_of(q) != 1, 4, "not queued");
	} else {
		FAIL_IF(mr != MACH_SEND_NO_BUFFER && mr != MACH_SEND_TOO_LARGE,
			5, "send failed with %#x", mr);
		FAIL_IF(!is_mapped(page, page_size()), 6,
			"failed, yet the region was unmapped");
		FAIL_IF(msgcount_of(q) != 0, 7, "failed, yet queued");
	}
	FAIL_IF(mach_port_mod_refs(SELF, q, MACH_PORT_RIGHT_RECEIVE, -1), 8,
		"destroy");
	return 0;
}

TEST_F(sec, huge_descriptor_count_unmaps_or_fails_cleanly)
{
	EXPECT_EQ(0, mt_run_as_nobody(many_descriptors, NULL));
	EXPECT_NOTHING_LEFT();
}

/* ---- finding 9: rights inserted into a dying space ------------------------- */

#define VICTIMS 40

/*
 * Insert send rights into a child's space through its task port, as fast
 * as possible, while the child exits.  Every right inserted must be
 * released by the child's teardown: the port ends with no send rights.
 */
static int insert_vs_exit(void *arg)
{
	mach_port_t port = new_port(), task;
	mach_port_name_t name = (0x1000 << 8) | 3;
	mach_port_status_t st;
	int v, ready[2], die[2], inserted = 0, i;
	kern_return_t kr;
	pid_t pid;
	char c = 0;

	(void)arg;
	FAIL_IF(!port, 1, "port");
	for (v = 0; v < VICTIMS; v++) {
		FAIL_IF(pipe(ready) || pipe(die), 2, "pipe");
		pid = fork();
		FAIL_IF(pid < 0, 3, "fork");
		if (pid == 0) {
			die_with_parent();
			close(die[1]);
			if (mach_task_self() == MACH_PORT_NULL)
				_exit(1);
			if (write(ready[1], &c, 1) != 1)
				_exit(2);
			while (read(die[0], &c, 1) < 0)
				;
			_exit(0);
		}
		close(ready[1]);
		close(die[0]);
		FAIL_IF(read(ready[0], &c, 1) != 1, 4, "victim %d not ready",
			v);
		kr = task_for_pid(SELF, pid, &task);
		FAIL_IF(kr, 5, "task_for_pid: %#x", kr);
		close(die[1]); /* the victim exits now */
		for (i = 0; i < 1000000; i++) {
			kr = mach_port_insert_right(task, name, port,
						    MACH_MSG_TYPE_MAKE_SEND);
			if (kr)
				break;
			inserted++;
		}
		FAIL_IF(mt_wait_exit(pid) != 0, 6, "victim %d", v);
		close(ready[0]);
		mach_port_deallocate(SELF, task);
	}
	/* The victims' teardown released every send right they were given. */
	for (i = 0; i < 500; i++) {
		FAIL_IF(status_of(port, &st), 7, "status");
		if (!st.mps_srights)
			break;
		usleep(10000);
	}
	FAIL_IF(st.mps_srights, 8,
		"%u send rights outlive the spaces they were inserted in "
		"(%d inserts)",
		st.mps_srights, inserted);
	mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1);
	return 0;
}

TEST_F_TIMEOUT(sec, insert_right_never_lands_in_a_dying_space, 120)
{
	EXPECT_EQ(0, mt_run_as_nobody(insert_vs_exit, NULL));
	EXPECT_NOTHING_LEFT();
}

TEST_HARNESS_MAIN
