// SPDX-License-Identifier: GPL-2.0
/*
 * Mach memory entries (vm_memory_entry.h): mach_make_memory_entry_64 and
 * the entries' kernel-object ports.  mach_vm_map, which maps them, is in
 * vm_user.c.
 *
 * XNU's behaviour is the specification (osfmk/vm/vm_user.c of xnu-7195
 * mach_make_memory_entry_internal, osfmk/vm/vm_memory_entry.c of
 * xnu-11417 and its sanitizer); where Machina differs, docs/plans/xnu_vm.md
 * ("Slice 3 as built") says so.  The entry kinds:
 *   - MAP_MEM_NAMED_CREATE: a new object of the (page-rounded) size; the
 *     entry is its first holder.  Its pages are charged to the creator's
 *     memory cgroup, whoever touches them.
 *   - a range of the target's Mach VM memory: the view the range's vmas
 *     see, from the range's start as far as one view of one object goes
 *     (the size out says how far, as XNU's single-object extract does).
 *     Writes through a mapping of it are the range's writes and the other
 *     way round.  A copy-on-write snapshot the range shares with a fork
 *     child is never written through it: the view's own top layer takes
 *     its writes, as the range's own writes do.  With MAP_MEM_NAMED_REUSE
 *     and a parent that names exactly that range, the parent itself (one
 *     more send right to its port).
 *   - MAP_MEM_VM_COPY: a copy-on-write snapshot of the range (one object;
 *     nothing is copied until written on either side).
 *   - MAP_MEM_VM_SHARE: the range's own view, as a range entry, but of
 *     the whole range or nothing and of the copy kind (XNU's extract of
 *     a range for a remap: no parent of others, mach_vm_map's copy-entry
 *     flags, no purgeable control); one view of one object here.
 *   - a parent entry: a sub-range, with no more protection than the
 *     parent's.
 * MAP_MEM_ONLY makes no entry: it records a cache mode on the parent.
 */
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "mach/ipc_abi.h"
#include "mach/ipc_kobject.h"
#include "mach/ipc_port.h"
#include "mach/ipc_space.h"
#include "mach/kern_return.h"
#include "mach/task.h"
#include "personality/calls.h"
#include "uapi/machina.h"
#include "xnu_vm/vm_map.h"
#include "xnu_vm/vm_memory_entry.h"
#include "xnu_vm/vm_prot.h"
#include "xnu_vm/vm_sanitize.h"

/* permission: VM_PROT_* in the low byte, MAP_MEM_* flags, cache mode on top. */
#define MAP_MEM_PROT_MASK		0xFF
#define MAP_MEM_FLAGS_MASK		0x00FFFF00
#define MAP_MEM_LEDGER_TAGGED		0x002000
#define MAP_MEM_PURGABLE_KERNEL_ONLY	0x004000
#define MAP_MEM_GRAB_SECLUDED		0x008000
#define MAP_MEM_ONLY			0x010000
#define MAP_MEM_NAMED_CREATE		0x020000
#define MAP_MEM_PURGABLE		0x040000
#define MAP_MEM_NAMED_REUSE		0x080000
#define MAP_MEM_USE_DATA_ADDR		0x100000
#define MAP_MEM_VM_COPY			0x200000
#define MAP_MEM_VM_SHARE		0x400000
#define MAP_MEM_4K_DATA_ADDR		0x800000
#define MAP_MEM_FLAGS_USER						\
	(MAP_MEM_PURGABLE_KERNEL_ONLY | MAP_MEM_GRAB_SECLUDED |		\
	 MAP_MEM_ONLY | MAP_MEM_NAMED_CREATE | MAP_MEM_PURGABLE |	\
	 MAP_MEM_NAMED_REUSE | MAP_MEM_USE_DATA_ADDR | MAP_MEM_VM_COPY |	\
	 MAP_MEM_VM_SHARE | MAP_MEM_LEDGER_TAGGED | MAP_MEM_4K_DATA_ADDR)
/* The cache mode in the top byte (XNU's GET_MAP_MEM). */
#define MAP_MEM_CACHE_SHIFT		24
#define MAP_MEM_NOOP			0

/*
 * XNU's bound on an anonymous object (ANON_MAX_SIZE: 2^32 - 1 pages), so
 * an object's page index always fits 32 bits.
 */
#define ENTRY_MAX_PAGES			0xFFFFFFFFULL

static void entry_release(struct kref *ref)
{
	struct xnu_vm_named_entry *e =
		container_of(ref, struct xnu_vm_named_entry, ref);

	xnu_vm_view_unpin(&e->pin);
	fput(e->obj->file);
	ipc_port_put(e->port);
	kfree(e);
}

/*
 * xnu_vm_named_entry_put - drop a reference on @entry; the last gives
 * back its pin (pages no one else sees) and its object.
 * Conditions: process context; no object lock held.
 */
void xnu_vm_named_entry_put(struct xnu_vm_named_entry *entry)
{
	if (entry)
		kref_put(&entry->ref, entry_release);
}

static void *entry_get(struct ipc_port *port, u32 types)
{
	struct xnu_vm_named_entry *e = ipc_kobject_of(port, types);

	if (e)
		kref_get(&e->ref);
	return e;
}

static void entry_put_obj(void *obj)
{
	xnu_vm_named_entry_put(obj);
}

/* Entries belong to no exec image: their ports are not image-bound. */
static const struct ipc_kobject_kind entry_kind = {
	.right = MACH_PORT_TYPE_SEND,
	.get = entry_get,
	.put = entry_put_obj,
};

/*
 * xnu_vm_named_entry_lookup - the memory entry a send right of @task's
 * space names (a parent entry, mach_vm_map's object)
 * Returns: a referenced entry (xnu_vm_named_entry_put()); or NULL with
 * *@kr = KERN_SUCCESS for MACH_PORT_NULL, MACH_SEND_INVALID_RIGHT for a
 * name that holds no send right (Darwin's message carrying the argument
 * fails so), KERN_INVALID_ARGUMENT for a port that is no memory entry.
 */
struct xnu_vm_named_entry *
xnu_vm_named_entry_lookup(struct machina_task *task, u32 name, int *kr)
{
	struct ipc_kobject_ref ref;

	*kr = KERN_SUCCESS;
	if (name == MACH_PORT_NULL)
		return NULL;
	*kr = ipc_kobject_lookup(task->space, name, &entry_kind,
				 IKOT_BIT(IKOT_NAMED_ENTRY), &ref);
	if (*kr == KERN_INVALID_NAME || *kr == KERN_INVALID_RIGHT)
		*kr = MACH_SEND_INVALID_RIGHT;
	return ref.obj;
}

/*
 * entry_new - an entry over @view's pages @offset..@offset + @size of
 * @obj, granting @prot; it takes its own references (object file, view
 * pin) and has two: the port's and the caller's.
 * Returns: the entry, or NULL without memory or when @obj has
 * max_entries_per_object entries already (KERN_RESOURCE_SHORTAGE both).
 */
static struct xnu_vm_named_entry *entry_new(struct xnu_vm_object *obj,
					    struct xnu_vm_view *view,
					    u64 offset, u64 size, u8 prot)
{
	struct xnu_vm_named_entry *e;
	pgoff_t first = offset >> PAGE_SHIFT, last;

	e = kzalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return NULL;
	/*
	 * An empty entry (a parent's sub-range of size 0) pins no page, but
	 * counts against the object's max_entries_per_object like any.
	 */
	if (!size) {
		first = 1;
		last = 0;
	} else {
		last = first + (size >> PAGE_SHIFT) - 1;
	}
	if (!xnu_vm_view_pin(view, &e->pin, first, last))
		goto err_free;
	e->port = ipc_kobject_alloc_port(IKOT_NAMED_ENTRY, e);
	if (!e->port)
		goto err_unpin;
	kref_init(&e->ref);
	kref_get(&e->ref);
	e->obj = obj;
	get_file(obj->file);
	e->offset = offset;
	e->size = size;
	e->prot = prot;
	return e;

err_unpin:
	xnu_vm_view_unpin(&e->pin);
err_free:
	kfree(e);
	return NULL;
}

/* The arguments of one mach_make_memory_entry_64, decoded. */
struct make_args {
	struct machina_task *task;	/* the caller */
	struct machina_memory_entry *a;
	struct xnu_vm_named_entry *parent;
	u32 flags;			/* MAP_MEM_* */
	u8 prot;			/* VM_PROT_* asked */
	u8 access;			/* the cache mode (top byte) */
	bool mask;			/* VM_PROT_IS_MASK: as much of prot as
					 * there is */
	bool data_addr;			/* USE_DATA_ADDR or 4K_DATA_ADDR */
};

/* The in-page offset of the data MAP_MEM_(4K_)USE_DATA_ADDR keeps. */
static u64 data_offset(const struct make_args *m, u64 offset, u64 start)
{
	u64 off = m->data_addr ? offset - start : 0;

	if (m->flags & MAP_MEM_4K_DATA_ADDR)
		off &= ~0xFFFULL;
	return off;
}

/*
 * make_range - the page range [*@start, *@end) that @offset and @size
 * touch; false when it wraps (KERN_INVALID_ARGUMENT).
 */
static bool make_range(u64 offset, u64 size, u64 *start, u64 *end)
{
	return xnu_vm_page_range(offset, size, start, end);
}

/*
 * publish - give the caller a send right to @e (its handle) and the size
 * out; consumes the caller's reference on @e.
 * Returns: KERN_SUCCESS, or the copyout error (the entry is gone then:
 * its only send right was destroyed).
 */
static int publish(struct make_args *m, struct xnu_vm_named_entry *e)
{
	int kr;

	kr = ipc_kobject_copyout_send(m->task->space, e->port, true,
				      &m->a->handle);
	if (!kr)
		m->a->size = e->size - e->data_offset;
	xnu_vm_named_entry_put(e);
	return kr;
}

/*
 * make_named_create - MAP_MEM_NAMED_CREATE: an entry owning a new object
 * of the pages [offset, offset + size) touch, granting the protection
 * asked; its pages are charged to the caller's memory cgroup.  With
 * MAP_MEM_PURGABLE the object is purgeable, NONVOLATILE (vm_purgeable.c;
 * XNU's mach_make_memory_entry_named_create: the only kind of entry the
 * flag changes, and one that must grant VM_PROT_WRITE); with
 * MAP_MEM_PURGABLE_KERNEL_ONLY too, no user may set its state.
 * Returns: KERN_SUCCESS (handle NULL for size 0); KERN_INVALID_ARGUMENT
 * (a range that wraps, a data-address flag, PURGABLE without
 * VM_PROT_WRITE); KERN_FAILURE (beyond
 * XNU's largest anonymous object); KERN_RESOURCE_SHORTAGE.
 */
static int make_named_create(struct make_args *m)
{
	struct xnu_vm_named_entry *e;
	struct xnu_vm_object *obj;
	struct xnu_vm_view *view;
	u64 start, end;

	if (!m->a->size)
		return KERN_SUCCESS;
	if (!make_range(m->a->offset, m->a->size, &start, &end) ||
	    m->data_addr)
		return KERN_INVALID_ARGUMENT;
	if ((end - start) >> PAGE_SHIFT > ENTRY_MAX_PAGES)
		return KERN_FAILURE;
	if ((m->flags & MAP_MEM_PURGABLE) && !(m->prot & VM_PROT_WRITE))
		return KERN_INVALID_ARGUMENT;
	obj = xnu_vm_object_create(end - start, 0);
	if (!obj)
		return KERN_RESOURCE_SHORTAGE;
	if (m->flags & MAP_MEM_PURGABLE)
		xnu_vm_object_set_purgable(obj, m->flags &
					   MAP_MEM_PURGABLE_KERNEL_ONLY);
	view = xnu_vm_view_new(obj, current->mm);
	e = entry_new(obj, view, 0, end - start, m->prot);
	xnu_vm_view_put(view);
	xnu_vm_object_release(obj);
	if (!e)
		return KERN_RESOURCE_SHORTAGE;
	e->access = m->access;
	return publish(m, e);
}

/*
 * reuse_parent - MAP_MEM_NAMED_REUSE of a range: give the caller another
 * send right to the parent entry itself, when the range is exactly what
 * the parent names, as XNU's share path checks it: the same object (here
 * the same view of it, the pages both see), the parent from the object's
 * start and the range there too, the same size (@len, as far as the
 * range's one object goes) and the same data offset (@doff).  The
 * protections are not compared (XNU's check does not look at them; the
 * caller holds the parent already).
 * Returns: true with the handle and size out set, or the copyout's error
 * in *@kr; false when the range is another one, or the parent's last send
 * right went meanwhile (a new entry is made then).
 */
static bool reuse_parent(struct make_args *m, const struct xnu_vm_range *r,
			 u64 len, u64 doff, int *kr)
{
	struct xnu_vm_named_entry *p = m->parent;

	if (!(m->flags & MAP_MEM_NAMED_REUSE) || !p || p->obj != r->obj ||
	    p->pin.view != r->view || p->offset || r->pgoff ||
	    p->size != len || p->data_offset != doff)
		return false;
	if (!ipc_port_copy_send_live(p->port))
		return false;
	ipc_port_get(p->port);
	*kr = ipc_kobject_copyout_held_send(m->task->space, p->port,
					    &m->a->handle);
	if (!*kr)
		m->a->size = p->size - p->data_offset;
	return true;
}

/* The vma flags a range must have to grant VM_PROT_* @prot. */
static unsigned long prot_vm_flags(u8 prot)
{
	return (prot & VM_PROT_READ ? VM_READ : 0) |
	       (prot & VM_PROT_WRITE ? VM_WRITE : 0) |
	       (prot & VM_PROT_EXECUTE ? VM_EXEC : 0);
}

/*
 * make_from_range - an entry over the target's Mach VM memory at offset:
 * shared (the range's own view), with MAP_MEM_VM_SHARE the same of the
 * copy kind, or with MAP_MEM_VM_COPY a snapshot of it
 * Shared: it names as much of the range as one view of one object covers
 * from its start, and every page of that must allow the protection asked
 * (with VM_PROT_IS_MASK: what it allows of it, at least something).
 * VM_SHARE and VM_COPY take the whole range or nothing (XNU's extract of
 * a range for a remap, vm_map_copyin): a hole anywhere fails, one view
 * of one object must cover it all here.  A shared one with
 * MAP_MEM_NAMED_REUSE that names just what its parent names is the
 * parent (reuse_parent()).  VM_SHARE needs the protection
 * asked of every page (VM_PROT_IS_MASK: what all of it allows, at least
 * something); a copy needs it readable.
 * Returns: KERN_SUCCESS; KERN_INVALID_ARGUMENT (size 0, a range that
 * wraps); KERN_INVALID_ADDRESS (nothing mapped at the start, a hole in a
 * whole range); KERN_PROTECTION_FAILURE (less access than asked, memory
 * that is not Mach VM's); KERN_NOT_SUPPORTED (a whole range across
 * objects or views); KERN_RESOURCE_SHORTAGE, KERN_ABORTED.
 */
static int make_from_range(struct make_args *m, struct xnu_vm_map *map)
{
	/* VM_COPY is taken before VM_SHARE, as XNU dispatches them. */
	bool copy = m->flags & MAP_MEM_VM_COPY;
	bool whole = copy || (m->flags & MAP_MEM_VM_SHARE);
	struct xnu_vm_named_entry *e;
	struct xnu_vm_view *view;
	struct xnu_vm_range r;
	u64 start, end, len;
	u8 prot = m->prot;
	int kr;

	if (!m->a->size || !make_range(m->a->offset, m->a->size, &start, &end))
		return KERN_INVALID_ARGUMENT;
	if (whole) {
		kr = xnu_vm_check_target_range(map, start, end - start,
					       copy ? VM_READ :
					       m->mask ? 0 :
					       prot_vm_flags(prot));
		if (kr)
			return kr;
	}
	kr = xnu_vm_map_lookup_range(map, start, end, &r);
	if (kr)
		return kr;
	len = r.len;
	kr = KERN_NOT_SUPPORTED;
	if (whole && len != end - start)
		goto out;
	if (!copy) {
		if (m->mask)
			prot &= r.cur;
		kr = KERN_PROTECTION_FAILURE;
		if (m->mask ? !prot : (r.cur & prot) != prot)
			goto out;
	}
	if (!whole &&
	    reuse_parent(m, &r, len, data_offset(m, m->a->offset, start), &kr))
		goto out;
	/*
	 * The range's task pays for pages nobody has touched yet; the
	 * creator for a snapshot's own pages.  A copy is a standalone
	 * snapshot of the range's pages alone: freezing the range's view
	 * kept every page of its top alive for the entry, and a rewrite of
	 * the rest of the region then copied all of it.
	 */
	xnu_vm_view_set_payer(r.view, map->mm);
	kr = KERN_RESOURCE_SHORTAGE;
	if (copy) {
		view = xnu_vm_view_snapshot(r.view, r.pgoff,
					    r.pgoff + (len >> PAGE_SHIFT) - 1,
					    0, PAGE_SIZE, current->mm);
		if (!view)
			goto out;
	} else {
		view = xnu_vm_view_get(r.view);
	}
	e = entry_new(r.obj, view, r.pgoff << PAGE_SHIFT, len, prot);
	xnu_vm_view_put(view);
	if (!e)
		goto out;
	/* XNU records a cache mode on object entries only. */
	e->is_copy = whole;
	if (!whole)
		e->access = m->access;
	e->data_offset = data_offset(m, m->a->offset, start);
	xnu_vm_range_release(&r);
	return publish(m, e);
out:
	xnu_vm_range_release(&r);
	return kr;
}

/*
 * make_from_parent - a sub-range of the parent entry (offset and size
 * within it, as the newer XNU's sanitizer has it: the page-rounded end
 * must not pass the parent's size), with no more protection than the
 * parent grants; it sees what the parent sees.
 * Returns: KERN_SUCCESS; KERN_INVALID_ARGUMENT (past the parent, a range
 * that wraps); KERN_PROTECTION_FAILURE (more than the parent grants);
 * KERN_RESOURCE_SHORTAGE.
 */
static int make_from_parent(struct make_args *m)
{
	struct xnu_vm_named_entry *p = m->parent, *e;
	u64 offset = m->a->offset, start, end;
	u8 prot = m->prot;

	if (m->data_addr && check_add_overflow(offset, p->data_offset, &offset))
		return KERN_INVALID_ARGUMENT;
	if (!make_range(offset, m->a->size, &start, &end) || end > p->size)
		return KERN_INVALID_ARGUMENT;
	if (m->mask)
		prot &= p->prot;
	if ((prot & p->prot) != prot)
		return KERN_PROTECTION_FAILURE;
	e = entry_new(p->obj, p->pin.view, p->offset + start, end - start,
		      prot);
	if (!e)
		return KERN_RESOURCE_SHORTAGE;
	e->access = m->access;
	e->data_offset = data_offset(m, offset, start);
	return publish(m, e);
}

/*
 * make_mem_only - MAP_MEM_ONLY: record the cache mode asked on the parent
 * entry; no entry is made (handle MACH_PORT_NULL) and the size is left as
 * given, as XNU's mach_make_memory_entry_mem_only does.  The mode changes
 * nothing else: Machina's pages are ordinary RAM that Linux maps
 * write-back cached in every mm and in the kernel's direct map, and a
 * second, uncached or write-combining mapping of such a page is an
 * attribute alias the architectures forbid (x86 PAT, arm64 mismatched
 * attributes).  So every mode XNU accepts is accepted and recorded (the
 * next MAP_MEM_ONLY on a read-only entry compares with it), and memory
 * stays cached.
 * Returns: KERN_SUCCESS; KERN_INVALID_ARGUMENT (offset + size wraps, a
 * data-address flag, no parent entry); KERN_INVALID_RIGHT (a mode other
 * than the parent's recorded one on a parent without VM_PROT_WRITE).
 */
static int make_mem_only(struct make_args *m)
{
	struct xnu_vm_named_entry *p = m->parent;
	u64 start, end;

	if (m->a->size && !make_range(m->a->offset, m->a->size, &start, &end))
		return KERN_INVALID_ARGUMENT;
	if (m->data_addr || !p)
		return KERN_INVALID_ARGUMENT;
	if (m->access != READ_ONCE(p->access) && !(p->prot & VM_PROT_WRITE))
		return KERN_INVALID_RIGHT;
	if (m->access != MAP_MEM_NOOP)
		WRITE_ONCE(p->access, m->access);
	return KERN_SUCCESS;
}

/*
 * do_make - mach_make_memory_entry_64 on the target's map (which names
 * the memory of a range entry; the other kinds only need it valid)
 * Order of checks, as XNU's: unknown MAP_MEM_* flags
 * (KERN_INVALID_VALUE), a copy entry as parent (KERN_INVALID_ARGUMENT),
 * then the kind's own, taken in XNU's order: MAP_MEM_ONLY, NAMED_CREATE,
 * VM_COPY, a range (VM_SHARE, no parent, NAMED_REUSE), the parent.
 * Protection bits beyond VM_PROT_ALL and VM_PROT_IS_MASK are dropped, as
 * XNU's sanitizer does; the cache mode (the top byte) is not checked and
 * only recorded (make_mem_only()).
 */
static int do_make(struct xnu_vm_map *map, void *arg)
{
	struct make_args *m = arg;
	u32 perm = (u32)m->a->permission;

	if ((perm & MAP_MEM_FLAGS_MASK) & ~MAP_MEM_FLAGS_USER)
		return KERN_INVALID_VALUE;
	if (m->parent && m->parent->is_copy)
		return KERN_INVALID_ARGUMENT;
	m->flags = perm & MAP_MEM_FLAGS_MASK;
	m->access = perm >> MAP_MEM_CACHE_SHIFT;
	m->prot = perm & VM_PROT_ALL;
	m->mask = perm & VM_PROT_IS_MASK;
	m->data_addr = m->flags & (MAP_MEM_USE_DATA_ADDR | MAP_MEM_4K_DATA_ADDR);
	if (m->flags & MAP_MEM_ONLY)
		return make_mem_only(m);
	if (m->flags & MAP_MEM_NAMED_CREATE)
		return make_named_create(m);
	/*
	 * VM_SHARE and NAMED_REUSE name the range whatever the parent, as
	 * XNU's share path does; NAMED_REUSE (without VM_SHARE) gives back
	 * the parent itself when the range is exactly the parent's.
	 */
	if ((m->flags & (MAP_MEM_VM_COPY | MAP_MEM_VM_SHARE |
			 MAP_MEM_NAMED_REUSE)) || !m->parent)
		return make_from_range(m, map);
	return make_from_parent(m);
}

/*
 * lesser_task_port - whether @name in @task's space is a task port of a
 * flavour below control (read, inspect, name): XNU's conversion to
 * vm_map_t gives VM_MAP_NULL for them, which mach_make_memory_entry
 * answers with KERN_INVALID_TASK, not the KERN_INVALID_ARGUMENT of the
 * other map calls.
 * Conditions: process context, no lock held.
 */
static bool lesser_task_port(struct machina_task *task, u32 name)
{
	struct ipc_kobject_ref ref;
	bool lesser;

	if (machina_task_lookup(task, name, MACHINA_TASK_NAME, &ref))
		return false;
	lesser = machina_task_ref_flavor(&ref) != MACHINA_TASK_CONTROL;
	ipc_kobject_ref_put(&ref);
	return lesser;
}

/*
 * machina_call_make_memory_entry - mach_make_memory_entry_64 (and the
 * 32-bit mach_make_memory_entry, which libmach sends the same way)
 * The target must be a control port (vm_map_t): an entry can map the
 * range writable, so a read port must never make one.
 * Returns: KERN_SUCCESS with handle and size set (MAP_MEM_ONLY: no
 * handle, the size as given); else size and handle 0
 * and what do_make() or the lookups return (MACH_SEND_INVALID_DEST for a
 * target that is no send right, KERN_INVALID_TASK for a read, inspect or
 * name port, MACH_SEND_INVALID_RIGHT for such a parent; a parent that is
 * no memory entry is ignored, as XNU does).
 */
long machina_call_make_memory_entry(struct machina_task *task, void *arg)
{
	struct machina_memory_entry *a = arg;
	struct make_args m = { .task = task, .a = a };
	int kr;

	if (a->flags || a->reserved || a->handle)
		return -EINVAL;
	m.parent = xnu_vm_named_entry_lookup(task, a->parent, &kr);
	if (kr && kr != KERN_INVALID_ARGUMENT)
		goto out;
	kr = xnu_vm_call(task, a->task, MACHINA_TASK_CONTROL, &m, do_make);
	/* do_make() ran only for a control port: its errors stay. */
	if (kr == KERN_INVALID_ARGUMENT && lesser_task_port(task, a->task))
		kr = KERN_INVALID_TASK;
	xnu_vm_named_entry_put(m.parent);
out:
	if (kr) {
		a->size = 0;
		a->handle = MACH_PORT_NULL;
	}
	return kr;
}
