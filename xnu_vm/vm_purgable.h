/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Purgeable memory (XNU's osfmk/mach/vm_purgable.h values, the Darwin ABI):
 * the controls of mach_vm_purgable_control and
 * mach_memory_entry_purgable_control, and the state word they take.
 *
 * The state word: the state in its low two bits, then the volatile
 * order (bit 4), ordering (bit 5), behaviour (bit 6), group (bits 8-10),
 * the debug bits (12-13) and "no aging" (bit 16).  A SET_STATE word with
 * any other bit is KERN_INVALID_ARGUMENT, as in XNU.
 */
#ifndef _MACHINA_XNU_VM_PURGABLE_H
#define _MACHINA_XNU_VM_PURGABLE_H

#define VM_PURGABLE_SET_STATE		0
#define VM_PURGABLE_GET_STATE		1
#define VM_PURGABLE_PURGE_ALL		2
#define VM_PURGABLE_SET_STATE_FROM_KERNEL 3	/* never from user space */

#define VM_PURGABLE_NONVOLATILE		0
#define VM_PURGABLE_VOLATILE		1
#define VM_PURGABLE_EMPTY		2
#define VM_PURGABLE_DENY		3
#define VM_PURGABLE_STATE_MASK		3

#define VM_VOLATILE_ORDER_MASK		(1 << 4)
#define VM_PURGABLE_ORDERING_MASK	(1 << 5)
#define VM_PURGABLE_ORDERING_OBSOLETE	(1 << 5)
#define VM_PURGABLE_BEHAVIOR_MASK	(1 << 6)
#define VM_PURGABLE_BEHAVIOR_LIFO	(1 << 6)
#define VM_VOLATILE_GROUP_MASK		(7 << 8)
#define VM_PURGABLE_DEBUG_EMPTY		(1 << 12)
#define VM_PURGABLE_DEBUG_FAULT		(2 << 12)
#define VM_PURGABLE_DEBUG_MASK		(3 << 12)
#define VM_PURGABLE_NO_AGING_MASK	(1 << 16)

#define VM_PURGABLE_ALL_MASKS						\
	(VM_PURGABLE_STATE_MASK | VM_VOLATILE_ORDER_MASK |		\
	 VM_PURGABLE_ORDERING_MASK | VM_PURGABLE_BEHAVIOR_MASK |	\
	 VM_VOLATILE_GROUP_MASK | VM_PURGABLE_DEBUG_MASK |		\
	 VM_PURGABLE_NO_AGING_MASK)

#endif /* _MACHINA_XNU_VM_PURGABLE_H */
