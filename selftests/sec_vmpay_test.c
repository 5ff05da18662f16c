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

#include "vm_payer_test.h"

/* Layered copies before a chain is at the cap (XNU_VM_MAX_DEPTH - 1). */
#define LAYERED 15

/* A snapshot as an out-of-line virtual copy queued on nobody's own port. */
static int snap_ool(mach_vm_address_t r, size_t len, struct snap_ctx *ctx)
{
	struct msg_builder b;

	mb_init(&b, ctx->port, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 7);
	mb_ool(&b, P(r), len, FALSE, MACH_MSG_VIRTUAL_COPY);
	return mb_send(&b, MACH_SEND_TIMEOUT, 0) ? -1 : 0;
}

/*
 * A flat copy remap whose layer a fork of nobody froze, the fork child
 * gone at once: the layer collapses into nobody's own top, which keeps
 * paying for what the copy keeps.
 */
static int snap_remap_forked(mach_vm_address_t r, size_t len,
			     struct snap_ctx *ctx)
{
	pid_t kid;

	if (snap_remap(r, len, ctx))
		return -1;
	kid = fork();
	if (kid == 0)
		_exit(0);
	return kid > 0 && waitpid(kid, NULL, 0) == kid ? 0 : -1;
}

/* Past the depth cap every copy is flat: still the copier's to pay. */
TEST(flat_copies_are_paid_by_the_copier)
{
	maker_pays(_metadata, snap_remap, LAYERED, mt_rounds(6, 3),
		   payer_len(4, 1, 2), false);
}

/* The same after a fork froze each flat copy and went. */
TEST(collapsed_flat_copies_are_paid_by_the_copier)
{
	maker_pays(_metadata, snap_remap_forked, LAYERED, mt_rounds(6, 3),
		   payer_len(4, 1, 2), false);
}

/* The same class: out-of-line snapshots nobody queues and keeps. */
TEST(ool_snapshots_are_paid_by_the_sender)
{
	IPC_REQUIRE();
	maker_pays(_metadata, snap_ool, 0, mt_rounds(6, 3),
		   payer_len(4, 1, 2), false);
}

/*
 * The same when root replaces the pages by mach_vm_behavior_set ZERO
 * before rewriting them: the snapshot keeps the originals, at nobody's
 * cost.
 */
TEST(ool_snapshots_are_paid_by_the_sender_across_zero)
{
	IPC_REQUIRE();
	maker_pays(_metadata, snap_ool, 0, mt_rounds(6, 3),
		   payer_len(4, 1, 2), true);
}

/*
 * A MAP_MEM_VM_COPY entry of one page of a large region keeps that page:
 * a rewrite of the region costs no second copy of it.
 */
TEST(vm_copy_entry_keeps_its_range_only)
{
	/* The debug kernels write less (32 MiB: 20 s on debug-rt-arm64). */
	const size_t len = (mt_slow_kernel() ? 8 : 32) * MIB;
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

/* Minor faults of reading one byte per page of @len bytes at @p. */
static long read_faults(const char *p, size_t len)
{
	struct rusage a, b;
	size_t off;

	getrusage(RUSAGE_SELF, &a);
	for (off = 0; off < len; off += page_size())
		(void)*(volatile const char *)(p + off);
	getrusage(RUSAGE_SELF, &b);
	return b.ru_minflt - a.ru_minflt;
}

/*
 * Receiving an out-of-line snapshot maps the snapshot: it does not zap the
 * sender's mappings of the rest of the object (a copy of the snapshot
 * froze its layer and zapped every mapping of the whole object in every
 * process, which all faulted their pages in again).
 */
TEST(ool_receive_leaves_other_mappings_alone)
{
	const size_t half = 4 * MIB;
	mach_vm_address_t r;
	struct msg_builder b;
	mach_port_t port;
	long before, after;
	rcv_buf_t buf;
	any_desc_t d;

	IPC_REQUIRE();
	r = alloc_pattern(2 * half, 9);
	ASSERT_NE(0, r);
	port = new_port_send();
	mb_init(&b, port, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 7);
	mb_ool(&b, P(r) + half, half, FALSE, MACH_MSG_VIRTUAL_COPY);
	ASSERT_EQ(0, mb_send(&b, MACH_SEND_TIMEOUT, 0));
	/* The first half is mapped and stays so across the send. */
	before = read_faults(P(r), half);
	ASSERT_EQ(0, recv_timeout(port, &buf, 5000));
	after = read_faults(P(r), half);
	get_desc(&buf.header, 0, &d);
	TH_LOG("minor faults reading the untouched half: %ld after the send, %ld after the receive",
	       before, after);
	EXPECT_LT(after, (long)(half / page_size()) / 4);
	EXPECT_EQ(half, d.ool.size);
	EXPECT_TRUE(check_pages((const char *)d.ool.address, half, 9));
	/* Both sides still copy before they write. */
	fill_pages((char *)d.ool.address, half, 10);
	EXPECT_TRUE(check_pages(P(r) + half, half, 9));
	fill_pages(P(r) + half, half, 11);
	EXPECT_TRUE(check_pages((const char *)d.ool.address, half, 10));
	mach_vm_deallocate(SELF, (mach_vm_address_t)(uintptr_t)d.ool.address, half);
	mach_vm_deallocate(SELF, r, 2 * half);
}

TEST_HARNESS_MAIN
