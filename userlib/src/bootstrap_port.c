/*
 * libmach: bootstrap_port, the task's bootstrap special port.
 *
 * Darwin's libsystem reads TASK_BOOTSTRAP_PORT into bootstrap_port before
 * main() runs, and programs read the variable directly, so libmach does the
 * same in a constructor.  The constructor is linked only into programs that
 * use bootstrap_port (static libmach: this object is pulled in by the
 * reference), and it touches the module only when /dev/mach exists, so a
 * program on a machine without the module starts silently with
 * MACH_PORT_NULL; the first real Mach call explains what is missing.
 *
 * A fork child has a new IPC space whose names differ from the parent's,
 * and inherits the bootstrap special port as a send right of its own, so
 * the child asks again.
 */
#include <pthread.h>
#include <unistd.h>

#include <mach/mach_init.h>
#include <servers/bootstrap.h>

#include "internal.h"
#include "uapi/machina.h"

/* Darwin's TASK_BOOTSTRAP_PORT; <mach/task_special_ports.h> names it. */
#define BOOTSTRAP_SPECIAL_PORT 4

LIBMACH_EXPORT mach_port_t bootstrap_port = MACH_PORT_NULL;

/*
 * fetch_bootstrap_port - a send right to the caller's bootstrap special port
 * Returns MACH_PORT_NULL, without a message, when the device is missing,
 * the task has no bootstrap port, or the module cannot answer.
 */
static mach_port_t fetch_bootstrap_port(void)
{
	struct machina_port_args args = { .right = BOOTSTRAP_SPECIAL_PORT };

	if (access(MACHINA_DEVICE_PATH, R_OK | W_OK) != 0)
		return MACH_PORT_NULL;
	args.task = mach_task_self();
	if (args.task == MACH_PORT_NULL)
		return MACH_PORT_NULL;
	if (machina_call(MACHINA_IOC_TASK_GET_SPECIAL_PORT, &args) !=
	    KERN_SUCCESS)
		return MACH_PORT_NULL;
	return args.value;
}

/*
 * Runs after mach_init.c's child handler (registered first, below), which
 * has already given the child its own task name when the parent had one.
 * A parent that never reached the module keeps its child away from it too.
 */
static void after_fork_child(void)
{
	bootstrap_port = MACH_PORT_NULL;
	if (mach_task_self_ != MACH_PORT_NULL)
		bootstrap_port = fetch_bootstrap_port();
}

__attribute__((constructor)) static void bootstrap_port_init(void)
{
	machina_fork_hooks_init();
	pthread_atfork(NULL, NULL, after_fork_child);
	bootstrap_port = fetch_bootstrap_port();
}
