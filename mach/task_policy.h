/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A Mach task's policy (task_policy_set / task_policy_get): its role
 * (TASK_CATEGORY_POLICY) and its latency and throughput QoS tiers
 * (TASK_BASE_QOS_POLICY, TASK_OVERRIDE_QOS_POLICY and the two single-tier
 * base flavors).  Stored and reported only: as in XNU, no role that
 * task_policy_set accepts changes how the task's threads are scheduled.
 *
 * One struct machina_task_policy per task record, protected by its mutex
 * (lock).  Lock order: policy.lock is a leaf, taken with no Machina lock
 * held and never under task->lock or any spinlock.
 */
#ifndef _MACHINA_TASK_POLICY_H
#define _MACHINA_TASK_POLICY_H

#include <linux/mutex.h>
#include <linux/types.h>

struct machina_task_policy {
	struct mutex lock;
	s32 role;			/* TASK_* role, TASK_UNSPECIFIED (0) at first */
	u8 base_latency, base_throughput;	/* tiers 1..6, 0 unspecified */
	u8 over_latency, over_throughput;
};

struct machina_task;

void machina_task_policy_init(struct machina_task_policy *tp);
void machina_task_policy_exec(struct machina_task *task);

#endif /* _MACHINA_TASK_POLICY_H */
