// SPDX-License-Identifier: GPL-2.0
/*
 * The Mach host: mach_host_self, host_info, host_statistics64,
 * host_get_clock_service, host_get_special_port (host_get_host_priv_port)
 * and the host's exception actions (mach/exc_action.c makes the calls).
 * Lifetime in host.h.
 *
 * host_priv: the privileged host port (IKOT_HOST_PRIV).  Darwin gives it to
 * root processes as their mach_host_self(); Machina's mach_host_self() is
 * always the plain host port, and host_get_special_port(HOST_PRIV_PORT) -
 * the macro host_get_host_priv_port() - hands host_priv to a caller with
 * CAP_SYS_ADMIN in the initial user namespace.  A call that needs
 * host_priv accepts a send right to it from anyone (holding it is the
 * privilege, as on Darwin) and the plain host port from such a caller
 * (root's host port is host_priv on Darwin); anything else is
 * KERN_INVALID_ARGUMENT, as MIG's failed conversion to host_priv.
 *
 * Darwin's answers for a port that is not the host differ by routine:
 * host_info, host_get_clock_service (and host_page_size, in libmach)
 * return KERN_INVALID_ARGUMENT, host_statistics64 KERN_INVALID_HOST.  A name
 * that holds no send right is MACH_SEND_INVALID_DEST: the MIG request could
 * not be sent.
 *
 * HOST_VM_INFO64 from Linux's counters (pages):
 *   free_count        NR_FREE_PAGES
 *   active_count      NR_ACTIVE_ANON + NR_ACTIVE_FILE
 *   inactive_count    NR_INACTIVE_ANON + NR_INACTIVE_FILE
 *   wire_count        NR_MLOCK + NR_UNEVICTABLE (pages reclaim cannot take)
 *   zero_fill_count   PGFAULT - PGMAJFAULT (minor faults)
 *   faults            PGFAULT
 *   pageins/pageouts  PGPGIN / PGPGOUT (Linux counts them in KiB: converted)
 *   swapins/swapouts  PSWPIN / PSWPOUT
 *   external_page_count  NR_FILE_PAGES; internal_page_count  NR_ANON_MAPPED
 *   (the event counters read 0 without CONFIG_VM_EVENT_COUNTERS)
 *   purgeable_count   resident pages of VOLATILE Mach VM memory (XNU's
 *                     vm_page_purgeable_count), purges: pages emptied by
 *                     purges since the module loaded (vm_page_purged_count);
 *                     xnu_vm_purgeable_stats()
 *   speculative, compressor, cow, lookups, hits, reactivations,
 *   throttled: 0 (no Linux counterpart).
 */
#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/vmstat.h>

#include "mach/exc_action.h"
#include "mach/host.h"
#include "mach/ipc_kobject.h"
#include "mach/ipc_space.h"
#include "mach/kern_return.h"
#include "mach/task.h"
#include "personality/calls.h"
#include "uapi/machina.h"
#include "xnu_vm/vm_info.h"

#define HOST_BASIC_INFO 1
#define HOST_SCHED_INFO 3
#define HOST_PRIORITY_INFO 5
#define HOST_SEMAPHORE_TRAPS 7
#define HOST_MACH_MSG_TRAP 8
#define HOST_VM_INFO64 4

#define HOST_BASIC_INFO_COUNT 12
#define HOST_BASIC_INFO_OLD_COUNT 5
#define HOST_SCHED_INFO_COUNT 2
#define HOST_PRIORITY_INFO_COUNT 8
#define HOST_VM_INFO64_COUNT 38
#define HOST_VM_INFO64_REV0_COUNT 33

#define CPU_TYPE_X86_64 0x01000007
#define CPU_SUBTYPE_X86_64_ALL 3
#define CPU_TYPE_ARM64 0x0100000c
#define CPU_SUBTYPE_ARM64_ALL 0

/* Darwin's scheduler priorities (osfmk/kern/sched.h values). */
#define MINPRI_KERNEL 80
#define MINPRI_RESERVED 64
#define BASEPRI_DEFAULT 31
#define DEPRESSPRI 0
#define IDLEPRI 0
#define MINPRI_USER 0
#define MAXPRI_RESERVED 95

struct host_basic_info {
	s32 max_cpus;
	s32 avail_cpus;
	u32 memory_size;
	s32 cpu_type;
	s32 cpu_subtype;
	s32 cpu_threadtype;
	s32 physical_cpu;
	s32 physical_cpu_max;
	s32 logical_cpu;
	s32 logical_cpu_max;
	u64 max_mem;
};

struct vm_statistics64 {
	u32 free_count, active_count, inactive_count, wire_count;
	u64 zero_fill_count, reactivations, pageins, pageouts, faults;
	u64 cow_faults, lookups, hits, purges;
	u32 purgeable_count, speculative_count;
	u64 decompressions, compressions, swapins, swapouts;
	u32 compressor_page_count, throttled_count;
	u32 external_page_count, internal_page_count;
	u64 total_uncompressed_pages_in_compressor;
} __aligned(8);

static_assert(sizeof(struct host_basic_info) == HOST_BASIC_INFO_COUNT * 4);
static_assert(sizeof(struct vm_statistics64) == HOST_VM_INFO64_COUNT * 4);

/* Darwin's host special ports (<mach/host_special_ports.h>). */
#define HOST_SECURITY_PORT	0
#define HOST_PORT		1
#define HOST_PRIV_PORT		2
#define HOST_MAX_SPECIAL_PORT	35	/* HOST_DOUBLEAGENTD_PORT */

static struct ipc_port *host_port, *host_priv_port;
static u8 host_object; /* what the host port stands for: the machine */

/*
 * The host's exception actions (exc_action.h): a fixed table, so nothing
 * a caller does grows it.  host_exc_lock is taken before port->lock.
 */
static DEFINE_SPINLOCK(host_exc_lock);
static struct machina_exc_action host_exc[MACHINA_EXC_TYPES];
static struct machina_exc_action *host_exc_table = host_exc;
static const bool host_exc_closed;	/* the host never goes while a call runs */

struct ipc_port *machina_host_port(void)
{
	return host_port;
}

/* The host's action table, for mach/exc_action.c. */
void machina_host_exc_level(struct machina_exc_level *level)
{
	level->lock = &host_exc_lock;
	level->table = &host_exc_table;
	level->closed = &host_exc_closed;
}

static void port_kill(struct ipc_port **port)
{
	if (!*port)
		return;
	ipc_port_kobject_destroy(*port);
	ipc_port_put(*port);
	*port = NULL;
}

/* Conditions: module load, before the device exists. */
int machina_host_init(void)
{
	int err = -ENOMEM;

	host_port = ipc_kobject_alloc_port(IKOT_HOST, &host_object);
	if (!host_port)
		return -ENOMEM;
	host_priv_port = ipc_kobject_alloc_port(IKOT_HOST_PRIV, &host_object);
	if (!host_priv_port)
		goto err_host;
	err = machina_clock_init();
	if (err)
		goto err_priv;
	return 0;
err_priv:
	port_kill(&host_priv_port);
err_host:
	port_kill(&host_port);
	return err;
}

/*
 * Conditions: module unload, after every task is gone: no call can reach
 * the host's actions any more; their rights go.
 */
void machina_host_exit(void)
{
	machina_exc_table_release(host_exc);
	machina_clock_exit();
	port_kill(&host_priv_port);
	port_kill(&host_port);
}

long machina_call_host_self(struct machina_task *task, void *arg)
{
	struct machina_name_out *out = arg;

	if (out->flags)
		return -EINVAL;
	return ipc_kobject_copyout_send(task->space, host_port, true, &out->name);
}

/*
 * host_kind - which host port @name names in the caller's space
 * Returns: IKOT_HOST, IKOT_HOST_PRIV, IKOT_NONE for another port, or -1
 * when the name holds no send right.
 */
static int host_kind(struct machina_task *task, u32 name)
{
	struct ipc_port *port;
	int kind = IKOT_NONE, kr;

	port = ipc_kobject_port_by_name(task->space, name, &kr);
	if (!port)
		return -1;
	if (ipc_kobject_get(port, IKOT_HOST))
		kind = IKOT_HOST;
	else if (ipc_kobject_get(port, IKOT_HOST_PRIV))
		kind = IKOT_HOST_PRIV;
	ipc_port_put(port);
	return kind;
}

/*
 * is_host - does @name, in the caller's space, hold a send right to the
 * host (either host port: host_priv is a host port too, as on Darwin)?
 * Returns: KERN_SUCCESS, MACH_SEND_INVALID_DEST (no send right), or
 * @not_host for another port.
 */
static int is_host(struct machina_task *task, u32 name, int not_host)
{
	int kind = host_kind(task, name);

	if (kind < 0)
		return MACH_SEND_INVALID_DEST;
	return kind != IKOT_NONE ? KERN_SUCCESS : not_host;
}

/* The caller may turn the plain host port into host_priv (top of file). */
static bool host_admin(void)
{
	return capable(CAP_SYS_ADMIN);
}

/*
 * machina_host_priv_check - whether @name stands for host_priv in a call
 * that needs it (top of file)
 * Conditions: process context, no locks held.
 * Returns: KERN_SUCCESS, MACH_SEND_INVALID_DEST (no send right), or
 * KERN_INVALID_ARGUMENT.
 */
int machina_host_priv_check(struct machina_task *caller, u32 name)
{
	int kind = host_kind(caller, name);

	if (kind < 0)
		return MACH_SEND_INVALID_DEST;
	if (kind == IKOT_HOST_PRIV || (kind == IKOT_HOST && host_admin()))
		return KERN_SUCCESS;
	return KERN_INVALID_ARGUMENT;
}

/*
 * info_begin - the common start of host_info and host_statistics64: check
 * the request, clear the output (no stale bytes go back), and check that
 * the target is the host (@not_host: the status when it is not).
 * Returns: -EINVAL for a malformed request, else a Mach status.
 */
static long info_begin(struct machina_task *task, struct machina_info *in,
		       int not_host)
{
	if (in->flags)
		return -EINVAL;
	memset(in->info, 0, sizeof(in->info));
	in->count = 0;
	return is_host(task, in->target, not_host);
}

static void basic_info(struct machina_info *in)
{
	struct host_basic_info bi = {};
	u64 mem = (u64)totalram_pages() << PAGE_SHIFT;

	bi.max_cpus = num_present_cpus();
	bi.avail_cpus = num_online_cpus();
	/* The 32-bit field saturates at 2 GiB, as Darwin's does. */
	bi.memory_size = min_t(u64, mem, 0x80000000ull);
#ifdef CONFIG_ARM64
	bi.cpu_type = CPU_TYPE_ARM64;
	bi.cpu_subtype = CPU_SUBTYPE_ARM64_ALL;
#else
	bi.cpu_type = CPU_TYPE_X86_64;
	bi.cpu_subtype = CPU_SUBTYPE_X86_64_ALL;
#endif
	bi.cpu_threadtype = 0; /* CPU_THREADTYPE_NONE */
	/* Linux's CPUs are what user space schedules on: all logical. */
	bi.physical_cpu = num_online_cpus();
	bi.physical_cpu_max = num_present_cpus();
	bi.logical_cpu = num_online_cpus();
	bi.logical_cpu_max = num_present_cpus();
	bi.max_mem = mem;
	memcpy(in->info, &bi, sizeof(bi));
}

/*
 * machina_call_host_info - host_info(host, flavor, info, &count)
 * Returns: KERN_SUCCESS with count = words written; KERN_FAILURE for too
 * small a count; KERN_INVALID_ARGUMENT for an unknown flavor or a port that
 * is not the host; MACH_SEND_INVALID_DEST when @target holds no send right.
 */
long machina_call_host_info(struct machina_task *task, void *arg)
{
	struct machina_info *in = arg;
	u32 cap = in->count;
	long kr;

	kr = info_begin(task, in, KERN_INVALID_ARGUMENT);
	if (kr)
		return kr;

	switch (in->flavor) {
	case HOST_BASIC_INFO:
		if (cap < HOST_BASIC_INFO_OLD_COUNT)
			return KERN_FAILURE;
		basic_info(in);
		/* An old caller gets the five fields it knows. */
		in->count = cap >= HOST_BASIC_INFO_COUNT ?
				    HOST_BASIC_INFO_COUNT :
				    HOST_BASIC_INFO_OLD_COUNT;
		if (in->count == HOST_BASIC_INFO_OLD_COUNT)
			memset(&in->info[HOST_BASIC_INFO_OLD_COUNT], 0,
			       sizeof(in->info) -
				       HOST_BASIC_INFO_OLD_COUNT * 4);
		return KERN_SUCCESS;
	case HOST_SCHED_INFO:
		if (cap < HOST_SCHED_INFO_COUNT)
			return KERN_FAILURE;
		/* Both are Darwin's scheduling quantum; Linux has none: 10 ms. */
		in->info[0] = 10;
		in->info[1] = 10;
		in->count = HOST_SCHED_INFO_COUNT;
		return KERN_SUCCESS;
	case HOST_PRIORITY_INFO:
		if (cap < HOST_PRIORITY_INFO_COUNT)
			return KERN_FAILURE;
		in->info[0] = MINPRI_KERNEL;
		in->info[1] = MINPRI_KERNEL;
		in->info[2] = MINPRI_RESERVED;
		in->info[3] = BASEPRI_DEFAULT;
		in->info[4] = DEPRESSPRI;
		in->info[5] = IDLEPRI;
		in->info[6] = MINPRI_USER;
		in->info[7] = MAXPRI_RESERVED;
		in->count = HOST_PRIORITY_INFO_COUNT;
		return KERN_SUCCESS;
	case HOST_SEMAPHORE_TRAPS:
	case HOST_MACH_MSG_TRAP:
		/* "The traps exist": success with nothing to say. */
		return KERN_SUCCESS;
	default:
		return KERN_INVALID_ARGUMENT;
	}
}

static void vm_info64(struct machina_info *in)
{
	/* All zero on a kernel without CONFIG_VM_EVENT_COUNTERS. */
	unsigned long ev[NR_VM_EVENT_ITEMS] = {};
	struct vm_statistics64 vs = {};
	/* Linux counts page-ins and -outs in KiB. */
	unsigned int kib_per_page = PAGE_SIZE / 1024;

	all_vm_events(ev);
	vs.free_count = global_zone_page_state(NR_FREE_PAGES);
	vs.active_count = global_node_page_state(NR_ACTIVE_ANON) +
			  global_node_page_state(NR_ACTIVE_FILE);
	vs.inactive_count = global_node_page_state(NR_INACTIVE_ANON) +
			    global_node_page_state(NR_INACTIVE_FILE);
	vs.wire_count = global_zone_page_state(NR_MLOCK) +
			global_node_page_state(NR_UNEVICTABLE);
	vs.faults = ev[PGFAULT];
	vs.zero_fill_count = ev[PGFAULT] - min(ev[PGFAULT], ev[PGMAJFAULT]);
	vs.pageins = ev[PGPGIN] / kib_per_page;
	vs.pageouts = ev[PGPGOUT] / kib_per_page;
#ifdef CONFIG_SWAP
	vs.swapins = ev[PSWPIN];
	vs.swapouts = ev[PSWPOUT];
#endif
	xnu_vm_purgeable_stats(&vs.purgeable_count, &vs.purges);
	vs.external_page_count = global_node_page_state(NR_FILE_PAGES);
	vs.internal_page_count = global_node_page_state(NR_ANON_MAPPED);
	memcpy(in->info, &vs, sizeof(vs));
}

/*
 * machina_call_host_statistics64 - host_statistics64(host, flavor, ...)
 * Returns: KERN_SUCCESS; KERN_INVALID_HOST for a port that is not the host;
 * KERN_FAILURE for too small a count, KERN_INVALID_ARGUMENT for an unknown
 * flavor.  HOST_VM_INFO64 only.
 */
long machina_call_host_statistics64(struct machina_task *task, void *arg)
{
	struct machina_info *in = arg;
	u32 cap = in->count;
	long kr;

	kr = info_begin(task, in, KERN_INVALID_HOST);
	if (kr)
		return kr;
	if (in->flavor != HOST_VM_INFO64)
		return KERN_INVALID_ARGUMENT;
	if (cap < HOST_VM_INFO64_REV0_COUNT)
		return KERN_FAILURE;
	vm_info64(in);
	in->count = min_t(u32, cap, HOST_VM_INFO64_COUNT);
	if (in->count < HOST_VM_INFO64_COUNT)
		memset(&in->info[in->count], 0,
		       sizeof(in->info) - in->count * 4);
	return KERN_SUCCESS;
}

/*
 * machina_call_host_get_clock_service - host_get_clock_service(host, id, &c)
 * in: task (the host name), right (clock id); out: value (a send right).
 * Returns: KERN_SUCCESS, KERN_INVALID_ARGUMENT for an unknown clock id or a
 * port that is not the host, MACH_SEND_INVALID_DEST for no send right.
 */
long machina_call_host_get_clock_service(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	struct ipc_port *clock;
	int kr;

	if (a->flags || a->reserved || a->name || a->delta || a->value ||
	    a->value2 || a->context)
		return -EINVAL;
	kr = is_host(task, a->task, KERN_INVALID_ARGUMENT);
	if (kr)
		return kr;
	clock = machina_clock_port((s32)a->right);
	if (!clock)
		return KERN_INVALID_ARGUMENT;
	return ipc_kobject_copyout_send(task->space, clock, true, &a->value);
}

/*
 * machina_call_host_get_special_port - host_get_special_port(host_priv,
 * node, which, &port); host_get_host_priv_port() and host_get_host_port()
 * are this with HOST_PRIV_PORT and HOST_PORT
 * in: task (host_priv, or the host port of an administrator: top of
 * file), right (which); node is not passed (Darwin ignores it); out:
 * value (a send right).
 * Returns: KERN_SUCCESS; KERN_INVALID_ARGUMENT for HOST_SECURITY_PORT, a
 * number outside 0..HOST_MAX_SPECIAL_PORT, or no host_priv;
 * MACH_SEND_INVALID_DEST for no send right.  The special ports Machina has
 * no server for (every one but HOST_PORT and HOST_PRIV_PORT) read
 * MACH_PORT_NULL, as an unregistered one does on Darwin.
 */
long machina_call_host_get_special_port(struct machina_task *task, void *arg)
{
	struct machina_port_args *a = arg;
	s32 which = (s32)a->right;
	int kr;

	if (a->flags || a->reserved || a->name || a->delta || a->value ||
	    a->value2 || a->context)
		return -EINVAL;
	kr = machina_host_priv_check(task, a->task);
	if (kr)
		return kr;
	if (which <= HOST_SECURITY_PORT || which > HOST_MAX_SPECIAL_PORT)
		return KERN_INVALID_ARGUMENT;
	if (which == HOST_PORT)
		return ipc_kobject_copyout_send(task->space, host_port, true, &a->value);
	if (which == HOST_PRIV_PORT)
		return ipc_kobject_copyout_send(task->space, host_priv_port, true,
						&a->value);
	return KERN_SUCCESS;
}
