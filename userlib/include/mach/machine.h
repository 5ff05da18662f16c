/*
 * <mach/machine.h>: processor types, as host_info(HOST_BASIC_INFO) reports
 * them.  Machina reports the machine it runs on: arm64 or x86_64.
 */
#ifndef _MACH_MACHINE_H_
#define _MACH_MACHINE_H_

#include <mach/machine/vm_types.h>

typedef integer_t cpu_type_t;
typedef integer_t cpu_subtype_t;
typedef integer_t cpu_threadtype_t;

#define CPU_STATE_MAX		4
#define CPU_STATE_USER		0
#define CPU_STATE_SYSTEM	1
#define CPU_STATE_IDLE		2
#define CPU_STATE_NICE		3

#define CPU_ARCH_MASK		0xff000000
#define CPU_ARCH_ABI64		0x01000000
#define CPU_ARCH_ABI64_32	0x02000000

#define CPU_TYPE_ANY		((cpu_type_t)-1)
#define CPU_TYPE_X86		((cpu_type_t)7)
#define CPU_TYPE_I386		CPU_TYPE_X86
#define CPU_TYPE_X86_64		(CPU_TYPE_X86 | CPU_ARCH_ABI64)
#define CPU_TYPE_ARM		((cpu_type_t)12)
#define CPU_TYPE_ARM64		(CPU_TYPE_ARM | CPU_ARCH_ABI64)
#define CPU_TYPE_ARM64_32	(CPU_TYPE_ARM | CPU_ARCH_ABI64_32)

#define CPU_SUBTYPE_MASK	0xff000000
#define CPU_SUBTYPE_LIB64	0x80000000
#define CPU_SUBTYPE_ANY		((cpu_subtype_t)-1)
#define CPU_SUBTYPE_X86_ALL	((cpu_subtype_t)3)
#define CPU_SUBTYPE_X86_64_ALL	((cpu_subtype_t)3)
#define CPU_SUBTYPE_X86_64_H	((cpu_subtype_t)8)
#define CPU_SUBTYPE_ARM64_ALL	((cpu_subtype_t)0)
#define CPU_SUBTYPE_ARM64_V8	((cpu_subtype_t)1)
#define CPU_SUBTYPE_ARM64E	((cpu_subtype_t)2)

#define CPU_THREADTYPE_NONE	((cpu_threadtype_t)0)
#define CPU_THREADTYPE_INTEL_HTT ((cpu_threadtype_t)1)

#endif /* _MACH_MACHINE_H_ */
