// SPDX-License-Identifier: GPL-2.0
/*
 * Mach VM inspection (issue 10, slice 2b): mach_vm_region's flavors
 * (BASIC_INFO_64, BASIC_INFO, EXTENDED_INFO and its legacy flavor,
 * TOP_INFO), mach_vm_region_recurse (SUBMAP_INFO_64 V0/V1/V2, short info),
 * mach_vm_page_query / mach_vm_page_info, task_info(TASK_VM_INFO) with
 * every revision, mach_vm_read_list and mach_vm_copy, on the caller's task
 * and on a child's.
 *
 * Checked: layouts and the counts the module writes for each count asked;
 * XNU's errors (bad flavor, small count, past the last region); values
 * against what the test set up (pages allocated and touched, resident
 * counts, share modes, tags, the regions of /proc/PID/maps); object ids
 * stable per object, distinct between objects and not kernel pointers
 * (ids of objects made one after another are not close together); as
 * user nobody, no map facts of another user's process (no control port,
 * and a name port is refused).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/wait.h>

#include <mach/mach_vm.h>
#include <mach/task_info.h>
#include <mach/vm_map.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

#define NOBODY 65534
#define TMPFS_MAGIC_ 0x01021994
#define TAG 77

static size_t pg;

/* ---- helpers ------------------------------------------------------------- */

/* mach_vm_region of @flavor at @addr with room for @count words. */
static kern_return_t region_of(mach_port_t task, mach_vm_address_t *addr,
			       mach_vm_size_t *size, int flavor, void *info,
			       mach_msg_type_number_t *count)
{
	memset(info, 0xa5, *count * 4);
	return mach_vm_region(task, addr, size, flavor, (vm_region_info_t)info,
			      count, NULL);
}

/* @flavor (@words) of the region exactly at @addr, or -1. */
static int flavor_at(mach_port_t task, mach_vm_address_t addr, int flavor,
		     void *info, mach_msg_type_number_t words)
{
	mach_msg_type_number_t count = words;
	mach_vm_address_t a = addr;
	mach_vm_size_t s = 0;

	if (region_of(task, &a, &s, flavor, info, &count) || a > addr ||
	    count != words)
		return -1;
	return 0;
}

static int extended_at(mach_port_t task, mach_vm_address_t addr,
		       vm_region_extended_info_data_t *e)
{
	return flavor_at(task, addr, VM_REGION_EXTENDED_INFO, e,
			 VM_REGION_EXTENDED_INFO_COUNT);
}

static int top_at(mach_port_t task, mach_vm_address_t addr,
		  vm_region_top_info_data_t *t)
{
	return flavor_at(task, addr, VM_REGION_TOP_INFO, t,
			 VM_REGION_TOP_INFO_COUNT);
}

static int submap_at(mach_port_t task, mach_vm_address_t addr,
		     vm_region_submap_info_data_64_t *s)
{
	mach_msg_type_number_t count = VM_REGION_SUBMAP_INFO_COUNT_64;
	mach_vm_address_t a = addr;
	mach_vm_size_t size = 0;
	natural_t depth = 0;

	memset(s, 0xa5, sizeof(*s));
	if (mach_vm_region_recurse(task, &a, &size, &depth,
				   (vm_region_recurse_info_t)s, &count) ||
	    a > addr || depth != 0 || count != VM_REGION_SUBMAP_INFO_COUNT_64)
		return -1;
	return 0;
}

static kern_return_t vm_info_of(mach_port_t task, task_vm_info_data_t *v,
				mach_msg_type_number_t *count)
{
	memset(v, 0xa5, sizeof(*v));
	return task_info(task, TASK_VM_INFO, (task_info_t)v, count);
}

/* Touch pages @first..@first + @n - 1 of @p (write one byte each). */
static void touch(char *p, size_t first, size_t n)
{
	for (size_t i = first; i < first + n; i++)
		p[i * pg] = 1;
}

/* One region of /proc/PID/maps. */
struct map_line {
	uint64_t start, end;
	char perms[5];
};

/*
 * The regions of /proc/@pid/maps below the task's top (x86's [vsyscall]
 * page is no vma of the mm).  Reads with read(2) into a static buffer:
 * no allocation that would change the map being read.
 */
static int read_maps(pid_t pid, struct map_line *lines, int max)
{
	static char buf[1 << 18];
	char path[64], *p, *nl;
	ssize_t len = 0, r;
	int fd, n = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	while ((r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += r;
	close(fd);
	buf[len] = 0;
	for (p = buf; *p && n < max; p = nl + 1) {
		unsigned long long s, e;
		char perms[5];

		nl = strchr(p, '\n');
		if (!nl)
			break;
		if (sscanf(p, "%llx-%llx %4s", &s, &e, perms) != 3)
			return -1;
		if (s >= 0xffff000000000000ULL)
			continue;
		lines[n].start = s;
		lines[n].end = e;
		memcpy(lines[n].perms, perms, 5);
		n++;
	}
	return n;
}

/* "rwx" of a Mach protection, as /proc/PID/maps writes it. */
static void prot_str(int prot, char *s)
{
	s[0] = (prot & VM_PROT_READ) ? 'r' : '-';
	s[1] = (prot & VM_PROT_WRITE) ? 'w' : '-';
	s[2] = (prot & VM_PROT_EXECUTE) ? 'x' : '-';
	s[3] = 0;
}

/*
 * Walk @task's regions with mach_vm_region_recurse and compare them with
 * /proc/@pid/maps: same starts, ends and protections, in order.
 * Returns: the number of regions, or -(index + 1) of the first mismatch.
 */
static int recurse_matches_maps(mach_port_t task, pid_t pid)
{
	static struct map_line lines[4096];
	mach_vm_address_t addr = 0;
	mach_vm_size_t size = 0;
	int n, i = 0;

	n = read_maps(pid, lines, 4096);
	if (n <= 0)
		return -1000000;
	for (;;) {
		vm_region_submap_info_data_64_t s;
		mach_msg_type_number_t count = VM_REGION_SUBMAP_INFO_COUNT_64;
		natural_t depth = 3;
		char perms[4];
		kern_return_t kr;

		kr = mach_vm_region_recurse(task, &addr, &size, &depth,
					    (vm_region_recurse_info_t)&s,
					    &count);
		if (kr == KERN_INVALID_ADDRESS)
			return i == n ? n : -(i + 1);
		if (kr || depth != 0 || s.is_submap || i >= n)
			return -(i + 1);
		prot_str(s.protection, perms);
		if (addr != lines[i].start || addr + size != lines[i].end ||
		    strncmp(perms, lines[i].perms, 3))
			return -(i + 1);
		addr += size;
		i++;
	}
}

/* A child that only waits to be looked at; it dies with the test. */
/*
 * A child asleep in pause(): returned once it sleeps (at most 20 s), so
 * that its own first faults after fork are over before a test measures
 * its memory.
 */
static pid_t idle_child(void)
{
	pid_t pid = fork();
	int i;

	if (pid == 0) {
		die_with_parent();
		for (;;)
			pause();
	}
	for (i = 0; pid > 0 && i < 2000 && mt_thread_state(pid, pid) != 'S'; i++)
		usleep(10 * 1000);
	return pid;
}

static void end_child(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* ---- layouts and counts ----------------------------------------------------- */

TEST(layouts_and_the_counts_written)
{
	static const struct {
		int flavor;
		mach_msg_type_number_t ask, got;
	} table[] = {
		{ VM_REGION_BASIC_INFO_64, 9, 9 },
		{ VM_REGION_BASIC_INFO_64, 40, 9 },
		{ VM_REGION_BASIC_INFO, 9, 9 },	/* mach_vm_region: as _64 */
		{ VM_REGION_EXTENDED_INFO, 9, 9 },
		{ VM_REGION_EXTENDED_INFO, 12, 9 },
		{ VM_REGION_EXTENDED_INFO__legacy, 8, 8 },
		{ VM_REGION_EXTENDED_INFO__legacy, 9, 8 },
		{ VM_REGION_TOP_INFO, 5, 5 },
		{ VM_REGION_TOP_INFO, 9, 5 },
	};
	static const mach_msg_type_number_t recurse[][2] = {
		{ 19, 19 }, { 30, 19 }, { 18, 17 }, { 17, 17 }, { 16, 16 },
		{ 15, 12 }, { 12, 12 },
	};
	static const mach_msg_type_number_t vminfo[][2] = {
		{ 93, 93 }, { 200, 93 }, { 92, 89 }, { 89, 89 }, { 88, 87 },
		{ 87, 87 }, { 86, 86 }, { 85, 84 }, { 84, 84 }, { 83, 42 },
		{ 42, 42 }, { 41, 38 }, { 38, 38 }, { 37, 36 }, { 36, 36 },
	};
	mach_vm_address_t a = 0, at;
	mach_vm_size_t size;
	int info[32];
	mach_msg_type_number_t count;
	task_vm_info_data_t v;
	unsigned int i;

	IPC_REQUIRE();
	EXPECT_EQ(36, sizeof(vm_region_basic_info_data_64_t));
	EXPECT_EQ(32, sizeof(vm_region_basic_info_data_t));
	EXPECT_EQ(36, sizeof(vm_region_extended_info_data_t));
	EXPECT_EQ(20, sizeof(vm_region_top_info_data_t));
	EXPECT_EQ(76, sizeof(vm_region_submap_info_data_64_t));
	EXPECT_EQ(48, sizeof(vm_region_submap_short_info_data_64_t));
	EXPECT_EQ(32, sizeof(vm_page_info_basic_data_t));
	EXPECT_EQ(93 * 4, sizeof(task_vm_info_data_t));
	EXPECT_EQ(36, TASK_VM_INFO_REV0_COUNT);
	EXPECT_EQ(89, TASK_VM_INFO_REV6_COUNT);

	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(SELF, &a, pg, VM_FLAGS_ANYWHERE));
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		at = a;
		count = table[i].ask;
		EXPECT_EQ(KERN_SUCCESS, region_of(SELF, &at, &size,
						  table[i].flavor, info, &count));
		EXPECT_EQ(table[i].got, count) {
			TH_LOG("flavor %d, count %u", table[i].flavor,
			       table[i].ask);
		}
		EXPECT_EQ(a, at);
		EXPECT_EQ(pg, size);
	}
	/* vm_region keeps the 32-bit layout of BASIC_INFO. */
	{
		vm_address_t va = a;
		vm_size_t vs = 0;

		count = VM_REGION_BASIC_INFO_COUNT;
		EXPECT_EQ(KERN_SUCCESS,
			  vm_region(SELF, &va, &vs, VM_REGION_BASIC_INFO,
				    (vm_region_info_t)info, &count, NULL));
		EXPECT_EQ(8, count);
		EXPECT_EQ(VM_PROT_DEFAULT,
			  ((vm_region_basic_info_data_t *)info)->protection);
		count = 7;
		EXPECT_EQ(KERN_INVALID_ARGUMENT,
			  vm_region(SELF, &va, &vs, VM_REGION_BASIC_INFO,
				    (vm_region_info_t)info, &count, NULL));
	}
	for (i = 0; i < sizeof(recurse) / sizeof(recurse[0]); i++) {
		natural_t depth = 0;

		at = a;
		count = recurse[i][0];
		EXPECT_EQ(KERN_SUCCESS,
			  mach_vm_region_recurse(SELF, &at, &size, &depth,
						 (vm_region_recurse_info_t)info,
						 &count));
		EXPECT_EQ(recurse[i][1], count) {
			TH_LOG("recurse count %u", recurse[i][0]);
		}
	}
	for (i = 0; i < sizeof(vminfo) / sizeof(vminfo[0]); i++) {
		count = vminfo[i][0] > TASK_VM_INFO_COUNT ? TASK_VM_INFO_COUNT :
							    vminfo[i][0];
		if (vminfo[i][0] > TASK_VM_INFO_COUNT) {
			/* A larger buffer: only the module's 93 words move. */
			static int big[256];

			count = vminfo[i][0];
			EXPECT_EQ(KERN_SUCCESS,
				  task_info(SELF, TASK_VM_INFO, big, &count));
		} else {
			EXPECT_EQ(KERN_SUCCESS, vm_info_of(SELF, &v, &count));
		}
		EXPECT_EQ(vminfo[i][1], count) {
			TH_LOG("TASK_VM_INFO count %u", vminfo[i][0]);
		}
	}
	/* Words past the revision written are not touched. */
	count = TASK_VM_INFO_REV1_COUNT;
	EXPECT_EQ(KERN_SUCCESS, vm_info_of(SELF, &v, &count));
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, v.min_address);
	EXPECT_NE(0xa5a5a5a5a5a5a5a5ULL, v.phys_footprint);
	mach_vm_deallocate(SELF, a, pg);
}

TEST(error_table)
{
	mach_vm_address_t a = 0, at;
	mach_vm_size_t size;
	mach_msg_type_number_t count;
	int info[32];
	natural_t depth;
	task_vm_info_data_t v;
	mach_port_t name = MACH_PORT_NULL;
	integer_t disp, ref;
	static struct map_line lines[4096];
	mach_vm_address_t far[] = { 0, 1ULL << 60, ~0ULL };
	mach_task_basic_info_data_t tb;
	int nl;
	static const int flavors[][2] = {
		{ VM_REGION_BASIC_INFO_64, 8 }, { VM_REGION_BASIC_INFO, 8 },
		{ VM_REGION_EXTENDED_INFO, 8 }, { VM_REGION_EXTENDED_INFO__legacy, 7 },
		{ VM_REGION_TOP_INFO, 4 }, { 0, 32 }, { 14, 32 }, { -1, 32 },
	};
	unsigned int i;

	IPC_REQUIRE();
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(SELF, &a, pg, VM_FLAGS_ANYWHERE));
	/* Bad flavors and too small counts: nothing is written. */
	for (i = 0; i < sizeof(flavors) / sizeof(flavors[0]); i++) {
		at = a;
		size = 77;
		count = flavors[i][1];
		EXPECT_EQ(KERN_INVALID_ARGUMENT,
			  region_of(SELF, &at, &size, flavors[i][0], info,
				    &count)) {
			TH_LOG("flavor %d count %d", flavors[i][0],
			       flavors[i][1]);
		}
		EXPECT_EQ(a, at);
		EXPECT_EQ(77, size);
		EXPECT_EQ((mach_msg_type_number_t)flavors[i][1], count);
	}
	at = a;
	count = 11;
	depth = 0;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_region_recurse(SELF, &at, &size, &depth,
					 (vm_region_recurse_info_t)info, &count));
	count = TASK_VM_INFO_REV0_COUNT - 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, vm_info_of(SELF, &v, &count));

	/* Past the last region, and addresses beyond any task's. */
	nl = read_maps(getpid(), lines, 4096);
	ASSERT_GT(nl, 0);
	far[0] = lines[nl - 1].end;
	{
		for (i = 0; i < 3; i++) {
			at = far[i];
			count = VM_REGION_EXTENDED_INFO_COUNT;
			EXPECT_EQ(KERN_INVALID_ADDRESS,
				  region_of(SELF, &at, &size,
					    VM_REGION_EXTENDED_INFO, info,
					    &count));
			at = far[i];
			count = VM_REGION_SUBMAP_INFO_COUNT_64;
			depth = 2;
			EXPECT_EQ(KERN_INVALID_ADDRESS,
				  mach_vm_region_recurse(SELF, &at, &size,
							 &depth,
							 (vm_region_recurse_info_t)info,
							 &count));
			/* Nothing copied out of a failure (MIG). */
			EXPECT_EQ(2, depth);
			/* page_query: no region there is no error (XNU). */
			disp = ref = 5;
			EXPECT_EQ(KERN_SUCCESS,
				  mach_vm_page_query(SELF, far[i], &disp, &ref));
			EXPECT_EQ(0, disp);
			EXPECT_EQ(0, ref);
		}
	}
	/* page_info: only VM_PAGE_INFO_BASIC, count exact (or one less). */
	{
		vm_page_info_basic_data_t b;

		count = VM_PAGE_INFO_BASIC_COUNT + 1;
		EXPECT_EQ(KERN_INVALID_ARGUMENT,
			  mach_vm_page_info(SELF, a, VM_PAGE_INFO_BASIC,
					    (vm_page_info_t)&b, &count));
		count = VM_PAGE_INFO_BASIC_COUNT;
		EXPECT_EQ(KERN_INVALID_ARGUMENT,
			  mach_vm_page_info(SELF, a, 2, (vm_page_info_t)&b,
					    &count));
		count = VM_PAGE_INFO_BASIC_COUNT - 1;
		EXPECT_EQ(KERN_SUCCESS,
			  mach_vm_page_info(SELF, a, VM_PAGE_INFO_BASIC,
					    (vm_page_info_t)&b, &count));
	}
	/* A name port names no map: the map facts need the control port. */
	ASSERT_EQ(KERN_SUCCESS, task_name_for_pid(SELF, getpid(), &name));
	at = a;
	count = VM_REGION_TOP_INFO_COUNT;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  region_of(name, &at, &size, VM_REGION_TOP_INFO, info, &count));
	count = VM_REGION_SUBMAP_INFO_COUNT_64;
	depth = 0;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_region_recurse(name, &at, &size, &depth,
					 (vm_region_recurse_info_t)info, &count));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_page_query(name, a, &disp, &ref));
	count = TASK_VM_INFO_COUNT;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, vm_info_of(name, &v, &count));
	/* Other task_info flavors still answer on it. */
	count = MACH_TASK_BASIC_INFO_COUNT;
	EXPECT_EQ(KERN_SUCCESS,
		  task_info(name, MACH_TASK_BASIC_INFO, (task_info_t)&tb, &count));
	mach_port_deallocate(SELF, name);
	mach_vm_deallocate(SELF, a, pg);
}

/* ---- values ----------------------------------------------------------------- */

TEST(mach_memory_resident_pages_share_mode_tag_and_ids)
{
	const size_t n = 8, k = 3;
	mach_vm_address_t a = 0, b = 0;
	vm_region_extended_info_data_t e;
	vm_region_top_info_data_t t, t2;
	vm_region_submap_info_data_64_t s;
	vm_region_basic_info_data_64_t basic;
	vm_region_submap_short_info_data_64_t sh;
	mach_msg_type_number_t count;
	natural_t depth = 0;
	mach_vm_address_t at;
	mach_vm_size_t size;

	IPC_REQUIRE();
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(SELF, &a, n * pg,
						 VM_FLAGS_ANYWHERE |
							 VM_MAKE_TAG(TAG)));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(SELF, &b, n * pg, VM_FLAGS_ANYWHERE));

	/* Nothing touched yet: the object exists, nothing resident. */
	ASSERT_EQ(0, extended_at(SELF, a, &e));
	EXPECT_EQ(0, e.pages_resident);
	EXPECT_EQ(SM_PRIVATE, e.share_mode);
	touch((char *)a, 2, k);

	ASSERT_EQ(0, extended_at(SELF, a, &e));
	EXPECT_EQ(VM_PROT_DEFAULT, e.protection);
	EXPECT_EQ(TAG, e.user_tag);
	EXPECT_EQ(k, e.pages_resident);
	EXPECT_EQ(1, e.ref_count);
	EXPECT_EQ(SM_PRIVATE, e.share_mode);
	EXPECT_EQ(0, e.external_pager);
	EXPECT_EQ(0, e.shadow_depth);
	EXPECT_EQ(0, e.pages_swapped_out);

	ASSERT_EQ(0, top_at(SELF, a, &t));
	EXPECT_EQ(SM_PRIVATE, t.share_mode);
	EXPECT_EQ(k, t.private_pages_resident);
	EXPECT_EQ(0, t.shared_pages_resident);
	EXPECT_EQ(1, t.ref_count);
	EXPECT_NE(0, t.obj_id);

	ASSERT_EQ(0, submap_at(SELF, a, &s));
	EXPECT_EQ(k, s.pages_resident);
	EXPECT_EQ(TAG, s.user_tag);
	EXPECT_EQ(VM_PROT_DEFAULT, s.protection);
	EXPECT_EQ(VM_PROT_ALL, s.max_protection);
	EXPECT_EQ(0, s.is_submap);
	EXPECT_EQ(SM_PRIVATE, s.share_mode);
	EXPECT_EQ(t.obj_id, s.object_id);
	EXPECT_EQ(t.obj_id, (uint32_t)s.object_id_full);

	/* The short info. */
	at = a;
	count = VM_REGION_SUBMAP_SHORT_INFO_COUNT_64;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_region_recurse(SELF, &at, &size, &depth,
					 (vm_region_recurse_info_t)&sh, &count));
	EXPECT_EQ(12, count);
	EXPECT_EQ(a, at);
	EXPECT_EQ(n * pg, size);
	EXPECT_EQ(TAG, sh.user_tag);
	EXPECT_EQ(SM_PRIVATE, sh.share_mode);
	EXPECT_EQ(t.obj_id, sh.object_id);

	/* The same answers through BASIC_INFO_64. */
	at = a;
	count = VM_REGION_BASIC_INFO_COUNT_64;
	ASSERT_EQ(KERN_SUCCESS, region_of(SELF, &at, &size,
					  VM_REGION_BASIC_INFO_64, &basic,
					  &count));
	EXPECT_EQ(VM_PROT_DEFAULT, basic.protection);

	/* Stable per object, different between objects. */
	ASSERT_EQ(0, top_at(SELF, a + pg, &t2));
	EXPECT_EQ(t.obj_id, t2.obj_id);
	touch((char *)b, 0, 1);
	ASSERT_EQ(0, top_at(SELF, b, &t2));
	EXPECT_NE(t.obj_id, t2.obj_id);
	EXPECT_EQ(1, t2.private_pages_resident);

	/* A partial deallocate: the pages that went are gone from the count. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a + 3 * pg, 5 * pg));
	ASSERT_EQ(0, extended_at(SELF, a, &e));
	EXPECT_EQ(1, e.pages_resident);

	mach_vm_deallocate(SELF, a, n * pg);
	mach_vm_deallocate(SELF, b, n * pg);
}

TEST(linux_memory_resident_pages_and_share_modes)
{
	const size_t n = 16, k = 5;
	vm_region_extended_info_data_t e;
	vm_region_top_info_data_t t;
	char *priv, *fresh, *shared, *file;
	struct statfs sfs;
	int fd;

	IPC_REQUIRE();
	priv = mmap(NULL, n * pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fresh = mmap(NULL, n * pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	shared = mmap(NULL, n * pg, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, priv);
	ASSERT_NE(MAP_FAILED, fresh);
	ASSERT_NE(MAP_FAILED, shared);
	/* Guard pages on each side: no merging with the neighbours. */
	ASSERT_EQ(0, mprotect(priv, pg, PROT_NONE));
	touch(priv, 3, k);
	touch(shared, 0, k + 1);

	ASSERT_EQ(0, extended_at(SELF, (uintptr_t)priv + pg, &e));
	EXPECT_EQ(k, e.pages_resident);
	EXPECT_EQ(SM_PRIVATE, e.share_mode);
	EXPECT_EQ(1, e.ref_count);
	EXPECT_EQ(0, e.external_pager);
	ASSERT_EQ(0, top_at(SELF, (uintptr_t)priv + pg, &t));
	EXPECT_EQ(k, t.private_pages_resident);
	EXPECT_NE(0, t.obj_id);

	ASSERT_EQ(0, extended_at(SELF, (uintptr_t)fresh, &e));
	EXPECT_EQ(0, e.pages_resident);
	EXPECT_EQ(SM_EMPTY, e.share_mode);
	ASSERT_EQ(0, top_at(SELF, (uintptr_t)fresh, &t));
	EXPECT_EQ(SM_EMPTY, t.share_mode);
	EXPECT_EQ(0, t.obj_id);
	EXPECT_EQ(0, t.ref_count);

	ASSERT_EQ(0, extended_at(SELF, (uintptr_t)shared, &e));
	EXPECT_EQ(k + 1, e.pages_resident);
	EXPECT_EQ(SM_SHARED, e.share_mode);
	ASSERT_EQ(0, top_at(SELF, (uintptr_t)shared, &t));
	EXPECT_EQ(k + 1, t.shared_pages_resident);
	EXPECT_EQ(0, t.private_pages_resident);

	/* A private file mapping (this program) is copy-on-write. */
	fd = open("/proc/self/exe", O_RDONLY);
	ASSERT_GE(fd, 0);
	file = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, file);
	ASSERT_EQ(0, fstatfs(fd, &sfs));
	close(fd);
	EXPECT_EQ(file[0], 0x7f);	/* ELF: the page is now mapped */
	ASSERT_EQ(0, extended_at(SELF, (uintptr_t)file, &e));
	EXPECT_EQ(SM_COW, e.share_mode);
	EXPECT_EQ(1, e.pages_resident);
	EXPECT_EQ(sfs.f_type != TMPFS_MAGIC_, e.external_pager);

	/* The stack is tagged. */
	ASSERT_EQ(0, extended_at(SELF, (uintptr_t)&e, &e));
	EXPECT_EQ(VM_MEMORY_STACK, e.user_tag);
	munmap(priv, n * pg);
	munmap(fresh, n * pg);
	munmap(shared, n * pg);
	munmap(file, pg);
}

TEST(page_query_and_page_info)
{
	mach_vm_address_t a = 0;
	integer_t disp, ref;
	vm_page_info_basic_data_t b;
	vm_region_submap_info_data_64_t s;
	mach_msg_type_number_t count;
	char *anon;

	IPC_REQUIRE();
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(SELF, &a, 4 * pg, VM_FLAGS_ANYWHERE));
	touch((char *)a, 1, 1);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_page_query(SELF, a, &disp, &ref));
	EXPECT_EQ(0, disp);
	EXPECT_EQ(1, ref);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_page_query(SELF, a + pg + 5, &disp, &ref));
	EXPECT_EQ(VM_PAGE_QUERY_PAGE_PRESENT, disp);
	EXPECT_EQ(1, ref);
	EXPECT_EQ(KERN_SUCCESS, vm_map_page_query(SELF, a + 2 * pg, &disp, &ref));
	EXPECT_EQ(0, disp);

	count = VM_PAGE_INFO_BASIC_COUNT;
	memset(&b, 0xa5, sizeof(b));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_page_info(SELF, a + pg, VM_PAGE_INFO_BASIC,
						  (vm_page_info_t)&b, &count));
	EXPECT_EQ(VM_PAGE_QUERY_PAGE_PRESENT, b.disposition);
	EXPECT_EQ(1, b.ref_count);
	EXPECT_EQ(pg, b.offset);
	EXPECT_EQ(0, b.depth);
	ASSERT_EQ(0, submap_at(SELF, a, &s));
	EXPECT_EQ(s.object_id_full, b.object_id);

	/* Linux memory: touched present, untouched not. */
	anon = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);
	anon[pg] = 1;
	EXPECT_EQ(KERN_SUCCESS, mach_vm_page_query(SELF, (uintptr_t)anon,
						   &disp, &ref));
	EXPECT_EQ(0, disp);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_page_query(SELF, (uintptr_t)anon + pg,
						   &disp, &ref));
	EXPECT_EQ(VM_PAGE_QUERY_PAGE_PRESENT, disp);
	EXPECT_EQ(1, ref);
	/* This code's page is present. */
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_page_query(SELF, (uintptr_t)&touch, &disp, &ref));
	EXPECT_TRUE(disp & VM_PAGE_QUERY_PAGE_PRESENT);
	munmap(anon, 2 * pg);
	mach_vm_deallocate(SELF, a, 4 * pg);
}

TEST(task_vm_info_moves_with_what_was_allocated)
{
	const size_t n = 64;
	task_vm_info_data_t before, after;
	mach_msg_type_number_t count = TASK_VM_INFO_COUNT;
	static struct map_line lines[4096];
	mach_vm_address_t a = 0;
	int regions;

	IPC_REQUIRE();
	/* read_maps() touches its static buffers: before the baseline. */
	ASSERT_GT(read_maps(getpid(), lines, 4096), 0);
	ASSERT_EQ(KERN_SUCCESS, vm_info_of(SELF, &before, &count));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(SELF, &a, n * pg, VM_FLAGS_ANYWHERE));
	touch((char *)a, 0, n);
	count = TASK_VM_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, vm_info_of(SELF, &after, &count));
	regions = read_maps(getpid(), lines, 4096);

	EXPECT_EQ(TASK_VM_INFO_COUNT, count);
	EXPECT_EQ((int)pg, after.page_size);
	/*
	 * Resident sizes of the caller's own pages are checked on a child
	 * (remote_child_from_task_for_pid): 6.1 folds a thread's own page
	 * faults into the mm's counters only every 64 faults
	 * (SPLIT_RSS_COUNTING), so its own RSS lags, as /proc/self/status's.
	 */
	EXPECT_EQ(n * pg, after.virtual_size - before.virtual_size);
	EXPECT_GT(after.resident_size, 0);
	EXPECT_EQ(after.internal, after.phys_footprint);
	EXPECT_EQ(after.resident_size, after.internal + after.external);
	EXPECT_GE(after.resident_size_peak, after.resident_size);
	EXPECT_EQ(regions, after.region_count);
	EXPECT_EQ(0, after.min_address);
	EXPECT_GT(after.max_address, lines[regions - 1].end - 1);
	EXPECT_EQ(0, after.compressed);
	EXPECT_EQ(0, after.ledger_swapins);

	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, n * pg));
	count = TASK_VM_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, vm_info_of(SELF, &after, &count));
	EXPECT_EQ(before.virtual_size, after.virtual_size);
}

TEST(recurse_walks_the_regions_of_proc_maps)
{
	mach_vm_address_t a = 0;

	IPC_REQUIRE();
	/* A Mach VM region among Linux's. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(SELF, &a, 3 * pg, VM_FLAGS_ANYWHERE));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_protect(SELF, a + pg, pg, 0, VM_PROT_READ));
	EXPECT_LT(3, recurse_matches_maps(SELF, getpid()));
	mach_vm_deallocate(SELF, a, 3 * pg);
}

/*
 * Ids of objects made one after another are a keyed hash, not addresses:
 * kernel addresses of such objects lie close together (one slab), hashes
 * do not.  A kernel address would also have its top bits all set.
 */
TEST(object_ids_are_no_kernel_addresses)
{
	enum { N = 8 };
	mach_vm_address_t a[N];
	uint64_t id[N];
	vm_region_submap_info_data_64_t s;
	int i, j, far = 0, high = 0;

	IPC_REQUIRE();
	for (i = 0; i < N; i++) {
		a[i] = 0;
		ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(SELF, &a[i], pg,
							 VM_FLAGS_ANYWHERE));
		touch((char *)a[i], 0, 1);
		ASSERT_EQ(0, submap_at(SELF, a[i], &s));
		id[i] = s.object_id_full;
		if (id[i] >> 48 == 0xffff)
			high++;
	}
	for (i = 0; i < N; i++) {
		for (j = i + 1; j < N; j++) {
			uint64_t d = id[i] > id[j] ? id[i] - id[j] : id[j] - id[i];

			EXPECT_NE(id[i], id[j]);
			if (d > (1ULL << 40))
				far++;
		}
	}
	EXPECT_GT(far, N * (N - 1) / 4) {
		TH_LOG("object ids close together: kernel addresses?");
	}
	EXPECT_LT(high, N);
	/* Stable: the same object gives the same id. */
	ASSERT_EQ(0, submap_at(SELF, a[0], &s));
	EXPECT_EQ(id[0], s.object_id_full);
	for (i = 0; i < N; i++)
		mach_vm_deallocate(SELF, a[i], pg);
}

/* ---- read_list, copy ------------------------------------------------------------ */

TEST(read_list_and_copy)
{
	mach_vm_address_t a = 0;
	mach_vm_read_entry_t list;
	char *p;

	IPC_REQUIRE();
	/* Four pages and a hole after them. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(SELF, &a, 5 * pg, VM_FLAGS_ANYWHERE));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a + 4 * pg, pg));
	p = (char *)a;
	fill_pattern(p, 2 * pg, 9);
	memset(list, 0, sizeof(list));
	list[0].address = a + 10;
	list[0].size = 100;
	list[1].address = a + pg;
	list[1].size = 0;
	list[2].address = a;
	list[2].size = 2 * pg;
	EXPECT_EQ(KERN_SUCCESS, mach_vm_read_list(SELF, list, 3));
	EXPECT_EQ(0, memcmp((void *)list[0].address, p + 10, 100));
	EXPECT_EQ(0, list[1].address);
	EXPECT_TRUE(check_pattern((void *)list[2].address, 2 * pg, 9));
	mach_vm_deallocate(SELF, list[0].address, 100);
	mach_vm_deallocate(SELF, list[2].address, 2 * pg);
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_read_list(SELF, list, VM_MAP_ENTRY_MAX + 1));
	/* A failing entry comes back 0/0; the status is the last entry's. */
	list[0].address = 0;
	list[0].size = pg;
	list[1].address = a;
	list[1].size = pg;
	EXPECT_EQ(KERN_SUCCESS, mach_vm_read_list(SELF, list, 2));
	EXPECT_EQ(0, list[0].address);
	EXPECT_EQ(0, list[0].size);
	mach_vm_deallocate(SELF, list[1].address, pg);

	/* copy: within the task, overlapping too (a snapshot of the source). */
	EXPECT_EQ(KERN_SUCCESS, mach_vm_copy(SELF, a, 2 * pg, a + 2 * pg));
	EXPECT_TRUE(check_pattern(p + 2 * pg, 2 * pg, 9));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_copy(SELF, a, 2 * pg, a + pg));
	EXPECT_TRUE(check_pattern(p + pg, 2 * pg, 9));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_copy(SELF, a, 0, a + pg));
	EXPECT_EQ(KERN_INVALID_ADDRESS, mach_vm_copy(SELF, a + 3 * pg, 2 * pg, a));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_vm_copy(SELF, a, ~0ULL, a));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_protect(SELF, a + 3 * pg, pg, 0,
						VM_PROT_READ));
	EXPECT_EQ(KERN_PROTECTION_FAILURE, mach_vm_copy(SELF, a, 2 * pg, a + 2 * pg));
	/* Refused before any byte moved. */
	EXPECT_TRUE(check_pattern(p + pg, 2 * pg, 9));
	EXPECT_EQ(KERN_SUCCESS, vm_copy(SELF, a, pg, a + 2 * pg));
	mach_vm_deallocate(SELF, a, 4 * pg);
}

TEST(msync_flags_holes_and_shared_files)
{
	char path[64], *m, buf[8];
	mach_vm_address_t a = 0;
	int fd;

	IPC_REQUIRE();
	/* Three pages and a hole after them. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(SELF, &a, 4 * pg, VM_FLAGS_ANYWHERE));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a + 3 * pg, pg));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_msync(SELF, a, pg, VM_SYNC_SYNCHRONOUS | VM_SYNC_ASYNCHRONOUS));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_msync(SELF, a, 0, VM_SYNC_SYNCHRONOUS));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_msync(SELF, a, ~0ULL, VM_SYNC_SYNCHRONOUS));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_msync(SELF, a, 3 * pg, VM_SYNC_SYNCHRONOUS |
								 VM_SYNC_CONTIGUOUS));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_msync(SELF, a, 4 * pg, VM_SYNC_SYNCHRONOUS));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_msync(SELF, a, 4 * pg, VM_SYNC_SYNCHRONOUS | VM_SYNC_CONTIGUOUS));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_msync(SELF, a + pg, 3 * pg, VM_SYNC_ASYNCHRONOUS |
						      VM_SYNC_CONTIGUOUS));
	EXPECT_EQ(KERN_SUCCESS, vm_msync(SELF, a, 3 * pg, VM_SYNC_INVALIDATE |
							  VM_SYNC_KILLPAGES));
	/* Contents stay whatever the hint flags. */
	((char *)a)[0] = 42;
	EXPECT_EQ(KERN_SUCCESS, mach_vm_msync(SELF, a, pg, VM_SYNC_KILLPAGES |
							   VM_SYNC_DEACTIVATE));
	EXPECT_EQ(42, ((char *)a)[0]);
	mach_vm_deallocate(SELF, a, 3 * pg);

	/* A shared file mapping: written back, the file has the bytes. */
	snprintf(path, sizeof(path), "/tmp/vm_info_msync.%d", getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_GE(fd, 0);
	unlink(path);
	ASSERT_EQ(0, ftruncate(fd, 2 * pg));
	m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	memcpy(m + pg + 5, "mach", 4);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_msync(SELF, (uintptr_t)m + pg, 8,
					      VM_SYNC_SYNCHRONOUS | VM_SYNC_CONTIGUOUS));
	ASSERT_EQ(4, pread(fd, buf, 4, pg + 5));
	EXPECT_EQ(0, memcmp(buf, "mach", 4));
	munmap(m, 2 * pg);
	close(fd);
}

/* ---- another task ---------------------------------------------------------------- */

TEST(remote_child_from_task_for_pid)
{
	const size_t n = 8, k = 3;
	vm_region_extended_info_data_t e;
	task_vm_info_data_t before, after;
	mach_msg_type_number_t count;
	mach_vm_address_t a = 0;
	integer_t disp, ref;
	mach_port_t task;
	char buf[64];
	pid_t pid;
	size_t i;

	IPC_REQUIRE();
	pid = idle_child();
	ASSERT_GT(pid, 0);
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, pid, &task));
	count = TASK_VM_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, vm_info_of(task, &before, &count));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &a, n * pg,
						 VM_FLAGS_ANYWHERE |
							 VM_MAKE_TAG(TAG)));
	memset(buf, 7, sizeof(buf));
	for (i = 0; i < k; i++)
		ASSERT_EQ(KERN_SUCCESS, mach_vm_write(task, a + (2 * i) * pg,
						      (vm_offset_t)buf,
						      sizeof(buf)));
	ASSERT_EQ(0, extended_at(task, a, &e));
	EXPECT_EQ(k, e.pages_resident);
	EXPECT_EQ(TAG, e.user_tag);
	EXPECT_EQ(SM_PRIVATE, e.share_mode);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_page_query(task, a, &disp, &ref));
	EXPECT_EQ(VM_PAGE_QUERY_PAGE_PRESENT, disp);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_page_query(task, a + pg, &disp, &ref));
	EXPECT_EQ(0, disp);
	count = TASK_VM_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, vm_info_of(task, &after, &count));
	/*
	 * Pages the test faulted into the idle child: exact counts (faults
	 * made from another mm go straight to the mm's counters).
	 */
	EXPECT_EQ(n * pg, after.virtual_size - before.virtual_size);
	EXPECT_EQ(k * pg, after.resident_size - before.resident_size);
	EXPECT_EQ(k * pg, after.internal - before.internal);
	EXPECT_EQ(before.external, after.external);
	EXPECT_EQ(after.internal, after.phys_footprint);
	EXPECT_LT(3, recurse_matches_maps(task, pid));
	end_child(pid);
	/* The child is gone: its port is dead. */
	count = TASK_VM_INFO_COUNT;
	EXPECT_NE(KERN_SUCCESS, vm_info_of(task, &after, &count));
	mach_port_deallocate(SELF, task);
}

/*
 * machina-vmmap (built with libmach, next to the tests) lists the child's
 * regions: as many as /proc/PID/maps, one of them the allocation made in
 * the child, with its resident size and share mode.
 */
TEST(machina_vmmap_lists_a_childs_regions)
{
	static char out[1 << 18];
	static struct map_line lines[4096];
	char tool[4096], pidstr[16], want[128], *exe, *slash, *p;
	mach_vm_address_t a = 0;
	mach_port_t task;
	int fds[2], regions = -1, nmaps;
	ssize_t len = 0, r;
	pid_t pid, tp;

	IPC_REQUIRE();
	exe = realpath("/proc/self/exe", NULL);
	ASSERT_NE(NULL, exe);
	slash = strrchr(exe, '/');
	*slash = 0;
	snprintf(tool, sizeof(tool), "%s/machina-vmmap", exe);
	free(exe);
	ASSERT_EQ(0, access(tool, X_OK));

	pid = idle_child();
	ASSERT_GT(pid, 0);
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, pid, &task));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &a, 4 * pg,
						 VM_FLAGS_ANYWHERE));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_write(task, a, (vm_offset_t)&a,
					      sizeof(a)));
	snprintf(pidstr, sizeof(pidstr), "%d", pid);
	ASSERT_EQ(0, pipe(fds));
	tp = fork();
	ASSERT_GE(tp, 0);
	if (tp == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execl(tool, tool, pidstr, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while ((r = read(fds[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += r;
	close(fds[0]);
	out[len] = 0;
	EXPECT_EQ(0, mt_wait_exit(tp));
	nmaps = read_maps(pid, lines, 4096);
	p = strstr(out, " regions, ");
	ASSERT_NE(NULL, p);
	while (p > out && p[-1] != '\n')
		p--;
	regions = atoi(p);
	EXPECT_EQ(nmaps, regions);
	snprintf(want, sizeof(want), "%016llx-%016llx [ %6lluK %6lluK] rw-/rwx SM=PRV",
		 (unsigned long long)a, (unsigned long long)(a + 4 * pg),
		 (unsigned long long)(4 * pg) >> 10,
		 (unsigned long long)pg >> 10);
	EXPECT_NE(NULL, strstr(out, want)) {
		TH_LOG("no line \"%s\" in:\n%s", want, out);
	}
	end_child(pid);
	mach_port_deallocate(SELF, task);
}

/*
 * As nobody: a root process's map facts are out of reach (neither its
 * control nor its name port is given), and the name port of nobody's own
 * child gives no TASK_VM_INFO either (map facts want a control port).
 */
TEST(nobody_gets_no_map_facts_of_another_user)
{
	pid_t pid, victim;

	IPC_REQUIRE();
	if (getuid() != 0)
		SKIP(return, "must start as root");
	victim = idle_child();
	ASSERT_GT(victim, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		mach_port_t task = MACH_PORT_NULL, name = MACH_PORT_NULL;
		task_vm_info_data_t v;
		mach_msg_type_number_t count = TASK_VM_INFO_COUNT;
		mach_vm_address_t at = 0;
		mach_vm_size_t size;
		natural_t depth = 0;
		int info[32];
		pid_t own;

		if (mt_become(NOBODY))
			_exit(10);
		if (task_for_pid(SELF, victim, &task) != KERN_FAILURE)
			_exit(11);
		if (task_name_for_pid(SELF, victim, &name) != KERN_FAILURE)
			_exit(12);
		/* Nothing through either name (both unset). */
		if (task_info(task, TASK_VM_INFO, (task_info_t)&v, &count) ==
		    KERN_SUCCESS)
			_exit(13);
		count = VM_REGION_SUBMAP_INFO_COUNT_64;
		if (mach_vm_region_recurse(name, &at, &size, &depth,
					   (vm_region_recurse_info_t)info,
					   &count) == KERN_SUCCESS)
			_exit(14);
		/*
		 * Its own child's name port (same user) still gives no map
		 * facts: those want the control port.
		 */
		own = idle_child();
		if (own <= 0 || task_name_for_pid(SELF, own, &name) != KERN_SUCCESS)
			_exit(15);
		count = TASK_VM_INFO_COUNT;
		if (task_info(name, TASK_VM_INFO, (task_info_t)&v, &count) !=
		    KERN_INVALID_ARGUMENT)
			_exit(16);
		end_child(own);
		_exit(0);
	}
	EXPECT_EQ(0, mt_wait_exit(pid));
	end_child(victim);
}

int main(int argc, char **argv)
{
	pg = (size_t)sysconf(_SC_PAGESIZE);
	return test_harness_run(argc, argv);
}
