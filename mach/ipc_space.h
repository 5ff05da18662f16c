/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPC spaces: a task's port name table.
 *
 * A name is (index << 8) | generation.  The index selects an entry in a
 * table of fixed-size chunks that never move once allocated (so entries can
 * sit in the reverse map); the generation (low two bits always 0b11) advances
 * by 4 each time an index is reused, so a stale name never matches.  Index 0
 * is never used: no name is 0 or ~0.
 *
 * An entry holds the rights the task has under one name: any of SEND,
 * RECEIVE, SEND_ONCE, PORT_SET, DEAD_NAME (type bits as Darwin's
 * MACH_PORT_TYPE_*), user references, and at most one dead-name or
 * send-possible request.  Send and receive rights for the same port share
 * one name: the reverse map (port -> entry) finds it.
 *
 * Locking: space->lock (mutex) protects the table, the free list, the
 * reverse map and every entry.  It is the outermost IPC lock:
 * space->lock -> pset->lock -> port->lock.  It may be held across sleeping
 * allocations but never while waiting for a message or for queue room.
 */
#ifndef _MACHINA_IPC_SPACE_H
#define _MACHINA_IPC_SPACE_H

#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/rhashtable.h>

#include "mach/ipc_abi.h"
#include "mach/ipc_object.h"

#define IPC_ENTRY_CHUNK_SHIFT	8
#define IPC_ENTRY_CHUNK		(1u << IPC_ENTRY_CHUNK_SHIFT)
#define IPC_NAME_INDEX(n)	((n) >> 8)
#define IPC_NAME_GEN(n)		((n) & 0xffu)
#define IPC_NAME(index, gen)	(((index) << 8) | (gen))
#define IPC_GEN_FIRST		0x03u
#define IPC_GEN_STEP		0x04u
/* Indices are 24 bits; the last one would make name ~0 possible. */
#define IPC_INDEX_LIMIT		0xffffffu

struct ipc_request;
struct machina_task;

struct ipc_entry {
	struct ipc_object *object;	/* NULL for a free entry or a dead name */
	u32 type;			/* MACH_PORT_TYPE_* bits */
	u16 urefs;
	u8 gen;
	u8 undo;			/* saved in the current copyin's undo log */
	mach_port_name_t name;		/* valid while in use */
	u32 next_free;			/* free list (index), while free */
	struct ipc_request *request;
	struct rhash_head revmap;	/* while it holds SEND or RECEIVE */
};

struct ipc_space {
	struct mutex lock;
	struct kref ref;
	bool active;
	struct machina_task *task;	/* owner; not a reference */

	struct ipc_entry **chunks;
	u32 nchunks;			/* slots in chunks[] */
	u32 used;			/* names in use */
	u32 free_head;			/* first free index, 0 if none */
	u32 next_chunk_hint;

	struct rhashtable revmap;	/* port pointer -> entry */
};

struct ipc_space *ipc_space_create(struct machina_task *task);
void ipc_space_terminate(struct ipc_space *space);
void ipc_space_put(struct ipc_space *space);

static inline void ipc_space_get(struct ipc_space *space)
{
	kref_get(&space->ref);
}

struct ipc_entry *ipc_entry_lookup(struct ipc_space *space,
				   mach_port_name_t name);
int ipc_entry_alloc(struct ipc_space *space, struct ipc_entry **entryp);
int ipc_entry_alloc_name(struct ipc_space *space, mach_port_name_t name,
			 struct ipc_entry **entryp);
void ipc_entry_free(struct ipc_space *space, struct ipc_entry *entry);
void ipc_entry_set_object(struct ipc_space *space, struct ipc_entry *entry,
			  struct ipc_object *obj, u32 type);
struct ipc_entry *ipc_entry_by_port(struct ipc_space *space,
				    struct ipc_port *port);
int ipc_revmap_insert(struct ipc_space *space, struct ipc_entry *entry);
void ipc_revmap_remove(struct ipc_space *space, struct ipc_entry *entry);
struct ipc_entry *ipc_entry_at(struct ipc_space *space, u32 index);

/* Walk every entry in use.  space->lock held. */
#define ipc_space_for_each_entry(space, idx, entry)			\
	for ((idx) = 1; (idx) < (space)->nchunks * IPC_ENTRY_CHUNK; (idx)++) \
		if (((entry) = ipc_entry_at((space), (idx))) && (entry)->type)

extern unsigned int machina_max_names;

#endif /* _MACHINA_IPC_SPACE_H */
