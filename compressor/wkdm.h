/* SPDX-License-Identifier: GPL-2.0 */
/*
 * WKdm: Wilson and Kaplan's word-based page compressor, the one XNU runs
 * first on every page it compresses (docs/plans/compressor.md).
 *
 * The page is read as 32-bit words.  A 16-entry direct-mapped dictionary of
 * recently seen words (every entry 1 at the start), indexed by a hash of
 * bits 10-17 of a word (XNU's table), gives each word one of four 2-bit tags:
 *   ZERO     the word is 0;
 *   EXACT    it equals its dictionary entry: the entry's 4-bit index is kept;
 *   PARTIAL  its upper 22 bits equal the entry's: the index and the 10 low
 *            bits are kept, and the word replaces the entry;
 *   MISS     anything else: the whole word is kept and replaces its entry.
 *
 * Compressed layout, in 32-bit words, as XNU's WKdm_new lays it out:
 *   [0] word offset of the index area   [1] word offset of the low-bits area
 *   [2] word offset of the end (the size in words)
 *   tags        PAGE_SIZE/64 words: 16 tags a word, word i's tag at bits
 *               2*(i%16) of word i/16 (XNU interleaves them by byte for its
 *               vector code; Machina's never leave the machine, so the plain
 *               order is kept);
 *   full words  one per MISS, in page order;
 *   indices     8 a word, 4 bits each, the n-th at bits 4*(n%8);
 *   low bits    3 a word, 10 bits each, the n-th at bits 10*(n%3).
 * Unused bits are zero, and the decompressor insists on it.
 */
#ifndef _MACHINA_WKDM_H
#define _MACHINA_WKDM_H

#include "compressor/cmp_types.h"

#define WKDM_PAGE_WORDS		(PAGE_SIZE / 4)
#define WKDM_HEADER_WORDS	3
#define WKDM_TAG_WORDS		(WKDM_PAGE_WORDS / 16)
/* Header and tags: the smallest WKdm output, that of an all-zero page. */
#define WKDM_FIXED_WORDS	(WKDM_HEADER_WORDS + WKDM_TAG_WORDS)
#define WKDM_MIN_BYTES		(WKDM_FIXED_WORDS * 4)
#define WKDM_QPOS_MAX_WORDS	(WKDM_PAGE_WORDS / 8)
#define WKDM_LOW_MAX_WORDS	((WKDM_PAGE_WORDS + 2) / 3)

/*
 * The compressor's work area: the index and low-bits areas are packed here
 * while the full words go straight to the output, then copied after them.
 * 1.9 KiB with 4 KiB pages, 7.4 KiB with 16 KiB pages.
 */
struct wkdm_scratch {
	u32 qpos[WKDM_QPOS_MAX_WORDS];
	u32 low[WKDM_LOW_MAX_WORDS];
};

int wkdm_compress(const u32 *src, u32 *dst, size_t limit,
		  struct wkdm_scratch *scratch);
int wkdm_decompress(const u32 *src, size_t bytes, u32 *dst);

#endif /* _MACHINA_WKDM_H */
