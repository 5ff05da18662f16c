// SPDX-License-Identifier: GPL-2.0
/*
 * task_policy_set and task_policy_get on a task control port.
 *
 * Flavors, counts and errors are XNU's (osfmk/kern/task_policy.c,
 * xnu-11417): TASK_CATEGORY_POLICY (1) sets the role: FOREGROUND,
 * BACKGROUND and DEFAULT_APPLICATION for any task the caller holds;
 * CONTROL_APPLICATION and GRAPHICS_SERVER only for the caller's own task
 * and only when privileged (XNU: root; here CAP_SYS_NICE), else
 * KERN_INVALID_ARGUMENT; every other role (UNSPECIFIED, RENICED, THROTTLE,
 * NONUI, DARWINBG) is KERN_INVALID_ARGUMENT.  TASK_BASE_QOS_POLICY (8) and
 * TASK_OVERRIDE_QOS_POLICY (9) set and report the latency and throughput
 * tiers; TASK_BASE_LATENCY_QOS_POLICY (10) and _THROUGHPUT_ (11) set one of
 * the base tiers (get refuses them, as XNU's does).  A count below the
 * flavor's is KERN_INVALID_ARGUMENT; get with get_default reports
 * TASK_UNSPECIFIED and unspecified tiers; get leaves the count as given
 * (XNU's MIG reply carries the caller's count) and get_default as given.
 *
 * Not served (KERN_INVALID_ARGUMENT, as an unknown flavor):
 * TASK_SUPPRESSION_POLICY (App Nap) and TASK_POLICY_STATE (XNU's internal
 * policy bitfields, root only).
 *
 * Effect: none on scheduling, for every role set accepts.  This is XNU's
 * behaviour (task_policy_update_internal_locked(), xnu-11417): FOREGROUND,
 * DEFAULT and BACKGROUND_APPLICATION ("non-focal but on-screen") put no
 * QoS ceiling or clamp on the task's threads; only NONUI, THROTTLE and
 * DARWINBG would, and set refuses those.  The role and the tiers are
 * stored and reported, as the threads' tiers are.
 *
 * Who may set: a holder of the task's control port who could also renice
 * the process with setpriority() (machina_sched_may_change() on the
 * process), else KERN_PROTECTION_FAILURE.
 */
#include <linux/capability.h>
#include <linux/string.h>

#include "mach/ipc_kobject.h"
#include "mach/kern_return.h"
#include "mach/sched_qos.h"
#include "mach/task.h"
#include "mach/task_policy.h"
#include "personality/calls.h"
#include "uapi/machina.h"

#define TASK_CATEGORY_POLICY		1
#define TASK_BASE_QOS_POLICY		8
#define TASK_OVERRIDE_QOS_POLICY	9
#define TASK_BASE_LATENCY_QOS_POLICY	10
#define TASK_BASE_THROUGHPUT_QOS_POLICY	11
#define TASK_CATEGORY_POLICY_COUNT	1
#define TASK_QOS_POLICY_COUNT		2

#define TASK_UNSPECIFIED		0
#define TASK_FOREGROUND_APPLICATION	1
#define TASK_BACKGROUND_APPLICATION	2
#define TASK_CONTROL_APPLICATION	3
#define TASK_GRAPHICS_SERVER		4
#define TASK_DEFAULT_APPLICATION	7

/* Tier words: family << 16 | tier (1..6); 0 is unspecified. */
#define LATENCY_FAMILY			0xff
#define THROUGHPUT_FAMILY		0xfe

void machina_task_policy_init(struct machina_task_policy *tp)
{
	mutex_init(&tp->lock);
}

/*
 * machina_task_policy_exec - a new image starts with no role and no tiers
 * (XNU makes a new task at exec and task_policy_create() copies neither);
 * the Linux values the threads had are kept, as Linux keeps them
 * Conditions: the exec work of the task (process context, no locks held),
 * after the exec'ing thread's old record died.
 */
void machina_task_policy_exec(struct machina_task *task)
{
	struct machina_task_policy *tp = &task->policy;

	mutex_lock(&tp->lock);
	tp->role = TASK_UNSPECIFIED;
	tp->base_latency = tp->base_throughput = 0;
	tp->over_latency = tp->over_throughput = 0;
	mutex_unlock(&tp->lock);
}

/* A tier word of @family: unspecified (0) or tiers 0..5 (stored as 1..6). */
static bool tier_valid(s32 word, u32 family)
{
	return !word || ((u32)word >= (family << 16 | 1) &&
			 (u32)word <= (family << 16 | 6));
}

static s32 tier_word(u8 tier, u32 family)
{
	return tier ? (s32)(family << 16 | tier) : 0;
}

/*
 * set_role - TASK_CATEGORY_POLICY on @target for a caller of task @caller
 * Conditions: process context, no locks held.
 * Returns: KERN_SUCCESS (the role stored; no thread changes) or
 * KERN_INVALID_ARGUMENT (a role XNU refuses here; nothing stored).
 */
static int set_role(struct machina_task *caller, struct machina_task *target,
		    s32 role)
{
	struct machina_task_policy *tp = &target->policy;

	switch (role) {
	case TASK_FOREGROUND_APPLICATION:
	case TASK_BACKGROUND_APPLICATION:
	case TASK_DEFAULT_APPLICATION:
		break;
	case TASK_CONTROL_APPLICATION:
	case TASK_GRAPHICS_SERVER:
		if (target != caller || !capable(CAP_SYS_NICE))
			return KERN_INVALID_ARGUMENT;
		break;
	default:
		return KERN_INVALID_ARGUMENT;
	}
	mutex_lock(&tp->lock);
	tp->role = role;
	mutex_unlock(&tp->lock);
	return KERN_SUCCESS;
}

/*
 * set_tiers - the tier flavors: validate both words (XNU validates the
 * whole task_qos_policy for each), store what the flavor names
 * Conditions: process context, no locks held.
 */
static int set_tiers(struct machina_task *target, int flavor, const s32 *info,
		     u32 count)
{
	struct machina_task_policy *tp = &target->policy;
	u8 lat = (u32)info[0] & 0xff, thr = (u32)info[1] & 0xff;

	if (count < TASK_QOS_POLICY_COUNT ||
	    !tier_valid(info[0], LATENCY_FAMILY) ||
	    !tier_valid(info[1], THROUGHPUT_FAMILY))
		return KERN_INVALID_ARGUMENT;
	mutex_lock(&tp->lock);
	switch (flavor) {
	case TASK_BASE_QOS_POLICY:
		tp->base_latency = lat;
		tp->base_throughput = thr;
		break;
	case TASK_OVERRIDE_QOS_POLICY:
		tp->over_latency = lat;
		tp->over_throughput = thr;
		break;
	case TASK_BASE_LATENCY_QOS_POLICY:
		tp->base_latency = lat;
		break;
	case TASK_BASE_THROUGHPUT_QOS_POLICY:
		tp->base_throughput = thr;
		break;
	}
	mutex_unlock(&tp->lock);
	return KERN_SUCCESS;
}

static bool task_policy_args_bad(const struct machina_thread_policy *a)
{
	return a->flags || a->reserved || a->count > MACHINA_POLICY_WORDS;
}

/*
 * machina_call_task_policy_set - task_policy_set(task, flavor, info, count)
 * Conditions: process context, no locks held.
 * Returns: KERN_SUCCESS; KERN_INVALID_ARGUMENT (unknown or unserved
 * flavor, short count, a role or tier XNU refuses); KERN_PROTECTION_FAILURE
 * (the caller could not renice the process); KERN_TERMINATED (it exited);
 * the lookup's error; -EINVAL
 * for flags, reserved, get_default or a count above MACHINA_POLICY_WORDS.
 */
long machina_call_task_policy_set(struct machina_task *task, void *arg)
{
	struct machina_thread_policy *a = arg;
	struct ipc_kobject_ref ref;
	struct machina_task *target;
	int kr;

	if (task_policy_args_bad(a) || a->get_default)
		return -EINVAL;
	kr = machina_task_lookup(task, a->target, MACHINA_TASK_CONTROL, &ref);
	if (kr)
		return kr;
	target = ref.obj;
	switch (a->flavor) {
	case TASK_CATEGORY_POLICY:
	case TASK_BASE_QOS_POLICY:
	case TASK_OVERRIDE_QOS_POLICY:
	case TASK_BASE_LATENCY_QOS_POLICY:
	case TASK_BASE_THROUGHPUT_QOS_POLICY:
		break;
	default:
		kr = KERN_INVALID_ARGUMENT;
		goto out;
	}
	/* The image held is the process's: setpriority()'s rules on it. */
	kr = KERN_TERMINATED;
	if (!ref.image.proc)
		goto out;
	kr = KERN_PROTECTION_FAILURE;
	if (!machina_sched_may_change(ref.image.proc))
		goto out;
	if (a->flavor == TASK_CATEGORY_POLICY)
		kr = a->count < TASK_CATEGORY_POLICY_COUNT ? KERN_INVALID_ARGUMENT :
		     set_role(task, target, a->info[0]);
	else
		kr = set_tiers(target, a->flavor, a->info, a->count);
out:
	ipc_kobject_ref_put(&ref);
	return kr;
}

/*
 * machina_call_task_policy_get - task_policy_get(task, flavor, info,
 * &count, &get_default)
 * Conditions: process context, no locks held.
 * Returns: KERN_SUCCESS (info written; count and get_default as given);
 * KERN_INVALID_ARGUMENT (unknown or unserved flavor, too small a count);
 * the lookup's error; -EINVAL for flags, reserved or a count above
 * MACHINA_POLICY_WORDS.
 */
long machina_call_task_policy_get(struct machina_task *task, void *arg)
{
	struct machina_thread_policy *a = arg;
	struct machina_task_policy *tp;
	struct ipc_kobject_ref ref;
	bool dflt = a->get_default;
	int kr;

	if (task_policy_args_bad(a))
		return -EINVAL;
	kr = machina_task_lookup(task, a->target, MACHINA_TASK_INSPECT, &ref);
	if (kr)
		return kr;
	tp = &((struct machina_task *)ref.obj)->policy;
	memset(a->info, 0, sizeof(a->info));
	kr = KERN_INVALID_ARGUMENT;
	mutex_lock(&tp->lock);
	switch (a->flavor) {
	case TASK_CATEGORY_POLICY:
		if (a->count < TASK_CATEGORY_POLICY_COUNT)
			break;
		a->info[0] = dflt ? TASK_UNSPECIFIED : tp->role;
		kr = KERN_SUCCESS;
		break;
	case TASK_BASE_QOS_POLICY:
	case TASK_OVERRIDE_QOS_POLICY:
		if (a->count < TASK_QOS_POLICY_COUNT)
			break;
		if (!dflt && a->flavor == TASK_BASE_QOS_POLICY) {
			a->info[0] = tier_word(tp->base_latency, LATENCY_FAMILY);
			a->info[1] = tier_word(tp->base_throughput, THROUGHPUT_FAMILY);
		} else if (!dflt) {
			a->info[0] = tier_word(tp->over_latency, LATENCY_FAMILY);
			a->info[1] = tier_word(tp->over_throughput, THROUGHPUT_FAMILY);
		}
		kr = KERN_SUCCESS;
		break;
	}
	mutex_unlock(&tp->lock);
	ipc_kobject_ref_put(&ref);
	return kr;
}
