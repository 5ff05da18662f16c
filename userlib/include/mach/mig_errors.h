/*
 * <mach/mig_errors.h>: MIG's own status codes and the reply it sends when
 * a request fails before (or instead of) reaching the routine.
 *
 * The codes are small negative numbers outside the error-system scheme of
 * <mach/error.h>, for compatibility with old clients; mach_error_string()
 * still files them under "(ipc/mig)".
 */
#ifndef _MACH_MIG_ERRORS_H_
#define _MACH_MIG_ERRORS_H_

#include <mach/mig.h>
#include <mach/ndr.h>
#include <mach/message.h>
#include <mach/kern_return.h>

#define MIG_TYPE_ERROR		-300	/* client: reply failed type check */
#define MIG_REPLY_MISMATCH	-301	/* client: reply has the wrong id */
#define MIG_REMOTE_ERROR	-302	/* server reported an error */
#define MIG_BAD_ID		-303	/* server: no routine for this id */
#define MIG_BAD_ARGUMENTS	-304	/* server: request failed type check */
#define MIG_NO_REPLY		-305	/* server: send no reply */
#define MIG_EXCEPTION		-306	/* server raised an exception */
#define MIG_ARRAY_TOO_LARGE	-307	/* client: array exceeds buffer */
#define MIG_SERVER_DIED		-308	/* server died before replying */
#define MIG_TRAILER_ERROR	-309	/* trailer format not understood */

#pragma pack(push, 4)
/* The short reply carrying only a status; every client must accept it. */
typedef struct {
	mach_msg_header_t Head;
	NDR_record_t NDR;
	kern_return_t RetCode;
} mig_reply_error_t;
#pragma pack(pop)

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Generated code calls this on error replies; with native NDR records on
 * both ends there is nothing to convert.
 */
#define __NDR_convert__mig_reply_error_t__defined
static __inline__ void
__NDR_convert__mig_reply_error_t(mig_reply_error_t *x)
{
	(void)x;
}

#ifdef __cplusplus
}
#endif

#endif /* _MACH_MIG_ERRORS_H_ */
