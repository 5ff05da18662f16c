/*
 * libmach: thread_policy_set and thread_policy_get.
 */
#include <string.h>

#include <mach/mig_errors.h>
#include <mach/thread_act.h>

#include "internal.h"
#include "uapi/machina.h"

LIBMACH_EXPORT kern_return_t thread_policy_set(thread_act_t thread,
					       thread_policy_flavor_t flavor,
					       thread_policy_t policy_info,
					       mach_msg_type_number_t policy_infoCnt)
{
	struct machina_thread_policy a = {
		.target = thread,
		.flavor = (int32_t)flavor,
		.count = policy_infoCnt,
	};

	/* MIG's bound on the inline array. */
	if (policy_infoCnt > MACHINA_POLICY_WORDS)
		return MIG_ARRAY_TOO_LARGE;
	if (policy_infoCnt && !policy_info)
		return KERN_INVALID_ARGUMENT;
	if (policy_infoCnt)
		memcpy(a.info, policy_info, policy_infoCnt * sizeof(integer_t));
	return machina_call(MACHINA_IOC_THREAD_POLICY_SET, &a);
}

LIBMACH_EXPORT kern_return_t thread_policy_get(thread_inspect_t thread,
					       thread_policy_flavor_t flavor,
					       thread_policy_t policy_info,
					       mach_msg_type_number_t *policy_infoCnt,
					       boolean_t *get_default)
{
	struct machina_thread_policy a = {
		.target = thread,
		.flavor = (int32_t)flavor,
	};
	kern_return_t kr;

	if (!policy_infoCnt || !get_default ||
	    (*policy_infoCnt && !policy_info))
		return KERN_INVALID_ARGUMENT;
	a.count = *policy_infoCnt < MACHINA_POLICY_WORDS ?
		  *policy_infoCnt : MACHINA_POLICY_WORDS;
	a.get_default = *get_default ? 1 : 0;
	kr = machina_call(MACHINA_IOC_THREAD_POLICY_GET, &a);
	if (kr != KERN_SUCCESS)
		return kr;
	if (a.count > *policy_infoCnt)
		return KERN_FAILURE;
	if (a.count)
		memcpy(policy_info, a.info, a.count * sizeof(integer_t));
	*policy_infoCnt = a.count;
	*get_default = a.get_default ? TRUE : FALSE;
	return KERN_SUCCESS;
}
