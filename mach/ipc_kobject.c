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
#include "xnu_vm/vm_memory_entry.h"

struct ipc_port *ipc_kobject_alloc_port(enum ipc_kobject_type type, void *obj)
{
	struct ipc_port *port = ipc_port_alloc();

	if (!port)
		return NULL;
	port->kobject_type = type;
	port->kobject = obj;
	return port;
}

/*
 * ipc_kobject_dies_unnamed - whether an object of @type lives only while a
 * send right names it (a memory entry, as XNU's no-senders of
 * IKOT_NAMED_ENTRY); the others (tasks, threads, semaphores...) have
 * owners of their own and outlive their ports' last send right.
 */
bool ipc_kobject_dies_unnamed(enum ipc_kobject_type type)
{
	return type == IKOT_NAMED_ENTRY;
}

/*
 * ipc_kobject_no_senders - the last send right to the kernel-object port
 * @port is gone, and ipc_port_release_send() has detached its object @obj
 * of @type (ipc_kobject_dies_unnamed()) under the port lock it decided
 * that in: the port dies, and the port's reference on the object goes.
 * Conditions: process context, no port lock held (space->lock may be:
 * what goes takes only locks that nest inside it); the caller holds a
 * reference on @port.
 */
void ipc_kobject_no_senders(struct ipc_port *port, enum ipc_kobject_type type,
			    void *obj)
{
	might_sleep();
	ipc_port_destroy(port);
	if (type == IKOT_NAMED_ENTRY)
		xnu_vm_named_entry_put(obj);
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
 * ipc_kobject_of - the kernel object of @port if it is one of @types
 * Conditions: port->lock held.  Returns it without a reference, or NULL.
 */
void *ipc_kobject_of(struct ipc_port *port, u32 types)
{
	lockdep_assert_held(&port->lock);
	if (!port->active || !port->kobject || port->kobject_type >= 32 ||
	    !(types & IKOT_BIT(port->kobject_type)))
		return NULL;
	return port->kobject;
}

/*
 * ipc_kobject_lookup - the one lookup from a port name to the object a
 * call works on; every call that takes an object by name goes through it
 * @kind: what the name must hold and how to reference the object;
 * @types: the IKOT_BIT()s accepted (passed to @kind->get).
 * For image-bound kinds (task, task name and thread ports) the process's
 * exec image is then held (machina_image_lock()) and must still be the one
 * the port was made for: a port from before an exec is refused, as a dead
 * one would be, even in the instant between the exec committing new
 * credentials and the old port's destruction, and no exec can commit
 * until the caller lets go.
 * Conditions: process context, no IPC lock held; takes space->lock, then
 * the image (never both).  May sleep.
 * Returns: KERN_SUCCESS with @ref filled (release with
 * ipc_kobject_ref_put()), or, with @ref empty: KERN_INVALID_NAME (no such
 * name), KERN_INVALID_RIGHT (the name lacks @kind->right: a dead name, a
 * port set...), KERN_INVALID_ARGUMENT (another kind of port, or its object
 * is going away), KERN_TERMINATED (a port of an image that has exec'd or
 * exited, including one being destroyed for it), KERN_ABORTED (a fatal
 * signal while waiting for the image).
 */
int ipc_kobject_lookup(struct ipc_space *space, u32 name,
		       const struct ipc_kobject_kind *kind, u32 types,
		       struct ipc_kobject_ref *ref)
{
	struct ipc_entry *entry;
	struct ipc_port *port;
	void *obj = NULL;
	u64 gen = 0;
	int kr;

	memset(ref, 0, sizeof(*ref));
	if (!MACH_PORT_VALID(name))
		return KERN_INVALID_NAME;
	mutex_lock(&space->lock);
	entry = ipc_entry_lookup(space, name);
	kr = KERN_INVALID_NAME;
	if (!entry)
		goto out;
	kr = KERN_INVALID_RIGHT;
	if (ipc_right_check(space, entry) || !(entry->type & kind->right))
		goto out;
	port = ipc_port_from_object(entry->object);
	spin_lock(&port->lock);
	if (port->active) {
		obj = kind->get(port, types);
		ref->type = port->kobject_type;
		gen = port->kobject_gen;
		kr = obj ? KERN_SUCCESS : KERN_INVALID_ARGUMENT;
		/*
		 * A task or thread port that ipc_port_kobject_destroy() has
		 * cut from its object but not yet killed (an exec retiring
		 * the old image's ports, an exit) is already a dead port to
		 * its holders, not a port of another kind - when it is of a
		 * kind the caller asked for (a thread lookup on a dying task
		 * port is still "another kind").
		 */
		if (!obj && kind->image && port->kobject_type != IKOT_NONE &&
		    port->kobject_type < 32 &&
		    (types & IKOT_BIT(port->kobject_type)) && !port->kobject)
			kr = KERN_TERMINATED;
	}
	spin_unlock(&port->lock);
out:
	mutex_unlock(&space->lock);
	if (kr)
		return kr;
	if (kind->image) {
		kr = machina_image_lock(kind->image(obj), &ref->image);
		if (!kr && ref->image.gen != gen) {
			machina_image_unlock(&ref->image);
			kr = KERN_TERMINATED;
		}
		if (kr) {
			if (kind->put)
				kind->put(obj);
			return kr;
		}
	}
	ref->obj = obj;
	ref->kind = kind;
	return KERN_SUCCESS;
}

/*
 * ipc_kobject_ref_put - end what ipc_kobject_lookup() holds (the image,
 * then the object's reference); an empty @ref is fine
 * Conditions: process context, the calling thread is the one that looked
 * the object up.
 */
void ipc_kobject_ref_put(struct ipc_kobject_ref *ref)
{
	if (ref->image.proc)
		machina_image_unlock(&ref->image);
	if (ref->obj && ref->kind->put)
		ref->kind->put(ref->obj);
	ref->obj = NULL;
}

/* The port itself: the kind of ipc_kobject_port_by_name(). */
static void *port_itself(struct ipc_port *port, u32 types)
{
	ipc_port_get(port);
	return port;
}

static void put_port(void *obj)
{
	ipc_port_put(obj);
}

static const struct ipc_kobject_kind any_send_right = {
	.right = MACH_PORT_TYPE_SEND,
	.get = port_itself,
	.put = put_port,
};

/*
 * ipc_kobject_port_by_name - the port a send right of @space names, for
 * calls whose objects live as long as the module (host, clocks) and check
 * the port's kind themselves (ipc_kobject_get())
 * Conditions: process context, no IPC lock held; takes space->lock.
 * Returns: a referenced port (put it with ipc_port_put()), or NULL with *kr
 * as ipc_kobject_lookup() says (KERN_INVALID_NAME, KERN_INVALID_RIGHT).
 */
struct ipc_port *ipc_kobject_port_by_name(struct ipc_space *space, u32 name,
					  int *kr)
{
	struct ipc_kobject_ref ref;

	*kr = ipc_kobject_lookup(space, name, &any_send_right, 0, &ref);
	return ref.obj;
}

/*
 * ipc_kobject_copyin_send - a kernel-held send right copied from @space's
 * @name (MACH_MSG_TYPE_COPY_SEND), for a call that stores it
 * Conditions: process context, @space unlocked.
 * Returns: KERN_SUCCESS with *portp (NULL for MACH_PORT_NULL, or a dead
 * name/MACH_PORT_DEAD, which stores nothing), or KERN_INVALID_NAME /
 * KERN_INVALID_RIGHT / KERN_RESOURCE_SHORTAGE.
 */
int ipc_kobject_copyin_send(struct ipc_space *space, u32 name,
			    struct ipc_port **portp)
{
	struct ipc_msg_right r;
	struct ipc_copyin c;
	int kr;

	*portp = NULL;
	mutex_lock(&space->lock);
	ipc_copyin_begin(&c, space);
	kr = ipc_copyin_right(&c, name, MACH_MSG_TYPE_COPY_SEND, &r);
	if (kr) {
		ipc_copyin_abort(&c);
		ipc_copyin_end(&c);
		mutex_unlock(&space->lock);
		return kr;
	}
	ipc_msg_right_apply(&r);
	ipc_copyin_commit(&c);
	ipc_copyin_end(&c);
	mutex_unlock(&space->lock);
	if (IPC_OBJECT_REAL(r.obj))
		*portp = ipc_port_from_object(r.obj);
	return KERN_SUCCESS;
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
