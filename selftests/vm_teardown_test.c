// SPDX-License-Identifier: GPL-2.0
/*
 * The cost of tearing down many mappings of one Mach VM object
 * (docs/plans/xnu_vm.md section 23), counted by the kernel, not timed.
 *
 * Each unmap of a mapping gives back the pages of the object that nothing
 * else maps or names (xnu_vm_object_trim()); the module counts the steps
 * those trims take (vmas, pins and pages looked at) in the sysfs counter
 * vm_trim_steps.  Unmapping N mappings of one object must cost O(N) steps
 * in all (plus the object's pages), not O(N) per unmap:
 *   - N one-page mappings of one memory entry, unmapped from the last
 *     page down (each unmap used to walk every mapping before its own);
 *   - N mappings of a whole resident entry torn down by the exit of their
 *     process while the entry still names the pages (each unmap used to
 *     look at every page the entry keeps).
 * The pages the entry names, and those a remap still maps, must still be
 * there afterwards.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vm_test.h"

#define RW		(VM_PROT_READ | VM_PROT_WRITE)
#define MAPS		2000	/* mappings of one object */
#define ENTRY_PAGES	256	/* pages of the whole-object entry */
/* Steps per mapping (and per page) a linear teardown stays within. */
#define STEPS_PER	16

/* Map @len bytes of @h at @offset anywhere; 0 on failure. */
static mach_vm_address_t map_entry(mach_port_t h, unsigned long offset,
				   unsigned long len)
{
	mach_vm_address_t a = 0;

	if (mach_vm_map(SELF, &a, len, 0, VM_FLAGS_ANYWHERE, h, offset, FALSE,
			RW, RW, VM_INHERIT_DEFAULT))
		return 0;
	return a;
}

TEST(one_page_mappings_unmapped_from_the_top_cost_linear_steps)
{
	unsigned long pg = getpagesize();
	mach_vm_address_t *addr, whole;
	long before, steps;
	mach_port_t h;
	int i, bad = 0;

	IPC_REQUIRE();
	if (mt_counter("vm_trim_steps") < 0)
		SKIP(return, "no vm_trim_steps counter in sysfs");
	addr = calloc(MAPS, sizeof(*addr));
	ASSERT_NE(NULL, addr);
	h = vm_entry_create(MAPS, RW);
	ASSERT_NE(MACH_PORT_NULL, h);
	for (i = 0; i < MAPS; i++) {
		addr[i] = map_entry(h, i * pg, pg);
		ASSERT_NE(0, addr[i]);
		*(volatile int *)addr[i] = i + 1;
	}
	before = mt_counter("vm_trim_steps");
	for (i = MAPS - 1; i >= 0; i--)
		ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, addr[i], pg));
	steps = mt_counter("vm_trim_steps") - before;
	TH_LOG("%d unmaps: %ld trim steps", MAPS, steps);
	EXPECT_GE(STEPS_PER * MAPS, steps);
	/* The entry still names every page, with what was written. */
	whole = map_entry(h, 0, MAPS * pg);
	ASSERT_NE(0, whole);
	for (i = 0; i < MAPS; i++)
		bad += *(volatile int *)(whole + i * pg) != i + 1;
	EXPECT_EQ(0, bad);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, whole, MAPS * pg));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, h));
	free(addr);
}

/*
 * The child: ENTRY_PAGES resident pages of one entry, mapped MAPS times;
 * then it exits with the entry alive (its port space goes after its mm).
 * Exits 0 once all are mapped, 2 on a setup failure.
 */
static void many_mappings_then_exit(void)
{
	unsigned long len = ENTRY_PAGES * getpagesize();
	mach_vm_address_t a;
	mach_port_t h;
	int i;

	h = vm_entry_create(ENTRY_PAGES, RW);
	if (h == MACH_PORT_NULL)
		_exit(2);
	a = map_entry(h, 0, len);
	if (!a)
		_exit(2);
	memset((void *)a, 0x5a, len);
	for (i = 1; i < MAPS; i++)
		if (!map_entry(h, 0, len))
			_exit(2);
	_exit(0);
}

TEST(whole_entry_mappings_exit_costs_linear_steps)
{
	int status = 0;
	long before, steps;
	pid_t pid;

	IPC_REQUIRE();
	if (mt_counter("vm_trim_steps") < 0)
		SKIP(return, "no vm_trim_steps counter in sysfs");
	before = mt_stable_counter("vm_trim_steps");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		many_mappings_then_exit();
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	steps = mt_stable_counter("vm_trim_steps") - before;
	TH_LOG("exit of %d mappings of %d resident pages: %ld trim steps",
	       MAPS, ENTRY_PAGES, steps);
	EXPECT_GE(STEPS_PER * (MAPS + ENTRY_PAGES), steps);
}

#define SCATTER_PAGES	64

/*
 * The walk passes over what vmas map and frees only what none does: shared
 * remaps of single pages (every third) and of pages 40..50 keep those
 * pages when the allocation they came from goes, page contents and all
 * (each PTE zapped first, so the page comes from the object again).
 */
TEST(pages_a_remap_still_maps_survive_the_original_going)
{
	unsigned long pg = getpagesize();
	mach_vm_address_t a, r[SCATTER_PAGES] = { 0 }, big = 0;
	vm_prot_t cur, max;
	long before, steps;
	int i;

	IPC_REQUIRE();
	if (mt_counter("vm_trim_steps") < 0)
		SKIP(return, "no vm_trim_steps counter in sysfs");
	a = alloc_pattern(SCATTER_PAGES * pg, 7);
	ASSERT_NE(0, a);
	for (i = 0; i < SCATTER_PAGES; i += 3)
		ASSERT_EQ(KERN_SUCCESS,
			  mach_vm_remap(SELF, &r[i], pg, 0, VM_FLAGS_ANYWHERE,
					SELF, a + i * pg, FALSE, &cur, &max,
					VM_INHERIT_DEFAULT));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_remap(SELF, &big, 11 * pg, 0, VM_FLAGS_ANYWHERE,
				SELF, a + 40 * pg, FALSE, &cur, &max,
				VM_INHERIT_DEFAULT));
	before = mt_counter("vm_trim_steps");
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_deallocate(SELF, a, SCATTER_PAGES * pg));
	steps = mt_counter("vm_trim_steps") - before;
	TH_LOG("deallocate under %d remaps: %ld trim steps",
	       SCATTER_PAGES / 3 + 2, steps);
	EXPECT_GE(STEPS_PER * SCATTER_PAGES, steps);
	for (i = 0; i < SCATTER_PAGES; i += 3) {
		ASSERT_EQ(0, madvise((void *)r[i], pg, MADV_DONTNEED));
		EXPECT_TRUE(check_pages((void *)r[i], pg, 7)) TH_LOG("page %d", i);
		mach_vm_deallocate(SELF, r[i], pg);
	}
	ASSERT_EQ(0, madvise((void *)big, 11 * pg, MADV_DONTNEED));
	EXPECT_TRUE(check_pages((void *)big, 11 * pg, 7));
	mach_vm_deallocate(SELF, big, 11 * pg);
}

TEST_HARNESS_MAIN
