/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mach threads: the record a task keeps for each of its Linux threads.
 *
 * Threads are recognised lazily: a record is made the first time a thread
 * calls into the module, and removed by the exit tracepoint when that thread
 * exits (or, for the last thread, when the task is torn down).  Records are
 * keyed by the thread's struct pid.
 *
 * Lifetime: a record lives in task->threads (RCU hlist, written under
 * task->lock) and is freed after an RCU grace period.  Only the thread itself
 * creates its record, and only its own exit removes it, so the record
 * returned by machina_thread_current() stays valid for the rest of the
 * calling thread's system call without a reference.
 */
#ifndef _MACHINA_THREAD_H
#define _MACHINA_THREAD_H

#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

struct machina_task;

struct machina_thread {
	struct hlist_node task_node;	/* task->threads, under task->lock */
	struct pid *pid;		/* key; holds a reference */
	struct machina_task *task;	/* owner; a record never outlives it */
	u64 serial;			/* unique for the module's lifetime */
	struct rcu_head rcu;
};

struct machina_thread *machina_thread_current(struct machina_task *task);
void machina_thread_exited(struct machina_task *task, struct pid *pid);
void machina_thread_remove_all(struct machina_task *task);

#endif /* _MACHINA_THREAD_H */
