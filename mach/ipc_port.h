/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mach ports.
 *
 * A port is a message queue with rights to it.  Exactly one receive right
 * exists while the port is active; it is in one of three places:
 *   in a space      receiver != NULL, receiver_name is its name there;
 *   in transit      receiver == NULL, the right travels inside a message
 *                   (or sits in a port-destroyed notification);
 *   in the kernel   kobject != NULL: a kernel-object port (a task port);
 *                   messages to it are served by the kernel.
 * A port dies (active = false) when its receive right is destroyed without a
 * port-destroyed request, or when its kernel object goes away.  After death
 * every send and send-once right to it reads as a dead name (converted
 * lazily, when a space next looks at the entry), queued messages are
 * destroyed, and dead-name requests fire.
 *
 * Counting: srights counts send rights (one per space entry holding send
 * rights, whatever its urefs, plus one per send right in transit or held by
 * a descriptor); sorights counts send-once rights.  When srights drops to
 * zero and a no-senders request is armed with mscount >= its sync value, the
 * no-senders notification is sent; a kernel object that lives only while
 * someone can name it (a memory entry) is told instead
 * (ipc_kobject_no_senders()).
 *
 * Locking: port->lock (spinlock) protects every field below it.  Lock order:
 * space->lock (mutex) -> transit lock (mutex, ipc_port.c: a receive right
 * starting to travel) -> pset->lock -> port->lock -> the lock of
 * port->rcv_wq (a sender hands a message to a waiting receiver under both,
 * ipc_mqueue.c); never two port locks at once.  Notifications and message destruction happen after the port lock
 * is dropped.
 */
#ifndef _MACHINA_IPC_PORT_H
#define _MACHINA_IPC_PORT_H

#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "mach/ipc_abi.h"
#include "mach/ipc_object.h"

struct ipc_space;
struct ipc_kmsg;
struct machina_thread;
struct ipc_mqueue_handoff;

enum ipc_kobject_type {
	IKOT_NONE = 0,
	IKOT_THREAD = 1,	/* Darwin's IKOT_THREAD_CONTROL */
	IKOT_TASK = 2,		/* Darwin's IKOT_TASK_CONTROL */
	IKOT_HOST = 3,
	IKOT_HOST_PRIV = 4,
	IKOT_TASK_NAME = 20,
	IKOT_SEMAPHORE = 23,
	IKOT_CLOCK = 25,
	IKOT_TASK_INSPECT = 26,	/* Darwin's 44, renumbered to fit IKOT_BIT() */
	IKOT_TASK_READ = 27,	/* Darwin's 45, likewise */
	IKOT_NAMED_ENTRY = 28,	/* a Mach VM memory entry (xnu_vm/) */
	IKOT_TIMER = 31,
};

/*
 * A dead-name or send-possible request registered on a name.  Two
 * references: the entry's (entry->request) and, while linked, the port's
 * list.  Port death marks it fired and sends the notification; the entry
 * then owes its name one more user reference (the one the notification
 * carries) and drops the request the next time the space looks at it.
 */
struct ipc_request {
	refcount_t ref;
	struct list_head port_link;	/* port->requests, under port->lock */
	struct ipc_port *notify;	/* send-once right for the notification */
	struct ipc_kmsg *msg;		/* its message, preallocated; NULL once used */
	mach_port_name_t name;
	u8 kind;			/* MACH_NOTIFY_DEAD_NAME or _SEND_POSSIBLE */
	bool fired;			/* the port died; the name owes a uref */
	bool armed;			/* send-possible: waiting for room */
};

struct ipc_port {
	struct ipc_object obj;
	spinlock_t lock;

	bool active;
	struct ipc_space *receiver;	/* space of the receive right, or NULL */
	mach_port_name_t receiver_name;
	/*
	 * In transit: the port whose queue holds the message carrying this
	 * port's receive right (a reference), so a send that would close a
	 * loop of receive rights carried by each other can be refused.
	 */
	struct ipc_port *destination;

	u32 srights;
	u32 sorights;
	u32 mscount;
	u32 seqno;
	u32 qlimit;
	u32 msgcount;			/* queued messages */
	u32 reserved;			/* queue slots held by senders copying in */

	struct ipc_port *nsrequest;	/* send-once right, or NULL */
	u32 ns_sync;
	struct ipc_port *pdrequest;	/* send-once right, or NULL */
	struct list_head requests;	/* struct ipc_request */

	struct list_head messages;	/* struct ipc_kmsg, FIFO */
	wait_queue_head_t rcv_wq;	/* receivers and pollers */
	/*
	 * A message being handed straight to a waiting receiver: set only
	 * for the length of the sender's wake-up of rcv_wq, under port->lock
	 * (ipc_mqueue.c, "hand-off").
	 */
	struct ipc_mqueue_handoff *handoff;
	wait_queue_head_t snd_wq;	/* senders waiting for room */
	struct list_head memberships;	/* struct ipc_pset_member */

	u64 context;
	bool guarded;
	bool strict_guard;
	bool immovable_receive;
	/*
	 * Made by thread_get_special_reply_port (mach/special_reply.c); set
	 * before the name is published and never cleared (XNU keeps its
	 * ip_specialreply after the thread lets go of the port): the receive
	 * right never moves, and no port-destroyed request or importance
	 * attribute is taken for it.
	 */
	bool special_reply;
	u32 tempowner_flags;		/* MPO hints kept for RECEIVE_STATUS */

	enum ipc_kobject_type kobject_type;
	void *kobject;
	/*
	 * Task, task name and thread ports: the exec image (the thread
	 * group's self_exec_id) the port was made for; set before the port
	 * is published, never changed.  ipc_kobject_lookup() refuses the
	 * port once its process runs another image.
	 */
	u64 kobject_gen;
	/*
	 * A timer port (mk_timer_create): an ordinary receive right whose port
	 * also carries a timer.  Taken away (and the timer torn down) when the
	 * port dies.
	 */
	struct mk_timer *timer;
	/*
	 * A reply port: the thread its message lifted (ipc_qos_override.h),
	 * a reference; only while active.
	 */
	struct machina_thread *qos_servicer;
};

static inline struct ipc_port *ipc_port_from_object(struct ipc_object *obj)
{
	return container_of(obj, struct ipc_port, obj);
}

static inline void ipc_port_get(struct ipc_port *port)
{
	ipc_object_get(&port->obj);
}

static inline void ipc_port_put(struct ipc_port *port)
{
	if (port)
		ipc_object_put(&port->obj);
}

struct ipc_port *ipc_port_alloc(void);
/* mach_port.c: a new port whose receive right is named in a space. */
int ipc_port_new_receive(struct ipc_space *space, struct ipc_port **portp,
			 mach_port_name_t *namep, mach_port_name_t want);
void ipc_port_receive_add_send(struct ipc_space *space, struct ipc_port *port,
			       mach_port_name_t name);
void ipc_port_free(struct ipc_port *port);
long ipc_port_live_count(void);

/* Right accounting; each takes and drops port->lock itself. */
void ipc_port_make_send(struct ipc_port *port);
void ipc_port_copy_send(struct ipc_port *port);
bool ipc_port_copy_send_live(struct ipc_port *port);
void ipc_port_make_send_once(struct ipc_port *port);
void ipc_port_release_send(struct ipc_port *port);
void ipc_port_release_send_once(struct ipc_port *port);
void ipc_port_release_receive(struct ipc_port *port);
void ipc_port_consume_send_once(struct ipc_port *port);

void ipc_port_destroy(struct ipc_port *port);
void ipc_port_defer_receive(struct ipc_port *port, struct list_head *dying);
void ipc_port_drain_dying(struct list_head *dying);
void ipc_port_kobject_destroy(struct ipc_port *port);

bool ipc_port_has_room(struct ipc_port *port);
void ipc_port_transit_lock(void);
void ipc_port_transit_unlock(void);
bool ipc_port_would_loop(struct ipc_port *port, struct ipc_port *dest);
struct ipc_port *ipc_port_transit_end(struct ipc_port *dest);
void ipc_port_set_destination(struct ipc_port *port, struct ipc_port *dest);
void ipc_port_receive_arrived(struct ipc_port *port, struct ipc_space *space,
			      mach_port_name_t name);

struct ipc_request *ipc_request_alloc(u8 kind, mach_port_name_t name,
				      struct ipc_port *notify);
void ipc_request_put(struct ipc_request *req);

#endif /* _MACHINA_IPC_PORT_H */
