/*
 * libmach: the Mach VM calls (mach_vm_allocate, deallocate, protect,
 * inherit, read, read_overwrite, write, region and their legacy vm_ names), and the page
 * size.
 *
 * Each call is one ioctl into the module (xnu_vm/), on any task whose
 * control port the caller holds.  machina_vm_copyout() (MIG results of
 * other libmach calls) stays a plain anonymous mapping of the caller's,
 * which vm_deallocate releases like any memory.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "uapi/machina.h"

#include <mach/mach_init.h>
#include <mach/mach_vm.h>
#include <mach/message.h>
#include <mach/vm_map.h>
#include <mach/vm_page_size.h>

#include "internal.h"

LIBMACH_EXPORT vm_size_t vm_page_size;
LIBMACH_EXPORT vm_size_t vm_page_mask;
LIBMACH_EXPORT int vm_page_shift;
LIBMACH_EXPORT vm_size_t vm_kernel_page_size;
LIBMACH_EXPORT vm_size_t vm_kernel_page_mask;
LIBMACH_EXPORT int vm_kernel_page_shift;

/*
 * Before main(), and before constructors of ordinary priority, so that
 * C++ static initialisers may already use vm_page_size.  Linux has one page
 * size for the kernel and its tasks, so both sets agree.
 */
__attribute__((constructor(101))) static void page_size_init(void)
{
	long size = sysconf(_SC_PAGESIZE);
	int shift = 0;

	if (size <= 0)
		size = 4096;
	while ((1L << shift) < size)
		shift++;
	vm_page_size = vm_kernel_page_size = (vm_size_t)size;
	vm_page_mask = vm_kernel_page_mask = (vm_size_t)size - 1;
	vm_page_shift = vm_kernel_page_shift = shift;
}

/* The page mask, even when called before the constructor has run. */
static uint64_t page_mask(void)
{
	if (!vm_page_size)
		page_size_init();
	return vm_page_mask;
}

/*
 * A call on a range of a task's memory (deallocate, protect, inherit):
 * @vm_flags and @prot as uapi/machina.h says for @cmd.
 */
static kern_return_t range_call(unsigned long cmd, vm_map_t target,
				mach_vm_address_t address, mach_vm_size_t size,
				int vm_flags, int prot)
{
	struct machina_vm_args a = {
		.task = target,
		.vm_flags = vm_flags,
		.address = address,
		.size = size,
		.prot = prot,
	};

	return machina_call(cmd, &a);
}

static kern_return_t allocate(vm_map_t target, mach_vm_address_t *address,
			      mach_vm_size_t size, int flags)
{
	struct machina_vm_args a = {
		.task = target,
		.vm_flags = flags,
		.size = size,
	};
	kern_return_t kr;

	if (!address)
		return KERN_INVALID_ARGUMENT;
	a.address = *address;
	kr = machina_call(MACHINA_IOC_VM_ALLOCATE, &a);
	if (kr == KERN_SUCCESS)
		*address = a.address;
	return kr;
}

static kern_return_t deallocate(vm_map_t target, mach_vm_address_t address,
				mach_vm_size_t size)
{
	return range_call(MACHINA_IOC_VM_DEALLOCATE, target, address, size, 0,
			  0);
}

static kern_return_t protect(vm_map_t target, mach_vm_address_t address,
			     mach_vm_size_t size, boolean_t set_maximum,
			     vm_prot_t prot)
{
	return range_call(MACHINA_IOC_VM_PROTECT, target, address, size,
			  set_maximum ? 1 : 0, prot);
}

static kern_return_t inherit(vm_map_t target, mach_vm_address_t address,
			     mach_vm_size_t size, vm_inherit_t new_inheritance)
{
	/* Kept whole: a value past INT_MAX is refused as invalid. */
	return range_call(MACHINA_IOC_VM_INHERIT, target, address, size, 0,
			  new_inheritance > VM_INHERIT_NONE ? -1 :
			  (int)new_inheritance);
}

static kern_return_t read_new(vm_map_t target, mach_vm_address_t address,
			      mach_vm_size_t size, vm_offset_t *data,
			      mach_msg_type_number_t *count)
{
	struct machina_vm_args a = {
		.task = target,
		.address = address,
		.size = size,
	};
	kern_return_t kr;

	if (!data || !count)
		return KERN_INVALID_ARGUMENT;
	kr = machina_call(MACHINA_IOC_VM_READ, &a);
	if (kr == KERN_SUCCESS) {
		*data = (vm_offset_t)a.data;
		*count = (mach_msg_type_number_t)size;
	}
	return kr;
}

static kern_return_t read_overwrite(vm_map_t target, mach_vm_address_t address,
				    mach_vm_size_t size, mach_vm_address_t data,
				    mach_vm_size_t *outsize)
{
	struct machina_vm_args a = {
		.task = target,
		.address = address,
		.size = size,
		.data = data,
	};
	kern_return_t kr;

	kr = machina_call(MACHINA_IOC_VM_READ_OVERWRITE, &a);
	if (kr == KERN_SUCCESS && outsize)
		*outsize = size;
	return kr;
}

static kern_return_t write_bytes(vm_map_t target, mach_vm_address_t address,
				 vm_offset_t data, mach_msg_type_number_t count)
{
	struct machina_vm_args a = {
		.task = target,
		.address = address,
		.data = data,
		.size = count,
	};

	return machina_call(MACHINA_IOC_VM_WRITE, &a);
}

static kern_return_t region(vm_map_t target, mach_vm_address_t *address,
			    mach_vm_size_t *size, vm_region_flavor_t flavor,
			    vm_region_info_t info,
			    mach_msg_type_number_t *count,
			    mach_port_t *object_name)
{
	struct machina_vm_region a = {
		.task = target,
		.flavor = flavor,
	};
	kern_return_t kr;

	if (!address || !size || !info || !count)
		return KERN_INVALID_ARGUMENT;
	a.address = *address;
	a.count = *count;
	kr = machina_call(MACHINA_IOC_VM_REGION, &a);
	if (kr != KERN_SUCCESS)
		return kr;
	memcpy(info, a.info, a.count * sizeof(int));
	*count = a.count;
	*address = a.address;
	*size = a.size;
	if (object_name)
		*object_name = a.object_name;
	return KERN_SUCCESS;
}

LIBMACH_EXPORT kern_return_t mach_vm_allocate(vm_map_t target,
					      mach_vm_address_t *address,
					      mach_vm_size_t size, int flags)
{
	return allocate(target, address, size, flags);
}

LIBMACH_EXPORT kern_return_t mach_vm_deallocate(vm_map_t target,
						mach_vm_address_t address,
						mach_vm_size_t size)
{
	return deallocate(target, address, size);
}

LIBMACH_EXPORT kern_return_t mach_vm_protect(vm_map_t target_task,
					     mach_vm_address_t address,
					     mach_vm_size_t size,
					     boolean_t set_maximum,
					     vm_prot_t new_protection)
{
	return protect(target_task, address, size, set_maximum, new_protection);
}

LIBMACH_EXPORT kern_return_t mach_vm_inherit(vm_map_t target_task,
					     mach_vm_address_t address,
					     mach_vm_size_t size,
					     vm_inherit_t new_inheritance)
{
	return inherit(target_task, address, size, new_inheritance);
}

LIBMACH_EXPORT kern_return_t mach_vm_read(vm_map_read_t target_task,
					  mach_vm_address_t address,
					  mach_vm_size_t size, vm_offset_t *data,
					  mach_msg_type_number_t *dataCnt)
{
	return read_new(target_task, address, size, data, dataCnt);
}

LIBMACH_EXPORT kern_return_t mach_vm_read_overwrite(vm_map_read_t target_task,
						    mach_vm_address_t address,
						    mach_vm_size_t size,
						    mach_vm_address_t data,
						    mach_vm_size_t *outsize)
{
	return read_overwrite(target_task, address, size, data, outsize);
}

LIBMACH_EXPORT kern_return_t mach_vm_write(vm_map_t target_task,
					   mach_vm_address_t address,
					   vm_offset_t data,
					   mach_msg_type_number_t dataCnt)
{
	return write_bytes(target_task, address, data, dataCnt);
}

LIBMACH_EXPORT kern_return_t mach_vm_region(vm_map_read_t target_task,
					    mach_vm_address_t *address,
					    mach_vm_size_t *size,
					    vm_region_flavor_t flavor,
					    vm_region_info_t info,
					    mach_msg_type_number_t *infoCnt,
					    mach_port_t *object_name)
{
	return region(target_task, address, size, flavor, info, infoCnt,
		      object_name);
}

/* The legacy names: the caller's word size, which is 64 bits here. */
LIBMACH_EXPORT kern_return_t vm_allocate(vm_map_t target_task,
					 vm_address_t *address, vm_size_t size,
					 int flags)
{
	mach_vm_address_t addr;
	kern_return_t kr;

	if (!address)
		return KERN_INVALID_ARGUMENT;
	addr = *address;
	kr = allocate(target_task, &addr, size, flags);
	if (kr == KERN_SUCCESS)
		*address = (vm_address_t)addr;
	return kr;
}

LIBMACH_EXPORT kern_return_t vm_deallocate(vm_map_t target_task,
					   vm_address_t address, vm_size_t size)
{
	return deallocate(target_task, address, size);
}

LIBMACH_EXPORT kern_return_t vm_protect(vm_map_t target_task,
					vm_address_t address, vm_size_t size,
					boolean_t set_maximum,
					vm_prot_t new_protection)
{
	return protect(target_task, address, size, set_maximum, new_protection);
}

LIBMACH_EXPORT kern_return_t vm_inherit(vm_map_t target_task,
					vm_address_t address, vm_size_t size,
					vm_inherit_t new_inheritance)
{
	return inherit(target_task, address, size, new_inheritance);
}

LIBMACH_EXPORT kern_return_t vm_read(vm_map_read_t target_task,
				     vm_address_t address, vm_size_t size,
				     vm_offset_t *data,
				     mach_msg_type_number_t *dataCnt)
{
	return read_new(target_task, address, size, data, dataCnt);
}

LIBMACH_EXPORT kern_return_t vm_read_overwrite(vm_map_read_t target_task,
					       vm_address_t address,
					       vm_size_t size, vm_address_t data,
					       vm_size_t *outsize)
{
	mach_vm_size_t out = 0;
	kern_return_t kr;

	kr = read_overwrite(target_task, address, size, data, &out);
	if (kr == KERN_SUCCESS && outsize)
		*outsize = (vm_size_t)out;
	return kr;
}

LIBMACH_EXPORT kern_return_t vm_write(vm_map_t target_task,
				      vm_address_t address, vm_offset_t data,
				      mach_msg_type_number_t dataCnt)
{
	return write_bytes(target_task, address, data, dataCnt);
}

static kern_return_t region_legacy(vm_map_read_t target_task,
				   vm_address_t *address, vm_size_t *size,
				   vm_region_flavor_t flavor,
				   vm_region_info_t info,
				   mach_msg_type_number_t *infoCnt,
				   mach_port_t *object_name)
{
	mach_vm_address_t addr;
	mach_vm_size_t len = 0;
	kern_return_t kr;

	if (!address || !size)
		return KERN_INVALID_ARGUMENT;
	addr = *address;
	kr = region(target_task, &addr, &len, flavor, info, infoCnt,
		    object_name);
	if (kr == KERN_SUCCESS) {
		*address = (vm_address_t)addr;
		*size = (vm_size_t)len;
	}
	return kr;
}

LIBMACH_EXPORT kern_return_t vm_region_64(vm_map_read_t target_task,
					  vm_address_t *address,
					  vm_size_t *size,
					  vm_region_flavor_t flavor,
					  vm_region_info_t info,
					  mach_msg_type_number_t *infoCnt,
					  mach_port_t *object_name)
{
	return region_legacy(target_task, address, size, flavor, info, infoCnt,
			     object_name);
}

/* On a 64-bit task vm_region is vm_region_64. */
LIBMACH_EXPORT kern_return_t vm_region(vm_map_read_t target_task,
				       vm_address_t *address, vm_size_t *size,
				       vm_region_flavor_t flavor,
				       vm_region_info_t info,
				       mach_msg_type_number_t *infoCnt,
				       mach_port_t *object_name)
	__attribute__((alias("vm_region_64")));

kern_return_t machina_vm_copyout(const void *src, size_t bytes,
				 vm_address_t *addr)
{
	size_t len;
	void *p;

	if (bytes == 0) {
		*addr = 0;
		return KERN_SUCCESS;
	}
	len = (bytes + page_mask()) & ~page_mask();
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return KERN_RESOURCE_SHORTAGE;
	memcpy(p, src, bytes);
	*addr = (vm_address_t)p;
	return KERN_SUCCESS;
}
