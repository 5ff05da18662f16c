// SPDX-License-Identifier: GPL-2.0
/*
 * Review of Mach VM copy-on-write (slice 2a), attacked as user nobody.
 *
 * A reference to a page taken while a fork's snapshot shared it (here a
 * vmsplice() into a pipe: get_user_pages without write) must keep showing
 * the snapshot, whatever the other side writes after the fork.  Linux's
 * own anonymous memory had exactly this bug (CVE-2020-29374).  Mach VM
 * merges a frozen layer into the one layer still shadowing it when the
 * other side unmaps or exits (layer_collapse()); a page that moves up
 * must not then be written in place while someone else holds it.
 *
 * Checked both ways: the child takes the reference and unmaps, the parent
 * writes a secret; the parent takes it and unmaps, the child writes.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vm_test.h"

#define NOBODY 65534

/*
 * holder_side - put the page at @a into a pipe by reference (vmsplice),
 * give the memory back, let the other side write, then read the pipe.
 * Returns 0 when the pipe still shows @snap, 10 when it shows anything
 * else (the other side's later write), another value on a setup failure.
 */
static int holder_side(mach_vm_address_t a, char snap, int go, int done)
{
	size_t pg = page_size();
	struct iovec iov = { .iov_base = (void *)(uintptr_t)a, .iov_len = pg };
	char *buf = malloc(pg);
	int p[2];
	size_t got = 0;
	ssize_t n;

	if (!buf || pipe(p))
		return 20;
	if (vmsplice(p[1], &iov, 1, 0) != (ssize_t)pg)
		return 21;
	if (mach_vm_deallocate(mach_task_self(), a, pg))
		return 22;
	gate_send(done);
	gate_wait(go);
	while (got < pg) {
		n = read(p[0], buf + got, pg - got);
		if (n <= 0)
			return 23;
		got += n;
	}
	for (got = 0; got < pg; got++)
		if (buf[got] != snap) {
			printf("# the pipe shows '%c' at byte %zu, not the snapshot's '%c'\n",
			       buf[got], got, snap);
			fflush(stdout);
			return 10;
		}
	return 0;
}

/*
 * writer_side - wait for the holder to be done, write @secret over the
 * page at @a, tell it.
 */
static void writer_side(mach_vm_address_t a, char secret, int go, int done)
{
	gate_wait(done);
	memset((void *)(uintptr_t)a, secret, page_size());
	gate_send(go);
}

/*
 * attack - as nobody: a page of Mach VM memory holding 'A' is forked;
 * the child (@child_holds) or the parent holds it by reference and
 * unmaps, the other side writes 'S'.  Returns the holder's verdict.
 */
static int attack(bool child_holds)
{
	int go[2], done[2], st, r;
	mach_vm_address_t a = 0;
	pid_t c;

	if (mt_become(NOBODY))
		return 30;
	if (mach_vm_allocate(mach_task_self(), &a, page_size(),
			     VM_FLAGS_ANYWHERE))
		return 31;
	memset((void *)(uintptr_t)a, 'A', page_size());
	if (pipe(go) || pipe(done))
		return 32;
	c = fork();
	if (c < 0)
		return 33;
	if (c == 0) {
		if (child_holds)
			_exit(holder_side(a, 'A', go[0], done[1]));
		writer_side(a, 'S', go[1], done[0]);
		_exit(0);
	}
	if (child_holds) {
		writer_side(a, 'S', go[1], done[0]);
		r = 0;
	} else {
		r = holder_side(a, 'A', go[0], done[1]);
	}
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st))
		return 34;
	return r ? r : WEXITSTATUS(st);
}

FIXTURE(cow_ref) {};
FIXTURE_SETUP(cow_ref) {}
FIXTURE_TEARDOWN(cow_ref) {}

/* Which side takes the reference and unmaps; the other writes. */
FIXTURE_VARIANT(cow_ref) {
	bool child_holds;
};

FIXTURE_VARIANT_ADD(cow_ref, child_holds_parent_writes) {
	.child_holds = true,
};

FIXTURE_VARIANT_ADD(cow_ref, parent_holds_child_writes) {
	.child_holds = false,
};

TEST_F(cow_ref, snapshot_reference_sees_no_later_write)
{
	pid_t pid;

	IPC_REQUIRE();
	if (getuid())
		SKIP(return, "needs root to become nobody");
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(attack(variant->child_holds));
	EXPECT_EQ(0, mt_wait_exit(pid));
}

TEST_HARNESS_MAIN
