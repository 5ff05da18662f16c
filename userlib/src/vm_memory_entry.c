/*
 * libmach: memory entries and mapping them (mach_make_memory_entry_64,
 * mach_make_memory_entry, mach_vm_map, vm_map).  Each is one ioctl into
 * the module (xnu_vm/vm_memory_entry.c, vm_user.c); an entry is a send
 * right the caller releases with mach_port_deallocate, and it travels in
 * messages like any other.
 */
#include "uapi/machina.h"

#include <mach/mach_vm.h>
#include <mach/vm_map.h>

#include "internal.h"

static kern_return_t make_entry(vm_map_t target, uint64_t *size,
				uint64_t offset, vm_prot_t permission,
				mach_port_t *handle, mach_port_t parent)
{
	struct machina_memory_entry a = {
		.task = target,
		.permission = permission,
		.offset = offset,
		.parent = parent,
	};
	kern_return_t kr;

	if (!size || !handle)
		return KERN_INVALID_ARGUMENT;
	a.size = *size;
	kr = machina_call(MACHINA_IOC_MAKE_MEMORY_ENTRY, &a);
	/*
	 * Darwin's MIG stub copies the reply's size and handle out only on
	 * success: a failed call leaves both as the caller set them.
	 */
	if (kr == KERN_SUCCESS) {
		*size = a.size;
		*handle = a.handle;
	}
	return kr;
}

LIBMACH_EXPORT kern_return_t
mach_make_memory_entry_64(vm_map_t target_task, memory_object_size_t *size,
			  memory_object_offset_t offset, vm_prot_t permission,
			  mach_port_t *object_handle,
			  mem_entry_name_port_t parent_entry)
{
	return make_entry(target_task, size, offset, permission,
			  object_handle, parent_entry);
}

LIBMACH_EXPORT kern_return_t
mach_make_memory_entry(vm_map_t target_task, vm_size_t *size,
		       vm_offset_t offset, vm_prot_t permission,
		       mem_entry_name_port_t *object_handle,
		       mem_entry_name_port_t parent_entry)
{
	uint64_t s;
	kern_return_t kr;

	if (!size)
		return KERN_INVALID_ARGUMENT;
	s = *size;
	kr = make_entry(target_task, &s, offset, permission, object_handle,
			parent_entry);
	if (kr == KERN_SUCCESS)
		*size = (vm_size_t)s;
	return kr;
}

static kern_return_t map(vm_map_t target, uint64_t *address, uint64_t size,
			 uint64_t mask, int flags, mach_port_t object,
			 uint64_t offset, boolean_t copy, vm_prot_t cur,
			 vm_prot_t max, vm_inherit_t inheritance)
{
	struct machina_vm_map a = {
		.task = target,
		.vm_flags = flags,
		.size = size,
		.mask = mask,
		.offset = offset,
		.object = object,
		.copy = copy ? 1 : 0,
		.cur_protection = cur,
		.max_protection = max,
		.inheritance = inheritance,
	};
	kern_return_t kr;

	if (!address)
		return KERN_INVALID_ARGUMENT;
	a.address = *address;
	kr = machina_call(MACHINA_IOC_VM_MAP, &a);
	if (kr == KERN_SUCCESS)
		*address = a.address;
	return kr;
}

LIBMACH_EXPORT kern_return_t
mach_vm_map(vm_map_t target_task, mach_vm_address_t *address,
	    mach_vm_size_t size, mach_vm_offset_t mask, int flags,
	    mem_entry_name_port_t object, memory_object_offset_t offset,
	    boolean_t copy, vm_prot_t cur_protection, vm_prot_t max_protection,
	    vm_inherit_t inheritance)
{
	return map(target_task, address, size, mask, flags, object, offset,
		   copy, cur_protection, max_protection, inheritance);
}

LIBMACH_EXPORT kern_return_t
vm_map(vm_map_t target_task, vm_address_t *address, vm_size_t size,
       vm_address_t mask, int flags, mem_entry_name_port_t object,
       vm_offset_t offset, boolean_t copy, vm_prot_t cur_protection,
       vm_prot_t max_protection, vm_inherit_t inheritance)
{
	uint64_t a;
	kern_return_t kr;

	if (!address)
		return KERN_INVALID_ARGUMENT;
	a = *address;
	kr = map(target_task, &a, size, mask, flags, object, offset, copy,
		 cur_protection, max_protection, inheritance);
	if (kr == KERN_SUCCESS)
		*address = (vm_address_t)a;
	return kr;
}
