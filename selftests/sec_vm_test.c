// SPDX-License-Identifier: GPL-2.0
/*
 * Security review of Mach VM slice 1, as an unprivileged user (nobody).
 *
 * retained_pages: a Mach VM object keeps every page it ever had until its
 * last vma is gone.  A user who allocates, touches, then unmaps all but one
 * page of each allocation (mach_vm_deallocate, or plain munmap(2)) keeps
 * the unmapped pages: they are in no vma (so RLIMIT_AS, which the docs name
 * as the bound, does not see them), in no RSS (the OOM killer cannot find
 * them) and never swapped.  Expected: unmapped pages that no vma maps any
 * more go back, so what the cgroup holds stays under the address-space
 * limit.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <mach/mach_vm.h>
#include <mach/vm_map.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

#define ROUNDS		5		/* allocations */

/*
 * One allocation: 48 MB, less on the bench's kernels (mt_rounds(): 12 MB
 * on the stock ones, 3 MB on both debug kernels), so that ROUNDS of them
 * (240 MB at full size) are always 15/8 of the bound below: one retained
 * chunk more than the bound allows is 3 MB there, far past the group's
 * charge batches (the cgroup held 0 MB at 6 MB).  debug-x86_64 made 4 MB
 * chunks (its mt_rounds() share) for no more than that: writing them under
 * KASAN was most of its three cases' 17 s.
 */
static unsigned long chunk_bytes(void)
{
	return (unsigned long)(mt_slow_kernel() ? 3 : mt_rounds(48, 3)) << 20;
}

/* What the attacker may hold: 128 MB at full size, 8/3 of a chunk. */
static unsigned long mem_bound(void)
{
	return chunk_bytes() * 8 / 3;
}

/*
 * The attacker: ROUNDS allocations of chunk_bytes(), each written whole
 * and then unmapped but for its last page (@how: 0 mach_vm_deallocate,
 * 1 munmap, 2 mremap shrink), under an RLIMIT_AS of what it has mapped
 * already plus mem_bound().  Writes 'R' to @fd when done (or 'E'), then
 * waits for the parent to read the cgroup.
 */
static int attacker(int fd, int back, int how)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned long chunk = chunk_bytes(), vsize = 0;
	struct rlimit rl;
	char c = 'E';
	FILE *f;
	int i;

	f = fopen("/proc/self/statm", "r");
	if (!f || fscanf(f, "%lu", &vsize) != 1)
		goto out;
	fclose(f);
	rl.rlim_cur = rl.rlim_max = vsize * page + mem_bound();
	if (mt_become_nobody() || setrlimit(RLIMIT_AS, &rl))
		goto out;
	for (i = 0; i < ROUNDS; i++) {
		mach_vm_address_t a = 0;
		char *p;

		if (mach_vm_allocate(mach_task_self(), &a, chunk,
				     VM_FLAGS_ANYWHERE) != KERN_SUCCESS)
			goto out;
		p = (char *)(uintptr_t)a;
		memset(p, 0x5a, chunk);
		if (how == 0) {
			if (mach_vm_deallocate(mach_task_self(), a,
					       chunk - page) != KERN_SUCCESS)
				goto out;
		} else if (how == 1) {
			if (munmap(p, chunk - page))
				goto out;
		} else {
			if (mremap(p, chunk, page, 0) != p)
				goto out;
		}
	}
	c = 'R';
out:
	if (write(fd, &c, 1) != 1)
		return 1;
	/* Hold what is left until the parent has looked. */
	if (read(back, &c, 1) < 0)
		return 1;
	return 0;
}

static void retained(struct __test_metadata *_metadata, int how)
{
	struct mt_cgroup cg;
	int up[2], down[2];
	long before, held;
	const char *why;
	char c = 0;
	pid_t pid;

	IPC_REQUIRE();
	if (getuid() != 0)
		SKIP(return, "must be root (makes a memory cgroup, drops to nobody)");
	why = mt_cg_create(&cg, 512L << 20);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	before = mt_cg_read(&cg, "memory.current");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		if (mt_cg_enter(&cg))
			_exit(2);
		_exit(attacker(up[1], down[0], how));
	}
	close(up[1]);
	close(down[0]);
	EXPECT_EQ(1, read(up[0], &c, 1));
	EXPECT_EQ('R', c);
	/* Unmapped objects' files go a moment after the unmap. */
	for (int i = 0; i < 50; i++) {
		held = mt_cg_read(&cg, "memory.current");
		if (held - before < (long)mem_bound())
			break;
		usleep(20000);
	}
	TH_LOG("how %d: the cgroup holds %ld MB after %d x %lu MB touched, "
	       "bound %lu MB", how, (held - before) >> 20, ROUNDS,
	       chunk_bytes() >> 20, mem_bound() >> 20);
	EXPECT_LT(held - before, (long)mem_bound());
	close(down[1]);
	EXPECT_EQ(0, mt_wait_exit(pid));
	close(up[0]);
	mt_cg_destroy(&cg);
}

TEST(retained_after_deallocate)
{
	retained(_metadata, 0);
}

TEST(retained_after_munmap)
{
	retained(_metadata, 1);
}

TEST(retained_after_mremap_shrink)
{
	retained(_metadata, 2);
}

/*
 * What the fix must not do: free pages another vma still maps.  A fork
 * child gets a copy-on-write snapshot of the object; the parent unmaps
 * its copy, touched pages and untouched ones alike, and the child still
 * reads what was written; so does the mapping after an mremap move.
 * (An mremap duplicate, old size 0, is refused: VM_DONTEXPAND.)
 */
TEST(unmap_keeps_pages_mapped_elsewhere)
{
	long page = sysconf(_SC_PAGESIZE);
	mach_vm_address_t a = 0;
	int go[2], st;
	char *p, *q, c;
	pid_t pid;

	IPC_REQUIRE();
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(mach_task_self(), &a, 8 * page,
						 VM_FLAGS_ANYWHERE));
	p = (char *)(uintptr_t)a;
	for (int i = 0; i < 8; i++)
		p[i * page] = 'a' + i;
	/* Moved: the new vma covers the pages before the old one closes. */
	q = mmap(NULL, 8 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, q);
	q = mremap(p, 8 * page, 8 * page, MREMAP_MAYMOVE | MREMAP_FIXED, q);
	ASSERT_NE(MAP_FAILED, q);
	for (int i = 0; i < 8; i++)
		EXPECT_EQ('a' + i, q[i * page]);
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		for (int i = 0; i < 8; i++)
			if (q[i * page] != 'a' + i)
				_exit(1);
		_exit(0);
	}
	close(go[0]);
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(mach_task_self(),
						   (uintptr_t)q, 8 * page));
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(go[1]);
}

TEST_HARNESS_MAIN
