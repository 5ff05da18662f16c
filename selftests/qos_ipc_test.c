// SPDX-License-Identifier: GPL-2.0
/*
 * QoS through IPC (docs/plans/qos.md, "Slice 2"): a message carries its
 * sender's class and lifts the thread that receives it until that thread
 * replies through the message's send-once right, enters its next receive,
 * or the reply port dies; MACH_SEND_OVERRIDE raises a message's class;
 * overrides nest with the thread's own and along a chain of servers; a
 * sender lifts no higher than its own class; the limits of an unprivileged
 * user.  Every lift is read back from /proc/self/task/TID/stat (Linux
 * policy and nice): BACKGROUND is SCHED_IDLE, UTILITY SCHED_BATCH +7,
 * DEFAULT SCHED_OTHER 0, USER_INITIATED -4, USER_INTERACTIVE -10.
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
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mach/mach.h>
#include <machina/machina.h>
#include <pthread/qos.h>
#include <sys/qos.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

#define NOBODY 65534

#define REQUIRE() IPC_REQUIRE_TEST()

/* Linux policy and nice of each class (root: no RLIMIT_NICE floor). */
#define BG	SCHED_IDLE, 99		/* nice not compared for SCHED_IDLE */
#define UT	SCHED_BATCH, 7
#define DEF	SCHED_OTHER, 0
#define IN	SCHED_OTHER, -4
#define UI	SCHED_OTHER, -10

/* mach_msg_priority_encode(override, qos, relpri) of XNU's message.h. */
static mach_msg_priority_t msg_priority(unsigned int ovr, unsigned int qos)
{
	return ovr << 20 | (qos ? qos << 16 | 0xffu << 8 : 0);
}

/* A pthread_priority_t of @thread_qos, relative priority 0. */
static mach_msg_priority_t pthread_priority(unsigned int thread_qos)
{
	return (1u << (thread_qos - 1)) << 8 | 0xff;
}

static pid_t tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* Whether thread @t (of process @pid, 0: ours) has @policy and @nice. */
static int sched_is(pid_t pid, pid_t t, int policy, int nice)
{
	int p = mt_task_stat_field(pid, t, 41), n = mt_task_stat_field(pid, t, 19);

	return p == policy && (policy == SCHED_IDLE || n == nice);
}

/*
 * Wait until thread @t has @policy / @nice: a change made by another
 * thread or by the module's workqueue; at most 20 s (never reached when it
 * works: the bound only ends a failing test).
 */
static int wait_sched(pid_t pid, pid_t t, int policy, int nice)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	int i;

	for (i = 0; i < 10000; i++) {
		if (sched_is(pid, t, policy, nice))
			return 1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

static int set_class(qos_class_t c)
{
	return pthread_set_qos_class_self_np(c, 0);
}

/* ---- a scripted server thread ----------------------------------------- */

struct server {
	pthread_t th;
	pid_t tid;
	mach_port_t port;		/* receives here */
	int cmd[2], ack[2];
	qos_class_t cls;		/* its own class */
	mach_port_t reply;		/* the last message's reply right */
	mach_msg_return_t mr;		/* the last operation's result */
	mach_port_t fwd;		/* 'f' sends here */
	int kid_policy, kid_nice;	/* what 'k's child reported */
	int kid_class;			/* its qos_class_self() afterwards */
	int kid_effective;		/* its effective class (THREAD_QOS tier) */
	int kid_policy2, kid_nice2;	/* its Linux values after that call */
};

/*
 * Fork a child that reports its Linux policy and nice once fork() has
 * returned to the calling thread (the fork path is then done with it):
 * into @s->kid_policy / kid_nice; then, after its first Mach call, its
 * class (kid_class, kid_effective) and Linux values (kid_policy2,
 * kid_nice2).  0 or -1.
 */
static int fork_report(struct server *s)
{
	int go[2], out[2], n;
	char line[64], c;
	pid_t kid;

	if (pipe(go) || pipe(out))
		return -1;
	kid = fork();
	if (kid < 0)
		return -1;
	if (kid == 0) {
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		struct machina_thread_qos q = { .op = MACHINA_QOS_OP_GET };
		int policy = mt_task_stat_field(0, tid(), 41);
		int nice = mt_task_stat_field(0, tid(), 19);
		int cls = qos_class_self();

		int fd = mt_open();

		if (fd < 0 || mt_ioctl(fd, MACHINA_IOC_THREAD_QOS, &q))
			q.effective = 99;
		n = snprintf(line, sizeof(line), "%d %d %d %d %d %d\n", policy,
			     nice, cls, q.effective, mt_task_stat_field(0, tid(), 41),
			     mt_task_stat_field(0, tid(), 19));
		_exit(write(out[1], line, n) != n);
	}
	close(go[0]);
	close(out[1]);
	n = write(go[1], "g", 1) == 1 ? read(out[0], line, sizeof(line) - 1) : -1;
	close(go[1]);
	close(out[0]);
	if (mt_wait_exit(kid) || n <= 0)
		return -1;
	line[n] = 0;
	return sscanf(line, "%d %d %d %d %d %d", &s->kid_policy, &s->kid_nice,
		      &s->kid_class, &s->kid_effective, &s->kid_policy2,
		      &s->kid_nice2) == 6 ? 0 : -1;
}

static void *server_main(void *arg)
{
	struct server *s = arg;
	rcv_buf_t buf;
	char c;

	s->tid = tid();
	s->mr = s->cls ? set_class(s->cls) : 0;
	if (write(s->ack[1], "r", 1) != 1)
		return NULL;
	while (read(s->cmd[0], &c, 1) == 1) {
		switch (c) {
		case 'r':	/* receive one message */
			s->mr = recv_msg(s->port, &buf, sizeof(buf), 0, 0);
			s->reply = buf.header.msgh_remote_port;
			break;
		case 'y':	/* reply through its send-once right */
			s->mr = send_simple_opt(s->reply, MACH_MSG_TYPE_MOVE_SEND_ONCE,
						7, 0, 0);
			break;
		case 'k':	/* fork a child that reports its class */
			s->mr = fork_report(s);
			break;
		case 'f':	/* a one-way message to fwd */
			s->mr = send_simple_opt(s->fwd, MACH_MSG_TYPE_COPY_SEND, 8, 0, 0);
			break;
		case 'q':
			return NULL;
		}
		if (write(s->ack[1], &c, 1) != 1)
			return NULL;
	}
	return NULL;
}

static int server_start(struct server *s, qos_class_t cls)
{
	char c;

	memset(s, 0, sizeof(*s));
	s->cls = cls;
	s->port = new_port_send();
	if (!s->port || pipe(s->cmd) || pipe(s->ack) ||
	    pthread_create(&s->th, NULL, server_main, s))
		return -1;
	return read(s->ack[0], &c, 1) == 1 && s->mr == 0 ? 0 : -1;
}

/* Tell the server to do @c; with @wait, wait until it did. */
static int server_do(struct server *s, char c, int wait)
{
	char a;

	if (write(s->cmd[1], &c, 1) != 1)
		return -1;
	if (!wait)
		return 0;
	return read(s->ack[0], &a, 1) == 1 && a == c ? (int)s->mr : -1;
}

static int server_wait(struct server *s)
{
	char a;

	return read(s->ack[0], &a, 1) == 1 ? (int)s->mr : -1;
}

static void server_stop(struct server *s)
{
	server_do(s, 'q', 0);
	pthread_join(s->th, NULL);
	close(s->cmd[0]);
	close(s->cmd[1]);
	close(s->ack[0]);
	close(s->ack[1]);
	mach_port_mod_refs(SELF, s->port, MACH_PORT_RIGHT_RECEIVE, -1);
}

/* A request to @dest with a send-once reply right made from @reply. */
static mach_msg_return_t request(mach_port_t dest, mach_port_t reply,
				 mach_msg_option_t opt, mach_msg_priority_t pri)
{
	simple_msg_t m;

	memset(&m, 0, sizeof(m));
	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
					    reply ? MACH_MSG_TYPE_MAKE_SEND_ONCE : 0);
	m.header.msgh_size = sizeof(m);
	m.header.msgh_remote_port = dest;
	m.header.msgh_local_port = reply;
	m.header.msgh_id = 100;
	return mach_msg(&m.header, MACH_SEND_MSG | opt, sizeof(m), 0,
			MACH_PORT_NULL, 0, pri);
}

/* A request to server @s, which receives it: 0, or what failed. */
static int deliver(struct server *s, mach_port_t reply, mach_msg_option_t opt,
		   mach_msg_priority_t pri)
{
	mach_msg_return_t mr = request(s->port, reply, opt, pri);

	return mr ? (int)mr : server_do(s, 'r', 1);
}

/*
 * Requests to server @s naming @reply until one lifts it to @policy /
 * @nice: a dead thread's link on @reply goes from the task workqueue, a
 * moment after the thread is gone (bounded like wait_sched()).
 */
static int lifts_eventually(struct server *s, mach_port_t reply, int policy,
			    int nice)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	int i;

	for (i = 0; i < 2000; i++) {
		if (deliver(s, reply, 0, 0))
			return 0;
		if (sched_is(0, s->tid, policy, nice))
			return 1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* ---- tests ------------------------------------------------------------ */

/* The lift comes off when the server replies through the send-once right. */
TEST(reply_ends_the_override)
{
	struct server s;
	mach_port_t reply = new_port();
	rcv_buf_t buf;

	REQUIRE();
	ASSERT_EQ(0, server_start(&s, QOS_CLASS_BACKGROUND));
	ASSERT_TRUE(wait_sched(0, s.tid, BG));
	ASSERT_EQ(0, set_class(QOS_CLASS_USER_INTERACTIVE));
	ASSERT_EQ(0, deliver(&s, reply, 0, 0));
	EXPECT_TRUE(sched_is(0, s.tid, UI));
	ASSERT_EQ(0, server_do(&s, 'y', 1));
	EXPECT_TRUE(sched_is(0, s.tid, BG));
	EXPECT_EQ(MACH_MSG_SUCCESS, recv_timeout(reply, &buf, 0));
	EXPECT_EQ(7, buf.header.msgh_id);
	server_stop(&s);
	set_class(QOS_CLASS_DEFAULT);
}

/*
 * A reply carries the class of the request it answers, not the server's:
 * a BG client of a UI server stays BG.  A message the server sends
 * otherwise carries its own class.
 */
TEST(reply_carries_the_requests_class)
{
	struct server s;
	mach_port_t reply = new_port(), other = new_port_send();
	rcv_buf_t buf;

	REQUIRE();
	ASSERT_EQ(0, server_start(&s, QOS_CLASS_USER_INTERACTIVE));
	ASSERT_EQ(0, set_class(QOS_CLASS_BACKGROUND));
	ASSERT_EQ(0, deliver(&s, reply, 0, 0));
	EXPECT_TRUE(sched_is(0, s.tid, UI));
	ASSERT_EQ(0, server_do(&s, 'y', 1));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(reply, &buf, 0));
	EXPECT_TRUE(sched_is(0, tid(), BG));
	s.fwd = other;
	ASSERT_EQ(0, server_do(&s, 'f', 1));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(other, &buf, 0));
	EXPECT_TRUE(sched_is(0, tid(), UI));
	server_stop(&s);
}

/*
 * A one-way message lifts until the next receive; a reply through another
 * port does not end it; the next message lifts to its own class.
 */
TEST(next_receive_ends_the_override)
{
	struct server s;

	REQUIRE();
	ASSERT_EQ(0, server_start(&s, QOS_CLASS_BACKGROUND));
	ASSERT_EQ(0, set_class(QOS_CLASS_USER_INITIATED));
	ASSERT_EQ(0, deliver(&s, MACH_PORT_NULL, 0, 0));
	EXPECT_TRUE(sched_is(0, s.tid, IN));
	/* Blocked in its next receive: no longer lifted. */
	ASSERT_EQ(0, server_do(&s, 'r', 0));
	EXPECT_TRUE(wait_sched(0, s.tid, BG));
	ASSERT_EQ(0, set_class(QOS_CLASS_DEFAULT));
	ASSERT_EQ(MACH_MSG_SUCCESS, request(s.port, MACH_PORT_NULL, 0, 0));
	ASSERT_EQ(0, server_wait(&s));
	EXPECT_TRUE(sched_is(0, s.tid, DEF));
	server_stop(&s);
}

/* A message lifts no higher than its sender's class, and lowers nobody. */
TEST(no_lift_above_the_senders_class)
{
	struct server s, d;

	REQUIRE();
	ASSERT_EQ(0, server_start(&s, QOS_CLASS_BACKGROUND));
	ASSERT_EQ(0, server_start(&d, QOS_CLASS_DEFAULT));
	/* A sender without a class (a test's fresh process) carries none. */
	ASSERT_EQ(0, deliver(&s, MACH_PORT_NULL, 0, 0));
	EXPECT_TRUE(sched_is(0, s.tid, BG));
	ASSERT_EQ(0, set_class(QOS_CLASS_UTILITY));
	ASSERT_EQ(0, deliver(&s, MACH_PORT_NULL, 0, 0));
	EXPECT_TRUE(sched_is(0, s.tid, UT));
	ASSERT_EQ(0, deliver(&d, MACH_PORT_NULL, 0, 0));
	EXPECT_TRUE(sched_is(0, d.tid, DEF));
	server_stop(&s);
	server_stop(&d);
}

/*
 * MACH_SEND_OVERRIDE raises the message's class, in both of Darwin's
 * encodings, through mach_msg's notify argument; without the option the
 * argument is ignored; a class past USER_INTERACTIVE or a scheduler
 * priority names nothing.
 */
TEST(send_override_raises_the_class)
{
	static const struct {
		mach_msg_option_t opt;
		mach_msg_priority_t pri;
		int policy, nice;
	} cases[] = {
		{ MACH_SEND_OVERRIDE, 0, UT },			/* 0: the sender's */
		{ MACH_SEND_OVERRIDE, 0x00060000, UI },		/* qos UI */
		{ MACH_SEND_OVERRIDE, 0x00500000, IN },		/* override IN */
		{ MACH_SEND_OVERRIDE, 0x00040000 | 0x00600000, UI },
		{ 0, 0x00060000, UT },				/* no option */
		{ MACH_SEND_OVERRIDE, 0x00070000, UT },		/* past UI */
		{ MACH_SEND_OVERRIDE, 0x00f00000, UT },
		{ MACH_SEND_OVERRIDE, 0x200000ff | (1u << 13), UT }, /* sched pri */
	};
	struct server s;
	unsigned int i;

	REQUIRE();
	ASSERT_EQ(0, server_start(&s, QOS_CLASS_BACKGROUND));
	ASSERT_EQ(0, set_class(QOS_CLASS_UTILITY));
	ASSERT_EQ(0x00060000u, msg_priority(0, 6) & 0x000f0000u);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_EQ(MACH_MSG_SUCCESS,
			  request(s.port, MACH_PORT_NULL, cases[i].opt, cases[i].pri));
		ASSERT_EQ(0, server_do(&s, 'r', 1));
		EXPECT_TRUE(sched_is(0, s.tid, cases[i].policy, cases[i].nice))
			TH_LOG("case %u", i);
	}
	/* mach_msg_priority_encode() and a pthread_priority_t. */
	ASSERT_EQ(0, deliver(&s, MACH_PORT_NULL, MACH_SEND_OVERRIDE,
			     msg_priority(5, 4)));
	EXPECT_TRUE(sched_is(0, s.tid, IN));
	ASSERT_EQ(0, deliver(&s, MACH_PORT_NULL, MACH_SEND_OVERRIDE,
			     pthread_priority(6)));
	EXPECT_TRUE(sched_is(0, s.tid, UI));
	server_stop(&s);
	set_class(QOS_CLASS_DEFAULT);
}

/* The ioctl refuses a non-zero notify without MACH_SEND_OVERRIDE. */
TEST(ioctl_notify_only_with_send_override)
{
	mach_port_t port = new_port();
	simple_msg_t m;
	struct machina_msg a;
	int fd;

	REQUIRE();
	fd = mt_open();
	ASSERT_LE(0, fd);
	memset(&m, 0, sizeof(m));
	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
	m.header.msgh_size = sizeof(m);
	m.header.msgh_remote_port = port;
	memset(&a, 0, sizeof(a));
	a.msg = (uintptr_t)&m;
	a.option = MACH_SEND_MSG;
	a.send_size = sizeof(m);
	a.notify = 0x00060000;
	EXPECT_EQ(-EINVAL, mt_ioctl(fd, MACHINA_IOC_MSG, &a));
	a.option |= MACH_SEND_OVERRIDE;
	EXPECT_EQ(MACH_MSG_SUCCESS, mt_ioctl(fd, MACHINA_IOC_MSG, &a));
	EXPECT_EQ(1, msgcount_of(port));
	close(fd);
}

/*
 * Overrides nest: a pthread override and an IPC override on one thread,
 * and a lifted server's own message lifting the next server.
 */
TEST(overrides_nest)
{
	struct server a, b;
	mach_port_t reply = new_port();
	pthread_override_t o;
	rcv_buf_t buf;

	REQUIRE();
	ASSERT_EQ(0, server_start(&a, QOS_CLASS_BACKGROUND));
	ASSERT_EQ(0, server_start(&b, QOS_CLASS_BACKGROUND));
	a.fwd = b.port;
	ASSERT_EQ(0, set_class(QOS_CLASS_USER_INTERACTIVE));
	ASSERT_EQ(0, deliver(&a, reply, 0, 0));
	EXPECT_TRUE(sched_is(0, a.tid, UI));
	/* a, lifted, sends to b: b gets a's class. */
	ASSERT_EQ(0, server_do(&a, 'f', 1));
	ASSERT_EQ(0, server_do(&b, 'r', 1));
	EXPECT_TRUE(sched_is(0, b.tid, UI));
	/* a's reply ends a's lift, not b's. */
	ASSERT_EQ(0, server_do(&a, 'y', 1));
	EXPECT_TRUE(sched_is(0, a.tid, BG));
	EXPECT_TRUE(sched_is(0, b.tid, UI));
	EXPECT_EQ(MACH_MSG_SUCCESS, recv_timeout(reply, &buf, 0));
	/* The reply carried our request's class (UI): gone at our next receive. */
	EXPECT_EQ(MACH_RCV_TIMED_OUT, recv_timeout(reply, &buf, 0));

	/* On one thread: a pthread override of IN above a BG class. */
	o = pthread_override_qos_class_start_np(pthread_self(), QOS_CLASS_USER_INITIATED, 0);
	ASSERT_NE(NULL, o);
	ASSERT_EQ(0, set_class(QOS_CLASS_BACKGROUND));
	EXPECT_TRUE(sched_is(0, tid(), IN));
	ASSERT_EQ(0, server_do(&b, 'r', 0));	/* b's lift ends */
	EXPECT_TRUE(wait_sched(0, b.tid, BG));
	/* The main thread's class is BG with an IN override: it sends IN. */
	ASSERT_EQ(MACH_MSG_SUCCESS, request(b.port, MACH_PORT_NULL, 0, 0));
	ASSERT_EQ(0, server_wait(&b));
	EXPECT_TRUE(sched_is(0, b.tid, IN));
	EXPECT_EQ(0, pthread_override_qos_class_end_np(o));
	EXPECT_TRUE(sched_is(0, tid(), BG));
	server_stop(&a);
	server_stop(&b);
	set_class(QOS_CLASS_DEFAULT);
}

/*
 * One override per thread: a second message replaces the first (a reply
 * to the first then changes nothing), and a reply port lifts one thread.
 */
TEST(one_override_per_thread_and_reply_port)
{
	struct server s, t;
	mach_port_t r1 = new_port(), r2 = new_port();

	REQUIRE();
	ASSERT_EQ(0, server_start(&s, QOS_CLASS_BACKGROUND));
	ASSERT_EQ(0, server_start(&t, QOS_CLASS_BACKGROUND));
	ASSERT_EQ(0, set_class(QOS_CLASS_USER_INTERACTIVE));
	ASSERT_EQ(MACH_MSG_SUCCESS, request(s.port, r1, 0, 0));
	ASSERT_EQ(0, set_class(QOS_CLASS_DEFAULT));
	ASSERT_EQ(0, deliver(&s, r2, 0, 0));
	EXPECT_TRUE(sched_is(0, s.tid, UI));
	ASSERT_EQ(0, server_do(&s, 'r', 1));	/* the DEF one replaces it */
	EXPECT_TRUE(sched_is(0, s.tid, DEF));
	/* The same reply port in two requests: the second lifts nobody. */
	ASSERT_EQ(0, deliver(&t, r2, 0, 0));
	EXPECT_TRUE(sched_is(0, t.tid, BG));
	ASSERT_EQ(0, server_do(&s, 'y', 1));
	EXPECT_TRUE(sched_is(0, s.tid, BG));
	/* Once s let go of r2, r2 lifts again. */
	ASSERT_EQ(0, deliver(&t, r2, 0, 0));
	EXPECT_TRUE(sched_is(0, t.tid, DEF));
	server_stop(&s);
	server_stop(&t);
}

/*
 * The reply port dies (the client dropped its receive right): the lift
 * comes off although the server neither replies nor receives.
 */
TEST(reply_port_death_ends_the_override)
{
	struct server s;
	mach_port_t reply = new_port();

	REQUIRE();
	ASSERT_EQ(0, server_start(&s, QOS_CLASS_BACKGROUND));
	ASSERT_EQ(0, set_class(QOS_CLASS_USER_INTERACTIVE));
	ASSERT_EQ(0, deliver(&s, reply, 0, 0));
	EXPECT_TRUE(sched_is(0, s.tid, UI));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, reply, MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_TRUE(wait_sched(0, s.tid, BG));
	/* Its reply now goes to a dead port and changes nothing. */
	EXPECT_EQ(MACH_SEND_INVALID_DEST, server_do(&s, 'y', 1));
	EXPECT_TRUE(sched_is(0, s.tid, BG));
	server_stop(&s);
	set_class(QOS_CLASS_DEFAULT);
}

/* The lifted server thread exits: its record and link go. */
TEST(server_thread_exit_lets_go)
{
	struct server s, t;
	mach_port_t reply = new_port();

	REQUIRE();
	ASSERT_EQ(0, server_start(&s, QOS_CLASS_BACKGROUND));
	ASSERT_EQ(0, server_start(&t, QOS_CLASS_BACKGROUND));
	ASSERT_EQ(0, set_class(QOS_CLASS_USER_INTERACTIVE));
	ASSERT_EQ(0, deliver(&s, reply, 0, 0));
	EXPECT_TRUE(sched_is(0, s.tid, UI));
	server_stop(&s);
	/* The send-once right it held is still the task's; the link goes. */
	EXPECT_TRUE(lifts_eventually(&t, reply, UI));
	server_stop(&t);
	set_class(QOS_CLASS_DEFAULT);
}

/* ---- across processes ------------------------------------------------- */

/*
 * A UI client process sends a request and is killed while the server
 * (this process) holds the lift: the lift comes off.
 * With @nobody the client is an unprivileged user's process.
 */
static void client_killed(struct __test_metadata *_metadata, int nobody)
{
	struct server s;
	pid_t pid;

	ASSERT_EQ(0, server_start(&s, QOS_CLASS_BACKGROUND));
	pid = ipc_lifting_client(s.port, nobody);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, server_do(&s, 'r', 1));
	EXPECT_TRUE(sched_is(0, s.tid, UI));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	EXPECT_TRUE(wait_sched(0, s.tid, BG));
	server_stop(&s);
}

TEST(killed_client_lets_go)
{
	REQUIRE();
	client_killed(_metadata, 0);
}

/*
 * lifted_fork - a server of class @cls (0: none), lifted to UI by a client
 * (*@pid), forks a child that reports ('k'); lifted_end() lets it go.
 * Returns: 0 or -1.
 */
static int lifted_fork(struct server *s, qos_class_t cls, pid_t *pid)
{
	if (server_start(s, cls))
		return -1;
	*pid = ipc_lifting_client(s->port, 0);
	if (*pid <= 0 || server_do(s, 'r', 1) || !sched_is(0, s->tid, UI))
		return -1;
	return server_do(s, 'k', 1);
}

static void lifted_end(struct server *s, pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	server_stop(s);
}

/*
 * A UTILITY server lifted to USER_INTERACTIVE forks: the child runs at the
 * server's own class (SCHED_BATCH +7), not at the lift, which the server
 * itself keeps until it replies; the child's main thread has the server's
 * own class (reported, effective, and its Linux values once it took it).
 */
TEST(forked_child_runs_at_its_own_class)
{
	struct server s;
	pid_t pid;

	REQUIRE();
	ASSERT_EQ(0, lifted_fork(&s, QOS_CLASS_UTILITY, &pid));
	EXPECT_EQ(SCHED_BATCH, s.kid_policy);
	EXPECT_EQ(7, s.kid_nice);
	EXPECT_EQ(QOS_CLASS_UTILITY, s.kid_class);
	EXPECT_EQ(THREAD_QOS_UTILITY, s.kid_effective);
	EXPECT_EQ(SCHED_BATCH, s.kid_policy2);
	EXPECT_EQ(7, s.kid_nice2);
	EXPECT_TRUE(sched_is(0, s.tid, UI));
	EXPECT_EQ(0, server_do(&s, 'y', 1));
	EXPECT_TRUE(sched_is(0, s.tid, UT));
	lifted_end(&s, pid);
}

/* A lifted server with no class of its own forks a child with none. */
TEST(forked_child_of_a_server_without_a_class_has_none)
{
	struct server s;
	pid_t pid;

	REQUIRE();
	ASSERT_EQ(0, lifted_fork(&s, 0, &pid));
	EXPECT_EQ(SCHED_OTHER, s.kid_policy);
	EXPECT_EQ(0, s.kid_nice);
	EXPECT_EQ(QOS_CLASS_UNSPECIFIED, s.kid_class);
	EXPECT_EQ(THREAD_QOS_UNSPECIFIED, s.kid_effective);
	EXPECT_EQ(SCHED_OTHER, s.kid_policy2);
	EXPECT_EQ(0, s.kid_nice2);
	EXPECT_EQ(0, server_do(&s, 'y', 1));
	lifted_end(&s, pid);
}

/*
 * The server process is killed while lifted: the client's reply port gets
 * its send-once notification, and lifts the next server.
 */
TEST(killed_server_lets_go)
{
	struct server t;
	mach_port_t reply = new_port();
	int fd, go[2];
	rcv_buf_t buf;
	pid_t pid;
	char c;

	REQUIRE();
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(KERN_SUCCESS, port_share(reply, &fd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t back = port_meet_child(fd), port = new_port();
		rcv_buf_t rb;

		if (!back || !port || set_class(QOS_CLASS_BACKGROUND) ||
		    send_port(back, MACH_MSG_TYPE_COPY_SEND, 1, port,
			      MACH_MSG_TYPE_MAKE_SEND) != MACH_MSG_SUCCESS)
			_exit(1);
		if (recv_msg(port, &rb, sizeof(rb), 0, 0) != MACH_MSG_SUCCESS)
			_exit(1);
		c = sched_is(0, tid(), UI) ? 'u' : 'x';
		if (write(go[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(fd);
	/* The child's port arrives on our reply port. */
	{
		port_msg_t *pm = (port_msg_t *)&buf;
		mach_port_t dest;

		ASSERT_EQ(MACH_MSG_SUCCESS, recv_msg(reply, &buf, sizeof(buf), 0, 0));
		dest = pm->port.name;
		ASSERT_EQ(0, set_class(QOS_CLASS_USER_INTERACTIVE));
		ASSERT_EQ(MACH_MSG_SUCCESS, request(dest, reply, 0, 0));
	}
	ASSERT_EQ(1, read(go[0], &c, 1));
	EXPECT_EQ('u', c);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* The server's send-once right died with it: the notification. */
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_msg(reply, &buf, sizeof(buf),
					     MACH_RCV_TIMEOUT, 10000));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, buf.header.msgh_id);
	ASSERT_EQ(0, server_start(&t, QOS_CLASS_BACKGROUND));
	EXPECT_TRUE(lifts_eventually(&t, reply, UI));
	server_stop(&t);
	close(go[0]);
	close(go[1]);
	set_class(QOS_CLASS_DEFAULT);
}

/* ---- unprivileged ------------------------------------------------------ */

/* nobody's killed client lets go of root's server too. */
TEST(nobody_killed_client_lets_go)
{
	REQUIRE();
	client_killed(_metadata, 1);
}

/*
 * As nobody with RLIMIT_NICE 0: a lift is applied with the receiver's own
 * rights (UI gives nice 0, not -10; BG leaves SCHED_IDLE), a class past UI
 * or a scheduler priority lifts nothing, no message makes a thread real
 * time, and 200 requests with 200 reply ports leave one override that one
 * reply ends.
 */
static int nobody_limits_child(void)
{
	struct server s;
	mach_port_t replies[200];
	unsigned int i;

	if (server_start(&s, QOS_CLASS_BACKGROUND) || !sched_is(0, s.tid, BG))
		return 10;
	if (set_class(QOS_CLASS_USER_INTERACTIVE))
		return 11;
	if (deliver(&s, MACH_PORT_NULL, 0, 0) || !sched_is(0, s.tid, SCHED_OTHER, 0))
		return 12;
	if (set_class(QOS_CLASS_BACKGROUND))
		return 13;
	if (deliver(&s, MACH_PORT_NULL, MACH_SEND_OVERRIDE, 0x00f70000) ||
	    !sched_is(0, s.tid, BG))
		return 14;
	if (deliver(&s, MACH_PORT_NULL, MACH_SEND_OVERRIDE, 0x200000ff | (1u << 13)) ||
	    !sched_is(0, s.tid, BG))
		return 15;
	if (set_class(QOS_CLASS_USER_INTERACTIVE))
		return 16;
	for (i = 0; i < 200; i++) {
		replies[i] = new_port();
		if (!replies[i] || deliver(&s, replies[i], MACH_SEND_TIMEOUT, 0))
			return 17;
	}
	if (!sched_is(0, s.tid, SCHED_OTHER, 0))
		return 19;
	if (server_do(&s, 'y', 1) || !sched_is(0, s.tid, BG))
		return 20;
	for (i = 0; i < 200; i++)
		mach_port_mod_refs(SELF, replies[i], MACH_PORT_RIGHT_RECEIVE, -1);
	server_stop(&s);
	return 0;
}

TEST(nobody_limits)
{
	struct rlimit rl = { 0, 0 };
	int status;
	pid_t pid;

	REQUIRE();
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setrlimit(RLIMIT_NICE, &rl) || setrlimit(RLIMIT_RTPRIO, &rl) ||
		    setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(99);
		prctl(PR_SET_DUMPABLE, 1);
		_exit(nobody_limits_child());
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
