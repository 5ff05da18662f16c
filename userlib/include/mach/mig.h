/*
 * <mach/mig.h>: what MIG-generated client and server code expects from the
 * system: the stub and subsystem types, and the per-thread reply port.
 */
#ifndef _MACH_MIG_H_
#define _MACH_MIG_H_

#include <stdint.h>
#include <mach/port.h>
#include <mach/message.h>
#include <mach/vm_types.h>

/* Generated stubs type-check replies unless the program says otherwise. */
#ifndef __MigTypeCheck
#if defined(TypeCheck)
#define __MigTypeCheck TypeCheck
#else
#define __MigTypeCheck 1
#endif
#endif

/* MIG message structures are packed, so both ends agree on the layout. */
#define __MigPackStructs 1

#ifdef __cplusplus
extern "C" {
#endif

/* A server stub: unpack the request, call the routine, pack the reply. */
typedef void (*mig_stub_routine_t)(mach_msg_header_t *InHeadP,
				   mach_msg_header_t *OutHeadP);
typedef mig_stub_routine_t mig_routine_t;

/* A subsystem's demultiplexer: the stub for a request, or NULL. */
typedef mig_routine_t (*mig_server_routine_t)(mach_msg_header_t *InHeadP);

/* The routines behind the stubs, kept in the table with a generic type. */
typedef kern_return_t (*mig_impl_routine_t)(void);

typedef mach_msg_type_descriptor_t routine_arg_descriptor;
typedef mach_msg_type_descriptor_t *routine_arg_descriptor_t;
typedef mach_msg_type_descriptor_t *mig_routine_arg_descriptor_t;

#define MIG_ROUTINE_ARG_DESCRIPTOR_NULL ((mig_routine_arg_descriptor_t)0)

struct routine_descriptor {
	mig_impl_routine_t impl_routine;
	mig_stub_routine_t stub_routine;
	unsigned int argc;
	unsigned int descr_count;
	routine_arg_descriptor_t arg_descr;
	unsigned int max_reply_msg;
};
typedef struct routine_descriptor *routine_descriptor_t;

typedef struct routine_descriptor mig_routine_descriptor;
typedef mig_routine_descriptor *mig_routine_descriptor_t;

#define MIG_ROUTINE_DESCRIPTOR_NULL	((mig_routine_descriptor_t)0)

/* The table a generated server exports: message ids start..end-1. */
typedef struct mig_subsystem {
	mig_server_routine_t server;
	mach_msg_id_t start;
	mach_msg_id_t end;
	mach_msg_size_t maxsize;	/* largest reply */
	vm_address_t reserved;
	mig_routine_descriptor routine[1];
} *mig_subsystem_t;

#define MIG_SUBSYSTEM_NULL		((mig_subsystem_t)0)

typedef struct mig_symtab {
	char *ms_routine_name;
	int ms_routine_number;
	void (*ms_routine)(void);
} mig_symtab_t;

#if defined(__has_attribute)
#if __has_attribute(mig_server_routine)
#define MIG_SERVER_ROUTINE __attribute__((mig_server_routine))
#endif
#endif
#ifndef MIG_SERVER_ROUTINE
#define MIG_SERVER_ROUTINE
#endif

/*
 * The calling thread's reply port: a receive right made on first use and
 * kept for the thread's life, so back-to-back RPCs cost no port allocation.
 */
extern mach_port_t mig_get_reply_port(void);

/*
 * Destroys the thread's reply port (after a timed-out RPC, whose late reply
 * must not be mistaken for the next one's); the next call makes a new one.
 */
extern void mig_dealloc_reply_port(mach_port_t reply_port);

/* Hands the reply port back after an RPC; it stays cached, nothing to do. */
extern void mig_put_reply_port(mach_port_t reply_port);

/*
 * Bounded string copies: at most len bytes written, always NUL-terminated
 * when len > 0.  Return the bytes copied, the NUL included.  The _zerofill
 * form also clears the rest of dest.
 */
extern int mig_strncpy(char *dest, const char *src, int len);
extern int mig_strncpy_zerofill(char *dest, const char *src, int len);

/* Out-of-line buffers for MIG code: whole pages of the caller's task. */
extern void mig_allocate(vm_address_t *addr, vm_size_t size);
extern void mig_deallocate(vm_address_t addr, vm_size_t size);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_MIG_H_ */
