// SPDX-License-Identifier: GPL-2.0
/*
 * Mach VM: mach_vm_remap, mach_vm_remap_new and their vm_* names.
 *
 * Checked: a shared remap sees every write of the source and the other
 * way round, and outlives the source range; a copy remap is a snapshot
 * both ways; the protections out are the range's most restrictive and
 * mprotect(2) cannot go past the maximum; remap_new refuses protections
 * the source does not allow and gives a writable private copy of a
 * read-only range; FIXED, OVERWRITE (also over the source itself),
 * ANYWHERE with a mask; XNU's error table; a remap of a memory entry's
 * mapping; a child's memory remapped here and ours into the child
 * (task_for_pid); a range copy-on-write with a fork child remapped on
 * either side never shows or changes the other's; as nobody, root's
 * read-only memory (inherited shared) cannot be made writable through a
 * remap; remaps racing with munmap and with exiting tasks end cleanly.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/mman.h>

#include <mach/memory_object_types.h>

#include "kselftest_harness.h"
#include "vm_test.h"
#include "vm_child_test.h"

#define RW (VM_PROT_READ | VM_PROT_WRITE)
#define NOPROT ((vm_prot_t)0x5a)	/* what a call must overwrite */

/* mach_vm_remap of the own task's range into @task, anywhere; 0 on failure. */
static mach_vm_address_t remap_to(mach_port_t task, mach_port_t src,
				  mach_vm_address_t addr, size_t len,
				  boolean_t copy, vm_prot_t *cur,
				  vm_prot_t *max)
{
	mach_vm_address_t a = 0;

	if (mach_vm_remap(task, &a, len, 0, VM_FLAGS_ANYWHERE, src, addr, copy,
			  cur, max, VM_INHERIT_DEFAULT))
		return 0;
	return a;
}

/*
 * mach_vm_remap_new of the own range into the own task, anywhere, asking
 * *@cur / *@max; *@m is the address out (left alone on failure).
 */
static kern_return_t remap_new_self(mach_vm_address_t *m,
				    mach_vm_address_t addr, size_t len,
				    boolean_t copy, vm_prot_t *cur,
				    vm_prot_t *max)
{
	return mach_vm_remap_new(SELF, m, len, 0, VM_FLAGS_ANYWHERE, SELF,
				 addr, copy, cur, max, VM_INHERIT_DEFAULT);
}

/* ---- semantics ---------------------------------------------------------- */

TEST(shared_remap_sees_writes_both_ways)
{
	size_t pg = page_size(), len = 3 * pg;
	mach_vm_address_t r = alloc_pattern(len, 1), m;
	vm_prot_t cur = NOPROT, max = NOPROT;
	vm_region_basic_info_data_64_t info;
	vm_address_t m32 = 0;

	IPC_REQUIRE();
	ASSERT_NE(0, r);
	m = remap_to(SELF, SELF, r, len, FALSE, &cur, &max);
	ASSERT_NE(0, m);
	EXPECT_NE(r, m);
	EXPECT_EQ(RW, cur);
	EXPECT_EQ(VM_PROT_ALL, max);
	EXPECT_TRUE(check_pages(P(m), len, 1));
	fill_pages(P(m) + pg, pg, 2);
	EXPECT_TRUE(check_pages(P(r) + pg, pg, 2));
	fill_pages(P(r) + 2 * pg, pg, 3);
	EXPECT_TRUE(check_pages(P(m) + 2 * pg, pg, 3));
	ASSERT_EQ(0, region_of(SELF, m, &info));
	EXPECT_TRUE(info.shared);
	/* The vm_remap name, and the remap outlives the source range. */
	ASSERT_EQ(KERN_SUCCESS,
		  vm_remap(SELF, &m32, len, 0, VM_FLAGS_ANYWHERE, SELF,
			   (vm_address_t)r, FALSE, &cur, &max,
			   VM_INHERIT_DEFAULT));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, r, len));
	EXPECT_TRUE(check_pages(P(m) + pg, pg, 2));
	fill_pages(P(m), pg, 4);
	EXPECT_TRUE(check_pages((char *)m32, pg, 4));
	mach_vm_deallocate(SELF, m, len);
	mach_vm_deallocate(SELF, m32, len);
}

TEST(copy_remap_is_a_snapshot)
{
	size_t pg = page_size(), len = 2 * pg;
	mach_vm_address_t r = alloc_pattern(len, 10), m;
	vm_prot_t cur = NOPROT, max = NOPROT;

	IPC_REQUIRE();
	ASSERT_NE(0, r);
	m = remap_to(SELF, SELF, r, len, TRUE, &cur, &max);
	ASSERT_NE(0, m);
	EXPECT_EQ(RW, cur);
	EXPECT_EQ(VM_PROT_ALL, max);
	EXPECT_TRUE(check_pages(P(m), len, 10));
	fill_pages(P(r), pg, 11);
	EXPECT_TRUE(check_pages(P(m), pg, 10));
	fill_pages(P(m) + pg, pg, 12);
	EXPECT_TRUE(check_pages(P(r) + pg, pg, 10));
	EXPECT_TRUE(check_pages(P(r), pg, 11));
	mach_vm_deallocate(SELF, r, len);
	EXPECT_TRUE(check_pages(P(m), pg, 10));
	EXPECT_TRUE(check_pages(P(m) + pg, pg, 12));
	mach_vm_deallocate(SELF, m, len);
}

/*
 * Legacy remap: cur and max out are the most restrictive over the range,
 * and the new range cannot be raised past that maximum.
 */
TEST(protections_out_are_the_most_restrictive)
{
	size_t pg = page_size(), len = 2 * pg;
	mach_vm_address_t r = alloc_pattern(len, 20), m;
	vm_prot_t cur = NOPROT, max = NOPROT;
	vm_region_basic_info_data_64_t info;

	IPC_REQUIRE();
	ASSERT_NE(0, r);
	ASSERT_EQ(KERN_SUCCESS, mach_vm_protect(SELF, r + pg, pg, TRUE, RW));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_protect(SELF, r + pg, pg, FALSE, VM_PROT_READ));
	m = remap_to(SELF, SELF, r, len, FALSE, &cur, &max);
	ASSERT_NE(0, m);
	EXPECT_EQ(VM_PROT_READ, cur);
	EXPECT_EQ(RW, max);
	ASSERT_EQ(0, region_of(SELF, m, &info));
	EXPECT_EQ(VM_PROT_READ, info.protection);
	EXPECT_EQ(RW, info.max_protection);
	EXPECT_EQ(-1, mprotect(P(m), len, PROT_READ | PROT_EXEC));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_vm_protect(SELF, m, len, FALSE, VM_PROT_ALL));
	ASSERT_EQ(0, mprotect(P(m), len, PROT_READ | PROT_WRITE));
	fill_pages(P(m), len, 21);
	EXPECT_TRUE(check_pages(P(r), len, 21));
	mach_vm_deallocate(SELF, m, len);
	/* A copy keeps the source's protections too. */
	cur = max = NOPROT;
	m = remap_to(SELF, SELF, r + pg, pg, TRUE, &cur, &max);
	ASSERT_NE(0, m);
	EXPECT_EQ(VM_PROT_READ, cur);
	EXPECT_EQ(RW, max);
	mach_vm_deallocate(SELF, m, pg);
	mach_vm_deallocate(SELF, r, len);
}

TEST(remap_new_asks_for_its_protections)
{
	size_t pg = page_size(), len = 2 * pg;
	mach_vm_address_t r = alloc_pattern(len, 30), m;
	vm_prot_t cur, max;

	IPC_REQUIRE();
	ASSERT_NE(0, r);
	/* RETURN_DATA_ADDR always: the address keeps the in-page offset. */
	m = 0;
	cur = VM_PROT_READ;
	max = RW;
	ASSERT_EQ(KERN_SUCCESS,
		  remap_new_self(&m, r + 0x10, pg, FALSE, &cur, &max));
	EXPECT_EQ(0x10, m & (pg - 1));
	EXPECT_EQ(VM_PROT_READ, cur);
	EXPECT_EQ(RW, max);
	EXPECT_EQ(0, memcmp(P(m), P(r) + 0x10, 32));
	/* Asked read-only: mprotect can raise it to the asked maximum only. */
	EXPECT_EQ(0, mprotect(P(m & ~(pg - 1)), 2 * pg, PROT_READ | PROT_WRITE));
	EXPECT_EQ(-1, mprotect(P(m & ~(pg - 1)), 2 * pg, PROT_EXEC));
	mach_vm_deallocate(SELF, m & ~(mach_vm_address_t)(pg - 1), 2 * pg);
	/* The source is made read-only at most: write asked, refused. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_protect(SELF, r, len, TRUE, VM_PROT_READ));
	m = 0;
	cur = RW;
	max = RW;
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  remap_new_self(&m, r, len, FALSE, &cur, &max));
	EXPECT_EQ(0, m);
	EXPECT_EQ(RW, cur);	/* in/out: unchanged on failure */
	EXPECT_EQ(RW, max);
	cur = VM_PROT_READ;
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  remap_new_self(&m, r, len, FALSE, &cur, &max));
	/* A copy may be written: the snapshot is the caller's. */
	cur = RW;
	ASSERT_EQ(KERN_SUCCESS,
		  remap_new_self(&m, r, len, TRUE, &cur, &max));
	EXPECT_EQ(RW, cur);
	EXPECT_EQ(RW, max);
	fill_pages(P(m), len, 31);
	EXPECT_TRUE(check_pages(P(r), len, 30));
	mach_vm_deallocate(SELF, m, len);
	/* Nothing to read: not even a copy. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_protect(SELF, r, len, TRUE, VM_PROT_NONE));
	m = 0;
	cur = VM_PROT_NONE;
	max = VM_PROT_NONE;
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  remap_new_self(&m, r, len, TRUE, &cur, &max));
	/* Bad asks, before any look at the source. */
	cur = RW;
	max = VM_PROT_READ;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  remap_new_self(&m, r, len, FALSE, &cur, &max));
	cur = VM_PROT_READ;
	max = VM_PROT_ALL;
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  remap_new_self(&m, r, len, TRUE, &cur, &max));
	cur = VM_PROT_READ | 0x10;
	max = VM_PROT_READ | 0x10;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  remap_new_self(&m, r, len, TRUE, &cur, &max));
	mach_vm_deallocate(SELF, r, len);
}

TEST(fixed_overwrite_and_anywhere_with_a_mask)
{
	size_t pg = page_size(), len = 2 * pg;
	mach_vm_address_t r = alloc_pattern(len, 40), t = alloc_pattern(len, 41);
	mach_vm_address_t m, mask = 0xFFFFF;
	vm_prot_t cur, max;

	IPC_REQUIRE();
	ASSERT_NE(0, r);
	ASSERT_NE(0, t);
	/* FIXED over memory in use: KERN_NO_SPACE, nothing changes. */
	m = t;
	EXPECT_EQ(KERN_NO_SPACE,
		  mach_vm_remap(SELF, &m, len, 0, VM_FLAGS_FIXED, SELF, r,
				FALSE, &cur, &max, VM_INHERIT_DEFAULT));
	EXPECT_EQ(t, m);
	EXPECT_TRUE(check_pages(P(t), len, 41));
	/* OVERWRITE replaces it (an unaligned address is truncated). */
	m = t + 5;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_remap(SELF, &m, len, 0,
				VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE, SELF, r,
				FALSE, &cur, &max, VM_INHERIT_DEFAULT));
	EXPECT_EQ(t, m);
	EXPECT_TRUE(check_pages(P(t), len, 40));
	fill_pages(P(t), pg, 42);
	EXPECT_TRUE(check_pages(P(r), pg, 42));
	/* FIXED at a free address. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, t, len));
	m = t;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_remap(SELF, &m, len, 0, VM_FLAGS_FIXED, SELF, r,
				TRUE, &cur, &max, VM_INHERIT_DEFAULT));
	EXPECT_EQ(t, m);
	EXPECT_TRUE(check_pages(P(t), pg, 42));
	mach_vm_deallocate(SELF, t, len);
	/* ANYWHERE with a mask: aligned. */
	m = 0;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_remap(SELF, &m, len, mask, VM_FLAGS_ANYWHERE, SELF, r,
				FALSE, &cur, &max, VM_INHERIT_DEFAULT));
	EXPECT_EQ(0, m & mask);
	EXPECT_TRUE(check_pages(P(m), pg, 42));
	mach_vm_deallocate(SELF, m, len);
	/* FIXED against the mask: KERN_NO_SPACE. */
	m = t + pg;
	EXPECT_EQ(KERN_NO_SPACE,
		  mach_vm_remap(SELF, &m, len, mask, VM_FLAGS_FIXED, SELF, r,
				FALSE, &cur, &max, VM_INHERIT_DEFAULT));
	/* A copy of the range over itself: contents kept, now private. */
	m = r;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_remap(SELF, &m, len, 0,
				VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE, SELF, r,
				TRUE, &cur, &max, VM_INHERIT_DEFAULT));
	EXPECT_EQ(r, m);
	EXPECT_TRUE(check_pages(P(r), pg, 42));
	EXPECT_TRUE(check_pages(P(r) + pg, pg, 40));
	mach_vm_deallocate(SELF, r, len);
}

TEST(error_table)
{
	size_t pg = page_size(), len = 2 * pg;
	mach_vm_address_t r = alloc_pattern(len, 50), m, two;
	mach_port_t port = new_port_send();
	vm_prot_t cur, max;
	void *anon;

	IPC_REQUIRE();
	ASSERT_NE(0, r);
	ASSERT_NE(MACH_PORT_NULL, port);
#define REMAP(addr, size, flags, src, copy)				\
	(m = 0x1000, cur = max = NOPROT,				\
	 mach_vm_remap(SELF, &m, (size), 0, (flags), (src), (addr),	\
		       (copy), &cur, &max, VM_INHERIT_DEFAULT))
	/* Flags outside VM_FLAGS_USER_REMAP: a tag, PURGABLE, 4K data. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  REMAP(r, len, VM_FLAGS_ANYWHERE | (1 << 24), SELF, FALSE));
	/* A failure copies nothing out (Darwin's MIG stub). */
	EXPECT_EQ(0x1000, m);
	EXPECT_EQ(NOPROT, cur);
	EXPECT_EQ(NOPROT, max);
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  REMAP(r, len, VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE, SELF,
			FALSE));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  REMAP(r, len, VM_FLAGS_ANYWHERE | VM_FLAGS_RETURN_4K_DATA_ADDR,
			SELF, FALSE));
	/* Size 0, wrapping ranges, a bad inheritance. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  REMAP(r, 0, VM_FLAGS_ANYWHERE, SELF, FALSE));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  REMAP(r, (mach_vm_size_t)-pg, VM_FLAGS_ANYWHERE, SELF, FALSE));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  REMAP(r, (mach_vm_size_t)-1, VM_FLAGS_ANYWHERE, SELF, FALSE));
	m = 0;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_remap(SELF, &m, len, 0, VM_FLAGS_ANYWHERE, SELF, r,
				FALSE, &cur, &max, 3));
	/* RESILIENT_MEDIA needs copy; RESILIENT_CODESIGN gives read-only. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  REMAP(r, len, VM_FLAGS_ANYWHERE | VM_FLAGS_RESILIENT_MEDIA,
			SELF, FALSE));
	ASSERT_EQ(KERN_SUCCESS,
		  REMAP(r, len, VM_FLAGS_ANYWHERE | VM_FLAGS_RESILIENT_CODESIGN,
			SELF, FALSE));
	EXPECT_EQ(VM_PROT_READ, cur);
	EXPECT_EQ(VM_PROT_READ, max);
	EXPECT_EQ(-1, mprotect(P(m), len, PROT_READ | PROT_WRITE));
	mach_vm_deallocate(SELF, m, len);
	/* Legacy rounding: from the address's page, round(size) bytes. */
	ASSERT_EQ(KERN_SUCCESS,
		  REMAP(r + pg - 0x10, 0x20, VM_FLAGS_ANYWHERE, SELF, FALSE));
	EXPECT_EQ(0, m & (pg - 1));
	EXPECT_TRUE(check_pages(P(m), pg, 50));
	mach_vm_deallocate(SELF, m, pg);
	ASSERT_EQ(KERN_SUCCESS,
		  REMAP(r + pg - 0x10, 0x20,
			VM_FLAGS_ANYWHERE | VM_FLAGS_RETURN_DATA_ADDR, SELF,
			FALSE));
	EXPECT_EQ(pg - 0x10, m & (pg - 1));
	EXPECT_EQ(0, memcmp(P(m), P(r) + pg - 0x10, 0x20));
	mach_vm_deallocate(SELF, m & ~(mach_vm_address_t)(pg - 1), len);
	/* Holes, past the task, and what is not one Mach VM object. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, r + pg, pg));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  REMAP(r, len, VM_FLAGS_ANYWHERE, SELF, FALSE));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  REMAP(r + pg, pg, VM_FLAGS_ANYWHERE, SELF, TRUE));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  REMAP(1ULL << 62, pg, VM_FLAGS_ANYWHERE, SELF, FALSE));
	two = r + pg;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_allocate(SELF, &two, pg, VM_FLAGS_FIXED));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  REMAP(r, len, VM_FLAGS_ANYWHERE, SELF, FALSE));
	anon = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  REMAP((uintptr_t)anon, pg, VM_FLAGS_ANYWHERE, SELF, FALSE));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  REMAP((uintptr_t)anon, pg, VM_FLAGS_ANYWHERE, SELF, TRUE));
	munmap(anon, pg);
	/* Ports: a name without a send right, a port that is no task. */
	EXPECT_EQ(MACH_SEND_INVALID_RIGHT,
		  REMAP(r, pg, VM_FLAGS_ANYWHERE, 0x12345678, FALSE));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  REMAP(r, pg, VM_FLAGS_ANYWHERE, port, FALSE));
	m = 0;
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  mach_vm_remap(0x12345678, &m, pg, 0, VM_FLAGS_ANYWHERE, SELF,
				r, FALSE, &cur, &max, VM_INHERIT_DEFAULT));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_remap(port, &m, pg, 0, VM_FLAGS_ANYWHERE, SELF, r,
				FALSE, &cur, &max, VM_INHERIT_DEFAULT));
	EXPECT_EQ(0, m);
#undef REMAP
	mach_vm_deallocate(SELF, r, len);
	mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1);
}

TEST(remap_of_a_memory_entry_mapping)
{
	size_t pg = page_size(), len = 2 * pg;
	memory_object_size_t size = len;
	mach_vm_address_t a = 0, b = 0, m;
	mach_port_t h = MACH_PORT_NULL;
	vm_prot_t cur, max;

	IPC_REQUIRE();
	ASSERT_EQ(KERN_SUCCESS,
		  mach_make_memory_entry_64(SELF, &size, 0,
					    RW | MAP_MEM_NAMED_CREATE, &h,
					    MACH_PORT_NULL));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_map(SELF, &a, len, 0, VM_FLAGS_ANYWHERE, h, 0, FALSE,
			      RW, RW, VM_INHERIT_DEFAULT));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_map(SELF, &b, len, 0, VM_FLAGS_ANYWHERE, h, 0, FALSE,
			      VM_PROT_READ, VM_PROT_READ, VM_INHERIT_DEFAULT));
	m = remap_to(SELF, SELF, a, len, FALSE, &cur, &max);
	ASSERT_NE(0, m);
	EXPECT_EQ(RW, cur);
	EXPECT_EQ(RW, max);
	fill_pages(P(m), len, 60);
	EXPECT_TRUE(check_pages(P(b), len, 60));
	mach_vm_deallocate(SELF, m, len);
	/* A remap of the read-only mapping stays read-only. */
	m = remap_to(SELF, SELF, b, len, FALSE, &cur, &max);
	ASSERT_NE(0, m);
	EXPECT_EQ(VM_PROT_READ, cur);
	EXPECT_EQ(VM_PROT_READ, max);
	EXPECT_EQ(-1, mprotect(P(m), len, PROT_READ | PROT_WRITE));
	mach_vm_deallocate(SELF, m, len);
	mach_port_deallocate(SELF, h);
	mach_vm_deallocate(SELF, a, len);
	mach_vm_deallocate(SELF, b, len);
}

TEST(remote_source_and_target_through_task_for_pid)
{
	size_t pg = page_size(), len = 2 * pg;
	mach_vm_address_t r = alloc_pattern(len, 70), ca = 0, cm, m;
	mach_port_t task = MACH_PORT_NULL;
	mach_vm_size_t out;
	vm_prot_t cur, max;
	char buf[32];
	pid_t pid;

	IPC_REQUIRE();
	ASSERT_NE(0, r);
	pid = idle_child();
	ASSERT_GT(pid, 0);
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, pid, &task));
	/* The child's memory here, shared. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &ca, len, VM_FLAGS_ANYWHERE));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_write(task, ca, (vm_offset_t)"child bytes", 12));
	m = remap_to(SELF, task, ca, len, FALSE, &cur, &max);
	ASSERT_NE(0, m);
	EXPECT_STREQ("child bytes", P(m));
	strcpy(P(m) + pg, "parent wrote");
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_read_overwrite(task, ca + pg, 13, (uintptr_t)buf,
					 &out));
	EXPECT_STREQ("parent wrote", buf);
	/* Ours into the child, shared and copied. */
	cm = remap_to(task, SELF, r, len, FALSE, &cur, &max);
	ASSERT_NE(0, cm);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_write(task, cm, (vm_offset_t)"into the parent", 16));
	EXPECT_STREQ("into the parent", P(r));
	cm = remap_to(task, SELF, r + pg, pg, TRUE, &cur, &max);
	ASSERT_NE(0, cm);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_write(task, cm, (vm_offset_t)"child copy", 11));
	EXPECT_TRUE(check_pages(P(r) + pg, pg, 70));
	/* Between two places of the child. */
	cm = 0;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_remap(task, &cm, pg, 0, VM_FLAGS_ANYWHERE, task, ca,
				FALSE, &cur, &max, VM_INHERIT_DEFAULT));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_read_overwrite(task, cm, 12, (uintptr_t)buf, &out));
	EXPECT_STREQ("child bytes", buf);
	/* The child dies: our remap of its memory stays. */
	end_child(pid);
	EXPECT_STREQ("child bytes", P(m));
	cm = 0;
	EXPECT_NE(KERN_SUCCESS,
		  mach_vm_remap(task, &cm, pg, 0, VM_FLAGS_ANYWHERE, SELF, r,
				FALSE, &cur, &max, VM_INHERIT_DEFAULT));
	EXPECT_NE(KERN_SUCCESS,
		  mach_vm_remap(SELF, &cm, pg, 0, VM_FLAGS_ANYWHERE, task, ca,
				FALSE, &cur, &max, VM_INHERIT_DEFAULT));
	mach_vm_deallocate(SELF, m, len);
	mach_vm_deallocate(SELF, r, len);
	mach_port_deallocate(SELF, task);
}

/*
 * A range copy-on-write with a fork child: a shared remap on either side
 * sees that side only, and its writes stay there (never the other's
 * snapshot).
 */
/* A shared remap of the range, anywhere in the own task. */
static mach_vm_address_t share_by_remap(mach_vm_address_t r, size_t len)
{
	vm_prot_t cur, max;

	return remap_to(SELF, SELF, r, len, FALSE, &cur, &max);
}

TEST(remap_across_fork_keeps_each_side)
{
	IPC_REQUIRE();
	EXPECT_EQ(0, cow_sides(share_by_remap, 80));
}

/* ---- security ------------------------------------------------------------- */

/*
 * Root's memory, read-only at most, shared with a child that becomes
 * nobody: no remap gives nobody a way to write root's pages, and root's
 * task is out of nobody's reach.
 */
TEST(nobody_gets_no_write_through_a_remap)
{
	size_t pg = page_size(), len = 2 * pg;
	mach_vm_address_t r = alloc_pattern(len, 90);
	struct gate g;
	pid_t pid, root_child;
	char step;

	IPC_REQUIRE();
	if (geteuid() != 0)
		SKIP(return, "needs root to attack root");
	ASSERT_NE(0, r);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_protect(SELF, r, len, TRUE, VM_PROT_READ));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_inherit(SELF, r, len, VM_INHERIT_SHARE));
	root_child = idle_child();
	ASSERT_GT(root_child, 0);
	pid = gate_fork(&g);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		mach_vm_address_t m = 0;
		mach_port_t task;
		vm_prot_t cur, max;

		if (mt_become_nobody())
			_exit(2);
		/* Shared: read-only at most; the attack writes if it can. */
		m = remap_to(SELF, SELF, r, len, FALSE, &cur, &max);
		if (!m || !check_pages(P(m), len, 90))
			_exit(3);
		if (mprotect(P(m), len, PROT_READ | PROT_WRITE) == 0) {
			memset(P(m), 'N', len);
			_exit(4);
		}
		if (cur != VM_PROT_READ || max != VM_PROT_READ)
			_exit(11);
		if (mach_vm_protect(SELF, m, len, FALSE, RW) !=
		    KERN_PROTECTION_FAILURE)
			_exit(5);
		m = 0;
		cur = max = RW;
		if (remap_new_self(&m, r, len, FALSE, &cur, &max) !=
		    KERN_PROTECTION_FAILURE) {
			if (m)
				memset(P(m), 'N', len);
			_exit(6);
		}
		m = 0;
		cur = VM_PROT_READ;
		if (remap_new_self(&m, r, len, FALSE, &cur, &max) !=
		    KERN_PROTECTION_FAILURE)
			_exit(7);
		/* A private copy may be written: root's pages stay. */
		m = 0;
		cur = max = RW;
		if (remap_new_self(&m, r, len, TRUE, &cur, &max))
			_exit(8);
		memset(P(m), 'N', len);
		/* Root's tasks are out of reach: nothing to remap from. */
		if (task_for_pid(SELF, root_child, &task) == KERN_SUCCESS)
			_exit(9);
		if (task_for_pid(SELF, getppid(), &task) == KERN_SUCCESS)
			_exit(10);
		gate_send(g.up[1]);
		gate_wait(g.down[0]);
		_exit(0);
	}
	/* The child's exit status names the step that let it through. */
	if (read(g.up[0], &step, 1) == 1) {
		EXPECT_TRUE(check_pages(P(r), len, 90));
		gate_send(g.down[1]);
	}
	EXPECT_EQ(0, mt_wait_exit(pid));
	EXPECT_TRUE(check_pages(P(r), len, 90));
	end_child(root_child);
	mach_vm_deallocate(SELF, r, len);
}

/* ---- races ---------------------------------------------------------------- */

/*
 * A remap while another thread unmaps the source: it fails (nothing
 * there any more) or maps the range's pages with their contents, never
 * pages the unmap already gave back.
 */
TEST(remap_while_the_source_is_unmapped)
{
	int rounds = mt_rounds(200, 20), i, made = 0;
	size_t pg = page_size(), len = 4 * pg;
	struct unmapper u = { .len = len };
	mach_vm_address_t m;
	vm_prot_t cur, max;
	kern_return_t kr;
	pthread_t t;

	IPC_REQUIRE();
	for (i = 0; i < rounds; i++) {
		u.addr = alloc_pattern(len, 100 + i);
		ASSERT_NE(0, u.addr);
		ASSERT_EQ(0, pthread_create(&t, NULL, unmap_range, &u));
		m = 0;
		kr = mach_vm_remap(SELF, &m, len, 0, VM_FLAGS_ANYWHERE, SELF,
				   u.addr, i & 1, &cur, &max,
				   VM_INHERIT_DEFAULT);
		pthread_join(t, NULL);
		if (kr) {
			EXPECT_EQ(KERN_INVALID_ADDRESS, kr);
			continue;
		}
		made++;
		EXPECT_TRUE(check_pages(P(m), len, 100 + i));
		mach_vm_deallocate(SELF, m, len);
	}
	TH_LOG("%d of %d remaps made before the unmap", made, rounds);
}

/* Remaps from and into tasks that are exiting: clean ends, nothing left. */
TEST(races_with_exiting_tasks)
{
	int rounds = mt_rounds(50, 10), i;
	size_t pg = page_size();
	struct live_counts before, after;
	mach_vm_address_t r = alloc_pattern(pg, 110), a;
	mach_port_t task;
	vm_prot_t cur, max;
	pid_t pid;

	IPC_REQUIRE();
	ASSERT_NE(0, r);
	live_counts_baseline(&before);
	for (i = 0; i < rounds; i++) {
		pid = idle_child();
		ASSERT_GT(pid, 0);
		ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, pid, &task));
		if (i & 1)
			kill(pid, SIGKILL);
		a = 0;
		if (i & 2)
			mach_vm_remap(task, &a, pg, 0, VM_FLAGS_ANYWHERE, SELF,
				      r, i & 4, &cur, &max, VM_INHERIT_DEFAULT);
		else if (mach_vm_remap(SELF, &a, pg, 0, VM_FLAGS_ANYWHERE,
				       task, r, i & 4, &cur, &max,
				       VM_INHERIT_DEFAULT) == KERN_SUCCESS) {
			/* The child's copy of r (fork) is its own memory. */
			EXPECT_TRUE(check_pages(P(a), pg, 110));
			mach_vm_deallocate(SELF, a, pg);
		}
		end_child(pid);
		mach_port_deallocate(SELF, task);
	}
	live_counts_baseline(&after);
	EXPECT_EQ(before.ports, after.ports);
	EXPECT_EQ(before.tasks, after.tasks);
	mach_vm_deallocate(SELF, r, pg);
}

TEST_HARNESS_MAIN
