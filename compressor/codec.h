/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The compressor's codecs behind one entry point, XNU's hybrid order:
 * a page of one repeated 32-bit value is kept as that value; else WKdm;
 * LZ4 when WKdm fails or does not reach XNU's threshold; else the page is
 * incompressible and is kept as it is.
 *
 * XNU's facts (osfmk/vm/vm_compressor.c, vm_compressor_algorithms.c):
 * a page is compressed into at most PAGE_SIZE - 4 bytes, else it is
 * stored uncompressed; the hybrid (arm64's default) runs LZ4 when WKdm
 * failed or gave 2048 bytes or more (12288 with 16 KiB pages).
 */
#ifndef _MACHINA_CMP_CODEC_H
#define _MACHINA_CMP_CODEC_H

#include "compressor/cmp_types.h"
#include "compressor/wkdm.h"

enum cmp_kind {
	CMP_KIND_SV = 1,	/* 4 bytes: the value every word of the page holds */
	CMP_KIND_WKDM,
	CMP_KIND_LZ4,
	CMP_KIND_RAW,		/* incompressible: the caller keeps the page */
	CMP_KIND_NR
};

struct cmp_result {
	enum cmp_kind kind;
	u32 bytes;		/* compressed size (PAGE_SIZE for RAW) */
};

/* The most a compressed page may take; more and it is stored as it is. */
#define CMP_MAX_BYTES		(PAGE_SIZE - 4)
/* WKdm output of this size or more is tried with LZ4 (XNU's lz4_threshold). */
#if PAGE_SIZE == 4096
#define CMP_LZ4_THRESHOLD	2048
#else
#define CMP_LZ4_THRESHOLD	((int)(PAGE_SIZE / 4 * 3))
#endif

/*
 * One compressor's work areas: used by one caller at a time (a per-CPU
 * context under the caller's exclusion, or the self-test's own).
 */
struct cmp_ctx {
	struct wkdm_scratch wk;
#if CMP_HAVE_LZ4
	u64 lz4_mem[(LZ4_MEM_COMPRESS + 7) / 8];
	u64 lz4_out[PAGE_SIZE / 8];
#endif
};

int cmp_compress(struct cmp_ctx *ctx, const void *page, void *dst, size_t cap,
		 struct cmp_result *res);
int cmp_decompress(enum cmp_kind kind, const void *src, size_t bytes,
		   void *page);
bool cmp_single_value(const void *page, u32 *value);

/* Counters since load (compressor.c shows them under /sys/class/misc/mach/compressor/). */
struct cmp_stats {
	atomic_long_t compressions[CMP_KIND_NR];
	atomic_long_t decompressions[CMP_KIND_NR];
	atomic_long_t lz4_tries;		/* pages WKdm handed to LZ4 */
	atomic_long_t bytes_in;			/* pages compressed, in bytes */
	atomic_long_t bytes_out;		/* what they took, RAW at PAGE_SIZE */
	atomic_long_t decompress_errors;	/* refused input */
};
extern struct cmp_stats cmp_stats;

/* The load-time self-test (codec_selftest.c), shared with the user-space harness. */
enum cmp_page_type {
	CMP_PAGE_ZERO,
	CMP_PAGE_SINGLE,
	CMP_PAGE_TEXT,
	CMP_PAGE_POINTERS,
	CMP_PAGE_RANDOM,
	CMP_PAGE_MIXED,
	CMP_PAGE_TYPES
};
extern const char *const cmp_page_type_names[CMP_PAGE_TYPES];
void cmp_fill_page(void *page, enum cmp_page_type type, u32 seed);

struct cmp_selftest_bufs {
	struct cmp_ctx ctx;
	u64 src[PAGE_SIZE / 8];
	u64 out[PAGE_SIZE / 8];
	u64 dst[PAGE_SIZE / 8 + 8];	/* a guard of 64 bytes after a page */
};
int cmp_selftest(struct cmp_selftest_bufs *b, const char **failed,
		 enum cmp_page_type *at);

#endif /* _MACHINA_CMP_CODEC_H */
