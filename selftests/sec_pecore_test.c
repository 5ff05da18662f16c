// SPDX-License-Identifier: GPL-2.0
/*
 * Security review of P/E-core placement (branch pecore): attacks by an
 * unprivileged user (nobody) on the affinity Machina gives a thread for
 * its QoS class.  Meaningful only on an asymmetric boot (run-kernel.sh
 * --asym: CPUs of capacities 1024,1024,400,400); elsewhere placement is off
 * and each case skips.
 *
 *  - a cpuset shrink racing nobody's class changes: after the root parent
 *    shrinks the cpuset, nobody's thread must be inside the new cpuset;
 *  - the efficiency CPUs taken offline while nobody's BG threads are
 *    confined there (one running, one asleep): every thread keeps an online
 *    CPU, class changes and new threads still work, and once the CPUs are
 *    back BG confines again;
 *  - new threads made while another thread of the process flips the
 *    creator's effective class (the fork probe's snapshot reference against
 *    the override end that frees the snapshot): no new thread ever runs
 *    outside its creator's own user mask;
 *  - a class change Linux refuses (a time constraint without RLIMIT_RTPRIO)
 *    leaves the thread's CPUs as they were, as it leaves its class.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mach/mach.h>
#include <mach/thread_act.h>
#include <machina/machina.h>
#include <pthread/qos.h>
#include <sys/qos.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

/* ---- CPU masks as 64-bit words --------------------------------------------- */

/* Parse a kernel CPU list ("0-1,3") into a word; -1ULL when it is not one. */
static unsigned long long parse_list(const char *s)
{
	unsigned long long w = 0;
	long lo, hi;
	char *end;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (*s < '0' || *s > '9')
			return w;
		lo = strtol(s, &end, 10);
		hi = lo;
		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		if (lo < 0 || hi > 63 || lo > hi)
			return ~0ULL;
		while (lo <= hi)
			w |= 1ULL << lo++;
		s = end;
	}
}

/* Cpus_allowed_list of thread @tid of process @pid; ~0ULL if unreadable. */
static unsigned long long cpus_of(pid_t pid, pid_t tid)
{
	char path[96], line[512];
	unsigned long long w = ~0ULL;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	f = fopen(path, "r");
	if (!f)
		return ~0ULL;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Cpus_allowed_list:", 18))
			w = parse_list(line + 18);
	fclose(f);
	return w;
}

static unsigned long long my_cpus(void)
{
	return cpus_of(getpid(), gettid());
}

/* The online CPUs (sysfs); ~0ULL if unreadable. */
static unsigned long long online_cpus(void)
{
	char buf[256] = "";
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");

	if (!f)
		return ~0ULL;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return parse_list(buf);
}

static int write_list(const char *path, unsigned long long w)
{
	char buf[256];
	size_t off = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < 64; i++)
		if (w >> i & 1)
			off += snprintf(buf + off, sizeof(buf) - off, "%s%d",
					off ? "," : "", i);
	return mt_write_file(path, buf);
}

/* ---- the machine ----------------------------------------------------------- */

static int ncpu;
static unsigned long long all_cpus, eff;	/* eff: below 3/4 of the top capacity */

/* 1 when the boot is asymmetric and Machina places threads; 0 otherwise. */
static int asymmetric(void)
{
	long cap[64], top = 0;
	char path[96];
	int i;

	ncpu = sysconf(_SC_NPROCESSORS_CONF);
	if (ncpu < 2 || ncpu > 64)
		return 0;
	all_cpus = ncpu == 64 ? ~0ULL : (1ULL << ncpu) - 1;
	for (i = 0; i < ncpu; i++) {
		FILE *f;
		int ok;

		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%d/cpu_capacity", i);
		f = fopen(path, "r");
		if (!f)
			return 0;
		ok = fscanf(f, "%ld", &cap[i]) == 1;
		fclose(f);
		if (!ok)
			return 0;
		if (cap[i] > top)
			top = cap[i];
	}
	eff = 0;
	for (i = 0; i < ncpu; i++)
		if (cap[i] * 4 < top * 3)
			eff |= 1ULL << i;
	return eff != 0;
}

static int lowest(unsigned long long w)
{
	return w ? __builtin_ctzll(w) : -1;
}

static int to_class(qos_class_t c)
{
	return pthread_set_qos_class_self_np(c, 0);
}

/* Nobody, still dumpable so that its /proc status stays readable. */
static int drop_to_nobody(void)
{
	return mt_become_nobody() || prctl(PR_SET_DUMPABLE, 1) ? -1 : 0;
}

/* A cgroup v2 group with the cpuset controller; NULL or why not. */
static const char *cpuset_group(const char *path)
{
	if (access(MT_CG_ROOT "/cgroup.controllers", F_OK)) {
		mkdir(MT_CG_ROOT, 0755);
		if (mount("none", MT_CG_ROOT, "cgroup2", 0, NULL))
			return "no cgroup2";
	}
	if (mt_write_file(MT_CG_ROOT "/cgroup.subtree_control", "+cpuset"))
		return "no cpuset controller on cgroup2";
	rmdir(path);
	if (mkdir(path, 0755))
		return "cannot make a cgroup";
	return NULL;
}

/* ---- 1: a cpuset shrink racing class changes ------------------------------- */

#define RACE_CG MT_CG_ROOT "/mt_sec_pecore"

/* The child: nobody, flipping BG/DEFAULT until *stop (a shared page). */
static int flipper(atomic_int *stop)
{
	if (drop_to_nobody())
		return 99;
	while (!atomic_load(stop)) {
		if (to_class(QOS_CLASS_BACKGROUND) || to_class(QOS_CLASS_DEFAULT))
			return 1;
	}
	return 0;
}

/* Whether nobody's thread @pid runs outside @cpus; *seen: what it has. */
static int outside(pid_t pid, unsigned long long cpus, unsigned long long *seen)
{
	*seen = cpus_of(pid, pid);
	return *seen != ~0ULL && (*seen & ~cpus);
}

TEST(cpuset_shrink_racing_class_changes_is_not_left)
{
	unsigned long long wide, narrow, seen = 0, first = 0;
	int rounds, i, escaped = 0, kept = 0, failed = 0;
	struct timespec t = { 0, 0 };
	const char *why;
	atomic_int *stop;
	char buf[32];
	pid_t pid;

	IPC_REQUIRE();
	ASSERT_EQ(0, getuid());
	if (!asymmetric())
		SKIP(return, "symmetric CPUs: no placement");
	/* {P, E} shrunk to {P}: only the performance CPU stays. */
	narrow = 1ULL << lowest(all_cpus & ~eff);
	wide = narrow | 1ULL << (63 - __builtin_clzll(eff));
	why = cpuset_group(RACE_CG);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, write_list(RACE_CG "/cpuset.cpus", wide));
	stop = mmap(NULL, sizeof(*stop), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, stop);
	atomic_store(stop, 0);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		die_with_parent();
		_exit(flipper(stop));
	}
	snprintf(buf, sizeof(buf), "%d", pid);
	EXPECT_EQ(0, mt_write_file(RACE_CG "/cgroup.procs", buf));
	rounds = mt_rounds(400, 40);
	for (i = 0; i < rounds; i++) {
		/* The wide cpuset puts every task of it back on {P, E}. */
		if (write_list(RACE_CG "/cpuset.cpus", wide)) {
			failed = 1;
			break;
		}
		t.tv_nsec = 1000000;
		nanosleep(&t, NULL);
		if (write_list(RACE_CG "/cpuset.cpus", narrow)) {
			failed = 1;
			break;
		}
		t.tv_nsec = 3000000;
		nanosleep(&t, NULL);
		if (!outside(pid, narrow, &seen))
			continue;
		if (!escaped++)
			first = seen;
		/* Many class changes later: still outside? */
		t.tv_nsec = 50000000;
		nanosleep(&t, NULL);
		kept += outside(pid, narrow, &seen);
	}
	atomic_store(stop, 1);
	EXPECT_EQ(0, failed) TH_LOG("a cpuset write failed in round %d", i);
	EXPECT_EQ(0, mt_wait_exit(pid));
	EXPECT_EQ(0, escaped)
		TH_LOG("%d of %d shrinks to {%#llx} left nobody's thread outside (first on {%#llx}); %d still outside 50 ms of class changes later",
		       escaped, rounds, narrow, first, kept);
	rmdir(RACE_CG);
	munmap(stop, sizeof(*stop));
}

/* ---- 2: the efficiency CPUs go offline under confined threads -------------- */

static int set_online(unsigned long long cpus, int on)
{
	char path[96];
	int i, err = 0;

	for (i = 0; i < 64; i++) {
		if (!(cpus >> i & 1))
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", i);
		if (mt_write_file(path, on ? "1" : "0"))
			err = -1;
	}
	return err;
}

/* A thread's mask is usable: not empty and with an online CPU. */
static int usable(unsigned long long m)
{
	unsigned long long on = online_cpus();

	return m != ~0ULL && m && (m & on);
}

struct sleeper {
	int fd;				/* blocks in read() on it */
	unsigned long long before, after;
	int rc;
};

static void *sleeper(void *arg)
{
	struct sleeper *s = arg;
	char c;

	if (to_class(QOS_CLASS_BACKGROUND)) {
		s->rc = 1;
		return NULL;
	}
	s->before = my_cpus();
	if (read(s->fd, &c, 1) != 1) {
		s->rc = 2;
		return NULL;
	}
	/* Woken after its only CPUs went away: Linux's fallback. */
	s->after = my_cpus();
	s->rc = usable(s->after) ? 0 : 3;
	if (!s->rc && (to_class(QOS_CLASS_DEFAULT) || !usable(my_cpus())))
		s->rc = 4;
	return NULL;
}

static void *new_thread(void *arg)
{
	int *rc = arg;

	*rc = usable(my_cpus()) && !to_class(QOS_CLASS_DEFAULT) &&
	      usable(my_cpus()) ? 0 : 1;
	return NULL;
}

/* The nobody child; @go/@done: the parent's phases. */
static int hotplug_child(int go, int done)
{
	struct sleeper s = { 0 };
	int wake[2], rc = 0, nrc = -1, i;
	pthread_t st, nt;
	char c;

	if (drop_to_nobody() || pipe(wake))
		return 99;
	s.fd = wake[0];
	if (pthread_create(&st, NULL, sleeper, &s))
		return 98;
	if (to_class(QOS_CLASS_BACKGROUND) || my_cpus() != eff)
		return 10;
	usleep(100000);
	if (s.rc || s.before != eff)
		return 11;
	/* Phase 1: the parent takes the efficiency CPUs away. */
	if (write(done, "x", 1) != 1 || read(go, &c, 1) != 1)
		return 97;
	if (!usable(my_cpus()))
		return 20;
	for (i = 0; i < 3; i++) {
		static const qos_class_t seq[] = { QOS_CLASS_DEFAULT,
			QOS_CLASS_BACKGROUND, QOS_CLASS_UTILITY };

		if (to_class(seq[i]) || !usable(my_cpus()))
			return 21 + i;
	}
	if (to_class(QOS_CLASS_BACKGROUND) || !usable(my_cpus()))
		return 24;
	/* A BG thread's new thread while its efficiency CPUs are gone. */
	if (pthread_create(&nt, NULL, new_thread, &nrc) || pthread_join(nt, NULL) || nrc)
		return 25;
	if (write(wake[1], "w", 1) != 1 || pthread_join(st, NULL))
		return 26;
	if (s.rc)
		return 30 + s.rc;
	/* Phase 2: the CPUs are back; BG confines again, DEFAULT widens. */
	if (write(done, "x", 1) != 1 || read(go, &c, 1) != 1)
		return 97;
	if (to_class(QOS_CLASS_DEFAULT) || !usable(my_cpus()))
		return 40;
	if (to_class(QOS_CLASS_BACKGROUND))
		return 41;
	if (!(my_cpus() & eff) || my_cpus() & ~eff)
		return 42;
	if (to_class(QOS_CLASS_DEFAULT) || !(my_cpus() & ~eff))
		return 43;
	return rc;
}

TEST(efficiency_cpus_offline_under_confined_threads)
{
	int go, done, rc;
	unsigned long long on;
	char c;
	pid_t pid;

	IPC_REQUIRE();
	ASSERT_EQ(0, getuid());
	if (!asymmetric())
		SKIP(return, "symmetric CPUs: no placement");
	on = online_cpus();
	if (on != all_cpus)
		SKIP(return, "not every CPU is online (%#llx)", on);
	pid = mt_fork_pipes(&go, &done);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		alarm(120);
		_exit(hotplug_child(go, done));
	}
	if (read(done, &c, 1) == 1) {
		rc = set_online(eff, 0);
		if (rc)
			TH_LOG("cannot take CPUs %#llx offline: no hotplug here", eff);
		EXPECT_EQ(1, write(go, "g", 1));
		if (read(done, &c, 1) == 1) {
			EXPECT_EQ(0, set_online(eff, 1));
			EXPECT_EQ(1, write(go, "g", 1));
		}
	}
	close(go);
	close(done);
	EXPECT_EQ(0, mt_wait_exit(pid));
	set_online(eff, 1);
	EXPECT_EQ(all_cpus, online_cpus());
}

/* ---- 3: new threads while the creator's class flips ------------------------ */

struct churn {
	atomic_int stop;
	pthread_t creator;
	unsigned long long user;	/* the creator's own mask */
	atomic_int bad;
	atomic_ullong bad_mask;
};

static void note_bad(struct churn *c, unsigned long long m)
{
	atomic_store(&c->bad_mask, m);
	atomic_fetch_add(&c->bad, 1);
}

/* Another thread flips the creator's effective class: a UI override on and off. */
static void *flip_creator(void *arg)
{
	struct churn *c = arg;
	pthread_override_t o;

	while (!atomic_load(&c->stop)) {
		o = pthread_override_qos_class_start_np(c->creator,
							QOS_CLASS_USER_INTERACTIVE, 0);
		if (!o) {
			note_bad(c, 0);
			break;
		}
		pthread_override_qos_class_end_np(o);
	}
	return NULL;
}

static void *child_thread(void *arg)
{
	struct churn *c = arg;
	unsigned long long m = my_cpus();

	if (!usable(m) || m & ~c->user)
		note_bad(c, m);
	to_class(QOS_CLASS_DEFAULT);
	m = my_cpus();
	if (!usable(m) || m & ~c->user)
		note_bad(c, m);
	return NULL;
}

static int churn_child(void)
{
	static struct churn c;
	int rounds, i;
	pthread_t f, t;

	if (drop_to_nobody())
		return 99;
	c.user = my_cpus();
	c.creator = pthread_self();
	if (!usable(c.user) || to_class(QOS_CLASS_BACKGROUND))
		return 1;
	if (pthread_create(&f, NULL, flip_creator, &c))
		return 2;
	rounds = mt_rounds(2000, 200);
	for (i = 0; i < rounds; i++) {
		if (pthread_create(&t, NULL, child_thread, &c) || pthread_join(t, NULL))
			break;
	}
	atomic_store(&c.stop, 1);
	pthread_join(f, NULL);
	if (i != rounds)
		return 3;
	if (atomic_load(&c.bad)) {
		fprintf(stderr, "# %d threads outside %#llx (last %#llx)\n",
			atomic_load(&c.bad), c.user, atomic_load(&c.bad_mask));
		return 4;
	}
	/* Back to DEFAULT: the creator gets its own mask again. */
	if (to_class(QOS_CLASS_DEFAULT) || my_cpus() != c.user ||
	    my_cpus() & ~c.user || !usable(my_cpus()))
		return 5;
	return 0;
}

TEST(new_threads_while_the_creators_class_flips)
{
	pid_t pid;

	IPC_REQUIRE();
	if (!asymmetric())
		SKIP(return, "symmetric CPUs: no placement");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		cpu_set_t s;
		int i;

		die_with_parent();
		/* A user mask with a P and an E CPU, not every CPU. */
		CPU_ZERO(&s);
		CPU_SET(lowest(all_cpus & ~eff), &s);
		for (i = 63; i >= 0; i--)
			if (eff >> i & 1)
				break;
		CPU_SET(i, &s);
		if (sched_setaffinity(0, sizeof(s), &s))
			_exit(97);
		_exit(churn_child());
	}
	EXPECT_EQ(0, mt_wait_exit(pid));
}

/* ---- 4: a refused class change leaves the placement as it was -------------- */

/*
 * Nobody, RLIMIT_RTPRIO 0, BG on the efficiency CPUs: a time constraint is
 * refused (KERN_FAILURE, "nothing changed"); the thread must still be BG
 * and on the efficiency CPUs, not on every CPU with a BG class.
 */
static int refused_child(void)
{
	thread_time_constraint_policy_data_t tc = { 10000000, 1000000, 2000000, TRUE };
	struct rlimit none = { 0, 0 };
	kern_return_t kr;

	if (setrlimit(RLIMIT_RTPRIO, &none) || drop_to_nobody())
		return 99;
	if (to_class(QOS_CLASS_BACKGROUND) || my_cpus() != eff)
		return 1;
	kr = thread_policy_set(mach_thread_self(), THREAD_TIME_CONSTRAINT_POLICY,
			       (thread_policy_t)&tc, THREAD_TIME_CONSTRAINT_POLICY_COUNT);
	if (kr != KERN_FAILURE)
		return 2;
	if (qos_class_self() != QOS_CLASS_BACKGROUND)
		return 3;
	if (my_cpus() != eff) {
		fprintf(stderr, "# BG after a refused change, on %#llx (BG gives %#llx)\n",
			my_cpus(), eff);
		return 4;
	}
	return 0;
}

TEST(a_refused_class_change_keeps_the_placement)
{
	pid_t pid;

	IPC_REQUIRE();
	ASSERT_EQ(0, getuid());
	if (!asymmetric())
		SKIP(return, "symmetric CPUs: no placement");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		die_with_parent();
		_exit(refused_child());
	}
	EXPECT_EQ(0, mt_wait_exit(pid));
}

TEST_HARNESS_MAIN
