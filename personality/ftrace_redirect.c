// SPDX-License-Identifier: GPL-2.0
/*
 * Redirects of kernel functions and the holder count that keeps them
 * attached (ftrace_redirect.h).  Users: the Darwin trap shim
 * (trap_shim.c) and, later, the exception hooks.
 *
 * The holder count: a count is only ever taken from zero under the
 * mutex (machina_hooks_hold(), which attaches when the hooks are off);
 * copies take one only while another holder exists
 * (machina_hooks_hold_more()).  The last release queues off_work, which
 * detaches under the mutex if the count is still zero when it runs,
 * MACHINA_HOOKS_LINGER after the LAST release that brought the count to
 * zero (each such release pushes a pending work back: mod_delayed_work();
 * a hold meanwhile found the hooks still on and kept them).
 */
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/string.h>

#include "personality/ftrace_redirect.h"

/* off_work: detach if nobody came back during the linger. */
void machina_hooks_off_fn(struct work_struct *work)
{
	struct machina_hooks *hooks =
		container_of(to_delayed_work(work), struct machina_hooks, off_work);

	mutex_lock(&hooks->mutex);
	if (hooks->on && !atomic_read(&hooks->holders)) {
		hooks->detach();
		hooks->on = false;
	}
	mutex_unlock(&hooks->mutex);
}

/*
 * machina_hooks_hold - one more holder; attaches the hooks if they are off
 * Conditions: process context, no Machina lock held; may sleep (killably:
 * an attachment may take long, and a caller being killed does not wait).
 * Returns: 0, -EINTR on a fatal signal, or attach()'s error (no count
 * taken).
 */
int machina_hooks_hold(struct machina_hooks *hooks)
{
	int err = 0;

	if (mutex_lock_killable(&hooks->mutex))
		return -EINTR;
	if (!hooks->on) {
		err = hooks->attach();
		hooks->on = !err;
		if (hooks->on) {
			hooks->used = true;
			atomic_long_inc(&hooks->attached);
		}
	}
	if (!err)
		atomic_inc(&hooks->holders);
	mutex_unlock(&hooks->mutex);
	return err;
}

/* machina_hooks_hold_more - a count while another holder keeps the hooks. */
bool machina_hooks_hold_more(struct machina_hooks *hooks)
{
	return atomic_inc_not_zero(&hooks->holders);
}

/* machina_hooks_release - drop a count.  Conditions: any context. */
void machina_hooks_release(struct machina_hooks *hooks)
{
	if (atomic_dec_and_test(&hooks->holders))
		mod_delayed_work(system_wq, &hooks->off_work, MACHINA_HOOKS_LINGER);
}

/* How many times the hooks were attached since the module loaded. */
long machina_hooks_attached(struct machina_hooks *hooks)
{
	return atomic_long_read(&hooks->attached);
}

/*
 * machina_hooks_exit - module unload: no holder is left; the hooks go if
 * the linger has not taken them down yet, then what registration keeps
 * (hooks->free()).
 * Conditions: process context, no locks held.
 */
void machina_hooks_exit(struct machina_hooks *hooks)
{
	cancel_delayed_work_sync(&hooks->off_work);
	mutex_lock(&hooks->mutex);
	if (hooks->on)
		hooks->detach();
	hooks->on = false;
	hooks->free();
	/*
	 * A redirected function runs a few instructions of this module after
	 * its module_put(): a thread preempted there kept no reference, and
	 * the wait at detachment may be long past (the hooks went off while
	 * it slept inside).  It has not passed a voluntary switch since: wait
	 * for that before the text goes.
	 */
	if (hooks->used)
		synchronize_rcu_tasks();
	mutex_unlock(&hooks->mutex);
}

#if MACHINA_FTRACE_REDIRECT

/*
 * redirect_ftrace - the ftrace callback of every redirect: our own call
 * of the original goes through; any other call goes where pick() says
 * Conditions: preemption disabled; no lock, no sleep (PREEMPT_RT: pick()
 * takes only RCU, atomics and raw spinlocks).
 */
static void notrace redirect_ftrace(unsigned long ip, unsigned long parent_ip,
				    struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct machina_redirect *r = container_of(op, struct machina_redirect, ops);
	unsigned long to;

	if (within_module(parent_ip, THIS_MODULE))
		return;
	to = r->pick(fregs);
	if (!to)
		return;
	/* The same value from every CPU: where the patch site is. */
	if (!READ_ONCE(r->ip))
		WRITE_ONCE(r->ip, ip);
	machina_ftrace_set_ip(fregs, to);
}

/*
 * machina_redirect_register - start sending @r->target's calls to pick()'s
 * choice
 * Conditions: the owning hooks' mutex held (from attach()).
 * Returns: 0 or the ftrace error.  The filter is set once and kept until
 * machina_redirect_free(): ftrace_free_filter() frees the hashes without
 * resetting the ops, which then cannot be registered again (6.12 faulted
 * in register_ftrace_function()).
 */
int machina_redirect_register(struct machina_redirect *r)
{
	char target[KSYM_NAME_LEN];
	int err;

	if (!r->filter_set) {
		r->ops.func = redirect_ftrace;
		r->ops.flags = MACHINA_FTRACE_IPMODIFY_FLAGS;
		/* ftrace_set_filter() may write into its buffer. */
		if (strscpy(target, r->target, sizeof(target)) < 0)
			return -EINVAL;
		err = ftrace_set_filter(&r->ops, target, strlen(target), 1);
		if (err)
			return err;
		r->filter_set = true;
	}
	return register_ftrace_function(&r->ops);
}

/*
 * machina_redirect_unregister - stop, and wait until no thread is between
 * the callback and the function it was sent to (ftrace's own wait covers
 * only preemptible kernels: wait for every task's voluntary switch here)
 * Conditions: the owning hooks' mutex held (from detach()); may sleep.
 */
void machina_redirect_unregister(struct machina_redirect *r)
{
	unregister_ftrace_function(&r->ops);
	synchronize_rcu_tasks();
}

/* machina_redirect_free - unload: what registration keeps.  Unregistered. */
void machina_redirect_free(struct machina_redirect *r)
{
	if (r->filter_set)
		ftrace_free_filter(&r->ops);
	r->filter_set = false;
	r->ip = 0;
	r->entry = 0;
}

/*
 * machina_redirect_original - the entry of @r->target, for calling the
 * original from the function a call was sent to (the callback lets that
 * call through)
 * The callback's ip is the patch site, not the entry: entry + 4 after an
 * IBT endbr64 (6.12-amd64) or arm64's patchable-entry slot, entry + 0 on
 * 6.1-amd64.  sprint_symbol() gives "name+off/size"; the entry is ip -
 * off, accepted only when the name is the target's and off is a patch
 * site's (within the first 16 bytes).  Cached.
 * Conditions: process context (a call that was redirected: the ip is
 * known by then).
 * Returns: the entry, or 0 when it cannot be worked out (the caller must
 * then do without the original).
 */
unsigned long machina_redirect_original(struct machina_redirect *r)
{
	unsigned long ip = READ_ONCE(r->ip), entry = READ_ONCE(r->entry);
	unsigned long off, size;
	char buf[KSYM_SYMBOL_LEN];
	char *plus, *slash, *end;

	if (entry || !ip)
		return entry;
	sprint_symbol(buf, ip);
	plus = strchr(buf, '+');
	if (!plus)
		return 0;
	*plus = '\0';
	if (strcmp(buf, r->target))
		return 0;
	slash = strchr(plus + 1, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	end = strchr(slash + 1, ' ');	/* " [module]" */
	if (end)
		*end = '\0';
	if (kstrtoul(plus + 1, 16, &off) || kstrtoul(slash + 1, 16, &size))
		return 0;
	if (off > 16 || off >= size)
		return 0;
	entry = ip - off;
	WRITE_ONCE(r->entry, entry);
	return entry;
}

#endif /* MACHINA_FTRACE_REDIRECT */
