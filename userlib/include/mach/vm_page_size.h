/*
 * <mach/vm_page_size.h>: the page size of the caller's task.
 *
 * These are variables, not constants, because one binary runs on kernels
 * with different page sizes (arm64 Linux with 4K or 16K pages, as Apple
 * Silicon Darwin uses 16K).  libmach sets them before main() from the
 * kernel's own page size; the kernel's and the task's page are the same on
 * Linux.
 */
#ifndef _VM_PAGE_SIZE_H_
#define _VM_PAGE_SIZE_H_

#include <mach/mach_types.h>

#ifdef __cplusplus
extern "C" {
#endif

extern vm_size_t vm_page_size;
extern vm_size_t vm_page_mask;
extern int vm_page_shift;

#define trunc_page(x)	((x) & (~(vm_page_size - 1)))
#define round_page(x)	trunc_page((x) + (vm_page_size - 1))

extern vm_size_t vm_kernel_page_size;
extern vm_size_t vm_kernel_page_mask;
extern int vm_kernel_page_shift;

#define trunc_page_kernel(x)	((x) & (~vm_kernel_page_mask))
#define round_page_kernel(x)	trunc_page_kernel((x) + vm_kernel_page_mask)

#ifdef __cplusplus
}
#endif

#endif /* _VM_PAGE_SIZE_H_ */
