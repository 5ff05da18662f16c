// SPDX-License-Identifier: GPL-2.0
/*
 * Purgeable memory: VM_FLAGS_PURGABLE, mach_vm_purgable_control,
 * MAP_MEM_PURGABLE entries and mach_memory_entry_purgable_control, and the
 * shrinker that empties volatile memory (forced here through
 * /proc/sys/vm/drop_caches, which runs every shrinker of the root memory
 * cgroup: the test runs as root in the bench guest).
 *
 * Darwin behaviour checked: the states and the old state SET_STATE
 * answers; EMPTY stays EMPTY when VOLATILE is asked, until NONVOLATILE;
 * an emptied range reads zeroes; the state word is checked against XNU's
 * masks; errors for a hole, a read-only range, memory that is not
 * purgeable, kernel-only and unknown controls; copies (fork COPY,
 * mach_vm_read) are not purgeable and keep their data when the original
 * is emptied; VM_PURGABLE_DEBUG_FAULT makes a touch of volatile memory an
 * error; entries share the state of their object.
 *
 * Attacks as nobody: PURGE_ALL of an unprivileged user empties none of
 * another user's volatile memory; a purge racing with writers and
 * faults shows every page either its own data or zeroes.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <mach/memory_entry.h>

#include "kselftest_harness.h"
#include "vm_child_test.h"

#define RW (VM_PROT_READ | VM_PROT_WRITE)

/* A new purgeable range of @pages pages holding fill_pages(@seed), or 0. */
static mach_vm_address_t purgable_pattern(size_t pages, uint32_t seed)
{
	mach_vm_address_t a = 0;

	if (mach_vm_allocate(SELF, &a, pages * page_size(),
			     VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE))
		return 0;
	fill_pages(P(a), pages * page_size(), seed);
	return a;
}

/* The state at @a (GET_STATE), or -1 on an error. */
static int state_of(mach_port_t task, mach_vm_address_t a)
{
	int state = -1;

	if (mach_vm_purgable_control(task, a, VM_PURGABLE_GET_STATE, &state))
		return -1;
	return state;
}

/* SET_STATE @word at @a: the old state, or -1 - the error. */
static int set_state(mach_vm_address_t a, int word)
{
	kern_return_t kr = mach_vm_purgable_control(SELF, a,
						    VM_PURGABLE_SET_STATE,
						    &word);

	return kr ? -1 - kr : word;
}

/* Does every byte of [p, p + len) read zero? */
static int all_zero(const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i])
			return 0;
	return 1;
}

/* Run every shrinker (root only): 0, or -1 when drop_caches is not ours. */
static int drop_caches(void)
{
	return mt_write_file("/proc/sys/vm/drop_caches", "2");
}

TEST(states_and_old_state)
{
	size_t pg = page_size();
	mach_vm_address_t a;
	int st;

	IPC_REQUIRE();
	a = purgable_pattern(4, 1);
	ASSERT_NE(0, a);
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, state_of(SELF, a));
	/* Any page of the range: the state is the whole object's. */
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, state_of(SELF, a + 3 * pg + 5));
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, set_state(a, VM_PURGABLE_VOLATILE));
	EXPECT_EQ(VM_PURGABLE_VOLATILE, state_of(SELF, a));
	/* Volatile but not emptied: the data is there. */
	EXPECT_TRUE(check_pages(P(a), 4 * pg, 1));
	/* Group, behaviour, order and aging bits are accepted, not reported. */
	EXPECT_EQ(VM_PURGABLE_VOLATILE,
		  set_state(a, VM_PURGABLE_VOLATILE | VM_VOLATILE_GROUP_7 |
			       VM_PURGABLE_BEHAVIOR_LIFO |
			       VM_VOLATILE_MAKE_FIRST_IN_GROUP |
			       VM_PURGABLE_ORDERING_OBSOLETE |
			       VM_PURGABLE_NO_AGING));
	EXPECT_EQ(VM_PURGABLE_VOLATILE, state_of(SELF, a));
	EXPECT_EQ(VM_PURGABLE_VOLATILE, set_state(a, VM_PURGABLE_NONVOLATILE));
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, state_of(SELF, a));
	EXPECT_TRUE(check_pages(P(a), 4 * pg, 1));
	/* The legacy name. */
	st = -1;
	EXPECT_EQ(KERN_SUCCESS, vm_purgable_control(SELF, (vm_address_t)a,
						    VM_PURGABLE_GET_STATE, &st));
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, st);
	/* Data survives a shrinker run while NONVOLATILE. */
	if (drop_caches() == 0) {
		EXPECT_TRUE(check_pages(P(a), 4 * pg, 1));
	}
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, 4 * pg));
}

TEST(errors_as_xnu)
{
	size_t pg = page_size();
	mach_vm_address_t a, plain = 0;
	int st;
	void *anon;

	IPC_REQUIRE();
	a = purgable_pattern(2, 2);
	ASSERT_NE(0, a);
	/* Bits outside XNU's masks; DENY; the state is kept. */
	EXPECT_EQ(-1 - KERN_INVALID_ARGUMENT, set_state(a, 1 << 2));
	EXPECT_EQ(-1 - KERN_INVALID_ARGUMENT, set_state(a, 1 << 7));
	EXPECT_EQ(-1 - KERN_INVALID_ARGUMENT, set_state(a, 1 << 11));
	EXPECT_EQ(-1 - KERN_INVALID_ARGUMENT, set_state(a, 1 << 17));
	EXPECT_EQ(-1 - KERN_INVALID_ARGUMENT, set_state(a, -1));
	EXPECT_EQ(-1 - KERN_INVALID_ARGUMENT, set_state(a, VM_PURGABLE_DENY));
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, state_of(SELF, a));
	/* GET_STATE ignores the word it is given. */
	st = -1;
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_purgable_control(SELF, a, VM_PURGABLE_GET_STATE, &st));
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, st);
	/* Kernel-only and unknown controls, before the address is looked at. */
	st = VM_PURGABLE_VOLATILE;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_purgable_control(SELF, a,
					   VM_PURGABLE_SET_STATE_FROM_KERNEL,
					   &st));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_purgable_control(SELF, 0, 4, &st));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_purgable_control(SELF, 0, -1, &st));
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, state_of(SELF, a));
	/* A hole, an address past the task's. */
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_purgable_control(SELF, 0, VM_PURGABLE_GET_STATE, &st));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_purgable_control(SELF, ~0ULL - pg,
					   VM_PURGABLE_GET_STATE, &st));
	/* Mach VM that is not purgeable; Linux memory. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_allocate(SELF, &plain, pg, VM_FLAGS_ANYWHERE));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_purgable_control(SELF, plain, VM_PURGABLE_GET_STATE,
					   &st));
	anon = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);
	EXPECT_EQ(-1 - KERN_INVALID_ARGUMENT,
		  set_state((uintptr_t)anon, VM_PURGABLE_VOLATILE));
	/* Read-only: GET_STATE only (XNU checks the protection first). */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_protect(SELF, a, 2 * pg, FALSE,
						VM_PROT_READ));
	EXPECT_EQ(-1 - KERN_PROTECTION_FAILURE,
		  set_state(a, VM_PURGABLE_VOLATILE));
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, state_of(SELF, a));
	ASSERT_EQ(KERN_SUCCESS, mprotect(anon, pg, PROT_READ));
	EXPECT_EQ(-1 - KERN_PROTECTION_FAILURE,
		  set_state((uintptr_t)anon, VM_PURGABLE_VOLATILE));
	/* Protection re-mapped over itself: still the same purgeable object. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_protect(SELF, a, 2 * pg, FALSE, RW));
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, set_state(a, VM_PURGABLE_VOLATILE));
	EXPECT_TRUE(check_pages(P(a), 2 * pg, 2));
	/* A purgeable object beyond XNU's ANON_MAX_SIZE. */
	plain = 0;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_allocate(SELF, &plain, 0x100000000ULL * pg,
				   VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE));
	munmap(anon, pg);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, 2 * pg));
}

TEST(empty_reads_zeroes_until_nonvolatile)
{
	size_t pg = page_size(), len = 3 * pg;
	mach_vm_address_t a;

	IPC_REQUIRE();
	a = purgable_pattern(3, 3);
	ASSERT_NE(0, a);
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, set_state(a, VM_PURGABLE_EMPTY));
	EXPECT_EQ(VM_PURGABLE_EMPTY, state_of(SELF, a));
	/* XNU zero-fills a purged object's pages (vm_fault_page). */
	EXPECT_TRUE(all_zero(P(a), len));
	/* Touching it wrote zero pages, the state stays EMPTY. */
	EXPECT_EQ(VM_PURGABLE_EMPTY, state_of(SELF, a));
	/* VOLATILE asked of EMPTY stays EMPTY (the old state is EMPTY). */
	EXPECT_EQ(VM_PURGABLE_EMPTY, set_state(a, VM_PURGABLE_VOLATILE));
	EXPECT_EQ(VM_PURGABLE_EMPTY, state_of(SELF, a));
	EXPECT_EQ(VM_PURGABLE_EMPTY, set_state(a, VM_PURGABLE_NONVOLATILE));
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, state_of(SELF, a));
	fill_pages(P(a), len, 33);
	EXPECT_TRUE(check_pages(P(a), len, 33));
	/* VOLATILE from NONVOLATILE is VOLATILE again. */
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, set_state(a, VM_PURGABLE_VOLATILE));
	EXPECT_EQ(VM_PURGABLE_VOLATILE, state_of(SELF, a));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, len));
}

TEST(shrinker_empties_volatile_only)
{
	size_t pg = page_size(), len = 16 * pg;
	mach_vm_address_t vol, keep, plain;

	IPC_REQUIRE();
	if (geteuid())
		SKIP(return, "drop_caches needs root");
	vol = purgable_pattern(16, 4);
	keep = purgable_pattern(16, 5);
	plain = alloc_pattern(len, 6);
	ASSERT_NE(0, vol);
	ASSERT_NE(0, keep);
	ASSERT_NE(0, plain);
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, set_state(vol, VM_PURGABLE_VOLATILE));
	ASSERT_EQ(0, drop_caches());
	EXPECT_EQ(VM_PURGABLE_EMPTY, state_of(SELF, vol));
	EXPECT_TRUE(all_zero(P(vol), len));
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, state_of(SELF, keep));
	EXPECT_TRUE(check_pages(P(keep), len, 5));
	EXPECT_TRUE(check_pages(P(plain), len, 6));
	/* Written again after NONVOLATILE, kept through the next run. */
	EXPECT_EQ(VM_PURGABLE_EMPTY, set_state(vol, VM_PURGABLE_NONVOLATILE));
	fill_pages(P(vol), len, 7);
	ASSERT_EQ(0, drop_caches());
	EXPECT_TRUE(check_pages(P(vol), len, 7));
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, state_of(SELF, vol));
	mach_vm_deallocate(SELF, vol, len);
	mach_vm_deallocate(SELF, keep, len);
	mach_vm_deallocate(SELF, plain, len);
}

/*
 * TASK_VM_INFO_PURGEABLE's purgeable_volatile_virtual, _resident and
 * _pmap, in bytes; TASK_VM_INFO must leave all three 0 (XNU's task_info()
 * fills them for the PURGEABLE flavour only).
 */
static int volatile_info(uint64_t *virt, uint64_t *res, uint64_t *pmap)
{
	task_vm_info_data_t v;
	mach_msg_type_number_t count = TASK_VM_INFO_COUNT;

	memset(&v, 0xa5, sizeof(v));
	if (task_info(SELF, TASK_VM_INFO, (task_info_t)&v, &count))
		return -1;
	if (v.purgeable_volatile_virtual || v.purgeable_volatile_resident ||
	    v.purgeable_volatile_pmap)
		return -2;
	count = TASK_VM_INFO_COUNT;
	memset(&v, 0xa5, sizeof(v));
	if (task_info(SELF, TASK_VM_INFO_PURGEABLE, (task_info_t)&v, &count) ||
	    count != TASK_VM_INFO_COUNT)
		return -3;
	*virt = v.purgeable_volatile_virtual;
	*res = v.purgeable_volatile_resident;
	*pmap = v.purgeable_volatile_pmap;
	return 0;
}

TEST(task_vm_info_counts_volatile_memory)
{
	size_t pg = page_size(), len = 8 * pg;
	uint64_t virt, res, pmap;
	mach_vm_address_t a;
	volatile char c;

	IPC_REQUIRE();
	a = purgable_pattern(8, 18);
	ASSERT_NE(0, a);
	ASSERT_EQ(0, volatile_info(&virt, &res, &pmap));
	EXPECT_EQ(0, virt);
	EXPECT_EQ(0, res);
	EXPECT_EQ(0, pmap);
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, set_state(a, VM_PURGABLE_VOLATILE));
	ASSERT_EQ(0, volatile_info(&virt, &res, &pmap));
	EXPECT_EQ(len, virt);
	EXPECT_EQ(len, res);
	EXPECT_EQ(len, pmap);
	/*
	 * PTEs gone, pages kept: resident but not in this task's tables.
	 * The debug kernels are built without CONFIG_ADVISE_SYSCALLS
	 * (madvise() is ENOSYS there): that step needs madvise, the rest
	 * of the test runs on every kernel.
	 */
	if (madvise(P(a), 4 * pg, MADV_DONTNEED) == 0) {
		ASSERT_EQ(0, volatile_info(&virt, &res, &pmap));
		EXPECT_EQ(len, virt);
		EXPECT_EQ(len, res);
		EXPECT_EQ(4 * pg, pmap);
		c = P(a)[pg];
		(void)c;
		ASSERT_EQ(0, volatile_info(&virt, &res, &pmap));
		EXPECT_EQ(len, res);
		EXPECT_EQ(5 * pg, pmap);
	} else {
		ASSERT_EQ(ENOSYS, errno);
		TH_LOG("no madvise() in this kernel: the unmapped-PTE step skipped");
	}
	/* EMPTY still counts (its virtual size), with nothing resident. */
	EXPECT_EQ(VM_PURGABLE_VOLATILE, set_state(a, VM_PURGABLE_EMPTY));
	ASSERT_EQ(0, volatile_info(&virt, &res, &pmap));
	EXPECT_EQ(len, virt);
	EXPECT_EQ(0, res);
	EXPECT_EQ(0, pmap);
	EXPECT_EQ(VM_PURGABLE_EMPTY, set_state(a, VM_PURGABLE_NONVOLATILE));
	ASSERT_EQ(0, volatile_info(&virt, &res, &pmap));
	EXPECT_EQ(0, virt);
	EXPECT_EQ(0, pmap);
	mach_vm_deallocate(SELF, a, len);
}

/* host_statistics64(HOST_VM_INFO64)'s purgeable_count and purges. */
static int host_purge_stats(uint32_t *count, uint64_t *purges)
{
	vm_statistics64_data_t vs;
	mach_msg_type_number_t n = HOST_VM_INFO64_COUNT;

	if (host_statistics64(mach_host_self(), HOST_VM_INFO64,
			      (host_info64_t)&vs, &n))
		return -1;
	*count = vs.purgeable_count;
	*purges = vs.purges;
	return 0;
}

/*
 * XNU's vm_page_purgeable_count (resident pages of VOLATILE objects) and
 * vm_page_purged_count (pages purges discarded): a volatile range's
 * resident pages count while it is VOLATILE (not NONVOLATILE, not once
 * emptied); an EMPTY, PURGE_ALL or the shrinker adds the pages it
 * discarded to purges, which never goes down.  The machine's other
 * volatile memory may change meanwhile (no other test runs in the guest
 * at the same time, so the counts are exact here).
 */
TEST(host_statistics_count_purgeable_pages)
{
	size_t pg = page_size();
	mach_vm_address_t a, b;
	uint32_t c0, c;
	uint64_t p0, p;

	IPC_REQUIRE();
	(void)b;
	ASSERT_EQ(0, host_purge_stats(&c0, &p0));
	a = purgable_pattern(8, 30);
	ASSERT_NE(0, a);
	ASSERT_EQ(0, host_purge_stats(&c, &p));
	EXPECT_EQ(c0, c);
	EXPECT_EQ(p0, p);
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, set_state(a, VM_PURGABLE_VOLATILE));
	ASSERT_EQ(0, host_purge_stats(&c, &p));
	EXPECT_EQ(c0 + 8, c);
	/* A page let go (a partial deallocate) stops counting. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a + 7 * pg, pg));
	ASSERT_EQ(0, host_purge_stats(&c, &p));
	EXPECT_EQ(c0 + 7, c);
	EXPECT_EQ(p0, p);
	/* Emptied: 7 pages purged, none purgeable. */
	EXPECT_EQ(VM_PURGABLE_VOLATILE, set_state(a, VM_PURGABLE_EMPTY));
	ASSERT_EQ(0, host_purge_stats(&c, &p));
	EXPECT_EQ(c0, c);
	EXPECT_EQ(p0 + 7, p);
	mach_vm_deallocate(SELF, a, 7 * pg);
	if (geteuid())
		SKIP(return, "drop_caches needs root");
	/* The shrinker's purge counts too. */
	b = purgable_pattern(4, 31);
	ASSERT_NE(0, b);
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, set_state(b, VM_PURGABLE_VOLATILE));
	ASSERT_EQ(0, host_purge_stats(&c, &p));
	EXPECT_EQ(c0 + 4, c);
	ASSERT_EQ(0, drop_caches());
	EXPECT_EQ(VM_PURGABLE_EMPTY, state_of(SELF, b));
	ASSERT_EQ(0, host_purge_stats(&c, &p));
	EXPECT_GE(p, p0 + 11);
	EXPECT_LE(c, c0);
	mach_vm_deallocate(SELF, b, 4 * pg);
}

TEST(purge_all_empties_own_volatile)
{
	size_t pg = page_size();
	mach_vm_address_t a, b;
	int st = 0;

	IPC_REQUIRE();
	a = purgable_pattern(2, 8);
	b = purgable_pattern(2, 9);
	ASSERT_NE(0, a);
	ASSERT_NE(0, b);
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, set_state(a, VM_PURGABLE_VOLATILE));
	/* PURGE_ALL needs no address. */
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_purgable_control(SELF, 0, VM_PURGABLE_PURGE_ALL, &st));
	EXPECT_EQ(VM_PURGABLE_EMPTY, state_of(SELF, a));
	EXPECT_TRUE(all_zero(P(a), 2 * pg));
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, state_of(SELF, b));
	EXPECT_TRUE(check_pages(P(b), 2 * pg, 9));
	mach_vm_deallocate(SELF, a, 2 * pg);
	mach_vm_deallocate(SELF, b, 2 * pg);
}

TEST(copies_are_not_purgeable_and_keep_their_data)
{
	size_t pg = page_size(), len = 4 * pg;
	struct gate g;
	mach_vm_address_t a;
	vm_offset_t copy = 0;
	mach_msg_type_number_t n = 0;
	int status;
	pid_t pid;
	char c;

	IPC_REQUIRE();
	a = purgable_pattern(4, 10);
	ASSERT_NE(0, a);
	/* mach_vm_read: a copy of its own. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_read(SELF, a, len, &copy, &n));
	EXPECT_EQ(-1, state_of(SELF, copy));
	pid = gate_fork(&g);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* The fork COPY child: a non-purgeable copy (XNU's fork). */
		if (state_of(SELF, a) != -1)
			_exit(1);
		if (write(g.up[1], "r", 1) != 1 || read(g.down[0], &c, 1) != 1)
			_exit(2);
		/* The parent emptied its range: the copy has its data. */
		_exit(check_pages(P(a), len, 10) ? 0 : 3);
	}
	ASSERT_EQ(1, read(g.up[0], &c, 1));
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, set_state(a, VM_PURGABLE_EMPTY));
	EXPECT_TRUE(all_zero(P(a), len));
	EXPECT_TRUE(check_pages(P(copy), len, 10));
	ASSERT_EQ(1, write(g.down[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	mach_vm_deallocate(SELF, a, len);
	mach_vm_deallocate(SELF, copy, len);
}

static sigjmp_buf fault_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(fault_jmp, sig);
}

/* Does reading @p fault with SIGBUS (in this process: a fork would copy)? */
static int read_faults(volatile const char *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	int sig;

	sigaction(SIGBUS, &sa, &old);
	sig = sigsetjmp(fault_jmp, 1);
	if (!sig)
		(void)*p;
	sigaction(SIGBUS, &old, NULL);
	return sig == SIGBUS;
}

TEST(debug_fault_and_debug_empty)
{
	size_t pg = page_size();
	mach_vm_address_t a, b;

	IPC_REQUIRE();
	a = purgable_pattern(2, 11);
	ASSERT_NE(0, a);
	EXPECT_FALSE(read_faults(P(a)));
	/* VOLATILE with DEBUG_FAULT: a touch is an error (XNU's volatile_fault). */
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE,
		  set_state(a, VM_PURGABLE_VOLATILE | VM_PURGABLE_DEBUG_FAULT));
	EXPECT_TRUE(read_faults(P(a)));
	EXPECT_TRUE(read_faults(P(a) + pg));
	EXPECT_EQ(VM_PURGABLE_VOLATILE, set_state(a, VM_PURGABLE_NONVOLATILE));
	EXPECT_FALSE(read_faults(P(a)));
	EXPECT_TRUE(check_pages(P(a), 2 * pg, 11));
	/* DEBUG_EMPTY: VOLATILE goes straight to EMPTY, and sticks. */
	b = purgable_pattern(2, 12);
	ASSERT_NE(0, b);
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE,
		  set_state(b, VM_PURGABLE_VOLATILE | VM_PURGABLE_DEBUG_EMPTY));
	EXPECT_EQ(VM_PURGABLE_EMPTY, state_of(SELF, b));
	EXPECT_TRUE(all_zero(P(b), 2 * pg));
	EXPECT_EQ(VM_PURGABLE_EMPTY, set_state(b, VM_PURGABLE_NONVOLATILE));
	fill_pages(P(b), 2 * pg, 13);
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, set_state(b, VM_PURGABLE_VOLATILE));
	EXPECT_EQ(VM_PURGABLE_EMPTY, state_of(SELF, b));
	mach_vm_deallocate(SELF, a, 2 * pg);
	mach_vm_deallocate(SELF, b, 2 * pg);
}

static kern_return_t entry_control(mach_port_t h, vm_purgable_t control,
				   int *state)
{
	return mach_memory_entry_purgable_control(h, control, state);
}

TEST(memory_entries_share_the_state)
{
	size_t pg = page_size(), len = 2 * pg;
	mach_port_t h, plain, sub = MACH_PORT_NULL;
	mach_vm_address_t m = 0, m2 = 0, c = 0;
	memory_object_size_t size;
	int st;

	IPC_REQUIRE();
	/* PURGABLE needs write permission. */
	EXPECT_EQ(MACH_PORT_NULL,
		  vm_entry_create(2, VM_PROT_READ | MAP_MEM_PURGABLE));
	h = vm_entry_create(2, RW | MAP_MEM_PURGABLE);
	ASSERT_NE(MACH_PORT_NULL, h);
	st = -1;
	EXPECT_EQ(KERN_SUCCESS, entry_control(h, VM_PURGABLE_GET_STATE, &st));
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, st);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_map(SELF, &m, len, 0, VM_FLAGS_ANYWHERE, h, 0, FALSE,
			      RW, RW, VM_INHERIT_DEFAULT));
	fill_pages(P(m), len, 14);
	/* VM_FLAGS_PURGABLE maps the whole purgeable object, not a copy. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_map(SELF, &m2, len, 0,
			      VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE, h, 0,
			      FALSE, RW, RW, VM_INHERIT_DEFAULT));
	EXPECT_TRUE(check_pages(P(m2), len, 14));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_map(SELF, &c, len, 0,
			      VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE, h, 0,
			      TRUE, RW, RW, VM_INHERIT_DEFAULT));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_map(SELF, &c, pg, 0,
			      VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE, h, pg,
			      FALSE, RW, RW, VM_INHERIT_DEFAULT));
	/* A copy mapping is not purgeable. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_map(SELF, &c, len, 0, VM_FLAGS_ANYWHERE, h, 0, TRUE,
			      RW, RW, VM_INHERIT_DEFAULT));
	EXPECT_EQ(-1, state_of(SELF, c));
	/* Set through the entry, seen through the mappings, and back. */
	st = VM_PURGABLE_VOLATILE;
	EXPECT_EQ(KERN_SUCCESS, entry_control(h, VM_PURGABLE_SET_STATE, &st));
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, st);
	EXPECT_EQ(VM_PURGABLE_VOLATILE, state_of(SELF, m));
	EXPECT_EQ(VM_PURGABLE_VOLATILE, state_of(SELF, m2));
	EXPECT_EQ(VM_PURGABLE_VOLATILE, set_state(m, VM_PURGABLE_EMPTY));
	st = -1;
	EXPECT_EQ(KERN_SUCCESS, entry_control(h, VM_PURGABLE_GET_STATE, &st));
	EXPECT_EQ(VM_PURGABLE_EMPTY, st);
	EXPECT_TRUE(all_zero(P(m), len));
	EXPECT_TRUE(all_zero(P(m2), len));
	/* The copy mapped before keeps what it saw. */
	EXPECT_TRUE(check_pages(P(c), len, 14));
	/* Errors: PURGE_ALL, kernel-only, bad word, DENY. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  entry_control(h, VM_PURGABLE_PURGE_ALL, &st));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  entry_control(h, VM_PURGABLE_SET_STATE_FROM_KERNEL, &st));
	st = 1 << 2;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  entry_control(h, VM_PURGABLE_SET_STATE, &st));
	st = VM_PURGABLE_DENY;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  entry_control(h, VM_PURGABLE_SET_STATE, &st));
	/* An entry that does not cover its whole object, one not purgeable. */
	size = pg;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_make_memory_entry_64(SELF, &size, pg, RW, &sub, h));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  entry_control(sub, VM_PURGABLE_GET_STATE, &st));
	plain = vm_entry_create(2, RW);
	ASSERT_NE(MACH_PORT_NULL, plain);
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  entry_control(plain, VM_PURGABLE_GET_STATE, &st));
	mach_port_deallocate(SELF, plain);
	/* KERNEL_ONLY: GET_STATE only (XNU's purgeable_only_by_kernel). */
	plain = vm_entry_create(2, RW | MAP_MEM_PURGABLE |
				MAP_MEM_PURGABLE_KERNEL_ONLY);
	ASSERT_NE(MACH_PORT_NULL, plain);
	st = VM_PURGABLE_VOLATILE;
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  entry_control(plain, VM_PURGABLE_SET_STATE, &st));
	EXPECT_EQ(KERN_SUCCESS,
		  entry_control(plain, VM_PURGABLE_GET_STATE, &st));
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, st);
	/* Not a memory entry; no right at all. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  entry_control(SELF, VM_PURGABLE_GET_STATE, &st));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  entry_control(0x12345678, VM_PURGABLE_GET_STATE, &st));
	mach_port_deallocate(SELF, sub);
	mach_port_deallocate(SELF, plain);
	mach_port_deallocate(SELF, h);
	/* The mappings outlive the entry, with its state. */
	EXPECT_EQ(VM_PURGABLE_EMPTY, state_of(SELF, m));
	mach_vm_deallocate(SELF, m, len);
	mach_vm_deallocate(SELF, m2, len);
	mach_vm_deallocate(SELF, c, len);
}

TEST(another_task_through_its_control_port)
{
	size_t pg = page_size();
	mach_port_t task = MACH_PORT_NULL, rd = MACH_PORT_NULL;
	mach_port_t in = MACH_PORT_NULL;
	mach_vm_address_t ra = 0;
	int st;
	pid_t pid;

	IPC_REQUIRE();
	pid = idle_child();
	ASSERT_GT(pid, 0);
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, pid, &task));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_allocate(task, &ra, 2 * pg,
				   VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_write(task, ra, (vm_offset_t)"remote", 7));
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, state_of(task, ra));
	st = VM_PURGABLE_EMPTY;
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_purgable_control(task, ra, VM_PURGABLE_SET_STATE,
					   &st));
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, st);
	EXPECT_EQ(VM_PURGABLE_EMPTY, state_of(task, ra));
	/*
	 * Flavours (XNU's mach_vm_purgable_control_external): GET_STATE takes
	 * a read port, SET_STATE and PURGE_ALL control; inspect: neither.
	 */
	ASSERT_EQ(KERN_SUCCESS, task_read_for_pid(SELF, pid, &rd));
	ASSERT_EQ(KERN_SUCCESS, task_inspect_for_pid(SELF, pid, &in));
	st = 0;
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_purgable_control(rd, ra, VM_PURGABLE_GET_STATE,
					   &st));
	EXPECT_EQ(VM_PURGABLE_EMPTY, st);
	st = VM_PURGABLE_NONVOLATILE;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_purgable_control(rd, ra, VM_PURGABLE_SET_STATE,
					   &st));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_purgable_control(rd, ra, VM_PURGABLE_PURGE_ALL,
					   &st));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_purgable_control(in, ra, VM_PURGABLE_GET_STATE,
					   &st));
	EXPECT_EQ(VM_PURGABLE_EMPTY, state_of(task, ra));
	mach_port_deallocate(SELF, rd);
	mach_port_deallocate(SELF, in);
	/* A name that is no task port. */
	EXPECT_NE(KERN_SUCCESS,
		  mach_vm_purgable_control(0x12345678, ra,
					   VM_PURGABLE_GET_STATE, &st));
	end_child(pid);
	/* The task is gone. */
	EXPECT_NE(KERN_SUCCESS,
		  mach_vm_purgable_control(task, ra, VM_PURGABLE_GET_STATE,
					   &st));
	mach_port_deallocate(SELF, task);
}

/*
 * Attack: nobody's PURGE_ALL empties none of root's volatile memory (XNU
 * empties every volatile object; Machina only the caller's user's).
 */
TEST(nobody_purge_all_spares_other_users)
{
	size_t pg = page_size(), len = 8 * pg;
	mach_vm_address_t a;
	int status, st = 0;
	pid_t pid;

	IPC_REQUIRE();
	if (geteuid())
		SKIP(return, "needs root to become nobody");
	a = purgable_pattern(8, 15);
	ASSERT_NE(0, a);
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, set_state(a, VM_PURGABLE_VOLATILE));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		mach_vm_address_t own;

		if (mt_become_nobody())
			_exit(1);
		own = purgable_pattern(2, 16);
		if (!own || set_state(own, VM_PURGABLE_VOLATILE) !=
			    VM_PURGABLE_NONVOLATILE)
			_exit(2);
		if (mach_vm_purgable_control(SELF, 0, VM_PURGABLE_PURGE_ALL,
					     &st))
			_exit(3);
		/* Its own volatile memory was emptied. */
		_exit(state_of(SELF, own) == VM_PURGABLE_EMPTY ? 0 : 4);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(VM_PURGABLE_VOLATILE, state_of(SELF, a));
	EXPECT_TRUE(check_pages(P(a), len, 15));
	mach_vm_deallocate(SELF, a, len);
}

/*
 * The writer of the race: it fills the range with one byte value, then
 * checks that every byte is that value or zero (a purge may take a page
 * between two of its writes, or in the middle of one page's), never
 * anything else, and goes on with the next value.
 */
struct race {
	mach_vm_address_t a;
	size_t len;
	volatile int stop;
	int bad;
};

static void *race_writer(void *arg)
{
	struct race *r = arg;
	unsigned char v = 1;
	const unsigned char *c;
	size_t i;

	while (!r->stop) {
		memset(P(r->a), v, r->len);
		c = (const unsigned char *)P(r->a);
		for (i = 0; i < r->len; i++)
			if (c[i] && c[i] != v)
				r->bad++;
		v = v == 255 ? 1 : v + 1;
	}
	return NULL;
}

/*
 * Attack: emptying races with faults and writes of the owner (state
 * changes, PURGE_ALL and the shrinker in a loop): no page ever shows
 * anything but the owner's data or zeroes, the kernel stays clean, and
 * the state is consistent at the end.
 */
TEST(purge_races_faults)
{
	size_t pg = page_size();
	struct race r = { .len = 32 * pg };
	int rounds = mt_rounds(200, 20), i, st;
	pthread_t t;

	IPC_REQUIRE();
	r.a = purgable_pattern(32, 17);
	ASSERT_NE(0, r.a);
	ASSERT_EQ(0, pthread_create(&t, NULL, race_writer, &r));
	for (i = 0; i < rounds; i++) {
		set_state(r.a, VM_PURGABLE_VOLATILE);
		switch (i % 3) {
		case 0:
			mach_vm_purgable_control(SELF, 0,
						 VM_PURGABLE_PURGE_ALL, &st);
			break;
		case 1:
			if (geteuid() == 0)
				drop_caches();
			break;
		default:
			set_state(r.a, VM_PURGABLE_EMPTY);
			break;
		}
		set_state(r.a, VM_PURGABLE_NONVOLATILE);
	}
	r.stop = 1;
	pthread_join(t, NULL);
	EXPECT_EQ(0, r.bad);
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, state_of(SELF, r.a));
	mach_vm_deallocate(SELF, r.a, r.len);
}

TEST_HARNESS_MAIN
