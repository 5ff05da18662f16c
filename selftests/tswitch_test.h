/* SPDX-License-Identifier: GPL-2.0 */
/*
 * thread_switch depression for the selftests (thread_switch_test,
 * sec_tswitch_test): the raw thread_switch and swtch_pri traps, a
 * "depressor" thread that calls one in a loop pinned to one CPU, and a
 * watcher that catches the depression from another thread on that CPU
 * (the depressor is depressed only while it waits for the CPU inside the
 * call, as in XNU).
 */
#ifndef _TSWITCH_TEST_H
#define _TSWITCH_TEST_H

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <mach/mach.h>
#include <mach/thread_act.h>
#include <mach/thread_switch.h>
#include <machina/machina.h>

#include "darwin_trap.h"
#include "machina_test.h"

/* The thread_switch trap (-61 on arm64), as libsystem issues it. */
static inline long ts_switch(mach_port_name_t hint, int option, unsigned int ms)
{
	return darwin_trap(hint, option, ms, 0, 0, 0, 0, 0,
			   TRAP_NR(MACHINA_TRAP_THREAD_SWITCH));
}

/* The swtch_pri trap (-59 on arm64): a boolean, 0 or 1. */
static inline long ts_swtch_pri(void)
{
	return darwin_trap(0, 0, 0, 0, 0, 0, 0, 0,
			   TRAP_NR(MACHINA_TRAP_SWTCH_PRI));
}

/*
 * The calls each of the two depressors of a "ten thousand depressions" soak
 * makes: 5000 on each stock kernel (mt_rounds()), 2000 on debug-x86_64 and
 * 500 on debug-rt-arm64, where each call (the trap, the switch to the
 * other depressor and back, two reads of the policy) took 1.4 ms.  Each
 * call ends its own depression; one that left its thread depressed would
 * be taken as the thread's policy by the next call and found at the end
 * (after_policy, live_depressions), whatever the count.  The two threads
 * share one CPU, so the calls alternate the same way at any count.
 */
#define TS_MANY_CALLS()	mt_rounds(20000, 500)

/* A depressor's option that makes it call swtch_pri instead. */
#define TS_SWTCH_PRI	(-1)

static inline int ts_pin(int cpu)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return sched_setaffinity(0, sizeof(one), &one);
}

static inline pid_t ts_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

struct depressor {
	int cpu;			/* in */
	int option;			/* in: thread_switch's, or TS_SWTCH_PRI */
	unsigned int ms;		/* in */
	int policy;			/* in: set on itself first (-1: none) */
	int libmach;			/* in: call libmach, not the trap */
	long max_calls;			/* in: 0 until stop */
	pthread_t pt;
	volatile pid_t tid;
	volatile mach_port_t port;
	volatile int ready, stop, in_call, bad;
	volatile int after_policy, after_nice;	/* read after each call */
	volatile long calls;
};

static inline void *depressor_main(void *arg)
{
	struct depressor *d = arg;
	struct sched_param sp = { 0 };

	if (ts_pin(d->cpu) ||
	    (d->policy >= 0 && sched_setscheduler(0, d->policy, &sp)))
		d->bad = 1;
	d->port = mach_thread_self();
	d->tid = ts_gettid();
	__atomic_store_n(&d->ready, 1, __ATOMIC_SEQ_CST);
	while (!d->stop && (!d->max_calls || d->calls < d->max_calls)) {
		__atomic_store_n(&d->in_call, 1, __ATOMIC_SEQ_CST);
		if (d->option == TS_SWTCH_PRI) {
			if ((unsigned long)(d->libmach ? swtch_pri(0) :
						    ts_swtch_pri()) > 1)
				d->bad = 1;
		} else if ((d->libmach ?
			    thread_switch(MACH_PORT_NULL, d->option, d->ms) :
			    ts_switch(0, d->option, d->ms)) != KERN_SUCCESS) {
			d->bad = 1;
		}
		__atomic_store_n(&d->in_call, 0, __ATOMIC_SEQ_CST);
		d->after_policy = sched_getscheduler(0);
		d->after_nice = getpriority(PRIO_PROCESS, 0);
		__atomic_add_fetch(&d->calls, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

/* Start @d on @cpu; 0 once it runs, -1 if it could not start. */
static inline int depressor_start(struct depressor *d)
{
	if (pthread_create(&d->pt, NULL, depressor_main, d))
		return -1;
	while (!__atomic_load_n(&d->ready, __ATOMIC_SEQ_CST))
		sched_yield();
	return d->bad ? -1 : 0;
}

static inline void depressor_stop(struct depressor *d)
{
	struct sched_param sp = { 0 };

	/* The watcher may be SCHED_FIFO on the depressor's CPU. */
	sched_setscheduler(0, SCHED_OTHER, &sp);
	d->stop = 1;
	pthread_join(d->pt, NULL);
}

/* Become SCHED_FIFO (the depressor cannot run on this CPU then); 0 or -1. */
static inline int ts_fifo(void)
{
	struct sched_param sp = { .sched_priority = 1 };

	return sched_setscheduler(0, SCHED_FIFO, &sp);
}

/*
 * ts_in_depress_lock - whether the kernel stack of @tid shows it inside
 * the depression's begin or end (machina_depress_*: it holds its thread's
 * sched lock there, still or already SCHED_IDLE, so an abort or the timer
 * waits for it to run again); 0 when the stack cannot be read (not root).
 */
static inline int ts_in_depress_lock(pid_t tid)
{
	char path[64], buf[4096];

	snprintf(path, sizeof(path), "/proc/self/task/%d/stack", (int)tid);
	return mt_read_text(path, buf, sizeof(buf)) &&
	       strstr(buf, "machina_depress_") != NULL;
}

/*
 * depressor_caught - spin (pinned to the depressor's CPU, so that it is
 * the thread the depressor yields to) until the depressor is seen in
 * SCHED_IDLE inside the call, waiting for the CPU, for at most @secs
 * seconds.  Where it may, this thread becomes SCHED_FIFO then (the
 * depressor cannot run: the state holds) and makes sure the depressor
 * was not caught inside the depression's begin or end, where it holds
 * the lock an abort and the timer's restore wait for (ts_in_depress_lock():
 * a tick can preempt it there); if it was, it lets it run and looks again.
 * Returns: the depressor's call count at that moment, or -1.
 */
static inline long depressor_caught(struct depressor *d, double secs)
{
	double end = mt_now() + secs;
	long calls;

	if (ts_pin(d->cpu))
		return -1;
	while (mt_now() < end) {
		calls = __atomic_load_n(&d->calls, __ATOMIC_SEQ_CST);
		if (!__atomic_load_n(&d->in_call, __ATOMIC_SEQ_CST) ||
		    sched_getscheduler(d->tid) != SCHED_IDLE ||
		    __atomic_load_n(&d->calls, __ATOMIC_SEQ_CST) != calls ||
		    !__atomic_load_n(&d->in_call, __ATOMIC_SEQ_CST))
			continue;
		if (ts_fifo())
			return calls;	/* not allowed: as it was seen */
		if (sched_getscheduler(d->tid) == SCHED_IDLE &&
		    __atomic_load_n(&d->calls, __ATOMIC_SEQ_CST) == calls &&
		    !ts_in_depress_lock(d->tid))
			return calls;
		sched_setscheduler(0, SCHED_OTHER, &(struct sched_param){ 0 });
	}
	return -1;
}

/* Wait up to @secs seconds for @tid's policy to become @policy. */
static inline int ts_wait_policy(pid_t tid, int policy, double secs)
{
	double end = mt_now() + secs;

	while (mt_now() < end)
		if (sched_getscheduler(tid) == policy)
			return 1;
	return sched_getscheduler(tid) == policy;
}

#endif /* _TSWITCH_TEST_H */
