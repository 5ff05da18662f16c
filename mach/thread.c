// SPDX-License-Identifier: GPL-2.0
/*
 * Mach thread records: lazy creation, removal at thread exit.  Lifetime rules
 * are in thread.h; locks in task.h.
 */
#include <linux/atomic.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "mach/task.h"
#include "mach/thread.h"

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

	put_pid(thread->pid);
	kfree(thread);
}

/* Conditions: task->lock held; the record is in task->threads. */
static void unlink_thread(struct machina_task *task,
			  struct machina_thread *thread)
{
	lockdep_assert_held(&task->lock);
	hash_del_rcu(&thread->task_node);
	task->thread_count--;
	atomic_long_dec(&live_threads);
	call_rcu(&thread->rcu, thread_free_rcu);
}

/*
 * machina_thread_current - the calling thread's record in @task
 * Conditions: @task is the caller's own task; process context, no locks held.
 * Returns: the record, valid until the calling thread exits, or
 * ERR_PTR(-ENOMEM).
 */
struct machina_thread *machina_thread_current(struct machina_task *task)
{
	struct pid *pid = task_pid(current);
	struct machina_thread *thread;

	rcu_read_lock();
	thread = lookup(task, pid);
	rcu_read_unlock();
	if (thread)
		return thread;

	/* Only this thread makes its own record: no insertion race. */
	thread = kzalloc(sizeof(*thread), GFP_KERNEL_ACCOUNT);
	if (!thread)
		return ERR_PTR(-ENOMEM);
	thread->pid = get_pid(pid);
	thread->task = task;
	thread->serial = atomic64_inc_return(&thread_serials);

	spin_lock(&task->lock);
	hash_add_rcu(task->threads, &thread->task_node, (unsigned long)pid);
	task->thread_count++;
	atomic_long_inc(&live_threads);
	spin_unlock(&task->lock);
	return thread;
}

/*
 * machina_thread_exited - forget a thread that is leaving do_exit()
 * Conditions: atomic context allowed; rcu_read_lock() held by the caller to
 * keep @task alive.
 */
void machina_thread_exited(struct machina_task *task, struct pid *pid)
{
	struct machina_thread *thread;

	spin_lock(&task->lock);
	thread = lookup(task, pid);
	if (thread)
		unlink_thread(task, thread);
	spin_unlock(&task->lock);
}

/*
 * machina_thread_remove_all - drop every record of a terminated task
 * Conditions: the task is out of the table and all its threads have exited.
 */
void machina_thread_remove_all(struct machina_task *task)
{
	struct machina_thread *thread;
	struct hlist_node *tmp;
	int bkt;

	spin_lock(&task->lock);
	hash_for_each_safe(task->threads, bkt, tmp, thread, task_node)
		unlink_thread(task, thread);
	spin_unlock(&task->lock);
}
