/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Port sets: a receive point over many ports.
 *
 * A membership links one port and one set; a port may belong to several
 * sets.  pset->members is protected by pset->lock, port->memberships by
 * port->lock, and a membership is only linked or unlinked with both held
 * (pset->lock -> port->lock).  Receivers on a set sleep on pset->wq; a
 * message queued on any member wakes it.
 */
#ifndef _MACHINA_IPC_PSET_H
#define _MACHINA_IPC_PSET_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "mach/ipc_abi.h"
#include "mach/ipc_object.h"

struct ipc_pset {
	struct ipc_object obj;
	spinlock_t lock;
	bool active;
	u32 nmembers;
	struct list_head members;	/* struct ipc_pset_member */
	wait_queue_head_t wq;
};

struct ipc_pset_member {
	struct list_head pset_link;
	struct list_head port_link;
	struct ipc_pset *pset;
	struct ipc_port *port;
};

static inline struct ipc_pset *ipc_pset_from_object(struct ipc_object *obj)
{
	return container_of(obj, struct ipc_pset, obj);
}

struct ipc_pset *ipc_pset_alloc(void);
void ipc_pset_free(struct ipc_pset *pset);
void ipc_pset_destroy(struct ipc_pset *pset);
int ipc_pset_add(struct ipc_pset *pset, struct ipc_port *port);
int ipc_pset_remove(struct ipc_pset *pset, struct ipc_port *port);
void ipc_pset_remove_all(struct ipc_port *port);
bool ipc_pset_has_member(struct ipc_pset *pset, struct ipc_port *port);
bool ipc_pset_has_messages(struct ipc_pset *pset);
long ipc_pset_live_count(void);

#endif /* _MACHINA_IPC_PSET_H */
