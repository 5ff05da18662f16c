// SPDX-License-Identifier: GPL-2.0
/* PLACEHOLDER while issue 4 is built in parallel: removed before merge. */
#include <linux/errno.h>

#include "personality/calls.h"

long machina_call_task_threads(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_task_suspend(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_task_resume(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_thread_self(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_thread_info(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_thread_suspend(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_thread_resume(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_thread_get_state(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_thread_set_state(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_thread_terminate(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

