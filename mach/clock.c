// SPDX-License-Identifier: GPL-2.0
/*
 * Mach clocks: mach_wait_until.
 *
 * mach_absolute_time is CLOCK_MONOTONIC in nanoseconds (timebase 1/1): like
 * Darwin's absolute time it does not advance while the machine is suspended.
 * User space reads it itself (vDSO); only the wait needs the kernel.
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "mach/kern_return.h"
#include "personality/calls.h"
#include "uapi/machina.h"

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
