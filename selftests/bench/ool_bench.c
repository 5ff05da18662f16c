// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-line memory: what moving N bytes from one place to another costs,
 * for 4 KiB ... 64 MiB, in one process (no other process to wake: the
 * transfer, not the scheduler), against the Linux ways of moving the same
 * bytes, all in one boot.
 *
 *   virtual      MACH_MSG_VIRTUAL_COPY of Mach VM memory, deallocate=FALSE:
 *                send + receive in one MACHINA_IOC_MSG on the caller's own
 *                port, then mach_vm_deallocate of what arrived
 *   virt(msg)    the same, the time of the send + receive alone (the
 *                mach_vm_deallocate afterwards is left out)
 *   virt+dealloc the same with deallocate=TRUE: what arrives is the next
 *                send's source, so the pages go round without a copy
 *   physical     MACH_MSG_PHYSICAL_COPY, deallocate=FALSE (the copying path:
 *                into a kernel buffer at send, into a fresh mapping at
 *                receive), then mach_vm_deallocate
 *   inline       the bytes in the message body (up to max_msg_size)
 *   pipe         write + read through a pipe of 1 MiB (or what the kernel
 *                grants), chunk by chunk
 *   pvreadv      process_vm_readv of the caller's own bytes into a buffer
 *   memfd        the bytes already in a memfd: the descriptor over a UNIX
 *                socket (SCM_RIGHTS), mmap of it, munmap, close -- sharing,
 *                not a copy: later writes of the sender are seen
 * Each is timed twice: the transfer alone, and the transfer followed by the
 * receiver reading one word of every page (the copy-on-write and shared
 * mappings fault their pages in only then).
 *
 * oolx: the crossover of the module parameter ool_copy_bytes (virtual copies
 * of at most that many bytes are copied, larger ones are snapshots): the
 * virtual copy of 256 bytes ... 32 pages measured with the parameter at 0 (every
 * one a snapshot) and at 2^32 - 1 (every one copied), in the same boot (the
 * benchmark writes /sys/module/machina/parameters/ool_copy_bytes and puts
 * the old value back; as root only).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bench.h"
#include "mach_raw.h"
#include "selftests/machina_test.h"

#define KIB 1024ul
#define MIB (1024ul * KIB)
#define MAX_SAMPLES 200
#define PARAM_DIR "/sys/module/machina/parameters/"

enum method {
	M_VIRT,
	M_VIRT_MSG,
	M_VIRT_DEALLOC,
	M_PHYS,
	M_INLINE,
	M_PIPE,
	M_PVREADV,
	M_MEMFD,
	NMETHODS
};

static const char *const method_names[NMETHODS] = {
	[M_VIRT] = "virtual",
	[M_VIRT_MSG] = "virt(msg)",
	[M_VIRT_DEALLOC] = "virt+dealloc",
	[M_PHYS] = "physical",
	[M_INLINE] = "inline",
	[M_PIPE] = "pipe",
	[M_PVREADV] = "pvreadv",
	[M_MEMFD] = "memfd",
};

static const size_t ool_sizes[] = { 4 * KIB, 16 * KIB, 64 * KIB,
				    1 * MIB, 16 * MIB, 64 * MIB };
#define NSIZES (sizeof(ool_sizes) / sizeof(ool_sizes[0]))

/*
 * The crossover sweep: sizes in bytes below a page (one partial page), then
 * in pages (0 marks the end of the sub-page part).
 */
static const unsigned int sweep_bytes[] = { 256, 2048 };
static const unsigned int sweep_pages[] = { 1, 2, 3, 4, 6, 8, 12, 16, 32 };
#define NSWEEP_BYTES (sizeof(sweep_bytes) / sizeof(sweep_bytes[0]))
#define NSWEEP (NSWEEP_BYTES + sizeof(sweep_pages) / sizeof(sweep_pages[0]))

struct ool_msg {
	mach_msg_header_t hdr;
	mach_msg_body_t body;
	mach_msg_ool_descriptor_t ool;
};

struct ool_rcv {
	struct ool_msg m;
	uint8_t trailer[256];
};

/* What one size's transfers work on; set up per size (ool_setup). */
struct ool_ctx {
	mach_port_name_t self, port;
	size_t size, pagesz;
	uint64_t src; /* Mach VM memory, filled */
	uint64_t moving; /* virt+dealloc: the region that goes round */
	uint8_t *dst; /* a resident buffer (pipe, pvreadv, inline receive) */
	mach_msg_header_t *imsg, *ircv; /* inline message and receive buffer */
	size_t inline_max;
	int pfd[2], chunk;
	int sock[2], memfd;
	uint64_t excluded; /* time of this run that is not the transfer's */
	uint64_t samples[MAX_SAMPLES];
};

static volatile uint64_t sink;

/* Read one word of every page of [p, p + len): the receiver using it. */
static void touch(const void *p, size_t len, size_t pagesz)
{
	const volatile uint64_t *w;
	uint64_t sum = 0;
	size_t off;

	for (off = 0; off < len; off += pagesz) {
		w = (const volatile uint64_t *)((const uint8_t *)p + off);
		sum += *w;
	}
	sink += sum;
}

static int fail(const char *what, long err)
{
	printf("ool: %s failed: %ld (%s)\n", what, err,
	       err < 0 ? strerror((int)-err) : "Mach error");
	fflush(stdout);
	return -1;
}

/* One OOL send + receive of [addr, addr + size) on c->port. */
static int ool_xfer(struct ool_ctx *c, uint64_t addr, bool dealloc, int copy,
		    uint64_t *got)
{
	struct ool_msg m = {
		.hdr = {
			.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) |
				     MACH_MSGH_BITS_COMPLEX,
			.msgh_size = sizeof(struct ool_msg),
			.msgh_remote_port = c->port,
			.msgh_id = 10,
		},
		.body = { .msgh_descriptor_count = 1 },
		.ool = {
			.address = (void *)(uintptr_t)addr,
			.deallocate = dealloc,
			.copy = copy,
			.type = MACH_MSG_OOL_DESCRIPTOR,
			.size = (mach_msg_size_t)c->size,
		},
	};
	struct ool_rcv r;
	int mr;

	mr = mr_msg(&m, MACH_SEND_MSG | MACH_RCV_MSG, sizeof(m), sizeof(r),
		    c->port, &r);
	if (mr)
		return fail("OOL send+receive", mr);
	if (r.m.body.msgh_descriptor_count != 1 || r.m.ool.size != c->size ||
	    !r.m.ool.address)
		return fail("OOL receive (descriptor)", 0);
	*got = (uintptr_t)r.m.ool.address;
	return 0;
}

/*
 * One send + receive of c->src with @copy, the receiver's use of it, and
 * its mach_vm_deallocate; with @untimed_free the deallocate's time goes to
 * c->excluded.
 */
static int xfer_use_free(struct ool_ctx *c, bool use, int copy,
			 bool untimed_free)
{
	uint64_t got, t0;
	int kr;

	if (ool_xfer(c, c->src, false, copy, &got))
		return -1;
	if (use)
		touch((void *)(uintptr_t)got, c->size, c->pagesz);
	t0 = bench_now();
	kr = mr_vm_deallocate(c->self, got, c->size);
	if (untimed_free)
		c->excluded = bench_now() - t0;
	return kr ? -1 : 0;
}

static int do_virt(struct ool_ctx *c, bool use)
{
	return xfer_use_free(c, use, MACH_MSG_VIRTUAL_COPY, false);
}

static int do_virt_msg(struct ool_ctx *c, bool use)
{
	return xfer_use_free(c, use, MACH_MSG_VIRTUAL_COPY, true);
}

static int do_phys(struct ool_ctx *c, bool use)
{
	return xfer_use_free(c, use, MACH_MSG_PHYSICAL_COPY, false);
}

static int do_virt_dealloc(struct ool_ctx *c, bool use)
{
	uint64_t got;

	if (ool_xfer(c, c->moving, true, MACH_MSG_VIRTUAL_COPY, &got))
		return -1;
	c->moving = got;
	if (use)
		touch((void *)(uintptr_t)got, c->size, c->pagesz);
	return 0;
}

static int do_inline(struct ool_ctx *c, bool use)
{
	uint32_t len = (uint32_t)(sizeof(*c->imsg) + c->size);
	int mr;

	c->imsg->msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
	c->imsg->msgh_size = len;
	c->imsg->msgh_remote_port = c->port;
	c->imsg->msgh_local_port = MACH_PORT_NULL;
	c->imsg->msgh_voucher_port = MACH_PORT_NULL;
	c->imsg->msgh_id = 11;
	mr = mr_msg(c->imsg, MACH_SEND_MSG | MACH_RCV_MSG, len, len + 256,
		    c->port, c->ircv);
	if (mr || c->ircv->msgh_size != len)
		return fail("inline send+receive", mr);
	if (use)
		touch(c->ircv + 1, c->size, c->pagesz);
	return 0;
}

static int do_pipe(struct ool_ctx *c, bool use)
{
	const uint8_t *s = (const uint8_t *)(uintptr_t)c->src;
	size_t off, n, got;
	ssize_t r;

	for (off = 0; off < c->size; off += n) {
		n = c->size - off < (size_t)c->chunk ? c->size - off :
						       (size_t)c->chunk;
		if (write(c->pfd[1], s + off, n) != (ssize_t)n)
			return fail("pipe write", -errno);
		for (got = 0; got < n; got += r) {
			r = read(c->pfd[0], c->dst + off + got, n - got);
			if (r <= 0)
				return fail("pipe read", -errno);
		}
	}
	if (use)
		touch(c->dst, c->size, c->pagesz);
	return 0;
}

static int do_pvreadv(struct ool_ctx *c, bool use)
{
	struct iovec l = { c->dst, c->size };
	struct iovec r = { (void *)(uintptr_t)c->src, c->size };

	if (process_vm_readv(getpid(), &l, 1, &r, 1, 0) != (ssize_t)c->size)
		return fail("process_vm_readv", -errno);
	if (use)
		touch(c->dst, c->size, c->pagesz);
	return 0;
}

static int do_memfd(struct ool_ctx *c, bool use)
{
	char cbuf[CMSG_SPACE(sizeof(int))] __attribute__((aligned(8)));
	char byte = 1;
	struct iovec iov = { &byte, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	void *p;
	int fd;

	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &c->memfd, sizeof(int));
	if (sendmsg(c->sock[0], &mh, 0) != 1)
		return fail("sendmsg(SCM_RIGHTS)", -errno);
	mh.msg_controllen = sizeof(cbuf);
	if (recvmsg(c->sock[1], &mh, 0) != 1)
		return fail("recvmsg(SCM_RIGHTS)", -errno);
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return fail("recvmsg: no descriptor", 0);
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	p = mmap(NULL, c->size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return fail("mmap(memfd)", -errno);
	}
	if (use)
		touch(p, c->size, c->pagesz);
	munmap(p, c->size);
	close(fd);
	return 0;
}

static int (*const method_fn[NMETHODS])(struct ool_ctx *, bool) = {
	[M_VIRT] = do_virt,
	[M_VIRT_MSG] = do_virt_msg,
	[M_VIRT_DEALLOC] = do_virt_dealloc,
	[M_PHYS] = do_phys,
	[M_INLINE] = do_inline,
	[M_PIPE] = do_pipe,
	[M_PVREADV] = do_pvreadv,
	[M_MEMFD] = do_memfd,
};

/* A module parameter as a number; -1 if it cannot be read. */
static long param_get(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	return mt_read_long(path);
}

static int param_set(const char *name, long v)
{
	char path[128], text[32];

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	snprintf(text, sizeof(text), "%ld", v);
	return mt_write_file(path, text);
}

static void fill(uint64_t addr, size_t len)
{
	uint64_t *w = (uint64_t *)(uintptr_t)addr;
	size_t i;

	for (i = 0; i < len / sizeof(*w); i++)
		w[i] = i * 0x9e3779b97f4a7c15ull;
}

static void ool_teardown(struct ool_ctx *c)
{
	if (c->src)
		mr_vm_deallocate(c->self, c->src, c->size);
	if (c->moving)
		mr_vm_deallocate(c->self, c->moving, c->size);
	if (c->dst)
		munmap(c->dst, c->size);
	if (c->memfd >= 0)
		close(c->memfd);
	c->src = c->moving = 0;
	c->dst = NULL;
	c->memfd = -1;
}

/* Regions of @size bytes for every method; all resident before timing. */
static int ool_setup(struct ool_ctx *c, size_t size)
{
	int kr;

	c->size = size;
	kr = mr_vm_allocate(c->self, size, &c->src);
	if (!kr)
		kr = mr_vm_allocate(c->self, size, &c->moving);
	if (kr)
		return fail("mach_vm_allocate", kr);
	fill(c->src, size);
	fill(c->moving, size);
	c->dst = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (c->dst == MAP_FAILED) {
		c->dst = NULL;
		return fail("mmap", -errno);
	}
	c->memfd = memfd_create("ool-bench", MFD_CLOEXEC);
	if (c->memfd < 0 || ftruncate(c->memfd, (off_t)size) ||
	    pwrite(c->memfd, (void *)(uintptr_t)c->src, size, 0) !=
		    (ssize_t)size)
		return fail("memfd", -errno);
	return 0;
}

/*
 * Time @n runs of method @m (after @warm untimed ones); the p50 in µs, or
 * 0 if the method failed (then *failed is set).
 */
static double measure(struct ool_ctx *c, enum method m, bool use,
		      unsigned int n, unsigned int warm, bool *failed)
{
	struct bench_stats st;
	unsigned int i;
	uint64_t t0;

	for (i = 0; i < warm; i++)
		if (method_fn[m](c, use))
			goto out_fail;
	for (i = 0; i < n; i++) {
		c->excluded = 0;
		t0 = bench_now();
		if (method_fn[m](c, use))
			goto out_fail;
		c->samples[i] = bench_now() - t0 - c->excluded;
	}
	bench_stats(c->samples, n, &st);
	return st.p50 / 1e3;
out_fail:
	*failed = true;
	return 0;
}

static bool method_fits(const struct ool_ctx *c, enum method m, size_t size)
{
	return m != M_INLINE || size <= c->inline_max;
}

static void print_size(size_t size)
{
	if (size >= MIB)
		printf("%5zu MiB", size / MIB);
	else
		printf("%5zu KiB", size / KIB);
}

/* The size table: every method at every size, transfer and transfer + use. */
static int ool_sizes_table(struct ool_ctx *c, double res[2][NSIZES][NMETHODS])
{
	bool failed = false;
	unsigned int s, m, use, n;

	for (s = 0; s < NSIZES && !failed; s++) {
		size_t size = ool_sizes[s];

		n = (unsigned int)((256 * MIB) / size);
		if (n > MAX_SAMPLES)
			n = MAX_SAMPLES;
		if (n < 5)
			n = 5;
		if (bench_opts.quick)
			n = 3;
		if (ool_setup(c, size)) {
			ool_teardown(c);
			return -1;
		}
		for (use = 0; use < 2; use++)
			for (m = 0; m < NMETHODS; m++)
				res[use][s][m] = method_fits(c, m, size) ?
					measure(c, m, use, n, n / 10 + 1, &failed) : 0;
		ool_teardown(c);
		print_size(size);
		printf(": %u runs each\n", n);
		fflush(stdout);
	}
	if (failed)
		return -1;
	for (use = 0; use < 2; use++) {
		printf("\n%s (p50, µs)\n      size",
		       use ? "transfer + the receiver reads every page" :
			     "transfer");
		for (m = 0; m < NMETHODS; m++)
			printf(" %12s", method_names[m]);
		printf(" | virt/phys virt/pipe virt/pvrd\n");
		for (s = 0; s < NSIZES; s++) {
			double *r = res[use][s];

			print_size(ool_sizes[s]);
			printf(" ");
			for (m = 0; m < NMETHODS; m++) {
				if (r[m] > 0)
					printf(" %12.2f", r[m]);
				else
					printf(" %12s", "-");
			}
			printf(" | %9.3f %9.3f %9.3f\n",
			       bench_ratio(r[M_VIRT], r[M_PHYS]),
			       bench_ratio(r[M_VIRT], r[M_PIPE]),
			       bench_ratio(r[M_VIRT], r[M_PVREADV]));
		}
	}
	return 0;
}

/*
 * The crossover of ool_copy_bytes: virtual copies of 256 bytes ... 32
 * pages taken as snapshots (parameter 0) and as copies (parameter 2^32 - 1).
 */
static size_t sweep_size(unsigned int i, size_t pagesz)
{
	if (i < NSWEEP_BYTES)
		return sweep_bytes[i] < pagesz ? sweep_bytes[i] : pagesz;
	return sweep_pages[i - NSWEEP_BYTES] * pagesz;
}

static int ool_sweep(struct ool_ctx *c)
{
	static const char *const cols[3] = { "transfer", "+ read", "dealloc+read" };
	double res[NSWEEP][2][3];
	unsigned int i, path, k, n = bench_opts.quick ? 5 : 500;
	long old = param_get("ool_copy_bytes");
	bool failed = false;
	long first[3] = { -1, -1, -1 };

	if (old < 0 || param_set("ool_copy_bytes", old)) {
		bench_note("ool_copy_bytes not writable (not root?): no crossover sweep");
		return 0;
	}
	for (i = 0; i < NSWEEP && !failed; i++) {
		size_t size = sweep_size(i, c->pagesz);

		if (ool_setup(c, size)) {
			ool_teardown(c);
			failed = true;
			break;
		}
		for (path = 0; path < 2 && !failed; path++) {
			/* path 0: snapshot, 1: copy */
			if (param_set("ool_copy_bytes", path ? 0xffffffffl : 0)) {
				failed = true;
				break;
			}
			res[i][path][0] = measure(c, M_VIRT, false, n, n / 10, &failed);
			res[i][path][1] = measure(c, M_VIRT, true, n, n / 10, &failed);
			res[i][path][2] = measure(c, M_VIRT_DEALLOC, true, n,
						  n / 10, &failed);
		}
		ool_teardown(c);
	}
	param_set("ool_copy_bytes", old);
	if (failed)
		return -1;
	printf("\nool_copy_bytes crossover: MACH_MSG_VIRTUAL_COPY as snapshot | as copy (p50, µs; %u runs)\n",
	       n);
	printf("     bytes");
	for (k = 0; k < 3; k++)
		printf(" | %-12s snap   copy  s/c", cols[k]);
	printf("\n");
	for (i = 0; i < NSWEEP; i++) {
		printf("%10zu", sweep_size(i, c->pagesz));
		for (k = 0; k < 3; k++) {
			double r = bench_ratio(res[i][0][k], res[i][1][k]);

			printf(" | %12s %6.2f %6.2f %5.3f", "", res[i][0][k],
			       res[i][1][k], r);
			if (first[k] < 0 && r > 0 && r <= 1.0)
				first[k] = (long)sweep_size(i, c->pagesz);
		}
		printf("\n");
	}
	for (k = 0; k < 3; k++)
		bench_note("%s: the snapshot is first no slower at %ld bytes%s",
			   cols[k], first[k],
			   first[k] < 0 ? " (never, in this range)" : "");
	bench_note("ool_copy_bytes was %ld before the sweep and is %ld again",
		   old, param_get("ool_copy_bytes"));
	return 0;
}

/* The port, buffers, pipe and socket pair every size uses; 0 or -1. */
static int ool_ctx_init(struct ool_ctx *c)
{
	long maxmsg = param_get("max_msg_size");

	c->memfd = -1;
	c->pfd[0] = c->pfd[1] = c->sock[0] = c->sock[1] = -1;
	c->pagesz = (size_t)sysconf(_SC_PAGESIZE);
	c->inline_max = (maxmsg > 0 ? (size_t)maxmsg : 4 * MIB) - 4096;
	if (mr_task_self(&c->self) ||
	    mr_allocate(c->self, MACH_PORT_RIGHT_RECEIVE, &c->port) ||
	    mr_make_send(c->self, c->port))
		return fail("port setup", 0);
	c->imsg = calloc(1, c->inline_max + 4096);
	c->ircv = calloc(1, c->inline_max + 4096 + 256);
	if (!c->imsg || !c->ircv || pipe2(c->pfd, O_CLOEXEC) ||
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, c->sock))
		return fail("buffers, pipe, socket pair", -errno);
	c->chunk = fcntl(c->pfd[1], F_SETPIPE_SZ, (int)MIB);
	if (c->chunk < 0)
		c->chunk = fcntl(c->pfd[1], F_GETPIPE_SZ);
	bench_note("page size %zu, pipe chunk %d, ool_copy_bytes %ld, max_msg_size %ld (inline up to %zu)",
		   c->pagesz, c->chunk, param_get("ool_copy_bytes"), maxmsg,
		   c->inline_max);
	bench_note("one process: each run is one send + receive (one ioctl) on its own port");
	return 0;
}

int bench_ool(void)
{
	static double res[2][NSIZES][NMETHODS];
	static struct ool_ctx c;
	const char *why = mr_open();
	size_t i64k = 2, i16m = 4; /* in ool_sizes */

	bench_section("ool: out-of-line memory against pipe, process_vm_readv, memfd");
	if (why) {
		bench_note("skipped: %s", why);
		return BENCH_SKIPPED;
	}
	if (ool_ctx_init(&c) || ool_sizes_table(&c, res))
		return 1;
	bench_target("ool 16 MiB / 64 KiB (virtual copy, transfer)",
		     bench_ratio(res[0][i16m][M_VIRT], res[0][i64k][M_VIRT]),
		     2.0, true);
	bench_target("ool 16 MiB / 64 KiB (virtual copy, deallocate)",
		     bench_ratio(res[0][i16m][M_VIRT_DEALLOC],
				 res[0][i64k][M_VIRT_DEALLOC]),
		     2.0, true);
	return 0;
}

int bench_ool_crossover(void)
{
	static struct ool_ctx c;
	const char *why = mr_open();

	bench_section("oolx: the ool_copy_bytes crossover (snapshot against copy)");
	if (why) {
		bench_note("skipped: %s", why);
		return BENCH_SKIPPED;
	}
	if (ool_ctx_init(&c) || ool_sweep(&c))
		return 1;
	return 0;
}
