// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel messages: allocation, destruction, kernel delivery.  Ownership is
 * described in ipc_kmsg.h.
 */
#include <linux/atomic.h>
#include <linux/llist.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "mach/ipc_kmsg.h"
#include "mach/ipc_kobject.h"
#include "mach/ipc_mqueue.h"
#include "mach/ipc_port.h"
#include "mach/task.h"

unsigned int machina_max_msg_size = 4u << 20;
module_param_named(max_msg_size, machina_max_msg_size, uint, 0644);
MODULE_PARM_DESC(max_msg_size,
		 "Largest inline message in bytes (at least 256 KiB; MACH_SEND_TOO_LARGE beyond)");

unsigned long machina_max_queued_bytes = 256ul << 20;
module_param_named(max_queued_bytes, machina_max_queued_bytes, ulong, 0644);
MODULE_PARM_DESC(max_queued_bytes,
		 "Bytes of messages (inline and out-of-line) one task may have in flight (MACH_SEND_NO_BUFFER beyond)");

static atomic_long_t live_kmsgs = ATOMIC_LONG_INIT(0);

long ipc_kmsg_live_count(void)
{
	return atomic_long_read(&live_kmsgs);
}

/*
 * Receive rights found in destroyed messages die here, one at a time, so
 * that destroying a port whose queue holds a message holding a receive
 * right (and so on) is a loop, not a recursion.
 */
struct dying_receive {
	struct llist_node node;
	struct ipc_port *port;
};
static LLIST_HEAD(dying_receives);
static struct workqueue_struct *kmsg_wq;

static void dying_receive_work(struct work_struct *work)
{
	struct llist_node *list;
	struct dying_receive *d, *tmp;

	while ((list = llist_del_all(&dying_receives))) {
		llist_for_each_entry_safe(d, tmp, list, node) {
			ipc_port_release_receive(d->port);
			ipc_port_put(d->port);
			kfree(d);
		}
	}
}
static DECLARE_WORK(dying_work, dying_receive_work);

static void defer_receive_destroy(struct ipc_port *port)
{
	struct dying_receive *d = kmalloc(sizeof(*d), GFP_KERNEL | __GFP_NOFAIL);

	d->port = port;
	llist_add(&d->node, &dying_receives);
	queue_work(kmsg_wq, &dying_work);
}

/*
 * ipc_msg_right_destroy - release a right held by a message
 * Consumes the reference.  Conditions: process context, no port lock held.
 */
void ipc_msg_right_destroy(struct ipc_msg_right *r)
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
		defer_receive_destroy(port);
		break;
	default:
		WARN_ON_ONCE(1);
		ipc_port_put(port);
	}
}

struct ipc_kmsg *ipc_kmsg_alloc(u32 size)
{
	struct ipc_kmsg *kmsg;

	/* Only the bookkeeping is zeroed; the body is always written in full. */
	kmsg = kvmalloc(sizeof(*kmsg) + size, GFP_KERNEL_ACCOUNT);
	if (!kmsg)
		return NULL;
	memset(kmsg, 0, sizeof(*kmsg));
	INIT_LIST_HEAD(&kmsg->link);
	kmsg->size = size;
	kmsg->body = (u8 *)(kmsg + 1) + sizeof(struct mach_msg_header);
	atomic_long_inc(&live_kmsgs);
	return kmsg;
}

/* Free the memory only: every right has been consumed or released. */
void ipc_kmsg_free(struct ipc_kmsg *kmsg)
{
	u32 i;

	for (i = 0; i < kmsg->ndesc; i++) {
		kvfree(kmsg->desc[i].data);
		kvfree(kmsg->desc[i].rights);
	}
	kvfree(kmsg->desc);
	if (kmsg->charge_task) {
		machina_task_uncharge(kmsg->charge_task, kmsg->charge);
		machina_task_put(kmsg->charge_task);
	}
	put_pid(kmsg->sender_pid);
	atomic_long_dec(&live_kmsgs);
	kvfree(kmsg);
}

/*
 * ipc_kmsg_destroy - a message nobody will receive
 * Releases its rights (sending the notifications that implies) and memory.
 * Conditions: process context, no IPC lock held.
 */
void ipc_kmsg_destroy(struct ipc_kmsg *kmsg)
{
	u32 i, j;

	ipc_msg_right_destroy(&kmsg->remote);
	ipc_msg_right_destroy(&kmsg->local);
	for (i = 0; i < kmsg->ndesc; i++) {
		struct ipc_kmsg_desc *d = &kmsg->desc[i];

		switch (d->type) {
		case MACH_MSG_PORT_DESCRIPTOR:
		case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
			ipc_msg_right_destroy(&d->right);
			break;
		case MACH_MSG_OOL_PORTS_DESCRIPTOR:
			for (j = 0; d->rights && j < d->count; j++)
				ipc_msg_right_destroy(&d->rights[j]);
			break;
		}
	}
	ipc_kmsg_free(kmsg);
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
 * Kernel messages ignore the queue limit.  A dead destination destroys the
 * message.  Conditions: process context, no port lock held.
 */
void ipc_kmsg_deliver_kernel(struct ipc_kmsg *kmsg)
{
	struct ipc_port *dest = ipc_port_from_object(kmsg->remote.obj);

	spin_lock(&dest->lock);
	if (dest->active && !dest->kobject_type) {
		ipc_mqueue_enqueue_locked(dest, kmsg);
		spin_unlock(&dest->lock);
		return;
	}
	spin_unlock(&dest->lock);
	if (dest->active)
		ipc_kobject_server(kmsg);
	else
		ipc_kmsg_destroy(kmsg);
}

int ipc_kmsg_init(void)
{
	kmsg_wq = alloc_workqueue("machina_ipc", WQ_UNBOUND, 0);
	return kmsg_wq ? 0 : -ENOMEM;
}

/* Conditions: module exit; every task is gone. */
void ipc_kmsg_exit(void)
{
	flush_workqueue(kmsg_wq);
	destroy_workqueue(kmsg_wq);
}
