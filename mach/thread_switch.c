// SPDX-License-Identifier: GPL-2.0
/*
 * Giving the processor away: XNU's swtch, swtch_pri and thread_switch
 * traps (osfmk/kern/syscall_subr.c).  They exist only as Mach traps
 * (personality/trap_table.c), no ioctl: libsystem's spin locks and
 * libdispatch's contention paths issue them directly.
 *
 * swtch and swtch_pri answer whether something else could run on this
 * CPU, before yielding and after: nothing else (Linux's
 * single_task_running()) is FALSE at once, otherwise the thread yields
 * and the answer is taken again.  XNU's swtch_pri also depresses the
 * caller's priority for a quantum around the yield; Linux's yield()
 * already puts the caller behind every runnable thread of its class, so
 * no depression is kept.
 *
 * thread_switch takes a thread hint and an option.  An unknown option is
 * KERN_INVALID_ARGUMENT, as in XNU.  The WAIT options sleep option_time
 * milliseconds (a signal ends the sleep early, as XNU's THREAD_ABORTSAFE
 * wait); the others yield once.  The hint is only a hint in XNU too (a
 * name that does not translate is ignored): Machina does not hand off to
 * it.  Each returns KERN_SUCCESS.
 */
#include <linux/jiffies.h>
#include <linux/sched.h>
#include <linux/sched/stat.h>

#include "mach/kern_return.h"
#include "personality/calls.h"

/* XNU's mach/thread_switch.h options. */
#define SWITCH_OPTION_NONE			0
#define SWITCH_OPTION_DEPRESS			1
#define SWITCH_OPTION_WAIT			2
#define SWITCH_OPTION_DISPATCH_CONTENTION	3
#define SWITCH_OPTION_OSLOCK_DEPRESS		4
#define SWITCH_OPTION_OSLOCK_WAIT		5

/*
 * machina_call_swtch - swtch and swtch_pri: yield if anything else is
 * runnable here
 * Conditions: process context, no locks held; may sleep.
 * Returns: the boolean_t "something else is runnable" (1 or 0).
 */
long machina_call_swtch(struct machina_task *task, void *arg)
{
	if (single_task_running())
		return 0;
	yield();
	return !single_task_running();
}

/*
 * machina_call_thread_switch - thread_switch(thread, option, option_time)
 * Conditions: process context, no locks held; may sleep (WAIT options:
 * interruptibly, at most option_time milliseconds).
 * Returns: KERN_SUCCESS, or KERN_INVALID_ARGUMENT for an unknown option.
 */
long machina_call_thread_switch(struct machina_task *task, void *arg)
{
	struct machina_trap_switch *sw = arg;

	switch (sw->option) {
	case SWITCH_OPTION_WAIT:
	case SWITCH_OPTION_OSLOCK_WAIT:
		schedule_timeout_interruptible(msecs_to_jiffies(sw->option_time));
		return KERN_SUCCESS;
	case SWITCH_OPTION_NONE:
	case SWITCH_OPTION_DEPRESS:
	case SWITCH_OPTION_DISPATCH_CONTENTION:
	case SWITCH_OPTION_OSLOCK_DEPRESS:
		yield();
		return KERN_SUCCESS;
	default:
		return KERN_INVALID_ARGUMENT;
	}
}
