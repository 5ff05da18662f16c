/*
 * <mach_debug/ipc_info.h>: what mach_port_space_info() reports about an IPC
 * space and each of its names.
 */
#ifndef _MACH_DEBUG_IPC_INFO_H_
#define _MACH_DEBUG_IPC_INFO_H_

#include <mach/boolean.h>
#include <mach/port.h>
#include <mach/machine/vm_types.h>

typedef struct ipc_info_space {
	natural_t iis_genno_mask;	/* the generation bits of a name */
	natural_t iis_table_size;	/* slots in the name table */
	natural_t iis_table_next;	/* slots after the next growth */
	natural_t iis_tree_size;	/* unused, 0 */
	natural_t iis_tree_small;	/* unused, 0 */
	natural_t iis_tree_hash;	/* unused, 0 */
} ipc_info_space_t;

typedef struct ipc_info_space_basic {
	natural_t iisb_genno_mask;
	natural_t iisb_table_size;
	natural_t iisb_table_next;
	natural_t iisb_table_inuse;	/* slots holding a right */
	natural_t iisb_reserved[2];
} ipc_info_space_basic_t;

/* One name of the space (28 bytes). */
typedef struct ipc_info_name {
	mach_port_name_t iin_name;	/* the full name, generation included */
	integer_t iin_collision;
	mach_port_type_t iin_type;	/* MACH_PORT_TYPE_* bits */
	mach_port_urefs_t iin_urefs;
	natural_t iin_object;		/* an opaque identity of the object */
	natural_t iin_next;
	natural_t iin_hash;
} ipc_info_name_t;

typedef ipc_info_name_t *ipc_info_name_array_t;

/* Spaces are tables only now; this is always returned empty. */
typedef struct ipc_info_tree_name {
	ipc_info_name_t iitn_name;
	mach_port_name_t iitn_lchild;
	mach_port_name_t iitn_rchild;
} ipc_info_tree_name_t;

typedef ipc_info_tree_name_t *ipc_info_tree_name_array_t;

#endif /* _MACH_DEBUG_IPC_INFO_H_ */
