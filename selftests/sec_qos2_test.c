// SPDX-License-Identifier: GPL-2.0
/*
 * Security review of task_policy_set/get (branch qos2, ABI 6): attacks as
 * user nobody (65534).  The test process makes its fixtures as root (a
 * root-owned setuid copy of this program in /tmp, root's task port handed
 * over a socket), then the attacker drops its privileges for good.
 *
 *   setuid_image_starts_with_no_policy
 *     nobody sets a role and tiers on its own child and keeps setting them
 *     through the child's old task port while the child execs the setuid
 *     copy: the setuid image must find no role and no tiers, and every set
 *     or get through the old port must fail once it runs.
 *   user_namespace_caps_reach_nothing
 *     nobody in a user namespace of its own (CAP_SYS_NICE there) holding
 *     root's task control port may not set root's role or tiers, and may
 *     not give itself CONTROL_APPLICATION / GRAPHICS_SERVER (XNU: root).
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <mach/task.h>
#include <mach/task_policy.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

#define NOBODY		65534

static char *self_exe;

static kern_return_t set_role(task_t t, int role)
{
	integer_t info[1] = { role };

	return task_policy_set(t, TASK_CATEGORY_POLICY, info, 1);
}

static kern_return_t set_tiers(task_t t)
{
	integer_t info[2] = { LATENCY_QOS_TIER_2, THROUGHPUT_QOS_TIER_3 };

	return task_policy_set(t, TASK_BASE_QOS_POLICY, info, 2);
}

/* The role of @t, or -1000 - kr when the get fails. */
static int get_role(task_t t)
{
	mach_msg_type_number_t count = 1;
	boolean_t dflt = FALSE;
	integer_t info[1] = { 0x7777 };
	kern_return_t kr;

	kr = task_policy_get(t, TASK_CATEGORY_POLICY, info, &count, &dflt);
	return kr ? -1000 - kr : info[0];
}

/* Base tiers of @t in @info; the get's status. */
static kern_return_t get_tiers(task_t t, integer_t *info)
{
	mach_msg_type_number_t count = 2;
	boolean_t dflt = FALSE;

	info[0] = info[1] = 0x7777;
	return task_policy_get(t, TASK_BASE_QOS_POLICY, info, &count, &dflt);
}

/* ---- the exec'd (setuid) image ---------------------------------------- */

/*
 * argv: --image FD.  Reports 'R' when its task has no role and no tiers,
 * 'M' otherwise, then waits for FD to close.
 */
static int image_main(char **argv)
{
	int fd = atoi(argv[2]);
	integer_t tiers[2];
	char c = 'R';

	if (get_role(SELF) != TASK_UNSPECIFIED || get_tiers(SELF, tiers) ||
	    tiers[0] || tiers[1])
		c = 'M';
	if (write(fd, &c, 1) != 1)
		return 3;
	while (read(fd, &c, 1) > 0)
		;
	return 0;
}

/* ---- setuid exec ------------------------------------------------------ */

struct victim {
	pid_t pid;
	int sock;
};

/* A child that execs @image when told to. */
static int start_victim(struct victim *v, const char *image)
{
	char c, fdstr[16];
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	v->pid = fork();
	if (v->pid < 0)
		return -1;
	if (v->pid == 0) {
		close(sv[0]);
		if (read(sv[1], &c, 1) != 1)
			syscall(SYS_exit_group, 2);
		snprintf(fdstr, sizeof(fdstr), "%d", sv[1]);
		execl(image, image, "--image", fdstr, (char *)NULL);
		syscall(SYS_exit_group, 3);
	}
	close(sv[1]);
	v->sock = sv[0];
	return 0;
}

TEST(setuid_image_starts_with_no_policy)
{
	int rounds = mt_rounds(40, 4), r, bad = 0, late = 0;
	const char *paths[2] = { NULL, NULL };
	char suid[64];

	IPC_REQUIRE();
	if (getuid() != 0)
		SKIP(return, "must start as root (makes a setuid image)");
	if (!mt_tmp_honours_setuid())
		SKIP(return, "/tmp is mounted nosuid");
	snprintf(suid, sizeof(suid), "/tmp/sec_qos2_suid.%d", getpid());
	ASSERT_EQ(0, mt_copy_file(self_exe, suid, 04755));
	paths[0] = suid;
	ASSERT_EQ(0, mt_janitor(paths));
	ASSERT_EQ(0, mt_become(NOBODY));

	for (r = 0; r < rounds; r++) {
		mach_port_t t = MACH_PORT_NULL;
		integer_t tiers[2];
		struct victim v;
		double until;
		char c = 0;

		ASSERT_EQ(0, start_victim(&v, suid));
		ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, v.pid, &t));
		/* Our own child before the exec: allowed, as setpriority(). */
		ASSERT_EQ(KERN_SUCCESS, set_role(t, TASK_BACKGROUND_APPLICATION));
		ASSERT_EQ(KERN_SUCCESS, set_tiers(t));
		ASSERT_EQ(1, write(v.sock, "g", 1));
		until = mt_now() + 10;
		while (mt_now() < until &&
		       (set_role(t, TASK_FOREGROUND_APPLICATION) == KERN_SUCCESS ||
			set_tiers(t) == KERN_SUCCESS))
			;
		ASSERT_EQ(1, read(v.sock, &c, 1));
		if (c != 'R')
			bad++;
		/* The setuid image runs: the old port reaches nothing. */
		if (set_role(t, TASK_BACKGROUND_APPLICATION) == KERN_SUCCESS ||
		    set_tiers(t) == KERN_SUCCESS || get_role(t) >= 0 ||
		    get_tiers(t, tiers) == KERN_SUCCESS)
			late++;
		mach_port_deallocate(SELF, t);
		close(v.sock);
		mt_wait_exit(v.pid);
	}
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, late);
}

/* ---- user namespaces -------------------------------------------------- */

static int share_fd = -1;

/* As nobody in a new user namespace, holding root's task port. */
static int userns_attack(void)
{
	mach_port_t t;

	if (mt_become_nobody())
		return 99;
	t = port_meet_child(share_fd);
	if (!t)
		return 1;
	if (unshare(CLONE_NEWUSER))
		return 98;	/* no unprivileged user namespaces: skip */
	if (set_role(t, TASK_BACKGROUND_APPLICATION) != KERN_PROTECTION_FAILURE)
		return 2;
	if (set_tiers(t) != KERN_PROTECTION_FAILURE)
		return 3;
	if (set_role(SELF, TASK_CONTROL_APPLICATION) != KERN_INVALID_ARGUMENT ||
	    set_role(SELF, TASK_GRAPHICS_SERVER) != KERN_INVALID_ARGUMENT)
		return 4;
	if (get_role(SELF) != TASK_UNSPECIFIED)
		return 5;
	return 0;
}

TEST(user_namespace_caps_reach_nothing)
{
	integer_t tiers[2];
	pid_t pid;
	int st;

	IPC_REQUIRE();
	ASSERT_EQ(0, getuid());
	ASSERT_EQ(KERN_SUCCESS, set_role(SELF, TASK_DEFAULT_APPLICATION));
	ASSERT_EQ(KERN_SUCCESS, port_share(SELF, &share_fd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		die_with_parent();
		_exit(userns_attack());
	}
	st = mt_wait_exit(pid);
	close(share_fd);
	if (st == 98)
		SKIP(return, "no unprivileged user namespaces");
	EXPECT_EQ(0, st);
	EXPECT_EQ(TASK_DEFAULT_APPLICATION, get_role(SELF));
	ASSERT_EQ(KERN_SUCCESS, get_tiers(SELF, tiers));
	EXPECT_EQ(0, tiers[0]);
	EXPECT_EQ(0, tiers[1]);
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "--image"))
		return image_main(argv);
	self_exe = realpath("/proc/self/exe", NULL);
	return test_harness_run(argc, argv);
}
