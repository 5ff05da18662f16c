/*
 * libmach: Mach error codes as text (mach_error_string, mach_error_type,
 * mach_error).
 *
 * A code names its error system and subsystem (<mach/error.h>); each
 * subsystem has a table indexed by the low 14 bits.  The texts are the ones
 * Darwin prints where Darwin's tables are right; where Darwin's tables have
 * fallen behind the codes (several send errors print an unrelated
 * historical text there), the text says what the code means.  Receive and
 * send errors may carry MACH_MSG_* resource bits; they are looked up
 * without them.  MIG's own codes (-300...) are filed under "(ipc/mig)", as
 * Darwin files them.
 */
#include <stdio.h>
#include <string.h>

#include <mach/mach_error.h>
#include <mach/message.h>
#include <mach/mig_errors.h>

#include "internal.h"

#define KERN_CODE(code) [(code)]
#define IPC_CODE(code) [err_get_code(code)]

static const char *const kern_texts[] = {
	KERN_CODE(KERN_SUCCESS) = "(os/kern) successful",
	KERN_CODE(KERN_INVALID_ADDRESS) = "(os/kern) invalid address",
	KERN_CODE(KERN_PROTECTION_FAILURE) = "(os/kern) protection failure",
	KERN_CODE(KERN_NO_SPACE) = "(os/kern) no space available",
	KERN_CODE(KERN_INVALID_ARGUMENT) = "(os/kern) invalid argument",
	KERN_CODE(KERN_FAILURE) = "(os/kern) failure",
	KERN_CODE(KERN_RESOURCE_SHORTAGE) = "(os/kern) resource shortage",
	KERN_CODE(KERN_NOT_RECEIVER) = "(os/kern) not receiver",
	KERN_CODE(KERN_NO_ACCESS) = "(os/kern) no access",
	KERN_CODE(KERN_MEMORY_FAILURE) = "(os/kern) memory failure",
	KERN_CODE(KERN_MEMORY_ERROR) = "(os/kern) memory error",
	KERN_CODE(KERN_ALREADY_IN_SET) = "(os/kern) already in set",
	KERN_CODE(KERN_NOT_IN_SET) = "(os/kern) not in set",
	KERN_CODE(KERN_NAME_EXISTS) = "(os/kern) name exists",
	KERN_CODE(KERN_ABORTED) = "(os/kern) aborted",
	KERN_CODE(KERN_INVALID_NAME) = "(os/kern) invalid name",
	KERN_CODE(KERN_INVALID_TASK) = "(os/kern) invalid task",
	KERN_CODE(KERN_INVALID_RIGHT) = "(os/kern) invalid right",
	KERN_CODE(KERN_INVALID_VALUE) = "(os/kern) invalid value",
	KERN_CODE(KERN_UREFS_OVERFLOW) = "(os/kern) urefs overflow",
	KERN_CODE(KERN_INVALID_CAPABILITY) = "(os/kern) invalid capability",
	KERN_CODE(KERN_RIGHT_EXISTS) = "(os/kern) right exists",
	KERN_CODE(KERN_INVALID_HOST) = "(os/kern) invalid host",
	KERN_CODE(KERN_MEMORY_PRESENT) = "(os/kern) memory present",
	KERN_CODE(KERN_MEMORY_DATA_MOVED) = "(os/kern) memory data moved",
	KERN_CODE(KERN_MEMORY_RESTART_COPY) = "(os/kern) memory restart copy",
	KERN_CODE(KERN_INVALID_PROCESSOR_SET) =
		"(os/kern) invalid processor set",
	KERN_CODE(KERN_POLICY_LIMIT) = "(os/kern) policy limit",
	KERN_CODE(KERN_INVALID_POLICY) = "(os/kern) invalid policy",
	KERN_CODE(KERN_INVALID_OBJECT) = "(os/kern) invalid object",
	KERN_CODE(KERN_ALREADY_WAITING) = "(os/kern) already waiting",
	KERN_CODE(KERN_DEFAULT_SET) = "(os/kern) default set",
	KERN_CODE(KERN_EXCEPTION_PROTECTED) = "(os/kern) exception protected",
	KERN_CODE(KERN_INVALID_LEDGER) = "(os/kern) invalid ledger",
	KERN_CODE(KERN_INVALID_MEMORY_CONTROL) =
		"(os/kern) invalid memory control",
	KERN_CODE(KERN_INVALID_SECURITY) = "(os/kern) invalid security",
	KERN_CODE(KERN_NOT_DEPRESSED) = "(os/kern) not depressed",
	KERN_CODE(KERN_TERMINATED) = "(os/kern) object terminated",
	KERN_CODE(KERN_LOCK_SET_DESTROYED) = "(os/kern) lock set destroyed",
	KERN_CODE(KERN_LOCK_UNSTABLE) = "(os/kern) lock unstable",
	KERN_CODE(KERN_LOCK_OWNED) = "(os/kern) lock owned by another",
	KERN_CODE(KERN_LOCK_OWNED_SELF) = "(os/kern) lock owned by self",
	KERN_CODE(KERN_SEMAPHORE_DESTROYED) = "(os/kern) semaphore destroyed",
	KERN_CODE(KERN_RPC_SERVER_TERMINATED) = "(os/kern) RPC terminated",
	KERN_CODE(KERN_RPC_TERMINATE_ORPHAN) = "(os/kern) terminate orphan",
	KERN_CODE(KERN_RPC_CONTINUE_ORPHAN) = "(os/kern) let orphan continue",
	KERN_CODE(KERN_NOT_SUPPORTED) = "(os/kern) service not supported",
	KERN_CODE(KERN_NODE_DOWN) = "(os/kern) remote node down",
	KERN_CODE(KERN_NOT_WAITING) = "(os/kern) thread not waiting",
	KERN_CODE(KERN_OPERATION_TIMED_OUT) = "(os/kern) operation timed out",
	KERN_CODE(KERN_CODESIGN_ERROR) = "(os/kern) code signing error",
	KERN_CODE(KERN_POLICY_STATIC) = "(os/kern) policy is static",
	KERN_CODE(KERN_INSUFFICIENT_BUFFER_SIZE) =
		"(os/kern) insufficient input buffer size",
	KERN_CODE(KERN_DENIED) = "(os/kern) denied by security policy",
	KERN_CODE(KERN_MISSING_KC) = "(os/kern) missing kernel collection",
	KERN_CODE(KERN_INVALID_KC) = "(os/kern) invalid kernel collection",
	KERN_CODE(KERN_NOT_FOUND) = "(os/kern) result not found",
};

static const char *const send_texts[] = {
	IPC_CODE(MACH_MSG_SUCCESS) = "(ipc/send) no error",
	IPC_CODE(MACH_SEND_IN_PROGRESS) = "(ipc/send) send in progress",
	IPC_CODE(MACH_SEND_INVALID_DATA) = "(ipc/send) invalid data",
	IPC_CODE(MACH_SEND_INVALID_DEST) =
		"(ipc/send) invalid destination port",
	IPC_CODE(MACH_SEND_TIMED_OUT) = "(ipc/send) timed out",
	IPC_CODE(MACH_SEND_INVALID_VOUCHER) = "(ipc/send) invalid voucher",
	IPC_CODE(MACH_SEND_INTERRUPTED) = "(ipc/send) interrupted",
	IPC_CODE(MACH_SEND_MSG_TOO_SMALL) = "(ipc/send) msg too small",
	IPC_CODE(MACH_SEND_INVALID_REPLY) = "(ipc/send) invalid reply port",
	IPC_CODE(MACH_SEND_INVALID_RIGHT) = "(ipc/send) invalid port right",
	IPC_CODE(MACH_SEND_INVALID_NOTIFY) = "(ipc/send) invalid notify port",
	IPC_CODE(MACH_SEND_INVALID_MEMORY) = "(ipc/send) invalid memory",
	IPC_CODE(MACH_SEND_NO_BUFFER) = "(ipc/send) no msg buffer",
	IPC_CODE(MACH_SEND_TOO_LARGE) =
		"(ipc/send) message too large for the port",
	IPC_CODE(MACH_SEND_INVALID_TYPE) = "(ipc/send) invalid msg-type",
	IPC_CODE(MACH_SEND_INVALID_HEADER) = "(ipc/send) invalid msg-header",
	IPC_CODE(MACH_SEND_INVALID_TRAILER) = "(ipc/send) invalid msg-trailer",
	IPC_CODE(MACH_SEND_INVALID_CONTEXT) =
		"(ipc/send) reply context does not match the port",
	IPC_CODE(MACH_SEND_INVALID_OPTIONS) = "(ipc/send) invalid options",
	IPC_CODE(MACH_SEND_INVALID_RT_OOL_SIZE) =
		"(ipc/send) out-of-line buffer too large",
	IPC_CODE(MACH_SEND_NO_GRANT_DEST) =
		"(ipc/send) destination accepts no port rights",
	IPC_CODE(MACH_SEND_MSG_FILTERED) =
		"(ipc/send) message rejected by the port's filter",
	IPC_CODE(MACH_SEND_AUX_TOO_SMALL) =
		"(ipc/send) auxiliary data too small",
	IPC_CODE(MACH_SEND_AUX_TOO_LARGE) =
		"(ipc/send) auxiliary data too large",
};

static const char *const rcv_texts[] = {
	IPC_CODE(MACH_MSG_SUCCESS) = "(ipc/rcv) no error",
	IPC_CODE(MACH_RCV_IN_PROGRESS) = "(ipc/rcv) receive in progress",
	IPC_CODE(MACH_RCV_INVALID_NAME) = "(ipc/rcv) invalid name",
	IPC_CODE(MACH_RCV_TIMED_OUT) = "(ipc/rcv) timed out",
	IPC_CODE(MACH_RCV_TOO_LARGE) = "(ipc/rcv) msg too large",
	IPC_CODE(MACH_RCV_INTERRUPTED) = "(ipc/rcv) interrupted",
	IPC_CODE(MACH_RCV_PORT_CHANGED) = "(ipc/rcv) port changed",
	IPC_CODE(MACH_RCV_INVALID_NOTIFY) = "(ipc/rcv) invalid notify port",
	IPC_CODE(MACH_RCV_INVALID_DATA) = "(ipc/rcv) invalid data",
	IPC_CODE(MACH_RCV_PORT_DIED) = "(ipc/rcv) port died",
	IPC_CODE(MACH_RCV_IN_SET) = "(ipc/rcv) port in set",
	IPC_CODE(MACH_RCV_HEADER_ERROR) = "(ipc/rcv) header error",
	IPC_CODE(MACH_RCV_BODY_ERROR) = "(ipc/rcv) body error",
	IPC_CODE(MACH_RCV_INVALID_TYPE) =
		"(ipc/rcv) invalid scatter list entry",
	IPC_CODE(MACH_RCV_SCATTER_SMALL) =
		"(ipc/rcv) overwrite region too small",
	IPC_CODE(MACH_RCV_INVALID_TRAILER) = "(ipc/rcv) invalid msg-trailer",
	IPC_CODE(MACH_RCV_IN_PROGRESS_TIMED) =
		"(ipc/rcv) timed receive in progress",
	IPC_CODE(MACH_RCV_INVALID_REPLY) =
		"(ipc/rcv) invalid reply port for a strict reply",
	IPC_CODE(MACH_RCV_INVALID_ARGUMENTS) = "(ipc/rcv) invalid arguments",
};

/* Indexed by -(code) - 300: MIG_TYPE_ERROR first. */
static const char *const mig_texts[] = {
	"(ipc/mig) client type check failure",
	"(ipc/mig) wrong reply message ID",
	"(ipc/mig) server detected error",
	"(ipc/mig) bad request message ID",
	"(ipc/mig) server type check failure",
	"(ipc/mig) no reply should be sent",
	"(ipc/mig) server raised exception",
	"(ipc/mig) array not large enough",
	"(ipc/mig) server died",
	"(ipc/mig) unknown trailer format",
};

_Static_assert(sizeof(mig_texts) / sizeof(mig_texts[0]) ==
		       -(MIG_TRAILER_ERROR - MIG_TYPE_ERROR) + 1,
	       "one MIG text per code");

struct subsystem {
	const char *type; /* "(system/subsystem)" */
	const char *unknown; /* the text for a code without one */
	const char *const *texts;
	unsigned int count;
};

#define TABLE(t) (t), (unsigned int)(sizeof(t) / sizeof((t)[0]))

static const struct subsystem os_kern = { "(os/kern)",
					  "(os/kern) unknown error code",
					  TABLE(kern_texts) };
static const struct subsystem os_unix = { "(os/unix)",
					  "(os/unix) unknown error code", NULL,
					  0 };
static const struct subsystem ipc_send = { "(ipc/send)",
					   "(ipc/send) unknown error code",
					   TABLE(send_texts) };
static const struct subsystem ipc_rcv = { "(ipc/rcv)",
					  "(ipc/rcv) unknown error code",
					  TABLE(rcv_texts) };
static const struct subsystem ipc_mig = { "(ipc/mig)",
					  "(ipc/mig) unknown error code",
					  TABLE(mig_texts) };

/* Systems libmach knows by name but has no subsystem tables for. */
static const char *system_unknown_sub(int system)
{
	switch (system) {
	case 0x0:
		return "(operating system/?) unknown subsystem error";
	case 0x1:
		return "(user space/?) unknown subsystem error";
	case 0x2:
		return "(server/?) unknown subsystem error";
	case 0x3:
	case 0x4:
		return "(ipc/?) unknown subsystem error";
	case 0x37:
		return "(libkern/?) unknown subsystem error";
	case 0x38:
		return "(iokit/?) unknown subsystem error";
	default:
		return NULL;
	}
}

/*
 * Finds the subsystem of err and the index of its code in the table.  MIG's
 * negative codes are mapped into (ipc/mig) first.  NULL when libmach has
 * no table for err's subsystem.
 */
static const struct subsystem *classify(mach_error_t err, int *code)
{
	if (err <= MIG_TYPE_ERROR && err > MIG_TYPE_ERROR - 100) {
		*code = MIG_TYPE_ERROR - err;
		return &ipc_mig;
	}
	*code = err_get_code(err);
	switch (err & (system_emask | sub_emask)) {
	case err_kern | err_sub(0):
		return &os_kern;
	case err_kern | err_sub(3):
		return &os_unix;
	case err_mach_ipc | err_sub(0):
		*code &= ~MACH_MSG_MASK;
		return &ipc_send;
	case err_mach_ipc | err_sub(1):
		*code &= ~MACH_MSG_MASK;
		return &ipc_rcv;
	case err_mach_ipc | err_sub(2):
		return &ipc_mig;
	default:
		return NULL;
	}
}

/* Unix errnos are Linux's here: the program was built against Linux. */
static const char *unix_text(int code)
{
	static __thread char buf[160];
	char msg[128];

	if (code == 0)
		return os_unix.unknown;
	/* The XSI strerror_r: thread-safe, fills msg. */
	if (strerror_r(code, msg, sizeof(msg)) != 0)
		snprintf(msg, sizeof(msg), "error %d", code);
	snprintf(buf, sizeof(buf), "(os/unix) %s", msg);
	return buf;
}

/* The text, and whether it is a real description (not "unknown"). */
static const char *describe(mach_error_t err, int *known)
{
	const struct subsystem *sub;
	const char *text;
	int code;

	*known = 0;
	sub = classify(err, &code);
	if (!sub) {
		text = system_unknown_sub(err_get_system(err));
		return text ? text : "(?/?) unknown error system";
	}
	if (sub == &os_unix) {
		*known = code != 0;
		return unix_text(code);
	}
	if ((unsigned int)code >= sub->count || !sub->texts[code])
		return sub->unknown;
	*known = 1;
	return sub->texts[code];
}

LIBMACH_EXPORT char *mach_error_string(mach_error_t error_value)
{
	int known;

	return (char *)describe(error_value, &known);
}

LIBMACH_EXPORT char *mach_error_type(mach_error_t error_value)
{
	const struct subsystem *sub;
	int code;

	sub = classify(error_value, &code);
	return (char *)(sub ? sub->type : "(?/?)");
}

/* As Darwin prints it: the type and the code are added when unknown. */
LIBMACH_EXPORT void mach_error(const char *str, mach_error_t error_value)
{
	int known;
	const char *text = describe(error_value, &known);

	if (known)
		fprintf(stderr, "%s %s\n", str, text);
	else
		fprintf(stderr, "%s %s %s (%x)\n", str,
			mach_error_type(error_value), text,
			(unsigned int)error_value);
}
