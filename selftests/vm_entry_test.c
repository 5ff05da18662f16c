// SPDX-License-Identifier: GPL-2.0
/*
 * Mach VM, slice 3 (issue 10): memory entries (mach_make_memory_entry_64)
 * and mach_vm_map.
 *
 * Checked: a named entry mapped twice in one task aliases; an entry sent
 * in a message to another process is real shared memory both ways; copy
 * mappings and MAP_MEM_VM_COPY entries are snapshots; an entry made from
 * a range shares it, and one made over a range that is copy-on-write with
 * a fork child neither shows nor changes the child's side (nor the child's
 * entry the parent's); protections cap every mapping (a read-only entry
 * never maps writable, mprotect up is refused); sub-entries of a parent;
 * XNU's error table of both calls; mapping into a child through
 * task_for_pid and entries made of a child's memory; a mapping outlives
 * its entry and the range; an entry outlives its creator; the pages of a
 * named entry are charged to its creator's memory cgroup, whoever writes
 * them; entries are port names (bounded by max_names) and give back
 * everything when released; as nobody, a read-only entry of root's memory
 * gives no way to write it.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include <mach/memory_object_types.h>

#include "kselftest_harness.h"
#include "vm_test.h"
#include "vm_child_test.h"

#define MIB (1024L * 1024)
#define RW (VM_PROT_READ | VM_PROT_WRITE)

/* ---- helpers ------------------------------------------------------------- */

/* An entry of @pages new pages granting @prot, or MACH_PORT_NULL. */
static mach_port_t named_create(size_t pages, vm_prot_t prot)
{
	memory_object_size_t size = pages * page_size();
	mach_port_t h = MACH_PORT_NULL;

	if (mach_make_memory_entry_64(SELF, &size, 0, prot | MAP_MEM_NAMED_CREATE,
				      &h, MACH_PORT_NULL) ||
	    size != pages * page_size())
		return MACH_PORT_NULL;
	return h;
}

/* mach_vm_map anywhere, shared or copy, inherited by copy; 0 on failure. */
static mach_vm_address_t map_entry(mach_port_t task, mach_port_t entry,
				   size_t off, size_t len, boolean_t copy,
				   vm_prot_t cur, vm_prot_t max)
{
	mach_vm_address_t a = 0;

	if (mach_vm_map(task, &a, len, 0, VM_FLAGS_ANYWHERE, entry, off, copy,
			cur, max, VM_INHERIT_DEFAULT))
		return 0;
	return a;
}

/* An entry of [addr, addr + len) of the own task with @perm, or NULL. */
static mach_port_t range_entry(mach_vm_address_t addr, size_t len, int perm,
			       memory_object_size_t *out)
{
	memory_object_size_t size = len;
	mach_port_t h = MACH_PORT_NULL;

	if (mach_make_memory_entry_64(SELF, &size, addr, perm, &h,
				      MACH_PORT_NULL))
		return MACH_PORT_NULL;
	if (out)
		*out = size;
	return h;
}

/* ---- named entries --------------------------------------------------------- */

TEST(named_create_maps_twice_and_aliases)
{
	size_t pg = page_size();
	memory_object_size_t size = 2 * pg + 1;
	mach_port_t h = MACH_PORT_NULL;
	mach_vm_address_t a, b;
	vm_region_basic_info_data_64_t info;

	IPC_REQUIRE();
	/* The size comes back rounded to pages. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_make_memory_entry_64(SELF, &size, 0,
					    RW | MAP_MEM_NAMED_CREATE, &h,
					    MACH_PORT_NULL));
	EXPECT_EQ(3 * pg, size);
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type_of(h));
	a = map_entry(SELF, h, 0, 3 * pg, FALSE, RW, RW);
	b = map_entry(SELF, h, pg, 2 * pg, FALSE, RW, RW);
	ASSERT_NE(0, a);
	ASSERT_NE(0, b);
	EXPECT_EQ(0, P(a)[0]);
	fill_pages(P(a), 3 * pg, 7);
	EXPECT_EQ(0, memcmp(P(b), P(a) + pg, 2 * pg));
	P(b)[5] = 'x';
	EXPECT_EQ('x', P(a)[pg + 5]);
	ASSERT_EQ(0, region_of(SELF, a, &info));
	EXPECT_EQ(RW, info.protection);
	EXPECT_EQ(RW, info.max_protection);
	EXPECT_TRUE(info.shared);
	/* The mappings outlive the entry's port. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, h));
	EXPECT_EQ('x', P(a)[pg + 5]);
	P(a)[2 * pg] = 'y';
	EXPECT_EQ('y', P(b)[pg]);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, 3 * pg));
	EXPECT_EQ('y', P(b)[pg]);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, b, 2 * pg));
}

TEST(entry_sent_in_a_message_is_shared_both_ways)
{
	size_t pg = page_size(), len = 4 * pg;
	mach_port_t rcv = new_port_send(), h, to;
	mach_vm_address_t a;
	struct gate g;
	pid_t pid;

	IPC_REQUIRE();
	pid = fork_sender(rcv, &g, &to);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		mach_port_t e = named_create(4, RW);
		mach_vm_address_t m;

		if (!e || send_port(to, MACH_MSG_TYPE_COPY_SEND, 1, e,
				    MACH_MSG_TYPE_MOVE_SEND))
			_exit(2);
		/* The entry moved away: the child maps nothing by it now. */
		m = map_entry(SELF, e, 0, pg, FALSE, RW, RW);
		if (m)
			_exit(3);
		gate_wait(g.down[0]);		/* the parent mapped and wrote */
		_exit(0);
	}
	h = recv_right(rcv);
	ASSERT_NE(MACH_PORT_NULL, h);
	a = map_entry(SELF, h, 0, len, FALSE, RW, RW);
	ASSERT_NE(0, a);
	fill_pages(P(a), len, 3);
	gate_send(g.down[1]);
	EXPECT_EQ(0, mt_wait_exit(pid));
	mach_port_deallocate(SELF, h);
	EXPECT_TRUE(check_pages(P(a), len, 3));
	mach_vm_deallocate(SELF, a, len);
	mach_port_mod_refs(SELF, rcv, MACH_PORT_RIGHT_RECEIVE, -1);
}

/*
 * Two processes map one entry: each sees the other's writes (the daemon
 * case: the server makes the entry and sends it, the client maps it).
 */
TEST(two_processes_map_one_entry)
{
	size_t pg = page_size(), len = 3 * pg;
	mach_port_t rcv = new_port_send(), h, to;
	mach_vm_address_t a;
	struct gate g;
	pid_t pid;

	IPC_REQUIRE();
	pid = fork_sender(rcv, &g, &to);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		mach_port_t e = named_create(3, RW);
		mach_vm_address_t m = map_entry(SELF, e, 0, len, FALSE, RW, RW);

		if (!e || !m || send_port(to, MACH_MSG_TYPE_COPY_SEND, 1, e,
					  MACH_MSG_TYPE_COPY_SEND))
			_exit(2);
		fill_pages(P(m), len, 11);
		gate_send(g.up[1]);		/* written */
		gate_wait(g.down[0]);		/* the parent wrote its own */
		_exit(check_pages(P(m), len, 12) ? 0 : 4);
	}
	h = recv_right(rcv);
	ASSERT_NE(MACH_PORT_NULL, h);
	a = map_entry(SELF, h, 0, len, FALSE, RW, RW);
	ASSERT_NE(0, a);
	gate_wait(g.up[0]);
	EXPECT_TRUE(check_pages(P(a), len, 11));
	fill_pages(P(a), len, 12);
	gate_send(g.down[1]);
	EXPECT_EQ(0, mt_wait_exit(pid));
	/* The creator is gone; the entry and the pages are still there. */
	EXPECT_TRUE(check_pages(P(a), len, 12));
	mach_port_deallocate(SELF, h);
	mach_vm_deallocate(SELF, a, len);
	mach_port_mod_refs(SELF, rcv, MACH_PORT_RIGHT_RECEIVE, -1);
}

TEST(copy_mappings_and_copy_entries_are_snapshots)
{
	size_t pg = page_size(), len = 2 * pg;
	mach_port_t h = named_create(2, RW), c, sub = MACH_PORT_NULL;
	mach_vm_address_t a, b, r, m;
	memory_object_size_t size;

	IPC_REQUIRE();
	ASSERT_NE(MACH_PORT_NULL, h);
	a = map_entry(SELF, h, 0, len, FALSE, RW, RW);
	ASSERT_NE(0, a);
	fill_pages(P(a), len, 1);
	b = map_entry(SELF, h, 0, len, TRUE, RW, RW);
	ASSERT_NE(0, b);
	EXPECT_TRUE(check_pages(P(b), len, 1));
	fill_pages(P(a), pg, 2);
	EXPECT_TRUE(check_pages(P(b), len, 1));
	fill_pages(P(b) + pg, pg, 3);
	EXPECT_TRUE(check_pages(P(a) + pg, pg, 1));
	EXPECT_TRUE(check_pages(P(a), pg, 2));

	/* MAP_MEM_VM_COPY of a range: a snapshot, both ways. */
	r = alloc_pattern(len, 4);
	ASSERT_NE(0, r);
	size = len;
	c = MACH_PORT_NULL;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_make_memory_entry_64(SELF, &size, r, RW | MAP_MEM_VM_COPY,
					    &c, MACH_PORT_NULL));
	EXPECT_EQ(len, size);
	fill_pages(P(r), pg, 5);
	m = map_entry(SELF, c, 0, len, FALSE, RW, RW);
	ASSERT_NE(0, m);
	EXPECT_TRUE(check_pages(P(m), len, 4));
	fill_pages(P(m) + pg, pg, 6);
	EXPECT_TRUE(check_pages(P(r) + pg, pg, 4));
	/* A copy entry is no parent; the failure copies nothing out. */
	size = pg;
	sub = 7;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_make_memory_entry_64(SELF, &size, 0, VM_PROT_READ, &sub,
					    c));
	EXPECT_EQ(pg, size);
	EXPECT_EQ(7, sub);
	/* The range went; the copy entry keeps its pages. */
	mach_vm_deallocate(SELF, r, len);
	mach_vm_deallocate(SELF, m, len);
	m = map_entry(SELF, c, 0, len, FALSE, VM_PROT_READ, VM_PROT_READ);
	ASSERT_NE(0, m);
	EXPECT_TRUE(check_pages(P(m), pg, 4));
	EXPECT_TRUE(check_pages(P(m) + pg, pg, 6));
	mach_vm_deallocate(SELF, m, len);
	mach_vm_deallocate(SELF, a, len);
	mach_vm_deallocate(SELF, b, len);
	mach_port_deallocate(SELF, h);
	mach_port_deallocate(SELF, c);
}

/* ---- entries of ranges --------------------------------------------------- */

TEST(entry_from_a_range_shares_it)
{
	size_t pg = page_size();
	mach_vm_address_t r = alloc_pattern(4 * pg, 20), s, m;
	memory_object_size_t size;
	mach_port_t h;
	char *anon;

	IPC_REQUIRE();
	ASSERT_NE(0, r);
	h = range_entry(r + pg, 2 * pg, RW, &size);
	ASSERT_NE(MACH_PORT_NULL, h);
	EXPECT_EQ(2 * pg, size);
	m = map_entry(SELF, h, 0, 2 * pg, FALSE, RW, RW);
	ASSERT_NE(0, m);
	EXPECT_EQ(0, memcmp(P(m), P(r) + pg, 2 * pg));
	P(m)[3] = 'm';
	EXPECT_EQ('m', P(r)[pg + 3]);
	P(r)[2 * pg + 9] = 'r';
	EXPECT_EQ('r', P(m)[pg + 9]);
	/* The range goes; the entry and its mapping keep the pages. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, r, 4 * pg));
	EXPECT_EQ('m', P(m)[3]);
	mach_vm_deallocate(SELF, m, 2 * pg);
	m = map_entry(SELF, h, pg, pg, FALSE, RW, RW);
	ASSERT_NE(0, m);
	EXPECT_EQ('r', P(m)[9]);
	mach_vm_deallocate(SELF, m, pg);
	mach_port_deallocate(SELF, h);

	/* One object only: the size out stops where the next begins. */
	r = alloc_pattern(2 * pg, 21);
	ASSERT_NE(0, r);
	s = r + 2 * pg;
	if (mach_vm_allocate(SELF, &s, pg, VM_FLAGS_FIXED) == KERN_SUCCESS) {
		h = range_entry(r, 3 * pg, RW, &size);
		ASSERT_NE(MACH_PORT_NULL, h);
		EXPECT_EQ(2 * pg, size);
		mach_port_deallocate(SELF, h);
		mach_vm_deallocate(SELF, s, pg);
	}
	/* Split by a protect, the range is still one object and view. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_protect(SELF, r + pg, pg, FALSE, VM_PROT_READ));
	h = range_entry(r, 2 * pg, VM_PROT_READ, &size);
	ASSERT_NE(MACH_PORT_NULL, h);
	EXPECT_EQ(2 * pg, size);
	mach_port_deallocate(SELF, h);
	/* Write is asked, the second vma is read-only. */
	EXPECT_EQ(MACH_PORT_NULL, range_entry(r, 2 * pg, RW, NULL));
	mach_vm_deallocate(SELF, r, 2 * pg);

	/* Linux memory cannot be named; nothing mapped is a bad address. */
	anon = map_pages(pg);
	ASSERT_NE(NULL, anon);
	size = pg;
	h = 1;
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_make_memory_entry_64(SELF, &size, (uintptr_t)anon, RW, &h,
					    MACH_PORT_NULL));
	EXPECT_EQ(pg, size);
	EXPECT_EQ(1, h);
	munmap(anon, pg);
	size = pg;
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_make_memory_entry_64(SELF, &size, (uintptr_t)anon, RW, &h,
					    MACH_PORT_NULL));
}

/*
 * A range that is copy-on-write with a fork child: an entry of the
 * parent's range sees the parent's side only, and writing through it
 * leaves the child's side (and the snapshot they share) alone; the
 * child's entry of its own range the same, the other way.
 */
/* An entry of the range, mapped shared (the port goes: the mapping stays). */
static mach_vm_address_t share_by_entry(mach_vm_address_t r, size_t len)
{
	mach_port_t h = range_entry(r, len, RW, NULL);
	mach_vm_address_t m;

	if (!h)
		return 0;
	m = map_entry(SELF, h, 0, len, FALSE, RW, RW);
	mach_port_deallocate(SELF, h);
	return m;
}

TEST(entry_over_a_copy_on_write_range_keeps_each_side)
{
	IPC_REQUIRE();
	EXPECT_EQ(0, cow_sides(share_by_entry, 30));
}

/* ---- protections ------------------------------------------------------------ */

TEST(protection_caps_every_mapping)
{
	size_t pg = page_size();
	mach_vm_address_t r = alloc_pattern(2 * pg, 40), m = 0;
	memory_object_size_t size;
	mach_port_t ro, h;

	IPC_REQUIRE();
	ASSERT_NE(0, r);
	ro = range_entry(r, 2 * pg, VM_PROT_READ, NULL);
	ASSERT_NE(MACH_PORT_NULL, ro);
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_vm_map(SELF, &m, pg, 0, VM_FLAGS_ANYWHERE, ro, 0, FALSE,
			      RW, RW, VM_INHERIT_DEFAULT));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_vm_map(SELF, &m, pg, 0, VM_FLAGS_ANYWHERE, ro, 0, FALSE,
			      VM_PROT_READ, RW, VM_INHERIT_DEFAULT));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_vm_map(SELF, &m, pg, 0, VM_FLAGS_ANYWHERE, ro, 0, TRUE,
			      RW, RW, VM_INHERIT_DEFAULT));
	/* VM_PROT_IS_MASK: what the entry grants of it. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_map(SELF, &m, 2 * pg, 0, VM_FLAGS_ANYWHERE, ro, 0,
			      FALSE, RW | VM_PROT_IS_MASK,
			      VM_PROT_ALL | VM_PROT_IS_MASK, VM_INHERIT_DEFAULT));
	EXPECT_TRUE(check_pages(P(m), 2 * pg, 40));
	EXPECT_EQ(-1, mprotect(P(m), pg, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_vm_protect(SELF, m, pg, FALSE, RW));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_vm_protect(SELF, m, pg, TRUE, RW));
	mach_vm_deallocate(SELF, m, 2 * pg);
	/* A sub-entry gets no more than its parent. */
	size = pg;
	h = MACH_PORT_NULL;
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_make_memory_entry_64(SELF, &size, 0, RW, &h, ro));
	mach_port_deallocate(SELF, ro);

	/* A read-only range: no write entry; with IS_MASK a read one. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_protect(SELF, r, 2 * pg, FALSE, VM_PROT_READ));
	size = 2 * pg;
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_make_memory_entry_64(SELF, &size, r, RW, &h,
					    MACH_PORT_NULL));
	h = range_entry(r, 2 * pg, RW | VM_PROT_IS_MASK, NULL);
	ASSERT_NE(MACH_PORT_NULL, h);
	m = 0;
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_vm_map(SELF, &m, pg, 0, VM_FLAGS_ANYWHERE, h, 0, FALSE,
			      RW, RW, VM_INHERIT_DEFAULT));
	m = map_entry(SELF, h, 0, pg, FALSE, VM_PROT_READ, VM_PROT_READ);
	EXPECT_NE(0, m);
	mach_vm_deallocate(SELF, m, pg);
	mach_port_deallocate(SELF, h);
	/* A range with no access at all gives no entry, even masked. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_protect(SELF, r, pg, FALSE, VM_PROT_NONE));
	size = pg;
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_make_memory_entry_64(SELF, &size, r,
					    RW | VM_PROT_IS_MASK, &h,
					    MACH_PORT_NULL));
	mach_vm_deallocate(SELF, r, 2 * pg);
}

TEST(sub_entries_of_a_parent)
{
	size_t pg = page_size();
	mach_port_t p = named_create(4, RW), sub = MACH_PORT_NULL, port;
	memory_object_size_t size;
	mach_vm_address_t a, s;

	IPC_REQUIRE();
	ASSERT_NE(MACH_PORT_NULL, p);
	a = map_entry(SELF, p, 0, 4 * pg, FALSE, RW, RW);
	ASSERT_NE(0, a);
	fill_pages(P(a), 4 * pg, 50);
	size = 2 * pg;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_make_memory_entry_64(SELF, &size, pg, VM_PROT_READ, &sub,
					    p));
	EXPECT_EQ(2 * pg, size);
	s = map_entry(SELF, sub, 0, 2 * pg, FALSE, VM_PROT_READ, VM_PROT_READ);
	ASSERT_NE(0, s);
	EXPECT_EQ(0, memcmp(P(s), P(a) + pg, 2 * pg));
	P(a)[pg + 1] = 'p';
	EXPECT_EQ('p', P(s)[1]);
	/* Its own size bounds its mappings. */
	EXPECT_EQ(0, map_entry(SELF, sub, pg, 2 * pg, FALSE, VM_PROT_READ,
			       VM_PROT_READ));
	mach_vm_deallocate(SELF, s, 2 * pg);
	mach_port_deallocate(SELF, sub);
	/* Past the parent's end. */
	size = 2 * pg;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_make_memory_entry_64(SELF, &size, 3 * pg, VM_PROT_READ,
					    &sub, p));
	size = pg + 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_make_memory_entry_64(SELF, &size, 3 * pg, VM_PROT_READ,
					    &sub, p));
	size = 2;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_make_memory_entry_64(SELF, &size, UINT64_MAX - 1,
					    VM_PROT_READ, &sub, p));
	/* A port that is no entry is not a parent (XNU ignores it). */
	port = new_port_send();
	size = pg;
	EXPECT_EQ(KERN_SUCCESS,
		  mach_make_memory_entry_64(SELF, &size, a, VM_PROT_READ, &sub,
					    port));
	mach_port_deallocate(SELF, sub);
	/* A name without a send right fails as the message would. */
	size = pg;
	EXPECT_EQ(MACH_SEND_INVALID_RIGHT,
		  mach_make_memory_entry_64(SELF, &size, a, VM_PROT_READ, &sub,
					    0x12345678));
	mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_deallocate(SELF, port);
	mach_vm_deallocate(SELF, a, 4 * pg);
	mach_port_deallocate(SELF, p);
}

/*
 * MAP_MEM_NAMED_REUSE with a parent: a range that is exactly what the
 * parent names (its object from offset 0, the same size and data offset)
 * gives back the parent itself, one more send right to it (XNU's share
 * path, which does not compare the protections); any other range a new
 * entry.
 */
TEST(named_reuse_gives_back_a_matching_parent)
{
	size_t pg = page_size();
	mach_vm_address_t r = alloc_pattern(2 * pg, 70);
	mach_vm_address_t r2 = alloc_pattern(2 * pg, 71);
	mach_vm_address_t a, b;
	memory_object_size_t size;
	mach_port_t p, c, h;
	unsigned int i;
	/*
	 * Not the parent's range: its first page, its second, other memory,
	 * a data offset, VM_SHARE: each a new entry, the parent untouched.
	 */
	const struct {
		mach_vm_address_t at;
		size_t len;
		int flags;
	} other[] = {
		{ r, pg, 0 },
		{ r + pg, pg, 0 },
		{ r2, 2 * pg, 0 },
		{ r + 1, 2 * pg - 1, MAP_MEM_USE_DATA_ADDR },
		{ r, 2 * pg, MAP_MEM_VM_SHARE },
	};

	IPC_REQUIRE();
	ASSERT_NE(0, r);
	ASSERT_NE(0, r2);
	p = range_entry(r, 2 * pg, RW, &size);
	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(2 * pg, size);
	EXPECT_EQ(1, urefs_of(p, MACH_PORT_RIGHT_SEND));
	/* The same range: the parent's own name, its count up by one. */
	size = 2 * pg;
	h = MACH_PORT_NULL;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_make_memory_entry_64(SELF, &size, r,
					    RW | MAP_MEM_NAMED_REUSE, &h, p));
	EXPECT_EQ(p, h);
	EXPECT_EQ(2 * pg, size);
	EXPECT_EQ(2, urefs_of(p, MACH_PORT_RIGHT_SEND));
	/* Read only asked of it: still the parent. */
	size = 2 * pg;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_make_memory_entry_64(SELF, &size, r,
					    VM_PROT_READ | MAP_MEM_NAMED_REUSE,
					    &h, p));
	EXPECT_EQ(p, h);
	EXPECT_EQ(3, urefs_of(p, MACH_PORT_RIGHT_SEND));
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		size = other[i].len;
		h = MACH_PORT_NULL;
		ASSERT_EQ(KERN_SUCCESS,
			  mach_make_memory_entry_64(SELF, &size, other[i].at,
						    RW | MAP_MEM_NAMED_REUSE |
						    other[i].flags, &h, p));
		EXPECT_NE(MACH_PORT_NULL, h);
		EXPECT_NE(p, h);
		EXPECT_EQ(1, urefs_of(h, MACH_PORT_RIGHT_SEND));
		EXPECT_EQ(3, urefs_of(p, MACH_PORT_RIGHT_SEND));
		mach_port_deallocate(SELF, h);
	}
	/* Without NAMED_REUSE a parent gives a sub-entry, a new one. */
	size = 2 * pg;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_make_memory_entry_64(SELF, &size, 0, RW, &h, p));
	EXPECT_NE(p, h);
	mach_port_deallocate(SELF, h);
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, -2));

	/* A named entry and a mapping of all of it: the entry; of part: new. */
	c = named_create(2, RW);
	ASSERT_NE(MACH_PORT_NULL, c);
	a = map_entry(SELF, c, 0, 2 * pg, FALSE, RW, RW);
	b = map_entry(SELF, c, pg, pg, FALSE, RW, RW);
	ASSERT_NE(0, a);
	ASSERT_NE(0, b);
	size = 2 * pg;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_make_memory_entry_64(SELF, &size, a,
					    RW | MAP_MEM_NAMED_REUSE, &h, c));
	EXPECT_EQ(c, h);
	EXPECT_EQ(2, urefs_of(c, MACH_PORT_RIGHT_SEND));
	size = pg;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_make_memory_entry_64(SELF, &size, b,
					    RW | MAP_MEM_NAMED_REUSE, &h, c));
	EXPECT_NE(c, h);
	mach_port_deallocate(SELF, h);
	/* The names given back are the entry's: both go, it goes. */
	mach_port_deallocate(SELF, c);
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type_of(c));
	mach_port_deallocate(SELF, c);
	EXPECT_EQ(0, type_of(c));
	mach_vm_deallocate(SELF, a, 2 * pg);
	mach_vm_deallocate(SELF, b, pg);
	mach_port_deallocate(SELF, p);
	mach_vm_deallocate(SELF, r, 2 * pg);
	mach_vm_deallocate(SELF, r2, 2 * pg);
}

/* ---- errors ---------------------------------------------------------------- */

TEST(make_memory_entry_error_table)
{
	size_t pg = page_size();
	memory_object_size_t size;
	mach_port_t h, name = MACH_PORT_NULL;
	mach_vm_address_t r = alloc_pattern(2 * pg, 60), m;
	vm_size_t size32;

	IPC_REQUIRE();
	ASSERT_NE(0, r);
	/*
	 * Unknown MAP_MEM_* bits: KERN_INVALID_VALUE, nothing out (Darwin's
	 * MIG stub copies out only a success: size and handle stay).
	 */
	size = pg;
	h = 7;
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_make_memory_entry_64(SELF, &size, r, RW | 0x1000, &h,
					    MACH_PORT_NULL));
	EXPECT_EQ(pg, size);
	EXPECT_EQ(7, h);
	size = pg;
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_make_memory_entry_64(SELF, &size, 0,
					    RW | MAP_MEM_NAMED_CREATE | 0x100,
					    &h, MACH_PORT_NULL));
	/*
	 * MAP_MEM_ONLY is taken before NAMED_CREATE and wants a parent
	 * (vm_entry_share_test has the rest of it and of VM_SHARE).
	 */
	size = pg;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_make_memory_entry_64(SELF, &size, 0,
					    RW | MAP_MEM_NAMED_CREATE |
					    MAP_MEM_ONLY, &h,
					    MACH_PORT_NULL));
	size = pg;
	EXPECT_EQ(KERN_SUCCESS,
		  mach_make_memory_entry_64(SELF, &size, r,
					    RW | MAP_MEM_VM_SHARE, &h,
					    MACH_PORT_NULL));
	EXPECT_EQ(pg, size);
	mach_port_deallocate(SELF, h);
	/* Protection bits beyond ALL and the cache mode are ignored. */
	size = pg;
	EXPECT_EQ(KERN_SUCCESS,
		  mach_make_memory_entry_64(SELF, &size, r,
					    RW | 0x88 | (MAP_MEM_WCOMB << 24),
					    &h, MACH_PORT_NULL));
	mach_port_deallocate(SELF, h);
	/* NAMED_CREATE: size 0 succeeds with nothing. */
	size = 0;
	h = 7;
	EXPECT_EQ(KERN_SUCCESS,
		  mach_make_memory_entry_64(SELF, &size, 0,
					    RW | MAP_MEM_NAMED_CREATE, &h,
					    MACH_PORT_NULL));
	EXPECT_EQ(0, size);
	EXPECT_EQ(MACH_PORT_NULL, h);
	size = pg;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_make_memory_entry_64(SELF, &size, 0,
					    RW | MAP_MEM_NAMED_CREATE |
					    MAP_MEM_USE_DATA_ADDR, &h,
					    MACH_PORT_NULL));
	/* Beyond XNU's largest anonymous object (2^32 - 1 pages). */
	size = (0xFFFFFFFFULL + 1) * pg;
	EXPECT_EQ(KERN_FAILURE,
		  mach_make_memory_entry_64(SELF, &size, 0,
					    RW | MAP_MEM_NAMED_CREATE, &h,
					    MACH_PORT_NULL));
	size = UINT64_MAX - 10;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_make_memory_entry_64(SELF, &size, pg,
					    RW | MAP_MEM_NAMED_CREATE, &h,
					    MACH_PORT_NULL));
	/* The range counts from the offset's page: one page more. */
	size = pg;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_make_memory_entry_64(SELF, &size, 1,
					    RW | MAP_MEM_NAMED_CREATE, &h,
					    MACH_PORT_NULL));
	EXPECT_EQ(2 * pg, size);
	mach_port_deallocate(SELF, h);
	/* Ranges: size 0 and wrapping are invalid. */
	size = 0;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_make_memory_entry_64(SELF, &size, r, RW, &h,
					    MACH_PORT_NULL));
	size = 100;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_make_memory_entry_64(SELF, &size, UINT64_MAX - 10, RW,
					    &h, MACH_PORT_NULL));
	size = 100;
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_make_memory_entry_64(SELF, &size, 1ULL << 62, RW, &h,
					    MACH_PORT_NULL));
	/* A copy of a range with a hole. */
	m = alloc_pattern(3 * pg, 61);
	ASSERT_NE(0, m);
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, m + pg, pg));
	size = 3 * pg;
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_make_memory_entry_64(SELF, &size, m,
					    RW | MAP_MEM_VM_COPY, &h,
					    MACH_PORT_NULL));
	mach_vm_deallocate(SELF, m, 3 * pg);
	/* MAP_MEM_USE_DATA_ADDR keeps the offset in the page. */
	m = map_data_addr_entry(r, RW, &h);
	EXPECT_NE(0, m);
	mach_vm_deallocate(SELF, m, 1);
	mach_port_deallocate(SELF, h);
	/* The 32-bit call. */
	size32 = pg;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_make_memory_entry(SELF, &size32, r, VM_PROT_READ, &h,
					 MACH_PORT_NULL));
	EXPECT_EQ(pg, size32);
	mach_port_deallocate(SELF, h);
	/*
	 * A name port reaches no memory (XNU: the null map of a lesser task
	 * port is KERN_INVALID_TASK here); a bad name is no destination.
	 */
	ASSERT_EQ(KERN_SUCCESS, task_name_for_pid(SELF, getpid(), &name));
	size = pg;
	EXPECT_EQ(KERN_INVALID_TASK,
		  mach_make_memory_entry_64(name, &size, r, RW, &h,
					    MACH_PORT_NULL));
	size = pg;
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  mach_make_memory_entry_64(0x12345678, &size, r, RW, &h,
					    MACH_PORT_NULL));
	mach_port_deallocate(SELF, name);
	mach_vm_deallocate(SELF, r, 2 * pg);
}

TEST(vm_map_error_table)
{
	size_t pg = page_size();
	mach_port_t h = named_create(4, RW), port = new_port_send(), c;
	mach_vm_address_t a, r;
	memory_object_size_t size;
	vm_region_basic_info_data_64_t info;
	vm_address_t la;

	IPC_REQUIRE();
	ASSERT_NE(MACH_PORT_NULL, h);
#define MAP(addr, sz, mask, flags, obj, off, copy, cur, max, inh)	\
	mach_vm_map(SELF, addr, sz, mask, flags, obj, off, copy, cur, max, inh)
	a = 0;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  MAP(&a, pg, 0, VM_FLAGS_ANYWHERE | 0x20, h, 0, FALSE, RW, RW,
		      VM_INHERIT_DEFAULT));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  MAP(&a, 0, 0, VM_FLAGS_ANYWHERE, h, 0, FALSE, RW, RW,
		      VM_INHERIT_DEFAULT));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  MAP(&a, pg, 0, VM_FLAGS_ANYWHERE, h, 0, FALSE, 0x8, RW,
		      VM_INHERIT_DEFAULT));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  MAP(&a, pg, 0, VM_FLAGS_ANYWHERE, h, 0, FALSE, RW, RW, 3));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  MAP(&a, pg, 0, VM_FLAGS_ANYWHERE | VM_FLAGS_OVERWRITE, h, 0,
		      FALSE, RW, RW, VM_INHERIT_DEFAULT));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  MAP(&a, 2 * pg, 0, VM_FLAGS_ANYWHERE, h, 3 * pg, FALSE, RW,
		      RW, VM_INHERIT_DEFAULT));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  MAP(&a, 2 * pg, 0, VM_FLAGS_ANYWHERE, h, UINT64_MAX - pg,
		      FALSE, RW, RW, VM_INHERIT_DEFAULT));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  MAP(&a, UINT64_MAX - 10, 0, VM_FLAGS_ANYWHERE,
		      MACH_PORT_NULL, 0, FALSE, RW, RW, VM_INHERIT_DEFAULT));
	/* PURGABLE takes only a whole purgeable object (vm_purgable_test). */
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  MAP(&a, pg, 0, VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE, h, 0,
		      FALSE, RW, RW, VM_INHERIT_DEFAULT));
	EXPECT_EQ(KERN_INVALID_OBJECT,
		  MAP(&a, pg, 0, VM_FLAGS_ANYWHERE, port, 0, FALSE, RW, RW,
		      VM_INHERIT_DEFAULT));
	EXPECT_EQ(MACH_SEND_INVALID_RIGHT,
		  MAP(&a, pg, 0, VM_FLAGS_ANYWHERE, 0x12345678, 0, FALSE, RW,
		      RW, VM_INHERIT_DEFAULT));
	EXPECT_EQ(0, a);

	/* FIXED: against the mask, over a taken range, then OVERWRITE. */
	r = alloc_pattern(4 * pg, 70);
	ASSERT_NE(0, r);
	a = r + pg;
	if (!(a & (2 * pg - 1)))
		a += pg;
	EXPECT_EQ(KERN_NO_SPACE,
		  MAP(&a, pg, 2 * pg - 1, VM_FLAGS_FIXED, h, 0, FALSE, RW, RW,
		      VM_INHERIT_DEFAULT));
	a = r;
	EXPECT_EQ(KERN_NO_SPACE,
		  MAP(&a, pg, 0, VM_FLAGS_FIXED, h, 0, FALSE, RW, RW,
		      VM_INHERIT_DEFAULT));
	a = r + pg + 1;
	ASSERT_EQ(KERN_SUCCESS,
		  MAP(&a, 2 * pg, 0, VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE, h,
		      pg, FALSE, RW, RW, VM_INHERIT_SHARE));
	EXPECT_EQ(r + pg, a);
	EXPECT_TRUE(check_pages(P(r), pg, 70));
	EXPECT_EQ(0, P(r)[pg]);
	ASSERT_EQ(0, region_of(SELF, r + pg, &info));
	EXPECT_EQ(VM_INHERIT_SHARE, info.inheritance);
	EXPECT_EQ(pg, info.offset);
	mach_vm_deallocate(SELF, r, 4 * pg);

	/* ANYWHERE with a mask: aligned. */
	a = 0;
	ASSERT_EQ(KERN_SUCCESS,
		  MAP(&a, 4 * pg, (1 << 22) - 1, VM_FLAGS_ANYWHERE, h, 0,
		      FALSE, RW, RW, VM_INHERIT_DEFAULT));
	EXPECT_EQ(0, a & ((1 << 22) - 1));
	mach_vm_deallocate(SELF, a, 4 * pg);
	a = 0;
	EXPECT_EQ(KERN_NO_SPACE,
		  MAP(&a, pg, UINT64_MAX >> 1, VM_FLAGS_ANYWHERE, h, 0, FALSE,
		      RW, RW, VM_INHERIT_DEFAULT));

	/* No object: zero-filled memory with the protections asked. */
	a = 0;
	ASSERT_EQ(KERN_SUCCESS,
		  MAP(&a, 2 * pg, 0, VM_FLAGS_ANYWHERE, MACH_PORT_NULL, 0,
		      FALSE, VM_PROT_READ, RW, VM_INHERIT_DEFAULT));
	EXPECT_EQ(0, P(a)[pg]);
	EXPECT_EQ(0, mprotect(P(a), pg, PROT_READ | PROT_WRITE));
	P(a)[0] = 1;
	mach_vm_deallocate(SELF, a, 2 * pg);
	/* The legacy vm_map. */
	la = 0;
	EXPECT_EQ(KERN_SUCCESS,
		  vm_map(SELF, &la, pg, 0, VM_FLAGS_ANYWHERE, h, 0, FALSE,
			 VM_PROT_READ, VM_PROT_READ, VM_INHERIT_NONE));
	mach_vm_deallocate(SELF, la, pg);

	/* A copy entry maps with FIXED, ANYWHERE, OVERWRITE, data, tag only. */
	r = alloc_pattern(pg, 71);
	size = pg;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_make_memory_entry_64(SELF, &size, r,
					    RW | MAP_MEM_VM_COPY, &c,
					    MACH_PORT_NULL));
	a = 0;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  MAP(&a, pg, 0, VM_FLAGS_ANYWHERE | VM_FLAGS_RANDOM_ADDR, c,
		      0, FALSE, RW, RW, VM_INHERIT_DEFAULT));
	EXPECT_EQ(KERN_SUCCESS,
		  MAP(&a, pg, 0, VM_FLAGS_ANYWHERE | VM_MAKE_TAG(200), c, 0,
		      FALSE, RW, RW, VM_INHERIT_DEFAULT));
	EXPECT_TRUE(check_pages(P(a), pg, 71));
	mach_vm_deallocate(SELF, a, pg);
	mach_vm_deallocate(SELF, r, pg);
	mach_port_deallocate(SELF, c);
#undef MAP
	mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_deallocate(SELF, port);
	mach_port_deallocate(SELF, h);
}

/* ---- other tasks ------------------------------------------------------------- */

TEST(remote_map_and_entry_through_task_for_pid)
{
	size_t pg = page_size(), len = 2 * pg;
	mach_port_t task = MACH_PORT_NULL, h = named_create(2, RW), ch;
	mach_vm_address_t a, ca = 0, ra, m;
	memory_object_size_t size;
	mach_vm_size_t out;
	char buf[64];
	pid_t pid;

	IPC_REQUIRE();
	ASSERT_NE(MACH_PORT_NULL, h);
	a = map_entry(SELF, h, 0, len, FALSE, RW, RW);
	ASSERT_NE(0, a);
	pid = idle_child();
	ASSERT_GT(pid, 0);
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, pid, &task));
	/* Into the child: both see the same pages. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_map(task, &ca, len, 0, VM_FLAGS_ANYWHERE, h, 0, FALSE,
			      RW, RW, VM_INHERIT_DEFAULT));
	strcpy(P(a) + pg, "from the parent");
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_read_overwrite(task, ca + pg, 16, (uintptr_t)buf,
					 &out));
	EXPECT_STREQ("from the parent", buf);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_write(task, ca, (vm_offset_t)"child side", 11));
	EXPECT_STREQ("child side", P(a));
	/* An entry of the child's memory, mapped here. */
	ra = 0;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_allocate(task, &ra, pg, VM_FLAGS_ANYWHERE));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_write(task, ra, (vm_offset_t)"remote range", 13));
	size = pg;
	ch = MACH_PORT_NULL;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_make_memory_entry_64(task, &size, ra, RW, &ch,
					    MACH_PORT_NULL));
	m = map_entry(SELF, ch, 0, pg, FALSE, RW, RW);
	ASSERT_NE(0, m);
	EXPECT_STREQ("remote range", P(m));
	strcpy(P(m), "written here");
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_read_overwrite(task, ra, 13, (uintptr_t)buf, &out));
	EXPECT_STREQ("written here", buf);
	/* The child dies: its mapping of the entry goes, ours stays. */
	end_child(pid);
	EXPECT_STREQ("written here", P(m));
	EXPECT_STREQ("child side", P(a));
	ca = 0;
	EXPECT_NE(KERN_SUCCESS,
		  mach_vm_map(task, &ca, len, 0, VM_FLAGS_ANYWHERE, h, 0, FALSE,
			      RW, RW, VM_INHERIT_DEFAULT));
	mach_vm_deallocate(SELF, m, pg);
	mach_vm_deallocate(SELF, a, len);
	mach_port_deallocate(SELF, ch);
	mach_port_deallocate(SELF, h);
	mach_port_deallocate(SELF, task);
}

/*
 * Mapping into tasks that are exiting, and entries whose creator exits
 * while they are mapped: every call ends cleanly, nothing is left.
 */
TEST(races_with_exiting_tasks)
{
	int rounds = mt_rounds(50, 10), i;
	size_t pg = page_size();
	struct live_counts before, after;
	mach_port_t h = named_create(1, RW), task;
	mach_vm_address_t a;
	pid_t pid;

	IPC_REQUIRE();
	ASSERT_NE(MACH_PORT_NULL, h);
	live_counts_baseline(&before);
	for (i = 0; i < rounds; i++) {
		pid = idle_child();
		ASSERT_GT(pid, 0);
		ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, pid, &task));
		if (i & 1)
			kill(pid, SIGKILL);
		a = 0;
		mach_vm_map(task, &a, pg, 0, VM_FLAGS_ANYWHERE, h, 0, i & 2,
			    RW, RW, VM_INHERIT_DEFAULT);
		end_child(pid);
		mach_port_deallocate(SELF, task);
	}
	mach_port_deallocate(SELF, h);
	live_counts_baseline(&after);
	EXPECT_EQ(before.ports - 1, after.ports);
	EXPECT_EQ(before.tasks, after.tasks);
}

/*
 * An entry made while another thread unmaps its range: it either fails
 * (nothing there any more) or names the range's pages with their
 * contents, never pages the unmap already gave back (zeros).
 */
TEST(entry_made_while_the_range_is_unmapped)
{
	int rounds = mt_rounds(200, 20), i, made = 0;
	size_t pg = page_size(), len = 4 * pg;
	struct unmapper u = { .len = len };
	memory_object_size_t size;
	mach_vm_address_t m;
	kern_return_t kr;
	pthread_t t;
	mach_port_t h;

	IPC_REQUIRE();
	for (i = 0; i < rounds; i++) {
		u.addr = alloc_pattern(len, 100 + i);
		ASSERT_NE(0, u.addr);
		ASSERT_EQ(0, pthread_create(&t, NULL, unmap_range, &u));
		size = len;
		h = MACH_PORT_NULL;
		kr = mach_make_memory_entry_64(SELF, &size, u.addr, RW, &h,
					       MACH_PORT_NULL);
		pthread_join(t, NULL);
		if (kr) {
			EXPECT_EQ(KERN_INVALID_ADDRESS, kr);
			continue;
		}
		made++;
		m = map_entry(SELF, h, 0, size, FALSE, RW, RW);
		ASSERT_NE(0, m);
		EXPECT_TRUE(check_pages(P(m), size, 100 + i));
		mach_vm_deallocate(SELF, m, size);
		mach_port_deallocate(SELF, h);
	}
	TH_LOG("%d of %d entries made before the unmap", made, rounds);
}

/* ---- limits and charging -------------------------------------------------- */

/*
 * The pages of a named entry are charged to the memory cgroup of the
 * process that made it, also when another process in another group
 * writes every one of them through its own mapping.
 */
TEST(pages_are_charged_to_the_creators_cgroup)
{
	const size_t len = (size_t)mt_rounds(32, 8) << 20;
	mach_port_t rcv = new_port_send(), h, to;
	struct mt_cgroup cg, cg2;
	long a0, b0, a1, b1;
	mach_vm_address_t m;
	const char *why;
	struct gate g;
	pid_t pid;

	IPC_REQUIRE();
	if (geteuid() != 0)
		SKIP(return, "needs root for a memory cgroup");
	why = mt_cg_create_named(&cg, "a", 512 * MIB);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(NULL, mt_cg_create_named(&cg2, "b", 512 * MIB));
	pid = fork_sender(rcv, &g, &to);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		mach_port_t e;
		memory_object_size_t size = len;

		if (mt_cg_enter(&cg) ||
		    mach_make_memory_entry_64(SELF, &size, 0,
					      RW | MAP_MEM_NAMED_CREATE, &e,
					      MACH_PORT_NULL) ||
		    send_port(to, MACH_MSG_TYPE_COPY_SEND, 1, e,
			      MACH_MSG_TYPE_MOVE_SEND))
			_exit(2);
		gate_wait(g.down[0]);
		_exit(0);
	}
	ASSERT_EQ(0, mt_cg_enter(&cg2));
	h = recv_right(rcv);
	ASSERT_NE(MACH_PORT_NULL, h);
	m = map_entry(SELF, h, 0, len, FALSE, RW, RW);
	ASSERT_NE(0, m);
	a0 = mt_cg_read(&cg, "memory.current");
	b0 = mt_cg_read(&cg2, "memory.current");
	memset(P(m), 0x5a, len);
	a1 = mt_cg_read(&cg, "memory.current");
	b1 = mt_cg_read(&cg2, "memory.current");
	TH_LOG("creator's group %ld -> %ld, writer's %ld -> %ld", a0, a1, b0,
	       b1);
	EXPECT_GE(a1 - a0, (long)len - (long)MIB);
	EXPECT_LT(b1 - b0, (long)len / 4);
	gate_send(g.down[1]);
	EXPECT_EQ(0, mt_wait_exit(pid));
	/* The creator is gone; its group still pays while the pages live. */
	EXPECT_GE(mt_cg_read(&cg, "memory.current"), (long)len - (long)MIB);
	mach_vm_deallocate(SELF, m, len);
	mach_port_deallocate(SELF, h);
	usleep(100000);
	EXPECT_LT(mt_cg_read(&cg, "memory.current"), (long)len / 4);
	mt_write_file(MT_CG_ROOT "/cgroup.procs", "0");
	mach_port_mod_refs(SELF, rcv, MACH_PORT_RIGHT_RECEIVE, -1);
	mt_cg_destroy(&cg);
	mt_cg_destroy(&cg2);
}

/*
 * Entries are port names: a task (as nobody) cannot hold more than
 * max_names of them; released, they give back every port.  Then a loop of
 * make, map, write, unmap, release leaves nothing behind.
 */
TEST(entries_are_bounded_names_and_give_everything_back)
{
	const int limit = 600;
	struct live_counts before, after;
	long old;
	pid_t pid;

	IPC_REQUIRE();
	if (geteuid() != 0)
		SKIP(return, "needs root to lower max_names");
	live_counts_baseline(&before);
	old = module_param_set("max_names", limit);
	ASSERT_GT(old, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		static mach_port_t e[1000];
		memory_object_size_t size;
		kern_return_t kr = KERN_SUCCESS;
		int n, i, rounds = mt_rounds(200, 20);
		mach_vm_address_t a;

		if (mt_become_nobody())
			_exit(2);
		for (n = 0; n < 1000; n++) {
			size = page_size();
			kr = mach_make_memory_entry_64(SELF, &size, 0,
						       RW | MAP_MEM_NAMED_CREATE,
						       &e[n], MACH_PORT_NULL);
			if (kr)
				break;
		}
		if (kr != KERN_NO_SPACE || n >= limit)
			_exit(3);
		for (i = 0; i < n; i++)
			mach_port_deallocate(SELF, e[i]);
		for (i = 0; i < rounds; i++) {
			e[0] = named_create(4, RW);
			a = map_entry(SELF, e[0], 0, 4 * page_size(), i & 1,
				      RW, RW);
			if (!e[0] || !a)
				_exit(4);
			memset(P(a), i, 4 * page_size());
			mach_port_deallocate(SELF, e[0]);
			mach_vm_deallocate(SELF, a, 4 * page_size());
		}
		_exit(0);
	}
	EXPECT_EQ(0, mt_wait_exit(pid));
	module_param_set("max_names", old);
	live_counts_baseline(&after);
	EXPECT_EQ(before.ports, after.ports);
	EXPECT_EQ(before.tasks, after.tasks);
}

/* ---- security ------------------------------------------------------------------ */

/*
 * Root gives nobody a read-only entry of root's memory.  Nobody can read
 * it, but no mapping, protection change, copy or sub-entry lets it write
 * root's pages; nor can it name root's task to map anything into it.
 */
TEST(nobody_gets_no_write_through_a_read_only_entry)
{
	size_t pg = page_size(), len = 2 * pg;
	mach_port_t rcv = new_port_send(), ro, to;
	mach_vm_address_t r = alloc_pattern(len, 80);
	struct gate g;
	char step;
	pid_t pid, root_child;

	IPC_REQUIRE();
	if (geteuid() != 0)
		SKIP(return, "needs root to attack root");
	ASSERT_NE(0, r);
	ro = range_entry(r, len, VM_PROT_READ, NULL);
	ASSERT_NE(MACH_PORT_NULL, ro);
	root_child = idle_child();
	ASSERT_GT(root_child, 0);
	pid = fork_sender(rcv, &g, &to);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		mach_port_t e, sub, task;
		memory_object_size_t size;
		mach_vm_address_t m = 0, c;

		/* A receive port of nobody's own, for the entry. */
		mach_port_t mine = new_port_send();

		if (mt_become_nobody())
			_exit(2);
		if (send_port(to, MACH_MSG_TYPE_COPY_SEND, 1, mine,
			      MACH_MSG_TYPE_MAKE_SEND))
			_exit(3);
		e = recv_right(mine);
		if (!e)
			_exit(4);
		/* Reading is granted. */
		m = map_entry(SELF, e, 0, len, FALSE, VM_PROT_READ,
			      VM_PROT_READ);
		if (!m || !check_pages(P(m), len, 80))
			_exit(5);
		/* Writing is not, by any way. */
		c = 0;
		if (mach_vm_map(SELF, &c, len, 0, VM_FLAGS_ANYWHERE, e, 0,
				FALSE, RW, RW, VM_INHERIT_DEFAULT) !=
		    KERN_INVALID_RIGHT)
			_exit(6);
		if (mach_vm_map(SELF, &c, len, 0, VM_FLAGS_ANYWHERE, e, 0,
				FALSE, VM_PROT_READ, VM_PROT_ALL,
				VM_INHERIT_DEFAULT) != KERN_INVALID_RIGHT)
			_exit(7);
		if (mprotect(P(m), len, PROT_READ | PROT_WRITE) != -1)
			_exit(8);
		if (mach_vm_protect(SELF, m, len, TRUE, RW) !=
		    KERN_PROTECTION_FAILURE)
			_exit(9);
		size = len;
		if (mach_make_memory_entry_64(SELF, &size, 0, RW, &sub, e) !=
		    KERN_PROTECTION_FAILURE)
			_exit(10);
		size = len;
		if (mach_make_memory_entry_64(SELF, &size, m, RW, &sub,
					      MACH_PORT_NULL) !=
		    KERN_PROTECTION_FAILURE)
			_exit(11);
		/* A private copy may be written: root's pages stay. */
		if (mach_vm_protect(SELF, m, pg, FALSE, RW | VM_PROT_COPY))
			_exit(12);
		memset(P(m), 'N', pg);
		c = map_entry(SELF, e, 0, len, TRUE, VM_PROT_READ, VM_PROT_READ);
		if (!c || mach_vm_protect(SELF, c, len, FALSE,
					   RW | VM_PROT_COPY))
			_exit(13);
		memset(P(c), 'N', len);
		/* Root's task is out of reach: nothing maps into it. */
		if (task_for_pid(SELF, root_child, &task) == KERN_SUCCESS)
			_exit(14);
		gate_send(g.up[1]);
		gate_wait(g.down[0]);
		_exit(0);
	}
	{
		mach_port_t mine = recv_right(rcv);

		ASSERT_NE(MACH_PORT_NULL, mine);
		ASSERT_EQ(MACH_MSG_SUCCESS,
			  send_port(mine, MACH_MSG_TYPE_COPY_SEND, 2, ro,
				    MACH_MSG_TYPE_COPY_SEND));
		mach_port_deallocate(SELF, mine);
	}
	/* The child's exit status names the step that let it through. */
	if (read(g.up[0], &step, 1) == 1) {
		EXPECT_TRUE(check_pages(P(r), len, 80));
		gate_send(g.down[1]);
	}
	EXPECT_EQ(0, mt_wait_exit(pid));
	EXPECT_TRUE(check_pages(P(r), len, 80));
	end_child(root_child);
	mach_vm_deallocate(SELF, r, len);
	mach_port_deallocate(SELF, ro);
	mach_port_mod_refs(SELF, rcv, MACH_PORT_RIGHT_RECEIVE, -1);
}

TEST_HARNESS_MAIN
