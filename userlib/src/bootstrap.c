/*
 * libmach: the bootstrap calls (<servers/bootstrap.h>), as MIG-style RPCs
 * to machina-bootstrap in the protocol of userlib/bootstrap/protocol.h.
 *
 * Each call is one mach_msg that sends the request and receives the reply
 * on the thread's MIG reply port.  If the server dies holding the request,
 * the send-once reply right dies with it and the kernel's send-once
 * notification arrives instead of a reply: that is MIG_SERVER_DIED, never a
 * hang.  A dead or null bootstrap port is MACH_SEND_INVALID_DEST.
 */
#include <string.h>

#include <mach/mach.h>
#include <mach/mig.h>
#include <mach/mig_errors.h>
#include <mach/notify.h>
#include <servers/bootstrap.h>

#include "internal.h"
#include "userlib/bootstrap/protocol.h"

/* A reply as received: the largest reply and the largest trailer. */
struct bs_reply {
	union {
		mach_msg_header_t head;
		bs_port_reply_t port;
		mig_reply_error_t error;
	};
	mach_msg_max_trailer_t trailer;
};

/*
 * copy_name - put a service name into a request's name_t field
 * Returns BOOTSTRAP_SUCCESS, or BOOTSTRAP_BAD_COUNT for a name that does not
 * fit name_t with its NUL (Machina's choice: it is refused, not truncated).
 */
static kern_return_t copy_name(char *field, const char *name)
{
	size_t len;

	if (!name)
		return KERN_INVALID_ARGUMENT;
	len = strnlen(name, BOOTSTRAP_MAX_NAME_LEN);
	if (len >= BOOTSTRAP_MAX_NAME_LEN)
		return BOOTSTRAP_BAD_COUNT;
	memset(field, 0, BOOTSTRAP_MAX_NAME_LEN);
	memcpy(field, name, len);
	return BOOTSTRAP_SUCCESS;
}

/*
 * bs_rpc - send a request to the bootstrap server and receive its reply
 * req's id, size and body are set by the caller; the header's rights are
 * set here.  rep may be req's own buffer.  On success *rep holds a reply
 * with the expected id.
 * Returns MACH_MSG_SUCCESS, a mach_msg error (the reply port is discarded
 * after a receive error, as MIG stubs do), MIG_SERVER_DIED or
 * MIG_REPLY_MISMATCH.
 */
static kern_return_t bs_rpc(mach_port_t bp, mach_msg_header_t *req,
			    struct bs_reply *rep)
{
	mach_port_t reply_port = mig_get_reply_port();
	mach_msg_id_t id = req->msgh_id; /* rep may share req's buffer */
	mach_msg_return_t mr;

	req->msgh_bits |= MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
					 MACH_MSG_TYPE_MAKE_SEND_ONCE);
	req->msgh_remote_port = bp;
	req->msgh_local_port = reply_port;
	req->msgh_voucher_port = MACH_PORT_NULL;

	mr = mach_msg(req, MACH_SEND_MSG | MACH_RCV_MSG, req->msgh_size,
		      sizeof(*rep), reply_port, MACH_MSG_TIMEOUT_NONE,
		      MACH_PORT_NULL);
	if (mr != MACH_MSG_SUCCESS) {
		/* After a receive error a late reply may still come. */
		if ((mr & ~(MACH_MSG_MASK | 0xff)) ==
		    (MACH_RCV_IN_PROGRESS & ~0xff))
			mig_dealloc_reply_port(reply_port);
		return mr;
	}
	if (rep->head.msgh_id == MACH_NOTIFY_SEND_ONCE) {
		mach_msg_destroy(&rep->head);
		return MIG_SERVER_DIED;
	}
	if (rep->head.msgh_id != BS_REPLY_ID(id)) {
		mach_msg_destroy(&rep->head);
		return MIG_REPLY_MISMATCH;
	}
	return MACH_MSG_SUCCESS;
}

/*
 * error_reply_code - the status of a simple (mig_reply_error_t) reply
 * Returns its RetCode, or MIG_TYPE_ERROR (reply destroyed) when the reply
 * is not a well-formed error reply.
 */
static kern_return_t error_reply_code(struct bs_reply *rep)
{
	if ((rep->head.msgh_bits & MACH_MSGH_BITS_COMPLEX) ||
	    rep->head.msgh_size != sizeof(mig_reply_error_t)) {
		mach_msg_destroy(&rep->head);
		return MIG_TYPE_ERROR;
	}
	return rep->error.RetCode;
}

/*
 * name_port_call - check-in or look-up: a name in, one port right out
 * want is the right the successful reply must carry (PORT_RECEIVE or
 * PORT_SEND).  Returns the server's status; *sp is set on success only.
 */
static kern_return_t name_port_call(mach_port_t bp, mach_msg_id_t id,
				    const char *name, mach_msg_type_name_t want,
				    mach_port_t *sp)
{
	union {
		bs_name_request_t req;
		struct bs_reply rep;
	} u;
	kern_return_t kr;

	if (!sp)
		return KERN_INVALID_ARGUMENT;
	memset(&u.req, 0, sizeof(u.req));
	kr = copy_name(u.req.name, name);
	if (kr != BOOTSTRAP_SUCCESS)
		return kr;
	u.req.NDR = NDR_record;
	u.req.Head.msgh_size = sizeof(u.req);
	u.req.Head.msgh_id = id;

	kr = bs_rpc(bp, &u.req.Head, &u.rep);
	if (kr != MACH_MSG_SUCCESS)
		return kr;
	if (!(u.rep.head.msgh_bits & MACH_MSGH_BITS_COMPLEX)) {
		kr = error_reply_code(&u.rep);
		/* A routine that returns a right cannot succeed without one. */
		return kr == KERN_SUCCESS ? MIG_TYPE_ERROR : kr;
	}
	if (u.rep.head.msgh_size != sizeof(bs_port_reply_t) ||
	    u.rep.port.body.msgh_descriptor_count != 1 ||
	    u.rep.port.port.type != MACH_MSG_PORT_DESCRIPTOR ||
	    u.rep.port.port.disposition != want) {
		mach_msg_destroy(&u.rep.head);
		return MIG_TYPE_ERROR;
	}
	*sp = u.rep.port.port.name;
	return BOOTSTRAP_SUCCESS;
}

LIBMACH_EXPORT kern_return_t bootstrap_check_in(mach_port_t bp,
						const char *service_name,
						mach_port_t *sp)
{
	return name_port_call(bp, BS_CHECK_IN, service_name,
			      MACH_MSG_TYPE_PORT_RECEIVE, sp);
}

LIBMACH_EXPORT kern_return_t bootstrap_look_up(mach_port_t bp,
					       const char *service_name,
					       mach_port_t *sp)
{
	return name_port_call(bp, BS_LOOK_UP, service_name,
			      MACH_MSG_TYPE_PORT_SEND, sp);
}

LIBMACH_EXPORT kern_return_t bootstrap_register(mach_port_t bp,
						char *service_name,
						mach_port_t sp)
{
	union {
		bs_register_request_t req;
		struct bs_reply rep;
	} u;
	kern_return_t kr;

	memset(&u.req, 0, sizeof(u.req));
	kr = copy_name(u.req.name, service_name);
	if (kr != BOOTSTRAP_SUCCESS)
		return kr;
	u.req.Head.msgh_bits = MACH_MSGH_BITS_COMPLEX;
	u.req.Head.msgh_size = sizeof(u.req);
	u.req.Head.msgh_id = BS_REGISTER;
	u.req.body.msgh_descriptor_count = 1;
	u.req.port.name = sp;
	u.req.port.disposition = MACH_MSG_TYPE_COPY_SEND;
	u.req.port.type = MACH_MSG_PORT_DESCRIPTOR;
	u.req.NDR = NDR_record;

	kr = bs_rpc(bp, &u.req.Head, &u.rep);
	if (kr != MACH_MSG_SUCCESS)
		return kr;
	return error_reply_code(&u.rep);
}

LIBMACH_EXPORT const char *bootstrap_strerror(kern_return_t r)
{
	switch (r) {
	case BOOTSTRAP_SUCCESS:
		return "Success";
	case BOOTSTRAP_NOT_PRIVILEGED:
		return "Permission denied";
	case BOOTSTRAP_NAME_IN_USE:
	case BOOTSTRAP_SERVICE_ACTIVE:
		return "Service name already exists";
	case BOOTSTRAP_UNKNOWN_SERVICE:
		return "Unknown service name";
	case BOOTSTRAP_BAD_COUNT:
		return "Too many lookups were requested in one request";
	case BOOTSTRAP_NO_MEMORY:
		return "Out of memory";
	case BOOTSTRAP_NO_CHILDREN:
		return "Subset not found";
	default:
		return mach_error_string(r);
	}
}
