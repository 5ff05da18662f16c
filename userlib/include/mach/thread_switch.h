/*
 * <mach/thread_switch.h>: the options of thread_switch() (declared, with
 * swtch() and swtch_pri(), in <mach/mach_traps.h>, as on Darwin).
 *
 * Darwin's installed header has options 0-2; 3-5 are in its PRIVATE part
 * (libplatform's locks and libdispatch use them).  They are given here
 * unconditionally, with Darwin's values, so that such code compiles
 * unchanged.
 */
#ifndef _MACH_THREAD_SWITCH_H_
#define _MACH_THREAD_SWITCH_H_

#include <mach/mach_types.h>
#include <mach/kern_return.h>
#include <mach/message.h>
#include <mach/mach_traps.h>

#define SWITCH_OPTION_NONE		0
/* Lowered below every other thread for option_time ms, or until it runs. */
#define SWITCH_OPTION_DEPRESS		1
/* Sleeps option_time ms (a thread_abort or a signal ends it early). */
#define SWITCH_OPTION_WAIT		2
/* SWITCH_OPTION_WAIT with option_time in microseconds. */
#define SWITCH_OPTION_DISPATCH_CONTENTION	3
/* DEPRESS / WAIT handing off only to a thread of the caller's task. */
#define SWITCH_OPTION_OSLOCK_DEPRESS	4
#define SWITCH_OPTION_OSLOCK_WAIT	5

#define valid_switch_option(opt)	(0 <= (opt) && (opt) <= 5)

#endif /* _MACH_THREAD_SWITCH_H_ */
