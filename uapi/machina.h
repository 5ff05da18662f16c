/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The ioctl ABI of /dev/mach, shared by machina.ko and libmach.
 *
 * Rules every structure here follows:
 *  - fixed-width types only; user pointers travel as __u64;
 *  - every structure is a multiple of 8 bytes with explicit padding, and every
 *    "flags", "reserved" and padding field must be zero on input (-EINVAL
 *    otherwise) and is zeroed by the module on output;
 *  - a structure may grow at its end in a later ABI version.  A caller built
 *    against a larger structure may pass it as long as the bytes the module
 *    does not know are zero (-E2BIG otherwise); a smaller size is -EINVAL.
 *
 * The size of the argument is encoded in the ioctl number (_IOC_SIZE), so the
 * module checks it without trusting any field.
 *
 * Return value of every call: a negative errno when the request itself is
 * malformed (bad number, size, flags, reserved field, user pointer of the
 * argument block), otherwise the non-negative Mach status of the operation
 * (kern_return_t or mach_msg_return_t, e.g. 0 for KERN_SUCCESS).
 */
#ifndef _UAPI_MACHINA_H
#define _UAPI_MACHINA_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MACHINA_DEVICE_PATH	"/dev/mach"

/*
 * ABI version history:
 *   1 - handshake, task identity, mach_wait_until.
 */
#define MACHINA_ABI_VERSION	1
/* The oldest client ABI this header's module still serves. */
#define MACHINA_ABI_MIN		1

/* Feature bits reported by the handshake. */
#define MACHINA_FEATURE_TASK_STATE	(1ULL << 0) /* per-process Mach task state */
#define MACHINA_FEATURE_CLOCK		(1ULL << 1) /* mach_wait_until */

#define MACHINA_IOC_MAGIC	0xE4

/*
 * MACHINA_IOC_HANDSHAKE: version and feature negotiation.  Does not create
 * any per-process state.
 */
struct machina_handshake {
	__u32 client_abi;	/* in: MACHINA_ABI_VERSION the caller was built with */
	__u32 flags;		/* in: 0 */
	__u32 abi_version;	/* out: the module's MACHINA_ABI_VERSION */
	__u32 abi_min;		/* out: oldest client ABI the module serves */
	__u64 features;		/* out: MACHINA_FEATURE_* */
	__u32 page_size;	/* out: the kernel's page size in bytes */
	__u32 call_count;	/* out: number of ioctl calls the module knows */
	__u64 reserved[2];	/* in: 0, out: 0 */
};

/*
 * MACHINA_IOC_TASK_IDENTITY: who the kernel thinks the caller is.  Creates the
 * caller's task state and the calling thread's record on first use.
 */
struct machina_task_identity {
	__u64 task_serial;	/* out: unique, never reused id of the task state */
	__u64 thread_serial;	/* out: unique, never reused id of the thread record */
	__s32 pid;		/* out: the process id in the caller's pid namespace */
	__s32 tid;		/* out: the thread id in the caller's pid namespace */
	__u32 thread_count;	/* out: live threads the task has recognised */
	__u32 flags;		/* in: 0 */
	__u64 reserved;		/* in: 0, out: 0 */
};

/*
 * MACHINA_IOC_WAIT_UNTIL: mach_wait_until(2).  Sleeps until the deadline in
 * mach_absolute_time units (nanoseconds of CLOCK_MONOTONIC, timebase 1/1).
 * Returns KERN_SUCCESS, or KERN_ABORTED (14) when a signal interrupted the
 * wait.
 */
struct machina_wait_until {
	__u64 deadline;		/* in: absolute time, CLOCK_MONOTONIC ns */
	__u32 flags;		/* in: 0 */
	__u32 reserved;		/* in: 0 */
};

/* Call numbers; the module's dispatch table is checked against this list. */
enum machina_call_nr {
	MACHINA_NR_HANDSHAKE = 0,
	MACHINA_NR_TASK_IDENTITY = 1,
	MACHINA_NR_WAIT_UNTIL = 2,
	MACHINA_NR_COUNT
};

#define MACHINA_IOC_HANDSHAKE \
	_IOWR(MACHINA_IOC_MAGIC, MACHINA_NR_HANDSHAKE, struct machina_handshake)
#define MACHINA_IOC_TASK_IDENTITY \
	_IOWR(MACHINA_IOC_MAGIC, MACHINA_NR_TASK_IDENTITY, struct machina_task_identity)
#define MACHINA_IOC_WAIT_UNTIL \
	_IOW(MACHINA_IOC_MAGIC, MACHINA_NR_WAIT_UNTIL, struct machina_wait_until)

#endif /* _UAPI_MACHINA_H */
