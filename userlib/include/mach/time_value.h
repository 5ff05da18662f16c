/*
 * <mach/time_value.h>: seconds and microseconds, as thread_info and
 * task_info report times.
 */
#ifndef _MACH_TIME_VALUE_H_
#define _MACH_TIME_VALUE_H_

#include <mach/machine/vm_types.h>

struct time_value {
	integer_t seconds;
	integer_t microseconds;
};
typedef struct time_value time_value_t;

#define TIME_MICROS_MAX (1000000)

#define time_value_add_usec(val, micros) do {				\
	if (((val)->microseconds += (micros)) >= TIME_MICROS_MAX) {	\
		(val)->microseconds -= TIME_MICROS_MAX;			\
		(val)->seconds++;					\
	}								\
} while (0)

#define time_value_add(result, addend) do {				\
	(result)->microseconds += (addend)->microseconds;		\
	(result)->seconds += (addend)->seconds;				\
	if ((result)->microseconds >= TIME_MICROS_MAX) {		\
		(result)->microseconds -= TIME_MICROS_MAX;		\
		(result)->seconds++;					\
	}								\
} while (0)

#endif /* _MACH_TIME_VALUE_H_ */
