// SPDX-License-Identifier: GPL-2.0
/*
 * Mach VM maps (vm_map.h): holding a task's mm for a call, and the map
 * operations: enter (map an object), remove, protect, region.
 */
#include <linux/completion.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/refcount.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "mach/kern_return.h"
#include "xnu_vm/vm_ledger.h"
#include "xnu_vm/vm_map.h"
#include "xnu_vm/vm_object.h"
#include "xnu_vm/vm_prot.h"

static struct workqueue_struct *vm_wq;

/*
 * A change of a map made by a thread that has the mm as its own: the
 * caller (own task), or a VM worker (another task).  The item is shared
 * by the caller and the worker (refs), so a caller killed while it waits
 * can leave; the worker finishes the change and the last one frees it.
 */
enum mm_op_kind { MM_OP_MAP, MM_OP_UNMAP };

struct mm_op {
	struct work_struct work;
	refcount_t refs;
	struct completion done;
	enum mm_op_kind kind;
	struct mm_struct *mm;		/* mmget() reference */
	const struct cred *cred;	/* the caller's */
	struct mem_cgroup *memcg;	/* the target mm's */
	struct xnu_vm_object *obj;	/* MAP: holds a reference on obj->file */
	struct xnu_vm_view *view;	/* MAP: what the vma sees (a reference),
					 * NULL for a new view */
	unsigned long addr, len, pgoff;
	unsigned long align;		/* MAP anywhere: a power of two above
					 * PAGE_SIZE the address must be a
					 * multiple of, or 0 */
	unsigned long prot, mflags;
	u8 max;				/* MAP: VM_PROT_* maximum */
	u8 inherit;			/* MAP: VM_INHERIT_* */
	unsigned long readahead;	/* MAP: VM_RAND_READ / VM_SEQ_READ */
	long ret;			/* address, 0 or -errno */
};

/* Linux protection bits of a Mach protection. */
static unsigned long linux_prot(int prot)
{
	return ((prot & VM_PROT_READ) ? PROT_READ : 0) |
	       ((prot & VM_PROT_WRITE) ? PROT_WRITE : 0) |
	       ((prot & VM_PROT_EXECUTE) ? PROT_EXEC : 0);
}

/*
 * map_aligned - map @op's object anywhere at a multiple of op->align
 * (mach_vm_map's mask): room for the length plus the alignment is reserved
 * inaccessible, the object is mapped over the aligned part of it, and the
 * reservation's head and tail are unmapped again.
 * Conditions: as mm_op_do(), obj->map_lock held.
 * Returns: the address, or -errno with nothing left mapped.
 */
static unsigned long map_aligned(struct mm_op *op)
{
	unsigned long room, res, start, ret;

	if (check_add_overflow(op->len, op->align - PAGE_SIZE, &room))
		return -ENOMEM;
	res = vm_mmap(NULL, 0, room, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, 0);
	if (IS_ERR_VALUE(res))
		return res;
	start = ALIGN(res, op->align);
	ret = vm_mmap(op->obj->file, start, op->len, op->prot,
		      op->mflags | MAP_FIXED, op->pgoff << PAGE_SHIFT);
	if (IS_ERR_VALUE(ret)) {
		vm_munmap(res, room);
		return ret;
	}
	if (start > res)
		vm_munmap(res, start - res);
	if (res + room > start + op->len)
		vm_munmap(start + op->len, res + room - start - op->len);
	return start;
}

/*
 * mm_op_do - make the change, as the mm's own thread
 * Conditions: current->mm is op->mm; no Machina locks held.  Takes
 * obj->map_lock (MAP) then the mm's mmap_lock (inside vm_mmap/vm_munmap),
 * and in there the object's cow_lock (.open, .close).
 * Returns: the new address (MAP), 0 (UNMAP), or -errno.
 */
static long mm_op_do(struct mm_op *op)
{
	struct xnu_vm_object *obj = op->obj;
	unsigned long ret;

	if (op->kind == MM_OP_UNMAP)
		return vm_munmap(op->addr, op->len);
	mutex_lock(&obj->map_lock);
	WRITE_ONCE(obj->map_owner, current);
	obj->map_max = op->max;
	obj->map_view = op->view;
	obj->map_inherit = op->inherit;
	obj->map_readahead = op->readahead;
	/* A re-mapping over itself: the old vma's pages stay meanwhile. */
	if (op->mflags & MAP_FIXED)
		xnu_vm_object_hold_range(obj, op->pgoff,
					 op->pgoff + (op->len >> PAGE_SHIFT) - 1);
	if (op->align)
		ret = map_aligned(op);
	else
		ret = vm_mmap(obj->file, op->addr, op->len, op->prot,
			      op->mflags, op->pgoff << PAGE_SHIFT);
	if (op->mflags & MAP_FIXED) {
		xnu_vm_object_hold_range(obj, 1, 0);
		/* Failed after the old vma went: what it held goes now. */
		if (IS_ERR_VALUE(ret) && op->view)
			xnu_vm_object_trim(op->view, op->pgoff, op->pgoff +
					   (op->len >> PAGE_SHIFT) - 1);
	}
	obj->map_max = VM_PROT_ALL;
	obj->map_view = NULL;
	obj->map_inherit = VM_INHERIT_COPY;
	obj->map_readahead = 0;
	WRITE_ONCE(obj->map_owner, NULL);
	mutex_unlock(&obj->map_lock);
	return (long)ret;
}

static void mm_op_put(struct mm_op *op)
{
	if (!refcount_dec_and_test(&op->refs))
		return;
	/* The view before the file that keeps its object alive. */
	xnu_vm_view_put(op->view);
	if (op->obj)
		fput(op->obj->file);
	mem_cgroup_put(op->memcg);
	put_cred(op->cred);
	mmput(op->mm);
	kfree(op);
}

/*
 * mm_op_work - a VM worker makes the change in another task's mm
 * The mm is adopted (kthread_use_mm()) with its memory cgroup active and
 * the caller's credentials, so what vm_mmap() checks and charges is what
 * it would for the caller mapping into the target's address space.
 * Conditions: VM workqueue (a kernel thread without an mm).
 */
static void mm_op_work(struct work_struct *work)
{
	struct mm_op *op = container_of(work, struct mm_op, work);
	struct mem_cgroup *old_memcg;
	const struct cred *old_cred;

	old_memcg = set_active_memcg(op->memcg);
	kthread_use_mm(op->mm);
	old_cred = override_creds(op->cred);
	op->ret = mm_op_do(op);
	revert_creds(old_cred);
	kthread_unuse_mm(op->mm);
	set_active_memcg(old_memcg);
	complete(&op->done);
	mm_op_put(op);
}

/*
 * mm_op_run - make @op's change in @map, in the caller (own task) or on a
 * VM worker, and wait for it
 * Conditions: process context, no Machina lock held but the target's
 * image; consumes nothing of the caller's (the op takes its own
 * references).
 * Returns: the op's result, or -EINTR when the caller was killed while
 * waiting (the change may still happen).
 */
static long mm_op_run(struct xnu_vm_map *map, struct mm_op *tmpl)
{
	struct mm_op *op;
	long ret;

	if (map->self)
		return mm_op_do(tmpl);
	op = kmemdup(tmpl, sizeof(*tmpl), GFP_KERNEL_ACCOUNT);
	if (!op)
		return -ENOMEM;
	INIT_WORK(&op->work, mm_op_work);
	init_completion(&op->done);
	refcount_set(&op->refs, 2);
	mmget(map->mm);
	op->mm = map->mm;
	op->cred = get_current_cred();
	op->memcg = xnu_vm_mm_memcg(map->mm);
	if (op->obj)
		get_file(op->obj->file);
	if (op->view)
		xnu_vm_view_get(op->view);
	queue_work(vm_wq, &op->work);
	if (wait_for_completion_killable(&op->done))
		ret = -EINTR;
	else
		ret = op->ret;
	mm_op_put(op);
	return ret;
}

/*
 * xnu_vm_map_hold - take the mm @proc runs now, for one call
 * A zombie leader has no mm while its other threads still run, so any
 * live thread's mm is taken.
 * Conditions: process context; the caller holds @proc's image (so the mm
 * is the image's: an exec waits for the caller).
 * Returns: KERN_SUCCESS with @map filled (release with
 * xnu_vm_map_release()), or KERN_INVALID_TASK when the process is exiting
 * (its mm is gone or going) or is a kernel thread.
 */
int xnu_vm_map_hold(struct xnu_vm_map *map, struct task_struct *proc)
{
	struct mm_struct *mm = NULL;
	struct task_struct *t;

	rcu_read_lock();
	for_each_thread(proc, t) {
		mm = get_task_mm(t);
		if (mm)
			break;
	}
	rcu_read_unlock();
	if (!mm)
		return KERN_INVALID_TASK;
	map->mm = mm;
	map->proc = proc;
	map->self = mm == current->mm;
	return KERN_SUCCESS;
}

/* xnu_vm_map_release - end xnu_vm_map_hold().  Process context. */
void xnu_vm_map_release(struct xnu_vm_map *map)
{
	if (map->mm)
		mmput(map->mm);
	map->mm = NULL;
}

/* The Mach status of a failed vm_mmap() or vm_munmap(). */
static int map_errno_kr(long err)
{
	switch (err) {
	case -EINTR:
		return KERN_ABORTED;
	case -EEXIST:
	case -ENOMEM:
		return KERN_NO_SPACE;
	case -EPERM:
	case -EACCES:
	case -EINVAL:
		return KERN_INVALID_ADDRESS;
	}
	return KERN_FAILURE;
}

/*
 * xnu_vm_map_enter - map all of @obj (@len bytes) into @map, read-write,
 * maximum VM_PROT_ALL, inherited by copy: at *@addr (@fixed; replacing
 * what is there with @overwrite, else failing if anything is) or wherever
 * Linux places it
 * Conditions and returns: as xnu_vm_map_enter_object().
 */
int xnu_vm_map_enter(struct xnu_vm_map *map, struct xnu_vm_object *obj,
		     u64 *addr, u64 len, bool fixed, bool overwrite)
{
	struct xnu_vm_map_request req = {
		.obj = obj,
		.len = len,
		.cur = VM_PROT_DEFAULT,
		.max = VM_PROT_ALL,
		.inherit = VM_INHERIT_COPY,
		.fixed = fixed,
		.overwrite = overwrite,
	};

	return xnu_vm_map_enter_object(map, &req, addr);
}

/*
 * xnu_vm_map_fits - may @len bytes be mapped into @map at @addr (@fixed)
 * or anywhere (at a multiple of @align, 0 for none)?  The checks that need
 * no lock, made before a call creates anything (an object, a copy) and
 * again when it maps: the range within the task's addresses, and another
 * task's RLIMIT_AS (a VM worker's own is unlimited; the caller's own is
 * vm_mmap()'s check, which knows what a FIXED | OVERWRITE mapping
 * replaces).
 * Returns: KERN_SUCCESS; KERN_INVALID_ADDRESS (a FIXED range past the
 * task's addresses, as XNU's vm_map_enter); KERN_NO_SPACE (longer than
 * the task's addresses, or past RLIMIT_AS).
 */
int xnu_vm_map_fits(struct xnu_vm_map *map, u64 addr, u64 len, bool fixed,
		    u64 align)
{
	u64 size = map->mm->task_size;
	unsigned long limit;

	if (fixed) {
		if (addr > size || len > size - addr)
			return KERN_INVALID_ADDRESS;
		align = 0;
	} else if (align > size || len > size - align) {
		return KERN_NO_SPACE;
	}
	if (map->self)
		return KERN_SUCCESS;
	limit = task_rlimit(map->proc, RLIMIT_AS);
	if (limit != RLIM_INFINITY &&
	    (READ_ONCE(map->mm->total_vm) << PAGE_SHIFT) + len + align > limit)
		return KERN_NO_SPACE;
	return KERN_SUCCESS;
}

/*
 * xnu_vm_map_enter_object - map @req->len bytes of @req->obj from page
 * @req->pgoff into @map as @req says: seeing @req->view (NULL: a new
 * view), with its current and maximum protections and inheritance; at
 * *@addr (fixed; replacing what is there with overwrite, else failing if
 * anything is) or wherever Linux places it, at a multiple of @req->align
 * when that is set; xnu_vm_map_fits() first.
 * Conditions: process context, the target's image held, no other lock;
 * the caller keeps @req's references (the mapping takes its own).
 * Returns: KERN_SUCCESS with *@addr set; KERN_NO_SPACE (range taken, no
 * room, a limit); KERN_INVALID_ADDRESS (outside the task's addresses,
 * below mmap_min_addr); KERN_RESOURCE_SHORTAGE; KERN_ABORTED (killed).
 */
int xnu_vm_map_enter_object(struct xnu_vm_map *map,
			    const struct xnu_vm_map_request *req, u64 *addr)
{
	struct mm_op op = {
		.kind = MM_OP_MAP,
		.obj = req->obj,
		.view = req->view,
		.addr = req->fixed ? *addr : 0,
		.len = req->len,
		.pgoff = req->pgoff,
		.align = req->fixed ? 0 : req->align,
		.prot = linux_prot(req->cur),
		.mflags = MAP_SHARED,
		.max = req->max,
		.inherit = req->inherit,
	};
	long ret;
	int kr;

	kr = xnu_vm_map_fits(map, *addr, req->len, req->fixed, op.align);
	if (kr)
		return kr;
	if (req->fixed)
		op.mflags |= req->overwrite ? MAP_FIXED : MAP_FIXED_NOREPLACE;
	/* mm_op_run() takes its own view reference for a worker. */
	ret = mm_op_run(map, &op);
	if (IS_ERR_VALUE(ret))
		return map_errno_kr(ret);
	if (req->fixed && ret != *addr) {
		/* MAP_FIXED_NOREPLACE is honoured since 4.17; be sure. */
		op.kind = MM_OP_UNMAP;
		op.obj = NULL;
		op.view = NULL;
		op.addr = ret;
		mm_op_run(map, &op);
		return KERN_NO_SPACE;
	}
	*addr = ret;
	return KERN_SUCCESS;
}

/*
 * xnu_vm_map_remove - unmap [@start, @start + @len) of @map, whatever is
 * mapped there (holes are fine)
 * Conditions: as xnu_vm_map_enter(); the range is page-aligned and inside
 * the task's addresses.
 * Returns: KERN_SUCCESS, KERN_ABORTED (killed), KERN_RESOURCE_SHORTAGE.
 */
int xnu_vm_map_remove(struct xnu_vm_map *map, u64 start, u64 len)
{
	struct mm_op op = {
		.kind = MM_OP_UNMAP,
		.addr = start,
		.len = len,
	};
	long ret = mm_op_run(map, &op);

	if (ret == -ENOMEM)
		return KERN_RESOURCE_SHORTAGE;
	return ret ? map_errno_kr(ret) : KERN_SUCCESS;
}

/* Mach protection of a vma's current (VM_READ...) or maximum (VM_MAY...) bits. */
static int vma_prot(unsigned long flags, bool max)
{
	unsigned int shift = max ? 4 : 0;	/* VM_MAYREAD == VM_READ << 4 */

	return ((flags & (VM_READ << shift)) ? VM_PROT_READ : 0) |
	       ((flags & (VM_WRITE << shift)) ? VM_PROT_WRITE : 0) |
	       ((flags & (VM_EXEC << shift)) ? VM_PROT_EXECUTE : 0);
}

/*
 * linux_inheritance - how Linux copies a vma that is not Mach VM's at
 * fork, as VM_INHERIT_*: VM_DONTCOPY ones not at all, shared mappings
 * shared, private ones copied.
 */
static int linux_inheritance(unsigned long flags)
{
	if (flags & VM_DONTCOPY)
		return VM_INHERIT_NONE;
	if (flags & VM_SHARED)
		return VM_INHERIT_SHARE;
	return VM_INHERIT_COPY;
}

/*
 * A vma's read-ahead hint (the flags madvise() RANDOM / SEQUENTIAL set)
 * for a persistent VM_BEHAVIOR_*.  Linux reads ahead forward only, so
 * RSEQNTL (reverse sequential) is RANDOM: no read-ahead.  (Both flags at
 * once would mean a stack under construction to Linux.)
 */
static unsigned long behavior_readahead(int behavior)
{
	switch (behavior) {
	case VM_BEHAVIOR_RANDOM:
	case VM_BEHAVIOR_RSEQNTL:
		return VM_RAND_READ;
	case VM_BEHAVIOR_SEQUENTIAL:
		return VM_SEQ_READ;
	}
	return 0;
}

/* The VM_BEHAVIOR_* a vma's read-ahead flags say (RSEQNTL reads as RANDOM). */
static int vma_behavior(unsigned long flags)
{
	if (flags & VM_RAND_READ)
		return VM_BEHAVIOR_RANDOM;
	if (flags & VM_SEQ_READ)
		return VM_BEHAVIOR_SEQUENTIAL;
	return VM_BEHAVIOR_DEFAULT;
}

/*
 * A change of attributes over a range (mach_vm_protect, mach_vm_inherit,
 * the persistent mach_vm_behavior_set).
 */
struct map_change {
	int prot;		/* VM_PROT_* (with VM_PROT_COPY), or -1: kept */
	bool set_max;		/* prot is the new maximum */
	int inherit;		/* VM_INHERIT_*, or -1: kept */
	int behavior;		/* persistent VM_BEHAVIOR_*, or -1: kept */
};

/*
 * change_check - XNU's first pass over [@start, @end): for a protection
 * change every page mapped, the new protection within every maximum (with
 * VM_PROT_COPY the maximum gains write) and every vma Mach VM memory; for
 * an inheritance change, memory that is not Mach VM's must already be
 * inherited as asked (Linux's own way, linux_inheritance(): Machina does
 * not split or re-flag vmas it does not own); for a behavior change every
 * page mapped, and memory that is not Mach VM's either covered whole by
 * the range (its read-ahead flags are set as madvise() sets them) or
 * already with that behavior (no exported way splits it).  Nothing is
 * changed before the whole range passed.
 * Conditions: @mm's mmap_lock held.
 * Returns: KERN_SUCCESS; KERN_INVALID_ADDRESS for the first hole (of a
 * protection or behavior change: inheritance passes over holes, as XNU's
 * does); KERN_PROTECTION_FAILURE for the first vma whose maximum is
 * exceeded, or that Machina cannot change.
 */
static int change_check(struct mm_struct *mm, u64 start, u64 end,
			const struct map_change *chg)
{
	bool holes = chg->prot < 0 && chg->behavior < 0;
	struct vm_area_struct *vma;
	u64 cur = start;
	int max;

	machina_mmap_assert_locked(mm);
	while (cur < end) {
		vma = find_vma(mm, cur);
		/* XNU's vm_map_inherit passes over holes. */
		if (holes && (!vma || vma->vm_start >= end))
			break;
		if (!vma || (vma->vm_start > cur && !holes))
			return KERN_INVALID_ADDRESS;
		if (chg->prot >= 0) {
			max = vma_prot(vma->vm_flags, true);
			if (chg->prot & VM_PROT_COPY)
				max |= VM_PROT_WRITE;
			if ((chg->prot & VM_PROT_ALL & max) !=
			    (chg->prot & VM_PROT_ALL))
				return KERN_PROTECTION_FAILURE;
			if (!xnu_vm_object_of(vma))
				return KERN_PROTECTION_FAILURE;
		}
		if (chg->inherit >= 0 && !xnu_vm_object_of(vma) &&
		    linux_inheritance(vma->vm_flags) != chg->inherit)
			return KERN_PROTECTION_FAILURE;
		if (chg->behavior >= 0 && !xnu_vm_object_of(vma) &&
		    (vma->vm_start < start || vma->vm_end > end) &&
		    (vma->vm_flags & (VM_RAND_READ | VM_SEQ_READ)) !=
		    behavior_readahead(chg->behavior))
			return KERN_PROTECTION_FAILURE;
		cur = vma->vm_end;
	}
	return KERN_SUCCESS;
}

/*
 * foreign_readahead - set the read-ahead flags of the vma at @at, memory
 * that is not Mach VM's, to @readahead if [@at, @end) covers it whole
 * (change_check() let a vma covered in part pass only when it already has
 * them), as madvise(MADV_RANDOM / SEQUENTIAL / NORMAL) would
 * Conditions: takes @mm's mmap_lock for writing.
 * Returns: where the vma ends (or @end), or 0 when killed.
 */
static u64 foreign_readahead(struct mm_struct *mm, u64 at, u64 end,
			     unsigned long readahead)
{
	struct vm_area_struct *vma;
	u64 next = end;

	if (mmap_write_lock_killable(mm))
		return 0;
	vma = find_vma(mm, at);
	if (vma && vma->vm_start <= at && !xnu_vm_object_of(vma)) {
		next = min_t(u64, end, vma->vm_end);
		if (vma->vm_start >= at && vma->vm_end <= end &&
		    (vma->vm_flags & (VM_RAND_READ | VM_SEQ_READ)) != readahead) {
			machina_vm_flags_clear(vma, VM_RAND_READ | VM_SEQ_READ);
			machina_vm_flags_set(vma, readahead);
		}
	}
	mmap_write_unlock(mm);
	return next;
}

/*
 * map_change - apply @chg to [@start, @end) (page-aligned, not empty)
 * The range is checked whole first (change_check()), then each Mach VM
 * vma's part is mapped again over itself with the new attributes and the
 * same view (the pages belong to its layers, so nothing is lost); with
 * VM_PROT_COPY the part gets a snapshot of the view instead
 * (xnu_vm_view_copy()): from then on it shares nothing with anyone.  A
 * part whose attributes do not change is left alone.  The re-mapping runs
 * after the check lock is dropped: a target thread that unmaps and maps
 * the same addresses in between loses its new mapping to the old object
 * (the target's own race, as with two threads of it calling mmap;
 * debuggers suspend first); a fork of the target in between copies the
 * old attributes or the new ones, vma by vma, each whole.
 * Conditions: as xnu_vm_map_enter().
 * Returns: KERN_SUCCESS, or as change_check(), KERN_NO_SPACE /
 * KERN_RESOURCE_SHORTAGE when the re-mapping fails (the part before it is
 * changed), KERN_ABORTED.
 */
static int map_change(struct xnu_vm_map *map, u64 start, u64 end,
		      const struct map_change *chg)
{
	struct mm_struct *mm = map->mm;
	struct vm_area_struct *vma;
	struct xnu_vm_object *obj;
	struct xnu_vm_view *copy;
	struct mm_op op = { .kind = MM_OP_MAP, .mflags = MAP_SHARED | MAP_FIXED };
	int kr, cur, max, inherit, behavior, prot = chg->prot & VM_PROT_ALL;
	bool same;
	u64 at = start, piece_end;
	long ret;

	if (mmap_read_lock_killable(mm))
		return KERN_ABORTED;
	kr = change_check(mm, start, end, chg);
	mmap_read_unlock(mm);
	if (kr)
		return kr;

	for (; at < end; at = piece_end) {
		if (mmap_read_lock_killable(mm))
			return KERN_ABORTED;
		vma = find_vma(mm, at);
		if (chg->inherit >= 0 && vma && vma->vm_start > at)
			at = vma->vm_start;	/* a hole: inherit skips it */
		if (!vma || vma->vm_start > at || at >= end) {
			mmap_read_unlock(mm);
			if (chg->inherit >= 0)
				return KERN_SUCCESS;
			/* The target changed its map since the check. */
			return KERN_INVALID_ADDRESS;
		}
		piece_end = min_t(u64, end, vma->vm_end);
		obj = xnu_vm_object_of(vma);
		if (!obj) {
			mmap_read_unlock(mm);
			/* Checked: Linux already inherits it as asked. */
			if (chg->inherit >= 0)
				continue;
			if (chg->behavior < 0)
				return KERN_PROTECTION_FAILURE;
			piece_end = foreign_readahead(mm, at, end,
					behavior_readahead(chg->behavior));
			if (!piece_end)
				return KERN_ABORTED;
			continue;
		}
		cur = vma_prot(vma->vm_flags, false);
		max = vma_prot(vma->vm_flags, true);
		inherit = xnu_vm_vma_inheritance(vma);
		behavior = vma->vm_flags & (VM_RAND_READ | VM_SEQ_READ);
		same = chg->inherit == inherit ||
		       (chg->behavior >= 0 &&
			behavior_readahead(chg->behavior) == behavior);
		if (chg->inherit >= 0)
			inherit = chg->inherit;
		if (chg->behavior >= 0)
			behavior = behavior_readahead(chg->behavior);
		if (chg->prot >= 0) {
			if (chg->prot & VM_PROT_COPY)
				max |= VM_PROT_WRITE;
			if (chg->set_max) {
				max = prot;
				cur &= prot;
			} else {
				cur = prot;
			}
		} else if (same) {
			mmap_read_unlock(mm);
			continue;
		}
		op.obj = obj;
		op.view = xnu_vm_view_get(xnu_vm_view_of(vma));
		op.pgoff = vma->vm_pgoff + ((at - vma->vm_start) >> PAGE_SHIFT);
		get_file(obj->file);
		mmap_read_unlock(mm);

		if (chg->prot >= 0 && (chg->prot & VM_PROT_COPY)) {
			copy = xnu_vm_view_copy(op.view, op.pgoff, op.pgoff +
						((piece_end - at) >> PAGE_SHIFT) - 1);
			xnu_vm_view_put(op.view);
			if (!copy) {
				fput(obj->file);
				return KERN_RESOURCE_SHORTAGE;
			}
			op.view = copy;
		}
		op.addr = at;
		op.len = piece_end - at;
		op.prot = linux_prot(cur);
		op.max = max;
		op.inherit = inherit;
		op.readahead = behavior;
		ret = mm_op_run(map, &op);
		xnu_vm_view_put(op.view);
		fput(obj->file);
		if (IS_ERR_VALUE(ret))
			return ret == -ENOMEM ? KERN_RESOURCE_SHORTAGE :
						map_errno_kr(ret);
	}
	return KERN_SUCCESS;
}

/*
 * xnu_vm_map_protect - mach_vm_protect of [@start, @end) (page-aligned,
 * not empty): the current protection becomes @new_prot, or with @set_max
 * the maximum does (and the current one keeps only what the new maximum
 * allows); VM_PROT_COPY in @new_prot makes the range a private copy
 * Conditions and returns: as map_change().
 */
int xnu_vm_map_protect(struct xnu_vm_map *map, u64 start, u64 end,
		       int new_prot, bool set_max)
{
	struct map_change chg = {
		.prot = new_prot,
		.set_max = set_max,
		.inherit = -1,
		.behavior = -1,
	};

	return map_change(map, start, end, &chg);
}

/*
 * xnu_vm_map_inherit - mach_vm_inherit of [@start, @end) (page-aligned,
 * not empty): what a fork child gets of it becomes @inherit (VM_INHERIT_*)
 * Conditions and returns: as map_change().
 */
int xnu_vm_map_inherit(struct xnu_vm_map *map, u64 start, u64 end,
		       int inherit)
{
	struct map_change chg = {
		.prot = -1,
		.inherit = inherit,
		.behavior = -1,
	};

	return map_change(map, start, end, &chg);
}

/*
 * xnu_vm_map_behavior - a persistent mach_vm_behavior_set (DEFAULT,
 * RANDOM, SEQUENTIAL, RSEQNTL) of [@start, @end) (page-aligned, not
 * empty): the read-ahead hint of each vma's part (behavior_readahead());
 * Mach VM memory's part is mapped again with it, other memory's vmas get
 * it only whole.
 * Conditions and returns: as map_change(); every page must be mapped
 * (KERN_INVALID_ADDRESS, as XNU's vm_map_range_check).
 */
int xnu_vm_map_behavior(struct xnu_vm_map *map, u64 start, u64 end,
			int behavior)
{
	struct map_change chg = {
		.prot = -1,
		.inherit = -1,
		.behavior = behavior,
	};

	return map_change(map, start, end, &chg);
}

/*
 * xnu_vm_region_basic - @vma described as VM_REGION_BASIC_INFO_64
 * Mach VM memory: its object's offset, its inheritance, shared while
 * another task sees its pages (a SHARE fork, or a snapshot not yet
 * written over: xnu_vm_view_shared()).
 * Other memory: as Linux holds it (shared mappings SHARE and shared,
 * private ones COPY, VM_DONTCOPY ones NONE; the file offset of file
 * mappings, 0 for anonymous memory).  Maximum protection is the vma's
 * VM_MAY* bits, behavior from madvise(RANDOM/SEQUENTIAL), user_wired_count
 * 1 for mlock()ed memory.
 * Conditions: the vma's mm's mmap_lock held.
 */
void xnu_vm_region_basic(struct vm_area_struct *vma,
			 struct xnu_vm_region_basic_info_64 *info)
{
	struct xnu_vm_object *obj = xnu_vm_object_of(vma);
	unsigned long flags = vma->vm_flags;

	memset(info, 0, sizeof(*info));
	info->protection = vma_prot(flags, false);
	info->max_protection = vma_prot(flags, true);
	if (obj) {
		info->inheritance = xnu_vm_vma_inheritance(vma);
		info->shared = xnu_vm_view_shared(xnu_vm_view_of(vma));
		info->offset = (u64)vma->vm_pgoff << PAGE_SHIFT;
	} else {
		info->inheritance = linux_inheritance(flags);
		info->shared = !!(flags & VM_MAYSHARE);
		if (vma->vm_file)
			info->offset = (u64)vma->vm_pgoff << PAGE_SHIFT;
	}
	info->behavior = vma_behavior(flags);
	info->user_wired_count = (flags & VM_LOCKED) ? 1 : 0;
}

/*
 * xnu_vm_map_region - the region (vma) that contains *@addr or, if none,
 * the first one after it, described by @describe (called with the mm's
 * mmap_lock held, which it may let go and take again, and which it lets
 * go for good when it returns KERN_ABORTED, the caller killed; *@addr and
 * *@size are the region as found first)
 * Conditions: process context; takes the mm's mmap_lock for reading.
 * Returns: KERN_SUCCESS with *@addr and *@size the region's start and
 * size; KERN_INVALID_ADDRESS past the last region; KERN_ABORTED; or what
 * @describe returns.
 */
int xnu_vm_map_region(struct xnu_vm_map *map, u64 *addr, u64 *size,
		      int (*describe)(struct xnu_vm_map *map,
				      struct vm_area_struct *vma, void *arg),
		      void *arg)
{
	struct mm_struct *mm = map->mm;
	struct vm_area_struct *vma;
	int kr;

	if (*addr >= mm->task_size)
		return KERN_INVALID_ADDRESS;
	if (mmap_read_lock_killable(mm))
		return KERN_ABORTED;
	vma = find_vma(mm, *addr);
	if (!vma) {
		mmap_read_unlock(mm);
		return KERN_INVALID_ADDRESS;
	}
	*addr = vma->vm_start;
	*size = vma->vm_end - vma->vm_start;
	/* @describe may let the mmap_lock go: @vma is not used after. */
	kr = describe(map, vma, arg);
	if (kr != KERN_ABORTED)
		mmap_read_unlock(mm);
	return kr;
}

/*
 * xnu_vm_map_lookup_range - the Mach VM memory at @start of @map, as far
 * towards @end as one view of one object goes on without a gap (vmas
 * split from one mapping, or mapped again in place): what a memory entry
 * made from the range names (XNU stops such an entry where the object
 * changes)
 * Conditions: process context, the target's image held; takes the mm's
 * mmap_lock for reading.
 * Its pages are pinned before the mmap_lock goes, so an unmap racing with
 * the caller cannot free what the caller is about to name.
 * Returns: KERN_SUCCESS with @r filled (its references dropped with
 * xnu_vm_range_release()); KERN_INVALID_ADDRESS (nothing mapped at
 * @start); KERN_PROTECTION_FAILURE (memory that is not Mach VM's: Linux
 * anonymous or file memory cannot be named); KERN_RESOURCE_SHORTAGE (the
 * object has max_entries_per_object pins); KERN_ABORTED.
 */
int xnu_vm_map_lookup_range(struct xnu_vm_map *map, u64 start, u64 end,
			    struct xnu_vm_range *r)
{
	struct mm_struct *mm = map->mm;
	struct vm_area_struct *vma;
	u64 at, next_pgoff;
	int kr = KERN_SUCCESS;

	memset(r, 0, sizeof(*r));
	if (start >= mm->task_size)
		return KERN_INVALID_ADDRESS;
	if (mmap_read_lock_killable(mm))
		return KERN_ABORTED;
	vma = find_vma(mm, start);
	if (!vma || vma->vm_start > start) {
		kr = KERN_INVALID_ADDRESS;
		goto out;
	}
	r->obj = xnu_vm_object_of(vma);
	if (!r->obj) {
		kr = KERN_PROTECTION_FAILURE;
		goto out;
	}
	r->view = xnu_vm_view_of(vma);
	r->pgoff = vma->vm_pgoff + ((start - vma->vm_start) >> PAGE_SHIFT);
	r->cur = vma_prot(vma->vm_flags, false);
	r->max = vma_prot(vma->vm_flags, true);
	at = vma->vm_end;
	next_pgoff = vma->vm_pgoff + vma_pages(vma);
	while (at < end) {
		vma = find_vma(mm, at);
		if (!vma || vma->vm_start != at ||
		    xnu_vm_object_of(vma) != r->obj ||
		    xnu_vm_view_of(vma) != r->view ||
		    vma->vm_pgoff != next_pgoff)
			break;
		r->cur &= vma_prot(vma->vm_flags, false);
		r->max &= vma_prot(vma->vm_flags, true);
		at = vma->vm_end;
		next_pgoff += vma_pages(vma);
	}
	r->len = min(at, end) - start;
	/* cow_lock nests inside the mmap_lock (as in a fault). */
	if (!xnu_vm_view_pin(r->view, &r->pin, r->pgoff,
			     r->pgoff + (r->len >> PAGE_SHIFT) - 1)) {
		kr = KERN_RESOURCE_SHORTAGE;
		goto out;
	}
	get_file(r->obj->file);
out:
	mmap_read_unlock(mm);
	if (kr)
		memset(r, 0, sizeof(*r));
	return kr;
}

/*
 * xnu_vm_range_release - drop what xnu_vm_map_lookup_range() took (pages
 * of the run that nothing else keeps go back).  Process context, no lock.
 */
void xnu_vm_range_release(struct xnu_vm_range *r)
{
	if (r->obj) {
		xnu_vm_view_unpin(&r->pin);
		fput(r->obj->file);
	}
	memset(r, 0, sizeof(*r));
}

/*
 * xnu_vm_map_init - the VM workqueue: unbound, so one change waiting for a
 * busy mm does not hold up the others; and the purgeable shrinker.
 */
int xnu_vm_map_init(void)
{
	int err;

	vm_wq = alloc_workqueue("machina_vm", WQ_UNBOUND, 0);
	if (!vm_wq)
		return -ENOMEM;
	/* The default of max_vm_bytes (vm_ledger.c). */
	xnu_vm_ledger_init();
	/* The purgeable memory shrinker (vm_purgeable.c). */
	err = xnu_vm_purgeable_init();
	if (err)
		destroy_workqueue(vm_wq);
	return err;
}

/*
 * xnu_vm_map_exit - at unload, after the device is gone: waits for every
 * change still running (a killed caller's); the shrinker goes first.
 */
void xnu_vm_map_exit(void)
{
	xnu_vm_purgeable_exit();
	destroy_workqueue(vm_wq);
	xnu_vm_ledger_exit();
}
