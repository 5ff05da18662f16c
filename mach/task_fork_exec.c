// SPDX-License-Identifier: GPL-2.0
/*
 * What fork and exec do to a Mach task (task.h has the rules and the lock
 * order).
 *
 * Fork: the child of a process with a Mach task inherits send rights to its
 * parent's BOOTSTRAP and HOST special ports and its exception actions; the
 * rest of its IPC space is new and empty.  A parent that never used Mach
 * passes on what it inherited itself (still unclaimed), so the children of
 * a shell started by machina-bootstrap find the bootstrap port too.
 *
 * The sched_process_fork probe runs in the parent with preemption disabled,
 * before the child first runs.  Nothing there may sleep, and on PREEMPT_RT
 * that rules out every spinlock_t and every allocation: the probe only
 * notes the child in the parent's fork source and queues task work on the
 * forking thread, which makes the child's inheritance record (the rights
 * the parent holds, copied) before fork() returns to the parent.  A child
 * that makes its task before that (vfork, or it simply ran first) makes the
 * record from its parent itself; inherit_mutex orders the two.  The record
 * is claimed when the child's task is made (its first Mach call, or
 * task_for_pid on it), or it goes when the child exits (task work queued by
 * the exit probe, which first hands the child's own children their
 * records).  Module unload releases whatever is left.
 *
 * Exec: the IPC space survives, but every task, name and thread port names
 * one exec image (docs/ARCHITECTURE.md, "Exec images and ports").  The
 * image's generation is the kernel's self_exec_id, which moves inside the
 * exec under exec_update_lock before the new credentials are committed;
 * lookups compare it under the same lock (machina_image_lock()), so no port
 * of the old image reaches the new one, whatever runs when.  The
 * sched_process_exec probe then kills the exec'ing thread's record and
 * queues task work (TWA_RESUME) that destroys the old ports (their
 * dead-name requests fire) before the new image runs user code, gives the
 * task's own space a send right to the new control port (what
 * mach_task_self() then names) and, after an exec that raised privilege,
 * drops the exception and special ports.
 */
#include <linux/auxvec.h>
#include <linux/binfmts.h>
#include <linux/hashtable.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/tracepoint.h>

#include "mach/ipc_kobject.h"
#include "mach/ipc_right.h"
#include "mach/ipc_space.h"
#include "mach/kern_return.h"
#include "mach/sched_qos.h"
#include "mach/task.h"
#include "mach/thread.h"
#include "personality/trap.h"

#define INHERIT_BITS 6

/*
 * An inheritance record: what the child @tgid was handed at fork, until its
 * task claims it or it exits.  A process that never uses Mach keeps its
 * record for life and hands it on to its own children (@src).
 */
struct inherit {
	struct hlist_node node;		/* inherit_table; inherit_mutex + RCU */
	struct pid *tgid;		/* the child's; a reference */
	u64 exec_id;			/* its image when it forked */
	struct machina_task_ports ports;	/* send rights; fixed once hashed */
	u32 qos_word;			/* the main thread's class (sched_qos.h,
					 * "Fork"); fixed once hashed */
	struct machina_fork_src src;	/* its own children, forked meanwhile */
	struct kref ref;		/* the table's while hashed, and users' */
	bool hashed;			/* in inherit_table; inherit_mutex */
	unsigned long flags;		/* INHERIT_DROPPING */
	struct callback_head drop_work;	/* in the exiting process */
	struct work_struct drop_fallback;
	struct llist_node free_node;	/* reap_list */
	struct rcu_head rcu;
};

#define INHERIT_DROPPING 0

/*
 * inherit_mutex serialises every change to inherit_table and every drain of
 * a fork source, so a child that claims its record while its parent still
 * hands it down waits for it.  The probes only read the table (RCU).
 */
static DEFINE_HASHTABLE(inherit_table, INHERIT_BITS);
static DEFINE_MUTEX(inherit_mutex);
static atomic_t inherit_count = ATOMIC_INIT(0);
static LLIST_HEAD(reap_list);

static struct tracepoint *fork_tp, *exec_tp;

static struct inherit *inherit_lookup(struct pid *tgid);
static bool secure_exec_since(struct task_struct *p, u64 exec_id);

static void reap_fn(struct work_struct *work);
static DECLARE_WORK(reap_work, reap_fn);

bool machina_task_inherit_pending(void)
{
	return atomic_read(&inherit_count) > 0;
}

/*
 * machina_task_inherit_traps_rcu - whether the process of @p, which has no
 * Mach task, may have been handed the trap opt-in at fork: its record says
 * so, or (no record yet: the child ran before its parent returned from
 * fork) its parent is an opted-in task that noted it
 * Conditions: RCU read side; @p is current, any context (the sys_enter
 * probe: raw locks only).  A first answer: machina_task_inherit_traps()
 * decides, and it must not say no where this said yes for an image that
 * raised privilege (arm64: the probe's mark takes the call away from
 * Linux's x8), so the same image checks are made here: an AT_SECURE image
 * since the fork, or (no record yet) more than one exec since it.
 */
bool machina_task_inherit_traps_rcu(struct task_struct *p)
{
	struct pid *tgid = task_tgid(p);
	struct machina_task *parent;
	struct inherit *rec;
	bool found = false;
	unsigned int i;
	u64 exec_id = 0;

	rec = inherit_lookup(tgid);
	if (rec)
		return rec->ports.traps && !test_bit(INHERIT_DROPPING, &rec->flags) &&
		       !secure_exec_since(p, rec->exec_id);
	parent = machina_task_lookup_rcu(task_tgid(rcu_dereference(p->real_parent)));
	if (!parent || !test_bit(MACHINA_TASK_TRAPS, &parent->trap_flags))
		return false;
	raw_spin_lock(&parent->fork_src.lock);
	for (i = 0; i < parent->fork_src.nr && !found; i++) {
		found = parent->fork_src.notes[i].child == tgid;
		if (found)
			exec_id = parent->fork_src.notes[i].exec_id;
	}
	raw_spin_unlock(&parent->fork_src.lock);
	return found && READ_ONCE(p->self_exec_id) - exec_id <= 1 &&
	       !secure_exec_since(p, exec_id);
}

/* inherit_lookup - the record of @tgid.  Conditions: RCU or inherit_mutex. */
static struct inherit *inherit_lookup(struct pid *tgid)
{
	struct inherit *rec;

	hash_for_each_possible_rcu(inherit_table, rec, node, (unsigned long)tgid,
				   lockdep_is_held(&inherit_mutex)) {
		if (rec->tgid == tgid)
			return rec;
	}
	return NULL;
}

/*
 * Last reference: the rights go from process context (a no-senders
 * notification may be sent), the memory after an RCU grace period (the
 * probes read records under RCU).  Any context: the fork probe may drop
 * the last reference.
 */
static void inherit_release(struct kref *ref)
{
	struct inherit *rec = container_of(ref, struct inherit, ref);

	llist_add(&rec->free_node, &reap_list);
	machina_task_queue_work(&reap_work);
}

static void inherit_put(struct inherit *rec)
{
	kref_put(&rec->ref, inherit_release);
}

static void reap_fn(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&reap_list);
	struct inherit *rec, *next;
	int i;

	llist_for_each_entry_safe(rec, next, list, free_node) {
		machina_task_ports_release(&rec->ports);
		/* Children it never handed down get nothing from it now. */
		for (i = 0; i < rec->src.nr; i++) {
			put_pid(rec->src.notes[i].child);
			machina_thread_put(rec->src.notes[i].lifted);
		}
		put_pid(rec->tgid);
		kfree_rcu(rec, rcu);
	}
}

/* Take a kernel-held send right to @port.  Conditions: port->lock free. */
static struct ipc_port *copy_right(struct ipc_port *port)
{
	if (!port)
		return NULL;
	ipc_port_copy_send(port);
	ipc_port_get(port);
	return port;
}

/* Copy every right of @from into @to (empty), taking new send rights. */
static void copy_ports(struct machina_task_ports *to,
		       const struct machina_task_ports *from)
{
	int i;

	to->bootstrap = copy_right(from->bootstrap);
	to->host = copy_right(from->host);
	/* The opt-in travels with a count of its own on the trap hooks. */
	to->traps = from->traps && machina_trap_hold_more();
	for (i = 0; i < MACHINA_EXC_TYPES; i++) {
		to->exc[i] = from->exc[i];
		copy_right(from->exc[i].port);
	}
}

static bool ports_any(const struct machina_task_ports *p)
{
	int i;

	if (p->bootstrap || p->host || p->traps)
		return true;
	for (i = 0; i < MACHINA_EXC_TYPES; i++)
		if (p->exc[i].port || p->exc[i].behavior)
			return true;
	return false;
}

/*
 * auxv_secure - what the auxiliary vector of @mm says of AT_SECURE, or
 * @unknown when it says nothing (an exec that has not written it yet)
 */
static bool auxv_secure(struct mm_struct *mm, bool unknown)
{
	int i;

	for (i = 0; i + 1 < ARRAY_SIZE(mm->saved_auxv) && mm->saved_auxv[i] != AT_NULL; i += 2) {
		if (mm->saved_auxv[i] == AT_SECURE)
			return mm->saved_auxv[i + 1] != 0;
	}
	return unknown;
}

/*
 * secure_exec_since - whether the thread group of @p has exec'd, since the
 * image @exec_id it had at fork, into an image that raised privilege
 * (AT_SECURE: setuid, setgid, file capabilities, an LSM transition)
 * Conditions: @p is current (any context: its mm cannot change under it),
 * or process context and @p referenced (RCU or a reference).
 *
 * Such an image must not get what its invoker's family handed down, nor pass
 * it on: the exec probe drops the record, but the record may not exist yet
 * (a vfork child execs while its parent is still in fork()), so every path
 * that claims or hands on a record asks this.  The kernel keeps AT_SECURE
 * in the image's auxiliary vector (mm->saved_auxv), written late in the
 * exec: an image whose vector says nothing yet (its exec is still running:
 * only a claim made by another process through task_for_pid can see that)
 * counts as raised, and so does one without memory (fail closed).
 */
static bool secure_exec_since(struct task_struct *p, u64 exec_id)
{
	struct mm_struct *mm;
	bool secure;

	if (READ_ONCE(p->self_exec_id) == exec_id)
		return false;
	mm = p == current ? current->mm : get_task_mm(p);
	if (!mm)
		return true;
	secure = auxv_secure(mm, true);
	if (p != current)
		mmput(mm);
	return secure;
}

/* The leader of the thread group @tgid (it carries the group's exec id). */
static bool group_secure_since(struct pid *tgid, u64 exec_id)
{
	struct task_struct *p = get_pid_task(tgid, PIDTYPE_TGID);
	bool secure;

	if (!p)
		return true;
	secure = secure_exec_since(p, exec_id);
	put_task_struct(p);
	return secure;
}

/* --- fork sources ------------------------------------------------------------ */

void machina_fork_src_init(struct machina_fork_src *src, bool is_task)
{
	raw_spin_lock_init(&src->lock);
	src->is_task = is_task;
}

/*
 * src_tryget - a reference on the owner of @src (a task or a record)
 * Conditions: any context; the owner is known to be there (RCU).
 */
static bool src_tryget(struct machina_fork_src *src)
{
	if (src->is_task)
		return kref_get_unless_zero(&container_of(src, struct machina_task, fork_src)->ref);
	return kref_get_unless_zero(&container_of(src, struct inherit, src)->ref);
}

/* src_put - drop it.  Conditions: any context. */
static void src_put(struct machina_fork_src *src)
{
	if (src->is_task)
		machina_task_put(container_of(src, struct machina_task, fork_src));
	else
		inherit_put(container_of(src, struct inherit, src));
}

/*
 * src_copy - what the owner of @src hands down now, as new send rights in
 * @to (empty)
 * Conditions: process context, inherit_mutex held; a reference on the owner.
 * Returns: whether there was anything to hand down.
 */
static bool src_copy(struct machina_fork_src *src, struct machina_task_ports *to)
{
	struct machina_task *task;
	struct machina_task_ports now;

	lockdep_assert_held(&inherit_mutex);
	if (!src->is_task) {
		/* A record's rights are fixed while anyone holds it. */
		copy_ports(to, &container_of(src, struct inherit, src)->ports);
		return ports_any(to);
	}
	task = container_of(src, struct machina_task, fork_src);
	spin_lock(&task->itk_lock);
	if (!task->itk_dead) {
		now.bootstrap = task->special[TASK_BOOTSTRAP_PORT];
		now.host = task->special[TASK_HOST_PORT];
		memcpy(now.exc, task->exc, sizeof(now.exc));
		now.traps = test_bit(MACHINA_TASK_TRAPS, &task->trap_flags);
		/* port->lock under itk_lock: see task.h. */
		copy_ports(to, &now);
	}
	spin_unlock(&task->itk_lock);
	return ports_any(to);
}

/* group_alive - whether the thread group @tgid has a live thread left. */
static bool group_alive(struct pid *tgid)
{
	struct task_struct *p;
	bool alive;

	rcu_read_lock();
	p = pid_task(tgid, PIDTYPE_TGID);
	alive = p && atomic_read(&p->signal->live) > 0;
	rcu_read_unlock();
	return alive;
}

/* Unhash @rec and drop the table's reference.  Conditions: inherit_mutex. */
static void inherit_unhash(struct inherit *rec)
{
	lockdep_assert_held(&inherit_mutex);
	if (!rec->hashed)
		return;
	hash_del_rcu(&rec->node);
	rec->hashed = false;
	atomic_dec(&inherit_count);
	inherit_put(rec);
}

static void drop_task_work(struct callback_head *cb);
static void drop_fallback_work(struct work_struct *work);

/*
 * exec_unseen_raised - whether the process @child exec'd, since its image
 * @exec_id at fork and before its record (just hashed) could be seen by
 * the exec probe, more than once or into an image that raised privilege
 * Conditions: process context; the record is hashed, a full barrier since.
 *
 * The exec probe drops a record at an AT_SECURE exec, but only one that
 * is hashed by then; and the later checks only ask about the image the
 * process runs when they ask.  An image between the two (the setuid one,
 * which made itself root and exec'd a plain one) would go unchecked.  An
 * exec that has not written its auxiliary vector yet has not reached its
 * probe either (it runs after the binary is loaded): that probe sees the
 * record.  An exec meanwhile leaves the image unknown: counted as raised.
 */
static bool exec_unseen_raised(struct pid *child, u64 exec_id)
{
	struct task_struct *p = get_pid_task(child, PIDTYPE_TGID);
	struct mm_struct *mm;
	bool raised = false;
	u64 seen;

	if (!p)
		return false;	/* gone: group_alive() tells */
	seen = READ_ONCE(p->self_exec_id);
	if (seen - exec_id > 1) {
		raised = true;
	} else if (seen != exec_id) {
		mm = get_task_mm(p);
		if (mm) {
			raised = auxv_secure(mm, false);
			mmput(mm);
		}
		smp_rmb();	/* the vector before the id again */
		if (READ_ONCE(p->self_exec_id) != seen)
			raised = true;
	}
	put_task_struct(p);
	return raised;
}

/*
 * inherit_create - the record of @child, handed what @src's owner holds
 * and the class @qos_word of the thread that forked it (0: none)
 * Conditions: process context, inherit_mutex held; charged to the caller.
 * The child may have exited before its record existed; its exit probe then
 * found nothing, so the record goes again at once.
 */
static void inherit_create(struct machina_fork_src *src, struct pid *child,
			   u64 exec_id, u32 qos_word)
{
	struct inherit *rec;

	lockdep_assert_held(&inherit_mutex);
	if (inherit_lookup(child))
		return;		/* a pid is one child at a time: already handed */
	/*
	 * Whether the child runs a raised image is asked again when the record
	 * is used (claimed, or a source for the child's own children): a vfork
	 * child may be in the middle of its exec now, its new image's auxiliary
	 * vector not yet written.  Here only the images the exec probe cannot
	 * have seen (exec_unseen_raised()).
	 */
	rec = kzalloc(sizeof(*rec), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!rec) {
		pr_warn_ratelimited("machina: no memory: pid %d inherits no special ports\n",
				    pid_nr(child));
		return;
	}
	if (!src_copy(src, &rec->ports) && !qos_word) {
		kfree(rec);	/* nothing to hand down: no rights taken */
		return;
	}
	rec->qos_word = qos_word;
	rec->tgid = get_pid(child);
	rec->exec_id = exec_id;
	kref_init(&rec->ref);	/* the table's */
	machina_fork_src_init(&rec->src, false);
	INIT_WORK(&rec->drop_fallback, drop_fallback_work);
	hash_add_rcu(inherit_table, &rec->node, (unsigned long)child);
	rec->hashed = true;
	atomic_inc(&inherit_count);
	/* Pairs with the full barrier of the child's signal->live decrement. */
	smp_mb();
	if ((!group_alive(child) || exec_unseen_raised(child, exec_id)) &&
	    !test_and_set_bit(INHERIT_DROPPING, &rec->flags))
		inherit_unhash(rec);
}

/*
 * unlift_child - @note's child (a tgid) was forked by a thread an IPC
 * override lifted (note->lifted, its record): the child's main thread
 * loses the lift (machina_sched_unlift_child()) if it still runs at what
 * clone() gave it.  Usually from the forking thread's task work, before
 * fork() returns to it; but the child may have run already, and the drain
 * can come much later (another thread's vfork() holds the task work back,
 * or the child's claim or the teardown's flush drains): whatever the child,
 * its parent or a new image chose meanwhile stays.
 * Conditions: process context; may sleep.
 */
static void unlift_child(const struct machina_fork_note *note)
{
	struct task_struct *p = get_pid_task(note->child, PIDTYPE_PID);

	if (p) {
		machina_sched_unlift_child(note->lifted, p, note->policy,
					   note->nice);
		put_task_struct(p);
	}
}

/*
 * src_drain - make the records of every child @src has forked and not yet
 * handed down, and take off the IPC override a lifted forking thread's
 * child copied
 * Conditions: process context, inherit_mutex held; a reference on the owner.
 */
static void src_drain(struct machina_fork_src *src)
{
	struct machina_fork_note notes[MACHINA_FORKS_IN_FLIGHT];
	unsigned int n, i;

	lockdep_assert_held(&inherit_mutex);
	raw_spin_lock(&src->lock);
	n = src->nr;
	memcpy(notes, src->notes, n * sizeof(notes[0]));
	src->nr = 0;
	raw_spin_unlock(&src->lock);
	for (i = 0; i < n; i++) {
		inherit_create(src, notes[i].child, notes[i].exec_id,
			       notes[i].qos_word);
		if (notes[i].lifted) {
			unlift_child(&notes[i]);
			machina_thread_put(notes[i].lifted);
		}
		put_pid(notes[i].child);
	}
}

/*
 * drain_task_work - the forking thread hands down what it holds, on its way
 * back to user mode from fork() (or at its exit)
 * Conditions: task work (process context, no locks held) queued by
 * fork_probe(); owns a reference on the owner and on the module.
 */
static void drain_task_work(struct callback_head *cb)
{
	struct machina_fork_src *src =
		container_of(cb, struct machina_fork_src, drain_work);

	/* From here on a new fork queues the work again (see fork_probe()). */
	clear_bit(MACHINA_FORK_DRAIN_QUEUED, &src->flags);
	smp_mb__after_atomic();
	mutex_lock(&inherit_mutex);
	src_drain(src);
	mutex_unlock(&inherit_mutex);
	src_put(src);
	module_put(THIS_MODULE);
}

/*
 * machina_task_inherit_flush - hand down to every child @task forked and has
 * not handed down yet
 * Conditions: process context, no locks held; the task's ports still live
 * (its teardown calls this first).
 */
void machina_task_inherit_flush(struct machina_task *task)
{
	mutex_lock(&inherit_mutex);
	src_drain(&task->fork_src);
	mutex_unlock(&inherit_mutex);
}

/*
 * fork_probe - sched_process_fork: @child is a new thread or process
 * Conditions: runs in the parent with preemption disabled; must not sleep,
 * and takes no spinlock_t (a sleeping lock on PREEMPT_RT) and allocates
 * nothing: it notes the child in its parent's fork source (raw lock, fixed
 * room) and queues task work (TWA_RESUME) that makes the child's record,
 * with the parent's rights as they are, before fork() returns to the
 * parent.  A child that makes its task first takes its record from the
 * parent itself (machina_task_inherit_claim()).  Only a new thread group
 * inherits ports; a new thread (CLONE_THREAD) inherits its creator's QoS
 * class (machina_sched_cloned()).  A new process forked by a thread that
 * an IPC override lifts, or lifted while clone() copied its values
 * (machina_sched_fork_lifted()), is noted with that thread's record: the
 * drain takes the lift off the child (unlift_child()).  The note also
 * carries the forking thread's requested class for the child's main thread
 * (machina_sched_fork_word()); a process that never used Mach hands on the
 * class its own record carries, from its main thread and its fork image.
 */
static void fork_probe(void *data, struct task_struct *parent,
		       struct task_struct *child)
{
	struct machina_thread *lifted = NULL;
	struct machina_fork_src *src = NULL;
	struct machina_task *task;
	struct inherit *rec;
	u32 qos_word = 0;
	bool noted;

	if ((!machina_task_live_count() && !machina_task_inherit_pending()) ||
	    (child->flags & PF_KTHREAD))
		return;
	if (!thread_group_leader(child)) {
		/* A new thread: its creator's QoS class (sched_qos.c). */
		machina_sched_cloned(parent, child);
		return;
	}
	rcu_read_lock();
	task = machina_task_lookup_rcu(task_tgid(parent));
	if (task && src_tryget(&task->fork_src)) {
		src = &task->fork_src;
		/* The forking thread's: LIVE while it runs (thread.h). */
		lifted = machina_thread_lookup_rcu(task, task_pid(parent));
		if (lifted)
			qos_word = machina_sched_fork_word(&lifted->sched, parent);
		if (lifted && (!machina_sched_fork_lifted(&lifted->sched,
							 parent, child) ||
			       !kref_get_unless_zero(&lifted->ref)))
			lifted = NULL;
	} else if (!task) {
		/* A record being dropped, or of a raised image, hands nothing on. */
		rec = inherit_lookup(task_tgid(parent));
		if (rec && !test_bit(INHERIT_DROPPING, &rec->flags) &&
		    !secure_exec_since(current, rec->exec_id) && src_tryget(&rec->src))
			src = &rec->src;
		/* Its main thread's class, while its image is the forked one. */
		if (src && thread_group_leader(parent) &&
		    READ_ONCE(parent->self_exec_id) == rec->exec_id)
			qos_word = machina_sched_fork_reset(rec->qos_word,
							    parent);
	}
	rcu_read_unlock();
	if (!src)
		return;

	raw_spin_lock(&src->lock);
	noted = src->nr < ARRAY_SIZE(src->notes);
	if (noted) {
		src->notes[src->nr].exec_id = READ_ONCE(child->self_exec_id);
		src->notes[src->nr].lifted = lifted;
		/* What clone() copied (the child has not run yet). */
		src->notes[src->nr].policy = READ_ONCE(child->policy);
		src->notes[src->nr].nice = task_nice(child);
		src->notes[src->nr].qos_word = qos_word;
		src->notes[src->nr++].child = get_pid(task_tgid(child));
	}
	raw_spin_unlock(&src->lock);
	if (!noted) {
		/* Not the last reference: the live record's hash holds one. */
		machina_thread_put(lifted);
		pr_warn_ratelimited("machina: %d forks in flight: pid %d inherits no special ports\n",
				    MACHINA_FORKS_IN_FLIGHT, task_tgid_nr(child));
	} else if (!test_and_set_bit(MACHINA_FORK_DRAIN_QUEUED, &src->flags)) {
		/*
		 * The work owns the reference and pins the module's text; while
		 * the module is going, nothing is queued (the child's claim, or
		 * unload, deals with the note).
		 */
		if (try_module_get(THIS_MODULE)) {
			init_task_work(&src->drain_work, drain_task_work);
			if (!task_work_add(current, &src->drain_work, TWA_RESUME))
				return;
			module_put(THIS_MODULE);
		}
		clear_bit(MACHINA_FORK_DRAIN_QUEUED, &src->flags);
	}
	/* Not the last: the table or the queued work holds one. */
	src_put(src);
}

/*
 * src_get - the fork source the process @tgid hands down from: its task's,
 * or its record's while the record is not being dropped and its image has
 * not been raised since it forked
 * Conditions: process context, inherit_mutex held.
 * Returns: the source, referenced (src_put()), or NULL.
 */
static struct machina_fork_src *src_get(struct pid *tgid)
{
	struct machina_fork_src *src = NULL;
	struct machina_task *task;
	struct inherit *rec = NULL;

	lockdep_assert_held(&inherit_mutex);
	rcu_read_lock();
	task = machina_task_lookup_rcu(tgid);
	if (task) {
		if (src_tryget(&task->fork_src))
			src = &task->fork_src;
	} else {
		rec = inherit_lookup(tgid);
		if (rec && !test_bit(INHERIT_DROPPING, &rec->flags) && src_tryget(&rec->src))
			src = &rec->src;
	}
	rcu_read_unlock();
	/* The record's own pid: @tgid is only the caller's, and the record pins it. */
	if (src && !src->is_task && group_secure_since(rec->tgid, rec->exec_id)) {
		src_put(src);
		src = NULL;
	}
	return src;
}

/* parent_tgid - the tgid of @tgid's parent, referenced; NULL if none. */
static struct pid *parent_tgid(struct pid *tgid)
{
	struct task_struct *p;
	struct pid *parent = NULL;

	rcu_read_lock();
	p = pid_task(tgid, PIDTYPE_TGID);
	if (p && !(p->flags & PF_KTHREAD) && pid_nr(tgid) > 1)
		parent = get_pid(task_tgid(rcu_dereference(p->real_parent)));
	rcu_read_unlock();
	return parent;
}

/*
 * unnoted_exec_id - the image the process @tgid had when it forked, for a
 * child whose fork its parent's probe could not note, and which may take
 * its record from its real parent @parent's
 * Conditions: process context.
 * Returns: whether it may inherit: the kernel stamps a child with its
 * parent's self_exec_id (parent_exec_id; with CLONE_PARENT an older, lower
 * one), so self_exec_id - parent_exec_id bounds the execs since the fork
 * from above.  At most one, into an image that did not raise privilege.
 *
 * And only from the process that forked it (or, CLONE_PARENT, its
 * forker's parent).  A child whose parent died was reparented to a child
 * subreaper or to a pid namespace's init, which did not fork it: its
 * forker may have been a setuid image that hands nothing on, and the
 * kernel keeps no trace of it.  So no child with a subreaper above it
 * (has_child_subreaper: inherited at fork, and set on every descendant when
 * an ancestor becomes one, both under tasklist_lock, never cleared) and no
 * child of an init inherits this way.
 */
static bool unnoted_exec_id(struct pid *tgid, struct pid *parent, u64 *exec_id)
{
	struct task_struct *p;
	bool ok;

	if (is_child_reaper(parent))
		return false;
	p = get_pid_task(tgid, PIDTYPE_TGID);
	if (!p)
		return false;
	*exec_id = READ_ONCE(p->parent_exec_id);
	/* p->signal lives as long as p. */
	ok = !p->signal->has_child_subreaper &&
	     READ_ONCE(p->self_exec_id) - *exec_id <= 1 && !secure_exec_since(p, *exec_id);
	put_task_struct(p);
	return ok;
}

/*
 * unnoted_qos_word - the class a child its probe could not note takes from
 * the record @src, its parent's, forked from @exec_id (the parent's image
 * at that fork, unnoted_exec_id()): the record's word while the parent
 * still ran the image it was forked with (the probe's rule, less the test
 * that the main thread forked: the kernel keeps no trace of which thread did)
 * Conditions: inherit_mutex held; @src is a record's.
 */
static u32 unnoted_qos_word(struct machina_fork_src *src, u64 exec_id)
{
	struct inherit *rec = container_of(src, struct inherit, src);

	lockdep_assert_held(&inherit_mutex);
	return rec->exec_id == exec_id ? rec->qos_word : 0;
}

#define INHERIT_MAX_DEPTH 8

/*
 * drain_parent - make the record of the new task @tgid if its ancestors have
 * not handed it down yet
 * Conditions: process context, inherit_mutex held.
 *
 * The parent may not have drained its fork source yet (vfork, or the child
 * simply ran first).  Worse, a parent that never used Mach may itself still
 * wait for its record (its own parent has not returned from fork yet) and
 * have forked meanwhile: its probe then found no source to note the child
 * in.  So walk up to the nearest ancestor that hands down (at most
 * INHERIT_MAX_DEPTH), then down again, draining each source and making each
 * missing record from its parent's (records only: a task's rights now are
 * not what it had when it forked).  A parent that exited handed down before
 * its children were reparented (its teardown, or the drop of its record,
 * drains first).
 */
static void drain_parent(struct pid *tgid)
{
	struct pid *chain[INHERIT_MAX_DEPTH + 1];
	struct machina_fork_src *src = NULL;
	int n = 0, i;
	u64 exec_id;

	lockdep_assert_held(&inherit_mutex);
	chain[0] = get_pid(tgid);
	while (n < INHERIT_MAX_DEPTH) {
		chain[n + 1] = parent_tgid(chain[n]);
		if (!chain[n + 1])
			break;
		n++;
		src = src_get(chain[n]);
		if (src)
			break;
	}
	/* src is chain[n]'s; hand down to chain[n - 1], then on down. */
	for (i = n - 1; src && i >= 0; i--) {
		src_drain(src);
		if (!src->is_task && !inherit_lookup(chain[i]) &&
		    unnoted_exec_id(chain[i], chain[i + 1], &exec_id))
			inherit_create(src, chain[i], exec_id,
				       unnoted_qos_word(src, exec_id));
		src_put(src);
		src = i ? src_get(chain[i]) : NULL;
	}
	if (src)
		src_put(src);
	for (i = 0; i <= n; i++)
		put_pid(chain[i]);
}

/*
 * machina_task_inherit_claim - give a new task what its parent handed down
 * (rights, and its main thread's class from fork: task->fork_qos)
 * Conditions: process context, no locks held but the target's
 * exec_update_lock (task_for_pid); @task was just published.
 * A slot the task filled meanwhile keeps its own value.  The record keeps
 * its rights until it goes (children it forked before may still copy them).
 */
void machina_task_inherit_claim(struct machina_task *task)
{
	struct machina_task_ports got = {};
	struct inherit *rec;
	u32 qos_word = 0;
	int i;

	if (!machina_task_live_count() && !machina_task_inherit_pending())
		return;
	mutex_lock(&inherit_mutex);
	drain_parent(task->tgid);
	rec = inherit_lookup(task->tgid);
	if (rec && !test_and_set_bit(INHERIT_DROPPING, &rec->flags)) {
		/*
		 * Its own children first, from the rights it had; nothing at
		 * all if it has exec'd into a raised image since it forked.
		 */
		if (!group_secure_since(task->tgid, rec->exec_id)) {
			src_drain(&rec->src);
			copy_ports(&got, &rec->ports);
		}
		/*
		 * The class is the forked image's: an exec forgets it.  The
		 * image cannot move under this: the caller is one of the
		 * child's threads or holds its exec_update_lock (task_for_pid),
		 * and a later exec clears task->fork_qos (exec_work_fn()).
		 */
		if (machina_image_gen(task->tgid) == rec->exec_id)
			qos_word = rec->qos_word;
		inherit_unhash(rec);
	} else {
		rec = NULL;	/* none, or being dropped */
	}
	mutex_unlock(&inherit_mutex);
	if (!rec)
		return;
	/* The main thread's first call of its own process takes it (claim()). */
	if (qos_word)
		WRITE_ONCE(task->fork_qos, qos_word);
	spin_lock(&task->itk_lock);
	if (!task->itk_dead) {
		if (!task->special[TASK_BOOTSTRAP_PORT]) {
			task->special[TASK_BOOTSTRAP_PORT] = got.bootstrap;
			got.bootstrap = NULL;
		}
		if (!task->special[TASK_HOST_PORT]) {
			task->special[TASK_HOST_PORT] = got.host;
			got.host = NULL;
		}
		for (i = 0; i < MACHINA_EXC_TYPES; i++) {
			if (task->exc[i].port || task->exc[i].behavior)
				continue;
			task->exc[i] = got.exc[i];
			got.exc[i].port = NULL;
		}
		/* The record's count becomes the task's (teardown drops it). */
		if (got.traps && machina_trap_task_take(task))
			got.traps = false;
	}
	spin_unlock(&task->itk_lock);
	machina_task_ports_release(&got);
}

/*
 * machina_task_inherit_traps - whether the process @tgid, which has no Mach
 * task, was handed the trap opt-in at fork and may use it: its record
 * (made now if its parent has not yet) carries it and it has not exec'd
 * into a raised image since
 * Conditions: process context, no locks held.
 */
bool machina_task_inherit_traps(struct pid *tgid)
{
	struct inherit *rec;
	bool traps;

	if (!machina_task_live_count() && !machina_task_inherit_pending())
		return false;
	mutex_lock(&inherit_mutex);
	drain_parent(tgid);
	rec = inherit_lookup(tgid);
	traps = rec && rec->ports.traps && !test_bit(INHERIT_DROPPING, &rec->flags) &&
		!group_secure_since(tgid, rec->exec_id);
	mutex_unlock(&inherit_mutex);
	return traps;
}

/*
 * inherit_drop - the process of @rec exited without making its task: its
 * children forked meanwhile get their records, then it goes
 * Conditions: process context, no locks held; owns a reference on @rec and
 * on the module.
 */
static void inherit_drop(struct inherit *rec)
{
	mutex_lock(&inherit_mutex);
	src_drain(&rec->src);
	inherit_unhash(rec);
	mutex_unlock(&inherit_mutex);
	inherit_put(rec);
	module_put(THIS_MODULE);
}

static void drop_task_work(struct callback_head *cb)
{
	inherit_drop(container_of(cb, struct inherit, drop_work));
}

static void drop_fallback_work(struct work_struct *work)
{
	inherit_drop(container_of(work, struct inherit, drop_fallback));
}

/*
 * machina_task_inherit_drop - the thread group @tgid is gone, or exec'd
 * into an image that raised privilege (@at_exec): release what it
 * inherited and never claimed
 * Conditions: the exit or exec probe, in the thread itself (preemption
 * disabled; RCU and atomics only): the work runs a moment later in the
 * same thread (exit_task_work(), or on the way to user mode).  Until then
 * the record counts as gone (INHERIT_DROPPING).
 */
void machina_task_inherit_drop(struct pid *tgid, bool at_exec)
{
	struct inherit *rec;

	if (!machina_task_inherit_pending())
		return;
	rcu_read_lock();
	rec = inherit_lookup(tgid);
	if (rec && (test_and_set_bit(INHERIT_DROPPING, &rec->flags) ||
		    !kref_get_unless_zero(&rec->ref)))
		rec = NULL;
	rcu_read_unlock();
	if (!rec)
		return;
	if (!try_module_get(THIS_MODULE)) {
		/* Unload is under way: it releases every record. */
		inherit_put(rec);
		return;
	}
	init_task_work(&rec->drop_work, drop_task_work);
	if (task_work_add(current, &rec->drop_work, at_exec ? TWA_RESUME : TWA_NONE))
		machina_task_queue_work(&rec->drop_fallback);
}

/*
 * machina_image_gen - the exec image the thread group @tgid runs: the
 * self_exec_id its live threads share.  begin_new_exec() increments the
 * exec'ing thread's under the group's exec_update_lock (held for writing),
 * after de_thread() made it the only thread and before commit_creds();
 * threads made later copy it.  So two ports stamped with the same value
 * name the same image, and the value moves before new credentials do.
 * Conditions: stable only while the group cannot exec: the caller is one
 * of its threads, or holds its exec_update_lock.
 * Returns: the generation, or U64_MAX when the group has no thread left.
 */
u64 machina_image_gen(struct pid *tgid)
{
	struct task_struct *p;
	u64 gen = U64_MAX;

	rcu_read_lock();
	p = pid_task(tgid, PIDTYPE_TGID);
	if (p)
		gen = READ_ONCE(p->self_exec_id);
	rcu_read_unlock();
	return gen;
}

/*
 * machina_image_lock - hold the image the thread group @tgid runs now, for
 * the length of a call: its exec_update_lock is taken for reading, as
 * ptrace attach does, so no exec can commit new credentials before
 * machina_image_unlock().  The caller compares img->gen with the
 * generation its port was made for.
 * Conditions: process context, no spinlock or IPC lock held; the caller
 * holds no other image (see ipc_kobject.h).  May sleep.
 * Returns: KERN_SUCCESS with @img held; KERN_TERMINATED when the group is
 * gone; KERN_ABORTED on a fatal signal (@img then holds nothing).
 */
int machina_image_lock(struct pid *tgid, struct machina_image *img)
{
	struct task_struct *p = get_pid_task(tgid, PIDTYPE_TGID);

	img->proc = NULL;
	if (!p)
		return KERN_TERMINATED;
	/* The signal struct is shared by the group, exec or not. */
	if (down_read_killable(&p->signal->exec_update_lock)) {
		put_task_struct(p);
		return KERN_ABORTED;
	}
	img->proc = p;
	/* Read again under the lock: @p may be a leader de_thread() replaced. */
	img->gen = machina_image_gen(tgid);
	return KERN_SUCCESS;
}

/* machina_image_unlock - end machina_image_lock().  Process context. */
void machina_image_unlock(struct machina_image *img)
{
	up_read(&img->proc->signal->exec_update_lock);
	put_task_struct(img->proc);
	img->proc = NULL;
}

/*
 * exec_work_fn - what an exec does to the task, before the new image runs
 * Conditions: task work of the exec'ing thread (process context, no locks
 * held), queued by exec_probe(); holds the reference it took.
 *
 * Every port of the old image is already refused by every lookup: its
 * generation stopped matching inside the exec, before the new credentials
 * were committed.  Here they die for good (send rights become dead names,
 * dead-name requests fire), whether or not replacements can be made; the
 * new control port is given to the task's own space (the new image's
 * mach_task_self()).  Suspensions made through old ports end with them.
 * After an exec that raised privilege (AT_SECURE) the exception ports and
 * the HOST, BOOTSTRAP and ACCESS special ports are dropped too.  If memory
 * is short the task has no live control port until its next call that
 * needs one makes it (machina_task_port()).
 */
static void exec_work_fn(struct callback_head *cb)
{
	struct machina_task *task = container_of(cb, struct machina_task, exec_work);
	u64 gen = READ_ONCE(current->self_exec_id);
	struct ipc_port *port;
	bool secure;
	u32 name;
	int kr;

	clear_bit(MACHINA_TASK_EXEC_PENDING, &task->exec_flags);
	secure = test_and_clear_bit(MACHINA_TASK_EXEC_SECURE, &task->exec_flags);
	spin_lock(&task->lock);
	task->suspend_count = 0;
	spin_unlock(&task->lock);

	machina_task_retire_ports(task, gen);
	if (secure) {
		machina_task_release_itk_ports(task);
		/* A raised image does not run Darwin traps its invoker chose. */
		machina_trap_task_drop(task);
	}
	/*
	 * The exec'ing thread's record dies (task work runs newest first, so
	 * before any stop queued before the exec); its port is a dead name
	 * everywhere before the new image runs, as the task port.
	 */
	machina_thread_exec(task, current, READ_ONCE(task->exec_old_pid));
	/* A class from fork not yet taken is the old image's too. */
	WRITE_ONCE(task->fork_qos, 0);
	machina_task_policy_exec(task);
	machina_task_flush_work();

	ipc_port_put(machina_task_port(task, MACHINA_TASK_NAME, gen));
	port = machina_task_port(task, MACHINA_TASK_CONTROL, gen);
	if (!port) {
		pr_warn_ratelimited("machina: no memory to replace a task port at exec\n");
		goto out;
	}
	kr = ipc_kobject_copyout_send(task->space, port, true, &name);
	if (!kr && MACH_PORT_VALID(name))
		task->self_name = name;
	ipc_port_put(port);
out:
	machina_task_put(task);
}

/*
 * exec_probe - sched_process_exec: @p (current) has a new image
 * Conditions: preemption disabled; must not sleep, and takes no spinlock_t
 * (PREEMPT_RT): everything is done by exec_work_fn(), which runs before the
 * new image reaches user mode.  After an exec that raised privilege, what
 * the parent handed down at fork and the process never claimed is dropped
 * (task work too).
 */
static void exec_probe(void *data, struct task_struct *p, pid_t old_pid,
		       struct linux_binprm *bprm)
{
	struct machina_task *task;
	bool secure = bprm->secureexec;

	if ((!machina_task_live_count() && !machina_task_inherit_pending()) ||
	    p != current)
		return;
	if (secure) {
		/*
		 * The new self_exec_id before the lookup: pairs with the full
		 * barrier between hashing a record and exec_unseen_raised()
		 * (one of the two sees the other).
		 */
		smp_mb();
		machina_task_inherit_drop(task_tgid(p), true);
	}
	rcu_read_lock();
	task = machina_task_lookup_rcu(task_tgid(p));
	if (task && secure)
		set_bit(MACHINA_TASK_EXEC_SECURE, &task->exec_flags);
	if (task && test_and_set_bit(MACHINA_TASK_EXEC_PENDING, &task->exec_flags))
		task = NULL;	/* one replacement at a time: it is queued */
	if (task && !kref_get_unless_zero(&task->ref)) {
		clear_bit(MACHINA_TASK_EXEC_PENDING, &task->exec_flags);
		task = NULL;
	}
	rcu_read_unlock();
	if (!task)
		return;
	task->exec_old_pid = old_pid;
	init_task_work(&task->exec_work, exec_work_fn);
	if (task_work_add(p, &task->exec_work, TWA_RESUME)) {
		/* Exiting already: teardown kills the ports anyway. */
		clear_bit(MACHINA_TASK_EXEC_PENDING, &task->exec_flags);
		machina_task_put(task);
	}
}

static void find_tracepoints(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_fork"))
		fork_tp = tp;
	else if (!strcmp(tp->name, "sched_process_exec"))
		exec_tp = tp;
}

/*
 * machina_task_fork_exec_init - attach to fork and exec
 * Returns: 0, -ENOENT without the tracepoints, or the registration error.
 */
int machina_task_fork_exec_init(void)
{
	int err;

	for_each_kernel_tracepoint(find_tracepoints, NULL);
	if (!fork_tp || !exec_tp) {
		pr_err("machina: kernel has no sched_process_fork/exec tracepoint\n");
		return -ENOENT;
	}
	err = tracepoint_probe_register(fork_tp, fork_probe, NULL);
	if (err)
		return err;
	err = tracepoint_probe_register(exec_tp, exec_probe, NULL);
	if (err)
		goto err_fork;
	return 0;

err_fork:
	tracepoint_probe_unregister(fork_tp, fork_probe, NULL);
	tracepoint_synchronize_unregister();
	return err;
}

/*
 * machina_task_fork_exec_exit - detach, and release unclaimed inheritances
 * Conditions: module unload, process context, after the exit probe is
 * gone.  No task is alive and no task work of ours is queued (each pins
 * the module); records of processes that never used Mach remain.
 */
void machina_task_fork_exec_exit(void)
{
	struct inherit *rec;
	struct hlist_node *tmp;
	int bkt;

	tracepoint_probe_unregister(exec_tp, exec_probe, NULL);
	tracepoint_probe_unregister(fork_tp, fork_probe, NULL);
	tracepoint_synchronize_unregister();
	mutex_lock(&inherit_mutex);
	hash_for_each_safe(inherit_table, bkt, tmp, rec, node) {
		set_bit(INHERIT_DROPPING, &rec->flags);
		inherit_unhash(rec);
	}
	mutex_unlock(&inherit_mutex);
	flush_work(&reap_work);
	reap_fn(NULL);
}
