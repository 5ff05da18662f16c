// SPDX-License-Identifier: GPL-2.0
/*
 * Review of branch vmpay (payers of standalone layers), attacked as user
 * nobody: two ways nobody still made root's memory cgroup pay for pages
 * only nobody keeps.
 *
 * 1. A payer that cannot pay.  When root rewrites a page a snapshot of
 *    nobody holds, the snapshot's layer gets its own copy charged to
 *    nobody's group (layers_repay()); when that charge failed, root kept
 *    paying for the original.  nobody makes the charge fail at will: the
 *    snapshot is made in a group it controls (a delegated sub-group, as
 *    systemd's user@.service gives every user), which it then leaves
 *    empty, with memory.max at 0.  The memory the snapshot keeps is
 *    nobody's to pay whether or not its group is full: past its limit, as
 *    the kernel charges __GFP_NOFAIL allocations.
 *
 * 2. A payer handed to the wrong side.  A received out-of-line snapshot is
 *    a standalone layer paid by its receiver.  A copy of it made by
 *    another task (root remapping nobody's region, or mapping an entry of
 *    it with copy=TRUE) froze that layer and made the copier its payer;
 *    when the copy went, the layer collapsed into nobody's top, which took
 *    the copier as its payer for good: from then on every page nobody's
 *    snapshot kept when its sender rewrote it was charged to root.
 *
 * Root plays the parts an ordinary system gives the user (the cgroup
 * delegation) or a service would play (a copy remap of a client's memory
 * it reads and drops).
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "vm_payer_test.h"

/* Bytes per snapshot (fewer on the slow kernels), at least 2 x cg_slack(). */
static size_t len2(void)
{
	size_t len = (size_t)mt_rounds(4, 2) * MIB;
	size_t min = 2 * (size_t)cg_slack();

	return len > min ? len : min;
}

/* Write @pid into @cg's cgroup.procs; 0 or -1. */
static int cg_move(const struct mt_cgroup *cg, pid_t pid)
{
	char path[192], text[16];

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->path);
	snprintf(text, sizeof(text), "%d", pid);
	return mt_write_file(path, text);
}

static int cg_set_max(const struct mt_cgroup *cg, const char *max)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/memory.max", cg->path);
	return mt_write_file(path, max);
}

/*
 * nobody queues an out-of-line snapshot of root's shared memory from a
 * group it then leaves empty and limits to 0; root rewrites the memory:
 * root's group must not keep paying for the originals.
 */
TEST(snapshot_of_an_empty_full_group_is_not_the_owners)
{
	struct mt_cgroup owner, maker, holder;
	size_t len = len2();
	mach_vm_address_t r = 0;
	long o0, o1, m1;
	const char *why;
	struct gate g;
	pid_t pid;

	IPC_REQUIRE();
	if (geteuid() != 0)
		SKIP(return, "needs root for memory cgroups");
	why = mt_cg_create_named(&owner, "owner", 1024 * MIB);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(NULL, mt_cg_create_named(&maker, "maker", 1024 * MIB));
	ASSERT_EQ(NULL, mt_cg_create_named(&holder, "holder", 1024 * MIB));
	ASSERT_EQ(0, mt_cg_enter(&owner));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(SELF, &r, len,
						 VM_FLAGS_ANYWHERE));
	memset(P(r), 1, len);
	ASSERT_EQ(KERN_SUCCESS, mach_vm_inherit(SELF, r, len,
						VM_INHERIT_SHARE));
	pid = gate_fork(&g);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct snap_ctx ctx = { .nkids = 0 };
		rcv_buf_t buf;
		any_desc_t d;

		if (mt_cg_enter(&maker) || mt_become_nobody())
			_exit(2);
		ctx.port = new_port_send();
		if (P(r)[0] != 1 || set_qlimit(ctx.port, MACH_PORT_QLIMIT_LARGE))
			_exit(3);
		{
			struct msg_builder b;

			mb_init(&b, ctx.port, MACH_MSG_TYPE_COPY_SEND,
				MACH_PORT_NULL, 0, 7);
			mb_ool(&b, P(r), len, FALSE, MACH_MSG_VIRTUAL_COPY);
			if (mb_send(&b, MACH_SEND_TIMEOUT, 0))
				_exit(4);
		}
		gate_send(g.up[1]);
		gate_wait(g.down[0]);	/* moved out, the group shut, rewritten */
		if (recv_timeout(ctx.port, &buf, 5000))
			_exit(5);
		get_desc(&buf.header, 0, &d);
		/* The snapshot still shows its moment. */
		if (d.ool.size != len ||
		    memchr((char *)d.ool.address, 0, len) ||
		    ((char *)d.ool.address)[len - 1] != 1)
			_exit(6);
		gate_send(g.up[1]);
		gate_wait(g.down[0]);
		_exit(0);
	}
	gate_wait(g.up[0]);
	/* nobody leaves the group its snapshot was made in, and shuts it. */
	ASSERT_EQ(0, cg_move(&holder, pid));
	ASSERT_EQ(0, cg_set_max(&maker, "0"));
	usleep(100000);
	o0 = mt_cg_read(&owner, "memory.current");
	memset(P(r), 2, len);
	usleep(100000);
	o1 = mt_cg_read(&owner, "memory.current");
	m1 = mt_cg_read(&maker, "memory.current");
	TH_LOG("%zu KiB snapshot of an empty group at max 0, owner rewrote: owner's group %ld -> %ld KiB, maker's %ld KiB",
	       len / 1024, o0 / 1024, o1 / 1024, m1 / 1024);
	/* The owner keeps one copy of its memory, whatever nobody does. */
	EXPECT_LT(o1 - o0, (long)len / 2 + cg_slack());
	/* The snapshot is the maker's, past its limit. */
	EXPECT_GE(m1, (long)len / 2);
	gate_send(g.down[1]);
	gate_wait(g.up[0]);
	gate_send(g.down[1]);
	EXPECT_EQ(0, mt_wait_exit(pid));
	mach_vm_deallocate(SELF, r, len);
	mt_write_file(MT_CG_ROOT "/cgroup.procs", "0");
	mt_cg_destroy(&owner);
	mt_cg_destroy(&maker);
	mt_cg_destroy(&holder);
}

/*
 * nobody receives an out-of-line snapshot of its own memory; root makes a
 * copy remap of the received region and drops it; nobody rewrites the
 * memory it sent: the pages its received region alone keeps are nobody's
 * to pay, never root's.
 */
TEST(a_dropped_copy_of_a_received_snapshot_leaves_its_copier_alone)
{
	struct mt_cgroup owner, copier;
	mach_vm_address_t *addr, m = 0;
	size_t len = len2();
	long o0, o1, c1;
	vm_prot_t cur, max;
	mach_port_t task;
	const char *why;
	struct gate g;
	pid_t pid;

	IPC_REQUIRE();
	if (geteuid() != 0)
		SKIP(return, "needs root for memory cgroups");
	why = mt_cg_create_named(&owner, "root", 1024 * MIB);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(NULL, mt_cg_create_named(&copier, "nobody", 1024 * MIB));
	ASSERT_EQ(0, mt_cg_enter(&owner));
	addr = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, addr);
	pid = gate_fork(&g);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		mach_vm_address_t x;
		struct msg_builder b;
		mach_port_t port;
		rcv_buf_t buf;
		any_desc_t d;

		if (mt_cg_enter(&copier) || mt_become_nobody())
			_exit(2);
		x = alloc_pattern(len, 1);
		port = new_port_send();
		if (!x)
			_exit(3);
		mb_init(&b, port, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0,
			7);
		mb_ool(&b, P(x), len, FALSE, MACH_MSG_VIRTUAL_COPY);
		if (mb_send(&b, MACH_SEND_TIMEOUT, 0) ||
		    recv_timeout(port, &buf, 5000))
			_exit(4);
		get_desc(&buf.header, 0, &d);
		if (d.ool.size != len)
			_exit(5);
		addr[0] = (mach_vm_address_t)(uintptr_t)d.ool.address;
		gate_send(g.up[1]);
		gate_wait(g.down[0]);	/* root copied it and dropped the copy */
		fill_pages(P(x), len, 2);
		if (!check_pages(P(addr[0]), len, 1))
			_exit(6);
		gate_send(g.up[1]);
		gate_wait(g.down[0]);
		_exit(0);
	}
	gate_wait(g.up[0]);
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, pid, &task));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_remap(SELF, &m, len, 0, VM_FLAGS_ANYWHERE, task,
				addr[0], TRUE, &cur, &max, VM_INHERIT_DEFAULT));
	EXPECT_TRUE(check_pages(P(m), len, 1));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, m, len));
	usleep(100000);
	o0 = mt_cg_read(&owner, "memory.current");
	gate_send(g.down[1]);
	gate_wait(g.up[0]);	/* nobody rewrote what it sent */
	usleep(100000);
	o1 = mt_cg_read(&owner, "memory.current");
	c1 = mt_cg_read(&copier, "memory.current");
	TH_LOG("%zu KiB: root's group %ld -> %ld KiB after nobody's rewrite, nobody's %ld KiB",
	       len / 1024, o0 / 1024, o1 / 1024, c1 / 1024);
	/* Root keeps nothing of nobody's: it pays nothing. */
	EXPECT_LT(o1 - o0, (long)len / 2 + cg_slack());
	/* nobody holds its memory and its snapshot's. */
	EXPECT_GE(c1, (long)(3 * len) / 2);
	gate_send(g.down[1]);
	EXPECT_EQ(0, mt_wait_exit(pid));
	mach_port_deallocate(SELF, task);
	munmap(addr, page_size());
	mt_write_file(MT_CG_ROOT "/cgroup.procs", "0");
	mt_cg_destroy(&owner);
	mt_cg_destroy(&copier);
}

TEST_HARNESS_MAIN
