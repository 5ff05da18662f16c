/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Performance/efficiency-core placement of Mach threads by QoS class
 * (issue 12; docs/ARCHITECTURE.md, "QoS", has the rules and the reasons).
 *
 * At load the possible CPUs are split by capacity (arch_scale_cpu_capacity():
 * cpu_scale on arm64, 1024 everywhere on x86 unless hybrid scaling is on):
 * a CPU whose capacity is below 3/4 of the largest is an efficiency CPU.
 * With none (a symmetric machine) placement is off and nothing here touches
 * a thread.  Otherwise a thread whose effective class is BACKGROUND or
 * MAINTENANCE is confined, with set_cpus_allowed_ptr(), to the efficiency
 * CPUs of its user mask (the mask its owner or its cpuset gave it); every
 * other class gets the user mask itself.  Machina only ever narrows the
 * thread's current mask and gives back the mask it narrowed.
 *
 * Per thread record (struct machina_sched, under its sched.lock):
 *   pl_user    the user mask while Machina has narrowed the thread, else
 *              NULL (the thread's current mask is then the user mask).  An
 *              immutable snapshot, published with RCU and reference counted:
 *              the fork probe hands the creator's to a new thread that
 *              inherits its class (clone() copied the narrowed mask).
 *   pl_applied the mask the thread had after Machina narrowed it; a current
 *              mask that differs was set by the owner (sched_setaffinity())
 *              or by its cpuset meanwhile, and is adopted as the user mask;
 *              so is the current mask of a thread now in another cpuset
 *              than the snapshot's (serial numbers of the cpuset css).  A
 *              rewrite of the same cpuset that leaves the thread's mask
 *              exactly as Machina narrowed it cannot be seen: the cpuset's
 *              mask (cpuset_cpus_allowed()) is not exported.
 * Snapshots are freed through kfree_rcu() when their last reference goes.
 *
 * Lock order: sched.lock -> p->pi_lock (raw, to copy the thread's mask) and
 * the scheduler's own locks inside set_cpus_allowed_ptr().
 */
#ifndef _MACHINA_SCHED_PLACEMENT_H
#define _MACHINA_SCHED_PLACEMENT_H

#include <linux/refcount.h>
#include <linux/types.h>

struct machina_sched;
struct task_struct;

/*
 * A CPU mask of cpumask_size() bytes: a user-mask snapshot (with the serial
 * number of the cpuset the thread was in when it was taken) or an applied
 * mask.
 */
struct machina_cpus {
	refcount_t ref;
	struct rcu_head rcu;
	u64 cpuset;
	unsigned long bits[];
};

int machina_placement_init(void);
void machina_placement_exit(void);
void machina_placement_apply(struct machina_sched *s, struct task_struct *p,
			     bool confine);
struct machina_cpus *machina_placement_get_rcu(struct machina_sched *s);
void machina_placement_inherit(struct machina_sched *s, struct task_struct *p,
			       struct machina_cpus *user);
void machina_placement_put(struct machina_cpus *c);
void machina_placement_release(struct machina_sched *s);

#endif /* _MACHINA_SCHED_PLACEMENT_H */
