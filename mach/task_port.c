// SPDX-License-Identifier: GPL-2.0
/*
 * Getting from a pid to a task port and back: task_for_pid,
 * task_name_for_pid, pid_for_task (Darwin's traps 45, 44, 46).
 *
 * Who may have which port (docs/ARCHITECTURE.md, "Task ports"):
 *   control port  the caller's own task; or a process it could ptrace-attach
 *                 under Linux's default rules: CAP_SYS_PTRACE in the
 *                 target's user namespace, or real uid and gid equal to all
 *                 of the target's uids and gids, the target dumpable, and
 *                 the target a descendant of the caller (Yama's default
 *                 scope).  ptrace_may_access() is not exported to modules,
 *                 so this is the same rule, spelled here; LSM policies
 *                 beyond it are not consulted.
 *   name port     any process of the caller's effective uid (real or
 *                 effective uid of the target), or with CAP_SYS_PTRACE.
 * A refusal, an unknown pid, pid 0 (Darwin's kernel task), a kernel thread
 * and an exited process all give KERN_FAILURE with MACH_PORT_NULL, as on
 * Darwin.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>

#include "mach/ipc_port.h"
#include "mach/kern_return.h"
#include "mach/ipc_kobject.h"
#include "mach/task.h"
#include "personality/calls.h"
#include "uapi/machina.h"

/* Conditions: rcu_read_lock() held. */
static bool is_descendant(struct task_struct *p)
{
	struct task_struct *walk = p;

	while (walk->pid > 0) {
		if (same_thread_group(walk, current))
			return true;
		walk = rcu_dereference(walk->real_parent);
	}
	return false;
}

/* Conditions: rcu_read_lock() held; takes p's task_lock (a spinlock). */
static bool user_dumpable(struct task_struct *p)
{
	bool ok;

	task_lock(p);
	ok = p->mm && get_dumpable(p->mm) == SUID_DUMP_USER;
	task_unlock(p);
	return ok;
}

/*
 * may_access - whether the caller may have @kind of port for @p
 * Conditions: rcu_read_lock() held; @p is not a kernel thread.
 */
static bool may_access(struct task_struct *p, u32 kind)
{
	const struct cred *me = current_cred(), *them = __task_cred(p);

	if (same_thread_group(p, current))
		return true;
	if (ns_capable(them->user_ns, CAP_SYS_PTRACE))
		return true;
	if (kind == MACHINA_TASK_FOR_PID_NAME)
		return uid_eq(me->euid, them->uid) || uid_eq(me->euid, them->euid);
	if (!uid_eq(me->uid, them->uid) || !uid_eq(me->uid, them->euid) ||
	    !uid_eq(me->uid, them->suid) || !gid_eq(me->gid, them->gid) ||
	    !gid_eq(me->gid, them->egid) || !gid_eq(me->gid, them->sgid))
		return false;
	return user_dumpable(p) && is_descendant(p);
}

/*
 * machina_call_task_for_pid - task_for_pid / task_name_for_pid
 * "task" must name a task port of the caller (any task's, as XNU checks
 * only that it is one); the right goes into the caller's space.  The
 * target's Mach state is made if it has none yet.
 * Returns: KERN_SUCCESS with a send right in "name", KERN_FAILURE (see the
 * top of the file), KERN_RESOURCE_SHORTAGE or a copyout error.
 */
long machina_call_task_for_pid(struct machina_task *task, void *arg)
{
	struct machina_task_for_pid *a = arg;
	struct machina_task *target, *check;
	struct task_struct *p;
	struct ipc_port *port;
	struct pid *pid;
	bool allowed;
	int kr;

	if (a->flags || a->reserved)
		return -EINVAL;
	if (a->kind != MACHINA_TASK_FOR_PID_CONTROL &&
	    a->kind != MACHINA_TASK_FOR_PID_NAME)
		return -EINVAL;
	a->name = MACH_PORT_NULL;
	check = machina_task_from_name(task, a->task, false, NULL, &kr);
	if (!check)
		return KERN_FAILURE;
	machina_task_put(check);
	if (a->pid <= 0)
		return KERN_FAILURE;

	pid = find_get_pid(a->pid);
	if (!pid)
		return KERN_FAILURE;
	p = get_pid_task(pid, PIDTYPE_TGID);
	if (!p || (p->flags & PF_KTHREAD)) {
		kr = KERN_FAILURE;
		goto out_pid;
	}
	/*
	 * The check and the port it grants belong to one image: an execve of
	 * the target (which may raise its credentials) waits for this lock,
	 * so it cannot slip between them (as ptrace attach holds it).
	 */
	if (down_read_killable(&p->signal->exec_update_lock)) {
		kr = KERN_ABORTED;
		goto out_task;
	}
	rcu_read_lock();
	allowed = may_access(p, a->kind);
	rcu_read_unlock();
	target = allowed ? machina_task_for_tgid(pid) : ERR_PTR(-EPERM);
	port = NULL;
	if (!IS_ERR(target)) {
		if (a->kind == MACHINA_TASK_FOR_PID_CONTROL) {
			port = machina_task_control_port(target);
		} else {
			port = target->name_port;
			ipc_port_get(port);
		}
	}
	up_read(&p->signal->exec_update_lock);
	if (IS_ERR(target)) {
		kr = PTR_ERR(target) == -ENOMEM ? KERN_RESOURCE_SHORTAGE : KERN_FAILURE;
		goto out_task;
	}
	put_task_struct(p);
	put_pid(pid);
	kr = ipc_kobject_copyout_send(task->space, port, true, &a->name);
	ipc_port_put(port);
	machina_task_put(target);
	return kr;

out_task:
	if (p)
		put_task_struct(p);
out_pid:
	put_pid(pid);
	return kr;
}

/*
 * machina_call_pid_for_task - pid_for_task: the pid of the process whose
 * task's control or name port "task" names
 * Returns: KERN_SUCCESS with the pid (in the caller's pid namespace, 0 if
 * it is not visible there) in "value"; KERN_FAILURE with -1 for anything
 * else (no such right, another kind of port, a dead task), as Darwin.
 */
long machina_call_pid_for_task(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct machina_task *target;
	int kr;

	if (a->flags || a->reserved || a->name || a->right || a->delta ||
	    a->value2 || a->context)
		return -EINVAL;
	a->value = (u32)-1;
	target = machina_task_from_name(task, a->task, true, NULL, &kr);
	if (!target)
		return KERN_FAILURE;
	a->value = (u32)pid_vnr(target->tgid);
	machina_task_put(target);
	return KERN_SUCCESS;
}
