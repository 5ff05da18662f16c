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
#include <mach/vm_sync.h>
#include <mach/memory_object_types.h>
#include <mach/vm_purgable.h>

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

/*
 * The region at or after *address, as vm_region_submap_info_64 (count
 * VM_REGION_SUBMAP_INFO_COUNT_64, V1 or V0) or the short info.  Machina
 * has no submaps: *depth comes back 0.
 */
kern_return_t mach_vm_region_recurse(vm_map_read_t target_task,
				     mach_vm_address_t *address,
				     mach_vm_size_t *size, natural_t *depth,
				     vm_region_recurse_info_t info,
				     mach_msg_type_number_t *infoCnt);

kern_return_t mach_vm_page_query(vm_map_read_t target_map,
				 mach_vm_offset_t offset, integer_t *disposition,
				 integer_t *ref_count);

kern_return_t mach_vm_page_info(vm_map_read_t target_task,
				mach_vm_address_t address,
				vm_page_info_flavor_t flavor, vm_page_info_t info,
				mach_msg_type_number_t *infoCnt);

/*
 * Each entry's range is copied into new memory of the caller, whose
 * address replaces the entry's (address and size 0 for an entry that
 * failed); at most VM_MAP_ENTRY_MAX entries.
 */
kern_return_t mach_vm_read_list(vm_map_read_t target_task,
				mach_vm_read_entry_t data_list,
				natural_t count);

/*
 * Writes shared file mappings of the range back (VM_SYNC_SYNCHRONOUS);
 * VM_SYNC_CONTIGUOUS makes a hole KERN_INVALID_ADDRESS.  The other flags
 * are accepted and have no effect (docs/plans/xnu_vm.md).
 */
kern_return_t mach_vm_msync(vm_map_t target_task, mach_vm_address_t address,
			    mach_vm_size_t size, vm_sync_t sync_flags);

/*
 * A paging hint (DEFAULT, RANDOM, SEQUENTIAL, RSEQNTL: kept, reported by
 * mach_vm_region) or a page action (WILLNEED, DONTNEED, FREE, REUSABLE,
 * REUSE, CAN_REUSE, ZERO, ZERO_WIRED_PAGES) on the range; what each does
 * on Linux is in docs/plans/xnu_vm.md.  PAGEOUT is KERN_INVALID_ARGUMENT,
 * as on Darwin's release kernels.
 */
kern_return_t mach_vm_behavior_set(vm_map_t target_task,
				   mach_vm_address_t address,
				   mach_vm_size_t size,
				   vm_behavior_t new_behavior);

/*
 * Purgeable memory (VM_FLAGS_PURGABLE) at address: SET_STATE (*state: the
 * new state word in, the old state out), GET_STATE, or PURGE_ALL (empties
 * the volatile memory of the caller's own user; all with CAP_SYS_ADMIN).
 */
kern_return_t mach_vm_purgable_control(vm_map_t target_task,
				       mach_vm_address_t address,
				       vm_purgable_t control, int *state);

/* Copies [source_address, +size) over [dest_address, +size) of one task. */
kern_return_t mach_vm_copy(vm_map_t target_task,
			   mach_vm_address_t source_address,
			   mach_vm_size_t size, mach_vm_address_t dest_address);

/*
 * Maps size bytes of the memory entry object from offset (MACH_PORT_NULL:
 * new zero-filled memory) at *address (VM_FLAGS_FIXED) or anywhere with
 * (*address & mask) == 0: shared with every other mapping of the entry,
 * or (copy) a copy-on-write snapshot of it.  The mapping outlives the
 * entry.
 */
kern_return_t mach_vm_map(vm_map_t target_task, mach_vm_address_t *address,
			  mach_vm_size_t size, mach_vm_offset_t mask,
			  int flags, mem_entry_name_port_t object,
			  memory_object_offset_t offset, boolean_t copy,
			  vm_prot_t cur_protection, vm_prot_t max_protection,
			  vm_inherit_t inheritance);

/*
 * Maps size bytes of src_task's memory at src_address into target_task
 * at *target_address (VM_FLAGS_FIXED, OVERWRITE) or anywhere with
 * (*target_address & mask) == 0: shared with the source (every write seen
 * through both), or (copy) a copy-on-write snapshot of it.  The new
 * range's protections come back in *cur_protection and *max_protection.
 */
kern_return_t mach_vm_remap(vm_map_t target_task,
			    mach_vm_address_t *target_address,
			    mach_vm_size_t size, mach_vm_offset_t mask,
			    int flags, vm_map_t src_task,
			    mach_vm_address_t src_address, boolean_t copy,
			    vm_prot_t *cur_protection,
			    vm_prot_t *max_protection,
			    vm_inherit_t inheritance);

/*
 * mach_vm_remap with VM_FLAGS_RETURN_DATA_ADDR always, and the
 * protections asked for (in/out): the source must allow them
 * (KERN_PROTECTION_FAILURE), a maximum both writable and executable is
 * refused.
 */
kern_return_t mach_vm_remap_new(vm_map_t target_task,
				mach_vm_address_t *target_address,
				mach_vm_size_t size, mach_vm_offset_t mask,
				int flags, vm_map_read_t src_task,
				mach_vm_address_t src_address, boolean_t copy,
				vm_prot_t *cur_protection,
				vm_prot_t *max_protection,
				vm_inherit_t inheritance);

#ifdef __cplusplus
}
#endif

#endif /* _mach_vm_user_ */
