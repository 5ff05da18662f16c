/*
 * <mach/task_policy.h>: task_policy_set / task_policy_get flavors.
 *
 * Machina serves TASK_CATEGORY_POLICY (the task's role:
 * TASK_FOREGROUND_APPLICATION, TASK_BACKGROUND_APPLICATION and
 * TASK_DEFAULT_APPLICATION on any task whose control port the caller holds
 * and that it could renice; TASK_CONTROL_APPLICATION and
 * TASK_GRAPHICS_SERVER on the caller's own task with CAP_SYS_NICE), and
 * TASK_BASE_QOS_POLICY / TASK_OVERRIDE_QOS_POLICY (latency and throughput
 * tiers, stored and reported) with TASK_BASE_LATENCY_QOS_POLICY and
 * TASK_BASE_THROUGHPUT_QOS_POLICY (set only).  TASK_SUPPRESSION_POLICY and
 * TASK_POLICY_STATE are not served (KERN_INVALID_ARGUMENT).
 * As in XNU, no role task_policy_set accepts changes how the task's
 * threads are scheduled (TASK_BACKGROUND_APPLICATION included).
 */
#ifndef _MACH_TASK_POLICY_H_
#define _MACH_TASK_POLICY_H_

#include <mach/boolean.h>
#include <mach/machine/vm_types.h>
#include <mach/message.h>
#include <mach/thread_policy.h>		/* LATENCY_QOS_TIER_*, THROUGHPUT_QOS_TIER_* */

typedef natural_t task_policy_flavor_t;
typedef integer_t *task_policy_t;

#define TASK_CATEGORY_POLICY		1
#define TASK_SUPPRESSION_POLICY		3
#define TASK_POLICY_STATE		4
#define TASK_BASE_QOS_POLICY		8
#define TASK_OVERRIDE_QOS_POLICY	9
#define TASK_BASE_LATENCY_QOS_POLICY	10
#define TASK_BASE_THROUGHPUT_QOS_POLICY	11

typedef enum task_role {
	TASK_RENICED			= -1,
	TASK_UNSPECIFIED		= 0,
	TASK_FOREGROUND_APPLICATION	= 1,
	TASK_BACKGROUND_APPLICATION	= 2,
	TASK_CONTROL_APPLICATION	= 3,
	TASK_GRAPHICS_SERVER		= 4,
	TASK_THROTTLE_APPLICATION	= 5,
	TASK_NONUI_APPLICATION		= 6,
	TASK_DEFAULT_APPLICATION	= 7,
	TASK_DARWINBG_APPLICATION	= 8,
} task_role_t;

struct task_category_policy {
	task_role_t role;
};
typedef struct task_category_policy task_category_policy_data_t;
typedef struct task_category_policy *task_category_policy_t;
#define TASK_CATEGORY_POLICY_COUNT					\
	((mach_msg_type_number_t)(sizeof(task_category_policy_data_t) / sizeof(integer_t)))

typedef integer_t task_latency_qos_t;
typedef integer_t task_throughput_qos_t;
#define LATENCY_QOS_LAUNCH_DEFAULT_TIER		LATENCY_QOS_TIER_3
#define THROUGHPUT_QOS_LAUNCH_DEFAULT_TIER	THROUGHPUT_QOS_TIER_3

struct task_qos_policy {
	task_latency_qos_t task_latency_qos_tier;
	task_throughput_qos_t task_throughput_qos_tier;
};
typedef struct task_qos_policy *task_qos_policy_t;
#define TASK_QOS_POLICY_COUNT						\
	((mach_msg_type_number_t)(sizeof(struct task_qos_policy) / sizeof(integer_t)))

#endif /* _MACH_TASK_POLICY_H_ */
