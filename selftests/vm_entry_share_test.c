// SPDX-License-Identifier: GPL-2.0
/*
 * mach_make_memory_entry_64 with MAP_MEM_ONLY and MAP_MEM_VM_SHARE
 * (issue 10; docs/plans/xnu_vm.md section 24).
 *
 * MAP_MEM_ONLY: XNU's codes (no parent, a data-address flag, a wrapping
 * range, a copy parent: KERN_INVALID_ARGUMENT; another cache mode than
 * the one a read-only parent recorded: KERN_INVALID_RIGHT), no handle and
 * the size left as given on success, the memory still usable after any
 * mode (Machina records the mode and keeps the pages cached).
 * MAP_MEM_VM_SHARE: an entry that shares the range both ways (not a
 * copy), of the whole range or nothing (a hole: KERN_INVALID_ADDRESS; a
 * page without the protection: KERN_PROTECTION_FAILURE), of the copy
 * kind (no parent of others, mach_vm_map's copy-entry flags, no
 * purgeable control), ignoring a parent; NAMED_REUSE with a parent names
 * the range too; what Machina refuses (two objects in one range).
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include <mach/memory_entry.h>
#include <mach/memory_object_types.h>
#include <mach/vm_purgable.h>

#include "kselftest_harness.h"
#include "vm_test.h"
#include "vm_child_test.h"

#define RW (VM_PROT_READ | VM_PROT_WRITE)

/* mach_make_memory_entry_64 of the own task; *@h and *@size as out. */
static kern_return_t make(mach_vm_address_t off, memory_object_size_t *size,
			  int perm, mach_port_t *h, mach_port_t parent)
{
	*h = MACH_PORT_NULL;
	return mach_make_memory_entry_64(SELF, size, off, perm, h, parent);
}

/* mach_vm_map of @len bytes of @e anywhere; 0 on failure. */
static mach_vm_address_t map_it(mach_port_t e, size_t len, boolean_t copy,
				vm_prot_t prot)
{
	mach_vm_address_t a = 0;

	if (mach_vm_map(SELF, &a, len, 0, VM_FLAGS_ANYWHERE, e, 0, copy, prot,
			prot, VM_INHERIT_DEFAULT))
		return 0;
	return a;
}

TEST(mem_only_codes_and_no_entry)
{
	size_t pg = page_size();
	mach_vm_address_t r = alloc_pattern(2 * pg, 1), m;
	memory_object_size_t size;
	mach_port_t rw, ro, ro3, cp, h, port = new_port_send(), rd;

	IPC_REQUIRE();
	ASSERT_NE(0, r);
	size = 2 * pg;
	ASSERT_EQ(KERN_SUCCESS, make(0, &size, RW | MAP_MEM_NAMED_CREATE, &rw,
				     MACH_PORT_NULL));
	/* No parent (or a port that is no entry, which XNU ignores). */
	size = pg;
	h = 7;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_make_memory_entry_64(SELF, &size, 0, RW | MAP_MEM_ONLY,
					    &h, MACH_PORT_NULL));
	/* A failure copies nothing out (Darwin's MIG stub). */
	EXPECT_EQ(pg, size);
	EXPECT_EQ(7, h);
	size = pg;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  make(0, &size, RW | MAP_MEM_ONLY, &h, port));
	/* Success: no handle, the size untouched (XNU never sets it). */
	size = 12345;
	h = 7;
	EXPECT_EQ(KERN_SUCCESS,
		  mach_make_memory_entry_64(SELF, &size, 0,
					    RW | MAP_MEM_ONLY |
					    (MAP_MEM_WCOMB << 24), &h, rw));
	EXPECT_EQ(12345, size);
	EXPECT_EQ(MACH_PORT_NULL, h);
	size = 0;
	EXPECT_EQ(KERN_SUCCESS,
		  make(1ULL << 60, &size, MAP_MEM_ONLY | (MAP_MEM_IO << 24), &h,
		       rw));
	EXPECT_EQ(0, size);
	/* Offset and size are not used, but must not wrap. */
	size = 100;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  make(UINT64_MAX - 10, &size, MAP_MEM_ONLY, &h, rw));
	EXPECT_EQ(100, size);
	size = pg;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  make(0, &size, MAP_MEM_ONLY | MAP_MEM_USE_DATA_ADDR, &h, rw));
	size = pg;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  make(0, &size, MAP_MEM_ONLY | MAP_MEM_4K_DATA_ADDR, &h, rw));
	/* Taken before NAMED_CREATE and VM_SHARE. */
	size = pg;
	EXPECT_EQ(KERN_SUCCESS,
		  make(r, &size, RW | MAP_MEM_ONLY | MAP_MEM_VM_SHARE, &h, rw));
	EXPECT_EQ(MACH_PORT_NULL, h);
	/* A copy entry is no parent. */
	size = pg;
	ASSERT_EQ(KERN_SUCCESS, make(r, &size, RW | MAP_MEM_VM_COPY, &cp,
				     MACH_PORT_NULL));
	size = pg;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, make(0, &size, MAP_MEM_ONLY, &h, cp));
	mach_port_deallocate(SELF, cp);
	/*
	 * A read-only parent keeps the mode it was made with: the same mode
	 * (or MAP_MEM_NOOP over NOOP) succeeds, any other is
	 * KERN_INVALID_RIGHT, NOOP over another mode too.
	 */
	size = pg;
	ASSERT_EQ(KERN_SUCCESS, make(0, &size, VM_PROT_READ, &ro, rw));
	size = pg;
	EXPECT_EQ(KERN_SUCCESS, make(0, &size, MAP_MEM_ONLY, &h, ro));
	size = pg;
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  make(0, &size, MAP_MEM_ONLY | (MAP_MEM_COPYBACK << 24), &h,
		       ro));
	EXPECT_EQ(pg, size);
	size = pg;
	ASSERT_EQ(KERN_SUCCESS,
		  make(0, &size, VM_PROT_READ | (MAP_MEM_WTHRU << 24), &ro3,
		       rw));
	size = pg;
	EXPECT_EQ(KERN_SUCCESS,
		  make(0, &size, MAP_MEM_ONLY | (MAP_MEM_WTHRU << 24), &h,
		       ro3));
	size = pg;
	EXPECT_EQ(KERN_INVALID_RIGHT, make(0, &size, MAP_MEM_ONLY, &h, ro3));
	/* A range entry records the mode it was made with too. */
	size = pg;
	ASSERT_EQ(KERN_SUCCESS,
		  make(r, &size, VM_PROT_READ | (MAP_MEM_RT << 24), &cp,
		       MACH_PORT_NULL));
	size = pg;
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  make(0, &size, MAP_MEM_ONLY | (MAP_MEM_IO << 24), &h, cp));
	size = pg;
	EXPECT_EQ(KERN_SUCCESS,
		  make(0, &size, MAP_MEM_ONLY | (MAP_MEM_RT << 24), &h, cp));
	mach_port_deallocate(SELF, cp);
	/* Any mode on a writable parent; its memory stays usable. */
	size = pg;
	EXPECT_EQ(KERN_SUCCESS,
		  make(0, &size, MAP_MEM_ONLY | (MAP_MEM_IO << 24), &h, rw));
	size = pg;
	EXPECT_EQ(KERN_SUCCESS,
		  make(0, &size, MAP_MEM_ONLY | (0xEEU << 24), &h, rw));
	m = map_it(rw, 2 * pg, FALSE, RW);
	ASSERT_NE(0, m);
	fill_pages(P(m), 2 * pg, 2);
	EXPECT_TRUE(check_pages(P(m), 2 * pg, 2));
	/* Lesser task ports and unknown flags, as for every kind. */
	ASSERT_EQ(KERN_SUCCESS, task_read_for_pid(SELF, getpid(), &rd));
	size = pg;
	EXPECT_EQ(KERN_INVALID_TASK,
		  mach_make_memory_entry_64(rd, &size, 0, MAP_MEM_ONLY, &h,
					    rw));
	size = pg;
	EXPECT_EQ(KERN_INVALID_VALUE,
		  make(0, &size, MAP_MEM_ONLY | 0x1000, &h, rw));
	mach_port_deallocate(SELF, rd);
	mach_vm_deallocate(SELF, m, 2 * pg);
	mach_vm_deallocate(SELF, r, 2 * pg);
	mach_port_deallocate(SELF, ro);
	mach_port_deallocate(SELF, ro3);
	mach_port_deallocate(SELF, rw);
	mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1);
}

TEST(vm_share_shares_both_ways)
{
	size_t pg = page_size(), len = 4 * pg;
	mach_vm_address_t r = alloc_pattern(len, 10), m, c, d;
	memory_object_size_t size;
	mach_port_t e, h, sub;
	int st;

	IPC_REQUIRE();
	ASSERT_NE(0, r);
	size = len;
	ASSERT_EQ(KERN_SUCCESS, make(r, &size, RW | MAP_MEM_VM_SHARE, &e,
				     MACH_PORT_NULL));
	EXPECT_EQ(len, size);
	ASSERT_NE(MACH_PORT_NULL, e);
	m = map_it(e, len, FALSE, RW);
	ASSERT_NE(0, m);
	EXPECT_TRUE(check_pages(P(m), len, 10));
	/* Writes both ways. */
	memset(P(m) + pg, 'M', pg);
	EXPECT_EQ('M', P(r)[pg + 17]);
	memset(P(r) + 3 * pg, 'R', pg);
	EXPECT_EQ('R', P(m)[3 * pg + 5]);
	/* copy=TRUE: a snapshot. */
	c = map_it(e, len, TRUE, RW);
	ASSERT_NE(0, c);
	EXPECT_EQ('M', P(c)[pg]);
	P(c)[0] = 'C';
	P(r)[pg] = 'X';
	EXPECT_NE('C', P(r)[0]);
	EXPECT_EQ('M', P(c)[pg]);
	EXPECT_EQ('X', P(m)[pg]);
	/* The copy kind: no parent, copy-entry flags, no purgeable control. */
	size = pg;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, make(0, &size, VM_PROT_READ, &sub, e));
	d = 0;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_map(SELF, &d, len, 0,
			      VM_FLAGS_ANYWHERE | VM_FLAGS_RANDOM_ADDR, e, 0,
			      FALSE, RW, RW, VM_INHERIT_DEFAULT));
	st = VM_PURGABLE_VOLATILE;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_memory_entry_purgable_control(e, VM_PURGABLE_SET_STATE,
						     &st));
	/* More than it grants is KERN_INVALID_RIGHT, as any entry. */
	d = 0;
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_vm_map(SELF, &d, len, 0, VM_FLAGS_ANYWHERE, e, 0, FALSE,
			      VM_PROT_ALL, VM_PROT_ALL, VM_INHERIT_DEFAULT));
	/* The entry outlives the range: its pages stay, shared with m. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, r, len));
	d = map_it(e, len, FALSE, VM_PROT_READ);
	ASSERT_NE(0, d);
	EXPECT_EQ('X', P(d)[pg]);
	EXPECT_EQ('R', P(d)[3 * pg]);
	mach_vm_deallocate(SELF, d, len);
	mach_vm_deallocate(SELF, c, len);
	mach_vm_deallocate(SELF, m, len);
	mach_port_deallocate(SELF, e);
	/* MAP_MEM_USE_DATA_ADDR keeps the offset in the page. */
	r = alloc_pattern(2 * pg, 11);
	ASSERT_NE(0, r);
	m = map_data_addr_entry(r, RW | MAP_MEM_VM_SHARE, &h);
	ASSERT_NE(0, m);
	P(m)[0] = 'D';
	EXPECT_EQ('D', P(r)[100]);
	mach_vm_deallocate(SELF, m, 1);
	mach_port_deallocate(SELF, h);
	mach_vm_deallocate(SELF, r, 2 * pg);
}

TEST(vm_share_takes_the_whole_range_or_nothing)
{
	size_t pg = page_size();
	mach_vm_address_t r = alloc_pattern(3 * pg, 20), a, m;
	memory_object_size_t size;
	mach_port_t h, rd;
	void *lin;

	IPC_REQUIRE();
	ASSERT_NE(0, r);
	/* Size 0 and wrapping: invalid. */
	size = 0;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  make(r, &size, RW | MAP_MEM_VM_SHARE, &h, MACH_PORT_NULL));
	size = 100;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  make(UINT64_MAX - 10, &size, RW | MAP_MEM_VM_SHARE, &h,
		       MACH_PORT_NULL));
	size = pg;
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  make(1ULL << 62, &size, RW | MAP_MEM_VM_SHARE, &h,
		       MACH_PORT_NULL));
	/* A page without write: the whole entry fails, mask or not. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_protect(SELF, r + 2 * pg, pg, FALSE,
						VM_PROT_READ));
	size = 3 * pg;
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  make(r, &size, RW | MAP_MEM_VM_SHARE, &h, MACH_PORT_NULL));
	EXPECT_EQ(3 * pg, size);
	EXPECT_EQ(MACH_PORT_NULL, h);
	/* VM_PROT_IS_MASK: what all of it allows (read). */
	size = 3 * pg;
	ASSERT_EQ(KERN_SUCCESS,
		  make(r, &size, RW | VM_PROT_IS_MASK | MAP_MEM_VM_SHARE, &h,
		       MACH_PORT_NULL));
	EXPECT_EQ(3 * pg, size);
	m = 0;
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_vm_map(SELF, &m, pg, 0, VM_FLAGS_ANYWHERE, h, 0, FALSE,
			      RW, RW, VM_INHERIT_DEFAULT));
	m = map_it(h, 3 * pg, FALSE, VM_PROT_READ);
	ASSERT_NE(0, m);
	EXPECT_TRUE(check_pages(P(m), 3 * pg, 20));
	mach_vm_deallocate(SELF, m, 3 * pg);
	mach_port_deallocate(SELF, h);
	/* Nothing readable at all: no entry. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_protect(SELF, r + 2 * pg, pg, FALSE,
						VM_PROT_NONE));
	size = pg;
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  make(r + 2 * pg, &size,
		       RW | VM_PROT_IS_MASK | MAP_MEM_VM_SHARE, &h,
		       MACH_PORT_NULL));
	/* A hole in the range: KERN_INVALID_ADDRESS; a share stops there. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_protect(SELF, r + 2 * pg, pg, FALSE,
						RW));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, r + pg, pg));
	size = 3 * pg;
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  make(r, &size, RW | MAP_MEM_VM_SHARE, &h, MACH_PORT_NULL));
	size = 3 * pg;
	ASSERT_EQ(KERN_SUCCESS, make(r, &size, RW, &h, MACH_PORT_NULL));
	EXPECT_EQ(pg, size);
	mach_port_deallocate(SELF, h);
	/* Two objects side by side: Machina names one (KERN_NOT_SUPPORTED). */
	a = r + pg;
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(SELF, &a, pg, VM_FLAGS_FIXED));
	size = 2 * pg;
	EXPECT_EQ(KERN_NOT_SUPPORTED,
		  make(r, &size, RW | MAP_MEM_VM_SHARE, &h, MACH_PORT_NULL));
	/* Linux memory cannot be named. */
	lin = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, lin);
	size = pg;
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  make((uintptr_t)lin, &size, RW | MAP_MEM_VM_SHARE, &h,
		       MACH_PORT_NULL));
	munmap(lin, pg);
	/* A read port makes no entry. */
	ASSERT_EQ(KERN_SUCCESS, task_read_for_pid(SELF, getpid(), &rd));
	size = pg;
	EXPECT_EQ(KERN_INVALID_TASK,
		  mach_make_memory_entry_64(rd, &size, r,
					    RW | MAP_MEM_VM_SHARE, &h,
					    MACH_PORT_NULL));
	mach_port_deallocate(SELF, rd);
	mach_vm_deallocate(SELF, r, 3 * pg);
}

/*
 * write_through - an entry of the own page @r made with @perm and @parent,
 * mapped shared, @c written at @off through the mapping
 * Returns: what @r then holds at @off (@c when the entry names @r), or 0.
 */
static char write_through(mach_vm_address_t r, int perm, mach_port_t parent,
			  size_t off, char c)
{
	memory_object_size_t size = page_size();
	mach_vm_address_t m;
	mach_port_t h;

	if (make(r, &size, perm, &h, parent))
		return 0;
	m = map_it(h, page_size(), FALSE, RW);
	mach_port_deallocate(SELF, h);
	if (!m)
		return 0;
	P(m)[off] = c;
	mach_vm_deallocate(SELF, m, page_size());
	return P(r)[off];
}

/*
 * VM_SHARE and NAMED_REUSE name the range even with a parent; VM_COPY is
 * taken before VM_SHARE.
 */
TEST(vm_share_and_reuse_ignore_the_parent)
{
	size_t pg = page_size();
	mach_vm_address_t r = alloc_pattern(pg, 30), m;
	memory_object_size_t size = pg;
	mach_port_t parent, h;

	IPC_REQUIRE();
	ASSERT_NE(0, r);
	ASSERT_EQ(KERN_SUCCESS, make(0, &size, RW | MAP_MEM_NAMED_CREATE,
				     &parent, MACH_PORT_NULL));
	EXPECT_EQ('S', write_through(r, RW | MAP_MEM_VM_SHARE, parent, 1,
				     'S'));
	EXPECT_EQ('N', write_through(r, RW | MAP_MEM_NAMED_REUSE, parent, 2,
				     'N'));
	EXPECT_EQ('S', P(r)[1]);
	size = pg;
	ASSERT_EQ(KERN_SUCCESS,
		  make(r, &size, RW | MAP_MEM_VM_SHARE | MAP_MEM_VM_COPY, &h,
		       MACH_PORT_NULL));
	m = map_it(h, pg, FALSE, RW);
	ASSERT_NE(0, m);
	P(m)[3] = 'K';
	EXPECT_NE('K', P(r)[3]);
	EXPECT_EQ('N', P(m)[2]);
	mach_vm_deallocate(SELF, m, pg);
	mach_port_deallocate(SELF, h);
	mach_port_deallocate(SELF, parent);
	mach_vm_deallocate(SELF, r, pg);
}

TEST_HARNESS_MAIN
