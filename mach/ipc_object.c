// SPDX-License-Identifier: GPL-2.0
/* References on ports and port sets (ipc_object.h). */
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
