/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's calls, as the ioctl dispatcher (and later the XNU trap table)
 * reaches them.
 *
 * A handler receives the caller's task (NULL for calls flagged
 * MACHINA_CALL_NO_TASK) and a kernel copy of the argument structure: the
 * dispatcher has already checked the size, copied the structure in, and will
 * copy it out when the handler returns a non-negative value.  A handler
 * checks the fields it owns (flags, reserved) and returns a negative errno
 * for a malformed request or a non-negative Mach status otherwise.
 */
#ifndef _MACHINA_CALLS_H
#define _MACHINA_CALLS_H

#include <linux/types.h>

#include "uapi/machina.h"

struct machina_task;

/* Largest argument structure any call takes; checked at build time. */
#define MACHINA_CALL_ARG_MAX	256

/* The call works without (and must not create) the caller's task state. */
#define MACHINA_CALL_NO_TASK	(1U << 0)

typedef long (*machina_call_fn)(struct machina_task *task, void *arg);

long machina_call_handshake(struct machina_task *task, void *arg);
long machina_call_task_identity(struct machina_task *task, void *arg);
long machina_call_wait_until(struct machina_task *task, void *arg);
long machina_call_task_self(struct machina_task *task, void *arg);
long machina_call_reply_port(struct machina_task *task, void *arg);
long machina_call_port_allocate(struct machina_task *task, void *arg);
long machina_call_port_allocate_name(struct machina_task *task, void *arg);
long machina_call_port_construct(struct machina_task *task, void *arg);
long machina_call_port_destruct(struct machina_task *task, void *arg);
long machina_call_port_deallocate(struct machina_task *task, void *arg);
long machina_call_port_destroy(struct machina_task *task, void *arg);
long machina_call_port_mod_refs(struct machina_task *task, void *arg);
long machina_call_port_get_refs(struct machina_task *task, void *arg);
long machina_call_port_type(struct machina_task *task, void *arg);
long machina_call_port_insert_right(struct machina_task *task, void *arg);
long machina_call_port_extract_right(struct machina_task *task, void *arg);
long machina_call_port_move_member(struct machina_task *task, void *arg);
long machina_call_port_insert_member(struct machina_task *task, void *arg);
long machina_call_port_extract_member(struct machina_task *task, void *arg);
long machina_call_port_set_mscount(struct machina_task *task, void *arg);
long machina_call_port_set_seqno(struct machina_task *task, void *arg);
long machina_call_port_get_context(struct machina_task *task, void *arg);
long machina_call_port_set_context(struct machina_task *task, void *arg);
long machina_call_port_guard(struct machina_task *task, void *arg);
long machina_call_port_unguard(struct machina_task *task, void *arg);
long machina_call_port_request_notification(struct machina_task *task, void *arg);
long machina_call_port_get_attributes(struct machina_task *task, void *arg);
long machina_call_port_set_attributes(struct machina_task *task, void *arg);
long machina_call_port_names(struct machina_task *task, void *arg);
long machina_call_port_get_set_status(struct machina_task *task, void *arg);
long machina_call_port_peek(struct machina_task *task, void *arg);
long machina_call_port_space_info(struct machina_task *task, void *arg);
long machina_call_msg(struct machina_task *task, void *arg);
long machina_call_port_fd(struct machina_task *task, void *arg);
long machina_call_port_from_fd(struct machina_task *task, void *arg);
long machina_call_task_for_pid(struct machina_task *task, void *arg);
long machina_call_pid_for_task(struct machina_task *task, void *arg);
long machina_call_task_info(struct machina_task *task, void *arg);
long machina_call_task_threads(struct machina_task *task, void *arg);
long machina_call_task_suspend(struct machina_task *task, void *arg);
long machina_call_task_resume(struct machina_task *task, void *arg);
long machina_call_task_get_special_port(struct machina_task *task, void *arg);
long machina_call_task_set_special_port(struct machina_task *task, void *arg);
long machina_call_task_get_exception_ports(struct machina_task *task, void *arg);
long machina_call_task_set_exception_ports(struct machina_task *task, void *arg);
long machina_call_task_swap_exception_ports(struct machina_task *task, void *arg);
long machina_call_thread_set_exception_ports(struct machina_task *task, void *arg);
long machina_call_thread_get_exception_ports(struct machina_task *task, void *arg);
long machina_call_thread_swap_exception_ports(struct machina_task *task, void *arg);
long machina_call_host_set_exception_ports(struct machina_task *task, void *arg);
long machina_call_host_get_exception_ports(struct machina_task *task, void *arg);
long machina_call_host_swap_exception_ports(struct machina_task *task, void *arg);
long machina_call_host_get_special_port(struct machina_task *task, void *arg);
long machina_call_thread_self(struct machina_task *task, void *arg);
long machina_call_thread_get_special_reply_port(struct machina_task *task, void *arg);
long machina_call_thread_info(struct machina_task *task, void *arg);
long machina_call_thread_suspend(struct machina_task *task, void *arg);
long machina_call_thread_resume(struct machina_task *task, void *arg);
long machina_call_thread_get_state(struct machina_task *task, void *arg);
long machina_call_thread_set_state(struct machina_task *task, void *arg);
long machina_call_thread_terminate(struct machina_task *task, void *arg);
long machina_call_thread_depress_abort(struct machina_task *task, void *arg);
long machina_call_thread_abort(struct machina_task *task, void *arg);
long machina_call_switch_ioctl(struct machina_task *task, void *arg);
long machina_call_host_self(struct machina_task *task, void *arg);
long machina_call_host_info(struct machina_task *task, void *arg);
long machina_call_host_statistics64(struct machina_task *task, void *arg);
long machina_call_host_get_clock_service(struct machina_task *task, void *arg);
long machina_call_clock_get_time(struct machina_task *task, void *arg);
long machina_call_semaphore_create(struct machina_task *task, void *arg);
long machina_call_semaphore_destroy(struct machina_task *task, void *arg);
long machina_call_semaphore_signal(struct machina_task *task, void *arg);
long machina_call_semaphore_signal_all(struct machina_task *task, void *arg);
long machina_call_semaphore_signal_thread(struct machina_task *task, void *arg);
long machina_call_semaphore_wait(struct machina_task *task, void *arg);
long machina_call_semaphore_timedwait(struct machina_task *task, void *arg);
long machina_call_semaphore_wait_signal(struct machina_task *task, void *arg);
long machina_call_semaphore_timedwait_signal(struct machina_task *task, void *arg);
long machina_call_mk_timer_create(struct machina_task *task, void *arg);
long machina_call_mk_timer_destroy(struct machina_task *task, void *arg);
long machina_call_mk_timer_arm(struct machina_task *task, void *arg);
long machina_call_mk_timer_cancel(struct machina_task *task, void *arg);
long machina_call_vm_allocate(struct machina_task *task, void *arg);
long machina_call_vm_deallocate(struct machina_task *task, void *arg);
long machina_call_vm_protect(struct machina_task *task, void *arg);
long machina_call_vm_inherit(struct machina_task *task, void *arg);
long machina_call_vm_behavior_set(struct machina_task *task, void *arg);
long machina_call_vm_read(struct machina_task *task, void *arg);
long machina_call_vm_read_overwrite(struct machina_task *task, void *arg);
long machina_call_vm_write(struct machina_task *task, void *arg);
long machina_call_vm_region(struct machina_task *task, void *arg);
long machina_call_vm_region_recurse(struct machina_task *task, void *arg);
long machina_call_vm_page_query(struct machina_task *task, void *arg);
long machina_call_task_vm_info(struct machina_task *task, void *arg);
long machina_call_vm_msync(struct machina_task *task, void *arg);
long machina_call_make_memory_entry(struct machina_task *task, void *arg);
long machina_call_vm_map(struct machina_task *task, void *arg);
long machina_call_vm_remap(struct machina_task *task, void *arg);
long machina_call_thread_policy_set(struct machina_task *task, void *arg);
long machina_call_thread_policy_get(struct machina_task *task, void *arg);
long machina_call_thread_qos(struct machina_task *task, void *arg);
long machina_call_task_policy_set(struct machina_task *task, void *arg);
long machina_call_task_policy_get(struct machina_task *task, void *arg);
long machina_call_vm_purgable_control(struct machina_task *task, void *arg);
long machina_call_memory_entry_purgable_control(struct machina_task *task,
						void *arg);
long machina_call_traps_enable(struct machina_task *task, void *arg);

/* Calls reached only through a Mach trap (trap_table.c), and their arguments. */
struct machina_trap_timebase {
	struct {
		u32 numer;
		u32 denom;
	} info;			/* mach_timebase_info_data_t */
};

/*
 * mach_msg2_trap: mach_msg's call plus what its data vectors
 * (MACH64_MSG_VECTOR) add; msg2_prep() fills it from the registers and
 * the caller's vectors, already checked as XNU checks them.
 */
struct machina_trap_msg2 {
	struct machina_msg msg;
	u64 aux_send_addr;	/* the aux vector sent, when aux_send_size */
	u64 aux_rcv_addr;	/* the aux buffer, when aux_rcv_size */
	u32 aux_send_size;	/* 0: no aux data sent */
	u32 aux_rcv_size;	/* 0: no aux buffer */
	u32 vector;		/* MACH64_MSG_VECTOR given */
	s32 rcv_error;		/* a bad receive vector: the status of the
				 * receive, once the send (if any) is done */
};

long machina_call_msg2(struct machina_task *task, void *arg);
int machina_msg_send_size_check(u32 send_size);
long machina_call_swtch(struct machina_task *task, void *arg);
long machina_call_swtch_pri(struct machina_task *task, void *arg);
long machina_call_thread_switch(struct machina_task *task, void *arg);
long machina_call_timebase_info(struct machina_task *task, void *arg);

long machina_dispatch_ioctl(unsigned int cmd, void __user *uarg);

#endif /* _MACHINA_CALLS_H */
