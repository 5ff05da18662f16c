// SPDX-License-Identifier: GPL-2.0
/*
 * Describing regions: mach_vm_region's flavors (VM_REGION_BASIC_INFO_64,
 * BASIC_INFO, EXTENDED_INFO and its legacy flavor, TOP_INFO),
 * mach_vm_region_recurse (VM_REGION_SUBMAP_INFO_64 V0/V1/V2 and the short
 * info) and mach_vm_page_query, in Darwin's layouts (vm_prot.h).  The
 * facts come from vm_info.c; a region is one Linux vma.
 *
 * Count rules are XNU's (vm_map_region, vm_map_region_recurse_64): a
 * count below the flavor's is KERN_INVALID_ARGUMENT before anything is
 * looked up, the count out is the layout written.  Machina has no
 * submaps: recurse reports every region at depth 0 with is_submap 0,
 * whatever depth was asked, which is what XNU answers for a map without
 * nested maps.
 */
#include <linux/mm.h>
#include <linux/string.h>

#include "mach/kern_return.h"
#include "mach/task.h"
#include "personality/calls.h"
#include "uapi/machina.h"
#include "xnu_vm/vm_info.h"
#include "xnu_vm/vm_map.h"
#include "xnu_vm/vm_prot.h"

#define VM_REGION_EXTENDED_INFO_LEGACY	11

static_assert(sizeof(struct xnu_vm_region_basic_info_64) ==
	      VM_REGION_BASIC_INFO_COUNT_64 * 4);
static_assert(sizeof(struct xnu_vm_region_basic_info) ==
	      VM_REGION_BASIC_INFO_COUNT * 4);
static_assert(sizeof(struct xnu_vm_region_top_info) ==
	      VM_REGION_TOP_INFO_COUNT * 4);
static_assert(sizeof(struct xnu_vm_region_extended_info) ==
	      VM_REGION_EXTENDED_INFO_COUNT * 4);
static_assert(sizeof(struct xnu_vm_region_submap_info_64) ==
	      VM_REGION_SUBMAP_INFO_V2_COUNT_64 * 4);
static_assert(offsetof(struct xnu_vm_region_submap_info_64, object_id_full) ==
	      VM_REGION_SUBMAP_INFO_V1_COUNT_64 * 4);
static_assert(offsetof(struct xnu_vm_region_submap_info_64, pages_reusable) ==
	      VM_REGION_SUBMAP_INFO_V0_COUNT_64 * 4);
static_assert(sizeof(struct xnu_vm_region_submap_short_info_64) ==
	      VM_REGION_SUBMAP_SHORT_INFO_COUNT_64 * 4);
static_assert(MACHINA_VM_REGION_WORDS * 4 >=
	      sizeof(struct xnu_vm_region_extended_info));
static_assert(MACHINA_VM_RECURSE_WORDS * 4 >=
	      sizeof(struct xnu_vm_region_submap_info_64));

/* One describe request: the flavor asked and the words written. */
struct region_req {
	int flavor;		/* VM_REGION_*; recurse: the count asked */
	bool recurse;
	u32 words;		/* layout written, in words */
	u32 *info;		/* MACHINA_VM_*_WORDS words, zeroed */
};

/* fill_top - VM_REGION_TOP_INFO, as XNU's vm_map_region_top_walk() */
static void fill_top(const struct xnu_vm_region_facts *f,
		     struct xnu_vm_region_top_info *top)
{
	top->share_mode = f->share_mode;
	if (f->share_mode == SM_EMPTY)
		return;
	top->obj_id = (u32)f->obj_id;
	top->ref_count = f->ref_count;
	if (f->share_mode == SM_PRIVATE)
		top->private_pages_resident = f->pages_resident;
	else
		top->shared_pages_resident = f->pages_resident;
}

/*
 * The fields the submap info and its short form share (two layouts, one
 * set of names): @s either struct.
 */
#define FILL_SUBMAP_COMMON(s, b, f)				\
	do {							\
		(s)->protection = (b)->protection;		\
		(s)->max_protection = (b)->max_protection;	\
		(s)->inheritance = (b)->inheritance;		\
		(s)->offset = (b)->offset;			\
		(s)->user_tag = (f)->user_tag;			\
		(s)->ref_count = (f)->ref_count;		\
		(s)->external_pager = (f)->external_pager;	\
		(s)->share_mode = (f)->share_mode;		\
		(s)->behavior = (b)->behavior;			\
		(s)->object_id = (u32)(f)->obj_id;		\
		(s)->user_wired_count = (b)->user_wired_count;	\
	} while (0)

/*
 * fill_recurse - VM_REGION_SUBMAP_INFO_64 (@words 16, 17 or 19) or the
 * short info (12) into @info
 */
static void fill_recurse(const struct xnu_vm_region_basic_info_64 *b,
			 const struct xnu_vm_region_facts *f, u32 words,
			 void *info)
{
	struct xnu_vm_region_submap_short_info_64 *sh = info;
	struct xnu_vm_region_submap_info_64 *s = info;

	if (words == VM_REGION_SUBMAP_SHORT_INFO_COUNT_64) {
		FILL_SUBMAP_COMMON(sh, b, f);
		return;
	}
	FILL_SUBMAP_COMMON(s, b, f);
	s->pages_resident = f->pages_resident;
	if (words >= VM_REGION_SUBMAP_INFO_V2_COUNT_64)
		s->object_id_full = f->obj_id;
}

/*
 * describe - write @vma in the layout @arg (struct region_req) asks for
 * Conditions: the mm's mmap_lock held for reading (the page count may let
 * it go and take it again: nothing of @vma is read after it).
 * Returns: KERN_SUCCESS, KERN_ABORTED (killed while counting pages: the
 * mmap_lock is let go then).
 */
static int describe(struct xnu_vm_map *map, struct vm_area_struct *vma,
		    void *arg)
{
	struct region_req *r = arg;
	struct xnu_vm_region_basic_info_64 b;
	struct xnu_vm_region_facts f;
	int kr;

	machina_mmap_assert_locked(vma->vm_mm);
	xnu_vm_region_basic(vma, &b);
	if (!r->recurse && r->flavor == VM_REGION_BASIC_INFO_64) {
		memcpy(r->info, &b, sizeof(b));
		return KERN_SUCCESS;
	}
	if (!r->recurse && r->flavor == VM_REGION_BASIC_INFO) {
		struct xnu_vm_region_basic_info *o = (void *)r->info;

		o->protection = b.protection;
		o->max_protection = b.max_protection;
		o->inheritance = b.inheritance;
		o->shared = b.shared;
		o->offset = (u32)b.offset;
		o->behavior = b.behavior;
		o->user_wired_count = b.user_wired_count;
		return KERN_SUCCESS;
	}
	kr = xnu_vm_region_facts(map->mm, vma, &f);
	if (kr)
		return kr;
	if (r->recurse) {
		fill_recurse(&b, &f, r->words, r->info);
	} else if (r->flavor == VM_REGION_TOP_INFO) {
		fill_top(&f, (void *)r->info);
	} else {
		struct xnu_vm_region_extended_info *e = (void *)r->info;

		e->protection = b.protection;
		e->user_tag = f.user_tag;
		e->pages_resident = f.pages_resident;
		e->ref_count = f.ref_count;
		e->external_pager = f.external_pager;
		e->share_mode = f.share_mode;
	}
	return KERN_SUCCESS;
}

/*
 * region_words - the layout a mach_vm_region flavor writes for a caller
 * with room for @count words (0: refused, KERN_INVALID_ARGUMENT).
 * mach_vm_region takes VM_REGION_BASIC_INFO as BASIC_INFO_64; vm_region
 * (@legacy) keeps its 32-bit layout.
 */
static u32 region_words(int *flavor, u32 count, bool legacy)
{
	u32 need;

	if (*flavor == VM_REGION_BASIC_INFO && !legacy)
		*flavor = VM_REGION_BASIC_INFO_64;
	switch (*flavor) {
	case VM_REGION_BASIC_INFO_64:
		need = VM_REGION_BASIC_INFO_COUNT_64;
		break;
	case VM_REGION_BASIC_INFO:
		need = VM_REGION_BASIC_INFO_COUNT;
		break;
	case VM_REGION_EXTENDED_INFO:
		need = VM_REGION_EXTENDED_INFO_COUNT;
		break;
	case VM_REGION_EXTENDED_INFO_LEGACY:
		need = VM_REGION_EXTENDED_INFO_COUNT - 1;
		break;
	case VM_REGION_TOP_INFO:
		need = VM_REGION_TOP_INFO_COUNT;
		break;
	default:
		return 0;
	}
	return count < need ? 0 : need;
}

/*
 * describe_out - describe the region at or after *@addr as @r asks and,
 * on success, hand out its start, size, layout (@out, @out_words words)
 * and count; on failure nothing is changed
 */
static int describe_out(struct xnu_vm_map *map, struct region_req *r,
			u64 *addr, u64 *size, u32 *out, size_t out_words,
			u32 *count)
{
	u64 at = *addr, len = 0;
	int kr;

	kr = xnu_vm_map_region(map, &at, &len, describe, r);
	if (kr)
		return kr;
	memcpy(out, r->info, out_words * 4);
	*count = r->words;
	*addr = at;
	*size = len;
	return KERN_SUCCESS;
}

/*
 * do_region - mach_vm_region / vm_region: the region at or after address
 * in the flavor asked.
 * Returns: KERN_SUCCESS with address, size, count and info;
 * KERN_INVALID_ARGUMENT (unknown flavor, a count below the flavor's);
 * KERN_INVALID_ADDRESS (no region at or after address); KERN_ABORTED.
 */
static int do_region(struct xnu_vm_map *map, void *arg)
{
	struct machina_vm_region *a = arg;
	u32 info[MACHINA_VM_REGION_WORDS] = { 0 };
	struct region_req r = { .flavor = a->flavor, .info = info };

	r.words = region_words(&r.flavor, a->count,
			       a->flags & MACHINA_VM_REGION_LEGACY);
	if (!r.words)
		return KERN_INVALID_ARGUMENT;
	a->object_name = 0;
	return describe_out(map, &r, &a->address, &a->size, a->info,
			    MACHINA_VM_REGION_WORDS, &a->count);
}

long machina_call_vm_region(struct machina_task *task, void *arg)
{
	struct machina_vm_region *a = arg;

	if ((a->flags & ~MACHINA_VM_REGION_LEGACY) || a->reserved)
		return -EINVAL;
	return xnu_vm_call(task, a->task, MACHINA_TASK_READ, a, do_region);
}

/*
 * do_recurse - mach_vm_region_recurse: the region at or after address as
 * submap info (count 16, 17, 19 or more: the largest of V0, V1, V2 that
 * fits) or short info (count 12 to 15).  No region is nested (no
 * submaps), so depth out is 0.
 * Returns: KERN_SUCCESS with address, size, depth, count and info;
 * KERN_INVALID_ARGUMENT (count below 12); KERN_INVALID_ADDRESS (no region
 * at or after address; depth 0); KERN_ABORTED.
 */
static int do_recurse(struct xnu_vm_map *map, void *arg)
{
	struct machina_vm_region_recurse *a = arg;
	u32 info[MACHINA_VM_RECURSE_WORDS] = { 0 };
	struct region_req r = { .recurse = true, .info = info };

	if (a->count < VM_REGION_SUBMAP_SHORT_INFO_COUNT_64)
		return KERN_INVALID_ARGUMENT;
	if (a->count >= VM_REGION_SUBMAP_INFO_V2_COUNT_64)
		r.words = VM_REGION_SUBMAP_INFO_V2_COUNT_64;
	else if (a->count >= VM_REGION_SUBMAP_INFO_V1_COUNT_64)
		r.words = VM_REGION_SUBMAP_INFO_V1_COUNT_64;
	else if (a->count >= VM_REGION_SUBMAP_INFO_V0_COUNT_64)
		r.words = VM_REGION_SUBMAP_INFO_V0_COUNT_64;
	else
		r.words = VM_REGION_SUBMAP_SHORT_INFO_COUNT_64;
	a->depth = 0;
	return describe_out(map, &r, &a->address, &a->size, a->info,
			    MACHINA_VM_RECURSE_WORDS, &a->count);
}

long machina_call_vm_region_recurse(struct machina_task *task, void *arg)
{
	struct machina_vm_region_recurse *a = arg;

	if (a->flags)
		return -EINVAL;
	return xnu_vm_call(task, a->task, MACHINA_TASK_READ, a, do_recurse);
}

/*
 * do_page_query - mach_vm_page_query / mach_vm_page_info of the page at
 * address (xnu_vm_page_facts() says what is reported).
 * Returns: KERN_SUCCESS (also for an address no region covers: nothing
 * reported), KERN_ABORTED.
 */
static int do_page_query(struct xnu_vm_map *map, void *arg)
{
	struct machina_vm_page_query *a = arg;
	struct xnu_vm_page_facts f;
	int kr;

	kr = xnu_vm_page_facts(map->mm, a->address, &f);
	a->disposition = kr ? 0 : f.disposition;
	a->ref_count = kr ? 0 : f.ref_count;
	a->object_id = kr ? 0 : f.object_id;
	a->offset = kr ? 0 : f.offset;
	return kr;
}

long machina_call_vm_page_query(struct machina_task *task, void *arg)
{
	struct machina_vm_page_query *a = arg;

	if (a->flags || a->disposition || a->ref_count || a->object_id ||
	    a->offset)
		return -EINVAL;
	return xnu_vm_call(task, a->task, MACHINA_TASK_READ, a, do_page_query);
}
