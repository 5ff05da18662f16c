// SPDX-License-Identifier: GPL-2.0
/*
 * Security review of thread policy and QoS: what an unprivileged user can
 * make of Machina's sched_setattr_nocheck() calls compared with what
 * sched_setscheduler()/sched_setattr() would let them do.
 *
 *  - a thread its owner put in SCHED_IDLE, with RLIMIT_NICE 0, may not
 *    leave it for real time (Linux: EPERM even within RLIMIT_RTPRIO);
 *  - SCHED_RESET_ON_FORK, which an unprivileged thread may not clear, stays
 *    set through Machina's changes, so a negative nice value granted with it
 *    does not reach the thread's children, nor its new threads through the
 *    baseline they inherit;
 *  - a class a new thread inherits is settled with its own process's
 *    rights, not with those of whoever reads its policy first (a root
 *    monitor calling thread_info must not lift nobody's thread beyond its
 *    RLIMIT_NICE);
 *  - the owner of a user namespace, who may renice another user's process
 *    mapped in it, may not make it real-time (sched_setscheduler() needs
 *    CAP_SYS_NICE of the initial namespace for another owner's thread);
 *  - THREAD_PRECEDENCE_POLICY's importance does not overflow the priority
 *    it is added to (INT_MAX is the highest priority, not the lowest).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mach/mach.h>
#include <mach/task.h>
#include <mach/task_special_ports.h>
#include <mach/thread_act.h>
#include <machina/machina.h>
#include <pthread/qos.h>
#include <sys/qos.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

#define NOBODY 65534
#define RESET_ON_FORK_FLAG 0x01		/* SCHED_FLAG_RESET_ON_FORK */

struct attr_words {			/* struct sched_attr, version 0 */
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
};

static int set_attr(int policy, int nice, uint64_t flags)
{
	struct attr_words a = { .size = sizeof(a), .policy = policy,
				.flags = flags, .nice = nice };

	return syscall(SYS_sched_setattr, 0, &a, 0);
}

static int get_attr(struct attr_words *a)
{
	memset(a, 0, sizeof(*a));
	return syscall(SYS_sched_getattr, 0, a, sizeof(*a), 0);
}

static int leave_root(rlim_t nice_lim, rlim_t rtprio_lim)
{
	struct rlimit n = { nice_lim, nice_lim }, r = { rtprio_lim, rtprio_lim };

	if (setrlimit(RLIMIT_NICE, &n) || setrlimit(RLIMIT_RTPRIO, &r) ||
	    setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY) || geteuid() != NOBODY)
		return -1;
	prctl(PR_SET_DUMPABLE, 1);
	return 0;
}

static int wait_status(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/*
 * Run @fn in a child as nobody with RLIMIT_NICE @nice_lim and RLIMIT_RTPRIO
 * @rt_lim, after @prep (if any) ran there as root; the child's status.
 */
static int as_nobody(int (*prep)(void), int (*fn)(void), rlim_t nice_lim,
		     rlim_t rt_lim)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		die_with_parent();
		if ((prep && prep()) || leave_root(nice_lim, rt_lim))
			_exit(99);
		_exit(fn());
	}
	return wait_status(pid);
}

static kern_return_t time_constraint(void)
{
	thread_time_constraint_policy_data_t tc = { 10000000, 1000000, 2000000, TRUE };

	return thread_policy_set(mach_thread_self(), THREAD_TIME_CONSTRAINT_POLICY,
				 (thread_policy_t)&tc, THREAD_TIME_CONSTRAINT_POLICY_COUNT);
}

/* ---- SCHED_IDLE is not left for real time ------------------------------ */

/* Nobody, RLIMIT_NICE 0, RLIMIT_RTPRIO 5, SCHED_IDLE by its own choice. */
static int idle_to_fifo(void)
{
	struct sched_param sp = { 0 };

	if (sched_setscheduler(0, SCHED_IDLE, &sp))
		return 10;
	/* What Linux says to the same request. */
	sp.sched_priority = 5;
	if (sched_setscheduler(0, SCHED_FIFO, &sp) == 0 || errno != EPERM)
		return 11;
	if (time_constraint() != KERN_FAILURE)
		return 1;
	if (sched_getscheduler(0) != SCHED_IDLE)
		return 2;
	return 0;
}

TEST(idle_thread_cannot_leave_for_real_time)
{
	if (ipc_unavailable())
		SKIP(return, "%s", ipc_unavailable());
	ASSERT_EQ(0, getuid());
	EXPECT_EQ(0, as_nobody(NULL, idle_to_fifo, 0, 5));
}

/* ---- SCHED_RESET_ON_FORK stays ----------------------------------------- */

/* The nice value a child forked now starts with (+100 so it fits a status). */
static int child_nice(void)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1000;
	if (pid == 0) {
		errno = 0;
		_exit(100 + getpriority(PRIO_PROCESS, 0));
	}
	return wait_status(pid) - 100;
}

/* A new thread asks for USER_INTERACTIVE, then for nothing: its nice value. */
static void *new_thread_nice(void *arg)
{
	long lowest;

	if (pthread_set_qos_class_self_np(QOS_CLASS_USER_INTERACTIVE, 0))
		return (void *)-100L;
	lowest = getpriority(PRIO_PROCESS, 0);
	if (thread_policy_set(mach_thread_self(), THREAD_STANDARD_POLICY, NULL, 0))
		return (void *)-100L;
	if (getpriority(PRIO_PROCESS, 0) < lowest)
		lowest = getpriority(PRIO_PROCESS, 0);
	return (void *)lowest;
}

/* As root: nice -10 with SCHED_RESET_ON_FORK, as a privileged helper (rtkit) grants it. */
static int grant_reset_on_fork(void)
{
	return set_attr(SCHED_OTHER, -10, RESET_ON_FORK_FLAG);
}

/* Nobody at nice -10 granted with SCHED_RESET_ON_FORK, RLIMIT_NICE 0. */
static int keep_reset_on_fork(void)
{
	struct attr_words a;
	pthread_t t;
	void *res;

	if (child_nice() != 0)
		return 10;
	if (pthread_set_qos_class_self_np(QOS_CLASS_UTILITY, 0))
		return 11;
	if ((sched_getscheduler(0) & ~SCHED_RESET_ON_FORK) != SCHED_BATCH)
		return 12;
	/* Back to where it was (nice -10): allowed, it had it. */
	if (thread_policy_set(mach_thread_self(), THREAD_STANDARD_POLICY, NULL, 0))
		return 13;
	if (getpriority(PRIO_PROCESS, 0) != -10)
		return 14;
	if (get_attr(&a))
		return 15;
	if (!(a.flags & RESET_ON_FORK_FLAG))
		return 1;
	if (child_nice() != 0)
		return 2;
	/* Through the QoS classes as well. */
	if (pthread_set_qos_class_self_np(QOS_CLASS_BACKGROUND, 0) ||
	    get_attr(&a) || !(a.flags & RESET_ON_FORK_FLAG))
		return 3;
	/*
	 * A new thread starts at nice 0 (clone() applied the flag to it); the
	 * class and baseline it inherits must not give it back the -10.
	 */
	if (pthread_set_qos_class_self_np(QOS_CLASS_UTILITY, 0))
		return 16;
	if (pthread_create(&t, NULL, new_thread_nice, NULL) || pthread_join(t, &res))
		return 17;
	if ((long)res < 0)
		return 4;
	return 0;
}

TEST(reset_on_fork_survives_machina)
{
	if (ipc_unavailable())
		SKIP(return, "%s", ipc_unavailable());
	ASSERT_EQ(0, getuid());
	EXPECT_EQ(0, as_nobody(grant_reset_on_fork, keep_reset_on_fork, 0, 0));
}

/* ---- a pending class settled by a root reader -------------------------- */

static char vfork_stack[1 << 16] __attribute__((aligned(16)));

/* The new thread: tell root who it is, then wait to be killed. */
static int announce_and_wait(void *arg)
{
	pid_t me = (pid_t)syscall(SYS_gettid);

	if (write((int)(long)arg, &me, sizeof(me)) != sizeof(me))
		syscall(SYS_exit, 1);
	for (;;)
		syscall(SYS_ppoll, NULL, 0UL, NULL, NULL, 0UL);	/* no pause on arm64 */
	return 0;
}

/*
 * Nobody, RLIMIT_NICE 0, asks for USER_INTERACTIVE (stays at nice 0) and
 * makes a thread with CLONE_VFORK: it stays in clone(), after the fork
 * probe and before its task work hands the class over, for as long as the
 * new thread lives.
 */
static int make_thread_and_block(int ready)
{
	if (pthread_set_qos_class_self_np(QOS_CLASS_USER_INTERACTIVE, 0) ||
	    getpriority(PRIO_PROCESS, 0) != 0)
		return 1;
	if (clone(announce_and_wait, vfork_stack + sizeof(vfork_stack),
		  CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
		  CLONE_SYSVSEM | CLONE_VFORK, (void *)(long)ready) < 0)
		return 2;
	pause();
	return 0;
}

TEST(pending_class_is_settled_with_the_threads_own_rights)
{
	mach_msg_type_number_t n = 0, i;
	thread_act_array_t list = NULL;
	mach_port_t task = MACH_PORT_NULL;
	int ready[2], nice;
	pid_t pid, t = 0;

	if (ipc_unavailable())
		SKIP(return, "%s", ipc_unavailable());
	ASSERT_EQ(0, getuid());
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		die_with_parent();
		if (leave_root(0, 0))
			_exit(99);
		_exit(make_thread_and_block(ready[1]));
	}
	close(ready[1]);
	ASSERT_EQ(sizeof(t), read(ready[0], &t, sizeof(t)));
	EXPECT_EQ(0, mt_task_stat_field(pid, t, 19));

	/* Root looks at the process's threads, as a monitor would. */
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(mach_task_self(), pid, &task));
	ASSERT_EQ(KERN_SUCCESS, task_threads(task, &list, &n));
	for (i = 0; i < n; i++) {
		thread_extended_info_data_t ei;
		mach_msg_type_number_t count = THREAD_EXTENDED_INFO_COUNT;

		thread_info(list[i], THREAD_EXTENDED_INFO, (thread_info_t)&ei, &count);
	}
	nice = mt_task_stat_field(pid, t, 19);
	TH_LOG("new thread %d: nice %d after root's thread_info", t, nice);
	/* Its own process could not go below nice 0. */
	EXPECT_LE(0, nice);

	kill(pid, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, wait_status(pid));
}

/* ---- importance at the ends of its range ------------------------------- */

static int importance_extremes(void)
{
	thread_extended_info_data_t ei;
	mach_msg_type_number_t count = THREAD_EXTENDED_INFO_COUNT;
	integer_t v = 0x7fffffff;

	if (thread_policy_set(mach_thread_self(), THREAD_PRECEDENCE_POLICY, &v, 1))
		return 10;
	if (thread_info(mach_thread_self(), THREAD_EXTENDED_INFO, (thread_info_t)&ei, &count))
		return 11;
	/* The highest importance is the highest user priority, not the lowest. */
	if (ei.pth_priority != 63)
		return 1;
	if (getpriority(PRIO_PROCESS, 0) != -20)
		return 2;
	v = (integer_t)0x80000000;
	if (thread_policy_set(mach_thread_self(), THREAD_PRECEDENCE_POLICY, &v, 1))
		return 12;
	if (getpriority(PRIO_PROCESS, 0) != 19)
		return 3;
	return 0;
}

TEST(importance_does_not_wrap)
{
	if (ipc_unavailable())
		SKIP(return, "%s", ipc_unavailable());
	ASSERT_EQ(0, getuid());
	EXPECT_EQ(0, as_nobody(NULL, importance_extremes, 40, 0));
}

/* ---- real time for another user's thread from a user namespace --------- */

/* ns uid 1 (another host user): hand the thread port to the ns owner, wait. */
static int other_user(void)
{
	mach_port_t bp = MACH_PORT_NULL;

	if (setresuid(1, 1, 1))
		return 1;
	prctl(PR_SET_DUMPABLE, 1);
	if (task_get_special_port(mach_task_self(), TASK_BOOTSTRAP_PORT, &bp) || !bp)
		return 2;
	if (send_port(bp, MACH_MSG_TYPE_COPY_SEND, 1, mach_thread_self(),
		      MACH_MSG_TYPE_COPY_SEND))
		return 3;
	pause();
	return 0;
}

/*
 * Nobody, owner of a user namespace mapping ns uid 0 to itself and ns uid 1
 * to another host user: CAP_SYS_NICE there lets it renice the other user's
 * process (setpriority()'s rule), but real time needs CAP_SYS_NICE of the
 * initial namespace or the same owner (sched_setscheduler()'s rule).
 */
static int rt_for_other_user(int ready, int mapped)
{
	struct sched_param sp = { .sched_priority = 5 };
	thread_time_constraint_policy_data_t tc = { 10000000, 1000000, 2000000, TRUE };
	mach_port_t r = new_port_send(), target;
	rcv_buf_t buf;
	any_desc_t d;
	pid_t pid;
	int ret = 0, policy;
	char c = 0;

	if (unshare(CLONE_NEWUSER))
		return 98;
	if (write(ready, &c, 1) != 1 || read(mapped, &c, 1) != 1 || c != 1)
		return 97;
	if (!r || task_set_special_port(mach_task_self(), TASK_BOOTSTRAP_PORT, r))
		return 10;
	pid = fork();
	if (pid < 0)
		return 11;
	if (pid == 0)
		_exit(other_user());
	if (recv_timeout(r, &buf, 5000) || get_desc(&buf.header, 0, &d) !=
	    MACH_MSG_PORT_DESCRIPTOR) {
		ret = 12;
		goto out;
	}
	target = d.port.name;
	/* What Linux says to the same request. */
	if (sched_setscheduler(pid, SCHED_FIFO, &sp) == 0 || errno != EPERM) {
		ret = 13;
		goto out;
	}
	if (thread_policy_set(target, THREAD_TIME_CONSTRAINT_POLICY, (thread_policy_t)&tc,
			      THREAD_TIME_CONSTRAINT_POLICY_COUNT) == KERN_SUCCESS)
		ret = 1;
	policy = mt_task_stat_field(pid, pid, 41);
	if (policy == SCHED_FIFO)
		ret = ret ? ret : 2;
out:
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return ret;
}

TEST(user_namespace_owner_gets_no_real_time_for_another_user)
{
	int ready[2], mapped[2], status;
	char path[64], c = 0;
	pid_t pid;
	FILE *f;

	if (ipc_unavailable())
		SKIP(return, "%s", ipc_unavailable());
	ASSERT_EQ(0, getuid());
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(mapped));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		die_with_parent();
		if (leave_root(0, 5))
			_exit(99);
		_exit(rt_for_other_user(ready[1], mapped[0]));
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1) {
		status = wait_status(pid);
		if (status == 98)
			SKIP(return, "no unprivileged user namespaces");
		ASSERT_EQ(0, status);
	}
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	c = fprintf(f, "0 %d 1\n1 %d 1\n", NOBODY, NOBODY - 1) > 0 && fclose(f) == 0;
	ASSERT_EQ(1, write(mapped[1], &c, 1));
	EXPECT_EQ(0, wait_status(pid));
}

TEST_HARNESS_MAIN
