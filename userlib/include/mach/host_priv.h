/*
 * <mach/host_priv.h>: routines on host_priv, the privileged host port
 * (Darwin's host_priv MIG subsystem, 400).  Machina provides the host's
 * exception ports and host_get_special_port.
 *
 * host_priv: a send right to it (host_get_host_priv_port()), or the host
 * port (mach_host_self()) of a caller with CAP_SYS_ADMIN in the initial
 * user namespace, which stands in for Darwin's root; anything else is
 * KERN_INVALID_ARGUMENT.  host_get_exception_ports shows MACH_PORT_NULL
 * where nothing was set: Darwin's kernel registers its Unix-signal
 * handler there, and Machina's stand-in is Linux's own signal, which is
 * no port (docs/libmach.md).
 */
#ifndef _MACH_HOST_PRIV_H_
#define _MACH_HOST_PRIV_H_

#include <mach/exception_types.h>
#include <mach/host_special_ports.h>
#include <mach/kern_return.h>
#include <mach/mach_types.h>
#include <mach/message.h>

#ifdef __cplusplus
extern "C" {
#endif

kern_return_t host_get_special_port(host_priv_t host_priv, int node, int which,
				    mach_port_t *port);

kern_return_t host_set_exception_ports(host_priv_t host_priv,
				       exception_mask_t exception_mask,
				       mach_port_t new_port,
				       exception_behavior_t behavior,
				       thread_state_flavor_t new_flavor);
kern_return_t host_get_exception_ports(host_priv_t host_priv,
				       exception_mask_t exception_mask,
				       exception_mask_array_t masks,
				       mach_msg_type_number_t *masksCnt,
				       exception_handler_array_t old_handlers,
				       exception_behavior_array_t old_behaviors,
				       exception_flavor_array_t old_flavors);
kern_return_t host_swap_exception_ports(host_priv_t host_priv,
					exception_mask_t exception_mask,
					mach_port_t new_port,
					exception_behavior_t behavior,
					thread_state_flavor_t new_flavor,
					exception_mask_array_t masks,
					mach_msg_type_number_t *masksCnt,
					exception_handler_array_t old_handlerss,
					exception_behavior_array_t old_behaviors,
					exception_flavor_array_t old_flavors);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_HOST_PRIV_H_ */
