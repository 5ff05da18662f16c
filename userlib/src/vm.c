/*
 * libmach: the Mach VM calls (mach_vm_allocate, deallocate, protect,
 * inherit, read, read_overwrite, write, region, region_recurse, page_query,
 * page_info, read_list, copy, msync, behavior_set, purgable_control (and
 * mach_memory_entry_purgable_control) and their legacy vm_
 * names), and the page size.
 * read_list and copy are built from read and write (each checks its whole
 * range before any byte moves, as XNU's copy-in and overwrite do).
 *
 * Each call is one ioctl into the module (xnu_vm/), on any task whose
 * control port the caller holds.  machina_vm_copyout() (MIG results of
 * other libmach calls) stays a plain anonymous mapping of the caller's,
 * which vm_deallocate releases like any memory.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "uapi/machina.h"

#include <mach/mach_init.h>
#include <mach/mach_vm.h>
#include <mach/memory_entry.h>
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
 * A call on a range of a task's memory (deallocate, protect, inherit,
 * msync):
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
			    mach_port_t *object_name, bool legacy)
{
	struct machina_vm_region a = {
		.task = target,
		.flavor = flavor,
		.flags = legacy ? MACHINA_VM_REGION_LEGACY : 0,
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
		      object_name, false);
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
				   mach_port_t *object_name, bool legacy)
{
	mach_vm_address_t addr;
	mach_vm_size_t len = 0;
	kern_return_t kr;

	if (!address || !size)
		return KERN_INVALID_ARGUMENT;
	addr = *address;
	kr = region(target_task, &addr, &len, flavor, info, infoCnt,
		    object_name, legacy);
	if (kr == KERN_SUCCESS) {
		*address = (vm_address_t)addr;
		*size = (vm_size_t)len;
	}
	return kr;
}

/* vm_region_64 takes VM_REGION_BASIC_INFO as BASIC_INFO_64, as mach_vm_region. */
LIBMACH_EXPORT kern_return_t vm_region_64(vm_map_read_t target_task,
					  vm_address_t *address,
					  vm_size_t *size,
					  vm_region_flavor_t flavor,
					  vm_region_info_t info,
					  mach_msg_type_number_t *infoCnt,
					  mach_port_t *object_name)
{
	return region_legacy(target_task, address, size, flavor, info, infoCnt,
			     object_name, false);
}

/* vm_region keeps VM_REGION_BASIC_INFO's 32-bit layout (count 8). */
LIBMACH_EXPORT kern_return_t vm_region(vm_map_read_t target_task,
				       vm_address_t *address, vm_size_t *size,
				       vm_region_flavor_t flavor,
				       vm_region_info_t info,
				       mach_msg_type_number_t *infoCnt,
				       mach_port_t *object_name)
{
	return region_legacy(target_task, address, size, flavor, info, infoCnt,
			     object_name, true);
}

static kern_return_t region_recurse(vm_map_read_t target,
				    mach_vm_address_t *address,
				    mach_vm_size_t *size, natural_t *depth,
				    vm_region_recurse_info_t info,
				    mach_msg_type_number_t *count)
{
	struct machina_vm_region_recurse a = { .task = target };
	kern_return_t kr;

	if (!address || !size || !depth || !info || !count)
		return KERN_INVALID_ARGUMENT;
	a.address = *address;
	a.depth = *depth;
	a.count = *count;
	kr = machina_call(MACHINA_IOC_VM_REGION_RECURSE, &a);
	/* As Darwin's MIG stub: nothing is copied out of a failure. */
	if (kr != KERN_SUCCESS)
		return kr;
	memcpy(info, a.info, a.count * sizeof(int));
	*count = a.count;
	*depth = a.depth;
	*address = a.address;
	*size = a.size;
	return KERN_SUCCESS;
}

LIBMACH_EXPORT kern_return_t mach_vm_region_recurse(vm_map_read_t target_task,
						    mach_vm_address_t *address,
						    mach_vm_size_t *size,
						    natural_t *depth,
						    vm_region_recurse_info_t info,
						    mach_msg_type_number_t *infoCnt)
{
	return region_recurse(target_task, address, size, depth, info, infoCnt);
}

/* 64-bit tasks only: vm_address_t and vm_size_t are 64 bits wide. */
LIBMACH_EXPORT kern_return_t vm_region_recurse_64(vm_map_read_t target_task,
						  vm_address_t *address,
						  vm_size_t *size,
						  natural_t *nesting_depth,
						  vm_region_recurse_info_t info,
						  mach_msg_type_number_t *infoCnt)
{
	_Static_assert(sizeof(vm_address_t) == sizeof(mach_vm_address_t) &&
			       sizeof(vm_size_t) == sizeof(mach_vm_size_t),
		       "64-bit vm_address_t");
	return region_recurse(target_task, (mach_vm_address_t *)address,
			      (mach_vm_size_t *)size, nesting_depth, info,
			      infoCnt);
}

/* One page's facts from the module (mach_vm_page_query, mach_vm_page_info). */
static kern_return_t page_query(vm_map_read_t target, mach_vm_address_t address,
				struct machina_vm_page_query *a)
{
	memset(a, 0, sizeof(*a));
	a->task = target;
	a->address = address;
	return machina_call(MACHINA_IOC_VM_PAGE_QUERY, a);
}

LIBMACH_EXPORT kern_return_t mach_vm_page_query(vm_map_read_t target_map,
						mach_vm_offset_t offset,
						integer_t *disposition,
						integer_t *ref_count)
{
	struct machina_vm_page_query a;
	kern_return_t kr;

	if (!disposition || !ref_count)
		return KERN_INVALID_ARGUMENT;
	kr = page_query(target_map, offset, &a);
	/* As Darwin's MIG stub: nothing is copied out of a failure. */
	if (kr == KERN_SUCCESS) {
		*disposition = a.disposition;
		*ref_count = a.ref_count;
	}
	return kr;
}

LIBMACH_EXPORT kern_return_t vm_map_page_query(vm_map_read_t target_map,
					       vm_offset_t offset,
					       integer_t *disposition,
					       integer_t *ref_count)
{
	return mach_vm_page_query(target_map, offset, disposition, ref_count);
}

/*
 * VM_PAGE_INFO_BASIC only; XNU wants the count exact (or one less, the
 * layout without its padding word).
 */
LIBMACH_EXPORT kern_return_t mach_vm_page_info(vm_map_read_t target_task,
					       mach_vm_address_t address,
					       vm_page_info_flavor_t flavor,
					       vm_page_info_t info,
					       mach_msg_type_number_t *infoCnt)
{
	struct machina_vm_page_query a;
	vm_page_info_basic_data_t basic;
	kern_return_t kr;

	if (!info || !infoCnt || flavor != VM_PAGE_INFO_BASIC ||
	    (*infoCnt != VM_PAGE_INFO_BASIC_COUNT &&
	     *infoCnt != VM_PAGE_INFO_BASIC_COUNT - 1))
		return KERN_INVALID_ARGUMENT;
	kr = page_query(target_task, address, &a);
	if (kr != KERN_SUCCESS)
		return kr;
	memset(&basic, 0, sizeof(basic));
	basic.disposition = a.disposition;
	basic.ref_count = a.ref_count;
	basic.object_id = a.object_id;
	basic.offset = a.offset;
	basic.depth = 0;
	memcpy(info, &basic, *infoCnt * sizeof(int));
	return KERN_SUCCESS;
}

/*
 * read_list - XNU's mach_vm_read_list: each entry of non-zero size is read
 * into new memory of the caller (its address replaces the entry's); an
 * entry that fails, or has size 0, comes back as 0/0.  The status is that
 * of the last entry read (XNU keeps going past a failure).  The list is
 * MIG in-out data, which Darwin's stub copies back only when that status
 * is KERN_SUCCESS: after a failure the caller's list is as it was, and
 * the memory read for other entries (which the caller cannot find) is
 * given back here.
 */
static kern_return_t read_list(vm_map_read_t target, uint64_t *addrs,
			       uint64_t *sizes, size_t stride, natural_t count)
{
	uint64_t got[VM_MAP_ENTRY_MAX], len[VM_MAP_ENTRY_MAX];
	kern_return_t kr = KERN_SUCCESS;
	vm_offset_t data;
	mach_msg_type_number_t n;
	natural_t i;

	if (count > VM_MAP_ENTRY_MAX || (count && (!addrs || !sizes)))
		return KERN_INVALID_ARGUMENT;
	for (i = 0; i < count; i++) {
		uint64_t addr = *(uint64_t *)((char *)addrs + i * stride);
		uint64_t size = *(uint64_t *)((char *)sizes + i * stride);

		got[i] = 0;
		len[i] = 0;
		if (!size)
			continue;
		kr = read_new(target, addr, size, &data, &n);
		if (kr == KERN_SUCCESS) {
			got[i] = data;
			len[i] = size;
		}
	}
	for (i = 0; i < count; i++) {
		if (kr != KERN_SUCCESS) {
			if (len[i])
				deallocate(mach_task_self(), got[i], len[i]);
			continue;
		}
		*(uint64_t *)((char *)addrs + i * stride) = got[i];
		*(uint64_t *)((char *)sizes + i * stride) = len[i];
	}
	return kr;
}

LIBMACH_EXPORT kern_return_t mach_vm_read_list(vm_map_read_t target_task,
					       mach_vm_read_entry_t data_list,
					       natural_t count)
{
	return read_list(target_task, &data_list[0].address,
			 &data_list[0].size, sizeof(data_list[0]), count);
}

LIBMACH_EXPORT kern_return_t vm_read_list(vm_map_read_t target_task,
					  vm_read_entry_t data_list,
					  natural_t count)
{
	_Static_assert(sizeof(vm_address_t) == sizeof(uint64_t),
		       "vm_read_entry is 64-bit");
	return read_list(target_task, (uint64_t *)&data_list[0].address,
			 (uint64_t *)&data_list[0].size, sizeof(data_list[0]),
			 count);
}

/*
 * copy - mach_vm_copy: a copy of the source range (its errors first:
 * holes KERN_INVALID_ADDRESS, unreadable KERN_PROTECTION_FAILURE), then
 * written over the destination, which the module checks whole before any
 * byte moves (unwritable KERN_PROTECTION_FAILURE).  Ranges that wrap are
 * KERN_INVALID_ARGUMENT; size 0 succeeds.  Goes in 1 GiB steps (the read
 * and write counts are 32-bit).
 */
static kern_return_t copy(vm_map_t target, mach_vm_address_t src,
			  mach_vm_size_t size, mach_vm_address_t dst)
{
	const mach_vm_size_t step = 1ULL << 30;
	mach_msg_type_number_t n;
	mach_vm_size_t done, len;
	vm_offset_t data;
	kern_return_t kr;

	if (src + size < src || dst + size < dst)
		return KERN_INVALID_ARGUMENT;
	for (done = 0; done < size; done += len) {
		len = size - done < step ? size - done : step;
		kr = read_new(target, src + done, len, &data, &n);
		if (kr != KERN_SUCCESS)
			return kr;
		kr = write_bytes(target, dst + done, data, n);
		deallocate(mach_task_self(), data, len);
		if (kr != KERN_SUCCESS)
			return kr;
	}
	return KERN_SUCCESS;
}

static kern_return_t msync_range(vm_map_t target, mach_vm_address_t address,
				 mach_vm_size_t size, vm_sync_t flags)
{
	return range_call(MACHINA_IOC_VM_MSYNC, target, address, size,
			  (int)flags, 0);
}

/* The behavior travels in prot; any int is the kernel's to judge. */
static kern_return_t behavior_set(vm_map_t target, mach_vm_address_t address,
				  mach_vm_size_t size, vm_behavior_t behavior)
{
	return range_call(MACHINA_IOC_VM_BEHAVIOR_SET, target, address, size,
			  0, behavior);
}

LIBMACH_EXPORT kern_return_t mach_vm_behavior_set(vm_map_t target_task,
						  mach_vm_address_t address,
						  mach_vm_size_t size,
						  vm_behavior_t new_behavior)
{
	return behavior_set(target_task, address, size, new_behavior);
}

LIBMACH_EXPORT kern_return_t vm_behavior_set(vm_map_t target_task,
					     vm_address_t address,
					     vm_size_t size,
					     vm_behavior_t new_behavior)
{
	return behavior_set(target_task, address, size, new_behavior);
}

/*
 * The control travels in vm_flags, the state word in prot (in and out);
 * *state is written on KERN_SUCCESS only, as XNU's MIG reply is.
 */
static kern_return_t purgable_control(unsigned long cmd, mach_port_t target,
				      mach_vm_address_t address,
				      vm_purgable_t control, int *state)
{
	struct machina_vm_args a = {
		.task = target,
		.vm_flags = control,
		.address = address,
	};
	kern_return_t kr;

	if (!state)
		return KERN_INVALID_ARGUMENT;
	a.prot = *state;
	kr = machina_call(cmd, &a);
	if (kr == KERN_SUCCESS)
		*state = a.prot;
	return kr;
}

LIBMACH_EXPORT kern_return_t mach_vm_purgable_control(vm_map_t target_task,
						      mach_vm_address_t address,
						      vm_purgable_t control,
						      int *state)
{
	return purgable_control(MACHINA_IOC_VM_PURGABLE_CONTROL, target_task,
				address, control, state);
}

LIBMACH_EXPORT kern_return_t vm_purgable_control(vm_map_t target_task,
						 vm_address_t address,
						 vm_purgable_t control,
						 int *state)
{
	return purgable_control(MACHINA_IOC_VM_PURGABLE_CONTROL, target_task,
				address, control, state);
}

LIBMACH_EXPORT kern_return_t
mach_memory_entry_purgable_control(mach_port_t mem_entry,
				   vm_purgable_t control, int *state)
{
	return purgable_control(MACHINA_IOC_MEMORY_ENTRY_PURGABLE_CONTROL,
				mem_entry, 0, control, state);
}

LIBMACH_EXPORT kern_return_t mach_vm_msync(vm_map_t target_task,
					   mach_vm_address_t address,
					   mach_vm_size_t size, vm_sync_t sync_flags)
{
	return msync_range(target_task, address, size, sync_flags);
}

LIBMACH_EXPORT kern_return_t vm_msync(vm_map_t target_task,
				      vm_address_t address, vm_size_t size,
				      vm_sync_t sync_flags)
{
	return msync_range(target_task, address, size, sync_flags);
}

LIBMACH_EXPORT kern_return_t mach_vm_copy(vm_map_t target_task,
					  mach_vm_address_t source_address,
					  mach_vm_size_t size,
					  mach_vm_address_t dest_address)
{
	return copy(target_task, source_address, size, dest_address);
}

LIBMACH_EXPORT kern_return_t vm_copy(vm_map_t target_task,
				     vm_address_t source_address,
				     vm_size_t size, vm_address_t dest_address)
{
	return copy(target_task, source_address, size, dest_address);
}

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
