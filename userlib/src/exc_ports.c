/*
 * libmach: exception ports at the three levels, thread, task and host
 * (thread_act, task and host_priv MIG routines): set, get and swap.  One
 * ioctl each; the module answers with Darwin's kern_return_t.
 *
 * get and swap behave as Darwin's MIG stubs: the kernel is asked with
 * room for every entry (a MIG request does not carry the caller's array
 * size), and when the reply has more entries than the caller's arrays
 * hold (*masksCnt in) the stub copies that many masks, sets *masksCnt to
 * the count needed and returns MIG_ARRAY_TOO_LARGE.  Darwin leaves the
 * reply's send rights unnamed in the caller's space; libmach releases
 * them, since the caller was never told their names.
 */
#include <mach/host_priv.h>
#include <mach/mach_init.h>
#include <mach/mach_port.h>
#include <mach/mig_errors.h>
#include <mach/task.h>
#include <mach/thread_act.h>

#include "internal.h"
#include "uapi/machina.h"

static kern_return_t exc_set(unsigned long cmd, mach_port_t target,
			     exception_mask_t mask, mach_port_t new_port,
			     exception_behavior_t behavior, thread_state_flavor_t flavor)
{
	struct machina_exception_ports a = {
		.target = target,
		.mask = mask,
		.new_port = new_port,
		.behavior = behavior,
		.flavor = flavor,
	};

	return machina_call(cmd, &a);
}

/* The out arguments of get and swap. */
struct exc_out {
	exception_mask_array_t masks;
	mach_msg_type_number_t *count;
	exception_handler_array_t handlers;
	exception_behavior_array_t behaviors;
	exception_flavor_array_t flavors;
};

static int out_ok(const struct exc_out *o)
{
	return o->masks && o->count && o->handlers && o->behaviors && o->flavors;
}

/*
 * exc_reply - hand the module's answer @a back as the MIG stub would
 * (top of file)
 */
static kern_return_t exc_reply(const struct machina_exception_ports *a,
			       const struct exc_out *o)
{
	mach_msg_type_number_t i, room = *o->count;

	if (a->count > room) {
		for (i = 0; i < room; i++)
			o->masks[i] = a->masks[i];
		for (i = 0; i < a->count; i++)
			if (MACH_PORT_VALID(a->handlers[i]))
				mach_port_deallocate(mach_task_self(), a->handlers[i]);
		*o->count = a->count;
		return MIG_ARRAY_TOO_LARGE;
	}
	for (i = 0; i < a->count; i++) {
		o->masks[i] = a->masks[i];
		o->handlers[i] = a->handlers[i];
		o->behaviors[i] = a->behaviors[i];
		o->flavors[i] = a->flavors[i];
	}
	*o->count = a->count;
	return KERN_SUCCESS;
}

/*
 * exc_fetch - a get or swap: the module is asked with room for every
 * entry, and the answer handed back as the MIG stub would
 */
static kern_return_t exc_fetch(unsigned long cmd, struct machina_exception_ports *a,
			       const struct exc_out *o)
{
	kern_return_t kr;

	if (!out_ok(o))
		return KERN_INVALID_ARGUMENT;
	a->count = EXC_TYPES_COUNT;
	kr = machina_call(cmd, a);
	return kr != KERN_SUCCESS ? kr : exc_reply(a, o);
}

/*
 * The three calls of one level, with Darwin's signatures: prefix thread,
 * task or host, the target's type, and the level's ioctls.
 */
#define EXC_LEVEL(level, target_t, NR)						\
LIBMACH_EXPORT kern_return_t level##_set_exception_ports(target_t target,	\
		exception_mask_t exception_mask, mach_port_t new_port,		\
		exception_behavior_t behavior, thread_state_flavor_t new_flavor) \
{										\
	return exc_set(MACHINA_IOC_##NR##_SET_EXCEPTION_PORTS, target,		\
		       exception_mask, new_port, behavior, new_flavor);		\
}										\
										\
LIBMACH_EXPORT kern_return_t level##_get_exception_ports(target_t target,	\
		exception_mask_t exception_mask, exception_mask_array_t masks,	\
		mach_msg_type_number_t *masksCnt,				\
		exception_handler_array_t old_handlers,				\
		exception_behavior_array_t old_behaviors,			\
		exception_flavor_array_t old_flavors)				\
{										\
	struct machina_exception_ports a = { .target = target,			\
					     .mask = exception_mask };		\
	struct exc_out o = { masks, masksCnt, old_handlers, old_behaviors,	\
			     old_flavors };					\
										\
	return exc_fetch(MACHINA_IOC_##NR##_GET_EXCEPTION_PORTS, &a, &o);	\
}										\
										\
LIBMACH_EXPORT kern_return_t level##_swap_exception_ports(target_t target,	\
		exception_mask_t exception_mask, mach_port_t new_port,		\
		exception_behavior_t behavior, thread_state_flavor_t new_flavor, \
		exception_mask_array_t masks, mach_msg_type_number_t *masksCnt,	\
		exception_handler_array_t old_handlers,				\
		exception_behavior_array_t old_behaviors,			\
		exception_flavor_array_t old_flavors)				\
{										\
	struct machina_exception_ports a = { .target = target,			\
		.mask = exception_mask, .new_port = new_port,			\
		.behavior = behavior, .flavor = new_flavor };			\
	struct exc_out o = { masks, masksCnt, old_handlers, old_behaviors,	\
			     old_flavors };					\
										\
	return exc_fetch(MACHINA_IOC_##NR##_SWAP_EXCEPTION_PORTS, &a, &o);	\
}

EXC_LEVEL(thread, thread_act_t, THREAD)
EXC_LEVEL(task, task_t, TASK)
EXC_LEVEL(host, host_priv_t, HOST)
