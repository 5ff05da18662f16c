/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Redirects: send the calls of a kernel function to one of ours, while
 * someone needs it (ftrace_redirect.c).
 *
 * Two parts, used together:
 *
 *   struct machina_redirect - one traced kernel function (target) whose
 *   calls an ftrace_ops with IPMODIFY sends to the function pick() names
 *   (same prototype as the target), as livepatch does.  pick() runs in the
 *   ftrace callback: preemption disabled (also on PREEMPT_RT), so it may
 *   use RCU, atomics and raw spinlocks only; it returns 0 to let the call
 *   through.  A call of the target made from this module itself is never
 *   redirected: that is how ours calls the original
 *   (machina_redirect_original()).
 *
 *   struct machina_hooks - a holder count with a linger: attach() runs
 *   when the first holder comes, detach() MACHINA_HOOKS_LINGER after the
 *   last one went (a holder that comes meanwhile finds them attached).  A
 *   user's own hooks (a redirect, a tracepoint probe, a kprobe) are
 *   attached and detached there.  The linger bounds what a loop of holds
 *   and releases makes the kernel do: patching kernel text every CPU runs
 *   and waiting for RCU grace periods, at most once per linger.
 *
 * Locking: hooks->mutex (outermost, taken with no Machina lock held)
 * serialises attach/detach/exit and the redirect's register/unregister;
 * the holder count is atomic.  machina_hooks_release() may be called in
 * any context.
 *
 * Lifetime: a redirected thread runs this module's code from the moment
 * the callback moved its instruction pointer: unregistering waits
 * (synchronize_rcu_tasks()) until every task has passed a voluntary
 * switch, so none is left between the callback and the function it was
 * sent to; a function that sleeps must pin the module
 * (try_module_get()) before it does.  machina_hooks_exit() waits once
 * more at unload for threads that ran the last instructions after their
 * module_put().
 */
#ifndef _MACHINA_FTRACE_REDIRECT_H
#define _MACHINA_FTRACE_REDIRECT_H

#include <linux/atomic.h>
#include <linux/ftrace.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>

/* Not declared by <linux/ftrace.h> without CONFIG_FUNCTION_TRACER. */
struct ftrace_regs;

/* How long hooks stay attached after the last holder went. */
#define MACHINA_HOOKS_LINGER	(10 * HZ)

struct machina_redirect {
	const char *target;		/* the traced function's symbol */
	unsigned long (*pick)(struct ftrace_regs *fregs);
	/* private */
#if MACHINA_FTRACE_REDIRECT
	struct ftrace_ops ops;
#endif
	bool filter_set;		/* the hooks' mutex */
	unsigned long ip;		/* the callback's ip (entry + patch offset) */
	unsigned long entry;		/* the original's entry, once known */
};

#define MACHINA_REDIRECT_INIT(sym, fn)	{ .target = (sym), .pick = (fn) }

struct machina_hooks {
	int (*attach)(void);		/* mutex held; undoes itself on error */
	void (*detach)(void);		/* mutex held */
	void (*free)(void);		/* mutex held, detached: at unload */
	/* private */
	struct mutex mutex;
	atomic_t holders;
	bool on;			/* mutex */
	bool used;			/* mutex: attached once since load */
	atomic_long_t attached;		/* attachments since load */
	struct delayed_work off_work;
};

void machina_hooks_off_fn(struct work_struct *work);

#define MACHINA_HOOKS_DEFINE(name, _attach, _detach, _free)		\
	struct machina_hooks name = {					\
		.attach = (_attach),					\
		.detach = (_detach),					\
		.free = (_free),					\
		.mutex = __MUTEX_INITIALIZER(name.mutex),		\
		.holders = ATOMIC_INIT(0),				\
		.attached = ATOMIC_LONG_INIT(0),			\
		.off_work = __DELAYED_WORK_INITIALIZER(name.off_work,	\
				machina_hooks_off_fn, 0),		\
	}

int machina_hooks_hold(struct machina_hooks *hooks);
bool machina_hooks_hold_more(struct machina_hooks *hooks);
void machina_hooks_release(struct machina_hooks *hooks);
long machina_hooks_attached(struct machina_hooks *hooks);
void machina_hooks_exit(struct machina_hooks *hooks);

#if MACHINA_FTRACE_REDIRECT
int machina_redirect_register(struct machina_redirect *r);
void machina_redirect_unregister(struct machina_redirect *r);
void machina_redirect_free(struct machina_redirect *r);
unsigned long machina_redirect_original(struct machina_redirect *r);
#endif

#endif /* _MACHINA_FTRACE_REDIRECT_H */
