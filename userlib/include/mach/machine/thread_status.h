/*
 * <mach/machine/thread_status.h>: the register state of this machine.
 * MACHINE_THREAD_STATE is the flavor thread_get_state() serves here; other
 * machines have none (every flavor is KERN_INVALID_ARGUMENT).
 */
#ifndef _MACH_MACHINE_THREAD_STATUS_H_
#define _MACH_MACHINE_THREAD_STATUS_H_

#if defined(__aarch64__)
#include <mach/arm/thread_status.h>
#define MACHINE_THREAD_STATE		ARM_THREAD_STATE64
#define MACHINE_THREAD_STATE_COUNT	ARM_THREAD_STATE64_COUNT
#define THREAD_MACHINE_STATE_MAX	ARM_THREAD_STATE_MAX
#elif defined(__x86_64__)
#include <mach/i386/thread_status.h>
#define MACHINE_THREAD_STATE		x86_THREAD_STATE64
#define MACHINE_THREAD_STATE_COUNT	x86_THREAD_STATE64_COUNT
#define THREAD_MACHINE_STATE_MAX	I386_THREAD_STATE_MAX
#else
#define THREAD_MACHINE_STATE_MAX	1296
#endif

#endif /* _MACH_MACHINE_THREAD_STATUS_H_ */
