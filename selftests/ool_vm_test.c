// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-line memory as a virtual copy (issue 10, slice 4): a
 * MACH_MSG_VIRTUAL_COPY descriptor over Mach VM memory travels as a
 * copy-on-write snapshot (live_ool_copies counts the snapshots queued).
 *
 * Checked: the sender's writes after the send never reach the receiver,
 * the receiver's writes never reach the sender; deallocate moves the
 * pages; an unaligned range arrives at the same offset in its page and
 * the sender's bytes around it never travel; a hole or an unreadable page
 * fails the send with MACH_SEND_INVALID_MEMORY and takes nothing (rights,
 * memory, snapshots); a message destroyed unreceived (port destroyed,
 * MACH_RCV_TOO_LARGE, the receiver exiting) drops its snapshot; a receiver
 * without room gets address 0 and MACH_MSG_VM_SPACE; a send between two
 * users' processes; a fork after the receive; as nobody, queued snapshots
 * are bounded by max_queued_bytes and their pages charged to the sender's
 * memory cgroup.  Sizes are in pages of the running kernel (4K and 16K).
 */
#define _GNU_SOURCE
#include <grp.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vm_test.h"

#define MIB (1024L * 1024)
#define P(a) ((char *)(uintptr_t)(a))

/* ---- helpers ------------------------------------------------------------- */

/* Send @size bytes at @addr as one OOL descriptor to @dest (a send right). */
static mach_msg_return_t send_ool(mach_port_t dest, mach_vm_address_t addr,
				  size_t size, boolean_t dealloc,
				  mach_msg_copy_options_t copy)
{
	struct msg_builder b;

	mb_init(&b, dest, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 7);
	mb_ool(&b, P(addr), size, dealloc, copy);
	return mb_send(&b, MACH_SEND_TIMEOUT, 0);
}

/*
 * Receive one message on @port and its first descriptor (OOL) into @d.
 * Returns the mach_msg result.
 */
static mach_msg_return_t recv_ool(mach_port_t port, any_desc_t *d)
{
	rcv_buf_t buf;
	mach_msg_return_t mr = recv_timeout(port, &buf, 5000);

	memset(d, 0, sizeof(*d));
	/* A body error still delivers (MACH_MSG_VM_* and IPC bits: 0x3e00). */
	if (mr == MACH_MSG_SUCCESS || (mr & ~0x3e00) == MACH_RCV_BODY_ERROR)
		get_desc(&buf.header, 0, d);
	return mr;
}

static long copies(void)
{
	return mt_counter("live_ool_copies");
}

/* Wait for live_ool_copies to reach @want; returns what it reads. */
static long copies_settle(long want)
{
	return mt_wait_counter("live_ool_copies", want);
}

/* The bytes up to which a virtual copy is copied (ool_copy_bytes). */
static size_t copy_bytes(void)
{
	long min = module_param("ool_copy_bytes");

	return min < 0 ? 8192 : (size_t)min;
}

/*
 * The number of pages that makes a send take the virtual path: an even
 * number (the tests split it in halves of whole pages) on 4K and 16K pages.
 */
static size_t big_pages(void)
{
	return ((copy_bytes() + page_size() - 1) / page_size() + 7) & ~(size_t)1;
}

/* ---- snapshot semantics -------------------------------------------------- */

TEST(sender_writes_after_send_stay_with_the_sender)
{
	size_t len = big_pages() * page_size();
	mach_port_t port = new_port_send();
	mach_vm_address_t a = alloc_pattern(len, 1);
	long base = copies();
	any_desc_t d;

	IPC_REQUIRE();
	ASSERT_NE(0, a);
	ASSERT_GE(base, 0);
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_ool(port, a, len, FALSE, MACH_MSG_VIRTUAL_COPY));
	EXPECT_EQ(base + 1, copies());
	fill_pages(P(a), len, 2);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_ool(port, &d));
	ASSERT_EQ(MACH_MSG_OOL_DESCRIPTOR, (int)d.any.type);
	EXPECT_EQ(len, d.ool.size);
	ASSERT_NE(NULL, d.ool.address);
	EXPECT_EQ(0, (uintptr_t)d.ool.address % page_size());
	EXPECT_TRUE(check_pages(d.ool.address, len, 1));
	EXPECT_EQ(base, copies_settle(base));
	/* The receiver's writes are its own. */
	fill_pages(d.ool.address, len, 3);
	EXPECT_TRUE(check_pages(P(a), len, 2));
	EXPECT_TRUE(check_pages(d.ool.address, len, 3));
	/* The received memory is Mach VM memory: mach_vm_deallocate takes it. */
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_deallocate(SELF, (uintptr_t)d.ool.address, len));
	EXPECT_TRUE(check_pages(P(a), len, 2));
	mach_vm_deallocate(SELF, a, len);
	mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1);
}

/* The same range sent twice: two snapshots, each of its own moment. */
TEST(two_snapshots_of_one_range_keep_their_moments)
{
	size_t len = big_pages() * page_size();
	mach_port_t port = new_port_send();
	mach_vm_address_t a = alloc_pattern(len, 4);
	any_desc_t d1, d2;

	IPC_REQUIRE();
	ASSERT_NE(0, a);
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_ool(port, a, len, FALSE, MACH_MSG_VIRTUAL_COPY));
	fill_pages(P(a), len / 2, 5);
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_ool(port, a, len, FALSE, MACH_MSG_VIRTUAL_COPY));
	fill_pages(P(a), len, 6);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_ool(port, &d1));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_ool(port, &d2));
	EXPECT_TRUE(check_pages(d1.ool.address, len, 4));
	EXPECT_TRUE(check_pages(d2.ool.address, len / 2, 5));
	EXPECT_TRUE(check_pages(P(d2.ool.address) + len / 2, len - len / 2, 4));
	EXPECT_TRUE(check_pages(P(a), len, 6));
	mach_vm_deallocate(SELF, (uintptr_t)d1.ool.address, len);
	mach_vm_deallocate(SELF, (uintptr_t)d2.ool.address, len);
	mach_vm_deallocate(SELF, a, len);
	mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1);
}

TEST(deallocate_moves_the_pages)
{
	size_t len = big_pages() * page_size();
	mach_port_t port = new_port_send();
	mach_vm_address_t a = alloc_pattern(len, 7), probe = a;
	mach_vm_size_t sz = 0;
	vm_region_basic_info_data_64_t info;
	mach_msg_type_number_t n = VM_REGION_BASIC_INFO_COUNT_64;
	mach_port_t obj;
	any_desc_t d;

	IPC_REQUIRE();
	ASSERT_NE(0, a);
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_ool(port, a, len, TRUE, MACH_MSG_VIRTUAL_COPY));
	/* Gone from the sender: the region found, if any, starts beyond it. */
	if (mach_vm_region(SELF, &probe, &sz, VM_REGION_BASIC_INFO_64,
			   (vm_region_info_t)&info, &n, &obj) == KERN_SUCCESS)
		EXPECT_GE(probe, a + len);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_ool(port, &d));
	EXPECT_EQ(len, d.ool.size);
	EXPECT_TRUE(check_pages(d.ool.address, len, 7));
	fill_pages(d.ool.address, len, 8);
	EXPECT_TRUE(check_pages(d.ool.address, len, 8));
	mach_vm_deallocate(SELF, (uintptr_t)d.ool.address, len);
	mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1);
}

/*
 * check_edges - the received range @d of @size bytes at @head bytes into
 * its page: the data is there, and every other byte of its first and last
 * pages is zero (the sender's secret 'S' bytes around it never travel)
 */
static int check_edges(const any_desc_t *d, size_t head, size_t size)
{
	size_t pg = page_size();
	const char *p = d->ool.address, *page0 = p - head;
	size_t span = (head + size + pg - 1) / pg * pg, i;

	if ((uintptr_t)p % pg != head || d->ool.size != size)
		return 0;
	for (i = 0; i < size; i++)
		if (p[i] != (char)(i * 13 + 1))
			return 0;
	for (i = 0; i < head; i++)
		if (page0[i])
			return 0;
	for (i = head + size; i < span; i++)
		if (page0[i])
			return 0;
	return 1;
}

/* Send [a + head, a + head + size) of a page run full of secret bytes. */
static int send_edges(mach_port_t port, mach_vm_address_t a, size_t len,
		      size_t head, size_t size)
{
	size_t i;

	memset(P(a), 'S', len);
	for (i = 0; i < size; i++)
		P(a)[head + i] = (char)(i * 13 + 1);
	return send_ool(port, a + head, size, FALSE, MACH_MSG_VIRTUAL_COPY);
}

TEST(unaligned_head_and_tail_never_leak)
{
	size_t pg = page_size(), pages = big_pages() + 1, len = pages * pg;
	mach_port_t port = new_port_send();
	mach_vm_address_t a = 0;
	long base = copies(), old;
	any_desc_t d;

	IPC_REQUIRE();
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_allocate(SELF, &a, len, VM_FLAGS_ANYWHERE));
	/* Both edges partial. */
	ASSERT_EQ(MACH_MSG_SUCCESS, send_edges(port, a, len, 100, len - 200));
	EXPECT_EQ(base + 1, copies());
	memset(P(a), 'T', len);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_ool(port, &d));
	EXPECT_TRUE(check_edges(&d, 100, len - 200));
	mach_vm_deallocate(SELF, (uintptr_t)d.ool.address & ~(pg - 1), len);
	/* Aligned start, partial end; partial start, aligned end. */
	ASSERT_EQ(MACH_MSG_SUCCESS, send_edges(port, a, len, 0, len - pg / 2));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_ool(port, &d));
	EXPECT_TRUE(check_edges(&d, 0, len - pg / 2));
	mach_vm_deallocate(SELF, (uintptr_t)d.ool.address, len);
	ASSERT_EQ(MACH_MSG_SUCCESS, send_edges(port, a, len, pg - 1, len - pg + 1));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_ool(port, &d));
	EXPECT_TRUE(check_edges(&d, pg - 1, len - pg + 1));
	mach_vm_deallocate(SELF, (uintptr_t)d.ool.address & ~(pg - 1), len);
	/* Inside one page (the virtual path for any size, as root). */
	if (geteuid() == 0) {
		old = module_param_set("ool_copy_bytes", 0);
		ASSERT_GE(old, 0);
		ASSERT_EQ(MACH_MSG_SUCCESS, send_edges(port, a, len, 100, 200));
		EXPECT_EQ(base + 1, copies());
		ASSERT_EQ(MACH_MSG_SUCCESS, recv_ool(port, &d));
		EXPECT_TRUE(check_edges(&d, 100, 200));
		mach_vm_deallocate(SELF, (uintptr_t)d.ool.address & ~(pg - 1), pg);
		module_param_set("ool_copy_bytes", old);
	}
	EXPECT_EQ(base, copies_settle(base));
	mach_vm_deallocate(SELF, a, len);
	mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1);
}

/* Below the threshold, and Linux memory, the bytes are copied: same result. */
TEST(small_ranges_and_linux_memory_are_copied)
{
	size_t pg = page_size(), len = big_pages() * pg;
	size_t small = copy_bytes() < pg ? copy_bytes() : pg;
	mach_port_t port = new_port_send();
	mach_vm_address_t a = alloc_pattern(len, 9);
	void *lin = map_pages(len);
	long base = copies();
	any_desc_t d;

	IPC_REQUIRE();
	ASSERT_NE(0, a);
	ASSERT_NE(NULL, lin);
	fill_pages(lin, len, 10);
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_ool(port, a, small, FALSE, MACH_MSG_VIRTUAL_COPY));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_ool(port, (uintptr_t)lin, len, FALSE,
					     MACH_MSG_VIRTUAL_COPY));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_ool(port, a, len, FALSE, MACH_MSG_PHYSICAL_COPY));
	EXPECT_EQ(base, copies());
	fill_pages(P(a), len, 11);
	fill_pages(lin, len, 11);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_ool(port, &d));
	EXPECT_TRUE(check_pattern(d.ool.address, small, 9));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_ool(port, &d));
	EXPECT_TRUE(check_pages(d.ool.address, len, 10));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_ool(port, &d));
	EXPECT_TRUE(check_pages(d.ool.address, len, 9));
	mach_vm_deallocate(SELF, a, len);
	munmap(lin, len);
	mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1);
}

/* ---- errors give everything back ------------------------------------------ */

/* A message moving a send right of @r and deallocating @len bytes at @a. */
static mach_msg_return_t send_right_and_ool(mach_port_t port, mach_port_t r,
					    mach_vm_address_t a, size_t len)
{
	struct msg_builder b;

	mb_init(&b, port, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 1);
	mb_port(&b, r, MACH_MSG_TYPE_MOVE_SEND);
	mb_ool(&b, P(a), len, TRUE, MACH_MSG_VIRTUAL_COPY);
	return mb_send(&b, MACH_SEND_TIMEOUT, 0);
}

TEST(hole_or_unreadable_page_fails_and_loses_nothing)
{
	size_t pg = page_size(), pages = big_pages(), len = pages * pg;
	mach_port_t port = new_port_send(), r = new_port_send();
	mach_vm_address_t a = alloc_pattern(len, 12);
	long base = copies(), msgs = mt_counter("live_messages");
	size_t i;

	IPC_REQUIRE();
	ASSERT_NE(0, a);
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(SELF, r, MACH_PORT_RIGHT_SEND, 1));
	/* An unreadable page in the middle. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_protect(SELF, a + 3 * pg, pg, FALSE, VM_PROT_NONE));
	EXPECT_EQ(MACH_SEND_INVALID_MEMORY, send_right_and_ool(port, r, a, len));
	EXPECT_EQ(2, urefs_of(r, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(0, msgcount_of(port));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_protect(SELF, a + 3 * pg, pg, FALSE,
						VM_PROT_READ | VM_PROT_WRITE));
	EXPECT_TRUE(check_pages(P(a), len, 12));
	/* A hole in the middle. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a + 3 * pg, pg));
	EXPECT_EQ(MACH_SEND_INVALID_MEMORY, send_right_and_ool(port, r, a, len));
	EXPECT_EQ(2, urefs_of(r, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(0, msgcount_of(port));
	for (i = 0; i < pages; i++)
		if (i != 3)
			EXPECT_TRUE(check_pages(P(a) + i * pg, pg, 12));
	EXPECT_EQ(base, copies_settle(base));
	EXPECT_EQ(msgs, mt_wait_counter("live_messages", msgs));
	mach_vm_deallocate(SELF, a, len);
	mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_mod_refs(SELF, r, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_deallocate(SELF, r);
}

TEST(messages_destroyed_unreceived_drop_their_snapshots)
{
	size_t len = (size_t)mt_rounds(16, 4) * MIB;
	mach_port_t port = new_port_send();
	mach_vm_address_t a = alloc_pattern(len, 13);
	long base = copies();
	struct { mach_msg_header_t h; char small[8]; } tiny;
	int i, st;
	pid_t pid;

	IPC_REQUIRE();
	ASSERT_NE(0, a);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(MACH_MSG_SUCCESS,
			  send_ool(port, a, len, FALSE, MACH_MSG_VIRTUAL_COPY));
	EXPECT_EQ(base + 3, copies());
	/* Every snapshot now owns its pages alone. */
	fill_pages(P(a), len, 14);
	/* MACH_RCV_TOO_LARGE without MACH_RCV_LARGE destroys the message. */
	EXPECT_EQ(MACH_RCV_TOO_LARGE,
		  recv_msg(port, &tiny, sizeof(tiny), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(base + 2, copies_settle(base + 2));
	/* The port destroyed with two queued. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_EQ(base, copies_settle(base));
	/* A receiver that exits with its queue full. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		mach_port_t own = new_port_send();

		for (i = 0; i < 3; i++)
			if (send_ool(own, a, len, i == 2, MACH_MSG_VIRTUAL_COPY))
				_exit(2);
		_exit(copies() >= base + 3 ? 0 : 3);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(base, copies_settle(base));
	mach_vm_deallocate(SELF, a, len);
}

/*
 * A receiver with no room (RLIMIT_AS): address 0, size 0,
 * MACH_MSG_VM_SPACE, and the snapshot is dropped.
 */
TEST(receiver_without_room_gets_vm_space)
{
	/* More than the 8 MiB of room; the debug kernels fill less (42 s). */
	size_t len = (mt_slow_kernel() ? 12 : 32) * MIB;
	long base = copies();
	int st;
	pid_t pid;

	IPC_REQUIRE();
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		mach_port_t port = new_port_send();
		mach_vm_address_t a = alloc_pattern(len, 15);
		struct rlimit rl;
		any_desc_t d;
		mach_msg_return_t mr;
		char line[256];
		long vm_kb = -1;
		FILE *f;

		if (!a || send_ool(port, a, len, FALSE, MACH_MSG_VIRTUAL_COPY))
			_exit(2);
		if (copies() != base + 1)
			_exit(3);
		f = fopen("/proc/self/status", "r");
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "VmSize: %ld kB", &vm_kb) == 1)
				break;
		if (f)
			fclose(f);
		if (vm_kb < 0)
			_exit(4);
		rl.rlim_cur = rl.rlim_max = (vm_kb << 10) + 8 * MIB;
		if (setrlimit(RLIMIT_AS, &rl))
			_exit(5);
		mr = recv_ool(port, &d);
		if (mr != (MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE))
			_exit(6);
		if (d.ool.address || d.ool.size)
			_exit(7);
		if (copies() != base || !check_pages(P(a), len, 15))
			_exit(8);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(base, copies_settle(base));
}

/* ---- between processes ---------------------------------------------------- */

/*
 * A child running as nobody sends root its memory as a virtual copy; the
 * two sides' later writes stay on their sides.
 */
TEST(send_between_two_users_processes)
{
	size_t len = big_pages() * page_size();
	mach_port_t port = new_port_send();
	int down[2], up[2], fd, st;
	any_desc_t d;
	pid_t pid;

	IPC_REQUIRE();
	if (geteuid() != 0)
		SKIP(return, "needs root to become nobody");
	ASSERT_EQ(0, pipe(down));
	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(KERN_SUCCESS, port_share(port, &fd));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		mach_port_t to = port_meet_child(fd);
		mach_vm_address_t a;

		die_with_parent();
		if (mt_become_nobody() || to == MACH_PORT_NULL)
			_exit(2);
		a = alloc_pattern(len, 16);
		if (!a || send_ool(to, a, len, FALSE, MACH_MSG_VIRTUAL_COPY))
			_exit(3);
		fill_pages(P(a), len, 17);
		gate_send(up[1]);
		gate_wait(down[0]);
		_exit(check_pages(P(a), len, 17) ? 0 : 4);
	}
	close(fd);
	gate_wait(up[0]);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_ool(port, &d));
	EXPECT_TRUE(check_pages(d.ool.address, len, 16));
	fill_pages(d.ool.address, len, 18);
	gate_send(down[1]);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_TRUE(check_pages(d.ool.address, len, 18));
	mach_vm_deallocate(SELF, (uintptr_t)d.ool.address, len);
	mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1);
}

TEST(fork_after_receive_keeps_each_side)
{
	size_t len = big_pages() * page_size();
	mach_port_t port = new_port_send();
	mach_vm_address_t a = alloc_pattern(len, 19);
	int down[2], up[2], st;
	any_desc_t d;
	pid_t pid;

	IPC_REQUIRE();
	ASSERT_NE(0, a);
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_ool(port, a, len, TRUE, MACH_MSG_VIRTUAL_COPY));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_ool(port, &d));
	ASSERT_EQ(0, pipe(down));
	ASSERT_EQ(0, pipe(up));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		die_with_parent();
		if (!check_pages(d.ool.address, len, 19))
			_exit(2);
		fill_pages(d.ool.address, len / 2, 20);
		gate_send(up[1]);
		gate_wait(down[0]);
		_exit(check_pages(d.ool.address, len / 2, 20) &&
		      check_pages(P(d.ool.address) + len / 2, len - len / 2, 19) ?
		      0 : 3);
	}
	gate_wait(up[0]);
	EXPECT_TRUE(check_pages(d.ool.address, len, 19));
	fill_pages(P(d.ool.address) + len / 2, len - len / 2, 21);
	gate_send(down[1]);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_TRUE(check_pages(d.ool.address, len / 2, 19));
	mach_vm_deallocate(SELF, (uintptr_t)d.ool.address, len);
	mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1);
}

/* ---- limits ---------------------------------------------------------------- */

/*
 * As nobody: sending 8 MiB snapshots (2 MiB on the debug kernels, where
 * writing 48 MiB took 49 s) and then writing the range (so each queued
 * snapshot owns its pages alone) stops at max_queued_bytes with
 * MACH_SEND_NO_BUFFER, and the pages the snapshots keep are charged to the
 * sender's memory cgroup; everything goes back when the sender exits.
 */
TEST(nobody_queued_snapshots_are_bounded_and_charged)
{
	const long chunk = (mt_slow_kernel() ? 2 : 8) * MIB, limit = 6 * chunk;
	long base = copies(), old, c0, c1;
	mach_vm_address_t a = 0;
	mach_port_t own = MACH_PORT_NULL;
	struct mt_cgroup cg;
	const char *why;
	int up[2], down[2], st;
	pid_t pid;

	IPC_REQUIRE();
	if (geteuid() != 0)
		SKIP(return, "needs root for a memory cgroup");
	why = mt_cg_create(&cg, 512 * MIB);
	if (why)
		SKIP(return, "%s", why);
	old = module_param_set("max_queued_bytes", limit);
	ASSERT_GT(old, 0);
	pid = queuer_fork(&cg, up, down, chunk, 22, &own, &a);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		mach_msg_return_t mr = MACH_MSG_SUCCESS;
		char n = 0;

		while (n < 100) {
			mr = send_ool(own, a, chunk, FALSE, MACH_MSG_VIRTUAL_COPY);
			if (mr)
				break;
			n++;
			fill_pages(P(a), chunk, 23 + n);
		}
		if (mr != MACH_SEND_NO_BUFFER)
			_exit(5);
		if (write(up[1], &n, 1) != 1)
			_exit(6);
		gate_wait(down[0]);
		_exit(0);
	}
	/* A child that dies (the cgroup's OOM killer) closes its ends. */
	close(up[1]);
	close(down[0]);
	gate_wait(up[0]);
	c0 = mt_cg_read(&cg, "memory.current");
	gate_send(down[1]);
	{
		char n = 0;

		ASSERT_EQ(1, read(up[0], &n, 1));
		c1 = mt_cg_read(&cg, "memory.current");
		TH_LOG("%d snapshots queued, %ld -> %ld", n, c0, c1);
		EXPECT_GE(n, 1);
		EXPECT_LE((long)n * chunk, limit);
		EXPECT_EQ(base + n, copies());
		/* n snapshots of their own plus the sender's current pages. */
		EXPECT_GE(c1 - c0, (long)n * chunk - MIB);
	}
	gate_send(down[1]);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(base, copies_settle(base));
	module_param_set("max_queued_bytes", old);
	mt_cg_destroy(&cg);
}

TEST_HARNESS_MAIN
