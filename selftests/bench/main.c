// SPDX-License-Identifier: GPL-2.0
/*
 * machina-bench: Machina's benchmarks in one static program, so that one VM
 * boot runs them all (selftests/bench/run.sh, `make bench`).
 *
 *   machina-bench [options] [rtt] [path] [names] [fanin] [ool] [oolx] [vmread]
 *                                                           (no name: all)
 *
 * Each benchmark runs in its own child process, prints its numbers, the
 * ratios against the baselines it measured, and "target ...: met|MISSED"
 * lines for the targets of the issue; the summary at the end repeats the
 * target lines.  The exit status says whether the benchmarks ran (0), could
 * not run at all (4, e.g. no module), or one of them failed (1) -- never
 * whether a target was met: benchmarks are not tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

static const struct {
	const char *name;
	int (*fn)(void);
} benchmarks[] = {
	{ "rtt", bench_rtt },
	{ "path", bench_path },
	{ "names", bench_names },
	{ "fanin", bench_fanin },
	{ "ool", bench_ool },
	{ "oolx", bench_ool_crossover },
	{ "vmread", bench_vmread },
};
#define NBENCH (sizeof(benchmarks) / sizeof(benchmarks[0]))

static void usage(void)
{
	fprintf(stderr,
		"usage: machina-bench [-n iters] [-w warmup] [-N names] [-b batches]\n"
		"                     [-B batch] [-m fanin_msgs] [-q]\n"
		"                     [rtt|path|names|fanin|ool|oolx|vmread]...\n"
		"  -n  timed round trips per size and transport (default %u)\n"
		"  -w  warm-up round trips before them (default %u)\n"
		"  -N  names in the large IPC space (default %u)\n"
		"  -b  timed batches per name operation (default %u)\n"
		"  -B  operations per batch (default %u)\n"
		"  -m  messages per fan-in run (default %u)\n"
		"  -q  quick smoke run: tiny counts, meaningless numbers\n",
		bench_opts.iters, bench_opts.warmup, bench_opts.names,
		bench_opts.batches, bench_opts.batch, bench_opts.fanin_msgs);
	exit(2);
}

static unsigned int number(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || v == 0 || v > 100000000)
		usage();
	return v;
}

static int run_one(void *arg)
{
	int (*fn)(void) = (int (*)(void))arg;

	return fn();
}

int main(int argc, char **argv)
{
	bool selected[NBENCH] = { false }, any = false;
	unsigned int ran = 0, failed = 0, i, met = 0;
	struct utsname u;
	int opt, status;
	size_t b;

	bench_opts = (struct bench_opts){
		.iters = 2000,
		.warmup = 200,
		.names = 1000000,
		.batches = 200,
		.batch = 100,
		.fanin_msgs = 20000,
	};
	while ((opt = getopt(argc, argv, "n:w:N:b:B:m:qh")) != -1) {
		switch (opt) {
		case 'n':
			bench_opts.iters = number(optarg);
			break;
		case 'w':
			bench_opts.warmup = number(optarg);
			break;
		case 'N':
			bench_opts.names = number(optarg);
			break;
		case 'b':
			bench_opts.batches = number(optarg);
			break;
		case 'B':
			bench_opts.batch = number(optarg);
			break;
		case 'm':
			bench_opts.fanin_msgs = number(optarg);
			break;
		case 'q':
			bench_opts = (struct bench_opts){
				.iters = 50,
				.warmup = 5,
				.names = 20000,
				.batches = 10,
				.batch = 20,
				.fanin_msgs = 800,
				.quick = true,
			};
			break;
		default:
			usage();
		}
	}
	for (; optind < argc; optind++) {
		for (b = 0; b < NBENCH; b++)
			if (!strcmp(argv[optind], benchmarks[b].name))
				break;
		if (b == NBENCH)
			usage();
		selected[b] = any = true;
	}

	bench_summary = bench_shared(sizeof(*bench_summary));
	if (!bench_summary)
		return 1;
	uname(&u);
	printf("machina-bench: %s %s %s, %d CPU(s), page size %ld%s\n",
	       u.sysname, u.release, u.machine, bench_ncpus(),
	       sysconf(_SC_PAGESIZE),
	       bench_opts.quick ? " (quick run: numbers are meaningless)" : "");
	printf("# times are CLOCK_MONOTONIC; under QEMU -icount shift=0 one ns is one guest instruction\n");

	for (b = 0; b < NBENCH; b++) {
		uint64_t t0 = bench_now();
		pid_t pid;

		if (any && !selected[b])
			continue;
		pid = bench_spawn(run_one, (void *)benchmarks[b].fn);
		status = pid < 0 ? -1 : bench_wait(pid);
		bench_note("%s: exit status %d, %.1f s (guest clock)",
			   benchmarks[b].name, status,
			   (bench_now() - t0) / 1e9);
		if (status == 0)
			ran++;
		else if (status != BENCH_SKIPPED)
			failed++;
	}

	bench_section("summary");
	for (i = 0; i < bench_summary->ntargets; i++) {
		printf("target %s: %.3f (want %s %.2f) %s\n",
		       bench_summary->t[i].what, bench_summary->t[i].measured,
		       bench_summary->t[i].lower_is_better ? "<=" : ">=",
		       bench_summary->t[i].limit,
		       bench_summary->t[i].met ? "met" : "MISSED");
		met += bench_summary->t[i].met;
	}
	printf("targets: %u of %u met; benchmarks: %u ran, %u failed\n", met,
	       bench_summary->ntargets, ran, failed);
	if (failed)
		return 1;
	return ran ? 0 : BENCH_SKIPPED;
}
