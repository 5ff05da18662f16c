// SPDX-License-Identifier: GPL-2.0
/*
 * thread_abort / thread_abort_safely (mach/thread_act.c) attacked as user
 * nobody: no way to another user's thread (no control port; read and
 * inspect ports give no thread port and are refused as threads); aborts
 * racing the target thread's exit and its whole task's death answer only
 * KERN_SUCCESS / KERN_TERMINATED / MACH_SEND_INVALID_DEST (or, for a name
 * let go meanwhile, KERN_INVALID_ARGUMENT) and leave no
 * work behind (the module's reference count comes back: each pending
 * abort holds one); a flood of aborts on one thread holds nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

#include <mach/thread_act.h>

#define REFCNT "/sys/module/machina/refcnt"

/*
 * What an abort racing an exit may answer; KERN_INVALID_ARGUMENT when the
 * name was let go and reused for a semaphore meanwhile.
 */
static int abort_ok(kern_return_t kr)
{
	return kr == KERN_SUCCESS || kr == KERN_TERMINATED ||
	       kr == MACH_SEND_INVALID_DEST || kr == KERN_INVALID_ARGUMENT;
}

/*
 * The module's reference count once it is back at @want or below (bounded
 * wait): below, when a task of an earlier test was still being released
 * as @want was read (a task's release is asynchronous).
 */
static long settled_refcnt(long want)
{
	double end = mt_now() + 30;
	long n;

	do {
		n = mt_read_long(REFCNT);
		if (n <= want)
			return n;
		usleep(10000);
	} while (mt_now() < end);
	return n;
}

/*
 * nobody_leaves_nothing - run @fn as nobody; the module's reference count
 * comes back to what it was (every pending abort work has run)
 * Returns: @fn's status, or 100 when the count did not come back.
 */
static int nobody_leaves_nothing(int (*fn)(void *))
{
	long base = mt_read_long(REFCNT);
	int ret = mt_run_as_nobody(fn, NULL);

	if (!ret && base > 0 && settled_refcnt(base) > base)
		ret = 100;
	return ret;
}

struct sem_waiter {
	semaphore_t sem;
	volatile pid_t tid;
	volatile kern_return_t kr;
	volatile int done;
};

static void *sem_waiter_main(void *arg)
{
	struct sem_waiter *w = arg;

	w->tid = ipc_gettid();
	w->kr = semaphore_wait(w->sem);
	__atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * As nobody: no control port of root's process, so none of its threads;
 * only its own names, none of which is root's thread.  A read or inspect
 * port of its own child gives no thread port, and is no thread.
 */
static int nobody_attacks(void *arg)
{
	pid_t root_pid = *(pid_t *)arg;
	mach_port_t t = MACH_PORT_NULL, rd = MACH_PORT_NULL, in = MACH_PORT_NULL;
	thread_act_array_t list = NULL;
	mach_msg_type_number_t n = 0;
	mach_port_name_array_t names = NULL;
	mach_port_type_array_t types = NULL;
	mach_msg_type_number_t count = 0, tcount = 0, i;
	mach_port_t self;
	int go, done, ret = 0;
	pid_t child;
	char c;

	if (task_for_pid(SELF, root_pid, &t) == KERN_SUCCESS)
		return 3;
	if (task_read_for_pid(SELF, root_pid, &rd) == KERN_SUCCESS)
		return 4;
	/* Every name nobody's space holds: none is root's thread. */
	self = mach_thread_self();
	if (mach_port_names(SELF, &names, &count, &types, &tcount))
		return 5;
	for (i = 0; i < count; i++)
		if (names[i] != self && thread_abort(names[i]) == KERN_SUCCESS)
			return 5;

	child = mt_fork_pipes(&go, &done);
	if (child < 0)
		return 6;
	if (child == 0) {
		mach_task_self();
		if (write(done, "r", 1) != 1)
			_exit(1);
		read(go, &c, 1);
		_exit(0);
	}
	if (read(done, &c, 1) != 1)
		ret = 7;
	if (!ret && (task_read_for_pid(SELF, child, &rd) != KERN_SUCCESS ||
		     task_inspect_for_pid(SELF, child, &in) != KERN_SUCCESS))
		ret = 8;
	if (!ret && (task_threads(rd, &list, &n) == KERN_SUCCESS ||
		     task_threads(in, &list, &n) == KERN_SUCCESS))
		ret = 9;
	if (!ret && (thread_abort(rd) != KERN_INVALID_ARGUMENT ||
		     thread_abort_safely(in) != KERN_INVALID_ARGUMENT))
		ret = 10;
	write(go, "x", 1);
	if (mt_wait_exit(child))
		ret = ret ? ret : 11;
	return ret;
}

TEST(nobody_cannot_abort_another_users_thread)
{
	struct sem_waiter w = { 0 };
	pid_t me = getpid();
	pthread_t t;

	IPC_REQUIRE_TEST();
	if (geteuid() != 0)
		SKIP(return, "needs root to drop to nobody");
	ASSERT_EQ(KERN_SUCCESS, semaphore_create(SELF, &w.sem, SYNC_POLICY_FIFO, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, sem_waiter_main, &w));
	ASSERT_EQ(0, ipc_wait_sleeping(&w.tid));
	EXPECT_EQ(0, mt_run_as_nobody(nobody_attacks, &me));
	/* Root's waiter was never aborted: it still waits. */
	usleep(50 * 1000);
	EXPECT_EQ(0, w.done);
	EXPECT_EQ(KERN_SUCCESS, semaphore_signal(w.sem));
	pthread_join(t, NULL);
	EXPECT_EQ(KERN_SUCCESS, w.kr);
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(SELF, w.sem));
}

struct racer {
	volatile mach_port_t *ports;
	unsigned int count;
	volatile int stop, bad;
	atomic_long calls;
};

static void *racer_main(void *arg)
{
	struct racer *r = arg;
	unsigned int i = 0;
	kern_return_t kr;

	while (!r->stop) {
		mach_port_t p = r->ports[i++ % r->count];

		if (p == MACH_PORT_NULL)
			continue;
		kr = (i & 1) ? thread_abort(p) : thread_abort_safely(p);
		if (!abort_ok(kr))
			r->bad = kr;
		atomic_fetch_add(&r->calls, 1);
	}
	return NULL;
}

static void *short_life(void *arg)
{
	volatile mach_port_t *slot = arg;
	semaphore_t s;
	mach_timespec_t ms1 = { 0, 1000 * 1000 };

	*slot = mach_thread_self();
	if (semaphore_create(SELF, &s, SYNC_POLICY_FIFO, 0) == KERN_SUCCESS) {
		kern_return_t kr = semaphore_timedwait(s, ms1);

		semaphore_destroy(SELF, s);
		if (kr != KERN_OPERATION_TIMED_OUT && kr != KERN_ABORTED)
			return (void *)1;
	}
	return NULL;
}

/*
 * Threads that wait a moment and exit while three racers abort them: every
 * answer is one of the three, no thread sees anything but its timeout or
 * KERN_ABORTED; the module's count comes back (no work left queued).
 */
static int exit_race(void *arg)
{
	volatile mach_port_t slots[8] = { 0 };
	struct racer r = { .ports = slots, .count = 8 };
	int rounds = mt_rounds(400, 20), i, j, ret = 0;
	pthread_t racers[3], t[8];
	void *res;

	for (i = 0; i < 3; i++)
		if (pthread_create(&racers[i], NULL, racer_main, &r))
			return 2;
	for (i = 0; i < rounds && !ret; i++) {
		for (j = 0; j < 8; j++)
			if (pthread_create(&t[j], NULL, short_life,
					   (void *)&slots[j]))
				ret = 3;
		for (j = 0; j < 8; j++) {
			pthread_join(t[j], &res);
			if (res)
				ret = 4;
		}
		for (j = 0; j < 8; j++) {
			mach_port_deallocate(SELF, slots[j]);
			slots[j] = MACH_PORT_NULL;
		}
	}
	r.stop = 1;
	for (i = 0; i < 3; i++)
		pthread_join(racers[i], NULL);
	if (!ret && r.bad)
		ret = 5;
	if (!ret && atomic_load(&r.calls) < rounds)
		ret = 6;
	return ret;
}

TEST(abort_racing_thread_exit_as_nobody)
{
	IPC_REQUIRE_TEST();
	EXPECT_EQ(0, nobody_leaves_nothing(exit_race));
}

struct exec_racer {
	volatile mach_port_t slots[2];	/* the leader's, the exec'ing thread's */
	int leader_execs;
};

/* Exec a program that exits 0 at once, from whichever thread calls it. */
static void exec_true(void)
{
	execl("/bin/sh", "sh", "-c", ":", (char *)NULL);
	_exit(90);
}

static void *exec_thread_main(void *arg)
{
	struct exec_racer *x = arg;
	semaphore_t s;
	mach_timespec_t ms1 = { 0, 1000 * 1000 };

	x->slots[1] = mach_thread_self();
	/* Aborted or not, a short Machina wait, then the exec. */
	if (semaphore_create(SELF, &s, SYNC_POLICY_FIFO, 0) == KERN_SUCCESS)
		semaphore_timedwait(s, ms1);
	if (!x->leader_execs)
		exec_true();
	for (;;)
		semaphore_timedwait(s, ms1);	/* until the leader's exec */
	return NULL;
}

/*
 * A child of nobody's execs (from a thread that is not the leader, or
 * from the leader) while racers in it abort both threads: the aborts
 * queued before the exec run in the exec (or in the threads' deaths in
 * de_thread), and the new image exits 0; nothing stays queued.
 */
static int exec_race(void *arg)
{
	int rounds = mt_rounds(60, 6), i, status, ret = 0;

	for (i = 0; i < rounds && !ret; i++) {
		pid_t child = fork();

		if (child < 0)
			return 2;
		if (child == 0) {
			struct exec_racer x = { .leader_execs = i & 1 };
			struct racer r = { .ports = x.slots, .count = 2 };
			pthread_t racers[2], t;
			int j;

			x.slots[0] = mach_thread_self();
			for (j = 0; j < 2; j++)
				if (pthread_create(&racers[j], NULL, racer_main, &r))
					_exit(91);
			if (pthread_create(&t, NULL, exec_thread_main, &x))
				_exit(92);
			while (atomic_load(&r.calls) < 50)
				usleep(100);
			if (x.leader_execs)
				exec_true();
			pthread_join(t, NULL);
			_exit(93);
		}
		if (waitpid(child, &status, 0) != child ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			ret = 3;
	}
	return ret;
}

TEST(abort_racing_exec_as_nobody)
{
	IPC_REQUIRE_TEST();
	if (access("/bin/sh", X_OK))
		SKIP(return, "no /bin/sh to exec");
	EXPECT_EQ(0, nobody_leaves_nothing(exec_race));
}

/*
 * A child of nobody's with threads waiting in mach_msg and semaphore
 * waits is killed while racers abort all of them through the child's
 * thread ports (task_for_pid of its own child).
 */
static int task_death_race(void *arg)
{
	int rounds = mt_rounds(40, 4), i, j, go, done, ret = 0;
	mach_port_t ports[8] = { 0 };
	struct racer r = { .ports = ports };
	thread_act_array_t list;
	mach_msg_type_number_t n;
	pthread_t racers[3];
	mach_port_t task;
	pid_t child;
	char c;

	for (i = 0; i < rounds && !ret; i++) {
		child = mt_fork_pipes(&go, &done);
		if (child < 0)
			return 2;
		if (child == 0) {
			struct sem_waiter w[3] = { { 0 } };
			pthread_t t;

			for (j = 0; j < 3; j++) {
				if (semaphore_create(SELF, &w[j].sem,
						     SYNC_POLICY_FIFO, 0) ||
				    pthread_create(&t, NULL, sem_waiter_main,
						   &w[j]))
					_exit(1);
			}
			for (j = 0; j < 3; j++)
				if (ipc_wait_sleeping(&w[j].tid))
					_exit(1);
			if (write(done, "r", 1) != 1)
				_exit(1);
			read(go, &c, 1);
			_exit(0);
		}
		if (read(done, &c, 1) != 1 ||
		    task_for_pid(SELF, child, &task) != KERN_SUCCESS ||
		    task_threads(task, &list, &n) != KERN_SUCCESS || n < 4) {
			ret = 3;
			kill(child, SIGKILL);
			mt_wait_exit(child);
			break;
		}
		r.count = n < 8 ? n : 8;
		memcpy(ports, list, r.count * sizeof(*ports));
		r.stop = 0;
		for (j = 0; j < 3; j++)
			pthread_create(&racers[j], NULL, racer_main, &r);
		usleep(1000 * (i % 5));
		kill(child, SIGKILL);
		mt_wait_exit(child);
		usleep(1000);
		r.stop = 1;
		for (j = 0; j < 3; j++)
			pthread_join(racers[j], NULL);
		if (r.bad)
			ret = 4;
		/* The dead task's threads: terminated or dead names. */
		for (j = 0; j < (int)r.count && !ret; j++)
			if (thread_abort(ports[j]) == KERN_SUCCESS &&
			    thread_abort(ports[j]) == KERN_SUCCESS)
				ret = 5;
		for (j = 0; j < (int)n; j++)
			mach_port_deallocate(SELF, list[j]);
		vm_deallocate(SELF, (vm_address_t)list, n * sizeof(*list));
		mach_port_deallocate(SELF, task);
		close(go);
		close(done);
	}
	return ret;
}

TEST(abort_racing_task_death_as_nobody)
{
	IPC_REQUIRE_TEST();
	EXPECT_EQ(0, nobody_leaves_nothing(task_death_race));
}

struct receiver {
	mach_port_t port, self;
	volatile pid_t tid;
	volatile int done;
	volatile mach_msg_return_t mr;
};

static void *receiver_main(void *arg)
{
	struct receiver *rv = arg;
	rcv_buf_t buf;

	rv->self = mach_thread_self();
	rv->tid = ipc_gettid();
	rv->mr = recv_msg(rv->port, &buf, sizeof(buf), 0, 0);
	__atomic_store_n(&rv->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * 10,000 aborts of one thread waiting in mach_msg (libmach restarts its
 * receive each time): at most one abort is pending at a time, nothing
 * accumulates; the thread still gets its message.
 */
static int abort_flood(void *arg)
{
	struct receiver rv = { .port = new_port() };
	int i, n = mt_rounds(10000, 500);
	pthread_t t;

	if (!rv.port ||
	    mach_port_insert_right(SELF, rv.port, rv.port,
				   MACH_MSG_TYPE_MAKE_SEND) ||
	    pthread_create(&t, NULL, receiver_main, &rv) ||
	    ipc_wait_sleeping(&rv.tid))
		return 2;
	for (i = 0; i < n; i++)
		if (thread_abort(rv.self) != KERN_SUCCESS)
			return 3;
	if (rv.done)
		return 4;
	if (send_simple(rv.port, 77) != MACH_MSG_SUCCESS)
		return 5;
	pthread_join(t, NULL);
	return rv.mr == MACH_MSG_SUCCESS ? 0 : 6;
}

TEST(abort_flood_as_nobody)
{
	IPC_REQUIRE_TEST();
	EXPECT_EQ(0, nobody_leaves_nothing(abort_flood));
}

TEST_HARNESS_MAIN
