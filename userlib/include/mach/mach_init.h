/*
 * <mach/mach_init.h>: the ports every Mach program starts with.
 *
 * mach_task_self() is the caller's name for its own task port, the "task"
 * argument of every mach_port_* and vm_* call.  As on Darwin it reads the
 * variable mach_task_self_; Machina fills that variable on the first use
 * rather than at startup, so a program linked with libmach that never uses
 * Mach never opens /dev/mach.  Code that reads mach_task_self_ directly
 * before any other Mach call sees MACH_PORT_NULL: call mach_task_self().
 * After fork() the child gets its own name, as on Darwin.
 */
#ifndef _MACH_INIT_
#define _MACH_INIT_	1

#include <mach/mach_types.h>
#include <mach/vm_page_size.h>
#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

extern mach_port_t mach_task_self_;

/* Asks the kernel when mach_task_self_ is still unset; cheap afterwards. */
extern mach_port_t mach_task_self(void);

#define mach_task_self()						\
	(mach_task_self_ != MACH_PORT_NULL ? mach_task_self_ :		\
					     (mach_task_self)())
#define current_task()	mach_task_self()

/*
 * A send right to the calling thread's port; each call adds a user
 * reference to the name (release it with mach_port_deallocate()).
 */
extern mach_port_t mach_thread_self(void);

/* Whether "task" names the caller's own task. */
extern boolean_t mach_task_is_self(task_name_t task);

#ifdef __cplusplus
}
#endif

#include <mach/mach_traps.h>

#endif /* _MACH_INIT_ */
