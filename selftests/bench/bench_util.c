// SPDX-License-Identifier: GPL-2.0
/* Timing, pinning, shared memory, child processes and statistics (bench.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

struct bench_opts bench_opts;
struct bench_summary *bench_summary;

uint64_t bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

int bench_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

int bench_ncpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	return CPU_COUNT(&set);
}

void *bench_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void bench_unshare(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}

/* Shared (not FUTEX_PRIVATE) futexes: the words live in MAP_SHARED memory. */
void bench_futex_wait(uint32_t *word, uint32_t val)
{
	while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == val)
		syscall(SYS_futex, word, FUTEX_WAIT, val, NULL, NULL, 0);
}

void bench_futex_wake(uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE, 0x7fffffff, NULL, NULL, 0);
}

pid_t bench_spawn(int (*fn)(void *), void *arg)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(fn(arg));
	return pid;
}

int bench_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static double rank(const uint64_t *v, size_t n, unsigned int pct)
{
	size_t r = (n * pct + 99) / 100;

	return (double)v[r ? r - 1 : 0];
}

void bench_stats(uint64_t *v, size_t n, struct bench_stats *st)
{
	double sum = 0;
	size_t i;

	memset(st, 0, sizeof(*st));
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0; i < n; i++)
		sum += (double)v[i];
	st->p50 = rank(v, n, 50);
	st->p99 = rank(v, n, 99);
	st->mean = sum / n;
	st->min = (double)v[0];
}

void bench_note(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void bench_section(const char *title)
{
	printf("\n== %s ==\n", title);
	fflush(stdout);
}

bool bench_target(const char *what, double measured, double limit,
		  bool lower_is_better)
{
	bool met = measured > 0 &&
		   (lower_is_better ? measured <= limit : measured >= limit);

	if (measured <= 0) {
		printf("target %s: not measured\n", what);
		fflush(stdout);
		return false;
	}
	printf("target %s: %.3f (want %s %.2f) %s\n", what, measured,
	       lower_is_better ? "<=" : ">=", limit, met ? "met" : "MISSED");
	fflush(stdout);
	if (bench_summary && bench_summary->ntargets < BENCH_MAX_TARGETS) {
		unsigned int i = bench_summary->ntargets++;

		snprintf(bench_summary->t[i].what,
			 sizeof(bench_summary->t[i].what), "%s", what);
		bench_summary->t[i].measured = measured;
		bench_summary->t[i].limit = limit;
		bench_summary->t[i].lower_is_better = lower_is_better;
		bench_summary->t[i].met = met;
	}
	return met;
}
