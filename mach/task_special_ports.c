// SPDX-License-Identifier: GPL-2.0
/*
 * A task's special ports and exception ports (task.h: "Ports of a task").
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
 * Exception ports: storage only (exceptions are not delivered yet).  One
 * action (send right, behavior, flavor) per exception type 1..13; "get"
 * coalesces the types whose actions are equal into one entry with the OR
 * of their masks, in exception-type order, as Darwin does (unset types
 * included, as MACH_PORT_NULL with behavior and flavor 0).
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

/* Darwin's exception masks (<mach/exception_types.h>). */
#define EXC_MASK_CRASH			(1u << 10)
#define EXC_MASK_CORPSE_NOTIFY		(1u << 13)
#define EXC_MASK_ALL			0x1bfeu	/* types 1..12 but CRASH */
#define EXC_MASK_VALID	(EXC_MASK_ALL | EXC_MASK_CRASH | EXC_MASK_CORPSE_NOTIFY)

#define EXCEPTION_DEFAULT			1
#define EXCEPTION_STATE				2
#define EXCEPTION_STATE_IDENTITY		3
#define EXCEPTION_IDENTITY_PROTECTED		4
#define EXCEPTION_STATE_IDENTITY_PROTECTED	5
#define MACH_EXCEPTION_FLAGS_MASK		0xe0000000u	/* CODES, ERRORS, BACKTRACE */

static_assert(MACHINA_EXC_TYPES == MACHINA_EXC_TYPES_COUNT);

/*
 * copyin_send - a kernel-held send right copied from @space's @name
 * Conditions: process context, @space unlocked.
 * Returns: KERN_SUCCESS with *portp (NULL for MACH_PORT_NULL, or a dead
 * name/MACH_PORT_DEAD, which stores nothing), or KERN_INVALID_NAME /
 * KERN_INVALID_RIGHT / KERN_RESOURCE_SHORTAGE.
 */
static int copyin_send(struct ipc_space *space, u32 name, struct ipc_port **portp)
{
	struct ipc_msg_right r;
	struct ipc_copyin c;
	int kr;

	*portp = NULL;
	mutex_lock(&space->lock);
	ipc_copyin_begin(&c, space);
	kr = ipc_copyin_right(&c, name, MACH_MSG_TYPE_COPY_SEND, &r);
	if (kr) {
		ipc_copyin_abort(&c);
		ipc_copyin_end(&c);
		mutex_unlock(&space->lock);
		return kr;
	}
	ipc_msg_right_apply(&r);
	ipc_copyin_commit(&c);
	ipc_copyin_end(&c);
	mutex_unlock(&space->lock);
	if (IPC_OBJECT_REAL(r.obj))
		*portp = ipc_port_from_object(r.obj);
	return KERN_SUCCESS;
}

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
	kr = copyin_send(task->space, a->value, &port);
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

#ifdef CONFIG_ARM64
/* ARM_THREAD_STATE .. ARM_NEON_STATE64, the flavors Darwin's arm64 accepts */
static const s32 state_flavors[] = { 1, 2, 3, 4, 5, 6, 7, 9, 14, 15, 16, 17 };
#else
/* x86_THREAD_STATE32 .. x86_THREAD_FULL_STATE64, less 14 and 15 */
static const s32 state_flavors[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
				     16, 17, 18, 19, 20, 21, 22, 23 };
#endif

static bool valid_flavor(s32 flavor)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(state_flavors); i++)
		if (state_flavors[i] == flavor)
			return true;
	return false;
}

/* Behavior and flavor check of task_set_exception_ports. */
static bool valid_action(s32 behavior, s32 flavor)
{
	u32 base = (u32)behavior & ~MACH_EXCEPTION_FLAGS_MASK;

	if (base < EXCEPTION_DEFAULT || base > EXCEPTION_STATE_IDENTITY_PROTECTED)
		return false;
	if (base == EXCEPTION_DEFAULT || base == EXCEPTION_IDENTITY_PROTECTED)
		return true;
	return valid_flavor(flavor);
}

static bool out_fields_zero(const struct machina_exception_ports *a)
{
	return !a->count && !memchr_inv(a->masks, 0, sizeof(a->masks)) &&
	       !memchr_inv(a->handlers, 0, sizeof(a->handlers)) &&
	       !memchr_inv(a->behaviors, 0, sizeof(a->behaviors)) &&
	       !memchr_inv(a->flavors, 0, sizeof(a->flavors));
}

/*
 * machina_call_task_set_exception_ports - task_set_exception_ports
 * in: target (a control port), mask, new_port (a send right of the caller
 * or MACH_PORT_NULL), behavior, flavor.  Each type in the mask gets its own
 * send right; the rights replaced are released.
 * Returns: KERN_SUCCESS; KERN_INVALID_ARGUMENT for a bad mask, behavior or
 * flavor, or a port that is not a task's; the copyin error for new_port.
 */
long machina_call_task_set_exception_ports(struct machina_task *task, void *arg)
{
	struct machina_exception_ports *a = arg;
	struct machina_exc_action old[MACHINA_EXC_TYPES] = { };
	struct machina_task *target;
	struct ipc_kobject_ref ref;
	struct ipc_port *port;
	int i, kr;

	if (a->flags || a->reserved || !out_fields_zero(a))
		return -EINVAL;
	kr = machina_task_lookup(task, a->target, MACHINA_TASK_CONTROL, &ref);
	if (kr)
		return kr;
	target = ref.obj;
	kr = KERN_INVALID_ARGUMENT;
	if (a->mask & ~EXC_MASK_VALID)
		goto out;
	if (!valid_action(a->behavior, a->flavor))
		goto out;
	kr = copyin_send(task->space, a->new_port, &port);
	if (kr)
		goto out;
	spin_lock(&target->itk_lock);
	for (i = 1; i < MACHINA_EXC_TYPES; i++) {
		if (!(a->mask & (1u << i)))
			continue;
		old[i] = target->exc[i];
		if (target->itk_dead)
			continue;
		/* One right per type: the copied-in one pays for the first. */
		target->exc[i].port = port;
		if (port) {
			ipc_port_copy_send(port);
			ipc_port_get(port);
		}
		target->exc[i].behavior = a->behavior;
		target->exc[i].flavor = a->flavor;
	}
	if (target->itk_dead)
		memset(old, 0, sizeof(old));
	spin_unlock(&target->itk_lock);
	/* The copied-in right itself; each type holds its own. */
	machina_port_release_send_right(port);
	for (i = 1; i < MACHINA_EXC_TYPES; i++)
		machina_port_release_send_right(old[i].port);
	kr = KERN_SUCCESS;
out:
	ipc_kobject_ref_put(&ref);
	return kr;
}

/*
 * machina_call_task_get_exception_ports - task_get_exception_ports
 * in: target, mask; out: count and, per distinct action, its mask, a new
 * send right (handlers), behavior and flavor.
 */
long machina_call_task_get_exception_ports(struct machina_task *task, void *arg)
{
	struct machina_exception_ports *a = arg;
	struct ipc_port *ports[MACHINA_EXC_TYPES] = { };
	struct machina_task *target;
	struct ipc_kobject_ref ref;
	u32 count = 0, i, j;
	int kr;

	if (a->flags || a->reserved || a->new_port || a->behavior ||
	    a->flavor || !out_fields_zero(a))
		return -EINVAL;
	kr = machina_task_lookup(task, a->target, MACHINA_TASK_CONTROL, &ref);
	if (kr)
		return kr;
	target = ref.obj;
	if (a->mask & ~EXC_MASK_VALID) {
		ipc_kobject_ref_put(&ref);
		return KERN_INVALID_ARGUMENT;
	}
	spin_lock(&target->itk_lock);
	for (i = 1; i < MACHINA_EXC_TYPES; i++) {
		const struct machina_exc_action *act = &target->exc[i];

		if (!(a->mask & (1u << i)))
			continue;
		for (j = 0; j < count; j++) {
			if (ports[j] == act->port && a->behaviors[j] == act->behavior &&
			    a->flavors[j] == act->flavor) {
				a->masks[j] |= 1u << i;
				break;
			}
		}
		if (j < count)
			continue;
		ports[count] = act->port;
		/* Copied under itk_lock, as in task_get_special_port. */
		if (act->port) {
			ipc_port_copy_send(act->port);
			ipc_port_get(act->port);
		}
		a->masks[count] = 1u << i;
		a->behaviors[count] = act->behavior;
		a->flavors[count] = act->flavor;
		count++;
	}
	spin_unlock(&target->itk_lock);
	ipc_kobject_ref_put(&ref);

	kr = KERN_SUCCESS;
	for (j = 0; j < count; j++) {
		if (!kr) {
			kr = ipc_kobject_copyout_held_send(task->space, ports[j],
							   &a->handlers[j]);
		} else if (ports[j]) {
			/* Not handed out: the right and reference go back. */
			ipc_port_release_send(ports[j]);
			ipc_port_put(ports[j]);
		}
	}
	if (kr) {
		/* Rights already named stay in the caller's space. */
		for (j = 0; j < count; j++)
			a->handlers[j] = MACH_PORT_NULL;
		return kr;
	}
	a->count = count;
	return KERN_SUCCESS;
}
