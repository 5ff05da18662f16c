// SPDX-License-Identifier: GPL-2.0
/* Port sets: membership and destruction.  Locking is in ipc_pset.h. */
#include <linux/atomic.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "mach/ipc_port.h"
#include "mach/ipc_pset.h"
#include "mach/kern_return.h"

static atomic_long_t live_psets = ATOMIC_LONG_INIT(0);

/*
 * Memberships are the one IPC object not bounded by names: every port could
 * join every set, names squared.  Bounding the sets one port may join keeps
 * them linear in the names a task holds.
 */
static unsigned int max_port_sets_per_port = 64;
module_param(max_port_sets_per_port, uint, 0644);
MODULE_PARM_DESC(max_port_sets_per_port,
		 "Port sets one port may belong to at once (KERN_RESOURCE_SHORTAGE beyond)");

long ipc_pset_live_count(void)
{
	return atomic_long_read(&live_psets);
}

struct ipc_pset *ipc_pset_alloc(void)
{
	struct ipc_pset *pset;

	pset = kzalloc(sizeof(*pset), GFP_KERNEL_ACCOUNT);
	if (!pset)
		return NULL;
	kref_init(&pset->obj.ref);
	pset->obj.kind = IPC_OBJECT_PSET;
	spin_lock_init(&pset->lock);
	pset->active = true;
	INIT_LIST_HEAD(&pset->members);
	init_waitqueue_head(&pset->wq);
	atomic_long_inc(&live_psets);
	return pset;
}

void ipc_pset_free(struct ipc_pset *pset)
{
	atomic_long_dec(&live_psets);
	kfree(pset);
}

/* Conditions: pset->lock held. */
static struct ipc_pset_member *find_member(struct ipc_pset *pset,
					   struct ipc_port *port)
{
	struct ipc_pset_member *m;

	lockdep_assert_held(&pset->lock);
	list_for_each_entry(m, &pset->members, pset_link)
		if (m->port == port)
			return m;
	return NULL;
}

/* Conditions: pset->lock and port->lock held. */
static void unlink_member(struct ipc_pset *pset, struct ipc_pset_member *m)
{
	lockdep_assert_held(&pset->lock);
	lockdep_assert_held(&m->port->lock);
	list_del(&m->pset_link);
	list_del(&m->port_link);
	pset->nmembers--;
}

bool ipc_pset_has_member(struct ipc_pset *pset, struct ipc_port *port)
{
	bool found;

	spin_lock(&pset->lock);
	found = find_member(pset, port);
	spin_unlock(&pset->lock);
	return found;
}

/*
 * ipc_pset_add - make @port a member of @pset
 * Returns: KERN_SUCCESS, KERN_ALREADY_IN_SET (11), KERN_RESOURCE_SHORTAGE
 * (no memory, or the port is in max_port_sets_per_port sets already), or
 * KERN_INVALID_RIGHT if either is dead.
 * Conditions: process context, no pset or port lock held.
 */
int ipc_pset_add(struct ipc_pset *pset, struct ipc_port *port)
{
	struct ipc_pset_member *m;
	int kr = KERN_SUCCESS;

	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		return KERN_RESOURCE_SHORTAGE;
	m->pset = pset;
	m->port = port;
	spin_lock(&pset->lock);
	if (find_member(pset, port)) {
		kr = 11; /* KERN_ALREADY_IN_SET */
		goto out;
	}
	spin_lock(&port->lock);
	if (!pset->active || !port->active) {
		spin_unlock(&port->lock);
		kr = KERN_INVALID_RIGHT;
		goto out;
	}
	if (list_count_nodes(&port->memberships) >= max_port_sets_per_port) {
		spin_unlock(&port->lock);
		kr = KERN_RESOURCE_SHORTAGE;
		goto out;
	}
	list_add_tail(&m->pset_link, &pset->members);
	list_add_tail(&m->port_link, &port->memberships);
	pset->nmembers++;
	m = NULL;
	spin_unlock(&port->lock);
out:
	spin_unlock(&pset->lock);
	kfree(m);
	/* Messages already queued make the set readable at once. */
	if (kr == KERN_SUCCESS)
		wake_up(&pset->wq);
	return kr;
}

/* Returns: KERN_SUCCESS or KERN_NOT_IN_SET. */
int ipc_pset_remove(struct ipc_pset *pset, struct ipc_port *port)
{
	struct ipc_pset_member *m;

	spin_lock(&pset->lock);
	m = find_member(pset, port);
	if (m) {
		spin_lock(&port->lock);
		unlink_member(pset, m);
		spin_unlock(&port->lock);
	}
	spin_unlock(&pset->lock);
	if (!m)
		return KERN_NOT_IN_SET;
	kfree(m);
	return KERN_SUCCESS;
}

/*
 * ipc_pset_remove_all - take @port out of every set
 * Conditions: no pset or port lock held.  The port lock is taken to find a
 * set, dropped, and the membership is removed under pset->lock ->
 * port->lock after looking it up again, since it may have gone meanwhile.
 */
void ipc_pset_remove_all(struct ipc_port *port)
{
	for (;;) {
		struct ipc_pset_member *m;
		struct ipc_pset *pset;

		spin_lock(&port->lock);
		m = list_first_entry_or_null(&port->memberships,
					     struct ipc_pset_member, port_link);
		pset = m ? m->pset : NULL;
		if (pset)
			kref_get(&pset->obj.ref);
		spin_unlock(&port->lock);
		if (!pset)
			return;
		ipc_pset_remove(pset, port);
		ipc_object_put(&pset->obj);
	}
}

/* Conditions: pset->lock not held. */
bool ipc_pset_has_messages(struct ipc_pset *pset)
{
	struct ipc_pset_member *m;
	bool any = false;

	spin_lock(&pset->lock);
	list_for_each_entry(m, &pset->members, pset_link) {
		spin_lock(&m->port->lock);
		any = m->port->msgcount > 0 && m->port->receiver;
		spin_unlock(&m->port->lock);
		if (any)
			break;
	}
	spin_unlock(&pset->lock);
	return any;
}

/* The set's right is destroyed: empty it and wake its receivers. */
void ipc_pset_destroy(struct ipc_pset *pset)
{
	struct ipc_pset_member *m, *tmp;
	LIST_HEAD(gone);

	spin_lock(&pset->lock);
	pset->active = false;
	list_for_each_entry_safe(m, tmp, &pset->members, pset_link) {
		spin_lock(&m->port->lock);
		unlink_member(pset, m);
		spin_unlock(&m->port->lock);
		list_add(&m->pset_link, &gone);
	}
	spin_unlock(&pset->lock);
	wake_up_all(&pset->wq);
	list_for_each_entry_safe(m, tmp, &gone, pset_link)
		kfree(m);
}
