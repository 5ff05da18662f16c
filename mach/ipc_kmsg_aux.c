// SPDX-License-Identifier: GPL-2.0
/*
 * Auxiliary data: the second data vector of mach_msg2 (MACH64_MSG_VECTOR),
 * which travels with a message beside its body.
 *
 * What XNU does (osfmk/ipc/ipc_kmsg.c, mach_msg.c, ipc_mqueue.c), and so
 * Machina: the sender's aux vector holds a struct mach_msg_aux_header and
 * its payload, 8 to IPC_KMSG_AUX_MAX bytes (the trap checks the bounds,
 * ipc_kmsg_alloc_aux() refuses more room than IPC_KMSG_AUX_MAX);
 * the kernel keeps the payload and writes the header itself (msgdh_size
 * = the size sent, msgdh_reserved = 0), so whatever the sender wrote in
 * its header is not read.  A receiver with an aux buffer gets the data
 * (or, for a message without any, an empty header: msgdh_size 0, the
 * "end" mark); a receiver without one never sees it (the message is
 * received, the data dropped).  A vector receiver whose aux buffer is
 * too small for the data gets MACH_RCV_TOO_LARGE (ipc_mqueue.c).
 *
 * The data lives in the message's own allocation, after the trailer room
 * (ipc_kmsg_alloc_aux(), as XNU keeps it in the kmsg), so it is charged
 * like the body: to the sender's memory cgroup (GFP_KERNEL_ACCOUNT) and to
 * its queued-bytes budget (msg_send() charges body and aux data in one
 * machina_task_charge(), given back when the message is freed).
 */
#include <linux/uaccess.h>

#include "mach/ipc_abi.h"
#include "mach/ipc_kmsg.h"

/*
 * ipc_kmsg_aux_copyin - fill @kmsg's aux room (kmsg->aux_size bytes,
 * ipc_kmsg_alloc_aux(): 0, or the trap's bounds, sizeof(header) to
 * IPC_KMSG_AUX_MAX) from the sender's aux vector at @uaddr
 * Conditions: process context, no locks held; @kmsg is the sender's, its
 * aux data already charged (msg_send()); may fault and sleep.
 * Returns: MACH_MSG_SUCCESS or MACH_SEND_INVALID_DATA (an unreadable
 * vector).
 */
int ipc_kmsg_aux_copyin(struct ipc_kmsg *kmsg, u64 uaddr)
{
	struct mach_msg_aux_header *hdr = ipc_kmsg_aux(kmsg);
	u32 size = kmsg->aux_size;

	if (!size)
		return MACH_MSG_SUCCESS;
	hdr->msgdh_size = size;
	hdr->msgdh_reserved = 0;
	if (copy_from_user(hdr + 1, u64_to_user_ptr(uaddr + sizeof(*hdr)),
			   size - sizeof(*hdr)))
		return MACH_SEND_INVALID_DATA;
	return MACH_MSG_SUCCESS;
}

/*
 * ipc_kmsg_aux_copyout - give @kmsg's aux data to a receiver whose aux
 * buffer is @rcv_size bytes at @uaddr (0 and 0: it has none)
 * Data larger than the buffer is dropped here (XNU's ipc_kmsg_put_to_user;
 * a vector receiver never gets that far: ipc_mqueue.c refuses it first).
 * Conditions: process context, no locks held; may fault.
 * Returns: MACH_MSG_SUCCESS or MACH_RCV_INVALID_DATA (unwritable buffer).
 */
int ipc_kmsg_aux_copyout(struct ipc_kmsg *kmsg, u64 uaddr, u32 rcv_size)
{
	static const struct mach_msg_aux_header end = { 0 };
	const void *data = ipc_kmsg_aux(kmsg);
	u32 size = kmsg->aux_size;

	if (!uaddr || !rcv_size)
		return MACH_MSG_SUCCESS;
	if (!data) {
		data = &end;
		size = sizeof(end);
	}
	if (size > rcv_size)
		return MACH_MSG_SUCCESS;
	if (copy_to_user(u64_to_user_ptr(uaddr), data, size))
		return MACH_RCV_INVALID_DATA;
	return MACH_MSG_SUCCESS;
}
