/*
 * <mach/thread_act.h>: calls on a thread (a thread port); the task calls
 * on all of a task's threads are in <mach/task.h>.
 *
 * Machina's differences (docs/libmach.md): thread_get_state and
 * thread_set_state need a suspended thread (else KERN_FAILURE);
 * thread_terminate ends threads of the caller's own process only (libmach
 * reserves SIGRTMAX for the others); a thread of another process:
 * KERN_NOT_SUPPORTED.
 */
#ifndef _MACH_THREAD_ACT_H_
#define _MACH_THREAD_ACT_H_

#include <mach/exception_types.h>
#include <mach/kern_return.h>
#include <mach/mach_types.h>
#include <mach/message.h>
#include <mach/thread_info.h>
#include <mach/thread_policy.h>
#include <mach/thread_status.h>

#ifdef __cplusplus
extern "C" {
#endif

extern kern_return_t thread_terminate(thread_act_t target_act);
extern kern_return_t thread_get_state(thread_read_t target_act,
				      thread_state_flavor_t flavor,
				      thread_state_t old_state,
				      mach_msg_type_number_t *old_stateCnt);
extern kern_return_t thread_set_state(thread_act_t target_act,
				      thread_state_flavor_t flavor,
				      thread_state_t new_state,
				      mach_msg_type_number_t new_stateCnt);
extern kern_return_t thread_suspend(thread_read_t target_act);
extern kern_return_t thread_resume(thread_read_t target_act);
extern kern_return_t thread_depress_abort(thread_act_t thread);
/*
 * End the thread's interruptible waits (mach_msg: MACH_SEND_INTERRUPTED /
 * MACH_RCV_INTERRUPTED, which mach_msg restarts unless MACH_SEND_INTERRUPT /
 * MACH_RCV_INTERRUPT is set; semaphore waits: KERN_ABORTED), the one it is
 * in and any it begins before it returns from the kernel, and its
 * thread_switch / swtch_pri depression.  A thread not waiting only passes
 * through it.  Both are the same on Machina (every wait is a safe point).
 * Module ABI 8.
 */
extern kern_return_t thread_abort(thread_act_t target_act);
extern kern_return_t thread_abort_safely(thread_act_t target_act);
extern kern_return_t thread_info(thread_inspect_t target_act,
				 thread_flavor_t flavor,
				 thread_info_t thread_info_out,
				 mach_msg_type_number_t *thread_info_outCnt);
extern kern_return_t thread_policy_set(thread_act_t thread,
				       thread_policy_flavor_t flavor,
				       thread_policy_t policy_info,
				       mach_msg_type_number_t policy_infoCnt);
extern kern_return_t thread_policy_get(thread_inspect_t thread,
				       thread_policy_flavor_t flavor,
				       thread_policy_t policy_info,
				       mach_msg_type_number_t *policy_infoCnt,
				       boolean_t *get_default);

/*
 * A thread's own exception ports, tried before its task's (as
 * task_set/get/swap_exception_ports in <mach/task.h>).  A thread that never
 * had any reports no entry.  They go when the thread exits or execs.
 */
extern kern_return_t thread_set_exception_ports(thread_act_t thread,
						exception_mask_t exception_mask,
						mach_port_t new_port,
						exception_behavior_t behavior,
						thread_state_flavor_t new_flavor);
extern kern_return_t thread_get_exception_ports(thread_act_t thread,
						exception_mask_t exception_mask,
						exception_mask_array_t masks,
						mach_msg_type_number_t *masksCnt,
						exception_handler_array_t old_handlers,
						exception_behavior_array_t old_behaviors,
						exception_flavor_array_t old_flavors);
extern kern_return_t thread_swap_exception_ports(thread_act_t thread,
						 exception_mask_t exception_mask,
						 mach_port_t new_port,
						 exception_behavior_t behavior,
						 thread_state_flavor_t new_flavor,
						 exception_mask_array_t masks,
						 mach_msg_type_number_t *masksCnt,
						 exception_handler_array_t old_handlers,
						 exception_behavior_array_t old_behaviors,
						 exception_flavor_array_t old_flavors);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_THREAD_ACT_H_ */
