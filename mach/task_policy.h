/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A Mach task's policy (task_policy_set / task_policy_get): its role
 * (TASK_CATEGORY_POLICY) and its latency and throughput QoS tiers
 * (TASK_BASE_QOS_POLICY, TASK_OVERRIDE_QOS_POLICY and the two single-tier
 * base flavors), and the QoS clamp the role puts on every thread of the
 * task (sched_qos.c: the effective class is the thread's, raised by its
 * overrides, then clamped).
 *
 * One struct machina_task_policy per task record, protected by its mutex
 * (lock).  qos_clamp is written under lock and read with READ_ONCE() by the
 * scheduling code under a thread's sched.lock: a change takes the lock,
 * writes the clamp, then applies it to every thread (each under its
 * sched.lock), so a thread applied after the write sees the new clamp.
 *
 * Lock order: policy.lock -> thread sched.lock -> (the scheduler's locks).
 * Neither is taken under task->lock or any spinlock.
 */
#ifndef _MACHINA_TASK_POLICY_H
#define _MACHINA_TASK_POLICY_H

#include <linux/mutex.h>
#include <linux/types.h>

struct machina_task_policy {
	struct mutex lock;
	s32 role;			/* TASK_* role, TASK_UNSPECIFIED (0) at first */
	u8 qos_clamp;			/* MACHINA_QOS_*, 0: none; READ_ONCE */
	u8 base_latency, base_throughput;	/* tiers 1..6, 0 unspecified */
	u8 over_latency, over_throughput;
};

struct machina_task;

void machina_task_policy_init(struct machina_task_policy *tp);
void machina_task_policy_exec(struct machina_task *task);

#endif /* _MACHINA_TASK_POLICY_H */
