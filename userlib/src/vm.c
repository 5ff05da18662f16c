/*
 * libmach: allocating and releasing memory of the caller's own task
 * (vm_allocate, vm_deallocate and their mach_vm_ forms), and the page size.
 *
 * Until the Mach VM layer exists in the module, these serve the caller's
 * own task only and map straight onto mmap/munmap: a region is private,
 * anonymous, zero-filled, read-write and copied on fork, which is what
 * Darwin gives a vm_allocate'd region.  Out-of-line memory that arrives in
 * a message is an anonymous mapping too, so vm_deallocate releases it.
 * Another task as target is KERN_INVALID_ARGUMENT; the Mach VM work
 * replaces this file's calls with ioctls that reach any task.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

/* Flags this implementation honours; the rest of Darwin's are refused. */
#define VM_FLAGS_SUPPORTED                                              \
	(VM_FLAGS_ANYWHERE | VM_FLAGS_RANDOM_ADDR | VM_FLAGS_NO_CACHE | \
	 VM_FLAGS_OVERWRITE | VM_FLAGS_ALIAS_MASK)

/*
 * The Mach VM calls are MIG/trap calls on the target's task port; a name
 * that is no right at all fails there as a message to nowhere would.
 */
static kern_return_t check_target(vm_map_t target)
{
	if (!MACH_PORT_VALID(target))
		return MACH_SEND_INVALID_DEST;
	if (target != mach_task_self())
		return KERN_INVALID_ARGUMENT;
	return KERN_SUCCESS;
}

static kern_return_t errno_to_vm(int err)
{
	switch (err) {
	case ENOMEM:
		return KERN_NO_SPACE;
	case EEXIST:
		return KERN_NO_SPACE;
	case EPERM:
	case EACCES:
		return KERN_INVALID_ADDRESS;
	default:
		return KERN_INVALID_ARGUMENT;
	}
}

/* The allocation itself; addresses and sizes already 64 bits wide. */
static kern_return_t allocate(vm_map_t target, mach_vm_address_t *address,
			      mach_vm_size_t size, int flags)
{
	uint64_t mask = page_mask();
	uint64_t start, len;
	int mflags = MAP_PRIVATE | MAP_ANONYMOUS;
	void *want = NULL, *got;
	kern_return_t kr;

	kr = check_target(target);
	if (kr != KERN_SUCCESS)
		return kr;
	if (!address)
		return KERN_INVALID_ARGUMENT;
	if ((unsigned int)flags & ~(unsigned int)VM_FLAGS_SUPPORTED)
		return KERN_INVALID_ARGUMENT;
	if ((flags & VM_FLAGS_ANYWHERE) && (flags & VM_FLAGS_OVERWRITE))
		return KERN_INVALID_ARGUMENT;
	if (size == 0) {
		*address = 0;
		return KERN_SUCCESS;
	}
	if (size > UINT64_MAX - mask)
		return KERN_INVALID_ARGUMENT;
	len = (size + mask) & ~mask;

	if (!(flags & VM_FLAGS_ANYWHERE)) {
		start = *address & ~mask;
		if (start + len < start)
			return KERN_INVALID_ADDRESS;
		want = (void *)(uintptr_t)start;
		mflags |= (flags & VM_FLAGS_OVERWRITE) ? MAP_FIXED :
							 MAP_FIXED_NOREPLACE;
	}
	got = mmap(want, len, PROT_READ | PROT_WRITE, mflags, -1, 0);
	if (got == MAP_FAILED)
		return errno_to_vm(errno);
	/* A kernel older than MAP_FIXED_NOREPLACE takes it as a mere hint. */
	if (want && got != want) {
		munmap(got, len);
		return KERN_NO_SPACE;
	}
	*address = (uintptr_t)got;
	return KERN_SUCCESS;
}

static kern_return_t deallocate(vm_map_t target, mach_vm_address_t address,
				mach_vm_size_t size)
{
	uint64_t mask = page_mask();
	uint64_t start, end;
	kern_return_t kr;

	kr = check_target(target);
	if (kr != KERN_SUCCESS)
		return kr;
	if (size == 0)
		return KERN_SUCCESS;
	if (address + size < address || address + size > UINT64_MAX - mask)
		return KERN_INVALID_ARGUMENT;
	/* Every page the range touches goes, as on Darwin. */
	start = address & ~mask;
	end = (address + size + mask) & ~mask;
	if (munmap((void *)(uintptr_t)start, end - start) < 0)
		return errno_to_vm(errno);
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
