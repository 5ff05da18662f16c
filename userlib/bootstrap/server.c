/*
 * machina-bootstrap: the name table and the request handlers.
 *
 * Requests arrive on the bootstrap port; the kernel's dead-name
 * notifications on a separate notify port that no client can send to, so a
 * notification cannot be forged.  Both ports are members of one port set,
 * which the one server loop (mach_msg_server) receives from.
 *
 * Rights the server holds: for every distinct service port one send right
 * per table entry naming it (send rights coalesce under one name, so a name
 * carries as many user references as entries), and one dead-name request
 * per distinct port.  When the port dies the kernel turns the name into a
 * dead name and sends the notification with one more reference; the
 * handler drops every entry of the port and that extra reference, which
 * frees the name.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <mach/mach.h>
#include <mach/notify.h>
#include <servers/bootstrap.h>

#include "server.h"
#include "userlib/bootstrap/protocol.h"

struct service {
	name_t name;
	mach_port_t port; /* our send right (dead name once the port died) */
	pid_t owner; /* who checked in or registered the name */
};

static struct service *services;
static size_t nr_services, cap_services;
static mach_port_t bootstrap_recv, notify_recv, port_set;

/* Forget entry i and release the send right it owned. */
static void remove_at(size_t i)
{
	mach_port_deallocate(mach_task_self(), services[i].port);
	services[i] = services[--nr_services];
}

/* Forget every entry of the port held under name. */
static void drop_port(mach_port_t name)
{
	size_t i = 0;

	while (i < nr_services) {
		if (services[i].port == name)
			remove_at(i);
		else
			i++;
	}
}

static int port_is_watched(mach_port_t name)
{
	size_t i;

	for (i = 0; i < nr_services; i++)
		if (services[i].port == name)
			return 1;
	return 0;
}

/*
 * find - the live entry named name, or NULL
 * An entry whose port died but whose notification is still queued is
 * dropped here, so a dead service is never answered.
 */
static struct service *find(const char *name)
{
	mach_port_type_t type;
	size_t i;

	for (i = 0; i < nr_services; i++) {
		if (strcmp(services[i].name, name))
			continue;
		if (mach_port_type(mach_task_self(), services[i].port, &type) ||
		    (type & MACH_PORT_TYPE_DEAD_NAME)) {
			drop_port(services[i].port);
			return NULL;
		}
		return &services[i];
	}
	return NULL;
}

/*
 * add - enter name -> port, owning one send right of the caller on port
 * Asks for the dead-name notification when the port is new to the table.
 * Returns BOOTSTRAP_SUCCESS, BOOTSTRAP_NO_MEMORY, or the kernel's refusal
 * of the notification request; on failure nothing was entered and the send
 * right is still the caller's.
 */
static kern_return_t add(const char *name, mach_port_t port, pid_t owner)
{
	mach_port_t prev = MACH_PORT_NULL;
	struct service *grown;
	kern_return_t kr;

	if (!port_is_watched(port)) {
		kr = mach_port_request_notification(
			mach_task_self(), port, MACH_NOTIFY_DEAD_NAME, 1,
			notify_recv, MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev);
		if (kr != KERN_SUCCESS)
			return kr;
		if (prev != MACH_PORT_NULL)
			mach_port_deallocate(mach_task_self(), prev);
	}
	if (nr_services == cap_services) {
		size_t cap = cap_services ? cap_services * 2 : 16;

		grown = realloc(services, cap * sizeof(*services));
		if (!grown)
			return BOOTSTRAP_NO_MEMORY;
		services = grown;
		cap_services = cap;
	}
	memset(&services[nr_services], 0, sizeof(services[0]));
	strcpy(services[nr_services].name, name);
	services[nr_services].port = port;
	services[nr_services].owner = owner;
	nr_services++;
	return BOOTSTRAP_SUCCESS;
}

/* The sender's pid, from the audit trailer the loop asks for. */
static pid_t sender_pid(const mach_msg_header_t *in)
{
	const mach_msg_audit_trailer_t *t =
		(const void *)((const char *)in + round_msg(in->msgh_size));

	if (t->msgh_trailer_size < sizeof(*t))
		return -1;
	return (pid_t)t->msgh_audit.val[5];
}

static void reply_header(const mach_msg_header_t *in, mach_msg_header_t *out,
			 mach_msg_bits_t extra, mach_msg_size_t size)
{
	out->msgh_bits =
		MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(in->msgh_bits), 0) | extra;
	out->msgh_size = size;
	out->msgh_remote_port = in->msgh_remote_port;
	out->msgh_local_port = MACH_PORT_NULL;
	out->msgh_voucher_port = MACH_PORT_NULL;
	out->msgh_id = BS_REPLY_ID(in->msgh_id);
}

static void reply_status(const mach_msg_header_t *in, mach_msg_header_t *out,
			 kern_return_t kr)
{
	mig_reply_error_t *r = (mig_reply_error_t *)out;

	reply_header(in, out, 0, sizeof(*r));
	r->NDR = NDR_record;
	r->RetCode = kr;
}

static void reply_port(const mach_msg_header_t *in, mach_msg_header_t *out,
		       mach_port_t port, mach_msg_type_name_t disposition)
{
	bs_port_reply_t *r = (bs_port_reply_t *)out;

	reply_header(in, out, MACH_MSGH_BITS_COMPLEX, sizeof(*r));
	r->body.msgh_descriptor_count = 1;
	memset(&r->port, 0, sizeof(r->port));
	r->port.name = port;
	r->port.disposition = disposition;
	r->port.type = MACH_MSG_PORT_DESCRIPTOR;
}

static int name_ok(const char *name)
{
	return memchr(name, 0, BOOTSTRAP_MAX_NAME_LEN) != NULL;
}

/*
 * check_in - create the service: a new port whose receive right goes to the
 * caller in the reply (*port), while the table keeps a send right.  If the
 * reply cannot be delivered, the loop destroys it and the receive right with
 * it; the dead-name notification then clears the entry.
 */
static kern_return_t check_in(const bs_name_request_t *req, mach_port_t *port)
{
	mach_port_t self = mach_task_self();
	kern_return_t kr;

	if (!name_ok(req->name))
		return BOOTSTRAP_BAD_COUNT;
	if (find(req->name))
		return BOOTSTRAP_SERVICE_ACTIVE;
	if (mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, port))
		return BOOTSTRAP_NO_MEMORY;
	kr = mach_port_insert_right(self, *port, *port,
				    MACH_MSG_TYPE_MAKE_SEND);
	if (kr != KERN_SUCCESS) {
		kr = BOOTSTRAP_NO_MEMORY;
		goto err_port;
	}
	kr = add(req->name, *port, sender_pid(&req->Head));
	if (kr != BOOTSTRAP_SUCCESS)
		goto err_send;
	return BOOTSTRAP_SUCCESS;

err_send:
	mach_port_deallocate(self, *port);
err_port:
	mach_port_mod_refs(self, *port, MACH_PORT_RIGHT_RECEIVE, -1);
	return kr;
}

/* look_up - the service's port (*port, a send right the reply copies). */
static kern_return_t look_up(const bs_name_request_t *req, mach_port_t *port)
{
	struct service *s;

	if (!name_ok(req->name))
		return BOOTSTRAP_BAD_COUNT;
	s = find(req->name);
	if (!s)
		return BOOTSTRAP_UNKNOWN_SERVICE;
	*port = s->port;
	return BOOTSTRAP_SUCCESS;
}

/*
 * do_register - advertise a send right, or (MACH_PORT_NULL) withdraw the
 * sender's own registration.  On an error status the loop destroys the
 * request, and the send right it carried with it.
 */
static kern_return_t do_register(const bs_register_request_t *req)
{
	pid_t pid = sender_pid(&req->Head);
	mach_port_t port = req->port.name;
	struct service *s;

	if (!name_ok(req->name))
		return BOOTSTRAP_BAD_COUNT;
	s = find(req->name);
	if (port == MACH_PORT_NULL) {
		if (!s)
			return BOOTSTRAP_UNKNOWN_SERVICE;
		if (s->owner != pid)
			return BOOTSTRAP_NOT_PRIVILEGED;
		remove_at(s - services);
		return BOOTSTRAP_SUCCESS;
	}
	if (s)
		return BOOTSTRAP_NAME_IN_USE;
	/* A dead name arrives as MACH_PORT_DEAD: nothing to advertise. */
	if (!MACH_PORT_VALID(port))
		return KERN_INVALID_RIGHT;
	return add(req->name, port, pid);
}

static void notification(const mach_msg_header_t *in)
{
	const mach_dead_name_notification_t *n = (const void *)in;

	if (in->msgh_id != MACH_NOTIFY_DEAD_NAME ||
	    in->msgh_size < sizeof(*n) - sizeof(n->trailer))
		return;
	drop_port(n->not_port);
	/* The reference the notification carried. */
	mach_port_deallocate(mach_task_self(), n->not_port);
}

/* Requests are checked for shape here, for meaning in the handlers. */
static boolean_t demux(mach_msg_header_t *in, mach_msg_header_t *out)
{
	int complex = !!(in->msgh_bits & MACH_MSGH_BITS_COMPLEX);
	const bs_register_request_t *reg = (const void *)in;
	mach_msg_type_name_t disposition;
	mach_port_t port = MACH_PORT_NULL;
	kern_return_t kr;

	if (in->msgh_local_port == notify_recv) {
		notification(in);
		((mig_reply_error_t *)out)->RetCode = MIG_NO_REPLY;
		return TRUE;
	}
	switch (in->msgh_id) {
	case BS_CHECK_IN:
	case BS_LOOK_UP:
		if (complex || in->msgh_size != sizeof(bs_name_request_t))
			break;
		if (in->msgh_id == BS_CHECK_IN) {
			kr = check_in((const void *)in, &port);
			disposition = MACH_MSG_TYPE_MOVE_RECEIVE;
		} else {
			kr = look_up((const void *)in, &port);
			disposition = MACH_MSG_TYPE_COPY_SEND;
		}
		if (kr == BOOTSTRAP_SUCCESS)
			reply_port(in, out, port, disposition);
		else
			reply_status(in, out, kr);
		return TRUE;
	case BS_REGISTER:
		if (!complex || in->msgh_size != sizeof(*reg) ||
		    reg->body.msgh_descriptor_count != 1 ||
		    reg->port.type != MACH_MSG_PORT_DESCRIPTOR ||
		    (reg->port.name != MACH_PORT_NULL &&
		     reg->port.disposition != MACH_MSG_TYPE_PORT_SEND))
			break;
		reply_status(in, out, do_register(reg));
		return TRUE;
	default:
		reply_status(in, out, MIG_BAD_ID);
		return FALSE;
	}
	reply_status(in, out, MIG_BAD_ARGUMENTS);
	return TRUE;
}

kern_return_t bs_server_init(mach_port_t *bootstrap)
{
	mach_port_t self = mach_task_self();
	mach_port_limits_t limits = { .mpl_qlimit = MACH_PORT_QLIMIT_LARGE };
	kern_return_t kr;

	kr = mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &port_set);
	if (kr)
		return kr;
	kr = mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &bootstrap_recv);
	if (kr)
		goto err_set;
	kr = mach_port_insert_right(self, bootstrap_recv, bootstrap_recv,
				    MACH_MSG_TYPE_MAKE_SEND);
	if (kr)
		goto err_bootstrap;
	/* Many clients may start at once; let them queue rather than block. */
	mach_port_set_attributes(self, bootstrap_recv, MACH_PORT_LIMITS_INFO,
				 (mach_port_info_t)&limits,
				 MACH_PORT_LIMITS_INFO_COUNT);
	kr = mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &notify_recv);
	if (kr)
		goto err_bootstrap;
	mach_port_set_attributes(self, notify_recv, MACH_PORT_LIMITS_INFO,
				 (mach_port_info_t)&limits,
				 MACH_PORT_LIMITS_INFO_COUNT);
	kr = mach_port_move_member(self, bootstrap_recv, port_set);
	if (kr)
		goto err_notify;
	kr = mach_port_move_member(self, notify_recv, port_set);
	if (kr)
		goto err_notify;
	*bootstrap = bootstrap_recv;
	return KERN_SUCCESS;

err_notify:
	mach_port_mod_refs(self, notify_recv, MACH_PORT_RIGHT_RECEIVE, -1);
err_bootstrap:
	mach_port_destroy(self, bootstrap_recv);
err_set:
	mach_port_mod_refs(self, port_set, MACH_PORT_RIGHT_PORT_SET, -1);
	return kr;
}

mach_msg_return_t bs_server_run(void)
{
	return mach_msg_server(
		demux, BS_MAX_MSG_SIZE, port_set,
		MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
			MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT));
}
