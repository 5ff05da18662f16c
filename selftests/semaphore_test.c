// SPDX-License-Identifier: GPL-2.0
/*
 * Mach semaphores: create/destroy and their errors, the signal and wait
 * traps, timed waits, wait_signal's atomicity, contention from many threads
 * and many processes (the semaphore's send right travels in a message), and
 * destruction, explicit or by the owner's death, ending waits with
 * KERN_TERMINATED.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

#define KERN_NOT_WAITING 48
#define MS 1000000ull

static const mach_timespec_t poll_now = { 0, 0 };
static const mach_timespec_t ten_s = { 10, 0 };

FIXTURE(sem)
{
	semaphore_t sem;
	struct live_counts base;
};

FIXTURE_SETUP(sem)
{
	IPC_REQUIRE();
	live_counts_baseline(&self->base);
	ASSERT_EQ(KERN_SUCCESS,
		  semaphore_create(SELF, &self->sem, SYNC_POLICY_FIFO, 0));
}

FIXTURE_TEARDOWN(sem)
{
}

TEST_F(sem, create_gives_a_send_right_to_a_semaphore)
{
	semaphore_t s = 0;

	EXPECT_EQ(MACH_PORT_TYPE_SEND, type_of(self->sem));
	EXPECT_EQ(1, urefs_of(self->sem, MACH_PORT_RIGHT_SEND));
	ASSERT_EQ(KERN_SUCCESS,
		  semaphore_create(SELF, &s, SYNC_POLICY_LIFO, 2));
	EXPECT_NE(self->sem, s);
	EXPECT_EQ(KERN_SUCCESS, semaphore_timedwait(s, poll_now));
	EXPECT_EQ(KERN_SUCCESS, semaphore_wait(s));
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT, semaphore_timedwait(s, poll_now));
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(SELF, s));
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(SELF, self->sem));
}

TEST_F(sem, create_errors)
{
	semaphore_t s = 0x1234;
	mach_port_t port = new_port_send();

	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  semaphore_create(SELF, &s, SYNC_POLICY_FIFO, -1));
	EXPECT_EQ(MACH_PORT_NULL, s);
	EXPECT_EQ(KERN_INVALID_ARGUMENT, semaphore_create(SELF, &s, 8, 0));
	EXPECT_EQ(KERN_SUCCESS, semaphore_create(SELF, &s, SYNC_POLICY_MAX, 0));
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(SELF, s));
	/* Not a task: a plain port, the semaphore itself; no right at all. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT, semaphore_create(port, &s, 0, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, semaphore_create(self->sem, &s, 0, 0));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, semaphore_create(0x7a03, &s, 0, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, semaphore_create(SELF, NULL, 0, 0));
	mach_port_destroy(SELF, port);
}

TEST_F(sem, trap_errors)
{
	mach_port_t port = new_port_send();
	mach_port_t recv_only = new_port();
	mach_timespec_t bad = { 0, 1000000000 }, neg = { 0, -1 };
	struct machina_semaphore_args raw = { .semaphore = self->sem,
					      .flags = 1 };
	int fd = mt_open();

	EXPECT_EQ(KERN_INVALID_ARGUMENT, semaphore_signal(port));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, semaphore_wait(SELF));
	EXPECT_EQ(KERN_INVALID_NAME, semaphore_signal(MACH_PORT_NULL));
	EXPECT_EQ(KERN_INVALID_NAME, semaphore_signal(0x5503));
	EXPECT_EQ(KERN_INVALID_RIGHT, semaphore_signal(recv_only));
	EXPECT_EQ(KERN_INVALID_VALUE, semaphore_timedwait(self->sem, bad));
	EXPECT_EQ(KERN_INVALID_VALUE, semaphore_timedwait(self->sem, neg));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  semaphore_wait_signal(self->sem, port));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  semaphore_signal_thread(self->sem, port));
	EXPECT_EQ(KERN_NOT_WAITING,
		  semaphore_signal_thread(self->sem, MACH_PORT_NULL));
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, mt_ioctl(fd, MACHINA_IOC_SEMAPHORE_SIGNAL, &raw));
	raw.flags = 0;
	raw.sec = 1; /* an untimed call with a timeout */
	EXPECT_EQ(-EINVAL, mt_ioctl(fd, MACHINA_IOC_SEMAPHORE_WAIT, &raw));
	raw.sec = 0;
	raw.other = self->sem;
	EXPECT_EQ(-EINVAL, mt_ioctl(fd, MACHINA_IOC_SEMAPHORE_SIGNAL, &raw));
	close(fd);
	/* None of it changed the count. */
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT,
		  semaphore_timedwait(self->sem, poll_now));
	mach_port_destroy(SELF, port);
	mach_port_destroy(SELF, recv_only);
}

TEST_F(sem, signal_counts_and_timedwait_times_out_late_enough)
{
	mach_timespec_t t50 = { 0, 50 * MS };
	uint64_t start;

	EXPECT_EQ(KERN_OPERATION_TIMED_OUT,
		  semaphore_timedwait(self->sem, poll_now));
	start = mach_absolute_time();
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT,
		  semaphore_timedwait(self->sem, t50));
	EXPECT_LE(50 * MS, mach_absolute_time() - start);
	EXPECT_EQ(KERN_SUCCESS, semaphore_signal(self->sem));
	EXPECT_EQ(KERN_SUCCESS, semaphore_signal(self->sem));
	EXPECT_EQ(KERN_SUCCESS, semaphore_wait(self->sem));
	EXPECT_EQ(KERN_SUCCESS, semaphore_timedwait(self->sem, t50));
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT,
		  semaphore_timedwait(self->sem, poll_now));
}

TEST_F(sem, signal_all_without_waiters_counts_nothing)
{
	EXPECT_EQ(KERN_SUCCESS, semaphore_signal_all(self->sem));
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT,
		  semaphore_timedwait(self->sem, poll_now));
	EXPECT_EQ(KERN_NOT_WAITING, semaphore_signal_thread(self->sem, 0));
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT,
		  semaphore_timedwait(self->sem, poll_now));
}

struct waiter {
	semaphore_t sem;
	mach_timespec_t timeout;
	kern_return_t kr;
	atomic_int *done;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	w->kr = semaphore_timedwait(w->sem, w->timeout);
	if (w->done)
		atomic_fetch_add(w->done, 1);
	return NULL;
}

/*
 * Wait (at most 20 s) until every thread of @pid but the caller sleeps
 * interruptibly, as a waiter blocked in the module does; slow emulated
 * machines need far more than a fixed delay.
 */
static void settle_pid(pid_t pid)
{
	char path[64];
	int tries;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	for (tries = 0; tries < 2000; tries++) {
		DIR *d = opendir(path);
		struct dirent *e;
		int busy = 0;

		if (!d)
			break;
		while ((e = readdir(d))) {
			pid_t tid = atoi(e->d_name);

			if (tid > 0 && tid != gettid() &&
			    mt_thread_state(pid, tid) != 'S')
				busy++;
		}
		closedir(d);
		if (!busy)
			break;
		usleep(10 * 1000);
	}
	usleep(20 * 1000);
}

static void settle(void)
{
	settle_pid(getpid());
}

TEST_F(sem, signal_all_wakes_every_waiter)
{
	struct waiter w[8];
	pthread_t t[8];
	atomic_int done = 0;
	int i;

	for (i = 0; i < 8; i++) {
		w[i] = (struct waiter){ self->sem, ten_s, -1, &done };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, wait_thread, &w[i]));
	}
	settle();
	EXPECT_EQ(0, atomic_load(&done));
	EXPECT_EQ(KERN_SUCCESS, semaphore_signal_all(self->sem));
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(KERN_SUCCESS, w[i].kr);
	}
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT,
		  semaphore_timedwait(self->sem, poll_now));
}

TEST_F(sem, signal_wakes_waiters_one_at_a_time)
{
	struct waiter w[3];
	pthread_t t[3];
	atomic_int done = 0;
	int i;

	for (i = 0; i < 3; i++) {
		w[i] = (struct waiter){ self->sem, ten_s, -1, &done };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, wait_thread, &w[i]));
	}
	settle();
	for (i = 1; i <= 3; i++) {
		EXPECT_EQ(KERN_SUCCESS, semaphore_signal(self->sem));
		while (atomic_load(&done) < i)
			usleep(1000);
		usleep(50 * 1000);
		EXPECT_EQ(i, atomic_load(&done));
	}
	for (i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(KERN_SUCCESS, w[i].kr);
	}
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT,
		  semaphore_timedwait(self->sem, poll_now));
}

TEST_F(sem, signal_thread_null_wakes_any_one_waiter)
{
	struct waiter w = { self->sem, ten_s, -1, NULL };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, wait_thread, &w));
	settle();
	EXPECT_EQ(KERN_SUCCESS,
		  semaphore_signal_thread(self->sem, MACH_PORT_NULL));
	pthread_join(t, NULL);
	EXPECT_EQ(KERN_SUCCESS, w.kr);
	EXPECT_EQ(KERN_NOT_WAITING,
		  semaphore_signal_thread(self->sem, MACH_PORT_NULL));
}

struct named_waiter {
	struct waiter w;
	_Atomic mach_port_t port;	/* the waiting thread's port */
	atomic_int woke;
};

static void *named_wait_thread(void *arg)
{
	struct named_waiter *n = arg;

	atomic_store(&n->port, mach_thread_self());
	n->w.kr = semaphore_timedwait(n->w.sem, n->w.timeout);
	atomic_store(&n->woke, 1);
	return NULL;
}

TEST_F(sem, signal_thread_wakes_exactly_the_named_thread)
{
	struct named_waiter n[2];
	pthread_t t[2];
	mach_port_t me = mach_thread_self();
	int i;

	for (i = 0; i < 2; i++) {
		n[i].w = (struct waiter){ self->sem, ten_s, -1, NULL };
		atomic_store(&n[i].port, MACH_PORT_NULL);
		atomic_store(&n[i].woke, 0);
		ASSERT_EQ(0, pthread_create(&t[i], NULL, named_wait_thread, &n[i]));
	}
	for (i = 0; i < 2; i++)
		while (atomic_load(&n[i].port) == MACH_PORT_NULL)
			usleep(1000);
	settle();
	/* A thread that does not wait on the semaphore. */
	EXPECT_EQ(KERN_NOT_WAITING, semaphore_signal_thread(self->sem, me));
	/* The second waiter, although the first has waited longer. */
	EXPECT_EQ(KERN_SUCCESS, semaphore_signal_thread(self->sem, atomic_load(&n[1].port)));
	pthread_join(t[1], NULL);
	EXPECT_EQ(KERN_SUCCESS, n[1].w.kr);
	usleep(50 * 1000);
	EXPECT_EQ(0, atomic_load(&n[0].woke));
	EXPECT_EQ(KERN_SUCCESS, semaphore_signal_thread(self->sem, atomic_load(&n[0].port)));
	pthread_join(t[0], NULL);
	EXPECT_EQ(KERN_SUCCESS, n[0].w.kr);
	/* Nothing was counted: each signal went to a thread. */
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT, semaphore_timedwait(self->sem, poll_now));
	for (i = 0; i < 2; i++)
		mach_port_deallocate(SELF, atomic_load(&n[i].port));
	mach_port_deallocate(SELF, me);
}

TEST_F(sem, destroy_ends_waits_with_terminated)
{
	struct waiter w[4];
	pthread_t t[4];
	int i;

	for (i = 0; i < 4; i++) {
		w[i] = (struct waiter){ self->sem, ten_s, -1, NULL };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, wait_thread, &w[i]));
	}
	settle();
	/* A second reference keeps the name: it becomes a dead name. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, self->sem, MACH_PORT_RIGHT_SEND, 1));
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(SELF, self->sem));
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(KERN_TERMINATED, w[i].kr);
	}
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(self->sem));
	EXPECT_EQ(1, urefs_of(self->sem, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(KERN_INVALID_RIGHT, semaphore_signal(self->sem));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, semaphore_destroy(SELF, self->sem));
	EXPECT_EQ(MACH_PORT_TYPE_NONE, type_of(self->sem));
}

TEST_F(sem, destroy_consumes_the_send_right)
{
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(SELF, self->sem));
	EXPECT_EQ(MACH_PORT_TYPE_NONE, type_of(self->sem));
	EXPECT_EQ(KERN_INVALID_NAME, semaphore_signal(self->sem));
}

/* ---- wait_signal -------------------------------------------------------- */

struct pingpong {
	semaphore_t mine, other;
	int rounds;
	atomic_int *turn; /* whose turn: 0 or 1 */
	int me;
	int errors;
};

static void *ping(void *arg)
{
	struct pingpong *p = arg;
	int i;

	/* B starts by waiting for A's first signal. */
	if (p->me && semaphore_wait(p->mine) != KERN_SUCCESS)
		p->errors++;
	for (i = 0; i < p->rounds; i++) {
		if (atomic_load(p->turn) != p->me)
			p->errors++;
		atomic_store(p->turn, !p->me);
		if (semaphore_wait_signal(p->mine, p->other) != KERN_SUCCESS)
			p->errors++;
	}
	return NULL;
}

TEST_F(sem, wait_signal_ping_pong_strictly_alternates)
{
	semaphore_t b;
	atomic_int turn = 0;
	struct pingpong pa, pb;
	pthread_t ta, tb;

	ASSERT_EQ(KERN_SUCCESS,
		  semaphore_create(SELF, &b, SYNC_POLICY_FIFO, 0));
	/* Thread A runs first; B waits for A's first signal. */
	pa = (struct pingpong){ self->sem, b, 500, &turn, 0, 0 };
	pb = (struct pingpong){ b, self->sem, 500, &turn, 1, 0 };
	ASSERT_EQ(0, pthread_create(&tb, NULL, ping, &pb));
	ASSERT_EQ(0, pthread_create(&ta, NULL, ping, &pa));
	pthread_join(ta, NULL);
	/* A's last wait was answered by B's last signal; B's by nobody yet. */
	EXPECT_EQ(KERN_SUCCESS, semaphore_signal(b));
	pthread_join(tb, NULL);
	EXPECT_EQ(0, pa.errors);
	EXPECT_EQ(0, pb.errors);
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT,
		  semaphore_timedwait(self->sem, poll_now));
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT, semaphore_timedwait(b, poll_now));
	semaphore_destroy(SELF, b);
}

TEST_F(sem, timedwait_signal_signals_even_when_the_wait_times_out)
{
	semaphore_t b;
	mach_timespec_t t20 = { 0, 20 * MS };

	ASSERT_EQ(KERN_SUCCESS,
		  semaphore_create(SELF, &b, SYNC_POLICY_FIFO, 0));
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT,
		  semaphore_timedwait_signal(self->sem, b, t20));
	EXPECT_EQ(KERN_SUCCESS, semaphore_timedwait(b, poll_now));
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT,
		  semaphore_timedwait_signal(self->sem, b, poll_now));
	EXPECT_EQ(KERN_SUCCESS, semaphore_timedwait(b, poll_now));
	/* Count available: taken, and the other still signalled. */
	EXPECT_EQ(KERN_SUCCESS, semaphore_signal(self->sem));
	EXPECT_EQ(KERN_SUCCESS, semaphore_wait_signal(self->sem, b));
	EXPECT_EQ(KERN_SUCCESS, semaphore_timedwait(b, poll_now));
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT,
		  semaphore_timedwait(self->sem, poll_now));
	semaphore_destroy(SELF, b);
}

/* ---- contention ----------------------------------------------------------- */

#define PRODUCERS 6
#define CONSUMERS 4
/*
 * Signals per producer (thread or process): mt_rounds() of 2000 (500 on
 * each stock kernel, 200 on debug-x86_64, 100 on debug-rt-arm64: 600
 * wakeups shared by four waiters still cross a wakeup with a new wait
 * many times).
 */
#define SIGNALS mt_rounds(2000, 100)

struct worker {
	semaphore_t sem;
	atomic_int *consumed;
	atomic_int *stop;
	int n;
	int errors;
};

static void *producer(void *arg)
{
	struct worker *w = arg;
	int i;

	for (i = 0; i < w->n; i++)
		if (semaphore_signal(w->sem) != KERN_SUCCESS)
			w->errors++;
	return NULL;
}

static void *consumer(void *arg)
{
	struct worker *w = arg;
	mach_timespec_t t = { 0, 20 * MS };
	kern_return_t kr;

	while (!atomic_load(w->stop)) {
		kr = semaphore_timedwait(w->sem, t);
		if (kr == KERN_SUCCESS)
			atomic_fetch_add(w->consumed, 1);
		else if (kr != KERN_OPERATION_TIMED_OUT)
			w->errors++;
	}
	return NULL;
}

TEST_F(sem, many_threads_no_lost_or_duplicated_wakeups)
{
	struct worker p[PRODUCERS], c[CONSUMERS];
	pthread_t pt[PRODUCERS], ct[CONSUMERS];
	atomic_int consumed = 0, stop = 0;
	int i, spins;

	for (i = 0; i < CONSUMERS; i++) {
		c[i] = (struct worker){ self->sem, &consumed, &stop, 0, 0 };
		ASSERT_EQ(0, pthread_create(&ct[i], NULL, consumer, &c[i]));
	}
	for (i = 0; i < PRODUCERS; i++) {
		p[i] = (struct worker){ self->sem, &consumed, &stop, SIGNALS,
					0 };
		ASSERT_EQ(0, pthread_create(&pt[i], NULL, producer, &p[i]));
	}
	for (i = 0; i < PRODUCERS; i++) {
		pthread_join(pt[i], NULL);
		EXPECT_EQ(0, p[i].errors);
	}
	for (spins = 0;
	     spins < 3000 && atomic_load(&consumed) < PRODUCERS * SIGNALS;
	     spins++)
		usleep(10000);
	usleep(100 * 1000); /* a duplicate would show up now */
	atomic_store(&stop, 1);
	for (i = 0; i < CONSUMERS; i++) {
		pthread_join(ct[i], NULL);
		EXPECT_EQ(0, c[i].errors);
	}
	EXPECT_EQ(PRODUCERS * SIGNALS, atomic_load(&consumed));
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT,
		  semaphore_timedwait(self->sem, poll_now));
}

/* A child receives the semaphore's send right from the parent's port. */
static semaphore_t child_get_sem(int fd)
{
	mach_port_t parent = port_meet_child(fd), mine = new_port();
	rcv_buf_t buf;
	any_desc_t d;

	if (!parent || !mine)
		return MACH_PORT_NULL;
	if (send_port(parent, MACH_MSG_TYPE_COPY_SEND, 1, mine,
		      MACH_MSG_TYPE_MAKE_SEND))
		return MACH_PORT_NULL;
	if (recv_msg(mine, &buf, sizeof(buf), MACH_RCV_TIMEOUT, 10000) ||
	    get_desc(&buf.header, 0, &d) != MACH_MSG_PORT_DESCRIPTOR)
		return MACH_PORT_NULL;
	return d.port.name;
}

/* In the parent: a child's hello; answer with a send right to @sem. */
static int give_sem(mach_port_t port, semaphore_t sem)
{
	rcv_buf_t buf;
	any_desc_t d;

	if (recv_msg(port, &buf, sizeof(buf), MACH_RCV_TIMEOUT, 10000) ||
	    get_desc(&buf.header, 0, &d) != MACH_MSG_PORT_DESCRIPTOR)
		return -1;
	if (send_port(d.port.name, MACH_MSG_TYPE_MOVE_SEND, 2, sem,
		      MACH_MSG_TYPE_COPY_SEND))
		return -1;
	return 0;
}

#define PROCS 4

TEST_F(sem, many_processes_share_a_semaphore_through_a_message)
{
	mach_port_t port = new_port_send();
	mach_timespec_t t = { 10, 0 };
	pid_t pid[PROCS];
	int fd, i, got = 0;

	ASSERT_NE(MACH_PORT_NULL, port);
	ASSERT_EQ(KERN_SUCCESS, port_share(port, &fd));
	for (i = 0; i < PROCS; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			semaphore_t s = child_get_sem(fd);
			int j;

			die_with_parent();
			if (!s)
				_exit(10);
			for (j = 0; j < SIGNALS; j++)
				if (semaphore_signal(s) != KERN_SUCCESS)
					_exit(11);
			_exit(0);
		}
		ASSERT_LT(0, pid[i]);
	}
	close(fd);
	for (i = 0; i < PROCS; i++)
		ASSERT_EQ(0, give_sem(port, self->sem));
	for (i = 0; i < PROCS * SIGNALS; i++) {
		if (semaphore_timedwait(self->sem, t) != KERN_SUCCESS)
			break;
		got++;
	}
	for (i = 0; i < PROCS; i++)
		EXPECT_EQ(0, mt_wait_exit(pid[i]));
	EXPECT_EQ(PROCS * SIGNALS, got);
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT,
		  semaphore_timedwait(self->sem, poll_now));
	mach_port_destroy(SELF, port);
}

/* The owner's death destroys its semaphores; another task cannot. */
TEST_F(sem, owner_death_destroys_and_only_the_owner_destroys)
{
	mach_port_t port = new_port_send();
	struct waiter w = { 0, ten_s, -1, NULL };
	rcv_buf_t buf;
	any_desc_t d;
	pthread_t t;
	int fd;
	pid_t pid;

	ASSERT_EQ(KERN_SUCCESS, port_share(port, &fd));
	pid = fork();
	if (pid == 0) {
		mach_port_t parent = port_meet_child(fd);
		semaphore_t s;

		die_with_parent();
		if (!parent || semaphore_create(SELF, &s, SYNC_POLICY_FIFO, 0))
			_exit(10);
		if (send_port(parent, MACH_MSG_TYPE_COPY_SEND, 3, s,
			      MACH_MSG_TYPE_COPY_SEND))
			_exit(11);
		usleep(500 * 1000);
		_exit(0);
	}
	ASSERT_LT(0, pid);
	close(fd);
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  recv_msg(port, &buf, sizeof(buf), MACH_RCV_TIMEOUT, 10000));
	ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR, get_desc(&buf.header, 0, &d));
	w.sem = d.port.name;
	/* Keep a reference: destroy attempts consume one. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, w.sem, MACH_PORT_RIGHT_SEND, 1));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, semaphore_destroy(SELF, w.sem));
	EXPECT_EQ(1, urefs_of(w.sem, MACH_PORT_RIGHT_SEND));
	ASSERT_EQ(0, pthread_create(&t, NULL, wait_thread, &w));
	pthread_join(t, NULL);
	EXPECT_EQ(KERN_TERMINATED, w.kr);
	EXPECT_EQ(0, mt_wait_exit(pid));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(w.sem));
	mach_port_destroy(SELF, port);
}

/* ---- signals ------------------------------------------------------------ */

static void on_usr1(int sig)
{
	(void)sig;
}

TEST_F(sem, handled_signal_does_not_end_the_wait)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct waiter w = { self->sem, ten_s, -1, NULL };
	atomic_int done = 0;
	pthread_t t;
	int i;

	w.done = &done;
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, pthread_create(&t, NULL, wait_thread, &w));
	settle();
	for (i = 0; i < 5; i++) {
		pthread_kill(t, SIGUSR1);
		usleep(20 * 1000);
	}
	EXPECT_EQ(0, atomic_load(&done));
	EXPECT_EQ(KERN_SUCCESS, semaphore_signal(self->sem));
	pthread_join(t, NULL);
	EXPECT_EQ(KERN_SUCCESS, w.kr);
}

TEST_F(sem, sigkill_ends_a_waiter_promptly)
{
	uint64_t start;
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		semaphore_t s;

		if (semaphore_create(SELF, &s, SYNC_POLICY_FIFO, 0))
			_exit(1);
		semaphore_wait(s);
		_exit(2);
	}
	ASSERT_LT(0, pid);
	settle_pid(pid);
	start = mach_absolute_time();
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_GT(5000 * MS, mach_absolute_time() - start);
}

TEST_F(sem, per_task_limit)
{
	const char *param = "/sys/module/machina/parameters/max_semaphores";
	char old[32] = "";
	semaphore_t s[4];
	int fd, n, i;

	fd = open(param, O_RDWR);
	if (fd < 0)
		SKIP(return, "cannot open %s", param);
	n = read(fd, old, sizeof(old) - 1);
	ASSERT_LT(0, n);
	/* The fixture's semaphore is one of the three allowed. */
	ASSERT_EQ(1, pwrite(fd, "3", 1, 0));
	ASSERT_EQ(KERN_SUCCESS, semaphore_create(SELF, &s[0], 0, 0));
	ASSERT_EQ(KERN_SUCCESS, semaphore_create(SELF, &s[1], 0, 0));
	EXPECT_EQ(KERN_RESOURCE_SHORTAGE, semaphore_create(SELF, &s[2], 0, 0));
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(SELF, s[1]));
	EXPECT_EQ(KERN_SUCCESS, semaphore_create(SELF, &s[1], 0, 0));
	ASSERT_EQ(n, pwrite(fd, old, n, 0));
	close(fd);
	for (i = 0; i < 2; i++)
		EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(SELF, s[i]));
}

TEST_F(sem, no_leaks)
{
	long ports = mt_stable_counter("live_ports"),
	     tasks = mt_counter("live_tasks");
	semaphore_t s;
	pid_t pid;
	int i;

	if (ports < 0 || tasks < 0)
		SKIP(return, "no live counters in sysfs");
	ASSERT_EQ(KERN_SUCCESS, semaphore_destroy(SELF, self->sem));
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(KERN_SUCCESS, semaphore_create(SELF, &s, 0, i));
		if (i & 1)
			ASSERT_EQ(KERN_SUCCESS, semaphore_destroy(SELF, s));
	}
	/* A child's semaphores go with it. */
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < 50; i++)
			if (semaphore_create(SELF, &s, 0, 0))
				_exit(1);
		_exit(0);
	}
	ASSERT_LT(0, pid);
	EXPECT_EQ(0, mt_wait_exit(pid));
	/* This process keeps 100 semaphores (one port each), not the fixture's. */
	EXPECT_EQ(ports - 1 + 100,
		  mt_wait_counter("live_ports", ports - 1 + 100));
	EXPECT_EQ(tasks, mt_wait_counter("live_tasks", tasks));
}

TEST_HARNESS_MAIN
