/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Darwin's Mach VM constants, as the module needs them (<mach/vm_prot.h>,
 * <mach/vm_inherit.h>, <mach/vm_behavior.h>, <mach/vm_statistics.h>,
 * <mach/vm_region.h>): values of the user ABI.
 */
#ifndef _MACHINA_XNU_VM_PROT_H
#define _MACHINA_XNU_VM_PROT_H

#define VM_PROT_NONE		0x00
#define VM_PROT_READ		0x01
#define VM_PROT_WRITE		0x02
#define VM_PROT_EXECUTE		0x04
#define VM_PROT_ALL		(VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXECUTE)
#define VM_PROT_DEFAULT		(VM_PROT_READ | VM_PROT_WRITE)
#define VM_PROT_COPY		0x10

#define VM_INHERIT_SHARE	0
#define VM_INHERIT_COPY		1
#define VM_INHERIT_NONE		2

#define VM_BEHAVIOR_DEFAULT	0
#define VM_BEHAVIOR_RANDOM	1
#define VM_BEHAVIOR_SEQUENTIAL	2

#define VM_FLAGS_FIXED		0x00000000
#define VM_FLAGS_ANYWHERE	0x00000001
#define VM_FLAGS_PURGABLE	0x00000002
#define VM_FLAGS_4GB_CHUNK	0x00000004
#define VM_FLAGS_RANDOM_ADDR	0x00000008
#define VM_FLAGS_NO_CACHE	0x00000010
#define VM_FLAGS_PERMANENT	0x00000080
#define VM_FLAGS_TPRO		0x00001000
#define VM_FLAGS_OVERWRITE	0x00004000
#define VM_FLAGS_SUPERPAGE_MASK	0x00070000
#define VM_FLAGS_ALIAS_MASK	0xFF000000U

/* What mach_vm_allocate accepts at all (XNU's VM_FLAGS_USER_ALLOCATE). */
#define VM_FLAGS_USER_ALLOCATE						\
	(VM_FLAGS_FIXED | VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE |	\
	 VM_FLAGS_4GB_CHUNK | VM_FLAGS_RANDOM_ADDR | VM_FLAGS_NO_CACHE |\
	 VM_FLAGS_PERMANENT | VM_FLAGS_OVERWRITE |			\
	 VM_FLAGS_SUPERPAGE_MASK | VM_FLAGS_TPRO | VM_FLAGS_ALIAS_MASK)

#define VM_REGION_BASIC_INFO_64	9

/* Darwin's vm_region_basic_info_64 (pack 4): 9 words. */
struct xnu_vm_region_basic_info_64 {
	s32 protection;
	s32 max_protection;
	u32 inheritance;
	s32 shared;
	s32 reserved;
	u64 offset;
	s32 behavior;
	u16 user_wired_count;
} __packed __aligned(4);
#define VM_REGION_BASIC_INFO_COUNT_64 \
	(sizeof(struct xnu_vm_region_basic_info_64) / 4)

#endif /* _MACHINA_XNU_VM_PROT_H */
