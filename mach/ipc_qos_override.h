/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QoS through IPC: XNU's sync IPC override, receive side.
 *
 * Every message carries a class (ipc_kmsg.qos): its sender's effective QoS
 * at send time (machina_sched_effective_qos(), which includes the sender's
 * own overrides, so overrides pass along a chain of servers) - except a
 * reply through the send-once right of the message that lifted the sender,
 * which carries that message's class back (XNU's reply carries the voucher
 * of the request: the client is not lifted by its server) - raised with
 * MACH_SEND_OVERRIDE to the class of the mach_msg_priority_t the sender
 * passes (mach_msg's notify argument, mach_msg2's priority field).  Never
 * above USER_INTERACTIVE, never real time.
 *
 * The thread that receives a message with a class takes one "IPC override"
 * of that class (machina_sched.ipc_qos: the effective class is the highest
 * of its request, its pthread overrides and this) and applies it to its own
 * Linux thread at once (policy, nice, P/E placement, within its own
 * rights) - only ever as a raise.  The thread runs at the better, in each
 * of Linux's measures (SCHED_IDLE < SCHED_BATCH < SCHED_NORMAL, and the
 * nice value), of what its own state gives (its class raised by its
 * pthread overrides; without a class its baseline: the policy and nice its
 * owner gave it) and what the message's class gives; a message never
 * narrows a thread without a class onto the efficiency CPUs.  So a
 * BACKGROUND message leaves a class-less server as it is, and the end of
 * the override gives back exactly the thread's own values.  (XNU: the push
 * through IPC raises the base priority to the higher of the two, and a QoS
 * override counts only for a thread that has a class.)  A thread holds at
 * most one: it comes off when
 *   - the thread sends a message through the send-once reply right of that
 *     message (reply, below), or
 *   - the thread enters its next receive, or
 *   - the reply port dies (the client was killed or dropped its receive
 *     right): the port's death queues override.work, which takes it off
 *     from the task workqueue under the thread's own credentials, or
 *   - the thread execs (applied at once: the new image does not keep it),
 *   - the thread's record dies (exit, task teardown).
 * A reply port lifts at most one thread (ipc_port.qos_servicer); a second
 * message naming the same reply port lifts nobody.  An end Linux refuses
 * leaves machina_sched.ipc_ending set until a later change applies (the
 * thread's next receive tries again): the fork probe keeps taking the lift
 * off its children meanwhile.  A process the thread
 * forks while lifted does not keep the lift clone() copied: the fork path
 * takes it off the child (task_fork_exec.c, machina_sched_unlift_child()).
 *
 * The calling thread's record reaches these calls from mach_msg, looked up
 * once per call (machina_thread_self(): valid while the thread runs).
 *
 * Records: nothing is allocated.  The override lives in the thread record
 * and the port link in the port, both already charged; an override holds a
 * reference on its reply port and the link one on the thread record, each
 * dropped when the override ends.
 *
 * Locking: sched.lock (a mutex) guards machina_sched.ipc_qos and
 * override.reply; port->lock guards port->qos_servicer.  port->lock is
 * never taken under sched.lock, and nothing here runs under a spinlock:
 * machina_sched_apply() sleeps (sched_setattr_nocheck(),
 * set_cpus_allowed_ptr()).  PREEMPT_RT: no raw spinlock, no atomic section.
 */
#ifndef _MACHINA_IPC_QOS_OVERRIDE_H
#define _MACHINA_IPC_QOS_OVERRIDE_H

#include <linux/types.h>
#include <linux/workqueue.h>

struct ipc_kmsg;
struct ipc_port;
struct machina_task;
struct machina_thread;

/* Embedded in struct machina_thread. */
struct machina_ipc_override {
	struct ipc_port *reply;		/* under sched.lock; referenced */
	struct work_struct work;	/* the reply port died */
};

void ipc_qos_override_init(struct machina_thread *thread);
u8 ipc_qos_override_msg_class(struct machina_thread *self, u32 option,
			      u32 priority, u8 disp, struct ipc_port *dest);
void ipc_qos_override_received(struct machina_task *task,
			       struct machina_thread *self,
			       struct ipc_kmsg *kmsg);
void ipc_qos_override_receiving(struct machina_thread *self);
void ipc_qos_override_replied(struct machina_thread *self,
			      struct ipc_port *dest);
void ipc_qos_override_thread_dead(struct machina_thread *thread);
void ipc_qos_override_exec(struct machina_thread *thread);
void ipc_qos_override_reply_dead(struct machina_thread *servicer);

#endif /* _MACHINA_IPC_QOS_OVERRIDE_H */
