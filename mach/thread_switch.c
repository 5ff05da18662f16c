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
 * milliseconds on the monotonic clock, to a deadline taken at the call (a
 * signal ends the sleep early, as XNU's THREAD_ABORTSAFE wait; any other
 * wake-up sleeps again); the others yield once.  A jiffies timeout was
 * used first: on a guest whose jiffies ran ahead of the clock it came back
 * after 43 ms of a 50 ms wait.  The hint is only a hint in XNU too (a
 * name that does not translate is ignored): Machina does not hand off to
 * it.  Each returns KERN_SUCCESS.
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
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
 * switch_wait - sleep until @ms milliseconds from now on the monotonic
 * clock, or until a signal is pending
 * Conditions: process context, no locks held; sleeps.
 */
static void switch_wait(u32 ms)
{
	ktime_t end = ktime_add_ms(ktime_get(), ms);

	do {
		set_current_state(TASK_INTERRUPTIBLE);
		/* 0: the deadline passed; -EINTR: woken before it */
		if (!schedule_hrtimeout(&end, HRTIMER_MODE_ABS))
			break;
	} while (!signal_pending(current));
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
		switch_wait(sw->option_time);
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
