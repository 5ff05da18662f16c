// SPDX-License-Identifier: GPL-2.0
/*
 * QoS and thread policy onto the Linux scheduler: the priority a Mach
 * thread's requested policy gives it, the Linux policy and nice value that
 * stand for it, and the checks that keep a caller within what setpriority()
 * would let it do (sched_qos.h has the state and the lock rules;
 * docs/ARCHITECTURE.md, "QoS", has the table and the reasons).
 *
 * Priorities are XNU's: a QoS tier starts at its base priority (UI 46,
 * IN 37, DEF 31, UT 20, BG and MT 4), lowered by the relative priority
 * scaled into the gap above the next lower tier; a thread without QoS has
 * 31 plus its THREAD_PRECEDENCE_POLICY importance.  A priority becomes a
 * nice value linearly, one nice step per 1.5 priority steps around 31
 * (46 -> -10, 37 -> -4, 31 -> 0, 20 -> +7, 4 -> +18); UT threads run
 * SCHED_BATCH, BG and MT threads SCHED_IDLE.
 */
#include <linux/capability.h>
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/cred.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/task_work.h>
#include <linux/user_namespace.h>
#include <uapi/linux/sched/types.h>

#include "mach/ipc_kobject.h"
#include "mach/kern_return.h"
#include "mach/sched_depress.h"
#include "mach/sched_placement.h"
#include "mach/sched_qos.h"
#include "mach/task.h"
#include "mach/thread.h"
#include "personality/calls.h"
#include "uapi/machina.h"

#define BASEPRI_DEFAULT		31
#define BASEPRI_RTQUEUES	97
#define MAXPRI_USER		63
#define NICE_IDLE_LEVEL		20	/* SCHED_IDLE ranks below nice 19 */

/* XNU's base priority of each tier (thread_qos_policy_params). */
static const int qos_pri[MACHINA_QOS_LAST] = {
	[MACHINA_QOS_UNSPECIFIED] = 0,
	[MACHINA_QOS_MAINTENANCE] = 4,
	[MACHINA_QOS_BACKGROUND] = 4,
	[MACHINA_QOS_UTILITY] = 20,
	[MACHINA_QOS_LEGACY] = 31,
	[MACHINA_QOS_USER_INITIATED] = 37,
	[MACHINA_QOS_USER_INTERACTIVE] = 46,
};

/* The tier whose base priority bounds @qos's relative priorities below. */
static const u8 next_lower[MACHINA_QOS_LAST] = {
	[MACHINA_QOS_USER_INTERACTIVE] = MACHINA_QOS_USER_INITIATED,
	[MACHINA_QOS_USER_INITIATED] = MACHINA_QOS_LEGACY,
	[MACHINA_QOS_LEGACY] = MACHINA_QOS_UTILITY,
	[MACHINA_QOS_UTILITY] = MACHINA_QOS_BACKGROUND,
};

static u8 effective_qos(const struct machina_sched *s, bool ipc);

void machina_sched_init(struct machina_sched *s)
{
	mutex_init(&s->lock);
	s->req.timeshare = true;
}

/*
 * The requested tier raised by the strongest active override and the IPC
 * override.  Conditions: s->lock held.
 */
u8 machina_sched_effective_qos(const struct machina_sched *s)
{
	return effective_qos(s, true);
}

/*
 * The same, with or without the IPC override.  Conditions: s->lock held,
 * or (machina_sched_effective_qos_lockless()) not: the fields are read
 * once each, as their lockless readers need.
 */
static u8 effective_qos(const struct machina_sched *s, bool ipc)
{
	int i, floor = READ_ONCE(s->req.qos);

	if (ipc)
		floor = max_t(int, floor, READ_ONCE(s->ipc_qos));
	for (i = MACHINA_QOS_LAST - 1; i > floor; i--)
		if (READ_ONCE(s->overrides[i]))
			return i;
	return floor;
}

/*
 * machina_sched_effective_qos_lockless - the same, read without s->lock
 * (a message's sender reading its own class): a change made at the same
 * moment may be seen or not.
 */
u8 machina_sched_effective_qos_lockless(const struct machina_sched *s)
{
	return effective_qos(s, true);
}

/*
 * machina_sched_forget - drop everything the thread asked for (class,
 * relative priority, importance, time constraint, pthread and IPC
 * overrides), so that the next machina_sched_apply() gives the Linux
 * thread back its baseline (what it had before Machina drove it)
 * Conditions: s->lock held; the record is DEAD (its thread execs: nothing
 * reads the requests again).
 */
void machina_sched_forget(struct machina_sched *s)
{
	int i;

	lockdep_assert_held(&s->lock);
	/* What effective_qos() reads without the lock: one store each. */
	WRITE_ONCE(s->req.qos, MACHINA_QOS_UNSPECIFIED);
	for (i = 0; i < MACHINA_QOS_LAST; i++)
		WRITE_ONCE(s->overrides[i], 0);
	WRITE_ONCE(s->ipc_qos, MACHINA_QOS_UNSPECIFIED);
	s->req.relprio = 0;
	s->req.importance = 0;
	s->req.affinity_tag = 0;
	s->req.latency_tier = 0;
	s->req.throughput_tier = 0;
	s->req.rt = false;
	s->req.rt_preemptible = false;
	s->req.rt_period = 0;
	s->req.rt_computation = 0;
	s->req.rt_constraint = 0;
	s->req.timeshare = true;
}

/*
 * requested_priority - the XNU base priority the requested state gives, or
 * -1 when nothing is requested (no QoS, no override, no importance)
 * A relative priority scales into the gap above the next lower tier, so
 * -15 stays above it (XNU: 31 at 0, 22 at -15 for DEF).  @eq is the
 * effective class (effective_qos()).
 */
static int requested_priority(const struct machina_sched *s, u8 eq)
{
	int top, low, rel;

	if (eq == MACHINA_QOS_UNSPECIFIED)
		return s->req.importance ?
			BASEPRI_DEFAULT + clamp(s->req.importance, -BASEPRI_DEFAULT,
						MAXPRI_USER - BASEPRI_DEFAULT) : -1;
	top = qos_pri[eq];
	low = next_lower[eq] ? qos_pri[next_lower[eq]] : 0;
	rel = eq == s->req.qos ? -s->req.relprio : 0;
	return max(top - (((top - low) * rel) >> 4), 0);
}

/*
 * machina_sched_xnu_priority - the base priority thread_info reports: the
 * requested one (or the one the Linux nice value stands for), raised by
 * an IPC override above it, never lowered (XNU: the higher of the base
 * priority and the push)
 * Conditions: s->lock held.
 */
int machina_sched_xnu_priority(struct machina_sched *s, struct task_struct *p)
{
	u8 own = effective_qos(s, false), eq = effective_qos(s, true);
	int pri;

	lockdep_assert_held(&s->lock);
	if (s->req.rt)
		return BASEPRI_RTQUEUES;
	pri = requested_priority(s, own);
	if (pri < 0 && READ_ONCE(p->policy) == SCHED_IDLE)
		pri = qos_pri[MACHINA_QOS_BACKGROUND];
	else if (pri < 0)
		pri = clamp(BASEPRI_DEFAULT - task_nice(p) * 3 / 2, 0, MAXPRI_USER);
	if (eq > own)
		pri = max(pri, requested_priority(s, eq));
	return pri;
}

static int level(int policy, int nice)
{
	return policy == SCHED_IDLE ? NICE_IDLE_LEVEL : nice;
}

/*
 * floor_level - the lowest level (nice, or NICE_IDLE_LEVEL for SCHED_IDLE)
 * the caller may give @p: anything with CAP_SYS_NICE, else the thread's
 * baseline (it had that itself) or what its RLIMIT_NICE grants, whichever
 * is lower: setpriority()'s rule, plus the way back to where it was.
 */
static int floor_level(struct task_struct *p, int want, int base)
{
	unsigned long rlim;
	int rl_floor;

	if (want >= base || (want < NICE_IDLE_LEVEL && can_nice(p, want)))
		return want;
	rlim = min_t(unsigned long, task_rlimit(p, RLIMIT_NICE), 40);
	rl_floor = 20 - (int)rlim;
	return min(base, max(rl_floor, MIN_NICE));
}

static bool rt_or_deadline(int policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR ||
	       policy == SCHED_DEADLINE;
}

/*
 * setattr - sched_setattr_nocheck() of @policy with @nice (fair policies)
 * or @prio (SCHED_FIFO), keeping the thread's SCHED_RESET_ON_FORK: a flag
 * an unprivileged thread may not clear (sched_setattr() refuses it), so
 * that what a privileged helper granted with it does not reach the
 * thread's children.  SCHED_IDLE keeps the nice value the thread has:
 * sched_setattr() sets it for SCHED_NORMAL and SCHED_BATCH only.
 * Conditions: process context, no spinlock held; may sleep.
 * Returns: 0 or sched_setattr_nocheck()'s error.
 */
static int setattr(struct task_struct *p, int policy, int nice, int prio)
{
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = policy,
		.sched_nice = nice,
		.sched_priority = prio,
	};

	if (p->sched_reset_on_fork)
		attr.sched_flags |= SCHED_FLAG_RESET_ON_FORK;
	return sched_setattr_nocheck(p, &attr);
}

/*
 * set_linux - setattr(), and for SCHED_IDLE the nice value @nice as well
 * (a QoS class that wants both)
 * Conditions: process context, no spinlock held; may sleep.
 * Returns: 0 or sched_setattr_nocheck()'s error.
 */
static int set_linux(struct task_struct *p, int policy, int nice, int prio)
{
	int err = setattr(p, policy, nice, prio);

	if (!err && policy == SCHED_IDLE && task_nice(p) != nice)
		set_user_nice(p, nice);
	return err;
}

/*
 * machina_sched_set_policy - move @p to the fair @policy, leaving its nice
 * value as it is (the depression and its restore, sched_depress.c)
 * SCHED_IDLE does not touch the nice value at all, so that a renice made
 * at any moment of the depression survives it.  For SCHED_NORMAL and
 * SCHED_BATCH the value is read here, just before the change: a module
 * cannot do both under the runqueue lock, so a renice landing between the
 * two is lost (sched_depress.h).
 * Conditions: process context, no spinlock held; may sleep.
 * Returns: 0 or sched_setattr_nocheck()'s error.
 */
int machina_sched_set_policy(struct task_struct *p, int policy)
{
	return setattr(p, policy, task_nice(p), 0);
}

/*
 * same_owner - whether @p is of the caller's process or its real or
 * effective uid is the caller's effective uid: sched_setscheduler()'s test
 * for another thread (CAP_SYS_NICE in a user namespace does not replace it
 * there, as it does for setpriority())
 */
static bool same_owner(struct task_struct *p)
{
	const struct cred *cred = current_cred(), *pcred;
	bool ok;

	if (same_thread_group(p, current))
		return true;
	rcu_read_lock();
	pcred = __task_cred(p);
	ok = uid_eq(pcred->uid, cred->euid) || uid_eq(pcred->euid, cred->euid);
	rcu_read_unlock();
	return ok;
}

/*
 * apply_rt - a time-constraint thread runs SCHED_FIFO at MACHINA_RT_PRIO,
 * or at the caller's RLIMIT_RTPRIO if that is lower, as
 * sched_setscheduler() would allow it (CAP_SYS_NICE: no limit; without it,
 * only on a thread of the same owner, see same_owner()); a thread
 * its owner put in SCHED_IDLE leaves it only if its RLIMIT_NICE would let
 * it leave it for SCHED_NORMAL (sched_setscheduler()'s rule)
 * Conditions: s->lock held; s->base_* is up to date.
 * Returns: 0, -EPERM when the caller may not use real-time at all, or
 * sched_setattr_nocheck()'s error.
 */
static int apply_rt(struct machina_sched *s, struct task_struct *p)
{
	unsigned long prio = MACHINA_RT_PRIO;
	int err;

	lockdep_assert_held(&s->lock);
	if (!capable(CAP_SYS_NICE)) {
		if (!same_owner(p))
			return -EPERM;
		prio = min_t(unsigned long, prio, task_rlimit(p, RLIMIT_RTPRIO));
	}
	if (!prio)
		return -EPERM;
	if (s->base_policy == SCHED_IDLE && !can_nice(p, s->base_nice))
		return -EPERM;
	if (READ_ONCE(p->policy) != SCHED_FIFO || p->rt_priority != prio) {
		err = set_linux(p, SCHED_FIFO, 0, prio);
		if (err)
			return err;
	}
	s->driven = true;
	s->applied_policy = SCHED_FIFO;
	s->applied_nice = task_nice(p);
	return 0;
}

/*
 * tier_linux - the Linux policy and nice one class gives: @eq with base
 * priority @pri (requested_priority(), -1: the baseline), for the thread
 * @p of @s, within what the caller may give it (floor_level())
 * Conditions: s->lock held; s->base_* is up to date; not real-time.
 */
static void tier_linux(const struct machina_sched *s, struct task_struct *p,
		       u8 eq, int pri, int *policy, int *nice)
{
	int lvl;

	lockdep_assert_held(&s->lock);
	if (pri < 0) {
		*policy = s->base_policy;
		*nice = s->base_nice;
	} else {
		*nice = clamp(DIV_ROUND_CLOSEST((BASEPRI_DEFAULT - pri) * 2, 3),
			      MIN_NICE, MAX_NICE);
		if (eq == MACHINA_QOS_BACKGROUND || eq == MACHINA_QOS_MAINTENANCE)
			*policy = SCHED_IDLE;
		else if (eq == MACHINA_QOS_UTILITY)
			*policy = SCHED_BATCH;
		else
			*policy = SCHED_NORMAL;
		lvl = floor_level(p, level(*policy, *nice),
				  level(s->base_policy, s->base_nice));
		if (lvl == NICE_IDLE_LEVEL)
			*policy = SCHED_IDLE;
		else if (lvl > *nice)
			*nice = lvl;
	}
	/*
	 * SCHED_IDLE does not use the nice value but keeps it (children copy
	 * it, a later change of policy runs at it): the owner's, not one a
	 * lift left on the thread.
	 */
	if (*policy == SCHED_IDLE)
		*nice = s->base_nice;
}

/*
 * raise_to - make @policy / @nice at least as good as @lift_policy /
 * @lift_nice in each of Linux's two measures, never worse in either:
 * out of SCHED_IDLE, SCHED_BATCH to SCHED_NORMAL, the lower nice value
 * (fair policies only: real-time and deadline threads are not driven)
 */
static void raise_to(int *policy, int *nice, int lift_policy, int lift_nice)
{
	if (lift_policy == SCHED_IDLE)
		return;
	if (*policy == SCHED_IDLE) {
		*policy = lift_policy;
		*nice = lift_nice;
		return;
	}
	if (lift_policy == SCHED_NORMAL)
		*policy = SCHED_NORMAL;
	*nice = min(*nice, lift_nice);
}

/*
 * want_linux - the Linux policy and nice @s's state gives the thread @p: what
 * its own requests give (its class, relative priority and importance
 * raised by its pthread overrides; its baseline when they ask for
 * nothing), raised by its IPC override when @ipc and the message's class
 * is above its own, never lowered by it (docs/SECURITY.md, "QoS through
 * IPC": a message only ever raises its receiver, as XNU's push does)
 * Conditions: s->lock held; s->base_* is up to date; not real-time.
 * Returns: whether Machina drives the thread (something is requested, or
 * a lift is on).
 */
static bool want_linux(const struct machina_sched *s, struct task_struct *p,
		       bool ipc, int *policy, int *nice)
{
	u8 own = effective_qos(s, false), eq = effective_qos(s, ipc);
	int pri = requested_priority(s, own), lift_policy, lift_nice;

	tier_linux(s, p, own, pri, policy, nice);
	if (eq <= own)
		return pri >= 0;
	tier_linux(s, p, eq, requested_priority(s, eq), &lift_policy,
		     &lift_nice);
	raise_to(policy, nice, lift_policy, lift_nice);
	return true;
}

/*
 * apply_linux - make the Linux thread @p match the requested policy in @s
 * (or give it back its baseline when nothing is requested)
 * Conditions: s->lock held, no spinlock held; may sleep.
 * Returns: 0, or the error of sched_setattr_nocheck() (nothing changed).
 * A thread its owner made real-time or deadline is left as it is.
 */
static int apply_linux(struct machina_sched *s, struct task_struct *p)
{
	int policy = READ_ONCE(p->policy), nice = task_nice(p);
	int want_policy, want_nice;
	bool drive;
	int err;

	lockdep_assert_held(&s->lock);
	if (rt_or_deadline(policy) &&
	    !(s->driven && policy == s->applied_policy)) {
		/* The owner made it real-time: not ours to change. */
		s->driven = false;
		return 0;
	}
	/* First time, or what the owner changed meanwhile (setpriority() ...). */
	if (!s->driven || policy != s->applied_policy)
		s->base_policy = policy;
	if (!s->driven || nice != s->applied_nice)
		s->base_nice = nice;
	if (s->req.rt)
		return apply_rt(s, p);
	drive = want_linux(s, p, true, &want_policy, &want_nice);
	if (!drive && !s->driven)
		return 0;
	if (want_policy != policy || want_nice != nice) {
		err = set_linux(p, want_policy, want_nice, 0);
		if (err)
			return err;
	}
	s->driven = drive;
	/* What the thread has now, as a later comparison will read it. */
	s->applied_policy = READ_ONCE(p->policy);
	s->applied_nice = task_nice(p);
	return 0;
}

/*
 * machina_sched_fork_lifted - whether @child, a process @parent (the
 * thread of @s, current) is forking, may have copied values an IPC
 * override gave @parent: the override is on, or coming off (ipc_ending),
 * or it came off between clone()'s copy and now, which leaves @child
 * running better than @parent.  The drain then decides, under the lock
 * and against the child's values at the fork (machina_sched_unlift_child(),
 * which only ever lowers): a false yes costs a lookup, a false no would
 * leave the lift on the child for good.  (A thread lowered meanwhile by
 * anyone else is a false yes: the drain gives the child what the thread's
 * own state gives, as if that change had come before the fork.)
 * Conditions: the fork probe: preemption disabled, lockless.  The ending
 * side clears ipc_qos after setting ipc_ending and releases ipc_ending
 * only once the Linux thread was lowered (end_override()).
 */
bool machina_sched_fork_lifted(const struct machina_sched *s,
			       struct task_struct *parent,
			       struct task_struct *child)
{
	int ppol, cpol;

	if (READ_ONCE(s->ipc_qos))
		return true;
	/* Pairs with end_override()'s write barrier after ipc_ending. */
	smp_rmb();
	if (smp_load_acquire(&s->ipc_ending))
		return true;
	ppol = READ_ONCE(parent->policy);
	cpol = READ_ONCE(child->policy);
	if (rt_or_deadline(ppol) || rt_or_deadline(cpol))
		return false;
	return level(cpol, task_nice(child)) < level(ppol, task_nice(parent));
}

/*
 * undepressed_policy - the Linux policy of @p, the thread of @s, less a
 * thread_switch depression: a depressed thread still in SCHED_IDLE has the
 * policy the depression saved (its nice value is its own: SCHED_IDLE keeps
 * it), as the depression's restore rule gives it back (sched_depress.h)
 * Conditions: s->lock held (it guards s->depress and the record).
 */
static int undepressed_policy(const struct machina_sched *s,
			      struct task_struct *p)
{
	const struct machina_depress *d = s->depress;
	int policy = READ_ONCE(p->policy);

	lockdep_assert_held(&s->lock);
	if (d && d->applied && policy == SCHED_IDLE)
		return d->saved_policy;
	return policy;
}

/*
 * machina_sched_unlift_child - @child is a process @thread forked while an
 * IPC override lifted it: it gets the Linux policy and nice @thread's own
 * state gives without the override.  The lift was @thread's, for the
 * request it serves; clone() copied its Linux values, and the child, which
 * has no record and serves nothing, would keep them for good.
 * With no override on @thread now (it ended while clone() copied, or the
 * probe saw @child run better than @thread: machina_sched_fork_lifted()),
 * that state is @thread's Linux policy and nice as they are, less a
 * thread_switch depression @thread is in when the drain comes
 * (undepressed_policy()).
 * Only ever lowers @child, and only from what clone() gave it
 * (@fork_policy, @fork_nice, read at the fork): it is left as it is when
 * it no longer runs at those (it, its parent or a new image chose since:
 * the drain may come late), when it already runs no better than the
 * target (SCHED_RESET_ON_FORK), or when it or @thread is real-time.  Its CPU
 * placement is not narrowed (docs/plans/qos.md, slice 2).
 * Best effort: the child's policy and nice are read just before the change,
 * but a module cannot make the read and set_linux() one step against a
 * setpriority()/sched_setscheduler() on @child in between (docs/plans/qos.md,
 * residual window).
 * Conditions: process context, no locks held; may sleep.
 */
void machina_sched_unlift_child(struct machina_thread *thread,
				struct task_struct *child, int fork_policy,
				int fork_nice)
{
	struct machina_sched *s = &thread->sched;
	int policy, nice, want_policy, want_nice;
	struct task_struct *fp = NULL;

	mutex_lock(&s->lock);
	if (s->req.rt)
		goto out;
	/*
	 * No lift now (it ended, under this lock: the thread was lowered):
	 * the thread's own values are what it runs at, less a thread_switch
	 * depression it may be in by now (the drain can come late; the child
	 * never takes a depression).  The probe also notes a child of a
	 * thread Machina never drove (base_* is not a baseline then) that
	 * someone reniced while it forked.  A lift whose end Linux refused
	 * (ipc_ending left set, end_override()) is still on the thread.
	 */
	if (!s->ipc_qos && !s->ipc_ending)
		fp = machina_thread_get_task_struct(thread);
	if (fp) {
		want_policy = undepressed_policy(s, fp);
		want_nice = task_nice(fp);
		put_task_struct(fp);
		if (rt_or_deadline(want_policy))
			goto out;
	} else {
		/* Lifted (so driven: s->base_* holds its baseline), or reaped. */
		want_linux(s, child, false, &want_policy, &want_nice);
	}
	/* The child's values as late as can be: the check stays best effort. */
	policy = READ_ONCE(child->policy);
	nice = task_nice(child);
	/*
	 * A child already in SCHED_IDLE keeps its nice value (it is not
	 * used); one clone() gave a lifted SCHED_OTHER goes to SCHED_IDLE at
	 * the nice value @thread's own state gives, not at the lifted one.
	 */
	if (want_policy == SCHED_IDLE && policy == SCHED_IDLE)
		want_nice = nice;
	if (rt_or_deadline(policy) || policy != fork_policy ||
	    nice != fork_nice ||
	    level(want_policy, want_nice) < level(policy, nice) ||
	    (want_policy == policy && want_nice == nice))
		goto out;
	/* What Linux says: the child keeps what it has. */
	set_linux(child, want_policy, want_nice, 0);
out:
	mutex_unlock(&s->lock);
}

/*
 * The word a thread created now inherits: its requested class and relative
 * priority and, while Machina drives it, its baseline (bits: qos 0-7,
 * relprio + 16 8-15, base policy 16-22, driven 23, base nice + 20 24-31).
 */
static u32 inherit_word(const struct machina_sched *s)
{
	if (!s->driven)
		return 0;
	return s->req.qos | (u32)(s->req.relprio + 16) << 8 |
	       (u32)s->base_policy << 16 | 1U << 23 |
	       (u32)(s->base_nice + 20) << 24;
}

/*
 * confined - whether @s's thread belongs on the efficiency CPUs: its
 * effective class is BACKGROUND or MAINTENANCE, it has a class of its own
 * (an IPC override never narrows a thread without one: a message only
 * raises), and it is not real-time (by a time constraint or by its
 * owner's choice)
 */
static bool confined(const struct machina_sched *s, struct task_struct *p)
{
	u8 eq = machina_sched_effective_qos(s);

	return (eq == MACHINA_QOS_BACKGROUND || eq == MACHINA_QOS_MAINTENANCE) &&
	       effective_qos(s, false) != MACHINA_QOS_UNSPECIFIED &&
	       !s->req.rt && !rt_or_deadline(READ_ONCE(p->policy));
}

/*
 * machina_sched_apply - make the Linux thread @p match @thread's requested
 * policy and CPU placement, and publish what threads it creates inherit
 * Conditions: process context, thread->sched.lock held, no spinlock held;
 * may sleep.  The caller checked machina_sched_may_change().
 * Returns: 0, or the error of sched_setattr_nocheck() (nothing changed).
 */
int machina_sched_apply(struct machina_thread *thread, struct task_struct *p)
{
	struct machina_sched *s = &thread->sched;
	int err;

	lockdep_assert_held(&s->lock);
	/* A depression ends first: the change applies to what it restores. */
	machina_depress_end_locked(s);
	err = apply_linux(s, p);
	WRITE_ONCE(s->inherit, inherit_word(s));
	/* A refused change moves nothing: the caller restores the request. */
	if (err)
		return err;
	machina_placement_apply(s, p, confined(s, p));
	/*
	 * The Linux thread runs at what its record gives now: the lift of
	 * an override whose end Linux refused is off it (end_override();
	 * ipc_ending is set only under s->lock, so only such a one is seen).
	 */
	if (READ_ONCE(s->ipc_ending))
		smp_store_release(&s->ipc_ending, 0);
	return 0;
}

/*
 * clone_word - find and take the note of the thread that created @thread
 * (machina_sched_cloned()): its inherit word in *@word and its user mask
 * in *@cpus (a reference, or NULL)
 * Conditions: thread->sched.lock held.
 * Returns: whether there was one.
 */
static bool clone_word(struct machina_thread *thread, u32 *word,
		       struct machina_cpus **cpus)
{
	struct machina_task *task = thread->task;
	struct machina_thread *r;
	bool found = false;
	int bkt;

	lockdep_assert_held(&thread->sched.lock);
	if (!atomic_read(&task->qos_clones))
		return false;
	rcu_read_lock();
	hash_for_each_rcu(task->threads, bkt, r, task_node) {
		if (READ_ONCE(r->sched.clone_child) == thread->pid &&
		    cmpxchg(&r->sched.clone_child, thread->pid, NULL) == thread->pid) {
			*word = READ_ONCE(r->sched.clone_word);
			*cpus = xchg(&r->sched.clone_cpus, NULL);
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	if (!found)
		return false;
	put_pid(thread->pid);		/* the note's reference */
	atomic_dec(&task->qos_clones);
	return true;
}

/*
 * claim - take the class @thread inherits from the thread that created it,
 * or, for a new process's main thread, from the thread that forked it, if
 * that is still pending (sched_qos.h, "Inheritance", "Fork")
 * Conditions: thread->sched.lock held; @p is @thread's Linux thread.
 */
static void claim(struct machina_thread *thread, struct task_struct *p)
{
	struct machina_task *task = thread->task;
	struct machina_sched *s = &thread->sched;
	struct machina_cpus *cpus = NULL;
	u32 word = 0;

	lockdep_assert_held(&s->lock);
	if (s->claimed)
		return;
	/* The main thread's struct pid is the group's. */
	if (thread->pid == task->tgid && READ_ONCE(task->fork_qos))
		word = xchg(&task->fork_qos, 0);
	if (!word && !clone_word(thread, &word, &cpus))
		return;
	s->claimed = true;
	if (s->driven || s->req.qos || !(word & (1U << 23))) {
		machina_placement_put(cpus);
		return;
	}
	WRITE_ONCE(s->req.qos, word & 0xff);
	s->req.relprio = (int)((word >> 8) & 0xff) - 16;
	s->base_policy = (word >> 16) & 0x7f;
	s->base_nice = (int)(word >> 24) - 20;
	/* What clone() copied from the creator is Machina's doing. */
	s->driven = true;
	s->applied_policy = READ_ONCE(p->policy);
	s->applied_nice = task_nice(p);
	machina_placement_inherit(s, p, cpus);
	machina_sched_apply(thread, p);
}

/*
 * machina_sched_lock - take @thread's sched.lock, settling first what it
 * inherits from its creator when the caller is of the same process
 * Settling the class applies it to the Linux thread within the rights of
 * whoever settles it (CAP_SYS_NICE lifts the RLIMIT_NICE floor), so only
 * the thread's own process does it: the new thread itself or its creator's
 * task work.  Another process (thread_info, thread_policy_get, a
 * thread_policy_set it may make) sees the thread as it is until then; a
 * set it makes meanwhile wins over the inherited class (claim()).
 * Conditions: process context, no locks held; @p is @thread's Linux thread.
 */
void machina_sched_lock(struct machina_thread *thread, struct task_struct *p)
{
	mutex_lock(&thread->sched.lock);
	if (same_thread_group(p, current))
		claim(thread, p);
}

/*
 * clone_work - the creator hands its class to the thread it just made, on
 * its way back from clone() (or at its exit)
 * Conditions: task work of the creator (process context, no locks held),
 * queued by machina_sched_cloned(); owns a reference on the creator's
 * record and on the module.
 */
static void clone_work(struct callback_head *cb)
{
	struct machina_sched *s = container_of(cb, struct machina_sched, clone_work);
	struct machina_thread *thread = container_of(s, struct machina_thread, sched);
	struct machina_thread *child = NULL;
	struct pid *pid = s->clone_pid, *left;
	struct task_struct *p;

	p = get_pid_task(pid, PIDTYPE_PID);
	if (p)
		child = machina_thread_of(thread->task, p);
	if (!IS_ERR_OR_NULL(child)) {
		machina_sched_lock(child, p);
		mutex_unlock(&child->sched.lock);
		machina_thread_put(child);
	}
	if (p)
		put_task_struct(p);
	/* Nobody took it (the thread is gone, or gets no record): take it back. */
	left = xchg(&s->clone_child, NULL);
	if (left) {
		put_pid(left);
		atomic_dec(&thread->task->qos_clones);
	}
	machina_placement_put(xchg(&s->clone_cpus, NULL));
	s->clone_pid = NULL;
	put_pid(pid);
	clear_bit(0, &s->clone_busy);
	machina_thread_put(thread);
	module_put(THIS_MODULE);
}

/*
 * reset_on_fork - inherit word @word as a child of @parent may have it:
 * clone() reset the child's negative nice value (or real-time policy) for
 * a reset-on-fork parent, so its baseline may not be better than nice 0
 */
static u32 reset_on_fork(u32 word, struct task_struct *parent)
{
	if (parent->sched_reset_on_fork && (int)(word >> 24) < 20)
		word = (word & 0x00ffffff) | 20U << 24;
	return word;
}

/*
 * machina_sched_fork_word - what the main thread of a process @parent (the
 * thread of @s) forks now starts with: @parent's requested class, relative
 * priority and baseline (its inherit word), or 0 when it has no class (the
 * child then keeps what clone() copied, as before).  Never an override or
 * an IPC lift: the word holds the request only.
 * Conditions: the fork probe (current is @parent): lockless.
 */
u32 machina_sched_fork_word(const struct machina_sched *s,
			    struct task_struct *parent)
{
	u32 word = READ_ONCE(s->inherit);

	if (!(word & 0xff))
		return 0;
	return reset_on_fork(word, parent);
}

/*
 * machina_sched_fork_reset - the class word @word a process @parent that
 * never made its Mach task passes on when it forks: as it got it, with the
 * baseline no better than nice 0 if @parent has SCHED_RESET_ON_FORK
 * (reset_on_fork()), as its own fork word would be.
 * Conditions: the fork probe (current is @parent): lockless.
 */
u32 machina_sched_fork_reset(u32 word, struct task_struct *parent)
{
	return word ? reset_on_fork(word, parent) : 0;
}

/*
 * machina_sched_cloned - sched_process_fork for a new thread @child of
 * @parent's process: note it if @parent has a class to hand down
 * The inherited baseline is no better than nice 0 when @parent has
 * SCHED_RESET_ON_FORK, as clone() treats the Linux values (reset_on_fork()).
 * Conditions: the fork probe (current is @parent, preemption disabled):
 * nothing may sleep, take a spinlock_t or allocate.  One new thread per
 * creator at a time (clone() returns through the work before the next);
 * one more meanwhile inherits nothing.
 */
void machina_sched_cloned(struct task_struct *parent, struct task_struct *child)
{
	struct machina_thread *thread;
	struct machina_task *task;
	struct machina_sched *s;
	u32 word;

	rcu_read_lock();
	task = machina_task_lookup_rcu(task_tgid(parent));
	thread = task ? machina_thread_lookup_rcu(task, task_pid(parent)) : NULL;
	s = thread ? &thread->sched : NULL;
	word = s ? READ_ONCE(s->inherit) : 0;
	if (!word || test_and_set_bit(0, &s->clone_busy)) {
		rcu_read_unlock();
		return;
	}
	if (!try_module_get(THIS_MODULE))
		goto out_busy;
	if (!kref_get_unless_zero(&thread->ref))
		goto out_module;
	/* clone() copied the narrowed mask: the user mask goes along. */
	s->clone_cpus = machina_placement_get_rcu(s);
	rcu_read_unlock();

	s->clone_word = reset_on_fork(word, parent);
	s->clone_pid = get_pid(task_pid(child));
	atomic_inc(&task->qos_clones);
	/* Publishes clone_word and clone_cpus (read after a claimer's cmpxchg). */
	smp_store_release(&s->clone_child, get_pid(task_pid(child)));
	init_task_work(&s->clone_work, clone_work);
	if (!task_work_add(current, &s->clone_work, TWA_RESUME))
		return;
	/* Only an exiting thread refuses task work; clone() is not exiting. */
	if (xchg(&s->clone_child, NULL)) {
		put_pid(task_pid(child));
		atomic_dec(&task->qos_clones);
	}
	machina_placement_put(xchg(&s->clone_cpus, NULL));
	put_pid(s->clone_pid);
	s->clone_pid = NULL;
	machina_thread_put(thread);
	module_put(THIS_MODULE);
	clear_bit(0, &s->clone_busy);
	return;
out_module:
	module_put(THIS_MODULE);
out_busy:
	clear_bit(0, &s->clone_busy);
	rcu_read_unlock();
}

/*
 * machina_sched_may_change - whether the caller may change @p's scheduling
 * as setpriority() / sched_setaffinity() would let it: a thread of its own
 * process, one whose real or effective uid is the caller's effective uid,
 * or CAP_SYS_NICE in the target's user namespace.  Lowering the nice value
 * is checked again by machina_sched_apply() (RLIMIT_NICE).
 */
bool machina_sched_may_change(struct task_struct *p)
{
	struct user_namespace *ns;
	bool ok;

	if (same_owner(p))
		return true;
	rcu_read_lock();
	ns = get_user_ns(__task_cred(p)->user_ns);
	rcu_read_unlock();
	/* Outside RCU: an LSM's capable hook may audit and sleep. */
	ok = ns_capable(ns, CAP_SYS_NICE);
	put_user_ns(ns);
	return ok;
}
