// SPDX-License-Identifier: GPL-2.0
/*
 * mk_timer_create / arm / cancel / destroy.  Lifetime and locking in
 * mk_timer.h.
 *
 * As on Darwin, each timer owns one message, allocated (and charged to the
 * creator's memory cgroup) when the timer is made and reused for every
 * expiry; an expiry while that message is still queued or being received is
 * dropped, so a timer never has more than one message in flight, whatever
 * its period.  Deadlines are in mach_absolute_time units (CLOCK_MONOTONIC
 * nanoseconds); one in the past expires at once.
 */
#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "mach/ipc_kmsg.h"
#include "mach/ipc_kobject.h"
#include "mach/ipc_port.h"
#include "mach/ipc_right.h"
#include "mach/ipc_space.h"
#include "mach/kern_return.h"
#include "mach/mk_timer.h"
#include "mach/task.h"
#include "personality/calls.h"
#include "uapi/machina.h"

#define MK_TIMER_MSG_SIZE (24 + 3 * 8)

/*
 * Expiries are delivered from the module's own high-priority workqueue:
 * module unload destroys it (mk_timer_exit()), which waits for a work item
 * still running, so timer code never runs after the module is gone.
 */
static struct workqueue_struct *timer_wq;

struct mk_timer {
	struct mutex lock;
	struct kref ref;
	struct hrtimer hrtimer;
	struct work_struct work;
	struct ipc_port *port; /* a reference and a send right */
	/*
	 * The expiry message while it is home; NULL while it is in flight
	 * (queued, or in a receiver's hands), when it holds a reference on
	 * the timer and comes back through msg_home().  Exchanged atomically.
	 */
	struct ipc_kmsg *msg;
	struct ipc_kmsg_home home;
	bool armed;
	bool dead;
	u64 deadline;
};

static void timer_release(struct kref *ref)
{
	struct mk_timer *timer = container_of(ref, struct mk_timer, ref);

	/* No message is in flight: each holds a reference. */
	if (timer->msg)
		ipc_kmsg_reserved_free(timer->msg);
	mutex_destroy(&timer->lock);
	kfree(timer);
}

static void timer_put(struct mk_timer *timer)
{
	kref_put(&timer->ref, timer_release);
}

/*
 * msg_home - the expiry message was received or destroyed: it is the
 * timer's again, and the next expiry may send it
 * Conditions: process context, no port lock held (from ipc_kmsg_free()).
 */
static void msg_home(struct ipc_kmsg_home *home, struct ipc_kmsg *kmsg)
{
	struct mk_timer *timer = container_of(home, struct mk_timer, home);

	WARN_ON_ONCE(xchg(&timer->msg, kmsg));
	timer_put(timer); /* the in-flight message's reference */
}

/*
 * hrtimer callback (hard interrupt context, or the hrtimer softirq thread
 * on PREEMPT_RT): takes no lock and allocates nothing, only hands over to
 * process context on the module's workqueue.
 */
static enum hrtimer_restart timer_fired(struct hrtimer *hrtimer)
{
	struct mk_timer *timer =
		container_of(hrtimer, struct mk_timer, hrtimer);

	queue_work(timer_wq, &timer->work);
	return HRTIMER_NORESTART;
}

/*
 * expire_work - send the expiry message if the timer is still armed for a
 * deadline that has passed (a cancel or a later re-arm may have come
 * between the hrtimer and this work) and the message is home; if it is
 * still in flight this expiry is dropped (Darwin's coalescing).
 * Conditions: the module workqueue; takes timer->lock, then the port's.
 */
static void expire_work(struct work_struct *work)
{
	struct mk_timer *timer = container_of(work, struct mk_timer, work);
	struct ipc_port *port = timer->port;
	struct ipc_kmsg *kmsg;

	mutex_lock(&timer->lock);
	if (timer->dead || !timer->armed ||
	    ktime_before(ktime_get(), (ktime_t)timer->deadline))
		goto out;
	timer->armed = false;
	kmsg = xchg(&timer->msg, NULL);
	if (!kmsg)
		goto out;
	ipc_kmsg_reserved_take(kmsg);
	kref_get(&timer->ref); /* given back by msg_home() */
	ipc_kmsg_set_sender_kernel(kmsg);
	kmsg->id = 0;
	memset(kmsg->body, 0, MK_TIMER_MSG_SIZE - 24);
	ipc_port_copy_send(port);
	ipc_port_get(port);
	kmsg->remote.obj = &port->obj;
	kmsg->remote.disp = MACH_MSG_TYPE_COPY_SEND;
	kmsg->remote.type = MACH_MSG_TYPE_PORT_SEND;
	/*
	 * Under timer->lock, so a cancel sees either "armed" or the message.
	 * A dead port destroys the message, which comes home at once.
	 */
	ipc_kmsg_deliver_kernel(kmsg);
out:
	mutex_unlock(&timer->lock);
}

/*
 * mk_timer_init - the expiry workqueue
 * Returns: 0 or -ENOMEM.
 */
int mk_timer_init(void)
{
	timer_wq = alloc_workqueue("machina_timer", WQ_HIGHPRI, 0);
	return timer_wq ? 0 : -ENOMEM;
}

/*
 * mk_timer_exit - destroy the expiry workqueue
 * Conditions: module unload, after every task is gone: every timer's port
 * is dead then (mk_timer_port_dead() cancelled its hrtimer and work), so
 * nothing can queue more work; this waits for an item still finishing.
 */
void mk_timer_exit(void)
{
	destroy_workqueue(timer_wq);
}

/*
 * mk_timer_port_dead - the timer's port died: stop the timer for good
 * Consumes the port's reference on @timer.
 * Conditions: process context, called once per timer from port death with
 * no port lock held (space->lock may be held).
 */
void mk_timer_port_dead(struct mk_timer *timer)
{
	struct ipc_port *port = timer->port;

	mutex_lock(&timer->lock);
	timer->dead = true;
	timer->armed = false;
	mutex_unlock(&timer->lock);
	/* dead is set: nothing restarts the hrtimer or requeues the work. */
	hrtimer_cancel(&timer->hrtimer);
	cancel_work_sync(&timer->work);
	ipc_port_release_send(port);
	ipc_port_put(port);
	timer_put(timer);
}

/*
 * machina_call_mk_timer_create - a new port with a timer, its receive right
 * named in the caller's space
 * Returns: KERN_SUCCESS with name set; KERN_RESOURCE_SHORTAGE or
 * KERN_NO_SPACE (name stays MACH_PORT_NULL, as Darwin's trap returns it).
 */
long machina_call_mk_timer_create(struct machina_task *task, void *arg)
{
	struct machina_name_out *out = arg;
	struct ipc_space *space = task->space;
	struct mk_timer *timer;
	struct ipc_port *port;
	int kr;

	if (out->flags)
		return -EINVAL;
	out->name = MACH_PORT_NULL;
	timer = kzalloc(sizeof(*timer), GFP_KERNEL_ACCOUNT);
	if (!timer)
		return KERN_RESOURCE_SHORTAGE;
	/* The one expiry message, paid for by the creator now. */
	timer->home.back = msg_home;
	timer->msg = ipc_kmsg_alloc_reserved(MK_TIMER_MSG_SIZE, &timer->home);
	if (!timer->msg)
		goto err_timer;
	port = ipc_port_alloc();
	if (!port)
		goto err_msg;
	mutex_init(&timer->lock);
	kref_init(&timer->ref);
	hrtimer_init(&timer->hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	timer->hrtimer.function = timer_fired;
	INIT_WORK(&timer->work, expire_work);
	/* The timer's own send right, which its messages copy. */
	ipc_port_copy_send(port);
	ipc_port_get(port);
	timer->port = port;
	port->timer = timer;
	/*
	 * XNU's mk_timer_create_trap makes the receive right immovable: it
	 * stays in the creator's space (MOVE_RECEIVE: KERN_INVALID_CAPABILITY,
	 * in a message MACH_SEND_INVALID_RIGHT).  Not yet published: no lock.
	 */
	port->immovable_receive = true;

	mutex_lock(&space->lock);
	if (!space->active) {
		kr = KERN_INVALID_TASK;
	} else {
		kr = ipc_right_new(space, &port->obj, MACH_PORT_TYPE_RECEIVE,
				   &out->name, NULL);
		if (!kr) {
			spin_lock(&port->lock);
			port->receiver = space;
			port->receiver_name = out->name;
			spin_unlock(&port->lock);
		}
	}
	mutex_unlock(&space->lock);
	if (kr) {
		out->name = MACH_PORT_NULL;
		/* The port dies (taking the timer with it) and goes. */
		ipc_port_destroy(port);
		ipc_port_put(port);
	}
	return kr;

err_msg:
	ipc_kmsg_reserved_free(timer->msg);
err_timer:
	kfree(timer);
	return KERN_RESOURCE_SHORTAGE;
}

/*
 * timer_by_name - the timer of the receive right @name of the caller
 * Returns: a referenced timer, or NULL with *kr = KERN_INVALID_NAME,
 * KERN_INVALID_RIGHT (no receive right) or KERN_INVALID_ARGUMENT (a port
 * without a timer).
 */
static void *timer_get(struct ipc_port *port, u32 types)
{
	struct mk_timer *timer = port->timer;

	lockdep_assert_held(&port->lock);
	if (timer)
		kref_get(&timer->ref);
	return timer;
}

static void timer_put_obj(void *obj)
{
	timer_put(obj);
}

/* A timer is reached through its receive right, bound to no exec image. */
static const struct ipc_kobject_kind timer_kind = {
	.right = MACH_PORT_TYPE_RECEIVE,
	.get = timer_get,
	.put = timer_put_obj,
};

static struct mk_timer *timer_by_name(struct machina_task *task, u32 name,
				      int *kr)
{
	struct ipc_kobject_ref ref;

	/* The reference is the caller's to drop with timer_put(). */
	*kr = ipc_kobject_lookup(task->space, name, &timer_kind, 0, &ref);
	return ref.obj;
}

static bool args_ok(const struct machina_port_args *a, bool context)
{
	return !a->flags && !a->reserved && !a->task && !a->right &&
	       !a->delta && !a->value && !a->value2 && (context || !a->context);
}

/*
 * machina_call_mk_timer_arm - (re)arm for the absolute deadline @context
 * Returns: KERN_SUCCESS, or timer_by_name()'s error.
 */
long machina_call_mk_timer_arm(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct mk_timer *timer;
	ktime_t when;
	int kr;

	if (!args_ok(a, true))
		return -EINVAL;
	timer = timer_by_name(task, a->name, &kr);
	if (!timer)
		return kr;
	when = a->context > KTIME_MAX ? KTIME_MAX : (ktime_t)a->context;
	mutex_lock(&timer->lock);
	if (timer->dead) {
		kr = KERN_INVALID_ARGUMENT;
	} else {
		timer->armed = true;
		timer->deadline = a->context;
		hrtimer_start(&timer->hrtimer, when, HRTIMER_MODE_ABS);
		kr = KERN_SUCCESS;
	}
	mutex_unlock(&timer->lock);
	timer_put(timer);
	return kr;
}

/*
 * machina_call_mk_timer_cancel - disarm; context = the deadline it was armed
 * for, or 0 when it was not armed (or had already expired)
 */
long machina_call_mk_timer_cancel(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct mk_timer *timer;
	int kr;

	if (!args_ok(a, false))
		return -EINVAL;
	timer = timer_by_name(task, a->name, &kr);
	if (!timer)
		return kr;
	mutex_lock(&timer->lock);
	a->context = timer->armed ? timer->deadline : 0;
	timer->armed = false;
	/* A callback already running only queues work, which sees !armed. */
	hrtimer_try_to_cancel(&timer->hrtimer);
	mutex_unlock(&timer->lock);
	timer_put(timer);
	return KERN_SUCCESS;
}

/*
 * machina_call_mk_timer_destroy - destroy the timer's receive right (and
 * any send rights under the same name), as mach_port_destroy would
 * Returns: KERN_SUCCESS, or timer_by_name()'s error.
 */
long machina_call_mk_timer_destroy(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct ipc_space *space = task->space;
	struct ipc_entry *entry;
	struct mk_timer *timer;
	int kr;

	if (!args_ok(a, false))
		return -EINVAL;
	timer = timer_by_name(task, a->name, &kr);
	if (!timer)
		return kr;
	mutex_lock(&space->lock);
	entry = ipc_entry_lookup(space, a->name);
	/* Recheck: the right may have moved since the lookup. */
	if (entry && (entry->type & MACH_PORT_TYPE_RECEIVE) &&
	    entry->object == &timer->port->obj)
		kr = ipc_right_destroy(space, entry);
	else
		kr = KERN_INVALID_RIGHT;
	mutex_unlock(&space->lock);
	timer_put(timer);
	return kr;
}
