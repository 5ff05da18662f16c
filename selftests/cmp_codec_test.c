// SPDX-License-Identifier: GPL-2.0
/*
 * The compressor's codecs in user space: compressor/wkdm.c, codec.c and
 * codec_selftest.c themselves (not copies), built against cmp_shim.h.  Needs
 * no module: it runs in the guest like every test (a plain static build,
 * 4 KiB pages; cmp_codec16k_test is the same with 16 KiB pages), and on the
 * host under AddressSanitizer and UndefinedBehaviorSanitizer
 * (qemu/codec-host-test.sh, part of make check), where a read or write one
 * byte outside a buffer aborts the test: every buffer given to a codec here
 * is a heap block of exactly the size the codec is told.
 *
 * Checked: the load-time self-test passes; every kind of page round-trips
 * bit-exact through the hybrid, across seeds, and the counters add up;
 * WKdm never writes past its limit, whatever the limit, and fails exactly
 * when the output does not fit; random input, corrupted streams and forged
 * headers given to the decompressors are refused or decoded, never read or
 * written outside their buffers; forged headers are always refused; bad
 * kinds and sizes are refused and counted; where the module is loaded (the
 * guest), its compressor directory in sysfs says which codecs it has.  The
 * hybrid here has no LZ4 (as on the debug kernels); the module's self-test
 * covers LZ4 at load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "machina_test.h"

#include "compressor/codec.h"

struct cmp_stats cmp_stats;

static u32 rs = 0x2545f491;

static u32 rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 17;
	rs ^= rs << 5;
	return rs;
}

/* A page-sized heap block (the harness's pages are never static). */
static void *page_alloc(void)
{
	void *p = malloc(PAGE_SIZE);

	if (!p)
		abort();
	return p;
}

/* Words from a small pool with random low bits: every WKdm tag, in bulk. */
static void fill_pool(u32 *w)
{
	u32 pool[24];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pool); i++)
		pool[i] = rnd();
	for (i = 0; i < PAGE_SIZE / 4; i++) {
		u32 r = rnd();

		switch (r % 5) {
		case 0:
			w[i] = 0;
			break;
		case 1:
			w[i] = rnd();
			break;
		case 2:
			w[i] = pool[(r >> 8) % ARRAY_SIZE(pool)] ^ ((r >> 16) & 0x3ff);
			break;
		default:
			w[i] = pool[(r >> 8) % ARRAY_SIZE(pool)];
			break;
		}
	}
}

/* A page of type @t (CMP_PAGE_TYPES: the pool page above), seeded. */
static void fill_any(void *page, int t, u32 seed)
{
	if (t == CMP_PAGE_TYPES)
		fill_pool(page);
	else
		cmp_fill_page(page, t, seed);
}

TEST(load_time_selftest_passes)
{
	struct cmp_selftest_bufs *b = malloc(sizeof(*b));
	enum cmp_page_type at;
	const char *failed;

	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, cmp_selftest(b, &failed, &at))
		TH_LOG("%s on the %s page", failed, cmp_page_type_names[at]);
	free(b);
}

TEST(every_kind_round_trips_bit_exact)
{
	int rounds = mt_rounds(400, 20), r, t, seen[CMP_KIND_NR] = { 0 };
	struct cmp_ctx *ctx = malloc(sizeof(*ctx));
	void *src = page_alloc(), *dst = page_alloc(), *out = page_alloc();

	ASSERT_NE(NULL, ctx);
	memset(&cmp_stats, 0, sizeof(cmp_stats));
	for (r = 0; r < rounds; r++) {
		for (t = 0; t <= CMP_PAGE_TYPES; t++) {
			struct cmp_result res;
			const void *from;

			fill_any(src, t, rnd());
			ASSERT_EQ(0, cmp_compress(ctx, src, dst, PAGE_SIZE, &res));
			ASSERT_TRUE(res.kind > 0 && res.kind < CMP_KIND_NR);
			seen[res.kind]++;
			from = res.kind == CMP_KIND_RAW ? src : dst;
			memset(out, 0x5a, PAGE_SIZE);
			ASSERT_EQ(0, cmp_decompress(res.kind, from, res.bytes, out))
				TH_LOG("type %d round %d kind %d", t, r, res.kind);
			ASSERT_EQ(0, memcmp(out, src, PAGE_SIZE))
				TH_LOG("type %d round %d kind %d", t, r, res.kind);
		}
	}
	/* Single values, WKdm and incompressible pages all came up. */
	EXPECT_GT(seen[CMP_KIND_SV], 0);
	EXPECT_GT(seen[CMP_KIND_WKDM], 0);
	EXPECT_GT(seen[CMP_KIND_RAW], 0);
	for (t = 1; t < CMP_KIND_NR; t++) {
		EXPECT_EQ(seen[t], atomic_long_read(&cmp_stats.compressions[t]));
		EXPECT_EQ(seen[t], atomic_long_read(&cmp_stats.decompressions[t]));
	}
	EXPECT_EQ((long)rounds * (CMP_PAGE_TYPES + 1) * PAGE_SIZE,
		  atomic_long_read(&cmp_stats.bytes_in));
	EXPECT_EQ(0, atomic_long_read(&cmp_stats.decompress_errors));
	free(ctx);
	free(src);
	free(dst);
	free(out);
}

/*
 * WKdm into a block of exactly @limit bytes: the compressed size when it
 * fits, -E2BIG when it does not; ASan sees any byte written past the block.
 */
static int wkdm_into(const void *src, size_t limit, struct wkdm_scratch *s)
{
	void *dst = malloc(limit ? limit : 1);
	int n;

	if (!dst)
		abort();
	n = wkdm_compress(src, dst, limit, s);
	free(dst);
	return n;
}

TEST(wkdm_never_writes_past_its_limit)
{
	int rounds = mt_rounds(60, 6), r, t;
	struct wkdm_scratch *s = malloc(sizeof(*s));
	void *src = page_alloc();

	ASSERT_NE(NULL, s);
	for (r = 0; r < rounds; r++) {
		for (t = 0; t <= CMP_PAGE_TYPES; t++) {
			size_t limits[8], i;
			int n;

			fill_any(src, t, rnd());
			/* Every page fits in two: its size, then limits around it. */
			n = wkdm_into(src, 2 * PAGE_SIZE, s);
			ASSERT_GT(n, 0);
			ASSERT_TRUE(t != CMP_PAGE_RANDOM || n > CMP_MAX_BYTES);
			limits[0] = 0;
			limits[1] = WKDM_MIN_BYTES - 1;
			limits[2] = n - 4;
			limits[3] = n - 1;
			limits[4] = n;
			limits[5] = n + 3;
			limits[6] = rnd() % PAGE_SIZE;
			limits[7] = WKDM_MIN_BYTES + rnd() % 64;
			for (i = 0; i < ARRAY_SIZE(limits); i++) {
				size_t l = limits[i];
				int m = wkdm_into(src, l, s);

				if (l >= (size_t)n) {
					ASSERT_EQ(n, m) TH_LOG("limit %zu", l);
				} else {
					ASSERT_EQ(-E2BIG, m)
						TH_LOG("limit %zu size %d", l, n);
				}
			}
		}
	}
	free(s);
	free(src);
}

TEST(hybrid_stays_within_its_capacity)
{
	int rounds = mt_rounds(200, 20), r;
	struct cmp_ctx *ctx = malloc(sizeof(*ctx));
	void *src = page_alloc(), *out = page_alloc();

	ASSERT_NE(NULL, ctx);
	for (r = 0; r < rounds; r++) {
		size_t cap = rnd() % (PAGE_SIZE + 1);
		void *dst = malloc(cap ? cap : 1);
		struct cmp_result res;

		ASSERT_NE(NULL, dst);
		fill_any(src, rnd() % (CMP_PAGE_TYPES + 1), rnd());
		ASSERT_EQ(0, cmp_compress(ctx, src, dst, cap, &res));
		if (res.kind != CMP_KIND_RAW) {
			ASSERT_LE(res.bytes, cap);
			ASSERT_EQ(0, cmp_decompress(res.kind, dst, res.bytes, out));
			ASSERT_EQ(0, memcmp(out, src, PAGE_SIZE));
		}
		free(dst);
	}
	free(ctx);
	free(src);
	free(out);
}

/*
 * A decoder on @len bytes of @data copied into a block of exactly that
 * size: WKdm's (@kind 0) or the hybrid's for @kind.
 */
static int decode_exact(int kind, const void *data, size_t len, void *out)
{
	void *src = malloc(len ? len : 1);
	int err;

	if (!src)
		abort();
	memcpy(src, data, len);
	if (kind)
		err = cmp_decompress(kind, src, len, out);
	else
		err = wkdm_decompress(src, len, out);
	free(src);
	return err;
}

static int wkdm_from(const void *data, size_t len, void *out)
{
	return decode_exact(0, data, len, out);
}

TEST(random_input_never_overruns)
{
	int rounds = mt_rounds(4000, 200), r, accepted = 0;
	size_t cap = PAGE_SIZE + 64;
	u32 *data = malloc(cap);
	void *out = page_alloc();

	ASSERT_NE(NULL, data);
	for (r = 0; r < rounds; r++) {
		size_t len = rnd() % cap, words = len / 4, i;
		int err;

		for (i = 0; i < cap / 4; i++)
			data[i] = rnd();
		/* Half the time a plausible header, so decoding goes deep. */
		if (r % 2 && words >= WKDM_FIXED_WORDS) {
			u32 a = WKDM_FIXED_WORDS + rnd() % (words - WKDM_FIXED_WORDS + 1);
			u32 b = a + rnd() % (words - a + 1);

			data[0] = a;
			data[1] = b;
			data[2] = r % 4 == 1 ? words : b + rnd() % (words - b + 1);
		}
		err = wkdm_from(data, len, out);
		ASSERT_TRUE(err == 0 || err == -EINVAL);
		accepted += !err;
		/* The hybrid's decoder, with every kind (and bad ones). */
		err = decode_exact(rnd() % (CMP_KIND_NR + 1), data, len, out);
		ASSERT_TRUE(err == 0 || err == -EINVAL);
		err = cmp_decompress(CMP_KIND_NR + 1 + rnd() % 100, data, len, out);
		ASSERT_EQ(-EINVAL, err);
	}
	TH_LOG("%d of %d random inputs decoded as a page", accepted, rounds);
	free(data);
	free(out);
}

TEST(corrupted_streams_never_overrun)
{
	int rounds = mt_rounds(2000, 100), r, refused = 0;
	struct wkdm_scratch *s = malloc(sizeof(*s));
	u32 *buf = malloc(2 * PAGE_SIZE + 64);
	void *src = page_alloc(), *out = page_alloc();

	ASSERT_NE(NULL, s);
	ASSERT_NE(NULL, buf);
	for (r = 0; r < rounds; r++) {
		int t = rnd() % (CMP_PAGE_TYPES + 1), n, err;
		size_t words, len;

		fill_any(src, t, rnd());
		n = wkdm_compress(src, buf, 2 * PAGE_SIZE, s);
		ASSERT_GT(n, 0);
		words = n / 4;
		len = n;
		switch (r % 4) {
		case 0:	/* a bit flipped anywhere */
			buf[rnd() % words] ^= 1u << (rnd() % 32);
			break;
		case 1:	/* a word anywhere replaced */
			buf[rnd() % words] = rnd();
			break;
		case 2:	/* cut short */
			len = (rnd() % words) * 4 + rnd() % 4;
			break;
		default: /* junk after the end */
			len += 4 + (rnd() % 16) * 4;
			buf[words] = rnd();
			break;
		}
		err = wkdm_from(buf, len, out);
		ASSERT_TRUE(err == 0 || err == -EINVAL);
		refused += !!err;
	}
	/* Cutting and extending are always caught; most changes are. */
	EXPECT_GE(refused, rounds / 2);
	TH_LOG("%d of %d corrupted streams refused", refused, rounds);
	free(s);
	free(buf);
	free(src);
	free(out);
}

TEST(forged_headers_are_refused)
{
	struct wkdm_scratch *s = malloc(sizeof(*s));
	u32 *buf = malloc(PAGE_SIZE), forged[3];
	void *src = page_alloc(), *out = page_alloc();
	size_t words, i, f;
	int n;

	ASSERT_NE(NULL, s);
	ASSERT_NE(NULL, buf);
	cmp_fill_page(src, CMP_PAGE_POINTERS, 77);
	n = wkdm_compress(src, buf, CMP_MAX_BYTES, s);
	ASSERT_GT(n, WKDM_MIN_BYTES);
	words = n / 4;
	ASSERT_EQ(0, wkdm_from(buf, n, out));
	memcpy(forged, buf, sizeof(forged));
	for (i = 0; i < 3; i++) {
		u32 bad[] = { 0, WKDM_FIXED_WORDS - 1, words - 1, words + 1,
			      0x7fffffff, 0xffffffff, forged[i] + 1, forged[i] - 1 };

		for (f = 0; f < ARRAY_SIZE(bad); f++) {
			if (bad[f] == forged[i])
				continue;
			buf[i] = bad[f];
			/* A moved boundary between two areas may still decode
			 * (a miss read as indices...): only the sizes must hold. */
			n = wkdm_from(buf, words * 4, out);
			if (i == 2 || bad[f] > words || bad[f] < WKDM_FIXED_WORDS) {
				EXPECT_EQ(-EINVAL, n)
					TH_LOG("header word %zu = %u", i, bad[f]);
			} else {
				EXPECT_TRUE(n == 0 || n == -EINVAL);
			}
			buf[i] = forged[i];
		}
	}
	free(s);
	free(buf);
	free(src);
	free(out);
}

TEST(bad_kinds_and_sizes_are_refused)
{
	void *src = page_alloc(), *out = page_alloc();
	long errs;

	memset(src, 0, PAGE_SIZE);
	memset(&cmp_stats, 0, sizeof(cmp_stats));
	EXPECT_EQ(-EINVAL, cmp_decompress(0, src, 4, out));
	EXPECT_EQ(-EINVAL, cmp_decompress(CMP_KIND_NR, src, 4, out));
	EXPECT_EQ(-EINVAL, cmp_decompress(CMP_KIND_SV, src, 3, out));
	EXPECT_EQ(-EINVAL, cmp_decompress(CMP_KIND_SV, src, 8, out));
	EXPECT_EQ(-EINVAL, cmp_decompress(CMP_KIND_RAW, src, PAGE_SIZE - 1, out));
	EXPECT_EQ(-EINVAL, cmp_decompress(CMP_KIND_WKDM, src, 0, out));
	EXPECT_EQ(-EINVAL, cmp_decompress(CMP_KIND_WKDM, src, WKDM_MIN_BYTES - 4, out));
	/* Without LZ4 in this build, LZ4 data is never accepted. */
	EXPECT_EQ(-EINVAL, cmp_decompress(CMP_KIND_LZ4, src, 16, out));
	errs = atomic_long_read(&cmp_stats.decompress_errors);
	EXPECT_EQ(8, errs);
	EXPECT_EQ(0, cmp_decompress(CMP_KIND_SV, src, 4, out));
	EXPECT_EQ(0, memcmp(out, src, PAGE_SIZE));
	free(src);
	free(out);
}

/* A number from /sys/class/misc/mach/compressor/@name, or -1. */
static long sysfs_long(const char *name)
{
	char path[128], buf[64];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), MACHINA_SYSFS "compressor/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/*
 * The module's side (in the guest, where it is loaded): it passed the same
 * self-test at load, and says which codecs this kernel gives it: LZ4 on the
 * stock kernels (lz4_compress preloaded), not on the debug kernels, which do
 * not build LZ4's compressor; LZ4's threshold is XNU's for the page size.
 */
TEST(module_counters_and_codecs)
{
	const char *k = getenv("MACHINA_KERNEL");
	long psz = sysconf(_SC_PAGESIZE), thr;
	char codecs[64] = "";
	FILE *f;

	f = fopen(MACHINA_SYSFS "compressor/codecs", "r");
	if (!f)
		SKIP(return, "no machina module loaded here");
	ASSERT_NE(NULL, fgets(codecs, sizeof(codecs), f));
	fclose(f);
	thr = sysfs_long("lz4_threshold");
	if (k && !strncmp(k, "debug-", 6)) {
		EXPECT_STREQ("sv wkdm\n", codecs);
	} else if (k) {
		EXPECT_STREQ("sv wkdm lz4\n", codecs);
	}
	if (!strcmp(codecs, "sv wkdm lz4\n")) {
		EXPECT_EQ(psz == 4096 ? 2048 : psz / 4 * 3, thr);
	} else {
		EXPECT_EQ(0, thr);
	}
	EXPECT_GT(sysfs_long("selftest_ns"), 0);
	TH_LOG("codecs %.*s, load-time self-test %ld us", (int)strcspn(codecs, "\n"),
	       codecs, sysfs_long("selftest_ns") / 1000);
	/* Nothing compresses pages yet (no pager): nothing was refused. */
	EXPECT_EQ(0, sysfs_long("decompress_errors"));
	EXPECT_LE(0, sysfs_long("compressions_wkdm"));
	EXPECT_LE(0, sysfs_long("bytes_out"));
}

TEST_HARNESS_MAIN
