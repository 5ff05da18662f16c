/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mach VM objects: memory the module owns, mapped into tasks by Linux vmas.
 *
 * Every mach_vm_allocate (and every mach_vm_read result) makes one object:
 * a zero-filled range of pages held in an xarray, allocated on first touch
 * and charged to the memory cgroup of the mm the object was made for.  The
 * object is reached through one file of the module's pseudo file system
 * (one inode per object, so later slices can zap an object's mappings with
 * unmap_mapping_range()); every vma that maps it is a VM_SHARED vma of that
 * file, whose fault handler serves the object's pages.  So the pages do not
 * belong to the vma: re-mapping a range of the object (what
 * mach_vm_protect does, vm_map.c) keeps its contents.
 *
 * Lifetime: the file holds the object's only reference; the file lives as
 * long as the caller that made it holds it and any vma maps it (vmas hold
 * the file).  Its release frees the pages.  Pages no vma maps any more
 * (a partial deallocate, munmap or mremap shrink) go back when that vma
 * closes (xnu_vm_object_trim()), so an object holds no more pages than
 * its vmas span: RLIMIT_AS and the RSS see all of it.  A re-mapping over
 * itself (mach_vm_protect) unmaps the old vma before the new one exists;
 * it holds its range (hold_first..hold_last) across that window.  A file
 * holds a module reference (its f_op owner), and the pseudo file system is
 * pinned while any object lives (simple_pin_fs), so neither outlives the
 * module.
 *
 * Maximum protection of a mapping is kept in the vma's VM_MAY* bits, which
 * mprotect(2) already enforces; current protection is the vma's VM_READ,
 * VM_WRITE, VM_EXEC.
 *
 * Locks: obj->map_lock (mutex) is held by whoever maps the object
 * (vm_mmap()), so that the mapping's maximum protection (map_max) reaches
 * f_op->mmap; it is taken before the target mm's mmap_lock.  The page
 * xarray has its own lock; the fault path takes no object lock.
 */
#ifndef _MACHINA_XNU_VM_OBJECT_H
#define _MACHINA_XNU_VM_OBJECT_H

#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/xarray.h>

struct file;
struct mm_struct;
struct mem_cgroup;
struct vm_area_struct;

struct xnu_vm_object {
	struct xarray pages;		/* page index -> struct page * */
	pgoff_t npages;			/* size in pages, fixed */
	struct mem_cgroup *memcg;	/* pays for the pages; a css reference */
	const void *home_mm;		/* identity of the mm it was made for,
					 * never dereferenced */
	struct mutex map_lock;		/* held across vm_mmap() of the object */
	u8 map_max;			/* VM_PROT_* maximum of the mapping being
					 * made; map_lock */
	u8 tag;				/* VM_MAKE_TAG() alias of the allocation */
	bool shared;			/* mapped by another mm (a fork child) */
	struct file *file;		/* the object's file, for re-mapping */
	spinlock_t hold_lock;		/* hold_first, hold_last */
	pgoff_t hold_first, hold_last;	/* pages being re-mapped (hold_last <
					 * hold_first: none); map_lock to set */
};

int xnu_vm_object_init(void);
void xnu_vm_object_exit(void);

struct xnu_vm_object *xnu_vm_object_create(struct mm_struct *mm, u64 size,
					   u8 tag);
struct xnu_vm_object *xnu_vm_object_of(struct vm_area_struct *vma);
void xnu_vm_object_release(struct xnu_vm_object *obj);
void xnu_vm_object_hold_range(struct xnu_vm_object *obj, pgoff_t first,
			      pgoff_t last);
void xnu_vm_object_trim(struct xnu_vm_object *obj, pgoff_t first,
			pgoff_t last);

/* Facts for the inspection calls (vm_info.c). */
unsigned long xnu_vm_object_resident(struct xnu_vm_object *obj, pgoff_t first,
				     pgoff_t last);
unsigned long xnu_vm_object_refs(struct xnu_vm_object *obj);
bool xnu_vm_object_shared(struct xnu_vm_object *obj);
u8 xnu_vm_object_tag(struct xnu_vm_object *obj);

#endif /* _MACHINA_XNU_VM_OBJECT_H */
