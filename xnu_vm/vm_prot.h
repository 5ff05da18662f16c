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
#define VM_BEHAVIOR_RSEQNTL	3
#define VM_BEHAVIOR_WILLNEED	4
#define VM_BEHAVIOR_DONTNEED	5
#define VM_BEHAVIOR_FREE	6
#define VM_BEHAVIOR_ZERO_WIRED_PAGES	7
#define VM_BEHAVIOR_REUSABLE	8
#define VM_BEHAVIOR_REUSE	9
#define VM_BEHAVIOR_CAN_REUSE	10
#define VM_BEHAVIOR_PAGEOUT	11
#define VM_BEHAVIOR_ZERO	12
#define VM_BEHAVIOR_LAST_VALID	VM_BEHAVIOR_ZERO

/* The malloc aliases XNU's reusable checks look at (VM_MAKE_TAG values). */
#define VM_MEMORY_MALLOC		1
#define VM_MEMORY_MALLOC_SMALL		2
#define VM_MEMORY_MALLOC_LARGE		3
#define VM_MEMORY_REALLOC		6
#define VM_MEMORY_MALLOC_TINY		7
#define VM_MEMORY_MALLOC_LARGE_REUSABLE	8
#define VM_MEMORY_MALLOC_LARGE_REUSED	9

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

/* What mach_vm_map accepts (XNU's VM_FLAGS_USER_MAP). */
#define VM_FLAGS_RETURN_DATA_ADDR	0x00100000
#define VM_FLAGS_RETURN_4K_DATA_ADDR	0x00800000
#define VM_FLAGS_USER_MAP						\
	(VM_FLAGS_USER_ALLOCATE | VM_FLAGS_RETURN_DATA_ADDR |		\
	 VM_FLAGS_RETURN_4K_DATA_ADDR)

/* What mach_vm_remap accepts (XNU's VM_FLAGS_USER_REMAP: no tag bits). */
#define VM_FLAGS_RESILIENT_CODESIGN	0x00000020
#define VM_FLAGS_RESILIENT_MEDIA	0x00000040
#define VM_FLAGS_USER_REMAP						\
	(VM_FLAGS_FIXED | VM_FLAGS_ANYWHERE | VM_FLAGS_RANDOM_ADDR |	\
	 VM_FLAGS_OVERWRITE | VM_FLAGS_RETURN_DATA_ADDR |		\
	 VM_FLAGS_RESILIENT_CODESIGN | VM_FLAGS_RESILIENT_MEDIA)

/* mach_vm_map, make_memory_entry: "as much of this protection as allowed". */
#define VM_PROT_IS_MASK		0x40

#define VM_REGION_BASIC_INFO_64	9
#define VM_REGION_BASIC_INFO	10
#define VM_REGION_TOP_INFO	12
#define VM_REGION_EXTENDED_INFO	13

/* Share modes of a region (vm_region.h). */
#define SM_COW			1
#define SM_PRIVATE		2
#define SM_EMPTY		3
#define SM_SHARED		4
#define SM_TRUESHARED		5

/* Region tags (VM_MAKE_TAG values, vm_statistics.h) Machina reports. */
#define VM_MEMORY_STACK		30

/* mach_vm_msync flags (vm_sync.h). */
#define VM_SYNC_ASYNCHRONOUS	0x01
#define VM_SYNC_SYNCHRONOUS	0x02
#define VM_SYNC_CONTIGUOUS	0x20

/* mach_vm_page_query dispositions (vm_statistics.h). */
#define VM_PAGE_QUERY_PAGE_PRESENT	0x1
#define VM_PAGE_QUERY_PAGE_EXTERNAL	0x80

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

/* vm_region_basic_info: the 32-bit offset of old tasks (8 words). */
struct xnu_vm_region_basic_info {
	s32 protection;
	s32 max_protection;
	u32 inheritance;
	s32 shared;
	s32 reserved;
	u32 offset;
	s32 behavior;
	u16 user_wired_count;
} __packed __aligned(4);

/* vm_region_top_info (5 words). */
struct xnu_vm_region_top_info {
	u32 obj_id;
	u32 ref_count;
	u32 private_pages_resident;
	u32 shared_pages_resident;
	u8 share_mode;
} __packed __aligned(4);

/* vm_region_extended_info (9 words). */
struct xnu_vm_region_extended_info {
	s32 protection;
	u32 user_tag;
	u32 pages_resident;
	u32 pages_shared_now_private;
	u32 pages_swapped_out;
	u32 pages_dirtied;
	u32 ref_count;
	u16 shadow_depth;
	u8 external_pager;
	u8 share_mode;
	u32 pages_reusable;
} __packed __aligned(4);

/* vm_region_submap_info_64 (V2: 19 words; V1 17, V0 16). */
struct xnu_vm_region_submap_info_64 {
	s32 protection;
	s32 max_protection;
	u32 inheritance;
	u64 offset;
	u32 user_tag;
	u32 pages_resident;
	u32 pages_shared_now_private;
	u32 pages_swapped_out;
	u32 pages_dirtied;
	u32 ref_count;
	u16 shadow_depth;
	u8 external_pager;
	u8 share_mode;
	s32 is_submap;
	s32 behavior;
	u32 object_id;
	u16 user_wired_count;
	u16 pad;			/* pack(4) padding before V1 */
	u32 pages_reusable;		/* V1 */
	u64 object_id_full;		/* V2 */
} __packed __aligned(4);

/* vm_region_submap_short_info_64 (12 words). */
struct xnu_vm_region_submap_short_info_64 {
	s32 protection;
	s32 max_protection;
	u32 inheritance;
	u64 offset;
	u32 user_tag;
	u32 ref_count;
	u16 shadow_depth;
	u8 external_pager;
	u8 share_mode;
	s32 is_submap;
	s32 behavior;
	u32 object_id;
	u16 user_wired_count;
} __packed __aligned(4);

#define VM_REGION_BASIC_INFO_COUNT	8
#define VM_REGION_TOP_INFO_COUNT	5
#define VM_REGION_EXTENDED_INFO_COUNT	9
#define VM_REGION_SUBMAP_INFO_V0_COUNT_64	16
#define VM_REGION_SUBMAP_INFO_V1_COUNT_64	17
#define VM_REGION_SUBMAP_INFO_V2_COUNT_64	19
#define VM_REGION_SUBMAP_SHORT_INFO_COUNT_64	12

#endif /* _MACHINA_XNU_VM_PROT_H */
