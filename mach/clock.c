// SPDX-License-Identifier: GPL-2.0
/*
 * Mach clocks: mach_wait_until, the clock services of the host
 * (host_get_clock_service) and clock_get_time.
 *
 * mach_absolute_time is CLOCK_MONOTONIC in nanoseconds (timebase 1/1): like
 * Darwin's absolute time it does not advance while the machine is suspended.
 * User space reads it itself (vDSO); only the wait needs the kernel.
 *
 * The clock services are two global kernel-object ports (IKOT_CLOCK):
 * SYSTEM_CLOCK (also REALTIME_CLOCK, the same id) reads the time since
 * boot, CALENDAR_CLOCK the wall-clock time.  They live from module load
 * to unload (mach/host.h).
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/timekeeping.h>

#include "mach/host.h"
#include "mach/ipc_kobject.h"
#include "mach/ipc_space.h"
#include "mach/kern_return.h"
#include "mach/task.h"
#include "personality/calls.h"
#include "uapi/machina.h"

#define SYSTEM_CLOCK	0
#define CALENDAR_CLOCK	1
#define CLOCK_COUNT	2

struct machina_clock {
	int id;
	struct ipc_port *port;
};

static struct machina_clock clocks[CLOCK_COUNT] = {
	{ .id = SYSTEM_CLOCK }, { .id = CALENDAR_CLOCK },
};

/*
 * machina_call_wait_until - sleep until an absolute deadline
 * Conditions: process context, no locks held; sleeps interruptibly.
 * Returns: KERN_SUCCESS once the deadline has passed (at once for a deadline
 * in the past), KERN_ABORTED when a signal interrupts the wait.
 */
long machina_call_wait_until(struct machina_task *task, void *arg)
{
	struct machina_wait_until *wait = arg;
	ktime_t deadline;

	if (wait->flags || wait->reserved)
		return -EINVAL;
	deadline = wait->deadline > KTIME_MAX ? KTIME_MAX : (ktime_t)wait->deadline;

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!schedule_hrtimeout_range(&deadline, current->timer_slack_ns,
					      HRTIMER_MODE_ABS))
			return KERN_SUCCESS;
		if (signal_pending(current))
			return KERN_ABORTED;
	}
}

/*
 * machina_call_timebase_info - mach_timebase_info_trap: the ratio that
 * turns mach_absolute_time units into nanoseconds (1/1 here: see above)
 * Conditions: any process context.
 * Returns: KERN_SUCCESS.
 */
long machina_call_timebase_info(struct machina_task *task, void *arg)
{
	struct machina_trap_timebase *tb = arg;

	tb->info.numer = 1;
	tb->info.denom = 1;
	return KERN_SUCCESS;
}

/* Conditions: module load, before the device exists. */
int machina_clock_init(void)
{
	int i;

	for (i = 0; i < CLOCK_COUNT; i++) {
		clocks[i].port = ipc_kobject_alloc_port(IKOT_CLOCK, &clocks[i]);
		if (!clocks[i].port)
			goto err;
	}
	return 0;
err:
	while (i--) {
		ipc_port_kobject_destroy(clocks[i].port);
		ipc_port_put(clocks[i].port);
	}
	return -ENOMEM;
}

/* Conditions: module unload, every task gone. */
void machina_clock_exit(void)
{
	int i;

	for (i = 0; i < CLOCK_COUNT; i++) {
		ipc_port_kobject_destroy(clocks[i].port);
		ipc_port_put(clocks[i].port);
		clocks[i].port = NULL;
	}
}

/* The clock service port of @clock_id, or NULL for an unknown id. */
struct ipc_port *machina_clock_port(int clock_id)
{
	if (clock_id < 0 || clock_id >= CLOCK_COUNT)
		return NULL;
	return clocks[clock_id].port;
}

/*
 * machina_call_clock_get_time - clock_get_time(clock_serv, &mach_timespec)
 * Conditions: process context, no lock held.
 * Returns: KERN_SUCCESS with value = seconds, value2 = nanoseconds;
 * MACH_SEND_INVALID_DEST when @name holds no send right (the MIG request
 * could not be sent), KERN_INVALID_ARGUMENT for a port that is not a clock.
 */
long machina_call_clock_get_time(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct machina_clock *clock;
	struct ipc_port *port;
	struct timespec64 ts;
	int kr;

	if (a->flags || a->reserved || a->task || a->right || a->delta ||
	    a->value || a->value2 || a->context)
		return -EINVAL;
	port = ipc_kobject_port_by_name(task->space, a->name, &kr);
	if (!port)
		return MACH_SEND_INVALID_DEST;
	clock = ipc_kobject_get(port, IKOT_CLOCK);
	ipc_port_put(port);
	if (!clock)
		return KERN_INVALID_ARGUMENT;

	if (clock->id == SYSTEM_CLOCK)
		ktime_get_ts64(&ts);	/* uptime, as Darwin's system clock */
	else
		ktime_get_real_ts64(&ts);
	/* mach_timespec_t's seconds are 32 bits: wraps in 2106. */
	a->value = (u32)ts.tv_sec;
	a->value2 = (u32)ts.tv_nsec;
	return KERN_SUCCESS;
}
