/*
 * libmach: the task interface (task_info, special ports) and the
 * task_for_pid family of traps; the task's exception ports are in
 * exc_ports.c.  Each call is one ioctl; the module
 * answers with Darwin's kern_return_t, so these functions marshal only.
 */
#include <string.h>

#include <mach/mach_init.h>
#include <mach/mach_port.h>
#include <mach/mach_traps.h>
#include <mach/task.h>

#include "internal.h"
#include "uapi/machina.h"

static kern_return_t for_pid(mach_port_name_t target_tport, int pid,
			     __u32 kind, mach_port_name_t *t)
{
	struct machina_task_for_pid a = {
		.task = target_tport,
		.pid = pid,
		.kind = kind,
	};
	kern_return_t kr;

	if (!t)
		return KERN_INVALID_ARGUMENT;
	kr = machina_call(MACHINA_IOC_TASK_FOR_PID, &a);
	*t = kr == KERN_SUCCESS ? a.name : MACH_PORT_NULL;
	return kr;
}

LIBMACH_EXPORT kern_return_t task_for_pid(mach_port_name_t target_tport,
					  int pid, mach_port_name_t *t)
{
	return for_pid(target_tport, pid, MACHINA_TASK_FOR_PID_CONTROL, t);
}

LIBMACH_EXPORT kern_return_t task_name_for_pid(mach_port_name_t target_tport,
					       int pid, mach_port_name_t *tn)
{
	return for_pid(target_tport, pid, MACHINA_TASK_FOR_PID_NAME, tn);
}

LIBMACH_EXPORT kern_return_t task_read_for_pid(mach_port_name_t target_tport,
					       int pid, mach_port_name_t *t)
{
	return for_pid(target_tport, pid, MACHINA_TASK_FOR_PID_READ, t);
}

LIBMACH_EXPORT kern_return_t task_inspect_for_pid(mach_port_name_t target_tport,
						  int pid, mach_port_name_t *t)
{
	return for_pid(target_tport, pid, MACHINA_TASK_FOR_PID_INSPECT, t);
}

LIBMACH_EXPORT kern_return_t pid_for_task(mach_port_name_t t, int *x)
{
	struct machina_port_args a = { .task = t };
	kern_return_t kr;

	if (!x)
		return KERN_INVALID_ARGUMENT;
	kr = machina_call(MACHINA_IOC_PID_FOR_TASK, &a);
	*x = kr == KERN_SUCCESS ? (int)a.value : -1;
	return kr;
}

LIBMACH_EXPORT kern_return_t task_info(task_name_t target_task,
				       task_flavor_t flavor,
				       task_info_t task_info_out,
				       mach_msg_type_number_t *task_info_outCnt)
{
	struct machina_info a = {
		.target = target_task,
		.flavor = (__s32)flavor,
	};
	kern_return_t kr;

	if (!task_info_out || !task_info_outCnt)
		return KERN_INVALID_ARGUMENT;
	if (flavor == TASK_VM_INFO || flavor == TASK_VM_INFO_PURGEABLE) {
		/* Larger than struct machina_info: written straight to the caller. */
		struct machina_task_vm_info v = {
			.target = target_task,
			.count = *task_info_outCnt,
			.flags = flavor == TASK_VM_INFO_PURGEABLE ?
					 MACHINA_TASK_VM_INFO_PURGEABLE : 0,
			.info = (__u64)(uintptr_t)task_info_out,
		};

		kr = machina_call(MACHINA_IOC_TASK_VM_INFO, &v);
		if (kr == KERN_SUCCESS)
			*task_info_outCnt = v.count;
		return kr;
	}
	/* Every other flavor fits the module's buffer; a larger count is fine. */
	a.count = *task_info_outCnt < MACHINA_INFO_WORDS ? *task_info_outCnt
							 : MACHINA_INFO_WORDS;
	kr = machina_call(MACHINA_IOC_TASK_INFO, &a);
	if (kr != KERN_SUCCESS)
		return kr;
	memcpy(task_info_out, a.info, a.count * sizeof(natural_t));
	*task_info_outCnt = a.count;
	return KERN_SUCCESS;
}

LIBMACH_EXPORT kern_return_t task_get_special_port(task_inspect_t task,
						   int which_port,
						   mach_port_t *special_port)
{
	struct machina_port_args a = { .task = task, .right = (__u32)which_port };
	kern_return_t kr;

	if (!special_port)
		return KERN_INVALID_ARGUMENT;
	kr = machina_call(MACHINA_IOC_TASK_GET_SPECIAL_PORT, &a);
	if (kr == KERN_SUCCESS)
		*special_port = a.value;
	return kr;
}

LIBMACH_EXPORT kern_return_t task_set_special_port(task_t task, int which_port,
						   mach_port_t special_port)
{
	struct machina_port_args a = {
		.task = task,
		.right = (__u32)which_port,
		.value = special_port,
	};

	return machina_call(MACHINA_IOC_TASK_SET_SPECIAL_PORT, &a);
}
