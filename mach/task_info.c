// SPDX-License-Identifier: GPL-2.0
/*
 * task_info: what Linux knows about the process behind a task, in Darwin's
 * flavors and layouts (all packed to 4 bytes, counts in 32-bit words).
 *
 *   TASK_EVENTS_INFO (2)        faults (minor + major), pageins (major
 *                               faults), cow_faults 0, messages 0, syscalls 0,
 *                               csw (voluntary + involuntary switches)
 *   TASK_THREAD_TIMES_INFO (3)  user/system time of the live threads
 *   TASK_BASIC_INFO_64 (5)      x86_64: 64-bit sizes (10 words); arm64:
 *                               Darwin's compatibility layout with 32-bit
 *                               sizes (8 words), the 64-bit one being 18
 *   TASK_AUDIT_TOKEN (15)       as the message trailer's audit token
 *   MACH_TASK_BASIC_INFO (20)   sizes, times of all threads (live and dead)
 *   TASK_VM_INFO (22), TASK_VM_INFO_PURGEABLE (23)
 *                               its own call (machina_call_task_vm_info):
 *                               up to 93 words, more than struct machina_info
 *                               holds; the facts come from xnu_vm/vm_info.c
 * Sizes come from the target's mm (total_vm, RSS, RSS high-water mark).
 * suspend_count is the task_suspend nesting (thread_act.c).  policy is
 * POLICY_TIMESHARE.
 */
#include <linux/cred.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/percpu_counter.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/cputime.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "mach/ipc_kobject.h"
#include "mach/kern_return.h"
#include "mach/task.h"
#include "personality/calls.h"
#include "uapi/machina.h"
#include "xnu_vm/vm_info.h"
#include "xnu_vm/vm_map.h"

#define TASK_EVENTS_INFO	2
#define TASK_THREAD_TIMES_INFO	3
#define TASK_BASIC_INFO_64	5
#define TASK_AUDIT_TOKEN	15
#define TASK_BASIC_INFO_64_2	18	/* arm64 only */
#define MACH_TASK_BASIC_INFO	20

#define POLICY_TIMESHARE	1

struct time_value {
	s32 seconds;
	s32 microseconds;
};

struct mach_task_basic_info {
	u64 virtual_size;
	u64 resident_size;
	u64 resident_size_max;
	struct time_value user_time;
	struct time_value system_time;
	s32 policy;
	s32 suspend_count;
} __packed __aligned(4);

struct task_basic_info_64 {
	s32 suspend_count;
	u64 virtual_size;
	u64 resident_size;
	struct time_value user_time;
	struct time_value system_time;
	s32 policy;
} __packed __aligned(4);

struct task_basic_info_64_compat {
	s32 suspend_count;
	u32 virtual_size;
	u32 resident_size;
	struct time_value user_time;
	struct time_value system_time;
	s32 policy;
} __packed __aligned(4);

struct task_thread_times_info {
	struct time_value user_time;
	struct time_value system_time;
} __packed __aligned(4);

struct task_events_info {
	s32 faults;
	s32 pageins;
	s32 cow_faults;
	s32 messages_sent;
	s32 messages_received;
	s32 syscalls_mach;
	s32 syscalls_unix;
	s32 csw;
} __packed __aligned(4);

static_assert(sizeof(struct mach_task_basic_info) == 12 * 4);
static_assert(sizeof(struct task_basic_info_64) == 10 * 4);
static_assert(sizeof(struct task_basic_info_64_compat) == 8 * 4);
static_assert(sizeof(struct task_thread_times_info) == 4 * 4);
static_assert(sizeof(struct task_events_info) == 8 * 4);
static_assert(MACHINA_INFO_WORDS * 4 >= sizeof(struct mach_task_basic_info));

/* What one look at the process gathers. */
struct task_stats {
	u64 vsize, rss, rss_max;
	u64 utime_all, stime_all;	/* live and exited threads, ns */
	u64 utime_live, stime_live;	/* live threads, ns */
	u64 min_flt, maj_flt, csw;
	u32 audit[8];
	s32 suspend_count;		/* task_suspend nesting */
};

static struct time_value to_time_value(u64 ns)
{
	u32 rem;
	u64 sec = div_u64_rem(ns, NSEC_PER_SEC, &rem);

	return (struct time_value){
		.seconds = (s32)min_t(u64, sec, S32_MAX),
		.microseconds = rem / NSEC_PER_USEC,
	};
}

static s32 clamp_s32(u64 v)
{
	return (s32)min_t(u64, v, S32_MAX);
}

/*
 * gather - read the counters of the process behind @task
 * Conditions: process context, no locks held (mmput() may sleep).
 * Returns: 0, or -ESRCH when the process is gone.
 */
static int gather(struct machina_task *task, struct task_stats *st)
{
	struct user_namespace *ns = current_user_ns();
	struct task_struct *p, *t;
	struct signal_struct *sig;
	const struct cred *cred;
	struct mm_struct *mm;
	u64 ut, stime;

	memset(st, 0, sizeof(*st));
	spin_lock(&task->lock);
	st->suspend_count = clamp_s32(task->suspend_count);
	spin_unlock(&task->lock);
	p = get_pid_task(task->tgid, PIDTYPE_TGID);
	if (!p)
		return -ESRCH;

	rcu_read_lock();
	sig = p->signal;
	/* Threads that have exited leave their share in the signal struct. */
	st->utime_all = READ_ONCE(sig->utime);
	st->stime_all = READ_ONCE(sig->stime);
	st->min_flt = READ_ONCE(sig->min_flt);
	st->maj_flt = READ_ONCE(sig->maj_flt);
	st->csw = READ_ONCE(sig->nvcsw) + READ_ONCE(sig->nivcsw);
	for_each_thread(p, t) {
		task_cputime_adjusted(t, &ut, &stime);
		st->utime_live += ut;
		st->stime_live += stime;
		st->min_flt += READ_ONCE(t->min_flt);
		st->maj_flt += READ_ONCE(t->maj_flt);
		st->csw += READ_ONCE(t->nvcsw) + READ_ONCE(t->nivcsw);
	}
	st->utime_all += st->utime_live;
	st->stime_all += st->stime_live;

	cred = __task_cred(p);
	st->audit[0] = from_kuid_munged(ns, cred->uid);	/* auid */
	st->audit[1] = from_kuid_munged(ns, cred->euid);
	st->audit[2] = from_kgid_munged(ns, cred->egid);
	st->audit[3] = from_kuid_munged(ns, cred->uid);
	st->audit[4] = from_kgid_munged(ns, cred->gid);
	st->audit[5] = pid_vnr(task->tgid);
	st->audit[6] = pid_vnr(task_session(p));
	st->audit[7] = (u32)task->serial;
	rcu_read_unlock();

	mm = get_task_mm(p);
	if (mm) {
		st->vsize = (u64)mm->total_vm << PAGE_SHIFT;
		st->rss = (u64)machina_mm_rss(mm) << PAGE_SHIFT;
		st->rss_max = max_t(u64, (u64)mm->hiwater_rss << PAGE_SHIFT, st->rss);
		mmput(mm);
	}
	put_task_struct(p);
	return 0;
}

/*
 * fill - write @flavor's structure into @out
 * Returns: its size in words, or 0 for a flavor this architecture does not
 * know.
 */
static u32 fill(s32 flavor, const struct task_stats *st, void *out)
{
	switch (flavor) {
	case MACH_TASK_BASIC_INFO: {
		struct mach_task_basic_info *b = out;

		b->virtual_size = st->vsize;
		b->resident_size = st->rss;
		b->resident_size_max = st->rss_max;
		b->user_time = to_time_value(st->utime_all);
		b->system_time = to_time_value(st->stime_all);
		b->policy = POLICY_TIMESHARE;
		b->suspend_count = st->suspend_count;
		return sizeof(*b) / 4;
	}
#ifdef CONFIG_ARM64
	case TASK_BASIC_INFO_64: {
		struct task_basic_info_64_compat *b = out;

		b->suspend_count = st->suspend_count;
		b->virtual_size = (u32)min_t(u64, st->vsize, U32_MAX);
		b->resident_size = (u32)min_t(u64, st->rss, U32_MAX);
		b->user_time = to_time_value(st->utime_all);
		b->system_time = to_time_value(st->stime_all);
		b->policy = POLICY_TIMESHARE;
		return sizeof(*b) / 4;
	}
	case TASK_BASIC_INFO_64_2:
#else
	case TASK_BASIC_INFO_64:
#endif
	{
		struct task_basic_info_64 *b = out;

		b->suspend_count = st->suspend_count;
		b->virtual_size = st->vsize;
		b->resident_size = st->rss;
		b->user_time = to_time_value(st->utime_all);
		b->system_time = to_time_value(st->stime_all);
		b->policy = POLICY_TIMESHARE;
		return sizeof(*b) / 4;
	}
	case TASK_THREAD_TIMES_INFO: {
		struct task_thread_times_info *b = out;

		b->user_time = to_time_value(st->utime_live);
		b->system_time = to_time_value(st->stime_live);
		return sizeof(*b) / 4;
	}
	case TASK_EVENTS_INFO: {
		struct task_events_info *b = out;

		b->faults = clamp_s32(st->min_flt + st->maj_flt);
		b->pageins = clamp_s32(st->maj_flt);
		b->csw = clamp_s32(st->csw);
		return sizeof(*b) / 4;
	}
	case TASK_AUDIT_TOKEN:
		memcpy(out, st->audit, sizeof(st->audit));
		return ARRAY_SIZE(st->audit);
	}
	return 0;
}

/*
 * machina_call_task_info - task_info on a task's control or name port
 * Returns: KERN_SUCCESS with "count" words in "info";
 * KERN_INVALID_ARGUMENT for an unknown flavor, too small a count or a port
 * that is not a task's; MACH_SEND_INVALID_DEST for a name without a live
 * send right; KERN_INVALID_TASK when the process has just gone.
 */
long machina_call_task_info(struct machina_task *task, void *arg)
{
	struct machina_info *a = arg;
	u32 buf[MACHINA_INFO_WORDS] = { 0 };
	struct machina_task *target;
	struct ipc_kobject_ref ref;
	struct task_stats st;
	u32 words;
	int kr;

	if (a->flags)
		return -EINVAL;
	memset(&st, 0, sizeof(st));
	words = fill(a->flavor, &st, buf);
	/* A larger capacity than the flavor needs is fine, as on Darwin. */
	if (!words || a->count < words)
		return KERN_INVALID_ARGUMENT;
	kr = machina_task_lookup(task, a->target, MACHINA_TASK_NAME, &ref);
	if (kr)
		return kr;
	target = ref.obj;
	kr = gather(target, &st);
	ipc_kobject_ref_put(&ref);
	if (kr)
		return KERN_INVALID_TASK;
	memset(buf, 0, sizeof(buf));
	fill(a->flavor, &st, buf);
	memset(a->info, 0, sizeof(a->info));
	memcpy(a->info, buf, words * 4);
	a->count = words;
	return KERN_SUCCESS;
}

/*
 * vm_info_words - the TASK_VM_INFO revision a caller with room for @count
 * words gets: the largest that fits (XNU's task_info), 0 below revision 0
 */
static u32 vm_info_words(u32 count)
{
	static const u8 revs[] = {
		TASK_VM_INFO_REV7_COUNT, TASK_VM_INFO_REV6_COUNT,
		TASK_VM_INFO_REV5_COUNT, TASK_VM_INFO_REV4_COUNT,
		TASK_VM_INFO_REV3_COUNT, TASK_VM_INFO_REV2_COUNT,
		TASK_VM_INFO_REV1_COUNT, TASK_VM_INFO_REV0_COUNT,
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(revs); i++)
		if (count >= revs[i])
			return revs[i];
	return 0;
}

/*
 * machina_call_task_vm_info - task_info(TASK_VM_INFO), or with
 * MACHINA_TASK_VM_INFO_PURGEABLE task_info(TASK_VM_INFO_PURGEABLE), on a
 * task's control or read port (xnu_vm_task_info() says what each field
 * is), written to the caller's buffer: struct machina_info cannot hold
 * its 93 words.
 * The target's mm is taken under its held image and let go before the
 * copy-out; nothing of it outlives the call.
 * Returns: KERN_SUCCESS with count set to the revision written;
 * KERN_INVALID_ARGUMENT (a count below revision 0, 36 words; a port that
 * is not a task's control or read port: XNU also answers on inspect and
 * name ports); MACH_SEND_INVALID_DEST; KERN_INVALID_TASK (the
 * process is exiting); KERN_ABORTED; -EFAULT for a bad buffer.
 */
long machina_call_task_vm_info(struct machina_task *task, void *arg)
{
	struct machina_task_vm_info *a = arg;
	struct xnu_task_vm_info info;
	struct ipc_kobject_ref ref;
	struct xnu_vm_map map;
	u32 words;
	int kr;

	if ((a->flags & ~MACHINA_TASK_VM_INFO_PURGEABLE) || a->reserved)
		return -EINVAL;
	words = vm_info_words(a->count);
	if (!words)
		return KERN_INVALID_ARGUMENT;
	/*
	 * A read port or better, unlike the other flavors: name ports are
	 * anyone's (task_name_for_pid), and the map's facts (its region
	 * count, the split of resident memory by object) are what Linux
	 * keeps to those who may read the process's maps (ptrace read); the
	 * read port is the flavour the VM reading calls take.
	 */
	kr = machina_task_lookup(task, a->target, MACHINA_TASK_READ, &ref);
	if (kr)
		return kr;
	kr = ref.image.proc ? xnu_vm_map_hold(&map, ref.image.proc) :
			      KERN_INVALID_TASK;
	if (!kr) {
		kr = xnu_vm_task_info(map.mm, &info,
				      a->flags & MACHINA_TASK_VM_INFO_PURGEABLE);
		xnu_vm_map_release(&map);
	}
	ipc_kobject_ref_put(&ref);
	if (kr)
		return kr;
	if (copy_to_user(u64_to_user_ptr(a->info), &info, words * 4))
		return -EFAULT;
	a->count = words;
	return KERN_SUCCESS;
}
