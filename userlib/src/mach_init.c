/*
 * libmach: the caller's own task port, and keeping per-process Mach state
 * right across fork.
 *
 * Darwin's libsystem asks the kernel for the task's name once at startup and
 * keeps it in mach_task_self_.  libmach asks on first use instead (the
 * mach_task_self() macro calls in here while the variable is unset), so
 * that programs which link libmach but never use Mach never open the
 * device.  The name is per process: a fork child has a new IPC space in
 * which the parent's names mean nothing, so the child forgets everything
 * cached and asks again.
 */
#include <pthread.h>

#include <mach/mach_init.h>
#include <mach/mach_traps.h>

#include "internal.h"
#include "uapi/machina.h"

LIBMACH_EXPORT mach_port_t mach_task_self_ = MACH_PORT_NULL;

/*
 * Serialises the first fill so the kernel is asked once per process.  The
 * fork handlers hold it across fork(), so the child never inherits it
 * locked by a thread that does not exist there.
 */
static pthread_mutex_t self_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t fork_hooks_once = PTHREAD_ONCE_INIT;

LIBMACH_EXPORT mach_port_name_t task_self_trap(void)
{
	struct machina_name_out out = { 0 };

	if (machina_call(MACHINA_IOC_TASK_SELF, &out) != KERN_SUCCESS)
		return MACH_PORT_NULL;
	return out.name;
}

static void before_fork(void)
{
	pthread_mutex_lock(&self_lock);
}

static void after_fork_parent(void)
{
	pthread_mutex_unlock(&self_lock);
}

static void after_fork_child(void)
{
	mach_port_t parent_name = mach_task_self_;

	/*
	 * Only the forking thread exists here, and its cached reply port is a
	 * name of the parent's space.  Forget it before anything can use it.
	 */
	machina_mig_forget_reply_port();
	__atomic_store_n(&mach_task_self_, MACH_PORT_NULL, __ATOMIC_RELAXED);

	/*
	 * A parent that used Mach expects its child to have a task port at
	 * once, as on Darwin, even for code that reads mach_task_self_
	 * directly; one that never did keeps the child lazy too.
	 */
	if (parent_name != MACH_PORT_NULL)
		__atomic_store_n(&mach_task_self_, task_self_trap(),
				 __ATOMIC_RELEASE);
	pthread_mutex_unlock(&self_lock);
}

static void register_fork_hooks(void)
{
	pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

void machina_fork_hooks_init(void)
{
	pthread_once(&fork_hooks_once, register_fork_hooks);
}

/* The function behind the mach_task_self() macro's slow path. */
LIBMACH_EXPORT mach_port_t(mach_task_self)(void)
{
	mach_port_t name = __atomic_load_n(&mach_task_self_, __ATOMIC_ACQUIRE);

	if (name != MACH_PORT_NULL)
		return name;

	machina_fork_hooks_init();
	pthread_mutex_lock(&self_lock);
	name = mach_task_self_;
	if (name == MACH_PORT_NULL) {
		name = task_self_trap();
		__atomic_store_n(&mach_task_self_, name, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&self_lock);
	return name;
}

LIBMACH_EXPORT boolean_t mach_task_is_self(task_name_t task)
{
	return task != MACH_PORT_NULL && task == mach_task_self();
}
