/*
 * <mach/mach_error.h>: Mach error codes as text.
 */
#ifndef _MACH_ERROR_
#define _MACH_ERROR_	1

#include <mach/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The description of a kern_return_t, mach_msg_return_t or MIG code, e.g.
 * "(ipc/send) invalid destination port".  The string is static: never
 * freed or written to.
 */
char *mach_error_string(mach_error_t error_value);

/* Prints "str description (hex code)" on standard error. */
void mach_error(const char *str, mach_error_t error_value);

/* The "(system/subsystem)" part of the description alone. */
char *mach_error_type(mach_error_t error_value);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_ERROR_ */
