/*
 * libmach: what MIG-generated code needs from the library: the per-thread
 * reply port, NDR_record, bounded string copies and out-of-line buffers.
 *
 * Reply port lifetime: made by the first RPC of a thread, cached in
 * thread-local storage, destroyed when the thread exits (a pthread key
 * destructor) or when an RPC gives up on its reply (mig_dealloc_reply_port:
 * a late reply must not be taken for the next RPC's).  In a fork child the
 * cached name belongs to the parent's space and is forgotten.
 */
#include <pthread.h>
#include <string.h>

#include <mach/mach.h>
#include <mach/ndr.h>

#include "internal.h"

LIBMACH_EXPORT NDR_record_t NDR_record = {
	.mig_vers = 0,
	.if_vers = 0,
	.reserved1 = 0,
	.mig_encoding = 0,
	.int_rep = NDR_INT_LITTLE_ENDIAN,
	.char_rep = NDR_CHAR_ASCII,
	.float_rep = NDR_FLOAT_IEEE,
	.reserved2 = 0,
};

/* Fast path: one TLS load per RPC. */
static __thread mach_port_t reply_port;

/* Only so that a thread's exit destroys its reply port. */
static pthread_key_t reply_port_key;
static pthread_once_t reply_port_key_once = PTHREAD_ONCE_INIT;
static int reply_port_key_made;

static void reply_port_at_thread_exit(void *value)
{
	mach_port_t port = (mach_port_t)(uintptr_t)value;

	reply_port = MACH_PORT_NULL;
	if (MACH_PORT_VALID(port))
		mach_port_mod_refs(mach_task_self(), port,
				   MACH_PORT_RIGHT_RECEIVE, -1);
}

static void reply_port_key_init(void)
{
	if (pthread_key_create(&reply_port_key, reply_port_at_thread_exit) == 0)
		__atomic_store_n(&reply_port_key_made, 1, __ATOMIC_RELEASE);
}

static void remember(mach_port_t port)
{
	reply_port = port;
	pthread_once(&reply_port_key_once, reply_port_key_init);
	if (reply_port_key_made)
		pthread_setspecific(reply_port_key, (void *)(uintptr_t)port);
}

LIBMACH_EXPORT mach_port_t mig_get_reply_port(void)
{
	mach_port_t port = reply_port;

	if (port == MACH_PORT_NULL) {
		machina_fork_hooks_init();
		port = mach_reply_port();
		if (port != MACH_PORT_NULL)
			remember(port);
	}
	return port;
}

LIBMACH_EXPORT void mig_dealloc_reply_port(mach_port_t migport)
{
	mach_port_t port = reply_port;

	if (port == MACH_PORT_NULL)
		return;
	remember(MACH_PORT_NULL);
	mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1);
	/* A caller that used a right of its own for the RPC drops it too. */
	if (migport != port && MACH_PORT_VALID(migport))
		mach_port_deallocate(mach_task_self(), migport);
}

/* The port stays cached for the thread's next RPC. */
LIBMACH_EXPORT void mig_put_reply_port(mach_port_t reply)
{
	(void)reply;
}

void machina_mig_forget_reply_port(void)
{
	/* No call to the kernel: the name means nothing in this space. */
	reply_port = MACH_PORT_NULL;
	if (__atomic_load_n(&reply_port_key_made, __ATOMIC_ACQUIRE))
		pthread_setspecific(reply_port_key, NULL);
}

LIBMACH_EXPORT int mig_strncpy(char *dest, const char *src, int len)
{
	int i;

	if (len <= 0 || !dest)
		return 0;
	if (!src)
		src = "";
	for (i = 0; i < len - 1 && src[i]; i++)
		dest[i] = src[i];
	dest[i] = '\0';
	return i + 1;
}

LIBMACH_EXPORT int mig_strncpy_zerofill(char *dest, const char *src, int len)
{
	int copied;

	if (len <= 0 || !dest)
		return 0;
	/* No string at all: an all-zero field, nothing copied. */
	if (!src) {
		memset(dest, 0, (size_t)len);
		return 0;
	}
	copied = mig_strncpy(dest, src, len);
	if (copied < len)
		memset(dest + copied, 0, (size_t)(len - copied));
	return copied;
}

LIBMACH_EXPORT void mig_allocate(vm_address_t *addr, vm_size_t size)
{
	if (vm_allocate(mach_task_self(), addr, size,
			VM_MAKE_TAG(VM_MEMORY_MACH_MSG) | VM_FLAGS_ANYWHERE) !=
	    KERN_SUCCESS)
		*addr = 0;
}

LIBMACH_EXPORT void mig_deallocate(vm_address_t addr, vm_size_t size)
{
	vm_deallocate(mach_task_self(), addr, size);
}
