// SPDX-License-Identifier: GPL-2.0
/*
 * Review of the lead's session-8 merge changes.
 *
 * shrinker_count_follows_the_pages: the purgeable shrinker counts pages.
 * Nobody makes purgeable ranges, writes them, makes them VOLATILE, then
 * unmaps all of each but its first page (the unmapped pages leave the
 * object).  What the shrinker's count_objects answers must follow the
 * pages that are left: a count taken when a range went volatile and
 * never changed after let nobody claim any number of pages for almost no
 * memory, so that the first reclaim pass of any pressure empties every
 * user's volatile memory, and reclaim hears of pages freed that never
 * were.  Root reads the count through a kretprobe on the module's
 * purge_count (tracefs) while it runs the shrinkers (drop_caches).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vm_child_test.h"

#define TRACING		"/sys/kernel/tracing"
#define PROBE		"machina_lead8/count"
#define RANGES		32	/* ranges nobody makes */
#define RANGE_PAGES	256	/* pages of each, written before VOLATILE */

/*
 * lie_maker - as nobody: RANGES ranges, each written, VOLATILE, then all
 * but its first page unmapped; checks with TASK_VM_INFO_PURGEABLE that no more
 * than one page of each is left; writes one byte on @fd and waits.
 * Returns (exit status) 0, or the step that failed.
 */
static int lie_maker(int fd)
{
	size_t pg = page_size(), len = RANGE_PAGES * pg;
	mach_msg_type_number_t count = TASK_VM_INFO_COUNT;
	task_vm_info_data_t v;
	mach_vm_address_t a;
	int i, word;

	if (mt_become_nobody())
		return 1;
	for (i = 0; i < RANGES; i++) {
		a = 0;
		if (mach_vm_allocate(SELF, &a, len,
				     VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE))
			return 2;
		memset(P(a), 0x5a, len);
		word = VM_PURGABLE_VOLATILE;
		if (mach_vm_purgable_control(SELF, a, VM_PURGABLE_SET_STATE,
					     &word))
			return 3;
		if (mach_vm_deallocate(SELF, a + pg, len - pg))
			return 4;
	}
	memset(&v, 0, sizeof(v));
	if (task_info(SELF, TASK_VM_INFO_PURGEABLE, (task_info_t)&v, &count))
		return 5;
	if (v.purgeable_volatile_resident > (uint64_t)RANGES * pg)
		return 6;
	if (write(fd, "", 1) != 1)
		return 7;
	pause();
	return 0;
}

/* The largest ret= of the probe's records in the trace, or -1. */
static long long largest_count(void)
{
	FILE *f = fopen(TRACING "/trace", "r");
	long long best = -1, n;
	char line[512], *r;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		r = strstr(line, "ret=");
		if (!r)
			continue;
		n = strtoll(r + 4, NULL, 0);
		if (n > best)
			best = n;
	}
	fclose(f);
	return best;
}

/* Empty the trace buffer: 0 or -1. */
static int trace_clear(void)
{
	int fd = open(TRACING "/trace", O_WRONLY | O_TRUNC);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

TEST(shrinker_count_follows_the_pages)
{
	long long counted;
	int p[2];
	pid_t pid;
	char c;

	IPC_REQUIRE();
	if (geteuid())
		SKIP(return, "needs root for tracefs and drop_caches");
	if (access(TRACING "/kprobe_events", W_OK))
		mount("tracefs", TRACING, "tracefs", 0, NULL);
	if (mt_write_file(TRACING "/kprobe_events",
			  "r:" PROBE " machina:purge_count ret=$retval:s64\n"))
		SKIP(return, "no kretprobe on machina:purge_count");
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(p[0]);
		_exit(lie_maker(p[1]));
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1) {
		mt_write_file(TRACING "/kprobe_events", "-:" PROBE "\n");
		ASSERT_EQ(0, mt_wait_exit(pid));
	}
	ASSERT_EQ(0, trace_clear());
	ASSERT_EQ(0, mt_write_file(TRACING "/events/" PROBE "/enable", "1"));
	ASSERT_EQ(0, mt_write_file("/proc/sys/vm/drop_caches", "2"));
	mt_write_file(TRACING "/events/" PROBE "/enable", "0");
	counted = largest_count();
	kill(pid, SIGKILL);
	mt_wait_exit(pid);
	close(p[0]);
	mt_write_file(TRACING "/kprobe_events", "-:" PROBE "\n");
	TH_LOG("count_objects answered %lld pages (nobody holds %d)",
	       counted, RANGES);
	ASSERT_GE(counted, 0);
	/* Nobody's pages left, and little else: never its unmapped ones. */
	EXPECT_LT(counted, RANGES * RANGE_PAGES / 4);
}

TEST_HARNESS_MAIN
