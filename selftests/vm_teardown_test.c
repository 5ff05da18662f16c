// SPDX-License-Identifier: GPL-2.0
/*
 * The cost of tearing down many mappings of one Mach VM object
 * (docs/plans/xnu_vm.md section 23), counted by the kernel, not timed.
 *
 * Each unmap of a mapping gives back the pages of the object that nothing
 * else maps or names (xnu_vm_object_trim()); the module counts the steps
 * those trims take (vmas, pins and pages looked at) in the sysfs counter
 * vm_trim_steps.  Unmapping N mappings of one object must cost O(N) steps
 * in all (plus the object's pages), not O(N) per unmap:
 *   - N one-page mappings of one memory entry, unmapped from the last
 *     page down (each unmap used to walk every mapping before its own);
 *   - N mappings of a whole resident entry torn down by the exit of their
 *     process while the entry still names the pages (each unmap used to
 *     look at every page the entry keeps).
 * The pages the entry names, and those a remap still maps, must still be
 * there afterwards.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vm_test.h"

#define RW		(VM_PROT_READ | VM_PROT_WRITE)
#define MAPS		2000	/* mappings of one object (the full soak) */
#define ENTRY_PAGES	256	/* pages of the whole-object entry */
/* Steps per mapping (and per page) a linear teardown stays within. */
#define STEPS_PER	16
/*
 * The fewest mappings: the quadratic teardowns these tests were written
 * against cost about N * N / 2 steps (each unmap walking the mappings
 * before its own) and N * ENTRY_PAGES (each unmap looking at every page
 * the entry keeps), 8 times the linear bound at 256 (32768 against
 * STEPS_PER * 256, 65536 against STEPS_PER * 512), more above it.
 */
#define MIN_MAPS	256

/*
 * The mappings to make: mt_rounds() of MAPS (a quarter on each stock
 * kernel, MIN_MAPS on the debug kernels, where 2000 one-page unmaps under
 * lockdep took 30-115 s).  The bound is per mapping, so fewer mappings
 * test the same claim.
 */
static int maps(void)
{
	return mt_rounds(MAPS, MIN_MAPS);
}

/* Map @len bytes of @h at @offset anywhere; 0 on failure. */
static mach_vm_address_t map_entry(mach_port_t h, unsigned long offset,
				   unsigned long len)
{
	mach_vm_address_t a = 0;

	if (mach_vm_map(SELF, &a, len, 0, VM_FLAGS_ANYWHERE, h, offset, FALSE,
			RW, RW, VM_INHERIT_DEFAULT))
		return 0;
	return a;
}

TEST(one_page_mappings_unmapped_from_the_top_cost_linear_steps)
{
	unsigned long pg = getpagesize();
	mach_vm_address_t *addr, whole;
	long before, steps;
	mach_port_t h;
	int i, n = maps(), bad = 0;

	IPC_REQUIRE();
	if (mt_counter("vm_trim_steps") < 0)
		SKIP(return, "no vm_trim_steps counter in sysfs");
	addr = calloc(n, sizeof(*addr));
	ASSERT_NE(NULL, addr);
	h = vm_entry_create(n, RW);
	ASSERT_NE(MACH_PORT_NULL, h);
	for (i = 0; i < n; i++) {
		addr[i] = map_entry(h, i * pg, pg);
		ASSERT_NE(0, addr[i]);
		*(volatile int *)addr[i] = i + 1;
	}
	before = mt_counter("vm_trim_steps");
	for (i = n - 1; i >= 0; i--)
		ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, addr[i], pg));
	steps = mt_counter("vm_trim_steps") - before;
	TH_LOG("%d unmaps: %ld trim steps", n, steps);
	EXPECT_GE(STEPS_PER * n, steps);
	/* The entry still names every page, with what was written. */
	whole = map_entry(h, 0, n * pg);
	ASSERT_NE(0, whole);
	for (i = 0; i < n; i++)
		bad += *(volatile int *)(whole + i * pg) != i + 1;
	EXPECT_EQ(0, bad);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, whole, n * pg));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, h));
	free(addr);
}

/*
 * The child: ENTRY_PAGES resident pages of one entry, mapped maps() times;
 * then it exits with the entry alive (its port space goes after its mm).
 * Exits 0 once all are mapped, 2 on a setup failure.
 */
static void many_mappings_then_exit(void)
{
	unsigned long len = ENTRY_PAGES * getpagesize();
	mach_vm_address_t a;
	mach_port_t h;
	int i;

	h = vm_entry_create(ENTRY_PAGES, RW);
	if (h == MACH_PORT_NULL)
		_exit(2);
	a = map_entry(h, 0, len);
	if (!a)
		_exit(2);
	memset((void *)a, 0x5a, len);
	for (i = 1; i < maps(); i++)
		if (!map_entry(h, 0, len))
			_exit(2);
	_exit(0);
}

/*
 * The trim steps @child's process takes from its fork to its exit (it
 * exits 0 once set up); -1 when it failed.
 */
static long child_exit_steps(void (*child)(void))
{
	long before = mt_stable_counter("vm_trim_steps");
	int status = 0;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		child();
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return mt_stable_counter("vm_trim_steps") - before;
}

TEST(whole_entry_mappings_exit_costs_linear_steps)
{
	long steps;

	IPC_REQUIRE();
	if (mt_counter("vm_trim_steps") < 0)
		SKIP(return, "no vm_trim_steps counter in sysfs");
	steps = child_exit_steps(many_mappings_then_exit);
	ASSERT_LE(0, steps);
	TH_LOG("exit of %d mappings of %d resident pages: %ld trim steps",
	       maps(), ENTRY_PAGES, steps);
	EXPECT_GE(STEPS_PER * (maps() + ENTRY_PAGES), steps);
}

/*
 * Pins cut into runs: one entry per other page of a resident allocation
 * (PIN_ENTRIES entries, close to max_entries_per_object), the allocation
 * remapped PIN_MAPS times, then the process exits with all alive.  Each
 * close's trim passes over every pinned run; it must not look at every
 * pin for each run (runs x pins steps per vma: 511 x 511 here, so an exit
 * of 60000 such mappings cost 1.6e10 steps), only at each pin once.
 * The attacker is nobody; exits 0 once set up, 2 on a setup failure.
 */
#define PIN_ENTRIES	500
#define PIN_PAGES	(2 * PIN_ENTRIES)
#define PIN_MAPS	200

static void pinned_runs_then_exit(void)
{
	unsigned long pg = getpagesize();
	memory_object_size_t size;
	mach_vm_address_t a, r;
	vm_prot_t cur, max;
	mach_port_t h;
	int i;

	if (mt_become_nobody())
		_exit(2);
	if (mach_vm_allocate(SELF, &a, PIN_PAGES * pg, VM_FLAGS_ANYWHERE))
		_exit(2);
	memset((void *)a, 0x6b, PIN_PAGES * pg);
	for (i = 0; i < PIN_ENTRIES; i++) {
		size = pg;
		if (mach_make_memory_entry_64(SELF, &size, a + 2 * i * pg, RW,
					      &h, MACH_PORT_NULL))
			_exit(2);
	}
	for (i = 0; i < PIN_MAPS; i++) {
		r = 0;
		if (mach_vm_remap(SELF, &r, PIN_PAGES * pg, 0,
				  VM_FLAGS_ANYWHERE, SELF, a, FALSE, &cur, &max,
				  VM_INHERIT_DEFAULT))
			_exit(2);
	}
	_exit(0);
}

TEST(exit_past_pinned_runs_looks_at_each_pin_once_per_trim)
{
	long steps;

	IPC_REQUIRE();
	if (mt_counter("vm_trim_steps") < 0)
		SKIP(return, "no vm_trim_steps counter in sysfs");
	steps = child_exit_steps(pinned_runs_then_exit);
	ASSERT_LE(0, steps);
	TH_LOG("exit of %d mappings past %d pinned runs: %ld trim steps",
	       PIN_MAPS + 1, PIN_ENTRIES, steps);
	/* Pins plus runs per vma, and the pages: not runs x pins. */
	EXPECT_GE(STEPS_PER * ((PIN_MAPS + 1) * (PIN_ENTRIES + 16) +
			       PIN_PAGES), steps);
}

/*
 * Can a test zap its PTEs (madvise(MADV_DONTNEED)) so a page comes from
 * the object again?  The debug-x86_64 kernel has no madvise (ENOSYS).
 */
static int can_zap(void)
{
	void *p = map_pages(getpagesize());
	int ok;

	if (!p)
		return 0;
	ok = !madvise(p, getpagesize(), MADV_DONTNEED) || errno != ENOSYS;
	munmap(p, getpagesize());
	return ok;
}

#define SCATTER_PAGES	64

/*
 * The walk passes over what vmas map and frees only what none does: shared
 * remaps of single pages (every third) and of pages 40..50 keep those
 * pages when the allocation they came from goes, page contents and all
 * (each PTE zapped first, so the page comes from the object again).
 */
TEST(pages_a_remap_still_maps_survive_the_original_going)
{
	unsigned long pg = getpagesize();
	mach_vm_address_t a, r[SCATTER_PAGES] = { 0 }, big = 0;
	vm_prot_t cur, max;
	long before, steps;
	int i;

	IPC_REQUIRE();
	if (mt_counter("vm_trim_steps") < 0)
		SKIP(return, "no vm_trim_steps counter in sysfs");
	if (!can_zap())
		SKIP(return, "no madvise() on this kernel");
	a = alloc_pattern(SCATTER_PAGES * pg, 7);
	ASSERT_NE(0, a);
	for (i = 0; i < SCATTER_PAGES; i += 3)
		ASSERT_EQ(KERN_SUCCESS,
			  mach_vm_remap(SELF, &r[i], pg, 0, VM_FLAGS_ANYWHERE,
					SELF, a + i * pg, FALSE, &cur, &max,
					VM_INHERIT_DEFAULT));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_remap(SELF, &big, 11 * pg, 0, VM_FLAGS_ANYWHERE,
				SELF, a + 40 * pg, FALSE, &cur, &max,
				VM_INHERIT_DEFAULT));
	before = mt_counter("vm_trim_steps");
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_deallocate(SELF, a, SCATTER_PAGES * pg));
	steps = mt_counter("vm_trim_steps") - before;
	TH_LOG("deallocate under %d remaps: %ld trim steps",
	       SCATTER_PAGES / 3 + 2, steps);
	EXPECT_GE(STEPS_PER * SCATTER_PAGES, steps);
	for (i = 0; i < SCATTER_PAGES; i += 3) {
		ASSERT_EQ(0, madvise((void *)r[i], pg, MADV_DONTNEED));
		EXPECT_TRUE(check_pages((void *)r[i], pg, 7)) TH_LOG("page %d", i);
		mach_vm_deallocate(SELF, r[i], pg);
	}
	ASSERT_EQ(0, madvise((void *)big, 11 * pg, MADV_DONTNEED));
	EXPECT_TRUE(check_pages((void *)big, 11 * pg, 7));
	mach_vm_deallocate(SELF, big, 11 * pg);
}

/*
 * The interval walk must never free a page some vma still maps.  One
 * object of OBJ_PAGES pages (each its own pattern) is shared by many
 * remaps of random ranges (some inherited SHARE, some copies, some
 * through a memory entry whose port then goes), and random steps change
 * them: partial deallocates, mprotect splits and their undoing (merges on
 * 6.12), mremap moves of whole mappings and of a middle part, new remaps
 * of remaps, forks whose child tears down half and exits.  After every
 * step each mapping's PTEs are zapped and every page it still maps must
 * read its own pattern from the object again (a freed one reads zeroes).
 * Run as nobody, in a child, so a failure reports the step; every kind of
 * step must have run.
 */
#define OBJ_PAGES	96
#define MAX_RECS	300
#define STEPS		400

struct rec {
	unsigned long addr, pg0, n;
};

static struct rec recs[MAX_RECS];
static int nrecs;
static unsigned int rnd_state;

static unsigned int rnd(unsigned int n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

static void rec_add(unsigned long addr, unsigned long pg0, unsigned long n)
{
	if (n && nrecs < MAX_RECS)
		recs[nrecs++] = (struct rec){ addr, pg0, n };
}

static void rec_del(int i)
{
	recs[i] = recs[--nrecs];
}

/* Pages of every mapping that do not read back; the first one in *@which. */
static int verify_all(int *which)
{
	unsigned long pg = getpagesize(), j;
	int i, bad = 0;

	for (i = 0; i < nrecs; i++) {
		if (madvise((void *)recs[i].addr, recs[i].n * pg,
			    MADV_DONTNEED)) {
			fprintf(stderr, "madvise(%#lx, %lu pages): %s\n",
				recs[i].addr, recs[i].n, strerror(errno));
			return -1;
		}
		for (j = 0; j < recs[i].n; j++)
			if (!check_pattern((void *)(recs[i].addr + j * pg), pg,
					   1000 + recs[i].pg0 + j)) {
				if (!bad)
					*which = i;
				bad++;
			}
	}
	return bad;
}

/* Returns 0, or the failed step (+1000 for a setup failure). */
static int remap_step(int i, unsigned long s, unsigned long k)
{
	unsigned long pg = getpagesize();
	mach_vm_address_t na = 0;
	vm_prot_t cur, max;
	boolean_t copy = rnd(4) == 0;
	mach_port_t h = MACH_PORT_NULL;
	memory_object_size_t size = k * pg;

	if (rnd(5) == 0) {
		if (mach_make_memory_entry_64(SELF, &size, recs[i].addr + s * pg,
					      VM_PROT_READ, &h, MACH_PORT_NULL) ||
		    mach_vm_map(SELF, &na, k * pg, 0, VM_FLAGS_ANYWHERE, h, 0,
				FALSE, VM_PROT_READ, VM_PROT_READ,
				VM_INHERIT_DEFAULT)) {
			if (h != MACH_PORT_NULL)
				mach_port_deallocate(SELF, h);
			return -1;
		}
		mach_port_deallocate(SELF, h);
	} else if (mach_vm_remap(SELF, &na, k * pg, 0, VM_FLAGS_ANYWHERE, SELF,
				 recs[i].addr + s * pg, copy, &cur, &max,
				 VM_INHERIT_DEFAULT)) {
		return -1;
	}
	if (rnd(2) && mach_vm_inherit(SELF, na, k * pg, VM_INHERIT_SHARE))
		return -1;
	rec_add(na, recs[i].pg0 + s, k);
	return 0;
}

static int child_teardown(void)
{
	unsigned long pg = getpagesize();
	int which, i;

	if (verify_all(&which))
		return 1;
	for (i = nrecs - 1; i >= 0; i--) {
		if (rnd(2))
			continue;
		if (mach_vm_deallocate(SELF, recs[i].addr, recs[i].n * pg))
			return 2;
		rec_del(i);
	}
	return verify_all(&which) ? 3 : 0;
}

static int walk_steps(unsigned int seed)
{
	unsigned long pg = getpagesize(), s, k, j;
	mach_vm_address_t a;
	int step, i, which = -1, bad, st, done[8] = { 0 };
	void *res;
	pid_t pid;

	rnd_state = seed;
	nrecs = 0;
	if (mach_vm_allocate(SELF, &a, OBJ_PAGES * pg, VM_FLAGS_ANYWHERE))
		return 1000;
	for (j = 0; j < OBJ_PAGES; j++)
		fill_pattern((void *)(a + j * pg), pg, 1000 + j);
	rec_add(a, 0, OBJ_PAGES);
	for (step = 1; step <= STEPS && nrecs; step++) {
		i = rnd(nrecs);
		s = rnd(recs[i].n);
		k = 1 + rnd(recs[i].n - s);
		switch (rnd(nrecs < 40 ? 3 : 8)) {
		case 0: case 1: case 2:	/* a new remap of part of one */
			/* Over split vmas a remap may be refused: no step. */
			done[0] += !remap_step(i, s, k);
			break;
		case 3: case 4:		/* deallocate part of one */
			if (mach_vm_deallocate(SELF, recs[i].addr + s * pg,
					       k * pg)) {
				fprintf(stderr, "deallocate refused\n");
				return 1000 + step;
			}
			rec_add(recs[i].addr + (s + k) * pg, recs[i].pg0 + s + k,
				recs[i].n - s - k);
			recs[i].n = s;
			if (!s)
				rec_del(i);
			done[3]++;
			break;
		case 5:			/* split by mprotect, maybe undone */
			if (mprotect((void *)(recs[i].addr + s * pg), k * pg,
				     PROT_READ))
				return 1000 + step;
			/* Refused where the maximum is read-only (entries). */
			if (rnd(2))
				mprotect((void *)(recs[i].addr + s * pg), k * pg,
					 PROT_READ | PROT_WRITE);
			done[5]++;
			break;
		case 6:			/* move a part (or all) elsewhere */
			res = mmap(NULL, k * pg, PROT_NONE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (res == MAP_FAILED) {
				fprintf(stderr, "mmap refused\n");
				return 1000 + step;
			}
			/* A range over vmas of two protections cannot move. */
			if (mremap((void *)(recs[i].addr + s * pg), k * pg,
				   k * pg, MREMAP_MAYMOVE | MREMAP_FIXED,
				   res) != res) {
				munmap(res, k * pg);
				break;
			}
			rec_add((unsigned long)res, recs[i].pg0 + s, k);
			rec_add(recs[i].addr + (s + k) * pg,
				recs[i].pg0 + s + k, recs[i].n - s - k);
			recs[i].n = s;
			if (!s)
				rec_del(i);
			done[6]++;
			break;
		case 7:			/* a fork that tears down and exits */
			pid = fork();
			if (pid < 0) {
				fprintf(stderr, "fork refused\n");
				return 1000 + step;
			}
			if (pid == 0)
				_exit(child_teardown());
			if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
			    WEXITSTATUS(st)) {
				fprintf(stderr, "child status %#x\n", st);
				return 2000 + step;
			}
			done[7]++;
			break;
		}
		bad = verify_all(&which);
		if (bad) {
			fprintf(stderr, "seed %u step %d: %d bad pages (mapping %d: pages %lu+%lu)\n",
				seed, step, bad, which, which >= 0 ? recs[which].pg0 : 0,
				which >= 0 ? recs[which].n : 0);
			return step;
		}
	}
	for (i = 0; i < nrecs; i++)
		mach_vm_deallocate(SELF, recs[i].addr, recs[i].n * pg);
	/* Every kind of step ran, or the walk proved little. */
	if (!done[0] || !done[3] || !done[5] || !done[6] || !done[7]) {
		fprintf(stderr, "seed %u: steps made %d %d %d %d %d\n", seed,
			done[0], done[3], done[5], done[6], done[7]);
		return 3000;
	}
	return 0;
}

TEST(random_remaps_splits_moves_and_forks_keep_every_mapped_page)
{
	/*
	 * mt_rounds() of 4 seeds: one on each bench kernel (a walk takes
	 * 8-30 s on arm64 under TCG, twice that with 16K pages), seed 1 or
	 * 2 as mt_rounds_part() says, so that the bench's kernels together
	 * still run both (each arch: both); all four outside the bench.
	 */
	unsigned int first = 1 + mt_rounds_part(2);
	unsigned int seed, seeds = mt_rounds(4, 1);
	int st = 0;
	pid_t pid;

	IPC_REQUIRE();
	if (!can_zap())
		SKIP(return, "no madvise() on this kernel");
	for (seed = first; seed < first + seeds; seed++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			if (mt_become_nobody())
				_exit(255);
			st = walk_steps(seed);
			if (st)
				fprintf(stderr, "seed %u: failed at %d\n", seed, st);
			_exit(st ? 1 : 0);
		}
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		ASSERT_TRUE(WIFEXITED(st));
		EXPECT_EQ(0, WEXITSTATUS(st)) TH_LOG("seed %u", seed);
	}
}

TEST_HARNESS_MAIN
