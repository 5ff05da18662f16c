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
 *   2 - Mach IPC: ports, rights, port sets, notifications, mach_msg.
 *   3 - tasks, threads, host, clocks, semaphores, timers as kernel objects.
 *   4 - Mach VM: allocate, deallocate, protect, read, read_overwrite, write,
 *       region on any task named by a control port.
 *   5 - mach_vm_inherit; Mach VM memory is inherited copy-on-write; Mach
 *       VM inspection: region flavors (EXTENDED, TOP, 32-bit BASIC),
 *       region_recurse, page_query, task_info(TASK_VM_INFO), msync;
 *       thread_policy_set/get, the pthread QoS calls (thread QoS control);
 *       Darwin trap instructions: a process opts in
 *       (MACHINA_IOC_TRAPS_ENABLE) and its Mach traps reach the module's
 *       trap table; mach_vm_behavior_set; memory entries
 *       (mach_make_memory_entry_64) and mach_vm_map.
 *   6 - task_policy_set/get (role, latency/throughput tiers).
 *   7 - task read and inspect ports (task_read_for_pid, task_inspect_for_pid
 *       through MACHINA_IOC_TASK_FOR_PID's kind); purgeable memory: VM_FLAGS_PURGABLE, MAP_MEM_PURGABLE,
 *       mach_vm_purgable_control, mach_memory_entry_purgable_control.
 *   8 - task_info(TASK_VM_INFO_PURGEABLE): MACHINA_TASK_VM_INFO_PURGEABLE in
 *       MACHINA_IOC_TASK_VM_INFO's flags; thread_get_special_reply_port
 *       (MACHINA_IOC_THREAD_GET_SPECIAL_REPLY_PORT, and trap 50); QoS through IPC:
 *       machina_msg.notify carries MACH_SEND_OVERRIDE's mach_msg_priority_t
 *       (still 0 without the option); thread_depress_abort
 *       (MACHINA_IOC_THREAD_DEPRESS_ABORT, number 95); thread_abort and
 *       thread_abort_safely (MACHINA_IOC_THREAD_ABORT, number 96);
 *       thread_switch / swtch_pri / swtch as an ioctl
 *       (MACHINA_IOC_THREAD_SWITCH, number 97); MACHINA_SEM_SIGNAL_EINTR in
 *       machina_semaphore_args.flags.
 *       Exception ports at the thread and host levels and swap (numbers
 *       104-111, struct machina_exception_ports unchanged: its count is
 *       now also a capacity in, 0 reading as the whole table),
 *       host_get_special_port (host_priv).
 */
#define MACHINA_ABI_VERSION	8
/* The oldest client ABI this header's module still serves. */
#define MACHINA_ABI_MIN		2

/* Feature bits reported by the handshake. */
#define MACHINA_FEATURE_TASK_STATE	(1ULL << 0) /* per-process Mach task state */
#define MACHINA_FEATURE_CLOCK		(1ULL << 1) /* mach_wait_until */
#define MACHINA_FEATURE_IPC		(1ULL << 2) /* ports and mach_msg */
#define MACHINA_FEATURE_KOBJECTS	(1ULL << 3) /* task, thread, host, semaphore, timer ports */
#define MACHINA_FEATURE_VM		(1ULL << 4) /* Mach VM calls (xnu_vm/) */
#define MACHINA_FEATURE_TRAPS		(1ULL << 5) /* Darwin trap instructions (ABI 5) */

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


/*
 * Mach IPC.
 *
 * Every mach_port_* call names its target task by "task": the caller's name
 * for that task's port (mach_task_self() for its own).  Names, rights,
 * dispositions, flavors and return values are Darwin's (see
 * <mach/port.h>, <mach/message.h> in userlib/include).
 */

/*
 * The common argument of the simple mach_port_* calls.  Which fields a call
 * reads and writes is listed at its ioctl below; fields a call does not use
 * must be zero.
 */
struct machina_port_args {
	__u32 task;		/* in: name of the target task's port */
	__u32 name;		/* in, or out for allocate: the port name */
	__u32 right;		/* in: a right, a disposition or a variant */
	__s32 delta;		/* in: a user-reference delta */
	__u32 value;		/* in or out: a second name or a number */
	__u32 value2;		/* out: a second result */
	__u64 context;		/* in or out: a port context or guard */
	__u32 flags;		/* in: 0 */
	__u32 reserved;		/* in: 0 */
};

/* mach_port_construct: options as Darwin's mach_port_options_t. */
struct machina_port_construct {
	__u32 task;		/* in */
	__u32 mpo_flags;	/* in: MPO_* */
	__u32 mpo_qlimit;	/* in: with MPO_QLIMIT */
	__u32 name;		/* out */
	__u64 mpo_reserved;	/* in: the options' 64-bit union (work interval); ignored */
	__u64 context;		/* in: context, or guard with MPO_CONTEXT_AS_GUARD */
	__u32 flags;		/* in: 0 */
	__u32 reserved;		/* in: 0 */
};

/* mach_port_request_notification */
struct machina_port_notify {
	__u32 task;		/* in */
	__u32 name;		/* in: the name the request is about */
	__s32 msgid;		/* in: MACH_NOTIFY_* variant */
	__u32 sync;		/* in: make-send count or "dead already" flag */
	__u32 notify;		/* in: name of the notification port, or 0 */
	__u32 notify_disposition; /* in: MAKE_SEND_ONCE or MOVE_SEND_ONCE */
	__u32 previous;		/* out: previous send-once right's name, or 0 */
	__u32 flags;		/* in: 0 */
};

/* mach_port_get_attributes / mach_port_set_attributes */
#define MACHINA_PORT_ATTR_WORDS 20
struct machina_port_attr {
	__u32 task;		/* in */
	__u32 name;		/* in */
	__s32 flavor;		/* in: MACH_PORT_*_INFO flavor */
	__u32 count;		/* in: capacity (get) or size (set) in 32-bit words; out: words */
	__u32 info[MACHINA_PORT_ATTR_WORDS]; /* out (get) or in (set) */
	__u32 flags;		/* in: 0 */
	__u32 reserved;		/* in: 0 */
};

/*
 * mach_port_names (names of the task) and mach_port_get_set_status (members
 * of the port set "name").  The module writes at most "capacity" entries
 * into the caller's arrays and reports the full number in "count"; a caller
 * whose capacity was too small calls again with a larger array.
 */
struct machina_port_names {
	__u32 task;		/* in */
	__u32 name;		/* in: the port set (get_set_status), else 0 */
	__u64 names;		/* in: user address of a __u32 array */
	__u64 types;		/* in: user address of a __u32 array (names), or 0 */
	__u32 capacity;		/* in: entries each array holds */
	__u32 count;		/* out: entries there are */
	__u32 flags;		/* in: 0 */
	__u32 reserved;		/* in: 0 */
};

/* mach_port_peek */
struct machina_port_peek {
	__u32 task;		/* in */
	__u32 name;		/* in: a receive right */
	__u32 trailer_type;	/* in: MACH_RCV_TRAILER_* bits of a receive option */
	__u32 seqno;		/* in: the message's seqno; out: the one found */
	__u32 msg_size;		/* out */
	__s32 msg_id;		/* out */
	__u64 trailer;		/* in: user address for the trailer */
	__u32 trailer_size;	/* in: capacity in bytes; out: bytes written */
	__u32 flags;		/* in: 0 */
};

/* mach_port_space_info: ipc_info_space_t and an ipc_info_name_t table */
/*
 * mach_port_space_info (a task read or control port), and with capacity 0
 * mach_port_space_basic_info (an inspect port is enough: info and count).
 */
struct machina_space_info {
	__u32 task;		/* in */
	__u32 flags;		/* in: 0 */
	__u32 info[6];		/* out: ipc_info_space_t */
	__u64 table;		/* in: user address of ipc_info_name_t[capacity] */
	__u32 capacity;		/* in */
	__u32 count;		/* out: entries there are */
};

/* mach_task_self, mach_reply_port */
struct machina_name_out {
	__u32 name;		/* out */
	__u32 flags;		/* in: 0 */
};

/*
 * mach_msg / mach_msg_overwrite.  The return value is the
 * mach_msg_return_t.  With MACH_RCV_LARGE and a buffer that is too small, the
 * size needed is written to the receive buffer's msgh_size.
 */
struct machina_msg {
	__u64 msg;		/* in: the message buffer */
	__u64 rcv_msg;		/* in: separate receive buffer (overwrite), or 0 */
	__u32 option;		/* in: mach_msg_option_t */
	__u32 send_size;	/* in */
	__u32 rcv_size;		/* in */
	__u32 rcv_name;		/* in */
	__u32 timeout;		/* in: milliseconds, with a TIMEOUT option */
	__u32 notify;		/* in: with MACH_SEND_OVERRIDE, the mach_msg_priority_t
				 * (Darwin passes it as mach_msg's notify argument,
				 * mach_msg2's priority); otherwise 0 */
	__u32 flags;		/* in: 0 */
	__u32 reserved;		/* in: 0 */
};

/*
 * Ports as file descriptors (a Machina extension, in the spirit of Darwin's
 * fileports).
 *
 * MACHINA_IOC_PORT_FD with right = MACH_PORT_RIGHT_RECEIVE: "name" is a
 * receive right or port set of the caller; the descriptor is an observer for
 * poll/epoll: readable (EPOLLIN) while a message is queued,
 * EPOLLHUP|EPOLLERR once the port (or set) is dead.  It holds no right.
 *
 * MACHINA_IOC_PORT_FD with right = MACH_PORT_RIGHT_SEND: "name" holds a send
 * right (or the receive right, from which a send right is made as
 * MAKE_SEND would, counting in the make-send count); the descriptor carries
 * a send right of its own to that port (it
 * counts as a sender for no-senders) until it is closed.  Passed to another
 * process (fork, SCM_RIGHTS), MACHINA_IOC_PORT_FROM_FD turns it back into a
 * send right in the receiver's space ("name" out), leaving the descriptor's
 * own right in place.  This is how two processes meet before a bootstrap
 * server exists.
 */
struct machina_port_fd {
	__u32 name;		/* in (PORT_FD) or out (PORT_FROM_FD) */
	__u32 right;		/* in: MACH_PORT_RIGHT_RECEIVE (1) or _SEND (0) */
	__u32 fd_flags;		/* in (PORT_FD): O_CLOEXEC and/or O_NONBLOCK only */
	__s32 fd;		/* out (PORT_FD) or in (PORT_FROM_FD) */
	__u32 flags;		/* in: 0 */
	__u32 reserved;		/* in: 0 */
};


/*
 * Kernel objects: tasks, threads, the host, clocks, semaphores, timers.
 *
 * Each of these calls names its object by a port name in the caller's space
 * ("target", "task", "thread", "name"...), which must hold a send right to a
 * port of the right kind (or, for timers, the receive right), so a port
 * received in a message works in the receiver exactly as in its creator.
 * Wrong kind of port: KERN_INVALID_ARGUMENT (tasks, threads, semaphores,
 * timers), KERN_INVALID_HOST (host), KERN_INVALID_NAME/RIGHT for a name
 * that holds no such right, as Darwin's MIG routines and traps answer.
 * Simple calls reuse struct machina_port_args; the fields each reads and
 * writes are listed at its ioctl number.
 */

/* task_for_pid / task_name_for_pid */
#define MACHINA_TASK_FOR_PID_CONTROL	0	/* task_for_pid: the task control port */
#define MACHINA_TASK_FOR_PID_NAME	1	/* task_name_for_pid: the task name port */
#define MACHINA_TASK_FOR_PID_READ	2	/* task_read_for_pid (ABI 7): the read port */
#define MACHINA_TASK_FOR_PID_INSPECT	3	/* task_inspect_for_pid (ABI 7): the inspect port */
struct machina_task_for_pid {
	__u32 task;		/* in: the caller's task port name (mach_task_self()) */
	__s32 pid;		/* in: target process, in the caller's pid namespace */
	__u32 kind;		/* in: MACHINA_TASK_FOR_PID_* */
	__u32 name;		/* out: a send right in the caller's space */
	__u32 flags;		/* in: 0 */
	__u32 reserved;		/* in: 0 */
};

/*
 * task_info, thread_info, host_info, host_statistics64: "count" is in
 * 32-bit words (mach_msg_type_number_t), capacity in, words written out;
 * too small a capacity for the flavor is KERN_INVALID_ARGUMENT (Darwin's
 * answer), a larger one is fine.
 */
#define MACHINA_INFO_WORDS 56
struct machina_info {
	__u32 target;		/* in: task, thread or host port name */
	__s32 flavor;		/* in */
	__u32 count;		/* in: capacity in words; out: words written */
	__u32 flags;		/* in: 0 */
	__u32 info[MACHINA_INFO_WORDS]; /* out */
};

/*
 * {thread,task,host}_{set,get,swap}_exception_ports: one structure for the
 * three levels (the ioctl names the level) and the three calls.
 * EXC_TYPES_COUNT is 14 on Darwin.  "count" in is the capacity of get and
 * swap (1..14 entries; 0 reads as 14, what callers of ABI 8 and before
 * passed to task_get_exception_ports) and must be 0 for set; out it is the
 * number of entries.  A swap stops at the first type after the capacity
 * is full (those types keep their actions: XNU's kernel routine).
 */
#define MACHINA_EXC_TYPES_COUNT 14
struct machina_exception_ports {
	__u32 target;		/* in: thread, task or host_priv port name */
	__u32 mask;		/* in: exception_mask_t */
	__u32 new_port;		/* in (set, swap): a send right of the caller, or 0 */
	__s32 behavior;		/* in (set, swap): exception_behavior_t */
	__s32 flavor;		/* in (set, swap): thread_state_flavor_t */
	__u32 count;		/* in (get, swap): capacity; out: entries */
	__u32 masks[MACHINA_EXC_TYPES_COUNT];	/* out (get, swap) */
	__u32 handlers[MACHINA_EXC_TYPES_COUNT];	/* out (get, swap): send rights */
	__s32 behaviors[MACHINA_EXC_TYPES_COUNT];	/* out (get, swap) */
	__s32 flavors[MACHINA_EXC_TYPES_COUNT];	/* out (get, swap) */
	__u32 flags;		/* in: 0 */
	__u32 reserved;		/* in: 0 */
};

/*
 * thread_get_state / thread_set_state: the state is read from or written to
 * the user buffer "state" of "count" 32-bit words (Darwin's flavors:
 * ARM_THREAD_STATE64 on arm64, x86_THREAD_STATE64 on x86_64).
 */
struct machina_thread_state {
	__u32 thread;		/* in: thread port name */
	__s32 flavor;		/* in */
	__u32 count;		/* in: words the buffer holds; out: words used */
	__u32 flags;		/* in: 0 */
	__u64 state;		/* in: user address of the state buffer */
};

/*
 * semaphore_signal / signal_all / signal_thread / wait / timedwait /
 * wait_signal / timedwait_signal.
 */
struct machina_semaphore_args {
	__u32 semaphore;	/* in: the semaphore waited on or signalled */
	__u32 other;		/* in: the semaphore to signal (wait_signal), the
				 * thread (signal_thread, 0 = any), else 0 */
	__u32 sec;		/* in: timed waits: mach_timespec_t tv_sec */
	__s32 nsec;		/* in: timed waits: tv_nsec */
	__u32 flags;		/* in: 0, or MACHINA_SEM_SIGNAL_EINTR (waits) */
	__u32 reserved;		/* in: 0 */
};

/*
 * A wait interrupted by a Linux signal alone fails with EINTR instead of
 * KERN_ABORTED; one interrupted by thread_abort still returns KERN_ABORTED
 * (libmach resumes the first and reports the second, ABI 8).
 */
#define MACHINA_SEM_SIGNAL_EINTR	0x1

/* thread_switch, swtch_pri, swtch: MACHINA_IOC_THREAD_SWITCH, traps 59-61. */
struct machina_thread_switch {
	__u32 thread;		/* in: thread_switch's hint (a thread port) */
	__s32 option;		/* in: thread_switch's SWITCH_OPTION_* */
	__u32 option_time;	/* in: thread_switch's time (ms; us for option 3) */
	__u32 call;		/* in: MACHINA_SWITCH_*; traps: 0 */
};

#define MACHINA_SWITCH_THREAD_SWITCH	0
#define MACHINA_SWITCH_SWTCH_PRI	1
#define MACHINA_SWITCH_SWTCH		2

/*
 * thread_policy_set / thread_policy_get: Darwin's flavors, counts in 32-bit
 * words (thread_policy.h).  set: count is the words given in info; get:
 * count is the capacity in, the words written out, and get_default asks for
 * the defaults (in) and says whether they were reported (out).
 */
#define MACHINA_POLICY_WORDS 16
struct machina_thread_policy {
	__u32 target;		/* in: thread port name */
	__s32 flavor;		/* in */
	__u32 count;		/* in; out (get) */
	__u32 get_default;	/* in/out (get); 0 (set) */
	__u32 flags;		/* in: 0 */
	__u32 reserved;		/* in: 0 */
	__s32 info[MACHINA_POLICY_WORDS];	/* in (set); out (get) */
};

/*
 * The pthread QoS calls (Darwin's bsdthread_ctl): the target is the calling
 * thread (tsd 0) or the thread of the caller's own process whose thread
 * pointer (x86_64 fs base, arm64 TPIDR_EL0) is tsd.
 *   SET: requested tier and relative priority (-15..0) of the calling
 *        thread; tier 0 (unspecified) is KERN_INVALID_ARGUMENT.
 *   GET: out: qos, relprio (requested), effective (with overrides).
 *   OVERRIDE_START / OVERRIDE_END: one override of tier qos on the target,
 *        counted per tier; END without a matching START is
 *        KERN_INVALID_ARGUMENT.
 */
#define MACHINA_QOS_OP_SET		1
#define MACHINA_QOS_OP_GET		2
#define MACHINA_QOS_OP_OVERRIDE_START	3
#define MACHINA_QOS_OP_OVERRIDE_END	4
struct machina_thread_qos {
	__u64 tsd;		/* in: 0 = the calling thread */
	__u32 op;		/* in: MACHINA_QOS_OP_* */
	__s32 qos;		/* in (SET, OVERRIDE_*); out (GET) */
	__s32 relprio;		/* in (SET); out (GET) */
	__s32 effective;	/* out (GET) */
	__u32 flags;		/* in: 0 */
	__u32 reserved;		/* in: 0 */
};

/* Call numbers; the module's dispatch table is checked against this list. */
enum machina_call_nr {
	MACHINA_NR_HANDSHAKE = 0,
	MACHINA_NR_TASK_IDENTITY = 1,
	MACHINA_NR_WAIT_UNTIL = 2,
	MACHINA_NR_TASK_SELF = 3,
	MACHINA_NR_REPLY_PORT = 4,
	MACHINA_NR_PORT_ALLOCATE = 5,
	MACHINA_NR_PORT_ALLOCATE_NAME = 6,
	MACHINA_NR_PORT_CONSTRUCT = 7,
	MACHINA_NR_PORT_DESTRUCT = 8,
	MACHINA_NR_PORT_DEALLOCATE = 9,
	MACHINA_NR_PORT_DESTROY = 10,
	MACHINA_NR_PORT_MOD_REFS = 11,
	MACHINA_NR_PORT_GET_REFS = 12,
	MACHINA_NR_PORT_TYPE = 13,
	MACHINA_NR_PORT_INSERT_RIGHT = 14,
	MACHINA_NR_PORT_EXTRACT_RIGHT = 15,
	MACHINA_NR_PORT_MOVE_MEMBER = 16,
	MACHINA_NR_PORT_INSERT_MEMBER = 17,
	MACHINA_NR_PORT_EXTRACT_MEMBER = 18,
	MACHINA_NR_PORT_SET_MSCOUNT = 19,
	MACHINA_NR_PORT_SET_SEQNO = 20,
	MACHINA_NR_PORT_GET_CONTEXT = 21,
	MACHINA_NR_PORT_SET_CONTEXT = 22,
	MACHINA_NR_PORT_GUARD = 23,
	MACHINA_NR_PORT_UNGUARD = 24,
	MACHINA_NR_PORT_REQUEST_NOTIFICATION = 25,
	MACHINA_NR_PORT_GET_ATTRIBUTES = 26,
	MACHINA_NR_PORT_SET_ATTRIBUTES = 27,
	MACHINA_NR_PORT_NAMES = 28,
	MACHINA_NR_PORT_GET_SET_STATUS = 29,
	MACHINA_NR_PORT_PEEK = 30,
	MACHINA_NR_PORT_SPACE_INFO = 31,
	MACHINA_NR_MSG = 32,
	MACHINA_NR_PORT_FD = 33,
	MACHINA_NR_PORT_FROM_FD = 34,
	MACHINA_NR_TASK_FOR_PID = 35,
	MACHINA_NR_PID_FOR_TASK = 36,
	MACHINA_NR_TASK_INFO = 37,
	MACHINA_NR_TASK_THREADS = 38,
	MACHINA_NR_TASK_SUSPEND = 39,
	MACHINA_NR_TASK_RESUME = 40,
	MACHINA_NR_TASK_GET_SPECIAL_PORT = 41,
	MACHINA_NR_TASK_SET_SPECIAL_PORT = 42,
	MACHINA_NR_TASK_GET_EXCEPTION_PORTS = 43,
	MACHINA_NR_TASK_SET_EXCEPTION_PORTS = 44,
	MACHINA_NR_THREAD_SELF = 45,
	MACHINA_NR_THREAD_INFO = 46,
	MACHINA_NR_THREAD_SUSPEND = 47,
	MACHINA_NR_THREAD_RESUME = 48,
	MACHINA_NR_THREAD_GET_STATE = 49,
	MACHINA_NR_THREAD_SET_STATE = 50,
	MACHINA_NR_THREAD_TERMINATE = 51,
	MACHINA_NR_HOST_SELF = 52,
	MACHINA_NR_HOST_INFO = 53,
	MACHINA_NR_HOST_STATISTICS64 = 54,
	MACHINA_NR_HOST_GET_CLOCK_SERVICE = 55,
	MACHINA_NR_CLOCK_GET_TIME = 56,
	MACHINA_NR_SEMAPHORE_CREATE = 57,
	MACHINA_NR_SEMAPHORE_DESTROY = 58,
	MACHINA_NR_SEMAPHORE_SIGNAL = 59,
	MACHINA_NR_SEMAPHORE_SIGNAL_ALL = 60,
	MACHINA_NR_SEMAPHORE_SIGNAL_THREAD = 61,
	MACHINA_NR_SEMAPHORE_WAIT = 62,
	MACHINA_NR_SEMAPHORE_TIMEDWAIT = 63,
	MACHINA_NR_SEMAPHORE_WAIT_SIGNAL = 64,
	MACHINA_NR_SEMAPHORE_TIMEDWAIT_SIGNAL = 65,
	MACHINA_NR_MK_TIMER_CREATE = 66,
	MACHINA_NR_MK_TIMER_DESTROY = 67,
	MACHINA_NR_MK_TIMER_ARM = 68,
	MACHINA_NR_MK_TIMER_CANCEL = 69,
	MACHINA_NR_VM_ALLOCATE = 70,
	MACHINA_NR_VM_DEALLOCATE = 71,
	MACHINA_NR_VM_PROTECT = 72,
	MACHINA_NR_VM_READ = 73,
	MACHINA_NR_VM_READ_OVERWRITE = 74,
	MACHINA_NR_VM_WRITE = 75,
	MACHINA_NR_VM_REGION = 76,
	MACHINA_NR_VM_INHERIT = 77,
	MACHINA_NR_VM_REGION_RECURSE = 78,
	MACHINA_NR_VM_PAGE_QUERY = 79,
	MACHINA_NR_TASK_VM_INFO = 80,
	MACHINA_NR_VM_MSYNC = 81,
	MACHINA_NR_THREAD_POLICY_SET = 82,
	MACHINA_NR_THREAD_POLICY_GET = 83,
	MACHINA_NR_THREAD_QOS = 84,
	MACHINA_NR_TRAPS_ENABLE = 85,
	MACHINA_NR_VM_BEHAVIOR_SET = 86,
	MACHINA_NR_MAKE_MEMORY_ENTRY = 87,
	MACHINA_NR_VM_MAP = 88,
	MACHINA_NR_VM_REMAP = 89,
	MACHINA_NR_TASK_POLICY_SET = 90,
	MACHINA_NR_TASK_POLICY_GET = 91,
	MACHINA_NR_VM_PURGABLE_CONTROL = 92,
	MACHINA_NR_MEMORY_ENTRY_PURGABLE_CONTROL = 93,
	MACHINA_NR_THREAD_GET_SPECIAL_REPLY_PORT = 94,
	MACHINA_NR_THREAD_DEPRESS_ABORT = 95,
	MACHINA_NR_THREAD_ABORT = 96,
	MACHINA_NR_THREAD_SWITCH = 97,
	/* 98..103: other calls (personality/call_table.c lists the gap) */
	MACHINA_NR_THREAD_SET_EXCEPTION_PORTS = 104,
	MACHINA_NR_THREAD_GET_EXCEPTION_PORTS = 105,
	MACHINA_NR_THREAD_SWAP_EXCEPTION_PORTS = 106,
	MACHINA_NR_TASK_SWAP_EXCEPTION_PORTS = 107,
	MACHINA_NR_HOST_SET_EXCEPTION_PORTS = 108,
	MACHINA_NR_HOST_GET_EXCEPTION_PORTS = 109,
	MACHINA_NR_HOST_SWAP_EXCEPTION_PORTS = 110,
	MACHINA_NR_HOST_GET_SPECIAL_PORT = 111,
	MACHINA_NR_COUNT
};

#define MACHINA_IOC_HANDSHAKE \
	_IOWR(MACHINA_IOC_MAGIC, MACHINA_NR_HANDSHAKE, struct machina_handshake)
#define MACHINA_IOC_TASK_IDENTITY \
	_IOWR(MACHINA_IOC_MAGIC, MACHINA_NR_TASK_IDENTITY, struct machina_task_identity)
#define MACHINA_IOC_WAIT_UNTIL \
	_IOW(MACHINA_IOC_MAGIC, MACHINA_NR_WAIT_UNTIL, struct machina_wait_until)

#define MACHINA_IOC_RW(nr, type) _IOWR(MACHINA_IOC_MAGIC, MACHINA_NR_##nr, type)

/* out: name */
#define MACHINA_IOC_TASK_SELF	MACHINA_IOC_RW(TASK_SELF, struct machina_name_out)
/* out: name (a new receive right) */
#define MACHINA_IOC_REPLY_PORT	MACHINA_IOC_RW(REPLY_PORT, struct machina_name_out)
/* in: task, right; out: name */
#define MACHINA_IOC_PORT_ALLOCATE MACHINA_IOC_RW(PORT_ALLOCATE, struct machina_port_args)
/* in: task, right, name */
#define MACHINA_IOC_PORT_ALLOCATE_NAME MACHINA_IOC_RW(PORT_ALLOCATE_NAME, struct machina_port_args)
#define MACHINA_IOC_PORT_CONSTRUCT MACHINA_IOC_RW(PORT_CONSTRUCT, struct machina_port_construct)
/* in: task, name, delta (srdelta), context (guard) */
#define MACHINA_IOC_PORT_DESTRUCT MACHINA_IOC_RW(PORT_DESTRUCT, struct machina_port_args)
/* in: task, name */
#define MACHINA_IOC_PORT_DEALLOCATE MACHINA_IOC_RW(PORT_DEALLOCATE, struct machina_port_args)
/* in: task, name */
#define MACHINA_IOC_PORT_DESTROY MACHINA_IOC_RW(PORT_DESTROY, struct machina_port_args)
/* in: task, name, right, delta */
#define MACHINA_IOC_PORT_MOD_REFS MACHINA_IOC_RW(PORT_MOD_REFS, struct machina_port_args)
/* in: task, name, right; out: value (urefs) */
#define MACHINA_IOC_PORT_GET_REFS MACHINA_IOC_RW(PORT_GET_REFS, struct machina_port_args)
/* in: task, name; out: value (mach_port_type_t) */
#define MACHINA_IOC_PORT_TYPE	MACHINA_IOC_RW(PORT_TYPE, struct machina_port_args)
/* in: task, name (in the task), value (poly: a name of the caller), right (poly's disposition) */
#define MACHINA_IOC_PORT_INSERT_RIGHT MACHINA_IOC_RW(PORT_INSERT_RIGHT, struct machina_port_args)
/* in: task, name, right (disposition); out: value (name in the caller), value2 (received type) */
#define MACHINA_IOC_PORT_EXTRACT_RIGHT MACHINA_IOC_RW(PORT_EXTRACT_RIGHT, struct machina_port_args)
/* in: task, name (member), value (the set, or 0 to leave all sets) */
#define MACHINA_IOC_PORT_MOVE_MEMBER MACHINA_IOC_RW(PORT_MOVE_MEMBER, struct machina_port_args)
/* in: task, name (member), value (the set) */
#define MACHINA_IOC_PORT_INSERT_MEMBER MACHINA_IOC_RW(PORT_INSERT_MEMBER, struct machina_port_args)
#define MACHINA_IOC_PORT_EXTRACT_MEMBER MACHINA_IOC_RW(PORT_EXTRACT_MEMBER, struct machina_port_args)
/* in: task, name, value (mscount / seqno) */
#define MACHINA_IOC_PORT_SET_MSCOUNT MACHINA_IOC_RW(PORT_SET_MSCOUNT, struct machina_port_args)
#define MACHINA_IOC_PORT_SET_SEQNO MACHINA_IOC_RW(PORT_SET_SEQNO, struct machina_port_args)
/* in: task, name; out: context */
#define MACHINA_IOC_PORT_GET_CONTEXT MACHINA_IOC_RW(PORT_GET_CONTEXT, struct machina_port_args)
/* in: task, name, context */
#define MACHINA_IOC_PORT_SET_CONTEXT MACHINA_IOC_RW(PORT_SET_CONTEXT, struct machina_port_args)
/* in: task, name, context (guard), value (strict) */
#define MACHINA_IOC_PORT_GUARD	MACHINA_IOC_RW(PORT_GUARD, struct machina_port_args)
/* in: task, name, context (guard) */
#define MACHINA_IOC_PORT_UNGUARD MACHINA_IOC_RW(PORT_UNGUARD, struct machina_port_args)
#define MACHINA_IOC_PORT_REQUEST_NOTIFICATION \
	MACHINA_IOC_RW(PORT_REQUEST_NOTIFICATION, struct machina_port_notify)
#define MACHINA_IOC_PORT_GET_ATTRIBUTES MACHINA_IOC_RW(PORT_GET_ATTRIBUTES, struct machina_port_attr)
#define MACHINA_IOC_PORT_SET_ATTRIBUTES MACHINA_IOC_RW(PORT_SET_ATTRIBUTES, struct machina_port_attr)
#define MACHINA_IOC_PORT_NAMES	MACHINA_IOC_RW(PORT_NAMES, struct machina_port_names)
#define MACHINA_IOC_PORT_GET_SET_STATUS MACHINA_IOC_RW(PORT_GET_SET_STATUS, struct machina_port_names)
#define MACHINA_IOC_PORT_PEEK	MACHINA_IOC_RW(PORT_PEEK, struct machina_port_peek)
#define MACHINA_IOC_PORT_SPACE_INFO MACHINA_IOC_RW(PORT_SPACE_INFO, struct machina_space_info)
/* Write-only: nothing in the argument changes, so nothing is copied back. */
#define MACHINA_IOC_MSG		_IOW(MACHINA_IOC_MAGIC, MACHINA_NR_MSG, struct machina_msg)
#define MACHINA_IOC_PORT_FD	MACHINA_IOC_RW(PORT_FD, struct machina_port_fd)
#define MACHINA_IOC_PORT_FROM_FD MACHINA_IOC_RW(PORT_FROM_FD, struct machina_port_fd)

/* Tasks */
#define MACHINA_IOC_TASK_FOR_PID MACHINA_IOC_RW(TASK_FOR_PID, struct machina_task_for_pid)
/* in: task (a task control or name port); out: value (the pid, -1 if none) */
#define MACHINA_IOC_PID_FOR_TASK MACHINA_IOC_RW(PID_FOR_TASK, struct machina_port_args)
#define MACHINA_IOC_TASK_INFO	MACHINA_IOC_RW(TASK_INFO, struct machina_info)
/*
 * task_threads: in: task, names (a __u32 array), capacity; out: count.
 * Send rights to the thread ports are inserted and their names written only
 * when count <= capacity; otherwise nothing is written and the caller asks
 * again with a larger array.
 */
#define MACHINA_IOC_TASK_THREADS MACHINA_IOC_RW(TASK_THREADS, struct machina_port_names)
/* in: task */
#define MACHINA_IOC_TASK_SUSPEND MACHINA_IOC_RW(TASK_SUSPEND, struct machina_port_args)
#define MACHINA_IOC_TASK_RESUME	MACHINA_IOC_RW(TASK_RESUME, struct machina_port_args)
/* in: task, right (which special port); out: value (a send right, or 0) */
#define MACHINA_IOC_TASK_GET_SPECIAL_PORT MACHINA_IOC_RW(TASK_GET_SPECIAL_PORT, struct machina_port_args)
/* in: task, right (which special port), value (a send right of the caller, or 0) */
#define MACHINA_IOC_TASK_SET_SPECIAL_PORT MACHINA_IOC_RW(TASK_SET_SPECIAL_PORT, struct machina_port_args)
#define MACHINA_IOC_TASK_GET_EXCEPTION_PORTS \
	MACHINA_IOC_RW(TASK_GET_EXCEPTION_PORTS, struct machina_exception_ports)
#define MACHINA_IOC_TASK_SET_EXCEPTION_PORTS \
	MACHINA_IOC_RW(TASK_SET_EXCEPTION_PORTS, struct machina_exception_ports)
/* ABI 8, numbers 104-111: the thread and host levels, and swap. */
#define MACHINA_IOC_THREAD_SET_EXCEPTION_PORTS \
	MACHINA_IOC_RW(THREAD_SET_EXCEPTION_PORTS, struct machina_exception_ports)
#define MACHINA_IOC_THREAD_GET_EXCEPTION_PORTS \
	MACHINA_IOC_RW(THREAD_GET_EXCEPTION_PORTS, struct machina_exception_ports)
#define MACHINA_IOC_THREAD_SWAP_EXCEPTION_PORTS \
	MACHINA_IOC_RW(THREAD_SWAP_EXCEPTION_PORTS, struct machina_exception_ports)
#define MACHINA_IOC_TASK_SWAP_EXCEPTION_PORTS \
	MACHINA_IOC_RW(TASK_SWAP_EXCEPTION_PORTS, struct machina_exception_ports)
#define MACHINA_IOC_HOST_SET_EXCEPTION_PORTS \
	MACHINA_IOC_RW(HOST_SET_EXCEPTION_PORTS, struct machina_exception_ports)
#define MACHINA_IOC_HOST_GET_EXCEPTION_PORTS \
	MACHINA_IOC_RW(HOST_GET_EXCEPTION_PORTS, struct machina_exception_ports)
#define MACHINA_IOC_HOST_SWAP_EXCEPTION_PORTS \
	MACHINA_IOC_RW(HOST_SWAP_EXCEPTION_PORTS, struct machina_exception_ports)
/*
 * host_get_special_port(host_priv, node, which, &port) (host_get_host_priv_port):
 * in: task (host_priv, or the host port of a caller with CAP_SYS_ADMIN in
 * the initial user namespace), right (which); out: value (a send right)
 */
#define MACHINA_IOC_HOST_GET_SPECIAL_PORT \
	MACHINA_IOC_RW(HOST_GET_SPECIAL_PORT, struct machina_port_args)

/* Threads */
/* out: name (a send right to the calling thread's port) */
#define MACHINA_IOC_THREAD_SELF	MACHINA_IOC_RW(THREAD_SELF, struct machina_name_out)
#define MACHINA_IOC_THREAD_INFO	MACHINA_IOC_RW(THREAD_INFO, struct machina_info)
/*
 * out: name (the receive right and one send right of the calling thread's
 * new special reply port; MACH_PORT_NULL on failure).  ABI 8.
 */
#define MACHINA_IOC_THREAD_GET_SPECIAL_REPLY_PORT \
	MACHINA_IOC_RW(THREAD_GET_SPECIAL_REPLY_PORT, struct machina_name_out)
/* in: name (a thread port); returns KERN_NOT_DEPRESSED when not depressed */
#define MACHINA_IOC_THREAD_DEPRESS_ABORT \
	MACHINA_IOC_RW(THREAD_DEPRESS_ABORT, struct machina_port_args)
/*
 * in: name (a thread port), value (MACHINA_ABORT_PLAIN: thread_abort;
 * MACHINA_ABORT_SAFELY: thread_abort_safely).  ABI 8, number 96.
 */
#define MACHINA_IOC_THREAD_ABORT \
	MACHINA_IOC_RW(THREAD_ABORT, struct machina_port_args)
#define MACHINA_ABORT_PLAIN	0
#define MACHINA_ABORT_SAFELY	1
/*
 * thread_switch, swtch_pri, swtch (call: MACHINA_SWITCH_*); traps 61, 59
 * and 60 fill the same structure.  Returns thread_switch's kern_return_t,
 * or the boolean of swtch / swtch_pri.  ABI 8, number 97.
 */
#define MACHINA_IOC_THREAD_SWITCH \
	MACHINA_IOC_RW(THREAD_SWITCH, struct machina_thread_switch)
/* in: name (the thread port) */
#define MACHINA_IOC_THREAD_SUSPEND MACHINA_IOC_RW(THREAD_SUSPEND, struct machina_port_args)
#define MACHINA_IOC_THREAD_RESUME MACHINA_IOC_RW(THREAD_RESUME, struct machina_port_args)
#define MACHINA_IOC_THREAD_GET_STATE MACHINA_IOC_RW(THREAD_GET_STATE, struct machina_thread_state)
#define MACHINA_IOC_THREAD_SET_STATE MACHINA_IOC_RW(THREAD_SET_STATE, struct machina_thread_state)
/*
 * in: name (the thread port); out: value2 = 0 when it is the caller (which
 * must now exit), else the thread id (in the caller's pid namespace) of
 * another thread of the caller's process, which libmach ends with the
 * signal it reserves (SIGRTMAX); a thread of another process:
 * KERN_NOT_SUPPORTED.
 */
#define MACHINA_IOC_THREAD_TERMINATE MACHINA_IOC_RW(THREAD_TERMINATE, struct machina_port_args)

/* Host and clocks */
/* out: name (a send right to the host port) */
#define MACHINA_IOC_HOST_SELF	MACHINA_IOC_RW(HOST_SELF, struct machina_name_out)
#define MACHINA_IOC_HOST_INFO	MACHINA_IOC_RW(HOST_INFO, struct machina_info)
#define MACHINA_IOC_HOST_STATISTICS64 MACHINA_IOC_RW(HOST_STATISTICS64, struct machina_info)
/* in: task (the host port), right (clock_id_t); out: value (a send right to the clock) */
#define MACHINA_IOC_HOST_GET_CLOCK_SERVICE MACHINA_IOC_RW(HOST_GET_CLOCK_SERVICE, struct machina_port_args)
/* in: name (a clock port); out: value (tv_sec), value2 (tv_nsec) */
#define MACHINA_IOC_CLOCK_GET_TIME MACHINA_IOC_RW(CLOCK_GET_TIME, struct machina_port_args)

/* Semaphores */
/* in: task, right (sync_policy_t), delta (initial value); out: name (a send right) */
#define MACHINA_IOC_SEMAPHORE_CREATE MACHINA_IOC_RW(SEMAPHORE_CREATE, struct machina_port_args)
/* in: task, name */
#define MACHINA_IOC_SEMAPHORE_DESTROY MACHINA_IOC_RW(SEMAPHORE_DESTROY, struct machina_port_args)
#define MACHINA_IOC_SEMAPHORE_SIGNAL MACHINA_IOC_RW(SEMAPHORE_SIGNAL, struct machina_semaphore_args)
#define MACHINA_IOC_SEMAPHORE_SIGNAL_ALL MACHINA_IOC_RW(SEMAPHORE_SIGNAL_ALL, struct machina_semaphore_args)
#define MACHINA_IOC_SEMAPHORE_SIGNAL_THREAD \
	MACHINA_IOC_RW(SEMAPHORE_SIGNAL_THREAD, struct machina_semaphore_args)
#define MACHINA_IOC_SEMAPHORE_WAIT MACHINA_IOC_RW(SEMAPHORE_WAIT, struct machina_semaphore_args)
#define MACHINA_IOC_SEMAPHORE_TIMEDWAIT MACHINA_IOC_RW(SEMAPHORE_TIMEDWAIT, struct machina_semaphore_args)
#define MACHINA_IOC_SEMAPHORE_WAIT_SIGNAL \
	MACHINA_IOC_RW(SEMAPHORE_WAIT_SIGNAL, struct machina_semaphore_args)
#define MACHINA_IOC_SEMAPHORE_TIMEDWAIT_SIGNAL \
	MACHINA_IOC_RW(SEMAPHORE_TIMEDWAIT_SIGNAL, struct machina_semaphore_args)

/* Timers (mk_timer): the timer is a receive right of the caller */
/* out: name (a receive right whose port is a timer) */
#define MACHINA_IOC_MK_TIMER_CREATE MACHINA_IOC_RW(MK_TIMER_CREATE, struct machina_name_out)
/* in: name */
#define MACHINA_IOC_MK_TIMER_DESTROY MACHINA_IOC_RW(MK_TIMER_DESTROY, struct machina_port_args)
/* in: name, context (expire time, mach_absolute_time units) */
#define MACHINA_IOC_MK_TIMER_ARM MACHINA_IOC_RW(MK_TIMER_ARM, struct machina_port_args)
/* in: name; out: context (the armed expire time, or 0) */
#define MACHINA_IOC_MK_TIMER_CANCEL MACHINA_IOC_RW(MK_TIMER_CANCEL, struct machina_port_args)

/*
 * Mach VM (ABI 4).  "task" names the target task's control port in the
 * caller's space (mach_task_self() for the caller's own); a name port is
 * KERN_INVALID_ARGUMENT.  Addresses and sizes are Darwin's mach_vm_*
 * values, 64-bit; flags, protections and return codes are Darwin's
 * (<mach/vm_statistics.h>, <mach/vm_prot.h>, <mach/kern_return.h>).
 * Fields a call does not use must be zero.
 */
struct machina_vm_args {
	__u32 task;		/* in: the target task's control port */
	__s32 vm_flags;		/* in: allocate: VM_FLAGS_*; protect: set_maximum (0/1) */
	__u64 address;		/* in, out (allocate) */
	__u64 size;		/* in */
	__u64 data;		/* in: the caller's buffer (read_overwrite, write);
				 * out: read: the new region's address */
	__s32 prot;		/* in: protect: the new protection;
				 * inherit: the new inheritance */
	__u32 flags;		/* in: 0 */
	__u64 reserved;		/* in: 0 */
};

/* in: task, vm_flags, address (FIXED); out: address */
#define MACHINA_IOC_VM_ALLOCATE MACHINA_IOC_RW(VM_ALLOCATE, struct machina_vm_args)
/* in: task, address, size */
#define MACHINA_IOC_VM_DEALLOCATE MACHINA_IOC_RW(VM_DEALLOCATE, struct machina_vm_args)
/* in: task, address, size, vm_flags (set_maximum), prot */
#define MACHINA_IOC_VM_PROTECT MACHINA_IOC_RW(VM_PROTECT, struct machina_vm_args)
/* in: task, address, size, prot (the new VM_INHERIT_*) */
#define MACHINA_IOC_VM_INHERIT MACHINA_IOC_RW(VM_INHERIT, struct machina_vm_args)
/*
 * in: task, address, size; out: data (a new region of the caller holding
 * a copy, at the source's offset in its page; the caller deallocates
 * [data, data + size)), size unchanged
 */
#define MACHINA_IOC_VM_READ MACHINA_IOC_RW(VM_READ, struct machina_vm_args)
/* in: task, address, size, data (where in the caller the bytes go) */
#define MACHINA_IOC_VM_READ_OVERWRITE MACHINA_IOC_RW(VM_READ_OVERWRITE, struct machina_vm_args)
/* in: task, address (in the target), data (the caller's bytes), size */
#define MACHINA_IOC_VM_WRITE MACHINA_IOC_RW(VM_WRITE, struct machina_vm_args)

/*
 * mach_vm_region: the region at or after "address".  Flavors
 * VM_REGION_BASIC_INFO_64 (9 words), VM_REGION_BASIC_INFO (as _64, or the
 * 32-bit layout of 8 words with MACHINA_VM_REGION_LEGACY: vm_region),
 * VM_REGION_EXTENDED_INFO (9), its legacy flavor 11 (8), VM_REGION_TOP_INFO
 * (5).
 */
#define MACHINA_VM_REGION_WORDS 10
#define MACHINA_VM_REGION_LEGACY	0x1	/* vm_region's 32-bit BASIC_INFO */
struct machina_vm_region {
	__u32 task;		/* in: the target task's control port */
	__s32 flavor;		/* in: VM_REGION_* */
	__u64 address;		/* in: where to look; out: the region's start */
	__u64 size;		/* out: the region's size */
	__u32 count;		/* in: capacity of info in words; out: words written */
	__u32 flags;		/* in: 0 or MACHINA_VM_REGION_LEGACY */
	__u32 object_name;	/* out: MACH_PORT_NULL, as on Darwin */
	__u32 reserved;		/* in: 0 */
	__u32 info[MACHINA_VM_REGION_WORDS]; /* out */
};
#define MACHINA_IOC_VM_REGION MACHINA_IOC_RW(VM_REGION, struct machina_vm_region)
/* Thread policy and QoS */
#define MACHINA_IOC_THREAD_POLICY_SET MACHINA_IOC_RW(THREAD_POLICY_SET, struct machina_thread_policy)
#define MACHINA_IOC_THREAD_POLICY_GET MACHINA_IOC_RW(THREAD_POLICY_GET, struct machina_thread_policy)
#define MACHINA_IOC_THREAD_QOS	MACHINA_IOC_RW(THREAD_QOS, struct machina_thread_qos)
/* task_policy_set / task_policy_get (ABI 6): target is a task control port */
#define MACHINA_IOC_TASK_POLICY_SET MACHINA_IOC_RW(TASK_POLICY_SET, struct machina_thread_policy)
#define MACHINA_IOC_TASK_POLICY_GET MACHINA_IOC_RW(TASK_POLICY_GET, struct machina_thread_policy)

/*
 * mach_vm_region_recurse (ABI 5): the region at or after "address" as
 * vm_region_submap_info_64 (count 19, 17 or 16 words) or, for a count of
 * 12 to 15, vm_region_submap_short_info_64.  Machina has no submaps: depth
 * out is always 0.
 */
#define MACHINA_VM_RECURSE_WORDS 20
struct machina_vm_region_recurse {
	__u32 task;		/* in: the target task's control port */
	__u32 depth;		/* in: nesting depth to descend to; out: reached */
	__u64 address;		/* in: where to look; out: the region's start */
	__u64 size;		/* out: the region's size */
	__u32 count;		/* in: capacity of info in words; out: words written */
	__u32 flags;		/* in: 0 */
	__u32 info[MACHINA_VM_RECURSE_WORDS]; /* out */
};
#define MACHINA_IOC_VM_REGION_RECURSE MACHINA_IOC_RW(VM_REGION_RECURSE, struct machina_vm_region_recurse)

/*
 * mach_vm_page_query / mach_vm_page_info(VM_PAGE_INFO_BASIC) (ABI 5): the
 * page at "address".
 */
struct machina_vm_page_query {
	__u32 task;		/* in: the target task's control port */
	__u32 flags;		/* in: 0 */
	__u64 address;		/* in */
	__s32 disposition;	/* out: VM_PAGE_QUERY_PAGE_* */
	__s32 ref_count;	/* out: references to the page's object */
	__u64 object_id;	/* out: the object's id (a hash, never an address) */
	__u64 offset;		/* out: the page's offset in its object */
};
#define MACHINA_IOC_VM_PAGE_QUERY MACHINA_IOC_RW(VM_PAGE_QUERY, struct machina_vm_page_query)

/*
 * task_info(TASK_VM_INFO) (ABI 5): task_vm_info is larger (up to 93 words)
 * than struct machina_info holds, so it is written to the caller's buffer.
 * "target" is a task control port (a name port is KERN_INVALID_ARGUMENT:
 * the map's facts are what Linux keeps to ptrace readers).
 */
struct machina_task_vm_info {
	__u32 target;		/* in: task port name */
	__u32 count;		/* in: capacity of the buffer in words; out: words written */
	__u32 flags;		/* in: 0 (TASK_VM_INFO) or MACHINA_TASK_VM_INFO_PURGEABLE */
	__u32 reserved;		/* in: 0 */
	__u64 info;		/* in: the caller's buffer of "count" words */
};
/*
 * TASK_VM_INFO_PURGEABLE (ABI 8): also the purgeable_volatile_* fields,
 * which TASK_VM_INFO leaves 0 as XNU's task_info does.
 */
#define MACHINA_TASK_VM_INFO_PURGEABLE	(1U << 0)
#define MACHINA_IOC_TASK_VM_INFO MACHINA_IOC_RW(TASK_VM_INFO, struct machina_task_vm_info)

/* mach_vm_msync (ABI 5): in: task, address, size, vm_flags (VM_SYNC_*) */
#define MACHINA_IOC_VM_MSYNC MACHINA_IOC_RW(VM_MSYNC, struct machina_vm_args)
/* mach_vm_behavior_set (ABI 5): in: task, address, size, prot (VM_BEHAVIOR_*) */
#define MACHINA_IOC_VM_BEHAVIOR_SET MACHINA_IOC_RW(VM_BEHAVIOR_SET, struct machina_vm_args)
/*
 * mach_vm_purgable_control (ABI 7): in: task, address, vm_flags (the
 * VM_PURGABLE_* control), prot (the state word); out: prot (the old state
 * for SET_STATE, the state for GET_STATE).  size, data: 0.
 */
#define MACHINA_IOC_VM_PURGABLE_CONTROL MACHINA_IOC_RW(VM_PURGABLE_CONTROL, struct machina_vm_args)
/*
 * mach_memory_entry_purgable_control (ABI 7): as above, with task naming
 * the memory entry (a send right) instead; address 0.
 */
#define MACHINA_IOC_MEMORY_ENTRY_PURGABLE_CONTROL MACHINA_IOC_RW(MEMORY_ENTRY_PURGABLE_CONTROL, struct machina_vm_args)

/*
 * Darwin trap instructions (ABI 5).  MACHINA_IOC_TRAPS_ENABLE opts the
 * calling process in: from then on its Mach traps (x86_64: "syscall" with
 * rax = 0x1000000 | N; arm64: "svc #0x80" with x16 = -N) run the module's
 * trap table, with XNU's numbers, registers and return values.  The choice
 * is the process's (every thread), survives exec (except an exec that
 * raises privilege, which drops it) and is inherited by children forked
 * afterwards.  It cannot be undone: a process leaves by exiting.
 * "state" (out) is 1 when the process had already opted in, else 0.
 */
struct machina_traps_enable {
	__u32 flags;		/* in: 0 */
	__u32 state;		/* out */
};
#define MACHINA_IOC_TRAPS_ENABLE MACHINA_IOC_RW(TRAPS_ENABLE, struct machina_traps_enable)

/*
 * mach_make_memory_entry_64 (ABI 5): a memory entry (a send right named
 * "handle") for "size" bytes at "offset" of the target task's Mach VM
 * memory, of the parent entry "parent", or of a new object
 * (MAP_MEM_NAMED_CREATE), granting "permission" (VM_PROT_* |
 * MAP_MEM_*).  "size" out: the entry's size (0 on failure).
 */
struct machina_memory_entry {
	__u32 task;		/* in: the target task's control port */
	__s32 permission;	/* in: VM_PROT_* | MAP_MEM_* */
	__u64 size;		/* in, out */
	__u64 offset;		/* in */
	__u32 parent;		/* in: a parent entry, or MACH_PORT_NULL */
	__u32 handle;		/* out: the entry (a send right) */
	__u32 flags;		/* in: 0 */
	__u32 reserved;		/* in: 0 */
};
#define MACHINA_IOC_MAKE_MEMORY_ENTRY MACHINA_IOC_RW(MAKE_MEMORY_ENTRY, struct machina_memory_entry)

/*
 * mach_vm_map (ABI 5): maps "size" bytes of the memory entry "object"
 * from "offset" (MACH_PORT_NULL: new zero-filled memory) into the target
 * task, shared or (copy) a copy-on-write snapshot.
 */
struct machina_vm_map {
	__u32 task;		/* in: the target task's control port */
	__s32 vm_flags;		/* in: VM_FLAGS_* */
	__u64 address;		/* in (FIXED), out */
	__u64 size;		/* in */
	__u64 mask;		/* in: alignment mask of the address */
	__u64 offset;		/* in: into the entry */
	__u32 object;		/* in: a memory entry, or MACH_PORT_NULL */
	__u32 copy;		/* in: 0 share, 1 copy */
	__s32 cur_protection;	/* in: VM_PROT_* (| VM_PROT_IS_MASK) */
	__s32 max_protection;	/* in */
	__u32 inheritance;	/* in: VM_INHERIT_* */
	__u32 flags;		/* in: 0 */
};
#define MACHINA_IOC_VM_MAP MACHINA_IOC_RW(VM_MAP, struct machina_vm_map)

/* mach_vm_remap, vm_remap (flags 0) and mach_vm_remap_new, vm_remap_new. */
#define MACHINA_VM_REMAP_NEW	0x1	/* cur/max protection are in/out */
struct machina_vm_remap {
	__u32 task;		/* in: the target task's control port */
	__s32 vm_flags;		/* in: VM_FLAGS_* */
	__u64 address;		/* in (FIXED), out */
	__u64 size;		/* in */
	__u64 mask;		/* in: alignment mask of the address */
	__u64 src_address;	/* in */
	__u32 src_task;		/* in: the source task's control port */
	__u32 copy;		/* in: 0 share, 1 copy */
	__s32 cur_protection;	/* out (REMAP_NEW: in/out) */
	__s32 max_protection;	/* out (REMAP_NEW: in/out) */
	__u32 inheritance;	/* in: VM_INHERIT_* */
	__u32 flags;		/* in: MACHINA_VM_REMAP_NEW or 0 */
};
#define MACHINA_IOC_VM_REMAP MACHINA_IOC_RW(VM_REMAP, struct machina_vm_remap)

/* Trap number classes of the Darwin ABI (x86_64: in rax). */
#define MACHINA_TRAP_CLASS_SHIFT	24
#define MACHINA_TRAP_CLASS_MACH		1	/* 0x1000000 | trap */
#define MACHINA_TRAP_CLASS_UNIX		2	/* 0x2000000 | BSD syscall */
#define MACHINA_TRAP_TABLE_COUNT	128	/* XNU's MACH_TRAP_TABLE_COUNT */

/*
 * XNU's Mach trap numbers (osfmk/kern/syscall_sw.c), every trap the
 * module's trap table lists: built ones run the ioctl call of the same
 * name, the others are refused as XNU refuses an unknown trap.
 */
enum machina_mach_trap {
	MACHINA_TRAP_VM_ALLOCATE = 10,
	MACHINA_TRAP_VM_PURGABLE_CONTROL = 11,
	MACHINA_TRAP_VM_DEALLOCATE = 12,
	MACHINA_TRAP_VM_PROTECT = 14,
	MACHINA_TRAP_VM_MAP = 15,
	MACHINA_TRAP_PORT_ALLOCATE = 16,
	MACHINA_TRAP_PORT_DEALLOCATE = 18,
	MACHINA_TRAP_PORT_MOD_REFS = 19,
	MACHINA_TRAP_PORT_MOVE_MEMBER = 20,
	MACHINA_TRAP_PORT_INSERT_RIGHT = 21,
	MACHINA_TRAP_PORT_INSERT_MEMBER = 22,
	MACHINA_TRAP_PORT_EXTRACT_MEMBER = 23,
	MACHINA_TRAP_PORT_CONSTRUCT = 24,
	MACHINA_TRAP_PORT_DESTRUCT = 25,
	MACHINA_TRAP_MACH_REPLY_PORT = 26,
	MACHINA_TRAP_THREAD_SELF = 27,
	MACHINA_TRAP_TASK_SELF = 28,
	MACHINA_TRAP_HOST_SELF = 29,
	MACHINA_TRAP_MACH_MSG = 31,
	MACHINA_TRAP_MACH_MSG_OVERWRITE = 32,
	MACHINA_TRAP_SEMAPHORE_SIGNAL = 33,
	MACHINA_TRAP_SEMAPHORE_SIGNAL_ALL = 34,
	MACHINA_TRAP_SEMAPHORE_SIGNAL_THREAD = 35,
	MACHINA_TRAP_SEMAPHORE_WAIT = 36,
	MACHINA_TRAP_SEMAPHORE_WAIT_SIGNAL = 37,
	MACHINA_TRAP_SEMAPHORE_TIMEDWAIT = 38,
	MACHINA_TRAP_SEMAPHORE_TIMEDWAIT_SIGNAL = 39,
	MACHINA_TRAP_PORT_GET_ATTRIBUTES = 40,
	MACHINA_TRAP_PORT_GUARD = 41,
	MACHINA_TRAP_PORT_UNGUARD = 42,
	MACHINA_TRAP_TASK_NAME_FOR_PID = 44,
	MACHINA_TRAP_TASK_FOR_PID = 45,
	MACHINA_TRAP_PID_FOR_TASK = 46,
	MACHINA_TRAP_MACH_MSG2 = 47,
	MACHINA_TRAP_THREAD_GET_SPECIAL_REPLY_PORT = 50,
	MACHINA_TRAP_SWTCH_PRI = 59,
	MACHINA_TRAP_SWTCH = 60,
	MACHINA_TRAP_THREAD_SWITCH = 61,
	MACHINA_TRAP_PORT_TYPE = 76,
	MACHINA_TRAP_PORT_REQUEST_NOTIFICATION = 77,
	MACHINA_TRAP_MACH_TIMEBASE_INFO = 89,
	MACHINA_TRAP_MACH_WAIT_UNTIL = 90,
	MACHINA_TRAP_MK_TIMER_CREATE = 91,
	MACHINA_TRAP_MK_TIMER_DESTROY = 92,
	MACHINA_TRAP_MK_TIMER_ARM = 93,
	MACHINA_TRAP_MK_TIMER_CANCEL = 94,
};
#define MACHINA_TRAPS_LISTED	46

#endif /* _UAPI_MACHINA_H */
