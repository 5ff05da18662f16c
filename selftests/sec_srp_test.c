// SPDX-License-Identifier: GPL-2.0
/*
 * Review of thread_get_special_reply_port (mach/special_reply.c, branch
 * trapgaps), attacked as user nobody: the thread <-> port link against
 * the port's death, other threads, thread exit, exec and task teardown
 * (nothing leaks: the live counters come back, KASAN/kmemleak on a debug
 * kernel); every route by which a receive right could move (descriptors
 * mixed with movable rights, guarded descriptors, the header, insert_right,
 * port sets, a message to the port itself), each failing with nothing
 * lost; the raw trap with garbage in every register.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ipc_test.h"
#include "darwin_trap.h"

#include <mach/mach_traps.h>

/* @fn as nobody exits 0, and the module's live counters come back. */
static void nobody_settles(struct __test_metadata *_metadata, int (*fn)(void *))
{
	struct live_counts base, now;

	IPC_REQUIRE();
	live_counts_baseline(&base);
	EXPECT_EQ(0, mt_run_as_nobody(fn, NULL));
	if (base.ports >= 0)
		EXPECT_EQ(1, live_counts_settle(&base, &now))
			TH_LOG("ports %ld -> %ld, threads %ld -> %ld, tasks %ld -> %ld, messages %ld -> %ld",
			       base.ports, now.ports, base.threads, now.threads,
			       base.tasks, now.tasks, base.messages, now.messages);
}

static int kill_receive(mach_port_name_t n, int how)
{
	switch (how) {
	case 0:
		return mach_port_mod_refs(SELF, n, MACH_PORT_RIGHT_RECEIVE, -1);
	case 1:
		return mach_port_destruct(SELF, n, -1, 0);
	default:
		return mach_port_destroy(SELF, n);
	}
}

static void *get_kill_exit(void *p)
{
	int how = (int)(long)p;
	mach_port_name_t n = thread_get_special_reply_port();

	if (n == MACH_PORT_NULL || kill_receive(n, how))
		return (void *)1;
	/* Exits holding its binding to a dead port. */
	return NULL;
}

/*
 * The bound port's receive right dies (mod_refs -1, destruct, destroy)
 * while the thread still holds the port; then a second call, a thread
 * exit and the task's teardown each let go of a dead port.
 */
static int receive_dies_while_bound(void *arg)
{
	int how;

	(void)arg;
	for (how = 0; how < 3; how++) {
		mach_port_name_t n = thread_get_special_reply_port(), m;
		pthread_t t;
		void *ret;

		if (n == MACH_PORT_NULL)
			return 10 + how;
		if (kill_receive(n, how))
			return 20 + how;
		if (type_of(n) != 0 && type_of(n) != MACH_PORT_TYPE_DEAD_NAME)
			return 30 + how;
		m = thread_get_special_reply_port();
		if (m == MACH_PORT_NULL || type_of(m) != MACH_PORT_TYPE_SEND_RECEIVE)
			return 40 + how;
		if (kill_receive(m, how))
			return 50 + how;
		if (pthread_create(&t, NULL, get_kill_exit, (void *)(long)how) ||
		    pthread_join(t, &ret) || ret)
			return 60 + how;
	}
	/* The task dies bound to a dead port. */
	return thread_get_special_reply_port() == MACH_PORT_NULL ? 70 :
	       kill_receive(thread_get_special_reply_port(), 0) ? 71 : 0;
}

TEST(receive_right_dies_while_bound)
{
	nobody_settles(_metadata, receive_dies_while_bound);
}

#define RACERS 6
static mach_port_name_t recent[64];

/* Asks again and again; destroys names other threads were given. */
static void *racer(void *p)
{
	unsigned int seed = (unsigned int)(long)p, i;

	for (i = 0;; i++) {
		mach_port_name_t n = thread_get_special_reply_port(), v;
		unsigned int slot = rand_r(&seed) % 64;

		if (n == MACH_PORT_NULL)
			continue;
		v = __atomic_exchange_n(&recent[slot], n, __ATOMIC_SEQ_CST);
		if (v)
			kill_receive(v, rand_r(&seed) % 3);
		/* Some threads leave early, holding their binding. */
		if ((long)p % 2 && i == 50 + (long)p * 10)
			break;
	}
	return NULL;
}

/*
 * Threads of one nobody task race: calls, destruction of each other's
 * bound ports, thread exits; the process exits while they still run.
 */
static int race_then_die(void *arg)
{
	pthread_t t[RACERS];
	long i;

	(void)arg;
	for (i = 0; i < RACERS; i++)
		if (pthread_create(&t[i], NULL, racer, (void *)(i + 1)))
			return 1;
	usleep(200000);
	_exit(0);	/* teardown with threads mid-call */
}

/* Eight such processes, one after the other. */
static int race_eight(void *arg)
{
	int i, st;
	pid_t pid;

	for (i = 0; i < 8; i++) {
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0)
			_exit(race_then_die(arg));
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
			return 2;
	}
	return 0;
}

TEST(threads_race_and_the_task_dies)
{
	nobody_settles(_metadata, race_eight);
}

static void *get_and_sleep(void *p)
{
	(void)p;
	if (thread_get_special_reply_port() == MACH_PORT_NULL)
		return (void *)1;
	pause();
	return NULL;
}

/* A thread bound, another one (not the leader) execs: both links go. */
static void *exec_from_thread(void *p)
{
	(void)p;
	if (thread_get_special_reply_port() == MACH_PORT_NULL)
		_exit(3);
	execl("/bin/sh", "sh", "-c", "exit 0", (char *)NULL);
	_exit(4);
}

static int exec_bound(void *arg)
{
	pthread_t t, e;

	(void)arg;
	if (thread_get_special_reply_port() == MACH_PORT_NULL)
		return 1;
	if (pthread_create(&t, NULL, get_and_sleep, NULL))
		return 2;
	usleep(50000);
	if (pthread_create(&e, NULL, exec_from_thread, NULL))
		return 2;
	pause();
	return 5;
}

TEST(exec_while_bound)
{
	if (access("/bin/sh", X_OK))
		SKIP(return, "no /bin/sh");
	nobody_settles(_metadata, exec_bound);
}

/* Nothing moved: @plain and @n are as they were, the server got nothing. */
static int intact(mach_port_name_t server, mach_port_name_t plain,
		  mach_port_name_t n)
{
	return type_of(plain) == MACH_PORT_TYPE_RECEIVE &&
	       type_of(n) == MACH_PORT_TYPE_SEND_RECEIVE &&
	       urefs_of(n, MACH_PORT_RIGHT_SEND) == 1 &&
	       msgcount_of(server) == 0;
}

static int no_route_moves_it(void *arg)
{
	mach_port_name_t server = new_port(), plain = new_port(), set, set2, got;
	mach_port_name_t n = thread_get_special_reply_port(), ool[3];
	mach_msg_type_name_t type;
	struct msg_builder b;
	mach_msg_header_t h;

	(void)arg;
	if (!server || !plain || n == MACH_PORT_NULL)
		return 1;
	/* An out-of-line ports array: a movable right, then it. */
	ool[0] = plain;
	ool[1] = n;
	mb_init(&b, server, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_NULL, 0, 1);
	mb_ool_ports(&b, ool, 2, MACH_MSG_TYPE_MOVE_RECEIVE, FALSE);
	if (mb_send(&b, 0, 0) != MACH_SEND_INVALID_RIGHT || !intact(server, plain, n))
		return 2;
	/* Two descriptors, the first movable. */
	mb_init(&b, server, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_NULL, 0, 2);
	mb_port(&b, plain, MACH_MSG_TYPE_MOVE_RECEIVE);
	mb_port(&b, n, MACH_MSG_TYPE_MOVE_RECEIVE);
	if (mb_send(&b, 0, 0) != MACH_SEND_INVALID_RIGHT || !intact(server, plain, n))
		return 3;
	/* A send right of it, then its receive right, in one array. */
	ool[0] = n;
	ool[1] = n;
	mb_init(&b, server, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_NULL, 0, 3);
	mb_ool_ports(&b, ool, 1, MACH_MSG_TYPE_MAKE_SEND, FALSE);
	mb_ool_ports(&b, ool + 1, 1, MACH_MSG_TYPE_MOVE_RECEIVE, FALSE);
	if (mb_send(&b, 0, 0) != MACH_SEND_INVALID_RIGHT || !intact(server, plain, n))
		return 4;
	/* A guarded descriptor: unguarded-on-send, then guarded with its guard. */
	mb_init(&b, server, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_NULL, 0, 4);
	mb_guarded(&b, n, MACH_MSG_TYPE_MOVE_RECEIVE, 0,
		   MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND);
	if (mb_send(&b, 0, 0) != MACH_SEND_INVALID_RIGHT || !intact(server, plain, n))
		return 5;
	if (mach_port_guard(SELF, n, 0x1234, FALSE) == KERN_SUCCESS) {
		mb_init(&b, server, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_NULL, 0, 5);
		mb_guarded(&b, n, MACH_MSG_TYPE_MOVE_RECEIVE, 0x1234,
			   MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE);
		if (mb_send(&b, 0, 0) != MACH_SEND_INVALID_RIGHT ||
		    !intact(server, plain, n))
			return 6;
		if (mach_port_unguard(SELF, n, 0x1234))
			return 7;
	}
	/* Its own receive right in a message to itself. */
	mb_init(&b, n, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 6);
	mb_port(&b, n, MACH_MSG_TYPE_MOVE_RECEIVE);
	if (mb_send(&b, 0, 0) != MACH_SEND_INVALID_RIGHT || !intact(server, plain, n) ||
	    msgcount_of(n) != 0)
		return 8;
	/* The header: receive dispositions are no header's. */
	memset(&h, 0, sizeof(h));
	h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MOVE_RECEIVE);
	h.msgh_size = sizeof(h);
	h.msgh_remote_port = server;
	h.msgh_local_port = n;
	if (mach_msg(&h, MACH_SEND_MSG, sizeof(h), 0, 0, 0, 0) != MACH_SEND_INVALID_HEADER ||
	    !intact(server, plain, n))
		return 9;
	h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_RECEIVE, 0);
	h.msgh_remote_port = n;
	h.msgh_local_port = 0;
	if (mach_msg(&h, MACH_SEND_MSG, sizeof(h), 0, 0, 0, 0) != MACH_SEND_INVALID_HEADER ||
	    !intact(server, plain, n))
		return 10;
	/* insert_right under a new name of its own space; extract_right. */
	got = free_name(300);
	if (mach_port_insert_right(SELF, got, n, MACH_MSG_TYPE_MOVE_RECEIVE) !=
	    KERN_INVALID_CAPABILITY || type_of(got) != 0 || !intact(server, plain, n))
		return 11;
	got = 0;
	if (mach_port_extract_right(SELF, n, MACH_MSG_TYPE_MOVE_RECEIVE, &got, &type) !=
	    KERN_INVALID_CAPABILITY || !intact(server, plain, n))
		return 12;
	/* Port sets: in, moved, the set destroyed: the right stays here. */
	if (mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &set) ||
	    mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &set2) ||
	    mach_port_insert_member(SELF, n, set) ||
	    mach_port_move_member(SELF, n, set2) ||
	    mach_port_mod_refs(SELF, set2, MACH_PORT_RIGHT_PORT_SET, -1) ||
	    mach_port_mod_refs(SELF, set, MACH_PORT_RIGHT_PORT_SET, -1) ||
	    !intact(server, plain, n))
		return 13;
	/* Still works both ways. */
	if (send_simple_opt(n, MACH_MSG_TYPE_COPY_SEND, 9, 0, 0) || drain(n) != 1)
		return 14;
	if (mach_port_destruct(SELF, n, -1, 0) || type_of(n) != 0)
		return 15;
	return 0;
}

TEST(no_route_moves_the_receive_right)
{
	nobody_settles(_metadata, no_route_moves_it);
}

/*
 * The bootstrap special port set to its send right reaches a fork child
 * as a send right: the child reaches the parent's port, never holds its
 * receive right.
 */
static int bootstrap_inheritance(void *arg)
{
	mach_port_name_t n = thread_get_special_reply_port(), bs = 0;
	rcv_buf_t buf;
	pid_t pid;
	int st;

	(void)arg;
	if (n == MACH_PORT_NULL || task_set_special_port(SELF, TASK_BOOTSTRAP_PORT, n))
		return 1;
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		if (task_get_special_port(SELF, TASK_BOOTSTRAP_PORT, &bs) || !bs)
			_exit(3);
		if (type_of(bs) & MACH_PORT_TYPE_RECEIVE)
			_exit(4);
		if (mach_port_mod_refs(SELF, bs, MACH_PORT_RIGHT_RECEIVE, -1) !=
		    KERN_INVALID_RIGHT)
			_exit(5);
		_exit(send_simple_opt(bs, MACH_MSG_TYPE_COPY_SEND, 42, 0, 0) ? 6 : 0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return 10 + (WIFEXITED(st) ? WEXITSTATUS(st) : 0);
	if (recv_timeout(n, &buf, 2000) || buf.header.msgh_id != 42)
		return 20;
	if (type_of(n) != MACH_PORT_TYPE_SEND_RECEIVE)
		return 21;
	return 0;
}

TEST(bootstrap_inheritance_gives_a_send_right)
{
	IPC_REQUIRE();
	EXPECT_EQ(0, mt_run_as_nobody(bootstrap_inheritance, NULL));
}

/* The raw trap, every argument register garbage: the same answer. */
static int garbage_registers(void *arg)
{
	long n;

	(void)arg;
	if (mt_traps_enable() < 0)
		return 1;
	n = darwin_trap(-1, 0x4141414141414141L, -2, ~0L, 0x8000000000000000L, 7, -3, -4,
			TRAP_NR(MACHINA_TRAP_THREAD_GET_SPECIAL_REPLY_PORT));
	if (n <= 0 || n > 0xffffffffL || type_of((mach_port_name_t)n) !=
	    MACH_PORT_TYPE_SEND_RECEIVE)
		return 2;
	if (mach_port_destruct(SELF, (mach_port_name_t)n, -1, 0))
		return 3;
	return 0;
}

TEST(raw_trap_with_garbage_registers)
{
	const char *why = mt_traps_unavailable();

	IPC_REQUIRE();
	if (why)
		SKIP(return, "%s", why);
	EXPECT_EQ(0, mt_run_as_nobody(garbage_registers, NULL));
}

TEST_HARNESS_MAIN
