// SPDX-License-Identifier: GPL-2.0
/*
 * machina-demo: what Machina can do so far, one step at a time.
 *   machina-demo          run the tour
 *   machina-demo --probe  only open the device through libmach; exit 0 if it
 *                         works, 1 (after libmach's explanation) if not
 *   machina-demo --bootstrap-examples N   (run by the tour under
 *                         machina-bootstrap) start the example daemon and
 *                         client with N requests; exit 0 if both succeeded
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mach/mach.h>
#include <machina/machina.h>

#include "uapi/machina.h"

static int step_no;

static void step(const char *what)
{
	printf("\n[%d] %s\n", ++step_no, what);
}

static long counter(const char *name)
{
	char path[96];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/misc/mach/%s", name);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void *thread_main(void *arg)
{
	struct machina_identity *id = arg;

	machina_identity(id);
	return NULL;
}

static int fail(const char *what, kern_return_t kr)
{
	printf("    FAILED: %s (kern_return_t %d)\n", what, kr);
	return 1;
}

/* Fork and exec ./name n; returns the pid or -1. */
static pid_t spawn(const char *name, const char *n)
{
	char path[64];
	pid_t pid = fork();

	if (pid == 0) {
		snprintf(path, sizeof(path), "./%s", name);
		execl(path, name, n, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/*
 * machina-demo --bootstrap-examples N, run by machina-bootstrap: the example
 * daemon and client side by side (children of this Mach process, so they
 * inherit its bootstrap port).  0 iff both succeeded.
 */
static int bootstrap_examples(const char *n)
{
	pid_t daemon = spawn("counter-daemon", n);
	pid_t client = spawn("counter-client", n);
	int dstatus = -1, cstatus = -1;

	if (daemon < 0 || client < 0)
		return 1;
	waitpid(client, &cstatus, 0);
	if (cstatus != 0)
		kill(daemon, SIGKILL);
	waitpid(daemon, &dstatus, 0);
	return cstatus != 0 || dstatus != 0;
}

/*
 * The example daemon and client (userlib/examples/), which use nothing but
 * Darwin's API, run under the bootstrap server: the daemon checks in, the
 * client looks it up and sends it requests.  They sit next to this program.
 * Returns 0, or 1 after saying what failed.
 */
static int demo_bootstrap(void)
{
	char dir[4096];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	int status;
	pid_t pid;

	if (n <= 0)
		return 1;
	dir[n] = 0;
	*strrchr(dir, '/') = 0;
	if (chdir(dir))
		return 1;
	if (access("counter-daemon", X_OK) || access("counter-client", X_OK)) {
		printf("    (not built in this tree: the examples need <mach/semaphore.h>)\n");
		return 0;
	}
	printf("    machina-bootstrap -- machina-demo --bootstrap-examples 5\n"
	       "    (which starts ./counter-daemon 5 and ./counter-client 5)\n");
	pid = fork();
	if (pid == 0) {
		execl("./machina-bootstrap", "machina-bootstrap", "--",
		      "./machina-demo", "--bootstrap-examples", "5", (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		printf("    FAILED: exit status %d\n",
		       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct machina_identity me, child, th[4];
	mach_timebase_info_data_t tb;
	uint64_t t0, t1;
	pthread_t t[4];
	int pipefd[2], i, status;
	kern_return_t kr;
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "--probe"))
		return machina_fd() >= 0 ? 0 : 1;
	if (argc > 2 && !strcmp(argv[1], "--bootstrap-examples"))
		return bootstrap_examples(argv[2]);

	setvbuf(stdout, NULL, _IONBF, 0);
	printf("Machina demo: Mach on Linux, through libmach and /dev/mach\n");

	step("open /dev/mach and check the module's ABI (libmach does this lazily)");
	if (machina_fd() < 0) {
		printf("    FAILED: %s\n", machina_error());
		return 1;
	}
	printf("    module ABI %u, library ABI %d\n", machina_module_abi(),
	       MACHINA_ABI_VERSION);

	step("this process becomes a Mach task on its first call");
	kr = machina_identity(&me);
	if (kr)
		return fail("machina_identity", kr);
	printf("    pid %d -> task #%llu, thread #%llu; live tasks now %ld\n",
	       me.pid, (unsigned long long)me.task_serial,
	       (unsigned long long)me.thread_serial, counter("live_tasks"));

	step("fork: the child gets a new, empty task (as on XNU)");
	if (pipe(pipefd))
		return 1;
	pid = fork();
	if (pid == 0) {
		machina_identity(&child);
		if (write(pipefd[1], &child, sizeof(child)) != sizeof(child))
			_exit(1);
		_exit(0);
	}
	if (read(pipefd[0], &child, sizeof(child)) != sizeof(child))
		return fail("child identity", KERN_FAILURE);
	waitpid(pid, &status, 0);
	printf("    child pid %d -> task #%llu (parent's is #%llu)\n", child.pid,
	       (unsigned long long)child.task_serial,
	       (unsigned long long)me.task_serial);
	if (child.task_serial == me.task_serial)
		return fail("child shares the parent's task", KERN_FAILURE);

	step("threads are recognised lazily, on their first call");
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, thread_main, &th[i]);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		printf("    thread tid %d -> thread #%llu in task #%llu\n", th[i].tid,
		       (unsigned long long)th[i].thread_serial,
		       (unsigned long long)th[i].task_serial);
	}

	step("Mach time: mach_timebase_info, mach_absolute_time, mach_wait_until");
	mach_timebase_info(&tb);
	t0 = mach_absolute_time();
	kr = mach_wait_until(t0 + 50 * 1000 * 1000ull * tb.denom / tb.numer);
	t1 = mach_absolute_time();
	if (kr)
		return fail("mach_wait_until", kr);
	printf("    timebase %u/%u; mach_wait_until(now + 50 ms) slept %.1f ms\n",
	       tb.numer, tb.denom, (double)(t1 - t0) * tb.numer / tb.denom / 1e6);

	step("bootstrap: a Darwin-style daemon checks in, its client looks it up");
	if (demo_bootstrap())
		return 1;

	step("the module's live objects (sysfs /sys/class/misc/mach/)");
	printf("    live_tasks %ld, live_threads %ld\n", counter("live_tasks"),
	       counter("live_threads"));
	printf("\ndemo finished: everything above ran in the kernel module\n");
	return 0;
}
