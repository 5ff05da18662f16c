// SPDX-License-Identifier: GPL-2.0
/*
 * Mach threads: thread ports (mach_thread_self, task_threads), thread_info,
 * suspension of threads and tasks (also of another process, through a task
 * port it sent), register state of a suspended thread, thread_terminate,
 * thread port death, and the error answers.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <asm/prctl.h>
#endif

#include <mach/mach.h>
#include <mach/thread_act.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

#define MAGIC 0x5eedc0de1234abcdull

#define REQUIRE() IPC_REQUIRE_TEST()

/*
 * spin_magic(counter): loads MAGIC into a callee-saved register (x19 /
 * r12), then increments *counter forever between spin_loop and spin_end.
 * landing(flag): stores 0x42 in *flag and ends the thread.
 */
#if defined(__aarch64__)
__asm__(".text\n"
	".globl spin_magic\n.type spin_magic,%function\n"
	"spin_magic:\n"
	"  movz x19, #0xabcd\n"
	"  movk x19, #0x1234, lsl #16\n"
	"  movk x19, #0xc0de, lsl #32\n"
	"  movk x19, #0x5eed, lsl #48\n"
	".globl spin_loop\nspin_loop:\n"
	"  ldr x9, [x0]\n"
	"  add x9, x9, #1\n"
	"  str x9, [x0]\n"
	"  b spin_loop\n"
	".globl spin_end\nspin_end:\n"
	"  nop\n");
#elif defined(__x86_64__)
__asm__(".text\n"
	".globl spin_magic\n.type spin_magic,@function\n"
	"spin_magic:\n"
	"  movabsq $0x5eedc0de1234abcd, %r12\n"
	".globl spin_loop\nspin_loop:\n"
	"  incq (%rdi)\n"
	"  jmp spin_loop\n"
	".globl spin_end\nspin_end:\n"
	"  nop\n");
#endif

#if defined(__aarch64__) || defined(__x86_64__)
extern void spin_magic(volatile uint64_t *counter);
extern char spin_loop[], spin_end[];
#endif

static void landing(volatile uint64_t *flag)
{
	*flag = 0x42;
	syscall(SYS_exit, 0);
}

struct spinner {
	pthread_t tid;
	volatile uint64_t counter;
	volatile int stop;
	volatile mach_port_t port;	/* its mach_thread_self() */
	int use_asm;
};

static void *spin_main(void *arg)
{
	struct spinner *s = arg;

	s->port = mach_thread_self();
#if defined(__aarch64__) || defined(__x86_64__)
	if (s->use_asm)
		spin_magic(&s->counter);
#endif
	while (!s->stop)
		s->counter++;
	return NULL;
}

static int start_spinner(struct spinner *s, int use_asm)
{
	memset(s, 0, sizeof(*s));
	s->use_asm = use_asm;
	if (pthread_create(&s->tid, NULL, spin_main, s))
		return -1;
	while (!s->port)
		usleep(1000);
	/* Running: the counter moves. */
	while (s->counter < 1000)
		usleep(1000);
	return 0;
}

/* The counter does not move for ms milliseconds. */
static int frozen(volatile uint64_t *counter, int ms)
{
	uint64_t before = *counter;

	usleep(ms * 1000);
	return *counter == before;
}

/* The counter moves within five seconds. */
static int moving(volatile uint64_t *counter)
{
	uint64_t before = *counter;
	double end = mt_now() + 5;

	while (mt_now() < end) {
		if (*counter != before)
			return 1;
		usleep(1000);
	}
	return 0;
}

static int basic(mach_port_t thread, thread_basic_info_data_t *bi)
{
	mach_msg_type_number_t count = THREAD_BASIC_INFO_COUNT;

	return thread_info(thread, THREAD_BASIC_INFO, (thread_info_t)bi, &count);
}

/* Wait until the thread reports run_state, at most five seconds. */
static int wait_state(mach_port_t thread, int state)
{
	thread_basic_info_data_t bi;
	double end = mt_now() + 5;

	while (mt_now() < end) {
		if (basic(thread, &bi) == KERN_SUCCESS && bi.run_state == state)
			return 1;
		usleep(2000);
	}
	return 0;
}

TEST(thread_self_is_stable_per_thread_and_distinct)
{
	struct spinner s;
	mach_port_t a, b;
	mach_port_type_t type;

	REQUIRE();
	a = mach_thread_self();
	ASSERT_NE(MACH_PORT_NULL, a);
	b = mach_thread_self();
	EXPECT_EQ(a, b);
	ASSERT_EQ(KERN_SUCCESS, mach_port_type(SELF, a, &type));
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type);
	/* Each call adds a user reference, as on Darwin. */
	EXPECT_EQ(2, urefs_of(a, MACH_PORT_RIGHT_SEND));
	EXPECT_NE(a, SELF);

	ASSERT_EQ(0, start_spinner(&s, 0));
	EXPECT_NE(a, s.port);
	EXPECT_NE(MACH_PORT_NULL, s.port);
	s.stop = 1;
	pthread_join(s.tid, NULL);
}

TEST(thread_info_reports_the_thread)
{
	thread_identifier_info_data_t ii;
	thread_basic_info_data_t bi;
	struct machina_task_identity id;
	mach_msg_type_number_t count;
	mach_port_t me;
	uint64_t tp;
	int fd;

	REQUIRE();
	me = mach_thread_self();
	count = THREAD_BASIC_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS,
		  thread_info(me, THREAD_BASIC_INFO, (thread_info_t)&bi, &count));
	EXPECT_EQ(THREAD_BASIC_INFO_COUNT, count);
	EXPECT_EQ(TH_STATE_RUNNING, bi.run_state);
	EXPECT_EQ(0, bi.suspend_count);
	EXPECT_EQ(POLICY_TIMESHARE, bi.policy);
	EXPECT_LE(0, bi.cpu_usage);
	EXPECT_GE(TH_USAGE_SCALE, bi.cpu_usage);
	EXPECT_GT(1000000, bi.user_time.microseconds);

	count = THREAD_IDENTIFIER_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, thread_info(me, THREAD_IDENTIFIER_INFO,
					    (thread_info_t)&ii, &count));
	EXPECT_EQ(THREAD_IDENTIFIER_INFO_COUNT, count);
	fd = mt_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mt_identity(fd, &id));
	close(fd);
	EXPECT_EQ(id.thread_serial, ii.thread_id);
#if defined(__x86_64__)
	ASSERT_EQ(0, syscall(SYS_arch_prctl, ARCH_GET_FS, &tp));
#elif defined(__aarch64__)
	__asm__ volatile("mrs %0, tpidr_el0" : "=r"(tp));
#else
	tp = ii.thread_handle;
#endif
	EXPECT_EQ(tp, ii.thread_handle);
	EXPECT_EQ(0, ii.dispatch_qaddr);

	/* Too small a count, unknown flavors. */
	count = THREAD_BASIC_INFO_COUNT - 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_info(me, THREAD_BASIC_INFO, (thread_info_t)&bi, &count));
	count = THREAD_INFO_MAX;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_info(me, 12345, (thread_info_t)&bi, &count));
	mach_port_deallocate(SELF, me);
}

TEST(thread_info_times_grow_while_spinning)
{
	thread_basic_info_data_t bi;
	struct spinner s;
	double end;

	REQUIRE();
	ASSERT_EQ(0, start_spinner(&s, 0));
	end = mt_now() + 10;
	do {
		usleep(50000);
		ASSERT_EQ(KERN_SUCCESS, basic(s.port, &bi));
	} while (bi.user_time.seconds == 0 &&
		 bi.user_time.microseconds < 20000 && mt_now() < end);
	EXPECT_TRUE(bi.user_time.seconds > 0 ||
		    bi.user_time.microseconds >= 20000);
	s.stop = 1;
	pthread_join(s.tid, NULL);
}

static void *block_on_pipe(void *arg)
{
	char c;

	return (void *)(long)read(*(int *)arg, &c, 1);
}

TEST(task_threads_lists_every_thread)
{
	thread_act_array_t list;
	mach_msg_type_number_t n, i;
	mach_port_type_t type;
	pthread_t t[3];
	int p[2], found_self = 0;
	mach_port_t me;

	REQUIRE();
	ASSERT_EQ(0, pipe(p));
	/* These threads never call into Mach. */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, block_on_pipe, &p[0]));
	me = mach_thread_self();
	ASSERT_EQ(KERN_SUCCESS, task_threads(SELF, &list, &n));
	EXPECT_EQ(4, n);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(KERN_SUCCESS, mach_port_type(SELF, list[i], &type));
		EXPECT_EQ(MACH_PORT_TYPE_SEND, type);
		if (list[i] == me)
			found_self++;
	}
	/* Send rights coalesce: the caller's entry is its own thread name. */
	EXPECT_EQ(1, found_self);
	for (i = 0; i < n; i++)
		mach_port_deallocate(SELF, list[i]);
	vm_deallocate(SELF, (vm_address_t)list, n * sizeof(*list));
	ASSERT_EQ(4, write(p[1], "xxxx", 4));
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	ASSERT_EQ(KERN_SUCCESS, task_threads(SELF, &list, &n));
	EXPECT_EQ(1, n);
	mach_port_deallocate(SELF, list[0]);
	vm_deallocate(SELF, (vm_address_t)list, n * sizeof(*list));
}

TEST(suspend_stops_and_resume_restarts_with_nesting)
{
	thread_basic_info_data_t bi;
	struct spinner s;

	REQUIRE();
	ASSERT_EQ(0, start_spinner(&s, 0));
	EXPECT_EQ(KERN_FAILURE, thread_resume(s.port));

	ASSERT_EQ(KERN_SUCCESS, thread_suspend(s.port));
	EXPECT_TRUE(wait_state(s.port, TH_STATE_STOPPED));
	EXPECT_TRUE(frozen(&s.counter, 200));
	ASSERT_EQ(KERN_SUCCESS, basic(s.port, &bi));
	EXPECT_EQ(1, bi.suspend_count);

	ASSERT_EQ(KERN_SUCCESS, thread_suspend(s.port));
	ASSERT_EQ(KERN_SUCCESS, basic(s.port, &bi));
	EXPECT_EQ(2, bi.suspend_count);
	ASSERT_EQ(KERN_SUCCESS, thread_resume(s.port));
	EXPECT_TRUE(frozen(&s.counter, 200));
	ASSERT_EQ(KERN_SUCCESS, thread_resume(s.port));
	EXPECT_TRUE(moving(&s.counter));
	ASSERT_EQ(KERN_SUCCESS, basic(s.port, &bi));
	EXPECT_EQ(0, bi.suspend_count);
	EXPECT_NE(TH_STATE_STOPPED, bi.run_state);
	EXPECT_EQ(KERN_FAILURE, thread_resume(s.port));

	/* The task's count holds the thread as well; then it runs again. */
	ASSERT_EQ(KERN_FAILURE, task_resume(SELF));
	s.stop = 1;
	pthread_join(s.tid, NULL);
}

static void *suspend_self(void *arg)
{
	volatile int *flag = arg;

	*flag = 1;
	thread_suspend(mach_thread_self());
	*flag = 2;
	return NULL;
}

TEST(a_thread_can_suspend_itself)
{
	volatile int flag = 0;
	thread_act_array_t list;
	mach_msg_type_number_t n, i;
	mach_port_t me = mach_thread_self(), other = MACH_PORT_NULL;
	pthread_t t;

	REQUIRE();
	ASSERT_EQ(0, pthread_create(&t, NULL, suspend_self, (void *)&flag));
	while (flag == 0)
		usleep(1000);
	ASSERT_EQ(KERN_SUCCESS, task_threads(SELF, &list, &n));
	for (i = 0; i < n; i++)
		if (list[i] != me)
			other = list[i];
	ASSERT_NE(MACH_PORT_NULL, other);
	EXPECT_TRUE(wait_state(other, TH_STATE_STOPPED));
	usleep(100000);
	EXPECT_EQ(1, flag);
	ASSERT_EQ(KERN_SUCCESS, thread_resume(other));
	pthread_join(t, NULL);
	EXPECT_EQ(2, flag);
	vm_deallocate(SELF, (vm_address_t)list, n * sizeof(*list));
}

#if defined(__aarch64__) || defined(__x86_64__)
TEST(state_of_a_suspended_thread_reads_and_redirects)
{
	volatile uint64_t flag = 0;
	mach_msg_type_number_t count;
	thread_state_data_t raw;
	struct spinner s;
	uint64_t pc;
#if defined(__aarch64__)
	arm_thread_state64_t st;
	const thread_state_flavor_t flavor = ARM_THREAD_STATE64;
	const mach_msg_type_number_t want = ARM_THREAD_STATE64_COUNT;
#else
	x86_thread_state64_t st;
	const thread_state_flavor_t flavor = x86_THREAD_STATE64;
	const mach_msg_type_number_t want = x86_THREAD_STATE64_COUNT;
#endif

	REQUIRE();
	ASSERT_EQ(0, start_spinner(&s, 1));
	/* Not suspended: refused. */
	count = want;
	EXPECT_EQ(KERN_FAILURE,
		  thread_get_state(s.port, flavor, (thread_state_t)&st, &count));
	ASSERT_EQ(KERN_SUCCESS, thread_suspend(s.port));
	count = want;
	ASSERT_EQ(KERN_SUCCESS,
		  thread_get_state(s.port, flavor, (thread_state_t)&st, &count));
	EXPECT_EQ(want, count);
#if defined(__aarch64__)
	pc = st.__pc;
	EXPECT_EQ(MAGIC, st.__x[19]);
	EXPECT_EQ((uint64_t)(uintptr_t)&s.counter, st.__x[0]);
	EXPECT_EQ(0, st.__cpsr & 0xf);	/* EL0t */
#else
	pc = st.__rip;
	EXPECT_EQ(MAGIC, st.__r12);
	EXPECT_EQ((uint64_t)(uintptr_t)&s.counter, st.__rdi);
	EXPECT_EQ(0x200, st.__rflags & 0x200);	/* IF */
#endif
	EXPECT_LE((uint64_t)(uintptr_t)spin_loop, pc);
	EXPECT_GT((uint64_t)(uintptr_t)spin_end, pc);

	/* Bad flavor and count. */
	count = want - 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_get_state(s.port, flavor, (thread_state_t)&st, &count));
	count = THREAD_STATE_MAX;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_get_state(s.port, 9999, raw, &count));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_set_state(s.port, flavor, (thread_state_t)&st, want - 1));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_set_state(s.port, flavor, raw, want + 1));

	/* Privileged bits are not taken; the rest is. */
#if defined(__aarch64__)
	st.__cpsr |= 0x5;		/* EL1h */
	ASSERT_EQ(KERN_SUCCESS,
		  thread_set_state(s.port, flavor, (thread_state_t)&st, want));
	count = want;
	ASSERT_EQ(KERN_SUCCESS,
		  thread_get_state(s.port, flavor, (thread_state_t)&st, &count));
	EXPECT_EQ(0, st.__cpsr & 0xf);
	st.__pc = (uint64_t)(uintptr_t)landing;
	st.__x[0] = (uint64_t)(uintptr_t)&flag;
#else
	{
		x86_thread_state64_t bad = st;

		bad.__cs = 0x10;	/* a kernel selector */
		EXPECT_EQ(KERN_INVALID_ARGUMENT,
			  thread_set_state(s.port, flavor,
					   (thread_state_t)&bad, want));
	}
	st.__rflags = (st.__rflags | 0x3000) & ~0x200ull; /* IOPL 3, no IF */
	ASSERT_EQ(KERN_SUCCESS,
		  thread_set_state(s.port, flavor, (thread_state_t)&st, want));
	count = want;
	ASSERT_EQ(KERN_SUCCESS,
		  thread_get_state(s.port, flavor, (thread_state_t)&st, &count));
	EXPECT_EQ(0x200, st.__rflags & 0x3200);
	st.__rip = (uint64_t)(uintptr_t)landing;
	st.__rdi = (uint64_t)(uintptr_t)&flag;
#endif
	ASSERT_EQ(KERN_SUCCESS,
		  thread_set_state(s.port, flavor, (thread_state_t)&st, want));
	EXPECT_TRUE(frozen(&s.counter, 100));
	EXPECT_EQ(0, flag);
	ASSERT_EQ(KERN_SUCCESS, thread_resume(s.port));
	pthread_join(s.tid, NULL);
	EXPECT_EQ(0x42, flag);
}
#endif

TEST(thread_port_dies_with_its_thread)
{
	mach_port_t notify, prev, thread = MACH_PORT_NULL, me;
	thread_act_array_t list;
	mach_msg_type_number_t n, i;
	mach_port_type_t type;
	rcv_buf_t buf;
	pthread_t t;
	int p[2];

	REQUIRE();
	me = mach_thread_self();
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, pthread_create(&t, NULL, block_on_pipe, &p[0]));
	ASSERT_EQ(KERN_SUCCESS, task_threads(SELF, &list, &n));
	ASSERT_EQ(2, n);
	for (i = 0; i < n; i++)
		if (list[i] != me)
			thread = list[i];
	ASSERT_NE(MACH_PORT_NULL, thread);
	notify = new_port();
	ASSERT_NE(MACH_PORT_NULL, notify);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_request_notification(SELF, thread,
						 MACH_NOTIFY_DEAD_NAME, 0, notify,
						 MACH_MSG_TYPE_MAKE_SEND_ONCE,
						 &prev));
	ASSERT_EQ(1, write(p[1], "x", 1));
	pthread_join(t, NULL);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(notify, &buf, 5000));
	EXPECT_EQ(MACH_NOTIFY_DEAD_NAME, buf.header.msgh_id);
	ASSERT_EQ(KERN_SUCCESS, mach_port_type(SELF, thread, &type));
	EXPECT_TRUE(type & MACH_PORT_TYPE_DEAD_NAME);
	/* A dead name is no thread. */
	EXPECT_EQ(MACH_SEND_INVALID_DEST, thread_suspend(thread));
	vm_deallocate(SELF, (vm_address_t)list, n * sizeof(*list));
}

static void *terminate_self(void *arg)
{
	volatile int *flag = arg;

	*flag = 1;
	thread_terminate(mach_thread_self());
	*flag = 2;
	return NULL;
}

TEST(thread_terminate_ends_the_caller_and_other_threads)
{
	volatile int flag = 0;
	struct spinner s;
	mach_port_type_t type = 0;
	int i;

	REQUIRE();
	ASSERT_EQ(0, start_spinner(&s, 0));
	EXPECT_TRUE(moving(&s.counter));
	/* Another thread of this process ends, and its port dies. */
	EXPECT_EQ(KERN_SUCCESS, thread_terminate(s.port));
	pthread_join(s.tid, NULL);
	EXPECT_TRUE(frozen(&s.counter, 100));
	for (i = 0; i < 500; i++) {
		if (mach_port_type(SELF, s.port, &type) == KERN_SUCCESS &&
		    (type & MACH_PORT_TYPE_DEAD_NAME))
			break;
		usleep(10 * 1000);
	}
	EXPECT_TRUE(type & MACH_PORT_TYPE_DEAD_NAME);
	EXPECT_NE(KERN_SUCCESS, thread_terminate(s.port));

	ASSERT_EQ(0, pthread_create(&s.tid, NULL, terminate_self, (void *)&flag));
	pthread_join(s.tid, NULL);
	EXPECT_EQ(1, flag);
}

TEST(bad_names_and_kinds)
{
	struct machina_port_args a = { 0 };
	thread_basic_info_data_t bi;
	mach_port_t port = new_port_send(), me = mach_thread_self();
	int fd;

	REQUIRE();
	EXPECT_EQ(MACH_SEND_INVALID_DEST, thread_suspend(0x12345));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, basic(MACH_PORT_NULL, &bi));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, task_suspend(0x12345));
	/* A task port is no thread, a thread port no task, a port neither. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_suspend(SELF));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, basic(port, &bi));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_suspend(me));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_resume(port));
	EXPECT_EQ(KERN_FAILURE, task_resume(SELF));
	/* Unknown flags are malformed requests. */
	fd = mt_open();
	ASSERT_LE(0, fd);
	a.name = me;
	a.flags = 1;
	EXPECT_EQ(-1, ioctl(fd, MACHINA_IOC_THREAD_SUSPEND, &a));
	EXPECT_EQ(EINVAL, errno);
	a.flags = 0;
	a.reserved = 1;
	EXPECT_EQ(-1, ioctl(fd, MACHINA_IOC_THREAD_RESUME, &a));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

struct blocked_reader {
	int fd;
	volatile int done;
	volatile long got;
};

static void *read_one(void *arg)
{
	struct blocked_reader *r = arg;
	char c;

	r->got = read(r->fd, &c, 1);
	r->done = 1;
	return NULL;
}

TEST(a_thread_blocked_in_a_call_stops_and_the_call_restarts)
{
	struct blocked_reader r = { 0 };
	thread_act_array_t list;
	mach_msg_type_number_t n, i;
	mach_port_t me = mach_thread_self(), other = MACH_PORT_NULL;
	pthread_t t;
	int p[2];

	REQUIRE();
	ASSERT_EQ(0, pipe(p));
	r.fd = p[0];
	ASSERT_EQ(0, pthread_create(&t, NULL, read_one, &r));
	ASSERT_EQ(KERN_SUCCESS, task_threads(SELF, &list, &n));
	ASSERT_EQ(2, n);
	for (i = 0; i < n; i++)
		if (list[i] != me)
			other = list[i];
	ASSERT_NE(MACH_PORT_NULL, other);
	usleep(50000);
	ASSERT_EQ(KERN_SUCCESS, thread_suspend(other));
	EXPECT_TRUE(wait_state(other, TH_STATE_STOPPED));
	/* Data arrives while it is stopped: it is not read yet. */
	ASSERT_EQ(1, write(p[1], "x", 1));
	usleep(200000);
	EXPECT_EQ(0, r.done);
	ASSERT_EQ(KERN_SUCCESS, thread_resume(other));
	pthread_join(t, NULL);
	/* The read was restarted, not failed with EINTR. */
	EXPECT_EQ(1, r.got);
	vm_deallocate(SELF, (vm_address_t)list, n * sizeof(*list));
}

static void *idle_thread(void *arg)
{
	return (void *)(long)read(*(int *)arg, &arg, 1);
}

TEST(records_and_ports_go_with_the_process)
{
	long threads = mt_stable_counter("live_threads");
	long ports = mt_stable_counter("live_ports");
	pid_t pid;
	int status;

	REQUIRE();
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		thread_act_array_t list;
		mach_msg_type_number_t n;
		pthread_t t[4];
		int p[2], i;

		if (pipe(p))
			_exit(2);
		for (i = 0; i < 4; i++)
			if (pthread_create(&t[i], NULL, idle_thread, &p[0]))
				_exit(3);
		if (task_threads(mach_task_self(), &list, &n) || n != 5)
			_exit(4);
		if (task_suspend(mach_task_self()) != KERN_SUCCESS)
			_exit(5);
		/* Not reached: the whole task stops as task_suspend returns. */
		_exit(0);
	}
	/* Stopped with live records and ports, it dies only by SIGKILL. */
	usleep(300000);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(threads, mt_wait_counter("live_threads", threads));
	EXPECT_EQ(ports, mt_wait_counter("live_ports", ports));
}

/* ---- another process, through the task port it sends ------------------- */

struct shared {
	volatile uint64_t main_counter;
	volatile uint64_t quiet_counter;	/* a thread that never calls in */
};

static void *quiet_spin(void *arg)
{
	struct shared *sh = arg;

	for (;;)
		sh->quiet_counter++;
	return NULL;
}

/* Child: send the task port to the parent, then spin in two threads. */
static void child_main(int fd, struct shared *sh)
{
	mach_port_t parent = port_meet_child(fd);
	pthread_t t;

	if (!parent)
		_exit(2);
	if (pthread_create(&t, NULL, quiet_spin, sh))
		_exit(3);
	if (send_port(parent, MACH_MSG_TYPE_COPY_SEND, 1, mach_task_self(),
		      MACH_MSG_TYPE_COPY_SEND) != MACH_MSG_SUCCESS)
		_exit(4);
	for (;;)
		sh->main_counter++;
}

/* MACH_TASK_BASIC_INFO's suspend_count, or -1 if task_info failed. */
static int task_suspend_count(task_t task)
{
	mach_task_basic_info_data_t bi;
	mach_msg_type_number_t cnt = MACH_TASK_BASIC_INFO_COUNT;

	if (task_info(task, MACH_TASK_BASIC_INFO, (task_info_t)&bi, &cnt))
		return -1;
	return bi.suspend_count;
}

TEST(task_suspend_stops_another_process_and_sigkill_ends_it)
{
	union {
		port_msg_t m;
		rcv_buf_t room;
	} u;
	thread_act_array_t list;
	mach_msg_type_number_t n, i;
	struct shared *sh;
	mach_port_t port, child_task;
	double t0;
	pid_t pid;
	int fd, status;

	REQUIRE();
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	port = new_port();
	ASSERT_NE(MACH_PORT_NULL, port);
	ASSERT_EQ(KERN_SUCCESS, port_share(port, &fd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		die_with_parent();
		child_main(fd, sh);
	}
	close(fd);
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_msg(port, &u, sizeof(u),
					     MACH_RCV_TIMEOUT, 10000));
	child_task = u.m.port.name;
	ASSERT_NE(MACH_PORT_NULL, child_task);
	EXPECT_TRUE(moving(&sh->main_counter));
	EXPECT_TRUE(moving(&sh->quiet_counter));

	/* Both threads are there, the quiet one included. */
	ASSERT_EQ(KERN_SUCCESS, task_threads(child_task, &list, &n));
	EXPECT_EQ(2, n);

	ASSERT_EQ(KERN_SUCCESS, task_suspend(child_task));
	ASSERT_EQ(KERN_SUCCESS, task_suspend(child_task));
	for (i = 0; i < n; i++)
		EXPECT_TRUE(wait_state(list[i], TH_STATE_STOPPED));
	EXPECT_TRUE(frozen(&sh->main_counter, 200));
	EXPECT_TRUE(frozen(&sh->quiet_counter, 100));
	/* task_info reports the nesting. */
	EXPECT_EQ(2, task_suspend_count(child_task));
	ASSERT_EQ(KERN_SUCCESS, task_resume(child_task));
	EXPECT_TRUE(frozen(&sh->main_counter, 200));
	ASSERT_EQ(KERN_SUCCESS, task_resume(child_task));
	EXPECT_TRUE(moving(&sh->main_counter));
	EXPECT_TRUE(moving(&sh->quiet_counter));
	EXPECT_EQ(KERN_FAILURE, task_resume(child_task));

	/* Thread and task counts add up. */
	ASSERT_EQ(KERN_SUCCESS, thread_suspend(list[0]));
	ASSERT_EQ(KERN_SUCCESS, task_suspend(child_task));
	ASSERT_EQ(KERN_SUCCESS, task_resume(child_task));
	EXPECT_TRUE(frozen(&sh->main_counter, 200));
	EXPECT_TRUE(moving(&sh->quiet_counter));
	ASSERT_EQ(KERN_SUCCESS, thread_resume(list[0]));
	EXPECT_TRUE(moving(&sh->main_counter));

	/* A thread of another process cannot be ended alone. */
	EXPECT_EQ(KERN_NOT_SUPPORTED, thread_terminate(list[0]));
	EXPECT_TRUE(moving(&sh->main_counter) || moving(&sh->quiet_counter));

	/* SIGKILL ends a suspended process at once. */
	ASSERT_EQ(KERN_SUCCESS, task_suspend(child_task));
	EXPECT_TRUE(frozen(&sh->main_counter, 100));
	t0 = mt_now();
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_GT(5.0, mt_now() - t0);
	for (i = 0; i < n; i++)
		mach_port_deallocate(SELF, list[i]);
	vm_deallocate(SELF, (vm_address_t)list, n * sizeof(*list));
	munmap(sh, sizeof(*sh));
}

TEST_HARNESS_MAIN
