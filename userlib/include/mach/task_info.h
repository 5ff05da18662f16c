/*
 * <mach/task_info.h>: the flavors of task_info() that Machina answers and
 * their layouts.  Every structure is packed to 4 bytes and its _COUNT is
 * its size in 32-bit words (mach_msg_type_number_t), as on Darwin.
 *
 * TASK_BASIC_INFO_64 differs by architecture, as on Darwin: on x86_64 the
 * sizes are 64-bit; on arm64, flavor 5 is the old layout with 32-bit sizes
 * and the TASK_BASIC_INFO_64 name means flavor 18 (64-bit sizes).
 */
#ifndef _MACH_TASK_INFO_H_
#define _MACH_TASK_INFO_H_

#include <mach/machine/vm_types.h>
#include <mach/message.h>
#include <mach/policy.h>
#include <mach/time_value.h>
#include <mach/vm_types.h>

typedef natural_t task_flavor_t;
typedef integer_t *task_info_t;

#define TASK_INFO_MAX	(1024)
typedef integer_t task_info_data_t[TASK_INFO_MAX];

#pragma pack(push, 4)

#define TASK_EVENTS_INFO	2
struct task_events_info {
	integer_t faults;
	integer_t pageins;
	integer_t cow_faults;
	integer_t messages_sent;
	integer_t messages_received;
	integer_t syscalls_mach;
	integer_t syscalls_unix;
	integer_t csw;
};
typedef struct task_events_info task_events_info_data_t;
typedef struct task_events_info *task_events_info_t;
#define TASK_EVENTS_INFO_COUNT \
	((mach_msg_type_number_t)(sizeof(task_events_info_data_t) / sizeof(natural_t)))

#define TASK_THREAD_TIMES_INFO	3
struct task_thread_times_info {
	time_value_t user_time;		/* live threads only */
	time_value_t system_time;
};
typedef struct task_thread_times_info task_thread_times_info_data_t;
typedef struct task_thread_times_info *task_thread_times_info_t;
#define TASK_THREAD_TIMES_INFO_COUNT \
	((mach_msg_type_number_t)(sizeof(task_thread_times_info_data_t) / sizeof(natural_t)))

#if defined(__aarch64__) || defined(__arm64__)
struct task_basic_info_64 {
	integer_t suspend_count;
	natural_t virtual_size;		/* 32-bit, for old binaries */
	natural_t resident_size;
	time_value_t user_time;
	time_value_t system_time;
	policy_t policy;
};
#define TASK_BASIC_INFO_64_COMPAT	5
struct task_basic_info_64_2 {
	integer_t suspend_count;
	mach_vm_size_t virtual_size;
	mach_vm_size_t resident_size;
	time_value_t user_time;
	time_value_t system_time;
	policy_t policy;
};
typedef struct task_basic_info_64_2 task_basic_info_64_2_data_t;
typedef struct task_basic_info_64_2 *task_basic_info_64_2_t;
#define TASK_BASIC_INFO_64_2		18
#define TASK_BASIC_INFO_64_2_COUNT \
	((mach_msg_type_number_t)(sizeof(task_basic_info_64_2_data_t) / sizeof(natural_t)))
#define TASK_BASIC_INFO_64		TASK_BASIC_INFO_64_2
#define TASK_BASIC_INFO_64_COUNT	TASK_BASIC_INFO_64_2_COUNT
#else
struct task_basic_info_64 {
	integer_t suspend_count;
	mach_vm_size_t virtual_size;
	mach_vm_size_t resident_size;
	time_value_t user_time;		/* all threads, live and exited */
	time_value_t system_time;
	policy_t policy;
};
#define TASK_BASIC_INFO_64		5
#define TASK_BASIC_INFO_64_COUNT \
	((mach_msg_type_number_t)(sizeof(task_basic_info_64_data_t) / sizeof(natural_t)))
#endif
typedef struct task_basic_info_64 task_basic_info_64_data_t;
typedef struct task_basic_info_64 *task_basic_info_64_t;

#define TASK_AUDIT_TOKEN	15
#define TASK_AUDIT_TOKEN_COUNT \
	((mach_msg_type_number_t)(sizeof(audit_token_t) / sizeof(natural_t)))

#define MACH_TASK_BASIC_INFO	20
struct mach_task_basic_info {
	mach_vm_size_t virtual_size;
	mach_vm_size_t resident_size;
	mach_vm_size_t resident_size_max;
	time_value_t user_time;		/* all threads, live and exited */
	time_value_t system_time;
	policy_t policy;
	integer_t suspend_count;
};
typedef struct mach_task_basic_info mach_task_basic_info_data_t;
typedef struct mach_task_basic_info *mach_task_basic_info_t;
#define MACH_TASK_BASIC_INFO_COUNT \
	((mach_msg_type_number_t)(sizeof(mach_task_basic_info_data_t) / sizeof(natural_t)))

#pragma pack(pop)

/*
 * TASK_VM_INFO: the task's memory.  The count picks the revision (REV0 36
 * words ... REV7 93); Machina fills what Linux knows and leaves 0 what it
 * has not (peaks of internal/external, device, reusable, compressed,
 * ledgers, limit_bytes_remaining): docs/plans/xnu_vm.md.
 * TASK_VM_INFO_PURGEABLE: the same, with purgeable_volatile_pmap,
 * _resident and _virtual filled (TASK_VM_INFO leaves them 0, as Darwin).
 */
#define TASK_VM_INFO		22
#define TASK_VM_INFO_PURGEABLE	23

#pragma pack(push, 4)
struct task_vm_info {
	mach_vm_size_t virtual_size;
	integer_t region_count;
	integer_t page_size;
	mach_vm_size_t resident_size;
	mach_vm_size_t resident_size_peak;
	mach_vm_size_t device;
	mach_vm_size_t device_peak;
	mach_vm_size_t internal;
	mach_vm_size_t internal_peak;
	mach_vm_size_t external;
	mach_vm_size_t external_peak;
	mach_vm_size_t reusable;
	mach_vm_size_t reusable_peak;
	mach_vm_size_t purgeable_volatile_pmap;
	mach_vm_size_t purgeable_volatile_resident;
	mach_vm_size_t purgeable_volatile_virtual;
	mach_vm_size_t compressed;
	mach_vm_size_t compressed_peak;
	mach_vm_size_t compressed_lifetime;
	/* rev1 */
	mach_vm_size_t phys_footprint;
	/* rev2 */
	mach_vm_address_t min_address;
	mach_vm_address_t max_address;
	/* rev3 */
	int64_t ledger_phys_footprint_peak;
	int64_t ledger_purgeable_nonvolatile;
	int64_t ledger_purgeable_novolatile_compressed;
	int64_t ledger_purgeable_volatile;
	int64_t ledger_purgeable_volatile_compressed;
	int64_t ledger_tag_network_nonvolatile;
	int64_t ledger_tag_network_nonvolatile_compressed;
	int64_t ledger_tag_network_volatile;
	int64_t ledger_tag_network_volatile_compressed;
	int64_t ledger_tag_media_footprint;
	int64_t ledger_tag_media_footprint_compressed;
	int64_t ledger_tag_media_nofootprint;
	int64_t ledger_tag_media_nofootprint_compressed;
	int64_t ledger_tag_graphics_footprint;
	int64_t ledger_tag_graphics_footprint_compressed;
	int64_t ledger_tag_graphics_nofootprint;
	int64_t ledger_tag_graphics_nofootprint_compressed;
	int64_t ledger_tag_neural_footprint;
	int64_t ledger_tag_neural_footprint_compressed;
	int64_t ledger_tag_neural_nofootprint;
	int64_t ledger_tag_neural_nofootprint_compressed;
	/* rev4 */
	uint64_t limit_bytes_remaining;
	/* rev5 */
	integer_t decompressions;
	/* rev6 */
	int64_t ledger_swapins;
	/* rev7 */
	int64_t ledger_tag_neural_nofootprint_total;
	int64_t ledger_tag_neural_nofootprint_peak;
};
#pragma pack(pop)
typedef struct task_vm_info task_vm_info_data_t;
typedef struct task_vm_info *task_vm_info_t;
#define TASK_VM_INFO_COUNT \
	((mach_msg_type_number_t)(sizeof(task_vm_info_data_t) / sizeof(natural_t)))
#define TASK_VM_INFO_REV7_COUNT	TASK_VM_INFO_COUNT
#define TASK_VM_INFO_REV6_COUNT	((mach_msg_type_number_t)(TASK_VM_INFO_REV7_COUNT - 4))
#define TASK_VM_INFO_REV5_COUNT	((mach_msg_type_number_t)(TASK_VM_INFO_REV6_COUNT - 2))
#define TASK_VM_INFO_REV4_COUNT	((mach_msg_type_number_t)(TASK_VM_INFO_REV5_COUNT - 1))
#define TASK_VM_INFO_REV3_COUNT	((mach_msg_type_number_t)(TASK_VM_INFO_REV4_COUNT - 2))
#define TASK_VM_INFO_REV2_COUNT	((mach_msg_type_number_t)(TASK_VM_INFO_REV3_COUNT - 42))
#define TASK_VM_INFO_REV1_COUNT	((mach_msg_type_number_t)(TASK_VM_INFO_REV2_COUNT - 4))
#define TASK_VM_INFO_REV0_COUNT	((mach_msg_type_number_t)(TASK_VM_INFO_REV1_COUNT - 2))

#endif /* _MACH_TASK_INFO_H_ */
