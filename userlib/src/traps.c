/*
 * libmach: opting the process in to Darwin trap instructions.
 *
 * After machina_traps_enable() the module answers the process's Mach traps
 * (x86_64 "syscall" with rax = 0x1000000 | N, arm64 "svc #0x80" with
 * x16 = -N), in this image, in the images it execs and in the children it
 * forks afterwards, as long as they keep the /dev/mach descriptor made
 * here (it is not close-on-exec).  machina-exec (userlib/tools) is the
 * launcher.
 */
#include <fcntl.h>
#include <unistd.h>

#include <machina/machina.h>

#include "internal.h"
#include "uapi/machina.h"

/*
 * The module runs a thread's traps only while its file table holds an
 * open /dev/mach (the access the ioctls need).  libmach's own descriptor
 * is close-on-exec; this one is not, so the images the process execs
 * keep the traps they inherit.  Made once per image.
 */
static int trap_fd = -1;

static kern_return_t keep_device_across_exec(void)
{
	int fd = __atomic_load_n(&trap_fd, __ATOMIC_ACQUIRE), dev, expected = -1;

	if (fd >= 0)
		return KERN_SUCCESS;
	dev = machina_fd();
	if (dev < 0)
		return KERN_FAILURE;
	fd = fcntl(dev, F_DUPFD, 3);	/* no FD_CLOEXEC */
	if (fd < 0)
		return KERN_RESOURCE_SHORTAGE;
	if (!__atomic_compare_exchange_n(&trap_fd, &expected, fd, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		close(fd);
	return KERN_SUCCESS;
}

LIBMACH_EXPORT kern_return_t machina_traps_enable(void)
{
	struct machina_traps_enable te = { 0 };
	kern_return_t kr = keep_device_across_exec();

	if (kr != KERN_SUCCESS)
		return kr;
	return machina_call(MACHINA_IOC_TRAPS_ENABLE, &te);
}
