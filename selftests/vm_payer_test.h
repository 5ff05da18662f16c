/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who pays for a snapshot (sec_remap_test.c, sec_vmpay*_test.c,
 * sec_review8_test.c): root owns
 * memory it shares with nobody, nobody keeps snapshots of it, root
 * rewrites it after each; the pages only the snapshots keep must be
 * charged to nobody's memory cgroup, never to root's.
 */
#ifndef _VM_PAYER_TEST_H
#define _VM_PAYER_TEST_H

#include "kselftest_harness.h"
#include <stdbool.h>
#include <sys/mman.h>

#include <mach/vm_behavior.h>

#include "vm_child_test.h"

#define MIB (1L << 20)
#define SNAP_MAX 32

/* What nobody's snapshots need kept: fork children, a port. */
struct snap_ctx {
	mach_port_t port;	/* nobody's own, with a large queue */
	pid_t kids[SNAP_MAX];	/* killed when nobody is done */
	int nkids;
};

/* A snapshot of @len bytes at @r, kept by nobody: 0, or -1. */
typedef int (*snap_fn)(mach_vm_address_t r, size_t len,
		       struct snap_ctx *ctx);

/*
 * What a memory cgroup may show past the pages it holds: each CPU keeps up
 * to MEMCG_CHARGE_BATCH (64) pages charged in advance, given back only
 * when another group charges there (1 MiB per CPU with 16K pages).
 */
static inline long cg_slack(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN) * 64L * (long)page_size();
}

/*
 * payer_len - bytes of memory a payer test measures: @mib MiB (fewer on
 * the slow kernels, never under @min_mib), and at least @slacks times
 * cg_slack(), so that a copy never hides in the groups' charge batches.
 */
static inline size_t payer_len(int mib, int min_mib, int slacks)
{
	size_t len = (size_t)mt_rounds(mib, min_mib) * MIB;
	size_t min = (size_t)slacks * (size_t)cg_slack();

	return len > min ? len : min;
}

/*
 * payer_groups - a memory group for root (entered) and one for nobody;
 * false when the test is skipped (not root, no memory cgroups).
 */
static inline bool payer_groups(struct __test_metadata *_metadata,
				struct mt_cgroup *root_cg,
				struct mt_cgroup *nobody_cg)
{
	const char *why;

	if (geteuid() != 0)
		SKIP(return false, "needs root for memory cgroups");
	why = mt_cg_create_named(root_cg, "root", 1024 * MIB);
	if (why)
		SKIP(return false, "%s", why);
	ASSERT_EQ(NULL, mt_cg_create_named(nobody_cg, "nobody", 1024 * MIB));
	ASSERT_EQ(0, mt_cg_enter(root_cg));
	return true;
}

/*
 * shared_fork - @len bytes of new Mach VM memory at *@r, filled with 1s and
 * inherited SHARE, then gate_fork() (the child sees the same pages)
 * Returns: as fork(), or -1 when the memory could not be made.
 */
static inline pid_t shared_fork(size_t len, mach_vm_address_t *r,
				struct gate *g)
{
	*r = 0;
	if (mach_vm_allocate(mach_task_self(), r, len, VM_FLAGS_ANYWHERE))
		return -1;
	memset((void *)(uintptr_t)*r, 1, len);
	if (mach_vm_inherit(mach_task_self(), *r, len, VM_INHERIT_SHARE))
		return -1;
	return gate_fork(g);
}

/*
 * self_received - @len bytes of the caller's own memory at @x sent to
 * itself as an out-of-line virtual copy and received: the received
 * region's address, or 0 on failure.
 */
static inline mach_vm_address_t self_received(mach_vm_address_t x, size_t len)
{
	mach_port_t port = new_port_send();
	struct msg_builder b;
	rcv_buf_t buf;
	any_desc_t d;

	mb_init(&b, port, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 7);
	mb_ool(&b, (void *)(uintptr_t)x, len, FALSE, MACH_MSG_VIRTUAL_COPY);
	if (mb_send(&b, MACH_SEND_TIMEOUT, 0) ||
	    recv_timeout(port, &buf, 5000))
		return 0;
	get_desc(&buf.header, 0, &d);
	if (d.ool.size != len)
		return 0;
	return (mach_vm_address_t)(uintptr_t)d.ool.address;
}

/*
 * A region nobody received of its own memory, and a copy of it root made
 * (a service reading a client's memory): who pays for what the region
 * keeps once root's copy is dropped (sec_review8_test.c,
 * sec_vmpay2_test.c).
 */
struct recv_copy {
	struct mt_cgroup owner, copier;	/* root's group, nobody's */
	mach_vm_address_t *addr;	/* a page root and nobody share: [0]
					 * is nobody's received region */
	mach_vm_address_t x;		/* nobody's: the memory it sent */
	mach_vm_address_t m;		/* root's: its copy of the region */
	mach_port_t task;		/* root's: nobody's task */
	struct gate g;
	pid_t pid;
};

/*
 * recv_copy_begin - groups for root and nobody (payer_groups()), then a
 * fork.  The child enters nobody's group as nobody, fills @len bytes at
 * c->x with 1s (alloc_pattern()), receives them from itself out of line
 * at c->addr[0], tells root (g.up) and waits for it (g.down).  Root then
 * makes a copy remap c->m of the received region through nobody's task
 * c->task.
 * Returns: false when the test is skipped; else true, in the child
 * (c->pid == 0) once root let it go on, in root once its copy is made.
 * The child exits 2, 3 or 4 when a step of its own fails.
 */
static inline bool recv_copy_begin(struct __test_metadata *_metadata,
				   struct recv_copy *c, size_t len)
{
	vm_prot_t cur, max;

	c->m = 0;
	if (!payer_groups(_metadata, &c->owner, &c->copier))
		return false;
	c->addr = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, c->addr);
	c->pid = gate_fork(&c->g);
	ASSERT_GE(c->pid, 0);
	if (c->pid == 0) {
		if (mt_cg_enter(&c->copier) || mt_become_nobody())
			_exit(2);
		c->x = alloc_pattern(len, 1);
		if (!c->x)
			_exit(3);
		c->addr[0] = self_received(c->x, len);
		if (!c->addr[0])
			_exit(4);
		gate_send(c->g.up[1]);
		gate_wait(c->g.down[0]);
		return true;
	}
	gate_wait(c->g.up[0]);
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(mach_task_self(), c->pid,
					     &c->task));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_remap(mach_task_self(), &c->m, len, 0,
				VM_FLAGS_ANYWHERE, c->task, c->addr[0], TRUE,
				&cur, &max, VM_INHERIT_DEFAULT));
	return true;
}

/*
 * recv_copy_end - root lets nobody finish (g.down), which must exit 0,
 * and gives back what recv_copy_begin() made (root's copy is the
 * caller's to drop).
 */
static inline void recv_copy_end(struct __test_metadata *_metadata,
				 struct recv_copy *c)
{
	gate_send(c->g.down[1]);
	EXPECT_EQ(0, mt_wait_exit(c->pid));
	mach_port_deallocate(mach_task_self(), c->task);
	munmap(c->addr, page_size());
	mt_write_file(MT_CG_ROOT "/cgroup.procs", "0");
	mt_cg_destroy(&c->owner);
	mt_cg_destroy(&c->copier);
}

/* One snapshot of nobody's @len bytes at @r, kept: a copy remap. */
static inline int snap_remap(mach_vm_address_t r, size_t len,
			     struct snap_ctx *ctx)
{
	mach_vm_address_t m = 0;
	vm_prot_t cur, max;

	return mach_vm_remap(mach_task_self(), &m, len, 0, VM_FLAGS_ANYWHERE,
			     mach_task_self(), r, TRUE, &cur, &max,
			     VM_INHERIT_DEFAULT) ? -1 : 0;
}

/*
 * maker_pays - nobody keeps @skip + @copies snapshots (@snap) of @len
 * bytes root shares with it, root rewrites the memory after each (first
 * zeroing it with mach_vm_behavior_set ZERO if @zero); over
 * the last @copies root's group must not grow by a copy, nobody's must
 * grow by them, and both must be back when nobody exits.  @len should be
 * well above cg_slack(), or a copy hides in it.  Of the @skip snapshots
 * that only deepen the chain, all but the last are followed by a rewrite
 * of the first page alone: a written page is all a copy needs to add a
 * layer, and each whole rewrite cost a copy-up and a repay per page
 * (sec_vmpay_test's flat copies: docs/testing.md, Timings).  The last
 * is rewritten whole, so the first measured snapshot is taken of a top
 * holding every page, as the later ones are.
 */
static inline void maker_pays(struct __test_metadata *_metadata, snap_fn snap,
			      int skip, int copies, size_t len, bool zero)
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
	ASSERT_LE(skip + copies, SNAP_MAX);
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
		struct snap_ctx ctx = { .nkids = 0 };

		if (mt_cg_enter(&copier) || mt_become_nobody())
			_exit(2);
		ctx.port = new_port_send();
		if (set_qlimit(ctx.port, MACH_PORT_QLIMIT_LARGE))
			_exit(3);
		for (i = 0; i < skip + copies; i++) {
			if (P(r)[0] != (char)(1 + i) || snap(r, len, &ctx))
				_exit(4);
			gate_send(g.up[1]);
			gate_wait(g.down[0]);	/* root rewrote it */
		}
		gate_send(g.up[1]);
		gate_wait(g.down[0]);
		for (i = 0; i < ctx.nkids; i++) {
			kill(ctx.kids[i], SIGKILL);
			waitpid(ctx.kids[i], NULL, 0);
		}
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
		if (zero)
			ASSERT_EQ(KERN_SUCCESS,
				  mach_vm_behavior_set(mach_task_self(), r, len,
						       VM_BEHAVIOR_ZERO));
		memset(P(r), 2 + i, i + 1 < skip ? (size_t)page_size() : len);
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
	EXPECT_LT(o1 - o0, (long)len / 2 + cg_slack());
	/* The copier holds the snapshots: they are its to pay. */
	EXPECT_GE(c1 - c0, (long)(copies - 1) * (long)len);
	gate_send(g.down[1]);
	EXPECT_EQ(0, mt_wait_exit(pid));
	usleep(100000);
	/* Gone with the copier: nothing of them is left to anyone. */
	c1 = mt_cg_read(&copier, "memory.current");
	o1 = mt_cg_read(&owner, "memory.current");
	TH_LOG("after the copier: owner's group %ld KiB, copier's %ld KiB",
	       o1 / 1024, c1 / 1024);
	EXPECT_LT(c1, (long)len / 2 + cg_slack());
	EXPECT_LT(o1 - o0, (long)len / 2 + cg_slack());
	EXPECT_TRUE(P(r)[len - 1] == (char)(1 + skip + copies));
	mach_vm_deallocate(mach_task_self(), r, len);
	mt_write_file(MT_CG_ROOT "/cgroup.procs", "0");
	mt_cg_destroy(&owner);
	mt_cg_destroy(&copier);
}

#endif /* _VM_PAYER_TEST_H */
