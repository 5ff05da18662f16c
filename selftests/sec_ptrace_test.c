// SPDX-License-Identifier: GPL-2.0
/*
 * Who gets the control port of another process (issue 8, finding 5):
 * whoever the kernel would let ptrace-attach to it, as the kernel decides
 * it (ids, dumpability, capabilities in the target's user namespace, Yama's
 * scope and the other LSMs), whatever the caller's view of the file system
 * (chroots, mount and user namespaces).  Pids are those of the caller's pid
 * namespace: outside ones cannot be named, and pid_for_task translates.
 *
 * Every attack runs as user nobody in a child of the test; the test itself
 * runs as root, sets the Yama scope and makes the targets.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/mount.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

#define NOBODY 65534

/* Exit codes of the probes. */
#define GRANTED 10
#define REFUSED 11
#define NO_USERNS 77

/* task_for_pid on @pid: GRANTED, REFUSED (KERN_FAILURE, no name), or 3. */
static int try_control(pid_t pid)
{
	mach_port_t t = 0x1234;
	kern_return_t kr = task_for_pid(SELF, pid, &t);

	if (kr == KERN_SUCCESS && MACH_PORT_VALID(t)) {
		mach_port_deallocate(SELF, t);
		return GRANTED;
	}
	return kr == KERN_FAILURE && t == MACH_PORT_NULL ? REFUSED : 3;
}

/* The same for task_name_for_pid. */
static int try_name(pid_t pid)
{
	mach_port_t t = 0x1234;
	kern_return_t kr = task_name_for_pid(SELF, pid, &t);

	if (kr == KERN_SUCCESS && MACH_PORT_VALID(t)) {
		mach_port_deallocate(SELF, t);
		return GRANTED;
	}
	return kr == KERN_FAILURE && t == MACH_PORT_NULL ? REFUSED : 3;
}

enum target_kind {
	PLAIN,		/* nobody, dumpable */
	NOT_DUMPABLE,	/* nobody, PR_SET_DUMPABLE 0 */
	OTHER_USER,	/* uid and gid 65533 */
	WITH_CAPS,	/* nobody, keeping root's permitted capabilities */
	ANY_PTRACER,	/* nobody, PR_SET_PTRACER_ANY */
};

struct target {
	pid_t pid;
	int release;	/* closing it ends the target */
};

/*
 * Start a process of @kind that waits until released.  Made by the test
 * (root), so it is no descendant of the attacking children.  0 or -1.
 */
static int start_target(struct target *t, enum target_kind kind)
{
	int ready[2], hold[2];
	char c;

	if (pipe(ready) || pipe(hold))
		return -1;
	t->pid = fork();
	if (t->pid < 0)
		return -1;
	if (t->pid == 0) {
		int fd;

		die_with_parent();
		/* Hold no other target's pipe: each must end when released. */
		for (fd = 3; fd < 1024; fd++)
			if (fd != ready[1] && fd != hold[0])
				close(fd);
		if (kind == WITH_CAPS && prctl(PR_SET_KEEPCAPS, 1))
			_exit(1);
		if (mt_become(kind == OTHER_USER ? NOBODY - 1 : NOBODY))
			_exit(2);
		if (kind == NOT_DUMPABLE && prctl(PR_SET_DUMPABLE, 0))
			_exit(3);
		if (kind == ANY_PTRACER &&
		    prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY))
			_exit(4);
		if (write(ready[1], "r", 1) != 1)
			_exit(5);
		while (read(hold[0], &c, 1) < 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	t->release = hold[1];
	if (read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		return -1;
	}
	close(ready[0]);
	return 0;
}

static int stop_target(struct target *t)
{
	close(t->release);
	return mt_wait_exit(t->pid);
}

/* Run @fn(@arg) in a child as nobody; its exit status, or -1. */
static int as_nobody(int (*fn)(pid_t), pid_t arg)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		die_with_parent();
		if (mt_become(NOBODY))
			_exit(100);
		_exit(fn(arg));
	}
	return mt_wait_exit(pid);
}

/* A child of the caller that waits for the pipe; -1 on failure. */
static pid_t waiting_child(int *release)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		while (read(p[0], &c, 1) < 0)
			;
		_exit(0);
	}
	close(p[0]);
	*release = p[1];
	return pid;
}

/* Write @s to the file @path; 0 or -1. */
static int put_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

/*
 * A user namespace (with @more namespaces) in which nobody is root.
 * 0, or -1 if the kernel does not let nobody make one.
 */
static int enter_userns(int more)
{
	if (unshare(CLONE_NEWUSER | more))
		return -1;
	if (put_file("/proc/self/setgroups", "deny") ||
	    put_file("/proc/self/uid_map", "0 65534 1") ||
	    put_file("/proc/self/gid_map", "0 65534 1"))
		return -1;
	return 0;
}

FIXTURE(access) {
	int scope;		/* Yama's scope at the start, -1 without Yama */
};

FIXTURE_SETUP(access)
{
	IPC_REQUIRE();
	if (getuid() != 0)
		SKIP(longjmp(_metadata->env, 1), "needs root to make the targets");
	self->scope = mt_yama_scope();
}

FIXTURE_TEARDOWN(access)
{
	if (self->scope >= 0 && self->scope != mt_yama_scope())
		mt_set_yama_scope(self->scope);
}

/* Put Yama's scope at @s for the test, or skip it when that cannot be. */
#define USE_SCOPE(s)								\
	do {									\
		if (self->scope < 0 && (s) != 0)				\
			SKIP(return, "no Yama");				\
		if (self->scope >= 0 && mt_set_yama_scope(s))			\
			SKIP(return, "cannot set Yama's scope to %d", (s));	\
	} while (0)

/*
 * The attack of the finding: in a user namespace of its own, nobody mounts
 * a tmpfs, lays out a fake /proc/sys/kernel/yama/ptrace_scope that says 0
 * and chroots into it; the real scope is 2.  A sibling of the same user is
 * still refused; its own child (in the namespace, where it has
 * CAP_SYS_PTRACE) is still granted: the file system view plays no part.
 */
static int fake_scope_attack(pid_t sibling)
{
	int release, r1, r2;
	pid_t kid;
	char c = 0;
	int fd;

	if (!MACH_PORT_VALID(SELF))
		return 2;
	if (enter_userns(CLONE_NEWNS))
		return NO_USERNS;
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("fake", "/tmp", "tmpfs", 0, NULL))
		return 4;
	if (mkdir("/tmp/proc", 0755) || mkdir("/tmp/proc/sys", 0755) ||
	    mkdir("/tmp/proc/sys/kernel", 0755) ||
	    mkdir("/tmp/proc/sys/kernel/yama", 0755) ||
	    put_file("/tmp/proc/sys/kernel/yama/ptrace_scope", "0\n"))
		return 5;
	kid = waiting_child(&release);
	if (kid < 0)
		return 6;
	if (chroot("/tmp") || chdir("/"))
		return 7;
	fd = open("/proc/sys/kernel/yama/ptrace_scope", O_RDONLY);
	if (fd < 0 || read(fd, &c, 1) != 1 || c != '0')
		return 8;
	close(fd);
	r1 = try_control(sibling);
	r2 = try_control(kid);
	close(release);
	if (mt_wait_exit(kid))
		return 9;
	if (r1 != REFUSED)
		return 20 + r1;
	return r2 == GRANTED ? 0 : 40 + r2;
}

TEST_F(access, fake_yama_scope_in_a_user_namespace_chroot_is_ignored)
{
	struct target t;
	int rc;

	if (self->scope < 0)
		SKIP(return, "no Yama");
	USE_SCOPE(2);
	ASSERT_EQ(0, start_target(&t, PLAIN));
	rc = as_nobody(fake_scope_attack, t.pid);
	EXPECT_EQ(0, stop_target(&t));
	if (rc == NO_USERNS)
		SKIP(return, "no user namespaces for nobody");
	/* 20 + GRANTED: the fake scope gave the sibling's task port away. */
	EXPECT_EQ(0, rc);
}

static int control(pid_t pid)
{
	return try_control(pid);
}

static int name(pid_t pid)
{
	return try_name(pid);
}

/* Its own child: granted below scope 2 (Yama's relation rule). */
static int own_child(pid_t unused)
{
	int release, r;
	pid_t kid = waiting_child(&release);

	if (kid < 0)
		return 2;
	r = try_control(kid);
	close(release);
	return mt_wait_exit(kid) ? 3 : r;
}

/*
 * A process of the same user that holds capabilities the caller lacks is
 * not the caller's to steer: ptrace refuses it (commoncap), so does
 * task_for_pid, at any scope.  A plain one of the same user, at scope 0, is
 * granted (the rule can say yes).
 */
TEST_F(access, same_user_target_with_capabilities_is_refused)
{
	struct target caps, plain;

	USE_SCOPE(0);
	ASSERT_EQ(0, start_target(&caps, WITH_CAPS));
	ASSERT_EQ(0, start_target(&plain, PLAIN));
	EXPECT_EQ(REFUSED, as_nobody(control, caps.pid));
	EXPECT_EQ(GRANTED, as_nobody(control, plain.pid));
	/* Root may (CAP_SYS_PTRACE), as ptrace. */
	EXPECT_EQ(GRANTED, try_control(caps.pid));
	EXPECT_EQ(0, stop_target(&caps));
	EXPECT_EQ(0, stop_target(&plain));
}

TEST_F(access, not_dumpable_target_is_refused)
{
	struct target t;

	USE_SCOPE(0);
	ASSERT_EQ(0, start_target(&t, NOT_DUMPABLE));
	EXPECT_EQ(REFUSED, as_nobody(control, t.pid));
	/* The name port needs no dumpability. */
	EXPECT_EQ(GRANTED, as_nobody(name, t.pid));
	EXPECT_EQ(GRANTED, try_control(t.pid));
	EXPECT_EQ(0, stop_target(&t));
}

TEST_F(access, target_of_another_user_is_refused)
{
	struct target t;

	USE_SCOPE(0);
	ASSERT_EQ(0, start_target(&t, OTHER_USER));
	EXPECT_EQ(REFUSED, as_nobody(control, t.pid));
	EXPECT_EQ(REFUSED, as_nobody(name, t.pid));
	EXPECT_EQ(GRANTED, try_control(t.pid));
	EXPECT_EQ(0, stop_target(&t));
}

/*
 * Scope 1: descendants, and processes that named the caller (here: anyone)
 * their ptracer with PR_SET_PTRACER, as ptrace attach.
 */
TEST_F(access, scope_1_grants_descendants_and_declared_ptracers)
{
	struct target plain, declared;

	if (self->scope < 0)
		SKIP(return, "no Yama");
	USE_SCOPE(1);
	ASSERT_EQ(0, start_target(&plain, PLAIN));
	ASSERT_EQ(0, start_target(&declared, ANY_PTRACER));
	EXPECT_EQ(GRANTED, as_nobody(own_child, 0));
	EXPECT_EQ(REFUSED, as_nobody(control, plain.pid));
	EXPECT_EQ(GRANTED, as_nobody(control, declared.pid));
	EXPECT_EQ(GRANTED, as_nobody(name, plain.pid));
	EXPECT_EQ(0, stop_target(&plain));
	EXPECT_EQ(0, stop_target(&declared));
}

/* Scope 2: CAP_SYS_PTRACE only; root keeps it, even for undumpable ones. */
TEST_F(access, scope_2_leaves_it_to_cap_sys_ptrace)
{
	struct target plain, nodump;

	if (self->scope < 0)
		SKIP(return, "no Yama");
	USE_SCOPE(2);
	ASSERT_EQ(0, start_target(&plain, PLAIN));
	ASSERT_EQ(0, start_target(&nodump, NOT_DUMPABLE));
	EXPECT_EQ(REFUSED, as_nobody(own_child, 0));
	EXPECT_EQ(REFUSED, as_nobody(control, plain.pid));
	EXPECT_EQ(GRANTED, try_control(plain.pid));
	EXPECT_EQ(GRANTED, try_control(nodump.pid));
	EXPECT_EQ(0, stop_target(&plain));
	EXPECT_EQ(0, stop_target(&nodump));
}

/*
 * In a pid namespace of its own (made by nobody, with a user namespace):
 * the first process is pid 1 there, an outside pid names nothing, its own
 * child is granted under its inside pid, and an outside task's port reads
 * as pid 0.  Outside, the same processes have their outside pids.
 */
static int in_pid_namespace(pid_t outside, int parent_fd)
{
	mach_port_t parent = port_meet_child(parent_fd), t = MACH_PORT_NULL;
	int pid = -1, release;
	pid_t kid;

	if (getpid() != 1 || !MACH_PORT_VALID(parent))
		return 2;
	if (pid_for_task(SELF, &pid) || pid != 1)
		return 3;
	if (try_control(outside) != REFUSED || try_name(outside) != REFUSED)
		return 4;
	/* The parent is outside: its task port names no pid here. */
	if (pid_for_task(parent, &pid) || pid != 0)
		return 5;
	kid = waiting_child(&release);
	if (kid != 2)
		return 6;
	if (task_for_pid(SELF, kid, &t) || pid_for_task(t, &pid) || pid != 2)
		return 7;
	close(release);
	return mt_wait_exit(kid) ? 8 : 0;
}

static int pid_namespace_probe(pid_t outside)
{
	mach_port_t t = MACH_PORT_NULL;
	int fd, pid = -1, rc, hold[2];
	pid_t c;
	char b;

	/* Outside the new namespace the target's pid names it. */
	if (try_name(outside) != GRANTED)
		return 20;
	if (port_share(SELF, &fd))
		return 21;
	if (enter_userns(CLONE_NEWPID))
		return NO_USERNS;
	if (pipe(hold))
		return 22;
	c = fork();
	if (c < 0)
		return 22;
	if (c == 0) {
		/* Alive until the outside has looked at it (EOF on hold). */
		rc = in_pid_namespace(outside, fd);
		close(hold[1]);
		while (read(hold[0], &b, 1) > 0)
			;
		_exit(rc);
	}
	close(fd);
	close(hold[0]);
	/* Its own child, seen from outside: the outside pid. */
	rc = task_for_pid(SELF, c, &t) || pid_for_task(t, &pid) || pid != c;
	close(hold[1]);
	return mt_wait_exit(c) ?: (rc ? 23 : 0);
}

TEST_F(access, pid_namespace_names_only_its_own_pids)
{
	struct target t;
	int rc;

	ASSERT_EQ(0, start_target(&t, PLAIN));
	rc = as_nobody(pid_namespace_probe, t.pid);
	EXPECT_EQ(0, stop_target(&t));
	if (rc == NO_USERNS)
		SKIP(return, "no user namespaces for nobody");
	EXPECT_EQ(0, rc);
}

TEST_HARNESS_MAIN
