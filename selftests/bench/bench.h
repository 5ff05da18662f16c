/* SPDX-License-Identifier: GPL-2.0 */
/*
 * machina-bench: what the benchmarks share (bench_util.c).
 *
 * The numbers are meant to be read under QEMU's icount mode, where the guest
 * clock advances by executed instructions: a "virtual nanosecond" is one
 * guest instruction.  Every benchmark therefore measures its baselines in
 * the same process tree and the same boot, and prints ratios next to the
 * raw numbers; see docs/benchmarks.md.
 */
#ifndef _MACHINA_BENCH_H
#define _MACHINA_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Knobs given on the command line (main.c); every benchmark reads them. */
struct bench_opts {
	unsigned int iters; /* timed round trips per size and transport */
	unsigned int warmup; /* untimed round trips before them */
	unsigned int names; /* names in the "large" space */
	unsigned int batches; /* timed batches per name operation */
	unsigned int batch; /* operations per batch */
	unsigned int fanin_msgs; /* messages per fan-in run, all senders */
	bool quick; /* smoke run: small counts, numbers meaningless */
};

extern struct bench_opts bench_opts;

/* Monotonic nanoseconds (virtual under icount). */
uint64_t bench_now(void);

/* Pin the calling thread to one CPU; returns 0 or -errno. */
int bench_pin(int cpu);
int bench_ncpus(void);

/* Zeroed MAP_SHARED|MAP_ANONYMOUS memory that survives fork, or NULL. */
void *bench_shared(size_t size);
void bench_unshare(void *p, size_t size);

/* A process-shared futex word: wait while *word == val, wake all. */
void bench_futex_wait(uint32_t *word, uint32_t val);
void bench_futex_wake(uint32_t *word);

/*
 * Fork a child that runs fn(arg) and _exit()s with its return value.
 * Returns the pid, or -1.
 */
pid_t bench_spawn(int (*fn)(void *), void *arg);
/* Wait for a child; returns its exit status, or 128+signal, or -1. */
int bench_wait(pid_t pid);

/* Sample statistics: sorts the array in place. */
struct bench_stats {
	double p50, p99, mean, min; /* in the samples' unit */
};
void bench_stats(uint64_t *v, size_t n, struct bench_stats *st);

/* Output: one line per fact, "# " comments for context. */
void bench_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bench_section(const char *title);

/*
 * A target verdict line: "target <what>: <measured> (want <op> <limit>) met|MISSED".
 * lower_is_better picks the comparison.  Returns true if met.
 */
bool bench_target(const char *what, double measured, double limit,
		  bool lower_is_better);

/* Divide, or 0 when the divisor is 0 (a missing baseline). */
static inline double bench_ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

/* The benchmarks: each returns 0, BENCH_SKIPPED (no module), or 1 (failed). */
#define BENCH_SKIPPED 4
int bench_rtt(void);
int bench_path(void);
int bench_names(void);
int bench_fanin(void);
int bench_ool(void);
int bench_ool_crossover(void);
int bench_vmread(void);

/*
 * Results a benchmark leaves for the final summary (main.c); 0 = not
 * measured.  Filled in the process that runs the benchmark, so main.c runs
 * each benchmark in a child and passes this block through shared memory.
 */
#define BENCH_MAX_TARGETS 32
struct bench_summary {
	unsigned int ntargets;
	struct {
		char what[80];
		double measured, limit;
		bool lower_is_better, met;
	} t[BENCH_MAX_TARGETS];
};
extern struct bench_summary *bench_summary;

#endif /* _MACHINA_BENCH_H */
