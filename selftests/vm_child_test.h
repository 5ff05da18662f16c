/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the Mach VM tests that work across processes
 * (vm_entry_test.c, vm_remap_test.c): a forked child with one-byte steps
 * both ways, and an idle child to name by task_for_pid.
 */
#ifndef _VM_CHILD_TEST_H
#define _VM_CHILD_TEST_H

#include <signal.h>
#include <sys/wait.h>

#include "vm_test.h"

#define P(a) ((char *)(uintptr_t)(a))

/* One-byte steps between a parent and its child, both ways. */
struct gate {
	int down[2];	/* parent -> child */
	int up[2];	/* child -> parent */
};

static inline pid_t gate_fork(struct gate *g)
{
	pid_t pid;

	if (pipe(g->down) || pipe(g->up))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(g->down[1]);
		close(g->up[0]);
		die_with_parent();
	} else if (pid > 0) {
		close(g->down[0]);
		close(g->up[1]);
	}
	return pid;
}

/* A child that only waits to be killed (a task to map into). */
static inline pid_t idle_child(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		die_with_parent();
		for (;;)
			pause();
	}
	return pid;
}

static inline void end_child(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

#endif /* _VM_CHILD_TEST_H */
