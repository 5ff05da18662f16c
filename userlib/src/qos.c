/*
 * libmach: QoS classes (<sys/qos.h>, <pthread/qos.h>).
 *
 * A pthread_t names a thread of this process to the module by its thread
 * pointer (x86_64 fs base, arm64 TPIDR_EL0), which glibc keeps at a fixed
 * distance from the pthread_t; the distance is read once from the calling
 * thread.  The main thread's pointer is noted when the library starts, and
 * again in a fork child (whose only thread is the one that forked).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include <pthread/qos.h>
#include <sys/qos.h>

#include "internal.h"
#include "uapi/machina.h"

struct pthread_override_s {
	uint64_t tsd;
	int32_t tier;
};

static uint64_t main_tsd;

static uint64_t thread_pointer(void)
{
	uint64_t tp;

#if defined(__x86_64__)
	__asm__ volatile("mov %%fs:0, %0" : "=r"(tp));
#elif defined(__aarch64__)
	__asm__ volatile("mrs %0, tpidr_el0" : "=r"(tp));
#else
#error "libmach: no thread pointer for this architecture"
#endif
	return tp;
}

static void note_main_thread(void)
{
	main_tsd = thread_pointer();
}

/* A fork child's main thread is the thread that forked. */
__attribute__((constructor)) static void note_main_thread_now(void)
{
	note_main_thread();
	pthread_atfork(NULL, NULL, note_main_thread);
}

/* The thread pointer of @thread (0 for the calling thread). */
static uint64_t tsd_of(pthread_t thread)
{
	uint64_t self = (uint64_t)(uintptr_t)pthread_self();

	if (pthread_equal(thread, pthread_self()))
		return 0;
	return (uint64_t)(uintptr_t)thread + (thread_pointer() - self);
}

/* The THREAD_QOS tier of @qos: 0 for unspecified, -1 for no class. */
int libmach_qos_tier(qos_class_t qos)
{
	switch (qos) {
	case QOS_CLASS_USER_INTERACTIVE:
		return 6;
	case QOS_CLASS_USER_INITIATED:
		return 5;
	case QOS_CLASS_DEFAULT:
		return 4;
	case QOS_CLASS_UTILITY:
		return 3;
	case QOS_CLASS_BACKGROUND:
		return 2;
	case 0x05:		/* QOS_CLASS_MAINTENANCE (private on Darwin) */
		return 1;
	case QOS_CLASS_UNSPECIFIED:
		return 0;
	}
	return -1;
}

static qos_class_t class_of(int tier)
{
	static const qos_class_t classes[] = {
		QOS_CLASS_UNSPECIFIED, 0x05, QOS_CLASS_BACKGROUND,
		QOS_CLASS_UTILITY, QOS_CLASS_DEFAULT,
		QOS_CLASS_USER_INITIATED, QOS_CLASS_USER_INTERACTIVE,
	};

	return tier >= 0 && tier < 7 ? classes[tier] : QOS_CLASS_UNSPECIFIED;
}

static int qos_call(struct machina_thread_qos *a)
{
	kern_return_t kr = machina_call(MACHINA_IOC_THREAD_QOS, a);

	if (kr == KERN_SUCCESS)
		return 0;
	if (kr == KERN_RESOURCE_SHORTAGE)
		return EAGAIN;
	if (kr == KERN_FAILURE)
		return EPERM;
	return EINVAL;
}

static qos_class_t requested(uint64_t tsd)
{
	struct machina_thread_qos a = { .tsd = tsd, .op = MACHINA_QOS_OP_GET };

	return qos_call(&a) ? QOS_CLASS_UNSPECIFIED : class_of(a.qos);
}

LIBMACH_EXPORT qos_class_t qos_class_self(void)
{
	return requested(0);
}

LIBMACH_EXPORT qos_class_t qos_class_main(void)
{
	return requested(main_tsd == thread_pointer() ? 0 : main_tsd);
}

LIBMACH_EXPORT int pthread_set_qos_class_self_np(qos_class_t qos_class,
						 int relative_priority)
{
	struct machina_thread_qos a = {
		.op = MACHINA_QOS_OP_SET,
		.qos = libmach_qos_tier(qos_class),
		.relprio = relative_priority,
	};

	if (a.qos <= 0 || relative_priority > 0 ||
	    relative_priority < QOS_MIN_RELATIVE_PRIORITY)
		return EINVAL;
	return qos_call(&a);
}

LIBMACH_EXPORT int pthread_get_qos_class_np(pthread_t thread,
					    qos_class_t *qos_class,
					    int *relative_priority)
{
	struct machina_thread_qos a = { .tsd = tsd_of(thread), .op = MACHINA_QOS_OP_GET };
	int err = qos_call(&a);

	if (err)
		return err == EINVAL && a.tsd ? ESRCH : err;
	if (qos_class)
		*qos_class = class_of(a.qos);
	if (relative_priority)
		*relative_priority = a.relprio;
	return 0;
}

LIBMACH_EXPORT pthread_override_t
pthread_override_qos_class_start_np(pthread_t thread, qos_class_t qos_class,
				    int relative_priority)
{
	struct machina_thread_qos a = {
		.tsd = tsd_of(thread),
		.op = MACHINA_QOS_OP_OVERRIDE_START,
		.qos = libmach_qos_tier(qos_class),
	};
	struct pthread_override_s *o;
	int err;

	if (a.qos <= 0 || relative_priority > 0 ||
	    relative_priority < QOS_MIN_RELATIVE_PRIORITY) {
		errno = EINVAL;
		return NULL;
	}
	o = malloc(sizeof(*o));
	if (!o)
		return NULL;
	/* The override stays with the thread, wherever it is ended from. */
	o->tsd = a.tsd ? a.tsd : thread_pointer();
	o->tier = a.qos;
	err = qos_call(&a);
	if (err) {
		free(o);
		errno = err;
		return NULL;
	}
	return o;
}

LIBMACH_EXPORT int pthread_override_qos_class_end_np(pthread_override_t override)
{
	struct machina_thread_qos a = { .op = MACHINA_QOS_OP_OVERRIDE_END };
	int err;

	if (!override)
		return EINVAL;
	a.tsd = override->tsd == thread_pointer() ? 0 : override->tsd;
	a.qos = override->tier;
	err = qos_call(&a);
	if (err == EINVAL && a.tsd)
		err = ESRCH;
	/* A thread that exited took its overrides with it. */
	free(override);
	return err;
}
