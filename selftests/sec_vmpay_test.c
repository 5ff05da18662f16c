// SPDX-License-Identifier: GPL-2.0
/*
 * Who pays for the pages a standalone layer keeps (branch vmpay), attacked
 * as user nobody.
 *
 * A snapshot that adds no layer to a chain (a flat copy, made once the
 * chain is XNU_VM_MAX_DEPTH deep; an out-of-line snapshot queued in a
 * message) holds references to the pages it was made of.  When the owner
 * of those pages writes one, the owner gets a new page and the snapshot
 * keeps the original: before this branch still charged to the owner.  So
 * nobody, sharing memory root owns, made root's memory cgroup pay one more
 * copy of it per snapshot taken between two of root's writes, once it
 * had made 16 layered copies (which are repaid, sec_remap_test).  The
 * pages a snapshot alone keeps are its maker's to pay.
 *
 * A MAP_MEM_VM_COPY entry over a few pages froze the whole top layer of
 * its range's view: a rewrite of the rest copied every page for nothing.
 * An entry keeps the pages it names only.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/resource.h>

#include "kselftest_harness.h"
#include "vm_test.h"
#include "vm_child_test.h"

#define MIB (1L << 20)

/* Layered copies before a chain is at the cap (XNU_VM_MAX_DEPTH - 1). */
#define LAYERED 15

/* One snapshot of nobody's @len bytes at @r, kept: a copy remap. */
static int snap_remap(mach_vm_address_t r, size_t len, mach_port_t port)
{
	mach_vm_address_t m = 0;
	vm_prot_t cur, max;

	(void)port;
	return mach_vm_remap(mach_task_self(), &m, len, 0, VM_FLAGS_ANYWHERE,
			     mach_task_self(), r, TRUE, &cur, &max,
			     VM_INHERIT_DEFAULT) ? -1 : 0;
}

/* The same as an out-of-line virtual copy queued on nobody's own port. */
static int snap_ool(mach_vm_address_t r, size_t len, mach_port_t port)
{
	struct msg_builder b;

	mb_init(&b, port, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 7);
	mb_ool(&b, P(r), len, FALSE, MACH_MSG_VIRTUAL_COPY);
	return mb_send(&b, MACH_SEND_TIMEOUT, 0) ? -1 : 0;
}

/*
 * nobody keeps @skip + @copies snapshots (@snap) of @len bytes root shares
 * with it, root rewrites the memory after each; the last @copies are
 * measured: root's group must not pay for them, nobody's does.
 */
static void maker_pays(struct __test_metadata *_metadata,
		       int (*snap)(mach_vm_address_t, size_t, mach_port_t),
		       int skip, int copies, size_t len)
{
	struct mt_cgroup owner, copier;
	mach_vm_address_t r = 0;
	long o0 = 0, o1, c0 = 0, c1;
	const char *why;
	struct gate g;
	pid_t pid;
	int i;

	if (geteuid() != 0)
		SKIP(return, "needs root for memory cgroups");
	why = mt_cg_create_named(&owner, "owner", 1024 * MIB);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(NULL, mt_cg_create_named(&copier, "copier", 1024 * MIB));
	ASSERT_EQ(0, mt_cg_enter(&owner));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(mach_task_self(), &r, len,
						 VM_FLAGS_ANYWHERE));
	memset(P(r), 1, len);
	/* The child sees the same pages (a shared buffer). */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_inherit(mach_task_self(), r, len,
						VM_INHERIT_SHARE));
	pid = gate_fork(&g);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		mach_port_t port;

		if (mt_cg_enter(&copier) || mt_become_nobody())
			_exit(2);
		port = new_port_send();
		if (set_qlimit(port, MACH_PORT_QLIMIT_LARGE))
			_exit(3);
		for (i = 0; i < skip + copies; i++) {
			if (P(r)[0] != (char)(1 + i) || snap(r, len, port))
				_exit(4);
			gate_send(g.up[1]);
			gate_wait(g.down[0]);	/* root rewrote it */
		}
		gate_send(g.up[1]);
		gate_wait(g.down[0]);
		_exit(0);
	}
	for (i = 0; i < skip + copies; i++) {
		gate_wait(g.up[0]);
		if (i == skip) {
			/* The measured snapshot is made; it holds nothing yet. */
			usleep(100000);
			o0 = mt_cg_read(&owner, "memory.current");
			c0 = mt_cg_read(&copier, "memory.current");
		}
		memset(P(r), 2 + i, len);
		gate_send(g.down[1]);
	}
	gate_wait(g.up[0]);
	usleep(100000);
	o1 = mt_cg_read(&owner, "memory.current");
	c1 = mt_cg_read(&copier, "memory.current");
	TH_LOG("%d snapshots of %zu KiB past %d: owner's group %ld -> %ld KiB, copier's %ld -> %ld KiB",
	       copies, len / 1024, skip, o0 / 1024, o1 / 1024, c0 / 1024,
	       c1 / 1024);
	/* The owner keeps one copy of its memory, whatever nobody does. */
	EXPECT_LT(o1 - o0, (long)len / 2);
	/* The copier holds the snapshots: they are its to pay. */
	EXPECT_GE(c1 - c0, (long)(copies - 1) * (long)len);
	gate_send(g.down[1]);
	EXPECT_EQ(0, mt_wait_exit(pid));
	usleep(100000);
	c1 = mt_cg_read(&copier, "memory.current");
	o1 = mt_cg_read(&owner, "memory.current");
	TH_LOG("after the copier: owner's group %ld KiB, copier's %ld KiB",
	       o1 / 1024, c1 / 1024);
	EXPECT_LT(c1, (long)len / 2);
	EXPECT_LT(o1 - o0, (long)len / 2);
	EXPECT_TRUE(P(r)[len - 1] == (char)(1 + skip + copies));
	mach_vm_deallocate(mach_task_self(), r, len);
	mt_write_file(MT_CG_ROOT "/cgroup.procs", "0");
	mt_cg_destroy(&owner);
	mt_cg_destroy(&copier);
}

/* Past the depth cap every copy is flat: still the copier's to pay. */
TEST(flat_copies_are_paid_by_the_copier)
{
	maker_pays(_metadata, snap_remap, LAYERED, mt_rounds(6, 3),
		   (size_t)mt_rounds(4, 1) * MIB);
}

/* The same class: out-of-line snapshots nobody queues and keeps. */
TEST(ool_snapshots_are_paid_by_the_sender)
{
	IPC_REQUIRE();
	maker_pays(_metadata, snap_ool, 0, mt_rounds(6, 3),
		   (size_t)mt_rounds(4, 1) * MIB);
}

/*
 * A MAP_MEM_VM_COPY entry of one page of a large region keeps that page:
 * a rewrite of the region costs no second copy of it.
 */
TEST(vm_copy_entry_keeps_its_range_only)
{
	const size_t len = 32 * MIB;
	memory_object_size_t size = page_size();
	mach_port_t e = MACH_PORT_NULL;
	mach_vm_address_t r, m;
	struct mt_cgroup cg;
	const char *why;
	long c0, c1;

	if (geteuid() != 0)
		SKIP(return, "needs root for a memory cgroup");
	why = mt_cg_create(&cg, 512 * MIB);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, mt_cg_enter(&cg));
	r = alloc_pattern(len, 1);
	ASSERT_NE(0, r);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_make_memory_entry_64(SELF, &size, r + 3 * page_size(),
					    VM_PROT_READ | VM_PROT_WRITE |
					    MAP_MEM_VM_COPY, &e, MACH_PORT_NULL));
	EXPECT_EQ(page_size(), size);
	usleep(100000);
	c0 = mt_cg_read(&cg, "memory.current");
	fill_pages(P(r), len, 2);
	usleep(100000);
	c1 = mt_cg_read(&cg, "memory.current");
	TH_LOG("one-page entry of %zu MiB, region rewritten: %ld -> %ld KiB",
	       len / MIB, c0 / 1024, c1 / 1024);
	EXPECT_LT(c1 - c0, (long)len / 4);
	/* The entry still shows its moment. */
	m = 0;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_map(SELF, &m, page_size(), 0, VM_FLAGS_ANYWHERE, e, 0,
			      FALSE, VM_PROT_READ, VM_PROT_READ,
			      VM_INHERIT_DEFAULT));
	EXPECT_TRUE(check_pages(P(m), page_size(), 1));
	EXPECT_TRUE(check_pages(P(r), len, 2));
	mach_vm_deallocate(SELF, m, page_size());
	mach_port_deallocate(SELF, e);
	mach_vm_deallocate(SELF, r, len);
	mt_write_file(MT_CG_ROOT "/cgroup.procs", "0");
	mt_cg_destroy(&cg);
}

TEST_HARNESS_MAIN
