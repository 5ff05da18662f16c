/*
 * <mach/task.h>: the task interface (Darwin's MIG subsystem 3400) as far as
 * Machina serves it.  Each routine is one ioctl on /dev/mach and returns the
 * kern_return_t Darwin's kernel gives; a task is named by its control port
 * (task_info also accepts a name port).
 */
#ifndef _task_user_
#define _task_user_

#include <mach/exception_types.h>
#include <mach/kern_return.h>
#include <mach/mach_types.h>
#include <mach/message.h>
#include <mach/port.h>
#include <mach/task_info.h>
#include <mach/task_policy.h>
#include <mach/task_special_ports.h>
#include <mach/thread_act.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Fills at most *task_info_outCnt words of task_info_out and says how many
 * it wrote.  Too small a count for the flavor is KERN_INVALID_ARGUMENT.
 */
kern_return_t task_info(task_name_t target_task, task_flavor_t flavor,
			task_info_t task_info_out,
			mach_msg_type_number_t *task_info_outCnt);

/*
 * The thread ports of a task (a vm_deallocate'd array of send rights), and
 * task-wide suspension (nested counts; threads stop on their way back to
 * user mode).
 */
extern kern_return_t task_threads(task_inspect_t target_task,
				  thread_act_array_t *act_list,
				  mach_msg_type_number_t *act_listCnt);
extern kern_return_t task_suspend(task_read_t target_task);
extern kern_return_t task_resume(task_read_t target_task);

/*
 * The task's role and QoS tiers (<mach/task_policy.h>).  get fills the
 * flavor's words and leaves *policy_infoCnt and *get_default as given, as
 * XNU does; too small a count is KERN_INVALID_ARGUMENT.
 */
extern kern_return_t task_policy_set(task_policy_set_t task,
				     task_policy_flavor_t flavor,
				     task_policy_t policy_info,
				     mach_msg_type_number_t policy_infoCnt);
extern kern_return_t task_policy_get(task_policy_get_t task,
				     task_policy_flavor_t flavor,
				     task_policy_t policy_info,
				     mach_msg_type_number_t *policy_infoCnt,
				     boolean_t *get_default);

/* A new send right to the special port, or MACH_PORT_NULL if none is set. */
kern_return_t task_get_special_port(task_inspect_t task, int which_port,
				    mach_port_t *special_port);

/* Stores a copy of the caller's send right (MACH_PORT_NULL clears). */
kern_return_t task_set_special_port(task_t task, int which_port,
				    mach_port_t special_port);

kern_return_t task_set_exception_ports(task_t task,
				       exception_mask_t exception_mask,
				       mach_port_t new_port,
				       exception_behavior_t behavior,
				       thread_state_flavor_t new_flavor);

/*
 * The distinct handlers for the types in exception_mask; types with equal
 * handlers share one entry whose mask has all their bits.  Arrays of
 * EXC_TYPES_COUNT always suffice; with fewer than needed (*masksCnt in),
 * MIG's rule: MIG_ARRAY_TOO_LARGE, the first *masksCnt masks copied and
 * *masksCnt set to the count needed (libmach releases the rights it could
 * not hand back).
 */
kern_return_t task_get_exception_ports(task_t task,
				       exception_mask_t exception_mask,
				       exception_mask_array_t masks,
				       mach_msg_type_number_t *masksCnt,
				       exception_handler_array_t old_handlers,
				       exception_behavior_array_t old_behaviors,
				       exception_flavor_array_t old_flavors);

/* Sets as task_set_exception_ports and returns the old actions as get does. */
kern_return_t task_swap_exception_ports(task_t task,
					exception_mask_t exception_mask,
					mach_port_t new_port,
					exception_behavior_t behavior,
					thread_state_flavor_t new_flavor,
					exception_mask_array_t masks,
					mach_msg_type_number_t *masksCnt,
					exception_handler_array_t old_handlers,
					exception_behavior_array_t old_behaviors,
					exception_flavor_array_t old_flavors);

#ifdef __cplusplus
}
#endif

#endif /* _task_user_ */
