// SPDX-License-Identifier: GPL-2.0
/*
 * Darwin trap instructions (personality/trap_table.c, trap_shim.c): every
 * built trap issued with a raw "syscall" (x86_64, rax = 0x1000000 | N, the
 * 7th and 8th arguments on the stack as XNU's munger reads them) or
 * "svc #0x80" (arm64, x16 = -N) and compared with the ioctl path (libmach);
 * unknown and unbuilt traps and BSD numbers; a process that did not opt in
 * keeps Linux's behaviour; the opt-in survives fork and exec
 * (machina-exec); random trap numbers and registers; other users.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <machina/machina.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ipc_test.h"
#include "darwin_trap.h"

#include <mach/mach_time.h>
#include <mach/mach_vm.h>
#include <mach/mk_timer.h>
#include <mach/semaphore.h>

static long trap_n(long nr, long a0, long a1, long a2, long a3, long a4,
		   long a5, long a6, long a7)
{
	return darwin_trap(a0, a1, a2, a3, a4, a5, a6, a7, nr);
}
#define A8(...)			A8_(__VA_ARGS__, 0, 0, 0, 0, 0, 0, 0, 0)
#define A8_(a, b, c, d, e, f, g, h, ...) a, b, c, d, e, f, g, h
#define TR(n, ...)		trap_n(TRAP_NR(n), A8(__VA_ARGS__))

static volatile sig_atomic_t sigsys_seen;

static void on_sigsys(int sig)
{
	sigsys_seen++;
}

#define TRAPS_REQUIRE()							\
	do {								\
		const char *_why = mt_traps_unavailable();		\
		die_with_parent();					\
		if (_why)						\
			SKIP(longjmp(_metadata->env, 1), "%s", _why);	\
	} while (0)

/*
 * Child mode: the program run again (by exec, or through machina-exec)
 * with TRAP_TEST_CHILD set reports through its exit status whether the
 * task_self trap answers: 0 it does (the name libmach's ioctl gives),
 * 1 it is refused as on stock Linux (x86_64 -ENOSYS; arm64 the call of
 * x8, getpid), 2 anything else.
 */
__attribute__((constructor)) static void child_mode(void)
{
	const char *mode = getenv("TRAP_TEST_CHILD");
	long r;

	if (!mode)
		return;
	r = T0(MACHINA_TRAP_TASK_SELF);
	if (r == (long)mach_task_self())
		_exit(0);
#if defined(__x86_64__)
	_exit(r == -ENOSYS ? 1 : 2);
#else
	_exit(r == getpid() ? 1 : 2);
#endif
}

/* Run this program in child mode with @launcher (or none); its status. */
static int run_child(const char *launcher)
{
	char self[PATH_MAX], tool[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	pid_t pid;
	int st;

	if (n <= 0)
		return -1;
	self[n] = 0;
	pid = fork();
	if (pid == 0) {
		setenv("TRAP_TEST_CHILD", "1", 1);
		if (launcher) {
			char dir[PATH_MAX];

			strcpy(dir, self);
			snprintf(tool, sizeof(tool), "%s/%s", dirname(dir), launcher);
			execl(tool, tool, self, (char *)NULL);
		} else {
			execl(self, self, (char *)NULL);
		}
		_exit(3);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* What a trap the process may not use returns (stock Linux). */
static long refused(void)
{
#if defined(__x86_64__)
	return -ENOSYS;
#else
	return getpid();
#endif
}

FIXTURE(trap) {
	mach_port_t port;
};

FIXTURE_SETUP(trap)
{
	TRAPS_REQUIRE();
	ASSERT_EQ(0, mt_traps_enable());
	ASSERT_EQ(1, mt_traps_enable());	/* once is enough */
	self->port = new_port();
	ASSERT_NE(MACH_PORT_NULL, self->port);
	signal(SIGSYS, on_sigsys);
}

FIXTURE_TEARDOWN(trap)
{
}

TEST_F(trap, self_ports)
{
	mach_port_t reply;

	EXPECT_EQ((long)mach_task_self(), T0(MACHINA_TRAP_TASK_SELF));
	EXPECT_EQ((long)mach_thread_self(), T0(MACHINA_TRAP_THREAD_SELF));
	EXPECT_EQ((long)mach_host_self(), T0(MACHINA_TRAP_HOST_SELF));
	reply = T0(MACHINA_TRAP_MACH_REPLY_PORT);
	ASSERT_NE(MACH_PORT_NULL, reply);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(reply));
}

TEST_F(trap, port_calls_match_ioctl)
{
	mach_port_name_t name = 0, pset = 0, prev = 1;
	mach_port_type_t type = 0;
	mach_port_limits_t lim = { 0 };
	mach_msg_type_number_t count = MACH_PORT_LIMITS_INFO_COUNT;
	mach_port_options_t opts = { .flags = MPO_INSERT_SEND_RIGHT };

	ASSERT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_PORT_ALLOCATE, SELF,
				   MACH_PORT_RIGHT_RECEIVE, (long)&name));
	ASSERT_NE(MACH_PORT_NULL, name);
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_PORT_TYPE, SELF, name, (long)&type));
	EXPECT_EQ(type_of(name), type);
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_PORT_INSERT_RIGHT, SELF, name, name,
				   MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_EQ(1, urefs_of(name, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_PORT_MOD_REFS, SELF, name,
				   MACH_PORT_RIGHT_SEND, 2));
	EXPECT_EQ(3, urefs_of(name, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_PORT_DEALLOCATE, SELF, name));
	EXPECT_EQ(2, urefs_of(name, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_PORT_GET_ATTRIBUTES, SELF, name,
				   MACH_PORT_LIMITS_INFO, (long)&lim, (long)&count));
	EXPECT_EQ(MACH_PORT_LIMITS_INFO_COUNT, count);
	EXPECT_EQ(qlimit_of(name), lim.mpl_qlimit);

	/* port sets */
	ASSERT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_PORT_ALLOCATE, SELF,
				   MACH_PORT_RIGHT_PORT_SET, (long)&pset));
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_PORT_INSERT_MEMBER, SELF, name, pset));
	EXPECT_EQ(KERN_ALREADY_IN_SET, mach_port_insert_member(SELF, name, pset));
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_PORT_EXTRACT_MEMBER, SELF, name, pset));
	EXPECT_EQ(KERN_NOT_IN_SET, TR(MACHINA_TRAP_PORT_EXTRACT_MEMBER, SELF, name, pset));
	EXPECT_EQ(mach_port_extract_member(SELF, name, pset),
		  TR(MACHINA_TRAP_PORT_EXTRACT_MEMBER, SELF, name, pset));
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_PORT_MOVE_MEMBER, SELF, name, pset));
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_PORT_MOVE_MEMBER, SELF, name, 0));

	/* guard */
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_PORT_GUARD, SELF, name, 0x1234, 0));
	EXPECT_EQ(mach_port_unguard(SELF, name, 0x9999),
		  TR(MACHINA_TRAP_PORT_UNGUARD, SELF, name, 0x9999));
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_PORT_UNGUARD, SELF, name, 0x1234));

	/* notification: a dead-name request on a send right */
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_PORT_REQUEST_NOTIFICATION, SELF, name,
				   MACH_NOTIFY_NO_SENDERS, 0, self->port,
				   MACH_MSG_TYPE_MAKE_SEND_ONCE, (long)&prev));
	EXPECT_EQ(MACH_PORT_NULL, prev);

	/* construct / destruct */
	name = 0;
	ASSERT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_PORT_CONSTRUCT, SELF, (long)&opts, 0,
				   (long)&name));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(name));
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_PORT_DESTRUCT, SELF, name, -1, 0));
	EXPECT_NE(MACH_PORT_TYPE_SEND_RECEIVE, type_of(name));
}

TEST_F(trap, port_errors_match_ioctl)
{
	mach_port_name_t name = 0;
	mach_port_type_t type;

	/* a name that holds nothing */
	EXPECT_EQ(mach_port_type(SELF, 0x7777, &type),
		  TR(MACHINA_TRAP_PORT_TYPE, SELF, 0x7777, (long)&type));
	EXPECT_EQ(mach_port_deallocate(SELF, 0x7777),
		  TR(MACHINA_TRAP_PORT_DEALLOCATE, SELF, 0x7777));
	EXPECT_EQ(mach_port_mod_refs(SELF, self->port, MACH_PORT_RIGHT_RECEIVE, 5),
		  TR(MACHINA_TRAP_PORT_MOD_REFS, SELF, self->port,
		     MACH_PORT_RIGHT_RECEIVE, 5));
	EXPECT_EQ(mach_port_allocate(SELF, 77, &name),
		  TR(MACHINA_TRAP_PORT_ALLOCATE, SELF, 77, (long)&name));
	/* XNU: the _kernelrpc traps act on the caller's own task only */
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  TR(MACHINA_TRAP_PORT_ALLOCATE, mach_host_self(),
		     MACH_PORT_RIGHT_RECEIVE, (long)&name));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, TR(MACHINA_TRAP_PORT_DEALLOCATE, 0, self->port));
	/* an out pointer the kernel cannot write: copyout's EFAULT */
	EXPECT_EQ(TRAP_EFAULT, TR(MACHINA_TRAP_PORT_TYPE, SELF, self->port, 16));
	EXPECT_EQ(TRAP_EFAULT, TR(MACHINA_TRAP_PORT_CONSTRUCT, SELF, 16, 0, (long)&name));
}

/*
 * The _kernelrpc self check (a pointer compare with the task's control
 * port, trap_table.c self_target()): the task's own read, inspect and name
 * ports, a receive right (with a send right under the name), another
 * process's control port, and the same name once that process died (a
 * dead name) are not the caller's control port: MACH_SEND_INVALID_DEST,
 * as XNU's port_name_to_current_task.  The old image's self name after an
 * exec is checked in self_after_exec_mode().
 */
TEST_F(trap, self_check_is_the_live_control_port)
{
	static const int flavours[] = { TASK_READ_PORT, TASK_INSPECT_PORT, TASK_NAME_PORT };
	mach_port_t other = MACH_PORT_NULL, p, name = 0;
	unsigned int i;
	pid_t pid;
	int st;

	for (i = 0; i < ARRAY_SIZE(flavours); i++) {
		p = MACH_PORT_NULL;
		ASSERT_EQ(KERN_SUCCESS, task_get_special_port(SELF, flavours[i], &p));
		ASSERT_NE(MACH_PORT_NULL, p);
		EXPECT_EQ(MACH_SEND_INVALID_DEST,
			  TR(MACHINA_TRAP_PORT_ALLOCATE, p, MACH_PORT_RIGHT_RECEIVE,
			     (long)&name)) TH_LOG("flavour %d", flavours[i]);
	}
	p = new_port_send();
	ASSERT_NE(MACH_PORT_NULL, p);
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  TR(MACHINA_TRAP_PORT_ALLOCATE, p, MACH_PORT_RIGHT_RECEIVE, (long)&name));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, pid, &other));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  TR(MACHINA_TRAP_PORT_ALLOCATE, other, MACH_PORT_RIGHT_RECEIVE,
		     (long)&name));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  TR(MACHINA_TRAP_PORT_ALLOCATE, other, MACH_PORT_RIGHT_RECEIVE,
		     (long)&name));
	/* and the caller's own still passes */
	name = 0;
	EXPECT_EQ(KERN_SUCCESS,
		  TR(MACHINA_TRAP_PORT_ALLOCATE, SELF, MACH_PORT_RIGHT_RECEIVE, (long)&name));
	EXPECT_NE(0, name);
}

/*
 * Child mode TRAP_TEST_OLD_SELF=<name>: the exec'd image with the old
 * image's self name.  That name's port died at the exec (a dead name, or
 * gone): the self check refuses it; the new mach_task_self() passes.
 * Exit 0 if so, 1 if the old name passed, 2 if the new one failed.
 */
__attribute__((constructor)) static void self_after_exec_mode(void)
{
	const char *old = getenv("TRAP_TEST_OLD_SELF");
	mach_port_t name = 0, o;

	if (!old)
		return;
	o = (mach_port_t)strtoul(old, NULL, 0);
	if (o != mach_task_self() &&
	    TR(MACHINA_TRAP_PORT_ALLOCATE, o, MACH_PORT_RIGHT_RECEIVE,
	       (long)&name) != MACH_SEND_INVALID_DEST)
		_exit(1);
	if (TR(MACHINA_TRAP_PORT_ALLOCATE, mach_task_self(), MACH_PORT_RIGHT_RECEIVE,
	       (long)&name) != KERN_SUCCESS)
		_exit(2);
	_exit(0);
}

TEST_F(trap, self_check_after_exec)
{
	char self_exe[PATH_MAX], num[32];
	ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	pid_t pid;
	int st;

	ASSERT_LT(0, n);
	self_exe[n] = 0;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* this image's task port name, used after the exec */
		snprintf(num, sizeof(num), "%u", (unsigned int)mach_task_self());
		setenv("TRAP_TEST_OLD_SELF", num, 1);
		execl(self_exe, self_exe, (char *)NULL);
		_exit(3);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st)) TH_LOG("1: old self name passed; 2: new failed");
}

TEST_F(trap, mach_msg_traps)
{
	rcv_buf_t buf;
	simple_msg_t m;
	mach_port_t port = self->port;

	/* mach_msg_trap: send to our own port, receive it */
	memset(&m, 0, sizeof(m));
	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
	m.header.msgh_size = sizeof(m);
	m.header.msgh_remote_port = port;
	m.header.msgh_id = 4242;
	EXPECT_EQ(MACH_MSG_SUCCESS, TR(MACHINA_TRAP_MACH_MSG, (long)&m, MACH_SEND_MSG,
				       sizeof(m), 0, 0, 0, 0));
	memset(&buf, 0, sizeof(buf));
	EXPECT_EQ(MACH_MSG_SUCCESS, TR(MACHINA_TRAP_MACH_MSG, (long)&buf,
				       MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
				       sizeof(buf), port, 1000, 0));
	EXPECT_EQ(4242, buf.header.msgh_id);
	/* empty queue: the ioctl path's answer */
	EXPECT_EQ(recv_timeout(port, &buf, 0),
		  TR(MACHINA_TRAP_MACH_MSG, (long)&buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT,
		     0, sizeof(buf), port, 0, 0));
	/* a destination that is no right: as the ioctl path */
	m.header.msgh_remote_port = 0x5555;
	EXPECT_EQ(mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0, 0, 0, 0),
		  TR(MACHINA_TRAP_MACH_MSG, (long)&m, MACH_SEND_MSG, sizeof(m), 0, 0, 0, 0));

	/* mach_msg_overwrite_trap: the 8th argument (on the stack on x86_64) */
	m.header.msgh_remote_port = port;
	m.header.msgh_id = 4343;
	memset(&buf, 0, sizeof(buf));
	EXPECT_EQ(MACH_MSG_SUCCESS, TR(MACHINA_TRAP_MACH_MSG_OVERWRITE, (long)&m,
				       MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT,
				       sizeof(m), sizeof(buf), port, 1000, 0, (long)&buf));
	EXPECT_EQ(4343, buf.header.msgh_id);

	/* mach_msg2_trap: the header travels in registers, the memory's is stale */
	memset(&m, 0, sizeof(m));
	m.payload[0] = 77;
	memset(&buf, 0, sizeof(buf));
	EXPECT_EQ(MACH_MSG_SUCCESS,
		  TR(MACHINA_TRAP_MACH_MSG2, (long)&m,
		     MACH_SEND_MSG | 0x400000000L /* MACH64_SEND_MQ_CALL */,
		     (long)sizeof(m) << 32 | MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0),
		     (long)port, (long)4444 << 32, 0, 0, 0));
	EXPECT_EQ(MACH_MSG_SUCCESS,
		  TR(MACHINA_TRAP_MACH_MSG2, (long)&buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT,
		     0, 0, 0, (long)port << 32, sizeof(buf), 1000));
	EXPECT_EQ(4444, buf.header.msgh_id);
	EXPECT_EQ(77, ((simple_msg_t *)&buf)->payload[0]);
	/* a simple message with descriptors; 40 vectors (msg_vector_test) */
	EXPECT_EQ(MACH_SEND_TOO_LARGE,
		  TR(MACHINA_TRAP_MACH_MSG2, (long)&m, MACH_SEND_MSG,
		     (long)sizeof(m) << 32 | MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0),
		     (long)port, 0, 1, 0, 0));
	EXPECT_EQ(MACH_SEND_INVALID_DATA,
		  TR(MACHINA_TRAP_MACH_MSG2, (long)&m, MACH_SEND_MSG | 0x100000000L,
		     (long)sizeof(m) << 32, (long)port, 0, 0, 0, 0));

	/*
	 * MACH_SEND_OVERRIDE's priority: mach_msg_trap's argument 6, the high
	 * half of mach_msg2's register 6; without the option it is ignored
	 * (qos_ipc_test checks what it does).
	 */
	memset(&m, 0, sizeof(m));
	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
	m.header.msgh_size = sizeof(m);
	m.header.msgh_remote_port = port;
	EXPECT_EQ(MACH_MSG_SUCCESS, TR(MACHINA_TRAP_MACH_MSG, (long)&m,
				       MACH_SEND_MSG | MACH_SEND_OVERRIDE, sizeof(m),
				       0, 0, 0, 0x00060000));
	EXPECT_EQ(MACH_MSG_SUCCESS, TR(MACHINA_TRAP_MACH_MSG, (long)&m, MACH_SEND_MSG,
				       sizeof(m), 0, 0, 0, 0x1234));
	EXPECT_EQ(MACH_MSG_SUCCESS,
		  TR(MACHINA_TRAP_MACH_MSG2, (long)&m, MACH_SEND_MSG | MACH_SEND_OVERRIDE,
		     (long)sizeof(m) << 32 | MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0),
		     (long)port, 0, 0, (long)0x00060000 << 32, 0));
	EXPECT_EQ(3, msgcount_of(port));
	EXPECT_EQ(3, drain(port));
}

TEST_F(trap, semaphores_timers_time)
{
	semaphore_t sem;
	mach_port_name_t timer;
	uint64_t when = 1;

	ASSERT_EQ(KERN_SUCCESS, semaphore_create(SELF, &sem, SYNC_POLICY_FIFO, 0));
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_SEMAPHORE_SIGNAL, sem));
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_SEMAPHORE_WAIT, sem));
	EXPECT_EQ(semaphore_timedwait(sem, (mach_timespec_t){ 0, 1000 }),
		  TR(MACHINA_TRAP_SEMAPHORE_TIMEDWAIT, sem, 0, 1000));
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT, TR(MACHINA_TRAP_SEMAPHORE_TIMEDWAIT, sem, 0, 1000));
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_SEMAPHORE_SIGNAL_ALL, sem));
	EXPECT_EQ(semaphore_signal_thread(sem, MACH_PORT_NULL),
		  TR(MACHINA_TRAP_SEMAPHORE_SIGNAL_THREAD, sem, 0));
	EXPECT_EQ(KERN_SUCCESS, semaphore_signal(sem));
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_SEMAPHORE_WAIT_SIGNAL, sem, sem));
	/* signals then waits on the same semaphore: takes its own signal */
	EXPECT_EQ(semaphore_timedwait_signal(sem, sem, (mach_timespec_t){ 0, 1000 }),
		  TR(MACHINA_TRAP_SEMAPHORE_TIMEDWAIT_SIGNAL, sem, sem, 0, 1000));
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_SEMAPHORE_TIMEDWAIT_SIGNAL, sem, sem, 0, 1000));
	EXPECT_EQ(semaphore_signal(0x7777), TR(MACHINA_TRAP_SEMAPHORE_SIGNAL, 0x7777));

	timer = T0(MACHINA_TRAP_MK_TIMER_CREATE);
	ASSERT_NE(MACH_PORT_NULL, timer);
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_MK_TIMER_ARM, timer,
				   mach_absolute_time() + 60000000000ULL));
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_MK_TIMER_CANCEL, timer, (long)&when));
	EXPECT_LT(mach_absolute_time(), when);
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_MK_TIMER_CANCEL, timer, 0));
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_MK_TIMER_DESTROY, timer));
	EXPECT_EQ(mk_timer_destroy(timer), TR(MACHINA_TRAP_MK_TIMER_DESTROY, timer));

	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_MACH_WAIT_UNTIL, mach_absolute_time() + 1000));
}

TEST_F(trap, vm_and_task_traps)
{
	mach_vm_address_t addr = 0;
	size_t ps = page_size();
	mach_port_name_t t = 0;
	int pid = 0;

	ASSERT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_VM_ALLOCATE, SELF, (long)&addr,
				   2 * ps, VM_FLAGS_ANYWHERE));
	ASSERT_NE(0, addr);
	memset((void *)addr, 0x5a, 2 * ps);
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_VM_PROTECT, SELF, addr, ps, 0, VM_PROT_READ));
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_VM_DEALLOCATE, SELF, addr, 2 * ps));
	EXPECT_FALSE(is_mapped((void *)addr, ps));
	EXPECT_EQ(mach_vm_deallocate(SELF, 1, ps),
		  TR(MACHINA_TRAP_VM_DEALLOCATE, SELF, 1, ps));

	/* vm_purgable_control (trap 11): the state word in and out by pointer. */
	{
		int st = VM_PURGABLE_VOLATILE;

		addr = 0;
		ASSERT_EQ(KERN_SUCCESS,
			  TR(MACHINA_TRAP_VM_ALLOCATE, SELF, (long)&addr, ps,
			     VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE));
		EXPECT_EQ(KERN_SUCCESS,
			  TR(MACHINA_TRAP_VM_PURGABLE_CONTROL, SELF, addr,
			     VM_PURGABLE_SET_STATE, (long)&st));
		EXPECT_EQ(VM_PURGABLE_NONVOLATILE, st);
		st = -1;
		EXPECT_EQ(KERN_SUCCESS,
			  TR(MACHINA_TRAP_VM_PURGABLE_CONTROL, SELF, addr,
			     VM_PURGABLE_GET_STATE, (long)&st));
		EXPECT_EQ(VM_PURGABLE_VOLATILE, st);
		/* An error leaves the word alone. */
		st = 1 << 2;
		EXPECT_EQ(KERN_INVALID_ARGUMENT,
			  TR(MACHINA_TRAP_VM_PURGABLE_CONTROL, SELF, addr,
			     VM_PURGABLE_SET_STATE, (long)&st));
		EXPECT_EQ(1 << 2, st);
		EXPECT_EQ(14, TR(MACHINA_TRAP_VM_PURGABLE_CONTROL, SELF, addr,
				 VM_PURGABLE_GET_STATE, 8L));
		EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_VM_DEALLOCATE, SELF, addr, ps));
	}

	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_TASK_FOR_PID, SELF, getpid(), (long)&t));
	EXPECT_NE(MACH_PORT_NULL, t);
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_PID_FOR_TASK, t, (long)&pid));
	EXPECT_EQ(getpid(), pid);
	t = 0;
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_TASK_NAME_FOR_PID, SELF, getpid(), (long)&t));
	EXPECT_NE(MACH_PORT_NULL, t);
	EXPECT_EQ(task_for_pid(SELF, 999999, &t),
		  TR(MACHINA_TRAP_TASK_FOR_PID, SELF, 999999, (long)&t));
}

/* mach_vm_map_trap: anonymous memory, max VM_PROT_ALL, inherit copy; as the ioctl. */
TEST_F(trap, vm_map_trap)
{
	mach_vm_address_t addr = 0, addr2 = 0;
	size_t ps = page_size();
	mach_vm_size_t size = 2 * ps;
	vm_region_basic_info_data_64_t info;
	mach_msg_type_number_t count = VM_REGION_BASIC_INFO_COUNT_64;
	mach_vm_address_t raddr;
	mach_port_t obj;

	ASSERT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_VM_MAP, SELF, (long)&addr, size,
				   16 * ps - 1, VM_FLAGS_ANYWHERE, VM_PROT_READ | VM_PROT_WRITE));
	ASSERT_NE(0, addr);
	EXPECT_EQ(0, addr & (16 * ps - 1));
	memset((void *)addr, 0x5a, size);
	raddr = addr;
	ASSERT_EQ(KERN_SUCCESS, mach_vm_region(SELF, &raddr, &size, VM_REGION_BASIC_INFO_64,
					       (vm_region_info_t)&info, &count, &obj));
	EXPECT_EQ(addr, raddr);
	EXPECT_EQ(VM_PROT_READ | VM_PROT_WRITE, info.protection);
	EXPECT_EQ(VM_PROT_ALL, info.max_protection);
	EXPECT_EQ(VM_INHERIT_COPY, info.inheritance);
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_VM_DEALLOCATE, SELF, addr, 2 * ps));

	/* errors as the ioctl's: flags Machina refuses, a zero size, another task */
	EXPECT_EQ(mach_vm_map(SELF, &addr2, ps, 0, VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE,
			      MACH_PORT_NULL, 0, 0, VM_PROT_DEFAULT, VM_PROT_ALL,
			      VM_INHERIT_DEFAULT),
		  TR(MACHINA_TRAP_VM_MAP, SELF, (long)&addr2, ps, 0,
		     VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE, VM_PROT_DEFAULT));
	EXPECT_EQ(mach_vm_map(SELF, &addr2, 0, 0, VM_FLAGS_ANYWHERE, MACH_PORT_NULL, 0, 0,
			      VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_DEFAULT),
		  TR(MACHINA_TRAP_VM_MAP, SELF, (long)&addr2, 0, 0, VM_FLAGS_ANYWHERE,
		     VM_PROT_DEFAULT));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  TR(MACHINA_TRAP_VM_MAP, mach_host_self(), (long)&addr2, ps, 0,
		     VM_FLAGS_ANYWHERE, VM_PROT_DEFAULT));
	EXPECT_EQ(TRAP_EFAULT, TR(MACHINA_TRAP_VM_MAP, SELF, 16, ps, 0,
				  VM_FLAGS_ANYWHERE, VM_PROT_DEFAULT));
}

/* mach_timebase_info_trap, swtch, swtch_pri, thread_switch (trap-only calls). */
TEST_F(trap, timebase_and_switch_traps)
{
	mach_timebase_info_data_t tb = { 0 }, lib;
	struct timespec t0, t1;
	long ms, r;

	sigsys_seen = 0;
	ASSERT_EQ(KERN_SUCCESS, mach_timebase_info(&lib));
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_MACH_TIMEBASE_INFO, (long)&tb));
	EXPECT_EQ(lib.numer, tb.numer);
	EXPECT_EQ(lib.denom, tb.denom);
	/* XNU does not check the copyout */
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_MACH_TIMEBASE_INFO, 16));

	r = T0(MACHINA_TRAP_SWTCH);
	EXPECT_TRUE(r == 0 || r == 1) TH_LOG("swtch %ld", r);
	r = T0(MACHINA_TRAP_SWTCH_PRI);
	EXPECT_TRUE(r == 0 || r == 1) TH_LOG("swtch_pri %ld", r);

	EXPECT_EQ(KERN_INVALID_ARGUMENT, TR(MACHINA_TRAP_THREAD_SWITCH, 0, 6, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, TR(MACHINA_TRAP_THREAD_SWITCH, 0, -1, 0));
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_THREAD_SWITCH, 0, 0, 0));
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_THREAD_SWITCH, mach_thread_self(), 1, 10));
	/* SWITCH_OPTION_WAIT sleeps option_time milliseconds */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(KERN_SUCCESS, TR(MACHINA_TRAP_THREAD_SWITCH, 0, 2, 50));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	EXPECT_LE(49, ms);
	EXPECT_EQ(0, sigsys_seen);
}

/* swtch: with another runnable thread on this CPU it yields and says so. */
TEST_F(trap, swtch_sees_a_runnable_neighbour)
{
	cpu_set_t one;
	pid_t spin;
	int st, i, busy = 0;

	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	spin = fork();
	ASSERT_LE(0, spin);
	if (spin == 0) {
		die_with_parent();
		for (;;)
			;
	}
	for (i = 0; i < 20; i++)
		busy += T0(MACHINA_TRAP_SWTCH) == 1;
	kill(spin, SIGKILL);
	waitpid(spin, &st, 0);
	EXPECT_LT(0, busy);
}

/* Unknown and BSD numbers: SIGSYS, as XNU's kern_invalid and nosys. */
TEST_F(trap, unknown_numbers_raise_sigsys)
{
	/* (arm64: x16 = 0 is BSD call 0, not a Mach trap) */
	static const long mach[] = { 1, 9, 17, 30, 43, 127, 128, 4096, 0xffffff };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mach); i++) {
		sigsys_seen = 0;
		EXPECT_EQ(KERN_INVALID_ARGUMENT, T0(mach[i])) TH_LOG("trap %ld", mach[i]);
		EXPECT_EQ(1, sigsys_seen) TH_LOG("trap %ld", mach[i]);
	}
	sigsys_seen = 0;
	EXPECT_EQ(78, darwin_trap(0, 0, 0, 0, 0, 0, 0, 0, UNIX_NR(20)));	/* ENOSYS */
	EXPECT_EQ(1, sigsys_seen);
	/* and the process's Linux system calls are Linux's */
	EXPECT_EQ(getpid(), syscall(SYS_getpid));
}

/* Random trap numbers and registers never hurt (the child must live). */
TEST_F(trap, fuzz_numbers_and_registers)
{
	int rounds = mt_rounds(20000, 500), i, st;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		signal(SIGSYS, SIG_IGN);
		srandom(getpid());
		for (i = 0; i < rounds; i++) {
			long nr = random() % 140, a[8];
			int k;

			/* Traps that may block or unmap the fuzzer itself. */
			switch (nr) {
			case 10: case 12: case 14: case 31: case 32: case 36: case 37:
			case 38: case 39: case 47: case 90: case 25: case 19:
			case 15: case 61:
				continue;
			}
			for (k = 0; k < 8; k++)
				a[k] = random() & 1 ? (long)random() << 32 | random() : random() % 64;
			darwin_trap(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], TRAP_NR(nr));
		}
		_exit(T0(MACHINA_TRAP_TASK_SELF) == (long)mach_task_self() ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

TEST_F(trap, inherited_by_fork_and_exec)
{
	int st;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0)	/* a child that has no task yet: its record carries the opt-in */
		_exit(T0(MACHINA_TRAP_TASK_SELF) == (long)mach_task_self() ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* exec of this process's child, which inherited the opt-in */
	EXPECT_EQ(0, run_child(NULL));
}

/*
 * The Mach calls of libmach_calls(): a receive right, a send right, a
 * message to it and back, a special reply port.  0 if all worked, else
 * the step that failed.
 */
static int libmach_calls(void)
{
	mach_port_t p = MACH_PORT_NULL;
	rcv_buf_t buf;

	if (mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &p) != KERN_SUCCESS)
		return 1;
	if (mach_port_insert_right(SELF, p, p, MACH_MSG_TYPE_MAKE_SEND) != KERN_SUCCESS)
		return 2;
	if (send_simple(p, 4545) != MACH_MSG_SUCCESS)
		return 3;
	memset(&buf, 0, sizeof(buf));
	if (recv_timeout(p, &buf, 1000) != MACH_MSG_SUCCESS || buf.header.msgh_id != 4545)
		return 4;
	if (mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_RECEIVE, -1) != KERN_SUCCESS)
		return 5;
	p = thread_get_special_reply_port();
	if (p == MACH_PORT_NULL || type_of(p) != MACH_PORT_TYPE_SEND_RECEIVE)
		return 6;
	return 0;
}

#if defined(__x86_64__)
/* No ioctl from here on (EPERM); Darwin numbers pass (x86_64: seccomp sees them). */
static int refuse_ioctls(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(f), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}
#endif

/*
 * libmach's trap path (machina_use_traps(1), MACHINA_TRAPS=1): its calls
 * work, and on x86_64 they work with every ioctl refused by a seccomp
 * filter, which without the trap path stops them (the control).
 */
TEST(libmach_trap_path)
{
	int st, mode;
	/* EINVAL: a kernel without CONFIG_SECCOMP (the bench's debug kernels). */
	bool seccomp = !(prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL);

	TRAPS_REQUIRE();
	if (!seccomp)
		TH_LOG("no seccomp in this kernel: the calls run with ioctls allowed");
	/* mode 0: ioctls; 1: machina_use_traps(1); 2: MACHINA_TRAPS=1 */
	for (mode = 0; mode < 3; mode++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (pid == 0) {
			if (mode == 1 && machina_use_traps(1) != KERN_SUCCESS)
				_exit(10);
			if (mode == 2)
				setenv("MACHINA_TRAPS", "1", 1);
			/* a first call: device opened, the path chosen */
			(void)mach_task_self();
			(void)mach_port_deallocate(SELF, MACH_PORT_NULL);
#if defined(__x86_64__)
			if (seccomp && refuse_ioctls())
				_exit(11);
#endif
			_exit(libmach_calls());
		}
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		ASSERT_TRUE(WIFEXITED(st));
#if defined(__x86_64__)
		if (!mode && seccomp) {
			EXPECT_EQ(1, WEXITSTATUS(st)) TH_LOG("ioctls refused, no traps");
			continue;
		}
#endif
		EXPECT_EQ(0, WEXITSTATUS(st)) TH_LOG("mode %d", mode);
	}
}

/* Nobody opted in: Linux's behaviour, with the hooks off and on. */
TEST(not_opted_in_is_stock_linux)
{
	int sync_pipe[2], st;
	char c;
	pid_t holder;

	die_with_parent();
	EXPECT_EQ(refused(), T0(MACHINA_TRAP_TASK_SELF));
	EXPECT_EQ(refused(), darwin_trap(0, 0, 0, 0, 0, 0, 0, 0, TRAP_NR(0x7fff)));
	if (mt_traps_unavailable())
		return;
	/* Another process opted in: the hooks are on, this one still refused. */
	ASSERT_EQ(0, pipe(sync_pipe));
	holder = fork();
	ASSERT_LE(0, holder);
	if (holder == 0) {
		die_with_parent();
		if (mt_traps_enable() != 0)
			_exit(1);
		write(sync_pipe[1], "x", 1);
		pause();
		_exit(0);
	}
	close(sync_pipe[1]);
	ASSERT_EQ(1, read(sync_pipe[0], &c, 1));
	EXPECT_EQ(refused(), T0(MACHINA_TRAP_TASK_SELF));
	EXPECT_EQ(refused(), T0(MACHINA_TRAP_MACH_REPLY_PORT));
#if defined(__x86_64__)
	EXPECT_EQ(-ENOSYS, darwin_trap(0, 0, 0, 0, 0, 0, 0, 0, UNIX_NR(20)));
#else
	/* svc #0x80 with a real Linux number in x8 runs it, as on stock Linux */
	EXPECT_EQ(getppid(), svc80_linux(__NR_getppid));
#endif
	EXPECT_EQ(1, run_child(NULL));		/* a fresh image: refused too */
	EXPECT_EQ(0, run_child("machina-exec"));	/* the launcher opts in */
	kill(holder, SIGKILL);
	waitpid(holder, &st, 0);
}

/*
 * Another user: an unprivileged process opts in and uses the traps; the
 * opt-in changes nothing for a process of another user (nor for this one).
 */
TEST(unprivileged_users)
{
	int p1[2], st;
	char c;
	pid_t a, b;

	TRAPS_REQUIRE();
	if (getuid() != 0)
		SKIP(return, "needs root to become other users");
	ASSERT_EQ(0, pipe(p1));
	a = fork();
	ASSERT_LE(0, a);
	if (a == 0) {
		die_with_parent();
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(10);
		if (mt_traps_enable() != 0)
			_exit(11);
		if (T0(MACHINA_TRAP_TASK_SELF) != (long)mach_task_self())
			_exit(12);
		write(p1[1], "x", 1);
		pause();
		_exit(0);
	}
	close(p1[1]);
	ASSERT_EQ(1, read(p1[0], &c, 1));
	b = fork();
	ASSERT_LE(0, b);
	if (b == 0) {
		if (setgroups(0, NULL) || setresgid(65533, 65533, 65533) ||
		    setresuid(65533, 65533, 65533))
			_exit(10);
		_exit(T0(MACHINA_TRAP_TASK_SELF) == refused() ? 0 : 1);
	}
	ASSERT_EQ(b, waitpid(b, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	EXPECT_EQ(refused(), T0(MACHINA_TRAP_TASK_SELF));
	kill(a, SIGKILL);
	ASSERT_EQ(a, waitpid(a, &st, 0));
}

TEST_HARNESS_MAIN
