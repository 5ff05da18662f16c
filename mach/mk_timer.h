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
 * Locking: timer->lock (mutex) protects armed, deadline and dead.  The
 * hrtimer callback takes no lock: it only queues the delivery work, which
 * rechecks everything under timer->lock, so a cancel or re-arm that wins the
 * race leaves no stray message.  Lock order:
 *   space->lock -> timer->lock -> port->lock
 * (port death may run under space->lock and waits for the work, which
 * never takes a space lock).
 */
#ifndef _MACHINA_MK_TIMER_H
#define _MACHINA_MK_TIMER_H

struct mk_timer;

void mk_timer_port_dead(struct mk_timer *timer);

#endif /* _MACHINA_MK_TIMER_H */
