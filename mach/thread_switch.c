// SPDX-License-Identifier: GPL-2.0
/*
 * Giving the processor away: XNU's swtch, swtch_pri and thread_switch
 * traps (osfmk/kern/syscall_subr.c).  libsystem's spin locks and
 * libdispatch's contention paths issue them as Mach traps
 * (personality/trap_table.c); libmach reaches them through one ioctl
 * (MACHINA_IOC_THREAD_SWITCH, machina_call_switch_ioctl()).
 *
 * swtch and swtch_pri answer whether something else could run on this
 * CPU, before yielding and after: nothing else (Linux's
 * single_task_running()) is FALSE at once, otherwise the thread yields
 * and the answer is taken again.  swtch_pri, as XNU's, depresses the
 * caller around that yield (sched_depress.h) for XNU's
 * thread_depress_time, one standard quantum (10 ms at XNU's default
 * preemption rate of 100 a second); the depression ends when the call
 * goes on (XNU's swtch_pri_continue), at its timer, at
 * thread_depress_abort() or at thread_abort().  Its priority argument is
 * ignored, as XNU ignores it.
 *
 * thread_switch takes a thread hint and an option.  An unknown option is
 * KERN_INVALID_ARGUMENT, as in XNU; everything else is KERN_SUCCESS.
 *
 * The hint: a thread port name in the caller's space (thread_switch_target()).
 * A name that does not translate, or that names the caller, is ignored, as
 * XNU's port_name_to_thread() with PORT_INTRANS_THREAD_NOT_CURRENT_THREAD
 * ignores it; the OSLOCK options also ignore a thread of another task
 * (PORT_INTRANS_THREAD_IN_CURRENT_TASK).  Otherwise the caller hands off:
 * Linux's yield_to() (the scheduler's hand-off KVM uses) makes the target
 * the fair class's next pick on its CPU and gives up the caller's turn.
 * Linux cannot promise the target runs next: yield_to() fails when the
 * target is running, not runnable, in another scheduling class than the
 * caller, or in a throttled group, and EEVDF (6.6+) only honours the
 * next-buddy hint when its NEXT_BUDDY feature is on; it changes no weight
 * or priority.  A failed hand-off is XNU's failed
 * thread_run_queue_remove_for_handoff(): the call goes on as without a hint.
 *
 * The WAIT options sleep option_time (milliseconds; microseconds for
 * SWITCH_OPTION_DISPATCH_CONTENTION, XNU's scale) on the monotonic clock,
 * to a deadline taken at the call (a signal ends the sleep early, as XNU's
 * THREAD_ABORTSAFE wait; any other wake-up sleeps again).  A jiffies
 * timeout was used first: on a guest whose jiffies ran ahead of the clock
 * it came back after 43 ms of a 50 ms wait.
 *
 * The others yield once, unless nothing else could run on this CPU (XNU's
 * thread_should_yield(): then they return at once, undepressed).  The
 * DEPRESS options depress the caller for option_time milliseconds around
 * the yield or the hand-off (sched_depress.h): the depression ends when
 * the call goes on, at its timeout, at thread_depress_abort() or at
 * thread_abort() (which also ends the WAIT options' sleep: KERN_SUCCESS).
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/stat.h>

#include "mach/ipc_kobject.h"
#include "mach/kern_return.h"
#include "mach/sched_depress.h"
#include "mach/task.h"
#include "mach/thread.h"
#include "personality/calls.h"
#include "uapi/machina.h"

/* XNU's mach/thread_switch.h options. */
#define SWITCH_OPTION_NONE			0
#define SWITCH_OPTION_DEPRESS			1
#define SWITCH_OPTION_WAIT			2
#define SWITCH_OPTION_DISPATCH_CONTENTION	3
#define SWITCH_OPTION_OSLOCK_DEPRESS		4
#define SWITCH_OPTION_OSLOCK_WAIT		5

/* XNU's thread_depress_time: 1 * std_quantum, 10 ms (sched_prim.c). */
#define SWTCH_PRI_DEPRESS_MS			10

/*
 * switch_wait - sleep until @ns nanoseconds from now on the monotonic
 * clock, or until a signal is pending
 * Conditions: process context, no locks held; sleeps.
 */
static void switch_wait(u64 ns)
{
	ktime_t end = ktime_add_ns(ktime_get(), ns);

	do {
		set_current_state(TASK_INTERRUPTIBLE);
		/* 0: the deadline passed; -EINTR: woken before it */
		if (!schedule_hrtimeout(&end, HRTIMER_MODE_ABS))
			break;
	} while (!signal_pending(current));
}

/*
 * thread_switch_target - the Linux thread thread_switch's hint @name names
 * in @task's space, if the call may hand off to it (see above; @own_only:
 * a thread of @task only)
 * Conditions: process context, no locks held; may sleep.
 * Returns: a referenced task_struct (put_task_struct()), or NULL: no
 * hand-off.
 */
static struct task_struct *thread_switch_target(struct machina_task *task,
						u32 name, bool own_only)
{
	struct machina_thread *thread;
	struct ipc_kobject_ref ref;
	struct task_struct *p = NULL;

	if (name == 0 || machina_thread_lookup(task, name, &ref))
		return NULL;
	thread = ref.obj;
	if (thread->pid != task_pid(current) &&
	    (!own_only || thread->task == task))
		p = machina_thread_get_task_struct(thread);
	ipc_kobject_ref_put(&ref);
	return p;
}

/*
 * switch_away - give the processor to @target (may be NULL) or to
 * whatever else is runnable here, depressed for @depress_ms milliseconds
 * around it when @depress (sched_depress.h)
 * Conditions: process context, no locks held; may sleep.
 */
static void switch_away(struct machina_task *task, struct task_struct *target,
			bool depress, u32 depress_ms)
{
	struct machina_thread *self = NULL;
	struct machina_depress d;

	/* XNU's early return: nothing else would run, no depression. */
	if (!target && single_task_running())
		return;
	if (depress) {
		self = machina_thread_current(task);
		if (IS_ERR(self))
			self = NULL;	/* no record: yield undepressed */
	}
	if (self)
		machina_depress_begin(&d, self, depress_ms);
	if (!target || yield_to(target, true) <= 0) {
		/* No hand-off: as without a hint. */
		if (!single_task_running())
			yield();
	}
	if (self)
		machina_depress_finish(&d);
}

/*
 * machina_call_swtch - swtch: yield if anything else is runnable here
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
 * machina_call_swtch_pri - swtch_pri: as swtch, depressed for
 * SWTCH_PRI_DEPRESS_MS around the yield (none when it returns at once)
 * Conditions: process context, no locks held; may sleep.
 * Returns: the boolean_t "something else is runnable" (1 or 0).
 */
long machina_call_swtch_pri(struct machina_task *task, void *arg)
{
	if (single_task_running())
		return 0;
	switch_away(task, NULL, true, SWTCH_PRI_DEPRESS_MS);
	return !single_task_running();
}

/*
 * machina_call_thread_switch - thread_switch(thread, option, option_time)
 * Conditions: process context, no locks held; may sleep (WAIT options:
 * interruptibly, at most option_time).
 * Returns: KERN_SUCCESS, or KERN_INVALID_ARGUMENT for an unknown option.
 */
long machina_call_thread_switch(struct machina_task *task, void *arg)
{
	struct machina_thread_switch *sw = arg;
	struct task_struct *target;
	u64 wait_ns = 0;
	bool wait = false, depress = false, own_only = false;

	switch (sw->option) {
	case SWITCH_OPTION_NONE:
		break;
	case SWITCH_OPTION_DEPRESS:
		depress = true;
		break;
	case SWITCH_OPTION_WAIT:
		wait_ns = (u64)sw->option_time * NSEC_PER_MSEC;
		wait = true;
		break;
	case SWITCH_OPTION_DISPATCH_CONTENTION:
		wait_ns = (u64)sw->option_time * NSEC_PER_USEC;
		wait = true;
		break;
	case SWITCH_OPTION_OSLOCK_DEPRESS:
		depress = own_only = true;
		break;
	case SWITCH_OPTION_OSLOCK_WAIT:
		wait_ns = (u64)sw->option_time * NSEC_PER_MSEC;
		wait = own_only = true;
		break;
	default:
		return KERN_INVALID_ARGUMENT;
	}

	target = thread_switch_target(task, sw->thread, own_only);
	if (wait) {
		/* The hand-off first, then the wait (XNU: assert_wait, thread_run). */
		if (target)
			yield_to(target, true);
		switch_wait(wait_ns);
	} else {
		switch_away(task, target, depress, sw->option_time);
	}
	if (target)
		put_task_struct(target);
	return KERN_SUCCESS;
}

/*
 * machina_call_switch_ioctl - MACHINA_IOC_THREAD_SWITCH: thread_switch,
 * swtch_pri or swtch as @arg's call says (the traps call them directly)
 * Conditions: process context, no locks held; may sleep.
 * Returns: the call's value; -EINVAL for an unknown call, or arguments
 * given to swtch / swtch_pri (they take none).
 */
long machina_call_switch_ioctl(struct machina_task *task, void *arg)
{
	struct machina_thread_switch *sw = arg;
	bool no_args = !sw->thread && !sw->option && !sw->option_time;

	switch (sw->call) {
	case MACHINA_SWITCH_THREAD_SWITCH:
		return machina_call_thread_switch(task, arg);
	case MACHINA_SWITCH_SWTCH_PRI:
		return no_args ? machina_call_swtch_pri(task, arg) : -EINVAL;
	case MACHINA_SWITCH_SWTCH:
		return no_args ? machina_call_swtch(task, arg) : -EINVAL;
	default:
		return -EINVAL;
	}
}
