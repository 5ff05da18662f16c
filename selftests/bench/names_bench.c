// SPDX-License-Identifier: GPL-2.0
/*
 * Name operations with a small and a large IPC space: a worker process
 * measures, with 10 receive rights in its space and then with 1,000,000
 * (--names), the cost of
 *  - getppid(): the system call floor;
 *  - a null /dev/mach ioctl (the handshake, which touches no task state):
 *    the module's dispatch floor;
 *  - mach_port_type on a name: a lookup (the names are drawn pseudo-randomly
 *    from the whole space);
 *  - mach_port_allocate(RECEIVE) + mach_port_mod_refs(RECEIVE, -1): one name
 *    and one port made and destroyed.
 * Each operation runs in batches; the per-operation cost of a batch is one
 * sample, and p50/p99 are taken over the batches.  O(1) names mean that the
 * large-space cost stays within 1.2x of the small-space cost.  Filling the
 * space is timed by slices of 10 %, and the space's teardown after the
 * worker exits (on the module's workqueue) from the parent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "mach_raw.h"

#define MACHINA_SYSFS "/sys/class/misc/mach/"
#define PARAM_MAX_NAMES "/sys/module/machina/parameters/max_names"
#define SMALL_SPACE 10
#define LOOKUPS 4096 /* names cycled through by the lookup loop */

enum op { OP_SYSCALL, OP_NULL_IOCTL, OP_TYPE, OP_ALLOC_DESTROY, NOPS };

static const char *const op_names[NOPS] = {
	[OP_SYSCALL] = "getppid() (syscall floor)",
	[OP_NULL_IOCTL] = "null ioctl (dispatch floor)",
	[OP_TYPE] = "mach_port_type",
	[OP_ALLOC_DESTROY] = "allocate+destroy receive",
};

struct names_shared {
	int ok;
	unsigned int small, large; /* names the two phases had */
	double fill_slice_us[10]; /* per-allocation cost by 10 % slice */
	double fill_total_s;
	struct bench_stats st[2][NOPS]; /* [phase][op], ns per operation */
};

struct worker {
	mach_port_name_t self;
	mach_port_name_t *names; /* every receive right allocated */
	unsigned int nnames;
	mach_port_name_t lookup[LOOKUPS];
	uint64_t *samples;
};

static long read_long(const char *path)
{
	char buf[32];
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fgets(buf, sizeof(buf), f))
			v = strtol(buf, NULL, 10);
		fclose(f);
	}
	return v;
}

/* One operation; returns the Mach status (0) or why it failed. */
static int do_op(struct worker *w, enum op op, unsigned int i)
{
	mach_port_name_t name;
	uint32_t type;
	int kr;

	switch (op) {
	case OP_SYSCALL:
		return getppid() > 0 ? 0 : -1;
	case OP_NULL_IOCTL:
		return mr_null();
	case OP_TYPE:
		kr = mr_type(w->self, w->lookup[i % LOOKUPS], &type);
		return kr ? kr : !(type & MACH_PORT_TYPE_RECEIVE);
	case OP_ALLOC_DESTROY:
		kr = mr_allocate(w->self, MACH_PORT_RIGHT_RECEIVE, &name);
		return kr ? kr :
			    mr_mod_refs(w->self, name, MACH_PORT_RIGHT_RECEIVE,
					-1);
	default:
		return -1;
	}
}

static int measure(struct worker *w, enum op op, struct bench_stats *st)
{
	unsigned int b, i, n = bench_opts.batch;

	/* Warm-up: one batch's worth, untimed. */
	for (i = 0; i < n; i++)
		if (do_op(w, op, i))
			return -1;
	for (b = 0; b < bench_opts.batches; b++) {
		uint64_t t0 = bench_now();

		for (i = 0; i < n; i++) {
			if (do_op(w, op, b * n + i)) {
				bench_note("%s failed", op_names[op]);
				return -1;
			}
		}
		w->samples[b] = (bench_now() - t0) / n;
	}
	bench_stats(w->samples, bench_opts.batches, st);
	return 0;
}

/* Fill the space up to @target receive rights; times it by slices of 10 %. */
static int fill(struct worker *w, unsigned int target, struct names_shared *sh)
{
	unsigned int start = w->nnames, slice = (target - start) / 10, s;
	uint64_t t_all = bench_now(), t0 = t_all;
	int kr;

	while (w->nnames < target) {
		kr = mr_allocate(w->self, MACH_PORT_RIGHT_RECEIVE,
				 &w->names[w->nnames]);
		if (kr) {
			bench_note(
				"allocation %u failed: 0x%x; measuring with %u names",
				w->nnames + 1, kr, w->nnames);
			break;
		}
		w->nnames++;
		if (sh && slice && (w->nnames - start) % slice == 0) {
			s = (w->nnames - start) / slice - 1;
			if (s < 10)
				sh->fill_slice_us[s] =
					(bench_now() - t0) / 1e3 / slice;
			t0 = bench_now();
		}
	}
	if (sh)
		sh->fill_total_s = (bench_now() - t_all) / 1e9;
	return w->nnames ? 0 : -1;
}

/* Lookup targets: pseudo-random (fixed seed) over every name we hold. */
static void pick_lookups(struct worker *w)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned int i;

	for (i = 0; i < LOOKUPS; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		w->lookup[i] = w->names[(x >> 33) % w->nnames];
	}
}

static int phase(struct worker *w, struct bench_stats st[NOPS])
{
	enum op op;

	/*
	 * Let deferred work of the fill (the reverse map's rhashtable resize,
	 * RCU, vmstat) finish first: under icount the guest clock counts the
	 * instructions of every CPU, so work running next to the measurement
	 * would be counted in it.
	 */
	usleep(200000);
	pick_lookups(w);
	for (op = 0; op < NOPS; op++)
		if (measure(w, op, &st[op]))
			return -1;
	return 0;
}

static int worker_main(void *arg)
{
	struct names_shared *sh = arg;
	struct worker w = { 0 };
	unsigned int large = bench_opts.names;

	if (bench_pin(0) || mr_task_self(&w.self))
		return 1;
	w.names = malloc((size_t)(large > SMALL_SPACE ? large : SMALL_SPACE) *
			 sizeof(*w.names));
	w.samples = calloc(bench_opts.batches, sizeof(*w.samples));
	if (!w.names || !w.samples)
		return 1;

	if (fill(&w, SMALL_SPACE, NULL) || phase(&w, sh->st[0]))
		return 1;
	sh->small = w.nnames;
	if (fill(&w, large, sh) || phase(&w, sh->st[1]))
		return 1;
	sh->large = w.nnames;
	sh->ok = 1;
	/* Exit with every right in place: the parent times the teardown. */
	return 0;
}

int bench_names(void)
{
	struct names_shared *sh;
	long max_names, tasks0, tasks;
	const char *why = mr_open();
	uint64_t t0;
	char what[80];
	enum op op;
	pid_t pid;
	int i;

	bench_section("name operations (names)");
	if (why) {
		bench_note("skipped: %s", why);
		return BENCH_SKIPPED;
	}
	max_names = read_long(PARAM_MAX_NAMES);
	bench_note("%u batches x %u operations per measurement; max_names=%ld",
		   bench_opts.batches, bench_opts.batch, max_names);
	if (max_names > 0 && bench_opts.names + 64 > (unsigned long)max_names) {
		bench_opts.names = max_names - 64;
		bench_note(
			"max_names is too small: the large space gets %u names",
			bench_opts.names);
	}
	sh = bench_shared(sizeof(*sh));
	if (!sh)
		return 1;

	tasks0 = read_long(MACHINA_SYSFS "live_tasks");
	pid = bench_spawn(worker_main, sh);
	if (pid < 0 || bench_wait(pid) || !sh->ok) {
		bench_note("the worker failed");
		return 1;
	}
	/* The space is torn down on the module's workqueue after the exit. */
	t0 = bench_now();
	for (i = 0; i < 6000; i++) {
		tasks = read_long(MACHINA_SYSFS "live_tasks");
		if (tasks <= tasks0)
			break;
		usleep(10000);
	}

	printf("\nfilling the space to %u receive rights: %.2f s; us per allocation by 10 %% slice:\n",
	       sh->large, sh->fill_total_s);
	for (i = 0; i < 10; i++)
		printf(" %.2f", sh->fill_slice_us[i]);
	printf("\nteardown of that space after exit: %.2f s (live_tasks back to %ld)\n",
	       (bench_now() - t0) / 1e9, tasks0);

	printf("\nper operation, us: p50 / p99 over batches; ratio = large/small p50\n");
	printf("| operation | %u names | %u names | ratio |\n", sh->small,
	       sh->large);
	printf("|---|---:|---:|---:|\n");
	for (op = 0; op < NOPS; op++)
		printf("| %s | %.3f / %.3f | %.3f / %.3f | %.3f |\n",
		       op_names[op], sh->st[0][op].p50 / 1e3,
		       sh->st[0][op].p99 / 1e3, sh->st[1][op].p50 / 1e3,
		       sh->st[1][op].p99 / 1e3,
		       bench_ratio(sh->st[1][op].p50, sh->st[0][op].p50));
	printf("\nmodule work beyond the null ioctl, p50 us: type %.3f -> %.3f, allocate+destroy %.3f -> %.3f\n",
	       (sh->st[0][OP_TYPE].p50 - sh->st[0][OP_NULL_IOCTL].p50) / 1e3,
	       (sh->st[1][OP_TYPE].p50 - sh->st[1][OP_NULL_IOCTL].p50) / 1e3,
	       (sh->st[0][OP_ALLOC_DESTROY].p50 -
		sh->st[0][OP_NULL_IOCTL].p50) /
		       1e3,
	       (sh->st[1][OP_ALLOC_DESTROY].p50 -
		sh->st[1][OP_NULL_IOCTL].p50) /
		       1e3);
	fflush(stdout);

	snprintf(what, sizeof(what), "name lookup %u/%u names, p50", sh->large,
		 sh->small);
	bench_target(what,
		     bench_ratio(sh->st[1][OP_TYPE].p50,
				 sh->st[0][OP_TYPE].p50),
		     1.2, true);
	snprintf(what, sizeof(what), "allocate+destroy %u/%u names, p50",
		 sh->large, sh->small);
	bench_target(what,
		     bench_ratio(sh->st[1][OP_ALLOC_DESTROY].p50,
				 sh->st[0][OP_ALLOC_DESTROY].p50),
		     1.2, true);
	bench_unshare(sh, sizeof(*sh));
	return 0;
}
