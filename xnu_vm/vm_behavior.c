// SPDX-License-Identifier: GPL-2.0
/*
 * mach_vm_behavior_set: paging hints and page actions on a range (XNU's
 * vm_map_behavior_set over Linux's vmas).
 *
 * Order of the checks, as XNU's: a behavior past VM_BEHAVIOR_ZERO (or
 * negative) is KERN_INVALID_ARGUMENT; a range that wraps when rounded to
 * pages KERN_INVALID_ARGUMENT; size 0 succeeds (whatever the behavior);
 * a range past the task's addresses KERN_NO_SPACE; then each behavior's
 * own checks over the whole range, before anything changes: every page
 * must be mapped (KERN_INVALID_ADDRESS).
 *
 * What each behavior does here:
 *   DEFAULT, RANDOM, SEQUENTIAL, RSEQNTL  the read-ahead hint of the range
 *       (madvise NORMAL / RANDOM / SEQUENTIAL; RSEQNTL is RANDOM: Linux
 *       reads ahead forward only), read back by mach_vm_region; vm_map.c
 *       xnu_vm_map_behavior() says how a part of a vma gets it;
 *   WILLNEED  every page is faulted in for reading (pages of Mach VM
 *       memory filled, file pages read); unreadable memory is
 *       KERN_PROTECTION_FAILURE;
 *   DONTNEED  nothing to do: XNU deactivates the pages and keeps their
 *       contents; Linux ages pages by its own reclaim;
 *   FREE, REUSABLE  the pages of Mach VM memory nobody else sees (no
 *       other task, no snapshot, no memory entry) are let go
 *       (xnu_vm_view_discard()): the next touch reads zeroes; other
 *       memory keeps its contents (no exported madvise frees another mm's
 *       pages), which these behaviors allow;
 *   REUSABLE, REUSE, CAN_REUSE  XNU's reusability check of malloc-tagged
 *       memory (vma_reusable()); REUSABLE also wants write access; the
 *       MALLOC_LARGE alias moves to LARGE_REUSABLE and back to
 *       LARGE_REUSED as XNU moves it;
 *   ZERO  the resident pages of Mach VM memory are zeroed in place
 *       (xnu_vm_view_zero()); writable, not executable memory only
 *       (KERN_PROTECTION_FAILURE), file memory KERN_PROTECTION_FAILURE
 *       (XNU: not internal), memory sharing a snapshot and anonymous
 *       memory that is not Mach VM's KERN_NO_ACCESS (XNU: copy-on-write;
 *       the caller zeroes it itself, as Darwin's callers do);
 *   ZERO_WIRED_PAGES  writable memory only; nothing to record: Linux
 *       zeroes every page before it reaches user space again;
 *   PAGEOUT  KERN_INVALID_ARGUMENT, as on XNU's release kernels (it
 *       exists only where MACH_ASSERT is built in).
 *
 * Bounds: the whole-range checks hold the mmap_lock for one walk of the
 * range's vmas; the actions take it per vma and per XNU_VM_BEHAVIOR_BATCH
 * pages (WILLNEED: per WILLNEED_BATCH) and stop when the caller is
 * killed.  Pages WILLNEED faults into another task are charged to that
 * task's memory cgroup (its mm's), as its own faults would be.
 */
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>

#include "mach/kern_return.h"
#include "mach/task.h"
#include "personality/calls.h"
#include "uapi/machina.h"
#include "xnu_vm/vm_map.h"
#include "xnu_vm/vm_object.h"
#include "xnu_vm/vm_prot.h"
#include "xnu_vm/vm_sanitize.h"

#define WILLNEED_BATCH	32	/* pages per get_user_pages_remote() */

/* Is @tag one of malloc's, whose regions XNU checks before reuse? */
static bool malloc_tag(u8 tag)
{
	switch (tag) {
	case VM_MEMORY_MALLOC:
	case VM_MEMORY_MALLOC_SMALL:
	case VM_MEMORY_MALLOC_LARGE:
	case VM_MEMORY_REALLOC:
	case VM_MEMORY_MALLOC_TINY:
	case VM_MEMORY_MALLOC_LARGE_REUSABLE:
	case VM_MEMORY_MALLOC_LARGE_REUSED:
		return true;
	}
	return false;
}

/*
 * vma_reusable - XNU's vm_map_entry_is_reusable(): memory without a
 * malloc tag is the caller's to judge (yes); a malloc region must still
 * be as malloc made it: read-write, maximum all, inherited by copy, not
 * wired, and not written since it came to share a snapshot (XNU: no
 * shadow object; a virtual copy of it, a fork, a copy-on-write mapping,
 * only marks the entry needs-copy until the owner writes, and byte
 * copies, mach_vm_read and out-of-line snapshots, leave it alone).
 * Memory that is not Mach VM's has no tag.
 * Conditions: the vma's mm's mmap_lock held; may take the object's
 * cow_lock.
 */
static bool vma_reusable(struct vm_area_struct *vma)
{
	struct xnu_vm_object *obj = xnu_vm_object_of(vma);
	unsigned long f = vma->vm_flags;

	if (!obj || !malloc_tag(xnu_vm_object_tag(obj)))
		return true;
	if ((f & (VM_READ | VM_WRITE | VM_EXEC)) != (VM_READ | VM_WRITE) ||
	    (f & (VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)) !=
	    (VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC) ||
	    (f & VM_LOCKED) ||
	    xnu_vm_vma_inheritance(vma) != VM_INHERIT_COPY)
		return false;
	return !xnu_vm_view_shadowed(xnu_vm_view_of(vma));
}

/*
 * vma_check - may @behavior act on @vma?  XNU's per-entry checks.
 * Conditions: as vma_reusable().
 * Returns: KERN_SUCCESS, or the error the whole call fails with.
 */
static int vma_check(struct vm_area_struct *vma, int behavior)
{
	struct xnu_vm_object *obj = xnu_vm_object_of(vma);
	unsigned long f = vma->vm_flags;

	switch (behavior) {
	case VM_BEHAVIOR_WILLNEED:
		return (f & VM_READ) ? KERN_SUCCESS : KERN_PROTECTION_FAILURE;
	case VM_BEHAVIOR_ZERO_WIRED_PAGES:
		return (f & VM_WRITE) ? KERN_SUCCESS : KERN_PROTECTION_FAILURE;
	case VM_BEHAVIOR_REUSABLE:
		if (!vma_reusable(vma))
			return KERN_INVALID_ADDRESS;
		return (f & VM_WRITE) ? KERN_SUCCESS : KERN_PROTECTION_FAILURE;
	case VM_BEHAVIOR_REUSE:
	case VM_BEHAVIOR_CAN_REUSE:
		return vma_reusable(vma) ? KERN_SUCCESS : KERN_INVALID_ADDRESS;
	case VM_BEHAVIOR_ZERO:
		if (!(f & VM_WRITE) || (f & VM_EXEC))
			return KERN_PROTECTION_FAILURE;
		if (!obj)
			return vma->vm_file ? KERN_PROTECTION_FAILURE :
					      KERN_NO_ACCESS;
		return xnu_vm_view_frozen_below(xnu_vm_view_of(vma)) ?
		       KERN_NO_ACCESS : KERN_SUCCESS;
	}
	return KERN_SUCCESS;
}

/*
 * range_check - every page of [@start, @end) mapped and every vma
 * passing vma_check(), in one hold of the mmap_lock (nothing acts before)
 * Conditions: process context, no lock held.
 * Returns: KERN_SUCCESS; KERN_INVALID_ADDRESS for the first hole; the
 * first vma's vma_check() error; KERN_ABORTED.
 */
static int range_check(struct mm_struct *mm, u64 start, u64 end,
		       int behavior)
{
	struct vm_area_struct *vma;
	u64 cur = start;
	int kr = KERN_SUCCESS;

	if (mmap_read_lock_killable(mm))
		return KERN_ABORTED;
	while (cur < end && !kr) {
		vma = find_vma(mm, cur);
		if (!vma || vma->vm_start > cur) {
			kr = KERN_INVALID_ADDRESS;
			break;
		}
		kr = vma_check(vma, behavior);
		cur = vma->vm_end;
	}
	mmap_read_unlock(mm);
	return kr;
}

/*
 * One step of an action: @vma covers @at; the step works on [@at, *@next)
 * (*@next is the end of the vma's part of the range) and may lower
 * *@next to where it stopped (always past @at).
 */
typedef int (*behavior_step)(struct xnu_vm_map *map,
			     struct vm_area_struct *vma, u64 at, u64 *next,
			     int behavior);

/*
 * range_walk - run @step over [@start, @end), the mmap_lock (for writing
 * if @write) taken anew for each step, so no step holds it long
 * Conditions: process context, no lock held.
 * Returns: KERN_SUCCESS; KERN_INVALID_ADDRESS when a hole appeared since
 * the check (what came before it is done, as XNU's WILLNEED and ZERO);
 * KERN_ABORTED (killed); or what @step returns.
 */
static int range_walk(struct xnu_vm_map *map, u64 start, u64 end,
		      bool write, behavior_step step, int behavior)
{
	struct mm_struct *mm = map->mm;
	struct vm_area_struct *vma;
	u64 at = start, next = end;
	int kr = KERN_SUCCESS;

	while (at < end && !kr) {
		if (fatal_signal_pending(current))
			return KERN_ABORTED;
		if (write ? mmap_write_lock_killable(mm) :
			    mmap_read_lock_killable(mm))
			return KERN_ABORTED;
		vma = find_vma(mm, at);
		if (!vma || vma->vm_start > at) {
			kr = KERN_INVALID_ADDRESS;
		} else {
			next = min_t(u64, end, vma->vm_end);
			kr = step(map, vma, at, &next, behavior);
		}
		if (write)
			mmap_write_unlock(mm);
		else
			mmap_read_unlock(mm);
		at = next;
		cond_resched();
	}
	return kr;
}

/* The object pages [*@first, *@last] of a Mach VM vma's [@at, @next). */
static void vma_pages_of(struct vm_area_struct *vma, u64 at, u64 next,
			 pgoff_t *first, pgoff_t *last)
{
	*first = vma->vm_pgoff + ((at - vma->vm_start) >> PAGE_SHIFT);
	*last = *first + ((next - at) >> PAGE_SHIFT) - 1;
}

/*
 * willneed_step - fault in up to WILLNEED_BATCH pages from @at for
 * reading, as the target's own read faults would (charged to its memory
 * cgroup, active around the call); a page that cannot be had (a file
 * mapping past its end) is passed over, as the hint it is.  Memory gup
 * cannot fault (VM_IO, VM_PFNMAP) is passed over whole.
 * Conditions: the mm's mmap_lock held (read).
 * Returns: KERN_SUCCESS; KERN_RESOURCE_SHORTAGE (out of memory).
 */
static int willneed_step(struct xnu_vm_map *map, struct vm_area_struct *vma,
			 u64 at, u64 *next, int behavior)
{
	struct page *pages[WILLNEED_BATCH];
	struct mem_cgroup *memcg, *old;
	unsigned long n = min_t(u64, WILLNEED_BATCH,
				(*next - at) >> PAGE_SHIFT);
	long got, i;

	if (vma->vm_flags & (VM_IO | VM_PFNMAP))
		return KERN_SUCCESS;
	memcg = xnu_vm_mm_memcg(map->mm);
	old = set_active_memcg(memcg);
	got = machina_gup_remote(map->mm, at, n, 0, pages);
	set_active_memcg(old);
	mem_cgroup_put(memcg);
	if (got == -ENOMEM)
		return KERN_RESOURCE_SHORTAGE;
	for (i = 0; i < got; i++)
		put_page(pages[i]);
	*next = at + ((got > 0 ? got : 1) << PAGE_SHIFT);
	return KERN_SUCCESS;
}

/*
 * discard_step - FREE / REUSABLE: let go of up to XNU_VM_BEHAVIOR_BATCH
 * pages of a Mach VM vma's part (xnu_vm_view_discard() decides which may
 * go); other memory keeps its pages.  REUSABLE marks a large malloc
 * region reusable.
 * Conditions: the mm's mmap_lock held for writing.
 */
static int discard_step(struct xnu_vm_map *map, struct vm_area_struct *vma,
			u64 at, u64 *next, int behavior)
{
	struct xnu_vm_object *obj = xnu_vm_object_of(vma);
	pgoff_t first, last, stop;

	machina_mmap_assert_write_locked(map->mm);
	if (!obj)
		return KERN_SUCCESS;
	if (behavior == VM_BEHAVIOR_REUSABLE) {
		xnu_vm_object_retag(obj, VM_MEMORY_MALLOC_LARGE,
				    VM_MEMORY_MALLOC_LARGE_REUSABLE);
		xnu_vm_object_retag(obj, VM_MEMORY_MALLOC_LARGE_REUSED,
				    VM_MEMORY_MALLOC_LARGE_REUSABLE);
	}
	vma_pages_of(vma, at, *next, &first, &last);
	stop = xnu_vm_view_discard(xnu_vm_view_of(vma), first, last);
	*next = at + ((u64)(stop - first) << PAGE_SHIFT);
	return KERN_SUCCESS;
}

/*
 * zero_step - ZERO: zero up to XNU_VM_BEHAVIOR_BATCH resident pages of a
 * Mach VM vma's part, after its checks again (the map may have changed
 * since range_check()).
 * Conditions: the mm's mmap_lock held (read).
 * Returns: KERN_SUCCESS, or as vma_check() and xnu_vm_view_zero().
 */
static int zero_step(struct xnu_vm_map *map, struct vm_area_struct *vma,
		     u64 at, u64 *next, int behavior)
{
	pgoff_t first, last, stop;
	int kr;

	machina_mmap_assert_locked(map->mm);
	kr = vma_check(vma, behavior);
	if (kr)
		return kr;
	vma_pages_of(vma, at, *next, &first, &last);
	kr = xnu_vm_view_zero(xnu_vm_view_of(vma), first, last, map->mm,
			      &stop);
	if (stop > first)
		*next = at + ((u64)(stop - first) << PAGE_SHIFT);
	return kr;
}

/* reuse_step - REUSE: a reusable large malloc region is in use again. */
static int reuse_step(struct xnu_vm_map *map, struct vm_area_struct *vma,
		      u64 at, u64 *next, int behavior)
{
	struct xnu_vm_object *obj = xnu_vm_object_of(vma);

	if (obj)
		xnu_vm_object_retag(obj, VM_MEMORY_MALLOC_LARGE_REUSABLE,
				    VM_MEMORY_MALLOC_LARGE_REUSED);
	return KERN_SUCCESS;
}

/*
 * do_behavior_set - mach_vm_behavior_set; prot is the behavior.
 * Returns: KERN_SUCCESS; KERN_INVALID_ARGUMENT (an unknown behavior,
 * PAGEOUT, a range that wraps); KERN_NO_SPACE (past the task's
 * addresses); KERN_INVALID_ADDRESS (a hole, memory not reusable);
 * KERN_PROTECTION_FAILURE; KERN_NO_ACCESS (ZERO on copy-on-write
 * memory); KERN_RESOURCE_SHORTAGE; KERN_ABORTED.
 */
static int do_behavior_set(struct xnu_vm_map *map, void *arg)
{
	struct machina_vm_args *a = arg;
	int behavior = a->prot;
	u64 start, end;
	int kr;

	if (behavior < 0 || behavior > VM_BEHAVIOR_LAST_VALID ||
	    !xnu_vm_page_range(a->address, a->size, &start, &end))
		return KERN_INVALID_ARGUMENT;
	if (!a->size)
		return KERN_SUCCESS;
	if (end > map->mm->task_size)
		return KERN_NO_SPACE;
	switch (behavior) {
	case VM_BEHAVIOR_DEFAULT:
	case VM_BEHAVIOR_RANDOM:
	case VM_BEHAVIOR_SEQUENTIAL:
	case VM_BEHAVIOR_RSEQNTL:
		return xnu_vm_map_behavior(map, start, end, behavior);
	case VM_BEHAVIOR_PAGEOUT:
		return KERN_INVALID_ARGUMENT;
	}
	kr = range_check(map->mm, start, end, behavior);
	if (kr)
		return kr;
	switch (behavior) {
	case VM_BEHAVIOR_WILLNEED:
		return range_walk(map, start, end, false, willneed_step,
				  behavior);
	case VM_BEHAVIOR_FREE:
	case VM_BEHAVIOR_REUSABLE:
		return range_walk(map, start, end, true, discard_step,
				  behavior);
	case VM_BEHAVIOR_REUSE:
		return range_walk(map, start, end, false, reuse_step,
				  behavior);
	case VM_BEHAVIOR_ZERO:
		return range_walk(map, start, end, false, zero_step,
				  behavior);
	}
	/* DONTNEED, CAN_REUSE, ZERO_WIRED_PAGES: the checks are all. */
	return KERN_SUCCESS;
}

long machina_call_vm_behavior_set(struct machina_task *task, void *arg)
{
	struct machina_vm_args *a = arg;

	if (a->flags || a->reserved || a->data || a->vm_flags)
		return -EINVAL;
	return xnu_vm_call(task, a->task, MACHINA_TASK_CONTROL, a,
			   do_behavior_set);
}
