/*
 * libmach: the connection to /dev/mach.
 *
 * The device is opened on the first call that needs it, not at load time, so
 * a program that never speaks Mach never touches it.  The descriptor is
 * close-on-exec: the Mach task lives on across exec in the kernel, and the
 * new image's libmach opens the device again.  After fork the inherited
 * descriptor keeps working: the module finds the caller's task from the
 * caller's identity, not from the descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <machina/machina.h>

#include "internal.h"
#include "uapi/machina.h"

static int device_fd = -1;
static uint32_t module_abi;
static char last_error[320];
static int error_reported;

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	if (!__atomic_exchange_n(&error_reported, 1, __ATOMIC_RELAXED) &&
	    !(getenv("MACHINA_QUIET") && *getenv("MACHINA_QUIET")))
		fprintf(stderr, "libmach: %s\n", last_error);
}

/* Open the device and check that the module speaks our ABI. */
static int open_device(void)
{
	struct machina_handshake hs = { .client_abi = MACHINA_ABI_VERSION };
	int fd, saved;

	fd = open(MACHINA_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		saved = errno;
		if (saved == ENOENT || saved == ENXIO || saved == ENODEV)
			fail("%s is missing: the machina kernel module is not loaded "
			     "(load it with 'sudo modprobe machina', or 'sudo insmod machina.ko' "
			     "from a build tree)", MACHINA_DEVICE_PATH);
		else
			fail("cannot open %s: %s (the device should be mode 0666; "
			     "check the module's udev rule or permissions)",
			     MACHINA_DEVICE_PATH, strerror(saved));
		errno = saved;
		return -1;
	}
	if (ioctl(fd, MACHINA_IOC_HANDSHAKE, &hs) < 0) {
		saved = errno;
		fail("%s did not answer the machina handshake (%s): it is not the "
		     "machina module's device, or the module is too old for this "
		     "library; load a matching machina.ko", MACHINA_DEVICE_PATH,
		     strerror(saved));
		close(fd);
		errno = EPROTO;
		return -1;
	}
	if (MACHINA_ABI_VERSION < hs.abi_min || MACHINA_ABI_VERSION > hs.abi_version) {
		fail("ABI mismatch: the loaded machina module serves ABI %u..%u but "
		     "this libmach was built for ABI %u; rebuild libmach from the "
		     "same Machina release as the module (or load the module that "
		     "matches this library)", hs.abi_min, hs.abi_version,
		     MACHINA_ABI_VERSION);
		close(fd);
		errno = EPROTO;
		return -1;
	}
	module_abi = hs.abi_version;
	return fd;
}

LIBMACH_EXPORT int machina_fd(void)
{
	int fd = __atomic_load_n(&device_fd, __ATOMIC_ACQUIRE);
	int expected = -1;

	if (fd >= 0)
		return fd;
	fd = open_device();
	if (fd < 0)
		return -1;
	/* Two threads may race here; the loser closes its descriptor. */
	if (!__atomic_compare_exchange_n(&device_fd, &expected, fd, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		close(fd);
		return expected;
	}
	return fd;
}

LIBMACH_EXPORT const char *machina_error(void)
{
	return last_error[0] ? last_error : NULL;
}

LIBMACH_EXPORT uint32_t machina_module_abi(void)
{
	return module_abi;
}

kern_return_t machina_errno_to_kern_return(int err)
{
	switch (err) {
	case EFAULT:
		return KERN_INVALID_ADDRESS;
	case ENOMEM:
		return KERN_RESOURCE_SHORTAGE;
	case EINVAL:
	case E2BIG:
		return KERN_INVALID_ARGUMENT;
	case EINTR:
		return KERN_ABORTED;
	default:
		return KERN_FAILURE;
	}
}

int machina_ioctl(unsigned long cmd, void *arg)
{
	int fd = machina_fd();
	int ret;

	if (fd < 0)
		return -ENODEV;
	ret = ioctl(fd, cmd, arg);
	if (ret < 0)
		return -errno;
	return ret;
}

kern_return_t machina_call(unsigned long cmd, void *arg)
{
	int ret = machina_ioctl(cmd, arg);

	/* A missing device (-ENODEV) falls to KERN_FAILURE, as before. */
	if (ret < 0)
		return machina_errno_to_kern_return(-ret);
	return ret;
}

LIBMACH_EXPORT kern_return_t machina_identity(struct machina_identity *out)
{
	struct machina_task_identity id = { 0 };
	kern_return_t kr;

	if (!out)
		return KERN_INVALID_ARGUMENT;
	kr = machina_call(MACHINA_IOC_TASK_IDENTITY, &id);
	if (kr != KERN_SUCCESS)
		return kr;
	out->task_serial = id.task_serial;
	out->thread_serial = id.thread_serial;
	out->pid = id.pid;
	out->tid = id.tid;
	out->thread_count = id.thread_count;
	return KERN_SUCCESS;
}
