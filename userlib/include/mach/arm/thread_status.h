/*
 * <mach/arm/thread_status.h>: the arm64 register state of
 * thread_get_state() / thread_set_state() (ARM_THREAD_STATE64).
 * Usable on any architecture; <mach/thread_status.h> picks the machine's.
 */
#ifndef _MACH_ARM_THREAD_STATUS_H_
#define _MACH_ARM_THREAD_STATUS_H_

#include <stdint.h>
#include <mach/message.h>

#define ARM_THREAD_STATE64	6

struct __darwin_arm_thread_state64 {
	uint64_t __x[29];	/* x0..x28 */
	uint64_t __fp;		/* x29 */
	uint64_t __lr;		/* x30 */
	uint64_t __sp;
	uint64_t __pc;
	uint32_t __cpsr;	/* only NZCV can be changed */
	uint32_t __pad;		/* pointer-authentication flags on Darwin; 0 */
};
typedef struct __darwin_arm_thread_state64 arm_thread_state64_t;

#define ARM_THREAD_STATE64_COUNT					\
	((mach_msg_type_number_t)(sizeof(arm_thread_state64_t) /	\
				  sizeof(uint32_t)))

/* Darwin's accessors (no pointer authentication here). */
#define arm_thread_state64_get_pc(ts)		((ts).__pc)
#define arm_thread_state64_get_lr(ts)		((ts).__lr)
#define arm_thread_state64_get_sp(ts)		((ts).__sp)
#define arm_thread_state64_get_fp(ts)		((ts).__fp)
#define arm_thread_state64_set_pc_fptr(ts, fptr) \
	((void)((ts).__pc = (uint64_t)(uintptr_t)(fptr)))
#define arm_thread_state64_set_lr_fptr(ts, fptr) \
	((void)((ts).__lr = (uint64_t)(uintptr_t)(fptr)))
#define arm_thread_state64_set_sp(ts, ptr) \
	((void)((ts).__sp = (uint64_t)(uintptr_t)(ptr)))
#define arm_thread_state64_set_fp(ts, ptr) \
	((void)((ts).__fp = (uint64_t)(uintptr_t)(ptr)))

#define ARM_THREAD_STATE_MAX	1296

#endif /* _MACH_ARM_THREAD_STATUS_H_ */
