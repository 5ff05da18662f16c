// SPDX-License-Identifier: GPL-2.0
/*
 * Review of the Darwin trap shim (personality/trap_shim.c), attacked as
 * nobody (uid 65534, no groups).  The root parent only makes fixtures
 * (a root-owned setuid copy of this program).
 *
 *   setuid_exec_drops_the_opt_in
 *     An opted-in process that execs a setuid image, directly (its task
 *     holds the opt-in) or from a child that never made a task (its
 *     inheritance record holds it): the setuid image's Darwin trap is
 *     stock Linux's answer.  A plain exec keeps the opt-in (the control).
 *
 *   seccomp_confined_runs_no_darwin_trap
 *     An opted-in process confines itself with seccomp (strict mode, or a
 *     filter that allows write and exit only) and then issues a Darwin
 *     trap.  seccomp judges the Linux number: on x86_64 that is the Darwin
 *     number itself (0x1000000 | N, refused: the process is killed), but on
 *     arm64 it is x8, which for "svc #0x80" the caller picks freely.  With
 *     x8 = write the filter allowed the call and the shim then ran Mach
 *     trap x16 instead: a process that may only write and exit got a port
 *     name from task_self (and with it task_for_pid, mach_msg, Mach VM on
 *     every process of its user).  A confined thread must get Linux's
 *     call x8, which is all its filter allowed.
 *
 *   losing_dev_mach_ends_the_traps
 *     An opted-in process (nobody) keeps running Mach traps after it lost
 *     /dev/mach: it closed every descriptor and the device was made 0600
 *     (its open now fails with EACCES), or it exec'd an image without the
 *     descriptor.  Its ioctls were gone, its traps were not.  A trap now
 *     runs only while the thread's file table holds an open /dev/mach.
 *
 *   opt_in_loop_attaches_the_hooks_once
 *     Nobody runs a loop of processes that opt in and exit.  The hooks went
 *     off when the last holder left and came back with the next opt-in:
 *     every round patched kernel text that all CPUs run (synchronised
 *     across them) and waited for RCU grace periods, as often as a user
 *     cared to loop.
 *     They now linger 10 s after the last holder; the loop attaches them
 *     at most once (sysfs trap_hooks_attached).
 */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

#define NOBODY		65534
#define CHILD_ENV	"SEC_TRAP_TEST_CHILD"

/* The task_self Mach trap with @linux_nr in Linux's number register. */
static long self_trap(long linux_nr)
{
	return mt_task_self_trap(linux_nr);
}

/* What stock Linux answers self_trap(__NR_getpid). */
static long stock_getpid_answer(void)
{
#if defined(__x86_64__)
	return -ENOSYS;
#else
	return getpid();
#endif
}

/*
 * Child mode (this program exec'd with CHILD_ENV set): exit 0 if the
 * task_self trap gave a port name, 1 if it was stock Linux's, 2 otherwise.
 */
__attribute__((constructor)) static void child_mode(void)
{
	long r;

	if (!getenv(CHILD_ENV))
		return;
	r = self_trap(__NR_getpid);
	if (r == stock_getpid_answer())
		_exit(1);
	if (r == -ENOSYS)
		_exit(4);	/* arm64: refused, x8 not run */
	_exit(r > 0 && r < 0x10000000 ? 0 : 2);
}

#define REQUIRE_ROOT_AND_TRAPS()					\
	do {								\
		const char *_why = mt_traps_unavailable();		\
		die_with_parent();					\
		if (_why)						\
			SKIP(return, "%s", _why);			\
		if (getuid() != 0)					\
			SKIP(return, "must start as root (becomes nobody)"); \
	} while (0)

/* exec @image in child mode; its exit status, or -1. */
static int exec_child(const char *image)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		setenv(CHILD_ENV, "1", 1);
		execl(image, image, (char *)NULL);
		_exit(3);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

TEST(setuid_exec_drops_the_opt_in)
{
	char *self = realpath("/proc/self/exe", NULL);
	char suid[64], plain[64];
	const char *paths[] = { suid, plain, NULL };
	pid_t pid;
	int st;

	REQUIRE_ROOT_AND_TRAPS();
	if (!mt_tmp_honours_setuid())
		SKIP(return, "/tmp is mounted nosuid");
	ASSERT_NE(NULL, self);
	snprintf(suid, sizeof(suid), "/tmp/sec_trap_suid.%d", getpid());
	snprintf(plain, sizeof(plain), "/tmp/sec_trap_plain.%d", getpid());
	ASSERT_EQ(0, mt_copy_file(self, suid, 04755));
	ASSERT_EQ(0, mt_copy_file(self, plain, 0755));
	ASSERT_EQ(0, mt_janitor(paths));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t kid;

		die_with_parent();
		if (mt_become(NOBODY) || mt_traps_enable() != 0)
			_exit(10);
		if (self_trap(__NR_getpid) <= 0)
			_exit(11);		/* opted in: a port name */
		/* control: a plain exec keeps the opt-in */
		if (exec_child(plain) != 0)
			_exit(12);
		/* a child without a task: its record carries the opt-in */
		kid = fork();
		if (kid == 0) {
			setenv(CHILD_ENV, "1", 1);
			execl(suid, suid, (char *)NULL);
			_exit(3);
		}
		if (kid < 0 || waitpid(kid, &st, 0) != kid || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 1)
			_exit(13);
		/* this process itself (its task holds the opt-in) */
		setenv(CHILD_ENV, "1", 1);
		execl(suid, suid, (char *)NULL);
		_exit(14);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	/* 1: the setuid image got stock Linux; 0: it ran the trap */
	EXPECT_EQ(1, WEXITSTATUS(st));
	free(self);
}

/* How a confined child reports the trap's answer: one long through @fd. */
static void confined_trap(int fd)
{
	long r = self_trap(__NR_write);

	syscall(__NR_write, fd, &r, sizeof(r));
	syscall(__NR_exit, 0);
}

/*
 * As nobody, opted in, confined by @confine; the trap's answer in *@got.
 * Returns the child's wait status.
 */
static int run_confined(int (*confine)(void), long *got)
{
	int p[2], st = -1;
	pid_t pid;

	*got = 0;
	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		die_with_parent();
		close(p[0]);
		if (mt_become(NOBODY) || mt_traps_enable() != 0 || self_trap(__NR_getpid) <= 0)
			_exit(10);
		if (confine())
			_exit(11);
		confined_trap(p[1]);
	}
	close(p[1]);
	if (pid > 0) {
		if (read(p[0], got, sizeof(*got)) != sizeof(*got))
			*got = 0;
		waitpid(pid, &st, 0);
	}
	close(p[0]);
	return st;
}

static int strict_mode(void)
{
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0);
}

/* A filter that allows write, exit and exit_group and kills for the rest. */
static int write_exit_only(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_write, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(f), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

/*
 * What a confined opted-in process must see: x86_64, the Darwin number is
 * refused by seccomp (killed, nothing written); arm64, Linux's write(-1)
 * (-EBADF), never a port name.
 */
static void check_confined(struct __test_metadata *_metadata, int st, long got)
{
#if defined(__x86_64__)
	/* strict mode kills with SIGKILL, SECCOMP_RET_KILL_PROCESS with SIGSYS */
	EXPECT_TRUE(WIFSIGNALED(st) && (WTERMSIG(st) == SIGKILL || WTERMSIG(st) == SIGSYS))
		TH_LOG("status %#x", st);
	EXPECT_EQ(0, got);
#else
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) TH_LOG("status %#x", st);
	EXPECT_EQ(-EBADF, got) TH_LOG("the confined trap answered %ld", got);
#endif
}

TEST(seccomp_confined_runs_no_darwin_trap)
{
	static const struct {
		const char *name;
		int (*confine)(void);
	} how[] = { { "strict mode", strict_mode }, { "write/exit filter", write_exit_only } };
	unsigned int i;
	long got;
	int st;

	REQUIRE_ROOT_AND_TRAPS();
	/* EINVAL: a kernel without CONFIG_SECCOMP (the bench's debug kernels). */
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL)
		SKIP(return, "no seccomp in this kernel");
	for (i = 0; i < ARRAY_SIZE(how); i++) {
		TH_LOG("%s", how[i].name);
		st = run_confined(how[i].confine, &got);
		check_confined(_metadata, st, got);
	}
}

/* The exit status of child mode for a trap refused for want of /dev/mach. */
static int no_device_status(void)
{
#if defined(__x86_64__)
	return 1;	/* -ENOSYS is stock Linux's answer there */
#else
	return 4;
#endif
}

/*
 * As nobody: opt in, then lose /dev/mach.  Each step's trap result goes
 * to the parent through @out[step]: 0 port name, 1 refused, 2 other.
 */
static int trap_result(void)
{
	long r = self_trap(__NR_getpid);

	if (r == -ENOSYS || r == stock_getpid_answer())
		return 1;
	return r > 0 && r < 0x10000000 ? 0 : 2;
}

TEST(losing_dev_mach_ends_the_traps)
{
	char *self = realpath("/proc/self/exe", NULL);
	int go[2], back[2], st, fd;
	char res[4] = { 9, 9, 9, 9 }, c;
	pid_t pid;

	REQUIRE_ROOT_AND_TRAPS();
	ASSERT_NE(NULL, self);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(back));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(go[1]);
		close(back[0]);
		if (mt_become_nobody() || mt_traps_enable() != 0)
			_exit(10);
		res[0] = trap_result();		/* holds the descriptor */
		write(back[1], "x", 1);		/* parent: chmod 0600 */
		if (read(go[0], &c, 1) != 1)
			_exit(11);
		res[1] = trap_result();		/* still holds it: as its ioctls */
		close_range(3, ~0U, 0);		/* every descriptor but stdio */
		res[2] = trap_result();		/* none: cannot reopen either */
		res[3] = open(MACHINA_DEVICE_PATH, O_RDWR) < 0 && errno == EACCES;
		_exit(res[0] | res[1] << 2 | res[2] << 4 | res[3] << 6);
	}
	close(go[0]);
	close(back[1]);
	ASSERT_EQ(1, read(back[0], &c, 1));
	ASSERT_EQ(0, chmod(MACHINA_DEVICE_PATH, 0600));
	write(go[1], "x", 1);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_EQ(0, chmod(MACHINA_DEVICE_PATH, 0666));
	ASSERT_TRUE(WIFEXITED(st)) TH_LOG("status %#x", st);
	st = WEXITSTATUS(st);
	EXPECT_EQ(0, st & 3) TH_LOG("opted in, descriptor held: %d", st & 3);
	EXPECT_EQ(0, (st >> 2) & 3) TH_LOG("after chmod, descriptor held: %d", (st >> 2) & 3);
	EXPECT_EQ(1, (st >> 4) & 3) TH_LOG("no descriptor: %d", (st >> 4) & 3);
	EXPECT_EQ(1, (st >> 6) & 1) TH_LOG("nobody could still open /dev/mach");

	/* An image exec'd without the descriptor: refused; with it: served. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (mt_become_nobody() || mt_traps_enable() != 0)
			_exit(10);
		close_range(3, ~0U, 0);
		fd = open(MACHINA_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			_exit(11);
		_exit(exec_child(self) == no_device_status() ? 0 : 12);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) TH_LOG("status %#x", st);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (mt_become_nobody() || mt_traps_enable() != 0)
			_exit(10);
		_exit(exec_child(self) == 0 ? 0 : 12);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) TH_LOG("status %#x", st);
	free(self);
}

TEST(opt_in_loop_attaches_the_hooks_once)
{
	const int rounds = 20;
	long before, after;
	int i, st;
	pid_t pid;

	REQUIRE_ROOT_AND_TRAPS();
	before = mt_counter("trap_hooks_attached");
	ASSERT_LE(0, before);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (mt_become_nobody())
			_exit(10);
		for (i = 0; i < rounds; i++) {
			pid_t c = fork();

			if (c < 0)
				_exit(11);
			if (c == 0)
				_exit(mt_traps_enable() == 0 ? 0 : 1);
			if (waitpid(c, &st, 0) != c || !WIFEXITED(st) ||
			    WEXITSTATUS(st))
				_exit(12);
			/* the last holder's teardown runs just after its exit */
			usleep(20000);
		}
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) TH_LOG("status %#x", st);
	after = mt_counter("trap_hooks_attached");
	TH_LOG("%d opt-ins and exits attached the hooks %ld times", rounds,
	       after - before);
	EXPECT_GE(1, after - before);
}

TEST_HARNESS_MAIN
