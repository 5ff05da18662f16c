// SPDX-License-Identifier: GPL-2.0
/*
 * Where a round trip's time goes: the halves of the exchange measured in one
 * process, with no other process to wake and no context switch.  A batch
 * of sends fills a queue (queue limit 1024), the matching batch of receives
 * drains it; each batch's per-operation cost is one sample.
 *
 *   request send:  COPY_SEND to the service port + MAKE_SEND_ONCE reply right
 *   request recv:  the reply right arrives as a new send-once name
 *   reply send:    MOVE_SEND_ONCE to that name
 *   reply recv:    from the reply port
 *   plain send/recv: COPY_SEND without a reply right (the fan-in message)
 * and the pipe's write() / read() of the same payload.  Summed, the halves of
 * one round trip are its cost without scheduling: the rest of the
 * two-process round trip (rtt) is wake-up, sleep and switch.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "mach_raw.h"

#define BATCH 64

enum step {
	S_GETPPID,
	S_NULL,
	S_REQ_SEND,
	S_REQ_RECV,
	S_REP_SEND,
	S_REP_RECV,
	S_PLAIN_SEND,
	S_PLAIN_RECV,
	S_PIPE_WRITE,
	S_PIPE_READ,
	NSTEPS
};

static const char *const step_names[NSTEPS] = {
	[S_GETPPID] = "getppid()",
	[S_NULL] = "null ioctl",
	[S_REQ_SEND] = "mach request send (COPY_SEND + MAKE_SEND_ONCE)",
	[S_REQ_RECV] = "mach request receive",
	[S_REP_SEND] = "mach reply send (MOVE_SEND_ONCE)",
	[S_REP_RECV] = "mach reply receive",
	[S_PLAIN_SEND] = "mach plain send (COPY_SEND)",
	[S_PLAIN_RECV] = "mach plain receive",
	[S_PIPE_WRITE] = "pipe write",
	[S_PIPE_READ] = "pipe read",
};

static const uint32_t path_sizes[] = { 0, 4096 };
#define NPSIZES (sizeof(path_sizes) / sizeof(path_sizes[0]))

struct msgbuf {
	mach_msg_header_t hdr;
	uint8_t body[4096];
	uint8_t trailer[256];
} __attribute__((aligned(16)));

struct path {
	mach_port_name_t self, service, reply;
	mach_port_name_t so[BATCH]; /* send-once names received */
	int pfd[2];
	struct msgbuf out, in;
	uint64_t *samples;
	uint64_t t[NSTEPS]; /* time of the current batch, per step */
};

static void fill_hdr(struct msgbuf *m, uint32_t bits, mach_port_name_t remote,
		     mach_port_name_t local, uint32_t size)
{
	m->hdr.msgh_bits = bits;
	m->hdr.msgh_size = sizeof(m->hdr) + size;
	m->hdr.msgh_remote_port = remote;
	m->hdr.msgh_local_port = local;
	m->hdr.msgh_voucher_port = MACH_PORT_NULL;
	m->hdr.msgh_id = 7;
}

static int rcv(struct path *p, mach_port_name_t from)
{
	return mr_msg(NULL, MACH_RCV_MSG, 0, sizeof(p->in), from, &p->in);
}

/* One batch of every step at @size; adds each step's time to p->t[]. */
static int batch(struct path *p, uint32_t size)
{
	size_t wire = size ? size : 1;
	uint64_t t0;
	int i, err = 0;

#define TIMED(step, body)                           \
	do {                                        \
		t0 = bench_now();                   \
		for (i = 0; i < BATCH && !err; i++) \
			err = (body);               \
		p->t[step] += bench_now() - t0;     \
	} while (0)

	TIMED(S_GETPPID, getppid() <= 0);
	TIMED(S_NULL, mr_null());

	fill_hdr(&p->out,
		 MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
				MACH_MSG_TYPE_MAKE_SEND_ONCE),
		 p->service, p->reply, size);
	TIMED(S_REQ_SEND,
	      mr_msg(&p->out, MACH_SEND_MSG, p->out.hdr.msgh_size, 0, 0, NULL));
	TIMED(S_REQ_RECV,
	      rcv(p, p->service) || !(p->so[i] = p->in.hdr.msgh_remote_port));
	TIMED(S_REP_SEND,
	      (fill_hdr(&p->out,
			MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0),
			p->so[i], MACH_PORT_NULL, size),
	       mr_msg(&p->out, MACH_SEND_MSG, p->out.hdr.msgh_size, 0, 0,
		      NULL)));
	TIMED(S_REP_RECV, rcv(p, p->reply));

	fill_hdr(&p->out, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0),
		 p->service, MACH_PORT_NULL, size);
	TIMED(S_PLAIN_SEND,
	      mr_msg(&p->out, MACH_SEND_MSG, p->out.hdr.msgh_size, 0, 0, NULL));
	TIMED(S_PLAIN_RECV, rcv(p, p->service));

	TIMED(S_PIPE_WRITE,
	      write(p->pfd[1], p->out.body, wire) != (ssize_t)wire);
	TIMED(S_PIPE_READ, read(p->pfd[0], p->in.body, wire) != (ssize_t)wire);
#undef TIMED
	return err;
}

static int worker_main(void *arg)
{
	struct bench_stats *st = arg; /* [size * NSTEPS + step], ns per op */
	unsigned int nb = bench_opts.batches, b;
	uint64_t *per[NSTEPS];
	struct path *p = calloc(1, sizeof(*p));
	size_t s;
	int k;

	if (!p || bench_pin(0) || pipe(p->pfd) || mr_task_self(&p->self) ||
	    mr_allocate(p->self, MACH_PORT_RIGHT_RECEIVE, &p->service) ||
	    mr_make_send(p->self, p->service) ||
	    mr_set_qlimit(p->self, p->service, MACH_PORT_QLIMIT_LARGE) ||
	    mr_allocate(p->self, MACH_PORT_RIGHT_RECEIVE, &p->reply))
		return 1;
	/* 64 x 4 KiB must fit in the pipe: 256 KiB. */
	fcntl(p->pfd[1], F_SETPIPE_SZ, BATCH * 4096);
	for (k = 0; k < NSTEPS; k++)
		if (!(per[k] = calloc(nb, sizeof(uint64_t))))
			return 1;
	for (s = 0; s < NPSIZES; s++) {
		if (batch(p, path_sizes[s])) /* warm-up */
			return 1;
		for (b = 0; b < nb; b++) {
			memset(p->t, 0, sizeof(p->t));
			if (batch(p, path_sizes[s]))
				return 1;
			for (k = 0; k < NSTEPS; k++)
				per[k][b] = p->t[k] / BATCH;
		}
		for (k = 0; k < NSTEPS; k++)
			bench_stats(per[k], nb, &st[s * NSTEPS + k]);
	}
	return 0;
}

int bench_path(void)
{
	struct bench_stats *st;
	const char *why = mr_open();
	double rt_mach, rt_pipe;
	size_t s;
	pid_t pid;
	int k;

	bench_section("message path without context switches (path)");
	if (why) {
		bench_note("skipped: %s", why);
		return BENCH_SKIPPED;
	}
	bench_note("%u batches of %d of each step, one process on CPU 0",
		   bench_opts.batches, BATCH);
	st = bench_shared(sizeof(*st) * NPSIZES * NSTEPS);
	if (!st)
		return 1;
	pid = bench_spawn(worker_main, st);
	if (pid < 0 || bench_wait(pid)) {
		bench_note("the worker failed");
		return 1;
	}
	printf("\nper operation, p50 us (pipe moves max(size,1) bytes)\n");
	printf("| step |");
	for (s = 0; s < NPSIZES; s++)
		printf(" %u B |", path_sizes[s]);
	printf("\n|---|");
	for (s = 0; s < NPSIZES; s++)
		printf("---:|");
	printf("\n");
	for (k = 0; k < NSTEPS; k++) {
		printf("| %s |", step_names[k]);
		for (s = 0; s < NPSIZES; s++)
			printf(" %.3f |", st[s * NSTEPS + k].p50 / 1e3);
		printf("\n");
	}
	for (s = 0; s < NPSIZES; s++) {
		rt_mach = st[s * NSTEPS + S_REQ_SEND].p50 +
			  st[s * NSTEPS + S_REQ_RECV].p50 +
			  st[s * NSTEPS + S_REP_SEND].p50 +
			  st[s * NSTEPS + S_REP_RECV].p50;
		rt_pipe = 2 * (st[s * NSTEPS + S_PIPE_WRITE].p50 +
			       st[s * NSTEPS + S_PIPE_READ].p50);
		printf("round trip without scheduling, %u B: mach %.2f us (4 halves in 4 calls; rtt makes 2 calls), pipe %.2f us, mach/pipe %.3f\n",
		       path_sizes[s], rt_mach / 1e3, rt_pipe / 1e3,
		       bench_ratio(rt_mach, rt_pipe));
	}
	fflush(stdout);
	bench_unshare(st, sizeof(*st) * NPSIZES * NSTEPS);
	return 0;
}
