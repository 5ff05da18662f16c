/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a name in an IPC space can denote: a port or a port set.  Both start
 * with this header, so a space entry holds one pointer and a kind.
 *
 * References: every holder of a pointer to an object holds one reference
 * (space entries, rights in messages, notification requests, descriptors,
 * the kernel for kernel-object ports).  The object is freed when the last
 * one is dropped; by then it is inactive (dead) and unreachable.
 */
#ifndef _MACHINA_IPC_OBJECT_H
#define _MACHINA_IPC_OBJECT_H

#include <linux/kref.h>
#include <linux/types.h>

enum ipc_object_kind {
	IPC_OBJECT_PORT = 1,
	IPC_OBJECT_PSET = 2,
};

struct ipc_object {
	struct kref ref;
	u8 kind;
};

struct ipc_port;
struct ipc_pset;

static inline bool ipc_object_is_port(const struct ipc_object *obj)
{
	return obj->kind == IPC_OBJECT_PORT;
}

static inline void ipc_object_get(struct ipc_object *obj)
{
	kref_get(&obj->ref);
}

void ipc_object_put(struct ipc_object *obj);
u32 ipc_object_id(const struct ipc_object *obj);

#endif /* _MACHINA_IPC_OBJECT_H */
