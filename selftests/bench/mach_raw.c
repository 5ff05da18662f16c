// SPDX-License-Identifier: GPL-2.0
/* Raw /dev/mach calls (mach_raw.h). */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <mach/vm_statistics.h>

#include "mach_raw.h"

int mr_fd = -1;

int mr_ioctl(unsigned long cmd, void *arg)
{
	int ret = ioctl(mr_fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

const char *mr_open(void)
{
	struct machina_handshake hs = { .client_abi = MACHINA_ABI_VERSION };

	if (mr_fd >= 0)
		return NULL;
	mr_fd = open(MACHINA_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (mr_fd < 0)
		return "no " MACHINA_DEVICE_PATH " (machina.ko not loaded)";
	if (mr_ioctl(MACHINA_IOC_HANDSHAKE, &hs) != 0)
		return "handshake failed: module and benchmark ABI differ";
	if (!(hs.features & MACHINA_FEATURE_IPC))
		return "the module does not report MACHINA_FEATURE_IPC";
	return NULL;
}

int mr_null(void)
{
	struct machina_handshake hs = { .client_abi = MACHINA_ABI_VERSION };

	return mr_ioctl(MACHINA_IOC_HANDSHAKE, &hs);
}

int mr_task_self(mach_port_name_t *name)
{
	struct machina_name_out out = { 0 };
	int kr = mr_ioctl(MACHINA_IOC_TASK_SELF, &out);

	*name = out.name;
	return kr;
}

int mr_allocate(mach_port_name_t task, mach_port_right_t right,
		mach_port_name_t *name)
{
	struct machina_port_args a = { .task = task, .right = right };
	int kr = mr_ioctl(MACHINA_IOC_PORT_ALLOCATE, &a);

	*name = kr ? MACH_PORT_NULL : a.name;
	return kr;
}

int mr_make_send(mach_port_name_t task, mach_port_name_t name)
{
	struct machina_port_args a = {
		.task = task,
		.name = name,
		.value = name,
		.right = MACH_MSG_TYPE_MAKE_SEND,
	};

	return mr_ioctl(MACHINA_IOC_PORT_INSERT_RIGHT, &a);
}

int mr_mod_refs(mach_port_name_t task, mach_port_name_t name,
		mach_port_right_t right, int delta)
{
	struct machina_port_args a = {
		.task = task,
		.name = name,
		.right = right,
		.delta = delta,
	};

	return mr_ioctl(MACHINA_IOC_PORT_MOD_REFS, &a);
}

int mr_type(mach_port_name_t task, mach_port_name_t name, uint32_t *type)
{
	struct machina_port_args a = { .task = task, .name = name };
	int kr = mr_ioctl(MACHINA_IOC_PORT_TYPE, &a);

	*type = a.value;
	return kr;
}

int mr_set_qlimit(mach_port_name_t task, mach_port_name_t name, uint32_t qlimit)
{
	struct machina_port_attr a = {
		.task = task,
		.name = name,
		.flavor = MACH_PORT_LIMITS_INFO,
		.count = MACH_PORT_LIMITS_INFO_COUNT,
	};

	a.info[0] = qlimit;
	return mr_ioctl(MACHINA_IOC_PORT_SET_ATTRIBUTES, &a);
}

int mr_send_fd(mach_port_name_t name, int *fd)
{
	struct machina_port_fd a = { .name = name,
				     .right = MACH_PORT_RIGHT_SEND };
	int kr = mr_ioctl(MACHINA_IOC_PORT_FD, &a);

	*fd = kr ? -1 : a.fd;
	return kr;
}

int mr_from_fd(int fd, mach_port_name_t *name)
{
	struct machina_port_fd a = { .fd = fd, .right = MACH_PORT_RIGHT_SEND };
	int kr = mr_ioctl(MACHINA_IOC_PORT_FROM_FD, &a);

	*name = kr ? MACH_PORT_NULL : a.name;
	return kr;
}

int mr_vm_allocate(mach_port_name_t task, uint64_t size, uint64_t *addr)
{
	struct machina_vm_args a = { .task = task, .size = size,
				     .vm_flags = VM_FLAGS_ANYWHERE };
	int kr = mr_ioctl(MACHINA_IOC_VM_ALLOCATE, &a);

	*addr = kr ? 0 : a.address;
	return kr;
}

int mr_vm_deallocate(mach_port_name_t task, uint64_t addr, uint64_t size)
{
	struct machina_vm_args a = { .task = task, .address = addr,
				     .size = size };

	return mr_ioctl(MACHINA_IOC_VM_DEALLOCATE, &a);
}

int mr_vm_read(mach_port_name_t task, uint64_t addr, uint64_t size,
	       uint64_t *data)
{
	struct machina_vm_args a = { .task = task, .address = addr,
				     .size = size };
	int kr = mr_ioctl(MACHINA_IOC_VM_READ, &a);

	*data = kr ? 0 : a.data;
	return kr;
}

int mr_vm_read_overwrite(mach_port_name_t task, uint64_t addr, uint64_t size,
			 uint64_t data)
{
	struct machina_vm_args a = { .task = task, .address = addr,
				     .size = size, .data = data };

	return mr_ioctl(MACHINA_IOC_VM_READ_OVERWRITE, &a);
}

int mr_task_for_pid(mach_port_name_t self, pid_t pid, mach_port_name_t *task)
{
	struct machina_task_for_pid a = { .task = self, .pid = pid,
					  .kind = MACHINA_TASK_FOR_PID_CONTROL };
	int kr = mr_ioctl(MACHINA_IOC_TASK_FOR_PID, &a);

	*task = kr ? MACH_PORT_NULL : a.name;
	return kr;
}
