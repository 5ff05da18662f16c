// SPDX-License-Identifier: GPL-2.0
/*
 * Security review of out-of-line memory sent as a virtual copy (branch
 * ool): what a queued snapshot makes the kernel keep.
 *
 * small_snapshot_keeps_only_its_range: as nobody in a memory cgroup, a
 * sender with one large Mach VM region sends a snapshot of a few pages of
 * it to its own port (never received) and then rewrites the whole region,
 * several times.  A snapshot may keep the pages of its own range (what
 * max_queued_bytes counts), never the rest of the region: pages nobody
 * can see any more, which no RSS, RLIMIT_AS or queued-bytes budget shows.
 * Every snapshot must still arrive with the bytes of its moment.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vm_test.h"

#define MIB (1024L * 1024)
#define P(a) ((char *)(uintptr_t)(a))
#define ROUNDS 8

static size_t snap_pages(void)
{
	long min = module_param("ool_copy_bytes");

	return (min < 0 ? 2 : ((size_t)min + page_size() - 1) / page_size()) + 2;
}

TEST(small_snapshot_keeps_only_its_range)
{
	/*
	 * The region's size is not what the test proves, only that it is
	 * past the bound's 8 MiB of slack, so that a single snapshot keeping
	 * the rest of it fails: the debug kernels rewrite 16 MiB (32 MiB
	 * eight times took 28.8 s of debug-rt-arm64's lane, 2026-12-07).
	 */
	const long chunk = (mt_slow_kernel() ? 16 : 32) * MIB;
	size_t range = snap_pages() * page_size();
	mach_vm_address_t a = 0;
	mach_port_t own = MACH_PORT_NULL;
	struct mt_cgroup cg;
	const char *why;
	int up[2], down[2], st;
	long c0, c1;
	pid_t pid;

	IPC_REQUIRE();
	if (geteuid() != 0)
		SKIP(return, "needs root for a memory cgroup");
	why = mt_cg_create(&cg, 768 * MIB);
	if (why)
		SKIP(return, "%s", why);
	pid = queuer_fork(&cg, up, down, chunk, 40, &own, &a);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct msg_builder b;
		int i;

		for (i = 0; i < ROUNDS; i++) {
			mb_init(&b, own, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 7);
			mb_ool(&b, P(a), range, FALSE, MACH_MSG_VIRTUAL_COPY);
			if (mb_send(&b, MACH_SEND_TIMEOUT, 0))
				_exit(5);
			fill_pages(P(a), chunk, 41 + i);
		}
		gate_send(up[1]);
		gate_wait(down[0]);
		/* Each snapshot still shows its moment. */
		for (i = 0; i < ROUNDS; i++) {
			rcv_buf_t buf;
			any_desc_t d;

			if (recv_timeout(own, &buf, 5000))
				_exit(6);
			get_desc(&buf.header, 0, &d);
			if (d.ool.size != range ||
			    !check_pages((const char *)d.ool.address, range, 40 + i))
				_exit(7);
		}
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	gate_wait(up[0]);
	c0 = mt_cg_read(&cg, "memory.current");
	gate_send(down[1]);
	gate_wait(up[0]);
	c1 = mt_cg_read(&cg, "memory.current");
	TH_LOG("%d snapshots of %zu bytes of a %ld-byte region: memory.current %ld -> %ld",
	       ROUNDS, range, chunk, c0, c1);
	/* Their own ranges (copied on the sender's writes) and slack. */
	EXPECT_LE(c1 - c0, (long)ROUNDS * (long)range + 8 * MIB);
	gate_send(down[1]);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	mt_cg_destroy(&cg);
}

TEST_HARNESS_MAIN
