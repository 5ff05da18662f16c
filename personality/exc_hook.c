// SPDX-License-Identifier: GPL-2.0
/*
 * User faults as Mach exceptions (exc_hook.h).
 *
 * Every synchronous user fault Linux turns into a signal reaches
 * force_sig_fault(sig, code, addr) in the faulting thread, irqs on, no
 * mmap_lock held, sleepable (docs/plans/exceptions.md 2.1-2.3); x86's int3
 * and user #GP reach force_sig(sig) instead.  A redirect
 * (ftrace_redirect.h) sends those calls of a Mach task's thread to
 * catchers here, which map the signal to Darwin's exception (the table of
 * plans/exceptions.md 1.2, below), raise it (mach/exc_raise.c) and:
 *   KERN_SUCCESS         return without a signal: the thread re-executes
 *                        the instruction (after the handler fixed its
 *                        cause, e.g. with mprotect());
 *   MACH_RCV_PORT_DIED   return without a signal: a fatal signal ended
 *                        the wait and ends the thread;
 *   anything else        call the original (machina_redirect_original()),
 *                        so Linux's own signal, si_code and si_addr are
 *                        delivered as if Machina were absent.
 *
 * Mapping (type, code[0], code[1]):
 *   SIGSEGV SEGV_MAPERR        BAD_ACCESS  KERN_INVALID_ADDRESS     address
 *   SIGSEGV SEGV_ACCERR        BAD_ACCESS  KERN_PROTECTION_FAILURE  address
 *   SIGBUS  BUS_ADRERR         BAD_ACCESS  KERN_MEMORY_ERROR        address
 *   arm64 SIGBUS BUS_ADRALN    BAD_ACCESS  EXC_ARM_DA_ALIGN         address
 *   arm64 SIGILL ILLOPC/OPN    BAD_INSTRUCTION EXC_ARM_UNDEFINED    the word at pc
 *   arm64 SIGTRAP TRAP_BRKPT   BREAKPOINT  EXC_ARM_BREAKPOINT       pc (on
 *                              MACHINA_EXC_DEBUG_ATOMIC kernels from task
 *                              work: defer_breakpoint())
 *   x86 SIGILL, #UD            BAD_INSTRUCTION EXC_I386_INVOP       0
 *   x86 SIGFPE FPE_INTDIV, #DE ARITHMETIC  EXC_I386_DIV             0
 *   x86 force_sig(SIGTRAP) #BP BREAKPOINT  EXC_I386_BPT             0
 *   x86 force_sig(SIGSEGV) #GP BAD_ACCESS  EXC_I386_GPFLT           error code
 * x86's page-fault signals are taken only with trap_nr #PF.  Nothing else
 * is raised (SIMD/x87 errors, single step, watchpoints, #TS/#NP/#SS, a
 * ptraced thread's breakpoints, compat tasks): Linux's signal.
 *
 * Who is affected: only a thread of a Mach task (a process that used
 * /dev/mach) whose task holds the hooks or while the host does; the
 * callback finds that with one RCU lookup.
 */
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/signal.h>
#include <linux/task_work.h>
#include <linux/uaccess.h>
#include <asm/ptrace.h>
#ifdef CONFIG_X86_64
#include <asm/trapnr.h>
#endif

#include "mach/exc_action.h"
#include "mach/exc_raise.h"
#include "mach/ipc_abi.h"
#include "mach/kern_return.h"
#include "mach/task.h"
#include "mach/thread.h"
#include "personality/exc_hook.h"
#include "personality/ftrace_redirect.h"

/* Darwin's codes (<mach/arm/exception.h>, <mach/i386/exception.h>). */
#define EXC_ARM_UNDEFINED	1
#define EXC_ARM_BREAKPOINT	1
#define EXC_ARM_DA_ALIGN	0x101
#define EXC_I386_INVOP		1
#define EXC_I386_DIV		1
#define EXC_I386_BPT		2
#define EXC_I386_GPFLT		13

/* The host's count: taken at its first action, kept until unload. */
static unsigned long host_flags;

#if MACHINA_FTRACE_REDIRECT

static void set_fault(struct machina_exc_fault *f, int type, s64 code, s64 subcode)
{
	f->type = type;
	f->code[0] = code;
	f->code[1] = subcode;
}

/*
 * map_fault - the exception force_sig_fault(@sig, @code, @addr) stands
 * for in the current thread (top of file)
 * Conditions: the faulting thread (any context: user memory is read
 * without faulting).
 * Returns: true with @f filled, false for a signal that is not raised.
 */
static bool map_fault(int sig, int code, void __user *addr, struct machina_exc_fault *f)
{
	s64 a = (s64)(unsigned long)addr;

#ifdef CONFIG_X86_64
	int trap = current->thread.trap_nr;

	if ((sig == SIGSEGV || sig == SIGBUS) && trap != X86_TRAP_PF)
		return false;
	if (sig == SIGILL && trap == X86_TRAP_UD) {
		set_fault(f, EXC_BAD_INSTRUCTION, EXC_I386_INVOP, 0);
		return true;
	}
	if (sig == SIGFPE && code == FPE_INTDIV && trap == X86_TRAP_DE) {
		set_fault(f, EXC_ARITHMETIC, EXC_I386_DIV, 0);
		return true;
	}
#else
	if (sig == SIGBUS && code == BUS_ADRALN) {
		set_fault(f, EXC_BAD_ACCESS, EXC_ARM_DA_ALIGN, a);
		return true;
	}
	if (sig == SIGILL && (code == ILL_ILLOPC || code == ILL_ILLOPN)) {
		unsigned long pc = instruction_pointer(current_pt_regs());
		u32 insn;

		/* 0 when the word cannot be read (XNU's too); never sleeps. */
		if (copy_from_user_nofault(&insn, (u32 __user *)pc, sizeof(insn)))
			insn = 0;
		set_fault(f, EXC_BAD_INSTRUCTION, EXC_ARM_UNDEFINED, le32_to_cpu((__force __le32)insn));
		return true;
	}
	if (sig == SIGTRAP && code == TRAP_BRKPT && !current->ptrace) {
		set_fault(f, EXC_BREAKPOINT, EXC_ARM_BREAKPOINT, a);
		return true;
	}
#endif
	if (sig == SIGSEGV && code == SEGV_MAPERR) {
		set_fault(f, EXC_BAD_ACCESS, KERN_INVALID_ADDRESS, a);
		return true;
	}
	if (sig == SIGSEGV && code == SEGV_ACCERR) {
		set_fault(f, EXC_BAD_ACCESS, KERN_PROTECTION_FAILURE, a);
		return true;
	}
	if (sig == SIGBUS && code == BUS_ADRERR) {
		set_fault(f, EXC_BAD_ACCESS, KERN_MEMORY_ERROR, a);
		return true;
	}
	return false;
}

/* A 32-bit process is never a Darwin one: its faults stay Linux's. */
static bool native_thread(void)
{
#ifdef CONFIG_X86_64
	return user_64bit_mode(current_pt_regs());
#else
	return !is_compat_task();
#endif
}

/*
 * exc_catch - raise @f for the current thread
 * Conditions: the faulting thread, process context, no locks held; may
 * sleep.  Until the module reference is taken nothing here sleeps
 * voluntarily (the RCU-tasks wait at unregistration covers the jump).
 * Returns: true when no signal must be sent (handled, or the thread is
 * being killed), false to decline.
 */
static bool exc_catch(const struct machina_exc_fault *f)
{
	struct machina_thread *thread;
	struct machina_task *task;
	bool handled = false;
	int kr;

	if (in_atomic() || irqs_disabled() || !native_thread())
		return false;
	if (!try_module_get(THIS_MODULE))
		return false;
	rcu_read_lock();
	task = machina_task_lookup_rcu(task_tgid(current));
	if (task && !kref_get_unless_zero(&task->ref))
		task = NULL;
	rcu_read_unlock();
	if (!task)
		goto out;
	thread = machina_thread_current(task);
	if (!IS_ERR(thread)) {
		kr = machina_exc_raise(task, thread, f);
		handled = kr == KERN_SUCCESS || kr == MACH_RCV_PORT_DIED;
	}
	machina_task_put(task);
out:
	module_put(THIS_MODULE);
	return handled;
}

/*
 * exc_pick_ok - whether a call of the hooked functions in this thread may
 * be an exception (filtered exactly in the catcher)
 * Conditions: the ftrace callback (preemption disabled): RCU only.
 */
static bool exc_pick_ok(void)
{
	struct machina_task *task;
	bool ok;

	if (current->flags & (PF_KTHREAD | PF_EXITING))
		return false;
	rcu_read_lock();
	task = machina_task_lookup_rcu(task_tgid(current));
	ok = task && (test_bit(MACHINA_TASK_EXC_HOOKED, &task->exc_flags) ||
		      test_bit(MACHINA_TASK_EXC_HOOKED, &host_flags));
	rcu_read_unlock();
	return ok;
}

static int exc_force_sig_fault(int sig, int code, void __user *addr);
static int exc_original(int sig, int code, void __user *addr);

#if MACHINA_EXC_DEBUG_ATOMIC
/*
 * exc_deferred_fn - a deferred breakpoint, raised on the thread's way back
 * to user mode (before any user instruction): declined, the original
 * force_sig_fault() sends Linux's SIGTRAP from here; nothing for a thread
 * that is exiting (the work then runs in its exit)
 * Conditions: task work of the faulting thread, process context, no locks
 * held; holds the record's and the module's references defer_breakpoint()
 * took.
 */
static void exc_deferred_fn(struct callback_head *cb)
{
	struct machina_thread *thread = container_of(cb, struct machina_thread, exc_work);
	int sig = thread->exc_sig, code = thread->exc_code;
	void __user *addr = thread->exc_addr;
	struct machina_exc_fault f;

	clear_bit(0, &thread->exc_deferring);
	if (!(current->flags & PF_EXITING)) {
		set_fault(&f, EXC_BREAKPOINT, EXC_ARM_BREAKPOINT, (s64)(unsigned long)addr);
		if (!exc_catch(&f))
			exc_original(sig, code, addr);
	}
	machina_thread_put(thread);
	module_put(THIS_MODULE);
}

/*
 * defer_breakpoint - arm64 before 6.12 runs a user brk's handler with
 * preemption disabled (compat.h): note the call in the thread's record and
 * raise it from task work (TWA_RESUME)
 * Conditions: the catcher, preemption disabled: RCU, atomics and
 * task_work_add() only.
 * Returns: true when queued (no signal now); false for a thread without a
 * record (it never used Mach itself: Linux's SIGTRAP) or one already
 * deferring.
 */
static bool defer_breakpoint(int sig, int code, void __user *addr)
{
	struct machina_thread *thread = NULL;
	struct machina_task *task;

	rcu_read_lock();
	task = machina_task_lookup_rcu(task_tgid(current));
	if (task)
		thread = machina_thread_lookup_rcu(task, task_pid(current));
	if (thread && !kref_get_unless_zero(&thread->ref))
		thread = NULL;
	rcu_read_unlock();
	if (!thread)
		return false;
	if (test_and_set_bit(0, &thread->exc_deferring))
		goto put;
	if (!try_module_get(THIS_MODULE))
		goto clear;
	thread->exc_sig = sig;
	thread->exc_code = code;
	thread->exc_addr = addr;
	init_task_work(&thread->exc_work, exc_deferred_fn);
	if (!task_work_add(current, &thread->exc_work, TWA_RESUME))
		return true;
	module_put(THIS_MODULE);
clear:
	clear_bit(0, &thread->exc_deferring);
put:
	machina_thread_put(thread);
	return false;
}
#endif

static unsigned long fault_pick(struct ftrace_regs *fregs)
{
	return exc_pick_ok() ? (unsigned long)exc_force_sig_fault : 0;
}

static struct machina_redirect fault_redirect =
	MACHINA_REDIRECT_INIT("force_sig_fault", fault_pick);

/*
 * exc_force_sig_fault - where force_sig_fault() goes for a Mach task's
 * thread: raise, or call the original (its entry unknown: force_sig(),
 * never no signal)
 * Conditions: as force_sig_fault() in a user fault (top of file).
 */
static int exc_force_sig_fault(int sig, int code, void __user *addr)
{
	struct machina_exc_fault f;

	if (map_fault(sig, code, addr, &f)) {
#if MACHINA_EXC_DEBUG_ATOMIC
		if (sig == SIGTRAP)
			return defer_breakpoint(sig, code, addr) ? 0 :
			       exc_original(sig, code, addr);
#endif
		if (exc_catch(&f))
			return 0;
	}
	return exc_original(sig, code, addr);
}

/* exc_original - Linux's force_sig_fault() (unknown entry: force_sig()). */
static int exc_original(int sig, int code, void __user *addr)
{
	int (*orig)(int, int, void __user *);

	orig = (void *)machina_redirect_original(&fault_redirect);
	if (orig)
		return orig(sig, code, addr);
	force_sig(sig);
	return 0;
}

#ifdef CONFIG_X86_64
static void exc_force_sig(int sig);

static unsigned long sig_pick(struct ftrace_regs *fregs)
{
	return exc_pick_ok() ? (unsigned long)exc_force_sig : 0;
}

static struct machina_redirect sig_redirect =
	MACHINA_REDIRECT_INIT("force_sig", sig_pick);

/*
 * exc_force_sig - where x86's force_sig() goes for a Mach task's thread:
 * int3 (#BP) and a user #GP are raised; every other call, and a declined
 * one, runs the original (unknown entry: the signal with send_sig(),
 * never none)
 */
static void exc_force_sig(int sig)
{
	int trap = current->thread.trap_nr;
	void (*orig)(int);
	struct machina_exc_fault f;
	bool mapped = false;

	if (sig == SIGTRAP && trap == X86_TRAP_BP && !current->ptrace) {
		set_fault(&f, EXC_BREAKPOINT, EXC_I386_BPT, 0);
		mapped = true;
	} else if (sig == SIGSEGV && trap == X86_TRAP_GP) {
		set_fault(&f, EXC_BAD_ACCESS, EXC_I386_GPFLT, current->thread.error_code);
		mapped = true;
	}
	if (mapped && exc_catch(&f))
		return;
	orig = (void *)machina_redirect_original(&sig_redirect);
	if (orig)
		orig(sig);
	else
		send_sig(sig, current, 1);
}
#endif

/* Conditions of the three: the hooks' mutex held. */
static int hooks_attach(void)
{
	int err = machina_redirect_register(&fault_redirect);

#ifdef CONFIG_X86_64
	if (!err) {
		err = machina_redirect_register(&sig_redirect);
		if (err)
			machina_redirect_unregister(&fault_redirect);
	}
#endif
	return err;
}

static void hooks_detach(void)
{
#ifdef CONFIG_X86_64
	machina_redirect_unregister(&sig_redirect);
#endif
	machina_redirect_unregister(&fault_redirect);
}

static void hooks_free(void)
{
#ifdef CONFIG_X86_64
	machina_redirect_free(&sig_redirect);
#endif
	machina_redirect_free(&fault_redirect);
}

#else /* !MACHINA_FTRACE_REDIRECT: actions are kept, never raised */

static int hooks_attach(void)
{
	return -EOPNOTSUPP;
}

static void hooks_detach(void)
{
}

static void hooks_free(void)
{
}

#endif

static MACHINA_HOOKS_DEFINE(exc_hooks, hooks_attach, hooks_detach, hooks_free);

/*
 * machina_exc_hook_hold - @task (NULL: the host) got an action: it holds
 * the hooks from now on, once
 * Conditions: process context, no locks held; may sleep.  A failure (a
 * fatal signal, a kernel without the redirect, ftrace refusing it) leaves
 * the action unraised: its faults get Linux's signal.
 */
void machina_exc_hook_hold(struct machina_task *task)
{
	unsigned long *flags = task ? &task->exc_flags : &host_flags;

	if (test_bit(MACHINA_TASK_EXC_HOOKED, flags))
		return;
	if (machina_hooks_hold(&exc_hooks))
		return;
	if (test_and_set_bit(MACHINA_TASK_EXC_HOOKED, flags))
		machina_hooks_release(&exc_hooks);
}

/*
 * machina_exc_hook_drop - @task's actions are gone (teardown, AT_SECURE
 * exec): its count goes.  Conditions: any context.
 */
void machina_exc_hook_drop(struct machina_task *task)
{
	if (test_and_clear_bit(MACHINA_TASK_EXC_HOOKED, &task->exc_flags))
		machina_hooks_release(&exc_hooks);
}

/* How many times the hooks were attached since the module loaded. */
long machina_exc_hooks_attached(void)
{
	return machina_hooks_attached(&exc_hooks);
}

/*
 * machina_exc_hook_exit - unload: no task is left; the host's count goes
 * and the hooks with it.  Conditions: process context, no locks held.
 */
void machina_exc_hook_exit(void)
{
	if (test_and_clear_bit(MACHINA_TASK_EXC_HOOKED, &host_flags))
		machina_hooks_release(&exc_hooks);
	machina_hooks_exit(&exc_hooks);
}
