// SPDX-License-Identifier: GPL-2.0
/*
 * Security review of branch vmgaps (xnu_vm.md section 22): REUSABLE after
 * a virtual copy, the read forms of the mach_port_* calls, purgeable
 * counts.  Every attack runs as nobody.
 *
 * Checked:
 *   - task_info(TASK_VM_INFO_PURGEABLE)'s purgeable_volatile_pmap probes
 *     every resident page of a volatile object once for each mapping of
 *     the object's offset 0.  A user can map one object tens of thousands
 *     of times (one memory entry, mach_vm_map), so one call walks
 *     mappings x pages: with a few GiB resident that is hours.  The walk
 *     must end when its caller is killed (a fatal signal), or the caller
 *     is an unkillable process holding its mmap_lock for that long.
 *   - The same walk holds the mmap_lock (read) through one gup per page:
 *     every writer of the map (mmap, munmap, a fault that needs it) waits
 *     for the whole walk.  It must let the lock go when a writer waits, as
 *     the resident count of other memory does (sec_vminfo_test):
 *     volatile_pmap_walk_lets_mmap_lock_go.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include <mach/mach_vm.h>
#include <mach/memory_entry.h>

#include "ipc_test.h"

#define RW		(VM_PROT_READ | VM_PROT_WRITE)
#define WALK_BYTES	(16UL << 20)	/* resident volatile memory */
#define WALK_MAPS	60000		/* mappings of its offset 0 */
#define KILL_BOUND	30		/* seconds; the walk takes far longer */

/*
 * The fewest mappings, made on the debug kernels only (the 16K-page kernel
 * makes 15000 x 1024 pages): 500 x 4096 resident 4K pages is 2 million
 * probes in one call.  A probe took 16 us on debug-x86_64 (a walk of 20
 * mappings, 2026-12-08, under load), so the walk lasts about half a
 * minute there, 30 times the one-second alarm and 100 times the 0.3 s
 * after which the lock test's mmap() comes; debug-rt-arm64 probes slower.
 * The call is killed in its walk, or the test fails: it cannot pass by a
 * walk that ends early.
 */
#define MIN_WALK_MAPS	500

/*
 * The mappings to make: mt_rounds() of WALK_MAPS (15000 on each stock
 * kernel), MIN_WALK_MAPS on both debug kernels.  Making them and their
 * exit are the test's time (1500 took 7.8 s to map and 1.4 s to tear
 * down on debug-x86_64, where the 4096 faults took 0.8 s; the exit of
 * 60000 vmas under KASAN would eat into KILL_BOUND, which bounds the
 * call's end, not the exit); the walk is cut by the alarm whatever its
 * length.
 */
static int walk_maps(void)
{
	return mt_slow_kernel() ? MIN_WALK_MAPS :
				  mt_rounds(WALK_MAPS, MIN_WALK_MAPS);
}

/*
 * As nobody, one purgeable object of WALK_BYTES, resident and VOLATILE,
 * mapped up to WALK_MAPS times.  Returns the number of mappings; exits 2
 * on a setup failure.
 */
static int volatile_maps(void)
{
	memory_object_size_t size = WALK_BYTES;
	mach_vm_address_t a = 0;
	mach_port_t h = MACH_PORT_NULL;
	int st = VM_PURGABLE_VOLATILE, n;

	if (mt_become_nobody())
		_exit(2);
	if (mach_make_memory_entry_64(SELF, &size, 0,
				      RW | MAP_MEM_NAMED_CREATE |
				      MAP_MEM_PURGABLE, &h, MACH_PORT_NULL) ||
	    mach_vm_map(SELF, &a, WALK_BYTES, 0, VM_FLAGS_ANYWHERE, h, 0,
			FALSE, RW, RW, VM_INHERIT_DEFAULT))
		_exit(2);
	memset((void *)a, 0x5a, WALK_BYTES);
	if (mach_memory_entry_purgable_control(h, VM_PURGABLE_SET_STATE, &st))
		_exit(2);
	for (n = 1; n < walk_maps(); n++) {
		a = 0;
		if (mach_vm_map(SELF, &a, WALK_BYTES, 0, VM_FLAGS_ANYWHERE, h,
				0, FALSE, RW, RW, VM_INHERIT_DEFAULT))
			break;
	}
	return n;
}

/*
 * The attacker: volatile_maps(); reports the number of mappings on @fd,
 * then arms a SIGALRM (fatal: no handler) and asks for
 * TASK_VM_INFO_PURGEABLE.  Exits 2 on a setup failure, 3 if the call
 * came back before the signal killed it.
 */
static void walker(int fd)
{
	task_vm_info_data_t v;
	mach_msg_type_number_t count = TASK_VM_INFO_COUNT;
	int n = volatile_maps();

	if (write(fd, &n, sizeof(n)) != sizeof(n))
		_exit(2);
	/* The harness's SIGALRM handler came with fork: make it fatal. */
	if (signal(SIGALRM, SIG_DFL) == SIG_ERR)
		_exit(2);
	alarm(1);
	task_info(SELF, TASK_VM_INFO_PURGEABLE, (task_info_t)&v, &count);
	_exit(3);
}

static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

TEST(volatile_pmap_walk_dies_with_its_caller)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	int fds[2], n = 0, status = 0;
	pid_t pid, got;

	IPC_REQUIRE();
	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(fds[0]);
		die_with_parent();
		walker(fds[1]);
	}
	close(fds[1]);
	ASSERT_EQ(sizeof(n), read(fds[0], &n, sizeof(n)));
	close(fds[0]);
	TH_LOG("%d mappings of %lu MiB resident volatile memory", n,
	       WALK_BYTES >> 20);
	/* Enough to make the walk far longer than KILL_BOUND on any guest. */
	EXPECT_LE(walk_maps() / 3, n);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	alarm(KILL_BOUND);
	got = waitpid(pid, &status, 0);
	alarm(0);
	if (got != pid) {
		kill(pid, SIGKILL);
		ASSERT_TRUE(timed_out);
		/* The child is still walking, signal and all. */
		TH_LOG("the walker outlived its SIGALRM by %d s", KILL_BOUND);
		ASSERT_EQ(pid, got);
	}
	/* Killed by its alarm in the call, not after it ended. */
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGALRM, WTERMSIG(status));
}

/* ---- volatile_pmap_walk_lets_mmap_lock_go ------------------------------ */

/* The query that walks the mappings (its own thread). */
static void *volatile_query(void *unused)
{
	task_vm_info_data_t v;
	mach_msg_type_number_t count = TASK_VM_INFO_COUNT;

	task_info(SELF, TASK_VM_INFO_PURGEABLE, (task_info_t)&v, &count);
	return NULL;
}

/* What the attacker sends up. */
struct lock_result {
	int maps;
	double mmap_wait;	/* seconds */
	int query_running;	/* the query had not ended when mmap returned */
	int setup_failed;
};

/*
 * The attacker: volatile_maps(); a thread asks for TASK_VM_INFO_PURGEABLE
 * while this thread, a moment later, maps one page (mt_mmap_during()).
 * Sends a struct lock_result to @fd, then waits to be killed.
 */
static void lock_attacker(int fd)
{
	struct lock_result r = { .setup_failed = 1 };
	int running;

	r.maps = volatile_maps();
	running = mt_mmap_during(volatile_query, &r.mmap_wait);
	r.query_running = running == 1;
	r.setup_failed = running < 0;
	if (write(fd, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	for (;;)
		pause();
}

/*
 * The bound on the attacker's answer: its setup (walk_maps() mappings) is
 * part of it, and takes minutes on a debug kernel under load (83.8 s for
 * the test before this one on debug-x86_64); a walk that holds the lock
 * throughout still exceeds it by far.
 */
static int lock_bound(void)
{
	return mt_slow_kernel() ? 8 * KILL_BOUND : KILL_BOUND;
}

TEST(volatile_pmap_walk_lets_mmap_lock_go)
{
	struct lock_result r = { .setup_failed = 1 };
	int got;

	IPC_REQUIRE();
	/*
	 * Setting up the mappings takes a while; then, before the fix, the
	 * mmap() waits for the whole walk (hours): KILL_BOUND in all.  The
	 * query is killable: SIGKILL ends the walk and the process.
	 */
	got = mt_attacker_result(lock_attacker, &r, sizeof(r), lock_bound());
	if (!got) {
		TH_LOG("mmap() still waiting for the mmap_lock after %d s",
		       lock_bound());
		ASSERT_TRUE(got);
	}
	ASSERT_FALSE(r.setup_failed);
	TH_LOG("%d mappings; mmap() waited %.3f s, query still running: %d",
	       r.maps, r.mmap_wait, r.query_running);
	EXPECT_LE(walk_maps() / 3, r.maps);
	/* The query must still have been walking, or nothing was shown. */
	EXPECT_TRUE(r.query_running);
	EXPECT_LT(r.mmap_wait, 1.0);
}

TEST_HARNESS_MAIN
