// SPDX-License-Identifier: GPL-2.0
/*
 * task_holder: makes its Mach task, says so, and waits to be killed.  Used by
 * module_test.sh to hold the module while it checks that rmmod is refused.
 * Usage: task_holder <ready-file>
 */
#include <signal.h>

#include "machina_test.h"

int main(int argc, char **argv)
{
	unsigned long long serial = mt_task_serial();
	FILE *f;

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
