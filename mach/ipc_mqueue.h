/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Message queues: the queue of a port, waiting for room and for messages.
 *
 * A sender first reserves a slot (port->reserved) so that, once its rights
 * have left its space, queueing cannot fail for lack of room; senders to a
 * send-once right and the kernel skip the limit, as on Darwin.  Receivers
 * and senders sleep on port->rcv_wq / port->snd_wq (receivers on a port set
 * on pset->wq), exclusively, one woken per event.  A message sent to an
 * empty queue with a receiver asleep on rcv_wq is handed to that receiver
 * instead of being queued, if it fits its buffer (ipc_mqueue.c,
 * "hand-off"); receivers on a port set are always woken to a queued one.
 */
#ifndef _MACHINA_IPC_MQUEUE_H
#define _MACHINA_IPC_MQUEUE_H

#include "mach/ipc_abi.h"

struct ipc_port;
struct ipc_kmsg;
struct ipc_object;
struct ipc_space;

void ipc_mqueue_enqueue_locked(struct ipc_port *port, struct ipc_kmsg *kmsg);
int ipc_mqueue_reserve(struct ipc_port *port, u32 option, u32 timeout_ms);
bool ipc_mqueue_try_reserve(struct ipc_port *port);
void ipc_mqueue_unreserve(struct ipc_port *port);
void ipc_mqueue_changed(struct ipc_port *port);

struct ipc_mqueue_rcv {
	u32 option;
	u32 timeout_ms;
	u32 trailer_size;
	u32 rcv_size;		/* bytes the receiver's buffer holds */
	u32 rcv_guarded;	/* MACH_RCV_GUARDED_DESC given */
	u32 aux_size;		/* bytes the receiver's aux buffer holds (0: none) */
	bool vector;		/* a mach_msg2 vector receive: aux data must fit */
	/* Results */
	struct ipc_kmsg *kmsg;
	struct ipc_port *port;	/* where it was queued (a reference) */
	u32 needed;		/* size the receiver would need */
	u32 aux_needed;		/* with MACH_RCV_TOO_LARGE: the aux data's size */
	u32 port_name;		/* with MACH_RCV_TOO_LARGE: the port's name */
	bool requests;		/* the port had notification requests at dequeue */
};

int ipc_mqueue_receive(struct ipc_space *space, struct ipc_object *obj,
		       struct ipc_mqueue_rcv *rcv);
u32 ipc_kmsg_rcv_size(struct ipc_kmsg *kmsg, bool guarded_desc);

#endif /* _MACHINA_IPC_MQUEUE_H */
