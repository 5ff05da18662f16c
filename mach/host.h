/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Mach host: one host port for the whole machine (IKOT_HOST), and the
 * host_info / host_statistics64 / host_get_clock_service calls.
 *
 * Lifetime: the host port and the clock ports are made by machina_host_init()
 * before /dev/mach exists and killed by machina_host_exit() after the last
 * task is gone, so every caller of machina_host_port() between the two sees
 * a live port.  They take no lock of their own: a port's fields are under
 * port->lock as usual.
 */
#ifndef _MACHINA_HOST_H
#define _MACHINA_HOST_H

struct ipc_port;

int machina_host_init(void);
void machina_host_exit(void);

/*
 * The host port (no reference taken: it lives as long as the module).  For
 * the task's HOST special port (task_get_special_port(TASK_HOST_PORT)):
 * give out send rights with ipc_kobject_copyout_send().
 */
struct ipc_port *machina_host_port(void);

/* Clock services, mach/clock.c. */
int machina_clock_init(void);
void machina_clock_exit(void);
struct ipc_port *machina_clock_port(int clock_id);

#endif /* _MACHINA_HOST_H */
