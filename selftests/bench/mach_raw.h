/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few Mach calls the benchmarks make, as raw ioctls on /dev/mach
 * (uapi/machina.h), so that the hot loops measure the module and not
 * libmach.  Types and constants are Darwin's, from the headers of
 * userlib/include (headers only: nothing here links with libmach).
 *
 * Every function returns a kern_return_t / mach_msg_return_t (>= 0), or a
 * negative errno when the ioctl itself failed.  The descriptor is opened once
 * per program; after fork() a child's calls on it reach the child's own task
 * (the module keys tasks by thread group), so a child starts with an empty
 * IPC space.
 */
#ifndef _MACHINA_BENCH_MACH_RAW_H
#define _MACHINA_BENCH_MACH_RAW_H

#include <stdint.h>
#include <sys/types.h>

#include <mach/message.h>
#include <mach/port.h>

#include "uapi/machina.h"

extern int mr_fd;

/* One ioctl on mr_fd: its non-negative result, or -errno. */
int mr_ioctl(unsigned long cmd, void *arg);

/* Open /dev/mach and check that it serves IPC; NULL, or why it cannot. */
const char *mr_open(void);

/* mach_task_self(): the calling process's name for its own task port. */
int mr_task_self(mach_port_name_t *name);

int mr_allocate(mach_port_name_t task, mach_port_right_t right,
		mach_port_name_t *name);
/* A send right made from the receive right @name, under the same name. */
int mr_make_send(mach_port_name_t task, mach_port_name_t name);
int mr_mod_refs(mach_port_name_t task, mach_port_name_t name,
		mach_port_right_t right, int delta);
int mr_type(mach_port_name_t task, mach_port_name_t name, uint32_t *type);
int mr_set_qlimit(mach_port_name_t task, mach_port_name_t name,
		  uint32_t qlimit);

/* A descriptor holding a send right to @name (O_CLOEXEC clear: it crosses fork). */
int mr_send_fd(mach_port_name_t name, int *fd);
/* The send right a descriptor from mr_send_fd() holds, named in the caller. */
int mr_from_fd(int fd, mach_port_name_t *name);

/* mach_msg_overwrite() with a separate receive buffer (or 0). */
static inline int mr_msg(void *msg, uint32_t option, uint32_t send_size,
			 uint32_t rcv_size, mach_port_name_t rcv_name,
			 void *rcv_msg)
{
	struct machina_msg m = {
		.msg = (uintptr_t)msg,
		.rcv_msg = (uintptr_t)rcv_msg,
		.option = option,
		.send_size = send_size,
		.rcv_size = rcv_size,
		.rcv_name = rcv_name,
	};

	return mr_ioctl(MACHINA_IOC_MSG, &m);
}

/*
 * Mach VM on the task @task names (the caller's own or a control port):
 * mach_vm_allocate (VM_FLAGS_ANYWHERE), mach_vm_deallocate, mach_vm_read
 * (the copy's address in *data; the caller deallocates it) and
 * mach_vm_read_overwrite (into the caller's bytes at @data).
 */
int mr_vm_allocate(mach_port_name_t task, uint64_t size, uint64_t *addr);
int mr_vm_deallocate(mach_port_name_t task, uint64_t addr, uint64_t size);
int mr_vm_read(mach_port_name_t task, uint64_t addr, uint64_t size,
	       uint64_t *data);
int mr_vm_read_overwrite(mach_port_name_t task, uint64_t addr, uint64_t size,
			 uint64_t data);
/* task_for_pid(): a send right to the control port of process @pid. */
int mr_task_for_pid(mach_port_name_t self, pid_t pid, mach_port_name_t *task);

/* A null call: the handshake, which touches no task state. */
int mr_null(void);

#endif /* _MACHINA_BENCH_MACH_RAW_H */
