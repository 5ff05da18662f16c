/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Priority depression: XNU's TH_SFLAG_DEPRESS, set by thread_switch's
 * SWITCH_OPTION_DEPRESS and SWITCH_OPTION_OSLOCK_DEPRESS, and by swtch_pri
 * (for thread_depress_time, 10 ms), for the time the caller gives the
 * processor away (osfmk/kern/syscall_subr.c).
 *
 * In XNU a depression ends when the depressed thread runs again (the
 * continuation of thread_switch or swtch_pri aborts it), when its timer
 * (option_time ms, none for 0) expires, at thread_depress_abort() and at
 * thread_abort() / thread_abort_safely() (thread_act.c).  So a depression never outlives the call that
 * made it, and Machina keeps its record, timer and work item on that
 * call's stack: the call ends every depression it began, and cancels the
 * timer and the work, before it returns.  Nothing outlives the call; a
 * thread has at most one depression (it is inside the call while
 * depressed).
 *
 * Linux side: a SCHED_NORMAL or SCHED_BATCH thread is depressed to
 * SCHED_IDLE (XNU's depressed priority 0 is below every user priority:
 * SCHED_IDLE ranks below nice 19), keeping its nice value.  A thread
 * already SCHED_IDLE, or real-time or deadline, is marked depressed
 * (thread_depress_abort answers for it) but its Linux policy is not
 * changed (a real-time thread's restore could be refused by the
 * scheduler's admission, and SCHED_IDLE is already the bottom).
 *
 * The restore rule: the depression changes the policy only, never the
 * nice value.  At the end, a thread no longer in SCHED_IDLE had its
 * policy changed meanwhile (sched_setattr(), sched_setscheduler()): it is
 * left as it is.  A thread still in SCHED_IDLE gets back the policy it
 * had, with the nice value it has then: a renice made meanwhile
 * (setpriority()) stays.  The restore reads the nice value just before it
 * sets the policy (machina_sched_set_policy()); a renice that lands
 * between the two is lost.  QoS changes (machina_sched_apply()) end the
 * depression first, so they apply to the restored thread.  A change to
 * exactly SCHED_IDLE cannot be told apart from the depression and is
 * undone.
 *
 * Locking: the thread's sched.lock (sched_qos.h) protects sched.depress
 * and the record's fields; the timer callback (hard irq, also on
 * PREEMPT_RT, so that a real-time hog of the CPU that holds back the
 * softirq thread does not hold back the restore) only queues the work item
 * (queue_work() takes raw spinlocks only), which takes sched.lock in process context on the
 * unbound workqueue (a CPU the depressed thread's competitor hogs does not
 * hold it back).
 */
#ifndef _MACHINA_SCHED_DEPRESS_H
#define _MACHINA_SCHED_DEPRESS_H

#include <linux/hrtimer.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct machina_sched;
struct machina_thread;
struct task_struct;

struct machina_depress {
	struct machina_sched *sched;	/* the depressed thread's */
	struct task_struct *p;		/* the depressed thread (current) */
	struct hrtimer timer;		/* option_time, if not 0 */
	struct work_struct work;	/* the restore the timer asks for */
	/* under sched->lock */
	bool applied;			/* the Linux policy was changed */
	int saved_policy;		/* what it had */
};

void machina_depress_begin(struct machina_depress *d,
			   struct machina_thread *thread, u32 ms);
void machina_depress_finish(struct machina_depress *d);
bool machina_depress_end_locked(struct machina_sched *s);
long machina_depress_live_count(void);

#endif /* _MACHINA_SCHED_DEPRESS_H */
