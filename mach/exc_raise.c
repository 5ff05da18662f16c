// SPDX-License-Identifier: GPL-2.0
/*
 * Raising an exception (exc_raise.h): build Darwin's request, send it to
 * one level's handler, wait for the answer, and try the levels in XNU's
 * order.
 *
 * The request, as exc.defs / mach_exc.defs lay it out (MIG, packed to 4):
 *   header 24, body count 2 @24, thread port descriptor @28, task port
 *   descriptor @40, NDR @52, exception @60, codeCnt @64 (always 2),
 *   code[2] @68: 32-bit (exception_raise, 2401, 76 bytes) or 64-bit
 *   (mach_exception_raise, 2405, 84 bytes; MACH_EXCEPTION_CODES).
 * The descriptors move new send rights to the faulting thread's and task's
 * control ports of the running image (Machina's equivalent of XNU's
 * developer mode): a request built before an exec names ports that die
 * with that image.  The reply (id + 100): header, NDR, RetCode @32, 36
 * bytes, not complex.
 *
 * Sending ignores the handler port's queue limit, as XNU's kernel sends
 * do; each waiting thread has one request in flight, so the faulting
 * threads bound them.  The request is allocated by the faulting thread
 * (GFP_KERNEL_ACCOUNT: its memory cgroup pays).  The wait is
 * TASK_KILLABLE | TASK_FREEZABLE: a handler that never answers holds only
 * the faulting thread, which SIGKILL (exec's de_thread, a core dump's
 * zap_threads) frees; ordinary signals do not end it, as on XNU.
 *
 * Results of one level (XNU's exception_deliver): KERN_SUCCESS or the
 * handler's RetCode; KERN_FAILURE for an action this slice does not
 * deliver (a state or identity-protected behavior);
 * MACH_SEND_INVALID_DEST for a dead handler port (or a kernel object's);
 * MIG_REPLY_MISMATCH when the reply right came back as a send-once
 * notification (the handler's port died with the request queued, or the
 * handler dropped the right) or the reply is malformed;
 * MACH_RCV_PORT_DIED when the wait ended by a fatal signal.  Triage stops
 * at KERN_SUCCESS and MACH_RCV_PORT_DIED and goes on for every other.
 */
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait.h>

#include "mach/exc_action.h"
#include "mach/exc_raise.h"
#include "mach/ipc_kmsg.h"
#include "mach/ipc_kobject.h"
#include "mach/ipc_mqueue.h"
#include "mach/ipc_port.h"
#include "mach/kern_return.h"
#include "mach/task.h"
#include "mach/thread.h"

#define EXC_RAISE_ID		2401	/* exception_raise */
#define MACH_EXC_RAISE_ID	2405	/* mach_exception_raise */
#define EXC_REPLY_SIZE		(24 + 8 + 4)

/* Offsets in the body (after the 24-byte header). */
#define BODY_NDR	28
#define BODY_EXCEPTION	36
#define BODY_CODE_CNT	40
#define BODY_CODE	44

static const u8 ndr_native[8] = { 0, 0, 0, 0, 1, 0, 0, 0 };

/*
 * One delivery's wait, on the raising thread's stack; the reply port's
 * kobject while it waits.  reply and done: under the reply port's lock.
 */
struct exc_wait {
	wait_queue_head_t wq;
	struct ipc_kmsg *reply;		/* the answer, or the send-once notification */
	bool done;
};

/*
 * machina_exc_reply - a message sent to an exception reply port: the
 * first one is the answer (a reply or the send-once notification) and
 * wakes the raise; any later one, or one after the raise stopped waiting,
 * is destroyed
 * Consumes @kmsg.  Conditions: process context, no IPC lock held (called
 * by ipc_kobject_server()).
 */
void machina_exc_reply(struct ipc_kmsg *kmsg)
{
	struct ipc_port *port = ipc_port_from_object(kmsg->remote.obj);
	struct exc_wait *w;

	/*
	 * The message used up its send-once right (the only kind to this
	 * port).  Taken out now: destroying the message with it would send
	 * this port a send-once notification, and that one another.
	 */
	ipc_port_get(port);
	if (kmsg->remote.type == MACH_MSG_TYPE_PORT_SEND_ONCE) {
		kmsg->remote.obj = NULL;
		ipc_port_consume_send_once(port);
	}
	spin_lock(&port->lock);
	w = port->active && port->kobject_type == IKOT_EXC_REPLY ? port->kobject : NULL;
	if (w && !w->done) {
		w->reply = kmsg;
		w->done = true;
		/* Under the lock: the waiter's frame lives until it takes it. */
		wake_up(&w->wq);
		kmsg = NULL;
	}
	spin_unlock(&port->lock);
	ipc_port_put(port);
	if (kmsg)
		ipc_kmsg_destroy(kmsg);
}

/*
 * reply_code - the result an answer to request @id carries: its RetCode,
 * or MIG_REPLY_MISMATCH for anything but a well-formed reply
 */
static int reply_code(struct ipc_kmsg *reply, s32 id)
{
	s32 ret;

	if (reply->id != id + 100 || reply->size != EXC_REPLY_SIZE ||
	    (reply->bits & MACH_MSGH_BITS_COMPLEX) || reply->ndesc)
		return MIG_REPLY_MISMATCH;
	memcpy(&ret, reply->body + 8, sizeof(ret));
	return ret;
}

/* put_right - a right the message moves: @port's reference moves into it. */
static void put_right(struct ipc_msg_right *r, struct ipc_port *port, u8 disp, u8 type)
{
	r->obj = &port->obj;
	r->disp = disp;
	r->type = type;
}

/*
 * build - the request of @f for @thread of @task, to @dest (its send right
 * and reference move into the message), with a send-once right to @reply
 * Returns: the message, or NULL (no memory; @dest's right is released).
 * Conditions: process context, no locks held; the caller runs in @task's
 * current image.
 */
static struct ipc_kmsg *build(struct machina_task *task, struct machina_thread *thread,
			      const struct machina_exc_fault *f, struct ipc_port *dest,
			      bool code64, struct ipc_port *reply)
{
	u32 size = code64 ? 84 : 76, count = 2, cnt = 2;
	struct ipc_port *tport = NULL, *kport;
	struct ipc_kmsg *kmsg;
	int kr;

	kmsg = ipc_kmsg_alloc(size);
	if (!kmsg)
		goto fail;
	kmsg->desc = kcalloc(2, sizeof(*kmsg->desc), GFP_KERNEL_ACCOUNT);
	if (!kmsg->desc)
		goto free;
	tport = machina_thread_port(thread, &kr);
	if (!tport)
		goto free;
	kport = machina_task_port(task, MACHINA_TASK_CONTROL, machina_image_gen(task->tgid));
	if (!kport)
		goto free;

	ipc_kmsg_set_sender_kernel(kmsg);
	kmsg->id = code64 ? MACH_EXC_RAISE_ID : EXC_RAISE_ID;
	kmsg->bits = MACH_MSGH_BITS_COMPLEX;
	put_right(&kmsg->remote, dest, MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_PORT_SEND);
	ipc_port_make_send_once(reply);
	ipc_port_get(reply);
	put_right(&kmsg->local, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE,
		  MACH_MSG_TYPE_PORT_SEND_ONCE);
	kmsg->ndesc = 2;
	kmsg->desc[0].type = MACH_MSG_PORT_DESCRIPTOR;
	ipc_port_make_send(tport);
	put_right(&kmsg->desc[0].right, tport, MACH_MSG_TYPE_MOVE_SEND,
		  MACH_MSG_TYPE_PORT_SEND);
	kmsg->desc[1].type = MACH_MSG_PORT_DESCRIPTOR;
	ipc_port_make_send(kport);
	put_right(&kmsg->desc[1].right, kport, MACH_MSG_TYPE_MOVE_SEND,
		  MACH_MSG_TYPE_PORT_SEND);

	/* Every byte is written: the descriptors' at copyout, the rest here. */
	memset(kmsg->body, 0, size - 24);
	memcpy(kmsg->body, &count, sizeof(count));
	memcpy(kmsg->body + BODY_NDR, ndr_native, sizeof(ndr_native));
	memcpy(kmsg->body + BODY_EXCEPTION, &f->type, sizeof(s32));
	memcpy(kmsg->body + BODY_CODE_CNT, &cnt, sizeof(cnt));
	if (code64) {
		memcpy(kmsg->body + BODY_CODE, f->code, 2 * sizeof(s64));
	} else {
		/* XNU truncates each code to 32 bits (CAST_DOWN_EXPLICIT). */
		s32 small[2] = { (s32)f->code[0], (s32)f->code[1] };

		memcpy(kmsg->body + BODY_CODE, small, sizeof(small));
	}
	return kmsg;

free:
	ipc_port_put(tport);
	ipc_kmsg_free(kmsg);
fail:
	machina_port_release_send_right(dest);
	return NULL;
}

/*
 * send - queue @kmsg on its destination whatever the queue limit
 * Consumes @kmsg.  Returns: KERN_SUCCESS, or MACH_SEND_INVALID_DEST for a
 * dead port or a kernel object's (the message is destroyed).
 * Conditions: process context, no locks held.
 */
static int send(struct ipc_kmsg *kmsg)
{
	struct ipc_port *dest = ipc_port_from_object(kmsg->remote.obj);

	spin_lock(&dest->lock);
	if (dest->active && !dest->kobject_type) {
		ipc_mqueue_enqueue_locked(dest, kmsg);
		spin_unlock(&dest->lock);
		return KERN_SUCCESS;
	}
	spin_unlock(&dest->lock);
	ipc_kmsg_destroy(kmsg);
	return MACH_SEND_INVALID_DEST;
}

/*
 * deliver - raise @f at one level whose action is @act (its send right
 * and reference are consumed), and wait for the answer
 * Returns: the level's result (top of file).
 * Conditions: process context of the faulting thread, no locks held; may
 * sleep.
 */
static int deliver(struct machina_task *task, struct machina_thread *thread,
		   const struct machina_exc_fault *f, struct machina_exc_action *act)
{
	u32 behavior = (u32)act->behavior;
	bool code64 = behavior & MACH_EXCEPTION_CODES;
	struct exc_wait w = { .reply = NULL, .done = false };
	struct ipc_port *reply;
	struct ipc_kmsg *kmsg, *answer;
	int kr;

	if ((behavior & ~MACH_EXCEPTION_MASK) != EXCEPTION_DEFAULT) {
		machina_port_release_send_right(act->port);
		return KERN_FAILURE;
	}
	init_waitqueue_head(&w.wq);
	reply = ipc_kobject_alloc_port(IKOT_EXC_REPLY, &w);
	if (!reply) {
		machina_port_release_send_right(act->port);
		return KERN_RESOURCE_SHORTAGE;
	}
	kmsg = build(task, thread, f, act->port, code64, reply);
	kr = kmsg ? send(kmsg) : KERN_RESOURCE_SHORTAGE;
	if (!kr &&
	    wait_event_state(w.wq, READ_ONCE(w.done), (TASK_KILLABLE | TASK_FREEZABLE)))
		kr = MACH_RCV_PORT_DIED;

	/* No answer reaches @w after this: the port dies without its kobject. */
	spin_lock(&reply->lock);
	reply->kobject = NULL;
	answer = w.reply;
	w.reply = NULL;
	spin_unlock(&reply->lock);
	ipc_port_destroy(reply);
	ipc_port_put(reply);

	/* An answer that came in before the kill still counts. */
	if (answer) {
		kr = reply_code(answer, code64 ? MACH_EXC_RAISE_ID : EXC_RAISE_ID);
		ipc_kmsg_destroy(answer);
	}
	return kr;
}

/*
 * machina_exc_raise - exception_triage_thread: raise @f to @thread's
 * action, then @task's, then the host's, stopping at the first
 * KERN_SUCCESS or MACH_RCV_PORT_DIED
 * Conditions: process context of @thread (the faulting thread, a thread of
 * @task; both held by the caller), no locks held; may sleep.
 * Returns: the last level's result; KERN_FAILURE when no level has a
 * handler for the type.  KERN_SUCCESS: the thread resumes;
 * MACH_RCV_PORT_DIED: a fatal signal ends it; anything else: declined.
 */
int machina_exc_raise(struct machina_task *task, struct machina_thread *thread,
		      const struct machina_exc_fault *f)
{
	struct machina_exc_action *task_table = task->exc;
	struct machina_exc_level levels[3];
	struct machina_exc_action act;
	int i, kr = KERN_FAILURE;

	machina_exc_thread_level(thread, &levels[0]);
	levels[1].lock = &task->itk_lock;
	levels[1].table = &task_table;
	levels[1].closed = &task->itk_dead;
	levels[1].owner = task;
	machina_host_exc_level(&levels[2]);
	levels[2].owner = NULL;

	for (i = 0; i < ARRAY_SIZE(levels); i++) {
		if (fatal_signal_pending(current))
			return MACH_RCV_PORT_DIED;
		if (!machina_exc_snapshot(&levels[i], f->type, &act))
			continue;
		kr = deliver(task, thread, f, &act);
		if (kr == KERN_SUCCESS || kr == MACH_RCV_PORT_DIED)
			break;
	}
	return kr;
}
