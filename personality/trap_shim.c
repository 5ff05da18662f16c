// SPDX-License-Identifier: GPL-2.0
/*
 * The syscall shim: how a Darwin trap instruction of an opted-in process
 * reaches the trap table (trap_table.c) without touching Linux's syscall
 * table.
 *
 * Both architectures: a probe on the sys_enter tracepoint (found with
 * for_each_kernel_tracepoint()), registered only while an opted-in
 * process exists and acting for opted-in processes only, marks the Darwin
 * trap so that the call reaches the kernel's "not implemented" handler,
 * and that handler is redirected to trap_entry(), which runs in the
 * syscall's own process context, may sleep, and returns the value for the
 * return register.  Every other call of that handler, and every process
 * that did not opt in, gets -ENOSYS as before.
 *
 * x86_64: Darwin's numbers (rax = 0x1000000 | trap, 0x2000000 | BSD call)
 * are beyond Linux's table, and do_syscall_64() then calls
 * __x64_sys_ni_syscall(), a SYSCALL_DEFINE0 of arch/x86/entry/common.c,
 * which does not call sys_ni_syscall() and which that file's build leaves
 * without ftrace instrumentation (ftrace refused it, -EINVAL, 6.12-amd64);
 * a kprobe on the out-of-line copy saw nothing either (the call from
 * do_syscall_64() is compiled inline: every trap returned -ENOSYS).  So
 * the probe rewrites an opted-in process's Darwin number to 184 (tuxcall,
 * reserved and never implemented on x86_64), keeping the Darwin number in
 * regs->ax, which the entry code had set to -ENOSYS: the table sends 184
 * to the out-of-line __x64_sys_ni_syscall(), where a kprobe's pre-handler
 * moves the instruction pointer to trap_entry() for a marked call (orig_ax
 * 184 and a Darwin class in ax; a genuine tuxcall has ax = -ENOSYS).
 *
 * arm64: "svc #0x80" is an ordinary svc to Linux, whose number is x8, and
 * x8 is garbage in Darwin code (the trap number is in x16).  The probe
 * reads the instruction before pc; for "svc #0x80" it sets
 * regs->syscallno to TRAP_SENTINEL, which syscall_trace_enter() returns as
 * the number to run: out of range, it lands in do_ni_syscall() ->
 * sys_ni_syscall(), redirected to trap_entry() (ftrace_redirect.h), and
 * trap_entry() dispatches on x16 (negative: Mach trap -x16; otherwise a
 * BSD call).  If the probe cannot read the word without faulting (it runs
 * with preemption disabled), it sets TRAP_UNREAD: trap_entry() reads the
 * word with get_user() and either runs the trap or, for any other svc,
 * restarts the instruction (pc - 4, x0 restored) so that it runs as
 * Linux's system call x8 once the word is resident.  The garbage x8 of a
 * Darwin trap is never run.
 *
 * Who runs traps: a thread of an opted-in process whose file table holds
 * an open /dev/mach (device_held()), the thread's own access to the ioctl
 * calls: a process that closed its descriptors, or an image run without
 * one, gets what a process that did not opt in gets (x86_64 -ENOSYS; on
 * arm64 the marked call is refused with -ENOSYS, never run as Linux's
 * call x8).  libmach's machina_traps_enable() keeps a descriptor open
 * across exec for that reason.  A setuid/setgid/file-capability exec drops
 * the opt-in itself (mach/task_fork_exec.c).
 *
 * Hook lifetime: the hooks (the x86_64 kprobe or the arm64 redirect, and
 * the sys_enter probe) are attached while trap_hooks has holders
 * (ftrace_redirect.h: a holder count with a linger): one count per
 * opted-in task (task->trap_flags) and per unclaimed inheritance record
 * carrying the opt-in (mach/task_fork_exec.c).  Attaching patches kernel
 * text that every CPU runs (the kprobe, the ftrace site, the tracepoint's
 * static key: each synchronised across all CPUs) and detaching waits for
 * RCU grace periods: the linger makes that one attach and one detach per
 * MACHINA_HOOKS_LINGER at most, whatever a loop of opt-ins and exits does.
 * Copies (fork) take a count only while another holder exists
 * (machina_trap_hold_more()).  Module unload is refused while an opted-in
 * task lives (each task pins the module); machina_trap_exit() removes
 * whatever is left.
 *
 * Locking: the ftrace callback and the sys_enter probe run with
 * preemption disabled (also on PREEMPT_RT): RCU lookups, atomic bits and
 * the raw fork_src lock only.  The hooks' mutex is outermost and taken
 * with no Machina lock held; task->itk_lock orders the opt-in bit against
 * the task's teardown (itk_dead).
 */
#include <linux/compat.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/seccomp.h>
#include <linux/security.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>
#include <asm/syscall.h>

#include "mach/kern_return.h"
#include "mach/task.h"
#include "personality/calls.h"
#include "personality/chardev.h"
#include "personality/compat.h"
#include "personality/ftrace_redirect.h"
#include "personality/trap.h"
#include "uapi/machina.h"

/* Calls that took the arm64 re-read of an unread word (trap_linux_svc()). */
static atomic_long_t trap_unread = ATOMIC_LONG_INIT(0);

#if MACHINA_TRAP_SHIM
/*
 * current_opted - whether the calling process runs Darwin traps, and its
 * task if it has one
 * @taskp: set to the caller's task with a reference (put it with
 * machina_task_put()) when the task exists, NULL otherwise: one lookup
 * serves the opt-in test, the /dev/mach hint and the trap itself.
 * Conditions: process context, no locks held.
 */
static bool current_opted(struct machina_task **taskp)
{
	struct machina_task *task;
	bool known, opted;

	rcu_read_lock();
	task = machina_task_lookup_rcu(task_tgid(current));
	known = task != NULL;
	opted = task && test_bit(MACHINA_TASK_TRAPS, &task->trap_flags);
	if (opted && !kref_get_unless_zero(&task->ref))
		opted = false;			/* being torn down */
	rcu_read_unlock();
	*taskp = opted ? task : NULL;
	/* A task claimed its record when it was made; without one, ask it. */
	return known ? opted : machina_task_inherit_traps(task_tgid(current));
}
#endif

#if MACHINA_TRAP_SHIM
/*
 * The ioctl a trap stands for when the LSMs are asked whether the thread
 * may use a /dev/mach descriptor: the opt-in's own.  A trap is a Machina
 * call made without ioctl(2), so the check ioctl(2) makes on the way in
 * (security_file_ioctl(): Landlock's LANDLOCK_ACCESS_FS_IOCTL_DEV,
 * SELinux's ioctl permission, Smack, TOMOYO) is made here.  One command for
 * every trap: a policy that allows some Machina ioctls and refuses others
 * by command decides the traps by this one.
 */
#define TRAP_IOCTL_CMD		MACHINA_IOC_TRAPS_ENABLE
#define DEVICE_SCAN_BATCH	1024

/*
 * device_usable - whether descriptor @fd of the calling thread is
 * /dev/mach and the thread may make ioctls on it now
 * Conditions: process context of the trapping thread, no locks held; may
 * sleep (the LSM hooks).  @fd may have been closed or replaced since it
 * was seen: the descriptor is looked up again, as ioctl(2) does (fdget():
 * no reference when the thread's file table is not shared, since only
 * this thread could close the descriptor meanwhile).
 */
static bool device_usable(unsigned int fd)
{
	struct fd f = fdget(fd);
	bool ok;

	if (!machina_fd_file(f))
		return false;
	ok = machina_file_is_device(machina_fd_file(f)) &&
	     !security_file_ioctl(machina_fd_file(f), TRAP_IOCTL_CMD, 0);
	fdput(f);
	return ok;
}

/*
 * device_held - whether the calling thread's file table holds an open
 * /dev/mach it may make ioctls on: a Darwin trap gives no more than the
 * ioctls the thread could make now.  Linux checks a device's permission at
 * open and a descriptor keeps the access (as for the ioctls); a thread
 * whose table holds none (it closed them, or its image was run without
 * one) may no longer reach /dev/mach: its permission, the thread's root,
 * namespace or LSM policy may all refuse the open now, and a trap must not
 * go around that.  Nor around what refuses the ioctl on a descriptor the
 * thread holds: the LSMs' ioctl check (device_usable()), made on every
 * trap as ioctl(2) makes it on every call.
 * @task: the caller's task or NULL; task->trap_fd is the descriptor that
 * passed last (a number, never a file pointer: it is looked up and checked
 * again each time, so a close, dup2() over it, exec, unshare(CLONE_FILES)
 * or another thread's table only make it miss).
 * Cost: on a miss, the open descriptors below the first usable /dev/mach
 * one are looked at, under RCU (libmach's is usually the first after
 * stdio), letting the CPU go every DEVICE_SCAN_BATCH of them; each
 * /dev/mach one among them costs a lookup and the LSM check, outside RCU.
 * Conditions: process context of the trapping thread, no locks held; may
 * sleep (cond_resched(), the LSM hooks).
 */
static bool device_held(struct machina_task *task)
{
	struct files_struct *files = current->files;
	struct fdtable *fdt;
	unsigned int fd, seen = 0;

	if (!files)
		return false;
	if (task && device_usable(READ_ONCE(task->trap_fd)))
		return true;
	rcu_read_lock();
	fdt = files_fdtable(files);
	for (fd = find_first_bit(fdt->open_fds, fdt->max_fds); fd < fdt->max_fds;
	     fd = find_next_bit(fdt->open_fds, fdt->max_fds, fd + 1)) {
		struct file *f = rcu_dereference_raw(fdt->fd[fd]);

		if (f && machina_file_is_device(f)) {
			rcu_read_unlock();
			if (device_usable(fd)) {
				if (task)
					WRITE_ONCE(task->trap_fd, fd);
				return true;
			}
			rcu_read_lock();
			fdt = files_fdtable(files);
		}
		/* A table of a million descriptors: not in one read section. */
		if (!(++seen % DEVICE_SCAN_BATCH)) {
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
			fdt = files_fdtable(files);
		}
	}
	rcu_read_unlock();
	return false;
}
#endif

#if MACHINA_TRAP_SHIM && defined(CONFIG_X86_64)

/*
 * x86_64 number x86_64 reserves and never implemented (tuxcall): what the
 * probe turns a Darwin trap into, so that it reaches the out-of-line
 * __x64_sys_ni_syscall() through the syscall table.  The Darwin number
 * waits in regs->ax (which the entry code set to -ENOSYS), so a genuine
 * tuxcall (ax -ENOSYS) is never taken for a trap.
 */
#define TRAP_SENTINEL	184

/* The Darwin class of a system call number (Linux decides on 32 bits). */
static unsigned int trap_class(u64 nr)
{
	return (u32)nr >> MACHINA_TRAP_CLASS_SHIFT;
}

static bool darwin_class(u64 nr)
{
	return trap_class(nr) == MACHINA_TRAP_CLASS_MACH ||
	       trap_class(nr) == MACHINA_TRAP_CLASS_UNIX;
}

static bool trap_candidate(const struct pt_regs *regs)
{
	return regs->orig_ax == TRAP_SENTINEL && darwin_class(regs->ax);
}

/* XNU x86_64: rdi, rsi, rdx, r10, r8, r9, then the user stack above the return address. */
static long trap_dispatch(struct machina_task *task, struct pt_regs *regs)
{
	u32 nr = (u32)regs->ax & ((1U << MACHINA_TRAP_CLASS_SHIFT) - 1);
	u64 a[MACHINA_TRAP_ARGS] = { regs->di, regs->si, regs->dx, regs->r10,
				     regs->r8, regs->r9 };
	unsigned int argc;

	if (trap_class(regs->ax) == MACHINA_TRAP_CLASS_UNIX) {
		regs->flags |= X86_EFLAGS_CF;	/* Darwin's error flag */
		return machina_trap_unix();
	}
	argc = machina_trap_argc(nr);
	/* XNU's munger: a stack it cannot read is KERN_INVALID_ARGUMENT. */
	if (argc > 6 && copy_from_user(&a[6], (void __user *)(regs->sp + 8),
				       (argc - 6) * sizeof(u64)))
		return KERN_INVALID_ARGUMENT;
	return machina_trap_call(task, nr, a);
}

static bool trap_arch_ok(void)
{
	return !in_compat_syscall();
}

/* x86_64 marks only Darwin numbers: a marked call is never Linux's. */
static bool trap_linux_svc(struct pt_regs *regs, long *ret)
{
	return false;
}

/* Whether the probe marks this syscall, and how. */
static void trap_mark(struct pt_regs *regs)
{
	if (in_compat_syscall() || !darwin_class(regs->orig_ax))
		return;
	regs->ax = (u32)regs->orig_ax;
	regs->orig_ax = TRAP_SENTINEL;
}

/* A cheap first test before the opt-in lookup. */
static bool trap_maybe(const struct pt_regs *regs)
{
	return darwin_class(regs->orig_ax);
}

#define TRAP_HOOKED	"__x64_sys_ni_syscall"
#define TRAP_ENTRY_ARGS	const struct pt_regs *unused

static long trap_entry(TRAP_ENTRY_ARGS);

/*
 * trap_kprobe - pre-handler at __x64_sys_ni_syscall's first instruction:
 * a marked Darwin trap continues in trap_entry() instead
 * Conditions: int3 context (interrupts off); no lock, no sleep.
 * Returns: 1 when it moved the instruction pointer (no single-step).
 */
static int trap_kprobe(struct kprobe *p, struct pt_regs *regs)
{
	if ((current->flags & PF_KTHREAD) || !trap_candidate(current_pt_regs()))
		return 0;
	instruction_pointer_set(regs, (unsigned long)trap_entry);
	return 1;
}

/*
 * A kprobe with a post-handler is never optimized into a jump: an
 * optimized probe ignores the instruction pointer its pre-handler sets
 * (6.12-amd64 enables jump optimization; some traps then returned
 * -ENOSYS once the optimizer had run).  Nothing to do after the
 * single-step of an ordinary call.
 */
static void trap_kprobe_post(struct kprobe *p, struct pt_regs *regs,
			     unsigned long flags)
{
}

static struct kprobe trap_kp;

static int redirect_register(void)
{
	memset(&trap_kp, 0, sizeof(trap_kp));	/* reusable after unregister */
	trap_kp.symbol_name = TRAP_HOOKED;
	trap_kp.pre_handler = trap_kprobe;
	trap_kp.post_handler = trap_kprobe_post;
	return register_kprobe(&trap_kp);
}

/*
 * A thread the handler sent to trap_entry() may be preempted there before
 * it pins the module: wait for every task to pass a voluntary switch.
 */
static void redirect_unregister(void)
{
	unregister_kprobe(&trap_kp);
	synchronize_rcu_tasks();
}

static void redirect_free(void)
{
}

/* A call trap_entry() does not take: what __x64_sys_ni_syscall returns. */
static long trap_decline(void)
{
	return -ENOSYS;
}

#elif MACHINA_TRAP_SHIM && defined(CONFIG_ARM64)

#define SVC_0X80	0xd4001001U	/* svc #0x80 */
#define TRAP_SENTINEL	(__NR_syscalls + 0x100)	/* the word is svc #0x80 */
#define TRAP_UNREAD	(__NR_syscalls + 0x101)	/* the probe could not read it */

static bool trap_candidate(const struct pt_regs *regs)
{
	return regs->syscallno == TRAP_SENTINEL || regs->syscallno == TRAP_UNREAD;
}

/*
 * trap_linux_svc - a call the probe could not read the instruction of
 * (TRAP_UNREAD) is read again here, where a fault may be taken: if it is
 * Linux's svc, it runs again as that (*@ret is what the restart returns);
 * unreadable text fails closed (*@ret = -ENOSYS).  Decided before the
 * /dev/mach check, so an opted-in thread that holds no /dev/mach still
 * gets its Linux system calls.
 * Returns: true when the call is settled (not a Darwin trap).
 */
static bool trap_linux_svc(struct pt_regs *regs, long *ret)
{
	u32 insn;

	if (regs->syscallno != TRAP_UNREAD)
		return false;
	atomic_long_inc(&trap_unread);
	if (get_user(insn, (u32 __user *)(regs->pc - 4))) {
		*ret = -ENOSYS;			/* unreadable text: fail closed */
		return true;
	}
	if (le32_to_cpu((__force __le32)insn) == SVC_0X80)
		return false;
	/*
	 * Linux's svc: again, now that the word is resident.  Not a system
	 * call any more for the signal code: x0 is the caller's argument,
	 * not a result, and one that reads as -ERESTART* would move pc back
	 * once more and be replaced by -EINTR (kill(-514) turned kill(-4)).
	 */
	regs->pc -= 4;
	forget_syscall(regs);
	*ret = regs->orig_x0;
	return true;
}

/* XNU arm64: x16 < 0 is Mach trap -x16, anything else a BSD call; args x0-x7. */
static long trap_dispatch(struct machina_task *task, struct pt_regs *regs)
{
	s64 x16 = regs->regs[16];

	if (x16 >= 0) {
		regs->pstate |= PSR_C_BIT;	/* Darwin's error flag */
		return machina_trap_unix();
	}
	if (x16 < -(s64)MACHINA_TRAP_TABLE_COUNT)
		return machina_trap_call(task, MACHINA_TRAP_TABLE_COUNT, regs->regs);
	return machina_trap_call(task, -x16, regs->regs);
}

/*
 * seccomp_confined - whether seccomp judges the calling thread's system
 * calls.  On arm64 it judged x8 (seccomp_data.nr), which a Darwin trap's
 * caller picks freely, not the trap in x16: a thread whose filter (or
 * strict mode) allows write would run any Mach trap by issuing
 * "svc #0x80" with x8 = write.  Such a thread runs Linux's call x8, the
 * one its filter allowed, as a process that did not opt in.
 * Conditions: current; any context.
 */
static bool seccomp_confined(void)
{
#ifdef CONFIG_SECCOMP
	return READ_ONCE(current->seccomp.mode) != SECCOMP_MODE_DISABLED;
#else
	return false;
#endif
}

static bool trap_arch_ok(void)
{
	return !is_compat_task() && !seccomp_confined();
}

/* do_ni_syscall() calls the generic one (verified on 6.1 and 6.12). */
#define TRAP_HOOKED	"sys_ni_syscall"
#define TRAP_ENTRY_ARGS	void

static long trap_entry(TRAP_ENTRY_ARGS);

/*
 * trap_pick - where a call of sys_ni_syscall() goes: trap_entry() for a
 * Darwin trap candidate, on otherwise
 * Conditions: the ftrace callback (preemption disabled); no lock, no sleep.
 */
static unsigned long trap_pick(struct ftrace_regs *fregs)
{
	if (current->flags & PF_KTHREAD)
		return 0;
	return trap_candidate(current_pt_regs()) ? (unsigned long)trap_entry : 0;
}

static struct machina_redirect trap_redirect =
	MACHINA_REDIRECT_INIT(TRAP_HOOKED, trap_pick);

static int redirect_register(void)
{
	return machina_redirect_register(&trap_redirect);
}

static void redirect_unregister(void)
{
	machina_redirect_unregister(&trap_redirect);
}

static void redirect_free(void)
{
	machina_redirect_free(&trap_redirect);
}

/*
 * trap_decline - a call trap_entry() does not take runs the original
 * sys_ni_syscall() (-ENOSYS), or returns what it would if its entry
 * cannot be worked out
 */
static long trap_decline(void)
{
	long (*orig)(void) =
		(long (*)(void))machina_redirect_original(&trap_redirect);

	return orig ? orig() : -ENOSYS;
}

/* Whether the probe marks this syscall: an svc #0x80 (fail closed). */
static void trap_mark(struct pt_regs *regs)
{
	u32 insn;

	if (is_compat_task() || seccomp_confined())
		return;
	if (copy_from_user_nofault(&insn, (u32 __user *)(regs->pc - 4), sizeof(insn)))
		regs->syscallno = TRAP_UNREAD;
	else if (le32_to_cpu((__force __le32)insn) == SVC_0X80)
		regs->syscallno = TRAP_SENTINEL;
}

static bool trap_maybe(const struct pt_regs *regs)
{
	return true;	/* any svc: the word tells */
}

#endif

#if MACHINA_TRAP_SHIM

/*
 * trap_sys_enter - sys_enter probe: mark an opted-in process's Darwin trap
 * so that it reaches TRAP_HOOKED (trap_mark())
 * Conditions: preemption disabled, in the syscall's own thread; takes no
 * sleeping lock (RCU and the raw fork_src lock only: PREEMPT_RT).
 */
static void trap_sys_enter(void *data, struct pt_regs *regs, long id)
{
	struct machina_task *task;
	bool opted;

	if (!user_mode(regs) || !trap_maybe(regs))
		return;
	rcu_read_lock();
	task = machina_task_lookup_rcu(task_tgid(current));
	opted = task ? test_bit(MACHINA_TASK_TRAPS, &task->trap_flags) :
		       machina_task_inherit_traps_rcu(current);
	rcu_read_unlock();
	if (opted)
		trap_mark(regs);
}

static struct tracepoint *sys_enter_tp;

static void find_sys_enter(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sys_enter"))
		sys_enter_tp = tp;
}

/*
 * trap_entry - where TRAP_HOOKED goes for a Darwin trap candidate
 * Conditions: the system call's process context, no locks held; may
 * sleep.  Same prototype and return as TRAP_HOOKED.  Until the
 * module reference is taken nothing here sleeps voluntarily, so the
 * RCU-tasks wait at unregistration (redirect_unregister()) covers the
 * jump here.
 */
static long trap_entry(TRAP_ENTRY_ARGS)
{
	struct pt_regs *regs = current_pt_regs();
	struct machina_task *task = NULL;
	bool declined = false;
	long ret;

	if (!try_module_get(THIS_MODULE))
		return -ENOSYS;
	if (!trap_candidate(regs) || !trap_arch_ok() || !current_opted(&task)) {
		ret = trap_decline();
		goto out;
	}
	if (trap_linux_svc(regs, &ret))
		goto put;
	if (device_held(task)) {
		/* An inheritance record's holder makes its task only now. */
		if (!task)
			task = machina_task_current();
		ret = trap_dispatch(task, regs);
	} else {
		declined = true;
	}
put:
	if (!IS_ERR_OR_NULL(task))
		machina_task_put(task);
	if (declined)
		ret = trap_decline();
out:
	module_put(THIS_MODULE);
	return ret;
}

static int hooks_register(void);
static void hooks_unregister(void);
static void hooks_free(void);
static MACHINA_HOOKS_DEFINE(trap_hooks, hooks_register, hooks_unregister, hooks_free);

/* hooks_register - attach the shim.  Conditions: the hooks' mutex held. */
static int hooks_register(void)
{
	int err;

	lockdep_assert_held(&trap_hooks.mutex);
	err = redirect_register();
	if (err)
		return err;
	if (!sys_enter_tp)
		for_each_kernel_tracepoint(find_sys_enter, NULL);
	err = sys_enter_tp ? tracepoint_probe_register(sys_enter_tp, trap_sys_enter, NULL) :
			     -ENOENT;
	if (err)
		goto err_redirect;
	return 0;
err_redirect:
	redirect_unregister();
	return err;
}

/* hooks_free - unload: what registration keeps.  Hooks off, their mutex. */
static void hooks_free(void)
{
	redirect_free();
}

/* hooks_unregister - detach it, and wait until no callback runs. */
static void hooks_unregister(void)
{
	lockdep_assert_held(&trap_hooks.mutex);
	tracepoint_probe_unregister(sys_enter_tp, trap_sys_enter, NULL);
	tracepoint_synchronize_unregister();
	redirect_unregister();
}

#else

static int hooks_register(void)
{
	return -EOPNOTSUPP;
}

static void hooks_unregister(void)
{
}

static void hooks_free(void)
{
}

static MACHINA_HOOKS_DEFINE(trap_hooks, hooks_register, hooks_unregister, hooks_free);

#endif

/*
 * machina_trap_hold - one more opted-in holder; attaches the hooks if
 * they are off (machina_hooks_hold())
 * Returns: 0, -EINTR on a fatal signal, or the attachment's error.
 */
int machina_trap_hold(void)
{
	return machina_hooks_hold(&trap_hooks);
}

/* machina_trap_hold_more - a count while another holder keeps the hooks. */
bool machina_trap_hold_more(void)
{
	return machina_hooks_hold_more(&trap_hooks);
}

/* machina_trap_release - drop a count.  Conditions: any context. */
void machina_trap_release(void)
{
	machina_hooks_release(&trap_hooks);
}

/*
 * machina_trap_task_take - @task becomes opted in, with a count its caller
 * hands over
 * Conditions: task->itk_lock held.
 * Returns: whether the task took the count (false: already opted in, or
 * torn down; the caller keeps its count).
 */
bool machina_trap_task_take(struct machina_task *task)
{
	lockdep_assert_held(&task->itk_lock);
	return !task->itk_dead && !test_and_set_bit(MACHINA_TASK_TRAPS, &task->trap_flags);
}

/* machina_trap_task_drop - @task leaves (teardown, raised exec). */
void machina_trap_task_drop(struct machina_task *task)
{
	if (test_and_clear_bit(MACHINA_TASK_TRAPS, &task->trap_flags))
		machina_trap_release();
}

/*
 * machina_call_traps_enable - MACHINA_IOC_TRAPS_ENABLE: the calling
 * process opts in to Darwin trap instructions
 * Conditions: process context, no locks held; may sleep (registers the
 * hooks when it is the first).
 * Returns: KERN_SUCCESS (state 1 if it had opted in already),
 * KERN_FAILURE when the hooks cannot be attached on this kernel (the
 * reason is logged), -EINVAL for non-zero flags or state.
 */
long machina_call_traps_enable(struct machina_task *task, void *arg)
{
	struct machina_traps_enable *te = arg;
	bool took;
	int err;

	if (te->flags || te->state)
		return -EINVAL;
	if (test_bit(MACHINA_TASK_TRAPS, &task->trap_flags)) {
		te->state = 1;
		return KERN_SUCCESS;
	}
	err = machina_trap_hold();
	if (err == -EINTR)
		return err;
	if (err) {
		pr_warn_ratelimited("machina: Darwin trap hooks unavailable: %d\n", err);
		return KERN_FAILURE;
	}
	spin_lock(&task->itk_lock);
	took = machina_trap_task_take(task);
	spin_unlock(&task->itk_lock);
	if (!took)
		machina_trap_release();	/* another thread was first, or exiting */
	te->state = !took;
	return KERN_SUCCESS;
}

/* How many times the hooks were attached since the module loaded. */
long machina_trap_hooks_attached(void)
{
	return machina_hooks_attached(&trap_hooks);
}

/*
 * How many calls the arm64 probe could not read the instruction of since
 * the module loaded (0 elsewhere): sec_trapunread_test proves it reached
 * the re-read.
 */
long machina_trap_unread_count(void)
{
	return atomic_long_read(&trap_unread);
}

/* MACHINA_FEATURE_TRAPS where the shim is built (compat.h). */
u64 machina_trap_features(void)
{
	return MACHINA_TRAP_SHIM ? MACHINA_FEATURE_TRAPS : 0;
}

/*
 * machina_trap_exit - module unload: no task is left; the hooks go if a
 * record's last release has not taken them down yet
 */
void machina_trap_exit(void)
{
	machina_hooks_exit(&trap_hooks);
}
