// SPDX-License-Identifier: GPL-2.0
/*
 * Who may have a task port of another process: the kernel decides, with
 * the rule of ptrace attach, never the module.
 *
 * ptrace_may_access(), security_ptrace_access_check() and mm_access() are
 * not exported.  Opening /proc/<pid>/mem is the exported path that runs
 * them: procfs's open calls mm_access(PTRACE_MODE_ATTACH | FSCREDS) under
 * the target's exec_update_lock, so the whole of __ptrace_may_access()
 * decides (uids and gids, dumpability, CAP_SYS_PTRACE in the target's user
 * namespace) and then every LSM's ptrace hook: commoncap, Yama (its scope
 * in force and PR_SET_PTRACER exceptions), AppArmor, SELinux, Landlock.
 *
 * The same holds for PTRACE_MODE_READ, the rule of /proc/<pid>/stat's
 * private fields, of /proc/<pid>/maps and of kcmp(): procfs's open of
 * /proc/<pid>/auxv runs mm_access(PTRACE_MODE_READ | FSCREDS).  Which file
 * is opened is the mode asked for (enum machina_task_access); READ differs
 * from ATTACH in __ptrace_may_access() only on the LSM side: Yama's scope
 * restricts attaching only, commoncap and the others check both.
 *
 * The file is opened in a procfs instance of the module's own, mounted
 * at load (kern_mount, so in no mount namespace), for the pid namespace of
 * the process that loaded it, and it is reached with no path of the
 * caller's: neither a chroot, nor a mount namespace, nor a user namespace
 * can change what is opened.  The target is named by its pid number in
 * that namespace.  Only the open is used (the decision); no byte is read,
 * and the file is closed at once.
 *
 * Differences from ptrace attach itself, all on the refusing side:
 *   - procfs checks with the file system ids; the open is made with
 *     fsuid/fsgid set to the real ids, which ptrace attach compares;
 *   - with FSCREDS, commoncap compares the target's permitted
 *     capabilities with the caller's effective set (attach: permitted);
 *   - the LSMs' file-open hooks run too (SELinux: read/open of the
 *     target's /proc file; AppArmor: read of the proc path);
 *   - a target sharing the caller's mm without being a thread of it
 *     (CLONE_VM) is refused, as mm_access() does not check that case;
 *   - a target whose pid is not visible in the module's pid namespace (the
 *     module loaded from a child pid namespace) is refused;
 *   - no procfs, or no instance of it: every other process is refused.
 */
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

#include "mach/task.h"

/* The module's procfs instance, set at load; NULL: every request refused. */
static struct vfsmount *access_mnt;
static struct pid_namespace *access_ns;

/*
 * machina_task_access_init - mount the procfs instance of the decisions
 * Conditions: module load, process context.
 * Returns: 0 always: without procfs the module loads and refuses every
 * task port of another process.
 */
int machina_task_access_init(void)
{
	struct file_system_type *proc = get_fs_type("proc");
	struct vfsmount *mnt;

	if (!proc) {
		pr_warn("machina: no procfs: task_for_pid refuses other processes\n");
		return 0;
	}
	mnt = kern_mount(proc);
	module_put(proc->owner);
	if (IS_ERR(mnt)) {
		pr_warn("machina: procfs mount failed (%ld): task_for_pid refuses other processes\n",
			PTR_ERR(mnt));
		return 0;
	}
	/* procfs took the loader's pid namespace for the instance, as here. */
	access_ns = get_pid_ns(task_active_pid_ns(current));
	access_mnt = mnt;
	return 0;
}

/*
 * machina_task_access_exit - unmount it
 * Conditions: module unload, no call can run any more.
 */
void machina_task_access_exit(void)
{
	if (!access_mnt)
		return;
	kern_unmount(access_mnt);
	put_pid_ns(access_ns);
	access_mnt = NULL;
	access_ns = NULL;
}

/*
 * open_check - open the target's @file (mem: ATTACH, auxv: READ) in the
 * module's procfs, as the caller, with the real ids standing in for the
 * file system ids
 * Conditions: process context, no locks held (path walk, open; sleeps).
 * Returns: 0 if the kernel let the caller open it, else a negative errno.
 */
static int open_check(pid_t nr, const char *file)
{
	const struct cred *saved = NULL;
	struct dentry *dir, *mem;
	struct cred *real = NULL;
	char name[16];
	struct file *f;
	int err;

	snprintf(name, sizeof(name), "%d", nr);
	if (!uid_eq(current_fsuid(), current_uid()) ||
	    !gid_eq(current_fsgid(), current_gid())) {
		real = prepare_creds();
		if (!real)
			return -ENOMEM;
		real->fsuid = real->uid;
		real->fsgid = real->gid;
		saved = override_creds(real);
	}
	/* Two plain look-ups from the instance's root: no path of anyone's. */
	dir = lookup_positive_unlocked(name, access_mnt->mnt_root, strlen(name));
	if (IS_ERR(dir)) {
		err = PTR_ERR(dir);
		goto out;
	}
	mem = lookup_positive_unlocked(file, dir, strlen(file));
	dput(dir);
	if (IS_ERR(mem)) {
		err = PTR_ERR(mem);
		goto out;
	}
	/*
	 * dentry_open: no DAC check of the file; the open of mem and auxv
	 * does the ptrace one (mm_access()).
	 */
	f = dentry_open(&(struct path){ .mnt = access_mnt, .dentry = mem },
			O_RDONLY, current_cred());
	dput(mem);
	err = PTR_ERR_OR_ZERO(f);
	if (!err)
		fput(f);
out:
	if (real) {
		revert_creds(saved);
		put_cred(real);
	}
	return err;
}

/*
 * machina_task_may_access - step one of the decision for a control, read
 * or inspect port: may the caller ptrace-attach to (@mode ATTACH) or
 * ptrace-read (@mode READ) the process of @pid (whose leader is @p) now?
 * @stamp receives the image the answer is about, for
 * machina_task_access_still_valid().
 * Conditions: process context, no locks held (sleeps); the caller holds
 * references on @pid and @p; @p is not of the caller's thread group.
 * Returns: 0 if allowed, a negative errno if not or if it cannot be told.
 */
int machina_task_may_access(struct pid *pid, struct task_struct *p,
			    enum machina_task_access mode, u64 *stamp)
{
	pid_t nr;

	if (!access_mnt)
		return -EPERM;
	nr = pid_nr_ns(pid, access_ns);
	if (nr <= 0)
		return -ESRCH;
	/*
	 * Read before the check: if it still reads the same once the grant
	 * holds exec_update_lock, no exec came between (an exec raises it
	 * under that lock, and the check reads under it too).
	 */
	*stamp = READ_ONCE(p->self_exec_id);
	return open_check(nr, mode == MACHINA_ACCESS_ATTACH ? "mem" : "auxv");
}

/*
 * machina_task_access_still_valid - step two, at the grant: whether the
 * check of machina_task_may_access() is about the image that runs now, so
 * the port granted is the port of what was checked
 * Conditions: the caller holds @p->signal->exec_update_lock (read) and
 * rcu_read_lock(); takes @p's task_lock (a spinlock).
 * Returns: true if @p still leads @pid's thread group, has not exec'd since
 * @stamp, and has an mm that is not the caller's.
 */
bool machina_task_access_still_valid(struct pid *pid, struct task_struct *p,
				     u64 stamp)
{
	bool ok;

	lockdep_assert_held(&p->signal->exec_update_lock);
	/*
	 * Still @pid's leader: then @pid kept its number throughout, so the
	 * procfs look-up found this process and no other.  No mm: the open
	 * succeeded without a check (a zombie leader).  The caller's own mm:
	 * mm_access() did not check either.
	 */
	if (pid_task(pid, PIDTYPE_TGID) != p ||
	    READ_ONCE(p->self_exec_id) != stamp)
		return false;
	task_lock(p);
	ok = p->mm && p->mm != current->mm;
	task_unlock(p);
	return ok;
}

/*
 * machina_task_may_name - whether the caller may have the name port of @p:
 * any process of the caller's effective uid (its real or effective uid),
 * or with CAP_SYS_PTRACE in @p's user namespace (as Darwin: no Yama, no
 * dumpability; the name port gives information only).
 * Conditions: rcu_read_lock() held.
 */
bool machina_task_may_name(struct task_struct *p)
{
	const struct cred *me = current_cred(), *them = __task_cred(p);

	if (same_thread_group(p, current))
		return true;
	return uid_eq(me->euid, them->uid) || uid_eq(me->euid, them->euid) ||
	       ns_capable(them->user_ns, CAP_SYS_PTRACE);
}
