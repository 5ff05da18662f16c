/*
 * counter-client: the client of counter-daemon, using only Darwin's API.
 *
 *   counter-client [N]	send N "add" requests (default 10), check the replies
 *
 * It finds the daemon with bootstrap_look_up() (retrying for a while, since
 * the daemon may be starting at the same time), sends request i with delta
 * i and a send-once reply right made from its MIG reply port, and checks
 * that each total is the running sum and that the daemon's timestamps never
 * go backwards.  Exits 0 when every reply was right.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mach/mach.h>
#include <mach/mach_time.h>
#include <servers/bootstrap.h>

#include "counter.h"

static kern_return_t find_daemon(mach_port_t *port)
{
	kern_return_t kr;
	int tries;

	for (tries = 0; tries < 1000; tries++) {
		kr = bootstrap_look_up(bootstrap_port, COUNTER_SERVICE, port);
		if (kr != BOOTSTRAP_UNKNOWN_SERVICE)
			return kr;
		usleep(10000);
	}
	return kr;
}

/* One request: returns the reply's status, *rep filled on success. */
static kern_return_t add(mach_port_t daemon, int64_t delta,
			 counter_add_reply_t *rep)
{
	union {
		counter_add_request_t req;
		struct {
			counter_add_reply_t rep;
			mach_msg_max_trailer_t trailer;
		} in;
	} u;
	mach_port_t reply_port = mig_get_reply_port();
	mach_msg_return_t mr;

	memset(&u, 0, sizeof(u));
	u.req.Head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
					      MACH_MSG_TYPE_MAKE_SEND_ONCE);
	u.req.Head.msgh_size = sizeof(u.req);
	u.req.Head.msgh_remote_port = daemon;
	u.req.Head.msgh_local_port = reply_port;
	u.req.Head.msgh_id = COUNTER_ADD;
	u.req.NDR = NDR_record;
	u.req.delta = delta;
	mr = mach_msg(&u.req.Head, MACH_SEND_MSG | MACH_RCV_MSG, sizeof(u.req),
		      sizeof(u.in), reply_port, MACH_MSG_TIMEOUT_NONE,
		      MACH_PORT_NULL);
	if (mr != MACH_MSG_SUCCESS) {
		mig_dealloc_reply_port(reply_port);
		return mr;
	}
	if (u.in.rep.Head.msgh_id != COUNTER_ADD_REPLY ||
	    u.in.rep.Head.msgh_size != sizeof(u.in.rep)) {
		mach_msg_destroy(&u.in.rep.Head);
		return MIG_REPLY_MISMATCH;
	}
	*rep = u.in.rep;
	return u.in.rep.RetCode;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 0) : 10, i;
	mach_timebase_info_data_t tb;
	counter_add_reply_t rep;
	uint64_t first = 0, last = 0;
	int64_t want = 0;
	mach_port_t daemon;
	kern_return_t kr;

	kr = find_daemon(&daemon);
	if (kr != BOOTSTRAP_SUCCESS) {
		fprintf(stderr, "counter-client: bootstrap_look_up(%s): %s\n",
			COUNTER_SERVICE, bootstrap_strerror(kr));
		return 1;
	}
	if (mach_timebase_info(&tb) != KERN_SUCCESS || !tb.denom)
		return 1;
	for (i = 1; i <= n; i++) {
		kr = add(daemon, i, &rep);
		if (kr != KERN_SUCCESS) {
			fprintf(stderr, "counter-client: request %ld: %s\n", i,
				mach_error_string(kr));
			return 1;
		}
		want += i;
		if (rep.total != want || rep.stamp < last) {
			fprintf(stderr,
				"counter-client: request %ld: total %lld "
				"(want %lld), stamp %llu after %llu\n",
				i, (long long)rep.total, (long long)want,
				(unsigned long long)rep.stamp,
				(unsigned long long)last);
			return 1;
		}
		if (i == 1)
			first = rep.stamp;
		last = rep.stamp;
	}
	printf("counter-client: %ld replies, total %lld, answered over %llu ns\n",
	       n, (long long)want,
	       (unsigned long long)((last - first) * tb.numer / tb.denom));
	return 0;
}
