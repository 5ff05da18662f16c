/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The user-fault hook (exc_hook.c): a fault Linux is about to turn into a
 * signal (force_sig_fault(), and force_sig() for x86's int3 and #GP) is
 * raised as a Mach exception first (mach/exc_raise.c); the signal goes
 * out only when every handler declined.
 *
 * Holders of the hooks (personality/ftrace_redirect.h): each task whose
 * task or thread levels got an action with a valid port
 * (MACHINA_TASK_EXC_HOOKED in task->exc_flags, from then until its
 * teardown or an AT_SECURE exec), and the host from its first action
 * until unload.  With no holder the kernel functions are not patched.
 */
#ifndef _MACHINA_EXC_HOOK_H
#define _MACHINA_EXC_HOOK_H

struct machina_task;

/* Bits of task->exc_flags. */
#define MACHINA_TASK_EXC_HOOKED	0	/* holds one count of the exception hooks */

void machina_exc_hook_hold(struct machina_task *task);
void machina_exc_hook_drop(struct machina_task *task);
long machina_exc_hooks_attached(void);
void machina_exc_hook_exit(void);

#endif /* _MACHINA_EXC_HOOK_H */
