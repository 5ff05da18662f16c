/*
 * <mach/thread_status.h>: the machine-independent side of thread state:
 * a flavor names a layout, a state is that many 32-bit words.
 */
#ifndef _MACH_THREAD_STATUS_H_
#define _MACH_THREAD_STATUS_H_

#include <mach/machine/thread_status.h>
#include <mach/machine/vm_types.h>

typedef natural_t *thread_state_t;
#define THREAD_STATE_MAX	THREAD_MACHINE_STATE_MAX
typedef natural_t thread_state_data_t[THREAD_STATE_MAX];

typedef int thread_state_flavor_t;
typedef thread_state_flavor_t *thread_state_flavor_array_t;

#define THREAD_STATE_FLAVOR_LIST	0
#define THREAD_STATE_FLAVOR_LIST_NEW	128

#endif /* _MACH_THREAD_STATUS_H_ */
