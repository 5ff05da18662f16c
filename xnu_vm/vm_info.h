/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the Mach VM inspection calls report about memory: the facts of one
 * region beyond its basic attributes (resident pages, share mode,
 * reference count, object id, tag), the residency of one page, and a
 * task's VM totals (task_info TASK_VM_INFO).  vm_info.c gathers them from
 * Machina's objects (Mach VM memory) and from Linux (all other memory);
 * vm_region.c lays them out in Darwin's region flavors.
 *
 * No kernel address reaches user space: object ids are a keyed hash
 * (siphash, key drawn once per boot) of the object (Mach VM memory), the
 * inode (file and shared memory) or the anon_vma (private anonymous
 * memory), as XNU hashes its object addresses (VM_KERNEL_ADDRHASH).
 */
#ifndef _MACHINA_XNU_VM_INFO_H
#define _MACHINA_XNU_VM_INFO_H

#include <linux/types.h>

struct anon_vma;
struct file;
struct mm_struct;
struct task_struct;
struct vm_area_struct;

/* The facts of one region (vma) beyond VM_REGION_BASIC_INFO_64's. */
struct xnu_vm_region_facts {
	u32 user_tag;		/* VM_MAKE_TAG alias; VM_MEMORY_STACK for the stack */
	u32 pages_resident;	/* pages of the region in memory */
	u32 ref_count;		/* references to the memory object */
	u8 share_mode;		/* SM_* */
	u8 external_pager;	/* backed by a file (not tmpfs/shmem) */
	u64 obj_id;		/* keyed hash of the object, 0 for none */
};

int xnu_vm_region_facts(struct mm_struct *mm, struct vm_area_struct *vma,
			struct xnu_vm_region_facts *f);

/* What identifies a region a walk goes through, across an unlock. */
struct xnu_vm_walk {
	unsigned long start, end;
	struct file *file;
	struct anon_vma *anon_vma;
};

void xnu_vm_walk_begin(struct xnu_vm_walk *w, struct vm_area_struct *vma);
struct vm_area_struct *xnu_vm_walk_pause(struct mm_struct *mm,
					 const struct xnu_vm_walk *w,
					 struct vm_area_struct *vma,
					 unsigned long addr);

/* One page, as mach_vm_page_query / mach_vm_page_info report it. */
struct xnu_vm_page_facts {
	s32 disposition;	/* VM_PAGE_QUERY_PAGE_* */
	s32 ref_count;
	u64 object_id;
	u64 offset;		/* the page's offset in its object */
};

int xnu_vm_page_facts(struct mm_struct *mm, u64 addr,
		      struct xnu_vm_page_facts *f);

/* task_vm_info (task_info.h, pack 4): TASK_VM_INFO, revisions 0 to 7. */
struct xnu_task_vm_info {
	u64 virtual_size;
	s32 region_count;
	s32 page_size;
	u64 resident_size;
	u64 resident_size_peak;
	u64 device;
	u64 device_peak;
	u64 internal;
	u64 internal_peak;
	u64 external;
	u64 external_peak;
	u64 reusable;
	u64 reusable_peak;
	u64 purgeable_volatile_pmap;
	u64 purgeable_volatile_resident;
	u64 purgeable_volatile_virtual;
	u64 compressed;
	u64 compressed_peak;
	u64 compressed_lifetime;
	u64 phys_footprint;			/* rev1 */
	u64 min_address;			/* rev2 */
	u64 max_address;
	s64 ledger[21];				/* rev3: ledger_phys_footprint_peak ... */
	u64 limit_bytes_remaining;		/* rev4 */
	s32 decompressions;			/* rev5 */
	s64 ledger_swapins;			/* rev6 */
	s64 ledger_tag_neural_nofootprint_total; /* rev7 */
	s64 ledger_tag_neural_nofootprint_peak;
} __packed __aligned(4);

#define TASK_VM_INFO		22
#define TASK_VM_INFO_REV7_COUNT	(sizeof(struct xnu_task_vm_info) / 4)
#define TASK_VM_INFO_REV6_COUNT	(TASK_VM_INFO_REV7_COUNT - 4)
#define TASK_VM_INFO_REV5_COUNT	(TASK_VM_INFO_REV6_COUNT - 2)
#define TASK_VM_INFO_REV4_COUNT	(TASK_VM_INFO_REV5_COUNT - 1)
#define TASK_VM_INFO_REV3_COUNT	(TASK_VM_INFO_REV4_COUNT - 2)
#define TASK_VM_INFO_REV2_COUNT	(TASK_VM_INFO_REV3_COUNT - 42)
#define TASK_VM_INFO_REV1_COUNT	(TASK_VM_INFO_REV2_COUNT - 4)
#define TASK_VM_INFO_REV0_COUNT	(TASK_VM_INFO_REV1_COUNT - 2)

int xnu_vm_task_info(struct mm_struct *mm, struct xnu_task_vm_info *info,
		     bool purgeable);
void xnu_vm_purgeable_stats(u32 *count, u64 *purges);

#endif /* _MACHINA_XNU_VM_INFO_H */
