/*
 * <mach/vm_prot.h>: protections of Mach VM memory.  A region has a current
 * protection and a maximum; the current one can never exceed the maximum.
 */
#ifndef _MACH_VM_PROT_H_
#define _MACH_VM_PROT_H_

typedef int vm_prot_t;

#define VM_PROT_NONE		((vm_prot_t)0x00)
#define VM_PROT_READ		((vm_prot_t)0x01)
#define VM_PROT_WRITE		((vm_prot_t)0x02)
#define VM_PROT_EXECUTE		((vm_prot_t)0x04)
#define VM_PROT_DEFAULT		(VM_PROT_READ | VM_PROT_WRITE)
#define VM_PROT_ALL		(VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXECUTE)
#define VM_PROT_RORX		(VM_PROT_READ | VM_PROT_EXECUTE)
/* mach_vm_protect: make the range a private copy, writable even past its maximum. */
#define VM_PROT_COPY		((vm_prot_t)0x10)
#define VM_PROT_NO_CHANGE	((vm_prot_t)0x08)
#define VM_PROT_WANTS_COPY	((vm_prot_t)0x10)
/* mach_vm_map, mach_make_memory_entry_64: as much of it as is allowed. */
#define VM_PROT_IS_MASK		((vm_prot_t)0x40)

#endif /* _MACH_VM_PROT_H_ */
