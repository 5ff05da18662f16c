/*
 * libmach: questions about a whole IPC space or queue (names, port-set
 * members, the space table, peeking at a queued message).
 *
 * The first three return arrays whose length the caller cannot know in
 * advance.  The module fills a caller-sized buffer and reports the full
 * count, so libmach asks with a guess, grows and asks again while the space
 * had more, then moves the result into pages of its own: that is what
 * Darwin hands back (MIG out-of-line memory), and what the caller releases
 * with vm_deallocate().
 */
#include <stdlib.h>
#include <string.h>

#include <mach/mach_init.h>
#include <mach/mach_port.h>
#include <mach/vm_map.h>

#include "internal.h"
#include "uapi/machina.h"

/* Most spaces hold a few dozen names; start there. */
#define FIRST_GUESS 64

_Static_assert(sizeof(ipc_info_space_t) ==
		       sizeof(((struct machina_space_info *)0)->info),
	       "ipc_info_space_t is the module's info[]");

/* Room for "count" entries and some more, for names made meanwhile. */
static uint32_t next_guess(uint32_t count)
{
	uint64_t guess = (uint64_t)count + count / 4 + 16;

	return guess > UINT32_MAX ? UINT32_MAX : (uint32_t)guess;
}

/*
 * The names of "task" (MACHINA_IOC_PORT_NAMES, with their types) or the
 * members of port set "set" (MACHINA_IOC_PORT_GET_SET_STATUS).  On success
 * *names and *types are malloc'ed and *count is exact.
 */
static kern_return_t fetch_names(unsigned long cmd, ipc_space_t task,
				 mach_port_name_t set, int want_types,
				 uint32_t **names, uint32_t **types,
				 uint32_t *count)
{
	uint32_t capacity = FIRST_GUESS;
	uint32_t *n, *t;
	kern_return_t kr;

	for (;;) {
		struct machina_port_names a = {
			.task = task,
			.name = set,
			.capacity = capacity,
		};

		n = malloc((size_t)capacity * sizeof(*n));
		t = want_types ? malloc((size_t)capacity * sizeof(*t)) : NULL;
		if (!n || (want_types && !t)) {
			kr = KERN_RESOURCE_SHORTAGE;
			goto err_free;
		}
		a.names = (uintptr_t)n;
		a.types = (uintptr_t)t;
		kr = machina_call(cmd, &a);
		if (kr != KERN_SUCCESS)
			goto err_free;
		if (a.count <= capacity) {
			*names = n;
			*types = t;
			*count = a.count;
			return KERN_SUCCESS;
		}
		free(n);
		free(t);
		capacity = next_guess(a.count);
	}

err_free:
	free(n);
	free(t);
	return kr;
}

LIBMACH_EXPORT kern_return_t mach_port_names(ipc_space_t task,
					     mach_port_name_array_t *names,
					     mach_msg_type_number_t *namesCnt,
					     mach_port_type_array_t *types,
					     mach_msg_type_number_t *typesCnt)
{
	vm_address_t names_addr = 0, types_addr = 0;
	uint32_t *n = NULL, *t = NULL;
	uint32_t count;
	kern_return_t kr;

	if (!names || !namesCnt || !types || !typesCnt)
		return KERN_INVALID_ARGUMENT;
	kr = fetch_names(MACHINA_IOC_PORT_NAMES, task, 0, 1, &n, &t, &count);
	if (kr != KERN_SUCCESS)
		return kr;
	kr = machina_vm_copyout(n, (size_t)count * sizeof(*n), &names_addr);
	if (kr != KERN_SUCCESS)
		goto out;
	kr = machina_vm_copyout(t, (size_t)count * sizeof(*t), &types_addr);
	if (kr != KERN_SUCCESS) {
		vm_deallocate(mach_task_self(), names_addr,
			      (vm_size_t)count * sizeof(*n));
		goto out;
	}
	*names = (mach_port_name_array_t)names_addr;
	*namesCnt = count;
	*types = (mach_port_type_array_t)types_addr;
	*typesCnt = count;
out:
	free(n);
	free(t);
	return kr;
}

LIBMACH_EXPORT kern_return_t mach_port_get_set_status(
	ipc_space_read_t task, mach_port_name_t name,
	mach_port_name_array_t *members, mach_msg_type_number_t *membersCnt)
{
	vm_address_t addr = 0;
	uint32_t *n = NULL, *unused = NULL;
	uint32_t count;
	kern_return_t kr;

	if (!members || !membersCnt)
		return KERN_INVALID_ARGUMENT;
	kr = fetch_names(MACHINA_IOC_PORT_GET_SET_STATUS, task, name, 0, &n,
			 &unused, &count);
	if (kr != KERN_SUCCESS)
		return kr;
	kr = machina_vm_copyout(n, (size_t)count * sizeof(*n), &addr);
	if (kr == KERN_SUCCESS) {
		*members = (mach_port_name_array_t)addr;
		*membersCnt = count;
	}
	free(n);
	return kr;
}

/* The space summary and its table (malloc'ed, NULL when empty). */
static kern_return_t fetch_space(ipc_space_t task, ipc_info_space_t *info,
				 ipc_info_name_t **table, uint32_t *count)
{
	uint32_t capacity = FIRST_GUESS;
	ipc_info_name_t *tab;
	kern_return_t kr;

	for (;;) {
		struct machina_space_info s = {
			.task = task,
			.capacity = capacity,
		};

		tab = malloc((size_t)capacity * sizeof(*tab));
		if (!tab)
			return KERN_RESOURCE_SHORTAGE;
		s.table = (uintptr_t)tab;
		kr = machina_call(MACHINA_IOC_PORT_SPACE_INFO, &s);
		if (kr != KERN_SUCCESS) {
			free(tab);
			return kr;
		}
		if (s.count <= capacity) {
			memcpy(info, s.info, sizeof(*info));
			*table = tab;
			*count = s.count;
			return KERN_SUCCESS;
		}
		free(tab);
		capacity = next_guess(s.count);
	}
}

LIBMACH_EXPORT kern_return_t
mach_port_space_info(ipc_space_read_t space, ipc_info_space_t *space_info,
		     ipc_info_name_array_t *table_info,
		     mach_msg_type_number_t *table_infoCnt,
		     ipc_info_tree_name_array_t *tree_info,
		     mach_msg_type_number_t *tree_infoCnt)
{
	ipc_info_space_t info;
	ipc_info_name_t *tab = NULL;
	vm_address_t addr = 0;
	uint32_t count;
	kern_return_t kr;

	if (!space_info || !table_info || !table_infoCnt || !tree_info ||
	    !tree_infoCnt)
		return KERN_INVALID_ARGUMENT;
	kr = fetch_space(space, &info, &tab, &count);
	if (kr != KERN_SUCCESS)
		return kr;
	kr = machina_vm_copyout(tab, (size_t)count * sizeof(*tab), &addr);
	free(tab);
	if (kr != KERN_SUCCESS)
		return kr;
	*space_info = info;
	*table_info = (ipc_info_name_array_t)addr;
	*table_infoCnt = count;
	/* Darwin's spaces lost their splay tree long ago: always empty. */
	*tree_info = NULL;
	*tree_infoCnt = 0;
	return KERN_SUCCESS;
}

LIBMACH_EXPORT kern_return_t mach_port_space_basic_info(
	ipc_space_inspect_t task, ipc_info_space_basic_t *basic_info)
{
	/* Capacity 0: the summary and the count only (an inspect port's). */
	struct machina_space_info s = { .task = task };
	kern_return_t kr;

	if (!basic_info)
		return KERN_INVALID_ARGUMENT;
	kr = machina_call(MACHINA_IOC_PORT_SPACE_INFO, &s);
	/* XNU's routine answers a port below inspect so (ipc_space_inspect_t). */
	if (kr == KERN_INVALID_ARGUMENT)
		return KERN_INVALID_TASK;
	if (kr != KERN_SUCCESS)
		return kr;
	memset(basic_info, 0, sizeof(*basic_info));
	basic_info->iisb_genno_mask = s.info[0];
	basic_info->iisb_table_size = s.info[1];
	basic_info->iisb_table_next = s.info[2];
	basic_info->iisb_table_inuse = s.count;
	return KERN_SUCCESS;
}

LIBMACH_EXPORT kern_return_t
mach_port_peek(ipc_space_t task, mach_port_name_t name,
	       mach_msg_trailer_type_t trailer_type,
	       mach_port_seqno_t *request_seqnop, mach_msg_size_t *msg_sizep,
	       mach_msg_id_t *msg_idp, mach_msg_trailer_info_t trailer_infop,
	       mach_msg_type_number_t *trailer_infopCnt)
{
	struct machina_port_peek p = {
		.task = task,
		.name = name,
		.trailer_type = trailer_type,
	};
	kern_return_t kr;

	if (!request_seqnop || !msg_sizep || !msg_idp || !trailer_infopCnt)
		return KERN_INVALID_ARGUMENT;
	p.seqno = *request_seqnop;
	p.trailer = (uintptr_t)trailer_infop;
	/* The MIG array is bounded by the largest trailer, in bytes. */
	p.trailer_size = trailer_infop ? *trailer_infopCnt : 0;
	if (p.trailer_size > MAX_TRAILER_SIZE)
		p.trailer_size = MAX_TRAILER_SIZE;
	kr = machina_call(MACHINA_IOC_PORT_PEEK, &p);
	if (kr != KERN_SUCCESS)
		return kr;
	*request_seqnop = p.seqno;
	*msg_sizep = p.msg_size;
	*msg_idp = p.msg_id;
	*trailer_infopCnt = p.trailer_size;
	return KERN_SUCCESS;
}
