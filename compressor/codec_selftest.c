// SPDX-License-Identifier: GPL-2.0
/*
 * The codecs' self-test: every kind of page through the hybrid and through
 * WKdm alone, bit-exact, with a guard after the output; WKdm's bound at one
 * word less than it needs; corrupt WKdm (and LZ4) input refused.  The module
 * runs it at load and refuses to load if it fails (compressor.c); the
 * user-space harness (selftests/cmp_codec_test.c) runs the same code on the
 * same pages, under AddressSanitizer on the host.  A few hundred
 * microseconds on a stock kernel.
 */
#include "compressor/codec.h"

const char *const cmp_page_type_names[CMP_PAGE_TYPES] = {
	[CMP_PAGE_ZERO] = "zeros",
	[CMP_PAGE_SINGLE] = "single value",
	[CMP_PAGE_TEXT] = "text",
	[CMP_PAGE_POINTERS] = "pointers",
	[CMP_PAGE_RANDOM] = "random",
	[CMP_PAGE_MIXED] = "mixed",
};

/* xorshift32: a fixed stream per seed, never 0. */
static u32 rnd(u32 *s)
{
	u32 x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

static const char *const vocabulary[] = {
	"the", "page", "of", "memory", "is", "kept", "compressed", "while",
	"a", "task", "sleeps", "and", "comes", "back", "when", "it", "faults",
	"port", "message", "right", "queue", "in", "Mach", "kernel",
};

/* Prose-like ASCII, as a text file or a string table holds. */
static void fill_text(u8 *p, u32 s)
{
	size_t n = 0, words = 0;

	while (n < PAGE_SIZE) {
		const char *w = vocabulary[rnd(&s) % ARRAY_SIZE(vocabulary)];

		while (*w && n < PAGE_SIZE)
			p[n++] = *w++;
		if (n < PAGE_SIZE)
			p[n++] = ++words % 12 ? ' ' : '\n';
	}
}

/* A heap of 64-bit pointers into two arenas, small integers and NULLs. */
static void fill_pointers(u64 *q, u32 s)
{
	u64 heap = 0xffff888004000000ULL + ((u64)(s % 16) << 20);
	u64 stack = 0x00007ffc12340000ULL;
	size_t i;

	for (i = 0; i < PAGE_SIZE / 8; i++) {
		u32 r = rnd(&s);

		switch (r % 4) {
		case 0:
		case 1:
			q[i] = heap + ((r >> 8) % 256) * 64;
			break;
		case 2:
			q[i] = (r >> 16) % 100;
			break;
		default:
			q[i] = r & 0x100 ? stack + ((r >> 9) % 64) * 16 : 0;
			break;
		}
	}
}

/* 32-byte records: an id, flags, a pointer and a short name. */
static void fill_mixed(u8 *p, u32 s)
{
	size_t i, j;

	for (i = 0; i < PAGE_SIZE / 32; i++) {
		u8 *rec = p + i * 32;
		u32 id = s + (u32)i, flags = rnd(&s) % 8;
		u64 ptr = 0xffff888010000000ULL + i * 32;
		u32 v = id;

		memcpy(rec, &id, 4);
		memcpy(rec + 4, &flags, 4);
		memcpy(rec + 8, &ptr, 8);
		memcpy(rec + 16, "obj-", 4);
		for (j = 0; j < 12; j++) {
			rec[31 - j] = j < 8 ? '0' + v % 10 : 0;
			v /= 10;
		}
	}
}

/*
 * cmp_fill_page - a page of @type, the same for the same @seed
 */
void cmp_fill_page(void *page, enum cmp_page_type type, u32 seed)
{
	u32 s = seed ? seed : 0x9e3779b9, *w = page;
	size_t i;

	switch (type) {
	case CMP_PAGE_ZERO:
		memset(page, 0, PAGE_SIZE);
		break;
	case CMP_PAGE_SINGLE:
		for (i = 0; i < PAGE_SIZE / 4; i++)
			w[i] = 0xa5a50000u ^ s;
		break;
	case CMP_PAGE_TEXT:
		fill_text(page, s);
		break;
	case CMP_PAGE_POINTERS:
		fill_pointers(page, s);
		break;
	case CMP_PAGE_RANDOM:
		for (i = 0; i < PAGE_SIZE / 4; i++)
			w[i] = rnd(&s);
		break;
	default:
		fill_mixed(page, s);
		break;
	}
}

#define KIND(k)	(1u << (k))

/* What the hybrid must make of each type of page. */
static unsigned int expected_kinds(enum cmp_page_type type)
{
	switch (type) {
	case CMP_PAGE_ZERO:
	case CMP_PAGE_SINGLE:
		return KIND(CMP_KIND_SV);
	case CMP_PAGE_POINTERS:
		return KIND(CMP_KIND_WKDM);
	case CMP_PAGE_RANDOM:
		return KIND(CMP_KIND_RAW);
	case CMP_PAGE_TEXT:
		/* WKdm does badly on text: above the threshold, LZ4's. */
		return CMP_HAVE_LZ4 ? KIND(CMP_KIND_LZ4) :
		       KIND(CMP_KIND_WKDM) | KIND(CMP_KIND_RAW);
	default:
		return KIND(CMP_KIND_WKDM) | KIND(CMP_KIND_LZ4);
	}
}

static bool guard_intact(const u64 *dst, size_t from)
{
	const u8 *g = (const u8 *)dst + from;
	size_t i;

	for (i = 0; i < 64; i++)
		if (g[i] != 0xcc)
			return false;
	return true;
}

/* The hybrid round trip of one page of @type. */
static int hybrid_roundtrip(struct cmp_selftest_bufs *b,
			    enum cmp_page_type type, const char **failed)
{
	struct cmp_result r;
	const void *from;

	cmp_fill_page(b->src, type, 0x1234 + type);
	memset(b->dst, 0xcc, sizeof(b->dst));
	*failed = "hybrid: compress";
	if (cmp_compress(&b->ctx, b->src, b->dst, PAGE_SIZE, &r))
		return -1;
	*failed = "hybrid: unexpected kind";
	if (r.kind <= 0 || r.kind >= CMP_KIND_NR ||
	    !(expected_kinds(type) & KIND(r.kind)))
		return -1;
	*failed = "hybrid: size";
	if (r.kind != CMP_KIND_RAW ? r.bytes > CMP_MAX_BYTES : r.bytes != PAGE_SIZE)
		return -1;
	*failed = "hybrid: wrote past its bound";
	if (!guard_intact(b->dst, PAGE_SIZE))
		return -1;
	from = r.kind == CMP_KIND_RAW ? (const void *)b->src : b->dst;
	memset(b->out, 0x5a, PAGE_SIZE);
	*failed = "hybrid: decompress";
	if (cmp_decompress(r.kind, from, r.bytes, b->out))
		return -1;
	*failed = "hybrid: round trip not bit-exact";
	if (memcmp(b->out, b->src, PAGE_SIZE))
		return -1;
	*failed = "hybrid: a truncated stream was accepted";
	if (r.kind != CMP_KIND_RAW &&
	    !cmp_decompress(r.kind, from, r.bytes - 1, b->out))
		return -1;
	return 0;
}

/* WKdm alone on a page of @type: round trip, then its bound and its checks. */
static int wkdm_roundtrip(struct cmp_selftest_bufs *b, enum cmp_page_type type,
			  const char **failed)
{
	u32 *d = (u32 *)b->dst;
	int n;

	cmp_fill_page(b->src, type, 0x4321 + type);
	memset(b->dst, 0xcc, sizeof(b->dst));
	n = wkdm_compress((u32 *)b->src, d, CMP_MAX_BYTES, &b->ctx.wk);
	*failed = "wkdm: random data compressed";
	if (type == CMP_PAGE_RANDOM)
		return n == -E2BIG && guard_intact(b->dst, CMP_MAX_BYTES) ? 0 : -1;
	*failed = "wkdm: compress";
	if (n < WKDM_MIN_BYTES || n > CMP_MAX_BYTES || n % 4)
		return -1;
	*failed = "wkdm: round trip";
	if (wkdm_decompress(d, n, (u32 *)b->out) ||
	    memcmp(b->out, b->src, PAGE_SIZE))
		return -1;
	*failed = "wkdm: accepted a stream a word short";
	if (!wkdm_decompress(d, n - 4, (u32 *)b->out))
		return -1;
	d[2]++;
	*failed = "wkdm: accepted a bad header";
	if (!wkdm_decompress(d, n, (u32 *)b->out))
		return -1;
	d[2]--;
	if (n == WKDM_MIN_BYTES)
		return 0;
	/* One word less than it needs: refused, nothing written past it. */
	memset(b->dst, 0xcc, sizeof(b->dst));
	*failed = "wkdm: overran a limit one word short";
	if (wkdm_compress((u32 *)b->src, d, n - 4, &b->ctx.wk) != -E2BIG ||
	    !guard_intact(b->dst, n - 4))
		return -1;
	*failed = "wkdm: failed at its exact size";
	if (wkdm_compress((u32 *)b->src, d, n, &b->ctx.wk) != n)
		return -1;
	return 0;
}

/*
 * cmp_selftest - run every check above on every type of page
 * @failed, @at: set to the failing check and the type of page it failed on
 * Conditions: process context or any (no allocation, no lock); @b is the
 * caller's.
 * Returns 0, or -EIO when a codec is broken.
 */
int cmp_selftest(struct cmp_selftest_bufs *b, const char **failed,
		 enum cmp_page_type *at)
{
	int t;

	for (t = 0; t < CMP_PAGE_TYPES; t++) {
		*at = t;
		if (hybrid_roundtrip(b, t, failed) || wkdm_roundtrip(b, t, failed))
			return -EIO;
	}
	*failed = NULL;
	return 0;
}
