/*
 * <mach/vm_inherit.h>: what a child task gets of a region at fork.
 */
#ifndef _MACH_VM_INHERIT_H_
#define _MACH_VM_INHERIT_H_

typedef unsigned int vm_inherit_t;

#define VM_INHERIT_SHARE	((vm_inherit_t)0)	/* the same memory */
#define VM_INHERIT_COPY		((vm_inherit_t)1)	/* a copy */
#define VM_INHERIT_NONE		((vm_inherit_t)2)	/* nothing there */
#define VM_INHERIT_DONATE_COPY	((vm_inherit_t)3)
#define VM_INHERIT_DEFAULT	VM_INHERIT_COPY
#define VM_INHERIT_LAST_VALID	VM_INHERIT_NONE

#endif /* _MACH_VM_INHERIT_H_ */
