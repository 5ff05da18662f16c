// SPDX-License-Identifier: GPL-2.0
/*
 * Resource bounds (issue 8): every object an unprivileged user can make the
 * module hold is bounded by a module limit, charged to that user's memory
 * cgroup, and given back at exit.
 *
 * Each attack runs as uid/gid 65534 in a child process.  The parent (root
 * in the test VM) sets up what only root can: lower module limits so they
 * are reached quickly, a cgroup v2 memory group with a small memory.max
 * for the child, a root-owned port.  Tests that need root SKIP without it.
 *
 *   timer_*           finding 3: one expiry message per timer, preallocated
 *                     and charged to the creator
 *   kobject_reply_*   finding 4: MIG replies obey the queue limit of a plain
 *                     send right and the requester's queued-bytes budget
 *   exhaust_*         every object type: the Darwin error at the limit,
 *                     memory.current of the child's group grows with what
 *                     it allocated, and falls back once it has exited
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

#define NOBODY 65534

/* ---- privileges and module parameters ---------------------------------- */

static int become_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -1;
	return getuid() == NOBODY && geteuid() == NOBODY ? 0 : -1;
}

#define REQUIRE_ROOT()                                                    \
	do {                                                              \
		if (geteuid() != 0)                                       \
			SKIP(return, "needs root to set up the attack");  \
	} while (0)

/* ---- running an attack ------------------------------------------------- */

/* What an attack reports back to the parent. */
struct outcome {
	int setup;		/* 0, or why the child could not attack */
	long count;		/* objects made before the limit */
	int code;		/* the status that ended it */
	long before, peak;	/* memory.current around the attack */
	long extra[4];		/* attack-specific facts */
};

typedef void (*attack_fn)(struct outcome *o, long arg);

/*
 * How far memory.current may be off what was really charged: the kernel
 * charges and uncharges a cgroup in batches of 64 pages per CPU
 * (MEMCG_CHARGE_BATCH), 256 KiB with 4 KiB pages, 1 MiB with 16 KiB ones.
 */
static long charge_batch(void)
{
	return 64 * sysconf(_SC_PAGESIZE);
}

/*
 * run_attack - run @fn as nobody in a fresh memory cgroup (memory.max @max)
 * and wait until the child's Mach state is gone; *after is memory.current
 * once the group's usage stopped falling.
 */
static void run_attack(struct __test_metadata *_metadata, attack_fn fn,
		       long arg, long max, struct outcome *o, long *after)
{
	struct live_counts base, now;
	struct mt_cgroup cg;
	const char *why;
	long prev, settled;
	int pfd[2], i;
	pid_t pid;

	live_counts_baseline(&base);
	why = mt_cg_create(&cg, max);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct outcome r = { 0 };

		die_with_parent();
		close(pfd[0]);
		if (mt_cg_enter(&cg) || become_nobody()) {
			r.setup = 1;
		} else {
			/* The Mach task is made (and charged) before the baseline. */
			mach_task_self();
			r.before = mt_cg_read(&cg, "memory.current");
			fn(&r, arg);
			r.peak = mt_cg_read(&cg, "memory.current");
		}
		if (write(pfd[1], &r, sizeof(r)) != sizeof(r))
			_exit(2);
		_exit(0);
	}
	close(pfd[1]);
	memset(o, 0, sizeof(*o));
	ASSERT_EQ(sizeof(*o), read(pfd[0], o, sizeof(*o)));
	close(pfd[0]);
	ASSERT_EQ(0, mt_wait_exit(pid));
	ASSERT_EQ(0, o->setup);
	EXPECT_TRUE(live_counts_settle(&base, &now));
	/*
	 * Freed memory leaves the group through RCU and per-CPU caches: wait
	 * (5 s at most) until two readings agree and are back at the
	 * baseline, or below the bound check_charged() holds the exits to
	 * (a quarter of the growth and a charge batch over the baseline; on
	 * the arm64 kernels the first condition often never held: 5 s a
	 * test).
	 */
	settled = o->before + (o->peak - o->before) / 4 + charge_batch();
	*after = mt_cg_read(&cg, "memory.current");
	for (i = 0; i < 100; i++) {
		usleep(50000);
		prev = *after;
		*after = mt_cg_read(&cg, "memory.current");
		if (*after == prev && (*after <= o->before || *after < settled))
			break;
	}
	TH_LOG("count %ld, code 0x%x, memory.current %ld -> %ld -> %ld",
	       o->count, o->code, o->before, o->peak, *after);
	mt_cg_destroy(&cg);
}

/*
 * The common verdict: the limit was hit with @code after at least @min
 * objects, the group paid at least @bytes_each per object, and most of it
 * came back at exit.
 */
static void check_charged(struct __test_metadata *_metadata,
			  const struct outcome *o, long after, int code,
			  long min, long bytes_each)
{
	long grown = o->peak - o->before;

	EXPECT_EQ(code, o->code);
	EXPECT_LE(min, o->count);
	/*
	 * Up to one charge batch may be served from what the CPU's stock
	 * already holds, without moving memory.current (2000 semaphores on
	 * 16K pages: 256 KB against a 1 MiB batch).  Known gap: a total within
	 * one batch is not checked here.
	 */
	EXPECT_LE(o->count * bytes_each - charge_batch(), grown);
	if (o->count * bytes_each <= charge_batch())
		TH_LOG("%ld bytes are within one charge batch: memory.current not checked",
		       o->count * bytes_each);
	EXPECT_GT(o->before + grown / 4 + charge_batch(), after);
}

/* ---- finding 3: timers ------------------------------------------------- */

static long live_messages(void)
{
	return mt_counter("live_messages");
}

/*
 * Re-arm a timer with a deadline 1 µs ahead for @arg ms without ever
 * receiving.  extra[0]: messages queued on it; extra[1]: live message delta.
 */
static void attack_timer_rearm(struct outcome *o, long ms)
{
	mach_port_t timer = mk_timer_create();
	long msgs = live_messages();
	double end = mt_now() + ms / 1000.0;

	o->code = timer ? KERN_SUCCESS : KERN_FAILURE;
	if (!timer)
		return;
	while (mt_now() < end) {
		o->code = mk_timer_arm(timer, mach_absolute_time() + 1000);
		if (o->code != KERN_SUCCESS)
			break;
		o->count++;
	}
	usleep(200 * 1000); /* expiries still in the workqueue arrive */
	o->extra[0] = msgcount_of(timer);
	o->extra[1] = live_messages() - msgs;
}

/* XNU: an expiry while the timer's one message is still queued is dropped. */
/*
 * The exhaustion tests make tens of thousands of objects: on the PREEMPT_RT
 * debug kernel they took 17-55 s each, and the send-once notification one
 * more than 180 s (2026-12-06), minutes together, past what a warm make
 * check may take.  They check limits and charging, which the
 * stock kernels (PREEMPT_RT ones included) and debug-x86_64 cover; the RT
 * debug kernel is there for lock context.
 */
#define SKIP_ON_RT_DEBUG()						\
	do {								\
		if (mt_rt_debug_kernel())				\
			SKIP(return, "too slow on %s (covered elsewhere)", \
			     getenv("MACHINA_KERNEL"));			\
	} while (0)

/*
 * The send-once and dead-name tests below run a fixed XNU limit (65534
 * queued notifications) or a count large enough to stand out of the
 * memory cgroup's charge batches (8000 ports): they measure limits and
 * who pays, which the six stock kernels measure; on debug-x86_64 they took
 * 41 s and 24 s of its ten minutes (2026-12-06).
 */
#define SKIP_ON_DEBUG()							\
	do {								\
		if (mt_slow_kernel())					\
			SKIP(return, "a count, not a lock context: run on "	\
			     "the stock kernels (%s is too slow)",		\
			     getenv("MACHINA_KERNEL"));			\
	} while (0)

/*
 * An exhaustion's limit on this kernel: @n, an eighth of it on the debug
 * kernels.  The refusal at the limit and the unwind of everything made run
 * under KASAN and lockdep as well at a thousand objects as at eight
 * thousand (debug-x86_64 spent two minutes on them); whether each object
 * charged the group is measured where the count stands out of the charge
 * batches (check_charged() says so when it does not).
 */
static long scaled(long n)
{
	return mt_slow_kernel() ? n / 8 : n;
}

TEST(timer_rearm_flood_queues_one_message)
{
	struct outcome o;
	long after;

	REQUIRE_ROOT();
	IPC_REQUIRE();
	run_attack(_metadata, attack_timer_rearm, 1000, 32 << 20, &o, &after);
	EXPECT_EQ(KERN_SUCCESS, o.code);
	EXPECT_LT(100, o.count);
	EXPECT_EQ(1, o.extra[0]);
	EXPECT_GE(1, o.extra[1]);
	/* Nothing grows with the number of expiries (two CPUs' batches). */
	EXPECT_GE(2 * charge_batch(), o.peak - o.before);
}

/* A received expiry message comes back: the timer fires again and again. */
TEST(timer_message_is_reused)
{
	mach_port_t timer;
	rcv_buf_t buf;
	long msgs;
	int i;

	IPC_REQUIRE();
	timer = mk_timer_create();
	ASSERT_NE(MACH_PORT_NULL, timer);
	msgs = live_messages();
	for (i = 0; i < 50; i++) {
		ASSERT_EQ(KERN_SUCCESS, mk_timer_arm(timer, 0));
		ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(timer, &buf, 5000));
		EXPECT_EQ(0, buf.header.msgh_id);
		EXPECT_EQ(48, buf.header.msgh_size);
	}
	EXPECT_EQ(msgs, live_messages());
	/* Destroyed while queued: it is freed with the timer. */
	ASSERT_EQ(KERN_SUCCESS, mk_timer_arm(timer, 0));
	usleep(100 * 1000);
	EXPECT_EQ(1, msgcount_of(timer));
	EXPECT_EQ(KERN_SUCCESS, mk_timer_destroy(timer));
	EXPECT_EQ(msgs, mt_wait_counter("live_messages", msgs));
}

/* ---- finding 4: kernel-object replies ---------------------------------- */

/* A request to @kobj with reply right @reply (disposition @disp), id @id. */
static mach_msg_return_t kobject_request(mach_port_t kobj, mach_port_t reply,
					 mach_msg_type_name_t disp,
					 mach_msg_id_t id)
{
	mach_msg_header_t h = {
		.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, disp),
		.msgh_size = sizeof(h),
		.msgh_remote_port = kobj,
		.msgh_local_port = reply,
		.msgh_id = id,
	};

	return mach_msg(&h, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof(h), 0,
			MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

/*
 * A root-owned port with queue limit 5; nobody, holding a send right to
 * it, makes the kernel reply to it 2,000 times (mt_rounds(): 200 on
 * debug-rt-arm64, where each request took 5.7 ms; still 40 times the
 * limit: the requests come one after another, nothing races).
 */
TEST(kobject_reply_obeys_the_queue_limit_of_a_send_right)
{
	mach_port_t port = new_port();
	int fd = -1, status, i, requests = mt_rounds(8000, 200);
	rcv_buf_t buf;
	pid_t pid;

	REQUIRE_ROOT();
	IPC_REQUIRE();
	ASSERT_NE(MACH_PORT_NULL, port);
	ASSERT_EQ(KERN_SUCCESS, set_qlimit(port, 5));
	ASSERT_EQ(KERN_SUCCESS, port_share(port, &fd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t target;
		int sent = 0;

		die_with_parent();
		if (become_nobody())
			_exit(10);
		target = port_meet_child(fd);
		if (!target)
			_exit(11);
		for (i = 0; i < requests; i++)
			if (kobject_request(mach_host_self(), target,
					    MACH_MSG_TYPE_COPY_SEND,
					    0x4000 + i) == MACH_MSG_SUCCESS)
				sent++;
		_exit(sent == requests ? 0 : 12);
	}
	close(fd);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	TH_LOG("replies queued on a port whose limit is 5: %ld",
	       msgcount_of(port));
	EXPECT_GE(5, msgcount_of(port));
	/* What did arrive is a MIG error reply with the kernel's token. */
	if (msgcount_of(port) > 0) {
		ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(port, &buf, 0));
		EXPECT_EQ(0x4000 + 100, buf.header.msgh_id);
	}
	mach_port_destroy(SELF, port);
}

/*
 * Replies to send-once rights the requester makes from its own receive
 * right are exempt from the queue limit (one per right), but each takes
 * over its request's place in the requester's max_queued_bytes: once the
 * budget is spent the requests themselves are refused.
 */
static void attack_reply_budget(struct outcome *o, long n)
{
	mach_port_t port = new_port();
	long i;

	o->code = KERN_SUCCESS;
	for (i = 0; i < n; i++) {
		o->code = kobject_request(mach_host_self(), port,
					  MACH_MSG_TYPE_MAKE_SEND_ONCE, 7);
		if (o->code != MACH_MSG_SUCCESS)
			break;
		o->count++;
	}
	o->extra[0] = msgcount_of(port);
}

TEST(kobject_reply_counts_against_the_requesters_budget)
{
	const long budget = 64 << 10, request = 24, mig_reply = 36;
	struct outcome o;
	long old, after;

	REQUIRE_ROOT();
	IPC_REQUIRE();
	old = module_param_set("max_queued_bytes", budget);
	ASSERT_LE(0, old);
	run_attack(_metadata, attack_reply_budget, 4 * budget / request,
		   64 << 20, &o, &after);
	module_param_set("max_queued_bytes", old);
	TH_LOG("requests %ld, replies queued %ld", o.count, o.extra[0]);
	EXPECT_EQ(MACH_SEND_NO_BUFFER, o.code);
	EXPECT_LE(o.extra[0] * request, budget);
	EXPECT_LT(budget / mig_reply, o.extra[0]);
	EXPECT_LE(o.extra[0] * mig_reply, o.peak - o.before);
	EXPECT_GT(o.before + (o.peak - o.before) / 4 + charge_batch(), after);
}

/*
 * A send-once right destroyed unused notifies its port, whatever the queue
 * limit; but, as on XNU, the kernel queues no more than
 * MACH_PORT_QLIMIT_KERNEL messages on one port.
 */
TEST(send_once_notifications_stop_at_the_kernel_queue_limit)
{
	SKIP_ON_DEBUG();
	int status;
	pid_t pid;

	IPC_REQUIRE();
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t port = new_port(), so;
		mach_msg_type_name_t type;
		long i;

		die_with_parent();
		if (geteuid() == 0 && become_nobody())
			_exit(10);
		for (i = 0; i < MACH_PORT_QLIMIT_KERNEL + 100; i++) {
			if (mach_port_extract_right(SELF, port,
					MACH_MSG_TYPE_MAKE_SEND_ONCE, &so,
					&type) != KERN_SUCCESS ||
			    mach_port_deallocate(SELF, so) != KERN_SUCCESS)
				_exit(11);
		}
		_exit(msgcount_of(port) == MACH_PORT_QLIMIT_KERNEL ? 0 : 12);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* ---- exhaustion of every object type ----------------------------------- */

/*
 * One exhaustion: @fn runs as nobody with module parameter @param lowered
 * to @limit; it must end with @code after at least @min (at most @max)
 * objects, each of which charged the group at least @bytes_each.
 */
struct exhaustion {
	const char *param;
	long limit;
	attack_fn fn;
	long arg;
	int code;
	long min, max;
	long bytes_each;
};

static void exhaust(struct __test_metadata *_metadata,
		    const struct exhaustion *e)
{
	struct outcome o;
	long old, after;

	REQUIRE_ROOT();
	IPC_REQUIRE();
	old = module_param_set(e->param, e->limit);
	ASSERT_LE(0, old);
	run_attack(_metadata, e->fn, e->arg, 64 << 20, &o, &after);
	module_param_set(e->param, old);
	check_charged(_metadata, &o, after, e->code, e->min, e->bytes_each);
	EXPECT_GE(e->max, o.count);
}

static void attack_port_rights(struct outcome *o, long right)
{
	mach_port_t name;

	for (;;) {
		o->code = mach_port_allocate(SELF, right, &name);
		if (o->code != KERN_SUCCESS)
			return;
		o->count++;
	}
}

#define NAMES 8192

TEST(exhaust_ports)
{
	SKIP_ON_RT_DEBUG();
	exhaust(_metadata, &(struct exhaustion){
		"max_names", scaled(NAMES), attack_port_rights,
		MACH_PORT_RIGHT_RECEIVE, KERN_NO_SPACE, scaled(NAMES) - 16,
		scaled(NAMES), 128 });
}

TEST(exhaust_port_sets)
{
	SKIP_ON_RT_DEBUG();
	exhaust(_metadata, &(struct exhaustion){
		"max_names", scaled(NAMES), attack_port_rights,
		MACH_PORT_RIGHT_PORT_SET, KERN_NO_SPACE, scaled(NAMES) - 16,
		scaled(NAMES), 64 });
}

/*
 * Ports join every one of @arg + 1 port sets until refused; extra[0]: the
 * sets the first port joined.
 */
static void attack_memberships(struct outcome *o, long sets)
{
	mach_port_t pset[sets + 1], port;
	long i, p;

	for (i = 0; i <= sets; i++)
		if (mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &pset[i]))
			return;
	for (p = 0; p < 400; p++) {
		port = new_port();
		for (i = 0; i <= sets; i++) {
			o->code = mach_port_insert_member(SELF, port, pset[i]);
			if (o->code != KERN_SUCCESS)
				break;
			o->count++;
		}
		if (!p)
			o->extra[0] = i;
	}
}

TEST(exhaust_port_set_memberships)
{
	SKIP_ON_RT_DEBUG();
	/* A membership each; each port stops at the limit. */
	exhaust(_metadata, &(struct exhaustion){
		"max_port_sets_per_port", scaled(64), attack_memberships,
		scaled(64), KERN_RESOURCE_SHORTAGE, 400 * scaled(64),
		400 * scaled(64), 16 });
}

/* Timers, each armed in the past so that it fires at once. */
static void attack_timers(struct outcome *o, long unused)
{
	struct machina_name_out out = { 0 };
	int fd = mt_open();

	for (;;) {
		o->code = mt_ioctl(fd, MACHINA_IOC_MK_TIMER_CREATE, &out);
		if (o->code != KERN_SUCCESS)
			break;
		mk_timer_arm(out.name, 0);
		o->count++;
	}
	close(fd);
}

TEST(exhaust_timers)
{
	SKIP_ON_RT_DEBUG();
	/* A port and the expiry message (header, body, trailer) each. */
	exhaust(_metadata, &(struct exhaustion){
		"max_names", scaled(NAMES / 2), attack_timers, 0,
		KERN_NO_SPACE, scaled(NAMES / 2) - 16, scaled(NAMES / 2),
		128 + 200 });
}

static void attack_semaphores(struct outcome *o, long unused)
{
	semaphore_t sem;

	for (;;) {
		o->code = semaphore_create(SELF, &sem, SYNC_POLICY_FIFO, 0);
		if (o->code != KERN_SUCCESS)
			return;
		o->count++;
	}
}

TEST(exhaust_semaphores)
{
	SKIP_ON_RT_DEBUG();
	exhaust(_metadata, &(struct exhaustion){
		"max_semaphores", scaled(2000), attack_semaphores, 0,
		KERN_RESOURCE_SHORTAGE, scaled(2000), scaled(2000), 128 });
}

/* A port of the sender's with room for a message, or MACH_PORT_NULL. */
static mach_port_t room(mach_port_t port, long *queued)
{
	if (port && *queued < MACH_PORT_QLIMIT_LARGE)
		return port;
	*queued = 0;
	port = new_port();
	set_qlimit(port, MACH_PORT_QLIMIT_LARGE);
	return port;
}

/* Inline messages of @size bytes to the sender's own ports until refused. */
static void attack_messages(struct outcome *o, long size)
{
	mach_msg_header_t *h = calloc(1, size);
	mach_port_t port = MACH_PORT_NULL;
	long queued = 0;

	for (;;) {
		port = room(port, &queued);
		h->msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
		h->msgh_size = size;
		h->msgh_remote_port = port;
		o->code = mach_msg(h, MACH_SEND_MSG | MACH_SEND_TIMEOUT, size, 0,
				   MACH_PORT_NULL, 0, MACH_PORT_NULL);
		if (o->code != MACH_MSG_SUCCESS)
			break;
		o->count++;
		queued++;
	}
	free(h);
}

TEST(exhaust_queued_messages)
{
	SKIP_ON_RT_DEBUG();
	exhaust(_metadata, &(struct exhaustion){
		"max_queued_bytes", scaled(1 << 20), attack_messages, 1024,
		MACH_SEND_NO_BUFFER, scaled(1024) - 1, scaled(1024), 1024 });
}

/* Out-of-line copies of @size bytes, to the sender's own ports. */
static void attack_ool(struct outcome *o, long size)
{
	void *data = map_pages(size);
	mach_port_t port = MACH_PORT_NULL;
	long queued = 0;
	ool_msg_t m;

	memset(data, 0x5a, size);
	for (;;) {
		port = room(port, &queued);
		memset(&m, 0, sizeof(m));
		m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) |
				     MACH_MSGH_BITS_COMPLEX;
		m.header.msgh_size = sizeof(m);
		m.header.msgh_remote_port = port;
		m.body.msgh_descriptor_count = 1;
		m.ool.address = data;
		m.ool.size = size;
		m.ool.copy = MACH_MSG_VIRTUAL_COPY;
		m.ool.type = MACH_MSG_OOL_DESCRIPTOR;
		o->code = mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT,
				   sizeof(m), 0, MACH_PORT_NULL, 0,
				   MACH_PORT_NULL);
		if (o->code != MACH_MSG_SUCCESS)
			break;
		o->count++;
		queued++;
	}
}

TEST(exhaust_ool_memory)
{
	exhaust(_metadata, &(struct exhaustion){
		"max_queued_bytes", 4 << 20, attack_ool, 64 << 10,
		MACH_SEND_NO_BUFFER, 62, 64, 64 << 10 });
}

/* Dead-name requests: one per name, so the name limit bounds them. */
static void attack_requests(struct outcome *o, long unused)
{
	mach_port_t port, prev;

	for (;;) {
		o->code = mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &port);
		if (o->code != KERN_SUCCESS)
			return;
		o->code = mach_port_insert_right(SELF, port, port,
						 MACH_MSG_TYPE_MAKE_SEND);
		if (o->code != KERN_SUCCESS)
			return;
		o->code = mach_port_request_notification(SELF, port,
				MACH_NOTIFY_DEAD_NAME, 0, port,
				MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev);
		if (o->code != KERN_SUCCESS)
			return;
		o->count++;
	}
}

TEST(exhaust_notification_requests)
{
	SKIP_ON_RT_DEBUG();
	/* A port, and a request with its preallocated notification, each. */
	exhaust(_metadata, &(struct exhaustion){
		"max_names", scaled(NAMES), attack_requests, 0,
		KERN_NO_SPACE, scaled(NAMES) - 16, scaled(NAMES), 128 + 256 });
}

/* ---- who pays for notifications --------------------------------------- */

#define VICTIM_PORTS 8000

/*
 * The victim (in group V): makes VICTIM_PORTS ports and sends send rights
 * to all of them to @dest in one message, then exits when @go is readable.
 */
static void victim(const struct mt_cgroup *v, int share_fd, int go)
{
	static mach_port_t names[VICTIM_PORTS];
	ool_ports_msg_t m;
	mach_port_t dest;
	char c;
	int i;

	if (mt_cg_enter(v) || become_nobody())
		_exit(20);
	dest = port_meet_child(share_fd);
	for (i = 0; i < VICTIM_PORTS; i++)
		if (mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &names[i]))
			_exit(21);
	memset(&m, 0, sizeof(m));
	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) |
			     MACH_MSGH_BITS_COMPLEX;
	m.header.msgh_size = sizeof(m);
	m.header.msgh_remote_port = dest;
	m.body.msgh_descriptor_count = 1;
	m.ports.address = names;
	m.ports.count = VICTIM_PORTS;
	m.ports.disposition = MACH_MSG_TYPE_MAKE_SEND;
	m.ports.copy = MACH_MSG_PHYSICAL_COPY;
	m.ports.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
	if (mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0, MACH_PORT_NULL,
		     0, MACH_PORT_NULL) != MACH_MSG_SUCCESS)
		_exit(22);
	/* Its ports die with it: every dead-name request on them fires. */
	if (read(go, &c, 1) != 1)
		_exit(23);
	_exit(0);
}

/*
 * displace_charge_stock - fault a fresh page on each CPU we may run on, so
 * that every CPU's memcg charge stock belongs to the caller's group and the
 * group that charged there last gets its unused stock back
 */
static void displace_charge_stock(void)
{
	size_t pg = sysconf(_SC_PAGESIZE);
	cpu_set_t all, one;
	int cpu;

	if (sched_getaffinity(0, sizeof(all), &all))
		return;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		volatile char *p;

		if (!CPU_ISSET(cpu, &all))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			continue;
		p = mmap(NULL, pg, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED) {
			p[0] = 1;
			munmap((void *)p, pg);
		}
	}
	sched_setaffinity(0, sizeof(all), &all);
}

/*
 * The attacker (in group A): receives the victim's send rights, registers
 * a dead-name request on each, lets the victim exit and waits for the
 * notifications.  extra[0]: memory.current of V once the victim is gone and
 * the notifications are queued here; extra[1]: how many arrived; extra[2]:
 * what A's group grew by while registering.
 */
static void attacker(const struct mt_cgroup *a, const struct mt_cgroup *v,
		     struct outcome *o)
{
	mach_port_t in = new_port(), notify = new_port(), prev;
	ool_ports_msg_t *m;
	int share, go[2], i, status;
	mach_port_t *names;
	long before;
	rcv_buf_t buf;
	pid_t pid;

	o->setup = 1;
	if (port_share(in, &share) || pipe(go))
		return;
	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		close(go[1]);
		victim(v, share, go[0]);
	}
	close(share);
	close(go[0]);
	if (mt_cg_enter(a) || become_nobody())
		return;
	if (recv_msg(in, &buf, sizeof(buf), MACH_RCV_TIMEOUT, 30000))
		return;
	m = (ool_ports_msg_t *)&buf;
	names = m->ports.address;
	before = mt_cg_read(a, "memory.current");
	for (i = 0; i < (int)m->ports.count; i++)
		if (mach_port_request_notification(SELF, names[i],
				MACH_NOTIFY_DEAD_NAME, 0, notify,
				MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev))
			return;
	o->extra[2] = mt_cg_read(a, "memory.current") - before;
	o->setup = 0;
	close(go[1]);
	waitpid(pid, &status, 0);
	for (i = 0; i < 200 && msgcount_of(notify) < VICTIM_PORTS; i++)
		usleep(50000);
	o->extra[1] = msgcount_of(notify);
	/* Looking at the names turns them into dead names: the ports go. */
	for (i = 0; i < (int)m->ports.count; i++)
		type_of(names[i]);
	for (i = 0; i < 40; i++) {
		/*
		 * memory.current counts the charge each CPU keeps in advance
		 * for the last group that charged there (up to 64 pages: 1
		 * MiB with 16 KiB pages, twice the bound below); a charge of
		 * ours on every CPU gives V's back.
		 */
		displace_charge_stock();
		o->extra[0] = mt_cg_read(v, "memory.current");
		if (o->extra[0] < VICTIM_PORTS * 256 / 4)
			break;
		usleep(50000);
	}
}

/*
 * A user registering dead-name requests on another user's ports pays for
 * the notifications itself (they are made at registration), not the owner
 * of the ports whose death fires them (nor nobody: made during that owner's
 * exit, they used to be charged to neither group).
 */
TEST(dead_name_notifications_are_paid_by_the_requester)
{
	SKIP_ON_DEBUG();
	struct mt_cgroup a, v;
	struct outcome o;
	const char *why;
	int pfd[2];
	pid_t pid;

	REQUIRE_ROOT();
	IPC_REQUIRE();
	why = mt_cg_create_named(&a, "-a", 256 << 20);
	if (why)
		SKIP(return, "%s", why);
	why = mt_cg_create_named(&v, "-v", 256 << 20);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct outcome r = { 0 };

		die_with_parent();
		close(pfd[0]);
		attacker(&a, &v, &r);
		if (write(pfd[1], &r, sizeof(r)) != sizeof(r))
			_exit(2);
		/* Holding the notifications until the parent has looked. */
		pause();
		_exit(0);
	}
	close(pfd[1]);
	ASSERT_EQ(sizeof(o), read(pfd[0], &o, sizeof(o)));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	TH_LOG("notifications %ld; victim's group holds %ld bytes after its "
	       "exit; requester's grew %ld while registering",
	       o.extra[1], o.extra[0], o.extra[2]);
	EXPECT_EQ(0, o.setup);
	EXPECT_EQ(VICTIM_PORTS, o.extra[1]);
	/* A notification takes at least 256 bytes: V holds far less. */
	EXPECT_GT(VICTIM_PORTS * 256 / 4, o.extra[0]);
	EXPECT_LE(VICTIM_PORTS * 256, o.extra[2]);
	mt_cg_destroy(&a);
	mt_cg_destroy(&v);
}

TEST_HARNESS_MAIN
