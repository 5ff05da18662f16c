/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Round-trip benchmark: one transport per mechanism (rtt_mach.c,
 * rtt_posix.c, rtt_binder.c), driven by rtt_bench.c.
 *
 * A run is one server process and one client process.  The server process
 * calls setup() (it makes the channel: a port, pipes, a binder context),
 * forks the client, then serve()s the whole plan; the client calls
 * client_init() and times call() once per entry of the plan.  Both know the
 * plan (the payload size of every round trip, in order), so stream
 * transports need no length prefix and no transport needs a "quit" message:
 * the server returns after answering the last request.
 */
#ifndef _MACHINA_BENCH_RTT_H
#define _MACHINA_BENCH_RTT_H

#include <stddef.h>
#include <stdint.h>

#define RTT_MAX_PAYLOAD 4096

struct rtt_run {
	const uint32_t *plan; /* payload bytes of each round trip */
	size_t nplan;
	void *priv; /* the transport's state, made by setup() */
};

struct rtt_transport {
	const char *name;
	/* NULL if it can run here, else why not (checked in the parent). */
	const char *(*unavailable)(void);
	/* In the server process, before the client exists.  0 or -1. */
	int (*setup)(struct rtt_run *run);
	/* In the client process, after fork.  0 or -1. */
	int (*client_init)(struct rtt_run *run);
	/* Server: answer every request of the plan with a reply of the same size. */
	int (*serve)(struct rtt_run *run);
	/* Client: one request of @size bytes and its reply.  0 or -1. */
	int (*call)(struct rtt_run *run, uint32_t size);
};

extern const struct rtt_transport rtt_mach, rtt_pipe, rtt_unix, rtt_futex,
	rtt_binder;

/* Print why a transport step failed, from the process it failed in. */
void rtt_fail(const char *transport, const char *what, long code);

#endif /* _MACHINA_BENCH_RTT_H */
