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

/*
 * The memory's size: 16 MiB outside the bench, 4 MiB on each stock kernel
 * (as before), and 2 MiB on the debug kernels, four times their
 * cg_slack() of 512 KiB (4 MiB, the old floor, took 23 s and 18 s of
 * debug-rt-arm64's lane for these two cases, 2026-12-07).  What the cases
 * prove is which group a snapshot's copy lands in, which a copy of four
 * charge batches shows as well as one of eight (payer_len()).
 */
#define REMAP_LEN payer_len(16, 2, 2)

TEST(remap_snapshots_are_paid_by_the_copier)
{
	maker_pays(_metadata, snap_remap, 0, mt_rounds(6, 3), REMAP_LEN, false);
}

/* The class: the same with fork children of nobody's as the snapshots. */
TEST(fork_snapshots_are_paid_by_the_copier)
{
	maker_pays(_metadata, snap_fork, 0, mt_rounds(6, 3), REMAP_LEN, false);
}

TEST_HARNESS_MAIN
