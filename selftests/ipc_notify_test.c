// SPDX-License-Identifier: GPL-2.0
/*
 * Mach notifications through mach_port_request_notification: no-senders
 * (with the make-send count), dead-name (at once when the name is already
 * dead), port-destroyed (the receive right comes back), send-once (a
 * send-once right destroyed unused), port-deleted, send-possible; the
 * previous request's right handed back; the message layouts of
 * <mach/notify.h>; and notifications caused by a process exiting.
 */
#include "kselftest_harness.h"
#include "ipc_test.h"

FIXTURE(notify)
{
	mach_port_t port; /* the port the notifications are about */
	mach_port_t notify; /* where they are delivered */
};

FIXTURE_SETUP(notify)
{
	IPC_REQUIRE();
	self->port = new_port();
	self->notify = new_port();
	ASSERT_NE(MACH_PORT_NULL, self->port);
	ASSERT_NE(MACH_PORT_NULL, self->notify);
}

FIXTURE_TEARDOWN(notify)
{
}

static kern_return_t request(mach_port_name_t name, mach_msg_id_t variant,
			     mach_port_mscount_t sync, mach_port_t notify,
			     mach_port_t *prev)
{
	*prev = 0xdeadbeef;
	return mach_port_request_notification(SELF, name, variant, sync, notify,
					      MACH_MSG_TYPE_MAKE_SEND_ONCE,
					      prev);
}

/* No message on port within ms milliseconds. */
static int nothing_on(mach_port_t port, int ms)
{
	rcv_buf_t buf;

	return recv_timeout(port, &buf, ms) == MACH_RCV_TIMED_OUT;
}

/* Header of a notification: sent by the kernel through a send-once right. */
static void expect_note_header(struct __test_metadata *_metadata,
			       const mach_msg_header_t *h, mach_port_t notify,
			       mach_msg_id_t id, mach_msg_size_t size)
{
	EXPECT_EQ(id, h->msgh_id);
	EXPECT_EQ(size, h->msgh_size);
	EXPECT_EQ(notify, h->msgh_local_port);
	EXPECT_EQ(MACH_PORT_NULL, h->msgh_remote_port);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND_ONCE,
		  MACH_MSGH_BITS_LOCAL(h->msgh_bits));
	EXPECT_EQ(0, MACH_MSGH_BITS_REMOTE(h->msgh_bits));
}

static void expect_native_ndr(struct __test_metadata *_metadata,
			      const NDR_record_t *ndr)
{
	EXPECT_EQ(0, ndr->mig_vers);
	EXPECT_EQ(0, ndr->if_vers);
	EXPECT_EQ(0, ndr->reserved1);
	EXPECT_EQ(0, ndr->mig_encoding);
	EXPECT_EQ(1, ndr->int_rep);
	EXPECT_EQ(0, ndr->char_rep);
	EXPECT_EQ(0, ndr->float_rep);
	EXPECT_EQ(0, ndr->reserved2);
}

#define NOTE_SIZE(type) \
	((mach_msg_size_t)(sizeof(type) - sizeof(mach_msg_format_0_trailer_t)))

/* ---- no-senders ------------------------------------------------------------ */

TEST_F(notify, no_senders_fires_when_the_last_send_right_goes)
{
	mach_port_t prev;
	mach_port_status_t st;
	union {
		mach_no_senders_notification_t n;
		rcv_buf_t room;
	} u;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, self->port, self->port,
					 MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, self->port, self->port,
					 MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, request(self->port, MACH_NOTIFY_NO_SENDERS, 0,
					self->notify, &prev));
	EXPECT_EQ(MACH_PORT_NULL, prev);
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	EXPECT_EQ(1, st.mps_nsrequest);
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, self->port));
	EXPECT_TRUE(nothing_on(self->notify, 0));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, self->port));

	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &u.room, 1000));
	expect_note_header(_metadata, &u.n.not_header, self->notify,
			   MACH_NOTIFY_NO_SENDERS,
			   NOTE_SIZE(mach_no_senders_notification_t));
	expect_native_ndr(_metadata, &u.n.NDR);
	EXPECT_EQ(2, u.n.not_count);
	/* A request fires once. */
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	EXPECT_EQ(0, st.mps_nsrequest);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, self->port, self->port,
					 MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, self->port));
	EXPECT_TRUE(nothing_on(self->notify, 0));
}

TEST_F(notify, no_senders_count_is_the_make_send_count)
{
	mach_port_t prev;
	union {
		mach_no_senders_notification_t n;
		rcv_buf_t room;
	} u;

	ASSERT_EQ(KERN_SUCCESS, mach_port_set_mscount(SELF, self->port, 10));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, self->port, self->port,
					 MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, request(self->port, MACH_NOTIFY_NO_SENDERS, 0,
					self->notify, &prev));
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(SELF, self->port,
						   MACH_PORT_RIGHT_SEND, -1));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &u.room, 1000));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, u.n.not_header.msgh_id);
	EXPECT_EQ(11, u.n.not_count);
}

TEST_F(notify, no_senders_fires_at_once_when_there_are_none_and_sync_is_reached)
{
	mach_port_t prev;
	union {
		mach_no_senders_notification_t n;
		rcv_buf_t room;
	} u;

	ASSERT_EQ(KERN_SUCCESS, request(self->port, MACH_NOTIFY_NO_SENDERS, 0,
					self->notify, &prev));
	EXPECT_EQ(MACH_PORT_NULL, prev);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &u.room, 1000));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, u.n.not_header.msgh_id);
	EXPECT_EQ(0, u.n.not_count);

	ASSERT_EQ(KERN_SUCCESS, mach_port_set_mscount(SELF, self->port, 3));
	ASSERT_EQ(KERN_SUCCESS, request(self->port, MACH_NOTIFY_NO_SENDERS, 3,
					self->notify, &prev));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &u.room, 1000));
	EXPECT_EQ(3, u.n.not_count);
}

TEST_F(notify, no_senders_waits_while_sync_is_above_the_make_send_count)
{
	mach_port_t prev;
	union {
		mach_no_senders_notification_t n;
		rcv_buf_t room;
	} u;

	ASSERT_EQ(KERN_SUCCESS, request(self->port, MACH_NOTIFY_NO_SENDERS, 1,
					self->notify, &prev));
	EXPECT_TRUE(nothing_on(self->notify, 50));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, self->port, self->port,
					 MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, self->port));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &u.room, 1000));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, u.n.not_header.msgh_id);
	EXPECT_EQ(1, u.n.not_count);
}

/* Moving one of several send refs (here: as a destination) leaves a sender. */
TEST_F(notify, moving_one_send_ref_away_leaves_the_others_counted)
{
	mach_port_t prev, p = new_port_send(), other = new_port();
	mach_port_status_t st;
	rcv_buf_t buf;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 2));
	ASSERT_EQ(KERN_SUCCESS,
		  request(p, MACH_NOTIFY_NO_SENDERS, 0, self->notify, &prev));
	/* As the destination of a message, received and used up. */
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_simple_opt(p, MACH_MSG_TYPE_MOVE_SEND, 1, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(p, &buf, 0));
	EXPECT_EQ(2, urefs_of(p, MACH_PORT_RIGHT_SEND));
	ASSERT_EQ(KERN_SUCCESS, status_of(p, &st));
	EXPECT_EQ(1, st.mps_srights);
	EXPECT_TRUE(nothing_on(self->notify, 50));
	/* In a port descriptor, received elsewhere and released there. */
	ASSERT_EQ(MACH_MSG_SUCCESS, send_port(other, MACH_MSG_TYPE_MAKE_SEND, 1,
					      p, MACH_MSG_TYPE_MOVE_SEND));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(other, &buf, 0));
	mach_msg_destroy(&buf.header);
	EXPECT_EQ(1, urefs_of(p, MACH_PORT_RIGHT_SEND));
	EXPECT_TRUE(nothing_on(self->notify, 50));
	/* Moved out and back in by insert_right. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 1));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, p, p, MACH_MSG_TYPE_MOVE_SEND));
	EXPECT_EQ(2, urefs_of(p, MACH_PORT_RIGHT_SEND));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, p));
	EXPECT_TRUE(nothing_on(self->notify, 50));
	ASSERT_EQ(KERN_SUCCESS, status_of(p, &st));
	EXPECT_EQ(1, st.mps_srights);
	/* The last one goes: now, and only now. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, p));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &buf, 1000));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, buf.header.msgh_id);
	EXPECT_TRUE(nothing_on(self->notify, 50));
}

TEST_F(notify, send_rights_in_transit_still_count_as_senders)
{
	mach_port_t prev, other = new_port();
	rcv_buf_t buf;

	ASSERT_EQ(KERN_SUCCESS, request(self->port, MACH_NOTIFY_NO_SENDERS, 1,
					self->notify, &prev));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_port(other, MACH_MSG_TYPE_MAKE_SEND, 1, self->port,
			    MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_TRUE(nothing_on(self->notify, 50));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(other, &buf, 0));
	EXPECT_EQ(1, urefs_of(self->port, MACH_PORT_RIGHT_SEND));
	EXPECT_TRUE(nothing_on(self->notify, 0));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, self->port));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &buf, 1000));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, buf.header.msgh_id);
}

TEST_F(notify, send_once_rights_do_not_count_as_senders)
{
	mach_port_t prev, so;
	rcv_buf_t buf;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, self->port, self->port,
					 MACH_MSG_TYPE_MAKE_SEND));
	so = make_send_once(self->port);
	ASSERT_NE(MACH_PORT_NULL, so);
	ASSERT_EQ(KERN_SUCCESS, request(self->port, MACH_NOTIFY_NO_SENDERS, 0,
					self->notify, &prev));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, self->port));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &buf, 1000));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, buf.header.msgh_id);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, type_of(so));
}

TEST_F(notify, request_hands_back_the_previous_notify_right)
{
	mach_port_t notify2 = new_port(), prev;
	mach_port_status_t st;
	rcv_buf_t buf;

	ASSERT_EQ(KERN_SUCCESS, request(self->port, MACH_NOTIFY_NO_SENDERS, 1,
					self->notify, &prev));
	EXPECT_EQ(MACH_PORT_NULL, prev);
	ASSERT_EQ(KERN_SUCCESS, request(self->port, MACH_NOTIFY_NO_SENDERS, 1,
					notify2, &prev));
	/* The send-once right of the first request, now ours. */
	ASSERT_NE(MACH_PORT_NULL, prev);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, type_of(prev));
	ASSERT_EQ(KERN_SUCCESS, status_of(self->notify, &st));
	EXPECT_EQ(1, st.mps_sorights);
	/* Destroying it unused sends a send-once notification through it. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, prev));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &buf, 1000));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, buf.header.msgh_id);

	/* MACH_PORT_NULL cancels, handing back the second one. */
	prev = MACH_PORT_NULL;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_request_notification(SELF, self->port,
						 MACH_NOTIFY_NO_SENDERS, 0,
						 MACH_PORT_NULL, 0, &prev));
	ASSERT_NE(MACH_PORT_NULL, prev);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, type_of(prev));
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	EXPECT_EQ(0, st.mps_nsrequest);
	ASSERT_EQ(KERN_SUCCESS, status_of(notify2, &st));
	EXPECT_EQ(1, st.mps_sorights);
	/* With no request armed, the last send right going away says nothing. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, self->port, self->port,
					 MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, self->port));
	EXPECT_TRUE(nothing_on(notify2, 50));
}

TEST_F(notify, request_with_move_send_once_uses_the_callers_right)
{
	mach_port_t so = make_send_once(self->notify), prev;
	mach_port_status_t st;
	rcv_buf_t buf;

	ASSERT_NE(MACH_PORT_NULL, so);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_request_notification(
			  SELF, self->port, MACH_NOTIFY_NO_SENDERS, 0, so,
			  MACH_MSG_TYPE_MOVE_SEND_ONCE, &prev));
	EXPECT_EQ(0, type_of(so));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &buf, 1000));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, buf.header.msgh_id);
	ASSERT_EQ(KERN_SUCCESS, status_of(self->notify, &st));
	EXPECT_EQ(0, st.mps_sorights);
}

/* ---- dead-name --------------------------------------------------------------- */

TEST_F(notify, dead_name_fires_when_the_port_dies)
{
	mach_port_t s = new_port_send(), holder, prev;
	union {
		mach_dead_name_notification_t n;
		rcv_buf_t room;
	} u;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, s, MACH_PORT_RIGHT_SEND, 1));
	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(s, &holder));
	ASSERT_EQ(KERN_SUCCESS,
		  request(s, MACH_NOTIFY_DEAD_NAME, 0, self->notify, &prev));
	EXPECT_EQ(MACH_PORT_NULL, prev);
	EXPECT_TRUE(nothing_on(self->notify, 0));
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, holder));

	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &u.room, 1000));
	expect_note_header(_metadata, &u.n.not_header, self->notify,
			   MACH_NOTIFY_DEAD_NAME,
			   NOTE_SIZE(mach_dead_name_notification_t));
	expect_native_ndr(_metadata, &u.n.NDR);
	EXPECT_EQ(s, u.n.not_port);
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(s));
	/*
	 * XNU: the notification carries a reference to the dead name, which
	 * its receiver releases; so the name has the send refs plus one.
	 */
	EXPECT_EQ(3, urefs_of(s, MACH_PORT_RIGHT_DEAD_NAME));
}

TEST_F(notify, dead_name_request_on_a_dead_name_fires_at_once)
{
	mach_port_name_t dead;
	mach_port_t prev;
	union {
		mach_dead_name_notification_t n;
		rcv_buf_t room;
	} u;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	/* A non-zero sync asks for the notification if the name is already dead. */
	ASSERT_EQ(KERN_SUCCESS,
		  request(dead, MACH_NOTIFY_DEAD_NAME, 1, self->notify, &prev));
	EXPECT_EQ(MACH_PORT_NULL, prev);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &u.room, 1000));
	EXPECT_EQ(MACH_NOTIFY_DEAD_NAME, u.n.not_header.msgh_id);
	EXPECT_EQ(dead, u.n.not_port);
	EXPECT_EQ(2, urefs_of(dead, MACH_PORT_RIGHT_DEAD_NAME));
	/* Without it, a dead name cannot be watched. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  request(dead, MACH_NOTIFY_DEAD_NAME, 0, self->notify, &prev));
}

TEST_F(notify, dead_name_request_on_a_send_right_whose_port_already_died)
{
	mach_port_t s = new_port_send(), holder, prev;
	union {
		mach_dead_name_notification_t n;
		rcv_buf_t room;
	} u;

	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(s, &holder));
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, holder));
	ASSERT_EQ(KERN_SUCCESS,
		  request(s, MACH_NOTIFY_DEAD_NAME, 1, self->notify, &prev));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &u.room, 1000));
	EXPECT_EQ(MACH_NOTIFY_DEAD_NAME, u.n.not_header.msgh_id);
	EXPECT_EQ(s, u.n.not_port);
}

TEST_F(notify, dead_name_request_on_a_send_once_right)
{
	mach_port_t p = new_port(), so, holder, prev;
	union {
		mach_dead_name_notification_t n;
		rcv_buf_t room;
	} u;

	so = make_send_once(p);
	ASSERT_NE(MACH_PORT_NULL, so);
	ASSERT_EQ(KERN_SUCCESS,
		  request(so, MACH_NOTIFY_DEAD_NAME, 0, self->notify, &prev));
	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(p, &holder));
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, holder));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &u.room, 1000));
	EXPECT_EQ(MACH_NOTIFY_DEAD_NAME, u.n.not_header.msgh_id);
	EXPECT_EQ(so, u.n.not_port);
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(so));
}

TEST_F(notify, dead_name_request_hands_back_the_previous_one)
{
	mach_port_t s = new_port_send(), holder, prev, notify2 = new_port();
	rcv_buf_t buf;

	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(s, &holder));
	ASSERT_EQ(KERN_SUCCESS,
		  request(s, MACH_NOTIFY_DEAD_NAME, 0, self->notify, &prev));
	ASSERT_EQ(KERN_SUCCESS,
		  request(s, MACH_NOTIFY_DEAD_NAME, 0, notify2, &prev));
	ASSERT_NE(MACH_PORT_NULL, prev);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, type_of(prev));
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, holder));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(notify2, &buf, 1000));
	EXPECT_EQ(MACH_NOTIFY_DEAD_NAME, buf.header.msgh_id);
	EXPECT_TRUE(nothing_on(self->notify, 50));
}

/* ---- port-deleted -------------------------------------------------------------- */

TEST_F(notify, port_deleted_when_a_watched_name_loses_its_right)
{
	mach_port_t s = new_port_send(), holder, prev;
	union {
		mach_port_deleted_notification_t n;
		rcv_buf_t room;
	} u;

	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(s, &holder));
	ASSERT_EQ(KERN_SUCCESS,
		  request(s, MACH_NOTIFY_DEAD_NAME, 0, self->notify, &prev));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, s));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &u.room, 1000));
	expect_note_header(_metadata, &u.n.not_header, self->notify,
			   MACH_NOTIFY_PORT_DELETED,
			   NOTE_SIZE(mach_port_deleted_notification_t));
	expect_native_ndr(_metadata, &u.n.NDR);
	EXPECT_EQ(s, u.n.not_port);
	/* The port itself lives on; its death later says nothing more. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, holder));
	EXPECT_TRUE(nothing_on(self->notify, 50));
}

TEST_F(notify, port_deleted_when_a_watched_right_is_sent_away)
{
	mach_port_t s = new_port_send(), holder, prev, other = new_port();
	rcv_buf_t buf;

	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(s, &holder));
	ASSERT_EQ(KERN_SUCCESS,
		  request(s, MACH_NOTIFY_DEAD_NAME, 0, self->notify, &prev));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_port(other, MACH_MSG_TYPE_MAKE_SEND, 1,
					      s, MACH_MSG_TYPE_MOVE_SEND));
	EXPECT_EQ(0, type_of(s));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &buf, 1000));
	EXPECT_EQ(MACH_NOTIFY_PORT_DELETED, buf.header.msgh_id);
}

TEST_F(notify, port_deleted_is_not_a_request_variant)
{
	mach_port_t s = new_port_send(), prev;

	EXPECT_EQ(KERN_INVALID_VALUE,
		  request(s, MACH_NOTIFY_PORT_DELETED, 0, self->notify, &prev));
}

/* ---- port-destroyed ---------------------------------------------------------------- */

TEST_F(notify, port_destroyed_hands_back_the_receive_right)
{
	mach_port_t prev;
	mach_port_context_t ctx = 0;
	mach_port_status_t st;
	any_desc_t d;
	rcv_buf_t buf;
	union {
		mach_port_destroyed_notification_t n;
		rcv_buf_t room;
	} u;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_set_context(SELF, self->port, 0xd0d0));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 123));
	ASSERT_EQ(KERN_SUCCESS, request(self->port, MACH_NOTIFY_PORT_DESTROYED,
					0, self->notify, &prev));
	EXPECT_EQ(MACH_PORT_NULL, prev);
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	EXPECT_EQ(1, st.mps_pdrequest);
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, self->port));
	EXPECT_EQ(0, type_of(self->port));

	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &u.room, 1000));
	EXPECT_EQ(MACH_NOTIFY_PORT_DESTROYED, u.n.not_header.msgh_id);
	EXPECT_NE(0, u.n.not_header.msgh_bits & MACH_MSGH_BITS_COMPLEX);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND_ONCE,
		  MACH_MSGH_BITS_LOCAL(u.n.not_header.msgh_bits));
	EXPECT_EQ(NOTE_SIZE(mach_port_destroyed_notification_t),
		  u.n.not_header.msgh_size);
	EXPECT_EQ(1, u.n.not_body.msgh_descriptor_count);
	ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR, get_desc(&u.n.not_header, 0, &d));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_RECEIVE, (unsigned int)d.port.disposition);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(d.port.name));
	/*
	 * The same port: its queue came along; its context did not (XNU's
	 * ipc_port_clear_receiver() zeroes it when the right leaves).
	 */
	ctx = 1;
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_context(SELF, d.port.name, &ctx));
	EXPECT_EQ(0, ctx);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(d.port.name, &buf, 0));
	EXPECT_EQ(123, buf.header.msgh_id);
	/* The request was used up. */
	ASSERT_EQ(KERN_SUCCESS, status_of(d.port.name, &st));
	EXPECT_EQ(0, st.mps_pdrequest);
}

/*
 * A guarded, immovable receive right (MPO_CONTEXT_AS_GUARD with
 * MPO_IMMOVABLE_RECEIVE, strict or not) that a port-destroyed request
 * hands back arrives without guard, context or immovability: the new
 * holder may move it on (XNU's ipc_port_clear_receiver()).
 */
TEST_F(notify, port_destroyed_right_arrives_unguarded_and_movable)
{
	const int strict[] = { 0, MPO_STRICT };
	const int bits = MACH_PORT_STATUS_FLAG_GUARDED |
			 MACH_PORT_STATUS_FLAG_STRICT_GUARD |
			 MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE;
	mach_port_t holder = new_port(), prev;
	mach_port_name_t p;
	mach_port_context_t ctx;
	mach_port_status_t st;
	any_desc_t d;
	rcv_buf_t buf;
	unsigned int i;

	ASSERT_NE(MACH_PORT_NULL, holder);
	for (i = 0; i < 2; i++) {
		mach_port_options_t opts = {
			.flags = MPO_CONTEXT_AS_GUARD | MPO_IMMOVABLE_RECEIVE |
				 strict[i],
		};

		p = MACH_PORT_NULL;
		ASSERT_EQ(KERN_SUCCESS,
			  mach_port_construct(SELF, &opts, 0x5eed, &p));
		ASSERT_EQ(KERN_SUCCESS, status_of(p, &st));
		EXPECT_NE(0, st.mps_flags &
			     MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE);
		ASSERT_EQ(KERN_SUCCESS,
			  request(p, MACH_NOTIFY_PORT_DESTROYED, 0,
				  self->notify, &prev));
		ASSERT_EQ(KERN_SUCCESS,
			  mach_port_destruct(SELF, p, 0, 0x5eed));
		ASSERT_EQ(MACH_MSG_SUCCESS,
			  recv_timeout(self->notify, &buf, 1000));
		ASSERT_EQ(MACH_NOTIFY_PORT_DESTROYED, buf.header.msgh_id);
		ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR,
			  get_desc(&buf.header, 0, &d));
		ASSERT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(d.port.name));
		ctx = 1;
		ASSERT_EQ(KERN_SUCCESS,
			  mach_port_get_context(SELF, d.port.name, &ctx));
		EXPECT_EQ(0, ctx);
		ASSERT_EQ(KERN_SUCCESS, status_of(d.port.name, &st));
		EXPECT_EQ(0, st.mps_flags & bits);
		/* Unguarded: a context may be set and read back. */
		ASSERT_EQ(KERN_SUCCESS,
			  mach_port_set_context(SELF, d.port.name, 0x77));
		ASSERT_EQ(KERN_SUCCESS,
			  mach_port_get_context(SELF, d.port.name, &ctx));
		EXPECT_EQ(0x77, ctx);
		/* The new holder passes it on, and gets it back. */
		ASSERT_EQ(MACH_MSG_SUCCESS,
			  send_port(holder, MACH_MSG_TYPE_MAKE_SEND, 2,
				    d.port.name, MACH_MSG_TYPE_MOVE_RECEIVE));
		EXPECT_EQ(0, type_of(d.port.name));
		ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(holder, &buf, 1000));
		ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR,
			  get_desc(&buf.header, 0, &d));
		EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(d.port.name));
		EXPECT_EQ(KERN_SUCCESS,
			  mach_port_mod_refs(SELF, d.port.name,
					     MACH_PORT_RIGHT_RECEIVE, -1));
	}
	mach_port_mod_refs(SELF, holder, MACH_PORT_RIGHT_RECEIVE, -1);
}

TEST_F(notify, port_destroyed_right_rejoins_our_send_right)
{
	mach_port_t p = new_port_send(), prev;
	any_desc_t d;
	rcv_buf_t buf;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 1));
	ASSERT_EQ(KERN_SUCCESS, request(p, MACH_NOTIFY_PORT_DESTROYED, 0,
					self->notify, &prev));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_RECEIVE, -1));
	/* Not dead: the receive right is on its way to the notify port. */
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type_of(p));
	EXPECT_EQ(2, urefs_of(p, MACH_PORT_RIGHT_SEND));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &buf, 1000));
	ASSERT_EQ(MACH_NOTIFY_PORT_DESTROYED, buf.header.msgh_id);
	ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR, get_desc(&buf.header, 0, &d));
	EXPECT_EQ(p, d.port.name);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(p));
	EXPECT_EQ(2, urefs_of(p, MACH_PORT_RIGHT_SEND));
}

TEST_F(notify, port_destroyed_request_hands_back_the_previous_one)
{
	mach_port_t notify2 = new_port(), prev;

	ASSERT_EQ(KERN_SUCCESS, request(self->port, MACH_NOTIFY_PORT_DESTROYED,
					0, self->notify, &prev));
	ASSERT_EQ(KERN_SUCCESS, request(self->port, MACH_NOTIFY_PORT_DESTROYED,
					0, notify2, &prev));
	ASSERT_NE(MACH_PORT_NULL, prev);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, type_of(prev));
}

/* ---- send-once ------------------------------------------------------------------------ */

TEST_F(notify, send_once_right_destroyed_unused_notifies_its_port)
{
	mach_port_t so1 = make_send_once(self->port),
		    so2 = make_send_once(self->port);
	mach_port_t so3 = make_send_once(self->port);
	union {
		mach_send_once_notification_t n;
		rcv_buf_t room;
	} u;
	mach_port_status_t st;
	int i;

	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, so1));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, so2, MACH_PORT_RIGHT_SEND_ONCE, -1));
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, so3));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(MACH_MSG_SUCCESS,
			  recv_timeout(self->port, &u.room, 1000));
		expect_note_header(_metadata, &u.n.not_header, self->port,
				   MACH_NOTIFY_SEND_ONCE,
				   NOTE_SIZE(mach_send_once_notification_t));
	}
	EXPECT_TRUE(nothing_on(self->port, 0));
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	EXPECT_EQ(0, st.mps_sorights);
}

TEST_F(notify, send_once_right_used_for_a_message_sends_no_notification)
{
	mach_port_t so = make_send_once(self->port);
	rcv_buf_t buf;

	ASSERT_EQ(MACH_MSG_SUCCESS,
		  try_send(so, MACH_MSG_TYPE_MOVE_SEND_ONCE, 5));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 0));
	EXPECT_EQ(5, buf.header.msgh_id);
	EXPECT_TRUE(nothing_on(self->port, 50));
}

/* ---- send-possible ---------------------------------------------------------------------- */

TEST_F(notify, send_possible_fires_at_once_when_the_queue_has_room)
{
	mach_port_t s = new_port_send(), prev;
	union {
		mach_send_possible_notification_t n;
		rcv_buf_t room;
	} u;

	ASSERT_EQ(KERN_SUCCESS, request(s, MACH_NOTIFY_SEND_POSSIBLE, 1,
					self->notify, &prev));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &u.room, 1000));
	expect_note_header(_metadata, &u.n.not_header, self->notify,
			   MACH_NOTIFY_SEND_POSSIBLE,
			   NOTE_SIZE(mach_send_possible_notification_t));
	expect_native_ndr(_metadata, &u.n.NDR);
	EXPECT_EQ(s, u.n.not_port);
}

TEST_F(notify, send_possible_fires_when_a_full_queue_drains)
{
	mach_port_t s = new_port_send(), prev;
	rcv_buf_t buf;
	union {
		mach_send_possible_notification_t n;
		rcv_buf_t room;
	} u;

	ASSERT_EQ(KERN_SUCCESS, set_qlimit(s, 1));
	ASSERT_EQ(MACH_MSG_SUCCESS, try_send(s, MACH_MSG_TYPE_COPY_SEND, 1));
	ASSERT_EQ(KERN_SUCCESS, request(s, MACH_NOTIFY_SEND_POSSIBLE, 0,
					self->notify, &prev));
	EXPECT_TRUE(nothing_on(self->notify, 0));
	/* A send that finds the queue full arms it (MACH_SEND_NOTIFY). */
	EXPECT_EQ(MACH_SEND_TIMED_OUT,
		  send_simple_opt(s, MACH_MSG_TYPE_COPY_SEND, 2,
				  MACH_SEND_TIMEOUT | MACH_SEND_NOTIFY, 0));
	EXPECT_TRUE(nothing_on(self->notify, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(s, &buf, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &u.room, 1000));
	EXPECT_EQ(MACH_NOTIFY_SEND_POSSIBLE, u.n.not_header.msgh_id);
	EXPECT_EQ(s, u.n.not_port);
}

TEST_F(notify, send_possible_request_becomes_dead_name_when_the_port_dies)
{
	mach_port_t s = new_port_send(), holder, prev;
	union {
		mach_dead_name_notification_t n;
		rcv_buf_t room;
	} u;

	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(s, &holder));
	ASSERT_EQ(KERN_SUCCESS, request(s, MACH_NOTIFY_SEND_POSSIBLE, 0,
					self->notify, &prev));
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, holder));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &u.room, 1000));
	EXPECT_EQ(MACH_NOTIFY_DEAD_NAME, u.n.not_header.msgh_id);
	EXPECT_EQ(s, u.n.not_port);
}

/* ---- delivery ---------------------------------------------------------------------------- */

TEST_F(notify, notifications_ignore_the_queue_limit)
{
	mach_port_t prev;
	rcv_buf_t buf;

	ASSERT_EQ(KERN_SUCCESS, set_qlimit(self->notify, 0));
	ASSERT_EQ(KERN_SUCCESS, request(self->port, MACH_NOTIFY_NO_SENDERS, 0,
					self->notify, &prev));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &buf, 1000));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, buf.header.msgh_id);
}

/*
 * XNU (darwin-abi.md is silent): messages the kernel sends carry the
 * kernel's security token {0, 1} and an all-zero audit token.
 */
TEST_F(notify, notifications_come_from_the_kernel)
{
	mach_port_t prev;
	rcv_buf_t buf;
	mach_msg_audit_trailer_t *tr;
	int i;

	ASSERT_EQ(KERN_SUCCESS, request(self->port, MACH_NOTIFY_NO_SENDERS, 0,
					self->notify, &prev));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  recv_msg(self->notify, &buf, sizeof(buf),
			   MACH_RCV_TIMEOUT | MACH_RCV_TRAILER_ELEMENTS(
						      MACH_RCV_TRAILER_AUDIT),
			   1000));
	tr = trailer_of(&buf.header);
	EXPECT_EQ(sizeof(*tr), tr->msgh_trailer_size);
	EXPECT_EQ(0, tr->msgh_sender.val[0]);
	EXPECT_EQ(1, tr->msgh_sender.val[1]);
	for (i = 0; i < 8; i++)
		EXPECT_EQ(0, tr->msgh_audit.val[i])
		{
			TH_LOG("audit word %d", i);
		}
}

TEST_F(notify, notify_port_that_died_drops_the_notification)
{
	mach_port_t gone = new_port(), prev;

	ASSERT_EQ(KERN_SUCCESS,
		  request(self->port, MACH_NOTIFY_NO_SENDERS, 1, gone, &prev));
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, gone));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, self->port, self->port,
					 MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, self->port));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(self->port));
	EXPECT_EQ(0, msgcount_of(self->port));
}

/* ---- notifications caused by a process exiting -------------------------------------------- */

TEST_F(notify, no_senders_when_the_last_sending_process_exits)
{
	mach_port_t prev;
	mach_port_status_t st;
	int fd, go[2];
	pid_t pid;
	char c = 'x';
	union {
		mach_no_senders_notification_t n;
		rcv_buf_t room;
	} u;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, self->port, self->port,
					 MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, port_share(self->port, &fd));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, self->port));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t p = port_meet_child(fd);

		die_with_parent();
		if (!p || mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 5))
			_exit(2);
		/* Wait for the word, then leave without releasing anything. */
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		_exit(0);
	}
	close(fd);
	ASSERT_EQ(KERN_SUCCESS, request(self->port, MACH_NOTIFY_NO_SENDERS, 0,
					self->notify, &prev));
	EXPECT_TRUE(nothing_on(self->notify, 300));
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	ASSERT_EQ(1, write(go[1], &c, 1));
	EXPECT_EQ(0, mt_wait_exit(pid));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &u.room, 5000));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, u.n.not_header.msgh_id);
	EXPECT_EQ(st.mps_mscount, u.n.not_count);
}

TEST_F(notify, dead_name_when_the_receiving_process_exits)
{
	mach_port_t prev, theirs;
	int fd, go[2];
	pid_t pid;
	char c = 'x';
	rcv_buf_t buf;
	any_desc_t d;

	ASSERT_EQ(KERN_SUCCESS, port_share(self->port, &fd));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t parent = port_meet_child(fd), mine = new_port();

		die_with_parent();
		if (!parent || !mine)
			_exit(2);
		if (send_port(parent, MACH_MSG_TYPE_COPY_SEND, 1, mine,
			      MACH_MSG_TYPE_MAKE_SEND))
			_exit(3);
		if (read(go[0], &c, 1) != 1)
			_exit(4);
		_exit(0);
	}
	close(fd);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 5000));
	ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR, get_desc(&buf.header, 0, &d));
	theirs = d.port.name;
	ASSERT_EQ(MACH_PORT_TYPE_SEND, type_of(theirs));
	ASSERT_EQ(KERN_SUCCESS, request(theirs, MACH_NOTIFY_DEAD_NAME, 0,
					self->notify, &prev));
	EXPECT_TRUE(nothing_on(self->notify, 100));
	ASSERT_EQ(1, write(go[1], &c, 1));
	EXPECT_EQ(0, mt_wait_exit(pid));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &buf, 5000));
	EXPECT_EQ(MACH_NOTIFY_DEAD_NAME, buf.header.msgh_id);
	EXPECT_EQ(theirs, ((mach_dead_name_notification_t *)&buf)->not_port);
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(theirs));
}

TEST_F(notify, send_once_when_a_process_exits_holding_an_unused_send_once_right)
{
	int fd;
	pid_t pid;
	rcv_buf_t buf;
	mach_port_t child_port;
	any_desc_t d;

	ASSERT_EQ(KERN_SUCCESS, port_share(self->port, &fd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t parent = port_meet_child(fd), mine = new_port();
		rcv_buf_t b;

		die_with_parent();
		if (!parent || !mine)
			_exit(2);
		if (send_port(parent, MACH_MSG_TYPE_COPY_SEND, 1, mine,
			      MACH_MSG_TYPE_MAKE_SEND))
			_exit(3);
		/* Receive a send-once right and exit without using it. */
		if (recv_timeout(mine, &b, 5000))
			_exit(4);
		_exit(0);
	}
	close(fd);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 5000));
	ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR, get_desc(&buf.header, 0, &d));
	child_port = d.port.name;
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_port(child_port, MACH_MSG_TYPE_MOVE_SEND, 2,
			    self->notify, MACH_MSG_TYPE_MAKE_SEND_ONCE));
	EXPECT_EQ(0, mt_wait_exit(pid));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->notify, &buf, 5000));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, buf.header.msgh_id);
}

TEST_HARNESS_MAIN
