// SPDX-License-Identifier: GPL-2.0
/*
 * thread_switch depression and hand-off, thread_depress_abort
 * (mach/sched_depress.c, mach/thread_switch.c), attacked as user nobody:
 * no port to another user's thread, so no abort of its depression; a
 * depression never raises anyone (a renice refused meanwhile stays
 * refused, a SCHED_IDLE or nice thread comes back as it was); a killed
 * process leaves no timer or work behind (live_depressions comes back);
 * 10,000 depressions hold nothing; garbage hints are ignored.
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

static int cpu_now(void)
{
	int cpu = sched_getcpu();

	return cpu < 0 ? 0 : cpu;
}

/* No port to root's threads; names that are no thread port are refused. */
static int abort_refused(void *arg)
{
	mach_port_t t = MACH_PORT_NULL;
	pid_t root_pid = *(pid_t *)arg;

	if (mt_traps_enable() < 0)
		return 2;
	if (task_for_pid(SELF, root_pid, &t) == KERN_SUCCESS)
		return 3;
	if (thread_depress_abort(MACH_PORT_NULL) != MACH_SEND_INVALID_DEST ||
	    thread_depress_abort(0x5a5a5a03) != MACH_SEND_INVALID_DEST ||
	    thread_depress_abort(SELF) != KERN_INVALID_ARGUMENT ||
	    thread_depress_abort(mach_host_self()) != KERN_INVALID_ARGUMENT)
		return 4;
	return 0;
}

TEST(nobody_cannot_abort_another_users_depression)
{
	pid_t me = getpid();

	if (mt_traps_unavailable())
		SKIP(return, "no traps");
	if (geteuid() != 0)
		SKIP(return, "needs root to drop to nobody");
	EXPECT_EQ(0, mt_run_as_nobody(abort_refused, &me));
}

static void ts_setattr(pid_t tid, int policy, int nice)
{
	struct {
		__u32 size, policy;
		__u64 flags;
		__s32 nice;
		__u32 prio;
		__u64 runtime, deadline, period;
	} a = { .size = sizeof(a), .policy = policy, .nice = nice };

	syscall(SYS_sched_setattr, tid, &a, 0);
}

/*
 * A nice 10 thread is depressed; a renice to 0 meanwhile is refused (no
 * RLIMIT_NICE); after each call it is SCHED_OTHER at nice 10 again.  A
 * thread in SCHED_IDLE by its own choice stays there.
 */
static int no_raise(void *arg)
{
	struct depressor d = { .option = SWITCH_OPTION_DEPRESS, .ms = 0,
			       .policy = -1 };
	struct depressor idle = { .option = SWITCH_OPTION_OSLOCK_DEPRESS,
				  .ms = 5, .policy = SCHED_IDLE };
	double end;

	if (mt_traps_enable() < 0)
		return 2;
	if (setpriority(PRIO_PROCESS, 0, 10))
		return 3;
	d.cpu = idle.cpu = cpu_now();
	if (depressor_start(&d) || depressor_caught(&d, 20) < 0)
		return 4;
	/* Caught in SCHED_IDLE: nobody may not lower its nice below 10. */
	if (setpriority(PRIO_PROCESS, d.tid, 0) == 0)
		return 5;
	/*
	 * Nor through sched_setattr() to SCHED_IDLE "at nice 0" (Linux checks
	 * no nice for SCHED_IDLE and does not apply it): the restore reads
	 * the nice value the thread has then.
	 */
	ts_setattr(d.tid, SCHED_IDLE, 0);
	if (getpriority(PRIO_PROCESS, d.tid) != 10)
		return 9;
	depressor_stop(&d);
	if (d.bad || d.after_policy != SCHED_OTHER || d.after_nice != 10)
		return 6;
	if (depressor_start(&idle))
		return 7;
	ts_pin(idle.cpu);
	end = mt_now() + 30;
	while (idle.calls < 5 && mt_now() < end)
		sched_yield();
	depressor_stop(&idle);
	if (idle.bad || idle.calls < 1 || idle.after_policy != SCHED_IDLE)
		return 8;
	return 0;
}

TEST(depression_raises_no_one)
{
	if (mt_traps_unavailable())
		SKIP(return, "no traps");
	EXPECT_EQ(0, mt_run_as_nobody(no_raise, NULL));
	EXPECT_EQ(0, mt_wait_counter("live_depressions", 0));
}

/* Killed while depressed with a 10-minute timer: nothing stays armed. */
static int killed_depressed(void *arg)
{
	int st;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		struct depressor d = { .option = SWITCH_OPTION_DEPRESS,
				       .ms = 600000, .policy = -1 };

		die_with_parent();
		if (mt_traps_enable() < 0)
			_exit(3);
		d.cpu = cpu_now();
		if (depressor_start(&d) || depressor_caught(&d, 20) < 0)
			_exit(4);
		raise(SIGKILL);
		_exit(5);
	}
	if (waitpid(pid, &st, 0) != pid)
		return 6;
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? 0 : 7;
}

TEST(kill_while_depressed_leaves_nothing)
{
	if (mt_traps_unavailable())
		SKIP(return, "no traps");
	EXPECT_EQ(0, mt_run_as_nobody(killed_depressed, NULL));
	EXPECT_EQ(0, mt_wait_counter("live_depressions", 0));
}

/*
 * 10,000 depressions and garbage hints, as nobody: bounded, all undone.
 * The count is TS_MANY_CALLS() per thread (tswitch_test.h): 5000 on the
 * stock kernels, fewer on the debug ones.
 */
static int many(void *arg)
{
	struct depressor a = { .option = SWITCH_OPTION_OSLOCK_DEPRESS,
			       .ms = 60000, .policy = -1,
			       .max_calls = TS_MANY_CALLS() };
	struct depressor b = a;
	static const mach_port_name_t junk[] = { 0xffffffff, 0x103, 0x707,
						 0xfffffffe };
	unsigned int i;
	int opt;

	if (mt_traps_enable() < 0)
		return 2;
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		for (opt = 0; opt <= 5; opt++)
			if (ts_switch(junk[i], opt, 1) != KERN_SUCCESS)
				return 3;
	a.cpu = b.cpu = cpu_now();
	if (depressor_start(&a) || depressor_start(&b))
		return 4;
	pthread_join(a.pt, NULL);
	pthread_join(b.pt, NULL);
	if (a.bad || b.bad || a.calls != a.max_calls ||
	    b.calls != b.max_calls ||
	    a.after_policy != SCHED_OTHER || b.after_policy != SCHED_OTHER)
		return 5;
	return 0;
}

TEST(ten_thousand_depressions_as_nobody)
{
	if (mt_traps_unavailable())
		SKIP(return, "no traps");
	EXPECT_EQ(0, mt_run_as_nobody(many, NULL));
	EXPECT_EQ(0, mt_wait_counter("live_depressions", 0));
}

/*
 * The abort, the 1 ms timer's restore and the call's own end race: four
 * threads abort a depressor's depression while its timer fires and while
 * a fifth renices it upwards and flips it between SCHED_OTHER and
 * SCHED_BATCH, and a child depressed the same way is killed midway.  No
 * call may end better than the thread started (nice 5, a fair policy:
 * never SCHED_IDLE left over, never a lower nice), every abort answers
 * KERN_SUCCESS or KERN_NOT_DEPRESSED, and nothing stays armed (the debug
 * kernels check the on-stack timer and work: KASAN, debugobjects).
 */
struct race {
	struct depressor *d;
	volatile int stop, bad;
};

static void *race_abort(void *arg)
{
	struct race *r = arg;
	kern_return_t kr;

	while (!r->stop) {
		kr = thread_depress_abort(r->d->port);
		if (kr != KERN_SUCCESS && kr != KERN_NOT_DEPRESSED)
			r->bad = kr;
		sched_yield();	/* let the depressor run between aborts */
	}
	return NULL;
}

static void *race_churn(void *arg)
{
	struct race *r = arg;
	struct sched_param sp = { 0 };
	unsigned int i = 0;

	while (!r->stop) {
		/* Refused while it is depressed (SCHED_IDLE): both fine. */
		sched_setscheduler(r->d->tid, (i & 1) ? SCHED_BATCH : SCHED_OTHER,
				   &sp);
		setpriority(PRIO_PROCESS, r->d->tid, 5 + (i % 3));
		sched_yield();
		i++;
	}
	return NULL;
}

static int race_run(long calls)
{
	struct depressor d = { .option = SWITCH_OPTION_DEPRESS, .ms = 1,
			       .policy = -1 };	/* runs until stopped */
	struct race r = { .d = &d };
	pthread_t t[5];
	int i, n = 0, pol, ok = 0, stalled = 0;
	double end;

	if (setpriority(PRIO_PROCESS, 0, 5))
		return 3;
	d.cpu = cpu_now();
	if (depressor_start(&d))
		return 4;
	for (i = 0; i < 5; i++, n++)
		if (pthread_create(&t[i], NULL, i < 4 ? race_abort : race_churn,
				   &r))
			break;
	/* A depressor that stops making calls is a stuck depression. */
	end = mt_now() + 90;
	while (d.calls < calls && mt_now() < end)
		usleep(10000);
	if (d.calls < calls) {
		stalled = 1;
		fprintf(stderr, "# depressor made %ld of %ld calls in 90 s\n",
			(long)d.calls, calls);
	}
	/* The racers first: an exited depressor's port answers otherwise. */
	r.stop = 1;
	while (n--)
		pthread_join(t[n], NULL);
	d.stop = 1;
	pthread_join(d.pt, NULL);
	pol = d.after_policy;
	if (!d.bad && !r.bad && d.calls >= calls &&
	    (pol == SCHED_OTHER || pol == SCHED_BATCH) && d.after_nice >= 5)
		ok = 1;
	if (stalled)
		return 10;
	return ok ? 0 : 5;
}

static int raced(void *arg)
{
	int st, rc;
	pid_t pid;

	if (mt_traps_enable() < 0)
		return 2;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return 6;
	if (pid == 0) {
		die_with_parent();
		race_run(1L << 30);
		_exit(7);
	}
	/*
	 * Progress, not speed: ten busy racers (this process's and the
	 * child's) share two vCPUs with the depressor, which 6.1-arm64 under
	 * TCG did not take through 300 calls in 90 s (session 11's check).
	 */
	rc = race_run(mt_rounds(300, 30));
	kill(pid, SIGKILL);
	if (waitpid(pid, &st, 0) != pid || !WIFSIGNALED(st))
		return 8;
	return rc;
}

TEST(abort_timer_and_return_race_as_nobody)
{
	if (mt_traps_unavailable())
		SKIP(return, "no traps");
	EXPECT_EQ(0, mt_run_as_nobody(raced, NULL));
	EXPECT_EQ(0, mt_wait_counter("live_depressions", 0));
}

TEST_HARNESS_MAIN
