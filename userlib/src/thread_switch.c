/*
 * libmach: thread_switch, swtch, swtch_pri.  Darwin's libsystem issues
 * them as traps 61, 60 and 59; libmach makes the module's
 * MACHINA_IOC_THREAD_SWITCH ioctl, or the trap on the trap path (as
 * mach_msg does).
 */
#include <mach/mach_traps.h>
#include <mach/thread_switch.h>

#include "internal.h"
#include "uapi/machina.h"

/*
 * switch_call - one of the three calls
 * Returns: the call's value (a kern_return_t for thread_switch, a boolean
 * for the others), or a negative errno when it could not be made.
 */
static long switch_call(uint32_t call, unsigned int trap,
			mach_port_name_t thread, int option,
			mach_msg_timeout_t option_time)
{
	struct machina_thread_switch a = {
		.thread = thread,
		.option = option,
		.option_time = option_time,
		.call = call,
	};

	if (machina_trap_path()) {
		long r = machina_trap(trap, (long)thread, option,
				      (long)option_time, 0, 0, 0, 0, 0);

		if (r >= 0)
			return r;
	}
	return machina_ioctl(MACHINA_IOC_THREAD_SWITCH, &a);
}

LIBMACH_EXPORT kern_return_t thread_switch(mach_port_name_t thread_name,
					   int option,
					   mach_msg_timeout_t option_time)
{
	long r = switch_call(MACHINA_SWITCH_THREAD_SWITCH,
			     MACHINA_TRAP_THREAD_SWITCH, thread_name, option,
			     option_time);

	return r < 0 ? machina_errno_to_kern_return((int)-r) : (kern_return_t)r;
}

/* No module: nothing is known to be runnable. */
LIBMACH_EXPORT boolean_t swtch(void)
{
	return switch_call(MACHINA_SWITCH_SWTCH, MACHINA_TRAP_SWTCH, 0, 0, 0) > 0;
}

/* pri is ignored, as XNU ignores it. */
LIBMACH_EXPORT boolean_t swtch_pri(int pri)
{
	(void)pri;
	return switch_call(MACHINA_SWITCH_SWTCH_PRI, MACHINA_TRAP_SWTCH_PRI, 0,
			   0, 0) > 0;
}
