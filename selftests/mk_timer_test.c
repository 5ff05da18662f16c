// SPDX-License-Identifier: GPL-2.0
/*
 * mk_timer: a receive right that the kernel sends a message to at the armed
 * deadline.  Timers never fire early (checked strictly against
 * mach_absolute_time); lateness is only bounded loosely, as the bench runs
 * in slow emulated machines.
 */
#define _GNU_SOURCE
#include <pthread.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

#define MS 1000000ull

FIXTURE(timer)
{
	mach_port_t timer;
};

FIXTURE_SETUP(timer)
{
	IPC_REQUIRE();
	self->timer = mk_timer_create();
	ASSERT_NE(MACH_PORT_NULL, self->timer);
}

FIXTURE_TEARDOWN(timer)
{
}

/* Receive one expiry within ms; its arrival time, or 0. */
static uint64_t expiry(mach_port_t timer, mach_msg_timeout_t ms,
		       struct __test_metadata *_metadata)
{
	rcv_buf_t buf;
	mk_timer_expire_msg_t *m = (mk_timer_expire_msg_t *)&buf;
	uint64_t now;

	if (recv_timeout(timer, &buf, ms) != MACH_MSG_SUCCESS)
		return 0;
	now = mach_absolute_time();
	EXPECT_EQ(0, buf.header.msgh_id);
	EXPECT_EQ(sizeof(mk_timer_expire_msg_t), buf.header.msgh_size);
	EXPECT_EQ(timer, buf.header.msgh_local_port);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND,
		  MACH_MSGH_BITS_LOCAL(buf.header.msgh_bits));
	EXPECT_EQ(0, m->unused[0] | m->unused[1] | m->unused[2]);
	return now;
}

TEST_F(timer, create_gives_a_plain_receive_right)
{
	mach_port_t other = mk_timer_create();

	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(self->timer));
	EXPECT_NE(MACH_PORT_NULL, other);
	EXPECT_NE(self->timer, other);
	/* Nothing arrives unarmed. */
	EXPECT_EQ(0, expiry(self->timer, 50, _metadata));
	EXPECT_EQ(KERN_SUCCESS, mk_timer_destroy(other));
	EXPECT_EQ(KERN_SUCCESS, mk_timer_destroy(self->timer));
	EXPECT_EQ(MACH_PORT_TYPE_NONE, type_of(self->timer));
}

TEST_F(timer, fires_at_the_deadline_never_before)
{
	uint64_t deadline, at;
	int i;

	for (i = 0; i < 5; i++) {
		deadline = mach_absolute_time() + (10 + 10 * i) * MS;
		ASSERT_EQ(KERN_SUCCESS, mk_timer_arm(self->timer, deadline));
		at = expiry(self->timer, 10000, _metadata);
		ASSERT_NE(0, at);
		EXPECT_LE(deadline, at);
		EXPECT_GT(deadline + 5000 * MS, at);
		/* One message per arming. */
		EXPECT_EQ(0, expiry(self->timer, 0, _metadata));
	}
}

TEST_F(timer, deadline_in_the_past_fires_at_once)
{
	ASSERT_EQ(KERN_SUCCESS, mk_timer_arm(self->timer, 0));
	EXPECT_NE(0, expiry(self->timer, 5000, _metadata));
	ASSERT_EQ(KERN_SUCCESS,
		  mk_timer_arm(self->timer, mach_absolute_time() - 1));
	EXPECT_NE(0, expiry(self->timer, 5000, _metadata));
}

TEST_F(timer, cancel_returns_the_armed_time_and_stops_the_message)
{
	uint64_t deadline = mach_absolute_time() + 100 * MS, result = 1;

	EXPECT_EQ(KERN_SUCCESS, mk_timer_cancel(self->timer, &result));
	EXPECT_EQ(0, result);
	ASSERT_EQ(KERN_SUCCESS, mk_timer_arm(self->timer, deadline));
	EXPECT_EQ(KERN_SUCCESS, mk_timer_cancel(self->timer, &result));
	EXPECT_EQ(deadline, result);
	EXPECT_EQ(0, expiry(self->timer, 300, _metadata));
	EXPECT_EQ(KERN_SUCCESS, mk_timer_cancel(self->timer, &result));
	EXPECT_EQ(0, result);
	EXPECT_EQ(KERN_SUCCESS, mk_timer_cancel(self->timer, NULL));
	/* After expiry it is no longer armed. */
	ASSERT_EQ(KERN_SUCCESS, mk_timer_arm(self->timer, 0));
	EXPECT_NE(0, expiry(self->timer, 5000, _metadata));
	EXPECT_EQ(KERN_SUCCESS, mk_timer_cancel(self->timer, &result));
	EXPECT_EQ(0, result);
}

TEST_F(timer, rearm_replaces_the_deadline)
{
	uint64_t now = mach_absolute_time(), later = now + 400 * MS, at;

	ASSERT_EQ(KERN_SUCCESS, mk_timer_arm(self->timer, now + 30 * MS));
	ASSERT_EQ(KERN_SUCCESS, mk_timer_arm(self->timer, later));
	at = expiry(self->timer, 10000, _metadata);
	ASSERT_NE(0, at);
	EXPECT_LE(later, at);
	EXPECT_EQ(0, expiry(self->timer, 100, _metadata));
	/* Earlier works too. */
	now = mach_absolute_time();
	ASSERT_EQ(KERN_SUCCESS,
		  mk_timer_arm(self->timer, now + 60 * 1000 * MS));
	ASSERT_EQ(KERN_SUCCESS, mk_timer_arm(self->timer, now + 20 * MS));
	at = expiry(self->timer, 10000, _metadata);
	EXPECT_LE(now + 20 * MS, at);
	EXPECT_GT(now + 60 * 1000 * MS, at);
}

TEST_F(timer, destroy_while_armed_and_mach_port_destroy)
{
	mach_port_t t2 = mk_timer_create();
	long ports = mt_stable_counter("live_ports");

	ASSERT_EQ(KERN_SUCCESS,
		  mk_timer_arm(self->timer, mach_absolute_time() + 20 * MS));
	EXPECT_EQ(KERN_SUCCESS, mk_timer_destroy(self->timer));
	EXPECT_EQ(KERN_INVALID_NAME, mk_timer_arm(self->timer, 0));
	ASSERT_EQ(KERN_SUCCESS,
		  mk_timer_arm(t2, mach_absolute_time() + 20 * MS));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, t2));
	EXPECT_EQ(KERN_INVALID_NAME, mk_timer_cancel(t2, NULL));
	usleep(100 * 1000); /* the deadlines pass with nothing to deliver to */
	if (ports >= 0)
		EXPECT_EQ(ports - 2, mt_wait_counter("live_ports", ports - 2));
}

TEST_F(timer, queued_expiry_dies_with_the_port)
{
	long msgs = mt_stable_counter("live_messages");

	ASSERT_EQ(KERN_SUCCESS, mk_timer_arm(self->timer, 0));
	usleep(100 * 1000);
	EXPECT_EQ(1, msgcount_of(self->timer));
	EXPECT_EQ(KERN_SUCCESS, mk_timer_destroy(self->timer));
	if (msgs >= 0)
		EXPECT_EQ(msgs, mt_wait_counter("live_messages", msgs));
}

TEST_F(timer, errors)
{
	mach_port_t plain = new_port_send();
	mach_port_t send_only = MACH_PORT_NULL;
	struct machina_port_args raw = { .name = self->timer, .flags = 1 };
	int fd = mt_open();

	/* A send right alone is not enough: a right extracted elsewhere. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, self->timer, self->timer,
					 MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mk_timer_arm(plain, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mk_timer_cancel(plain, NULL));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mk_timer_destroy(plain));
	EXPECT_EQ(KERN_INVALID_NAME, mk_timer_arm(0x6603, 0));
	EXPECT_EQ(KERN_INVALID_NAME, mk_timer_arm(MACH_PORT_NULL, 0));
	EXPECT_EQ(KERN_INVALID_NAME, mk_timer_destroy(0x6603));
	EXPECT_EQ(KERN_INVALID_RIGHT, mk_timer_arm(SELF, 0));
	send_only = mach_host_self();
	EXPECT_EQ(KERN_INVALID_RIGHT, mk_timer_destroy(send_only));
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, mt_ioctl(fd, MACHINA_IOC_MK_TIMER_ARM, &raw));
	raw.flags = 0;
	raw.value = 1;
	EXPECT_EQ(-EINVAL, mt_ioctl(fd, MACHINA_IOC_MK_TIMER_CANCEL, &raw));
	close(fd);
	/* The timer still works, and messages name its receive right. */
	ASSERT_EQ(KERN_SUCCESS, mk_timer_arm(self->timer, 0));
	EXPECT_NE(0, expiry(self->timer, 5000, _metadata));
	mach_port_destroy(SELF, plain);
}

/*
 * The receive right never moves (XNU's mk_timer_create_trap makes it
 * immovable): a message carrying it is refused with nothing lost (the
 * right stays, nothing is queued, the timer still fires), and so is
 * mach_port_extract_right.
 */
TEST_F(timer, receive_right_never_moves)
{
	mach_port_t holder = new_port(), got = MACH_PORT_NULL;
	mach_msg_type_name_t got_type = 0;
	mach_port_type_t type = 0;
	mach_port_status_t st;
	mach_msg_type_number_t n = MACH_PORT_RECEIVE_STATUS_COUNT;
	rcv_buf_t buf;

	ASSERT_NE(MACH_PORT_NULL, holder);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, holder, holder,
					 MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_attributes(SELF, self->timer,
		  MACH_PORT_RECEIVE_STATUS, (mach_port_info_t)&st, &n));
	EXPECT_TRUE(st.mps_flags & MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE);
	ASSERT_EQ(KERN_SUCCESS,
		  mk_timer_arm(self->timer, mach_absolute_time() + 50 * MS));
	EXPECT_EQ(MACH_SEND_INVALID_RIGHT,
		  send_port(holder, MACH_MSG_TYPE_COPY_SEND, 9, self->timer,
			    MACH_MSG_TYPE_MOVE_RECEIVE));
	EXPECT_EQ(KERN_INVALID_CAPABILITY,
		  mach_port_extract_right(SELF, self->timer,
					  MACH_MSG_TYPE_MOVE_RECEIVE, &got,
					  &got_type));
	EXPECT_EQ(MACH_PORT_NULL, got);
	/* Nothing lost: the right stays here, no message went out. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_type(SELF, self->timer, &type));
	EXPECT_TRUE(type & MACH_PORT_TYPE_RECEIVE);
	EXPECT_EQ(0, msgcount_of(holder));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, recv_timeout(holder, &buf, 0));
	/* The timer still fires, into the creator's space. */
	EXPECT_NE(0, expiry(self->timer, 5000, _metadata));
	mach_port_destroy(SELF, holder);
}

struct racer {
	int n;
	int errors;
};

/* Arm, cancel and destroy racing with expiries on many timers. */
static void *race(void *arg)
{
	struct racer *r = arg;
	mach_port_t t;
	uint64_t res;
	int i;

	for (i = 0; i < r->n; i++) {
		t = mk_timer_create();
		if (!t) {
			r->errors++;
			continue;
		}
		if (mk_timer_arm(t, mach_absolute_time() + (i % 5) * 100000))
			r->errors++;
		if (i % 3 == 0 && mk_timer_cancel(t, &res))
			r->errors++;
		if (i % 2)
			usleep(i % 7 * 100);
		if (mk_timer_destroy(t))
			r->errors++;
	}
	return NULL;
}

/*
 * The one route that moves a receive right without a copyin: a
 * port-destroyed request hands the right to the request's port when it is
 * destroyed.  XNU refuses the request on a timer port (a kernel-object
 * port: KERN_INVALID_RIGHT), so an immovable timer right never reaches
 * another holder that way.  As nobody: returns a bit per step that failed.
 */
static int pd_request_on_timer(void *unused)
{
	mach_port_t timer = mk_timer_create(), holder = new_port();
	mach_port_t prev = MACH_PORT_NULL;
	mach_port_status_t st;
	mach_msg_type_number_t n = MACH_PORT_RECEIVE_STATUS_COUNT;
	rcv_buf_t buf;
	int bad = 0;

	(void)unused;
	if (timer == MACH_PORT_NULL || holder == MACH_PORT_NULL)
		return 64;
	if (mach_port_request_notification(mach_task_self(), timer,
					   MACH_NOTIFY_PORT_DESTROYED, 0,
					   holder, MACH_MSG_TYPE_MAKE_SEND_ONCE,
					   &prev) != KERN_INVALID_RIGHT)
		bad |= 1;
	if (prev != MACH_PORT_NULL)
		bad |= 2;
	if (mach_port_get_attributes(mach_task_self(), timer,
				     MACH_PORT_RECEIVE_STATUS,
				     (mach_port_info_t)&st, &n) ||
	    st.mps_pdrequest)
		bad |= 4;
	if (mach_port_mod_refs(mach_task_self(), timer,
			       MACH_PORT_RIGHT_RECEIVE, -1))
		bad |= 8;
	if (type_of(timer) != MACH_PORT_TYPE_NONE)
		bad |= 16;
	/*
	 * No notification carries the timer's receive right anywhere (the
	 * refused request's unused send-once right may come back as a
	 * send-once notification, as XNU's does: not a right).
	 */
	while (recv_timeout(holder, &buf, 200) == MACH_MSG_SUCCESS)
		if (buf.header.msgh_id == MACH_NOTIFY_PORT_DESTROYED ||
		    (buf.header.msgh_bits & MACH_MSGH_BITS_COMPLEX))
			bad |= 32;
	mach_port_destroy(mach_task_self(), holder);
	return bad;
}

TEST(timer_receive_right_never_moves_by_port_destroyed_request)
{
	IPC_REQUIRE_TEST();
	EXPECT_EQ(0, mt_run_as_nobody(pd_request_on_timer, NULL));
}

TEST_F(timer, arm_cancel_destroy_race_expiry_without_leaks)
{
	long ports = mt_stable_counter("live_ports"),
	     msgs = mt_stable_counter("live_messages");
	struct racer r[4];
	pthread_t t[4];
	int i;

	/*
	 * Fewer rounds on the instrumented kernels: on the PREEMPT_RT debug
	 * kernel 4 x 300 rounds outlast the harness's 30 s.
	 */
	for (i = 0; i < 4; i++) {
		r[i] = (struct racer){ mt_rounds(300, 20), 0 };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, race, &r[i]));
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, r[i].errors);
	}
	if (ports >= 0)
		EXPECT_EQ(ports, mt_wait_counter("live_ports", ports));
	if (msgs >= 0)
		EXPECT_EQ(msgs, mt_wait_counter("live_messages", msgs));
}

TEST_F(timer, owner_exit_with_armed_timers)
{
	long ports = mt_stable_counter("live_ports");
	pid_t pid = fork();

	if (pid == 0) {
		int i;

		for (i = 0; i < 20; i++) {
			mach_port_t t = mk_timer_create();

			if (!t ||
			    mk_timer_arm(t, mach_absolute_time() + i * MS))
				_exit(1);
		}
		_exit(0);
	}
	ASSERT_LT(0, pid);
	EXPECT_EQ(0, mt_wait_exit(pid));
	usleep(50 * 1000);
	if (ports >= 0)
		EXPECT_EQ(ports, mt_wait_counter("live_ports", ports));
}

TEST_HARNESS_MAIN
