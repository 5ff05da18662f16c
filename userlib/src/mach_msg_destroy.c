/*
 * libmach: mach_msg_destroy, releasing what a message carries.
 *
 * Done in user space with ordinary calls, as Darwin does it.  The message is
 * read as a receiver sees it: each right is identified by its received type
 * (PORT_SEND, PORT_SEND_ONCE, PORT_RECEIVE).  A message that the kernel
 * handed back after a failed send reads the same way.  A message that was
 * never given to the kernel may still carry MAKE_SEND / MAKE_SEND_ONCE
 * dispositions: for those a right is made and dropped at once, so the port
 * sees exactly what a send followed by destruction would have done to it
 * (the make-send count moves, a send-once notification fires).
 */
#include <mach/mach.h>

#include "internal.h"

static void destroy_right(mach_port_t name, mach_msg_type_name_t type)
{
	mach_port_t made;
	mach_msg_type_name_t made_type;

	if (!MACH_PORT_VALID(name))
		return;
	switch (type) {
	case MACH_MSG_TYPE_MOVE_SEND: /* = PORT_SEND */
	case MACH_MSG_TYPE_MOVE_SEND_ONCE: /* = PORT_SEND_ONCE */
		mach_port_deallocate(mach_task_self(), name);
		break;
	case MACH_MSG_TYPE_MOVE_RECEIVE: /* = PORT_RECEIVE */
		mach_port_mod_refs(mach_task_self(), name,
				   MACH_PORT_RIGHT_RECEIVE, -1);
		break;
	case MACH_MSG_TYPE_MAKE_SEND:
		if (mach_port_insert_right(mach_task_self(), name, name,
					   MACH_MSG_TYPE_MAKE_SEND) ==
		    KERN_SUCCESS)
			mach_port_deallocate(mach_task_self(), name);
		break;
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		if (mach_port_extract_right(mach_task_self(), name,
					    MACH_MSG_TYPE_MAKE_SEND_ONCE, &made,
					    &made_type) == KERN_SUCCESS)
			mach_port_deallocate(mach_task_self(), made);
		break;
	default:
		/* PORT_NAME and COPY_SEND carry no right of the message's. */
		break;
	}
}

static void destroy_memory(void *address, vm_size_t size)
{
	if (size)
		vm_deallocate(mach_task_self(), (vm_address_t)address, size);
}

/*
 * Descriptors are walked by their own sizes: a port descriptor is 12
 * bytes, the others 16, so the array cannot be indexed.
 */
static void destroy_descriptors(mach_msg_base_t *base)
{
	mach_msg_size_t count = base->body.msgh_descriptor_count;
	char *cursor = (char *)(base + 1);
	mach_msg_size_t i, j;

	for (i = 0; i < count; i++) {
		mach_msg_descriptor_t *d = (mach_msg_descriptor_t *)cursor;

		switch (d->type.type) {
		case MACH_MSG_PORT_DESCRIPTOR:
			destroy_right(d->port.name, d->port.disposition);
			cursor += sizeof(d->port);
			break;
		case MACH_MSG_OOL_DESCRIPTOR:
			if (d->out_of_line.deallocate)
				destroy_memory(d->out_of_line.address,
					       d->out_of_line.size);
			cursor += sizeof(d->out_of_line);
			break;
		case MACH_MSG_OOL_VOLATILE_DESCRIPTOR:
			/* Volatile memory stays with whoever owns it. */
			cursor += sizeof(d->out_of_line);
			break;
		case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
			mach_port_t *names = d->ool_ports.address;

			for (j = 0; names && j < d->ool_ports.count; j++)
				destroy_right(names[j],
					      d->ool_ports.disposition);
			if (d->ool_ports.deallocate)
				destroy_memory(names,
					       (vm_size_t)d->ool_ports.count *
						       sizeof(*names));
			cursor += sizeof(d->ool_ports);
			break;
		}
		case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
			/*
			 * A right that arrived guarded can only be destroyed
			 * once the guard is lifted (unless it came unguarded).
			 */
			if (!(d->guarded_port.flags &
			      MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND))
				mach_port_unguard(mach_task_self(),
						  d->guarded_port.name,
						  d->guarded_port.context);
			destroy_right(d->guarded_port.name,
				      d->guarded_port.disposition);
			cursor += sizeof(d->guarded_port);
			break;
		default:
			/* An unknown type has no known size: stop here. */
			return;
		}
	}
}

LIBMACH_EXPORT void mach_msg_destroy(mach_msg_header_t *msg)
{
	mach_msg_bits_t bits = msg->msgh_bits;

	/*
	 * msgh_local_port is the port the message was received on: the
	 * receive consumed the sender's right to it, nothing is left to drop.
	 */
	destroy_right(msg->msgh_remote_port, MACH_MSGH_BITS_REMOTE(bits));
	destroy_right(msg->msgh_voucher_port, MACH_MSGH_BITS_VOUCHER(bits));
	if (bits & MACH_MSGH_BITS_COMPLEX)
		destroy_descriptors((mach_msg_base_t *)msg);
}
