// SPDX-License-Identifier: GPL-2.0
/*
 * Notification messages, laid out as Darwin's <mach/notify.h> structures:
 * header, NDR record, then the name or count; port-destroyed is a complex
 * message carrying the receive right in a port descriptor.
 */
#include <linux/slab.h>
#include <linux/string.h>

#include "mach/ipc_kmsg.h"
#include "mach/ipc_notify.h"
#include "mach/ipc_port.h"

#define HDR 24
#define NDR 8

static const u8 ndr_native[NDR] = { 0, 0, 0, 0, 1, 0, 0, 0 };

#define WORD_SIZE (HDR + NDR + 4)

/*
 * A message to the send-once right @notify (consumed), body zeroed: @pre,
 * preallocated with the request that asked for it, or a new one.
 */
static struct ipc_kmsg *notification(struct ipc_port *notify, s32 id, u32 size,
				     struct ipc_kmsg *pre)
{
	struct ipc_kmsg *kmsg = pre;

	if (kmsg && WARN_ON_ONCE(kmsg->size != size)) {
		ipc_kmsg_reserved_free(kmsg);
		kmsg = NULL;
	}
	if (kmsg)
		ipc_kmsg_reserved_take(kmsg);
	else
		kmsg = ipc_kmsg_alloc(size);

	if (!kmsg) {
		/* Out of memory: the right is still consumed, silently. */
		spin_lock(&notify->lock);
		notify->sorights--;
		spin_unlock(&notify->lock);
		ipc_port_put(notify);
		return NULL;
	}
	ipc_kmsg_set_sender_kernel(kmsg);
	kmsg->id = id;
	kmsg->remote.obj = &notify->obj;
	kmsg->remote.disp = MACH_MSG_TYPE_MOVE_SEND_ONCE;
	kmsg->remote.type = MACH_MSG_TYPE_PORT_SEND_ONCE;
	return kmsg;
}

static void notify_with_word(struct ipc_port *notify, s32 id, u32 word,
			     struct ipc_kmsg *pre)
{
	struct ipc_kmsg *kmsg = notification(notify, id, WORD_SIZE, pre);

	if (!kmsg)
		return;
	memcpy(kmsg->body, ndr_native, NDR);
	memcpy(kmsg->body + NDR, &word, 4);
	ipc_kmsg_deliver_kernel(kmsg);
}

void ipc_notify_no_senders(struct ipc_port *notify, u32 mscount)
{
	notify_with_word(notify, MACH_NOTIFY_NO_SENDERS, mscount, NULL);
}

void ipc_notify_dead_name(struct ipc_port *notify, mach_port_name_t name)
{
	notify_with_word(notify, MACH_NOTIFY_DEAD_NAME, name, NULL);
}

void ipc_notify_port_deleted(struct ipc_port *notify, mach_port_name_t name)
{
	notify_with_word(notify, MACH_NOTIFY_PORT_DELETED, name, NULL);
}

void ipc_notify_send_possible(struct ipc_port *notify, mach_port_name_t name)
{
	notify_with_word(notify, MACH_NOTIFY_SEND_POSSIBLE, name, NULL);
}

/*
 * ipc_notify_prealloc - the message a dead-name or send-possible request
 * will be fired with, made when the request is registered: in the
 * requester's context, so its memory cgroup pays, not whoever's action
 * later fires it (a port's destroyer, a receiver making room).
 * Conditions: process context; may sleep.  Returns the message or NULL.
 */
struct ipc_kmsg *ipc_notify_prealloc(void)
{
	return ipc_kmsg_alloc_reserved(WORD_SIZE, NULL);
}

/*
 * ipc_notify_request - fire a dead-name or send-possible request (@kind)
 * for @name to @notify (consumed) with its preallocated message @pre
 * (consumed; NULL allocates one)
 */
void ipc_notify_request(struct ipc_port *notify, u8 kind, mach_port_name_t name,
			struct ipc_kmsg *pre)
{
	notify_with_word(notify, kind, name, pre);
}

/*
 * ipc_notify_port_destroyed - hand the receive right of @port (in transit,
 * referenced by the caller) to the port-destroyed request's port.
 * Conditions: the caller has linked @port to @notify
 * (ipc_port_set_destination(), under the transit lock).
 */
void ipc_notify_port_destroyed(struct ipc_port *notify, struct ipc_port *port)
{
	struct ipc_kmsg *kmsg = notification(notify, MACH_NOTIFY_PORT_DESTROYED,
					     HDR + 4 + MACH_PORT_DESC_SIZE, NULL);
	u32 count = 1;

	if (!kmsg) {
		ipc_port_destroy(port);
		ipc_port_put(port);
		return;
	}
	kmsg->desc = kcalloc(1, sizeof(*kmsg->desc), GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
	kmsg->ndesc = 1;
	kmsg->bits = MACH_MSGH_BITS_COMPLEX;
	memcpy(kmsg->body, &count, 4);
	kmsg->desc[0].type = MACH_MSG_PORT_DESCRIPTOR;
	kmsg->desc[0].right.obj = &port->obj;
	kmsg->desc[0].right.disp = MACH_MSG_TYPE_MOVE_RECEIVE;
	kmsg->desc[0].right.type = MACH_MSG_TYPE_PORT_RECEIVE;
	ipc_kmsg_deliver_kernel(kmsg);
}

/*
 * ipc_notify_send_once - a send-once right to @port was destroyed unused:
 * the port hears of it through that right.  Consumes the right.
 */
void ipc_notify_send_once(struct ipc_port *port)
{
	struct ipc_kmsg *kmsg;
	bool active;

	spin_lock(&port->lock);
	active = port->active;
	if (!active)
		port->sorights--;
	spin_unlock(&port->lock);
	if (!active) {
		ipc_port_put(port);
		return;
	}
	kmsg = notification(port, MACH_NOTIFY_SEND_ONCE, HDR, NULL);
	if (kmsg)
		ipc_kmsg_deliver_kernel(kmsg);
}
