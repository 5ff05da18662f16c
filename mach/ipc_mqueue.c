// SPDX-License-Identifier: GPL-2.0
/* Message queues (ipc_mqueue.h). */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/wait.h>

#include "mach/ipc_kmsg.h"
#include "mach/ipc_mqueue.h"
#include "mach/ipc_notify.h"
#include "mach/ipc_port.h"
#include "mach/ipc_pset.h"
#include "mach/ipc_space.h"

/*
 * ipc_mqueue_enqueue_locked - append a message and wake one receiver (and
 * every poller and port set the port belongs to)
 * Conditions: port->lock held, port active.
 */
void ipc_mqueue_enqueue_locked(struct ipc_port *port, struct ipc_kmsg *kmsg)
{
	struct ipc_pset_member *m;

	lockdep_assert_held(&port->lock);
	list_add_tail(&kmsg->link, &port->messages);
	port->msgcount++;
	wake_up(&port->rcv_wq);
	list_for_each_entry(m, &port->memberships, port_link)
		wake_up(&m->pset->wq);
}

/*
 * A wait's deadline, kept on the monotonic clock so that a timeout of N ms
 * waits at least N ms (jiffies would round it down by up to a tick).
 */
struct deadline {
	bool forever;
	ktime_t at;
};

static void deadline_init(struct deadline *d, u32 option_flag, u32 option,
			  u32 timeout_ms)
{
	d->forever = !(option & option_flag);
	/* Most waits have no timeout: then the clock is not read at all. */
	d->at = d->forever ? 0 : ktime_add_ms(ktime_get(), timeout_ms);
}

static bool deadline_passed(const struct deadline *d)
{
	return !d->forever && ktime_compare(ktime_get(), d->at) >= 0;
}

/* Sleep until woken, a signal, or the deadline.  State already set. */
static void deadline_sleep(struct deadline *d)
{
	if (d->forever)
		schedule();
	else
		schedule_hrtimeout_range(&d->at, current->timer_slack_ns,
					 HRTIMER_MODE_ABS);
}

/*
 * ipc_mqueue_reserve - wait for room in the queue and hold a slot
 * Conditions: process context, no locks held; sleeps interruptibly.
 * Returns: MACH_MSG_SUCCESS (a slot is held: ipc_mqueue_unreserve() or
 * queue into it), MACH_SEND_TIMED_OUT, MACH_SEND_INTERRUPTED,
 * MACH_SEND_INVALID_DEST (the port died).
 */
int ipc_mqueue_reserve(struct ipc_port *port, u32 option, u32 timeout_ms)
{
	struct deadline dl;
	DEFINE_WAIT(wait);
	int ret;

	deadline_init(&dl, MACH_SEND_TIMEOUT, option, timeout_ms);
	spin_lock(&port->lock);
	for (;;) {
		if (!port->active) {
			ret = MACH_SEND_INVALID_DEST;
			break;
		}
		if (ipc_port_has_room(port)) {
			port->reserved++;
			ret = MACH_MSG_SUCCESS;
			break;
		}
		if (deadline_passed(&dl)) {
			ret = MACH_SEND_TIMED_OUT;
			break;
		}
		if (signal_pending(current)) {
			ret = MACH_SEND_INTERRUPTED;
			break;
		}
		prepare_to_wait_exclusive(&port->snd_wq, &wait, TASK_INTERRUPTIBLE);
		spin_unlock(&port->lock);
		deadline_sleep(&dl);
		finish_wait(&port->snd_wq, &wait);
		spin_lock(&port->lock);
	}
	/* Pass a wake-up we may have consumed on to the next sender. */
	if (ret != MACH_MSG_SUCCESS && port->active && ipc_port_has_room(port))
		wake_up(&port->snd_wq);
	spin_unlock(&port->lock);
	return ret;
}

/*
 * ipc_mqueue_try_reserve - hold a queue slot if one is free now
 * Conditions: any context that may take port->lock (a sender calls it under
 * its space lock); never sleeps.
 * Returns: true with a slot held (as ipc_mqueue_reserve()); false if the
 * queue is full or the port dead (ipc_mqueue_reserve() sorts those out).
 */
bool ipc_mqueue_try_reserve(struct ipc_port *port)
{
	bool ok;

	spin_lock(&port->lock);
	ok = port->active && ipc_port_has_room(port);
	if (ok)
		port->reserved++;
	spin_unlock(&port->lock);
	return ok;
}

void ipc_mqueue_unreserve(struct ipc_port *port)
{
	spin_lock(&port->lock);
	port->reserved--;
	spin_unlock(&port->lock);
	wake_up(&port->snd_wq);
}

/* Bytes the message occupies in the receiver's buffer (without trailer). */
u32 ipc_kmsg_rcv_size(struct ipc_kmsg *kmsg, bool guarded_desc)
{
	u32 size = kmsg->size, i;

	if (guarded_desc)
		return size;
	/* Guarded port descriptors arrive as 12-byte port descriptors. */
	for (i = 0; i < kmsg->ndesc; i++)
		if (kmsg->desc[i].type == MACH_MSG_GUARDED_PORT_DESCRIPTOR)
			size -= MACH_DESC64_SIZE - MACH_PORT_DESC_SIZE;
	return size;
}

/* Fire armed send-possible requests once the queue has room. */
static void fire_send_possible(struct ipc_port *port)
{
	for (;;) {
		struct ipc_request *req, *found = NULL;
		struct ipc_port *notify = NULL;
		struct ipc_kmsg *pre = NULL;
		mach_port_name_t name = 0;

		spin_lock(&port->lock);
		if (port->active && ipc_port_has_room(port)) {
			list_for_each_entry(req, &port->requests, port_link) {
				if (req->kind == MACH_NOTIFY_SEND_POSSIBLE &&
				    req->armed && req->notify) {
					found = req;
					break;
				}
			}
		}
		if (found) {
			found->armed = false;
			notify = found->notify;
			found->notify = NULL;
			pre = found->msg;
			found->msg = NULL;
			name = found->name;
			list_del_init(&found->port_link);
		}
		spin_unlock(&port->lock);
		if (!found)
			return;
		ipc_notify_request(notify, MACH_NOTIFY_SEND_POSSIBLE, name, pre);
		ipc_request_put(found);	/* the list's reference */
	}
}

/*
 * try_dequeue - take the first message of @port if it fits
 * Conditions: port->lock held.
 * Returns: 1 with rcv->kmsg set, 0 if the queue is empty, or
 * MACH_RCV_TOO_LARGE (with RCV_LARGE the message stays queued; without it it
 * is taken for destruction and returned in rcv->kmsg).
 */
static int try_dequeue(struct ipc_port *port, struct ipc_mqueue_rcv *rcv)
{
	struct ipc_kmsg *kmsg;
	u32 needed;

	lockdep_assert_held(&port->lock);
	kmsg = list_first_entry_or_null(&port->messages, struct ipc_kmsg, link);
	if (!kmsg)
		return 0;
	needed = ipc_kmsg_rcv_size(kmsg, rcv->rcv_guarded) + rcv->trailer_size;
	if (needed > rcv->rcv_size) {
		rcv->needed = needed;
		rcv->port_name = port->receiver_name;
		if (rcv->option & MACH_RCV_LARGE)
			return MACH_RCV_TOO_LARGE;
	}
	list_del_init(&kmsg->link);
	port->msgcount--;
	kmsg->seqno = port->seqno++;
	kmsg->context = port->context;
	rcv->kmsg = kmsg;
	rcv->requests = !list_empty(&port->requests);
	return needed > rcv->rcv_size ? MACH_RCV_TOO_LARGE : 1;
}

/*
 * after_dequeue - let blocked senders and armed send-possible requests know
 * the queue has room
 * @requests: the port had requests when the message was taken (under the
 * same port->lock hold); a request armed after that finds the room itself
 * at the next dequeue, as if it had come after this one.
 * Conditions: process context, no locks held.
 */
static void after_dequeue(struct ipc_port *port, bool requests)
{
	/* Most queues never have a blocked sender: skip the wake-up then. */
	if (wq_has_sleeper(&port->snd_wq))
		wake_up(&port->snd_wq);
	if (requests)
		fire_send_possible(port);
}

static int receive_port(struct ipc_space *space, struct ipc_port *port,
			struct ipc_mqueue_rcv *rcv, struct deadline *dl)
{
	DEFINE_WAIT(wait);
	int ret;

	spin_lock(&port->lock);
	for (;;) {
		if (!port->active) {
			ret = MACH_RCV_PORT_DIED;
			break;
		}
		if (port->receiver != space) {
			ret = MACH_RCV_PORT_CHANGED;
			break;
		}
		ret = try_dequeue(port, rcv);
		if (ret)
			break;
		if (deadline_passed(dl)) {
			ret = MACH_RCV_TIMED_OUT;
			break;
		}
		if (signal_pending(current)) {
			ret = MACH_RCV_INTERRUPTED;
			break;
		}
		prepare_to_wait_exclusive(&port->rcv_wq, &wait, TASK_INTERRUPTIBLE);
		spin_unlock(&port->lock);
		deadline_sleep(dl);
		finish_wait(&port->rcv_wq, &wait);
		spin_lock(&port->lock);
	}
	/* Leaving without a message: hand a consumed wake-up on. */
	if (!rcv->kmsg && port->msgcount)
		wake_up(&port->rcv_wq);
	spin_unlock(&port->lock);
	if (rcv->kmsg) {
		ipc_port_get(port);
		rcv->port = port;
		after_dequeue(port, rcv->requests);
	}
	return ret;
}

static int scan_pset(struct ipc_pset *pset, struct ipc_mqueue_rcv *rcv)
{
	struct ipc_pset_member *m;
	int ret = 0;

	lockdep_assert_held(&pset->lock);
	list_for_each_entry(m, &pset->members, pset_link) {
		struct ipc_port *port = m->port;

		spin_lock(&port->lock);
		/* A receive right in transit is nobody's to receive from. */
		if (port->active && port->receiver)
			ret = try_dequeue(port, rcv);
		if (ret) {
			ipc_port_get(port);
			rcv->port = port;
		}
		spin_unlock(&port->lock);
		if (ret)
			break;
	}
	return ret;
}

static int receive_pset(struct ipc_pset *pset, struct ipc_mqueue_rcv *rcv,
			struct deadline *dl)
{
	DEFINE_WAIT(wait);
	int ret;

	spin_lock(&pset->lock);
	for (;;) {
		/*
		 * On the wait queue before the members are looked at: a
		 * sender wakes pset->wq holding only its port's lock, so a
		 * message queued on a member already scanned must find us
		 * waiting, or its wake-up would be lost.
		 */
		prepare_to_wait_exclusive(&pset->wq, &wait, TASK_INTERRUPTIBLE);
		if (!pset->active) {
			ret = MACH_RCV_PORT_DIED;
			break;
		}
		ret = scan_pset(pset, rcv);
		if (ret)
			break;
		if (deadline_passed(dl)) {
			ret = MACH_RCV_TIMED_OUT;
			break;
		}
		if (signal_pending(current)) {
			ret = MACH_RCV_INTERRUPTED;
			break;
		}
		spin_unlock(&pset->lock);
		deadline_sleep(dl);
		spin_lock(&pset->lock);
	}
	spin_unlock(&pset->lock);
	finish_wait(&pset->wq, &wait);
	if (!rcv->kmsg && ret != MACH_RCV_PORT_DIED)
		wake_up(&pset->wq);
	if (rcv->kmsg)
		after_dequeue(rcv->port, rcv->requests);
	return ret;
}

/*
 * ipc_mqueue_receive - wait for and take a message from a port or port set
 * Conditions: process context, no locks held; @obj referenced by the caller.
 * Returns: MACH_MSG_SUCCESS with rcv->kmsg and rcv->port (a reference) set;
 * MACH_RCV_TOO_LARGE (rcv->needed set; rcv->kmsg set when the message was
 * taken to be destroyed); MACH_RCV_TIMED_OUT; MACH_RCV_INTERRUPTED;
 * MACH_RCV_PORT_DIED; MACH_RCV_PORT_CHANGED.
 */
int ipc_mqueue_receive(struct ipc_space *space, struct ipc_object *obj,
		       struct ipc_mqueue_rcv *rcv)
{
	struct deadline dl;
	int ret;

	deadline_init(&dl, MACH_RCV_TIMEOUT, rcv->option, rcv->timeout_ms);
	rcv->kmsg = NULL;
	rcv->port = NULL;
	rcv->requests = false;
	if (ipc_object_is_port(obj))
		ret = receive_port(space, ipc_port_from_object(obj), rcv, &dl);
	else
		ret = receive_pset(ipc_pset_from_object(obj), rcv, &dl);
	return ret == 1 ? MACH_MSG_SUCCESS : ret;
}
