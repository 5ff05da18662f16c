/*
 * machina-exec PROG [ARGS...]: run PROG with Darwin trap instructions
 * enabled.  The process opts in (machina_traps_enable()) and execs PROG;
 * the choice survives the exec and is inherited by PROG's children.
 * Exit status 127 when PROG cannot be run, 126 when the opt-in fails.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mach/mach.h>
#include <machina/machina.h>

int main(int argc, char **argv)
{
	kern_return_t kr;

	if (argc < 2) {
		fprintf(stderr, "usage: machina-exec PROG [ARGS...]\n");
		return 2;
	}
	kr = machina_traps_enable();
	if (kr != KERN_SUCCESS) {
		fprintf(stderr, "machina-exec: cannot enable Darwin traps: %s (%d)\n",
			mach_error_string(kr), kr);
		return 126;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "machina-exec: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
