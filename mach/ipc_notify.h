/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-generated notifications.  Each function consumes the send-once
 * right @notify (its count and its reference), builds the Darwin
 * notification message and queues it on the notify port regardless of the
 * queue limit (each send-once right carries one message, so the rights
 * bound them); if that port is dead the message is destroyed.  Dead-name
 * and send-possible requests carry their message, preallocated (and
 * charged to the requester) at registration.
 * Conditions: process context; no port lock held (space locks may be).
 */
#ifndef _MACHINA_IPC_NOTIFY_H
#define _MACHINA_IPC_NOTIFY_H

#include "mach/ipc_abi.h"

struct ipc_kmsg;
struct ipc_port;

void ipc_notify_no_senders(struct ipc_port *notify, u32 mscount);
void ipc_notify_dead_name(struct ipc_port *notify, mach_port_name_t name);
void ipc_notify_port_deleted(struct ipc_port *notify, mach_port_name_t name);
void ipc_notify_send_possible(struct ipc_port *notify, mach_port_name_t name);
void ipc_notify_port_destroyed(struct ipc_port *notify, struct ipc_port *port);
void ipc_notify_send_once(struct ipc_port *port);
struct ipc_kmsg *ipc_notify_prealloc(void);
void ipc_notify_request(struct ipc_port *notify, u8 kind, mach_port_name_t name,
			struct ipc_kmsg *pre);

#endif /* _MACHINA_IPC_NOTIFY_H */
