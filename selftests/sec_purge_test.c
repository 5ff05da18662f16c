// SPDX-License-Identifier: GPL-2.0
/*
 * Security review of purgeable memory (branch purge).
 *
 * read_only_entry_cannot_change_the_state: root makes a purgeable
 * NAMED_CREATE entry, maps it and writes it, then hands nobody a send
 * right to a READ-ONLY entry of the same whole object (task_for_pid and
 * mach_port_insert_right: what a server handing out a read-only view
 * does).  Nobody may read; it must not be able to empty root's data
 * (SET_STATE EMPTY) or make root's own touches SIGBUS (VOLATILE with
 * VM_PURGABLE_DEBUG_FAULT): a mapping needs VM_PROT_WRITE for SET_STATE
 * (mach_vm_purgable_control's KERN_PROTECTION_FAILURE), and an entry
 * grants no more than its protection.  GET_STATE stays allowed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mach/memory_entry.h>

#include "kselftest_harness.h"
#include "vm_child_test.h"

#define RW (VM_PROT_READ | VM_PROT_WRITE)

/* What nobody's three calls answered, in order. */
struct ro_result {
	kern_return_t empty, debug_fault, get;
	int state;
};

/*
 * ro_attack - nobody, given entry @name (read-only) by its parent: try
 * EMPTY, then VOLATILE | DEBUG_FAULT, then GET_STATE; report on @fd.
 */
static int ro_attack(mach_port_t name, int fd)
{
	struct ro_result r;
	int st;

	st = VM_PURGABLE_EMPTY;
	r.empty = mach_memory_entry_purgable_control(name,
						     VM_PURGABLE_SET_STATE,
						     &st);
	st = VM_PURGABLE_VOLATILE | VM_PURGABLE_DEBUG_FAULT;
	r.debug_fault = mach_memory_entry_purgable_control(name,
							   VM_PURGABLE_SET_STATE,
							   &st);
	r.state = -1;
	r.get = mach_memory_entry_purgable_control(name, VM_PURGABLE_GET_STATE,
						   &r.state);
	return write(fd, &r, sizeof(r)) == sizeof(r) ? 0 : 1;
}

TEST(read_only_entry_cannot_change_the_state)
{
	size_t len = 2 * page_size();
	mach_port_t h, ro = MACH_PORT_NULL, task = MACH_PORT_NULL;
	mach_port_name_t name = MACH_PORT_NULL, try;
	memory_object_size_t size = len;
	mach_vm_address_t m = 0;
	struct ro_result r;
	struct gate g;
	kern_return_t kr;
	int st;
	pid_t pid;
	char c;

	IPC_REQUIRE();
	if (geteuid())
		SKIP(return, "needs root to hand nobody an entry");
	ASSERT_EQ(KERN_SUCCESS,
		  mach_make_memory_entry_64(SELF, &size, 0,
					    RW | MAP_MEM_NAMED_CREATE |
					    MAP_MEM_PURGABLE, &h,
					    MACH_PORT_NULL));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_map(SELF, &m, len, 0, VM_FLAGS_ANYWHERE, h, 0, FALSE,
			      RW, RW, VM_INHERIT_DEFAULT));
	fill_pages(P(m), len, 31);
	/* The whole object, read-only: what nobody is given. */
	size = len;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_make_memory_entry_64(SELF, &size, 0, VM_PROT_READ, &ro,
					    h));

	pid = gate_fork(&g);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (mt_become_nobody())
			_exit(2);
		c = 'n';
		if (write(g.up[1], &c, 1) != 1)
			_exit(3);
		if (read(g.down[0], &name, sizeof(name)) != sizeof(name))
			_exit(4);
		_exit(ro_attack(name, g.up[1]));
	}
	ASSERT_EQ(1, read(g.up[0], &c, 1));
	ASSERT_EQ('n', c);
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, pid, &task));
	/* A name free in the child's space. */
	for (try = 0x4f03; try < 0x4f03 + 64 * 0x100; try += 0x100) {
		kr = mach_port_insert_right(task, try, ro,
					    MACH_MSG_TYPE_COPY_SEND);
		if (kr == KERN_SUCCESS) {
			name = try;
			break;
		}
	}
	ASSERT_NE(MACH_PORT_NULL, name);
	ASSERT_EQ(sizeof(name), write(g.down[1], &name, sizeof(name)));
	ASSERT_EQ(sizeof(r), read(g.up[0], &r, sizeof(r)));
	EXPECT_EQ(0, mt_wait_exit(pid));
	TH_LOG("nobody: EMPTY %#x, VOLATILE|DEBUG_FAULT %#x, GET %#x (%d)",
	       r.empty, r.debug_fault, r.get, r.state);

	/* Reading the state is what a read-only entry allows. */
	EXPECT_EQ(KERN_SUCCESS, r.get);
	EXPECT_EQ(KERN_PROTECTION_FAILURE, r.empty);
	EXPECT_EQ(KERN_PROTECTION_FAILURE, r.debug_fault);
	/* Root's memory: its data, NONVOLATILE, no debug bit left. */
	st = -1;
	EXPECT_EQ(KERN_SUCCESS,
		  mach_memory_entry_purgable_control(h, VM_PURGABLE_GET_STATE,
						     &st));
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, st);
	if (st != VM_PURGABLE_NONVOLATILE) {
		/* Back to a state a touch survives before looking. */
		st = VM_PURGABLE_NONVOLATILE;
		mach_memory_entry_purgable_control(h, VM_PURGABLE_SET_STATE,
						   &st);
	}
	EXPECT_TRUE(check_pages(P(m), len, 31));
	/* The writable entry keeps its control. */
	st = VM_PURGABLE_VOLATILE;
	EXPECT_EQ(KERN_SUCCESS,
		  mach_memory_entry_purgable_control(h, VM_PURGABLE_SET_STATE,
						     &st));
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, st);
	st = VM_PURGABLE_NONVOLATILE;
	EXPECT_EQ(KERN_SUCCESS,
		  mach_memory_entry_purgable_control(h, VM_PURGABLE_SET_STATE,
						     &st));
	mach_port_deallocate(SELF, task);
	mach_port_deallocate(SELF, ro);
	mach_port_deallocate(SELF, h);
	mach_vm_deallocate(SELF, m, len);
}

TEST_HARNESS_MAIN
