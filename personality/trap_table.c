// SPDX-License-Identifier: GPL-2.0
/*
 * The XNU Mach trap table: one row per trap with XNU's number, name and
 * argument count, and how its registers feed the ioctl call that does the
 * work.  No trap has code of its own: a row lists, register by register,
 * which field of the call's argument structure it fills (TA_IN), which
 * field goes back through a user pointer given in a register (TA_OUT*) and
 * which is read through one first (TA_INOUT, TA_IN_PTR).  The interpreter
 * (trap_run()) is the one adapter between the two ABIs: the ioctl copies
 * its structure back as a whole, a trap writes single values through the
 * pointers its caller passed.  mach_msg2 packs the message header into its
 * registers (msg2_prep()).
 *
 * Return values are XNU's: a kern_return_t or mach_msg_return_t in
 * rax / x0, or a port name for the traps that return one
 * (mach_trap_returns_port: MACH_PORT_NULL on failure).  A fault on a user
 * pointer the trap writes or reads gives what XNU's copyout/copyin give
 * (EFAULT, 14).  The _kernelrpc_* traps act on the caller's own task only,
 * as XNU's port_name_to_current_task_noref() insists: any other name is
 * MACH_SEND_INVALID_DEST, which tells libsystem to fall back to the MIG
 * routine.
 *
 * mach_timebase_info has no ioctl: its call exists for the trap only
 * (mach/clock.c).  swtch, swtch_pri and thread_switch share one ioctl
 * (MACHINA_IOC_THREAD_SWITCH, mach/thread_switch.c) whose structure their
 * rows fill.
 *
 * A trap number outside the table, or a row marked not built (NB: its
 * call does not exist in Machina yet; none today), is what XNU does for
 * kern_invalid: the
 * EXC_SYSCALL exception, which with no Mach exception handler becomes
 * SIGSYS for the thread (bsd/uxkern/ux_exception.c).  Machina raises
 * SIGSYS directly (no exception ports are delivered yet) and returns
 * KERN_INVALID_ARGUMENT should the thread catch or ignore it.
 *
 * The table is checked at build time: a name listed twice, a count that
 * does not match the uAPI's list of traps, a handler that does not exist
 * or an argument structure larger than the dispatcher's buffer fail the
 * build.
 */
#include <linux/build_bug.h>
#include <linux/nospec.h>
#include <linux/sched/signal.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "mach/ipc_abi.h"
#include "mach/ipc_kmsg.h"
#include "mach/ipc_port.h"
#include "mach/ipc_space.h"
#include "mach/kern_return.h"
#include "mach/task.h"
#include "personality/calls.h"
#include "personality/trap.h"
#include "uapi/machina.h"
#include "xnu_vm/vm_prot.h"

/* XNU's copyin/copyout failure, returned as the trap's status. */
#define TRAP_EFAULT		14
/* Darwin's ENOSYS, for a BSD system call number. */
#define DARWIN_ENOSYS		78

/* mach_port_get_attributes_trap's buffer: MIG's mach_port_info_t, 17 words. */
#define TRAP_PORT_INFO_MAX	17

/* mach_msg2's option bits above the 32 of mach_msg_option_t. */
#define MACH64_MSG_VECTOR	0x0000000100000000ull
#define MACH64_CFI_MASK		0x0000001e00000000ull	/* KOBJECT/MQ/ANY/DK call */

enum trap_op {
	TA_END = 0,
	TA_IN,		/* field = the register (its low bytes) */
	TA_SET,		/* field = value */
	TA_IN_PTR,	/* field = *(register + uoff), before the call */
	TA_INOUT,	/* field = *(register), at most value (0: any) */
	TA_OUT,		/* on KERN_SUCCESS: *(register) = field */
	TA_OUT_OPT,	/* TA_OUT, unless the register is 0 */
	TA_OUT_ALWAYS,	/* whatever the status: *(register) = field */
	TA_OUT_WORDS,	/* on KERN_SUCCESS: the field's first N words, N the
			 * u32 field at offset value */
	TA_OUT_BLIND,	/* on KERN_SUCCESS: *(register) = field, a fault
			 * ignored (XNU's mach_timebase_info_trap) */
};

struct trap_arg {
	u8 op;
	u8 reg;
	u8 off;		/* of the field in the call's structure */
	u8 size;	/* of the field: 4 or 8 */
	u8 uoff;	/* TA_IN_PTR: offset in the user's structure */
	u32 value;
};

enum trap_ret {
	RET_KR,		/* the call's status */
	RET_NAME,	/* struct machina_name_out's name, MACH_PORT_NULL on failure */
};

#define TRAP_SELF	(1U << 0)	/* argument 0 must name the caller's own task */
#define TRAP_ARG_SLOTS	9

struct machina_trap {
	const char *name;
	machina_call_fn handler;	/* NULL: not built */
	u8 argc;
	u8 ret;
	u8 flags;
	u16 size;
	/* Fills what the rows cannot say; non-zero: the trap's status. */
	int (*prep)(const u64 *args, void *karg);
	struct trap_arg arg[TRAP_ARG_SLOTS];
};

#define FLD(type, f)	.off = offsetof(struct type, f), .size = sizeof_field(struct type, f)
#define IN(t, r, f)	{ .op = TA_IN, .reg = (r), FLD(t, f) }
#define SET(t, f, v)	{ .op = TA_SET, FLD(t, f), .value = (v) }
#define INP(t, r, f, uo) { .op = TA_IN_PTR, .reg = (r), FLD(t, f), .uoff = (uo) }
#define INOUT(t, r, f, max) { .op = TA_INOUT, .reg = (r), FLD(t, f), .value = (max) }
#define OUT(t, r, f)	{ .op = TA_OUT, .reg = (r), FLD(t, f) }
#define OUTOPT(t, r, f)	{ .op = TA_OUT_OPT, .reg = (r), FLD(t, f) }
#define OUTALL(t, r, f)	{ .op = TA_OUT_ALWAYS, .reg = (r), FLD(t, f) }
#define OUTBLIND(t, r, f) { .op = TA_OUT_BLIND, .reg = (r), FLD(t, f) }
#define OUTW(t, r, f, n) { .op = TA_OUT_WORDS, .reg = (r), FLD(t, f), \
			   .value = offsetof(struct t, n) }

/* Short names for the argument structures of the rows. */
#define P	machina_port_args
#define S	machina_semaphore_args
#define V	machina_vm_args
#define M	machina_msg
#define N	machina_name_out

static int msg_prep(const u64 *a, void *karg);
static int msg2_prep(const u64 *a, void *karg);

/*
 * X(trap, argc, call, argument struct, return, flags, prep, args...) for a
 * built trap; NB(trap, argc) for one whose call Machina does not have yet.
 */
#define MACHINA_TRAPS(X, NB)						\
	X(VM_ALLOCATE, 4, vm_allocate, V, RET_KR, TRAP_SELF, NULL,	\
	  IN(V, 0, task), INOUT(V, 1, address, 0), IN(V, 2, size),	\
	  IN(V, 3, vm_flags), OUT(V, 1, address))			\
	X(VM_PURGABLE_CONTROL, 4, vm_purgable_control, V, RET_KR, TRAP_SELF, \
	  NULL, IN(V, 0, task), IN(V, 1, address), IN(V, 2, vm_flags),	\
	  INOUT(V, 3, prot, 0), OUT(V, 3, prot))			\
	X(VM_DEALLOCATE, 3, vm_deallocate, V, RET_KR, TRAP_SELF, NULL,	\
	  IN(V, 0, task), IN(V, 1, address), IN(V, 2, size))		\
	X(VM_PROTECT, 5, vm_protect, V, RET_KR, TRAP_SELF, NULL,	\
	  IN(V, 0, task), IN(V, 1, address), IN(V, 2, size),		\
	  IN(V, 3, vm_flags), IN(V, 4, prot))				\
	X(VM_MAP, 6, vm_map, machina_vm_map, RET_KR, TRAP_SELF, NULL,	\
	  IN(machina_vm_map, 0, task), INOUT(machina_vm_map, 1, address, 0), \
	  IN(machina_vm_map, 2, size), IN(machina_vm_map, 3, mask),	\
	  IN(machina_vm_map, 4, vm_flags),				\
	  IN(machina_vm_map, 5, cur_protection),			\
	  SET(machina_vm_map, max_protection, VM_PROT_ALL),		\
	  SET(machina_vm_map, inheritance, VM_INHERIT_COPY),		\
	  OUT(machina_vm_map, 1, address))				\
	X(PORT_ALLOCATE, 3, port_allocate, P, RET_KR, TRAP_SELF, NULL,	\
	  IN(P, 0, task), IN(P, 1, right), OUT(P, 2, name))		\
	X(PORT_DEALLOCATE, 2, port_deallocate, P, RET_KR, TRAP_SELF, NULL, \
	  IN(P, 0, task), IN(P, 1, name))				\
	X(PORT_MOD_REFS, 4, port_mod_refs, P, RET_KR, TRAP_SELF, NULL,	\
	  IN(P, 0, task), IN(P, 1, name), IN(P, 2, right), IN(P, 3, delta)) \
	X(PORT_MOVE_MEMBER, 3, port_move_member, P, RET_KR, TRAP_SELF, NULL, \
	  IN(P, 0, task), IN(P, 1, name), IN(P, 2, value))		\
	X(PORT_INSERT_RIGHT, 4, port_insert_right, P, RET_KR, TRAP_SELF, NULL, \
	  IN(P, 0, task), IN(P, 1, name), IN(P, 2, value), IN(P, 3, right)) \
	X(PORT_INSERT_MEMBER, 3, port_insert_member, P, RET_KR, TRAP_SELF, NULL, \
	  IN(P, 0, task), IN(P, 1, name), IN(P, 2, value))		\
	X(PORT_EXTRACT_MEMBER, 3, port_extract_member, P, RET_KR, TRAP_SELF, NULL, \
	  IN(P, 0, task), IN(P, 1, name), IN(P, 2, value))		\
	X(PORT_CONSTRUCT, 4, port_construct, machina_port_construct, RET_KR, \
	  TRAP_SELF, NULL, IN(machina_port_construct, 0, task),		\
	  INP(machina_port_construct, 1, mpo_flags, 0),			\
	  INP(machina_port_construct, 1, mpo_qlimit, 4),		\
	  INP(machina_port_construct, 1, mpo_reserved, 8),		\
	  IN(machina_port_construct, 2, context),			\
	  OUT(machina_port_construct, 3, name))				\
	X(PORT_DESTRUCT, 4, port_destruct, P, RET_KR, TRAP_SELF, NULL,	\
	  IN(P, 0, task), IN(P, 1, name), IN(P, 2, delta), IN(P, 3, context)) \
	X(MACH_REPLY_PORT, 0, reply_port, N, RET_NAME, 0, NULL)	\
	X(THREAD_SELF, 0, thread_self, N, RET_NAME, 0, NULL)		\
	X(TASK_SELF, 0, task_self, N, RET_NAME, 0, NULL)		\
	X(HOST_SELF, 0, host_self, N, RET_NAME, 0, NULL)		\
	X(MACH_MSG, 7, msg, M, RET_KR, 0, msg_prep,			\
	  IN(M, 0, msg), IN(M, 1, option), IN(M, 2, send_size),		\
	  IN(M, 3, rcv_size), IN(M, 4, rcv_name), IN(M, 5, timeout))	\
	X(MACH_MSG_OVERWRITE, 8, msg, M, RET_KR, 0, msg_prep,		\
	  IN(M, 0, msg), IN(M, 1, option), IN(M, 2, send_size),		\
	  IN(M, 3, rcv_size), IN(M, 4, rcv_name), IN(M, 5, timeout),	\
	  IN(M, 7, rcv_msg))						\
	X(SEMAPHORE_SIGNAL, 1, semaphore_signal, S, RET_KR, 0, NULL,	\
	  IN(S, 0, semaphore))						\
	X(SEMAPHORE_SIGNAL_ALL, 1, semaphore_signal_all, S, RET_KR, 0, NULL, \
	  IN(S, 0, semaphore))						\
	X(SEMAPHORE_SIGNAL_THREAD, 2, semaphore_signal_thread, S, RET_KR, 0, \
	  NULL, IN(S, 0, semaphore), IN(S, 1, other))			\
	X(SEMAPHORE_WAIT, 1, semaphore_wait, S, RET_KR, 0, NULL,	\
	  IN(S, 0, semaphore))						\
	X(SEMAPHORE_WAIT_SIGNAL, 2, semaphore_wait_signal, S, RET_KR, 0, NULL, \
	  IN(S, 0, semaphore), IN(S, 1, other))				\
	X(SEMAPHORE_TIMEDWAIT, 3, semaphore_timedwait, S, RET_KR, 0, NULL, \
	  IN(S, 0, semaphore), IN(S, 1, sec), IN(S, 2, nsec))		\
	X(SEMAPHORE_TIMEDWAIT_SIGNAL, 4, semaphore_timedwait_signal, S,	\
	  RET_KR, 0, NULL, IN(S, 0, semaphore), IN(S, 1, other),	\
	  IN(S, 2, sec), IN(S, 3, nsec))				\
	X(PORT_GET_ATTRIBUTES, 5, port_get_attributes, machina_port_attr, \
	  RET_KR, TRAP_SELF, NULL, IN(machina_port_attr, 0, task),	\
	  IN(machina_port_attr, 1, name), IN(machina_port_attr, 2, flavor), \
	  INOUT(machina_port_attr, 4, count, TRAP_PORT_INFO_MAX),	\
	  OUT(machina_port_attr, 4, count),				\
	  OUTW(machina_port_attr, 3, info, count))			\
	X(PORT_GUARD, 4, port_guard, P, RET_KR, TRAP_SELF, NULL,	\
	  IN(P, 0, task), IN(P, 1, name), IN(P, 2, context), IN(P, 3, value)) \
	X(PORT_UNGUARD, 3, port_unguard, P, RET_KR, TRAP_SELF, NULL,	\
	  IN(P, 0, task), IN(P, 1, name), IN(P, 2, context))		\
	X(TASK_NAME_FOR_PID, 3, task_for_pid, machina_task_for_pid, RET_KR, \
	  0, NULL, IN(machina_task_for_pid, 0, task),			\
	  IN(machina_task_for_pid, 1, pid),				\
	  SET(machina_task_for_pid, kind, MACHINA_TASK_FOR_PID_NAME),	\
	  OUTALL(machina_task_for_pid, 2, name))			\
	X(TASK_FOR_PID, 3, task_for_pid, machina_task_for_pid, RET_KR, 0, \
	  NULL, IN(machina_task_for_pid, 0, task),			\
	  IN(machina_task_for_pid, 1, pid),				\
	  SET(machina_task_for_pid, kind, MACHINA_TASK_FOR_PID_CONTROL), \
	  OUTALL(machina_task_for_pid, 2, name))			\
	X(PID_FOR_TASK, 2, pid_for_task, P, RET_KR, 0, NULL,		\
	  IN(P, 0, task), OUTALL(P, 1, value))				\
	X(MACH_MSG2, 8, msg2, machina_trap_msg2, RET_KR, 0, msg2_prep)	\
	X(THREAD_GET_SPECIAL_REPLY_PORT, 0, thread_get_special_reply_port, N, \
	  RET_NAME, 0, NULL)						\
	X(SWTCH_PRI, 0, swtch_pri, machina_thread_switch, RET_KR, 0, NULL) \
	X(SWTCH, 0, swtch, machina_thread_switch, RET_KR, 0, NULL)	\
	X(THREAD_SWITCH, 3, thread_switch, machina_thread_switch, RET_KR, 0, \
	  NULL, IN(machina_thread_switch, 0, thread),			\
	  IN(machina_thread_switch, 1, option),				\
	  IN(machina_thread_switch, 2, option_time))			\
	X(PORT_TYPE, 3, port_type, P, RET_KR, TRAP_SELF, NULL,		\
	  IN(P, 0, task), IN(P, 1, name), OUT(P, 2, value))		\
	X(PORT_REQUEST_NOTIFICATION, 7, port_request_notification,	\
	  machina_port_notify, RET_KR, TRAP_SELF, NULL,			\
	  IN(machina_port_notify, 0, task), IN(machina_port_notify, 1, name), \
	  IN(machina_port_notify, 2, msgid), IN(machina_port_notify, 3, sync), \
	  IN(machina_port_notify, 4, notify),				\
	  IN(machina_port_notify, 5, notify_disposition),		\
	  OUT(machina_port_notify, 6, previous))			\
	X(MACH_TIMEBASE_INFO, 1, timebase_info, machina_trap_timebase, RET_KR, \
	  0, NULL, OUTBLIND(machina_trap_timebase, 0, info))		\
	X(MACH_WAIT_UNTIL, 1, wait_until, machina_wait_until, RET_KR, 0, NULL, \
	  IN(machina_wait_until, 0, deadline))				\
	X(MK_TIMER_CREATE, 0, mk_timer_create, N, RET_NAME, 0, NULL)	\
	X(MK_TIMER_DESTROY, 1, mk_timer_destroy, P, RET_KR, 0, NULL,	\
	  IN(P, 0, name))						\
	X(MK_TIMER_ARM, 2, mk_timer_arm, P, RET_KR, 0, NULL,		\
	  IN(P, 0, name), IN(P, 1, context))				\
	X(MK_TIMER_CANCEL, 2, mk_timer_cancel, P, RET_KR, 0, NULL,	\
	  IN(P, 0, name), OUTOPT(P, 1, context))

#define TRAP_ROW(NR, n, fn, type, r, fl, pr, ...)			\
	[MACHINA_TRAP_##NR] = {						\
		.name = #NR,						\
		.handler = machina_call_##fn,				\
		.argc = (n),						\
		.ret = (r),						\
		.flags = (fl),						\
		.size = sizeof(struct type),				\
		.prep = (pr),						\
		.arg = { __VA_ARGS__ },					\
	},
#define TRAP_NB(NR, n)							\
	[MACHINA_TRAP_##NR] = { .name = #NR, .argc = (n) },
static const struct machina_trap machina_traps[MACHINA_TRAP_TABLE_COUNT] = {
	MACHINA_TRAPS(TRAP_ROW, TRAP_NB)
};

/* Every trap once (a name twice is a duplicate enumerator), all of them. */
#define TRAP_SEEN(NR, ...) TRAP_SEEN_##NR,
#define TRAP_SEEN_NB(NR, n) TRAP_SEEN_##NR,
enum { MACHINA_TRAPS(TRAP_SEEN, TRAP_SEEN_NB) TRAP_ROWS };
static_assert(TRAP_ROWS == MACHINA_TRAPS_LISTED, "trap table is incomplete");

#define TRAP_CHECK(NR, n, fn, type, r, fl, pr, ...)			\
	static_assert(sizeof(struct type) <= MACHINA_CALL_ARG_MAX,	\
		      "argument of trap " #NR " is too large");		\
	static_assert((n) <= MACHINA_TRAP_ARGS, "trap " #NR " has too many arguments"); \
	static_assert(MACHINA_TRAP_##NR < MACHINA_TRAP_TABLE_COUNT, "trap " #NR " out of range");
#define TRAP_CHECK_NB(NR, n)						\
	static_assert(MACHINA_TRAP_##NR < MACHINA_TRAP_TABLE_COUNT, "trap " #NR " out of range");
MACHINA_TRAPS(TRAP_CHECK, TRAP_CHECK_NB)

/*
 * msg_prep - mach_msg_trap / mach_msg_overwrite_trap's argument 6: with
 * MACH_SEND_OVERRIDE the message's priority (XNU's trap reads it there),
 * otherwise ignored, as XNU ignores it
 */
static int msg_prep(const u64 *a, void *karg)
{
	struct machina_msg *m = karg;

	m->notify = m->option & MACH_SEND_OVERRIDE ? lower_32_bits(a[6]) : 0;
	return 0;
}

/* XNU's mach_msg_vector_t (osfmk/mach/message.h). */
struct mach_msg_vector {
	u64 msgv_data;		/* the message, or the aux data */
	u64 msgv_rcv_addr;	/* non-zero: receive there instead */
	u32 msgv_send_size;
	u32 msgv_rcv_size;
};

#define MACH_MSGV_MAX_COUNT	2	/* [0] the message, [1] aux data */

/*
 * msg2_send_vectors - the send half's check of mach_msg2's @n vectors,
 * in XNU's order (mach_msg_validate_data_vectors()): the message's
 * address and size, then the aux vector's address and size bounds
 * Returns: 0 with @v's send fields set, or the MACH_SEND_* status.
 */
static int msg2_send_vectors(const struct mach_msg_vector *vec, u32 n,
			     struct machina_trap_msg2 *v)
{
	const struct mach_msg_vector *aux = &vec[1];
	int mr;

	if (!n)
		return MACH_SEND_MSG_TOO_SMALL;
	if (!vec[0].msgv_data)
		return MACH_SEND_INVALID_DATA;
	mr = machina_msg_send_size_check(vec[0].msgv_send_size);
	if (mr)
		return mr;
	v->msg.msg = vec[0].msgv_data;
	v->msg.send_size = vec[0].msgv_send_size;
	if (n < MACH_MSGV_MAX_COUNT || !aux->msgv_send_size)
		return 0;
	if (!aux->msgv_data)
		return MACH_SEND_INVALID_DATA;
	if (aux->msgv_send_size < sizeof(struct mach_msg_aux_header))
		return MACH_SEND_AUX_TOO_SMALL;
	if (aux->msgv_send_size > IPC_KMSG_AUX_MAX)
		return MACH_SEND_AUX_TOO_LARGE;
	v->aux_send_addr = aux->msgv_data;
	v->aux_send_size = aux->msgv_send_size;
	return 0;
}

/*
 * msg2_rcv_vectors - the receive half's check of mach_msg2's @n vectors
 * (XNU: the message's receive address and size are not checked; a bad
 * one loses the message at copyout; an aux buffer needs an address and
 * room for its header)
 * Returns: 0 with @v's receive fields set, or MACH_RCV_INVALID_ARGUMENTS.
 */
static int msg2_rcv_vectors(const struct mach_msg_vector *vec, u32 n,
			    struct machina_trap_msg2 *v)
{
	const struct mach_msg_vector *aux = &vec[1];
	u64 aux_addr = aux->msgv_rcv_addr ? aux->msgv_rcv_addr : aux->msgv_data;

	if (!n)
		return MACH_RCV_INVALID_ARGUMENTS;
	v->msg.rcv_msg = vec[0].msgv_rcv_addr ? vec[0].msgv_rcv_addr :
			 vec[0].msgv_data;
	v->msg.rcv_size = vec[0].msgv_rcv_size;
	if (n < MACH_MSGV_MAX_COUNT)
		return 0;
	if (!aux_addr || aux->msgv_rcv_size < sizeof(struct mach_msg_aux_header))
		return MACH_RCV_INVALID_ARGUMENTS;
	v->aux_rcv_addr = aux_addr;
	v->aux_rcv_size = aux->msgv_rcv_size;
	return 0;
}

/*
 * msg2_vectors - MACH64_MSG_VECTOR: register 0 is an array of data
 * vectors, the send count in the high half of register 2 and the receive
 * count in the low half of register 6 (libsyscall's mach_msg_overwrite(),
 * XNU's mach_msg2_trap()).  max(counts) vectors are read, 1 or 2.  A bad
 * receive vector fails the receive only, after the send (v->rcv_error).
 * Returns: 0, or the status the trap fails with before any send.
 */
static int msg2_vectors(const u64 *a, struct machina_trap_msg2 *v)
{
	struct mach_msg_vector vec[MACH_MSGV_MAX_COUNT] = {};
	bool send = v->msg.option & MACH_SEND_MSG;
	u32 nsend = upper_32_bits(a[2]), nrcv = lower_32_bits(a[6]);
	u32 n = max(nsend, nrcv);
	int mr;

	if (n > MACH_MSGV_MAX_COUNT)
		return send ? MACH_SEND_INVALID_DATA : MACH_RCV_INVALID_ARGUMENTS;
	if (!n)
		return send ? MACH_SEND_MSG_TOO_SMALL : MACH_RCV_INVALID_ARGUMENTS;
	if (copy_from_user(vec, u64_to_user_ptr(a[0]), n * sizeof(vec[0])))
		return send ? MACH_SEND_INVALID_DATA : MACH_RCV_INVALID_ARGUMENTS;
	v->vector = 1;
	if (send) {
		mr = msg2_send_vectors(vec, nsend, v);
		if (mr)
			return mr;
	}
	if (!(v->msg.option & MACH_RCV_MSG))
		return 0;
	mr = msg2_rcv_vectors(vec, nrcv, v);
	if (!send)
		return mr;
	v->rcv_error = mr;
	return 0;
}

/*
 * msg2_prep - mach_msg2_trap's packed registers as the mach_msg call's
 * argument (libsyscall's mach_msg2(): each register holds two 32-bit
 * values, the first in the low half)
 *   0 data (the message)          1 option64
 *   2 msgh_bits | send_size       3 remote_port | local_port
 *   4 voucher_port | msgh_id      5 descriptor count | rcv_name
 *   6 rcv_size | priority         7 timeout (milliseconds)
 * The priority is the mach_msg_priority_t of MACH_SEND_OVERRIDE.  With
 * MACH64_MSG_VECTOR, data is the vector array and send_size / rcv_size
 * the vector counts (msg2_vectors()).
 * XNU sends the header of the registers; the ioctl call reads it from the
 * message, so where the two differ the registers' header (and descriptor
 * count) is written into the message first.  For libsystem's callers,
 * which pass the message's own header, nothing is written.
 * Returns: 0, or the mach_msg_return_t the trap fails with.
 */
static int msg2_prep(const u64 *a, void *karg)
{
	struct machina_trap_msg2 *v = karg;
	struct machina_msg *m = &v->msg;
	struct mach_msg_header want, have;
	u64 option64 = a[1];
	u32 dsc = lower_32_bits(a[5]), have_dsc;
	void __user *u;
	int mr;

	if ((option64 >> 32) & ~((MACH64_CFI_MASK | MACH64_MSG_VECTOR) >> 32))
		return MACH_SEND_INVALID_OPTIONS;	/* unknown */
	m->option = lower_32_bits(option64);
	m->rcv_name = upper_32_bits(a[5]);
	m->timeout = lower_32_bits(a[7]);
	/* The priority counts with MACH_SEND_OVERRIDE only, as in XNU. */
	if (m->option & MACH_SEND_OVERRIDE)
		m->notify = upper_32_bits(a[6]);
	if (option64 & MACH64_MSG_VECTOR) {
		mr = msg2_vectors(a, v);
		if (mr)
			return mr;
	} else {
		m->msg = a[0];
		m->send_size = upper_32_bits(a[2]);
		m->rcv_size = lower_32_bits(a[6]);
	}
	if (!(m->option & MACH_SEND_MSG))
		return 0;

	u = u64_to_user_ptr(m->msg);
	want.msgh_bits = lower_32_bits(a[2]);
	want.msgh_size = m->send_size;
	want.msgh_remote_port = lower_32_bits(a[3]);
	want.msgh_local_port = upper_32_bits(a[3]);
	want.msgh_voucher_port = lower_32_bits(a[4]);
	want.msgh_id = upper_32_bits(a[4]);
	if (!(want.msgh_bits & MACH_MSGH_BITS_COMPLEX) && dsc)
		return MACH_SEND_TOO_LARGE;	/* XNU: a simple message has none */
	if (m->send_size < sizeof(want))
		return 0;			/* the call refuses the size */
	if (copy_from_user(&have, u, sizeof(have)))
		return MACH_SEND_INVALID_DATA;
	if (memcmp(&have, &want, sizeof(want)) &&
	    copy_to_user(u, &want, sizeof(want)))
		return MACH_SEND_INVALID_DATA;
	if (!(want.msgh_bits & MACH_MSGH_BITS_COMPLEX) ||
	    m->send_size < sizeof(want) + sizeof(dsc))
		return 0;
	if (get_user(have_dsc, (u32 __user *)(u + sizeof(want))))
		return MACH_SEND_INVALID_DATA;
	if (have_dsc != dsc && put_user(dsc, (u32 __user *)(u + sizeof(want))))
		return MACH_SEND_INVALID_DATA;
	return 0;
}

/*
 * self_target - whether @name is the caller's own task control port, as
 * the _kernelrpc traps require: a send right in the task's own space whose
 * port is the task's control port now (task->ports[], replaced at exec
 * before the new image runs).  A pointer compare, not a conversion: the
 * call's handler converts the name itself (with the image held) and acts
 * on the task it finds, so this only answers XNU's question "is it the
 * caller's own task port" (MACH_SEND_INVALID_DEST otherwise, which sends
 * libsystem to the MIG routine).  A second thread that renames the port
 * between this check and the handler's lookup gets what the same request
 * made as an ioctl gets: the trap gives no right the ioctl does not.
 * Conditions: process context, no locks held; takes space->lock, then
 * task->itk_lock inside it (the only order the two can nest in: a mutex
 * is never taken under the spinlock).
 */
static bool self_target(struct machina_task *task, u32 name)
{
	struct ipc_space *space;
	struct ipc_entry *entry;
	struct ipc_port *control;
	bool self = false;

	if (!MACH_PORT_VALID(name))
		return false;
	space = machina_task_get_space(task);
	if (!space)
		return false;
	mutex_lock(&space->lock);
	entry = ipc_entry_lookup(space, name);
	if (entry && (entry->type & MACH_PORT_TYPE_SEND)) {
		spin_lock(&task->itk_lock);
		control = task->ports[MACHINA_TASK_CONTROL];
		self = control && entry->object == &control->obj;
		spin_unlock(&task->itk_lock);
	}
	mutex_unlock(&space->lock);
	ipc_space_put(space);
	return self;
}

/* A handler's errno (a malformed request) as the trap's status. */
static long errno_kr(long err)
{
	if (err == -EFAULT)
		return TRAP_EFAULT;
	if (err == -ENOMEM)
		return KERN_RESOURCE_SHORTAGE;
	return KERN_INVALID_ARGUMENT;
}

/* trap_in - fill @karg from the registers.  Returns 0 or the trap's status. */
static long trap_in(const struct machina_trap *t, const u64 *a, u8 *karg)
{
	const struct trap_arg *g;
	u64 v;

	for (g = t->arg; g < t->arg + TRAP_ARG_SLOTS && g->op; g++) {
		void __user *u = u64_to_user_ptr(a[g->reg]);

		switch (g->op) {
		case TA_IN:
			memcpy(karg + g->off, &a[g->reg], g->size);	/* low bytes: LE */
			break;
		case TA_SET:
			v = g->value;
			memcpy(karg + g->off, &v, g->size);
			break;
		case TA_IN_PTR:
			if (copy_from_user(karg + g->off, u + g->uoff, g->size))
				return TRAP_EFAULT;
			break;
		case TA_INOUT:
			v = 0;
			if (copy_from_user(&v, u, g->size))
				return TRAP_EFAULT;
			if (g->value && v > g->value)
				v = g->value;
			memcpy(karg + g->off, &v, g->size);
			break;
		}
	}
	return 0;
}

/* trap_out - the results the trap writes through its pointers. */
static long trap_out(const struct machina_trap *t, const u64 *a,
		     const u8 *karg, long kr)
{
	const struct trap_arg *g;
	u32 words;

	for (g = t->arg; g < t->arg + TRAP_ARG_SLOTS && g->op; g++) {
		void __user *u = u64_to_user_ptr(a[g->reg]);
		size_t len = g->size;

		if (g->op < TA_OUT || (g->op != TA_OUT_ALWAYS && kr))
			continue;
		if (g->op == TA_OUT_OPT && !u)
			continue;
		if (g->op == TA_OUT_WORDS) {
			memcpy(&words, karg + g->value, sizeof(words));
			len = min_t(size_t, (size_t)words * 4, g->size);
		}
		if (len && copy_to_user(u, karg + g->off, len) && !kr &&
		    g->op != TA_OUT_BLIND)
			kr = TRAP_EFAULT;
	}
	return kr;
}

/*
 * trap_run - one built trap: its registers through the call's handler
 * @task: the caller's task (the shim's reference), or the ERR_PTR its
 * creation failed with
 * Conditions: process context of the trapping thread, no locks held.
 */
static long trap_run(struct machina_task *task, const struct machina_trap *t,
		     const u64 *a)
{
	u64 kbuf[MACHINA_CALL_ARG_MAX / sizeof(u64)];
	u8 *karg = (u8 *)kbuf;
	long kr;

	if (IS_ERR(task))
		return t->ret == RET_NAME ? MACH_PORT_NULL : errno_kr(PTR_ERR(task));
	memset(kbuf, 0, t->size);
	if ((t->flags & TRAP_SELF) && !self_target(task, lower_32_bits(a[0]))) {
		kr = MACH_SEND_INVALID_DEST;
		goto out;
	}
	kr = trap_in(t, a, karg);
	if (!kr && t->prep)
		kr = t->prep(a, karg);
	if (kr)
		goto out;
	kr = t->handler(task, karg);
	if (kr < 0)
		kr = errno_kr(kr);
	else
		kr = trap_out(t, a, karg, kr);
out:
	if (t->ret == RET_NAME)
		return kr ? MACH_PORT_NULL : ((struct machina_name_out *)karg)->name;
	return kr;
}

/* The argument count XNU's table gives trap @nr (0 for an empty slot). */
unsigned int machina_trap_argc(unsigned int nr)
{
	if (nr >= MACHINA_TRAP_TABLE_COUNT)
		return 0;
	return machina_traps[array_index_nospec(nr, MACHINA_TRAP_TABLE_COUNT)].argc;
}

/*
 * machina_trap_call - run Mach trap @nr with argument registers @args for
 * @task, the caller's task (a reference the caller keeps and puts), or the
 * ERR_PTR machina_task_current() gave
 * Conditions: process context of the trapping thread of an opted-in
 * process, no locks held; may sleep.
 * Returns: the value for the return register (kern_return_t,
 * mach_msg_return_t or a port name).
 */
long machina_trap_call(struct machina_task *task, unsigned int nr,
		       const u64 *args)
{
	const struct machina_trap *t;

	if (nr >= MACHINA_TRAP_TABLE_COUNT)
		goto invalid;
	t = &machina_traps[array_index_nospec(nr, MACHINA_TRAP_TABLE_COUNT)];
	if (!t->handler)
		goto invalid;
	return trap_run(task, t, args);
invalid:
	/* XNU: kern_invalid raises EXC_SYSCALL, SIGSYS without a handler. */
	send_sig(SIGSYS, current, 1);
	return KERN_INVALID_ARGUMENT;
}

/*
 * machina_trap_unix - a BSD system call number: Machina has no BSD layer,
 * so every one is XNU's nosys(): SIGSYS, and ENOSYS (Darwin's 78) as the
 * error (the shim sets the carry flag, Darwin's error indication).
 */
long machina_trap_unix(void)
{
	send_sig(SIGSYS, current, 1);
	return DARWIN_ENOSYS;
}
