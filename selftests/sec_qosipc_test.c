// SPDX-License-Identifier: GPL-2.0
/*
 * QoS through IPC, as an attacker (docs/SECURITY.md, "QoS through IPC"):
 * nobody's request lifts root's server thread while it serves it; the lift
 * must not outlive the server's own record of it.  A server that execs
 * while lifted (a daemon that execs a helper or re-execs itself) runs its
 * new image at the class the client named, forever, unless the exec takes
 * the lift off.  A fork() child of a lifted server (a daemon that forks a
 * worker) would keep it the same way: the fork takes it off the child.
 * Taking it off must not undo what the server (or the child) chose for the
 * child after fork() returned: the fork path's drain can come late.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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
 * vfork_holder - a second thread of the server vforks a child that waits
 * on @arg's pipe: the vfork keeps the process's fork hand-down pending
 * (task work of this thread, run only when vfork() returns), so a fork by
 * the lifted thread meanwhile is handed down only then
 */
static void *vfork_holder(void *arg)
{
	int *fds = arg;	/* [0] hold (read), [1] ready (write) */
	pid_t v;
	char c;

	v = vfork();
	if (v == 0) {
		if (write(fds[1], "r", 1) != 1 || read(fds[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	if (v > 0)
		waitpid(v, NULL, 0);
	return NULL;
}

/*
 * The lifted server forks while another thread's vfork holds the hand-down
 * back, renices the child to -5 (root: a worker it wants ahead of the
 * rest), then lets the vfork end (the hand-down runs) and the child report.
 */
static int fork_renice(int out)
{
	int hold[2], ready[2], go[2], fds[2];
	pthread_t holder;
	char c;
	pid_t kid = -1;
	int ret = 1;

	if (pipe(hold) || pipe(ready) || pipe(go))
		return 1;
	fds[0] = hold[0];
	fds[1] = ready[1];
	if (pthread_create(&holder, NULL, vfork_holder, fds))
		return 1;
	/* The vfork child runs: the holder's fork probe has noted it. */
	if (read(ready[0], &c, 1) != 1)
		goto out;
	kid = fork();
	if (kid < 0)
		goto out;
	if (kid == 0)
		_exit(read(go[0], &c, 1) != 1 || report(out));
	if (setpriority(PRIO_PROCESS, kid, -5) == 0)
		ret = 0;
out:
	/* The vfork ends; vfork() returns to the holder through the drain. */
	if (write(hold[1], "g", 1) != 1)
		ret = 1;
	pthread_join(holder, NULL);
	if (write(go[1], "g", 1) != 1)
		ret = 1;
	return ret || (kid > 0 && mt_wait_exit(kid)) ? 1 : 0;
}

/*
 * fork_report - fork a child that reports to @out once fork() has returned
 * here (the fork path is then done with it), killing @victim (when > 0)
 * the instant before the fork; waits for the child.
 * Returns: 0, or 1 when a step failed or the child did.
 */
static int fork_report(int out, pid_t victim)
{
	int go[2];
	pid_t kid;
	char c;

	if (pipe(go))
		return 1;
	if (victim > 0)
		kill(victim, SIGKILL);
	kid = fork();
	if (kid < 0)
		return 1;
	if (kid == 0) {
		close(go[1]);
		_exit(read(go[0], &c, 1) != 1 || report(out));
	}
	close(go[0]);
	if (write(go[1], "g", 1) != 1)
		return 1;
	close(go[1]);
	return mt_wait_exit(kid) ? 1 : 0;
}

/*
 * The root server: makes a port, lets a nobody client lift it
 * (ipc_lifting_client(): USER_INTERACTIVE) and keep the reply port,
 * receives the request (reporting the lift to @out), then with @mode 'e'
 * execs itself to report from the new image, with 'f' forks a child that
 * reports once fork() has returned to the server, with 'v' fork_renice().
 */
static int server(int out, const char *self, int mode)
{
	mach_port_t port = new_port_send();
	rcv_buf_t buf;
	char arg[16];

	if (!port || ipc_lifting_client(port, 1) < 0 ||
	    recv_msg(port, &buf, sizeof(buf), 0, 0) != MACH_MSG_SUCCESS)
		return 1;
	/* The lift itself (root: nice -10). */
	if (report(out))
		return 1;
	if (mode == 'e') {
		snprintf(arg, sizeof(arg), "%d", out);
		execl(self, self, "--report", arg, (char *)NULL);
		return 1;
	}
	if (mode == 'v')
		return fork_renice(out);
	return fork_report(out, 0);
}

/* Runs server() in a child and reads its two reports. */
static void run(struct __test_metadata *_metadata, int mode, int *lifted,
		int *after_policy, int *after_nice)
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
		_exit(server(p[1], "/proc/self/exe", mode) ? 3 : 0);
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
 * then execs (@mode 'e') or forks (@mode 'f'): the new image, or the
 * child, runs at the nice the server had before the lift (0), not at the
 * class nobody named, though nobody keeps the reply port alive.
 */
static void lift_then(struct __test_metadata *_metadata, int mode)
{
	int lifted, policy, nice;

	if (geteuid())
		SKIP(return, "needs root (a root server, a nobody client)");
	setpriority(PRIO_PROCESS, 0, 0);
	run(_metadata, mode, &lifted, &policy, &nice);
	EXPECT_EQ(-10, lifted);
	EXPECT_EQ(SCHED_OTHER, policy);
	EXPECT_EQ(0, nice);
}

TEST(exec_drops_the_lift)
{
	REQUIRE();
	lift_then(_metadata, 'e');
}

/* A forked child (a worker the daemon spawns) serves nothing. */
TEST(fork_drops_the_lift)
{
	REQUIRE();
	lift_then(_metadata, 'f');
}

/* Split @pages pages into one mapping each (alternate protections). */
static int many_mappings(unsigned int pages)
{
	long pg = sysconf(_SC_PAGESIZE);
	unsigned int i;
	char *m;

	m = mmap(NULL, pages * pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 1;
	for (i = 0; i < pages; i += 2)
		if (mprotect(m + i * pg, pg, PROT_NONE))
			return 1;
	return 0;
}

/* Waits (bounded) until the calling thread runs at nice @nice. */
static int wait_own_nice(int nice)
{
	int i;

	for (i = 0; i < 20000; i++) {
		if (mt_task_stat_field(0, tid(), 19) == nice)
			return 0;
		usleep(500);
	}
	return 1;
}

/*
 * The races below: 8 rounds of a fork copying 16384 mappings; the debug
 * kernels (KASAN, lockdep: each copy ~30 times slower) run 1 round of
 * 1024, a window still as long against the other CPU as the stock one
 * (making the mappings, one mprotect() split each, was most of the
 * debug kernels' time: docs/testing.md, Timings).  The stock kernels'
 * rounds (8 on each of six) are what meet the races most often (before
 * their fixes 3 and 1 of 8 children on 6.12-amd64 came out wrong); a
 * debug kernel's one round runs every step of the fork path's lift check
 * and drain under lockdep (and KASAN on debug-x86_64).
 */
#define RACE_ROUNDS	(mt_slow_kernel() ? 1 : 8)
#define RACE_MAPPINGS	(mt_slow_kernel() ? 1024 : 16384)

/*
 * The root server, lifted by a nobody client, forks the moment it kills
 * that client: the client's reply port dies with it, and the reply-dead
 * work takes the lift off the server while clone() copies the server (its
 * many mappings keep the copy long), after the values were copied.  Each
 * child reports once fork() has returned to the server.  The mappings are
 * made after the first client is forked: that fork (on a debug kernel the
 * only one besides the racing fork) need not copy them.
 */
static int fork_race_server(int out)
{
	mach_port_t port = new_port_send();
	rcv_buf_t buf;
	pid_t client;
	int r;

	if (!port)
		return 1;
	for (r = 0; r < RACE_ROUNDS; r++) {
		client = ipc_lifting_client(port, 1);
		if (client < 0 ||
		    recv_msg(port, &buf, sizeof(buf), 0, 0) != MACH_MSG_SUCCESS)
			return 2;
		if (r == 0 && many_mappings(RACE_MAPPINGS))
			return 1;
		if (mt_task_stat_field(0, tid(), 19) != -10)
			return 3;
		if (fork_report(out, client))
			return 4;
		waitpid(client, NULL, 0);
		mach_port_deallocate(mach_task_self(), buf.header.msgh_remote_port);
		/* The lift is off the server before the next round. */
		if (wait_own_nice(0))
			return 7;
	}
	return 0;
}

/*
 * race_rounds - runs @body (its own process group) in a child and reads
 * the RACE_ROUNDS reports of the children it forks: each must run
 * SCHED_OTHER at nice @ok_a or @ok_b, and @body must exit 0
 */
static void race_rounds(struct __test_metadata *_metadata, int (*body)(int),
			int ok_a, int ok_b)
{
	int p[2], status, policy, nice, r, wrong = 0;
	char buf[128];
	FILE *f;
	pid_t pid;

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(p[0]);
		setpgid(0, 0);
		_exit(body(p[1]));
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	ASSERT_NE(NULL, f);
	for (r = 0; r < RACE_ROUNDS && fgets(buf, sizeof(buf), f); r++) {
		ASSERT_EQ(2, sscanf(buf, "%d %d", &policy, &nice));
		if (policy != SCHED_OTHER || (nice != ok_a && nice != ok_b)) {
			wrong++;
			TH_LOG("round %d: the child runs at policy %d nice %d", r,
			       policy, nice);
		}
	}
	fclose(f);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(RACE_ROUNDS, r);
	EXPECT_EQ(0, wrong);
}

/*
 * A fork that copies the lifted server in the instant its client's death
 * takes the lift off: the child must still lose it (nobody would otherwise
 * leave root's worker at nice -10 for life).
 */
TEST(fork_racing_the_clients_death)
{
	REQUIRE();
	if (geteuid())
		SKIP(return, "needs root (a root server, a nobody client)");
	setpriority(PRIO_PROCESS, 0, 0);
	/* Exit 1: no mappings; 2: no lift; 3: not at -10; 4: fork; 7: stays lifted */
	race_rounds(_metadata, fork_race_server, 0, 0);
}

struct toggler {
	pid_t target;
	volatile int stop;
};

/* Flips @arg's target thread between nice -10 and -5 until told to stop. */
static void *nice_toggler(void *arg)
{
	struct toggler *t = arg;

	while (!t->stop) {
		setpriority(PRIO_PROCESS, t->target, -5);
		setpriority(PRIO_PROCESS, t->target, -10);
	}
	return NULL;
}

/*
 * A root process at nice -10 (its owner's choice), whose thread has a
 * record Machina never drove, forks while its other thread renices it
 * between -10 and -5: each child runs at one of the two.
 */
static int renice_race_forker(int out)
{
	struct toggler t = { .target = tid() };
	mach_port_t self = mach_thread_self();
	pthread_t th;
	int r, ret = 0;
	pid_t kid;

	if (!self || many_mappings(RACE_MAPPINGS) ||
	    setpriority(PRIO_PROCESS, 0, -10))
		return 1;
	if (pthread_create(&th, NULL, nice_toggler, &t))
		return 1;
	for (r = 0; r < RACE_ROUNDS && !ret; r++) {
		kid = fork();
		if (kid < 0)
			ret = 4;
		else if (kid == 0)
			_exit(report(out));
		else if (mt_wait_exit(kid))
			ret = 6;
	}
	t.stop = 1;
	pthread_join(th, NULL);
	return ret;
}

/*
 * A renice racing a fork by a thread no IPC override ever lifted: the
 * fork path must not "unlift" the child to a baseline Machina never took
 * (nice 0 here: root's deliberate -10, or -5, is what the child has).
 */
TEST(fork_racing_a_renice_keeps_the_owners_nice)
{
	REQUIRE();
	if (geteuid())
		SKIP(return, "needs root (a nice below 0)");
	race_rounds(_metadata, renice_race_forker, -10, -5);
}

/*
 * A request never lowers its server.  XNU's push through IPC only ever
 * raises the thread that serves a request (its base priority is the higher
 * of its own and the push's; a QoS override counts only for a thread that
 * has a class): nobody's BACKGROUND request must not put root's class-less
 * server on SCHED_IDLE, nor its UTILITY request on SCHED_BATCH +7, nor a
 * DEFAULT one undo the nice -5 root gave the server; a lift is a raise in
 * each of policy and nice (root's SCHED_BATCH +3 server gets SCHED_OTHER 0
 * from DEFAULT, stays at +3 for UTILITY); a server its owner put in
 * SCHED_IDLE stays there for BACKGROUND; a server with its own
 * USER_INITIATED class keeps it.  Each row: how the server stands, the
 * class of nobody's request, what the server runs at while it holds the
 * request (read from outside, in /proc) and after its reply (the nice
 * value too in SCHED_IDLE, which keeps it for a later change of policy).
 */
static const struct {
	/*
	 * 'n': no class, nice 0; 'r': no class, nice -5; 'b': no class,
	 * SCHED_BATCH +3; 'z': no class, SCHED_IDLE; 'i': USER_INITIATED.
	 */
	char setup;
	unsigned int qos;	/* the request's THREAD_QOS_* */
	int policy, nice;	/* while the server holds the request */
	int after_policy, after_nice;
} lower_rows[] = {
	{ 'n', 2, SCHED_OTHER, 0, SCHED_OTHER, 0 },	/* BACKGROUND */
	{ 'n', 3, SCHED_OTHER, 0, SCHED_OTHER, 0 },	/* UTILITY */
	{ 'n', 1, SCHED_OTHER, 0, SCHED_OTHER, 0 },	/* MAINTENANCE */
	{ 'r', 4, SCHED_OTHER, -5, SCHED_OTHER, -5 },	/* LEGACY (DEFAULT) */
	{ 'r', 3, SCHED_OTHER, -5, SCHED_OTHER, -5 },
	{ 'r', 6, SCHED_OTHER, -10, SCHED_OTHER, -5 },	/* USER_INTERACTIVE */
	{ 'b', 3, SCHED_BATCH, 3, SCHED_BATCH, 3 },
	{ 'b', 4, SCHED_OTHER, 0, SCHED_BATCH, 3 },
	{ 'z', 2, SCHED_IDLE, 0, SCHED_IDLE, 0 },
	{ 'z', 6, SCHED_OTHER, -10, SCHED_IDLE, 0 },
	{ 'i', 2, SCHED_OTHER, -4, SCHED_OTHER, -4 },
	{ 'i', 3, SCHED_OTHER, -4, SCHED_OTHER, -4 },
	{ 'i', 6, SCHED_OTHER, -10, SCHED_OTHER, -4 },
};

#define LOWER_ROWS ((int)(sizeof(lower_rows) / sizeof(lower_rows[0])))

/* Whether @policy / @nice are @want_policy / @want_nice. */
static int sched_is(int policy, int nice, int want_policy, int want_nice)
{
	return policy == want_policy && nice == want_nice;
}

/*
 * lower_server - root's server thread: for each row it stands as the row
 * says, receives nobody's request of the row's class, writes its tid to
 * @out and waits for a byte on @in while it holds the request; then it
 * replies, writes "-" and waits again.
 * Returns: 0, or the step that failed.
 */
static int lower_server(int out, int in)
{
	mach_port_t port = new_port_send();
	struct sched_param sp = { 0 };
	char line[32], c, setup;
	rcv_buf_t buf;
	pid_t client;
	int i, n;

	if (!port)
		return 1;
	for (i = 0; i < LOWER_ROWS; i++) {
		setup = lower_rows[i].setup;
		if ((setup == 'r' && setpriority(PRIO_PROCESS, 0, -5)) ||
		    (setup == 'b' && (sched_setscheduler(0, SCHED_BATCH, &sp) ||
				      setpriority(PRIO_PROCESS, 0, 3))) ||
		    (setup == 'z' && (setpriority(PRIO_PROCESS, 0, 0) ||
				      sched_setscheduler(0, SCHED_IDLE, &sp))))
			return 2;
		if (setup == 'i' &&
		    (sched_setscheduler(0, SCHED_OTHER, &sp) ||
		     pthread_set_qos_class_self_np(QOS_CLASS_USER_INITIATED, 0)))
			return 3;
		client = ipc_class_client(port, 1, lower_rows[i].qos);
		if (client < 0 ||
		    recv_msg(port, &buf, sizeof(buf), 0, 0) != MACH_MSG_SUCCESS)
			return 4;
		n = snprintf(line, sizeof(line), "%d\n", tid());
		if (write(out, line, n) != n || read(in, &c, 1) != 1)
			return 5;
		if (send_simple_opt(buf.header.msgh_remote_port,
				    MACH_MSG_TYPE_MOVE_SEND_ONCE, 7, 0, 0))
			return 6;
		if (write(out, "-\n", 2) != 2 || read(in, &c, 1) != 1)
			return 7;
		kill(client, SIGKILL);
		waitpid(client, NULL, 0);
	}
	return 0;
}

TEST(a_request_never_lowers_its_server)
{
	int to[2], from[2], i, t = 0, policy, nice;
	char line[32];
	FILE *f;
	pid_t pid;

	REQUIRE();
	if (geteuid())
		SKIP(return, "needs root (a root server, a nobody client)");
	setpriority(PRIO_PROCESS, 0, 0);
	ASSERT_EQ(0, pipe(to));
	ASSERT_EQ(0, pipe(from));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(to[1]);
		close(from[0]);
		setpgid(0, 0);
		_exit(lower_server(from[1], to[0]));
	}
	close(to[0]);
	close(from[1]);
	f = fdopen(from[0], "r");
	ASSERT_NE(NULL, f);
	for (i = 0; i < LOWER_ROWS; i++) {
		ASSERT_NE(NULL, fgets(line, sizeof(line), f)) TH_LOG("row %d", i);
		t = atoi(line);
		ASSERT_LT(0, t);
		policy = mt_task_stat_field(pid, t, 41);
		nice = mt_task_stat_field(pid, t, 19);
		EXPECT_TRUE(sched_is(policy, nice, lower_rows[i].policy,
				     lower_rows[i].nice))
			TH_LOG("row %d: policy %d nice %d", i, policy, nice);
		ASSERT_EQ(1, write(to[1], "g", 1));
		ASSERT_NE(NULL, fgets(line, sizeof(line), f));
		policy = mt_task_stat_field(pid, t, 41);
		nice = mt_task_stat_field(pid, t, 19);
		EXPECT_TRUE(sched_is(policy, nice, lower_rows[i].after_policy,
				     lower_rows[i].after_nice))
			TH_LOG("row %d after the reply: policy %d nice %d", i,
			       policy, nice);
		ASSERT_EQ(1, write(to[1], "g", 1));
	}
	fclose(f);
	close(to[1]);
	/* Exit 2: renice, policy; 3: class; 4: request; 5, 7: pipes; 6: reply */
	EXPECT_EQ(0, mt_wait_exit(pid));
}

/*
 * The end of a lift gives an idle server back its own nice value.  Root
 * puts its class-less server in SCHED_IDLE at nice 5; nobody's
 * USER_INTERACTIVE request lifts it to SCHED_OTHER -10 while it holds the
 * request.  After its reply it is SCHED_IDLE again, and its nice value
 * must be 5 again: SCHED_IDLE keeps the nice value (the thread's children
 * copy it, and a later sched_setscheduler(SCHED_OTHER) by its owner runs
 * it at that value), so a lifted one left there outlives the request.
 * Returns: 0, or the step that failed.
 */
static int idle_server(void)
{
	mach_port_t port = new_port_send();
	struct sched_param sp = { 0 };
	rcv_buf_t buf;
	pid_t client;
	int ret = 0;

	if (!port || setpriority(PRIO_PROCESS, 0, 5) ||
	    sched_setscheduler(0, SCHED_IDLE, &sp))
		return 1;
	client = ipc_lifting_client(port, 1);
	if (client < 0 ||
	    recv_msg(port, &buf, sizeof(buf), 0, 0) != MACH_MSG_SUCCESS)
		return 2;
	/* The lift is on (else the row tests nothing). */
	if (sched_getscheduler(0) != SCHED_OTHER)
		ret = 3;
	else if (send_simple_opt(buf.header.msgh_remote_port,
				 MACH_MSG_TYPE_MOVE_SEND_ONCE, 7, 0, 0))
		ret = 4;
	else if (sched_getscheduler(0) != SCHED_IDLE)
		ret = 5;
	else if (getpriority(PRIO_PROCESS, 0) != 5)
		ret = 6;
	else if (sched_setscheduler(0, SCHED_OTHER, &sp) ||
		 getpriority(PRIO_PROCESS, 0) != 5)
		ret = 7;
	kill(client, SIGKILL);
	waitpid(client, NULL, 0);
	return ret;
}

TEST(the_end_of_a_lift_gives_an_idle_server_its_nice)
{
	pid_t pid;

	REQUIRE();
	if (geteuid())
		SKIP(return, "needs root (a root server, a nobody client)");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		setpgid(0, 0);
		_exit(idle_server());
	}
	/* 3: not lifted; 5: not SCHED_IDLE again; 6, 7: the lifted nice kept */
	EXPECT_EQ(0, mt_wait_exit(pid));
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "--report"))
		return report(atoi(argv[2]));
	return test_harness_run(argc, argv);
}
