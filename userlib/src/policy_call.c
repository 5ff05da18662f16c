/*
 * libmach: the one request shape of thread_policy_set/get and
 * task_policy_set/get (struct machina_thread_policy; the target is a
 * thread or task port).
 */
#include <string.h>

#include <mach/mig_errors.h>

#include "internal.h"
#include "uapi/machina.h"

kern_return_t libmach_policy_set(unsigned long cmd, mach_port_t target,
				 int32_t flavor, const integer_t *info,
				 mach_msg_type_number_t count)
{
	struct machina_thread_policy a = {
		.target = target,
		.flavor = flavor,
		.count = count,
	};

	/* MIG's bound on the inline array. */
	if (count > MACHINA_POLICY_WORDS)
		return MIG_ARRAY_TOO_LARGE;
	if (count && !info)
		return KERN_INVALID_ARGUMENT;
	if (count)
		memcpy(a.info, info, count * sizeof(integer_t));
	return machina_call(cmd, &a);
}

kern_return_t libmach_policy_get(unsigned long cmd, mach_port_t target,
				 int32_t flavor, integer_t *info,
				 mach_msg_type_number_t *count,
				 boolean_t *get_default)
{
	struct machina_thread_policy a = {
		.target = target,
		.flavor = flavor,
	};
	kern_return_t kr;

	if (!count || !get_default || (*count && !info))
		return KERN_INVALID_ARGUMENT;
	a.count = *count < MACHINA_POLICY_WORDS ? *count : MACHINA_POLICY_WORDS;
	a.get_default = *get_default ? 1 : 0;
	kr = machina_call(cmd, &a);
	if (kr != KERN_SUCCESS)
		return kr;
	if (a.count > *count)
		return KERN_FAILURE;
	if (a.count)
		memcpy(info, a.info, a.count * sizeof(integer_t));
	*count = a.count;
	*get_default = a.get_default ? TRUE : FALSE;
	return KERN_SUCCESS;
}
