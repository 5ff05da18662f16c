/*
 * <mach/notify.h>: the messages the kernel sends when something happens to
 * a port, as requested with mach_port_request_notification().
 *
 * The structures are sized for the format-0 (security) trailer only; a
 * receiver that asks for a larger trailer must size its buffer itself.
 */
#ifndef _MACH_NOTIFY_H_
#define _MACH_NOTIFY_H_

#include <mach/port.h>
#include <mach/message.h>
#include <mach/ndr.h>

/* Message ids (msgh_id), which are also the request "variants". */
#define MACH_NOTIFY_FIRST		0100
#define MACH_NOTIFY_PORT_DELETED	(MACH_NOTIFY_FIRST + 001) /* 65 */
#define MACH_NOTIFY_SEND_POSSIBLE	(MACH_NOTIFY_FIRST + 002) /* 66 */
#define MACH_NOTIFY_PORT_DESTROYED	(MACH_NOTIFY_FIRST + 005) /* 69 */
#define MACH_NOTIFY_NO_SENDERS		(MACH_NOTIFY_FIRST + 006) /* 70 */
#define MACH_NOTIFY_SEND_ONCE		(MACH_NOTIFY_FIRST + 007) /* 71 */
#define MACH_NOTIFY_DEAD_NAME		(MACH_NOTIFY_FIRST + 010) /* 72 */
#define MACH_NOTIFY_LAST		(MACH_NOTIFY_FIRST + 015)

typedef mach_port_t notify_port_t;

#pragma pack(push, 4)

/* A send or send-once right named not_port was deleted. */
typedef struct {
	mach_msg_header_t not_header;
	NDR_record_t NDR;
	mach_port_name_t not_port;	/* MACH_MSG_TYPE_PORT_NAME */
	mach_msg_format_0_trailer_t trailer;
} mach_port_deleted_notification_t;

/* not_port can take a message again (armed by MACH_SEND_NOTIFY). */
typedef struct {
	mach_msg_header_t not_header;
	NDR_record_t NDR;
	mach_port_name_t not_port;	/* MACH_MSG_TYPE_PORT_NAME */
	mach_msg_format_0_trailer_t trailer;
} mach_send_possible_notification_t;

/* A receive right would have died; it comes back in not_port. */
typedef struct {
	mach_msg_header_t not_header;	/* complex */
	mach_msg_body_t not_body;	/* one descriptor */
	mach_msg_port_descriptor_t not_port; /* MACH_MSG_TYPE_PORT_RECEIVE */
	mach_msg_format_0_trailer_t trailer;
} mach_port_destroyed_notification_t;

/* The last send right is gone; not_count is the make-send count. */
typedef struct {
	mach_msg_header_t not_header;
	NDR_record_t NDR;
	mach_msg_type_number_t not_count;
	mach_msg_format_0_trailer_t trailer;
} mach_no_senders_notification_t;

/* A send-once right was destroyed without being used. */
typedef struct {
	mach_msg_header_t not_header;
	mach_msg_format_0_trailer_t trailer;
} mach_send_once_notification_t;

/* The port behind not_port died; the name is now a dead name. */
typedef struct {
	mach_msg_header_t not_header;
	NDR_record_t NDR;
	mach_port_name_t not_port;	/* MACH_MSG_TYPE_PORT_NAME */
	mach_msg_format_0_trailer_t trailer;
} mach_dead_name_notification_t;

#pragma pack(pop)

#endif /* _MACH_NOTIFY_H_ */
