/*
 * <servers/bootstrap.h>: the client side of the bootstrap name server.
 *
 * On Machina the server is machina-bootstrap (userlib/bootstrap/); the wire
 * protocol is Machina's own (docs/libmach.md), the calls and their answers
 * are Darwin's.
 */
#ifndef _SERVERS_BOOTSTRAP_H_
#define _SERVERS_BOOTSTRAP_H_

#include <mach/kern_return.h>
#include <mach/port.h>
#include <servers/bootstrap_defs.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Darwin declares the names as name_t parameters; they are written here as
 * the char pointers those decay to, the same type to every caller, because
 * GCC takes an array parameter's size as a promise and warns
 * (-Wstringop-overread) at every call with a literal shorter than 128 bytes.
 */

/*
 * A send right to the task's bootstrap port (TASK_BOOTSTRAP_PORT), set
 * before main() and again in the child of every fork; MACH_PORT_NULL when
 * the task has none or the module is not loaded.
 */
extern mach_port_t bootstrap_port;

/*
 * Claim service_name: the caller receives the service's receive right in
 * *sp.  A name nobody holds is created; a name whose receive right is alive
 * is BOOTSTRAP_SERVICE_ACTIVE.
 */
kern_return_t bootstrap_check_in(mach_port_t bp, const char *service_name,
				 mach_port_t *sp);

/* A send right to the service's port in *sp, or BOOTSTRAP_UNKNOWN_SERVICE. */
kern_return_t bootstrap_look_up(mach_port_t bp, const char *service_name,
				mach_port_t *sp);

/*
 * Advertise the send right sp under service_name (deprecated on Darwin,
 * kept for old daemons).  MACH_PORT_NULL withdraws the caller's own
 * registration.
 */
kern_return_t bootstrap_register(mach_port_t bp, char *service_name,
				 mach_port_t sp);

/* A text for a bootstrap status or any other kern_return_t; never NULL. */
const char *bootstrap_strerror(kern_return_t r);

#ifdef __cplusplus
}
#endif

#endif /* _SERVERS_BOOTSTRAP_H_ */
