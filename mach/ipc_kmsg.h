/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel messages: a Mach message between copyin and copyout.
 *
 * The header's ports and every right in the body are held as
 * struct ipc_msg_right (a reference plus the right itself, counted on the
 * port); out-of-line memory is either a copy-on-write snapshot of the
 * sender's Mach VM range (MACH_MSG_VIRTUAL_COPY beyond ool_copy_bytes
 * bytes: xnu_vm/vm_map_copy.h) or copied into a kernel buffer charged to
 * the sender's memory cgroup (everything else).  The inline body is kept
 * as the sender wrote it; descriptors are rewritten for the receiver at
 * copyout.
 *
 * A kmsg is owned by exactly one place at a time: the sending thread, a
 * port's queue (port->messages, under port->lock), or the receiving thread.
 * ipc_kmsg_destroy() releases everything it holds, which may send
 * notifications.  A receive right found inside a destroyed message is put on
 * a "dying" list that the outermost destroyer drains in a loop, so
 * destroying a port whose queue holds a message holding a receive right
 * (and so on) never recurses.
 */
#ifndef _MACHINA_IPC_KMSG_H
#define _MACHINA_IPC_KMSG_H

#include <linux/cred.h>
#include <linux/list.h>
#include <linux/pid.h>

#include "mach/ipc_abi.h"
#include "mach/ipc_right.h"

struct machina_task;
struct xnu_vm_map_copy;

struct ipc_kmsg_desc {
	u8 type;			/* MACH_MSG_*_DESCRIPTOR */
	u8 copy;
	u8 deallocate;
	u8 disp;			/* OOL ports: the disposition */
	u16 guard_flags;
	u8 ool;				/* OOL bytes: enum ipc_kmsg_ool */
	u32 count;			/* OOL bytes, or OOL ports */
	u64 context;			/* guarded port */
	union {
		u64 user_addr;		/* sender's address (for deallocate) */
		u64 rcv_addr;		/* KMSG_OOL_MAPPED: the receiver's */
	};
	struct ipc_msg_right right;	/* port, guarded port */
	union {
		void *data;		/* OOL bytes copied, OOL port names */
		struct xnu_vm_map_copy *vmcopy;	/* KMSG_OOL_SNAPSHOT */
	};
	struct ipc_msg_right *rights;	/* OOL ports */
};

/* How a descriptor's out-of-line bytes are held (ipc_kmsg_desc.ool). */
enum ipc_kmsg_ool {
	KMSG_OOL_COPIED,		/* in data (or none) */
	KMSG_OOL_SNAPSHOT,		/* vmcopy: a copy-on-write snapshot */
	KMSG_OOL_MAPPED,		/* the snapshot is mapped at rcv_addr */
	KMSG_OOL_NO_SPACE,		/* it found no room in the receiver */
	KMSG_OOL_NO_MEMORY,		/* or no memory */
};

struct ipc_kmsg {
	struct list_head link;
	u32 size;			/* msgh_size: header + body */
	u32 bits;			/* sender's msgh_bits */
	s32 id;
	u32 ndesc;
	struct ipc_msg_right remote;	/* the destination */
	struct ipc_msg_right local;	/* the reply right */
	struct ipc_kmsg_desc *desc;
	u8 *body;			/* size - 24 bytes after the header */

	u32 alloc_class;		/* allocation size class, 0: not parked (ipc_kmsg.c) */

	/* Trailer facts about the sender, taken at send time. */
	bool from_kernel;
	u8 qos;				/* the class it carries (ipc_qos_override.h) */
	u16 aux_size;			/* mach_msg2 aux data (ipc_kmsg_aux.c), 0: none */
	kuid_t euid, ruid;
	kgid_t egid, rgid;
	struct pid *sender_pid;
	struct pid *sender_session;	/* its session (audit token asid), a reference */
	u32 pidversion;
	u32 seqno;			/* set at dequeue */
	u64 context;			/* set at dequeue */

	/* Queued-memory accounting of the sending task. */
	struct machina_task *charge_task;
	u64 charge;

	/*
	 * A preallocated message (a timer's): when freed it goes back to its
	 * owner (home->back()) instead of to the allocator.  Never parked.
	 */
	struct ipc_kmsg_home *home;
};

/* Embedded in the owner of a preallocated message (container_of). */
struct ipc_kmsg_home {
	void (*back)(struct ipc_kmsg_home *home, struct ipc_kmsg *kmsg);
};

struct ipc_kmsg *ipc_kmsg_alloc(u32 size);
struct ipc_kmsg *ipc_kmsg_alloc_aux(u32 size, u32 aux_size);
struct ipc_kmsg *ipc_kmsg_alloc_reserved(u32 size, struct ipc_kmsg_home *home);
void ipc_kmsg_reserved_take(struct ipc_kmsg *kmsg);
void ipc_kmsg_reserved_free(struct ipc_kmsg *kmsg);
void ipc_kmsg_destroy(struct ipc_kmsg *kmsg);
void ipc_kmsg_destroy_into(struct ipc_kmsg *kmsg, struct list_head *dying);
void ipc_kmsg_free(struct ipc_kmsg *kmsg);
void ipc_kmsg_cache_drain(void);
void ipc_kmsg_deliver_kernel(struct ipc_kmsg *kmsg);
void ipc_kmsg_set_sender_kernel(struct ipc_kmsg *kmsg);
long ipc_kmsg_live_count(void);

extern unsigned int machina_max_msg_size;
extern unsigned long machina_max_queued_bytes;
extern unsigned int machina_ool_copy_bytes;

/* The header room in front of the body (see ipc_kmsg_alloc()). */
static inline struct mach_msg_header *ipc_kmsg_header(struct ipc_kmsg *kmsg)
{
	return (struct mach_msg_header *)(kmsg + 1);
}

/* The trailer room after the body (MACH_MSG_TRAILER_MAX_SIZE bytes). */
static inline struct mach_msg_trailer_max *ipc_kmsg_trailer(struct ipc_kmsg *kmsg)
{
	return (struct mach_msg_trailer_max *)((u8 *)(kmsg + 1) + kmsg->size);
}

/* XNU's mach_msg_aux_header_t, and its IPC_KMSG_MAX_AUX_DATA_SPACE. */
struct mach_msg_aux_header {
	u32 msgdh_size;
	u32 msgdh_reserved;
};
#define IPC_KMSG_AUX_MAX	1024

/* The aux data room after the trailer room (aux_size bytes), or NULL. */
static inline struct mach_msg_aux_header *ipc_kmsg_aux(struct ipc_kmsg *kmsg)
{
	if (!kmsg->aux_size)
		return NULL;
	return (struct mach_msg_aux_header *)((u8 *)(kmsg + 1) + kmsg->size +
					       MACH_MSG_TRAILER_MAX_SIZE);
}

int ipc_kmsg_aux_copyin(struct ipc_kmsg *kmsg, u64 uaddr);
int ipc_kmsg_aux_copyout(struct ipc_kmsg *kmsg, u64 uaddr, u32 rcv_size);

void ipc_kmsg_fill_trailer(const struct ipc_kmsg *kmsg, u32 seqno, u32 size,
			   bool with_context, struct mach_msg_trailer_max *t);

#endif /* _MACHINA_IPC_KMSG_H */
