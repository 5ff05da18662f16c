/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The little of the kernel the codecs (wkdm.c, codec.c) use, in one place:
 * the module builds them against the kernel's headers, the user-space
 * round-trip and fuzz harness (selftests/cmp_codec_test.c) builds the very
 * same files against selftests/cmp_shim.h.  Nothing else in the codecs
 * names a kernel header.
 *
 * CMP_HAVE_LZ4: whether the hybrid may use LZ4.  In the module, when the
 * kernel has LZ4's compressor (lib/lz4/lz4_compress: a module on every
 * Debian kernel of the matrix, loaded before machina) and decompressor
 * (built in everywhere); the debug kernels, built from tinyconfig, have the
 * decompressor only, and their hybrid is WKdm alone (docs/plans/compressor.md).
 */
#ifndef _MACHINA_CMP_TYPES_H
#define _MACHINA_CMP_TYPES_H

#ifdef __KERNEL__
#include <linux/atomic.h>
#include <linux/errno.h>
#include <linux/kconfig.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/page.h>

#if IS_REACHABLE(CONFIG_LZ4_COMPRESS) && IS_REACHABLE(CONFIG_LZ4_DECOMPRESS)
#include <linux/lz4.h>
#define CMP_HAVE_LZ4 1
#else
#define CMP_HAVE_LZ4 0
#endif
#else
#include "selftests/cmp_shim.h"
#endif

#endif /* _MACHINA_CMP_TYPES_H */
