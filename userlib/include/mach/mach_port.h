/*
 * <mach/mach_port.h>: the mach_port_* calls, with Darwin's signatures.
 *
 * On Darwin these are MIG routines sent to the task's port; on Machina each
 * is one ioctl on /dev/mach, which takes the same task name and returns the
 * same kern_return_t.  Variable-size results (names, set members, the space
 * table) arrive, as on Darwin, in fresh memory of the caller's task that the
 * caller releases with vm_deallocate(mach_task_self(), addr, count * size).
 */
#ifndef _mach_port_user_
#define _mach_port_user_

#include <mach/ndr.h>
#include <mach/kern_return.h>
#include <mach/notify.h>
#include <mach/mach_types.h>
#include <mach/message.h>
#include <mach/mig_errors.h>
#include <mach/port.h>
#include <mach_debug/mach_debug_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Every name of the space and its MACH_PORT_TYPE_* bits (parallel arrays). */
kern_return_t mach_port_names(ipc_space_t task, mach_port_name_array_t *names,
			      mach_msg_type_number_t *namesCnt,
			      mach_port_type_array_t *types,
			      mach_msg_type_number_t *typesCnt);

/* The rights (and armed requests) a name denotes. */
kern_return_t mach_port_type(ipc_space_t task, mach_port_name_t name,
			     mach_port_type_t *ptype);

/* Obsolete on Darwin: always KERN_NOT_SUPPORTED. */
kern_return_t mach_port_rename(ipc_space_t task, mach_port_name_t old_name,
			       mach_port_name_t new_name);

/* A new right (RECEIVE, PORT_SET or DEAD_NAME) under a name chosen by the caller. */
kern_return_t mach_port_allocate_name(ipc_space_t task,
				      mach_port_right_t right,
				      mach_port_name_t name);

/* A new right (RECEIVE, PORT_SET or DEAD_NAME) under a fresh name. */
kern_return_t mach_port_allocate(ipc_space_t task, mach_port_right_t right,
				 mach_port_name_t *name);

/* Drops every right the name denotes. */
kern_return_t mach_port_destroy(ipc_space_t task, mach_port_name_t name);

/* Drops one user reference of a send, send-once or dead-name right. */
kern_return_t mach_port_deallocate(ipc_space_t task, mach_port_name_t name);

kern_return_t mach_port_get_refs(ipc_space_t task, mach_port_name_t name,
				 mach_port_right_t right,
				 mach_port_urefs_t *refs);

kern_return_t mach_port_mod_refs(ipc_space_t task, mach_port_name_t name,
				 mach_port_right_t right,
				 mach_port_delta_t delta);

/*
 * Looks at a queued message without receiving it: the one with
 * *request_seqnop, or the first when that is 0.  trailer_infop receives the
 * trailer asked for by trailer_type, *trailer_infopCnt bytes at most.
 */
kern_return_t mach_port_peek(ipc_space_t task, mach_port_name_t name,
			     mach_msg_trailer_type_t trailer_type,
			     mach_port_seqno_t *request_seqnop,
			     mach_msg_size_t *msg_sizep,
			     mach_msg_id_t *msg_idp,
			     mach_msg_trailer_info_t trailer_infop,
			     mach_msg_type_number_t *trailer_infopCnt);

kern_return_t mach_port_set_mscount(ipc_space_t task, mach_port_name_t name,
				    mach_port_mscount_t mscount);

/* The receive rights in a port set. */
kern_return_t mach_port_get_set_status(ipc_space_read_t task,
				       mach_port_name_t name,
				       mach_port_name_array_t *members,
				       mach_msg_type_number_t *membersCnt);

/* Moves a receive right into port set "after" (MACH_PORT_NULL: out of all). */
kern_return_t mach_port_move_member(ipc_space_t task, mach_port_name_t member,
				    mach_port_name_t after);

/*
 * Arms notification msgid about name, delivered through a send-once right
 * made (notifyPoly MAKE_SEND_ONCE) or moved (MOVE_SEND_ONCE) from notify.
 * The right a previous request held comes back in *previous.
 */
kern_return_t mach_port_request_notification(ipc_space_t task,
					     mach_port_name_t name,
					     mach_msg_id_t msgid,
					     mach_port_mscount_t sync,
					     mach_port_t notify,
					     mach_msg_type_name_t notifyPoly,
					     mach_port_t *previous);

/* Gives task a right, under "name", made from the caller's right "poly". */
kern_return_t mach_port_insert_right(ipc_space_t task, mach_port_name_t name,
				     mach_port_t poly,
				     mach_msg_type_name_t polyPoly);

/* Takes a right out of task into the caller's space. */
kern_return_t mach_port_extract_right(ipc_space_t task, mach_port_name_t name,
				      mach_msg_type_name_t msgt_name,
				      mach_port_t *poly,
				      mach_msg_type_name_t *polyPoly);

kern_return_t mach_port_set_seqno(ipc_space_t task, mach_port_name_t name,
				  mach_port_seqno_t seqno);

/*
 * Reads attribute "flavor" into port_info_out; *port_info_outCnt is its
 * capacity in 32-bit words on entry, the words written on return.
 */
kern_return_t mach_port_get_attributes(ipc_space_read_t task,
				       mach_port_name_t name,
				       mach_port_flavor_t flavor,
				       mach_port_info_t port_info_out,
				       mach_msg_type_number_t *port_info_outCnt);

kern_return_t mach_port_set_attributes(ipc_space_t task, mach_port_name_t name,
				       mach_port_flavor_t flavor,
				       mach_port_info_t port_info,
				       mach_msg_type_number_t port_infoCnt);

/* mach_port_allocate / _allocate_name, chosen by qos->name. */
kern_return_t mach_port_allocate_qos(ipc_space_t task, mach_port_right_t right,
				     mach_port_qos_t *qos,
				     mach_port_name_t *name);

kern_return_t mach_port_allocate_full(ipc_space_t task,
				      mach_port_right_t right,
				      mach_port_t proto, mach_port_qos_t *qos,
				      mach_port_name_t *name);

/* Number of send rights to the port; not available on Machina yet. */
kern_return_t mach_port_get_srights(ipc_space_t task, mach_port_name_t name,
				   mach_port_rights_t *srights);

/* The space's table, one ipc_info_name_t per slot; the tree is always empty. */
kern_return_t mach_port_space_info(ipc_space_read_t space,
				   ipc_info_space_t *space_info,
				   ipc_info_name_array_t *table_info,
				   mach_msg_type_number_t *table_infoCnt,
				   ipc_info_tree_name_array_t *tree_info,
				   mach_msg_type_number_t *tree_infoCnt);

/* A kernel-debugging call; KERN_FAILURE as on release Darwin kernels. */
kern_return_t mach_port_dnrequest_info(ipc_space_t task, mach_port_name_t name,
				       unsigned *dnr_total, unsigned *dnr_used);

/* Adds a receive right to a port set (it may be in several). */
kern_return_t mach_port_insert_member(ipc_space_t task, mach_port_name_t name,
				      mach_port_name_t pset);

kern_return_t mach_port_extract_member(ipc_space_t task, mach_port_name_t name,
				       mach_port_name_t pset);

kern_return_t mach_port_get_context(ipc_space_read_t task,
				    mach_port_name_t name,
				    mach_port_context_t *context);

kern_return_t mach_port_set_context(ipc_space_t task, mach_port_name_t name,
				    mach_port_context_t context);

/* A receive right set up as options describes; context is its context or guard. */
kern_return_t mach_port_construct(ipc_space_t task,
				  mach_port_options_ptr_t options,
				  mach_port_context_t context,
				  mach_port_name_t *name);

/*
 * Destroys the receive right constructed under name (guarded by "guard"),
 * adjusting the name's send rights by srdelta first.
 */
kern_return_t mach_port_destruct(ipc_space_t task, mach_port_name_t name,
				 mach_port_delta_t srdelta,
				 mach_port_context_t guard);

kern_return_t mach_port_guard(ipc_space_t task, mach_port_name_t name,
			      mach_port_context_t guard, boolean_t strict);

kern_return_t mach_port_unguard(ipc_space_t task, mach_port_name_t name,
				mach_port_context_t guard);

/* Summary of the space: table size and slots in use. */
kern_return_t mach_port_space_basic_info(ipc_space_inspect_t task,
					 ipc_info_space_basic_t *basic_info);

/* mach_port_guard with MPG_* flags. */
kern_return_t mach_port_guard_with_flags(ipc_space_t task,
					 mach_port_name_t name,
					 mach_port_context_t guard,
					 uint64_t flags);

kern_return_t mach_port_swap_guard(ipc_space_t task, mach_port_name_t name,
				   mach_port_context_t old_guard,
				   mach_port_context_t new_guard);

/* Checks an attribute (MACH_PORT_GUARD_INFO) without changing it. */
kern_return_t mach_port_assert_attributes(ipc_space_t task,
					  mach_port_name_t name,
					  mach_port_flavor_t flavor,
					  mach_port_info_t info,
					  mach_msg_type_number_t infoCnt);

#ifdef __cplusplus
}
#endif

#endif /* _mach_port_user_ */
