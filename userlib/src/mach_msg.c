/*
 * libmach: mach_msg and its variants.
 *
 * One message operation is one MACHINA_IOC_MSG ioctl, which sends, then
 * receives, as the options say.  What libmach adds is Darwin libsystem's
 * restart rule: a signal that interrupts the send half restarts the whole
 * call (nothing was sent), one that interrupts the receive half restarts the
 * receive alone (the send already happened), unless the caller asked to see
 * interruptions with MACH_SEND_INTERRUPT / MACH_RCV_INTERRUPT.  Those two
 * options are the library's and never reach the kernel, as on Darwin.
 */
#include <errno.h>

#include <mach/mach.h>
#include <mach/mach_traps.h>
#include <mach/message.h>

#include "internal.h"
#include "uapi/machina.h"

#define LIBRARY_OPTIONS (MACH_SEND_INTERRUPT | MACH_RCV_INTERRUPT)

LIBMACH_EXPORT const security_token_t KERNEL_SECURITY_TOKEN =
	KERNEL_SECURITY_TOKEN_VALUE;
LIBMACH_EXPORT const audit_token_t KERNEL_AUDIT_TOKEN =
	KERNEL_AUDIT_TOKEN_VALUE;

/*
 * The module reports every outcome of a well-formed request as a Mach
 * status; an errno means the request never got that far.  Say so in the
 * terms of the half that could not start, so the caller's error handling
 * (and the restart rule) sees a Mach code.
 */
static mach_msg_return_t errno_to_msg_return(int err, mach_msg_option_t option)
{
	int sending = option & MACH_SEND_MSG;

	switch (err) {
	case EINTR:
		/* Refused before any work: restarting the whole call is safe. */
		return sending ? MACH_SEND_INTERRUPTED : MACH_RCV_INTERRUPTED;
	case EFAULT:
		return sending ? MACH_SEND_INVALID_DATA : MACH_RCV_INVALID_DATA;
	case EINVAL:
	case E2BIG:
		return sending ? MACH_SEND_INVALID_OPTIONS :
				 MACH_RCV_INVALID_ARGUMENTS;
	case ENOMEM:
		return sending ? MACH_SEND_NO_BUFFER :
				 MACH_RCV_HEADER_ERROR | MACH_MSG_IPC_KERNEL;
	default:
		/* No device: no port can exist, so no name is valid. */
		return sending ? MACH_SEND_INVALID_DEST : MACH_RCV_INVALID_NAME;
	}
}

/*
 * msg_trap - one message operation, no restart
 * rcv_msg is the separate receive buffer of mach_msg_overwrite, or NULL.
 * "notify" is passed on only with MACH_SEND_OVERRIDE, where XNU reads it
 * as the message's mach_msg_priority_t; otherwise XNU ignores it (a
 * send-possible request is armed with mach_port_request_notification), and
 * the module wants 0 there.
 */
static mach_msg_return_t
msg_trap(mach_msg_header_t *msg, mach_msg_option_t option,
	 mach_msg_size_t send_size, mach_msg_size_t rcv_size,
	 mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
	 mach_port_name_t notify, mach_msg_header_t *rcv_msg)
{
	struct machina_msg m = {
		.msg = (uintptr_t)msg,
		.rcv_msg = (uintptr_t)rcv_msg,
		.option = (uint32_t)option & ~(uint32_t)LIBRARY_OPTIONS,
		.send_size = send_size,
		.rcv_size = rcv_size,
		.rcv_name = rcv_name,
		.timeout = timeout,
		.notify = (option & MACH_SEND_OVERRIDE) ? notify : 0,
	};
	int ret;

	if (machina_trap_path()) {
		long r = machina_trap(MACHINA_TRAP_MACH_MSG_OVERWRITE, m.msg,
				      m.option, m.send_size, m.rcv_size,
				      m.rcv_name, m.timeout, m.notify,
				      m.rcv_msg);

		if (r >= 0)
			return r;
	}
	ret = machina_ioctl(MACHINA_IOC_MSG, &m);

	if (ret < 0)
		return errno_to_msg_return(-ret, option);
	return ret;
}

/*
 * The options of the receive-only retry after the receive half was
 * interrupted: the send is done, and a sync-wait hint needs the send's
 * destination, which the retry no longer has.
 */
static mach_msg_option_t receive_half(mach_msg_option_t option)
{
	if ((option & MACH_SEND_MSG) && (option & MACH_RCV_MSG))
		option &= ~MACH_RCV_SYNC_WAIT;
	return option & ~(LIBRARY_OPTIONS | MACH_SEND_MSG);
}

static mach_msg_return_t
msg_restarting(mach_msg_header_t *msg, mach_msg_option_t option,
	       mach_msg_size_t send_size, mach_msg_size_t rcv_size,
	       mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
	       mach_port_name_t notify, mach_msg_header_t *rcv_msg)
{
	mach_msg_return_t mr;

	mr = msg_trap(msg, option, send_size, rcv_size, rcv_name, timeout,
		      notify, rcv_msg);
	if (mr == MACH_MSG_SUCCESS)
		return mr;

	/* The timeout starts afresh on each attempt, as on Darwin. */
	if (!(option & MACH_SEND_INTERRUPT)) {
		while (mr == MACH_SEND_INTERRUPTED)
			mr = msg_trap(msg, option, send_size, rcv_size,
				      rcv_name, timeout, notify, rcv_msg);
	}
	if (!(option & MACH_RCV_INTERRUPT)) {
		while (mr == MACH_RCV_INTERRUPTED)
			mr = msg_trap(msg, receive_half(option), 0, rcv_size,
				      rcv_name, timeout, 0, rcv_msg);
	}
	return mr;
}

LIBMACH_EXPORT mach_msg_return_t mach_msg(mach_msg_header_t *msg,
					  mach_msg_option_t option,
					  mach_msg_size_t send_size,
					  mach_msg_size_t rcv_size,
					  mach_port_name_t rcv_name,
					  mach_msg_timeout_t timeout,
					  mach_port_name_t notify)
{
	return msg_restarting(msg, option, send_size, rcv_size, rcv_name,
			      timeout, notify, NULL);
}

/* rcv_limit (a scatter-list size) is ignored by XNU too. */
LIBMACH_EXPORT mach_msg_return_t
mach_msg_overwrite(mach_msg_header_t *msg, mach_msg_option_t option,
		   mach_msg_size_t send_size, mach_msg_size_t rcv_size,
		   mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
		   mach_port_name_t notify, mach_msg_header_t *rcv_msg,
		   mach_msg_size_t rcv_limit)
{
	(void)rcv_limit;
	return msg_restarting(msg, option, send_size, rcv_size, rcv_name,
			      timeout, notify, rcv_msg);
}

LIBMACH_EXPORT mach_msg_return_t mach_msg_trap(mach_msg_header_t *msg,
					       mach_msg_option_t option,
					       mach_msg_size_t send_size,
					       mach_msg_size_t rcv_size,
					       mach_port_name_t rcv_name,
					       mach_msg_timeout_t timeout,
					       mach_port_name_t notify)
{
	return msg_trap(msg, option, send_size, rcv_size, rcv_name, timeout,
			notify, NULL);
}

LIBMACH_EXPORT mach_msg_return_t
mach_msg_overwrite_trap(mach_msg_header_t *msg, mach_msg_option_t option,
			mach_msg_size_t send_size, mach_msg_size_t rcv_size,
			mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
			mach_port_name_t notify, mach_msg_header_t *rcv_msg,
			mach_msg_size_t rcv_limit)
{
	(void)rcv_limit;
	return msg_trap(msg, option, send_size, rcv_size, rcv_name, timeout,
			notify, rcv_msg);
}

LIBMACH_EXPORT mach_msg_return_t mach_msg_send(mach_msg_header_t *msg)
{
	return mach_msg(msg, MACH_SEND_MSG, msg->msgh_size, 0, MACH_PORT_NULL,
			MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
}

/* The port to receive from and the buffer size come from the header. */
LIBMACH_EXPORT mach_msg_return_t mach_msg_receive(mach_msg_header_t *msg)
{
	return mach_msg(msg, MACH_RCV_MSG, 0, msg->msgh_size,
			msg->msgh_local_port, MACH_MSG_TIMEOUT_NONE,
			MACH_PORT_NULL);
}

LIBMACH_EXPORT kern_return_t mach_voucher_deallocate(mach_port_name_t voucher)
{
	return mach_port_deallocate(mach_task_self(), voucher);
}
