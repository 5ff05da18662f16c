// SPDX-License-Identifier: GPL-2.0
/*
 * The bootstrap name server (machina-bootstrap) through libmach's
 * <servers/bootstrap.h>: check-in, look-up, register, the status codes,
 * removal of services whose receive right dies, and clients of a dead
 * server.
 *
 * Most tests start their own server with --serve --port-fd, which hands the
 * bootstrap port back in a message, so they need nothing but Mach IPC.  The
 * tests of bootstrap_port itself (set before main, refreshed after fork) and
 * of the example daemon need the module's task special ports and their
 * inheritance across fork; they are skipped, saying so, on a module that
 * answers TASK_GET_SPECIAL_PORT with ENOTTY.
 */
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <sys/wait.h>

#include <servers/bootstrap.h>
#include <bootstrap.h>

#include "kselftest_harness.h"
#include "ipc_test.h"
#include "userlib/bootstrap/protocol.h"

static char test_dir[PATH_MAX];

/* A program next to this test: machina-bootstrap, the examples. */
static const char *sibling(const char *name)
{
	static char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", test_dir, name);
	return path;
}

/* Why bootstrap_port cannot work on this module, or NULL if it can. */
static const char *special_ports_unavailable(void)
{
	struct machina_port_args args = { .task = SELF, .right = 4 };
	int fd = mt_open();
	long ret;

	if (fd < 0)
		return "no /dev/mach";
	ret = mt_ioctl(fd, MACHINA_IOC_TASK_GET_SPECIAL_PORT, &args);
	close(fd);
	if (ret == -ENOTTY)
		return "the module has no task special ports yet";
	if (args.value)
		mach_port_deallocate(SELF, args.value);
	return NULL;
}

/*
 * start_server - run machina-bootstrap --serve as a child
 * Returns its pid with *bp a send right to its bootstrap port, or -1.
 */
static pid_t start_server(mach_port_t *bp)
{
	union {
		bs_port_reply_t m;
		rcv_buf_t room;
	} u;
	mach_port_t handoff = new_port();
	char fdstr[16];
	pid_t pid;
	int fd;

	*bp = MACH_PORT_NULL;
	if (!handoff || port_share(handoff, &fd) != KERN_SUCCESS)
		return -1;
	pid = fork();
	if (pid == 0) {
		die_with_parent();
		snprintf(fdstr, sizeof(fdstr), "%d", fd);
		execl(sibling("machina-bootstrap"), "machina-bootstrap",
		      "--port-fd", fdstr, "--serve", (char *)NULL);
		_exit(127);
	}
	close(fd);
	if (pid > 0 && recv_timeout(handoff, &u.room, 20000) == MACH_MSG_SUCCESS &&
	    u.m.Head.msgh_id == BS_HANDOFF &&
	    (u.m.Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) &&
	    u.m.port.disposition == MACH_MSG_TYPE_PORT_SEND)
		*bp = u.m.port.name;
	mach_port_mod_refs(SELF, handoff, MACH_PORT_RIGHT_RECEIVE, -1);
	if (pid > 0 && !*bp) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

/* look_up until it stops finding name (the server learns of deaths late). */
static kern_return_t look_up_until_gone(mach_port_t bp, const char *name)
{
	mach_port_t sp = MACH_PORT_NULL;
	kern_return_t kr;
	double end = mt_now() + 10;

	do {
		kr = bootstrap_look_up(bp, name, &sp);
		if (kr != BOOTSTRAP_SUCCESS)
			return kr;
		mach_port_deallocate(SELF, sp);
		usleep(10000);
	} while (mt_now() < end);
	return kr;
}

FIXTURE(bs) {
	pid_t server;
	mach_port_t bp;
};

FIXTURE_SETUP(bs)
{
	IPC_REQUIRE();
	self->server = start_server(&self->bp);
	ASSERT_LT(0, self->server) TH_LOG("cannot start %s", sibling("machina-bootstrap"));
}

FIXTURE_TEARDOWN(bs)
{
	if (self->server > 0) {
		kill(self->server, SIGKILL);
		waitpid(self->server, NULL, 0);
	}
}

TEST_F(bs, check_in_creates_the_service_and_look_up_finds_it)
{
	mach_port_t recv = MACH_PORT_NULL, send = MACH_PORT_NULL;

	ASSERT_EQ(BOOTSTRAP_SUCCESS,
		  bootstrap_check_in(self->bp, "org.machina.test.a", &recv));
	EXPECT_TRUE(type_of(recv) & MACH_PORT_TYPE_RECEIVE);
	ASSERT_EQ(BOOTSTRAP_SUCCESS,
		  bootstrap_look_up(self->bp, "org.machina.test.a", &send));
	/* The same port: send rights join our receive right's name. */
	EXPECT_EQ(recv, send);
	EXPECT_EQ(1, urefs_of(send, MACH_PORT_RIGHT_SEND));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple_opt(send, MACH_MSG_TYPE_COPY_SEND,
						    77, 0, 0));
	EXPECT_EQ(1, msgcount_of(recv));
}

TEST_F(bs, check_in_of_an_active_service_is_service_active)
{
	mach_port_t recv, again = MACH_PORT_NULL;

	ASSERT_EQ(BOOTSTRAP_SUCCESS,
		  bootstrap_check_in(self->bp, "org.machina.test.b", &recv));
	EXPECT_EQ(BOOTSTRAP_SERVICE_ACTIVE,
		  bootstrap_check_in(self->bp, "org.machina.test.b", &again));
	EXPECT_EQ(MACH_PORT_NULL, again);
}

TEST_F(bs, unknown_name_is_unknown_service)
{
	mach_port_t sp = MACH_PORT_NULL;

	EXPECT_EQ(BOOTSTRAP_UNKNOWN_SERVICE,
		  bootstrap_look_up(self->bp, "org.machina.test.none", &sp));
	EXPECT_EQ(MACH_PORT_NULL, sp);
}

TEST_F(bs, names_must_fit_name_t)
{
	char name[BOOTSTRAP_MAX_NAME_LEN + 1];
	mach_port_t sp;

	memset(name, 'n', BOOTSTRAP_MAX_NAME_LEN);
	name[BOOTSTRAP_MAX_NAME_LEN] = 0;
	EXPECT_EQ(BOOTSTRAP_BAD_COUNT, bootstrap_check_in(self->bp, name, &sp));
	EXPECT_EQ(BOOTSTRAP_BAD_COUNT, bootstrap_look_up(self->bp, name, &sp));
	name[BOOTSTRAP_MAX_NAME_LEN - 1] = 0;	/* 127 characters fit */
	ASSERT_EQ(BOOTSTRAP_SUCCESS, bootstrap_check_in(self->bp, name, &sp));
	ASSERT_EQ(BOOTSTRAP_SUCCESS, bootstrap_look_up(self->bp, name, &sp));
}

TEST_F(bs, register_look_up_and_withdraw)
{
	mach_port_t p = new_port_send(), sp = MACH_PORT_NULL;
	name_t name = "org.machina.test.reg";

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(BOOTSTRAP_SUCCESS, bootstrap_register(self->bp, name, p));
	/* The server took its own copy. */
	EXPECT_EQ(1, urefs_of(p, MACH_PORT_RIGHT_SEND));
	ASSERT_EQ(BOOTSTRAP_SUCCESS, bootstrap_look_up(self->bp, name, &sp));
	EXPECT_EQ(p, sp);
	EXPECT_EQ(2, urefs_of(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(BOOTSTRAP_NAME_IN_USE, bootstrap_register(self->bp, name, p));
	EXPECT_EQ(BOOTSTRAP_SERVICE_ACTIVE,
		  bootstrap_check_in(self->bp, name, &sp));
	/* MACH_PORT_NULL withdraws the registration. */
	ASSERT_EQ(BOOTSTRAP_SUCCESS,
		  bootstrap_register(self->bp, name, MACH_PORT_NULL));
	EXPECT_EQ(BOOTSTRAP_UNKNOWN_SERVICE,
		  bootstrap_look_up(self->bp, name, &sp));
	EXPECT_EQ(BOOTSTRAP_UNKNOWN_SERVICE,
		  bootstrap_register(self->bp, name, MACH_PORT_NULL));
	EXPECT_EQ(2, urefs_of(p, MACH_PORT_RIGHT_SEND));
}

TEST_F(bs, register_on_a_checked_in_name_is_name_in_use)
{
	mach_port_t recv, p = new_port_send();

	ASSERT_EQ(BOOTSTRAP_SUCCESS,
		  bootstrap_check_in(self->bp, "org.machina.test.c", &recv));
	EXPECT_EQ(BOOTSTRAP_NAME_IN_USE,
		  bootstrap_register(self->bp, "org.machina.test.c", p));
	/* The refused right was dropped by the server, ours is intact. */
	EXPECT_EQ(1, urefs_of(p, MACH_PORT_RIGHT_SEND));
}

TEST_F(bs, only_the_registrant_withdraws)
{
	mach_port_t p = new_port_send(), sp;
	int fd;
	pid_t pid;

	ASSERT_EQ(BOOTSTRAP_SUCCESS,
		  bootstrap_register(self->bp, "org.machina.test.own", p));
	ASSERT_EQ(KERN_SUCCESS, port_share(self->bp, &fd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t bp = port_meet_child(fd);

		_exit(bootstrap_register(bp, "org.machina.test.own",
					 MACH_PORT_NULL) ==
			      BOOTSTRAP_NOT_PRIVILEGED ? 0 : 1);
	}
	close(fd);
	EXPECT_EQ(0, mt_wait_exit(pid));
	EXPECT_EQ(BOOTSTRAP_SUCCESS,
		  bootstrap_look_up(self->bp, "org.machina.test.own", &sp));
}

TEST_F(bs, service_goes_when_its_receive_right_dies)
{
	mach_port_t recv, sp;

	ASSERT_EQ(BOOTSTRAP_SUCCESS,
		  bootstrap_check_in(self->bp, "org.machina.test.d", &recv));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, recv, MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_EQ(BOOTSTRAP_UNKNOWN_SERVICE,
		  look_up_until_gone(self->bp, "org.machina.test.d"));
	/* The name is free again. */
	ASSERT_EQ(BOOTSTRAP_SUCCESS,
		  bootstrap_check_in(self->bp, "org.machina.test.d", &recv));
	ASSERT_EQ(BOOTSTRAP_SUCCESS,
		  bootstrap_look_up(self->bp, "org.machina.test.d", &sp));
	EXPECT_EQ(recv, sp);
}

TEST_F(bs, registered_port_goes_under_every_name_when_it_dies)
{
	mach_port_t p = new_port_send(), recv;

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(BOOTSTRAP_SUCCESS,
		  bootstrap_register(self->bp, "org.machina.test.r1", p));
	ASSERT_EQ(BOOTSTRAP_SUCCESS,
		  bootstrap_register(self->bp, "org.machina.test.r2", p));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_EQ(BOOTSTRAP_UNKNOWN_SERVICE,
		  look_up_until_gone(self->bp, "org.machina.test.r1"));
	EXPECT_EQ(BOOTSTRAP_UNKNOWN_SERVICE,
		  look_up_until_gone(self->bp, "org.machina.test.r2"));
	EXPECT_EQ(BOOTSTRAP_SUCCESS,
		  bootstrap_check_in(self->bp, "org.machina.test.r2", &recv));
}

TEST_F(bs, service_goes_when_its_process_dies)
{
	int fd, ready[2], go[2];
	mach_port_t sp;
	char c = 0;
	pid_t pid;

	ASSERT_EQ(KERN_SUCCESS, port_share(self->bp, &fd));
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t bp = port_meet_child(fd), recv;

		close(ready[0]);
		close(go[1]);
		c = bootstrap_check_in(bp, "org.machina.test.e", &recv) ==
		    BOOTSTRAP_SUCCESS;
		if (write(ready[1], &c, 1) != 1)
			_exit(2);
		/* Hold the service until the parent has seen it. */
		if (read(go[0], &c, 1) < 0)
			_exit(3);
		_exit(0);
	}
	close(fd);
	close(ready[1]);
	close(go[0]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(1, c);
	ASSERT_EQ(BOOTSTRAP_SUCCESS,
		  bootstrap_look_up(self->bp, "org.machina.test.e", &sp));
	close(go[1]);
	EXPECT_EQ(0, mt_wait_exit(pid));
	EXPECT_EQ(BOOTSTRAP_UNKNOWN_SERVICE,
		  look_up_until_gone(self->bp, "org.machina.test.e"));
	/* Our send right to the dead service is a dead name now. */
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(sp));
}

TEST_F(bs, clients_of_a_dead_server_fail_at_once)
{
	mach_port_t sp, recv = new_port_send();

	kill(self->server, SIGKILL);
	ASSERT_EQ(self->server, waitpid(self->server, NULL, 0));
	self->server = 0;
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  bootstrap_look_up(self->bp, "org.machina.test.a", &sp));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  bootstrap_check_in(self->bp, "org.machina.test.a", &sp));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  bootstrap_register(self->bp, "org.machina.test.a", recv));
	EXPECT_EQ(1, urefs_of(recv, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  bootstrap_look_up(MACH_PORT_NULL, "org.machina.test.a", &sp));
}

/*
 * A server that dies with the request queued destroys the client's reply
 * right: the kernel's send-once notification answers instead of the
 * server, so the client does not wait forever.
 */
TEST_F(bs, server_dying_with_a_request_does_not_hang_the_client)
{
	int fd, res[2];
	kern_return_t kr = KERN_FAILURE;
	pid_t pid;

	ASSERT_EQ(KERN_SUCCESS, port_share(self->bp, &fd));
	ASSERT_EQ(0, pipe(res));
	ASSERT_EQ(0, kill(self->server, SIGSTOP));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t bp = port_meet_child(fd), sp;

		die_with_parent();
		kr = bootstrap_look_up(bp, "org.machina.test.f", &sp);
		_exit(write(res[1], &kr, sizeof(kr)) == sizeof(kr) ? 0 : 2);
	}
	close(fd);
	close(res[1]);
	usleep(300000);	/* the request is queued on the stopped server */
	kill(self->server, SIGKILL);
	waitpid(self->server, NULL, 0);
	self->server = 0;
	ASSERT_EQ(sizeof(kr), read(res[0], &kr, sizeof(kr)));
	EXPECT_EQ(0, mt_wait_exit(pid));
	/* MACH_SEND_INVALID_DEST only if the child had not sent in 300 ms. */
	EXPECT_TRUE(kr == MIG_SERVER_DIED || kr == MACH_SEND_INVALID_DEST)
		TH_LOG("look_up returned %#x", kr);
}

TEST(strerror_texts)
{
	EXPECT_STREQ("Success", bootstrap_strerror(BOOTSTRAP_SUCCESS));
	EXPECT_STREQ("Permission denied",
		     bootstrap_strerror(BOOTSTRAP_NOT_PRIVILEGED));
	EXPECT_STREQ("Service name already exists",
		     bootstrap_strerror(BOOTSTRAP_NAME_IN_USE));
	EXPECT_STREQ("Service name already exists",
		     bootstrap_strerror(BOOTSTRAP_SERVICE_ACTIVE));
	EXPECT_STREQ("Unknown service name",
		     bootstrap_strerror(BOOTSTRAP_UNKNOWN_SERVICE));
	EXPECT_STREQ("Too many lookups were requested in one request",
		     bootstrap_strerror(BOOTSTRAP_BAD_COUNT));
	EXPECT_STREQ("Out of memory", bootstrap_strerror(BOOTSTRAP_NO_MEMORY));
	EXPECT_STREQ(mach_error_string(MACH_SEND_INVALID_DEST),
		     bootstrap_strerror(MACH_SEND_INVALID_DEST));
}

/* ---- bootstrap_port: needs task special ports in the module ------------ */

/* Run under machina-bootstrap: bootstrap_port works here and in a child. */
static int inherited_child(void)
{
	mach_port_t recv, sp;
	pid_t pid;
	int status;

	if (bootstrap_port == MACH_PORT_NULL)
		return 10;
	if (bootstrap_check_in(bootstrap_port, "org.machina.test.inherit",
			       &recv) != BOOTSTRAP_SUCCESS)
		return 11;
	pid = fork();
	if (pid == 0) {
		/* A new space: bootstrap_port was asked for again. */
		if (bootstrap_port == MACH_PORT_NULL)
			_exit(20);
		if (bootstrap_look_up(bootstrap_port, "org.machina.test.inherit",
				      &sp) != BOOTSTRAP_SUCCESS)
			_exit(21);
		_exit(send_simple_opt(sp, MACH_MSG_TYPE_COPY_SEND, 5, 0, 0) ?
			      22 : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 12;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return WIFEXITED(status) ? WEXITSTATUS(status) : 13;
	return msgcount_of(recv) == 1 ? 0 : 14;
}

/* Fork and exec path with argv; returns the pid or -1. */
static pid_t spawn(const char *path, char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		execv(path, argv);
		_exit(127);
	}
	return pid;
}

/*
 * Run under machina-bootstrap: the example daemon and client, side by side,
 * both started by this (Mach) process so that they inherit its bootstrap
 * port.  0 iff both succeeded.
 */
static int examples_child(const char *n)
{
	char *daemon_argv[] = { "counter-daemon", (char *)n, NULL };
	char *client_argv[] = { "counter-client", (char *)n, NULL };
	pid_t daemon, client;
	int client_status, daemon_status;

	daemon = spawn(sibling("counter-daemon"), daemon_argv);
	client = spawn(sibling("counter-client"), client_argv);
	if (daemon < 0 || client < 0)
		return 30;
	if (waitpid(client, &client_status, 0) != client)
		return 31;
	if (!WIFEXITED(client_status) || WEXITSTATUS(client_status)) {
		kill(daemon, SIGKILL);
		waitpid(daemon, NULL, 0);
		return 32;
	}
	if (waitpid(daemon, &daemon_status, 0) != daemon)
		return 33;
	return WIFEXITED(daemon_status) && !WEXITSTATUS(daemon_status) ? 0 : 34;
}

/*
 * Run this test program with args (a child mode) under machina-bootstrap,
 * directly, so that the bootstrap port goes from Mach process to Mach
 * process only.  Returns the exit status.
 */
static int run_under_bootstrap(const char *mode, const char *arg)
{
	char self_path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	pid_t pid;

	if (n <= 0)
		return -1;
	self_path[n] = 0;
	pid = fork();
	if (pid == 0) {
		die_with_parent();
		execl(sibling("machina-bootstrap"), "machina-bootstrap", "--",
		      self_path, mode, arg, (char *)NULL);
		_exit(127);
	}
	return mt_wait_exit(pid);
}

TEST(bootstrap_port_is_inherited_across_fork_and_exec)
{
	const char *why = special_ports_unavailable();

	IPC_REQUIRE();
	if (why)
		SKIP(return, "%s", why);
	EXPECT_EQ(0, run_under_bootstrap("--inherited-child", NULL));
}

TEST(machina_bootstrap_exits_with_the_status_of_its_program)
{
	const char *why = special_ports_unavailable();

	IPC_REQUIRE();
	if (why)
		SKIP(return, "%s", why);
	EXPECT_EQ(7, run_under_bootstrap("--exit", "7"));
	EXPECT_EQ(0, run_under_bootstrap("--exit", "0"));
}

TEST(example_counter_daemon_and_client)
{
	const char *why = special_ports_unavailable();

	IPC_REQUIRE();
	if (why)
		SKIP(return, "%s", why);
	if (access(sibling("counter-daemon"), X_OK) ||
	    access(sibling("counter-client"), X_OK))
		SKIP(return, "the examples were not built (no <mach/semaphore.h>)");
	EXPECT_EQ(0, run_under_bootstrap("--examples", "20"));
}

/* The harness's own main would set this; keep tests in file order. */
static void __attribute__((constructor)) order_tests_forward(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

int main(int argc, char **argv)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n > 0) {
		buf[n] = 0;
		snprintf(test_dir, sizeof(test_dir), "%s", dirname(buf));
	}
	if (argc > 1 && !strcmp(argv[1], "--inherited-child"))
		return inherited_child();
	if (argc > 2 && !strcmp(argv[1], "--exit"))
		return atoi(argv[2]);
	if (argc > 2 && !strcmp(argv[1], "--examples"))
		return examples_child(argv[2]);
	return test_harness_run(argc, argv);
}
