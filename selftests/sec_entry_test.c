// SPDX-License-Identifier: GPL-2.0
/*
 * Security review of memory entries (mach_make_memory_entry_64,
 * mach_vm_map), attacked as user nobody.
 *
 * trim_with_many_pins_lets_the_cpu_go: every page a trim frees is checked
 * against every pin of its object (pinned(), one walk of obj->pins per
 * page) under cow_lock and i_mmap_rwsem.  Nobody makes one object with
 * many resident pages, a long list of cheap one-page sub-entries (pins)
 * elsewhere in it, and unmaps the mapping: the trim of that one munmap is
 * pages x pins steps in the kernel.  It must not keep the CPU from anyone
 * else: a thread sharing the CPU must get to run within a second.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/wait.h>
#include <time.h>

#include <mach/memory_object_types.h>

#include "kselftest_harness.h"
#include "vm_test.h"

#define RW (VM_PROT_READ | VM_PROT_WRITE)

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static volatile int probe_stop;
static long long probe_max_gap;

/* Sleeps 1 ms at a time on the attacker's CPU; records the longest gap. */
static void *probe(void *unused)
{
	long long t = now_ns(), n;
	struct timespec ms = { 0, 1000000 };

	while (!probe_stop) {
		nanosleep(&ms, NULL);
		n = now_ns();
		if (n - t > probe_max_gap)
			probe_max_gap = n - t;
		t = n;
	}
	return NULL;
}

static int on_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/*
 * The attack, as nobody.  Exit status: 0 the CPU was let go; 10 + seconds
 * (capped) the probe waited longer than a second; others a step failed.
 */
static int trim_attack(int npins, size_t bytes)
{
	size_t pages = bytes / page_size() + 1;
	memory_object_size_t size = pages * page_size();
	mach_port_t obj = MACH_PORT_NULL, sub;
	mach_vm_address_t a = 0;
	long long t0, gap;
	pthread_t th;
	int i;

	if (mt_become_nobody() || on_cpu0())
		return 2;
	if (mach_make_memory_entry_64(SELF, &size, 0,
				      RW | MAP_MEM_NAMED_CREATE, &obj,
				      MACH_PORT_NULL))
		return 3;
	if (mach_vm_map(SELF, &a, size, 0, VM_FLAGS_ANYWHERE, obj, 0, FALSE,
			RW, RW, VM_INHERIT_DEFAULT))
		return 4;
	/* Pages 1..: resident; page 0 is where the pins go. */
	memset((char *)(uintptr_t)a + page_size(), 0x5a, bytes);
	for (i = 0; i < npins; i++) {
		size = page_size();
		sub = MACH_PORT_NULL;
		if (mach_make_memory_entry_64(SELF, &size, 0, RW, &sub, obj))
			return 5;
	}
	/* Only the mapping keeps pages 1.. now. */
	mach_port_deallocate(SELF, obj);
	if (pthread_create(&th, NULL, probe, NULL))
		return 6;
	usleep(20000);
	probe_max_gap = 0;
	t0 = now_ns();
	if (mach_vm_deallocate(SELF, a, pages * page_size()))
		return 7;
	printf("# munmap with %d pins over %zu pages: %lld ms\n", npins,
	       pages, (now_ns() - t0) / 1000000);
	usleep(20000);
	probe_stop = 1;
	pthread_join(th, NULL);
	gap = probe_max_gap / 1000000;
	printf("# longest wait of a thread on the same CPU: %lld ms\n", gap);
	fflush(stdout);
	if (gap > 1000)
		return 10 + (gap / 1000 > 100 ? 100 : gap / 1000);
	return 0;
}

TEST(trim_with_many_pins_lets_the_cpu_go)
{
	pid_t pid;
	int st;

	IPC_REQUIRE();
	if (geteuid() != 0)
		SKIP(return, "needs root to become nobody");
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(trim_attack(mt_rounds(80000, 20000), 32L << 20));
	st = mt_wait_exit(pid);
	EXPECT_EQ(0, st) TH_LOG("attack step %d (10+: seconds the CPU was held)",
				st);
}

TEST_HARNESS_MAIN
