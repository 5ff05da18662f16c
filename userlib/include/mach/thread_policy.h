/*
 * <mach/thread_policy.h>: thread_policy_set / thread_policy_get flavors.
 *
 * Machina serves THREAD_STANDARD_POLICY / THREAD_EXTENDED_POLICY,
 * THREAD_PRECEDENCE_POLICY, THREAD_AFFINITY_POLICY (tag stored and
 * reported; no placement effect), THREAD_LATENCY_QOS_POLICY and
 * THREAD_THROUGHPUT_QOS_POLICY (stored and reported), and reads
 * THREAD_QOS_POLICY (set it with pthread_set_qos_class_self_np(); as on
 * Darwin, thread_policy_set() refuses it).  THREAD_TIME_CONSTRAINT_POLICY
 * (times in mach_absolute_time units: ns) makes the thread SCHED_FIFO where
 * its RLIMIT_RTPRIO or CAP_SYS_NICE allows, else KERN_FAILURE.
 * docs/ARCHITECTURE.md ("QoS") has what each does to the Linux thread.
 */
#ifndef _MACH_THREAD_POLICY_H_
#define _MACH_THREAD_POLICY_H_

#include <stdint.h>
#include <mach/boolean.h>
#include <mach/machine/vm_types.h>
#include <mach/message.h>

typedef natural_t thread_policy_flavor_t;
typedef integer_t *thread_policy_t;

#define THREAD_STANDARD_POLICY		1
struct thread_standard_policy {
	natural_t no_data;
};
typedef struct thread_standard_policy thread_standard_policy_data_t;
typedef struct thread_standard_policy *thread_standard_policy_t;
#define THREAD_STANDARD_POLICY_COUNT	0

#define THREAD_EXTENDED_POLICY		1
struct thread_extended_policy {
	boolean_t timeshare;
};
typedef struct thread_extended_policy thread_extended_policy_data_t;
typedef struct thread_extended_policy *thread_extended_policy_t;
#define THREAD_EXTENDED_POLICY_COUNT					\
	((mach_msg_type_number_t)(sizeof(thread_extended_policy_data_t) / sizeof(integer_t)))

#define THREAD_TIME_CONSTRAINT_POLICY	2
struct thread_time_constraint_policy {
	uint32_t period;
	uint32_t computation;
	uint32_t constraint;
	boolean_t preemptible;
};
typedef struct thread_time_constraint_policy thread_time_constraint_policy_data_t;
typedef struct thread_time_constraint_policy *thread_time_constraint_policy_t;
#define THREAD_TIME_CONSTRAINT_POLICY_COUNT				\
	((mach_msg_type_number_t)(sizeof(thread_time_constraint_policy_data_t) / sizeof(integer_t)))

#define THREAD_PRECEDENCE_POLICY	3
struct thread_precedence_policy {
	integer_t importance;
};
typedef struct thread_precedence_policy thread_precedence_policy_data_t;
typedef struct thread_precedence_policy *thread_precedence_policy_t;
#define THREAD_PRECEDENCE_POLICY_COUNT					\
	((mach_msg_type_number_t)(sizeof(thread_precedence_policy_data_t) / sizeof(integer_t)))

#define THREAD_AFFINITY_POLICY		4
struct thread_affinity_policy {
	integer_t affinity_tag;
};
#define THREAD_AFFINITY_TAG_NULL	0
typedef struct thread_affinity_policy thread_affinity_policy_data_t;
typedef struct thread_affinity_policy *thread_affinity_policy_t;
#define THREAD_AFFINITY_POLICY_COUNT					\
	((mach_msg_type_number_t)(sizeof(thread_affinity_policy_data_t) / sizeof(integer_t)))

typedef integer_t thread_latency_qos_t;
typedef integer_t thread_throughput_qos_t;

#define LATENCY_QOS_TIER_UNSPECIFIED	0x0
#define LATENCY_QOS_TIER_0		((0xFF << 16) | 1)
#define LATENCY_QOS_TIER_1		((0xFF << 16) | 2)
#define LATENCY_QOS_TIER_2		((0xFF << 16) | 3)
#define LATENCY_QOS_TIER_3		((0xFF << 16) | 4)
#define LATENCY_QOS_TIER_4		((0xFF << 16) | 5)
#define LATENCY_QOS_TIER_5		((0xFF << 16) | 6)

#define THROUGHPUT_QOS_TIER_UNSPECIFIED	0x0
#define THROUGHPUT_QOS_TIER_0		((0xFE << 16) | 1)
#define THROUGHPUT_QOS_TIER_1		((0xFE << 16) | 2)
#define THROUGHPUT_QOS_TIER_2		((0xFE << 16) | 3)
#define THROUGHPUT_QOS_TIER_3		((0xFE << 16) | 4)
#define THROUGHPUT_QOS_TIER_4		((0xFE << 16) | 5)
#define THROUGHPUT_QOS_TIER_5		((0xFE << 16) | 6)

#define THREAD_LATENCY_QOS_POLICY	7
struct thread_latency_qos_policy {
	thread_latency_qos_t thread_latency_qos_tier;
};
typedef struct thread_latency_qos_policy thread_latency_qos_policy_data_t;
typedef struct thread_latency_qos_policy *thread_latency_qos_policy_t;
#define THREAD_LATENCY_QOS_POLICY_COUNT					\
	((mach_msg_type_number_t)(sizeof(thread_latency_qos_policy_data_t) / sizeof(integer_t)))

#define THREAD_THROUGHPUT_QOS_POLICY	8
struct thread_throughput_qos_policy {
	thread_throughput_qos_t thread_throughput_qos_tier;
};
typedef struct thread_throughput_qos_policy thread_throughput_qos_policy_data_t;
typedef struct thread_throughput_qos_policy *thread_throughput_qos_policy_t;
#define THREAD_THROUGHPUT_QOS_POLICY_COUNT				\
	((mach_msg_type_number_t)(sizeof(thread_throughput_qos_policy_data_t) / sizeof(integer_t)))

#define THREAD_QOS_POLICY		9
#define THREAD_QOS_POLICY_OVERRIDE	10

typedef uint8_t thread_qos_t;
#define THREAD_QOS_UNSPECIFIED		0
#define THREAD_QOS_DEFAULT		THREAD_QOS_UNSPECIFIED
#define THREAD_QOS_MAINTENANCE		1
#define THREAD_QOS_BACKGROUND		2
#define THREAD_QOS_UTILITY		3
#define THREAD_QOS_LEGACY		4
#define THREAD_QOS_USER_INITIATED	5
#define THREAD_QOS_USER_INTERACTIVE	6
#define THREAD_QOS_LAST			7
#define THREAD_QOS_MIN_TIER_IMPORTANCE	(-15)

struct thread_qos_policy {
	integer_t qos_tier;
	integer_t tier_importance;
};
typedef struct thread_qos_policy thread_qos_policy_data_t;
typedef struct thread_qos_policy *thread_qos_policy_t;
#define THREAD_QOS_POLICY_COUNT						\
	((mach_msg_type_number_t)(sizeof(thread_qos_policy_data_t) / sizeof(integer_t)))

#endif /* _MACH_THREAD_POLICY_H_ */
