/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the Mach VM tests that work across processes
 * (vm_entry_test.c, vm_remap_test.c): a forked child with one-byte steps
 * both ways, an idle child to name by task_for_pid, a child that is
 * handed a send right (fork_sender(), recv_right()), and a thread that
 * unmaps a range while the test works on it.
 */
#ifndef _VM_CHILD_TEST_H
#define _VM_CHILD_TEST_H

#include <signal.h>
#include <sys/wait.h>

#include <mach/memory_object_types.h>

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

/*
 * fork_sender - gate_fork() a child that holds a send right to @rcv (in
 * *@to, the child's name for it)
 * Returns: the child's pid (0 in the child), or -1.
 */
static inline pid_t fork_sender(mach_port_t rcv, struct gate *g,
				mach_port_t *to)
{
	int fd;
	pid_t pid;

	*to = MACH_PORT_NULL;
	if (rcv == MACH_PORT_NULL || port_share(rcv, &fd))
		return -1;
	pid = gate_fork(g);
	if (pid == 0)
		*to = port_meet_child(fd);
	else
		close(fd);
	return pid;
}

/* The port descriptor of the first message on @rcv, or MACH_PORT_NULL. */
static inline mach_port_t recv_right(mach_port_t rcv)
{
	rcv_buf_t buf;
	any_desc_t d;

	if (recv_timeout(rcv, &buf, 5000) != MACH_MSG_SUCCESS ||
	    get_desc(&buf.header, 0, &d) != MACH_MSG_PORT_DESCRIPTOR)
		return MACH_PORT_NULL;
	return d.port.name;
}

/*
 * map_data_addr_entry - an entry of the own [@r + 100, @r + page) made with
 * @perm | MAP_MEM_USE_DATA_ADDR (in *@h), mapped anywhere with
 * VM_FLAGS_RETURN_DATA_ADDR
 * Returns: the address mach_vm_map gave, 0 unless the entry's size is
 * what was asked, the address is the data's (100 into its page) and the
 * mapping shows @r's bytes there.
 */
static inline mach_vm_address_t map_data_addr_entry(mach_vm_address_t r,
						    int perm, mach_port_t *h)
{
	size_t pg = page_size();
	memory_object_size_t size = pg - 100;
	mach_vm_address_t m = 0;

	*h = MACH_PORT_NULL;
	if (mach_make_memory_entry_64(SELF, &size, r + 100,
				      perm | MAP_MEM_USE_DATA_ADDR, h,
				      MACH_PORT_NULL) || size != pg - 100)
		return 0;
	if (mach_vm_map(SELF, &m, pg - 100, 0,
			VM_FLAGS_ANYWHERE | VM_FLAGS_RETURN_DATA_ADDR, *h, 0,
			FALSE, VM_PROT_READ | VM_PROT_WRITE,
			VM_PROT_READ | VM_PROT_WRITE, VM_INHERIT_DEFAULT))
		return 0;
	if ((m & (pg - 1)) != 100 || memcmp(P(m), P(r) + 100, pg - 100)) {
		mach_vm_deallocate(SELF, m, 1);
		return 0;
	}
	return m;
}

/* A range for unmap_range(), run as a thread racing with a call. */
struct unmapper {
	mach_vm_address_t addr;
	size_t len;
};

static inline void *unmap_range(void *arg)
{
	struct unmapper *u = arg;

	mach_vm_deallocate(SELF, u->addr, u->len);
	return NULL;
}

/*
 * cow_sides - 3 pages of Mach VM memory (fill_pages(@seed)) copy-on-write
 * with a fork child, each side sharing its own range again through
 * @share (an entry of it mapped, a remap: shared, never a copy): what
 * each side's share shows and takes stays on that side (never the other
 * side's snapshot).  Seeds @seed..@seed + 3 are used.
 * Returns: 0; 1..5 a step of the parent's; 10 + the child's exit status.
 */
static inline int cow_sides(mach_vm_address_t (*share)(mach_vm_address_t r,
							size_t len),
			    uint32_t seed)
{
	size_t pg = page_size(), len = 3 * pg;
	mach_vm_address_t r = alloc_pattern(len, seed), m;
	struct gate g;
	int ret = 0, st;
	pid_t pid;

	if (!r)
		return 1;
	pid = gate_fork(&g);
	if (pid < 0)
		return 1;
	if (pid == 0) {
		fill_pages(P(r), pg, seed + 1);	/* the child's own page 0 */
		gate_send(g.up[1]);
		gate_wait(g.down[0]);		/* the parent wrote through its share */
		if (!check_pages(P(r), pg, seed + 1) ||
		    !check_pages(P(r) + pg, 2 * pg, seed))
			_exit(2);
		/* The child's share: its side, and its writes stay there. */
		m = share(r, len);
		if (!m || !check_pages(P(m), pg, seed + 1) ||
		    !check_pages(P(m) + pg, 2 * pg, seed))
			_exit(3);
		fill_pages(P(m) + 2 * pg, pg, seed + 3);
		if (!check_pages(P(r) + 2 * pg, pg, seed + 3))
			_exit(4);
		gate_send(g.up[1]);
		gate_wait(g.down[0]);
		_exit(0);
	}
	gate_wait(g.up[0]);
	m = share(r, len);
	/* The parent's side: the child's page 0 is not here. */
	if (!m || !check_pages(P(m), len, seed))
		ret = 2;
	if (m) {
		fill_pages(P(m) + pg, pg, seed + 2);
		if (!ret && !check_pages(P(r) + pg, pg, seed + 2))
			ret = 3;
	}
	gate_send(g.down[1]);
	gate_wait(g.up[0]);
	/* The child's writes through its share are not here either. */
	if (!ret && (!check_pages(P(r), pg, seed) ||
		     !check_pages(P(m) + 2 * pg, pg, seed)))
		ret = 4;
	gate_send(g.down[1]);
	st = mt_wait_exit(pid);
	if (!ret && st)
		ret = 10 + st;
	if (m)
		mach_vm_deallocate(SELF, m, len);
	mach_vm_deallocate(SELF, r, len);
	return ret;
}

#endif /* _VM_CHILD_TEST_H */
