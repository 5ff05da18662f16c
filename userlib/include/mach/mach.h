/*
 * <mach/mach.h>: the Mach interface, as Darwin programs include it.
 *
 * Pulls in the types, ports, messages, mach_port_* calls, MIG support,
 * error strings and the VM map calls, plus the generic message loop below.
 * What libmach provides works on Machina; what the module does not do yet
 * is not declared here, so a program that needs it fails to build rather
 * than at run time.  See docs/libmach.md.
 */
#ifndef _MACH_H_
#define _MACH_H_

#define __MACH30__
#define MACH_IPC_FLAVOR UNTYPED

#include <mach/std_types.h>
#include <mach/mach_types.h>
#include <mach/mach_interface.h>
#include <mach/mach_port.h>
#include <mach/mach_init.h>
#include <mach/mig.h>
#include <mach/mig_errors.h>
#include <mach/mach_error.h>
#include <mach/mach_time.h>
#include <mach/mach_host.h>
#include <mach/thread_switch.h>
#include <mach/clock.h>
#include <mach/semaphore.h>
#include <mach/mk_timer.h>
#include <mach/mach_traps.h>
#include <mach/task.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Releases what a received message carries: the reply right in
 * msgh_remote_port, the voucher, and every right and out-of-line region of
 * its descriptors, according to the types the receiver holds.  Used on a
 * message that was not sent (handed back), it has the effect the send would
 * have had had the message then been destroyed.  msgh_local_port is left
 * alone: on a received message it holds no right.
 */
extern void mach_msg_destroy(mach_msg_header_t *msg);

/* Receive into msg from msg->msgh_local_port, msg->msgh_size bytes at most. */
extern mach_msg_return_t mach_msg_receive(mach_msg_header_t *msg);

/* Send msg, msg->msgh_size bytes. */
extern mach_msg_return_t mach_msg_send(mach_msg_header_t *msg);

/*
 * Receives one request on rcv_name (at most max_size bytes plus the
 * trailer "options" asks for), hands it to demux with a reply buffer, and
 * sends the reply demux built unless it says MIG_NO_REPLY.  A request whose
 * reply reports an error is destroyed.  Errors of the receive and of the
 * reply's send are returned; those of demux are the reply's business.
 */
extern mach_msg_return_t mach_msg_server_once(
	boolean_t (*demux)(mach_msg_header_t *, mach_msg_header_t *),
	mach_msg_size_t max_size, mach_port_t rcv_name,
	mach_msg_options_t options);

/* mach_msg_server_once in a loop; returns only on a receive error. */
extern mach_msg_return_t mach_msg_server(
	boolean_t (*demux)(mach_msg_header_t *, mach_msg_header_t *),
	mach_msg_size_t max_size, mach_port_t rcv_name,
	mach_msg_options_t options);

/* mach_msg_server; Darwin's importance donation has no Linux counterpart. */
extern mach_msg_return_t mach_msg_server_importance(
	boolean_t (*demux)(mach_msg_header_t *, mach_msg_header_t *),
	mach_msg_size_t max_size, mach_port_t rcv_name,
	mach_msg_options_t options);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_H_ */
