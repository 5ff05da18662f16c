/*
 * libmach: opting the process in to Darwin trap instructions.
 *
 * After machina_traps_enable() the module answers the process's Mach traps
 * (x86_64 "syscall" with rax = 0x1000000 | N, arm64 "svc #0x80" with
 * x16 = -N), in this image, in the images it execs and in the children it
 * forks afterwards.  machina-exec (userlib/tools) is the launcher.
 */
#include <machina/machina.h>

#include "internal.h"
#include "uapi/machina.h"

LIBMACH_EXPORT kern_return_t machina_traps_enable(void)
{
	struct machina_traps_enable te = { 0 };

	return machina_call(MACHINA_IOC_TRAPS_ENABLE, &te);
}
