// SPDX-License-Identifier: GPL-2.0
/*
 * trap_cost: the numbers of docs/benchmarks.md "Darwin trap path", meant
 * for an --icount boot (the guest clock counts instructions), driven by a
 * script that loads and unloads the module between runs:
 *
 *   trap_cost null N       N getpid system calls: ns per call
 *   trap_cost pipe N       N one-byte round trips between two processes
 *                          on one CPU over two pipes: ns per round trip
 *   trap_cost hold         opt in to Darwin traps and wait (a holder that
 *                          keeps the trap hooks attached), killed by the script
 *   trap_cost mach N       mach_port_allocate+mod_refs(-1) pairs and mach_msg
 *                          send+receive round trips on one port, through
 *                          libmach's ioctl path (before the process opts in),
 *                          its trap path, and the ioctl path again (opted
 *                          in); then the parts of the difference: getpid
 *                          before and after the opt-in (the probe's read of
 *                          the instruction), and task_self as a raw ioctl
 *                          and as a raw trap (the same handler, no argument:
 *                          the entry paths alone)
 *
 * null and pipe never open /dev/mach: they are the processes that did not
 * opt in.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mach/mach.h>
#include <machina/machina.h>

#include "machina_test.h"

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static void pin(void)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
}

static int null_calls(long n)
{
	double t0;
	long i;

	for (i = 0; i < n / 10; i++)	/* warm-up */
		syscall(SYS_getpid);
	t0 = now_ns();
	for (i = 0; i < n; i++)
		syscall(SYS_getpid);
	printf("null getpid: %.1f ns/call (%ld calls)\n", (now_ns() - t0) / n, n);
	return 0;
}

static int pipe_rtt(long n)
{
	int ab[2], ba[2], st;
	char c = 0;
	double t0;
	pid_t pid;
	long i;

	pin();
	if (pipe(ab) || pipe(ba))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		close(ab[1]);	/* EOF when the parent closes its end */
		close(ba[0]);
		for (;;) {
			if (read(ab[0], &c, 1) != 1)
				_exit(0);
			if (write(ba[1], &c, 1) != 1)
				_exit(1);
		}
	}
	close(ab[0]);
	close(ba[1]);
	for (i = 0; i < n / 10; i++)
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			return 1;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			return 1;
	printf("pipe round trip: %.1f ns (%ld round trips)\n", (now_ns() - t0) / n, n);
	close(ab[1]);
	waitpid(pid, &st, 0);
	return 0;
}

static int hold(void)
{
	if (machina_traps_enable() != KERN_SUCCESS)
		return 1;
	printf("holder %d opted in\n", getpid());
	fflush(stdout);
	for (;;)
		pause();
}

struct msg {
	mach_msg_header_t h;
	char trailer[64];
};

/* One pass of both Mach measurements on the path libmach uses now. */
static int mach_pass(const char *path, long n)
{
	mach_port_t p, port;
	struct msg m;
	double t0;
	long i;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p) ||
		    mach_port_mod_refs(mach_task_self(), p, MACH_PORT_RIGHT_RECEIVE, -1))
			return 1;
	}
	printf("%s: mach_port_allocate+mod_refs %.1f ns/pair\n", path, (now_ns() - t0) / n);
	if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port) ||
	    mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND))
		return 1;
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		memset(&m.h, 0, sizeof(m.h));
		m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
		m.h.msgh_size = sizeof(m.h);
		m.h.msgh_remote_port = port;
		if (mach_msg(&m.h, MACH_SEND_MSG, sizeof(m.h), 0, 0, 0, 0) ||
		    mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof(m), port, 0, 0))
			return 1;
	}
	printf("%s: mach_msg send+receive %.1f ns/round trip\n", path, (now_ns() - t0) / n);
	return mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1) != 0;
}

/* N getpid calls: ns per call (the sys_enter probe's share). */
static double getpid_ns(long n)
{
	double t0 = now_ns();
	long i;

	for (i = 0; i < n; i++)
		syscall(SYS_getpid);
	return (now_ns() - t0) / n;
}

/* N task_self calls as a raw ioctl on @fd, or as the raw trap (fd < 0). */
static double task_self_ns(int fd, long n)
{
	struct machina_name_out out;
	double t0 = now_ns();
	long i;

	for (i = 0; i < n; i++) {
		if (fd >= 0) {
			memset(&out, 0, sizeof(out));
			if (mt_ioctl(fd, MACHINA_IOC_TASK_SELF, &out) || !out.name)
				return -1;
		} else if (mt_task_self_trap(__NR_getpid) <= 0) {
			return -1;
		}
	}
	return (now_ns() - t0) / n;
}

static int mach_paths(long n)
{
	double before, after, ioc, trap;
	int fd = open(MACHINA_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0 || machina_use_traps(0) != KERN_SUCCESS)
		return 1;
	if (mach_pass("ioctl warm-up", n / 10) || mach_pass("ioctl", n))
		return 1;
	getpid_ns(n / 10);
	before = getpid_ns(n);
	if (machina_use_traps(1) != KERN_SUCCESS)
		return 1;
	if (mach_pass("trap warm-up", n / 10) || mach_pass("trap", n))
		return 1;
	machina_use_traps(0);	/* still opted in: the probe reads every call's word */
	if (mach_pass("ioctl again", n))
		return 1;
	after = getpid_ns(n);
	task_self_ns(fd, n / 10);
	ioc = task_self_ns(fd, n);
	task_self_ns(-1, n / 10);
	trap = task_self_ns(-1, n);
	if (ioc < 0 || trap < 0)
		return 1;
	printf("parts: getpid %.1f ns not opted in, %.1f opted in (+%.1f: the probe's read)\n",
	       before, after, after - before);
	printf("parts: task_self %.1f ns as an ioctl, %.1f as a trap (%+.1f: the entry paths)\n",
	       ioc, trap, trap - ioc);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 10000;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || n <= 0)
		goto usage;
	if (!strcmp(argv[1], "null"))
		return null_calls(n);
	if (!strcmp(argv[1], "pipe"))
		return pipe_rtt(n);
	if (!strcmp(argv[1], "hold"))
		return hold();
	if (!strcmp(argv[1], "mach"))
		return mach_paths(n);
usage:
	fprintf(stderr, "usage: trap_cost null|pipe|mach [N] | hold\n");
	return 2;
}
