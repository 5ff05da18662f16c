// SPDX-License-Identifier: GPL-2.0
/*
 * thread_abort and thread_abort_safely (mach/thread_act.c): a thread
 * blocked in mach_msg is interrupted (MACH_RCV_INTERRUPTED / SEND with the
 * INTERRUPT options, libmach's mach_msg restarts otherwise), in a
 * semaphore wait it gets KERN_ABORTED, in thread_switch's WAIT it comes
 * back early; a thread that is not waiting, the caller itself, or one
 * sleeping in a Linux system call only passes through the abort; errors as
 * XNU's.  Every wait is on a condition (the thread seen sleeping), with a
 * bound; nothing depends on speed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

#include <mach/mach.h>	/* alone: thread_switch and its options, as on Darwin */
#include <mach/thread_act.h>

typedef kern_return_t (*abort_fn)(thread_act_t);
static const abort_fn aborts[] = { thread_abort, thread_abort_safely };

/* A thread that makes one blocking call and reports its result. */
struct blocker {
	int what;			/* in: BLOCK_* */
	mach_port_t port;		/* in: receive right or semaphore */
	mach_msg_option_t option;	/* in: BLOCK_RECEIVE's extra options */
	int fd;				/* in: BLOCK_READ's pipe */
	pthread_t pt;
	volatile pid_t tid;
	volatile mach_port_t self;
	volatile int done;
	volatile long result;
	rcv_buf_t buf;
};

enum {
	BLOCK_RECEIVE,		/* mach_msg receive (libmach) */
	BLOCK_RECEIVE_TRAP,	/* mach_msg_trap receive: no restart */
	BLOCK_SEND,		/* mach_msg send to a full queue */
	BLOCK_SEM,		/* semaphore_wait */
	BLOCK_SEM_TIMED,	/* semaphore_timedwait, 600 s */
	BLOCK_SWITCH_WAIT,	/* thread_switch WAIT, 600 s */
	BLOCK_READ,		/* read(2) on a pipe */
};

static void *blocker_main(void *arg)
{
	struct blocker *b = arg;
	mach_timespec_t long_wait = { 600, 0 };
	mach_msg_header_t m = { 0 };
	char c;

	b->self = mach_thread_self();
	b->tid = ipc_gettid();
	switch (b->what) {
	case BLOCK_RECEIVE:
		b->result = recv_msg(b->port, &b->buf, sizeof(b->buf),
				     b->option, 0);
		break;
	case BLOCK_RECEIVE_TRAP:
		memset(&b->buf, 0, sizeof(b->buf));
		b->result = mach_msg_trap(&b->buf.header, MACH_RCV_MSG, 0,
					  sizeof(b->buf), b->port, 0,
					  MACH_PORT_NULL);
		break;
	case BLOCK_SEND:
		m.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
		m.msgh_size = sizeof(m);
		m.msgh_remote_port = b->port;
		b->result = mach_msg(&m, MACH_SEND_MSG | b->option, sizeof(m),
				     0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
		break;
	case BLOCK_SEM:
		b->result = semaphore_wait(b->port);
		break;
	case BLOCK_SEM_TIMED:
		b->result = semaphore_timedwait(b->port, long_wait);
		break;
	case BLOCK_SWITCH_WAIT:
		b->result = thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT,
					  600000);
		break;
	case BLOCK_READ:
		b->result = read(b->fd, &c, 1);
		break;
	}
	__atomic_store_n(&b->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Start @b and return once it sleeps in its call. */
static int blocker_start(struct blocker *b)
{
	if (pthread_create(&b->pt, NULL, blocker_main, b))
		return -1;
	return ipc_wait_sleeping(&b->tid);
}

/* Wait (bounded) for @b to return; its result, or -999 if it never did. */
static long blocker_join(struct blocker *b, double secs)
{
	if (!ipc_wait_flag(&b->done, secs))
		return -999;
	pthread_join(b->pt, NULL);
	return b->result;
}

/* Still in its call after a while: the abort did not end it for good. */
static int still_blocked(struct blocker *b)
{
	usleep(100 * 1000);
	return !b->done && ipc_wait_sleeping(&b->tid) == 0 && !b->done;
}

TEST(receive_interrupted_with_rcv_interrupt)
{
	unsigned int i;

	IPC_REQUIRE_TEST();
	for (i = 0; i < 2; i++) {
		struct blocker b = { .what = BLOCK_RECEIVE, .port = new_port(),
				     .option = MACH_RCV_INTERRUPT };

		ASSERT_EQ(0, blocker_start(&b));
		EXPECT_EQ(KERN_SUCCESS, aborts[i](b.self));
		EXPECT_EQ(MACH_RCV_INTERRUPTED, blocker_join(&b, 30));
		mach_port_destroy(SELF, b.port);
	}
}

/* mach_msg_trap does not restart: the abort shows. */
TEST(receive_trap_interrupted)
{
	struct blocker b = { .what = BLOCK_RECEIVE_TRAP, .port = new_port() };

	IPC_REQUIRE_TEST();
	ASSERT_EQ(0, blocker_start(&b));
	EXPECT_EQ(KERN_SUCCESS, thread_abort(b.self));
	EXPECT_EQ(MACH_RCV_INTERRUPTED, blocker_join(&b, 30));
	mach_port_destroy(SELF, b.port);
}

/* Without MACH_RCV_INTERRUPT mach_msg receives again, as libsystem's. */
TEST(receive_restarted_without_rcv_interrupt)
{
	struct blocker b = { .what = BLOCK_RECEIVE, .port = new_port() };
	mach_port_t sender;

	IPC_REQUIRE_TEST();
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(SELF, b.port, b.port,
						       MACH_MSG_TYPE_MAKE_SEND));
	sender = b.port;
	ASSERT_EQ(0, blocker_start(&b));
	EXPECT_EQ(KERN_SUCCESS, thread_abort(b.self));
	EXPECT_TRUE(still_blocked(&b));
	EXPECT_EQ(MACH_MSG_SUCCESS, send_simple(sender, 4242));
	EXPECT_EQ(MACH_MSG_SUCCESS, blocker_join(&b, 30));
	EXPECT_EQ(4242, b.buf.header.msgh_id);
	mach_port_destroy(SELF, b.port);
}

/* A sender blocked on a full queue: MACH_SEND_INTERRUPTED. */
TEST(send_interrupted_with_send_interrupt)
{
	struct blocker b = { .what = BLOCK_SEND, .port = new_port(),
			     .option = MACH_SEND_INTERRUPT };

	IPC_REQUIRE_TEST();
	ASSERT_EQ(KERN_SUCCESS, set_qlimit(b.port, 1));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(SELF, b.port, b.port,
						       MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(b.port, 1));
	ASSERT_EQ(0, blocker_start(&b));
	EXPECT_EQ(KERN_SUCCESS, thread_abort_safely(b.self));
	EXPECT_EQ(MACH_SEND_INTERRUPTED, blocker_join(&b, 30));
	EXPECT_EQ(1, msgcount_of(b.port));	/* nothing was queued */
	mach_port_destroy(SELF, b.port);
}

TEST(semaphore_wait_aborted)
{
	static const int whats[] = { BLOCK_SEM, BLOCK_SEM_TIMED };
	unsigned int i;

	IPC_REQUIRE_TEST();
	for (i = 0; i < 4; i++) {
		struct blocker b = { .what = whats[i % 2] };

		ASSERT_EQ(KERN_SUCCESS, semaphore_create(SELF, &b.port,
							 SYNC_POLICY_FIFO, 0));
		ASSERT_EQ(0, blocker_start(&b));
		EXPECT_EQ(KERN_SUCCESS, aborts[i / 2](b.self));
		EXPECT_EQ(KERN_ABORTED, blocker_join(&b, 30)) TH_LOG("case %u", i);
		/* The semaphore's count is untouched. */
		EXPECT_EQ(KERN_OPERATION_TIMED_OUT,
			  semaphore_timedwait(b.port, (mach_timespec_t){ 0, 0 }));
		EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(SELF, b.port));
	}
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* A signal is not an abort: libmach resumes the wait. */
TEST(semaphore_wait_resumed_after_a_signal)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct blocker b = { .what = BLOCK_SEM };

	IPC_REQUIRE_TEST();
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(KERN_SUCCESS, semaphore_create(SELF, &b.port,
						 SYNC_POLICY_FIFO, 0));
	ASSERT_EQ(0, blocker_start(&b));
	pthread_kill(b.pt, SIGUSR1);
	EXPECT_TRUE(still_blocked(&b));
	EXPECT_EQ(KERN_SUCCESS, semaphore_signal(b.port));
	EXPECT_EQ(KERN_SUCCESS, blocker_join(&b, 30));
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(SELF, b.port));
}

/* thread_switch's WAIT (600 s) comes back at the abort, KERN_SUCCESS. */
TEST(switch_wait_ended)
{
	struct blocker b = { .what = BLOCK_SWITCH_WAIT };

	IPC_REQUIRE_TEST();
	ASSERT_EQ(0, blocker_start(&b));
	EXPECT_EQ(KERN_SUCCESS, thread_abort(b.self));
	EXPECT_EQ(KERN_SUCCESS, blocker_join(&b, 60));
}

/* What a Darwin program with only <mach/mach.h> calls, unchanged. */
TEST(darwin_thread_switch_call)
{
	IPC_REQUIRE_TEST();
	EXPECT_EQ(KERN_SUCCESS, thread_switch(MACH_PORT_NULL,
					      SWITCH_OPTION_DEPRESS, 10));
	EXPECT_EQ(SCHED_OTHER, sched_getscheduler(0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_switch(MACH_PORT_NULL, 6, 0));
	EXPECT_TRUE(valid_switch_option(SWITCH_OPTION_WAIT));
}

/* A Linux system call is restarted: the thread still reads its byte. */
TEST(linux_read_restarted)
{
	struct blocker b = { .what = BLOCK_READ };
	int p[2];

	IPC_REQUIRE_TEST();
	ASSERT_EQ(0, pipe(p));
	b.fd = p[0];
	ASSERT_EQ(0, blocker_start(&b));
	EXPECT_EQ(KERN_SUCCESS, thread_abort(b.self));
	EXPECT_TRUE(still_blocked(&b));
	ASSERT_EQ(1, write(p[1], "x", 1));
	EXPECT_EQ(1, blocker_join(&b, 30));
	close(p[0]);
	close(p[1]);
}

struct runner {
	mach_port_t self;
	volatile int ready, aborted, done;
	kern_return_t kr;
	mach_msg_return_t mr;
};

static void *runner_main(void *arg)
{
	struct runner *r = arg;
	mach_timespec_t ms50 = { 0, 50 * 1000 * 1000 };
	semaphore_t s;
	rcv_buf_t buf;
	mach_port_t port = new_port();

	r->self = mach_thread_self();
	if (semaphore_create(SELF, &s, SYNC_POLICY_FIFO, 0))
		r->kr = -1;
	__atomic_store_n(&r->ready, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&r->aborted, __ATOMIC_SEQ_CST))
		;	/* in user mode when aborted */
	getppid();	/* a system call: the abort's work runs on its way out */
	if (!r->kr)
		r->kr = semaphore_timedwait(s, ms50);
	r->mr = recv_msg(port, &buf, sizeof(buf),
			 MACH_RCV_TIMEOUT | MACH_RCV_INTERRUPT, 50);
	semaphore_destroy(SELF, s);
	mach_port_destroy(SELF, port);
	__atomic_store_n(&r->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * A thread running user code only passes through the abort: its later
 * waits time out as they would have.  So does the caller aborting itself.
 */
TEST(abort_of_a_running_thread_is_harmless)
{
	mach_timespec_t ms20 = { 0, 20 * 1000 * 1000 };
	struct runner r = { 0 };
	semaphore_t s;
	pthread_t t;

	IPC_REQUIRE_TEST();
	ASSERT_EQ(0, pthread_create(&t, NULL, runner_main, &r));
	ASSERT_TRUE(ipc_wait_flag(&r.ready, 30));
	EXPECT_EQ(KERN_SUCCESS, thread_abort(r.self));
	EXPECT_EQ(KERN_SUCCESS, thread_abort(r.self));	/* twice: the same */
	__atomic_store_n(&r.aborted, 1, __ATOMIC_SEQ_CST);
	ASSERT_TRUE(ipc_wait_flag(&r.done, 60));
	pthread_join(t, NULL);
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT, r.kr);
	EXPECT_EQ(MACH_RCV_TIMED_OUT, r.mr);

	ASSERT_EQ(KERN_SUCCESS, semaphore_create(SELF, &s, SYNC_POLICY_FIFO, 0));
	EXPECT_EQ(KERN_SUCCESS, thread_abort(mach_thread_self()));
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT, semaphore_timedwait(s, ms20));
	EXPECT_EQ(KERN_SUCCESS, thread_abort_safely(mach_thread_self()));
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT, semaphore_timedwait(s, ms20));
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(SELF, s));
}

static void *port_and_exit(void *arg)
{
	*(mach_port_t *)arg = mach_thread_self();
	return NULL;
}

/* Errors as XNU's MIG routines give them. */
TEST(abort_errors)
{
	struct machina_port_args raw = { 0 };
	mach_port_t port = MACH_PORT_NULL, recv;
	kern_return_t kr = KERN_SUCCESS;
	unsigned int i;
	pthread_t t;
	int fd, n;

	IPC_REQUIRE_TEST();
	recv = new_port();
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(MACH_SEND_INVALID_DEST, aborts[i](MACH_PORT_NULL));
		EXPECT_EQ(MACH_SEND_INVALID_DEST, aborts[i](0x12345603));
		EXPECT_EQ(KERN_INVALID_ARGUMENT, aborts[i](SELF));
		EXPECT_NE(KERN_SUCCESS, aborts[i](recv));
	}
	ASSERT_EQ(0, pthread_create(&t, NULL, port_and_exit, &port));
	pthread_join(t, NULL);
	ASSERT_NE(MACH_PORT_NULL, port);
	/* pthread_join() returns before the record dies: wait for it. */
	for (n = 0; n < 500; n++) {
		kr = thread_abort(port);
		if (kr != KERN_SUCCESS)
			break;
		usleep(10000);
	}
	EXPECT_TRUE(kr == KERN_TERMINATED || kr == MACH_SEND_INVALID_DEST)
		TH_LOG("kr %d", kr);
	kr = thread_abort_safely(port);
	EXPECT_TRUE(kr == KERN_TERMINATED || kr == MACH_SEND_INVALID_DEST)
		TH_LOG("kr %d", kr);

	/* The raw ioctl: unknown kinds and unused fields refused. */
	fd = mt_open();
	ASSERT_LE(0, fd);
	raw.name = mach_thread_self();
	raw.value = 2;
	EXPECT_EQ(-EINVAL, mt_ioctl(fd, MACHINA_IOC_THREAD_ABORT, &raw));
	raw.value = 0;
	raw.flags = 1;
	EXPECT_EQ(-EINVAL, mt_ioctl(fd, MACHINA_IOC_THREAD_ABORT, &raw));
	raw.flags = 0;
	raw.value2 = 1;
	EXPECT_EQ(-EINVAL, mt_ioctl(fd, MACHINA_IOC_THREAD_ABORT, &raw));
	raw.value2 = 0;
	EXPECT_EQ(KERN_SUCCESS, mt_ioctl(fd, MACHINA_IOC_THREAD_ABORT, &raw));
	close(fd);
	mach_port_destroy(SELF, recv);
}

TEST_HARNESS_MAIN
