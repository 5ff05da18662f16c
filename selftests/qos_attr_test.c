// SPDX-License-Identifier: GPL-2.0
/*
 * A thread attribute object's QoS class (pthread_attr_set_qos_class_np,
 * pthread_attr_get_qos_class_np, through libmach's --wrap of pthread_create)
 * and the class a fork() child's main thread starts with.
 *
 * Every thread made with a class reports it itself (qos_class_self(),
 * pthread_get_qos_class_np()) and to its creator as soon as pthread_create()
 * returns, and runs at the Linux policy and nice value the class gives
 * (read back from /proc: UI -10, IN -4, DEF 0, UT SCHED_BATCH +7, BG
 * SCHED_IDLE; DEF -15 +7, UT -15 SCHED_BATCH +17).  Errors, destroy and
 * re-init, one object for many threads from many creators, the table's
 * bound, fork() while the table is busy, a class the kernel refuses
 * (seccomp) that still starts the thread.
 * A fork child's main thread takes the forking thread's requested class
 * and relative priority, also through a child that never used Mach.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mach/mach.h>
#include <mach/thread_act.h>
#include <mach/thread_policy.h>
#include <machina/machina.h>
#include <pthread/qos.h>
#include <sys/qos.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

#define REQUIRE() IPC_REQUIRE_TEST()

static pid_t tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* The Linux policy (field 41) and nice value (19) of thread @t; 0 or -1. */
static int linux_sched(pid_t t, int *policy, int *nice)
{
	*nice = mt_task_stat_field(0, t, 19);
	*policy = mt_task_stat_field(0, t, 41);
	return *nice == -1000 || *policy == -1000 ? -1 : 0;
}

/* What a thread found about itself, and the creator's hold on it. */
struct probe {
	pthread_t th;
	sem_t ready, release;
	int ran;			/* the start routine had its argument */
	qos_class_t self;		/* qos_class_self() */
	qos_class_t got;		/* pthread_get_qos_class_np(pthread_self()) */
	int got_relpri;
	int policy, nice;
};

static void *probe_main(void *arg)
{
	struct probe *p = arg;

	p->ran = 1;
	p->self = qos_class_self();
	if (pthread_get_qos_class_np(pthread_self(), &p->got, &p->got_relpri))
		p->got = 0x7777;
	if (linux_sched(tid(), &p->policy, &p->nice))
		p->policy = -1;
	sem_post(&p->ready);
	sem_wait(&p->release);
	return p;
}

/*
 * probe_start - a thread made with @attr; *@seen (if given) is what the
 * creator reads of its class right after pthread_create() returns.
 * Returns: pthread_create()'s result.
 */
static int probe_start(struct probe *p, pthread_attr_t *attr, qos_class_t *seen,
		       int *seen_relpri)
{
	int err;

	memset(p, 0, sizeof(*p));
	sem_init(&p->ready, 0, 0);
	sem_init(&p->release, 0, 0);
	err = pthread_create(&p->th, attr, probe_main, p);
	if (err)
		return err;
	if (seen && pthread_get_qos_class_np(p->th, seen, seen_relpri))
		*seen = 0x7777;
	while (sem_wait(&p->ready) && errno == EINTR)
		;
	return 0;
}

/* Let it go and join it: 0 if it ran probe_main() with its own argument. */
static int probe_stop(struct probe *p)
{
	void *ret = NULL;

	sem_post(&p->release);
	if (pthread_join(p->th, &ret))
		return -1;
	sem_destroy(&p->ready);
	sem_destroy(&p->release);
	return ret == p && p->ran ? 0 : -1;
}

TEST(attr_class_is_kept_and_checked)
{
	pthread_attr_t a;
	qos_class_t q = 0x7777;
	int r = 77;

	ASSERT_EQ(0, pthread_attr_init(&a));
	/* A new object has no class. */
	EXPECT_EQ(0, pthread_attr_get_qos_class_np(&a, &q, &r));
	EXPECT_EQ(QOS_CLASS_UNSPECIFIED, q);
	EXPECT_EQ(0, r);
	EXPECT_EQ(0, pthread_attr_set_qos_class_np(&a, QOS_CLASS_UTILITY, -5));
	EXPECT_EQ(0, pthread_attr_get_qos_class_np(&a, &q, &r));
	EXPECT_EQ(QOS_CLASS_UTILITY, q);
	EXPECT_EQ(-5, r);
	/* Either result may be NULL. */
	EXPECT_EQ(0, pthread_attr_get_qos_class_np(&a, NULL, NULL));
	q = 0;
	EXPECT_EQ(0, pthread_attr_get_qos_class_np(&a, &q, NULL));
	EXPECT_EQ(QOS_CLASS_UTILITY, q);

	/* Refused values leave the object as it was. */
	EXPECT_EQ(EINVAL, pthread_attr_set_qos_class_np(&a, 0x42, 0));
	EXPECT_EQ(EINVAL, pthread_attr_set_qos_class_np(&a, QOS_CLASS_USER_INTERACTIVE + 1, 0));
	EXPECT_EQ(EINVAL, pthread_attr_set_qos_class_np(&a, QOS_CLASS_DEFAULT, 1));
	EXPECT_EQ(EINVAL, pthread_attr_set_qos_class_np(&a, QOS_CLASS_DEFAULT,
							QOS_MIN_RELATIVE_PRIORITY - 1));
	EXPECT_EQ(EINVAL, pthread_attr_set_qos_class_np(NULL, QOS_CLASS_DEFAULT, 0));
	EXPECT_EQ(EINVAL, pthread_attr_get_qos_class_np(NULL, &q, &r));
	EXPECT_EQ(0, pthread_attr_get_qos_class_np(&a, &q, &r));
	EXPECT_EQ(QOS_CLASS_UTILITY, q);
	EXPECT_EQ(-5, r);

	/* The bounds themselves are classes. */
	EXPECT_EQ(0, pthread_attr_set_qos_class_np(&a, QOS_CLASS_BACKGROUND,
						   QOS_MIN_RELATIVE_PRIORITY));
	EXPECT_EQ(0, pthread_attr_get_qos_class_np(&a, &q, &r));
	EXPECT_EQ(QOS_CLASS_BACKGROUND, q);
	EXPECT_EQ(QOS_MIN_RELATIVE_PRIORITY, r);
	/* Darwin: UNSPECIFIED is no class, with no relative priority. */
	EXPECT_EQ(0, pthread_attr_set_qos_class_np(&a, QOS_CLASS_UNSPECIFIED, -3));
	EXPECT_EQ(0, pthread_attr_get_qos_class_np(&a, &q, &r));
	EXPECT_EQ(QOS_CLASS_UNSPECIFIED, q);
	EXPECT_EQ(0, r);
	EXPECT_EQ(0, pthread_attr_destroy(&a));
}

TEST(thread_starts_in_its_attr_class)
{
	static const struct {
		qos_class_t qos;
		int relpri, policy, nice;	/* nice -1000: not looked at */
	} rows[] = {
		{ QOS_CLASS_USER_INTERACTIVE, 0, SCHED_OTHER, -10 },
		{ QOS_CLASS_USER_INTERACTIVE, -8, SCHED_OTHER, -7 },
		{ QOS_CLASS_USER_INITIATED, 0, SCHED_OTHER, -4 },
		{ QOS_CLASS_DEFAULT, 0, SCHED_OTHER, 0 },
		{ QOS_CLASS_DEFAULT, -15, SCHED_OTHER, 7 },
		{ QOS_CLASS_UTILITY, 0, SCHED_BATCH, 7 },
		{ QOS_CLASS_UTILITY, -15, SCHED_BATCH, 17 },
		{ QOS_CLASS_BACKGROUND, 0, SCHED_IDLE, -1000 },
	};
	int policy, nice;
	unsigned int i;

	REQUIRE();
	ASSERT_EQ(0, linux_sched(tid(), &policy, &nice));
	ASSERT_EQ(SCHED_OTHER, policy);
	ASSERT_EQ(0, nice);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		qos_class_t seen = 0x7777;
		int seen_relpri = 77;
		pthread_attr_t a;
		struct probe p;

		TH_LOG("row %u: class %#x relpri %d", i, rows[i].qos, rows[i].relpri);
		ASSERT_EQ(0, pthread_attr_init(&a));
		ASSERT_EQ(0, pthread_attr_set_qos_class_np(&a, rows[i].qos, rows[i].relpri));
		ASSERT_EQ(0, probe_start(&p, &a, &seen, &seen_relpri));
		/* The creator sees the class as soon as pthread_create() returns. */
		EXPECT_EQ(rows[i].qos, seen);
		EXPECT_EQ(rows[i].relpri, seen_relpri);
		EXPECT_EQ(rows[i].qos, p.self);
		EXPECT_EQ(rows[i].qos, p.got);
		EXPECT_EQ(rows[i].relpri, p.got_relpri);
		EXPECT_EQ(rows[i].policy, p.policy);
		if (rows[i].nice != -1000)
			EXPECT_EQ(rows[i].nice, p.nice);
		EXPECT_EQ(0, probe_stop(&p));
		EXPECT_EQ(0, pthread_attr_destroy(&a));
	}
	/* The creator is left as it was. */
	EXPECT_EQ(QOS_CLASS_UNSPECIFIED, qos_class_self());
	ASSERT_EQ(0, linux_sched(tid(), &policy, &nice));
	EXPECT_EQ(SCHED_OTHER, policy);
	EXPECT_EQ(0, nice);
}

/*
 * Without a class on the object a new thread inherits its creator's;
 * with QOS_CLASS_UNSPECIFIED it has none (Darwin's thread then has none)
 * and runs at its creator's own Linux values from before its class.
 */
TEST(unspecified_attr_class_starts_a_thread_without_one)
{
	pthread_attr_t a;
	struct probe p;

	REQUIRE();
	ASSERT_EQ(0, pthread_set_qos_class_self_np(QOS_CLASS_USER_INTERACTIVE, 0));
	ASSERT_EQ(0, pthread_attr_init(&a));
	ASSERT_EQ(0, probe_start(&p, &a, NULL, NULL));
	EXPECT_EQ(QOS_CLASS_USER_INTERACTIVE, p.self);
	EXPECT_EQ(-10, p.nice);
	EXPECT_EQ(0, probe_stop(&p));

	ASSERT_EQ(0, pthread_attr_set_qos_class_np(&a, QOS_CLASS_UNSPECIFIED, 0));
	ASSERT_EQ(0, probe_start(&p, &a, NULL, NULL));
	EXPECT_EQ(QOS_CLASS_UNSPECIFIED, p.self);
	EXPECT_EQ(QOS_CLASS_UNSPECIFIED, p.got);
	EXPECT_EQ(SCHED_OTHER, p.policy);
	EXPECT_EQ(0, p.nice);
	EXPECT_EQ(0, probe_stop(&p));
	EXPECT_EQ(0, pthread_attr_destroy(&a));
	EXPECT_EQ(QOS_CLASS_USER_INTERACTIVE, qos_class_self());
}

/*
 * has_no_class - @a reports no class, and a thread made with it gets none
 * (its creator has none) and runs SCHED_OTHER.  0, or which check failed.
 */
static int has_no_class(pthread_attr_t *a)
{
	qos_class_t q = 0x7777;
	struct probe p;
	int r, bad;

	if (pthread_attr_get_qos_class_np(a, &q, &r) || q != QOS_CLASS_UNSPECIFIED)
		return 1;
	if (probe_start(&p, a, NULL, NULL))
		return 2;
	bad = p.self != QOS_CLASS_UNSPECIFIED ? 3 : p.policy != SCHED_OTHER ? 4 : 0;
	return probe_stop(&p) ? 5 : bad;
}

TEST(destroy_and_init_forget_the_class)
{
	pthread_attr_t a;
	struct probe p;

	REQUIRE();
	ASSERT_EQ(0, pthread_attr_init(&a));
	ASSERT_EQ(0, pthread_attr_set_qos_class_np(&a, QOS_CLASS_BACKGROUND, 0));
	ASSERT_EQ(0, pthread_attr_destroy(&a));
	/* The same address, a new object: no class, and none applied. */
	ASSERT_EQ(0, pthread_attr_init(&a));
	EXPECT_EQ(0, has_no_class(&a));

	/* Initialised again without a destroy: the class goes too. */
	ASSERT_EQ(0, pthread_attr_set_qos_class_np(&a, QOS_CLASS_UTILITY, 0));
	ASSERT_EQ(0, pthread_attr_init(&a));
	EXPECT_EQ(0, has_no_class(&a));
	EXPECT_EQ(0, pthread_attr_destroy(&a));

	/* A NULL object is no object: the creator's own rules. */
	ASSERT_EQ(0, probe_start(&p, NULL, NULL, NULL));
	EXPECT_EQ(QOS_CLASS_UNSPECIFIED, p.self);
	EXPECT_EQ(0, probe_stop(&p));
}

#define CREATORS 4

struct creator {
	qos_class_t qos;
	int relpri, policy, rounds, bad;
};

/*
 * One object per creator, used for every thread it makes (several alive at
 * once), while the other creators set, destroy and re-init theirs.
 */
static void *creator_main(void *arg)
{
	struct creator *c = arg;
	struct probe p[4];
	pthread_attr_t a, scratch;
	int i, j;

	if (pthread_attr_init(&a) ||
	    pthread_attr_set_qos_class_np(&a, c->qos, c->relpri))
		return (void *)1;
	for (i = 0; i < c->rounds; i++) {
		for (j = 0; j < 4; j++)
			if (probe_start(&p[j], &a, NULL, NULL))
				return (void *)2;
		for (j = 0; j < 4; j++) {
			c->bad += p[j].self != c->qos || p[j].got != c->qos ||
				  p[j].got_relpri != c->relpri ||
				  p[j].policy != c->policy;
			c->bad += probe_stop(&p[j]) != 0;
		}
		/* Churn in the table beside the object in use. */
		if (pthread_attr_init(&scratch) ||
		    pthread_attr_set_qos_class_np(&scratch, QOS_CLASS_BACKGROUND, 0) ||
		    pthread_attr_destroy(&scratch))
			return (void *)3;
	}
	pthread_attr_destroy(&a);
	return NULL;
}

TEST(one_attr_many_threads_many_creators)
{
	static const struct creator kinds[CREATORS] = {
		{ QOS_CLASS_USER_INTERACTIVE, 0, SCHED_OTHER },
		{ QOS_CLASS_UTILITY, -3, SCHED_BATCH },
		{ QOS_CLASS_BACKGROUND, 0, SCHED_IDLE },
		{ QOS_CLASS_DEFAULT, -1, SCHED_OTHER },
	};
	struct creator c[CREATORS];
	pthread_t th[CREATORS];
	void *ret;
	int i;

	REQUIRE();
	for (i = 0; i < CREATORS; i++) {
		c[i] = kinds[i];
		c[i].rounds = mt_rounds(40, 2);
		ASSERT_EQ(0, pthread_create(&th[i], NULL, creator_main, &c[i]));
	}
	for (i = 0; i < CREATORS; i++) {
		ASSERT_EQ(0, pthread_join(th[i], &ret));
		EXPECT_EQ(NULL, ret);
		EXPECT_EQ(0, c[i].bad);
	}
}

TEST(table_is_bounded)
{
	enum { N = 300 };
	pthread_attr_t *a = calloc(N, sizeof(*a));
	qos_class_t q;
	int i, r, set = 0;

	ASSERT_NE(NULL, a);
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, pthread_attr_init(&a[i]));
		r = pthread_attr_set_qos_class_np(&a[i], QOS_CLASS_UTILITY, 0);
		if (r) {
			ASSERT_EQ(ENOMEM, r);
			break;
		}
		set++;
	}
	/* Bounded, and a full table evicts nobody. */
	ASSERT_LT(set, N);
	TH_LOG("%d objects with a class", set);
	for (i = 0; i < set; i++) {
		q = 0;
		ASSERT_EQ(0, pthread_attr_get_qos_class_np(&a[i], &q, &r));
		ASSERT_EQ(QOS_CLASS_UTILITY, q);
	}
	/* A destroyed one makes room. */
	ASSERT_EQ(0, pthread_attr_destroy(&a[0]));
	EXPECT_EQ(0, pthread_attr_set_qos_class_np(&a[set], QOS_CLASS_UTILITY, 0));
	EXPECT_EQ(ENOMEM, pthread_attr_set_qos_class_np(&a[set + 1], QOS_CLASS_UTILITY, 0));
	for (i = 1; i < N; i++)
		pthread_attr_destroy(&a[i]);
	free(a);
}

static volatile int churn_stop;

/* Set and destroy an object's class in a loop: the table's lock is busy. */
static void *churn_main(void *arg)
{
	pthread_attr_t a;

	while (!churn_stop) {
		if (pthread_attr_init(&a) ||
		    pthread_attr_set_qos_class_np(&a, QOS_CLASS_UTILITY, -1) ||
		    pthread_attr_destroy(&a))
			return (void *)1;
	}
	return NULL;
}

/*
 * fork() while other threads hold the table's lock now and then: the
 * child (one thread) uses the table at once and never finds the lock held.
 */
TEST(fork_while_the_table_is_busy)
{
	pthread_t th[2];
	int i, rounds = mt_rounds(400, 40), bad = 0;
	void *ret;

	churn_stop = 0;
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, churn_main, NULL));
	/* A child that finds the lock held hangs: its alarm ends the test. */
	for (i = 0; i < rounds && !bad; i++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (pid == 0) {
			pthread_attr_t a;
			qos_class_t q = 0;
			int r;

			alarm(10);
			_exit(pthread_attr_init(&a) ||
			      pthread_attr_set_qos_class_np(&a, QOS_CLASS_BACKGROUND, 0) ||
			      pthread_attr_get_qos_class_np(&a, &q, &r) ||
			      q != QOS_CLASS_BACKGROUND || pthread_attr_destroy(&a));
		}
		bad += mt_wait_exit(pid) != 0;
	}
	churn_stop = 1;
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, pthread_join(th[i], &ret));
		EXPECT_EQ(NULL, ret);
	}
	EXPECT_EQ(0, bad);
}

/*
 * The kernel refuses the new thread's class (a seccomp filter inherited
 * from its creator fails the QoS ioctl): pthread_create() still succeeds
 * and the start routine runs, at the creator's values.
 */
TEST(refused_class_still_runs_the_thread)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (__u32)MACHINA_IOC_THREAD_QOS, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };
	pthread_attr_t a;
	struct probe p;

	REQUIRE();
	if (getenv("MACHINA_TRAPS"))
		SKIP(return, "the trap path makes no ioctl");
	ASSERT_EQ(0, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		ASSERT_EQ(EINVAL, errno);
		SKIP(return, "no seccomp filters in this kernel (the debug kernels)");
	}
	/* The filter works: the caller's own class is refused. */
	ASSERT_NE(0, pthread_set_qos_class_self_np(QOS_CLASS_USER_INTERACTIVE, 0));
	ASSERT_EQ(0, pthread_attr_init(&a));
	ASSERT_EQ(0, pthread_attr_set_qos_class_np(&a, QOS_CLASS_USER_INTERACTIVE, 0));
	ASSERT_EQ(0, probe_start(&p, &a, NULL, NULL));
	EXPECT_EQ(1, p.ran);
	EXPECT_EQ(SCHED_OTHER, p.policy);
	EXPECT_EQ(0, p.nice);
	EXPECT_EQ(0, probe_stop(&p));
	EXPECT_EQ(0, pthread_attr_destroy(&a));
}

/* What a fork child's main thread reports, in one line to its parent. */
struct kid_report {
	qos_class_t self, main, got;
	int got_relpri, tier, tier_relpri, policy, nice;
};

static int kid_report_self(int fd)
{
	struct kid_report k = { 0 };
	integer_t info[THREAD_QOS_POLICY_COUNT] = { 0 };
	mach_msg_type_number_t count = THREAD_QOS_POLICY_COUNT;
	boolean_t dflt = FALSE;
	mach_port_t self;

	/* The first Mach call of the process: it takes the class here. */
	k.self = qos_class_self();
	k.main = qos_class_main();
	if (pthread_get_qos_class_np(pthread_self(), &k.got, &k.got_relpri))
		k.got = 0x7777;
	self = mach_thread_self();
	if (thread_policy_get(self, THREAD_QOS_POLICY, info, &count, &dflt))
		info[0] = -1;
	k.tier = info[0];
	k.tier_relpri = info[1];
	if (linux_sched(tid(), &k.policy, &k.nice))
		k.policy = -1;
	return write(fd, &k, sizeof(k)) == sizeof(k) ? 0 : 1;
}

struct forker {
	qos_class_t qos;
	int relpri;
	bool via_plain;		/* a child that never uses Mach forks the reporter */
	struct kid_report k;
	int policy, nice;	/* the forking thread's own */
	int err;
};

static void *forker_main(void *arg)
{
	struct forker *f = arg;
	int out[2];
	pid_t kid;

	f->err = 1;
	if (pthread_set_qos_class_self_np(f->qos, f->relpri) || pipe(out) ||
	    linux_sched(tid(), &f->policy, &f->nice))
		return NULL;
	kid = fork();
	if (kid < 0)
		return NULL;
	if (kid == 0) {
		pid_t grand;

		if (!f->via_plain)
			_exit(kid_report_self(out[1]));
		/* No Mach call here: the class goes on through its record. */
		grand = fork();
		if (grand == 0)
			_exit(kid_report_self(out[1]));
		_exit(grand < 0 || mt_wait_exit(grand) != 0);
	}
	close(out[1]);
	if (read(out[0], &f->k, sizeof(f->k)) == sizeof(f->k) && !mt_wait_exit(kid))
		f->err = 0;
	close(out[0]);
	return NULL;
}

static int fork_from_thread(struct forker *f)
{
	pthread_t th;

	if (pthread_create(&th, NULL, forker_main, f) || pthread_join(th, NULL))
		return -1;
	return f->err;
}

/*
 * The forking thread (not the main thread, which has no class) is UTILITY
 * -5: the child's main thread starts UTILITY -5 (libpthread's copied
 * thread-specific data reports that on Darwin), at the forking thread's
 * Linux values.
 */
TEST(fork_child_takes_the_forking_threads_class)
{
	struct forker f = { .qos = QOS_CLASS_UTILITY, .relpri = -5 };

	REQUIRE();
	ASSERT_EQ(0, fork_from_thread(&f));
	EXPECT_EQ(QOS_CLASS_UTILITY, f.k.self);
	/* The child's main thread is the one that forked. */
	EXPECT_EQ(QOS_CLASS_UTILITY, f.k.main);
	EXPECT_EQ(QOS_CLASS_UTILITY, f.k.got);
	EXPECT_EQ(-5, f.k.got_relpri);
	EXPECT_EQ(THREAD_QOS_UTILITY, f.k.tier);
	EXPECT_EQ(-5, f.k.tier_relpri);
	EXPECT_EQ(SCHED_BATCH, f.k.policy);
	EXPECT_EQ(f.policy, f.k.policy);
	EXPECT_EQ(f.nice, f.k.nice);
	EXPECT_EQ(QOS_CLASS_UNSPECIFIED, qos_class_self());

	f = (struct forker){ .qos = QOS_CLASS_USER_INITIATED, .relpri = 0 };
	ASSERT_EQ(0, fork_from_thread(&f));
	EXPECT_EQ(QOS_CLASS_USER_INITIATED, f.k.self);
	EXPECT_EQ(0, f.k.got_relpri);
	EXPECT_EQ(SCHED_OTHER, f.k.policy);
	EXPECT_EQ(-4, f.k.nice);
}

/* The same through a child that never used Mach and forks again. */
TEST(fork_class_passes_through_a_process_without_mach)
{
	struct forker f = { .qos = QOS_CLASS_UTILITY, .relpri = -2, .via_plain = true };

	REQUIRE();
	ASSERT_EQ(0, fork_from_thread(&f));
	EXPECT_EQ(QOS_CLASS_UTILITY, f.k.self);
	EXPECT_EQ(-2, f.k.got_relpri);
	EXPECT_EQ(THREAD_QOS_UTILITY, f.k.tier);
	EXPECT_EQ(SCHED_BATCH, f.k.policy);
	EXPECT_EQ(f.nice, f.k.nice);
}

TEST_HARNESS_MAIN
