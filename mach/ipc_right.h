/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Right transitions inside a space: what deallocate, mod_refs, destroy do to
 * an entry, and how rights leave a space into a message (copyin) and enter
 * one from a message (copyout).
 *
 * Copyin is transactional.  Entries are changed in place while the space
 * lock is held and their previous type and urefs are logged the first time
 * each is touched; ipc_copyin_abort() restores them exactly, and
 * ipc_copyin_commit() frees the names that lost their last right.  So a
 * message either takes all its rights from the sender or none.  Nothing
 * else about a logged entry may change until the copyin ends: its object,
 * reverse-map link and request stay as they were (ipc_right_check() leaves
 * a logged entry alone even when its port has died meanwhile), so that
 * restoring type and urefs restores the whole entry.
 *
 * Every function here needs space->lock held.
 */
#ifndef _MACHINA_IPC_RIGHT_H
#define _MACHINA_IPC_RIGHT_H

#include "mach/ipc_abi.h"
#include "mach/ipc_port.h"
#include "mach/ipc_space.h"

/* A right carried by a message; obj is a port, NULL, or IPC_DEAD. */
#define IPC_DEAD ((struct ipc_object *)-1L)
#define IPC_OBJECT_REAL(o) ((o) && (o) != IPC_DEAD)

struct ipc_msg_right {
	struct ipc_object *obj;
	u8 disp;		/* sender's disposition (MACH_MSG_TYPE_MOVE_* ...) */
	u8 type;		/* what the receiver gets (MACH_MSG_TYPE_PORT_*) */
};

struct ipc_undo_item {
	struct ipc_entry *entry;
	u32 type;
	u16 urefs;
};

struct ipc_copyin {
	struct ipc_space *space;
	u32 count, cap;
	struct ipc_undo_item *items;
	struct ipc_undo_item inline_items[8];
};

u8 ipc_right_received_type(u8 disp);
void ipc_copyin_begin(struct ipc_copyin *c, struct ipc_space *space);
int ipc_copyin_right(struct ipc_copyin *c, mach_port_name_t name, u8 disp,
		     struct ipc_msg_right *out);
void ipc_copyin_commit(struct ipc_copyin *c);
void ipc_copyin_abort(struct ipc_copyin *c);
void ipc_copyin_end(struct ipc_copyin *c);

/* Port-side effects of copied-in rights, and their silent undo. */
void ipc_msg_right_apply(struct ipc_msg_right *r);
void ipc_msg_right_revert(struct ipc_msg_right *r, struct ipc_space *space,
			  mach_port_name_t name);

int ipc_right_copyout(struct ipc_space *space, struct ipc_msg_right *r,
		      mach_port_name_t *namep);
void ipc_msg_right_destroy(struct ipc_msg_right *r);

bool ipc_right_check(struct ipc_space *space, struct ipc_entry *entry);
int ipc_right_dealloc(struct ipc_space *space, struct ipc_entry *entry);
int ipc_right_delta(struct ipc_space *space, struct ipc_entry *entry,
		    u32 right, s32 delta);
int ipc_right_destroy(struct ipc_space *space, struct ipc_entry *entry);
void ipc_right_terminate(struct ipc_space *space, struct ipc_entry *entry);
void ipc_right_cancel_request(struct ipc_space *space, struct ipc_entry *entry,
			      bool notify);
void ipc_entry_drop_if_empty(struct ipc_space *space, struct ipc_entry *entry);
int ipc_right_new(struct ipc_space *space, struct ipc_object *obj, u32 type,
		  mach_port_name_t *namep, struct ipc_entry **entryp);

#endif /* _MACHINA_IPC_RIGHT_H */
