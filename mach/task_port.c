// SPDX-License-Identifier: GPL-2.0
/*
 * Getting from a pid to a task port and back: task_for_pid,
 * task_name_for_pid, pid_for_task (Darwin's traps 45, 44, 46).
 *
 * Who may have which port (docs/ARCHITECTURE.md, "Task ports"):
 *   control port  the caller's own task; or a process it could ptrace-attach
 *                 under Linux's rules with the Yama scope in force now
 *                 (/proc/sys/kernel/yama/ptrace_scope):
 *                   0  CAP_SYS_PTRACE in the target's user namespace, or
 *                      real uid and gid equal to all of the target's uids
 *                      and gids with the target dumpable;
 *                   1  as 0, and without CAP_SYS_PTRACE the target must be
 *                      a descendant of the caller (PR_SET_PTRACER
 *                      exceptions are not visible to a module);
 *                   2  CAP_SYS_PTRACE only;
 *                   3  nobody.
 *                 ptrace_may_access() is not exported to modules, so this
 *                 is the same rule, spelled here; other LSMs' ptrace
 *                 policies are not consulted.  A kernel without Yama uses
 *                 scope 0; with Yama but no readable sysctl (no /proc in
 *                 the caller's mount namespace), scope 1.
 *   name port     any process of the caller's effective uid (real or
 *                 effective uid of the target), or with CAP_SYS_PTRACE
 *                 (Yama governs attaching only).
 * A refusal, an unknown pid, pid 0 (Darwin's kernel task), a kernel thread
 * and an exited process all give KERN_FAILURE with MACH_PORT_NULL, as on
 * Darwin.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
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

#define YAMA_SCOPE_SYSCTL	"/proc/sys/kernel/yama/ptrace_scope"

/*
 * yama_scope - the ptrace scope Yama enforces now, 0 to 3 (see the top of
 * the file); its sysctl is the one place a module can read it.
 * Conditions: process context, no locks held (opens a file; may sleep).
 */
static int yama_scope(void)
{
	char buf[4] = { };
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	if (!MACHINA_HAVE_YAMA)
		return 0;
	f = filp_open(YAMA_SCOPE_SYSCTL, O_RDONLY, 0);
	if (IS_ERR(f))
		return 1;
	n = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	filp_close(f, NULL);
	if (n < 1 || buf[0] < '0' || buf[0] > '3')
		return 1;
	return buf[0] - '0';
}

/*
 * may_access - whether the caller may have @kind of port for @p, with
 * Yama's @scope
 * Conditions: rcu_read_lock() held; @p is not a kernel thread.
 */
static bool may_access(struct task_struct *p, u32 kind, int scope)
{
	const struct cred *me = current_cred(), *them = __task_cred(p);
	bool cap;

	if (same_thread_group(p, current))
		return true;
	cap = ns_capable(them->user_ns, CAP_SYS_PTRACE);
	if (kind == MACHINA_TASK_FOR_PID_NAME)
		return cap || uid_eq(me->euid, them->uid) ||
		       uid_eq(me->euid, them->euid);
	if (scope >= 3)
		return false;
	if (cap)
		return true;
	if (scope == 2)
		return false;
	if (!uid_eq(me->uid, them->uid) || !uid_eq(me->uid, them->euid) ||
	    !uid_eq(me->uid, them->suid) || !gid_eq(me->gid, them->gid) ||
	    !gid_eq(me->gid, them->egid) || !gid_eq(me->gid, them->sgid))
		return false;
	return user_dumpable(p) && (scope == 0 || is_descendant(p));
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
	struct ipc_kobject_ref check;
	struct machina_task *target;
	struct task_struct *p;
	struct ipc_port *port;
	struct pid *pid;
	bool allowed;
	int kr, scope;

	if (a->flags || a->reserved)
		return -EINVAL;
	if (a->kind != MACHINA_TASK_FOR_PID_CONTROL &&
	    a->kind != MACHINA_TASK_FOR_PID_NAME)
		return -EINVAL;
	a->name = MACH_PORT_NULL;
	/* Let the image of "task" go before holding the target's. */
	if (machina_task_lookup(task, a->task, false, &check))
		return KERN_FAILURE;
	ipc_kobject_ref_put(&check);
	if (a->pid <= 0)
		return KERN_FAILURE;

	pid = find_get_pid(a->pid);
	if (!pid)
		return KERN_FAILURE;
	scope = yama_scope();
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
	allowed = may_access(p, a->kind, scope);
	rcu_read_unlock();
	target = allowed ? machina_task_for_tgid(pid) : ERR_PTR(-EPERM);
	port = NULL;
	if (!IS_ERR(target)) {
		/* Of the image just checked: the lock keeps it running. */
		port = machina_task_port(target,
					 a->kind == MACHINA_TASK_FOR_PID_NAME,
					 machina_image_gen(pid));
		if (!port) {
			machina_task_put(target);
			target = ERR_PTR(-ENOMEM);
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
	struct ipc_kobject_ref ref;
	struct machina_task *target;

	if (a->flags || a->reserved || a->name || a->right || a->delta ||
	    a->value2 || a->context)
		return -EINVAL;
	a->value = (u32)-1;
	if (machina_task_lookup(task, a->task, true, &ref))
		return KERN_FAILURE;
	target = ref.obj;
	a->value = (u32)pid_vnr(target->tgid);
	ipc_kobject_ref_put(&ref);
	return KERN_SUCCESS;
}
