// SPDX-License-Identifier: GPL-2.0
/*
 * mach_vm_msync: synchronise a range with its backing store (XNU's
 * vm_map_msync over Linux's vmas).
 *
 * What each flag does here:
 *   VM_SYNC_SYNCHRONOUS  shared file mappings in the range are written back
 *                        and waited for (vfs_fsync_range of the mapped
 *                        part of the file, as Linux's msync(MS_SYNC));
 *   VM_SYNC_ASYNCHRONOUS nothing to start: Linux tracks dirty shared pages
 *                        and writes them back itself (msync(MS_ASYNC) is a
 *                        no-op too);
 *   VM_SYNC_INVALIDATE, KILLPAGES, DEACTIVATE, REUSABLEPAGES
 *                        no effect: they allow XNU to drop or age pages,
 *                        which Machina leaves to Linux's reclaim (contents
 *                        are kept, which every caller must accept);
 *   VM_SYNC_CONTIGUOUS   a hole in the range is KERN_INVALID_ADDRESS
 *                        (without it holes are skipped, as XNU does).
 * Mach VM memory and anonymous memory have no backing store to write to.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>

#include "mach/kern_return.h"
#include "mach/task.h"
#include "personality/calls.h"
#include "uapi/machina.h"
#include "xnu_vm/vm_map.h"
#include "xnu_vm/vm_object.h"
#include "xnu_vm/vm_prot.h"
#include "xnu_vm/vm_sanitize.h"

/*
 * sync_next - the first shared mapping of a file that can be written back
 * (it has an fsync; not a Mach VM object) at or after @at in [@at, @end)
 * with @hole set when a gap comes before it (or before @end), its file
 * (referenced) and the file range its part of [@at, @end) maps
 * Conditions: takes @mm's mmap_lock for reading.
 * Returns: the file (fput() it), NULL when none is left; *@next is where
 * to go on.
 */
static struct file *sync_next(struct mm_struct *mm, u64 at, u64 end,
			      bool *hole, loff_t *fstart, loff_t *fend,
			      u64 *next)
{
	struct vm_area_struct *vma;
	struct file *file = NULL;
	u64 part_end;

	*next = end;
	if (mmap_read_lock_killable(mm))
		return ERR_PTR(-EINTR);
	while (at < end) {
		vma = find_vma(mm, at);
		if (!vma || vma->vm_start >= end) {
			*hole = true;
			break;
		}
		if (vma->vm_start > at)
			*hole = true;
		at = max_t(u64, at, vma->vm_start);
		part_end = min_t(u64, end, vma->vm_end);
		/* Mach VM objects have no backing store to write to. */
		if (vma->vm_file && (vma->vm_flags & VM_SHARED) &&
		    vma->vm_file->f_op->fsync && !xnu_vm_object_of(vma)) {
			*fstart = ((loff_t)vma->vm_pgoff << PAGE_SHIFT) +
				  (at - vma->vm_start);
			*fend = *fstart + (part_end - at) - 1;
			file = get_file(vma->vm_file);
			*next = part_end;
			break;
		}
		at = part_end;
	}
	mmap_read_unlock(mm);
	return file;
}

/*
 * do_msync - mach_vm_msync of [address, address + size) with vm_flags as
 * the VM_SYNC_* flags (the file's top comment says what each does)
 * Returns: KERN_SUCCESS (also for size 0, and for holes without
 * VM_SYNC_CONTIGUOUS); KERN_INVALID_ARGUMENT (ASYNCHRONOUS with
 * SYNCHRONOUS, a range that wraps); KERN_INVALID_ADDRESS (a hole with
 * VM_SYNC_CONTIGUOUS); KERN_FAILURE (the write-back failed: Linux's EIO,
 * where XNU reports nothing); KERN_ABORTED.
 */
static int do_msync(struct xnu_vm_map *map, void *arg)
{
	struct machina_vm_args *a = arg;
	u32 flags = (u32)a->vm_flags;
	u64 at, end, next;
	loff_t fstart, fend;
	struct file *file;
	bool hole = false;
	int err = 0;

	if ((flags & VM_SYNC_ASYNCHRONOUS) && (flags & VM_SYNC_SYNCHRONOUS))
		return KERN_INVALID_ARGUMENT;
	if (!a->size)
		return KERN_SUCCESS;
	if (!xnu_vm_page_range(a->address, a->size, &at, &end))
		return KERN_INVALID_ARGUMENT;
	if (!(flags & (VM_SYNC_SYNCHRONOUS | VM_SYNC_CONTIGUOUS)))
		return KERN_SUCCESS;
	if (end > map->mm->task_size) {
		hole = true;
		end = map->mm->task_size;
	}
	while (at < end) {
		file = sync_next(map->mm, at, end, &hole, &fstart, &fend, &next);
		if (IS_ERR(file))
			return KERN_ABORTED;
		if (!file)
			break;
		if ((flags & VM_SYNC_SYNCHRONOUS) && !err)
			err = vfs_fsync_range(file, fstart, fend, 1);
		fput(file);
		if (fatal_signal_pending(current))
			return KERN_ABORTED;
		at = next;
	}
	if (err)
		return KERN_FAILURE;
	if (hole && (flags & VM_SYNC_CONTIGUOUS))
		return KERN_INVALID_ADDRESS;
	return KERN_SUCCESS;
}

long machina_call_vm_msync(struct machina_task *task, void *arg)
{
	struct machina_vm_args *a = arg;

	if (a->flags || a->reserved || a->data || a->prot)
		return -EINVAL;
	return xnu_vm_call(task, a->task, MACHINA_TASK_CONTROL, a, do_msync);
}
