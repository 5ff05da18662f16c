// SPDX-License-Identifier: GPL-2.0
/*
 * Attacks on mach_vm_behavior_set as user nobody.
 *
 * willneed_on_an_exited_target_stays_in_the_cgroup: a WILLNEED on another
 * task's memory holds the target's mm for the whole call.  When the target
 * exits meanwhile, its mm has no owner any more (mm_update_next_owner()
 * finds no task using it), and the kernel's get_mem_cgroup_from_mm() then
 * answers the root group: every page the rest of the call faults in was
 * charged to nobody's cgroup-free root, past memory.max.  The attacker
 * (nobody, in a 32 MiB group) starts a WILLNEED over a 1 GiB read-only
 * anonymous reservation followed by 192 MiB of untouched Mach VM memory of
 * its child, and kills the child while the zero-page part runs.  The call
 * must not succeed with all 192 MiB faulted in (and the guest's available
 * memory must not drop by more than the group allows).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vm_test.h"

/*
 * The Linux memory WILLNEED goes through first: long enough that the
 * target is killed while the call is on it.  1 GiB of zero-page read
 * faults took minutes on the PREEMPT_RT debug kernel (emulated arm64 with
 * KASAN): 64 MiB there and on debug-x86_64 is still many times the 20 ms.
 */
static unsigned long anon_len = 1024UL << 20;
#define ANON_LEN	anon_len
#define MACH_LEN	(192UL << 20)
/*
 * The attacker's group.  Within it the Mach VM part is faulted in until
 * the group's OOM kill: on debug-rt-arm64 that walk (8192 pages, each a
 * page of the object charged to the group) was most of the test's 27 s,
 * so the debug kernels give the group 8 MiB.  What the test tells apart
 * does not depend on it: charged to the root group, the call faults in all
 * 192 MiB past any group limit.
 */
static long cg_max = 32L << 20;
#define CG_MAX		cg_max

/* MemAvailable of the system in KiB, or -1. */
static long mem_available(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* The victim: 1 GiB read-only reservation, Mach VM memory right after it. */
static void victim(int out, int hold)
{
	mach_vm_address_t m;
	char *r, c;
	uint64_t addr;

	r = mmap(NULL, ANON_LEN + MACH_LEN, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
		_exit(30);
	if (munmap(r + ANON_LEN, MACH_LEN))
		_exit(31);
	m = (uintptr_t)r + ANON_LEN;
	if (mach_vm_allocate(SELF, &m, MACH_LEN, VM_FLAGS_FIXED) !=
	    KERN_SUCCESS || m != (uintptr_t)r + ANON_LEN)
		_exit(32);
	addr = (uintptr_t)r;
	if (write(out, &addr, sizeof(addr)) != sizeof(addr))
		_exit(33);
	(void)read(hold, &c, 1);
	_exit(0);
}

struct call {
	mach_port_t task;
	uint64_t addr;
	kern_return_t kr;
	double secs;
};

static void *willneed(void *arg)
{
	struct call *c = arg;
	double t = mt_now();

	c->kr = mach_vm_behavior_set(c->task, c->addr, ANON_LEN + MACH_LEN,
				     VM_BEHAVIOR_WILLNEED);
	c->secs = mt_now() - t;
	return NULL;
}

/*
 * The attacker, nobody in @cg: returns 0 when the call stayed bounded,
 * 1 when it faulted the Mach VM part in past the group's limit.
 */
static int attacker(const struct mt_cgroup *cg)
{
	int to_me[2], hold[2];
	struct call c = { 0 };
	pthread_t th;
	long before, low, now;
	pid_t pid;

	if (mt_cg_enter(cg) || mt_become_nobody())
		return 20;
	prctl(PR_SET_DUMPABLE, 1);
	if (pipe(to_me) || pipe(hold))
		return 21;
	pid = fork();
	if (pid == 0) {
		close(to_me[0]);
		close(hold[1]);
		die_with_parent();
		victim(to_me[1], hold[0]);
	}
	close(to_me[1]);
	close(hold[0]);
	if (read(to_me[0], &c.addr, sizeof(c.addr)) != sizeof(c.addr))
		return 22;
	if (task_for_pid(SELF, pid, &c.task) != KERN_SUCCESS)
		return 23;
	before = mem_available();
	low = before;
	if (pthread_create(&th, NULL, willneed, &c))
		return 24;
	usleep(20000);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* Watch the guest's memory while the call runs. */
	while (pthread_tryjoin_np(th, NULL) == EBUSY) {
		now = mem_available();
		if (now >= 0 && now < low)
			low = now;
		usleep(2000);
	}
	printf("# WILLNEED kr %d in %.2fs; MemAvailable dropped by %ld MiB"
	       " (group limit %ld MiB); group peak %ld MiB\n", c.kr, c.secs,
	       (before - low) >> 10, CG_MAX >> 20,
	       mt_cg_read(cg, "memory.peak") >> 20);
	fflush(stdout);
	if (c.kr == KERN_SUCCESS && before - low > (MACH_LEN >> 10) / 2)
		return 1;
	return 0;
}

TEST(willneed_on_an_exited_target_stays_in_the_cgroup)
{
	struct mt_cgroup cg;
	const char *why;
	int status;
	pid_t pid;

	IPC_REQUIRE();
	if (geteuid())
		SKIP(return, "needs root to make a memory cgroup");
	if (mt_slow_kernel()) {
		anon_len = 64UL << 20;
		cg_max = 8L << 20;
	}
	why = mt_cg_create(&cg, CG_MAX);
	if (why)
		SKIP(return, "%s", why);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(attacker(&cg));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	mt_cg_destroy(&cg);
	/* Killed by its group's OOM killer is within the limit too. */
	if (WIFSIGNALED(status)) {
		EXPECT_EQ(SIGKILL, WTERMSIG(status));
		return;
	}
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
