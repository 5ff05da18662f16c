/*
 * libmach: the QoS class of a thread attribute object
 * (pthread_attr_set_qos_class_np, pthread_attr_get_qos_class_np) and the
 * pthread_create that starts a thread in it.
 *
 * glibc's pthread_attr_t has no room for a class, so the class lives in a
 * table keyed by the attribute object's address (ATTR_SLOTS entries; a set
 * with the table full fails with ENOMEM, nothing is evicted).  An entry goes
 * when its object is destroyed or initialised again.  A thread created with
 * an object that has an entry starts on a trampoline that sets its own
 * class (pthread_set_qos_class_self_np(); for QOS_CLASS_UNSPECIFIED it drops
 * the class it inherited, as Darwin's thread then has none) before the
 * start routine runs; pthread_create() returns once that is done, so the
 * creator reads the new class at once, as on Darwin.  A class the kernel
 * refuses leaves the thread as it was: the start routine runs all the same.
 *
 * Programs link libmach statically, where a second pthread_create cannot
 * replace libc's: the calls are taken with the linker's --wrap
 * (LIBMACH_LDFLAGS, userlib/libmach.mk).  This file is the only one that
 * refers to the __real_ functions, and it also holds the two attribute
 * calls: a program that uses them without the flags does not link
 * ("undefined reference to __real_pthread_create"), so a class is never
 * recorded and then silently not applied.  (libmach.so resolves the
 * __real_ names itself: a program linked against it without the flags
 * records the class and does not apply it; docs/libmach.md.)
 *
 * The table's lock is taken around fork() (pthread_atfork, registered by
 * the first set), so a child never inherits it held.
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <mach/mach_init.h>
#include <mach/mach_port.h>
#include <mach/thread_act.h>
#include <mach/thread_policy.h>
#include <pthread/qos.h>
#include <sys/qos.h>

#include "internal.h"

#define ATTR_SLOTS 256

struct attr_class {
	const pthread_attr_t *attr;	/* NULL: a free slot */
	qos_class_t qos;		/* QOS_CLASS_UNSPECIFIED: set to none */
	int relpri;
};

/* slots[] and used, under table_lock; used is read without it as a hint. */
static struct attr_class slots[ATTR_SLOTS];
static unsigned int used;
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

int __real_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
			  void *(*start)(void *), void *arg);
int __real_pthread_attr_init(pthread_attr_t *attr);
int __real_pthread_attr_destroy(pthread_attr_t *attr);

static void table_lock_take(void)
{
	pthread_mutex_lock(&table_lock);
}

static void table_lock_drop(void)
{
	pthread_mutex_unlock(&table_lock);
}

static void register_atfork(void)
{
	pthread_atfork(table_lock_take, table_lock_drop, table_lock_drop);
}

/* The slot of @attr (or a free one for NULL).  Conditions: table_lock. */
static struct attr_class *slot_of(const pthread_attr_t *attr)
{
	unsigned int i;

	for (i = 0; i < ATTR_SLOTS; i++)
		if (slots[i].attr == attr)
			return &slots[i];
	return NULL;
}

static unsigned int in_use(void)
{
	return __atomic_load_n(&used, __ATOMIC_RELAXED);
}

/* forget - drop @attr's entry, if it has one. */
static void forget(const pthread_attr_t *attr)
{
	struct attr_class *c;

	if (!attr || !in_use())
		return;
	pthread_mutex_lock(&table_lock);
	c = slot_of(attr);
	if (c) {
		c->attr = NULL;
		__atomic_store_n(&used, used - 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&table_lock);
}

/*
 * lookup - @attr's class into *@qos / *@relpri
 * Returns: whether it has one (set, possibly to QOS_CLASS_UNSPECIFIED).
 */
static int lookup(const pthread_attr_t *attr, qos_class_t *qos, int *relpri)
{
	struct attr_class *c;

	if (!attr || !in_use())
		return 0;
	pthread_mutex_lock(&table_lock);
	c = slot_of(attr);
	if (c) {
		*qos = c->qos;
		*relpri = c->relpri;
	}
	pthread_mutex_unlock(&table_lock);
	return c != NULL;
}

LIBMACH_EXPORT int pthread_attr_set_qos_class_np(pthread_attr_t *attr,
						 qos_class_t qos_class,
						 int relative_priority)
{
	struct attr_class *c;

	if (!attr || libmach_qos_tier(qos_class) < 0 || relative_priority > 0 ||
	    relative_priority < QOS_MIN_RELATIVE_PRIORITY)
		return EINVAL;
	pthread_once(&atfork_once, register_atfork);
	pthread_mutex_lock(&table_lock);
	c = slot_of(attr);
	if (!c) {
		c = slot_of(NULL);
		if (c) {
			c->attr = attr;
			__atomic_store_n(&used, used + 1, __ATOMIC_RELAXED);
		}
	}
	if (c) {
		c->qos = qos_class;
		/* Darwin: no class, no relative priority. */
		c->relpri = qos_class == QOS_CLASS_UNSPECIFIED ? 0 : relative_priority;
	}
	pthread_mutex_unlock(&table_lock);
	return c ? 0 : ENOMEM;
}

LIBMACH_EXPORT int pthread_attr_get_qos_class_np(pthread_attr_t *attr,
						 qos_class_t *qos_class,
						 int *relative_priority)
{
	qos_class_t qos = QOS_CLASS_UNSPECIFIED;
	int relpri = 0;

	if (!attr)
		return EINVAL;
	lookup(attr, &qos, &relpri);
	if (qos_class)
		*qos_class = qos;
	if (relative_priority)
		*relative_priority = relpri;
	return 0;
}

LIBMACH_EXPORT int __wrap_pthread_attr_init(pthread_attr_t *attr)
{
	int err = __real_pthread_attr_init(attr);

	/* A new object at an old address has no class. */
	forget(attr);
	return err;
}

LIBMACH_EXPORT int __wrap_pthread_attr_destroy(pthread_attr_t *attr)
{
	forget(attr);
	return __real_pthread_attr_destroy(attr);
}

/* What the trampoline needs; on the creator's stack until @done. */
struct start {
	void *(*fn)(void *);
	void *arg;
	qos_class_t qos;
	int relpri;
	uint32_t done;
};

/*
 * drop_class - the calling thread leaves the class it inherited: any
 * policy but QoS set through thread_policy_set removes it (Darwin's rule),
 * and the standard one asks for nothing else
 */
static void drop_class(void)
{
	mach_port_t self;

	if (qos_class_self() == QOS_CLASS_UNSPECIFIED)
		return;
	self = mach_thread_self();
	thread_policy_set(self, THREAD_STANDARD_POLICY, NULL,
			  THREAD_STANDARD_POLICY_COUNT);
	mach_port_deallocate(mach_task_self(), self);
}

static void *trampoline(void *p)
{
	struct start *st = p;
	void *(*fn)(void *) = st->fn;
	void *arg = st->arg;

	/* Refused or not, the thread runs: its class is only a request. */
	if (st->qos == QOS_CLASS_UNSPECIFIED)
		drop_class();
	else
		pthread_set_qos_class_self_np(st->qos, st->relpri);
	__atomic_store_n(&st->done, 1, __ATOMIC_RELEASE);
	/* @st may be gone now: a wake-up of a stale address wakes no one of ours. */
	syscall(SYS_futex, &st->done, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	return fn(arg);
}

LIBMACH_EXPORT int __wrap_pthread_create(pthread_t *thread,
					 const pthread_attr_t *attr,
					 void *(*start_routine)(void *),
					 void *arg)
{
	struct start st = { .fn = start_routine, .arg = arg };
	int err;

	if (!lookup(attr, &st.qos, &st.relpri))
		return __real_pthread_create(thread, attr, start_routine, arg);
	err = __real_pthread_create(thread, attr, trampoline, &st);
	if (err)
		return err;
	while (!__atomic_load_n(&st.done, __ATOMIC_ACQUIRE))
		syscall(SYS_futex, &st.done, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return 0;
}
