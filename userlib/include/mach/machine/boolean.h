/*
 * <mach/machine/boolean.h>: the width and signedness of boolean_t.
 *
 * Darwin's two 64-bit user ABIs disagree here: x86_64 user space has an
 * unsigned boolean_t, arm64 a signed one.  Both are 32 bits, so only
 * comparisons and bit-field sign extension can tell them apart, but a
 * program compiled for one must see exactly what Darwin gives it.
 */
#ifndef _MACH_MACHINE_BOOLEAN_H_
#define _MACH_MACHINE_BOOLEAN_H_

#if defined(__x86_64__)
typedef unsigned int boolean_t;
#else
typedef int boolean_t;
#endif

#endif /* _MACH_MACHINE_BOOLEAN_H_ */
