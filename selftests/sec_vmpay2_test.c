// SPDX-License-Identifier: GPL-2.0
/*
 * Review of branch vmpay (payers of standalone layers), attacked as user
 * nobody: a write of root's memory made one page per snapshot of it, and a
 * copy root made and dropped left root paying for nobody's snapshot.
 *
 * 1. One copy per snapshot.  When root rewrites a page that nobody's
 *    snapshots hold, each snapshot's layer got a copy of its own charged
 *    to nobody (layers_repay()): K snapshots of one moment (out-of-line
 *    messages queued, flat copies) made one write of root allocate K
 *    pages, and once nobody's group was full, run its reclaim and OOM
 *    handling K times inside root's page fault, under the object's lock.
 *    The layers of one payer share one copy.
 *
 * 2. A payer handed to the wrong side.  A received out-of-line snapshot is
 *    a standalone layer paid by its receiver.  A copy of it made by
 *    another task (root remapping nobody's region, or mapping an entry of
 *    it with copy=TRUE) froze that layer and made the copier its payer;
 *    when the copy went, the layer collapsed into nobody's top, which took
 *    the copier as its payer for good: from then on every page nobody's
 *    snapshot kept when its sender rewrote it was charged to root.
 *
 * Root plays the part a service would play in 2 (a copy remap of a
 * client's memory it reads and drops).
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "vm_payer_test.h"

/* Out-of-line snapshots nobody queues of root's shared memory at once. */
#define NSNAP 8

/*
 * nobody queues NSNAP out-of-line snapshots of root's shared memory
 * between two of root's writes; root rewrites it once: the snapshots keep
 * one copy of it between them, paid by nobody, not one each.
 */
TEST(snapshots_of_one_moment_share_one_repaid_copy)
{
	struct mt_cgroup owner, maker;
	size_t len = payer_len(4, 2, 2);
	mach_vm_address_t r = 0;
	long o0, o1, m0, m1;
	struct gate g;
	pid_t pid;

	IPC_REQUIRE();
	if (!payer_groups(_metadata, &owner, &maker))
		return;
	pid = shared_fork(len, &r, &g);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		mach_vm_address_t got[NSNAP];
		struct msg_builder b;
		mach_port_t port;
		rcv_buf_t buf;
		any_desc_t d;
		int i;

		if (mt_cg_enter(&maker) || mt_become_nobody())
			_exit(2);
		port = new_port_send();
		if (P(r)[0] != 1 || set_qlimit(port, MACH_PORT_QLIMIT_LARGE))
			_exit(3);
		for (i = 0; i < NSNAP; i++) {
			mb_init(&b, port, MACH_MSG_TYPE_COPY_SEND,
				MACH_PORT_NULL, 0, 7);
			mb_ool(&b, P(r), len, FALSE, MACH_MSG_VIRTUAL_COPY);
			if (mb_send(&b, MACH_SEND_TIMEOUT, 0))
				_exit(4);
		}
		gate_send(g.up[1]);
		gate_wait(g.down[0]);	/* root rewrote it */
		for (i = 0; i < NSNAP; i++) {
			if (recv_timeout(port, &buf, 5000))
				_exit(5);
			get_desc(&buf.header, 0, &d);
			got[i] = (mach_vm_address_t)(uintptr_t)d.ool.address;
			/* Each still shows its moment. */
			if (d.ool.size != len || P(got[i])[0] != 1 ||
			    P(got[i])[len - 1] != 1)
				_exit(6);
		}
		/* A write to one reaches no other, nor root's memory. */
		memset(P(got[0]), 3, len);
		for (i = 1; i < NSNAP; i++)
			if (P(got[i])[0] != 1 || P(got[i])[len - 1] != 1)
				_exit(7);
		if (P(r)[0] != 2)
			_exit(8);
		gate_send(g.up[1]);
		gate_wait(g.down[0]);
		_exit(0);
	}
	gate_wait(g.up[0]);
	usleep(100000);
	o0 = mt_cg_read(&owner, "memory.current");
	m0 = mt_cg_read(&maker, "memory.current");
	memset(P(r), 2, len);
	usleep(100000);
	o1 = mt_cg_read(&owner, "memory.current");
	m1 = mt_cg_read(&maker, "memory.current");
	TH_LOG("%d snapshots of %zu KiB, root rewrote once: root's group %ld -> %ld KiB, nobody's %ld -> %ld KiB",
	       NSNAP, len / 1024, o0 / 1024, o1 / 1024, m0 / 1024, m1 / 1024);
	/* Root keeps one copy of its memory. */
	EXPECT_LT(o1 - o0, (long)len / 2 + cg_slack());
	/* The snapshots keep the old one, once, at nobody's cost. */
	EXPECT_GE(m1 - m0, (long)len / 2);
	EXPECT_LT(m1 - m0, 2 * (long)len + cg_slack());
	gate_send(g.down[1]);
	gate_wait(g.up[0]);
	gate_send(g.down[1]);
	EXPECT_EQ(0, mt_wait_exit(pid));
	mach_vm_deallocate(SELF, r, len);
	mt_write_file(MT_CG_ROOT "/cgroup.procs", "0");
	mt_cg_destroy(&owner);
	mt_cg_destroy(&maker);
}

/*
 * copier_left_alone - nobody receives an out-of-line snapshot of its own
 * memory; root makes a copy remap of the received region and drops it
 * (with @later, nobody makes a copy of its own of the region before root
 * drops root's, and then lets the region go, keeping its copy); nobody
 * rewrites the memory it sent: the pages its region (or copy) alone keeps
 * are nobody's to pay, never root's.
 */
static void copier_left_alone(struct __test_metadata *_metadata, bool later)
{
	size_t len = payer_len(4, 2, 2);
	struct recv_copy c;
	long o0, o1, c1;

	IPC_REQUIRE();
	if (!recv_copy_begin(_metadata, &c, len))
		return;
	if (c.pid == 0) {
		mach_vm_address_t keep = c.addr[0], w2 = 0;
		vm_prot_t cur, max;

		/* root copied it (and dropped it) */
		if (later) {
			if (mach_vm_remap(SELF, &w2, len, 0, VM_FLAGS_ANYWHERE,
					  SELF, keep, TRUE, &cur, &max,
					  VM_INHERIT_DEFAULT))
				_exit(7);
			gate_send(c.g.up[1]);
			gate_wait(c.g.down[0]);	/* root dropped its copy */
			if (mach_vm_deallocate(SELF, keep, len))
				_exit(8);
			keep = w2;
		}
		fill_pages(P(c.x), len, 2);
		if (!check_pages(P(keep), len, 1))
			_exit(6);
		gate_send(c.g.up[1]);
		gate_wait(c.g.down[0]);
		_exit(0);
	}
	EXPECT_TRUE(check_pages(P(c.m), len, 1));
	if (later) {
		gate_send(c.g.down[1]);
		gate_wait(c.g.up[0]);	/* nobody copied the region too */
	}
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, c.m, len));
	usleep(100000);
	o0 = mt_cg_read(&c.owner, "memory.current");
	gate_send(c.g.down[1]);
	gate_wait(c.g.up[0]);	/* nobody rewrote what it sent */
	usleep(100000);
	o1 = mt_cg_read(&c.owner, "memory.current");
	c1 = mt_cg_read(&c.copier, "memory.current");
	TH_LOG("%zu KiB: root's group %ld -> %ld KiB after nobody's rewrite, nobody's %ld KiB",
	       len / 1024, o0 / 1024, o1 / 1024, c1 / 1024);
	/* Root keeps nothing of nobody's: it pays nothing. */
	EXPECT_LT(o1 - o0, (long)len / 2 + cg_slack());
	/* nobody holds its memory and its snapshot's. */
	EXPECT_GE(c1, (long)(3 * len) / 2);
	recv_copy_end(_metadata, &c);
}

TEST(a_dropped_copy_of_a_received_snapshot_leaves_its_copier_alone)
{
	copier_left_alone(_metadata, false);
}

/* The same when a later copy of the region is what survives. */
TEST(a_later_copy_does_not_take_the_first_copiers_payer)
{
	copier_left_alone(_metadata, true);
}

TEST_HARNESS_MAIN
