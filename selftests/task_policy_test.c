// SPDX-License-Identifier: GPL-2.0
/*
 * task_policy_set / task_policy_get: XNU's flavors, counts, roles and
 * errors; as in XNU, no accepted role (TASK_BACKGROUND_APPLICATION
 * included) changes any thread's Linux policy or nice value (read back from
 * /proc for every thread of the process, before and after); an exec starts
 * with no role and no tiers; the limits of an unprivileged user (no change
 * to another user's task, no privileged role) and what the same user may
 * do to its other process.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
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
#include <mach/task_policy.h>
#include <mach/thread_act.h>
#include <machina/machina.h>
#include <pthread/qos.h>
#include <sys/qos.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

static pid_t tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* The Linux policy (stat field 41) of thread @t, its nice value (19) in *nice. */
static int policy_of(pid_t t, int *nice)
{
	*nice = mt_task_stat_field(0, t, 19);
	return mt_task_stat_field(0, t, 41);
}

static kern_return_t set_role(task_t task, int role)
{
	integer_t info[1] = { role };

	return task_policy_set(task, TASK_CATEGORY_POLICY, info, 1);
}

static int get_role(task_t task)
{
	integer_t info[4] = { 0x7777 };
	mach_msg_type_number_t count = 1;
	boolean_t dflt = FALSE;

	if (task_policy_get(task, TASK_CATEGORY_POLICY, info, &count, &dflt) ||
	    count != 1)
		return 0x7777;
	return info[0];
}

TEST(flavors_counts_and_errors)
{
	task_t self = mach_task_self();
	integer_t info[16];
	mach_msg_type_number_t count;
	boolean_t dflt;
	static const int refused[] = { TASK_UNSPECIFIED, TASK_RENICED,
		TASK_THROTTLE_APPLICATION, TASK_NONUI_APPLICATION,
		TASK_DARWINBG_APPLICATION, 9, -2 };
	unsigned int i;

	IPC_REQUIRE();
	EXPECT_EQ(TASK_UNSPECIFIED, get_role(self));
	EXPECT_EQ(KERN_SUCCESS, set_role(self, TASK_FOREGROUND_APPLICATION));
	EXPECT_EQ(TASK_FOREGROUND_APPLICATION, get_role(self));
	EXPECT_EQ(KERN_SUCCESS, set_role(self, TASK_DEFAULT_APPLICATION));
	EXPECT_EQ(TASK_DEFAULT_APPLICATION, get_role(self));
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		EXPECT_EQ(KERN_INVALID_ARGUMENT, set_role(self, refused[i]));
	EXPECT_EQ(TASK_DEFAULT_APPLICATION, get_role(self));
	/* Root (CAP_SYS_NICE) on its own task. */
	EXPECT_EQ(KERN_SUCCESS, set_role(self, TASK_CONTROL_APPLICATION));
	EXPECT_EQ(TASK_CONTROL_APPLICATION, get_role(self));
	EXPECT_EQ(KERN_SUCCESS, set_role(self, TASK_GRAPHICS_SERVER));
	EXPECT_EQ(KERN_SUCCESS, set_role(self, TASK_FOREGROUND_APPLICATION));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  task_policy_set(self, TASK_CATEGORY_POLICY, info, 0));

	/* get: get_default and the count are left as given. */
	memset(info, 0x55, sizeof(info));
	count = 4;
	dflt = TRUE;
	EXPECT_EQ(KERN_SUCCESS, task_policy_get(self, TASK_CATEGORY_POLICY, info, &count, &dflt));
	EXPECT_EQ(TASK_UNSPECIFIED, info[0]);
	EXPECT_EQ(0, info[1]);
	EXPECT_EQ(4, count);
	EXPECT_TRUE(dflt);
	count = 0;
	dflt = FALSE;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_policy_get(self, TASK_CATEGORY_POLICY, info, &count, &dflt));

	/* Tiers. */
	info[0] = LATENCY_QOS_TIER_3;
	info[1] = THROUGHPUT_QOS_TIER_5;
	EXPECT_EQ(KERN_SUCCESS, task_policy_set(self, TASK_BASE_QOS_POLICY, info, 2));
	info[0] = LATENCY_QOS_TIER_0;
	info[1] = THROUGHPUT_QOS_TIER_UNSPECIFIED;
	EXPECT_EQ(KERN_SUCCESS, task_policy_set(self, TASK_OVERRIDE_QOS_POLICY, info, 2));
	info[0] = LATENCY_QOS_TIER_1;
	info[1] = 0;
	EXPECT_EQ(KERN_SUCCESS, task_policy_set(self, TASK_BASE_LATENCY_QOS_POLICY, info, 2));
	info[0] = 0;
	info[1] = THROUGHPUT_QOS_TIER_2;
	EXPECT_EQ(KERN_SUCCESS, task_policy_set(self, TASK_BASE_THROUGHPUT_QOS_POLICY, info, 2));
	count = 2;
	dflt = FALSE;
	ASSERT_EQ(KERN_SUCCESS, task_policy_get(self, TASK_BASE_QOS_POLICY, info, &count, &dflt));
	EXPECT_EQ(LATENCY_QOS_TIER_1, info[0]);
	EXPECT_EQ(THROUGHPUT_QOS_TIER_2, info[1]);
	ASSERT_EQ(KERN_SUCCESS, task_policy_get(self, TASK_OVERRIDE_QOS_POLICY, info, &count, &dflt));
	EXPECT_EQ(LATENCY_QOS_TIER_0, info[0]);
	EXPECT_EQ(THROUGHPUT_QOS_TIER_UNSPECIFIED, info[1]);
	dflt = TRUE;
	ASSERT_EQ(KERN_SUCCESS, task_policy_get(self, TASK_BASE_QOS_POLICY, info, &count, &dflt));
	EXPECT_EQ(0, info[0]);
	EXPECT_EQ(0, info[1]);
	dflt = FALSE;
	/* Bad tiers, wrong family, short counts. */
	info[0] = LATENCY_QOS_TIER_5 + 1;
	info[1] = 0;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_policy_set(self, TASK_BASE_QOS_POLICY, info, 2));
	info[0] = THROUGHPUT_QOS_TIER_1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_policy_set(self, TASK_BASE_QOS_POLICY, info, 2));
	info[0] = 0;
	info[1] = LATENCY_QOS_TIER_1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_policy_set(self, TASK_BASE_LATENCY_QOS_POLICY, info, 2));
	info[1] = 0;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_policy_set(self, TASK_BASE_QOS_POLICY, info, 1));
	count = 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_policy_get(self, TASK_BASE_QOS_POLICY, info, &count, &dflt));
	/* Flavors not served, get of set-only flavors, unknown flavors. */
	count = 16;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_policy_get(self, TASK_BASE_LATENCY_QOS_POLICY, info, &count, &dflt));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_policy_get(self, TASK_POLICY_STATE, info, &count, &dflt));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_policy_get(self, TASK_SUPPRESSION_POLICY, info, &count, &dflt));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_policy_set(self, TASK_SUPPRESSION_POLICY, info, 16));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_policy_set(self, 2, info, 16));
	EXPECT_EQ(MIG_ARRAY_TOO_LARGE, task_policy_set(self, TASK_CATEGORY_POLICY, info, 17));
	/* A thread port is not a task port. */
	EXPECT_NE(KERN_SUCCESS, set_role(mach_thread_self(), TASK_FOREGROUND_APPLICATION));
}

struct sleeper {
	int pipe[2];
	pthread_t th;
	pid_t tid;
	qos_class_t cls;	/* set as it starts; 0: never calls in */
	volatile int ready;
};

static void *sleeper_main(void *arg)
{
	struct sleeper *s = arg;
	char c;

	s->tid = tid();
	if (s->cls && pthread_set_qos_class_self_np(s->cls, 0))
		s->tid = -1;
	__atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
	if (read(s->pipe[0], &c, 1) != 1)
		return NULL;
	return NULL;
}

static int start_sleeper(struct sleeper *s, qos_class_t cls)
{
	memset(s, 0, sizeof(*s));
	s->cls = cls;
	if (pipe(s->pipe) || pthread_create(&s->th, NULL, sleeper_main, s))
		return -1;
	while (!__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE))
		usleep(1000);
	return s->tid > 0 ? 0 : -1;
}

/*
 * End @s and wait (at most 5 s) until its thread has left /proc/self/task:
 * pthread_join() returns when the tid is cleared, which can be before the
 * kernel has reaped the thread, and the snapshots below list every thread.
 */
static void end_sleeper(struct sleeper *s)
{
	char path[64];
	int i;

	if (write(s->pipe[1], "x", 1) == 1)
		pthread_join(s->th, NULL);
	close(s->pipe[0]);
	close(s->pipe[1]);
	snprintf(path, sizeof(path), "/proc/self/task/%d", s->tid);
	for (i = 0; i < 5000 && access(path, F_OK) == 0; i++)
		usleep(1000);
}

/* Every thread of this process: its tid, Linux policy and nice value. */
#define MAX_THREADS 16
struct snapshot {
	int n;
	pid_t tid[MAX_THREADS];
	int policy[MAX_THREADS], nice[MAX_THREADS];
};

static int take_snapshot(struct snapshot *sn)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;

	if (!d)
		return -1;
	sn->n = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (sn->n == MAX_THREADS) {
			closedir(d);
			return -1;
		}
		sn->tid[sn->n] = atoi(e->d_name);
		sn->policy[sn->n] = policy_of(sn->tid[sn->n], &sn->nice[sn->n]);
		sn->n++;
	}
	closedir(d);
	return 0;
}

/* Whether each thread of @a has the same policy and nice in @b. */
static int same_snapshot(const struct snapshot *a, const struct snapshot *b)
{
	int i, j;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++) {
		for (j = 0; j < b->n && b->tid[j] != a->tid[i]; j++)
			;
		if (j == b->n || a->policy[i] != b->policy[j] ||
		    a->nice[i] != b->nice[j])
			return 0;
	}
	return 1;
}

/* Set @role on this task; 1 if it is reported and no thread changed. */
static int role_changes_nothing(int role)
{
	struct snapshot before, after;

	if (take_snapshot(&before) || set_role(mach_task_self(), role) ||
	    get_role(mach_task_self()) != role || take_snapshot(&after))
		return 0;
	return same_snapshot(&before, &after);
}

TEST(background_role_changes_no_thread)
{
	struct sleeper ui, plain, bg, later;
	int nice = 99;

	IPC_REQUIRE();
	ASSERT_EQ(0, start_sleeper(&ui, QOS_CLASS_USER_INTERACTIVE));
	ASSERT_EQ(0, start_sleeper(&plain, 0));
	ASSERT_EQ(0, start_sleeper(&bg, QOS_CLASS_BACKGROUND));
	ASSERT_EQ(SCHED_OTHER, policy_of(ui.tid, &nice));
	ASSERT_EQ(-10, nice);
	ASSERT_EQ(SCHED_IDLE, policy_of(bg.tid, &nice));
	/* The caller under an IN override, as it was before the role. */
	ASSERT_NE(NULL, pthread_override_qos_class_start_np(pthread_self(),
			QOS_CLASS_USER_INITIATED, 0));
	ASSERT_EQ(SCHED_OTHER, policy_of(tid(), &nice));
	ASSERT_EQ(-4, nice);

	EXPECT_TRUE(role_changes_nothing(TASK_BACKGROUND_APPLICATION));
	EXPECT_EQ(SCHED_OTHER, policy_of(ui.tid, &nice));
	EXPECT_EQ(-10, nice);
	/* A thread made under the role gets its own class, unclamped. */
	ASSERT_EQ(0, start_sleeper(&later, QOS_CLASS_USER_INTERACTIVE));
	EXPECT_EQ(SCHED_OTHER, policy_of(later.tid, &nice));
	EXPECT_EQ(-10, nice);
	end_sleeper(&later);
	ASSERT_EQ(0, start_sleeper(&later, 0));
	EXPECT_EQ(SCHED_OTHER, policy_of(later.tid, &nice));
	EXPECT_EQ(0, nice);
	end_sleeper(&later);
	/* Each other accepted role, and back. */
	EXPECT_TRUE(role_changes_nothing(TASK_FOREGROUND_APPLICATION));
	EXPECT_TRUE(role_changes_nothing(TASK_DEFAULT_APPLICATION));
	EXPECT_TRUE(role_changes_nothing(TASK_CONTROL_APPLICATION));
	EXPECT_TRUE(role_changes_nothing(TASK_BACKGROUND_APPLICATION));
	end_sleeper(&ui);
	end_sleeper(&plain);
	end_sleeper(&bg);
}

TEST(background_role_keeps_a_time_constraint_thread)
{
	thread_time_constraint_policy_data_t tc = {
		.period = 10000000, .computation = 1000000,
		.constraint = 2000000, .preemptible = 1,
	};
	int nice;

	IPC_REQUIRE();
	ASSERT_EQ(KERN_SUCCESS, thread_policy_set(mach_thread_self(),
		  THREAD_TIME_CONSTRAINT_POLICY, (thread_policy_t)&tc,
		  THREAD_TIME_CONSTRAINT_POLICY_COUNT));
	ASSERT_EQ(SCHED_FIFO, policy_of(tid(), &nice));
	EXPECT_TRUE(role_changes_nothing(TASK_BACKGROUND_APPLICATION));
	EXPECT_EQ(SCHED_FIFO, policy_of(tid(), &nice));
}

/* The base tiers of @task in info[0..1]; 0 or the get's error. */
static kern_return_t get_base_tiers(task_t task, integer_t *info)
{
	mach_msg_type_number_t count = 2;
	boolean_t dflt = FALSE;

	info[0] = info[1] = 0x7777;
	return task_policy_get(task, TASK_BASE_QOS_POLICY, info, &count, &dflt);
}

/*
 * Run as the exec'd image of role_is_reset_at_exec: the role and tiers set
 * before the exec are gone (XNU's new task at exec has none).  A
 * constructor, so the harness never starts in that image.
 */
__attribute__((constructor)) static void after_exec(void)
{
	integer_t info[2];

	if (!getenv("TASK_POLICY_TEST_AFTER_EXEC"))
		return;
	if (get_role(mach_task_self()) != TASK_UNSPECIFIED)
		_exit(1);
	if (get_base_tiers(mach_task_self(), info) || info[0] || info[1])
		_exit(4);
	_exit(0);
}

TEST(role_is_reset_at_exec)
{
	char *argv[] = { "task_policy_test", NULL };
	pid_t pid;

	IPC_REQUIRE();
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		integer_t info[2] = { LATENCY_QOS_TIER_2, THROUGHPUT_QOS_TIER_3 };

		if (set_role(mach_task_self(), TASK_BACKGROUND_APPLICATION) ||
		    get_role(mach_task_self()) != TASK_BACKGROUND_APPLICATION ||
		    task_policy_set(mach_task_self(), TASK_BASE_QOS_POLICY, info, 2))
			_exit(2);
		setenv("TASK_POLICY_TEST_AFTER_EXEC", "1", 1);
		execv("/proc/self/exe", argv);
		_exit(3);
	}
	EXPECT_EQ(0, mt_wait_exit(pid));
}

/* ---- other processes and unprivileged users -------------------------- */

static int share_fd = -1;

/* Run @fn in a child (as nobody with RLIMIT_NICE @nice_lim when @nobody); its exit status. */
static int run_child(int (*fn)(void), int nobody, rlim_t nice_lim)
{
	struct rlimit rl = { nice_lim, nice_lim };
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		die_with_parent();
		if (nobody && (setrlimit(RLIMIT_NICE, &rl) || mt_become_nobody()))
			_exit(99);
		prctl(PR_SET_DUMPABLE, 1);
		_exit(fn());
	}
	return mt_wait_exit(pid);
}

/* Nobody, holding root's task control port. */
static int change_root_task(void)
{
	mach_port_t t = port_meet_child(share_fd);
	integer_t info[2] = { LATENCY_QOS_TIER_1, 0 };

	if (!t)
		return 1;
	if (set_role(t, TASK_BACKGROUND_APPLICATION) != KERN_PROTECTION_FAILURE)
		return 2;
	if (set_role(t, TASK_FOREGROUND_APPLICATION) != KERN_PROTECTION_FAILURE)
		return 3;
	if (task_policy_set(t, TASK_BASE_QOS_POLICY, info, 2) != KERN_PROTECTION_FAILURE)
		return 4;
	return 0;
}

TEST(another_users_task_cannot_be_changed)
{
	integer_t info[2];
	int nice = 99;

	IPC_REQUIRE();
	ASSERT_EQ(0, getuid());
	ASSERT_EQ(0, pthread_set_qos_class_self_np(QOS_CLASS_USER_INTERACTIVE, 0));
	ASSERT_EQ(KERN_SUCCESS, set_role(mach_task_self(), TASK_DEFAULT_APPLICATION));
	ASSERT_EQ(KERN_SUCCESS, port_share(mach_task_self(), &share_fd));
	EXPECT_EQ(0, run_child(change_root_task, 1, 0));
	close(share_fd);
	/* Nothing stored: role and tiers as root left them. */
	EXPECT_EQ(TASK_DEFAULT_APPLICATION, get_role(mach_task_self()));
	ASSERT_EQ(KERN_SUCCESS, get_base_tiers(mach_task_self(), info));
	EXPECT_EQ(0, info[0]);
	EXPECT_EQ(0, info[1]);
	EXPECT_EQ(SCHED_OTHER, policy_of(tid(), &nice));
	EXPECT_EQ(-10, nice);
}

/* The same user, from its other process: allowed, as setpriority() is. */
static int background_parent(void)
{
	mach_port_t t = port_meet_child(share_fd);

	if (!t)
		return 1;
	return set_role(t, TASK_BACKGROUND_APPLICATION) ? 2 : 0;
}

TEST(same_user_sets_another_process_role)
{
	struct snapshot before, after;

	IPC_REQUIRE();
	ASSERT_EQ(0, pthread_set_qos_class_self_np(QOS_CLASS_USER_INITIATED, 0));
	ASSERT_EQ(KERN_SUCCESS, set_role(mach_task_self(), TASK_FOREGROUND_APPLICATION));
	ASSERT_EQ(0, take_snapshot(&before));
	ASSERT_EQ(KERN_SUCCESS, port_share(mach_task_self(), &share_fd));
	EXPECT_EQ(0, run_child(background_parent, 0, 0));
	close(share_fd);
	EXPECT_EQ(TASK_BACKGROUND_APPLICATION, get_role(mach_task_self()));
	ASSERT_EQ(0, take_snapshot(&after));
	EXPECT_TRUE(same_snapshot(&before, &after));
}

/*
 * Nobody with RLIMIT_NICE 0 (floor nice 0) and RLIMIT_NICE 25 (floor -5),
 * a UI thread at its floor: the roles it may set are stored and move
 * nothing; the privileged roles are refused and leave the role stored.
 */
static int role_round_trip(int floor)
{
	int nice = 99;

	if (pthread_set_qos_class_self_np(QOS_CLASS_USER_INTERACTIVE, 0) ||
	    policy_of(tid(), &nice) != SCHED_OTHER || nice != floor)
		return 1;
	if (!role_changes_nothing(TASK_BACKGROUND_APPLICATION) ||
	    policy_of(tid(), &nice) != SCHED_OTHER || nice != floor)
		return 2;
	if (!role_changes_nothing(TASK_FOREGROUND_APPLICATION) ||
	    policy_of(tid(), &nice) != SCHED_OTHER || nice != floor)
		return 3;
	if (set_role(mach_task_self(), TASK_CONTROL_APPLICATION) != KERN_INVALID_ARGUMENT ||
	    set_role(mach_task_self(), TASK_GRAPHICS_SERVER) != KERN_INVALID_ARGUMENT)
		return 4;
	if (get_role(mach_task_self()) != TASK_FOREGROUND_APPLICATION)
		return 5;
	return 0;
}

static int floor_0(void)
{
	return role_round_trip(0);
}

static int floor_5(void)
{
	return role_round_trip(-5);
}

TEST(unprivileged_roles_move_nothing_privileged_refused)
{
	IPC_REQUIRE();
	EXPECT_EQ(0, run_child(floor_0, 1, 0));
	EXPECT_EQ(0, run_child(floor_5, 1, 25));
}

TEST_HARNESS_MAIN
