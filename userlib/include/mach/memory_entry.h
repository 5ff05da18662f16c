/*
 * <mach/memory_entry.h>: calls on a memory entry's port (its MIG
 * interface, memory_entry.defs).
 */
#ifndef _memory_entry_user_
#define _memory_entry_user_

#include <mach/kern_return.h>
#include <mach/mach_types.h>
#include <mach/vm_purgable.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * SET_STATE (*state: the new state word in, the old state out) or
 * GET_STATE of a purgeable NAMED_CREATE entry that covers its whole
 * object; anything else is KERN_INVALID_ARGUMENT.
 */
kern_return_t mach_memory_entry_purgable_control(mach_port_t mem_entry,
						 vm_purgable_t control,
						 int *state);

#ifdef __cplusplus
}
#endif

#endif /* _memory_entry_user_ */
