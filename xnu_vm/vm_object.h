/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mach VM objects: memory the module owns, mapped into tasks by Linux vmas.
 *
 * Every mach_vm_allocate (and every mach_vm_read result) makes one object:
 * a zero-filled range of pages, allocated on first touch and charged to
 * the memory cgroup of the mm whose vma first needs a page of its view
 * (the task it was made for; a fork child's own for its copies).  The
 * object is reached through one file of the module's pseudo file system
 * (one inode per object, so later slices can zap an object's mappings with
 * unmap_mapping_range()); every vma that maps it is a VM_SHARED vma of that
 * file, whose fault handler serves the object's pages.  So the pages do not
 * belong to the vma: re-mapping a range of the object (what
 * mach_vm_protect does, vm_map.c) keeps its contents.
 *
 * Lifetime: the file holds the object's only reference; the file lives as
 * long as the caller that made it holds it and any vma maps it (vmas hold
 * the file); each vma holds its view, the last one of a view gives back
 * its pages.  Pages no vma maps any more
 * (a partial deallocate, munmap or mremap shrink) go back when that vma
 * closes (xnu_vm_object_trim()), so an object holds no more pages than
 * its vmas span: RLIMIT_AS and the RSS see all of it.  A re-mapping over
 * itself (mach_vm_protect) unmaps the old vma before the new one exists;
 * it holds its range (hold_first..hold_last) across that window.  A file
 * holds a module reference (its f_op owner), and the pseudo file system is
 * pinned while any object lives (simple_pin_fs), so neither outlives the
 * module.
 *
 * Copy-on-write (VM_INHERIT_COPY, VM_PROT_COPY): the pages are not the
 * object's directly but its layers' (XNU's shadow objects).  A layer holds
 * pages by index and may shadow a frozen layer below it (same indices); a
 * view is what a group of vmas of one mm sees (split halves share it): its
 * top layer, where its writes land, over the chain of frozen ones.  A read
 * finds the first layer of the chain holding the index and maps that page
 * (read-only if it is a frozen layer's: the vmas are VM_SHARED with a
 * .page_mkwrite, so Linux asks before any write); a write copies the page
 * into the top layer and zaps the index from every mapping of the object.
 * A fork copy of a COPY vma (or VM_PROT_COPY) freezes the view's top layer
 * (if it holds pages): the view moves onto a new empty top over it, the
 * copy gets its own new top over it, and every mapping of the object is
 * zapped so both sides fault again.  Nothing is copied until written.  A
 * frozen layer only one layer still shadows is merged into that one
 * (pages it already holds win), so a chain is never longer than the number
 * of live views that still share a snapshot.  A page merged up is copied
 * on write, not written in place, while anything besides its layer and
 * its mappings holds it (a reference taken while it was frozen).
 *
 * Depth: no chain is longer than XNU_VM_MAX_DEPTH layers (the top
 * included).  Kept copies of a view that is written between copies (a
 * fork, mach_vm_map(entry, copy=TRUE), MAP_MEM_VM_COPY, mach_vm_copy,
 * VM_PROT_COPY) would otherwise add a frozen layer each, without end, and
 * every trim walks the chain.  A copy of a
 * view that deep does not freeze its top: it is flat, a standalone layer
 * (layer_take(): no shadow) holding a reference to every page the view
 * sees in the copy's range (the pages its vma, mapping or entry covers,
 * never more: nothing would trim the rest), marked as taken over
 * (LAYER_MOVED, in both the copy and the view's top), so each side copies
 * a page before its first write while the other still holds it.  This is
 * XNU's collapse done at copy time: nothing is copied, no copy is
 * refused, a fork never fails; it costs the copy one xarray walk of the
 * pages the view sees in that range.  The same function takes the
 * out-of-line snapshots of a message and MAP_MEM_VM_COPY entries
 * (xnu_vm_view_snapshot(): always standalone, edge pages of an unaligned
 * out-of-line range copied with the rest zeroed); an out-of-line receive
 * maps the snapshot's own view.
 *
 * Payers: every layer that shares pages another view also sees has a
 * payer, the memory cgroup of the task that made it (a frozen layer: its
 * freezer; a standalone one: its maker; a received snapshot: the
 * receiver).  Every layer of an object is on obj->layers; when a write
 * through a view copies a page up into its top, every other layer with a
 * payer that still holds the original at that index gets its payer's copy
 * (one per payer, shared by that payer's layers; at most REPAY_PAYERS
 * payers per write), unless the writer's group is that payer or the
 * original is already charged there (layers_repay()): the one who keeps
 * a snapshot pays for it, never the owner of the pages it was taken of
 * (within the payer's limit: a copy its group cannot give leaves the
 * original where it was).  A standalone top frozen by a copy keeps its
 * payer on its own side (view_copy()): the copier pays only while its
 * copy lives.  The frozen layers of a chain have one payer: a copy is
 * layered only over frozen layers its copier pays for, any other copy
 * is flat (a layer another group froze would keep what the copy shares
 * at that group's cost).  A payer pays for what it was repaid only while
 * it keeps the layer: a layer collapsing into a child of another group's
 * side hands those pages up as copies charged to that side
 * (layer_collapse()).
 *
 * Ledgers (vm_ledger.h): each layer's pages also count in the ledger of
 * its keeper's user (l->ledger with l->payer, view->ledger with
 * view->memcg); l->counted is the ledger they are counted in now, moved
 * by layer_recount() when the keeper changes, so the counts are exact.
 * A new page past max_vm_bytes is refused (view_fill(), layer_take()).
 *
 * The vma's vm_private_data is its view (a reference per vma); a fork's
 * .open replaces the child vma's (already on the object's i_mmap, where a
 * trim of another mm reads it) under cow_lock.  Its
 * inheritance: VM_DONTCOPY (NONE), or which of the two vm_operations it
 * has (SHARE: a fork child's vma keeps the same view; COPY).
 *
 * Maximum protection of a mapping is kept in the vma's VM_MAY* bits, which
 * mprotect(2) already enforces; current protection is the vma's VM_READ,
 * VM_WRITE, VM_EXEC.
 *
 * Memory entries (vm_memory_entry.c) hold a view without any vma: each
 * holds a pin (struct xnu_vm_pin, on obj->pins) over the pages it names,
 * and trim keeps every page a pin's view sees in the pin's range, so an
 * entry outlives the range it was made from and its mappings.
 *
 * Locks: obj->map_lock (mutex) is held by whoever maps the object
 * (vm_mmap()), so that the mapping's attributes (map_max, map_view,
 * map_inherit) reach f_op->mmap; it is taken before the target mm's
 * mmap_lock.  obj->cow_lock (mutex) guards every layer and view of the
 * object (chains, tops, page xarrays, counts); it nests inside mmap_lock
 * (faults, .open, .close) and outside the page lock and i_mmap_rwsem
 * (trim, the zaps of a fork are made after it is dropped).
 *
 * Trims (xnu_vm_object_trim()) take cow_lock, then the object's
 * i_mmap_rwsem for reading, and look only at the vmas of i_mmap that map
 * a page of the range (an interval search); a view's nvmas is atomic
 * (mmap_lock of the vma's mm held where it changes), and a view with none
 * walks no vma for its top.  So tearing down N mappings of one object
 * costs O(N) steps in all (vm_trim_steps counts them), not O(N) per unmap
 * (docs/plans/xnu_vm.md section 23 says what is still superlinear).
 */
#ifndef _MACHINA_XNU_VM_OBJECT_H
#define _MACHINA_XNU_VM_OBJECT_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>

struct file;
struct mm_struct;
struct mem_cgroup;
struct vm_area_struct;
struct xnu_vm_ledger;

/* The longest chain of layers a view sees (its top included). */
#define XNU_VM_MAX_DEPTH	16

/* A layer of pages (a top one, or a frozen shadow); cow_lock. */
struct xnu_vm_layer {
	struct xarray pages;		/* page index -> struct page * */
	unsigned long resident;		/* pages held */
	bool purge_counted;		/* a VOLATILE view's top: its resident
					 * pages count in the purgeable
					 * shrinker's total as they change */
	struct xnu_vm_layer *shadow;	/* frozen layer below, or NULL */
	struct list_head children;	/* layers shadowing this one */
	struct list_head sibling;	/* in shadow->children */
	unsigned int nchildren;		/* frozen: what keeps it alive */
	struct list_head in_obj;	/* obj->layers */
	struct mem_cgroup *payer;	/* frozen or standalone: the memory
					 * cgroup of the task that froze or
					 * took it (a reference, or NULL),
					 * which pays for the pages only it
					 * keeps (layers_repay()) */
	bool taken;			/* standalone: made by layer_take()
					 * (or took over one that was) */
	struct xnu_vm_ledger *ledger;	/* with payer: its user's ledger (a
					 * reference, or NULL) */
	struct xnu_vm_ledger *counted;	/* the ledger @resident is counted
					 * in (a reference, or NULL: not
					 * counted): its keeper's as of the
					 * last layer_recount() */
	struct xnu_vm_view *view;	/* the view it is the top of, NULL
					 * once frozen */
};

/* What the vmas of one mm (or SHARE-inherited ones) see. */
struct xnu_vm_view {
	refcount_t ref;			/* one per vma, plus holders */
	atomic_t nvmas;			/* vmas whose vm_private_data it is
					 * (counted from f_op->mmap or .open
					 * to .close): with none, a trim of
					 * its top walks no vma */
	struct xnu_vm_object *obj;
	struct xnu_vm_layer *top;	/* cow_lock */
	struct mem_cgroup *memcg;	/* pays for new pages; set on the first
					 * one (cow_lock) */
	struct xnu_vm_ledger *ledger;	/* counts them (vm_ledger.h); set with
					 * memcg (cow_lock) */
	bool shared;			/* a SHARE fork gave it to another mm */
	/*
	 * Purgeable memory (vm_purgeable.c): the state is the view's, so
	 * what shares the view (its vmas, SHARE fork children, memory
	 * entries of its range and their non-copy mappings) shares it; a
	 * copy is a view of its own, never purgeable (DENY).  A purgeable
	 * view's top never gets a shadow: its copies are flat (view_copy()).
	 */
	u8 purgable;			/* VM_PURGABLE_*; cow_lock (DENY never
					 * changes) */
	bool purge_fault;		/* VM_PURGABLE_DEBUG_FAULT: a fault while
					 * VOLATILE or EMPTY is SIGBUS; cow_lock */
	bool purge_empty;		/* VM_PURGABLE_DEBUG_EMPTY: VOLATILE is
					 * EMPTY at once; cow_lock */
	bool purge_kernel_only;		/* MAP_MEM_PURGABLE_KERNEL_ONLY: no user
					 * SET_STATE; fixed at creation */
	kuid_t purge_uid;		/* effective uid of its maker */
	struct list_head volatile_link;	/* while VOLATILE: on the volatile
					 * list (vm_purgeable.c's lock) */
};

/* A memory entry's hold on pages @first..@last of @view (a reference). */
struct xnu_vm_pin {
	struct list_head link;		/* obj->pins; cow_lock */
	struct xnu_vm_view *view;
	pgoff_t first, last;
};

struct xnu_vm_object {
	struct mutex cow_lock;		/* every layer and view of it */
	struct list_head pins;		/* struct xnu_vm_pin; cow_lock */
	struct list_head layers;	/* every layer of it; cow_lock */
	unsigned int npins;		/* on pins (max_entries_per_object);
					 * cow_lock */
	pgoff_t npages;			/* size in pages, fixed */
	struct mutex map_lock;		/* held across vm_mmap() of the object */
	struct task_struct *map_owner;	/* who holds map_lock (mm_op_do());
					 * written under it */
	u8 map_max;			/* VM_PROT_* maximum of the mapping being
					 * made; map_lock */
	u8 map_inherit;			/* its VM_INHERIT_*; map_lock */
	unsigned long map_readahead;	/* its VM_RAND_READ / VM_SEQ_READ;
					 * map_lock */
	struct xnu_vm_view *map_view;	/* its view, NULL for a new one;
					 * map_lock */
	bool purgable;			/* a purgeable allocation or entry: its
					 * first view starts NONVOLATILE */
	bool purgable_kernel_only;	/* ... and only the kernel sets its state */
	u8 tag;				/* VM_MAKE_TAG() alias of the allocation
					 * (READ_ONCE: behavior_set REUSABLE
					 * and REUSE move malloc's) */
	struct file *file;		/* the object's file, for re-mapping */
	spinlock_t hold_lock;		/* hold_first, hold_last */
	pgoff_t hold_first, hold_last;	/* pages being re-mapped (hold_last <
					 * hold_first: none); map_lock to set */
};

int xnu_vm_object_init(void);
void xnu_vm_object_exit(void);

struct xnu_vm_object *xnu_vm_object_create(u64 size, u8 tag);
struct xnu_vm_object *xnu_vm_object_of(struct vm_area_struct *vma);
void xnu_vm_object_release(struct xnu_vm_object *obj);
struct xnu_vm_view *xnu_vm_view_of(struct vm_area_struct *vma);
int xnu_vm_vma_inheritance(struct vm_area_struct *vma);
bool xnu_vm_view_shared(struct xnu_vm_view *view);
struct xnu_vm_view *xnu_vm_view_get(struct xnu_vm_view *view);
void xnu_vm_view_put(struct xnu_vm_view *view);
struct xnu_vm_view *xnu_vm_view_copy(struct xnu_vm_view *view, pgoff_t first,
				     pgoff_t last);
struct xnu_vm_view *xnu_vm_view_new(struct xnu_vm_object *obj,
				    struct mm_struct *payer);
void xnu_vm_view_set_payer(struct xnu_vm_view *view, struct mm_struct *mm);
void xnu_vm_view_mark_shared(struct xnu_vm_view *view);
bool xnu_vm_view_pin(struct xnu_vm_view *view, struct xnu_vm_pin *pin,
		     pgoff_t first, pgoff_t last);
void xnu_vm_view_unpin(struct xnu_vm_pin *pin);
void xnu_vm_object_hold_range(struct xnu_vm_object *obj, pgoff_t first,
			      pgoff_t last);
void xnu_vm_object_trim(struct xnu_vm_view *view, pgoff_t first,
			pgoff_t last);
struct xnu_vm_view *xnu_vm_view_snapshot(struct xnu_vm_view *src,
					 pgoff_t first, pgoff_t last,
					 unsigned int head, unsigned int tail,
					 struct mm_struct *mm);
void xnu_vm_view_adopt(struct xnu_vm_view *view, struct mm_struct *mm);

long xnu_vm_trim_steps(void);

/* Facts for the inspection calls (vm_info.c). */
unsigned long xnu_vm_view_resident(struct xnu_vm_view *view, pgoff_t first,
				   pgoff_t last);
unsigned long xnu_vm_object_refs(struct xnu_vm_object *obj);
u8 xnu_vm_object_tag(struct xnu_vm_object *obj);
struct mem_cgroup *xnu_vm_mm_memcg(struct mm_struct *mm);

/* mach_vm_behavior_set on Mach VM memory (vm_behavior.c). */
#define XNU_VM_BEHAVIOR_BATCH	512	/* pages per cow_lock hold */
void xnu_vm_object_retag(struct xnu_vm_object *obj, u8 from, u8 to);
bool xnu_vm_view_frozen_below(struct xnu_vm_view *view);
bool xnu_vm_view_shadowed(struct xnu_vm_view *view);
pgoff_t xnu_vm_view_discard(struct xnu_vm_view *view, pgoff_t first,
			    pgoff_t last);
/* Purgeable memory (vm_purgeable.c). */
void xnu_vm_object_set_purgable(struct xnu_vm_object *obj, bool kernel_only);
bool xnu_vm_view_empty(struct xnu_vm_view *view, bool wait);
void xnu_vm_object_zap(struct xnu_vm_object *obj);
int xnu_vm_purgeable_init(void);
void xnu_vm_purgeable_exit(void);
void xnu_vm_purgeable_forget(struct xnu_vm_view *view);
long xnu_vm_view_volatile_pages(struct xnu_vm_view *view);
long xnu_vm_view_volatile_mapped(struct vm_area_struct *vma);
void xnu_vm_purgeable_count(struct xnu_vm_object *obj, struct xnu_vm_layer *l,
			    long delta);

int xnu_vm_view_zero(struct xnu_vm_view *view, pgoff_t first, pgoff_t last,
		     struct mm_struct *mm, pgoff_t *next);

#endif /* _MACHINA_XNU_VM_OBJECT_H */
