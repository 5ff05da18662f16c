/*
 * counter-daemon: a Darwin-style Mach daemon, using only Darwin's API.
 *
 *   counter-daemon [N]	serve; exit after N requests (0 or none: never)
 *
 * It claims its name from the bootstrap server with bootstrap_check_in(),
 * receives requests on the port it got, and answers each through the
 * send-once reply right the client made (msgh_remote_port, MOVE_SEND_ONCE),
 * stamping the reply with mach_absolute_time().  The requests are served on
 * a worker thread that signals a Mach semaphore per answer; the main thread
 * counts answers on it and ends the daemon after N.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <mach/mach.h>
#include <mach/mach_time.h>
#include <mach/semaphore.h>
#include <servers/bootstrap.h>

#include "counter.h"

static mach_port_t service;

/* ---- the semaphore between the worker and the main thread -------------- */

static semaphore_t served;

static kern_return_t served_init(void)
{
	return semaphore_create(mach_task_self(), &served, SYNC_POLICY_FIFO, 0);
}

static void served_one(void)
{
	semaphore_signal(served);
}

/* Returns once n requests have been answered. */
static kern_return_t served_wait(unsigned long n)
{
	kern_return_t kr = KERN_SUCCESS;

	while (n-- && kr == KERN_SUCCESS)
		kr = semaphore_wait(served);
	return kr;
}

/* ---- the server ---------------------------------------------------------- */

/*
 * answer - build the reply to one request
 * Returns FALSE for a request that is not ours (the caller destroys it).
 */
static boolean_t answer(const counter_add_request_t *req,
			counter_add_reply_t *rep, int64_t *total)
{
	if (req->Head.msgh_id != COUNTER_ADD ||
	    req->Head.msgh_size != sizeof(*req) ||
	    (req->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) ||
	    MACH_MSGH_BITS_REMOTE(req->Head.msgh_bits) !=
		    MACH_MSG_TYPE_PORT_SEND_ONCE)
		return FALSE;
	*total += req->delta;
	rep->Head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
	rep->Head.msgh_size = sizeof(*rep);
	rep->Head.msgh_remote_port = req->Head.msgh_remote_port;
	rep->Head.msgh_local_port = MACH_PORT_NULL;
	rep->Head.msgh_voucher_port = MACH_PORT_NULL;
	rep->Head.msgh_id = COUNTER_ADD_REPLY;
	rep->NDR = NDR_record;
	rep->RetCode = KERN_SUCCESS;
	rep->total = *total;
	rep->stamp = mach_absolute_time();
	return TRUE;
}

static void *serve(void *unused)
{
	struct {
		counter_add_request_t req;
		mach_msg_max_trailer_t trailer;
	} in;
	counter_add_reply_t out;
	int64_t total = 0;
	mach_msg_return_t mr;

	(void)unused;
	for (;;) {
		mr = mach_msg(&in.req.Head, MACH_RCV_MSG, 0, sizeof(in),
			      service, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
		if (mr == MACH_RCV_TOO_LARGE)
			continue; /* not ours; the kernel dropped it */
		if (mr != MACH_MSG_SUCCESS) {
			fprintf(stderr, "counter-daemon: receive: %s\n",
				mach_error_string(mr));
			exit(1);
		}
		if (!answer(&in.req, &out, &total)) {
			mach_msg_destroy(&in.req.Head);
			continue;
		}
		mr = mach_msg(&out.Head, MACH_SEND_MSG, sizeof(out), 0,
			      MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE,
			      MACH_PORT_NULL);
		if (mr != MACH_MSG_SUCCESS)
			mach_msg_destroy(&out.Head);
		served_one();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 0;
	pthread_t worker;
	kern_return_t kr;

	kr = bootstrap_check_in(bootstrap_port, COUNTER_SERVICE, &service);
	if (kr != BOOTSTRAP_SUCCESS) {
		fprintf(stderr, "counter-daemon: bootstrap_check_in(%s): %s\n",
			COUNTER_SERVICE, bootstrap_strerror(kr));
		return 1;
	}
	kr = served_init();
	if (kr != KERN_SUCCESS) {
		fprintf(stderr, "counter-daemon: semaphore_create: %s\n",
			mach_error_string(kr));
		return 1;
	}
	if (pthread_create(&worker, NULL, serve, NULL)) {
		fprintf(stderr, "counter-daemon: cannot start the worker\n");
		return 1;
	}
	if (n == 0)
		pthread_join(worker, NULL);
	kr = served_wait(n);
	if (kr != KERN_SUCCESS) {
		fprintf(stderr, "counter-daemon: semaphore_wait: %s\n",
			mach_error_string(kr));
		return 1;
	}
	printf("counter-daemon: served %lu requests\n", n);
	return 0;
}
