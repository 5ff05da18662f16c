/*
 * <mach/vm_map.h>: allocating and releasing memory of a task in the
 * caller's word size.
 *
 * Machina serves these for the caller's own task only (target ==
 * mach_task_self()); any other target is KERN_INVALID_ARGUMENT until the
 * Mach VM layer reaches other tasks' address spaces.
 */
#ifndef _vm_map_user_
#define _vm_map_user_

#include <mach/ndr.h>
#include <mach/kern_return.h>
#include <mach/mach_types.h>
#include <mach/vm_types.h>
#include <mach/vm_statistics.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Zero-filled memory of at least size bytes, whole pages, at *address
 * (VM_FLAGS_FIXED, optionally VM_FLAGS_OVERWRITE) or wherever it fits
 * (VM_FLAGS_ANYWHERE), which is returned in *address.
 */
kern_return_t vm_allocate(vm_map_t target_task, vm_address_t *address,
			  vm_size_t size, int flags);

/* Unmaps every page the range touches; unmapped pages are no error. */
kern_return_t vm_deallocate(vm_map_t target_task, vm_address_t address,
			    vm_size_t size);

#ifdef __cplusplus
}
#endif

#endif /* _vm_map_user_ */
