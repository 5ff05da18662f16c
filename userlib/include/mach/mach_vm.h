/*
 * <mach/mach_vm.h>: the Mach VM calls with 64-bit addresses and sizes
 * whatever the caller's word size.  Same rules as <mach/vm_map.h>.
 */
#ifndef _mach_vm_user_
#define _mach_vm_user_

#include <mach/ndr.h>
#include <mach/kern_return.h>
#include <mach/mach_types.h>
#include <mach/vm_types.h>
#include <mach/vm_statistics.h>

#ifdef __cplusplus
extern "C" {
#endif

kern_return_t mach_vm_allocate(vm_map_t target, mach_vm_address_t *address,
			       mach_vm_size_t size, int flags);

kern_return_t mach_vm_deallocate(vm_map_t target, mach_vm_address_t address,
				 mach_vm_size_t size);

#ifdef __cplusplus
}
#endif

#endif /* _mach_vm_user_ */
