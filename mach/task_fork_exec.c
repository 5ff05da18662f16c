// SPDX-License-Identifier: GPL-2.0
/*
 * What fork and exec do to a Mach task (task.h has the rules and the lock
 * order).
 *
 * Fork: the child of a process with a Mach task inherits send rights to its
 * parent's BOOTSTRAP and HOST special ports and its exception actions; the
 * rest of its IPC space is new and empty.  A parent that never used Mach
 * passes on what it inherited itself (still unclaimed), so the children of
 * a shell started by machina-bootstrap find the bootstrap port too.  The sched_process_fork probe runs
 * in the parent with preemption disabled, before the child first runs: it
 * copies the rights into an inheritance record keyed by the child's tgid
 * struct pid.  The record is claimed when the child's task is made (its
 * first Mach call, or task_for_pid on it), or, if the child exits without
 * one, handed by the exit probe to a work item that releases the rights.
 * Module unload releases whatever is left.
 *
 * Exec: the IPC space survives, but the control port is replaced, so that
 * rights to the old image's task port held by others die (their dead-name
 * requests fire).  The sched_process_exec probe runs in the exec'ing thread;
 * it queues task work (TWA_RESUME) that does the replacement before the new
 * image runs user code, and gives the task's own space a send right to the
 * new port (what mach_task_self() then names).  The probe also kills the
 * exec'ing thread's record and port at once (machina_thread_exec()), so no
 * thread port from the old image reaches the new one.
 */
#include <linux/binfmts.h>
#include <linux/hashtable.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/tracepoint.h>

#include "mach/ipc_kobject.h"
#include "mach/ipc_right.h"
#include "mach/ipc_space.h"
#include "mach/task.h"
#include "mach/thread.h"

#define INHERIT_BITS 6

struct inherit {
	struct hlist_node node;		/* inherit_table or reap_list */
	struct pid *tgid;		/* the child's; a reference */
	struct machina_task_ports ports;
};

static DEFINE_HASHTABLE(inherit_table, INHERIT_BITS);
static HLIST_HEAD(reap_list);
static DEFINE_SPINLOCK(machina_inherit_lock);
static atomic_t inherit_count = ATOMIC_INIT(0);

static struct tracepoint *fork_tp, *exec_tp;

static void reap_fn(struct work_struct *work);
static DECLARE_WORK(reap_work, reap_fn);

bool machina_task_inherit_pending(void)
{
	return atomic_read(&inherit_count) > 0;
}

static void inherit_free(struct inherit *rec)
{
	machina_task_ports_release(&rec->ports);
	put_pid(rec->tgid);
	kfree(rec);
}

/* Conditions: machina_inherit_lock held.  Unlinks and returns the record. */
static struct inherit *inherit_take(struct pid *tgid)
{
	struct inherit *rec;

	lockdep_assert_held(&machina_inherit_lock);
	hash_for_each_possible(inherit_table, rec, node, (unsigned long)tgid) {
		if (rec->tgid == tgid) {
			hash_del(&rec->node);
			atomic_dec(&inherit_count);
			return rec;
		}
	}
	return NULL;
}

/* Take a kernel-held send right to @port.  Conditions: port->lock free. */
static struct ipc_port *copy_right(struct ipc_port *port)
{
	if (!port)
		return NULL;
	ipc_port_copy_send(port);
	ipc_port_get(port);
	return port;
}

/*
 * copy_task_ports - fill @rec from the parent's live task
 * Conditions: rcu_read_lock() held (keeps @task), preemption disabled.
 * Returns: whether the task had anything to hand down (then *recp was
 * filled, or it is NULL because memory was short).
 */
static bool copy_task_ports(struct machina_task *task, struct inherit **recp)
{
	struct inherit *rec = NULL;
	bool any;
	int i;

	spin_lock(&task->itk_lock);
	any = task->special[TASK_BOOTSTRAP_PORT] || task->special[TASK_HOST_PORT];
	for (i = 0; i < MACHINA_EXC_TYPES && !any; i++)
		any = task->exc[i].port || task->exc[i].behavior;
	if (any && !task->itk_dead)
		rec = kzalloc(sizeof(*rec), GFP_NOWAIT | __GFP_ACCOUNT | __GFP_NOWARN);
	if (rec) {
		rec->ports.bootstrap = copy_right(task->special[TASK_BOOTSTRAP_PORT]);
		rec->ports.host = copy_right(task->special[TASK_HOST_PORT]);
		for (i = 0; i < MACHINA_EXC_TYPES; i++) {
			rec->ports.exc[i] = task->exc[i];
			copy_right(task->exc[i].port);
		}
	}
	spin_unlock(&task->itk_lock);
	*recp = rec;
	return any;
}

/*
 * copy_pending_ports - fill @rec from the record the parent itself
 * inherited and never claimed: a process that never used Mach (a shell
 * run under machina-bootstrap) hands its children what it was given.
 * Conditions: preemption disabled; machina_inherit_lock not held.
 * Returns: as copy_task_ports().
 */
static bool copy_pending_ports(struct pid *parent, struct inherit **recp)
{
	struct inherit *rec, *found = NULL;
	int i;

	*recp = NULL;
	rec = kzalloc(sizeof(*rec), GFP_NOWAIT | __GFP_ACCOUNT | __GFP_NOWARN);
	spin_lock(&machina_inherit_lock);
	hash_for_each_possible(inherit_table, found, node, (unsigned long)parent) {
		if (found->tgid == parent)
			break;
	}
	if (found && rec) {
		/* port->lock under the inherit lock: see task.h. */
		rec->ports.bootstrap = copy_right(found->ports.bootstrap);
		rec->ports.host = copy_right(found->ports.host);
		for (i = 0; i < MACHINA_EXC_TYPES; i++) {
			rec->ports.exc[i] = found->ports.exc[i];
			copy_right(found->ports.exc[i].port);
		}
	}
	spin_unlock(&machina_inherit_lock);
	if (!found) {
		kfree(rec);
		return false;
	}
	*recp = rec;
	return true;
}

/*
 * fork_probe - sched_process_fork: @child is a new thread or process
 * Conditions: runs in the parent with preemption disabled; must not sleep.
 * Only a new thread group inherits (not CLONE_THREAD).  The parent hands
 * down its task's ports or, without a task, what it inherited itself.  If
 * memory is short the child inherits nothing, and the kernel log says so.
 */
static void fork_probe(void *data, struct task_struct *parent,
		       struct task_struct *child)
{
	struct machina_task *task;
	struct inherit *rec;
	bool any;

	if ((!machina_task_live_count() && !machina_task_inherit_pending()) ||
	    (child->flags & PF_KTHREAD) || !thread_group_leader(child))
		return;
	rcu_read_lock();
	task = machina_task_lookup_rcu(task_tgid(parent));
	if (task)
		any = copy_task_ports(task, &rec);
	else
		any = machina_task_inherit_pending() &&
		      copy_pending_ports(task_tgid(parent), &rec);
	rcu_read_unlock();
	if (!rec) {
		if (any)
			pr_warn_ratelimited("machina: no memory: pid %d inherits no special ports\n",
					    task_tgid_nr(child));
		return;
	}
	rec->tgid = get_pid(task_tgid(child));
	spin_lock(&machina_inherit_lock);
	hash_add(inherit_table, &rec->node, (unsigned long)rec->tgid);
	atomic_inc(&inherit_count);
	spin_unlock(&machina_inherit_lock);
}

/*
 * machina_task_inherit_claim - give a new task what its parent handed down
 * Conditions: process context, no locks held; @task was just published.
 * A slot the task filled meanwhile keeps its own value.
 */
void machina_task_inherit_claim(struct machina_task *task)
{
	struct inherit *rec;
	int i;

	if (!machina_task_inherit_pending())
		return;
	spin_lock(&machina_inherit_lock);
	rec = inherit_take(task->tgid);
	spin_unlock(&machina_inherit_lock);
	if (!rec)
		return;
	spin_lock(&task->itk_lock);
	if (!task->itk_dead) {
		if (!task->special[TASK_BOOTSTRAP_PORT]) {
			task->special[TASK_BOOTSTRAP_PORT] = rec->ports.bootstrap;
			rec->ports.bootstrap = NULL;
		}
		if (!task->special[TASK_HOST_PORT]) {
			task->special[TASK_HOST_PORT] = rec->ports.host;
			rec->ports.host = NULL;
		}
		for (i = 0; i < MACHINA_EXC_TYPES; i++) {
			if (task->exc[i].port || task->exc[i].behavior)
				continue;
			task->exc[i] = rec->ports.exc[i];
			rec->ports.exc[i].port = NULL;
		}
	}
	spin_unlock(&task->itk_lock);
	inherit_free(rec);
}

/*
 * machina_task_inherit_drop - the thread group @tgid is gone; release what
 * it inherited and never claimed
 * Conditions: the exit probe (preemption disabled): the rights are released
 * by reap_work in process context.
 */
void machina_task_inherit_drop(struct pid *tgid)
{
	struct inherit *rec;

	if (!machina_task_inherit_pending())
		return;
	spin_lock(&machina_inherit_lock);
	rec = inherit_take(tgid);
	if (rec)
		hlist_add_head(&rec->node, &reap_list);
	spin_unlock(&machina_inherit_lock);
	if (rec)
		machina_task_queue_work(&reap_work);
}

static void reap_fn(struct work_struct *work)
{
	struct inherit *rec;
	struct hlist_node *tmp;
	HLIST_HEAD(list);

	spin_lock(&machina_inherit_lock);
	hlist_move_list(&reap_list, &list);
	spin_unlock(&machina_inherit_lock);
	hlist_for_each_entry_safe(rec, tmp, &list, node) {
		hlist_del(&rec->node);
		inherit_free(rec);
	}
}

/*
 * exec_work_fn - replace the control port of a task whose process exec'd
 * Conditions: task work of the exec'ing thread (process context), before
 * the new image runs; holds the reference exec_probe took.  The old port is
 * destroyed: every send right to it, in any space, becomes a dead name and
 * its dead-name requests fire.  If memory is short the old port stays.
 */
static void exec_work_fn(struct callback_head *cb)
{
	struct machina_task *task = container_of(cb, struct machina_task, exec_work);
	struct ipc_port *old, *port;
	u32 name;
	int kr;

	spin_lock(&task->lock);
	task->exec_pending = false;
	spin_unlock(&task->lock);
	/*
	 * The probe queued the death of the old image's thread port: it is a
	 * dead name everywhere before the new image runs, as the task port.
	 */
	machina_task_flush_work();

	port = ipc_kobject_alloc_port(IKOT_TASK, task);
	if (!port) {
		pr_warn_ratelimited("machina: no memory to replace a task port at exec\n");
		goto out;
	}
	spin_lock(&task->itk_lock);
	old = task->itk_dead ? NULL : task->self_port;
	if (old)
		task->self_port = port;
	spin_unlock(&task->itk_lock);
	if (!old) {
		/* The process died first: its teardown owns the old port. */
		ipc_port_kobject_destroy(port);
		ipc_port_put(port);
		goto out;
	}
	ipc_port_kobject_destroy(old);
	ipc_port_put(old);
	/* The new image's mach_task_self(). */
	kr = ipc_kobject_copyout_send(task->space, port, true, &name);
	if (!kr && MACH_PORT_VALID(name))
		task->self_name = name;
out:
	machina_task_put(task);
}

/*
 * exec_probe - sched_process_exec: @p (current) has a new image
 * Conditions: preemption disabled; must not sleep.
 */
static void exec_probe(void *data, struct task_struct *p, pid_t old_pid,
		       struct linux_binprm *bprm)
{
	struct machina_task *task;
	bool queue = false;

	if (!machina_task_live_count() || p != current)
		return;
	rcu_read_lock();
	task = machina_task_lookup_rcu(task_tgid(p));
	if (task) {
		/* The exec'ing thread's port dies now, before any stop can run. */
		machina_thread_exec(task, p, old_pid);
		spin_lock(&task->lock);
		if (!task->terminated && !task->exec_pending &&
		    kref_get_unless_zero(&task->ref)) {
			task->exec_pending = true;
			queue = true;
		}
		spin_unlock(&task->lock);
	}
	rcu_read_unlock();
	if (!queue)
		return;
	init_task_work(&task->exec_work, exec_work_fn);
	if (task_work_add(p, &task->exec_work, TWA_RESUME)) {
		/* Exiting already: teardown kills the port anyway. */
		spin_lock(&task->lock);
		task->exec_pending = false;
		spin_unlock(&task->lock);
		machina_task_put(task);
	}
}

static void find_tracepoints(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_fork"))
		fork_tp = tp;
	else if (!strcmp(tp->name, "sched_process_exec"))
		exec_tp = tp;
}

/*
 * machina_task_fork_exec_init - attach to fork and exec
 * Returns: 0, -ENOENT without the tracepoints, or the registration error.
 */
int machina_task_fork_exec_init(void)
{
	int err;

	for_each_kernel_tracepoint(find_tracepoints, NULL);
	if (!fork_tp || !exec_tp) {
		pr_err("machina: kernel has no sched_process_fork/exec tracepoint\n");
		return -ENOENT;
	}
	err = tracepoint_probe_register(fork_tp, fork_probe, NULL);
	if (err)
		return err;
	err = tracepoint_probe_register(exec_tp, exec_probe, NULL);
	if (err)
		goto err_fork;
	return 0;

err_fork:
	tracepoint_probe_unregister(fork_tp, fork_probe, NULL);
	tracepoint_synchronize_unregister();
	return err;
}

/*
 * machina_task_fork_exec_exit - detach, and release unclaimed inheritances
 * Conditions: module unload, process context.  No task is alive, so no
 * exec work is pending; records of children that never used Mach remain.
 */
void machina_task_fork_exec_exit(void)
{
	struct inherit *rec;
	struct hlist_node *tmp;
	int bkt;

	tracepoint_probe_unregister(exec_tp, exec_probe, NULL);
	tracepoint_probe_unregister(fork_tp, fork_probe, NULL);
	tracepoint_synchronize_unregister();
	flush_work(&reap_work);
	hash_for_each_safe(inherit_table, bkt, tmp, rec, node) {
		hash_del(&rec->node);
		atomic_dec(&inherit_count);
		inherit_free(rec);
	}
	reap_fn(NULL);
}
