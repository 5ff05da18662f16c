/*
 * machina-bootstrap: the name server (server.c) as main.c drives it.
 */
#ifndef _MACHINA_BOOTSTRAP_SERVER_H
#define _MACHINA_BOOTSTRAP_SERVER_H

#include <mach/mach.h>

/*
 * bs_server_init - make the server's ports
 * Returns KERN_SUCCESS with *bootstrap set to the bootstrap port: a name in
 * the caller's space holding its receive right and one send right (to hand
 * out or make the task's special port).
 */
kern_return_t bs_server_init(mach_port_t *bootstrap);

/*
 * bs_server_run - serve bootstrap requests and dead-name notifications
 * Returns only on an error of the receive loop.
 */
mach_msg_return_t bs_server_run(void);

#endif /* _MACHINA_BOOTSTRAP_SERVER_H */
