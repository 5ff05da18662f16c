/*
 * <mach/semaphore.h>: Mach semaphores.
 *
 * semaphore_create/destroy are routines of the task (Darwin declares them
 * in <mach/task.h> too); the rest are traps.  A wait interrupted by a
 * handled signal is resumed by libmach (timed waits with the time left), so
 * KERN_ABORTED is never seen; a destroyed semaphore ends its waits with
 * KERN_TERMINATED.
 */
#ifndef _MACH_SEMAPHORE_H_
#define _MACH_SEMAPHORE_H_

#include <mach/clock_types.h>
#include <mach/kern_return.h>
#include <mach/mach_types.h>
#include <mach/sync_policy.h>

#ifdef __cplusplus
extern "C" {
#endif

kern_return_t semaphore_create(task_t task, semaphore_t *semaphore,
			       int policy, int value);
kern_return_t semaphore_destroy(task_t task, semaphore_t semaphore);

kern_return_t semaphore_signal(semaphore_t semaphore);
kern_return_t semaphore_signal_all(semaphore_t semaphore);
kern_return_t semaphore_signal_thread(semaphore_t semaphore, thread_t thread);
kern_return_t semaphore_wait(semaphore_t semaphore);
kern_return_t semaphore_timedwait(semaphore_t semaphore, mach_timespec_t wait_time);
kern_return_t semaphore_wait_signal(semaphore_t wait_semaphore,
				    semaphore_t signal_semaphore);
kern_return_t semaphore_timedwait_signal(semaphore_t wait_semaphore,
					 semaphore_t signal_semaphore,
					 mach_timespec_t wait_time);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_SEMAPHORE_H_ */
