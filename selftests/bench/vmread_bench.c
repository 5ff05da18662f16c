// SPDX-License-Identifier: GPL-2.0
/*
 * Reading another process's memory: mach_vm_read (a copy in new Mach VM
 * memory of the caller, deallocated after each run) and
 * mach_vm_read_overwrite (into a resident buffer of the caller) through the
 * task port task_for_pid() gives, against process_vm_readv into the same
 * buffer, at 4 KiB, 64 KiB and 1 MiB.  The target is a child that holds the
 * bytes twice: in Mach VM memory (mach_vm_allocate) and in plain anonymous
 * memory (mmap), both resident; it sleeps on a futex while the parent
 * reads.  mach_vm_read is timed alone and followed by the reader reading
 * one word of every page of the copy.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bench.h"
#include "mach_raw.h"

#define KIB 1024ul
#define MIB (1024ul * KIB)
#define VR_MAX 1024 /* samples per measurement */

static const size_t vr_sizes[] = { 4 * KIB, 64 * KIB, 1 * MIB };
#define NVRSIZES (sizeof(vr_sizes) / sizeof(vr_sizes[0]))

/* Shared with the child: where its bytes are, and when to go. */
struct vr_shared {
	uint32_t ready, done;
	int err;
	uint64_t mach_src, anon_src;
};

enum vr_method { V_READ, V_READ_USE, V_OVERWRITE, V_PVREADV, NVR };

static const char *const vr_names[NVR] = {
	[V_READ] = "mach_vm_read",
	[V_READ_USE] = "read+use",
	[V_OVERWRITE] = "read_overwrite",
	[V_PVREADV] = "pvreadv",
};

struct vr_ctx {
	mach_port_name_t self, task;
	pid_t pid;
	size_t pagesz;
	uint8_t *buf; /* the caller's resident buffer, 1 MiB */
	uint64_t samples[VR_MAX];
};

static volatile uint64_t sink;

/* The child: its bytes in both kinds of memory, then wait to be told. */
static int vr_child(void *arg)
{
	struct vr_shared *sh = arg;
	mach_port_name_t self;
	uint8_t *anon;
	uint64_t m;
	size_t i;
	int kr;

	kr = mr_task_self(&self);
	if (!kr)
		kr = mr_vm_allocate(self, MIB, &m);
	anon = mmap(NULL, MIB, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (kr || anon == MAP_FAILED) {
		sh->err = kr ? kr : -errno;
	} else {
		for (i = 0; i < MIB; i++)
			anon[i] = ((uint8_t *)(uintptr_t)m)[i] = (uint8_t)(i * 7);
		sh->mach_src = m;
		sh->anon_src = (uintptr_t)anon;
	}
	__atomic_store_n(&sh->ready, 1, __ATOMIC_RELEASE);
	bench_futex_wake(&sh->ready);
	bench_futex_wait(&sh->done, 0);
	return 0;
}

static int vr_once(struct vr_ctx *c, enum vr_method m, uint64_t src,
		   size_t size)
{
	struct iovec l = { c->buf, size }, r = { (void *)(uintptr_t)src, size };
	uint64_t data, sum = 0, off;
	int kr;

	switch (m) {
	case V_READ:
	case V_READ_USE:
		kr = mr_vm_read(c->task, src, size, &data);
		if (kr)
			return kr;
		if (m == V_READ_USE)
			for (off = 0; off < size; off += c->pagesz)
				sum += *(volatile uint64_t *)(uintptr_t)(data + off);
		sink += sum;
		return mr_vm_deallocate(c->self, data, size);
	case V_OVERWRITE:
		return mr_vm_read_overwrite(c->task, src, size,
					    (uintptr_t)c->buf);
	case V_PVREADV:
		return process_vm_readv(c->pid, &l, 1, &r, 1, 0) ==
				       (ssize_t)size ? 0 : -errno;
	default:
		return -EINVAL;
	}
}

/* p50 in µs of @n runs after n/10 warm-up runs; 0 and *err on failure. */
static double vr_measure(struct vr_ctx *c, enum vr_method m, uint64_t src,
			 size_t size, unsigned int n, int *err)
{
	struct bench_stats st;
	unsigned int i;
	uint64_t t0;
	int e;

	for (i = 0; i < n / 10; i++) {
		e = vr_once(c, m, src, size);
		if (e)
			goto out_fail;
	}
	for (i = 0; i < n; i++) {
		t0 = bench_now();
		e = vr_once(c, m, src, size);
		if (e)
			goto out_fail;
		c->samples[i] = bench_now() - t0;
	}
	bench_stats(c->samples, n, &st);
	return st.p50 / 1e3;
out_fail:
	printf("vmread: %s of %zu bytes failed: %d\n", vr_names[m], size, e);
	*err = e;
	return 0;
}

static int vr_run(struct vr_ctx *c, const struct vr_shared *sh)
{
	static const char *const kinds[2] = { "Mach VM", "anonymous" };
	double res[2][NVRSIZES][NVR];
	unsigned int n = bench_opts.quick ? 10 : VR_MAX, k, s, m;
	int err = 0;

	for (k = 0; k < 2; k++)
		for (s = 0; s < NVRSIZES; s++)
			for (m = 0; m < NVR; m++)
				res[k][s][m] = vr_measure(c, m,
							  k ? sh->anon_src : sh->mach_src,
							  vr_sizes[s], n, &err);
	printf("\nreading a child's memory (p50, µs; %u runs each)\n", n);
	printf("%-10s %8s", "source", "size");
	for (m = 0; m < NVR; m++)
		printf(" %14s", vr_names[m]);
	printf(" | read/pvrd ovwr/pvrd\n");
	for (k = 0; k < 2; k++)
		for (s = 0; s < NVRSIZES; s++) {
			double *r = res[k][s];

			printf("%-10s %8zu", kinds[k], vr_sizes[s]);
			for (m = 0; m < NVR; m++)
				printf(" %14.2f", r[m]);
			printf(" | %9.3f %9.3f\n",
			       bench_ratio(r[V_READ], r[V_PVREADV]),
			       bench_ratio(r[V_OVERWRITE], r[V_PVREADV]));
		}
	fflush(stdout);
	return err ? -1 : 0;
}

int bench_vmread(void)
{
	struct vr_shared *sh = bench_shared(sizeof(*sh));
	struct vr_ctx c = { .pid = -1 };
	const char *why = mr_open();
	int ret = 1, kr;

	bench_section("vmread: mach_vm_read of another process against process_vm_readv");
	if (why) {
		bench_note("skipped: %s", why);
		return BENCH_SKIPPED;
	}
	c.pagesz = (size_t)sysconf(_SC_PAGESIZE);
	c.buf = mmap(NULL, MIB, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (!sh || c.buf == MAP_FAILED || mr_task_self(&c.self))
		return 1;
	c.pid = bench_spawn(vr_child, sh);
	if (c.pid < 0)
		return 1;
	bench_futex_wait(&sh->ready, 0);
	if (sh->err) {
		printf("vmread: the child could not set up its memory: %d\n",
		       sh->err);
		goto out;
	}
	kr = mr_task_for_pid(c.self, c.pid, &c.task);
	if (kr) {
		printf("vmread: task_for_pid failed: %d\n", kr);
		goto out;
	}
	ret = vr_run(&c, sh) ? 1 : 0;
out:
	__atomic_store_n(&sh->done, 1, __ATOMIC_RELEASE);
	bench_futex_wake(&sh->done);
	bench_wait(c.pid);
	return ret;
}
