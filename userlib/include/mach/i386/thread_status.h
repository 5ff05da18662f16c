/*
 * <mach/i386/thread_status.h>: the x86_64 register state of
 * thread_get_state() / thread_set_state() (x86_THREAD_STATE64).
 * Usable on any architecture; <mach/thread_status.h> picks the machine's.
 */
#ifndef _MACH_I386_THREAD_STATUS_H_
#define _MACH_I386_THREAD_STATUS_H_

#include <stdint.h>
#include <mach/message.h>

#define x86_THREAD_STATE64	4

struct __darwin_x86_thread_state64 {
	uint64_t __rax, __rbx, __rcx, __rdx;
	uint64_t __rdi, __rsi, __rbp, __rsp;
	uint64_t __r8, __r9, __r10, __r11;
	uint64_t __r12, __r13, __r14, __r15;
	uint64_t __rip;
	uint64_t __rflags;	/* only the arithmetic flags can be changed */
	uint64_t __cs;		/* must stay as read */
	uint64_t __fs;		/* 0 */
	uint64_t __gs;		/* 0 */
};
typedef struct __darwin_x86_thread_state64 x86_thread_state64_t;

#define x86_THREAD_STATE64_COUNT					\
	((mach_msg_type_number_t)(sizeof(x86_thread_state64_t) /	\
				  sizeof(int)))

#define I386_THREAD_STATE_MAX	614

#endif /* _MACH_I386_THREAD_STATUS_H_ */
