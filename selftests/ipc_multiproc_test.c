// SPDX-License-Identifier: GPL-2.0
/*
 * Rights passed between processes.  Parent and child meet through a send
 * right carried by a descriptor (machina_port_to_fd before fork,
 * machina_port_from_fd in the child); from there on everything travels in
 * messages: receive rights, send-once rights, out-of-line memory and port
 * arrays.  Process exit (and SIGKILL) releases every right the process held
 * and fires the notifications that implies.
 *
 * Children report through their exit status: 0 is success, any other value
 * names the step that failed.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

FIXTURE(mp)
{
	mach_port_t port; /* the parent's port; children get a send right */
	struct live_counts base;
};

FIXTURE_SETUP(mp)
{
	IPC_REQUIRE();
	self->port = new_port_send();
	ASSERT_NE(MACH_PORT_NULL, self->port);
	ASSERT_EQ(KERN_SUCCESS, set_qlimit(self->port, 64));
	live_counts_baseline(&self->base);
}

FIXTURE_TEARDOWN(mp)
{
}

typedef int (*child_fn)(mach_port_t parent, void *arg);

/*
 * Fork a child that starts with a send right to "port" (its name in the
 * child is passed to fn); fn's return value is the child's exit status.
 */
static pid_t spawn(mach_port_t port, child_fn fn, void *arg)
{
	int fd = -1;
	pid_t pid;

	if (port_share(port, &fd) != KERN_SUCCESS)
		return -1;
	pid = fork();
	if (pid == 0) {
		mach_port_t parent = port_meet_child(fd);

		die_with_parent();
		_exit(parent ? fn(parent, arg) : 100);
	}
	close(fd);
	return pid;
}

/* A child's first message: a send right to its own port, id 1. */
static int hello(mach_port_t parent, mach_port_t mine)
{
	return send_port(parent, MACH_MSG_TYPE_COPY_SEND, 1, mine,
			 MACH_MSG_TYPE_MAKE_SEND) ?
		       101 :
		       0;
}

/* In the parent: receive a child's hello; the child's port, or NULL. */
static mach_port_t get_hello(mach_port_t port, pid_t *pid)
{
	rcv_buf_t buf;
	any_desc_t d;
	mach_msg_audit_trailer_t *tr;

	if (recv_msg(port, &buf, sizeof(buf),
		     MACH_RCV_TIMEOUT |
			     MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT),
		     10000))
		return MACH_PORT_NULL;
	if (buf.header.msgh_id != 1 ||
	    get_desc(&buf.header, 0, &d) != MACH_MSG_PORT_DESCRIPTOR)
		return MACH_PORT_NULL;
	tr = trailer_of(&buf.header);
	if (pid)
		*pid = (pid_t)tr->msgh_audit.val[5];
	return d.port.name;
}

/* ---- meeting ------------------------------------------------------------ */

static int child_says_hello(mach_port_t parent, void *arg)
{
	simple_msg_t m = { 0 };

	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
	m.header.msgh_size = sizeof(m);
	m.header.msgh_remote_port = parent;
	m.header.msgh_id = 4711;
	m.payload[0] = type_of(parent);
	m.payload[1] = (uint32_t)urefs_of(parent, MACH_PORT_RIGHT_SEND);
	return mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0, 0, 0, 0) ? 2 :
									   0;
}

TEST_F(mp, child_meets_parent_through_a_send_right_descriptor)
{
	rcv_buf_t buf;
	simple_msg_t *m = (simple_msg_t *)&buf;
	mach_msg_audit_trailer_t *tr;
	pid_t pid = spawn(self->port, child_says_hello, NULL);

	ASSERT_LT(0, pid);
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  recv_msg(self->port, &buf, sizeof(buf),
			   MACH_RCV_TIMEOUT | MACH_RCV_TRAILER_ELEMENTS(
						      MACH_RCV_TRAILER_AUDIT),
			   10000));
	EXPECT_EQ(0, mt_wait_exit(pid));
	EXPECT_EQ(4711, buf.header.msgh_id);
	EXPECT_EQ(MACH_PORT_TYPE_SEND, m->payload[0]);
	EXPECT_EQ(1, m->payload[1]);
	tr = trailer_of(&buf.header);
	EXPECT_EQ(pid, (pid_t)tr->msgh_audit.val[5]);
}

static int child_lists_its_names(mach_port_t parent, void *arg)
{
	mach_port_name_t parents_port = *(mach_port_name_t *)arg;
	mach_port_name_array_t names;
	mach_port_type_array_t types;
	mach_msg_type_number_t n, tn, i;

	if (mach_port_names(SELF, &names, &n, &types, &tn))
		return 2;
	/* A forked child starts with a space of its own: no receive rights. */
	for (i = 0; i < n; i++)
		if (types[i] &
		    (MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_PORT_SET))
			return 3;
	if (type_of(parents_port) & MACH_PORT_TYPE_RECEIVE)
		return 4;
	return 0;
}

TEST_F(mp, forked_child_does_not_inherit_the_parents_rights)
{
	mach_port_name_t set;
	pid_t pid;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &set));
	pid = spawn(self->port, child_lists_its_names, &self->port);
	ASSERT_LT(0, pid);
	EXPECT_EQ(0, mt_wait_exit(pid));
}

/* ---- receive rights ------------------------------------------------------ */

static int child_takes_a_receive_right(mach_port_t parent, void *arg)
{
	mach_port_t mine = new_port(), moved;
	rcv_buf_t buf;
	any_desc_t d;
	int i;

	if (hello(parent, mine))
		return 2;
	if (recv_timeout(mine, &buf, 10000) ||
	    get_desc(&buf.header, 0, &d) != MACH_MSG_PORT_DESCRIPTOR ||
	    d.port.disposition != MACH_MSG_TYPE_PORT_RECEIVE)
		return 3;
	moved = d.port.name;
	if (type_of(moved) != MACH_PORT_TYPE_RECEIVE)
		return 4;
	/* Messages queued before the move came along; more arrive after it. */
	for (i = 0; i < 3; i++) {
		if (recv_timeout(moved, &buf, 10000))
			return 5;
		if (buf.header.msgh_id != 300 + i)
			return 6;
	}
	return send_simple_opt(parent, MACH_MSG_TYPE_COPY_SEND, 399, 0, 0) ? 7 :
									     0;
}

TEST_F(mp, receive_right_moves_to_another_process)
{
	mach_port_t x = new_port_send(), child;
	pid_t pid = spawn(self->port, child_takes_a_receive_right, NULL);
	rcv_buf_t buf;

	ASSERT_LT(0, pid);
	child = get_hello(self->port, NULL);
	ASSERT_NE(MACH_PORT_NULL, child);
	ASSERT_EQ(MACH_MSG_SUCCESS, try_send(x, MACH_MSG_TYPE_COPY_SEND, 300));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_port(child, MACH_MSG_TYPE_COPY_SEND, 2,
					      x, MACH_MSG_TYPE_MOVE_RECEIVE));
	/* Only our send right is left, to a port now received elsewhere. */
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type_of(x));
	ASSERT_EQ(MACH_MSG_SUCCESS, try_send(x, MACH_MSG_TYPE_COPY_SEND, 301));
	ASSERT_EQ(MACH_MSG_SUCCESS, try_send(x, MACH_MSG_TYPE_COPY_SEND, 302));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 10000));
	EXPECT_EQ(399, buf.header.msgh_id);
	EXPECT_EQ(0, mt_wait_exit(pid));
	/* The child's exit destroyed the port. */
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(x));
}

/* ---- send-once rights ---------------------------------------------------- */

static int child_replies_once(mach_port_t parent, void *arg)
{
	mach_port_t mine = new_port();
	rcv_buf_t buf;
	simple_msg_t rep = { 0 };

	if (hello(parent, mine))
		return 2;
	if (recv_timeout(mine, &buf, 10000))
		return 3;
	if (MACH_MSGH_BITS_REMOTE(buf.header.msgh_bits) !=
	    MACH_MSG_TYPE_PORT_SEND_ONCE)
		return 4;
	rep.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
	rep.header.msgh_size = sizeof(rep);
	rep.header.msgh_remote_port = buf.header.msgh_remote_port;
	rep.header.msgh_id = buf.header.msgh_id + 100;
	if (mach_msg(&rep.header, MACH_SEND_MSG, sizeof(rep), 0, 0, 0, 0))
		return 5;
	/* Used up: the name is gone. */
	return type_of(buf.header.msgh_remote_port) ? 6 : 0;
}

TEST_F(mp, send_once_reply_right_crosses_processes)
{
	mach_port_t child, reply = mach_reply_port();
	pid_t pid = spawn(self->port, child_replies_once, NULL);
	mach_port_status_t st;
	union {
		simple_msg_t m;
		rcv_buf_t r;
	} u;

	ASSERT_LT(0, pid);
	child = get_hello(self->port, NULL);
	ASSERT_NE(MACH_PORT_NULL, child);
	memset(&u, 0, sizeof(u));
	u.m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
					      MACH_MSG_TYPE_MAKE_SEND_ONCE);
	u.m.header.msgh_size = sizeof(u.m);
	u.m.header.msgh_remote_port = child;
	u.m.header.msgh_local_port = reply;
	u.m.header.msgh_id = 17;
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  mach_msg(&u.m.header,
			   MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT,
			   sizeof(u.m), sizeof(u.r), reply, 10000,
			   MACH_PORT_NULL));
	EXPECT_EQ(117, u.r.header.msgh_id);
	EXPECT_EQ(0, mt_wait_exit(pid));
	ASSERT_EQ(KERN_SUCCESS, status_of(reply, &st));
	EXPECT_EQ(0, st.mps_sorights);
}

/* ---- out-of-line memory and ports ---------------------------------------- */

#define OOL_SIZE (1u << 20)

static int child_checks_and_returns_memory(mach_port_t parent, void *arg)
{
	mach_port_t mine = new_port();
	struct msg_builder b;
	rcv_buf_t buf;
	any_desc_t d;
	uint8_t *p;

	if (hello(parent, mine))
		return 2;
	if (recv_timeout(mine, &buf, 10000))
		return 3;
	if (get_desc(&buf.header, 0, &d) != MACH_MSG_OOL_DESCRIPTOR ||
	    d.ool.size != OOL_SIZE)
		return 4;
	p = d.ool.address;
	if (!check_pattern(p, OOL_SIZE, 77))
		return 5;
	/* Change it and send it back, giving it away. */
	p[0] ^= 0xff;
	p[OOL_SIZE - 1] ^= 0xff;
	mb_init(&b, parent, MACH_MSG_TYPE_COPY_SEND, 0, 0, 6);
	mb_ool(&b, p, OOL_SIZE, TRUE, MACH_MSG_VIRTUAL_COPY);
	if (mb_send(&b, 0, 0))
		return 6;
	return is_mapped((void *)((uintptr_t)p & ~(page_size() - 1)),
			 page_size()) ?
		       7 :
		       0;
}

TEST_F(mp, ool_memory_crosses_processes_both_ways)
{
	mach_port_t child;
	uint8_t *mem = map_pages(OOL_SIZE), *back;
	pid_t pid = spawn(self->port, child_checks_and_returns_memory, NULL);
	struct msg_builder b;
	rcv_buf_t buf;
	any_desc_t d;

	ASSERT_LT(0, pid);
	ASSERT_NE(NULL, mem);
	fill_pattern(mem, OOL_SIZE, 77);
	child = get_hello(self->port, NULL);
	ASSERT_NE(MACH_PORT_NULL, child);
	mb_init(&b, child, MACH_MSG_TYPE_COPY_SEND, 0, 0, 5);
	mb_ool(&b, mem, OOL_SIZE, TRUE, MACH_MSG_VIRTUAL_COPY);
	ASSERT_EQ(MACH_MSG_SUCCESS, mb_send(&b, 0, 0));
	EXPECT_FALSE(is_mapped(mem, page_size()));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 10000));
	EXPECT_EQ(0, mt_wait_exit(pid));
	ASSERT_EQ(MACH_MSG_OOL_DESCRIPTOR, get_desc(&buf.header, 0, &d));
	ASSERT_EQ(OOL_SIZE, d.ool.size);
	back = d.ool.address;
	back[0] ^= 0xff;
	back[OOL_SIZE - 1] ^= 0xff;
	EXPECT_TRUE(check_pattern(back, OOL_SIZE, 77));
	EXPECT_EQ(KERN_SUCCESS,
		  vm_deallocate(SELF, (vm_address_t)back, OOL_SIZE));
}

static int child_uses_a_port_array(mach_port_t parent, void *arg)
{
	mach_port_t mine = new_port(), *ports;
	rcv_buf_t buf;
	any_desc_t d;
	unsigned int i;

	if (hello(parent, mine))
		return 2;
	if (recv_timeout(mine, &buf, 10000))
		return 3;
	if (get_desc(&buf.header, 0, &d) != MACH_MSG_OOL_PORTS_DESCRIPTOR ||
	    d.ool_ports.count != 3)
		return 4;
	ports = d.ool_ports.address;
	for (i = 0; i < 3; i++) {
		if (type_of(ports[i]) != MACH_PORT_TYPE_SEND)
			return 5;
		if (send_simple_opt(ports[i], MACH_MSG_TYPE_MOVE_SEND, 600 + i,
				    0, 0))
			return 6;
	}
	vm_deallocate(SELF, (vm_address_t)ports, 3 * sizeof(*ports));
	return 0;
}

TEST_F(mp, ool_port_array_crosses_processes)
{
	mach_port_t child, p[3];
	pid_t pid = spawn(self->port, child_uses_a_port_array, NULL);
	struct msg_builder b;
	rcv_buf_t buf;
	int i;

	ASSERT_LT(0, pid);
	for (i = 0; i < 3; i++)
		p[i] = new_port();
	child = get_hello(self->port, NULL);
	ASSERT_NE(MACH_PORT_NULL, child);
	mb_init(&b, child, MACH_MSG_TYPE_COPY_SEND, 0, 0, 7);
	mb_ool_ports(&b, p, 3, MACH_MSG_TYPE_MAKE_SEND, FALSE);
	ASSERT_EQ(MACH_MSG_SUCCESS, mb_send(&b, 0, 0));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(p[i], &buf, 10000));
		EXPECT_EQ(600 + i, buf.header.msgh_id);
	}
	EXPECT_EQ(0, mt_wait_exit(pid));
}

/* ---- what exit releases ---------------------------------------------------- */

static int child_holds_send_rights_and_waits(mach_port_t parent, void *arg)
{
	int *go = arg;
	char c;

	if (mach_port_mod_refs(SELF, parent, MACH_PORT_RIGHT_SEND, 10))
		return 2;
	if (send_simple_opt(parent, MACH_MSG_TYPE_COPY_SEND, 1, 0, 0))
		return 3;
	return read(go[0], &c, 1) == 1 ? 0 : 4;
}

TEST_F(mp, exit_releases_send_rights_and_fires_no_senders)
{
	mach_port_t p = new_port(), notify = new_port(), prev;
	int go[2];
	char c = 'x';
	pid_t pid;
	rcv_buf_t buf;

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, p, p, MACH_MSG_TYPE_MAKE_SEND));
	pid = spawn(p, child_holds_send_rights_and_waits, go);
	ASSERT_LT(0, pid);
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, p));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(p, &buf, 10000));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_request_notification(
			  SELF, p, MACH_NOTIFY_NO_SENDERS, 0, notify,
			  MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, recv_timeout(notify, &buf, 200));
	ASSERT_EQ(1, write(go[1], &c, 1));
	EXPECT_EQ(0, mt_wait_exit(pid));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(notify, &buf, 5000));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, buf.header.msgh_id);
}

static int child_hands_over_a_port_and_waits(mach_port_t parent, void *arg)
{
	int *go = arg;
	mach_port_t mine = new_port();
	char c;

	if (hello(parent, mine))
		return 2;
	return read(go[0], &c, 1) == 1 ? 0 : 3;
}

TEST_F(mp, exit_turns_other_spaces_send_rights_into_dead_names)
{
	mach_port_t child;
	int go[2];
	char c = 'x';
	pid_t pid;

	ASSERT_EQ(0, pipe(go));
	pid = spawn(self->port, child_hands_over_a_port_and_waits, go);
	ASSERT_LT(0, pid);
	child = get_hello(self->port, NULL);
	ASSERT_NE(MACH_PORT_NULL, child);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, child, MACH_PORT_RIGHT_SEND, 3));
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type_of(child));
	ASSERT_EQ(1, write(go[1], &c, 1));
	EXPECT_EQ(0, mt_wait_exit(pid));
	/* Teardown is deferred briefly after the exit. */
	for (int i = 0; i < 500 && type_of(child) != MACH_PORT_TYPE_DEAD_NAME;
	     i++)
		usleep(10000);
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(child));
	EXPECT_EQ(4, urefs_of(child, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  try_send(child, MACH_MSG_TYPE_COPY_SEND, 1));
}

TEST_F(mp, exit_fires_dead_name_notifications)
{
	mach_port_t child, notify = new_port(), prev;
	int go[2];
	char c = 'x';
	pid_t pid;
	rcv_buf_t buf;

	ASSERT_EQ(0, pipe(go));
	pid = spawn(self->port, child_hands_over_a_port_and_waits, go);
	ASSERT_LT(0, pid);
	child = get_hello(self->port, NULL);
	ASSERT_NE(MACH_PORT_NULL, child);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_request_notification(
			  SELF, child, MACH_NOTIFY_DEAD_NAME, 0, notify,
			  MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	ASSERT_EQ(1, write(go[1], &c, 1));
	EXPECT_EQ(0, mt_wait_exit(pid));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(notify, &buf, 5000));
	EXPECT_EQ(MACH_NOTIFY_DEAD_NAME, buf.header.msgh_id);
	EXPECT_EQ(child, ((mach_dead_name_notification_t *)&buf)->not_port);
}

static int child_keeps_a_send_once_right(mach_port_t parent, void *arg)
{
	mach_port_t mine = new_port();
	rcv_buf_t buf;

	if (hello(parent, mine))
		return 2;
	return recv_timeout(mine, &buf, 10000) ? 3 : 0;
}

TEST_F(mp, exit_destroys_unused_send_once_rights_with_a_notification)
{
	mach_port_t child, q = new_port();
	pid_t pid = spawn(self->port, child_keeps_a_send_once_right, NULL);
	rcv_buf_t buf;

	ASSERT_LT(0, pid);
	child = get_hello(self->port, NULL);
	ASSERT_NE(MACH_PORT_NULL, child);
	ASSERT_EQ(MACH_MSG_SUCCESS, send_port(child, MACH_MSG_TYPE_COPY_SEND, 2,
					      q, MACH_MSG_TYPE_MAKE_SEND_ONCE));
	EXPECT_EQ(0, mt_wait_exit(pid));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(q, &buf, 5000));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, buf.header.msgh_id);
}

static int child_arms_port_destroyed(mach_port_t parent, void *arg)
{
	mach_port_t mine = new_port(), prev;
	rcv_buf_t buf;
	any_desc_t d;

	if (mach_port_set_context(SELF, mine, 0xfeed))
		return 2;
	if (hello(parent, mine))
		return 3;
	/* The parent sends the send-once right to be notified through. */
	if (recv_timeout(mine, &buf, 10000) ||
	    get_desc(&buf.header, 0, &d) != MACH_MSG_PORT_DESCRIPTOR)
		return 4;
	if (mach_port_request_notification(
		    SELF, mine, MACH_NOTIFY_PORT_DESTROYED, 0, d.port.name,
		    MACH_MSG_TYPE_MOVE_SEND_ONCE, &prev))
		return 5;
	return send_simple_opt(parent, MACH_MSG_TYPE_COPY_SEND, 3, 0, 0) ? 6 :
									   0;
}

TEST_F(mp, exit_hands_a_receive_right_to_its_port_destroyed_request)
{
	mach_port_t child, notify = new_port();
	pid_t pid = spawn(self->port, child_arms_port_destroyed, NULL);
	mach_port_context_t ctx = 0;
	rcv_buf_t buf;
	any_desc_t d;

	ASSERT_LT(0, pid);
	child = get_hello(self->port, NULL);
	ASSERT_NE(MACH_PORT_NULL, child);
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_port(child, MACH_MSG_TYPE_COPY_SEND, 2, notify,
			    MACH_MSG_TYPE_MAKE_SEND_ONCE));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 10000));
	ASSERT_EQ(3, buf.header.msgh_id);
	/* Queued before the exit; must survive it. */
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  try_send(child, MACH_MSG_TYPE_COPY_SEND, 31));
	EXPECT_EQ(0, mt_wait_exit(pid));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(notify, &buf, 5000));
	ASSERT_EQ(MACH_NOTIFY_PORT_DESTROYED, buf.header.msgh_id);
	ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR, get_desc(&buf.header, 0, &d));
	/* It joins our send right to the same port. */
	EXPECT_EQ(child, d.port.name);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(child));
	/* The dead holder's context does not travel (XNU's ipc_port_clear_receiver). */
	ctx = 1;
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_context(SELF, child, &ctx));
	EXPECT_EQ(0, ctx);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(child, &buf, 0));
	EXPECT_EQ(31, buf.header.msgh_id);
}

static int child_never_receives(mach_port_t parent, void *arg)
{
	int *go = arg;
	mach_port_t mine = new_port();
	char c;

	if (set_qlimit(mine, 16))
		return 2;
	if (hello(parent, mine))
		return 3;
	return read(go[0], &c, 1) == 1 ? 0 : 4;
}

TEST_F(mp,
       messages_queued_to_an_exiting_process_are_destroyed_with_their_rights)
{
	mach_port_t child, p = new_port(), q = new_port(), notify = new_port(),
			   prev;
	size_t len = 4 * page_size();
	void *mem = map_pages(len);
	struct msg_builder b;
	int go[2], got_ns = 0, got_so = 0;
	char c = 'x';
	pid_t pid;
	rcv_buf_t buf;

	ASSERT_EQ(0, pipe(go));
	pid = spawn(self->port, child_never_receives, go);
	ASSERT_LT(0, pid);
	child = get_hello(self->port, NULL);
	ASSERT_NE(MACH_PORT_NULL, child);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_request_notification(
			  SELF, p, MACH_NOTIFY_NO_SENDERS, 1, notify,
			  MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	mb_init(&b, child, MACH_MSG_TYPE_COPY_SEND, 0, 0, 9);
	mb_port(&b, p, MACH_MSG_TYPE_MAKE_SEND);
	mb_port(&b, q, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	mb_ool(&b, mem, len, TRUE, MACH_MSG_VIRTUAL_COPY);
	ASSERT_EQ(MACH_MSG_SUCCESS, mb_send(&b, MACH_SEND_TIMEOUT, 5000));
	ASSERT_EQ(1, write(go[1], &c, 1));
	EXPECT_EQ(0, mt_wait_exit(pid));
	/* p lost its only sender; q's send-once right died unused. */
	if (recv_timeout(notify, &buf, 5000) == MACH_MSG_SUCCESS)
		got_ns = buf.header.msgh_id == MACH_NOTIFY_NO_SENDERS;
	if (recv_timeout(q, &buf, 5000) == MACH_MSG_SUCCESS)
		got_so = buf.header.msgh_id == MACH_NOTIFY_SEND_ONCE;
	EXPECT_TRUE(got_ns);
	EXPECT_TRUE(got_so);
}

/* ---- identity -------------------------------------------------------------- */

static int child_sends_as_another_user(mach_port_t parent, void *arg)
{
	gid_t none[1] = { 1100 };

	if (setgroups(1, none) || setresgid(1100, 2100, 2100) ||
	    setresuid(1000, 2000, 2000))
		return 2;
	return send_simple_opt(parent, MACH_MSG_TYPE_COPY_SEND, 8, 0, 0) ? 3 :
									   0;
}

TEST_F(mp, audit_trailer_reports_the_senders_real_and_effective_ids)
{
	rcv_buf_t buf;
	mach_msg_audit_trailer_t *tr;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to change user ids");
	pid = spawn(self->port, child_sends_as_another_user, NULL);
	ASSERT_LT(0, pid);
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  recv_msg(self->port, &buf, sizeof(buf),
			   MACH_RCV_TIMEOUT | MACH_RCV_TRAILER_ELEMENTS(
						      MACH_RCV_TRAILER_AUDIT),
			   10000));
	EXPECT_EQ(0, mt_wait_exit(pid));
	tr = trailer_of(&buf.header);
	EXPECT_EQ(2000, tr->msgh_sender.val[0]);
	EXPECT_EQ(2100, tr->msgh_sender.val[1]);
	EXPECT_EQ(2000, tr->msgh_audit.val[1]); /* euid */
	EXPECT_EQ(2100, tr->msgh_audit.val[2]); /* egid */
	EXPECT_EQ(1000, tr->msgh_audit.val[3]); /* ruid */
	EXPECT_EQ(1100, tr->msgh_audit.val[4]); /* rgid */
	EXPECT_EQ(pid, (pid_t)tr->msgh_audit.val[5]);
}

/* ---- many processes ------------------------------------------------------------ */

#define NPROCS 6
#define PERPROC 80

static int child_sends_a_stream(mach_port_t parent, void *arg)
{
	int i;

	for (i = 0; i < PERPROC; i++) {
		if (send_simple_opt(parent, MACH_MSG_TYPE_COPY_SEND, i,
				    MACH_SEND_TIMEOUT, 20000))
			return 2;
	}
	return 0;
}

TEST_F(mp, many_processes_send_to_one_port)
{
	pid_t pids[NPROCS];
	int next[NPROCS] = { 0 }, i, j, disorder = 0, unknown = 0;
	rcv_buf_t buf;

	ASSERT_EQ(KERN_SUCCESS,
		  set_qlimit(self->port, MACH_PORT_QLIMIT_DEFAULT));
	for (i = 0; i < NPROCS; i++) {
		pids[i] = spawn(self->port, child_sends_a_stream, NULL);
		ASSERT_LT(0, pids[i]);
	}
	for (i = 0; i < NPROCS * PERPROC; i++) {
		mach_msg_audit_trailer_t *tr;
		pid_t from;

		ASSERT_EQ(MACH_MSG_SUCCESS,
			  recv_msg(self->port, &buf, sizeof(buf),
				   MACH_RCV_TIMEOUT |
					   MACH_RCV_TRAILER_ELEMENTS(
						   MACH_RCV_TRAILER_AUDIT),
				   20000))
		{
			TH_LOG("after %d messages", i);
		}
		tr = trailer_of(&buf.header);
		from = (pid_t)tr->msgh_audit.val[5];
		for (j = 0; j < NPROCS && pids[j] != from; j++)
			;
		if (j == NPROCS) {
			unknown++;
			continue;
		}
		if (buf.header.msgh_id != next[j])
			disorder++;
		next[j] = buf.header.msgh_id + 1;
	}
	for (i = 0; i < NPROCS; i++) {
		EXPECT_EQ(0, mt_wait_exit(pids[i]));
		EXPECT_EQ(PERPROC, next[i]);
	}
	EXPECT_EQ(0, unknown);
	EXPECT_EQ(0, disorder);
}

/* ---- SIGKILL -------------------------------------------------------------------- */

static int child_busy_with_rights(mach_port_t parent, void *arg)
{
	mach_port_t mine = new_port(), extra[8];
	size_t len = 8 * page_size();
	void *mem = map_pages(len);
	struct msg_builder b;
	rcv_buf_t buf;
	int i;

	for (i = 0; i < 8; i++)
		extra[i] = new_port_send();
	if (hello(parent, mine))
		return 2;
	/* Messages with rights and memory, queued on its own port. */
	for (i = 0; i < 4; i++) {
		mb_init(&b, mine, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 20 + i);
		mb_port(&b, extra[i], MACH_MSG_TYPE_MOVE_RECEIVE);
		mb_port(&b, extra[4 + i], MACH_MSG_TYPE_MAKE_SEND_ONCE);
		mb_ool(&b, mem, len, FALSE, MACH_MSG_VIRTUAL_COPY);
		if (mb_send(&b, 0, 0))
			return 3;
	}
	if (send_simple_opt(parent, MACH_MSG_TYPE_COPY_SEND, 2, 0, 0))
		return 4;
	/* Block receiving on a port nobody sends to. */
	recv_msg(new_port(), &buf, sizeof(buf), 0, 0);
	return 5;
}

TEST_F(mp, sigkill_releases_everything_a_process_held)
{
	mach_port_t child, notify = new_port(), prev;
	pid_t pid = spawn(self->port, child_busy_with_rights, NULL);
	struct live_counts now;
	rcv_buf_t buf;
	int status;

	ASSERT_LT(0, pid);
	child = get_hello(self->port, NULL);
	ASSERT_NE(MACH_PORT_NULL, child);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 10000));
	ASSERT_EQ(2, buf.header.msgh_id);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_request_notification(
			  SELF, child, MACH_NOTIFY_DEAD_NAME, 0, notify,
			  MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(notify, &buf, 5000));
	EXPECT_EQ(MACH_NOTIFY_DEAD_NAME, buf.header.msgh_id);
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, child));
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, notify));
	EXPECT_TRUE(live_counts_settle(&self->base, &now))
	{
		TH_LOG("tasks %ld/%ld threads %ld/%ld ports %ld/%ld messages %ld/%ld",
		       now.tasks, self->base.tasks, now.threads,
		       self->base.threads, now.ports, self->base.ports,
		       now.messages, self->base.messages);
	}
}

TEST_HARNESS_MAIN
