// SPDX-License-Identifier: GPL-2.0
/*
 * Mach VM, slice 1 (issue 10): mach_vm_allocate, deallocate, protect, read,
 * read_overwrite, write and region (VM_REGION_BASIC_INFO_64) on the
 * caller's own task and on other tasks: a child's task from task_for_pid
 * and one received in a message.
 *
 * Checked: XNU's error table (flags, size 0, FIXED collisions, ranges that
 * wrap, holes, protections and maximums), that a refused call changes
 * nothing, contents across protect, page sizes from the kernel (4K and
 * 16K), name ports refused, another task's RLIMIT_AS, and as user nobody:
 * no mapping below mmap_min_addr in a child (the worker maps with the
 * caller's credentials), no port to another user's or a setuid process,
 * exec ending a port, a target killed while calls run.
 */
#define _GNU_SOURCE
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vm_test.h"

#define NOBODY 65534

static char *self_exe;

/* ---- helpers ------------------------------------------------------------- */

/* The protection of the region holding @addr (exactly there), or -1. */
static int prot_at(mach_port_t task, mach_vm_address_t addr, int *max)
{
	vm_region_basic_info_data_64_t info;

	if (region_of(task, addr, &info))
		return -1;
	if (max)
		*max = info.max_protection;
	return info.protection;
}

/*
 * Does writing one byte at @p fault (SIGSEGV/SIGBUS), tried in a child?
 * The byte written is the one there, and the child's write lands in its
 * own copy (VM_INHERIT_COPY, the default).
 */
static int write_faults(volatile char *p)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		*p = *p;
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) &&
	       (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS);
}

/*
 * A child that serves its own memory to the test: each request (address,
 * length, seed) is answered 'Y' when that memory holds fill_pattern(seed)
 * (0 when it is not mapped readable it answers 'N' or dies); address 0
 * ends it.  It first reports 'R' once it is ready.
 */
struct req {
	uint64_t addr;
	uint32_t len;
	uint32_t seed;
};

struct child {
	pid_t pid;
	int sock;
};

static void child_serve(int sock)
{
	struct req r;
	char c;

	c = 'R';
	if (write(sock, &c, 1) != 1)
		_exit(2);
	while (read(sock, &r, sizeof(r)) == sizeof(r) && r.addr) {
		c = check_pattern((void *)(uintptr_t)r.addr, r.len, r.seed) ?
			    'Y' :
			    'N';
		if (write(sock, &c, 1) != 1)
			break;
	}
	_exit(0);
}

static int child_start(struct child *ch)
{
	char c;

	ch->pid = mt_fork_socket(&ch->sock);
	if (ch->pid < 0)
		return -1;
	if (ch->pid == 0)
		child_serve(ch->sock);
	return read(ch->sock, &c, 1) == 1 && c == 'R' ? 0 : -1;
}

/* Ask the child whether it sees pattern @seed at [addr, addr + len). */
static char child_sees(struct child *ch, uint64_t addr, uint32_t len,
		       uint32_t seed)
{
	struct req r = { addr, len, seed };
	char c = 0;

	if (write(ch->sock, &r, sizeof(r)) != sizeof(r) ||
	    read(ch->sock, &c, 1) != 1)
		return 0;
	return c;
}

static int child_end(struct child *ch)
{
	close(ch->sock);
	return mt_wait_exit(ch->pid);
}

/* ---- the caller's own task: allocate, deallocate ---------------------------- */

TEST(allocate_anywhere_is_zeroed_read_write_pages)
{
	size_t pg = page_size();
	mach_vm_address_t a = 0, r;
	mach_vm_size_t s = 0;
	vm_region_basic_info_data_64_t info;

	IPC_REQUIRE();
	ASSERT_EQ(pg, (size_t)vm_page_size);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_allocate(SELF, &a, 100, VM_FLAGS_ANYWHERE));
	ASSERT_NE(0, a);
	EXPECT_EQ(0, a & (pg - 1));
	EXPECT_EQ(0, ((char *)a)[99]);
	EXPECT_EQ(0, ((char *)a)[pg - 1]);
	fill_pattern((void *)a, pg, 3);
	EXPECT_TRUE(check_pattern((void *)a, pg, 3));
	r = a;
	ASSERT_EQ(KERN_SUCCESS, region_at(SELF, &r, &s, &info));
	EXPECT_EQ(a, r);
	EXPECT_EQ(pg, s);
	EXPECT_EQ(VM_PROT_DEFAULT, info.protection);
	EXPECT_EQ(VM_PROT_ALL, info.max_protection);
	EXPECT_EQ(0, info.offset);
	EXPECT_EQ(0, info.user_wired_count);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a + 5, 1));
	EXPECT_FALSE(is_mapped((void *)a, pg));
}

TEST(allocate_error_table)
{
	size_t pg = page_size();
	mach_vm_address_t a = 0, b;
	mach_port_t name_port = MACH_PORT_NULL;

	IPC_REQUIRE();
	/* Flags XNU's mach_vm_allocate never accepts. */
	b = 0;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_allocate(SELF, &b, pg, VM_FLAGS_ANYWHERE | 0x20));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_allocate(SELF, &b, pg,
				   VM_FLAGS_ANYWHERE | VM_FLAGS_RETURN_DATA_ADDR));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_allocate(SELF, &b, pg,
				   VM_FLAGS_ANYWHERE | VM_FLAGS_OVERWRITE));
	/* Known to XNU, not done by Machina yet. */
	EXPECT_EQ(KERN_NOT_SUPPORTED,
		  mach_vm_allocate(SELF, &b, pg,
				   VM_FLAGS_ANYWHERE | VM_FLAGS_4GB_CHUNK));
	/* Size 0 succeeds at address 0; a size that wraps when rounded does not. */
	b = 12345;
	EXPECT_EQ(KERN_SUCCESS, mach_vm_allocate(SELF, &b, 0, VM_FLAGS_ANYWHERE));
	EXPECT_EQ(0, b);
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_allocate(SELF, &b, UINT64_MAX, VM_FLAGS_ANYWHERE));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_allocate(SELF, &b, UINT64_MAX - pg + 2,
				   VM_FLAGS_ANYWHERE));
	/* No room for it. */
	EXPECT_EQ(KERN_NO_SPACE,
		  mach_vm_allocate(SELF, &b, 1ULL << 62, VM_FLAGS_ANYWHERE));
	/* FIXED over a taken range, FIXED past the task's addresses. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_allocate(SELF, &a, 3 * pg, VM_FLAGS_ANYWHERE));
	b = a + pg;
	EXPECT_EQ(KERN_NO_SPACE, mach_vm_allocate(SELF, &b, pg, VM_FLAGS_FIXED));
	b = 1ULL << 62;
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_allocate(SELF, &b, pg, VM_FLAGS_FIXED));
	/* OVERWRITE replaces it with zeroes; an unaligned FIXED address is truncated. */
	fill_pattern((void *)a, 3 * pg, 9);
	b = a + pg + 17;
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_allocate(SELF, &b, 1,
				   VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE));
	EXPECT_EQ(a + pg, b);
	EXPECT_EQ(0, ((char *)b)[0]);
	EXPECT_TRUE(check_pattern((void *)a, pg, 9));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, 3 * pg));
	/* FIXED into the hole it left, with a tag. */
	b = a + 2 * pg + 1;
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_allocate(SELF, &b, pg,
				   VM_FLAGS_FIXED | VM_MAKE_TAG(200)));
	EXPECT_EQ(a + 2 * pg, b);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, b, pg));

	/* Not a control port. */
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  mach_vm_allocate(MACH_PORT_NULL, &b, pg, VM_FLAGS_ANYWHERE));
	ASSERT_EQ(KERN_SUCCESS, task_name_for_pid(SELF, getpid(), &name_port));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_allocate(name_port, &b, pg, VM_FLAGS_ANYWHERE));
	mach_port_deallocate(SELF, name_port);
}

TEST(deallocate_error_table)
{
	size_t pg = page_size();
	mach_vm_address_t a = 0, r;
	mach_vm_size_t s;
	vm_region_basic_info_data_64_t info;

	IPC_REQUIRE();
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, 0x1000, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_deallocate(SELF, UINT64_MAX - pg, 2 * pg));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_deallocate(SELF, 2 * pg, UINT64_MAX - pg));
	/* Nothing mapped there, and past the task's addresses: no error. */
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, 1ULL << 62, pg));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_allocate(SELF, &a, 3 * pg, VM_FLAGS_ANYWHERE));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a + pg, pg));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a + pg, pg));
	r = a + pg;
	ASSERT_EQ(KERN_SUCCESS, region_at(SELF, &r, &s, &info));
	EXPECT_EQ(a + 2 * pg, r);
	EXPECT_EQ(pg, s);
	/* The object's offset of the upper half. */
	EXPECT_EQ(2 * pg, info.offset);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, 3 * pg));
	EXPECT_FALSE(is_mapped((void *)a, pg));
	EXPECT_FALSE(is_mapped((void *)(a + 2 * pg), pg));
}

/* ---- protect ---------------------------------------------------------------- */

TEST(protect_changes_protection_and_keeps_contents)
{
	size_t pg = page_size();
	mach_vm_address_t a;
	int max = -1;

	IPC_REQUIRE();
	a = alloc_pattern(3 * pg, 21);
	ASSERT_NE(0, a);
	/* The middle page only: the region splits in three. */
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_protect(SELF, a + pg + 5, 1, FALSE, VM_PROT_READ));
	EXPECT_EQ(VM_PROT_DEFAULT, prot_at(SELF, a, NULL));
	EXPECT_EQ(VM_PROT_READ, prot_at(SELF, a + pg, &max));
	EXPECT_EQ(VM_PROT_ALL, max);
	EXPECT_EQ(VM_PROT_DEFAULT, prot_at(SELF, a + 2 * pg, NULL));
	EXPECT_TRUE(check_pages((void *)a, 3 * pg, 21));
	EXPECT_EQ(1, write_faults((char *)a + pg));
	EXPECT_EQ(0, write_faults((char *)a));
	/* Back to read-write; then no access at all. */
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_protect(SELF, a, 3 * pg, FALSE, VM_PROT_DEFAULT));
	EXPECT_EQ(0, write_faults((char *)a + pg));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_protect(SELF, a, pg, FALSE, VM_PROT_NONE));
	EXPECT_EQ(VM_PROT_NONE, prot_at(SELF, a, NULL));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_protect(SELF, a, pg, FALSE, VM_PROT_DEFAULT));
	EXPECT_TRUE(check_pages((void *)a, 3 * pg, 21));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, 3 * pg));
}

TEST(protect_maximum_holds_against_mach_and_mprotect)
{
	size_t pg = page_size();
	mach_vm_address_t a;
	int max = -1;

	IPC_REQUIRE();
	a = alloc_pattern(3 * pg, 5);
	ASSERT_NE(0, a);
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_protect(SELF, a + 2 * pg, pg, TRUE, VM_PROT_READ));
	EXPECT_EQ(VM_PROT_READ, prot_at(SELF, a + 2 * pg, &max));
	EXPECT_EQ(VM_PROT_READ, max);
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_vm_protect(SELF, a + 2 * pg, pg, FALSE, VM_PROT_DEFAULT));
	/* Refused as a whole: the first two pages are not changed either. */
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_vm_protect(SELF, a, 3 * pg, FALSE,
				  VM_PROT_READ | VM_PROT_EXECUTE));
	EXPECT_EQ(VM_PROT_DEFAULT, prot_at(SELF, a, NULL));
	EXPECT_EQ(VM_PROT_DEFAULT, prot_at(SELF, a + pg, NULL));
	/* Linux's mprotect(2) cannot pass the maximum either. */
	EXPECT_EQ(-1, mprotect((void *)(a + 2 * pg), pg, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(1, write_faults((char *)a + 2 * pg));
	EXPECT_TRUE(check_pages((void *)a, 3 * pg, 5));
	/*
	 * VM_PROT_COPY works on memory fork children got copies of (the
	 * children above); vm_inherit_test checks what it copies.
	 */
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_protect(SELF, a + 2 * pg, pg, FALSE,
				  VM_PROT_COPY | VM_PROT_READ | VM_PROT_WRITE));
	EXPECT_TRUE(check_pages((void *)a, 3 * pg, 5));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, 3 * pg));
	a = 0;
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(SELF, &a, pg, VM_FLAGS_ANYWHERE));
	fill_pattern((void *)a, pg, 6);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_protect(SELF, a, pg, TRUE, VM_PROT_READ));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_protect(SELF, a, pg, FALSE,
				  VM_PROT_COPY | VM_PROT_READ | VM_PROT_WRITE));
	EXPECT_EQ(VM_PROT_DEFAULT, prot_at(SELF, a, &max));
	EXPECT_EQ(VM_PROT_READ | VM_PROT_WRITE, max);
	EXPECT_TRUE(check_pattern((void *)a, pg, 6));
	((volatile char *)a)[0] = 1;
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, pg));
}

TEST(protect_error_table)
{
	size_t pg = page_size();
	mach_vm_address_t a = 0;
	void *anon;

	IPC_REQUIRE();
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_allocate(SELF, &a, 2 * pg, VM_FLAGS_ANYWHERE));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_protect(SELF, a, 0, FALSE, VM_PROT_NONE));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_protect(SELF, a, pg, FALSE, 0x20));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_protect(SELF, a, UINT64_MAX, FALSE, VM_PROT_READ));
	/* A hole after the region: nothing changes. */
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a + pg, pg));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_protect(SELF, a, 2 * pg, FALSE, VM_PROT_READ));
	EXPECT_EQ(VM_PROT_DEFAULT, prot_at(SELF, a, NULL));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_protect(SELF, 1ULL << 62, pg, FALSE, VM_PROT_READ));
	/* Memory that is not Mach VM's cannot be re-protected (slice 5). */
	anon = map_pages(pg);
	ASSERT_NE(NULL, anon);
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_vm_protect(SELF, (uintptr_t)anon, pg, FALSE,
				  VM_PROT_READ));
	munmap(anon, pg);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, pg));
}

/* ---- read, read_overwrite, write -------------------------------------------- */

TEST(read_gives_a_copy_at_the_same_page_offset)
{
	size_t pg = page_size();
	mach_vm_address_t a = 0;
	vm_offset_t data = 0;
	mach_msg_type_number_t cnt = 0;

	IPC_REQUIRE();
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_allocate(SELF, &a, 3 * pg, VM_FLAGS_ANYWHERE));
	fill_pattern((void *)(a + 100), 2 * pg, 77);
	ASSERT_EQ(KERN_SUCCESS, mach_vm_read(SELF, a + 100, 2 * pg, &data, &cnt));
	EXPECT_EQ(2 * pg, cnt);
	EXPECT_EQ(100, data & (pg - 1));
	EXPECT_TRUE(check_pattern((void *)data, 2 * pg, 77));
	/* A copy: later writes on either side stay there. */
	memset((void *)(a + 100), 0, 10);
	EXPECT_TRUE(check_pattern((void *)data, 2 * pg, 77));
	EXPECT_EQ(VM_PROT_DEFAULT, prot_at(SELF, data, NULL));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, data, cnt));
	EXPECT_FALSE(is_mapped((void *)(data & ~(pg - 1)), pg));

	data = 1;
	EXPECT_EQ(KERN_SUCCESS, mach_vm_read(SELF, a, 0, &data, &cnt));
	EXPECT_EQ(0, data);
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_read(SELF, a, 1ULL << 32, &data, &cnt));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_read(SELF, UINT64_MAX - 10, 100, &data, &cnt));
	/* A hole, unreadable memory. */
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a + 2 * pg, pg));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_read(SELF, a + pg, 2 * pg, &data, &cnt));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_protect(SELF, a + pg, pg, FALSE,
						VM_PROT_NONE));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_vm_read(SELF, a, 2 * pg, &data, &cnt));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, 2 * pg));
}

TEST(read_overwrite_and_write_error_table)
{
	size_t pg = page_size();
	mach_vm_address_t a = 0, b = 0;
	mach_vm_size_t out = 0;
	char *buf = map_pages(2 * pg);

	IPC_REQUIRE();
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_allocate(SELF, &a, 2 * pg, VM_FLAGS_ANYWHERE));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_allocate(SELF, &b, 2 * pg, VM_FLAGS_ANYWHERE));
	fill_pattern((void *)a, 2 * pg, 1);
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_read_overwrite(SELF, a + 3, pg, (uintptr_t)buf + 7,
					 &out));
	EXPECT_EQ(pg, out);
	EXPECT_EQ(0, memcmp(buf + 7, (void *)(a + 3), pg));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_read_overwrite(SELF, a, 0, 0, &out));

	fill_pattern(buf, 2 * pg, 2);
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_write(SELF, b + 1, (vm_offset_t)buf, pg + 10));
	EXPECT_EQ(0, memcmp((void *)(b + 1), buf, pg + 10));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_write(SELF, b, 0, 0));

	/* Destination read-only: refused before anything is written. */
	fill_pattern((void *)b, 2 * pg, 3);
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_protect(SELF, b + pg, pg, FALSE, VM_PROT_READ));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_vm_write(SELF, b, (vm_offset_t)buf, 2 * pg));
	EXPECT_TRUE(check_pattern((void *)b, 2 * pg, 3));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_vm_read_overwrite(SELF, a, 2 * pg, b, &out));
	EXPECT_TRUE(check_pattern((void *)b, 2 * pg, 3));
	/* The caller's bytes unreadable: the message would not have gone. */
	EXPECT_EQ(MACH_SEND_INVALID_MEMORY,
		  mach_vm_write(SELF, b, (vm_offset_t)8, 16));
	/* Holes in the target. */
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a + pg, pg));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_write(SELF, a, (vm_offset_t)buf, 2 * pg));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_read_overwrite(SELF, a, 2 * pg, (uintptr_t)buf, &out));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_read_overwrite(SELF, UINT64_MAX - 4, 8,
					 (uintptr_t)buf, &out));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, pg));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, b, 2 * pg));
	munmap(buf, 2 * pg);
}

/* ---- region ------------------------------------------------------------------ */

TEST(region_error_table)
{
	size_t pg = page_size();
	mach_vm_address_t a = 0, r;
	mach_vm_size_t s;
	vm_region_basic_info_data_64_t info;
	mach_msg_type_number_t count;
	mach_port_t obj;
	void *anon;

	IPC_REQUIRE();
	/* An unknown flavor (vm_info_test has the others), too small a count. */
	r = 0;
	count = 64;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_region(SELF, &r, &s, 14, (vm_region_info_t)&info,
				 &count, &obj));
	count = VM_REGION_BASIC_INFO_COUNT_64 - 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_region(SELF, &r, &s, VM_REGION_BASIC_INFO_64,
				 (vm_region_info_t)&info, &count, &obj));
	/* Past the last region. */
	r = UINT64_MAX - pg;
	EXPECT_EQ(KERN_INVALID_ADDRESS, region_at(SELF, &r, &s, &info));
	/* An address in a hole finds the next region. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_allocate(SELF, &a, 3 * pg, VM_FLAGS_ANYWHERE));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a, pg));
	r = a;
	ASSERT_EQ(KERN_SUCCESS, region_at(SELF, &r, &s, &info));
	EXPECT_EQ(a + pg, r);
	EXPECT_EQ(2 * pg, s);
	EXPECT_EQ(pg, info.offset);
	EXPECT_EQ(VM_INHERIT_COPY, info.inheritance);
	/* Linux's own memory is described as Linux holds it. */
	anon = map_pages(pg);
	ASSERT_NE(NULL, anon);
	ASSERT_EQ(0, mprotect(anon, pg, PROT_READ));
	r = (uintptr_t)anon;
	ASSERT_EQ(KERN_SUCCESS, region_at(SELF, &r, &s, &info));
	EXPECT_EQ((uintptr_t)anon, r);
	EXPECT_EQ(VM_PROT_READ, info.protection);
	EXPECT_EQ(VM_PROT_ALL, info.max_protection);
	EXPECT_EQ(VM_INHERIT_COPY, info.inheritance);
	EXPECT_EQ(0, info.shared);
	munmap(anon, pg);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, a + pg, 2 * pg));
}

/* ---- another task ------------------------------------------------------------ */

/* Everything on @task, the control port of @ch. */
static void remote_round(struct __test_metadata *_metadata, mach_port_t task,
			 struct child *ch)
{
	size_t pg = page_size();
	mach_vm_address_t a = 0, r;
	mach_vm_size_t s, out = 0;
	vm_region_basic_info_data_64_t info;
	vm_offset_t data = 0;
	mach_msg_type_number_t cnt = 0;
	char *buf = map_pages(4 * pg);

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_allocate(task, &a, 4 * pg, VM_FLAGS_ANYWHERE));
	r = a;
	ASSERT_EQ(KERN_SUCCESS, region_at(task, &r, &s, &info));
	EXPECT_EQ(a, r);
	EXPECT_EQ(4 * pg, s);
	EXPECT_EQ(VM_PROT_DEFAULT, info.protection);

	fill_pattern(buf, 4 * pg, 44);
	ASSERT_EQ(KERN_SUCCESS, mach_vm_write(task, a, (vm_offset_t)buf, 4 * pg));
	EXPECT_EQ('Y', child_sees(ch, a, 4 * pg, 44));
	memset(buf, 0, 4 * pg);
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_read_overwrite(task, a, 4 * pg, (uintptr_t)buf, &out));
	EXPECT_TRUE(check_pattern(buf, 4 * pg, 44));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_read(task, a + 1, 2 * pg, &data, &cnt));
	EXPECT_EQ(1, data & (pg - 1));
	EXPECT_EQ(0, memcmp((void *)data, buf + 1, 2 * pg));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, data, cnt));

	/* Protect in the child: its contents stay, writes are refused. */
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_protect(task, a + pg, pg, FALSE, VM_PROT_READ));
	EXPECT_EQ(VM_PROT_READ, prot_at(task, a + pg, NULL));
	EXPECT_EQ('Y', child_sees(ch, a, 4 * pg, 44));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_vm_write(task, a + pg, (vm_offset_t)buf, 8));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_protect(task, a, pg, TRUE, VM_PROT_NONE));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_vm_read_overwrite(task, a, 8, (uintptr_t)buf, &out));

	/* FIXED into the child, colliding and not. */
	r = a;
	EXPECT_EQ(KERN_NO_SPACE, mach_vm_allocate(task, &r, pg, VM_FLAGS_FIXED));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(task, a, 4 * pg));
	r = a;
	EXPECT_EQ(KERN_SUCCESS, region_at(task, &r, &s, &info));
	EXPECT_NE(a, r);
	r = a + pg;
	EXPECT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &r, pg, VM_FLAGS_FIXED));
	EXPECT_EQ(a + pg, r);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(task, r, pg));
	munmap(buf, 4 * pg);
}

/*
 * Darwin's MIG user stubs (and the traps behind mach_vm_allocate and
 * mach_vm_map) copy a reply's out-parameters out only when the call
 * succeeds: every libmach VM call that fails leaves them as the caller
 * set them.
 */
TEST(failed_calls_leave_out_parameters_alone)
{
	const mach_vm_address_t none = 1ULL << 62;	/* nothing mapped */
	const uint64_t mark = 0x5a5a5a5a5aULL;
	size_t pg = page_size();
	mach_vm_address_t addr, hole, r = alloc_pattern(2 * pg, 3);
	mach_vm_size_t size, outsize;
	memory_object_size_t esize;
	vm_address_t vaddr;
	vm_size_t vsize;
	mach_port_t h, obj;
	vm_prot_t cur, max;
	natural_t depth;
	integer_t disp, ref;
	vm_offset_t data;
	mach_msg_type_number_t count;
	vm_region_basic_info_data_64_t info;
	vm_region_submap_info_data_64_t sub;
	mach_vm_read_entry_t list;
	int state;

	IPC_REQUIRE();
	ASSERT_NE(0, r);
	hole = r + pg;
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(SELF, hole, pg));

	/* Allocation: a wrapping size; the FIXED address is taken. */
	addr = mark;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_allocate(SELF, &addr, ~0ULL, VM_FLAGS_ANYWHERE));
	EXPECT_EQ(mark, addr);
	vaddr = r;
	EXPECT_EQ(KERN_NO_SPACE,
		  vm_allocate(SELF, &vaddr, pg, VM_FLAGS_FIXED));
	EXPECT_EQ(r, vaddr);

	/* Memory entries: an unknown MAP_MEM_* flag. */
	esize = pg;
	h = 0x77;
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_make_memory_entry_64(SELF, &esize, r,
					    VM_PROT_READ | 0x1000, &h,
					    MACH_PORT_NULL));
	EXPECT_EQ(pg, esize);
	EXPECT_EQ(0x77, h);
	vsize = 3;
	h = 0x77;
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_make_memory_entry(SELF, &vsize, r, VM_PROT_READ | 0x1000,
					 &h, MACH_PORT_NULL));
	EXPECT_EQ(3, vsize);
	EXPECT_EQ(0x77, h);

	/* mach_vm_map / vm_map of a port that is no entry. */
	addr = mark;
	EXPECT_NE(KERN_SUCCESS,
		  mach_vm_map(SELF, &addr, pg, 0, VM_FLAGS_ANYWHERE, SELF, 0,
			      FALSE, VM_PROT_READ, VM_PROT_READ,
			      VM_INHERIT_DEFAULT));
	EXPECT_EQ(mark, addr);
	vaddr = mark;
	EXPECT_NE(KERN_SUCCESS,
		  vm_map(SELF, &vaddr, pg, 0, VM_FLAGS_ANYWHERE, SELF, 0,
			 FALSE, VM_PROT_READ, VM_PROT_READ, VM_INHERIT_DEFAULT));
	EXPECT_EQ(mark, vaddr);

	/* Remap of nothing mapped: address and both protections stay. */
	addr = mark;
	cur = max = 0x5a;
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_remap(SELF, &addr, pg, 0, VM_FLAGS_ANYWHERE, SELF,
				none, FALSE, &cur, &max, VM_INHERIT_DEFAULT));
	EXPECT_EQ(mark, addr);
	EXPECT_EQ(0x5a, cur);
	EXPECT_EQ(0x5a, max);
	vaddr = mark;
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  vm_remap(SELF, &vaddr, pg, 0, VM_FLAGS_ANYWHERE, SELF, none,
			   FALSE, &cur, &max, VM_INHERIT_DEFAULT));
	EXPECT_EQ(mark, vaddr);
	EXPECT_EQ(0x5a, cur);
	EXPECT_EQ(0x5a, max);

	/* Regions past the last one. */
	addr = none;
	size = mark;
	count = VM_REGION_BASIC_INFO_COUNT_64;
	obj = 0x77;
	memset(&info, 0x5a, sizeof(info));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_region(SELF, &addr, &size, VM_REGION_BASIC_INFO_64,
				 (vm_region_info_t)&info, &count, &obj));
	EXPECT_EQ(none, addr);
	EXPECT_EQ(mark, size);
	EXPECT_EQ(VM_REGION_BASIC_INFO_COUNT_64, count);
	EXPECT_EQ(0x77, obj);
	EXPECT_EQ(0x5a5a5a5a, info.protection);
	addr = none;
	size = mark;
	depth = 2;
	count = VM_REGION_SUBMAP_INFO_COUNT_64;
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_region_recurse(SELF, &addr, &size, &depth,
					 (vm_region_recurse_info_t)&sub,
					 &count));
	EXPECT_EQ(none, addr);
	EXPECT_EQ(mark, size);
	EXPECT_EQ(2, depth);
	EXPECT_EQ(VM_REGION_SUBMAP_INFO_COUNT_64, count);

	/* Reads of a hole. */
	data = mark;
	count = 9;
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_read(SELF, hole, pg, &data, &count));
	EXPECT_EQ(mark, data);
	EXPECT_EQ(9, count);
	outsize = mark;
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_read_overwrite(SELF, hole, pg, r, &outsize));
	EXPECT_EQ(mark, outsize);
	/*
	 * A list whose last entry fails: the status is that entry's, and
	 * the list is not copied back, the entry read before it included.
	 */
	memset(list, 0, sizeof(list));
	list[0].address = r;
	list[0].size = pg;
	list[1].address = none;	/* (the first read may fill the hole) */
	list[1].size = pg;
	EXPECT_NE(KERN_SUCCESS, mach_vm_read_list(SELF, list, 2));
	EXPECT_EQ(r, list[0].address);
	EXPECT_EQ(pg, list[0].size);
	EXPECT_EQ(none, list[1].address);
	EXPECT_EQ(pg, list[1].size);

	/* A page query through a name that is no right. */
	disp = ref = 0x5a;
	EXPECT_NE(KERN_SUCCESS, mach_vm_page_query(0x12345678, r, &disp, &ref));
	EXPECT_EQ(0x5a, disp);
	EXPECT_EQ(0x5a, ref);

	/* Purgeable control of memory that is not purgeable. */
	state = 0x5a;
	EXPECT_NE(KERN_SUCCESS,
		  mach_vm_purgable_control(SELF, r, VM_PURGABLE_GET_STATE,
					   &state));
	EXPECT_EQ(0x5a, state);
	mach_vm_deallocate(SELF, r, pg);
}

TEST(remote_task_from_task_for_pid)
{
	struct child ch;
	mach_port_t task = MACH_PORT_NULL, name = MACH_PORT_NULL;
	mach_vm_address_t a = 0;

	IPC_REQUIRE();
	ASSERT_EQ(0, child_start(&ch));
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, ch.pid, &task));
	remote_round(_metadata, task, &ch);
	/* The name port reaches none of the memory calls. */
	ASSERT_EQ(KERN_SUCCESS, task_name_for_pid(SELF, ch.pid, &name));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_allocate(name, &a, page_size(), VM_FLAGS_ANYWHERE));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_read_overwrite(name, (uintptr_t)&a, 8,
					 (uintptr_t)&a, NULL));
	{
		mach_vm_address_t r = 0;
		mach_vm_size_t s;
		vm_region_basic_info_data_64_t info;

		EXPECT_EQ(KERN_INVALID_ARGUMENT, region_at(name, &r, &s, &info));
		EXPECT_EQ(KERN_INVALID_ARGUMENT,
			  mach_vm_protect(name, 0x10000, 1, FALSE, VM_PROT_READ));
		EXPECT_EQ(KERN_INVALID_ARGUMENT,
			  mach_vm_deallocate(name, 0x10000, 1));
	}
	EXPECT_EQ(0, child_end(&ch));
	mach_port_deallocate(SELF, task);
	mach_port_deallocate(SELF, name);
}

TEST(remote_task_received_in_a_message)
{
	mach_port_t rcv = new_port_send(), task;
	struct child ch = { 0 };
	rcv_buf_t buf;
	any_desc_t d;
	int fd, sv[2];
	char c;

	IPC_REQUIRE();
	ASSERT_NE(MACH_PORT_NULL, rcv);
	ASSERT_EQ(KERN_SUCCESS, port_share(rcv, &fd));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ch.pid = fork();
	ASSERT_GE(ch.pid, 0);
	if (ch.pid == 0) {
		mach_port_t to = port_meet_child(fd);

		close(sv[0]);
		die_with_parent();
		/* The child sends its own task port; then serves its memory. */
		if (send_port(to, MACH_MSG_TYPE_COPY_SEND, 7, SELF,
			      MACH_MSG_TYPE_COPY_SEND))
			_exit(5);
		child_serve(sv[1]);
	}
	close(fd);
	close(sv[1]);
	ch.sock = sv[0];
	ASSERT_EQ(1, read(ch.sock, &c, 1));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(rcv, &buf, 5000));
	ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR, get_desc(&buf.header, 0, &d));
	task = d.port.name;
	ASSERT_NE(MACH_PORT_NULL, task);
	remote_round(_metadata, task, &ch);
	EXPECT_EQ(0, child_end(&ch));
	/* The task is gone: its port is a dead name. */
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  mach_vm_deallocate(task, 0x10000, page_size()));
	mach_port_deallocate(SELF, task);
	mach_port_mod_refs(SELF, rcv, MACH_PORT_RIGHT_RECEIVE, -1);
}

TEST(remote_allocate_honours_the_targets_address_space_limit)
{
	struct child ch;
	mach_port_t task = MACH_PORT_NULL;
	mach_vm_address_t a = 0;
	struct rlimit rl = { 1ULL << 30, 1ULL << 30 };

	IPC_REQUIRE();
	ASSERT_EQ(0, child_start(&ch));
	ASSERT_EQ(0, prlimit(ch.pid, RLIMIT_AS, &rl, NULL));
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, ch.pid, &task));
	EXPECT_EQ(KERN_NO_SPACE,
		  mach_vm_allocate(task, &a, 2ULL << 30, VM_FLAGS_ANYWHERE));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_allocate(task, &a, 1 << 20, VM_FLAGS_ANYWHERE));
	EXPECT_EQ(0, child_end(&ch));
	mach_port_deallocate(SELF, task);
}

/*
 * Pages of memory allocated in another task are charged to that task's
 * memory cgroup, also when the caller's write is what faults them in.
 */
TEST(remote_memory_is_charged_to_the_targets_cgroup)
{
	/* 32 MiB where nothing else runs; 8 MiB on the bench's kernels. */
	const size_t len = (size_t)mt_rounds(32, 8) << 20;
	struct mt_cgroup cg;
	struct child ch;
	mach_port_t task = MACH_PORT_NULL;
	mach_vm_address_t a = 0;
	char pid_text[16], procs[192];
	long before, grown, after;
	const char *why;
	char *buf;

	IPC_REQUIRE();
	if (getuid() != 0)
		SKIP(return, "must be root (makes a memory cgroup)");
	why = mt_cg_create(&cg, 512L << 20);
	if (why)
		SKIP(return, "%s", why);
	buf = map_pages(len);
	ASSERT_NE(NULL, buf);
	fill_pattern(buf, len, 8);
	ASSERT_EQ(0, child_start(&ch));
	snprintf(pid_text, sizeof(pid_text), "%d", ch.pid);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg.path);
	ASSERT_EQ(0, mt_write_file(procs, pid_text));
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, ch.pid, &task));
	before = mt_cg_read(&cg, "memory.current");
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_allocate(task, &a, len, VM_FLAGS_ANYWHERE));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_write(task, a, (vm_offset_t)buf, len));
	grown = mt_cg_read(&cg, "memory.current");
	EXPECT_EQ('Y', child_sees(&ch, a, len, 8));
	/* A per-CPU charge stock may hold back up to a batch (64 pages). */
	EXPECT_GE(grown - before, (long)(len - 64 * page_size()))
	TH_LOG("memory.current %ld -> %ld", before, grown);
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(task, a, len));
	/* The worker's unmap releases the object's file a moment later. */
	for (int i = 0; i < 100; i++) {
		after = mt_cg_read(&cg, "memory.current");
		if (after <= grown - (long)(len - 64 * page_size()))
			break;
		usleep(20000);
	}
	EXPECT_LE(after, grown - (long)(len - 64 * page_size()))
	TH_LOG("after deallocate: %ld", after);
	EXPECT_EQ(0, child_end(&ch));
	mach_port_deallocate(SELF, task);
	munmap(buf, len);
	mt_cg_destroy(&cg);
}

/*
 * As nobody, in its own child: the worker that maps into the child does it
 * with the caller's credentials, so mmap_min_addr holds (a kernel thread
 * would pass CAP_SYS_RAWIO and map page 0).
 */
TEST(remote_fixed_below_mmap_min_addr_is_refused_for_nobody)
{
	pid_t pid;

	IPC_REQUIRE();
	if (getuid() != 0)
		SKIP(return, "must start as root (becomes nobody)");
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct child ch;
		mach_port_t task = MACH_PORT_NULL;
		mach_vm_address_t a = 0;
		int bad = 0;

		if (mt_become(NOBODY) || child_start(&ch) ||
		    task_for_pid(SELF, ch.pid, &task))
			_exit(10);
		if (mach_vm_allocate(task, &a, page_size(),
				     VM_FLAGS_FIXED) != KERN_INVALID_ADDRESS)
			bad |= 1;
		/* The next page too, when it lies below mmap_min_addr. */
		a = page_size();
		if (mt_read_long("/proc/sys/vm/mmap_min_addr") > (long)a &&
		    mach_vm_allocate(task, &a, page_size(),
				     VM_FLAGS_FIXED) != KERN_INVALID_ADDRESS)
			bad |= 2;
		a = 0;
		if (mach_vm_allocate(SELF, &a, page_size(), VM_FLAGS_FIXED) !=
		    KERN_INVALID_ADDRESS)
			bad |= 4;
		child_end(&ch);
		_exit(bad);
	}
	EXPECT_EQ(0, mt_wait_exit(pid));
}

/* The image of the exec tests: report, then wait for the socket to close. */
static int image_main(char **argv)
{
	int fd = atoi(argv[2]);
	char c = 'I';

	if (write(fd, &c, 1) != 1)
		return 3;
	while (read(fd, &c, 1) > 0)
		;
	return 0;
}

/*
 * fork_exec_on_cue - a child that execs @image ("--image <fd>") once a
 * byte arrives on its end of a socket pair (mt_fork_socket())
 * @sock: set to this process's end.
 * Returns: the child's pid, or -1 (nothing left open).
 */
static pid_t fork_exec_on_cue(const char *image, int *sock)
{
	char c, fdstr[16];
	pid_t pid;

	pid = mt_fork_socket(sock);
	if (pid == 0) {
		if (read(*sock, &c, 1) != 1)
			_exit(2);
		snprintf(fdstr, sizeof(fdstr), "%d", *sock);
		execl(image, image, "--image", fdstr, (char *)NULL);
		_exit(3);
	}
	return pid;
}

/*
 * A child that execs @image when told: its task port taken before the exec
 * must reach nothing of the new image; with @setuid, the new image gives
 * the caller no port either.  Returns 0, or the bits of what went wrong
 * (usable from a forked child that became nobody).
 */
static int exec_ends_port(const char *image, bool setuid)
{
	mach_port_t task = MACH_PORT_NULL, again = MACH_PORT_NULL;
	mach_vm_address_t a = 0;
	mach_vm_size_t s = 0, out;
	vm_region_basic_info_data_64_t info;
	int sock, bad = 0;
	char c = 0;
	pid_t pid;
	uint64_t probe = 0;

	pid = fork_exec_on_cue(image, &sock);
	if (pid < 0)
		return 1;
	if (task_for_pid(SELF, pid, &task) ||
	    mach_vm_read_overwrite(task, (uintptr_t)&probe, sizeof(probe),
				   (uintptr_t)&probe, &out))
		bad |= 2;
	if (write(sock, "g", 1) != 1 || read(sock, &c, 1) != 1 || c != 'I')
		bad |= 4;
	/* The new image runs: the old port reaches nothing of it. */
	if (mach_vm_read_overwrite(task, (uintptr_t)&probe, sizeof(probe),
				   (uintptr_t)&probe, &out) !=
	    MACH_SEND_INVALID_DEST)
		bad |= 8;
	if (mach_vm_write(task, (uintptr_t)&probe, (vm_offset_t)&probe,
			  sizeof(probe)) != MACH_SEND_INVALID_DEST)
		bad |= 16;
	if (mach_vm_allocate(task, &a, page_size(), VM_FLAGS_ANYWHERE) !=
	    MACH_SEND_INVALID_DEST)
		bad |= 32;
	if (region_at(task, &a, &s, &info) != MACH_SEND_INVALID_DEST)
		bad |= 64;
	if (setuid && task_for_pid(SELF, pid, &again) != KERN_FAILURE)
		bad |= 128;
	close(sock);
	if (mt_wait_exit(pid) != 0)
		bad |= 256;
	mach_port_deallocate(SELF, task);
	return bad;
}

TEST(exec_ends_the_task_port)
{
	IPC_REQUIRE();
	EXPECT_EQ(0, exec_ends_port(self_exe, false));
}

/*
 * The race: the child execs while we hammer its old port with FIXED
 * allocations at an address its old image already has mapped.  The old
 * image answers KERN_NO_SPACE; a KERN_SUCCESS can only come from the new
 * image (where that address is free), i.e. the old port reached it in the
 * window between the exec's commit and the old port's death.  Calls
 * blocked on the exec wake exactly in that window.
 */
TEST(exec_race_reaches_nothing_of_the_new_image)
{
	int rounds = mt_rounds(30, 4), r, wins = 0, late = 0;
	size_t pg = page_size();

	IPC_REQUIRE();
	for (r = 0; r < rounds && !wins; r++) {
		mach_port_t task = MACH_PORT_NULL;
		mach_vm_address_t a = 0, b;
		kern_return_t kr;
		double until;
		char c = 0;
		pid_t pid;
		int sock;

		pid = fork_exec_on_cue(self_exe, &sock);
		ASSERT_GE(pid, 0);
		ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, pid, &task));
		ASSERT_EQ(KERN_SUCCESS,
			  mach_vm_allocate(task, &a, pg, VM_FLAGS_ANYWHERE));
		ASSERT_EQ(1, write(sock, "g", 1));
		until = mt_now() + 10;
		do {
			b = a;
			kr = mach_vm_allocate(task, &b, pg, VM_FLAGS_FIXED);
		} while (kr == KERN_NO_SPACE && mt_now() < until);
		if (kr == KERN_SUCCESS)
			wins++;
		else if (kr != MACH_SEND_INVALID_DEST) {
			late++;
			TH_LOG("round %d: the old port answered 0x%x (%s)", r, kr,
			       mach_error_string(kr));
		}
		EXPECT_EQ(1, read(sock, &c, 1));
		EXPECT_EQ('I', c);
		close(sock);
		EXPECT_EQ(0, mt_wait_exit(pid));
		mach_port_deallocate(SELF, task);
	}
	EXPECT_EQ(0, late);
	EXPECT_EQ(0, wins) {
		TH_LOG("round %d: the old port allocated in the new image", r - 1);
	}
}

/*
 * As nobody: a root process and a setuid image are out of reach (no port),
 * and a port to its own child taken before the child exec'd a setuid image
 * reaches nothing of that image.
 */
TEST(nobody_reaches_no_other_users_or_setuid_memory)
{
	char suid[64];
	const char *paths[] = { suid, NULL };
	pid_t pid;

	IPC_REQUIRE();
	if (getuid() != 0)
		SKIP(return, "must start as root (makes a setuid image)");
	if (!mt_tmp_honours_setuid())
		SKIP(return, "/tmp is mounted nosuid");
	snprintf(suid, sizeof(suid), "/tmp/vm_test_suid.%d", getpid());
	ASSERT_EQ(0, mt_janitor(paths));
	ASSERT_EQ(0, mt_copy_file(self_exe, suid, 04755));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		mach_port_t task = MACH_PORT_NULL;

		if (mt_become(NOBODY))
			_exit(10);
		/* The parent is root. */
		if (task_for_pid(SELF, getppid(), &task) != KERN_FAILURE)
			_exit(11);
		_exit(exec_ends_port(suid, true) ? 12 : 0);
	}
	EXPECT_EQ(0, mt_wait_exit(pid));
	unlink(suid);
}

/*
 * The target is killed while calls run on it: each call succeeds or fails
 * cleanly (a dead port, an exiting task), none hangs, nothing leaks.
 */
TEST(target_killed_mid_call)
{
	size_t pg = page_size();
	struct live_counts base, now;
	int round, rounds = mt_rounds(20, 4);

	IPC_REQUIRE();
	/* This process's own task and ports belong to the baseline. */
	ASSERT_NE(MACH_PORT_NULL, SELF);
	live_counts_baseline(&base);
	for (round = 0; round < rounds; round++) {
		struct child ch;
		mach_port_t task = MACH_PORT_NULL;
		mach_vm_address_t a = 0, b;
		char *buf = map_pages(16 * pg);
		kern_return_t kr;
		int i;

		ASSERT_NE(NULL, buf);
		ASSERT_EQ(0, child_start(&ch));
		ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, ch.pid, &task));
		ASSERT_EQ(KERN_SUCCESS,
			  mach_vm_allocate(task, &a, 16 * pg, VM_FLAGS_ANYWHERE));
		for (i = 0; i < 200; i++) {
			if (i == 20 + round)
				kill(ch.pid, SIGKILL);
			kr = mach_vm_write(task, a + pg, (vm_offset_t)buf,
					   15 * pg);
			EXPECT_TRUE(kr == KERN_SUCCESS ||
				    kr == MACH_SEND_INVALID_DEST ||
				    kr == KERN_INVALID_ARGUMENT ||
				    kr == KERN_INVALID_TASK ||
				    kr == KERN_INVALID_ADDRESS)
			TH_LOG("write: %#x", kr);
			b = 0;
			kr = mach_vm_allocate(task, &b, pg, VM_FLAGS_ANYWHERE);
			EXPECT_TRUE(kr == KERN_SUCCESS ||
				    kr == MACH_SEND_INVALID_DEST ||
				    kr == KERN_INVALID_ARGUMENT ||
				    kr == KERN_INVALID_TASK ||
				    kr == KERN_NO_SPACE)
			TH_LOG("allocate: %#x", kr);
			kr = mach_vm_protect(task, a, pg, FALSE,
					     (i & 1) ? VM_PROT_READ :
						       VM_PROT_DEFAULT);
			EXPECT_TRUE(kr == KERN_SUCCESS ||
				    kr == MACH_SEND_INVALID_DEST ||
				    kr == KERN_INVALID_ARGUMENT ||
				    kr == KERN_INVALID_TASK ||
				    kr == KERN_INVALID_ADDRESS)
			TH_LOG("protect: %#x", kr);
			if (kr == MACH_SEND_INVALID_DEST)
				break;
		}
		child_end(&ch);
		mach_port_deallocate(SELF, task);
		munmap(buf, 16 * pg);
	}
	EXPECT_TRUE(live_counts_settle(&base, &now))
	TH_LOG("tasks %ld/%ld threads %ld/%ld ports %ld/%ld messages %ld/%ld",
	       now.tasks, base.tasks, now.threads, base.threads, now.ports,
	       base.ports, now.messages, base.messages);
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "--image"))
		return image_main(argv);
	self_exe = realpath("/proc/self/exe", NULL);
	return test_harness_run(argc, argv);
}
