// SPDX-License-Identifier: GPL-2.0
/*
 * Binder round trip with raw ioctls (<linux/android/binder.h>): the server
 * is the context manager (handle 0) and answers BR_TRANSACTION with BC_REPLY;
 * the client sends BC_TRANSACTION to handle 0 and reads until BR_REPLY.
 * Every exchange goes through BINDER_WRITE_READ; each side returns the
 * buffer it was given with BC_FREE_BUFFER in its next write.  The client
 * needs one ioctl per round trip, the server two (the read after BC_REPLY
 * returns at once with BR_TRANSACTION_COMPLETE; the next request needs
 * another read), which is how binder is used.
 *
 * The device: /dev/binder (binder_linux loaded with its default devices=
 * "binder", as on Debian's 6.1 and 6.12 kernels, which have no binderfs),
 * else /dev/binderfs/binder (binderfs mounted here if the kernel has it).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/android/binder.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rtt.h"

#define BINDER_MAP_SIZE (1u << 20)

struct binder_end {
	int fd;
	void *map;
	binder_uintptr_t to_free; /* buffer to return in the next write, or 0 */
	uint8_t rbuf[512];
	size_t rlen, rpos;
	uint8_t wbuf[256];
	size_t wlen;
};

struct binder_rtt {
	struct binder_end end; /* the server's until the fork, then each side's */
	uint8_t payload[RTT_MAX_PAYLOAD];
};

static char binder_path[64];

static const char *binder_find(void)
{
	struct binder_version v = { 0 };
	int fd;

	if (binder_path[0])
		return NULL;
	if (access("/dev/binder", F_OK) == 0) {
		snprintf(binder_path, sizeof(binder_path), "/dev/binder");
	} else {
		mkdir("/dev/binderfs", 0755);
		if (access("/dev/binderfs/binder", F_OK) &&
		    mount("binder", "/dev/binderfs", "binder", 0, NULL))
			return "no /dev/binder and no binderfs (binder_linux not loaded?)";
		snprintf(binder_path, sizeof(binder_path),
			 "/dev/binderfs/binder");
	}
	fd = open(binder_path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		binder_path[0] = 0;
		return "cannot open the binder device";
	}
	if (ioctl(fd, BINDER_VERSION, &v) ||
	    v.protocol_version != BINDER_CURRENT_PROTOCOL_VERSION) {
		close(fd);
		binder_path[0] = 0;
		return "binder protocol version differs from this build's header";
	}
	close(fd);
	return NULL;
}

static int end_open(struct binder_end *b)
{
	memset(b, 0, sizeof(*b));
	b->fd = open(binder_path, O_RDWR | O_CLOEXEC);
	if (b->fd < 0)
		return -1;
	/* Binder maps read-only; the kernel writes incoming data there. */
	b->map = mmap(NULL, BINDER_MAP_SIZE, PROT_READ, MAP_PRIVATE, b->fd, 0);
	return b->map == MAP_FAILED ? -1 : 0;
}

static void put(struct binder_end *b, uint32_t cmd, const void *arg, size_t len)
{
	memcpy(b->wbuf + b->wlen, &cmd, sizeof(cmd));
	if (len)
		memcpy(b->wbuf + b->wlen + sizeof(cmd), arg, len);
	b->wlen += sizeof(cmd) + len;
}

/* Queue the return of the last buffer we were given, if any. */
static void put_free(struct binder_end *b)
{
	if (b->to_free) {
		put(b, BC_FREE_BUFFER, &b->to_free, sizeof(b->to_free));
		b->to_free = 0;
	}
}

/*
 * next - the next return command and its payload (at most @cap bytes)
 * Commands left over from the last read come first; once they are used up,
 * one BINDER_WRITE_READ writes what is queued and reads (blocking until the
 * driver has something for us).
 */
static int next(struct binder_end *b, uint32_t *cmd, void *arg, size_t cap)
{
	size_t len;

	if (b->rpos >= b->rlen) {
		struct binder_write_read bwr = {
			.write_size = b->wlen,
			.write_buffer = (uintptr_t)b->wbuf,
			.read_size = sizeof(b->rbuf),
			.read_buffer = (uintptr_t)b->rbuf,
		};

		while (ioctl(b->fd, BINDER_WRITE_READ, &bwr) < 0) {
			if (errno != EINTR)
				return -1;
			/* Resume: the driver reports what it consumed already. */
			bwr.write_buffer += bwr.write_consumed;
			bwr.write_size -= bwr.write_consumed;
			bwr.write_consumed = 0;
		}
		if (bwr.write_consumed != bwr.write_size)
			return -1;
		b->wlen = 0;
		b->rlen = bwr.read_consumed;
		b->rpos = 0;
		if (b->rlen < sizeof(*cmd))
			return -1;
	}
	memcpy(cmd, b->rbuf + b->rpos, sizeof(*cmd));
	len = _IOC_SIZE(*cmd);
	if (b->rpos + sizeof(*cmd) + len > b->rlen || len > cap)
		return -1;
	memcpy(arg, b->rbuf + b->rpos + sizeof(*cmd), len);
	b->rpos += sizeof(*cmd) + len;
	return 0;
}

/* Read until @want arrives; skips BR_NOOP and friends, fails on errors. */
static int wait_for(struct binder_end *b, uint32_t want,
		    struct binder_transaction_data *tr)
{
	uint8_t arg[64];
	uint32_t cmd;

	for (;;) {
		if (next(b, &cmd, arg, sizeof(arg)))
			return -1;
		if (cmd == want) {
			if (tr)
				memcpy(tr, arg, sizeof(*tr));
			return 0;
		}
		switch (cmd) {
		case BR_NOOP:
		case BR_SPAWN_LOOPER:
		case BR_TRANSACTION_COMPLETE:
			continue;
		default:
			/* BR_DEAD_REPLY, BR_FAILED_REPLY, BR_ERROR, or anything unexpected */
			fprintf(stderr,
				"binder: got 0x%x while waiting for 0x%x\n",
				cmd, want);
			return -1;
		}
	}
}

static const char *binder_unavailable(void)
{
	return binder_find();
}

static int binder_setup(struct rtt_run *run)
{
	struct binder_rtt *r = calloc(1, sizeof(*r));
	int tries;

	if (!r || end_open(&r->end)) {
		rtt_fail("binder", "open/mmap", errno);
		return -1;
	}
	/*
	 * The previous run's context manager is released by the driver's
	 * deferred work after that process exits: until then this is EBUSY.
	 */
	for (tries = 0; ioctl(r->end.fd, BINDER_SET_CONTEXT_MGR, 0) < 0;
	     tries++) {
		if (errno != EBUSY || tries == 500) {
			rtt_fail("binder", "BINDER_SET_CONTEXT_MGR", errno);
			return -1;
		}
		usleep(10000);
	}
	memset(r->payload, 0x77, sizeof(r->payload));
	run->priv = r;
	return 0;
}

static int binder_client_init(struct rtt_run *run)
{
	struct binder_rtt *r = run->priv;

	/* A binder descriptor serves only the process that opened it. */
	close(r->end.fd);
	if (end_open(&r->end)) {
		rtt_fail("binder", "client open/mmap", errno);
		return -1;
	}
	return 0;
}

static int binder_call(struct rtt_run *run, uint32_t size)
{
	struct binder_rtt *r = run->priv;
	struct binder_transaction_data tr = {
		.target.handle = 0,
		.code = 1,
		.data_size = size,
		.data.ptr.buffer = (uintptr_t)r->payload,
	};

	put_free(&r->end);
	put(&r->end, BC_TRANSACTION, &tr, sizeof(tr));
	if (wait_for(&r->end, BR_REPLY, &tr) || tr.data_size != size) {
		rtt_fail("binder", "client transaction", errno);
		return -1;
	}
	r->end.to_free = tr.data.ptr.buffer;
	return 0;
}

static int binder_serve(struct rtt_run *run)
{
	struct binder_rtt *r = run->priv;
	struct binder_transaction_data tr;
	size_t i;

	if (!run->nplan)
		return 0;
	put(&r->end, BC_ENTER_LOOPER, NULL, 0);
	if (wait_for(&r->end, BR_TRANSACTION, &tr))
		goto fail;
	for (i = 0; i < run->nplan; i++) {
		struct binder_transaction_data reply = {
			.data_size = run->plan[i],
			.data.ptr.buffer = (uintptr_t)r->payload,
		};

		if (tr.data_size != run->plan[i])
			goto fail;
		r->end.to_free = tr.data.ptr.buffer;
		put_free(&r->end);
		put(&r->end, BC_REPLY, &reply, sizeof(reply));
		if (wait_for(&r->end, BR_TRANSACTION_COMPLETE, NULL))
			goto fail;
		if (i + 1 < run->nplan &&
		    wait_for(&r->end, BR_TRANSACTION, &tr))
			goto fail;
	}
	return 0;
fail:
	rtt_fail("binder", "server", errno);
	return -1;
}

const struct rtt_transport rtt_binder = {
	.name = "binder",
	.unavailable = binder_unavailable,
	.setup = binder_setup,
	.client_init = binder_client_init,
	.serve = binder_serve,
	.call = binder_call,
};
