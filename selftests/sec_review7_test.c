// SPDX-License-Identifier: GPL-2.0
/*
 * Review 7: main's merged copy-on-write core, attacked as user nobody.
 *
 * A copy (here a MAP_MEM_VM_COPY entry; a copy mach_vm_map, a copy remap,
 * an out-of-line snapshot take the same path) freezes or marks the pages
 * it shares under the object's cow_lock, then zaps their PTEs once the
 * lock is dropped.  A write fault on a page with no PTE is answered in
 * two steps: .page_mkwrite says "write in place" under cow_lock and
 * returns with the page locked, and the kernel installs the writable PTE
 * afterwards (finish_fault()), under no lock of the module.  A copy that
 * falls between the two finds no PTE to zap, and the PTE installed after
 * it writes into the page the copy now holds: the copy changes after it
 * was made, for as long as nothing else zaps that PTE (the next copy).
 * A snapshot its receiver trusts not to change could be rewritten by the
 * sender after the receiver checked it.
 *
 * The copier itself makes every write fault land on an empty PTE: each
 * copy zaps the writer's PTE, whose next write faults again.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <pthread.h>
#include <sys/wait.h>
#include <time.h>

#include <mach/memory_object_types.h>

#include "kselftest_harness.h"
#include "vm_test.h"

#define SELF	mach_task_self()
#define RW	(VM_PROT_READ | VM_PROT_WRITE)

struct writer {
	volatile unsigned long *word;
	volatile int stop;
};

/* writer_run - store an ever-growing count into one word until told. */
static void *writer_run(void *arg)
{
	struct writer *w = arg;
	unsigned long n = 0;

	while (!w->stop)
		*w->word = ++n;
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * copy_race - as the caller: one thread writes a page of Mach VM memory
 * without pause, this one makes MAP_MEM_VM_COPY entries of it for @rounds
 * rounds (or @secs seconds), maps each read-only, reads it, makes the next
 * copy (whose zap ends any write into the previous one) and reads the
 * previous one again.  Returns 0 when no copy ever changed, 10 when one
 * did, another value on a setup failure.
 */
static int copy_race(int rounds, double secs)
{
	size_t pg = page_size();
	mach_vm_address_t a = 0, m = 0, prev_m = 0;
	mach_port_t e, prev_e = MACH_PORT_NULL;
	unsigned long seen = 0, again;
	struct writer w = { 0 };
	memory_object_size_t size;
	double end = now() + secs;
	pthread_t t;
	int i, ret = 0;

	if (mach_vm_allocate(SELF, &a, pg, VM_FLAGS_ANYWHERE))
		return 20;
	w.word = (volatile unsigned long *)(uintptr_t)a;
	*w.word = 1;
	if (pthread_create(&t, NULL, writer_run, &w))
		return 21;
	for (i = 0; i < rounds && now() < end; i++) {
		size = pg;
		e = MACH_PORT_NULL;
		if (mach_make_memory_entry_64(SELF, &size, a,
					      RW | MAP_MEM_VM_COPY, &e,
					      MACH_PORT_NULL)) {
			ret = 22;
			break;
		}
		m = 0;
		if (mach_vm_map(SELF, &m, pg, 0, VM_FLAGS_ANYWHERE, e, 0,
				FALSE, VM_PROT_READ, VM_PROT_READ,
				VM_INHERIT_DEFAULT)) {
			ret = 23;
			break;
		}
		/* The previous copy was zapped by this one: still the same? */
		if (prev_m) {
			again = *(volatile unsigned long *)(uintptr_t)prev_m;
			if (again != seen) {
				printf("# round %d: a copy read %lu when made, %lu later\n",
				       i, seen, again);
				ret = 10;
			}
			mach_vm_deallocate(SELF, prev_m, pg);
			mach_port_deallocate(SELF, prev_e);
			if (ret)
				break;
		}
		seen = *(volatile unsigned long *)(uintptr_t)m;
		prev_m = m;
		prev_e = e;
	}
	w.stop = 1;
	pthread_join(t, NULL);
	printf("# %d copies\n", i);
	if (prev_m) {
		mach_vm_deallocate(SELF, prev_m, pg);
		mach_port_deallocate(SELF, prev_e);
	}
	mach_vm_deallocate(SELF, a, pg);
	return ret;
}

/*
 * A copy of memory a thread keeps writing never changes once made, as
 * nobody: before, the write fault that .page_mkwrite had let through
 * installed its writable PTE after the copy's zap, and went on writing
 * into the copy's page.
 */
TEST(copy_never_changes_under_a_racing_write_fault)
{
	int rounds = mt_rounds(200000, 5000);
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (mt_become_nobody())
			_exit(30);
		_exit(copy_race(rounds, 20.0));
	}
	EXPECT_EQ(0, mt_wait_exit(pid));
}

TEST_HARNESS_MAIN
