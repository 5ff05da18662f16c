// SPDX-License-Identifier: GPL-2.0
/*
 * QoS and thread policy: every thread_policy flavor set and read back with
 * its error answers; the Linux policy and nice value each QoS class gives a
 * thread, read back from /proc; relative priorities; overrides nest and come
 * off, also on another thread and when the thread exits; thread_info
 * reports the priority; the limits of an unprivileged user (RLIMIT_NICE,
 * no real-time, no change to another user's thread through its port).
 */
#define _GNU_SOURCE
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
#include <mach/mig_errors.h>
#include <mach/thread_act.h>
#include <machina/machina.h>
#include <pthread/qos.h>
#include <sys/qos.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

#define NOBODY 65534

#define REQUIRE() IPC_REQUIRE_TEST()

static pid_t tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* Field @want (1-based, proc(5)) of /proc/self/task/@t/stat; -1000 if unreadable. */
static int stat_field(pid_t t, int want)
{
	return mt_task_stat_field(0, t, want);
}

/* The Linux policy (field 41) and nice value (19) of thread @t; 0 or -1. */
static int linux_sched(pid_t t, int *policy, int *nice)
{
	*nice = stat_field(t, 19);
	*policy = stat_field(t, 41);
	return *nice == -1000 || *policy == -1000 ? -1 : 0;
}

/* rt_priority (field 40) of thread @t. */
static int rt_priority(pid_t t)
{
	return stat_field(t, 40);
}

static int my_policy(int *nice)
{
	int policy = -1;

	if (linux_sched(tid(), &policy, nice))
		return -1;
	return policy;
}

static kern_return_t set_int(thread_act_t t, int flavor, int v)
{
	integer_t info[1] = { v };

	return thread_policy_set(t, flavor, info, 1);
}

static kern_return_t get_words(thread_act_t t, int flavor, integer_t *info,
			       mach_msg_type_number_t *count, boolean_t dflt)
{
	boolean_t d = dflt;

	return thread_policy_get(t, flavor, info, count, &d);
}

static int get_int(thread_act_t t, int flavor)
{
	integer_t info[16] = { 0x7777 };
	mach_msg_type_number_t count = 1;

	if (get_words(t, flavor, info, &count, FALSE) || count != 1)
		return 0x7777;
	return info[0];
}

static int ext_priority(thread_act_t t, int *policy)
{
	thread_extended_info_data_t ei;
	mach_msg_type_number_t count = THREAD_EXTENDED_INFO_COUNT;

	memset(&ei, 0, sizeof(ei));
	if (thread_info(t, THREAD_EXTENDED_INFO, (thread_info_t)&ei, &count) ||
	    count != THREAD_EXTENDED_INFO_COUNT)
		return -1;
	if (policy)
		*policy = ei.pth_policy;
	return ei.pth_priority;
}

static int basic_policy(thread_act_t t)
{
	thread_basic_info_data_t bi;
	mach_msg_type_number_t count = THREAD_BASIC_INFO_COUNT;

	if (thread_info(t, THREAD_BASIC_INFO, (thread_info_t)&bi, &count))
		return -1;
	return bi.policy;
}

TEST(flavors_round_trip)
{
	thread_act_t self;
	integer_t info[16];
	mach_msg_type_number_t count;
	int nice = 99, policy = -1;

	REQUIRE();
	self = mach_thread_self();
	ASSERT_NE(MACH_PORT_NULL, self);

	/* EXTENDED / STANDARD share flavor 1. */
	EXPECT_EQ(1, get_int(self, THREAD_EXTENDED_POLICY));
	EXPECT_EQ(KERN_SUCCESS, set_int(self, THREAD_EXTENDED_POLICY, 0));
	EXPECT_EQ(0, get_int(self, THREAD_EXTENDED_POLICY));
	EXPECT_EQ(POLICY_RR, basic_policy(self));
	EXPECT_EQ(KERN_SUCCESS, thread_policy_set(self, THREAD_STANDARD_POLICY, NULL, 0));
	EXPECT_EQ(1, get_int(self, THREAD_EXTENDED_POLICY));
	EXPECT_EQ(POLICY_TIMESHARE, basic_policy(self));
	count = 0;
	EXPECT_EQ(KERN_SUCCESS, get_words(self, THREAD_STANDARD_POLICY, info, &count, FALSE));
	EXPECT_EQ(0, count);

	/* PRECEDENCE: 31 + importance, nice = (31 - pri) * 2 / 3. */
	EXPECT_EQ(KERN_SUCCESS, set_int(self, THREAD_PRECEDENCE_POLICY, 5));
	EXPECT_EQ(5, get_int(self, THREAD_PRECEDENCE_POLICY));
	EXPECT_EQ(0, my_policy(&nice));
	EXPECT_EQ(-3, nice);
	EXPECT_EQ(36, ext_priority(self, &policy));
	EXPECT_EQ(POLICY_TIMESHARE, policy);
	EXPECT_EQ(KERN_SUCCESS, set_int(self, THREAD_PRECEDENCE_POLICY, -9));
	EXPECT_EQ(0, my_policy(&nice));
	EXPECT_EQ(6, nice);
	EXPECT_EQ(22, ext_priority(self, NULL));
	/* Nothing requested: the thread's own nice value comes back. */
	EXPECT_EQ(KERN_SUCCESS, set_int(self, THREAD_PRECEDENCE_POLICY, 0));
	EXPECT_EQ(0, my_policy(&nice));
	EXPECT_EQ(0, nice);

	/* AFFINITY: a tag, stored and reported. */
	EXPECT_EQ(THREAD_AFFINITY_TAG_NULL, get_int(self, THREAD_AFFINITY_POLICY));
	EXPECT_EQ(KERN_SUCCESS, set_int(self, THREAD_AFFINITY_POLICY, 7));
	EXPECT_EQ(7, get_int(self, THREAD_AFFINITY_POLICY));
	count = 1;
	info[0] = 99;
	EXPECT_EQ(KERN_SUCCESS, get_words(self, THREAD_AFFINITY_POLICY, info, &count, TRUE));
	EXPECT_EQ(0, info[0]);

	/* LATENCY / THROUGHPUT tiers: unspecified or one of six. */
	EXPECT_EQ(KERN_SUCCESS, set_int(self, THREAD_LATENCY_QOS_POLICY, LATENCY_QOS_TIER_3));
	EXPECT_EQ(LATENCY_QOS_TIER_3, get_int(self, THREAD_LATENCY_QOS_POLICY));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  set_int(self, THREAD_LATENCY_QOS_POLICY, LATENCY_QOS_TIER_5 + 1));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  set_int(self, THREAD_LATENCY_QOS_POLICY, THROUGHPUT_QOS_TIER_1));
	EXPECT_EQ(LATENCY_QOS_TIER_3, get_int(self, THREAD_LATENCY_QOS_POLICY));
	EXPECT_EQ(KERN_SUCCESS, set_int(self, THREAD_THROUGHPUT_QOS_POLICY, THROUGHPUT_QOS_TIER_0));
	EXPECT_EQ(THROUGHPUT_QOS_TIER_0, get_int(self, THREAD_THROUGHPUT_QOS_POLICY));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, set_int(self, THREAD_THROUGHPUT_QOS_POLICY, 1));
	EXPECT_EQ(KERN_SUCCESS, set_int(self, THREAD_THROUGHPUT_QOS_POLICY,
					THROUGHPUT_QOS_TIER_UNSPECIFIED));
	EXPECT_EQ(0, get_int(self, THREAD_THROUGHPUT_QOS_POLICY));

	/* QOS: read only through thread_policy (Darwin). */
	info[0] = THREAD_QOS_UTILITY;
	info[1] = 0;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_policy_set(self, THREAD_QOS_POLICY, info, THREAD_QOS_POLICY_COUNT));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_policy_set(self, THREAD_QOS_POLICY_OVERRIDE, info, THREAD_QOS_POLICY_COUNT));
	count = 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, get_words(self, THREAD_QOS_POLICY, info, &count, FALSE));
	count = THREAD_QOS_POLICY_COUNT;
	EXPECT_EQ(KERN_SUCCESS, get_words(self, THREAD_QOS_POLICY, info, &count, FALSE));
	EXPECT_EQ(THREAD_QOS_POLICY_COUNT, count);
	EXPECT_EQ(THREAD_QOS_UNSPECIFIED, info[0]);

	/* The error table. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT, set_int(self, 99, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, set_int(self, 6, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_policy_set(self, THREAD_PRECEDENCE_POLICY, info, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_policy_set(self, THREAD_AFFINITY_POLICY, info, 0));
	EXPECT_EQ(MIG_ARRAY_TOO_LARGE, thread_policy_set(self, THREAD_PRECEDENCE_POLICY, info, 17));
	count = 0;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, get_words(self, THREAD_PRECEDENCE_POLICY, info, &count, FALSE));
	count = 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, get_words(self, 99, info, &count, FALSE));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, set_int(0x1234567, THREAD_PRECEDENCE_POLICY, 1));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, set_int(mach_task_self(), THREAD_PRECEDENCE_POLICY, 1));
}

static kern_return_t set_rt(thread_act_t t, uint32_t period, uint32_t computation,
			    uint32_t constraint, mach_msg_type_number_t count)
{
	thread_time_constraint_policy_data_t tc = { period, computation, constraint, TRUE };

	return thread_policy_set(t, THREAD_TIME_CONSTRAINT_POLICY, (thread_policy_t)&tc, count);
}

TEST(time_constraint_is_sched_fifo)
{
	thread_act_t self = mach_thread_self();
	thread_time_constraint_policy_data_t tc;
	mach_msg_type_number_t count = THREAD_TIME_CONSTRAINT_POLICY_COUNT;
	boolean_t dflt = FALSE;
	int nice = 99;

	REQUIRE();
	ASSERT_EQ(0, getuid());
	/* Not real-time: the timeshare defaults, get_default set. */
	ASSERT_EQ(KERN_SUCCESS, thread_policy_get(self, THREAD_TIME_CONSTRAINT_POLICY,
						  (thread_policy_t)&tc, &count, &dflt));
	EXPECT_EQ(TRUE, dflt);
	EXPECT_EQ(0, tc.period);
	EXPECT_EQ(5000000, tc.computation);
	EXPECT_EQ(10000000, tc.constraint);

	/* XNU's checks: constraint >= computation, 50 us <= computation <= 50 ms. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT, set_rt(self, 10000000, 2000000, 1000000, 4));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, set_rt(self, 10000000, 10000, 1000000, 4));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, set_rt(self, 100000000, 60000000, 60000000, 4));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, set_rt(self, 10000000, 1000000, 2000000, 3));
	EXPECT_EQ(SCHED_OTHER, my_policy(&nice));

	ASSERT_EQ(0, pthread_set_qos_class_self_np(QOS_CLASS_UTILITY, 0));
	ASSERT_EQ(KERN_SUCCESS, set_rt(self, 10000000, 1000000, 2000000, 4));
	EXPECT_EQ(SCHED_FIFO, my_policy(&nice));
	EXPECT_EQ(50, rt_priority(tid()));
	/* Darwin: another policy removes the QoS class. */
	EXPECT_EQ(QOS_CLASS_UNSPECIFIED, qos_class_self());
	EXPECT_EQ(97, ext_priority(self, NULL));
	dflt = FALSE;
	count = THREAD_TIME_CONSTRAINT_POLICY_COUNT;
	ASSERT_EQ(KERN_SUCCESS, thread_policy_get(self, THREAD_TIME_CONSTRAINT_POLICY,
						  (thread_policy_t)&tc, &count, &dflt));
	EXPECT_EQ(FALSE, dflt);
	EXPECT_EQ(10000000, tc.period);
	EXPECT_EQ(1000000, tc.computation);
	EXPECT_EQ(2000000, tc.constraint);
	EXPECT_EQ(TRUE, tc.preemptible);

	/* The standard policy makes it timeshare again, where it was. */
	ASSERT_EQ(KERN_SUCCESS, thread_policy_set(self, THREAD_STANDARD_POLICY, NULL, 0));
	EXPECT_EQ(SCHED_OTHER, my_policy(&nice));
	EXPECT_EQ(0, nice);
}

TEST(owners_real_time_is_left_alone)
{
	struct sched_param sp = { .sched_priority = 3 };
	int nice = 99;

	REQUIRE();
	ASSERT_EQ(0, sched_setscheduler(0, SCHED_FIFO, &sp));
	EXPECT_EQ(0, pthread_set_qos_class_self_np(QOS_CLASS_BACKGROUND, 0));
	EXPECT_EQ(SCHED_FIFO, my_policy(&nice));
	EXPECT_EQ(3, rt_priority(tid()));
	EXPECT_EQ(QOS_CLASS_BACKGROUND, qos_class_self());
}

TEST(reserved_fields_are_refused)
{
	struct machina_thread_policy p = { .flavor = THREAD_PRECEDENCE_POLICY, .count = 1 };
	struct machina_thread_qos q = { .op = MACHINA_QOS_OP_GET };
	int fd;

	REQUIRE();
	fd = mt_open();
	ASSERT_LE(0, fd);
	p.target = mach_thread_self();
	p.flags = 1;
	EXPECT_EQ(-EINVAL, mt_ioctl(fd, MACHINA_IOC_THREAD_POLICY_SET, &p));
	p.flags = 0;
	p.reserved = 1;
	EXPECT_EQ(-EINVAL, mt_ioctl(fd, MACHINA_IOC_THREAD_POLICY_GET, &p));
	p.reserved = 0;
	p.get_default = 1;
	EXPECT_EQ(-EINVAL, mt_ioctl(fd, MACHINA_IOC_THREAD_POLICY_SET, &p));
	p.get_default = 0;
	p.count = MACHINA_POLICY_WORDS + 1;
	EXPECT_EQ(-EINVAL, mt_ioctl(fd, MACHINA_IOC_THREAD_POLICY_SET, &p));
	q.flags = 1;
	EXPECT_EQ(-EINVAL, mt_ioctl(fd, MACHINA_IOC_THREAD_QOS, &q));
	q.flags = 0;
	q.reserved = 1;
	EXPECT_EQ(-EINVAL, mt_ioctl(fd, MACHINA_IOC_THREAD_QOS, &q));
	q.reserved = 0;
	q.op = MACHINA_QOS_OP_SET;
	q.qos = THREAD_QOS_UTILITY;
	q.tsd = 0x1000;
	EXPECT_EQ(-EINVAL, mt_ioctl(fd, MACHINA_IOC_THREAD_QOS, &q));
	q.tsd = 0;
	q.op = 77;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mt_ioctl(fd, MACHINA_IOC_THREAD_QOS, &q));
	/* An END without a START. */
	q.op = MACHINA_QOS_OP_OVERRIDE_END;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mt_ioctl(fd, MACHINA_IOC_THREAD_QOS, &q));
	/* No thread of ours has this thread pointer. */
	q.op = MACHINA_QOS_OP_GET;
	q.tsd = 0x1000;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mt_ioctl(fd, MACHINA_IOC_THREAD_QOS, &q));
	close(fd);
}

struct mapping {
	qos_class_t cls;
	int relprio;
	int tier;
	int policy;		/* Linux */
	int nice;
	int xnu_pri;
};

/* The table of docs/ARCHITECTURE.md ("QoS"), as root (no RLIMIT_NICE floor). */
static const struct mapping table[] = {
	{ QOS_CLASS_USER_INTERACTIVE, 0, THREAD_QOS_USER_INTERACTIVE, SCHED_OTHER, -10, 46 },
	{ QOS_CLASS_USER_INITIATED, 0, THREAD_QOS_USER_INITIATED, SCHED_OTHER, -4, 37 },
	{ QOS_CLASS_DEFAULT, 0, THREAD_QOS_LEGACY, SCHED_OTHER, 0, 31 },
	{ QOS_CLASS_UTILITY, 0, THREAD_QOS_UTILITY, SCHED_BATCH, 7, 20 },
	{ QOS_CLASS_BACKGROUND, 0, THREAD_QOS_BACKGROUND, SCHED_IDLE, 18, 4 },
	/* -15 stays above the next lower tier: 31 - (11 * 15 >> 4) = 21 */
	{ QOS_CLASS_DEFAULT, -15, THREAD_QOS_LEGACY, SCHED_OTHER, 7, 21 },
	/* 46 - (9 * 8 >> 4) = 42 */
	{ QOS_CLASS_USER_INTERACTIVE, -8, THREAD_QOS_USER_INTERACTIVE, SCHED_OTHER, -7, 42 },
	{ QOS_CLASS_UTILITY, -15, THREAD_QOS_UTILITY, SCHED_BATCH, 17, 5 },
};

TEST(qos_classes_map_onto_linux)
{
	thread_act_t self = mach_thread_self();
	integer_t info[2];
	mach_msg_type_number_t count;
	qos_class_t cls;
	int nice = 99, policy, rel = 99;
	size_t i;

	REQUIRE();
	ASSERT_EQ(0, getuid());
	EXPECT_EQ(QOS_CLASS_UNSPECIFIED, qos_class_self());
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct mapping *m = &table[i];

		ASSERT_EQ(0, pthread_set_qos_class_self_np(m->cls, m->relprio));
		EXPECT_EQ(m->cls, qos_class_self());
		EXPECT_EQ(0, pthread_get_qos_class_np(pthread_self(), &cls, &rel));
		EXPECT_EQ(m->cls, cls);
		EXPECT_EQ(m->relprio, rel);
		policy = my_policy(&nice);
		EXPECT_EQ(m->policy, policy);
		if (m->policy != SCHED_IDLE)
			EXPECT_EQ(m->nice, nice) TH_LOG("class %#x rel %d", m->cls, m->relprio);
		count = THREAD_QOS_POLICY_COUNT;
		EXPECT_EQ(KERN_SUCCESS, get_words(self, THREAD_QOS_POLICY, info, &count, FALSE));
		EXPECT_EQ(m->tier, info[0]);
		EXPECT_EQ(m->relprio, info[1]);
		EXPECT_EQ(m->xnu_pri, ext_priority(self, NULL));
	}
	/* The main thread is this one. */
	EXPECT_EQ(QOS_CLASS_UTILITY, qos_class_main());

	EXPECT_EQ(EINVAL, pthread_set_qos_class_self_np(QOS_CLASS_UNSPECIFIED, 0));
	EXPECT_EQ(EINVAL, pthread_set_qos_class_self_np(0x42, 0));
	EXPECT_EQ(EINVAL, pthread_set_qos_class_self_np(QOS_CLASS_UTILITY, 1));
	EXPECT_EQ(EINVAL, pthread_set_qos_class_self_np(QOS_CLASS_UTILITY, -16));
	EXPECT_EQ(QOS_CLASS_UTILITY, qos_class_self());

	/* Another policy removes the QoS (Darwin); nothing left: the baseline. */
	EXPECT_EQ(KERN_SUCCESS, set_int(self, THREAD_AFFINITY_POLICY, 3));
	EXPECT_EQ(QOS_CLASS_UNSPECIFIED, qos_class_self());
	EXPECT_EQ(SCHED_OTHER, my_policy(&nice));
	EXPECT_EQ(0, nice);
}

TEST(owner_changes_become_the_baseline)
{
	int nice;

	REQUIRE();
	ASSERT_EQ(0, setpriority(PRIO_PROCESS, 0, 3));
	ASSERT_EQ(0, pthread_set_qos_class_self_np(QOS_CLASS_UTILITY, 0));
	EXPECT_EQ(SCHED_BATCH, my_policy(&nice));
	/* The owner renices meanwhile: that is what comes back. */
	ASSERT_EQ(0, setpriority(PRIO_PROCESS, 0, 12));
	ASSERT_EQ(0, pthread_set_qos_class_self_np(QOS_CLASS_BACKGROUND, 0));
	EXPECT_EQ(SCHED_IDLE, my_policy(&nice));
	EXPECT_EQ(KERN_SUCCESS, set_int(mach_thread_self(), THREAD_PRECEDENCE_POLICY, 0));
	EXPECT_EQ(SCHED_OTHER, my_policy(&nice));
	EXPECT_EQ(12, nice);
}

struct waiter {
	int pipe[2];
	pid_t tid;
	pthread_t th;
	volatile int ready;
	pthread_override_t own;
	int self_override;
	qos_class_t first;	/* qos_class_self() as the thread starts */
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;
	char c;

	w->tid = tid();
	w->first = qos_class_self();
	if (w->self_override)
		w->own = pthread_override_qos_class_start_np(pthread_self(),
							     QOS_CLASS_USER_INTERACTIVE, 0);
	__atomic_store_n(&w->ready, 1, __ATOMIC_RELEASE);
	if (read(w->pipe[0], &c, 1) != 1)
		return NULL;
	return NULL;
}

static int start_waiter(struct waiter *w)
{
	if (pipe(w->pipe) || pthread_create(&w->th, NULL, wait_thread, w))
		return -1;
	while (!__atomic_load_n(&w->ready, __ATOMIC_ACQUIRE))
		usleep(1000);
	return 0;
}

static void end_waiter(struct waiter *w)
{
	if (write(w->pipe[1], "x", 1) == 1)
		pthread_join(w->th, NULL);
	close(w->pipe[0]);
	close(w->pipe[1]);
}

TEST(overrides_nest_and_come_off)
{
	pthread_override_t ui, in, in2;
	int nice = 99;
	qos_class_t cls;

	REQUIRE();
	ASSERT_EQ(0, pthread_set_qos_class_self_np(QOS_CLASS_BACKGROUND, 0));
	ASSERT_EQ(SCHED_IDLE, my_policy(&nice));
	in = pthread_override_qos_class_start_np(pthread_self(), QOS_CLASS_USER_INITIATED, 0);
	ASSERT_NE(NULL, in);
	EXPECT_EQ(SCHED_OTHER, my_policy(&nice));
	EXPECT_EQ(-4, nice);
	ui = pthread_override_qos_class_start_np(pthread_self(), QOS_CLASS_USER_INTERACTIVE, 0);
	ASSERT_NE(NULL, ui);
	in2 = pthread_override_qos_class_start_np(pthread_self(), QOS_CLASS_USER_INITIATED, 0);
	ASSERT_NE(NULL, in2);
	EXPECT_EQ(-10, (my_policy(&nice), nice));
	/* The requested class does not move. */
	EXPECT_EQ(QOS_CLASS_BACKGROUND, qos_class_self());
	EXPECT_EQ(0, pthread_override_qos_class_end_np(ui));
	EXPECT_EQ(-4, (my_policy(&nice), nice));
	EXPECT_EQ(0, pthread_override_qos_class_end_np(in));
	EXPECT_EQ(SCHED_OTHER, my_policy(&nice));
	EXPECT_EQ(0, pthread_override_qos_class_end_np(in2));
	EXPECT_EQ(SCHED_IDLE, my_policy(&nice));
	EXPECT_EQ(0, pthread_get_qos_class_np(pthread_self(), &cls, NULL));
	EXPECT_EQ(QOS_CLASS_BACKGROUND, cls);
	EXPECT_EQ(NULL, pthread_override_qos_class_start_np(pthread_self(), QOS_CLASS_UNSPECIFIED, 0));
	EXPECT_EQ(NULL, pthread_override_qos_class_start_np(pthread_self(), QOS_CLASS_UTILITY, 1));
}

TEST(override_of_another_thread)
{
	struct waiter w = { 0 };
	pthread_override_t o;
	qos_class_t cls = 77;
	int policy = -1, nice = 99;

	REQUIRE();
	ASSERT_EQ(0, start_waiter(&w));
	o = pthread_override_qos_class_start_np(w.th, QOS_CLASS_USER_INTERACTIVE, 0);
	ASSERT_NE(NULL, o);
	ASSERT_EQ(0, linux_sched(w.tid, &policy, &nice));
	EXPECT_EQ(SCHED_OTHER, policy);
	EXPECT_EQ(-10, nice);
	EXPECT_EQ(0, pthread_get_qos_class_np(w.th, &cls, NULL));
	EXPECT_EQ(QOS_CLASS_UNSPECIFIED, cls);
	/* The caller itself is untouched. */
	EXPECT_EQ(0, (my_policy(&nice), nice));
	EXPECT_EQ(0, pthread_override_qos_class_end_np(o));
	ASSERT_EQ(0, linux_sched(w.tid, &policy, &nice));
	EXPECT_EQ(0, nice);
	end_waiter(&w);
}

TEST(thread_exits_with_overrides_active)
{
	struct waiter w = { .self_override = 1 };
	pthread_override_t o;
	int i;

	REQUIRE();
	for (i = 0; i < mt_rounds(50, 5); i++) {
		memset(&w, 0, sizeof(w));
		w.self_override = 1;
		ASSERT_EQ(0, start_waiter(&w));
		ASSERT_NE(NULL, w.own);
		o = pthread_override_qos_class_start_np(w.th, QOS_CLASS_UTILITY, 0);
		ASSERT_NE(NULL, o);
		end_waiter(&w);
		/* Gone with its thread: ending it finds no thread. */
		EXPECT_EQ(ESRCH, pthread_override_qos_class_end_np(o));
		free(w.own);
	}
}

static void *quiet_thread(void *arg)
{
	char c;

	/* Never calls into the module. */
	return read(*(int *)arg, &c, 1) == 1 ? NULL : arg;
}

TEST(inheritance_across_thread_create_and_fork)
{
	struct waiter w = { 0 };
	int policy = -1, nice = 99, status, rel = 99, fds[2];
	pthread_override_t o;
	qos_class_t cls = 77;
	pthread_t th;
	pid_t pid;

	REQUIRE();
	ASSERT_EQ(0, pthread_set_qos_class_self_np(QOS_CLASS_UTILITY, -4));
	ASSERT_EQ(0, start_waiter(&w));
	/* Darwin: a new thread starts in its creator's class. */
	EXPECT_EQ(QOS_CLASS_UTILITY, w.first);
	EXPECT_EQ(0, pthread_get_qos_class_np(w.th, &cls, &rel));
	EXPECT_EQ(QOS_CLASS_UTILITY, cls);
	EXPECT_EQ(-4, rel);
	ASSERT_EQ(0, linux_sched(w.tid, &policy, &nice));
	EXPECT_EQ(SCHED_BATCH, policy);
	EXPECT_EQ(my_policy(&rel), policy);
	end_waiter(&w);

	/* A thread that never calls in gets it from its creator. */
	ASSERT_EQ(0, pipe(fds));
	ASSERT_EQ(0, pthread_create(&th, NULL, quiet_thread, &fds[0]));
	EXPECT_EQ(0, pthread_get_qos_class_np(th, &cls, NULL));
	EXPECT_EQ(QOS_CLASS_UTILITY, cls);
	ASSERT_EQ(1, write(fds[1], "x", 1));
	pthread_join(th, NULL);

	/* Overrides are the creator's own: the new thread drops them. */
	ASSERT_EQ(0, pthread_set_qos_class_self_np(QOS_CLASS_BACKGROUND, 0));
	o = pthread_override_qos_class_start_np(pthread_self(), QOS_CLASS_USER_INTERACTIVE, 0);
	ASSERT_NE(NULL, o);
	memset(&w, 0, sizeof(w));
	ASSERT_EQ(0, start_waiter(&w));
	EXPECT_EQ(QOS_CLASS_BACKGROUND, w.first);
	ASSERT_EQ(0, linux_sched(w.tid, &policy, &nice));
	EXPECT_EQ(SCHED_IDLE, policy);
	EXPECT_EQ(SCHED_OTHER, my_policy(&nice));
	EXPECT_EQ(-10, nice);
	end_waiter(&w);
	EXPECT_EQ(0, pthread_override_qos_class_end_np(o));
	ASSERT_EQ(0, pthread_set_qos_class_self_np(QOS_CLASS_UTILITY, 0));

	/* fork(): Linux copies the policy and nice value. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(my_policy(&nice) == SCHED_BATCH && nice == 7 ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
}

/* ---- unprivileged ---------------------------------------------------- */

static int become_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -1;
	prctl(PR_SET_DUMPABLE, 1);
	return 0;
}

/* Run @fn as nobody with RLIMIT_NICE @rlim (RLIMIT_RTPRIO 5 for rtprio_5,
 * else 0); its exit status. */
static int rtprio_5(void);
static int as_nobody(int (*fn)(void), rlim_t rlim)
{
	struct rlimit rl = { rlim, rlim }, rt = { 0, 0 };
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		die_with_parent();
		if (fn == rtprio_5)
			rt.rlim_cur = rt.rlim_max = 5;
		if (setrlimit(RLIMIT_NICE, &rl) || setrlimit(RLIMIT_RTPRIO, &rt) ||
		    become_nobody())
			_exit(99);
		_exit(fn());
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* RLIMIT_NICE 0: no class, precedence or override gets below nice 0. */
static int no_rlimit(void)
{
	thread_act_t self = mach_thread_self();
	pthread_override_t o;
	int nice = 99, policy = -1;

	if (pthread_set_qos_class_self_np(QOS_CLASS_USER_INTERACTIVE, 0))
		return 1;
	if (my_policy(&nice) != SCHED_OTHER || nice != 0)
		return 2;
	if (set_int(self, THREAD_PRECEDENCE_POLICY, 30) || (my_policy(&nice), nice) != 0)
		return 3;
	if (pthread_set_qos_class_self_np(QOS_CLASS_BACKGROUND, 0) ||
	    my_policy(&nice) != SCHED_IDLE)
		return 4;
	/* Back from SCHED_IDLE to where it was: allowed (it was there). */
	o = pthread_override_qos_class_start_np(pthread_self(), QOS_CLASS_USER_INTERACTIVE, 0);
	if (!o || my_policy(&nice) != SCHED_OTHER || nice != 0)
		return 5;
	pthread_override_qos_class_end_np(o);
	/* RLIMIT_RTPRIO 0: no real-time through a time constraint. */
	if (set_rt(self, 10000000, 1000000, 2000000, 4) != KERN_FAILURE)
		return 6;
	policy = my_policy(&nice);
	if (policy == SCHED_FIFO || policy == SCHED_RR || policy == 6 /* DEADLINE */)
		return 7;
	/* A thread the owner reniced to 5 does not come back below 5. */
	if (set_int(self, THREAD_PRECEDENCE_POLICY, 0) || setpriority(PRIO_PROCESS, 0, 5))
		return 8;
	if (pthread_set_qos_class_self_np(QOS_CLASS_USER_INITIATED, 0) ||
	    (my_policy(&nice), nice) != 5)
		return 9;
	return 0;
}

/* RLIMIT_RTPRIO 5: real-time at priority 5, not 50. */
static int rtprio_5(void)
{
	int nice = 99;

	if (set_rt(mach_thread_self(), 10000000, 1000000, 2000000, 4) ||
	    my_policy(&nice) != SCHED_FIFO || rt_priority(tid()) != 5)
		return 1;
	if (thread_policy_set(mach_thread_self(), THREAD_STANDARD_POLICY, NULL, 0) ||
	    my_policy(&nice) != SCHED_OTHER)
		return 2;
	return 0;
}

/* RLIMIT_NICE 25: nice -5 is the floor (20 - 25). */
static int rlimit_25(void)
{
	int nice = 99;

	if (pthread_set_qos_class_self_np(QOS_CLASS_USER_INTERACTIVE, 0) ||
	    (my_policy(&nice), nice) != -5)
		return 1;
	if (pthread_set_qos_class_self_np(QOS_CLASS_USER_INITIATED, 0) ||
	    (my_policy(&nice), nice) != -4)
		return 2;
	if (set_int(mach_thread_self(), THREAD_PRECEDENCE_POLICY, 60) ||
	    (my_policy(&nice), nice) != -5)
		return 3;
	return 0;
}

TEST(unprivileged_stays_within_rlimit_nice)
{
	REQUIRE();
	EXPECT_EQ(0, as_nobody(no_rlimit, 0));
	EXPECT_EQ(0, as_nobody(rlimit_25, 25));
	EXPECT_EQ(0, as_nobody(rtprio_5, 0));
}

static int share_fd = -1;

/* Nobody, holding a send right to root's thread: every change refused. */
static int change_root_thread(void)
{
	mach_port_t t = port_meet_child(share_fd);
	integer_t info[2] = { 0 };
	mach_msg_type_number_t count = 2;

	if (!t)
		return 1;
	if (set_int(t, THREAD_PRECEDENCE_POLICY, 20) != KERN_PROTECTION_FAILURE)
		return 2;
	if (set_int(t, THREAD_PRECEDENCE_POLICY, -20) != KERN_PROTECTION_FAILURE)
		return 3;
	if (thread_policy_set(t, THREAD_STANDARD_POLICY, NULL, 0) != KERN_PROTECTION_FAILURE)
		return 4;
	/* Reading stays possible, as thread_info is. */
	if (get_words(t, THREAD_QOS_POLICY, info, &count, FALSE))
		return 5;
	return 0;
}

TEST(another_users_thread_cannot_be_changed_through_its_port)
{
	int nice = 99;

	REQUIRE();
	ASSERT_EQ(0, getuid());
	ASSERT_EQ(KERN_SUCCESS, port_share(mach_thread_self(), &share_fd));
	EXPECT_EQ(0, as_nobody(change_root_thread, 0));
	close(share_fd);
	EXPECT_EQ(SCHED_OTHER, my_policy(&nice));
	EXPECT_EQ(0, nice);
	EXPECT_EQ(0, get_int(mach_thread_self(), THREAD_PRECEDENCE_POLICY));
}

/* The same user may, as setpriority() allows. */
static int change_parent_thread(void)
{
	mach_port_t t = port_meet_child(share_fd);

	if (!t)
		return 1;
	return set_int(t, THREAD_PRECEDENCE_POLICY, -9) ? 2 : 0;
}

TEST(same_user_changes_a_thread_through_its_port)
{
	int nice = 99, status;
	pid_t pid;

	REQUIRE();
	ASSERT_EQ(KERN_SUCCESS, port_share(mach_thread_self(), &share_fd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(change_parent_thread());
	close(share_fd);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, my_policy(&nice));
	EXPECT_EQ(6, nice);
	EXPECT_EQ(-9, get_int(mach_thread_self(), THREAD_PRECEDENCE_POLICY));
}

TEST_HARNESS_MAIN
