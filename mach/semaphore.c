// SPDX-License-Identifier: GPL-2.0
/*
 * Mach semaphores: semaphore_create / destroy (MIG routines of the task)
 * and the semaphore traps.  Lifetime and locking in semaphore.h.
 *
 * Interruption: a wait interrupted by thread_abort (thread_act.c) or a
 * Linux signal returns KERN_ABORTED, as XNU's waits interrupted by
 * thread_abort or by a signal's thread_abort_safely do.  libmach asks
 * (MACHINA_SEM_SIGNAL_EINTR) for -EINTR instead when a signal alone
 * interrupted it, and then waits again (with the time that remains), so a
 * handled signal is invisible to the program, while a fatal one ends the
 * waiter at once; a thread_abort reaches the program as KERN_ABORTED.
 */
#include <linux/hrtimer.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "mach/ipc_kobject.h"
#include "mach/ipc_right.h"
#include "mach/ipc_space.h"
#include "mach/kern_return.h"
#include "mach/semaphore.h"
#include "mach/task.h"
#include "mach/thread.h"
#include "personality/calls.h"
#include "uapi/machina.h"

#define KERN_NOT_WAITING 48
#define SYNC_POLICY_MAX 0x7

unsigned int machina_max_semaphores = 8192;
module_param_named(max_semaphores, machina_max_semaphores, uint, 0644);
MODULE_PARM_DESC(max_semaphores, "Semaphores one task may own");

struct machina_semaphore {
	spinlock_t lock;
	struct kref ref;
	bool active;
	int count;
	int policy;
	struct list_head waiters; /* struct sem_waiter, FIFO */
	struct machina_task *owner; /* compared, never dereferenced */
	struct list_head task_link; /* owner->semaphores, under its lock */
	struct ipc_port *port;
};

#define WAIT_PENDING (-1)

struct sem_waiter {
	struct list_head link;
	struct task_struct *tsk;
	struct machina_thread *thread; /* for signal_thread */
	int result; /* WAIT_PENDING until woken */
};

static void sem_release(struct kref *ref)
{
	struct machina_semaphore *sem =
		container_of(ref, struct machina_semaphore, ref);

	ipc_port_put(sem->port);
	kfree(sem);
}

static void sem_put(struct machina_semaphore *sem)
{
	kref_put(&sem->ref, sem_release);
}

/*
 * sem_by_name - the semaphore a send right of the caller names
 * Returns: a referenced semaphore, or NULL with *kr = KERN_INVALID_NAME /
 * KERN_INVALID_RIGHT (no send right under the name, a dead name included)
 * or KERN_INVALID_ARGUMENT (a port that is not a semaphore).
 */
static void *sem_get(struct ipc_port *port, u32 types)
{
	struct machina_semaphore *sem = ipc_kobject_of(port, types);

	if (sem)
		kref_get(&sem->ref);
	return sem;
}

static void sem_put_obj(void *obj)
{
	sem_put(obj);
}

/* Semaphores belong to no exec image: their ports are not image-bound. */
static const struct ipc_kobject_kind sem_kind = {
	.right = MACH_PORT_TYPE_SEND,
	.get = sem_get,
	.put = sem_put_obj,
};

static struct machina_semaphore *sem_by_name(struct machina_task *task,
					     u32 name, int *kr)
{
	struct ipc_kobject_ref ref;

	/* The reference is the caller's to drop with sem_put(). */
	*kr = ipc_kobject_lookup(task->space, name, &sem_kind,
				 IKOT_BIT(IKOT_SEMAPHORE), &ref);
	return ref.obj;
}

/* Wake @w with @result.  Conditions: sem->lock held. */
static void wake_waiter(struct machina_semaphore *sem, struct sem_waiter *w,
			int result)
{
	lockdep_assert_held(&sem->lock);
	list_del_init(&w->link);
	w->result = result;
	wake_up_process(w->tsk);
}

enum sem_signal { SIGNAL_ONE, SIGNAL_ALL, SIGNAL_THREAD };

/*
 * sem_signal - semaphore_signal / signal_all / signal_thread
 * @thread: for SIGNAL_THREAD, the waiter to wake, or NULL for any.
 * SIGNAL_ONE wakes the first waiter or, with none, counts the signal;
 * SIGNAL_ALL wakes every waiter and counts nothing; SIGNAL_THREAD wakes one
 * waiter and counts nothing.
 * Returns: KERN_SUCCESS, KERN_NOT_WAITING (signal_thread found no such
 * waiter), KERN_TERMINATED (destroyed).
 */
static int sem_signal(struct machina_semaphore *sem, enum sem_signal how,
		      struct machina_thread *thread)
{
	struct sem_waiter *w, *tmp;
	int kr = KERN_SUCCESS;

	spin_lock(&sem->lock);
	if (!sem->active) {
		kr = KERN_TERMINATED;
		goto out;
	}
	switch (how) {
	case SIGNAL_ONE:
		w = list_first_entry_or_null(&sem->waiters, struct sem_waiter,
					     link);
		if (w)
			wake_waiter(sem, w, KERN_SUCCESS);
		else if (sem->count < INT_MAX)
			sem->count++;
		break;
	case SIGNAL_ALL:
		list_for_each_entry_safe(w, tmp, &sem->waiters, link)
			wake_waiter(sem, w, KERN_SUCCESS);
		break;
	case SIGNAL_THREAD:
		kr = KERN_NOT_WAITING;
		list_for_each_entry(w, &sem->waiters, link) {
			if (!thread || w->thread == thread) {
				wake_waiter(sem, w, KERN_SUCCESS);
				kr = KERN_SUCCESS;
				break;
			}
		}
		break;
	}
out:
	spin_unlock(&sem->lock);
	return kr;
}

/*
 * sem_wait - wait on @sem, after signalling @signal (wait_signal) if set
 * @timeout: relative; KTIME_MAX waits forever, 0 polls.
 * @eintr: a wait a Linux signal alone interrupts gives -EINTR.
 * Conditions: process context, no lock held; sleeps interruptibly.
 * Returns: KERN_SUCCESS, KERN_OPERATION_TIMED_OUT, KERN_ABORTED (a signal
 * or thread_abort), -EINTR (with @eintr: a signal, no thread_abort),
 * KERN_TERMINATED (@sem destroyed before or during the wait), or the
 * error of signalling @signal (then no wait happened).
 */
static int sem_wait(struct machina_task *task, struct machina_semaphore *sem,
		    struct machina_semaphore *signal, ktime_t timeout,
		    bool eintr)
{
	struct sem_waiter w = { .tsk = current, .result = WAIT_PENDING };
	ktime_t deadline;
	int kr;

	if (timeout != KTIME_MAX)
		deadline = ktime_add_safe(ktime_get(), timeout);
	else
		deadline = KTIME_MAX;
	w.thread = machina_thread_current(task);
	if (IS_ERR(w.thread))
		w.thread = NULL;

	spin_lock(&sem->lock);
	if (!sem->active) {
		spin_unlock(&sem->lock);
		return KERN_TERMINATED;
	}
	if (sem->count > 0) {
		sem->count--;
		spin_unlock(&sem->lock);
		if (!signal)
			return KERN_SUCCESS;
		kr = sem_signal(signal, SIGNAL_ONE, NULL);
		if (kr)
			sem_signal(sem, SIGNAL_ONE, NULL); /* give it back */
		return kr;
	}
	if (!timeout) {
		spin_unlock(&sem->lock);
		kr = signal ? sem_signal(signal, SIGNAL_ONE, NULL) :
			      KERN_SUCCESS;
		return kr ? kr : KERN_OPERATION_TIMED_OUT;
	}
	/* Queued before the other is signalled: its wakeup cannot be lost. */
	list_add_tail(&w.link, &sem->waiters);
	spin_unlock(&sem->lock);

	kr = signal ? sem_signal(signal, SIGNAL_ONE, NULL) : KERN_SUCCESS;
	while (!kr) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (READ_ONCE(w.result) != WAIT_PENDING)
			break;
		if (signal_pending(current)) {
			kr = KERN_ABORTED;
			break;
		}
		if (deadline != KTIME_MAX &&
		    ktime_after(ktime_get(), deadline)) {
			kr = KERN_OPERATION_TIMED_OUT;
			break;
		}
		schedule_hrtimeout_range(&deadline, current->timer_slack_ns,
					 HRTIMER_MODE_ABS);
	}
	__set_current_state(TASK_RUNNING);
	/* A signal, not a thread_abort: libmach resumes the wait. */
	if (kr == KERN_ABORTED && eintr &&
	    !machina_thread_abort_pending(w.thread))
		kr = -EINTR;

	/* The waker is done with @w once we hold the lock. */
	spin_lock(&sem->lock);
	if (w.result == WAIT_PENDING) {
		list_del(&w.link);
		spin_unlock(&sem->lock);
		return kr;
	}
	spin_unlock(&sem->lock);
	if (kr && w.result == KERN_SUCCESS)
		sem_signal(sem, SIGNAL_ONE, NULL); /* not taken: pass it on */
	return kr ? kr : w.result;
}

/*
 * sem_destroy - the semaphore goes: waiters get KERN_TERMINATED, its port
 * dies.  Consumes the owner list's reference.
 * Conditions: the caller took @sem off its owner's list; no lock held.
 */
static void sem_destroy(struct machina_semaphore *sem)
{
	struct sem_waiter *w, *tmp;

	spin_lock(&sem->lock);
	sem->active = false;
	list_for_each_entry_safe(w, tmp, &sem->waiters, link)
		wake_waiter(sem, w, KERN_TERMINATED);
	spin_unlock(&sem->lock);
	ipc_port_kobject_destroy(sem->port);
	sem_put(sem);
}

/* Take @sem off @task's list if it is there.  Returns whether it was. */
static bool sem_unlink(struct machina_task *task, struct machina_semaphore *sem)
{
	bool found = false;

	spin_lock(&task->lock);
	if (sem->owner == task && !list_empty(&sem->task_link)) {
		list_del_init(&sem->task_link);
		task->semaphore_count--;
		found = true;
	}
	spin_unlock(&task->lock);
	return found;
}

/*
 * machina_semaphore_task_terminate - destroy every semaphore @task owns
 * Conditions: task teardown, process context; no new semaphore can be
 * added (task->terminated is set).
 */
void machina_semaphore_task_terminate(struct machina_task *task)
{
	struct machina_semaphore *sem;

	for (;;) {
		spin_lock(&task->lock);
		sem = list_first_entry_or_null(
			&task->semaphores, struct machina_semaphore, task_link);
		if (sem) {
			list_del_init(&sem->task_link);
			task->semaphore_count--;
		}
		spin_unlock(&task->lock);
		if (!sem)
			return;
		sem_destroy(sem);
	}
}

/*
 * machina_call_semaphore_create - semaphore_create(task, &sem, policy, value)
 * in: task, right (policy), delta (value); out: name (a send right of the
 * caller).
 * Returns: KERN_SUCCESS; KERN_INVALID_ARGUMENT for a negative value, an
 * unknown policy or a port that is not a task; MACH_SEND_INVALID_DEST for a
 * task name that is no send right; KERN_RESOURCE_SHORTAGE past
 * max_semaphores or out of memory; KERN_INVALID_TASK for a dying task.
 */
long machina_call_semaphore_create(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct machina_semaphore *sem;
	struct ipc_kobject_ref ref;
	struct machina_task *owner;
	int kr;

	if (a->flags || a->reserved || a->name || a->value || a->value2 ||
	    a->context)
		return -EINVAL;
	kr = machina_task_lookup(task, a->task, MACHINA_TASK_CONTROL, &ref);
	if (kr)
		return kr;
	owner = ref.obj;
	kr = KERN_INVALID_ARGUMENT;
	if (a->delta < 0 || a->right > SYNC_POLICY_MAX)
		goto out_task;
	kr = KERN_RESOURCE_SHORTAGE;
	sem = kzalloc(sizeof(*sem), GFP_KERNEL_ACCOUNT);
	if (!sem)
		goto out_task;
	spin_lock_init(&sem->lock);
	kref_init(&sem->ref);
	INIT_LIST_HEAD(&sem->waiters);
	INIT_LIST_HEAD(&sem->task_link);
	sem->active = true;
	sem->count = a->delta;
	sem->policy = a->right;
	sem->owner = owner;
	sem->port = ipc_kobject_alloc_port(IKOT_SEMAPHORE, sem);
	if (!sem->port) {
		kfree(sem);
		goto out_task;
	}

	spin_lock(&owner->lock);
	if (owner->terminated)
		kr = KERN_INVALID_TASK;
	else if (owner->semaphore_count >= machina_max_semaphores)
		kr = KERN_RESOURCE_SHORTAGE;
	else
		kr = KERN_SUCCESS;
	if (!kr) {
		list_add_tail(&sem->task_link, &owner->semaphores);
		owner->semaphore_count++;
	}
	spin_unlock(&owner->lock);
	if (kr) {
		sem->active = false;
		ipc_port_kobject_destroy(sem->port);
		sem_put(sem);
		goto out_task;
	}

	kr = ipc_kobject_copyout_send(task->space, sem->port, true, &a->name);
	if (kr) {
		/* The caller cannot name it: it must not outlive this call. */
		if (sem_unlink(owner, sem))
			sem_destroy(sem);
		a->name = 0;
	}
out_task:
	ipc_kobject_ref_put(&ref);
	return kr;
}

/*
 * machina_call_semaphore_destroy - semaphore_destroy(task, sem)
 * in: task, name.  Like Darwin's MIG routine, the request carries the
 * caller's send right away: one user reference of @name is consumed
 * whenever @name held a send right.
 * Returns: KERN_SUCCESS; KERN_INVALID_ARGUMENT when @task does not own the
 * semaphore, or @name is not a semaphore; KERN_TERMINATED for one already
 * destroyed; MACH_SEND_INVALID_DEST for a task name that is no send right.
 */
long machina_call_semaphore_destroy(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct machina_semaphore *sem;
	struct machina_task *owner;
	struct ipc_space *space = task->space;
	struct ipc_kobject_ref ref;
	struct ipc_entry *entry;
	int kr;

	if (a->flags || a->reserved || a->right || a->delta || a->value ||
	    a->value2 || a->context)
		return -EINVAL;
	kr = machina_task_lookup(task, a->task, MACHINA_TASK_CONTROL, &ref);
	if (kr)
		return kr;
	owner = ref.obj;
	sem = sem_by_name(task, a->name, &kr);
	if (!sem) {
		kr = KERN_INVALID_ARGUMENT;
	} else {
		if (sem_unlink(owner, sem)) {
			sem_destroy(sem);
			kr = KERN_SUCCESS;
		} else {
			kr = sem->owner == owner ? KERN_TERMINATED :
						   KERN_INVALID_ARGUMENT;
		}
		sem_put(sem);
	}

	/*
	 * The request was sent (the task name was good), carrying the send
	 * right, or a dead name's reference, away: consume it in any case.
	 */
	mutex_lock(&space->lock);
	entry = MACH_PORT_VALID(a->name) ? ipc_entry_lookup(space, a->name) :
					   NULL;
	if (entry) {
		ipc_right_check(space, entry);
		if (entry->type &
		    (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_DEAD_NAME))
			ipc_right_dealloc(space, entry);
	}
	mutex_unlock(&space->lock);
	ipc_kobject_ref_put(&ref);
	return kr;
}

static bool sem_args_ok(const struct machina_semaphore_args *a, bool other,
			bool timed)
{
	if (a->reserved)
		return false;
	if (!other && a->other)
		return false;
	if (!timed && (a->sec || a->nsec))
		return false;
	return true;
}

static int timespec_timeout(const struct machina_semaphore_args *a,
			    ktime_t *timeout)
{
	if (a->nsec < 0 || a->nsec >= NSEC_PER_SEC)
		return KERN_INVALID_VALUE;
	*timeout = ktime_set(a->sec, a->nsec);
	return KERN_SUCCESS;
}

static long signal_call(struct machina_task *task, void *arg,
			enum sem_signal how)
{
	struct machina_semaphore_args *a = arg;
	struct machina_semaphore *sem;
	int kr;

	if (!sem_args_ok(a, false, false) || a->flags)
		return -EINVAL;
	sem = sem_by_name(task, a->semaphore, &kr);
	if (!sem)
		return kr;
	kr = sem_signal(sem, how, NULL);
	sem_put(sem);
	return kr;
}

long machina_call_semaphore_signal(struct machina_task *task, void *arg)
{
	return signal_call(task, arg, SIGNAL_ONE);
}

long machina_call_semaphore_signal_all(struct machina_task *task, void *arg)
{
	return signal_call(task, arg, SIGNAL_ALL);
}

/*
 * machina_call_semaphore_signal_thread - wake the waiter that is thread
 * @other (a thread port name), or any waiter for other = 0.
 * Returns: as sem_signal(); KERN_INVALID_ARGUMENT when @other is not a
 * thread port.
 */
long machina_call_semaphore_signal_thread(struct machina_task *task, void *arg)
{
	struct machina_semaphore_args *a = arg;
	struct ipc_kobject_ref ref = { };
	struct machina_semaphore *sem;
	int kr;

	if (!sem_args_ok(a, true, false) || a->flags)
		return -EINVAL;
	sem = sem_by_name(task, a->semaphore, &kr);
	if (!sem)
		return kr;
	if (a->other && machina_thread_lookup(task, a->other, &ref)) {
		sem_put(sem);
		return KERN_INVALID_ARGUMENT;
	}
	/* The record is only compared with waiters' records. */
	kr = sem_signal(sem, SIGNAL_THREAD, ref.obj);
	ipc_kobject_ref_put(&ref);
	sem_put(sem);
	return kr;
}

static long wait_call(struct machina_task *task, void *arg, bool other,
		      bool timed)
{
	struct machina_semaphore_args *a = arg;
	struct machina_semaphore *sem, *signal = NULL;
	ktime_t timeout = KTIME_MAX;
	int kr;

	if (!sem_args_ok(a, other, timed) ||
	    (a->flags & ~MACHINA_SEM_SIGNAL_EINTR))
		return -EINVAL;
	if (timed) {
		kr = timespec_timeout(a, &timeout);
		if (kr)
			return kr;
	}
	sem = sem_by_name(task, a->semaphore, &kr);
	if (!sem)
		return kr;
	if (other) {
		signal = sem_by_name(task, a->other, &kr);
		if (!signal) {
			sem_put(sem);
			return kr;
		}
	}
	kr = sem_wait(task, sem, signal, timeout,
		      a->flags & MACHINA_SEM_SIGNAL_EINTR);
	if (signal)
		sem_put(signal);
	sem_put(sem);
	return kr;
}

long machina_call_semaphore_wait(struct machina_task *task, void *arg)
{
	return wait_call(task, arg, false, false);
}

long machina_call_semaphore_timedwait(struct machina_task *task, void *arg)
{
	return wait_call(task, arg, false, true);
}

long machina_call_semaphore_wait_signal(struct machina_task *task, void *arg)
{
	return wait_call(task, arg, true, false);
}

long machina_call_semaphore_timedwait_signal(struct machina_task *task,
					     void *arg)
{
	return wait_call(task, arg, true, true);
}
