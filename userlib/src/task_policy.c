/*
 * libmach: task_policy_set and task_policy_get.
 */
#include <mach/task.h>

#include "internal.h"
#include "uapi/machina.h"

LIBMACH_EXPORT kern_return_t task_policy_set(task_policy_set_t task,
					     task_policy_flavor_t flavor,
					     task_policy_t policy_info,
					     mach_msg_type_number_t policy_infoCnt)
{
	return libmach_policy_set(MACHINA_IOC_TASK_POLICY_SET, task,
				  (int32_t)flavor, policy_info, policy_infoCnt);
}

LIBMACH_EXPORT kern_return_t task_policy_get(task_policy_get_t task,
					     task_policy_flavor_t flavor,
					     task_policy_t policy_info,
					     mach_msg_type_number_t *policy_infoCnt,
					     boolean_t *get_default)
{
	return libmach_policy_get(MACHINA_IOC_TASK_POLICY_GET, task,
				  (int32_t)flavor, policy_info, policy_infoCnt,
				  get_default);
}
