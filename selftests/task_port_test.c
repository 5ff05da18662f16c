// SPDX-License-Identifier: GPL-2.0
/*
 * Task ports: task_for_pid / task_name_for_pid / pid_for_task, task_info,
 * special ports and exception ports, and what fork, exec and exit do to
 * them.  Written against Darwin's API (libmach), as a Darwin program would
 * use it.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

static char *self_exe;

#if defined(__aarch64__)
#define GOOD_STATE_FLAVOR 6	/* ARM_THREAD_STATE64 */
#else
#define GOOD_STATE_FLAVOR 4	/* x86_THREAD_STATE64 */
#endif

/*
 * A child made with the raw clone system call: no atfork handler runs, so
 * libmach in it never touches /dev/mach.  It waits for the pipe to close.
 */
static pid_t quiet_child(int *release_fd)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		return -1;
	pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) {
		close(p[1]);
		while (read(p[0], &c, 1) < 0)
			;
		syscall(SYS_exit_group, 0);
	}
	close(p[0]);
	*release_fd = p[1];
	return pid;
}

static int finish_child(pid_t pid, int release_fd)
{
	close(release_fd);
	return mt_wait_exit(pid);
}

static kern_return_t dead_name_request(mach_port_t name, mach_port_t notify)
{
	mach_port_t prev = MACH_PORT_NULL;

	return mach_port_request_notification(SELF, name, MACH_NOTIFY_DEAD_NAME, 0,
					      notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
					      &prev);
}

static mach_msg_type_number_t info_count(mach_port_t task, task_flavor_t flavor,
					 integer_t *out, kern_return_t *kr)
{
	mach_msg_type_number_t count = TASK_INFO_MAX;
	static integer_t big[TASK_INFO_MAX];

	*kr = task_info(task, flavor, big, &count);
	memcpy(out, big, 64 * sizeof(integer_t));
	return count;
}

FIXTURE(task) {
	int unused;
};

FIXTURE_SETUP(task)
{
	IPC_REQUIRE();
}

FIXTURE_TEARDOWN(task)
{
}

TEST_F(task, task_for_pid_on_self_names_the_task_port)
{
	mach_port_t t = MACH_PORT_NULL, n = MACH_PORT_NULL;
	int pid = 0;

	ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, getpid(), &t));
	/* Send rights coalesce: the same name as mach_task_self(). */
	EXPECT_EQ(SELF, t);
	EXPECT_EQ(2, urefs_of(SELF, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(KERN_SUCCESS, pid_for_task(t, &pid));
	EXPECT_EQ(getpid(), pid);
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, t));

	ASSERT_EQ(KERN_SUCCESS, task_name_for_pid(SELF, getpid(), &n));
	EXPECT_NE(SELF, n);
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type_of(n));
	pid = 0;
	EXPECT_EQ(KERN_SUCCESS, pid_for_task(n, &pid));
	EXPECT_EQ(getpid(), pid);
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, n));
}

TEST_F(task, task_for_pid_refuses_bad_pids_and_bad_callers)
{
	mach_port_t t = 0x1234, rcv = new_port();
	int pid = 0;

	ASSERT_NE(MACH_PORT_NULL, rcv);
	EXPECT_EQ(KERN_FAILURE, task_for_pid(SELF, 0, &t));
	EXPECT_EQ(MACH_PORT_NULL, t);
	EXPECT_EQ(KERN_FAILURE, task_for_pid(SELF, -1, &t));
	EXPECT_EQ(KERN_FAILURE, task_for_pid(SELF, 0x3ffffff0, &t));
	EXPECT_EQ(KERN_FAILURE, task_name_for_pid(SELF, 0x3ffffff0, &t));
	/* kthreadd is a kernel thread: never a task, not even for root. */
	EXPECT_EQ(KERN_FAILURE, task_for_pid(SELF, 2, &t));
	/* The first argument must be a task port. */
	EXPECT_EQ(KERN_FAILURE, task_for_pid(rcv, getpid(), &t));
	EXPECT_EQ(KERN_FAILURE, task_for_pid(MACH_PORT_NULL, getpid(), &t));
	EXPECT_EQ(KERN_FAILURE, task_for_pid(0xdead03, getpid(), &t));
	EXPECT_EQ(MACH_PORT_NULL, t);
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_for_pid(SELF, getpid(), NULL));

	EXPECT_EQ(KERN_FAILURE, pid_for_task(MACH_PORT_NULL, &pid));
	EXPECT_EQ(-1, pid);
	pid = 0;
	EXPECT_EQ(KERN_FAILURE, pid_for_task(rcv, &pid));
	EXPECT_EQ(-1, pid);
	EXPECT_EQ(KERN_FAILURE, pid_for_task(0xdead03, &pid));
	mach_port_mod_refs(SELF, rcv, MACH_PORT_RIGHT_RECEIVE, -1);
}

TEST_F(task, task_for_pid_on_a_child_that_never_used_mach)
{
	mach_port_t t = MACH_PORT_NULL, n = MACH_PORT_NULL, notify = new_port();
	long base = mt_stable_counter("live_tasks");
	integer_t info[64];
	kern_return_t kr;
	int release, pid = 0;
	pid_t child = quiet_child(&release);

	ASSERT_LT(0, child);
	ASSERT_NE(MACH_PORT_NULL, notify);
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, child, &t));
	ASSERT_TRUE(MACH_PORT_VALID(t));
	EXPECT_NE(SELF, t);
	/* Its task was made on demand. */
	EXPECT_EQ(base + 1, mt_counter("live_tasks"));
	EXPECT_EQ(KERN_SUCCESS, pid_for_task(t, &pid));
	EXPECT_EQ(child, pid);
	EXPECT_EQ(MACH_TASK_BASIC_INFO_COUNT,
		  info_count(t, MACH_TASK_BASIC_INFO, info, &kr));
	EXPECT_EQ(KERN_SUCCESS, kr);
	EXPECT_LT(0, ((mach_task_basic_info_t)info)->resident_size);
	ASSERT_EQ(KERN_SUCCESS, task_name_for_pid(SELF, child, &n));
	EXPECT_NE(t, n);
	ASSERT_EQ(KERN_SUCCESS, dead_name_request(t, notify));
	ASSERT_EQ(KERN_SUCCESS, dead_name_request(n, notify));

	/* Exit kills both ports: two dead-name notifications. */
	EXPECT_EQ(0, finish_child(child, release));
	EXPECT_EQ(MACH_NOTIFY_DEAD_NAME, next_id(notify, 5000));
	EXPECT_EQ(MACH_NOTIFY_DEAD_NAME, next_id(notify, 5000));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(t) & ~MACH_PORT_TYPE_DNREQUEST);
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(n) & ~MACH_PORT_TYPE_DNREQUEST);
	EXPECT_EQ(KERN_FAILURE, pid_for_task(t, &pid));
	EXPECT_EQ(-1, pid);
	EXPECT_EQ(KERN_FAILURE, pid_for_task(n, &pid));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, task_info(t, MACH_TASK_BASIC_INFO, info,
						     &(mach_msg_type_number_t){ 12 }));
	EXPECT_EQ(base, mt_wait_counter("live_tasks", base));
	mach_port_mod_refs(SELF, t, MACH_PORT_RIGHT_DEAD_NAME, -2);
	mach_port_mod_refs(SELF, n, MACH_PORT_RIGHT_DEAD_NAME, -2);
	mach_port_mod_refs(SELF, notify, MACH_PORT_RIGHT_RECEIVE, -1);
}

/* Child side of the permission test: runs as nobody. */
/*
 * As user nobody, with Yama's ptrace scope @scope (1 is the kernel's
 * default): which task_for_pid requests succeed.
 */
static int unprivileged_checks(pid_t root_parent, int scope)
{
	mach_port_t t = MACH_PORT_NULL;
	int sib_release, kid_release, rc = 0;
	pid_t kid, sib;

	if (setgid(65534) || setuid(65534))
		return 20;
	/* Dropping privileges made the process undumpable; undo that. */
	prctl(PR_SET_DUMPABLE, 1);
	if (task_for_pid(SELF, 1, &t) != KERN_FAILURE || t)
		return 21;
	if (task_for_pid(SELF, root_parent, &t) != KERN_FAILURE)
		return 22;
	if (task_name_for_pid(SELF, root_parent, &t) != KERN_FAILURE)
		return 23;
	kid = quiet_child(&kid_release);
	if (kid < 0)
		return 24;
	/* Its own child, same credentials: allowed below scope 2. */
	if (scope < 2) {
		if (task_for_pid(SELF, kid, &t) != KERN_SUCCESS || !MACH_PORT_VALID(t))
			rc = 25;
		mach_port_deallocate(SELF, t);
	} else if (task_for_pid(SELF, kid, &t) != KERN_FAILURE) {
		rc = 27;
	}
	/*
	 * A sibling of the same uid is no descendant: control given only at
	 * scope 0; the name port always.
	 */
	sib = fork();
	if (sib == 0) {
		mach_port_t s = MACH_PORT_NULL;

		if (task_for_pid(SELF, kid, &s) != (scope == 0 ? KERN_SUCCESS : KERN_FAILURE))
			_exit(1);
		if (task_name_for_pid(SELF, kid, &s) != KERN_SUCCESS)
			_exit(2);
		_exit(0);
	}
	sib_release = mt_wait_exit(sib);
	if (!rc && sib_release)
		rc = 30 + sib_release;
	if (finish_child(kid, kid_release) && !rc)
		rc = 26;
	return rc;
}

/* Yama's ptrace scope, or 0 (classic ptrace rules) without Yama. */
static int yama_scope(void)
{
	int scope = mt_yama_scope();

	return scope < 0 ? 0 : scope;
}

TEST_F(task, task_for_pid_follows_ptrace_rules)
{
	mach_port_t t = MACH_PORT_NULL;
	int pid = 0, p[2], status;
	pid_t child, nobody;
	char c;

	if (getuid() != 0)
		SKIP(return, "needs root to switch users");
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0)
		_exit(unprivileged_checks(getppid(), yama_scope()));
	EXPECT_EQ(0, mt_wait_exit(child));

	/* Root (CAP_SYS_PTRACE) may take the task of another user's process. */
	ASSERT_EQ(0, pipe(p));
	nobody = fork();
	ASSERT_LE(0, nobody);
	if (nobody == 0) {
		close(p[0]);
		if (setgid(65534) || setuid(65534))
			_exit(1);
		if (write(p[1], "u", 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	close(p[1]);
	ASSERT_EQ(1, read(p[0], &c, 1));
	close(p[0]);
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, nobody, &t));
	EXPECT_EQ(KERN_SUCCESS, pid_for_task(t, &pid));
	EXPECT_EQ(nobody, pid);
	kill(nobody, SIGKILL);
	waitpid(nobody, &status, 0);
	mach_port_deallocate(SELF, t);
}

/* task_for_pid follows the Yama scope in force, as ptrace does. */
TEST_F(task, task_for_pid_follows_the_yama_scope)
{
	int scope = yama_scope(), s;
	pid_t child;

	if (getuid() != 0)
		SKIP(return, "needs root to switch users and set the scope");
	if (access(MT_YAMA_SCOPE, W_OK) || scope == 3)
		SKIP(return, "no writable Yama ptrace_scope");
	for (s = 0; s <= 2; s++) {
		ASSERT_EQ(0, mt_set_yama_scope(s));
		child = fork();
		ASSERT_LE(0, child);
		if (child == 0)
			_exit(unprivileged_checks(getppid(), s));
		EXPECT_EQ(0, mt_wait_exit(child)) {
			TH_LOG("scope %d", s);
		}
	}
	ASSERT_EQ(0, mt_set_yama_scope(scope));
}

/* Child: send our control and name ports to the parent's port. */
static int send_task_ports(int fd)
{
	mach_port_t to = port_meet_child(fd), n = MACH_PORT_NULL;

	if (!to || task_name_for_pid(SELF, getpid(), &n))
		return 2;
	if (send_port(to, MACH_MSG_TYPE_COPY_SEND, 1, SELF, MACH_MSG_TYPE_COPY_SEND))
		return 3;
	if (send_port(to, MACH_MSG_TYPE_COPY_SEND, 2, n, MACH_MSG_TYPE_MOVE_SEND))
		return 4;
	pause();
	return 0;
}

TEST_F(task, ports_received_in_a_message_work_in_the_receiver)
{
	mach_port_t port = new_port(), got[2];
	integer_t info[64];
	kern_return_t kr;
	int fd, i, pid, status;
	pid_t child;

	ASSERT_NE(MACH_PORT_NULL, port);
	ASSERT_EQ(KERN_SUCCESS, port_share(port, &fd));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0)
		_exit(send_task_ports(fd));
	close(fd);
	for (i = 0; i < 2; i++) {
		rcv_buf_t buf;
		any_desc_t d;

		ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(port, &buf, 5000));
		ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR, get_desc(&buf.header, 0, &d));
		EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND, (int)d.port.disposition);
		ASSERT_TRUE(buf.header.msgh_id == 1 || buf.header.msgh_id == 2);
		got[buf.header.msgh_id - 1] = d.port.name;
	}
	for (i = 0; i < 2; i++) {
		pid = 0;
		EXPECT_EQ(KERN_SUCCESS, pid_for_task(got[i], &pid));
		EXPECT_EQ(child, pid);
		EXPECT_EQ(TASK_AUDIT_TOKEN_COUNT,
			  info_count(got[i], TASK_AUDIT_TOKEN, info, &kr));
		EXPECT_EQ(KERN_SUCCESS, kr);
		EXPECT_EQ(child, info[5]);
	}
	/* Only the control port gives the special ports. */
	{
		mach_port_t k = MACH_PORT_NULL;

		EXPECT_EQ(KERN_SUCCESS, task_get_special_port(got[0], TASK_NAME_PORT, &k));
		EXPECT_EQ(got[1], k);
		mach_port_deallocate(SELF, k);
		EXPECT_EQ(KERN_INVALID_ARGUMENT,
			  task_get_special_port(got[1], TASK_KERNEL_PORT, &k));
	}
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	EXPECT_EQ(KERN_FAILURE, pid_for_task(got[0], &pid));
	EXPECT_EQ(KERN_FAILURE, pid_for_task(got[1], &pid));
	mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1);
}

#if defined(__aarch64__)
/* arm64: flavor 5 is Darwin's compat layout, 32-bit sizes in 8 words. */
static int compat_basic_info_words(void)
{
	return 8;
}

static int compat_basic_info_check(void)
{
	task_basic_info_64_data_t w;
	mach_msg_type_number_t count = 8;

	if (task_info(SELF, TASK_BASIC_INFO_64_COMPAT, (task_info_t)&w, &count))
		return -1;
	return w.resident_size > 0 ? (int)count : -2;
}
#else
/* x86_64 has no compat layout: flavor 18 does not exist there. */
static int compat_basic_info_words(void)
{
	return KERN_INVALID_ARGUMENT;
}

static int compat_basic_info_check(void)
{
	integer_t w[16];
	mach_msg_type_number_t count = 16;

	return task_info(SELF, 18, w, &count);
}
#endif

TEST_F(task, task_info_reports_linux_values)
{
	mach_task_basic_info_data_t b1, b2;
	task_thread_times_info_data_t tt;
	task_events_info_data_t ev;
#if defined(__aarch64__)
	task_basic_info_64_2_data_t b64;
#else
	task_basic_info_64_data_t b64;
#endif
	audit_token_t tok;
	mach_msg_type_number_t count;
	volatile unsigned long spin = 0;
	int i;
	double start;
	char *mem;

	count = MACH_TASK_BASIC_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_info(SELF, MACH_TASK_BASIC_INFO,
					  (task_info_t)&b1, &count));
	EXPECT_EQ(MACH_TASK_BASIC_INFO_COUNT, count);
	EXPECT_LT(0, b1.resident_size);
	EXPECT_LE(b1.resident_size, b1.virtual_size);
	EXPECT_LE(b1.resident_size, b1.resident_size_max);
	EXPECT_EQ(POLICY_TIMESHARE, b1.policy);
	EXPECT_EQ(0, b1.suspend_count);

	/* Busy work and touched memory show up. */
	mem = map_pages(64 * page_size());
	ASSERT_NE(NULL, mem);
	memset(mem, 1, 64 * page_size());
	start = mt_now();
	while (mt_now() - start < 0.3)
		spin++;
	count = MACH_TASK_BASIC_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_info(SELF, MACH_TASK_BASIC_INFO,
					  (task_info_t)&b2, &count));
	EXPECT_LT(b1.user_time.seconds * 1000000LL + b1.user_time.microseconds +
			  b1.system_time.seconds * 1000000LL + b1.system_time.microseconds,
		  b2.user_time.seconds * 1000000LL + b2.user_time.microseconds +
			  b2.system_time.seconds * 1000000LL + b2.system_time.microseconds);
	EXPECT_LE(b1.resident_size + 32 * page_size(), b2.resident_size_max);
	EXPECT_GT(b2.user_time.microseconds, -1);
	EXPECT_LT(b2.user_time.microseconds, 1000000);

	count = TASK_THREAD_TIMES_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_info(SELF, TASK_THREAD_TIMES_INFO,
					  (task_info_t)&tt, &count));
	EXPECT_EQ(4, count);
	EXPECT_LT(0, tt.user_time.seconds * 1000000LL + tt.user_time.microseconds +
			     tt.system_time.seconds * 1000000LL + tt.system_time.microseconds);

	/*
	 * A sleep is a voluntary switch, unless its timer fired before the
	 * thread got to schedule(): a guest whose CPU the loaded host did not
	 * run for a millisecond.  Sleep until one counts.
	 */
	for (i = 0; i < 100; i++) {
		usleep(1000);
		count = TASK_EVENTS_INFO_COUNT;
		ASSERT_EQ(KERN_SUCCESS, task_info(SELF, TASK_EVENTS_INFO,
						  (task_info_t)&ev, &count));
		if (ev.csw > 0)
			break;
	}
	EXPECT_EQ(8, count);
	EXPECT_LE(64, ev.faults);
	EXPECT_LT(0, ev.csw);

	count = TASK_BASIC_INFO_64_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_info(SELF, TASK_BASIC_INFO_64,
					  (task_info_t)&b64, &count));
	EXPECT_EQ(10, count);
	EXPECT_LT(0, b64.resident_size);
	EXPECT_EQ(compat_basic_info_words(), compat_basic_info_check());

	count = TASK_AUDIT_TOKEN_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_info(SELF, TASK_AUDIT_TOKEN,
					  (task_info_t)&tok, &count));
	EXPECT_EQ(8, count);
	EXPECT_EQ(getpid(), (pid_t)tok.val[5]);
	EXPECT_EQ(geteuid(), tok.val[1]);
	EXPECT_EQ(getegid(), tok.val[2]);
	EXPECT_EQ(getuid(), tok.val[3]);
	EXPECT_EQ((unsigned int)mt_task_serial(), tok.val[7]);
	munmap(mem, 64 * page_size());
}

TEST_F(task, task_info_rejects_bad_requests)
{
	integer_t buf[64];
	mach_msg_type_number_t count;
	mach_port_t rcv = new_port(), other = new_port_send();

	count = MACH_TASK_BASIC_INFO_COUNT - 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_info(SELF, MACH_TASK_BASIC_INFO, buf, &count));
	count = 7;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_info(SELF, TASK_AUDIT_TOKEN, buf, &count));
	count = 3;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_info(SELF, TASK_THREAD_TIMES_INFO, buf, &count));
	count = 64;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_info(SELF, 999, buf, &count));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_info(SELF, -1, buf, &count));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_info(SELF, 0, buf, &count));
	/* A larger count is fine and reports the flavor's size. */
	count = 64;
	EXPECT_EQ(KERN_SUCCESS, task_info(SELF, TASK_EVENTS_INFO, buf, &count));
	EXPECT_EQ(8, count);
	/* Not a task port / no right at all. */
	count = 64;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_info(other, TASK_EVENTS_INFO, buf, &count));
	/* A receive right alone is no send right: the request cannot be sent. */
	EXPECT_EQ(MACH_SEND_INVALID_DEST, task_info(rcv, TASK_EVENTS_INFO, buf, &count));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  task_info(MACH_PORT_NULL, TASK_EVENTS_INFO, buf, &count));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, task_info(0xdead03, TASK_EVENTS_INFO, buf, &count));
	mach_port_mod_refs(SELF, rcv, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_mod_refs(SELF, other, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_deallocate(SELF, other);
}

TEST_F(task, special_ports_set_get_and_release)
{
	mach_port_t port = new_port_send(), notify = new_port(), got, n;
	int pid = 0;

	ASSERT_NE(MACH_PORT_NULL, port);
	ASSERT_EQ(KERN_SUCCESS, task_get_special_port(SELF, TASK_KERNEL_PORT, &got));
	EXPECT_EQ(SELF, got);
	mach_port_deallocate(SELF, got);
	/* The read port is a port of its own (task_read_port_test). */
	ASSERT_EQ(KERN_SUCCESS, task_get_special_port(SELF, TASK_READ_PORT, &got));
	EXPECT_NE(SELF, got);
	EXPECT_EQ(KERN_SUCCESS, pid_for_task(got, &pid));
	EXPECT_EQ(getpid(), pid);
	mach_port_deallocate(SELF, got);
	ASSERT_EQ(KERN_SUCCESS, task_get_special_port(SELF, TASK_NAME_PORT, &n));
	EXPECT_EQ(KERN_SUCCESS, pid_for_task(n, &pid));
	EXPECT_EQ(getpid(), pid);
	mach_port_deallocate(SELF, n);

	ASSERT_EQ(KERN_SUCCESS, task_set_special_port(SELF, TASK_ACCESS_PORT, MACH_PORT_NULL));
	ASSERT_EQ(KERN_SUCCESS, task_get_special_port(SELF, TASK_ACCESS_PORT, &got));
	EXPECT_EQ(MACH_PORT_NULL, got);
	ASSERT_EQ(KERN_SUCCESS, task_set_bootstrap_port(SELF, port));
	ASSERT_EQ(KERN_SUCCESS, task_get_bootstrap_port(SELF, &got));
	EXPECT_EQ(port, got);
	EXPECT_EQ(2, urefs_of(port, MACH_PORT_RIGHT_SEND));
	mach_port_deallocate(SELF, got);

	/* The task holds a right of its own: with ours gone, no-senders waits. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, port));
	ASSERT_EQ(KERN_SUCCESS, no_senders_request(port, notify));
	EXPECT_EQ(-1, next_id(notify, 0));
	ASSERT_EQ(KERN_SUCCESS, task_set_bootstrap_port(SELF, MACH_PORT_NULL));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, next_id(notify, 5000));
	ASSERT_EQ(KERN_SUCCESS, task_get_bootstrap_port(SELF, &got));
	EXPECT_EQ(MACH_PORT_NULL, got);

	EXPECT_EQ(KERN_NO_ACCESS, task_set_special_port(SELF, TASK_KERNEL_PORT, MACH_PORT_NULL));
	EXPECT_EQ(KERN_NO_ACCESS, task_set_special_port(SELF, TASK_NAME_PORT, MACH_PORT_NULL));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_set_special_port(SELF, 7, MACH_PORT_NULL));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_set_special_port(SELF, 0, MACH_PORT_NULL));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_get_special_port(SELF, 8, &got));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_get_special_port(SELF, -1, &got));
	EXPECT_EQ(KERN_INVALID_NAME, task_set_bootstrap_port(SELF, 0xdead03));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, task_get_bootstrap_port(0xdead03, &got));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, task_get_bootstrap_port(notify, &got));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(SELF, notify, notify,
						       MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_get_bootstrap_port(notify, &got));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_set_bootstrap_port(notify, MACH_PORT_NULL));
	mach_port_deallocate(SELF, notify);
	mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_mod_refs(SELF, notify, MACH_PORT_RIGHT_RECEIVE, -1);
}

TEST_F(task, exception_ports_coalesce_and_validate)
{
	mach_port_t a = new_port_send(), b = new_port_send();
	exception_mask_t masks[EXC_TYPES_COUNT];
	mach_port_t handlers[EXC_TYPES_COUNT];
	exception_behavior_t behaviors[EXC_TYPES_COUNT];
	thread_state_flavor_t flavors[EXC_TYPES_COUNT];
	mach_msg_type_number_t count = EXC_TYPES_COUNT;

	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(SELF, EXC_MASK_ALL, a,
							 EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, 0));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(SELF, EXC_MASK_BREAKPOINT, b,
							 EXCEPTION_STATE, GOOD_STATE_FLAVOR));
	ASSERT_EQ(KERN_SUCCESS, task_get_exception_ports(SELF, EXC_MASK_ALL, masks, &count,
							 handlers, behaviors, flavors));
	ASSERT_EQ(2, count);
	EXPECT_EQ(EXC_MASK_ALL & ~EXC_MASK_BREAKPOINT, masks[0]);
	EXPECT_EQ(a, handlers[0]);
	EXPECT_EQ((exception_behavior_t)(EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES), behaviors[0]);
	EXPECT_EQ(EXC_MASK_BREAKPOINT, masks[1]);
	EXPECT_EQ(b, handlers[1]);
	EXPECT_EQ(EXCEPTION_STATE, behaviors[1]);
	EXPECT_EQ(GOOD_STATE_FLAVOR, flavors[1]);
	/* Each returned handler is a new user reference. */
	EXPECT_EQ(2, urefs_of(a, MACH_PORT_RIGHT_SEND));
	mach_port_deallocate(SELF, a);
	mach_port_deallocate(SELF, b);

	/* A mask with only unset types gives one null entry. */
	count = EXC_TYPES_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_get_exception_ports(SELF, EXC_MASK_CRASH, masks, &count,
							 handlers, behaviors, flavors));
	ASSERT_EQ(1, count);
	EXPECT_EQ(MACH_PORT_NULL, handlers[0]);
	EXPECT_EQ(EXC_MASK_CRASH, masks[0]);

	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  task_set_exception_ports(SELF, 1, a, EXCEPTION_DEFAULT, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  task_set_exception_ports(SELF, 1 << 20, a, EXCEPTION_DEFAULT, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  task_set_exception_ports(SELF, EXC_MASK_ALL, a, 0, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  task_set_exception_ports(SELF, EXC_MASK_ALL, a, 9, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  task_set_exception_ports(SELF, EXC_MASK_ALL, a, EXCEPTION_STATE, 999));
	EXPECT_EQ(KERN_INVALID_NAME,
		  task_set_exception_ports(SELF, EXC_MASK_ALL, 0xdead03, EXCEPTION_DEFAULT, 0));
	count = EXC_TYPES_COUNT;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  task_get_exception_ports(SELF, 1 << 20, masks, &count, handlers,
					   behaviors, flavors));

	/* Clearing releases the task's rights. */
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(SELF, EXC_MASK_ALL, MACH_PORT_NULL,
							 EXCEPTION_DEFAULT, 0));
	EXPECT_EQ(1, urefs_of(a, MACH_PORT_RIGHT_SEND));
	count = EXC_TYPES_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_get_exception_ports(SELF, EXC_MASK_ALL, masks, &count,
							 handlers, behaviors, flavors));
	ASSERT_EQ(1, count);
	EXPECT_EQ(MACH_PORT_NULL, handlers[0]);
	EXPECT_EQ(EXC_MASK_ALL, masks[0]);
	mach_port_mod_refs(SELF, a, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_mod_refs(SELF, b, MACH_PORT_RIGHT_RECEIVE, -1);
}

/* The task hands @port down at fork: as BOOTSTRAP and for bad accesses. */
static kern_return_t hand_down(mach_port_t port)
{
	kern_return_t kr = task_set_bootstrap_port(SELF, port);

	return kr ? kr : task_set_exception_ports(SELF, EXC_MASK_BAD_ACCESS, port,
						  EXCEPTION_DEFAULT, 0);
}

/* ... and nothing any more. */
static kern_return_t hand_down_nothing(void)
{
	kern_return_t kr = task_set_bootstrap_port(SELF, MACH_PORT_NULL);

	return kr ? kr : task_set_exception_ports(SELF, EXC_MASK_ALL, MACH_PORT_NULL,
						  EXCEPTION_DEFAULT, 0);
}

/* Child: what it inherited must reach the parent's port. */
static int use_inherited(mach_port_t parent_port)
{
	exception_mask_t masks[EXC_TYPES_COUNT];
	mach_port_t handlers[EXC_TYPES_COUNT], boot = MACH_PORT_NULL;
	exception_behavior_t behaviors[EXC_TYPES_COUNT];
	thread_state_flavor_t flavors[EXC_TYPES_COUNT];
	mach_msg_type_number_t count = EXC_TYPES_COUNT;

	if (task_get_bootstrap_port(SELF, &boot) || !MACH_PORT_VALID(boot))
		return 2;
	if (type_of(boot) != MACH_PORT_TYPE_SEND)
		return 3;
	if (send_simple_opt(boot, MACH_MSG_TYPE_COPY_SEND, 4321, 0, 0))
		return 4;
	if (task_get_exception_ports(SELF, EXC_MASK_BAD_ACCESS, masks, &count, handlers,
				     behaviors, flavors) || count != 1)
		return 5;
	if (handlers[0] != boot || behaviors[0] != EXCEPTION_DEFAULT ||
	    masks[0] != EXC_MASK_BAD_ACCESS)
		return 6;
	(void)parent_port;
	return 0;
}

TEST_F(task, fork_child_inherits_bootstrap_and_exception_ports)
{
	mach_port_t port = new_port_send(), notify = new_port();
	int release;
	pid_t child;

	ASSERT_NE(MACH_PORT_NULL, port);
	ASSERT_EQ(KERN_SUCCESS, hand_down(port));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0)
		_exit(use_inherited(port));
	EXPECT_EQ(0, mt_wait_exit(child));
	EXPECT_EQ(4321, next_id(port, 5000));

	/* A child that never uses Mach does not keep the rights alive. */
	child = quiet_child(&release);
	ASSERT_LT(0, child);
	EXPECT_EQ(0, finish_child(child, release));
	ASSERT_EQ(KERN_SUCCESS, hand_down_nothing());
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, port));
	ASSERT_EQ(KERN_SUCCESS, no_senders_request(port, notify));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, next_id(notify, 5000));
	mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_mod_refs(SELF, notify, MACH_PORT_RIGHT_RECEIVE, -1);
}

/*
 * A child gets the ports its parent held when it forked, not those the
 * parent sets right after: the inheritance is made before fork() returns
 * to the parent, whenever the child gets to use it.
 */
TEST_F(task, fork_hands_down_the_ports_of_the_moment_of_fork)
{
	mach_port_t a = new_port_send(), b = new_port_send();
	int go[2];
	char c = 0;
	pid_t child;

	ASSERT_NE(MACH_PORT_NULL, a);
	ASSERT_NE(MACH_PORT_NULL, b);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(KERN_SUCCESS, hand_down(a));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(9);
		_exit(use_inherited(a));
	}
	close(go[0]);
	ASSERT_EQ(KERN_SUCCESS, hand_down(b));
	ASSERT_EQ(1, write(go[1], &c, 1));
	close(go[1]);
	EXPECT_EQ(0, mt_wait_exit(child));
	EXPECT_EQ(4321, next_id(a, 5000));
	EXPECT_EQ(-1, next_id(b, 0));
	ASSERT_EQ(KERN_SUCCESS, hand_down_nothing());
	mach_port_mod_refs(SELF, a, MACH_PORT_RIGHT_SEND, -1);
	mach_port_mod_refs(SELF, a, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_mod_refs(SELF, b, MACH_PORT_RIGHT_SEND, -1);
	mach_port_mod_refs(SELF, b, MACH_PORT_RIGHT_RECEIVE, -1);
}

/*
 * A daemon's double fork: the middle process never uses Mach and exits as
 * soon as it has forked; its child, reparented, still inherits.
 */
TEST_F(task, grandchild_inherits_after_its_parent_exited)
{
	mach_port_t port = new_port_send();
	pid_t middle;

	ASSERT_NE(MACH_PORT_NULL, port);
	ASSERT_EQ(KERN_SUCCESS, hand_down(port));
	middle = fork();
	ASSERT_LE(0, middle);
	if (middle == 0) {
		if (fork() == 0) {
			/* Long enough for the middle process to be gone. */
			usleep(200 * 1000);
			_exit(use_inherited(port));
		}
		_exit(0);
	}
	EXPECT_EQ(0, mt_wait_exit(middle));
	EXPECT_EQ(4321, next_id(port, 10000));
	ASSERT_EQ(KERN_SUCCESS, hand_down_nothing());
	mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_SEND, -1);
	mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1);
}

/*
 * A process that never uses Mach (a shell, started with posix_spawn so
 * that no fork handler of libmach runs in it) passes the bootstrap and
 * exception ports it inherited on to its own children.
 */
/*
 * A process that never used Mach passes on what it inherited, also when it
 * forks before its parent has handed it its record (the shell of
 * posix_spawn(), which often forks before this process has returned from
 * the spawn), and through two such processes.
 */
TEST_F(task, grandchild_inherits_through_a_process_that_never_used_mach)
{
	mach_port_t port = new_port_send();
	char cmd[4200], nested[4400];
	char *argv[] = { "sh", "-c", cmd, NULL }, *nested_argv[] = { "sh", "-c", nested, NULL };
	int i, rounds = mt_rounds(16, 4);
	cpu_set_t one;
	pid_t sh;

	ASSERT_NE(MACH_PORT_NULL, port);
	if (access("/bin/sh", X_OK))
		SKIP(return, "no /bin/sh");
	ASSERT_EQ(KERN_SUCCESS, hand_down(port));
	/* Two commands, so the shell forks for the first instead of exec'ing it. */
	snprintf(cmd, sizeof(cmd), "'%s' --use-inherited; exit $?", self_exe);
	snprintf(nested, sizeof(nested), "/bin/sh -c \"'%s' --use-inherited; exit \\$?\"; exit $?",
		 self_exe);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	/* One shell or two; this process back from the spawn first or last. */
	for (i = 0; i < rounds; i++) {
		sh = mt_spawn_behind("/bin/sh", i & 1 ? nested_argv : argv, i & 2);
		ASSERT_LT(0, sh) TH_LOG("round %d: %s", i, strerror(errno));
		EXPECT_EQ(0, mt_wait_exit(sh)) TH_LOG("round %d", i);
		EXPECT_EQ(4321, next_id(port, 5000)) TH_LOG("round %d", i);
	}
	ASSERT_EQ(KERN_SUCCESS, hand_down_nothing());
	mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_SEND, -1);
	mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1);
}

TEST_F(task, set_special_port_of_a_child_is_released_at_its_exit)
{
	mach_port_t port = new_port_send(), notify = new_port(), t = MACH_PORT_NULL;
	int release;
	pid_t child = quiet_child(&release);

	ASSERT_LT(0, child);
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, child, &t));
	ASSERT_EQ(KERN_SUCCESS, task_set_bootstrap_port(t, port));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, port));
	ASSERT_EQ(KERN_SUCCESS, no_senders_request(port, notify));
	EXPECT_EQ(-1, next_id(notify, 0));
	EXPECT_EQ(0, finish_child(child, release));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, next_id(notify, 5000));
	mach_port_mod_refs(SELF, t, MACH_PORT_RIGHT_DEAD_NAME, -1);
	mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_mod_refs(SELF, notify, MACH_PORT_RIGHT_RECEIVE, -1);
}

/* The re-executed image: its Mach task works, under a new control port. */
static int exec_child_main(char **argv)
{
	int fd = atoi(argv[2]);
	mach_port_t self = mach_task_self(), k = MACH_PORT_NULL, boot = MACH_PORT_NULL;
	integer_t info[64];
	kern_return_t kr;
	int pid = 0;
	char c = 'x';

	if (!MACH_PORT_VALID(self))
		return 10;
	if (pid_for_task(self, &pid) || pid != getpid())
		return 11;
	if (task_get_special_port(self, TASK_KERNEL_PORT, &k) || k != self)
		return 12;
	if (info_count(self, MACH_TASK_BASIC_INFO, info, &kr) != 12 || kr)
		return 13;
	/* Special ports survive exec. */
	if (task_get_bootstrap_port(self, &boot) || !MACH_PORT_VALID(boot))
		return 14;
	if (write(fd, &c, 1) != 1)
		return 15;
	/* Wait for the parent to finish looking. */
	while (read(fd, &c, 1) > 0)
		;
	return 0;
}

TEST_F(task, exec_replaces_the_control_port)
{
	mach_port_t port = new_port_send(), notify = new_port();
	mach_port_t t = MACH_PORT_NULL, n = MACH_PORT_NULL, t2 = MACH_PORT_NULL;
	mach_port_t old_thread = MACH_PORT_NULL;
	thread_act_array_t threads = NULL;
	mach_msg_type_number_t nthreads = 0;
	int sv[2], pid = 0;
	pid_t child;
	char c;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_EQ(KERN_SUCCESS, task_set_bootstrap_port(SELF, port));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		char fdstr[16];

		close(sv[0]);
		/* Wait until the parent holds our ports. */
		if (read(sv[1], &c, 1) != 1)
			_exit(2);
		snprintf(fdstr, sizeof(fdstr), "%d", sv[1]);
		execl(self_exe, self_exe, "--exec-task", fdstr, NULL);
		_exit(3);
	}
	close(sv[1]);
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, child, &t));
	ASSERT_EQ(KERN_SUCCESS, task_name_for_pid(SELF, child, &n));
	ASSERT_EQ(KERN_SUCCESS, dead_name_request(t, notify));
	ASSERT_EQ(KERN_SUCCESS, task_threads(t, &threads, &nthreads));
	ASSERT_EQ(1, nthreads);
	old_thread = threads[0];
	vm_deallocate(SELF, (vm_address_t)threads, nthreads * sizeof(*threads));
	ASSERT_EQ(1, write(sv[0], "g", 1));
	/* The child's new image reports in. */
	ASSERT_EQ(1, read(sv[0], &c, 1));
	/*
	 * The old control and name ports died (as on XNU, where an exec makes
	 * a new task); new ones name the new image.
	 */
	EXPECT_EQ(MACH_NOTIFY_DEAD_NAME, next_id(notify, 5000));
	EXPECT_EQ(KERN_FAILURE, pid_for_task(t, &pid));
	EXPECT_EQ(KERN_FAILURE, pid_for_task(n, &pid));
	mach_port_deallocate(SELF, n);
	ASSERT_EQ(KERN_SUCCESS, task_name_for_pid(SELF, child, &n));
	EXPECT_EQ(KERN_SUCCESS, pid_for_task(n, &pid));
	EXPECT_EQ(child, pid);
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, child, &t2));
	EXPECT_NE(t, t2);
	EXPECT_EQ(KERN_SUCCESS, pid_for_task(t2, &pid));
	EXPECT_EQ(child, pid);
	/* The thread port of the old image died too: it cannot steer the new one. */
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(old_thread));
	EXPECT_NE(KERN_SUCCESS, thread_suspend(old_thread));
	ASSERT_EQ(KERN_SUCCESS, task_threads(t2, &threads, &nthreads));
	ASSERT_EQ(1, nthreads);
	EXPECT_NE(old_thread, threads[0]);
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type_of(threads[0]));
	mach_port_deallocate(SELF, threads[0]);
	vm_deallocate(SELF, (vm_address_t)threads, nthreads * sizeof(*threads));
	mach_port_deallocate(SELF, old_thread);
	close(sv[0]);
	EXPECT_EQ(0, mt_wait_exit(child));
	task_set_bootstrap_port(SELF, MACH_PORT_NULL);
	mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_mod_refs(SELF, notify, MACH_PORT_RIGHT_RECEIVE, -1);
}

/* The harness's own main would set this; keep tests in file order. */
static void __attribute__((constructor)) order_tests_forward(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "--exec-task"))
		return exec_child_main(argv);
	if (argc == 2 && !strcmp(argv[1], "--use-inherited"))
		return use_inherited(MACH_PORT_NULL);
	self_exe = realpath("/proc/self/exe", NULL);
	return test_harness_run(argc, argv);
}
