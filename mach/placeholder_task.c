// SPDX-License-Identifier: GPL-2.0
/* PLACEHOLDER while issue 4 is built in parallel: removed before merge. */
#include <linux/errno.h>

#include "personality/calls.h"

long machina_call_task_for_pid(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_pid_for_task(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_task_info(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_task_get_special_port(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_task_set_special_port(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_task_get_exception_ports(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

long machina_call_task_set_exception_ports(struct machina_task *task, void *arg)
{
	return -ENOTTY;
}

