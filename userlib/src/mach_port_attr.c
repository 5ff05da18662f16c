/*
 * libmach: port attributes and notification requests.
 *
 * Attributes travel as arrays of 32-bit words whose length is counted in
 * words (mach_msg_type_number_t), the way MIG carries mach_port_info_t.
 */
#include <string.h>

#include <mach/mach_port.h>

#include "internal.h"
#include "uapi/machina.h"

/*
 * The bound MIG puts on a mach_port_info_t array: a Darwin client never
 * sends or accepts more than this many words, whatever its buffer holds.
 */
#define PORT_INFO_MAX 17

_Static_assert(PORT_INFO_MAX <= MACHINA_PORT_ATTR_WORDS,
	       "the ioctl must carry every attribute Darwin can");

LIBMACH_EXPORT kern_return_t mach_port_get_attributes(
	ipc_space_read_t task, mach_port_name_t name, mach_port_flavor_t flavor,
	mach_port_info_t port_info_out,
	mach_msg_type_number_t *port_info_outCnt)
{
	struct machina_port_attr at = {
		.task = task,
		.name = name,
		.flavor = flavor,
	};
	mach_msg_type_number_t capacity;
	kern_return_t kr;

	if (!port_info_out || !port_info_outCnt)
		return KERN_INVALID_ARGUMENT;
	/* A buffer too small for the flavor is the module's to refuse. */
	capacity = *port_info_outCnt;
	if (capacity > PORT_INFO_MAX)
		capacity = PORT_INFO_MAX;
	at.count = capacity;
	kr = machina_call(MACHINA_IOC_PORT_GET_ATTRIBUTES, &at);
	if (kr != KERN_SUCCESS)
		return kr;
	if (at.count > capacity)
		at.count = capacity;
	memcpy(port_info_out, at.info, at.count * sizeof(at.info[0]));
	*port_info_outCnt = at.count;
	return KERN_SUCCESS;
}

LIBMACH_EXPORT kern_return_t mach_port_set_attributes(
	ipc_space_t task, mach_port_name_t name, mach_port_flavor_t flavor,
	mach_port_info_t port_info, mach_msg_type_number_t port_infoCnt)
{
	struct machina_port_attr at = {
		.task = task,
		.name = name,
		.flavor = flavor,
	};

	/* Darwin's MIG stub refuses an oversized array before sending. */
	if (port_infoCnt > PORT_INFO_MAX)
		return MIG_ARRAY_TOO_LARGE;
	if (port_infoCnt && !port_info)
		return KERN_INVALID_ARGUMENT;
	if (port_infoCnt)
		memcpy(at.info, port_info, port_infoCnt * sizeof(at.info[0]));
	at.count = port_infoCnt;
	return machina_call(MACHINA_IOC_PORT_SET_ATTRIBUTES, &at);
}

/*
 * The one flavor Darwin checks here is MACH_PORT_GUARD_INFO, a comparison
 * with a strict guard; the module has no call that compares a guard without
 * changing anything yet.
 */
LIBMACH_EXPORT kern_return_t mach_port_assert_attributes(
	ipc_space_t task, mach_port_name_t name, mach_port_flavor_t flavor,
	mach_port_info_t info, mach_msg_type_number_t infoCnt)
{
	(void)task;
	(void)name;
	if (infoCnt > PORT_INFO_MAX)
		return MIG_ARRAY_TOO_LARGE;
	if (flavor != MACH_PORT_GUARD_INFO)
		return KERN_INVALID_ARGUMENT;
	if (!info || infoCnt < MACH_PORT_GUARD_INFO_COUNT)
		return KERN_FAILURE;
	return KERN_NOT_SUPPORTED;
}

LIBMACH_EXPORT kern_return_t mach_port_request_notification(
	ipc_space_t task, mach_port_name_t name, mach_msg_id_t msgid,
	mach_port_mscount_t sync, mach_port_t notify,
	mach_msg_type_name_t notifyPoly, mach_port_t *previous)
{
	struct machina_port_notify n = {
		.task = task,
		.name = name,
		.msgid = msgid,
		.sync = sync,
		.notify = notify,
		.notify_disposition = notifyPoly,
	};
	kern_return_t kr;

	if (!previous)
		return KERN_INVALID_ARGUMENT;
	kr = machina_call(MACHINA_IOC_PORT_REQUEST_NOTIFICATION, &n);
	if (kr == KERN_SUCCESS)
		*previous = n.previous;
	return kr;
}
