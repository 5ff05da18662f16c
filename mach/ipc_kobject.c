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
#include "mach/ipc_right.h"
#include "mach/ipc_space.h"
#include "mach/kern_return.h"
#include "mach/task.h"

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
 * The reply (a MIG error reply, as Darwin gives to an unknown routine) is
 * made in the requester's context, so its memory cgroup pays for it, and it
 * takes over the request's place in the requester's max_queued_bytes (up to
 * its own size) until it is received: a requester out of budget has its
 * request refused by mach_msg (MACH_SEND_NO_BUFFER) before anything is
 * consumed.  A request the kernel made names no requester and gets no
 * reply.  A reply to a plain send right
 * obeys the destination's queue limit (ipc_kmsg_deliver_kernel()), so a
 * requester cannot pile kernel-signed messages on a port it may only send
 * to beyond what it could send itself.
 * Consumes @kmsg.  Conditions: process context, no IPC locks held.
 */
void ipc_kobject_server(struct ipc_kmsg *kmsg)
{
	struct machina_task *requester = kmsg->charge_task;
	struct ipc_kmsg *reply;
	s32 retcode = MIG_BAD_ID;

	if (!IPC_OBJECT_REAL(kmsg->local.obj) || !requester)
		goto out;
	reply = ipc_kmsg_alloc(MIG_REPLY_ERROR_SIZE);
	if (!reply)
		goto out;
	/* The request's charge (and task reference) moves to the reply. */
	reply->charge_task = requester;
	reply->charge = min_t(u64, kmsg->charge, MIG_REPLY_ERROR_SIZE);
	machina_task_uncharge(requester, kmsg->charge - reply->charge);
	kmsg->charge_task = NULL;
	kmsg->charge = 0;
	ipc_kmsg_set_sender_kernel(reply);
	reply->id = kmsg->id + 100;
	/* The request's reply right becomes the reply's destination. */
	reply->remote = kmsg->local;
	kmsg->local.obj = NULL;
	memcpy(reply->body, ndr_native, sizeof(ndr_native));
	memcpy(reply->body + 8, &retcode, sizeof(retcode));
	ipc_kmsg_destroy(kmsg);
	ipc_kmsg_deliver_kernel(reply);
	return;
out:
	ipc_kmsg_destroy(kmsg);
}

/*
 * ipc_kobject_port_by_name - the port a send right of @space names, for the
 * calls that take a kernel object by name (traps and MIG routines alike)
 * Conditions: process context, no IPC lock held; takes space->lock.
 * Returns: a referenced port (put it with ipc_port_put()), or NULL with
 * *kr = KERN_INVALID_NAME (no such name) or KERN_INVALID_RIGHT (the name
 * holds no send right: a dead name, a bare receive right, a port set).
 */
struct ipc_port *ipc_kobject_port_by_name(struct ipc_space *space, u32 name,
					  int *kr)
{
	struct ipc_port *port = NULL;
	struct ipc_entry *entry;

	*kr = KERN_INVALID_NAME;
	if (!MACH_PORT_VALID(name))
		return NULL;
	mutex_lock(&space->lock);
	entry = ipc_entry_lookup(space, name);
	if (!entry)
		goto out;
	*kr = KERN_INVALID_RIGHT;
	if (ipc_right_check(space, entry) || !(entry->type & MACH_PORT_TYPE_SEND))
		goto out;
	port = ipc_port_from_object(entry->object);
	ipc_port_get(port);
	*kr = KERN_SUCCESS;
out:
	mutex_unlock(&space->lock);
	return port;
}

/*
 * ipc_kobject_copyout_held_send - give @space the send right the caller
 * holds on @port (with a reference), coalesced with a name the space
 * already has for the port.  For rights taken under another lock (a task's
 * itk_lock) so that they cannot be released in between.
 * Consumes the send right and the reference.  Conditions: process context,
 * no IPC lock held; takes space->lock.
 * Returns: KERN_SUCCESS with *namep set (MACH_PORT_NULL for a NULL @port,
 * MACH_PORT_DEAD if the port died meanwhile), KERN_INVALID_TASK for a
 * terminated space, or the copyout error (KERN_NO_SPACE,
 * KERN_RESOURCE_SHORTAGE) with *namep = MACH_PORT_NULL.
 */
int ipc_kobject_copyout_held_send(struct ipc_space *space,
				  struct ipc_port *port, u32 *namep)
{
	struct ipc_msg_right r = { .type = MACH_MSG_TYPE_PORT_SEND };
	int kr;

	*namep = MACH_PORT_NULL;
	if (!port)
		return KERN_SUCCESS;
	r.obj = &port->obj;
	mutex_lock(&space->lock);
	if (!space->active) {
		mutex_unlock(&space->lock);
		ipc_msg_right_destroy(&r);
		return KERN_INVALID_TASK;
	}
	kr = ipc_right_copyout(space, &r, namep);
	mutex_unlock(&space->lock);
	if (kr)
		*namep = MACH_PORT_NULL;
	return kr;
}

/*
 * ipc_kobject_copyout_send - give @space a new send right to @port
 * @make: make the right (the port's make-send count advances, as for
 * Darwin's MIG "make send" results of a kernel object's port) rather than
 * copy one the kernel holds.
 * Conditions and returns as ipc_kobject_copyout_held_send(); the caller
 * keeps its own reference on @port.
 */
int ipc_kobject_copyout_send(struct ipc_space *space, struct ipc_port *port,
			     bool make, u32 *namep)
{
	if (port) {
		if (make)
			ipc_port_make_send(port);
		else
			ipc_port_copy_send(port);
		ipc_port_get(port);
	}
	return ipc_kobject_copyout_held_send(space, port, namep);
}
