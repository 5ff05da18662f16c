/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MACHINA_CHARDEV_H
#define _MACHINA_CHARDEV_H

int machina_chardev_init(void);
void machina_chardev_exit(void);

#endif /* _MACHINA_CHARDEV_H */
