// SPDX-License-Identifier: GPL-2.0
/*
 * Performance/efficiency-core placement by QoS class: the split of the
 * CPUs by capacity made at load, and the affinity a thread gets for its
 * class within the mask its owner and its cpuset gave it (sched_placement.h
 * has the state and the lock rules; docs/ARCHITECTURE.md, "QoS", the
 * reasons).
 */
#include <linux/cgroup.h>
#include <linux/cpumask.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/topology.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "mach/sched_placement.h"
#include "mach/sched_qos.h"

/* The efficiency CPUs (possible CPUs), or NULL on a symmetric machine. */
static struct cpumask *efficiency;

/*
 * machina_placement_init - split the possible CPUs by capacity: a CPU below
 * 3/4 of the largest capacity is an efficiency CPU
 * Capacities are read once: a later change (cpufreq rescaling them) is not
 * followed.  CPUs that come and go are handled when a thread is placed.
 * Returns: 0 or -ENOMEM.
 */
int machina_placement_init(void)
{
	unsigned long cap, top = 0;
	struct cpumask *e;
	int cpu;

	for_each_possible_cpu(cpu)
		top = max(top, arch_scale_cpu_capacity(cpu));
	e = kzalloc(cpumask_size(), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		cap = arch_scale_cpu_capacity(cpu);
		if (cap * 4 < top * 3)
			cpumask_set_cpu(cpu, e);
	}
	if (cpumask_empty(e)) {
		kfree(e);
		pr_info("machina: symmetric CPU capacities: no QoS placement\n");
		return 0;
	}
	efficiency = e;
	pr_info("machina: QoS placement: efficiency CPUs %*pbl\n",
		cpumask_pr_args(efficiency));
	return 0;
}

/* Module unload: threads keep the masks they have. */
void machina_placement_exit(void)
{
	kfree(efficiency);
	efficiency = NULL;
}

/* A new mask (contents undefined) with one reference, charged to the caller; or NULL. */
static struct machina_cpus *cpus_alloc(void)
{
	struct machina_cpus *c;

	c = kmalloc(sizeof(*c) + cpumask_size(), GFP_KERNEL_ACCOUNT);
	if (c)
		refcount_set(&c->ref, 1);
	return c;
}

static struct cpumask *bits(struct machina_cpus *c)
{
	return to_cpumask(c->bits);
}

/* machina_placement_put - drop a reference.  Conditions: any context. */
void machina_placement_put(struct machina_cpus *c)
{
	if (c && refcount_dec_and_test(&c->ref))
		kfree_rcu(c, rcu);
}

/* The thread's own mask (cpus_mask, which its pi_lock guards) into @m. */
static void current_mask(struct task_struct *p, struct cpumask *m)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&p->pi_lock, flags);
	cpumask_copy(m, &p->cpus_mask);
	raw_spin_unlock_irqrestore(&p->pi_lock, flags);
}

/*
 * The serial number of @p's cpuset (0 without cpusets); *@below_root
 * (unless NULL): it is not the root cpuset (a cpuset confines it, or may:
 * on cgroup v2 a child group with the cpuset controller on, whatever its
 * CPUs).
 */
static u64 cpuset_of(struct task_struct *p, bool *below_root)
{
	u64 id = 0;
	bool below = false;

#ifdef CONFIG_CPUSETS
	rcu_read_lock();
	id = task_css(p, cpuset_cgrp_id)->serial_nr;
	below = task_css(p, cpuset_cgrp_id)->parent;
	rcu_read_unlock();
#endif
	if (below_root)
		*below_root = below;
	return id;
}

/*
 * Whether Machina's saved user mask @user still stands for a thread whose
 * mask is @cur and whose cpuset is @cpuset: it has the mask Machina left
 * (@applied) and is in the snapshot's cpuset.  The caller reads @cpuset
 * before @cur: a move moves the thread to its new cpuset before it rewrites
 * its mask, so a mask read after the cpuset is never older than it.
 */
static bool still_ours(struct machina_cpus *user, struct cpumask *applied,
		       u64 cpuset, struct cpumask *cur)
{
	return cpumask_equal(cur, applied) && user->cpuset == cpuset;
}

static struct machina_cpus *user_of(struct machina_sched *s)
{
	return rcu_dereference_protected(s->pl_user, lockdep_is_held(&s->lock));
}

/* Machina no longer narrows the thread: forget its user mask. */
static void forget_user(struct machina_sched *s)
{
	struct machina_cpus *u = user_of(s);

	RCU_INIT_POINTER(s->pl_user, NULL);
	machina_placement_put(u);
}

/*
 * machina_placement_apply - give @p the mask its class asks for: with
 * @confine, the efficiency CPUs of its user mask (the user mask itself when
 * none of them is active); else the user mask
 * The user mask is the one Machina saved when it narrowed the thread, or
 * the thread's current mask when Machina has not narrowed it or the owner
 * or the cpuset changed it since (sched_setaffinity(), a cpuset update:
 * adopted).  Failures (no memory, Linux refusing the mask) leave the thread
 * with the mask it has: placement is never wider than the user mask and
 * never fails the call that changed the class.
 * Conditions: process context, s->lock held, no spinlock held; may sleep.
 * The caller may change @p's scheduling (machina_sched_may_change()).
 */
void machina_placement_apply(struct machina_sched *s, struct task_struct *p,
			     bool confine)
{
	struct machina_cpus *user = user_of(s), *snap = NULL;
	cpumask_var_t cur, want;
	struct cpumask *base;
	bool below_root;
	u64 cpuset;

	lockdep_assert_held(&s->lock);
	/* Linux refuses sched_setaffinity() on PF_NO_SETAFFINITY threads. */
	if (!efficiency || (p->flags & PF_NO_SETAFFINITY) || (!user && !confine))
		return;
	if (!alloc_cpumask_var(&cur, GFP_KERNEL))
		return;
	if (!alloc_cpumask_var(&want, GFP_KERNEL))
		goto out_cur;
	cpuset = cpuset_of(p, &below_root);
	if (below_root) {
		/*
		 * Only threads of the root cpuset are placed.  A module cannot
		 * intersect a mask with a cpuset's (cpuset_cpus_allowed() is
		 * not exported) nor set one under its lock, so a cpuset shrink
		 * or move racing a placement let the thread keep CPUs outside
		 * its cpuset (sec_pecore_test).  Leaving the root (a move)
		 * reset the thread's mask to the cpuset's: nothing of
		 * Machina's is left to restore.
		 */
		forget_user(s);
		goto out;
	}
	current_mask(p, cur);
	if (user && !still_ours(user, bits(s->pl_applied), cpuset, cur)) {
		/* The owner or the cpuset set a new mask: it is the user's now. */
		forget_user(s);
		user = NULL;
	}
	base = user ? bits(user) : cur;
	if (!confine || !cpumask_and(want, base, efficiency) ||
	    !cpumask_intersects(want, cpu_active_mask))
		cpumask_copy(want, base);

	if (cpumask_equal(want, base)) {
		/* Not narrowed: the user mask back, if Machina had narrowed it. */
		if (cpumask_equal(want, cur) || !set_cpus_allowed_ptr(p, want))
			forget_user(s);
		goto out;
	}
	if (!user) {
		snap = cpus_alloc();
		if (!snap)
			goto out;
		cpumask_copy(bits(snap), cur);
		snap->cpuset = cpuset;
	}
	if (!s->pl_applied) {
		s->pl_applied = cpus_alloc();
		if (!s->pl_applied)
			goto out_snap;
	}
	if (!cpumask_equal(want, cur) && set_cpus_allowed_ptr(p, want))
		goto out_snap;
	/*
	 * What the thread has now, as the next comparison reads it: @want,
	 * or less on a kernel that intersects it with the owner's own
	 * sched_setaffinity() mask.  Anything else was set after Machina's
	 * set (a cpuset shrink or move, the owner): that mask is the user's,
	 * and restoring the snapshot later would undo it.
	 */
	current_mask(p, bits(s->pl_applied));
	if (!cpumask_subset(bits(s->pl_applied), want)) {
		if (!snap)
			forget_user(s);
		goto out_snap;
	}
	if (snap)
		rcu_assign_pointer(s->pl_user, snap);
	goto out;
out_snap:
	machina_placement_put(snap);
out:
	free_cpumask_var(want);
out_cur:
	free_cpumask_var(cur);
}

/*
 * machina_placement_get_rcu - a reference on the user mask Machina keeps for
 * the thread of @s while it narrows it, for a thread it creates, or NULL
 * Conditions: rcu_read_lock() held (the fork probe: may not sleep).
 */
struct machina_cpus *machina_placement_get_rcu(struct machina_sched *s)
{
	struct machina_cpus *u = rcu_dereference(s->pl_user);

	return u && refcount_inc_not_zero(&u->ref) ? u : NULL;
}

/*
 * machina_placement_inherit - a new thread @p takes over @user (a
 * reference), its creator's user mask, if clone() gave it the mask Machina
 * narrows @user to (the creator's owner or cpuset did not change the
 * creator's mask since) and it is in the snapshot's cpuset; else its own
 * mask is its user mask
 * Conditions: process context, s->lock held, before the thread's first
 * placement; consumes the reference.
 */
void machina_placement_inherit(struct machina_sched *s, struct task_struct *p,
			       struct machina_cpus *user)
{
	cpumask_var_t narrowed;
	bool ok;

	lockdep_assert_held(&s->lock);
	if (!user)
		return;
	if (user_of(s) || !efficiency || !alloc_cpumask_var(&narrowed, GFP_KERNEL))
		goto drop;
	if (!s->pl_applied)
		s->pl_applied = cpus_alloc();
	ok = s->pl_applied;
	if (ok) {
		/*
		 * Only the root cpuset's threads are narrowed, so @user's
		 * snapshot names the root: a thread below it fails the
		 * cpuset comparison and needs no test of its own.
		 */
		u64 cpuset = cpuset_of(p, NULL);

		cpumask_and(narrowed, bits(user), efficiency);
		current_mask(p, bits(s->pl_applied));
		ok = still_ours(user, narrowed, cpuset, bits(s->pl_applied));
	}
	free_cpumask_var(narrowed);
	if (!ok)
		goto drop;
	rcu_assign_pointer(s->pl_user, user);
	return;
drop:
	machina_placement_put(user);
}

/*
 * machina_placement_release - free the placement state of a record that is
 * going away
 * Conditions: the record's RCU callback (no reader is left).
 */
void machina_placement_release(struct machina_sched *s)
{
	machina_placement_put(rcu_dereference_protected(s->pl_user, true));
	machina_placement_put(s->pl_applied);
	machina_placement_put(s->clone_cpus);
}
