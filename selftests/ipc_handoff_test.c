// SPDX-License-Identifier: GPL-2.0
/*
 * The hand-off of a message to a receiver already waiting (ipc_mqueue.c,
 * "hand-off"): a sender that finds the queue empty and a receiver asleep on
 * the port gives it the message directly.  These tests aim at the races of
 * that path: ordering and sequence numbers against queued messages, a
 * receiver interrupted by a signal while a sender hands off, many senders
 * and a receiver on a port set, a receiver whose buffer is too small, and
 * the port destroyed while messages are handed over, guarded descriptors
 * sized both ways, pollers and an EPOLLEXCLUSIVE epoll on the same wait
 * queue (the last two from the session-10 review).  Nothing may be lost:
 * every message is received exactly once, or destroyed (its send-once
 * right then says so).  Every test runs as nobody when started as root.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ipc_test.h"
#include <machina/machina.h>

/* Drop to nobody (the tests are for what an unprivileged user can do). */
#define AS_NOBODY()                                                  \
	do {                                                         \
		IPC_REQUIRE();                                       \
		if (geteuid() == 0)                                  \
			ASSERT_EQ(0, mt_become_nobody());            \
	} while (0)

/* Wait until thread @tid sleeps: ipc_wait_sleeping(). */
static int wait_sleeping(pid_t tid)
{
	return ipc_wait_sleeping(&tid);
}

/* A message with a payload of @len bytes (a multiple of 4, <= 1024). */
typedef struct {
	mach_msg_header_t header;
	uint32_t data[256];
} big_msg_t;

static mach_msg_return_t send_sized_opt(mach_port_t dest, mach_msg_id_t id,
					size_t len, mach_port_t reply,
					mach_msg_option_t opt,
					mach_msg_timeout_t timeout)
{
	big_msg_t m;

	memset(&m, 0, sizeof(m));
	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
					    reply ? MACH_MSG_TYPE_MAKE_SEND_ONCE : 0);
	m.header.msgh_size = sizeof(m.header) + len;
	m.header.msgh_remote_port = dest;
	m.header.msgh_local_port = reply;
	m.header.msgh_id = id;
	m.data[0] = id;
	return mach_msg(&m.header, MACH_SEND_MSG | opt, m.header.msgh_size, 0,
			MACH_PORT_NULL, timeout, MACH_PORT_NULL);
}

static mach_msg_return_t send_sized(mach_port_t dest, mach_msg_id_t id,
				    size_t len, mach_port_t reply)
{
	return send_sized_opt(dest, id, len, reply, 0, 0);
}

#define SEQNO_OPT MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_SEQNO)

static uint32_t seqno_of(rcv_buf_t *b)
{
	return ((mach_msg_seqno_trailer_t *)trailer_of(&b->header))->msgh_seqno;
}

/* ---- ordering with queued messages -------------------------------------- */

struct order_ctx {
	mach_port_t port;
	int rounds;
	atomic_int ready;	/* round the receiver is about to receive */
	atomic_int tid;
	int bad;		/* first failure: round * 10 + what */
};

/*
 * The receiver takes two messages per round: the first is handed to it
 * asleep, the second (sent right after) was queued behind nothing, so each
 * round checks one hand-off and one dequeue, with the port's seqno counting
 * on across both.
 */
static void *order_receiver(void *arg)
{
	struct order_ctx *c = arg;
	rcv_buf_t b;
	int r, k;

	atomic_store(&c->tid, ipc_gettid());
	for (r = 0; r < c->rounds && !c->bad; r++) {
		atomic_store(&c->ready, r + 1);
		for (k = 0; k < 2; k++) {
			if (recv_msg(c->port, &b, sizeof(b), SEQNO_OPT, 0) !=
			    MACH_MSG_SUCCESS)
				c->bad = r * 10 + 1;
			else if (b.header.msgh_id != 2 * r + k)
				c->bad = r * 10 + 2;
			else if (seqno_of(&b) != (uint32_t)(2 * r + k))
				c->bad = r * 10 + 3;
			if (c->bad)
				break;
		}
	}
	return NULL;
}

TEST(handed_and_queued_messages_keep_order_and_seqno)
{
	struct order_ctx c = { .rounds = 200 };
	pthread_t t;
	int r;

	AS_NOBODY();
	c.port = new_port_send();
	ASSERT_NE(MACH_PORT_NULL, c.port);
	ASSERT_EQ(0, pthread_create(&t, NULL, order_receiver, &c));
	for (r = 0; r < c.rounds && !c.bad; r++) {
		while (atomic_load(&c.ready) != r + 1 && !c.bad)
			sched_yield();
		ASSERT_EQ(0, wait_sleeping(atomic_load(&c.tid)));
		ASSERT_EQ(MACH_MSG_SUCCESS,
			  try_send(c.port, MACH_MSG_TYPE_COPY_SEND, 2 * r));
		ASSERT_EQ(MACH_MSG_SUCCESS,
			  try_send(c.port, MACH_MSG_TYPE_COPY_SEND, 2 * r + 1));
	}
	pthread_join(t, NULL);
	EXPECT_EQ(0, c.bad);
	EXPECT_EQ(0, msgcount_of(c.port));
}

/* ---- a signal racing the hand-off --------------------------------------- */

struct sig_ctx {
	mach_port_t port;
	int count;
	atomic_int tid;
	atomic_int done;
	pthread_t receiver;
	int next;		/* the id the receiver expects */
	int interrupted;
	int bad;
};

static void on_usr1(int sig)
{
}

static void *sig_receiver(void *arg)
{
	struct sig_ctx *c = arg;
	mach_msg_return_t mr;
	rcv_buf_t b;

	atomic_store(&c->tid, ipc_gettid());
	while (c->next < c->count) {
		mr = recv_msg(c->port, &b, sizeof(b),
			      MACH_RCV_INTERRUPT | SEQNO_OPT, 0);
		if (mr == MACH_RCV_INTERRUPTED) {
			c->interrupted++;
			continue;
		}
		if (mr != MACH_MSG_SUCCESS || b.header.msgh_id != c->next ||
		    seqno_of(&b) != (uint32_t)c->next) {
			c->bad = mr ? mr : -1 - c->next;
			break;
		}
		c->next++;
	}
	atomic_store(&c->done, 1);
	return NULL;
}

static void *sig_sender(void *arg)
{
	struct sig_ctx *c = arg;
	int i;

	/* Bounded waits for room, so a failed receiver cannot strand us. */
	for (i = 0; i < c->count && !atomic_load(&c->done);) {
		mach_msg_return_t mr = send_simple_opt(c->port,
						       MACH_MSG_TYPE_COPY_SEND, i,
						       MACH_SEND_TIMEOUT, 100);

		if (mr == MACH_MSG_SUCCESS) {
			/* The signal chases the hand-off's wake-up. */
			pthread_kill(c->receiver, SIGUSR1);
			i++;
		} else if (mr != MACH_SEND_TIMED_OUT) {
			break;
		}
	}
	return NULL;
}

/*
 * mt_rounds() of 3000 messages, each chased by a signal: 750 on each stock
 * kernel, 300 on the debug kernels (3000 took 37 s on debug-rt-arm64, 519
 * of its receives interrupted: about 50 races won by the signal in 300).
 */
TEST(a_signal_racing_the_handoff_loses_no_message)
{
	struct sig_ctx c = { .count = mt_rounds(3000, 300) };
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	pthread_t rt, st;

	AS_NOBODY();
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	c.port = new_port_send();
	ASSERT_NE(MACH_PORT_NULL, c.port);
	ASSERT_EQ(0, pthread_create(&rt, NULL, sig_receiver, &c));
	while (!atomic_load(&c.tid))
		sched_yield();
	c.receiver = rt;
	ASSERT_EQ(0, pthread_create(&st, NULL, sig_sender, &c));
	/* And more signals, at any moment, for as long as it receives. */
	while (!atomic_load(&c.done)) {
		pthread_kill(rt, SIGUSR1);
		sched_yield();
	}
	pthread_join(rt, NULL);
	pthread_join(st, NULL);
	TH_LOG("%d receives interrupted", c.interrupted);
	EXPECT_EQ(0, c.bad);
	EXPECT_EQ(c.count, c.next);
	EXPECT_EQ(0, msgcount_of(c.port));
}

/* ---- many senders, one receiver on a port set ---------------------------- */

#define SET_PORTS 4
/*
 * Messages per port: mt_rounds() of 1600 (400 on each stock kernel, 160
 * on debug-x86_64, 100 on debug-rt-arm64: 400 messages from four senders
 * still interleave among the receivers on every kernel).
 */
#define SET_MSGS mt_rounds(1600, 100)

struct set_ctx {
	mach_port_name_t set;
	mach_port_t ports[SET_PORTS];
	int idx;		/* a sender's port */
	struct set_ctx *shared;
};

static void *set_sender(void *arg)
{
	struct set_ctx *s = arg;
	mach_port_t p = s->shared->ports[s->idx];
	int i;

	for (i = 0; i < SET_MSGS; i++)
		if (send_simple_opt(p, MACH_MSG_TYPE_COPY_SEND,
				    (s->idx << 16) | i, 0,
				    MACH_MSG_TIMEOUT_NONE) != MACH_MSG_SUCCESS)
			break;
	return NULL;
}

/*
 * Receivers: one on the set and one directly on the first member, so
 * messages to that member are handed over, queued and taken through the
 * set.  A message's seqno is its place in its port's order: it must equal
 * its index, whoever received it.
 */
struct set_rcv {
	struct set_ctx *shared;
	mach_port_name_t on;
	atomic_int *received;
	int bad;
};

static void *set_receiver(void *arg)
{
	struct set_rcv *r = arg;
	struct set_ctx *s = r->shared;
	mach_msg_return_t mr;
	rcv_buf_t b;
	int i, port;

	while (atomic_load(r->received) < SET_PORTS * SET_MSGS) {
		mr = recv_msg(r->on, &b, sizeof(b), MACH_RCV_TIMEOUT | SEQNO_OPT,
			      100);
		if (mr == MACH_RCV_TIMED_OUT)
			continue;
		if (mr != MACH_MSG_SUCCESS) {
			r->bad = mr;
			break;
		}
		port = b.header.msgh_id >> 16;
		i = b.header.msgh_id & 0xffff;
		if (port >= SET_PORTS || b.header.msgh_local_port != s->ports[port] ||
		    seqno_of(&b) != (uint32_t)i) {
			r->bad = -1;
			break;
		}
		atomic_fetch_add(r->received, 1);
	}
	return NULL;
}

TEST(many_senders_and_receivers_on_a_port_set_keep_each_ports_order)
{
	struct set_ctx s = { 0 }, snd[SET_PORTS];
	struct set_rcv rs, rp;
	atomic_int received = 0;
	pthread_t st[SET_PORTS], rt[2];
	int i;

	AS_NOBODY();
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &s.set));
	for (i = 0; i < SET_PORTS; i++) {
		s.ports[i] = new_port_send();
		ASSERT_NE(MACH_PORT_NULL, s.ports[i]);
		ASSERT_EQ(KERN_SUCCESS,
			  mach_port_insert_member(SELF, s.ports[i], s.set));
	}
	rs = (struct set_rcv){ .shared = &s, .on = s.set, .received = &received };
	rp = (struct set_rcv){ .shared = &s, .on = s.ports[0], .received = &received };
	ASSERT_EQ(0, pthread_create(&rt[0], NULL, set_receiver, &rs));
	ASSERT_EQ(0, pthread_create(&rt[1], NULL, set_receiver, &rp));
	for (i = 0; i < SET_PORTS; i++) {
		snd[i] = (struct set_ctx){ .idx = i, .shared = &s };
		ASSERT_EQ(0, pthread_create(&st[i], NULL, set_sender, &snd[i]));
	}
	for (i = 0; i < SET_PORTS; i++)
		pthread_join(st[i], NULL);
	pthread_join(rt[0], NULL);
	pthread_join(rt[1], NULL);
	EXPECT_EQ(0, rs.bad);
	EXPECT_EQ(0, rp.bad);
	EXPECT_EQ(SET_PORTS * SET_MSGS, atomic_load(&received));
	for (i = 0; i < SET_PORTS; i++)
		EXPECT_EQ(0, msgcount_of(s.ports[i]));
}

/* ---- a receiver whose buffer is too small -------------------------------- */

struct small_ctx {
	mach_port_t port;
	mach_msg_option_t opt;
	atomic_int tid;
	mach_msg_return_t mr;
	mach_msg_size_t size;	/* msgh_size the receiver saw */
};

/* A buffer for 16 bytes of body (and the default trailer). */
static void *small_receiver(void *arg)
{
	struct small_ctx *c = arg;
	struct {
		mach_msg_header_t header;
		uint32_t body[4];
		mach_msg_trailer_t trailer;
	} b;

	atomic_store(&c->tid, ipc_gettid());
	c->mr = recv_msg(c->port, &b, sizeof(b), c->opt, 0);
	c->size = b.header.msgh_size;
	return NULL;
}

static void start_small(struct small_ctx *c, pthread_t *t)
{
	atomic_store(&c->tid, 0);
	if (pthread_create(t, NULL, small_receiver, c))
		return;
	while (!atomic_load(&c->tid))
		sched_yield();
}

/*
 * One receive by a small receiver that is asleep when @len bytes (with a
 * send-once right to @reply, if any) are sent to it.  Returns the send's
 * result, or -1 if the receiver never slept; the receive's is in c->mr.
 */
static int small_round(struct small_ctx *c, mach_msg_id_t id, size_t len,
		       mach_port_t reply)
{
	pthread_t t;
	int ret = -1;

	start_small(c, &t);
	if (!wait_sleeping(atomic_load(&c->tid)))
		ret = send_sized(c->port, id, len, reply);
	if (ret)	/* not sent: wake the receiver with a message */
		send_sized(c->port, id, 0, MACH_PORT_NULL);
	pthread_join(t, NULL);
	return ret;
}

TEST(a_too_small_waiting_receiver_leaves_the_message_queued)
{
	struct small_ctx c = { .opt = MACH_RCV_LARGE };
	rcv_buf_t b;
	pthread_t t;

	AS_NOBODY();
	c.port = new_port_send();
	ASSERT_NE(MACH_PORT_NULL, c.port);

	/* 256 bytes to a receiver asleep with room for 16: not handed. */
	ASSERT_EQ(MACH_MSG_SUCCESS, small_round(&c, 7, 256, MACH_PORT_NULL));
	EXPECT_EQ(MACH_RCV_TOO_LARGE, c.mr);
	EXPECT_EQ(sizeof(mach_msg_header_t) + 256, c.size);
	EXPECT_EQ(1, msgcount_of(c.port));

	/* Still first in line: a small message sent now waits behind it. */
	ASSERT_EQ(MACH_MSG_SUCCESS, send_sized(c.port, 8, 8, MACH_PORT_NULL));
	start_small(&c, &t);
	pthread_join(t, NULL);
	EXPECT_EQ(MACH_RCV_TOO_LARGE, c.mr);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(c.port, &b, 0));
	EXPECT_EQ(7, b.header.msgh_id);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(c.port, &b, 0));
	EXPECT_EQ(8, b.header.msgh_id);

	/* A fitting message to the same sleeping receiver is handed over. */
	ASSERT_EQ(MACH_MSG_SUCCESS, small_round(&c, 9, 16, MACH_PORT_NULL));
	EXPECT_EQ(MACH_MSG_SUCCESS, c.mr);
	EXPECT_EQ(0, msgcount_of(c.port));
}

TEST(a_too_small_waiting_receiver_without_rcv_large_destroys_the_message)
{
	struct small_ctx c = { .opt = 0 };
	mach_port_t reply;
	rcv_buf_t b;

	AS_NOBODY();
	reply = new_port();
	c.port = new_port_send();
	ASSERT_NE(MACH_PORT_NULL, c.port);
	ASSERT_NE(MACH_PORT_NULL, reply);
	ASSERT_EQ(MACH_MSG_SUCCESS, small_round(&c, 7, 256, reply));
	EXPECT_EQ(MACH_RCV_TOO_LARGE, c.mr);
	EXPECT_EQ(0, msgcount_of(c.port));
	/* Destroyed, not lost: its send-once right says so. */
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(reply, &b, 5000));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, b.header.msgh_id);
}

/* ---- the port destroyed during hand-offs ---------------------------------- */

struct death_ctx {
	mach_port_t port, reply;
	atomic_int sent;
	atomic_int stop;
	int replied;
};

/* Receive until the port is gone; answer every request on its send-once. */
static void *death_receiver(void *arg)
{
	struct death_ctx *c = arg;
	rcv_buf_t b;

	for (;;) {
		if (recv_msg(c->port, &b, sizeof(b), 0, 0) != MACH_MSG_SUCCESS)
			break;
		if (send_simple_opt(b.header.msgh_remote_port,
				    MACH_MSG_TYPE_MOVE_SEND_ONCE, 1000, 0,
				    MACH_MSG_TIMEOUT_NONE) == MACH_MSG_SUCCESS)
			c->replied++;
	}
	return NULL;
}

static void *death_sender(void *arg)
{
	struct death_ctx *c = arg;

	while (!atomic_load(&c->stop)) {
		if (send_sized(c->port, 1, 16, c->reply) != MACH_MSG_SUCCESS)
			break;
		atomic_fetch_add(&c->sent, 1);
	}
	return NULL;
}

TEST(destroying_the_port_during_handoffs_loses_nothing)
{
	struct live_counts base, now;
	int round;

	AS_NOBODY();
	ASSERT_NE(MACH_PORT_NULL, SELF);	/* the task exists before the baseline */
	live_counts_baseline(&base);
	/*
	 * mt_rounds() of 400 rounds: 100 on each stock kernel, 40 on
	 * debug-x86_64, 25 on debug-rt-arm64, where each of the seven points
	 * of the stream the destroy lands at (after 1 .. 7 sends) still comes
	 * three times or more.
	 */
	for (round = 0; round < mt_rounds(400, 25); round++) {
		struct death_ctx c = { 0 };
		pthread_t rt, st;
		int got = 0, notes = 0;
		rcv_buf_t b;

		c.port = new_port_send();
		c.reply = new_port();
		ASSERT_NE(MACH_PORT_NULL, c.port);
		ASSERT_NE(MACH_PORT_NULL, c.reply);
		/* Room for every reply and notification. */
		ASSERT_EQ(KERN_SUCCESS, set_qlimit(c.reply, MACH_PORT_QLIMIT_LARGE));
		ASSERT_EQ(0, pthread_create(&rt, NULL, death_receiver, &c));
		ASSERT_EQ(0, pthread_create(&st, NULL, death_sender, &c));
		while (atomic_load(&c.sent) < 1 + round % 7)
			sched_yield();
		ASSERT_EQ(KERN_SUCCESS,
			  mach_port_mod_refs(SELF, c.port, MACH_PORT_RIGHT_RECEIVE, -1));
		atomic_store(&c.stop, 1);
		pthread_join(st, NULL);
		pthread_join(rt, NULL);
		/* Every sent message: a reply, or a send-once notification. */
		while (got + notes < atomic_load(&c.sent) &&
		       recv_timeout(c.reply, &b, 5000) == MACH_MSG_SUCCESS) {
			if (b.header.msgh_id == 1000)
				got++;
			else if (b.header.msgh_id == MACH_NOTIFY_SEND_ONCE)
				notes++;
			else
				break;
		}
		ASSERT_EQ(atomic_load(&c.sent), got + notes);
		ASSERT_EQ(c.replied, got);
		ASSERT_EQ(MACH_RCV_TIMED_OUT, recv_timeout(c.reply, &b, 0));
		mach_port_deallocate(SELF, c.port);	/* the dead name */
		mach_port_mod_refs(SELF, c.reply, MACH_PORT_RIGHT_RECEIVE, -1);
	}
	EXPECT_TRUE(live_counts_settle(&base, &now));
	EXPECT_EQ(base.messages, now.messages);
	EXPECT_EQ(base.ports, now.ports);
}

/* ---- the receive right leaving while a receiver waits --------------------- */

struct moved_ctx {
	mach_port_t port;
	atomic_int tid;
	atomic_int done;
	mach_msg_return_t mr;
};

static void *moved_receiver(void *arg)
{
	struct moved_ctx *c = arg;
	rcv_buf_t b;

	atomic_store(&c->tid, ipc_gettid());
	c->mr = recv_msg(c->port, &b, sizeof(b), 0, 0);
	atomic_store(&c->done, 1);
	return NULL;
}

/*
 * A receiver asleep on a port whose receive right then leaves its space (in
 * a message) is sent away at once with MACH_RCV_PORT_CHANGED, as XNU's
 * ipc_port_clear_receiver() does; it must not sleep on a port it no longer
 * holds (and stand first in line for the new owner's hand-offs).  A
 * message sent next waits for the new owner.  The ten seconds are a bound
 * for a thread that is already runnable, not a timing assumption.
 */
TEST(a_receiver_whose_receive_right_leaves_gets_port_changed)
{
	struct moved_ctx c = { 0 };
	mach_port_t holder = MACH_PORT_NULL, back;
	struct timespec until;
	rcv_buf_t b;
	pthread_t t;
	int joined;

	AS_NOBODY();
	c.port = new_port_send();
	ASSERT_NE(MACH_PORT_NULL, c.port);
	ASSERT_EQ(0, pthread_create(&t, NULL, moved_receiver, &c));
	while (!atomic_load(&c.tid))
		sched_yield();
	ASSERT_EQ(0, wait_sleeping(atomic_load(&c.tid)));
	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(c.port, &holder));

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	joined = !pthread_timedjoin_np(t, NULL, &until);
	EXPECT_TRUE(joined);
	if (joined)
		EXPECT_EQ(MACH_RCV_PORT_CHANGED, c.mr);

	/* A message sent now travels with the right, to whoever gets it. */
	ASSERT_EQ(MACH_MSG_SUCCESS, try_send(c.port, MACH_MSG_TYPE_COPY_SEND, 42));
	if (!joined) {
		/* That send woke the stale receiver: it must let go now. */
		pthread_join(t, NULL);
		EXPECT_EQ(MACH_RCV_PORT_CHANGED, c.mr);
	}
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(holder, &b, 5000));
	back = ((port_msg_t *)&b)->port.name;
	ASSERT_NE(MACH_PORT_NULL, back);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(back, &b, 0));
	EXPECT_EQ(42, b.header.msgh_id);
	mach_port_mod_refs(SELF, back, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_mod_refs(SELF, holder, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_deallocate(SELF, c.port);
}

/* ---- the receiving process killed during hand-offs ----------------------- */

/*
 * The child gives the parent a send right to a port of its own and then
 * receives on it forever: it answers even requests on their send-once
 * right and keeps odd ones (their rights die with its space).
 */
static void killed_child(int fd)
{
	mach_port_t parent = port_meet_child(fd), own = new_port();
	rcv_buf_t b;

	if (!parent || !own ||
	    send_port(parent, MACH_MSG_TYPE_COPY_SEND, 1, own,
		      MACH_MSG_TYPE_MAKE_SEND) != MACH_MSG_SUCCESS)
		_exit(1);
	for (;;) {
		if (recv_msg(own, &b, sizeof(b), 0, 0) != MACH_MSG_SUCCESS)
			_exit(2);
		if (!(b.header.msgh_id & 1))
			send_simple_opt(b.header.msgh_remote_port,
					MACH_MSG_TYPE_MOVE_SEND_ONCE, 1000, 0,
					MACH_MSG_TIMEOUT_NONE);
	}
}

/*
 * SIGKILL to a receiver while requests with send-once replies are handed
 * to it: every request the parent sent is answered exactly once, by a
 * reply or by a send-once notification (the right died with the child's
 * space, or with the message when its port died); nothing is lost or
 * doubled, and the live counters come back.
 */
TEST(killing_the_receiving_process_during_handoffs_loses_nothing)
{
	struct live_counts base, now;
	int round;

	AS_NOBODY();
	ASSERT_NE(MACH_PORT_NULL, SELF);	/* the task exists before the baseline */
	live_counts_baseline(&base);
	/* mt_rounds() of 30 kills: 10 on the bench (13 s on debug-rt-arm64). */
	for (round = 0; round < mt_rounds(30, 10); round++) {
		mach_port_t meet = new_port_send(), reply = new_port(), child;
		int fd, status, sent = 0, answers = 0, i;
		rcv_buf_t b;
		pid_t pid;

		ASSERT_NE(MACH_PORT_NULL, meet);
		ASSERT_NE(MACH_PORT_NULL, reply);
		ASSERT_EQ(KERN_SUCCESS, set_qlimit(reply, MACH_PORT_QLIMIT_LARGE));
		ASSERT_EQ(KERN_SUCCESS, port_share(meet, &fd));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			killed_child(fd);
		close(fd);
		ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(meet, &b, 10000));
		child = ((port_msg_t *)&b)->port.name;
		ASSERT_NE(MACH_PORT_NULL, child);
		/* Requests until the child is gone; the kill lands mid-stream. */
		for (i = 0; i < 2000; i++) {
			if (i == 5 + round * 3)
				kill(pid, SIGKILL);
			/* Bounded: a receiver that stopped receiving fails here. */
			if (send_sized_opt(child, i, 16, reply, MACH_SEND_TIMEOUT,
					   30000) != MACH_MSG_SUCCESS)
				break;
			sent++;
		}
		kill(pid, SIGKILL);	/* if the sends stopped before the kill */
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFSIGNALED(status));
		while (answers < sent &&
		       recv_timeout(reply, &b, 10000) == MACH_MSG_SUCCESS) {
			if (b.header.msgh_id != 1000 &&
			    b.header.msgh_id != MACH_NOTIFY_SEND_ONCE)
				break;
			answers++;
		}
		ASSERT_EQ(sent, answers);
		ASSERT_EQ(MACH_RCV_TIMED_OUT, recv_timeout(reply, &b, 0));
		mach_port_deallocate(SELF, child);
		mach_port_mod_refs(SELF, reply, MACH_PORT_RIGHT_RECEIVE, -1);
		mach_port_mod_refs(SELF, meet, MACH_PORT_RIGHT_RECEIVE, -1);
		mach_port_deallocate(SELF, meet);
	}
	EXPECT_TRUE(live_counts_settle(&base, &now));
	EXPECT_EQ(base.messages, now.messages);
	EXPECT_EQ(base.ports, now.ports);
}

/* ---- guarded descriptors sized before the wake-up ---------------------- */

#define CANARY 0xa5
/* header, body count, one port descriptor in its 12- or 16-byte form */
#define SIZE_PLAIN   (sizeof(mach_msg_header_t) + 4 + 12)
#define SIZE_GUARDED (sizeof(mach_msg_header_t) + 4 + 16)

struct guard_ctx {
	mach_port_t port;
	mach_msg_option_t opt;
	mach_msg_size_t rcv_size;	/* what the receiver says it has */
	atomic_int tid;
	mach_msg_return_t mr;
	mach_msg_size_t size;		/* msgh_size it saw */
	int overrun;			/* bytes past rcv_size written */
	uint8_t buf[256];
};

static void *guard_receiver(void *arg)
{
	struct guard_ctx *c = arg;
	int i;

	memset(c->buf, CANARY, sizeof(c->buf));
	atomic_store(&c->tid, ipc_gettid());
	c->mr = recv_msg(c->port, c->buf, c->rcv_size, c->opt, 0);
	c->size = ((mach_msg_header_t *)c->buf)->msgh_size;
	for (i = c->rcv_size; i < (int)sizeof(c->buf); i++)
		if (c->buf[i] != CANARY)
			c->overrun++;
	return NULL;
}

/*
 * Send a message carrying a guarded receive right to c->port while the
 * receiver sleeps on it; returns the send's result (-1: it never slept).
 */
static int guard_round(struct guard_ctx *c)
{
	mach_port_options_t opts = { .flags = MPO_CONTEXT_AS_GUARD };
	mach_port_name_t g = MACH_PORT_NULL;
	struct msg_builder b;
	pthread_t t;
	int ret = -1;

	if (mach_port_construct(mach_task_self(), &opts, 0x6a6a, &g))
		return -1;
	atomic_store(&c->tid, 0);
	if (pthread_create(&t, NULL, guard_receiver, c))
		return -1;
	while (!atomic_load(&c->tid))
		sched_yield();
	if (!wait_sleeping(atomic_load(&c->tid))) {
		mb_init(&b, c->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
		mb_guarded(&b, g, MACH_MSG_TYPE_MOVE_RECEIVE, 0x6a6a,
			   MACH_MSG_GUARD_FLAGS_NONE);
		ret = mb_send(&b, MACH_SEND_TIMEOUT, 5000);
	}
	if (ret)	/* not sent: wake the receiver with a plain message */
		send_simple(c->port, 2);
	pthread_join(t, NULL);
	return ret;
}

/*
 * One round: the receiver asks with @opt and says it has @room bytes; it
 * must get @mr with msgh_size @size, nothing written past @room, and leave
 * @queued messages on the port.
 */
static void guard_expect(struct __test_metadata *_metadata,
			 struct guard_ctx *c, mach_msg_option_t opt,
			 mach_msg_size_t room, mach_msg_return_t mr,
			 mach_msg_size_t size, long queued)
{
	c->opt = opt;
	c->rcv_size = room;
	ASSERT_EQ(MACH_MSG_SUCCESS, guard_round(c));
	EXPECT_EQ(mr, c->mr);
	EXPECT_EQ(size, c->size);
	EXPECT_EQ(0, c->overrun);
	EXPECT_EQ(queued, msgcount_of(c->port));
}

TEST(guarded_descriptors_handed_to_a_waiting_receiver_fit_its_buffer)
{
	const mach_msg_size_t tr = sizeof(mach_msg_trailer_t);
	struct guard_ctx c = { 0 };
	rcv_buf_t b;

	AS_NOBODY();
	c.port = new_port();
	ASSERT_NE(MACH_PORT_NULL, c.port);

	/* Exactly room for the 12-byte form without the opt-in, the 16-byte one with it. */
	guard_expect(_metadata, &c, 0, SIZE_PLAIN + tr, MACH_MSG_SUCCESS,
		     SIZE_PLAIN, 0);
	guard_expect(_metadata, &c, MACH_RCV_GUARDED_DESC, SIZE_GUARDED + tr,
		     MACH_MSG_SUCCESS, SIZE_GUARDED, 0);

	/* With the opt-in and room for the 12-byte form only: too large, kept. */
	guard_expect(_metadata, &c, MACH_RCV_GUARDED_DESC | MACH_RCV_LARGE,
		     SIZE_PLAIN + tr, MACH_RCV_TOO_LARGE, SIZE_GUARDED, 1);
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  recv_msg(c.port, &b, sizeof(b),
			   MACH_RCV_TIMEOUT | MACH_RCV_GUARDED_DESC, 0));
	EXPECT_EQ(SIZE_GUARDED, b.header.msgh_size);

	/* Without it and 4 bytes short of the 12-byte form. */
	guard_expect(_metadata, &c, MACH_RCV_LARGE, SIZE_PLAIN + tr - 4,
		     MACH_RCV_TOO_LARGE, SIZE_PLAIN, 1);
	EXPECT_EQ(1, drain(c.port));
}

/* ---- pollers and epoll on the same wait queue --------------------------- */

#define NMSG		1500	/* the full soak; mt_rounds(NMSG, 300) are sent */
#define NPOLLFD		80	/* > 64: 6.1's walk drops rcv_wq's lock */

struct crowd_ctx {
	mach_port_t port;
	int fd;
	atomic_int stop;
	atomic_int seen[NMSG];
	atomic_int bad;		/* ids out of range, failed calls */
	atomic_int by_receiver, by_epoll;
};

static void note(struct crowd_ctx *c, rcv_buf_t *b)
{
	mach_msg_id_t id = b->header.msgh_id;

	if (id < 0 || id >= NMSG)
		atomic_fetch_add(&c->bad, 1);
	else
		atomic_fetch_add(&c->seen[id], 1);
}

static void *crowd_poller(void *arg)
{
	struct crowd_ctx *c = arg;
	struct pollfd p[NPOLLFD];
	int i;

	for (i = 0; i < NPOLLFD; i++)
		p[i] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
	while (!atomic_load(&c->stop))
		if (poll(p, NPOLLFD, 20) < 0 && errno != EINTR)
			atomic_fetch_add(&c->bad, 1);
	return NULL;
}

/* An event loop: EPOLLEXCLUSIVE, then a receive that does not wait. */
static void *crowd_epoll(void *arg)
{
	struct crowd_ctx *c = arg;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE }, out;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	rcv_buf_t b;

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev)) {
		atomic_fetch_add(&c->bad, 1);
		return NULL;
	}
	while (!atomic_load(&c->stop)) {
		if (epoll_wait(ep, &out, 1, 20) <= 0)
			continue;
		if (recv_timeout(c->port, &b, 0) == MACH_MSG_SUCCESS) {
			note(c, &b);
			atomic_fetch_add(&c->by_epoll, 1);
		}
	}
	close(ep);
	return NULL;
}

static void *crowd_receiver(void *arg)
{
	struct crowd_ctx *c = arg;
	mach_msg_return_t mr;
	rcv_buf_t b;

	while (!atomic_load(&c->stop)) {
		mr = recv_timeout(c->port, &b, 50);
		if (mr == MACH_MSG_SUCCESS) {
			note(c, &b);
			atomic_fetch_add(&c->by_receiver, 1);
		} else if (mr != MACH_RCV_TIMED_OUT) {
			atomic_fetch_add(&c->bad, 1);
		}
	}
	return NULL;
}

TEST(pollers_and_an_exclusive_epoll_lose_no_handed_message)
{
	static struct crowd_ctx c;
	pthread_t pt[2], et, rt[2];
	int i, n = mt_rounds(NMSG, 300), missing = 0, twice = 0;
	rcv_buf_t b;

	AS_NOBODY();
	memset(&c, 0, sizeof(c));
	c.port = new_port_send();
	ASSERT_NE(MACH_PORT_NULL, c.port);
	ASSERT_EQ(KERN_SUCCESS,
		  machina_port_to_fd(c.port, MACH_PORT_RIGHT_RECEIVE,
				     O_CLOEXEC, &c.fd));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&pt[i], NULL, crowd_poller, &c));
	ASSERT_EQ(0, pthread_create(&et, NULL, crowd_epoll, &c));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&rt[i], NULL, crowd_receiver, &c));
	for (i = 0; i < n; i++) {
		ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(c.port, i));
		if (!(i % 64))
			usleep(500);	/* let receivers fall asleep again */
	}
	/* Until every message is taken (ten seconds at most), then stop. */
	for (i = 0; i < 10000 && msgcount_of(c.port) > 0; i++)
		usleep(1000);
	atomic_store(&c.stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(pt[i], NULL);
	pthread_join(et, NULL);
	for (i = 0; i < 2; i++)
		pthread_join(rt[i], NULL);
	while (recv_timeout(c.port, &b, 0) == MACH_MSG_SUCCESS)
		note(&c, &b);
	for (i = 0; i < n; i++) {
		missing += atomic_load(&c.seen[i]) == 0;
		twice += atomic_load(&c.seen[i]) > 1;
	}
	TH_LOG("receiver %d, event loop %d", atomic_load(&c.by_receiver),
	       atomic_load(&c.by_epoll));
	EXPECT_EQ(0, atomic_load(&c.bad));
	EXPECT_EQ(0, missing);
	EXPECT_EQ(0, twice);
	close(c.fd);
}

TEST_HARNESS_MAIN
