/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mach VM ledgers: the object pages each user's layers hold, and the bound
 * on them (module parameter max_vm_bytes).
 *
 * What counts: every page reference a layer holds (struct xnu_vm_layer's
 * resident), in the ledger of the layer's keeper, the party that pays for
 * what the layer keeps (layer_keeper() in vm_object.c: its payer, or for a
 * top layer without one its view's).  A page two layers hold (a flat copy,
 * an out-of-line or MAP_MEM_VM_COPY snapshot) counts in both: either may
 * be the one that keeps it once the other lets go, so a ledger bounds what
 * its user's layers can keep alive, whoever else holds the same pages.
 * Each layer keeps the ledger it counted its pages in (layer->counted, a
 * reference), moves its whole count when its keeper changes, and gives it
 * back when it is freed, so a ledger never drifts: it reads 0 once its
 * user's layers are gone.
 *
 * Whose: one ledger per real uid (of the task owning the mm a payer comes
 * from), not per task: pages outlive the task that made them (a memory
 * entry's port handed to another process, a queued out-of-line snapshot),
 * and a fork or an exec makes a new task, so a per-task count let a user
 * pin more by exiting and starting again.  As with RLIMIT_NPROC and the
 * locked_vm of RLIMIT_MEMLOCK, the user is the unit that cannot be
 * multiplied.
 *
 * Where it is checked: a new page of a view (view_fill(): faults, copy-ups,
 * mach_vm_behavior_set ZERO) and every page a snapshot or flat copy takes
 * (layer_take()), except a fork's flat copy (a fork cannot fail) and
 * counts moved between ledgers (a collapse, a freeze, a receive), which
 * are forced: they hold pages someone already counted, and the next new
 * page of that ledger is refused.
 *
 * Locks: ledger_lock (spinlock, vm_ledger.c) guards the table; it is a
 * leaf (taken under cow_lock).  The count is an atomic.
 */
#ifndef _MACHINA_XNU_VM_LEDGER_H
#define _MACHINA_XNU_VM_LEDGER_H

#include <linux/atomic.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/uidgid.h>

struct mm_struct;

struct xnu_vm_ledger {
	struct hlist_node node;		/* ledger table; ledger_lock */
	kuid_t uid;
	refcount_t ref;			/* layers and views naming it */
	atomic_long_t pages;		/* page references its layers hold */
};

struct xnu_vm_ledger *xnu_vm_ledger_of_mm(struct mm_struct *mm);
struct xnu_vm_ledger *xnu_vm_ledger_get(struct xnu_vm_ledger *ledger);
void xnu_vm_ledger_put(struct xnu_vm_ledger *ledger);
bool xnu_vm_ledger_charge(struct xnu_vm_ledger *ledger, long pages);
void xnu_vm_ledger_add(struct xnu_vm_ledger *ledger, long pages);
long xnu_vm_ledger_total(void);
long xnu_vm_ledger_refused(void);
void xnu_vm_ledger_init(void);
void xnu_vm_ledger_exit(void);

#endif /* _MACHINA_XNU_VM_LEDGER_H */
