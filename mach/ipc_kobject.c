// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel-object ports (ipc_kobject.h).  No routine is served yet: every
 * request gets Darwin's answer to an unknown routine, a MIG error reply
 * with MIG_BAD_ID, when it carries a reply right.
 */
#include <linux/string.h>

#include "mach/ipc_kmsg.h"
#include "mach/ipc_kobject.h"
#include "mach/ipc_mqueue.h"

struct ipc_port *ipc_kobject_alloc_port(enum ipc_kobject_type type, void *obj)
{
	struct ipc_port *port = ipc_port_alloc();

	if (!port)
		return NULL;
	port->kobject_type = type;
	port->kobject = obj;
	return port;
}

/* Conditions: port->lock not held.  Returns the object, or NULL. */
void *ipc_kobject_get(struct ipc_port *port, enum ipc_kobject_type type)
{
	void *obj = NULL;

	spin_lock(&port->lock);
	if (port->active && port->kobject_type == type)
		obj = port->kobject;
	spin_unlock(&port->lock);
	return obj;
}

/* mig_reply_error_t: header, NDR record, return code. */
#define MIG_REPLY_ERROR_SIZE	(24 + 8 + 4)

static const u8 ndr_native[8] = { 0, 0, 0, 0, 1, 0, 0, 0 };

/*
 * ipc_kobject_server - serve a request sent to a kernel-object port
 * Consumes @kmsg.  Conditions: process context, no IPC locks held.
 */
void ipc_kobject_server(struct ipc_kmsg *kmsg)
{
	struct ipc_kmsg *reply;
	s32 retcode = MIG_BAD_ID;

	if (!kmsg->local.obj || kmsg->local.obj == IPC_DEAD) {
		ipc_kmsg_destroy(kmsg);
		return;
	}
	reply = ipc_kmsg_alloc(MIG_REPLY_ERROR_SIZE);
	if (!reply) {
		ipc_kmsg_destroy(kmsg);
		return;
	}
	ipc_kmsg_set_sender_kernel(reply);
	reply->id = kmsg->id + 100;
	/* The request's reply right becomes the reply's destination. */
	reply->remote = kmsg->local;
	kmsg->local.obj = NULL;
	memcpy(reply->body, ndr_native, sizeof(ndr_native));
	memcpy(reply->body + 8, &retcode, sizeof(retcode));
	ipc_kmsg_destroy(kmsg);
	ipc_kmsg_deliver_kernel(reply);
}
