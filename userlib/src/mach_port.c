/*
 * libmach: making, counting and destroying port rights (mach_port_*).
 *
 * Each call is one ioctl carrying a struct machina_port_args; the module
 * answers with the kern_return_t Darwin's kernel gives for the same request,
 * so these functions only marshal.  Out-pointers are checked before the
 * call: once the kernel has made a right there is no way to hand it back.
 */
#include <mach/mach_port.h>
#include <mach/mach_traps.h>

#include "internal.h"
#include "uapi/machina.h"

static kern_return_t port_call(unsigned long cmd, struct machina_port_args *a)
{
	long r;

	if (machina_trap_path()) {
		r = machina_port_trap(cmd, a);
		if (r >= 0)
			return r;
	}
	return machina_call(cmd, a);
}

/* The calls that take a task, a name and one number (or second name). */
static kern_return_t name_value_call(unsigned long cmd, ipc_space_t task,
				     mach_port_name_t name, uint32_t value)
{
	struct machina_port_args a = {
		.task = task,
		.name = name,
		.value = value,
	};

	return port_call(cmd, &a);
}

LIBMACH_EXPORT kern_return_t mach_port_allocate(ipc_space_t task,
						mach_port_right_t right,
						mach_port_name_t *name)
{
	struct machina_port_args a = { .task = task, .right = right };
	kern_return_t kr;

	if (!name)
		return KERN_INVALID_ARGUMENT;
	kr = port_call(MACHINA_IOC_PORT_ALLOCATE, &a);
	if (kr == KERN_SUCCESS)
		*name = a.name;
	return kr;
}

LIBMACH_EXPORT kern_return_t mach_port_allocate_name(ipc_space_t task,
						     mach_port_right_t right,
						     mach_port_name_t name)
{
	struct machina_port_args a = {
		.task = task,
		.right = right,
		.name = name,
	};

	return port_call(MACHINA_IOC_PORT_ALLOCATE_NAME, &a);
}

/*
 * The qos form chooses between the two calls above.  A preallocated
 * message buffer only guarantees that a send to the port cannot fail for
 * want of kernel memory; Machina has no such reservation, so the port is
 * made without one (it works the same, short of memory exhaustion).
 */
LIBMACH_EXPORT kern_return_t mach_port_allocate_qos(ipc_space_t task,
						    mach_port_right_t right,
						    mach_port_qos_t *qos,
						    mach_port_name_t *name)
{
	if (!qos || !name)
		return KERN_INVALID_ARGUMENT;
	if (qos->prealloc && right != MACH_PORT_RIGHT_RECEIVE)
		return KERN_INVALID_VALUE;
	if (qos->name)
		return mach_port_allocate_name(task, right, *name);
	return mach_port_allocate(task, right, name);
}

/* Darwin accepts no prototype port here: proto must be MACH_PORT_NULL. */
LIBMACH_EXPORT kern_return_t mach_port_allocate_full(ipc_space_t task,
						     mach_port_right_t right,
						     mach_port_t proto,
						     mach_port_qos_t *qos,
						     mach_port_name_t *name)
{
	if (proto != MACH_PORT_NULL)
		return KERN_INVALID_VALUE;
	return mach_port_allocate_qos(task, right, qos, name);
}

LIBMACH_EXPORT mach_port_name_t mach_reply_port(void)
{
	struct machina_name_out out = { 0 };

	if (machina_call(MACHINA_IOC_REPLY_PORT, &out) != KERN_SUCCESS)
		return MACH_PORT_NULL;
	return out.name;
}

/* The trap (50) on the trap path; the ioctl otherwise or if it did not run. */
LIBMACH_EXPORT mach_port_name_t thread_get_special_reply_port(void)
{
	struct machina_name_out out = { 0 };
	long r;

	if (machina_trap_path()) {
		r = machina_trap(MACHINA_TRAP_THREAD_GET_SPECIAL_REPLY_PORT,
				 0, 0, 0, 0, 0, 0, 0, 0);
		if (r >= 0)
			return (mach_port_name_t)r;
	}
	if (machina_call(MACHINA_IOC_THREAD_GET_SPECIAL_REPLY_PORT, &out) !=
	    KERN_SUCCESS)
		return MACH_PORT_NULL;
	return out.name;
}

LIBMACH_EXPORT kern_return_t
mach_port_construct(ipc_space_t task, mach_port_options_ptr_t options,
		    mach_port_context_t context, mach_port_name_t *name)
{
	struct machina_port_construct c = { .task = task, .context = context };
	kern_return_t kr;

	if (!options || !name)
		return KERN_INVALID_ARGUMENT;
	c.mpo_flags = options->flags;
	c.mpo_qlimit = options->mpl.mpl_qlimit;
	/*
	 * The union's first word is all the module takes (a work-interval or
	 * service port name); it ignores it, as Machina has neither.
	 */
	c.mpo_reserved = options->reserved[0];
	kr = machina_call(MACHINA_IOC_PORT_CONSTRUCT, &c);
	if (kr == KERN_SUCCESS)
		*name = c.name;
	return kr;
}

LIBMACH_EXPORT kern_return_t mach_port_destruct(ipc_space_t task,
						mach_port_name_t name,
						mach_port_delta_t srdelta,
						mach_port_context_t guard)
{
	struct machina_port_args a = {
		.task = task,
		.name = name,
		.delta = srdelta,
		.context = guard,
	};

	return port_call(MACHINA_IOC_PORT_DESTRUCT, &a);
}

LIBMACH_EXPORT kern_return_t mach_port_deallocate(ipc_space_t task,
						  mach_port_name_t name)
{
	struct machina_port_args a = { .task = task, .name = name };

	return port_call(MACHINA_IOC_PORT_DEALLOCATE, &a);
}

LIBMACH_EXPORT kern_return_t mach_port_destroy(ipc_space_t task,
					       mach_port_name_t name)
{
	struct machina_port_args a = { .task = task, .name = name };

	return port_call(MACHINA_IOC_PORT_DESTROY, &a);
}

LIBMACH_EXPORT kern_return_t mach_port_mod_refs(ipc_space_t task,
						mach_port_name_t name,
						mach_port_right_t right,
						mach_port_delta_t delta)
{
	struct machina_port_args a = {
		.task = task,
		.name = name,
		.right = right,
		.delta = delta,
	};

	return port_call(MACHINA_IOC_PORT_MOD_REFS, &a);
}

LIBMACH_EXPORT kern_return_t mach_port_get_refs(ipc_space_t task,
						mach_port_name_t name,
						mach_port_right_t right,
						mach_port_urefs_t *refs)
{
	struct machina_port_args a = {
		.task = task,
		.name = name,
		.right = right,
	};
	kern_return_t kr;

	if (!refs)
		return KERN_INVALID_ARGUMENT;
	kr = port_call(MACHINA_IOC_PORT_GET_REFS, &a);
	if (kr == KERN_SUCCESS)
		*refs = a.value;
	return kr;
}

LIBMACH_EXPORT kern_return_t mach_port_type(ipc_space_t task,
					    mach_port_name_t name,
					    mach_port_type_t *ptype)
{
	struct machina_port_args a = { .task = task, .name = name };
	kern_return_t kr;

	if (!ptype)
		return KERN_INVALID_ARGUMENT;
	kr = port_call(MACHINA_IOC_PORT_TYPE, &a);
	if (kr == KERN_SUCCESS)
		*ptype = a.value;
	return kr;
}

/* Darwin dropped renaming long ago; its kernel answers exactly this. */
LIBMACH_EXPORT kern_return_t mach_port_rename(ipc_space_t task,
					      mach_port_name_t old_name,
					      mach_port_name_t new_name)
{
	(void)task;
	(void)old_name;
	(void)new_name;
	return KERN_NOT_SUPPORTED;
}

LIBMACH_EXPORT kern_return_t
mach_port_insert_right(ipc_space_t task, mach_port_name_t name,
		       mach_port_t poly, mach_msg_type_name_t polyPoly)
{
	struct machina_port_args a = {
		.task = task,
		.name = name,
		.value = poly,
		.right = polyPoly,
	};

	return port_call(MACHINA_IOC_PORT_INSERT_RIGHT, &a);
}

LIBMACH_EXPORT kern_return_t mach_port_extract_right(
	ipc_space_t task, mach_port_name_t name, mach_msg_type_name_t msgt_name,
	mach_port_t *poly, mach_msg_type_name_t *polyPoly)
{
	struct machina_port_args a = {
		.task = task,
		.name = name,
		.right = msgt_name,
	};
	kern_return_t kr;

	if (!poly || !polyPoly)
		return KERN_INVALID_ARGUMENT;
	kr = port_call(MACHINA_IOC_PORT_EXTRACT_RIGHT, &a);
	if (kr == KERN_SUCCESS) {
		*poly = a.value;
		*polyPoly = a.value2;
	}
	return kr;
}

LIBMACH_EXPORT kern_return_t mach_port_move_member(ipc_space_t task,
						   mach_port_name_t member,
						   mach_port_name_t after)
{
	return name_value_call(MACHINA_IOC_PORT_MOVE_MEMBER, task, member, after);
}

LIBMACH_EXPORT kern_return_t mach_port_insert_member(ipc_space_t task,
						     mach_port_name_t name,
						     mach_port_name_t pset)
{
	return name_value_call(MACHINA_IOC_PORT_INSERT_MEMBER, task, name, pset);
}

LIBMACH_EXPORT kern_return_t mach_port_extract_member(ipc_space_t task,
						      mach_port_name_t name,
						      mach_port_name_t pset)
{
	return name_value_call(MACHINA_IOC_PORT_EXTRACT_MEMBER, task, name, pset);
}

LIBMACH_EXPORT kern_return_t mach_port_set_mscount(ipc_space_t task,
						   mach_port_name_t name,
						   mach_port_mscount_t mscount)
{
	return name_value_call(MACHINA_IOC_PORT_SET_MSCOUNT, task, name, mscount);
}

LIBMACH_EXPORT kern_return_t mach_port_set_seqno(ipc_space_t task,
						 mach_port_name_t name,
						 mach_port_seqno_t seqno)
{
	return name_value_call(MACHINA_IOC_PORT_SET_SEQNO, task, name, seqno);
}

/*
 * The module does not report the number of send rights (only whether there
 * are any, in MACH_PORT_RECEIVE_STATUS), so there is nothing true to return.
 */
LIBMACH_EXPORT kern_return_t mach_port_get_srights(ipc_space_t task,
						   mach_port_name_t name,
						   mach_port_rights_t *srights)
{
	(void)task;
	(void)name;
	(void)srights;
	return KERN_NOT_SUPPORTED;
}

/* A MACH_IPC_DEBUG call: release Darwin kernels answer KERN_FAILURE. */
LIBMACH_EXPORT kern_return_t mach_port_dnrequest_info(ipc_space_t task,
						      mach_port_name_t name,
						      unsigned *dnr_total,
						      unsigned *dnr_used)
{
	(void)task;
	(void)name;
	(void)dnr_total;
	(void)dnr_used;
	return KERN_FAILURE;
}
