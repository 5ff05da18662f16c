// SPDX-License-Identifier: GPL-2.0
/*
 * Right transitions in a space (ipc_right.h).  Every function needs
 * space->lock held; port locks are taken briefly inside, one at a time.
 */
#include <linux/slab.h>

#include "mach/ipc_kmsg.h"
#include "mach/ipc_mqueue.h"
#include "mach/ipc_notify.h"
#include "mach/ipc_port.h"
#include "mach/ipc_pset.h"
#include "mach/ipc_right.h"
#include "mach/kern_return.h"

static struct ipc_port *entry_port(struct ipc_entry *entry)
{
	return ipc_port_from_object(entry->object);
}

static bool in_revmap(u32 type)
{
	return type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE);
}

/*
 * ipc_right_new - a new name holding @type for @obj
 * Takes over the caller's reference on @obj.  Returns a Darwin code.
 */
int ipc_right_new(struct ipc_space *space, struct ipc_object *obj, u32 type,
		  mach_port_name_t *namep, struct ipc_entry **entryp)
{
	struct ipc_entry *entry;
	int kr;

	lockdep_assert_held(&space->lock);
	kr = ipc_entry_alloc(space, &entry);
	if (kr)
		return kr;
	entry->object = obj;
	entry->type = type;
	entry->urefs = (type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE |
				MACH_PORT_TYPE_DEAD_NAME)) ? 1 : 0;
	if (in_revmap(type) && ipc_revmap_insert(space, entry)) {
		entry->object = NULL;
		ipc_entry_free(space, entry);
		return KERN_RESOURCE_SHORTAGE;
	}
	*namep = entry->name;
	if (entryp)
		*entryp = entry;
	return KERN_SUCCESS;
}

/*
 * ipc_right_cancel_request - drop the name's dead-name/send-possible request
 * If it had not fired and @notify, its send-once right delivers a
 * port-deleted notification; otherwise that right is simply released.
 */
void ipc_right_cancel_request(struct ipc_space *space, struct ipc_entry *entry,
			      bool notify)
{
	struct ipc_request *req = entry->request;
	struct ipc_port *so = NULL;
	bool linked = false;

	lockdep_assert_held(&space->lock);
	if (!req)
		return;
	entry->request = NULL;
	if (IPC_OBJECT_REAL(entry->object) && ipc_object_is_port(entry->object)) {
		struct ipc_port *port = entry_port(entry);

		spin_lock(&port->lock);
		if (!list_empty(&req->port_link)) {
			list_del_init(&req->port_link);
			linked = true;
		}
		if (!req->fired) {
			so = req->notify;
			req->notify = NULL;
		}
		spin_unlock(&port->lock);
	}
	if (linked)
		ipc_request_put(req);
	ipc_request_put(req);
	if (so) {
		if (notify)
			ipc_notify_port_deleted(so, entry->name);
		else
			ipc_port_release_send_once(so);
	}
}

/* Free the name if it holds nothing any more.  Drops its object reference. */
void ipc_entry_drop_if_empty(struct ipc_space *space, struct ipc_entry *entry)
{
	lockdep_assert_held(&space->lock);
	if (entry->type & MACH_PORT_TYPE_ALL_RIGHTS)
		return;
	ipc_right_cancel_request(space, entry, true);
	if (entry->object)
		ipc_object_put(entry->object);
	entry->object = NULL;
	ipc_entry_free(space, entry);
}

/*
 * ipc_right_check - turn a send or send-once name of a dead port into a dead
 * name, as Darwin does lazily.
 * Conditions: space->lock held.  Entries logged by a copyin in progress are
 * left alone (see below).
 * Returns: true if the entry is (now) a dead name.
 */
bool ipc_right_check(struct ipc_space *space, struct ipc_entry *entry)
{
	struct ipc_port *port;
	bool active;
	u32 urefs;

	lockdep_assert_held(&space->lock);
	if (entry->type & MACH_PORT_TYPE_DEAD_NAME)
		return true;
	if (!(entry->type & MACH_PORT_TYPE_SEND_RIGHTS) ||
	    (entry->type & MACH_PORT_TYPE_RECEIVE))
		return false;
	/*
	 * An entry in a copyin's undo log is pinned: the conversion would
	 * drop its port, its reverse-map link and its request, which an
	 * abort (restoring type and urefs) could not give back.  Until the
	 * copyin ends the name still holds its (now dead) port; the next
	 * look after that converts it.
	 */
	if (entry->undo)
		return false;
	port = entry_port(entry);
	spin_lock(&port->lock);
	active = port->active;
	spin_unlock(&port->lock);
	if (active)
		return false;

	urefs = (entry->type & MACH_PORT_TYPE_SEND_ONCE) ? 1 : entry->urefs;
	if (entry->request) {
		/* The dead-name notification carries a reference to this name. */
		if (entry->request->fired && entry->request->kind == MACH_NOTIFY_DEAD_NAME)
			urefs++;
		ipc_right_cancel_request(space, entry, false);
	}
	if (entry->type & MACH_PORT_TYPE_SEND)
		ipc_revmap_remove(space, entry);
	entry->type = MACH_PORT_TYPE_DEAD_NAME;
	entry->urefs = min_t(u32, urefs, MACH_PORT_UREFS_MAX);
	entry->object = NULL;
	ipc_port_put(port);
	return true;
}

/* The name loses its send right(s): the port counts one send right less. */
static void drop_send(struct ipc_space *space, struct ipc_entry *entry)
{
	struct ipc_port *port = entry_port(entry);

	entry->type &= ~MACH_PORT_TYPE_SEND;
	entry->urefs = 0;
	if (!(entry->type & MACH_PORT_TYPE_RECEIVE)) {
		ipc_revmap_remove(space, entry);
		ipc_right_cancel_request(space, entry, true);
	}
	ipc_port_release_send(port);
	ipc_entry_drop_if_empty(space, entry);
}

static void drop_send_once(struct ipc_space *space, struct ipc_entry *entry)
{
	struct ipc_port *port = entry_port(entry);

	ipc_right_cancel_request(space, entry, true);
	entry->type &= ~MACH_PORT_TYPE_SEND_ONCE;
	entry->urefs = 0;
	entry->object = NULL;
	/* The send-once notification consumes the entry's reference. */
	ipc_port_release_send_once(port);
	ipc_entry_drop_if_empty(space, entry);
}

static void drop_receive(struct ipc_space *space, struct ipc_entry *entry)
{
	struct ipc_port *port = entry_port(entry);

	entry->type &= ~MACH_PORT_TYPE_RECEIVE;
	if (!(entry->type & MACH_PORT_TYPE_SEND))
		ipc_revmap_remove(space, entry);
	ipc_port_get(port);
	ipc_pset_remove_all(port);
	ipc_port_release_receive(port);
	ipc_port_put(port);
	/* A name that also held send rights is now a dead name. */
	if (entry->type & MACH_PORT_TYPE_SEND)
		ipc_right_check(space, entry);
	ipc_entry_drop_if_empty(space, entry);
}

static void drop_pset(struct ipc_space *space, struct ipc_entry *entry)
{
	entry->type &= ~MACH_PORT_TYPE_PORT_SET;
	ipc_pset_destroy(ipc_pset_from_object(entry->object));
	ipc_entry_drop_if_empty(space, entry);
}

/*
 * ipc_right_dealloc - mach_port_deallocate: one user reference of a send
 * right, a send-once right or a dead name goes.
 * Returns: KERN_SUCCESS or KERN_INVALID_RIGHT.
 */
int ipc_right_dealloc(struct ipc_space *space, struct ipc_entry *entry)
{
	lockdep_assert_held(&space->lock);
	ipc_right_check(space, entry);
	if (entry->type & MACH_PORT_TYPE_DEAD_NAME) {
		if (entry->urefs != MACH_PORT_UREFS_MAX)
			entry->urefs--;
		if (!entry->urefs) {
			entry->type = 0;
			ipc_entry_drop_if_empty(space, entry);
		}
		return KERN_SUCCESS;
	}
	if (entry->type & MACH_PORT_TYPE_SEND_ONCE) {
		drop_send_once(space, entry);
		return KERN_SUCCESS;
	}
	if (entry->type & MACH_PORT_TYPE_SEND) {
		if (entry->urefs == MACH_PORT_UREFS_MAX)
			return KERN_SUCCESS;	/* pegged */
		if (--entry->urefs == 0)
			drop_send(space, entry);
		return KERN_SUCCESS;
	}
	return KERN_INVALID_RIGHT;
}

/*
 * new_urefs - apply a user-reference delta with Darwin's pegging rule: a
 * count at the maximum stays there, except that a delta of minus the
 * maximum releases it; a sum above the maximum pegs.
 * Returns: the new count, or -1 for a delta that would go below zero.
 */
static int new_urefs(u32 urefs, s32 delta)
{
	s64 sum;

	if (urefs == MACH_PORT_UREFS_MAX)
		return delta == -(s32)MACH_PORT_UREFS_MAX ? 0 :
		       (delta < 0 && -(s64)delta > urefs ? -1 : (int)urefs);
	sum = (s64)urefs + delta;
	if (sum < 0)
		return -1;
	return sum > MACH_PORT_UREFS_MAX ? MACH_PORT_UREFS_MAX : (int)sum;
}

/*
 * ipc_right_delta - mach_port_mod_refs
 * Returns: KERN_SUCCESS, KERN_INVALID_RIGHT (the name lacks that right),
 * KERN_INVALID_VALUE (bad delta or right).
 */
int ipc_right_delta(struct ipc_space *space, struct ipc_entry *entry,
		    u32 right, s32 delta)
{
	int n;

	lockdep_assert_held(&space->lock);
	switch (right) {
	case MACH_PORT_RIGHT_RECEIVE:
		if (!(entry->type & MACH_PORT_TYPE_RECEIVE))
			return KERN_INVALID_RIGHT;
		if (delta == 0)
			return KERN_SUCCESS;
		if (delta != -1)
			return KERN_INVALID_VALUE;
		if (entry_port(entry)->guarded)
			return KERN_INVALID_RIGHT;
		drop_receive(space, entry);
		return KERN_SUCCESS;

	case MACH_PORT_RIGHT_PORT_SET:
		if (!(entry->type & MACH_PORT_TYPE_PORT_SET))
			return KERN_INVALID_RIGHT;
		if (delta == 0)
			return KERN_SUCCESS;
		if (delta != -1)
			return KERN_INVALID_VALUE;
		drop_pset(space, entry);
		return KERN_SUCCESS;

	case MACH_PORT_RIGHT_SEND_ONCE:
		ipc_right_check(space, entry);
		if (!(entry->type & MACH_PORT_TYPE_SEND_ONCE))
			return KERN_INVALID_RIGHT;
		if (delta == 0)
			return KERN_SUCCESS;
		if (delta != -1)
			return KERN_INVALID_VALUE;
		drop_send_once(space, entry);
		return KERN_SUCCESS;

	case MACH_PORT_RIGHT_DEAD_NAME:
		ipc_right_check(space, entry);
		if (!(entry->type & MACH_PORT_TYPE_DEAD_NAME))
			return KERN_INVALID_RIGHT;
		n = new_urefs(entry->urefs, delta);
		if (n < 0)
			return KERN_INVALID_VALUE;
		entry->urefs = n;
		if (!n) {
			entry->type = 0;
			ipc_entry_drop_if_empty(space, entry);
		}
		return KERN_SUCCESS;

	case MACH_PORT_RIGHT_SEND:
		ipc_right_check(space, entry);
		if (!(entry->type & MACH_PORT_TYPE_SEND))
			return KERN_INVALID_RIGHT;
		n = new_urefs(entry->urefs, delta);
		if (n < 0)
			return KERN_INVALID_VALUE;
		entry->urefs = n;
		if (!n)
			drop_send(space, entry);
		return KERN_SUCCESS;

	default:
		return KERN_INVALID_VALUE;
	}
}

/*
 * ipc_right_destroy - mach_port_destroy: every right under the name goes.
 * Returns: KERN_SUCCESS, or KERN_INVALID_RIGHT for a guarded receive right.
 */
int ipc_right_destroy(struct ipc_space *space, struct ipc_entry *entry)
{
	lockdep_assert_held(&space->lock);
	ipc_right_check(space, entry);
	if ((entry->type & MACH_PORT_TYPE_RECEIVE) && entry_port(entry)->guarded)
		return KERN_INVALID_RIGHT;
	if (entry->type & MACH_PORT_TYPE_DEAD_NAME) {
		entry->type = 0;
		ipc_entry_drop_if_empty(space, entry);
	} else if (entry->type & MACH_PORT_TYPE_PORT_SET) {
		drop_pset(space, entry);
	} else if (entry->type & MACH_PORT_TYPE_SEND_ONCE) {
		drop_send_once(space, entry);
	} else if (!(entry->type & MACH_PORT_TYPE_RECEIVE)) {
		drop_send(space, entry);
	} else {
		if (entry->type & MACH_PORT_TYPE_SEND) {
			entry->type &= ~MACH_PORT_TYPE_SEND;
			entry->urefs = 0;
			ipc_port_release_send(entry_port(entry));
		}
		drop_receive(space, entry);
	}
	return KERN_SUCCESS;
}

/*
 * ipc_right_terminate - the space is going away: release what the entry
 * holds.  Requests are cancelled with port-deleted notifications.
 */
void ipc_right_terminate(struct ipc_space *space, struct ipc_entry *entry)
{
	struct ipc_object *obj = entry->object;
	u32 type = entry->type;

	lockdep_assert_held(&space->lock);
	if (obj && (type & MACH_PORT_TYPE_PORT_SET)) {
		ipc_pset_destroy(ipc_pset_from_object(obj));
	} else if (obj) {
		struct ipc_port *port = ipc_port_from_object(obj);

		ipc_right_cancel_request(space, entry, true);
		if (type & MACH_PORT_TYPE_RECEIVE) {
			ipc_pset_remove_all(port);
			ipc_port_release_receive(port);
		}
		if (type & MACH_PORT_TYPE_SEND)
			ipc_port_release_send(port);
		if (type & MACH_PORT_TYPE_SEND_ONCE) {
			ipc_port_get(port);
			ipc_port_release_send_once(port);
		}
	} else {
		ipc_right_cancel_request(space, entry, false);
	}
	entry->type = 0;
	entry->urefs = 0;
	entry->object = NULL;
	if (obj)
		ipc_object_put(obj);
}

/* --- copyin: rights leaving the space into a message --- */

void ipc_copyin_begin(struct ipc_copyin *c, struct ipc_space *space)
{
	c->space = space;
	c->count = 0;
	c->cap = ARRAY_SIZE(c->inline_items);
	c->items = c->inline_items;
}

void ipc_copyin_end(struct ipc_copyin *c)
{
	if (c->items != c->inline_items)
		kvfree(c->items);
	c->items = c->inline_items;
}

/* Log the entry's state before its first change in this copyin. */
static int save_entry(struct ipc_copyin *c, struct ipc_entry *entry)
{
	if (entry->undo)
		return 0;
	if (c->count == c->cap) {
		u32 cap = c->cap * 4;
		struct ipc_undo_item *items;

		items = kvmalloc_array(cap, sizeof(*items),
				       GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!items)
			return -ENOMEM;
		memcpy(items, c->items, c->count * sizeof(*items));
		if (c->items != c->inline_items)
			kvfree(c->items);
		c->items = items;
		c->cap = cap;
	}
	c->items[c->count].entry = entry;
	c->items[c->count].type = entry->type;
	c->items[c->count].urefs = entry->urefs;
	c->count++;
	entry->undo = 1;
	return 0;
}

static void take_ref(struct ipc_entry *entry, struct ipc_msg_right *out, u8 type)
{
	ipc_object_get(entry->object);
	out->obj = entry->object;
	out->type = type;
}

/* A dead name given with a send disposition travels as MACH_PORT_DEAD. */
static int copyin_dead(struct ipc_copyin *c, struct ipc_entry *entry,
		       struct ipc_msg_right *out, bool consume)
{
	out->obj = IPC_DEAD;
	if (!consume)
		return KERN_SUCCESS;
	if (save_entry(c, entry))
		return KERN_RESOURCE_SHORTAGE;
	if (entry->urefs != MACH_PORT_UREFS_MAX && --entry->urefs == 0)
		entry->type = 0;
	return KERN_SUCCESS;
}

u8 ipc_right_received_type(u8 disp)
{
	switch (disp) {
	case MACH_MSG_TYPE_MOVE_RECEIVE:
		return MACH_MSG_TYPE_PORT_RECEIVE;
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		return MACH_MSG_TYPE_PORT_SEND_ONCE;
	case MACH_MSG_TYPE_MOVE_SEND:
	case MACH_MSG_TYPE_COPY_SEND:
	case MACH_MSG_TYPE_MAKE_SEND:
		return MACH_MSG_TYPE_PORT_SEND;
	default:
		return 0;
	}
}

/*
 * ipc_copyin_right - take one right named @name with disposition @disp out
 * of the space into @out
 * Conditions: space->lock held, between ipc_copyin_begin() and commit/abort.
 * Returns: KERN_SUCCESS; KERN_INVALID_VALUE for a disposition that is not a
 * send-side one; KERN_INVALID_NAME; KERN_INVALID_RIGHT when the name lacks
 * the right (or moves a guarded receive right); KERN_INVALID_CAPABILITY for
 * the receive right of an immovable or special reply port (XNU's
 * ipc_right_copyin); KERN_RESOURCE_SHORTAGE.  MACH_PORT_NULL gives a null right;
 * MACH_PORT_DEAD, or a dead name with a send disposition, gives IPC_DEAD.
 * The port-side counts change later, in ipc_msg_right_apply().
 */
int ipc_copyin_right(struct ipc_copyin *c, mach_port_name_t name, u8 disp,
		     struct ipc_msg_right *out)
{
	struct ipc_space *space = c->space;
	struct ipc_entry *entry;
	u8 type = ipc_right_received_type(disp);

	lockdep_assert_held(&space->lock);
	out->obj = NULL;
	out->disp = disp;
	out->type = type;
	if (!type)
		return KERN_INVALID_VALUE;
	if (name == MACH_PORT_NULL)
		return KERN_SUCCESS;
	if (name == MACH_PORT_DEAD) {
		if (disp == MACH_MSG_TYPE_MOVE_RECEIVE)
			return KERN_INVALID_RIGHT;
		out->obj = IPC_DEAD;
		return KERN_SUCCESS;
	}
	entry = ipc_entry_lookup(space, name);
	if (!entry)
		return KERN_INVALID_NAME;
	if (disp != MACH_MSG_TYPE_MOVE_RECEIVE &&
	    disp != MACH_MSG_TYPE_MAKE_SEND &&
	    disp != MACH_MSG_TYPE_MAKE_SEND_ONCE)
		ipc_right_check(space, entry);

	switch (disp) {
	case MACH_MSG_TYPE_MOVE_RECEIVE: {
		struct ipc_port *port;

		if (!(entry->type & MACH_PORT_TYPE_RECEIVE))
			return KERN_INVALID_RIGHT;
		port = entry_port(entry);
		if (port->guarded)
			return KERN_INVALID_RIGHT;
		/* XNU: a valid receive right that may not move. */
		if (port->immovable_receive || port->special_reply)
			return KERN_INVALID_CAPABILITY;
		if (save_entry(c, entry))
			return KERN_RESOURCE_SHORTAGE;
		entry->type &= ~MACH_PORT_TYPE_RECEIVE;
		take_ref(entry, out, type);
		return KERN_SUCCESS;
	}
	case MACH_MSG_TYPE_COPY_SEND:
		if (entry->type & MACH_PORT_TYPE_DEAD_NAME)
			return copyin_dead(c, entry, out, false);
		if (!(entry->type & MACH_PORT_TYPE_SEND))
			return KERN_INVALID_RIGHT;
		take_ref(entry, out, type);
		return KERN_SUCCESS;
	case MACH_MSG_TYPE_MOVE_SEND:
		if (entry->type & MACH_PORT_TYPE_DEAD_NAME)
			return copyin_dead(c, entry, out, true);
		if (!(entry->type & MACH_PORT_TYPE_SEND))
			return KERN_INVALID_RIGHT;
		if (save_entry(c, entry))
			return KERN_RESOURCE_SHORTAGE;
		take_ref(entry, out, type);
		/*
		 * The port counts one send right per name, whatever its urefs:
		 * only the last uref moves the name's right itself; earlier ones
		 * (and a pegged right, which stays) give the message a new one.
		 */
		if (entry->urefs == MACH_PORT_UREFS_MAX) {
			out->disp = MACH_MSG_TYPE_COPY_SEND;
		} else if (--entry->urefs == 0) {
			entry->type &= ~MACH_PORT_TYPE_SEND;
		} else {
			out->disp = MACH_MSG_TYPE_COPY_SEND;
		}
		return KERN_SUCCESS;
	case MACH_MSG_TYPE_MAKE_SEND:
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		if (!(entry->type & MACH_PORT_TYPE_RECEIVE))
			return KERN_INVALID_RIGHT;
		take_ref(entry, out, type);
		return KERN_SUCCESS;
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
		if (entry->type & MACH_PORT_TYPE_DEAD_NAME)
			return copyin_dead(c, entry, out, true);
		if (!(entry->type & MACH_PORT_TYPE_SEND_ONCE))
			return KERN_INVALID_RIGHT;
		if (save_entry(c, entry))
			return KERN_RESOURCE_SHORTAGE;
		take_ref(entry, out, type);
		entry->type &= ~MACH_PORT_TYPE_SEND_ONCE;
		entry->urefs = 0;
		return KERN_SUCCESS;
	}
	return KERN_INVALID_VALUE;
}

/* Restore every entry the copyin touched. */
void ipc_copyin_abort(struct ipc_copyin *c)
{
	u32 i;

	lockdep_assert_held(&c->space->lock);
	for (i = c->count; i-- > 0;) {
		struct ipc_undo_item *it = &c->items[i];

		it->entry->type = it->type;
		it->entry->urefs = it->urefs;
		it->entry->undo = 0;
	}
	c->count = 0;
}

/* Make the copyin final: names left without rights are freed. */
void ipc_copyin_commit(struct ipc_copyin *c)
{
	struct ipc_space *space = c->space;
	u32 i;

	lockdep_assert_held(&space->lock);
	for (i = 0; i < c->count; i++) {
		struct ipc_undo_item *it = &c->items[i];
		struct ipc_entry *entry = it->entry;

		entry->undo = 0;
		if (in_revmap(it->type) && !in_revmap(entry->type))
			ipc_revmap_remove(space, entry);
		ipc_entry_drop_if_empty(space, entry);
	}
	c->count = 0;
}

/*
 * ipc_msg_right_apply - count a copied-in right on its port
 * Conditions: process context; takes port->lock.
 */
void ipc_msg_right_apply(struct ipc_msg_right *r)
{
	struct ipc_port *port;

	if (!IPC_OBJECT_REAL(r->obj))
		return;
	port = ipc_port_from_object(r->obj);
	switch (r->disp) {
	case MACH_MSG_TYPE_COPY_SEND:
		ipc_port_copy_send(port);
		break;
	case MACH_MSG_TYPE_MAKE_SEND:
		ipc_port_make_send(port);
		break;
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		ipc_port_make_send_once(port);
		break;
	case MACH_MSG_TYPE_MOVE_RECEIVE:
		spin_lock(&port->lock);
		port->receiver = NULL;
		port->receiver_name = 0;
		spin_unlock(&port->lock);
		ipc_mqueue_changed(port);
		ipc_pset_remove_all(port);
		break;
	}
}

/*
 * ipc_msg_right_revert - undo ipc_msg_right_apply() without side effects
 * (no notification: the counts return to what they were) and drop the
 * message's reference.  @space/@name say where a receive right returns.
 */
void ipc_msg_right_revert(struct ipc_msg_right *r, struct ipc_space *space,
			  mach_port_name_t name)
{
	struct ipc_port *port;

	if (!IPC_OBJECT_REAL(r->obj)) {
		r->obj = NULL;
		return;
	}
	port = ipc_port_from_object(r->obj);
	spin_lock(&port->lock);
	switch (r->disp) {
	case MACH_MSG_TYPE_COPY_SEND:
		port->srights--;
		break;
	case MACH_MSG_TYPE_MAKE_SEND:
		port->srights--;
		port->mscount--;
		break;
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		port->sorights--;
		break;
	case MACH_MSG_TYPE_MOVE_RECEIVE:
		port->receiver = space;
		port->receiver_name = name;
		break;
	}
	spin_unlock(&port->lock);
	r->obj = NULL;
	ipc_port_put(port);
}

/* --- copyout: rights entering the space from a message --- */

/*
 * ipc_right_copyout - give the receiver the right @r carries
 * Consumes the right.  Send rights coalesce with a name the space already
 * has for the port; a send or send-once right to a dead port arrives as
 * MACH_PORT_DEAD.
 * Returns: KERN_SUCCESS, or KERN_NO_SPACE / KERN_RESOURCE_SHORTAGE (the right
 * is destroyed and *namep is MACH_PORT_DEAD).
 */
int ipc_right_copyout(struct ipc_space *space, struct ipc_msg_right *r,
		      mach_port_name_t *namep)
{
	struct ipc_entry *entry;
	struct ipc_port *port;
	bool active;
	int kr;

	lockdep_assert_held(&space->lock);
	if (!r->obj) {
		*namep = MACH_PORT_NULL;
		return KERN_SUCCESS;
	}
	if (r->obj == IPC_DEAD) {
		r->obj = NULL;
		*namep = MACH_PORT_DEAD;
		return KERN_SUCCESS;
	}
	port = ipc_port_from_object(r->obj);
	spin_lock(&port->lock);
	active = port->active;
	spin_unlock(&port->lock);

	switch (r->type) {
	case MACH_MSG_TYPE_PORT_SEND:
		if (!active)
			goto dead;
		entry = ipc_entry_by_port(space, port);
		if (entry && (entry->type & MACH_PORT_TYPE_SEND)) {
			if (entry->urefs < MACH_PORT_UREFS_MAX)
				entry->urefs++;
			/* Two send rights merge into the name's one. */
			ipc_port_release_send(port);
			ipc_port_put(port);
		} else if (entry) {
			entry->type |= MACH_PORT_TYPE_SEND;
			entry->urefs = 1;
			ipc_port_put(port);
		} else {
			kr = ipc_right_new(space, &port->obj, MACH_PORT_TYPE_SEND,
					   namep, &entry);
			if (kr)
				goto fail;
		}
		break;
	case MACH_MSG_TYPE_PORT_SEND_ONCE:
		if (!active)
			goto dead;
		kr = ipc_right_new(space, &port->obj, MACH_PORT_TYPE_SEND_ONCE,
				   namep, &entry);
		if (kr)
			goto fail;
		break;
	case MACH_MSG_TYPE_PORT_RECEIVE:
		ipc_port_set_destination(port, NULL);
		entry = ipc_entry_by_port(space, port);
		if (entry) {
			entry->type |= MACH_PORT_TYPE_RECEIVE;
			ipc_port_put(port);
		} else {
			kr = ipc_right_new(space, &port->obj,
					   MACH_PORT_TYPE_RECEIVE, namep, &entry);
			if (kr)
				goto fail;
		}
		/* Where it arrives, it starts afresh (XNU's clear_receiver). */
		ipc_port_receive_arrived(port, space, entry->name);
		break;
	default:
		kr = KERN_INVALID_VALUE;
		goto fail;
	}
	r->obj = NULL;
	*namep = entry->name;
	return KERN_SUCCESS;

dead:
	ipc_msg_right_destroy(r);
	*namep = MACH_PORT_DEAD;
	return KERN_SUCCESS;
fail:
	ipc_msg_right_destroy(r);
	*namep = MACH_PORT_DEAD;
	return kr;
}
