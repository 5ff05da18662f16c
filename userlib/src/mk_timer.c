/*
 * libmach: mk_timer traps.
 */
#include <mach/mk_timer.h>

#include "internal.h"
#include "uapi/machina.h"

LIBMACH_EXPORT mach_port_name_t mk_timer_create(void)
{
	struct machina_name_out out = { 0 };

	if (machina_call(MACHINA_IOC_MK_TIMER_CREATE, &out) != KERN_SUCCESS)
		return MACH_PORT_NULL;
	return out.name;
}

LIBMACH_EXPORT kern_return_t mk_timer_destroy(mach_port_name_t name)
{
	struct machina_port_args a = { .name = name };

	return machina_call(MACHINA_IOC_MK_TIMER_DESTROY, &a);
}

LIBMACH_EXPORT kern_return_t mk_timer_arm(mach_port_name_t name,
					  uint64_t expire_time)
{
	struct machina_port_args a = { .name = name, .context = expire_time };

	return machina_call(MACHINA_IOC_MK_TIMER_ARM, &a);
}

LIBMACH_EXPORT kern_return_t mk_timer_cancel(mach_port_name_t name,
					     uint64_t *result_time)
{
	struct machina_port_args a = { .name = name };
	kern_return_t kr;

	kr = machina_call(MACHINA_IOC_MK_TIMER_CANCEL, &a);
	if (kr == KERN_SUCCESS && result_time)
		*result_time = a.context;
	return kr;
}
