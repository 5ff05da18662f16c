// SPDX-License-Identifier: GPL-2.0
/*
 * Mach VM objects (vm_object.h): the pages, the file that maps them, the
 * fault handler.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pseudo_fs.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "xnu_vm/vm_object.h"
#include "xnu_vm/vm_prot.h"

#define MACHINA_VM_MAGIC	0x4d564d31	/* "MVM1" */

static int vm_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, MACHINA_VM_MAGIC) ? 0 : -ENOMEM;
}

/*
 * The objects' file system.  It is mounted while any object lives
 * (simple_pin_fs() per object) and its superblock holds a module reference
 * (owner) until the last file's mount reference is gone, so nothing of it
 * outlives the module.
 */
static struct file_system_type vm_fs_type = {
	.owner = THIS_MODULE,
	.name = "machina_vm",
	.init_fs_context = vm_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

static struct vfsmount *vm_mnt;
static int vm_mnt_count;

static const struct vm_operations_struct vm_object_vm_ops;

/*
 * object_page - the page at @index of @obj, allocated (zeroed) on first use
 * and charged to the object's memory cgroup, whoever faults it in (the
 * target itself, or a caller writing into it through get_user_pages).
 * Conditions: process context, may sleep; no object lock (the xarray
 * serialises racing first uses: the loser frees its page).
 * Returns: the page (the object keeps its own reference), or NULL without
 * memory.
 */
static struct page *object_page(struct xnu_vm_object *obj, pgoff_t index)
{
	struct mem_cgroup *old;
	struct page *page, *cur;

	page = xa_load(&obj->pages, index);
	if (page)
		return page;
	old = set_active_memcg(obj->memcg);
	page = alloc_page(GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT |
			  __GFP_NOWARN);
	cur = page ? xa_cmpxchg(&obj->pages, index, NULL, page,
				GFP_KERNEL_ACCOUNT) : NULL;
	set_active_memcg(old);
	if (!page)
		return NULL;
	if (xa_is_err(cur)) {
		__free_page(page);
		return NULL;
	}
	if (cur) {
		__free_page(page);
		return cur;
	}
	return page;
}

/*
 * vm_object_fault - a page of a Mach VM mapping is touched
 * Conditions: the kernel's fault path (mmap_lock or the per-VMA lock held
 * for reading); takes no object lock.
 * Returns: 0 with vmf->page referenced for the new PTE; VM_FAULT_SIGBUS
 * past the object; VM_FAULT_OOM when no page can be had (the memory
 * cgroup is full even after its OOM handling).
 */
static vm_fault_t vm_object_fault(struct vm_fault *vmf)
{
	struct xnu_vm_object *obj = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff >= obj->npages)
		return VM_FAULT_SIGBUS;
	page = object_page(obj, vmf->pgoff);
	if (!page)
		return VM_FAULT_OOM;
	get_page(page);
	vmf->page = page;
	return 0;
}

/*
 * vm_object_open - a vma of the object was duplicated: split, moved, or
 * copied into a fork child (which then shares the object: Mach VM memory
 * is inherited VM_INHERIT_SHARE until inheritance exists, slice 2).
 * Conditions: the mm's mmap_lock held for writing.
 */
static void vm_object_open(struct vm_area_struct *vma)
{
	struct xnu_vm_object *obj = vma->vm_file->private_data;

	if ((const void *)vma->vm_mm != obj->home_mm)
		WRITE_ONCE(obj->shared, true);
}

/*
 * xnu_vm_object_hold_range - while pages @first..@last of @obj are
 * re-mapped over themselves (old vma gone, new one not yet there), keep
 * xnu_vm_object_trim() off them; @last < @first ends the hold.
 * Conditions: obj->map_lock held (so one hold at a time).
 */
void xnu_vm_object_hold_range(struct xnu_vm_object *obj, pgoff_t first,
			      pgoff_t last)
{
	lockdep_assert_held(&obj->map_lock);
	spin_lock(&obj->hold_lock);
	obj->hold_first = first;
	obj->hold_last = last;
	spin_unlock(&obj->hold_lock);
}

/*
 * xnu_vm_object_trim - free the pages of @obj in @first..@last that no vma
 * maps (in any mm) and no re-mapping holds
 * The object's vmas are the interval tree of its own inode's i_mmap
 * (sorted by first page); walked in order, the pages between what they
 * cover are the ones to free.  A vma is linked there before its first
 * fault, and a new one is only made from one that covers the same pages
 * (split, mremap, fork) or by the module holding the range, so a page seen
 * uncovered under i_mmap_rwsem stays so.  A PTE or a pin of a freed page
 * keeps its own reference.
 * Conditions: process context; may take i_mmap_rwsem (the caller may
 * hold an mmap_lock, never an i_mmap_rwsem).
 */
void xnu_vm_object_trim(struct xnu_vm_object *obj, pgoff_t first,
			pgoff_t last)
{
	struct address_space *mapping = obj->file->f_mapping;
	struct vm_area_struct *vma;
	struct rb_node *node;
	struct page *page;
	unsigned long index;
	pgoff_t from = first, to, vfirst, vlast = 0, hold_first, hold_last;

	if (last >= obj->npages)
		last = obj->npages - 1;
	if (first > last)
		return;
	i_mmap_lock_read(mapping);
	/*
	 * A hold set later waits for this lock to unlink its old vma; one
	 * ended since only keeps pages a little longer.
	 */
	spin_lock(&obj->hold_lock);
	hold_first = obj->hold_first;
	hold_last = obj->hold_last;
	spin_unlock(&obj->hold_lock);
	for (node = rb_first_cached(&mapping->i_mmap); from <= last;
	     node = node ? rb_next(node) : NULL) {
		/* [from, to): the pages before this vma that none covers. */
		to = last + 1;
		if (node) {
			vma = rb_entry(node, struct vm_area_struct, shared.rb);
			vfirst = vma->vm_pgoff;
			vlast = vfirst + vma_pages(vma) - 1;
			if (vlast < from)
				continue;
			to = min_t(pgoff_t, to, vfirst);
		}
		if (from < to) {
			xa_for_each_range(&obj->pages, index, page, from, to - 1) {
				if (hold_first <= hold_last &&
				    index >= hold_first && index <= hold_last)
					continue;
				xa_erase(&obj->pages, index);
				put_page(page);
			}
		}
		if (!node)
			break;
		from = max_t(pgoff_t, from, vlast + 1);
	}
	i_mmap_unlock_read(mapping);
}

/*
 * vm_object_close - a vma of the object is gone (unmapped whole or in
 * part, the process exiting): the pages it mapped that no other vma maps
 * go back now rather than when the whole object does.
 * Conditions: the mm's mmap_lock held for writing; the vma is already off
 * the inode's i_mmap.
 */
static void vm_object_close(struct vm_area_struct *vma)
{
	struct xnu_vm_object *obj = vma->vm_file->private_data;

	xnu_vm_object_trim(obj, vma->vm_pgoff,
			   vma->vm_pgoff + vma_pages(vma) - 1);
}

static const struct vm_operations_struct vm_object_vm_ops = {
	.fault = vm_object_fault,
	.open = vm_object_open,
	.close = vm_object_close,
};

/*
 * vm_object_mmap - f_op->mmap: a range of the object becomes a vma
 * Only the module maps an object (vm_mmap() with MAP_SHARED, holding
 * map_lock, map_max set); the file is never installed in a descriptor
 * table, and a reopen (/proc/PID/map_files) goes through the inode's own
 * file operations, which alloc_anon_inode() leaves at the kernel's
 * no_open (-ENXIO), never through these.
 * Conditions: mmap_lock held for writing; obj->map_lock held.
 * Returns: 0, or -EINVAL for a private mapping or one past the object.
 */
static int vm_object_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct xnu_vm_object *obj = file->private_data;
	unsigned long pages = vma_pages(vma);
	unsigned long clear = 0;

	lockdep_assert_held(&obj->map_lock);
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (pages > obj->npages || vma->vm_pgoff > obj->npages - pages)
		return -EINVAL;
	if (!(obj->map_max & VM_PROT_READ))
		clear |= VM_MAYREAD;
	if (!(obj->map_max & VM_PROT_WRITE))
		clear |= VM_MAYWRITE;
	if (!(obj->map_max & VM_PROT_EXECUTE))
		clear |= VM_MAYEXEC;
	/* The caller asked for no more than the maximum. */
	if ((vma->vm_flags & (clear >> 4)) & (VM_READ | VM_WRITE | VM_EXEC))
		return -EINVAL;
	machina_vm_flags_clear(vma, clear);
	/* No mremap() growth past what was mapped. */
	machina_vm_flags_set(vma, VM_DONTEXPAND);
	vma->vm_ops = &vm_object_vm_ops;
	return 0;
}

/*
 * vm_object_file_release - the object's file is gone: no vma maps the
 * object and nobody holds it, so its pages go back (and their charge).
 * Conditions: process context (__fput()).
 */
static int vm_object_file_release(struct inode *inode, struct file *file)
{
	struct xnu_vm_object *obj = file->private_data;
	struct page *page;
	unsigned long index;

	xa_for_each(&obj->pages, index, page)
		put_page(page);
	xa_destroy(&obj->pages);
	mem_cgroup_put(obj->memcg);
	kfree(obj);
	simple_release_fs(&vm_mnt, &vm_mnt_count);
	return 0;
}

static const struct file_operations vm_object_fops = {
	.owner = THIS_MODULE,
	.mmap = vm_object_mmap,
	.release = vm_object_file_release,
};

/*
 * xnu_vm_object_create - a new zero-filled object of @size bytes (a
 * multiple of PAGE_SIZE, not 0) for @mm, whose memory cgroup will pay for
 * its pages; @tag is the allocation's VM_MAKE_TAG() alias
 * The bookkeeping (object, inode, file) is charged to the caller.
 * Conditions: process context, no locks held.
 * Returns: the object, held through obj->file (drop with
 * xnu_vm_object_release() once mapped: the vmas keep it), or NULL without
 * memory.
 */
struct xnu_vm_object *xnu_vm_object_create(struct mm_struct *mm, u64 size,
					   u8 tag)
{
	struct xnu_vm_object *obj;
	struct inode *inode;
	struct file *file;

	obj = kzalloc(sizeof(*obj), GFP_KERNEL_ACCOUNT);
	if (!obj)
		return NULL;
	xa_init(&obj->pages);
	mutex_init(&obj->map_lock);
	spin_lock_init(&obj->hold_lock);
	obj->hold_first = 1;	/* no hold */
	obj->npages = size >> PAGE_SHIFT;
	obj->home_mm = mm;
	obj->tag = tag;
	obj->map_max = VM_PROT_ALL;
	obj->memcg = get_mem_cgroup_from_mm(mm);
	if (simple_pin_fs(&vm_fs_type, &vm_mnt, &vm_mnt_count))
		goto err_memcg;
	inode = alloc_anon_inode(vm_mnt->mnt_sb);
	if (IS_ERR(inode))
		goto err_pin;
	/* The file's f_op owner reference, dropped by __fput(). */
	if (!try_module_get(THIS_MODULE))
		goto err_inode;
	file = alloc_file_pseudo(inode, vm_mnt, "mach_vm", O_RDWR,
				 &vm_object_fops);
	if (IS_ERR(file))
		goto err_module;
	file->private_data = obj;
	obj->file = file;
	return obj;

err_module:
	module_put(THIS_MODULE);
err_inode:
	iput(inode);
err_pin:
	simple_release_fs(&vm_mnt, &vm_mnt_count);
err_memcg:
	mem_cgroup_put(obj->memcg);
	kfree(obj);
	return NULL;
}

/*
 * xnu_vm_object_release - drop the creator's hold on @obj (its file);
 * the object lives on while a vma maps it.
 * Conditions: process context, no locks held.
 */
void xnu_vm_object_release(struct xnu_vm_object *obj)
{
	fput(obj->file);
}

/*
 * xnu_vm_object_of - the object @vma maps, or NULL for memory that is not
 * Mach VM's (anonymous, files, other drivers)
 * Conditions: the vma's mm's mmap_lock held.  No reference is taken: the
 * object lives at least as long as the vma.
 */
struct xnu_vm_object *xnu_vm_object_of(struct vm_area_struct *vma)
{
	if (vma->vm_ops != &vm_object_vm_ops)
		return NULL;
	return vma->vm_file->private_data;
}

/*
 * Facts about an object for the inspection calls (vm_info.c).  Each is a
 * snapshot that may be stale at once.  Conditions: the caller keeps @obj
 * alive (holds the mmap_lock of an mm with a vma mapping it).
 */

/* xnu_vm_object_resident - how many of pages @first..@last are in memory */
unsigned long xnu_vm_object_resident(struct xnu_vm_object *obj, pgoff_t first,
				     pgoff_t last)
{
	unsigned long index, n = 0;
	struct page *page;

	xa_for_each_range(&obj->pages, index, page, first, last)
		n++;
	return n;
}

/*
 * xnu_vm_object_refs - references to the object: one per vma that maps
 * it in any mm, plus calls holding it for a moment (its file's count)
 */
unsigned long xnu_vm_object_refs(struct xnu_vm_object *obj)
{
	return file_count(obj->file);
}

/* xnu_vm_object_shared - is @obj mapped by another mm than its own? */
bool xnu_vm_object_shared(struct xnu_vm_object *obj)
{
	return READ_ONCE(obj->shared);
}

/* xnu_vm_object_tag - the VM_MAKE_TAG alias @obj was allocated with */
u8 xnu_vm_object_tag(struct xnu_vm_object *obj)
{
	return obj->tag;
}
