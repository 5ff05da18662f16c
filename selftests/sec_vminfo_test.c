// SPDX-License-Identifier: GPL-2.0
/*
 * Security review of the Mach VM inspection calls (slice 2b), as an
 * unprivileged user (nobody).
 *
 * hugetlb_query_faults_nothing: the resident count of memory that is not
 * Mach VM's asks get_user_pages_remote() with FOLL_NOFAULT | FOLL_FORCE.
 * Before Linux moved hugetlb into the generic gup walk, gup's hugetlb path
 * (follow_hugetlb_page, 6.1) ignored FOLL_NOFAULT and called
 * hugetlb_fault() for every absent huge page.  A mach_vm_region
 * (EXTENDED_INFO) or mach_vm_page_query of a PROT_NONE, MAP_NORESERVE
 * hugetlb mapping then fills it with huge pages from the system's pool:
 * memory the process never touched (and could not: PROT_NONE), taken from
 * a pool other users' reservations do not cover.  Expected: the pool's
 * free count does not move and nothing is reported resident.
 *
 * sparse_region_lets_mmap_lock_go: the count probes the region page by
 * page under the target's mmap_lock (read).  A 16 TiB MAP_NORESERVE
 * region with one page touched (so it has an anon_vma) is 2^32 probes
 * (4K pages): a single call holds the mmap_lock for most of an hour.  Any
 * writer of that mm (mmap, munmap, a page fault needing it) waits, and
 * every reader after the writer too (ps reading /proc/PID/cmdline, ...).
 * Expected: the walk lets the lock go when someone waits for it (as
 * Linux's own smaps_rollup does), so an mmap() in another thread of the
 * process finishes within a second while the query goes on.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <mach/mach_vm.h>
#include <mach/vm_map.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

/* A number from /proc/meminfo (@key with its colon), or -1. */
static long meminfo(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key))) {
			v = strtol(line + strlen(key), NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* Read or write /proc/sys/vm/nr_hugepages (@set < 0: read).  -1 on error. */
static long nr_hugepages(long set)
{
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", set < 0 ? "r" : "w");
	long v = set;

	if (!f)
		return -1;
	if (set < 0 ? fscanf(f, "%ld", &v) != 1 : fprintf(f, "%ld\n", set) < 0)
		v = -1;
	if (fclose(f))
		v = -1;
	return v;
}

/* ---- hugetlb_query_faults_nothing --------------------------------------- */

#define HUGE_N	4

/*
 * The attacker: map HUGE_N huge pages PROT_NONE, ask for the region's
 * extended info and the first page's disposition.  Exit status: 0 when
 * the pool kept its pages and nothing was reported resident, 10 + the
 * pages taken from the pool, 3 when the region said pages were resident,
 * 4 when a touched huge page was not counted as it should, 2 on a setup
 * failure.
 */
static int hugetlb_attacker(long hsize)
{
	struct utsname u;
	int kmajor = 0, kminor = 0;
	vm_region_extended_info_data_t e;
	mach_msg_type_number_t count = VM_REGION_EXTENDED_INFO_COUNT;
	mach_vm_address_t a;
	mach_vm_size_t s = 0;
	integer_t disp = 0, refs = 0;
	long before, after;
	void *p;

	if (uname(&u) || sscanf(u.release, "%d.%d", &kmajor, &kminor) != 2 ||
	    mt_become_nobody())
		return 2;
	p = mmap(NULL, HUGE_N * hsize, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED)
		return 2;
	before = meminfo("HugePages_Free:");
	a = (uintptr_t)p;
	if (mach_vm_region(mach_task_self(), &a, &s, VM_REGION_EXTENDED_INFO,
			   (vm_region_info_t)&e, &count, NULL) != KERN_SUCCESS ||
	    a != (uintptr_t)p)
		return 2;
	if (mach_vm_page_query(mach_task_self(), (uintptr_t)p + hsize, &disp,
			       &refs) != KERN_SUCCESS)
		return 2;
	after = meminfo("HugePages_Free:");
	fprintf(stderr, "# hugetlb: pool free %ld -> %ld, pages_resident %u, "
		"disposition %#x\n", before, after, e.pages_resident, disp);
	if (after != before)
		return 10 + (int)(before - after);
	if (e.pages_resident || (disp & VM_PAGE_QUERY_PAGE_PRESENT))
		return 3;
	/*
	 * A huge page the process touched is counted where gup keeps
	 * FOLL_NOFAULT for hugetlb (6.9 on), and left out before.
	 */
	if (mprotect(p, hsize, PROT_READ | PROT_WRITE))
		return 2;
	*(volatile char *)p = 1;
	a = (uintptr_t)p;
	count = VM_REGION_EXTENDED_INFO_COUNT;
	if (mach_vm_region(mach_task_self(), &a, &s, VM_REGION_EXTENDED_INFO,
			   (vm_region_info_t)&e, &count, NULL) != KERN_SUCCESS)
		return 2;
	fprintf(stderr, "# hugetlb: one huge page touched, pages_resident %u "
		"(kernel %d.%d)\n", e.pages_resident, kmajor, kminor);
	if (e.pages_resident != (kmajor * 100 + kminor >= 609 ?
				 hsize / sysconf(_SC_PAGESIZE) : 0))
		return 4;
	return 0;
}

TEST(hugetlb_query_faults_nothing)
{
	long hsize = meminfo("Hugepagesize:") * 1024, old;
	pid_t pid;
	int st;

	IPC_REQUIRE();
	if (getuid() != 0)
		SKIP(return, "must be root (fills the huge page pool, drops to nobody)");
	if (hsize <= 0)
		SKIP(return, "no hugetlb in this kernel");
	old = nr_hugepages(-1);
	if (old < 0 || nr_hugepages(old + HUGE_N + 2) < 0 ||
	    meminfo("HugePages_Free:") < HUGE_N + 2) {
		if (old >= 0)
			nr_hugepages(old);
		SKIP(return, "no %d free huge pages", HUGE_N + 2);
	}
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(hugetlb_attacker(hsize));
	st = mt_wait_exit(pid);
	nr_hugepages(old);
	if (st >= 10)
		TH_LOG("a region query took %d huge pages from the pool", st - 10);
	ASSERT_NE(2, st);
	EXPECT_EQ(0, st);
}

/* ---- sparse_region_lets_mmap_lock_go ------------------------------------ */

static mach_vm_address_t sparse_at;

/* The query that walks the sparse region (its own thread). */
static void *sparse_query(void *unused)
{
	vm_region_extended_info_data_t e;
	mach_msg_type_number_t count = VM_REGION_EXTENDED_INFO_COUNT;
	mach_vm_address_t a = sparse_at;
	mach_vm_size_t s = 0;

	mach_vm_region(mach_task_self(), &a, &s, VM_REGION_EXTENDED_INFO,
		       (vm_region_info_t)&e, &count, NULL);
	return NULL;
}

/* Result the attacker sends up: how long the mmap() waited. */
struct sparse_result {
	double mmap_wait;	/* seconds */
	int query_running;	/* the query had not ended when mmap returned */
	int setup_failed;
};

/*
 * The attacker: the largest sparse region it can map (16 TiB down to
 * 256 GiB), one page touched; a thread asks for its extended info while
 * this thread, a moment later, maps one page (mt_mmap_during()).  Sends a
 * struct sparse_result to @fd, then waits to be killed.
 */
static void sparse_attacker(int fd)
{
	struct sparse_result r = { .setup_failed = 1 };
	size_t len;
	char *p = MAP_FAILED;
	int running;

	if (mt_become_nobody())
		goto out;
	for (len = 1UL << 44; len >= 1UL << 38 && p == MAP_FAILED; len >>= 1)
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		goto out;
	p[0] = 1;
	sparse_at = (uintptr_t)p;
	running = mt_mmap_during(sparse_query, &r.mmap_wait);
	r.query_running = running == 1;
	r.setup_failed = running < 0;
out:
	if (write(fd, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	for (;;)
		pause();
}

TEST(sparse_region_lets_mmap_lock_go)
{
	struct sparse_result r = { .setup_failed = 1 };
	int got;

	IPC_REQUIRE();
	if (getuid() != 0)
		SKIP(return, "must be root (drops to nobody)");
	/*
	 * Before the fix the mmap() waits for the whole walk: give it 10 s.
	 * The query is killable: SIGKILL ends the walk and the process.
	 */
	got = mt_attacker_result(sparse_attacker, &r, sizeof(r), 10);
	if (!got) {
		TH_LOG("mmap() still waiting for the mmap_lock after 10 s");
		ASSERT_TRUE(got);
	}
	ASSERT_FALSE(r.setup_failed);
	TH_LOG("mmap() waited %.3f s, query still running: %d", r.mmap_wait,
	       r.query_running);
	/* The query must still have been walking, or nothing was shown. */
	EXPECT_TRUE(r.query_running);
	EXPECT_LT(r.mmap_wait, 1.0);
}

TEST_HARNESS_MAIN
