/*
 * <mach/task_special_ports.h>: the numbers of a task's special ports.
 * KERNEL, NAME, INSPECT and READ are the task's own ports (on Machina
 * INSPECT and READ give the control port) and cannot be set; HOST,
 * BOOTSTRAP and ACCESS hold what was set, and the child of a fork inherits
 * HOST and BOOTSTRAP.
 */
#ifndef _MACH_TASK_SPECIAL_PORTS_H_
#define _MACH_TASK_SPECIAL_PORTS_H_

typedef int task_special_port_t;

#define TASK_KERNEL_PORT	1
#define TASK_HOST_PORT		2
#define TASK_NAME_PORT		3
#define TASK_BOOTSTRAP_PORT	4
#define TASK_INSPECT_PORT	5
#define TASK_READ_PORT		6
#define TASK_ACCESS_PORT	9
#define TASK_MAX_SPECIAL_PORT	TASK_ACCESS_PORT

#define task_get_kernel_port(task, port) \
	(task_get_special_port((task), TASK_KERNEL_PORT, (port)))
#define task_set_kernel_port(task, port) \
	(task_set_special_port((task), TASK_KERNEL_PORT, (port)))
#define task_get_host_port(task, port) \
	(task_get_special_port((task), TASK_HOST_PORT, (port)))
#define task_set_host_port(task, port) \
	(task_set_special_port((task), TASK_HOST_PORT, (port)))
#define task_get_bootstrap_port(task, port) \
	(task_get_special_port((task), TASK_BOOTSTRAP_PORT, (port)))
#define task_set_bootstrap_port(task, port) \
	(task_set_special_port((task), TASK_BOOTSTRAP_PORT, (port)))
#define task_get_task_access_port(task, port) \
	(task_get_special_port((task), TASK_ACCESS_PORT, (port)))
#define task_set_task_access_port(task, port) \
	(task_set_special_port((task), TASK_ACCESS_PORT, (port)))

#endif /* _MACH_TASK_SPECIAL_PORTS_H_ */
