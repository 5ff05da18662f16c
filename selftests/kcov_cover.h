/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Coverage of machina.ko through KCOV, for the coverage-guided fuzzer
 * (ipc_fuzz_test.c).  Only the debug kernels have KCOV
 * (/sys/kernel/debug/kcov); everywhere else every function here reports
 * "unavailable" and the fuzzer stays a plain random one.
 *
 * The coverage points are the module's calls to __sanitizer_cov_trace_pc:
 * the relocations against that symbol in the executable sections of the
 * .ko (init and exit code left out).  KCOV records the return address of
 * such a call, which is the relocation's place + 4 on x86_64 (the rel32
 * of a call) and on arm64 (a bl), so "section address (sysfs) + offset + 4"
 * is exactly the PC KCOV reports for that point, less the kernel's KASLR
 * offset, which KCOV subtracts and kcov_calibrate() finds.
 *
 * mach/ against personality/: ld -r lays out the objects in Kbuild's
 * order, personality/ first, so in each section everything from the first
 * function of a mach/ file on is mach/'s (files told apart by the local
 * symbols that follow each STT_FILE symbol).  `strip --strip-debug` drops
 * the STT_FILE symbols (mkinitramfs.sh keeps them); a .ko without them
 * gets no mach/ split (nmach_known 0) rather than a wrong one.
 *
 * Everything lives in one MAP_SHARED block made before the tests fork
 * (kcov_shared()), so the chunks of both fuzz tests add to one coverage
 * map and one corpus.  Root reads the sysfs addresses and opens KCOV;
 * the fuzzing child drops its privileges afterwards.
 */
#ifndef _KCOV_COVER_H
#define _KCOV_COVER_H

#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#ifndef KCOV_INIT_TRACE
#define KCOV_INIT_TRACE _IOR('c', 1, unsigned long)
#define KCOV_ENABLE _IO('c', 100)
#define KCOV_DISABLE _IO('c', 101)
#endif
#define KCOV_TRACE_PC_MODE 0

#define KCOV_PATH "/sys/kernel/debug/kcov"
#define KCOV_WORDS (1u << 16)		/* trace buffer, in PCs */
#define KCOV_MAX_SITES (1u << 17)
#define KCOV_CORPUS 256
#define KCOV_MSG_BYTES 512

struct kcov_input {
	unsigned long cmd;
	uint8_t arg[256];
	uint32_t msg_off;		/* message bytes at arena + msg_off */
	uint32_t msg_len;
	uint8_t msg[KCOV_MSG_BYTES];
};

struct kcov_shared {
	int state;			/* 0 not tried, 1 ready, -1 unavailable */
	char why[120];			/* why unavailable */
	int calibrated;
	uint64_t delta;			/* real address = KCOV pc + delta */
	uint32_t nsites, nmach;
	int nmach_known;		/* the .ko had STT_FILE symbols */
	uint64_t site[KCOV_MAX_SITES];	/* sorted return addresses */
	uint8_t is_mach[KCOV_MAX_SITES];
	uint8_t hit[KCOV_MAX_SITES];
	uint32_t ncorpus;
	struct kcov_input corpus[KCOV_CORPUS];
};

/* The block, made on first use (call it before forking). */
static struct kcov_shared *kcov_shared(void)
{
	static struct kcov_shared *k;

	if (!k) {
		k = mmap(NULL, sizeof(*k), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (k == MAP_FAILED)
			k = NULL;
	}
	return k;
}

static int kcov_unavailable(struct kcov_shared *k, const char *why)
{
	snprintf(k->why, sizeof(k->why), "%s", why);
	k->state = -1;
	return -1;
}

/*
 * Address of the loaded module's section @name (sysfs, root), or 0.
 * KCOV_SECTIONS names another directory of such files (to test the
 * parsing on a host).
 */
static uint64_t kcov_section_base(const char *name)
{
	const char *dir = getenv("KCOV_SECTIONS");
	char path[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s",
		 dir ? dir : "/sys/module/machina/sections", name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llx", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static int kcov_site_cmp(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

struct kcov_site {
	uint64_t pc;	/* first: sorts with kcov_site_cmp */
	uint64_t mach;
};

static int kcov_personality_file(const char *name)
{
	return !strcmp(name, "main.c") || !strcmp(name, "chardev.c") ||
	       !strcmp(name, "call_table.c") || !strcmp(name, "machina.mod.c");
}

/*
 * Read the module's coverage points from @ko (an ELF64 .ko of the loaded
 * module) and the sysfs section addresses.  Root only.  0 or -1 (k->why).
 */
static int kcov_load_sites(struct kcov_shared *k, const char *ko)
{
	uint64_t base[512] = { 0 }, first_mach[512];
	struct kcov_site *tmp;
	const Elf64_Shdr *sh, *symtab = NULL;
	const Elf64_Sym *sym;
	const Elf64_Ehdr *eh;
	const char *shstr, *str, *file = "";
	uint32_t cov = 0, nsym, i, j, n = 0;
	struct stat st;
	uint8_t *img;
	int fd;

	fd = open(ko, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		return kcov_unavailable(k, "cannot read the module's .ko");
	img = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (img == MAP_FAILED)
		return kcov_unavailable(k, "cannot map the module's .ko");
	eh = (const Elf64_Ehdr *)img;
	if ((size_t)st.st_size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shnum > 512 ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(*sh) > (uint64_t)st.st_size)
		goto bad;
	sh = (const Elf64_Shdr *)(img + eh->e_shoff);
	shstr = (const char *)img + sh[eh->e_shstrndx].sh_offset;
	for (i = 0; i < eh->e_shnum; i++) {
		const char *name = shstr + sh[i].sh_name;

		first_mach[i] = UINT64_MAX;
		if (sh[i].sh_type == SHT_SYMTAB)
			symtab = &sh[i];
		if ((sh[i].sh_flags & SHF_EXECINSTR) && strncmp(name, ".init", 5) &&
		    strncmp(name, ".exit", 5))
			base[i] = kcov_section_base(name);
	}
	if (!symtab || symtab->sh_link >= eh->e_shnum)
		goto bad;
	sym = (const Elf64_Sym *)(img + symtab->sh_offset);
	nsym = symtab->sh_size / sizeof(*sym);
	str = (const char *)img + sh[symtab->sh_link].sh_offset;
	for (i = 1; i < nsym; i++) {
		const char *name = str + sym[i].st_name;

		if (ELF64_ST_TYPE(sym[i].st_info) == STT_FILE) {
			file = name;
			k->nmach_known = 1;
		}
		else if (!strcmp(name, "__sanitizer_cov_trace_pc"))
			cov = i;
		else if (ELF64_ST_TYPE(sym[i].st_info) == STT_FUNC &&
			 ELF64_ST_BIND(sym[i].st_info) == STB_LOCAL &&
			 sym[i].st_shndx < eh->e_shnum && !kcov_personality_file(file) &&
			 sym[i].st_value < first_mach[sym[i].st_shndx])
			first_mach[sym[i].st_shndx] = sym[i].st_value;
	}
	if (!cov)
		goto none;
	tmp = malloc(sizeof(*tmp) * KCOV_MAX_SITES);
	if (!tmp)
		goto bad;
	for (i = 0; i < eh->e_shnum; i++) {
		const Elf64_Rela *r = (const Elf64_Rela *)(img + sh[i].sh_offset);
		uint32_t t = sh[i].sh_info;

		if (sh[i].sh_type != SHT_RELA || t >= eh->e_shnum || !base[t])
			continue;
		for (j = 0; j < sh[i].sh_size / sizeof(*r) && n < KCOV_MAX_SITES; j++) {
			if (ELF64_R_SYM(r[j].r_info) != cov)
				continue;
			tmp[n].pc = base[t] + r[j].r_offset + 4;
			tmp[n++].mach = r[j].r_offset >= first_mach[t];
		}
	}
	munmap(img, st.st_size);
	qsort(tmp, n, sizeof(*tmp), kcov_site_cmp);
	for (i = 0; i < n; i++) {
		k->site[i] = tmp[i].pc;
		k->is_mach[i] = k->nmach_known && tmp[i].mach;
		k->nmach += k->is_mach[i];
	}
	free(tmp);
	k->nsites = n;
	if (!n)
		return kcov_unavailable(k, "machina.ko has no KCOV points in loaded sections");
	k->state = 1;
	return 0;
none:
	munmap(img, st.st_size);
	return kcov_unavailable(k, "machina.ko is not built with KCOV instrumentation");
bad:
	munmap(img, st.st_size);
	return kcov_unavailable(k, "machina.ko: not an ELF64 module");
}

/*
 * Make the block ready once, as root, before the fuzzing children fork:
 * KCOV present, the module's points found.  0 or -1 (k->why).
 */
static int kcov_prepare(struct kcov_shared *k)
{
	const char *ko = getenv("MACHINA_KO");

	if (k->state)
		return k->state > 0 ? 0 : -1;
	if (access(KCOV_PATH, R_OK | W_OK))
		return kcov_unavailable(k, "no " KCOV_PATH);
	return kcov_load_sites(k, ko ? ko : "/lib/machina/machina.ko");
}

/* Index of the point at @pc, or -1. */
static long kcov_find(const struct kcov_shared *k, uint64_t pc)
{
	long lo = 0, hi = (long)k->nsites - 1;

	while (lo <= hi) {
		long mid = (lo + hi) / 2;

		if (k->site[mid] == pc)
			return mid;
		if (k->site[mid] < pc)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/*
 * The KASLR offset KCOV took off its PCs: 0 if a PC of the call is a
 * module point, else the offset (a multiple of 4 KiB) that puts most of
 * the call's first PCs on module points.
 * Conditions: @trace holds the PCs of a call that ran module code.
 */
static void kcov_calibrate(struct kcov_shared *k, const uint64_t *trace,
			   uint64_t n)
{
	uint64_t best = 0, *d, i, j, m = 0, run, best_run = 0;

	for (i = 0; i < n; i++)
		if (kcov_find(k, trace[i]) >= 0)
			goto found;
	if (n > 64)
		n = 64;
	d = malloc(sizeof(*d) * (1u << 16));
	if (!d)
		return;
	/* Every page-aligned offset that puts one of the PCs on a point. */
	for (i = 0; i < n; i++)
		for (j = 0; j < k->nsites && m < (1u << 16); j++)
			if (!((k->site[j] - trace[i]) & 0xfff))
				d[m++] = k->site[j] - trace[i];
	qsort(d, m, sizeof(*d), kcov_site_cmp);
	for (i = 0; i < m; i += run) {
		for (run = 1; i + run < m && d[i + run] == d[i]; run++)
			;
		if (run > best_run) {
			best_run = run;
			best = d[i];
		}
	}
	free(d);
	if (best_run < 2)
		return;
found:
	k->delta = best;
	k->calibrated = 1;
}

/* A KCOV trace of the calling thread. */
struct kcov_trace {
	int fd;
	uint64_t *area;
};

/*
 * Open KCOV for this thread (as root: debugfs), before dropping privileges;
 * kcov_start() enables it afterwards.  0, or -1 (no tracing).
 */
static int kcov_open(struct kcov_trace *t)
{
	t->fd = open(KCOV_PATH, O_RDWR | O_CLOEXEC);
	t->area = MAP_FAILED;
	if (t->fd < 0)
		return -1;
	if (ioctl(t->fd, KCOV_INIT_TRACE, (unsigned long)KCOV_WORDS) == 0)
		t->area = mmap(NULL, KCOV_WORDS * sizeof(uint64_t),
			       PROT_READ | PROT_WRITE, MAP_SHARED, t->fd, 0);
	if (t->area == MAP_FAILED) {
		close(t->fd);
		t->fd = -1;
		return -1;
	}
	return 0;
}

static int kcov_start(struct kcov_trace *t)
{
	if (t->fd < 0 || ioctl(t->fd, KCOV_ENABLE, KCOV_TRACE_PC_MODE)) {
		t->fd = -1;
		return -1;
	}
	return 0;
}

static void kcov_reset(struct kcov_trace *t)
{
	if (t->fd >= 0)
		__atomic_store_n(&t->area[0], 0, __ATOMIC_RELAXED);
}

/*
 * Fold the trace since kcov_reset() into the map.  Returns how many module
 * points were hit for the first time.
 */
static unsigned int kcov_collect(struct kcov_shared *k, struct kcov_trace *t)
{
	uint64_t n, i;
	unsigned int fresh = 0;
	long idx;

	if (t->fd < 0)
		return 0;
	n = __atomic_load_n(&t->area[0], __ATOMIC_RELAXED);
	if (n >= KCOV_WORDS)
		n = KCOV_WORDS - 1;
	if (!k->calibrated)
		kcov_calibrate(k, t->area + 1, n);
	for (i = 1; i <= n; i++) {
		idx = kcov_find(k, t->area[i] + k->delta);
		if (idx >= 0 && !k->hit[idx]) {
			k->hit[idx] = 1;
			fresh++;
		}
	}
	return fresh;
}

/* Points hit, of mach/ (@mach) or of the whole module. */
static unsigned int kcov_hits(const struct kcov_shared *k, int mach)
{
	unsigned int i, n = 0;

	for (i = 0; i < k->nsites; i++)
		n += k->hit[i] && (!mach || k->is_mach[i]);
	return n;
}

#endif /* _KCOV_COVER_H */
