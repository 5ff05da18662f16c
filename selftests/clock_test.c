// SPDX-License-Identifier: GPL-2.0
/*
 * Mach time through libmach: mach_timebase_info, mach_absolute_time,
 * mach_continuous_time and mach_wait_until (which enters the module).
 */
#include <signal.h>
#include <stdint.h>

#include <mach/mach.h>
#include <machina/machina.h>

#include "kselftest_harness.h"
#include "machina_test.h"

#define MS 1000000ull

TEST(timebase_is_nanoseconds)
{
	mach_timebase_info_data_t tb = { 0, 0 };

	ASSERT_EQ(KERN_SUCCESS, mach_timebase_info(&tb));
	EXPECT_EQ(1, tb.numer);
	EXPECT_EQ(1, tb.denom);
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_timebase_info(NULL));
}

TEST(absolute_time_is_monotonic)
{
	uint64_t a = mach_absolute_time(), b, c;

	usleep(2000);
	b = mach_absolute_time();
	EXPECT_LT(a, b);
	EXPECT_LE(2 * MS, b - a);
	c = mach_continuous_time();
	EXPECT_LE(b, c);	/* boot time includes suspend, never less */
	EXPECT_LT(0, mach_approximate_time());
}

TEST(wait_until_past_deadline_returns_at_once)
{
	uint64_t start = mach_absolute_time();

	EXPECT_EQ(KERN_SUCCESS, mach_wait_until(0));
	EXPECT_EQ(KERN_SUCCESS, mach_wait_until(start - 1));
	EXPECT_GT(1000 * MS, mach_absolute_time() - start);
}

TEST(wait_until_sleeps_to_the_deadline)
{
	uint64_t deadline = mach_absolute_time() + 30 * MS;

	ASSERT_EQ(KERN_SUCCESS, mach_wait_until(deadline));
	EXPECT_LE(deadline, mach_absolute_time());
}

static volatile sig_atomic_t got_signal;

static void on_usr1(int sig)
{
	got_signal = sig;
}

TEST(signal_aborts_wait_until)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	int pipefd[2];
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		kern_return_t kr;

		sigaction(SIGUSR1, &sa, NULL);
		if (write(pipefd[1], "r", 1) != 1)
			_exit(2);
		kr = mach_wait_until(mach_absolute_time() + 60000 * MS);
		if (kr != KERN_ABORTED)
			_exit(3);
		_exit(got_signal == SIGUSR1 ? 0 : 4);
	}
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	usleep(100000);
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	EXPECT_EQ(0, mt_wait_exit(pid));
}

TEST(identity_through_the_library)
{
	struct machina_identity id;

	ASSERT_EQ(KERN_SUCCESS, machina_identity(&id));
	EXPECT_EQ(getpid(), id.pid);
	EXPECT_NE(0, id.task_serial);
	EXPECT_EQ(MACHINA_ABI_VERSION, machina_module_abi());
	EXPECT_LE(0, machina_fd());
	EXPECT_TRUE(machina_error() == NULL);
	EXPECT_EQ(KERN_INVALID_ARGUMENT, machina_identity(NULL));
}

TEST_HARNESS_MAIN
