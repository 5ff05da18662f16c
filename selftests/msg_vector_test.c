// SPDX-License-Identifier: GPL-2.0
/*
 * mach_msg2_trap with MACH64_MSG_VECTOR (personality/trap_table.c
 * msg2_prep(), mach/ipc_kmsg_aux.c), through the raw Darwin trap: a
 * vector of 1 (the message) or 2 (the message; aux data) elements, as
 * XNU's mach_msg2_trap checks and carries them:
 *   - send and receive with and without aux data, a separate receive
 *     address, the empty aux header a message without aux data gives;
 *   - aux data to a receiver without an aux buffer (dropped, the message
 *     received), to a vector receiver whose buffer is too small
 *     (MACH_RCV_TOO_LARGE, with and without MACH_RCV_LARGE);
 *   - the send bounds (MACH_SEND_AUX_TOO_SMALL / _TOO_LARGE);
 *   - bad counts, pointers and sizes, unknown option bits;
 *   - as nobody: a failed send gives every right and byte back (the port
 *     references, the queued-bytes budget, the live counters).
 */
#define _GNU_SOURCE
#include <grp.h>
#include <pthread.h>
#include <unistd.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <machina/machina.h>

#include "kselftest_harness.h"
#include "ipc_test.h"
#include "darwin_trap.h"

/* XNU's osfmk/mach/message.h (private there, so not in userlib). */
#define MACH64_MSG_VECTOR	0x0000000100000000ull
#define MACH64_SEND_MQ_CALL	0x0000000400000000ull
#define MACH64_RCV_LINEAR_VECTOR 0x1000000000000000ull
#define AUX_MAX			1024	/* IPC_KMSG_MAX_AUX_DATA_SPACE */

typedef struct {
	uint64_t msgv_data;
	uint64_t msgv_rcv_addr;
	uint32_t msgv_send_size;
	uint32_t msgv_rcv_size;
} msgv_t;

typedef struct {
	uint32_t msgdh_size;
	uint32_t msgdh_reserved;
} aux_hdr_t;

typedef struct {
	aux_hdr_t hdr;
	uint8_t data[AUX_MAX + 64];
} aux_buf_t;

/*
 * mach_msg2_trap's registers, packed as libsyscall's mach_msg2() packs
 * them: with MACH64_MSG_VECTOR @data is the vector array and @snd / @rcv
 * the vector counts, otherwise the message and its sizes.
 */
static long msg2(void *data, uint64_t opt, uint32_t bits, uint32_t snd,
		 mach_port_t remote, uint32_t id, uint32_t dsc,
		 mach_port_t rcv_name, uint32_t rcv, uint32_t timeout)
{
	return darwin_trap((long)data, (long)opt, (long)snd << 32 | bits,
			   (long)remote, (long)id << 32, (long)rcv_name << 32 | dsc,
			   (long)rcv, (long)timeout, TRAP_NR(MACHINA_TRAP_MACH_MSG2));
}

#define BITS_MAKE_SEND		MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0)

/* Send @m (its header as the registers) with @aux_size bytes at @aux. */
static long send_vec(mach_port_t port, simple_msg_t *m, uint32_t id, void *aux,
		     uint32_t aux_size, uint32_t count)
{
	msgv_t v[2] = {
		{ .msgv_data = (uintptr_t)m, .msgv_send_size = sizeof(*m) },
		{ .msgv_data = (uintptr_t)aux, .msgv_send_size = aux_size },
	};

	m->header.msgh_bits = BITS_MAKE_SEND;
	m->header.msgh_size = sizeof(*m);
	m->header.msgh_remote_port = port;
	m->header.msgh_local_port = 0;
	m->header.msgh_id = id;
	return msg2(v, MACH_SEND_MSG | MACH64_MSG_VECTOR | MACH64_SEND_MQ_CALL,
		    BITS_MAKE_SEND, count, port, id, 0, 0, 0, 0);
}

/* Receive from @port into @buf, with an aux buffer of @aux_size (0: none). */
static long recv_vec(mach_port_t port, rcv_buf_t *buf, aux_buf_t *aux,
		     uint32_t aux_size, uint32_t extra)
{
	msgv_t v[2] = {
		{ .msgv_data = (uintptr_t)buf, .msgv_rcv_size = sizeof(*buf) },
		{ .msgv_data = (uintptr_t)aux, .msgv_rcv_size = aux_size },
	};

	return msg2(v, MACH_RCV_MSG | MACH_RCV_TIMEOUT | MACH64_MSG_VECTOR | extra,
		    0, 0, 0, 0, 0, port, aux_size ? 2 : 1, 0);
}

/* A payload pattern, byte i = i * 7 + seed. */
static void fill(uint8_t *p, uint32_t n, uint8_t seed)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed);
}

static int same(const uint8_t *p, uint32_t n, uint8_t seed)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (p[i] != (uint8_t)(i * 7 + seed))
			return 0;
	return 1;
}

FIXTURE(msgv)
{
	mach_port_t port;
	struct live_counts base;
};

FIXTURE_SETUP(msgv)
{
	const char *why;

	IPC_REQUIRE();
	why = mt_traps_unavailable();
	if (why)
		SKIP(longjmp(_metadata->env, 1), "%s", why);
	ASSERT_LE(0, mt_traps_enable());
	self->port = new_port();
	ASSERT_NE(MACH_PORT_NULL, self->port);
	live_counts_baseline(&self->base);
}

FIXTURE_TEARDOWN(msgv)
{
}

TEST_F(msgv, message_only_vector)
{
	simple_msg_t m = { .payload = { 11, 22, 33, 44 } };
	rcv_buf_t buf, other;
	msgv_t v[1];

	ASSERT_EQ(MACH_MSG_SUCCESS, send_vec(self->port, &m, 501, NULL, 0, 1));
	memset(&buf, 0, sizeof(buf));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_vec(self->port, &buf, NULL, 0, 0));
	EXPECT_EQ(501, buf.header.msgh_id);
	EXPECT_EQ(sizeof(m), buf.header.msgh_size);
	EXPECT_EQ(33, ((simple_msg_t *)&buf)->payload[2]);

	/* msgv_rcv_addr, when set, is where the message lands */
	ASSERT_EQ(MACH_MSG_SUCCESS, send_vec(self->port, &m, 502, NULL, 0, 1));
	memset(&buf, 0, sizeof(buf));
	memset(&other, 0, sizeof(other));
	v[0] = (msgv_t){ .msgv_data = (uintptr_t)&buf,
			 .msgv_rcv_addr = (uintptr_t)&other,
			 .msgv_rcv_size = sizeof(other) };
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  msg2(v, MACH_RCV_MSG | MACH_RCV_TIMEOUT | MACH64_MSG_VECTOR,
		       0, 0, 0, 0, 0, self->port, 1, 0));
	EXPECT_EQ(502, other.header.msgh_id);
	EXPECT_EQ(0, buf.header.msgh_id);

	/* a combined send and receive through one vector */
	v[0] = (msgv_t){ .msgv_data = (uintptr_t)&m, .msgv_rcv_addr = (uintptr_t)&buf,
			 .msgv_send_size = sizeof(m), .msgv_rcv_size = sizeof(buf) };
	m.header.msgh_id = 503;
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  msg2(v, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT | MACH64_MSG_VECTOR,
		       BITS_MAKE_SEND, 1, self->port, 503, 0, self->port, 1, 1000));
	EXPECT_EQ(503, buf.header.msgh_id);
	EXPECT_EQ(0, msgcount_of(self->port));
}

TEST_F(msgv, aux_data_travels_with_the_message)
{
	simple_msg_t m = { .payload = { 1, 2, 3, 4 } };
	aux_buf_t out, in;
	rcv_buf_t buf;

	/* the sender's header is not read: the kernel writes its own */
	out.hdr = (aux_hdr_t){ .msgdh_size = 999, .msgdh_reserved = 77 };
	fill(out.data, 200, 5);
	ASSERT_EQ(MACH_MSG_SUCCESS, send_vec(self->port, &m, 600, &out, 208, 2));
	memset(&in, 0xaa, sizeof(in));
	memset(&buf, 0, sizeof(buf));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_vec(self->port, &buf, &in, 256, 0));
	EXPECT_EQ(600, buf.header.msgh_id);
	EXPECT_EQ(4, ((simple_msg_t *)&buf)->payload[3]);
	EXPECT_EQ(208, in.hdr.msgdh_size);
	EXPECT_EQ(0, in.hdr.msgdh_reserved);
	EXPECT_TRUE(same(in.data, 200, 5));
	EXPECT_EQ(0xaa, in.data[200]);		/* nothing beyond */

	/* the largest aux data XNU takes, into a buffer of exactly its size */
	fill(out.data, AUX_MAX - 8, 9);
	ASSERT_EQ(MACH_MSG_SUCCESS, send_vec(self->port, &m, 601, &out, AUX_MAX, 2));
	memset(&in, 0, sizeof(in));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_vec(self->port, &buf, &in, AUX_MAX, 0));
	EXPECT_EQ(AUX_MAX, in.hdr.msgdh_size);
	EXPECT_TRUE(same(in.data, AUX_MAX - 8, 9));

	/* just a header: 8 bytes of aux data */
	ASSERT_EQ(MACH_MSG_SUCCESS, send_vec(self->port, &m, 602, &out, 8, 2));
	memset(&in, 0xaa, sizeof(in));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_vec(self->port, &buf, &in, 64, 0));
	EXPECT_EQ(8, in.hdr.msgdh_size);
	EXPECT_EQ(0xaa, in.data[0]);

	/* two vectors, aux size 0: no aux data (the receiver gets the end mark) */
	ASSERT_EQ(MACH_MSG_SUCCESS, send_vec(self->port, &m, 603, NULL, 0, 2));
	memset(&in, 0xaa, sizeof(in));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_vec(self->port, &buf, &in, 64, 0));
	EXPECT_EQ(603, buf.header.msgh_id);
	EXPECT_EQ(0, in.hdr.msgdh_size);
	EXPECT_EQ(0, in.hdr.msgdh_reserved);
	EXPECT_EQ(0xaa, in.data[0]);
}

TEST_F(msgv, message_without_aux_gives_an_empty_header)
{
	simple_msg_t m = { .header = { .msgh_bits = BITS_MAKE_SEND,
				       .msgh_size = sizeof(m),
				       .msgh_remote_port = self->port,
				       .msgh_id = 700 } };
	aux_buf_t in;
	rcv_buf_t buf;

	/* sent by the ioctl's mach_msg: received with an aux buffer */
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0,
					     0, 0, 0));
	memset(&in, 0xaa, sizeof(in));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_vec(self->port, &buf, &in, 64, 0));
	EXPECT_EQ(700, buf.header.msgh_id);
	EXPECT_EQ(0, in.hdr.msgdh_size);
	EXPECT_EQ(0, in.hdr.msgdh_reserved);
	EXPECT_EQ(0xaa, in.data[0]);
}

TEST_F(msgv, aux_to_a_receiver_without_aux_buffer_is_dropped)
{
	simple_msg_t m = { .payload = { 9 } };
	aux_buf_t out;
	rcv_buf_t buf;

	fill(out.data, 100, 3);
	/* the ioctl's mach_msg */
	ASSERT_EQ(MACH_MSG_SUCCESS, send_vec(self->port, &m, 800, &out, 108, 2));
	memset(&buf, 0, sizeof(buf));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_msg(self->port, &buf, sizeof(buf),
					     MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(800, buf.header.msgh_id);
	EXPECT_EQ(sizeof(m), buf.header.msgh_size);
	/* the scalar trap */
	ASSERT_EQ(MACH_MSG_SUCCESS, send_vec(self->port, &m, 801, &out, 108, 2));
	memset(&buf, 0, sizeof(buf));
	ASSERT_EQ(MACH_MSG_SUCCESS, msg2(&buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 0, 0,
					 0, 0, self->port, sizeof(buf), 0));
	EXPECT_EQ(801, buf.header.msgh_id);
	EXPECT_EQ(9, ((simple_msg_t *)&buf)->payload[0]);
	EXPECT_EQ(0, msgcount_of(self->port));
}

TEST_F(msgv, aux_too_large_to_send)
{
	simple_msg_t m = { 0 };
	static aux_buf_t out;

	EXPECT_EQ(MACH_SEND_AUX_TOO_LARGE,
		  send_vec(self->port, &m, 900, &out, AUX_MAX + 4, 2));
	EXPECT_EQ(MACH_SEND_AUX_TOO_LARGE,
		  send_vec(self->port, &m, 900, &out, 0xfffffff0u, 2));
	EXPECT_EQ(MACH_SEND_AUX_TOO_SMALL, send_vec(self->port, &m, 900, &out, 4, 2));
	EXPECT_EQ(MACH_SEND_AUX_TOO_SMALL, send_vec(self->port, &m, 900, &out, 7, 2));
	/* an aux size with no address */
	EXPECT_EQ(MACH_SEND_INVALID_DATA, send_vec(self->port, &m, 900, NULL, 16, 2));
	/* the aux data must be readable */
	EXPECT_EQ(MACH_SEND_INVALID_DATA,
		  send_vec(self->port, &m, 900, (void *)8, 64, 2));
	EXPECT_EQ(0, msgcount_of(self->port));
}

TEST_F(msgv, aux_too_large_to_receive)
{
	simple_msg_t m = { 0 };
	aux_buf_t out, in;
	rcv_buf_t buf;

	fill(out.data, 192, 1);
	ASSERT_EQ(MACH_MSG_SUCCESS, send_vec(self->port, &m, 1000, &out, 200, 2));
	/* MACH_RCV_LARGE: the sizes it needs, the message stays */
	memset(&in, 0, sizeof(in));
	memset(&buf, 0, sizeof(buf));
	EXPECT_EQ(MACH_RCV_TOO_LARGE,
		  recv_vec(self->port, &buf, &in, 64, MACH_RCV_LARGE));
	EXPECT_EQ(200, in.hdr.msgdh_size);
	EXPECT_EQ(sizeof(m), buf.header.msgh_size);
	EXPECT_EQ(1, msgcount_of(self->port));
	/* a vector receiver with no aux vector at all: too large as well */
	EXPECT_EQ(MACH_RCV_TOO_LARGE, recv_vec(self->port, &buf, NULL, 0, MACH_RCV_LARGE));
	EXPECT_EQ(1, msgcount_of(self->port));
	/* a buffer that fits */
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_vec(self->port, &buf, &in, 200, 0));
	EXPECT_EQ(200, in.hdr.msgdh_size);
	EXPECT_TRUE(same(in.data, 192, 1));

	/* without MACH_RCV_LARGE the message is destroyed */
	ASSERT_EQ(MACH_MSG_SUCCESS, send_vec(self->port, &m, 1001, &out, 200, 2));
	EXPECT_EQ(MACH_RCV_TOO_LARGE, recv_vec(self->port, &buf, &in, 199, 0));
	EXPECT_EQ(0, msgcount_of(self->port));
	EXPECT_EQ(self->base.messages, mt_wait_counter("live_messages", self->base.messages));
}

TEST_F(msgv, bad_vectors)
{
	simple_msg_t m = { .header = { .msgh_bits = BITS_MAKE_SEND } };
	uint64_t send = MACH_SEND_MSG | MACH64_MSG_VECTOR;
	uint64_t rcv = MACH_RCV_MSG | MACH_RCV_TIMEOUT | MACH64_MSG_VECTOR;
	aux_buf_t aux;
	rcv_buf_t buf;
	msgv_t v[3] = {
		{ .msgv_data = (uintptr_t)&m, .msgv_send_size = sizeof(m),
		  .msgv_rcv_size = sizeof(buf) },
		{ .msgv_data = (uintptr_t)&aux, .msgv_rcv_size = sizeof(aux) },
	};
	void *gone = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mach_port_t p = self->port;

	ASSERT_NE(MAP_FAILED, gone);
	/* counts */
	EXPECT_EQ(MACH_SEND_MSG_TOO_SMALL, msg2(v, send, BITS_MAKE_SEND, 0, p, 0, 0, 0, 0, 0));
	EXPECT_EQ(MACH_SEND_INVALID_DATA, msg2(v, send, BITS_MAKE_SEND, 3, p, 0, 0, 0, 0, 0));
	EXPECT_EQ(MACH_SEND_INVALID_DATA, msg2(v, send, BITS_MAKE_SEND, 1, p, 0, 0, 0, 3, 0));
	EXPECT_EQ(MACH_SEND_INVALID_DATA, msg2(v, send, BITS_MAKE_SEND, ~0u, p, 0, 0, 0, 0, 0));
	EXPECT_EQ(MACH_RCV_INVALID_ARGUMENTS, msg2(v, rcv, 0, 0, 0, 0, 0, p, 0, 0));
	EXPECT_EQ(MACH_RCV_INVALID_ARGUMENTS, msg2(v, rcv, 0, 0, 0, 0, 0, p, 3, 0));
	/* the vector array itself */
	EXPECT_EQ(MACH_SEND_INVALID_DATA, msg2(NULL, send, BITS_MAKE_SEND, 1, p, 0, 0, 0, 0, 0));
	EXPECT_EQ(MACH_SEND_INVALID_DATA, msg2(gone, send, BITS_MAKE_SEND, 2, p, 0, 0, 0, 0, 0));
	EXPECT_EQ(MACH_RCV_INVALID_ARGUMENTS, msg2(gone, rcv, 0, 0, 0, 0, 0, p, 1, 0));
	EXPECT_EQ(MACH_RCV_INVALID_ARGUMENTS,
		  msg2((char *)gone - sizeof(msgv_t), rcv, 0, 0, 0, 0, 0, p, 2, 0));
	/* the message vector */
	v[0].msgv_data = 0;
	EXPECT_EQ(MACH_SEND_INVALID_DATA, msg2(v, send, BITS_MAKE_SEND, 1, p, 0, 0, 0, 0, 0));
	v[0].msgv_data = (uintptr_t)gone;
	EXPECT_EQ(MACH_SEND_INVALID_DATA, msg2(v, send, BITS_MAKE_SEND, 1, p, 0, 0, 0, 0, 0));
	v[0].msgv_data = (uintptr_t)&m;
	v[0].msgv_send_size = 20;
	EXPECT_EQ(MACH_SEND_MSG_TOO_SMALL, msg2(v, send, BITS_MAKE_SEND, 1, p, 0, 0, 0, 0, 0));
	v[0].msgv_send_size = sizeof(m) + 2;
	EXPECT_EQ(MACH_SEND_MSG_TOO_SMALL, msg2(v, send, BITS_MAKE_SEND, 1, p, 0, 0, 0, 0, 0));
	v[0].msgv_send_size = 0xfffffffcu;
	EXPECT_EQ(MACH_SEND_TOO_LARGE, msg2(v, send, BITS_MAKE_SEND, 1, p, 0, 0, 0, 0, 0));
	/* a too-large message is refused before its aux vector is looked at */
	v[1].msgv_send_size = 4;
	EXPECT_EQ(MACH_SEND_TOO_LARGE, msg2(v, send, BITS_MAKE_SEND, 2, p, 0, 0, 0, 0, 0));
	v[1].msgv_send_size = 0;
	v[0].msgv_send_size = sizeof(m);
	/* the receive's aux vector: an address and room for its header */
	v[1].msgv_data = 0;
	EXPECT_EQ(MACH_RCV_INVALID_ARGUMENTS, msg2(v, rcv, 0, 0, 0, 0, 0, p, 2, 0));
	v[1].msgv_rcv_addr = (uintptr_t)&aux;
	v[1].msgv_rcv_size = 7;
	EXPECT_EQ(MACH_RCV_INVALID_ARGUMENTS, msg2(v, rcv, 0, 0, 0, 0, 0, p, 2, 0));
	v[1].msgv_rcv_size = 8;
	EXPECT_EQ(MACH_RCV_TIMED_OUT, msg2(v, rcv, 0, 0, 0, 0, 0, p, 2, 0));
	/* unknown option bits, and the kernel-only linear receive */
	EXPECT_EQ(MACH_SEND_INVALID_OPTIONS,
		  msg2(v, send | MACH64_RCV_LINEAR_VECTOR, BITS_MAKE_SEND, 1, p, 0, 0, 0, 0, 0));
	EXPECT_EQ(MACH_SEND_INVALID_OPTIONS,
		  msg2(v, send | 0x0100000000000000ull, BITS_MAKE_SEND, 1, p, 0, 0, 0, 0, 0));
	EXPECT_EQ(0, msgcount_of(p));

	/* a bad receive vector does not stop the send before it (XNU) */
	v[1].msgv_rcv_size = 4;
	v[0].msgv_rcv_addr = (uintptr_t)&buf;
	EXPECT_EQ(MACH_RCV_INVALID_ARGUMENTS,
		  msg2(v, send | rcv, BITS_MAKE_SEND, 1, p, 1100, 0, p, 2, 0));
	EXPECT_EQ(1, msgcount_of(p));
	EXPECT_EQ(MACH_RCV_INVALID_ARGUMENTS,
		  msg2(v, send | rcv, BITS_MAKE_SEND, 1, p, 1101, 0, p, 0, 0));
	EXPECT_EQ(2, msgcount_of(p));
	/* an unwritable receive buffer loses the message (XNU) */
	v[0].msgv_rcv_addr = (uintptr_t)gone;
	EXPECT_EQ(MACH_RCV_INVALID_DATA, msg2(v, rcv, 0, 0, 0, 0, 0, p, 1, 0));
	EXPECT_EQ(1, msgcount_of(p));
	/* ... and an unwritable aux buffer too */
	v[0].msgv_rcv_addr = (uintptr_t)&buf;
	v[1].msgv_rcv_addr = (uintptr_t)gone;
	v[1].msgv_rcv_size = 64;
	EXPECT_EQ(MACH_RCV_INVALID_DATA, msg2(v, rcv, 0, 0, 0, 0, 0, p, 2, 0));
	EXPECT_EQ(0, msgcount_of(p));
	munmap(gone, 4096);
}

/* ---- as nobody: a failed send loses nothing ----------------------------- */

#define CHECK(cond, code)					\
	do {							\
		if (!(cond)) {					\
			fprintf(stderr, "  check %d failed: %s\n",	\
				code, #cond);			\
			return code;				\
		}						\
	} while (0)

/*
 * The attack: sends whose aux data cannot be read, each carrying a moved
 * send right and a made send-once reply right; then the budget: aux data
 * counts against max_queued_bytes (@limit) like the body, and failed
 * sends give their charge back.
 */
static int failed_sends(long limit)
{
	mach_port_t dest = new_port(), carried = new_port_send();
	static aux_buf_t aux;
	mach_port_urefs_t refs = 0;
	port_msg_t pm;
	simple_msg_t m;
	msgv_t v[2];
	int i, sent;

	CHECK(mt_traps_enable() >= 0, 1);
	CHECK(dest && carried, 2);
	for (i = 0; i < 200; i++) {
		port_msg_init(&pm, dest, MACH_MSG_TYPE_MAKE_SEND, 0, carried,
			      MACH_MSG_TYPE_MOVE_SEND);
		pm.header.msgh_bits |= MACH_MSGH_BITS(0, MACH_MSG_TYPE_MAKE_SEND_ONCE);
		pm.header.msgh_local_port = carried;
		v[0] = (msgv_t){ .msgv_data = (uintptr_t)&pm, .msgv_send_size = sizeof(pm) };
		/* aux data past the end of the address space the user has */
		v[1] = (msgv_t){ .msgv_data = i & 1 ? 0x1000 : ~0xfffull,
				 .msgv_send_size = 16 + (i % 64) * 8 };
		/* the registers' header: dest and the reply port */
		CHECK(darwin_trap((long)v, (long)(MACH_SEND_MSG | MACH64_MSG_VECTOR),
				  2L << 32 | pm.header.msgh_bits,
				  (long)carried << 32 | dest, 0, 1, 0, 0,
				  TRAP_NR(MACHINA_TRAP_MACH_MSG2)) ==
		      MACH_SEND_INVALID_DATA, 3);
	}
	CHECK(msgcount_of(dest) == 0, 4);
	CHECK(mach_port_get_refs(SELF, carried, MACH_PORT_RIGHT_SEND, &refs) ==
	      KERN_SUCCESS && refs == 1, 5);
	CHECK(mach_port_get_refs(SELF, carried, MACH_PORT_RIGHT_SEND_ONCE, &refs) ==
	      KERN_SUCCESS && refs == 0, 6);

	/* the budget: full sends until it is spent, failures in between */
	memset(&m, 0, sizeof(m));
	for (sent = 0; sent < 5; sent++) {
		long bad = send_vec(dest, &m, 2, (void *)0x1000, AUX_MAX, 2);
		long mr = send_vec(dest, &m, 1, &aux, AUX_MAX, 2);

		if (mr == MACH_SEND_NO_BUFFER) {
			CHECK(bad == MACH_SEND_NO_BUFFER, 7);
			break;
		}
		CHECK(bad == MACH_SEND_INVALID_DATA, 8);
		CHECK(mr == MACH_MSG_SUCCESS, 14);
	}
	CHECK(sent == limit / (sizeof(m) + AUX_MAX), 9);
	for (i = 0; i < 50; i++)
		CHECK(send_vec(dest, &m, 3, (void *)0x1000, AUX_MAX, 2) ==
		      MACH_SEND_NO_BUFFER, 10);
	/* received: their charge is back, exactly as many fit again */
	CHECK(drain(dest) == sent, 11);
	for (i = 0; i < sent; i++)
		CHECK(send_vec(dest, &m, 4, &aux, AUX_MAX, 2) == MACH_MSG_SUCCESS, 12);
	CHECK(send_vec(dest, &m, 5, &aux, AUX_MAX, 2) == MACH_SEND_NO_BUFFER, 13);
	/* the queued ones (aux data and all) go with the process */
	return 0;
}

/*
 * Run @attack(limit) in a child as nobody with max_queued_bytes lowered to
 * three messages of the largest aux data (and some room); it must exit 0
 * and leave the module's live counters where @base had them.
 */
static void as_nobody_with_budget(struct __test_metadata *_metadata,
				  const struct live_counts *base, int (*attack)(long))
{
	long limit = 3 * (sizeof(simple_msg_t) + AUX_MAX) + 100;
	long old = module_param_set("max_queued_bytes", limit);
	struct live_counts now;
	int status = -1;
	pid_t pid;

	ASSERT_LE(0, old);
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		die_with_parent();
		if (geteuid() == 0 && mt_become_nobody())
			_exit(99);
		_exit(attack(limit));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	module_param_set("max_queued_bytes", old);
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_TRUE(live_counts_settle(base, &now))
	{
		TH_LOG("left behind: ports %ld->%ld messages %ld->%ld",
		       base->ports, now.ports, base->messages, now.messages);
	}
}

TEST_F(msgv, failed_send_loses_nothing_as_nobody)
{
	as_nobody_with_budget(_metadata, &self->base, failed_sends);
}

/* ---- review (msgvec-review): hand-off, port sets, races, accounting ----- */

struct waiter {
	mach_port_t port;
	uint32_t aux_size;	/* 0: a one-vector receive */
	int scalar;		/* the ioctl's mach_msg instead */
	pid_t tid;
	long mr;
	rcv_buf_t buf;
	aux_buf_t aux;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	msgv_t v[2] = {
		{ .msgv_data = (uintptr_t)&w->buf, .msgv_rcv_size = sizeof(w->buf) },
		{ .msgv_data = (uintptr_t)&w->aux, .msgv_rcv_size = w->aux_size },
	};

	w->tid = gettid();
	if (mt_traps_enable() < 0) {
		w->mr = -1;
		return NULL;
	}
	if (w->scalar)
		w->mr = recv_msg(w->port, &w->buf, sizeof(w->buf), MACH_RCV_TIMEOUT, 10000);
	else
		w->mr = msg2(v, MACH_RCV_MSG | MACH_RCV_TIMEOUT | MACH64_MSG_VECTOR,
			     0, 0, 0, 0, 0, w->port, w->aux_size ? 2 : 1, 10000);
	return NULL;
}

/* Start a receiver on @w and wait until it sleeps in the receive. */
static int waiter_start(pthread_t *t, struct waiter *w)
{
	int i;

	memset(&w->aux, 0xaa, sizeof(w->aux));
	w->tid = 0;
	if (pthread_create(t, NULL, waiter_main, w))
		return -1;
	for (i = 0; i < 10000; i++) {
		if (w->tid && mt_thread_state(getpid(), w->tid) == 'S')
			return 0;
		usleep(1000);
	}
	return -1;
}

TEST_F(msgv, handoff_to_waiting_receivers)
{
	simple_msg_t m = { 0 };
	static aux_buf_t out;
	static struct waiter w;
	pthread_t t;

	fill(out.data, 300, 4);
	/* a vector receiver with room: the data, through the hand-off */
	w = (struct waiter){ .port = self->port, .aux_size = 512 };
	ASSERT_EQ(0, waiter_start(&t, &w));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_vec(self->port, &m, 1200, &out, 308, 2));
	pthread_join(t, NULL);
	EXPECT_EQ(MACH_MSG_SUCCESS, w.mr);
	EXPECT_EQ(1200, w.buf.header.msgh_id);
	EXPECT_EQ(308, w.aux.hdr.msgdh_size);
	EXPECT_TRUE(same(w.aux.data, 300, 4));
	EXPECT_EQ(0xaa, w.aux.data[300]);
	/* a vector receiver whose aux buffer is too small: declined, destroyed */
	w = (struct waiter){ .port = self->port, .aux_size = 64 };
	ASSERT_EQ(0, waiter_start(&t, &w));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_vec(self->port, &m, 1201, &out, 308, 2));
	pthread_join(t, NULL);
	EXPECT_EQ(MACH_RCV_TOO_LARGE, w.mr);
	EXPECT_EQ(0xaa, w.aux.data[0]);
	EXPECT_EQ(0, msgcount_of(self->port));
	/* a one-vector receiver: too large as well (XNU) */
	w = (struct waiter){ .port = self->port, .aux_size = 0 };
	ASSERT_EQ(0, waiter_start(&t, &w));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_vec(self->port, &m, 1202, &out, 308, 2));
	pthread_join(t, NULL);
	EXPECT_EQ(MACH_RCV_TOO_LARGE, w.mr);
	EXPECT_EQ(0, msgcount_of(self->port));
	/* the ioctl's receiver: the message, the data dropped */
	w = (struct waiter){ .port = self->port, .scalar = 1 };
	ASSERT_EQ(0, waiter_start(&t, &w));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_vec(self->port, &m, 1203, &out, 308, 2));
	pthread_join(t, NULL);
	EXPECT_EQ(MACH_MSG_SUCCESS, w.mr);
	EXPECT_EQ(1203, w.buf.header.msgh_id);
	EXPECT_EQ(sizeof(m), w.buf.header.msgh_size);
	EXPECT_EQ(self->base.messages, mt_wait_counter("live_messages", self->base.messages));
}

TEST_F(msgv, aux_through_a_port_set)
{
	simple_msg_t m = { 0 };
	static aux_buf_t out, in;
	static struct waiter w;
	mach_port_t set = MACH_PORT_NULL;
	rcv_buf_t buf;
	pthread_t t;

	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &set));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_member(SELF, self->port, set));
	fill(out.data, 100, 8);
	ASSERT_EQ(MACH_MSG_SUCCESS, send_vec(self->port, &m, 1300, &out, 108, 2));
	/* too small, MACH_RCV_LARGE: the member's aux size, the message stays */
	memset(&in, 0, sizeof(in));
	EXPECT_EQ(MACH_RCV_TOO_LARGE, recv_vec(set, &buf, &in, 16, MACH_RCV_LARGE));
	EXPECT_EQ(108, in.hdr.msgdh_size);
	EXPECT_EQ(1, msgcount_of(self->port));
	memset(&in, 0xaa, sizeof(in));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_vec(set, &buf, &in, 108, 0));
	EXPECT_EQ(1300, buf.header.msgh_id);
	EXPECT_EQ(108, in.hdr.msgdh_size);
	EXPECT_TRUE(same(in.data, 100, 8));
	EXPECT_EQ(0xaa, in.data[100]);
	/* a receiver sleeping on the set */
	w = (struct waiter){ .port = set, .aux_size = 200 };
	ASSERT_EQ(0, waiter_start(&t, &w));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_vec(self->port, &m, 1301, &out, 108, 2));
	pthread_join(t, NULL);
	EXPECT_EQ(MACH_MSG_SUCCESS, w.mr);
	EXPECT_EQ(1301, w.buf.header.msgh_id);
	EXPECT_EQ(108, w.aux.hdr.msgdh_size);
	EXPECT_TRUE(same(w.aux.data, 100, 8));
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(SELF, set, MACH_PORT_RIGHT_PORT_SET, -1));
}

/*
 * A parked message buffer is reused: what a big aux message left in it
 * must not reach the next receiver of a small one (nor of one without
 * aux data, nor of a too-large report).
 */
TEST_F(msgv, no_stale_aux_bytes)
{
	simple_msg_t m = { 0 };
	static aux_buf_t out, in;
	rcv_buf_t buf;
	int i;

	for (i = 0; i < 8; i++) {
		fill(out.data, AUX_MAX - 8, 0x55);
		ASSERT_EQ(MACH_MSG_SUCCESS, send_vec(self->port, &m, 1400, &out, 400, 2));
		ASSERT_EQ(MACH_MSG_SUCCESS, recv_vec(self->port, &buf, &in, AUX_MAX, 0));
		memset(out.data, 0x11, 8);
		ASSERT_EQ(MACH_MSG_SUCCESS, send_vec(self->port, &m, 1401, &out, 16, 2));
		memset(&in, 0xaa, sizeof(in));
		ASSERT_EQ(MACH_MSG_SUCCESS, recv_vec(self->port, &buf, &in, AUX_MAX, 0));
		EXPECT_EQ(16, in.hdr.msgdh_size);
		EXPECT_EQ(0x11, in.data[7]);
		EXPECT_EQ(0xaa, in.data[8]);
		EXPECT_EQ(0xaa, in.data[AUX_MAX - 9]);
		/* MACH_RCV_LARGE writes msgdh_size only */
		ASSERT_EQ(MACH_MSG_SUCCESS, send_vec(self->port, &m, 1402, &out, 400, 2));
		memset(&in, 0xaa, sizeof(in));
		EXPECT_EQ(MACH_RCV_TOO_LARGE, recv_vec(self->port, &buf, &in, 8, MACH_RCV_LARGE));
		EXPECT_EQ(400, in.hdr.msgdh_size);
		EXPECT_EQ(0xaaaaaaaau, in.hdr.msgdh_reserved);
		EXPECT_EQ(0xaa, in.data[0]);
		ASSERT_EQ(MACH_MSG_SUCCESS, recv_vec(self->port, &buf, &in, AUX_MAX, 0));
	}
}

/*
 * Double fetch: a second thread rewrites the vector array and the aux
 * header while the sender sends.  Whatever each send saw, the receiver's
 * header must match the bytes it was given: a size of 16 or 512, the
 * payload whole (pattern by size), and nothing past it.
 */
struct flipper {
	volatile int stop;
	msgv_t *v;
	aux_buf_t *aux;
};

static void *flipper_main(void *arg)
{
	struct flipper *f = arg;
	uint32_t n = 0;

	while (!f->stop) {
		f->v[1].msgv_send_size = n & 1 ? 16 : 512;
		f->aux->hdr.msgdh_size = n * 977;
		f->aux->hdr.msgdh_reserved = ~n;
		n++;
	}
	return NULL;
}

TEST_F(msgv, vector_rewritten_while_sending)
{
	static aux_buf_t out, in;
	static msgv_t v[2];
	struct flipper f = { .v = v, .aux = &out };
	simple_msg_t m = { 0 };
	rcv_buf_t buf;
	pthread_t t;
	int i, bad = 0;

	fill(out.data, 504, 6);
	v[0] = (msgv_t){ .msgv_data = (uintptr_t)&m, .msgv_send_size = sizeof(m) };
	v[1] = (msgv_t){ .msgv_data = (uintptr_t)&out, .msgv_send_size = 16 };
	ASSERT_EQ(0, pthread_create(&t, NULL, flipper_main, &f));
	for (i = 0; i < 2000 && !bad; i++) {
		m.header = (mach_msg_header_t){ .msgh_bits = BITS_MAKE_SEND,
			.msgh_size = sizeof(m), .msgh_remote_port = self->port,
			.msgh_id = i };
		if (msg2(v, MACH_SEND_MSG | MACH64_MSG_VECTOR, BITS_MAKE_SEND, 2,
			 self->port, i, 0, 0, 0, 0) != MACH_MSG_SUCCESS) {
			bad = 1;
			break;
		}
		memset(&in, 0xaa, sizeof(in));
		if (recv_vec(self->port, &buf, &in, sizeof(in), 0) != MACH_MSG_SUCCESS)
			bad = 2;
		else if (in.hdr.msgdh_size != 16 && in.hdr.msgdh_size != 512)
			bad = 3;
		else if (in.hdr.msgdh_reserved || !same(in.data, in.hdr.msgdh_size - 8, 6) ||
			 in.data[in.hdr.msgdh_size - 8] != 0xaa)
			bad = 4;
	}
	f.stop = 1;
	pthread_join(t, NULL);
	EXPECT_EQ(0, bad);
}

/*
 * As nobody: aux messages left queued on a port whose receive right is
 * destroyed, moved away inside a message that is then destroyed, or
 * refused at receive give their whole charge (body and aux) back.
 */
static int budget_fill(mach_port_t dest, aux_buf_t *aux, int max)
{
	simple_msg_t m = { 0 };
	int n = 0;

	while (n < max && send_vec(dest, &m, 1500 + n, aux, AUX_MAX, 2) == MACH_MSG_SUCCESS)
		n++;
	return n;
}

static int queued_charges_back(long limit)
{
	static aux_buf_t aux, in;
	mach_port_t a, b, holder;
	rcv_buf_t buf;
	int full, i;

	CHECK(mt_traps_enable() >= 0, 1);
	a = new_port();
	CHECK(a, 2);
	full = budget_fill(a, &aux, 100);
	CHECK(full == limit / (int)(sizeof(simple_msg_t) + AUX_MAX), 3);
	/* the receive right destroyed with its queue */
	CHECK(mach_port_mod_refs(SELF, a, MACH_PORT_RIGHT_RECEIVE, -1) == KERN_SUCCESS, 4);
	b = new_port();
	CHECK(b && budget_fill(b, &aux, 100) == full, 5);
	/* the receive right moved into a message (room for that one kept) */
	CHECK(recv_vec(b, &buf, &in, AUX_MAX, 0) == MACH_MSG_SUCCESS, 6);
	holder = new_port();
	CHECK(holder, 7);
	CHECK(send_port(holder, MACH_MSG_TYPE_MAKE_SEND, 1, b,
			MACH_MSG_TYPE_MOVE_RECEIVE) == MACH_MSG_SUCCESS, 8);
	CHECK(mach_port_mod_refs(SELF, holder, MACH_PORT_RIGHT_RECEIVE, -1) == KERN_SUCCESS, 9);
	a = new_port();
	CHECK(a && budget_fill(a, &aux, 100) == full, 10);
	/* refused at receive: too large, and an unwritable aux buffer */
	for (i = 0; i < full; i++)
		CHECK(recv_vec(a, &buf, &in, i & 1 ? 64 : 8, 0) == MACH_RCV_TOO_LARGE, 11);
	CHECK(budget_fill(a, &aux, 100) == full, 12);
	for (i = 0; i < full; i++)
		CHECK(recv_vec(a, &buf, (aux_buf_t *)0x1000, AUX_MAX, 0) ==
		      MACH_RCV_INVALID_DATA, 13);
	CHECK(msgcount_of(a) == 0, 14);
	CHECK(budget_fill(a, &aux, 100) == full, 15);
	return 0;
}

TEST_F(msgv, queued_aux_charge_comes_back_as_nobody)
{
	as_nobody_with_budget(_metadata, &self->base, queued_charges_back);
}

TEST_HARNESS_MAIN
