// SPDX-License-Identifier: GPL-2.0
/*
 * mach_msg: send and receive.
 *
 * Send: the message is copied in (header, body, out-of-line memory) without
 * any IPC lock; the destination is looked up and a queue slot reserved
 * (this is where a sender blocks on a full queue); then, under the sender's
 * space lock, every right is taken transactionally (ipc_right.h), counted on
 * its port, and the message is queued.  Any failure before the message is
 * queued restores the sender's names exactly and leaves its memory mapped:
 * nothing is lost.  Sender memory marked deallocate is unmapped only once
 * the message is queued.
 *
 * Receive: a message is taken from the port or set (ipc_mqueue.c), its
 * rights are inserted into the receiver's space and its out-of-line memory
 * mapped there, and the message, rewritten for the receiver, is copied to
 * the receive buffer followed by the trailer the receiver asked for.
 */
#include <linux/cred.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>

#include "mach/ipc_kmsg.h"
#include "mach/ipc_kobject.h"
#include "mach/ipc_mqueue.h"
#include "mach/ipc_port.h"
#include "mach/ipc_pset.h"
#include "mach/ipc_qos_override.h"
#include "mach/ipc_right.h"
#include "mach/ipc_space.h"
#include "mach/kern_return.h"
#include "mach/task.h"
#include "mach/thread.h"
#include "personality/calls.h"
#include "uapi/machina.h"
#include "xnu_vm/vm_map_copy.h"

#define HDR_SIZE	sizeof(struct mach_msg_header)

static struct ipc_port *port_of(struct ipc_object *obj)
{
	return ipc_port_from_object(obj);
}

static u8 desc_type_at(const u8 *p)
{
	return p[MACH_DESC_TYPE_OFFSET];
}

/* Call @fn on every right a message carries. */
static void walk_rights(struct ipc_kmsg *kmsg,
			void (*fn)(struct ipc_msg_right *r, void *ctx), void *ctx)
{
	u32 i, j;

	fn(&kmsg->remote, ctx);
	fn(&kmsg->local, ctx);
	for (i = 0; i < kmsg->ndesc; i++) {
		struct ipc_kmsg_desc *d = &kmsg->desc[i];

		if (d->type == MACH_MSG_OOL_PORTS_DESCRIPTOR) {
			for (j = 0; d->rights && j < d->count; j++)
				fn(&d->rights[j], ctx);
		} else if (d->type == MACH_MSG_PORT_DESCRIPTOR ||
			   d->type == MACH_MSG_GUARDED_PORT_DESCRIPTOR) {
			fn(&d->right, ctx);
		}
	}
}

static void apply_one(struct ipc_msg_right *r, void *ctx)
{
	ipc_msg_right_apply(r);
}

/* Rights taken from the space but never counted: just drop references. */
static void drop_uncounted(struct ipc_msg_right *r, void *ctx)
{
	if (IPC_OBJECT_REAL(r->obj))
		ipc_object_put(r->obj);
	r->obj = NULL;
}

/* Conditions: the sender's space lock held, its copyin aborted. */
static void revert_one(struct ipc_msg_right *r, void *ctx)
{
	struct ipc_space *space = ctx;
	struct ipc_entry *entry;
	mach_port_name_t name = 0;

	if (IPC_OBJECT_REAL(r->obj) && r->disp == MACH_MSG_TYPE_MOVE_RECEIVE) {
		entry = ipc_entry_by_port(space, ipc_port_from_object(r->obj));
		name = entry ? entry->name : 0;
	}
	ipc_msg_right_revert(r, space, name);
}

/*
 * Allocations whose size the sender chooses: charged to its memory cgroup,
 * and refused quietly (the send fails with MACH_SEND_NO_BUFFER) rather than
 * warning when they pass what the allocator can give.
 */
#define GFP_USER_SIZED	(GFP_KERNEL_ACCOUNT | __GFP_NOWARN)

/*
 * copyin_ool - take the sender's out-of-line bytes @d names (d->count > 0
 * bytes at d->user_addr)
 * The whole size counts against the sender's queued-bytes budget either
 * way, and a snapshot's also every page its range touches
 * (xnu_vm_map_copy_held(): its partial edge pages are copies, and the
 * rest become pages nobody else may see once the sender writes or
 * deallocates; on 16K pages an 8 KiB + 1 range can hold four times its
 * size).  A snapshot whose pages pass the budget is dropped for a copy.  MACH_MSG_VIRTUAL_COPY of more than
 * ool_copy_bytes bytes of Mach VM memory is a copy-on-write snapshot
 * (xnu_vm_map_copyin()); anything else, or a range the snapshot cannot
 * take (Linux memory, several objects, a hole, an unreadable page), is
 * copied into a kernel buffer, which is where a hole or an unreadable page
 * is found.
 * Conditions: no locks held; may fault and sleep.
 * Returns: MACH_MSG_SUCCESS, MACH_SEND_NO_BUFFER or
 * MACH_SEND_INVALID_MEMORY; what was taken stays in @d for the message's
 * release.
 */
static int copyin_ool(struct machina_task *task, struct ipc_kmsg *kmsg,
		      struct ipc_kmsg_desc *d)
{
	u64 held;
	int kr;

	if (!machina_task_charge(task, d->count))
		return MACH_SEND_NO_BUFFER;
	kmsg->charge += d->count;
	if (d->copy == MACH_MSG_VIRTUAL_COPY &&
	    d->count > READ_ONCE(machina_ool_copy_bytes)) {
		kr = xnu_vm_map_copyin(d->user_addr, d->count, &d->vmcopy);
		if (kr == KERN_SUCCESS) {
			held = xnu_vm_map_copy_held(d->vmcopy) - d->count;
			if (machina_task_charge(task, held)) {
				kmsg->charge += held;
				d->ool = KMSG_OOL_SNAPSHOT;
				return MACH_MSG_SUCCESS;
			}
			/* Its whole pages pass the budget: copy the bytes. */
			xnu_vm_map_copy_discard(d->vmcopy);
			d->vmcopy = NULL;
		}
		if (kr == KERN_RESOURCE_SHORTAGE)
			return MACH_SEND_NO_BUFFER;
	}
	d->data = kvmalloc(d->count, GFP_USER_SIZED);
	if (!d->data)
		return MACH_SEND_NO_BUFFER;
	if (copy_from_user(d->data, u64_to_user_ptr(d->user_addr), d->count))
		return MACH_SEND_INVALID_MEMORY;
	return MACH_MSG_SUCCESS;
}

/*
 * parse_body - check the descriptors of a complex message and copy in its
 * out-of-line memory and port-name arrays
 * The kernel's record of the descriptors is charged to the sender's
 * queued-bytes budget with the message (it is several times the size of
 * the descriptors sent).
 * Conditions: no locks held; may fault and sleep.
 * Returns: MACH_MSG_SUCCESS or a MACH_SEND_* error.
 */
static int parse_body(struct machina_task *task, struct ipc_kmsg *kmsg,
		      u32 **names_out)
{
	u32 body_size = kmsg->size - HDR_SIZE, off, count, i;
	u8 *body = kmsg->body;
	u32 *names;

	if (body_size < sizeof(u32))
		return MACH_SEND_MSG_TOO_SMALL;
	memcpy(&count, body, sizeof(count));
	if (count > (body_size - 4) / MACH_PORT_DESC_SIZE)
		return MACH_SEND_MSG_TOO_SMALL;
	if (!machina_task_charge(task, (u64)count * sizeof(*kmsg->desc)))
		return MACH_SEND_NO_BUFFER;
	kmsg->charge += (u64)count * sizeof(*kmsg->desc);
	kmsg->desc = kvcalloc(count, sizeof(*kmsg->desc), GFP_USER_SIZED);
	names = kvcalloc(count, sizeof(*names), GFP_USER_SIZED);
	if ((count && !kmsg->desc) || (count && !names)) {
		kvfree(names);
		return MACH_SEND_NO_BUFFER;
	}
	*names_out = names;
	kmsg->ndesc = count;

	off = 4;
	for (i = 0; i < count; i++) {
		struct ipc_kmsg_desc *d = &kmsg->desc[i];
		u8 *p = body + off;

		if (off + MACH_PORT_DESC_SIZE > body_size)
			return MACH_SEND_MSG_TOO_SMALL;
		d->type = desc_type_at(p);
		if (d->type > MACH_MSG_GUARDED_PORT_DESCRIPTOR)
			return MACH_SEND_INVALID_TYPE;
		if (d->type != MACH_MSG_PORT_DESCRIPTOR &&
		    off + MACH_DESC64_SIZE > body_size)
			return MACH_SEND_MSG_TOO_SMALL;

		switch (d->type) {
		case MACH_MSG_PORT_DESCRIPTOR: {
			struct mach_port_desc pd;

			memcpy(&pd, p, sizeof(pd));
			names[i] = pd.name;
			d->disp = pd.disposition;
			off += MACH_PORT_DESC_SIZE;
			break;
		}
		case MACH_MSG_GUARDED_PORT_DESCRIPTOR: {
			struct mach_guarded_port_desc gd;

			memcpy(&gd, p, sizeof(gd));
			names[i] = gd.name;
			d->disp = gd.disposition;
			d->context = gd.context;
			d->guard_flags = gd.flags;
			if (gd.flags & ~MACH_MSG_GUARD_FLAGS_MASK ||
			    gd.disposition != MACH_MSG_TYPE_MOVE_RECEIVE)
				return MACH_SEND_INVALID_TYPE;
			off += MACH_DESC64_SIZE;
			break;
		}
		case MACH_MSG_OOL_DESCRIPTOR:
		case MACH_MSG_OOL_VOLATILE_DESCRIPTOR: {
			struct mach_ool_desc od;

			memcpy(&od, p, sizeof(od));
			d->type = MACH_MSG_OOL_DESCRIPTOR;
			d->copy = od.copy;
			d->deallocate = od.deallocate;
			d->count = od.size;
			d->user_addr = od.address;
			if (od.copy > MACH_MSG_VIRTUAL_COPY)
				return MACH_SEND_INVALID_TYPE;
			if (od.size) {
				int mr = copyin_ool(task, kmsg, d);

				if (mr)
					return mr;
			}
			off += MACH_DESC64_SIZE;
			break;
		}
		case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
			struct mach_ool_ports_desc opd;
			u64 bytes;

			memcpy(&opd, p, sizeof(opd));
			d->copy = opd.copy;
			d->deallocate = opd.deallocate;
			d->disp = opd.disposition;
			d->count = opd.count;
			d->user_addr = opd.address;
			if (opd.copy > MACH_MSG_VIRTUAL_COPY)
				return MACH_SEND_INVALID_TYPE;
			bytes = (u64)opd.count * (sizeof(u32) + sizeof(struct ipc_msg_right));
			if (!machina_task_charge(task, bytes))
				return MACH_SEND_NO_BUFFER;
			kmsg->charge += bytes;
			d->rights = kvcalloc(max(opd.count, 1u), sizeof(*d->rights),
					     GFP_USER_SIZED);
			d->data = kvmalloc_array(max(opd.count, 1u), sizeof(u32),
						 GFP_USER_SIZED);
			if (!d->rights || !d->data)
				return MACH_SEND_NO_BUFFER;
			if (opd.count && copy_from_user(d->data, u64_to_user_ptr(opd.address),
							(size_t)opd.count * sizeof(u32)))
				return MACH_SEND_INVALID_MEMORY;
			off += MACH_DESC64_SIZE;
			break;
		}
		default:
			return MACH_SEND_INVALID_TYPE;
		}
	}
	return MACH_MSG_SUCCESS;
}

/* Conditions: space->lock held.  Returns MACH_MSG_SUCCESS or a send error. */
static int copyin_body(struct ipc_copyin *c, struct ipc_kmsg *kmsg, u32 *names)
{
	u32 i, j;
	int kr;

	lockdep_assert_held(&c->space->lock);

	for (i = 0; i < kmsg->ndesc; i++) {
		struct ipc_kmsg_desc *d = &kmsg->desc[i];

		switch (d->type) {
		case MACH_MSG_PORT_DESCRIPTOR:
			kr = ipc_copyin_right(c, names[i], d->disp, &d->right);
			if (kr == KERN_INVALID_VALUE)
				return MACH_SEND_INVALID_TYPE;
			if (kr)
				return MACH_SEND_INVALID_RIGHT;
			break;
		case MACH_MSG_GUARDED_PORT_DESCRIPTOR: {
			struct ipc_entry *entry = ipc_entry_lookup(c->space, names[i]);
			struct ipc_port *port;
			bool was_guarded;

			if (!entry || !(entry->type & MACH_PORT_TYPE_RECEIVE))
				return MACH_SEND_INVALID_RIGHT;
			port = ipc_port_from_object(entry->object);
			/*
			 * A guarded right moves only with its guard; an unguarded
			 * one only when the sender says so.
			 */
			if (port->guarded ? port->context != d->context :
			    !(d->guard_flags & MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND))
				return MACH_SEND_INVALID_RIGHT;
			was_guarded = port->guarded;
			port->guarded = false;
			kr = ipc_copyin_right(c, names[i], d->disp, &d->right);
			port->guarded = was_guarded;
			if (kr)
				return MACH_SEND_INVALID_RIGHT;
			break;
		}
		case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
			u32 *onames = d->data;

			for (j = 0; j < d->count; j++) {
				kr = ipc_copyin_right(c, onames[j], d->disp, &d->rights[j]);
				if (kr == KERN_INVALID_VALUE)
					return MACH_SEND_INVALID_TYPE;
				if (kr)
					return MACH_SEND_INVALID_RIGHT;
			}
			break;
		}
		}
	}
	return MACH_MSG_SUCCESS;
}

struct loop_check {
	struct ipc_port *end;	/* where the destination's chain ends */
	u32 receives;
	bool loop;
};

static void count_receive(struct ipc_msg_right *r, void *ctx)
{
	struct loop_check *lc = ctx;

	if (IPC_OBJECT_REAL(r->obj) && r->type == MACH_MSG_TYPE_PORT_RECEIVE)
		lc->receives++;
}

/* Conditions: the transit lock held (lc->end is current). */
static void check_loop(struct ipc_msg_right *r, void *ctx)
{
	struct loop_check *lc = ctx;

	if (IPC_OBJECT_REAL(r->obj) && r->type == MACH_MSG_TYPE_PORT_RECEIVE &&
	    r->obj == &lc->end->obj)
		lc->loop = true;
}

/*
 * Receive rights in the message now travel to @ctx (NULL: they do not).
 * Conditions: the transit lock held for a new destination.
 */
static void set_destination(struct ipc_msg_right *r, void *ctx)
{
	if (IPC_OBJECT_REAL(r->obj) && r->type == MACH_MSG_TYPE_PORT_RECEIVE)
		ipc_port_set_destination(ipc_port_from_object(r->obj), ctx);
}

static void record_sender(struct machina_task *task, struct ipc_kmsg *kmsg)
{
	const struct cred *cred = current_cred();

	kmsg->euid = cred->euid;
	kmsg->ruid = cred->uid;
	kmsg->egid = cred->egid;
	kmsg->rgid = cred->gid;
	kmsg->sender_pid = get_pid(task_tgid(current));
	rcu_read_lock();
	kmsg->sender_session = get_pid(task_session(current));
	rcu_read_unlock();
	kmsg->pidversion = (u32)task->serial;
}

struct sender_range {
	unsigned long start, len;
};

/* Bytes of the sender's memory descriptor @d asks to unmap, or 0. */
static u64 dealloc_len(const struct ipc_kmsg_desc *d)
{
	if (!d->deallocate || !d->user_addr)
		return 0;
	if (d->type == MACH_MSG_OOL_DESCRIPTOR)
		return d->count;
	if (d->type == MACH_MSG_OOL_PORTS_DESCRIPTOR)
		return (u64)d->count * sizeof(u32);
	return 0;
}

/*
 * sender_ranges - the sender's memory to unmap once the message is queued
 * (descriptors with deallocate set), taken before any right is, because
 * the message may be received and freed as soon as it is queued.
 * Conditions: no locks held; may sleep.
 * Returns: MACH_MSG_SUCCESS with *out (NULL when there are none, else a
 * kvmalloc'd array) and *nout set, or MACH_SEND_NO_BUFFER: a send that
 * could not honour its deallocate requests fails.
 */
static int sender_ranges(struct ipc_kmsg *kmsg, struct sender_range **out,
			 u32 *nout)
{
	struct sender_range *r;
	u32 i, n = 0;

	*out = NULL;
	*nout = 0;
	for (i = 0; i < kmsg->ndesc; i++)
		n += dealloc_len(&kmsg->desc[i]) != 0;
	if (!n)
		return MACH_MSG_SUCCESS;
	r = kvmalloc_array(n, sizeof(*r), GFP_USER_SIZED);
	if (!r)
		return MACH_SEND_NO_BUFFER;
	for (i = 0, n = 0; i < kmsg->ndesc; i++) {
		const struct ipc_kmsg_desc *d = &kmsg->desc[i];
		u64 len = dealloc_len(d);

		if (!len)
			continue;
		r[n].start = d->user_addr & PAGE_MASK;
		r[n].len = PAGE_ALIGN(d->user_addr + len) - r[n].start;
		n++;
	}
	*out = r;
	*nout = n;
	return MACH_MSG_SUCCESS;
}

/* Conditions: no locks held.  Frees @r. */
static void unmap_sender_ranges(struct sender_range *r, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		vm_munmap(r[i].start, r[i].len);
	kvfree(r);
}

static bool is_send_disposition(u8 disp)
{
	return disp == MACH_MSG_TYPE_MOVE_SEND || disp == MACH_MSG_TYPE_COPY_SEND ||
	       disp == MACH_MSG_TYPE_MAKE_SEND ||
	       disp == MACH_MSG_TYPE_MOVE_SEND_ONCE ||
	       disp == MACH_MSG_TYPE_MAKE_SEND_ONCE;
}

/* The queue-limit exemption: send-once destinations and kernel ports. */
static bool bypasses_qlimit(u8 disp, struct ipc_port *dest)
{
	return disp == MACH_MSG_TYPE_MOVE_SEND_ONCE ||
	       disp == MACH_MSG_TYPE_MAKE_SEND_ONCE || dest->kobject_type;
}

/*
 * copyin_dest - take the destination right the header names into
 * kmsg->remote
 * Conditions: space->lock held, between ipc_copyin_begin() and
 * commit/abort.
 * Returns: MACH_MSG_SUCCESS with a right to a port, or
 * MACH_SEND_INVALID_DEST (no such right, a dead name, a null or dead
 * name, an inactive space); kmsg->remote may then hold a right or a
 * reference that the caller's abort drops.
 */
static int copyin_dest(struct ipc_copyin *c, mach_port_name_t name, u8 disp,
		       struct ipc_kmsg *kmsg)
{
	if (!c->space->active ||
	    ipc_copyin_right(c, name, disp, &kmsg->remote) ||
	    !IPC_OBJECT_REAL(kmsg->remote.obj))
		return MACH_SEND_INVALID_DEST;
	return MACH_MSG_SUCCESS;
}

/*
 * check_header - the checks of a sent header made before any name is looked
 * at: only user bits, send-side dispositions, no local name without one
 * Returns: MACH_MSG_SUCCESS with *rdisp and *ldisp set, or
 * MACH_SEND_INVALID_HEADER.
 */
static int check_header(const struct mach_msg_header *hdr, u8 *rdisp, u8 *ldisp)
{
	if (hdr->msgh_bits & ~MACH_MSGH_BITS_USER)
		return MACH_SEND_INVALID_HEADER;
	*rdisp = MACH_MSGH_BITS_REMOTE(hdr->msgh_bits);
	*ldisp = MACH_MSGH_BITS_LOCAL(hdr->msgh_bits);
	if (!is_send_disposition(*rdisp) ||
	    (*ldisp && !is_send_disposition(*ldisp)) ||
	    (!*ldisp && hdr->msgh_local_port != MACH_PORT_NULL))
		return MACH_SEND_INVALID_HEADER;
	return MACH_MSG_SUCCESS;
}

/*
 * send_early_error - the error of a send whose message could not be
 * allocated or copied in as a whole
 * The checks run in the order a send makes them: an unreadable header, then
 * a bad header, then the sender's queued-bytes limit; @fallback when all of
 * them pass.
 * Conditions: process context, no locks held; may fault.
 */
static int send_early_error(struct machina_task *task, u64 uaddr, u64 charge,
			    int fallback)
{
	struct mach_msg_header hdr;
	u8 rdisp, ldisp;

	if (copy_from_user(&hdr, u64_to_user_ptr(uaddr), HDR_SIZE))
		return MACH_SEND_INVALID_DATA;
	if (check_header(&hdr, &rdisp, &ldisp))
		return MACH_SEND_INVALID_HEADER;
	if (!machina_task_charge(task, charge))
		return MACH_SEND_NO_BUFFER;
	machina_task_uncharge(task, charge);
	return fallback;
}

/*
 * machina_msg_send_size_check - the bounds of a sent message's size, as
 * a send (and mach_msg2's vector check, trap_table.c) applies them
 * Returns: MACH_MSG_SUCCESS, MACH_SEND_MSG_TOO_SMALL or MACH_SEND_TOO_LARGE.
 */
int machina_msg_send_size_check(u32 send_size)
{
	if (send_size < HDR_SIZE || send_size % 4)
		return MACH_SEND_MSG_TOO_SMALL;
	if (send_size > max(machina_max_msg_size, MACH_MSG_SIZE_RELIABLE))
		return MACH_SEND_TOO_LARGE;
	return MACH_MSG_SUCCESS;
}

/*
 * msg_send - the send half of mach_msg
 * @self: the caller's thread record (machina_thread_self()) or NULL
 * @priority: the mach_msg_priority_t of MACH_SEND_OVERRIDE
 * @v: mach_msg2's vectors (aux data to send), or NULL
 * Conditions: process context, no locks held; may sleep (MACH_SEND_TIMEOUT
 * bounds the wait for queue room).
 * Returns: MACH_MSG_SUCCESS or a MACH_SEND_* code; on failure the sender's
 * rights and memory are as they were.
 */
static int msg_send(struct machina_task *task, struct machina_thread *self,
		    u64 uaddr, u32 send_size, u32 option, u32 timeout,
		    u32 priority, const struct machina_trap_msg2 *v)
{
	struct ipc_space *space = task->space;
	struct sender_range *ranges = NULL;
	struct mach_msg_header hdr;
	struct ipc_port *dest = NULL;
	struct ipc_kmsg *kmsg;
	struct ipc_copyin c;
	u32 *names = NULL, nranges = 0, aux_size;
	bool reserved = false;
	u64 charge;
	u8 rdisp, ldisp;
	int mr;

	mr = machina_msg_send_size_check(send_size);
	if (mr)
		return mr;
	/*
	 * The whole message in one copy, into the header room in front of the
	 * body; the rare failures are sorted out by send_early_error().
	 */
	aux_size = v ? v->aux_send_size : 0;
	charge = (u64)send_size + aux_size;
	kmsg = ipc_kmsg_alloc_aux(send_size, aux_size);
	if (!kmsg)
		return send_early_error(task, uaddr, charge, MACH_SEND_NO_BUFFER);
	if (copy_from_user(ipc_kmsg_header(kmsg), u64_to_user_ptr(uaddr), send_size)) {
		mr = send_early_error(task, uaddr, charge, MACH_SEND_INVALID_DATA);
		goto out_free;
	}
	memcpy(&hdr, ipc_kmsg_header(kmsg), HDR_SIZE);
	/* Dispositions are checked before any name is looked at. */
	mr = check_header(&hdr, &rdisp, &ldisp);
	if (mr)
		goto out_free;
	/* Body and aux data (at most IPC_KMSG_AUX_MAX) in one charge. */
	mr = MACH_SEND_NO_BUFFER;
	if (!machina_task_charge(task, charge))
		goto out_free;
	machina_task_get(task);
	kmsg->charge_task = task;
	kmsg->charge = charge;
	kmsg->id = hdr.msgh_id;
	kmsg->bits = hdr.msgh_bits & MACH_MSGH_BITS_COMPLEX;
	record_sender(task, kmsg);
	mr = ipc_kmsg_aux_copyin(kmsg, v ? v->aux_send_addr : 0);
	if (mr)
		goto out_free;
	if (kmsg->bits & MACH_MSGH_BITS_COMPLEX) {
		mr = parse_body(task, kmsg, &names);
		if (mr)
			goto out_free;
		mr = sender_ranges(kmsg, &ranges, &nranges);
		if (mr)
			goto out_free;
	}

	mutex_lock(&space->lock);
	ipc_copyin_begin(&c, space);
	mr = copyin_dest(&c, hdr.msgh_remote_port, rdisp, kmsg);
	if (mr)
		goto out_abort;
	dest = port_of(kmsg->remote.obj);
	ipc_port_get(dest);	/* ours: the message may be freed once queued */
	kmsg->qos = ipc_qos_override_msg_class(self, option, priority, rdisp, dest);
	/*
	 * A queue with room is reserved without letting go of the space.  A
	 * full one is waited for with no lock held: the destination right is
	 * put back first and taken again afterwards, and the name must still
	 * reach the same port.
	 */
	if (!bypasses_qlimit(rdisp, dest) && !ipc_mqueue_try_reserve(dest)) {
		ipc_copyin_abort(&c);
		drop_uncounted(&kmsg->remote, NULL);
		ipc_copyin_end(&c);
		mutex_unlock(&space->lock);
		mr = ipc_mqueue_reserve(dest, option, timeout);
		if (mr)
			goto out_free;
		reserved = true;
		mutex_lock(&space->lock);
		ipc_copyin_begin(&c, space);
		mr = copyin_dest(&c, hdr.msgh_remote_port, rdisp, kmsg);
		if (!mr && kmsg->remote.obj != &dest->obj)
			mr = MACH_SEND_INVALID_DEST;
		if (mr)
			goto out_abort;
	}
	reserved = !bypasses_qlimit(rdisp, dest);
	mr = MACH_SEND_INVALID_REPLY;
	if (hdr.msgh_local_port != MACH_PORT_NULL &&
	    ipc_copyin_right(&c, hdr.msgh_local_port, ldisp, &kmsg->local))
		goto out_abort;
	mr = copyin_body(&c, kmsg, names);
	if (mr)
		goto out_abort;
	/*
	 * A receive right may not travel to its own port, nor to a port whose
	 * receive right is (transitively) travelling inside its own queue:
	 * such a loop could never be received or destroyed.  The check and
	 * the rights' new links are one step under the transit lock, or two
	 * such sends racing each other could close a loop together.
	 */
	if (kmsg->ndesc) {
		struct loop_check lc = { 0 };

		walk_rights(kmsg, count_receive, &lc);
		if (lc.receives) {
			ipc_port_transit_lock();
			lc.end = ipc_port_transit_end(dest);
			if (lc.end)
				walk_rights(kmsg, check_loop, &lc);
			else
				lc.loop = true;
			ipc_port_put(lc.end);
			mr = MACH_SEND_INVALID_RIGHT;
			if (lc.loop) {
				ipc_port_transit_unlock();
				goto out_abort;
			}
		}
		walk_rights(kmsg, apply_one, NULL);
		if (lc.receives) {
			walk_rights(kmsg, set_destination, dest);
			ipc_port_transit_unlock();
		}
	} else {
		/* The header carries send and send-once rights only. */
		ipc_msg_right_apply(&kmsg->remote);
		ipc_msg_right_apply(&kmsg->local);
	}
	spin_lock(&dest->lock);
	if (!dest->active) {
		spin_unlock(&dest->lock);
		ipc_copyin_abort(&c);
		walk_rights(kmsg, set_destination, NULL);
		walk_rights(kmsg, revert_one, space);
		mr = MACH_SEND_INVALID_DEST;
		goto out_unlock;
	}
	if (reserved) {
		dest->reserved--;
		reserved = false;
	}
	if (dest->kobject_type) {
		spin_unlock(&dest->lock);
		ipc_copyin_commit(&c);
		ipc_copyin_end(&c);
		mutex_unlock(&space->lock);
		ipc_kobject_server(kmsg);
	} else {
		ipc_mqueue_enqueue_locked(dest, kmsg);
		spin_unlock(&dest->lock);
		/* From here the message may be received and freed at any time. */
		ipc_copyin_commit(&c);
		ipc_copyin_end(&c);
		mutex_unlock(&space->lock);
	}
	unmap_sender_ranges(ranges, nranges);
	kvfree(names);
	if (rdisp == MACH_MSG_TYPE_MOVE_SEND_ONCE)
		ipc_qos_override_replied(self, dest);
	ipc_port_put(dest);
	return MACH_MSG_SUCCESS;

out_abort:
	ipc_copyin_abort(&c);
	walk_rights(kmsg, drop_uncounted, NULL);
out_unlock:
	ipc_copyin_end(&c);
	mutex_unlock(&space->lock);
out_free:
	if (reserved)
		ipc_mqueue_unreserve(dest);
	ipc_port_put(dest);
	kvfree(ranges);
	kvfree(names);
	ipc_kmsg_free(kmsg);
	return mr;
}

/*
 * map_ool - place out-of-line bytes in the receiver's address space
 * Returns: the address (0 for an empty region) or a negative errno.
 */
static long map_ool(const void *data, u64 size)
{
	unsigned long addr;

	if (!size)
		return 0;
	addr = vm_mmap(NULL, 0, PAGE_ALIGN(size), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(addr))
		return (long)addr;
	if (copy_to_user((void __user *)addr, data, size)) {
		vm_munmap(addr, PAGE_ALIGN(size));
		return -EFAULT;
	}
	return addr;
}

/*
 * copyout_body - rewrite the descriptors for the receiver into @out,
 * inserting rights into @space and mapping memory
 * Conditions: space->lock held.
 * Returns: bytes written to @out; *err gets MACH_RCV_BODY_ERROR bits for
 * rights or memory that could not be given (those arrive as
 * MACH_PORT_DEAD or a zero address).
 */
static u32 copyout_body(struct ipc_space *space, struct ipc_kmsg *kmsg,
			bool guarded_ok, u8 *out, int *err)
{
	u32 i, j, w = 0;

	lockdep_assert_held(&space->lock);

	for (i = 0; i < kmsg->ndesc; i++) {
		struct ipc_kmsg_desc *d = &kmsg->desc[i];
		mach_port_name_t name;

		switch (d->type) {
		case MACH_MSG_PORT_DESCRIPTOR:
		case MACH_MSG_GUARDED_PORT_DESCRIPTOR: {
			u8 type = d->right.type;

			if (d->type == MACH_MSG_GUARDED_PORT_DESCRIPTOR && !guarded_ok) {
				/* Darwin: a receiver that did not opt in loses the right. */
				ipc_msg_right_destroy(&d->right);
				name = MACH_PORT_NULL;
			} else if (ipc_right_copyout(space, &d->right, &name)) {
				*err |= MACH_MSG_IPC_SPACE;
			}
			if (d->type == MACH_MSG_GUARDED_PORT_DESCRIPTOR && guarded_ok) {
				struct mach_guarded_port_desc gd = {
					.context = d->context, .flags = d->guard_flags,
					.disposition = type, .name = name,
					.type = MACH_MSG_GUARDED_PORT_DESCRIPTOR,
				};
				memcpy(out + w, &gd, sizeof(gd));
				w += sizeof(gd);
			} else {
				struct mach_port_desc pd = {
					.name = name, .disposition = type,
					.type = MACH_MSG_PORT_DESCRIPTOR,
				};
				memcpy(out + w, &pd, sizeof(pd));
				w += sizeof(pd);
			}
			break;
		}
		case MACH_MSG_OOL_DESCRIPTOR: {
			struct mach_ool_desc od = {
				.copy = d->copy, .size = d->count,
				.deallocate = d->copy == MACH_MSG_VIRTUAL_COPY,
				.type = MACH_MSG_OOL_DESCRIPTOR,
			};
			long addr;

			switch (d->ool) {
			case KMSG_OOL_MAPPED:
				addr = d->rcv_addr;
				break;
			case KMSG_OOL_NO_MEMORY:
				*err |= MACH_MSG_VM_KERNEL;
				addr = 0;
				break;
			case KMSG_OOL_NO_SPACE:
				*err |= MACH_MSG_VM_SPACE;
				addr = 0;
				break;
			default:
				addr = map_ool(d->data, d->count);
				if (addr < 0)
					*err |= MACH_MSG_VM_SPACE;
			}
			if (addr <= 0) {
				addr = 0;
				od.size = 0;
			}
			od.address = addr;
			memcpy(out + w, &od, sizeof(od));
			w += sizeof(od);
			break;
		}
		case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
			struct mach_ool_ports_desc opd = {
				.copy = d->copy, .count = d->count,
				.deallocate = d->copy == MACH_MSG_VIRTUAL_COPY,
				.disposition = d->count ? d->rights[0].type : 0,
				.type = MACH_MSG_OOL_PORTS_DESCRIPTOR,
			};
			u32 *names = d->data;
			long addr;

			if (!opd.disposition)
				opd.disposition = ipc_right_received_type(d->disp);
			for (j = 0; j < d->count; j++)
				if (ipc_right_copyout(space, &d->rights[j], &names[j]))
					*err |= MACH_MSG_IPC_SPACE;
			addr = map_ool(names, (u64)d->count * sizeof(u32));
			if (addr < 0) {
				*err |= MACH_MSG_VM_SPACE;
				addr = 0;
				opd.count = 0;
			}
			opd.address = addr;
			memcpy(out + w, &opd, sizeof(opd));
			w += sizeof(opd);
			break;
		}
		}
	}
	return w;
}

/*
 * map_ool_copies - map the message's virtual copies into the receiver
 * (its own map), before its space lock is taken: a mapping takes the
 * object's map_lock and the mmap_lock.  A copy that finds no room is
 * dropped and arrives as address 0, size 0 with MACH_MSG_VM_SPACE
 * (MACH_MSG_VM_KERNEL when memory ran out), as XNU's copyout of an
 * out-of-line descriptor does.
 * Conditions: process context, no locks held; may sleep.
 */
static void map_ool_copies(struct ipc_kmsg *kmsg)
{
	u32 i;

	for (i = 0; i < kmsg->ndesc; i++) {
		struct ipc_kmsg_desc *d = &kmsg->desc[i];
		u64 addr = 0;
		int kr;

		if (d->type != MACH_MSG_OOL_DESCRIPTOR ||
		    d->ool != KMSG_OOL_SNAPSHOT)
			continue;
		kr = xnu_vm_map_copyout(d->vmcopy, &addr);
		xnu_vm_map_copy_discard(d->vmcopy);
		d->vmcopy = NULL;
		d->rcv_addr = kr ? 0 : addr;
		d->ool = !kr ? KMSG_OOL_MAPPED :
			 kr == KERN_RESOURCE_SHORTAGE ? KMSG_OOL_NO_MEMORY :
			 KMSG_OOL_NO_SPACE;
	}
}

/* Bytes the sender's descriptors occupy in the body, after the count. */
static u32 sent_desc_bytes(struct ipc_kmsg *kmsg)
{
	u32 i, n = 0;

	for (i = 0; i < kmsg->ndesc; i++)
		n += kmsg->desc[i].type == MACH_MSG_PORT_DESCRIPTOR ?
		     MACH_PORT_DESC_SIZE : MACH_DESC64_SIZE;
	return n;
}

/*
 * msg_copyout - deliver a dequeued message to the receiver's buffer
 * (and its aux data to the aux buffer of @v, mach_msg2's vectors, if any)
 * Consumes @kmsg.  @port is where it was queued (the receiver holds its
 * receive right).
 * Returns: MACH_MSG_SUCCESS, MACH_RCV_INVALID_DATA (unwritable buffer),
 * or MACH_RCV_HEADER_ERROR / MACH_RCV_BODY_ERROR with the space or memory
 * bit when a right or region could not be given.
 */
static int msg_copyout(struct machina_task *task, struct ipc_kmsg *kmsg,
		       struct ipc_port *port, u64 ubuf, u32 option, u32 tsize,
		       const struct machina_trap_msg2 *v)
{
	struct ipc_space *space = task->space;
	bool guarded_ok = option & MACH_RCV_GUARDED_DESC;
	u32 rsize = ipc_kmsg_rcv_size(kmsg, guarded_ok);
	struct mach_msg_trailer_max trailer;
	struct mach_msg_header hdr = { 0 };
	mach_port_name_t reply_name;
	u8 *descs = NULL, dest_type, reply_type;
	u32 dlen = 0, sent_dbytes = 0;
	int hdr_err = 0, body_err = 0, mr = MACH_MSG_SUCCESS;
	void __user *u = u64_to_user_ptr(ubuf);

	if (kmsg->ndesc) {
		descs = kvmalloc_array(kmsg->ndesc, MACH_DESC64_SIZE, GFP_USER_SIZED);
		if (!descs) {
			ipc_kmsg_destroy(kmsg);
			return MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE;
		}
	}

	if (kmsg->ndesc)
		map_ool_copies(kmsg);
	mutex_lock(&space->lock);
	/* The destination right is used up by the delivery. */
	dest_type = kmsg->remote.type;
	if (dest_type == MACH_MSG_TYPE_PORT_SEND_ONCE) {
		ipc_port_consume_send_once(port_of(kmsg->remote.obj));
	} else {
		ipc_port_release_send(port_of(kmsg->remote.obj));
		ipc_port_put(port_of(kmsg->remote.obj));
	}
	kmsg->remote.obj = NULL;
	spin_lock(&port->lock);
	hdr.msgh_local_port = port->receiver == space ? port->receiver_name : 0;
	spin_unlock(&port->lock);

	reply_type = kmsg->local.obj ? kmsg->local.type : 0;
	if (ipc_right_copyout(space, &kmsg->local, &reply_name))
		hdr_err = MACH_MSG_IPC_SPACE;
	if (kmsg->ndesc) {
		dlen = copyout_body(space, kmsg, guarded_ok, descs, &body_err);
		sent_dbytes = sent_desc_bytes(kmsg);
	}
	mutex_unlock(&space->lock);

	hdr.msgh_bits = MACH_MSGH_BITS(reply_type, dest_type) |
			(kmsg->bits & MACH_MSGH_BITS_COMPLEX);
	hdr.msgh_size = rsize;
	hdr.msgh_remote_port = reply_name;
	hdr.msgh_id = kmsg->id;

	if (!kmsg->ndesc) {
		/*
		 * Header, body and trailer are contiguous in the kmsg (the
		 * body is as sent, rsize == size): one copy.
		 */
		memcpy(ipc_kmsg_header(kmsg), &hdr, HDR_SIZE);
		ipc_kmsg_fill_trailer(kmsg, kmsg->seqno, tsize, true,
				      ipc_kmsg_trailer(kmsg));
		if (copy_to_user(u, ipc_kmsg_header(kmsg), kmsg->size + tsize))
			goto fault;
		goto aux;
	}
	ipc_kmsg_fill_trailer(kmsg, kmsg->seqno, tsize, true, &trailer);
	if (copy_to_user(u, &hdr, sizeof(hdr)))
		goto fault;
	{
		/* count, rewritten descriptors, then the inline data after them */
		u32 rest = kmsg->size - HDR_SIZE - 4 - sent_dbytes;

		if (copy_to_user(u + HDR_SIZE, kmsg->body, 4) ||
		    copy_to_user(u + HDR_SIZE + 4, descs, dlen) ||
		    copy_to_user(u + HDR_SIZE + 4 + dlen,
				 kmsg->body + 4 + sent_dbytes, rest))
			goto fault;
	}
	if (copy_to_user(u + rsize, &trailer, tsize))
		goto fault;
aux:
	if (v && ipc_kmsg_aux_copyout(kmsg, v->aux_rcv_addr, v->aux_rcv_size))
		goto fault;
	goto out;
fault:
	mr = MACH_RCV_INVALID_DATA;
out:
	kvfree(descs);
	ipc_kmsg_free(kmsg);
	if (mr)
		return mr;
	if (hdr_err)
		return MACH_RCV_HEADER_ERROR | hdr_err;
	if (body_err)
		return MACH_RCV_BODY_ERROR | body_err;
	return MACH_MSG_SUCCESS;
}

/*
 * msg_receive - the receive half of mach_msg
 * @self: the caller's thread record (machina_thread_self()) or NULL
 * Conditions: process context, no locks held; sleeps interruptibly
 * (MACH_RCV_TIMEOUT bounds the wait).
 */
static int msg_receive(struct machina_task *task, struct machina_thread *self,
		       u64 ubuf, u32 rcv_size, mach_port_name_t rcv_name,
		       u32 option, u32 timeout, const struct machina_trap_msg2 *v)
{
	struct ipc_space *space = task->space;
	struct ipc_mqueue_rcv rcv = {
		.option = option, .timeout_ms = timeout, .rcv_size = rcv_size,
		.rcv_guarded = !!(option & MACH_RCV_GUARDED_DESC),
		.aux_size = v ? v->aux_rcv_size : 0,
		.vector = v && v->vector,
	};
	struct ipc_object *obj = NULL;
	struct ipc_entry *entry;
	int mr;

	if (GET_RCV_TYPE(option) != MACH_MSG_TRAILER_FORMAT_0)
		return MACH_RCV_INVALID_TRAILER;
	rcv.trailer_size = mach_trailer_size(option);
	ipc_qos_override_receiving(self);

	mutex_lock(&space->lock);
	entry = space->active ? ipc_entry_lookup(space, rcv_name) : NULL;
	if (entry && (entry->type & (MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_PORT_SET))) {
		obj = entry->object;
		ipc_object_get(obj);
	}
	mutex_unlock(&space->lock);
	if (!obj)
		return MACH_RCV_INVALID_NAME;

	mr = ipc_mqueue_receive(space, obj, &rcv);
	ipc_object_put(obj);
	if (mr == MACH_RCV_TOO_LARGE) {
		u32 needed = rcv.needed - rcv.trailer_size;

		if (rcv.kmsg)
			ipc_kmsg_destroy(rcv.kmsg);
		if (rcv.port)
			ipc_port_put(rcv.port);
		/* The size it takes (without trailer), as Darwin reports it. */
		if (option & MACH_RCV_LARGE &&
		    copy_to_user(u64_to_user_ptr(ubuf + offsetof(struct mach_msg_header, msgh_size)),
				 &needed, sizeof(needed)))
			return MACH_RCV_INVALID_DATA;
		/* ... and, asked for, which port of a set the message is on. */
		if (option & MACH_RCV_LARGE && option & MACH_RCV_LARGE_IDENTITY &&
		    copy_to_user(u64_to_user_ptr(ubuf + offsetof(struct mach_msg_header,
								 msgh_local_port)),
				 &rcv.port_name, sizeof(rcv.port_name)))
			return MACH_RCV_INVALID_DATA;
		/* ... and, to an aux buffer, the aux data's size (XNU). */
		if (option & MACH_RCV_LARGE && v && v->aux_rcv_size &&
		    put_user(rcv.aux_needed, (u32 __user *)u64_to_user_ptr(v->aux_rcv_addr)))
			return MACH_RCV_INVALID_DATA;
		return MACH_RCV_TOO_LARGE;
	}
	if (mr)
		return mr;
	ipc_qos_override_received(task, self, rcv.kmsg);
	mr = msg_copyout(task, rcv.kmsg, rcv.port, ubuf, option, rcv.trailer_size, v);
	ipc_port_put(rcv.port);
	return mr;
}

/*
 * msg_call - mach_msg / mach_msg_overwrite, and mach_msg2 with its
 * vectors @v (NULL for the ioctl)
 * Returns: the mach_msg_return_t, or -EINVAL for non-zero flags, reserved
 * or notify fields.
 */
static long msg_call(struct machina_task *task, struct machina_msg *m,
		     const struct machina_trap_msg2 *v)
{
	struct machina_thread *self;
	int mr = MACH_MSG_SUCCESS;

	/* notify carries MACH_SEND_OVERRIDE's priority, else nothing. */
	if (m->flags || m->reserved ||
	    (m->notify && !(m->option & MACH_SEND_OVERRIDE)))
		return -EINVAL;
	if (m->option & ~MACH_MSG_OPTIONS_KNOWN)
		return (m->option & MACH_SEND_MSG) ? MACH_SEND_INVALID_OPTIONS :
						     MACH_RCV_INVALID_NOTIFY;
	/* One look-up for the QoS steps of both halves (ipc_qos_override.h). */
	self = machina_thread_self(task);
	if (m->option & MACH_SEND_MSG) {
		mr = msg_send(task, self, m->msg, m->send_size, m->option,
			      m->timeout, m->notify, v);
		if (mr)
			return mr;
	}
	/* XNU checks a receive vector after the send, which it does not stop. */
	if (m->option & MACH_RCV_MSG && v && v->rcv_error)
		return v->rcv_error;
	if (m->option & MACH_RCV_MSG)
		mr = msg_receive(task, self, m->rcv_msg ? m->rcv_msg : m->msg,
				 m->rcv_size, m->rcv_name, m->option, m->timeout,
				 v);
	return mr;
}

/* machina_call_msg - the ioctl's mach_msg / mach_msg_overwrite */
long machina_call_msg(struct machina_task *task, void *arg)
{
	return msg_call(task, arg, NULL);
}

/* machina_call_msg2 - mach_msg2_trap (trap_table.c's msg2_prep()) */
long machina_call_msg2(struct machina_task *task, void *arg)
{
	struct machina_trap_msg2 *v = arg;

	return msg_call(task, &v->msg, v);
}
