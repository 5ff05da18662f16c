// SPDX-License-Identifier: GPL-2.0
/*
 * QoS through IPC (ipc_qos_override.h has the rules and the locking).
 *
 * Facts from XNU (osfmk/ipc/ipc_kmsg.c, ipc_kmsg_set_qos(); osfmk/mach/
 * message.h): with MACH_SEND_OVERRIDE the priority argument is either a
 * pthread_priority_t (low byte 0xff: the class one-hot in bits 8-21, none
 * with the event-manager or sched-pri flag) or a mach_msg_priority_t built
 * by mach_msg_priority_encode() (class in bits 16-19, relative priority - 1
 * in 8-15, override class in 20-23; the message's override is the higher of
 * the two); a class past USER_INTERACTIVE reads as none.
 */
#include <linux/bitops.h>
#include <linux/cred.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task.h>

#include "mach/ipc_kmsg.h"
#include "mach/ipc_port.h"
#include "mach/ipc_qos_override.h"
#include "mach/sched_qos.h"
#include "mach/task.h"
#include "mach/thread.h"

#define PP_EVENT_MANAGER_FLAG	0x02000000u
#define PP_SCHED_PRI_FLAG	0x20000000u
#define PP_QOS_CLASS_MASK	0x003fff00u
#define PP_QOS_CLASS_SHIFT	8
#define MSG_PRI_QOS_SHIFT	16
#define MSG_PRI_OVERRIDE_SHIFT	20

static void reply_dead_work(struct work_struct *work);

void ipc_qos_override_init(struct machina_thread *thread)
{
	INIT_WORK(&thread->ipc_override.work, reply_dead_work);
}

static u8 valid_class(u32 qos)
{
	return qos < MACHINA_QOS_LAST ? qos : MACHINA_QOS_UNSPECIFIED;
}

/* The class a MACH_SEND_OVERRIDE priority argument names (0: none). */
static u8 priority_class(u32 pri)
{
	u32 one_hot;

	if ((pri & 0xff) == 0xff) {
		if (pri & (PP_EVENT_MANAGER_FLAG | PP_SCHED_PRI_FLAG))
			return MACHINA_QOS_UNSPECIFIED;
		one_hot = (pri & PP_QOS_CLASS_MASK) >> PP_QOS_CLASS_SHIFT;
		return one_hot ? valid_class(__ffs(one_hot) + 1) :
				 MACHINA_QOS_UNSPECIFIED;
	}
	return max(valid_class((pri >> MSG_PRI_QOS_SHIFT) & 0xf),
		   valid_class((pri >> MSG_PRI_OVERRIDE_SHIFT) & 0xf));
}

/*
 * ipc_qos_override_msg_class - the class a message sent now to @dest with
 * disposition @disp carries: the calling thread's effective class (none if
 * it never had one), or for its reply through the send-once right of the
 * message that lifted it, that message's class; raised by
 * MACH_SEND_OVERRIDE to the class @priority names
 * Conditions: process context; @self is the caller's record or NULL
 * (machina_thread_self(): a thread without one has no class).  Lockless: a class
 * changing at the same moment may be read either way.
 */
u8 ipc_qos_override_msg_class(struct machina_thread *self, u32 option,
			      u32 priority, u8 disp, struct ipc_port *dest)
{
	u8 qos = MACHINA_QOS_UNSPECIFIED;

	if (self && disp == MACH_MSG_TYPE_MOVE_SEND_ONCE &&
	    READ_ONCE(self->ipc_override.reply) == dest)
		qos = READ_ONCE(self->sched.ipc_qos);
	else if (self)
		qos = machina_sched_effective_qos_lockless(&self->sched);
	if (option & MACH_SEND_OVERRIDE)
		qos = max(qos, priority_class(priority));
	return qos;
}

/*
 * unlink_reply - drop @port's link to @thread if it is there, and the
 * override's reference on @port
 * Conditions: no locks held.
 */
static void unlink_reply(struct ipc_port *port, struct machina_thread *thread)
{
	bool linked;

	spin_lock(&port->lock);
	linked = port->qos_servicer == thread;
	if (linked)
		port->qos_servicer = NULL;
	spin_unlock(&port->lock);
	if (linked)
		machina_thread_put(thread);
	ipc_port_put(port);
}

enum end_why {
	END_SELF,		/* the thread itself: reply, next receive */
	END_REPLY_DEAD,		/* another context: the reply port died */
	END_DEAD,		/* the record died: nothing to apply */
	END_EXEC,		/* the thread itself, at exec: its record is DEAD */
};

/*
 * end_override - take @thread's IPC override off, if it still holds one
 * (and, for END_SELF with @only, if it is the one whose reply port is
 * @only; for END_REPLY_DEAD, if its reply port is dead), or finish the end
 * of one Linux refused before
 * Applied to the Linux thread at once, except for a dead record, and only
 * when the effective class changes (the thread's own class or a pthread
 * override may already be as high: no machina_sched_apply() then).  From
 * another context (END_REPLY_DEAD) the change is made under the thread's
 * own credentials, so that it can give the thread nothing the thread could
 * not take itself (a lower class can still meet a floor: RLIMIT_NICE).
 * A change Linux refuses leaves sched.ipc_ending set: the override is off
 * the record (the thread's messages no longer carry its class, no reply
 * ends it) but the Linux thread may still run lifted, so the fork probe
 * keeps noting its children and the thread's next receive (or any change
 * of its class that applies) tries again; its exit ends it with the
 * thread.  A time-constraint thread's values are its own request's (the
 * lift never reached them): a refusal leaves nothing to end there.
 * Conditions: process context, no locks held; may sleep.
 */
static void end_override(struct machina_thread *thread, struct ipc_port *only,
			 enum end_why why)
{
	struct machina_sched *s = &thread->sched;
	const struct cred *cred = NULL, *old = NULL;
	struct task_struct *p = NULL;
	struct ipc_port *port;
	bool stale;
	int err = 0;
	u8 eq;

	if (why != END_DEAD) {
		p = why == END_REPLY_DEAD ?
			machina_thread_get_task_struct(thread) :
			get_task_struct(current);
		if (p && why == END_REPLY_DEAD)
			cred = get_task_cred(p);
	}
	mutex_lock(&s->lock);
	port = thread->ipc_override.reply;
	/* An earlier end Linux refused (set only under the lock, else 0). */
	stale = READ_ONCE(s->ipc_ending);
	if ((!s->ipc_qos && !stale) || (only && port != only) ||
	    (why == END_REPLY_DEAD && (!port || READ_ONCE(port->active)))) {
		mutex_unlock(&s->lock);
		goto out;
	}
	eq = machina_sched_effective_qos(s);
	/*
	 * A fork may copy the lifted values until the Linux thread is lowered
	 * below: ipc_ending tells its probe (machina_sched_fork_lifted()).
	 */
	WRITE_ONCE(s->ipc_ending, 1);
	smp_wmb();
	WRITE_ONCE(s->ipc_qos, MACHINA_QOS_UNSPECIFIED);
	WRITE_ONCE(thread->ipc_override.reply, NULL);
	/*
	 * At exec the thread goes back to its baseline, not to its own class:
	 * applied under the new image's credentials, a class could give a
	 * setuid image more than the old one had (CAP_SYS_NICE lifts the
	 * RLIMIT_NICE floor).
	 */
	if (why == END_EXEC)
		machina_sched_forget(s);
	/*
	 * Linux is changed only when the class the thread runs at changes
	 * (or an earlier end of it was refused).
	 */
	if (p && (why == END_EXEC ||
		  (!READ_ONCE(thread->dead) &&
		   (stale || machina_sched_effective_qos(s) != eq)))) {
		if (cred)
			old = override_creds(cred);
		/* The override is off the record whatever Linux says. */
		err = machina_sched_apply(thread, p);
		if (cred)
			revert_creds(old);
	}
	/*
	 * The thread runs at its own values now (or is dead, or runs a new
	 * image whose record is new); refused: see above.
	 */
	if (!err || s->req.rt || why == END_EXEC)
		smp_store_release(&s->ipc_ending, 0);
	mutex_unlock(&s->lock);
	if (port)
		unlink_reply(port, thread);
out:
	if (cred)
		put_cred(cred);
	if (p)
		put_task_struct(p);
}

/*
 * ipc_qos_override_receiving - the caller enters a receive: the override
 * of the message it received last comes off
 * (and an earlier end Linux refused is tried again)
 * Conditions: process context, no locks held; @self is the caller's record
 * (machina_thread_self()) or NULL.  The ipc_qos and ipc_ending reads are
 * racy hints: end_override() decides under sched.lock.
 */
void ipc_qos_override_receiving(struct machina_thread *self)
{
	if (self && (READ_ONCE(self->sched.ipc_qos) ||
		     READ_ONCE(self->sched.ipc_ending)))
		end_override(self, NULL, END_SELF);
}

/*
 * ipc_qos_override_replied - the caller sent a message through a
 * send-once right to @dest: if @dest is the reply port of the message that
 * lifted it, the override comes off
 * Conditions: process context, no locks held; @dest referenced; @self is
 * the caller's record (machina_thread_self()) or NULL.
 */
void ipc_qos_override_replied(struct machina_thread *self,
			      struct ipc_port *dest)
{
	if (self && READ_ONCE(self->sched.ipc_qos) &&
	    READ_ONCE(self->ipc_override.reply) == dest)
		end_override(self, dest, END_SELF);
}

/*
 * ipc_qos_override_received - the caller dequeued @kmsg: it takes the
 * message's class as its IPC override and applies it, and links the
 * message's send-once reply port to itself
 * Nothing is taken when the message has no class, when the record cannot
 * be made, when the reply port is already dead or already lifts another
 * thread, or when Linux refuses the change.  Linux is changed only when
 * the thread's effective class rises (its own class may be as high).
 * Conditions: process context, no locks held; may sleep; before @kmsg's
 * reply right is copied out (kmsg->local still holds it, so @reply stays
 * valid here even if a reply-dead work ends the override meanwhile).
 * @self is the caller's record (machina_thread_self()) or NULL: one is made.
 *
 * No reference is taken on the record: it cannot die before the link is
 * made.  Only the thread's own exit or exec, or its task's teardown after
 * every thread of the group passed exit, unlinks it (thread.h,
 * machina_thread_self()), and this thread is inside mach_msg.  So
 * kill_port()'s END_DEAD always comes after this function, finds the
 * override, and breaks the link and the reference on the port.
 */
void ipc_qos_override_received(struct machina_task *task,
			       struct machina_thread *self,
			       struct ipc_kmsg *kmsg)
{
	struct machina_thread *thread = self;
	struct ipc_port *reply = NULL;
	struct machina_sched *s;
	bool linked;
	u8 qos = kmsg->qos, eq;

	if (!qos)
		return;
	if (!thread)
		thread = machina_thread_current(task);
	if (IS_ERR(thread))
		return;
	/* Normally gone at the receive's start already. */
	if (READ_ONCE(thread->sched.ipc_qos) ||
	    READ_ONCE(thread->sched.ipc_ending))
		end_override(thread, NULL, END_SELF);
	if (IPC_OBJECT_REAL(kmsg->local.obj) &&
	    kmsg->local.type == MACH_MSG_TYPE_PORT_SEND_ONCE) {
		reply = ipc_port_from_object(kmsg->local.obj);
		ipc_port_get(reply);
	}
	s = &thread->sched;
	machina_sched_lock(thread, current);
	eq = machina_sched_effective_qos(s);
	WRITE_ONCE(s->ipc_qos, qos);
	/*
	 * Linux is changed only when the class the thread runs at changes,
	 * and then only ever upwards from what its own state gives
	 * (sched_qos.c, want_linux()): a message never lowers its receiver.
	 */
	if (machina_sched_effective_qos(s) != eq &&
	    machina_sched_apply(thread, current)) {
		/* Linux refused: nothing changed, nothing is held. */
		WRITE_ONCE(s->ipc_qos, MACHINA_QOS_UNSPECIFIED);
		mutex_unlock(&s->lock);
		ipc_port_put(reply);
		return;
	}
	WRITE_ONCE(thread->ipc_override.reply, reply);
	mutex_unlock(&s->lock);
	if (!reply)
		return;
	/*
	 * The link is made after the override is recorded: a port that dies
	 * before it is found dead here, one that dies after finds the link.
	 */
	spin_lock(&reply->lock);
	linked = reply->active && !reply->qos_servicer;
	if (linked) {
		kref_get(&thread->ref);
		reply->qos_servicer = thread;
	}
	spin_unlock(&reply->lock);
	if (!linked)
		end_override(thread, reply, END_SELF);
}

/*
 * ipc_qos_override_thread_dead - @thread's record died: its override goes
 * with it (the Linux thread is exiting or runs a new image)
 * Conditions: process context, no locks held; the record is DEAD.
 */
void ipc_qos_override_thread_dead(struct machina_thread *thread)
{
	end_override(thread, NULL, END_DEAD);
}

/*
 * ipc_qos_override_exec - the calling thread, lifted by a message, starts
 * a new image: the lift comes off its Linux thread before the image runs
 * The class was the sender's doing, for the handling of one request: the
 * new image (a helper, a re-exec, a setuid program) must not keep it for
 * as long as it runs while the sender keeps the reply port alive.  It
 * goes back to its baseline (its own class too is dropped: re-applied
 * under the new image's credentials it could rise).
 * Conditions: exec's task work in the thread itself, process context, no
 * locks held; @thread is its record from before the exec, DEAD and not yet
 * handed to kill_port().
 */
void ipc_qos_override_exec(struct machina_thread *thread)
{
	end_override(thread, NULL, END_EXEC);
}

static void reply_dead_work(struct work_struct *work)
{
	struct machina_thread *thread =
		container_of(work, struct machina_thread, ipc_override.work);

	end_override(thread, NULL, END_REPLY_DEAD);
	machina_thread_put(thread);	/* the port link's */
}

/*
 * ipc_qos_override_reply_dead - the reply port that lifted @servicer died;
 * its link (and the link's reference on @servicer) was taken from the port
 * under port->lock.  The override comes off from the task workqueue.
 * Conditions: process context, no spinlock held.
 */
void ipc_qos_override_reply_dead(struct machina_thread *servicer)
{
	/* Already queued for an earlier port: that run checks this one too. */
	if (!machina_task_queue_work(&servicer->ipc_override.work))
		machina_thread_put(servicer);
}
