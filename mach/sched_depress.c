// SPDX-License-Identifier: GPL-2.0
/*
 * Priority depression and thread_depress_abort (sched_depress.h has the
 * model, the Linux mapping and the restore rule).
 */
#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/workqueue.h>

#include "mach/ipc_kobject.h"
#include "mach/kern_return.h"
#include "mach/sched_depress.h"
#include "mach/sched_qos.h"
#include "mach/task.h"
#include "mach/thread.h"
#include "personality/calls.h"
#include "uapi/machina.h"

/* Depressions begun and not yet finished (their calls are running). */
static atomic_long_t live_depressions = ATOMIC_LONG_INIT(0);

long machina_depress_live_count(void)
{
	return atomic_long_read(&live_depressions);
}

/*
 * machina_depress_end_locked - end the depression of @s's thread, if it
 * has one, and give the Linux thread back its policy by the restore rule
 * (sched_depress.h)
 * Conditions: s->lock held, no spinlock held; may sleep.  The depressed
 * thread is still inside the call that depressed it, so d->p is alive.
 * Returns: whether there was a depression (XNU: KERN_NOT_DEPRESSED if not).
 */
bool machina_depress_end_locked(struct machina_sched *s)
{
	struct machina_depress *d = s->depress;

	lockdep_assert_held(&s->lock);
	if (!d)
		return false;
	s->depress = NULL;
	/*
	 * Not in SCHED_IDLE any more: someone chose a policy meanwhile.  In
	 * it: the policy it had, with the nice value it has now (the one it
	 * had, or a renice made meanwhile; SCHED_IDLE keeps it).  A refused
	 * restore (the scheduler's error) leaves it depressed in Linux terms
	 * only: nothing is raised.
	 */
	if (d->applied && READ_ONCE(d->p->policy) == SCHED_IDLE)
		machina_sched_set_policy(d->p, d->saved_policy);
	return true;
}

/*
 * Timer expiry, in hard irq (also on PREEMPT_RT): only asks for the
 * restore; queue_work() takes only raw spinlocks.
 */
static enum hrtimer_restart depress_expire(struct hrtimer *timer)
{
	struct machina_depress *d = container_of(timer, struct machina_depress,
						 timer);

	queue_work(system_unbound_wq, &d->work);
	return HRTIMER_NORESTART;
}

/*
 * depress_work - the timer's restore, in process context
 * Conditions: workqueue; the depressing call waits for it
 * (machina_depress_finish()), so @d is alive.
 */
static void depress_work(struct work_struct *work)
{
	struct machina_depress *d = container_of(work, struct machina_depress,
						 work);
	struct machina_sched *s = d->sched;

	mutex_lock(&s->lock);
	if (s->depress == d)
		machina_depress_end_locked(s);
	mutex_unlock(&s->lock);
}

/*
 * machina_depress_begin - depress the calling thread (@thread, its record)
 * for @ms milliseconds (0: until the call ends it)
 * @d: the caller's on-stack record; machina_depress_finish() must follow
 * before the call returns, on every path.
 * Conditions: process context, no locks held; may sleep.  The calling
 * thread is not depressed (it is not inside another depressing call).
 */
void machina_depress_begin(struct machina_depress *d,
			   struct machina_thread *thread, u32 ms)
{
	struct machina_sched *s = &thread->sched;
	int policy;

	d->sched = s;
	d->p = current;
	d->applied = false;
	/* Hard irq also on PREEMPT_RT: no softirq thread can hold it back. */
	hrtimer_init_on_stack(&d->timer, CLOCK_MONOTONIC,
			      HRTIMER_MODE_REL_HARD);
	d->timer.function = depress_expire;
	INIT_WORK_ONSTACK(&d->work, depress_work);
	atomic_long_inc(&live_depressions);

	mutex_lock(&s->lock);
	policy = READ_ONCE(current->policy);
	d->saved_policy = policy;
	/* SCHED_IDLE keeps the nice value; the policy is the only change. */
	if ((policy == SCHED_NORMAL || policy == SCHED_BATCH) &&
	    !machina_sched_set_policy(current, SCHED_IDLE))
		d->applied = true;
	s->depress = d;
	if (ms)
		hrtimer_start(&d->timer, ms_to_ktime(ms), HRTIMER_MODE_REL_HARD);
	mutex_unlock(&s->lock);
}

/*
 * machina_depress_finish - end the depression @d if the timer or an abort
 * has not, and make sure neither its timer nor its work can still run
 * Conditions: process context, no locks held; may sleep (waits for a
 * running restore).  The calling thread is the one depressed by @d.
 */
void machina_depress_finish(struct machina_depress *d)
{
	struct machina_sched *s = d->sched;

	mutex_lock(&s->lock);
	if (s->depress == d)
		machina_depress_end_locked(s);
	mutex_unlock(&s->lock);
	/* The timer first: once cancelled it cannot queue the work again. */
	hrtimer_cancel(&d->timer);
	cancel_work_sync(&d->work);
	destroy_work_on_stack(&d->work);
	destroy_hrtimer_on_stack(&d->timer);
	atomic_long_dec(&live_depressions);
}

/*
 * machina_call_thread_depress_abort - thread_depress_abort(thread): end
 * the thread's depression at once.  Needs the thread's port (Machina's
 * thread ports are XNU's control ports), as XNU's MIG routine does.
 * Returns: KERN_SUCCESS, KERN_NOT_DEPRESSED (no depression), KERN_TERMINATED
 * (the thread has exited), or the lookup's error (MACH_SEND_INVALID_DEST:
 * no send right; KERN_INVALID_ARGUMENT: not a thread port); -EINVAL for
 * non-zero flags or reserved.
 */
long machina_call_thread_depress_abort(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct machina_thread *thread;
	struct ipc_kobject_ref ref;
	int kr;

	if (a->flags || a->reserved)
		return -EINVAL;
	kr = machina_thread_lookup(task, a->name, &ref);
	if (kr)
		return kr;
	thread = ref.obj;
	if (machina_thread_dead(thread)) {
		kr = KERN_TERMINATED;
	} else {
		mutex_lock(&thread->sched.lock);
		kr = machina_depress_end_locked(&thread->sched) ?
			KERN_SUCCESS : KERN_NOT_DEPRESSED;
		mutex_unlock(&thread->sched.lock);
	}
	ipc_kobject_ref_put(&ref);
	return kr;
}
