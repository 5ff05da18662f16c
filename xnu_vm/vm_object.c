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
#include <linux/pagemap.h>
#include <linux/pseudo_fs.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "mach/kern_return.h"
#include "xnu_vm/vm_ledger.h"
#include "xnu_vm/vm_object.h"
#include "xnu_vm/vm_prot.h"
#include "xnu_vm/vm_purgable.h"

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

static const struct vm_operations_struct vm_object_copy_ops;
static const struct vm_operations_struct vm_object_share_ops;

/*
 * layer_new - an empty layer of @obj over @shadow (frozen, or NULL),
 * without a payer, on obj->layers
 * Allocated __GFP_NOFAIL (a fork's .open cannot fail; the layer is small
 * and charged to the caller), so it never returns NULL.
 * Conditions: obj->cow_lock held (obj->layers, @shadow's children).
 */
static struct xnu_vm_layer *layer_new(struct xnu_vm_object *obj,
				      struct xnu_vm_layer *shadow)
{
	struct xnu_vm_layer *l;

	lockdep_assert_held(&obj->cow_lock);
	l = kzalloc(sizeof(*l), GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
	/*
	 * Its nodes are charged as its pages are (to the active memcg): without
	 * XA_FLAGS_ACCOUNT the xarray's first try, GFP_NOWAIT under its lock,
	 * charges nobody whatever gfp a store passes, and flat copies put one
	 * page into any number of layers.
	 */
	xa_init_flags(&l->pages, XA_FLAGS_ACCOUNT);
	INIT_LIST_HEAD(&l->children);
	INIT_LIST_HEAD(&l->sibling);
	list_add(&l->in_obj, &obj->layers);
	l->shadow = shadow;
	if (shadow) {
		list_add(&l->sibling, &shadow->children);
		shadow->nchildren++;
	}
	return l;
}

/*
 * layer_drop_page - give back the page at @index of @l, a layer of @obj.
 * Conditions: @obj's cow_lock held.
 */
static void layer_drop_page(struct xnu_vm_object *obj, struct xnu_vm_layer *l,
			    unsigned long index)
{
	struct page *page = xa_erase(&l->pages, index);

	if (page) {
		put_page(page);
		l->resident--;
		xnu_vm_ledger_add(l->counted, -1);
		xnu_vm_purgeable_count(obj, l, -1);
	}
}

/*
 * page_new - a new page charged to @memcg (NULL: as the caller's task):
 * a copy of @from, or zeroes without @from; @more: __GFP_NORETRY when
 * the group's OOM handling must not run for it (a charge another task's
 * call makes, which may as well fail)
 * Conditions: may sleep (reclaim, the group's OOM handling).
 * Returns: the page (one reference), or NULL without memory.
 */
static struct page *page_new(struct mem_cgroup *memcg, struct page *from,
			     gfp_t more)
{
	struct mem_cgroup *old = set_active_memcg(memcg);
	struct page *page;

	page = alloc_page(GFP_HIGHUSER | __GFP_ACCOUNT | __GFP_NOWARN | more |
			  (from ? 0 : __GFP_ZERO));
	set_active_memcg(old);
	if (page && from)
		copy_highpage(page, from);
	return page;
}

/*
 * A page a layer took over from a frozen one (layer_collapse()): while it
 * was frozen, the views that have since gone could take references to it
 * (a vmsplice() into a pipe, a get_user_pages() in progress), which must
 * keep showing the snapshot.  Such a page is written in place only once
 * nothing but its layer and its mappings holds it (page_exclusive()).
 * A page a standalone layer shares by reference (layer_take(): a flat
 * copy, an out-of-line or VM_COPY-entry snapshot) is marked so in both
 * layers, for the same reason.
 */
#define LAYER_MOVED	XA_MARK_0

static void page_settle(struct page *page);

/* Object pages whose PTEs a caller zaps once cow_lock is dropped. */
struct zap_range {
	pgoff_t first, last;	/* last < first: none */
};

/* page_charged_to - is @page charged to @memcg? */
static bool page_charged_to(struct page *page, struct mem_cgroup *memcg)
{
	bool same;

	rcu_read_lock();
	same = page_memcg_check(page) == memcg;
	rcu_read_unlock();
	return same;
}

/*
 * layer_keeper - the memory cgroup that pays for what @l keeps: its payer,
 * or for a top without one its view's (who pays its new pages), or NULL.
 * cow_lock held.
 */
static struct mem_cgroup *layer_keeper(struct xnu_vm_layer *l)
{
	if (l->payer)
		return l->payer;
	return l->view ? l->view->memcg : NULL;
}

/*
 * layer_ledger - the ledger that counts what @l keeps (vm_ledger.h): as
 * layer_keeper(), its own, or for a top without one its view's, or NULL.
 * cow_lock held.
 */
static struct xnu_vm_ledger *layer_ledger(struct xnu_vm_layer *l)
{
	if (l->ledger)
		return l->ledger;
	return l->view ? l->view->ledger : NULL;
}

/*
 * layer_recount - @l's pages move to the ledger of its keeper now
 * (layer_ledger()) if they are counted elsewhere: called wherever the
 * keeper may have changed (a payer or ledger set, a top frozen), before
 * the count changes.  The move is forced (vm_ledger.h): it holds pages
 * already counted.  Between two calls l->counted keeps exactly
 * l->resident pages, so nothing drifts whatever the keeper does.
 * Conditions: cow_lock held.
 */
static void layer_recount(struct xnu_vm_layer *l)
{
	struct xnu_vm_ledger *to = layer_ledger(l);

	if (to == l->counted)
		return;
	xnu_vm_ledger_add(to, l->resident);
	xnu_vm_ledger_add(l->counted, -(long)l->resident);
	xnu_vm_ledger_put(l->counted);
	l->counted = xnu_vm_ledger_get(to);
}

/*
 * layer_free - @l, with no pages left to anyone (its xarray destroyed),
 * off the object: its count, payer and ledgers go back.  cow_lock held.
 */
static void layer_free(struct xnu_vm_layer *l)
{
	xnu_vm_ledger_add(l->counted, -(long)l->resident);
	xnu_vm_ledger_put(l->counted);
	xnu_vm_ledger_put(l->ledger);
	list_del(&l->in_obj);
	mem_cgroup_put(l->payer);
	kfree(l);
}

/*
 * layer_collapse - @s (frozen, of @obj) is shadowed by one layer only: its
 * pages move up into that one where it has none of its own (the others
 * nobody can see any more go back; each moved one is marked LAYER_MOVED),
 * and the child takes @s's place in the chain.  A page @s's payer was
 * charged for (a copy layers_repay() gave it) moves as a copy charged to
 * the child's side when that is another group (layer_keeper()): the payer
 * kept it only while it kept @s (before, a service that copied a client's
 * region and dropped the copy paid for the client's pages for good); the
 * old one's PTEs are the caller's to zap (@zap grows to cover its index).
 * Zaps run without cow_lock (an MMU notifier may wait for a fault).
 * A failed xarray insertion leaves the rest in @s (still correct, only
 * not shorter).  Steps: @s's pages; it lets the CPU go between them.
 * Conditions: cow_lock held (process context; may sleep: it allocates
 * and waits for page locks); s->nchildren == 1.
 */
static void layer_collapse(struct xnu_vm_object *obj, struct xnu_vm_layer *s,
			   struct zap_range *zap)
{
	struct xnu_vm_layer *x = list_first_entry(&s->children,
						  struct xnu_vm_layer, sibling);
	struct mem_cgroup *keep = layer_keeper(x);
	struct page *page, *moved;
	unsigned long index;
	bool recharge;

	/*
	 * The pages @s's payer was charged for as its own (layers_repay())
	 * are the survivor's from now on: they become copies charged to its
	 * side, unless the survivor takes @s's payer (below) or its group
	 * has no page to give without its OOM handling, which whoever drops
	 * the last view over @s must not run on another group (then they
	 * stay where they were).
	 */
	recharge = s->payer && keep && keep != s->payer &&
		   !(s->taken && !x->payer);
	layer_recount(x);
	xa_for_each(&s->pages, index, page) {
		if (xa_load(&x->pages, index)) {
			layer_drop_page(obj, s, index);
			continue;
		}
		moved = recharge && page_charged_to(page, s->payer) ?
			page_new(keep, page, __GFP_NORETRY) : NULL;
		if (xa_is_err(xa_store(&x->pages, index, moved ?: page,
				       GFP_KERNEL_ACCOUNT))) {
			if (moved)
				put_page(moved);
			break;
		}
		xa_erase(&s->pages, index);
		s->resident--;
		x->resident++;
		/* Forced: already counted in @s's (vm_ledger.h). */
		xnu_vm_ledger_add(s->counted, -1);
		xnu_vm_ledger_add(x->counted, 1);
		if (moved) {
			/* A fault in flight maps the old one first. */
			page_settle(page);
			put_page(page);
			if (zap->last < zap->first) {
				zap->first = index;
				zap->last = index;
			}
			zap->first = min_t(pgoff_t, zap->first, index);
			zap->last = max_t(pgoff_t, zap->last, index);
		} else {
			xa_set_mark(&x->pages, index, LAYER_MOVED);
		}
		/* As many steps as the layer has pages (any number). */
		cond_resched();
	}
	if (!xa_empty(&s->pages))
		return;
	x->shadow = s->shadow;
	if (s->shadow)
		list_replace(&s->sibling, &x->sibling);
	else
		list_del_init(&x->sibling);
	/*
	 * A standalone layer's pages are its maker's to keep: the one layer
	 * left over it is that maker's (its copy's top), standalone now.
	 */
	if (s->taken && !x->payer) {
		x->payer = s->payer;
		s->payer = NULL;
		swap(x->ledger, s->ledger);
		x->taken = true;
		layer_recount(x);
	}
	xa_destroy(&s->pages);
	layer_free(s);
}

/*
 * layer_put - the top layer @l of @obj lost its view, or a layer shadowing it
 * went: free it when nothing uses it, merge it into its one remaining
 * child, and go on down the chain while layers empty; @zap: as
 * layer_collapse().
 * Steps: the pages freed or moved; it lets the CPU go between them.
 * Conditions: cow_lock held (process context).
 */
static void layer_put(struct xnu_vm_object *obj, struct xnu_vm_layer *l,
		      struct zap_range *zap)
{
	struct xnu_vm_layer *shadow;
	unsigned long index;
	struct page *page;

	lockdep_assert_held(&obj->cow_lock);
	while (l) {
		if (l->nchildren == 1) {
			layer_collapse(obj, l, zap);
			return;
		}
		if (l->nchildren)
			return;
		xa_for_each(&l->pages, index, page) {
			put_page(page);
			cond_resched();
		}
		xa_destroy(&l->pages);
		shadow = l->shadow;
		if (shadow) {
			list_del(&l->sibling);
			shadow->nchildren--;
		}
		layer_free(l);
		l = shadow;
	}
}

/*
 * view_new - a view of @obj with @top as its top layer, one reference;
 * the memory cgroup that pays its pages is set by its first page
 * (view_fill()).  Allocated __GFP_NOFAIL, as layer_new().
 */
static struct xnu_vm_view *view_new(struct xnu_vm_object *obj,
				    struct xnu_vm_layer *top)
{
	struct xnu_vm_view *v;

	v = kzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
	refcount_set(&v->ref, 1);
	v->obj = obj;
	v->top = top;
	v->purgable = VM_PURGABLE_DENY;
	INIT_LIST_HEAD(&v->volatile_link);
	top->view = v;
	return v;
}

/* xnu_vm_view_get - another reference on @view; returns it. */
struct xnu_vm_view *xnu_vm_view_get(struct xnu_vm_view *view)
{
	refcount_inc(&view->ref);
	return view;
}

/*
 * xnu_vm_view_put - drop a reference on @view (NULL: nothing); the last
 * gives back its top layer (and what only it kept below).
 * Conditions: process context; no cow_lock held.
 */
void xnu_vm_view_put(struct xnu_vm_view *view)
{
	struct zap_range zap = { .first = 1, .last = 0 };
	struct xnu_vm_object *obj;

	if (!view || !refcount_dec_and_test(&view->ref))
		return;
	obj = view->obj;
	/* Off the volatile list before it goes (DENY never changes). */
	if (view->purgable != VM_PURGABLE_DENY)
		xnu_vm_purgeable_forget(view);
	mutex_lock(&obj->cow_lock);
	layer_put(obj, view->top, &zap);
	mutex_unlock(&obj->cow_lock);
	if (zap.first <= zap.last)
		unmap_mapping_range(obj->file->f_mapping,
				    (loff_t)zap.first << PAGE_SHIFT,
				    (loff_t)(zap.last - zap.first + 1) <<
				    PAGE_SHIFT, 0);
	mem_cgroup_put(view->memcg);
	xnu_vm_ledger_put(view->ledger);
	kfree(view);
}

/*
 * layer_take - a standalone layer (no shadow) over pages @first..@last of
 * what @view sees now: at each index the first page of its chain, by
 * reference, marked LAYER_MOVED there and in @view's top, so neither side
 * writes it in place while the other holds it (page_exclusive()); except
 * that with @head (the bytes before it in page @first) or @tail <
 * PAGE_SIZE (the bytes from it on in page @last) those edge pages are
 * copies with the rest zeroed.  Its payer is @payer and its ledger
 * @ledger (the references pass to the layer, failure or not): the edge
 * copies are charged to it, every page it takes counts in @ledger
 * (checked against max_vm_bytes, except with __GFP_NOFAIL), and
 * when a write through another view copies up a page the layer holds by
 * reference, the layer gets its own copy charged to it (layers_repay()),
 * so whoever made the layer pays for what only it keeps.  Nothing past
 * the range: no one sees it through the layer, and nothing would trim it
 * (its users' vmas and pins cover the range only).
 * The one way a copy is taken without a layer below it: the depth-capped
 * copy (view_copy()) and the snapshots (xnu_vm_view_snapshot(): out-of-
 * line memory, MAP_MEM_VM_COPY entries).
 * Steps: the range's pages of the chain; it lets the CPU go between them.
 * Conditions: cow_lock held; @gfp the xarray's (with __GFP_NOFAIL for a
 * fork, which cannot fail: no edges then).
 * Returns: the layer, or NULL without memory or past @ledger's limit
 * (nothing changed but marks, which page_exclusive() clears again while
 * nobody else holds the page).
 */
static struct xnu_vm_layer *layer_take(struct xnu_vm_view *view,
				       pgoff_t first, pgoff_t last,
				       unsigned int head, unsigned int tail,
				       struct mem_cgroup *payer,
				       struct xnu_vm_ledger *ledger, gfp_t gfp)
{
	struct xnu_vm_layer *flat = layer_new(view->obj, NULL), *l;
	struct zap_range nozap = { .first = 1, .last = 0 };	/* no child */
	unsigned long index;
	struct page *page;
	bool edge;

	lockdep_assert_held(&view->obj->cow_lock);
	flat->payer = payer;
	flat->ledger = ledger;
	flat->taken = true;
	layer_recount(flat);
	for (l = view->top; l; l = l->shadow) {
		xa_for_each_range(&l->pages, index, page, first, last) {
			cond_resched();
			/* A layer above already gave this index. */
			if (xa_load(&flat->pages, index))
				continue;
			/* A fork's copy cannot fail: counted all the same. */
			if (gfp & __GFP_NOFAIL)
				xnu_vm_ledger_add(flat->counted, 1);
			else if (!xnu_vm_ledger_charge(flat->counted, 1))
				goto fail;
			edge = (index == first && head) ||
			       (index == last && tail != PAGE_SIZE);
			if (edge) {
				page = page_new(payer, page, 0);
				if (!page)
					goto fail_uncount;
				if (index == first)
					memzero_page(page, 0, head);
				if (index == last)
					memzero_page(page, tail,
						     PAGE_SIZE - tail);
				flush_dcache_page(page);
			} else {
				get_page(page);
			}
			if (xa_is_err(xa_store(&flat->pages, index, page, gfp))) {
				put_page(page);
				goto fail_uncount;
			}
			flat->resident++;
			if (edge)
				continue;
			xa_set_mark(&flat->pages, index, LAYER_MOVED);
			if (l == view->top)
				xa_set_mark(&l->pages, index, LAYER_MOVED);
		}
	}
	return flat;

fail_uncount:
	xnu_vm_ledger_add(flat->counted, -1);
fail:
	layer_put(view->obj, flat, &nozap);
	return NULL;
}

/*
 * page_settle - wait until no fault is between the module's answer for
 * @page and the kernel's PTE for it
 * vm_object_fault() and vm_object_page_mkwrite() answer with the page
 * locked, under cow_lock, and the kernel installs the PTE (finish_fault(),
 * finish_mkwrite_fault()) and unlocks it after cow_lock is gone.  A change
 * that makes @page shared or no longer its view's (a copy freezing or
 * marking it, a replacement) and then zaps its PTEs would miss a PTE
 * installed after the zap: a writable one kept writing into a frozen page
 * (the copy changed after it was made), a read-only one kept showing a
 * page its view no longer has.  Waiting here, with cow_lock held after
 * the change and before the zap, lets every such fault finish first; a
 * later one takes cow_lock and sees the change.
 * Conditions: cow_lock held (the page lock nests inside it; no holder of
 * a page lock waits for cow_lock); may sleep.
 */
static void page_settle(struct page *page)
{
	folio_wait_locked(page_folio(page));
}

/*
 * layer_settle - page_settle() for every page of @l in @first..@last.
 * Steps: @l's resident pages in the range; it lets the CPU go between them.
 * Conditions: as page_settle().
 */
static void layer_settle(struct xnu_vm_layer *l, pgoff_t first, pgoff_t last)
{
	unsigned long index;
	struct page *page;

	xa_for_each_range(&l->pages, index, page, first, last) {
		page_settle(page);
		cond_resched();
	}
}

/* view_depth - how many layers @view's chain has (top included).  cow_lock. */
static unsigned int view_depth(struct xnu_vm_view *view)
{
	struct xnu_vm_layer *l;
	unsigned int n = 0;

	for (l = view->top; l; l = l->shadow)
		n++;
	return n;
}

/*
 * chain_paid_by - is @payer the payer of every frozen layer of @view's
 * chain (all but its top)?
 * A layered copy shares those layers with its copier, and what a layer
 * keeps is repaid to that layer's payer only (layers_repay(), never while
 * the writer is that payer).  Over a layer the owner froze (its fork, its
 * own copy), a copy by another group kept the owner's originals at the
 * owner's cost once the owner rewrote them, and a layer of the copier's
 * took them in when the owner's collapsed into it (sec_review8_test).
 * Conditions: cow_lock held.
 */
static bool chain_paid_by(struct xnu_vm_view *view, struct mem_cgroup *payer)
{
	struct xnu_vm_layer *l;

	lockdep_assert_held(&view->obj->cow_lock);
	for (l = view->top->shadow; l; l = l->shadow)
		if (l->payer != payer)
			return false;
	return true;
}

/*
 * view_copy - a new view holding a snapshot of what @view sees now (XNU's
 * symmetric copy): @view's top layer is frozen unless it is empty over a
 * frozen one already, @view moves onto a new top over it, the copy gets
 * its own; where that would make the chain longer than XNU_VM_MAX_DEPTH,
 * or share a frozen layer another memory cgroup than the caller's pays
 * for (chain_paid_by()), and always for a purgeable view, the copy is flat
 * instead (layer_take() of pages @first..@last, all the copy's users will
 * see: its vmas' or its entry's).  A purgeable view's top is never frozen,
 * so emptying it (xnu_vm_view_empty()) takes nothing from a copy: XNU
 * copies purgeable memory (COPY_NONE) into a new object that is not
 * purgeable, and so is the copy here (a view of its own, DENY).  The
 * mappings of
 * what is newly shared are zapped after either (the whole object for a
 * frozen top, the range for a flat copy, nothing over an empty top), so
 * that no writable PTE of a page now shared stays: a fork zaps once, not
 * once per vma (each zap walks every vma of the object).  Copies nothing.  With @slot the copy is stored there
 * under cow_lock (a fork child's vm_private_data: the vma is on i_mmap
 * already, where trims read it under that lock).
 * Faults in flight on the pages now shared finish before the zap
 * (layer_settle()), so none installs its PTE after it.
 * Cost: O(XNU_VM_MAX_DEPTH) and a look at each page of the frozen top for
 * a layered copy, the pages @view sees in
 * the range for a flat one; the zap is one unmap_mapping_range() (every
 * mapper of those pages faults them in again: XNU write-protects them).
 * A layer frozen here, or a flat copy, is paid by the caller's memory
 * cgroup from then on (its payer): the copier (a remap, a VM_PROT_COPY,
 * the task that forks) keeps the snapshot alive, not the task whose pages
 * it froze or shares, which may be another user sharing its memory
 * (layers_repay()); so every frozen layer of a chain has one payer, and a
 * copy by another group of a chain someone froze is flat.
 * Conditions: process context (a fork's .open: both mms' mmap_locks held
 * for writing); no cow_lock, no i_mmap_rwsem held.
 * Returns: the copy (one reference; its memory cgroup is set by the first
 * page it gets), or NULL without memory for a flat copy (never with
 * __GFP_NOFAIL in @gfp).
 */
static struct xnu_vm_view *view_copy(struct xnu_vm_view *view,
				     pgoff_t first, pgoff_t last, gfp_t gfp,
				     void **slot)
{
	struct xnu_vm_object *obj = view->obj;
	struct xnu_vm_ledger *ledger = NULL;
	struct mem_cgroup *payer = NULL;
	struct xnu_vm_layer *top, *copy_top;
	struct xnu_vm_view *copy = NULL;
	loff_t zap_from = 0, zap_len = -1;	/* -1: nothing; 0: all */
	bool layered;

	if (current->mm) {
		payer = xnu_vm_mm_memcg(current->mm);
		ledger = xnu_vm_ledger_of_mm(current->mm);
	}
	mutex_lock(&obj->cow_lock);
	top = view->top;
	layered = chain_paid_by(view, payer);
	if (layered && !top->resident && top->shadow) {
		/* Nothing newly shared: the frozen one's PTEs went with it. */
		copy_top = layer_new(obj, top->shadow);
		/* Over a standalone layer: the copier pays its share of it. */
		if (top->shadow->taken) {
			copy_top->payer = payer;
			copy_top->ledger = ledger;
			copy_top->taken = true;
			payer = NULL;
			ledger = NULL;
		}
	} else if (layered && view->purgable == VM_PURGABLE_DENY &&
		   view_depth(view) < XNU_VM_MAX_DEPTH) {
		view->top = layer_new(obj, top);
		view->top->view = view;
		top->view = NULL;
		/*
		 * A standalone top (a flat copy, a received snapshot) keeps its
		 * payer on @view's side, whoever freezes it, and the copy's top
		 * gets the copier's (as does a later copy over it, above): the
		 * freezer pays for the frozen layer only while it lives, and the
		 * survivor of a collapse is paid by its own side.  With the
		 * freezer's payer handed to the survivor, a copy another task
		 * made and dropped left it paying for good.
		 */
		view->top->payer = top->payer;
		view->top->ledger = top->ledger;
		view->top->taken = top->taken;
		copy_top = layer_new(obj, top);
		if (top->taken && current->mm) {
			copy_top->payer = xnu_vm_mm_memcg(current->mm);
			copy_top->ledger = xnu_vm_ledger_get(ledger);
			copy_top->taken = true;
		}
		top->payer = payer;
		top->ledger = ledger;
		payer = NULL;
		ledger = NULL;
		/* Its pages are kept by the freezer now (a fork: the same user). */
		layer_recount(top);
		layer_settle(top, 0, ULONG_MAX);
		zap_len = 0;
	} else {
		copy_top = layer_take(view, first, last, 0, PAGE_SIZE, payer,
				      ledger, gfp);
		payer = NULL;
		ledger = NULL;
		if (!copy_top)
			goto out;
		layer_settle(view->top, first, last);
		/* Only the range's pages are shared now. */
		zap_from = (loff_t)first << PAGE_SHIFT;
		zap_len = (loff_t)(last - first + 1) << PAGE_SHIFT;
	}
	copy = view_new(obj, copy_top);
	if (slot)
		WRITE_ONCE(*slot, copy);
out:
	mutex_unlock(&obj->cow_lock);
	mem_cgroup_put(payer);
	xnu_vm_ledger_put(ledger);
	if (zap_len >= 0)
		unmap_mapping_range(obj->file->f_mapping, zap_from, zap_len, 0);
	return copy;
}

/*
 * xnu_vm_view_copy - view_copy() for the Mach calls (mach_vm_map copy,
 * MAP_MEM_VM_COPY, VM_PROT_COPY), for object pages @first..@last, the
 * only ones the copy's users may reach: NULL when a flat copy finds no
 * memory (KERN_RESOURCE_SHORTAGE).  Conditions as view_copy().
 */
struct xnu_vm_view *xnu_vm_view_copy(struct xnu_vm_view *view, pgoff_t first,
				     pgoff_t last)
{
	return view_copy(view, first, last, GFP_KERNEL_ACCOUNT, NULL);
}

/* xnu_vm_view_shared - does another task see @view's pages (SHARE, or a snapshot)? */
bool xnu_vm_view_shared(struct xnu_vm_view *view)
{
	bool shared;

	mutex_lock(&view->obj->cow_lock);
	shared = view->shared || view->top->shadow;
	mutex_unlock(&view->obj->cow_lock);
	return shared;
}

/*
 * view_init_purgable - @view, the first of its object (a new mapping's or
 * a NAMED_CREATE entry's), is NONVOLATILE if the object was made
 * purgeable (xnu_vm_object_set_purgable()), owned by the caller's
 * effective uid.  cow_lock held.
 */
static void view_init_purgable(struct xnu_vm_view *view)
{
	lockdep_assert_held(&view->obj->cow_lock);
	if (!view->obj->purgable)
		return;
	view->purgable = VM_PURGABLE_NONVOLATILE;
	view->purge_kernel_only = view->obj->purgable_kernel_only;
	view->purge_uid = current_euid();
}

/*
 * xnu_vm_object_set_purgable - @obj, just made and not yet mapped
 * (VM_FLAGS_PURGABLE, MAP_MEM_PURGABLE), is purgeable: its first view
 * starts NONVOLATILE (view_init_purgable()); with @kernel_only
 * (MAP_MEM_PURGABLE_KERNEL_ONLY) no user may set its state.
 */
void xnu_vm_object_set_purgable(struct xnu_vm_object *obj, bool kernel_only)
{
	obj->purgable = true;
	obj->purgable_kernel_only = kernel_only;
}

/*
 * xnu_vm_view_empty - let go of every page of @view's top layer (a
 * purgeable view's only layer: view_copy()), so its memory goes back
 * (a flat copy, a snapshot or a PTE keeps its own reference to a page
 * until it lets go); the caller sets the state and zaps the object's
 * mappings afterwards (xnu_vm_object_zap()), so no PTE keeps showing a
 * page the view let go.  With @wait, faults in flight on its pages finish
 * first (layer_settle()); without (the shrinker, which must not wait for
 * a faulting thread that may itself be in reclaim), a view with a page
 * locked is left alone.  Pages pinned by memory entries of this view go
 * too: they share its state.
 * Steps: the view's pages; it lets the CPU go between them.
 * Conditions: cow_lock held; process context.
 * Returns: false (nothing done) when !@wait and a page is locked.
 */
bool xnu_vm_view_empty(struct xnu_vm_view *view, bool wait)
{
	struct xnu_vm_layer *top = view->top;
	unsigned long index;
	struct page *page;

	lockdep_assert_held(&view->obj->cow_lock);
	if (WARN_ON_ONCE(top->shadow))
		return false;
	if (wait) {
		layer_settle(top, 0, ULONG_MAX);
	} else {
		xa_for_each(&top->pages, index, page)
			if (PageLocked(page))
				return false;
	}
	xa_for_each(&top->pages, index, page) {
		layer_drop_page(view->obj, top, index);
		cond_resched();
	}
	return true;
}

/*
 * xnu_vm_object_zap - take every PTE of @obj's mappings in any mm (the
 * next touch faults again).  Conditions: process context; the caller
 * keeps @obj alive; no cow_lock held, nor i_mmap_rwsem.
 */
void xnu_vm_object_zap(struct xnu_vm_object *obj)
{
	unmap_mapping_range(obj->file->f_mapping, 0, 0, 0);
}

/*
 * xnu_vm_view_new - a view of @obj over a new empty layer (a memory
 * entry's object, made with no mapping), one reference; its pages are
 * paid by @payer's memory cgroup, whoever touches them.
 * Conditions: process context, no object lock held.  Never NULL
 * (view_new()).
 */
struct xnu_vm_view *xnu_vm_view_new(struct xnu_vm_object *obj,
				    struct mm_struct *payer)
{
	struct xnu_vm_view *view;

	mutex_lock(&obj->cow_lock);
	view = view_new(obj, layer_new(obj, NULL));
	view_init_purgable(view);
	mutex_unlock(&obj->cow_lock);
	view->memcg = xnu_vm_mm_memcg(payer);
	view->ledger = xnu_vm_ledger_of_mm(payer);
	return view;
}

/*
 * xnu_vm_view_set_payer - @mm's memory cgroup pays @view's new pages
 * unless one already does (a memory entry made from a range nobody has
 * touched yet: the range's task pays, not whoever maps the entry first)
 * Conditions: process context; takes cow_lock.
 */
void xnu_vm_view_set_payer(struct xnu_vm_view *view, struct mm_struct *mm)
{
	mutex_lock(&view->obj->cow_lock);
	if (!view->memcg)
		view->memcg = xnu_vm_mm_memcg(mm);
	if (!view->ledger) {
		view->ledger = xnu_vm_ledger_of_mm(mm);
		layer_recount(view->top);
	}
	mutex_unlock(&view->obj->cow_lock);
}

/* xnu_vm_view_mark_shared - another task maps @view (a memory entry's). */
void xnu_vm_view_mark_shared(struct xnu_vm_view *view)
{
	mutex_lock(&view->obj->cow_lock);
	view->shared = true;
	mutex_unlock(&view->obj->cow_lock);
}

/*
 * How many pins (memory entries, and entries being made) one object may
 * have.  Every page a trim lets go is checked against every pin of its
 * object under cow_lock (pinned()), so the pins of one object multiply
 * what an munmap or an exit of any of its mappings costs: without a bound
 * a holder of one entry made millions of one-page sub-entries and the
 * giver's exit then ran for hours (sec_entry_test).  XNU has no such
 * limit; a daemon hands one entry to many clients as copies of its send
 * right, which cost no pin.
 */
static unsigned int max_entries_per_object = 512;
module_param(max_entries_per_object, uint, 0644);
MODULE_PARM_DESC(max_entries_per_object,
		 "memory entries naming one Mach VM object at a time");

/*
 * xnu_vm_view_pin - keep pages @first..@last of what @view sees while
 * @pin is held, whatever vmas come and go (a memory entry's range); takes
 * a reference on @view for the pin
 * Conditions: process context; takes cow_lock.  @last < obj->npages.
 * Returns: false (nothing taken) when the object has
 * max_entries_per_object pins already.
 */
bool xnu_vm_view_pin(struct xnu_vm_view *view, struct xnu_vm_pin *pin,
		     pgoff_t first, pgoff_t last)
{
	struct xnu_vm_object *obj = view->obj;

	mutex_lock(&obj->cow_lock);
	if (obj->npins >= READ_ONCE(max_entries_per_object)) {
		mutex_unlock(&obj->cow_lock);
		return false;
	}
	obj->npins++;
	pin->view = xnu_vm_view_get(view);
	pin->first = first;
	pin->last = last;
	list_add(&pin->link, &obj->pins);
	mutex_unlock(&obj->cow_lock);
	return true;
}

/*
 * xnu_vm_view_unpin - end @pin: the pages of its range no vma or other
 * pin sees go back now, then its view reference
 * Conditions: process context, no object lock held.
 */
void xnu_vm_view_unpin(struct xnu_vm_pin *pin)
{
	struct xnu_vm_view *view = pin->view;

	mutex_lock(&view->obj->cow_lock);
	list_del(&pin->link);
	view->obj->npins--;
	mutex_unlock(&view->obj->cow_lock);
	xnu_vm_object_trim(view, pin->first, pin->last);
	xnu_vm_view_put(view);
}

/*
 * view_lookup - the page @view sees at @index, and the layer that holds
 * it (*@where), or NULL when none of its chain has one.  cow_lock held.
 */
static struct page *view_lookup(struct xnu_vm_view *view, pgoff_t index,
				struct xnu_vm_layer **where)
{
	struct xnu_vm_layer *l;
	struct page *page;

	lockdep_assert_held(&view->obj->cow_lock);
	for (l = view->top; l; l = l->shadow) {
		page = xa_load(&l->pages, index);
		if (page) {
			*where = l;
			return page;
		}
	}
	*where = NULL;
	return NULL;
}

/*
 * xnu_vm_mm_memcg - the memory cgroup that pays for pages faulted into
 * @mm: its owner's; once every task of @mm has exited (a caller on
 * another task still holds it) the kernel's get_mem_cgroup_from_mm()
 * answers the root group, which limits nothing, so the caller's own group
 * pays then.  An owner that went NULL never comes back, so a non-NULL
 * owner seen after the lookup means the group found was its owner's.
 * Returns: a reference (mem_cgroup_put()), or NULL with memcg disabled.
 */
struct mem_cgroup *xnu_vm_mm_memcg(struct mm_struct *mm)
{
	struct mem_cgroup *memcg = get_mem_cgroup_from_mm(mm);

#ifdef CONFIG_MEMCG
	if (memcg && !rcu_access_pointer(mm->owner)) {
		mem_cgroup_put(memcg);
		memcg = get_mem_cgroup_from_mm(NULL);
	}
#endif
	return memcg;
}

/*
 * view_fill - a new page at @index of @view's top layer: a copy of @from,
 * or zeroes if @from is NULL; charged to the view's memory cgroup (taken
 * from @mm, the faulting vma's, on the view's first page), whoever
 * faults it in (the task itself, or a caller writing into it through
 * get_user_pages).  A page the top held at @index (@from, which others
 * still reference: page_exclusive()) is replaced and left to them.
 * A page the top did not hold counts in its keeper's ledger, within
 * max_vm_bytes (vm_ledger.h); a replaced one was counted already.
 * Conditions: cow_lock held (may sleep: it allocates).
 * Returns: the page (the layer keeps its reference), or NULL without
 * memory or, with *@limited set (@limited may be NULL), past the limit.
 */
static struct page *view_fill(struct xnu_vm_view *view, pgoff_t index,
			      struct page *from, struct mm_struct *mm,
			      bool *limited)
{
	struct xnu_vm_layer *top = view->top;
	struct mem_cgroup *old;
	struct page *page;
	void *err = NULL;

	lockdep_assert_held(&view->obj->cow_lock);
	if (!view->memcg)
		view->memcg = xnu_vm_mm_memcg(mm);
	if (!view->ledger)
		view->ledger = xnu_vm_ledger_of_mm(mm);
	layer_recount(top);
	/* Counted first: one atomic, the same for every page. */
	if (!xnu_vm_ledger_charge(top->counted, 1)) {
		if (limited)
			*limited = true;
		return NULL;
	}
	old = set_active_memcg(view->memcg);
	page = page_new(view->memcg, from, 0);
	if (page) {
		err = xa_store(&top->pages, index, page, GFP_KERNEL_ACCOUNT);
		if (xa_is_err(err)) {
			__free_page(page);
			page = NULL;
		} else if (err) {
			/* Replaced a page others still hold: theirs now. */
			page_settle(err);
			put_page(err);
			xa_clear_mark(&top->pages, index, LAYER_MOVED);
		} else {
			top->resident++;
			xnu_vm_purgeable_count(view->obj, top, 1);
		}
	}
	if (!page || err)
		xnu_vm_ledger_add(top->counted, -1);
	set_active_memcg(old);
	return page;
}

/*
 * no_page - what a fault of @vma that found no page for @view answers
 * The kernel's answer to VM_FAULT_OOM is to retry the fault after the
 * faulting task's own memory cgroup had its OOM handling; when another
 * group pays for the view's pages (a NAMED_CREATE entry's creator, the
 * range's task of an entry) and can free nothing (its tasks gone or
 * unkillable), the fault came back for ever, the toucher spinning on one
 * instruction.  Like a file past its quota, that memory cannot be had by
 * this task: SIGBUS.  Its own group's shortage stays VM_FAULT_OOM.
 * Past max_vm_bytes (@limited, view_fill()) no OOM handling can help
 * either (the count is of pages the user's own layers keep), and
 * VM_FAULT_OOM from a user fault only retries it (pagefault_out_of_memory()
 * kills nobody outside a memory cgroup's OOM): SIGBUS, which ends the
 * offender alone, as XNU's fatal memory limit ends the task over it.  A
 * fault made for the kernel (get_user_pages() of mach_vm_write or
 * another process's access, a copy to user) gets VM_FAULT_OOM, which
 * those turn into -ENOMEM (KERN_RESOURCE_SHORTAGE) or -EFAULT and never
 * into an OOM kill.
 * Conditions: cow_lock held (view->memcg is stable).
 */
static vm_fault_t no_page(struct xnu_vm_view *view, struct vm_fault *vmf,
			  bool limited)
{
	struct mem_cgroup *own;
	bool other;

	lockdep_assert_held(&view->obj->cow_lock);
	if (limited)
		return vmf->flags & FAULT_FLAG_USER ? VM_FAULT_SIGBUS :
						      VM_FAULT_OOM;
	own = xnu_vm_mm_memcg(vmf->vma->vm_mm);
	other = view->memcg != own;
	mem_cgroup_put(own);
	return other ? VM_FAULT_SIGBUS : VM_FAULT_OOM;
}

/*
 * xnu_vm_view_snapshot - a new view whose one layer holds what @src sees
 * at pages @first..@last now, and nothing else (an out-of-line snapshot,
 * vm_map_copy.c; a MAP_MEM_VM_COPY entry, vm_memory_entry.c): pages are
 * shared by reference, not copied, except that bytes before @head in page
 * @first and from @tail on in page @last are zeroes in a copy of those
 * pages (layer_take()).  Unlike xnu_vm_view_copy(), nothing of @src is
 * frozen, so no page outside the range lives on for the snapshot, and
 * no chain gets longer.  The range's PTEs are zapped, so the next write
 * of any mapping finds the page shared.
 * Who pays: @mm's memory cgroup, for the edge copies, for the pages it
 * keeps that another writer copied up (layers_repay()) and for new pages
 * of the view (one its mapper may take over: xnu_vm_view_adopt()).
 * Conditions: process context, no object lock held; @first <= @last <
 * obj->npages; @head < PAGE_SIZE, 0 < @tail <= PAGE_SIZE.
 * Returns: the view (one reference), or NULL without memory.
 */
struct xnu_vm_view *xnu_vm_view_snapshot(struct xnu_vm_view *src,
					 pgoff_t first, pgoff_t last,
					 unsigned int head, unsigned int tail,
					 struct mm_struct *mm)
{
	struct xnu_vm_object *obj = src->obj;
	struct xnu_vm_view *snap = NULL;
	struct xnu_vm_layer *l;

	mutex_lock(&obj->cow_lock);
	l = layer_take(src, first, last, head, tail, xnu_vm_mm_memcg(mm),
		       xnu_vm_ledger_of_mm(mm), GFP_KERNEL_ACCOUNT);
	if (l) {
		snap = view_new(obj, l);
		snap->memcg = xnu_vm_mm_memcg(mm);
		snap->ledger = xnu_vm_ledger_of_mm(mm);
	}
	if (snap)
		layer_settle(src->top, first, last);
	mutex_unlock(&obj->cow_lock);
	if (!snap)
		return NULL;
	unmap_mapping_range(obj->file->f_mapping, (loff_t)first << PAGE_SHIFT,
			    (loff_t)(last - first + 1) << PAGE_SHIFT, 0);
	return snap;
}

/*
 * xnu_vm_view_adopt - @mm's memory cgroup becomes the payer of @view, a
 * snapshot (xnu_vm_view_snapshot()) now mapped by @mm's task (an
 * out-of-line receive): its new pages, and the pages its layer keeps
 * that another writer copies up from now on.  Pages already charged
 * (the edge copies) stay where they are.
 * Conditions: process context, no object lock held; @view is a
 * snapshot's (its top has no shadow), reached by the caller alone.
 */
void xnu_vm_view_adopt(struct xnu_vm_view *view, struct mm_struct *mm)
{
	struct mem_cgroup *memcg = xnu_vm_mm_memcg(mm), *old_view, *old_top;
	struct xnu_vm_ledger *ledger = xnu_vm_ledger_of_mm(mm);
	struct xnu_vm_ledger *old_vl, *old_tl;

	mutex_lock(&view->obj->cow_lock);
	old_view = view->memcg;
	view->memcg = memcg;
	old_top = view->top->payer;
	view->top->payer = xnu_vm_mm_memcg(mm);
	old_vl = view->ledger;
	view->ledger = ledger;
	old_tl = view->top->ledger;
	view->top->ledger = xnu_vm_ledger_get(ledger);
	/* Its pages count in the receiver's ledger now, forced. */
	layer_recount(view->top);
	mutex_unlock(&view->obj->cow_lock);
	mem_cgroup_put(old_view);
	mem_cgroup_put(old_top);
	xnu_vm_ledger_put(old_vl);
	xnu_vm_ledger_put(old_tl);
}

/*
 * At most this many payers get a copy of one page a write copies up
 * (layers_repay()): the layers of one payer share its copy, so a write
 * makes and charges at most this many pages, whatever number of
 * snapshots holds the page.
 */
#define REPAY_PAYERS	4

/* One payer's copy of the page being repaid (NULL: its group gave none). */
struct repay_copy {
	struct mem_cgroup *payer;
	struct page *page;
};

/*
 * layer_repay - a write through @view just copied page @index (@from),
 * which the layer @l (a frozen one, or a standalone one: layer_take())
 * also holds, up into its top: if @view is not the payer's own (the
 * snapshot's side writes only its own pages) and another memory cgroup
 * than @l's payer pays for @from, @l's page becomes its payer's copy
 * (@copies: made for the first layer of that payer, a reference for each
 * next one, marked LAYER_MOVED as any page two layers share), and @from
 * loses the layer's reference (the caller zaps @index from every mapping
 * afterwards, so it is freed, and uncharged, once no pipe or pin holds
 * it).  Without it the owner of memory shared with another user paid
 * for every snapshot that user made of it: one more copy of the memory
 * per copy remap taken between two of the owner's writes
 * (sec_remap_test).  With a copy per layer, K snapshots made one write
 * allocate K pages, and once their payer's group was full, run its
 * reclaim and OOM handling K times inside the owner's fault
 * (sec_vmpay2_test).  When the payer has no page to give (its memory
 * cgroup's limit, after its OOM handling), or REPAY_PAYERS other payers
 * were given one, @from stays where it was.
 * Conditions: cow_lock held; @from is not used by the caller after.
 * Returns: true when @l's page was replaced (the caller zaps @index).
 */
static bool layer_repay(struct xnu_vm_view *view, struct xnu_vm_layer *l,
			pgoff_t index, struct page *from,
			struct repay_copy *copies, unsigned int *ncopies)
{
	struct page *page;
	unsigned int i;
	bool same;
	void *err;

	if (!l->payer || view->memcg == l->payer)
		return false;
	rcu_read_lock();
	same = page_memcg_check(from) == l->payer;
	rcu_read_unlock();
	if (same)
		return false;
	for (i = 0; i < *ncopies && copies[i].payer != l->payer; i++)
		;
	if (i == *ncopies) {
		if (i == REPAY_PAYERS)
			return false;
		copies[i].payer = l->payer;
		copies[i].page = page_new(l->payer, from, 0);
		(*ncopies)++;
	}
	page = copies[i].page;
	if (!page)
		return false;
	/* Over an entry that is there: nothing to allocate, cannot fail. */
	err = xa_store(&l->pages, index, page, GFP_KERNEL_ACCOUNT);
	if (WARN_ON_ONCE(err != from)) {
		if (!xa_is_err(err))
			xa_store(&l->pages, index, err, GFP_KERNEL_ACCOUNT);
		return false;
	}
	page_settle(from);
	get_page(page);
	xa_set_mark(&l->pages, index, LAYER_MOVED);
	put_page(from);
	return true;
}

/*
 * layers_repay - a write through @view just gave its top a copy of page
 * @index (@from, which a layer of its chain held: a frozen one, or its
 * top's own page that others share): every other layer of the object
 * that still holds @from at @index (a frozen layer, a flat copy, a
 * snapshot) gets its payer's copy where layer_repay() says so.  The top's
 * original share is the writer's; what the others keep of it is theirs
 * to pay.
 * Steps: the object's layers (one per view, frozen layer or standalone
 * copy a user made: bounded by what keeps them, vmas and pins) until as
 * many holders as the page's references allow were found (none for a
 * page nobody else holds); it lets the CPU go between them.  At most
 * REPAY_PAYERS pages are allocated.  @held: the references to @from the
 * caller holds besides layers and PTEs (a fault's on vmf->page, or one it
 * took itself).
 * Conditions: cow_lock held; @from is not used by the caller after.
 * Returns: true when a layer's page was replaced (the caller zaps @index).
 */
static bool layers_repay(struct xnu_vm_view *view, pgoff_t index,
			 struct page *from, int held)
{
	struct repay_copy copies[REPAY_PAYERS];
	unsigned int ncopies = 0, i;
	struct xnu_vm_layer *l;
	bool repaid = false;
	long left;

	lockdep_assert_held(&view->obj->cow_lock);
	/* Compared and copied until the walk ends, whoever lets it go. */
	get_page(from);
	/*
	 * At most this many layers can hold it (each holds a reference; the
	 * PTEs one each, ours one, the caller's @held; a pipe only makes it
	 * more): the walk ends once they are found, at once for an unshared
	 * page.  Without @held, a fault's own reference was counted as a
	 * layer never found, and every copy-up walked all the object's
	 * layers, as many as another user sharing the memory cared to make.
	 */
	left = page_count(from) - 1 - held - machina_page_mapcount(from);
	list_for_each_entry(l, &view->obj->layers, in_obj) {
		if (left <= 0)
			break;
		if (l != view->top && xa_load(&l->pages, index) == from) {
			left--;
			if (l->payer)
				repaid |= layer_repay(view, l, index, from,
						      copies, &ncopies);
		}
		cond_resched();
	}
	/* Each layer given a copy holds its own reference. */
	for (i = 0; i < ncopies; i++)
		if (copies[i].page)
			put_page(copies[i].page);
	put_page(from);
	return repaid;
}

/*
 * purge_faults - is a touch of @view an error: VM_PURGABLE_DEBUG_FAULT set
 * and the view VOLATILE or EMPTY (XNU's VM_OBJECT_PURGEABLE_FAULT_ERROR,
 * vm_fault_check(): KERN_MEMORY_ERROR)?  Without that debug bit an
 * emptied view's pages are zero-filled again on the next touch, as XNU's
 * vm_fault_page() zero-fills a missing page of an internal object.
 * Conditions: cow_lock held.
 */
static bool purge_faults(struct xnu_vm_view *view)
{
	lockdep_assert_held(&view->obj->cow_lock);
	return view->purge_fault && (view->purgable == VM_PURGABLE_VOLATILE ||
				     view->purgable == VM_PURGABLE_EMPTY);
}

/*
 * vm_object_fault - a page of a Mach VM mapping is touched with no PTE
 * A write gets the top layer's page (copied up from a frozen layer, or
 * zero-filled); a read gets the page the view sees, which Linux maps
 * read-only (write-notify) so a later write comes to
 * vm_object_page_mkwrite().
 * Conditions: the kernel's fault path with mmap_lock held for reading
 * (6.12 calls .fault under the per-VMA lock only for vmas with
 * .map_pages; these have none); takes cow_lock.
 * Returns: VM_FAULT_LOCKED with vmf->page referenced and locked for the
 * new PTE (locked under cow_lock, so page_settle() waits for the PTE); VM_FAULT_SIGBUS
 * past the object or where purge_faults() says so; VM_FAULT_OOM when no page can be had (the memory
 * cgroup is full even after its OOM handling), VM_FAULT_SIGBUS when that
 * group is not the faulting task's own (no_page()).
 */
static vm_fault_t vm_object_fault(struct vm_fault *vmf)
{
	struct xnu_vm_view *view = vmf->vma->vm_private_data;
	struct xnu_vm_object *obj = view->obj;
	struct xnu_vm_layer *where;
	struct page *page, *from;
	bool repaid = false, limited = false;
	vm_fault_t ret = 0;

	machina_mmap_assert_locked(vmf->vma->vm_mm);
	if (vmf->pgoff >= obj->npages)
		return VM_FAULT_SIGBUS;
	mutex_lock(&obj->cow_lock);
	if (purge_faults(view)) {
		mutex_unlock(&obj->cow_lock);
		return VM_FAULT_SIGBUS;
	}
	page = view_lookup(view, vmf->pgoff, &where);
	if (!page || ((vmf->flags & FAULT_FLAG_WRITE) && where != view->top)) {
		from = page;
		page = view_fill(view, vmf->pgoff, from, vmf->vma->vm_mm,
				 &limited);
		if (page && from)
			repaid = layers_repay(view, vmf->pgoff, from, 0);
	}
	if (page) {
		get_page(page);
		/* Locked until the kernel has its PTE (page_settle()). */
		lock_page(page);
		ret = VM_FAULT_LOCKED;
	} else {
		ret = no_page(view, vmf, limited);
	}
	mutex_unlock(&obj->cow_lock);
	/* Other views' PTEs of the replaced frozen page go. */
	if (repaid)
		unmap_mapping_range(vmf->vma->vm_file->f_mapping,
				    (loff_t)vmf->pgoff << PAGE_SHIFT, PAGE_SIZE,
				    0);
	vmf->page = page;
	return ret;
}

/*
 * page_exclusive - may the top layer @l's page @page at @index be written
 * in place?  Yes, unless it came up from a frozen layer (LAYER_MOVED) and
 * something besides the layer, its page table entries and the caller's
 * @held references holds it (then the writer gets a copy); the answer yes
 * is kept (the mark cleared): only this layer's views can reach the page
 * from then on.
 * Conditions: cow_lock held; the caller holds @held references (a fault
 * in progress one, vm_behavior.c's zeroing none).
 */
static bool page_exclusive(struct xnu_vm_layer *l, pgoff_t index,
			   struct page *page, int held)
{
	if (!xa_get_mark(&l->pages, index, LAYER_MOVED))
		return true;
	if (page_count(page) != 1 + held + machina_page_mapcount(page))
		return false;
	xa_clear_mark(&l->pages, index, LAYER_MOVED);
	return true;
}

/*
 * vm_object_page_mkwrite - a write to a page mapped read-only (or just
 * faulted in for a write)
 * The top layer's own page becomes writable in place, unless others hold
 * it since a snapshot (page_exclusive()).  Any other (a frozen layer's,
 * one the top has since replaced, or such a held one) is copied up first;
 * then the index is zapped from every mapping of the object and the fault
 * is retried, which maps the top's page.
 * Conditions: as vm_object_fault(); vmf->page referenced, unlocked.
 * Returns: VM_FAULT_LOCKED (page locked), VM_FAULT_NOPAGE (retry), or
 * no_page()'s.
 */
static vm_fault_t vm_object_page_mkwrite(struct vm_fault *vmf)
{
	struct xnu_vm_view *view = vmf->vma->vm_private_data;
	struct xnu_vm_object *obj = view->obj;
	struct xnu_vm_layer *where;
	struct page *page, *from;
	bool limited = false;
	vm_fault_t ret;

	mutex_lock(&obj->cow_lock);
	if (purge_faults(view)) {
		mutex_unlock(&obj->cow_lock);
		return VM_FAULT_SIGBUS;
	}
	page = view_lookup(view, vmf->pgoff, &where);
	if (page == vmf->page && where == view->top &&
	    page_exclusive(view->top, vmf->pgoff, page, 1)) {
		lock_page(page);
		mutex_unlock(&obj->cow_lock);
		return VM_FAULT_LOCKED;
	}
	if (where != view->top || page == vmf->page) {
		from = page ? page : vmf->page;
		page = view_fill(view, vmf->pgoff, from, vmf->vma->vm_mm,
				 &limited);
		/* The zap below also takes others' PTEs of a repaid page. */
		if (page)
			layers_repay(view, vmf->pgoff, from,
				     from == vmf->page);
	}
	if (!page) {
		ret = no_page(view, vmf, limited);
		mutex_unlock(&obj->cow_lock);
		return ret;
	}
	mutex_unlock(&obj->cow_lock);
	unmap_mapping_range(vmf->vma->vm_file->f_mapping,
			    (loff_t)vmf->pgoff << PAGE_SHIFT, PAGE_SIZE, 0);
	return VM_FAULT_NOPAGE;
}

/*
 * vm_object_open - a vma of the object was duplicated: split or moved in
 * its own mm (it shares the view), or copied into a fork child: a SHARE
 * vma keeps the view, a COPY one gets a snapshot (xnu_vm_view_copy()).
 * A fork runs in the parent, so the copy is the vma whose mm is not the
 * current one's (a split or mremap runs in the mm's own thread, or in a
 * VM worker that adopted the mm).
 * Conditions: the mm's mmap_lock held for writing (a fork: the parent's
 * too).  A fork child's vma is on the object's i_mmap already (dup_mmap()
 * links it before .open), with the parent's view in vm_private_data: a
 * trim of another mm may read it meanwhile, so the copy replaces it under
 * cow_lock (view_copy()), the lock trims read it under.
 */
static void vm_object_open(struct vm_area_struct *vma)
{
	struct xnu_vm_view *view = vma->vm_private_data;

	machina_mmap_assert_write_locked(vma->vm_mm);
	if (vma->vm_mm == current->mm) {
		xnu_vm_view_get(view);
		atomic_inc(&view->nvmas);
		return;
	}
	if (vma->vm_ops == &vm_object_share_ops) {
		xnu_vm_view_get(view);
		atomic_inc(&view->nvmas);
		mutex_lock(&view->obj->cow_lock);
		view->shared = true;
		mutex_unlock(&view->obj->cow_lock);
		return;
	}
	/* A fork cannot fail: a flat copy's xarray is __GFP_NOFAIL. */
	view_copy(view, vma->vm_pgoff, vma->vm_pgoff + vma_pages(vma) - 1,
		  GFP_KERNEL_ACCOUNT | __GFP_NOFAIL, &vma->vm_private_data);
	/* Whichever view the vma has now is the one its .close counts. */
	view = vma->vm_private_data;
	atomic_inc(&view->nvmas);
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
 * Steps the trims took since load (vmas, pins and pages looked at), read
 * through sysfs (vm_trim_steps): the selftests count what a teardown
 * costs with it, not how long it takes.
 */
static atomic_long_t trim_steps = ATOMIC_LONG_INIT(0);

/* xnu_vm_trim_steps - the trims' steps since load (vm_trim_steps). */
long xnu_vm_trim_steps(void)
{
	return atomic_long_read(&trim_steps);
}

/* view_has_layer - is @l in @view's chain?  cow_lock held. */
static bool view_has_layer(struct xnu_vm_view *view, struct xnu_vm_layer *l)
{
	struct xnu_vm_layer *x;

	for (x = view->top; x; x = x->shadow)
		if (x == l)
			return true;
	return false;
}

/*
 * pin_cover - is page @index of @l named by a memory entry whose view has
 * @l in its chain (xnu_vm_view_pin())?  If so, *@end is the last page the
 * pins that name it cover (the furthest one), so a caller can pass over
 * the whole run at once.  Each pin looked at is a step (*@steps).
 * Its length is the object's pins (max_entries_per_object).
 * Conditions: cow_lock held.
 */
static bool pin_cover(struct xnu_vm_object *obj, struct xnu_vm_layer *l,
		      pgoff_t index, pgoff_t *end, unsigned long *steps)
{
	struct xnu_vm_pin *pin;
	bool found = false;

	lockdep_assert_held(&obj->cow_lock);
	list_for_each_entry(pin, &obj->pins, link) {
		(*steps)++;
		if (index >= pin->first && index <= pin->last &&
		    (!found || pin->last > *end) &&
		    view_has_layer(pin->view, l)) {
			*end = pin->last;
			found = true;
		}
		/* A user makes the list as long as its names allow. */
		cond_resched();
	}
	return found;
}

/*
 * The pins that see one layer, as disjoint runs of pages in order (the
 * pins' ranges sorted and merged): built once per layer_trim(), the first
 * time a page needs it, then read in page order, so a trim looks at each
 * pin once rather than once per run it passes over (an entry on every
 * other page made that runs x pins steps for each vma an exit closed).
 */
struct pin_run {
	pgoff_t first, last;
};

struct pin_runs {
	struct pin_run *run;	/* NULL: not built, or no memory (fallback) */
	unsigned int n, pos;	/* runs; the first not yet passed */
	bool built;
};

static int pin_run_cmp(const void *a, const void *b)
{
	const struct pin_run *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/*
 * pin_runs_build - @runs of the pins of @obj whose view has @l in its
 * chain (each pin looked at is a step).  The array (one slot per pin,
 * at most max_entries_per_object, freed by the trim) is taken without
 * reclaim: the trim holds i_mmap_rwsem, which reclaim's rmap walk of
 * the object's pages would wait for behind a writer.  Without it
 * @runs->run stays NULL and pins_cover() asks pin_cover() per run.
 * Conditions: cow_lock and i_mmap_rwsem held; may sleep.
 */
static void pin_runs_build(struct xnu_vm_object *obj, struct xnu_vm_layer *l,
			   struct pin_runs *runs, unsigned long *steps)
{
	struct xnu_vm_pin *pin;
	unsigned int n = 0, i, out = 0;

	lockdep_assert_held(&obj->cow_lock);
	runs->built = true;
	if (!obj->npins)
		return;
	runs->run = kmalloc_array(obj->npins, sizeof(*runs->run),
				  GFP_NOWAIT | __GFP_ACCOUNT | __GFP_NOWARN);
	if (!runs->run)
		return;
	list_for_each_entry(pin, &obj->pins, link) {
		(*steps)++;
		if (n < obj->npins && view_has_layer(pin->view, l))
			runs->run[n++] = (struct pin_run){ pin->first,
							   pin->last };
		cond_resched();
	}
	sort(runs->run, n, sizeof(*runs->run), pin_run_cmp, NULL);
	for (i = 0; i < n; i++) {
		if (out && runs->run[i].first <= runs->run[out - 1].last + 1) {
			runs->run[out - 1].last = max(runs->run[out - 1].last,
						      runs->run[i].last);
			continue;
		}
		runs->run[out++] = runs->run[i];
	}
	runs->n = out;
}

/*
 * pins_cover - pin_cover() through @runs: is page @index pinned by a pin
 * seeing @l, and if so *@end the last page of its run.  @index never
 * decreases between calls with one @runs.
 * Conditions: cow_lock held; may sleep.
 */
static bool pins_cover(struct xnu_vm_object *obj, struct xnu_vm_layer *l,
		       struct pin_runs *runs, pgoff_t index, pgoff_t *end,
		       unsigned long *steps)
{
	if (!runs->built)
		pin_runs_build(obj, l, runs, steps);
	if (!runs->run)
		return obj->npins && pin_cover(obj, l, index, end, steps);
	while (runs->pos < runs->n && runs->run[runs->pos].last < index) {
		runs->pos++;
		(*steps)++;
	}
	if (runs->pos == runs->n || runs->run[runs->pos].first > index)
		return false;
	*end = runs->run[runs->pos].last;
	return true;
}

/* pinned - does a memory entry seeing @l name page @index?  cow_lock. */
static bool pinned(struct xnu_vm_object *obj, struct xnu_vm_layer *l,
		   pgoff_t index)
{
	unsigned long steps = 0;
	pgoff_t end;

	return pin_cover(obj, l, index, &end, &steps);
}

/* The last page a vma of the object maps. */
static pgoff_t vma_last_page(struct vm_area_struct *vma)
{
	return vma->vm_pgoff + vma_pages(vma) - 1;
}

/* The largest last page of the vmas under @node (i_mmap's augmentation). */
static pgoff_t imap_subtree_last(struct rb_node *node)
{
	return rb_entry(node, struct vm_area_struct, shared.rb)->
		shared.rb_subtree_last;
}

/*
 * imap_first - the first vma (by first page) under @node that maps a page
 * of @first..@last, or NULL
 * The object's i_mmap is an interval tree: ordered by vm_pgoff, each node
 * keeping the largest last page under it (shared.rb_subtree_last), so a
 * subtree whose largest last page is before @first is passed over whole.
 * The kernel does not export its own search of it; this one only reads.
 * Conditions: i_mmap_rwsem held.
 */
static struct vm_area_struct *imap_first(struct rb_node *node, pgoff_t first,
					 pgoff_t last)
{
	struct vm_area_struct *vma;

	while (node) {
		if (node->rb_left && imap_subtree_last(node->rb_left) >= first) {
			node = node->rb_left;
			continue;
		}
		vma = rb_entry(node, struct vm_area_struct, shared.rb);
		if (vma->vm_pgoff > last)
			return NULL;
		if (vma_last_page(vma) >= first)
			return vma;
		node = node->rb_right;
		if (node && imap_subtree_last(node) < first)
			return NULL;
	}
	return NULL;
}

/*
 * imap_next - the vma after @vma (by first page) that maps a page of
 * @first..@last, or NULL
 * Conditions: i_mmap_rwsem held.
 */
static struct vm_area_struct *imap_next(struct vm_area_struct *vma,
					pgoff_t first, pgoff_t last)
{
	struct rb_node *node = &vma->shared.rb, *prev;

	for (;;) {
		if (node->rb_right && imap_subtree_last(node->rb_right) >= first)
			return imap_first(node->rb_right, first, last);
		/* Up to the first ancestor this subtree is the left of. */
		do {
			prev = node;
			node = rb_parent(node);
			if (!node)
				return NULL;
		} while (prev == node->rb_right);
		vma = rb_entry(node, struct vm_area_struct, shared.rb);
		if (vma->vm_pgoff > last)
			return NULL;
		if (vma_last_page(vma) >= first)
			return vma;
	}
}

/*
 * layer_drop_uncovered - free the pages of @l in @from..@to (no vma seeing
 * @l maps them) that no re-mapping holds and no memory entry pins
 * Passes over a held or pinned run at once, so its steps are the pages it
 * frees plus one per run passed over (and, once per @runs, the object's
 * pins: pins_cover()).
 * Conditions: cow_lock held; may sleep.
 */
static void layer_drop_uncovered(struct xnu_vm_object *obj,
				 struct xnu_vm_layer *l, pgoff_t from,
				 pgoff_t to, pgoff_t hold_first,
				 pgoff_t hold_last, struct pin_runs *runs,
				 unsigned long *steps)
{
	unsigned long index = from;
	pgoff_t end;

	lockdep_assert_held(&obj->cow_lock);
	while (xa_find(&l->pages, &index, to, XA_PRESENT)) {
		(*steps)++;
		if (hold_first <= hold_last && index >= hold_first &&
		    index <= hold_last) {
			end = hold_last;
		} else if (!pins_cover(obj, l, runs, index, &end, steps)) {
			layer_drop_page(obj, l, index);
			end = index;
		}
		/*
		 * The CPU goes to others between steps (cow_lock and
		 * i_mmap_rwsem are sleeping locks; xa_find() takes RCU per
		 * call only).
		 */
		cond_resched();
		if (end >= to)
			break;
		index = end + 1;
	}
}

/*
 * layer_trim - free the pages of @l in @first..@last that no vma whose
 * view has @l in its chain maps (in any mm), no re-mapping holds and no
 * memory entry pins (pin_cover())
 * The object's vmas are the interval tree of its own inode's i_mmap
 * (sorted by first page); only the ones that map a page of the range are
 * looked at (imap_first()), in order, and the pages between what those
 * seeing @l cover are the ones to free.  A vma is linked there before its
 * first fault, and a new one is only made from one that covers the same
 * pages (split, mremap, fork) or by the module holding the range, so a
 * page seen uncovered stays so.  A PTE or a pin of a freed page keeps its
 * own reference.  A layer with no page in the range costs one step; a
 * top layer whose view has no vma left (@unmapped) walks no vma, so
 * tearing down N mappings of one view, or one mapping each of N copies,
 * costs O(N) steps in all and not O(N) per unmap.
 * Its length: the vmas that map a page of the range (up to the first
 * that covers the rest while seeing @l), plus the pages it frees, plus
 * one per pinned or held run, plus the object's pins once (pin_runs:
 * per run only when no memory was had for them).
 * Conditions: cow_lock and i_mmap_rwsem (read) held; may sleep.
 */
static void layer_trim(struct xnu_vm_object *obj, struct xnu_vm_layer *l,
		       pgoff_t first, pgoff_t last, pgoff_t hold_first,
		       pgoff_t hold_last, bool unmapped, unsigned long *steps)
{
	struct address_space *mapping = obj->file->f_mapping;
	struct pin_runs runs = { .run = NULL };
	struct vm_area_struct *vma = NULL;
	unsigned long index = first;
	pgoff_t from = first, vlast;

	lockdep_assert_held(&obj->cow_lock);
	lockdep_assert_held(&mapping->i_mmap_rwsem);
	(*steps)++;
	if (!xa_find(&l->pages, &index, last, XA_PRESENT))
		return;
	from = index;
	if (!unmapped)
		vma = imap_first(mapping->i_mmap.rb_root.rb_node, from, last);
	for (; vma; vma = imap_next(vma, from, last)) {
		(*steps)++;
		/* Vmas x XNU_VM_MAX_DEPTH steps: a user's count. */
		cond_resched();
		if (!view_has_layer(READ_ONCE(vma->vm_private_data), l))
			continue;
		/* [from, vm_pgoff): the pages before it that none covers. */
		if (from < vma->vm_pgoff)
			layer_drop_uncovered(obj, l, from, vma->vm_pgoff - 1,
					     hold_first, hold_last, &runs,
					     steps);
		vlast = vma_last_page(vma);
		if (vlast >= last)
			goto out;
		from = max_t(pgoff_t, from, vlast + 1);
	}
	layer_drop_uncovered(obj, l, from, last, hold_first, hold_last, &runs,
			     steps);
out:
	kfree(runs.run);
}

/*
 * xnu_vm_object_trim - free the pages of @view's chain in @first..@last
 * that no vma seeing them maps and no re-mapping holds (layer_trim() for
 * each layer of the chain)
 * Conditions: process context; takes cow_lock and then i_mmap_rwsem (the
 * caller may hold an mmap_lock, neither of these).
 */
void xnu_vm_object_trim(struct xnu_vm_view *view, pgoff_t first,
			pgoff_t last)
{
	struct xnu_vm_object *obj = view->obj;
	struct address_space *mapping = obj->file->f_mapping;
	struct xnu_vm_layer *l;
	pgoff_t hold_first, hold_last;
	unsigned long steps = 0;

	if (last >= obj->npages)
		last = obj->npages - 1;
	if (first > last)
		return;
	mutex_lock(&obj->cow_lock);
	i_mmap_lock_read(mapping);
	/*
	 * A hold set later waits for this lock to unlink its old vma; one
	 * ended since only keeps pages a little longer.
	 */
	spin_lock(&obj->hold_lock);
	hold_first = obj->hold_first;
	hold_last = obj->hold_last;
	spin_unlock(&obj->hold_lock);
	for (l = view->top; l; l = l->shadow)
		layer_trim(obj, l, first, last, hold_first, hold_last,
			   l == view->top && !atomic_read(&view->nvmas),
			   &steps);
	i_mmap_unlock_read(mapping);
	mutex_unlock(&obj->cow_lock);
	atomic_long_add(steps, &trim_steps);
}

/*
 * vm_object_close - a vma of the object is gone (unmapped whole or in
 * part, the process exiting): the pages it saw that no other vma sees
 * go back now rather than when the whole object does; then its view
 * reference.
 * Conditions: the mm's mmap_lock held, for reading at least (munmap()
 * downgrades it before it closes the vmas it took out: 6.1
 * do_mas_align_munmap(), 6.12 vms_complete_munmap_vmas()); the vma is
 * already off the mm's tree and the inode's i_mmap.
 */
static void vm_object_close(struct vm_area_struct *vma)
{
	struct xnu_vm_view *view = vma->vm_private_data;

	machina_mmap_assert_locked(vma->vm_mm);
	atomic_dec(&view->nvmas);
	xnu_vm_object_trim(view, vma->vm_pgoff,
			   vma->vm_pgoff + vma_pages(vma) - 1);
	xnu_vm_view_put(view);
}

/* COPY (and NONE, with VM_DONTCOPY) vmas: a fork child gets a snapshot. */
static const struct vm_operations_struct vm_object_copy_ops = {
	.fault = vm_object_fault,
	.page_mkwrite = vm_object_page_mkwrite,
	.open = vm_object_open,
	.close = vm_object_close,
};

/* SHARE vmas: a fork child sees the same pages. */
static const struct vm_operations_struct vm_object_share_ops = {
	.fault = vm_object_fault,
	.page_mkwrite = vm_object_page_mkwrite,
	.open = vm_object_open,
	.close = vm_object_close,
};

/*
 * vm_object_mmap - f_op->mmap: a range of the object becomes a vma
 * Only the module maps an object (vm_mmap() with MAP_SHARED, holding
 * map_lock, map_max set); the file is never installed in a descriptor
 * table, and a reopen (/proc/PID/map_files) goes through the inode's own
 * file operations, which alloc_anon_inode() leaves at the kernel's
 * no_open (-ENXIO), never through these.  But remap_file_pages(2) of a
 * vma the user holds calls do_mmap() on the vma's file, reaching this
 * without map_lock: only the thread that holds map_lock (obj->map_owner)
 * may map; anyone else gets -EINVAL (before, such a vma took whatever
 * map_max and map_view another thread's mapping had set: a write mapping
 * of a read-only memory entry's pages).
 * The vma sees obj->map_view (a re-mapping keeps what the old vma saw),
 * or a new view over a new empty layer (a first mapping), and inherits
 * as obj->map_inherit says.
 * Conditions: mmap_lock held for writing; obj->map_lock held.
 * Returns: 0, or -EINVAL for a private mapping or one past the object.
 */
static int vm_object_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct xnu_vm_object *obj = file->private_data;
	unsigned long pages = vma_pages(vma);
	unsigned long clear = 0;

	if (READ_ONCE(obj->map_owner) != current)
		return -EINVAL;
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
	if (obj->map_inherit == VM_INHERIT_NONE)
		machina_vm_flags_set(vma, VM_DONTCOPY);
	machina_vm_flags_set(vma, obj->map_readahead);
	vma->vm_ops = obj->map_inherit == VM_INHERIT_SHARE ?
		      &vm_object_share_ops : &vm_object_copy_ops;
	if (obj->map_view) {
		vma->vm_private_data = xnu_vm_view_get(obj->map_view);
	} else {
		mutex_lock(&obj->cow_lock);
		vma->vm_private_data = view_new(obj, layer_new(obj, NULL));
		view_init_purgable(vma->vm_private_data);
		mutex_unlock(&obj->cow_lock);
	}
	atomic_inc(&((struct xnu_vm_view *)vma->vm_private_data)->nvmas);
	return 0;
}

/*
 * vm_object_file_release - the object's file is gone: no vma maps the
 * object and nobody holds it, so no view (each vma's, with its layers and
 * pages) is left either.
 * Conditions: process context (__fput()).
 */
static int vm_object_file_release(struct inode *inode, struct file *file)
{
	struct xnu_vm_object *obj = file->private_data;

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
 * multiple of PAGE_SIZE, not 0); @tag is the allocation's VM_MAKE_TAG()
 * alias.  Its pages are paid by the mm that maps it (view_fill()).
 * The bookkeeping (object, inode, file) is charged to the caller.
 * Conditions: process context, no locks held.
 * Returns: the object, held through obj->file (drop with
 * xnu_vm_object_release() once mapped: the vmas keep it), or NULL without
 * memory.
 */
struct xnu_vm_object *xnu_vm_object_create(u64 size, u8 tag)
{
	struct xnu_vm_object *obj;
	struct inode *inode;
	struct file *file;

	obj = kzalloc(sizeof(*obj), GFP_KERNEL_ACCOUNT);
	if (!obj)
		return NULL;
	mutex_init(&obj->cow_lock);
	INIT_LIST_HEAD(&obj->pins);
	INIT_LIST_HEAD(&obj->layers);
	mutex_init(&obj->map_lock);
	spin_lock_init(&obj->hold_lock);
	obj->hold_first = 1;	/* no hold */
	obj->npages = size >> PAGE_SHIFT;
	obj->tag = tag;
	obj->map_max = VM_PROT_ALL;
	obj->map_inherit = VM_INHERIT_COPY;
	obj->map_readahead = 0;
	if (simple_pin_fs(&vm_fs_type, &vm_mnt, &vm_mnt_count))
		goto err_free;
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
err_free:
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
	machina_mmap_assert_locked(vma->vm_mm);
	if (vma->vm_ops != &vm_object_copy_ops &&
	    vma->vm_ops != &vm_object_share_ops)
		return NULL;
	return vma->vm_file->private_data;
}

/*
 * xnu_vm_view_of - the view of a Mach VM vma (xnu_vm_object_of() not
 * NULL).  No reference is taken: conditions as xnu_vm_object_of().
 */
struct xnu_vm_view *xnu_vm_view_of(struct vm_area_struct *vma)
{
	return vma->vm_private_data;
}

/*
 * xnu_vm_vma_inheritance - VM_INHERIT_* of a Mach VM vma.  Conditions as
 * xnu_vm_object_of().
 */
int xnu_vm_vma_inheritance(struct vm_area_struct *vma)
{
	if (vma->vm_flags & VM_DONTCOPY)
		return VM_INHERIT_NONE;
	return vma->vm_ops == &vm_object_share_ops ? VM_INHERIT_SHARE :
						     VM_INHERIT_COPY;
}

/*
 * Facts about an object for the inspection calls (vm_info.c).  Each is a
 * snapshot that may be stale at once.  Conditions: the caller keeps the
 * object alive (holds the mmap_lock of an mm with a vma mapping it); no
 * object lock held (xnu_vm_view_resident() takes cow_lock).
 */

/*
 * xnu_vm_view_resident - how many of pages @first..@last the vmas of
 * @view see in memory: those of its top layer and those of the frozen
 * layers below that no layer above them hides (XNU counts a region's
 * resident pages down its shadow chain the same way)
 * Conditions: may sleep; takes the object's cow_lock.
 */
unsigned long xnu_vm_view_resident(struct xnu_vm_view *view, pgoff_t first,
				   pgoff_t last)
{
	struct xnu_vm_layer *l, *above;
	unsigned long index, n = 0;
	struct page *page;

	mutex_lock(&view->obj->cow_lock);
	for (l = view->top; l; l = l->shadow) {
		xa_for_each_range(&l->pages, index, page, first, last) {
			/* Pages x XNU_VM_MAX_DEPTH steps, as many as asked. */
			cond_resched();
			for (above = view->top; above != l; above = above->shadow)
				if (xa_load(&above->pages, index))
					break;
			n += above == l;
		}
	}
	mutex_unlock(&view->obj->cow_lock);
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

/*
 * xnu_vm_object_tag - the VM_MAKE_TAG alias @obj was allocated with (or
 * the one xnu_vm_object_retag() gave it since)
 */
u8 xnu_vm_object_tag(struct xnu_vm_object *obj)
{
	return READ_ONCE(obj->tag);
}

/*
 * xnu_vm_object_retag - @obj's alias becomes @to if it is @from now (the
 * malloc tags that mach_vm_behavior_set REUSABLE and REUSE move, as XNU
 * moves its entry's alias).  A plain word: readers may see either value.
 */
void xnu_vm_object_retag(struct xnu_vm_object *obj, u8 from, u8 to)
{
	cmpxchg(&obj->tag, from, to);
}

/*
 * xnu_vm_view_frozen_below - does @view see a frozen layer under its top
 * (a snapshot it shares with a fork, or a VM_PROT_COPY)?  XNU's "the
 * object has a shadow or a copy".  A snapshot; cow_lock is taken.
 */
bool xnu_vm_view_frozen_below(struct xnu_vm_view *view)
{
	bool frozen;

	mutex_lock(&view->obj->cow_lock);
	frozen = view->top->shadow;
	mutex_unlock(&view->obj->cow_lock);
	return frozen;
}

/*
 * xnu_vm_view_shadowed - has @view been written since it came to share a
 * snapshot (a frozen layer below a top that holds pages)?  XNU's "the
 * entry's object has a shadow": a virtual copy only marks the entry
 * needs-copy, and the shadow object is made by the entry's first write
 * after it (vm_map_lookup_and_lock_object()).  A snapshot; cow_lock is
 * taken.
 */
bool xnu_vm_view_shadowed(struct xnu_vm_view *view)
{
	bool shadowed;

	mutex_lock(&view->obj->cow_lock);
	shadowed = view->top->shadow && view->top->resident;
	mutex_unlock(&view->obj->cow_lock);
	return shadowed;
}

/*
 * xnu_vm_view_discard - let go of the pages of @view in @first..@last, at
 * most XNU_VM_BEHAVIOR_BATCH of them (mach_vm_behavior_set FREE and
 * REUSABLE): the next touch finds zeroes.  Only pages nobody else can see
 * go: when the view is seen by another task (a SHARE fork, a mapping of
 * a memory entry) or shares a snapshot (a frozen layer below its top)
 * nothing is let go, as XNU kills no page of an object with a shadow or
 * other references; so a snapshot one side of a fork holds never
 * changes.  Nor does a page a memory entry names (pinned(): the entry may
 * be mapped later, and must show what the range held); a page a flat
 * copy also holds leaves this view only.  The range's PTEs are zapped
 * after the pages left the layer; a pin taken before keeps its own page.
 * Conditions: process context; the mmap_lock of the one mm whose vmas
 * see @view held for writing (no fault can map a page of it meanwhile);
 * no cow_lock held.  Takes cow_lock, then i_mmap_rwsem (the zap).
 * Returns: the index to go on from (@last + 1 when done).
 */
pgoff_t xnu_vm_view_discard(struct xnu_vm_view *view, pgoff_t first,
			    pgoff_t last)
{
	struct xnu_vm_object *obj = view->obj;
	pgoff_t next = last + 1;
	unsigned long index, n = 0;
	struct page *page;

	mutex_lock(&obj->cow_lock);
	if (view->shared || view->top->shadow) {
		mutex_unlock(&obj->cow_lock);
		return next;
	}
	xa_for_each_range(&view->top->pages, index, page, first, last) {
		if (n++ == XNU_VM_BEHAVIOR_BATCH) {
			next = index;
			break;
		}
		if (!pinned(obj, view->top, index))
			layer_drop_page(obj, view->top, index);
	}
	mutex_unlock(&obj->cow_lock);
	if (n)
		unmap_mapping_range(obj->file->f_mapping,
				    (loff_t)first << PAGE_SHIFT,
				    (loff_t)(next - first) << PAGE_SHIFT, 0);
	return next;
}

/*
 * xnu_vm_view_zero - zero the pages of @view in @first..@last, at most
 * XNU_VM_BEHAVIOR_BATCH of them (mach_vm_behavior_set ZERO); absent pages
 * stay absent (they read as zeroes).  A page is zeroed in place, except
 * one that came up from a snapshot and is still held elsewhere (a pipe
 * of a vmsplice(): page_exclusive()), which is replaced by a zeroed page
 * and left to its holders, its PTEs zapped (a holder's layer with a payer
 * gets its own copy: layers_repay()).  Like XNU, refused while the
 * view shares a snapshot: zeroing the top would show the frozen pages.
 * Conditions: process context; the mmap_lock of an mm with a vma of
 * @view held (read); no cow_lock held.
 * Returns: KERN_SUCCESS with *@next where to go on (@last + 1 when done);
 * KERN_NO_ACCESS (a frozen layer below the top); KERN_RESOURCE_SHORTAGE
 * (no page to replace a held one with).
 */
int xnu_vm_view_zero(struct xnu_vm_view *view, pgoff_t first, pgoff_t last,
		     struct mm_struct *mm, pgoff_t *next)
{
	struct xnu_vm_object *obj = view->obj;
	unsigned long index, n = 0;
	struct page *page;
	bool zap = false, filled;
	int kr = KERN_SUCCESS;

	*next = last + 1;
	mutex_lock(&obj->cow_lock);
	if (view->top->shadow) {
		mutex_unlock(&obj->cow_lock);
		return KERN_NO_ACCESS;
	}
	xa_for_each_range(&view->top->pages, index, page, first, last) {
		if (n++ == XNU_VM_BEHAVIOR_BATCH) {
			*next = index;
			break;
		}
		if (page_exclusive(view->top, index, page, 0)) {
			clear_highpage(page);
			flush_dcache_page(page);
			continue;
		}
		/*
		 * The held page is left to its holders: a layer of them with a
		 * payer gets its own copy (a write, as far as they can tell).
		 */
		get_page(page);
		filled = view_fill(view, index, NULL, mm, NULL);
		if (filled)
			layers_repay(view, index, page, 1);
		put_page(page);
		if (!filled) {
			kr = KERN_RESOURCE_SHORTAGE;
			*next = index;
			break;
		}
		zap = true;
	}
	mutex_unlock(&obj->cow_lock);
	if (zap)
		unmap_mapping_range(obj->file->f_mapping,
				    (loff_t)first << PAGE_SHIFT,
				    (loff_t)(*next - first) << PAGE_SHIFT, 0);
	return kr;
}
