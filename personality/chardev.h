/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MACHINA_CHARDEV_H
#define _MACHINA_CHARDEV_H

#include <linux/types.h>

int machina_chardev_init(void);
void machina_chardev_exit(void);

struct file;
bool machina_file_is_device(const struct file *file);

#endif /* _MACHINA_CHARDEV_H */
