// SPDX-License-Identifier: GPL-2.0
/*
 * Getting from a pid to a task port and back: task_for_pid,
 * task_read_for_pid, task_inspect_for_pid, task_name_for_pid (Darwin's
 * traps 45 and 44 for the first and last; the other two are MIG calls on
 * Darwin, ioctls here), pid_for_task (trap 46).
 *
 * Who may have which port (mach/task_access.c, docs/ARCHITECTURE.md "Task
 * ports"):
 *   control and   the caller's own task; or a process the caller could
 *   read port     ptrace-attach to, as the kernel itself decides it
 *                 (machina_task_may_access(ATTACH): __ptrace_may_access()
 *                 and every LSM's ptrace hook, Yama's scope included), the
 *                 rule of process_vm_readv: a read port reads memory;
 *   inspect port  the caller's own task; or a process the caller may
 *                 ptrace-read (machina_task_may_access(READ): the rule of
 *                 /proc/PID/stat's private fields, Yama not involved);
 *   name port     any process of the caller's effective uid (real or
 *                 effective uid of the target), or with CAP_SYS_PTRACE
 *                 (Yama governs attaching only).
 * A refusal, an unknown pid, pid 0 (Darwin's kernel task), a kernel thread
 * and an exited process all give KERN_FAILURE with MACH_PORT_NULL, as on
 * Darwin.
 */
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

#include "mach/ipc_port.h"
#include "mach/kern_return.h"
#include "mach/ipc_kobject.h"
#include "mach/task.h"
#include "personality/calls.h"
#include "uapi/machina.h"

/* The flavour of port each MACHINA_TASK_FOR_PID_* kind asks for. */
static const enum machina_task_flavor kind_flavor[] = {
	[MACHINA_TASK_FOR_PID_CONTROL] = MACHINA_TASK_CONTROL,
	[MACHINA_TASK_FOR_PID_NAME] = MACHINA_TASK_NAME,
	[MACHINA_TASK_FOR_PID_READ] = MACHINA_TASK_READ,
	[MACHINA_TASK_FOR_PID_INSPECT] = MACHINA_TASK_INSPECT,
};

/*
 * machina_call_task_for_pid - task_for_pid, task_read_for_pid,
 * task_inspect_for_pid, task_name_for_pid (a->kind)
 * "task" must name a task control port of the caller (any task's, as XNU
 * checks only that it is one); the right goes into the caller's space.
 * The target's Mach state is made if it has none yet.
 * Returns: KERN_SUCCESS with a send right in "name", KERN_FAILURE (see the
 * top of the file), KERN_RESOURCE_SHORTAGE or a copyout error.
 */
long machina_call_task_for_pid(struct machina_task *task, void *arg)
{
	struct machina_task_for_pid *a = arg;
	enum machina_task_access mode = MACHINA_ACCESS_ATTACH;
	enum machina_task_flavor flavor;
	struct ipc_kobject_ref check;
	struct machina_task *target;
	struct task_struct *p;
	struct ipc_port *port;
	struct pid *pid;
	bool allowed, ptrace;
	u64 stamp = 0;
	int kr;

	if (a->flags || a->reserved)
		return -EINVAL;
	if (a->kind >= ARRAY_SIZE(kind_flavor))
		return -EINVAL;
	flavor = kind_flavor[a->kind];
	if (flavor == MACHINA_TASK_INSPECT)
		mode = MACHINA_ACCESS_READ;
	a->name = MACH_PORT_NULL;
	/* Let the image of "task" go before holding the target's. */
	if (machina_task_lookup(task, a->task, MACHINA_TASK_CONTROL, &check))
		return KERN_FAILURE;
	ipc_kobject_ref_put(&check);
	if (a->pid <= 0)
		return KERN_FAILURE;

	pid = find_get_pid(a->pid);
	if (!pid)
		return KERN_FAILURE;
	p = get_pid_task(pid, PIDTYPE_TGID);
	if (!p || (p->flags & PF_KTHREAD)) {
		kr = KERN_FAILURE;
		goto out_task;
	}
	/* Every flavour but the name port is the kernel's ptrace decision. */
	ptrace = flavor != MACHINA_TASK_NAME && !same_thread_group(p, current);
	if (ptrace && machina_task_may_access(pid, p, mode, &stamp)) {
		kr = KERN_FAILURE;
		goto out_task;
	}
	/*
	 * The check and the port it grants belong to one image: an execve of
	 * the target (which may raise its credentials) waits for this lock,
	 * and one that came after the check is seen by the stamp (as ptrace
	 * attach holds the target's exec locks across its check).
	 */
	if (down_read_killable(&p->signal->exec_update_lock)) {
		kr = KERN_ABORTED;
		goto out_task;
	}
	rcu_read_lock();
	if (ptrace)
		allowed = machina_task_access_still_valid(pid, p, stamp);
	else
		allowed = flavor != MACHINA_TASK_NAME ||
			  machina_task_may_name(p);
	rcu_read_unlock();
	target = allowed ? machina_task_for_tgid(pid) : ERR_PTR(-EPERM);
	port = NULL;
	if (!IS_ERR(target)) {
		/* Of the image just checked: the lock keeps it running. */
		port = machina_task_port(target, flavor,
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
	put_pid(pid);
	return kr;
}

/*
 * machina_call_pid_for_task - pid_for_task: the pid of the process whose
 * task port of any flavour "task" names
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
	if (machina_task_lookup(task, a->task, MACHINA_TASK_NAME, &ref))
		return KERN_FAILURE;
	target = ref.obj;
	a->value = (u32)pid_vnr(target->tgid);
	ipc_kobject_ref_put(&ref);
	return KERN_SUCCESS;
}
