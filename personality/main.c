// SPDX-License-Identifier: GPL-2.0
/*
 * machina.ko: module load and unload.
 *
 * Load order: task lifecycle (exit tracepoint) first, then the device, so no
 * call can make a task before exits are watched.  Unload runs in reverse; it
 * is only reached once every task is gone, because each live task pins the
 * module (mach/task.c).
 */
#include <linux/module.h>

#include "compressor/compressor.h"
#include "mach/ipc_kmsg.h"
#include "mach/mk_timer.h"
#include "mach/sched_placement.h"
#include "mach/task.h"
#include "personality/chardev.h"
#include "personality/trap.h"
#include "mach/host.h"
#include "uapi/machina.h"
#include "xnu_vm/vm_map.h"

static int __init machina_init(void)
{
	int err;

	/* A broken codec refuses the module before anything is set up. */
	err = machina_compressor_init();
	if (err)
		return err;
	err = machina_placement_init();
	if (err)
		return err;
	err = mk_timer_init();
	if (err)
		goto err_placement;
	err = machina_task_init();
	if (err)
		goto err_timer;
	err = machina_host_init();
	if (err)
		goto err_task;
	err = machina_task_access_init();
	if (err)
		goto err_host;
	err = xnu_vm_map_init();
	if (err)
		goto err_access;
	err = machina_chardev_init();
	if (err)
		goto err_vm;
	pr_info("machina: /dev/mach ready, ABI %d\n", MACHINA_ABI_VERSION);
	return 0;

err_vm:
	xnu_vm_map_exit();
err_access:
	machina_task_access_exit();
err_host:
	machina_host_exit();
err_task:
	machina_task_exit();
err_timer:
	mk_timer_exit();
	ipc_kmsg_cache_drain();
err_placement:
	machina_placement_exit();
	return err;
}

static void __exit machina_exit(void)
{
	machina_chardev_exit();
	machina_task_exit();
	/* No opted-in task or record is left: the trap hooks go. */
	machina_trap_exit();
	/* Every caller is gone; a killed one's map change may still run. */
	xnu_vm_map_exit();
	/* No call runs any more: nothing asks for a task port. */
	machina_task_access_exit();
	/* Every task is gone, so every timer's port is dead: no more expiries. */
	mk_timer_exit();
	/* Nothing can name the host or a clock any more. */
	machina_host_exit();
	/* ... nor hold a message. */
	ipc_kmsg_cache_drain();
	/* No thread record is left to place. */
	machina_placement_exit();
}

module_init(machina_init);
module_exit(machina_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Mach IPC and the XNU personality for Linux");
MODULE_VERSION("0.1.0");
