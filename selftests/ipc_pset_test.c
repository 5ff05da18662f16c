// SPDX-License-Identifier: GPL-2.0
/*
 * Port sets (mach_port_insert_member, _extract_member, _move_member,
 * _get_set_status; receiving on a set) and ports as file descriptors
 * (machina_port_to_fd / machina_port_from_fd): poll and epoll on receive
 * rights and port sets, hang-up when they die, and the send right a
 * descriptor carries.
 */
#include <poll.h>
#include <sys/epoll.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

FIXTURE(pset)
{
	mach_port_name_t set;
	mach_port_t a, b; /* receive rights with a send right each */
};

FIXTURE_SETUP(pset)
{
	IPC_REQUIRE();
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET,
				     &self->set));
	self->a = new_port_send();
	self->b = new_port_send();
	ASSERT_NE(MACH_PORT_NULL, self->a);
	ASSERT_NE(MACH_PORT_NULL, self->b);
}

FIXTURE_TEARDOWN(pset)
{
}

/* Members of a set, sorted into *out (at most max); returns the count or -1. */
static int members_of(mach_port_name_t set, mach_port_name_t *out, int max)
{
	mach_port_name_array_t members = NULL;
	mach_msg_type_number_t count = 0, i;

	if (mach_port_get_set_status(SELF, set, &members, &count) !=
	    KERN_SUCCESS)
		return -1;
	for (i = 0; i < count && (int)i < max; i++)
		out[i] = members[i];
	if (members)
		vm_deallocate(SELF, (vm_address_t)members,
			      count * sizeof(*members));
	return count;
}

static int is_member(mach_port_name_t set, mach_port_name_t port)
{
	mach_port_name_t m[64];
	int n = members_of(set, m, 64), i;

	for (i = 0; i < n && i < 64; i++)
		if (m[i] == port)
			return 1;
	return 0;
}

static long in_pset(mach_port_t port)
{
	mach_port_status_t st;

	return status_of(port, &st) == KERN_SUCCESS ? (long)st.mps_pset : -1;
}

/* ---- membership ----------------------------------------------------------- */

TEST_F(pset, new_port_set_is_empty)
{
	mach_port_name_t m[4];
	rcv_buf_t buf;

	EXPECT_EQ(0, members_of(self->set, m, 4));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, recv_timeout(self->set, &buf, 0));
}

TEST_F(pset, insert_member_adds_receive_rights)
{
	mach_port_name_t m[4];

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_member(SELF, self->a, self->set));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_member(SELF, self->b, self->set));
	ASSERT_EQ(2, members_of(self->set, m, 4));
	EXPECT_TRUE((m[0] == self->a && m[1] == self->b) ||
		    (m[0] == self->b && m[1] == self->a));
	EXPECT_EQ(1, in_pset(self->a));
	EXPECT_EQ(MACH_PORT_TYPE_PORT_SET, type_of(self->set));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(self->a));
}

TEST_F(pset, receiving_on_the_set_gets_every_members_messages)
{
	rcv_buf_t buf;
	int seen_a = 0, seen_b = 0, i;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_member(SELF, self->a, self->set));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_member(SELF, self->b, self->set));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  try_send(self->a, MACH_MSG_TYPE_COPY_SEND, 10));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  try_send(self->b, MACH_MSG_TYPE_COPY_SEND, 20));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  try_send(self->a, MACH_MSG_TYPE_COPY_SEND, 11));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->set, &buf, 0));
		/* msgh_local_port names the member the message came to. */
		if (buf.header.msgh_local_port == self->a) {
			EXPECT_EQ(10 + seen_a, buf.header.msgh_id);
			seen_a++;
		} else {
			EXPECT_EQ(self->b, buf.header.msgh_local_port);
			EXPECT_EQ(20, buf.header.msgh_id);
			seen_b++;
		}
	}
	EXPECT_EQ(2, seen_a);
	EXPECT_EQ(1, seen_b);
	EXPECT_EQ(MACH_RCV_TIMED_OUT, recv_timeout(self->set, &buf, 0));
}

TEST_F(pset, a_member_can_still_be_received_on_directly)
{
	rcv_buf_t buf;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_member(SELF, self->a, self->set));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  try_send(self->a, MACH_MSG_TYPE_COPY_SEND, 1));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->a, &buf, 0));
	EXPECT_EQ(1, buf.header.msgh_id);
	EXPECT_EQ(MACH_RCV_TIMED_OUT, recv_timeout(self->set, &buf, 0));
}

TEST_F(pset, seqno_is_per_port_when_received_on_a_set)
{
	rcv_buf_t buf;
	mach_msg_seqno_trailer_t *tr;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_member(SELF, self->a, self->set));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_member(SELF, self->b, self->set));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  try_send(self->a, MACH_MSG_TYPE_COPY_SEND, 1));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  recv_msg(self->set, &buf, sizeof(buf),
			   MACH_RCV_TIMEOUT | MACH_RCV_TRAILER_ELEMENTS(
						      MACH_RCV_TRAILER_SEQNO),
			   0));
	tr = trailer_of(&buf.header);
	EXPECT_EQ(0, tr->msgh_seqno);
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  try_send(self->b, MACH_MSG_TYPE_COPY_SEND, 2));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  recv_msg(self->set, &buf, sizeof(buf),
			   MACH_RCV_TIMEOUT | MACH_RCV_TRAILER_ELEMENTS(
						      MACH_RCV_TRAILER_SEQNO),
			   0));
	tr = trailer_of(&buf.header);
	EXPECT_EQ(self->b, buf.header.msgh_local_port);
	EXPECT_EQ(0, tr->msgh_seqno);
}

TEST_F(pset, a_port_can_be_in_several_sets)
{
	mach_port_name_t set2;
	rcv_buf_t buf;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &set2));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_member(SELF, self->a, self->set));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_member(SELF, self->a, set2));
	EXPECT_TRUE(is_member(self->set, self->a));
	EXPECT_TRUE(is_member(set2, self->a));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  try_send(self->a, MACH_MSG_TYPE_COPY_SEND, 1));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  try_send(self->a, MACH_MSG_TYPE_COPY_SEND, 2));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(set2, &buf, 0));
	EXPECT_EQ(1, buf.header.msgh_id);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->set, &buf, 0));
	EXPECT_EQ(2, buf.header.msgh_id);
}

TEST_F(pset, move_member_leaves_every_other_set)
{
	mach_port_name_t set2, set3;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &set2));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &set3));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_member(SELF, self->a, self->set));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_member(SELF, self->a, set2));
	ASSERT_EQ(KERN_SUCCESS, mach_port_move_member(SELF, self->a, set3));
	EXPECT_FALSE(is_member(self->set, self->a));
	EXPECT_FALSE(is_member(set2, self->a));
	EXPECT_TRUE(is_member(set3, self->a));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_move_member(SELF, self->a, MACH_PORT_NULL));
	EXPECT_FALSE(is_member(set3, self->a));
	EXPECT_EQ(0, in_pset(self->a));
}

TEST_F(pset, extract_member_removes_it)
{
	rcv_buf_t buf;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_member(SELF, self->a, self->set));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  try_send(self->a, MACH_MSG_TYPE_COPY_SEND, 1));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_extract_member(SELF, self->a, self->set));
	EXPECT_FALSE(is_member(self->set, self->a));
	EXPECT_EQ(0, in_pset(self->a));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, recv_timeout(self->set, &buf, 0));
	EXPECT_EQ(1, msgcount_of(self->a));
}

TEST_F(pset, insert_member_errors)
{
	mach_port_t p = new_port_send(), holder;
	mach_port_name_t dead, set2, unused = free_name(0x400);

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &set2));
	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(p, &holder));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_member(SELF, self->a, self->set));
	EXPECT_EQ(KERN_ALREADY_IN_SET,
		  mach_port_insert_member(SELF, self->a, self->set));
	/* The member must be a receive right, the set a port set. */
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_insert_member(SELF, p, self->set));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_insert_member(SELF, dead, self->set));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_insert_member(SELF, set2, self->set));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_insert_member(SELF, self->b, self->a));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_insert_member(SELF, self->b, dead));
	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_insert_member(SELF, unused, self->set));
	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_insert_member(SELF, self->b, unused));
	EXPECT_EQ(1, members_of(self->set, &(mach_port_name_t){ 0 }, 1));
}

TEST_F(pset, extract_member_errors)
{
	mach_port_name_t dead;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	EXPECT_EQ(KERN_NOT_IN_SET,
		  mach_port_extract_member(SELF, self->a, self->set));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_extract_member(SELF, dead, self->set));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_extract_member(SELF, self->a, self->b));
	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_extract_member(SELF, free_name(0x410), self->set));
}

TEST_F(pset, move_member_errors)
{
	mach_port_name_t dead;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_move_member(SELF, dead, self->set));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_move_member(SELF, self->set, self->set));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_move_member(SELF, self->a, self->b));
	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_move_member(SELF, self->a, free_name(0x420)));
	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_move_member(SELF, free_name(0x420), self->set));
	EXPECT_EQ(0, in_pset(self->a));
}

TEST_F(pset, get_set_status_needs_a_port_set)
{
	mach_port_name_array_t members;
	mach_msg_type_number_t count;

	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_get_set_status(SELF, self->a, &members, &count));
	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_get_set_status(SELF, free_name(0x430), &members,
					   &count));
}

/* ---- lifetimes ------------------------------------------------------------- */

TEST_F(pset, destroying_the_set_leaves_its_members)
{
	rcv_buf_t buf;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_member(SELF, self->a, self->set));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  try_send(self->a, MACH_MSG_TYPE_COPY_SEND, 1));
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, self->set));
	EXPECT_EQ(0, type_of(self->set));
	EXPECT_EQ(MACH_RCV_INVALID_NAME, recv_timeout(self->set, &buf, 0));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(self->a));
	EXPECT_EQ(0, in_pset(self->a));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->a, &buf, 0));
	EXPECT_EQ(1, buf.header.msgh_id);
}

TEST_F(pset, destroying_a_member_removes_it)
{
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_member(SELF, self->a, self->set));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_member(SELF, self->b, self->set));
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, self->a));
	EXPECT_FALSE(is_member(self->set, self->a));
	EXPECT_TRUE(is_member(self->set, self->b));
	EXPECT_EQ(1, members_of(self->set, &(mach_port_name_t){ 0 }, 1));
}

TEST_F(pset, moving_a_members_receive_right_takes_it_out_of_the_set)
{
	mach_port_t carrier = new_port();
	rcv_buf_t buf;
	any_desc_t d;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_member(SELF, self->a, self->set));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_port(carrier, MACH_MSG_TYPE_MAKE_SEND, 1, self->a,
			    MACH_MSG_TYPE_MOVE_RECEIVE));
	EXPECT_FALSE(is_member(self->set, self->a));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(carrier, &buf, 0));
	ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR, get_desc(&buf.header, 0, &d));
	EXPECT_EQ(self->a, d.port.name);
	EXPECT_EQ(0, in_pset(self->a));
	EXPECT_EQ(0, members_of(self->set, &(mach_port_name_t){ 0 }, 1));
}

struct set_receiver {
	mach_port_name_t set;
	mach_msg_return_t mr;
	mach_port_t from;
	mach_msg_id_t id;
	volatile pid_t tid; /* set right before the receive */
	volatile int done;
};

static void *receive_on_set(void *p)
{
	struct set_receiver *r = p;
	rcv_buf_t buf;

	r->tid = ipc_gettid();
	r->mr = recv_timeout(r->set, &buf, 10000);
	r->from = buf.header.msgh_local_port;
	r->id = buf.header.msgh_id;
	r->done = 1;
	return NULL;
}

TEST_F(pset, blocked_set_receiver_wakes_for_any_member)
{
	struct set_receiver r = { .set = self->set };
	pthread_t t;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_member(SELF, self->a, self->set));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_member(SELF, self->b, self->set));
	ASSERT_EQ(0, pthread_create(&t, NULL, receive_on_set, &r));
	ASSERT_EQ(0, ipc_wait_sleeping(&r.tid));
	EXPECT_EQ(0, r.done);
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  try_send(self->b, MACH_MSG_TYPE_COPY_SEND, 77));
	EXPECT_TRUE(ipc_wait_flag(&r.done, 10));
	pthread_join(t, NULL);
	EXPECT_EQ(MACH_MSG_SUCCESS, r.mr);
	EXPECT_EQ(self->b, r.from);
	EXPECT_EQ(77, r.id);
}

TEST_F(pset, adding_a_port_with_messages_wakes_a_set_receiver)
{
	struct set_receiver r = { .set = self->set };
	pthread_t t;

	ASSERT_EQ(MACH_MSG_SUCCESS,
		  try_send(self->a, MACH_MSG_TYPE_COPY_SEND, 55));
	ASSERT_EQ(0, pthread_create(&t, NULL, receive_on_set, &r));
	ASSERT_EQ(0, ipc_wait_sleeping(&r.tid));
	EXPECT_EQ(0, r.done);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_member(SELF, self->a, self->set));
	EXPECT_TRUE(ipc_wait_flag(&r.done, 10));
	pthread_join(t, NULL);
	EXPECT_EQ(MACH_MSG_SUCCESS, r.mr);
	EXPECT_EQ(self->a, r.from);
	EXPECT_EQ(55, r.id);
}

TEST_F(pset, destroying_a_set_ends_its_blocked_receive)
{
	struct set_receiver r = { .set = self->set };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, receive_on_set, &r));
	ASSERT_EQ(0, ipc_wait_sleeping(&r.tid));
	ASSERT_EQ(0, r.done);
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, self->set));
	EXPECT_TRUE(ipc_wait_flag(&r.done, 10));
	pthread_join(t, NULL);
	/* XNU reports a receive whose port or set went away as one of these. */
	EXPECT_TRUE(r.mr == MACH_RCV_PORT_DIED || r.mr == MACH_RCV_PORT_CHANGED)
	{
		TH_LOG("receive returned 0x%x", r.mr);
	}
}

/* ---- ports as file descriptors: observers ------------------------------------------ */

static int port_fd(mach_port_name_t name, int flags)
{
	int fd = -1;

	if (machina_port_to_fd(name, MACH_PORT_RIGHT_RECEIVE, flags, &fd) !=
	    KERN_SUCCESS)
		return -1;
	return fd;
}

static short poll_now(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) <= 0)
		return 0;
	return p.revents;
}

TEST_F(pset, port_fd_is_readable_while_a_message_is_queued)
{
	int fd = port_fd(self->a, O_CLOEXEC);
	rcv_buf_t buf;

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, poll_now(fd, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  try_send(self->a, MACH_MSG_TYPE_COPY_SEND, 1));
	EXPECT_EQ(POLLIN, poll_now(fd, 0) & (POLLIN | POLLHUP | POLLERR));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  try_send(self->a, MACH_MSG_TYPE_COPY_SEND, 2));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->a, &buf, 0));
	EXPECT_EQ(POLLIN, poll_now(fd, 0) & POLLIN);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->a, &buf, 0));
	EXPECT_EQ(0, poll_now(fd, 0));
	close(fd);
}

TEST_F(pset, port_fd_holds_no_right)
{
	int fd = port_fd(self->a, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(self->a));
	EXPECT_EQ(1, urefs_of(self->a, MACH_PORT_RIGHT_SEND));
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, self->a));
	EXPECT_EQ(0, type_of(self->a));
	close(fd);
}

TEST_F(pset, port_fd_hangs_up_when_the_port_dies)
{
	int fd = port_fd(self->a, 0), sfd = port_fd(self->set, 0);
	short ev;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, sfd);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, self->a, MACH_PORT_RIGHT_RECEIVE,
				     -1));
	ev = poll_now(fd, 1000);
	EXPECT_NE(0, ev & POLLHUP);
	EXPECT_NE(0, ev & POLLERR);
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, self->set));
	ev = poll_now(sfd, 1000);
	EXPECT_NE(0, ev & POLLHUP);
	close(fd);
	close(sfd);
}

TEST_F(pset, set_fd_is_readable_when_any_member_has_a_message)
{
	int fd = port_fd(self->set, 0);
	rcv_buf_t buf;

	ASSERT_LE(0, fd);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_member(SELF, self->a, self->set));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_member(SELF, self->b, self->set));
	EXPECT_EQ(0, poll_now(fd, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  try_send(self->b, MACH_MSG_TYPE_COPY_SEND, 1));
	EXPECT_EQ(POLLIN, poll_now(fd, 0) & POLLIN);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->set, &buf, 0));
	EXPECT_EQ(0, poll_now(fd, 0));
	/* A port with a queued message becomes visible when it joins. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_extract_member(SELF, self->a, self->set));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  try_send(self->a, MACH_MSG_TYPE_COPY_SEND, 2));
	EXPECT_EQ(0, poll_now(fd, 0));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_member(SELF, self->a, self->set));
	EXPECT_EQ(POLLIN, poll_now(fd, 0) & POLLIN);
	close(fd);
}

/* A send once thread @waiter sleeps (in epoll_wait()); @sending set first. */
struct delayed_send {
	mach_port_t port;
	pid_t waiter;
	volatile int sending;
};

static void *send_later(void *p)
{
	struct delayed_send *d = p;

	ipc_wait_sleeping(&d->waiter);
	d->sending = 1;
	try_send(d->port, MACH_MSG_TYPE_COPY_SEND, 42);
	return NULL;
}

TEST_F(pset, epoll_wakes_when_a_message_arrives)
{
	struct delayed_send d = { .port = self->b, .waiter = ipc_gettid() };
	struct epoll_event ev = { .events = EPOLLIN }, out[4];
	int ep = epoll_create1(EPOLL_CLOEXEC), fa = port_fd(self->a, 0),
	    fb = port_fd(self->b, 0);
	pthread_t t;

	ASSERT_LE(0, ep);
	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);
	ev.data.u32 = 1;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, fa, &ev));
	ev.data.u32 = 2;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, fb, &ev));
	EXPECT_EQ(0, epoll_wait(ep, out, 4, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, send_later, &d));
	ASSERT_EQ(1, epoll_wait(ep, out, 4, 10000));
	/* It slept until the message came: no wake-up before the send. */
	EXPECT_EQ(1, d.sending);
	EXPECT_EQ(2, out[0].data.u32);
	EXPECT_NE(0, out[0].events & EPOLLIN);
	pthread_join(t, NULL);
	close(fa);
	close(fb);
	close(ep);
}

TEST_F(pset, epoll_reports_which_of_many_ports_is_ready)
{
	struct epoll_event ev = { .events = EPOLLIN }, out[16];
	mach_port_t ports[12];
	int ep = epoll_create1(0), fds[12], i, n;
	rcv_buf_t buf;

	ASSERT_LE(0, ep);
	for (i = 0; i < 12; i++) {
		ports[i] = new_port_send();
		fds[i] = port_fd(ports[i], O_CLOEXEC);
		ASSERT_LE(0, fds[i]);
		ev.data.u32 = i;
		ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev));
	}
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  try_send(ports[3], MACH_MSG_TYPE_COPY_SEND, 3));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  try_send(ports[9], MACH_MSG_TYPE_COPY_SEND, 9));
	n = epoll_wait(ep, out, 16, 1000);
	ASSERT_EQ(2, n);
	EXPECT_EQ(3 + 9, out[0].data.u32 + out[1].data.u32);
	/* Level-triggered: still ready until received. */
	EXPECT_EQ(2, epoll_wait(ep, out, 16, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(ports[3], &buf, 0));
	ASSERT_EQ(1, epoll_wait(ep, out, 16, 0));
	EXPECT_EQ(9, out[0].data.u32);
	for (i = 0; i < 12; i++)
		close(fds[i]);
	close(ep);
}

TEST_F(pset, port_fd_flags_are_honoured)
{
	int fd = port_fd(self->a, O_CLOEXEC | O_NONBLOCK),
	    plain = port_fd(self->b, 0);

	ASSERT_LE(0, fd);
	ASSERT_LE(0, plain);
	EXPECT_NE(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_NE(0, fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(0, fcntl(plain, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, fcntl(plain, F_GETFL) & O_NONBLOCK);
	close(fd);
	close(plain);
}

TEST_F(pset, port_fd_errors)
{
	mach_port_t p = new_port_send(), holder;
	mach_port_name_t dead;
	int fd = -1, pipefd[2];
	uint32_t name;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(p, &holder));
	/* Observers need a receive right or a port set. */
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  machina_port_to_fd(p, MACH_PORT_RIGHT_RECEIVE, 0, &fd));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  machina_port_to_fd(dead, MACH_PORT_RIGHT_RECEIVE, 0, &fd));
	EXPECT_EQ(KERN_INVALID_NAME,
		  machina_port_to_fd(free_name(0x440), MACH_PORT_RIGHT_RECEIVE,
				     0, &fd));
	/* Send descriptors need a send right. */
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  machina_port_to_fd(self->set, MACH_PORT_RIGHT_SEND, 0, &fd));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  machina_port_to_fd(dead, MACH_PORT_RIGHT_SEND, 0, &fd));
	EXPECT_EQ(KERN_INVALID_NAME,
		  machina_port_to_fd(free_name(0x440), MACH_PORT_RIGHT_SEND, 0,
				     &fd));
	/* Other rights, other flags. */
	EXPECT_NE(KERN_SUCCESS,
		  machina_port_to_fd(self->b, MACH_PORT_RIGHT_SEND_ONCE, 0,
				     &fd));
	EXPECT_NE(KERN_SUCCESS,
		  machina_port_to_fd(self->b, MACH_PORT_RIGHT_RECEIVE, O_APPEND,
				     &fd));
	EXPECT_EQ(-1, fd);
	/* Only a send descriptor turns back into a right. */
	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_NE(KERN_SUCCESS, machina_port_from_fd(pipefd[0], &name));
	EXPECT_NE(KERN_SUCCESS, machina_port_from_fd(-1, &name));
	fd = port_fd(self->b, 0);
	ASSERT_LE(0, fd);
	EXPECT_NE(KERN_SUCCESS, machina_port_from_fd(fd, &name));
	close(fd);
}

/* ---- ports as file descriptors: send rights ---------------------------------------- */

TEST_F(pset, send_fd_turns_back_into_a_send_right)
{
	uint32_t name = 0;
	int fd = -1;

	ASSERT_EQ(KERN_SUCCESS,
		  machina_port_to_fd(self->a, MACH_PORT_RIGHT_SEND, O_CLOEXEC,
				     &fd));
	EXPECT_NE(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(1, urefs_of(self->a, MACH_PORT_RIGHT_SEND));
	ASSERT_EQ(KERN_SUCCESS, machina_port_from_fd(fd, &name));
	/* Same space, same port: the right joins the existing name. */
	EXPECT_EQ(self->a, name);
	EXPECT_EQ(2, urefs_of(self->a, MACH_PORT_RIGHT_SEND));
	/* The descriptor keeps its own right and can be used again. */
	ASSERT_EQ(KERN_SUCCESS, machina_port_from_fd(fd, &name));
	EXPECT_EQ(3, urefs_of(self->a, MACH_PORT_RIGHT_SEND));
	close(fd);
}

/*
 * Machina (uapi/machina.h says "name holds a send right"; the module also
 * accepts a receive right and makes the send right, as MAKE_SEND would).
 */
TEST_F(pset, send_fd_from_a_receive_right_makes_a_send_right)
{
	mach_port_status_t before, after;
	uint32_t name = 0;
	int fd = -1;

	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, self->a));
	ASSERT_EQ(KERN_SUCCESS, status_of(self->a, &before));
	ASSERT_EQ(KERN_SUCCESS,
		  machina_port_to_fd(self->a, MACH_PORT_RIGHT_SEND, 0, &fd));
	ASSERT_EQ(KERN_SUCCESS, status_of(self->a, &after));
	EXPECT_EQ(before.mps_mscount + 1, after.mps_mscount);
	EXPECT_EQ(1, after.mps_srights);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(self->a));
	ASSERT_EQ(KERN_SUCCESS, machina_port_from_fd(fd, &name));
	EXPECT_EQ(self->a, name);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(self->a));
	close(fd);
}

TEST_F(pset, send_fd_counts_as_a_sender_until_closed)
{
	mach_port_t prev, notify = new_port();
	mach_port_status_t st;
	rcv_buf_t buf;
	int fd = -1, dup_fd;

	ASSERT_EQ(KERN_SUCCESS,
		  machina_port_to_fd(self->a, MACH_PORT_RIGHT_SEND, 0, &fd));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, self->a));
	ASSERT_EQ(KERN_SUCCESS, status_of(self->a, &st));
	EXPECT_EQ(1, st.mps_srights);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_request_notification(
			  SELF, self->a, MACH_NOTIFY_NO_SENDERS, 0, notify,
			  MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, recv_timeout(notify, &buf, 50));
	/* A duplicate shares the same open file: still a sender. */
	dup_fd = dup(fd);
	close(fd);
	EXPECT_EQ(MACH_RCV_TIMED_OUT, recv_timeout(notify, &buf, 50));
	close(dup_fd);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(notify, &buf, 2000));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, buf.header.msgh_id);
}

TEST_F(pset, send_fd_to_a_dead_port_gives_a_dead_name)
{
	uint32_t name = 0;
	int fd = -1;

	ASSERT_EQ(KERN_SUCCESS,
		  machina_port_to_fd(self->a, MACH_PORT_RIGHT_SEND, 0, &fd));
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, self->a));
	/* XNU copies a send right to a dead port out as a dead name (or DEAD). */
	if (machina_port_from_fd(fd, &name) == KERN_SUCCESS &&
	    name != MACH_PORT_DEAD)
		EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(name));
	close(fd);
}

TEST_HARNESS_MAIN
