/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-generated notifications.  Each function consumes the send-once
 * right @notify (its count and its reference), builds the Darwin
 * notification message and queues it on the notify port regardless of the
 * queue limit; if that port is dead the message is destroyed.
 * Conditions: process context; no port lock held (space locks may be).
 */
#ifndef _MACHINA_IPC_NOTIFY_H
#define _MACHINA_IPC_NOTIFY_H

#include "mach/ipc_abi.h"

struct ipc_port;

void ipc_notify_no_senders(struct ipc_port *notify, u32 mscount);
void ipc_notify_dead_name(struct ipc_port *notify, mach_port_name_t name);
void ipc_notify_port_deleted(struct ipc_port *notify, mach_port_name_t name);
void ipc_notify_send_possible(struct ipc_port *notify, mach_port_name_t name);
void ipc_notify_port_destroyed(struct ipc_port *notify, struct ipc_port *port);
void ipc_notify_send_once(struct ipc_port *port);

#endif /* _MACHINA_IPC_NOTIFY_H */
