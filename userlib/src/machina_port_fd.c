/*
 * libmach: ports as file descriptors (Machina extension, see
 * <machina/machina.h>).
 */
#include <mach/port.h>
#include <machina/machina.h>

#include "internal.h"
#include "uapi/machina.h"

LIBMACH_EXPORT kern_return_t machina_port_to_fd(uint32_t name, uint32_t right,
						int flags, int *fd)
{
	struct machina_port_fd arg = {
		.name = name, .right = right, .fd_flags = (uint32_t)flags,
	};
	kern_return_t kr;

	if (!fd)
		return KERN_INVALID_ARGUMENT;
	kr = machina_call(MACHINA_IOC_PORT_FD, &arg);
	if (kr == KERN_SUCCESS)
		*fd = arg.fd;
	return kr;
}

LIBMACH_EXPORT kern_return_t machina_port_from_fd(int fd, uint32_t *name)
{
	struct machina_port_fd arg = { .fd = fd };
	kern_return_t kr;

	if (!name)
		return KERN_INVALID_ARGUMENT;
	kr = machina_call(MACHINA_IOC_PORT_FROM_FD, &arg);
	if (kr == KERN_SUCCESS)
		*name = arg.name;
	return kr;
}

LIBMACH_EXPORT kern_return_t machina_port_fd(uint32_t name, int fd_flags,
					     int *fd)
{
	return machina_port_to_fd(name, MACH_PORT_RIGHT_RECEIVE, fd_flags, fd);
}
