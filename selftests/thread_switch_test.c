// SPDX-License-Identifier: GPL-2.0
/*
 * thread_switch hand-off and priority depression, thread_depress_abort
 * (mach/thread_switch.c, mach/sched_depress.c), through the raw trap on
 * x86_64 and arm64.  A depressed thread is SCHED_IDLE while it waits for
 * the CPU inside the call; a watcher on the same CPU catches it there and,
 * made SCHED_FIFO, keeps it from running while it checks the timeout, the
 * abort and the restore rule.  Nothing depends on wall-clock speed: every
 * wait is on a condition, with a bound.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "tswitch_test.h"

#include <mach/mach_traps.h>

#define SELF mach_task_self()

static void traps_on(struct __test_metadata *_metadata)
{
	const char *why = mt_traps_unavailable();

	die_with_parent();
	if (why)
		SKIP(longjmp(_metadata->env, 1), "%s", why);
	ASSERT_LE(0, mt_traps_enable());
}

/* The CPU the tests pin to: the one this thread runs on. */
static int test_cpu(void)
{
	int cpu = sched_getcpu();

	return cpu < 0 ? 0 : cpu;
}

#define FIFO_OR_SKIP(d)							\
	do {								\
		if (ts_fifo()) {					\
			depressor_stop(d);				\
			SKIP(return, "SCHED_FIFO refused: %d", errno);	\
		}							\
	} while (0)

/*
 * ended_itself - whether the answer @kr of an abort of the caught depressor
 * @d says it was caught ending its own depression: inside the call's
 * restore, still SCHED_IDLE but holding the lock the abort waits for, so
 * that its restore ran first and the abort found nothing (XNU's answer to
 * an abort that comes after the depression: KERN_NOT_DEPRESSED).  It is
 * out of SCHED_IDLE then.  If so, lets it run again (this thread back to
 * SCHED_OTHER, still on its CPU) for the caller to catch it again.
 */
static int ended_itself(struct depressor *d, long kr)
{
	if (kr != KERN_NOT_DEPRESSED || sched_getscheduler(d->tid) == SCHED_IDLE)
		return 0;
	ts_pin(d->cpu);
	sched_setscheduler(0, SCHED_OTHER, &(struct sched_param){ 0 });
	return 1;
}

/* Catches before an abort that may meet the depressor's own restore. */
#define ABORT_TRIES	5

/* Depressed for the call, back afterwards; the timeout restores it. */
TEST(depression_visible_and_ended_by_its_timeout)
{
	struct depressor d = { .option = SWITCH_OPTION_DEPRESS, .ms = 50,
			       .policy = -1 };
	int tries, proved = 0;
	long calls;

	traps_on(_metadata);
	d.cpu = test_cpu();
	ASSERT_EQ(0, depressor_start(&d));
	for (tries = 0; tries < 5 && !proved; tries++) {
		calls = depressor_caught(&d, 20);
		ASSERT_LE(0, calls) TH_LOG("never seen depressed");
		EXPECT_EQ(SCHED_IDLE, sched_getscheduler(d.tid));
		FIFO_OR_SKIP(&d);
		/* It cannot run now: only its timer can restore it. */
		EXPECT_TRUE(ts_wait_policy(d.tid, SCHED_OTHER, 10));
		proved = d.calls == calls && d.in_call;
		if (proved) {
			/* XNU: an expired depression is no depression. */
			EXPECT_EQ(KERN_NOT_DEPRESSED, thread_depress_abort(d.port));
		}
		ts_pin(d.cpu);
		sched_setscheduler(0, SCHED_OTHER, &(struct sched_param){ 0 });
	}
	depressor_stop(&d);
	EXPECT_TRUE(proved) TH_LOG("the depressor ran before its timer");
	EXPECT_EQ(0, d.bad);
	/* Each call ended its depression. */
	EXPECT_EQ(SCHED_OTHER, sched_getscheduler(0));
	EXPECT_EQ(0, mt_wait_counter("live_depressions", 0));
}

/*
 * swtch_pri, as XNU's: depressed while it yields, its depression bounded
 * by a timer (thread_depress_time) that restores it while it cannot run;
 * through the raw trap and through libmach's ioctl.
 */
TEST(swtch_pri_depresses_for_a_quantum)
{
	int libmach;

	traps_on(_metadata);
	for (libmach = 0; libmach < 2; libmach++) {
		struct depressor d = { .option = TS_SWTCH_PRI, .policy = -1,
				       .libmach = libmach };
		int tries, proved = 0;
		long calls, live;

		d.cpu = test_cpu();
		ASSERT_EQ(0, depressor_start(&d));
		for (tries = 0; tries < 5 && !proved; tries++) {
			calls = depressor_caught(&d, 20);
			ASSERT_LE(0, calls) TH_LOG("libmach %d: never seen depressed",
						   libmach);
			FIFO_OR_SKIP(&d);
			live = mt_counter("live_depressions");
			EXPECT_TRUE(ts_wait_policy(d.tid, SCHED_OTHER, 10));
			/* Still in the call: it could not run since caught. */
			proved = d.calls == calls && d.in_call;
			if (proved) {
				EXPECT_LE(1, live);
				EXPECT_EQ(KERN_NOT_DEPRESSED,
					  thread_depress_abort(d.port));
			}
			ts_pin(d.cpu);
			sched_setscheduler(0, SCHED_OTHER, &(struct sched_param){ 0 });
		}
		depressor_stop(&d);
		EXPECT_TRUE(proved) TH_LOG("libmach %d: ran before its timer",
					   libmach);
		EXPECT_EQ(0, d.bad);
		EXPECT_EQ(SCHED_OTHER, d.after_policy);
	}
	EXPECT_EQ(0, mt_wait_counter("live_depressions", 0));
}

/* thread_abort ends a depression at once, as thread_depress_abort does. */
TEST(thread_abort_ends_a_depression)
{
	static const int opts[] = { SWITCH_OPTION_DEPRESS, TS_SWTCH_PRI };
	unsigned int i;

	traps_on(_metadata);
	for (i = 0; i < 2; i++) {
		struct depressor d = { .option = opts[i], .ms = 0, .policy = -1 };
		long calls;

		d.cpu = test_cpu();
		ASSERT_EQ(0, depressor_start(&d));
		calls = depressor_caught(&d, 20);
		ASSERT_LE(0, calls);
		FIFO_OR_SKIP(&d);
		/* swtch_pri's 10 ms may have ended it: then nothing to see. */
		if (sched_getscheduler(d.tid) == SCHED_IDLE) {
			EXPECT_EQ(KERN_SUCCESS, i ? thread_abort_safely(d.port) :
						    thread_abort(d.port));
			EXPECT_EQ(SCHED_OTHER, sched_getscheduler(d.tid));
			EXPECT_EQ(KERN_NOT_DEPRESSED, thread_depress_abort(d.port));
			EXPECT_EQ(calls, d.calls);	/* it never ran meanwhile */
		} else {
			EXPECT_EQ(TS_SWTCH_PRI, opts[i]);
		}
		depressor_stop(&d);
		EXPECT_EQ(0, d.bad);
		EXPECT_EQ(SCHED_OTHER, d.after_policy);
	}
	EXPECT_EQ(0, mt_wait_counter("live_depressions", 0));
}

/*
 * A Darwin program's thread_switch: <mach/mach.h> declares it and its
 * options; depressed through libmach's ioctl, no trap opt-in.
 */
TEST(libmach_thread_switch)
{
	struct depressor d = { .option = SWITCH_OPTION_DEPRESS, .ms = 0,
			       .policy = -1, .libmach = 1 };
	double t0;
	int tries;
	long kr = -1;

	EXPECT_EQ(KERN_SUCCESS, thread_switch(MACH_PORT_NULL,
					      SWITCH_OPTION_DEPRESS, 10));
	EXPECT_EQ(SCHED_OTHER, sched_getscheduler(0));
	EXPECT_EQ(KERN_SUCCESS, thread_switch(MACH_PORT_NULL,
					      SWITCH_OPTION_NONE, 0));
	t0 = mt_now();
	EXPECT_EQ(KERN_SUCCESS, thread_switch(mach_thread_self(),
					      SWITCH_OPTION_WAIT, 30));
	EXPECT_LE(0.029, mt_now() - t0);
	EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_switch(MACH_PORT_NULL, 6, 0));
	EXPECT_TRUE(valid_switch_option(SWITCH_OPTION_OSLOCK_WAIT));
	EXPECT_FALSE(valid_switch_option(6));
	EXPECT_FALSE(valid_switch_option(-1));
	EXPECT_TRUE(swtch() == TRUE || swtch() == FALSE);
	EXPECT_TRUE(swtch_pri(0) == TRUE || swtch_pri(0) == FALSE);

	d.cpu = test_cpu();
	ASSERT_EQ(0, depressor_start(&d));
	for (tries = 0; tries < ABORT_TRIES; tries++) {
		ASSERT_LE(0, depressor_caught(&d, 20));
		FIFO_OR_SKIP(&d);
		kr = thread_depress_abort(d.port);
		if (!ended_itself(&d, kr))
			break;
	}
	EXPECT_EQ(KERN_SUCCESS, kr);
	EXPECT_EQ(SCHED_OTHER, sched_getscheduler(d.tid));
	depressor_stop(&d);
	EXPECT_EQ(0, d.bad);
	EXPECT_EQ(0, mt_wait_counter("live_depressions", 0));
}

/* thread_depress_abort: ends it at once; then KERN_NOT_DEPRESSED. */
TEST(depress_abort_ends_it)
{
	struct depressor d = { .option = SWITCH_OPTION_OSLOCK_DEPRESS, .ms = 0,
			       .policy = -1 };
	long calls, kr = -1;
	int tries;

	traps_on(_metadata);
	d.cpu = test_cpu();
	ASSERT_EQ(0, depressor_start(&d));
	for (tries = 0; tries < ABORT_TRIES; tries++) {
		calls = depressor_caught(&d, 20);
		ASSERT_LE(0, calls);
		FIFO_OR_SKIP(&d);
		kr = thread_depress_abort(d.port);
		if (!ended_itself(&d, kr))
			break;
	}
	EXPECT_EQ(KERN_SUCCESS, kr);
	EXPECT_EQ(SCHED_OTHER, sched_getscheduler(d.tid));
	EXPECT_EQ(KERN_NOT_DEPRESSED, thread_depress_abort(d.port));
	EXPECT_EQ(calls, d.calls);	/* it never ran meanwhile */
	depressor_stop(&d);
	EXPECT_EQ(0, d.bad);
}

/* A renice or a policy chosen during the depression survives the restore. */
TEST(restore_keeps_changes_made_meanwhile)
{
	struct depressor d = { .option = SWITCH_OPTION_DEPRESS, .ms = 0,
			       .policy = -1 };
	struct sched_param sp = { 0 };
	long kr = -1;
	int tries;

	traps_on(_metadata);
	d.cpu = test_cpu();
	ASSERT_EQ(0, depressor_start(&d));
	for (tries = 0; tries < ABORT_TRIES; tries++) {
		ASSERT_LE(0, depressor_caught(&d, 20));
		FIFO_OR_SKIP(&d);
		ASSERT_EQ(0, setpriority(PRIO_PROCESS, d.tid, 7));
		EXPECT_EQ(SCHED_IDLE, sched_getscheduler(d.tid));
		kr = thread_depress_abort(d.port);
		if (!ended_itself(&d, kr))
			break;
	}
	EXPECT_EQ(KERN_SUCCESS, kr);
	EXPECT_EQ(SCHED_OTHER, sched_getscheduler(d.tid));
	errno = 0;
	EXPECT_EQ(7, getpriority(PRIO_PROCESS, d.tid));

	/* A policy set meanwhile is left as it is. */
	ts_pin(d.cpu);
	sched_setscheduler(0, SCHED_OTHER, &sp);
	for (tries = 0; tries < ABORT_TRIES; tries++) {
		ASSERT_LE(0, depressor_caught(&d, 20));
		FIFO_OR_SKIP(&d);
		ASSERT_EQ(0, sched_setscheduler(d.tid, SCHED_BATCH, &sp));
		/* Not SCHED_IDLE any more: the abort finds it, restores nothing. */
		kr = thread_depress_abort(d.port);
		if (kr != KERN_NOT_DEPRESSED)
			break;
		/* Caught ending it: its restore may have run over SCHED_BATCH. */
		ts_pin(d.cpu);
		sched_setscheduler(0, SCHED_OTHER, &sp);
	}
	EXPECT_EQ(KERN_SUCCESS, kr);
	EXPECT_EQ(SCHED_BATCH, sched_getscheduler(d.tid));
	depressor_stop(&d);
	EXPECT_EQ(0, d.bad);
}

/*
 * A SCHED_BATCH thread comes back SCHED_BATCH with its nice value; a
 * SCHED_IDLE one stays SCHED_IDLE (nothing to depress, nothing raised).
 */
TEST(depression_restores_the_policy_it_had)
{
	static const int pols[] = { SCHED_BATCH, SCHED_IDLE };
	unsigned int i;

	traps_on(_metadata);
	ASSERT_EQ(0, setpriority(PRIO_PROCESS, 0, 3));	/* threads inherit it */
	for (i = 0; i < 2; i++) {
		struct depressor d = { .option = SWITCH_OPTION_DEPRESS,
				       .ms = 1000, .policy = pols[i] };
		double end;

		d.cpu = test_cpu();
		ASSERT_EQ(0, depressor_start(&d));
		ts_pin(d.cpu);
		end = mt_now() + 30;
		/* A runnable competitor on its CPU: each call depresses. */
		while (d.calls < 20 && mt_now() < end)
			sched_yield();
		depressor_stop(&d);
		EXPECT_LE(5, d.calls);
		EXPECT_EQ(0, d.bad);
		EXPECT_EQ(pols[i], d.after_policy);
		EXPECT_EQ(3, d.after_nice);
	}
	EXPECT_EQ(0, mt_wait_counter("live_depressions", 0));
}

/* Errors as XNU's MIG routine and thread_depress_abort_from_user. */
TEST(depress_abort_errors)
{
	mach_port_t port;

	traps_on(_metadata);
	EXPECT_EQ(KERN_NOT_DEPRESSED, thread_depress_abort(mach_thread_self()));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, thread_depress_abort(MACH_PORT_NULL));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, thread_depress_abort(0x12345603));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_depress_abort(SELF));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &port));
	EXPECT_NE(KERN_SUCCESS, thread_depress_abort(port));
	mach_port_deallocate(SELF, port);
}

static void *port_and_exit(void *arg)
{
	*(mach_port_t *)arg = mach_thread_self();
	return NULL;
}

TEST(depress_abort_on_an_exited_thread)
{
	mach_port_t port = MACH_PORT_NULL;
	pthread_t t;
	kern_return_t kr;
	int i;

	traps_on(_metadata);
	ASSERT_EQ(0, pthread_create(&t, NULL, port_and_exit, &port));
	pthread_join(t, NULL);
	ASSERT_NE(MACH_PORT_NULL, port);
	/*
	 * pthread_join() returns at the tid's clearing, before the exit work
	 * that makes the record DEAD: until then it is a live thread that is
	 * not depressed.
	 */
	for (i = 0; i < 500; i++) {
		kr = thread_depress_abort(port);
		if (kr != KERN_NOT_DEPRESSED)
			break;
		usleep(10000);
	}
	EXPECT_TRUE(kr == KERN_TERMINATED || kr == MACH_SEND_INVALID_DEST)
		TH_LOG("kr %d", kr);
}

static void *spin_until(void *arg)
{
	volatile int *stop = arg;

	while (!*stop)
		;
	return NULL;
}

/*
 * Hand-off hints: the caller's own thread, another thread of its task, a
 * thread of another task, names that are no thread: all KERN_SUCCESS, and
 * the caller is never left depressed.
 */
TEST(handoff_hints)
{
	static const int opts[] = { SWITCH_OPTION_NONE, SWITCH_OPTION_DEPRESS,
				    SWITCH_OPTION_WAIT,
				    SWITCH_OPTION_DISPATCH_CONTENTION,
				    SWITCH_OPTION_OSLOCK_DEPRESS,
				    SWITCH_OPTION_OSLOCK_WAIT };
	struct depressor other = { .option = SWITCH_OPTION_NONE, .policy = -1 };
	volatile int stop = 0;
	mach_port_t hints[6], child_task, *list = NULL;
	mach_msg_type_number_t n = 0;
	unsigned int i, j;
	int go, done;
	pthread_t spinner;
	pid_t child;
	char c;

	traps_on(_metadata);
	ASSERT_EQ(0, ts_pin(test_cpu()));
	other.cpu = test_cpu();
	ASSERT_EQ(0, depressor_start(&other));	/* yields in a loop */
	ASSERT_EQ(0, pthread_create(&spinner, NULL, spin_until, (void *)&stop));

	child = mt_fork_pipes(&go, &done);
	ASSERT_LE(0, child);
	if (child == 0) {
		mach_task_self();
		if (write(done, "r", 1) != 1)
			_exit(1);
		read(go, &c, 1);
		_exit(0);
	}
	ASSERT_EQ(1, read(done, &c, 1));
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, child, &child_task));
	ASSERT_EQ(KERN_SUCCESS, task_threads(child_task, &list, &n));
	ASSERT_LE(1, n);

	hints[0] = mach_thread_self();
	hints[1] = other.port;
	hints[2] = list[0];
	hints[3] = 0x7777707;
	hints[4] = SELF;
	hints[5] = MACH_PORT_NULL;
	for (i = 0; i < 6; i++)
		for (j = 0; j < 6; j++) {
			EXPECT_EQ(KERN_SUCCESS, ts_switch(hints[i], opts[j],
							  opts[j] == SWITCH_OPTION_DEPRESS ? 5 : 1))
				TH_LOG("hint %u option %d", i, opts[j]);
			EXPECT_EQ(SCHED_OTHER, sched_getscheduler(0));
		}
	/* Options outside XNU's 0..5: KERN_INVALID_ARGUMENT, hint or not. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT, ts_switch(other.port, 6, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, ts_switch(other.port, -1, 0));

	write(go, "x", 1);
	EXPECT_EQ(0, mt_wait_exit(child));
	close(go);
	close(done);
	stop = 1;
	pthread_join(spinner, NULL);
	depressor_stop(&other);
	EXPECT_EQ(0, other.bad);
	EXPECT_EQ(0, mt_wait_counter("live_depressions", 0));
}

/*
 * A child process whose thread is depressed (a long timer) with its
 * competitor made SCHED_FIFO: @how 0 the process is killed, 1 its main
 * thread execs.  Nothing outlives it: live_depressions comes back.
 */
static int depressed_child(int how)
{
	struct depressor d = { .option = SWITCH_OPTION_DEPRESS, .ms = 600000,
			       .policy = -1 };
	char *argv[] = { "/proc/self/exe", NULL };
	char *envp[] = { "TSWITCH_EXIT0=1", NULL };

	if (mt_traps_enable() < 0)
		return 2;
	d.cpu = test_cpu();
	if (depressor_start(&d) || depressor_caught(&d, 20) < 0)
		return 3;
	if (how == 0) {
		ts_fifo();
		raise(SIGKILL);
	}
	ts_fifo();
	execve(argv[0], argv, envp);
	return 4;
}

__attribute__((constructor)) static void exit0_mode(void)
{
	if (getenv("TSWITCH_EXIT0"))
		_exit(0);
}

TEST(exit_and_exec_while_depressed)
{
	int how, st;
	pid_t pid;

	traps_on(_metadata);
	for (how = 0; how < 2; how++) {
		fflush(NULL);
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			die_with_parent();
			_exit(depressed_child(how));
		}
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		if (how == 0) {
			EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
				TH_LOG("status %#x", st);
		} else {
			EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
				TH_LOG("status %#x", st);
		}
		EXPECT_EQ(0, mt_wait_counter("live_depressions", 0));
	}
}

/*
 * 10,000 depressions: each ended by its call, none left over (on the stock
 * kernels; TS_MANY_CALLS() per thread).
 */
TEST(ten_thousand_depressions)
{
	struct depressor a = { .option = SWITCH_OPTION_DEPRESS, .ms = 10000,
			       .policy = -1, .max_calls = TS_MANY_CALLS() };
	struct depressor b = a;

	traps_on(_metadata);
	a.cpu = b.cpu = test_cpu();
	ASSERT_EQ(0, depressor_start(&a));
	ASSERT_EQ(0, depressor_start(&b));
	pthread_join(a.pt, NULL);
	pthread_join(b.pt, NULL);
	EXPECT_EQ(a.max_calls, a.calls);
	EXPECT_EQ(b.max_calls, b.calls);
	EXPECT_EQ(SCHED_OTHER, a.after_policy);
	EXPECT_EQ(SCHED_OTHER, b.after_policy);
	EXPECT_EQ(0, a.bad);
	EXPECT_EQ(0, b.bad);
	EXPECT_EQ(0, mt_wait_counter("live_depressions", 0));
}

TEST_HARNESS_MAIN
