// SPDX-License-Identifier: GPL-2.0
/*
 * Mach VM ledgers (vm_ledger.h): one per user, the pages its layers hold,
 * bounded by max_vm_bytes.
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "xnu_vm/vm_ledger.h"

/*
 * Bytes of Mach VM object pages one user's layers may hold (rounded down
 * to pages; 0: no bound).  Loaded without a value it is half the RAM (set
 * at init): object pages are not on the LRU, so neither reclaim nor swap
 * takes them back, and the ones a memory entry or a queued message keeps
 * are in no process's RSS, where the OOM killer looks.  Without a memory
 * cgroup limit (the common setup) one user could otherwise hold most of
 * the RAM where nothing can be killed to free it.  Half leaves the rest to
 * everyone else and stays far above what a program of one user touches.
 */
#define LEDGER_UNSET	ULONG_MAX
static unsigned long max_vm_bytes = LEDGER_UNSET;
module_param(max_vm_bytes, ulong, 0644);
MODULE_PARM_DESC(max_vm_bytes,
		 "bytes of Mach VM pages one user may hold (0: no limit; default half the RAM)");

#define LEDGER_HASH_BITS	6
static DEFINE_HASHTABLE(ledger_table, LEDGER_HASH_BITS);
static DEFINE_SPINLOCK(ledger_lock);
static atomic_long_t refused = ATOMIC_LONG_INIT(0);

/*
 * mm_uid - the real uid of the task owning @mm (the one whose memory
 * cgroup pays, xnu_vm_mm_memcg()); the caller's when @mm has no owner any
 * more, or is NULL, or the kernel keeps no owner (no CONFIG_MEMCG).
 */
static kuid_t mm_uid(struct mm_struct *mm)
{
	kuid_t uid = current_uid();
#ifdef CONFIG_MEMCG
	struct task_struct *owner;

	if (!mm)
		return uid;
	rcu_read_lock();
	owner = rcu_dereference(mm->owner);
	if (owner)
		uid = task_uid(owner);
	rcu_read_unlock();
#endif
	return uid;
}

/* ledger_find - @uid's ledger with a new reference, or NULL.  ledger_lock. */
static struct xnu_vm_ledger *ledger_find(kuid_t uid)
{
	struct xnu_vm_ledger *ledger;

	lockdep_assert_held(&ledger_lock);
	hash_for_each_possible(ledger_table, ledger, node, __kuid_val(uid))
		if (uid_eq(ledger->uid, uid)) {
			/* Unhashed under the lock before its last put ends. */
			refcount_inc(&ledger->ref);
			return ledger;
		}
	return NULL;
}

/*
 * xnu_vm_ledger_of_mm - the ledger of the user owning @mm (mm_uid()), made
 * on first use; one reference (xnu_vm_ledger_put()).
 * One small record per user with pages, shared by all its tasks, so it is
 * charged to nobody's memory cgroup; __GFP_NOFAIL as the layers that name
 * it (a fork cannot fail).
 * Conditions: process context, may sleep (cow_lock, a mutex, may be held).
 * Returns: never NULL.
 */
struct xnu_vm_ledger *xnu_vm_ledger_of_mm(struct mm_struct *mm)
{
	struct xnu_vm_ledger *ledger, *new;
	kuid_t uid = mm_uid(mm);

	spin_lock(&ledger_lock);
	ledger = ledger_find(uid);
	spin_unlock(&ledger_lock);
	if (ledger)
		return ledger;
	new = kzalloc(sizeof(*new), GFP_KERNEL | __GFP_NOFAIL);
	new->uid = uid;
	refcount_set(&new->ref, 1);
	atomic_long_set(&new->pages, 0);
	spin_lock(&ledger_lock);
	ledger = ledger_find(uid);
	if (!ledger) {
		hash_add(ledger_table, &new->node, __kuid_val(uid));
		ledger = new;
		new = NULL;
	}
	spin_unlock(&ledger_lock);
	kfree(new);
	return ledger;
}

/* xnu_vm_ledger_get - another reference on @ledger (NULL: none); returns it. */
struct xnu_vm_ledger *xnu_vm_ledger_get(struct xnu_vm_ledger *ledger)
{
	if (ledger)
		refcount_inc(&ledger->ref);
	return ledger;
}

/*
 * xnu_vm_ledger_put - drop a reference (NULL: nothing); the last one
 * frees the ledger, which by then counts nothing (each layer counting in
 * it holds a reference until it has given its pages back).
 */
void xnu_vm_ledger_put(struct xnu_vm_ledger *ledger)
{
	if (!ledger || !refcount_dec_and_lock(&ledger->ref, &ledger_lock))
		return;
	hash_del(&ledger->node);
	spin_unlock(&ledger_lock);
	WARN_ON_ONCE(atomic_long_read(&ledger->pages));
	kfree(ledger);
}

/*
 * xnu_vm_ledger_charge - count @pages (> 0) more in @ledger (NULL: not
 * counted) unless that passes max_vm_bytes.  One atomic.
 * Returns: false (nothing counted, the refusal counted) past the limit.
 */
bool xnu_vm_ledger_charge(struct xnu_vm_ledger *ledger, long pages)
{
	unsigned long limit = READ_ONCE(max_vm_bytes);

	if (!ledger)
		return true;
	if (!limit) {
		atomic_long_add(pages, &ledger->pages);
		return true;
	}
	if (atomic_long_add_return(pages, &ledger->pages) >
	    (long)min(limit >> PAGE_SHIFT, (unsigned long)LONG_MAX)) {
		atomic_long_sub(pages, &ledger->pages);
		atomic_long_inc(&refused);
		return false;
	}
	return true;
}

/*
 * xnu_vm_ledger_add - count @pages in @ledger (NULL: nothing) whatever the
 * limit: negative to give pages back, positive for counts that move from
 * another ledger (vm_ledger.h says which).
 */
void xnu_vm_ledger_add(struct xnu_vm_ledger *ledger, long pages)
{
	if (ledger && pages)
		atomic_long_add(pages, &ledger->pages);
}

/* xnu_vm_ledger_total - the pages all ledgers count now (sysfs). */
long xnu_vm_ledger_total(void)
{
	struct xnu_vm_ledger *ledger;
	long total = 0;
	int bkt;

	spin_lock(&ledger_lock);
	hash_for_each(ledger_table, bkt, ledger, node)
		total += atomic_long_read(&ledger->pages);
	spin_unlock(&ledger_lock);
	return total;
}

/* xnu_vm_ledger_refused - pages refused at the limit since load (sysfs). */
long xnu_vm_ledger_refused(void)
{
	return atomic_long_read(&refused);
}

/* xnu_vm_ledger_init - at load: the default limit (max_vm_bytes). */
void xnu_vm_ledger_init(void)
{
	if (max_vm_bytes == LEDGER_UNSET)
		max_vm_bytes = (totalram_pages() / 2) << PAGE_SHIFT;
}

/*
 * xnu_vm_ledger_exit - at unload, once every object is gone: no ledger is
 * left (each layer and view put its own).
 */
void xnu_vm_ledger_exit(void)
{
	WARN_ON_ONCE(!hash_empty(ledger_table));
}
