// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel messages: allocation, destruction, kernel delivery.  Ownership is
 * described in ipc_kmsg.h.
 */
#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/log2.h>
#include <linux/percpu.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>

#include "mach/ipc_kmsg.h"
#include "mach/ipc_kobject.h"
#include "mach/ipc_mqueue.h"
#include "mach/ipc_port.h"
#include "mach/task.h"
#include "xnu_vm/vm_map_copy.h"

unsigned int machina_max_msg_size = 4u << 20;
module_param_named(max_msg_size, machina_max_msg_size, uint, 0644);
MODULE_PARM_DESC(max_msg_size,
		 "Largest inline message in bytes (at least 256 KiB; MACH_SEND_TOO_LARGE beyond)");

unsigned long machina_max_queued_bytes = 256ul << 20;
module_param_named(max_queued_bytes, machina_max_queued_bytes, ulong, 0644);
MODULE_PARM_DESC(max_queued_bytes,
		 "Bytes of messages (inline and out-of-line) one task may have in flight (MACH_SEND_NO_BUFFER beyond)");

/*
 * Measured (docs/benchmarks.md, oolx): a snapshot costs about the same
 * whatever the page size, a copy grows with the bytes, and the two meet
 * near 8 KiB on both 4K and 16K pages (a page count cannot say that: on
 * 16K pages a 16 KiB snapshot beats the copy, a 2 KiB one loses to it).
 */
unsigned int machina_ool_copy_bytes = SZ_8K;
module_param_named(ool_copy_bytes, machina_ool_copy_bytes, uint, 0644);
MODULE_PARM_DESC(ool_copy_bytes,
		 "Out-of-line regions up to this many bytes are copied, larger MACH_MSG_VIRTUAL_COPY ones of Mach VM memory sent copy-on-write");

static atomic_long_t live_kmsgs = ATOMIC_LONG_INIT(0);

long ipc_kmsg_live_count(void)
{
	return atomic_long_read(&live_kmsgs);
}

/*
 * destroy_right - release a right held by a message
 * A receive right is handed to @dying (its port dies when the caller drains
 * the list), so destroying a queue never recurses into another queue.
 * Consumes the reference.  Conditions: process context, no port lock held.
 */
static void destroy_right(struct ipc_msg_right *r, struct list_head *dying)
{
	struct ipc_port *port;

	if (!IPC_OBJECT_REAL(r->obj)) {
		r->obj = NULL;
		return;
	}
	port = ipc_port_from_object(r->obj);
	r->obj = NULL;
	switch (r->type) {
	case MACH_MSG_TYPE_PORT_SEND:
		ipc_port_release_send(port);
		ipc_port_put(port);
		break;
	case MACH_MSG_TYPE_PORT_SEND_ONCE:
		ipc_port_release_send_once(port);
		break;
	case MACH_MSG_TYPE_PORT_RECEIVE:
		ipc_port_defer_receive(port, dying);
		break;
	default:
		WARN_ON_ONCE(1);
		ipc_port_put(port);
	}
}

/*
 * ipc_msg_right_destroy - release a right held by a message; a receive
 * right's port dies (or goes to its port-destroyed request) before this
 * returns.  Consumes the reference.
 * Conditions: process context, no port or pset lock held.
 */
void ipc_msg_right_destroy(struct ipc_msg_right *r)
{
	LIST_HEAD(dying);

	destroy_right(r, &dying);
	ipc_port_drain_dying(&dying);
}

/*
 * Each CPU keeps the last kmsg freed on it for the next send there, so an
 * RPC (one request and one reply in flight) allocates nothing.  A kmsg is
 * allocated in whole size classes (at least 512 bytes, then the powers of
 * two kmalloc uses anyway, up to KMSG_PARK_MAX) and reused only for a
 * message of its own class, so reuse never holds more memory than a fresh
 * allocation would.  The allocation stays charged to the memory cgroup of
 * the task that first made it: at most one parked kmsg per CPU is used by
 * another cgroup than the one it is charged to.  A parked kmsg holds
 * nothing but memory (ipc_kmsg_free() has released everything else); its
 * stale bytes are never copied out, because every message overwrites its
 * header, its body and the trailer bytes it delivers.
 */
#define KMSG_CLASS_MIN		512
#define KMSG_PARK_MAX		8192
/* A header and 256 bytes of body, as the common MIG messages, in the least. */
static_assert(IPC_KMSG_AUX_MAX <= U16_MAX);
static_assert(KMSG_CLASS_MIN >= sizeof(struct ipc_kmsg) + sizeof(struct mach_msg_header) +
	      256 + MACH_MSG_TRAILER_MAX_SIZE);

static DEFINE_PER_CPU(struct ipc_kmsg *, kmsg_parked);

/* The allocation size class of @bytes, or 0 for one that is never parked. */
static u32 kmsg_class(size_t bytes)
{
	if (bytes <= KMSG_CLASS_MIN)
		return KMSG_CLASS_MIN;
	if (bytes <= KMSG_PARK_MAX)
		return roundup_pow_of_two(bytes);
	return 0;
}

/* Only the bookkeeping is zeroed; the body is always written in full. */
static void kmsg_init(struct ipc_kmsg *kmsg, u32 size, u32 cls)
{
	memset(kmsg, 0, sizeof(*kmsg));
	INIT_LIST_HEAD(&kmsg->link);
	kmsg->size = size;
	kmsg->alloc_class = cls;
	kmsg->body = (u8 *)(kmsg + 1) + sizeof(struct mach_msg_header);
}

/*
 * ipc_kmsg_alloc_aux - a message of @size bytes (header + body) with room
 * for @aux_size bytes of aux data (at most IPC_KMSG_AUX_MAX; 0: none)
 * The memory holds, after the bookkeeping, room for the header (used by
 * send to copy the whole message in at once and by receive to build the
 * receiver's header), the body, and room for the largest trailer, so that a
 * simple message reaches the receiver in one copy; then the aux data
 * (ipc_kmsg_aux(), filled by ipc_kmsg_aux_copyin()).
 * Conditions: process context; may sleep.
 * Returns: the message with its bookkeeping zeroed (aux_size set), or NULL
 * (no memory, or @aux_size past IPC_KMSG_AUX_MAX: kmsg->aux_size is 16 bits).
 */
struct ipc_kmsg *ipc_kmsg_alloc_aux(u32 size, u32 aux_size)
{
	size_t bytes = sizeof(struct ipc_kmsg) + size + MACH_MSG_TRAILER_MAX_SIZE +
		       aux_size;
	u32 cls = kmsg_class(bytes);
	struct ipc_kmsg *kmsg = NULL;

	if (aux_size > IPC_KMSG_AUX_MAX)
		return NULL;
	if (cls) {
		kmsg = this_cpu_xchg(kmsg_parked, NULL);
		/* Another class: leave it parked (or free it if the slot refilled). */
		if (kmsg && kmsg->alloc_class != cls) {
			if (this_cpu_cmpxchg(kmsg_parked, NULL, kmsg))
				kvfree(kmsg);
			kmsg = NULL;
		}
	}
	if (!kmsg)
		kmsg = kvmalloc(cls ? cls : bytes, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!kmsg)
		return NULL;
	kmsg_init(kmsg, size, cls);
	kmsg->aux_size = aux_size;
	atomic_long_inc(&live_kmsgs);
	return kmsg;
}

/* ipc_kmsg_alloc - ipc_kmsg_alloc_aux() without aux data */
struct ipc_kmsg *ipc_kmsg_alloc(u32 size)
{
	return ipc_kmsg_alloc_aux(size, 0);
}

/*
 * ipc_kmsg_alloc_reserved - a message preallocated for an object that the
 * kernel sends repeatedly (a timer's expiry), so that sending it later
 * allocates nothing and its memory is charged to the caller's memory cgroup
 * now, not to whoever runs the send.  It is never parked: a fresh
 * allocation, in the caller's cgroup.  Until ipc_kmsg_reserved_take() it is
 * not a live message.  When a taken message is freed (received or
 * destroyed), @home->back() is called with it instead of freeing it, in
 * process context with no port lock held.
 * Conditions: process context; may sleep.
 * Returns: the message, or NULL.
 */
struct ipc_kmsg *ipc_kmsg_alloc_reserved(u32 size, struct ipc_kmsg_home *home)
{
	size_t bytes = sizeof(struct ipc_kmsg) + size + MACH_MSG_TRAILER_MAX_SIZE;
	struct ipc_kmsg *kmsg = kvmalloc(bytes, GFP_KERNEL_ACCOUNT);

	if (!kmsg)
		return NULL;
	kmsg_init(kmsg, size, 0);
	kmsg->home = home;
	return kmsg;
}

/*
 * ipc_kmsg_reserved_take - make a preallocated message, back home, ready to
 * be sent again: its bookkeeping is reset as ipc_kmsg_alloc() leaves it.
 * Conditions: any context; the caller owns @kmsg.
 */
void ipc_kmsg_reserved_take(struct ipc_kmsg *kmsg)
{
	struct ipc_kmsg_home *home = kmsg->home;

	kmsg_init(kmsg, kmsg->size, 0);
	kmsg->home = home;
	atomic_long_inc(&live_kmsgs);
}

/* Free a preallocated message that is home (not taken). */
void ipc_kmsg_reserved_free(struct ipc_kmsg *kmsg)
{
	kvfree(kmsg);
}

/*
 * ipc_kmsg_free - free the memory only: every right has been consumed or
 * released.  A preallocated message goes back to its owner instead.
 * Conditions: process context, no port lock held.
 */
void ipc_kmsg_free(struct ipc_kmsg *kmsg)
{
	u32 i;

	for (i = 0; i < kmsg->ndesc; i++) {
		if (kmsg->desc[i].ool == KMSG_OOL_SNAPSHOT)
			xnu_vm_map_copy_discard(kmsg->desc[i].vmcopy);
		else
			kvfree(kmsg->desc[i].data);
		kvfree(kmsg->desc[i].rights);
	}
	kvfree(kmsg->desc);
	if (kmsg->charge_task) {
		machina_task_uncharge(kmsg->charge_task, kmsg->charge);
		machina_task_put(kmsg->charge_task);
	}
	put_pid(kmsg->sender_pid);
	put_pid(kmsg->sender_session);
	atomic_long_dec(&live_kmsgs);
	if (kmsg->home) {
		kmsg->home->back(kmsg->home, kmsg);
		return;
	}
	if (kmsg->alloc_class && !this_cpu_cmpxchg(kmsg_parked, NULL, kmsg))
		return;
	kvfree(kmsg);
}

/*
 * ipc_kmsg_cache_drain - free the small kmsgs parked on the CPUs
 * Conditions: module unload, after every task, port and message is gone.
 */
void ipc_kmsg_cache_drain(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		kvfree(xchg(per_cpu_ptr(&kmsg_parked, cpu), NULL));
}

/*
 * ipc_kmsg_destroy_into - release a message's rights and memory, handing the
 * receive rights it carried to @dying
 * Conditions: process context, no port or pset lock held.
 */
void ipc_kmsg_destroy_into(struct ipc_kmsg *kmsg, struct list_head *dying)
{
	u32 i, j;

	destroy_right(&kmsg->remote, dying);
	destroy_right(&kmsg->local, dying);
	for (i = 0; i < kmsg->ndesc; i++) {
		struct ipc_kmsg_desc *d = &kmsg->desc[i];

		switch (d->type) {
		case MACH_MSG_PORT_DESCRIPTOR:
		case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
			destroy_right(&d->right, dying);
			break;
		case MACH_MSG_OOL_PORTS_DESCRIPTOR:
			for (j = 0; d->rights && j < d->count; j++)
				destroy_right(&d->rights[j], dying);
			break;
		}
	}
	ipc_kmsg_free(kmsg);
}

/*
 * ipc_kmsg_destroy - a message nobody will receive
 * Releases its rights (sending the notifications that implies; ports whose
 * receive rights it carried die) and its memory.
 * Conditions: process context, no port or pset lock held.
 */
void ipc_kmsg_destroy(struct ipc_kmsg *kmsg)
{
	LIST_HEAD(dying);

	ipc_kmsg_destroy_into(kmsg, &dying);
	ipc_port_drain_dying(&dying);
}

/* The kernel as sender: the trailer reports Darwin's kernel tokens (zero). */
void ipc_kmsg_set_sender_kernel(struct ipc_kmsg *kmsg)
{
	kmsg->from_kernel = true;
	kmsg->euid = kmsg->ruid = GLOBAL_ROOT_UID;
	kmsg->egid = kmsg->rgid = GLOBAL_ROOT_GID;
}

/*
 * ipc_kmsg_deliver_kernel - queue a kernel-made message on its destination
 * A message to a send-once right ignores the queue limit, as any send to one
 * does, and so does a preallocated message (one per timer); but, as on XNU,
 * no kernel message is queued beyond MACH_PORT_QLIMIT_KERNEL messages, so a
 * user minting and dropping send-once rights to its own port cannot grow
 * the queue without end.  Any other kernel message to a plain send right (a
 * MIG reply) obeys the queue limit like a user's send, without waiting.  A
 * message that finds no room is destroyed, as is one to a dead port.
 * Conditions: process context, no port lock held.
 */
void ipc_kmsg_deliver_kernel(struct ipc_kmsg *kmsg)
{
	struct ipc_port *dest = ipc_port_from_object(kmsg->remote.obj);
	bool limited = kmsg->remote.type == MACH_MSG_TYPE_PORT_SEND && !kmsg->home;

	spin_lock(&dest->lock);
	if (dest->active && !dest->kobject_type &&
	    dest->msgcount < MACH_PORT_QLIMIT_KERNEL &&
	    (!limited || ipc_port_has_room(dest))) {
		ipc_mqueue_enqueue_locked(dest, kmsg);
		spin_unlock(&dest->lock);
		return;
	}
	spin_unlock(&dest->lock);
	if (dest->active && dest->kobject_type) {
		ipc_kobject_server(kmsg);
		return;
	}
	/*
	 * Not queued: a send-once destination is used up by this message,
	 * silently.  Destroying it would notify the same full queue, which
	 * would be dropped in turn, and so on.
	 */
	if (kmsg->remote.type == MACH_MSG_TYPE_PORT_SEND_ONCE) {
		kmsg->remote.obj = NULL;
		ipc_port_consume_send_once(dest);
	}
	ipc_kmsg_destroy(kmsg);
}

/*
 * ipc_kmsg_fill_trailer - the trailer a receiver (or a peek) of @kmsg gets
 * @seqno: the message's sequence number in its queue; @size: the trailer
 * size the receiver asked for (at most MACH_MSG_TRAILER_MAX_SIZE);
 * @with_context: include the port context (a receive, not a peek).  Ids and
 * pids are given in the caller's namespaces.  Every field that starts within
 * the first @size bytes is written (zero where it does not apply), so those
 * bytes are all initialised; the caller copies out no more than @size bytes.
 * Fields beyond them are left alone: the common small trailers cost no id
 * translation.
 * Conditions: any context (a peek holds the port lock).
 */
void ipc_kmsg_fill_trailer(const struct ipc_kmsg *kmsg, u32 seqno, u32 size,
			   bool with_context, struct mach_msg_trailer_max *t)
{
	struct user_namespace *ns;

	t->msgh_trailer_type = MACH_MSG_TRAILER_FORMAT_0;
	t->msgh_trailer_size = size;
	if (size <= offsetof(struct mach_msg_trailer_max, msgh_seqno))
		return;
	t->msgh_seqno = seqno;
	if (size <= offsetof(struct mach_msg_trailer_max, msgh_sender))
		return;
	if (size > offsetof(struct mach_msg_trailer_max, msgh_context)) {
		t->msgh_context = with_context ? kmsg->context : 0;
		t->msgh_ad = 0;
		t->msgh_labels = 0;
	}
	if (kmsg->from_kernel) {
		/* Darwin's kernel security token is {0, 1}; its audit token is zero. */
		t->msgh_sender[0] = 0;
		t->msgh_sender[1] = 1;
		if (size > offsetof(struct mach_msg_trailer_max, msgh_audit))
			memset(t->msgh_audit, 0, sizeof(t->msgh_audit));
		return;
	}
	ns = current_user_ns();
	t->msgh_sender[0] = from_kuid_munged(ns, kmsg->euid);
	t->msgh_sender[1] = from_kgid_munged(ns, kmsg->egid);
	if (size <= offsetof(struct mach_msg_trailer_max, msgh_audit))
		return;
	t->msgh_audit[0] = from_kuid_munged(ns, kmsg->ruid);	/* auid */
	t->msgh_audit[1] = t->msgh_sender[0];
	t->msgh_audit[2] = t->msgh_sender[1];
	t->msgh_audit[3] = t->msgh_audit[0];
	t->msgh_audit[4] = from_kgid_munged(ns, kmsg->rgid);
	t->msgh_audit[5] = pid_vnr(kmsg->sender_pid);
	t->msgh_audit[6] = pid_vnr(kmsg->sender_session);
	t->msgh_audit[7] = kmsg->pidversion;
}
