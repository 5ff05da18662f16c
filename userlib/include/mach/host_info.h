/*
 * <mach/host_info.h>: what host_info() and host_statistics64() report.
 * Counts (mach_msg_type_number_t) are in 32-bit words.  Machina serves
 * HOST_BASIC_INFO, HOST_SCHED_INFO, HOST_PRIORITY_INFO and, through
 * host_statistics64(), HOST_VM_INFO64 (see docs/libmach.md for how Linux's
 * counters map onto vm_statistics64).
 */
#ifndef _MACH_HOST_INFO_H_
#define _MACH_HOST_INFO_H_

#include <stdint.h>
#include <mach/machine.h>
#include <mach/machine/vm_types.h>
#include <mach/message.h>
#include <mach/vm_statistics.h>

typedef integer_t *host_info_t;
typedef integer_t *host_info64_t;
typedef integer_t host_flavor_t;
#define HOST_INFO_MAX		1024
typedef integer_t host_info_data_t[HOST_INFO_MAX];
typedef char kernel_version_t[512];
typedef char kernel_boot_info_t[4096];

#define HOST_BASIC_INFO		1
#define HOST_SCHED_INFO		3
#define HOST_RESOURCE_SIZES	4
#define HOST_PRIORITY_INFO	5
#define HOST_SEMAPHORE_TRAPS	7
#define HOST_MACH_MSG_TRAP	8
#define HOST_VM_PURGABLE	9
#define HOST_DEBUG_INFO_INTERNAL 10
#define HOST_CAN_HAS_DEBUGGER	11
#define HOST_PREFERRED_USER_ARCH 12

/* host_statistics / host_statistics64 flavors */
#define HOST_LOAD_INFO		1
#define HOST_VM_INFO		2
#define HOST_CPU_LOAD_INFO	3
#define HOST_VM_INFO64		4
#define HOST_EXTMOD_INFO64	5
#define HOST_EXPIRED_TASK_INFO	6

struct host_basic_info {
	integer_t max_cpus;
	integer_t avail_cpus;
	natural_t memory_size;		/* bytes, saturated at 2 GiB */
	cpu_type_t cpu_type;
	cpu_subtype_t cpu_subtype;
	cpu_threadtype_t cpu_threadtype;
	integer_t physical_cpu;
	integer_t physical_cpu_max;
	integer_t logical_cpu;
	integer_t logical_cpu_max;
	uint64_t max_mem;		/* bytes */
};
typedef struct host_basic_info host_basic_info_data_t;
typedef struct host_basic_info *host_basic_info_t;
#define HOST_BASIC_INFO_COUNT \
	((mach_msg_type_number_t)(sizeof(host_basic_info_data_t) / sizeof(integer_t)))
#define HOST_BASIC_INFO_OLD_COUNT ((mach_msg_type_number_t)5)

struct host_sched_info {
	integer_t min_timeout;		/* ms */
	integer_t min_quantum;		/* ms */
};
typedef struct host_sched_info host_sched_info_data_t;
typedef struct host_sched_info *host_sched_info_t;
#define HOST_SCHED_INFO_COUNT \
	((mach_msg_type_number_t)(sizeof(host_sched_info_data_t) / sizeof(integer_t)))

struct host_priority_info {
	integer_t kernel_priority;
	integer_t system_priority;
	integer_t server_priority;
	integer_t user_priority;
	integer_t depress_priority;
	integer_t idle_priority;
	integer_t minimum_priority;
	integer_t maximum_priority;
};
typedef struct host_priority_info host_priority_info_data_t;
typedef struct host_priority_info *host_priority_info_t;
#define HOST_PRIORITY_INFO_COUNT \
	((mach_msg_type_number_t)(sizeof(host_priority_info_data_t) / sizeof(integer_t)))

#define HOST_VM_INFO64_COUNT \
	((mach_msg_type_number_t)(sizeof(vm_statistics64_data_t) / sizeof(integer_t)))
#define HOST_VM_INFO64_LATEST_COUNT HOST_VM_INFO64_COUNT
#define HOST_VM_INFO64_REV0_COUNT ((mach_msg_type_number_t)33)
#define HOST_VM_INFO64_REV1_COUNT HOST_VM_INFO64_LATEST_COUNT

#endif /* _MACH_HOST_INFO_H_ */
