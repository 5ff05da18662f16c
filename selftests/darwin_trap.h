/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw Darwin trap instructions for the selftests (no libmach): one
 * program includes this once.
 */
#ifndef _DARWIN_TRAP_H
#define _DARWIN_TRAP_H

#define MACH_CLASS	0x1000000L
#define UNIX_CLASS	0x2000000L
#define TRAP_EFAULT	14

/*
 * darwin_trap(a0..a7, nr): the trap instruction with the argument
 * registers of the Darwin ABI.  x86_64: called like libsyscall's stubs,
 * so at the "syscall" the 7th and 8th arguments sit above the return
 * address.  arm64: x8 holds __NR_getpid, so a trap run as the Linux call
 * of x8 shows (it returns the pid).
 */
long darwin_trap(long a0, long a1, long a2, long a3, long a4, long a5,
		 long a6, long a7, long nr);
#if defined(__x86_64__)
asm(".text\n.globl darwin_trap\n.type darwin_trap,@function\ndarwin_trap:\n"
    "\tmov %rcx, %r10\n"
    "\tmov 24(%rsp), %rax\n"
    "\tsyscall\n"
    "\tret\n");
#define TRAP_NR(n)	(MACH_CLASS | (n))
#define UNIX_NR(n)	(UNIX_CLASS | (n))
#elif defined(__aarch64__)
asm(".text\n.globl darwin_trap\n.type darwin_trap,%function\ndarwin_trap:\n"
    "\tldr x16, [sp]\n"
    "\tmov x8, #172\n"		/* __NR_getpid */
    "\tsvc #0x80\n"
    "\tret\n");
#define TRAP_NR(n)	(-(long)(n))
#define UNIX_NR(n)	((long)(n))
/* svc #0x80 with x8 = @nr: Linux's system call @nr, on stock Linux. */
long svc80_linux(long nr);
asm(".text\n.globl svc80_linux\n.type svc80_linux,%function\nsvc80_linux:\n"
    "\tmov x8, x0\n"
    "\tmov x16, #-28\n"
    "\tsvc #0x80\n"
    "\tret\n");
#else
#error "darwin_trap.h: x86_64 or arm64 only"
#endif

/* Trap @n with no arguments. */
#define T0(n)			darwin_trap(0, 0, 0, 0, 0, 0, 0, 0, TRAP_NR(n))

#endif /* _DARWIN_TRAP_H */
