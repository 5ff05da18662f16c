// SPDX-License-Identifier: GPL-2.0
/*
 * Second review of the copy-on-write depth bound (xnu_vm/vm_object.c,
 * layer_take()), attacked as user nobody inside a memory cgroup the
 * root parent made, whose memory.current is the measure.
 *
 * A copy of a view whose chain is XNU_VM_MAX_DEPTH deep is flat: a new
 * layer holding a reference to the pages the view sees.  It took every
 * page of the whole object, whatever range the copy was for, and nothing
 * ever trimmed the pages past that range from it (its vmas and its
 * entry's pin cover the range only):
 *
 * one_page_copy_keeps_one_page: a one-page mach_vm_map(entry, copy=TRUE)
 * of a deep view kept all of the object's pages alive after the range,
 * the entry and every other copy were gone (the layered copy lets them go
 * when the entry's pin ends).
 *
 * fork_flattens_each_vma_by_its_range: a fork made one flat copy per
 * vma of the view, each of the whole object: a view split into M vmas
 * cost the fork M times the object's xarray and M walks of all its pages
 * (1024 vmas of 32 MiB: 75 MiB and half a minute in the fork).
 *
 * flat_copies_are_charged: a layer's xarray was xa_init() without
 * XA_FLAGS_ACCOUNT, so its nodes, allocated GFP_NOWAIT under the xarray's
 * lock first, were charged to no memory cgroup whatever the gfp passed.
 * A page costs one node at most in its own layer, but flat copies put the
 * same pages into any number of layers: sparse pages (one per node) and
 * many copies made the kernel hold memory without limit that no group
 * paid for.  The measure is MemFree's drop less memory.current's rise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vm_test.h"

#define RW (VM_PROT_READ | VM_PROT_WRITE)
/* More rounds than XNU_VM_MAX_DEPTH (16): the last copies are flat. */
#define DEEP_ROUNDS 20
/*
 * The object: 32 MiB, whatever the page size; 8 MiB on the debug kernels,
 * which only take its locks (writing 32 MiB there is most of the cases' time).
 */
#define OBJ_BYTES ((mt_slow_kernel() ? 8L : 32L) << 20)

/* MemFree of /proc/meminfo in bytes, or -1. */
static long mem_free(void)
{
	char line[128];
	long kib = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib < 0 ? -1 : kib << 10;
}

/*
 * free_is_a_measure - does MemFree's drop tell what an attack made the
 * kernel hold?  Not on the debug kernels: KASAN's quarantine and
 * kmemleak's records of each allocation hold memory no group pays for
 * (the 6.1 debug kernel: 89 MiB beside 800 copies' 67 MiB charged).
 */
static bool free_is_a_measure(void)
{
	return !mt_slow_kernel();
}

/* memory.current of @cg now, in bytes, or -1. */
static long charged(const struct mt_cgroup *cg)
{
	return mt_cg_read(cg, "memory.current");
}

/*
 * deep_object - as the caller: @bytes of new Mach VM memory at *@a, every
 * page written, an entry *@e naming all of it, and DEEP_ROUNDS one-page
 * copies of the entry in @copies, page 0 written with the round before
 * each, so that the range's view reaches XNU_VM_MAX_DEPTH.
 * Returns: 0, or a step number.
 */
static int deep_object(size_t bytes, mach_vm_address_t *a, mach_port_t *e,
		       mach_vm_address_t *copies)
{
	memory_object_size_t size = bytes;
	size_t off;
	int i;

	*a = 0;
	if (mach_vm_allocate(SELF, a, bytes, VM_FLAGS_ANYWHERE))
		return 10;
	for (off = 0; off < bytes; off += page_size())
		((volatile char *)(uintptr_t)*a)[off] = 1;
	*e = MACH_PORT_NULL;
	if (mach_make_memory_entry_64(SELF, &size, *a, RW, e, MACH_PORT_NULL))
		return 11;
	for (i = 0; i < DEEP_ROUNDS; i++) {
		*(volatile int *)(uintptr_t)*a = i;
		copies[i] = 0;
		if (mach_vm_map(SELF, &copies[i], page_size(), 0,
				VM_FLAGS_ANYWHERE, *e, 0, TRUE, RW, RW,
				VM_INHERIT_COPY))
			return 12;
	}
	return 0;
}

/*
 * The retention attack, as nobody in @cg.  Exit: 0 fine; 2..12 a step
 * failed; 20 the last (flat) copy lost its snapshot; 21 the object's
 * pages stayed charged while only that one-page copy was left.
 */
static int retention_attack(const struct mt_cgroup *cg)
{
	mach_vm_address_t a, copies[DEEP_ROUNDS];
	long base, held, after;
	mach_port_t e;
	int i, st;

	if (mt_cg_enter(cg) || mt_become_nobody())
		return 2;
	base = charged(cg);
	if (base < 0)
		return 3;
	st = deep_object(OBJ_BYTES, &a, &e, copies);
	if (st)
		return st;
	if (mach_vm_deallocate(SELF, a, OBJ_BYTES) ||
	    mach_port_deallocate(SELF, e))
		return 4;
	for (i = 0; i < DEEP_ROUNDS - 1; i++)
		if (mach_vm_deallocate(SELF, copies[i], page_size()))
			return 5;
	held = charged(cg) - base;
	if (*(volatile int *)(uintptr_t)copies[DEEP_ROUNDS - 1] !=
	    DEEP_ROUNDS - 1)
		return 20;
	if (mach_vm_deallocate(SELF, copies[DEEP_ROUNDS - 1], page_size()))
		return 6;
	after = charged(cg) - base;
	printf("# one one-page copy left: %ld KiB charged; none: %ld KiB "
	       "(object %ld KiB)\n", held >> 10, after >> 10, OBJ_BYTES >> 10);
	fflush(stdout);
	return held > OBJ_BYTES / 4 ? 21 : 0;
}

/*
 * attack_in_group - the test: @attack(cg) in a child, in a new memory
 * cgroup "@name" (512 MiB), must exit 0; @what says what its failing
 * exit statuses mean.
 */
static void attack_in_group(struct __test_metadata *_metadata,
			    const char *name,
			    int (*attack)(const struct mt_cgroup *),
			    const char *what)
{
	struct mt_cgroup cg;
	const char *why;
	pid_t pid;
	int st;

	IPC_REQUIRE();
	if (geteuid() != 0)
		SKIP(return, "needs root for cgroups and to become nobody");
	why = mt_cg_create_named(&cg, name, 512L << 20);
	if (why)
		SKIP(return, "%s", why);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(attack(&cg));
	st = mt_wait_exit(pid);
	mt_cg_destroy(&cg);
	EXPECT_EQ(0, st) TH_LOG("step %d (%s)", st, what);
}

TEST(one_page_copy_keeps_one_page)
{
	attack_in_group(_metadata, "-keep", retention_attack,
			"21: the flat copy kept the whole object");
}

/*
 * A read-only page every split_stride() pages, two vmas per stride (4K
 * pages: 1024 vmas).  The debug kernels make 64 of their smaller object:
 * they run the fork for its locking (1024 vmas took 106 s on
 * debug-rt-arm64), and only the stock kernels' measure can tell a copy
 * per vma anyway.
 */
static long split_stride(void)
{
	return mt_slow_kernel() ? 64 : 16;
}

/*
 * The fork attack, as nobody in @cg: the deep object split into two vmas
 * per split_stride() pages (one page of each read-only), then a fork; the child waits
 * while the parent reads what the fork charged.  Exit: 0 fine; 2..12 a
 * step failed; 22 the fork used more than a quarter of the object's
 * size; 23 the child saw the parent's later write; 24 what it used was
 * not charged to @cg.
 */
static int fork_attack(const struct mt_cgroup *cg)
{
	mach_vm_address_t a, copies[DEEP_ROUNDS];
	long before, cost, pages, free0, used;
	double t0, secs;
	int go[2], st, i;
	mach_port_t e;
	pid_t pid;
	char c;

	if (mt_cg_enter(cg) || mt_become_nobody())
		return 2;
	st = deep_object(OBJ_BYTES, &a, &e, copies);
	if (st)
		return st;
	pages = OBJ_BYTES / page_size();
	for (i = 0; i < pages; i += split_stride())
		if (mach_vm_protect(SELF, a + i * page_size(), page_size(),
				    FALSE, VM_PROT_READ))
			return 3;
	if (pipe(go))
		return 4;
	before = charged(cg);
	free0 = mem_free();
	t0 = mt_now();
	pid = fork();
	if (pid < 0)
		return 5;
	if (pid == 0) {
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		/* The parent wrote page 1 after the fork. */
		_exit(((volatile char *)(uintptr_t)a)[page_size()] == 1 ? 0 : 23);
	}
	secs = mt_now() - t0;
	cost = charged(cg) - before;
	used = free0 - mem_free();
	((volatile char *)(uintptr_t)a)[page_size()] = 2;
	if (write(go[1], "g", 1) != 1)
		return 6;
	st = mt_wait_exit(pid);
	printf("# fork of %ld vmas of a %ld KiB deep object: %.1f s, %ld KiB "
	       "used, %ld KiB charged\n", pages / split_stride() * 2,
	       OBJ_BYTES >> 10, secs, used >> 10, cost >> 10);
	fflush(stdout);
	if (st)
		return st;
	/*
	 * An xarray of a vma's 8 pages is a few nodes; one of all the
	 * object's per vma was some 9 bytes a page times the vmas (4K pages:
	 * 75 MiB, 16K: 5 MiB).  MemFree is noisy by a few MiB (per-CPU
	 * lists), so its bound is the looser one.
	 */
	if (!free_is_a_measure())
		return cost > OBJ_BYTES / 4 ? 22 : 0;
	if (used > OBJ_BYTES / 4)
		return 22;
	return used - cost > OBJ_BYTES / 8 ? 24 : 0;
}

TEST(fork_flattens_each_vma_by_its_range)
{
	attack_in_group(_metadata, "-fork", fork_attack,
			"22: the fork copied the whole object per vma; "
			"24: uncharged");
}

/* Flat copies made by the sparse attack; a copy is a vma of its own. */
/*
 * Flat copies made: mt_rounds() of 800 (200 on each stock kernel: 30 MiB
 * of copies' nodes, which would show as MemFree's drop past the 8 MiB the
 * test allows if no group paid for them); the debug kernels only run the
 * attack (KASAN and lockdep on the copies' node allocations), 10 copies:
 * each makes a node per sparse page, 256 with 4K pages (40 copies took
 * 26 to 39 s of debug-rt-arm64; docs/testing.md, Timings).
 */
#define SPARSE_COPIES 800
#define SPARSE_COPIES_DEBUG 10

/*
 * The accounting attack, as nobody in @cg: a 64 MiB object with one page
 * touched in each 64 (one xarray node each), made deep, then
 * SPARSE_COPIES flat copies of all of it.  Exit: 0 fine; 2..12 a step
 * failed; 25 the copies' kernel memory was not charged to @cg.
 */
static int sparse_attack(const struct mt_cgroup *cg)
{
	size_t bytes = 64L << 20, off, stride = 64 * page_size();
	mach_vm_address_t a = 0, m;
	memory_object_size_t size = bytes;
	long free0, cur0, used, cost;
	mach_port_t e = MACH_PORT_NULL;
	/* The debug kernels only run it (MemFree is no measure there). */
	int i, copies = free_is_a_measure() ? mt_rounds(SPARSE_COPIES, 200) :
					      SPARSE_COPIES_DEBUG;

	if (mt_cg_enter(cg) || mt_become_nobody())
		return 2;
	if (mach_vm_allocate(SELF, &a, bytes, VM_FLAGS_ANYWHERE))
		return 3;
	for (off = 0; off < bytes; off += stride)
		((volatile char *)(uintptr_t)a)[off] = 1;
	if (mach_make_memory_entry_64(SELF, &size, a, RW, &e, MACH_PORT_NULL))
		return 4;
	/* Deep: a layer a round, page 0 written before each copy. */
	for (i = 0; i < DEEP_ROUNDS; i++) {
		*(volatile int *)(uintptr_t)a = i;
		m = 0;
		if (mach_vm_map(SELF, &m, page_size(), 0, VM_FLAGS_ANYWHERE, e,
				0, TRUE, RW, RW, VM_INHERIT_COPY))
			return 5;
	}
	free0 = mem_free();
	cur0 = charged(cg);
	for (i = 0; i < copies; i++) {
		m = 0;
		if (mach_vm_map(SELF, &m, bytes, 0, VM_FLAGS_ANYWHERE, e, 0,
				TRUE, RW, RW, VM_INHERIT_COPY))
			return 6;
	}
	used = free0 - mem_free();
	cost = charged(cg) - cur0;
	printf("# %d flat copies of %zu sparse pages: %ld KiB used, %ld KiB "
	       "charged\n", copies, bytes / stride, used >> 10,
	       cost >> 10);
	fflush(stdout);
	/* Per-CPU lists and the like: a few MiB either way. */
	if (!free_is_a_measure())
		return 0;
	return used - cost > (8L << 20) ? 25 : 0;
}

TEST(flat_copies_are_charged)
{
	attack_in_group(_metadata, "-sparse", sparse_attack,
			"25: copies' nodes charged to no group");
}

TEST_HARNESS_MAIN
