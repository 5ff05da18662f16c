// SPDX-License-Identifier: GPL-2.0
/*
 * Mach task state: creation on first use, lookup, and teardown at process
 * exit.  The lifecycle rules and the lock order are in task.h.
 */
#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/tracepoint.h>

#include "mach/ipc_kmsg.h"
#include "mach/ipc_kobject.h"
#include "mach/ipc_right.h"
#include "mach/ipc_space.h"
#include "mach/kern_return.h"
#include "mach/semaphore.h"
#include "mach/task.h"
#include "personality/trap.h"
#include "mach/thread.h"
#include "personality/calls.h"
#include "uapi/machina.h"

#define TASK_TABLE_BITS 8

static DEFINE_HASHTABLE(machina_task_table, TASK_TABLE_BITS);
/* Raw: the exit probe takes it with preemption disabled (PREEMPT_RT). */
static DEFINE_RAW_SPINLOCK(machina_task_table_lock);

static atomic_long_t live_tasks = ATOMIC_LONG_INIT(0);
static atomic64_t task_serials = ATOMIC64_INIT(0);

/* Teardown runs here; the module's exit destroys it, which waits for it. */
static struct workqueue_struct *machina_task_wq;
static struct tracepoint *exit_tracepoint;

long machina_task_live_count(void)
{
	return atomic_long_read(&live_tasks);
}

/*
 * lookup - the live task of a thread group
 * Conditions: rcu_read_lock() or machina_task_table_lock held.
 * Returns: the task (no reference taken) or NULL.
 */
static struct machina_task *lookup(struct pid *tgid)
{
	struct machina_task *task;

	hash_for_each_possible_rcu(machina_task_table, task, table_node,
				   (unsigned long)tgid,
				   lockdep_is_held(&machina_task_table_lock)) {
		if (task->tgid == tgid)
			return task;
	}
	return NULL;
}

/*
 * machina_task_lookup_rcu - the live task of @tgid, for tracepoint probes
 * Conditions: rcu_read_lock() held; the task stays valid memory until it is
 * dropped (no reference is taken).
 */
struct machina_task *machina_task_lookup_rcu(struct pid *tgid)
{
	return lookup(tgid);
}

/* The IKOT of each flavour's port (enum machina_task_flavor). */
static const enum ipc_kobject_type flavor_type[MACHINA_TASK_FLAVORS] = {
	[MACHINA_TASK_CONTROL] = IKOT_TASK,
	[MACHINA_TASK_READ] = IKOT_TASK_READ,
	[MACHINA_TASK_INSPECT] = IKOT_TASK_INSPECT,
	[MACHINA_TASK_NAME] = IKOT_TASK_NAME,
};

/* Drop the ports[] references (a task no one can reach any more). */
static void task_ports_put(struct machina_task *task)
{
	int i;

	for (i = 0; i < MACHINA_TASK_FLAVORS; i++)
		if (task->ports[i])
			ipc_port_put(task->ports[i]);
}

/* Kill every port in ports[] (their send rights become dead names). */
static void task_ports_destroy(struct machina_task *task)
{
	int i;

	for (i = 0; i < MACHINA_TASK_FLAVORS; i++)
		if (task->ports[i])
			ipc_port_kobject_destroy(task->ports[i]);
}

static void task_free_rcu(struct rcu_head *rcu)
{
	struct machina_task *task = container_of(rcu, struct machina_task, rcu);

	task_ports_put(task);
	put_pid(task->tgid);
	kfree(task);
}

/* Last reference gone: the task is DEAD (or was never published). */
static void task_release(struct kref *ref)
{
	struct machina_task *task = container_of(ref, struct machina_task, ref);

	call_rcu(&task->rcu, task_free_rcu);
}

/*
 * machina_task_put - drop a reference from machina_task_current()
 * Conditions: any context.
 */
void machina_task_put(struct machina_task *task)
{
	if (task)
		kref_put(&task->ref, task_release);
}

/*
 * release_work - the last step of a task's teardown
 * Runs on machina_task_wq so that the module reference is dropped from a
 * context module unload waits for (destroy_workqueue()).  The module is
 * released before the counter drops, so "live_tasks reads 0" implies rmmod
 * can succeed.
 */
static void release_work(struct work_struct *work)
{
	struct machina_task *task =
		container_of(work, struct machina_task, release_work);

	module_put(THIS_MODULE);
	atomic_long_dec(&live_tasks);
	/* The table's reference; callers still holding one keep the memory. */
	machina_task_put(task);
}

/*
 * machina_task_release_itk_ports - the task lets go of its special ports
 * (HOST, BOOTSTRAP, ACCESS) and exception ports
 * Conditions: process context, no locks held (no-senders may be sent).
 */
void machina_task_release_itk_ports(struct machina_task *task)
{
	struct ipc_port *special[MACHINA_TASK_SPECIAL_MAX + 1];
	struct machina_exc_action exc[MACHINA_EXC_TYPES];
	int i;

	spin_lock(&task->itk_lock);
	memcpy(special, task->special, sizeof(special));
	memcpy(exc, task->exc, sizeof(exc));
	memset(task->special, 0, sizeof(task->special));
	memset(task->exc, 0, sizeof(task->exc));
	spin_unlock(&task->itk_lock);
	for (i = 0; i <= MACHINA_TASK_SPECIAL_MAX; i++)
		machina_port_release_send_right(special[i]);
	for (i = 0; i < MACHINA_EXC_TYPES; i++)
		machina_port_release_send_right(exc[i].port);
}

/*
 * terminate - tear down a task whose last thread has exited
 * Conditions: process context, no locks held.  Normally runs as task work
 * of the last exiting thread (exit_task_work(), before the parent can reap
 * it), so the rights the process held are released and their notifications
 * sent by the time waitpid() returns, as on Darwin.  The task is no longer
 * in the table, so nothing new can find it.
 */
static void terminate(struct machina_task *task)
{
	/* No thread record can be added from now on (record_get()). */
	spin_lock(&task->lock);
	task->terminated = true;
	spin_unlock(&task->lock);
	/* Children forked just before the exit still get their inheritance. */
	machina_task_inherit_flush(task);
	machina_thread_remove_all(task);
	machina_semaphore_task_terminate(task);
	ipc_space_terminate(task->space);
	/* A replacement queued by exec can no longer run: exit runs first. */
	spin_lock(&task->itk_lock);
	/* From now on exec's replacement of the control port backs off. */
	task->itk_dead = true;
	spin_unlock(&task->itk_lock);
	/* No port can be added to ports[] once itk_dead is set. */
	task_ports_destroy(task);
	machina_task_release_itk_ports(task);
	/* After the flush above: its children took their own count. */
	machina_trap_task_drop(task);
	/* Freeing a space may sleep: not from an RCU callback. */
	ipc_space_put(task->space);
	task->space = NULL;
	queue_work(machina_task_wq, &task->release_work);
}

static void terminate_task_work(struct callback_head *cb)
{
	terminate(container_of(cb, struct machina_task, exit_work));
}

/* Fallback when task work cannot be queued (the thread is past it). */
static void terminate_work(struct work_struct *work)
{
	terminate(container_of(work, struct machina_task, terminate_work));
}

/* A port of @task of type @type for exec image @gen. */
static struct ipc_port *image_port_alloc(struct machina_task *task,
					 enum ipc_kobject_type type, u64 gen)
{
	struct ipc_port *port = ipc_kobject_alloc_port(type, task);

	if (port)
		port->kobject_gen = gen;
	return port;
}

/*
 * task_ipc_init - the task's space and its task port, with a send right to
 * it as the first name (Darwin's mach_task_self(), usually 0x103).
 */
static int task_ipc_init(struct machina_task *task, u64 gen)
{
	struct ipc_port *self;
	int kr;

	task->space = ipc_space_create(task);
	if (!task->space)
		return -ENOMEM;
	self = image_port_alloc(task, IKOT_TASK, gen);
	task->ports[MACHINA_TASK_CONTROL] = self;
	if (!self)
		return -ENOMEM;
	task->ports[MACHINA_TASK_NAME] = image_port_alloc(task, IKOT_TASK_NAME, gen);
	if (!task->ports[MACHINA_TASK_NAME])
		return -ENOMEM;
	ipc_port_make_send(self);
	ipc_port_get(self);
	mutex_lock(&task->space->lock);
	kr = ipc_right_new(task->space, &self->obj, MACH_PORT_TYPE_SEND,
			   &task->self_name, NULL);
	mutex_unlock(&task->space->lock);
	if (kr) {
		ipc_port_put(self);
		return -ENOMEM;
	}
	return 0;
}

/* Undo task_ipc_init() for a task that was never published. */
static void task_ipc_discard(struct machina_task *task)
{
	if (task->space)
		ipc_space_terminate(task->space);
	task_ports_destroy(task);
	ipc_space_put(task->space);
	task->space = NULL;
}

/*
 * task_alloc - a task for @tgid, not published yet
 * Conditions: process context; the image of @tgid cannot change meanwhile
 * (the caller is one of its threads, or holds its exec_update_lock).
 */
static struct machina_task *task_alloc(struct pid *tgid)
{
	struct machina_task *task;

	task = kzalloc(sizeof(*task), GFP_KERNEL_ACCOUNT);
	if (!task)
		return NULL;
	if (task_ipc_init(task, machina_image_gen(tgid))) {
		task_ipc_discard(task);
		task_ports_put(task);
		kfree(task);
		return NULL;
	}
	task->tgid = get_pid(tgid);
	task->serial = atomic64_inc_return(&task_serials);
	kref_init(&task->ref);
	spin_lock_init(&task->lock);
	machina_task_policy_init(&task->policy);
	spin_lock_init(&task->itk_lock);
	hash_init(task->threads);
	INIT_LIST_HEAD(&task->semaphores);
	machina_fork_src_init(&task->fork_src, true);
	INIT_WORK(&task->terminate_work, terminate_work);
	INIT_WORK(&task->release_work, release_work);
	return task;
}

/*
 * group_alive - whether the thread group of @tgid still has a live thread
 * Conditions: machina_task_table_lock held.  The exit probe runs after
 * signal->live dropped and takes the same lock, so a task published while
 * this reads true is found (and torn down) by the probe of its last thread.
 */
static bool group_alive(struct pid *tgid)
{
	struct task_struct *p;
	bool alive = false;

	lockdep_assert_held(&machina_task_table_lock);
	rcu_read_lock();
	p = pid_task(tgid, PIDTYPE_TGID);
	if (p && !(p->flags & PF_KTHREAD) && atomic_read(&p->signal->live) > 0)
		alive = true;
	rcu_read_unlock();
	return alive;
}

/*
 * machina_task_for_tgid - the task of the thread group @tgid, created on
 * first use (also for a process that never opened /dev/mach: task_for_pid)
 * Conditions: process context, no locks held; may sleep.
 * Returns: a referenced task (put it with machina_task_put()),
 * ERR_PTR(-ENOMEM), or ERR_PTR(-ESRCH) when the group is a kernel thread or
 * has exited (its exit probe already ran or is about to find nothing).
 */
struct machina_task *machina_task_for_tgid(struct pid *tgid)
{
	struct machina_task *task, *found;

	rcu_read_lock();
	task = lookup(tgid);
	if (task && !kref_get_unless_zero(&task->ref))
		task = NULL;
	rcu_read_unlock();
	if (task)
		return task;

	task = task_alloc(tgid);
	if (!task)
		return ERR_PTR(-ENOMEM);

	raw_spin_lock(&machina_task_table_lock);
	/* Another thread (or a task_for_pid caller) may have won the race. */
	found = lookup(tgid);
	if (found || !group_alive(tgid)) {
		if (found)
			kref_get(&found->ref);
		raw_spin_unlock(&machina_task_table_lock);
		task_ipc_discard(task);
		machina_task_put(task);
		return found ? found : ERR_PTR(-ESRCH);
	}
	/* The table owns the initial reference; this one is the caller's. */
	kref_get(&task->ref);
	hash_add_rcu(machina_task_table, &task->table_node, (unsigned long)tgid);
	atomic_long_inc(&live_tasks);
	/* A live task pins the module: rmmod is refused until it is gone. */
	__module_get(THIS_MODULE);
	raw_spin_unlock(&machina_task_table_lock);
	/* What the parent handed down at fork (bootstrap, host, exceptions). */
	machina_task_inherit_claim(task);
	return task;
}

/*
 * machina_task_current - the calling process's task, created on first use
 * Conditions: process context of a user thread, no locks held; may sleep.
 * Returns: a referenced task (put it with machina_task_put()), or
 * ERR_PTR(-ENOMEM).
 */
struct machina_task *machina_task_current(void)
{
	struct machina_task *task = machina_task_for_tgid(task_tgid(current));

	/* The caller is alive, so only memory can fail. */
	if (IS_ERR(task))
		return ERR_PTR(-ENOMEM);
	return task;
}

/*
 * exit_probe - sched_process_exit: a thread is leaving do_exit()
 * Conditions: runs in the exiting thread with preemption disabled; must not
 * sleep, and takes no spinlock_t (a sleeping lock on PREEMPT_RT): only RCU,
 * atomics, the raw table lock and task work.  signal->live was decremented
 * before the tracepoint, so it reads zero exactly when the whole thread
 * group has gone (two dying threads may both see zero; the table lock makes
 * one of them the terminator).  The work itself runs a moment later in the
 * same thread, in exit_task_work(), before its parent can reap it.
 */
static void exit_probe(MACHINA_EXIT_PROBE_ARGS)
{
	struct pid *tgid = task_tgid(p);
	struct machina_task *task;

	if ((!atomic_long_read(&live_tasks) && !machina_task_inherit_pending()) ||
	    (p->flags & PF_KTHREAD))
		return;

	if (atomic_read(&p->signal->live) > 0) {
		rcu_read_lock();
		task = lookup(tgid);
		if (task)
			machina_thread_exited(task, task_pid(p));
		rcu_read_unlock();
		return;
	}

	raw_spin_lock(&machina_task_table_lock);
	task = lookup(tgid);
	if (task)
		hash_del_rcu(&task->table_node);
	raw_spin_unlock(&machina_task_table_lock);
	/* Ports inherited at fork and never claimed go with the process. */
	machina_task_inherit_drop(tgid, false);
	if (!task)
		return;

	/* The probe runs in the exiting thread itself: finish the job there. */
	init_task_work(&task->exit_work, terminate_task_work);
	if (p != current || task_work_add(p, &task->exit_work, TWA_NONE))
		queue_work(machina_task_wq, &task->terminate_work);
}

static void find_exit_tracepoint(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_exit"))
		*(struct tracepoint **)priv = tp;
}

/*
 * machina_task_queue_work - run @work on the task workqueue, which module
 * unload waits for (thread port destruction after a thread's exit)
 * Conditions: any context.
 */
bool machina_task_queue_work(struct work_struct *work)
{
	return queue_work(machina_task_wq, work);
}

/*
 * machina_task_flush_work - wait for the work queued on the task workqueue
 * so far (e.g. the death of a thread port)
 * Conditions: process context, no locks held; not from that workqueue.
 */
void machina_task_flush_work(void)
{
	flush_workqueue(machina_task_wq);
}

/*
 * machina_task_init - attach to process exit
 * Returns: 0, or -ENOENT when the kernel has no sched_process_exit tracepoint
 * (CONFIG_TRACEPOINTS off), or the registration error.
 */
int machina_task_init(void)
{
	int err;

	for_each_kernel_tracepoint(find_exit_tracepoint, &exit_tracepoint);
	if (!exit_tracepoint) {
		pr_err("machina: kernel has no sched_process_exit tracepoint (CONFIG_TRACEPOINTS)\n");
		return -ENOENT;
	}
	machina_task_wq = alloc_workqueue("machina_task", WQ_UNBOUND, 0);
	if (!machina_task_wq)
		return -ENOMEM;
	err = tracepoint_probe_register(exit_tracepoint, exit_probe, NULL);
	if (err)
		goto err_wq;
	err = machina_task_fork_exec_init();
	if (err)
		goto err_exit_probe;
	return 0;

err_exit_probe:
	tracepoint_probe_unregister(exit_tracepoint, exit_probe, NULL);
	tracepoint_synchronize_unregister();
err_wq:
	destroy_workqueue(machina_task_wq);
	return err;
}

/*
 * machina_task_exit - detach from process exit
 * Conditions: module unload; every task is gone (each pinned the module), but
 * teardown work and RCU callbacks may still be in flight.
 */
void machina_task_exit(void)
{
	tracepoint_probe_unregister(exit_tracepoint, exit_probe, NULL);
	tracepoint_synchronize_unregister();
	/* After the exit probe: it may still hand records to the reaper. */
	machina_task_fork_exec_exit();
	destroy_workqueue(machina_task_wq);
	/*
	 * Task work runs module code in user threads: a task's teardown
	 * (terminate()) and a thread's stop queue the work item that drops
	 * their module reference and then still return through a few
	 * instructions of module text.  The workqueue is drained, but such a
	 * thread may have been preempted right there.  An RCU-tasks grace
	 * period ends only once every task has switched voluntarily, run in
	 * user mode or passed its exit, so none is left in that tail.  (A
	 * kernel without CONFIG_TASKS_RCU does not preempt kernel code, and
	 * there this is synchronize_rcu(): a CPU running that tail cannot
	 * pass a quiescent state before the thread leaves it.)
	 */
	synchronize_rcu_tasks();
	rcu_barrier();
	if (atomic_long_read(&live_tasks) || machina_thread_live_count())
		pr_err("machina: unloading with %ld tasks and %ld threads alive\n",
		       atomic_long_read(&live_tasks), machina_thread_live_count());
}

/*
 * machina_call_task_identity - the caller's task and thread, as the module
 * sees them; makes both on first use.
 * Conditions: @task is the caller's own task; process context.
 */
long machina_call_task_identity(struct machina_task *task, void *arg)
{
	struct machina_task_identity *id = arg;
	struct machina_thread *thread;

	if (id->flags || id->reserved)
		return -EINVAL;
	thread = machina_thread_current(task);
	if (IS_ERR(thread))
		return PTR_ERR(thread);

	id->task_serial = task->serial;
	id->thread_serial = thread->serial;
	id->pid = task_tgid_vnr(current);
	id->tid = task_pid_vnr(current);
	spin_lock(&task->lock);
	id->thread_count = task->thread_count;
	spin_unlock(&task->lock);
	return KERN_SUCCESS;
}

/*
 * machina_task_charge - account @bytes of messages to the sending task
 * Returns: false (nothing charged) when that would pass max_queued_bytes.
 */
bool machina_task_charge(struct machina_task *task, u64 bytes)
{
	if (atomic64_add_return(bytes, &task->queued_bytes) >
	    (s64)machina_max_queued_bytes) {
		atomic64_sub(bytes, &task->queued_bytes);
		return false;
	}
	return true;
}

void machina_task_uncharge(struct machina_task *task, u64 bytes)
{
	atomic64_sub(bytes, &task->queued_bytes);
}

/* The task kind of ipc_kobject_lookup(): the ports of every flavour. */
static void *task_get(struct ipc_port *port, u32 types)
{
	struct machina_task *task = ipc_kobject_of(port, types);

	/* kobject is cleared (under port->lock) before the task's last put. */
	return task && kref_get_unless_zero(&task->ref) ? task : NULL;
}

static void task_put_obj(void *obj)
{
	machina_task_put(obj);
}

static struct pid *task_image(void *obj)
{
	return ((struct machina_task *)obj)->tgid;
}

static const struct ipc_kobject_kind task_kind = {
	.right = MACH_PORT_TYPE_SEND,
	.get = task_get,
	.put = task_put_obj,
	.image = task_image,
};

/*
 * machina_task_lookup - the task whose port of flavour @least or a more
 * powerful one (control > read > inspect > name) @caller names @name, with
 * its exec image held: the port must be one of the image running now.
 * The one typed conversion of task ports: every call states the least
 * flavour it accepts, as Darwin's MIG types do (task_t, task_read_t,
 * task_inspect_t, task_name_t).
 * Conditions: process context, no IPC lock held; may sleep.
 * Returns: KERN_SUCCESS with @ref (ref->obj the task; ref->type says which
 * port, machina_task_ref_flavor() its flavour; release with
 * ipc_kobject_ref_put()); MACH_SEND_INVALID_DEST for a name without a live
 * send right or a port from before an exec (a Mach RPC to it would fail
 * so); KERN_INVALID_ARGUMENT for a task port of a lesser flavour or
 * another kind of port (Darwin's conversion gives TASK_NULL and the call
 * answers so); KERN_ABORTED on a fatal signal.
 */
int machina_task_lookup(struct machina_task *caller, u32 name,
			enum machina_task_flavor least,
			struct ipc_kobject_ref *ref)
{
	u32 types = 0;
	int f, kr;

	for (f = MACHINA_TASK_CONTROL; f <= least; f++)
		types |= IKOT_BIT(flavor_type[f]);
	kr = ipc_kobject_lookup(caller->space, name, &task_kind, types, ref);
	return machina_image_kr(kr);
}

/* machina_task_ref_flavor - the flavour of the port a lookup found. */
enum machina_task_flavor machina_task_ref_flavor(const struct ipc_kobject_ref *ref)
{
	int f;

	for (f = MACHINA_TASK_CONTROL; f < MACHINA_TASK_NAME; f++)
		if (flavor_type[f] == ref->type)
			break;
	return f;
}

/*
 * machina_image_kr - a lookup's status as the task and thread calls give
 * it: a name without a live send right and a port of another image fail
 * as a Mach RPC to a dead port does (MACH_SEND_INVALID_DEST).
 */
int machina_image_kr(int kr)
{
	if (kr == KERN_INVALID_NAME || kr == KERN_INVALID_RIGHT ||
	    kr == KERN_TERMINATED)
		return MACH_SEND_INVALID_DEST;
	return kr;
}

/*
 * machina_task_get_space - the task's IPC space, with a reference
 * Conditions: any context but hard interrupts.
 * Returns: the space (put with ipc_space_put()), or NULL once the task is
 * being torn down (its space is terminated and let go).
 */
struct ipc_space *machina_task_get_space(struct machina_task *task)
{
	struct ipc_space *space = NULL;

	spin_lock(&task->itk_lock);
	/* terminate() sets itk_dead before it drops task->space. */
	if (!task->itk_dead) {
		space = task->space;
		ipc_space_get(space);
	}
	spin_unlock(&task->itk_lock);
	return space;
}

/*
 * machina_task_port - the task's port of @flavor for exec image @gen, made
 * now if the task has none yet (read, inspect) or only one of an older
 * image; that one dies (its send rights become dead names)
 * Conditions: process context, no locks held; @gen is the image running
 * and cannot change meanwhile (the caller is a thread of the task's
 * process, or holds its image).
 * Returns: the port with a reference (put with ipc_port_put()); for a
 * torn-down task a dead port (the old one, or a fresh one killed at once);
 * NULL when memory ran out.
 */
struct ipc_port *machina_task_port(struct machina_task *task,
				   enum machina_task_flavor flavor, u64 gen)
{
	struct ipc_port **slot = &task->ports[flavor];
	struct ipc_port *port, *fresh = NULL, *old = NULL;
	bool kill = false;

	for (;;) {
		spin_lock(&task->itk_lock);
		port = *slot;
		if (task->itk_dead) {
			if (port) {
				ipc_port_get(port);
			} else if (fresh) {
				/* Never stored: the caller has fresh's reference. */
				port = fresh;
				fresh = NULL;
				kill = true;
			}
		} else if ((!port || port->kobject_gen != gen) && fresh) {
			old = port;
			*slot = port = fresh;
			fresh = NULL;
			ipc_port_get(port);
		} else if (port && port->kobject_gen == gen) {
			ipc_port_get(port);
		} else {
			port = NULL;
		}
		spin_unlock(&task->itk_lock);
		if (port)
			break;
		fresh = image_port_alloc(task, flavor_type[flavor], gen);
		if (!fresh)
			return NULL;
	}
	if (kill)
		ipc_port_kobject_destroy(port);
	if (old) {
		/* The slot's reference on the old port goes with it. */
		ipc_port_kobject_destroy(old);
		ipc_port_put(old);
	}
	if (fresh) {
		ipc_port_kobject_destroy(fresh);
		ipc_port_put(fresh);
	}
	return port;
}

/*
 * machina_task_retire_ports - every port in ports[] of an image other
 * than @gen dies now, whether or not new ones can be made
 * Conditions: process context, no locks held; the caller is the process's
 * own thread (its exec).  The slots keep the dead ports until
 * machina_task_port() replaces them.
 */
void machina_task_retire_ports(struct machina_task *task, u64 gen)
{
	struct ipc_port *stale[MACHINA_TASK_FLAVORS] = { };
	int i;

	spin_lock(&task->itk_lock);
	for (i = 0; i < MACHINA_TASK_FLAVORS; i++) {
		if (task->ports[i] && task->ports[i]->kobject_gen != gen) {
			stale[i] = task->ports[i];
			ipc_port_get(stale[i]);
		}
	}
	spin_unlock(&task->itk_lock);
	for (i = 0; i < MACHINA_TASK_FLAVORS; i++) {
		if (!stale[i])
			continue;
		ipc_port_kobject_destroy(stale[i]);
		ipc_port_put(stale[i]);
	}
}

/*
 * machina_port_release_send_right - drop a send right the kernel held
 * Conditions: process context, no spinlock held (no-senders may be sent).
 */
void machina_port_release_send_right(struct ipc_port *port)
{
	if (!port)
		return;
	ipc_port_release_send(port);
	ipc_port_put(port);
}

/* Release every right in @ports (process context) and clear it. */
void machina_task_ports_release(struct machina_task_ports *ports)
{
	int i;

	machina_port_release_send_right(ports->host);
	machina_port_release_send_right(ports->bootstrap);
	for (i = 0; i < MACHINA_EXC_TYPES; i++)
		machina_port_release_send_right(ports->exc[i].port);
	if (ports->traps)
		machina_trap_release();
	memset(ports, 0, sizeof(*ports));
}
