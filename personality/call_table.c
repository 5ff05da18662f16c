// SPDX-License-Identifier: GPL-2.0
/*
 * The call table: one row per ioctl, and the dispatcher that validates a
 * request against its row before the handler sees it.
 *
 * The rows are listed once, in MACHINA_CALLS, in call-number order.  The
 * build fails if a row is missing, duplicated or out of order with respect to
 * enum machina_call_nr in the uAPI, or if its handler does not exist.
 */
#include <linux/build_bug.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "mach/kern_return.h"
#include "mach/task.h"
#include "personality/calls.h"
#include "personality/trap.h"
#include "uapi/machina.h"

/*
 *	  NR name,	  handler suffix, argument struct,	  flags
 * GAP(first, last): numbers given to calls of other branches that are not
 * here (no row: -ENOTTY); shrink it when one of them comes.
 */
#define MACHINA_CALLS(X, GAP)						\
	X(HANDSHAKE,	  handshake,	  machina_handshake,	  MACHINA_CALL_NO_TASK) \
	X(TASK_IDENTITY,  task_identity,  machina_task_identity,  0)	\
	X(WAIT_UNTIL,	  wait_until,	  machina_wait_until,	  0)	\
	X(TASK_SELF, task_self, machina_name_out, 0)	\
	X(REPLY_PORT, reply_port, machina_name_out, 0)	\
	X(PORT_ALLOCATE, port_allocate, machina_port_args, 0)	\
	X(PORT_ALLOCATE_NAME, port_allocate_name, machina_port_args, 0)	\
	X(PORT_CONSTRUCT, port_construct, machina_port_construct, 0)	\
	X(PORT_DESTRUCT, port_destruct, machina_port_args, 0)	\
	X(PORT_DEALLOCATE, port_deallocate, machina_port_args, 0)	\
	X(PORT_DESTROY, port_destroy, machina_port_args, 0)	\
	X(PORT_MOD_REFS, port_mod_refs, machina_port_args, 0)	\
	X(PORT_GET_REFS, port_get_refs, machina_port_args, 0)	\
	X(PORT_TYPE, port_type, machina_port_args, 0)	\
	X(PORT_INSERT_RIGHT, port_insert_right, machina_port_args, 0)	\
	X(PORT_EXTRACT_RIGHT, port_extract_right, machina_port_args, 0)	\
	X(PORT_MOVE_MEMBER, port_move_member, machina_port_args, 0)	\
	X(PORT_INSERT_MEMBER, port_insert_member, machina_port_args, 0)	\
	X(PORT_EXTRACT_MEMBER, port_extract_member, machina_port_args, 0)	\
	X(PORT_SET_MSCOUNT, port_set_mscount, machina_port_args, 0)	\
	X(PORT_SET_SEQNO, port_set_seqno, machina_port_args, 0)	\
	X(PORT_GET_CONTEXT, port_get_context, machina_port_args, 0)	\
	X(PORT_SET_CONTEXT, port_set_context, machina_port_args, 0)	\
	X(PORT_GUARD, port_guard, machina_port_args, 0)	\
	X(PORT_UNGUARD, port_unguard, machina_port_args, 0)	\
	X(PORT_REQUEST_NOTIFICATION, port_request_notification, machina_port_notify, 0)	\
	X(PORT_GET_ATTRIBUTES, port_get_attributes, machina_port_attr, 0)	\
	X(PORT_SET_ATTRIBUTES, port_set_attributes, machina_port_attr, 0)	\
	X(PORT_NAMES, port_names, machina_port_names, 0)	\
	X(PORT_GET_SET_STATUS, port_get_set_status, machina_port_names, 0)	\
	X(PORT_PEEK, port_peek, machina_port_peek, 0)	\
	X(PORT_SPACE_INFO, port_space_info, machina_space_info, 0)	\
	X(MSG, msg, machina_msg, 0)	\
	X(PORT_FD, port_fd, machina_port_fd, 0)	\
	X(PORT_FROM_FD, port_from_fd, machina_port_fd, 0)	\
	X(TASK_FOR_PID, task_for_pid, machina_task_for_pid, 0)	\
	X(PID_FOR_TASK, pid_for_task, machina_port_args, 0)	\
	X(TASK_INFO, task_info, machina_info, 0)	\
	X(TASK_THREADS, task_threads, machina_port_names, 0)	\
	X(TASK_SUSPEND, task_suspend, machina_port_args, 0)	\
	X(TASK_RESUME, task_resume, machina_port_args, 0)	\
	X(TASK_GET_SPECIAL_PORT, task_get_special_port, machina_port_args, 0)	\
	X(TASK_SET_SPECIAL_PORT, task_set_special_port, machina_port_args, 0)	\
	X(TASK_GET_EXCEPTION_PORTS, task_get_exception_ports, machina_exception_ports, 0)	\
	X(TASK_SET_EXCEPTION_PORTS, task_set_exception_ports, machina_exception_ports, 0)	\
	X(THREAD_SELF, thread_self, machina_name_out, 0)	\
	X(THREAD_INFO, thread_info, machina_info, 0)	\
	X(THREAD_SUSPEND, thread_suspend, machina_port_args, 0)	\
	X(THREAD_RESUME, thread_resume, machina_port_args, 0)	\
	X(THREAD_GET_STATE, thread_get_state, machina_thread_state, 0)	\
	X(THREAD_SET_STATE, thread_set_state, machina_thread_state, 0)	\
	X(THREAD_TERMINATE, thread_terminate, machina_port_args, 0)	\
	X(HOST_SELF, host_self, machina_name_out, 0)	\
	X(HOST_INFO, host_info, machina_info, 0)	\
	X(HOST_STATISTICS64, host_statistics64, machina_info, 0)	\
	X(HOST_GET_CLOCK_SERVICE, host_get_clock_service, machina_port_args, 0)	\
	X(CLOCK_GET_TIME, clock_get_time, machina_port_args, 0)	\
	X(SEMAPHORE_CREATE, semaphore_create, machina_port_args, 0)	\
	X(SEMAPHORE_DESTROY, semaphore_destroy, machina_port_args, 0)	\
	X(SEMAPHORE_SIGNAL, semaphore_signal, machina_semaphore_args, 0)	\
	X(SEMAPHORE_SIGNAL_ALL, semaphore_signal_all, machina_semaphore_args, 0)	\
	X(SEMAPHORE_SIGNAL_THREAD, semaphore_signal_thread, machina_semaphore_args, 0)	\
	X(SEMAPHORE_WAIT, semaphore_wait, machina_semaphore_args, 0)	\
	X(SEMAPHORE_TIMEDWAIT, semaphore_timedwait, machina_semaphore_args, 0)	\
	X(SEMAPHORE_WAIT_SIGNAL, semaphore_wait_signal, machina_semaphore_args, 0)	\
	X(SEMAPHORE_TIMEDWAIT_SIGNAL, semaphore_timedwait_signal, machina_semaphore_args, 0)	\
	X(MK_TIMER_CREATE, mk_timer_create, machina_name_out, 0)	\
	X(MK_TIMER_DESTROY, mk_timer_destroy, machina_port_args, 0)	\
	X(MK_TIMER_ARM, mk_timer_arm, machina_port_args, 0)	\
	X(MK_TIMER_CANCEL, mk_timer_cancel, machina_port_args, 0)	\
	X(VM_ALLOCATE, vm_allocate, machina_vm_args, 0)	\
	X(VM_DEALLOCATE, vm_deallocate, machina_vm_args, 0)	\
	X(VM_PROTECT, vm_protect, machina_vm_args, 0)	\
	X(VM_READ, vm_read, machina_vm_args, 0)	\
	X(VM_READ_OVERWRITE, vm_read_overwrite, machina_vm_args, 0)	\
	X(VM_WRITE, vm_write, machina_vm_args, 0)	\
	X(VM_REGION, vm_region, machina_vm_region, 0)	\
	X(VM_INHERIT, vm_inherit, machina_vm_args, 0)	\
	X(VM_REGION_RECURSE, vm_region_recurse, machina_vm_region_recurse, 0)	\
	X(VM_PAGE_QUERY, vm_page_query, machina_vm_page_query, 0)	\
	X(TASK_VM_INFO, task_vm_info, machina_task_vm_info, 0)	\
	X(VM_MSYNC, vm_msync, machina_vm_args, 0)	\
	X(THREAD_POLICY_SET, thread_policy_set, machina_thread_policy, 0)	\
	X(THREAD_POLICY_GET, thread_policy_get, machina_thread_policy, 0)	\
	X(THREAD_QOS, thread_qos, machina_thread_qos, 0)	\
	X(TRAPS_ENABLE, traps_enable, machina_traps_enable, 0)	\
	X(VM_BEHAVIOR_SET, vm_behavior_set, machina_vm_args, 0)	\
	X(MAKE_MEMORY_ENTRY, make_memory_entry, machina_memory_entry, 0)	\
	X(VM_MAP, vm_map, machina_vm_map, 0)	\
	X(VM_REMAP, vm_remap, machina_vm_remap, 0)	\
	X(TASK_POLICY_SET, task_policy_set, machina_thread_policy, 0)	\
	X(TASK_POLICY_GET, task_policy_get, machina_thread_policy, 0)	\
	X(VM_PURGABLE_CONTROL, vm_purgable_control, machina_vm_args, 0)	\
	X(MEMORY_ENTRY_PURGABLE_CONTROL, memory_entry_purgable_control, machina_vm_args, 0)	\
	X(THREAD_GET_SPECIAL_REPLY_PORT, thread_get_special_reply_port, machina_name_out, 0)	\
	X(THREAD_DEPRESS_ABORT, thread_depress_abort, machina_port_args, 0)	\
	X(THREAD_ABORT, thread_abort, machina_port_args, 0)	\
	X(THREAD_SWITCH, switch_ioctl, machina_thread_switch, 0)	\
	GAP(98, 103)	\
	X(THREAD_SET_EXCEPTION_PORTS, thread_set_exception_ports, machina_exception_ports, 0)	\
	X(THREAD_GET_EXCEPTION_PORTS, thread_get_exception_ports, machina_exception_ports, 0)	\
	X(THREAD_SWAP_EXCEPTION_PORTS, thread_swap_exception_ports, machina_exception_ports, 0)	\
	X(TASK_SWAP_EXCEPTION_PORTS, task_swap_exception_ports, machina_exception_ports, 0)	\
	X(HOST_SET_EXCEPTION_PORTS, host_set_exception_ports, machina_exception_ports, 0)	\
	X(HOST_GET_EXCEPTION_PORTS, host_get_exception_ports, machina_exception_ports, 0)	\
	X(HOST_SWAP_EXCEPTION_PORTS, host_swap_exception_ports, machina_exception_ports, 0)	\
	X(HOST_GET_SPECIAL_PORT, host_get_special_port, machina_port_args, 0)

struct machina_call {
	unsigned int cmd;
	const char *name;
	machina_call_fn handler;
	u16 size;
	u16 flags;
};

#define CALL_ROW(NR, fn, type, fl)					\
	[MACHINA_NR_##NR] = {						\
		.cmd = MACHINA_IOC_##NR,				\
		.name = #fn,						\
		.handler = machina_call_##fn,				\
		.size = sizeof(struct type),				\
		.flags = (fl),						\
	},
#define CALL_NO_ROW(first, last)
static const struct machina_call machina_calls[] = {
	MACHINA_CALLS(CALL_ROW, CALL_NO_ROW)
};

/* Row positions, to prove the list matches the uAPI numbering. */
#define CALL_POSITION(NR, fn, type, fl) CALL_POS_##NR,
#define CALL_GAP_POSITION(first, last)					\
	CALL_GAP_##first, CALL_GAP_END_##first = CALL_GAP_##first + (last) - (first),
enum { MACHINA_CALLS(CALL_POSITION, CALL_GAP_POSITION) CALL_ROWS };

#define CALL_CHECK(NR, fn, type, fl)					\
	static_assert((int)CALL_POS_##NR == (int)MACHINA_NR_##NR,			\
		      "call " #NR " is out of order");			\
	static_assert(sizeof(struct type) <= MACHINA_CALL_ARG_MAX,	\
		      "argument of " #NR " is too large");		\
	static_assert(sizeof(struct type) % 8 == 0,			\
		      "argument of " #NR " is not padded to 8 bytes");	\
	static_assert(_IOC_SIZE(MACHINA_IOC_##NR) == sizeof(struct type), \
		      "ioctl number of " #NR " encodes the wrong size");
#define CALL_GAP_CHECK(first, last)					\
	static_assert((int)CALL_GAP_##first == (first), "gap " #first " is out of order");
MACHINA_CALLS(CALL_CHECK, CALL_GAP_CHECK)
static_assert((int)CALL_ROWS == (int)MACHINA_NR_COUNT, "call table is incomplete");
static_assert(ARRAY_SIZE(machina_calls) == MACHINA_NR_COUNT,
	      "call table has holes");

/*
 * machina_call_handshake - report the ABI and features; creates no state
 */
long machina_call_handshake(struct machina_task *task, void *arg)
{
	struct machina_handshake *hs = arg;

	if (hs->flags || memchr_inv(hs->reserved, 0, sizeof(hs->reserved)))
		return -EINVAL;
	hs->abi_version = MACHINA_ABI_VERSION;
	hs->abi_min = MACHINA_ABI_MIN;
	hs->features = MACHINA_FEATURE_TASK_STATE | MACHINA_FEATURE_CLOCK |
		       MACHINA_FEATURE_IPC | MACHINA_FEATURE_KOBJECTS |
		       MACHINA_FEATURE_VM | machina_trap_features();
	hs->page_size = PAGE_SIZE;
	hs->call_count = MACHINA_NR_COUNT;
	return KERN_SUCCESS;
}

/*
 * copy_out - return the argument structure to the caller
 * A caller that passed a larger structure gets its unknown tail zeroed, so no
 * stale user bytes read back as module output.
 */
static int copy_out(void __user *uarg, size_t usize, const void *karg,
		    size_t ksize)
{
	if (copy_to_user(uarg, karg, ksize))
		return -EFAULT;
	if (usize > ksize && clear_user(uarg + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}

/*
 * machina_dispatch_ioctl - validate and run one call
 * Conditions: process context, no locks held; may sleep.
 * Returns: -ENOTTY for a number that is not ours (wrong type, number or
 * direction), -EINVAL for a short argument, -E2BIG for a longer one whose
 * extra bytes are not zero, -EFAULT for an unreadable or unwritable argument,
 * -ENOMEM if the task state cannot be made; otherwise what the handler
 * returns.
 */
long machina_dispatch_ioctl(unsigned int cmd, void __user *uarg)
{
	u64 karg[MACHINA_CALL_ARG_MAX / sizeof(u64)];
	const struct machina_call *call;
	struct machina_task *task = NULL;
	unsigned int nr = _IOC_NR(cmd);
	size_t usize = _IOC_SIZE(cmd);
	long ret;
	int err;

	if (_IOC_TYPE(cmd) != MACHINA_IOC_MAGIC || nr >= MACHINA_NR_COUNT)
		return -ENOTTY;
	call = &machina_calls[array_index_nospec(nr, MACHINA_NR_COUNT)];
	if (!call->handler || _IOC_DIR(cmd) != _IOC_DIR(call->cmd))
		return -ENOTTY;
	if (usize < call->size)
		return -EINVAL;

	if (_IOC_DIR(cmd) & _IOC_WRITE) {
		err = copy_struct_from_user(karg, call->size, uarg, usize);
		if (err)
			return err;
	} else {
		memset(karg, 0, call->size);
	}

	if (!(call->flags & MACHINA_CALL_NO_TASK)) {
		task = machina_task_current();
		if (IS_ERR(task))
			return PTR_ERR(task);
	}

	ret = call->handler(task, karg);
	machina_task_put(task);

	if (ret >= 0 && (_IOC_DIR(cmd) & _IOC_READ)) {
		err = copy_out(uarg, usize, karg, call->size);
		if (err)
			return err;
	}
	return ret;
}
