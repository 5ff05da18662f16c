/*
 * <mach/mk_timer.h>: kernel timers delivered as messages.
 *
 * mk_timer_create() returns a receive right; at each armed deadline (in
 * mach_absolute_time() units) the kernel queues an mk_timer_expire_msg_t
 * (msgh_id 0) on it.
 */
#ifndef _MACH_MK_TIMER_H_
#define _MACH_MK_TIMER_H_

#include <stdint.h>
#include <mach/kern_return.h>
#include <mach/message.h>
#include <mach/port.h>

#ifdef __cplusplus
extern "C" {
#endif

mach_port_name_t mk_timer_create(void);
kern_return_t mk_timer_destroy(mach_port_name_t name);
kern_return_t mk_timer_arm(mach_port_name_t name, uint64_t expire_time);
/* result_time (may be NULL): the deadline it was armed for, 0 if none. */
kern_return_t mk_timer_cancel(mach_port_name_t name, uint64_t *result_time);

#pragma pack(push, 4)
typedef struct mk_timer_expire_msg {
	mach_msg_header_t header;
	uint64_t unused[3];
} mk_timer_expire_msg_t;
#pragma pack(pop)

#ifdef __cplusplus
}
#endif

#endif /* _MACH_MK_TIMER_H_ */
