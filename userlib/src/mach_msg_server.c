/*
 * libmach: the generic server loop (mach_msg_server, mach_msg_server_once).
 *
 * A request is received into one buffer, the demux routine (usually MIG's)
 * builds the reply in another, and the reply is sent.  The rules follow
 * Darwin's libsystem:
 *  - a reply whose RetCode is MIG_NO_REPLY is not sent; one whose RetCode
 *    is another error means the routine kept nothing, so the request is
 *    destroyed, except for its reply right, which MIG moved into the reply;
 *    a complex reply is a successful one (its RetCode word is a descriptor
 *    count);
 *  - a reply through a send right (not send-once) is sent with a zero send
 *    timeout, so a client that stopped reading cannot block the server;
 *  - a reply that could not be delivered (dead client, full queue,
 *    interrupted) is handed back by the kernel and destroyed here;
 *  - with MACH_RCV_LARGE, a request too big for the buffer stays queued and
 *    the buffer grows to the size the kernel reported.
 * The loop sends each reply and polls for the next request in one call, and
 * blocks in a plain receive only when nothing was waiting.
 */
#include <string.h>

#include <mach/mach.h>

#include "internal.h"

/* Options that are the loop's to set, not the caller's. */
#define SERVER_OWN_OPTIONS (MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_VOUCHER)

typedef boolean_t (*demux_t)(mach_msg_header_t *, mach_msg_header_t *);

struct server {
	demux_t demux;
	mach_port_t rcv_name;
	mach_msg_option_t options;
	mach_msg_size_t trailer_size; /* requested by options */
	mig_reply_error_t *request;
	vm_size_t request_alloc; /* bytes mapped */
	mach_msg_size_t request_size; /* bytes offered to the kernel */
	mig_reply_error_t *reply;
	vm_size_t reply_alloc;
};

static kern_return_t buffer_alloc(vm_size_t size, mig_reply_error_t **buf)
{
	vm_address_t addr = 0;
	kern_return_t kr;

	kr = vm_allocate(mach_task_self(), &addr, size,
			 VM_MAKE_TAG(VM_MEMORY_MACH_MSG) | VM_FLAGS_ANYWHERE);
	if (kr == KERN_SUCCESS)
		*buf = (mig_reply_error_t *)addr;
	return kr;
}

static void buffer_free(mig_reply_error_t *buf, vm_size_t size)
{
	vm_deallocate(mach_task_self(), (vm_address_t)buf, size);
}

/*
 * Sizes both buffers from max_size and allocates them.  The request buffer
 * also holds the trailer; with MACH_RCV_LARGE it offers the whole mapping,
 * since the pages are there anyway.
 */
static kern_return_t server_init(struct server *s, demux_t demux,
				 mach_msg_size_t max_size, mach_port_t rcv_name,
				 mach_msg_options_t options)
{
	kern_return_t kr;

	memset(s, 0, sizeof(*s));
	s->demux = demux;
	s->rcv_name = rcv_name;
	s->options = options & ~SERVER_OWN_OPTIONS;
	s->trailer_size = REQUESTED_TRAILER_SIZE(s->options);
	if (!demux || max_size > MACH_MSG_SIZE_MAX / 2)
		return KERN_INVALID_ARGUMENT;

	s->reply_alloc = round_page(
		(vm_size_t)max_size +
		((s->options & MACH_SEND_TRAILER) ? MAX_TRAILER_SIZE : 0));
	s->request_alloc = round_page((vm_size_t)max_size + s->trailer_size);
	s->request_size = (s->options & MACH_RCV_LARGE) ?
				  (mach_msg_size_t)s->request_alloc :
				  max_size + s->trailer_size;

	kr = buffer_alloc(s->reply_alloc, &s->reply);
	if (kr != KERN_SUCCESS)
		return kr;
	kr = buffer_alloc(s->request_alloc, &s->request);
	if (kr != KERN_SUCCESS) {
		buffer_free(s->reply, s->reply_alloc);
		s->reply = NULL;
	}
	return kr;
}

static void server_fini(struct server *s)
{
	if (s->request)
		buffer_free(s->request, s->request_alloc);
	if (s->reply)
		buffer_free(s->reply, s->reply_alloc);
}

/*
 * After MACH_RCV_TOO_LARGE under MACH_RCV_LARGE: the request is still
 * queued and the kernel wrote its size into the buffer's header.
 */
static kern_return_t grow_request(struct server *s)
{
	vm_size_t size = round_page((vm_size_t)s->request->Head.msgh_size +
				    s->trailer_size);
	mig_reply_error_t *bigger;
	kern_return_t kr;

	if (size > MACH_MSG_SIZE_MAX)
		return MACH_RCV_TOO_LARGE;
	kr = buffer_alloc(size, &bigger);
	if (kr != KERN_SUCCESS)
		return kr;
	buffer_free(s->request, s->request_alloc);
	s->request = bigger;
	s->request_alloc = size;
	s->request_size = (mach_msg_size_t)size;
	return KERN_SUCCESS;
}

static mach_msg_return_t receive(struct server *s)
{
	return mach_msg(&s->request->Head, MACH_RCV_MSG | s->options, 0,
			s->request_size, s->rcv_name, MACH_MSG_TIMEOUT_NONE,
			MACH_PORT_NULL);
}

/*
 * Runs demux on the received request and settles the request's fate.
 * Returns whether there is a reply to send.
 */
static boolean_t serve(struct server *s)
{
	mig_reply_error_t *reply = s->reply;
	kern_return_t status;

	memset(&reply->Head, 0, sizeof(reply->Head));
	reply->RetCode = KERN_SUCCESS;
	(void)s->demux(&s->request->Head, &reply->Head);

	status = (reply->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) ?
			 KERN_SUCCESS :
			 reply->RetCode;
	if (status == MIG_NO_REPLY) {
		reply->Head.msgh_remote_port = MACH_PORT_NULL;
	} else if (status != KERN_SUCCESS) {
		s->request->Head.msgh_remote_port = MACH_PORT_NULL;
		mach_msg_destroy(&s->request->Head);
	}
	return reply->Head.msgh_remote_port != MACH_PORT_NULL;
}

/* Send options for the reply; see the zero-timeout rule above. */
static mach_msg_option_t reply_options(struct server *s)
{
	mach_msg_option_t opt = MACH_SEND_MSG | s->options;

	if (MACH_MSGH_BITS_REMOTE(s->reply->Head.msgh_bits) !=
	    MACH_MSG_TYPE_MOVE_SEND_ONCE)
		opt |= MACH_SEND_TIMEOUT;
	return opt;
}

/* Send failures after which the kernel handed the whole reply back. */
static boolean_t reply_came_back(mach_msg_return_t mr)
{
	return mr == MACH_SEND_INVALID_DEST || mr == MACH_SEND_TIMED_OUT ||
	       mr == MACH_SEND_INTERRUPTED;
}

/*
 * Releases a reply the kernel did not deliver.  mach_msg_destroy leaves the
 * local port alone (on a received message it holds no right), but a reply
 * that was never sent may still hold one there.
 */
static void discard_reply(mach_msg_header_t *hdr)
{
	switch (MACH_MSGH_BITS_LOCAL(hdr->msgh_bits)) {
	case MACH_MSG_TYPE_MOVE_SEND:
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
		if (MACH_PORT_VALID(hdr->msgh_local_port))
			mach_port_deallocate(mach_task_self(),
					     hdr->msgh_local_port);
		hdr->msgh_local_port = MACH_PORT_NULL;
		break;
	}
	mach_msg_destroy(hdr);
}

LIBMACH_EXPORT mach_msg_return_t
mach_msg_server_once(demux_t demux, mach_msg_size_t max_size,
		     mach_port_t rcv_name, mach_msg_options_t options)
{
	struct server s;
	mach_msg_return_t mr;

	mr = server_init(&s, demux, max_size, rcv_name, options);
	if (mr != KERN_SUCCESS)
		goto out;

	for (;;) {
		mr = receive(&s);
		if (mr != MACH_RCV_TOO_LARGE || !(s.options & MACH_RCV_LARGE))
			break;
		mr = grow_request(&s);
		if (mr != KERN_SUCCESS)
			goto out;
	}
	if (mr != MACH_MSG_SUCCESS)
		goto out;

	if (serve(&s)) {
		mr = mach_msg(&s.reply->Head, reply_options(&s),
			      s.reply->Head.msgh_size, 0, MACH_PORT_NULL,
			      MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
		/* The client's problem, not the server's: not an error here. */
		if (reply_came_back(mr)) {
			discard_reply(&s.reply->Head);
			mr = MACH_MSG_SUCCESS;
		}
	}
out:
	server_fini(&s);
	return mr;
}

LIBMACH_EXPORT mach_msg_return_t mach_msg_server(demux_t demux,
						 mach_msg_size_t max_size,
						 mach_port_t rcv_name,
						 mach_msg_options_t options)
{
	struct server s;
	mach_msg_return_t mr;

	mr = server_init(&s, demux, max_size, rcv_name, options);
	if (mr != KERN_SUCCESS)
		goto out;

	mr = receive(&s);
	for (;;) {
		while (mr == MACH_MSG_SUCCESS) {
			if (!serve(&s)) {
				mr = receive(&s);
				continue;
			}
			/*
			 * Reply, and take the next request if one is already
			 * queued (receive timeout 0).  The request buffer is
			 * free again: demux is done with it.
			 */
			mr = mach_msg_overwrite(
				&s.reply->Head,
				reply_options(&s) | MACH_RCV_MSG |
					MACH_RCV_TIMEOUT,
				s.reply->Head.msgh_size, s.request_size,
				s.rcv_name, MACH_MSG_TIMEOUT_NONE,
				MACH_PORT_NULL, &s.request->Head, 0);
			if (reply_came_back(mr)) {
				discard_reply(&s.reply->Head);
				mr = receive(&s);
			} else if (mr == MACH_RCV_TIMED_OUT) {
				/* Replied; nothing waiting: block for more. */
				mr = receive(&s);
			}
		}
		if (mr != MACH_RCV_TOO_LARGE || !(s.options & MACH_RCV_LARGE))
			break;
		mr = grow_request(&s);
		if (mr != KERN_SUCCESS)
			break;
		mr = receive(&s);
	}
out:
	server_fini(&s);
	return mr;
}

LIBMACH_EXPORT mach_msg_return_t
mach_msg_server_importance(demux_t demux, mach_msg_size_t max_size,
			   mach_port_t rcv_name, mach_msg_options_t options)
{
	return mach_msg_server(demux, max_size, rcv_name, options);
}
