/*
 * <mach/clock.h>: reading a clock service obtained with
 * host_get_clock_service().
 */
#ifndef _MACH_CLOCK_H_
#define _MACH_CLOCK_H_

#include <mach/clock_types.h>
#include <mach/kern_return.h>
#include <mach/mach_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SYSTEM_CLOCK: time since boot; CALENDAR_CLOCK: time since the epoch. */
kern_return_t clock_get_time(clock_serv_t clock_serv, mach_timespec_t *cur_time);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_CLOCK_H_ */
