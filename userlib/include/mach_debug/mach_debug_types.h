/*
 * <mach_debug/mach_debug_types.h>: the types of the Mach debugging
 * interfaces.  Only the IPC ones exist on Machina so far.
 */
#ifndef _MACH_DEBUG_MACH_DEBUG_TYPES_H_
#define _MACH_DEBUG_MACH_DEBUG_TYPES_H_

#include <mach_debug/ipc_info.h>

typedef char symtab_name_t[32];

#endif /* _MACH_DEBUG_MACH_DEBUG_TYPES_H_ */
