/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Out-of-line memory as a virtual copy (XNU's vm_map_copy_t for
 * MACH_MSG_VIRTUAL_COPY): a copy-on-write snapshot of a sender's range of
 * Mach VM memory, held by a queued message and mapped into the receiver.
 *
 * Send (xnu_vm_map_copyin()): the range must lie in one run of one view of
 * one Mach VM object in the caller's own map (what a MAP_MEM_VM_COPY entry
 * may name) and be readable.  The snapshot is xnu_vm_view_snapshot() of
 * that range: a view of its own over one layer holding references to the
 * range's pages and nothing else; no page is copied, and each page it
 * shares is written by neither side in place while the other holds it
 * (the writer copies it).  So the sender's later writes stay its own, and
 * no page of the sender's outside the range lives on for the snapshot
 * (a view copy would have frozen the whole object).  The snapshot holds a
 * pin (vm_object.h) over the range.  When the range does not start or end
 * on a page boundary, the first and last pages of the snapshot are copies
 * in which the bytes outside the range are zeroes: nothing of the
 * sender's around the range travels.
 *
 * Receive (xnu_vm_map_copyout()): a copy-on-write view of the snapshot is
 * mapped anywhere in the caller's own map (current VM_PROT_DEFAULT,
 * maximum VM_PROT_ALL, VM_INHERIT_COPY, as XNU's vm_map_copyout); the
 * address returned keeps the data's offset in its first page.  The
 * receiver's writes are its own, paid by its memory cgroup.
 *
 * Lifetime: one owner (the message); xnu_vm_map_copy_discard() gives back
 * the pin and the object (a message destroyed unreceived).  A live count
 * is shown in sysfs (live_ool_copies).
 *
 * Locks: none of its own.  Copyin takes the caller's mmap_lock (the
 * lookup, cow_lock inside it), then cow_lock alone, and zaps the range's
 * PTEs (i_mmap_rwsem) after; copyout maps as any xnu_vm_map_enter
 * (obj->map_lock, then the mmap_lock).  Neither runs with an IPC lock
 * held.
 */
#ifndef _MACHINA_XNU_VM_MAP_COPY_H
#define _MACHINA_XNU_VM_MAP_COPY_H

#include <linux/types.h>

struct xnu_vm_map_copy;

int xnu_vm_map_copyin(u64 addr, u64 size, struct xnu_vm_map_copy **out);
int xnu_vm_map_copyout(struct xnu_vm_map_copy *copy, u64 *addr);
void xnu_vm_map_copy_discard(struct xnu_vm_map_copy *copy);
u64 xnu_vm_map_copy_held(const struct xnu_vm_map_copy *copy);
long xnu_vm_map_copy_live_count(void);

#endif /* _MACHINA_XNU_VM_MAP_COPY_H */
