/*
 * <machina/machina.h>: what libmach adds beyond Darwin's API, for programs
 * and tests that want to know about the kernel module underneath.
 */
#ifndef _MACHINA_MACHINA_H_
#define _MACHINA_MACHINA_H_

#include <stdint.h>
#include <mach/kern_return.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The /dev/mach descriptor libmach uses, opened (and the ABI checked) on the
 * first call.  Returns -1 with errno set when the module is missing or speaks
 * an ABI this library does not; the reason and the fix have then been
 * printed once to standard error (set MACHINA_QUIET=1 to silence that).
 */
int machina_fd(void);

/* The text of the last failure of machina_fd(), or NULL. */
const char *machina_error(void);

/* ABI version of the module (after a successful machina_fd()), else 0. */
uint32_t machina_module_abi(void);

struct machina_identity {
	uint64_t task_serial;
	uint64_t thread_serial;
	int32_t pid;
	int32_t tid;
	uint32_t thread_count;
};

/* Who the module thinks the caller is; creates the task state on first use. */
kern_return_t machina_identity(struct machina_identity *out);

/*
 * Opt the calling process in to Darwin trap instructions (x86_64 "syscall"
 * with rax = 0x1000000 | trap, arm64 "svc #0x80" with x16 = -trap): kept
 * across exec (but not into a setuid image) and by children forked later.
 * KERN_FAILURE if the kernel cannot attach the hooks.
 */
kern_return_t machina_traps_enable(void);

/*
 * machina_use_traps(1): libmach issues mach_msg and the mach_port_* calls
 * that have a Mach trap as that trap (opting the process in) instead of an
 * ioctl; 0: ioctls.  MACHINA_TRAPS=1 in the environment selects the traps
 * at the first call.  Returns the opt-in's status (the ioctls stay in use
 * if it fails).
 */
kern_return_t machina_use_traps(int on);

/*
 * Ports as file descriptors (see uapi/machina.h):
 *  machina_port_to_fd(name, MACH_PORT_RIGHT_RECEIVE, flags, &fd): a pollable
 *      observer of a receive right or port set (EPOLLIN: a message is queued;
 *      EPOLLHUP: the port died);
 *  machina_port_to_fd(name, MACH_PORT_RIGHT_SEND, flags, &fd): a descriptor
 *      that carries a send right, to hand to another process (fork,
 *      SCM_RIGHTS), which calls machina_port_from_fd(fd, &name) to get a send
 *      right of its own.
 * flags: O_CLOEXEC and/or O_NONBLOCK.
 */
kern_return_t machina_port_to_fd(uint32_t name, uint32_t right, int flags,
				 int *fd);
kern_return_t machina_port_from_fd(int fd, uint32_t *name);

/*
 * The common case for event loops: machina_port_to_fd(name,
 * MACH_PORT_RIGHT_RECEIVE, fd_flags, fd).  Add the descriptor to an epoll
 * set, and call mach_msg() with MACH_RCV_TIMEOUT 0 when it is readable.
 */
kern_return_t machina_port_fd(uint32_t name, int fd_flags, int *fd);

#ifdef __cplusplus
}
#endif

#endif /* _MACHINA_MACHINA_H_ */
