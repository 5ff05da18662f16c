/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A probe of how long the kernel keeps one CPU from others (the security
 * tests of long kernel walks: sec_entry_test.c, sec_vmfix_test.c): the
 * attacker and a probe thread share CPU 0; the probe sleeps 1 ms at a
 * time and records the longest gap it saw between two wake-ups.
 */
#ifndef _CPU_PROBE_H
#define _CPU_PROBE_H

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static inline long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static volatile int probe_stop;
static long long probe_max_gap;

/* The probe thread: sleeps 1 ms at a time; records the longest gap. */
static inline void *probe(void *unused)
{
	long long t = now_ns(), n;
	struct timespec ms = { 0, 1000000 };

	while (!probe_stop) {
		nanosleep(&ms, NULL);
		n = now_ns();
		if (n - t > probe_max_gap)
			probe_max_gap = n - t;
		t = n;
	}
	return NULL;
}

/* Pin the caller (and the threads it makes after) to CPU 0; 0 or -1. */
static inline int on_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* Start the probe thread @th; 0 or -1. */
static inline int probe_start(pthread_t *th)
{
	if (pthread_create(th, NULL, probe, NULL))
		return -1;
	usleep(20000);
	probe_max_gap = 0;
	return 0;
}

/*
 * Stop the probe @th and judge it: 0 when no gap passed a second, else 10
 * + the seconds of the longest (at most 110), an attack's exit status.
 */
static inline int probe_verdict(pthread_t th)
{
	long long gap;

	usleep(20000);
	probe_stop = 1;
	pthread_join(th, NULL);
	gap = probe_max_gap / 1000000;
	printf("# longest wait of a thread on the same CPU: %lld ms\n", gap);
	fflush(stdout);
	if (gap > 1000)
		return 10 + (gap / 1000 > 100 ? 100 : gap / 1000);
	return 0;
}

#endif /* _CPU_PROBE_H */
