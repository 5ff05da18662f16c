/*
 * <mach/mach_traps.h>: the Mach calls that are traps on Darwin (no MIG
 * message behind them).  On Machina each is one ioctl on /dev/mach.
 */
#ifndef _MACH_MACH_TRAPS_H_
#define _MACH_MACH_TRAPS_H_

#include <mach/std_types.h>
#include <mach/mach_types.h>
#include <mach/message.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A new receive right, for replies; MACH_PORT_NULL if none could be made. */
extern mach_port_name_t mach_reply_port(void);

/*
 * A new special reply port for the calling thread: one name holding its
 * receive right and a send right; MACH_PORT_NULL if none could be made.
 * The thread's previous one is let go (its name and rights stay until
 * deallocated), as is the last one when the thread exits.  The receive
 * right of a special reply port cannot be moved (MACH_SEND_INVALID_RIGHT
 * in a port descriptor, KERN_INVALID_CAPABILITY from
 * mach_port_extract_right).
 * Module ABI 8; trap 50 on the trap path.
 */
extern mach_port_name_t thread_get_special_reply_port(void);

/*
 * The caller's name for its own task port, asked of the kernel.  Programs
 * use mach_task_self(), which asks once and caches the answer.
 */
extern mach_port_name_t task_self_trap(void);

/* A send right to the calling thread's port (mach_thread_self()). */
extern mach_port_name_t thread_self_trap(void);

/*
 * A send right to the control port of process "pid" (task_for_pid) or to
 * its name port (task_name_for_pid), in the caller's space; target_tport
 * is the caller's task port.  The control port is given where Linux would
 * let the caller ptrace-attach the process, as the kernel decides it (same
 * credentials and dumpable, or CAP_SYS_PTRACE in its user namespace, and
 * what Yama and the other LSMs allow: by default only its own descendants),
 * the name port to processes of the same user.  Anything else: KERN_FAILURE
 * and MACH_PORT_NULL.
 */
extern kern_return_t task_for_pid(mach_port_name_t target_tport, int pid,
				  mach_port_name_t *t);
extern kern_return_t task_name_for_pid(mach_port_name_t target_tport, int pid,
				       mach_port_name_t *tn);

/*
 * The read port (memory and state for reading: mach_vm_read, _region,
 * TASK_VM_INFO, task_suspend; never a control port or a writable view)
 * and the inspect port (task_info, task_policy_get) of process "pid"
 * (Darwin's BSD calls of these names; an ioctl here).  The read port is
 * given where Linux would let the caller ptrace-attach the process, as
 * task_for_pid; the inspect port where it may ptrace-read it (what
 * /proc/PID/stat's private fields need: Yama's scope does not apply).
 * Anything else: KERN_FAILURE and MACH_PORT_NULL.  Module ABI 7.
 */
extern kern_return_t task_read_for_pid(mach_port_name_t target_tport, int pid,
				       mach_port_name_t *t);
extern kern_return_t task_inspect_for_pid(mach_port_name_t target_tport,
					  int pid, mach_port_name_t *t);

/* The pid of a task's control or name port; -1 and KERN_FAILURE if none. */
extern kern_return_t pid_for_task(mach_port_name_t t, int *x);

/*
 * Giving the processor away (options and their meaning in
 * <mach/thread_switch.h>).  thread_switch hands off to the thread whose
 * port thread_name names, if it can (MACH_PORT_NULL: no hint), then acts as
 * option says: KERN_SUCCESS, or KERN_INVALID_ARGUMENT for an unknown
 * option.  swtch yields if anything else could run on this CPU; swtch_pri
 * does so lowered below every other thread for the yield (at most 10 ms;
 * pri is ignored, as on Darwin).  Both answer whether something else could
 * still run here.  Module ABI 8 (MACHINA_IOC_THREAD_SWITCH); traps 59-61
 * on the trap path.
 */
extern boolean_t swtch_pri(int pri);
extern boolean_t swtch(void);
extern kern_return_t thread_switch(mach_port_name_t thread_name, int option,
				   mach_msg_timeout_t option_time);

/* mach_msg and mach_msg_overwrite without the restart of interrupted halves. */
extern mach_msg_return_t mach_msg_trap(mach_msg_header_t *msg,
				       mach_msg_option_t option,
				       mach_msg_size_t send_size,
				       mach_msg_size_t rcv_size,
				       mach_port_name_t rcv_name,
				       mach_msg_timeout_t timeout,
				       mach_port_name_t notify);

extern mach_msg_return_t mach_msg_overwrite_trap(mach_msg_header_t *msg,
						 mach_msg_option_t option,
						 mach_msg_size_t send_size,
						 mach_msg_size_t rcv_size,
						 mach_port_name_t rcv_name,
						 mach_msg_timeout_t timeout,
						 mach_port_name_t notify,
						 mach_msg_header_t *rcv_msg,
						 mach_msg_size_t rcv_limit);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_MACH_TRAPS_H_ */
