// SPDX-License-Identifier: GPL-2.0
/* Message queues (ipc_mqueue.h). */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/poll.h>
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
 * Hand-off.  A receiver that finds its port's queue empty sleeps on
 * port->rcv_wq in a struct mqueue_waiter.  A sender that finds the queue
 * still empty and someone on rcv_wq does not queue its message: it parks
 * the message in port->handoff and wakes rcv_wq synchronously (WF_SYNC, as
 * a pipe wakes its reader, since the sender is about to block in its own
 * receive) with HANDOFF_KEY.  The first receiver on the queue decides: if
 * the message fits its buffer and the port is still its space's, the
 * message becomes its own right there (numbered as a dequeue numbers it)
 * and it is woken; otherwise nobody takes it and the sender queues it as
 * before, so a too-large message, a receive right that moved, or a port
 * set's receiver (sleeping on pset->wq, never handed to) see exactly the
 * queue they saw without the hand-off.  Only an empty queue is bypassed,
 * so the order of messages is kept.
 *
 * The handed message is recorded in the waiter before its entry leaves
 * rcv_wq (list_del_init_careful(), a release): a receiver that finds its
 * entry gone and a message recorded owns it without taking port->lock.  A
 * receiver that woke for another reason (a signal, its timeout) takes
 * port->lock and removes its entry before it looks at its record, so a
 * message handed to it in between is received, never lost.
 *
 * Lock order: port->lock -> port->rcv_wq.lock (the wake function runs
 * under both).
 */
struct ipc_mqueue_handoff {
	struct ipc_kmsg *kmsg;
	/*
	 * ipc_kmsg_rcv_size() of kmsg without and with MACH_RCV_GUARDED_DESC,
	 * sized before the wake-up: it walks the descriptors, which must not
	 * happen under rcv_wq's lock with interrupts off.
	 */
	u32 size[2];
	bool decided;		/* the first receiver on rcv_wq has looked */
	bool taken;
};

/* Pollers on rcv_wq read the key as a poll mask: give them a true one. */
#define HANDOFF_KEY	poll_to_key(EPOLLIN | EPOLLRDNORM)

struct mqueue_waiter {
	struct wait_queue_entry wait;
	struct ipc_port *port;
	struct ipc_space *space;
	struct ipc_mqueue_rcv *rcv;
	struct ipc_kmsg *kmsg;		/* handed over by a sender */
};

/*
 * take_message - number @kmsg as the next message received from @port and
 * note what the receiver must do after it (after_dequeue())
 * Conditions: port->lock held; @kmsg is off every queue.
 */
static void take_message(struct ipc_port *port, struct ipc_kmsg *kmsg,
			 struct ipc_mqueue_rcv *rcv)
{
	lockdep_assert_held(&port->lock);
	kmsg->seqno = port->seqno++;
	kmsg->context = port->context;
	rcv->requests = !list_empty(&port->requests);
}

/* Size the receiver needs for @kmsg, trailer included. */
static u32 rcv_needed(struct ipc_kmsg *kmsg, const struct ipc_mqueue_rcv *rcv)
{
	return ipc_kmsg_rcv_size(kmsg, rcv->rcv_guarded) + rcv->trailer_size;
}

/*
 * rcv_too_large - whether @kmsg, needing @needed bytes with its trailer,
 * does not fit the receiver: its buffer is smaller, or (a vector receive
 * only, as XNU's ipc_mqueue_msg_too_large()) its aux buffer is smaller
 * than the message's aux data.  Other receivers drop aux data unseen.
 */
static bool rcv_too_large(const struct ipc_kmsg *kmsg, u32 needed,
			  const struct ipc_mqueue_rcv *rcv)
{
	return needed > rcv->rcv_size ||
	       (rcv->vector && kmsg->aux_size > rcv->aux_size);
}

/*
 * waiter_wake - wake function of a receiver sleeping on port->rcv_wq
 * Conditions: rcv_wq.lock held; with HANDOFF_KEY also port->lock (the
 * sender's), and port->handoff set.
 * Returns: non-zero when the receiver was woken (and, with HANDOFF_KEY,
 * given the message), which ends an exclusive wake-up; with HANDOFF_KEY,
 * -1 when it declined (the wake-up stops: the sender queues the message).
 */
static int waiter_wake(struct wait_queue_entry *wait, unsigned int mode,
		       int sync, void *key)
{
	struct mqueue_waiter *w = container_of(wait, struct mqueue_waiter, wait);
	struct ipc_port *port = w->port;
	struct ipc_mqueue_handoff *h;

	if (key != HANDOFF_KEY || !port->handoff)
		return autoremove_wake_function(wait, mode, sync, key);
	lockdep_assert_held(&port->lock);
	h = port->handoff;
	/*
	 * Only the first receiver decides; a negative return ends the walk
	 * there, so a declined hand-off does not visit every other waiter
	 * (with interrupts off) before the message is queued and woken for.
	 */
	if (h->decided)
		return -1;
	h->decided = true;
	if (port->receiver != w->space ||
	    rcv_too_large(h->kmsg, h->size[!!w->rcv->rcv_guarded] +
			  w->rcv->trailer_size, w->rcv))
		return -1;
	take_message(port, h->kmsg, w->rcv);
	w->kmsg = h->kmsg;
	h->taken = true;
	/*
	 * Woken before its entry leaves the queue: once the entry is gone
	 * the receiver may return and its stack (this entry) with it.  The
	 * entry is removed even when the receiver was already awake (a
	 * signal): it will find its message either way.
	 */
	default_wake_function(wait, mode, sync, key);
	list_del_init_careful(&wait->entry);
	return 1;
}

/*
 * handoff - give @kmsg to the first receiver sleeping on @port, if the
 * queue is empty and the message fits it
 * Conditions: port->lock held, port active.
 * Returns: true if a receiver took the message (it is not queued).
 */
static bool handoff(struct ipc_port *port, struct ipc_kmsg *kmsg)
{
	struct ipc_mqueue_handoff h = { .kmsg = kmsg };

	lockdep_assert_held(&port->lock);
	if (port->msgcount || !waitqueue_active(&port->rcv_wq))
		return false;
	h.size[0] = ipc_kmsg_rcv_size(kmsg, false);
	h.size[1] = ipc_kmsg_rcv_size(kmsg, true);
	port->handoff = &h;
	__wake_up_sync_key(&port->rcv_wq, TASK_INTERRUPTIBLE, HANDOFF_KEY);
	port->handoff = NULL;
	return h.taken;
}

/*
 * ipc_mqueue_enqueue_locked - deliver a message: hand it to a waiting
 * receiver, or append it and wake one receiver (and every poller and port
 * set the port belongs to)
 * Conditions: port->lock held, port active.
 */
void ipc_mqueue_enqueue_locked(struct ipc_port *port, struct ipc_kmsg *kmsg)
{
	struct ipc_pset_member *m;

	lockdep_assert_held(&port->lock);
	if (handoff(port, kmsg))
		return;
	list_add_tail(&kmsg->link, &port->messages);
	port->msgcount++;
	wake_up(&port->rcv_wq);
	list_for_each_entry(m, &port->memberships, port_link)
		wake_up(&m->pset->wq);
}

/*
 * ipc_mqueue_changed - send every receiver waiting on @port away: its
 * receive right has left their space (moved into a message, or sent in a
 * port-destroyed notification)
 * Each wakes, finds port->receiver no longer its space and returns
 * MACH_RCV_PORT_CHANGED, as XNU's ipc_port_clear_receiver() sends them
 * away; left asleep it would wait on a port it no longer holds, first in
 * line for (and declining) the new owner's hand-offs.
 * Conditions: port->receiver already changed (under port->lock); no port
 * lock held.
 */
void ipc_mqueue_changed(struct ipc_port *port)
{
	wake_up_all(&port->rcv_wq);
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
	bool too_large;
	u32 needed;

	lockdep_assert_held(&port->lock);
	kmsg = list_first_entry_or_null(&port->messages, struct ipc_kmsg, link);
	if (!kmsg)
		return 0;
	needed = rcv_needed(kmsg, rcv);
	too_large = rcv_too_large(kmsg, needed, rcv);
	if (too_large) {
		rcv->needed = needed;
		rcv->aux_needed = kmsg->aux_size;
		rcv->port_name = port->receiver_name;
		if (rcv->option & MACH_RCV_LARGE)
			return MACH_RCV_TOO_LARGE;
	}
	list_del_init(&kmsg->link);
	port->msgcount--;
	take_message(port, kmsg, rcv);
	rcv->kmsg = kmsg;
	return too_large ? MACH_RCV_TOO_LARGE : 1;
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

/*
 * receive_port - wait for and take a message from @port (a receive right of
 * @space): from its queue, or handed over by a sender while we sleep
 */
static int receive_port(struct ipc_space *space, struct ipc_port *port,
			struct ipc_mqueue_rcv *rcv, struct deadline *dl)
{
	struct mqueue_waiter w = {
		.wait = {
			.private = current,
			.func = waiter_wake,
			.entry = LIST_HEAD_INIT(w.wait.entry),
		},
		.port = port, .space = space, .rcv = rcv,
	};
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
		prepare_to_wait_exclusive(&port->rcv_wq, &w.wait, TASK_INTERRUPTIBLE);
		spin_unlock(&port->lock);
		deadline_sleep(dl);
		/* Handed a message: our entry is gone and the message is ours. */
		if (list_empty_careful(&w.wait.entry) && READ_ONCE(w.kmsg)) {
			__set_current_state(TASK_RUNNING);
			rcv->kmsg = w.kmsg;
			ret = 1;
			goto taken;
		}
		spin_lock(&port->lock);
		finish_wait(&port->rcv_wq, &w.wait);
		/* Handed one while we were waking for another reason. */
		if (w.kmsg) {
			rcv->kmsg = w.kmsg;
			ret = 1;
			break;
		}
	}
	/* Leaving without a message: hand a consumed wake-up on. */
	if (!rcv->kmsg && port->msgcount)
		wake_up(&port->rcv_wq);
	spin_unlock(&port->lock);
	if (!rcv->kmsg)
		return ret;
taken:
	ipc_port_get(port);
	rcv->port = port;
	after_dequeue(port, rcv->requests);
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
