/*
 * libmach: mach_vm_remap, mach_vm_remap_new and their vm_* names, one
 * ioctl into the module (xnu_vm/vm_remap.c).  The legacy calls return
 * the new range's protections; remap_new asks for them (in/out).
 */
#include "uapi/machina.h"

#include <mach/mach_vm.h>
#include <mach/vm_map.h>

#include "internal.h"

static kern_return_t remap(vm_map_t target, uint64_t *address, uint64_t size,
			   uint64_t mask, int flags, mach_port_t src_task,
			   uint64_t src_address, boolean_t copy,
			   vm_prot_t *cur, vm_prot_t *max,
			   vm_inherit_t inheritance, unsigned int how)
{
	struct machina_vm_remap a = {
		.task = target,
		.vm_flags = flags,
		.size = size,
		.mask = mask,
		.src_address = src_address,
		.src_task = src_task,
		.copy = copy ? 1 : 0,
		.inheritance = inheritance,
		.flags = how,
	};
	kern_return_t kr;

	if (!address || !cur || !max)
		return KERN_INVALID_ARGUMENT;
	a.address = *address;
	if (how & MACHINA_VM_REMAP_NEW) {
		a.cur_protection = *cur;
		a.max_protection = *max;
	}
	kr = machina_call(MACHINA_IOC_VM_REMAP, &a);
	/*
	 * Darwin's MIG stub copies the reply out only on success: a failed
	 * call leaves address and protections as the caller set them.
	 */
	if (kr == KERN_SUCCESS) {
		*address = a.address;
		*cur = a.cur_protection;
		*max = a.max_protection;
	}
	return kr;
}

LIBMACH_EXPORT kern_return_t
mach_vm_remap(vm_map_t target_task, mach_vm_address_t *target_address,
	      mach_vm_size_t size, mach_vm_offset_t mask, int flags,
	      vm_map_t src_task, mach_vm_address_t src_address,
	      boolean_t copy, vm_prot_t *cur_protection,
	      vm_prot_t *max_protection, vm_inherit_t inheritance)
{
	return remap(target_task, target_address, size, mask, flags, src_task,
		     src_address, copy, cur_protection, max_protection,
		     inheritance, 0);
}

LIBMACH_EXPORT kern_return_t
mach_vm_remap_new(vm_map_t target_task, mach_vm_address_t *target_address,
		  mach_vm_size_t size, mach_vm_offset_t mask, int flags,
		  vm_map_read_t src_task, mach_vm_address_t src_address,
		  boolean_t copy, vm_prot_t *cur_protection,
		  vm_prot_t *max_protection, vm_inherit_t inheritance)
{
	return remap(target_task, target_address, size, mask, flags, src_task,
		     src_address, copy, cur_protection, max_protection,
		     inheritance, MACHINA_VM_REMAP_NEW);
}

/* The vm_* names: addresses in the caller's word size. */
static kern_return_t remap_word(vm_map_t target, vm_address_t *address,
				vm_size_t size, vm_address_t mask, int flags,
				mach_port_t src_task, vm_address_t src_address,
				boolean_t copy, vm_prot_t *cur, vm_prot_t *max,
				vm_inherit_t inheritance, unsigned int how)
{
	uint64_t a;
	kern_return_t kr;

	if (!address)
		return KERN_INVALID_ARGUMENT;
	a = *address;
	kr = remap(target, &a, size, mask, flags, src_task, src_address, copy,
		   cur, max, inheritance, how);
	if (kr == KERN_SUCCESS)
		*address = (vm_address_t)a;
	return kr;
}

LIBMACH_EXPORT kern_return_t
vm_remap(vm_map_t target_task, vm_address_t *target_address, vm_size_t size,
	 vm_address_t mask, int flags, vm_map_t src_task,
	 vm_address_t src_address, boolean_t copy, vm_prot_t *cur_protection,
	 vm_prot_t *max_protection, vm_inherit_t inheritance)
{
	return remap_word(target_task, target_address, size, mask, flags,
			  src_task, src_address, copy, cur_protection,
			  max_protection, inheritance, 0);
}

LIBMACH_EXPORT kern_return_t
vm_remap_new(vm_map_t target_task, vm_address_t *target_address,
	     vm_size_t size, vm_address_t mask, int flags,
	     vm_map_read_t src_task, vm_address_t src_address, boolean_t copy,
	     vm_prot_t *cur_protection, vm_prot_t *max_protection,
	     vm_inherit_t inheritance)
{
	return remap_word(target_task, target_address, size, mask, flags,
			  src_task, src_address, copy, cur_protection,
			  max_protection, inheritance, MACHINA_VM_REMAP_NEW);
}
