/* libmach internals shared by the source files; not installed. */
#ifndef _LIBMACH_INTERNAL_H
#define _LIBMACH_INTERNAL_H

#include <mach/kern_return.h>

#define LIBMACH_EXPORT __attribute__((visibility("default")))

/*
 * machina_call - one ioctl on /dev/mach
 * Returns the Mach status the module gave, or the kern_return_t that stands
 * for the errno when the call could not be made (device missing, bad
 * argument address, no memory).
 */
kern_return_t machina_call(unsigned long cmd, void *arg);

#endif /* _LIBMACH_INTERNAL_H */
