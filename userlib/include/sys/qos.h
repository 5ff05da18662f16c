/*
 * <sys/qos.h>: Darwin's QoS classes.
 *
 * A thread's QoS class drives its Linux scheduling policy and nice value
 * under Machina (docs/ARCHITECTURE.md, "QoS").  qos_class_main() reports
 * the main thread's current class (Darwin: the class it was launched with;
 * Machina launches every process unspecified); in a fork() child the main
 * thread is the one that forked, which starts in the forking thread's class
 * (Darwin: the parent's launch class).
 */
#ifndef _SYS_QOS_H
#define _SYS_QOS_H

#ifdef __cplusplus
extern "C" {
#endif

enum {
	QOS_CLASS_USER_INTERACTIVE = 0x21,
	QOS_CLASS_USER_INITIATED = 0x19,
	QOS_CLASS_DEFAULT = 0x15,
	QOS_CLASS_UTILITY = 0x11,
	QOS_CLASS_BACKGROUND = 0x09,
	QOS_CLASS_UNSPECIFIED = 0x00,
};
typedef unsigned int qos_class_t;

#define QOS_MIN_RELATIVE_PRIORITY (-15)

qos_class_t qos_class_self(void);
qos_class_t qos_class_main(void);

#ifdef __cplusplus
}
#endif

#endif /* _SYS_QOS_H */
