// SPDX-License-Identifier: GPL-2.0
/*
 * WKdm, written from Wilson and Kaplan's description of the algorithm and
 * the facts of XNU's format (wkdm.h).  Both directions are bounded: the
 * compressor never writes past its limit and gives up as soon as the output
 * cannot fit; the decompressor checks every offset and count it reads
 * against the size it was given, so corrupt or hostile input is refused
 * (-EINVAL) without a read or write outside the two buffers.
 */
#include "compressor/wkdm.h"

enum { TAG_ZERO = 0, TAG_PARTIAL = 1, TAG_MISS = 2, TAG_EXACT = 3 };

#define LOW_BITS	10
#define LOW_MASK	((1u << LOW_BITS) - 1)
#define DICT_SIZE	16
#define DICT_INIT	1u

/*
 * XNU's hash: bits 10-17 of a word pick one of 256 entries, each naming a
 * dictionary slot (XNU stores the slot's byte offset, 4 times these).  Only
 * 0 maps to slot 0.
 */
static const u8 wkdm_hash[256] = {
	 0, 13,  2, 14,  4,  3,  7,  5,  1,  9, 12,  6, 11, 10,  8, 15,
	 2,  3,  7,  5,  1, 15,  4,  9,  6, 12, 11,  8, 13, 14, 10,  3,
	 2, 12,  4, 13, 15,  7, 14,  8,  5,  6,  9, 10, 11,  1,  2, 10,
	15,  8,  5, 11,  1,  9, 13,  6,  4, 14, 12,  3,  7,  4,  2, 10,
	 9,  7,  8,  3,  1, 11, 13,  5,  6, 12, 15, 14, 10, 12,  2,  8,
	 7,  9,  1, 11,  5, 14, 15,  6, 13,  4,  3,  3,  1, 12,  5,  2,
	13,  4, 15,  6,  9, 11,  7, 14, 10,  8,  9,  5,  6, 15, 10, 11,
	13,  4,  8,  1, 12,  2,  7, 14,  3,  7,  8, 10, 13,  9,  4,  5,
	12,  2,  1, 15,  6, 14, 11,  3,  2,  9,  6,  7,  4, 15,  5, 14,
	 8, 10, 12,  3,  1, 11, 13, 11, 10,  3, 14,  2,  9,  6, 15,  7,
	12,  1,  8,  5,  4, 13, 15,  3,  6,  9,  2,  1,  4, 14, 12, 11,
	10, 13,  8,  5,  7,  8,  3,  9,  7,  6, 14, 10,  4, 13, 11,  1,
	 5, 15,  2, 12, 12, 13,  3,  5,  8, 11,  9,  7,  1, 10,  6,  2,
	14, 15,  4,  9,  8,  2, 10,  1, 13,  6, 11,  5,  3,  7, 12, 14,
	 4, 15,  1, 13, 15, 12,  5,  4, 14, 11,  6,  2, 10,  3,  8,  7,
	 9,  6,  8,  3,  1,  5,  4, 15,  9,  7,  2, 13, 10, 12, 11, 14,
};

static inline unsigned int slot_of(u32 word)
{
	return wkdm_hash[(word >> LOW_BITS) & 0xff];
}

static inline void dict_reset(u32 *dict)
{
	unsigned int i;

	for (i = 0; i < DICT_SIZE; i++)
		dict[i] = DICT_INIT;
}

/* Words taken by @n indices (8 a word) and @m low-bit fields (3 a word). */
static inline size_t packed_words(size_t n, size_t m)
{
	return (n + 7) / 8 + (m + 2) / 3;
}

/*
 * wkdm_compress - compress the page at @src into @dst
 * @limit: bytes @dst may take (XNU passes the room left in its segment,
 *	less 4, capped at PAGE_SIZE - 4)
 * @scratch: the caller's work area, used by nobody else meanwhile
 * Conditions: any context (no allocation, no lock, bounded time); @src and
 * @dst are 4-byte aligned and do not overlap.
 * Returns the compressed size in bytes (a multiple of 4, at most @limit),
 * or -E2BIG when the output would exceed @limit: then @dst holds garbage
 * within its first @limit bytes and nothing beyond.
 */
int wkdm_compress(const u32 *src, u32 *dst, size_t limit,
		  struct wkdm_scratch *scratch)
{
	size_t room = limit / 4, nfull = 0, nq = 0, nl = 0, total, qw, lw;
	u32 dict[DICT_SIZE], tagw = 0, qacc = 0, lacc = 0;
	u32 *full = dst + WKDM_FIXED_WORDS;
	unsigned int i;

	if (room < WKDM_FIXED_WORDS)
		return -E2BIG;
	dict_reset(dict);
	for (i = 0; i < WKDM_PAGE_WORDS; i++) {
		u32 w = src[i], tag;
		unsigned int s = slot_of(w);

		if (!w) {
			tag = TAG_ZERO;
		} else if (dict[s] == w) {
			tag = TAG_EXACT;
			qacc |= (u32)s << (4 * (nq % 8));
			if (++nq % 8 == 0) {
				scratch->qpos[nq / 8 - 1] = qacc;
				qacc = 0;
			}
		} else if ((dict[s] ^ w) >> LOW_BITS == 0) {
			tag = TAG_PARTIAL;
			qacc |= (u32)s << (4 * (nq % 8));
			if (++nq % 8 == 0) {
				scratch->qpos[nq / 8 - 1] = qacc;
				qacc = 0;
			}
			lacc |= (w & LOW_MASK) << (LOW_BITS * (nl % 3));
			if (++nl % 3 == 0) {
				scratch->low[nl / 3 - 1] = lacc;
				lacc = 0;
			}
			dict[s] = w;
		} else {
			tag = TAG_MISS;
			/* Give up as soon as what is known already cannot fit. */
			if (WKDM_FIXED_WORDS + nfull + 1 + packed_words(nq, nl) >
			    room)
				return -E2BIG;
			full[nfull++] = w;
			dict[s] = w;
		}
		tagw |= tag << (2 * (i % 16));
		if (i % 16 == 15) {
			dst[WKDM_HEADER_WORDS + i / 16] = tagw;
			tagw = 0;
		}
	}
	if (nq % 8)
		scratch->qpos[nq / 8] = qacc;
	if (nl % 3)
		scratch->low[nl / 3] = lacc;
	qw = (nq + 7) / 8;
	lw = (nl + 2) / 3;
	total = WKDM_FIXED_WORDS + nfull + qw + lw;
	if (total > room)
		return -E2BIG;
	dst[0] = WKDM_FIXED_WORDS + nfull;
	dst[1] = dst[0] + qw;
	dst[2] = dst[1] + lw;
	memcpy(dst + dst[0], scratch->qpos, qw * 4);
	memcpy(dst + dst[1], scratch->low, lw * 4);
	return (int)(total * 4);
}

/*
 * wkdm_decompress - rebuild a page from @bytes of WKdm output at @src
 * Conditions: any context; @src and @dst 4-byte aligned, not overlapping.
 * Returns 0 with the page in @dst, or -EINVAL when @src is not exactly one
 * well-formed WKdm page of @bytes bytes (a bad size or header, an area too
 * short for its tags, data or padding left over, non-zero unused bits):
 * then @dst holds garbage.  Never reads @src past @bytes nor writes @dst
 * past PAGE_SIZE.
 */
int wkdm_decompress(const u32 *src, size_t bytes, u32 *dst)
{
	size_t words = bytes / 4, qs, ls, le, nfull = 0, nq = 0, nl = 0;
	size_t full_cap, q_cap, l_cap;
	u32 dict[DICT_SIZE];
	unsigned int i;

	if (bytes % 4 || words < WKDM_FIXED_WORDS)
		return -EINVAL;
	qs = src[0];
	ls = src[1];
	le = src[2];
	if (qs < WKDM_FIXED_WORDS || ls < qs || le < ls || le != words)
		return -EINVAL;
	full_cap = qs - WKDM_FIXED_WORDS;
	q_cap = (ls - qs) * 8;
	l_cap = (le - ls) * 3;
	dict_reset(dict);
	for (i = 0; i < WKDM_PAGE_WORDS; i++) {
		u32 tag = (src[WKDM_HEADER_WORDS + i / 16] >> (2 * (i % 16))) & 3;
		unsigned int s;
		u32 w;

		switch (tag) {
		case TAG_ZERO:
			dst[i] = 0;
			continue;
		case TAG_MISS:
			if (nfull >= full_cap)
				return -EINVAL;
			w = src[WKDM_FIXED_WORDS + nfull++];
			dict[slot_of(w)] = w;
			dst[i] = w;
			continue;
		}
		if (nq >= q_cap)
			return -EINVAL;
		s = (src[qs + nq / 8] >> (4 * (nq % 8))) & 0xf;
		nq++;
		if (tag == TAG_EXACT) {
			dst[i] = dict[s];
			continue;
		}
		if (nl >= l_cap)
			return -EINVAL;
		w = (src[ls + nl / 3] >> (LOW_BITS * (nl % 3))) & LOW_MASK;
		nl++;
		w |= dict[s] & ~LOW_MASK;
		dict[s] = w;
		dst[i] = w;
	}
	/* Every area used up exactly, and its padding zero. */
	if (nfull != full_cap || (nq + 7) / 8 != ls - qs || (nl + 2) / 3 != le - ls)
		return -EINVAL;
	if (nq % 8 && src[qs + nq / 8] >> (4 * (nq % 8)))
		return -EINVAL;
	for (i = 0; i < le - ls; i++) {
		size_t used = nl - (size_t)i * 3 >= 3 ? 3 : nl - (size_t)i * 3;

		if (src[ls + i] >> (LOW_BITS * used))
			return -EINVAL;
	}
	return 0;
}
