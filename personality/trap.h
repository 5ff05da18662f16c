/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Darwin trap instructions: the XNU Mach trap table (trap_table.c) and the
 * shim that brings a trap instruction to it (trap_shim.c), for processes
 * that opted in (MACHINA_IOC_TRAPS_ENABLE).
 *
 * Who is opted in: a Mach task with MACHINA_TASK_TRAPS set in
 * task->trap_flags, or a child forked by one that has not made its task
 * yet, whose inheritance record (mach/task_fork_exec.c) carries
 * machina_task_ports.traps.  Each of these holds one count of the shim's
 * hooks (machina_trap_hold*() / machina_trap_release()): the hooks are
 * registered while the count is above zero.
 */
#ifndef _MACHINA_TRAP_H
#define _MACHINA_TRAP_H

#include <linux/types.h>

struct machina_task;

/* Argument registers a trap can have (XNU's mach_msg2_trap has 8). */
#define MACHINA_TRAP_ARGS	8

/* Bits of task->trap_flags. */
#define MACHINA_TASK_TRAPS	0	/* the process opted in */

/* trap_table.c */
long machina_trap_call(struct machina_task *task, unsigned int nr,
		       const u64 *args);
unsigned int machina_trap_argc(unsigned int nr);
long machina_trap_unix(void);

/* trap_shim.c */
int machina_trap_hold(void);
bool machina_trap_hold_more(void);
void machina_trap_release(void);
void machina_trap_task_drop(struct machina_task *task);
bool machina_trap_task_take(struct machina_task *task);
void machina_trap_exit(void);
u64 machina_trap_features(void);
long machina_trap_hooks_attached(void);
long machina_trap_unread_count(void);

#endif /* _MACHINA_TRAP_H */
