/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mach threads: the record a task keeps for each of its Linux threads.
 *
 * Threads are recognised lazily.  A record is made the first time a thread
 * calls into the module, or when another caller needs it: task_threads() and
 * task_suspend() make records for every Linux thread of the target thread
 * group, whether or not it ever called in.  Records are keyed by the thread's
 * struct pid.
 *
 * States of a record:
 *   LIVE   in task->threads; its port (made lazily, IKOT_THREAD) is active;
 *   DEAD   unlinked by the thread's exit (exit tracepoint), its exec, or the
 *          task's teardown; its port is destroyed from process context (a
 *          work item on the task workqueue, or the teardown itself), which
 *          fires the port's dead-name notifications.  A DEAD record never
 *          keeps its thread stopped.
 *
 * Exec images: a record and its port belong to the image its thread ran
 * when the record was made (gen, the thread's self_exec_id); lookups
 * through the port fail once the process runs another image
 * (ipc_kobject_lookup()), even before the exec probe kills the record.
 *
 * References (ref): one for task->threads while LIVE, handed to the port's
 * destruction when the record dies and dropped after the port's kobject
 * pointer was cleared, so a port whose kobject is non-NULL (read under
 * port->lock) always points at a referenced record; one per caller holding
 * it; one for a queued stop work (which also pins the module: it may run in
 * a thread's exit after the task was torn down).  A record holds a
 * reference on its task, dropped when its count reaches zero.
 * Memory is freed after an RCU grace period.
 *
 * Suspension: suspend_count (thread_suspend) plus task->suspend_count
 * (task_suspend) is the thread's effective count.  While it is non-zero the
 * thread sleeps in stop_work, a task work queued with TWA_SIGNAL, so it
 * stops on its way back to user mode (a thread blocked in an interruptible
 * system call is interrupted and the call restarted after resume, as a stop
 * signal does).  SIGKILL always ends the sleep.  stopped is true while the
 * thread sleeps there: its user registers (task_pt_regs()) are then stable
 * and thread_get_state/thread_set_state may use them, holding state_mutex
 * so the thread cannot leave the stop meanwhile.
 *
 * Abort (thread_abort, thread_act.c): abort_queued is true from the abort
 * until abort_work, a task work queued with TWA_SIGNAL, runs on the
 * thread's way back to user mode (or in its exit): XNU's TH_SFLAG_ABORT,
 * cleared at the AST on that same way.  Meanwhile the TWA_SIGNAL makes
 * signal_pending() true, so every interruptible wait of the thread ends,
 * the one it sleeps in and any it begins before it returns.
 *
 * Locking: task->lock protects the fields marked so; state_mutex (a sleeping
 * lock, taken with no spinlock held) serialises register access against the
 * thread leaving its stop.  Order: state_mutex -> task->lock.  No IPC lock
 * is taken under task->lock.
 */
#ifndef _MACHINA_THREAD_H
#define _MACHINA_THREAD_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/task_work.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "mach/ipc_qos_override.h"
#include "mach/sched_qos.h"

struct machina_task;
struct machina_exc_action;
struct ipc_port;
struct ipc_kobject_ref;
struct task_struct;

struct machina_thread {
	struct hlist_node task_node;	/* task->threads, under task->lock */
	struct pid *pid;		/* key; holds a reference */
	struct machina_task *task;	/* owner; referenced */
	u64 serial;			/* unique for the module's lifetime */
	u64 gen;			/* its exec image (self_exec_id); its port's */
	struct kref ref;
	struct rcu_head rcu;

	/* under task->lock */
	bool dead;			/* unlinked; its port is (being) destroyed */
	bool stop_queued;		/* stop_work is queued or running */
	bool stopped;			/* sleeping in stop_work */
	bool abort_queued;		/* abort_work queued, not yet run */
	unsigned int suspend_count;	/* thread_suspend nesting */
	struct ipc_port *port;		/* the thread port, or NULL; referenced */
	struct ipc_port *special_reply;	/* thread_get_special_reply_port's
					 * latest port, or NULL; referenced */

	/* under task->itk_lock (mach/exc_action.h) */
	struct machina_exc_action *exc;	/* exception actions, NULL until set */
	bool exc_closed;		/* the record died: no more actions */

	struct mutex state_mutex;	/* see above */
	wait_queue_head_t wq;		/* the stopped thread and state waiters */
	struct callback_head stop_work;
	struct callback_head abort_work; /* a thread_abort's end */
	struct work_struct death_work;	/* port destruction after exit */
	struct callback_head exit_work;	/* unlink, in the exiting thread */
	struct work_struct exit_fallback; /* the same, when task work fails */
	struct list_head reap_node;	/* teardown's private list */
	struct machina_sched sched;	/* policy and QoS (sched_qos.h) */
	struct machina_ipc_override ipc_override; /* ipc_qos_override.h */
};

struct machina_thread *machina_thread_current(struct machina_task *task);
struct machina_thread *machina_thread_self(struct machina_task *task);
struct machina_thread *machina_thread_of(struct machina_task *task,
					 struct task_struct *p);
struct machina_thread *machina_thread_lookup_rcu(struct machina_task *task,
						 struct pid *pid);
void machina_thread_exited(struct machina_task *task, struct pid *pid);
void machina_thread_remove_all(struct machina_task *task);
void machina_thread_exec(struct machina_task *task, struct task_struct *p,
			 pid_t old_pid);

void machina_thread_put(struct machina_thread *thread);
int machina_thread_lookup(struct machina_task *caller, u32 name,
			  struct ipc_kobject_ref *ref);
int machina_thread_collect(struct machina_task *task,
			   struct machina_thread ***threadsp,
			   unsigned int *countp);
void machina_thread_put_array(struct machina_thread **threads,
			      unsigned int count);
struct task_struct *machina_thread_get_task_struct(struct machina_thread *thread);
bool machina_thread_held(struct machina_thread *thread);
bool machina_thread_dead(struct machina_thread *thread);

/* special_reply.c */
void machina_thread_unbind_special_reply(struct machina_thread *thread);

/* thread_act.c */
void machina_thread_stop_if_suspended(struct machina_thread *thread);
void machina_thread_act_init(struct machina_thread *thread);
bool machina_thread_abort_pending(struct machina_thread *thread);
bool machina_thread_stop_settled(struct machina_thread *thread);

/* thread_state.c */
u64 machina_thread_tls_base(struct task_struct *p);

#endif /* _MACHINA_THREAD_H */
