/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A task's address space as the Mach VM calls see it: Linux's mm and its
 * vmas are the map (vm_object.h says what a Mach VM vma is).
 *
 * A call holds the target's map for its length (struct xnu_vm_map): the
 * task was looked up through a control port with its exec image held
 * (ipc_kobject_lookup()), and the mm is the one that image runs (taken
 * with mmget under that hold, so an exec cannot swap it and a dying mm is
 * never taken: a process past exit_mm() has none).
 *
 * Changing a map (mapping, unmapping) runs in a thread that has the mm as
 * its own: the caller itself for its own task, otherwise a worker of the
 * module's VM workqueue that adopts the mm (kthread_use_mm()) under the
 * caller's credentials (so security_mmap_addr() and the LSMs judge the
 * caller, not a kernel thread) and the target mm's memory cgroup (which
 * pays for its vmas, as for its own mmap()).  Reading a map (regions,
 * copies) needs only its mmap_lock and runs in the caller.
 *
 * Lock order: the target's exec_update_lock (the image, read) ->
 * obj->map_lock -> the target's mmap_lock.  Never two mms' mmap_locks at
 * once: a copy between tasks pins pages of one with its lock held, drops
 * it, then touches the other.
 */
#ifndef _MACHINA_XNU_VM_MAP_H
#define _MACHINA_XNU_VM_MAP_H

#include <linux/types.h>

#include "mach/task.h"
#include "xnu_vm/vm_object.h"

struct mm_struct;
struct task_struct;
struct vm_area_struct;
struct xnu_vm_object;
struct xnu_vm_view;
struct xnu_vm_region_basic_info_64;

struct xnu_vm_map {
	struct mm_struct *mm;		/* an mmget() reference */
	struct task_struct *proc;	/* the target process (the held image's) */
	bool self;			/* mm is the caller's own */
};

int xnu_vm_map_init(void);
void xnu_vm_map_exit(void);

int xnu_vm_map_hold(struct xnu_vm_map *map, struct task_struct *proc);
void xnu_vm_map_release(struct xnu_vm_map *map);

/* What xnu_vm_map_enter_object() maps, and how. */
struct xnu_vm_map_request {
	struct xnu_vm_object *obj;
	struct xnu_vm_view *view;	/* what the mapping sees; NULL: new */
	u64 pgoff;			/* first page of the object mapped */
	u64 len;			/* bytes, page multiple, not 0 */
	u64 align;			/* anywhere: power of two > PAGE_SIZE, or 0 */
	int cur, max;			/* VM_PROT_* */
	int inherit;			/* VM_INHERIT_* */
	bool fixed, overwrite;
};

int xnu_vm_map_enter(struct xnu_vm_map *map, struct xnu_vm_object *obj,
		     u64 *addr, u64 len, bool fixed, bool overwrite);
int xnu_vm_map_fits(struct xnu_vm_map *map, u64 addr, u64 len, bool fixed,
		    u64 align);
int xnu_vm_map_enter_object(struct xnu_vm_map *map,
			    const struct xnu_vm_map_request *req, u64 *addr);
bool xnu_vm_map_align(u64 mask, u64 *align);
/* A run of one view of one object in a map (xnu_vm_map_lookup_range()). */
struct xnu_vm_range {
	struct xnu_vm_object *obj;	/* its file held */
	struct xnu_vm_view *view;	/* pin.view */
	struct xnu_vm_pin pin;		/* the run's pages, pinned under the
					 * mmap_lock: no unmap frees them
					 * before an entry pins them itself */
	u64 pgoff;			/* the object's page at the start */
	u64 len;			/* bytes from the start, page multiple */
	int cur, max;			/* VM_PROT_* all of it allows */
};

int xnu_vm_map_lookup_range(struct xnu_vm_map *map, u64 start, u64 end,
			    struct xnu_vm_range *r);
void xnu_vm_range_release(struct xnu_vm_range *r);
int xnu_vm_map_remove(struct xnu_vm_map *map, u64 start, u64 len);
int xnu_vm_map_protect(struct xnu_vm_map *map, u64 start, u64 end,
		       int new_prot, bool set_max);
int xnu_vm_map_inherit(struct xnu_vm_map *map, u64 start, u64 end,
		       int inherit);
int xnu_vm_map_behavior(struct xnu_vm_map *map, u64 start, u64 end,
			int behavior);
int xnu_vm_map_region(struct xnu_vm_map *map, u64 *addr, u64 *size,
		      int (*describe)(struct xnu_vm_map *map,
				      struct vm_area_struct *vma, void *arg),
		      void *arg);
void xnu_vm_region_basic(struct vm_area_struct *vma,
			 struct xnu_vm_region_basic_info_64 *info);

/*
 * vm_user.c: run a call's @op on the map the task port @name names, of
 * flavour @least (enum machina_task_flavor, mach/task.h) or better.
 */
struct machina_task;
long xnu_vm_call(struct machina_task *task, u32 name,
		 enum machina_task_flavor least, void *a,
		 int (*op)(struct xnu_vm_map *map, void *a));

/* vm_copy.c */
int xnu_vm_copy(struct xnu_vm_map *map, u64 addr, u64 uaddr, u64 len,
		bool to_target);
int xnu_vm_check_range(struct mm_struct *mm, u64 start, u64 end,
		       unsigned long need);
int xnu_vm_check_target_range(struct xnu_vm_map *map, u64 addr, u64 len,
			      unsigned long need);

#endif /* _MACHINA_XNU_VM_MAP_H */
