/*
 * <servers/bootstrap_defs.h>: the bootstrap name server's types and status
 * codes, with Darwin's names and values.
 */
#ifndef _SERVERS_BOOTSTRAP_DEFS_H_
#define _SERVERS_BOOTSTRAP_DEFS_H_

#include <mach/boolean.h>

/* A service name: at most 127 characters and the terminating NUL. */
#define BOOTSTRAP_MAX_NAME_LEN		128
#define BOOTSTRAP_MAX_CMD_LEN		512
#define BOOTSTRAP_MAX_LOOKUP_COUNT	20

typedef char name_t[BOOTSTRAP_MAX_NAME_LEN];
typedef char cmd_t[BOOTSTRAP_MAX_CMD_LEN];
typedef name_t *name_array_t;
typedef int bootstrap_status_t;
typedef bootstrap_status_t *bootstrap_status_array_t;
typedef boolean_t *bool_array_t;

/* Status codes, returned as kern_return_t by the bootstrap calls. */
#define BOOTSTRAP_SUCCESS		0
#define BOOTSTRAP_NOT_PRIVILEGED	1100
#define BOOTSTRAP_NAME_IN_USE		1101
#define BOOTSTRAP_UNKNOWN_SERVICE	1102
#define BOOTSTRAP_SERVICE_ACTIVE	1103
#define BOOTSTRAP_BAD_COUNT		1104
#define BOOTSTRAP_NO_MEMORY		1105
#define BOOTSTRAP_NO_CHILDREN		1106

/* bootstrap_status() answers (the call itself is not provided). */
#define BOOTSTRAP_STATUS_INACTIVE	0
#define BOOTSTRAP_STATUS_ACTIVE		1
#define BOOTSTRAP_STATUS_ON_DEMAND	2

#endif /* _SERVERS_BOOTSTRAP_DEFS_H_ */
