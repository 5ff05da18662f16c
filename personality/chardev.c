// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mach: the misc device every Mach call enters through.
 *
 * The descriptor carries no state: a call acts on the calling process's task
 * (mach/task.h), found from the caller's identity, so a descriptor shared
 * across fork, passed to another process, or closed before exit changes
 * nothing about whose task a call reaches.
 *
 * The device's sysfs directory (/sys/class/misc/mach/) holds live object
 * counters, so tests and administrators can see leaks, and the compressor's
 * (compressor/compressor.c) in its compressor/ directory.
 */
#include <linux/compat.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "compressor/compressor.h"
#include "mach/ipc_kmsg.h"
#include "mach/ipc_port.h"
#include "mach/ipc_pset.h"
#include "mach/sched_depress.h"
#include "mach/task.h"
#include "personality/calls.h"
#include "personality/chardev.h"
#include "personality/trap.h"
#include "uapi/machina.h"
#include "xnu_vm/vm_ledger.h"
#include "xnu_vm/vm_map_copy.h"
#include "xnu_vm/vm_object.h"

static long machina_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	return machina_dispatch_ioctl(cmd, (void __user *)arg);
}

static const struct file_operations machina_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = machina_ioctl,
	/* Every argument structure has one layout for 32- and 64-bit callers. */
	.compat_ioctl = compat_ptr_ioctl,
};

/*
 * machina_file_is_device - whether @file is an open description of
 * /dev/mach (the Darwin trap shim's access check, trap_shim.c)
 * Conditions: any context; @file may be one a concurrent close is
 * releasing (only its f_op is read, which RCU keeps readable).
 */
bool machina_file_is_device(const struct file *file)
{
	return READ_ONCE(file->f_op) == &machina_fops;
}

static ssize_t live_tasks_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", machina_task_live_count());
}
static DEVICE_ATTR_RO(live_tasks);

static ssize_t live_threads_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", machina_thread_live_count());
}
static DEVICE_ATTR_RO(live_threads);

static ssize_t live_ports_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", ipc_port_live_count());
}
static DEVICE_ATTR_RO(live_ports);

static ssize_t live_port_sets_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", ipc_pset_live_count());
}
static DEVICE_ATTR_RO(live_port_sets);

static ssize_t live_messages_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", ipc_kmsg_live_count());
}
static DEVICE_ATTR_RO(live_messages);

static ssize_t live_ool_copies_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", xnu_vm_map_copy_live_count());
}
static DEVICE_ATTR_RO(live_ool_copies);

/* thread_switch depressions under way (sched_depress.h). */
static ssize_t live_depressions_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", machina_depress_live_count());
}
static DEVICE_ATTR_RO(live_depressions);

/* Steps the Mach VM trims took since load (xnu_vm_object_trim()). */
static ssize_t vm_trim_steps_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", xnu_vm_trim_steps());
}
static DEVICE_ATTR_RO(vm_trim_steps);

/* Mach VM pages the ledgers count now, all users (vm_ledger.h). */
static ssize_t vm_ledger_pages_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", xnu_vm_ledger_total());
}
static DEVICE_ATTR_RO(vm_ledger_pages);

/* Pages refused at max_vm_bytes since load. */
static ssize_t vm_ledger_refused_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", xnu_vm_ledger_refused());
}
static DEVICE_ATTR_RO(vm_ledger_refused);

/* How often the Darwin trap hooks were attached since load (their linger). */
static ssize_t trap_hooks_attached_show(struct device *dev,
					struct device_attribute *attr,
					char *buf)
{
	return sysfs_emit(buf, "%ld\n", machina_trap_hooks_attached());
}
static DEVICE_ATTR_RO(trap_hooks_attached);

/* arm64: calls whose instruction the trap probe could not read (trap_shim.c). */
static ssize_t trap_unread_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", machina_trap_unread_count());
}
static DEVICE_ATTR_RO(trap_unread);

static ssize_t abi_version_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", MACHINA_ABI_VERSION);
}
static DEVICE_ATTR_RO(abi_version);

static struct attribute *machina_attrs[] = {
	&dev_attr_live_tasks.attr,
	&dev_attr_live_threads.attr,
	&dev_attr_live_ports.attr,
	&dev_attr_live_port_sets.attr,
	&dev_attr_live_messages.attr,
	&dev_attr_live_ool_copies.attr,
	&dev_attr_abi_version.attr,
	&dev_attr_trap_hooks_attached.attr,
	&dev_attr_trap_unread.attr,
	&dev_attr_vm_trim_steps.attr,
	&dev_attr_vm_ledger_pages.attr,
	&dev_attr_vm_ledger_refused.attr,
	&dev_attr_live_depressions.attr,
	NULL,
};
static const struct attribute_group machina_group = {
	.attrs = machina_attrs,
};

static const struct attribute_group *machina_groups[] = {
	&machina_group,
	&machina_compressor_group,
	NULL,
};

static struct miscdevice machina_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mach",
	.fops = &machina_fops,
	/* Like /dev/binder: every user may speak Mach. */
	.mode = 0666,
	.groups = machina_groups,
};

int machina_chardev_init(void)
{
	return misc_register(&machina_miscdev);
}

void machina_chardev_exit(void)
{
	misc_deregister(&machina_miscdev);
}
