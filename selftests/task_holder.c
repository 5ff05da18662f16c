// SPDX-License-Identifier: GPL-2.0
/*
 * task_holder: makes its Mach task, says so, and waits to be killed.  Used by
 * module_test.sh to hold the module while it checks that rmmod is refused.
 * Usage: task_holder <ready-file>
 *
 * task_holder --timers <ms>: makes 16 timers and re-arms them to expire at
 * once, over and over, for <ms> milliseconds, then exits with them armed
 * (module_test.sh unloads the module while such processes exit).
 */
#include <signal.h>

#include "machina_test.h"

#define TIMERS 16

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int churn_timers(long ms)
{
	unsigned long long end = now_ns() + ms * 1000000ull;
	struct machina_name_out out;
	unsigned int names[TIMERS];
	int fd = mt_open(), i;

	if (fd < 0)
		return 1;
	for (i = 0; i < TIMERS; i++) {
		memset(&out, 0, sizeof(out));
		if (mt_ioctl(fd, MACHINA_IOC_MK_TIMER_CREATE, &out))
			return 1;
		names[i] = out.name;
	}
	while (now_ns() < end) {
		for (i = 0; i < TIMERS; i++) {
			struct machina_port_args a = {
				.name = names[i],
				.context = now_ns(),
			};

			mt_ioctl(fd, MACHINA_IOC_MK_TIMER_ARM, &a);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long serial;
	FILE *f;

	if (argc == 3 && !strcmp(argv[1], "--timers"))
		return churn_timers(atol(argv[2]));
	serial = mt_task_serial();
	if (argc < 2 || !serial)
		return 1;
	f = fopen(argv[1], "w");
	if (!f)
		return 1;
	fprintf(f, "%llu\n", serial);
	fclose(f);
	for (;;)
		pause();
}
