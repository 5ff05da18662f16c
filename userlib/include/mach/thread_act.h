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

#ifdef __cplusplus
}
#endif

#endif /* _MACH_THREAD_ACT_H_ */
