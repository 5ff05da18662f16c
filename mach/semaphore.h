/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mach semaphores: a counter with a FIFO of waiting threads, named by a
 * kernel-object port (IKOT_SEMAPHORE) and owned by the task it was created
 * on.
 *
 * Lifetime: a semaphore is on its owner's task->semaphores list (one
 * reference) from semaphore_create until semaphore_destroy or the owner's
 * termination, whichever comes first: taking it off that list under
 * task->lock is what decides who destroys it.  Destruction marks it
 * inactive, wakes every waiter with KERN_TERMINATED and kills its port, so
 * every send right to it becomes a dead name.  Callers that found it through
 * its port hold a reference of their own for the duration of the call.
 *
 * Locking: sem->lock (spinlock) protects count, active and the waiter list;
 * nothing sleeps under it.  Lock order: task->lock and sem->lock are never
 * held together; a waker calls wake_up_process() under sem->lock, and a
 * waiter takes sem->lock before leaving, so a waiter's on-stack record is
 * never touched after it returns.  wait_signal never holds two semaphore
 * locks at once: it queues itself on the semaphore it waits on before it
 * signals the other, so no wakeup in between can be lost.
 */
#ifndef _MACHINA_SEMAPHORE_H
#define _MACHINA_SEMAPHORE_H

struct machina_task;

void machina_semaphore_task_terminate(struct machina_task *task);

extern unsigned int machina_max_semaphores;

#endif /* _MACHINA_SEMAPHORE_H */
