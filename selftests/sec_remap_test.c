// SPDX-License-Identifier: GPL-2.0
/*
 * Review of mach_vm_remap, attacked as user nobody.
 *
 * Who pays for a snapshot.  A copy remap (copy = TRUE) of memory another
 * user shares with nobody freezes that memory's pages as the snapshot,
 * and the owner's next write to each page gets a new one.  Before the
 * review the frozen pages stayed charged to the owner's memory cgroup for
 * as long as nobody kept the copy: nobody, paying nothing, made the
 * owner's group hold one more full copy of the memory for every remap
 * taken between two of the owner's writes (a daemon's shared buffer grew
 * in its group without bound until the group's OOM killer ran).  Linux
 * never lets one user charge another that way (a private mapping of a
 * shared file is paid by the one who writes privately; the file's pages
 * stay the owner's one copy).  The pages a snapshot keeps are paid by
 * whoever made it.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "vm_test.h"
#include "vm_child_test.h"

#define MIB (1L << 20)

/* One snapshot of nobody's @len bytes at @r, kept: a copy remap. */
static int snap_remap(mach_vm_address_t r, size_t len, pid_t *kid)
{
	mach_vm_address_t m = 0;
	vm_prot_t cur, max;

	*kid = 0;
	return mach_vm_remap(mach_task_self(), &m, len, 0, VM_FLAGS_ANYWHERE,
			     mach_task_self(), r, TRUE, &cur, &max,
			     VM_INHERIT_DEFAULT) ? -1 : 0;
}

/* The same by fork: the range inherited by copy, a child keeps it. */
static int snap_fork(mach_vm_address_t r, size_t len, pid_t *kid)
{
	if (mach_vm_inherit(mach_task_self(), r, len, VM_INHERIT_COPY))
		return -1;
	*kid = fork();
	if (*kid == 0) {
		die_with_parent();
		pause();
		_exit(0);
	}
	return *kid > 0 ? 0 : -1;
}

/*
 * nobody keeps @copies snapshots (@snap) of memory root shares with it,
 * root rewrites the memory after each: root's group must not pay for
 * them; nobody's does, until it lets them go.
 */
static void copier_pays(struct __test_metadata *_metadata,
			int (*snap)(mach_vm_address_t, size_t, pid_t *))
{
	const int copies = mt_rounds(6, 3);	/* at most 8 */
	const size_t len = (size_t)mt_rounds(16, 4) * MIB;
	struct mt_cgroup owner, copier;
	mach_vm_address_t r = 0;
	long o0, o1, c0, c1;
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
		pid_t kids[8];

		if (mt_cg_enter(&copier) || mt_become_nobody())
			_exit(2);
		for (i = 0; i < copies; i++) {
			if (P(r)[0] != (char)(1 + i) || snap(r, len, &kids[i]))
				_exit(3);
			gate_send(g.up[1]);
			gate_wait(g.down[0]);	/* root rewrote it */
		}
		gate_send(g.up[1]);
		gate_wait(g.down[0]);
		for (i = 0; i < copies; i++)
			if (kids[i] > 0) {
				kill(kids[i], SIGKILL);
				waitpid(kids[i], NULL, 0);
			}
		_exit(0);
	}
	usleep(100000);
	o0 = mt_cg_read(&owner, "memory.current");
	c0 = mt_cg_read(&copier, "memory.current");
	for (i = 0; i < copies; i++) {
		gate_wait(g.up[0]);
		memset(P(r), 2 + i, len);
		gate_send(g.down[1]);
	}
	gate_wait(g.up[0]);
	o1 = mt_cg_read(&owner, "memory.current");
	c1 = mt_cg_read(&copier, "memory.current");
	TH_LOG("%d snapshots of %zu MiB: owner's group %ld -> %ld MiB, copier's %ld -> %ld MiB",
	       copies, len / MIB, o0 / MIB, o1 / MIB, c0 / MIB, c1 / MIB);
	/* The owner keeps one copy of its memory, whatever nobody does. */
	EXPECT_LT(o1 - o0, (long)len / 2);
	/* The copier holds the snapshots: they are its to pay. */
	EXPECT_GE(c1 - c0, (long)(copies - 1) * (long)len);
	gate_send(g.down[1]);
	EXPECT_EQ(0, mt_wait_exit(pid));
	usleep(100000);
	/* Gone with the copier: nothing of them is left to anyone. */
	c1 = mt_cg_read(&copier, "memory.current");
	o1 = mt_cg_read(&owner, "memory.current");
	TH_LOG("after the copier: owner's group %ld MiB, copier's %ld MiB",
	       o1 / MIB, c1 / MIB);
	EXPECT_LT(c1, (long)len / 2);
	EXPECT_LT(o1 - o0, (long)len / 2);
	EXPECT_TRUE(P(r)[len - 1] == (char)(1 + copies));
	mach_vm_deallocate(mach_task_self(), r, len);
	mt_write_file(MT_CG_ROOT "/cgroup.procs", "0");
	mt_cg_destroy(&owner);
	mt_cg_destroy(&copier);
}

TEST(remap_snapshots_are_paid_by_the_copier)
{
	copier_pays(_metadata, snap_remap);
}

/* The class: the same with fork children of nobody's as the snapshots. */
TEST(fork_snapshots_are_paid_by_the_copier)
{
	copier_pays(_metadata, snap_fork);
}

TEST_HARNESS_MAIN
