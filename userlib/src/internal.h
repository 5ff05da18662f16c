/* libmach internals shared by the source files; not installed. */
#ifndef _LIBMACH_INTERNAL_H
#define _LIBMACH_INTERNAL_H

#include <stddef.h>
#include <mach/kern_return.h>
#include <mach/message.h>
#include <mach/port.h>
#include <mach/vm_types.h>

#define LIBMACH_EXPORT __attribute__((visibility("default")))

/*
 * machina_call - one ioctl on /dev/mach
 * Returns the Mach status the module gave, or the kern_return_t that stands
 * for the errno when the call could not be made (device missing, bad
 * argument address, no memory).
 */
kern_return_t machina_call(unsigned long cmd, void *arg);

/*
 * The request of thread_policy_set/get and task_policy_set/get
 * (policy_call.c): cmd is the set or get ioctl, target the port; MIG's
 * checks on the inline array and count, then the call.
 */
kern_return_t libmach_policy_set(unsigned long cmd, mach_port_t target,
				 int32_t flavor, const integer_t *info,
				 mach_msg_type_number_t count);
kern_return_t libmach_policy_get(unsigned long cmd, mach_port_t target,
				 int32_t flavor, integer_t *info,
				 mach_msg_type_number_t *count,
				 boolean_t *get_default);

/*
 * machina_ioctl - one ioctl on /dev/mach, without translation
 * Returns the module's non-negative Mach status, or -errno when the request
 * could not be made (-ENODEV when the device cannot be opened).  For callers
 * that must tell an interrupted request from a refused one.
 */
int machina_ioctl(unsigned long cmd, void *arg);

/*
 * The trap path (trap_path.c): whether the calls go through Darwin trap
 * instructions (MACHINA_TRAPS=1 or machina_use_traps(1)); one trap; a
 * mach_port_* request as its trap (-1: make the ioctl instead).
 */
struct machina_port_args;
int machina_trap_path(void);
long machina_trap(unsigned int nr, long a0, long a1, long a2, long a3,
		  long a4, long a5, long a6, long a7);
long machina_port_trap(unsigned long cmd, struct machina_port_args *a);

/*
 * libmach_qos_tier - Darwin's THREAD_QOS tier of a qos_class_t (qos.c): 0
 * for QOS_CLASS_UNSPECIFIED, -1 for a value that names no class.
 */
int libmach_qos_tier(unsigned int qos_class);

/* The kern_return_t libmach reports for an errno of the device. */
kern_return_t machina_errno_to_kern_return(int err);

/*
 * machina_vm_copyout - place a result array in fresh pages of the caller
 * Darwin hands variable-size MIG results to the caller as new memory that
 * the caller vm_deallocate()s with the array's own size, so the mapping is
 * exactly round_page(bytes).  bytes == 0 gives address 0, as on Darwin.
 */
kern_return_t machina_vm_copyout(const void *src, size_t bytes,
				 vm_address_t *addr);

/*
 * machina_fork_hooks_init - make sure per-process Mach state is refreshed
 * in the child of a fork (the child's IPC space is new and empty).  Cheap
 * after the first call.
 */
void machina_fork_hooks_init(void);

/* Child side of fork: forget the calling thread's MIG reply port. */
void machina_mig_forget_reply_port(void);

#endif /* _LIBMACH_INTERNAL_H */
