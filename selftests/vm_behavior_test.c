// SPDX-License-Identifier: GPL-2.0
/*
 * mach_vm_behavior_set / vm_behavior_set (issue 10) on the own task and on
 * a child's through task_for_pid.
 *
 * Checked: XNU's error table (unknown behaviors and PAGEOUT, wrapping
 * ranges, size 0, past the task's addresses, holes, protections,
 * KERN_NO_ACCESS for ZERO on copy-on-write and foreign anonymous memory,
 * malloc regions that are no longer reusable); the persistent behaviors
 * read back through mach_vm_region on sub-ranges, kept by a protect, on
 * foreign memory whole; what each action does to contents (DONTNEED,
 * WILLNEED, REUSE, CAN_REUSE keep them; FREE, REUSABLE, ZERO give zeroes on
 * unshared Mach VM memory; foreign memory keeps them); after a fork the
 * snapshot is never changed by FREE/REUSABLE/ZERO on either side; SHARE
 * memory keeps its contents; a name port and nobody get nothing; calls
 * racing the target's exit and exec fail cleanly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vm_test.h"

#define NOBODY 65534

static char *self_exe;

/* Behavior of the region holding @addr exactly, or -1. */
static int behavior_at(mach_port_t task, mach_vm_address_t addr)
{
	vm_region_basic_info_data_64_t info;

	if (region_of(task, addr, &info))
		return -1;
	return info.behavior;
}

/* Is [p, p + len) all zero? */
static int all_zero(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

TEST(error_table)
{
	size_t pg = page_size();
	mach_vm_address_t a, t;
	int b, fd;
	char *anon, *file;
	char path[64];

	IPC_REQUIRE();
	a = alloc_pattern(3 * pg, 1);
	ASSERT_NE(0, a);
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_vm_behavior_set(SELF, a, pg, 13));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_vm_behavior_set(SELF, a, pg, -1));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_behavior_set(SELF, a, pg, VM_BEHAVIOR_PAGEOUT));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, vm_behavior_set(SELF, a, pg, 0x7fffffff));
	/* Size 0 succeeds, even on nothing; unknown behaviors still fail. */
	EXPECT_EQ(KERN_SUCCESS, mach_vm_behavior_set(SELF, 0, 0, VM_BEHAVIOR_ZERO));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_vm_behavior_set(SELF, a, 0, 13));
	/* Wrapping ranges; past the task's addresses. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_behavior_set(SELF, -(mach_vm_address_t)pg, 2 * pg,
				       VM_BEHAVIOR_DEFAULT));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_behavior_set(SELF, a, (mach_vm_size_t)-1,
				       VM_BEHAVIOR_FREE));
	EXPECT_EQ(KERN_NO_SPACE,
		  mach_vm_behavior_set(SELF, 1ULL << 62, pg, VM_BEHAVIOR_WILLNEED));
	/* A hole: every behavior but PAGEOUT fails the same, nothing changes. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a + pg, pg));
	for (b = 0; b <= VM_BEHAVIOR_ZERO; b++) {
		if (b == VM_BEHAVIOR_PAGEOUT)
			continue;
		EXPECT_EQ(KERN_INVALID_ADDRESS,
			  mach_vm_behavior_set(SELF, a, 3 * pg, b))
		TH_LOG("behavior %d", b);
	}
	EXPECT_TRUE(check_pages((char *)a, pg, 1));
	EXPECT_TRUE(check_pages((char *)a + 2 * pg, pg, 1));
	EXPECT_EQ(VM_BEHAVIOR_DEFAULT, behavior_at(SELF, a));
	/* Unaligned: the pages touched. */
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_behavior_set(SELF, a + pg - 1, 2, VM_BEHAVIOR_DONTNEED));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_behavior_set(SELF, a + 1, pg - 2, VM_BEHAVIOR_DONTNEED));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, 3 * pg));

	/* Read-only memory: what needs write access fails. */
	a = alloc_pattern(pg, 2);
	ASSERT_NE(0, a);
	ASSERT_EQ(KERN_SUCCESS, mach_vm_protect(SELF, a, pg, FALSE, VM_PROT_READ));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_vm_behavior_set(SELF, a, pg, VM_BEHAVIOR_ZERO));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_vm_behavior_set(SELF, a, pg, VM_BEHAVIOR_REUSABLE));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_vm_behavior_set(SELF, a, pg, VM_BEHAVIOR_ZERO_WIRED_PAGES));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_behavior_set(SELF, a, pg, VM_BEHAVIOR_FREE));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_behavior_set(SELF, a, pg, VM_BEHAVIOR_REUSE));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_protect(SELF, a, pg, FALSE, VM_PROT_NONE));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_vm_behavior_set(SELF, a, pg, VM_BEHAVIOR_WILLNEED));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, pg));

	/* A malloc region no longer as malloc made it is not reusable. */
	t = 0;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_allocate(SELF, &t, pg, VM_FLAGS_ANYWHERE |
				   VM_MAKE_TAG(VM_MEMORY_MALLOC_LARGE)));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_behavior_set(SELF, t, pg, VM_BEHAVIOR_CAN_REUSE));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_inherit(SELF, t, pg, VM_INHERIT_SHARE));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_behavior_set(SELF, t, pg, VM_BEHAVIOR_CAN_REUSE));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_behavior_set(SELF, t, pg, VM_BEHAVIOR_REUSABLE));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_behavior_set(SELF, t, pg, VM_BEHAVIOR_REUSE));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, t, pg));

	/* Memory that is not Mach VM's: ZERO cannot act on it. */
	anon = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);
	EXPECT_EQ(KERN_NO_ACCESS,
		  mach_vm_behavior_set(SELF, (uintptr_t)anon, pg, VM_BEHAVIOR_ZERO));
	munmap(anon, pg);
	snprintf(path, sizeof(path), "/tmp/vm_behavior.%d", getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	unlink(path);
	ASSERT_EQ(0, ftruncate(fd, pg));
	file = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, file);
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_vm_behavior_set(SELF, (uintptr_t)file, pg, VM_BEHAVIOR_ZERO));
	munmap(file, pg);
	close(fd);
}

/*
 * The persistent behaviors on sub-ranges of Mach VM memory, on @task:
 * each part reports what was set; a protect keeps it; contents stay.
 */
static void persistent_round(struct __test_metadata *_metadata,
			     mach_port_t task, mach_vm_address_t a,
			     size_t pg)
{
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_behavior_set(task, a + pg, pg, VM_BEHAVIOR_RANDOM));
	EXPECT_EQ(KERN_SUCCESS,
		  vm_behavior_set(task, a + 2 * pg, pg, VM_BEHAVIOR_SEQUENTIAL));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_behavior_set(task, a + 3 * pg, pg, VM_BEHAVIOR_RSEQNTL));
	EXPECT_EQ(VM_BEHAVIOR_DEFAULT, behavior_at(task, a));
	EXPECT_EQ(VM_BEHAVIOR_RANDOM, behavior_at(task, a + pg));
	EXPECT_EQ(VM_BEHAVIOR_SEQUENTIAL, behavior_at(task, a + 2 * pg));
	/* Linux has no reverse read-ahead: RSEQNTL is RANDOM there. */
	EXPECT_EQ(VM_BEHAVIOR_RANDOM, behavior_at(task, a + 3 * pg));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_protect(task, a + pg, 2 * pg, FALSE, VM_PROT_READ));
	EXPECT_EQ(VM_BEHAVIOR_RANDOM, behavior_at(task, a + pg));
	EXPECT_EQ(VM_BEHAVIOR_SEQUENTIAL, behavior_at(task, a + 2 * pg));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_behavior_set(task, a, 4 * pg, VM_BEHAVIOR_DEFAULT));
	EXPECT_EQ(VM_BEHAVIOR_DEFAULT, behavior_at(task, a + pg));
	EXPECT_EQ(VM_BEHAVIOR_DEFAULT, behavior_at(task, a + 3 * pg));
}

TEST(persistent_behaviors_read_back)
{
	size_t pg = page_size();
	mach_vm_address_t a;
	char *anon;

	IPC_REQUIRE();
	a = alloc_pattern(4 * pg, 3);
	ASSERT_NE(0, a);
	persistent_round(_metadata, SELF, a, pg);
	EXPECT_TRUE(check_pages((char *)a, 4 * pg, 3));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, 4 * pg));

	/* Foreign memory: whole vmas take it; a part of one is refused. */
	anon = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_behavior_set(SELF, (uintptr_t)anon, 3 * pg,
				       VM_BEHAVIOR_SEQUENTIAL));
	EXPECT_EQ(VM_BEHAVIOR_SEQUENTIAL, behavior_at(SELF, (uintptr_t)anon));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_vm_behavior_set(SELF, (uintptr_t)anon + pg, pg,
				       VM_BEHAVIOR_RANDOM));
	/* Already so: nothing to split. */
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_behavior_set(SELF, (uintptr_t)anon + pg, pg,
				       VM_BEHAVIOR_SEQUENTIAL));
	/* What madvise() sets reads back too (kernels without it: ENOSYS). */
	if (madvise(anon, 3 * pg, MADV_RANDOM) == 0) {
		EXPECT_EQ(VM_BEHAVIOR_RANDOM, behavior_at(SELF, (uintptr_t)anon));
	} else {
		EXPECT_EQ(ENOSYS, errno);
	}
	munmap(anon, 3 * pg);
}

/*
 * What each action does to @len bytes of Mach VM memory at @a of @task,
 * read through @p (the caller's view of it, or a read-back buffer filled
 * by @sync).
 */
static void actions_round(struct __test_metadata *_metadata, mach_port_t task,
			  mach_vm_address_t a, size_t len,
			  const char *(*view)(mach_port_t, mach_vm_address_t,
					      size_t))
{
	static const int keep[] = {
		VM_BEHAVIOR_DONTNEED, VM_BEHAVIOR_WILLNEED, VM_BEHAVIOR_REUSE,
		VM_BEHAVIOR_CAN_REUSE, VM_BEHAVIOR_ZERO_WIRED_PAGES,
	};
	static const int drop[] = {
		VM_BEHAVIOR_FREE, VM_BEHAVIOR_REUSABLE, VM_BEHAVIOR_ZERO,
	};
	unsigned int i;
	char buf[8];

	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		EXPECT_EQ(KERN_SUCCESS, mach_vm_behavior_set(task, a, len, keep[i]));
		EXPECT_TRUE(check_pages(view(task, a, len), len, 4))
		TH_LOG("behavior %d changed the contents", keep[i]);
	}
	for (i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
		/* Only the middle pages: the others keep their contents. */
		EXPECT_EQ(KERN_SUCCESS,
			  mach_vm_behavior_set(task, a + page_size(),
					       len - 2 * page_size(), drop[i]));
		EXPECT_TRUE(all_zero(view(task, a, len) + page_size(),
				     len - 2 * page_size()))
		TH_LOG("behavior %d left contents", drop[i]);
		EXPECT_TRUE(check_pages(view(task, a, len), page_size(), 4));
		EXPECT_TRUE(check_pages(view(task, a, len) + len - page_size(),
					page_size(), 4));
		/* Written again, it keeps what is written. */
		memcpy(buf, "again!!", 8);
		EXPECT_EQ(KERN_SUCCESS,
			  mach_vm_write(task, a + page_size(), (vm_offset_t)buf, 8));
		EXPECT_EQ(0, memcmp(view(task, a, len) + page_size(), buf, 8));
		/* Back to the pattern for the next one. */
		EXPECT_EQ(KERN_SUCCESS,
			  mach_vm_write(task, a, (vm_offset_t)view(SELF, 0, 0), len));
	}
}

static char pattern_buf[64 * 16384];
static char readback_buf[64 * 16384];

/* The own memory, read directly. */
static const char *own_view(mach_port_t task, mach_vm_address_t a, size_t len)
{
	(void)task;
	(void)len;
	return a ? (const char *)(uintptr_t)a : pattern_buf;
}

/* Another task's memory, read back with mach_vm_read_overwrite. */
static const char *remote_view(mach_port_t task, mach_vm_address_t a,
			       size_t len)
{
	mach_vm_size_t out;

	if (!a)
		return pattern_buf;
	memset(readback_buf, 0x5a, len);
	if (mach_vm_read_overwrite(task, a, len, (uintptr_t)readback_buf, &out))
		memset(readback_buf, 0x5a, len);
	return readback_buf;
}

TEST(actions_on_own_memory)
{
	size_t pg = page_size(), len = 8 * pg;
	mach_vm_address_t a;

	IPC_REQUIRE();
	fill_pages(pattern_buf, len, 4);
	a = alloc_pattern(len, 4);
	ASSERT_NE(0, a);
	actions_round(_metadata, SELF, a, len, own_view);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, len));
}

/* A child that waits on a pipe until the parent closes it. */
static pid_t idle_child(int *fd)
{
	int p[2];
	char c;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		die_with_parent();
		(void)read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	*fd = p[1];
	return pid;
}

TEST(every_behavior_on_a_childs_task)
{
	size_t pg = page_size(), len = 8 * pg;
	mach_port_t task = MACH_PORT_NULL;
	mach_vm_address_t a = 0;
	char *anon;
	int fd;
	pid_t pid;

	IPC_REQUIRE();
	fill_pages(pattern_buf, len, 4);
	pid = idle_child(&fd);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, pid, &task));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &a, len, VM_FLAGS_ANYWHERE));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_write(task, a, (vm_offset_t)pattern_buf, len));
	actions_round(_metadata, task, a, len, remote_view);
	persistent_round(_metadata, task, a, pg);
	EXPECT_TRUE(check_pages(remote_view(task, a, len), pg, 4));
	/* The child's own anonymous memory (our copy of it from fork). */
	anon = pattern_buf;
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_behavior_set(task, (uintptr_t)anon, len,
				       VM_BEHAVIOR_FREE));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_behavior_set(task, (uintptr_t)anon, len,
				       VM_BEHAVIOR_WILLNEED));
	EXPECT_TRUE(check_pages(remote_view(task, (uintptr_t)anon, len), len, 4));
	close(fd);
	EXPECT_EQ(0, mt_wait_exit(pid));
	EXPECT_NE(KERN_SUCCESS,
		  mach_vm_behavior_set(task, a, len, VM_BEHAVIOR_WILLNEED));
	mach_port_deallocate(SELF, task);
}

/* The fork tests: two gates (child -> parent, parent -> child). */
FIXTURE(fork2)
{
	int up[2];
	int down[2];
};

FIXTURE_SETUP(fork2)
{
	IPC_REQUIRE();
	ASSERT_EQ(0, pipe(self->up));
	ASSERT_EQ(0, pipe(self->down));
}

FIXTURE_TEARDOWN(fork2)
{
}

/*
 * After a fork both sides share a snapshot: FREE, REUSABLE and ZERO on
 * one side never change what the other sees (ZERO is refused, as XNU
 * refuses it on copy-on-write memory); once the other side is gone the
 * survivor's memory is its own again and ZERO works.
 */
TEST_F(fork2, cow_snapshot_is_never_changed)
{
	size_t pg = page_size(), len = 4 * pg;
	int status;
	mach_vm_address_t a;
	pid_t pid;
	char *p;

	a = alloc_pattern(len, 5);
	ASSERT_NE(0, a);
	p = (char *)a;
	p[0] = 'P';
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		die_with_parent();
		/* The child discards and zeroes its side. */
		if (mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_FREE) ||
		    mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_REUSABLE))
			_exit(1);
		if (mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_ZERO) !=
		    KERN_NO_ACCESS)
			_exit(2);
		if (!check_pages(p + pg, len - pg, 5) || p[0] != 'P')
			_exit(3);
		gate_send(self->up[1]);
		gate_wait(self->down[0]);
		/* The parent discarded its side: ours is unchanged. */
		if (!check_pages(p + pg, len - pg, 5) || p[0] != 'P')
			_exit(4);
		_exit(0);
	}
	gate_wait(self->up[0]);
	EXPECT_TRUE(check_pages(p + pg, len - pg, 5));
	EXPECT_EQ('P', p[0]);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_FREE));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_REUSABLE));
	EXPECT_EQ(KERN_NO_ACCESS,
		  mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_ZERO));
	gate_send(self->down[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
	TH_LOG("child status %#x", status);
	EXPECT_TRUE(check_pages(p + pg, len - pg, 5));
	/* Alone again (the snapshot folded back): ZERO and FREE act. */
	EXPECT_EQ(KERN_SUCCESS, mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_ZERO));
	EXPECT_TRUE(all_zero(p, len));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, len));
}

/*
 * A reference the child took to the snapshot (a vmsplice() into a pipe)
 * outlives its mapping; the parent, alone with the page again, zeroes its
 * memory: the pipe must still show the snapshot (the page is replaced, not
 * zeroed in place; CVE-2020-29374 is this class for Linux's own memory).
 */
TEST_F(fork2, snapshot_held_in_a_pipe_is_never_zeroed)
{
	size_t pg = page_size();
	mach_vm_address_t a;
	pid_t pid;

	a = alloc_pattern(pg, 7);
	ASSERT_NE(0, a);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct iovec iov = { .iov_base = (void *)(uintptr_t)a,
				     .iov_len = pg };
		char *buf = malloc(pg);
		size_t got = 0;
		ssize_t n;
		int p[2];

		die_with_parent();
		if (!buf || pipe(p) ||
		    vmsplice(p[1], &iov, 1, 0) != (ssize_t)pg ||
		    mach_vm_deallocate(SELF, a, pg))
			_exit(20);
		gate_send(self->up[1]);
		gate_wait(self->down[0]);
		while (got < pg) {
			n = read(p[0], buf + got, pg - got);
			if (n <= 0)
				_exit(21);
			got += n;
		}
		_exit(check_pages(buf, pg, 7) ? 0 : 10);
	}
	gate_wait(self->up[0]);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_behavior_set(SELF, a, pg, VM_BEHAVIOR_ZERO));
	EXPECT_TRUE(all_zero((char *)a, pg));
	gate_send(self->down[1]);
	EXPECT_EQ(0, mt_wait_exit(pid));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, pg));
}

/* SHARE memory is another task's too: FREE keeps it, ZERO zeroes both. */
TEST_F(fork2, shared_memory_keeps_its_contents)
{
	size_t pg = page_size(), len = 4 * pg;
	mach_vm_address_t a;
	pid_t pid;
	char *p;

	a = alloc_pattern(len, 6);
	ASSERT_NE(0, a);
	p = (char *)a;
	ASSERT_EQ(KERN_SUCCESS, mach_vm_inherit(SELF, a, len, VM_INHERIT_SHARE));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		die_with_parent();
		if (mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_FREE))
			_exit(1);
		gate_send(self->up[1]);
		gate_wait(self->down[0]);
		_exit(all_zero(p + pg, pg) && check_pages(p, pg, 6) ? 0 : 2);
	}
	gate_wait(self->up[0]);
	EXPECT_TRUE(check_pages(p, len, 6));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_behavior_set(SELF, a + pg, pg, VM_BEHAVIOR_ZERO));
	EXPECT_TRUE(all_zero(p + pg, pg));
	gate_send(self->down[1]);
	EXPECT_EQ(0, mt_wait_exit(pid));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, len));
}

/*
 * A name port gets nothing; as nobody, root's task and another user's
 * are out of reach (no control port), and a name port of them is refused.
 */
/* A malloc region of @len bytes filled with @seed's pattern. */
static mach_vm_address_t malloc_region(size_t len, uint32_t seed)
{
	mach_vm_address_t a = 0;

	if (mach_vm_allocate(SELF, &a, len, VM_FLAGS_ANYWHERE |
			     VM_MAKE_TAG(VM_MEMORY_MALLOC_SMALL)))
		return 0;
	fill_pages((void *)(uintptr_t)a, len, seed);
	return a;
}

/*
 * What a reader (a sampler, a debugger) leaves of a malloc region for
 * Darwin's malloc, which gives freed memory back with REUSABLE and ZERO:
 * a byte copy (mach_vm_read, an out-of-line message still queued) leaves
 * the region its owner's: both succeed and act, the reader keeps its
 * bytes.  A virtual copy (mach_vm_remap copy=TRUE) is XNU's needs-copy
 * entry: REUSABLE succeeds until the owner writes (XNU: no shadow object
 * yet) and lets nothing go, ZERO is KERN_NO_ACCESS (XNU
 * vm_map_zero_entry_preflight); after a write REUSABLE is
 * KERN_INVALID_ADDRESS (a shadow); once the copy is gone both act again.
 */
TEST(malloc_memory_after_a_reader)
{
	size_t pg = page_size(), len = 8 * pg;
	mach_vm_address_t a, c = 0;
	vm_offset_t data = 0;
	mach_msg_type_number_t cnt = 0;
	vm_prot_t cur, max;
	struct msg_builder b;
	rcv_buf_t buf;
	mach_port_t port;
	any_desc_t d;
	char *p;

	IPC_REQUIRE();
	a = malloc_region(len, 21);
	ASSERT_NE(0, a);
	p = (char *)(uintptr_t)a;

	/* mach_vm_read: the reader's copy is its own. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_read(SELF, a, len, &data, &cnt));
	ASSERT_EQ(len, cnt);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_ZERO));
	EXPECT_TRUE(all_zero(p, len));
	EXPECT_TRUE(check_pages((char *)data, len, 21));
	fill_pages(p, len, 22);
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_REUSABLE));
	EXPECT_TRUE(all_zero(p, len));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_REUSE));
	EXPECT_TRUE(check_pages((char *)data, len, 21));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, data, len));

	/* An out-of-line snapshot still queued keeps the bytes sent. */
	fill_pages(p, len, 23);
	port = new_port_send();
	ASSERT_NE(MACH_PORT_NULL, port);
	mb_init(&b, port, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 7);
	mb_ool(&b, p, len, FALSE, MACH_MSG_VIRTUAL_COPY);
	ASSERT_EQ(MACH_MSG_SUCCESS, mb_send(&b, MACH_SEND_TIMEOUT, 0));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_ZERO));
	EXPECT_TRUE(all_zero(p, len));
	fill_pages(p, len, 24);
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_REUSABLE));
	EXPECT_TRUE(all_zero(p, len));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(port, &buf, 5000));
	ASSERT_EQ(MACH_MSG_OOL_DESCRIPTOR, get_desc(&buf.header, 0, &d));
	EXPECT_EQ(len, d.ool.size);
	EXPECT_TRUE(check_pages(d.ool.address, len, 23));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_deallocate(SELF, (uintptr_t)d.ool.address, len));
	mach_port_destroy(SELF, port);

	/* A virtual copy: XNU's needs-copy entry, then a shadow. */
	fill_pages(p, len, 25);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_remap(SELF, &c, len, 0, VM_FLAGS_ANYWHERE, SELF, a,
				TRUE, &cur, &max, VM_INHERIT_COPY));
	EXPECT_EQ(KERN_NO_ACCESS,
		  mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_ZERO));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_REUSABLE));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_REUSE));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_CAN_REUSE));
	/* Shared with the copy: nothing was let go on either side. */
	EXPECT_TRUE(check_pages(p, len, 25));
	EXPECT_TRUE(check_pages((char *)(uintptr_t)c, len, 25));
	/* The owner writes: its region now has a shadow (XNU). */
	p[pg] = 'W';
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_REUSABLE));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_CAN_REUSE));
	EXPECT_EQ(KERN_NO_ACCESS,
		  mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_ZERO));
	EXPECT_TRUE(check_pages((char *)(uintptr_t)c, len, 25));
	/* The copy gone, the layers fold back: both act again. */
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, c, len));
	EXPECT_EQ('W', p[pg]);
	EXPECT_TRUE(check_pages(p + 2 * pg, len - 2 * pg, 25));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_REUSABLE));
	EXPECT_TRUE(all_zero(p, len));
	fill_pages(p, len, 26);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_ZERO));
	EXPECT_TRUE(all_zero(p, len));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, len));
}

TEST(name_ports_and_nobody_get_nothing)
{
	mach_port_t name = MACH_PORT_NULL;
	int fd;
	pid_t pid, victim;

	IPC_REQUIRE();
	victim = idle_child(&fd);
	ASSERT_GT(victim, 0);
	ASSERT_EQ(KERN_SUCCESS, task_name_for_pid(SELF, victim, &name));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_behavior_set(name, (uintptr_t)pattern_buf, page_size(),
				       VM_BEHAVIOR_FREE));
	if (getuid() != 0) {
		close(fd);
		mt_wait_exit(victim);
		SKIP(return, "must start as root");
	}
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		mach_port_t t = MACH_PORT_NULL;

		if (mt_become(NOBODY))
			_exit(10);
		/* Root's: the parent and its idle child. */
		if (task_for_pid(SELF, getppid(), &t) != KERN_FAILURE ||
		    task_for_pid(SELF, victim, &t) != KERN_FAILURE)
			_exit(11);
		if (task_name_for_pid(SELF, victim, &t) == KERN_SUCCESS &&
		    mach_vm_behavior_set(t, (uintptr_t)pattern_buf, page_size(),
					 VM_BEHAVIOR_ZERO) != KERN_INVALID_ARGUMENT)
			_exit(12);
		_exit(0);
	}
	EXPECT_EQ(0, mt_wait_exit(pid));
	close(fd);
	EXPECT_EQ(0, mt_wait_exit(victim));
	/* Another user's (uid 1000) for nobody. */
	victim = fork();
	ASSERT_GE(victim, 0);
	if (victim == 0) {
		die_with_parent();
		if (mt_become(1000))
			_exit(20);
		pause();
		_exit(0);
	}
	usleep(100000);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		mach_port_t t = MACH_PORT_NULL;

		if (mt_become(NOBODY))
			_exit(10);
		_exit(task_for_pid(SELF, victim, &t) == KERN_FAILURE ? 0 : 13);
	}
	EXPECT_EQ(0, mt_wait_exit(pid));
	kill(victim, SIGKILL);
	waitpid(victim, NULL, 0);
}

/*
 * Calls on a target that exits or execs under them: each succeeds or
 * fails cleanly (dead port, exiting task), none hangs.
 */
TEST(race_with_the_targets_exit_and_exec)
{
	int rounds = mt_rounds(40, 4), r, i;
	size_t pg = page_size();

	IPC_REQUIRE();
	for (r = 0; r < rounds; r++) {
		static const int b[] = {
			VM_BEHAVIOR_WILLNEED, VM_BEHAVIOR_FREE, VM_BEHAVIOR_ZERO,
			VM_BEHAVIOR_RANDOM, VM_BEHAVIOR_REUSABLE,
		};
		mach_port_t task = MACH_PORT_NULL;
		mach_vm_address_t a = 0;
		kern_return_t kr;
		int sv[2];
		pid_t pid;
		char c;

		ASSERT_EQ(0, pipe(sv));
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			close(sv[1]);
			die_with_parent();
			if (read(sv[0], &c, 1) != 1)
				_exit(2);
			if (r & 1)
				_exit(0);
			execl(self_exe, self_exe, "--exit", (char *)NULL);
			_exit(3);
		}
		close(sv[0]);
		ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, pid, &task));
		ASSERT_EQ(KERN_SUCCESS,
			  mach_vm_allocate(task, &a, 64 * pg, VM_FLAGS_ANYWHERE));
		ASSERT_EQ(1, write(sv[1], "g", 1));
		for (i = 0; i < 2000; i++) {
			kr = mach_vm_behavior_set(task, a, 64 * pg, b[i % 5]);
			EXPECT_TRUE(kr == KERN_SUCCESS ||
				    kr == MACH_SEND_INVALID_DEST ||
				    kr == KERN_INVALID_ARGUMENT ||
				    kr == KERN_INVALID_TASK ||
				    kr == KERN_INVALID_ADDRESS)
			TH_LOG("round %d call %d: %#x", r, i, kr);
			if (kr != KERN_SUCCESS)
				break;
		}
		close(sv[1]);
		EXPECT_EQ(0, mt_wait_exit(pid));
		mach_port_deallocate(SELF, task);
	}
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "--exit"))
		return 0;
	self_exe = realpath("/proc/self/exe", NULL);
	return test_harness_run(argc, argv);
}
