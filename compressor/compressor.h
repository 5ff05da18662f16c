/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The compressor's module glue (compressor.c): its load-time self-test and
 * its counters in sysfs.  The pager that will use the codecs is planned in
 * docs/plans/compressor.md.
 */
#ifndef _MACHINA_COMPRESSOR_H
#define _MACHINA_COMPRESSOR_H

struct attribute_group;

int machina_compressor_init(void);
extern const struct attribute_group machina_compressor_group;

#endif /* _MACHINA_COMPRESSOR_H */
