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
 * Ports of a task (Darwin's "itk" ports), all under task->itk_lock:
 *   ports[]     one port per flavour (enum machina_task_flavor): control
 *               (IKOT_TASK), read (IKOT_TASK_READ), inspect
 *               (IKOT_TASK_INSPECT) and name (IKOT_TASK_NAME).  Control and
 *               name exist from the start, read and inspect are made the
 *               first time they are asked for (NULL until then).  Each is
 *               of one exec image (port->kobject_gen): lookups refuse it
 *               once the process runs another image, and it is replaced
 *               (the old one dies) at the exec or on demand
 *               (machina_task_port());
 *   special[]   send rights set with task_set_special_port (HOST, BOOTSTRAP,
 *               ACCESS); KERNEL, NAME, INSPECT and READ are answered from
 *               ports[];
 *   exc[]       exception actions: a send right, behavior and flavor per
 *               exception type (mach/exc_action.h); the task's threads'
 *               tables (thread->exc) are under this lock too.
 * A send right the kernel holds is one count on port->srights plus one
 * reference; both are dropped with machina_port_release_send_right(), which
 * may send a no-senders notification and so must run in process context,
 * outside every spinlock.  All of them are released at task teardown.
 *
 * Fork and exec (task_fork_exec.c): the sched_process_fork probe notes the
 * child in its parent's fork source (struct machina_fork_src) and queues
 * task work that, before fork() returns to the parent, copies the parent's
 * BOOTSTRAP and HOST ports and exception actions into an inheritance record
 * keyed by the child's tgid struct pid; the child's task takes them when it
 * is made (machina_task_inherit_claim(), which makes the record itself if
 * the parent has not yet), or the record goes when the child exits.  A
 * child forked by a thread an IPC override lifts is noted with that
 * thread's record, and the same drain takes the lift off the child
 * (machina_sched_unlift_child()).  The
 * sched_process_exec probe queues task work (TWA_RESUME) that kills the old
 * image's ports before the new image runs (docs/ARCHITECTURE.md, "Exec
 * images and ports").
 *
 * A call through a task, name or thread port holds the process's
 * signal->exec_update_lock for reading (machina_image_lock()); it is taken
 * with no Machina lock held and is outermost.
 *
 * Probes (sched_process_exit, _fork, _exec) run with preemption disabled.
 * On PREEMPT_RT a spinlock_t sleeps, so the probes take no spinlock_t,
 * allocate nothing and wake nobody: they use RCU, atomics, task work and
 * queue_work(), and the only locks they take are raw:
 *   machina_task_table_lock (raw, global; the exit probe unhashes a task)
 *   fork_src->lock (raw, per fork source; a leaf)
 * Everything else is done by the task work they queue, in process context.
 *
 * Lock order (outermost first):
 *   machina_task_table_lock (raw spinlock, global; nothing nests in it)
 *   inherit_mutex (mutex, global, task_fork_exec.c)
 *     sched.lock (mutex, per thread record, sched_qos.h: a lifted
 *                 forker's, when its child loses the lift)
 *     task->itk_lock (spinlock, per task)
 *       port->lock (spinlock, mach/ipc_port.h; itself a leaf)
 *     fork_src->lock (raw spinlock)
 *   task->lock (spinlock, per task)
 * itk_lock is never held with task->lock.  The task's IPC space lock (a
 * mutex, mach/ipc_space.h) is never taken under any of the spinlocks.
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

#include "mach/exc_action.h"
#include "mach/task_policy.h"

struct ipc_space;
struct ipc_port;
struct ipc_kobject_ref;
struct machina_image;
struct task_struct;

#define MACHINA_TASK_THREAD_HASH_BITS 4

/* Darwin's task special port numbers (<mach/task_special_ports.h>). */
#define TASK_KERNEL_PORT	1
#define TASK_HOST_PORT		2
#define TASK_NAME_PORT		3
#define TASK_BOOTSTRAP_PORT	4
#define TASK_INSPECT_PORT	5
#define TASK_READ_PORT		6
#define TASK_ACCESS_PORT	9
#define MACHINA_TASK_SPECIAL_MAX 9

/*
 * Task port flavours, Darwin's mach_task_flavor_t (TASK_FLAVOR_CONTROL 0 ..
 * TASK_FLAVOR_NAME 3): each grants a subset of the one before it
 * (control > read > inspect > name), so a call that accepts flavour F
 * accepts every flavour numbered F or lower.
 *   control  everything;
 *   read     the task's memory and state for reading (mach_vm_read,
 *            _region, TASK_VM_INFO), task_suspend/resume; never a way to
 *            a control port or a writable view of the memory;
 *   inspect  task_info, task_policy_get, the inspect and name ports;
 *   name     task_info, pid_for_task.
 */
enum machina_task_flavor {
	MACHINA_TASK_CONTROL = 0,
	MACHINA_TASK_READ = 1,
	MACHINA_TASK_INSPECT = 2,
	MACHINA_TASK_NAME = 3,
	MACHINA_TASK_FLAVORS = 4,
};

/* What a task passes to the child of a fork (task_fork_exec.c). */
struct machina_task_ports {
	struct ipc_port *host;
	struct ipc_port *bootstrap;
	struct machina_exc_action exc[MACHINA_EXC_TYPES];
	bool traps;			/* opted in to Darwin traps: holds one
					 * count of the trap hooks (personality/trap.h) */
};

/*
 * A process that hands ports down at fork (task_fork_exec.c): a Mach task,
 * or a process that never used Mach but holds an inheritance record.  The
 * fork probe notes each new child here (raw lock: it runs with preemption
 * disabled, also on PREEMPT_RT) and queues drain_work; the records are made
 * in process context.
 */
#define MACHINA_TASK_EXEC_PENDING 0	/* exec_work queued */
#define MACHINA_TASK_EXEC_SECURE 1	/* ... after an AT_SECURE exec */

#define MACHINA_FORKS_IN_FLIGHT 32
#define MACHINA_FORK_DRAIN_QUEUED 0
struct machina_fork_note {
	struct pid *child;		/* its tgid; a reference */
	u64 exec_id;			/* its image at fork */
	struct machina_thread *lifted;	/* the forking thread's record if an
					 * IPC override lifted it; a reference */
	int policy, nice;		/* with @lifted: the Linux values the
					 * child got from clone() */
	u32 qos_word;			/* the forking thread's class for the
					 * child's main thread (sched_qos.h,
					 * "Fork"); 0: none */
};

struct machina_fork_src {
	raw_spinlock_t lock;		/* nr and notes[] */
	unsigned int nr;
	struct machina_fork_note notes[MACHINA_FORKS_IN_FLIGHT];
	unsigned long flags;		/* MACHINA_FORK_DRAIN_QUEUED */
	bool is_task;			/* in a machina_task, or a record */
	struct callback_head drain_work;
};

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
	/* Per flavour, under itk_lock; read and inspect may be NULL. */
	struct ipc_port *ports[MACHINA_TASK_FLAVORS];
	u32 self_name;			/* its name in the task's own space */
	atomic64_t queued_bytes;	/* bytes of its messages in flight */
	struct callback_head exec_work;	/* control port replacement at exec */
	struct machina_fork_src fork_src;	/* children not yet handed down */
	u32 fork_qos;			/* the main thread's class from fork, not
					 * yet claimed (sched_qos.h, "Fork"); xchg */

	spinlock_t itk_lock;		/* protects ports[] and the two below */
	struct ipc_port *special[MACHINA_TASK_SPECIAL_MAX + 1]; /* send rights */
	struct machina_exc_action exc[MACHINA_EXC_TYPES];
	unsigned long exec_flags;	/* MACHINA_TASK_EXEC_*, atomic bits */
	pid_t exec_old_pid;		/* the exec tracepoint's, for exec_work */
	unsigned long trap_flags;	/* MACHINA_TASK_TRAPS (personality/trap.h), atomic bits */
	unsigned int trap_fd;		/* the trap shim's hint: the last descriptor
					 * that passed as /dev/mach (a number, always
					 * checked again; READ_ONCE/WRITE_ONCE) */
	bool itk_dead;			/* torn down: no port may be replaced */

	spinlock_t lock;		/* protects the fields below */
	bool terminated;		/* set once, by terminate() */
	unsigned int thread_count;	/* live entries in threads */
	atomic_t qos_clones;		/* new threads' QoS not yet claimed */
	unsigned int suspend_count;	/* task_suspend nesting (thread_act.c) */
	DECLARE_HASHTABLE(threads, MACHINA_TASK_THREAD_HASH_BITS);
	struct list_head semaphores;	/* owned semaphores (semaphore.h) */
	unsigned int semaphore_count;

	struct machina_task_policy policy;	/* task_policy.h */
};

int machina_task_init(void);
void machina_task_exit(void);

struct machina_task *machina_task_current(void);
struct machina_task *machina_task_for_tgid(struct pid *tgid);
struct machina_task *machina_task_lookup_rcu(struct pid *tgid);
int machina_task_lookup(struct machina_task *caller, u32 name,
			enum machina_task_flavor least,
			struct ipc_kobject_ref *ref);
enum machina_task_flavor machina_task_ref_flavor(const struct ipc_kobject_ref *ref);
int machina_image_kr(int kr);
struct ipc_port *machina_task_port(struct machina_task *task,
				   enum machina_task_flavor flavor, u64 gen);
void machina_task_retire_ports(struct machina_task *task, u64 gen);
void machina_task_release_itk_ports(struct machina_task *task);
struct ipc_space *machina_task_get_space(struct machina_task *task);
void machina_port_release_send_right(struct ipc_port *port);
void machina_task_ports_release(struct machina_task_ports *ports);
void machina_task_put(struct machina_task *task);
bool machina_task_charge(struct machina_task *task, u64 bytes);
void machina_task_uncharge(struct machina_task *task, u64 bytes);
bool machina_task_queue_work(struct work_struct *work);
void machina_task_flush_work(void);

static inline void machina_task_get(struct machina_task *task)
{
	kref_get(&task->ref);
}

/* task_access.c: who may have a task port of another process */
int machina_task_access_init(void);
void machina_task_access_exit(void);
enum machina_task_access {
	MACHINA_ACCESS_ATTACH,	/* PTRACE_MODE_ATTACH_REALCREDS: control, read */
	MACHINA_ACCESS_READ,	/* PTRACE_MODE_READ_REALCREDS: inspect */
};
int machina_task_may_access(struct pid *pid, struct task_struct *p,
			    enum machina_task_access mode, u64 *stamp);
bool machina_task_access_still_valid(struct pid *pid, struct task_struct *p,
				     u64 stamp);
bool machina_task_may_name(struct task_struct *p);

/* task_fork_exec.c */
u64 machina_image_gen(struct pid *tgid);
int machina_image_lock(struct pid *tgid, struct machina_image *img);
void machina_image_unlock(struct machina_image *img);
int machina_task_fork_exec_init(void);
void machina_task_fork_exec_exit(void);
void machina_fork_src_init(struct machina_fork_src *src, bool is_task);
void machina_task_inherit_claim(struct machina_task *task);
void machina_task_inherit_flush(struct machina_task *task);
void machina_task_inherit_drop(struct pid *tgid, bool at_exec);
bool machina_task_inherit_pending(void);
bool machina_task_inherit_traps_rcu(struct task_struct *p);
bool machina_task_inherit_traps(struct pid *tgid);

/*
 * Hook for the host port: the port a task's TASK_HOST_PORT reads as while
 * nothing was set.  Returns a port with a reference, or NULL (no host port
 * yet).  Defined in task_special_ports.c; to be wired to mach/host.c.
 */

/* Counters of live objects, for leak checks (sysfs). */
long machina_task_live_count(void);
long machina_thread_live_count(void);

#endif /* _MACHINA_TASK_H */
