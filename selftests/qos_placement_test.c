// SPDX-License-Identifier: GPL-2.0
/*
 * QoS placement on performance/efficiency CPUs: the CPUs each class gives a
 * thread, read back from Cpus_allowed_list in /proc/.../task/TID/status.
 *
 * The efficiency CPUs are the ones whose sysfs cpu_capacity is below 3/4 of
 * the largest (the module's split).  On an asymmetric machine BG and MT
 * threads get the efficiency CPUs of their user mask (the mask itself if it
 * has none) and every other class the user mask; on a symmetric one (or
 * without capacity information) every class leaves the mask untouched.  A
 * boot of run-kernel.sh --asym (machina_asym on the command line) must show
 * the 1024,1024,400,400 topology, so these tests cannot pass there by
 * finding a symmetric machine.  Also: the owner's sched_setaffinity() and a
 * cpuset change are adopted, overrides and thread_policy_set move the
 * thread back, new threads inherit the placement and get the user mask back,
 * a message never narrows a thread without a class, a port of the same
 * user places the thread, another user's cannot, and a thread in a cpuset
 * never leaves it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mach/mach.h>
#include <mach/thread_act.h>
#include <machina/machina.h>
#include <pthread/qos.h>
#include <sys/qos.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

#define QOS_CLASS_MAINTENANCE_PRIVATE ((qos_class_t)0x05)


/* Cpus_allowed_list of thread @t of process @pid (0: this one) into @set. */
static int allowed_of(pid_t pid, pid_t t, cpu_set_t *set)
{
	char path[96], line[512], *p;
	FILE *f;
	int ok = -1;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid ? pid : getpid(), t);
	f = fopen(path, "r");
	if (!f)
		return -1;
	CPU_ZERO(set);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Cpus_allowed_list:", 18))
			continue;
		p = line + 18;
		for (;;) {
			long a, b;
			char *e;

			while (*p == ' ' || *p == '\t' || *p == ',')
				p++;
			if (*p < '0' || *p > '9')
				break;
			a = strtol(p, &e, 10);
			b = a;
			if (*e == '-')
				b = strtol(e + 1, &e, 10);
			for (; a <= b; a++)
				CPU_SET(a, set);
			p = e;
		}
		ok = 0;
	}
	fclose(f);
	return ok;
}

static int my_allowed(cpu_set_t *set)
{
	return allowed_of(0, gettid(), set);
}

/* A set from a bit mask of CPUs 0..63. */
static cpu_set_t set_of(unsigned long long bits)
{
	cpu_set_t s;
	int i;

	CPU_ZERO(&s);
	for (i = 0; i < 64; i++)
		if (bits >> i & 1)
			CPU_SET(i, &s);
	return s;
}

static unsigned long long bits_of(const cpu_set_t *s)
{
	unsigned long long b = 0;
	int i;

	for (i = 0; i < 64; i++)
		if (CPU_ISSET(i, s))
			b |= 1ULL << i;
	return b;
}

/* ---- topology ------------------------------------------------------------ */

static int ncpus;
static unsigned long long efficiency;	/* CPUs below 3/4 of the largest capacity */
static int have_capacity;

static void read_topology(void)
{
	long cap[64], top = 0;
	char path[80];
	int i;

	ncpus = sysconf(_SC_NPROCESSORS_CONF);
	if (ncpus > 64)
		ncpus = 64;
	efficiency = 0;
	have_capacity = 1;
	for (i = 0; i < ncpus; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cpu_capacity", i);
		f = fopen(path, "r");
		if (!f || fscanf(f, "%ld", &cap[i]) != 1)
			have_capacity = 0;
		if (f)
			fclose(f);
		if (!have_capacity)
			return;
		if (cap[i] > top)
			top = cap[i];
	}
	for (i = 0; i < ncpus; i++)
		if (cap[i] * 4 < top * 3)
			efficiency |= 1ULL << i;
}

static int asym_boot(void)
{
	char line[1024] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		fclose(f);
	}
	return strstr(line, "machina_asym") != NULL;
}

/* What a BG/MT thread with user mask @user gets. */
static unsigned long long confined(unsigned long long user)
{
	return user & efficiency ? user & efficiency : user;
}

static int set_class(qos_class_t c)
{
	return pthread_set_qos_class_self_np(c, 0);
}

static unsigned long long mine(void)
{
	cpu_set_t s;

	return my_allowed(&s) ? ~0ULL : bits_of(&s);
}

static int set_affinity(unsigned long long bits)
{
	cpu_set_t s = set_of(bits);

	return sched_setaffinity(0, sizeof(s), &s);
}

/* The lowest performance CPU and the highest efficiency CPU (or CPU 0). */
static int p_cpu(void)
{
	int i;

	for (i = 0; i < ncpus; i++)
		if (!(efficiency >> i & 1))
			return i;
	return 0;
}

static int e_cpu(void)
{
	int i;

	for (i = ncpus - 1; i >= 0; i--)
		if (efficiency >> i & 1)
			return i;
	return 0;
}

/* Read the topology, note the user mask, go BG and check the CPUs it gives. */
static unsigned long long go_background(struct __test_metadata *_metadata)
{
	unsigned long long user;

	read_topology();
	user = mine();
	ASSERT_NE(~0ULL, user);
	ASSERT_EQ(0, set_class(QOS_CLASS_BACKGROUND));
	EXPECT_EQ(confined(user), mine());
	return user;
}

TEST(topology_is_what_the_boot_promised)
{
	read_topology();
	if (asym_boot()) {
		/* run-kernel.sh --asym: 1024, 1024, 400, 400. */
		ASSERT_TRUE(have_capacity);
		ASSERT_EQ(4, ncpus);
		ASSERT_EQ(0xcULL, efficiency);
		return;
	}
	if (!have_capacity)
		SKIP(return, "no cpu_capacity in sysfs: a machine without capacities");
	TH_LOG("capacities read; efficiency CPUs %#llx", efficiency);
}

TEST(each_class_gets_its_cpus)
{
	static const struct {
		qos_class_t c;
		int bg;
	} order[] = {
		{ QOS_CLASS_USER_INTERACTIVE, 0 }, { QOS_CLASS_BACKGROUND, 1 },
		{ QOS_CLASS_USER_INITIATED, 0 }, { QOS_CLASS_MAINTENANCE_PRIVATE, 1 },
		{ QOS_CLASS_DEFAULT, 0 }, { QOS_CLASS_BACKGROUND, 1 },
		{ QOS_CLASS_UTILITY, 0 }, { QOS_CLASS_BACKGROUND, 1 },
		{ QOS_CLASS_DEFAULT, 0 },
	};
	unsigned long long user;
	size_t i;

	IPC_REQUIRE();
	read_topology();
	user = mine();
	ASSERT_NE(~0ULL, user);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		ASSERT_EQ(0, set_class(order[i].c));
		EXPECT_EQ(order[i].bg ? confined(user) : user, mine())
			TH_LOG("class %#x", order[i].c);
	}
}

TEST(within_the_users_own_affinity)
{
	unsigned long long one_of_each, p_only;

	IPC_REQUIRE();
	read_topology();
	one_of_each = 1ULL << p_cpu() | 1ULL << e_cpu();
	ASSERT_EQ(0, set_affinity(one_of_each));
	ASSERT_EQ(0, set_class(QOS_CLASS_BACKGROUND));
	EXPECT_EQ(confined(one_of_each), mine());
	ASSERT_EQ(0, set_class(QOS_CLASS_DEFAULT));
	EXPECT_EQ(one_of_each, mine());
	/* A user mask without an efficiency CPU stays as it is. */
	p_only = 1ULL << p_cpu();
	ASSERT_EQ(0, set_affinity(p_only));
	ASSERT_EQ(0, set_class(QOS_CLASS_BACKGROUND));
	EXPECT_EQ(p_only, mine());
	ASSERT_EQ(0, set_class(QOS_CLASS_USER_INTERACTIVE));
	EXPECT_EQ(p_only, mine());
}

TEST(owners_later_affinity_is_adopted)
{
	unsigned long long later;

	IPC_REQUIRE();
	go_background(_metadata);
	/* The owner moves the BG thread: Linux applies it as given. */
	later = 1ULL << e_cpu() | (ncpus > 1 ? 1ULL << (p_cpu() == 1 ? 0 : 1) : 0);
	ASSERT_EQ(0, set_affinity(later));
	EXPECT_EQ(later, mine());
	/* Leaving BG gives back the new mask, not the one before it. */
	ASSERT_EQ(0, set_class(QOS_CLASS_UTILITY));
	EXPECT_EQ(later, mine());
	ASSERT_EQ(0, set_class(QOS_CLASS_BACKGROUND));
	EXPECT_EQ(confined(later), mine());
	ASSERT_EQ(0, set_class(QOS_CLASS_DEFAULT));
	EXPECT_EQ(later, mine());
}

TEST(overrides_and_thread_policy_move_it_back)
{
	pthread_override_t o;
	unsigned long long user;

	IPC_REQUIRE();
	user = go_background(_metadata);
	o = pthread_override_qos_class_start_np(pthread_self(), QOS_CLASS_USER_INTERACTIVE, 0);
	ASSERT_TRUE(o != NULL);
	EXPECT_EQ(user, mine());
	ASSERT_EQ(0, pthread_override_qos_class_end_np(o));
	EXPECT_EQ(confined(user), mine());
	/* Any thread_policy_set removes the QoS class (Darwin): the user mask. */
	ASSERT_EQ(KERN_SUCCESS,
		  thread_policy_set(mach_thread_self(), THREAD_STANDARD_POLICY, NULL, 0));
	EXPECT_EQ(user, mine());
}

struct child_view {
	unsigned long long at_start, after_default;
};

static void *inheriting_thread(void *arg)
{
	struct child_view *v = arg;

	v->at_start = mine();
	if (set_class(QOS_CLASS_DEFAULT))
		v->after_default = ~0ULL;
	else
		v->after_default = mine();
	return NULL;
}

TEST(new_threads_inherit_and_get_the_user_mask_back)
{
	struct child_view v = { 0, 0 };
	unsigned long long user;
	pthread_t th;

	IPC_REQUIRE();
	user = go_background(_metadata);
	ASSERT_EQ(0, pthread_create(&th, NULL, inheriting_thread, &v));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(confined(user), v.at_start);
	EXPECT_EQ(user, v.after_default);
	EXPECT_EQ(confined(user), mine());
}

/*
 * A message only ever raises its receiver: a BACKGROUND request to a
 * thread without a class of its own leaves it on its user mask (and out
 * of SCHED_IDLE) while it holds the request; a thread with a class is
 * confined by its own BG, and a DEFAULT request takes it off the
 * efficiency CPUs until it receives again.
 */
TEST(a_message_never_narrows_a_thread_without_a_class)
{
	mach_port_t port = new_port_send();
	unsigned long long user;
	rcv_buf_t buf;
	pid_t bg, def;

	IPC_REQUIRE();
	read_topology();
	user = mine();
	ASSERT_NE(~0ULL, user);
	bg = ipc_class_client(port, 0, 2);
	ASSERT_LT(0, bg);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_msg(port, &buf, sizeof(buf), 0, 0));
	EXPECT_EQ(user, mine());
	EXPECT_EQ(SCHED_OTHER, sched_getscheduler(0));
	ASSERT_EQ(0, set_class(QOS_CLASS_BACKGROUND));
	EXPECT_EQ(confined(user), mine());
	def = ipc_class_client(port, 0, 4);
	ASSERT_LT(0, def);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_msg(port, &buf, sizeof(buf), 0, 0));
	EXPECT_EQ(user, mine());
	kill(bg, SIGKILL);
	kill(def, SIGKILL);
	waitpid(bg, NULL, 0);
	waitpid(def, NULL, 0);
}

/* ---- through ports, other users, cpusets ----------------------------------- */

static int share_fd = -1;

/* Nobody, still able to read its own /proc/self/task/TID/status. */
static int become_nobody(void)
{
	if (mt_become_nobody())
		return -1;
	return prctl(PR_SET_DUMPABLE, 1);
}

/* Any thread_policy_set on the thread the descriptor names; its result. */
static int standard_policy_through_port(void)
{
	mach_port_t t = port_meet_child(share_fd);

	if (!t)
		return 100;
	return thread_policy_set(t, THREAD_STANDARD_POLICY, NULL, 0);
}

/* Fork a child (nobody if @nobody) that runs standard_policy_through_port. */
static int port_child(int nobody)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		die_with_parent();
		if (nobody && become_nobody())
			_exit(99);
		_exit(standard_policy_through_port());
	}
	close(share_fd);
	return mt_wait_exit(pid);
}

TEST(same_user_places_a_thread_through_its_port)
{
	unsigned long long user;

	IPC_REQUIRE();
	user = go_background(_metadata);
	ASSERT_EQ(KERN_SUCCESS, port_share(mach_thread_self(), &share_fd));
	EXPECT_EQ(KERN_SUCCESS, port_child(0));
	EXPECT_EQ(user, mine());
}

TEST(another_user_cannot_place_a_thread)
{
	unsigned long long user;

	IPC_REQUIRE();
	ASSERT_EQ(0, getuid());
	user = go_background(_metadata);
	ASSERT_EQ(KERN_SUCCESS, port_share(mach_thread_self(), &share_fd));
	EXPECT_EQ(KERN_PROTECTION_FAILURE, port_child(1));
	EXPECT_EQ(confined(user), mine());
	EXPECT_EQ(QOS_CLASS_BACKGROUND, qos_class_self());
}

#define CG MT_CG_ROOT

static int cpus_list(unsigned long long bits, char *buf, size_t n)
{
	size_t off = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < 64 && off < n; i++)
		if (bits >> i & 1)
			off += snprintf(buf + off, n - off, "%s%d", off ? "," : "", i);
	return 0;
}

/* Check the child's CPUs after each class of @steps; the step that failed. */
struct step {
	qos_class_t c;
	unsigned long long want;
};

static int run_steps(const struct step *steps, int n, int base)
{
	int i;

	for (i = 0; i < n; i++)
		if (set_class(steps[i].c) || mine() != steps[i].want)
			return base + i;
	return 0;
}

/* Wait for the parent's go (after telling it the last phase is done). */
static int next_phase(int go, int done)
{
	char c;

	return write(done, "x", 1) == 1 && read(go, &c, 1) == 1 ? 0 : -1;
}

/*
 * The child, as nobody, in cpuset a = {P, E}; the parent moves it to
 * b = {E} while it is BG, then back to a, then shrinks a to {P} while it is
 * BG.  A thread of a cpuset below the root is never placed (the cpuset's
 * races cannot be closed from a module: sched_placement.c), so its CPUs
 * are always the cpuset's, whatever its class.
 */
static int cpuset_child(int go, int done, unsigned long long p, unsigned long long e)
{
	/* Threads of a cpuset below the root are never placed. */
	const struct step in_a[] = {
		{ QOS_CLASS_BACKGROUND, p | e }, { QOS_CLASS_DEFAULT, p | e },
		{ QOS_CLASS_BACKGROUND, p | e },
	};
	const struct step in_b[] = {
		{ QOS_CLASS_USER_INITIATED, e }, { QOS_CLASS_BACKGROUND, e },
		{ QOS_CLASS_DEFAULT, e }, { QOS_CLASS_BACKGROUND, e },
	};
	const struct step shrunk[] = {
		{ QOS_CLASS_USER_INITIATED, p }, { QOS_CLASS_BACKGROUND, p },
		{ QOS_CLASS_DEFAULT, p },
	};
	char c;
	int rc;

	if (read(go, &c, 1) != 1 || become_nobody())
		return 99;
	/* Asking for every CPU gets the cpuset's (Linux). */
	if (set_affinity(~0ULL >> (64 - ncpus)) || mine() != (p | e))
		return 1;
	rc = run_steps(in_a, 3, 10);
	if (rc || next_phase(go, done))
		return rc ? rc : 98;
	rc = run_steps(in_b, 4, 20);
	if (rc || next_phase(go, done))
		return rc ? rc : 98;
	/* Back in a: Linux gave it a's CPUs. */
	if (mine() != (p | e) || set_class(QOS_CLASS_BACKGROUND) || mine() != (p | e))
		return 30;
	if (next_phase(go, done))
		return 98;
	if (mine() != p)
		return 31;
	return run_steps(shrunk, 3, 40);
}

static void cpuset_write(struct __test_metadata *_metadata, const char *group,
			 const char *file, unsigned long long cpus_or_pid, int is_pid)
{
	char path[128], buf[256];

	snprintf(path, sizeof(path), "%s/%s/%s", CG, group, file);
	if (is_pid)
		snprintf(buf, sizeof(buf), "%llu", cpus_or_pid);
	else
		cpus_list(cpus_or_pid, buf, sizeof(buf));
	EXPECT_EQ(0, mt_write_file(path, buf)) TH_LOG("%s <- %s", path, buf);
}

TEST(a_cpuset_is_never_left)
{
	unsigned long long p, e;
	int go, done;
	char c;
	pid_t pid;

	IPC_REQUIRE();
	ASSERT_EQ(0, getuid());
	read_topology();
	/* A performance and an efficiency CPU (CPU 0 twice when symmetric). */
	p = 1ULL << p_cpu();
	e = 1ULL << e_cpu();
	if (access(CG "/cgroup.controllers", F_OK) &&
	    mount("none", CG, "cgroup2", 0, NULL))
		SKIP(return, "no cgroup2 (%s)", strerror(errno));
	if (mt_write_file(CG "/cgroup.subtree_control", "+cpuset"))
		SKIP(return, "cpuset controller not available on cgroup2");
	rmdir(CG "/mt_placement_a");
	rmdir(CG "/mt_placement_b");
	ASSERT_EQ(0, mkdir(CG "/mt_placement_a", 0755));
	ASSERT_EQ(0, mkdir(CG "/mt_placement_b", 0755));
	cpuset_write(_metadata, "mt_placement_a", "cpuset.cpus", p | e, 0);
	cpuset_write(_metadata, "mt_placement_b", "cpuset.cpus", e, 0);
	pid = mt_fork_pipes(&go, &done);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(cpuset_child(go, done, p, e));
	cpuset_write(_metadata, "mt_placement_a", "cgroup.procs", pid, 1);
	if (write(go, "g", 1) == 1 && read(done, &c, 1) == 1) {
		cpuset_write(_metadata, "mt_placement_b", "cgroup.procs", pid, 1);
		if (write(go, "g", 1) == 1 && read(done, &c, 1) == 1) {
			cpuset_write(_metadata, "mt_placement_a", "cgroup.procs", pid, 1);
			if (write(go, "g", 1) == 1 && read(done, &c, 1) == 1) {
				cpuset_write(_metadata, "mt_placement_a", "cpuset.cpus", p, 0);
				EXPECT_EQ(1, write(go, "g", 1));
			}
		}
	}
	close(go);
	close(done);
	EXPECT_EQ(0, mt_wait_exit(pid));
	rmdir(CG "/mt_placement_a");
	rmdir(CG "/mt_placement_b");
}

TEST_HARNESS_MAIN
