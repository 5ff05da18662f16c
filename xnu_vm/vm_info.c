// SPDX-License-Identifier: GPL-2.0
/*
 * Facts about a task's memory for the inspection calls (vm_info.h):
 * region facts (mach_vm_region EXTENDED/TOP, mach_vm_region_recurse),
 * page facts (mach_vm_page_query, mach_vm_page_info), task totals
 * (task_info TASK_VM_INFO).
 *
 * Mach VM memory is described from its object (vm_object.h accessors):
 * resident pages are the object's pages in the vma's range, the reference
 * count is the number of vmas (in any mm) mapping the object.  Other
 * memory is described as Linux holds it.  Linux exports no page-table walk
 * to modules (walk_page_range, __pte_offset_map, follow_pte on 6.12 are
 * not exported), so a page of such memory counts as resident when
 * get_user_pages_remote() with FOLL_NOFAULT finds it mapped: the same
 * pages RSS counts (the shared zero page excepted, as RSS does), without
 * faulting anything in (hugetlb memory only where gup keeps FOLL_NOFAULT
 * for it: MACHINA_GUP_HUGETLB_NOFAULT).  FOLL_FORCE (reading only, never the data) lets
 * PROT_NONE pages be seen; gup marks the pages it finds accessed, as any
 * remote read does.  Private anonymous memory without an anon_vma has
 * never been touched and is skipped without a walk.
 *
 * What Linux cannot tell a module is reported as 0 (pages swapped out,
 * dirtied, shared-now-private, reusable; the PTE's referenced and dirty
 * bits), and docs/plans/xnu_vm.md lists it.
 */
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/once.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/siphash.h>

#include "mach/kern_return.h"
#include "personality/compat.h"
#include "xnu_vm/vm_info.h"
#include "xnu_vm/vm_map.h"
#include "xnu_vm/vm_object.h"
#include "xnu_vm/vm_prot.h"

static_assert(sizeof(struct xnu_task_vm_info) == 93 * 4);
static_assert(TASK_VM_INFO_REV0_COUNT == 36 && TASK_VM_INFO_REV1_COUNT == 38 &&
	      TASK_VM_INFO_REV2_COUNT == 42 && TASK_VM_INFO_REV3_COUNT == 84 &&
	      TASK_VM_INFO_REV4_COUNT == 86 && TASK_VM_INFO_REV5_COUNT == 87 &&
	      TASK_VM_INFO_REV6_COUNT == 89);

/* Pages looked up at once when counting resident pages. */
#define PRESENT_BATCH	16

static siphash_key_t id_key;

/*
 * object_id - the id user space sees for the kernel object at @p: a hash
 * keyed once per boot, never the address; 0 for none
 */
static u64 object_id(const void *p)
{
	if (!p)
		return 0;
	get_random_once(&id_key, sizeof(id_key));
	return siphash_1u64((u64)(unsigned long)p, &id_key) ?: 1;
}

/* Is @vma (NULL: none) still the region @w describes? */
static bool same_region(struct vm_area_struct *vma,
			const struct xnu_vm_walk *w)
{
	return vma && vma->vm_start == w->start && vma->vm_end == w->end &&
	       vma->vm_file == w->file && vma->anon_vma == w->anon_vma;
}

/*
 * xnu_vm_walk_begin - note what identifies @vma's region, so that a walk of
 * it can let the mmap_lock go and find it again (xnu_vm_walk_pause())
 * Conditions: @vma's mm's mmap_lock held.
 */
void xnu_vm_walk_begin(struct xnu_vm_walk *w, struct vm_area_struct *vma)
{
	machina_mmap_assert_locked(vma->vm_mm);
	*w = (struct xnu_vm_walk){ vma->vm_start, vma->vm_end, vma->vm_file,
				   vma->anon_vma };
}

/*
 * xnu_vm_walk_pause - the step a long walk under @mm's mmap_lock (read)
 * takes between probes: when someone waits for the lock (a writer: mmap,
 * munmap, a fault needing it), it is let go and taken again, as Linux's
 * smaps_rollup does, so no reader of another task's map holds its writers
 * back for the length of a walk; a caller killed meanwhile (before the
 * step, or while it waits to take the lock again) ends the walk
 * @vma: the vma being walked; @addr: where the walk goes on.
 * Conditions: @mm's mmap_lock held for reading; held again on return,
 * except after a kill.
 * Returns: the vma to go on with: @vma when the lock was kept, the one now
 * at @addr when it is still the region @w noted, or NULL (the map changed
 * meanwhile: the walk stops with what it counted, a snapshot of the
 * moment; nothing found before the pause may be used); ERR_PTR(-EINTR)
 * when the caller was killed: the lock is let go then (the walk's count
 * is no answer, its caller returns KERN_ABORTED).
 */
struct vm_area_struct *xnu_vm_walk_pause(struct mm_struct *mm,
					 const struct xnu_vm_walk *w,
					 struct vm_area_struct *vma,
					 unsigned long addr)
{
	machina_mmap_assert_locked(mm);
	if (fatal_signal_pending(current)) {
		mmap_read_unlock(mm);
		return ERR_PTR(-EINTR);
	}
	if (!mmap_lock_is_contended(mm))
		return vma;
	mmap_read_unlock(mm);
	cond_resched();
	if (mmap_read_lock_killable(mm))
		return ERR_PTR(-EINTR);
	vma = vma_lookup(mm, addr);
	return same_region(vma, w) ? vma : NULL;
}

/*
 * foreign_resident - pages of [@start, @end) of @vma (not Mach VM memory)
 * that are mapped now, found without faulting (FOLL_NOFAULT)
 * The walk probes page by page, so its length is the region's size, not
 * what is resident (a 16 TiB reservation is 2^32 probes): it lets @mm's
 * mmap_lock go whenever someone waits for it (as smaps_rollup does) and
 * goes on if the region is still the same one, else stops with what it
 * counted (the map changed under the query: a snapshot of the moment).
 * hugetlb memory is not walked where gup would fault it in
 * (MACHINA_GUP_HUGETLB_NOFAULT): it counts as not resident.
 * Conditions: @mm's mmap_lock held for reading; it is held again on
 * return (but for -EINTR), but may have been let go: the caller must not
 * use @vma (or anything found under the lock) after this call.
 * Returns: the count, or -EINTR when the caller was killed, with the
 * mmap_lock let go (xnu_vm_walk_pause()).
 */
static long foreign_resident(struct mm_struct *mm, struct vm_area_struct *vma,
			     unsigned long start, unsigned long end)
{
	struct page *pages[PRESENT_BATCH];
	struct xnu_vm_walk w;
	unsigned long addr = start;
	long got, i, count = 0;

	machina_mmap_assert_locked(mm);
	if (vma->vm_flags & (VM_IO | VM_PFNMAP))
		return 0;
	if (!vma->vm_file && !vma->anon_vma)
		return 0;
	if (is_vm_hugetlb_page(vma) && !MACHINA_GUP_HUGETLB_NOFAULT)
		return 0;
	xnu_vm_walk_begin(&w, vma);
	while (addr < end) {
		vma = xnu_vm_walk_pause(mm, &w, vma, addr);
		if (IS_ERR(vma))
			return PTR_ERR(vma);
		if (!vma)
			break;
		got = min_t(unsigned long, PRESENT_BATCH,
			    (end - addr) >> PAGE_SHIFT);
		got = machina_gup_remote(mm, addr, got,
					 FOLL_NOFAULT | FOLL_FORCE, pages);
		if (got <= 0) {
			/* Not mapped (or not reachable): skip the page. */
			addr += PAGE_SIZE;
			continue;
		}
		for (i = 0; i < got; i++) {
			if (!is_zero_pfn(page_to_pfn(pages[i])))
				count++;
			put_page(pages[i]);
		}
		addr += got << PAGE_SHIFT;
		cond_resched();
	}
	return count;
}

/* Is @vma backed by a file system other than tmpfs/hugetlbfs? */
static bool external_file(struct vm_area_struct *vma)
{
	unsigned long magic;

	if (!vma->vm_file)
		return false;
	magic = file_inode(vma->vm_file)->i_sb->s_magic;
	return magic != TMPFS_MAGIC && magic != HUGETLBFS_MAGIC;
}

/*
 * foreign_object - the object facts of memory that is not Mach VM's:
 * a file (or shared memory) is its inode, referenced by its open file's
 * count; private anonymous memory is its anon_vma once touched (one
 * reference), no object before (SM_EMPTY, as XNU before the first fault)
 * Conditions: the vma's mm's mmap_lock held.
 */
static void foreign_object(struct vm_area_struct *vma,
			   struct xnu_vm_region_facts *f)
{
	if (vma->vm_file) {
		f->obj_id = object_id(file_inode(vma->vm_file));
		f->ref_count = file_count(vma->vm_file);
		f->external_pager = external_file(vma);
		f->share_mode = (vma->vm_flags & VM_MAYSHARE) ? SM_SHARED :
								SM_COW;
		return;
	}
	if (vma->anon_vma) {
		f->obj_id = object_id(vma->anon_vma);
		f->ref_count = 1;
		f->share_mode = SM_PRIVATE;
		return;
	}
	f->share_mode = SM_EMPTY;
}

/*
 * xnu_vm_region_facts - what the extended region flavors report about
 * @vma beyond its basic attributes (vm_info.h)
 * Mach VM memory: the pages the vma's view sees in its range (its top
 * layer's and those of the frozen layers below not hidden by one above),
 * the object's reference count (vmas mapping it), share mode SHARED for a
 * view a SHARE fork gave another task, COW while a fork's snapshot is
 * still shared with another view, else PRIVATE (XNU's answer for an object
 * only one map holds); the allocation's tag.
 * Conditions: @mm's mmap_lock held for reading; held on return, but it
 * may have been let go meanwhile (foreign_resident()): @vma is not to be
 * used after.
 * Returns: KERN_SUCCESS, or KERN_ABORTED when the caller was killed (the
 * mmap_lock is let go then).
 */
int xnu_vm_region_facts(struct mm_struct *mm, struct vm_area_struct *vma,
			struct xnu_vm_region_facts *f)
{
	struct xnu_vm_object *obj = xnu_vm_object_of(vma);
	unsigned long start_stack = mm->start_stack;
	long n;

	machina_mmap_assert_locked(mm);
	memset(f, 0, sizeof(*f));
	if (obj) {
		struct xnu_vm_view *view = xnu_vm_view_of(vma);

		n = xnu_vm_view_resident(view, vma->vm_pgoff,
					 vma->vm_pgoff + vma_pages(vma) - 1);
		f->pages_resident = (u32)min_t(unsigned long, n, U32_MAX);
		f->ref_count = (u32)min_t(unsigned long,
					  xnu_vm_object_refs(obj), U32_MAX);
		f->user_tag = xnu_vm_object_tag(obj);
		f->obj_id = object_id(obj);
		f->share_mode = READ_ONCE(view->shared) ? SM_SHARED :
				xnu_vm_view_shared(view) ? SM_COW : SM_PRIVATE;
		return KERN_SUCCESS;
	}
	foreign_object(vma, f);
	if (vma->vm_start <= start_stack && start_stack < vma->vm_end)
		f->user_tag = VM_MEMORY_STACK;
	/* Last: the count may let the mmap_lock go (@vma unusable after). */
	n = foreign_resident(mm, vma, vma->vm_start, vma->vm_end);
	if (n < 0)
		return KERN_ABORTED;
	f->pages_resident = (u32)min_t(long, n, U32_MAX);
	return KERN_SUCCESS;
}

/*
 * xnu_vm_page_facts - mach_vm_page_query / mach_vm_page_info of the page
 * at @addr: PRESENT when it is in memory (Mach VM memory: in its object;
 * other memory: mapped), EXTERNAL for file-backed memory; the object's
 * reference count, id and the page's offset in it.  An address no region
 * covers is no error: nothing is reported (XNU: no entry, no object, no
 * page).
 * Conditions: process context; takes @mm's mmap_lock for reading.
 * Returns: KERN_SUCCESS, KERN_ABORTED.
 */
int xnu_vm_page_facts(struct mm_struct *mm, u64 addr,
		      struct xnu_vm_page_facts *f)
{
	struct xnu_vm_region_facts rf;
	struct vm_area_struct *vma;
	struct xnu_vm_object *obj;
	unsigned long page = addr & PAGE_MASK;
	pgoff_t index;
	long n = 0;

	memset(f, 0, sizeof(*f));
	if (addr >= mm->task_size)
		return KERN_SUCCESS;
	if (mmap_read_lock_killable(mm))
		return KERN_ABORTED;
	vma = find_vma(mm, addr);
	if (!vma || vma->vm_start > addr)
		goto out;
	index = vma->vm_pgoff + ((page - vma->vm_start) >> PAGE_SHIFT);
	obj = xnu_vm_object_of(vma);
	if (obj) {
		n = xnu_vm_view_resident(xnu_vm_view_of(vma), index, index);
		f->ref_count = (s32)min_t(unsigned long,
					  xnu_vm_object_refs(obj), S32_MAX);
		f->object_id = object_id(obj);
		f->offset = (u64)index << PAGE_SHIFT;
	} else {
		memset(&rf, 0, sizeof(rf));
		foreign_object(vma, &rf);
		f->ref_count = rf.ref_count;
		f->object_id = rf.obj_id;
		f->offset = vma->vm_file ? (u64)index << PAGE_SHIFT :
					   page - vma->vm_start;
		if (rf.external_pager)
			f->disposition |= VM_PAGE_QUERY_PAGE_EXTERNAL;
		/* Last: may let the mmap_lock go (@vma unusable after). */
		n = foreign_resident(mm, vma, page, page + PAGE_SIZE);
		/* Killed: the lock went with the walk. */
		if (n < 0)
			return KERN_ABORTED;
	}
	if (n > 0)
		f->disposition |= VM_PAGE_QUERY_PAGE_PRESENT;
out:
	mmap_read_unlock(mm);
	return KERN_SUCCESS;
}

/*
 * xnu_vm_task_info - TASK_VM_INFO (or with @purgeable
 * TASK_VM_INFO_PURGEABLE) of the task running @mm
 * virtual_size: total_vm; region_count: vmas; page_size: the kernel's;
 * resident_size: RSS, resident_size_peak: its high-water mark.
 * internal: anonymous, shared-memory and Mach VM pages (Mach VM pages are
 * file pages to Linux's counters, so they move from external to
 * internal); external: the other file pages.  phys_footprint: XNU counts
 * internal + compressed (+ IOKit and purgeable ledgers Machina has not);
 * with no compressor it is internal.  min/max_address: 0 and the task's
 * top (Linux's map starts at 0; mmap_min_addr is a policy, not a bound
 * of the map).  purgeable_volatile_virtual, _resident and _pmap: only with
 * @purgeable, as XNU's task_info() fills them for TASK_VM_INFO_PURGEABLE
 * only (vm_map_query_volatile(); 0 for TASK_VM_INFO): writable vmas of
 * VOLATILE or EMPTY views, their size, the view's pages, and of those
 * the ones this mm's page tables map now (XNU's pmap_query_resident()
 * of the entry; xnu_vm_view_volatile_mapped(), which may let the
 * mmap_lock go between regions' probes: the totals are then those of a map
 * that changed under the query).  Everything else is 0: Linux
 * keeps no peaks of internal or external, no device, reusable or
 * compressor counts, no ledgers or footprint limit.
 * Conditions: process context; takes @mm's mmap_lock for reading.
 * Returns: KERN_SUCCESS, KERN_ABORTED.
 */
int xnu_vm_task_info(struct mm_struct *mm, struct xnu_task_vm_info *info,
		     bool purgeable)
{
	struct vm_area_struct *vma;
	struct xnu_vm_object *obj;
	unsigned long anon, file, shmem, rss, mach = 0, end;
	int regions = 0;
	long vol, mapped;

	memset(info, 0, sizeof(*info));
	if (mmap_read_lock_killable(mm))
		return KERN_ABORTED;
	for (vma = find_vma(mm, 0); vma; vma = find_vma(mm, end)) {
		end = vma->vm_end;
		/*
		 * Each Mach VM vma walks its object's resident pages, and one
		 * object may be mapped tens of thousands of times: a caller
		 * killed meanwhile stops here (sec_vmgaps_test).
		 */
		if (fatal_signal_pending(current)) {
			mmap_read_unlock(mm);
			return KERN_ABORTED;
		}
		regions++;
		obj = xnu_vm_object_of(vma);
		if (!obj)
			continue;
		mach += xnu_vm_view_resident(xnu_vm_view_of(vma),
					     vma->vm_pgoff,
					     vma->vm_pgoff + vma_pages(vma) - 1);
		/*
		 * XNU's vm_map_query_volatile(): writable entries of VOLATILE
		 * or EMPTY objects, the object's pages counted once (at the
		 * entry that maps its offset 0).
		 */
		if (!purgeable || !(vma->vm_flags & VM_WRITE) || vma->vm_pgoff)
			continue;
		vol = xnu_vm_view_volatile_pages(xnu_vm_view_of(vma));
		if (vol < 0)
			continue;
		info->purgeable_volatile_virtual += vma->vm_end - vma->vm_start;
		info->purgeable_volatile_resident += (u64)vol << PAGE_SHIFT;
		/* Last: may let the mmap_lock go (@vma unusable after). */
		mapped = xnu_vm_view_volatile_mapped(vma);
		/* Killed: the lock went with the walk. */
		if (mapped < 0)
			return KERN_ABORTED;
		if (mapped > 0)
			info->purgeable_volatile_pmap +=
				(u64)mapped << PAGE_SHIFT;
	}
	/* Killed in the last region's walk: a count cut short is no answer. */
	if (fatal_signal_pending(current)) {
		mmap_read_unlock(mm);
		return KERN_ABORTED;
	}
	info->virtual_size = (u64)mm->total_vm << PAGE_SHIFT;
	mmap_read_unlock(mm);

	anon = machina_mm_counter(mm, MM_ANONPAGES);
	file = machina_mm_counter(mm, MM_FILEPAGES);
	shmem = machina_mm_counter(mm, MM_SHMEMPAGES);
	rss = anon + file + shmem;
	mach = min(mach, file);
	info->region_count = regions;
	info->page_size = PAGE_SIZE;
	info->resident_size = (u64)rss << PAGE_SHIFT;
	info->resident_size_peak =
		(u64)max(READ_ONCE(mm->hiwater_rss), rss) << PAGE_SHIFT;
	info->internal = (u64)(anon + shmem + mach) << PAGE_SHIFT;
	info->external = (u64)(file - mach) << PAGE_SHIFT;
	info->phys_footprint = info->internal;
	info->min_address = 0;
	info->max_address = mm->task_size;
	return KERN_SUCCESS;
}
