// SPDX-License-Identifier: GPL-2.0
/*
 * Ports: allocation, right counting, death.  States and locking are in
 * ipc_port.h.
 */
#include <linux/atomic.h>
#include <linux/llist.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "mach/ipc_kmsg.h"
#include "mach/ipc_mqueue.h"
#include "mach/ipc_kobject.h"
#include "mach/ipc_notify.h"
#include "mach/ipc_port.h"
#include "mach/ipc_pset.h"
#include "mach/ipc_qos_override.h"
#include "mach/mk_timer.h"

static atomic_long_t live_ports = ATOMIC_LONG_INIT(0);

/*
 * Receive rights in transit form chains through port->destination.  A chain
 * grows only when a receive right starts travelling (a send carrying one, a
 * port-destroyed notification); the loop check before that and the new
 * link are made under this one lock, so two senders cannot each pass the
 * check and then close a loop between them (XNU serialises the same check
 * with a global lock).  Chains shrink without it (a right arrives, a
 * message is destroyed): that can only make a concurrent check refuse a
 * send it could have let through, never the reverse.  Only messages that
 * carry receive rights take it.
 * Lock order: space->lock -> transit_lock -> pset->lock -> port->lock.
 */
static DEFINE_MUTEX(transit_lock);

void ipc_port_transit_lock(void)
{
	mutex_lock(&transit_lock);
}

void ipc_port_transit_unlock(void)
{
	mutex_unlock(&transit_lock);
}

long ipc_port_live_count(void)
{
	return atomic_long_read(&live_ports);
}

struct ipc_port *ipc_port_alloc(void)
{
	struct ipc_port *port;

	port = kzalloc(sizeof(*port), GFP_KERNEL_ACCOUNT);
	if (!port)
		return NULL;
	kref_init(&port->obj.ref);
	port->obj.kind = IPC_OBJECT_PORT;
	spin_lock_init(&port->lock);
	port->active = true;
	port->qlimit = MACH_PORT_QLIMIT_BASIC;
	INIT_LIST_HEAD(&port->requests);
	INIT_LIST_HEAD(&port->messages);
	INIT_LIST_HEAD(&port->memberships);
	init_waitqueue_head(&port->rcv_wq);
	init_waitqueue_head(&port->snd_wq);
	atomic_long_inc(&live_ports);
	return port;
}

/* Last reference gone: the port is dead and nothing can reach it. */
void ipc_port_free(struct ipc_port *port)
{
	WARN_ON_ONCE(port->active && !port->kobject_type);
	ipc_port_put(port->destination);
	atomic_long_dec(&live_ports);
	kfree(port);
}

void ipc_port_make_send(struct ipc_port *port)
{
	spin_lock(&port->lock);
	port->srights++;
	port->mscount++;
	spin_unlock(&port->lock);
}

void ipc_port_copy_send(struct ipc_port *port)
{
	spin_lock(&port->lock);
	port->srights++;
	spin_unlock(&port->lock);
}

/*
 * ipc_port_copy_send_live - one more send right to @port, copied from
 * those that exist, for a caller that holds none of its own (the kernel
 * handing out a kernel-object port a space names, as a MIG reply copies
 * the send right its request carried)
 * Returns: false, and no right, when the port died or has no send right
 * left (its last went, and with it, for a kernel-object port that lives
 * while named, its object).
 */
bool ipc_port_copy_send_live(struct ipc_port *port)
{
	bool live;

	spin_lock(&port->lock);
	live = port->active && port->srights;
	if (live)
		port->srights++;
	spin_unlock(&port->lock);
	return live;
}

void ipc_port_make_send_once(struct ipc_port *port)
{
	spin_lock(&port->lock);
	port->sorights++;
	spin_unlock(&port->lock);
}

/*
 * ipc_port_release_send - one send right to @port is gone
 * Fires the no-senders notification when it was the last one and the
 * request's make-send count is reached; the last one to a kernel-object
 * port whose object lives only while named takes the object off the port
 * and destroys both (ipc_kobject_no_senders(): a memory entry gives back
 * its pin and its object's file, taking cow_lock and i_mmap_rwsem).  The
 * caller keeps its reference.  Conditions: process context, no spinlock
 * held.
 */
void ipc_port_release_send(struct ipc_port *port)
{
	struct ipc_port *notify = NULL;
	enum ipc_kobject_type type = IKOT_NONE;
	void *kobject = NULL;
	u32 mscount = 0;

	might_sleep();
	spin_lock(&port->lock);
	if (!WARN_ON_ONCE(!port->srights))
		port->srights--;
	if (!port->srights && port->nsrequest && port->active &&
	    port->mscount >= port->ns_sync) {
		notify = port->nsrequest;
		port->nsrequest = NULL;
		mscount = port->mscount;
	}
	if (!port->srights && port->active && port->kobject &&
	    ipc_kobject_dies_unnamed(port->kobject_type)) {
		type = port->kobject_type;
		kobject = port->kobject;
		port->kobject = NULL;
	}
	spin_unlock(&port->lock);
	if (notify)
		ipc_notify_no_senders(notify, mscount);
	if (kobject)
		ipc_kobject_no_senders(port, type, kobject);
}

/*
 * ipc_port_release_send_once - a send-once right is destroyed unused: the
 * port gets a send-once notification through that very right.  Consumes the
 * caller's reference.
 */
void ipc_port_release_send_once(struct ipc_port *port)
{
	ipc_notify_send_once(port);
}

static void port_destroy_into(struct ipc_port *port, struct list_head *dying);

/* A receive right waiting to be destroyed by the outermost destroyer. */
struct dying_receive {
	struct list_head link;
	struct ipc_port *port;		/* a reference */
};

/*
 * ipc_port_defer_receive - put a receive right (and the caller's reference)
 * on @dying; ipc_port_drain_dying() destroys it.
 */
void ipc_port_defer_receive(struct ipc_port *port, struct list_head *dying)
{
	struct dying_receive *d = kmalloc(sizeof(*d), GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);

	d->port = port;
	list_add_tail(&d->link, dying);
}

/*
 * release_receive_into - the receive right is destroyed
 * With a port-destroyed request the right travels to the request's port
 * instead and the port lives on, without its context, guard or
 * immovability; otherwise the port dies, and receive rights in its queue
 * go on @dying.  The caller keeps its reference.
 */
static void release_receive_into(struct ipc_port *port, struct list_head *dying)
{
	struct ipc_port *notify;

	spin_lock(&port->lock);
	port->receiver = NULL;
	port->receiver_name = 0;
	notify = port->pdrequest;
	port->pdrequest = NULL;
	spin_unlock(&port->lock);

	/*
	 * Sending the right where it would loop back: the port dies instead.
	 * The check and the link to the notification's port are atomic with
	 * respect to other receive rights starting to travel.
	 */
	if (notify) {
		ipc_port_transit_lock();
		if (ipc_port_would_loop(port, notify)) {
			ipc_port_transit_unlock();
			ipc_port_release_send_once(notify);
			notify = NULL;
		} else {
			ipc_port_set_destination(port, notify);
			ipc_port_transit_unlock();
		}
	}
	if (notify) {
		/*
		 * The right leaves as XNU's ipc_port_clear_receiver() lets it
		 * go to a port-destroyed request: no context, no guard, and
		 * movable again, so whoever gets it may pass it on.
		 */
		spin_lock(&port->lock);
		port->context = 0;
		port->guarded = false;
		port->strict_guard = false;
		port->immovable_receive = false;
		spin_unlock(&port->lock);
		ipc_mqueue_changed(port);
		ipc_pset_remove_all(port);
		ipc_port_get(port);
		ipc_notify_port_destroyed(notify, port);
		return;
	}
	port_destroy_into(port, dying);
}

/* Destroy every receive right on @dying, and those their queues held. */
void ipc_port_drain_dying(struct list_head *dying)
{
	struct dying_receive *d;

	while ((d = list_first_entry_or_null(dying, struct dying_receive, link))) {
		list_del(&d->link);
		release_receive_into(d->port, dying);
		ipc_port_put(d->port);
		kfree(d);
	}
}

/*
 * ipc_port_release_receive - the receive right is destroyed (see
 * release_receive_into()); returns once every port this takes down is dead.
 * The caller keeps its reference.
 */
void ipc_port_release_receive(struct ipc_port *port)
{
	LIST_HEAD(dying);

	release_receive_into(port, &dying);
	ipc_port_drain_dying(&dying);
}

/*
 * port_destroy_into - the port dies
 * Conditions: process context, no IPC lock of this port held.
 * Queued messages are destroyed (receive rights they held go on @dying),
 * dead-name requests fire, waiters wake, and the no-senders and
 * port-destroyed requests are released (their send-once rights send
 * send-once notifications).
 */
static void port_destroy_into(struct ipc_port *port, struct list_head *dying)
{
	struct ipc_request *req, *tmp;
	struct ipc_kmsg *kmsg, *ktmp;
	LIST_HEAD(messages);
	LIST_HEAD(requests);
	struct ipc_port *ns, *pd, *dest;
	struct machina_thread *servicer;
	struct mk_timer *timer;

	spin_lock(&port->lock);
	if (!port->active) {
		spin_unlock(&port->lock);
		return;
	}
	port->active = false;
	port->receiver = NULL;
	port->receiver_name = 0;
	list_splice_init(&port->messages, &messages);
	port->msgcount = 0;
	list_for_each_entry(req, &port->requests, port_link)
		req->fired = true;
	list_splice_init(&port->requests, &requests);
	ns = port->nsrequest;
	port->nsrequest = NULL;
	pd = port->pdrequest;
	port->pdrequest = NULL;
	dest = port->destination;
	port->destination = NULL;
	timer = port->timer;
	port->timer = NULL;
	servicer = port->qos_servicer;
	port->qos_servicer = NULL;
	spin_unlock(&port->lock);

	if (servicer)
		ipc_qos_override_reply_dead(servicer);
	if (timer)
		mk_timer_port_dead(timer);
	ipc_port_put(dest);
	wake_up_all(&port->rcv_wq);
	wake_up_all(&port->snd_wq);
	ipc_pset_remove_all(port);

	list_for_each_entry_safe(req, tmp, &requests, port_link) {
		struct ipc_port *notify = req->notify;

		req->notify = NULL;
		list_del_init(&req->port_link);
		if (notify) {
			struct ipc_kmsg *pre = req->msg;

			req->msg = NULL;
			ipc_notify_request(notify, MACH_NOTIFY_DEAD_NAME,
					   req->name, pre);
		}
		ipc_request_put(req);
	}
	if (ns)
		ipc_port_release_send_once(ns);
	if (pd)
		ipc_port_release_send_once(pd);
	list_for_each_entry_safe(kmsg, ktmp, &messages, link) {
		list_del(&kmsg->link);
		ipc_kmsg_destroy_into(kmsg, dying);
	}
}

/* ipc_port_destroy - the port dies, and every port whose receive right its
 * queue held; see port_destroy_into(). */
void ipc_port_destroy(struct ipc_port *port)
{
	LIST_HEAD(dying);

	port_destroy_into(port, &dying);
	ipc_port_drain_dying(&dying);
}

/* A kernel object goes away: its port dies like any other. */
void ipc_port_kobject_destroy(struct ipc_port *port)
{
	spin_lock(&port->lock);
	port->kobject = NULL;
	spin_unlock(&port->lock);
	ipc_port_destroy(port);
}

/* Conditions: port->lock held. */
bool ipc_port_has_room(struct ipc_port *port)
{
	lockdep_assert_held(&port->lock);
	return port->msgcount + port->reserved < port->qlimit;
}

struct ipc_request *ipc_request_alloc(u8 kind, mach_port_name_t name,
				      struct ipc_port *notify)
{
	struct ipc_request *req;

	req = kzalloc(sizeof(*req), GFP_KERNEL_ACCOUNT);
	if (!req)
		return NULL;
	req->msg = ipc_notify_prealloc();
	if (!req->msg) {
		kfree(req);
		return NULL;
	}
	refcount_set(&req->ref, 1);
	INIT_LIST_HEAD(&req->port_link);
	req->kind = kind;
	req->name = name;
	req->notify = notify;
	return req;
}

/* Conditions: the request is unlinked from its port when the last ref goes. */
void ipc_request_put(struct ipc_request *req)
{
	if (req && refcount_dec_and_test(&req->ref)) {
		if (req->notify)
			ipc_port_release_send_once(req->notify);
		if (req->msg)
			ipc_kmsg_reserved_free(req->msg);
		kfree(req);
	}
}

/* A send-once right was used to deliver a message: it is gone. */
void ipc_port_consume_send_once(struct ipc_port *port)
{
	spin_lock(&port->lock);
	port->sorights--;
	spin_unlock(&port->lock);
	ipc_port_put(port);
}

/*
 * ipc_port_set_destination - @port's receive right now travels in a message
 * queued on @dest (NULL: it arrived somewhere, or the message is gone)
 * Conditions: a new link (@dest not NULL) is made under the transit lock,
 * after ipc_port_would_loop() said it closes no loop; no port lock held.
 */
void ipc_port_set_destination(struct ipc_port *port, struct ipc_port *dest)
{
	struct ipc_port *old;

	if (dest) {
		lockdep_assert_held(&transit_lock);
		ipc_port_get(dest);
	}
	spin_lock(&port->lock);
	old = port->destination;
	port->destination = dest;
	spin_unlock(&port->lock);
	ipc_port_put(old);
}

/*
 * ipc_port_receive_arrived - @port's receive right, moved (in a message,
 * by mach_port_extract_right or _insert_right), is now named @name in
 * @space.  It starts afresh, as XNU's ipc_port_clear_receiver() leaves
 * every right a MOVE_RECEIVE takes: sequence number, make-send count and
 * context 0.  The context is the last holder's own value, often a pointer
 * into its memory: the next holder must not read it (mach_port_get_context,
 * the context trailer).  A port still guarded here came in a guarded
 * descriptor, which hands its guard to the receiver: it keeps it.  Done
 * where the right arrives, so a send that fails gives the sender back the
 * port as it was.
 * Conditions: @space->lock held; no port lock held.
 */
void ipc_port_receive_arrived(struct ipc_port *port, struct ipc_space *space,
			      mach_port_name_t name)
{
	spin_lock(&port->lock);
	port->receiver = space;
	port->receiver_name = name;
	port->seqno = 0;
	port->mscount = 0;
	if (!port->guarded)
		port->context = 0;
	spin_unlock(&port->lock);
}

/* Chains are short; a longer one is refused as if it looped. */
#define IPC_CHAIN_MAX	4096

/*
 * chain_end - follow the chain of receive rights in transit from @dest:
 * @dest, the port whose queue holds the message carrying @dest's receive
 * right, and so on, up to a port whose receive right is not in transit (in
 * a space, dead, or a kernel port) or up to @port
 * Conditions: the transit lock held; no port lock held.
 * Returns: that last port, referenced; NULL past IPC_CHAIN_MAX hops.
 */
static struct ipc_port *chain_end(struct ipc_port *dest, struct ipc_port *port)
{
	struct ipc_port *d = dest, *next;
	int hops = 0;

	lockdep_assert_held(&transit_lock);
	ipc_port_get(d);
	while (d != port) {
		spin_lock(&d->lock);
		next = (d->active && !d->receiver && !d->kobject_type) ? d->destination : NULL;
		if (next)
			ipc_port_get(next);
		spin_unlock(&d->lock);
		if (!next)
			break;
		ipc_port_put(d);
		d = next;
		if (++hops > IPC_CHAIN_MAX) {
			ipc_port_put(d);
			return NULL;
		}
	}
	return d;
}

/*
 * ipc_port_would_loop - would sending @port's receive right to @dest close
 * a loop (dest, or the port dest's receive right travels to, and so on, is
 * @port itself)?  Such a loop could never be received or destroyed.
 * Conditions: the transit lock held (the answer holds until it is dropped,
 * so the caller links the port under the same hold); no port lock held.
 */
bool ipc_port_would_loop(struct ipc_port *port, struct ipc_port *dest)
{
	struct ipc_port *end = chain_end(dest, port);
	bool loop = !end || end == port;

	ipc_port_put(end);
	return loop;
}

/*
 * ipc_port_transit_end - the end of @dest's chain (see chain_end()), for a
 * send whose receive rights are all still in the sender's space: a walk
 * stops at the first port in a space, so such a right closes a loop
 * exactly when it is that end.  One walk serves every right of the
 * message, so the transit lock is held O(chain + rights), not their
 * product.
 * Conditions: the transit lock held.
 * Returns: the end, referenced (ipc_port_put() it), or NULL for a chain too
 * long to follow (refuse the send).
 */
struct ipc_port *ipc_port_transit_end(struct ipc_port *dest)
{
	return chain_end(dest, NULL);
}
