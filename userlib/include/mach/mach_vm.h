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
#include <mach/vm_prot.h>
#include <mach/vm_region.h>

#ifdef __cplusplus
extern "C" {
#endif

kern_return_t mach_vm_allocate(vm_map_t target, mach_vm_address_t *address,
			       mach_vm_size_t size, int flags);

kern_return_t mach_vm_deallocate(vm_map_t target, mach_vm_address_t address,
				 mach_vm_size_t size);

kern_return_t mach_vm_protect(vm_map_t target_task, mach_vm_address_t address,
			      mach_vm_size_t size, boolean_t set_maximum,
			      vm_prot_t new_protection);

/* What a fork child gets of the range: VM_INHERIT_SHARE, COPY or NONE. */
kern_return_t mach_vm_inherit(vm_map_t target_task, mach_vm_address_t address,
			      mach_vm_size_t size,
			      vm_inherit_t new_inheritance);

/*
 * A copy of the range in new memory of the caller, which it releases with
 * mach_vm_deallocate(*data, *dataCnt).
 */
kern_return_t mach_vm_read(vm_map_read_t target_task, mach_vm_address_t address,
			   mach_vm_size_t size, vm_offset_t *data,
			   mach_msg_type_number_t *dataCnt);

kern_return_t mach_vm_read_overwrite(vm_map_read_t target_task,
				     mach_vm_address_t address,
				     mach_vm_size_t size, mach_vm_address_t data,
				     mach_vm_size_t *outsize);

kern_return_t mach_vm_write(vm_map_t target_task, mach_vm_address_t address,
			    vm_offset_t data, mach_msg_type_number_t dataCnt);

kern_return_t mach_vm_region(vm_map_read_t target_task,
			     mach_vm_address_t *address, mach_vm_size_t *size,
			     vm_region_flavor_t flavor, vm_region_info_t info,
			     mach_msg_type_number_t *infoCnt,
			     mach_port_t *object_name);

#ifdef __cplusplus
}
#endif

#endif /* _mach_vm_user_ */
