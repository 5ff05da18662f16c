/*
 * libmach: the trap path.  With MACHINA_TRAPS=1 in the environment (read
 * once, at the first call that could use it), or after
 * machina_use_traps(1), the process opts in to Darwin trap instructions
 * and the calls that have a Mach trap (mach_msg and the mach_port_*
 * calls of XNU's _kernelrpc traps) are issued as the trap, with their
 * arguments in registers, instead of an ioctl carrying a structure.
 *
 * A trap that comes back negative was not run (Mach statuses are never
 * negative): the module refused it (the process lost /dev/mach, a seccomp
 * filter confines it, the kernel has no shim).  MACH_SEND_INVALID_DEST
 * from a _kernelrpc trap means the target is not the caller's own task,
 * as on Darwin, where libsystem then sends the MIG request.  In both
 * cases the call is made again as the ioctl, which did nothing the trap
 * had not undone.
 */
#include <stdlib.h>
#include <string.h>

#include <mach/mach_traps.h>
#include <machina/machina.h>

#include "internal.h"
#include "uapi/machina.h"

/* -1 undecided, 0 ioctls, 1 traps. */
static int use_traps = -1;

/*
 * darwin_trap9(a0..a7, nr): the trap instruction of the Darwin ABI.
 * x86_64: rax = 0x1000000 | nr, arguments in rdi, rsi, rdx, r10, r8, r9,
 * the 7th and 8th above the return address, where the stub's caller left
 * them.  arm64: x16 = -nr, "svc #0x80", x8 an out-of-range number so that
 * a refused trap never runs as a Linux call.
 */
long machina_darwin_trap(long a0, long a1, long a2, long a3, long a4,
			 long a5, long a6, long a7, long nr);
#if defined(__x86_64__)
__asm__(".text\n.globl machina_darwin_trap\n"
	".hidden machina_darwin_trap\n"
	".type machina_darwin_trap,@function\nmachina_darwin_trap:\n"
	"\tmov %rcx, %r10\n"
	"\tmov 24(%rsp), %rax\n"
	"\tor $0x1000000, %rax\n"
	"\tsyscall\n"
	"\tret\n"
	".size machina_darwin_trap, .-machina_darwin_trap\n");
#elif defined(__aarch64__)
__asm__(".text\n.globl machina_darwin_trap\n"
	".hidden machina_darwin_trap\n"
	".type machina_darwin_trap,%function\nmachina_darwin_trap:\n"
	"\tldr x16, [sp]\n"
	"\tneg x16, x16\n"
	"\tmov x8, #0xffff\n"
	"\tsvc #0x80\n"
	"\tret\n"
	".size machina_darwin_trap, .-machina_darwin_trap\n");
#else
#define MACHINA_NO_TRAPS 1
#endif

LIBMACH_EXPORT kern_return_t machina_use_traps(int on)
{
	kern_return_t kr = KERN_SUCCESS;

#ifdef MACHINA_NO_TRAPS
	if (on)
		return KERN_NOT_SUPPORTED;
#endif
	if (on)
		kr = machina_traps_enable();
	__atomic_store_n(&use_traps, on && kr == KERN_SUCCESS, __ATOMIC_RELEASE);
	return kr;
}

int machina_trap_path(void)
{
	int on = __atomic_load_n(&use_traps, __ATOMIC_ACQUIRE);
	const char *env;

	if (on >= 0)
		return on;
	env = getenv("MACHINA_TRAPS");
	machina_use_traps(env && !strcmp(env, "1"));
	return __atomic_load_n(&use_traps, __ATOMIC_ACQUIRE);
}

long machina_trap(unsigned int nr, long a0, long a1, long a2, long a3,
		  long a4, long a5, long a6, long a7)
{
#ifdef MACHINA_NO_TRAPS
	return -1;
#else
	return machina_darwin_trap(a0, a1, a2, a3, a4, a5, a6, a7, nr);
#endif
}

/* The register values of a port trap, from the ioctl's structure. */
enum port_field { F_NONE, F_NAME, F_RIGHT, F_DELTA, F_VALUE, F_CONTEXT,
		  F_NAME_PTR, F_VALUE_PTR };

static const struct {
	unsigned long cmd;
	unsigned int trap;
	unsigned char arg[3];	/* after the task, in register order */
} port_traps[] = {
	{ MACHINA_IOC_PORT_ALLOCATE, MACHINA_TRAP_PORT_ALLOCATE, { F_RIGHT, F_NAME_PTR } },
	{ MACHINA_IOC_PORT_DEALLOCATE, MACHINA_TRAP_PORT_DEALLOCATE, { F_NAME } },
	{ MACHINA_IOC_PORT_MOD_REFS, MACHINA_TRAP_PORT_MOD_REFS, { F_NAME, F_RIGHT, F_DELTA } },
	{ MACHINA_IOC_PORT_INSERT_RIGHT, MACHINA_TRAP_PORT_INSERT_RIGHT,
	  { F_NAME, F_VALUE, F_RIGHT } },
	{ MACHINA_IOC_PORT_MOVE_MEMBER, MACHINA_TRAP_PORT_MOVE_MEMBER, { F_NAME, F_VALUE } },
	{ MACHINA_IOC_PORT_INSERT_MEMBER, MACHINA_TRAP_PORT_INSERT_MEMBER, { F_NAME, F_VALUE } },
	{ MACHINA_IOC_PORT_EXTRACT_MEMBER, MACHINA_TRAP_PORT_EXTRACT_MEMBER, { F_NAME, F_VALUE } },
	{ MACHINA_IOC_PORT_TYPE, MACHINA_TRAP_PORT_TYPE, { F_NAME, F_VALUE_PTR } },
	{ MACHINA_IOC_PORT_GUARD, MACHINA_TRAP_PORT_GUARD, { F_NAME, F_CONTEXT, F_VALUE } },
	{ MACHINA_IOC_PORT_UNGUARD, MACHINA_TRAP_PORT_UNGUARD, { F_NAME, F_CONTEXT } },
};

static long port_field(struct machina_port_args *a, unsigned char f)
{
	switch (f) {
	case F_NAME:
		return a->name;
	case F_RIGHT:
		return a->right;
	case F_DELTA:
		return a->delta;
	case F_VALUE:
		return a->value;
	case F_CONTEXT:
		return (long)a->context;
	case F_NAME_PTR:
		return (long)&a->name;
	case F_VALUE_PTR:
		return (long)&a->value;
	default:
		return 0;
	}
}

/*
 * machina_port_trap - a mach_port_* ioctl request as its _kernelrpc trap
 * (results land in @a as the ioctl's would)
 * Returns the trap's status, or -1 when @cmd has no trap or the trap was
 * not run here (the caller makes the ioctl).
 */
long machina_port_trap(unsigned long cmd, struct machina_port_args *a)
{
	unsigned int i;
	long r;

	for (i = 0; i < sizeof(port_traps) / sizeof(port_traps[0]); i++) {
		if (port_traps[i].cmd != cmd)
			continue;
		r = machina_trap(port_traps[i].trap, a->task,
				 port_field(a, port_traps[i].arg[0]),
				 port_field(a, port_traps[i].arg[1]),
				 port_field(a, port_traps[i].arg[2]), 0, 0, 0, 0);
		return r == MACH_SEND_INVALID_DEST ? -1 : r;
	}
	return -1;
}
