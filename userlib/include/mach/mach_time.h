/*
 * <mach/mach_time.h>: Mach absolute time.
 *
 * On Machina, absolute time counts nanoseconds of Linux's CLOCK_MONOTONIC
 * (it stops while the machine is suspended, as Darwin's does), so the
 * timebase is 1/1.  Continuous time counts CLOCK_BOOTTIME, which keeps
 * running across suspend.  Programs that convert with mach_timebase_info()
 * work unchanged.
 */
#ifndef _MACH_MACH_TIME_H_
#define _MACH_MACH_TIME_H_

#include <stdint.h>
#include <mach/kern_return.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mach_timebase_info {
	uint32_t numer;
	uint32_t denom;
};
typedef struct mach_timebase_info *mach_timebase_info_t;
typedef struct mach_timebase_info mach_timebase_info_data_t;

kern_return_t mach_timebase_info(mach_timebase_info_t info);
uint64_t mach_absolute_time(void);
uint64_t mach_approximate_time(void);
uint64_t mach_continuous_time(void);
uint64_t mach_continuous_approximate_time(void);
/* Sleeps until the absolute-time deadline; KERN_ABORTED if a signal came. */
kern_return_t mach_wait_until(uint64_t deadline);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_MACH_TIME_H_ */
