/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raising an exception (exc_raise.c): the faulting thread sends Darwin's
 * exception_raise (2401) or mach_exception_raise (2405) request to the
 * action of its thread, then its task, then the host (XNU's
 * exception_triage_thread order) and waits for each handler's answer.
 *
 * Only EXCEPTION_DEFAULT is delivered (a level whose action has another
 * behavior is passed over, as a failed delivery).
 *
 * The reply: every delivery makes a kernel-held port (IKOT_EXC_REPLY)
 * whose kobject is the waiting raise, and puts a send-once right to it in
 * the request's msgh_remote_port; the handler's reply, or the send-once
 * notification when the right is destroyed unused, comes to it through
 * ipc_kobject_server() -> machina_exc_reply().
 *
 * Locking: port->lock of the reply port guards its kobject pointer (the
 * waiter on the raising thread's stack) and the waiter's fields; no
 * Machina lock is held across the send or the wait.
 */
#ifndef _MACHINA_EXC_RAISE_H
#define _MACHINA_EXC_RAISE_H

#include <linux/types.h>

struct ipc_kmsg;
struct machina_task;
struct machina_thread;

/* What a fault raises: its type (EXC_*) and two codes. */
struct machina_exc_fault {
	int type;
	s64 code[2];
};

int machina_exc_raise(struct machina_task *task, struct machina_thread *thread,
		      const struct machina_exc_fault *f);
void machina_exc_reply(struct ipc_kmsg *kmsg);

#endif /* _MACHINA_EXC_RAISE_H */
