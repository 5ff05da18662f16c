/*
 * <mach/vm_map.h>: allocating and releasing memory of a task in the
 * caller's word size.
 *
 * The target is a task control port: the caller's own (mach_task_self())
 * or another task's (task_for_pid, or received in a message).
 */
#ifndef _vm_map_user_
#define _vm_map_user_

#include <mach/ndr.h>
#include <mach/kern_return.h>
#include <mach/mach_types.h>
#include <mach/vm_types.h>
#include <mach/vm_statistics.h>
#include <mach/vm_prot.h>
#include <mach/vm_region.h>
#include <mach/vm_sync.h>
#include <mach/memory_object_types.h>
#include <mach/vm_purgable.h>

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

kern_return_t vm_protect(vm_map_t target_task, vm_address_t address,
			 vm_size_t size, boolean_t set_maximum,
			 vm_prot_t new_protection);

kern_return_t vm_inherit(vm_map_t target_task, vm_address_t address,
			 vm_size_t size, vm_inherit_t new_inheritance);

kern_return_t vm_read(vm_map_read_t target_task, vm_address_t address,
		      vm_size_t size, vm_offset_t *data,
		      mach_msg_type_number_t *dataCnt);

kern_return_t vm_read_overwrite(vm_map_read_t target_task, vm_address_t address,
				vm_size_t size, vm_address_t data,
				vm_size_t *outsize);

kern_return_t vm_write(vm_map_t target_task, vm_address_t address,
		       vm_offset_t data, mach_msg_type_number_t dataCnt);

kern_return_t vm_region_64(vm_map_read_t target_task, vm_address_t *address,
			   vm_size_t *size, vm_region_flavor_t flavor,
			   vm_region_info_t info,
			   mach_msg_type_number_t *infoCnt,
			   mach_port_t *object_name);

kern_return_t vm_region(vm_map_read_t target_task, vm_address_t *address,
			vm_size_t *size, vm_region_flavor_t flavor,
			vm_region_info_t info, mach_msg_type_number_t *infoCnt,
			mach_port_t *object_name);

kern_return_t vm_region_recurse_64(vm_map_read_t target_task,
				   vm_address_t *address, vm_size_t *size,
				   natural_t *nesting_depth,
				   vm_region_recurse_info_t info,
				   mach_msg_type_number_t *infoCnt);

kern_return_t vm_map_page_query(vm_map_read_t target_map, vm_offset_t offset,
				integer_t *disposition, integer_t *ref_count);

kern_return_t vm_read_list(vm_map_read_t target_task, vm_read_entry_t data_list,
			   natural_t count);

kern_return_t vm_msync(vm_map_t target_task, vm_address_t address,
		       vm_size_t size, vm_sync_t sync_flags);

kern_return_t vm_behavior_set(vm_map_t target_task, vm_address_t address,
			      vm_size_t size, vm_behavior_t new_behavior);

kern_return_t vm_purgable_control(vm_map_t target_task, vm_address_t address,
				  vm_purgable_t control, int *state);

kern_return_t vm_copy(vm_map_t target_task, vm_address_t source_address,
		      vm_size_t size, vm_address_t dest_address);

/*
 * A memory entry (*object_handle, a send right) for *size bytes at offset
 * of the task's Mach VM memory, of parent_entry, or of a new object
 * (MAP_MEM_NAMED_CREATE in permission); *size becomes the entry's size.
 */
kern_return_t mach_make_memory_entry_64(vm_map_t target_task,
					memory_object_size_t *size,
					memory_object_offset_t offset,
					vm_prot_t permission,
					mach_port_t *object_handle,
					mem_entry_name_port_t parent_entry);

kern_return_t mach_make_memory_entry(vm_map_t target_task, vm_size_t *size,
				     vm_offset_t offset, vm_prot_t permission,
				     mem_entry_name_port_t *object_handle,
				     mem_entry_name_port_t parent_entry);

/* mach_vm_map in the caller's word size (<mach/mach_vm.h>). */
kern_return_t vm_map(vm_map_t target_task, vm_address_t *address,
		     vm_size_t size, vm_address_t mask, int flags,
		     mem_entry_name_port_t object, vm_offset_t offset,
		     boolean_t copy, vm_prot_t cur_protection,
		     vm_prot_t max_protection, vm_inherit_t inheritance);

/* mach_vm_remap and mach_vm_remap_new in the caller's word size. */
kern_return_t vm_remap(vm_map_t target_task, vm_address_t *target_address,
		       vm_size_t size, vm_address_t mask, int flags,
		       vm_map_t src_task, vm_address_t src_address,
		       boolean_t copy, vm_prot_t *cur_protection,
		       vm_prot_t *max_protection, vm_inherit_t inheritance);

kern_return_t vm_remap_new(vm_map_t target_task, vm_address_t *target_address,
			   vm_size_t size, vm_address_t mask, int flags,
			   vm_map_read_t src_task, vm_address_t src_address,
			   boolean_t copy, vm_prot_t *cur_protection,
			   vm_prot_t *max_protection,
			   vm_inherit_t inheritance);

#ifdef __cplusplus
}
#endif

#endif /* _vm_map_user_ */
