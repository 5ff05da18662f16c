// SPDX-License-Identifier: GPL-2.0
/*
 * The per-process Mach task state: made on first use, distinct after fork,
 * kept across exec, destroyed at exit however the process ends, and
 * independent of what the program does with its /dev/mach descriptors.
 * Threads are recognised lazily and forgotten when they exit.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "machina_test.h"

#define FOREVER (~0ull)

static char *self_exe;

/* Re-executed image: compare the task serial with the one before exec. */
static int exec_child_main(char **argv)
{
	unsigned long long want = strtoull(argv[2], NULL, 10);
	int inherited_fd = atoi(argv[3]);
	struct machina_task_identity id;

	if (mt_task_serial() != want)
		return 10;
	/* A descriptor kept across exec reaches the same task. */
	if (inherited_fd >= 0) {
		if (mt_identity(inherited_fd, &id) || id.task_serial != want)
			return 11;
	}
	return 0;
}

TEST(first_use_creates_one_task)
{
	struct machina_task_identity a, b;
	long base = mt_stable_counter("live_tasks");
	int fd = mt_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mt_identity(fd, &a));
	EXPECT_EQ(base + 1, mt_counter("live_tasks"));
	EXPECT_NE(0, a.task_serial);
	EXPECT_EQ(getpid(), a.pid);
	EXPECT_EQ(syscall(SYS_gettid), a.tid);
	EXPECT_EQ(1, a.thread_count);
	ASSERT_EQ(0, mt_identity(fd, &b));
	EXPECT_EQ(a.task_serial, b.task_serial);
	EXPECT_EQ(a.thread_serial, b.thread_serial);
	EXPECT_EQ(base + 1, mt_counter("live_tasks"));
	close(fd);
}

TEST(closing_the_descriptor_keeps_the_task)
{
	unsigned long long first = mt_task_serial();

	ASSERT_NE(0, first);
	/* mt_task_serial() opened and closed its own descriptor each time. */
	EXPECT_EQ(first, mt_task_serial());
}

TEST(fork_child_gets_its_own_task)
{
	struct machina_task_identity parent, child;
	long base = mt_stable_counter("live_tasks");
	int fd = mt_open(), pipefd[2];
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mt_identity(fd, &parent));
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The inherited descriptor reaches the child's own task. */
		if (mt_identity(fd, &child))
			_exit(2);
		if (write(pipefd[1], &child, sizeof(child)) != sizeof(child))
			_exit(3);
		/* So does a fresh one. */
		_exit(mt_task_serial() == child.task_serial ? 0 : 4);
	}
	ASSERT_EQ(sizeof(child), read(pipefd[0], &child, sizeof(child)));
	EXPECT_EQ(0, mt_wait_exit(pid));
	EXPECT_NE(parent.task_serial, child.task_serial);
	EXPECT_EQ(pid, child.pid);
	EXPECT_EQ(1, child.thread_count);
	/* The child's task went with it; the parent's stayed. */
	EXPECT_EQ(base + 1, mt_wait_counter("live_tasks", base + 1));
	EXPECT_EQ(parent.task_serial, mt_task_serial());
	close(fd);
}

static void exec_and_compare(struct __test_metadata *_metadata, int cloexec)
{
	long base = mt_stable_counter("live_tasks");
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		char serial[32], fdstr[16];
		int fd = open(MACHINA_DEVICE_PATH,
			      O_RDWR | (cloexec ? O_CLOEXEC : 0));
		struct machina_task_identity id;

		if (fd < 0 || mt_identity(fd, &id))
			_exit(2);
		snprintf(serial, sizeof(serial), "%llu",
			 (unsigned long long)id.task_serial);
		snprintf(fdstr, sizeof(fdstr), "%d", cloexec ? -1 : fd);
		execl(self_exe, self_exe, "--exec-child", serial, fdstr, NULL);
		_exit(5);
	}
	EXPECT_EQ(0, mt_wait_exit(pid));
	EXPECT_EQ(base, mt_wait_counter("live_tasks", base));
}

TEST(exec_keeps_the_task)
{
	exec_and_compare(_metadata, 0);
}

TEST(exec_keeps_the_task_when_descriptor_closes_on_exec)
{
	exec_and_compare(_metadata, 1);
}

TEST(exit_destroys_the_task)
{
	long base = mt_stable_counter("live_tasks");
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Never closes its descriptor. */
		int fd = open(MACHINA_DEVICE_PATH, O_RDWR);
		struct machina_task_identity id;

		_exit(fd >= 0 && mt_identity(fd, &id) == 0 ? 0 : 2);
	}
	EXPECT_EQ(0, mt_wait_exit(pid));
	EXPECT_EQ(base, mt_wait_counter("live_tasks", base));
}

TEST(sigkill_destroys_the_task)
{
	long base = mt_stable_counter("live_tasks");
	long base_threads = mt_stable_counter("live_threads");
	int pipefd[2], status;
	char c = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (!mt_task_serial())
			_exit(2);
		if (write(pipefd[1], "r", 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	EXPECT_EQ(base + 1, mt_counter("live_tasks"));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(base, mt_wait_counter("live_tasks", base));
	EXPECT_EQ(base_threads, mt_wait_counter("live_threads", base_threads));
}

struct thread_result {
	struct machina_task_identity id;
	long ret;
};

static void *identity_thread(void *arg)
{
	struct thread_result *r = arg;
	int fd = mt_open();

	r->ret = fd < 0 ? -errno : mt_identity(fd, &r->id);
	if (fd >= 0)
		close(fd);
	return NULL;
}

#define MANY_THREADS 64

TEST(many_threads_are_recognised_and_forgotten)
{
	struct thread_result res[MANY_THREADS];
	struct machina_task_identity main_id;
	long base_threads = mt_stable_counter("live_threads");
	pthread_t th[MANY_THREADS];
	int fd = mt_open(), i, j;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mt_identity(fd, &main_id));
	EXPECT_EQ(base_threads + 1, mt_counter("live_threads"));
	for (i = 0; i < MANY_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, identity_thread, &res[i]));
	for (i = 0; i < MANY_THREADS; i++)
		ASSERT_EQ(0, pthread_join(th[i], NULL));
	for (i = 0; i < MANY_THREADS; i++) {
		ASSERT_EQ(0, res[i].ret);
		EXPECT_EQ(main_id.task_serial, res[i].id.task_serial);
		EXPECT_NE(main_id.thread_serial, res[i].id.thread_serial);
		EXPECT_EQ(getpid(), res[i].id.pid);
		EXPECT_LE(2, res[i].id.thread_count);
		for (j = 0; j < i; j++)
			ASSERT_NE(res[j].id.thread_serial, res[i].id.thread_serial);
	}
	/* Joined threads have exited: only the main thread's record is left. */
	EXPECT_EQ(base_threads + 1, mt_wait_counter("live_threads", base_threads + 1));
	ASSERT_EQ(0, mt_identity(fd, &main_id));
	EXPECT_EQ(1, main_id.thread_count);
	close(fd);
}

struct leader_exit_args {
	unsigned long long serial;
	int thread_exit_only;
};

static void *survivor_thread(void *arg)
{
	struct leader_exit_args *a = arg;
	struct machina_task_identity id;
	int fd, i;

	/* Give the leader time to exit; the task must survive it. */
	usleep(100000);
	for (i = 0; i < 20; i++) {
		fd = mt_open();
		if (fd < 0 || mt_identity(fd, &id) || id.task_serial != a->serial)
			_exit(7);
		close(fd);
	}
	if (a->thread_exit_only)
		syscall(SYS_exit, 0);	/* the last thread leaves by itself */
	exit(0);
}

static void leader_exits_first(struct __test_metadata *_metadata,
			       int thread_exit_only)
{
	long base = mt_stable_counter("live_tasks");
	long base_threads = mt_stable_counter("live_threads");
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		static struct leader_exit_args a;
		pthread_t t;

		a.serial = mt_task_serial();
		a.thread_exit_only = thread_exit_only;
		if (!a.serial || pthread_create(&t, NULL, survivor_thread, &a))
			_exit(2);
		/* The leader leaves while the other thread goes on. */
		syscall(SYS_exit, 0);
	}
	EXPECT_EQ(0, mt_wait_exit(pid));
	EXPECT_EQ(base, mt_wait_counter("live_tasks", base));
	EXPECT_EQ(base_threads, mt_wait_counter("live_threads", base_threads));
}

TEST(leader_exits_first_then_process_exits)
{
	leader_exits_first(_metadata, 0);
}

TEST(leader_exits_first_then_last_thread_exits)
{
	leader_exits_first(_metadata, 1);
}

static void *blocked_thread(void *arg)
{
	struct machina_wait_until wait = { .deadline = FOREVER };
	int *fd = arg;

	mt_ioctl(*fd, MACHINA_IOC_WAIT_UNTIL, &wait);
	return NULL;
}

TEST(exit_while_another_thread_is_inside_an_ioctl)
{
	long base = mt_stable_counter("live_tasks");
	long base_threads = mt_stable_counter("live_threads");
	double start;
	pid_t pid;

	start = mt_now();
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		static int fd;
		pthread_t t;

		fd = mt_open();
		if (fd < 0 || !mt_task_serial())
			_exit(2);
		if (pthread_create(&t, NULL, blocked_thread, &fd))
			_exit(3);
		usleep(200000);
		exit(0);	/* kills the thread blocked in the module */
	}
	EXPECT_EQ(0, mt_wait_exit(pid));
	EXPECT_GT(10.0, mt_now() - start);
	EXPECT_EQ(base, mt_wait_counter("live_tasks", base));
	EXPECT_EQ(base_threads, mt_wait_counter("live_threads", base_threads));
}

TEST(sigkill_ends_a_thread_blocked_in_the_module)
{
	long base = mt_stable_counter("live_tasks");
	int pipefd[2], status;
	double start;
	char c;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct machina_wait_until wait = { .deadline = FOREVER };
		int fd = mt_open();

		if (fd < 0 || write(pipefd[1], "r", 1) != 1)
			_exit(2);
		mt_ioctl(fd, MACHINA_IOC_WAIT_UNTIL, &wait);
		_exit(3);
	}
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	usleep(100000);
	start = mt_now();
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_GT(5.0, mt_now() - start);
	EXPECT_EQ(base, mt_wait_counter("live_tasks", base));
}

TEST(many_processes_come_and_go)
{
	long base = mt_stable_counter("live_tasks");
	long base_threads = mt_stable_counter("live_threads");
	/* 8 on the debug kernels: 32 took 22 s on the PREEMPT_RT one. */
	int i, n = mt_slow_kernel() ? 8 : 32;
	pid_t pids[32];

	for (i = 0; i < n; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			pthread_t t[4];
			struct thread_result r[4];
			int k;

			for (k = 0; k < 4; k++)
				pthread_create(&t[k], NULL, identity_thread, &r[k]);
			if (i % 2)
				_exit(0);	/* exit with threads still running */
			for (k = 0; k < 4; k++)
				pthread_join(t[k], NULL);
			_exit(mt_task_serial() ? 0 : 2);
		}
	}
	for (i = 0; i < n; i++)
		EXPECT_EQ(0, mt_wait_exit(pids[i]));
	EXPECT_EQ(base, mt_wait_counter("live_tasks", base));
	EXPECT_EQ(base_threads, mt_wait_counter("live_threads", base_threads));
}

/* The harness's own main would set this; keep tests in file order. */
static void __attribute__((constructor)) order_tests_forward(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "--exec-child"))
		return exec_child_main(argv);
	self_exe = realpath("/proc/self/exe", NULL);
	return test_harness_run(argc, argv);
}
