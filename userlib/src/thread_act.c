/*
 * libmach: threads (mach_thread_self, thread_info, suspension, register
 * state, termination) and the task calls over all of a task's threads
 * (task_threads, task_suspend, task_resume).
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <mach/mach_init.h>
#include <mach/mach_port.h>
#include <mach/mach_traps.h>
#include <mach/thread_act.h>
#include <mach/vm_map.h>

#include "internal.h"
#include "uapi/machina.h"

/* Threads of a process: usually few; the module reports how many. */
#define FIRST_GUESS 16

_Static_assert(THREAD_INFO_MAX <= MACHINA_INFO_WORDS,
	       "thread_info_data_t fits the module's info[]");

LIBMACH_EXPORT mach_port_name_t thread_self_trap(void)
{
	struct machina_name_out out = { 0 };

	if (machina_call(MACHINA_IOC_THREAD_SELF, &out) != KERN_SUCCESS)
		return MACH_PORT_NULL;
	return out.name;
}

LIBMACH_EXPORT mach_port_t mach_thread_self(void)
{
	return thread_self_trap();
}

LIBMACH_EXPORT kern_return_t thread_info(thread_inspect_t target_act,
					 thread_flavor_t flavor,
					 thread_info_t thread_info_out,
					 mach_msg_type_number_t *thread_info_outCnt)
{
	struct machina_info a = { .target = target_act, .flavor = (int32_t)flavor };
	kern_return_t kr;

	if (!thread_info_out || !thread_info_outCnt)
		return KERN_INVALID_ARGUMENT;
	a.count = *thread_info_outCnt;
	kr = machina_call(MACHINA_IOC_THREAD_INFO, &a);
	if (kr != KERN_SUCCESS)
		return kr;
	/* The module never writes more than the caller's capacity. */
	if (a.count > *thread_info_outCnt)
		return KERN_FAILURE;
	memcpy(thread_info_out, a.info, (size_t)a.count * sizeof(natural_t));
	*thread_info_outCnt = a.count;
	return KERN_SUCCESS;
}

static kern_return_t name_call(unsigned long cmd, mach_port_t name)
{
	struct machina_port_args a = { .name = name };

	return machina_call(cmd, &a);
}

LIBMACH_EXPORT kern_return_t thread_suspend(thread_read_t target_act)
{
	return name_call(MACHINA_IOC_THREAD_SUSPEND, target_act);
}

LIBMACH_EXPORT kern_return_t thread_resume(thread_read_t target_act)
{
	return name_call(MACHINA_IOC_THREAD_RESUME, target_act);
}

/* Ends a thread_switch depression at once; KERN_NOT_DEPRESSED if none. */
LIBMACH_EXPORT kern_return_t thread_depress_abort(thread_act_t thread)
{
	return name_call(MACHINA_IOC_THREAD_DEPRESS_ABORT, thread);
}

static kern_return_t abort_call(thread_act_t thread, uint32_t how)
{
	struct machina_port_args a = { .name = thread, .value = how };

	return machina_call(MACHINA_IOC_THREAD_ABORT, &a);
}

LIBMACH_EXPORT kern_return_t thread_abort(thread_act_t target_act)
{
	return abort_call(target_act, MACHINA_ABORT_PLAIN);
}

LIBMACH_EXPORT kern_return_t thread_abort_safely(thread_act_t target_act)
{
	return abort_call(target_act, MACHINA_ABORT_SAFELY);
}

/*
 * Ending another thread of this process: Linux lets no one end a single
 * thread from outside, so libmach reserves SIGRTMAX (installed on the first
 * such call) and the signalled thread leaves with the exit system call from
 * its handler.  As with Darwin's thread_terminate, the thread gets no
 * chance to clean up: locks it held stay held.  A thread that blocks
 * SIGRTMAX is not ended.
 */
static pthread_once_t terminate_once = PTHREAD_ONCE_INIT;

static void terminate_handler(int sig)
{
	(void)sig;
	for (;;)
		syscall(SYS_exit, 0);
}

static void terminate_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = terminate_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGRTMAX, &sa, NULL);
}

/*
 * The module says who ends the thread (uapi/machina.h): the caller itself
 * leaves with the exit system call, as Darwin's
 * thread_terminate(mach_thread_self()) never returns; another thread of
 * this process gets SIGRTMAX.  Like on Darwin, no pthread cleanup runs:
 * Darwin programs use pthread_exit().  A thread of another process:
 * KERN_NOT_SUPPORTED.
 */
LIBMACH_EXPORT kern_return_t thread_terminate(thread_act_t target_act)
{
	struct machina_port_args a = { .name = target_act };
	kern_return_t kr = machina_call(MACHINA_IOC_THREAD_TERMINATE, &a);

	if (kr != KERN_SUCCESS)
		return kr;
	if (a.value2 == 0) {
		for (;;)
			syscall(SYS_exit, 0);
	}
	pthread_once(&terminate_once, terminate_install);
	if (syscall(SYS_tgkill, getpid(), (pid_t)a.value2, SIGRTMAX))
		return KERN_TERMINATED;
	return KERN_SUCCESS;
}

LIBMACH_EXPORT kern_return_t thread_get_state(thread_read_t target_act,
					      thread_state_flavor_t flavor,
					      thread_state_t old_state,
					      mach_msg_type_number_t *old_stateCnt)
{
	struct machina_thread_state a = {
		.thread = target_act,
		.flavor = flavor,
		.state = (uintptr_t)old_state,
	};
	kern_return_t kr;

	if (!old_stateCnt)
		return KERN_INVALID_ARGUMENT;
	a.count = *old_stateCnt;
	kr = machina_call(MACHINA_IOC_THREAD_GET_STATE, &a);
	if (kr == KERN_SUCCESS)
		*old_stateCnt = a.count;
	return kr;
}

LIBMACH_EXPORT kern_return_t thread_set_state(thread_act_t target_act,
					      thread_state_flavor_t flavor,
					      thread_state_t new_state,
					      mach_msg_type_number_t new_stateCnt)
{
	struct machina_thread_state a = {
		.thread = target_act,
		.flavor = flavor,
		.count = new_stateCnt,
		.state = (uintptr_t)new_state,
	};

	return machina_call(MACHINA_IOC_THREAD_SET_STATE, &a);
}

/*
 * The module inserts the rights only when the array has room for all of
 * them, so asking again with a larger array after a miss leaks nothing.
 */
LIBMACH_EXPORT kern_return_t task_threads(task_inspect_t target_task,
					  thread_act_array_t *act_list,
					  mach_msg_type_number_t *act_listCnt)
{
	uint32_t capacity = FIRST_GUESS, *names;
	vm_address_t addr = 0;
	kern_return_t kr;
	uint32_t i;

	if (!act_list || !act_listCnt)
		return KERN_INVALID_ARGUMENT;
	for (;;) {
		struct machina_port_names a = {
			.task = target_task,
			.capacity = capacity,
		};

		names = malloc((size_t)capacity * sizeof(*names));
		if (!names)
			return KERN_RESOURCE_SHORTAGE;
		a.names = (uintptr_t)names;
		kr = machina_call(MACHINA_IOC_TASK_THREADS, &a);
		if (kr != KERN_SUCCESS) {
			free(names);
			return kr;
		}
		if (a.count <= capacity) {
			capacity = a.count;
			break;
		}
		free(names);
		capacity = a.count + a.count / 4 + 4;
	}
	kr = machina_vm_copyout(names, (size_t)capacity * sizeof(*names), &addr);
	if (kr != KERN_SUCCESS) {
		for (i = 0; i < capacity; i++)
			mach_port_deallocate(mach_task_self(), names[i]);
		free(names);
		return kr;
	}
	free(names);
	*act_list = (thread_act_array_t)addr;
	*act_listCnt = capacity;
	return KERN_SUCCESS;
}

LIBMACH_EXPORT kern_return_t task_suspend(task_read_t target_task)
{
	struct machina_port_args a = { .task = target_task };

	return machina_call(MACHINA_IOC_TASK_SUSPEND, &a);
}

LIBMACH_EXPORT kern_return_t task_resume(task_read_t target_task)
{
	struct machina_port_args a = { .task = target_task };

	return machina_call(MACHINA_IOC_TASK_RESUME, &a);
}
