// SPDX-License-Identifier: GPL-2.0
/*
 * mach_vm_remap and mach_vm_remap_new (and the vm_remap names, which
 * libmach sends the same way): a range of one task's Mach VM memory
 * mapped again, in the same task or another, shared (copy = FALSE: every
 * write is seen through both ranges) or as a copy-on-write snapshot
 * (copy = TRUE).  No mapping code of its own: the source's run is found
 * and pinned as a memory entry's is (xnu_vm_map_lookup_range()), and is
 * mapped as mach_vm_map maps an entry (xnu_vm_map_enter_object()).
 *
 * XNU is the specification (xnu-11417 osfmk/vm/vm_user.c
 * mach_vm_remap_external, mach_vm_remap_new_external; vm_map.c
 * vm_map_remap, vm_map_remap_sanitize, vm_map_remap_extract;
 * vm_sanitize.c); docs/plans/xnu_vm.md ("mach_vm_remap as built") lists
 * the facts used and where Machina differs:
 *   - one view of one object per call: a range that goes on into other
 *     memory is KERN_INVALID_ADDRESS, as a hole is (XNU maps every entry
 *     of the range);
 *   - memory that is not Mach VM's (Linux anonymous or file memory) is
 *     KERN_PROTECTION_FAILURE, shared or copied, as a memory entry of it
 *     is;
 *   - the new range is one vma, so its protections are the run's most
 *     restrictive (XNU gives each new entry its source entry's, and
 *     returns the most restrictive as cur/max).
 *
 * Copy-on-write shared with a fork child: a shared remap maps the
 * range's own view, whose writes always land in its own top layer, so it
 * never reaches the child's side (as a memory entry of the range).
 *
 * Who pays: a shared remap adds no page (the source's view keeps its
 * payer, set to the source task when no page was touched yet); a copy's
 * own pages, made when either side writes, are paid by the target task's
 * memory cgroup (the writer of a snapshot pays, as after fork).
 *
 * Locks: none of its own.  The source's image and mm are held only while
 * its run is found and pinned; the target's are taken afterwards, so two
 * tasks' images are never held at once (an exec of one waiting on the
 * other's caller could otherwise deadlock).
 */
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/sched.h>

#include "mach/ipc_abi.h"
#include "mach/kern_return.h"
#include "personality/calls.h"
#include "uapi/machina.h"
#include "xnu_vm/vm_map.h"
#include "xnu_vm/vm_object.h"
#include "xnu_vm/vm_prot.h"
#include "xnu_vm/vm_sanitize.h"

/* One remap call: the arguments checked, then what the source gave. */
struct remap_args {
	struct machina_vm_remap *a;
	u32 flags;			/* VM_FLAGS_* */
	bool new;			/* mach_vm_remap_new */
	bool data_addr;			/* VM_FLAGS_RETURN_DATA_ADDR */
	u64 start, end;			/* the source's pages */
	struct xnu_vm_range r;		/* the source's run, pinned */
	struct xnu_vm_view *view;	/* what the new range sees */
	struct xnu_vm_pin copy_pin;	/* a copy's pages until it is mapped */
	bool copy_pinned;
	int cur, max;			/* protections of the new range */
};

/*
 * check_args - the argument checks of XNU's remap, before any task is
 * looked at: flags outside VM_FLAGS_USER_REMAP; for remap_new, protection
 * bits beyond VM_PROT_ALL, a current protection beyond the maximum, then
 * a maximum both writable and executable (KERN_PROTECTION_FAILURE); an
 * inheritance past NONE; size 0, a range that wraps; RESILIENT_MEDIA
 * without copy.  Sets the source's page range: from the address's page,
 * round(size) bytes (XNU's legacy rounding), or with RETURN_DATA_ADDR
 * every page [address, address + size) touches.
 * Returns: KERN_SUCCESS, KERN_INVALID_ARGUMENT, KERN_PROTECTION_FAILURE.
 */
static int check_args(struct remap_args *m)
{
	struct machina_vm_remap *a = m->a;
	u64 len;

	if (m->flags & ~VM_FLAGS_USER_REMAP)
		return KERN_INVALID_ARGUMENT;
	if (m->new) {
		if ((a->cur_protection & ~VM_PROT_ALL) ||
		    (a->max_protection & ~VM_PROT_ALL) ||
		    (a->cur_protection & ~a->max_protection))
			return KERN_INVALID_ARGUMENT;
		if ((a->max_protection & (VM_PROT_WRITE | VM_PROT_EXECUTE)) ==
		    (VM_PROT_WRITE | VM_PROT_EXECUTE))
			return KERN_PROTECTION_FAILURE;
	}
	if (a->inheritance > VM_INHERIT_NONE || !a->size)
		return KERN_INVALID_ARGUMENT;
	if (m->data_addr) {
		if (!xnu_vm_page_range(a->src_address, a->size, &m->start,
				       &m->end))
			return KERN_INVALID_ARGUMENT;
	} else {
		m->start = a->src_address & PAGE_MASK;
		if (!xnu_vm_round_size(a->size, &len) ||
		    check_add_overflow(m->start, len, &m->end))
			return KERN_INVALID_ARGUMENT;
	}
	if ((m->flags & VM_FLAGS_RESILIENT_MEDIA) && !a->copy)
		return KERN_INVALID_ARGUMENT;
	/* Machina's own rule for FIXED-only OVERWRITE, as mach_vm_map. */
	if ((m->flags & VM_FLAGS_ANYWHERE) && (m->flags & VM_FLAGS_OVERWRITE))
		return KERN_INVALID_ARGUMENT;
	return KERN_SUCCESS;
}

/*
 * extract - on the source's map: find and pin the run of Mach VM memory
 * the range is, check it allows what is asked, and make the view the new
 * range will see (the run's own, or a snapshot of it).
 * Legacy remap: the new range gets the run's most restrictive current
 * and maximum protections.  remap_new: it gets the ones asked, which the
 * run must allow (copy = FALSE: both; copy = TRUE: only a readable
 * maximum, the snapshot being the caller's to write).
 * Conditions: process context, the source's image held.
 * Returns: KERN_SUCCESS with m->r and m->view held, and a copy pinned
 * (release_source());
 * KERN_INVALID_ADDRESS (a hole, memory past the task's addresses, a range
 * that goes on into other memory); KERN_PROTECTION_FAILURE (less access
 * than asked, memory that is not Mach VM's); KERN_RESOURCE_SHORTAGE (the
 * object's max_entries_per_object pins), KERN_ABORTED.
 */
static int extract(struct xnu_vm_map *map, void *arg)
{
	struct remap_args *m = arg;
	int need_cur = VM_PROT_NONE, need_max = VM_PROT_NONE;
	int kr;

	if (m->end > map->mm->task_size)
		return KERN_INVALID_ADDRESS;
	kr = xnu_vm_map_lookup_range(map, m->start, m->end, &m->r);
	if (kr)
		return kr;
	if (m->new) {
		need_cur = m->a->copy ? VM_PROT_NONE : m->a->cur_protection;
		need_max = m->a->copy ? VM_PROT_READ : m->a->max_protection;
	}
	kr = KERN_PROTECTION_FAILURE;
	if ((m->r.cur & need_cur) != need_cur ||
	    (m->r.max & need_max) != need_max)
		goto err;
	kr = KERN_INVALID_ADDRESS;
	if (m->r.len != m->end - m->start)
		goto err;
	if (m->new) {
		m->cur = m->a->cur_protection;
		m->max = m->a->max_protection;
	} else {
		m->cur = m->r.cur;
		m->max = m->r.max;
	}
	if (m->flags & VM_FLAGS_RESILIENT_CODESIGN) {
		m->cur = VM_PROT_READ;
		m->max = VM_PROT_READ;
	}
	/* Pages nobody touched yet are the source task's to pay for. */
	xnu_vm_view_set_payer(m->r.view, map->mm);
	if (m->a->copy) {
		/*
		 * The snapshot has no vma until enter(): a pin keeps its
		 * pages if the source unmaps the range meanwhile.
		 */
		m->view = xnu_vm_view_copy(m->r.view, m->r.pgoff, m->r.pgoff +
					   (m->r.len >> PAGE_SHIFT) - 1);
		kr = KERN_RESOURCE_SHORTAGE;
		if (!m->view)
			goto err;
		m->copy_pinned = xnu_vm_view_pin(m->view, &m->copy_pin,
						 m->r.pgoff, m->r.pgoff +
						 (m->r.len >> PAGE_SHIFT) - 1);
		kr = KERN_RESOURCE_SHORTAGE;
		if (!m->copy_pinned)
			goto err_view;
	} else {
		m->view = xnu_vm_view_get(m->r.view);
		xnu_vm_view_mark_shared(m->view);
	}
	return KERN_SUCCESS;
err_view:
	xnu_vm_view_put(m->view);
	m->view = NULL;
err:
	xnu_vm_range_release(&m->r);
	return kr;
}

/*
 * enter - on the target's map: map the source's run as extract() left
 * it, at the address asked (FIXED, truncated to its page; OVERWRITE
 * replaces what is there) or anywhere at an address with
 * (address & mask) == 0.
 * Conditions: process context, the target's image held.
 * Returns: KERN_SUCCESS with the address (plus the data's offset in its
 * page with RETURN_DATA_ADDR); KERN_NO_SPACE (a FIXED address against the
 * mask or in use, no room, the target's RLIMIT_AS); or
 * xnu_vm_map_enter_object()'s.
 */
static int enter(struct xnu_vm_map *map, void *arg)
{
	struct remap_args *m = arg;
	struct machina_vm_remap *a = m->a;
	struct xnu_vm_map_request req = {
		.obj = m->r.obj,
		.view = m->view,
		.pgoff = m->r.pgoff,
		.len = m->end - m->start,
		.cur = m->cur & m->max,
		.max = m->max,
		.inherit = a->inheritance,
		.fixed = !(m->flags & VM_FLAGS_ANYWHERE),
		.overwrite = m->flags & VM_FLAGS_OVERWRITE,
	};
	u64 addr = a->address & PAGE_MASK;
	int kr;

	if (req.fixed && (addr & a->mask))
		return KERN_NO_SPACE;
	if (!xnu_vm_map_align(a->mask, &req.align))
		return KERN_NO_SPACE;
	/* A snapshot's own pages are the target's (its writer's) to pay. */
	if (a->copy)
		xnu_vm_view_set_payer(m->view, map->mm);
	kr = xnu_vm_map_enter_object(map, &req, &addr);
	if (kr)
		return kr;
	a->address = addr;
	if (m->data_addr)
		a->address += a->src_address & ~PAGE_MASK;
	return KERN_SUCCESS;
}

/* release_source - drop what extract() took.  Process context, no lock. */
static void release_source(struct remap_args *m)
{
	if (m->copy_pinned)
		xnu_vm_view_unpin(&m->copy_pin);
	m->copy_pinned = false;
	xnu_vm_view_put(m->view);
	m->view = NULL;
	xnu_vm_range_release(&m->r);
}

/*
 * machina_call_vm_remap - mach_vm_remap / vm_remap (flags 0: cur and max
 * protection out) and mach_vm_remap_new / vm_remap_new
 * (MACHINA_VM_REMAP_NEW: in/out, and VM_FLAGS_RETURN_DATA_ADDR always).
 * The target is named by a control port of the caller's space; the
 * source by a control port, or for remap_new a read port too when the
 * new range can never write the source's pages: copy = TRUE (a snapshot)
 * or a maximum protection of READ or NONE (XNU's
 * mach_vm_remap_new_external; the maximum is held by the new vma's
 * VM_MAY* bits, vm_object.c).  The legacy remap takes only a control
 * port (vm_map_t).
 * Returns: KERN_SUCCESS with address, cur and max protection set; else
 * the address is unchanged, a legacy call's cur and max are
 * VM_PROT_NONE and remap_new's are as given; check_args()', the source's
 * lookup (MACH_SEND_INVALID_RIGHT for a name without a send right,
 * KERN_INVALID_ARGUMENT for a port that is no task port of the flavour
 * needed,
 * KERN_INVALID_TASK for an exiting task), extract()'s, then the target's
 * lookup and enter()'s.
 */
long machina_call_vm_remap(struct machina_task *task, void *arg)
{
	struct machina_vm_remap *a = arg;
	struct remap_args m = { .a = a };
	enum machina_task_flavor src;
	int kr;

	if ((a->flags & ~MACHINA_VM_REMAP_NEW) || a->copy > 1)
		return -EINVAL;
	m.new = a->flags & MACHINA_VM_REMAP_NEW;
	m.flags = (u32)a->vm_flags;
	if (m.new)
		m.flags |= VM_FLAGS_RETURN_DATA_ADDR;
	else
		a->cur_protection = a->max_protection = VM_PROT_NONE;
	m.data_addr = m.flags & VM_FLAGS_RETURN_DATA_ADDR;
	kr = check_args(&m);
	if (kr)
		return kr;
	src = MACHINA_TASK_CONTROL;
	if (m.new && (a->copy || !(a->max_protection & ~VM_PROT_READ)))
		src = MACHINA_TASK_READ;
	kr = xnu_vm_call(task, a->src_task, src, &m, extract);
	if (kr == MACH_SEND_INVALID_DEST)
		kr = MACH_SEND_INVALID_RIGHT;
	if (kr)
		return kr;
	kr = xnu_vm_call(task, a->task, MACHINA_TASK_CONTROL, &m, enter);
	if (!kr) {
		a->cur_protection = m.cur & m.max;
		a->max_protection = m.max;
	}
	release_source(&m);
	return kr;
}
