/*
 * libmach: build-time proof that the headers lay structures out as Darwin's
 * 64-bit user space does (shared/darwin-abi.md).  A program compiled
 * against userlib/include exchanges these bytes with the kernel module and
 * with other programs, so one wrong offset breaks every message.  This file
 * produces no code; it fails the library build instead.
 */
#include <stddef.h>

#include <mach/mach.h>
#include <mach/mach_vm.h>
#include <mach/ndr.h>
#include <mach/notify.h>
#include <mach/arm/thread_status.h>
#include <mach/i386/thread_status.h>

#include "uapi/machina.h"

#define SIZE(type, n) _Static_assert(sizeof(type) == (n), #type " size")
#define OFFSET(type, field, n) \
	_Static_assert(offsetof(type, field) == (n), #type "." #field)

/* Types of fixed width, whatever the machine. */
SIZE(natural_t, 4);
SIZE(integer_t, 4);
SIZE(boolean_t, 4);
SIZE(kern_return_t, 4);
SIZE(mach_port_t, 4);
SIZE(mach_port_name_t, 4);
SIZE(mach_msg_bits_t, 4);
SIZE(mach_msg_size_t, 4);
SIZE(mach_msg_id_t, 4);
SIZE(mach_msg_option_t, 4);
SIZE(mach_msg_timeout_t, 4);
SIZE(mach_port_context_t, 8);
SIZE(mach_vm_address_t, 8);
SIZE(mach_vm_size_t, 8);
SIZE(vm_address_t, sizeof(void *));
SIZE(vm_size_t, sizeof(void *));

/* The header: six 32-bit words. */
SIZE(mach_msg_header_t, 24);
OFFSET(mach_msg_header_t, msgh_bits, 0);
OFFSET(mach_msg_header_t, msgh_size, 4);
OFFSET(mach_msg_header_t, msgh_remote_port, 8);
OFFSET(mach_msg_header_t, msgh_local_port, 12);
OFFSET(mach_msg_header_t, msgh_voucher_port, 16);
OFFSET(mach_msg_header_t, msgh_id, 20);

SIZE(mach_msg_body_t, 4);
SIZE(mach_msg_base_t, 28);

/* Descriptors; the first one of a complex message starts at 28. */
SIZE(mach_msg_type_descriptor_t, 12);
SIZE(mach_msg_port_descriptor_t, 12);
OFFSET(mach_msg_port_descriptor_t, name, 0);
SIZE(mach_msg_ool_descriptor_t, 16);
OFFSET(mach_msg_ool_descriptor_t, address, 0);
OFFSET(mach_msg_ool_descriptor_t, size, 12);
SIZE(mach_msg_ool_descriptor32_t, 12);
SIZE(mach_msg_ool_descriptor64_t, 16);
SIZE(mach_msg_ool_ports_descriptor_t, 16);
OFFSET(mach_msg_ool_ports_descriptor_t, address, 0);
OFFSET(mach_msg_ool_ports_descriptor_t, count, 12);
SIZE(mach_msg_ool_ports_descriptor32_t, 12);
SIZE(mach_msg_ool_ports_descriptor64_t, 16);
SIZE(mach_msg_guarded_port_descriptor_t, 16);
OFFSET(mach_msg_guarded_port_descriptor_t, context, 0);
OFFSET(mach_msg_guarded_port_descriptor_t, name, 12);
SIZE(mach_msg_guarded_port_descriptor32_t, 12);
SIZE(mach_msg_guarded_port_descriptor64_t, 16);
SIZE(mach_msg_descriptor_t, 16);

struct complex_msg {
	mach_msg_header_t header;
	mach_msg_body_t body;
	mach_msg_port_descriptor_t port;
	mach_msg_ool_descriptor_t ool;
};
OFFSET(struct complex_msg, port, 28);
OFFSET(struct complex_msg, ool, 40);
SIZE(struct complex_msg, 56);

/* Trailers: 8, 12, 20, 52, 60, 68 bytes. */
SIZE(mach_msg_trailer_t, 8);
SIZE(mach_msg_seqno_trailer_t, 12);
SIZE(mach_msg_security_trailer_t, 20);
SIZE(mach_msg_audit_trailer_t, 52);
SIZE(mach_msg_context_trailer_t, 60);
OFFSET(mach_msg_context_trailer_t, msgh_context, 52);
SIZE(mach_msg_mac_trailer_t, 68);
SIZE(mach_msg_max_trailer_t, 68);
_Static_assert(MAX_TRAILER_SIZE == 68, "MAX_TRAILER_SIZE");
SIZE(security_token_t, 8);
SIZE(audit_token_t, 32);
_Static_assert(REQUESTED_TRAILER_SIZE(0) == 8, "no elements: base trailer");
_Static_assert(REQUESTED_TRAILER_SIZE(
		       MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT)) == 52,
	       "audit trailer");
_Static_assert(REQUESTED_TRAILER_SIZE(
		       MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_CTX)) == 60,
	       "context trailer");

/* Port attributes, counted in natural_t words. */
SIZE(mach_port_status_t, 40);
SIZE(mach_port_limits_t, 4);
SIZE(mach_port_info_ext_t, 68);
_Static_assert(MACH_PORT_RECEIVE_STATUS_COUNT == 10, "status count");
_Static_assert(MACH_PORT_LIMITS_INFO_COUNT == 1, "limits count");
_Static_assert(MACH_PORT_INFO_EXT_COUNT == 17, "info ext count");
_Static_assert(MACH_PORT_GUARD_INFO_COUNT == 2, "guard info count");
SIZE(mach_port_options_t, 24);
OFFSET(mach_port_options_t, mpl, 4);
OFFSET(mach_port_options_t, reserved, 8);
SIZE(mach_port_qos_t, 8);

/* Type bits. */
_Static_assert(MACH_PORT_TYPE_SEND == 0x10000, "TYPE_SEND");
_Static_assert(MACH_PORT_TYPE_RECEIVE == 0x20000, "TYPE_RECEIVE");
_Static_assert(MACH_PORT_TYPE_SEND_ONCE == 0x40000, "TYPE_SEND_ONCE");
_Static_assert(MACH_PORT_TYPE_PORT_SET == 0x80000, "TYPE_PORT_SET");
_Static_assert(MACH_PORT_TYPE_DEAD_NAME == 0x100000, "TYPE_DEAD_NAME");

/* MIG and notifications. */
SIZE(NDR_record_t, 8);
OFFSET(NDR_record_t, int_rep, 4);
SIZE(mig_reply_error_t, 36);
OFFSET(mig_reply_error_t, RetCode, 32);
SIZE(mach_port_deleted_notification_t, 56);
SIZE(mach_send_possible_notification_t, 56);
SIZE(mach_dead_name_notification_t, 56);
OFFSET(mach_dead_name_notification_t, not_port, 32);
SIZE(mach_no_senders_notification_t, 56);
OFFSET(mach_no_senders_notification_t, not_count, 32);
SIZE(mach_port_destroyed_notification_t, 60);
OFFSET(mach_port_destroyed_notification_t, not_port, 28);
SIZE(mach_send_once_notification_t, 44);
_Static_assert(MACH_NOTIFY_PORT_DELETED == 65 &&
		       MACH_NOTIFY_SEND_POSSIBLE == 66 &&
		       MACH_NOTIFY_PORT_DESTROYED == 69 &&
		       MACH_NOTIFY_NO_SENDERS == 70 &&
		       MACH_NOTIFY_SEND_ONCE == 71 &&
		       MACH_NOTIFY_DEAD_NAME == 72,
	       "notification ids");

/* The space table travels through the ioctl as-is. */
SIZE(ipc_info_space_t, 24);
SIZE(ipc_info_name_t, 28);
SIZE(ipc_info_space_basic_t, 24);

/* Host, clocks, semaphores, timers (ABI v3). */
SIZE(host_basic_info_data_t, 48);
OFFSET(host_basic_info_data_t, memory_size, 8);
OFFSET(host_basic_info_data_t, logical_cpu_max, 36);
OFFSET(host_basic_info_data_t, max_mem, 40);
_Static_assert(HOST_BASIC_INFO_COUNT == 12, "HOST_BASIC_INFO_COUNT");
_Static_assert(HOST_SCHED_INFO_COUNT == 2, "HOST_SCHED_INFO_COUNT");
_Static_assert(HOST_PRIORITY_INFO_COUNT == 8, "HOST_PRIORITY_INFO_COUNT");
SIZE(vm_statistics64_data_t, 152);
OFFSET(vm_statistics64_data_t, zero_fill_count, 16);
OFFSET(vm_statistics64_data_t, purgeable_count, 88);
OFFSET(vm_statistics64_data_t, decompressions, 96);
OFFSET(vm_statistics64_data_t, compressor_page_count, 128);
OFFSET(vm_statistics64_data_t, total_uncompressed_pages_in_compressor, 144);
_Static_assert(HOST_VM_INFO64_COUNT == 38, "HOST_VM_INFO64_COUNT");
_Static_assert(HOST_VM_INFO64_COUNT <= MACHINA_INFO_WORDS, "info fits the ioctl");
SIZE(mach_timespec_t, 8);
SIZE(mk_timer_expire_msg_t, 48);
OFFSET(mk_timer_expire_msg_t, unused, 24);
_Static_assert(CPU_TYPE_ARM64 == 0x0100000c && CPU_TYPE_X86_64 == 0x01000007,
	       "cpu types");
_Static_assert(SYNC_POLICY_LIFO == 2 && SYNC_POLICY_MAX == 7, "sync policies");

/* Threads: info and register state, in 32-bit words (mach/thread_act.h). */
SIZE(time_value_t, 8);
SIZE(thread_basic_info_data_t, 40);
OFFSET(thread_basic_info_data_t, cpu_usage, 16);
OFFSET(thread_basic_info_data_t, run_state, 24);
OFFSET(thread_basic_info_data_t, suspend_count, 32);
_Static_assert(THREAD_BASIC_INFO_COUNT == 10, "THREAD_BASIC_INFO_COUNT");
SIZE(thread_identifier_info_data_t, 24);
_Static_assert(THREAD_IDENTIFIER_INFO_COUNT == 6, "THREAD_IDENTIFIER_INFO_COUNT");
SIZE(arm_thread_state64_t, 272);
OFFSET(arm_thread_state64_t, __fp, 232);
OFFSET(arm_thread_state64_t, __sp, 248);
OFFSET(arm_thread_state64_t, __pc, 256);
OFFSET(arm_thread_state64_t, __cpsr, 264);
_Static_assert(ARM_THREAD_STATE64_COUNT == 68, "ARM_THREAD_STATE64_COUNT");
SIZE(x86_thread_state64_t, 168);
OFFSET(x86_thread_state64_t, __rsp, 56);
OFFSET(x86_thread_state64_t, __rip, 128);
OFFSET(x86_thread_state64_t, __gs, 160);
_Static_assert(x86_THREAD_STATE64_COUNT == 42, "x86_THREAD_STATE64_COUNT");

/* Tasks: task_info flavors, counts in 32-bit words, packed to 4 bytes. */
SIZE(mach_task_basic_info_data_t, 48);
OFFSET(mach_task_basic_info_data_t, resident_size, 8);
OFFSET(mach_task_basic_info_data_t, user_time, 24);
OFFSET(mach_task_basic_info_data_t, policy, 40);
OFFSET(mach_task_basic_info_data_t, suspend_count, 44);
_Static_assert(MACH_TASK_BASIC_INFO == 20 && MACH_TASK_BASIC_INFO_COUNT == 12,
	       "MACH_TASK_BASIC_INFO");
#if defined(__aarch64__)
SIZE(task_basic_info_64_data_t, 32);
OFFSET(task_basic_info_64_data_t, user_time, 12);
SIZE(task_basic_info_64_2_data_t, 40);
OFFSET(task_basic_info_64_2_data_t, virtual_size, 4);
OFFSET(task_basic_info_64_2_data_t, policy, 36);
_Static_assert(TASK_BASIC_INFO_64 == 18 && TASK_BASIC_INFO_64_COUNT == 10,
	       "TASK_BASIC_INFO_64 (arm64)");
#else
SIZE(task_basic_info_64_data_t, 40);
OFFSET(task_basic_info_64_data_t, virtual_size, 4);
OFFSET(task_basic_info_64_data_t, user_time, 20);
OFFSET(task_basic_info_64_data_t, policy, 36);
_Static_assert(TASK_BASIC_INFO_64 == 5 && TASK_BASIC_INFO_64_COUNT == 10,
	       "TASK_BASIC_INFO_64 (x86_64)");
#endif
SIZE(task_thread_times_info_data_t, 16);
_Static_assert(TASK_THREAD_TIMES_INFO == 3 && TASK_THREAD_TIMES_INFO_COUNT == 4,
	       "TASK_THREAD_TIMES_INFO");
SIZE(task_events_info_data_t, 32);
OFFSET(task_events_info_data_t, csw, 28);
_Static_assert(TASK_EVENTS_INFO == 2 && TASK_EVENTS_INFO_COUNT == 8, "TASK_EVENTS_INFO");
_Static_assert(TASK_AUDIT_TOKEN == 15 && TASK_AUDIT_TOKEN_COUNT == 8, "TASK_AUDIT_TOKEN");
_Static_assert(TASK_KERNEL_PORT == 1 && TASK_HOST_PORT == 2 && TASK_NAME_PORT == 3 &&
		       TASK_BOOTSTRAP_PORT == 4 && TASK_INSPECT_PORT == 5 &&
		       TASK_READ_PORT == 6 && TASK_ACCESS_PORT == 9,
	       "task special ports");
_Static_assert(EXC_TYPES_COUNT == MACHINA_EXC_TYPES_COUNT, "EXC_TYPES_COUNT");
_Static_assert(EXC_MASK_ALL == 0x1bfe, "EXC_MASK_ALL");

/* Mach VM inspection: vm_region.h, task_info.h (pack 4, counts in words). */
SIZE(vm_region_basic_info_data_64_t, 36);
SIZE(vm_region_basic_info_data_t, 32);
SIZE(vm_region_extended_info_data_t, 36);
SIZE(vm_region_top_info_data_t, 20);
SIZE(vm_region_submap_info_data_64_t, 76);
OFFSET(vm_region_submap_info_data_64_t, pages_reusable, 64);
OFFSET(vm_region_submap_info_data_64_t, object_id_full, 68);
SIZE(vm_region_submap_short_info_data_64_t, 48);
SIZE(vm_page_info_basic_data_t, 32);
_Static_assert(VM_REGION_SUBMAP_INFO_COUNT_64 == 19 &&
		       VM_REGION_SUBMAP_INFO_V1_COUNT_64 == 17 &&
		       VM_REGION_SUBMAP_INFO_V0_COUNT_64 == 16 &&
		       VM_REGION_SUBMAP_SHORT_INFO_COUNT_64 == 12,
	       "submap info counts");
_Static_assert(VM_REGION_EXTENDED_INFO_COUNT == 9 &&
		       VM_REGION_TOP_INFO_COUNT == 5 &&
		       VM_REGION_BASIC_INFO_COUNT == 8 &&
		       VM_PAGE_INFO_BASIC_COUNT == 8,
	       "region info counts");
SIZE(task_vm_info_data_t, 93 * 4);
OFFSET(task_vm_info_data_t, phys_footprint, 144);
OFFSET(task_vm_info_data_t, min_address, 152);
OFFSET(task_vm_info_data_t, ledger_phys_footprint_peak, 168);
OFFSET(task_vm_info_data_t, limit_bytes_remaining, 336);
OFFSET(task_vm_info_data_t, ledger_swapins, 348);
_Static_assert(TASK_VM_INFO_REV0_COUNT == 36 && TASK_VM_INFO_REV1_COUNT == 38 &&
		       TASK_VM_INFO_REV2_COUNT == 42 && TASK_VM_INFO_REV3_COUNT == 84 &&
		       TASK_VM_INFO_REV4_COUNT == 86 && TASK_VM_INFO_REV5_COUNT == 87 &&
		       TASK_VM_INFO_REV6_COUNT == 89 && TASK_VM_INFO_COUNT == 93,
	       "TASK_VM_INFO revisions");
