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
 * else: a thread sharing the CPU must get to run within a second.  And
 * the pins of one object are bounded (max_entries_per_object): nobody's
 * sub-entries stop with KERN_RESOURCE_SHORTAGE at the limit (a live count:
 * one given back lets one more be made), so that what one munmap or exit
 * of the object's mappings costs is bounded too (a holder of someone
 * else's entry could otherwise make the giver's exit run for hours).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include <mach/memory_object_types.h>

#include "kselftest_harness.h"
#include "cpu_probe.h"
#include "vm_test.h"

#define RW (VM_PROT_READ | VM_PROT_WRITE)

#define MAX_PINS_PARAM "/sys/module/machina/parameters/max_entries_per_object"

/*
 * The attack, as nobody: as many one-page sub-entries as it is given
 * (@limit: what it must be refused at).  Exit status: 0 the CPU was let
 * go; 10 + seconds (capped) the probe waited longer than a second; 8 the
 * sub-entries were not refused at the limit; others a step failed.
 */
static int trim_attack(long limit, size_t bytes)
{
	size_t pages = bytes / page_size() + 1;
	memory_object_size_t size = pages * page_size();
	mach_port_t obj = MACH_PORT_NULL, sub, last = MACH_PORT_NULL;
	mach_vm_address_t a = 0;
	long long t0;
	kern_return_t kr = KERN_SUCCESS;
	pthread_t th;
	long npins;

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
	/* The parent entry is one pin: sub-entries until refused. */
	for (npins = 1; npins <= limit; npins++) {
		size = page_size();
		sub = MACH_PORT_NULL;
		kr = mach_make_memory_entry_64(SELF, &size, 0, RW, &sub, obj);
		if (kr != KERN_SUCCESS)
			break;
		last = sub;
	}
	printf("# sub-entry %ld of an object: 0x%x\n", npins, kr);
	fflush(stdout);
	if (npins != limit || kr != KERN_RESOURCE_SHORTAGE)
		return 8;
	/* The limit counts live entries: one given back, one more made. */
	if (mach_port_deallocate(SELF, last))
		return 5;
	size = page_size();
	if (mach_make_memory_entry_64(SELF, &size, 0, RW, &sub, obj))
		return 9;
	/* Only the mapping keeps pages 1.. now. */
	mach_port_deallocate(SELF, obj);
	if (probe_start(&th))
		return 6;
	t0 = now_ns();
	if (mach_vm_deallocate(SELF, a, pages * page_size()))
		return 7;
	printf("# munmap with %ld pins over %zu pages: %lld ms\n", npins,
	       pages, (now_ns() - t0) / 1000000);
	return probe_verdict(th);
}

TEST(trim_with_many_pins_lets_the_cpu_go)
{
	pid_t pid;
	int st;

	long limit;

	IPC_REQUIRE();
	if (geteuid() != 0)
		SKIP(return, "needs root to become nobody");
	limit = mt_read_long(MAX_PINS_PARAM);
	ASSERT_LT(0, limit);
	pid = fork();
	ASSERT_GE(pid, 0);
	/*
	 * 32 MiB: 8193 pages x 512 pins; the debug kernels 1 MiB (the munmap
	 * of 32 MiB took 9.5 s on debug-x86_64, 115 s on debug-rt-arm64).
	 */
	if (pid == 0)
		_exit(trim_attack(limit, mt_slow_kernel() ? 1L << 20 : 32L << 20));
	st = mt_wait_exit(pid);
	EXPECT_EQ(0, st) TH_LOG("attack step %d (10+: seconds the CPU was held)",
				st);
}

/*
 * remap_file_pages(2) on a Mach VM vma calls do_mmap() on the object's
 * file, which reached the object's f_op->mmap without the module's
 * map_lock: the new vma took whatever maximum protection and view another
 * thread's mapping of the object had set at that moment.  It is refused.
 */
TEST(remap_file_pages_of_mach_memory_is_refused)
{
	pid_t pid;
	int st;

	IPC_REQUIRE();
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		size_t pg = page_size();
		mach_vm_address_t a = 0;

		if (geteuid() == 0 && mt_become_nobody())
			_exit(2);
		if (mach_vm_allocate(SELF, &a, 2 * pg, VM_FLAGS_ANYWHERE))
			_exit(3);
		((char *)(uintptr_t)a)[pg] = 7;
		if (remap_file_pages((void *)(uintptr_t)a, pg, 0, 1, 0) == 0)
			_exit(4);
		_exit(errno == EINVAL ? 0 : 5);
	}
	st = mt_wait_exit(pid);
	EXPECT_EQ(0, st) TH_LOG("4: remap_file_pages succeeded");
}

TEST_HARNESS_MAIN
