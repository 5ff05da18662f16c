/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-object ports: ports whose receive right the kernel holds on behalf
 * of an object (a task).  Messages sent to them are served here, in the
 * sender's context, like Darwin's MIG routines in the kernel.
 */
#ifndef _MACHINA_IPC_KOBJECT_H
#define _MACHINA_IPC_KOBJECT_H

#include "mach/ipc_port.h"

struct ipc_kmsg;
struct ipc_space;
struct pid;
struct task_struct;

#define IKOT_BIT(type)	(1u << (type))

/*
 * A kind of object that calls reach by port name, for ipc_kobject_lookup():
 *   right  what the name must hold: MACH_PORT_TYPE_SEND for kernel-object
 *          ports, MACH_PORT_TYPE_RECEIVE for a timer's port;
 *   get    called under port->lock with the port active: the object, if
 *          the port carries one of @types (IKOT_BIT()s), with a reference
 *          taken; NULL otherwise;
 *   put    drops that reference (NULL for objects that live as long as
 *          the module);
 *   image  kinds whose ports name one exec image of a process (task, task
 *          name, thread ports): the thread group of @obj; NULL otherwise.
 */
struct ipc_kobject_kind {
	u32 right;
	void *(*get)(struct ipc_port *port, u32 types);
	void (*put)(void *obj);
	struct pid *(*image)(void *obj);
};

/*
 * An exec image held for the length of a call: its process's
 * exec_update_lock is held for reading (no exec can commit new credentials
 * meanwhile) and @gen is the image running (task_fork_exec.c).
 */
struct machina_image {
	struct task_struct *proc;	/* referenced; NULL when none is held */
	u64 gen;
};

/*
 * What a successful lookup holds until ipc_kobject_ref_put(): a reference
 * on the object and, for image-bound kinds, the image.  A call holds at
 * most one image at a time (two would order two processes' exec locks).
 */
struct ipc_kobject_ref {
	void *obj;
	const struct ipc_kobject_kind *kind;
	enum ipc_kobject_type type;
	struct machina_image image;
};

void *ipc_kobject_of(struct ipc_port *port, u32 types);
int ipc_kobject_lookup(struct ipc_space *space, u32 name,
		       const struct ipc_kobject_kind *kind, u32 types,
		       struct ipc_kobject_ref *ref);
void ipc_kobject_ref_put(struct ipc_kobject_ref *ref);

struct ipc_port *ipc_kobject_alloc_port(enum ipc_kobject_type type, void *obj);
void ipc_kobject_server(struct ipc_kmsg *kmsg);
bool ipc_kobject_dies_unnamed(enum ipc_kobject_type type);
void ipc_kobject_no_senders(struct ipc_port *port, enum ipc_kobject_type type,
			    void *obj);
void *ipc_kobject_get(struct ipc_port *port, enum ipc_kobject_type type);
struct ipc_port *ipc_kobject_port_by_name(struct ipc_space *space, u32 name,
					  int *kr);

int ipc_kobject_copyin_send(struct ipc_space *space, u32 name,
			    struct ipc_port **portp);
int ipc_kobject_copyout_held_send(struct ipc_space *space,
				  struct ipc_port *port, u32 *namep);
int ipc_kobject_copyout_send(struct ipc_space *space, struct ipc_port *port,
			     bool make, u32 *namep);

#endif /* _MACHINA_IPC_KOBJECT_H */
