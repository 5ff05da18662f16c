// SPDX-License-Identifier: GPL-2.0
/*
 * The Mach VM calls (ioctls): mach_vm_allocate, deallocate, protect,
 * inherit, read, read_overwrite, write, map (memory entries are made in
 * vm_memory_entry.c; the inspection calls are in
 * vm_region.c, msync in vm_msync.c).  Each names its target by a task
 * port of the caller's space (control, or read for the reading calls:
 * below); argument checks follow XNU's
 * (vm_user.c and the vm_sanitize rules): flags outside what a call accepts
 * and ranges that wrap are KERN_INVALID_ARGUMENT, size 0 succeeds doing
 * nothing.
 *
 * Who may reach what: each call states the least task port flavour it
 * takes, as XNU's MIG types do (vm_map_t: control; vm_map_read_t: read or
 * control): read, read_overwrite, region, region_recurse and page_query
 * take a read port; allocate, deallocate, protect, inherit, write, map,
 * msync, behavior_set and make_memory_entry a control port.  Inspect and
 * name ports reach no map.  A port of too little power is
 * KERN_INVALID_ARGUMENT (Darwin's convert_port_to_map{,_read} gives
 * VM_MAP_NULL, which these calls answer so; make_memory_entry answers
 * KERN_INVALID_TASK).  A control or read port of another process comes
 * from task_for_pid / task_read_for_pid (the kernel's ptrace-attach
 * check, task_access.c) or from someone who had one; it names one exec
 * image, and the call holds that image (its exec_update_lock) from the
 * lookup to the end, so no exec can put a new (possibly setuid) image in
 * place under it.
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/string.h>

#include "mach/ipc_abi.h"
#include "mach/ipc_kobject.h"
#include "mach/kern_return.h"
#include "mach/task.h"
#include "personality/calls.h"
#include "uapi/machina.h"
#include "xnu_vm/vm_map.h"
#include "xnu_vm/vm_memory_entry.h"
#include "xnu_vm/vm_object.h"
#include "xnu_vm/vm_prot.h"
#include "xnu_vm/vm_purgable.h"
#include "xnu_vm/vm_sanitize.h"

/* Allocation flags XNU knows that Machina does not do yet. */
#define VM_FLAGS_NOT_YET						\
	(VM_FLAGS_4GB_CHUNK | VM_FLAGS_PERMANENT | VM_FLAGS_TPRO |	\
	 VM_FLAGS_SUPERPAGE_MASK)

/*
 * XNU's largest purgeable object (ANON_MAX_SIZE: 2^32 - 1 pages); a
 * larger VM_FLAGS_PURGABLE range is KERN_INVALID_ARGUMENT (vm_map_enter).
 */
#define PURGABLE_MAX_PAGES	0xFFFFFFFFULL

/*
 * new_object - the object of a new allocation of @len bytes with @flags
 * (its tag; purgeable with VM_FLAGS_PURGABLE: vm_purgeable.c), or NULL
 * without memory.
 */
static struct xnu_vm_object *new_object(u64 len, u32 flags)
{
	struct xnu_vm_object *obj = xnu_vm_object_create(len, flags >> 24);

	if (obj && (flags & VM_FLAGS_PURGABLE))
		xnu_vm_object_set_purgable(obj, false);
	return obj;
}

/*
 * vm_call - run @op on the map that the task port @name of @task's space
 * names, of flavour @least or better, held for the length of the call:
 * the task is looked up with its exec image held (machina_task_lookup()),
 * then its mm is taken.
 * Conditions: process context, no lock held.
 * Returns: what @op returns, or, without running it:
 * MACH_SEND_INVALID_DEST (no live send right, a port of an earlier
 * image); KERN_INVALID_ARGUMENT (a task port of a lesser flavour, another
 * kind of port); KERN_INVALID_TASK (the process is exiting); KERN_ABORTED.
 */
static long vm_call(struct machina_task *task, u32 name,
		    enum machina_task_flavor least, void *a,
		    int (*op)(struct xnu_vm_map *map, void *a))
{
	struct ipc_kobject_ref ref;
	struct xnu_vm_map map;
	int kr;

	kr = machina_task_lookup(task, name, least, &ref);
	if (kr)
		return kr;
	kr = xnu_vm_map_hold(&map, ref.image.proc);
	if (!kr) {
		kr = op(&map, a);
		xnu_vm_map_release(&map);
	}
	ipc_kobject_ref_put(&ref);
	return kr;
}

/* xnu_vm_call - vm_call() for the calls of the other files (vm_map.h). */
long xnu_vm_call(struct machina_task *task, u32 name,
		 enum machina_task_flavor least, void *a,
		 int (*op)(struct xnu_vm_map *map, void *a))
{
	return vm_call(task, name, least, a, op);
}

/*
 * check_caller_range - is [@addr, @addr + @len) of the caller's own memory
 * accessible with @need?  As xnu_vm_check_range().
 */
static int check_caller_range(u64 addr, u64 len, unsigned long need)
{
	struct mm_struct *mm = current->mm;
	int kr;

	if (mmap_read_lock_killable(mm))
		return KERN_ABORTED;
	kr = xnu_vm_check_range(mm, addr, addr + len, need);
	mmap_read_unlock(mm);
	return kr;
}

/*
 * do_allocate - mach_vm_allocate: zero-filled Mach VM memory, read-write
 * (maximum all), at *address (VM_FLAGS_FIXED, truncated to its page;
 * VM_FLAGS_OVERWRITE replaces what is there) or anywhere.  RANDOM_ADDR
 * and NO_CACHE are accepted (Linux places the region; no cache hint
 * exists); the tag (VM_MAKE_TAG) is kept with the object.  PURGABLE
 * makes it purgeable memory, NONVOLATILE (vm_purgeable.c).
 * Returns: KERN_SUCCESS with address; size 0: KERN_SUCCESS, address 0;
 * KERN_INVALID_ARGUMENT (flags outside VM_FLAGS_USER_ALLOCATE, ANYWHERE
 * with OVERWRITE, a size that wraps when rounded, PURGABLE beyond
 * PURGABLE_MAX_PAGES); KERN_NOT_SUPPORTED
 * (4GB_CHUNK, PERMANENT, TPRO, superpages); KERN_NO_SPACE (a
 * FIXED range already in use, no room, the target's RLIMIT_AS);
 * KERN_INVALID_ADDRESS (outside the task's addresses, below
 * mmap_min_addr for the caller); KERN_RESOURCE_SHORTAGE.
 */
static int do_allocate(struct xnu_vm_map *map, void *arg)
{
	struct machina_vm_args *a = arg;
	u32 flags = (u32)a->vm_flags;
	bool fixed = !(flags & VM_FLAGS_ANYWHERE);
	u64 addr = a->address & PAGE_MASK, len;
	struct xnu_vm_object *obj;
	int kr;

	if ((flags & ~VM_FLAGS_USER_ALLOCATE) ||
	    (!fixed && (flags & VM_FLAGS_OVERWRITE)))
		return KERN_INVALID_ARGUMENT;
	if (!a->size) {
		a->address = 0;
		return KERN_SUCCESS;
	}
	if (!xnu_vm_round_size(a->size, &len))
		return KERN_INVALID_ARGUMENT;
	if (flags & VM_FLAGS_NOT_YET)
		return KERN_NOT_SUPPORTED;
	if ((flags & VM_FLAGS_PURGABLE) &&
	    (len >> PAGE_SHIFT) > PURGABLE_MAX_PAGES)
		return KERN_INVALID_ARGUMENT;
	/* Nothing is made for a size the target cannot take. */
	kr = xnu_vm_map_fits(map, addr, len, fixed, 0);
	if (kr)
		return kr;
	obj = new_object(len, flags);
	if (!obj)
		return KERN_RESOURCE_SHORTAGE;
	kr = xnu_vm_map_enter(map, obj, &addr, len, fixed,
			      flags & VM_FLAGS_OVERWRITE);
	xnu_vm_object_release(obj);
	if (!kr)
		a->address = addr;
	return kr;
}

long machina_call_vm_allocate(struct machina_task *task, void *arg)
{
	struct machina_vm_args *a = arg;

	if (a->flags || a->reserved || a->data || a->prot)
		return -EINVAL;
	return vm_call(task, a->task, MACHINA_TASK_CONTROL, a, do_allocate);
}

/*
 * do_deallocate - mach_vm_deallocate: unmap every page the range touches,
 * whatever memory it is; unmapped pages are no error.
 * Returns: KERN_SUCCESS (also for size 0 and for addresses past the
 * task's); KERN_INVALID_ARGUMENT (a range that wraps); KERN_ABORTED.
 */
static int do_deallocate(struct xnu_vm_map *map, void *arg)
{
	struct machina_vm_args *a = arg;
	u64 start, end;

	if (!a->size)
		return KERN_SUCCESS;
	if (!xnu_vm_page_range(a->address, a->size, &start, &end))
		return KERN_INVALID_ARGUMENT;
	end = min_t(u64, end, map->mm->task_size);
	if (start >= end)
		return KERN_SUCCESS;
	return xnu_vm_map_remove(map, start, end - start);
}

long machina_call_vm_deallocate(struct machina_task *task, void *arg)
{
	struct machina_vm_args *a = arg;

	if (a->flags || a->reserved || a->data || a->prot || a->vm_flags)
		return -EINVAL;
	return vm_call(task, a->task, MACHINA_TASK_CONTROL, a, do_deallocate);
}

/*
 * do_protect - mach_vm_protect; vm_flags is set_maximum.
 * Returns: KERN_SUCCESS (also for size 0); KERN_INVALID_ARGUMENT
 * (protection bits beyond VM_PROT_ALL | VM_PROT_COPY, a range that
 * wraps); KERN_INVALID_ADDRESS (a hole in the range);
 * KERN_PROTECTION_FAILURE (beyond a maximum, memory that is not Mach
 * VM's): nothing changes on these; or xnu_vm_map_protect()'s.
 */
static int do_protect(struct xnu_vm_map *map, void *arg)
{
	struct machina_vm_args *a = arg;
	u64 start, end;

	if (!xnu_vm_page_range(a->address, a->size, &start, &end) ||
	    (a->prot & ~(VM_PROT_ALL | VM_PROT_COPY)))
		return KERN_INVALID_ARGUMENT;
	if (!a->size)
		return KERN_SUCCESS;
	if (end > map->mm->task_size)
		return KERN_INVALID_ADDRESS;
	return xnu_vm_map_protect(map, start, end, a->prot, a->vm_flags != 0);
}

long machina_call_vm_protect(struct machina_task *task, void *arg)
{
	struct machina_vm_args *a = arg;

	if (a->flags || a->reserved || a->data)
		return -EINVAL;
	return vm_call(task, a->task, MACHINA_TASK_CONTROL, a, do_protect);
}

/*
 * do_inherit - mach_vm_inherit; prot is the new inheritance.
 * XNU (vm_user.c, vm_map.c vm_map_inherit): a value past VM_INHERIT_NONE
 * (DONATE_COPY included) or a range that wraps is KERN_INVALID_ARGUMENT,
 * size 0 succeeds, the page-rounded range is clamped to the map and its
 * holes are passed over.
 * Returns: KERN_SUCCESS; KERN_INVALID_ARGUMENT; KERN_PROTECTION_FAILURE
 * (memory that is not Mach VM's, which Linux does not already inherit as
 * asked: nothing changes); or xnu_vm_map_inherit()'s.
 */
static int do_inherit(struct xnu_vm_map *map, void *arg)
{
	struct machina_vm_args *a = arg;
	u64 start, end;

	if (!xnu_vm_page_range(a->address, a->size, &start, &end) ||
	    a->prot < VM_INHERIT_SHARE || a->prot > VM_INHERIT_NONE)
		return KERN_INVALID_ARGUMENT;
	if (!a->size)
		return KERN_SUCCESS;
	end = min_t(u64, end, map->mm->task_size);
	if (start >= end)
		return KERN_SUCCESS;
	return xnu_vm_map_inherit(map, start, end, a->prot);
}

long machina_call_vm_inherit(struct machina_task *task, void *arg)
{
	struct machina_vm_args *a = arg;

	if (a->flags || a->reserved || a->data || a->vm_flags)
		return -EINVAL;
	return vm_call(task, a->task, MACHINA_TASK_CONTROL, a, do_inherit);
}

/* Size and range checks shared by read, read_overwrite and write. */
static int check_copy_args(u64 addr, u64 size, bool count32)
{
	u64 end;

	if (count32 && size > U32_MAX)
		return KERN_INVALID_ARGUMENT;
	if (check_add_overflow(addr, size, &end))
		return KERN_INVALID_ARGUMENT;
	return KERN_SUCCESS;
}

/*
 * do_read - mach_vm_read: a copy of the target's range in new Mach VM
 * memory of the caller, at the same offset in its first page (data); the
 * caller deallocates [data, data + size).
 * Returns: KERN_SUCCESS with data (0 for size 0); KERN_INVALID_ARGUMENT
 * (a size beyond 32 bits, as the MIG count; a range that wraps);
 * KERN_INVALID_ADDRESS (a hole), KERN_PROTECTION_FAILURE (unreadable
 * memory): the caller's map is unchanged on these; KERN_NO_SPACE (no room
 * in the caller); KERN_RESOURCE_SHORTAGE (also when the new memory's
 * pages cannot be had: its memory cgroup, max_vm_bytes).
 */
static int do_read(struct xnu_vm_map *map, void *arg)
{
	struct machina_vm_args *a = arg;
	struct xnu_vm_map self;
	struct xnu_vm_object *obj;
	u64 off, len, daddr = 0;
	int kr;

	kr = check_copy_args(a->address, a->size, true);
	if (kr || !a->size)
		return kr;
	kr = xnu_vm_check_target_range(map, a->address, a->size, VM_READ);
	if (kr)
		return kr;
	off = a->address & ~PAGE_MASK;
	xnu_vm_round_size(off + a->size, &len);
	kr = xnu_vm_map_hold(&self, current);
	if (kr)
		return kr;
	kr = KERN_RESOURCE_SHORTAGE;
	obj = xnu_vm_object_create(len, 0);
	if (!obj)
		goto out;
	kr = xnu_vm_map_enter(&self, obj, &daddr, len, false, false);
	xnu_vm_object_release(obj);
	if (kr)
		goto out;
	kr = xnu_vm_copy(map, a->address, daddr + off, a->size, false);
	if (kr) {
		xnu_vm_map_remove(&self, daddr, len);
		/*
		 * The bytes go into the call's own new memory: a fault there
		 * found no page (or the caller unmapped it meanwhile).
		 */
		if (kr == KERN_MEMORY_FAILURE)
			kr = KERN_RESOURCE_SHORTAGE;
		goto out;
	}
	a->data = daddr + off;
out:
	xnu_vm_map_release(&self);
	return kr;
}

long machina_call_vm_read(struct machina_task *task, void *arg)
{
	struct machina_vm_args *a = arg;

	if (a->flags || a->reserved || a->data || a->prot || a->vm_flags)
		return -EINVAL;
	return vm_call(task, a->task, MACHINA_TASK_READ, a, do_read);
}

/*
 * do_copy - read_overwrite (the target's bytes over the caller's at data)
 * or write (vm_flags set by the handler: the caller's bytes at data over
 * the target's).  Both ranges are checked whole, the source's first as
 * Darwin copies in before it overwrites, before anything moves.
 * Returns: KERN_SUCCESS (also for size 0); KERN_INVALID_ARGUMENT (a range
 * that wraps; for write, a size beyond 32 bits, the MIG count);
 * KERN_INVALID_ADDRESS (a hole), KERN_PROTECTION_FAILURE (an unreadable
 * source, an unwritable destination); for write, an unreadable buffer of
 * the caller is MACH_SEND_INVALID_MEMORY (Darwin's copy-in of the message
 * fails so).
 */
static int do_copy(struct xnu_vm_map *map, void *arg)
{
	struct machina_vm_args *a = arg;
	bool to_target = a->vm_flags;
	int kr;

	kr = check_copy_args(a->address, a->size, to_target);
	if (!kr)
		kr = check_copy_args(a->data, a->size, to_target);
	if (kr || !a->size)
		return kr;
	if (to_target) {
		kr = check_caller_range(a->data, a->size, VM_READ);
		if (kr && kr != KERN_ABORTED)
			kr = MACH_SEND_INVALID_MEMORY;
		if (!kr)
			kr = xnu_vm_check_target_range(map, a->address,
						       a->size, VM_WRITE);
	} else {
		kr = xnu_vm_check_target_range(map, a->address, a->size,
					       VM_READ);
		if (!kr)
			kr = check_caller_range(a->data, a->size, VM_WRITE);
	}
	if (!kr)
		kr = xnu_vm_copy(map, a->address, a->data, a->size, to_target);
	if (kr == KERN_MEMORY_FAILURE)
		kr = to_target ? MACH_SEND_INVALID_MEMORY : KERN_INVALID_ADDRESS;
	return kr;
}

/* A copy call; the direction travels in vm_flags (zero from the user). */
static long copy_call(struct machina_task *task, struct machina_vm_args *a,
		      bool to_target)
{
	long kr;

	if (a->flags || a->reserved || a->prot || a->vm_flags)
		return -EINVAL;
	a->vm_flags = to_target;
	/* write: vm_map_t; read_overwrite: vm_map_read_t. */
	kr = vm_call(task, a->task,
		     to_target ? MACHINA_TASK_CONTROL : MACHINA_TASK_READ, a,
		     do_copy);
	a->vm_flags = 0;
	return kr;
}

long machina_call_vm_read_overwrite(struct machina_task *task, void *arg)
{
	return copy_call(task, arg, false);
}

long machina_call_vm_write(struct machina_task *task, void *arg)
{
	return copy_call(task, arg, true);
}

/* mach_vm_map's arguments, with its memory entry (or NULL) looked up. */
struct map_args {
	struct machina_vm_map *a;
	struct xnu_vm_named_entry *entry;
};

/*
 * xnu_vm_map_align - the alignment (a power of two above PAGE_SIZE, or 0
 * for none) an address must have for (address & @mask) to be 0; false
 * when no address of the task can (KERN_NO_SPACE).  mach_vm_map's and
 * mach_vm_remap's mask.
 */
bool xnu_vm_map_align(u64 mask, u64 *align)
{
	mask |= PAGE_SIZE - 1;
	*align = 0;
	if (mask == PAGE_SIZE - 1)
		return true;
	if (mask >= 1ULL << 62)
		return false;
	*align = roundup_pow_of_two(mask + 1);
	return true;
}

/*
 * map_entry_range - check and place the entry's part of a mach_vm_map
 * (XNU's vm_map_enter_mem_object): *@offset (into the entry; with
 * RETURN_DATA_ADDR from the entry's data) and @size within the entry,
 * the protections (VM_PROT_IS_MASK ones cut to the entry's) within what
 * it grants, and only FIXED, ANYWHERE, OVERWRITE, the data-address flags
 * and a tag for a copy entry.  Sets *@pgoff (the object's first page),
 * *@len (bytes mapped) and *@in_page (the data's offset in the first
 * page, returned added to the address).
 * Returns: KERN_SUCCESS; KERN_INVALID_RIGHT (more protection than the
 * entry grants); KERN_INVALID_ARGUMENT.
 */
static int map_entry_range(struct xnu_vm_named_entry *e, u32 flags,
			   u64 offset, u64 size, int *cur, int *max,
			   bool mask_cur, bool mask_max, u64 *pgoff, u64 *len,
			   u64 *in_page)
{
	bool data = flags & (VM_FLAGS_RETURN_DATA_ADDR |
			     VM_FLAGS_RETURN_4K_DATA_ADDR);
	u64 end;

	if (data && check_add_overflow(offset, e->data_offset, &offset))
		return KERN_INVALID_ARGUMENT;
	if (mask_max)
		*max &= e->prot;
	if (mask_cur)
		*cur &= e->prot;
	if ((e->prot & *max) != *max || (e->prot & *cur) != *cur)
		return KERN_INVALID_RIGHT;
	if (check_add_overflow(offset, size, &end) || end > e->size)
		return KERN_INVALID_ARGUMENT;
	if (e->is_copy &&
	    (flags & ~(VM_FLAGS_ANYWHERE | VM_FLAGS_OVERWRITE |
		       VM_FLAGS_RETURN_DATA_ADDR |
		       VM_FLAGS_RETURN_4K_DATA_ADDR | VM_FLAGS_ALIAS_MASK)))
		return KERN_INVALID_ARGUMENT;
	*in_page = 0;
	if (data) {
		*in_page = offset & ~PAGE_MASK;
		if (flags & VM_FLAGS_RETURN_4K_DATA_ADDR)
			*in_page &= ~0xFFFULL;
	}
	/* Within the entry: its size is whole pages. */
	xnu_vm_round_size(*in_page + size, len);
	*pgoff = (e->offset + (offset & PAGE_MASK)) >> PAGE_SHIFT;
	return KERN_SUCCESS;
}

/*
 * purgable_whole - may VM_FLAGS_PURGABLE map pages @pgoff.. (@len bytes)
 * of entry @e?  XNU's vm_map_enter takes an object with that flag only
 * whole, from offset 0, and purgeable: a copy (copy=TRUE maps a new,
 * non-purgeable object) never is.  The mapping then shares the entry's
 * view, and so its state.
 */
static bool purgable_whole(struct xnu_vm_named_entry *e, bool copy,
			   u64 pgoff, u64 len)
{
	/* A view's DENY never changes: no lock needed to see it. */
	return !copy && !pgoff && len == (u64)e->obj->npages << PAGE_SHIFT &&
	       e->pin.view->purgable != VM_PURGABLE_DENY;
}

/*
 * do_map - mach_vm_map / vm_map: @size bytes of the memory entry from
 * offset, or new zero-filled memory (no entry), into the target at
 * *address (FIXED, truncated to its page; OVERWRITE replaces what is
 * there) or anywhere at an address with (address & mask) == 0.  With
 * copy the mapping sees a copy-on-write snapshot of the entry's pages,
 * else the entry's pages themselves (shared with every other mapping of
 * it and with the range it was made from).  The mapping holds its own
 * references: it outlives the entry.  A current protection beyond the
 * maximum is cut to it (a Linux vma cannot have more).
 * Returns: KERN_SUCCESS with address (+ the data's offset in its page
 * with RETURN_DATA_ADDR); KERN_INVALID_ARGUMENT (flags outside
 * VM_FLAGS_USER_MAP, ANYWHERE with OVERWRITE, protections beyond
 * VM_PROT_ALL, an inheritance past NONE, size 0 or wrapping, a range past
 * the entry); KERN_INVALID_RIGHT (more protection than the entry grants);
 * KERN_INVALID_ARGUMENT also for PURGABLE beyond PURGABLE_MAX_PAGES or
 * with an entry unless purgable_whole();
 * KERN_NOT_SUPPORTED (4GB_CHUNK, PERMANENT, TPRO, superpages);
 * KERN_NO_SPACE (a FIXED address against the mask or in use, no room,
 * the target's RLIMIT_AS); KERN_INVALID_ADDRESS (a FIXED range past the
 * task's addresses); KERN_RESOURCE_SHORTAGE (no memory for the object or
 * a flat copy); or xnu_vm_map_enter_object()'s.  The size checks come
 * before anything is made.
 */
static int do_map(struct xnu_vm_map *map, void *arg)
{
	struct map_args *m = arg;
	struct machina_vm_map *a = m->a;
	struct xnu_vm_named_entry *e = m->entry;
	struct xnu_vm_map_request req = { .inherit = a->inheritance };
	u32 flags = (u32)a->vm_flags;
	bool mask_cur = a->cur_protection & VM_PROT_IS_MASK;
	bool mask_max = a->max_protection & VM_PROT_IS_MASK;
	int cur = a->cur_protection & ~VM_PROT_IS_MASK;
	int max = a->max_protection & ~VM_PROT_IS_MASK;
	u64 addr = a->address & PAGE_MASK, in_page = 0;
	int kr;

	req.fixed = !(flags & VM_FLAGS_ANYWHERE);
	req.overwrite = flags & VM_FLAGS_OVERWRITE;
	if ((flags & ~VM_FLAGS_USER_MAP) || (!req.fixed && req.overwrite) ||
	    (cur & ~VM_PROT_ALL) || (max & ~VM_PROT_ALL) ||
	    a->inheritance > VM_INHERIT_NONE || !a->size ||
	    !xnu_vm_round_size(a->size, &req.len))
		return KERN_INVALID_ARGUMENT;
	if (flags & VM_FLAGS_NOT_YET)
		return KERN_NOT_SUPPORTED;
	if ((flags & VM_FLAGS_PURGABLE) &&
	    (req.len >> PAGE_SHIFT) > PURGABLE_MAX_PAGES)
		return KERN_INVALID_ARGUMENT;
	if (e) {
		kr = map_entry_range(e, flags, a->offset, a->size, &cur, &max,
				     mask_cur, mask_max, &req.pgoff, &req.len,
				     &in_page);
		if (kr)
			return kr;
		if ((flags & VM_FLAGS_PURGABLE) &&
		    !purgable_whole(e, a->copy, req.pgoff, req.len))
			return KERN_INVALID_ARGUMENT;
	}
	if (req.fixed && (addr & a->mask))
		return KERN_NO_SPACE;
	if (!xnu_vm_map_align(a->mask, &req.align))
		return KERN_NO_SPACE;
	req.cur = cur & max;
	req.max = max;
	/* Nothing is made (object, copy) for a size the target cannot take. */
	kr = xnu_vm_map_fits(map, addr, req.len, req.fixed, req.align);
	if (kr)
		return kr;
	if (e) {
		req.obj = e->obj;
		if (a->copy)
			req.view = xnu_vm_view_copy(e->pin.view, req.pgoff,
					req.pgoff + (req.len >> PAGE_SHIFT) - 1);
		else
			req.view = xnu_vm_view_get(e->pin.view);
		if (!req.view)
			return KERN_RESOURCE_SHORTAGE;
	} else {
		req.obj = new_object(req.len, flags);
		if (!req.obj)
			return KERN_RESOURCE_SHORTAGE;
	}
	kr = xnu_vm_map_enter_object(map, &req, &addr);
	/*
	 * Another mapping sees the entry's view now (FREE keeps its pages);
	 * only once it exists: a failed one leaves the view as it was.  The
	 * entry's pin keeps the pages meanwhile.
	 */
	if (!kr && e && !a->copy)
		xnu_vm_view_mark_shared(req.view);
	if (e)
		xnu_vm_view_put(req.view);
	else
		xnu_vm_object_release(req.obj);
	if (!kr)
		a->address = addr + in_page;
	return kr;
}

long machina_call_vm_map(struct machina_task *task, void *arg)
{
	struct machina_vm_map *a = arg;
	struct map_args m = { .a = a };
	int kr;

	if (a->flags || a->copy > 1)
		return -EINVAL;
	m.entry = xnu_vm_named_entry_lookup(task, a->object, &kr);
	if (kr)
		return kr == KERN_INVALID_ARGUMENT ? KERN_INVALID_OBJECT : kr;
	kr = vm_call(task, a->task, MACHINA_TASK_CONTROL, &m, do_map);
	xnu_vm_named_entry_put(m.entry);
	return kr;
}
