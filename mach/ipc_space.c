// SPDX-License-Identifier: GPL-2.0
/*
 * IPC spaces: the chunked name table, its free list, generations and the
 * reverse map.  Naming rules and locking are in ipc_space.h.
 *
 * Free entries are chained through next_free (towards higher indices is not
 * required; the list is LIFO so a freed index is reused first, with its new
 * generation), and, so that allocate_name can unlink any index in O(1), back
 * through prev_free, kept in the name field while an entry is free.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "mach/ipc_right.h"
#include "mach/ipc_space.h"
#include "mach/kern_return.h"

unsigned int machina_max_names = 1u << 21;
module_param_named(max_names, machina_max_names, uint, 0644);
MODULE_PARM_DESC(max_names, "Most port names one task may hold (KERN_NO_SPACE beyond)");

static const struct rhashtable_params revmap_params = {
	.key_offset = offsetof(struct ipc_entry, object),
	.key_len = sizeof(struct ipc_object *),
	.head_offset = offsetof(struct ipc_entry, revmap),
	.automatic_shrinking = true,
};

#define prev_free name

struct ipc_entry *ipc_entry_at(struct ipc_space *space, u32 index)
{
	u32 chunk = index >> IPC_ENTRY_CHUNK_SHIFT;

	if (chunk >= space->nchunks || !space->chunks[chunk])
		return NULL;
	return &space->chunks[chunk][index & (IPC_ENTRY_CHUNK - 1)];
}

static u32 entry_index(struct ipc_entry *entry)
{
	return IPC_NAME_INDEX(entry->name);
}

static void free_list_push(struct ipc_space *space, u32 index,
			   struct ipc_entry *entry)
{
	struct ipc_entry *head = space->free_head ?
		ipc_entry_at(space, space->free_head) : NULL;

	entry->next_free = space->free_head;
	entry->prev_free = 0;
	if (head)
		head->prev_free = index;
	space->free_head = index;
}

static void free_list_unlink(struct ipc_space *space, u32 index,
			     struct ipc_entry *entry)
{
	if (entry->prev_free)
		ipc_entry_at(space, entry->prev_free)->next_free = entry->next_free;
	else
		space->free_head = entry->next_free;
	if (entry->next_free)
		ipc_entry_at(space, entry->next_free)->prev_free = entry->prev_free;
}

/*
 * add_chunk - make chunk number @chunk exist
 * Conditions: space->lock held; may sleep (GFP_KERNEL).
 * Returns: 0 or -ENOMEM.
 */
static int add_chunk(struct ipc_space *space, u32 chunk)
{
	struct ipc_entry *entries;
	u32 i, first;

	lockdep_assert_held(&space->lock);
	if (chunk >= space->nchunks) {
		u32 n = max(chunk + 1, space->nchunks * 2);
		struct ipc_entry **chunks;

		chunks = kvcalloc(n, sizeof(*chunks), GFP_KERNEL_ACCOUNT);
		if (!chunks)
			return -ENOMEM;
		if (space->chunks)
			memcpy(chunks, space->chunks,
			       space->nchunks * sizeof(*chunks));
		kvfree(space->chunks);
		space->chunks = chunks;
		space->nchunks = n;
	}
	entries = kvcalloc(IPC_ENTRY_CHUNK, sizeof(*entries), GFP_KERNEL_ACCOUNT);
	if (!entries)
		return -ENOMEM;
	space->chunks[chunk] = entries;
	/* Push in reverse so the lowest index is allocated first. */
	first = chunk ? 0 : 1;
	for (i = IPC_ENTRY_CHUNK; i-- > first;) {
		u32 index = chunk * IPC_ENTRY_CHUNK + i;

		if (index >= IPC_INDEX_LIMIT)
			continue;
		entries[i].gen = IPC_GEN_FIRST;
		free_list_push(space, index, &entries[i]);
	}
	return 0;
}

static void take_entry(struct ipc_space *space, u32 index,
		       struct ipc_entry *entry)
{
	free_list_unlink(space, index, entry);
	entry->name = IPC_NAME(index, entry->gen);
	entry->next_free = 0;
	entry->object = NULL;
	entry->request = NULL;
	entry->urefs = 0;
	entry->undo = 0;
	space->used++;
}

/*
 * ipc_entry_alloc - a free name
 * Conditions: space->lock held; may sleep.
 * Returns: KERN_SUCCESS with *entryp set (type 0: the caller fills it),
 * KERN_INVALID_TASK for a space that was terminated (nothing put there
 * would ever be released: every path that adds a name comes through here
 * or ipc_entry_alloc_name(), after however many lock drops), KERN_NO_SPACE
 * at the task's name limit, KERN_RESOURCE_SHORTAGE without memory.
 */
int ipc_entry_alloc(struct ipc_space *space, struct ipc_entry **entryp)
{
	struct ipc_entry *entry;
	u32 index;

	lockdep_assert_held(&space->lock);
	if (!space->active)
		return KERN_INVALID_TASK;
	if (space->used >= machina_max_names)
		return KERN_NO_SPACE;
	if (!space->free_head) {
		u32 chunk = space->next_chunk_hint;

		while (chunk < space->nchunks && space->chunks[chunk])
			chunk++;
		if ((u64)chunk * IPC_ENTRY_CHUNK >= IPC_INDEX_LIMIT)
			return KERN_NO_SPACE;
		if (add_chunk(space, chunk))
			return KERN_RESOURCE_SHORTAGE;
		space->next_chunk_hint = chunk + 1;
	}
	index = space->free_head;
	entry = ipc_entry_at(space, index);
	take_entry(space, index, entry);
	*entryp = entry;
	return KERN_SUCCESS;
}

/*
 * ipc_entry_alloc_name - take a particular name
 * Conditions: space->lock held; may sleep.
 * Returns: KERN_SUCCESS, KERN_INVALID_TASK for a terminated space (see
 * ipc_entry_alloc()), KERN_NAME_EXISTS if the index is in use (whatever its
 * generation), KERN_NO_SPACE past the limits, KERN_RESOURCE_SHORTAGE.
 */
int ipc_entry_alloc_name(struct ipc_space *space, mach_port_name_t name,
			 struct ipc_entry **entryp)
{
	u32 index = IPC_NAME_INDEX(name);
	struct ipc_entry *entry;

	lockdep_assert_held(&space->lock);
	if (!space->active)
		return KERN_INVALID_TASK;
	if (index == 0 || index >= IPC_INDEX_LIMIT)
		return KERN_INVALID_VALUE;
	entry = ipc_entry_at(space, index);
	if (!entry) {
		if (add_chunk(space, index >> IPC_ENTRY_CHUNK_SHIFT))
			return KERN_RESOURCE_SHORTAGE;
		entry = ipc_entry_at(space, index);
	}
	/* Darwin: the same name is taken; the index under another generation fails. */
	if (entry->type)
		return entry->gen == IPC_NAME_GEN(name) ? KERN_NAME_EXISTS : KERN_FAILURE;
	if (space->used >= machina_max_names)
		return KERN_NO_SPACE;
	entry->gen = IPC_NAME_GEN(name);
	take_entry(space, index, entry);
	*entryp = entry;
	return KERN_SUCCESS;
}

/*
 * ipc_entry_free - return a name whose rights are all gone
 * Conditions: space->lock held; the entry holds no object, no request and is
 * out of the reverse map.
 */
void ipc_entry_free(struct ipc_space *space, struct ipc_entry *entry)
{
	u32 index = entry_index(entry);

	lockdep_assert_held(&space->lock);
	entry->type = 0;
	entry->urefs = 0;
	entry->object = NULL;
	entry->request = NULL;
	entry->gen += IPC_GEN_STEP;
	space->used--;
	free_list_push(space, index, entry);
}

/*
 * ipc_entry_lookup - the entry a name denotes
 * Conditions: space->lock held.
 * Returns: the entry in use under exactly that name, or NULL.
 */
struct ipc_entry *ipc_entry_lookup(struct ipc_space *space,
				   mach_port_name_t name)
{
	struct ipc_entry *entry;

	lockdep_assert_held(&space->lock);
	if (!MACH_PORT_VALID(name))
		return NULL;
	entry = ipc_entry_at(space, IPC_NAME_INDEX(name));
	if (!entry || !entry->type || entry->name != name)
		return NULL;
	return entry;
}

/* Conditions: space->lock held; the entry holds SEND or RECEIVE for a port. */
int ipc_revmap_insert(struct ipc_space *space, struct ipc_entry *entry)
{
	lockdep_assert_held(&space->lock);
	return rhashtable_insert_fast(&space->revmap, &entry->revmap,
				      revmap_params);
}

void ipc_revmap_remove(struct ipc_space *space, struct ipc_entry *entry)
{
	lockdep_assert_held(&space->lock);
	rhashtable_remove_fast(&space->revmap, &entry->revmap, revmap_params);
}

/*
 * ipc_entry_by_port - the name under which this space holds send or receive
 * rights for @port
 * Conditions: space->lock held.
 */
struct ipc_entry *ipc_entry_by_port(struct ipc_space *space,
				    struct ipc_port *port)
{
	struct ipc_object *key = (struct ipc_object *)port;

	lockdep_assert_held(&space->lock);
	return rhashtable_lookup_fast(&space->revmap, &key, revmap_params);
}

struct ipc_space *ipc_space_create(struct machina_task *task)
{
	struct ipc_space *space;

	space = kzalloc(sizeof(*space), GFP_KERNEL_ACCOUNT);
	if (!space)
		return NULL;
	if (rhashtable_init(&space->revmap, &revmap_params)) {
		kfree(space);
		return NULL;
	}
	mutex_init(&space->lock);
	kref_init(&space->ref);
	space->active = true;
	space->task = task;
	return space;
}

static void space_release(struct kref *ref)
{
	struct ipc_space *space = container_of(ref, struct ipc_space, ref);
	u32 i;

	rhashtable_destroy(&space->revmap);
	for (i = 0; i < space->nchunks; i++)
		kvfree(space->chunks[i]);
	kvfree(space->chunks);
	kfree(space);
}

void ipc_space_put(struct ipc_space *space)
{
	if (space)
		kref_put(&space->ref, space_release);
}

/*
 * ipc_space_terminate - the task is gone: release every right it held
 * Conditions: process context, no IPC locks held; may sleep.  Receive rights
 * die (or go to their port-destroyed request), send rights are released
 * (no-senders may fire), send-once rights send their send-once
 * notification, port sets are destroyed, requests are cancelled.
 */
void ipc_space_terminate(struct ipc_space *space)
{
	struct ipc_entry *entry;
	u32 idx;

	mutex_lock(&space->lock);
	space->active = false;
	ipc_space_for_each_entry(space, idx, entry)
		ipc_right_terminate(space, entry);
	mutex_unlock(&space->lock);
}
