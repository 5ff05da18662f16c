// SPDX-License-Identifier: GPL-2.0
/*
 * Copies between the caller and a task's map (mach_vm_read,
 * read_overwrite, write): the target's pages are pinned a batch at a time
 * with get_user_pages_remote() under its mmap_lock, the lock is dropped,
 * and the bytes move between those pages and the caller's memory with
 * copy_to_user/copy_from_user (which may fault in the caller's own mm).
 * No FOLL_FORCE: the target's protections hold, as on Darwin.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include "mach/kern_return.h"
#include "xnu_vm/vm_map.h"

/* Pages pinned at once: bounds the time the target's mmap_lock is held. */
#define COPY_BATCH	16

/*
 * xnu_vm_check_range - can every byte of [@start, @end) of @mm be accessed
 * with @need (VM_READ, VM_WRITE, VM_EXEC: every bit given)?  In address
 * order, the first problem is reported, as XNU's copy-in and overwrite
 * walks do.
 * Conditions: @mm's mmap_lock held; @start < @end.
 * Returns: KERN_SUCCESS; KERN_INVALID_ADDRESS at a hole;
 * KERN_PROTECTION_FAILURE at a vma without @need, or one whose pages
 * cannot be reached (VM_IO, VM_PFNMAP device memory).
 */
int xnu_vm_check_range(struct mm_struct *mm, u64 start, u64 end,
		       unsigned long need)
{
	struct vm_area_struct *vma;
	u64 cur = start;

	machina_mmap_assert_locked(mm);
	while (cur < end) {
		vma = find_vma(mm, cur);
		if (!vma || vma->vm_start > cur)
			return KERN_INVALID_ADDRESS;
		if ((vma->vm_flags & need) != need ||
		    (vma->vm_flags & (VM_IO | VM_PFNMAP)))
			return KERN_PROTECTION_FAILURE;
		cur = vma->vm_end;
	}
	return KERN_SUCCESS;
}

/*
 * xnu_vm_check_target_range - xnu_vm_check_range() of the target's
 * [@addr, @addr + @len), which takes its mmap_lock for reading.
 * Returns: also KERN_INVALID_ADDRESS past the task's addresses and
 * KERN_ABORTED (a fatal signal while waiting for the lock).
 */
int xnu_vm_check_target_range(struct xnu_vm_map *map, u64 addr, u64 len,
			      unsigned long need)
{
	int kr;

	if (addr >= map->mm->task_size || len > map->mm->task_size - addr)
		return KERN_INVALID_ADDRESS;
	if (mmap_read_lock_killable(map->mm))
		return KERN_ABORTED;
	kr = xnu_vm_check_range(map->mm, addr, addr + len, need);
	mmap_read_unlock(map->mm);
	return kr;
}

/* The Mach status of a get_user_pages_remote() that fell short. */
static int gup_kr(long err)
{
	if (err == -ENOMEM)
		return KERN_RESOURCE_SHORTAGE;
	if (err == -EINTR || err == -ERESTARTSYS)
		return KERN_ABORTED;
	return KERN_INVALID_ADDRESS;
}

/*
 * copy_batch - move up to COPY_BATCH pages' worth between @map at @addr
 * and the caller at @uaddr
 * Returns: bytes moved (> 0), or a negated Mach status: the target range's
 * (checked again under the lock, the target may have changed), or
 * KERN_MEMORY_FAILURE when the caller's memory faulted.
 */
static long copy_batch(struct xnu_vm_map *map, u64 addr, u64 uaddr, u64 len,
		       bool to_target)
{
	struct page *pages[COPY_BATCH];
	u64 first = addr & PAGE_MASK;
	unsigned long off = addr & ~PAGE_MASK;
	long n, i, done = 0;
	int kr;

	n = min_t(u64, COPY_BATCH, (off + len + PAGE_SIZE - 1) >> PAGE_SHIFT);
	len = min_t(u64, len, n * PAGE_SIZE - off);
	if (mmap_read_lock_killable(map->mm))
		return -KERN_ABORTED;
	kr = xnu_vm_check_range(map->mm, addr, addr + len,
				to_target ? VM_WRITE : VM_READ);
	if (kr) {
		mmap_read_unlock(map->mm);
		return -kr;
	}
	n = machina_gup_remote(map->mm, first, n, to_target ? FOLL_WRITE : 0,
			       pages);
	mmap_read_unlock(map->mm);
	if (n <= 0)
		return -gup_kr(n);
	kr = KERN_SUCCESS;
	for (i = 0; i < n; i++) {
		unsigned long take = min_t(u64, PAGE_SIZE - off, len - done);
		void *kaddr;
		unsigned long left;

		if (!kr && take) {
			kaddr = kmap_local_page(pages[i]);
			if (to_target)
				left = copy_from_user(kaddr + off,
						      u64_to_user_ptr(uaddr + done),
						      take);
			else
				left = copy_to_user(u64_to_user_ptr(uaddr + done),
						    kaddr + off, take);
			kunmap_local(kaddr);
			if (to_target)
				set_page_dirty_lock(pages[i]);
			if (left)
				kr = KERN_MEMORY_FAILURE;
			else
				done += take;
		}
		off = 0;
		put_page(pages[i]);
	}
	return kr ? -kr : done;
}

/*
 * xnu_vm_copy - copy @len bytes between @map at @addr and the caller's
 * memory at @uaddr: into the target (@to_target, mach_vm_write) or out of
 * it (read, read_overwrite).  The caller has checked both ranges whole
 * first; a change racing with the copy ends it with what was done.
 * Conditions: process context, the target's image held, no lock.
 * Returns: KERN_SUCCESS; KERN_INVALID_ADDRESS, KERN_PROTECTION_FAILURE
 * (the target range); KERN_MEMORY_FAILURE (the caller's buffer faulted);
 * KERN_RESOURCE_SHORTAGE; KERN_ABORTED (killed).
 */
int xnu_vm_copy(struct xnu_vm_map *map, u64 addr, u64 uaddr, u64 len,
		bool to_target)
{
	long done;

	while (len) {
		if (fatal_signal_pending(current))
			return KERN_ABORTED;
		done = copy_batch(map, addr, uaddr, len, to_target);
		if (done < 0)
			return -done;
		addr += done;
		uaddr += done;
		len -= done;
		cond_resched();
	}
	return KERN_SUCCESS;
}
