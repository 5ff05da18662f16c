// SPDX-License-Identifier: GPL-2.0
/*
 * The compressor at module load: the codecs' self-test (codec_selftest.c)
 * runs first, and a broken codec keeps the module from loading; then the
 * counters of struct cmp_stats start from zero and are shown in
 * /sys/class/misc/mach/compressor/ (one value a file):
 *   codecs                 "sv wkdm lz4", or "sv wkdm" on a kernel without
 *                          LZ4's compressor (the debug kernels)
 *   lz4_threshold          WKdm output from this size on is tried with LZ4
 *   compressions_{sv,wkdm,lz4,raw}, decompressions_{sv,wkdm,lz4,raw}
 *   lz4_tries              pages WKdm handed to LZ4
 *   bytes_in, bytes_out    what was compressed and what it took
 *   decompress_errors      compressed input a codec refused
 *   selftest_ns            how long the load-time self-test took
 */
#include <linux/device.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "compressor/codec.h"
#include "compressor/compressor.h"

struct cmp_stats cmp_stats;
static u64 selftest_ns;

/*
 * machina_compressor_init - run the codecs' self-test, then zero the counters
 * Conditions: module init, process context; nothing uses the codecs yet.
 * Returns 0, -ENOMEM, or -EIO when a codec fails its self-test (logged).
 */
int machina_compressor_init(void)
{
	struct cmp_selftest_bufs *b;
	enum cmp_page_type at;
	const char *failed;
	u64 t0;
	int err;

	b = kvmalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	t0 = ktime_get_ns();
	err = cmp_selftest(b, &failed, &at);
	selftest_ns = ktime_get_ns() - t0;
	kvfree(b);
	if (err) {
		pr_err("machina: compressor self-test failed: %s (%s page)\n",
		       failed, cmp_page_type_names[at]);
		return err;
	}
	memset(&cmp_stats, 0, sizeof(cmp_stats));
	pr_info("machina: compressor codecs %s passed their self-test in %llu us\n",
		CMP_HAVE_LZ4 ? "sv wkdm lz4" : "sv wkdm (no lz4 in this kernel)",
		selftest_ns / 1000);
	return 0;
}

static ssize_t codecs_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", CMP_HAVE_LZ4 ? "sv wkdm lz4" : "sv wkdm");
}
static DEVICE_ATTR_RO(codecs);

static ssize_t lz4_threshold_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", CMP_HAVE_LZ4 ? CMP_LZ4_THRESHOLD : 0);
}
static DEVICE_ATTR_RO(lz4_threshold);

static ssize_t selftest_ns_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", selftest_ns);
}
static DEVICE_ATTR_RO(selftest_ns);

/* One read-only file per counter of cmp_stats. */
#define CMP_COUNTER(name, field)					\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&cmp_stats.field)); \
}									\
static DEVICE_ATTR_RO(name)

CMP_COUNTER(compressions_sv, compressions[CMP_KIND_SV]);
CMP_COUNTER(compressions_wkdm, compressions[CMP_KIND_WKDM]);
CMP_COUNTER(compressions_lz4, compressions[CMP_KIND_LZ4]);
CMP_COUNTER(compressions_raw, compressions[CMP_KIND_RAW]);
CMP_COUNTER(decompressions_sv, decompressions[CMP_KIND_SV]);
CMP_COUNTER(decompressions_wkdm, decompressions[CMP_KIND_WKDM]);
CMP_COUNTER(decompressions_lz4, decompressions[CMP_KIND_LZ4]);
CMP_COUNTER(decompressions_raw, decompressions[CMP_KIND_RAW]);
CMP_COUNTER(lz4_tries, lz4_tries);
CMP_COUNTER(bytes_in, bytes_in);
CMP_COUNTER(bytes_out, bytes_out);
CMP_COUNTER(decompress_errors, decompress_errors);

static struct attribute *compressor_attrs[] = {
	&dev_attr_codecs.attr,
	&dev_attr_lz4_threshold.attr,
	&dev_attr_selftest_ns.attr,
	&dev_attr_compressions_sv.attr,
	&dev_attr_compressions_wkdm.attr,
	&dev_attr_compressions_lz4.attr,
	&dev_attr_compressions_raw.attr,
	&dev_attr_decompressions_sv.attr,
	&dev_attr_decompressions_wkdm.attr,
	&dev_attr_decompressions_lz4.attr,
	&dev_attr_decompressions_raw.attr,
	&dev_attr_lz4_tries.attr,
	&dev_attr_bytes_in.attr,
	&dev_attr_bytes_out.attr,
	&dev_attr_decompress_errors.attr,
	NULL,
};

/* A directory of the device's (personality/chardev.c lists it). */
const struct attribute_group machina_compressor_group = {
	.name = "compressor",
	.attrs = compressor_attrs,
};
