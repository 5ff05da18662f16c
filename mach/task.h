/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Mach task: Machina's per-process state.
 *
 * One struct machina_task exists per Linux thread group that has used
 * /dev/mach.  It is keyed by the thread group's struct pid (task_tgid()),
 * which is what stays constant across execve and changes across fork, exactly
 * the identity XNU gives a task:
 *
 *   fork    the child is a new thread group with a new struct pid, so its first
 *           call finds nothing and gets a fresh, empty task;
 *   execve  the struct pid of the thread group survives (de_thread() hands the
 *           leader's pid to the exec'ing thread), so the task survives, even
 *           when the program's /dev/mach descriptor was closed on exec;
 *   exit    the sched_process_exit tracepoint sees the last thread of the group
 *           leave (signal->live reached zero) and terminates the task, whatever
 *           the process did with its descriptors and however it died.
 *
 * States of a task:
 *   LIVE        in machina_task_table, found by its threads' calls;
 *   TERMINATING removed from the table by the exit hook, its teardown work is
 *               queued on machina_wq;
 *   DEAD        torn down; the memory stays until the last reference is put.
 *
 * Lock order (outermost first):
 *   machina_task_table_lock (spinlock, global)
 *     task->lock (spinlock, per task)
 * The task's IPC space lock (a mutex, mach/ipc_space.h) is never taken
 * under either.
 * Both are taken from the exit tracepoint, which runs with preemption
 * disabled, so neither may be held across anything that sleeps.
 */
#ifndef _MACHINA_TASK_H
#define _MACHINA_TASK_H

#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct ipc_space;
struct ipc_port;

#define MACHINA_TASK_THREAD_HASH_BITS 4

struct machina_task {
	struct hlist_node table_node;	/* machina_task_table, under its lock */
	struct pid *tgid;		/* key; holds a reference */
	u64 serial;			/* unique for the module's lifetime */
	struct kref ref;
	struct rcu_head rcu;
	struct work_struct terminate_work;	/* fallback teardown */
	struct work_struct release_work;	/* drops the module reference */
	struct callback_head exit_work;	/* teardown in the exiting thread */

	struct ipc_space *space;	/* the task's port names */
	struct ipc_port *self_port;	/* the task (control) port */
	u32 self_name;			/* its name in the task's own space */
	atomic64_t queued_bytes;	/* bytes of its messages in flight */

	spinlock_t lock;		/* protects the fields below */
	bool terminated;		/* set once by the exit hook */
	unsigned int thread_count;	/* live entries in threads */
	unsigned int suspend_count;	/* task_suspend nesting (thread_act.c) */
	DECLARE_HASHTABLE(threads, MACHINA_TASK_THREAD_HASH_BITS);
	struct list_head semaphores;	/* owned semaphores (semaphore.h) */
	unsigned int semaphore_count;
};

int machina_task_init(void);
void machina_task_exit(void);

struct machina_task *machina_task_current(void);
void machina_task_put(struct machina_task *task);
bool machina_task_charge(struct machina_task *task, u64 bytes);
void machina_task_uncharge(struct machina_task *task, u64 bytes);
struct ipc_space *machina_task_space_by_name(struct machina_task *caller,
					     u32 name, int *kr);
struct machina_task *machina_task_by_name(struct machina_task *caller,
					  u32 name, int *kr);
bool machina_task_queue_work(struct work_struct *work);

static inline void machina_task_get(struct machina_task *task)
{
	kref_get(&task->ref);
}

/* Counters of live objects, for leak checks (sysfs). */
long machina_task_live_count(void);
long machina_thread_live_count(void);

#endif /* _MACHINA_TASK_H */
