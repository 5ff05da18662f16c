/*
 * <mach/ndr.h>: the NDR record, 8 bytes at the start of every MIG message
 * body that tells the receiver how the sender represents integers,
 * characters and floating point numbers.
 *
 * Every machine libmach serves is little-endian, ASCII and IEEE, so the
 * record this library sends (NDR_record) always matches its receiver and no
 * conversion is ever needed; the conversion switches below are off.
 */
#ifndef _MACH_NDR_H_
#define _MACH_NDR_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
	unsigned char mig_vers;
	unsigned char if_vers;
	unsigned char reserved1;
	unsigned char mig_encoding;
	unsigned char int_rep;
	unsigned char char_rep;
	unsigned char float_rep;
	unsigned char reserved2;
} NDR_record_t;

#define NDR_PROTOCOL_2_0	0

#define NDR_INT_BIG_ENDIAN	0
#define NDR_INT_LITTLE_ENDIAN	1

#define NDR_FLOAT_IEEE		0
#define NDR_FLOAT_VAX		1
#define NDR_FLOAT_CRAY		2
#define NDR_FLOAT_IBM		3

#define NDR_CHAR_ASCII		0
#define NDR_CHAR_EBCDIC		1

/* The record describing this machine: int_rep little-endian, rest 0. */
extern NDR_record_t NDR_record;

/* MIG-generated code tests these before converting anything. */
#ifndef __NDR_convert__
#define __NDR_convert__ 0
#endif
#ifndef __NDR_convert__int_rep__
#define __NDR_convert__int_rep__ __NDR_convert__
#endif
#ifndef __NDR_convert__char_rep__
#define __NDR_convert__char_rep__ 0
#endif
#ifndef __NDR_convert__float_rep__
#define __NDR_convert__float_rep__ 0
#endif

#ifdef __cplusplus
}
#endif

#endif /* _MACH_NDR_H_ */
