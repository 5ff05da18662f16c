/*
 * libmach: Mach semaphores.
 *
 * Waits ask the module (MACHINA_SEM_SIGNAL_EINTR) to fail with EINTR when a
 * Linux signal alone interrupts them (the handler runs on the way back to
 * user space, before this code sees the result); such a wait is simply
 * resumed: a timed wait with the time that is left, a wait_signal as a
 * plain wait (its signal has been given already).  A wait thread_abort
 * ends returns KERN_ABORTED to the program, as on Darwin.  A module that
 * predates the flag refuses it (EINVAL): the wait is made again without it,
 * and then a signal also gives KERN_ABORTED, which is resumed.
 */
#include <errno.h>
#include <time.h>

#include <mach/mach_time.h>
#include <mach/semaphore.h>

#include "internal.h"
#include "uapi/machina.h"

LIBMACH_EXPORT kern_return_t semaphore_create(task_t task,
					      semaphore_t *semaphore,
					      int policy, int value)
{
	struct machina_port_args a = {
		.task = task,
		.right = (uint32_t)policy,
		.delta = value,
	};
	kern_return_t kr;

	if (!semaphore)
		return KERN_INVALID_ARGUMENT;
	kr = machina_call(MACHINA_IOC_SEMAPHORE_CREATE, &a);
	*semaphore = kr == KERN_SUCCESS ? a.name : MACH_PORT_NULL;
	return kr;
}

LIBMACH_EXPORT kern_return_t semaphore_destroy(task_t task,
					       semaphore_t semaphore)
{
	struct machina_port_args a = { .task = task, .name = semaphore };

	if (!MACH_PORT_VALID(semaphore))
		return KERN_INVALID_ARGUMENT;
	return machina_call(MACHINA_IOC_SEMAPHORE_DESTROY, &a);
}

static kern_return_t sem_call(unsigned long cmd, semaphore_t sem,
			      mach_port_t other)
{
	struct machina_semaphore_args a = { .semaphore = sem, .other = other };

	return machina_call(cmd, &a);
}

/* wait_call's answer for a wait to resume: no kern_return_t is negative. */
#define SEM_RESUME ((kern_return_t)-1)

/*
 * wait_call - one wait ioctl
 * Returns: its kern_return_t, or SEM_RESUME when a Linux signal
 * interrupted it (not a thread_abort).
 */
static kern_return_t wait_call(unsigned long cmd,
			       struct machina_semaphore_args *a)
{
	int ret;

	a->flags = MACHINA_SEM_SIGNAL_EINTR;
	ret = machina_ioctl(cmd, a);
	if (ret == -EINVAL) {
		a->flags = 0;	/* a module without the flag */
		ret = machina_ioctl(cmd, a);
		if (ret == KERN_ABORTED)
			return SEM_RESUME;
	}
	if (ret == -EINTR)
		return SEM_RESUME;
	return ret < 0 ? machina_errno_to_kern_return(-ret) : ret;
}

LIBMACH_EXPORT kern_return_t semaphore_signal(semaphore_t semaphore)
{
	return sem_call(MACHINA_IOC_SEMAPHORE_SIGNAL, semaphore, 0);
}

LIBMACH_EXPORT kern_return_t semaphore_signal_all(semaphore_t semaphore)
{
	return sem_call(MACHINA_IOC_SEMAPHORE_SIGNAL_ALL, semaphore, 0);
}

LIBMACH_EXPORT kern_return_t semaphore_signal_thread(semaphore_t semaphore,
						     thread_t thread)
{
	return sem_call(MACHINA_IOC_SEMAPHORE_SIGNAL_THREAD, semaphore, thread);
}

LIBMACH_EXPORT kern_return_t semaphore_wait(semaphore_t semaphore)
{
	struct machina_semaphore_args a = { .semaphore = semaphore };
	kern_return_t kr;

	do
		kr = wait_call(MACHINA_IOC_SEMAPHORE_WAIT, &a);
	while (kr == SEM_RESUME);
	return kr;
}

/*
 * timed - one timed wait (and signal, with @other), resumed after signals
 * until @wait_time has passed in all.
 */
static kern_return_t timed(semaphore_t sem, semaphore_t other,
			   mach_timespec_t wait_time)
{
	struct machina_semaphore_args a = {
		.semaphore = sem,
		.other = other,
		.sec = wait_time.tv_sec,
		.nsec = wait_time.tv_nsec,
	};
	unsigned long cmd = other ? MACHINA_IOC_SEMAPHORE_TIMEDWAIT_SIGNAL :
				    MACHINA_IOC_SEMAPHORE_TIMEDWAIT;
	uint64_t deadline, now;
	kern_return_t kr;

	deadline = mach_absolute_time() +
		   (uint64_t)wait_time.tv_sec * 1000000000ull +
		   (uint64_t)(wait_time.tv_nsec > 0 ? wait_time.tv_nsec : 0);
	for (;;) {
		kr = wait_call(cmd, &a);
		if (kr != SEM_RESUME)
			return kr;
		/* The signal half is done; only the wait is resumed. */
		cmd = MACHINA_IOC_SEMAPHORE_TIMEDWAIT;
		a.other = 0;
		now = mach_absolute_time();
		if (now >= deadline) {
			a.sec = 0;
			a.nsec = 0;
		} else {
			a.sec = (uint32_t)((deadline - now) / 1000000000ull);
			a.nsec = (int32_t)((deadline - now) % 1000000000ull);
		}
	}
}

LIBMACH_EXPORT kern_return_t semaphore_timedwait(semaphore_t semaphore,
						 mach_timespec_t wait_time)
{
	return timed(semaphore, 0, wait_time);
}

LIBMACH_EXPORT kern_return_t semaphore_wait_signal(semaphore_t wait_semaphore,
						   semaphore_t signal_semaphore)
{
	struct machina_semaphore_args a = {
		.semaphore = wait_semaphore,
		.other = signal_semaphore,
	};
	kern_return_t kr;

	kr = wait_call(MACHINA_IOC_SEMAPHORE_WAIT_SIGNAL, &a);
	a.other = 0;
	while (kr == SEM_RESUME)
		kr = wait_call(MACHINA_IOC_SEMAPHORE_WAIT, &a);
	return kr;
}

LIBMACH_EXPORT kern_return_t semaphore_timedwait_signal(
	semaphore_t wait_semaphore, semaphore_t signal_semaphore,
	mach_timespec_t wait_time)
{
	return timed(wait_semaphore, signal_semaphore, wait_time);
}
