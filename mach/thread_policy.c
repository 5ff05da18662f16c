// SPDX-License-Identifier: GPL-2.0
/*
 * thread_policy_set, thread_policy_get and the pthread QoS calls
 * (pthread_set_qos_class_self_np, pthread_get_qos_class_np, the override
 * calls, which Darwin makes through bsdthread_ctl).
 *
 * The flavors, counts, defaults and errors are XNU's (osfmk/mach/
 * thread_policy.h): STANDARD and EXTENDED share flavor 1 (a count of 0 is
 * the standard policy, timeshare); PRECEDENCE 3; AFFINITY 4; LATENCY_QOS 7;
 * THROUGHPUT_QOS 8; QOS 9.  As on Darwin, thread_policy_set() refuses
 * THREAD_QOS_POLICY (and its override flavor 10) with
 * KERN_INVALID_ARGUMENT: QoS is set through the pthread calls; and a
 * successful thread_policy_set() of any other flavor removes the thread's
 * QoS (restored when the set fails).  THREAD_TIME_CONSTRAINT_POLICY (XNU's
 * checks) makes the thread SCHED_FIFO where the caller could do that itself
 * (sched_qos.c); where it could not, the set fails with KERN_FAILURE.
 *
 * What each flavor does to the Linux thread is in sched_qos.c; the latency
 * and throughput tiers and the affinity tag are stored and reported only
 * (docs/ARCHITECTURE.md, "QoS").  A port to another process's thread
 * changes it only if the caller could renice it (machina_sched_may_change);
 * otherwise KERN_PROTECTION_FAILURE.
 */
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/string.h>

#include "mach/ipc_kobject.h"
#include "mach/kern_return.h"
#include "mach/sched_qos.h"
#include "mach/task.h"
#include "mach/thread.h"
#include "personality/calls.h"
#include "uapi/machina.h"

#define THREAD_EXTENDED_POLICY		1	/* and THREAD_STANDARD_POLICY */
#define THREAD_TIME_CONSTRAINT_POLICY	2
#define THREAD_PRECEDENCE_POLICY	3
#define THREAD_AFFINITY_POLICY		4
#define THREAD_LATENCY_QOS_POLICY	7
#define THREAD_THROUGHPUT_QOS_POLICY	8
#define THREAD_QOS_POLICY		9
#define THREAD_QOS_POLICY_OVERRIDE	10
#define THREAD_QOS_POLICY_COUNT		2
#define THREAD_TIME_CONSTRAINT_POLICY_COUNT 4

/* XNU's bounds on a real-time computation, and its timeshare defaults. */
#define MIN_RT_QUANTUM			(50 * NSEC_PER_USEC)
#define MAX_RT_QUANTUM			(50 * NSEC_PER_MSEC)
#define STD_QUANTUM			(10 * NSEC_PER_MSEC)

#define LATENCY_QOS_TIER_0		((0xff << 16) | 1)
#define LATENCY_QOS_TIER_5		((0xff << 16) | 6)
#define THROUGHPUT_QOS_TIER_0		((0xfe << 16) | 1)
#define THROUGHPUT_QOS_TIER_5		((0xfe << 16) | 6)

/* A tier is unspecified (0) or one of the six of its family. */
static bool tier_valid(s32 tier, s32 first, s32 last)
{
	return !tier || (tier >= first && tier <= last);
}

/*
 * set_flavor - store one flavor's requested values
 * Conditions: s->lock held.
 * Returns: KERN_SUCCESS, KERN_INVALID_ARGUMENT (short count, bad value,
 * unknown flavor).
 */
static int set_flavor(struct machina_sched *s, int flavor, const s32 *info,
		      u32 count)
{
	lockdep_assert_held(&s->lock);
	if (flavor == THREAD_EXTENDED_POLICY) {
		/* XNU: only TRUE is timeshare; no data is the standard policy. */
		s->req.timeshare = count < 1 || info[0] == 1;
		s->req.rt = false;
		return KERN_SUCCESS;
	}
	if (flavor == THREAD_TIME_CONSTRAINT_POLICY) {
		/* period, computation, constraint, preemptible (abstime: ns) */
		if (count < THREAD_TIME_CONSTRAINT_POLICY_COUNT ||
		    (u32)info[2] < (u32)info[1] || (u32)info[1] > MAX_RT_QUANTUM ||
		    (u32)info[1] < MIN_RT_QUANTUM)
			return KERN_INVALID_ARGUMENT;
		s->req.rt = true;
		s->req.rt_period = info[0];
		s->req.rt_computation = info[1];
		s->req.rt_constraint = info[2];
		s->req.rt_preemptible = info[3];
		return KERN_SUCCESS;
	}
	if (count < 1)
		return KERN_INVALID_ARGUMENT;
	switch (flavor) {
	case THREAD_PRECEDENCE_POLICY:
		s->req.importance = info[0];
		return KERN_SUCCESS;
	case THREAD_AFFINITY_POLICY:
		s->req.affinity_tag = info[0];
		return KERN_SUCCESS;
	case THREAD_LATENCY_QOS_POLICY:
		if (!tier_valid(info[0], LATENCY_QOS_TIER_0, LATENCY_QOS_TIER_5))
			return KERN_INVALID_ARGUMENT;
		s->req.latency_tier = info[0];
		return KERN_SUCCESS;
	case THREAD_THROUGHPUT_QOS_POLICY:
		if (!tier_valid(info[0], THROUGHPUT_QOS_TIER_0, THROUGHPUT_QOS_TIER_5))
			return KERN_INVALID_ARGUMENT;
		s->req.throughput_tier = info[0];
		return KERN_SUCCESS;
	}
	return KERN_INVALID_ARGUMENT;
}

/*
 * get_flavor - report one flavor (its defaults when @dflt)
 * Conditions: s->lock held.
 * Returns: KERN_SUCCESS with *count the words written, or the error.
 */
static int get_flavor(struct machina_sched *s, int flavor, bool *dfltp,
		      s32 *info, u32 *count)
{
	bool dflt = *dfltp;

	lockdep_assert_held(&s->lock);
	switch (flavor) {
	case THREAD_EXTENDED_POLICY:
		/* A count of 0 is the standard policy: nothing to report. */
		if (*count >= 1) {
			info[0] = dflt || s->req.timeshare;
			*count = 1;
		}
		return KERN_SUCCESS;
	case THREAD_TIME_CONSTRAINT_POLICY:
		if (*count < THREAD_TIME_CONSTRAINT_POLICY_COUNT)
			return KERN_INVALID_ARGUMENT;
		/* Not real-time: XNU reports the timeshare defaults. */
		*dfltp = dflt = dflt || !s->req.rt;
		info[0] = dflt ? 0 : s->req.rt_period;
		info[1] = dflt ? STD_QUANTUM / 2 : s->req.rt_computation;
		info[2] = dflt ? STD_QUANTUM : s->req.rt_constraint;
		info[3] = dflt ? 1 : s->req.rt_preemptible;
		*count = THREAD_TIME_CONSTRAINT_POLICY_COUNT;
		return KERN_SUCCESS;
	case THREAD_PRECEDENCE_POLICY:
	case THREAD_AFFINITY_POLICY:
	case THREAD_LATENCY_QOS_POLICY:
	case THREAD_THROUGHPUT_QOS_POLICY:
		if (*count < 1)
			return KERN_INVALID_ARGUMENT;
		info[0] = dflt ? 0 :
			  flavor == THREAD_PRECEDENCE_POLICY ? s->req.importance :
			  flavor == THREAD_AFFINITY_POLICY ? (s32)s->req.affinity_tag :
			  flavor == THREAD_LATENCY_QOS_POLICY ? (s32)s->req.latency_tier :
			  (s32)s->req.throughput_tier;
		*count = 1;
		return KERN_SUCCESS;
	case THREAD_QOS_POLICY:
		if (*count < THREAD_QOS_POLICY_COUNT)
			return KERN_INVALID_ARGUMENT;
		info[0] = dflt ? 0 : s->req.qos;
		info[1] = dflt ? 0 : s->req.relprio;
		*count = THREAD_QOS_POLICY_COUNT;
		return KERN_SUCCESS;
	}
	return KERN_INVALID_ARGUMENT;
}

/*
 * policy_target - the thread a thread_policy call names, and its Linux
 * thread
 * Returns: KERN_SUCCESS with @ref and *pp (put_task_struct()) held, the
 * lookup's error, or KERN_TERMINATED once the thread is gone.
 */
static int policy_target(struct machina_task *task, u32 name,
			 struct ipc_kobject_ref *ref, struct task_struct **pp)
{
	int kr = machina_thread_lookup(task, name, ref);

	if (kr)
		return kr;
	*pp = machina_thread_get_task_struct(ref->obj);
	if (*pp)
		return KERN_SUCCESS;
	ipc_kobject_ref_put(ref);
	return KERN_TERMINATED;
}

static bool policy_args_bad(const struct machina_thread_policy *a)
{
	return a->flags || a->reserved || a->count > MACHINA_POLICY_WORDS;
}

/*
 * machina_call_thread_policy_set - thread_policy_set(thread, flavor, info,
 * count)
 * Conditions: process context, no locks held.
 * Returns: KERN_SUCCESS; KERN_INVALID_ARGUMENT (THREAD_QOS_POLICY, unknown
 * flavor, short count, bad tier or time constraint);
 * KERN_PROTECTION_FAILURE (another user's thread); KERN_TERMINATED;
 * KERN_FAILURE when Linux refused the change or the caller may not use
 * real-time scheduling (nothing changed); the
 * lookup's error; -EINVAL for flags, reserved, get_default or a count
 * above MACHINA_POLICY_WORDS.
 */
long machina_call_thread_policy_set(struct machina_task *task, void *arg)
{
	struct machina_thread_policy *a = arg;
	struct machina_thread *thread;
	struct ipc_kobject_ref ref;
	struct machina_sched_req old;
	struct machina_sched *s;
	struct task_struct *p;
	int kr;

	if (policy_args_bad(a) || a->get_default)
		return -EINVAL;
	kr = policy_target(task, a->target, &ref, &p);
	if (kr)
		return kr;
	thread = ref.obj;
	s = &thread->sched;
	kr = KERN_INVALID_ARGUMENT;
	if (a->flavor == THREAD_QOS_POLICY ||
	    a->flavor == THREAD_QOS_POLICY_OVERRIDE)
		goto out;
	kr = KERN_PROTECTION_FAILURE;
	if (!machina_sched_may_change(p))
		goto out;

	machina_sched_lock(thread, p);
	old = s->req;
	/* Darwin: setting any other policy removes the thread's QoS. */
	WRITE_ONCE(s->req.qos, MACHINA_QOS_UNSPECIFIED);
	s->req.relprio = 0;
	kr = set_flavor(s, a->flavor, a->info, a->count);
	if (!kr && machina_sched_apply(thread, p))
		kr = KERN_FAILURE;
	if (kr) {
		/* The Linux side did not change. */
		s->req.rest = old.rest;
		WRITE_ONCE(s->req.qos, old.qos);
	}
	mutex_unlock(&s->lock);
out:
	put_task_struct(p);
	ipc_kobject_ref_put(&ref);
	return kr;
}

/*
 * machina_call_thread_policy_get - thread_policy_get(thread, flavor, info,
 * &count, &get_default)
 * Conditions: process context, no locks held.
 * Returns: KERN_SUCCESS (info, count written); KERN_INVALID_ARGUMENT
 * (unknown flavor, too small a count); KERN_TERMINATED; the lookup's error; -EINVAL for flags,
 * reserved or a count above MACHINA_POLICY_WORDS.
 */
long machina_call_thread_policy_get(struct machina_task *task, void *arg)
{
	struct machina_thread_policy *a = arg;
	struct machina_thread *thread;
	struct ipc_kobject_ref ref;
	struct task_struct *p;
	bool dflt;
	u32 count;
	int kr;

	if (policy_args_bad(a))
		return -EINVAL;
	kr = policy_target(task, a->target, &ref, &p);
	if (kr)
		return kr;
	thread = ref.obj;
	count = a->count;
	dflt = a->get_default;
	memset(a->info, 0, sizeof(a->info));
	machina_sched_lock(thread, p);
	kr = get_flavor(&thread->sched, a->flavor, &dflt, a->info, &count);
	mutex_unlock(&thread->sched.lock);
	if (!kr) {
		a->count = count;
		a->get_default = dflt;
	}
	put_task_struct(p);
	ipc_kobject_ref_put(&ref);
	return kr;
}

/*
 * qos_target - the thread of the caller's process whose thread pointer is
 * @tsd (0: the caller)
 * Returns: a referenced record and *pp (put_task_struct()), or NULL.
 */
static struct machina_thread *qos_target(struct machina_task *task, u64 tsd,
					 struct task_struct **pp)
{
	struct machina_thread *thread;
	struct task_struct *t, *found = NULL;

	if (!tsd) {
		found = current;
		get_task_struct(found);
	} else {
		rcu_read_lock();
		for_each_thread(current, t) {
			if (!(t->flags & PF_EXITING) &&
			    machina_thread_tls_base(t) == tsd) {
				found = t;
				get_task_struct(found);
				break;
			}
		}
		rcu_read_unlock();
	}
	if (!found)
		return NULL;
	thread = machina_thread_of(task, found);
	if (IS_ERR_OR_NULL(thread)) {
		put_task_struct(found);
		return NULL;
	}
	*pp = found;
	return thread;
}

/*
 * override_add - count one pthread override of tier @qos more (@d 1) or
 * less (-1): one marked store, as a sender reads the counts without the
 * lock (sched_qos.h)
 * Conditions: s->lock held.
 */
static void override_add(struct machina_sched *s, u8 qos, int d)
{
	lockdep_assert_held(&s->lock);
	WRITE_ONCE(s->overrides[qos], s->overrides[qos] + d);
}

/*
 * qos_op - one pthread QoS operation on @thread
 * Conditions: thread->sched.lock held.
 */
static int qos_op(struct machina_thread *thread, struct task_struct *p,
		  struct machina_thread_qos *a)
{
	struct machina_sched *s = &thread->sched;
	u8 qos = s->req.qos;
	s8 relprio = s->req.relprio;
	bool valid = a->qos > MACHINA_QOS_UNSPECIFIED && a->qos < MACHINA_QOS_LAST;

	lockdep_assert_held(&s->lock);
	switch (a->op) {
	case MACHINA_QOS_OP_GET:
		a->qos = s->req.qos;
		a->relprio = s->req.relprio;
		a->effective = machina_sched_effective_qos(s);
		return KERN_SUCCESS;
	case MACHINA_QOS_OP_SET:
		if (!valid || a->relprio > 0 || a->relprio < MACHINA_QOS_MIN_RELPRIO)
			return KERN_INVALID_ARGUMENT;
		WRITE_ONCE(s->req.qos, a->qos);
		s->req.relprio = a->relprio;
		if (!machina_sched_apply(thread, p))
			return KERN_SUCCESS;
		WRITE_ONCE(s->req.qos, qos);
		s->req.relprio = relprio;
		return KERN_FAILURE;
	case MACHINA_QOS_OP_OVERRIDE_START:
		if (!valid || a->relprio)
			return KERN_INVALID_ARGUMENT;
		if (s->overrides[a->qos] >= MACHINA_QOS_OVERRIDE_MAX)
			return KERN_RESOURCE_SHORTAGE;
		override_add(s, a->qos, 1);
		if (!machina_sched_apply(thread, p))
			return KERN_SUCCESS;
		override_add(s, a->qos, -1);
		return KERN_FAILURE;
	case MACHINA_QOS_OP_OVERRIDE_END:
		if (!valid || a->relprio || !s->overrides[a->qos])
			return KERN_INVALID_ARGUMENT;
		override_add(s, a->qos, -1);
		/* The override is gone whatever Linux says. */
		machina_sched_apply(thread, p);
		return KERN_SUCCESS;
	}
	return KERN_INVALID_ARGUMENT;
}

/*
 * machina_call_thread_qos - the pthread QoS calls (struct machina_thread_qos)
 * Conditions: process context, no locks held.
 * Returns: KERN_SUCCESS; KERN_INVALID_ARGUMENT (bad tier, relative
 * priority, unknown op, an END without START, no thread with that thread
 * pointer); KERN_RESOURCE_SHORTAGE (MACHINA_QOS_OVERRIDE_MAX overrides of
 * one tier); KERN_FAILURE (Linux refused; nothing changed); -EINVAL for
 * flags, reserved, or SET on another thread.
 */
long machina_call_thread_qos(struct machina_task *task, void *arg)
{
	struct machina_thread_qos *a = arg;
	struct machina_thread *thread;
	struct task_struct *p;
	int kr;

	if (a->flags || a->reserved || (a->op == MACHINA_QOS_OP_SET && a->tsd))
		return -EINVAL;
	thread = qos_target(task, a->tsd, &p);
	if (!thread)
		return KERN_INVALID_ARGUMENT;
	machina_sched_lock(thread, p);
	kr = qos_op(thread, p, a);
	mutex_unlock(&thread->sched.lock);
	if (a->op != MACHINA_QOS_OP_GET) {
		a->effective = 0;
		if (a->op != MACHINA_QOS_OP_SET)
			a->relprio = 0;
	}
	put_task_struct(p);
	machina_thread_put(thread);
	return kr;
}
