// SPDX-License-Identifier: GPL-2.0
/*
 * Exception actions: the table of one level (thread, task or host;
 * exc_action.h) and the calls that set, read and swap it:
 *   thread_set/get/swap_exception_ports   (a thread control port)
 *   task_set/get/swap_exception_ports     (a task control port)
 *   host_set/get/swap_exception_ports     (host_priv)
 * Exceptions are not delivered yet: these store and report.
 *
 * XNU's checks for every set and swap (ipc_tt.c,
 * set_exception_ports_validation), in its order, after the new port's
 * send right was copied in (a name that holds none fails first, as a MIG
 * request carrying it could not be sent):
 *   a mask bit outside EXC_MASK_VALID                 KERN_INVALID_ARGUMENT
 *   a valid port with a behavior (less the flag bits)
 *   outside DEFAULT..STATE_IDENTITY_PROTECTED         KERN_INVALID_ARGUMENT
 *   a valid port whose receive right is immovable     KERN_INVALID_RIGHT
 *   a non-zero flavor the architecture does not know
 *   (any behavior, VALID_THREAD_STATE_FLAVOR)         KERN_INVALID_ARGUMENT
 *   IDENTITY_PROTECTED or BACKTRACE_PREFERRED without
 *   MACH_EXCEPTION_CODES                              KERN_INVALID_ARGUMENT
 * A null port stores its behavior and flavor unchecked, as XNU does.
 * XNU's policy step (hardened binaries, SIP) has no Machina counterpart.
 *
 * get and swap coalesce: the types of the mask whose actions are equal
 * (port, behavior, flavor) share one entry with the OR of their masks, in
 * type order.  The capacity (count in: 1..EXC_TYPES_COUNT, 0 meaning
 * EXC_TYPES_COUNT) bounds the entries as XNU's kernel routines do: get
 * adds no entry once it is full (the masks of entries it has still grow);
 * swap stops at the first type after it is full, so the later types keep
 * their old action.  Through MIG the capacity is always EXC_TYPES_COUNT
 * (the request does not carry the caller's array size: libmach passes
 * it so and applies MIG's own MIG_ARRAY_TOO_LARGE rule).
 * A thread that never had actions reports no entry at all; task and host
 * report unset types as null entries (behavior and flavor 0).
 */
#include <linux/slab.h>
#include <linux/string.h>

#include "mach/exc_action.h"
#include "mach/ipc_kobject.h"
#include "mach/ipc_space.h"
#include "mach/kern_return.h"
#include "mach/task.h"
#include "mach/thread.h"
#include "personality/calls.h"
#include "uapi/machina.h"

/* Darwin's exception masks and behaviors (<mach/exception_types.h>). */
#define EXC_MASK_CRASH			(1u << 10)
#define EXC_MASK_CORPSE_NOTIFY		(1u << 13)
#define EXC_MASK_ALL			0x1bfeu	/* types 1..12 but CRASH */
#define EXC_MASK_VALID	(EXC_MASK_ALL | EXC_MASK_CRASH | EXC_MASK_CORPSE_NOTIFY)

#define EXCEPTION_DEFAULT			1
#define EXCEPTION_IDENTITY_PROTECTED		4
#define EXCEPTION_STATE_IDENTITY_PROTECTED	5
#define MACH_EXCEPTION_CODES			0x80000000u
#define MACH_EXCEPTION_BACKTRACE_PREFERRED	0x20000000u
#define MACH_EXCEPTION_MASK			0xe0000000u	/* CODES, ERRORS, BACKTRACE */

static_assert(MACHINA_EXC_TYPES == MACHINA_EXC_TYPES_COUNT);

/* VALID_THREAD_STATE_FLAVOR of <mach/{arm,i386}/thread_status.h>. */
#ifdef CONFIG_ARM64
/* ARM_THREAD_STATE .. ARM_NEON_STATE64 and ARM_PAGEIN_STATE; no SME */
static const s32 state_flavors[] = { 1, 2, 3, 4, 5, 6, 7, 9, 10, 14, 15, 16, 17, 27 };
#else
/* x86_THREAD_STATE32 .. x86_LAST_BRANCH_STATE, less 14 and 15 */
static const s32 state_flavors[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
				     16, 17, 18, 19, 20, 21, 22, 23, 24, 25 };
#endif

static bool valid_flavor(s32 flavor)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(state_flavors); i++)
		if (state_flavors[i] == flavor)
			return true;
	return false;
}

/* A receive right that cannot move: an exception could never be answered. */
static bool immovable(struct ipc_port *port)
{
	bool ret;

	spin_lock(&port->lock);
	ret = port->immovable_receive;
	spin_unlock(&port->lock);
	return ret;
}

/*
 * validate - XNU's checks of a set or swap, in its order (top of file)
 * @port: the copied-in right, NULL for MACH_PORT_NULL or a dead name.
 */
static int validate(u32 mask, struct ipc_port *port, s32 behavior, s32 flavor)
{
	u32 base = (u32)behavior & ~MACH_EXCEPTION_MASK;

	if (mask & ~EXC_MASK_VALID)
		return KERN_INVALID_ARGUMENT;
	if (port && (base < EXCEPTION_DEFAULT || base > EXCEPTION_STATE_IDENTITY_PROTECTED))
		return KERN_INVALID_ARGUMENT;
	if (port && immovable(port))
		return KERN_INVALID_RIGHT;
	if (flavor && !valid_flavor(flavor))
		return KERN_INVALID_ARGUMENT;
	if ((base == EXCEPTION_IDENTITY_PROTECTED ||
	     ((u32)behavior & MACH_EXCEPTION_BACKTRACE_PREFERRED)) &&
	    !((u32)behavior & MACH_EXCEPTION_CODES))
		return KERN_INVALID_ARGUMENT;
	return KERN_SUCCESS;
}

/* A new kernel-held send right (and reference) to @port, if any. */
static struct ipc_port *copy_right(struct ipc_port *port)
{
	if (port) {
		ipc_port_copy_send(port);
		ipc_port_get(port);
	}
	return port;
}

/*
 * machina_exc_table_release - let go of every right in @table (a copy
 * taken out from under its lock) and clear it
 * Conditions: process context, no spinlock held (no-senders may be sent).
 */
void machina_exc_table_release(struct machina_exc_action *table)
{
	int i;

	for (i = 0; i < MACHINA_EXC_TYPES; i++)
		machina_port_release_send_right(table[i].port);
	memset(table, 0, MACHINA_EXC_TYPES * sizeof(*table));
}

/* The reply: what get and swap found, with the rights still kernel-held. */
struct exc_found {
	u32 count;
	struct ipc_port *ports[MACHINA_EXC_TYPES];
};

/*
 * note_old - coalesce action @act of type @type into the reply: it joins
 * an equal entry, or makes one while fewer than @cap exist
 * Conditions: the level's lock held (a new entry copies a send right).
 */
static void note_old(struct machina_exception_ports *a, struct exc_found *f,
		     u32 cap, const struct machina_exc_action *act, int type)
{
	u32 j;

	for (j = 0; j < f->count; j++) {
		if (f->ports[j] == act->port && a->behaviors[j] == act->behavior &&
		    a->flavors[j] == act->flavor) {
			a->masks[j] |= 1u << type;
			return;
		}
	}
	if (f->count >= cap)
		return;
	f->ports[j] = copy_right(act->port);
	a->masks[j] = 1u << type;
	a->behaviors[j] = act->behavior;
	a->flavors[j] = act->flavor;
	f->count++;
}

/*
 * copyout_found - name the rights of @f in @space as the handlers
 * Consumes them all.  On a failure the rights not yet named are released,
 * those named stay in the space (as a MIG reply's would), and every
 * handler reads MACH_PORT_NULL.
 * Conditions: process context, no locks held.
 */
static int copyout_found(struct ipc_space *space, struct machina_exception_ports *a,
			 struct exc_found *f)
{
	int kr = KERN_SUCCESS;
	u32 j;

	for (j = 0; j < f->count; j++) {
		if (!kr)
			kr = ipc_kobject_copyout_held_send(space, f->ports[j],
							   &a->handlers[j]);
		else
			machina_port_release_send_right(f->ports[j]);
	}
	if (kr) {
		memset(a->handlers, 0, sizeof(a->handlers));
		return kr;
	}
	a->count = f->count;
	return KERN_SUCCESS;
}

static bool arrays_zero(const struct machina_exception_ports *a)
{
	return !memchr_inv(a->masks, 0, sizeof(a->masks)) &&
	       !memchr_inv(a->handlers, 0, sizeof(a->handlers)) &&
	       !memchr_inv(a->behaviors, 0, sizeof(a->behaviors)) &&
	       !memchr_inv(a->flavors, 0, sizeof(a->flavors));
}

enum exc_op { EXC_SET, EXC_GET, EXC_SWAP };

/*
 * request_ok - the fields a call of kind @op must leave zero are zero and
 * the capacity is in range; *capp gets it (0 reads as EXC_TYPES_COUNT:
 * callers of ABI 8 and before passed 0 to task_get_exception_ports)
 */
static bool request_ok(const struct machina_exception_ports *a, enum exc_op op,
		       u32 *capp)
{
	if (a->flags || a->reserved || !arrays_zero(a))
		return false;
	if (op == EXC_SET && a->count)
		return false;
	if (op == EXC_GET && (a->new_port || a->behavior || a->flavor))
		return false;
	if (a->count > MACHINA_EXC_TYPES_COUNT)
		return false;
	*capp = a->count ? a->count : MACHINA_EXC_TYPES_COUNT;
	return true;
}

/*
 * exc_get - get_exception_ports on @lv: coalesced entries for @a->mask
 * Conditions: process context, no locks held; the level's owner is held
 * by the caller.
 */
static long exc_get(struct machina_task *caller, struct machina_exception_ports *a,
		    const struct machina_exc_level *lv, u32 cap)
{
	struct exc_found f = { };
	struct machina_exc_action *table;
	int i;

	if (a->mask & ~EXC_MASK_VALID)
		return KERN_INVALID_ARGUMENT;
	a->count = 0;
	spin_lock(lv->lock);
	if (*lv->closed) {
		spin_unlock(lv->lock);
		return KERN_FAILURE;
	}
	table = *lv->table;
	for (i = 1; table && i < MACHINA_EXC_TYPES; i++)
		if (a->mask & (1u << i))
			note_old(a, &f, cap, &table[i], i);
	spin_unlock(lv->lock);
	return copyout_found(caller->space, a, &f);
}

/*
 * exc_store - set or swap on @lv: every type of the mask gets the new
 * action (its own send right); swap first notes the old ones and stops
 * once @cap entries are full
 * Conditions: process context, no locks held; the level's owner is held
 * by the caller.
 * Returns: KERN_SUCCESS; KERN_FAILURE once the owner is gone;
 * KERN_RESOURCE_SHORTAGE when a thread's first table cannot be
 * allocated; the copy-in's and validate()'s errors.  A failure keeps
 * nothing and gives the caller's right back.
 */
static long exc_store(struct machina_task *caller, struct machina_exception_ports *a,
		      const struct machina_exc_level *lv, enum exc_op op, u32 cap)
{
	struct machina_exc_action old[MACHINA_EXC_TYPES] = { };
	struct machina_exc_action *table, *spare = NULL;
	struct exc_found f = { };
	struct ipc_port *port;
	int i, kr;

	kr = ipc_kobject_copyin_send(caller->space, a->new_port, &port);
	if (kr)
		return kr;
	kr = validate(a->mask, port, a->behavior, a->flavor);
	if (kr)
		goto out;
	/* A thread's first table: made before the lock, charged to the caller. */
	if (!READ_ONCE(*lv->table))
		spare = kcalloc(MACHINA_EXC_TYPES, sizeof(*spare), GFP_KERNEL_ACCOUNT);

	spin_lock(lv->lock);
	kr = KERN_FAILURE;
	if (*lv->closed)
		goto unlock;
	kr = KERN_RESOURCE_SHORTAGE;
	if (!*lv->table) {
		if (!spare)
			goto unlock;
		*lv->table = spare;
		spare = NULL;
	}
	table = *lv->table;
	for (i = 1; i < MACHINA_EXC_TYPES; i++) {
		/* XNU tests the room before each type, even one that would join. */
		if (op == EXC_SWAP && f.count >= cap)
			break;
		if (!(a->mask & (1u << i)))
			continue;
		if (op == EXC_SWAP)
			note_old(a, &f, cap, &table[i], i);
		old[i] = table[i];
		table[i].port = copy_right(port);
		table[i].behavior = a->behavior;
		table[i].flavor = a->flavor;
	}
	kr = KERN_SUCCESS;
unlock:
	spin_unlock(lv->lock);
	kfree(spare);
	machina_exc_table_release(old);
	if (op == EXC_SWAP) {
		/* f holds rights only when the swap took place. */
		a->count = 0;
		if (!kr)
			kr = copyout_found(caller->space, a, &f);
	}
out:
	/* The copied-in right itself; each type holds its own. */
	machina_port_release_send_right(port);
	return kr;
}

/* exc_call - one call of kind @op on the level @lv. */
static long exc_call(struct machina_task *caller, struct machina_exception_ports *a,
		     const struct machina_exc_level *lv, enum exc_op op, u32 cap)
{
	if (op == EXC_GET)
		return exc_get(caller, a, lv, cap);
	return exc_store(caller, a, lv, op, cap);
}

/* The thread's table: its task's itk_lock, closed with the record. */
static void thread_level(struct machina_thread *thread, struct machina_exc_level *lv)
{
	lv->lock = &thread->task->itk_lock;
	lv->table = &thread->exc;
	lv->closed = &thread->exc_closed;
}

/*
 * machina_exc_thread_close - a dying record's actions go: no set may add
 * any from now on, and the rights are released
 * Conditions: process context, no locks held; the record is DEAD.
 */
void machina_exc_thread_close(struct machina_thread *thread)
{
	struct machina_task *task = thread->task;
	struct machina_exc_action *table;

	spin_lock(&task->itk_lock);
	thread->exc_closed = true;
	table = thread->exc;
	thread->exc = NULL;
	spin_unlock(&task->itk_lock);
	if (table) {
		machina_exc_table_release(table);
		kfree(table);
	}
}

static long thread_call(struct machina_task *caller, void *arg, enum exc_op op)
{
	struct machina_exception_ports *a = arg;
	struct machina_exc_level lv;
	struct ipc_kobject_ref ref;
	u32 cap;
	long kr;

	if (!request_ok(a, op, &cap))
		return -EINVAL;
	kr = machina_thread_lookup(caller, a->target, &ref);
	if (kr)
		return kr;
	thread_level(ref.obj, &lv);
	kr = exc_call(caller, a, &lv, op, cap);
	ipc_kobject_ref_put(&ref);
	return kr;
}

static long task_call(struct machina_task *caller, void *arg, enum exc_op op)
{
	struct machina_exception_ports *a = arg;
	struct machina_exc_action *table;
	struct machina_exc_level lv;
	struct machina_task *target;
	struct ipc_kobject_ref ref;
	u32 cap;
	long kr;

	if (!request_ok(a, op, &cap))
		return -EINVAL;
	kr = machina_task_lookup(caller, a->target, MACHINA_TASK_CONTROL, &ref);
	if (kr)
		return kr;
	target = ref.obj;
	table = target->exc;
	lv.lock = &target->itk_lock;
	lv.table = &table;
	lv.closed = &target->itk_dead;
	kr = exc_call(caller, a, &lv, op, cap);
	ipc_kobject_ref_put(&ref);
	return kr;
}

static long host_call(struct machina_task *caller, void *arg, enum exc_op op)
{
	struct machina_exception_ports *a = arg;
	struct machina_exc_level lv;
	u32 cap;
	long kr;

	if (!request_ok(a, op, &cap))
		return -EINVAL;
	kr = machina_host_priv_check(caller, a->target);
	if (kr)
		return kr;
	machina_host_exc_level(&lv);
	return exc_call(caller, a, &lv, op, cap);
}

/*
 * machina_call_{thread,task,host}_{set,get,swap}_exception_ports
 * in: target (a thread or task control port, or host_priv:
 * machina_host_priv_check(), a host_priv port or the host port of a
 * caller with CAP_SYS_ADMIN in the initial user namespace), mask; set and
 * swap: new_port (a send right of the caller, or MACH_PORT_NULL),
 * behavior, flavor; get and swap: count (capacity).  out (get, swap):
 * count entries of masks, handlers (new send rights), behaviors, flavors.
 * Returns: KERN_SUCCESS; KERN_FAILURE for a dead thread or task; the
 * lookup's, copy-in's and validation's errors (top of file); host:
 * KERN_INVALID_ARGUMENT without host_priv (MIG's failed conversion on
 * Darwin); -EINVAL for a malformed request.
 */
#define EXC_CALLS(level)							\
long machina_call_##level##_set_exception_ports(struct machina_task *task, void *arg) \
{										\
	return level##_call(task, arg, EXC_SET);				\
}										\
long machina_call_##level##_get_exception_ports(struct machina_task *task, void *arg) \
{										\
	return level##_call(task, arg, EXC_GET);				\
}										\
long machina_call_##level##_swap_exception_ports(struct machina_task *task, void *arg) \
{										\
	return level##_call(task, arg, EXC_SWAP);				\
}

EXC_CALLS(thread)
EXC_CALLS(task)
EXC_CALLS(host)
