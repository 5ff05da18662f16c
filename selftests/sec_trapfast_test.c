// SPDX-License-Identifier: GPL-2.0
/*
 * Branch trapfast: the trap shim remembers, per task, the descriptor that
 * last passed as a usable /dev/mach (task->trap_fd, a number that is looked
 * up and checked again on every trap).  Attacked as nobody (uid 65534, no
 * groups); the root parent only checks the set-up.  In every case a trap
 * must be served exactly when the thread's own file table holds a
 * /dev/mach it may make ioctls on, whatever the remembered number says.
 *
 *   closing_the_device_ends_the_traps
 *     Trap (the number is remembered), close that descriptor, trap again:
 *     refused; open /dev/mach again: served.
 *   dup2_over_the_device_ends_the_traps
 *     dup2() /dev/null over the remembered descriptor: refused; a
 *     /dev/mach at another number: served.
 *   exec_forgets_a_close_on_exec_device
 *     The remembered descriptor is close-on-exec; the new image opens
 *     /dev/null there: refused (the opt-in survived: a new /dev/mach is
 *     served).
 *   unshared_file_table_is_its_own
 *     A second thread unshares its file table (unshare(CLONE_FILES)) and
 *     closes /dev/mach in its copy: its traps are refused, while the first
 *     thread's (same task, same remembered number, its table still holds
 *     the device) are served.
 *   landlock_thread_is_refused
 *     A second thread takes its own file table, restricts itself with
 *     Landlock (device ioctls handled, granted nowhere; Landlock decides
 *     at open) and opens /dev/mach again, usually at the number the first
 *     thread's traps passed with: its traps are refused (its ioctls are
 *     EACCES); the first thread's are still served.  Skipped without
 *     Landlock ABI 5 (6.1).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

#define CHILD_ENV	"SEC_TRAPFAST_EXEC_CHILD"

/* Every /dev/mach descriptor of the calling thread's table closed. */
static void close_devices(void)
{
	struct stat dev, st;
	int fd;

	if (stat(MACHINA_DEVICE_PATH, &dev))
		return;
	for (fd = 0; fd < 1024; fd++)
		if (!fstat(fd, &st) && S_ISCHR(st.st_mode) && st.st_rdev == dev.st_rdev)
			close(fd);
}

/*
 * The exec'd image of exec_forgets_a_close_on_exec_device: /dev/null at the
 * number of the old image's close-on-exec /dev/mach, then the traps.
 */
__attribute__((constructor)) static void exec_child(void)
{
	int before, after, fd;

	if (!getenv(CHILD_ENV))
		return;
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, atoi(getenv(CHILD_ENV))) < 0)
		_exit(103);
	before = mt_trap_result();			/* must be refused */
	if (open(MACHINA_DEVICE_PATH, O_RDWR) < 0)
		_exit(104);
	after = mt_trap_result();			/* opted in still: served */
	_exit(before | after << 2);
}

/* Opted in as nobody, with the one /dev/mach descriptor *fdp (close-on-exec). */
static int setup(int *fdp)
{
	if (mt_become_nobody() || mt_traps_enable() != 0)
		return -1;
	close_devices();
	*fdp = open(MACHINA_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	return *fdp < 0 ? -1 : 0;
}

/* Run @fn in a child as nobody; its exit status (100+: set-up failed). */
static int as_nobody(int (*fn)(void))
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn());
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static const char *unavailable(void)
{
	const char *why = mt_traps_unavailable();

	if (why)
		return why;
	return getuid() != 0 ? "must start as root (becomes nobody)" : NULL;
}

static int close_case(void)
{
	int fd, r[3];

	if (setup(&fd))
		return 100;
	r[0] = mt_trap_result();			/* served: number remembered */
	close(fd);
	r[1] = mt_trap_result();			/* refused */
	if (open(MACHINA_DEVICE_PATH, O_RDWR) < 0)
		return 101;
	r[2] = mt_trap_result();			/* served */
	return r[0] | r[1] << 2 | r[2] << 4;
}

TEST(closing_the_device_ends_the_traps)
{
	const char *why = unavailable();
	int st;

	if (why)
		SKIP(return, "%s", why);
	st = as_nobody(close_case);
	ASSERT_LE(0, st);
	ASSERT_GT(100, st) TH_LOG("set-up step %d failed", st);
	EXPECT_EQ(0, st & 3) TH_LOG("first trap: %d (0 = served)", st & 3);
	EXPECT_EQ(1, (st >> 2) & 3) TH_LOG("after close: %d (1 = refused)", (st >> 2) & 3);
	EXPECT_EQ(0, (st >> 4) & 3) TH_LOG("reopened: %d (0 = served)", (st >> 4) & 3);
}

static int dup2_case(void)
{
	int fd, null, r[3];

	if (setup(&fd))
		return 100;
	r[0] = mt_trap_result();
	null = open("/dev/null", O_RDWR);
	if (null < 0 || dup2(null, fd) != fd)
		return 101;
	close(null);
	r[1] = mt_trap_result();			/* refused */
	/* Another number: the remembered one now holds /dev/null. */
	if (fcntl(open(MACHINA_DEVICE_PATH, O_RDWR), F_DUPFD, fd + 7) < 0)
		return 102;
	r[2] = mt_trap_result();			/* served */
	return r[0] | r[1] << 2 | r[2] << 4;
}

TEST(dup2_over_the_device_ends_the_traps)
{
	const char *why = unavailable();
	int st;

	if (why)
		SKIP(return, "%s", why);
	st = as_nobody(dup2_case);
	ASSERT_LE(0, st);
	ASSERT_GT(100, st) TH_LOG("set-up step %d failed", st);
	EXPECT_EQ(0, st & 3) TH_LOG("first trap: %d (0 = served)", st & 3);
	EXPECT_EQ(1, (st >> 2) & 3) TH_LOG("after dup2: %d (1 = refused)", (st >> 2) & 3);
	EXPECT_EQ(0, (st >> 4) & 3) TH_LOG("other number: %d (0 = served)", (st >> 4) & 3);
}

static int exec_case(void)
{
	char num[16], env[64];
	char *argv[] = { "sec_trapfast_test", NULL };
	char *envp[] = { env, NULL };
	int fd;

	if (setup(&fd))
		return 100;
	if (mt_trap_result() != 0)			/* served: number remembered */
		return 102;
	snprintf(num, sizeof(num), "%d", fd);
	snprintf(env, sizeof(env), CHILD_ENV "=%s", num);
	execve("/proc/self/exe", argv, envp);
	return 101;
}

TEST(exec_forgets_a_close_on_exec_device)
{
	const char *why = unavailable();
	int st;

	if (why)
		SKIP(return, "%s", why);
	st = as_nobody(exec_case);
	ASSERT_LE(0, st);
	ASSERT_GT(100, st) TH_LOG("set-up step %d failed", st);
	EXPECT_EQ(1, st & 3) TH_LOG("new image, /dev/null there: %d (1 = refused)", st & 3);
	EXPECT_EQ(0, (st >> 2) & 3) TH_LOG("new image, /dev/mach opened: %d (0 = served)",
					   (st >> 2) & 3);
}

/* The second thread of the two thread cases. */
struct second {
	int (*restrict_fn)(void);
	pthread_barrier_t *go, *done;
	int res[2];
};

static void *second_thread(void *arg)
{
	struct second *s = arg;

	s->res[0] = mt_trap_result();		/* before: served */
	if (s->restrict_fn()) {
		s->res[1] = 3;
	} else {
		s->res[1] = mt_trap_result();	/* after: refused */
	}
	pthread_barrier_wait(s->go);		/* the first thread traps now */
	pthread_barrier_wait(s->done);
	return NULL;
}

/* unshare(CLONE_FILES), then /dev/mach closed in this thread's copy. */
static int unshare_files(void)
{
	if (unshare(CLONE_FILES))
		return -1;
	close_devices();
	return 0;
}

static int two_threads(int (*restrict_fn)(void))
{
	pthread_barrier_t go, done;
	struct second s = { .restrict_fn = restrict_fn, .go = &go, .done = &done };
	pthread_t t;
	int fd, mine[2];

	if (setup(&fd))
		return 100;
	pthread_barrier_init(&go, NULL, 2);
	pthread_barrier_init(&done, NULL, 2);
	mine[0] = mt_trap_result();		/* served: number remembered */
	if (pthread_create(&t, NULL, second_thread, &s))
		return 101;
	pthread_barrier_wait(&go);
	mine[1] = mt_trap_result();		/* still served */
	pthread_barrier_wait(&done);
	pthread_join(t, NULL);
	if (s.res[1] == 3)
		return 102;
	return mine[0] | mine[1] << 2 | s.res[0] << 4 | s.res[1] << 6;
}

static int unshare_case(void)
{
	return two_threads(unshare_files);
}

/*
 * Landlock decides a device's ioctls at open (a descriptor opened before
 * the domain keeps them): this thread takes its own table, restricts
 * itself and opens /dev/mach again, which then usually gets the number
 * the first thread's traps passed with, on a file whose ioctls Landlock
 * refuses.
 */
static int landlocked_copy(void)
{
	if (unshare_files() || mt_deny_device_ioctls())
		return -1;
	return open(MACHINA_DEVICE_PATH, O_RDWR) < 0 ? -1 : 0;
}

static int landlock_case(void)
{
	return two_threads(landlocked_copy);
}

static void check_two_threads(struct __test_metadata *_metadata, int st)
{
	ASSERT_LE(0, st);
	ASSERT_GT(100, st) TH_LOG("set-up step %d failed", st);
	EXPECT_EQ(0, st & 3) TH_LOG("first thread, before: %d (0 = served)", st & 3);
	EXPECT_EQ(0, (st >> 2) & 3) TH_LOG("first thread, after: %d (0 = served)", (st >> 2) & 3);
	EXPECT_EQ(0, (st >> 4) & 3) TH_LOG("second thread, before: %d (0 = served)",
					   (st >> 4) & 3);
	EXPECT_EQ(1, (st >> 6) & 3) TH_LOG("second thread, restricted: %d (1 = refused)",
					   (st >> 6) & 3);
}

TEST(unshared_file_table_is_its_own)
{
	const char *why = unavailable();

	if (why)
		SKIP(return, "%s", why);
	check_two_threads(_metadata, as_nobody(unshare_case));
}

TEST(landlock_thread_is_refused)
{
	const char *why = unavailable();

	if (why)
		SKIP(return, "%s", why);
	if (mt_landlock_abi() < 5)
		SKIP(return, "no Landlock ABI 5 (LANDLOCK_ACCESS_FS_IOCTL_DEV)");
	check_two_threads(_metadata, as_nobody(landlock_case));
}

TEST_HARNESS_MAIN
