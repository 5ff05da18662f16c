// SPDX-License-Identifier: GPL-2.0
/*
 * Issue 8, findings 1 and 10: what an exec does to the ports that named the
 * process before it.
 *
 * Every attack runs as user nobody (65534): the test process makes its
 * fixtures as root (a root-owned setuid copy of this program and a plain
 * copy, in /tmp), then drops its privileges for good and attacks a child
 * of its own, whose task port it may legitimately hold, across the child's
 * exec of the setuid copy.
 *
 * Rules checked (docs/ARCHITECTURE.md, "Exec"):
 *   - a task, name or thread port names one exec image: after any exec
 *     (setuid or not) every call through a port of the old image fails, and
 *     never reaches the new image, not even in the instant the exec commits;
 *   - an exec that changes privilege (AT_SECURE: setuid, setgid, file
 *     capabilities) also drops the exception ports and the HOST, BOOTSTRAP
 *     and ACCESS special ports, including those inherited at fork and not
 *     claimed yet; a plain exec keeps them.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

#define NOBODY		65534
#define PWNED		"/tmp/sec_exec_pwned"

#if defined(__aarch64__)
typedef arm_thread_state64_t state_t;
#define STATE_FLAVOR	ARM_THREAD_STATE64
#define STATE_COUNT	ARM_THREAD_STATE64_COUNT
#define STATE_PC(s)	((s).__pc)
#else
typedef x86_thread_state64_t state_t;
#define STATE_FLAVOR	x86_THREAD_STATE64
#define STATE_COUNT	x86_THREAD_STATE64_COUNT
#define STATE_PC(s)	((s).__rip)
#endif

static char *self_exe;

/* ---- the exec'd image ------------------------------------------------- */

/*
 * Where an attacker who steers the new image sends it: as the setuid image
 * it runs with euid 0 and leaves a root-owned file behind.
 */
static void __attribute__((noinline, used)) win(void)
{
	int fd = open(PWNED, O_CREAT | O_EXCL | O_WRONLY, 0644);

	if (fd >= 0)
		close(fd);
	syscall(SYS_exit_group, 42);
}

/*
 * What the image finds in its own task: 'R' when no exception port and no
 * BOOTSTRAP (nor, with @access, ACCESS) special port is set, 'K' when the
 * ones the test set are all there, 'M' for anything else.  Fork hands down
 * BOOTSTRAP, HOST and the exception ports, not ACCESS.
 */
static char own_ports(bool access)
{
	exception_mask_t masks[EXC_TYPES_COUNT];
	mach_port_t handlers[EXC_TYPES_COUNT];
	exception_behavior_t behaviors[EXC_TYPES_COUNT];
	thread_state_flavor_t flavors[EXC_TYPES_COUNT];
	mach_msg_type_number_t count = EXC_TYPES_COUNT, i;
	mach_port_t boot = MACH_PORT_NULL, acc = MACH_PORT_NULL;
	int set = 0, unset = 0;

	if (task_get_exception_ports(SELF, EXC_MASK_BAD_ACCESS, masks, &count,
				     handlers, behaviors, flavors) || count != 1)
		return 'M';
	for (i = 0; i < count; i++)
		MACH_PORT_VALID(handlers[i]) ? set++ : unset++;
	if (task_get_bootstrap_port(SELF, &boot) ||
	    task_get_special_port(SELF, TASK_ACCESS_PORT, &acc))
		return 'M';
	MACH_PORT_VALID(boot) ? set++ : unset++;
	if (access)
		MACH_PORT_VALID(acc) ? set++ : unset++;
	if (!set)
		return 'R';
	return unset ? 'M' : 'K';
}

/* argv: --image FD [inherited].  Report, then wait for FD to close. */
static int image_main(int argc, char **argv)
{
	int fd = atoi(argv[2]);
	char c = own_ports(argc < 4);

	if (write(fd, &c, 1) != 1)
		return 3;
	while (read(fd, &c, 1) > 0)
		;
	return 0;
}

/* ---- fixtures --------------------------------------------------------- */

struct images {
	char suid[64];
	char plain[64];
};

/*
 * As root: the two images, and a janitor that removes them when the test
 * process (which is about to lose the right to) exits.
 */
static int make_images(struct images *im)
{
	const char *paths[] = { im->suid, im->plain, PWNED, NULL };

	snprintf(im->suid, sizeof(im->suid), "/tmp/sec_exec_suid.%d", getpid());
	snprintf(im->plain, sizeof(im->plain), "/tmp/sec_exec_plain.%d", getpid());
	if (getuid() != 0 || mt_copy_file(self_exe, im->suid, 04755) ||
	    mt_copy_file(self_exe, im->plain, 0755))
		return -1;
	unlink(PWNED);
	return mt_janitor(paths);
}

#define SETUP_AS_NOBODY(im)						\
	do {								\
		IPC_REQUIRE();						\
		if (getuid() != 0)					\
			SKIP(return, "must start as root (makes a setuid image)"); \
		if (!mt_tmp_honours_setuid())				\
			SKIP(return, "/tmp is mounted nosuid");		\
		ASSERT_EQ(0, make_images(im));				\
		ASSERT_EQ(0, mt_become(NOBODY));			\
	} while (0)

/* ---- the victim ------------------------------------------------------- */

struct victim {
	pid_t pid;
	int sock;		/* ours; the child's end is passed to the image */
};

/*
 * A child that, when told to, execs @image.  @quiet: made with the raw
 * clone system call, so that it never touches /dev/mach before the exec
 * (its fork inheritance stays unclaimed); its image checks what fork hands
 * down.
 */
static int start_victim(struct victim *v, const char *image, bool quiet)
{
	const char *inherited = quiet ? "inherited" : NULL;
	int sv[2];
	char c, fdstr[16];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	v->pid = quiet ? (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0) : fork();
	if (v->pid < 0)
		return -1;
	if (v->pid == 0) {
		close(sv[0]);
		if (read(sv[1], &c, 1) != 1)
			syscall(SYS_exit_group, 2);
		snprintf(fdstr, sizeof(fdstr), "%d", sv[1]);
		execl(image, image, "--image", fdstr, inherited, (char *)NULL);
		syscall(SYS_exit_group, 3);
	}
	close(sv[1]);
	v->sock = sv[0];
	return 0;
}

static void go(struct victim *v)
{
	if (write(v->sock, "g", 1) != 1)
		v->pid = -v->pid;
}

/* The image's report ('R', 'K', 'M'), or 0 if it died first. */
static char report(struct victim *v)
{
	char c = 0;

	if (read(v->sock, &c, 1) != 1)
		return 0;
	return c;
}

/* Let the image exit; its exit status. */
static int finish(struct victim *v)
{
	close(v->sock);
	return mt_wait_exit(v->pid);
}

/* A root-owned file left behind by win() in the setuid image. */
static bool pwned(void)
{
	struct stat st;

	return stat(PWNED, &st) == 0 && st.st_uid == 0;
}

/*
 * Steer the thread behind @th into win(): the whole escalation, if the
 * port still reaches the new image.  Returns whether every step worked.
 */
static bool hijack(mach_port_t th)
{
	mach_msg_type_number_t count = STATE_COUNT;
	state_t st;

	if (thread_suspend(th))
		return false;
	if (thread_get_state(th, STATE_FLAVOR, (thread_state_t)&st, &count)) {
		thread_resume(th);
		return false;
	}
	STATE_PC(st) = (uint64_t)(uintptr_t)win;
#if !defined(__aarch64__)
	/* A call frame's alignment on entry. */
	st.__rsp = ((st.__rsp - 256) & ~15ull) - 8;
#else
	st.__sp = (st.__sp - 256) & ~15ull;
#endif
	if (thread_set_state(th, STATE_FLAVOR, (thread_state_t)&st, STATE_COUNT)) {
		thread_resume(th);
		return false;
	}
	return thread_resume(th) == KERN_SUCCESS;
}

static void drop_array(thread_act_array_t list, mach_msg_type_number_t n)
{
	mach_msg_type_number_t i;

	if (!list)
		return;
	for (i = 0; i < n; i++)
		mach_port_deallocate(SELF, list[i]);
	vm_deallocate(SELF, (vm_address_t)list, n * sizeof(*list));
}

/* ---- the tests -------------------------------------------------------- */

struct old_ports {
	mach_port_t task, name, thread, mine;
};

/* Take the victim's ports (as nobody) and plant exception/special ports. */
static void take_ports(struct __test_metadata *_metadata, struct victim *v,
		       struct old_ports *o)
{
	thread_act_array_t list = NULL;
	mach_msg_type_number_t n = 0;

	memset(o, 0, sizeof(*o));
	o->mine = new_port_send();
	ASSERT_NE(MACH_PORT_NULL, o->mine);
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, v->pid, &o->task));
	ASSERT_EQ(KERN_SUCCESS, task_name_for_pid(SELF, v->pid, &o->name));
	ASSERT_EQ(KERN_SUCCESS, task_threads(o->task, &list, &n));
	ASSERT_EQ(1, n);
	o->thread = list[0];
	vm_deallocate(SELF, (vm_address_t)list, n * sizeof(*list));
	ASSERT_EQ(KERN_SUCCESS, task_set_bootstrap_port(o->task, o->mine));
	ASSERT_EQ(KERN_SUCCESS, task_set_special_port(o->task, TASK_ACCESS_PORT, o->mine));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(o->task, EXC_MASK_ALL, o->mine,
							 EXCEPTION_DEFAULT, 0));
}

/* Every call through a port of the image before the exec fails. */
static void expect_old_ports_dead(struct __test_metadata *_metadata,
				  struct old_ports *o)
{
	thread_act_array_t list = NULL;
	mach_msg_type_number_t n = 0, count;
	mach_port_t got = MACH_PORT_NULL;
	integer_t info[TASK_INFO_MAX];
	state_t st;
	int pid = 0;

	EXPECT_NE(KERN_SUCCESS, task_threads(o->task, &list, &n)) {
		drop_array(list, n);
	}
	count = STATE_COUNT;
	EXPECT_NE(KERN_SUCCESS, thread_get_state(o->thread, STATE_FLAVOR,
						 (thread_state_t)&st, &count));
	memset(&st, 0, sizeof(st));
	EXPECT_NE(KERN_SUCCESS, thread_set_state(o->thread, STATE_FLAVOR,
						 (thread_state_t)&st, STATE_COUNT));
	EXPECT_NE(KERN_SUCCESS, thread_suspend(o->thread));
	EXPECT_NE(KERN_SUCCESS, thread_abort(o->thread));
	EXPECT_NE(KERN_SUCCESS, thread_abort_safely(o->thread));
	EXPECT_NE(KERN_SUCCESS, mach_port_allocate(o->task, MACH_PORT_RIGHT_RECEIVE, &got));
	EXPECT_NE(KERN_SUCCESS, mach_port_insert_right(o->task, 0x4103, o->mine,
						       MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_NE(KERN_SUCCESS, task_get_special_port(o->task, TASK_KERNEL_PORT, &got));
	EXPECT_NE(KERN_SUCCESS, task_get_special_port(o->task, TASK_READ_PORT, &got));
	count = TASK_INFO_MAX;
	EXPECT_NE(KERN_SUCCESS, task_info(o->task, MACH_TASK_BASIC_INFO, info, &count));
	count = TASK_INFO_MAX;
	EXPECT_NE(KERN_SUCCESS, task_info(o->name, MACH_TASK_BASIC_INFO, info, &count));
	EXPECT_NE(KERN_SUCCESS, pid_for_task(o->name, &pid));
	EXPECT_NE(KERN_SUCCESS, task_suspend(o->task));
	EXPECT_NE(KERN_SUCCESS, task_set_exception_ports(o->task, EXC_MASK_ALL, o->mine,
							 EXCEPTION_DEFAULT, 0));
}

static void exec_and_check(struct __test_metadata *_metadata, bool suid)
{
	struct images im;
	struct victim v;
	struct old_ports o;

	SETUP_AS_NOBODY(&im);
	ASSERT_EQ(0, start_victim(&v, suid ? im.suid : im.plain, false));
	take_ports(_metadata, &v, &o);
	go(&v);
	/*
	 * A privilege-changing exec drops what the old image's user planted;
	 * a plain one keeps it (as XNU).
	 */
	EXPECT_EQ(suid ? 'R' : 'K', report(&v));
	expect_old_ports_dead(_metadata, &o);
	EXPECT_EQ(0, finish(&v));
	EXPECT_FALSE(pwned());
}

TEST(setuid_exec_kills_every_old_port)
{
	exec_and_check(_metadata, true);
}

/* Chosen: every exec, not only a setuid one, starts a new port generation. */
TEST(plain_exec_kills_every_old_port_and_keeps_special_ports)
{
	exec_and_check(_metadata, false);
}

/*
 * Ports the parent hands down at fork and the child never claimed (it
 * never used Mach before its exec) are dropped by a setuid exec too.
 */
TEST(setuid_exec_drops_inherited_ports)
{
	mach_port_t mine;
	struct images im;
	struct victim v;
	int i;

	SETUP_AS_NOBODY(&im);
	mine = new_port_send();
	ASSERT_NE(MACH_PORT_NULL, mine);
	ASSERT_EQ(KERN_SUCCESS, task_set_bootstrap_port(SELF, mine));
	ASSERT_EQ(KERN_SUCCESS, task_set_special_port(SELF, TASK_ACCESS_PORT, mine));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(SELF, EXC_MASK_ALL, mine,
							 EXCEPTION_DEFAULT, 0));
	for (i = 0; i < 2; i++) {
		bool suid = i == 0;

		ASSERT_EQ(0, start_victim(&v, suid ? im.suid : im.plain, true));
		go(&v);
		EXPECT_EQ(suid ? 'R' : 'K', report(&v)) {
			TH_LOG("%s exec", suid ? "setuid" : "plain");
		}
		EXPECT_EQ(0, finish(&v));
	}
}

/*
 * The race: the victim execs the setuid image while we hammer its old task
 * port.  A call may succeed before the exec commits (it then saw the old
 * image: our own user); after it, nothing may.  Every thread port taken on
 * the way must be dead once the new image runs, and the audit token of
 * every successful task_info must still be ours.
 */
TEST(stress_exec_race)
{
	int rounds = mt_rounds(150, 6), r, wins = 0, late = 0;
	struct images im;

	SETUP_AS_NOBODY(&im);
	for (r = 0; r < rounds && !wins; r++) {
		thread_act_array_t list = NULL, kept = NULL;
		mach_msg_type_number_t n = 0, nkept = 0, i, count;
		mach_port_t t = MACH_PORT_NULL, got;
		integer_t info[TASK_INFO_MAX];
		kern_return_t a, b, c;
		struct victim v;
		double until;

		ASSERT_EQ(0, start_victim(&v, im.suid, false));
		ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, v.pid, &t));
		go(&v);
		until = mt_now() + 10;
		do {
			a = task_threads(t, &list, &n);
			if (a == KERN_SUCCESS) {
				drop_array(kept, nkept);
				kept = list;
				nkept = n;
				list = NULL;
			}
			count = TASK_AUDIT_TOKEN_COUNT;
			b = task_info(t, TASK_AUDIT_TOKEN, info, &count);
			/* val[1] is the euid: the new image's is 0. */
			if (b == KERN_SUCCESS && (unsigned int)info[1] != NOBODY)
				late++;
			got = MACH_PORT_NULL;
			c = mach_port_allocate(t, MACH_PORT_RIGHT_RECEIVE, &got);
		} while ((a == KERN_SUCCESS || b == KERN_SUCCESS || c == KERN_SUCCESS) &&
			 mt_now() < until);
		/* The new image runs (its own checks are another test's). */
		ASSERT_NE(0, report(&v));
		for (i = 0; i < nkept; i++) {
			if (hijack(kept[i]))
				wins++;
		}
		drop_array(kept, nkept);
		mach_port_deallocate(SELF, t);
		finish(&v);
	}
	EXPECT_EQ(0, late);
	EXPECT_EQ(0, wins) {
		TH_LOG("round %d: a thread port of the setuid image survived", r);
	}
	EXPECT_FALSE(pwned());
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "--image"))
		return image_main(argc, argv);
	self_exe = realpath("/proc/self/exe", NULL);
	return test_harness_run(argc, argv);
}
