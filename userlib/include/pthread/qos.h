/*
 * <pthread/qos.h>: a thread's QoS class and QoS overrides.
 *
 * Machina serves pthread_set_qos_class_self_np, pthread_get_qos_class_np
 * and the override calls; an override raises the target thread's
 * effective class until its end call, and overrides nest.
 *
 * pthread_attr_set_qos_class_np / pthread_attr_get_qos_class_np keep the
 * class of an attribute object beside it (glibc's pthread_attr_t has no
 * room for one), and pthread_create starts a thread made with it in that
 * class.  Both need the program linked with libmach's link flags
 * (LIBMACH_LDFLAGS in userlib/libmach.mk: the linker's --wrap of
 * pthread_create, pthread_attr_init and pthread_attr_destroy); a static
 * program that calls them without the flags does not link
 * (docs/libmach.md).  EINVAL for a value that is none of <sys/qos.h>'s
 * classes (nor Darwin's private maintenance class, 0x05) or a relative
 * priority outside [QOS_MIN_RELATIVE_PRIORITY, 0]; QOS_CLASS_UNSPECIFIED
 * is accepted and starts the thread with no class.  ENOMEM when 256 attribute objects
 * with a class are alive.  A copy of the object (assignment) does not
 * carry the class.
 */
#ifndef _PTHREAD_QOS_H
#define _PTHREAD_QOS_H

#include <pthread.h>
#include <sys/qos.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pthread_override_s *pthread_override_t;

int pthread_set_qos_class_self_np(qos_class_t qos_class, int relative_priority);
int pthread_attr_set_qos_class_np(pthread_attr_t *attr, qos_class_t qos_class,
				  int relative_priority);
int pthread_attr_get_qos_class_np(pthread_attr_t *__restrict attr,
				  qos_class_t *__restrict qos_class,
				  int *__restrict relative_priority);
int pthread_get_qos_class_np(pthread_t thread, qos_class_t *qos_class,
			     int *relative_priority);
pthread_override_t pthread_override_qos_class_start_np(pthread_t thread,
							qos_class_t qos_class,
							int relative_priority);
int pthread_override_qos_class_end_np(pthread_override_t override);

#ifdef __cplusplus
}
#endif

#endif /* _PTHREAD_QOS_H */
