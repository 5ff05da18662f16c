// SPDX-License-Identifier: GPL-2.0
/*
 * Thread state: thread_get_state / thread_set_state on the user registers
 * of a stopped thread, in Darwin's layouts (ARM_THREAD_STATE64 on arm64,
 * x86_THREAD_STATE64 on x86_64; other architectures have no flavor).
 *
 * The target must be suspended (thread_suspend or task_suspend).  The call
 * waits until it has actually stopped (it sleeps in its stop work, all its
 * user registers saved in task_pt_regs()), at most STOP_WAIT; a thread that
 * is not suspended, or does not stop in time (an uninterruptible sleep), is
 * KERN_FAILURE.  XNU stops a running target briefly instead; Machina asks
 * the caller to suspend it, as debuggers do anyway.
 *
 * Writes change only what user mode could change itself: the arithmetic
 * flags (arm64 NZCV; x86 CF PF AF ZF SF DF OF AC), never the mode, the
 * interrupt or trace bits, nor the segment selectors.  A new pc cancels a
 * pending system call restart: arm64 rewinds the pc before the stop runs
 * (get_signal() runs task work) and skips its restart-block fixup when the
 * pc moved; x86 decides after the stop, from orig_ax, which is set to -1.
 *
 * This is the one file with architecture conditionals (CONFIG_ARM64,
 * CONFIG_X86_64): they are the architecture, not the kernel version.
 */
#include <linux/jiffies.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <asm/ptrace.h>
#ifdef CONFIG_X86_64
#include <asm/msr.h>
#endif

#include "mach/ipc_abi.h"
#include "mach/ipc_kobject.h"
#include "mach/kern_return.h"
#include "mach/task.h"
#include "mach/thread.h"
#include "personality/calls.h"
#include "uapi/machina.h"

#define STOP_WAIT	(2 * HZ)

#if defined(CONFIG_ARM64)

#define STATE_FLAVOR	6	/* ARM_THREAD_STATE64 */
struct darwin_state {
	u64 x[29];
	u64 fp, lr, sp, pc;
	u32 cpsr;
	u32 flags;		/* pointer authentication flags: 0 */
};
#define NZCV	(PSR_N_BIT | PSR_Z_BIT | PSR_C_BIT | PSR_V_BIT)

u64 machina_thread_tls_base(struct task_struct *p)
{
	if (p == current)
		return read_sysreg(tpidr_el0);
	return p->thread.uw.tp_value;
}

static bool state_usable(struct task_struct *p)
{
	return !test_ti_thread_flag(task_thread_info(p), TIF_32BIT);
}

static void regs_to_state(struct pt_regs *regs, struct darwin_state *s)
{
	memcpy(s->x, regs->regs, sizeof(s->x));
	s->fp = regs->regs[29];
	s->lr = regs->regs[30];
	s->sp = regs->sp;
	s->pc = regs->pc;
	s->cpsr = (u32)regs->pstate;
	s->flags = 0;
}

static int state_to_regs(const struct darwin_state *s, struct pt_regs *regs)
{
	memcpy(regs->regs, s->x, sizeof(s->x));
	regs->regs[29] = s->fp;
	regs->regs[30] = s->lr;
	regs->sp = s->sp;
	/* Restart handling already happened, and ignores a moved pc. */
	regs->pc = s->pc;
	regs->pstate = (regs->pstate & ~(u64)NZCV) | (s->cpsr & NZCV);
	return KERN_SUCCESS;
}

#elif defined(CONFIG_X86_64)

#define STATE_FLAVOR	4	/* x86_THREAD_STATE64 */
struct darwin_state {
	u64 rax, rbx, rcx, rdx, rdi, rsi, rbp, rsp;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rip, rflags, cs, fs, gs;
};
#define USER_FLAGS	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
			 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_DF | \
			 X86_EFLAGS_OF | X86_EFLAGS_AC)

u64 machina_thread_tls_base(struct task_struct *p)
{
	u64 base;

	if (p == current) {
		rdmsrl(MSR_FS_BASE, base);
		return base;
	}
	return p->thread.fsbase;
}

static bool state_usable(struct task_struct *p)
{
	return user_64bit_mode(task_pt_regs(p));
}

static void regs_to_state(struct pt_regs *regs, struct darwin_state *s)
{
	*s = (struct darwin_state){
		.rax = regs->ax, .rbx = regs->bx, .rcx = regs->cx,
		.rdx = regs->dx, .rdi = regs->di, .rsi = regs->si,
		.rbp = regs->bp, .rsp = regs->sp,
		.r8 = regs->r8, .r9 = regs->r9, .r10 = regs->r10,
		.r11 = regs->r11, .r12 = regs->r12, .r13 = regs->r13,
		.r14 = regs->r14, .r15 = regs->r15,
		.rip = regs->ip, .rflags = regs->flags, .cs = regs->cs,
		/* 64-bit Linux threads use base registers, not selectors. */
		.fs = 0, .gs = 0,
	};
}

static int state_to_regs(const struct darwin_state *s, struct pt_regs *regs)
{
	if (s->cs != regs->cs || s->fs || s->gs)
		return KERN_INVALID_ARGUMENT;
	regs->ax = s->rax;
	regs->bx = s->rbx;
	regs->cx = s->rcx;
	regs->dx = s->rdx;
	regs->di = s->rdi;
	regs->si = s->rsi;
	regs->bp = s->rbp;
	regs->sp = s->rsp;
	regs->r8 = s->r8;
	regs->r9 = s->r9;
	regs->r10 = s->r10;
	regs->r11 = s->r11;
	regs->r12 = s->r12;
	regs->r13 = s->r13;
	regs->r14 = s->r14;
	regs->r15 = s->r15;
	/* The restart decision comes after the stop: cancel it. */
	if (regs->ip != s->rip)
		regs->orig_ax = -1;
	regs->ip = s->rip;
	regs->flags = (regs->flags & ~(u64)USER_FLAGS) | (s->rflags & USER_FLAGS);
	return KERN_SUCCESS;
}

#else

#define STATE_FLAVOR	(-1)	/* none: every flavor is invalid */
struct darwin_state {
	u64 unused;
};

u64 machina_thread_tls_base(struct task_struct *p)
{
	return 0;
}

static bool state_usable(struct task_struct *p)
{
	return false;
}

static void regs_to_state(struct pt_regs *regs, struct darwin_state *s)
{
}

static int state_to_regs(const struct darwin_state *s, struct pt_regs *regs)
{
	return KERN_INVALID_ARGUMENT;
}

#endif

#define STATE_WORDS	(sizeof(struct darwin_state) / sizeof(u32))

/*
 * access_state - read (@write false) or write the registers of a stopped
 * thread
 * Conditions: process context, no locks held.
 * Returns: KERN_SUCCESS; KERN_FAILURE (not suspended, not stopped in time,
 * or the caller itself); KERN_ABORTED (the caller got a fatal signal
 * while waiting); KERN_INVALID_ARGUMENT (a 32-bit thread, or a write that
 * changes what user mode may not); MACH_SEND_INVALID_DEST (thread gone).
 */
static int access_state(struct machina_thread *thread,
			struct darwin_state *s, bool write)
{
	struct task_struct *p;
	long left;
	bool ok;
	int kr;

	p = machina_thread_get_task_struct(thread);
	if (!p)
		return MACH_SEND_INVALID_DEST;
	kr = KERN_FAILURE;
	if (p == current)
		goto out;
	left = wait_event_killable_timeout(thread->wq,
					   machina_thread_stop_settled(thread),
					   STOP_WAIT);
	if (left < 0) {
		kr = KERN_ABORTED;
		goto out;
	}
	mutex_lock(&thread->state_mutex);
	spin_lock(&thread->task->lock);
	ok = thread->stopped && !thread->dead;
	spin_unlock(&thread->task->lock);
	/* stopped cannot fall while state_mutex is held (thread_act.c). */
	if (!ok)
		goto out_unlock;
	kr = KERN_INVALID_ARGUMENT;
	if (!state_usable(p))
		goto out_unlock;
	if (write) {
		kr = state_to_regs(s, task_pt_regs(p));
	} else {
		regs_to_state(task_pt_regs(p), s);
		kr = KERN_SUCCESS;
	}
out_unlock:
	mutex_unlock(&thread->state_mutex);
out:
	put_task_struct(p);
	return kr;
}

/*
 * state_call - the common part of get and set: checks, lookup, copy
 * Returns: as access_state(); KERN_INVALID_ARGUMENT for another flavor, too
 * small a count, or (set) another count than the flavor's; -EINVAL for flags; -EFAULT for the buffer.
 */
static long state_call(struct machina_task *task,
		       struct machina_thread_state *a, bool write)
{
	struct machina_thread *thread;
	struct ipc_kobject_ref ref;
	struct darwin_state s;
	void __user *ubuf = u64_to_user_ptr(a->state);
	int kr;

	if (a->flags)
		return -EINVAL;
	kr = machina_thread_lookup(task, a->thread, &ref);
	if (kr)
		return kr;
	thread = ref.obj;
	kr = KERN_INVALID_ARGUMENT;
	/* Darwin: a read needs room for the flavor, a write its exact size. */
	if (STATE_FLAVOR < 0 || a->flavor != STATE_FLAVOR ||
	    a->count < STATE_WORDS || (write && a->count != STATE_WORDS))
		goto out;
	if (write && copy_from_user(&s, ubuf, sizeof(s))) {
		kr = -EFAULT;
		goto out;
	}
	kr = access_state(thread, &s, write);
	if (kr)
		goto out;
	if (!write && copy_to_user(ubuf, &s, sizeof(s))) {
		kr = -EFAULT;
		goto out;
	}
	a->count = STATE_WORDS;
out:
	ipc_kobject_ref_put(&ref);
	return kr;
}

/* machina_call_thread_get_state - thread_get_state() */
long machina_call_thread_get_state(struct machina_task *task, void *arg)
{
	return state_call(task, arg, false);
}

/*
 * machina_call_thread_set_state - thread_set_state(); the thread resumes
 * with the new registers when its suspensions are gone
 */
long machina_call_thread_set_state(struct machina_task *task, void *arg)
{
	return state_call(task, arg, true);
}
