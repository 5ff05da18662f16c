/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the Mach IPC selftests (ipc_*_test.c).  They use Darwin's
 * API from libmach, as a Darwin program would, and never Darwin's sources.
 *
 * Conventions: helpers return a kern_return_t / mach_msg_return_t, or a
 * value with an out-of-band error marker that is documented at the helper.
 * They never ASSERT, so threads and forked children may use them.
 */
#ifndef _IPC_TEST_H
#define _IPC_TEST_H

#include <pthread.h>
#include <setjmp.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include <mach/mach.h>
#include <mach/message.h>
#include <mach/notify.h>
#include <mach/port.h>
#include <machina/machina.h>

#include "machina_test.h"

#define SELF mach_task_self()

/*
 * TEMPORARY: Darwin's <mach/port.h> defines this; userlib's does not yet.
 * Remove once it does (reported to the lead).
 */
#ifndef MACH_PORT_UREFS_MAX
#define MACH_PORT_UREFS_MAX ((mach_port_urefs_t)((1 << 16) - 1))
#endif

/* Name = index << 8 | generation (darwin-abi.md). */
#define NAME_INDEX(n) ((n) >> 8)
#define NAME_GEN(n) ((n)&0xff)

/* Why the loaded module cannot run IPC tests, or NULL if it can. */
static inline const char *ipc_unavailable(void)
{
	struct machina_handshake hs = { .client_abi = MACHINA_ABI_VERSION };
	long ret;
	int fd;

	fd = mt_open();
	if (fd < 0)
		return "no " MACHINA_DEVICE_PATH " (machina.ko not loaded)";
	ret = mt_ioctl(fd, MACHINA_IOC_HANDSHAKE, &hs);
	close(fd);
	if (ret != 0)
		return "handshake failed: module and test ABI differ";
	if (!(hs.features & MACHINA_FEATURE_IPC))
		return "module does not report MACHINA_FEATURE_IPC";
	return NULL;
}

/*
 * Skip the test from a fixture's setup.  The 6.1 harness would run the test
 * body after a SKIP() whose statement is a plain return, so leave through the
 * harness's jump buffer: the test then ends as skipped, without teardown.
 */
#define IPC_REQUIRE()                                                 \
	do {                                                          \
		const char *_why = ipc_unavailable();                 \
		die_with_parent();                                    \
		if (_why)                                             \
			SKIP(longjmp(_metadata->env, 1), "%s", _why); \
	} while (0)

/* The same from a TEST() body (no fixture): a plain return ends it. */
#define IPC_REQUIRE_TEST()                                \
	do {                                              \
		const char *_why = ipc_unavailable();     \
		die_with_parent();                        \
		if (_why)                                 \
			SKIP(return, "%s", _why);         \
	} while (0)

/* ---- rights ------------------------------------------------------------ */

/* A new receive right, or MACH_PORT_NULL. */
static inline mach_port_t new_port(void)
{
	mach_port_t name = MACH_PORT_NULL;

	if (mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &name) !=
	    KERN_SUCCESS)
		return MACH_PORT_NULL;
	return name;
}

/* A new receive right with one send right under the same name. */
static inline mach_port_t new_port_send(void)
{
	mach_port_t name = new_port();

	if (name &&
	    mach_port_insert_right(SELF, name, name, MACH_MSG_TYPE_MAKE_SEND)) {
		mach_port_mod_refs(SELF, name, MACH_PORT_RIGHT_RECEIVE, -1);
		return MACH_PORT_NULL;
	}
	return name;
}

/* The name's type, or 0 (MACH_PORT_TYPE_NONE) if mach_port_type failed. */
static inline mach_port_type_t type_of(mach_port_name_t name)
{
	mach_port_type_t type = 0;

	if (mach_port_type(SELF, name, &type) != KERN_SUCCESS)
		return 0;
	return type;
}

/* User references the name holds for a right, or -1 if the call failed. */
static inline long urefs_of(mach_port_name_t name, mach_port_right_t right)
{
	mach_port_urefs_t refs = 0;

	if (mach_port_get_refs(SELF, name, right, &refs) != KERN_SUCCESS)
		return -1;
	return refs;
}

static inline kern_return_t status_of(mach_port_name_t name,
				      mach_port_status_t *st)
{
	mach_msg_type_number_t count = MACH_PORT_RECEIVE_STATUS_COUNT;

	memset(st, 0xa5, sizeof(*st));
	return mach_port_get_attributes(SELF, name, MACH_PORT_RECEIVE_STATUS,
					(mach_port_info_t)st, &count);
}

/* Messages queued on a receive right, or -1. */
static inline long msgcount_of(mach_port_name_t name)
{
	mach_port_status_t st;

	return status_of(name, &st) == KERN_SUCCESS ? (long)st.mps_msgcount :
						      -1;
}

/* Queue limit of a receive right, or -1. */
static inline long qlimit_of(mach_port_name_t name)
{
	mach_port_limits_t lim = { 0 };
	mach_msg_type_number_t count = MACH_PORT_LIMITS_INFO_COUNT;

	if (mach_port_get_attributes(SELF, name, MACH_PORT_LIMITS_INFO,
				     (mach_port_info_t)&lim,
				     &count) != KERN_SUCCESS)
		return -1;
	return lim.mpl_qlimit;
}

static inline kern_return_t set_qlimit(mach_port_name_t name,
				       mach_port_msgcount_t qlimit)
{
	mach_port_limits_t lim = { .mpl_qlimit = qlimit };

	return mach_port_set_attributes(SELF, name, MACH_PORT_LIMITS_INFO,
					(mach_port_info_t)&lim,
					MACH_PORT_LIMITS_INFO_COUNT);
}

/* A new send-once right to the receive right "port", or MACH_PORT_NULL. */
static inline mach_port_t make_send_once(mach_port_t port)
{
	mach_port_t so = MACH_PORT_NULL;
	mach_msg_type_name_t type = 0;

	if (mach_port_extract_right(SELF, port, MACH_MSG_TYPE_MAKE_SEND_ONCE,
				    &so, &type))
		return MACH_PORT_NULL;
	return so;
}

/*
 * A name in this space that is free now, with a kernel-style generation
 * (low two bits 0b11), high enough in the table not to meet the names the
 * tests allocate, or MACH_PORT_NULL.
 */
static inline mach_port_name_t free_name(unsigned int index_hint)
{
	mach_port_type_t type;
	unsigned int i;

	for (i = index_hint; i < index_hint + 4096; i++) {
		mach_port_name_t name = (i << 8) | 0x03;

		if (mach_port_type(SELF, name, &type) == KERN_INVALID_NAME)
			return name;
	}
	return MACH_PORT_NULL;
}

/* ---- messages ---------------------------------------------------------- */

typedef struct {
	mach_msg_header_t header;
	uint32_t payload[4];
} simple_msg_t;

/* Receive buffer for small messages, with room for the largest trailer. */
typedef struct {
	mach_msg_header_t header;
	uint8_t body[1024];
	mach_msg_max_trailer_t trailer_room;
} rcv_buf_t;

typedef struct {
	mach_msg_header_t header;
	mach_msg_body_t body;
	mach_msg_port_descriptor_t port;
} port_msg_t;

typedef struct {
	mach_msg_header_t header;
	mach_msg_body_t body;
	mach_msg_ool_descriptor_t ool;
} ool_msg_t;

typedef struct {
	mach_msg_header_t header;
	mach_msg_body_t body;
	mach_msg_ool_ports_descriptor_t ports;
} ool_ports_msg_t;

static inline void *trailer_of(mach_msg_header_t *h)
{
	return (char *)h + h->msgh_size;
}

/* A simple message: dest with disposition dest_disp, no reply, id. */
static inline mach_msg_return_t send_simple_opt(mach_port_t dest,
						mach_msg_type_name_t dest_disp,
						mach_msg_id_t id,
						mach_msg_option_t opt,
						mach_msg_timeout_t timeout)
{
	simple_msg_t m;

	memset(&m, 0, sizeof(m));
	m.header.msgh_bits = MACH_MSGH_BITS(dest_disp, 0);
	m.header.msgh_size = sizeof(m);
	m.header.msgh_remote_port = dest;
	m.header.msgh_id = id;
	m.payload[0] = (uint32_t)id;
	return mach_msg(&m.header, MACH_SEND_MSG | opt, sizeof(m), 0,
			MACH_PORT_NULL, timeout, MACH_PORT_NULL);
}

static inline mach_msg_return_t send_simple(mach_port_t dest, mach_msg_id_t id)
{
	return send_simple_opt(dest, MACH_MSG_TYPE_MAKE_SEND, id, 0,
			       MACH_MSG_TIMEOUT_NONE);
}

/* Non-blocking send with COPY_SEND: MACH_SEND_TIMED_OUT if the queue is full. */
static inline mach_msg_return_t
try_send(mach_port_t dest, mach_msg_type_name_t disp, mach_msg_id_t id)
{
	return send_simple_opt(dest, disp, id, MACH_SEND_TIMEOUT, 0);
}

/* A message carrying one port right ("right" with disposition "disp") to dest. */
static inline void port_msg_init(port_msg_t *m, mach_port_t dest,
				 mach_msg_type_name_t dest_disp, mach_msg_id_t id,
				 mach_port_t right, mach_msg_type_name_t disp)
{
	memset(m, 0, sizeof(*m));
	m->header.msgh_bits = MACH_MSGH_BITS(dest_disp, 0) |
			      MACH_MSGH_BITS_COMPLEX;
	m->header.msgh_size = sizeof(*m);
	m->header.msgh_remote_port = dest;
	m->header.msgh_id = id;
	m->body.msgh_descriptor_count = 1;
	m->port.name = right;
	m->port.disposition = disp;
	m->port.type = MACH_MSG_PORT_DESCRIPTOR;
}

/*
 * Send a message carrying one port right ("right" with disposition "disp")
 * to dest, named with dest_disp; waits at most five seconds for queue space.
 */
static inline mach_msg_return_t send_port(mach_port_t dest,
					  mach_msg_type_name_t dest_disp,
					  mach_msg_id_t id, mach_port_t right,
					  mach_msg_type_name_t disp)
{
	port_msg_t m;

	port_msg_init(&m, dest, dest_disp, id, right, disp);
	return mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof(m),
			0, MACH_PORT_NULL, 5000, MACH_PORT_NULL);
}

/* Receive into buf (size bytes) with extra options; timeout in ms. */
static inline mach_msg_return_t recv_msg(mach_port_t port, void *buf,
					 mach_msg_size_t size,
					 mach_msg_option_t opt,
					 mach_msg_timeout_t timeout)
{
	mach_msg_header_t *h = buf;

	memset(h, 0, sizeof(*h));
	return mach_msg(h, MACH_RCV_MSG | opt, 0, size, port, timeout,
			MACH_PORT_NULL);
}

/* Receive with a timeout (ms; 0 polls). */
static inline mach_msg_return_t recv_timeout(mach_port_t port, rcv_buf_t *buf,
					     mach_msg_timeout_t ms)
{
	return recv_msg(port, buf, sizeof(*buf), MACH_RCV_TIMEOUT, ms);
}

/* The calling thread's id (for ipc_wait_sleeping()). */
/* Ask for a no-senders notification of @port on @notify (sync 0). */
static inline kern_return_t no_senders_request(mach_port_t port, mach_port_t notify)
{
	mach_port_t prev = MACH_PORT_NULL;

	return mach_port_request_notification(SELF, port, MACH_NOTIFY_NO_SENDERS, 0,
					      notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
					      &prev);
}

/* The id of the next message on @port within @ms (destroyed), or -1. */
static inline int next_id(mach_port_t port, mach_msg_timeout_t ms)
{
	rcv_buf_t buf;

	if (recv_timeout(port, &buf, ms) != MACH_MSG_SUCCESS)
		return -1;
	mach_msg_destroy(&buf.header);
	return buf.header.msgh_id;
}

/*
 * ipc_wait_flag - wait up to @secs for another thread to set *@flag (a
 * bound for a test that would otherwise hang, not a timing)
 * Returns: the flag's value.
 */
static inline int ipc_wait_flag(volatile int *flag, double secs)
{
	double end = mt_now() + secs;

	while (!*flag && mt_now() < end)
		usleep(2000);
	return *flag;
}

static inline pid_t ipc_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/*
 * ipc_wait_sleeping - wait until thread *@tid (of any process) sleeps
 * (state S in /proc/TID/task/TID/stat), once it has stored its id there
 * (0 until then).  A thread that stores its id right before a blocking
 * mach_msg() (or epoll_wait(), ...) and then sleeps is blocked in it: this
 * is the condition a fixed usleep() "to let it block" only hoped for.
 * Returns 0, or -1 if it did not within ten seconds (a bound, not a timing
 * assumption: the caller fails only if the thread never blocks).
 */
static inline int ipc_wait_sleeping(const volatile pid_t *tid)
{
	double end = mt_now() + 10;

	do {
		/* /proc/TID/task/TID: any thread, of this process or another. */
		if (*tid && mt_thread_state(*tid, *tid) == 'S')
			return 0;
		usleep(1000);
	} while (mt_now() < end);
	return -1;
}

/* Receive and destroy every queued message; returns how many there were. */
static inline int drain(mach_port_t port)
{
	rcv_buf_t buf;
	int n = 0;

	while (recv_msg(port, &buf, sizeof(buf),
			MACH_RCV_TIMEOUT | MACH_RCV_LARGE,
			0) == MACH_MSG_SUCCESS) {
		mach_msg_destroy(&buf.header);
		n++;
	}
	return n;
}

/*
 * Move the receive right "port" into a message queued on a new port
 * (*holder), leaving this space with only the send rights it had under that
 * name.  Destroying *holder destroys the queued message, and so the port.
 */
static inline kern_return_t park_receive(mach_port_t port, mach_port_t *holder)
{
	*holder = new_port();
	if (!*holder)
		return KERN_FAILURE;
	return send_port(*holder, MACH_MSG_TYPE_MAKE_SEND, 1, port,
			 MACH_MSG_TYPE_MOVE_RECEIVE);
}

/*
 * A complex-message builder: header, body, descriptors in the order added,
 * then inline data.  Descriptors are packed to 4 bytes (as Darwin's are), so
 * they are copied in with memcpy.
 */
struct msg_builder {
	union {
		mach_msg_header_t header;
		uint8_t bytes[8192];
	} u;
	size_t len;
	unsigned int ndesc;
	int data; /* inline data started: no more descriptors */
};

static inline mach_msg_header_t *
mb_init(struct msg_builder *b, mach_port_t dest, mach_msg_type_name_t dest_disp,
	mach_port_t reply, mach_msg_type_name_t reply_disp, mach_msg_id_t id)
{
	memset(b, 0, sizeof(*b));
	b->u.header.msgh_bits = MACH_MSGH_BITS(dest_disp, reply_disp) |
				MACH_MSGH_BITS_COMPLEX;
	b->u.header.msgh_remote_port = dest;
	b->u.header.msgh_local_port = reply;
	b->u.header.msgh_id = id;
	b->len = sizeof(mach_msg_header_t) + sizeof(mach_msg_body_t);
	return &b->u.header;
}

static inline void mb_add(struct msg_builder *b, const void *desc, size_t size)
{
	mach_msg_body_t *body =
		(mach_msg_body_t *)(b->u.bytes + sizeof(mach_msg_header_t));

	memcpy(b->u.bytes + b->len, desc, size);
	b->len += size;
	b->ndesc++;
	body->msgh_descriptor_count = b->ndesc;
	b->u.header.msgh_size = b->len;
}

static inline void mb_port(struct msg_builder *b, mach_port_t name,
			   mach_msg_type_name_t disp)
{
	mach_msg_port_descriptor_t d;

	memset(&d, 0, sizeof(d));
	d.name = name;
	d.disposition = disp;
	d.type = MACH_MSG_PORT_DESCRIPTOR;
	mb_add(b, &d, sizeof(d));
}

static inline void mb_ool(struct msg_builder *b, void *addr,
			  mach_msg_size_t size, boolean_t dealloc,
			  mach_msg_copy_options_t copy)
{
	mach_msg_ool_descriptor_t d;

	memset(&d, 0, sizeof(d));
	d.address = addr;
	d.size = size;
	d.deallocate = dealloc;
	d.copy = copy;
	d.type = MACH_MSG_OOL_DESCRIPTOR;
	mb_add(b, &d, sizeof(d));
}

static inline void mb_ool_ports(struct msg_builder *b, mach_port_t *names,
				mach_msg_size_t count,
				mach_msg_type_name_t disp, boolean_t dealloc)
{
	mach_msg_ool_ports_descriptor_t d;

	memset(&d, 0, sizeof(d));
	d.address = names;
	d.count = count;
	d.deallocate = dealloc;
	d.copy = MACH_MSG_PHYSICAL_COPY;
	d.disposition = disp;
	d.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
	mb_add(b, &d, sizeof(d));
}

static inline void mb_guarded(struct msg_builder *b, mach_port_t name,
			      mach_msg_type_name_t disp,
			      mach_port_context_t context,
			      mach_msg_guard_flags_t flags)
{
	mach_msg_guarded_port_descriptor_t d;

	memset(&d, 0, sizeof(d));
	d.name = name;
	d.disposition = disp;
	d.context = context;
	d.flags = flags;
	d.type = MACH_MSG_GUARDED_PORT_DESCRIPTOR;
	mb_add(b, &d, sizeof(d));
}

static inline void mb_data(struct msg_builder *b, const void *data, size_t size)
{
	memcpy(b->u.bytes + b->len, data, size);
	b->len += (size + 3) & ~(size_t)3;
	b->u.header.msgh_size = b->len;
}

/* Send what was built; extra options and timeout as for mach_msg. */
static inline mach_msg_return_t mb_send(struct msg_builder *b,
					mach_msg_option_t opt,
					mach_msg_timeout_t timeout)
{
	b->u.header.msgh_size = b->len;
	return mach_msg(&b->u.header, MACH_SEND_MSG | opt, b->len, 0,
			MACH_PORT_NULL, timeout, MACH_PORT_NULL);
}

/* Size of the descriptor at p (by its type byte), or 0 if unknown. */
static inline size_t desc_size(const uint8_t *p)
{
	switch (((const mach_msg_type_descriptor_t *)p)->type) {
	case MACH_MSG_PORT_DESCRIPTOR:
		return sizeof(mach_msg_port_descriptor_t);
	case MACH_MSG_OOL_DESCRIPTOR:
	case MACH_MSG_OOL_VOLATILE_DESCRIPTOR:
		return sizeof(mach_msg_ool_descriptor_t);
	case MACH_MSG_OOL_PORTS_DESCRIPTOR:
		return sizeof(mach_msg_ool_ports_descriptor_t);
	case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
		return sizeof(mach_msg_guarded_port_descriptor_t);
	}
	return 0;
}

/*
 * The i-th descriptor of a received complex message, copied into *out
 * (which must hold the largest descriptor); returns its type, or -1.
 */
typedef union {
	mach_msg_type_descriptor_t any;
	mach_msg_port_descriptor_t port;
	mach_msg_ool_descriptor_t ool;
	mach_msg_ool_ports_descriptor_t ool_ports;
	mach_msg_guarded_port_descriptor_t guarded;
} any_desc_t;

static inline int get_desc(const mach_msg_header_t *h, unsigned int i,
			   any_desc_t *out)
{
	const uint8_t *p = (const uint8_t *)h + sizeof(*h);
	mach_msg_body_t body;
	unsigned int k;

	memset(out, 0, sizeof(*out));
	if (!(h->msgh_bits & MACH_MSGH_BITS_COMPLEX))
		return -1;
	memcpy(&body, p, sizeof(body));
	if (i >= body.msgh_descriptor_count)
		return -1;
	p += sizeof(body);
	for (k = 0; k < i; k++) {
		size_t sz = desc_size(p);

		if (!sz)
			return -1;
		p += sz;
	}
	if (!desc_size(p))
		return -1;
	memcpy(out, p, desc_size(p));
	return out->any.type;
}

/* Write descriptor i of a message back (after changing a copy). */
static inline void put_desc(mach_msg_header_t *h, unsigned int i,
			    const any_desc_t *d)
{
	uint8_t *p = (uint8_t *)h + sizeof(*h) + sizeof(mach_msg_body_t);

	while (i--)
		p += desc_size(p);
	memcpy(p, d, desc_size((const uint8_t *)d));
}

/* ---- memory ------------------------------------------------------------ */

static inline size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static inline void *map_pages(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Whether [addr, addr+size) is entirely mapped (addr page-aligned). */
static inline int is_mapped(void *addr, size_t size)
{
	unsigned char vec[64];
	size_t pages = (size + page_size() - 1) / page_size();

	if (pages > sizeof(vec))
		pages = sizeof(vec);
	return mincore(addr, pages * page_size(), vec) == 0;
}

static inline void fill_pattern(void *p, size_t size, uint32_t seed)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < size; i++)
		b[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 9));
}

static inline int check_pattern(const void *p, size_t size, uint32_t seed)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < size; i++)
		if (b[i] != (uint8_t)(seed * 31 + i * 7 + (i >> 9)))
			return 0;
	return 1;
}

/* ---- processes --------------------------------------------------------- */

/* Read a module parameter, or -1. */
static inline long module_param(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/machina/parameters/%s", name);
	return mt_read_long(path);
}

/* Set a module parameter (as root); returns its previous value, or -1. */
static inline long module_param_set(const char *name, long value)
{
	char path[128], text[32];
	long old = module_param(name);

	snprintf(path, sizeof(path), "/sys/module/machina/parameters/%s", name);
	snprintf(text, sizeof(text), "%ld", value);
	if (old < 0 || mt_write_file(path, text))
		return -1;
	return old;
}

/* The live-object counters the module has; absent ones read as -1. */
struct live_counts {
	long tasks, threads, ports, messages;
};

static inline void live_counts(struct live_counts *c)
{
	c->tasks = mt_counter("live_tasks");
	c->threads = mt_counter("live_threads");
	c->ports = mt_counter("live_ports");
	c->messages = mt_counter("live_messages");
}

/*
 * A baseline: the counters once they have stopped moving (the previous
 * test's process may still be being torn down when this one starts).
 */
static inline void live_counts_baseline(struct live_counts *c)
{
	struct live_counts prev;
	int i, same = 0;

	live_counts(&prev);
	for (i = 0; i < 150 && same < 5; i++) {
		usleep(20000);
		live_counts(c);
		same = memcmp(c, &prev, sizeof(*c)) ? 0 : same + 1;
		prev = *c;
	}
	*c = prev;
}

/*
 * Wait until every counter that exists is back to its value in "base"
 * (teardown of exited processes is deferred); returns 1 if all are.
 */
static inline int live_counts_settle(const struct live_counts *base,
				     struct live_counts *now)
{
	now->tasks = base->tasks < 0 ?
			     -1 :
			     mt_wait_counter("live_tasks", base->tasks);
	now->threads = base->threads < 0 ?
			       -1 :
			       mt_wait_counter("live_threads", base->threads);
	now->ports = base->ports < 0 ?
			     -1 :
			     mt_wait_counter("live_ports", base->ports);
	now->messages = base->messages < 0 ? -1 :
					     mt_wait_counter("live_messages",
							     base->messages);
	return now->tasks == base->tasks && now->threads == base->threads &&
	       now->ports == base->ports && now->messages == base->messages;
}

/*
 * A send right to "port" that a child made by fork() turns into a name of
 * its own with port_meet_child().  The parent closes fd after the fork (the
 * descriptor itself holds a send right).
 */
static inline kern_return_t port_share(mach_port_t port, int *fd)
{
	return machina_port_to_fd(port, MACH_PORT_RIGHT_SEND, 0, fd);
}

/* In the child: a send right from the descriptor; the descriptor is closed. */
static inline mach_port_t port_meet_child(int fd)
{
	uint32_t name = MACH_PORT_NULL;
	kern_return_t kr = machina_port_from_fd(fd, &name);

	close(fd);
	return kr == KERN_SUCCESS ? name : MACH_PORT_NULL;
}

#ifdef __USE_GNU
/*
 * ipc_class_client - fork a client process (that dies with its parent)
 * that sends @port a request of class @qos (a THREAD_QOS_* tier, named
 * with MACH_SEND_OVERRIDE) with a send-once right to a reply port it
 * keeps: the request lifts the thread that receives it (docs/plans/qos.md,
 * slice 2) for as long as the client lives.  With @nobody the client is
 * user nobody (from root).
 * Returns: the client's pid once the request is queued, or -1 (a client
 * that failed is reaped).
 */
static inline pid_t ipc_class_client(mach_port_t port, int nobody,
				     unsigned int qos)
{
	int fd, go[2];
	pid_t pid;
	char c;

	if (port_share(port, &fd))
		return -1;
	if (pipe(go)) {
		close(fd);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		mach_port_t dest, reply;
		simple_msg_t m;

		die_with_parent();
		close(go[0]);
		dest = port_meet_child(fd);
		if (!dest || (nobody && mt_become_nobody()))
			_exit(2);
		reply = new_port();
		memset(&m, 0, sizeof(m));
		m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
						    MACH_MSG_TYPE_MAKE_SEND_ONCE);
		m.header.msgh_size = sizeof(m);
		m.header.msgh_remote_port = dest;
		m.header.msgh_local_port = reply;
		m.header.msgh_id = 100;
		/* As mach_msg_priority_encode(0, qos, 0) puts it. */
		if (!reply || mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_OVERRIDE,
				       sizeof(m), 0, MACH_PORT_NULL, 0,
				       (qos << 16) | 0xff00u) != MACH_MSG_SUCCESS)
			_exit(1);
		if (write(go[1], "s", 1) != 1)
			_exit(1);
		/* Keeps the reply port (and so the lift) alive. */
		pause();
		_exit(0);
	}
	close(fd);
	close(go[1]);
	if (pid > 0 && read(go[0], &c, 1) != 1) {
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(go[0]);
	return pid;
}

/* ipc_class_client() at USER_INTERACTIVE: the client whose request lifts. */
static inline pid_t ipc_lifting_client(mach_port_t port, int nobody)
{
	return ipc_class_client(port, nobody, 6);
}
#endif

/*
 * ipc_task_child - fork a child (that dies with its parent) that makes its
 * Mach task and waits until the parent writes to *@go; the parent reads
 * from *@done (closes both when done).  A target for task_for_pid.
 * Returns: the child's pid once its task exists, or -1 (a child that
 * failed is reaped, nothing is left open).
 */
static inline pid_t ipc_task_child(int *go, int *done)
{
	pid_t pid = mt_fork_pipes(go, done);
	char c;

	if (pid == 0) {
		mach_task_self();
		if (write(*done, "r", 1) != 1)
			_exit(1);
		read(*go, &c, 1);
		_exit(0);
	}
	if (pid > 0 && read(*done, &c, 1) != 1) {
		close(*go);
		close(*done);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	return pid;
}

#endif /* _IPC_TEST_H */
