// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-line memory as a virtual copy (vm_map_copy.h): the snapshot a
 * message holds between send and receive.
 */
#include <linux/atomic.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "mach/kern_return.h"
#include "xnu_vm/vm_map.h"
#include "xnu_vm/vm_map_copy.h"
#include "xnu_vm/vm_object.h"
#include "xnu_vm/vm_prot.h"

struct xnu_vm_map_copy {
	struct xnu_vm_object *obj;	/* its file held */
	struct xnu_vm_pin pin;		/* the snapshot view over its pages */
	u64 pgoff;			/* the object's first page of it */
	u64 len;			/* bytes, page multiple */
	u64 head;			/* the data's offset in its first page */
};

static atomic_long_t live_copies = ATOMIC_LONG_INIT(0);

long xnu_vm_map_copy_live_count(void)
{
	return atomic_long_read(&live_copies);
}

/*
 * xnu_vm_map_copyin - a virtual copy of the caller's bytes @addr..@addr +
 * @size (@size > 0), for a message
 * Conditions: process context, no lock held; may sleep.
 * Returns: KERN_SUCCESS with *@out (the caller owns it); otherwise nothing
 * is taken and the caller's memory is as it was (its view may have moved
 * onto a new empty layer: what it reads and writes is unchanged):
 * KERN_NOT_SUPPORTED when the range is not one readable run of Mach VM
 * memory (Linux memory, a hole, several objects, an unreadable page) or
 * its object has max_entries_per_object pins (the caller copies the
 * bytes instead, and meets any hole or unreadable page itself);
 * KERN_INVALID_ARGUMENT (a range that wraps); KERN_INVALID_TASK (the
 * caller is exiting); KERN_RESOURCE_SHORTAGE.
 */
int xnu_vm_map_copyin(u64 addr, u64 size, struct xnu_vm_map_copy **out)
{
	struct xnu_vm_map_copy *copy;
	struct xnu_vm_view *snap;
	struct xnu_vm_range r;
	struct xnu_vm_map map;
	u64 start = addr & PAGE_MASK, end, rend;
	int kr;

	*out = NULL;
	if (check_add_overflow(addr, size, &end) ||
	    check_add_overflow(end, (u64)PAGE_SIZE - 1, &rend))
		return KERN_INVALID_ARGUMENT;
	rend &= PAGE_MASK;
	copy = kzalloc(sizeof(*copy), GFP_KERNEL_ACCOUNT);
	if (!copy)
		return KERN_RESOURCE_SHORTAGE;
	kr = xnu_vm_map_hold(&map, current);
	if (kr)
		goto err_free;
	kr = xnu_vm_map_lookup_range(&map, start, rend, &r);
	xnu_vm_map_release(&map);
	if (kr)
		goto err_fallback;
	if (r.len != rend - start || !(r.cur & VM_PROT_READ)) {
		xnu_vm_range_release(&r);
		goto err_fallback;
	}
	/*
	 * The snapshot holds the range's pages, and only those (the sender's
	 * own, paid where they are); its edge copies are the sender's.
	 */
	snap = xnu_vm_view_snapshot(r.view, r.pgoff,
				    r.pgoff + (r.len >> PAGE_SHIFT) - 1,
				    addr - start, end - (rend - PAGE_SIZE),
				    current->mm);
	if (!snap) {
		xnu_vm_range_release(&r);
		kr = KERN_RESOURCE_SHORTAGE;
		goto err_free;
	}
	if (!xnu_vm_view_pin(snap, &copy->pin, r.pgoff,
			     r.pgoff + (r.len >> PAGE_SHIFT) - 1)) {
		xnu_vm_view_put(snap);
		xnu_vm_range_release(&r);
		goto err_fallback;
	}
	xnu_vm_view_put(snap);
	copy->obj = r.obj;
	get_file(r.obj->file);
	copy->pgoff = r.pgoff;
	copy->len = r.len;
	copy->head = addr - start;
	xnu_vm_range_release(&r);
	atomic_long_inc(&live_copies);
	*out = copy;
	return KERN_SUCCESS;

err_fallback:
	kr = KERN_NOT_SUPPORTED;
err_free:
	kfree(copy);
	return kr;
}

/*
 * xnu_vm_map_copyout - map @copy anywhere in the caller's own map
 * The mapping sees the snapshot's own view: its pages are marked shared
 * (LAYER_MOVED) in it and in the sender's top, so each side copies a page
 * before writing it while the other holds it, and nothing else of the
 * object changes (no layer is added, no other mapping of it is zapped).
 * The receiver takes over paying for it (xnu_vm_view_adopt()): its new
 * pages, and the pages the snapshot alone keeps once the sender writes.
 * A copy is mapped once (mach_msg.c discards it right after); @copy
 * stays the caller's to discard.
 * Conditions: process context, no lock held; may sleep.
 * Returns: KERN_SUCCESS with *@addr (the data's address: the mapping's
 * start plus the data's offset in its first page); KERN_NO_SPACE (no
 * room, RLIMIT_AS); KERN_RESOURCE_SHORTAGE; KERN_INVALID_TASK (the caller
 * is exiting); KERN_ABORTED (killed).
 */
int xnu_vm_map_copyout(struct xnu_vm_map_copy *copy, u64 *addr)
{
	struct xnu_vm_map_request req = {
		.obj = copy->obj,
		.pgoff = copy->pgoff,
		.len = copy->len,
		.cur = VM_PROT_DEFAULT,
		.max = VM_PROT_ALL,
		.inherit = VM_INHERIT_COPY,
	};
	struct xnu_vm_map map;
	u64 a = 0;
	int kr;

	kr = xnu_vm_map_hold(&map, current);
	if (kr)
		return kr;
	req.view = xnu_vm_view_get(copy->pin.view);
	xnu_vm_view_adopt(req.view, map.mm);
	kr = xnu_vm_map_enter_object(&map, &req, &a);
	xnu_vm_view_put(req.view);
	xnu_vm_map_release(&map);
	if (!kr)
		*addr = a + copy->head;
	return kr;
}

/*
 * xnu_vm_map_copy_discard - give back @copy (NULL: nothing): its pin
 * (pages nothing else sees go back) and its object
 * Conditions: process context, no object lock held.
 */
void xnu_vm_map_copy_discard(struct xnu_vm_map_copy *copy)
{
	if (!copy)
		return;
	xnu_vm_view_unpin(&copy->pin);
	fput(copy->obj->file);
	kfree(copy);
	atomic_long_dec(&live_copies);
}

/*
 * xnu_vm_map_copy_held - the bytes of pages @copy can keep alive by itself:
 * every page its range touches (the partial first and last ones are copies
 * made at send; the others become its own once the sender writes or
 * deallocates them), so at least the range's size and up to two pages more
 */
u64 xnu_vm_map_copy_held(const struct xnu_vm_map_copy *copy)
{
	return copy->len;
}
