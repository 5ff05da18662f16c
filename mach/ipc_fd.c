// SPDX-License-Identifier: GPL-2.0
/*
 * Ports as file descriptors (uapi/machina.h, "Ports as file descriptors").
 *
 * An observer descriptor holds a reference on a port or port set and
 * reports it through poll: readable while a message is queued, hung up once
 * the port or set is dead.  A send descriptor holds a counted send right,
 * released when the file is released.
 */
#include <linux/anon_inodes.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/poll.h>

#include "mach/ipc_port.h"
#include "mach/ipc_pset.h"
#include "mach/ipc_right.h"
#include "mach/ipc_space.h"
#include "mach/kern_return.h"
#include "mach/task.h"
#include "personality/calls.h"
#include "uapi/machina.h"

static __poll_t observer_poll(struct file *file, poll_table *pt)
{
	struct ipc_object *obj = file->private_data;
	__poll_t mask = 0;

	if (ipc_object_is_port(obj)) {
		struct ipc_port *port = ipc_port_from_object(obj);

		poll_wait(file, &port->rcv_wq, pt);
		spin_lock(&port->lock);
		if (port->msgcount)
			mask |= EPOLLIN | EPOLLRDNORM;
		if (!port->active)
			mask |= EPOLLHUP | EPOLLERR;
		spin_unlock(&port->lock);
	} else {
		struct ipc_pset *pset = ipc_pset_from_object(obj);

		poll_wait(file, &pset->wq, pt);
		if (ipc_pset_has_messages(pset))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (!READ_ONCE(pset->active))
			mask |= EPOLLHUP | EPOLLERR;
	}
	return mask;
}

static int observer_release(struct inode *inode, struct file *file)
{
	ipc_object_put(file->private_data);
	return 0;
}

static const struct file_operations observer_fops = {
	.owner = THIS_MODULE,
	.poll = observer_poll,
	.release = observer_release,
	.llseek = noop_llseek,
};

static int send_release(struct inode *inode, struct file *file)
{
	struct ipc_port *port = file->private_data;

	ipc_port_release_send(port);
	ipc_port_put(port);
	return 0;
}

static const struct file_operations send_fops = {
	.owner = THIS_MODULE,
	.release = send_release,
	.llseek = noop_llseek,
};

/*
 * machina_call_port_fd - a descriptor for a receive right, port set or send
 * right of the caller
 * Returns: KERN_SUCCESS with fd set, KERN_INVALID_NAME, KERN_INVALID_RIGHT,
 * KERN_INVALID_VALUE (right), KERN_RESOURCE_SHORTAGE (no descriptor).
 */
long machina_call_port_fd(struct machina_task *task, void *arg)
{
	struct machina_port_fd *a = arg;
	struct ipc_space *space = task->space;
	const struct file_operations *fops;
	struct ipc_object *obj = NULL;
	struct ipc_entry *entry;
	struct file *file;
	int fd, kr = KERN_SUCCESS;

	if (a->flags || a->reserved || a->fd ||
	    (a->fd_flags & ~(O_CLOEXEC | O_NONBLOCK)))
		return -EINVAL;
	if (a->right != MACH_PORT_RIGHT_RECEIVE && a->right != MACH_PORT_RIGHT_SEND)
		return KERN_INVALID_VALUE;

	mutex_lock(&space->lock);
	entry = space->active ? ipc_entry_lookup(space, a->name) : NULL;
	if (!entry) {
		kr = KERN_INVALID_NAME;
	} else if (a->right == MACH_PORT_RIGHT_RECEIVE) {
		if (entry->type & (MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_PORT_SET))
			obj = entry->object;
		else
			kr = KERN_INVALID_RIGHT;
	} else {
		ipc_right_check(space, entry);
		if (entry->type & MACH_PORT_TYPE_SEND) {
			obj = entry->object;
			ipc_port_copy_send(ipc_port_from_object(obj));
		} else if (entry->type & MACH_PORT_TYPE_RECEIVE) {
			/* As MAKE_SEND would. */
			obj = entry->object;
			ipc_port_make_send(ipc_port_from_object(obj));
		} else {
			kr = KERN_INVALID_RIGHT;
		}
	}
	if (obj)
		ipc_object_get(obj);
	mutex_unlock(&space->lock);
	if (kr)
		return kr;

	fops = a->right == MACH_PORT_RIGHT_SEND ? &send_fops : &observer_fops;
	fd = get_unused_fd_flags(a->fd_flags & O_CLOEXEC);
	if (fd < 0)
		goto err_right;
	file = anon_inode_getfile("[mach_port]", fops, obj,
				  O_RDWR | (a->fd_flags & O_NONBLOCK));
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		goto err_right;
	}
	fd_install(fd, file);
	a->fd = fd;
	return KERN_SUCCESS;

err_right:
	if (a->right == MACH_PORT_RIGHT_SEND)
		ipc_port_release_send(ipc_port_from_object(obj));
	ipc_object_put(obj);
	return KERN_RESOURCE_SHORTAGE;
}

/*
 * machina_call_port_from_fd - a send right of the caller's own from a send
 * descriptor
 * Returns: KERN_SUCCESS with name set, KERN_INVALID_ARGUMENT (not such a
 * descriptor), or the copyout error.
 */
long machina_call_port_from_fd(struct machina_task *task, void *arg)
{
	struct machina_port_fd *a = arg;
	struct ipc_space *space = task->space;
	struct ipc_msg_right r;
	struct ipc_port *port;
	struct fd f;
	int kr;

	if (a->flags || a->reserved || a->name || a->fd_flags)
		return -EINVAL;
	if (a->right != MACH_PORT_RIGHT_SEND)
		return KERN_INVALID_VALUE;
	f = fdget(a->fd);
	if (!machina_fd_file(f))
		return KERN_INVALID_ARGUMENT;
	if (machina_fd_file(f)->f_op != &send_fops) {
		fdput(f);
		return KERN_INVALID_ARGUMENT;
	}
	port = machina_fd_file(f)->private_data;
	ipc_port_get(port);
	ipc_port_copy_send(port);
	fdput(f);

	r.obj = &port->obj;
	r.disp = MACH_MSG_TYPE_COPY_SEND;
	r.type = MACH_MSG_TYPE_PORT_SEND;
	mutex_lock(&space->lock);
	if (space->active) {
		kr = ipc_right_copyout(space, &r, &a->name);
	} else {
		ipc_msg_right_destroy(&r);
		kr = KERN_INVALID_TASK;
	}
	mutex_unlock(&space->lock);
	return kr;
}
