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

#include "vm_payer_test.h"

/* The same by fork: the range inherited by copy, a child keeps it. */
static int snap_fork(mach_vm_address_t r, size_t len, struct snap_ctx *ctx)
{
	pid_t kid;

	if (mach_vm_inherit(mach_task_self(), r, len, VM_INHERIT_COPY))
		return -1;
	kid = fork();
	if (kid == 0) {
		die_with_parent();
		pause();
		_exit(0);
	}
	if (kid < 0)
		return -1;
	ctx->kids[ctx->nkids++] = kid;
	return 0;
}

TEST(remap_snapshots_are_paid_by_the_copier)
{
	maker_pays(_metadata, snap_remap, 0, mt_rounds(6, 3),
		   (size_t)mt_rounds(16, 4) * MIB, false);
}

/* The class: the same with fork children of nobody's as the snapshots. */
TEST(fork_snapshots_are_paid_by_the_copier)
{
	maker_pays(_metadata, snap_fork, 0, mt_rounds(6, 3),
		   (size_t)mt_rounds(16, 4) * MIB, false);
}

TEST_HARNESS_MAIN
