/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Overflow-safe address and size arithmetic for the Mach VM calls, with
 * the kernel's page size (4K or 16K: never a constant).
 */
#ifndef _MACHINA_XNU_VM_SANITIZE_H
#define _MACHINA_XNU_VM_SANITIZE_H

#include <linux/mm.h>
#include <linux/types.h>

/*
 * xnu_vm_page_range - the pages [*@start, *@end) that [@addr, @addr +
 * @size) touches.  Returns false when the range or its rounding wraps.
 */
static inline bool xnu_vm_page_range(u64 addr, u64 size, u64 *start, u64 *end)
{
	u64 last;

	if (check_add_overflow(addr, size, &last) ||
	    last > U64_MAX - (PAGE_SIZE - 1))
		return false;
	*start = addr & PAGE_MASK;
	*end = (last + PAGE_SIZE - 1) & PAGE_MASK;
	return true;
}

/* xnu_vm_round_size - @size rounded up to pages; false if it wraps. */
static inline bool xnu_vm_round_size(u64 size, u64 *len)
{
	if (size > U64_MAX - (PAGE_SIZE - 1))
		return false;
	*len = (size + PAGE_SIZE - 1) & PAGE_MASK;
	return true;
}

#endif /* _MACHINA_XNU_VM_SANITIZE_H */
