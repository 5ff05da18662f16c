// SPDX-License-Identifier: GPL-2.0
/*
 * The mach_port_* calls, mach_reply_port and mach_task_self.
 *
 * Each call names its target task by the caller's name for the task's port
 * (machina_task_space_by_name()), locks that task's space and works on the
 * entry the name denotes.  Return codes are Darwin's: a task name that is
 * not a send right fails as a Mach RPC to it would (MACH_SEND_INVALID_DEST).
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#include "mach/ipc_kmsg.h"
#include "mach/ipc_kobject.h"
#include "mach/ipc_notify.h"
#include "mach/ipc_port.h"
#include "mach/ipc_pset.h"
#include "mach/ipc_right.h"
#include "mach/ipc_space.h"
#include "mach/kern_return.h"
#include "mach/task.h"
#include "personality/calls.h"
#include "uapi/machina.h"

#define KERN_ALREADY_IN_SET 11

/*
 * lock_target - the target task's space, locked, with the task's exec
 * image held in @target until unlock_target() (a port of an older image
 * fails as a dead one)
 * @least is the least task port flavour the call takes, as Darwin's MIG
 * types say (osfmk/mach/mach_port.defs): MACHINA_TASK_CONTROL for an
 * ipc_space_t routine, MACHINA_TASK_READ for an ipc_space_read_t one
 * (get_attributes, get_set_status, get_context, space_info),
 * MACHINA_TASK_INSPECT for ipc_space_inspect_t (space_basic_info).  A
 * port below it fails as XNU's routine fails on the null space its
 * conversion gives: KERN_INVALID_TASK for an ipc_space_t routine
 * (convert_port_to_space(), then "space == IS_NULL"), KERN_INVALID_ARGUMENT
 * for the read ones (their _from_user forms).
 * Returns: KERN_SUCCESS with *spacep locked and referenced, or the Darwin
 * error (as above, machina_task_lookup()'s otherwise; KERN_INVALID_TASK
 * for a terminated space).
 */
static int lock_target(struct machina_task *task, u32 task_name,
		       enum machina_task_flavor least,
		       struct ipc_kobject_ref *target, struct ipc_space **spacep)
{
	struct machina_task *owner;
	struct ipc_space *space;
	int kr;

	kr = machina_task_lookup(task, task_name, least, target);
	if (kr == KERN_INVALID_ARGUMENT && least == MACHINA_TASK_CONTROL)
		return KERN_INVALID_TASK;
	if (kr)
		return kr;
	owner = target->obj;
	space = machina_task_get_space(owner);
	if (space) {
		mutex_lock(&space->lock);
		if (space->active) {
			*spacep = space;
			return KERN_SUCCESS;
		}
		mutex_unlock(&space->lock);
		ipc_space_put(space);
	}
	ipc_kobject_ref_put(target);
	return KERN_INVALID_TASK;
}

static void unlock_target(struct ipc_space *space,
			  struct ipc_kobject_ref *target)
{
	mutex_unlock(&space->lock);
	ipc_space_put(space);
	ipc_kobject_ref_put(target);
}

/*
 * collect_buf - a kernel buffer for up to @capacity records of @rec bytes
 * about the names of a space with @used names, filled under the space's
 * lock and copied out after unlock_target(): a user buffer may fault for as
 * long as its owner likes (userfaultfd, a FUSE mapping), and neither the
 * target's IPC nor its exec (the image held by lock_target()) may wait on
 * that.  Bounded by the space's names (machina_max_names), charged to the
 * caller.
 * Returns: the buffer (kvfree() it) with *@slots = min(@capacity, @used)
 * records of room, or NULL without memory.
 */
static void *collect_buf(u32 capacity, u32 used, size_t rec, u32 *slots)
{
	*slots = min(capacity, used);
	return kvmalloc_array(max(*slots, 1u), rec,
			      GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
}

/* mach_port_space_info's ipc_info_name_t: seven 32-bit fields. */
#define SPACE_INFO_REC	(7 * sizeof(u32))

/* The entry under @name holding a receive right, or NULL with *kr set. */
static struct ipc_port *receive_port(struct ipc_space *space, u32 name, int *kr)
{
	struct ipc_entry *entry = ipc_entry_lookup(space, name);

	if (!entry) {
		*kr = KERN_INVALID_NAME;
		return NULL;
	}
	if (!(entry->type & MACH_PORT_TYPE_RECEIVE)) {
		*kr = KERN_INVALID_RIGHT;
		return NULL;
	}
	return ipc_port_from_object(entry->object);
}

static bool no_extra(const struct machina_port_args *a)
{
	return !a->flags && !a->reserved;
}

long machina_call_task_self(struct machina_task *task, void *arg)
{
	struct machina_name_out *out = arg;
	struct ipc_space *space = task->space;
	struct ipc_entry *entry;
	struct ipc_port *port;
	int kr = KERN_SUCCESS;

	if (out->flags)
		return -EINVAL;
	/* The caller runs in the image: it cannot change under us. */
	port = machina_task_port(task, MACHINA_TASK_CONTROL,
				 machina_image_gen(task->tgid));
	if (!port)
		return KERN_RESOURCE_SHORTAGE;
	mutex_lock(&space->lock);
	entry = ipc_entry_lookup(space, task->self_name);
	/* If the program gave its self name away, it gets a fresh one. */
	if (!entry || entry->object != &port->obj ||
	    !(entry->type & MACH_PORT_TYPE_SEND)) {
		entry = ipc_entry_by_port(space, port);
		if (entry) {
			task->self_name = entry->name;
		} else {
			ipc_port_make_send(port);
			ipc_port_get(port);
			kr = ipc_right_new(space, &port->obj,
					   MACH_PORT_TYPE_SEND, &task->self_name, NULL);
			if (kr) {
				ipc_port_release_send(port);
				ipc_port_put(port);
			}
		}
	}
	out->name = task->self_name;
	mutex_unlock(&space->lock);
	ipc_port_put(port);
	return kr;
}

/*
 * ipc_port_new_receive - a new port whose receive right is named in @space
 * (@want, or any free name when 0)
 * Conditions: space->lock held, the space active.  *portp (when asked for)
 * is the space's: no reference of the caller's own.
 */
int ipc_port_new_receive(struct ipc_space *space, struct ipc_port **portp,
			 mach_port_name_t *namep, mach_port_name_t want)
{
	struct ipc_port *port;
	struct ipc_entry *entry;
	int kr;

	lockdep_assert_held(&space->lock);
	port = ipc_port_alloc();
	if (!port)
		return KERN_RESOURCE_SHORTAGE;
	if (want) {
		kr = ipc_entry_alloc_name(space, want, &entry);
		if (!kr) {
			entry->object = &port->obj;
			entry->type = MACH_PORT_TYPE_RECEIVE;
			if (ipc_revmap_insert(space, entry)) {
				entry->object = NULL;
				entry->type = 0;
				ipc_entry_free(space, entry);
				kr = KERN_RESOURCE_SHORTAGE;
			} else {
				*namep = entry->name;
			}
		}
	} else {
		kr = ipc_right_new(space, &port->obj, MACH_PORT_TYPE_RECEIVE,
				   namep, NULL);
	}
	if (kr) {
		port->active = false;
		ipc_port_put(port);
		return kr;
	}
	port->receiver = space;
	port->receiver_name = *namep;
	if (portp)
		*portp = port;
	return KERN_SUCCESS;
}

/*
 * ipc_port_receive_add_send - the receive right @name of the new @port
 * also holds a send right (MAKE_SEND into its own name, one uref)
 * Conditions: space->lock held; @name names @port's receive right and no
 * send right yet.
 */
void ipc_port_receive_add_send(struct ipc_space *space, struct ipc_port *port,
			       mach_port_name_t name)
{
	struct ipc_entry *entry;

	lockdep_assert_held(&space->lock);
	ipc_port_make_send(port);
	entry = ipc_entry_lookup(space, name);
	entry->type |= MACH_PORT_TYPE_SEND;
	entry->urefs = 1;
}

long machina_call_reply_port(struct machina_task *task, void *arg)
{
	struct machina_name_out *out = arg;
	struct ipc_space *space = task->space;
	int kr;

	if (out->flags)
		return -EINVAL;
	mutex_lock(&space->lock);
	kr = space->active ? ipc_port_new_receive(space, NULL, &out->name, 0) : KERN_INVALID_TASK;
	mutex_unlock(&space->lock);
	if (kr)
		out->name = MACH_PORT_NULL;
	return kr;
}

/* allocate / allocate_name: @want is 0 for "any name". */
static int allocate(struct ipc_space *space, u32 right, mach_port_name_t want,
		    mach_port_name_t *namep)
{
	struct ipc_entry *entry;
	struct ipc_pset *pset;
	int kr;

	switch (right) {
	case MACH_PORT_RIGHT_RECEIVE:
		return ipc_port_new_receive(space, NULL, namep, want);
	case MACH_PORT_RIGHT_PORT_SET:
		pset = ipc_pset_alloc();
		if (!pset)
			return KERN_RESOURCE_SHORTAGE;
		kr = want ? ipc_entry_alloc_name(space, want, &entry) :
			    ipc_entry_alloc(space, &entry);
		if (kr) {
			ipc_object_put(&pset->obj);
			return kr;
		}
		entry->object = &pset->obj;
		entry->type = MACH_PORT_TYPE_PORT_SET;
		*namep = entry->name;
		return KERN_SUCCESS;
	case MACH_PORT_RIGHT_DEAD_NAME:
		kr = want ? ipc_entry_alloc_name(space, want, &entry) :
			    ipc_entry_alloc(space, &entry);
		if (kr)
			return kr;
		entry->type = MACH_PORT_TYPE_DEAD_NAME;
		entry->urefs = 1;
		*namep = entry->name;
		return KERN_SUCCESS;
	default:
		return KERN_INVALID_VALUE;
	}
}

long machina_call_port_allocate(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct ipc_space *space;
	struct ipc_kobject_ref target;
	int kr;

	if (!no_extra(a) || a->name || a->delta || a->value || a->context)
		return -EINVAL;
	kr = lock_target(task, a->task, MACHINA_TASK_CONTROL, &target, &space);
	if (kr)
		return kr;
	kr = allocate(space, a->right, 0, &a->name);
	unlock_target(space, &target);
	return kr;
}

long machina_call_port_allocate_name(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct ipc_space *space;
	struct ipc_kobject_ref target;
	int kr;

	if (!no_extra(a) || a->delta || a->value || a->context)
		return -EINVAL;
	if (!MACH_PORT_VALID(a->name))
		return KERN_INVALID_VALUE;
	kr = lock_target(task, a->task, MACHINA_TASK_CONTROL, &target, &space);
	if (kr)
		return kr;
	kr = allocate(space, a->right, a->name, &a->name);
	unlock_target(space, &target);
	return kr;
}

long machina_call_port_construct(struct machina_task *task, void *arg)
{
	struct machina_port_construct *a = arg;
	struct ipc_space *space;
	struct ipc_kobject_ref target;
	struct ipc_port *port;
	int kr;

	if (a->flags || a->reserved || a->name)
		return -EINVAL;
	if (a->mpo_flags & ~MPO_KNOWN)
		return KERN_INVALID_ARGUMENT;
	if ((a->mpo_flags & MPO_QLIMIT) && a->mpo_qlimit > MACH_PORT_QLIMIT_MAX)
		return KERN_INVALID_VALUE;
	kr = lock_target(task, a->task, MACHINA_TASK_CONTROL, &target, &space);
	if (kr)
		return kr;
	kr = ipc_port_new_receive(space, &port, &a->name, 0);
	if (kr)
		goto out;
	spin_lock(&port->lock);
	if (a->mpo_flags & MPO_QLIMIT)
		port->qlimit = a->mpo_qlimit;
	port->context = a->context;
	/*
	 * XNU's mach_port_construct passes MPO_STRICT and
	 * MPO_IMMOVABLE_RECEIVE to the guard only: without
	 * MPO_CONTEXT_AS_GUARD they do nothing.
	 */
	if (a->mpo_flags & MPO_CONTEXT_AS_GUARD) {
		port->guarded = true;
		port->strict_guard = a->mpo_flags & MPO_STRICT;
		port->immovable_receive = a->mpo_flags & MPO_IMMOVABLE_RECEIVE;
	}
	port->tempowner_flags = a->mpo_flags & (MPO_TEMPOWNER | MPO_IMPORTANCE_RECEIVER |
						MPO_DENAP_RECEIVER);
	spin_unlock(&port->lock);
	if (a->mpo_flags & MPO_INSERT_SEND_RIGHT)
		ipc_port_receive_add_send(space, port, a->name);
out:
	unlock_target(space, &target);
	return kr;
}

long machina_call_port_destruct(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct ipc_space *space;
	struct ipc_kobject_ref target;
	struct ipc_entry *entry;
	struct ipc_port *port;
	int kr;

	if (!no_extra(a) || a->right || a->value)
		return -EINVAL;
	if (a->delta > 0)
		return KERN_INVALID_VALUE;
	kr = lock_target(task, a->task, MACHINA_TASK_CONTROL, &target, &space);
	if (kr)
		return kr;
	port = receive_port(space, a->name, &kr);
	if (!port)
		goto out;
	if (port->guarded && port->context != a->context) {
		kr = KERN_INVALID_ARGUMENT;
		goto out;
	}
	entry = ipc_entry_lookup(space, a->name);
	if (a->delta) {
		kr = ipc_right_delta(space, entry, MACH_PORT_RIGHT_SEND, a->delta);
		if (kr)
			goto out;
	}
	port->guarded = false;
	kr = ipc_right_delta(space, entry, MACH_PORT_RIGHT_RECEIVE, -1);
out:
	unlock_target(space, &target);
	return kr;
}

/* The shape of deallocate, destroy: one name, one operation. */
static long name_op(struct machina_task *task, struct machina_port_args *a,
		    int (*op)(struct ipc_space *, struct ipc_entry *))
{
	struct ipc_space *space;
	struct ipc_kobject_ref target;
	struct ipc_entry *entry;
	int kr;

	if (!no_extra(a) || a->right || a->delta || a->value || a->context)
		return -EINVAL;
	kr = lock_target(task, a->task, MACHINA_TASK_CONTROL, &target, &space);
	if (kr)
		return kr;
	/* Darwin: releasing MACH_PORT_NULL or MACH_PORT_DEAD does nothing. */
	if (!MACH_PORT_VALID(a->name)) {
		unlock_target(space, &target);
		return KERN_SUCCESS;
	}
	entry = ipc_entry_lookup(space, a->name);
	kr = entry ? op(space, entry) : KERN_INVALID_NAME;
	unlock_target(space, &target);
	return kr;
}

long machina_call_port_deallocate(struct machina_task *task, void *arg)
{
	return name_op(task, arg, ipc_right_dealloc);
}

long machina_call_port_destroy(struct machina_task *task, void *arg)
{
	return name_op(task, arg, ipc_right_destroy);
}

long machina_call_port_mod_refs(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct ipc_space *space;
	struct ipc_kobject_ref target;
	struct ipc_entry *entry;
	int kr;

	if (!no_extra(a) || a->value || a->context)
		return -EINVAL;
	if (a->right >= MACH_PORT_RIGHT_NUMBER)
		return KERN_INVALID_VALUE;
	kr = lock_target(task, a->task, MACHINA_TASK_CONTROL, &target, &space);
	if (kr)
		return kr;
	if (!MACH_PORT_VALID(a->name)) {
		/* Send rights named NULL or DEAD are nothing to count. */
		unlock_target(space, &target);
		return (a->right == MACH_PORT_RIGHT_SEND ||
			a->right == MACH_PORT_RIGHT_SEND_ONCE) ?
		       KERN_SUCCESS : KERN_INVALID_NAME;
	}
	entry = ipc_entry_lookup(space, a->name);
	kr = entry ? ipc_right_delta(space, entry, a->right, a->delta) :
		     KERN_INVALID_NAME;
	unlock_target(space, &target);
	return kr;
}

long machina_call_port_get_refs(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct ipc_space *space;
	struct ipc_kobject_ref target;
	struct ipc_entry *entry;
	int kr;

	if (!no_extra(a) || a->delta || a->value || a->context)
		return -EINVAL;
	if (a->right >= MACH_PORT_RIGHT_NUMBER)
		return KERN_INVALID_VALUE;
	kr = lock_target(task, a->task, MACHINA_TASK_CONTROL, &target, &space);
	if (kr)
		return kr;
	if (!MACH_PORT_VALID(a->name)) {
		/* Darwin counts a send right named NULL or DEAD as one. */
		if (a->right == MACH_PORT_RIGHT_SEND ||
		    a->right == MACH_PORT_RIGHT_SEND_ONCE)
			a->value = 1;
		else
			kr = KERN_INVALID_NAME;
		goto out;
	}
	entry = ipc_entry_lookup(space, a->name);
	if (!entry) {
		kr = KERN_INVALID_NAME;
		goto out;
	}
	ipc_right_check(space, entry);
	a->value = 0;
	if (entry->type & MACH_PORT_TYPE(a->right)) {
		switch (a->right) {
		case MACH_PORT_RIGHT_SEND:
		case MACH_PORT_RIGHT_DEAD_NAME:
			a->value = entry->urefs;
			break;
		default:
			a->value = 1;
		}
	}
out:
	unlock_target(space, &target);
	return kr;
}

/* Conditions: space->lock held. */
static u32 entry_type_bits(struct ipc_entry *entry)
{
	u32 type = entry->type;
	struct ipc_request *req = entry->request;

	if (req && !list_empty(&req->port_link))
		type |= req->kind == MACH_NOTIFY_SEND_POSSIBLE ?
			MACH_PORT_TYPE_SPREQUEST : MACH_PORT_TYPE_DNREQUEST;
	return type;
}

long machina_call_port_type(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct ipc_space *space;
	struct ipc_kobject_ref target;
	struct ipc_entry *entry;
	int kr;

	if (!no_extra(a) || a->right || a->delta || a->value || a->context)
		return -EINVAL;
	if (a->name == MACH_PORT_DEAD) {
		a->value = MACH_PORT_TYPE_DEAD_NAME;
		return KERN_SUCCESS;
	}
	kr = lock_target(task, a->task, MACHINA_TASK_CONTROL, &target, &space);
	if (kr)
		return kr;
	entry = ipc_entry_lookup(space, a->name);
	if (entry) {
		ipc_right_check(space, entry);
		/* Like Darwin, mach_port_type does not report send-possible requests. */
		a->value = entry_type_bits(entry) & ~MACH_PORT_TYPE_SPREQUEST;
	} else {
		kr = KERN_INVALID_NAME;
	}
	unlock_target(space, &target);
	return kr;
}

static u32 type_for(const struct ipc_msg_right *r)
{
	switch (r->type) {
	case MACH_MSG_TYPE_PORT_SEND:
		return MACH_PORT_TYPE_SEND;
	case MACH_MSG_TYPE_PORT_RECEIVE:
		return MACH_PORT_TYPE_RECEIVE;
	default:
		return MACH_PORT_TYPE_SEND_ONCE;
	}
}

/*
 * name_accepts - whether right @r may go into @space under @name
 * Send and receive rights of one port share one name per space, a send-once
 * right needs a name of its own.  Entries left without rights by a copyin
 * in progress count as free.
 * Conditions: space->lock held.
 * Returns: KERN_SUCCESS, KERN_RIGHT_EXISTS (the port has another name here,
 * or the name already holds that receive right), KERN_NAME_EXISTS (the
 * name holds something else).
 */
static int name_accepts(struct ipc_space *space, const struct ipc_msg_right *r,
			mach_port_name_t name)
{
	struct ipc_port *port = ipc_port_from_object(r->obj);
	struct ipc_entry *entry = ipc_entry_lookup(space, name);
	struct ipc_entry *other = ipc_entry_by_port(space, port);
	u32 add = type_for(r);

	lockdep_assert_held(&space->lock);

	if (entry && !(entry->type & MACH_PORT_TYPE_ALL_RIGHTS))
		entry = NULL;
	if (other && !(other->type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE)))
		other = NULL;
	if (add != MACH_PORT_TYPE_SEND_ONCE && other && other != entry)
		return KERN_RIGHT_EXISTS;
	if (!entry)
		return KERN_SUCCESS;
	if (entry->object != r->obj || add == MACH_PORT_TYPE_SEND_ONCE)
		return KERN_NAME_EXISTS;
	if (add == MACH_PORT_TYPE_RECEIVE && (entry->type & add))
		return KERN_RIGHT_EXISTS;
	return KERN_SUCCESS;
}

/*
 * copyout_named - put right @r into @space under exactly @name
 * Conditions: space->lock held.  Consumes @r on success.
 * Returns: name_accepts()'s answer, or KERN_RESOURCE_SHORTAGE /
 * KERN_NO_SPACE.
 */
static int copyout_named(struct ipc_space *space, struct ipc_msg_right *r,
			 mach_port_name_t name)
{
	struct ipc_port *port = ipc_port_from_object(r->obj);
	struct ipc_entry *entry;
	u32 add = type_for(r);
	int kr;

	lockdep_assert_held(&space->lock);

	kr = name_accepts(space, r, name);
	if (kr)
		return kr;
	entry = ipc_entry_lookup(space, name);
	if (entry) {
		if (add == MACH_PORT_TYPE_SEND && (entry->type & MACH_PORT_TYPE_SEND)) {
			if (entry->urefs < MACH_PORT_UREFS_MAX)
				entry->urefs++;
			ipc_port_release_send(port);
		} else {
			entry->type |= add;
			if (add == MACH_PORT_TYPE_SEND)
				entry->urefs = 1;
		}
		ipc_port_put(port);
	} else {
		kr = ipc_entry_alloc_name(space, name, &entry);
		if (kr)
			return kr;
		entry->object = r->obj;
		entry->type = add;
		entry->urefs = add == MACH_PORT_TYPE_RECEIVE ? 0 : 1;
		if (add != MACH_PORT_TYPE_SEND_ONCE && ipc_revmap_insert(space, entry)) {
			entry->object = NULL;
			entry->type = 0;
			ipc_entry_free(space, entry);
			return KERN_RESOURCE_SHORTAGE;
		}
	}
	/* A moved receive right starts afresh (XNU's clear_receiver). */
	if (add == MACH_PORT_TYPE_RECEIVE)
		ipc_port_receive_arrived(port, space, entry->name);
	r->obj = NULL;
	return KERN_SUCCESS;
}

/*
 * machina_call_port_insert_right - mach_port_insert_right
 * The right comes from the caller's space (as Darwin's request message
 * would carry it) and goes into the target's under the given name.  Within
 * one space the target name is checked before the right is taken, so a
 * refused insert changes nothing.
 */
long machina_call_port_insert_right(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct ipc_space *space, *own = task->space;
	struct ipc_kobject_ref target;
	struct ipc_entry *src;
	struct ipc_msg_right r;
	struct ipc_copyin c;
	int kr;

	if (!no_extra(a) || a->delta || a->context)
		return -EINVAL;
	if (!MACH_PORT_VALID(a->name) || !ipc_right_received_type(a->right))
		return KERN_INVALID_VALUE;
	if (!MACH_PORT_VALID(a->value))
		return KERN_INVALID_CAPABILITY;
	kr = lock_target(task, a->task, MACHINA_TASK_CONTROL, &target, &space);
	if (kr)
		return kr;
	if (space != own) {
		/* Rights cross spaces one lock at a time. */
		mutex_unlock(&space->lock);
		mutex_lock(&own->lock);
	}
	src = ipc_entry_lookup(own, a->value);
	if (src && ipc_right_check(own, src)) {
		/* A dead name carries no port to insert. */
		kr = KERN_INVALID_CAPABILITY;
		goto out_own;
	}
	ipc_copyin_begin(&c, own);
	kr = ipc_copyin_right(&c, a->value, a->right, &r);
	if (!kr && space == own) {
		kr = name_accepts(space, &r, a->name);
		if (kr)
			ipc_object_put(r.obj);
	}
	if (kr) {
		ipc_copyin_abort(&c);
		ipc_copyin_end(&c);
		goto out_own;
	}
	ipc_msg_right_apply(&r);
	ipc_copyin_commit(&c);
	ipc_copyin_end(&c);
	if (space != own) {
		mutex_unlock(&own->lock);
		mutex_lock(&space->lock);
	}
	/*
	 * The target may have been torn down while its lock was dropped: a
	 * right put there now would never be released.
	 */
	kr = space->active ? copyout_named(space, &r, a->name) : KERN_INVALID_TASK;
	if (kr)
		ipc_msg_right_destroy(&r);
	unlock_target(space, &target);
	return kr;

out_own:
	if (space != own) {
		mutex_unlock(&own->lock);
		ipc_space_put(space);
		ipc_kobject_ref_put(&target);
	} else {
		unlock_target(space, &target);
	}
	return kr;
}

long machina_call_port_extract_right(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct ipc_space *space, *own = task->space;
	struct ipc_kobject_ref target;
	struct ipc_msg_right r;
	struct ipc_copyin c;
	int kr;

	if (!no_extra(a) || a->delta || a->value || a->context)
		return -EINVAL;
	if (!ipc_right_received_type(a->right))
		return KERN_INVALID_VALUE;
	if (!MACH_PORT_VALID(a->name))
		return KERN_INVALID_RIGHT;
	kr = lock_target(task, a->task, MACHINA_TASK_CONTROL, &target, &space);
	if (kr)
		return kr;
	if (!ipc_entry_lookup(space, a->name)) {
		unlock_target(space, &target);
		return KERN_INVALID_NAME;
	}
	ipc_copyin_begin(&c, space);
	kr = ipc_copyin_right(&c, a->name, a->right, &r);
	if (kr || r.obj == IPC_DEAD) {
		ipc_copyin_abort(&c);
		ipc_copyin_end(&c);
		unlock_target(space, &target);
		return kr ? kr : KERN_INVALID_CAPABILITY;
	}
	ipc_msg_right_apply(&r);
	ipc_copyin_commit(&c);
	ipc_copyin_end(&c);
	if (space != own) {
		mutex_unlock(&space->lock);
		mutex_lock(&own->lock);
	}
	a->value2 = r.type;
	kr = ipc_right_copyout(own, &r, &a->value);
	mutex_unlock(&own->lock);
	ipc_space_put(space);
	ipc_kobject_ref_put(&target);
	return kr;
}

/* Conditions: space->lock held.  The set named @name, or NULL with *kr. */
static struct ipc_pset *pset_by_name(struct ipc_space *space, u32 name, int *kr)
{
	struct ipc_entry *entry = ipc_entry_lookup(space, name);

	lockdep_assert_held(&space->lock);

	if (!entry) {
		*kr = KERN_INVALID_NAME;
		return NULL;
	}
	if (!(entry->type & MACH_PORT_TYPE_PORT_SET)) {
		*kr = KERN_INVALID_RIGHT;
		return NULL;
	}
	return ipc_pset_from_object(entry->object);
}

long machina_call_port_move_member(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct ipc_pset *pset = NULL;
	struct ipc_space *space;
	struct ipc_kobject_ref target;
	struct ipc_port *port;
	int kr;

	if (!no_extra(a) || a->right || a->delta || a->context)
		return -EINVAL;
	if (!MACH_PORT_VALID(a->name) || a->value == MACH_PORT_DEAD)
		return KERN_INVALID_RIGHT;
	kr = lock_target(task, a->task, MACHINA_TASK_CONTROL, &target, &space);
	if (kr)
		return kr;
	port = receive_port(space, a->name, &kr);
	if (port && a->value != MACH_PORT_NULL)
		pset = pset_by_name(space, a->value, &kr);
	if (!port || (a->value != MACH_PORT_NULL && !pset))
		goto out;
	if (!pset) {
		bool member;

		spin_lock(&port->lock);
		member = !list_empty(&port->memberships);
		spin_unlock(&port->lock);
		if (!member) {
			kr = KERN_NOT_IN_SET;
			goto out;
		}
	}
	if (pset && ipc_pset_has_member(pset, port)) {
		/* Already there: leave every other set only. */
		ipc_object_get(&pset->obj);
		ipc_pset_remove_all(port);
		kr = ipc_pset_add(pset, port);
		ipc_object_put(&pset->obj);
		goto out;
	}
	ipc_pset_remove_all(port);
	if (pset)
		kr = ipc_pset_add(pset, port);
out:
	unlock_target(space, &target);
	return kr;
}

static long member_op(struct machina_task *task, struct machina_port_args *a,
		      bool insert)
{
	struct ipc_space *space;
	struct ipc_kobject_ref target;
	struct ipc_pset *pset;
	struct ipc_port *port;
	int kr;

	if (!no_extra(a) || a->right || a->delta || a->context)
		return -EINVAL;
	if (!MACH_PORT_VALID(a->name) || !MACH_PORT_VALID(a->value))
		return KERN_INVALID_RIGHT;
	kr = lock_target(task, a->task, MACHINA_TASK_CONTROL, &target, &space);
	if (kr)
		return kr;
	pset = pset_by_name(space, a->value, &kr);
	port = pset ? receive_port(space, a->name, &kr) : NULL;
	if (port)
		kr = insert ? ipc_pset_add(pset, port) : ipc_pset_remove(pset, port);
	unlock_target(space, &target);
	return kr;
}

long machina_call_port_insert_member(struct machina_task *task, void *arg)
{
	return member_op(task, arg, true);
}

long machina_call_port_extract_member(struct machina_task *task, void *arg)
{
	return member_op(task, arg, false);
}

enum port_field { F_MSCOUNT, F_SEQNO, F_GET_CONTEXT, F_SET_CONTEXT, F_GUARD, F_UNGUARD };

/* The small receive-right setters and getters. */
static long receive_field(struct machina_task *task, struct machina_port_args *a,
			  enum port_field f)
{
	struct ipc_space *space;
	struct ipc_kobject_ref target;
	struct ipc_port *port;
	int kr;

	if (!no_extra(a) || a->right || a->delta)
		return -EINVAL;
	if ((f == F_MSCOUNT || f == F_SEQNO) && a->context)
		return -EINVAL;
	if ((f == F_GET_CONTEXT || f == F_SET_CONTEXT || f == F_UNGUARD) && a->value)
		return -EINVAL;
	if (f == F_GET_CONTEXT && a->context)
		return -EINVAL;
	if (!MACH_PORT_VALID(a->name))
		return KERN_INVALID_RIGHT;
	kr = lock_target(task, a->task, f == F_GET_CONTEXT ?
			 MACHINA_TASK_READ : MACHINA_TASK_CONTROL, &target, &space);
	if (kr)
		return kr;
	port = receive_port(space, a->name, &kr);
	if (!port)
		goto out;
	spin_lock(&port->lock);
	switch (f) {
	case F_MSCOUNT:
		port->mscount = a->value;
		break;
	case F_SEQNO:
		port->seqno = a->value;
		break;
	case F_GET_CONTEXT:
		a->context = port->strict_guard ? 0 : port->context;
		break;
	case F_SET_CONTEXT:
		if (port->strict_guard)
			kr = KERN_INVALID_ARGUMENT;
		else
			port->context = a->context;
		break;
	case F_GUARD:
		/* A port is guarded once, and not over a context in use. */
		if (port->guarded || port->context) {
			kr = KERN_INVALID_ARGUMENT;
		} else {
			port->guarded = true;
			port->strict_guard = a->value;
			port->context = a->context;
		}
		break;
	case F_UNGUARD:
		if (!port->guarded || port->context != a->context) {
			kr = KERN_INVALID_ARGUMENT;
		} else {
			port->guarded = false;
			port->strict_guard = false;
			port->context = 0;
		}
		break;
	}
	spin_unlock(&port->lock);
out:
	unlock_target(space, &target);
	return kr;
}

long machina_call_port_set_mscount(struct machina_task *task, void *arg)
{
	return receive_field(task, arg, F_MSCOUNT);
}

long machina_call_port_set_seqno(struct machina_task *task, void *arg)
{
	return receive_field(task, arg, F_SEQNO);
}

long machina_call_port_get_context(struct machina_task *task, void *arg)
{
	return receive_field(task, arg, F_GET_CONTEXT);
}

long machina_call_port_set_context(struct machina_task *task, void *arg)
{
	return receive_field(task, arg, F_SET_CONTEXT);
}

long machina_call_port_guard(struct machina_task *task, void *arg)
{
	return receive_field(task, arg, F_GUARD);
}

long machina_call_port_unguard(struct machina_task *task, void *arg)
{
	return receive_field(task, arg, F_UNGUARD);
}

/*
 * request_dead_name - register (or, with no notify right, cancel) a
 * dead-name or send-possible request on @entry
 * Conditions: space->lock held; @notify is a counted send-once right the
 * call consumes.  *previous gets the replaced request's send-once right.
 */
static int request_on_name(struct ipc_space *space, struct ipc_entry *entry,
			   u8 kind, u32 sync, struct ipc_port *notify,
			   struct ipc_port **previous)
{
	struct ipc_request *old = entry->request, *req = NULL;
	struct ipc_port *port;
	bool dead;

	lockdep_assert_held(&space->lock);

	dead = ipc_right_check(space, entry);
	if (dead) {
		if (kind == MACH_NOTIFY_DEAD_NAME && sync && notify) {
			/* Already dead: the notification goes now, with a uref. */
			if (entry->urefs < MACH_PORT_UREFS_MAX)
				entry->urefs++;
			ipc_notify_dead_name(notify, entry->name);
			return KERN_SUCCESS;
		}
		if (notify)
			ipc_port_release_send_once(notify);
		return KERN_INVALID_ARGUMENT;
	}
	if (!(entry->type & MACH_PORT_TYPE_PORT_RIGHTS)) {
		if (notify)
			ipc_port_release_send_once(notify);
		return KERN_INVALID_RIGHT;
	}
	port = ipc_port_from_object(entry->object);
	if (notify) {
		req = ipc_request_alloc(kind, entry->name, notify);
		if (!req) {
			ipc_port_release_send_once(notify);
			return KERN_RESOURCE_SHORTAGE;
		}
	}
	spin_lock(&port->lock);
	if (old && !list_empty(&old->port_link)) {
		list_del_init(&old->port_link);
		*previous = old->notify;
		old->notify = NULL;
		refcount_dec(&old->ref);	/* the list's; the entry's remains */
	}
	if (req) {
		refcount_inc(&req->ref);	/* the list's */
		req->armed = true;
		list_add_tail(&req->port_link, &port->requests);
	}
	spin_unlock(&port->lock);
	ipc_request_put(old);
	entry->request = req;

	if (req && kind == MACH_NOTIFY_SEND_POSSIBLE && sync) {
		bool room;

		spin_lock(&port->lock);
		room = ipc_port_has_room(port);
		if (room) {
			list_del_init(&req->port_link);
			notify = req->notify;
			req->notify = NULL;
			refcount_dec(&req->ref);
		}
		spin_unlock(&port->lock);
		if (room)
			ipc_notify_send_possible(notify, entry->name);
	}
	return KERN_SUCCESS;
}

long machina_call_port_request_notification(struct machina_task *task, void *arg)
{
	struct machina_port_notify *a = arg;
	struct ipc_space *space, *own = task->space;
	struct ipc_kobject_ref target;
	struct ipc_port *port, *notify = NULL, *previous = NULL;
	struct ipc_msg_right r = { 0 };
	struct ipc_entry *entry;
	struct ipc_copyin c;
	int kr;

	if (a->flags || a->previous)
		return -EINVAL;
	switch (a->msgid) {
	case MACH_NOTIFY_PORT_DESTROYED:
	case MACH_NOTIFY_NO_SENDERS:
	case MACH_NOTIFY_DEAD_NAME:
	case MACH_NOTIFY_SEND_POSSIBLE:
		break;
	default:
		return KERN_INVALID_VALUE;
	}
	if (a->notify == MACH_PORT_DEAD)
		return KERN_INVALID_CAPABILITY;
	if (a->notify != MACH_PORT_NULL &&
	    a->notify_disposition != MACH_MSG_TYPE_MAKE_SEND_ONCE &&
	    a->notify_disposition != MACH_MSG_TYPE_MOVE_SEND_ONCE)
		return KERN_INVALID_VALUE;
	if (!MACH_PORT_VALID(a->name))
		return KERN_INVALID_ARGUMENT;

	kr = lock_target(task, a->task, MACHINA_TASK_CONTROL, &target, &space);
	if (kr)
		return kr;
	entry = ipc_entry_lookup(space, a->name);
	if (!entry) {
		kr = KERN_INVALID_NAME;
		goto out;
	}
	if (a->notify != MACH_PORT_NULL) {
		if (space != own) {
			kr = KERN_INVALID_ARGUMENT;	/* cross-task requests come later */
			goto out;
		}
		ipc_copyin_begin(&c, own);
		kr = ipc_copyin_right(&c, a->notify, a->notify_disposition, &r);
		if (kr || r.obj == IPC_DEAD) {
			ipc_copyin_abort(&c);
			ipc_copyin_end(&c);
			kr = KERN_INVALID_CAPABILITY;
			goto out;
		}
		ipc_msg_right_apply(&r);
		ipc_copyin_commit(&c);
		ipc_copyin_end(&c);
		notify = ipc_port_from_object(r.obj);
		/* The commit may have freed names: look again. */
		entry = ipc_entry_lookup(space, a->name);
		if (!entry) {
			ipc_port_release_send_once(notify);
			kr = KERN_INVALID_NAME;
			goto out;
		}
	}

	switch (a->msgid) {
	case MACH_NOTIFY_PORT_DESTROYED:
	case MACH_NOTIFY_NO_SENDERS: {
		struct ipc_port *fire = NULL;
		u32 mscount = 0;

		if (!(entry->type & MACH_PORT_TYPE_RECEIVE)) {
			kr = KERN_INVALID_RIGHT;
			break;
		}
		if (a->msgid == MACH_NOTIFY_PORT_DESTROYED && a->sync) {
			kr = KERN_INVALID_VALUE;
			break;
		}
		port = ipc_port_from_object(entry->object);
		/*
		 * XNU: no port-destroyed request on a special reply port, nor
		 * on a kernel-object port such as a timer's (whose receive
		 * right is immovable: the request would move it when it is
		 * destroyed).  port->timer is set before the right is named
		 * and cleared only when the port dies: stable under the space
		 * lock while the entry holds the receive right.
		 */
		if (a->msgid == MACH_NOTIFY_PORT_DESTROYED &&
		    (port->special_reply || READ_ONCE(port->timer))) {
			kr = KERN_INVALID_RIGHT;
			break;
		}
		spin_lock(&port->lock);
		if (a->msgid == MACH_NOTIFY_PORT_DESTROYED) {
			previous = port->pdrequest;
			port->pdrequest = notify;
		} else {
			previous = port->nsrequest;
			port->nsrequest = notify;
			port->ns_sync = a->sync;
			if (notify && !port->srights && port->mscount >= a->sync) {
				fire = notify;
				port->nsrequest = NULL;
				mscount = port->mscount;
			}
		}
		spin_unlock(&port->lock);
		notify = NULL;
		if (fire)
			ipc_notify_no_senders(fire, mscount);
		break;
	}
	case MACH_NOTIFY_DEAD_NAME:
	case MACH_NOTIFY_SEND_POSSIBLE:
		if (a->msgid == MACH_NOTIFY_SEND_POSSIBLE) {
			ipc_right_check(space, entry);
			if (!(entry->type & MACH_PORT_TYPE_SEND_RIGHTS)) {
				kr = (entry->type & MACH_PORT_TYPE_DEAD_NAME) ?
				     KERN_INVALID_ARGUMENT : KERN_INVALID_RIGHT;
				break;
			}
		}
		kr = request_on_name(space, entry, a->msgid, a->sync, notify,
				     &previous);
		notify = NULL;
		break;
	}
	if (notify)
		ipc_port_release_send_once(notify);
	if (previous) {
		struct ipc_msg_right pr = {
			.obj = &previous->obj,
			.disp = MACH_MSG_TYPE_MOVE_SEND_ONCE,
			.type = MACH_MSG_TYPE_PORT_SEND_ONCE,
		};

		if (kr == KERN_SUCCESS && space == own) {
			if (ipc_right_copyout(own, &pr, &a->previous))
				a->previous = MACH_PORT_NULL;
		} else {
			ipc_port_release_send_once(previous);
		}
	}
out:
	unlock_target(space, &target);
	return kr;
}

/* Conditions: port->lock held. */
static void port_status(struct ipc_port *port, u32 *st)
{
	lockdep_assert_held(&port->lock);
	st[0] = 0;
	st[1] = port->seqno;
	st[2] = port->mscount;
	st[3] = port->qlimit;
	st[4] = port->msgcount;
	st[5] = port->sorights;
	st[6] = port->srights > 0;
	st[7] = port->pdrequest != NULL;
	st[8] = port->nsrequest != NULL;
	st[9] = (port->guarded ? MACH_PORT_STATUS_FLAG_GUARDED : 0) |
		(port->strict_guard ? MACH_PORT_STATUS_FLAG_STRICT_GUARD : 0) |
		(port->immovable_receive ? MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE : 0) |
		((port->tempowner_flags & MPO_TEMPOWNER) ? MACH_PORT_STATUS_FLAG_TEMPOWNER : 0) |
		((port->tempowner_flags & MPO_IMPORTANCE_RECEIVER) ?
		 MACH_PORT_STATUS_FLAG_IMP_DONATION : 0);
}

long machina_call_port_get_attributes(struct machina_task *task, void *arg)
{
	struct machina_port_attr *a = arg;
	struct ipc_space *space;
	struct ipc_kobject_ref target;
	struct ipc_port *port;
	struct ipc_request *req;
	u32 need, n;
	int kr;

	if (a->flags || a->reserved || a->count > MACHINA_PORT_ATTR_WORDS)
		return -EINVAL;
	/* XNU converts the task to its space before it looks at the flavor. */
	kr = lock_target(task, a->task, MACHINA_TASK_READ, &target, &space);
	if (kr)
		return kr;
	switch (a->flavor) {
	case MACH_PORT_LIMITS_INFO:
		need = MACH_PORT_LIMITS_INFO_COUNT;
		break;
	case MACH_PORT_RECEIVE_STATUS:
		need = MACH_PORT_RECEIVE_STATUS_COUNT;
		break;
	case MACH_PORT_DNREQUESTS_SIZE:
		need = MACH_PORT_DNREQUESTS_SIZE_COUNT;
		break;
	case MACH_PORT_INFO_EXT:
		need = MACH_PORT_INFO_EXT_COUNT;
		break;
	default:
		kr = KERN_INVALID_ARGUMENT;
		goto out;
	}
	kr = KERN_FAILURE;
	if (a->count < need)
		goto out;
	kr = KERN_SUCCESS;
	memset(a->info, 0, sizeof(a->info));
	if (!MACH_PORT_VALID(a->name)) {
		/* Darwin answers limits and request-table size for no port. */
		if (a->flavor == MACH_PORT_LIMITS_INFO)
			a->count = 0;
		else if (a->flavor == MACH_PORT_DNREQUESTS_SIZE)
			a->count = need;
		else
			kr = KERN_INVALID_RIGHT;
		goto out;
	}
	port = receive_port(space, a->name, &kr);
	if (!port)
		goto out;
	spin_lock(&port->lock);
	switch (a->flavor) {
	case MACH_PORT_LIMITS_INFO:
		a->info[0] = port->qlimit;
		break;
	case MACH_PORT_RECEIVE_STATUS:
	case MACH_PORT_INFO_EXT:
		port_status(port, a->info);
		/* Darwin says whether the port is in a set, not in how many. */
		a->info[0] = !list_empty(&port->memberships);
		break;
	case MACH_PORT_DNREQUESTS_SIZE:
		n = 0;
		list_for_each_entry(req, &port->requests, port_link)
			n++;
		a->info[0] = n;
		break;
	}
	spin_unlock(&port->lock);
	a->count = need;
out:
	unlock_target(space, &target);
	return kr;
}

long machina_call_port_set_attributes(struct machina_task *task, void *arg)
{
	struct machina_port_attr *a = arg;
	struct ipc_space *space;
	struct ipc_kobject_ref target;
	struct ipc_port *port;
	bool wake = false;
	int kr;

	if (a->flags || a->reserved || a->count > MACHINA_PORT_ATTR_WORDS)
		return -EINVAL;
	/* XNU converts the task to its space before it looks at the flavor. */
	kr = lock_target(task, a->task, MACHINA_TASK_CONTROL, &target, &space);
	if (kr)
		return kr;
	switch (a->flavor) {
	case MACH_PORT_LIMITS_INFO:
		kr = KERN_FAILURE;
		if (a->count < MACH_PORT_LIMITS_INFO_COUNT)
			goto out;
		kr = KERN_INVALID_VALUE;
		if (a->info[0] > MACH_PORT_QLIMIT_MAX)
			goto out;
		kr = KERN_SUCCESS;
		break;
	case MACH_PORT_DNREQUESTS_SIZE:
	case MACH_PORT_TEMPOWNER:
	case MACH_PORT_IMPORTANCE_RECEIVER:
	case MACH_PORT_DENAP_RECEIVER:
		break;
	default:
		kr = KERN_INVALID_ARGUMENT;
		goto out;
	}
	port = receive_port(space, a->name, &kr);
	if (!port)
		goto out;
	/* XNU: a special reply port takes no importance donation. */
	if (port->special_reply && (a->flavor == MACH_PORT_TEMPOWNER ||
				    a->flavor == MACH_PORT_IMPORTANCE_RECEIVER ||
				    a->flavor == MACH_PORT_DENAP_RECEIVER)) {
		kr = KERN_INVALID_ARGUMENT;
		goto out;
	}
	spin_lock(&port->lock);
	switch (a->flavor) {
	case MACH_PORT_LIMITS_INFO:
		wake = a->info[0] > port->qlimit;
		port->qlimit = a->info[0];
		break;
	case MACH_PORT_TEMPOWNER:
		port->tempowner_flags |= MPO_TEMPOWNER;
		break;
	case MACH_PORT_IMPORTANCE_RECEIVER:
		port->tempowner_flags |= MPO_IMPORTANCE_RECEIVER;
		break;
	default:
		/* Request tables grow by themselves; denap is a hint. */
		break;
	}
	spin_unlock(&port->lock);
	if (wake)
		wake_up_all(&port->snd_wq);
out:
	unlock_target(space, &target);
	return kr;
}

long machina_call_port_names(struct machina_task *task, void *arg)
{
	struct machina_port_names *a = arg;
	u32 __user *unames = u64_to_user_ptr(a->names);
	u32 __user *utypes = u64_to_user_ptr(a->types);
	struct ipc_space *space;
	struct ipc_kobject_ref target;
	struct ipc_entry *entry;
	u32 idx, n = 0, slots, *names;
	int kr;

	if (a->flags || a->reserved || a->name || a->count)
		return -EINVAL;
	kr = lock_target(task, a->task, MACHINA_TASK_CONTROL, &target, &space);
	if (kr)
		return kr;
	/* Names in the first half, their types in the second. */
	names = collect_buf(a->capacity, space->used, 2 * sizeof(u32), &slots);
	if (!names) {
		unlock_target(space, &target);
		return KERN_RESOURCE_SHORTAGE;
	}
	ipc_space_for_each_entry(space, idx, entry) {
		ipc_right_check(space, entry);
		if (n < slots) {
			names[n] = entry->name;
			names[slots + n] = entry_type_bits(entry);
		}
		n++;
	}
	unlock_target(space, &target);
	a->count = n;
	n = min(n, slots);
	if (copy_to_user(unames, names, n * sizeof(u32)) ||
	    (a->types && copy_to_user(utypes, names + slots, n * sizeof(u32))))
		kr = -EFAULT;
	kvfree(names);
	return kr;
}

static int cmp_name(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

long machina_call_port_get_set_status(struct machina_task *task, void *arg)
{
	struct machina_port_names *a = arg;
	u32 __user *unames = u64_to_user_ptr(a->names);
	struct ipc_pset_member *m;
	struct ipc_space *space;
	struct ipc_kobject_ref target;
	struct ipc_pset *pset;
	u32 n = 0, *names = NULL;
	int kr;

	if (a->flags || a->reserved || a->types || a->count)
		return -EINVAL;
	if (!MACH_PORT_VALID(a->name))
		return KERN_INVALID_RIGHT;
	kr = lock_target(task, a->task, MACHINA_TASK_READ, &target, &space);
	if (kr)
		return kr;
	pset = pset_by_name(space, a->name, &kr);
	if (!pset)
		goto out;
	spin_lock(&pset->lock);
	n = pset->nmembers;
	spin_unlock(&pset->lock);
	names = kvmalloc_array(max(n, 1u), sizeof(*names),
			       GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!names) {
		kr = KERN_RESOURCE_SHORTAGE;
		goto out;
	}
	n = 0;
	spin_lock(&pset->lock);
	list_for_each_entry(m, &pset->members, pset_link) {
		if (n == pset->nmembers)
			break;
		spin_lock(&m->port->lock);
		names[n++] = m->port->receiver == space ? m->port->receiver_name : 0;
		spin_unlock(&m->port->lock);
	}
	spin_unlock(&pset->lock);
	unlock_target(space, &target);
	/* Darwin returns the members in name order. */
	sort(names, n, sizeof(*names), cmp_name, NULL);
	a->count = n;
	if (copy_to_user(unames, names, min(n, a->capacity) * sizeof(u32)))
		kr = -EFAULT;
	kvfree(names);
	return kr;
out:
	unlock_target(space, &target);
	return kr;
}

long machina_call_port_peek(struct machina_task *task, void *arg)
{
	struct machina_port_peek *a = arg;
	struct mach_msg_trailer_max t;
	struct ipc_space *space;
	struct ipc_kobject_ref target;
	struct ipc_kmsg *kmsg, *found = NULL;
	struct ipc_port *port;
	u32 seqno, want, tsize;
	int kr;

	if (a->flags || a->msg_size || a->msg_id)
		return -EINVAL;
	if (!MACH_PORT_VALID(a->name))
		return KERN_INVALID_RIGHT;
	/* Up to the audit token only: the context stays private. */
	if ((a->trailer_type & ~MACH_RCV_TRAILER_MASK) ||
	    GET_RCV_TYPE(a->trailer_type) != MACH_MSG_TRAILER_FORMAT_0 ||
	    GET_RCV_ELEMENTS(a->trailer_type) > MACH_RCV_TRAILER_AUDIT ||
	    mach_trailer_size(a->trailer_type) > a->trailer_size)
		return KERN_INVALID_VALUE;
	tsize = mach_trailer_size(a->trailer_type);
	kr = lock_target(task, a->task, MACHINA_TASK_CONTROL, &target, &space);
	if (kr)
		return kr;
	port = receive_port(space, a->name, &kr);
	if (!port)
		goto out;
	spin_lock(&port->lock);
	seqno = port->seqno;
	want = a->seqno ? a->seqno : seqno;
	list_for_each_entry(kmsg, &port->messages, link) {
		if (seqno == want) {
			found = kmsg;
			break;
		}
		seqno++;
	}
	if (found) {
		a->seqno = seqno;
		a->msg_size = found->size;
		a->msg_id = found->id;
		/* Up to the audit token only: the context stays private. */
		ipc_kmsg_fill_trailer(found, seqno, tsize, false, &t);
	}
	spin_unlock(&port->lock);
	if (!found) {
		kr = KERN_FAILURE;
		goto out;
	}
	unlock_target(space, &target);
	if (tsize && copy_to_user(u64_to_user_ptr(a->trailer), &t, tsize))
		return -EFAULT;
	a->trailer_size = tsize;
	return KERN_SUCCESS;
out:
	unlock_target(space, &target);
	return kr;
}

/*
 * machina_call_port_space_info - mach_port_space_info (a read port or
 * control: the summary and up to @capacity names), and with capacity 0
 * mach_port_space_basic_info (an inspect port is enough: the summary and
 * the count of names in use)
 * Returns: KERN_SUCCESS (count set; records written up to capacity);
 * lock_target()'s errors; KERN_INVALID_ARGUMENT (an inspect port asking
 * for names); -EINVAL, -EFAULT.
 */
long machina_call_port_space_info(struct machina_task *task, void *arg)
{
	struct machina_space_info *a = arg;
	u32 __user *table = u64_to_user_ptr(a->table);
	struct ipc_space *space;
	struct ipc_kobject_ref target;
	struct ipc_entry *entry;
	u32 idx, n = 0, slots, *recs;
	int kr;

	if (a->flags || a->count)
		return -EINVAL;
	kr = lock_target(task, a->task, MACHINA_TASK_INSPECT, &target, &space);
	if (kr)
		return kr;
	/*
	 * An inspect port gets mach_port_space_basic_info's answer only: the
	 * sizes and how many names are in use (capacity 0), never the names.
	 * XNU's mach_port_space_info takes a read port (KERN_INVALID_ARGUMENT
	 * for less).
	 */
	if (a->capacity &&
	    machina_task_ref_flavor(&target) == MACHINA_TASK_INSPECT) {
		unlock_target(space, &target);
		return KERN_INVALID_ARGUMENT;
	}
	recs = collect_buf(a->capacity, space->used, SPACE_INFO_REC, &slots);
	if (!recs) {
		unlock_target(space, &target);
		return KERN_RESOURCE_SHORTAGE;
	}
	a->info[0] = 0xff;			/* iis_genno_mask */
	a->info[1] = space->nchunks * IPC_ENTRY_CHUNK;	/* iis_table_size */
	a->info[2] = space->nchunks * IPC_ENTRY_CHUNK * 2;	/* iis_table_next */
	ipc_space_for_each_entry(space, idx, entry) {
		if (n < slots) {
			u32 *rec = recs + (size_t)n * 7;

			/* name, next, type, urefs, object id, 0, 0 */
			rec[0] = entry->name;
			rec[1] = 0;
			rec[2] = entry_type_bits(entry);
			rec[3] = entry->urefs;
			rec[4] = entry->object ? ipc_object_id(entry->object) : 0;
			rec[5] = 0;
			rec[6] = 0;
		}
		n++;
	}
	unlock_target(space, &target);
	a->count = n;
	if (copy_to_user(table, recs, (size_t)min(n, slots) * SPACE_INFO_REC))
		kr = -EFAULT;
	kvfree(recs);
	return kr;
}
