/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by Machina's selftests: raw access to /dev/mach and the
 * module's live-object counters in sysfs.
 */
#ifndef _MACHINA_TEST_H
#define _MACHINA_TEST_H

#include <errno.h>
#include <linux/landlock.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "uapi/machina.h"

/*
 * A test's own time limit (the harness's is 30 s).  It catches hangs; the
 * bench's per-program timeout stays the outer bound.  On a debug kernel
 * whose guest shares the 2-core host with the bench's other lanes, a
 * bounded test such as an exhaustion run (thousands of objects under KASAN
 * and kmemleak) takes longer than 30 s.
 */
#ifdef TEST_TIMEOUT_DEFAULT
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 180
#endif

#define MACHINA_SYSFS "/sys/class/misc/mach/"

/*
 * Field @want (1-based, as proc(5) numbers them) of /proc/@pid/task/@tid/stat
 * (@pid 0: the calling process), or -1000 if it cannot be read.
 */
static inline int mt_task_stat_field(pid_t pid, pid_t tid, int want)
{
	char path[80], buf[1024], *p, *save = NULL, *tok;
	int field = 3, n;
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	else
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return -1000;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n > 0 ? n : 0] = 0;
	/* Field 3 (the state) follows the command's closing parenthesis. */
	p = strrchr(buf, ')');
	if (!p)
		return -1000;
	for (tok = strtok_r(p + 1, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save), field++)
		if (field == want)
			return atoi(tok);
	return -1000;
}

static inline int mt_open(void)
{
	return open(MACHINA_DEVICE_PATH, O_RDWR | O_CLOEXEC);
}

/* The ioctl's result, or -errno. */
static inline long mt_ioctl(int fd, unsigned long cmd, void *arg)
{
	long ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

/*
 * MACHINA_IOC_TRAPS_ENABLE for the calling process: its "state" (0 newly
 * opted in, 1 already), or -1.  The descriptor stays open and is not
 * close-on-exec, as libmach's machina_traps_enable() leaves one: traps run
 * only while the thread's file table holds /dev/mach.
 */
static inline int mt_traps_enable(void)
{
	struct machina_traps_enable te = { 0 };
	int fd = open(MACHINA_DEVICE_PATH, O_RDWR);
	long ret;

	if (fd < 0)
		return -1;
	ret = mt_ioctl(fd, MACHINA_IOC_TRAPS_ENABLE, &te);
	if (ret != 0)
		close(fd);
	return ret == 0 ? (int)te.state : -1;
}

/*
 * mt_task_self_trap - the task_self Mach trap (XNU's task_self_trap) as
 * the Darwin ABI issues it, with @linux_nr in Linux's number register.
 * x86_64: rax is the number, so @linux_nr is unused (Linux sees the Darwin
 * number).  arm64: "svc #0x80" with x16 = -trap, x0 = -1 and x8 =
 * @linux_nr, so on stock Linux it is the call @linux_nr with argument -1.
 * Returns: the port name, or what Linux answered.
 */
static inline long mt_task_self_trap(long linux_nr)
{
#if defined(__x86_64__)
	long r;

	asm volatile("syscall" : "=a"(r) : "a"(0x1000000L | MACHINA_TRAP_TASK_SELF)
		     : "rcx", "r11", "memory", "cc");
	return r;
#elif defined(__aarch64__)
	register long x0 asm("x0") = -1;
	register long x8 asm("x8") = linux_nr;
	register long x16 asm("x16") = -MACHINA_TRAP_TASK_SELF;

	asm volatile("svc #0x80" : "+r"(x0) : "r"(x8), "r"(x16) : "memory", "cc");
	return x0;
#else
	return -ENOSYS;
#endif
}

/*
 * mt_trap_result - the task_self trap of mt_task_self_trap(__NR_getpid)
 * judged: 0 it gave a port name; 1 it was refused (-ENOSYS, or on arm64
 * Linux's getpid ran instead); 2 anything else.
 */
static inline int mt_trap_result(void)
{
	long r = mt_task_self_trap(__NR_getpid);

	if (r == -ENOSYS || r == getpid())
		return 1;
	return r > 0 && r < 0x10000000 ? 0 : 2;
}

#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV	(1ULL << 15)
#endif

/* The Landlock ABI version of the running kernel (< 0: none). */
static inline int mt_landlock_abi(void)
{
	return syscall(SYS_landlock_create_ruleset, NULL, 0,
		       LANDLOCK_CREATE_RULESET_VERSION);
}

/*
 * mt_deny_device_ioctls - restrict the calling thread with a Landlock
 * domain that handles device ioctls (ABI 5) and grants them on no path
 * (no_new_privs and the domain are both per thread).  0, or -1.
 */
static inline int mt_deny_device_ioctls(void)
{
	struct landlock_ruleset_attr attr = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_IOCTL_DEV,
	};
	int rs = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	int err;

	if (rs < 0)
		return -1;
	err = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	      syscall(SYS_landlock_restrict_self, rs, 0);
	close(rs);
	return err ? -1 : 0;
}

/* Why the loaded module cannot run Darwin traps, or NULL if it can. */
static inline const char *mt_traps_unavailable(void)
{
	struct machina_handshake hs = { .client_abi = MACHINA_ABI_VERSION };
	int fd = mt_open();
	long ret;

	if (fd < 0)
		return "no " MACHINA_DEVICE_PATH;
	ret = mt_ioctl(fd, MACHINA_IOC_HANDSHAKE, &hs);
	close(fd);
	if (ret || !(hs.features & MACHINA_FEATURE_TRAPS))
		return "module does not report MACHINA_FEATURE_TRAPS";
	return NULL;
}

/*
 * Why a security test of the traps cannot run here (no traps, or not
 * started as root, which it needs to become nobody), or NULL.
 */
static inline const char *mt_nobody_traps_unavailable(void)
{
	const char *why = mt_traps_unavailable();

	if (why)
		return why;
	return getuid() ? "must start as root (becomes nobody)" : NULL;
}

/* The number a (sysfs) file holds, or -1. */
static inline long mt_read_long(const char *path)
{
	char buf[32];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, 0);
}

/* A counter from the device's sysfs directory, or -1. */
static inline long mt_counter(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), MACHINA_SYSFS "%s", name);
	return mt_read_long(path);
}

/*
 * Teardown of an exited process's task runs on a workqueue just after the
 * exit, so a counter reaches its new value shortly after waitpid() returns:
 * poll for up to five seconds.  Returns the last value read.
 */
static inline long mt_wait_counter(const char *name, long want)
{
	long v = -1;
	int i;

	for (i = 0; i < 500; i++) {
		v = mt_counter(name);
		if (v == want)
			break;
		usleep(10000);
	}
	return v;
}

/*
 * A counter once the teardown of processes reaped just before has finished:
 * the value read after it has not changed for 200 ms (at most 5 s).  Tests
 * take their baselines with it.
 */
static inline long mt_stable_counter(const char *name)
{
	long v = mt_counter(name), w;
	int same = 0, i;

	for (i = 0; i < 250 && same < 10; i++) {
		usleep(20000);
		w = mt_counter(name);
		same = w == v ? same + 1 : 0;
		v = w;
	}
	return v;
}

static inline long mt_identity(int fd, struct machina_task_identity *id)
{
	memset(id, 0, sizeof(*id));
	return mt_ioctl(fd, MACHINA_IOC_TASK_IDENTITY, id);
}

/* Task serial of the caller (made on first use), or 0 on failure. */
static inline unsigned long long mt_task_serial(void)
{
	struct machina_task_identity id;
	int fd = mt_open();
	long ret;

	if (fd < 0)
		return 0;
	ret = mt_identity(fd, &id);
	close(fd);
	return ret == 0 ? id.task_serial : 0;
}

/*
 * The instrumented debug kernels (KASAN, lockdep) run 10-30 times slower
 * under QEMU; long-running tests do a fixed, smaller amount of work there.
 * The bench's init exports MACHINA_KERNEL (e.g. "debug-arm64").
 */
static inline int mt_slow_kernel(void)
{
	const char *k = getenv("MACHINA_KERNEL");

	return k && !strncmp(k, "debug-", 6);
}

/*
 * mt_read_text - the start of file @path (at most @size - 1 bytes) in @buf,
 * NUL-terminated; 0 if it cannot be read or is empty, else the length.
 */
static inline ssize_t mt_read_text(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return 0;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return n;
}

/* The state letter of a thread (/proc/<pid>/task/<tid>/stat), or 0. */
static inline char mt_thread_state(pid_t pid, pid_t tid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	if (!mt_read_text(path, buf, sizeof(buf)))
		return 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* The PREEMPT_RT debug kernel (lockdep and KASAN on PREEMPT_RT, emulated arm64): the slowest. */
static inline int mt_rt_debug_kernel(void)
{
	const char *k = getenv("MACHINA_KERNEL");

	return k && !strncmp(k, "debug-rt-", 9);
}

/*
 * mt_rounds - how much of a repeated test (@n rounds, calls, ...) to run
 * on this kernel; never less than @min.  @n is the full soak, run where
 * no MACHINA_KERNEL is set (make check-host, a developer's own run).  The
 * bench's stock kernels run a quarter of it each (six of them: a full soak
 * and a half in all, within the 20 minutes of a warm make check); the
 * debug kernels a tenth, the PREEMPT_RT debug kernel a fortieth (lockdep
 * and KASAN on PREEMPT_RT under arm64 emulation, slower again: it is there
 * to prove the locking, which a few rounds exercise as well as many).
 */
static inline int mt_rounds(int n, int min)
{
	const char *k = getenv("MACHINA_KERNEL");
	int share = 1;

	if (mt_rt_debug_kernel())
		share = 40;
	else if (mt_slow_kernel())
		share = 10;
	else if (k)
		share = 4;
	n /= share;
	return n < min ? min : n;
}

/*
 * mt_rounds_part - which of @parts parts of a soak split across the bench
 * (0 .. @parts - 1) this kernel runs: each kernel runs mt_rounds() of the
 * rounds, starting at its part, so that the kernels of one make check run
 * different rounds (seeds, ...) instead of the same ones six times.  From
 * the sum of MACHINA_KERNEL's bytes (stable from run to run, so that a
 * failure repeats on its kernel); 0 outside the bench.
 */
static inline int mt_rounds_part(int parts)
{
	const char *k = getenv("MACHINA_KERNEL");
	unsigned int sum = 0;

	while (k && *k)
		sum += (unsigned char)*k++;
	return parts > 0 ? (int)(sum % parts) : 0;
}

#ifndef SCHED_IDLE
#define SCHED_IDLE 5
#endif

/*
 * mt_spawn_behind - posix_spawn() the program @path with @argv, and when
 * @behind let the child run ahead of this process's return from the spawn
 * Conditions: for @behind, the caller pinned itself to one CPU (the child
 * inherits it), and may leave SCHED_IDLE again (root, or RLIMIT_NICE 20).
 * posix_spawn() is a vfork: what the kernel does on the parent's way back
 * from it (Machina makes the child's fork inheritance record there) then
 * happens only once the child and its own children wait, since this
 * process comes back under SCHED_IDLE; the child is spawned back to
 * SCHED_OTHER.
 * Returns: the child, or -1.
 */
static inline pid_t mt_spawn_behind(const char *path, char **argv, bool behind)
{
	extern char **environ;
	struct sched_param zero = { 0 };
	posix_spawnattr_t attr;
	pid_t pid = -1;
	int err;

	if (posix_spawnattr_init(&attr))
		return -1;
	err = behind && (posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSCHEDULER) ||
			 posix_spawnattr_setschedpolicy(&attr, SCHED_OTHER) ||
			 posix_spawnattr_setschedparam(&attr, &zero) ||
			 sched_setscheduler(0, SCHED_IDLE, &zero));
	if (!err)
		err = posix_spawn(&pid, path, NULL, &attr, argv, environ);
	if (behind && sched_setscheduler(0, SCHED_OTHER, &zero))
		err = -1;
	posix_spawnattr_destroy(&attr);
	return err ? -1 : pid;
}

/*
 * Become user @uid for good (from root): group @uid, no supplementary
 * groups, every id changed; dumpable again (changing ids made the process
 * undumpable, which a plain process of the user is not), and with the
 * parent-death signal it had (changing ids cleared it).  0 or -1.
 */
static inline int mt_become(uid_t uid)
{
	int sig = 0;

	prctl(PR_GET_PDEATHSIG, &sig);
	/* As root, setgid() and setuid() set the real, effective and saved ids. */
	if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
		return -1;
	if (sig && prctl(PR_SET_PDEATHSIG, sig))
		return -1;
	return prctl(PR_SET_DUMPABLE, 1);
}

#define MT_YAMA_SCOPE "/proc/sys/kernel/yama/ptrace_scope"

/* Yama's ptrace scope (0-3), or -1 without Yama. */
static inline int mt_yama_scope(void)
{
	char c = 0;
	int fd = open(MT_YAMA_SCOPE, O_RDONLY);

	if (fd < 0)
		return -1;
	if (read(fd, &c, 1) != 1 || c < '0' || c > '3')
		c = 0;
	close(fd);
	return c ? c - '0' : -1;
}

/* Set Yama's ptrace scope (as root); 0 or -1. */
static inline int mt_set_yama_scope(int scope)
{
	char c = (char)('0' + scope);
	int fd = open(MT_YAMA_SCOPE, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, &c, 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

/*
 * MT_YAMA_SCOPE_1(scope) - in a test: skip it without Yama or unless it
 * runs as root; else set Yama's scope to 1 (only descendants may be
 * attached), @scope keeping the old one for the test to put back
 * (mt_set_yama_scope()).
 */
#define MT_YAMA_SCOPE_1(scope)						\
	do {								\
		(scope) = mt_yama_scope();				\
		if ((scope) < 0)					\
			SKIP(return, "no Yama");			\
		if (getuid() != 0)					\
			SKIP(return,					\
			     "must start as root (sets Yama's scope)");	\
		ASSERT_EQ(0, mt_set_yama_scope(1));			\
	} while (0)

static inline double mt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#ifdef __USE_GNU
/*
 * mt_become_nobody - drop to user and group nobody (65534) for good, with
 * no supplementary groups: the unprivileged attacker of the security
 * tests (setresuid/setresgid: glibc declares them under _GNU_SOURCE).
 * Returns 0, or -1 when a step failed.
 */
static inline int mt_become_nobody(void)
{
	const unsigned int nobody = 65534;

	if (setgroups(0, NULL) || setresgid(nobody, nobody, nobody) ||
	    setresuid(nobody, nobody, nobody))
		return -1;
	return getuid() == nobody && geteuid() == nobody ? 0 : -1;
}
#endif

/*
 * Helper processes (and each test's own process) die with the process that
 * made them: when the bench's timeout kills a test program, nothing it
 * started may live on holding its output open.
 */
static inline void die_with_parent(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* A query mt_mmap_during() runs, and whether it has ended. */
struct mt_query {
	void *(*fn)(void *);
	atomic_int done;
};

static inline void *mt_query_run(void *arg)
{
	struct mt_query *q = arg;

	q->fn(NULL);
	atomic_store(&q->done, 1);
	return NULL;
}

/*
 * mt_mmap_during - run @fn (a long walk of this process's map) in a new
 * thread and, 0.3 s later, time one mmap() in this thread: a walk that
 * holds the mmap_lock for its whole length makes the mmap() wait for it.
 * The thread is left running (the caller's process is killed after).
 * Returns: 1 when @fn was still running when the mmap() returned, 0 when it
 * had ended, -1 when the thread or the mmap() failed; *@wait: the mmap()'s
 * wait in seconds.
 */
static inline int mt_mmap_during(void *(*fn)(void *), double *wait)
{
	static struct mt_query q;
	pthread_t th;
	double t0;
	void *p;

	q.fn = fn;
	atomic_store(&q.done, 0);
	if (pthread_create(&th, NULL, mt_query_run, &q))
		return -1;
	usleep(300000);
	t0 = mt_now();
	p = mmap(NULL, 1, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	*wait = mt_now() - t0;
	if (p == MAP_FAILED)
		return -1;
	return !atomic_load(&q.done);
}

/*
 * mt_attacker_result - fork @attacker (it dies with its parent) with a
 * pipe to write its result to, wait up to @secs seconds for @size bytes of
 * it in @res, then kill (SIGKILL) and reap the attacker
 * Returns: 1 when the whole result came in time, else 0.
 */
static inline int mt_attacker_result(void (*attacker)(int fd), void *res,
				     size_t size, int secs)
{
	struct pollfd pfd;
	int fds[2], got = 0;
	pid_t pid;

	if (pipe(fds))
		return 0;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return 0;
	}
	if (pid == 0) {
		close(fds[0]);
		die_with_parent();
		attacker(fds[1]);
		_exit(0);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, secs * 1000) == 1)
		got = read(fds[0], res, size) == (ssize_t)size;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(fds[0]);
	return got;
}

/*
 * mt_fork_pipes - fork a child (that dies with its parent) with two pipes
 * to it: the parent gets in *@go the end it writes to the child and in
 * *@done the one it reads from it; the child gets the other ends.  A child
 * that exits early ends the parent's reads (end of file): the parent
 * closes both of its ends when done.
 * Returns: as fork(); -1 with nothing left open on failure.
 */
static inline pid_t mt_fork_pipes(int *go, int *done)
{
	int g[2], d[2];
	pid_t pid;

	if (pipe(g))
		return -1;
	if (pipe(d))
		goto close_g;
	pid = fork();
	if (pid < 0)
		goto close_d;
	if (pid == 0) {
		die_with_parent();
		close(g[1]);
		close(d[0]);
		*go = g[0];
		*done = d[1];
		return 0;
	}
	close(g[0]);
	close(d[1]);
	*go = g[1];
	*done = d[0];
	return pid;
close_d:
	close(d[0]);
	close(d[1]);
close_g:
	close(g[0]);
	close(g[1]);
	return -1;
}

/*
 * mt_fork_socket - fork a child (that dies with its parent) joined to it by
 * a stream socket pair: *@sock is the caller's end, the parent's or, in the
 * child, the child's.
 * Returns: as fork(); -1 with nothing left open on failure.
 */
static inline pid_t mt_fork_socket(int *sock)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		die_with_parent();
		*sock = sv[1];
		return 0;
	}
	close(sv[1]);
	*sock = sv[0];
	return pid;
}

/* Exit status of a child, or -1 if it did not exit normally. */
static inline int mt_wait_exit(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

#ifdef __USE_GNU
/*
 * mt_run_as_nobody - run @fn(@arg) in a new process (that dies with its
 * parent) as nobody: a root caller drops to nobody for good
 * (mt_become_nobody()) and is made dumpable again, so that task_for_pid
 * works on its own children; an unprivileged caller runs as itself.
 * Returns: @fn's exit status, 128 + the signal that killed it, 99 when
 * the drop failed, or -1.
 */
static inline int mt_run_as_nobody(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		die_with_parent();
		if (geteuid() == 0 &&
		    (mt_become_nobody() || prctl(PR_SET_DUMPABLE, 1)))
			_exit(99);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}
#endif

/*
 * mt_copy_file - copy @from to a new file @to owned by root with @mode (as
 * root: how the privilege tests make a setuid-root copy of themselves).
 * Returns 0, or -1 on any failure.
 */
static inline int mt_copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in, out, ok = 0;
	ssize_t n;

	unlink(to);
	in = open(from, O_RDONLY);
	out = open(to, O_CREAT | O_EXCL | O_WRONLY, 0700);
	if (in >= 0 && out >= 0) {
		ok = 1;
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, n) != n)
				ok = 0;
		if (n < 0)
			ok = 0;
	}
	if (in >= 0)
		close(in);
	if (out >= 0) {
		/* chmod after the last write: a write clears the setuid bit. */
		if (fchown(out, 0, 0) || fchmod(out, mode))
			ok = 0;
		close(out);
	}
	return ok ? 0 : -1;
}


/* Whether /tmp lets a setuid image raise privilege (not mounted nosuid). */
static inline bool mt_tmp_honours_setuid(void)
{
	struct statvfs sv;

	return statvfs("/tmp", &sv) == 0 && !(sv.f_flag & ST_NOSUID);
}

/*
 * mt_janitor - a process that removes the files @paths (NULL-terminated)
 * once the caller has exited: a test that drops root can no longer remove
 * the setuid images it made.  Returns 0, or -1.
 */
static inline int mt_janitor(const char *const *paths)
{
	int p[2], i;
	char c;

	if (pipe(p))
		return -1;
	if (fork() == 0) {
		close(p[1]);
		while (read(p[0], &c, 1) > 0)
			;
		for (i = 0; paths[i]; i++)
			unlink(paths[i]);
		_exit(0);
	}
	/* The write end stays open, unused, until the caller exits. */
	close(p[0]);
	return 0;
}

/* Write @text to the file @path (sysfs, cgroupfs); 0 or -1. */
static inline int mt_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* ---- cgroup v2 memory groups (as root) ---------------------------------- */

#define MT_CG_ROOT "/sys/fs/cgroup"

struct mt_cgroup {
	char path[128];
};

static inline long mt_cg_read(const struct mt_cgroup *cg, const char *file)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/%s", cg->path, file);
	return mt_read_long(path);
}

/*
 * A child group of the cgroup v2 root, named after the program, its pid
 * and @name, with memory.max = @max bytes (mounting cgroup2 and enabling
 * the memory controller if needed).
 * Returns NULL on success, or why it is not possible.
 */
static inline const char *mt_cg_create_named(struct mt_cgroup *cg,
					     const char *name, long max)
{
	extern char *program_invocation_short_name;
	char text[32], path[192], buf[256];
	ssize_t n;
	int fd;

	if (access(MT_CG_ROOT "/cgroup.controllers", F_OK)) {
		mkdir(MT_CG_ROOT, 0755);
		if (mount("none", MT_CG_ROOT, "cgroup2", 0, NULL))
			return "cannot mount cgroup2";
	}
	fd = open(MT_CG_ROOT "/cgroup.controllers", O_RDONLY);
	if (fd < 0)
		return "no cgroup.controllers";
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	if (!strstr(buf, "memory"))
		return "no memory controller in cgroup v2";
	mt_write_file(MT_CG_ROOT "/cgroup.subtree_control", "+memory");
	snprintf(cg->path, sizeof(cg->path), MT_CG_ROOT "/machina-%s-%d%s",
		 program_invocation_short_name, getpid(), name);
	if (mkdir(cg->path, 0755) && errno != EEXIST)
		return "cannot make a cgroup";
	snprintf(path, sizeof(path), "%s/memory.max", cg->path);
	snprintf(text, sizeof(text), "%ld", max);
	if (mt_write_file(path, text)) {
		rmdir(cg->path);
		return "cannot set memory.max";
	}
	return NULL;
}

static inline const char *mt_cg_create(struct mt_cgroup *cg, long max)
{
	return mt_cg_create_named(cg, "", max);
}

/* Move the calling process into @cg; 0 or -1. */
static inline int mt_cg_enter(const struct mt_cgroup *cg)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->path);
	return mt_write_file(path, "0");
}

static inline void mt_cg_destroy(const struct mt_cgroup *cg)
{
	int i;

	/* A group empties a moment after its last process is reaped. */
	for (i = 0; i < 100 && rmdir(cg->path); i++)
		usleep(20000);
}

#endif /* _MACHINA_TEST_H */
