// SPDX-License-Identifier: GPL-2.0
/*
 * Thread activation control: thread_suspend, thread_resume,
 * thread_terminate, thread_abort, thread_abort_safely, task_suspend,
 * task_resume.
 *
 * A suspended thread stops on its way back to user mode: the suspender
 * queues stop_work on it with task_work_add(TWA_SIGNAL), which kicks a
 * thread running in user mode into the kernel at once and interrupts an
 * interruptible sleep (the system call is restarted after the resume, as
 * after a stop signal).  The work sleeps, killable, until the thread's
 * effective suspend count (its own plus its task's, thread.h) is zero.
 * Nothing else keeps a thread stopped, so SIGKILL or the group's exit always
 * ends the stop at once.
 *
 * Threads that exist when task_suspend runs are all recognised (records are
 * made for them) and stopped.  A thread created later is not seen until it
 * calls into the module; its first call makes its record and it then stops
 * on return to user mode if the task is still suspended.
 *
 * thread_abort (XNU's act_abort, osfmk/kern/thread_act.c) sets the
 * thread's abort flag and asks for an AST: every interruptible wait the
 * thread is in, or begins before it next returns to user mode, ends at
 * once (THREAD_INTERRUPTED), and the AST clears the flag on that return.
 * Machina's flag is abort_queued (thread.h) and its AST abort_work, queued
 * with TWA_SIGNAL: the kick ends the wait the thread sleeps in, and
 * signal_pending() stays true, so each wait it begins ends too, until the
 * work runs on the way out.  Machina's interruptible waits all return
 * their "interrupted" status then: mach_msg MACH_SEND_INTERRUPTED or
 * MACH_RCV_INTERRUPTED (libmach restarts them unless MACH_SEND_INTERRUPT /
 * MACH_RCV_INTERRUPT is set, as libsystem's mach_msg does), semaphore
 * waits KERN_ABORTED, thread_switch's WAIT options KERN_SUCCESS.  A
 * depression ends at once (XNU: thread_depress_abort_locked()).  A thread
 * running in user mode, or in a call that does not wait, only passes
 * through the work: harmless, as XNU's AST is.  A Linux system call the
 * thread sleeps in is interrupted as by a signal with SA_RESTART: it is
 * restarted, or fails with EINTR where Linux never restarts it (epoll_wait,
 * for one), as XNU's thread_abort makes a BSD call fail with EINTR.
 *
 * thread_abort_safely aborts only waits at a safe point (THREAD_ABORTSAFE)
 * in XNU, and every interruptible wait Machina has is one (XNU waits in
 * mach_msg, semaphore_wait and thread_switch with THREAD_ABORTSAFE), so
 * both calls do the same here.
 */
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/task_work.h>
#include <linux/workqueue.h>

#include "mach/ipc_abi.h"
#include "mach/ipc_kobject.h"
#include "mach/kern_return.h"
#include "mach/sched_depress.h"
#include "mach/task.h"
#include "mach/thread.h"
#include "personality/calls.h"
#include "uapi/machina.h"

/* Conditions: none held.  Whether the thread must stay stopped. */
static bool still_held(struct machina_thread *thread)
{
	bool held;

	spin_lock(&thread->task->lock);
	held = machina_thread_held(thread);
	spin_unlock(&thread->task->lock);
	return held;
}

/* The stop must end: the thread is dying. */
static bool leaving(void)
{
	return fatal_signal_pending(current) || (current->flags & PF_EXITING);
}

/* Module references of finished task works, dropped by work_release(). */
static atomic_t work_module_refs = ATOMIC_INIT(0);

static void work_release(struct work_struct *work)
{
	while (atomic_add_unless(&work_module_refs, -1, 0))
		module_put(THIS_MODULE);
}

static DECLARE_WORK(work_release_work, work_release);

/*
 * queue_task_work - run @cb (the record's stop_work or abort_work) in
 * @thread's Linux thread on its way back to user mode, kicking it there
 * with TWA_SIGNAL; the work owns a record reference and a module
 * reference, which it gives back with task_work_finish()
 * @queued: the record's "queued" flag, set by the caller under task->lock
 * Conditions: process context, no locks held; the caller holds a record
 * reference.
 * Returns: 0, or -ESRCH: the thread is past its exit work and will never
 * run it (*@queued is false again, nothing is held).
 */
static int queue_task_work(struct machina_thread *thread,
			   struct callback_head *cb, bool *queued)
{
	struct machina_task *task = thread->task;
	struct task_struct *p;
	int err = -ESRCH;

	kref_get(&thread->ref);		/* the work's */
	__module_get(THIS_MODULE);
	p = machina_thread_get_task_struct(thread);
	if (p) {
		err = task_work_add(p, cb, TWA_SIGNAL);
		put_task_struct(p);
	}
	if (err) {
		spin_lock(&task->lock);
		*queued = false;
		spin_unlock(&task->lock);
		machina_thread_put(thread);
		module_put(THIS_MODULE);
	}
	return err;
}

/*
 * task_work_finish - the last act of a work queue_task_work() queued
 * The work may run in a thread's exit after its task was torn down (the
 * task's module reference is gone then): its module reference is dropped
 * from the task workqueue, which unload drains, so the module text cannot
 * go while the work still runs in it.
 */
static void task_work_finish(struct machina_thread *thread)
{
	machina_thread_put(thread);
	atomic_inc(&work_module_refs);
	machina_task_queue_work(&work_release_work);
}

/*
 * stop_work - the suspended thread's stop, run by the thread itself before
 * it returns to user mode (or in its exit, where it returns at once)
 * Conditions: process context of the target thread, no locks held; owns a
 * reference on the record.  stop_queued stays true until the work is done,
 * so a suspend that races with the end of the stop finds it still queued
 * and the last check below, under state_mutex and task->lock, sees the new
 * count.
 */
static void stop_work(struct callback_head *cb)
{
	struct machina_thread *thread =
		container_of(cb, struct machina_thread, stop_work);
	struct machina_task *task = thread->task;

again:
	spin_lock(&task->lock);
	while (machina_thread_held(thread) && !leaving()) {
		thread->stopped = true;
		spin_unlock(&task->lock);
		/* State callers wait for the stop. */
		wake_up_all(&thread->wq);
		wait_event_killable(thread->wq, !still_held(thread));
		spin_lock(&task->lock);
	}
	spin_unlock(&task->lock);

	/* Registers may be in use by thread_get/set_state: wait for them. */
	mutex_lock(&thread->state_mutex);
	spin_lock(&task->lock);
	if (machina_thread_held(thread) && !leaving()) {
		spin_unlock(&task->lock);
		mutex_unlock(&thread->state_mutex);
		goto again;
	}
	thread->stopped = false;
	thread->stop_queued = false;
	spin_unlock(&task->lock);
	mutex_unlock(&thread->state_mutex);
	wake_up_all(&thread->wq);
	task_work_finish(thread);
}

/*
 * abort_work - a thread_abort ends: run by the aborted thread on its way
 * back to user mode (or in its exit), as XNU's thread_apc_ast() clears
 * TH_SFLAG_ABORT there
 * Conditions: process context of the aborted thread, no locks held; owns
 * a reference on the record.
 */
static void abort_work(struct callback_head *cb)
{
	struct machina_thread *thread =
		container_of(cb, struct machina_thread, abort_work);

	spin_lock(&thread->task->lock);
	thread->abort_queued = false;
	spin_unlock(&thread->task->lock);
	task_work_finish(thread);
}

/* A new record's task works. */
void machina_thread_act_init(struct machina_thread *thread)
{
	init_task_work(&thread->stop_work, stop_work);
	init_task_work(&thread->abort_work, abort_work);
}

/*
 * machina_thread_abort_pending - whether a thread_abort of @thread has not
 * ended yet (it ends when the thread returns to user mode): an
 * interrupted wait of @thread tells an abort from a Linux signal with it
 * Conditions: none held.  @thread may be NULL (no record: no abort).
 */
bool machina_thread_abort_pending(struct machina_thread *thread)
{
	bool pending;

	if (!thread)
		return false;
	spin_lock(&thread->task->lock);
	pending = thread->abort_queued;
	spin_unlock(&thread->task->lock);
	return pending;
}

/*
 * queue_stop - make a held thread stop on its way to user mode
 * Conditions: process context, no locks held.  Does nothing when the stop
 * is already queued, the thread is not held, or it is dead or exiting.
 */
static void queue_stop(struct machina_thread *thread)
{
	struct machina_task *task = thread->task;

	spin_lock(&task->lock);
	if (thread->stop_queued || thread->dead || !machina_thread_held(thread)) {
		spin_unlock(&task->lock);
		return;
	}
	thread->stop_queued = true;
	spin_unlock(&task->lock);
	/* It fails past the exit work: the thread never returns to user mode. */
	queue_task_work(thread, &thread->stop_work, &thread->stop_queued);
}

/*
 * machina_thread_stop_settled - the held thread has stopped, or will not
 * stop (no longer held, dead)
 * Conditions: none held.
 */
bool machina_thread_stop_settled(struct machina_thread *thread)
{
	bool settled;

	spin_lock(&thread->task->lock);
	settled = thread->stopped || thread->dead ||
		  !machina_thread_held(thread);
	spin_unlock(&thread->task->lock);
	return settled;
}

/*
 * wait_stopped - as XNU's suspension, return only once the target no longer
 * runs user code: it sits in its stop, or sleeps in the kernel where a
 * TWA_SIGNAL kick cannot reach (uninterruptible, stopped or traced: it
 * stops on its way out), or is exiting.  The caller itself never waits (it
 * stops when its call returns).
 * Conditions: process context, no locks held.  A fatal signal ends the wait.
 */
static void wait_stopped(struct machina_thread *thread)
{
	struct task_struct *p = machina_thread_get_task_struct(thread);
	unsigned int state;

	if (!p)
		return;
	while (p != current && !machina_thread_stop_settled(thread)) {
		state = READ_ONCE(p->__state);
		if ((state & (TASK_UNINTERRUPTIBLE | __TASK_STOPPED |
			      __TASK_TRACED)) || (p->flags & PF_EXITING))
			break;
		/* Re-read the Linux state now and then: nothing wakes us for it. */
		if (wait_event_killable_timeout(thread->wq,
						machina_thread_stop_settled(thread),
						max(HZ / 100, 1)) < 0)
			break;
	}
	put_task_struct(p);
}

/*
 * machina_thread_stop_if_suspended - a thread recognised for the first
 * time stops if its task is suspended
 */
void machina_thread_stop_if_suspended(struct machina_thread *thread)
{
	queue_stop(thread);
}

/* Conditions: task->lock held.  Wake every stopped thread of @task. */
static void wake_all(struct machina_task *task)
{
	struct machina_thread *thread;
	int bkt;

	lockdep_assert_held(&task->lock);
	hash_for_each(task->threads, bkt, thread, task_node)
		wake_up_all(&thread->wq);
}

static bool port_args_bad(const struct machina_port_args *a)
{
	return a->flags || a->reserved;
}

/*
 * suspend_more / suspend_less - one suspension more or less on @count (a
 * thread's or a task's suspend count, both under the task's lock)
 * Conditions: @owner->lock held.
 * Returns: KERN_SUCCESS; KERN_FAILURE when the count would overflow, or is
 * already 0 (Darwin's answer to a resume too many).  suspend_less() says in
 * *released whether the count reached 0.
 */
static int suspend_more(struct machina_task *owner, unsigned int *count)
{
	lockdep_assert_held(&owner->lock);
	if (*count == UINT_MAX)
		return KERN_FAILURE;
	(*count)++;
	return KERN_SUCCESS;
}

static int suspend_less(struct machina_task *owner, unsigned int *count,
			bool *released)
{
	lockdep_assert_held(&owner->lock);
	*released = false;
	if (!*count)
		return KERN_FAILURE;
	*released = !--*count;
	return KERN_SUCCESS;
}

/*
 * machina_call_thread_suspend - thread_suspend(): one more suspension;
 * returns once the thread no longer runs user code (wait_stopped())
 * Returns: KERN_SUCCESS; KERN_TERMINATED for a thread that has exited;
 * KERN_FAILURE when the count would overflow; the lookup's error.
 */
long machina_call_thread_suspend(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct machina_thread *thread;
	struct ipc_kobject_ref ref;
	struct machina_task *owner;
	int kr;

	if (port_args_bad(a))
		return -EINVAL;
	kr = machina_thread_lookup(task, a->name, &ref);
	if (kr)
		return kr;
	thread = ref.obj;
	owner = thread->task;
	spin_lock(&owner->lock);
	kr = thread->dead ? KERN_TERMINATED :
			    suspend_more(owner, &thread->suspend_count);
	spin_unlock(&owner->lock);
	if (kr == KERN_SUCCESS) {
		queue_stop(thread);
		/* A thread in an exec of its process sleeps killable: no wait. */
		wait_stopped(thread);
	}
	ipc_kobject_ref_put(&ref);
	return kr;
}

/*
 * machina_call_thread_resume - thread_resume(): one suspension less; the
 * thread runs again when no suspension is left (its task's included)
 * Returns: KERN_SUCCESS; KERN_FAILURE when the count is 0 (Darwin);
 * KERN_TERMINATED; the lookup's error.
 */
long machina_call_thread_resume(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct machina_thread *thread;
	struct ipc_kobject_ref ref;
	struct machina_task *owner;
	bool released = false;
	int kr;

	if (port_args_bad(a))
		return -EINVAL;
	kr = machina_thread_lookup(task, a->name, &ref);
	if (kr)
		return kr;
	thread = ref.obj;
	owner = thread->task;
	spin_lock(&owner->lock);
	kr = thread->dead ? KERN_TERMINATED :
			    suspend_less(owner, &thread->suspend_count, &released);
	if (released)
		wake_up_all(&thread->wq);
	spin_unlock(&owner->lock);
	ipc_kobject_ref_put(&ref);
	return kr;
}

/*
 * machina_call_thread_terminate - thread_terminate()
 * Linux gives a module no way to end one thread of a group (do_exit() is
 * not exported, and every fatal signal kills the whole group), so the
 * module says who ends it: the calling thread itself gets KERN_SUCCESS
 * with value2 0 and libmach ends it with the exit system call; another
 * thread of the caller's own process gets KERN_SUCCESS with its thread id
 * in value2, and libmach sends it the signal it reserves for this, whose
 * handler exits that thread; a thread of another process gets
 * KERN_NOT_SUPPORTED (its program may not handle that signal) and is left
 * alone.  A thread that has exited: KERN_TERMINATED.
 */
long machina_call_thread_terminate(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct machina_thread *thread;
	struct ipc_kobject_ref ref;
	int kr;

	if (port_args_bad(a) || a->value2)
		return -EINVAL;
	kr = machina_thread_lookup(task, a->name, &ref);
	if (kr)
		return kr;
	thread = ref.obj;
	if (machina_thread_dead(thread)) {
		kr = KERN_TERMINATED;
	} else if (thread->pid == task_pid(current)) {
		kr = KERN_SUCCESS;	/* value2 0: the caller exits */
	} else if (thread->task == task) {
		/*
		 * Another thread of the caller's own process: libmach ends it
		 * with the signal it reserves for this (uapi/machina.h).
		 */
		a->value2 = pid_vnr(thread->pid);
		kr = a->value2 ? KERN_SUCCESS : KERN_TERMINATED;
	} else {
		kr = KERN_NOT_SUPPORTED;
	}
	ipc_kobject_ref_put(&ref);
	return kr;
}

/*
 * machina_call_thread_abort - thread_abort() / thread_abort_safely()
 * (value MACHINA_ABORT_PLAIN / MACHINA_ABORT_SAFELY; the same here, see
 * above): end @name's interruptible waits until it returns to user mode,
 * and its depression.  Needs the thread's port (Machina's thread ports are
 * XNU's control ports), as XNU's MIG routine does.
 * Returns: KERN_SUCCESS; KERN_TERMINATED for a thread that has exited or
 * is past its exit work; the lookup's error (MACH_SEND_INVALID_DEST: no
 * send right, a dead name; KERN_INVALID_ARGUMENT: not a thread port);
 * -EINVAL for an unknown value or non-zero unused fields.
 */
long machina_call_thread_abort(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct machina_thread *thread;
	struct ipc_kobject_ref ref;
	struct machina_task *owner;
	bool queue = false;
	int kr;

	if (port_args_bad(a) || a->task || a->right || a->delta ||
	    a->value > MACHINA_ABORT_SAFELY || a->value2 || a->context)
		return -EINVAL;
	kr = machina_thread_lookup(task, a->name, &ref);
	if (kr)
		return kr;
	thread = ref.obj;
	owner = thread->task;
	spin_lock(&owner->lock);
	if (thread->dead) {
		kr = KERN_TERMINATED;
	} else if (!thread->abort_queued) {
		/* Queued already: its TWA_SIGNAL still ends every wait. */
		thread->abort_queued = true;
		queue = true;
	}
	spin_unlock(&owner->lock);
	if (queue &&
	    queue_task_work(thread, &thread->abort_work, &thread->abort_queued))
		kr = KERN_TERMINATED;
	if (kr == KERN_SUCCESS) {
		mutex_lock(&thread->sched.lock);
		machina_depress_end_locked(&thread->sched);
		mutex_unlock(&thread->sched.lock);
	}
	ipc_kobject_ref_put(&ref);
	return kr;
}

/*
 * machina_call_task_suspend - task_suspend(): every thread of the target
 * stops (the caller too, when it suspends its own task, on its return);
 * returns once the others no longer run user code
 * Returns: KERN_SUCCESS; KERN_FAILURE when the count would overflow;
 * MACH_SEND_INVALID_DEST for a task being torn down;
 * KERN_RESOURCE_SHORTAGE (nothing changed); the lookup's error.
 */
long machina_call_task_suspend(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct machina_thread **threads;
	struct machina_task *target;
	struct ipc_kobject_ref ref;
	unsigned int count, i;
	int kr, err;

	if (port_args_bad(a))
		return -EINVAL;
	kr = machina_task_lookup(task, a->task, MACHINA_TASK_READ, &ref);
	if (kr)
		return kr;
	target = ref.obj;
	spin_lock(&target->lock);
	kr = target->terminated ? MACH_SEND_INVALID_DEST :
				  suspend_more(target, &target->suspend_count);
	spin_unlock(&target->lock);
	if (kr)
		goto out;

	/* Counted first, so threads recognised meanwhile stop as well. */
	err = machina_thread_collect(target, &threads, &count);
	if (err) {
		spin_lock(&target->lock);
		if (!--target->suspend_count)
			wake_all(target);
		spin_unlock(&target->lock);
		kr = KERN_RESOURCE_SHORTAGE;
		goto out;
	}
	for (i = 0; i < count; i++)
		queue_stop(threads[i]);
	for (i = 0; i < count; i++)
		wait_stopped(threads[i]);
	machina_thread_put_array(threads, count);
out:
	ipc_kobject_ref_put(&ref);
	return kr;
}

/*
 * machina_call_task_resume - task_resume(): one task suspension less
 * Returns: KERN_SUCCESS; KERN_FAILURE when the count is 0 (Darwin);
 * MACH_SEND_INVALID_DEST for a task being torn down; the lookup's error.
 */
long machina_call_task_resume(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct machina_task *target;
	struct ipc_kobject_ref ref;
	bool released = false;
	int kr;

	if (port_args_bad(a))
		return -EINVAL;
	kr = machina_task_lookup(task, a->task, MACHINA_TASK_READ, &ref);
	if (kr)
		return kr;
	target = ref.obj;
	spin_lock(&target->lock);
	kr = target->terminated ? MACH_SEND_INVALID_DEST :
				  suspend_less(target, &target->suspend_count, &released);
	if (released)
		wake_all(target);
	spin_unlock(&target->lock);
	ipc_kobject_ref_put(&ref);
	return kr;
}
