/*
 * <pthread/qos.h>: a thread's QoS class and QoS overrides.
 *
 * Machina serves pthread_set_qos_class_self_np, pthread_get_qos_class_np
 * and the override calls; an override raises the target thread's
 * effective class until its end call, and overrides nest.  Not provided:
 * pthread_attr_set_qos_class_np / pthread_attr_get_qos_class_np (glibc's
 * pthread_attr_t has no room for a class; docs/plans/qos.md).
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
