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

/* 10,000 depressions and garbage hints, as nobody: bounded, all undone. */
static int many(void *arg)
{
	struct depressor a = { .option = SWITCH_OPTION_OSLOCK_DEPRESS,
			       .ms = 60000, .policy = -1, .max_calls = 5000 };
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
	if (a.bad || b.bad || a.calls != 5000 || b.calls != 5000 ||
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

TEST_HARNESS_MAIN
