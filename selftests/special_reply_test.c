// SPDX-License-Identifier: GPL-2.0
/*
 * thread_get_special_reply_port (mach/special_reply.c), each test run
 * twice: through libmach's ioctl (variant "ioctl") and through the raw
 * Darwin trap 50 ("trap": syscall / svc #0x80, no libmach).  What it gives
 * (one name: receive and one send right), a second call (the previous port
 * stays, unbound), its use as a request's reply port (MAKE_SEND_ONCE), the
 * receive right that never moves and the requests XNU refuses for it, many
 * calls (nothing leaks, the task's name limit bounds them), thread exit,
 * fork, and an unprivileged user.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <pthread.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ipc_test.h"
#include "darwin_trap.h"

#include <mach/mach_traps.h>

FIXTURE(srp) {
	mach_port_t server;
};

FIXTURE_VARIANT(srp) {
	bool trap;
};

FIXTURE_VARIANT_ADD(srp, ioctl) {
	.trap = false,
};

FIXTURE_VARIANT_ADD(srp, trap) {
	.trap = true,
};

FIXTURE_SETUP(srp)
{
	IPC_REQUIRE();
	if (variant->trap) {
		const char *why = mt_traps_unavailable();

		if (why)
			SKIP(longjmp(_metadata->env, 1), "%s", why);
		ASSERT_LE(0, mt_traps_enable());
	}
	self->server = new_port();
	ASSERT_NE(MACH_PORT_NULL, self->server);
}

FIXTURE_TEARDOWN(srp)
{
}

/* A special reply port by the variant's path; MACH_PORT_NULL on failure. */
static mach_port_name_t srp_get(bool trap)
{
	if (trap)
		return (mach_port_name_t)T0(MACHINA_TRAP_THREAD_GET_SPECIAL_REPLY_PORT);
	return thread_get_special_reply_port();
}

/* The receive right and the send right of @name go. */
static kern_return_t srp_destroy(mach_port_name_t name)
{
	return mach_port_destruct(SELF, name, -1, 0);
}

TEST_F(srp, one_name_receive_and_send)
{
	mach_port_name_t n = srp_get(variant->trap);
	mach_port_status_t st;

	ASSERT_NE(MACH_PORT_NULL, n);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(n));
	EXPECT_EQ(1, urefs_of(n, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(1, urefs_of(n, MACH_PORT_RIGHT_RECEIVE));
	ASSERT_EQ(KERN_SUCCESS, status_of(n, &st));
	EXPECT_EQ(1, st.mps_srights);
	EXPECT_EQ(1, st.mps_mscount);
	EXPECT_EQ(0, st.mps_msgcount);
	/* Its send right works as any: a message to itself. */
	EXPECT_EQ(MACH_MSG_SUCCESS, send_simple_opt(n, MACH_MSG_TYPE_COPY_SEND, 7, 0, 0));
	EXPECT_EQ(1, drain(n));
	EXPECT_EQ(KERN_SUCCESS, srp_destroy(n));
	EXPECT_EQ(0, type_of(n));
}

/* A second call: a new port; the first keeps its name and rights. */
TEST_F(srp, second_call_leaves_the_previous_port)
{
	mach_port_name_t a = srp_get(variant->trap), b = srp_get(variant->trap);

	ASSERT_NE(MACH_PORT_NULL, a);
	ASSERT_NE(MACH_PORT_NULL, b);
	EXPECT_NE(a, b);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(a));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(b));
	/* Unbound, still a special reply port: its receive right stays. */
	EXPECT_EQ(MACH_SEND_INVALID_RIGHT,
		  send_port(self->server, MACH_MSG_TYPE_MAKE_SEND, 1, a,
			    MACH_MSG_TYPE_MOVE_RECEIVE));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(a));
	EXPECT_EQ(KERN_SUCCESS, srp_destroy(a));
	EXPECT_EQ(KERN_SUCCESS, srp_destroy(b));
}

struct server_args {
	mach_port_t port;
	int replies;
};

/* Answers each request through its send-once reply right, id + 100. */
static void *serve(void *p)
{
	struct server_args *s = p;
	rcv_buf_t buf;
	simple_msg_t reply;

	while (recv_msg(s->port, &buf, sizeof(buf), MACH_RCV_TIMEOUT, 5000) ==
	       MACH_MSG_SUCCESS) {
		if (buf.header.msgh_id == 0)
			break;
		memset(&reply, 0, sizeof(reply));
		reply.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
		reply.header.msgh_size = sizeof(reply);
		/* The request's reply right, received as its remote port. */
		reply.header.msgh_remote_port = buf.header.msgh_remote_port;
		reply.header.msgh_id = buf.header.msgh_id + 100;
		if (mach_msg(&reply.header, MACH_SEND_MSG, sizeof(reply), 0,
			     MACH_PORT_NULL, 0, MACH_PORT_NULL) == MACH_MSG_SUCCESS)
			s->replies++;
	}
	return NULL;
}

/* The request/reply of libdispatch: MAKE_SEND_ONCE of it as the reply port. */
TEST_F(srp, reply_port_of_a_request)
{
	struct server_args s = { .port = self->server };
	mach_port_name_t n = srp_get(variant->trap);
	pthread_t t;
	rcv_buf_t buf;
	int i;

	ASSERT_NE(MACH_PORT_NULL, n);
	ASSERT_EQ(0, pthread_create(&t, NULL, serve, &s));
	for (i = 1; i <= 3; i++) {
		mach_msg_header_t *h = &buf.header;

		memset(&buf, 0, sizeof(buf));
		h->msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND,
					      MACH_MSG_TYPE_MAKE_SEND_ONCE);
		h->msgh_size = sizeof(mach_msg_header_t);
		h->msgh_remote_port = self->server;
		h->msgh_local_port = n;
		h->msgh_id = i;
		ASSERT_EQ(MACH_MSG_SUCCESS,
			  mach_msg(h, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT,
				   sizeof(*h), sizeof(buf), n, 5000, MACH_PORT_NULL));
		EXPECT_EQ(i + 100, h->msgh_id);
		/* It came through the send-once right the request made. */
		EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_MSGH_BITS_LOCAL(h->msgh_bits));
		EXPECT_EQ(n, h->msgh_local_port);
	}
	EXPECT_EQ(MACH_MSG_SUCCESS, send_simple(self->server, 0));
	pthread_join(t, NULL);
	EXPECT_EQ(3, s.replies);
	/* The send-once rights were used up: only the name's own rights. */
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(n));
	EXPECT_EQ(KERN_SUCCESS, srp_destroy(n));
}

/* Its receive right never moves; its send rights travel as any. */
TEST_F(srp, receive_right_never_moves)
{
	mach_port_name_t n = srp_get(variant->trap), plain = new_port(), got = 0;
	mach_msg_type_name_t type = 0;
	mach_port_t ool[1];
	struct msg_builder b;

	ASSERT_NE(MACH_PORT_NULL, n);
	/* Control: an ordinary receive right moves. */
	EXPECT_EQ(MACH_MSG_SUCCESS, send_port(self->server, MACH_MSG_TYPE_MAKE_SEND, 1,
					      plain, MACH_MSG_TYPE_MOVE_RECEIVE));
	EXPECT_EQ(1, drain(self->server));

	EXPECT_EQ(MACH_SEND_INVALID_RIGHT, send_port(self->server, MACH_MSG_TYPE_MAKE_SEND,
						     2, n, MACH_MSG_TYPE_MOVE_RECEIVE));
	ool[0] = n;
	mb_init(&b, self->server, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_NULL, 0, 3);
	mb_ool_ports(&b, ool, 1, MACH_MSG_TYPE_MOVE_RECEIVE, FALSE);
	EXPECT_EQ(MACH_SEND_INVALID_RIGHT, mb_send(&b, 0, 0));
	EXPECT_EQ(KERN_INVALID_CAPABILITY,
		  mach_port_extract_right(SELF, n, MACH_MSG_TYPE_MOVE_RECEIVE, &got, &type));
	/* Nothing was queued, nothing lost. */
	EXPECT_EQ(0, msgcount_of(self->server));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(n));
	EXPECT_EQ(1, urefs_of(n, MACH_PORT_RIGHT_SEND));

	/* Send and send-once rights of it travel. */
	EXPECT_EQ(MACH_MSG_SUCCESS, send_port(self->server, MACH_MSG_TYPE_MAKE_SEND, 4,
					      n, MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_EQ(MACH_MSG_SUCCESS, send_port(self->server, MACH_MSG_TYPE_MAKE_SEND, 5,
					      n, MACH_MSG_TYPE_COPY_SEND));
	EXPECT_EQ(MACH_MSG_SUCCESS, send_port(self->server, MACH_MSG_TYPE_MAKE_SEND, 6,
					      n, MACH_MSG_TYPE_MAKE_SEND_ONCE));
	EXPECT_EQ(3, drain(self->server));
	EXPECT_EQ(1, urefs_of(n, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(KERN_SUCCESS, srp_destroy(n));
}

/* Requests XNU refuses on a special reply port, and what it still takes. */
TEST_F(srp, refused_requests)
{
	mach_port_name_t n = srp_get(variant->trap), notify = new_port();
	mach_port_t previous = 1;
	mach_port_status_t st;
	mach_port_limits_t lim = { .mpl_qlimit = 3 };
	natural_t one = 1;

	ASSERT_NE(MACH_PORT_NULL, n);
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_request_notification(SELF, n, MACH_NOTIFY_PORT_DESTROYED, 0,
						 notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
						 &previous));
	/*
	 * The send-once right made for the refused request is destroyed, as
	 * XNU's MIG server destroys a failed request's rights: a send-once
	 * notification, and then no right is left.
	 */
	EXPECT_EQ(1, drain(notify));
	ASSERT_EQ(KERN_SUCCESS, status_of(notify, &st));
	EXPECT_EQ(0, st.mps_sorights);
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_port_set_attributes(SELF, n, MACH_PORT_TEMPOWNER, NULL, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_port_set_attributes(SELF, n, MACH_PORT_IMPORTANCE_RECEIVER, NULL, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_port_set_attributes(SELF, n, MACH_PORT_DENAP_RECEIVER,
					   (mach_port_info_t)&one, 1));
	ASSERT_EQ(KERN_SUCCESS, status_of(n, &st));
	EXPECT_EQ(0, st.mps_flags & (MACH_PORT_STATUS_FLAG_TEMPOWNER |
				      MACH_PORT_STATUS_FLAG_IMP_DONATION));
	/* Taken: a queue limit, no-senders and dead-name requests. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_set_attributes(SELF, n, MACH_PORT_LIMITS_INFO,
							 (mach_port_info_t)&lim,
							 MACH_PORT_LIMITS_INFO_COUNT));
	EXPECT_EQ(3, qlimit_of(n));
	previous = 1;
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_request_notification(SELF, n, MACH_NOTIFY_NO_SENDERS, 5,
						 notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
						 &previous));
	EXPECT_EQ(MACH_PORT_NULL, previous);
	EXPECT_EQ(KERN_SUCCESS, srp_destroy(n));
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(SELF, notify, MACH_PORT_RIGHT_RECEIVE, -1));
}

struct thread_job {
	bool trap;
	int count;
	mach_port_name_t last;
};

/* Asks @count times, destroying all but the last port. */
static void *ask_many(void *p)
{
	struct thread_job *j = p;
	int i;

	for (i = 0; i < j->count; i++) {
		mach_port_name_t n = srp_get(j->trap);

		if (n == MACH_PORT_NULL)
			return NULL;
		if (j->last)
			srp_destroy(j->last);
		j->last = n;
	}
	return NULL;
}

/*
 * A thread that exits lets go of its port, which stays in the task with
 * its rights and still works; destroyed, it is gone: nothing leaks.
 */
TEST_F(srp, thread_exit_leaves_the_port)
{
	struct thread_job j = { .trap = variant->trap, .count = 200 };
	struct live_counts base, now;
	rcv_buf_t buf;
	pthread_t t;

	live_counts_baseline(&base);
	ASSERT_EQ(0, pthread_create(&t, NULL, ask_many, &j));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_NE(MACH_PORT_NULL, j.last);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(j.last));
	EXPECT_EQ(MACH_MSG_SUCCESS, send_simple_opt(j.last, MACH_MSG_TYPE_COPY_SEND, 9, 0, 0));
	EXPECT_EQ(MACH_MSG_SUCCESS, recv_timeout(j.last, &buf, 1000));
	EXPECT_EQ(9, buf.header.msgh_id);
	EXPECT_EQ(MACH_SEND_INVALID_RIGHT,
		  send_port(self->server, MACH_MSG_TYPE_MAKE_SEND, 2, j.last,
			    MACH_MSG_TYPE_MOVE_RECEIVE));
	EXPECT_EQ(KERN_SUCCESS, srp_destroy(j.last));
	if (base.ports >= 0) {
		EXPECT_EQ(1, live_counts_settle(&base, &now))
			TH_LOG("ports %ld -> %ld, threads %ld -> %ld", base.ports,
			       now.ports, base.threads, now.threads);
	}
}

/*
 * A forked child has its own space: the parent's port is not there, and
 * it gets its own.  The parent's stays as it was.
 */
TEST_F(srp, fork)
{
	mach_port_name_t n = srp_get(variant->trap);
	pid_t pid;
	int st;

	ASSERT_NE(MACH_PORT_NULL, n);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_name_t c;

		if (type_of(n) == MACH_PORT_TYPE_SEND_RECEIVE)
			_exit(1);
		c = srp_get(variant->trap);
		if (c == MACH_PORT_NULL)
			_exit(2);
		if (type_of(c) != MACH_PORT_TYPE_SEND_RECEIVE)
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(n));
	EXPECT_EQ(KERN_SUCCESS, srp_destroy(n));
}

/*
 * Many calls (unprivileged when the test runs as root): the ports kept
 * count against the task's name limit (max_names, lowered here), the call
 * then fails with MACH_PORT_NULL, one port destroyed makes room again,
 * and nothing is left once the process is gone.
 */
TEST_F(srp, many_calls_bounded_by_the_name_limit)
{
	struct live_counts base, now;
	long old = -1;
	pid_t pid;
	int st;

	live_counts_baseline(&base);
	if (getuid() == 0)
		old = module_param_set("max_names", 300);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_name_t n = MACH_PORT_NULL, prev = MACH_PORT_NULL;
		int i;

		die_with_parent();
		if (getuid() == 0 &&
		    (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		     setresuid(65534, 65534, 65534)))
			_exit(10);
		if (variant->trap && mt_traps_enable() < 0)
			_exit(11);
		for (i = 0; i < 5000; i++) {
			n = srp_get(variant->trap);
			if (n == MACH_PORT_NULL)
				break;
			prev = n;
		}
		if (old < 0)
			_exit(i == 5000 ? 0 : 12);	/* no limit to reach */
		if (i == 5000 || i < 100)
			_exit(13);
		/* Full: the call fails and makes nothing; one name freed, it works. */
		if (srp_get(variant->trap) != MACH_PORT_NULL)
			_exit(14);
		if (srp_destroy(prev) != KERN_SUCCESS)
			_exit(15);
		n = srp_get(variant->trap);
		if (n == MACH_PORT_NULL || type_of(n) != MACH_PORT_TYPE_SEND_RECEIVE)
			_exit(16);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	if (old >= 0)
		module_param_set("max_names", old);
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	if (base.ports >= 0)
		EXPECT_EQ(1, live_counts_settle(&base, &now))
			TH_LOG("ports %ld -> %ld", base.ports, now.ports);
}

TEST_HARNESS_MAIN
