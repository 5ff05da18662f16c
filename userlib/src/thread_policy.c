/*
 * libmach: thread_policy_set and thread_policy_get.
 */
#include <mach/thread_act.h>

#include "internal.h"
#include "uapi/machina.h"

LIBMACH_EXPORT kern_return_t thread_policy_set(thread_act_t thread,
					       thread_policy_flavor_t flavor,
					       thread_policy_t policy_info,
					       mach_msg_type_number_t policy_infoCnt)
{
	return libmach_policy_set(MACHINA_IOC_THREAD_POLICY_SET, thread,
				  (int32_t)flavor, policy_info, policy_infoCnt);
}

LIBMACH_EXPORT kern_return_t thread_policy_get(thread_inspect_t thread,
					       thread_policy_flavor_t flavor,
					       thread_policy_t policy_info,
					       mach_msg_type_number_t *policy_infoCnt,
					       boolean_t *get_default)
{
	return libmach_policy_get(MACHINA_IOC_THREAD_POLICY_GET, thread,
				  (int32_t)flavor, policy_info, policy_infoCnt,
				  get_default);
}
