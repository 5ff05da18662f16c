/*
 * libmach: Mach absolute and continuous time.
 *
 * Reading the clocks needs no kernel call beyond the vDSO's clock_gettime;
 * only mach_wait_until enters the module.
 */
#include <time.h>

#include <mach/mach_time.h>

#include "internal.h"
#include "uapi/machina.h"

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

LIBMACH_EXPORT kern_return_t mach_timebase_info(mach_timebase_info_t info)
{
	if (!info)
		return KERN_INVALID_ARGUMENT;
	info->numer = 1;
	info->denom = 1;
	return KERN_SUCCESS;
}

LIBMACH_EXPORT uint64_t mach_absolute_time(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

LIBMACH_EXPORT uint64_t mach_approximate_time(void)
{
	return clock_ns(CLOCK_MONOTONIC_COARSE);
}

LIBMACH_EXPORT uint64_t mach_continuous_time(void)
{
	return clock_ns(CLOCK_BOOTTIME);
}

LIBMACH_EXPORT uint64_t mach_continuous_approximate_time(void)
{
	/* Linux has no coarse boot-time clock; the precise one is cheap. */
	return clock_ns(CLOCK_BOOTTIME);
}

LIBMACH_EXPORT kern_return_t mach_wait_until(uint64_t deadline)
{
	struct machina_wait_until wait = { .deadline = deadline };

	return machina_call(MACHINA_IOC_WAIT_UNTIL, &wait);
}
