/*
 * <mach/mach_interface.h>: the MIG interfaces of the kernel's objects that
 * <mach/mach.h> pulls in.  Machina provides the VM map one so far; the
 * task, thread, host and semaphore interfaces join as the module grows them.
 */
#ifndef _MACH_INTERFACE_H_
#define _MACH_INTERFACE_H_

#include <mach/host_priv.h>
#include <mach/vm_map.h>
#include <mach/memory_entry.h>
#include <mach/thread_act.h>

#endif /* _MACH_INTERFACE_H_ */
