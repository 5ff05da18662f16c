/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the Mach VM tests (vm_test.c, vm_inherit_test.c): regions
 * and patterned Mach VM memory.
 */
#ifndef _VM_TEST_H
#define _VM_TEST_H

#include <mach/mach_vm.h>
#include <mach/memory_object_types.h>
#include <mach/vm_map.h>

#include "ipc_test.h"

/*
 * mach_vm_region(VM_REGION_BASIC_INFO_64) at *@addr; a success that gives
 * the wrong count or an object name is KERN_FAILURE.
 */
static inline kern_return_t region_at(mach_port_t task, mach_vm_address_t *addr,
				      mach_vm_size_t *size,
				      vm_region_basic_info_data_64_t *info)
{
	mach_msg_type_number_t count = VM_REGION_BASIC_INFO_COUNT_64;
	mach_port_t obj = 1;
	kern_return_t kr;

	memset(info, 0xa5, sizeof(*info));
	kr = mach_vm_region(task, addr, size, VM_REGION_BASIC_INFO_64,
			    (vm_region_info_t)info, &count, &obj);
	if (kr == KERN_SUCCESS && (count != VM_REGION_BASIC_INFO_COUNT_64 ||
				   obj != MACH_PORT_NULL))
		return KERN_FAILURE;
	return kr;
}

/* The region holding @addr exactly into @info; 0, or -1 if none does. */
static inline int region_of(mach_port_t task, mach_vm_address_t addr,
			    vm_region_basic_info_data_64_t *info)
{
	mach_vm_address_t a = addr;
	mach_vm_size_t s = 0;

	if (region_at(task, &a, &s, info) || a > addr)
		return -1;
	return 0;
}

/* A NAMED_CREATE entry of @pages pages with @perm, or MACH_PORT_NULL. */
static inline mach_port_t vm_entry_create(size_t pages, vm_prot_t perm)
{
	memory_object_size_t size = pages * page_size();
	mach_port_t h = MACH_PORT_NULL;

	if (mach_make_memory_entry_64(SELF, &size, 0,
				      perm | MAP_MEM_NAMED_CREATE, &h,
				      MACH_PORT_NULL))
		return MACH_PORT_NULL;
	return h;
}

/* A pattern per page: any page range of it can be checked on its own. */
static inline void fill_pages(void *p, size_t len, uint32_t seed)
{
	size_t off;

	for (off = 0; off < len; off += page_size())
		fill_pattern((char *)p + off, page_size(), seed);
}

static inline int check_pages(const void *p, size_t len, uint32_t seed)
{
	size_t off;

	for (off = 0; off < len; off += page_size())
		if (!check_pattern((const char *)p + off, page_size(), seed))
			return 0;
	return 1;
}

/* New Mach VM memory of @len bytes holding fill_pages(@seed), or 0. */
static inline mach_vm_address_t alloc_pattern(size_t len, uint32_t seed)
{
	mach_vm_address_t a = 0;

	if (mach_vm_allocate(mach_task_self(), &a, len, VM_FLAGS_ANYWHERE))
		return 0;
	fill_pages((void *)(uintptr_t)a, len, seed);
	return a;
}

/*
 * One byte between two processes of a test: a step is done.  A side whose
 * peer died (its end closed) exits 90 or 91 rather than hang.
 */
static inline void gate_send(int fd)
{
	char c = 'g';

	if (write(fd, &c, 1) != 1)
		_exit(90);
}

static inline void gate_wait(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		_exit(91);
}

/*
 * queuer_fork - fork the sender of a queued-memory test: as nobody in
 * @cg, a port of its own with the large queue limit and @len bytes of
 * alloc_pattern(@seed) Mach VM memory, then one step each way (gate_send
 * on @up[1], gate_wait on @down[0]), so the parent reads its group's
 * charge before the child goes on.  A failed step ends the child with
 * status 2 (group or user), 3 (port) or 4 (memory).
 * Returns: in the child 0, with *@own and *@a set; in the parent the
 * child's pid, its pipe ends closed; -1 if a pipe or the fork failed.
 */
static inline pid_t queuer_fork(const struct mt_cgroup *cg, int up[2],
				int down[2], size_t len, uint32_t seed,
				mach_port_t *own, mach_vm_address_t *a)
{
	pid_t pid;

	if (pipe(up) || pipe(down))
		return -1;
	pid = fork();
	if (pid != 0) {
		close(up[1]);
		close(down[0]);
		return pid;
	}
	die_with_parent();
	close(up[0]);
	close(down[1]);
	if (mt_cg_enter(cg) || mt_become_nobody())
		_exit(2);
	*own = new_port_send();
	if (set_qlimit(*own, MACH_PORT_QLIMIT_LARGE))
		_exit(3);
	*a = alloc_pattern(len, seed);
	if (!*a)
		_exit(4);
	gate_send(up[1]);
	gate_wait(down[0]);
	return 0;
}

#endif /* _VM_TEST_H */
