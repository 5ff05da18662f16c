/*
 * <mach/memory_object_types.h>: the sizes and offsets of memory objects
 * and the MAP_MEM_* flags of mach_make_memory_entry_64's permission
 * (VM_PROT_* in the low byte, MAP_MEM_* flags above it, a cache mode in
 * the top byte).
 */
#ifndef _MACH_MEMORY_OBJECT_TYPES_H_
#define _MACH_MEMORY_OBJECT_TYPES_H_

#include <stdint.h>

typedef uint64_t memory_object_offset_t;
typedef uint64_t memory_object_size_t;

/*
 * Cache modes: recorded on an entry (MAP_MEM_ONLY changes it) and
 * otherwise ignored by Machina: Linux maps these pages write-back cached.
 */
#define MAP_MEM_NOOP			0
#define MAP_MEM_COPYBACK		1
#define MAP_MEM_IO			2
#define MAP_MEM_WTHRU			3
#define MAP_MEM_WCOMB			4
#define MAP_MEM_INNERWBACK		5
#define MAP_MEM_POSTED			6
#define MAP_MEM_RT			7
#define MAP_MEM_POSTED_REORDERED	8
#define MAP_MEM_POSTED_COMBINED_REORDERED 9
#define GET_MAP_MEM(flags)	((((unsigned int)(flags)) >> 24) & 0xFF)
#define SET_MAP_MEM(caching, flags)					\
	((flags) = ((((unsigned int)(caching)) << 24) & 0xFF000000) |	\
		   ((flags) & 0xFFFFFF))

#define MAP_MEM_LEDGER_TAGGED		0x002000
#define MAP_MEM_PURGABLE_KERNEL_ONLY	0x004000
#define MAP_MEM_GRAB_SECLUDED		0x008000
#define MAP_MEM_ONLY			0x010000 /* change a parent's cache mode */
#define MAP_MEM_NAMED_CREATE		0x020000 /* a new object */
#define MAP_MEM_PURGABLE		0x040000 /* with NAMED_CREATE: purgeable */
#define MAP_MEM_NAMED_REUSE		0x080000
#define MAP_MEM_USE_DATA_ADDR		0x100000
#define MAP_MEM_VM_COPY			0x200000 /* a snapshot of the range */
#define MAP_MEM_VM_SHARE		0x400000 /* share the range, copy-kind entry */
#define MAP_MEM_4K_DATA_ADDR		0x800000

#define MAP_MEM_FLAGS_MASK		0x00FFFF00
#define MAP_MEM_FLAGS_USER						\
	(MAP_MEM_PURGABLE_KERNEL_ONLY | MAP_MEM_GRAB_SECLUDED |		\
	 MAP_MEM_ONLY | MAP_MEM_NAMED_CREATE | MAP_MEM_PURGABLE |	\
	 MAP_MEM_NAMED_REUSE | MAP_MEM_USE_DATA_ADDR | MAP_MEM_VM_COPY |	\
	 MAP_MEM_VM_SHARE | MAP_MEM_LEDGER_TAGGED | MAP_MEM_4K_DATA_ADDR)
#define MAP_MEM_FLAGS_ALL		MAP_MEM_FLAGS_USER

#endif /* _MACH_MEMORY_OBJECT_TYPES_H_ */
