// SPDX-License-Identifier: GPL-2.0
/*
 * The Linux baselines for the round trip: a pipe pair, a UNIX stream socket
 * pair and a futex pair.
 *
 * Pipes and sockets are byte streams: a payload of N bytes is one write()
 * of N bytes (at least 1: a zero-byte write wakes nobody) and read()s until
 * N bytes arrived.  The futex pair is the floor of a sleeping hand-off: the
 * sender copies the payload into shared memory, publishes a sequence
 * number, and always calls FUTEX_WAKE; the receiver sleeps in FUTEX_WAIT
 * until the number changes and uses the payload in place (one copy per
 * direction, like binder; pipes and sockets make two).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "rtt.h"

/* ---- byte streams: pipe and UNIX socket ------------------------------- */

struct stream_rtt {
	int srv_rd, srv_wr; /* the server's ends */
	int cli_rd, cli_wr; /* the client's ends */
	uint8_t buf[RTT_MAX_PAYLOAD];
};

static int read_full(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= r;
	}
	return 0;
}

static int write_full(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

static size_t wire_size(uint32_t size)
{
	return size ? size : 1;
}

static int pipe_setup(struct rtt_run *run)
{
	struct stream_rtt *s = calloc(1, sizeof(*s));
	int req[2], rep[2];

	if (!s || pipe(req) || pipe(rep)) {
		rtt_fail("pipe", "pipe()", errno);
		return -1;
	}
	s->srv_rd = req[0];
	s->cli_wr = req[1];
	s->cli_rd = rep[0];
	s->srv_wr = rep[1];
	memset(s->buf, 0x5a, sizeof(s->buf));
	run->priv = s;
	return 0;
}

static int unix_setup(struct rtt_run *run)
{
	struct stream_rtt *s = calloc(1, sizeof(*s));
	int sv[2];

	if (!s || socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		rtt_fail("unix", "socketpair()", errno);
		return -1;
	}
	s->srv_rd = s->srv_wr = sv[0];
	s->cli_rd = s->cli_wr = sv[1];
	memset(s->buf, 0x5a, sizeof(s->buf));
	run->priv = s;
	return 0;
}

static int stream_client_init(struct rtt_run *run)
{
	struct stream_rtt *s = run->priv;

	if (s->srv_rd != s->cli_rd)
		close(s->srv_rd);
	if (s->srv_wr != s->cli_wr && s->srv_wr != s->srv_rd)
		close(s->srv_wr);
	return 0;
}

static int stream_call(struct rtt_run *run, uint32_t size)
{
	struct stream_rtt *s = run->priv;
	size_t n = wire_size(size);

	if (write_full(s->cli_wr, s->buf, n) ||
	    read_full(s->cli_rd, s->buf, n)) {
		rtt_fail("stream", "client write/read", errno);
		return -1;
	}
	return 0;
}

static int stream_serve(struct rtt_run *run)
{
	struct stream_rtt *s = run->priv;
	size_t i;

	for (i = 0; i < run->nplan; i++) {
		size_t n = wire_size(run->plan[i]);

		if (read_full(s->srv_rd, s->buf, n) ||
		    write_full(s->srv_wr, s->buf, n)) {
			rtt_fail("stream", "server read/write", errno);
			return -1;
		}
	}
	return 0;
}

const struct rtt_transport rtt_pipe = {
	.name = "pipe",
	.setup = pipe_setup,
	.client_init = stream_client_init,
	.serve = stream_serve,
	.call = stream_call,
};

const struct rtt_transport rtt_unix = {
	.name = "unix",
	.setup = unix_setup,
	.client_init = stream_client_init,
	.serve = stream_serve,
	.call = stream_call,
};

/* ---- futex pair ------------------------------------------------------- */

struct futex_shm {
	uint32_t req_seq __attribute__((aligned(64)));
	uint32_t rep_seq __attribute__((aligned(64)));
	uint8_t req[RTT_MAX_PAYLOAD] __attribute__((aligned(64)));
	uint8_t rep[RTT_MAX_PAYLOAD];
};

struct futex_rtt {
	struct futex_shm *shm;
	uint32_t seq; /* client: round trips made */
	uint8_t buf[RTT_MAX_PAYLOAD];
};

static int futex_setup(struct rtt_run *run)
{
	struct futex_rtt *f = calloc(1, sizeof(*f));

	if (!f || !(f->shm = bench_shared(sizeof(*f->shm)))) {
		rtt_fail("futex", "shared memory", errno);
		return -1;
	}
	memset(f->buf, 0x3c, sizeof(f->buf));
	run->priv = f;
	return 0;
}

static int futex_client_init(struct rtt_run *run)
{
	return 0;
}

static int futex_call(struct rtt_run *run, uint32_t size)
{
	struct futex_rtt *f = run->priv;
	uint32_t seq = ++f->seq;

	memcpy(f->shm->req, f->buf, size);
	__atomic_store_n(&f->shm->req_seq, seq, __ATOMIC_RELEASE);
	bench_futex_wake(&f->shm->req_seq);
	bench_futex_wait(&f->shm->rep_seq, seq - 1);
	return 0;
}

static int futex_serve(struct rtt_run *run)
{
	struct futex_rtt *f = run->priv;
	uint32_t i;

	for (i = 0; i < run->nplan; i++) {
		bench_futex_wait(&f->shm->req_seq, i);
		memcpy(f->shm->rep, f->buf, run->plan[i]);
		__atomic_store_n(&f->shm->rep_seq, i + 1, __ATOMIC_RELEASE);
		bench_futex_wake(&f->shm->rep_seq);
	}
	return 0;
}

const struct rtt_transport rtt_futex = {
	.name = "futex",
	.setup = futex_setup,
	.client_init = futex_client_init,
	.serve = futex_serve,
	.call = futex_call,
};
