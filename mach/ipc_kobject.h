/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-object ports: ports whose receive right the kernel holds on behalf
 * of an object (a task).  Messages sent to them are served here, in the
 * sender's context, like Darwin's MIG routines in the kernel.
 */
#ifndef _MACHINA_IPC_KOBJECT_H
#define _MACHINA_IPC_KOBJECT_H

#include "mach/ipc_port.h"

struct ipc_kmsg;
struct ipc_space;

struct ipc_port *ipc_kobject_alloc_port(enum ipc_kobject_type type, void *obj);
void ipc_kobject_server(struct ipc_kmsg *kmsg);
void *ipc_kobject_get(struct ipc_port *port, enum ipc_kobject_type type);
struct ipc_port *ipc_kobject_port_by_name(struct ipc_space *space, u32 name,
					  int *kr);

int ipc_kobject_copyout_held_send(struct ipc_space *space,
				  struct ipc_port *port, u32 *namep);
int ipc_kobject_copyout_send(struct ipc_space *space, struct ipc_port *port,
			     bool make, u32 *namep);

#endif /* _MACHINA_IPC_KOBJECT_H */
