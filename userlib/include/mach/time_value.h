/*
 * <mach/time_value.h>: a span of time as Mach's info calls report it.
 */
#ifndef _MACH_TIME_VALUE_H_
#define _MACH_TIME_VALUE_H_

#include <mach/machine/vm_types.h>

struct time_value {
	integer_t seconds;
	integer_t microseconds;
};
typedef struct time_value time_value_t;

#define TIME_MICROS_MAX	(1000000)

#endif /* _MACH_TIME_VALUE_H_ */
