/*
 * <mach/host_special_ports.h>: the host's special port numbers, and the
 * macros over host_get_special_port() (<mach/host_priv.h>).
 *
 * Machina serves HOST_PORT and HOST_PRIV_PORT; the others read
 * MACH_PORT_NULL, as an unregistered one does on Darwin.  host_priv goes
 * to a caller with CAP_SYS_ADMIN in the initial user namespace (Darwin:
 * root), asked through the host port (docs/libmach.md).
 */
#ifndef _MACH_HOST_SPECIAL_PORTS_H_
#define _MACH_HOST_SPECIAL_PORTS_H_

#define HOST_SECURITY_PORT		0
#define HOST_MIN_SPECIAL_PORT		HOST_SECURITY_PORT
#define HOST_PORT			1
#define HOST_PRIV_PORT			2
#define HOST_IO_MAIN_PORT		3
#define HOST_IO_MASTER_PORT		HOST_IO_MAIN_PORT
#define HOST_MAX_SPECIAL_KERNEL_PORT	7
#define HOST_LAST_SPECIAL_KERNEL_PORT	HOST_IO_MAIN_PORT
#define HOST_MAX_SPECIAL_PORT		(28 + HOST_MAX_SPECIAL_KERNEL_PORT)

#define HOST_LOCAL_NODE			-1

#define host_get_host_port(host, port)					\
	(host_get_special_port((host), HOST_LOCAL_NODE, HOST_PORT, (port)))
#define host_set_host_port(host, port)	(KERN_INVALID_ARGUMENT)
#define host_get_host_priv_port(host, port)				\
	(host_get_special_port((host), HOST_LOCAL_NODE, HOST_PRIV_PORT, (port)))
#define host_set_host_priv_port(host, port)	(KERN_INVALID_ARGUMENT)
#define host_get_io_main_port(host, port)				\
	(host_get_special_port((host), HOST_LOCAL_NODE, HOST_IO_MAIN_PORT, (port)))
#define host_set_io_main_port(host, port)	(KERN_INVALID_ARGUMENT)

#endif /* _MACH_HOST_SPECIAL_PORTS_H_ */
