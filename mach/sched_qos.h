/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A Mach thread's scheduling policy (thread_policy_set, the pthread QoS
 * calls) and its mapping onto the Linux thread's policy and nice value.
 *
 * Each thread record carries one struct machina_sched, protected by its own
 * mutex (lock).  Requested state is what Darwin's calls set and report
 * (qos, relprio, importance, timeshare, the tags); the effective QoS is the
 * requested one raised by the strongest active override
 * (pthread_override_qos_class_start_np).  machina_sched_apply() turns the
 * effective state into a Linux policy and nice value and sets them with
 * sched_setattr_nocheck(), within what the caller could do with
 * setpriority() (docs/ARCHITECTURE.md, "QoS"; docs/SECURITY.md).
 *
 * Baseline: the Linux policy and nice the thread had before Machina first
 * changed it.  While Machina drives the thread (driven), applied_* is what
 * it last left; a policy or nice value that differs was changed by the
 * owner meanwhile (setpriority()) and becomes that part of the baseline.  When nothing is requested any more
 * the baseline is put back.  An IPC override only ever raises the values the
 * thread's own state gives (the baseline for a thread without a class), in
 * each of policy and nice (ipc_qos_override.h).  A thread whose Linux policy is real-time or
 * deadline by its owner's choice is never changed; a time-constraint
 * thread is SCHED_FIFO by Machina's (driven, applied_policy SCHED_FIFO).
 *
 * Inheritance: a new thread starts with its creator's requested class and
 * baseline (Darwin's rule for pthread_create without attributes; its Linux
 * policy and nice were copied by clone() already).  The fork probe notes
 * the new thread in its creator's record (clone_child, no allocation) and
 * queues task work on the creator that hands the class over before clone()
 * returns; a new thread that calls in first takes it itself.  Either side
 * claims it under the new thread's sched.lock, with cmpxchg on clone_child
 * deciding who, so the new thread never reads a class it has not yet got.
 * Only callers of the thread's own process claim (claiming applies the class
 * within the claimer's rights); a reset-on-fork creator hands down no
 * baseline below nice 0.  Every change keeps SCHED_RESET_ON_FORK.
 *
 * Fork: a new process's main thread starts with the forking thread's
 * requested class and relative priority (what libpthread's copied
 * thread-specific data makes qos_class_self() report in a Darwin child),
 * never its overrides or IPC lift.  The fork probe puts the forking
 * thread's inherit word in the fork note (machina_sched_fork_word(): only
 * when it has a class), the note's drain into the child's inheritance
 * record, the child task's creation into task->fork_qos when the child has
 * not exec'd since, and the main thread's first call of its own process
 * takes it (claim()).  An exec forgets it with the rest of the class.
 *
 * Placement: machina_sched_apply() also gives the thread the CPUs its
 * effective class asks for (sched_placement.h); a new thread inheriting a
 * narrowed creator's class also takes its user mask.
 *
 * Lock order: inherit_mutex (task.h) -> sched.lock -> (the scheduler's
 * own locks, inside sched_setattr_nocheck()).  No Machina spinlock is held with sched.lock;
 * sched.lock is never taken under task->lock.
 */
#ifndef _MACHINA_SCHED_QOS_H
#define _MACHINA_SCHED_QOS_H

#include <linux/mutex.h>
#include <linux/stddef.h>
#include <linux/types.h>

struct machina_cpus;
struct machina_depress;
struct machina_task;
struct machina_thread;
struct task_struct;

/* Darwin's THREAD_QOS_* tiers. */
#define MACHINA_QOS_UNSPECIFIED		0
#define MACHINA_QOS_MAINTENANCE		1
#define MACHINA_QOS_BACKGROUND		2
#define MACHINA_QOS_UTILITY		3
#define MACHINA_QOS_LEGACY		4
#define MACHINA_QOS_USER_INITIATED	5
#define MACHINA_QOS_USER_INTERACTIVE	6
#define MACHINA_QOS_LAST		7
#define MACHINA_QOS_MIN_RELPRIO		(-15)

/* The SCHED_FIFO priority of a time-constraint thread (at most; RLIMIT_RTPRIO). */
#define MACHINA_RT_PRIO			50

/* Active overrides per tier are counted up to this; more are refused. */
#define MACHINA_QOS_OVERRIDE_MAX	1024

/*
 * What Darwin's calls set and report.  The class is read without the lock
 * (machina_sched_effective_qos_lockless(): a sender's message class), so
 * it is written with WRITE_ONCE only; the rest is one group, which a
 * refused set puts back as a whole (thread_policy.c).
 */
struct machina_sched_req {
	u8 qos;				/* THREAD_QOS_* */
	struct_group(rest,
		s8 relprio;		/* -15..0 */
		bool timeshare;		/* THREAD_EXTENDED_POLICY */
		s32 importance;		/* THREAD_PRECEDENCE_POLICY */
		u32 affinity_tag;	/* THREAD_AFFINITY_POLICY */
		u32 latency_tier;	/* THREAD_LATENCY_QOS_POLICY, raw */
		u32 throughput_tier;	/* THREAD_THROUGHPUT_QOS_POLICY, raw */
		bool rt;		/* THREAD_TIME_CONSTRAINT_POLICY set */
		bool rt_preemptible;
		u32 rt_period, rt_computation, rt_constraint;	/* abstime (ns) */
	);
};

struct machina_sched {
	struct mutex lock;
	struct machina_sched_req req;	/* under lock */
	/* active overrides per tier; WRITE_ONCE under lock (read locklessly) */
	u16 overrides[MACHINA_QOS_LAST];
	u8 ipc_qos;			/* IPC override (ipc_qos_override.h) */
	/*
	 * Set while an IPC override comes off: ipc_qos is clear but the
	 * Linux thread may still run at the lifted values (the fork probe,
	 * machina_sched_fork_lifted()); left set when Linux refused the end,
	 * until a change applies (end_override()).  WRITE_ONCE / release
	 * under lock.
	 */
	u8 ipc_ending;
	/* the Linux side, under lock */
	bool driven;			/* Machina set the Linux thread */
	int base_policy, base_nice;	/* the baseline (see above) */
	int applied_policy, applied_nice;	/* what Machina last set */
	bool claimed;			/* inheritance settled (see below) */
	/* inheritance by the threads this one creates */
	u32 inherit;			/* WRITE_ONCE under lock; 0: nothing */
	unsigned long clone_busy;	/* bit 0: a new thread's is pending */
	u32 clone_word;			/* what the new thread inherits */
	struct pid *clone_child;	/* the new thread; a reference */
	struct pid *clone_pid;		/* the work's reference on it */
	struct machina_cpus *clone_cpus;	/* its user mask (sched_placement.h) */
	struct callback_head clone_work;
	/* P/E placement (sched_placement.h), under lock */
	struct machina_cpus __rcu *pl_user;	/* while narrowed: the user mask */
	struct machina_cpus *pl_applied;	/* the mask Machina left */
	/* thread_switch's depression (sched_depress.h), under lock */
	struct machina_depress *depress;
};

void machina_sched_init(struct machina_sched *s);
u8 machina_sched_effective_qos(const struct machina_sched *s);
u8 machina_sched_effective_qos_lockless(const struct machina_sched *s);
void machina_sched_forget(struct machina_sched *s);
int machina_sched_xnu_priority(struct machina_sched *s, struct task_struct *p);
int machina_sched_apply(struct machina_thread *thread, struct task_struct *p);
bool machina_sched_may_change(struct task_struct *p);
int machina_sched_set_policy(struct task_struct *p, int policy);
void machina_sched_lock(struct machina_thread *thread, struct task_struct *p);
void machina_sched_cloned(struct task_struct *parent, struct task_struct *child);
u32 machina_sched_fork_word(const struct machina_sched *s,
			    struct task_struct *parent);
u32 machina_sched_fork_reset(u32 word, struct task_struct *parent);
bool machina_sched_fork_lifted(const struct machina_sched *s,
			       struct task_struct *parent,
			       struct task_struct *child);
void machina_sched_unlift_child(struct machina_thread *thread,
				struct task_struct *child, int fork_policy,
				int fork_nice);

#endif /* _MACHINA_SCHED_QOS_H */
