// SPDX-License-Identifier: GPL-2.0
/*
 * Whole read of session 12's kernel changes (branch review12), attacked
 * as user nobody.
 *
 * a_moved_receive_right_leaves_its_context_behind: a port's context is its
 * receive right holder's own value (mach_port_set_context, or the value a
 * port was constructed with), often a pointer into the holder's memory.
 * XNU's ipc_right_copyin() clears it at every MOVE_RECEIVE
 * (ipc_port_clear_receiver()); session 12 cleared it for a port-destroyed
 * notification only, so a receive right root sent in an ordinary message
 * still told nobody, its new holder, root's value: through
 * mach_port_get_context() and through the context trailer of the messages
 * queued on it.  Root's process here sends nobody's process a receive
 * right whose context is a pointer-like value, with a message queued on it.
 *
 * every_move_starts_the_right_afresh: the other two moves of a receive
 * right, as nobody: mach_port_extract_right(MOVE_RECEIVE) out of its own
 * space and back, and mach_port_insert_right(MOVE_RECEIVE) into its
 * child's space: the right arrives with context, sequence number and
 * make-send count 0, as XNU leaves a right a MOVE_RECEIVE copied in (the
 * insert reset none of the three).
 */
#define _GNU_SOURCE
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

/* Root's value: where a heap object of root's process might live. */
#define ROOT_CONTEXT	0x00007f3cafe01230ull

#define CTX_TRAILER	(MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) | \
			 MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_CTX))

/*
 * nobody_receives - the attacker, as nobody: gives root (through @fd, a
 * send right to root's port) a send right to a port of its own, then
 * reads what the receive right root sends it says about root
 * Returns (exit status): 0 when nothing of root's context reached it,
 * 10 when mach_port_get_context() read it, 11 when the trailer of the
 * message queued on it did, 2.. for a broken setup.
 */
static int nobody_receives(int fd)
{
	mach_port_t root_port, mine;
	mach_port_context_t ctx = 1;
	mach_msg_context_trailer_t *tr;
	rcv_buf_t buf;
	any_desc_t d;

	root_port = port_meet_child(fd);
	if (!root_port || mt_become_nobody() || geteuid() == 0)
		return 2;
	mine = new_port();
	if (!mine || send_port(root_port, MACH_MSG_TYPE_COPY_SEND, 1, mine,
			       MACH_MSG_TYPE_MAKE_SEND) != MACH_MSG_SUCCESS)
		return 3;
	if (recv_timeout(mine, &buf, 10000) != MACH_MSG_SUCCESS ||
	    get_desc(&buf.header, 0, &d) != MACH_MSG_PORT_DESCRIPTOR ||
	    d.port.disposition != MACH_MSG_TYPE_PORT_RECEIVE)
		return 4;
	if (mach_port_get_context(SELF, d.port.name, &ctx) != KERN_SUCCESS)
		return 5;
	if (ctx)
		return 10;
	/* The message root queued on it before it let it go. */
	if (recv_msg(d.port.name, &buf, sizeof(buf),
		     MACH_RCV_TIMEOUT | CTX_TRAILER, 0) != MACH_MSG_SUCCESS ||
	    buf.header.msgh_id != 7)
		return 6;
	tr = trailer_of(&buf.header);
	if (tr->msgh_trailer_size != sizeof(*tr))
		return 7;
	return tr->msgh_context ? 11 : 0;
}

TEST(a_moved_receive_right_leaves_its_context_behind)
{
	mach_port_t hello = new_port(), secret = new_port(), attacker;
	mach_port_context_t ctx = 0;
	rcv_buf_t buf;
	any_desc_t d;
	pid_t pid;
	int fd;

	IPC_REQUIRE_TEST();
	if (geteuid() != 0)
		SKIP(return, "needs root to drop to nobody");
	ASSERT_NE(MACH_PORT_NULL, hello);
	ASSERT_NE(MACH_PORT_NULL, secret);
	ASSERT_EQ(KERN_SUCCESS, port_share(hello, &fd));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		die_with_parent();
		_exit(nobody_receives(fd));
	}
	close(fd);

	/* Nobody's port, then root's right with root's value, and a message. */
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(hello, &buf, 10000));
	ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR, get_desc(&buf.header, 0, &d));
	attacker = d.port.name;
	ASSERT_EQ(KERN_SUCCESS, mach_port_set_context(SELF, secret, ROOT_CONTEXT));
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_context(SELF, secret, &ctx));
	ASSERT_EQ(ROOT_CONTEXT, ctx);
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(secret, 7));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_port(attacker, MACH_MSG_TYPE_COPY_SEND, 2, secret,
			    MACH_MSG_TYPE_MOVE_RECEIVE));
	EXPECT_EQ(0, mt_wait_exit(pid));
	mach_port_deallocate(SELF, attacker);
	mach_port_mod_refs(SELF, hello, MACH_PORT_RIGHT_RECEIVE, -1);
}

/*
 * afresh - the receive right @name of @task's space shows nothing of its
 * life before the move: context, sequence number and make-send count 0
 */
static int afresh(mach_port_t task, mach_port_t name)
{
	mach_msg_type_number_t count = MACH_PORT_RECEIVE_STATUS_COUNT;
	mach_port_context_t ctx = 1;
	mach_port_status_t st;

	memset(&st, 0xa5, sizeof(st));
	if (mach_port_get_context(task, name, &ctx) ||
	    mach_port_get_attributes(task, name, MACH_PORT_RECEIVE_STATUS,
				     (mach_port_info_t)&st, &count))
		return 0;
	return !ctx && !st.mps_seqno && !st.mps_mscount;
}

/*
 * used - a new receive right with context @ctx that has made a send right
 * (let go again) and received a message: its make-send count and sequence
 * number moved on
 */
static mach_port_t used(mach_port_context_t ctx)
{
	mach_port_t p = new_port();
	rcv_buf_t buf;

	if (!p || mach_port_set_context(SELF, p, ctx) ||
	    mach_port_insert_right(SELF, p, p, MACH_MSG_TYPE_MAKE_SEND) ||
	    send_simple_opt(p, MACH_MSG_TYPE_COPY_SEND, 1, 0, 0) ||
	    recv_timeout(p, &buf, 0) || mach_port_deallocate(SELF, p))
		return MACH_PORT_NULL;
	return p;
}

/*
 * As nobody: extract_right moves a right out of its space and back in;
 * insert_right moves one into its child's space (through the child's
 * task port) under a name it chooses.
 */
static int nobody_moves(void *arg)
{
	const mach_port_name_t to = (0x777 << 8) | 0x03;
	mach_port_t p, poly = MACH_PORT_NULL, child_task = MACH_PORT_NULL;
	mach_msg_type_name_t type;
	int go, done, ret = 0;
	pid_t child;

	p = used(ROOT_CONTEXT);
	if (!p || mach_port_extract_right(SELF, p, MACH_MSG_TYPE_MOVE_RECEIVE,
					  &poly, &type) ||
	    type != MACH_MSG_TYPE_PORT_RECEIVE)
		return 2;
	if (!afresh(SELF, poly))
		return 10;

	child = ipc_task_child(&go, &done);
	if (child < 0)
		return 3;
	p = used(ROOT_CONTEXT);
	if (!p || task_for_pid(SELF, child, &child_task) ||
	    mach_port_insert_right(child_task, to, p, MACH_MSG_TYPE_MOVE_RECEIVE))
		ret = 4;
	else if (type_of(p))
		ret = 5;
	else if (!afresh(child_task, to))
		ret = 11;
	if (write(go, "x", 1) != 1 || mt_wait_exit(child))
		ret = ret ? ret : 6;
	close(go);
	close(done);
	return ret;
}

TEST(every_move_starts_the_right_afresh)
{
	IPC_REQUIRE_TEST();
	EXPECT_EQ(0, mt_run_as_nobody(nobody_moves, NULL));
}

TEST_HARNESS_MAIN
