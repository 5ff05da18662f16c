/*
 * The example counter service: a Darwin-style daemon (counter_daemon.c)
 * and its client (counter_client.c), written only against Darwin's API.
 *
 * One routine, MIG-shaped: "add" sends a delta and gets back the running
 * total and the daemon's mach_absolute_time() at the moment it answered.
 */
#ifndef _COUNTER_EXAMPLE_H
#define _COUNTER_EXAMPLE_H

#include <stdint.h>

#include <mach/mach.h>

#define COUNTER_SERVICE		"org.machina.example.counter"
#define COUNTER_ADD		4200
#define COUNTER_ADD_REPLY	(COUNTER_ADD + 100)

#pragma pack(push, 4)
typedef struct {
	mach_msg_header_t Head;
	NDR_record_t NDR;
	int64_t delta;
} counter_add_request_t;

typedef struct {
	mach_msg_header_t Head;
	NDR_record_t NDR;
	kern_return_t RetCode;
	int64_t total;
	uint64_t stamp;		/* daemon's mach_absolute_time() */
} counter_add_reply_t;
#pragma pack(pop)

#endif /* _COUNTER_EXAMPLE_H */
