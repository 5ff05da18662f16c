// SPDX-License-Identifier: GPL-2.0
/*
 * The hybrid: one page in, {kind, bytes} out (codec.h).
 *
 * Where XNU lets LZ4 overwrite WKdm's output in its segment (and keeps the
 * LZ4 result whatever its size), Machina compresses LZ4 into the context's
 * own buffer and asks it for less than WKdm's size: a page keeps whichever
 * codec made it smaller.
 */
#include "compressor/codec.h"

/*
 * cmp_single_value - whether every 32-bit word of @page is the same
 * Returns true with the word in *@value.
 */
bool cmp_single_value(const void *page, u32 *value)
{
	const u32 *w = page;
	u32 v = w[0];
	size_t i;

	for (i = 1; i < PAGE_SIZE / 4; i++)
		if (w[i] != v)
			return false;
	*value = v;
	return true;
}

#if CMP_HAVE_LZ4
/* LZ4 into ctx->lz4_out, in fewer than @below bytes: its size, or 0. */
static int lz4_smaller(struct cmp_ctx *ctx, const void *page, size_t below)
{
	size_t max = below - 1;

	if (max > sizeof(ctx->lz4_out))
		max = sizeof(ctx->lz4_out);
	atomic_long_inc(&cmp_stats.lz4_tries);
	return LZ4_compress_default(page, (char *)ctx->lz4_out, PAGE_SIZE,
				    (int)max, ctx->lz4_mem);
}
#endif

/*
 * cmp_compress - compress one page by XNU's hybrid order
 * @ctx: work areas, the caller's alone for the call
 * @page: PAGE_SIZE bytes, 4-byte aligned
 * @dst: where the compressed bytes go, @cap bytes long, 4-byte aligned
 * Conditions: any context that may take the time of two compressions of a
 * page (no allocation, no lock, no sleep).
 * Returns 0 with *@res filled: SV (4 bytes in @dst), WKDM or LZ4 (res->bytes
 * in @dst, at most min(@cap, CMP_MAX_BYTES)), or RAW (the page did not
 * compress into that bound and is kept as it is; @dst holds nothing of use).
 * Never writes @dst past @cap.
 */
int cmp_compress(struct cmp_ctx *ctx, const void *page, void *dst, size_t cap,
		 struct cmp_result *res)
{
	size_t bound = cap < CMP_MAX_BYTES ? cap : CMP_MAX_BYTES;
	int wk;
	u32 v;

	if (bound >= 4 && cmp_single_value(page, &v)) {
		memcpy(dst, &v, 4);
		res->kind = CMP_KIND_SV;
		res->bytes = 4;
		goto out;
	}
	wk = wkdm_compress(page, dst, bound, &ctx->wk);
#if CMP_HAVE_LZ4
	if (wk < 0 || wk >= CMP_LZ4_THRESHOLD) {
		int lz = lz4_smaller(ctx, page, wk < 0 ? bound + 1 : (size_t)wk);

		if (lz > 0) {
			memcpy(dst, ctx->lz4_out, lz);
			res->kind = CMP_KIND_LZ4;
			res->bytes = lz;
			goto out;
		}
	}
#endif
	if (wk >= 0) {
		res->kind = CMP_KIND_WKDM;
		res->bytes = wk;
	} else {
		res->kind = CMP_KIND_RAW;
		res->bytes = PAGE_SIZE;
	}
out:
	atomic_long_inc(&cmp_stats.compressions[res->kind]);
	atomic_long_add(PAGE_SIZE, &cmp_stats.bytes_in);
	atomic_long_add(res->bytes, &cmp_stats.bytes_out);
	return 0;
}

/*
 * cmp_decompress - rebuild a page from what cmp_compress() gave
 * @kind, @src, @bytes: its kind and output (RAW: the kept page itself)
 * @page: PAGE_SIZE bytes, 4-byte aligned, not overlapping @src
 * Conditions: any context; no allocation, no lock.
 * Returns 0, or -EINVAL for an unknown kind, a size that kind cannot have,
 * or data the codec refuses (counted in decompress_errors): never reads
 * @src past @bytes nor writes @page past PAGE_SIZE.
 */
int cmp_decompress(enum cmp_kind kind, const void *src, size_t bytes,
		   void *page)
{
	int err = -EINVAL;
	u32 *w = page, v;
	size_t i;

	switch (kind) {
	case CMP_KIND_SV:
		if (bytes != 4)
			break;
		memcpy(&v, src, 4);
		for (i = 0; i < PAGE_SIZE / 4; i++)
			w[i] = v;
		err = 0;
		break;
	case CMP_KIND_WKDM:
		err = wkdm_decompress(src, bytes, page);
		break;
	case CMP_KIND_LZ4:
#if CMP_HAVE_LZ4
		if (bytes == 0 || bytes > CMP_MAX_BYTES)
			break;
		if (LZ4_decompress_safe(src, page, (int)bytes, PAGE_SIZE) ==
		    PAGE_SIZE)
			err = 0;
#endif
		break;
	case CMP_KIND_RAW:
		if (bytes != PAGE_SIZE)
			break;
		memcpy(page, src, PAGE_SIZE);
		err = 0;
		break;
	default:
		break;
	}
	if (err) {
		atomic_long_inc(&cmp_stats.decompress_errors);
		return err;
	}
	atomic_long_inc(&cmp_stats.decompressions[kind]);
	return 0;
}
