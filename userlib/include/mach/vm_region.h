/*
 * <mach/vm_region.h>: what mach_vm_region reports about a region.
 *
 * Machina serves VM_REGION_BASIC_INFO_64; the other flavors are refused
 * with KERN_INVALID_ARGUMENT until the module reports them.
 */
#ifndef _MACH_VM_REGION_H_
#define _MACH_VM_REGION_H_

#include <stdint.h>
#include <mach/boolean.h>
#include <mach/message.h>
#include <mach/vm_behavior.h>
#include <mach/vm_inherit.h>
#include <mach/vm_prot.h>
#include <mach/vm_types.h>

typedef int *vm_region_info_t;
typedef int *vm_region_info_64_t;
typedef int *vm_region_recurse_info_t;
typedef int *vm_region_recurse_info_64_t;
typedef int vm_region_flavor_t;
typedef int vm_region_info_data_t[1024];

typedef uint64_t memory_object_offset_t;

#define VM_REGION_BASIC_INFO_64		9
#define VM_REGION_BASIC_INFO		10
#define VM_REGION_TOP_INFO		12
#define VM_REGION_EXTENDED_INFO		13

#pragma pack(push, 4)

struct vm_region_basic_info_64 {
	vm_prot_t protection;
	vm_prot_t max_protection;
	vm_inherit_t inheritance;
	boolean_t shared;
	boolean_t reserved;
	memory_object_offset_t offset;
	vm_behavior_t behavior;
	unsigned short user_wired_count;
};

#pragma pack(pop)

typedef struct vm_region_basic_info_64 *vm_region_basic_info_64_t;
typedef struct vm_region_basic_info_64 vm_region_basic_info_data_64_t;

#define VM_REGION_BASIC_INFO_COUNT_64					\
	((mach_msg_type_number_t)(sizeof(vm_region_basic_info_data_64_t) / \
				  sizeof(int)))

#endif /* _MACH_VM_REGION_H_ */
