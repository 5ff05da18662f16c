/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mach timers (mk_timer): a receive right in the creator's space whose port
 * carries a timer.  Arming it schedules one message to the port
 * (mk_timer_expire_msg_t: id 0, 24 zero bytes after the header), sent with
 * a copy of the send right the timer holds on its own port, so the port
 * always has a sender while the timer lives.
 *
 * Lifetime: port->timer (under port->lock) holds one reference from
 * mk_timer_create until the port dies, however it dies (mk_timer_destroy,
 * mach_port_destroy, the owner's exit, a message carrying the receive right
 * being destroyed): port death calls mk_timer_port_dead(), which stops the
 * hrtimer and the delivery work for good before dropping that reference.
 *
 * Messages: the timer owns one expiry message, allocated by
 * mk_timer_create (charged to the creator's memory cgroup) and reused; while
 * it is in flight (queued or being received) it holds a timer reference and
 * timer->msg is NULL, and an expiry finding it so is dropped, as on Darwin.
 * Receiving or destroying it gives it back (ipc_kmsg_alloc_reserved()).
 *
 * Locking: timer->lock (mutex) protects armed, deadline and dead; timer->msg
 * is exchanged atomically.  The hrtimer callback takes no lock and
 * allocates nothing (so it is safe in hard interrupt context and on
 * PREEMPT_RT): it only queues the delivery work on the module's timer
 * workqueue, which rechecks everything under timer->lock, so a cancel or
 * re-arm that wins the race leaves no stray message.  Lock order:
 *   space->lock -> timer->lock -> port->lock
 * (port death may run under space->lock and waits for the work, which
 * never takes a space lock).
 */
#ifndef _MACHINA_MK_TIMER_H
#define _MACHINA_MK_TIMER_H

struct mk_timer;

void mk_timer_port_dead(struct mk_timer *timer);
int mk_timer_init(void);
void mk_timer_exit(void);

#endif /* _MACHINA_MK_TIMER_H */
