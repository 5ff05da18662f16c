/*
 * libmach: a receive right's context and guard.
 *
 * The context is a 64-bit value the owner attaches to a receive right and
 * gets back in the context trailer.  A guard reuses that slot: once a right
 * is guarded, destroying it or moving it without naming the guard is
 * refused, which catches code that frees a port it does not own.
 */
#include <mach/mach_port.h>

#include "internal.h"
#include "uapi/machina.h"

LIBMACH_EXPORT kern_return_t mach_port_get_context(ipc_space_read_t task,
						   mach_port_name_t name,
						   mach_port_context_t *context)
{
	struct machina_port_args a = { .task = task, .name = name };
	kern_return_t kr;

	if (!context)
		return KERN_INVALID_ARGUMENT;
	kr = machina_call(MACHINA_IOC_PORT_GET_CONTEXT, &a);
	if (kr == KERN_SUCCESS)
		*context = a.context;
	return kr;
}

LIBMACH_EXPORT kern_return_t mach_port_set_context(ipc_space_t task,
						   mach_port_name_t name,
						   mach_port_context_t context)
{
	struct machina_port_args a = {
		.task = task,
		.name = name,
		.context = context,
	};

	return machina_call(MACHINA_IOC_PORT_SET_CONTEXT, &a);
}

LIBMACH_EXPORT kern_return_t mach_port_guard(ipc_space_t task,
					     mach_port_name_t name,
					     mach_port_context_t guard,
					     boolean_t strict)
{
	struct machina_port_args a = {
		.task = task,
		.name = name,
		.context = guard,
		.value = strict ? 1 : 0,
	};

	return machina_call(MACHINA_IOC_PORT_GUARD, &a);
}

LIBMACH_EXPORT kern_return_t mach_port_unguard(ipc_space_t task,
					       mach_port_name_t name,
					       mach_port_context_t guard)
{
	struct machina_port_args a = {
		.task = task,
		.name = name,
		.context = guard,
	};

	return machina_call(MACHINA_IOC_PORT_UNGUARD, &a);
}

/*
 * MPG_STRICT is mach_port_guard's "strict".  The module cannot yet pin a
 * receive right in its space (MPG_IMMOVABLE_RECEIVE), and saying the guard
 * was applied without it would be a lie, so that flag is refused.
 */
LIBMACH_EXPORT kern_return_t
mach_port_guard_with_flags(ipc_space_t task, mach_port_name_t name,
			   mach_port_context_t guard, uint64_t flags)
{
	if (flags & ~(uint64_t)(MPG_STRICT | MPG_IMMOVABLE_RECEIVE))
		return KERN_INVALID_ARGUMENT;
	if (flags & MPG_IMMOVABLE_RECEIVE)
		return KERN_NOT_SUPPORTED;
	return mach_port_guard(task, name, guard, (flags & MPG_STRICT) != 0);
}

/*
 * Replacing a guard must be atomic: an unguard followed by a guard would
 * leave a window in which the right is unprotected, and would drop
 * strictness.  The module has no swap call yet.
 */
LIBMACH_EXPORT kern_return_t mach_port_swap_guard(ipc_space_t task,
						  mach_port_name_t name,
						  mach_port_context_t old_guard,
						  mach_port_context_t new_guard)
{
	(void)task;
	(void)name;
	(void)old_guard;
	(void)new_guard;
	return KERN_NOT_SUPPORTED;
}
