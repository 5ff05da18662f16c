// SPDX-License-Identifier: GPL-2.0
/*
 * machina-vmmap PID: the regions of a task, the way macOS vmmap prints them
 * in outline, walked with mach_vm_region_recurse on the task's control
 * port (task_for_pid: the caller must be allowed to ptrace-attach to PID).
 *
 *   REGION TYPE      START-END                          [ VSIZE  RSDNT] PRT/MAX SHRMOD DETAIL
 *
 * REGION TYPE comes from the region's tag (VM_MAKE_TAG), "mapped file" for
 * file-backed memory, "VM_ALLOCATE" otherwise; DETAIL is the path Linux
 * shows in /proc/PID/maps, when the caller may read it.  Sizes are in K.
 * "self" or no argument: the tool's own task.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mach/mach.h>
#include <mach/mach_vm.h>

/* Names of the tags Machina and common Darwin code use (vm_statistics.h). */
static const char *tag_name(unsigned int tag)
{
	switch (tag) {
	case 1: return "MALLOC";
	case 2: return "MALLOC_SMALL";
	case 3: return "MALLOC_LARGE";
	case 4: return "MALLOC_HUGE";
	case 7: return "MALLOC_TINY";
	case 30: return "Stack";
	case 31: return "Stack Guard";
	case 32: return "shared pmap";
	case 33: return "dylib";
	case 60: return "dyld";
	}
	return NULL;
}

static const char *share_name(unsigned char mode)
{
	switch (mode) {
	case SM_COW: return "COW";
	case SM_PRIVATE: return "PRV";
	case SM_EMPTY: return "NUL";
	case SM_SHARED: return "SHM";
	case SM_TRUESHARED: return "TRU";
	case SM_PRIVATE_ALIASED: return "ALI";
	case SM_SHARED_ALIASED: return "S/A";
	case SM_LARGE_PAGE: return "LPG";
	}
	return "???";
}

static void prot_str(vm_prot_t prot, char *s)
{
	s[0] = (prot & VM_PROT_READ) ? 'r' : '-';
	s[1] = (prot & VM_PROT_WRITE) ? 'w' : '-';
	s[2] = (prot & VM_PROT_EXECUTE) ? 'x' : '-';
	s[3] = 0;
}

/* The path /proc/PID/maps shows for the region starting at @start, or "". */
static void detail_of(FILE *maps, mach_vm_address_t start, char *out,
		      size_t len)
{
	char line[4096];
	unsigned long long s, e;
	int off = 0;

	out[0] = 0;
	if (!maps)
		return;
	rewind(maps);
	while (fgets(line, sizeof(line), maps)) {
		if (sscanf(line, "%llx-%llx %*s %*s %*s %*s %n", &s, &e, &off) < 2)
			continue;
		if (s != start || !off)
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(out, len, "%s", line + off);
		return;
	}
}

int main(int argc, char **argv)
{
	mach_port_t task = mach_task_self();
	mach_vm_address_t addr = 0;
	mach_vm_size_t size = 0;
	unsigned long long vtotal = 0, rtotal = 0;
	char path[64], detail[4096];
	kern_return_t kr;
	FILE *maps;
	int pid = getpid(), n = 0;

	if (argc > 2) {
		fprintf(stderr, "usage: %s [PID|self]\n", argv[0]);
		return 2;
	}
	if (argc == 2 && strcmp(argv[1], "self")) {
		pid = atoi(argv[1]);
		kr = task_for_pid(mach_task_self(), pid, &task);
		if (kr != KERN_SUCCESS) {
			fprintf(stderr, "%s: task_for_pid(%d): %s\n", argv[0],
				pid, mach_error_string(kr));
			return 1;
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = fopen(path, "r");
	printf("Process:         [%d]\n", pid);
	printf("Page size:       %lu\n\n", (unsigned long)vm_page_size);
	printf("==== regions\n");
	printf("%-18s %-33s [ %7s %7s] %-7s %-6s %s\n", "REGION TYPE",
	       "START-END", "VSIZE", "RSDNT", "PRT/MAX", "SHRMOD", "DETAIL");
	for (;;) {
		vm_region_submap_info_data_64_t info;
		mach_msg_type_number_t count = VM_REGION_SUBMAP_INFO_COUNT_64;
		natural_t depth = 0;
		char cur[4], max[4], range[40];
		const char *type;

		kr = mach_vm_region_recurse(task, &addr, &size, &depth,
					    (vm_region_recurse_info_t)&info,
					    &count);
		if (kr == KERN_INVALID_ADDRESS)
			break;
		if (kr != KERN_SUCCESS) {
			fprintf(stderr, "mach_vm_region_recurse: %s\n",
				mach_error_string(kr));
			return 1;
		}
		type = tag_name(info.user_tag);
		if (!type)
			type = info.external_pager ? "mapped file" : "VM_ALLOCATE";
		prot_str(info.protection, cur);
		prot_str(info.max_protection, max);
		snprintf(range, sizeof(range), "%016llx-%016llx",
			 (unsigned long long)addr,
			 (unsigned long long)(addr + size));
		detail_of(maps, addr, detail, sizeof(detail));
		printf("%-18s %-33s [ %6lluK %6lluK] %s/%s SM=%s %s\n", type,
		       range, (unsigned long long)size >> 10,
		       ((unsigned long long)info.pages_resident * vm_page_size) >> 10,
		       cur, max, share_name(info.share_mode), detail);
		vtotal += size;
		rtotal += (unsigned long long)info.pages_resident * vm_page_size;
		n++;
		addr += size;
	}
	printf("\n%d regions, %lluK virtual, %lluK resident\n", n, vtotal >> 10,
	       rtotal >> 10);
	if (maps)
		fclose(maps);
	return 0;
}
