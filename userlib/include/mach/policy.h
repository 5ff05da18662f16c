/*
 * <mach/policy.h>: scheduling policies, as thread_info reports them.
 * Machina maps Linux's policies: SCHED_FIFO is POLICY_FIFO, SCHED_RR is
 * POLICY_RR, every other one POLICY_TIMESHARE.
 */
#ifndef _MACH_POLICY_H_
#define _MACH_POLICY_H_

#include <mach/machine/vm_types.h>

typedef int policy_t;
typedef integer_t *policy_info_t;
typedef integer_t *policy_base_t;
typedef integer_t *policy_limit_t;

#define POLICY_NULL		0
#define POLICY_TIMESHARE	1
#define POLICY_RR		2
#define POLICY_FIFO		4

#define POLICYCLASS_FIXEDPRI	(POLICY_RR | POLICY_FIFO)

#define invalid_policy(policy)						\
	((policy) != POLICY_TIMESHARE && (policy) != POLICY_RR &&	\
	 (policy) != POLICY_FIFO)

#endif /* _MACH_POLICY_H_ */
