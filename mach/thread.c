// SPDX-License-Identifier: GPL-2.0
/*
 * Mach thread records and thread ports: creation (by the thread itself or
 * by a caller enumerating another task's threads), death at thread exit,
 * lookup by port name, and the calls that only read a thread:
 * mach_thread_self, thread_info, task_threads.  Lifetime rules and locks
 * are in thread.h and task.h.
 */
#include <linux/atomic.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/cputime.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/uaccess.h>

#include "mach/exc_action.h"
#include "mach/ipc_kobject.h"
#include "mach/ipc_right.h"
#include "mach/ipc_space.h"
#include "mach/kern_return.h"
#include "mach/sched_placement.h"
#include "mach/sched_qos.h"
#include "mach/task.h"
#include "mach/thread.h"
#include "personality/calls.h"
#include "uapi/machina.h"

/* Darwin's thread_info flavors, counts (32-bit words) and values. */
#define THREAD_BASIC_INFO		3
#define THREAD_BASIC_INFO_COUNT		10
#define THREAD_IDENTIFIER_INFO		4
#define THREAD_IDENTIFIER_INFO_COUNT	6
#define THREAD_EXTENDED_INFO		5
#define THREAD_EXTENDED_INFO_COUNT	28
#define THREAD_EXTENDED_NAME		64
#define MAXPRI_USER			63
#define TH_STATE_RUNNING		1
#define TH_STATE_STOPPED		2
#define TH_STATE_WAITING		3
#define TH_STATE_UNINTERRUPTIBLE	4
#define TH_STATE_HALTED			5
#define TH_USAGE_SCALE			1000
#define POLICY_TIMESHARE		1
#define POLICY_RR			2
#define POLICY_FIFO			4

static atomic_long_t live_threads = ATOMIC_LONG_INIT(0);
static atomic64_t thread_serials = ATOMIC64_INIT(0);

long machina_thread_live_count(void)
{
	return atomic_long_read(&live_threads);
}

/*
 * lookup - a thread record of @task
 * Conditions: rcu_read_lock() or task->lock held.
 */
static struct machina_thread *lookup(struct machina_task *task, struct pid *pid)
{
	struct machina_thread *thread;

	hash_for_each_possible_rcu(task->threads, thread, task_node,
				   (unsigned long)pid,
				   lockdep_is_held(&task->lock)) {
		if (thread->pid == pid)
			return thread;
	}
	return NULL;
}

static void thread_free_rcu(struct rcu_head *rcu)
{
	struct machina_thread *thread =
		container_of(rcu, struct machina_thread, rcu);

	machina_placement_release(&thread->sched);
	put_pid(thread->pid);
	kfree(thread);
}

/*
 * The task reference goes now, not from the RCU callback: a callback that
 * queued the task's own call_rcu() could escape the rcu_barrier() of
 * module unload.  Nothing reads thread->task once the count is zero.
 */
static void thread_release(struct kref *ref)
{
	struct machina_thread *thread =
		container_of(ref, struct machina_thread, ref);
	struct machina_task *task = thread->task;

	call_rcu(&thread->rcu, thread_free_rcu);
	machina_task_put(task);
}

/* machina_thread_put - drop a reference.  Conditions: any context. */
void machina_thread_put(struct machina_thread *thread)
{
	if (thread)
		kref_put(&thread->ref, thread_release);
}

/*
 * kill_port - the DEAD record's port dies: dead-name notifications fire and
 * every send right reads as a dead name; its special reply port is let go
 * (it stays in the space), its exception actions are released.  Then the reference the hash held goes (see
 * thread.h).
 * Conditions: process context, no locks held; the record is DEAD.
 */
static void kill_port(struct machina_thread *thread)
{
	struct machina_task *task = thread->task;
	struct ipc_port *port;

	/* Callers waiting for it to stop must look again: it is DEAD. */
	wake_up_all(&thread->wq);
	spin_lock(&task->lock);
	port = thread->port;
	thread->port = NULL;
	spin_unlock(&task->lock);
	if (port) {
		ipc_port_kobject_destroy(port);
		ipc_port_put(port);
	}
	/* Only a LIVE record binds one (special_reply.c): none comes later. */
	machina_thread_unbind_special_reply(thread);
	/* Its exception actions die with it (exit, exec, teardown). */
	machina_exc_thread_close(thread);
	ipc_qos_override_thread_dead(thread);
	machina_thread_put(thread);
}

static void death_work(struct work_struct *work)
{
	kill_port(container_of(work, struct machina_thread, death_work));
}

/*
 * unlink_thread - LIVE -> DEAD
 * Conditions: task->lock held; the record is in task->threads.  The hash's
 * reference now belongs to whoever calls kill_port(), which also wakes
 * thread->wq: no wake-up under task->lock, which the probes never take.
 */
static void unlink_thread(struct machina_task *task,
			  struct machina_thread *thread)
{
	lockdep_assert_held(&task->lock);
	hash_del_rcu(&thread->task_node);
	thread->dead = true;
	task->thread_count--;
	atomic_long_dec(&live_threads);
}

static void exit_unlink_work(struct work_struct *work);

static struct machina_thread *thread_alloc(struct machina_task *task,
					   struct task_struct *p)
{
	struct machina_thread *thread;

	thread = kzalloc(sizeof(*thread), GFP_KERNEL_ACCOUNT);
	if (!thread)
		return NULL;
	thread->pid = get_pid(task_pid(p));
	/* Only @p's own exec changes it, and that kills this record. */
	thread->gen = READ_ONCE(p->self_exec_id);
	machina_task_get(task);
	thread->task = task;
	thread->serial = atomic64_inc_return(&thread_serials);
	kref_init(&thread->ref);
	mutex_init(&thread->state_mutex);
	init_waitqueue_head(&thread->wq);
	INIT_WORK(&thread->death_work, death_work);
	INIT_WORK(&thread->exit_fallback, exit_unlink_work);
	INIT_LIST_HEAD(&thread->reap_node);
	machina_thread_act_init(thread);
	machina_sched_init(&thread->sched);
	ipc_qos_override_init(thread);
	return thread;
}

/* A record that was never published. */
static void thread_discard(struct machina_thread *thread)
{
	put_pid(thread->pid);
	machina_task_put(thread->task);
	kfree(thread);
}

/*
 * record_get - the record of Linux thread @p of @task, made if missing
 * Conditions: process context, no locks held; @p is referenced and belongs
 * to @task's thread group.
 * Returns: a referenced record; NULL when @p is exiting or @task is being
 * torn down (no record may be added then: nothing would remove it); or
 * ERR_PTR(-ENOMEM).  @created tells whether the record is new.
 *
 * A thread that is exiting sets PF_EXITING before the exit tracepoint takes
 * task->lock to remove its record; reading PF_EXITING under task->lock
 * after inserting closes the race: either the probe finds the record, or we
 * see the flag.
 */
static struct machina_thread *record_get(struct machina_task *task,
					 struct task_struct *p, bool *created)
{
	struct pid *pid = task_pid(p);
	struct machina_thread *thread, *found;

	*created = false;
	rcu_read_lock();
	thread = lookup(task, pid);
	if (thread && !kref_get_unless_zero(&thread->ref))
		thread = NULL;
	rcu_read_unlock();
	if (thread)
		return thread;

	thread = thread_alloc(task, p);
	if (!thread)
		return ERR_PTR(-ENOMEM);

	spin_lock(&task->lock);
	found = lookup(task, pid);
	if (found) {
		kref_get(&found->ref);
		spin_unlock(&task->lock);
		thread_discard(thread);
		return found;
	}
	if (task->terminated || (READ_ONCE(p->flags) & PF_EXITING)) {
		spin_unlock(&task->lock);
		thread_discard(thread);
		return NULL;
	}
	hash_add_rcu(task->threads, &thread->task_node, (unsigned long)pid);
	/* Pairs with machina_thread_exited(): the insert before the flag read. */
	smp_mb();
	if (READ_ONCE(p->flags) & PF_EXITING) {
		hash_del_rcu(&thread->task_node);
		/* The exit probe may have found it: its work must skip it. */
		thread->dead = true;
		spin_unlock(&task->lock);
		/* Readers may have seen it: freed after a grace period. */
		kref_put(&thread->ref, thread_release);
		return NULL;
	}
	task->thread_count++;
	atomic_long_inc(&live_threads);
	kref_get(&thread->ref);		/* the caller's */
	spin_unlock(&task->lock);
	*created = true;
	return thread;
}

/*
 * machina_thread_current - the calling thread's record in @task
 * Conditions: @task is the caller's own task; process context, no locks held.
 * Returns: the record, valid until the calling thread exits (only its own
 * exit or the task's teardown unlinks it), or ERR_PTR(-ENOMEM / -ESRCH).
 * A thread recognised for the first time while its task is suspended stops
 * when it returns to user mode.
 */
struct machina_thread *machina_thread_current(struct machina_task *task)
{
	struct machina_thread *thread;
	bool created;

	thread = record_get(task, current, &created);
	if (IS_ERR_OR_NULL(thread))
		return thread ? thread : ERR_PTR(-ESRCH);
	if (created)
		machina_thread_stop_if_suspended(thread);
	/* The hash keeps it alive for as long as this thread runs. */
	machina_thread_put(thread);
	return thread;
}

/*
 * machina_thread_self - the calling thread's record in @task if it has one
 * (none is made), without a reference
 * Lifetime: a thread's record is unlinked only by the thread's own exit,
 * its own exec (both in the thread itself), or its task's teardown, which
 * runs once every thread of the group has passed exit (signal->live 0):
 * so the record stays valid for as long as the calling thread runs and
 * has not exec'd, even asleep in a receive.  Never keep it past the call.
 * Conditions: @task is the caller's own task; process context.
 * Returns: the record or NULL.
 */
struct machina_thread *machina_thread_self(struct machina_task *task)
{
	struct machina_thread *thread;

	rcu_read_lock();
	thread = lookup(task, task_pid(current));
	rcu_read_unlock();
	return thread;
}

/*
 * machina_thread_lookup_rcu - the live record of thread @pid in @task, for
 * tracepoint probes
 * Conditions: rcu_read_lock() held; no reference is taken.
 */
struct machina_thread *machina_thread_lookup_rcu(struct machina_task *task,
						 struct pid *pid)
{
	return lookup(task, pid);
}

/*
 * machina_thread_of - the record of @p, a thread of the caller's own
 * process (@task is the caller's task), made if missing
 * Conditions: process context, no locks held; @p is referenced.
 * Returns: a referenced record (machina_thread_put()), or NULL when @p is
 * exiting or the task is being torn down, or ERR_PTR(-ENOMEM).
 */
struct machina_thread *machina_thread_of(struct machina_task *task,
					 struct task_struct *p)
{
	struct machina_thread *thread;
	bool created;

	thread = record_get(task, p, &created);
	if (!IS_ERR_OR_NULL(thread) && created)
		machina_thread_stop_if_suspended(thread);
	return thread;
}

/*
 * exit_unlink - the exiting thread's record goes: LIVE -> DEAD, then its
 * port dies from the task workqueue (destroying it may sleep)
 * Conditions: task work of the exiting thread itself (exit_task_work(),
 * process context, no locks held), queued by machina_thread_exited();
 * owns a reference on the record.  The task's teardown may have unlinked
 * the record first.
 */
static void exit_unlink(struct callback_head *cb)
{
	struct machina_thread *thread =
		container_of(cb, struct machina_thread, exit_work);
	struct machina_task *task = thread->task;
	bool unlinked = false;

	spin_lock(&task->lock);
	if (!thread->dead) {
		unlink_thread(task, thread);
		unlinked = true;
	}
	spin_unlock(&task->lock);
	if (unlinked)
		machina_task_queue_work(&thread->death_work);
	machina_thread_put(thread);
}

static void exit_unlink_work(struct work_struct *work)
{
	exit_unlink(&container_of(work, struct machina_thread, exit_fallback)->exit_work);
}

/*
 * machina_thread_exited - forget a thread that is leaving do_exit()
 * Conditions: the exit tracepoint in the exiting thread (preemption
 * disabled: only RCU, atomics and task work here, nothing that may sleep,
 * also on PREEMPT_RT); rcu_read_lock() held by the caller to keep @task.
 * The record is unlinked by task work the same thread runs a moment later
 * in exit_task_work(), before it can be reaped.
 *
 * record_get() inserts under task->lock, then reads PF_EXITING; the exiting
 * thread set PF_EXITING long before, and the barrier below orders that
 * store before this lookup: either the lookup finds the record or
 * record_get() sees the flag and backs off.
 */
void machina_thread_exited(struct machina_task *task, struct pid *pid)
{
	struct machina_thread *thread;

	smp_mb();
	thread = lookup(task, pid);
	if (!thread || !kref_get_unless_zero(&thread->ref))
		return;
	init_task_work(&thread->exit_work, exit_unlink);
	if (task_work_add(current, &thread->exit_work, TWA_NONE))
		/* Past its task work: a worker does it. */
		machina_task_queue_work(&thread->exit_fallback);
}

/*
 * machina_thread_exec - the calling thread starts a new image
 * Its record dies as at thread exit (its port becomes a dead name in every
 * space), so a thread port handed out before the exec cannot suspend or
 * steer the new image, which may run with raised credentials; the thread's
 * next call makes a fresh record and port, as XNU gives the exec'd thread a
 * new port.  A thread other than the leader that exec'd has taken the
 * leader's pid (de_thread()); its record, keyed by its old pid, is found by
 * @old_pid (a global pid number, as the exec tracepoint reports it).
 * Conditions: exec's task work in @p (current), process context, no locks
 * held, before the new image returns to user mode; a reference on @task.
 */
void machina_thread_exec(struct machina_task *task, struct task_struct *p,
			 pid_t old_pid)
{
	struct machina_thread *thread, *dying[2];
	unsigned int n = 0, i;
	int bkt;

	spin_lock(&task->lock);
	hash_for_each(task->threads, bkt, thread, task_node) {
		if (n < ARRAY_SIZE(dying) &&
		    (thread->pid == task_pid(p) || pid_nr(thread->pid) == old_pid))
			dying[n++] = thread;
	}
	for (i = 0; i < n; i++)
		unlink_thread(task, dying[i]);
	spin_unlock(&task->lock);
	for (i = 0; i < n; i++) {
		/* Its own record (not a dead leader's): a message's lift goes. */
		if (pid_nr(dying[i]->pid) == old_pid)
			ipc_qos_override_exec(dying[i]);
		machina_task_queue_work(&dying[i]->death_work);
	}
}

/*
 * machina_thread_remove_all - every record of a terminated task dies, with
 * its port, before the teardown goes on
 * Conditions: process context, no locks held; the task is out of the table
 * and marked terminated, so no record can be added any more.
 */
void machina_thread_remove_all(struct machina_task *task)
{
	struct machina_thread *thread, *next;
	struct hlist_node *tmp;
	LIST_HEAD(reap);
	int bkt;

	spin_lock(&task->lock);
	hash_for_each_safe(task->threads, bkt, tmp, thread, task_node) {
		unlink_thread(task, thread);
		list_add_tail(&thread->reap_node, &reap);
	}
	spin_unlock(&task->lock);
	list_for_each_entry_safe(thread, next, &reap, reap_node) {
		list_del_init(&thread->reap_node);
		kill_port(thread);
	}
}

/*
 * machina_thread_get_task_struct - the Linux thread of a record
 * Returns: a referenced task_struct (put_task_struct()), or NULL once the
 * thread has been reaped.
 */
struct task_struct *machina_thread_get_task_struct(struct machina_thread *thread)
{
	return get_pid_task(thread->pid, PIDTYPE_PID);
}

/*
 * machina_thread_dead - whether the record is DEAD (its thread exited or
 * exec'd: callers answer KERN_TERMINATED)
 * Conditions: task->lock not held.
 */
bool machina_thread_dead(struct machina_thread *thread)
{
	bool dead;

	spin_lock(&thread->task->lock);
	dead = thread->dead;
	spin_unlock(&thread->task->lock);
	return dead;
}

/*
 * machina_thread_held - whether the thread must stay stopped: the record
 * is live and its own or its task's suspend count is non-zero
 * Conditions: task->lock held.
 */
bool machina_thread_held(struct machina_thread *thread)
{
	lockdep_assert_held(&thread->task->lock);
	/* A dead record's suspensions died with its port (exec). */
	return !thread->dead &&
	       (thread->suspend_count || thread->task->suspend_count);
}

/*
 * machina_thread_collect - records for every live Linux thread of @task's
 * thread group, in creation order (the group's thread list), made for
 * threads that never called in.  io_uring workers and exiting threads are
 * left out.
 * Conditions: process context, no locks held.
 * Returns: 0 with a kvmalloc'ed array of referenced records in *threadsp
 * (release with machina_thread_put_array()), or -ENOMEM.
 */
int machina_thread_collect(struct machina_task *task,
			   struct machina_thread ***threadsp,
			   unsigned int *countp)
{
	struct machina_thread **threads = NULL, *thread;
	struct task_struct *leader, *t, **tasks = NULL;
	unsigned int n, i, found, count = 0;
	bool created, over;
	int err = 0;

	*threadsp = NULL;
	*countp = 0;
	leader = get_pid_task(task->tgid, PIDTYPE_TGID);
	if (!leader)
		return 0;
	n = get_nr_threads(leader) + 8;
	for (;;) {
		tasks = kvmalloc_array(n, sizeof(*tasks), GFP_KERNEL_ACCOUNT);
		if (!tasks) {
			err = -ENOMEM;
			goto out_leader;
		}
		found = 0;
		over = false;
		rcu_read_lock();
		for_each_thread(leader, t) {
			if (t->flags & (PF_EXITING | PF_IO_WORKER))
				continue;
			if (found == n) {
				over = true;
				break;
			}
			get_task_struct(t);
			tasks[found++] = t;
		}
		rcu_read_unlock();
		if (!over)
			break;
		/* The group grew meanwhile: count again with more room. */
		for (i = 0; i < found; i++)
			put_task_struct(tasks[i]);
		kvfree(tasks);
		if (n > INT_MAX / 2) {
			err = -ENOMEM;
			goto out_leader;
		}
		n *= 2;
	}

	threads = kvmalloc_array(found ? found : 1, sizeof(*threads),
				 GFP_KERNEL_ACCOUNT);
	if (!threads) {
		err = -ENOMEM;
		goto out_tasks;
	}
	for (i = 0; i < found; i++) {
		thread = record_get(task, tasks[i], &created);
		if (IS_ERR(thread)) {
			err = PTR_ERR(thread);
			machina_thread_put_array(threads, count);
			threads = NULL;
			goto out_tasks;
		}
		if (thread)
			threads[count++] = thread;
	}
	*threadsp = threads;
	*countp = count;
out_tasks:
	for (i = 0; i < found; i++)
		put_task_struct(tasks[i]);
	kvfree(tasks);
out_leader:
	put_task_struct(leader);
	return err;
}

void machina_thread_put_array(struct machina_thread **threads,
			      unsigned int count)
{
	unsigned int i;

	if (!threads)
		return;
	for (i = 0; i < count; i++)
		machina_thread_put(threads[i]);
	kvfree(threads);
}

/* The thread kind of ipc_kobject_lookup(). */
static void *thread_get(struct ipc_port *port, u32 types)
{
	struct machina_thread *thread = ipc_kobject_of(port, types);

	/* A port's kobject pointer is covered by a reference (thread.h). */
	if (thread)
		kref_get(&thread->ref);
	return thread;
}

static void thread_put_obj(void *obj)
{
	machina_thread_put(obj);
}

static struct pid *thread_image(void *obj)
{
	return ((struct machina_thread *)obj)->task->tgid;
}

static const struct ipc_kobject_kind thread_kind = {
	.right = MACH_PORT_TYPE_SEND,
	.get = thread_get,
	.put = thread_put_obj,
	.image = thread_image,
};

/*
 * machina_thread_lookup - the thread whose port @caller names @name, with
 * its process's exec image held (the port must be of the image running)
 * Conditions: process context, no IPC lock held; may sleep.
 * Returns: KERN_SUCCESS with @ref (ref->obj the record; release with
 * ipc_kobject_ref_put()), or MACH_SEND_INVALID_DEST (no live send right,
 * or a port of another image), KERN_INVALID_ARGUMENT (another kind of
 * port), KERN_ABORTED.
 */
int machina_thread_lookup(struct machina_task *caller, u32 name,
			  struct ipc_kobject_ref *ref)
{
	int kr = ipc_kobject_lookup(caller->space, name, &thread_kind,
				    IKOT_BIT(IKOT_THREAD), ref);

	return machina_image_kr(kr);
}

/*
 * thread_port - the record's port, made on first use
 * Conditions: process context, no locks held.
 * Returns: a referenced port, or NULL when the record is DEAD without a
 * port or memory ran out (*kr says which: MACH_SEND_INVALID_DEST or
 * KERN_RESOURCE_SHORTAGE).
 */
static struct ipc_port *thread_port(struct machina_thread *thread, int *kr)
{
	struct machina_task *task = thread->task;
	struct ipc_port *port, *fresh = NULL;

	for (;;) {
		spin_lock(&task->lock);
		if (!thread->port && !thread->dead && fresh) {
			/* The kobject pointer is covered by the hash's ref. */
			thread->port = fresh;
			fresh = NULL;
		}
		port = thread->port;
		if (port)
			ipc_port_get(port);
		*kr = thread->dead ? MACH_SEND_INVALID_DEST : KERN_SUCCESS;
		spin_unlock(&task->lock);
		if (port || *kr || fresh)
			break;
		fresh = ipc_kobject_alloc_port(IKOT_THREAD, thread);
		if (!fresh) {
			*kr = KERN_RESOURCE_SHORTAGE;
			return NULL;
		}
		fresh->kobject_gen = thread->gen;
	}
	if (fresh) {
		/* Lost a race, or the thread died meanwhile. */
		ipc_port_kobject_destroy(fresh);
		ipc_port_put(fresh);
	}
	return port;
}

/*
 * give_send - a new send right to @port in @space, coalesced with the name
 * the space already has for it (one more user reference, as Darwin's
 * mach_thread_self() gives)
 * Consumes the caller's reference on @port.  Conditions: space->lock held.
 */
static int give_send(struct ipc_space *space, struct ipc_port *port,
		     mach_port_name_t *namep)
{
	struct ipc_msg_right r = {
		.obj = &port->obj,
		.type = MACH_MSG_TYPE_PORT_SEND,
	};

	lockdep_assert_held(&space->lock);
	ipc_port_make_send(port);
	return ipc_right_copyout(space, &r, namep);
}

/*
 * machina_call_thread_self - mach_thread_self(): a send right to the
 * calling thread's port
 * Conditions: @task is the caller's task; process context.
 */
long machina_call_thread_self(struct machina_task *task, void *arg)
{
	struct machina_name_out *out = arg;
	struct machina_thread *thread;
	struct ipc_port *port;
	int kr;

	if (out->flags)
		return -EINVAL;
	thread = machina_thread_current(task);
	if (IS_ERR(thread))
		return PTR_ERR(thread);
	port = thread_port(thread, &kr);
	if (!port)
		return kr;
	mutex_lock(&task->space->lock);
	kr = give_send(task->space, port, &out->name);
	mutex_unlock(&task->space->lock);
	return kr;
}

static void put_time(u32 *info, u64 ns)
{
	u64 us = div_u64(ns, NSEC_PER_USEC);

	info[0] = (u32)div_u64_rem(us, USEC_PER_SEC, &info[1]);
}

static u32 run_state(struct machina_thread *thread, struct task_struct *p)
{
	unsigned int state = READ_ONCE(p->__state);
	bool stopped, dead;

	spin_lock(&thread->task->lock);
	stopped = thread->stopped;
	dead = thread->dead;
	spin_unlock(&thread->task->lock);
	if (dead || p->exit_state || (p->flags & PF_EXITING))
		return TH_STATE_HALTED;
	if (stopped || (state & (__TASK_STOPPED | __TASK_TRACED)))
		return TH_STATE_STOPPED;
	if (state == TASK_RUNNING)
		return TH_STATE_RUNNING;
	if (state & TASK_UNINTERRUPTIBLE)
		return TH_STATE_UNINTERRUPTIBLE;
	return TH_STATE_WAITING;
}

/*
 * mach_policy - the thread's policy as Darwin names it: FIFO or RR for a
 * Linux real-time thread, RR for a fixed-priority one (THREAD_EXTENDED_POLICY
 * with timeshare false, XNU's TH_MODE_FIXED), else TIMESHARE
 */
static u32 mach_policy(struct machina_thread *thread, struct task_struct *p)
{
	bool timeshare;

	switch (READ_ONCE(p->policy)) {
	case SCHED_FIFO:
		return POLICY_FIFO;
	case SCHED_RR:
		return POLICY_RR;
	}
	mutex_lock(&thread->sched.lock);
	timeshare = thread->sched.req.timeshare;
	mutex_unlock(&thread->sched.lock);
	return timeshare ? POLICY_TIMESHARE : POLICY_RR;
}

/*
 * basic_info - THREAD_BASIC_INFO: times from the Linux thread's
 * accounting, cpu_usage from the scheduler's utilisation average (scaled to
 * TH_USAGE_SCALE), policy from its Linux policy, suspend_count the
 * thread_suspend nesting (Darwin's user_stop_count), sleep_time 0 (always 0
 * on Darwin), flags 0 (no idle or swapped threads here).
 */
static void basic_info(struct machina_thread *thread, struct task_struct *p,
		       u32 *info)
{
	u64 usage = 0, ut, st;

	task_cputime_adjusted(p, &ut, &st);
	put_time(&info[0], ut);
	put_time(&info[2], st);
#ifdef CONFIG_SMP
	usage = READ_ONCE(p->se.avg.util_avg) * TH_USAGE_SCALE /
		SCHED_CAPACITY_SCALE;
#endif
	info[4] = min_t(u64, usage, TH_USAGE_SCALE);
	info[5] = mach_policy(thread, p);
	info[6] = run_state(thread, p);
	info[7] = 0;
	spin_lock(&thread->task->lock);
	info[8] = thread->suspend_count;
	spin_unlock(&thread->task->lock);
	info[9] = 0;
}

/*
 * identifier_info - THREAD_IDENTIFIER_INFO: thread_id is the record's serial
 * (unique for the module's lifetime, the thread_serial task_identity
 * reports), thread_handle the thread pointer (x86_64 fs base, arm64
 * TPIDR_EL0), dispatch_qaddr 0.
 */
static void identifier_info(struct machina_thread *thread,
			    struct task_struct *p, u32 *info)
{
	u64 words[3] = { thread->serial, machina_thread_tls_base(p), 0 };

	memcpy(info, words, sizeof(words));
}

/*
 * extended_info - THREAD_EXTENDED_INFO: the basic values (times in
 * nanoseconds), the base priority the thread's policy gives it (its QoS or
 * precedence, else what its nice value stands for; sched_qos.c) as both
 * current and base priority, MAXPRI_USER, and the Linux thread's name.
 */
static void extended_info(struct machina_thread *thread,
			  struct task_struct *p, u32 *info)
{
	u32 basic[THREAD_BASIC_INFO_COUNT];
	u64 times[2];
	int pri;

	basic_info(thread, p, basic);
	times[0] = (u64)basic[0] * NSEC_PER_SEC + (u64)basic[1] * NSEC_PER_USEC;
	times[1] = (u64)basic[2] * NSEC_PER_SEC + (u64)basic[3] * NSEC_PER_USEC;
	memcpy(info, times, sizeof(times));
	info[4] = basic[4];		/* cpu_usage */
	info[5] = basic[5];		/* policy */
	info[6] = basic[6];		/* run_state */
	info[7] = basic[7];		/* flags */
	info[8] = 0;			/* sleep_time */
	machina_sched_lock(thread, p);
	pri = machina_sched_xnu_priority(&thread->sched, p);
	mutex_unlock(&thread->sched.lock);
	info[9] = pri;			/* curpri */
	info[10] = pri;			/* priority */
	info[11] = MAXPRI_USER;		/* maxpriority */
	BUILD_BUG_ON(TASK_COMM_LEN > THREAD_EXTENDED_NAME);
	task_lock(p);
	strscpy((char *)&info[12], p->comm, TASK_COMM_LEN);
	task_unlock(p);
}

/*
 * machina_call_thread_info - thread_info()
 * Returns: KERN_SUCCESS; KERN_INVALID_ARGUMENT for an unknown flavor or too
 * small a count; the lookup's error for a bad name.
 */
long machina_call_thread_info(struct machina_task *task, void *arg)
{
	struct machina_info *in = arg;
	struct machina_thread *thread;
	struct ipc_kobject_ref ref;
	struct task_struct *p;
	u32 need;
	int kr;

	if (in->flags)
		return -EINVAL;
	kr = machina_thread_lookup(task, in->target, &ref);
	if (kr)
		return kr;
	thread = ref.obj;
	switch (in->flavor) {
	case THREAD_BASIC_INFO:
		need = THREAD_BASIC_INFO_COUNT;
		break;
	case THREAD_IDENTIFIER_INFO:
		need = THREAD_IDENTIFIER_INFO_COUNT;
		break;
	case THREAD_EXTENDED_INFO:
		need = THREAD_EXTENDED_INFO_COUNT;
		break;
	default:
		kr = KERN_INVALID_ARGUMENT;
		goto out;
	}
	kr = KERN_INVALID_ARGUMENT;
	if (in->count < need)
		goto out;
	kr = MACH_SEND_INVALID_DEST;
	p = machina_thread_get_task_struct(thread);
	if (!p)
		goto out;
	memset(in->info, 0, sizeof(in->info));
	if (in->flavor == THREAD_BASIC_INFO)
		basic_info(thread, p, in->info);
	else if (in->flavor == THREAD_EXTENDED_INFO)
		extended_info(thread, p, in->info);
	else
		identifier_info(thread, p, in->info);
	put_task_struct(p);
	in->count = need;
	kr = KERN_SUCCESS;
out:
	ipc_kobject_ref_put(&ref);
	return kr;
}

/* Undo the names task_threads inserted.  Conditions: space->lock held. */
static void drop_names(struct ipc_space *space, const u32 *names,
		       unsigned int count)
{
	struct ipc_entry *entry;
	unsigned int i;

	lockdep_assert_held(&space->lock);
	for (i = 0; i < count; i++) {
		entry = ipc_entry_lookup(space, names[i]);
		if (entry)
			ipc_right_dealloc(space, entry);
	}
}

/*
 * machina_call_task_threads - task_threads(): send rights to the ports of
 * every thread of the target task, written only when they all fit.
 * Takes a control port only: XNU's read and inspect forms (thread read and
 * inspect ports) are not served, as Machina has no thread port flavours;
 * a read or inspect port is KERN_INVALID_ARGUMENT.
 * Conditions: process context.
 * Returns: KERN_SUCCESS (count set; names written when count <= capacity),
 * the lookup's error, KERN_RESOURCE_SHORTAGE / KERN_NO_SPACE (nothing
 * inserted), -EINVAL for flags, reserved or unused fields, -EFAULT.
 */
long machina_call_task_threads(struct machina_task *task, void *arg)
{
	struct machina_port_names *a = arg;
	struct ipc_space *space = task->space;
	struct machina_thread **threads;
	struct ipc_port **ports = NULL;
	struct ipc_kobject_ref ref;
	unsigned int count, i;
	u32 *names = NULL;
	long ret;
	int kr;

	if (a->flags || a->reserved || a->name || a->types)
		return -EINVAL;
	kr = machina_task_lookup(task, a->task, MACHINA_TASK_CONTROL, &ref);
	if (kr)
		return kr;
	/* The image is held: every record made here is of the one running. */
	ret = machina_thread_collect(ref.obj, &threads, &count);
	if (ret)
		goto out_task;
	a->count = count;
	ret = KERN_SUCCESS;
	if (count > a->capacity || !count)
		goto out_threads;

	ret = -ENOMEM;
	names = kvcalloc(count, sizeof(*names), GFP_KERNEL_ACCOUNT);
	ports = kvcalloc(count, sizeof(*ports), GFP_KERNEL_ACCOUNT);
	if (!names || !ports)
		goto out_arrays;
	/* The array must be writable before any right goes into the space. */
	ret = -EFAULT;
	if (clear_user(u64_to_user_ptr(a->names), count * sizeof(*names)))
		goto out_arrays;
	for (i = 0; i < count; i++) {
		ports[i] = thread_port(threads[i], &kr);
		if (!ports[i] && kr == KERN_RESOURCE_SHORTAGE) {
			ret = kr;
			goto out_ports;
		}
	}
	mutex_lock(&space->lock);
	for (i = 0; i < count; i++) {
		if (!ports[i]) {
			/* Died since it was collected: a dead name, as Darwin. */
			names[i] = MACH_PORT_DEAD;
			continue;
		}
		kr = give_send(space, ports[i], &names[i]);
		ports[i] = NULL;
		if (kr) {
			drop_names(space, names, i);
			mutex_unlock(&space->lock);
			ret = kr;
			goto out_ports;
		}
	}
	mutex_unlock(&space->lock);
	/*
	 * Only another thread unmapping the array meanwhile makes this fail.
	 * The names stay: with the space unlocked, one may already have been
	 * deallocated and reused for another right, which must not lose a
	 * reference.  The caller finds them with mach_port_names().
	 */
	if (copy_to_user(u64_to_user_ptr(a->names), names,
			 count * sizeof(*names))) {
		ret = -EFAULT;
		goto out_arrays;
	}
	ret = KERN_SUCCESS;
out_ports:
	for (i = 0; i < count; i++)
		ipc_port_put(ports[i]);
out_arrays:
	kvfree(ports);
	kvfree(names);
out_threads:
	machina_thread_put_array(threads, count);
out_task:
	ipc_kobject_ref_put(&ref);
	return ret;
}
