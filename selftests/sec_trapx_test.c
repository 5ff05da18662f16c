// SPDX-License-Identifier: GPL-2.0
/*
 * Review of branch trapx (the trap shim's /dev/mach check), attacked as
 * nobody (uid 65534, no groups).  The root parent only checks the set-up.
 *
 *   landlock_ioctl_denial_ends_the_traps
 *     An opted-in process restricts itself with Landlock (ABI 5: the
 *     domain handles LANDLOCK_ACCESS_FS_IOCTL_DEV and grants it nowhere),
 *     closes its old descriptors and opens /dev/mach again.  The open
 *     succeeds, but Linux refuses every Machina ioctl on that descriptor
 *     (EACCES).  The trap shim only asked whether the file table held an
 *     open /dev/mach, so the Darwin task_self trap still returned a port
 *     name: a sandbox that refuses the device's ioctls (Landlock,
 *     SELinux ioctl permissions, AppArmor) did not refuse the same calls
 *     made as traps.  A trap must pass the check the ioctl would pass.
 *     Skipped where Landlock ABI 5 is not available (6.1).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

TEST(landlock_ioctl_denial_ends_the_traps)
{
	struct machina_handshake hs = { .client_abi = MACHINA_ABI_VERSION };
	const char *why = mt_traps_unavailable();
	int st;
	pid_t pid;

	die_with_parent();
	if (why)
		SKIP(return, "%s", why);
	if (getuid() != 0)
		SKIP(return, "must start as root (becomes nobody)");
	if (mt_landlock_abi() < 5)
		SKIP(return, "no Landlock ABI 5 (LANDLOCK_ACCESS_FS_IOCTL_DEV)");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int res[4], fd;

		if (mt_become_nobody() || mt_traps_enable() != 0)
			_exit(100);
		res[0] = mt_trap_result();			/* control: served */
		if (mt_deny_device_ioctls())
			_exit(101);
		close_range(3, ~0U, 0);
		fd = open(MACHINA_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			_exit(102);
		/* Linux refuses the ioctl on this descriptor. */
		res[1] = mt_ioctl(fd, MACHINA_IOC_HANDSHAKE, &hs) == -EACCES ? 0 : 2;
		res[2] = mt_trap_result();			/* must be refused */
		close(fd);
		res[3] = mt_trap_result();			/* none held: refused */
		_exit(res[0] | res[1] << 2 | res[2] << 4 | res[3] << 6);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st)) TH_LOG("status %#x", st);
	st = WEXITSTATUS(st);
	ASSERT_GT(100, st) TH_LOG("set-up step %d failed", st);
	EXPECT_EQ(0, st & 3) TH_LOG("opted in, before Landlock: %d", st & 3);
	EXPECT_EQ(0, (st >> 2) & 3) TH_LOG("ioctl not refused by Landlock");
	EXPECT_EQ(1, (st >> 4) & 3)
		TH_LOG("trap with only an ioctl-denied /dev/mach: %d (0 = served)",
		       (st >> 4) & 3);
	EXPECT_EQ(1, (st >> 6) & 3) TH_LOG("trap with no /dev/mach: %d", (st >> 6) & 3);
}

TEST_HARNESS_MAIN
