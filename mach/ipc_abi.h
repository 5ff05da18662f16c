/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Darwin's Mach IPC ABI as the module reads and writes it: constants,
 * message, descriptor and trailer layouts (64-bit user space, packed to 4
 * bytes as Darwin packs them).  Values are Darwin's; the names carry the
 * usual Darwin spelling so the code reads like the specification.
 */
#ifndef _MACHINA_IPC_ABI_H
#define _MACHINA_IPC_ABI_H

#include <linux/build_bug.h>
#include <linux/types.h>

typedef u32 mach_port_name_t;
typedef u32 mach_msg_bits_t;
typedef u32 mach_msg_size_t;
typedef s32 mach_msg_id_t;

#define MACH_PORT_NULL		0u
#define MACH_PORT_DEAD		(~0u)
#define MACH_PORT_VALID(n)	((n) != MACH_PORT_NULL && (n) != MACH_PORT_DEAD)

/* Rights (mach_port_right_t) */
#define MACH_PORT_RIGHT_SEND		0
#define MACH_PORT_RIGHT_RECEIVE		1
#define MACH_PORT_RIGHT_SEND_ONCE	2
#define MACH_PORT_RIGHT_PORT_SET	3
#define MACH_PORT_RIGHT_DEAD_NAME	4
#define MACH_PORT_RIGHT_LABELH		5
#define MACH_PORT_RIGHT_NUMBER		6

/* Types (mach_port_type_t) */
#define MACH_PORT_TYPE(r)		(1u << ((r) + 16))
#define MACH_PORT_TYPE_SEND		MACH_PORT_TYPE(MACH_PORT_RIGHT_SEND)
#define MACH_PORT_TYPE_RECEIVE		MACH_PORT_TYPE(MACH_PORT_RIGHT_RECEIVE)
#define MACH_PORT_TYPE_SEND_ONCE	MACH_PORT_TYPE(MACH_PORT_RIGHT_SEND_ONCE)
#define MACH_PORT_TYPE_PORT_SET		MACH_PORT_TYPE(MACH_PORT_RIGHT_PORT_SET)
#define MACH_PORT_TYPE_DEAD_NAME	MACH_PORT_TYPE(MACH_PORT_RIGHT_DEAD_NAME)
#define MACH_PORT_TYPE_SEND_RECEIVE	(MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE)
#define MACH_PORT_TYPE_SEND_RIGHTS	(MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE)
#define MACH_PORT_TYPE_PORT_RIGHTS	(MACH_PORT_TYPE_SEND_RIGHTS | MACH_PORT_TYPE_RECEIVE)
#define MACH_PORT_TYPE_PORT_OR_DEAD	(MACH_PORT_TYPE_PORT_RIGHTS | MACH_PORT_TYPE_DEAD_NAME)
#define MACH_PORT_TYPE_ALL_RIGHTS	(MACH_PORT_TYPE_PORT_OR_DEAD | MACH_PORT_TYPE_PORT_SET)
#define MACH_PORT_TYPE_DNREQUEST	0x80000000u
#define MACH_PORT_TYPE_SPREQUEST	0x40000000u

#define MACH_PORT_UREFS_MAX		0xffffu

/* Queue limits */
#define MACH_PORT_QLIMIT_ZERO		0
#define MACH_PORT_QLIMIT_BASIC		5
#define MACH_PORT_QLIMIT_SMALL		16
#define MACH_PORT_QLIMIT_LARGE		1024
#define MACH_PORT_QLIMIT_MAX		MACH_PORT_QLIMIT_LARGE
#define MACH_PORT_QLIMIT_KERNEL		65534

/* Attribute flavors */
#define MACH_PORT_LIMITS_INFO		1
#define MACH_PORT_RECEIVE_STATUS	2
#define MACH_PORT_DNREQUESTS_SIZE	3
#define MACH_PORT_TEMPOWNER		4
#define MACH_PORT_IMPORTANCE_RECEIVER	5
#define MACH_PORT_DENAP_RECEIVER	6
#define MACH_PORT_INFO_EXT		7
#define MACH_PORT_LIMITS_INFO_COUNT	1
#define MACH_PORT_RECEIVE_STATUS_COUNT	10
#define MACH_PORT_DNREQUESTS_SIZE_COUNT	1
#define MACH_PORT_INFO_EXT_COUNT	17

/* mach_port_status_t.mps_flags */
#define MACH_PORT_STATUS_FLAG_GUARDED		0x02
#define MACH_PORT_STATUS_FLAG_STRICT_GUARD	0x04
#define MACH_PORT_STATUS_FLAG_IMP_DONATION	0x08
#define MACH_PORT_STATUS_FLAG_TEMPOWNER		0x01
#define MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE 0x40

/* mach_port_options_t.flags */
#define MPO_CONTEXT_AS_GUARD		0x01
#define MPO_QLIMIT			0x02
#define MPO_TEMPOWNER			0x04
#define MPO_IMPORTANCE_RECEIVER		0x08
#define MPO_INSERT_SEND_RIGHT		0x10
#define MPO_STRICT			0x20
#define MPO_DENAP_RECEIVER		0x40
#define MPO_IMMOVABLE_RECEIVE		0x80
#define MPO_FILTER_MSG			0x100
#define MPO_TG_BLOCK_TRACKING		0x200
/* The options Machina honours or accepts as hints. */
#define MPO_KNOWN (MPO_CONTEXT_AS_GUARD | MPO_QLIMIT | MPO_TEMPOWNER |	\
		   MPO_IMPORTANCE_RECEIVER | MPO_INSERT_SEND_RIGHT |	\
		   MPO_STRICT | MPO_DENAP_RECEIVER | MPO_IMMOVABLE_RECEIVE)

/* Message header bits */
#define MACH_MSGH_BITS_REMOTE_MASK	0x0000001fu
#define MACH_MSGH_BITS_LOCAL_MASK	0x00001f00u
#define MACH_MSGH_BITS_VOUCHER_MASK	0x001f0000u
#define MACH_MSGH_BITS_COMPLEX		0x80000000u
#define MACH_MSGH_BITS_USER		0x801f1f1fu
#define MACH_MSGH_BITS_REMOTE(b)	((b) & MACH_MSGH_BITS_REMOTE_MASK)
#define MACH_MSGH_BITS_LOCAL(b)		(((b) & MACH_MSGH_BITS_LOCAL_MASK) >> 8)
#define MACH_MSGH_BITS_VOUCHER(b)	(((b) & MACH_MSGH_BITS_VOUCHER_MASK) >> 16)
#define MACH_MSGH_BITS(remote, local)	((remote) | ((local) << 8))

/* Dispositions (sender) and received types */
#define MACH_MSG_TYPE_PORT_NAME		15
#define MACH_MSG_TYPE_MOVE_RECEIVE	16
#define MACH_MSG_TYPE_MOVE_SEND		17
#define MACH_MSG_TYPE_MOVE_SEND_ONCE	18
#define MACH_MSG_TYPE_COPY_SEND		19
#define MACH_MSG_TYPE_MAKE_SEND		20
#define MACH_MSG_TYPE_MAKE_SEND_ONCE	21
#define MACH_MSG_TYPE_COPY_RECEIVE	22
#define MACH_MSG_TYPE_DISPOSE_RECEIVE	24
#define MACH_MSG_TYPE_DISPOSE_SEND	25
#define MACH_MSG_TYPE_DISPOSE_SEND_ONCE	26
#define MACH_MSG_TYPE_PORT_RECEIVE	MACH_MSG_TYPE_MOVE_RECEIVE
#define MACH_MSG_TYPE_PORT_SEND		MACH_MSG_TYPE_MOVE_SEND
#define MACH_MSG_TYPE_PORT_SEND_ONCE	MACH_MSG_TYPE_MOVE_SEND_ONCE

/* Descriptor types */
#define MACH_MSG_PORT_DESCRIPTOR		0
#define MACH_MSG_OOL_DESCRIPTOR			1
#define MACH_MSG_OOL_PORTS_DESCRIPTOR		2
#define MACH_MSG_OOL_VOLATILE_DESCRIPTOR	3
#define MACH_MSG_GUARDED_PORT_DESCRIPTOR	4

#define MACH_MSG_PHYSICAL_COPY		0
#define MACH_MSG_VIRTUAL_COPY		1
#define MACH_MSG_ALLOCATE		2

#define MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE	0x1
#define MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND	0x2
#define MACH_MSG_GUARD_FLAGS_MASK		0x3

/* Options */
#define MACH_SEND_MSG			0x00000001u
#define MACH_RCV_MSG			0x00000002u
#define MACH_RCV_LARGE			0x00000004u
#define MACH_RCV_LARGE_IDENTITY		0x00000008u
#define MACH_SEND_TIMEOUT		0x00000010u
#define MACH_SEND_OVERRIDE		0x00000020u
#define MACH_SEND_INTERRUPT		0x00000040u
#define MACH_SEND_NOTIFY		0x00000080u
#define MACH_RCV_TIMEOUT		0x00000100u
#define MACH_MSG_STRICT_REPLY		0x00000200u
#define MACH_RCV_INTERRUPT		0x00000400u
#define MACH_RCV_VOUCHER		0x00000800u
#define MACH_RCV_GUARDED_DESC		0x00001000u
#define MACH_RCV_SYNC_WAIT		0x00004000u
#define MACH_RCV_SYNC_PEEK		0x00008000u
#define MACH_SEND_FILTER_NONFATAL	0x00010000u
#define MACH_SEND_TRAILER		0x00020000u
#define MACH_SEND_NOIMPORTANCE		0x00040000u
#define MACH_SEND_ALWAYS		0x00010000u
#define MACH_SEND_SYNC_OVERRIDE		0x00100000u
#define MACH_SEND_PROPAGATE_QOS		0x00200000u
#define MACH_SEND_SYNC_BOOTSTRAP_CHECKIN 0x00800000u
#define MACH_RCV_TRAILER_TYPE(x)	(((x) & 0xfu) << 28)
#define MACH_RCV_TRAILER_ELEMENTS(x)	(((x) & 0xfu) << 24)
#define MACH_RCV_TRAILER_MASK		0xff000000u
#define GET_RCV_ELEMENTS(y)		(((y) >> 24) & 0xfu)
#define GET_RCV_TYPE(y)			(((y) >> 28) & 0xfu)
/*
 * Options Machina accepts.  MACH_SEND_OVERRIDE raises the class a message
 * carries (ipc_qos_override.h); the other QoS, importance, voucher and
 * sync-wait bits are scheduling hints on Darwin, accepted with no effect.
 */
#define MACH_MSG_OPTIONS_KNOWN						\
	(MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_LARGE |		\
	 MACH_RCV_LARGE_IDENTITY | MACH_SEND_TIMEOUT |			\
	 MACH_SEND_OVERRIDE | MACH_SEND_INTERRUPT | MACH_SEND_NOTIFY |	\
	 MACH_RCV_TIMEOUT |						\
	 MACH_MSG_STRICT_REPLY | MACH_RCV_INTERRUPT | MACH_RCV_VOUCHER |	\
	 MACH_RCV_GUARDED_DESC | MACH_RCV_SYNC_WAIT | MACH_RCV_SYNC_PEEK | \
	 MACH_SEND_ALWAYS | MACH_SEND_NOIMPORTANCE |			\
	 MACH_SEND_SYNC_OVERRIDE | MACH_SEND_PROPAGATE_QOS |		\
	 MACH_SEND_SYNC_BOOTSTRAP_CHECKIN | MACH_RCV_TRAILER_MASK)

#define MACH_MSG_TRAILER_FORMAT_0	0
#define MACH_RCV_TRAILER_NULL		0
#define MACH_RCV_TRAILER_SEQNO		1
#define MACH_RCV_TRAILER_SENDER		2
#define MACH_RCV_TRAILER_AUDIT		3
#define MACH_RCV_TRAILER_CTX		4
#define MACH_RCV_TRAILER_AV		7
#define MACH_RCV_TRAILER_LABELS		8

/* mach_msg_return_t */
#define MACH_MSG_SUCCESS		0x00000000
#define MACH_SEND_IN_PROGRESS		0x10000001
#define MACH_SEND_INVALID_DATA		0x10000002
#define MACH_SEND_INVALID_DEST		0x10000003
#define MACH_SEND_TIMED_OUT		0x10000004
#define MACH_SEND_INTERRUPTED		0x10000007
#define MACH_SEND_MSG_TOO_SMALL		0x10000008
#define MACH_SEND_INVALID_REPLY		0x10000009
#define MACH_SEND_INVALID_RIGHT		0x1000000a
#define MACH_SEND_INVALID_NOTIFY	0x1000000b
#define MACH_SEND_INVALID_MEMORY	0x1000000c
#define MACH_SEND_NO_BUFFER		0x1000000d
#define MACH_SEND_TOO_LARGE		0x1000000e
#define MACH_SEND_INVALID_TYPE		0x1000000f
#define MACH_SEND_INVALID_HEADER	0x10000010
#define MACH_SEND_INVALID_TRAILER	0x10000011
#define MACH_SEND_INVALID_OPTIONS	0x10000013
#define MACH_SEND_AUX_TOO_SMALL		0x10000018
#define MACH_SEND_AUX_TOO_LARGE		0x10000019
#define MACH_RCV_IN_PROGRESS		0x10004001
#define MACH_RCV_INVALID_NAME		0x10004002
#define MACH_RCV_TIMED_OUT		0x10004003
#define MACH_RCV_TOO_LARGE		0x10004004
#define MACH_RCV_INTERRUPTED		0x10004005
#define MACH_RCV_PORT_CHANGED		0x10004006
#define MACH_RCV_INVALID_NOTIFY		0x10004007
#define MACH_RCV_INVALID_DATA		0x10004008
#define MACH_RCV_PORT_DIED		0x10004009
#define MACH_RCV_HEADER_ERROR		0x1000400b
#define MACH_RCV_BODY_ERROR		0x1000400c
#define MACH_RCV_INVALID_TYPE		0x1000400d
#define MACH_RCV_INVALID_TRAILER	0x1000400f
#define MACH_RCV_INVALID_ARGUMENTS	0x10004013
/* Extra bits or'ed into header/body errors, as Darwin does. */
#define MACH_MSG_IPC_SPACE		0x00002000
#define MACH_MSG_VM_KERNEL		0x00000400
#define MACH_MSG_VM_SPACE		0x00001000

#define MACH_MSG_SIZE_RELIABLE		(256u * 1024u)

/* MIG */
#define MIG_BAD_ID			(-303)

/* Notifications */
#define MACH_NOTIFY_PORT_DELETED	65
#define MACH_NOTIFY_SEND_POSSIBLE	66
#define MACH_NOTIFY_PORT_DESTROYED	69
#define MACH_NOTIFY_NO_SENDERS		70
#define MACH_NOTIFY_SEND_ONCE		71
#define MACH_NOTIFY_DEAD_NAME		72

/* Wire layouts. */
struct mach_msg_header {
	u32 msgh_bits;
	u32 msgh_size;
	u32 msgh_remote_port;
	u32 msgh_local_port;
	u32 msgh_voucher_port;
	s32 msgh_id;
};

struct mach_msg_body {
	u32 msgh_descriptor_count;
};

/* Every 64-bit descriptor but the port one is 16 bytes; type is the last byte of word 2. */
struct mach_port_desc {
	u32 name;
	u32 pad1;
	u16 pad2;
	u8 disposition;
	u8 type;
} __packed;

struct mach_ool_desc {
	u64 address;
	u8 deallocate;
	u8 copy;
	u8 pad1;
	u8 type;
	u32 size;
} __packed __aligned(4);

struct mach_ool_ports_desc {
	u64 address;
	u8 deallocate;
	u8 copy;
	u8 disposition;
	u8 type;
	u32 count;
} __packed __aligned(4);

struct mach_guarded_port_desc {
	u64 context;
	u16 flags;
	u8 disposition;
	u8 type;
	u32 name;
} __packed __aligned(4);

/* Common view: the type byte of every descriptor sits at offset 11. */
#define MACH_DESC_TYPE_OFFSET	11
#define MACH_PORT_DESC_SIZE	12
#define MACH_DESC64_SIZE	16

struct mach_msg_trailer_max {
	u32 msgh_trailer_type;
	u32 msgh_trailer_size;
	u32 msgh_seqno;
	u32 msgh_sender[2];		/* security token: uid, gid */
	u32 msgh_audit[8];		/* audit token */
	u64 msgh_context;
	s32 msgh_ad;
	u32 msgh_labels;
} __packed __aligned(4);

#define MACH_MSG_TRAILER_MINIMUM_SIZE	8
#define MACH_MSG_TRAILER_SEQNO_SIZE	12
#define MACH_MSG_TRAILER_SECURITY_SIZE	20
#define MACH_MSG_TRAILER_AUDIT_SIZE	52
#define MACH_MSG_TRAILER_CONTEXT_SIZE	60
#define MACH_MSG_TRAILER_MAX_SIZE	68

/* Bytes of trailer a receive option asks for (Darwin's REQUESTED_TRAILER_SIZE). */
static inline u32 mach_trailer_size(u32 option)
{
	switch (GET_RCV_ELEMENTS(option)) {
	case MACH_RCV_TRAILER_NULL:
		return MACH_MSG_TRAILER_MINIMUM_SIZE;
	case MACH_RCV_TRAILER_SEQNO:
		return MACH_MSG_TRAILER_SEQNO_SIZE;
	case MACH_RCV_TRAILER_SENDER:
		return MACH_MSG_TRAILER_SECURITY_SIZE;
	case MACH_RCV_TRAILER_AUDIT:
		return MACH_MSG_TRAILER_AUDIT_SIZE;
	case MACH_RCV_TRAILER_CTX:
		return MACH_MSG_TRAILER_CONTEXT_SIZE;
	default:
		return MACH_MSG_TRAILER_MAX_SIZE;
	}
}

static_assert(sizeof(struct mach_msg_header) == 24);
static_assert(sizeof(struct mach_port_desc) == 12);
static_assert(sizeof(struct mach_ool_desc) == 16);
static_assert(sizeof(struct mach_ool_ports_desc) == 16);
static_assert(sizeof(struct mach_guarded_port_desc) == 16);
static_assert(sizeof(struct mach_msg_trailer_max) == MACH_MSG_TRAILER_MAX_SIZE);

#endif /* _MACHINA_IPC_ABI_H */
