// SPDX-License-Identifier: GPL-2.0
/*
 * Security review of branch mends2, attacked as user nobody.
 *
 * killed_walks_keep_the_mmap_lock_balanced: the walks under another's
 * (here the caller's own) mmap_lock end at a kill with the lock let go
 * (xnu_vm_walk_pause(): before a step, or while waiting to take it back
 * behind a writer), and every caller returns KERN_ABORTED without
 * unlocking again.  Threads walk (TASK_VM_INFO_PURGEABLE over mappings of
 * a volatile object, region EXTENDED_INFO and page_query over populated
 * anonymous memory) while another holds the lock for writing (mprotect of
 * a populated range) and the process is SIGKILLed at varying moments: an
 * unlock too many, or one missing, leaves the mm's rwsem broken and the
 * exit (mmap_write_lock in exit_mmap) hangs, or the debug kernels report
 * it.  Each round must end within a bound.
 * named_reuse_races_the_last_send_right: NAMED_REUSE of a parent while
 * another thread drops the parent's only send right: the reply is the
 * parent (the right copied while one still existed), a new entry (the
 * parent's port died first) or MACH_SEND_INVALID_RIGHT (the name went
 * first); never a right to a dead entry, and nothing is left once the
 * names go (the process's port count is back where it was).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include <mach/memory_object_types.h>

#include "kselftest_harness.h"
#include "vm_test.h"

#define RW		(VM_PROT_READ | VM_PROT_WRITE)
#define VOL_BYTES	(1UL << 20)
#define ROUND_BOUND	60	/* seconds from the kill to the reap */

/*
 * What each walker is given: mappings of the volatile object, bytes of
 * populated anonymous memory to walk, bytes each writer's mprotect()
 * changes.  On the debug kernels a quarter of each (walkers_scale()):
 * there every probe of a walk and every page table entry of an mprotect()
 * costs 10-40 times a stock kernel's, so each walk and each write-held
 * window still lasts several times as long as the full sizes do on a
 * stock kernel, where the same 0-47 ms kill delays land inside them.
 * The round's time is its setup (populating the memory, mapping the
 * object) and the exit that tears it down, not the walks: 15 s a round
 * on debug-rt-arm64 at the full sizes.
 */
static int vol_maps = 400;
static unsigned long anon_bytes = 32UL << 20;
static unsigned long writer_bytes = 32UL << 20;

static void walkers_scale(void)
{
	if (!mt_slow_kernel())
		return;
	vol_maps /= 4;
	anon_bytes /= 4;
	writer_bytes /= 4;
}

static mach_vm_address_t anon;

static void *walk_task_info(void *unused)
{
	task_vm_info_data_t v;
	mach_msg_type_number_t count;

	for (;;) {
		count = TASK_VM_INFO_COUNT;
		task_info(SELF, TASK_VM_INFO_PURGEABLE, (task_info_t)&v, &count);
	}
	return NULL;
}

static void *walk_region(void *unused)
{
	vm_region_extended_info_data_t e;
	mach_msg_type_number_t count;
	mach_vm_address_t a;
	mach_vm_size_t s;
	mach_port_t obj;

	for (;;) {
		a = anon;
		count = VM_REGION_EXTENDED_INFO_COUNT;
		mach_vm_region(SELF, &a, &s, VM_REGION_EXTENDED_INFO,
			       (vm_region_info_t)&e, &count, &obj);
	}
	return NULL;
}

static void *walk_page_query(void *unused)
{
	integer_t disp, ref;
	size_t off = 0;

	for (;;) {
		mach_vm_page_query(SELF, anon + off, &disp, &ref);
		off = (off + page_size()) % anon_bytes;
	}
	return NULL;
}

/* The writer: mprotect of a populated range holds the lock for writing. */
static void *write_lock(void *unused)
{
	char *w = mmap(NULL, writer_bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (w == MAP_FAILED)
		return NULL;
	for (;;) {
		mprotect(w, writer_bytes, PROT_READ);
		mprotect(w, writer_bytes, PROT_READ | PROT_WRITE);
	}
	return NULL;
}

/* The attacker: set up as nobody, start the threads, say so, be killed. */
static void walker(int fd)
{
	void *(*fns[])(void *) = { walk_task_info, walk_region,
				   walk_page_query, write_lock, write_lock };
	memory_object_size_t size = VOL_BYTES;
	mach_port_t h = MACH_PORT_NULL;
	mach_vm_address_t a = 0;
	int st = VM_PURGABLE_VOLATILE, n;
	pthread_t t;
	char c = 'r';
	void *p;

	if (mt_become_nobody())
		_exit(2);
	p = mmap(NULL, anon_bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED)
		_exit(2);
	anon = (uintptr_t)p;
	if (mach_make_memory_entry_64(SELF, &size, 0,
				      RW | MAP_MEM_NAMED_CREATE |
				      MAP_MEM_PURGABLE, &h, MACH_PORT_NULL) ||
	    mach_vm_map(SELF, &a, VOL_BYTES, 0, VM_FLAGS_ANYWHERE, h, 0,
			FALSE, RW, RW, VM_INHERIT_DEFAULT))
		_exit(2);
	memset((void *)(uintptr_t)a, 0x5a, VOL_BYTES);
	if (mach_memory_entry_purgable_control(h, VM_PURGABLE_SET_STATE, &st))
		_exit(2);
	for (n = 1; n < vol_maps; n++) {
		a = 0;
		if (mach_vm_map(SELF, &a, VOL_BYTES, 0, VM_FLAGS_ANYWHERE, h,
				0, FALSE, RW, RW, VM_INHERIT_DEFAULT))
			_exit(2);
	}
	for (n = 0; n < (int)(sizeof(fns) / sizeof(fns[0])); n++)
		if (pthread_create(&t, NULL, fns[n], NULL))
			_exit(2);
	if (write(fd, &c, 1) != 1)
		_exit(2);
	for (;;)
		pause();
}

/* The alarm only interrupts the wait for the killed walker. */
static void on_alarm(int sig)
{
	(void)sig;
}

TEST(killed_walks_keep_the_mmap_lock_balanced)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	int rounds = mt_rounds(80, 6), i, fds[2], status;
	struct timespec delay;
	pid_t pid, got;
	char c;

	IPC_REQUIRE();
	walkers_scale();
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	for (i = 0; i < rounds; i++) {
		ASSERT_EQ(0, pipe(fds));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			close(fds[0]);
			die_with_parent();
			walker(fds[1]);
		}
		close(fds[1]);
		ASSERT_EQ(1, read(fds[0], &c, 1));
		close(fds[0]);
		/* 0 to 47 ms of walking, then the kill. */
		delay.tv_sec = 0;
		delay.tv_nsec = (long)(i % 16) * 3000000L;
		nanosleep(&delay, NULL);
		kill(pid, SIGKILL);
		alarm(ROUND_BOUND);
		got = waitpid(pid, &status, 0);
		alarm(0);
		if (got != pid)
			TH_LOG("round %d: the killed walker not reaped in %d s",
			       i, ROUND_BOUND);
		ASSERT_EQ(pid, got);
		ASSERT_TRUE(WIFSIGNALED(status));
		ASSERT_EQ(SIGKILL, WTERMSIG(status));
	}
}

/* ---- named_reuse_races_the_last_send_right ----------------------------- */

struct reuse_race {
	mach_vm_address_t r;
	size_t len;
	mach_port_t parent;
	atomic_int go;
};

static void *drop_parent(void *arg)
{
	struct reuse_race *rr = arg;

	while (!atomic_load(&rr->go))
		;
	mach_port_deallocate(SELF, rr->parent);
	return NULL;
}

/* The ports of this task's space. */
static int port_count(void)
{
	mach_port_name_array_t names;
	mach_port_type_array_t types;
	mach_msg_type_number_t nn, nt;

	if (mach_port_names(SELF, &names, &nn, &types, &nt))
		return -1;
	mach_vm_deallocate(SELF, (uintptr_t)names, nn * sizeof(*names));
	mach_vm_deallocate(SELF, (uintptr_t)types, nt * sizeof(*types));
	return (int)nn;
}

/* As nobody: the race, @rounds times; exit status 0 or the failed step. */
static void reuse_racer(int rounds)
{
	size_t pg = page_size();
	struct reuse_race rr = { .len = 2 * pg };
	memory_object_size_t size;
	int i, before, same = 0, fresh = 0, gone = 0;
	mach_port_t h;
	pthread_t t;
	kern_return_t kr;

	if (mt_become_nobody())
		_exit(2);
	rr.r = alloc_pattern(rr.len, 9);
	if (!rr.r)
		_exit(2);
	before = port_count();
	for (i = 0; i < rounds; i++) {
		size = rr.len;
		if (mach_make_memory_entry_64(SELF, &size, rr.r, RW, &rr.parent,
					      MACH_PORT_NULL))
			_exit(3);
		atomic_store(&rr.go, 0);
		if (pthread_create(&t, NULL, drop_parent, &rr))
			_exit(2);
		size = rr.len;
		h = MACH_PORT_NULL;
		atomic_store(&rr.go, 1);
		kr = mach_make_memory_entry_64(SELF, &size, rr.r,
					       RW | MAP_MEM_NAMED_REUSE, &h,
					       rr.parent);
		pthread_join(t, NULL);
		if (kr == MACH_SEND_INVALID_RIGHT) {
			gone++;
			continue;
		}
		if (kr != KERN_SUCCESS || size != rr.len)
			_exit(4);
		if (h == rr.parent)
			same++;
		else
			fresh++;
		/* The right given back names a live entry of the range. */
		{
			mach_vm_address_t m = 0;

			if (mach_vm_map(SELF, &m, rr.len, 0, VM_FLAGS_ANYWHERE,
					h, 0, FALSE, RW, RW,
					VM_INHERIT_DEFAULT))
				_exit(5);
			if (!check_pages((void *)(uintptr_t)m, rr.len, 9))
				_exit(6);
			mach_vm_deallocate(SELF, m, rr.len);
		}
		if (mach_port_deallocate(SELF, h))
			_exit(7);
	}
	if (port_count() != before)
		_exit(8);
	printf("# reuse race: parent %d, new entry %d, name gone %d\n", same,
	       fresh, gone);
	fflush(stdout);
	_exit(0);
}

TEST(named_reuse_races_the_last_send_right)
{
	int status = 0;
	pid_t pid;

	IPC_REQUIRE();
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		die_with_parent();
		reuse_racer(mt_rounds(4000, 300));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
