/*
 * The wire protocol between libmach's bootstrap calls and machina-bootstrap.
 *
 * Darwin's clients talk to launchd in launchd's private protocol; Machina's
 * is its own, shaped like a MIG subsystem so that any Mach tool reads it:
 *  - requests go to the bootstrap port (COPY_SEND) with a reply port made
 *    from the caller's MIG reply port (MAKE_SEND_ONCE); the reply id is the
 *    request id + 100;
 *  - the service name travels inline as a full name_t (128 bytes, NUL
 *    terminated), after the NDR record as MIG places it;
 *  - a successful check-in or look-up answers with a complex reply holding
 *    one port descriptor (the receive right, or a send right); every other
 *    answer is a mig_reply_error_t whose RetCode is the status.
 * Not installed: only libmach and the server include it.
 */
#ifndef _MACHINA_BOOTSTRAP_PROTOCOL_H
#define _MACHINA_BOOTSTRAP_PROTOCOL_H

#include <mach/message.h>
#include <mach/mig_errors.h>
#include <mach/ndr.h>
#include <servers/bootstrap_defs.h>

/*
 * Machina's bootstrap subsystem: ids 0x4d420000 ('M','B' << 16) to
 * 0x4d4200ff, away from every subsystem Darwin defines.
 */
#define BS_SUBSYSTEM		0x4d420000
#define BS_CHECK_IN		(BS_SUBSYSTEM + 0)
#define BS_REGISTER		(BS_SUBSYSTEM + 1)
#define BS_LOOK_UP		(BS_SUBSYSTEM + 2)
/* machina-bootstrap --port-fd: the server hands its port to its starter. */
#define BS_HANDOFF		(BS_SUBSYSTEM + 50)
#define BS_REPLY_ID(id)		((id) + 100)

#pragma pack(push, 4)
/* check-in and look-up */
typedef struct {
	mach_msg_header_t Head;
	NDR_record_t NDR;
	name_t name;
} bs_name_request_t;

/* register: the send right (or MACH_PORT_NULL) and the name */
typedef struct {
	mach_msg_header_t Head;
	mach_msg_body_t body;
	mach_msg_port_descriptor_t port;
	NDR_record_t NDR;
	name_t name;
} bs_register_request_t;

/* successful check-in and look-up replies; also the handoff message */
typedef struct {
	mach_msg_header_t Head;
	mach_msg_body_t body;
	mach_msg_port_descriptor_t port;
} bs_port_reply_t;
#pragma pack(pop)

/* Room for any request or reply of the subsystem. */
#define BS_MAX_MSG_SIZE		sizeof(bs_register_request_t)

#endif /* _MACHINA_BOOTSTRAP_PROTOCOL_H */
