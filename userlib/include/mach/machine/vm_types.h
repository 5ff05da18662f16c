/*
 * <mach/machine/vm_types.h>: the machine-sized integer types every other
 * Mach header builds on, for Darwin's 64-bit user space (arm64, x86_64).
 *
 * natural_t and integer_t stay 32 bits on 64-bit machines: they are the unit
 * in which Mach counts (mach_msg_type_number_t, attribute arrays), not a
 * machine word.  Addresses and sizes that cross into another task are always
 * 64 bits (mach_vm_*), whatever the caller's word size.
 */
#ifndef _MACH_MACHINE_VM_TYPES_H_
#define _MACH_MACHINE_VM_TYPES_H_

#include <stdint.h>

typedef unsigned int natural_t;
typedef int integer_t;

/* Addresses and sizes in the caller's own address space. */
typedef uintptr_t vm_offset_t;
typedef uintptr_t vm_size_t;

/* Addresses and sizes in any task's address space. */
typedef uint64_t mach_vm_address_t;
typedef uint64_t mach_vm_offset_t;
typedef uint64_t mach_vm_size_t;

typedef uint64_t vm_map_offset_t;
typedef uint64_t vm_map_address_t;
typedef uint64_t vm_map_size_t;

/* The 32-bit forms the older MIG interfaces still name. */
typedef uint32_t vm32_offset_t;
typedef uint32_t vm32_address_t;
typedef uint32_t vm32_size_t;

/* A port's context (or guard) holds a user pointer. */
typedef mach_vm_address_t mach_port_context_t;

#endif /* _MACH_MACHINE_VM_TYPES_H_ */
