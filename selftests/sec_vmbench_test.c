// SPDX-License-Identifier: GPL-2.0
/*
 * Security review of branch vmbench: ool_copy_bytes (default 8192 bytes,
 * whatever the page size) replaced ool_copy_pages (2 pages), so on 16K
 * pages ranges of 8 KiB + 1 .. 32 KiB, usually partial pages, now travel
 * as copy-on-write snapshots instead of copies.
 *
 * threshold_edges_never_leak: as nobody, unaligned ranges of sizes around
 * the threshold and around the page size, at heads 0, 1, half a page and
 * a page - 1 of a region full of secret bytes: the receiver gets its
 * bytes exactly, every other byte of the pages its range lies in is zero
 * (copy or snapshot), the sender's writes after the send never arrive,
 * and the receiver's writes never reach the sender.
 *
 * queued_snapshots_within_budget: as nobody in a memory cgroup, with
 * max_queued_bytes at 4 MiB, queue just-over-threshold ranges that start
 * one byte before a page boundary (their edge pages are copied into the
 * snapshot at send) until MACH_SEND_NO_BUFFER: what the queued messages
 * make the kernel hold must stay near the budget.  Counting only the
 * descriptor's bytes, a snapshot of 8 KiB + 1 over two 16K pages holds
 * 32 KiB of page copies: four times what max_queued_bytes saw.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <signal.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vm_test.h"

#define MIB (1024L * 1024)
#define P(a) ((char *)(uintptr_t)(a))

static size_t threshold(void)
{
	long t = module_param("ool_copy_bytes");

	return t < 0 ? 8192 : (size_t)t;
}

static mach_msg_return_t send_virtual(mach_port_t dest, mach_vm_address_t a,
				      size_t size)
{
	struct msg_builder b;

	mb_init(&b, dest, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 7);
	mb_ool(&b, P(a), size, FALSE, MACH_MSG_VIRTUAL_COPY);
	return mb_send(&b, MACH_SEND_TIMEOUT, 0);
}

static char data_byte(size_t i)
{
	return (char)(i * 29 + 3) | 1;	/* never zero */
}

/*
 * One round: @size bytes at @head into a region of @len bytes of secret
 * 'S'.  Returns 0 or the step that failed.
 */
static int one_edge_round(mach_port_t port, mach_vm_address_t a, size_t len,
			  size_t head, size_t size)
{
	size_t pg = page_size(), i, off, span;
	const char *p, *page0;
	rcv_buf_t buf;
	any_desc_t d;

	memset(P(a), 'S', len);
	for (i = 0; i < size; i++)
		P(a)[head + i] = data_byte(i);
	if (send_virtual(port, a + head, size))
		return 10;
	memset(P(a), 'T', len);		/* after the send: never seen */
	if (recv_timeout(port, &buf, 5000))
		return 11;
	if (get_desc(&buf.header, 0, &d) != MACH_MSG_OOL_DESCRIPTOR ||
	    d.ool.size != size)
		return 12;
	p = d.ool.address;
	off = (uintptr_t)p % pg;
	page0 = p - off;
	span = (off + size + pg - 1) / pg * pg;
	for (i = 0; i < size; i++)
		if (p[i] != data_byte(i))
			return 13;
	for (i = 0; i < off; i++)
		if (page0[i])
			return 14;
	for (i = off + size; i < span; i++)
		if (page0[i])
			return 15;
	/* The receiver's writes are its own. */
	memset((char *)page0, 'R', span);
	for (i = 0; i < len; i++)
		if (P(a)[i] != 'T')
			return 16;
	if (mach_vm_deallocate(mach_task_self(), (uintptr_t)page0, span))
		return 17;
	return 0;
}

TEST(threshold_edges_never_leak)
{
	int st;
	pid_t pid;

	IPC_REQUIRE();
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		size_t pg = page_size(), t = threshold();
		size_t sizes[] = { t - 1, t, t + 1, pg - 1, pg, pg + 1,
				   2 * pg - 1, 2 * pg + 1, 4 * pg - 1, 4 * pg };
		size_t heads[] = { 0, 1, pg / 2, pg - 1 };
		size_t len = 8 * pg, i, j;
		mach_vm_address_t a = 0;
		mach_port_t port;
		int r;

		die_with_parent();
		if (mt_become_nobody())
			_exit(2);
		port = new_port_send();
		if (mach_vm_allocate(mach_task_self(), &a, len,
				     VM_FLAGS_ANYWHERE))
			_exit(3);
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			for (j = 0; j < sizeof(heads) / sizeof(heads[0]); j++) {
				if (!sizes[i] || heads[j] + sizes[i] > len)
					continue;
				r = one_edge_round(port, a, len, heads[j],
						   sizes[i]);
				if (r) {
					fprintf(stderr,
						"# size %zu head %zu: step %d\n",
						sizes[i], heads[j], r);
					_exit(r);
				}
			}
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

TEST(queued_snapshots_within_budget)
{
	const long limit = 4 * MIB;
	size_t pg = page_size(), size = threshold() + 1;
	size_t len = (size / pg + 4) * pg;
	mach_vm_address_t a = 0;
	mach_port_t own = MACH_PORT_NULL;
	struct mt_cgroup cg;
	int up[2], down[2], st;
	const char *why;
	long old, c0, c1;
	pid_t pid;
	int n = 0;

	IPC_REQUIRE();
	if (geteuid() != 0)
		SKIP(return, "needs root for a memory cgroup");
	why = mt_cg_create(&cg, 512 * MIB);
	if (why)
		SKIP(return, "%s", why);
	old = module_param_set("max_queued_bytes", limit);
	ASSERT_GT(old, 0);
	pid = queuer_fork(&cg, up, down, len, 5, &own, &a);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		mach_msg_return_t mr = MACH_MSG_SUCCESS;
		int sent = 0;

		while (sent < MACH_PORT_QLIMIT_LARGE) {
			mr = send_virtual(own, a + pg - 1, size);
			if (mr)
				break;
			sent++;
		}
		if (mr != MACH_SEND_NO_BUFFER)
			_exit(5);
		if (write(up[1], &sent, sizeof(sent)) != sizeof(sent))
			_exit(6);
		gate_wait(down[0]);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	gate_wait(up[0]);
	c0 = mt_cg_read(&cg, "memory.current");
	gate_send(down[1]);
	ASSERT_EQ(sizeof(n), read(up[0], &n, sizeof(n)));
	c1 = mt_cg_read(&cg, "memory.current");
	TH_LOG("%d messages of %zu bytes queued (budget %ld): memory.current %ld -> %ld (+%ld)",
	       n, threshold() + 1, limit, c0, c1, c1 - c0);
	EXPECT_GE(n, 1);
	/* The budget, and slack for the messages' own records. */
	EXPECT_LE(c1 - c0, limit + limit / 2);
	gate_send(down[1]);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	module_param_set("max_queued_bytes", old);
	mt_cg_destroy(&cg);
}

TEST_HARNESS_MAIN
