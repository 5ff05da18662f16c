// SPDX-License-Identifier: GPL-2.0
/*
 * Security review of the Mach VM object layer (xnu_vm/vm_object.c), the
 * findings of the final read, attacked as user nobody.
 *
 * copy_chains_stay_short: "write a page, then mach_vm_map(entry,
 * copy=TRUE)" over and over froze one more layer each time, with no end:
 * a chain of thousands of layers, which every trim (each munmap, the
 * exit) walked layer x vma x layer without letting the CPU go.  The chain
 * is bounded now (XNU_VM_MAX_DEPTH): a copy of a view that deep is made
 * flat.  Every copy must still hold its own snapshot, and a thread
 * sharing the CPU must get to run within a second all the while.
 *
 * fork_of_a_deep_chain_keeps_every_snapshot: a fork of such a view (a
 * fork cannot fail) makes the child's copy flat; both sides keep what
 * they saw and their writes stay on their side.
 *
 * free_keeps_the_pages_an_entry_names: mach_vm_behavior_set FREE and
 * REUSABLE let go of pages a memory entry not mapped anywhere yet names;
 * whoever mapped the entry later read zeroes.  Pinned pages are kept.
 *
 * toucher_of_a_full_foreign_group_gets_sigbus: a fault of a page another
 * memory cgroup pays for, which cannot give it, was retried for ever.
 *
 * failed_map_leaves_the_range_unshared: mach_vm_map(entry, copy=FALSE)
 * marked the entry's view shared before the mapping was made, and a
 * failed mapping left it so: the range answered shared for ever and FREE
 * kept its pages.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include <mach/memory_object_types.h>

#include "kselftest_harness.h"
#include "cpu_probe.h"
#include "vm_test.h"

#define RW (VM_PROT_READ | VM_PROT_WRITE)

/* An entry naming the Mach VM range @a (one page), read-write. */
static mach_port_t entry_of(mach_vm_address_t a, size_t len)
{
	memory_object_size_t size = len;
	mach_port_t e = MACH_PORT_NULL;

	if (mach_make_memory_entry_64(SELF, &size, a, RW, &e, MACH_PORT_NULL))
		return MACH_PORT_NULL;
	return e;
}

/*
 * build_chain - @n times: write round i into the range @a, then map a
 * copy of the entry @e (its view is the range's) into @copies[i].
 * Returns: 0, or the round that failed + 1.
 */
static int build_chain(mach_vm_address_t a, mach_port_t e, int n,
		       mach_vm_address_t *copies)
{
	volatile int *p = (volatile int *)(uintptr_t)a;
	kern_return_t kr;
	int i;

	for (i = 0; i < n; i++) {
		*p = i;
		copies[i] = 0;
		kr = mach_vm_map(SELF, &copies[i], page_size(), 0,
				 VM_FLAGS_ANYWHERE, e, 0, TRUE, RW, RW,
				 VM_INHERIT_COPY);
		if (kr) {
			printf("# copy %d: 0x%x\n", i, kr);
			return i + 1;
		}
	}
	return 0;
}

/* Does every copy still show the round it was taken in? */
static int copies_intact(mach_vm_address_t *copies, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (*(volatile int *)(uintptr_t)copies[i] != i) {
			printf("# copy %d reads %d\n", i,
			       *(volatile int *)(uintptr_t)copies[i]);
			return 0;
		}
	return 1;
}

/*
 * How long unmapping the copies newest first may take: TEARDOWN_NS, or
 * twice what building them took where the kernel is that slow (the
 * PREEMPT_RT debug kernel under emulation: 35 s for 300 copies, so it
 * builds 60, still well past XNU_VM_MAX_DEPTH; the stock kernels 500).
 * Layered, the newest copy's unmap walked its whole chain, each layer
 * against the copies before it: 500 copies took 20 s and more (cubic per
 * unmap) after a build of under a second; with the chain bounded the
 * teardown is milliseconds on the stock kernels, a fraction of the build
 * on the debug ones.
 */
#define TEARDOWN_NS	5000000000LL

/*
 * The attack, as nobody.  Exit status: 0 fine; 2..7 a step failed; 8 a
 * copy lost its snapshot; 10 + seconds (capped) the probe waited longer
 * than a second; 9 the teardown ran past its limit (above).
 */
static int chain_attack(int n)
{
	mach_vm_address_t a = 0, *copies;
	long long t0, limit;
	mach_port_t e;
	pthread_t th;
	int i, st;

	if (mt_become_nobody() || on_cpu0())
		return 2;
	copies = calloc(n, sizeof(*copies));
	if (!copies || mach_vm_allocate(SELF, &a, page_size(),
					VM_FLAGS_ANYWHERE))
		return 3;
	e = entry_of(a, page_size());
	if (e == MACH_PORT_NULL)
		return 4;
	if (probe_start(&th))
		return 5;
	t0 = now_ns();
	if (build_chain(a, e, n, copies))
		return 6;
	limit = 2 * (now_ns() - t0);
	if (limit < TEARDOWN_NS)
		limit = TEARDOWN_NS;
	printf("# %d copies: %lld ms\n", n, (now_ns() - t0) / 1000000);
	if (!copies_intact(copies, n))
		return 8;
	/*
	 * Mapped again over itself, the range's vma goes after the copies
	 * on the object's i_mmap: a trim walks the copies first.
	 */
	if (mach_vm_protect(SELF, a, page_size(), FALSE, VM_PROT_READ))
		return 7;
	t0 = now_ns();
	for (i = n - 1; i >= 0; i--) {
		if (mach_vm_deallocate(SELF, copies[i], page_size()))
			return 7;
		if (now_ns() - t0 > limit) {
			printf("# teardown: %d copies left after %lld s\n", i,
			       limit / 1000000000LL);
			break;
		}
	}
	printf("# teardown: %lld ms\n", (now_ns() - t0) / 1000000);
	st = probe_verdict(th);
	return st ? st : i > 0 ? 9 : 0;
}

TEST(copy_chains_stay_short)
{
	pid_t pid;
	int st;

	IPC_REQUIRE();
	if (geteuid() != 0)
		SKIP(return, "needs root to become nobody");
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(chain_attack(mt_rounds(2000, 60)));
	st = mt_wait_exit(pid);
	EXPECT_EQ(0, st) TH_LOG("attack step %d (9: teardown too slow; 10+: "
				"seconds the CPU was held)", st);
}

TEST(fork_of_a_deep_chain_keeps_every_snapshot)
{
	mach_vm_address_t a = 0, copies[64];
	volatile int *p;
	mach_port_t e;
	pid_t pid;
	int st, n = 64;

	IPC_REQUIRE();
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_allocate(SELF, &a, page_size(), VM_FLAGS_ANYWHERE));
	p = (volatile int *)(uintptr_t)a;
	e = entry_of(a, page_size());
	ASSERT_NE(MACH_PORT_NULL, e);
	ASSERT_EQ(0, build_chain(a, e, n, copies));
	*p = 1000;
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (*p != 1000 || !copies_intact(copies, n))
			_exit(2);
		*p = 2000;
		*(volatile int *)(uintptr_t)copies[7] = 2007;
		if (*p != 2000 || *(volatile int *)(uintptr_t)copies[7] != 2007)
			_exit(3);
		_exit(0);
	}
	st = mt_wait_exit(pid);
	EXPECT_EQ(0, st);
	EXPECT_EQ(1000, *p);
	EXPECT_TRUE(copies_intact(copies, n));
	/* And the parent's writes stay its own too. */
	*p = 3000;
	*(volatile int *)(uintptr_t)copies[9] = 3009;
	EXPECT_EQ(3000, *p);
	EXPECT_EQ(3009, *(volatile int *)(uintptr_t)copies[9]);
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, e));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, page_size()));
	for (st = 0; st < n; st++)
		mach_vm_deallocate(SELF, copies[st], page_size());
}

/* The pattern of the range survives @behavior, for whoever maps the entry. */
static int free_attack(int behavior)
{
	size_t len = 4 * page_size();
	mach_vm_address_t a, m = 0;
	mach_port_t e;
	kern_return_t kr;

	a = alloc_pattern(len, 77);
	if (!a)
		return 2;
	e = entry_of(a, len);
	if (e == MACH_PORT_NULL)
		return 3;
	kr = mach_vm_behavior_set(SELF, a, len, behavior);
	if (kr) {
		printf("# behavior %d: 0x%x\n", behavior, kr);
		return 4;
	}
	if (mach_vm_map(SELF, &m, len, 0, VM_FLAGS_ANYWHERE, e, 0, FALSE, RW,
			RW, VM_INHERIT_COPY))
		return 5;
	if (!check_pages((void *)(uintptr_t)m, len, 77)) {
		printf("# behavior %d: the entry's mapping lost its pages (%d)\n",
		       behavior, *(int *)(uintptr_t)m);
		return 6;
	}
	if (!check_pages((void *)(uintptr_t)a, len, 77))
		return 7;
	return 0;
}

TEST(free_keeps_the_pages_an_entry_names)
{
	int behaviors[] = { VM_BEHAVIOR_FREE, VM_BEHAVIOR_REUSABLE };
	unsigned int i;
	pid_t pid;
	int st;

	IPC_REQUIRE();
	for (i = 0; i < ARRAY_SIZE(behaviors); i++) {
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			if (geteuid() == 0 && mt_become_nobody())
				_exit(1);
			_exit(free_attack(behaviors[i]));
		}
		st = mt_wait_exit(pid);
		EXPECT_EQ(0, st) TH_LOG("behavior %d: step %d", behaviors[i], st);
	}
}

TEST(failed_map_leaves_the_range_unshared)
{
	size_t len = 2 * page_size();
	vm_region_basic_info_data_64_t info;
	mach_vm_address_t a, m;
	mach_port_t e;

	IPC_REQUIRE();
	a = alloc_pattern(len, 5);
	ASSERT_NE(0, a);
	e = entry_of(a, len);
	ASSERT_NE(MACH_PORT_NULL, e);
	/* FIXED over the range itself: taken. */
	m = a;
	EXPECT_EQ(KERN_NO_SPACE,
		  mach_vm_map(SELF, &m, len, 0, VM_FLAGS_FIXED, e, 0, FALSE, RW,
			      RW, VM_INHERIT_COPY));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, e));
	ASSERT_EQ(0, region_of(SELF, a, &info));
	EXPECT_FALSE(info.shared);
	/* Alone again: FREE lets its pages go, as before the failed call. */
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_behavior_set(SELF, a, len, VM_BEHAVIOR_FREE));
	EXPECT_EQ(0, *(volatile int *)(uintptr_t)a);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, len));
}

/*
 * The toucher of pages another memory cgroup pays for: a NAMED_CREATE
 * entry charges its pages to its creator's group, whoever touches them.
 * When that group is full and has nothing to kill (its creator has
 * left it), the fault found no page and answered VM_FAULT_OOM, which the
 * kernel retries for ever: the toucher spun on one instruction (killable,
 * but never getting on).  It gets SIGBUS now, as a file past its quota.
 */
static int touch_foreign_entry(const struct mt_cgroup *cg, size_t len)
{
	memory_object_size_t size = len;
	mach_vm_address_t m = 0;
	mach_port_t e = MACH_PORT_NULL;

	if (mt_cg_enter(cg))
		return 2;
	if (mach_make_memory_entry_64(SELF, &size, 0,
				      RW | MAP_MEM_NAMED_CREATE, &e,
				      MACH_PORT_NULL))
		return 3;
	/* Out of the group: it keeps paying, with nobody left in it. */
	if (mt_write_file(MT_CG_ROOT "/cgroup.procs", "0"))
		return 4;
	if (mt_become_nobody())
		return 5;
	if (mach_vm_map(SELF, &m, len, 0, VM_FLAGS_ANYWHERE, e, 0, FALSE, RW,
			RW, VM_INHERIT_DEFAULT))
		return 6;
	memset((void *)(uintptr_t)m, 1, len);
	return 7;	/* the group took it all: no test */
}

TEST(toucher_of_a_full_foreign_group_gets_sigbus)
{
	struct mt_cgroup cg;
	const char *why;
	int st, i;
	pid_t pid;

	IPC_REQUIRE();
	if (geteuid() != 0)
		SKIP(return, "needs root for cgroups");
	why = mt_cg_create_named(&cg, "-payer", 4L << 20);
	if (why)
		SKIP(return, "%s", why);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(touch_foreign_entry(&cg, 32L << 20));
	for (i = 0; i < 100; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		usleep(50000);
	}
	if (i == 100) {
		printf("# the toucher still runs after 5 s: killed\n");
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
	}
	mt_cg_destroy(&cg);
	if (WIFEXITED(st))
		printf("# the toucher exited %d\n", WEXITSTATUS(st));
	EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS)
	TH_LOG("status 0x%x", st);
}

TEST_HARNESS_MAIN
