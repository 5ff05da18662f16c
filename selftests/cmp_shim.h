/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel types and helpers the compressor's codecs use
 * (compressor/cmp_types.h), for building those very sources in user space:
 * the round-trip and fuzz harness cmp_codec_test.c.  PAGE_SIZE is the
 * harness's choice (-DPAGE_SIZE=16384 for the 16 KiB build).  There is no
 * kernel LZ4 here: the hybrid is WKdm alone, as on the debug kernels; the
 * module's load-time self-test covers LZ4.
 */
#ifndef _MACHINA_CMP_SHIM_H
#define _MACHINA_CMP_SHIM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;

#ifndef PAGE_SIZE
#define PAGE_SIZE 4096
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

typedef struct {
	long counter;
} atomic_long_t;

static inline void atomic_long_add(long i, atomic_long_t *v)
{
	__atomic_add_fetch(&v->counter, i, __ATOMIC_RELAXED);
}

static inline void atomic_long_inc(atomic_long_t *v)
{
	atomic_long_add(1, v);
}

static inline long atomic_long_read(const atomic_long_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);
}

#define CMP_HAVE_LZ4 0

#endif /* _MACHINA_CMP_SHIM_H */
