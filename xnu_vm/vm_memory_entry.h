/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mach memory entries (mach_make_memory_entry_64, named entries): a
 * kernel-object port (IKOT_NAMED_ENTRY) naming a range of a Mach VM
 * object as one view sees it, with the protection it grants.  mach_vm_map
 * maps it (shared, or a copy-on-write snapshot with copy=TRUE), in any
 * task whose control port the caller holds; the entry travels in messages
 * like any send right.
 *
 * What an entry holds: a reference on its object's file, and a pin
 * (vm_object.h) on its view over the pages it names, so the pages outlive
 * the range it was made from and every mapping; a mapping holds its own
 * view and file references, so it outlives the entry.  Entries never
 * change after they are made, but for the cache mode they record
 * (access), which MAP_MEM_ONLY rewrites and nothing in Machina obeys.
 *
 * Lifetime: one reference is the port's, dropped when the last send right
 * goes (ipc_kobject_no_senders(): the port dies then, and no new send
 * right can appear, since only the kernel holds the receive right, makes
 * a send right once, at creation, and copies one later only from those
 * that still exist: MAP_MEM_NAMED_REUSE, ipc_port_copy_send_live()); calls
 * that found the entry through its port hold one of their own for their
 * length.
 *
 * Locks: none of its own (access is one byte, read and written with
 * READ_ONCE / WRITE_ONCE; the rest is immutable); releasing one takes the
 * object's cow_lock and i_mmap_rwsem (the pin's trim), which nest inside
 * space->lock.
 */
#ifndef _MACHINA_XNU_VM_MEMORY_ENTRY_H
#define _MACHINA_XNU_VM_MEMORY_ENTRY_H

#include <linux/kref.h>
#include <linux/types.h>

#include "xnu_vm/vm_object.h"

struct ipc_port;
struct machina_task;

struct xnu_vm_named_entry {
	struct kref ref;
	struct ipc_port *port;		/* its kernel-object port (a reference) */
	struct xnu_vm_object *obj;	/* its file held */
	struct xnu_vm_pin pin;		/* the view and the pages named */
	u64 offset;			/* bytes into the object, page multiple */
	u64 size;			/* bytes, page multiple */
	u64 data_offset;		/* the data's offset in the first page
					 * (MAP_MEM_USE_DATA_ADDR) */
	u8 prot;			/* VM_PROT_* it grants */
	u8 access;			/* cache mode (GET_MAP_MEM) recorded;
					 * MAP_MEM_ONLY rewrites it: READ_ONCE /
					 * WRITE_ONCE, no lock (a lone byte) */
	bool is_copy;			/* MAP_MEM_VM_COPY or MAP_MEM_VM_SHARE:
					 * no parent of others */
};

struct xnu_vm_named_entry *
xnu_vm_named_entry_lookup(struct machina_task *task, u32 name, int *kr);
void xnu_vm_named_entry_put(struct xnu_vm_named_entry *entry);

#endif /* _MACHINA_XNU_VM_MEMORY_ENTRY_H */
