// SPDX-License-Identifier: GPL-2.0
/*
 * mk_timer_create / arm / cancel / destroy.  Lifetime and locking in
 * mk_timer.h.
 *
 * Each expiry queues one message; Darwin reuses a single preallocated
 * message and skips an expiry while the previous message is still queued,
 * Machina queues one per expiry (the queue limit does not apply to kernel
 * messages).  Deadlines are in mach_absolute_time units (CLOCK_MONOTONIC
 * nanoseconds); one in the past expires at once.
 */
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

struct mk_timer {
	struct mutex lock;
	struct kref ref;
	struct hrtimer hrtimer;
	struct work_struct work;
	struct ipc_port *port; /* a reference and a send right */
	bool armed;
	bool dead;
	u64 deadline;
};

static void timer_release(struct kref *ref)
{
	struct mk_timer *timer = container_of(ref, struct mk_timer, ref);

	mutex_destroy(&timer->lock);
	kfree(timer);
}

static void timer_put(struct mk_timer *timer)
{
	kref_put(&timer->ref, timer_release);
}

/* hrtimer callback, hard interrupt context: hand over to process context. */
static enum hrtimer_restart timer_fired(struct hrtimer *hrtimer)
{
	struct mk_timer *timer =
		container_of(hrtimer, struct mk_timer, hrtimer);

	queue_work(system_highpri_wq, &timer->work);
	return HRTIMER_NORESTART;
}

/*
 * expire_work - send the expiry message if the timer is still armed for a
 * deadline that has passed (a cancel or a later re-arm may have come
 * between the hrtimer and this work).
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
	kmsg = ipc_kmsg_alloc(MK_TIMER_MSG_SIZE);
	if (!kmsg)
		goto out; /* out of memory: this expiry is lost */
	ipc_kmsg_set_sender_kernel(kmsg);
	kmsg->id = 0;
	memset(kmsg->body, 0, MK_TIMER_MSG_SIZE - 24);
	ipc_port_copy_send(port);
	ipc_port_get(port);
	kmsg->remote.obj = &port->obj;
	kmsg->remote.disp = MACH_MSG_TYPE_COPY_SEND;
	kmsg->remote.type = MACH_MSG_TYPE_PORT_SEND;
	/* Under timer->lock, so a cancel sees either "armed" or the message. */
	ipc_kmsg_deliver_kernel(kmsg);
out:
	mutex_unlock(&timer->lock);
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
	port = ipc_port_alloc();
	if (!port) {
		kfree(timer);
		return KERN_RESOURCE_SHORTAGE;
	}
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
