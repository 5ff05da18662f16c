// SPDX-License-Identifier: GPL-2.0
/*
 * Purgeable memory: mach_vm_purgable_control, mach_memory_entry_purgable_
 * control, and the shrinker that empties volatile memory under pressure.
 *
 * What is purgeable: memory allocated with VM_FLAGS_PURGABLE
 * (mach_vm_allocate, mach_vm_map of new memory) and NAMED_CREATE memory
 * entries made with MAP_MEM_PURGABLE.  The state is the view's
 * (vm_object.h): everything sharing the view shares it (the range's vmas,
 * SHARE fork children, memory entries of the range and their non-copy
 * mappings); a copy (a COPY fork, mach_vm_copy, mach_vm_read, out-of-line
 * memory, MAP_MEM_VM_COPY, copy=TRUE) is a view of its own that is not
 * purgeable, as XNU copies a COPY_NONE object into a new one (normal
 * fork: vm_map_fork(..., 0) without VM_MAP_FORK_PRESERVE_PURGEABLE,
 * osfmk/kern/task.c).  A purgeable view's copies are flat, so emptying
 * it never takes a page a copy holds.
 *
 * States (XNU's vm_object_purgable_control): NONVOLATILE, VOLATILE (the
 * system may empty it), EMPTY (emptied: reported until the owner sets
 * NONVOLATILE; VOLATILE asked of it stays EMPTY), DENY (not purgeable: no
 * control applies, KERN_INVALID_ARGUMENT).  SET_STATE answers the old
 * state.  After emptying, a touch finds zeroes (XNU's vm_fault_page()
 * zero-fills; only VM_PURGABLE_DEBUG_FAULT makes it an error: SIGBUS,
 * vm_object.c purge_faults()).
 *
 * Emptying: every page of the view goes (xnu_vm_view_empty()) and every
 * mapping of the object is zapped, so no PTE keeps one.  It happens on
 * SET_STATE EMPTY (or VOLATILE with VM_PURGABLE_DEBUG_EMPTY), on
 * PURGE_ALL, and in the shrinker: Linux's reclaim (kswapd, direct reclaim,
 * drop_caches) asks it for the volatile views, the oldest FIFO one first
 * (LIFO and OBSOLETE views are put at the head).  The volatile groups,
 * the order in group and aging are checked and otherwise not used.
 *
 * Deliberate difference: PURGE_ALL empties every volatile view in XNU.
 * Here a caller without CAP_SYS_ADMIN empties only the volatile views
 * made by its own effective uid; no user empties another's memory on
 * demand (memory pressure still empties anyone's volatile memory).
 *
 * Locks: purge_lock (mutex) guards the volatile list; a top layer's
 * purge_counted flag changes under purge_lock and its cow_lock, and the
 * page total (an atomic) moves with its resident count under cow_lock; it
 * is taken before obj->cow_lock (a state change takes both; PURGE_ALL
 * holds it while it empties views one by one) and inside mmap_lock (the
 * calls hold the target's for reading; a vma's .close puts its view).  A
 * view on the list is not freed while purge_lock is held: its last
 * reference takes it off under the lock first (xnu_vm_purgeable_forget(),
 * without cow_lock), so the walkers need no view reference, and nothing
 * holds a view without its object's file (a reference taken here would
 * have let the object go under it).  The shrinker runs in reclaim, maybe
 * inside a thread that holds a cow_lock or purge_lock: it only trylocks
 * both and waits for no page lock.  The zaps take i_mmap_rwsem (read)
 * under purge_lock, as the shrinkers of GPU drivers' purgeable objects
 * do.
 *
 * The shrinker's objects are pages, not views: a volatile view's top
 * layer counts for the pages it holds, kept exact as they come and go
 * (xnu_vm_purgeable_count(), under the object's cow_lock), so that
 * reclaim sees a large volatile region as the memory it is.  A count
 * taken when the view went volatile and kept was a lie a user could
 * grow without bound: pages let go afterwards (an unmapped part of the
 * range, FREE/REUSABLE) kept counting, view after view.  Counted as
 * views, one region of any size was one object, which reclaim scans at
 * no priority but the last (do_shrink_slab(): objects >> priority).
 *
 * Bounds: the list holds views, which are charged to their makers and
 * bounded by their vmas and entries; nothing is allocated here.  One
 * shrinker call empties views until it has its nr_to_scan pages, looking
 * at PURGE_SHRINK_LOOK views at most; PURGE_ALL walks the list once, PURGE_ALL_LOOK
 * nodes and at most PURGE_ALL_BATCH views per purge_lock hold (before,
 * each round walked again from the head past every view it may not
 * empty).
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/shrinker.h>
#include <linux/slab.h>

#include "mach/ipc_abi.h"
#include "mach/kern_return.h"
#include "personality/calls.h"
#include "uapi/machina.h"
#include "xnu_vm/vm_info.h"
#include "xnu_vm/vm_map.h"
#include "xnu_vm/vm_memory_entry.h"
#include "xnu_vm/vm_object.h"
#include "xnu_vm/vm_prot.h"
#include "xnu_vm/vm_purgable.h"

#define PURGE_SHRINK_LOOK	1024	/* views looked at per shrinker step */
#define PURGE_ALL_BATCH		16	/* views per PURGE_ALL round */
#define PURGE_ALL_LOOK		1024	/* list nodes per PURGE_ALL round */

static DEFINE_MUTEX(purge_lock);
static LIST_HEAD(volatile_views);	/* purge_lock; the next to empty first */
/* the counted tops' resident pages (xnu_vm_purgeable_count()) */
static atomic_long_t nr_volatile_pages = ATOMIC_LONG_INIT(0);
static struct shrinker *purge_shrinker;
/* pages emptied so far, by any path (view_purge()): XNU's purges */
static atomic64_t nr_purged_pages = ATOMIC64_INIT(0);

/*
 * xnu_vm_purgeable_count - the resident count of @l, a layer of @obj,
 * changed by @delta; it counts in the shrinker's total if it is a
 * VOLATILE view's top.  A dying view's pages never come here one by one:
 * its top left the total whole first (xnu_vm_purgeable_forget()).
 * Conditions: @obj's cow_lock held.
 */
void xnu_vm_purgeable_count(struct xnu_vm_object *obj, struct xnu_vm_layer *l,
			    long delta)
{
	lockdep_assert_held(&obj->cow_lock);
	if (l->purge_counted)
		atomic_long_add(delta, &nr_volatile_pages);
}

/*
 * xnu_vm_purgeable_stats - host_statistics64(HOST_VM_INFO64)'s
 * purgeable_count and purges, as XNU keeps vm_page_purgeable_count (the
 * resident pages of VOLATILE objects, machine-wide: osfmk/vm/
 * vm_resident.c counts a page in when it enters a VOLATILE object and
 * out when it leaves or the object changes state) and
 * vm_page_purged_count (every page a purge discarded, since boot:
 * vm_object_reap_pages(REAP_PURGEABLE), for a SET_STATE EMPTY as for the
 * system's purges).  Here: the module's volatile views' resident pages
 * (the shrinker's count) and the pages view_purge() emptied since the
 * module was loaded.  Conditions: any context; a snapshot of each.
 */
void xnu_vm_purgeable_stats(u32 *count, u64 *purges)
{
	long n = atomic_long_read(&nr_volatile_pages);

	*count = clamp_t(long, n, 0, U32_MAX);
	*purges = atomic64_read(&nr_purged_pages);
}

/*
 * volatile_unlink - @view off the list if on it; its top's pages no
 * longer count.  Conditions: purge_lock held; the callers say why its
 * top's resident count cannot change meanwhile (volatile_del(),
 * xnu_vm_purgeable_forget()).
 */
static void volatile_unlink(struct xnu_vm_view *view)
{
	lockdep_assert_held(&purge_lock);
	if (list_empty(&view->volatile_link))
		return;
	list_del_init(&view->volatile_link);
	view->top->purge_counted = false;
	atomic_long_sub(view->top->resident, &nr_volatile_pages);
}

/*
 * volatile_del - @view (alive) off the list if on it; its pages no
 * longer count.  Conditions: purge_lock and the object's cow_lock held.
 */
static void volatile_del(struct xnu_vm_view *view)
{
	lockdep_assert_held(&view->obj->cow_lock);
	volatile_unlink(view);
}

/*
 * volatile_put - @view (VOLATILE now) goes on the list: at the head (the
 * next emptied) for the LIFO behaviour and OBSOLETE ordering, else at the
 * tail (FIFO); its top's pages count from now on, as they change.
 * Conditions: purge_lock and the object's cow_lock held.
 */
static void volatile_put(struct xnu_vm_view *view, int word)
{
	lockdep_assert_held(&purge_lock);
	lockdep_assert_held(&view->obj->cow_lock);
	volatile_del(view);
	if (word & (VM_PURGABLE_BEHAVIOR_LIFO | VM_PURGABLE_ORDERING_OBSOLETE))
		list_add(&view->volatile_link, &volatile_views);
	else
		list_add_tail(&view->volatile_link, &volatile_views);
	view->top->purge_counted = true;
	atomic_long_add(view->top->resident, &nr_volatile_pages);
}

/*
 * xnu_vm_purgeable_forget - @view (purgeable, its last reference gone)
 * leaves the list before it is freed, its top's pages out of the total at
 * once (nothing can fault or drop them: no vma, entry or holder is left,
 * and the walkers under purge_lock no longer find it).
 * Conditions: process context, no cow_lock held (purge_lock is taken).
 */
void xnu_vm_purgeable_forget(struct xnu_vm_view *view)
{
	mutex_lock(&purge_lock);
	volatile_unlink(view);
	mutex_unlock(&purge_lock);
}

/*
 * view_purge - empty @view (xnu_vm_view_empty()) and mark it EMPTY, off
 * the list.  Conditions: purge_lock and cow_lock held; the caller zaps
 * the object's mappings after dropping cow_lock (xnu_vm_object_zap()).
 * Returns: false when !@wait found a page busy (nothing changed).
 */
static bool view_purge(struct xnu_vm_view *view, bool wait)
{
	unsigned long held = view->top->resident;

	lockdep_assert_held(&purge_lock);
	if (!xnu_vm_view_empty(view, wait))
		return false;
	atomic64_add(held, &nr_purged_pages);
	view->purgable = VM_PURGABLE_EMPTY;
	volatile_del(view);
	return true;
}

/*
 * view_set_state - SET_STATE on @view with XNU's rules (osfmk/vm/
 * vm_object.c vm_object_purgable_control): the debug bits stick; VOLATILE
 * asked of an EMPTY view, or with VM_PURGABLE_DEBUG_EMPTY set, is EMPTY;
 * DENY cannot be asked.  *@word gets the old state.
 * Conditions: purge_lock and cow_lock held; @view is purgeable (not DENY).
 * Returns: KERN_SUCCESS, with *@zap when the object's mappings must be
 * zapped (emptied, or VOLATILE with VM_PURGABLE_DEBUG_FAULT so the next
 * touch faults); KERN_INVALID_ARGUMENT (DENY asked).
 */
static int view_set_state(struct xnu_vm_view *view, int *word, bool *zap)
{
	int old = view->purgable, state = *word & VM_PURGABLE_STATE_MASK;

	lockdep_assert_held(&view->obj->cow_lock);
	if (*word & VM_PURGABLE_DEBUG_EMPTY)
		view->purge_empty = true;
	if (*word & VM_PURGABLE_DEBUG_FAULT)
		view->purge_fault = true;
	if (state == VM_PURGABLE_VOLATILE &&
	    (old == VM_PURGABLE_EMPTY || view->purge_empty))
		state = VM_PURGABLE_EMPTY;
	*zap = false;
	switch (state) {
	case VM_PURGABLE_DENY:
		return KERN_INVALID_ARGUMENT;
	case VM_PURGABLE_NONVOLATILE:
		view->purgable = VM_PURGABLE_NONVOLATILE;
		volatile_del(view);
		break;
	case VM_PURGABLE_VOLATILE:
		view->purgable = VM_PURGABLE_VOLATILE;
		volatile_put(view, *word);
		*zap = view->purge_fault;
		break;
	case VM_PURGABLE_EMPTY:
		view_purge(view, true);
		*zap = true;
		break;
	}
	*word = old;
	return KERN_SUCCESS;
}

/*
 * view_control - SET_STATE or GET_STATE (@control) on @view, whose
 * object @obj the caller keeps alive; *@word in: the new state word, out:
 * the old (SET) or current (GET) state.
 * Conditions: process context, no purge_lock or cow_lock held; the caller
 * may hold the mmap_lock of an mm mapping @obj (both nest inside it).
 * Returns: KERN_SUCCESS; KERN_INVALID_ARGUMENT (not purgeable, DENY asked);
 * KERN_PROTECTION_FAILURE (SET_STATE of MAP_MEM_PURGABLE_KERNEL_ONLY
 * memory, as XNU's purgeable_only_by_kernel).
 */
static int view_control(struct xnu_vm_object *obj, struct xnu_vm_view *view,
			int control, int *word)
{
	bool zap = false;
	int kr = KERN_SUCCESS;

	/* DENY never changes: no lock needed to see it. */
	if (view->purgable == VM_PURGABLE_DENY)
		return KERN_INVALID_ARGUMENT;
	mutex_lock(&purge_lock);
	mutex_lock(&obj->cow_lock);
	if (control == VM_PURGABLE_GET_STATE)
		*word = view->purgable;
	else if (view->purge_kernel_only)
		kr = KERN_PROTECTION_FAILURE;
	else
		kr = view_set_state(view, word, &zap);
	mutex_unlock(&obj->cow_lock);
	mutex_unlock(&purge_lock);
	if (zap)
		xnu_vm_object_zap(obj);
	return kr;
}

/*
 * purge_all - PURGE_ALL: empty every volatile view the caller may (all
 * with CAP_SYS_ADMIN, else those its effective uid made), in one pass
 * over the list: a mark (a view-shaped node with no reference, which
 * every walker passes over) keeps the place while purge_lock is dropped
 * between rounds of at most PURGE_ALL_LOOK nodes and PURGE_ALL_BATCH
 * emptied views.  Each view is emptied under purge_lock (which keeps it
 * and its object alive: see Locks) and its cow_lock, waiting for faults
 * in flight, and zapped before the next.
 * Conditions: process context, no lock held.  A fatal signal ends it.
 */
static void purge_all(void)
{
	struct xnu_vm_view *view, *next, mark = { };
	bool all = capable(CAP_SYS_ADMIN), end;
	kuid_t uid = current_euid();
	unsigned int emptied, looked;
	struct xnu_vm_object *obj;

	mutex_lock(&purge_lock);
	list_add(&mark.volatile_link, &volatile_views);
	do {
		emptied = 0;
		looked = 0;
		view = list_next_entry(&mark, volatile_link);
		while (&view->volatile_link != &volatile_views &&
		       emptied < PURGE_ALL_BATCH && looked++ < PURGE_ALL_LOOK) {
			next = list_next_entry(view, volatile_link);
			/* Not ours to empty, dying, or another mark. */
			if ((!all && !uid_eq(view->purge_uid, uid)) ||
			    !refcount_read(&view->ref)) {
				view = next;
				continue;
			}
			/* The mark goes past it: it may leave the list now. */
			list_move(&mark.volatile_link, &view->volatile_link);
			obj = view->obj;
			mutex_lock(&obj->cow_lock);
			if (view->purgable == VM_PURGABLE_VOLATILE &&
			    view_purge(view, true))
				emptied++;
			mutex_unlock(&obj->cow_lock);
			xnu_vm_object_zap(obj);
			view = list_next_entry(&mark, volatile_link);
		}
		end = &view->volatile_link == &volatile_views;
		/* The mark goes before the next node to look at. */
		list_move_tail(&mark.volatile_link, &view->volatile_link);
		mutex_unlock(&purge_lock);
		cond_resched();
		mutex_lock(&purge_lock);
	} while (!end && !fatal_signal_pending(current));
	list_del(&mark.volatile_link);
	mutex_unlock(&purge_lock);
}

/* Valid user controls (XNU: SET_STATE_FROM_KERNEL is refused from user space). */
static bool control_ok(int control, bool purge_all_ok)
{
	return control == VM_PURGABLE_SET_STATE ||
	       control == VM_PURGABLE_GET_STATE ||
	       (purge_all_ok && control == VM_PURGABLE_PURGE_ALL);
}

/* A SET_STATE word with bits outside XNU's masks is refused. */
static bool word_ok(int control, int word)
{
	return control != VM_PURGABLE_SET_STATE ||
	       !(word & ~VM_PURGABLE_ALL_MASKS);
}

/*
 * do_purgable_control - mach_vm_purgable_control on the target's map:
 * control in vm_flags, the state word in prot (in and out)
 * Order of checks, as XNU's (vm_user.c, vm_map.c vm_map_purgable_control):
 * the control; PURGE_ALL runs at once; the SET_STATE word; the address
 * (truncated to its page) must be mapped (KERN_INVALID_ADDRESS), writable
 * unless GET_STATE (KERN_PROTECTION_FAILURE), and purgeable memory
 * (KERN_INVALID_ARGUMENT: Linux memory, Mach VM that is not purgeable).
 * Returns: KERN_SUCCESS with the (old) state in prot; as above;
 * KERN_ABORTED.
 */
static int do_purgable_control(struct xnu_vm_map *map, void *arg)
{
	struct machina_vm_args *a = arg;
	int control = a->vm_flags, word = a->prot, kr;
	struct vm_area_struct *vma;
	struct xnu_vm_object *obj;
	u64 addr = a->address & PAGE_MASK;

	if (!control_ok(control, true))
		return KERN_INVALID_ARGUMENT;
	if (control == VM_PURGABLE_PURGE_ALL) {
		purge_all();
		return KERN_SUCCESS;
	}
	if (!word_ok(control, word))
		return KERN_INVALID_ARGUMENT;
	if (mmap_read_lock_killable(map->mm))
		return KERN_ABORTED;
	vma = addr < map->mm->task_size ? vma_lookup(map->mm, addr) : NULL;
	if (!vma) {
		kr = KERN_INVALID_ADDRESS;
	} else if (!(vma->vm_flags & VM_WRITE) &&
		   control != VM_PURGABLE_GET_STATE) {
		kr = KERN_PROTECTION_FAILURE;
	} else {
		obj = xnu_vm_object_of(vma);
		kr = obj ? view_control(obj, xnu_vm_view_of(vma), control,
					&word) : KERN_INVALID_ARGUMENT;
	}
	mmap_read_unlock(map->mm);
	if (!kr)
		a->prot = word;
	return kr;
}

long machina_call_vm_purgable_control(struct machina_task *task, void *arg)
{
	struct machina_vm_args *a = arg;

	if (a->flags || a->reserved || a->data || a->size)
		return -EINVAL;
	/* XNU's mach_vm_purgable_control_external: GET_STATE on a read port */
	return xnu_vm_call(task, a->task,
			   a->vm_flags == VM_PURGABLE_GET_STATE ?
			   MACHINA_TASK_READ : MACHINA_TASK_CONTROL,
			   a, do_purgable_control);
}

/*
 * machina_call_memory_entry_purgable_control - mach_memory_entry_purgable_
 * control on the entry a->task names: SET_STATE or GET_STATE (control in
 * vm_flags, the word in prot), as XNU's memory_entry_purgeable_control_
 * internal: the control (PURGE_ALL too is KERN_INVALID_ARGUMENT here), the
 * word, then the entry: a copy entry, one that does not cover its whole
 * object, or one that is not purgeable is KERN_INVALID_ARGUMENT.
 * Deliberate difference: SET_STATE needs an entry granting VM_PROT_WRITE
 * (KERN_PROTECTION_FAILURE otherwise), as a mapping needs a writable
 * range (do_purgable_control()); XNU checks no protection here, which
 * let the holder of a read-only entry empty the owner's data or make the
 * owner's touches SIGBUS (VM_PURGABLE_DEBUG_FAULT).
 * Returns: KERN_SUCCESS with the (old) state in prot; as above;
 * MACH_SEND_INVALID_DEST (no send right: the entry is the message's
 * destination in Darwin), KERN_INVALID_ARGUMENT (not an entry,
 * MACH_PORT_NULL).
 */
long machina_call_memory_entry_purgable_control(struct machina_task *task,
						void *arg)
{
	struct machina_vm_args *a = arg;
	int control = a->vm_flags, word = a->prot, kr;
	struct xnu_vm_named_entry *e;

	if (a->flags || a->reserved || a->data || a->size || a->address)
		return -EINVAL;
	e = xnu_vm_named_entry_lookup(task, a->task, &kr);
	if (kr == MACH_SEND_INVALID_RIGHT)
		return MACH_SEND_INVALID_DEST;
	if (kr)
		return kr;
	if (!e)
		return KERN_INVALID_ARGUMENT;
	if (!control_ok(control, false) || !word_ok(control, word) ||
	    e->is_copy || e->offset ||
	    e->size != (u64)e->obj->npages << PAGE_SHIFT)
		kr = KERN_INVALID_ARGUMENT;
	else if (control == VM_PURGABLE_SET_STATE &&
		 !(e->prot & VM_PROT_WRITE))
		kr = KERN_PROTECTION_FAILURE;
	else
		kr = view_control(e->obj, e->pin.view, control, &word);
	xnu_vm_named_entry_put(e);
	if (!kr)
		a->prot = word;
	return kr;
}

/*
 * xnu_vm_view_volatile_pages - the pages @view holds if it is VOLATILE or
 * EMPTY (TASK_VM_INFO's purgeable_volatile_resident, XNU's
 * vm_map_query_volatile(): the object's resident pages), or -1 when it is
 * neither.  A snapshot.  Conditions: process context; takes cow_lock.
 */
long xnu_vm_view_volatile_pages(struct xnu_vm_view *view)
{
	long n = -1;

	if (view->purgable == VM_PURGABLE_DENY)
		return -1;
	mutex_lock(&view->obj->cow_lock);
	if (view->purgable == VM_PURGABLE_VOLATILE ||
	    view->purgable == VM_PURGABLE_EMPTY)
		n = view->top->resident;
	mutex_unlock(&view->obj->cow_lock);
	return n;
}

/*
 * xnu_vm_view_volatile_mapped - of the pages @vma's view holds (a
 * VOLATILE or EMPTY one: xnu_vm_view_volatile_pages() said so), how many
 * @vma's page tables map now (TASK_VM_INFO_PURGEABLE's
 * purgeable_volatile_pmap, XNU's pmap_query_resident() of the entry).
 * Only the view's resident pages are probed, each with a gup that never
 * faults (FOLL_NOFAULT), so the cost is what the view holds, not the
 * vma's size.  The walk is unlocked (RCU, inside xa_find()): a purgeable
 * view's top is never replaced (view_copy() never freezes it) and lives
 * as long as @vma, and a page pointer read is only compared with the
 * one the PTE maps, never used; a page going or coming meanwhile makes
 * a count of the moment.  Between probes the mmap_lock is let go when a
 * writer waits (xnu_vm_walk_pause()); the walk goes on only if the same
 * region still maps the same view there, else it ends with its count.
 * Conditions: @vma's mm's mmap_lock held (read); held again on return (but
 * for -EINTR), but it may have been let go: the caller must not use @vma
 * (or anything found under the lock) after; process context; no cow_lock
 * held.
 * Returns: the count, or -EINTR when the caller was killed meanwhile, with
 * the mmap_lock let go (xnu_vm_walk_pause()).
 */
long xnu_vm_view_volatile_mapped(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;
	struct xnu_vm_view *view = xnu_vm_view_of(vma);
	pgoff_t first = vma->vm_pgoff, last = first + vma_pages(vma) - 1;
	unsigned long index = first, addr;
	struct page *page, *mapped;
	struct xnu_vm_walk w;
	long got, count = 0;

	machina_mmap_assert_locked(mm);
	xnu_vm_walk_begin(&w, vma);
	for (page = xa_find(&view->top->pages, &index, last, XA_PRESENT);
	     page;
	     page = xa_find_after(&view->top->pages, &index, last, XA_PRESENT)) {
		addr = w.start + ((index - first) << PAGE_SHIFT);
		/* A killed caller's count is never seen: stop the probes. */
		vma = xnu_vm_walk_pause(mm, &w, vma, addr);
		if (IS_ERR(vma))
			return PTR_ERR(vma);
		if (!vma || xnu_vm_view_of(vma) != view)
			break;
		got = machina_gup_remote(mm, addr, 1, FOLL_NOFAULT | FOLL_FORCE,
					 &mapped);
		if (got == 1) {
			count += mapped == page;
			put_page(mapped);
		}
		cond_resched();
	}
	return count;
}

/* purge_count - the shrinker's objects: the volatile views' pages. */
static unsigned long purge_count(struct shrinker *s, struct shrink_control *sc)
{
	long n = atomic_long_read(&nr_volatile_pages);

	return n > 0 ? n : SHRINK_EMPTY;
}

/*
 * purge_scan - empty volatile views, first first, until they counted for
 * sc->nr_to_scan pages; a view whose object lock is taken, or with a page
 * locked by a fault in flight, is passed over for now.
 * Conditions: reclaim (may sleep); see the file's Locks.
 * Returns: the pages the emptied views counted for, or SHRINK_STOP when
 * none was emptied.
 */
static unsigned long purge_scan(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long looked = 0, scanned = 0, freed = 0, pages;
	struct xnu_vm_view *view, *next;
	struct xnu_vm_object *obj;

	if (!mutex_trylock(&purge_lock))
		return SHRINK_STOP;
	list_for_each_entry_safe(view, next, &volatile_views, volatile_link) {
		if (scanned >= sc->nr_to_scan || looked++ >= PURGE_SHRINK_LOOK)
			break;
		/*
		 * A dying view waits for purge_lock to leave: let it.  So is
		 * PURGE_ALL's mark (no object).
		 */
		if (!refcount_read(&view->ref))
			continue;
		obj = view->obj;
		if (!mutex_trylock(&obj->cow_lock)) {
			scanned++;
			continue;
		}
		pages = view->top->resident;
		scanned += max(pages, 1UL);
		if (view_purge(view, false)) {
			freed += pages;
			mutex_unlock(&obj->cow_lock);
			xnu_vm_object_zap(obj);
		} else {
			mutex_unlock(&obj->cow_lock);
		}
	}
	mutex_unlock(&purge_lock);
	sc->nr_scanned = scanned;
	return freed ? freed : SHRINK_STOP;
}

/* xnu_vm_purgeable_init - the shrinker, at load. */
int xnu_vm_purgeable_init(void)
{
	purge_shrinker = machina_shrinker_alloc("machina-purgeable");
	if (!purge_shrinker)
		return -ENOMEM;
	purge_shrinker->count_objects = purge_count;
	purge_shrinker->scan_objects = purge_scan;
	purge_shrinker->seeks = DEFAULT_SEEKS;
	return machina_shrinker_register(purge_shrinker, "machina-purgeable");
}

/*
 * xnu_vm_purgeable_exit - at unload: no object is left (each holds a
 * module reference), so the list is empty; waits for a scan in progress.
 */
void xnu_vm_purgeable_exit(void)
{
	machina_shrinker_free(purge_shrinker);
}
