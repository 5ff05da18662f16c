/*
 * <mach/mach_host.h>: the host port's routines.
 */
#ifndef _MACH_MACH_HOST_H_
#define _MACH_MACH_HOST_H_

#include <mach/clock_types.h>
#include <mach/host_info.h>
#include <mach/kern_return.h>
#include <mach/mach_types.h>
#include <mach/message.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A new user reference to a send right to the host port on each call. */
extern mach_port_t mach_host_self(void);

kern_return_t host_info(host_t host, host_flavor_t flavor,
			host_info_t host_info_out,
			mach_msg_type_number_t *host_info_outCnt);
kern_return_t host_statistics64(host_t host_priv, host_flavor_t flavor,
				host_info64_t host_info64_out,
				mach_msg_type_number_t *host_info64_outCnt);
kern_return_t host_page_size(host_t host, vm_size_t *out_page_size);
kern_return_t host_get_clock_service(host_t host, clock_id_t clock_id,
				     clock_serv_t *clock_serv);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_MACH_HOST_H_ */
