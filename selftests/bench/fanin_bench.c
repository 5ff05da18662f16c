// SPDX-License-Identifier: GPL-2.0
/*
 * Many-to-one throughput: 1, 2, 4 and 8 sender processes send 64-byte
 * messages to one receiver, which takes them one at a time.
 *  - mach: the senders hold a send right (COPY_SEND, no reply port) to one
 *    receive right whose queue limit is MACH_PORT_QLIMIT_LARGE (1024);
 *  - pipe (the baseline): the senders write() 64-byte records into one pipe
 *    (atomic below PIPE_BUF; 64 KiB of pipe buffer also holds 1024 of them),
 *    the receiver read()s one record per call.
 * The receiver is pinned to CPU 0 and the senders to CPU 1 (CPU 0 on a
 * single CPU).  Each sender first sends its warm-up share and waits; the
 * receiver drains the warm-up, starts the clock, releases the senders and
 * stops it at the last message.  Messages per second are in guest time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "mach_raw.h"

#define PAYLOAD 64
#define WARMUP_PER_SENDER 64
/* A deadlocked run is killed after this many (guest) seconds. */
#define FANIN_ALARM 600
static const unsigned int sender_counts[] = { 1, 2, 4, 8 };
#define NCOUNTS (sizeof(sender_counts) / sizeof(sender_counts[0]))

enum mech { MECH_MACH, MECH_PIPE, NMECHS };
static const char *const mech_names[NMECHS] = { "mach", "pipe" };

struct fanin_shared {
	uint32_t go; /* 1: send the warm-up; 2: send the timed share */
	double rate; /* messages per second, out */
	uint64_t ns;
};

struct fanin {
	enum mech mech;
	unsigned int senders, per_sender;
	int sender_cpu;
	struct fanin_shared *sh;
	int fd[2]; /* pipe */
	int send_fd; /* mach: a send right across fork */
	mach_port_name_t port;
};

struct mach_small {
	mach_msg_header_t hdr;
	uint8_t body[PAYLOAD];
	uint8_t trailer[128];
} __attribute__((aligned(16)));

static int send_n(struct fanin *f, unsigned int n)
{
	struct mach_small m;
	unsigned int i;

	memset(&m, 0x11, sizeof(m));
	for (i = 0; i < n; i++) {
		if (f->mech == MECH_PIPE) {
			if (write(f->fd[1], m.body, PAYLOAD) != PAYLOAD)
				return -1;
			continue;
		}
		m.hdr.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
		m.hdr.msgh_size = sizeof(m.hdr) + PAYLOAD;
		m.hdr.msgh_remote_port = f->port;
		m.hdr.msgh_local_port = MACH_PORT_NULL;
		m.hdr.msgh_voucher_port = MACH_PORT_NULL;
		m.hdr.msgh_id = i;
		if (mr_msg(&m, MACH_SEND_MSG, m.hdr.msgh_size, 0,
			   MACH_PORT_NULL, NULL))
			return -1;
	}
	return 0;
}

static int receive_n(struct fanin *f, unsigned int n)
{
	struct mach_small m;
	unsigned int i;
	size_t got;
	ssize_t r;

	for (i = 0; i < n; i++) {
		if (f->mech == MECH_MACH) {
			if (mr_msg(NULL, MACH_RCV_MSG, 0, sizeof(m), f->port,
				   &m) ||
			    m.hdr.msgh_size != sizeof(m.hdr) + PAYLOAD)
				return -1;
			continue;
		}
		for (got = 0; got < PAYLOAD; got += r) {
			r = read(f->fd[0], m.body + got, PAYLOAD - got);
			if (r <= 0 && !(r < 0 && errno == EINTR))
				return -1;
			if (r < 0)
				r = 0;
		}
	}
	return 0;
}

static int sender_main(void *arg)
{
	struct fanin *f = arg;

	alarm(FANIN_ALARM);
	if (bench_pin(f->sender_cpu))
		return 1;
	if (f->mech == MECH_MACH) {
		if (mr_from_fd(f->send_fd, &f->port))
			return 1;
		close(f->send_fd);
	} else {
		close(f->fd[0]);
	}
	bench_futex_wait(&f->sh->go, 0);
	if (send_n(f, WARMUP_PER_SENDER))
		return 1;
	bench_futex_wait(&f->sh->go, 1);
	return send_n(f, f->per_sender) ? 1 : 0;
}

static int receiver_main(void *arg)
{
	struct fanin *f = arg;
	pid_t pids[8];
	mach_port_name_t self;
	unsigned int i;
	uint64_t t0;
	int ret = 0;

	alarm(FANIN_ALARM);
	if (bench_pin(0))
		return 1;
	if (f->mech == MECH_MACH) {
		if (mr_task_self(&self) ||
		    mr_allocate(self, MACH_PORT_RIGHT_RECEIVE, &f->port) ||
		    mr_set_qlimit(self, f->port, MACH_PORT_QLIMIT_LARGE) ||
		    mr_make_send(self, f->port) ||
		    mr_send_fd(f->port, &f->send_fd))
			return 1;
	} else if (pipe(f->fd)) {
		return 1;
	}
	for (i = 0; i < f->senders; i++)
		pids[i] = bench_spawn(sender_main, f);
	if (f->mech == MECH_MACH) {
		close(f->send_fd);
		/* Only the senders' rights remain: the port's senders are theirs. */
		mr_mod_refs(self, f->port, MACH_PORT_RIGHT_SEND, -1);
	} else {
		close(f->fd[1]);
	}

	__atomic_store_n(&f->sh->go, 1, __ATOMIC_RELEASE);
	bench_futex_wake(&f->sh->go);
	if (receive_n(f, f->senders * WARMUP_PER_SENDER))
		ret = 1;
	t0 = bench_now();
	__atomic_store_n(&f->sh->go, 2, __ATOMIC_RELEASE);
	bench_futex_wake(&f->sh->go);
	if (!ret && receive_n(f, f->senders * f->per_sender))
		ret = 1;
	f->sh->ns = bench_now() - t0;
	for (i = 0; i < f->senders; i++)
		if (bench_wait(pids[i]))
			ret = 1;
	if (!ret && f->sh->ns)
		f->sh->rate =
			(double)f->senders * f->per_sender * 1e9 / f->sh->ns;
	return ret;
}

static double fanin_run(enum mech mech, unsigned int senders, int sender_cpu)
{
	struct fanin f = {
		.mech = mech,
		.senders = senders,
		.sender_cpu = sender_cpu,
		.per_sender = bench_opts.fanin_msgs / senders,
	};
	double rate = 0;
	pid_t pid;

	f.sh = bench_shared(sizeof(*f.sh));
	if (!f.sh)
		return 0;
	pid = bench_spawn(receiver_main, &f);
	if (pid < 0 || bench_wait(pid))
		bench_note("%s with %u senders failed", mech_names[mech],
			   senders);
	else
		rate = f.sh->rate;
	bench_unshare(f.sh, sizeof(*f.sh));
	return rate;
}

int bench_fanin(void)
{
	double rate[NMECHS][NCOUNTS];
	int sender_cpu = bench_ncpus() > 1 ? 1 : 0;
	const char *why = mr_open();
	size_t c;
	int m, ret = 0;

	bench_section("many-to-one throughput (fanin)");
	if (why) {
		bench_note("skipped: %s", why);
		return BENCH_SKIPPED;
	}
	bench_note(
		"%u messages of %d B per run (split among the senders), %d warm-up per sender; receiver CPU 0, senders CPU %d",
		bench_opts.fanin_msgs, PAYLOAD, WARMUP_PER_SENDER, sender_cpu);
	for (c = 0; c < NCOUNTS; c++)
		for (m = 0; m < NMECHS; m++)
			if (!(rate[m][c] = fanin_run(m, sender_counts[c],
						     sender_cpu)))
				ret = 1;

	printf("\nmessages per second (guest clock), and mach/pipe (> 1: Mach is faster)\n");
	printf("| senders | mach msg/s | pipe msg/s | mach/pipe | mach vs 1 sender |\n");
	printf("|---:|---:|---:|---:|---:|\n");
	for (c = 0; c < NCOUNTS; c++)
		printf("| %u | %.0f | %.0f | %.3f | %.3f |\n", sender_counts[c],
		       rate[MECH_MACH][c], rate[MECH_PIPE][c],
		       bench_ratio(rate[MECH_MACH][c], rate[MECH_PIPE][c]),
		       bench_ratio(rate[MECH_MACH][c], rate[MECH_MACH][0]));
	fflush(stdout);
	return ret;
}
