// SPDX-License-Identifier: GPL-2.0
/*
 * A task's special ports (task.h: "Ports of a task").
 *
 * Special ports:
 *   KERNEL (1)            the task's control port (a new send right)
 *   NAME (3)              the task's name port
 *   INSPECT (5), READ (6) the task's inspect and read ports (task.h:
 *                         "Task port flavours")
 *   HOST (2), BOOTSTRAP (4), ACCESS (9)
 *                         what was set (MACH_PORT_NULL if nothing); HOST
 *                         falls back to the host port (mach/host.h)
 * KERNEL, NAME, INSPECT and READ cannot be set (KERN_NO_ACCESS); any other
 * number is KERN_INVALID_ARGUMENT.
 *
 * task_get_special_port takes an inspect port or better, and a port of
 * lesser power gives nothing more powerful than itself (XNU's
 * special_port_allowed_with_task_flavor): through a read port READ,
 * INSPECT and NAME; through an inspect port INSPECT and NAME; anything
 * else KERN_INVALID_CAPABILITY.  A name port is KERN_INVALID_ARGUMENT.
 *
 * The task's exception ports are an action table like the thread's and
 * the host's: mach/exc_action.c.
 */
#include <linux/string.h>

#include "mach/host.h"
#include "mach/ipc_kobject.h"
#include "mach/ipc_right.h"
#include "mach/ipc_space.h"
#include "mach/kern_return.h"
#include "mach/task.h"
#include "personality/calls.h"
#include "uapi/machina.h"

static bool settable(u32 which)
{
	return which == TASK_HOST_PORT || which == TASK_BOOTSTRAP_PORT ||
	       which == TASK_ACCESS_PORT;
}

static bool known(u32 which)
{
	return settable(which) || which == TASK_KERNEL_PORT ||
	       which == TASK_NAME_PORT || which == TASK_INSPECT_PORT ||
	       which == TASK_READ_PORT;
}

/* The task port flavour special port @which names, or -1 for the others. */
static int special_flavor(u32 which)
{
	switch (which) {
	case TASK_KERNEL_PORT:
		return MACHINA_TASK_CONTROL;
	case TASK_READ_PORT:
		return MACHINA_TASK_READ;
	case TASK_INSPECT_PORT:
		return MACHINA_TASK_INSPECT;
	case TASK_NAME_PORT:
		return MACHINA_TASK_NAME;
	}
	return -1;
}

/*
 * machina_call_task_get_special_port - task_get_special_port
 * in: task (a control, read or inspect port), right (which); out: value
 * (a send right).
 * Returns: KERN_SUCCESS; KERN_INVALID_CAPABILITY (which is more than the
 * port's flavour may give, the top of the file); KERN_INVALID_ARGUMENT
 * (an unknown which through a control port, a name port or no task
 * port); KERN_RESOURCE_SHORTAGE; the lookup's and copy-out's errors.
 */
long machina_call_task_get_special_port(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct machina_task *target;
	struct ipc_kobject_ref ref;
	struct ipc_port *port;
	int flavor, kr;

	if (a->flags || a->reserved || a->name || a->delta || a->value2 ||
	    a->context)
		return -EINVAL;
	a->value = MACH_PORT_NULL;
	kr = machina_task_lookup(task, a->task, MACHINA_TASK_INSPECT, &ref);
	if (kr)
		return kr;
	target = ref.obj;
	flavor = special_flavor(a->right);
	/* Read and inspect ports reach their own flavour or a lesser one. */
	kr = KERN_INVALID_CAPABILITY;
	if (machina_task_ref_flavor(&ref) != MACHINA_TASK_CONTROL &&
	    flavor < (int)machina_task_ref_flavor(&ref))
		goto out;
	kr = KERN_INVALID_ARGUMENT;
	if (!known(a->right))
		goto out;
	switch (a->right) {
	case TASK_KERNEL_PORT:
	case TASK_INSPECT_PORT:
	case TASK_READ_PORT:
	case TASK_NAME_PORT:
		/* The ports of the image held, never an older one. */
		port = machina_task_port(target, flavor, ref.image.gen);
		kr = KERN_RESOURCE_SHORTAGE;
		if (!port)
			goto out;
		break;
	default:
		/*
		 * Copy the stored right under itk_lock: once the lock is
		 * dropped a task_set_special_port may release it, and a copy
		 * made after a no-senders notification would revive the port.
		 */
		spin_lock(&target->itk_lock);
		port = target->special[a->right];
		if (port) {
			ipc_port_copy_send(port);
			ipc_port_get(port);
		}
		spin_unlock(&target->itk_lock);
		if (!port && a->right == TASK_HOST_PORT) {
			/* Unset: the host port itself, as every Darwin task has. */
			kr = ipc_kobject_copyout_send(task->space, machina_host_port(),
						      true, &a->value);
		} else {
			kr = ipc_kobject_copyout_held_send(task->space, port, &a->value);
		}
		goto out;
	}
	kr = ipc_kobject_copyout_send(task->space, port, true, &a->value);
	ipc_port_put(port);
out:
	ipc_kobject_ref_put(&ref);
	return kr;
}

/*
 * machina_call_task_set_special_port - task_set_special_port
 * in: task (a control port), right (which), value (the caller's send right
 * to copy, or MACH_PORT_NULL to clear).  The previous right is released.
 */
long machina_call_task_set_special_port(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct ipc_port *port, *old = NULL;
	struct machina_task *target;
	struct ipc_kobject_ref ref;
	int kr;

	if (a->flags || a->reserved || a->name || a->delta || a->value2 ||
	    a->context)
		return -EINVAL;
	kr = machina_task_lookup(task, a->task, MACHINA_TASK_CONTROL, &ref);
	if (kr)
		return kr;
	target = ref.obj;
	if (!known(a->right)) {
		kr = KERN_INVALID_ARGUMENT;
		goto out;
	}
	if (!settable(a->right)) {
		kr = KERN_NO_ACCESS;
		goto out;
	}
	kr = ipc_kobject_copyin_send(task->space, a->value, &port);
	if (kr)
		goto out;
	spin_lock(&target->itk_lock);
	if (target->itk_dead) {
		/* Torn down meanwhile: keep nothing. */
		old = port;
	} else {
		old = target->special[a->right];
		target->special[a->right] = port;
	}
	spin_unlock(&target->itk_lock);
	machina_port_release_send_right(old);
out:
	ipc_kobject_ref_put(&ref);
	return kr;
}
