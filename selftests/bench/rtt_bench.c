// SPDX-License-Identifier: GPL-2.0
/*
 * Round trips between two processes: Mach against a pipe pair, a futex
 * pair, a UNIX socket pair and binder, at 0, 64, 256 and 4096 bytes of
 * payload, on one core (both processes pinned to CPU 0) and across cores
 * (server on CPU 1, client on CPU 0).  The client times every round trip
 * with CLOCK_MONOTONIC; after the warm-up rounds of each size, p50 and p99
 * of the timed ones are reported, and the ratios of Mach's p50 to each
 * baseline's.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench.h"
#include "rtt.h"

static const uint32_t sizes[] = { 0, 64, 256, 4096 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

static const struct rtt_transport *const transports[] = {
	&rtt_mach, &rtt_pipe, &rtt_futex, &rtt_unix, &rtt_binder,
};
#define NTRANSPORTS (sizeof(transports) / sizeof(transports[0]))

struct placement {
	const char *name; /* for targets: "same core" */
	int server_cpu, client_cpu;
};

static const struct placement placements[] = {
	{ "same core", 0, 0 },
	{ "cross core", 1, 0 },
};
#define NPLACEMENTS (sizeof(placements) / sizeof(placements[0]))

/* A deadlocked pair is killed after this many (guest) seconds. */
#define RTT_ALARM 600

/*
 * Untimed round trips at the start of every run, before the first size's
 * own warm-up.  A freshly forked client starts with a scheduler debit
 * (CFS's START_DEBIT): for its first ~50 ms on a shared CPU every wake-up
 * of the server preempts it, a cheaper pattern (~2.8 us less per round trip
 * under icount) than the settled one, where the client sleeps in its
 * receive first.  Without this the first size alone would be measured in
 * that regime.
 */
#define RTT_SETTLE 3000

/* What one run hands from its processes to the parent. */
struct rtt_shared {
	int client_status;
	/* context switches: the client's per size, the server's over the whole plan */
	long client_csw[NSIZES][2]; /* [size][voluntary, involuntary] */
	long server_csw[2];
	uint64_t ns[]; /* one per plan entry, written by the client */
};

/* Context switches of the calling process so far: voluntary, involuntary. */
static void switches(long out[2])
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	out[0] = ru.ru_nvcsw;
	out[1] = ru.ru_nivcsw;
}

static void switches_since(long acc[2], const long before[2])
{
	long now[2];

	switches(now);
	acc[0] = now[0] - before[0];
	acc[1] = now[1] - before[1];
}

struct pair {
	size_t settle, warmup,
		per; /* plan layout: settle, then per size: warmup + timed */
	const struct rtt_transport *t;
	const struct placement *pl;
	struct rtt_run run;
	struct rtt_shared *sh;
};

void rtt_fail(const char *transport, const char *what, long code)
{
	int err = errno;

	fprintf(stderr, "rtt %s: %s failed (code %ld = 0x%lx; errno %d: %s)\n",
		transport, what, code, code, err, strerror(err));
}

static int client_main(void *arg)
{
	struct pair *p = arg;
	struct rtt_run *run = &p->run;
	long before[2] = { 0 };
	size_t i;

	alarm(RTT_ALARM);
	if (bench_pin(p->pl->client_cpu) || p->t->client_init(run))
		return 1;
	for (i = 0; i < run->nplan; i++) {
		uint64_t t0 = bench_now();
		size_t k = i - p->settle; /* index within the sizes' blocks */

		if (i >= p->settle && k % p->per == p->warmup)
			switches(before);
		if (p->t->call(run, run->plan[i]))
			return 1;
		p->sh->ns[i] = bench_now() - t0;
		if (i >= p->settle && (k + 1) % p->per == 0)
			switches_since(p->sh->client_csw[k / p->per], before);
	}
	return 0;
}

static int server_main(void *arg)
{
	struct pair *p = arg;
	long before[2];
	pid_t client;
	int ret;

	alarm(RTT_ALARM);
	if (bench_pin(p->pl->server_cpu) || p->t->setup(&p->run))
		return 1;
	client = bench_spawn(client_main, p);
	if (client < 0)
		return 1;
	switches(before);
	ret = p->t->serve(&p->run);
	switches_since(p->sh->server_csw, before);
	if (ret)
		kill(client, SIGKILL);
	p->sh->client_status = bench_wait(client);
	return ret || p->sh->client_status ? 1 : 0;
}

/* p50/p99 per size for one transport and placement; 0 if it did not run. */
struct rtt_result {
	bool ran;
	struct bench_stats st[NSIZES];
	double client_csw[NSIZES][2]; /* per round trip: [size][vol, invol] */
	double server_csw[2];
};

static int run_pair(const struct rtt_transport *t, const struct placement *pl,
		    struct rtt_result *res)
{
	size_t settle = bench_opts.quick ? 0 : RTT_SETTLE;
	size_t per = bench_opts.warmup + bench_opts.iters;
	size_t nplan = settle + NSIZES * per, i, s;
	uint32_t *plan = calloc(nplan, sizeof(*plan));
	size_t shsize = sizeof(struct rtt_shared) + nplan * sizeof(uint64_t);
	struct pair p = {
		.settle = settle,
		.warmup = bench_opts.warmup,
		.per = per,
		.t = t,
		.pl = pl,
	};
	uint64_t *timed;
	int status;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	p.sh = bench_shared(shsize);
	if (!plan || !p.sh) {
		free(plan);
		bench_unshare(p.sh, shsize);
		return -1;
	}
	for (i = 0; i < settle; i++)
		plan[i] = sizes[0];
	for (s = 0; s < NSIZES; s++)
		for (i = 0; i < per; i++)
			plan[settle + s * per + i] = sizes[s];
	p.run.plan = plan;
	p.run.nplan = nplan;

	pid = bench_spawn(server_main, &p);
	status = pid < 0 ? -1 : bench_wait(pid);
	if (status) {
		bench_note(
			"%s, %s: failed (server status %d, client status %d)",
			t->name, pl->name, status, p.sh->client_status);
	} else {
		res->ran = true;
		for (s = 0; s < NSIZES; s++) {
			timed = p.sh->ns + settle + s * per + bench_opts.warmup;
			bench_stats(timed, bench_opts.iters, &res->st[s]);
		}
		for (s = 0; s < NSIZES; s++)
			for (i = 0; i < 2; i++)
				res->client_csw[s][i] =
					(double)p.sh->client_csw[s][i] /
					bench_opts.iters;
		for (i = 0; i < 2; i++)
			res->server_csw[i] =
				(double)p.sh->server_csw[i] / nplan;
	}
	free(plan);
	bench_unshare(p.sh, shsize);
	return status ? -1 : 0;
}

static void print_placement(const struct placement *pl,
			    const struct rtt_result res[NTRANSPORTS])
{
	char what[80];
	size_t s, t;

	printf("\nround trip, %s (server CPU %d, client CPU %d): p50 / p99 in us\n",
	       pl->name, pl->server_cpu, pl->client_cpu);
	printf("| size |");
	for (t = 0; t < NTRANSPORTS; t++)
		printf(" %-15s |", transports[t]->name);
	printf("\n|-----:|");
	for (t = 0; t < NTRANSPORTS; t++)
		printf("----------------:|");
	printf("\n");
	for (s = 0; s < NSIZES; s++) {
		printf("| %4u |", sizes[s]);
		for (t = 0; t < NTRANSPORTS; t++) {
			if (res[t].ran)
				printf(" %7.2f / %5.2f |",
				       res[t].st[s].p50 / 1e3,
				       res[t].st[s].p99 / 1e3);
			else
				printf(" %15s |", "-");
		}
		printf("\n");
	}

	printf("\nratios of p50, %s: mach / baseline (< 1: Mach is faster)\n",
	       pl->name);
	printf("| size |");
	for (t = 1; t < NTRANSPORTS; t++)
		printf(" mach/%-6s |", transports[t]->name);
	printf("\n|-----:|");
	for (t = 1; t < NTRANSPORTS; t++)
		printf("------------:|");
	printf("\n");
	for (s = 0; s < NSIZES; s++) {
		printf("| %4u |", sizes[s]);
		for (t = 1; t < NTRANSPORTS; t++) {
			if (res[0].ran && res[t].ran)
				printf(" %11.3f |",
				       res[0].st[s].p50 / res[t].st[s].p50);
			else
				printf(" %11s |", "-");
		}
		printf("\n");
	}

	printf("\ncontext switches per round trip, %s: client voluntary+involuntary by size (timed rounds); server over the run\n",
	       pl->name);
	for (t = 0; t < NTRANSPORTS; t++) {
		if (!res[t].ran)
			continue;
		printf("  %-7s client", transports[t]->name);
		for (s = 0; s < NSIZES; s++)
			printf(" %uB %.2f+%.2f", sizes[s],
			       res[t].client_csw[s][0],
			       res[t].client_csw[s][1]);
		printf("; server %.2f+%.2f\n", res[t].server_csw[0],
		       res[t].server_csw[1]);
	}
	fflush(stdout);

	/* The targets: mach <= pipe, mach <= binder / 2 (p50). */
	for (s = 0; s < NSIZES && res[0].ran; s++) {
		if (res[1].ran) {
			snprintf(what, sizeof(what),
				 "mach/pipe rtt p50, %s, %u B", pl->name,
				 sizes[s]);
			bench_target(what, res[0].st[s].p50 / res[1].st[s].p50,
				     1.0, true);
		}
		if (res[4].ran) {
			snprintf(what, sizeof(what),
				 "mach/binder rtt p50, %s, %u B", pl->name,
				 sizes[s]);
			bench_target(what, res[0].st[s].p50 / res[4].st[s].p50,
				     0.5, true);
		}
	}
}

int bench_rtt(void)
{
	struct rtt_result res[NTRANSPORTS];
	const char *why[NTRANSPORTS] = { 0 };
	int ncpus = bench_ncpus(), ret = 0;
	size_t pl, t;

	bench_section("round trip (rtt)");
	bench_note(
		"per run: %u settling round trips, then per size %u warm-up + %u timed; payload sizes 0/64/256/4096 B",
		bench_opts.quick ? 0 : RTT_SETTLE, bench_opts.warmup,
		bench_opts.iters);
	bench_note(
		"mach: one MACHINA_IOC_MSG per side and round trip (SEND|RCV, reply via MAKE_SEND_ONCE)");
	bench_note(
		"pipe/unix carry max(size,1) bytes; futex copies the payload once each way");
	for (t = 0; t < NTRANSPORTS; t++) {
		why[t] = transports[t]->unavailable ?
				 transports[t]->unavailable() :
				 NULL;
		if (why[t])
			bench_note("%s skipped: %s", transports[t]->name,
				   why[t]);
	}
	if (why[0]) {
		bench_note("no Mach: nothing to compare");
		return BENCH_SKIPPED;
	}
	for (pl = 0; pl < NPLACEMENTS; pl++) {
		if (placements[pl].server_cpu >= ncpus) {
			bench_note("%s skipped: %d CPU(s)", placements[pl].name,
				   ncpus);
			continue;
		}
		for (t = 0; t < NTRANSPORTS; t++) {
			uint64_t t0 = bench_now();

			memset(&res[t], 0, sizeof(res[t]));
			if (!why[t] &&
			    run_pair(transports[t], &placements[pl], &res[t]))
				ret = 1;
			bench_note("%s, %s: %.2f s (guest clock)",
				   transports[t]->name, placements[pl].name,
				   (bench_now() - t0) / 1e9);
		}
		print_placement(&placements[pl], res);
	}
	return ret;
}
