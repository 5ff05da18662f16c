/*
 * <mach/mach.h>: the Mach interface, as Darwin programs include it.
 * Machina's libmach grows this header issue by issue; what is here works.
 */
#ifndef _MACH_MACH_H_
#define _MACH_MACH_H_

#include <mach/kern_return.h>
#include <mach/mach_time.h>

#endif /* _MACH_MACH_H_ */
