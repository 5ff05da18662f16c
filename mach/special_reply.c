// SPDX-License-Identifier: GPL-2.0
/*
 * Special reply ports: XNU's thread_get_special_reply_port trap (trap 50,
 * osfmk/kern/ipc_tt.c), also reachable as MACHINA_IOC_THREAD_GET_SPECIAL_
 * REPLY_PORT.
 *
 * Each call gives the calling thread a new port: its receive right and one
 * send right under one new name of the task's space (MACH_PORT_NULL from
 * the trap when the space is dead or full).  The thread remembers the port
 * (thread->special_reply, a port reference); a second call lets go of the
 * previous one first, which stays in the space as it was, with its name and
 * rights, until the task deallocates it: XNU only unbinds it.  A thread's
 * exit or exec lets go the same way (kill_port() in mach/thread.c).  So
 * the ports a thread asks for count against the space's name limit like any
 * other port, and the binding holds at most one reference per thread
 * record.
 *
 * What marks the port for good (ipc_port.h, special_reply): its receive
 * right never moves.  MOVE_RECEIVE of it is refused as of an immovable
 * right, KERN_INVALID_CAPABILITY as XNU's ipc_right_copyin gives: a port
 * descriptor or out-of-line ports array carrying it fails the send with
 * MACH_SEND_INVALID_RIGHT, mach_port_extract_right and _insert_right
 * return it (a header takes send dispositions only).
 * mach_port_request_notification(MACH_NOTIFY_PORT_DESTROYED) is
 * KERN_INVALID_RIGHT; mach_port_set_attributes(TEMPOWNER /
 * IMPORTANCE_RECEIVER / DENAP_RECEIVER) is KERN_INVALID_ARGUMENT.  Its
 * send-once rights (MAKE_SEND_ONCE as a request's msgh_local_port) and
 * receives are those of any port.  XNU's use of the binding for turnstile
 * priority inheritance and MACH_RCV_SYNC_WAIT's check that the receive
 * port is the thread's own are not built (docs/plans/trap.md).
 *
 * Locking: thread->special_reply is under task->lock; the port is made
 * under space->lock, and no IPC lock is taken under task->lock.
 */
#include <linux/err.h>
#include <linux/spinlock.h>

#include "mach/ipc_port.h"
#include "mach/ipc_space.h"
#include "mach/kern_return.h"
#include "mach/task.h"
#include "mach/thread.h"
#include "personality/calls.h"
#include "uapi/machina.h"

/*
 * machina_thread_unbind_special_reply - @thread lets go of its special
 * reply port, if it has one; the port itself stays where its rights are
 * Conditions: process context, no locks held.
 */
void machina_thread_unbind_special_reply(struct machina_thread *thread)
{
	struct machina_task *task = thread->task;
	struct ipc_port *port;

	spin_lock(&task->lock);
	port = thread->special_reply;
	thread->special_reply = NULL;
	spin_unlock(&task->lock);
	ipc_port_put(port);
}

/*
 * machina_call_thread_get_special_reply_port - a new special reply port for
 * the calling thread, bound to it in place of the previous one
 * Conditions: @task is the caller's task; process context, no locks held.
 * Returns: KERN_SUCCESS with out->name; KERN_INVALID_TASK for a dead space;
 * the space's errors (KERN_NO_SPACE, KERN_RESOURCE_SHORTAGE), name
 * MACH_PORT_NULL.  The previous port is unbound whatever the outcome, as
 * XNU does before it allocates.
 */
long machina_call_thread_get_special_reply_port(struct machina_task *task,
						void *arg)
{
	struct machina_name_out *out = arg;
	struct ipc_space *space = task->space;
	struct machina_thread *thread;
	struct ipc_port *port = NULL, *drop;
	int kr;

	if (out->flags)
		return -EINVAL;
	out->name = MACH_PORT_NULL;
	/* Referenced: a teardown may kill the record while the call runs. */
	thread = machina_thread_of(task, current);
	if (IS_ERR_OR_NULL(thread))
		return thread ? PTR_ERR(thread) : -ESRCH;
	machina_thread_unbind_special_reply(thread);

	mutex_lock(&space->lock);
	kr = space->active ? ipc_port_new_receive(space, &port, &out->name, 0) :
			     KERN_INVALID_TASK;
	if (!kr) {
		/* No one else may use the name before space->lock goes. */
		port->special_reply = true;
		ipc_port_receive_add_send(space, port, out->name);
		ipc_port_get(port);
	}
	mutex_unlock(&space->lock);
	if (kr) {
		out->name = MACH_PORT_NULL;
		goto out;
	}

	/*
	 * Only this thread binds, so the slot is empty; a record killed
	 * meanwhile (exec, teardown) keeps none: its kill_port() has run or
	 * will find the port.
	 */
	drop = port;
	spin_lock(&task->lock);
	if (!thread->dead) {
		drop = thread->special_reply;
		thread->special_reply = port;
	}
	spin_unlock(&task->lock);
	ipc_port_put(drop);
out:
	machina_thread_put(thread);
	return kr;
}
