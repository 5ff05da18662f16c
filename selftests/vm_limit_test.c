// SPDX-License-Identifier: GPL-2.0
/*
 * max_vm_bytes: the Mach VM pages one user's layers may hold (branch
 * vmlimit, docs/plans/xnu_vm.md section 25), attacked as user nobody.
 *
 * Each test lowers the limit to LIMIT pages as root, runs its attack as
 * nobody (whose ledger starts empty), puts the limit back and then checks:
 * a lazily touched range stops with SIGBUS at exactly the limit (never an
 * endless retry, never an OOM kill of anyone else) while root's own pages
 * are unaffected; a get_user_pages() write past it is
 * KERN_RESOURCE_SHORTAGE; forks (COPY inheritance) and out-of-line
 * snapshots share their user's one budget; a memory entry's pages count
 * for its maker, whoever maps and touches them; every count goes back to
 * its baseline (vm_ledger_pages) once the memory is gone.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vm_test.h"
#include "vm_child_test.h"

#define P(a) ((char *)(uintptr_t)(a))
#define V(a) ((volatile char *)(uintptr_t)(a))
#define LIMIT 256L	/* pages; 1 MiB at 4K, 4 MiB at 16K */
#define KIDS 4

/* Results the nobody side leaves for root (shared anonymous memory). */
struct board {
	volatile long done[KIDS];	/* pages touched */
	volatile long kr[KIDS];		/* a call's result */
	volatile long count[8];		/* vm_ledger_pages seen at steps */
};

static struct board *board;

static struct board *board_new(void)
{
	void *p = mmap(NULL, sizeof(struct board), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : memset(p, 0, sizeof(struct board));
}

/* vm_ledger_pages once it stops moving (an earlier test's exit). */
static long ledger_baseline(void)
{
	long prev = -2, v = mt_counter("vm_ledger_pages");
	int i;

	for (i = 0; i < 200 && v != prev; i++) {
		usleep(20000);
		prev = v;
		v = mt_counter("vm_ledger_pages");
	}
	return v;
}

/* Lower max_vm_bytes to LIMIT pages: the old value, or -1. */
static long limit_set(void)
{
	return module_param_set("max_vm_bytes", LIMIT * (long)page_size());
}

static void limit_restore(long old)
{
	if (old >= 0)
		module_param_set("max_vm_bytes", old);
}

/*
 * attack - a fresh board, the ledgers' baseline in *@base, then @fn as
 * nobody with the limit at LIMIT pages (put back before returning)
 * Returns: @fn's status (mt_run_as_nobody()), or -1 when the limit could
 * not be set (no max_vm_bytes parameter) or the board not made.
 */
static int attack(int (*fn)(void *), long *base)
{
	long old;
	int rc;

	board = board_new();
	*base = ledger_baseline();
	if (!board || *base < 0)
		return -1;
	old = limit_set();
	if (old < 0)
		return -1;
	rc = mt_run_as_nobody(fn, NULL);
	limit_restore(old);
	return rc;
}

/*
 * touch - write one byte in each of @pages pages at @a, counting them in
 * *@done as they succeed (a SIGBUS ends the process between two counts)
 */
static void touch(mach_vm_address_t a, long pages, volatile long *done)
{
	long i;

	for (i = 0; i < pages; i++) {
		V(a)[i * page_size()] = 1;
		*done = i + 1;
	}
}

/* As nobody: 2 x LIMIT pages allocated (lazily: allowed), all touched. */
static int touch_past_limit(void *arg)
{
	mach_vm_address_t a = 0;

	alarm(30);	/* a fault retried for ever ends as SIGALRM */
	if (mach_vm_allocate(mach_task_self(), &a, 2 * LIMIT * page_size(),
			     VM_FLAGS_ANYWHERE))
		return 3;
	touch(a, 2 * LIMIT, &board->done[0]);
	return 0;
}

/* As nobody: LIMIT pages touched, then held until killed. */
static int touch_and_hold(void *arg)
{
	mach_vm_address_t a = 0;

	if (mach_vm_allocate(mach_task_self(), &a, LIMIT * page_size(),
			     VM_FLAGS_ANYWHERE))
		return 3;
	touch(a, LIMIT, &board->done[1]);
	for (;;)
		pause();
}

TEST(lazy_faults_past_the_limit_kill_only_the_offender)
{
	long base, refused, old, held;
	mach_vm_address_t a = 0;
	pid_t holder, toucher;
	int rc, root_rc;

	board = board_new();
	ASSERT_NE(NULL, board);
	base = ledger_baseline();
	ASSERT_LE(0, base) TH_LOG("no vm_ledger_pages counter");
	refused = mt_counter("vm_ledger_refused");
	old = limit_set();
	ASSERT_LE(0, old) TH_LOG("no max_vm_bytes parameter");

	rc = mt_run_as_nobody(touch_past_limit, NULL);

	/* Another user's pages are no business of nobody's full ledger. */
	fflush(NULL);
	holder = fork();
	if (holder == 0) {
		die_with_parent();
		if (mt_become_nobody())
			_exit(99);
		_exit(touch_and_hold(NULL));
	}
	while (holder > 0 && board->done[1] < LIMIT && !waitpid(holder, NULL, WNOHANG))
		usleep(10000);
	held = mt_counter("vm_ledger_pages") - base;
	/* Root touches pages of its own meanwhile (in a child of its own). */
	fflush(NULL);
	toucher = fork();
	if (toucher == 0) {
		die_with_parent();
		if (mach_vm_allocate(mach_task_self(), &a,
				     LIMIT / 2 * page_size(), VM_FLAGS_ANYWHERE))
			_exit(3);
		touch(a, LIMIT / 2, &board->done[2]);
		_exit(0);
	}
	root_rc = toucher > 0 ? mt_wait_exit(toucher) : -1;
	end_child(holder);
	limit_restore(old);

	EXPECT_EQ(128 + SIGBUS, rc) TH_LOG("nobody's toucher ended with %d", rc);
	EXPECT_EQ(LIMIT, board->done[0]);
	EXPECT_LT(refused, mt_counter("vm_ledger_refused"));
	EXPECT_EQ(LIMIT, held);
	EXPECT_EQ(0, root_rc);
	EXPECT_EQ(LIMIT / 2, board->done[2]);
	EXPECT_EQ(base, mt_wait_counter("vm_ledger_pages", base));
}

/*
 * As nobody: LIMIT pages touched, then calls that need a new page:
 * mach_vm_write into a fresh page (a get_user_pages() fault), mach_vm_read
 * and mach_vm_copy (the read's result is new memory of the caller).
 */
static int write_past_limit(void *arg)
{
	mach_vm_address_t a = 0, b = 0;
	char *buf = calloc(1, page_size());
	mach_msg_type_number_t count = 0;
	vm_offset_t data = 0;

	if (!buf || mach_vm_allocate(mach_task_self(), &a, LIMIT * page_size(),
				     VM_FLAGS_ANYWHERE) ||
	    mach_vm_allocate(mach_task_self(), &b, page_size(),
			     VM_FLAGS_ANYWHERE))
		return 3;
	touch(a, LIMIT, &board->done[0]);
	board->kr[0] = mach_vm_write(mach_task_self(), b, (vm_offset_t)buf,
				     page_size());
	board->kr[2] = mach_vm_read(mach_task_self(), a, page_size(), &data,
				    &count);
	board->kr[3] = mach_vm_copy(mach_task_self(), a, page_size(), b);
	mach_vm_deallocate(mach_task_self(), a, LIMIT * page_size());
	/* Room again: the same write now works. */
	board->kr[1] = mach_vm_write(mach_task_self(), b, (vm_offset_t)buf,
				     page_size());
	return 0;
}

TEST(write_into_new_pages_past_the_limit_is_resource_shortage)
{
	long base;

	ASSERT_EQ(0, attack(write_past_limit, &base));
	EXPECT_EQ(LIMIT, board->done[0]);
	EXPECT_EQ(KERN_RESOURCE_SHORTAGE, board->kr[0]);
	EXPECT_EQ(KERN_RESOURCE_SHORTAGE, board->kr[2]);
	EXPECT_EQ(KERN_RESOURCE_SHORTAGE, board->kr[3]);
	EXPECT_EQ(KERN_SUCCESS, board->kr[1]);
	EXPECT_EQ(base, mt_wait_counter("vm_ledger_pages", base));
}

static sigjmp_buf fault_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(fault_jmp, 1);
}

/*
 * touch_until_sigbus - a child touching up to LIMIT pages of its own, in
 * *@done as they succeed, until its first SIGBUS; then it says so on
 * @ready and holds them until killed
 */
static void touch_until_sigbus(volatile long *done, int ready)
{
	mach_vm_address_t a = 0;

	die_with_parent();
	signal(SIGBUS, on_sigbus);
	if (!mach_vm_allocate(mach_task_self(), &a, LIMIT * page_size(),
			      VM_FLAGS_ANYWHERE) &&
	    !sigsetjmp(fault_jmp, 1))
		touch(a, LIMIT, done);
	if (write(ready, "r", 1) != 1)
		_exit(4);
	for (;;)
		pause();
}

/*
 * As nobody: KIDS children each touch up to LIMIT pages of their own,
 * stopping at their first SIGBUS, and hold them; together they get no
 * more than their user's one budget.
 */
static int spread_over_forks(void *arg)
{
	int ready[2], i, n = 0;
	pid_t kids[KIDS];
	char c;

	if (pipe(ready))
		return 3;
	/* The limit is root's to set (0644). */
	board->kr[0] = module_param_set("max_vm_bytes", 0);
	for (i = 0; i < KIDS; i++) {
		kids[i] = fork();
		if (kids[i] == 0)
			touch_until_sigbus(&board->done[i], ready[1]);
	}
	for (i = 0; i < KIDS; i++)
		n += kids[i] > 0 && read(ready[0], &c, 1) == 1;
	board->count[0] = mt_counter("vm_ledger_pages");
	for (i = 0; i < KIDS; i++)
		if (kids[i] > 0)
			end_child(kids[i]);
	return n == KIDS ? 0 : 5;
}

TEST(forked_tasks_share_their_users_budget)
{
	long base, sum = 0;
	int i;

	ASSERT_EQ(0, attack(spread_over_forks, &base));
	EXPECT_EQ(-1, board->kr[0]) TH_LOG("nobody set max_vm_bytes");
	for (i = 0; i < KIDS; i++)
		sum += board->done[i];
	EXPECT_EQ(LIMIT, sum);
	EXPECT_EQ(base + LIMIT, board->count[0]);
	EXPECT_EQ(base, mt_wait_counter("vm_ledger_pages", base));
}

/*
 * As nobody: LIMIT / 2 pages written, a fork (COPY inheritance) whose
 * child rewrites them all (copy-on-write: LIMIT / 2 new pages, which
 * fills the budget) and then touches one more page.
 */
static int fork_copy(void *arg)
{
	size_t half = LIMIT / 2 * page_size();
	mach_vm_address_t a = 0, b = 0;
	int status;
	pid_t kid;

	if (mach_vm_allocate(mach_task_self(), &a, half, VM_FLAGS_ANYWHERE) ||
	    mach_vm_allocate(mach_task_self(), &b, page_size(),
			     VM_FLAGS_ANYWHERE))
		return 3;
	fill_pages(P(a), half, 11);
	board->count[0] = mt_counter("vm_ledger_pages");
	kid = fork();
	if (kid == 0) {
		alarm(30);
		board->count[1] = mt_counter("vm_ledger_pages");
		fill_pages(P(a), half, 12);
		board->done[0] = LIMIT / 2;
		V(b)[0] = 1;
		board->done[0]++;
		_exit(0);
	}
	if (kid < 0 || waitpid(kid, &status, 0) != kid)
		return 4;
	board->kr[0] = WIFSIGNALED(status) ? 128 + WTERMSIG(status) :
					     WEXITSTATUS(status);
	board->kr[1] = check_pages(P(a), half, 11);
	/* The child's copies are gone, the parent's pages still count. */
	board->count[2] = mt_wait_counter("vm_ledger_pages", board->count[0]);
	mach_vm_deallocate(mach_task_self(), a, half);
	return 0;
}

TEST(fork_copies_count_in_the_same_budget)
{
	long base;

	ASSERT_EQ(0, attack(fork_copy, &base));
	EXPECT_EQ(base + LIMIT / 2, board->count[0]);
	/* A fork copies nothing, so it counts nothing. */
	EXPECT_EQ(board->count[0], board->count[1]);
	EXPECT_EQ(LIMIT / 2, board->done[0]);
	EXPECT_EQ(128 + SIGBUS, board->kr[0]);
	EXPECT_EQ(1, board->kr[1]);
	EXPECT_EQ(board->count[0], board->count[2]);
	EXPECT_EQ(base, mt_wait_counter("vm_ledger_pages", base));
}

/*
 * As nobody: LIMIT / 2 pages written and sent to itself as out-of-line
 * virtual copies: the first snapshot's references fill the budget, the
 * second is refused; the received copy keeps counting until deallocated.
 */
static int ool_snapshots(void *arg)
{
	size_t half = LIMIT / 2 * page_size();
	mach_port_t port = new_port_send();
	mach_vm_address_t a = 0;
	struct msg_builder b;
	rcv_buf_t buf;
	any_desc_t d;

	if (port == MACH_PORT_NULL ||
	    mach_vm_allocate(mach_task_self(), &a, half, VM_FLAGS_ANYWHERE))
		return 3;
	fill_pages(P(a), half, 21);
	board->count[0] = mt_counter("vm_ledger_pages");
	mb_init(&b, port, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 7);
	mb_ool(&b, (void *)(uintptr_t)a, half, FALSE, MACH_MSG_VIRTUAL_COPY);
	board->kr[0] = mb_send(&b, MACH_SEND_TIMEOUT, 0);
	board->count[1] = mt_counter("vm_ledger_pages");
	mb_init(&b, port, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 7);
	mb_ool(&b, (void *)(uintptr_t)a, half, FALSE, MACH_MSG_VIRTUAL_COPY);
	board->kr[1] = mb_send(&b, MACH_SEND_TIMEOUT, 0);
	board->count[2] = mt_counter("vm_ledger_pages");
	if (recv_timeout(port, &buf, 5000) ||
	    get_desc(&buf.header, 0, &d) != MACH_MSG_OOL_DESCRIPTOR ||
	    d.ool.size != half)
		return 4;
	board->count[3] = mt_counter("vm_ledger_pages");
	board->kr[2] = check_pages(d.ool.address, half, 21);
	mach_vm_deallocate(mach_task_self(), a, half);
	board->count[4] = mt_counter("vm_ledger_pages");
	mach_vm_deallocate(mach_task_self(),
			   (mach_vm_address_t)(uintptr_t)d.ool.address, half);
	board->count[5] = mt_counter("vm_ledger_pages");
	return 0;
}

TEST(ool_snapshots_count_until_their_pages_go)
{
	long base;

	if (LIMIT / 2 * page_size() <= (size_t)module_param("ool_copy_bytes"))
		SKIP(return, "ool_copy_bytes copies ranges this small");
	ASSERT_EQ(0, attack(ool_snapshots, &base));
	EXPECT_EQ(base + LIMIT / 2, board->count[0]);
	EXPECT_EQ(MACH_MSG_SUCCESS, board->kr[0]);
	EXPECT_EQ(base + LIMIT, board->count[1]);
	EXPECT_EQ(MACH_SEND_NO_BUFFER, board->kr[1]);
	EXPECT_EQ(base + LIMIT, board->count[2]);
	EXPECT_EQ(base + LIMIT, board->count[3]);
	EXPECT_EQ(1, board->kr[2]);
	EXPECT_EQ(base + LIMIT / 2, board->count[4]);
	EXPECT_EQ(base, board->count[5]);
	EXPECT_EQ(base, mt_wait_counter("vm_ledger_pages", base));
}

/*
 * Root's NAMED_CREATE entry of LIMIT / 2 pages, mapped and touched by a
 * child that became nobody: the pages count for root, the entry's maker
 * (it pays them, xnu_vm_view_new()), so nobody still has its whole
 * budget; they outlive nobody until root lets the entry go.
 */
TEST(entry_pages_count_for_the_entry_maker)
{
	size_t half = LIMIT / 2 * page_size();
	mach_port_t rcv = new_port(), entry, to, mine;
	long base, old, with_child;
	struct gate g;
	pid_t kid;
	char c;

	board = board_new();
	ASSERT_NE(NULL, board);
	base = ledger_baseline();
	entry = vm_entry_create(LIMIT / 2, VM_PROT_READ | VM_PROT_WRITE);
	ASSERT_NE(MACH_PORT_NULL, entry);
	old = limit_set();
	ASSERT_LE(0, old);
	kid = fork_sender(rcv, &g, &to);
	if (kid == 0) {
		mach_vm_address_t m = 0, own = 0;

		mine = new_port();
		if (mine == MACH_PORT_NULL ||
		    send_port(to, MACH_MSG_TYPE_COPY_SEND, 1, mine,
			      MACH_MSG_TYPE_MAKE_SEND))
			_exit(3);
		entry = recv_right(mine);
		if (entry == MACH_PORT_NULL || mt_become_nobody())
			_exit(4);
		alarm(30);
		if (mach_vm_map(mach_task_self(), &m, half, 0,
				VM_FLAGS_ANYWHERE, entry, 0, FALSE,
				VM_PROT_READ | VM_PROT_WRITE,
				VM_PROT_READ | VM_PROT_WRITE,
				VM_INHERIT_DEFAULT) ||
		    mach_vm_allocate(mach_task_self(), &own,
				     LIMIT * page_size(), VM_FLAGS_ANYWHERE))
			_exit(5);
		touch(m, LIMIT / 2, &board->done[0]);
		touch(own, LIMIT, &board->done[1]);
		gate_send(g.up[1]);
		gate_wait(g.down[0]);
		_exit(0);
	}
	ASSERT_LT(0, kid);
	mine = recv_right(rcv);
	ASSERT_NE(MACH_PORT_NULL, mine);
	ASSERT_EQ(MACH_MSG_SUCCESS, send_port(mine, MACH_MSG_TYPE_MOVE_SEND, 1,
					      entry, MACH_MSG_TYPE_COPY_SEND));
	if (read(g.up[0], &c, 1) != 1)
		c = 0;
	with_child = mt_counter("vm_ledger_pages");
	gate_send(g.down[1]);
	mt_wait_exit(kid);
	limit_restore(old);
	EXPECT_EQ('g', c) TH_LOG("child got %ld entry and %ld own pages",
				 board->done[0], board->done[1]);
	EXPECT_EQ(LIMIT / 2, board->done[0]);
	EXPECT_EQ(LIMIT, board->done[1]);
	EXPECT_EQ(base + LIMIT / 2 + LIMIT, with_child);
	/* Nobody is gone; the entry's pages stay, root's. */
	EXPECT_EQ(base + LIMIT / 2,
		  mt_wait_counter("vm_ledger_pages", base + LIMIT / 2));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), entry));
	EXPECT_EQ(base, mt_wait_counter("vm_ledger_pages", base));
}

TEST_HARNESS_MAIN
