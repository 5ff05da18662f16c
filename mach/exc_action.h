/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exception actions (exc_action.c): for each exception type, the send
 * right an exception of that type goes to, with the message's behavior
 * and thread-state flavor.  Three levels hold a table each, tried thread,
 * task, host when an exception is raised:
 *
 *   thread  thread->exc, NULL until the first thread_set or
 *           thread_swap_exception_ports (XNU allocates tro_exc_actions
 *           then too), allocated with GFP_KERNEL_ACCOUNT to the caller;
 *           released and freed when the record dies (its exit, its exec
 *           or its task's teardown: kill_port()), after which the record's
 *           exc_closed refuses new ones.  Guarded by the owning task's
 *           itk_lock.
 *   task    task->exc (task.h), guarded by task->itk_lock; inherited at
 *           fork, dropped at an AT_SECURE exec and at teardown
 *           (task_fork_exec.c, task.c).
 *   host    one table for the machine (host.c), guarded by the host's
 *           exception lock; set through host_priv only.
 *
 * Each entry's port is a send right the kernel holds (one per type, even
 * when several types share a port) plus a reference, released with
 * machina_port_release_send_right() outside every spinlock.  Slot 0 is
 * unused, as on Darwin: types 1..13.
 *
 * Lock order: the level's lock (task->itk_lock, host exc lock) ->
 * port->lock (a send right is copied under the level's lock, so it cannot
 * be released in between).
 */
#ifndef _MACHINA_EXC_ACTION_H
#define _MACHINA_EXC_ACTION_H

#include <linux/spinlock.h>
#include <linux/types.h>

struct ipc_port;
struct machina_task;
struct machina_thread;

/* Exception types 1..13 index a table; slot 0 is unused, as on Darwin. */
#define MACHINA_EXC_TYPES 14

struct machina_exc_action {
	struct ipc_port *port;		/* a send right, or NULL */
	s32 behavior;
	s32 flavor;
};

/*
 * One level's table as a call sees it:
 *   lock    the spinlock guarding *table and *closed;
 *   table   where the table's pointer lives; NULL in *table means none yet
 *           (a thread's): set and swap allocate it, get answers nothing;
 *   closed  true once the owner is gone: calls fail with KERN_FAILURE and
 *           nothing is kept.
 */
struct machina_exc_level {
	spinlock_t *lock;
	struct machina_exc_action **table;
	const bool *closed;
};

void machina_exc_table_release(struct machina_exc_action *table);
void machina_exc_thread_close(struct machina_thread *thread);

/* host.c: the host's table, and host_priv for the calls that need it. */
void machina_host_exc_level(struct machina_exc_level *level);
int machina_host_priv_check(struct machina_task *caller, u32 name);

#endif /* _MACHINA_EXC_ACTION_H */
