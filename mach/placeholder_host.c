// SPDX-License-Identifier: GPL-2.0
/* PLACEHOLDER while issue 4 is built in parallel: removed before merge. */
#include <linux/errno.h>

#include "personality/calls.h"

long machina_call_host_self(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_host_info(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_host_statistics64(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_host_get_clock_service(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_clock_get_time(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_semaphore_create(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_semaphore_destroy(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_semaphore_signal(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_semaphore_signal_all(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_semaphore_signal_thread(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_semaphore_wait(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_semaphore_timedwait(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_semaphore_wait_signal(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_semaphore_timedwait_signal(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_mk_timer_create(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_mk_timer_destroy(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_mk_timer_arm(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_mk_timer_cancel(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

