// SPDX-License-Identifier: GPL-2.0
/*
 * mach_msg through Darwin's API: sending and receiving, every disposition in
 * the header and in descriptors, out-of-line memory and ports, guarded port
 * descriptors, trailers, timeouts, queue limits, oversized messages and
 * buffers, what a failed send leaves behind, mach_msg_overwrite,
 * mach_msg_destroy, mach_msg_server_once, signals, and many threads on one
 * port.  The last tests use the raw ioctl for what only the uAPI can show.
 */
#include <sys/syscall.h>

#include <mach/mig_errors.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

FIXTURE(msg)
{
	mach_port_t port; /* a receive right, no send rights */
};

FIXTURE_SETUP(msg)
{
	IPC_REQUIRE();
	self->port = new_port();
	ASSERT_NE(MACH_PORT_NULL, self->port);
}

FIXTURE_TEARDOWN(msg)
{
}

#define TRAILER_OPT(elements)                               \
	(MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) | \
	 MACH_RCV_TRAILER_ELEMENTS(elements))

/* ---- plain messages -------------------------------------------------- */

TEST_F(msg, simple_message_arrives_intact)
{
	simple_msg_t m = { 0 };
	rcv_buf_t buf;
	mach_msg_trailer_t *tr;

	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
	m.header.msgh_size = sizeof(m);
	m.header.msgh_remote_port = self->port;
	m.header.msgh_id = 1234;
	m.payload[0] = 0x11111111;
	m.payload[3] = 0xfeedface;
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0,
			   MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE,
			   MACH_PORT_NULL));
	memset(&buf, 0xcc, sizeof(buf));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  mach_msg(&buf.header, MACH_RCV_MSG, 0, sizeof(buf),
			   self->port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL));
	EXPECT_EQ(MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND),
		  buf.header.msgh_bits);
	EXPECT_EQ(sizeof(m), buf.header.msgh_size);
	EXPECT_EQ(MACH_PORT_NULL, buf.header.msgh_remote_port);
	EXPECT_EQ(self->port, buf.header.msgh_local_port);
	EXPECT_EQ(MACH_PORT_NULL, buf.header.msgh_voucher_port);
	EXPECT_EQ(1234, buf.header.msgh_id);
	EXPECT_EQ(0, memcmp(m.payload, buf.body, sizeof(m.payload)));
	tr = trailer_of(&buf.header);
	EXPECT_EQ(MACH_MSG_TRAILER_FORMAT_0, tr->msgh_trailer_type);
	EXPECT_EQ(sizeof(mach_msg_trailer_t), tr->msgh_trailer_size);
	/* The destination right was used up by the delivery. */
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(self->port));
	EXPECT_EQ(0, msgcount_of(self->port));
}

TEST_F(msg, header_only_message_is_the_smallest)
{
	mach_msg_header_t h = {
		.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0),
		.msgh_size = sizeof(h),
		.msgh_remote_port = self->port,
		.msgh_id = 9,
	};
	rcv_buf_t buf;

	ASSERT_EQ(MACH_MSG_SUCCESS,
		  mach_msg(&h, MACH_SEND_MSG, sizeof(h), 0, MACH_PORT_NULL, 0,
			   MACH_PORT_NULL));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 0));
	EXPECT_EQ(sizeof(h), buf.header.msgh_size);
	EXPECT_EQ(9, buf.header.msgh_id);
}

TEST_F(msg, messages_arrive_in_order)
{
	rcv_buf_t buf;
	int i;

	ASSERT_EQ(KERN_SUCCESS, set_qlimit(self->port, 64));
	for (i = 0; i < 50; i++)
		ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 1000 + i));
	EXPECT_EQ(50, msgcount_of(self->port));
	for (i = 0; i < 50; i++) {
		ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 0));
		EXPECT_EQ(1000 + i, buf.header.msgh_id);
	}
	EXPECT_EQ(MACH_RCV_TIMED_OUT, recv_timeout(self->port, &buf, 0));
}

/* ---- header dispositions --------------------------------------------- */

TEST_F(msg, receiver_sees_the_destination_disposition)
{
	mach_port_t p = new_port_send(), so;
	rcv_buf_t buf;

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 2));

	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_simple_opt(p, MACH_MSG_TYPE_COPY_SEND, 1, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(p, &buf, 0));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND,
		  MACH_MSGH_BITS_LOCAL(buf.header.msgh_bits));
	EXPECT_EQ(3, urefs_of(p, MACH_PORT_RIGHT_SEND));

	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_simple_opt(p, MACH_MSG_TYPE_MOVE_SEND, 2, 0, 0));
	EXPECT_EQ(2, urefs_of(p, MACH_PORT_RIGHT_SEND));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(p, &buf, 0));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND,
		  MACH_MSGH_BITS_LOCAL(buf.header.msgh_bits));
	EXPECT_EQ(2, urefs_of(p, MACH_PORT_RIGHT_SEND));

	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_simple_opt(p, MACH_MSG_TYPE_MAKE_SEND, 3, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(p, &buf, 0));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND,
		  MACH_MSGH_BITS_LOCAL(buf.header.msgh_bits));
	EXPECT_EQ(2, urefs_of(p, MACH_PORT_RIGHT_SEND));

	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_simple_opt(p, MACH_MSG_TYPE_MAKE_SEND_ONCE, 4, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(p, &buf, 0));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND_ONCE,
		  MACH_MSGH_BITS_LOCAL(buf.header.msgh_bits));

	so = make_send_once(p);
	ASSERT_NE(MACH_PORT_NULL, so);
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_simple_opt(so, MACH_MSG_TYPE_MOVE_SEND_ONCE, 5, 0, 0));
	EXPECT_EQ(0, type_of(so));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(p, &buf, 0));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND_ONCE,
		  MACH_MSGH_BITS_LOCAL(buf.header.msgh_bits));
	EXPECT_EQ(5, buf.header.msgh_id);
}

TEST_F(msg, make_send_destination_counts_in_mscount)
{
	mach_port_status_t st;

	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 1));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 2));
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	EXPECT_EQ(2, st.mps_mscount);
	/* Queued messages hold their destination's send right. */
	EXPECT_EQ(1, st.mps_srights);
	drain(self->port);
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	EXPECT_EQ(0, st.mps_srights);
}

/* Send a simple message to dest with a reply right; receive it on dest. */
static mach_msg_return_t send_with_reply(mach_port_t dest, mach_port_t reply,
					 mach_msg_type_name_t reply_disp,
					 rcv_buf_t *buf)
{
	simple_msg_t m = { 0 };
	mach_msg_return_t mr;

	m.header.msgh_bits =
		MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, reply_disp);
	m.header.msgh_size = sizeof(m);
	m.header.msgh_remote_port = dest;
	m.header.msgh_local_port = reply;
	m.header.msgh_id = 77;
	mr = mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0, MACH_PORT_NULL, 0,
		      MACH_PORT_NULL);
	if (mr)
		return mr;
	return recv_timeout(dest, buf, 0);
}

TEST_F(msg, reply_right_arrives_in_remote_port)
{
	mach_port_t reply = new_port(), so;
	mach_port_status_t st;
	rcv_buf_t buf;

	ASSERT_NE(MACH_PORT_NULL, reply);
	/* MAKE_SEND_ONCE: a send-once right under a name of its own. */
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_with_reply(self->port, reply,
				  MACH_MSG_TYPE_MAKE_SEND_ONCE, &buf));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND_ONCE,
		  MACH_MSGH_BITS_REMOTE(buf.header.msgh_bits));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND,
		  MACH_MSGH_BITS_LOCAL(buf.header.msgh_bits));
	EXPECT_NE(reply, buf.header.msgh_remote_port);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE,
		  type_of(buf.header.msgh_remote_port));
	ASSERT_EQ(KERN_SUCCESS, status_of(reply, &st));
	EXPECT_EQ(1, st.mps_sorights);
	mach_port_deallocate(SELF, buf.header.msgh_remote_port);
	drain(reply);

	/* MAKE_SEND: a send right, which joins the receive right's name here. */
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_with_reply(self->port, reply, MACH_MSG_TYPE_MAKE_SEND,
				  &buf));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND,
		  MACH_MSGH_BITS_REMOTE(buf.header.msgh_bits));
	EXPECT_EQ(reply, buf.header.msgh_remote_port);
	EXPECT_EQ(1, urefs_of(reply, MACH_PORT_RIGHT_SEND));

	/* COPY_SEND keeps ours and adds the received one. */
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_with_reply(self->port, reply, MACH_MSG_TYPE_COPY_SEND,
				  &buf));
	EXPECT_EQ(reply, buf.header.msgh_remote_port);
	EXPECT_EQ(2, urefs_of(reply, MACH_PORT_RIGHT_SEND));

	/* MOVE_SEND gives one away and gets it back. */
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_with_reply(self->port, reply, MACH_MSG_TYPE_MOVE_SEND,
				  &buf));
	EXPECT_EQ(reply, buf.header.msgh_remote_port);
	EXPECT_EQ(2, urefs_of(reply, MACH_PORT_RIGHT_SEND));

	/* MOVE_SEND_ONCE moves the send-once right. */
	so = make_send_once(reply);
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_with_reply(self->port, so, MACH_MSG_TYPE_MOVE_SEND_ONCE,
				  &buf));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND_ONCE,
		  MACH_MSGH_BITS_REMOTE(buf.header.msgh_bits));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE,
		  type_of(buf.header.msgh_remote_port));
	ASSERT_EQ(KERN_SUCCESS, status_of(reply, &st));
	EXPECT_EQ(1, st.mps_sorights);
}

static mach_msg_return_t send_header(mach_msg_bits_t bits, mach_port_t remote,
				     mach_port_t local)
{
	mach_msg_header_t h = {
		.msgh_bits = bits,
		.msgh_size = sizeof(h),
		.msgh_remote_port = remote,
		.msgh_local_port = local,
		.msgh_id = 3,
	};

	return mach_msg(&h, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof(h), 0,
			MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

TEST_F(msg, invalid_header_is_send_invalid_header)
{
	mach_port_t p = self->port, reply = new_port();

	/* The destination must be a send or send-once disposition. */
	EXPECT_EQ(MACH_SEND_INVALID_HEADER,
		  send_header(MACH_MSGH_BITS(0, 0), p, 0));
	EXPECT_EQ(MACH_SEND_INVALID_HEADER,
		  send_header(MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_RECEIVE, 0), p,
			      0));
	EXPECT_EQ(MACH_SEND_INVALID_HEADER,
		  send_header(MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_NAME, 0), p,
			      0));
	EXPECT_EQ(MACH_SEND_INVALID_HEADER,
		  send_header(MACH_MSGH_BITS(22, 0), p, 0));
	EXPECT_EQ(MACH_SEND_INVALID_HEADER,
		  send_header(MACH_MSGH_BITS(31, 0), p, 0));
	/* So must the reply, if any, and a reply name needs a disposition. */
	EXPECT_EQ(MACH_SEND_INVALID_HEADER,
		  send_header(MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND,
					     MACH_MSG_TYPE_MOVE_RECEIVE),
			      p, reply));
	EXPECT_EQ(MACH_SEND_INVALID_HEADER,
		  send_header(MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), p,
			      reply));
	/* Bits outside MACH_MSGH_BITS_USER. */
	EXPECT_EQ(MACH_SEND_INVALID_HEADER,
		  send_header(MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) |
				      0x40000000,
			      p, 0));
	EXPECT_EQ(MACH_SEND_INVALID_HEADER,
		  send_header(MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) |
				      0x00002000,
			      p, 0));
	/* Nothing was made or queued. */
	EXPECT_EQ(0, msgcount_of(p));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(reply));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(p));
}

TEST_F(msg, invalid_destination_is_send_invalid_dest)
{
	mach_port_t so = make_send_once(self->port);
	mach_port_name_t set, dead;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &set));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  try_send(MACH_PORT_NULL, MACH_MSG_TYPE_COPY_SEND, 1));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  try_send(MACH_PORT_DEAD, MACH_MSG_TYPE_COPY_SEND, 1));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  try_send(free_name(0x380), MACH_MSG_TYPE_COPY_SEND, 1));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  try_send(dead, MACH_MSG_TYPE_COPY_SEND, 1));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  try_send(dead, MACH_MSG_TYPE_MOVE_SEND, 1));
	/* The name exists but lacks the right the disposition needs. */
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  try_send(self->port, MACH_MSG_TYPE_COPY_SEND, 1));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  try_send(self->port, MACH_MSG_TYPE_MOVE_SEND, 1));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  try_send(set, MACH_MSG_TYPE_MAKE_SEND, 1));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  try_send(so, MACH_MSG_TYPE_COPY_SEND, 1));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  try_send(so, MACH_MSG_TYPE_MAKE_SEND_ONCE, 1));
	EXPECT_EQ(0, msgcount_of(self->port));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, type_of(so));
	EXPECT_EQ(1, urefs_of(dead, MACH_PORT_RIGHT_DEAD_NAME));
}

TEST_F(msg, invalid_reply_is_send_invalid_reply_and_changes_nothing)
{
	mach_port_t dest = new_port_send(), p = new_port_send(), holder;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, dest, MACH_PORT_RIGHT_SEND, 1));
	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(p, &holder));
	/* An unknown name, and a send right asked to make a send-once right. */
	EXPECT_EQ(MACH_SEND_INVALID_REPLY,
		  send_header(MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND,
					     MACH_MSG_TYPE_MAKE_SEND_ONCE),
			      dest, free_name(0x390)));
	EXPECT_EQ(MACH_SEND_INVALID_REPLY,
		  send_header(MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND,
					     MACH_MSG_TYPE_MAKE_SEND_ONCE),
			      dest, p));
	EXPECT_EQ(MACH_SEND_INVALID_REPLY,
		  send_header(MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND,
					     MACH_MSG_TYPE_COPY_SEND),
			      dest, self->port));
	/* The destination's moved send right was not consumed. */
	EXPECT_EQ(2, urefs_of(dest, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(0, msgcount_of(dest));
	EXPECT_EQ(1, urefs_of(p, MACH_PORT_RIGHT_SEND));
}

/* ---- a failed send leaves nothing lost ---------------------------------- */

TEST_F(msg, send_to_invalid_dest_leaves_every_right_and_region_in_place)
{
	mach_port_t reply = new_port(), r3 = new_port(), r4 = new_port_send();
	mach_port_name_t dead;
	struct msg_builder b;
	mach_port_status_t st;
	size_t len = 2 * page_size();
	void *mem = map_pages(len);
	mach_port_context_t ctx = 0;

	ASSERT_NE(NULL, mem);
	fill_pattern(mem, len, 3);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, r4, MACH_PORT_RIGHT_SEND, 1));
	ASSERT_EQ(KERN_SUCCESS, mach_port_set_context(SELF, r3, 0x3333));
	mb_init(&b, dead, MACH_MSG_TYPE_MOVE_SEND, reply,
		MACH_MSG_TYPE_MAKE_SEND_ONCE, 5);
	mb_port(&b, r3, MACH_MSG_TYPE_MOVE_RECEIVE);
	mb_port(&b, r4, MACH_MSG_TYPE_MOVE_SEND);
	mb_ool(&b, mem, len, TRUE, MACH_MSG_VIRTUAL_COPY);
	EXPECT_EQ(MACH_SEND_INVALID_DEST, mb_send(&b, MACH_SEND_TIMEOUT, 0));

	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(dead));
	EXPECT_EQ(1, urefs_of(dead, MACH_PORT_RIGHT_DEAD_NAME));
	ASSERT_EQ(KERN_SUCCESS, status_of(reply, &st));
	EXPECT_EQ(0, st.mps_sorights);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(r3));
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_context(SELF, r3, &ctx));
	EXPECT_EQ(0x3333, ctx);
	EXPECT_EQ(2, urefs_of(r4, MACH_PORT_RIGHT_SEND));
	EXPECT_TRUE(is_mapped(mem, len));
	EXPECT_TRUE(check_pattern(mem, len, 3));
}

/*
 * A send that times out on a full queue was copied in: Darwin hands what it
 * carried back ("pseudo-receive") and rewrites the buffer to describe it, so
 * that sending the returned buffer again delivers the same message.  The
 * buffer's names and addresses are where the rights and memory now are.
 */
TEST_F(msg, send_timed_out_on_full_queue_hands_everything_back)
{
	mach_port_t dest = new_port_send(), r3 = new_port(),
		    r4 = new_port_send();
	mach_port_t reply = new_port();
	size_t len = 3 * page_size();
	void *keep = map_pages(len), *give = map_pages(len);
	struct msg_builder b;
	any_desc_t d;
	mach_port_context_t ctx = 0;
	mach_port_status_t st;
	rcv_buf_t *rbuf;
	long dest_refs;

	ASSERT_NE(NULL, keep);
	ASSERT_NE(NULL, give);
	fill_pattern(keep, len, 1);
	fill_pattern(give, len, 2);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, r4, MACH_PORT_RIGHT_SEND, 1));
	ASSERT_EQ(KERN_SUCCESS, mach_port_set_context(SELF, r3, 0x3333));
	ASSERT_EQ(KERN_SUCCESS, set_qlimit(dest, 1));
	ASSERT_EQ(MACH_MSG_SUCCESS, try_send(dest, MACH_MSG_TYPE_COPY_SEND, 1));

	mb_init(&b, dest, MACH_MSG_TYPE_COPY_SEND, reply,
		MACH_MSG_TYPE_MAKE_SEND_ONCE, 42);
	mb_port(&b, r3, MACH_MSG_TYPE_MOVE_RECEIVE);
	mb_port(&b, r4, MACH_MSG_TYPE_MOVE_SEND);
	mb_ool(&b, keep, len, FALSE, MACH_MSG_VIRTUAL_COPY);
	mb_ool(&b, give, len, TRUE, MACH_MSG_VIRTUAL_COPY);
	ASSERT_EQ(MACH_SEND_TIMED_OUT, mb_send(&b, MACH_SEND_TIMEOUT, 0));
	EXPECT_EQ(1, msgcount_of(dest));

	/* The destination: unchanged, or one more ref if the buffer now moves it. */
	dest_refs = urefs_of(dest, MACH_PORT_RIGHT_SEND);
	if (MACH_MSGH_BITS_REMOTE(b.u.header.msgh_bits) ==
	    MACH_MSG_TYPE_COPY_SEND) {
		EXPECT_EQ(1, dest_refs);
	} else {
		EXPECT_EQ(2, dest_refs);
	}
	EXPECT_EQ(dest, b.u.header.msgh_remote_port);

	/* The moved receive right is ours again, under the name in the buffer. */
	ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR, get_desc(&b.u.header, 0, &d));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(d.port.name));
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_context(SELF, d.port.name, &ctx));
	EXPECT_EQ(0x3333, ctx);
	/* The moved send right too. */
	ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR, get_desc(&b.u.header, 1, &d));
	EXPECT_EQ(r4, d.port.name);
	EXPECT_EQ(2, urefs_of(r4, MACH_PORT_RIGHT_SEND));
	/* Memory kept by the sender is untouched; memory given away is back. */
	EXPECT_TRUE(is_mapped(keep, len));
	EXPECT_TRUE(check_pattern(keep, len, 1));
	ASSERT_EQ(MACH_MSG_OOL_DESCRIPTOR, get_desc(&b.u.header, 3, &d));
	EXPECT_EQ(len, d.ool.size);
	ASSERT_NE(NULL, d.ool.address);
	EXPECT_TRUE(check_pattern(d.ool.address, len, 2));

	/* Make room; the returned buffer, sent again, delivers the message. */
	rbuf = calloc(1, sizeof(*rbuf));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(dest, rbuf, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, mb_send(&b, MACH_SEND_TIMEOUT, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(dest, rbuf, 0));
	EXPECT_EQ(42, rbuf->header.msgh_id);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND_ONCE,
		  MACH_MSGH_BITS_REMOTE(rbuf->header.msgh_bits));
	ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR, get_desc(&rbuf->header, 0, &d));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_RECEIVE, (unsigned int)d.port.disposition);
	/* Delivered, it arrives without the sender's context (XNU). */
	ctx = 1;
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_context(SELF, d.port.name, &ctx));
	EXPECT_EQ(0, ctx);
	ASSERT_EQ(MACH_MSG_OOL_DESCRIPTOR, get_desc(&rbuf->header, 2, &d));
	EXPECT_TRUE(check_pattern(d.ool.address, len, 1));
	ASSERT_EQ(MACH_MSG_OOL_DESCRIPTOR, get_desc(&rbuf->header, 3, &d));
	EXPECT_TRUE(check_pattern(d.ool.address, len, 2));
	mach_msg_destroy(&rbuf->header);
	/* After delivery and destruction: the send refs as for one plain send. */
	EXPECT_EQ(1, urefs_of(dest, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(1, urefs_of(r4, MACH_PORT_RIGHT_SEND));
	/* The reply right died unused: its notification uses it up. */
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(reply, rbuf, 1000));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, rbuf->header.msgh_id);
	ASSERT_EQ(KERN_SUCCESS, status_of(reply, &st));
	EXPECT_EQ(0, st.mps_sorights);
	free(rbuf);
}

/* ---- timeouts ---------------------------------------------------------------- */

TEST_F(msg, receive_timeout_zero_polls)
{
	rcv_buf_t buf;
	double t = mt_now();

	EXPECT_EQ(MACH_RCV_TIMED_OUT, recv_timeout(self->port, &buf, 0));
	EXPECT_GT(1.0, mt_now() - t);
}

TEST_F(msg, receive_timeout_waits_that_long)
{
	rcv_buf_t buf;
	double t = mt_now();

	EXPECT_EQ(MACH_RCV_TIMED_OUT, recv_timeout(self->port, &buf, 80));
	EXPECT_LE(0.079, mt_now() - t);
	EXPECT_GT(5.0, mt_now() - t);
}

TEST_F(msg, send_timeout_on_full_queue)
{
	double t;
	int i;

	for (i = 0; i < MACH_PORT_QLIMIT_DEFAULT; i++)
		ASSERT_EQ(MACH_MSG_SUCCESS,
			  try_send(self->port, MACH_MSG_TYPE_MAKE_SEND, i));
	t = mt_now();
	EXPECT_EQ(MACH_SEND_TIMED_OUT,
		  try_send(self->port, MACH_MSG_TYPE_MAKE_SEND, 99));
	EXPECT_GT(1.0, mt_now() - t);
	t = mt_now();
	EXPECT_EQ(MACH_SEND_TIMED_OUT,
		  send_simple_opt(self->port, MACH_MSG_TYPE_MAKE_SEND, 99,
				  MACH_SEND_TIMEOUT, 80));
	EXPECT_LE(0.079, mt_now() - t);
	EXPECT_EQ(MACH_PORT_QLIMIT_DEFAULT, msgcount_of(self->port));
}

/* ---- queue limits -------------------------------------------------------------- */

TEST_F(msg, default_queue_limit_is_five_messages)
{
	int i;

	for (i = 0; i < 5; i++)
		EXPECT_EQ(MACH_MSG_SUCCESS,
			  try_send(self->port, MACH_MSG_TYPE_MAKE_SEND, i));
	EXPECT_EQ(MACH_SEND_TIMED_OUT,
		  try_send(self->port, MACH_MSG_TYPE_MAKE_SEND, 5));
	EXPECT_EQ(5, msgcount_of(self->port));
}

TEST_F(msg, queue_limit_follows_set_attributes)
{
	rcv_buf_t buf;
	int i;

	ASSERT_EQ(KERN_SUCCESS, set_qlimit(self->port, 10));
	for (i = 0; i < 10; i++)
		EXPECT_EQ(MACH_MSG_SUCCESS,
			  try_send(self->port, MACH_MSG_TYPE_MAKE_SEND, i));
	EXPECT_EQ(MACH_SEND_TIMED_OUT,
		  try_send(self->port, MACH_MSG_TYPE_MAKE_SEND, 10));
	/* Lowering it below the queue keeps what is queued. */
	ASSERT_EQ(KERN_SUCCESS, set_qlimit(self->port, 2));
	EXPECT_EQ(10, msgcount_of(self->port));
	EXPECT_EQ(MACH_SEND_TIMED_OUT,
		  try_send(self->port, MACH_MSG_TYPE_MAKE_SEND, 10));
	drain(self->port);
	ASSERT_EQ(KERN_SUCCESS, set_qlimit(self->port, 0));
	EXPECT_EQ(MACH_SEND_TIMED_OUT,
		  try_send(self->port, MACH_MSG_TYPE_MAKE_SEND, 1));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, recv_timeout(self->port, &buf, 0));
}

TEST_F(msg, send_once_destination_ignores_the_queue_limit)
{
	mach_port_t so;
	int i;

	for (i = 0; i < 5; i++)
		ASSERT_EQ(MACH_MSG_SUCCESS,
			  try_send(self->port, MACH_MSG_TYPE_MAKE_SEND, i));
	EXPECT_EQ(MACH_MSG_SUCCESS,
		  try_send(self->port, MACH_MSG_TYPE_MAKE_SEND_ONCE, 5));
	so = make_send_once(self->port);
	EXPECT_EQ(MACH_MSG_SUCCESS,
		  try_send(so, MACH_MSG_TYPE_MOVE_SEND_ONCE, 6));
	EXPECT_EQ(7, msgcount_of(self->port));
	ASSERT_EQ(KERN_SUCCESS, set_qlimit(self->port, 0));
	EXPECT_EQ(MACH_MSG_SUCCESS,
		  try_send(self->port, MACH_MSG_TYPE_MAKE_SEND_ONCE, 7));
	EXPECT_EQ(MACH_SEND_TIMED_OUT,
		  try_send(self->port, MACH_MSG_TYPE_MAKE_SEND, 8));
}

struct sender_arg {
	mach_port_t port;
	mach_msg_return_t mr;
	volatile pid_t tid; /* set right before the send */
	volatile int done;
};

static void *blocking_sender(void *p)
{
	struct sender_arg *a = p;

	a->tid = ipc_gettid();
	a->mr = send_simple_opt(a->port, MACH_MSG_TYPE_MAKE_SEND, 500, 0, 0);
	a->done = 1;
	return NULL;
}

TEST_F(msg, blocked_sender_wakes_when_a_message_is_received)
{
	struct sender_arg a = { .port = self->port };
	rcv_buf_t buf;
	pthread_t t;
	int i;

	for (i = 0; i < 5; i++)
		ASSERT_EQ(MACH_MSG_SUCCESS,
			  try_send(self->port, MACH_MSG_TYPE_MAKE_SEND, i));
	ASSERT_EQ(0, pthread_create(&t, NULL, blocking_sender, &a));
	ASSERT_EQ(0, ipc_wait_sleeping(&a.tid));
	EXPECT_EQ(0, a.done);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 0));
	EXPECT_TRUE(ipc_wait_flag(&a.done, 10));
	pthread_join(t, NULL);
	EXPECT_EQ(MACH_MSG_SUCCESS, a.mr);
	EXPECT_EQ(5, msgcount_of(self->port));
	for (i = 1; i < 5; i++) {
		ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 0));
		EXPECT_EQ(i, buf.header.msgh_id);
	}
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 0));
	EXPECT_EQ(500, buf.header.msgh_id);
}

TEST_F(msg, raising_the_queue_limit_wakes_a_blocked_sender)
{
	struct sender_arg a = { .port = self->port };
	pthread_t t;

	ASSERT_EQ(KERN_SUCCESS, set_qlimit(self->port, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, blocking_sender, &a));
	ASSERT_EQ(0, ipc_wait_sleeping(&a.tid));
	EXPECT_EQ(0, a.done);
	ASSERT_EQ(KERN_SUCCESS, set_qlimit(self->port, 1));
	EXPECT_TRUE(ipc_wait_flag(&a.done, 10));
	pthread_join(t, NULL);
	EXPECT_EQ(MACH_MSG_SUCCESS, a.mr);
	EXPECT_EQ(1, msgcount_of(self->port));
}

TEST_F(msg, destroying_the_port_fails_a_blocked_sender)
{
	mach_port_t p = new_port_send();
	struct sender_arg a;
	pthread_t t;

	ASSERT_EQ(KERN_SUCCESS, set_qlimit(p, 0));
	a.port = p;
	a.done = 0;
	ASSERT_EQ(0, pthread_create(&t, NULL, blocking_sender, &a));
	ASSERT_EQ(0, ipc_wait_sleeping(&a.tid));
	ASSERT_EQ(0, a.done);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_TRUE(ipc_wait_flag(&a.done, 10));
	pthread_join(t, NULL);
	/* XNU: the send completes as if delivered to a port that then died. */
	EXPECT_TRUE(a.mr == MACH_MSG_SUCCESS || a.mr == MACH_SEND_INVALID_DEST)
	{
		TH_LOG("blocked send returned 0x%x", a.mr);
	}
}

/* ---- receive buffer sizes ---------------------------------------------------------- */

TEST_F(msg, rcv_large_leaves_the_message_queued_and_reports_its_size)
{
	struct {
		mach_msg_header_t header;
		uint8_t body[600];
	} big = { 0 };
	struct {
		mach_msg_header_t header;
		uint8_t body[16];
	} small;
	rcv_buf_t buf;

	big.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
	big.header.msgh_remote_port = self->port;
	big.header.msgh_id = 8;
	big.body[599] = 0x5a;
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  mach_msg(&big.header, MACH_SEND_MSG, sizeof(big), 0,
			   MACH_PORT_NULL, 0, MACH_PORT_NULL));
	memset(&small, 0, sizeof(small));
	EXPECT_EQ(MACH_RCV_TOO_LARGE,
		  mach_msg(&small.header,
			   MACH_RCV_MSG | MACH_RCV_LARGE | MACH_RCV_TIMEOUT, 0,
			   sizeof(small), self->port, 0, MACH_PORT_NULL));
	/* The size of the message (header and body), the trailer not included. */
	EXPECT_EQ(sizeof(big), small.header.msgh_size);
	EXPECT_EQ(1, msgcount_of(self->port));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 0));
	EXPECT_EQ(sizeof(big), buf.header.msgh_size);
	EXPECT_EQ(0x5a, buf.body[599]);
}

TEST_F(msg, rcv_large_identity_reports_the_port)
{
	mach_port_name_t set;
	struct {
		mach_msg_header_t header;
		uint8_t body[4];
	} small;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &set));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_member(SELF, self->port, set));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 1));
	memset(&small, 0, sizeof(small));
	EXPECT_EQ(MACH_RCV_TOO_LARGE,
		  mach_msg(&small.header,
			   MACH_RCV_MSG | MACH_RCV_LARGE |
				   MACH_RCV_LARGE_IDENTITY | MACH_RCV_TIMEOUT,
			   0, sizeof(small), set, 0, MACH_PORT_NULL));
	EXPECT_EQ(sizeof(simple_msg_t), small.header.msgh_size);
	EXPECT_EQ(self->port, small.header.msgh_local_port);
	EXPECT_EQ(1, msgcount_of(self->port));
}

TEST_F(msg, rcv_too_large_without_rcv_large_destroys_the_message_and_its_rights)
{
	mach_port_t notify = new_port(), carried = new_port(), prev;
	struct msg_builder b;
	struct {
		mach_msg_header_t header;
		uint8_t body[4];
	} small;
	rcv_buf_t buf;

	/* carried gets a send right only through the message. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_request_notification(
			  SELF, carried, MACH_NOTIFY_NO_SENDERS, 1, notify,
			  MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 11);
	mb_port(&b, carried, MACH_MSG_TYPE_MAKE_SEND);
	ASSERT_EQ(MACH_MSG_SUCCESS, mb_send(&b, 0, 0));
	EXPECT_EQ(MACH_RCV_TOO_LARGE,
		  mach_msg(&small.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
			   sizeof(small), self->port, 0, MACH_PORT_NULL));
	EXPECT_EQ(0, msgcount_of(self->port));
	/* The send right it carried was destroyed: no senders are left. */
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(notify, &buf, 1000));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, buf.header.msgh_id);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(carried));
}

TEST_F(msg, requested_trailer_must_fit_in_the_buffer)
{
	struct {
		simple_msg_t m;
		uint8_t room[sizeof(mach_msg_trailer_t)];
	} exact;

	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 1));
	/* Room for the message and the base trailer, not for the audit trailer. */
	memset(&exact, 0, sizeof(exact));
	EXPECT_EQ(MACH_RCV_TOO_LARGE,
		  mach_msg(&exact.m.header,
			   MACH_RCV_MSG | MACH_RCV_LARGE | MACH_RCV_TIMEOUT |
				   TRAILER_OPT(MACH_RCV_TRAILER_AUDIT),
			   0, sizeof(exact), self->port, 0, MACH_PORT_NULL));
	EXPECT_EQ(1, msgcount_of(self->port));
	/* The base trailer fits. */
	EXPECT_EQ(MACH_MSG_SUCCESS,
		  mach_msg(&exact.m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
			   sizeof(exact), self->port, 0, MACH_PORT_NULL));
}

/* ---- trailers ----------------------------------------------------------------------- */

TEST_F(msg, trailer_elements_grow_the_trailer)
{
	static const struct {
		int elements;
		mach_msg_size_t size;
	} t[] = {
		{ MACH_RCV_TRAILER_NULL, sizeof(mach_msg_trailer_t) },
		{ MACH_RCV_TRAILER_SEQNO, sizeof(mach_msg_seqno_trailer_t) },
		{ MACH_RCV_TRAILER_SENDER,
		  sizeof(mach_msg_security_trailer_t) },
		{ MACH_RCV_TRAILER_AUDIT, sizeof(mach_msg_audit_trailer_t) },
		{ MACH_RCV_TRAILER_CTX, sizeof(mach_msg_context_trailer_t) },
	};
	rcv_buf_t buf;
	unsigned int i;

	EXPECT_EQ(8, sizeof(mach_msg_trailer_t));
	EXPECT_EQ(12, sizeof(mach_msg_seqno_trailer_t));
	EXPECT_EQ(20, sizeof(mach_msg_security_trailer_t));
	EXPECT_EQ(52, sizeof(mach_msg_audit_trailer_t));
	EXPECT_EQ(60, sizeof(mach_msg_context_trailer_t));
	EXPECT_EQ(68, MAX_TRAILER_SIZE);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		mach_msg_trailer_t *tr;

		ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, i));
		ASSERT_EQ(MACH_MSG_SUCCESS,
			  recv_msg(self->port, &buf, sizeof(buf),
				   MACH_RCV_TIMEOUT |
					   TRAILER_OPT(t[i].elements),
				   0));
		tr = trailer_of(&buf.header);
		EXPECT_EQ(MACH_MSG_TRAILER_FORMAT_0, tr->msgh_trailer_type);
		EXPECT_EQ(t[i].size, tr->msgh_trailer_size)
		{
			TH_LOG("elements %d", t[i].elements);
		}
	}
}

TEST_F(msg, sender_and_audit_trailers_identify_the_sender)
{
	rcv_buf_t buf;
	mach_msg_audit_trailer_t *tr;

	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 1));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  recv_msg(self->port, &buf, sizeof(buf),
			   MACH_RCV_TIMEOUT |
				   TRAILER_OPT(MACH_RCV_TRAILER_AUDIT),
			   0));
	tr = trailer_of(&buf.header);
	EXPECT_EQ(sizeof(*tr), tr->msgh_trailer_size);
	EXPECT_EQ(geteuid(), tr->msgh_sender.val[0]);
	EXPECT_EQ(getegid(), tr->msgh_sender.val[1]);
	EXPECT_EQ(geteuid(), tr->msgh_audit.val[1]);
	EXPECT_EQ(getegid(), tr->msgh_audit.val[2]);
	EXPECT_EQ(getuid(), tr->msgh_audit.val[3]);
	EXPECT_EQ(getgid(), tr->msgh_audit.val[4]);
	EXPECT_EQ(getpid(), (pid_t)tr->msgh_audit.val[5]);
}

TEST_F(msg, context_trailer_carries_the_port_context)
{
	rcv_buf_t buf;
	mach_msg_context_trailer_t *tr;

	ASSERT_EQ(KERN_SUCCESS, mach_port_set_context(SELF, self->port,
						      0x0123456789abcdefull));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 1));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  recv_msg(self->port, &buf, sizeof(buf),
			   MACH_RCV_TIMEOUT | TRAILER_OPT(MACH_RCV_TRAILER_CTX),
			   0));
	tr = trailer_of(&buf.header);
	EXPECT_EQ(sizeof(*tr), tr->msgh_trailer_size);
	EXPECT_EQ(0x0123456789abcdefull, tr->msgh_context);
	EXPECT_EQ(getpid(), (pid_t)tr->msgh_audit.val[5]);
}

TEST_F(msg, trailer_bytes_not_requested_are_not_written)
{
	rcv_buf_t buf;
	uint8_t *p;
	size_t i;

	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 1));
	memset(&buf, 0xee, sizeof(buf));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  mach_msg(&buf.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
			   sizeof(buf), self->port, 0, MACH_PORT_NULL));
	p = (uint8_t *)trailer_of(&buf.header) + sizeof(mach_msg_trailer_t);
	for (i = 0; i < MAX_TRAILER_SIZE - sizeof(mach_msg_trailer_t); i++)
		ASSERT_EQ(0xee, p[i])
		{
			TH_LOG("byte %zu past the base trailer", i);
		}
}

TEST_F(msg, seqno_counts_received_messages)
{
	rcv_buf_t buf;
	mach_msg_seqno_trailer_t *tr;
	int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, i));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(MACH_MSG_SUCCESS,
			  recv_msg(self->port, &buf, sizeof(buf),
				   MACH_RCV_TIMEOUT |
					   TRAILER_OPT(MACH_RCV_TRAILER_SEQNO),
				   0));
		tr = trailer_of(&buf.header);
		EXPECT_EQ(i, tr->msgh_seqno);
	}
}

/* ---- RPC: send and receive in one call ------------------------------------------------- */

struct server_arg {
	mach_port_t port;
	int count;
	mach_msg_return_t mr;
};

/* Answers "count" requests: id + 100, payload doubled, through the reply right. */
static void *echo_server(void *p)
{
	struct server_arg *a = p;
	rcv_buf_t req;
	simple_msg_t rep;
	int i;

	for (i = 0; i < a->count; i++) {
		a->mr = recv_msg(a->port, &req, sizeof(req), MACH_RCV_TIMEOUT,
				 10000);
		if (a->mr)
			return NULL;
		memset(&rep, 0, sizeof(rep));
		rep.header.msgh_bits = MACH_MSGH_BITS(
			MACH_MSGH_BITS_REMOTE(req.header.msgh_bits), 0);
		rep.header.msgh_size = sizeof(rep);
		rep.header.msgh_remote_port = req.header.msgh_remote_port;
		rep.header.msgh_id = req.header.msgh_id + 100;
		memcpy(rep.payload, req.body, sizeof(rep.payload));
		rep.payload[0] *= 2;
		a->mr = mach_msg(&rep.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT,
				 sizeof(rep), 0, MACH_PORT_NULL, 10000,
				 MACH_PORT_NULL);
		if (a->mr)
			return NULL;
	}
	return NULL;
}

TEST_F(msg, rpc_with_a_send_once_reply_port)
{
	struct server_arg sa = { .port = self->port, .count = 20 };
	mach_port_t reply = mach_reply_port();
	mach_port_status_t st;
	pthread_t t;
	int i;

	ASSERT_NE(MACH_PORT_NULL, reply);
	ASSERT_EQ(0, pthread_create(&t, NULL, echo_server, &sa));
	for (i = 0; i < 20; i++) {
		union {
			simple_msg_t m;
			rcv_buf_t r;
		} u;

		memset(&u, 0, sizeof(u));
		u.m.header.msgh_bits = MACH_MSGH_BITS(
			MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
		u.m.header.msgh_size = sizeof(u.m);
		u.m.header.msgh_remote_port = self->port;
		u.m.header.msgh_local_port = reply;
		u.m.header.msgh_id = 400 + i;
		u.m.payload[0] = i;
		ASSERT_EQ(MACH_MSG_SUCCESS,
			  mach_msg(&u.m.header,
				   MACH_SEND_MSG | MACH_RCV_MSG |
					   MACH_RCV_TIMEOUT,
				   sizeof(u.m), sizeof(u.r), reply, 10000,
				   MACH_PORT_NULL));
		EXPECT_EQ(500 + i, u.r.header.msgh_id);
		EXPECT_EQ(reply, u.r.header.msgh_local_port);
		EXPECT_EQ(MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND_ONCE),
			  u.r.header.msgh_bits);
		EXPECT_EQ(2 * i, u.m.payload[0]);
	}
	pthread_join(t, NULL);
	EXPECT_EQ(MACH_MSG_SUCCESS, sa.mr);
	/* Every send-once right was used up by its reply. */
	ASSERT_EQ(KERN_SUCCESS, status_of(reply, &st));
	EXPECT_EQ(0, st.mps_sorights);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(reply));
}

TEST_F(msg, failed_send_half_skips_the_receive)
{
	mach_port_t reply = new_port();
	union {
		simple_msg_t m;
		rcv_buf_t r;
	} u;

	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(reply, 55));
	memset(&u, 0, sizeof(u));
	u.m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
	u.m.header.msgh_size = sizeof(u.m);
	u.m.header.msgh_remote_port = free_name(0x3a0);
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  mach_msg(&u.m.header,
			   MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT,
			   sizeof(u.m), sizeof(u.r), reply, 0, MACH_PORT_NULL));
	EXPECT_EQ(1, msgcount_of(reply));
}

/* ---- port descriptors -------------------------------------------------------------------- */

TEST_F(msg, port_descriptor_dispositions_as_received)
{
	static const struct {
		mach_msg_type_name_t send, recv;
	} t[] = {
		{ MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_PORT_SEND },
		{ MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_PORT_SEND },
		{ MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_PORT_SEND },
		{ MACH_MSG_TYPE_MAKE_SEND_ONCE, MACH_MSG_TYPE_PORT_SEND_ONCE },
		{ MACH_MSG_TYPE_MOVE_SEND_ONCE, MACH_MSG_TYPE_PORT_SEND_ONCE },
		{ MACH_MSG_TYPE_MOVE_RECEIVE, MACH_MSG_TYPE_PORT_RECEIVE },
	};
	unsigned int i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		mach_port_t carried = new_port_send(), name = carried;
		struct msg_builder b;
		rcv_buf_t buf;
		any_desc_t d;

		ASSERT_NE(MACH_PORT_NULL, carried);
		if (t[i].send == MACH_MSG_TYPE_MOVE_SEND_ONCE)
			name = make_send_once(carried);
		mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 100 + i);
		mb_port(&b, name, t[i].send);
		ASSERT_EQ(MACH_MSG_SUCCESS, mb_send(&b, 0, 0))
		{
			TH_LOG("disposition %u", t[i].send);
		}
		ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 0));
		EXPECT_NE(0, buf.header.msgh_bits & MACH_MSGH_BITS_COMPLEX);
		EXPECT_EQ(sizeof(mach_msg_header_t) + sizeof(mach_msg_body_t) +
				  sizeof(mach_msg_port_descriptor_t),
			  buf.header.msgh_size);
		ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR,
			  get_desc(&buf.header, 0, &d));
		EXPECT_EQ(t[i].recv, (unsigned int)d.port.disposition)
		{
			TH_LOG("disposition %u", t[i].send);
		}
		switch (t[i].recv) {
		case MACH_MSG_TYPE_PORT_SEND:
			/* Received send rights join the receive right's name. */
			EXPECT_EQ(carried, d.port.name);
			EXPECT_EQ(t[i].send == MACH_MSG_TYPE_MOVE_SEND ? 1 : 2,
				  urefs_of(carried, MACH_PORT_RIGHT_SEND));
			break;
		case MACH_MSG_TYPE_PORT_SEND_ONCE:
			EXPECT_NE(carried, d.port.name);
			EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE,
				  type_of(d.port.name));
			break;
		case MACH_MSG_TYPE_PORT_RECEIVE:
			/* Its send right stayed behind, so it comes back under that name. */
			EXPECT_EQ(carried, d.port.name);
			EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE,
				  type_of(carried));
			break;
		}
	}
}

TEST_F(msg, move_receive_takes_the_right_away_until_received)
{
	mach_port_t carried = new_port();
	struct msg_builder b;
	rcv_buf_t buf;
	any_desc_t d;
	mach_port_context_t ctx = 0;

	ASSERT_EQ(KERN_SUCCESS, mach_port_set_context(SELF, carried, 0xc0de));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(carried, 61));
	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 60);
	mb_port(&b, carried, MACH_MSG_TYPE_MOVE_RECEIVE);
	ASSERT_EQ(MACH_MSG_SUCCESS, mb_send(&b, 0, 0));
	EXPECT_EQ(0, type_of(carried));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 0));
	ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR, get_desc(&buf.header, 0, &d));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_RECEIVE, (unsigned int)d.port.disposition);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(d.port.name));
	/* Its context did not: XNU's ipc_port_clear_receiver() zeroes it. */
	ctx = 1;
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_context(SELF, d.port.name, &ctx));
	EXPECT_EQ(0, ctx);
	/* Its queue travelled with it. */
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(d.port.name, &buf, 0));
	EXPECT_EQ(61, buf.header.msgh_id);
}

TEST_F(msg, port_descriptor_carries_null_and_dead)
{
	struct msg_builder b;
	rcv_buf_t buf;
	any_desc_t d;

	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_port(&b, MACH_PORT_NULL, MACH_MSG_TYPE_COPY_SEND);
	mb_port(&b, MACH_PORT_DEAD, MACH_MSG_TYPE_MOVE_SEND);
	mb_port(&b, MACH_PORT_DEAD, MACH_MSG_TYPE_MOVE_SEND_ONCE);
	ASSERT_EQ(MACH_MSG_SUCCESS, mb_send(&b, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 0));
	ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR, get_desc(&buf.header, 0, &d));
	EXPECT_EQ(MACH_PORT_NULL, d.port.name);
	ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR, get_desc(&buf.header, 1, &d));
	EXPECT_EQ(MACH_PORT_DEAD, d.port.name);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND, (unsigned int)d.port.disposition);
	ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR, get_desc(&buf.header, 2, &d));
	EXPECT_EQ(MACH_PORT_DEAD, d.port.name);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND_ONCE,
		  (unsigned int)d.port.disposition);
}

TEST_F(msg, port_descriptor_without_the_right_is_send_invalid_right)
{
	mach_port_t p = new_port_send(), holder;
	struct msg_builder b;

	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(p, &holder));
	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_port(&b, free_name(0x3b0), MACH_MSG_TYPE_COPY_SEND);
	EXPECT_EQ(MACH_SEND_INVALID_RIGHT, mb_send(&b, MACH_SEND_TIMEOUT, 0));
	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_port(&b, p, MACH_MSG_TYPE_MOVE_RECEIVE);
	EXPECT_EQ(MACH_SEND_INVALID_RIGHT, mb_send(&b, MACH_SEND_TIMEOUT, 0));
	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_port(&b, p, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	EXPECT_EQ(MACH_SEND_INVALID_RIGHT, mb_send(&b, MACH_SEND_TIMEOUT, 0));
	EXPECT_EQ(0, msgcount_of(self->port));
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type_of(p));
}

TEST_F(msg, bad_descriptor_type_or_disposition_is_send_invalid_type)
{
	struct msg_builder b;
	mach_msg_port_descriptor_t bad;
	mach_port_t names[1];

	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_port(&b, self->port, MACH_MSG_TYPE_PORT_NAME);
	EXPECT_EQ(MACH_SEND_INVALID_TYPE, mb_send(&b, MACH_SEND_TIMEOUT, 0));
	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_port(&b, self->port, 0);
	EXPECT_EQ(MACH_SEND_INVALID_TYPE, mb_send(&b, MACH_SEND_TIMEOUT, 0));
	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_port(&b, self->port, MACH_MSG_TYPE_DISPOSE_SEND);
	EXPECT_EQ(MACH_SEND_INVALID_TYPE, mb_send(&b, MACH_SEND_TIMEOUT, 0));
	/* A descriptor type that does not exist. */
	memset(&bad, 0, sizeof(bad));
	bad.type = 7;
	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_add(&b, &bad, sizeof(bad));
	EXPECT_EQ(MACH_SEND_INVALID_TYPE, mb_send(&b, MACH_SEND_TIMEOUT, 0));
	/* An out-of-line port array's disposition. */
	names[0] = self->port;
	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_ool_ports(&b, names, 1, 99, FALSE);
	EXPECT_EQ(MACH_SEND_INVALID_TYPE, mb_send(&b, MACH_SEND_TIMEOUT, 0));
	EXPECT_EQ(0, msgcount_of(self->port));
}

TEST_F(msg, descriptor_count_beyond_the_message_is_send_msg_too_small)
{
	struct msg_builder b;
	mach_msg_body_t *body;

	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_port(&b, MACH_PORT_NULL, MACH_MSG_TYPE_COPY_SEND);
	body = (mach_msg_body_t *)(b.u.bytes + sizeof(mach_msg_header_t));
	body->msgh_descriptor_count = 5;
	EXPECT_EQ(MACH_SEND_MSG_TOO_SMALL, mb_send(&b, MACH_SEND_TIMEOUT, 0));
	body->msgh_descriptor_count = 0x7fffffff;
	EXPECT_EQ(MACH_SEND_MSG_TOO_SMALL, mb_send(&b, MACH_SEND_TIMEOUT, 0));
	/* A complex message too short for its body. */
	b.len = sizeof(mach_msg_header_t);
	EXPECT_EQ(MACH_SEND_MSG_TOO_SMALL, mb_send(&b, MACH_SEND_TIMEOUT, 0));
	EXPECT_EQ(0, msgcount_of(self->port));
}

TEST_F(msg, complex_message_with_no_descriptors)
{
	struct msg_builder b;
	rcv_buf_t buf;
	uint32_t data = 0x600dda7a;

	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 3);
	mb_data(&b, &data, sizeof(data));
	ASSERT_EQ(MACH_MSG_SUCCESS, mb_send(&b, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 0));
	EXPECT_NE(0, buf.header.msgh_bits & MACH_MSGH_BITS_COMPLEX);
	EXPECT_EQ(sizeof(mach_msg_header_t) + sizeof(mach_msg_body_t) + 4,
		  buf.header.msgh_size);
	EXPECT_EQ(0, memcmp(buf.body + sizeof(mach_msg_body_t), &data, 4));
}

TEST_F(msg, descriptor_bytes_in_a_simple_message_are_plain_data)
{
	mach_port_t carried = new_port();
	struct msg_builder b;
	rcv_buf_t buf;

	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_port(&b, carried, MACH_MSG_TYPE_MOVE_RECEIVE);
	b.u.header.msgh_bits &= ~MACH_MSGH_BITS_COMPLEX;
	ASSERT_EQ(MACH_MSG_SUCCESS, mb_send(&b, 0, 0));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(carried));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 0));
	EXPECT_EQ(0, buf.header.msgh_bits & MACH_MSGH_BITS_COMPLEX);
	EXPECT_EQ(0, memcmp(buf.body, b.u.bytes + sizeof(mach_msg_header_t),
			    b.len - sizeof(mach_msg_header_t)));
}

/* ---- out-of-line memory --------------------------------------------------------------- */

static void ool_round_trip(struct __test_metadata *_metadata, mach_port_t port,
			   size_t len, mach_msg_copy_options_t copy)
{
	void *mem = map_pages(len ? len : 1);
	struct msg_builder b;
	rcv_buf_t buf;
	any_desc_t d;

	ASSERT_NE(NULL, mem);
	fill_pattern(mem, len, (uint32_t)len);
	mb_init(&b, port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_ool(&b, mem, len, FALSE, copy);
	ASSERT_EQ(MACH_MSG_SUCCESS, mb_send(&b, 0, 0))
	{
		TH_LOG("%zu bytes", len);
	}
	/* The sender's copy is independent of what was sent. */
	memset(mem, 0, len);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(port, &buf, 0));
	ASSERT_EQ(MACH_MSG_OOL_DESCRIPTOR, get_desc(&buf.header, 0, &d));
	EXPECT_EQ(len, d.ool.size);
	EXPECT_EQ(MACH_MSG_OOL_DESCRIPTOR, (unsigned int)d.ool.type);
	if (len) {
		ASSERT_NE(NULL, d.ool.address);
		EXPECT_NE(mem, d.ool.address);
		EXPECT_TRUE(check_pattern(d.ool.address, len, (uint32_t)len))
		{
			TH_LOG("%zu", len);
		}
		/* The receiver's copy is writable and private. */
		memset(d.ool.address, 0x77, len);
		EXPECT_EQ(0, ((uint8_t *)mem)[len - 1]);
		EXPECT_EQ(KERN_SUCCESS,
			  vm_deallocate(SELF, (vm_address_t)d.ool.address,
					len));
	}
	munmap(mem, len ? len : 1);
}

TEST_F(msg, ool_memory_arrives_as_a_copy)
{
	ool_round_trip(_metadata, self->port, 100, MACH_MSG_VIRTUAL_COPY);
	ool_round_trip(_metadata, self->port, page_size(),
		       MACH_MSG_VIRTUAL_COPY);
	ool_round_trip(_metadata, self->port, 5 * page_size() + 123,
		       MACH_MSG_VIRTUAL_COPY);
	ool_round_trip(_metadata, self->port, 1 << 20, MACH_MSG_VIRTUAL_COPY);
	ool_round_trip(_metadata, self->port, 3 * page_size(),
		       MACH_MSG_PHYSICAL_COPY);
	ool_round_trip(_metadata, self->port, 0, MACH_MSG_VIRTUAL_COPY);
}

TEST_F(msg, ool_memory_at_an_unaligned_address)
{
	uint8_t *mem = map_pages(4 * page_size());
	struct msg_builder b;
	rcv_buf_t buf;
	any_desc_t d;
	size_t off = 1000, len = 2 * page_size();

	ASSERT_NE(NULL, mem);
	fill_pattern(mem + off, len, 9);
	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_ool(&b, mem + off, len, FALSE, MACH_MSG_VIRTUAL_COPY);
	ASSERT_EQ(MACH_MSG_SUCCESS, mb_send(&b, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 0));
	ASSERT_EQ(MACH_MSG_OOL_DESCRIPTOR, get_desc(&buf.header, 0, &d));
	EXPECT_EQ(len, d.ool.size);
	EXPECT_TRUE(check_pattern(d.ool.address, len, 9));
}

TEST_F(msg, ool_deallocate_unmaps_the_senders_range)
{
	size_t len = 4 * page_size();
	void *mem = map_pages(len);
	struct msg_builder b;
	rcv_buf_t buf;
	any_desc_t d;

	ASSERT_NE(NULL, mem);
	fill_pattern(mem, len, 4);
	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_ool(&b, mem, len, TRUE, MACH_MSG_VIRTUAL_COPY);
	ASSERT_EQ(MACH_MSG_SUCCESS, mb_send(&b, 0, 0));
	EXPECT_FALSE(is_mapped(mem, page_size()));
	EXPECT_FALSE(is_mapped((char *)mem + len - page_size(), page_size()));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 0));
	ASSERT_EQ(MACH_MSG_OOL_DESCRIPTOR, get_desc(&buf.header, 0, &d));
	EXPECT_TRUE(check_pattern(d.ool.address, len, 4));
}

TEST_F(msg, ool_at_an_unmapped_address_is_send_invalid_memory)
{
	size_t len = 2 * page_size();
	void *mem = map_pages(len);
	struct msg_builder b;

	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, munmap(mem, len));
	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_ool(&b, mem, len, FALSE, MACH_MSG_VIRTUAL_COPY);
	EXPECT_EQ(MACH_SEND_INVALID_MEMORY, mb_send(&b, MACH_SEND_TIMEOUT, 0));
	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_ool(&b, (void *)8, 64, FALSE, MACH_MSG_PHYSICAL_COPY);
	EXPECT_EQ(MACH_SEND_INVALID_MEMORY, mb_send(&b, MACH_SEND_TIMEOUT, 0));
	EXPECT_EQ(0, msgcount_of(self->port));
}

/* ---- out-of-line port arrays ---------------------------------------------------------- */

TEST_F(msg, ool_ports_carry_an_array_of_rights)
{
	mach_port_t a = new_port_send(), c = new_port_send(), names[4];
	struct msg_builder b;
	rcv_buf_t buf;
	any_desc_t d;
	mach_port_t *got;

	names[0] = a;
	names[1] = MACH_PORT_NULL;
	names[2] = c;
	names[3] = MACH_PORT_DEAD;
	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_ool_ports(&b, names, 4, MACH_MSG_TYPE_COPY_SEND, FALSE);
	ASSERT_EQ(MACH_MSG_SUCCESS, mb_send(&b, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 0));
	ASSERT_EQ(MACH_MSG_OOL_PORTS_DESCRIPTOR, get_desc(&buf.header, 0, &d));
	EXPECT_EQ(4, d.ool_ports.count);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND,
		  (unsigned int)d.ool_ports.disposition);
	got = d.ool_ports.address;
	ASSERT_NE(NULL, got);
	EXPECT_EQ(a, got[0]);
	EXPECT_EQ(MACH_PORT_NULL, got[1]);
	EXPECT_EQ(c, got[2]);
	EXPECT_EQ(MACH_PORT_DEAD, got[3]);
	EXPECT_EQ(2, urefs_of(a, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(2, urefs_of(c, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(KERN_SUCCESS,
		  vm_deallocate(SELF, (vm_address_t)got, 4 * sizeof(*got)));
}

TEST_F(msg, ool_ports_make_send_once_gives_each_its_own_name)
{
	mach_port_t names[3] = { self->port, self->port, self->port }, *got;
	mach_port_t dest = new_port();
	struct msg_builder b;
	mach_port_status_t st;
	rcv_buf_t buf;
	any_desc_t d;

	mb_init(&b, dest, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_ool_ports(&b, names, 3, MACH_MSG_TYPE_MAKE_SEND_ONCE, FALSE);
	ASSERT_EQ(MACH_MSG_SUCCESS, mb_send(&b, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(dest, &buf, 0));
	ASSERT_EQ(MACH_MSG_OOL_PORTS_DESCRIPTOR, get_desc(&buf.header, 0, &d));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND_ONCE,
		  (unsigned int)d.ool_ports.disposition);
	got = d.ool_ports.address;
	EXPECT_NE(got[0], got[1]);
	EXPECT_NE(got[1], got[2]);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, type_of(got[0]));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, type_of(got[2]));
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	EXPECT_EQ(3, st.mps_sorights);
}

TEST_F(msg, ool_ports_move_receive_and_deallocate_the_array)
{
	mach_port_t r1 = new_port(), r2 = new_port();
	size_t len = page_size();
	mach_port_t *names = map_pages(len), *got;
	struct msg_builder b;
	rcv_buf_t buf;
	any_desc_t d;

	ASSERT_NE(NULL, names);
	names[0] = r1;
	names[1] = r2;
	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_ool_ports(&b, names, 2, MACH_MSG_TYPE_MOVE_RECEIVE, TRUE);
	ASSERT_EQ(MACH_MSG_SUCCESS, mb_send(&b, 0, 0));
	EXPECT_EQ(0, type_of(r1));
	EXPECT_EQ(0, type_of(r2));
	EXPECT_FALSE(is_mapped(names, len));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 0));
	ASSERT_EQ(MACH_MSG_OOL_PORTS_DESCRIPTOR, get_desc(&buf.header, 0, &d));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_RECEIVE,
		  (unsigned int)d.ool_ports.disposition);
	got = d.ool_ports.address;
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(got[0]));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(got[1]));
}

TEST_F(msg, ool_ports_with_a_bad_name_is_send_invalid_right)
{
	mach_port_t names[2] = { new_port(), free_name(0x3c0) };
	struct msg_builder b;

	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_ool_ports(&b, names, 2, MACH_MSG_TYPE_MAKE_SEND, FALSE);
	EXPECT_EQ(MACH_SEND_INVALID_RIGHT, mb_send(&b, MACH_SEND_TIMEOUT, 0));
	EXPECT_EQ(0, msgcount_of(self->port));
}

/* ---- guarded port descriptors ---------------------------------------------------------- */

TEST_F(msg, guarded_port_descriptor_moves_a_guarded_receive_right)
{
	mach_port_options_t opts = { .flags = MPO_CONTEXT_AS_GUARD };
	mach_port_name_t g = MACH_PORT_NULL;
	mach_port_context_t ctx = 0;
	struct msg_builder b;
	mach_port_status_t st;
	rcv_buf_t buf;
	any_desc_t d;

	ASSERT_EQ(KERN_SUCCESS, mach_port_construct(SELF, &opts, 0x9a9a, &g));
	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_guarded(&b, g, MACH_MSG_TYPE_MOVE_RECEIVE, 0x9a9a,
		   MACH_MSG_GUARD_FLAGS_NONE);
	ASSERT_EQ(MACH_MSG_SUCCESS, mb_send(&b, 0, 0));
	EXPECT_EQ(0, type_of(g));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  recv_msg(self->port, &buf, sizeof(buf),
			   MACH_RCV_TIMEOUT | MACH_RCV_GUARDED_DESC, 0));
	ASSERT_EQ(MACH_MSG_GUARDED_PORT_DESCRIPTOR,
		  get_desc(&buf.header, 0, &d));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_RECEIVE,
		  (unsigned int)d.guarded.disposition);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(d.guarded.name));
	/* The receiver's copy is guarded, by the context the descriptor reports. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_get_context(SELF, d.guarded.name, &ctx));
	EXPECT_EQ(d.guarded.context, ctx);
	ASSERT_EQ(KERN_SUCCESS, status_of(d.guarded.name, &st));
	EXPECT_NE(0, st.mps_flags & MACH_PORT_STATUS_FLAG_GUARDED);
}

TEST_F(msg, guarded_port_descriptor_needs_the_guard)
{
	mach_port_options_t opts = { .flags = MPO_CONTEXT_AS_GUARD };
	mach_port_name_t g = MACH_PORT_NULL, plain = new_port();
	struct msg_builder b;

	ASSERT_EQ(KERN_SUCCESS, mach_port_construct(SELF, &opts, 0x9a9a, &g));
	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_guarded(&b, g, MACH_MSG_TYPE_MOVE_RECEIVE, 0x1111,
		   MACH_MSG_GUARD_FLAGS_NONE);
	EXPECT_EQ(MACH_SEND_INVALID_RIGHT, mb_send(&b, MACH_SEND_TIMEOUT, 0));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(g));
	/* An unguarded port goes only with UNGUARDED_ON_SEND and no context. */
	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_guarded(&b, plain, MACH_MSG_TYPE_MOVE_RECEIVE, 0,
		   MACH_MSG_GUARD_FLAGS_NONE);
	EXPECT_EQ(MACH_SEND_INVALID_RIGHT, mb_send(&b, MACH_SEND_TIMEOUT, 0));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(plain));
	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_guarded(&b, plain, MACH_MSG_TYPE_MOVE_RECEIVE, 0,
		   MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND);
	EXPECT_EQ(MACH_MSG_SUCCESS, mb_send(&b, MACH_SEND_TIMEOUT, 0));
	EXPECT_EQ(0, type_of(plain));
}

/*
 * XNU (darwin-abi.md is silent): a receiver that did not ask for guarded
 * descriptors (MACH_RCV_GUARDED_DESC) gets a plain port descriptor naming
 * MACH_PORT_NULL, and the right is destroyed.
 */
TEST_F(msg, guarded_port_descriptor_to_a_receiver_without_opt_in)
{
	mach_port_options_t opts = { .flags = MPO_CONTEXT_AS_GUARD |
					      MPO_INSERT_SEND_RIGHT };
	mach_port_name_t g = MACH_PORT_NULL;
	struct msg_builder b;
	rcv_buf_t buf;
	any_desc_t d;

	ASSERT_EQ(KERN_SUCCESS, mach_port_construct(SELF, &opts, 0x5151, &g));
	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_guarded(&b, g, MACH_MSG_TYPE_MOVE_RECEIVE, 0x5151,
		   MACH_MSG_GUARD_FLAGS_NONE);
	ASSERT_EQ(MACH_MSG_SUCCESS, mb_send(&b, 0, 0));
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type_of(g));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 0));
	ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR, get_desc(&buf.header, 0, &d));
	EXPECT_EQ(MACH_PORT_NULL, d.port.name);
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(g));
}

/* ---- overwrite, destroy, server ---------------------------------------------------------- */

TEST_F(msg, mach_msg_overwrite_receives_into_a_separate_buffer)
{
	simple_msg_t m = { 0 }, copy;
	rcv_buf_t r;

	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
	m.header.msgh_size = sizeof(m);
	m.header.msgh_remote_port = self->port;
	m.header.msgh_id = 31;
	m.payload[2] = 0xabcd;
	copy = m;
	memset(&r, 0, sizeof(r));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  mach_msg_overwrite(&m.header,
				     MACH_SEND_MSG | MACH_RCV_MSG |
					     MACH_RCV_TIMEOUT,
				     sizeof(m), sizeof(r), self->port, 1000,
				     MACH_PORT_NULL, &r.header, 0));
	EXPECT_EQ(0, memcmp(&m, &copy, sizeof(m)));
	EXPECT_EQ(31, r.header.msgh_id);
	EXPECT_EQ(self->port, r.header.msgh_local_port);
	EXPECT_EQ(0xabcd, ((simple_msg_t *)&r)->payload[2]);
	/* Receive only, into rcv_msg. */
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 32));
	memset(&r, 0, sizeof(r));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  mach_msg_overwrite(&m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT,
				     0, sizeof(r), self->port, 0,
				     MACH_PORT_NULL, &r.header, 0));
	EXPECT_EQ(32, r.header.msgh_id);
	EXPECT_EQ(0, memcmp(&m, &copy, sizeof(m)));
}

TEST_F(msg, mach_msg_destroy_releases_rights_and_memory)
{
	mach_port_t carried = new_port(), so_port = new_port(), names[2];
	size_t len = 3 * page_size();
	void *mem = map_pages(len);
	struct msg_builder b;
	mach_port_status_t st;
	rcv_buf_t buf, note;
	any_desc_t d;
	void *got;

	ASSERT_NE(NULL, mem);
	names[0] = carried;
	names[1] = carried;
	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, so_port,
		MACH_MSG_TYPE_MAKE_SEND_ONCE, 1);
	mb_port(&b, carried, MACH_MSG_TYPE_MAKE_SEND);
	mb_ool(&b, mem, len, FALSE, MACH_MSG_VIRTUAL_COPY);
	mb_ool_ports(&b, names, 2, MACH_MSG_TYPE_MAKE_SEND, FALSE);
	ASSERT_EQ(MACH_MSG_SUCCESS, mb_send(&b, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 0));
	EXPECT_EQ(3, urefs_of(carried, MACH_PORT_RIGHT_SEND));
	ASSERT_EQ(KERN_SUCCESS, status_of(so_port, &st));
	EXPECT_EQ(1, st.mps_sorights);
	ASSERT_EQ(MACH_MSG_OOL_DESCRIPTOR, get_desc(&buf.header, 1, &d));
	got = d.ool.address;
	ASSERT_TRUE(is_mapped((void *)((uintptr_t)got & ~(page_size() - 1)),
			      page_size()));

	mach_msg_destroy(&buf.header);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(carried));
	EXPECT_FALSE(is_mapped((void *)((uintptr_t)got & ~(page_size() - 1)),
			       page_size()));
	/* The unused reply right was destroyed: a send-once notification. */
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(so_port, &note, 1000));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, note.header.msgh_id);
	ASSERT_EQ(KERN_SUCCESS, status_of(so_port, &st));
	EXPECT_EQ(0, st.mps_sorights);
	/* The receiving port itself is not touched. */
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(self->port));
}

/* A hand-written MIG-style demux: id 700 doubles a number, others are MIG_BAD_ID. */
struct double_req {
	mach_msg_header_t Head;
	NDR_record_t NDR;
	int32_t value;
};

struct double_rep {
	mach_msg_header_t Head;
	NDR_record_t NDR;
	kern_return_t RetCode;
	int32_t value;
};

static boolean_t double_demux(mach_msg_header_t *in, mach_msg_header_t *out)
{
	struct double_rep *rep = (struct double_rep *)out;
	mig_reply_error_t *err = (mig_reply_error_t *)out;

	out->msgh_bits =
		MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(in->msgh_bits), 0);
	out->msgh_remote_port = in->msgh_remote_port;
	out->msgh_local_port = MACH_PORT_NULL;
	out->msgh_voucher_port = MACH_PORT_NULL;
	out->msgh_id = in->msgh_id + 100;
	if (in->msgh_id != 700) {
		out->msgh_size = sizeof(*err);
		err->NDR = NDR_record;
		err->RetCode = MIG_BAD_ID;
		return FALSE;
	}
	out->msgh_size = sizeof(*rep);
	rep->NDR = NDR_record;
	rep->RetCode = KERN_SUCCESS;
	rep->value = 2 * ((struct double_req *)in)->value;
	return TRUE;
}

struct client_arg {
	mach_port_t server;
	mach_msg_id_t id;
	int32_t value;
	mach_msg_return_t mr;
	union {
		struct double_rep rep;
		mig_reply_error_t err;
		rcv_buf_t room;
	} reply;
};

static void *double_client(void *p)
{
	struct client_arg *a = p;
	mach_port_t reply = mig_get_reply_port();
	union {
		struct double_req req;
		rcv_buf_t room;
	} u;

	memset(&u, 0, sizeof(u));
	u.req.Head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
					      MACH_MSG_TYPE_MAKE_SEND_ONCE);
	u.req.Head.msgh_size = sizeof(u.req);
	u.req.Head.msgh_remote_port = a->server;
	u.req.Head.msgh_local_port = reply;
	u.req.Head.msgh_id = a->id;
	u.req.NDR = NDR_record;
	u.req.value = a->value;
	a->mr = mach_msg(&u.req.Head,
			 MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT,
			 sizeof(u.req), sizeof(u.room), reply, 10000,
			 MACH_PORT_NULL);
	memcpy(&a->reply, &u, sizeof(a->reply));
	return NULL;
}

TEST_F(msg, mach_msg_server_once_dispatches_and_replies)
{
	mach_port_t server = new_port_send();
	struct client_arg *a = calloc(1, sizeof(*a));
	pthread_t t;

	ASSERT_NE(NULL, a);
	a->server = server;
	a->id = 700;
	a->value = 21;
	ASSERT_EQ(0, pthread_create(&t, NULL, double_client, a));
	EXPECT_EQ(MACH_MSG_SUCCESS,
		  mach_msg_server_once(double_demux,
				       sizeof(struct double_req) + 64, server,
				       0));
	pthread_join(t, NULL);
	ASSERT_EQ(MACH_MSG_SUCCESS, a->mr);
	EXPECT_EQ(800, a->reply.rep.Head.msgh_id);
	EXPECT_EQ(sizeof(struct double_rep), a->reply.rep.Head.msgh_size);
	EXPECT_EQ(KERN_SUCCESS, a->reply.rep.RetCode);
	EXPECT_EQ(42, a->reply.rep.value);

	/* An unknown id: the demux's error reply still goes back. */
	a->id = 701;
	ASSERT_EQ(0, pthread_create(&t, NULL, double_client, a));
	EXPECT_EQ(MACH_MSG_SUCCESS,
		  mach_msg_server_once(double_demux,
				       sizeof(struct double_req) + 64, server,
				       0));
	pthread_join(t, NULL);
	ASSERT_EQ(MACH_MSG_SUCCESS, a->mr);
	EXPECT_EQ(801, a->reply.err.Head.msgh_id);
	EXPECT_EQ(MIG_BAD_ID, a->reply.err.RetCode);
	free(a);
}

TEST_F(msg, mach_msg_server_once_refuses_a_too_large_request)
{
	struct {
		mach_msg_header_t header;
		uint8_t body[512];
	} big = { 0 };

	big.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
	big.header.msgh_remote_port = self->port;
	big.header.msgh_id = 700;
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  mach_msg(&big.header, MACH_SEND_MSG, sizeof(big), 0,
			   MACH_PORT_NULL, 0, MACH_PORT_NULL));
	EXPECT_EQ(MACH_RCV_TOO_LARGE,
		  mach_msg_server_once(double_demux, 64, self->port, 0));
	EXPECT_EQ(0, msgcount_of(self->port));
}

/* ---- sizes --------------------------------------------------------------------------------- */

/* Send an inline message of "size" bytes to port and receive it back. */
static mach_msg_return_t big_round_trip(mach_port_t port, mach_msg_size_t size,
					mach_msg_return_t *rcv)
{
	mach_msg_size_t room = size + MAX_TRAILER_SIZE;
	mach_msg_header_t *m = malloc(room);
	mach_msg_return_t mr;

	*rcv = MACH_MSG_SUCCESS;
	if (!m)
		return KERN_RESOURCE_SHORTAGE;
	memset(m, 0, sizeof(*m));
	fill_pattern(m + 1, size - sizeof(*m), size);
	m->msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
	m->msgh_size = size;
	m->msgh_remote_port = port;
	mr = mach_msg(m, MACH_SEND_MSG | MACH_SEND_TIMEOUT, size, 0,
		      MACH_PORT_NULL, 0, MACH_PORT_NULL);
	if (mr == MACH_MSG_SUCCESS) {
		memset(m, 0, room);
		*rcv = mach_msg(m, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, room,
				port, 0, MACH_PORT_NULL);
		if (*rcv == MACH_MSG_SUCCESS &&
		    (m->msgh_size != size ||
		     !check_pattern(m + 1, size - sizeof(*m), size)))
			*rcv = KERN_FAILURE;
	}
	free(m);
	return mr;
}

TEST_F(msg, reliable_size_is_always_accepted)
{
	mach_msg_return_t rcv;

	EXPECT_EQ(256 * 1024, MACH_MSG_SIZE_RELIABLE);
	EXPECT_EQ(MACH_MSG_SUCCESS,
		  big_round_trip(self->port, MACH_MSG_SIZE_RELIABLE, &rcv));
	EXPECT_EQ(MACH_MSG_SUCCESS, rcv);
	EXPECT_EQ(MACH_MSG_SUCCESS,
		  big_round_trip(self->port, 100 * 1024 + 4, &rcv));
	EXPECT_EQ(MACH_MSG_SUCCESS, rcv);
}

TEST_F_TIMEOUT(msg, size_cap_is_the_max_msg_size_parameter, 120)
{
	long cap = module_param("max_msg_size");
	mach_msg_return_t rcv;

	if (cap < 0)
		SKIP(return, "no max_msg_size module parameter");
	ASSERT_LE(MACH_MSG_SIZE_RELIABLE, cap);
	if (cap > 64L << 20)
		SKIP(return, "max_msg_size %ld is too large to allocate here",
			   cap);
	cap &= ~3L;
	EXPECT_EQ(MACH_MSG_SUCCESS, big_round_trip(self->port, cap, &rcv));
	EXPECT_EQ(MACH_MSG_SUCCESS, rcv);
	EXPECT_EQ(MACH_SEND_TOO_LARGE,
		  big_round_trip(self->port, cap + 4, &rcv));
	EXPECT_EQ(0, msgcount_of(self->port));
}

TEST_F(msg, huge_send_size_is_send_too_large)
{
	simple_msg_t m = { 0 };

	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
	m.header.msgh_remote_port = self->port;
	/* The size is refused before the buffer is read. */
	EXPECT_EQ(MACH_SEND_TOO_LARGE,
		  mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT,
			   0x7ffffffc, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL));
	EXPECT_EQ(MACH_SEND_TOO_LARGE,
		  mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT,
			   0xfffffffc, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL));
	EXPECT_EQ(0, msgcount_of(self->port));
}

TEST_F(msg, short_or_unaligned_send_size_is_send_msg_too_small)
{
	simple_msg_t m = { 0 };

	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
	m.header.msgh_remote_port = self->port;
	EXPECT_EQ(MACH_SEND_MSG_TOO_SMALL,
		  mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, 20, 0,
			   MACH_PORT_NULL, 0, MACH_PORT_NULL));
	EXPECT_EQ(MACH_SEND_MSG_TOO_SMALL,
		  mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, 0, 0,
			   MACH_PORT_NULL, 0, MACH_PORT_NULL));
	EXPECT_EQ(MACH_SEND_MSG_TOO_SMALL,
		  mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, 26, 0,
			   MACH_PORT_NULL, 0, MACH_PORT_NULL));
	EXPECT_EQ(MACH_SEND_MSG_TOO_SMALL,
		  mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT,
			   sizeof(m) - 1, 0, MACH_PORT_NULL, 0,
			   MACH_PORT_NULL));
	EXPECT_EQ(0, msgcount_of(self->port));
}

TEST_F(msg, send_size_wins_over_msgh_size)
{
	simple_msg_t m = { 0 };
	rcv_buf_t buf;

	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
	m.header.msgh_remote_port = self->port;
	m.header.msgh_size = 0xdeadbeef;
	EXPECT_EQ(MACH_MSG_SUCCESS,
		  mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0,
			   MACH_PORT_NULL, 0, MACH_PORT_NULL));
	m.header.msgh_size = 4;
	EXPECT_EQ(MACH_MSG_SUCCESS,
		  mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0,
			   MACH_PORT_NULL, 0, MACH_PORT_NULL));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 0));
	EXPECT_EQ(sizeof(m), buf.header.msgh_size);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 0));
	EXPECT_EQ(sizeof(m), buf.header.msgh_size);
}

/* ---- receive names --------------------------------------------------------------------------- */

TEST_F(msg, receive_on_a_name_without_receive_right_is_rcv_invalid_name)
{
	mach_port_t p = new_port_send(), holder,
		    so = make_send_once(self->port);
	mach_port_name_t dead;
	rcv_buf_t buf;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(p, &holder));
	EXPECT_EQ(MACH_RCV_INVALID_NAME, recv_timeout(MACH_PORT_NULL, &buf, 0));
	EXPECT_EQ(MACH_RCV_INVALID_NAME, recv_timeout(MACH_PORT_DEAD, &buf, 0));
	EXPECT_EQ(MACH_RCV_INVALID_NAME, recv_timeout(p, &buf, 0));
	EXPECT_EQ(MACH_RCV_INVALID_NAME, recv_timeout(so, &buf, 0));
	EXPECT_EQ(MACH_RCV_INVALID_NAME, recv_timeout(dead, &buf, 0));
	EXPECT_EQ(MACH_RCV_INVALID_NAME,
		  recv_timeout(free_name(0x3d0), &buf, 0));
}

struct receiver_arg {
	mach_port_t port;
	mach_msg_option_t opt;
	mach_msg_return_t mr;
	mach_msg_id_t id;
	volatile pid_t tid; /* set right before the receive */
	volatile int done;
};

static void *blocking_receiver(void *p)
{
	struct receiver_arg *a = p;
	rcv_buf_t buf;

	a->tid = ipc_gettid();
	a->mr = recv_msg(a->port, &buf, sizeof(buf), a->opt, 0);
	a->id = buf.header.msgh_id;
	a->done = 1;
	return NULL;
}

TEST_F(msg, destroying_the_port_ends_its_blocked_receive)
{
	struct receiver_arg a = { .port = self->port };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, blocking_receiver, &a));
	ASSERT_EQ(0, ipc_wait_sleeping(&a.tid));
	ASSERT_EQ(0, a.done);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, self->port, MACH_PORT_RIGHT_RECEIVE,
				     -1));
	EXPECT_TRUE(ipc_wait_flag(&a.done, 10));
	pthread_join(t, NULL);
	/* XNU reports a receive whose port went away as one of these. */
	EXPECT_TRUE(a.mr == MACH_RCV_PORT_DIED || a.mr == MACH_RCV_PORT_CHANGED)
	{
		TH_LOG("receive returned 0x%x", a.mr);
	}
}

/* ---- a receiver that dies takes its messages with it ------------------------------------------- */

TEST_F(msg, queued_messages_die_with_their_port_and_send_notifications)
{
	mach_port_t notify = new_port(), so_target = new_port(),
		    moved = new_port_send();
	mach_port_t carried = new_port(), prev;
	struct msg_builder b;
	rcv_buf_t buf;
	int ids[2] = { 0, 0 }, i;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_request_notification(
			  SELF, carried, MACH_NOTIFY_NO_SENDERS, 1, notify,
			  MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	mb_init(&b, self->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1);
	mb_port(&b, so_target, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	mb_port(&b, moved, MACH_MSG_TYPE_MOVE_RECEIVE);
	mb_port(&b, carried, MACH_MSG_TYPE_MAKE_SEND);
	ASSERT_EQ(MACH_MSG_SUCCESS, mb_send(&b, 0, 0));
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type_of(moved));

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, self->port, MACH_PORT_RIGHT_RECEIVE,
				     -1));
	/* The receive right it carried died: our send right is a dead name. */
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(moved));
	/* The send-once right: a send-once notification to its port. */
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(so_target, &buf, 1000));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, buf.header.msgh_id);
	/* The send right: carried has no senders any more. */
	for (i = 0;
	     i < 2 && recv_timeout(notify, &buf, 1000) == MACH_MSG_SUCCESS; i++)
		ids[i] = buf.header.msgh_id;
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, ids[0]);
	EXPECT_EQ(0, ids[1]);
}

/* ---- signals ---------------------------------------------------------------------------------- */

static volatile sig_atomic_t signals_seen;

static void count_signal(int sig)
{
	signals_seen++;
}

struct poke_arg {
	pthread_t target;
	pid_t target_tid;
	mach_port_t port;
	int send_after; /* also send a message after the signal */
	int receive_after; /* or receive one */
};

static void *poke_then_act(void *p)
{
	struct poke_arg *a = p;
	rcv_buf_t buf;

	double end = mt_now() + 10;

	/* The target blocks in mach_msg(), takes the signal, blocks again. */
	ipc_wait_sleeping(&a->target_tid);
	pthread_kill(a->target, SIGUSR1);
	while (!signals_seen && mt_now() < end)
		usleep(1000);
	ipc_wait_sleeping(&a->target_tid);
	if (a->send_after)
		send_simple(a->port, 808);
	if (a->receive_after)
		recv_timeout(a->port, &buf, 1000);
	return NULL;
}

static void install_handler(void)
{
	struct sigaction sa = { .sa_handler = count_signal };

	/* No SA_RESTART: libmach must retry by itself, as Darwin's does. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	signals_seen = 0;
}

TEST_F(msg, signal_during_receive_is_retried_by_the_library)
{
	struct poke_arg a = { .target = pthread_self(),
			      .target_tid = ipc_gettid(),
			      .port = self->port,
			      .send_after = 1 };
	rcv_buf_t buf;
	pthread_t t;

	install_handler();
	ASSERT_EQ(0, pthread_create(&t, NULL, poke_then_act, &a));
	EXPECT_EQ(MACH_MSG_SUCCESS, recv_msg(self->port, &buf, sizeof(buf),
					     MACH_RCV_TIMEOUT, 20000));
	EXPECT_EQ(808, buf.header.msgh_id);
	EXPECT_EQ(1, signals_seen);
	pthread_join(t, NULL);
}

TEST_F(msg, signal_during_receive_with_rcv_interrupt_returns_interrupted)
{
	struct poke_arg a = { .target = pthread_self(),
			      .target_tid = ipc_gettid(),
			      .port = self->port };
	rcv_buf_t buf;
	pthread_t t;
	double start = mt_now();

	install_handler();
	ASSERT_EQ(0, pthread_create(&t, NULL, poke_then_act, &a));
	EXPECT_EQ(MACH_RCV_INTERRUPTED,
		  recv_msg(self->port, &buf, sizeof(buf),
			   MACH_RCV_INTERRUPT | MACH_RCV_TIMEOUT, 20000));
	EXPECT_EQ(1, signals_seen);
	EXPECT_GT(10.0, mt_now() - start);
	pthread_join(t, NULL);
}

TEST_F(msg, signal_during_blocked_send_is_retried_by_the_library)
{
	struct poke_arg a = { .target = pthread_self(),
			      .target_tid = ipc_gettid(),
			      .port = self->port,
			      .receive_after = 1 };
	pthread_t t;
	int i;

	for (i = 0; i < 5; i++)
		ASSERT_EQ(MACH_MSG_SUCCESS,
			  try_send(self->port, MACH_MSG_TYPE_MAKE_SEND, i));
	install_handler();
	ASSERT_EQ(0, pthread_create(&t, NULL, poke_then_act, &a));
	EXPECT_EQ(MACH_MSG_SUCCESS,
		  send_simple_opt(self->port, MACH_MSG_TYPE_MAKE_SEND, 9,
				  MACH_SEND_TIMEOUT, 20000));
	EXPECT_EQ(1, signals_seen);
	pthread_join(t, NULL);
	EXPECT_EQ(5, msgcount_of(self->port));
}

TEST_F(msg, signal_during_blocked_send_with_send_interrupt_returns_interrupted)
{
	struct poke_arg a = { .target = pthread_self(),
			      .target_tid = ipc_gettid(),
			      .port = self->port };
	pthread_t t;
	int i;

	for (i = 0; i < 5; i++)
		ASSERT_EQ(MACH_MSG_SUCCESS,
			  try_send(self->port, MACH_MSG_TYPE_MAKE_SEND, i));
	install_handler();
	ASSERT_EQ(0, pthread_create(&t, NULL, poke_then_act, &a));
	EXPECT_EQ(MACH_SEND_INTERRUPTED,
		  send_simple_opt(self->port, MACH_MSG_TYPE_MAKE_SEND, 9,
				  MACH_SEND_INTERRUPT | MACH_SEND_TIMEOUT,
				  20000));
	EXPECT_EQ(1, signals_seen);
	pthread_join(t, NULL);
	EXPECT_EQ(5, msgcount_of(self->port));
}

TEST_F(msg, sigkill_ends_a_blocked_receiver_promptly)
{
	struct live_counts base, now;
	int pipefd[2], status;
	double start;
	pid_t pid;
	char c;

	live_counts_baseline(&base);
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t p = new_port();
		rcv_buf_t buf;

		die_with_parent();
		if (!p || write(pipefd[1], "r", 1) != 1)
			_exit(2);
		recv_msg(p, &buf, sizeof(buf), 0, 0);
		_exit(3);
	}
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	/* Blocked in the receive (it wrote just before it). */
	ASSERT_EQ(0, ipc_wait_sleeping(&pid));
	start = mt_now();
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_GT(5.0, mt_now() - start);
	EXPECT_TRUE(live_counts_settle(&base, &now))
	{
		TH_LOG("tasks %ld/%ld ports %ld/%ld msgs %ld/%ld", now.tasks,
		       base.tasks, now.ports, base.ports, now.messages,
		       base.messages);
	}
}

/* ---- many threads on one port ------------------------------------------------------------------ */

#define SENDERS 4
#define RECEIVERS 3
#define PER_SENDER 150
/* Sent once per receiver after every sender is done: the receiver stops. */
#define MT_STOP_ID (SENDERS * 100000)

struct mt_shared {
	mach_port_t port;
	int received[SENDERS][PER_SENDER];
	int last[RECEIVERS][SENDERS]; /* ordering per receiver and sender */
	int disorder;
	int errors;
	pthread_mutex_t lock;
};

struct mt_arg {
	struct mt_shared *s;
	int index;
};

static void *mt_sender(void *p)
{
	struct mt_arg *a = p;
	int i;

	for (i = 0; i < PER_SENDER; i++) {
		simple_msg_t m = { 0 };

		m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
		m.header.msgh_size = sizeof(m);
		m.header.msgh_remote_port = a->s->port;
		m.header.msgh_id = a->index * 100000 + i;
		if (mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT,
			     sizeof(m), 0, MACH_PORT_NULL, 20000,
			     MACH_PORT_NULL)) {
			__atomic_add_fetch(&a->s->errors, 1, __ATOMIC_RELAXED);
			return NULL;
		}
	}
	return NULL;
}

static void *mt_receiver(void *p)
{
	struct mt_arg *a = p;
	rcv_buf_t buf;

	for (;;) {
		int sender, seq;

		/*
		 * FIFO: the stop messages, sent after the last sender
		 * finished, come after every message of the senders.  The
		 * timeout only bounds a hang (a stop left queued fails the
		 * test's msgcount check).
		 */
		if (recv_timeout(a->s->port, &buf, 20000) != MACH_MSG_SUCCESS)
			return NULL;
		if (buf.header.msgh_id == MT_STOP_ID)
			return NULL;
		sender = buf.header.msgh_id / 100000;
		seq = buf.header.msgh_id % 100000;
		if (sender < 0 || sender >= SENDERS || seq >= PER_SENDER) {
			__atomic_add_fetch(&a->s->errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		pthread_mutex_lock(&a->s->lock);
		a->s->received[sender][seq]++;
		if (seq < a->s->last[a->index][sender])
			a->s->disorder++;
		a->s->last[a->index][sender] = seq;
		pthread_mutex_unlock(&a->s->lock);
	}
}

TEST_F(msg, many_threads_send_and_receive_on_one_port)
{
	struct mt_shared *s = calloc(1, sizeof(*s));
	struct mt_arg sa[SENDERS], ra[RECEIVERS];
	pthread_t st[SENDERS], rt[RECEIVERS];
	int i, j, missing = 0, dup = 0;

	ASSERT_NE(NULL, s);
	s->port = new_port_send();
	pthread_mutex_init(&s->lock, NULL);
	for (i = 0; i < RECEIVERS; i++) {
		ra[i] = (struct mt_arg){ s, i };
		ASSERT_EQ(0, pthread_create(&rt[i], NULL, mt_receiver, &ra[i]));
	}
	for (i = 0; i < SENDERS; i++) {
		sa[i] = (struct mt_arg){ s, i };
		ASSERT_EQ(0, pthread_create(&st[i], NULL, mt_sender, &sa[i]));
	}
	for (i = 0; i < SENDERS; i++)
		pthread_join(st[i], NULL);
	for (i = 0; i < RECEIVERS; i++)
		EXPECT_EQ(MACH_MSG_SUCCESS,
			  send_simple_opt(s->port, MACH_MSG_TYPE_COPY_SEND,
					  MT_STOP_ID, MACH_SEND_TIMEOUT, 20000));
	for (i = 0; i < RECEIVERS; i++)
		pthread_join(rt[i], NULL);
	for (i = 0; i < SENDERS; i++) {
		for (j = 0; j < PER_SENDER; j++) {
			missing += s->received[i][j] == 0;
			dup += s->received[i][j] > 1;
		}
	}
	EXPECT_EQ(0, s->errors);
	EXPECT_EQ(0, missing);
	EXPECT_EQ(0, dup);
	EXPECT_EQ(0, s->disorder);
	EXPECT_EQ(0, msgcount_of(s->port));
	EXPECT_EQ(1, urefs_of(s->port, MACH_PORT_RIGHT_SEND));
	free(s);
}

/* ---- the raw uAPI ---------------------------------------------------------------------------- */

static long raw_msg(int fd, void *msg, void *rcv, mach_msg_option_t opt,
		    uint32_t send_size, uint32_t rcv_size, mach_port_t rcv_name)
{
	struct machina_msg a = {
		.msg = (uintptr_t)msg,
		.rcv_msg = (uintptr_t)rcv,
		.option = (uint32_t)opt,
		.send_size = send_size,
		.rcv_size = rcv_size,
		.rcv_name = rcv_name,
	};

	return mt_ioctl(fd, MACHINA_IOC_MSG, &a);
}

TEST_F(msg, uapi_bad_message_pointer_is_send_invalid_data)
{
	int fd = mt_open();
	void *hole = map_pages(page_size());

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, munmap(hole, page_size()));
	EXPECT_EQ(MACH_SEND_INVALID_DATA,
		  raw_msg(fd, NULL, NULL, MACH_SEND_MSG | MACH_SEND_TIMEOUT,
			  sizeof(simple_msg_t), 0, 0));
	EXPECT_EQ(MACH_SEND_INVALID_DATA,
		  raw_msg(fd, hole, NULL, MACH_SEND_MSG | MACH_SEND_TIMEOUT,
			  sizeof(simple_msg_t), 0, 0));
	EXPECT_EQ(MACH_SEND_INVALID_DATA,
		  raw_msg(fd, (void *)-4096L, NULL,
			  MACH_SEND_MSG | MACH_SEND_TIMEOUT,
			  sizeof(simple_msg_t), 0, 0));
	EXPECT_EQ(0, msgcount_of(self->port));
	close(fd);
}

TEST_F(msg, uapi_unwritable_receive_buffer_is_rcv_invalid_data)
{
	int fd = mt_open();
	void *ro = mmap(NULL, page_size(), PROT_READ,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_LE(0, fd);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 1));
	EXPECT_EQ(MACH_RCV_INVALID_DATA,
		  raw_msg(fd, ro, NULL, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 200,
			  self->port));
	/* XNU destroys a message it could not copy out. */
	EXPECT_EQ(0, msgcount_of(self->port));
	close(fd);
}

TEST_F(msg, uapi_receive_with_rcv_msg_buffer_in_overwrite)
{
	int fd = mt_open();
	simple_msg_t m = { 0 };
	rcv_buf_t r;

	ASSERT_LE(0, fd);
	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
	m.header.msgh_remote_port = self->port;
	m.header.msgh_id = 5;
	memset(&r, 0, sizeof(r));
	EXPECT_EQ(MACH_MSG_SUCCESS,
		  raw_msg(fd, &m, &r,
			  MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT,
			  sizeof(m), sizeof(r), self->port));
	EXPECT_EQ(5, r.header.msgh_id);
	EXPECT_EQ(self->port, m.header.msgh_remote_port);
	close(fd);
}

TEST_HARNESS_MAIN
