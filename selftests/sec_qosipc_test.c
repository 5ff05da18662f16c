// SPDX-License-Identifier: GPL-2.0
/*
 * QoS through IPC, as an attacker (docs/SECURITY.md, "QoS through IPC"):
 * nobody's request lifts root's server thread while it serves it; the lift
 * must not outlive the server's own record of it.  A server that execs
 * while lifted (a daemon that execs a helper or re-execs itself) runs its
 * new image at the class the client named, forever, unless the exec takes
 * the lift off.  (A fork() child of a lifted server still inherits the
 * Linux values; docs/SECURITY.md says why that is left.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mach/mach.h>
#include <machina/machina.h>
#include <pthread/qos.h>
#include <sys/qos.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

#define NOBODY 65534

#define REQUIRE() IPC_REQUIRE_TEST()

static pid_t tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* "policy nice" of the calling thread, written to @fd. */
static int report(int fd)
{
	char line[64];
	int n;

	n = snprintf(line, sizeof(line), "%d %d\n", mt_task_stat_field(0, tid(), 41),
		     mt_task_stat_field(0, tid(), 19));
	return write(fd, line, n) == n ? 0 : 1;
}

/*
 * The root server: makes a port, lets a nobody child send it a request
 * (MACH_SEND_OVERRIDE, USER_INTERACTIVE) whose reply port the child keeps,
 * receives it (reporting the lift to @out), then execs itself to report
 * from the new image.
 */
static int server(int out, const char *self)
{
	mach_port_t port = new_port_send();
	int fd, go[2];
	rcv_buf_t buf;
	pid_t pid;
	char c, arg[16];

	if (!port || port_share(port, &fd) || pipe(go))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		mach_port_t dest = port_meet_child(fd), reply;
		simple_msg_t m;

		if (!dest || setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(2);
		reply = new_port();
		memset(&m, 0, sizeof(m));
		m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
						    MACH_MSG_TYPE_MAKE_SEND_ONCE);
		m.header.msgh_size = sizeof(m);
		m.header.msgh_remote_port = dest;
		m.header.msgh_local_port = reply;
		m.header.msgh_id = 100;
		/* USER_INTERACTIVE, named by the sender (mach_msg_priority_t). */
		if (!reply || mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_OVERRIDE,
				       sizeof(m), 0, MACH_PORT_NULL, 0,
				       (6u << 16) | 0xff00u) != MACH_MSG_SUCCESS)
			_exit(1);
		if (write(go[1], "s", 1) != 1)
			_exit(1);
		/* Keeps the reply port (and so the lift) alive. */
		pause();
		_exit(0);
	}
	close(fd);
	if (read(go[0], &c, 1) != 1 ||
	    recv_msg(port, &buf, sizeof(buf), 0, 0) != MACH_MSG_SUCCESS)
		return 1;
	/* The lift itself (root: nice -10). */
	if (report(out))
		return 1;
	snprintf(arg, sizeof(arg), "%d", out);
	execl(self, self, "--report", arg, (char *)NULL);
	return 1;
}

/* Runs server() in a child and reads its two reports. */
static void run(struct __test_metadata *_metadata, int *lifted, int *after_policy, int *after_nice)
{
	int p[2], policy;
	char buf[128];
	FILE *f;
	pid_t pid;

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(p[0]);
		/* The server's own process group: the nobody child dies with it. */
		setpgid(0, 0);
		_exit(server(p[1], "/proc/self/exe") ? 3 : 0);
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	ASSERT_EQ(2, sscanf(buf, "%d %d", &policy, lifted));
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	ASSERT_EQ(2, sscanf(buf, "%d %d", after_policy, after_nice));
	fclose(f);
	kill(-pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* The nobody client (the server's child, now reparented). */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/*
 * nobody lifts root's server to USER_INTERACTIVE (nice -10); the server
 * execs: the new image runs at the nice it had before the lift (0), not at
 * the class nobody named, though nobody keeps the reply port alive.
 */
TEST(exec_drops_the_lift)
{
	int lifted, policy, nice;

	REQUIRE();
	if (geteuid())
		SKIP(return, "needs root (a root server, a nobody client)");
	setpriority(PRIO_PROCESS, 0, 0);
	run(_metadata, &lifted, &policy, &nice);
	EXPECT_EQ(-10, lifted);
	EXPECT_EQ(SCHED_OTHER, policy);
	EXPECT_EQ(0, nice);
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "--report"))
		return report(atoi(argv[2]));
	return test_harness_run(argc, argv);
}
