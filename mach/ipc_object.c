// SPDX-License-Identifier: GPL-2.0
/* References on ports and port sets, and their opaque identity (ipc_object.h). */
#include <linux/once.h>
#include <linux/random.h>
#include <linux/siphash.h>

#include "mach/ipc_object.h"
#include "mach/ipc_port.h"
#include "mach/ipc_pset.h"

static void object_release(struct kref *ref)
{
	struct ipc_object *obj = container_of(ref, struct ipc_object, ref);

	if (obj->kind == IPC_OBJECT_PORT)
		ipc_port_free(ipc_port_from_object(obj));
	else
		ipc_pset_free(ipc_pset_from_object(obj));
}

/* Conditions: any context that may free memory; no lock of @obj held. */
void ipc_object_put(struct ipc_object *obj)
{
	kref_put(&obj->ref, object_release);
}

/*
 * ipc_object_id - what user space may see of an object's identity
 * (mach_port_space_info's iin_object): a keyed hash of its address under
 * a key drawn once per boot, so equal for two names of one object, and
 * neither the address nor anything it can be computed from (a plain or
 * multiplicative hash of it could be inverted, and defeat KASLR).  Never
 * 0 for an object.
 * Conditions: any context.
 */
u32 ipc_object_id(const struct ipc_object *obj)
{
	static siphash_key_t key;
	u32 id;

	get_random_once(&key, sizeof(key));
	id = (u32)siphash_1u64((u64)(unsigned long)obj, &key);
	return id ? id : 1;
}
