// SPDX-License-Identifier: GPL-2.0
/*
 * The host port: mach_host_self, host_info, host_statistics64,
 * host_page_size, host_get_clock_service and clock_get_time, their values
 * against what Linux reports, and their error answers.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

FIXTURE(host)
{
	mach_port_t host;
};

FIXTURE_SETUP(host)
{
	IPC_REQUIRE();
	self->host = mach_host_self();
	ASSERT_NE(MACH_PORT_NULL, self->host);
}

FIXTURE_TEARDOWN(host)
{
}

TEST_F(host, host_self_is_one_send_right_with_a_uref_per_call)
{
	mach_port_t again = mach_host_self();

	EXPECT_EQ(self->host, again);
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type_of(self->host));
	EXPECT_EQ(2, urefs_of(self->host, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, again));
	EXPECT_EQ(1, urefs_of(self->host, MACH_PORT_RIGHT_SEND));
	/* Giving the name away entirely and asking again works. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, self->host));
	EXPECT_EQ(MACH_PORT_TYPE_NONE, type_of(self->host));
	self->host = mach_host_self();
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type_of(self->host));
}

TEST_F(host, basic_info_matches_linux)
{
	host_basic_info_data_t bi;
	mach_msg_type_number_t count = HOST_BASIC_INFO_COUNT;
	uint64_t mem =
		(uint64_t)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);

	memset(&bi, 0xaa, sizeof(bi));
	ASSERT_EQ(KERN_SUCCESS, host_info(self->host, HOST_BASIC_INFO,
					  (host_info_t)&bi, &count));
	EXPECT_EQ(HOST_BASIC_INFO_COUNT, count);
	EXPECT_EQ(12, count);
	EXPECT_EQ(sysconf(_SC_NPROCESSORS_ONLN), bi.avail_cpus);
	EXPECT_EQ(sysconf(_SC_NPROCESSORS_ONLN), bi.logical_cpu);
	EXPECT_LE(bi.avail_cpus, bi.max_cpus);
	EXPECT_LE(bi.logical_cpu, bi.logical_cpu_max);
	EXPECT_EQ(mem, bi.max_mem);
	EXPECT_EQ(mem > 0x80000000ull ? 0x80000000u : (uint32_t)mem,
		  bi.memory_size);
#ifdef __aarch64__
	EXPECT_EQ(CPU_TYPE_ARM64, bi.cpu_type);
	EXPECT_EQ(CPU_SUBTYPE_ARM64_ALL, bi.cpu_subtype);
#else
	EXPECT_EQ(CPU_TYPE_X86_64, bi.cpu_type);
	EXPECT_EQ(CPU_SUBTYPE_X86_64_ALL, bi.cpu_subtype);
#endif
	EXPECT_EQ(CPU_THREADTYPE_NONE, bi.cpu_threadtype);
}

TEST_F(host, basic_info_old_count_and_short_count)
{
	integer_t info[HOST_BASIC_INFO_COUNT];
	mach_msg_type_number_t count = HOST_BASIC_INFO_OLD_COUNT;

	memset(info, 0x55, sizeof(info));
	ASSERT_EQ(KERN_SUCCESS,
		  host_info(self->host, HOST_BASIC_INFO, info, &count));
	EXPECT_EQ(HOST_BASIC_INFO_OLD_COUNT, count);
	EXPECT_EQ(sysconf(_SC_NPROCESSORS_ONLN), info[1]);
	/* Nothing past the count is written. */
	EXPECT_EQ(0x55555555, info[HOST_BASIC_INFO_OLD_COUNT]);
	count = HOST_BASIC_INFO_OLD_COUNT - 1;
	EXPECT_EQ(KERN_FAILURE,
		  host_info(self->host, HOST_BASIC_INFO, info, &count));
}

TEST_F(host, sched_and_priority_info)
{
	host_sched_info_data_t si;
	host_priority_info_data_t pi;
	mach_msg_type_number_t count = HOST_SCHED_INFO_COUNT;

	ASSERT_EQ(KERN_SUCCESS, host_info(self->host, HOST_SCHED_INFO,
					  (host_info_t)&si, &count));
	EXPECT_EQ(2, count);
	EXPECT_EQ(10, si.min_timeout);
	EXPECT_EQ(10, si.min_quantum);
	count = 1;
	EXPECT_EQ(KERN_FAILURE, host_info(self->host, HOST_SCHED_INFO,
					  (host_info_t)&si, &count));

	count = HOST_PRIORITY_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, host_info(self->host, HOST_PRIORITY_INFO,
					  (host_info_t)&pi, &count));
	EXPECT_EQ(8, count);
	EXPECT_EQ(80, pi.kernel_priority);
	EXPECT_EQ(80, pi.system_priority);
	EXPECT_EQ(64, pi.server_priority);
	EXPECT_EQ(31, pi.user_priority);
	EXPECT_EQ(0, pi.depress_priority);
	EXPECT_EQ(0, pi.idle_priority);
	EXPECT_EQ(0, pi.minimum_priority);
	EXPECT_EQ(95, pi.maximum_priority);
	count = 7;
	EXPECT_EQ(KERN_FAILURE, host_info(self->host, HOST_PRIORITY_INFO,
					  (host_info_t)&pi, &count));
}

/* Old programs probe for the traps this way. */
TEST_F(host, trap_gestalts_answer_with_no_data)
{
	integer_t info[4];
	mach_msg_type_number_t count = 4;

	EXPECT_EQ(KERN_SUCCESS,
		  host_info(self->host, HOST_SEMAPHORE_TRAPS, info, &count));
	EXPECT_EQ(0, count);
	count = 4;
	EXPECT_EQ(KERN_SUCCESS,
		  host_info(self->host, HOST_MACH_MSG_TRAP, info, &count));
	EXPECT_EQ(0, count);
}

TEST_F(host, info_errors)
{
	integer_t info[HOST_BASIC_INFO_COUNT];
	mach_msg_type_number_t count = HOST_BASIC_INFO_COUNT;
	mach_port_t port = new_port_send();
	struct machina_info raw = {
		.target = self->host, .flavor = 1, .count = 12, .flags = 1
	};
	int fd = mt_open();

	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_info(self->host, 2, info, &count));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_info(self->host, -1, info, &count));
	/* Not the host: the task port, a plain port. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_info(SELF, HOST_BASIC_INFO, info, &count));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_info(port, HOST_BASIC_INFO, info, &count));
	/* No send right under the name: the request cannot be sent. */
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  host_info(0x12345603, HOST_BASIC_INFO, info, &count));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  host_info(MACH_PORT_NULL, HOST_BASIC_INFO, info, &count));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_info(self->host, HOST_BASIC_INFO, NULL, &count));
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, mt_ioctl(fd, MACHINA_IOC_HOST_INFO, &raw));
	close(fd);
	mach_port_destroy(SELF, port);
}

/* A counter of /proc/vmstat, or -1 when the kernel does not keep it. */
static long long vmstat(const char *name)
{
	char key[64];
	long long v, found = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &v) == 2)
		if (!strcmp(key, name))
			found = v;
	fclose(f);
	return found;
}

TEST_F(host, vm_statistics64_from_linux_counters)
{
	vm_statistics64_data_t a, b;
	mach_msg_type_number_t count = HOST_VM_INFO64_COUNT;
	long pages = sysconf(_SC_PHYS_PAGES);
	long long faults_before = vmstat("pgfault"), faults_after;
	size_t size = 64 * page_size(), i;
	char *mem;

	ASSERT_EQ(KERN_SUCCESS, host_statistics64(self->host, HOST_VM_INFO64,
						  (host_info64_t)&a, &count));
	faults_after = vmstat("pgfault");
	EXPECT_EQ(38, count);
	EXPECT_LT(0, a.free_count);
	EXPECT_GE((uint64_t)pages,
		  (uint64_t)a.free_count + a.active_count + a.inactive_count);
	EXPECT_LT(0, a.external_page_count + a.internal_page_count);
	EXPECT_LE(a.zero_fill_count, a.faults);
	if (faults_before < 0) {
		/* No VM event counters in this kernel: nothing to report. */
		EXPECT_EQ(0, a.faults);
		return;
	}
	EXPECT_LE((uint64_t)faults_before, a.faults);
	EXPECT_GE((uint64_t)faults_after, a.faults);

	/* Touching fresh anonymous pages counts faults. */
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	for (i = 0; i < size; i += page_size())
		mem[i] = 1;
	count = HOST_VM_INFO64_COUNT;
	ASSERT_EQ(KERN_SUCCESS, host_statistics64(self->host, HOST_VM_INFO64,
						  (host_info64_t)&b, &count));
	EXPECT_LE(a.faults + 64, b.faults);
	munmap(mem, size);
}

TEST_F(host, vm_statistics64_errors)
{
	vm_statistics64_data_t vs;
	mach_msg_type_number_t count = HOST_VM_INFO64_COUNT;

	EXPECT_EQ(KERN_INVALID_HOST,
		  host_statistics64(SELF, HOST_VM_INFO64, (host_info64_t)&vs,
				    &count));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_statistics64(self->host, HOST_VM_INFO,
				    (host_info64_t)&vs, &count));
	count = HOST_VM_INFO64_REV0_COUNT - 1;
	EXPECT_EQ(KERN_FAILURE, host_statistics64(self->host, HOST_VM_INFO64,
						  (host_info64_t)&vs, &count));
	/* The first revision's count gets the first revision's fields. */
	count = HOST_VM_INFO64_REV0_COUNT;
	EXPECT_EQ(KERN_SUCCESS, host_statistics64(self->host, HOST_VM_INFO64,
						  (host_info64_t)&vs, &count));
	EXPECT_EQ(HOST_VM_INFO64_REV0_COUNT, count);
}

TEST_F(host, page_size_is_the_kernels)
{
	vm_size_t size = 0;

	ASSERT_EQ(KERN_SUCCESS, host_page_size(self->host, &size));
	EXPECT_EQ((vm_size_t)sysconf(_SC_PAGESIZE), size);
	EXPECT_EQ(KERN_INVALID_ARGUMENT, host_page_size(SELF, &size));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, host_page_size(0x7703, &size));
}

static uint64_t ts_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

#define NS(t) ((uint64_t)(t).tv_sec * 1000000000ull + (uint64_t)(t).tv_nsec)

TEST_F(host, clock_services_read_linux_clocks)
{
	clock_serv_t sys = 0, cal = 0, rt = 0;
	mach_timespec_t t;
	uint64_t before, after;

	ASSERT_EQ(KERN_SUCCESS,
		  host_get_clock_service(self->host, SYSTEM_CLOCK, &sys));
	ASSERT_EQ(KERN_SUCCESS,
		  host_get_clock_service(self->host, CALENDAR_CLOCK, &cal));
	ASSERT_EQ(KERN_SUCCESS,
		  host_get_clock_service(self->host, REALTIME_CLOCK, &rt));
	EXPECT_NE(sys, cal);
	EXPECT_EQ(sys, rt); /* the same clock: the names coalesce */
	EXPECT_EQ(2, urefs_of(sys, MACH_PORT_RIGHT_SEND));

	before = ts_ns(CLOCK_MONOTONIC);
	ASSERT_EQ(KERN_SUCCESS, clock_get_time(sys, &t));
	after = ts_ns(CLOCK_MONOTONIC);
	EXPECT_GT(1000000000, t.tv_nsec);
	EXPECT_LE(before / 1000000000ull, t.tv_sec);
	EXPECT_LE(NS(t), after);
	EXPECT_LE(before, NS(t));

	before = ts_ns(CLOCK_REALTIME);
	ASSERT_EQ(KERN_SUCCESS, clock_get_time(cal, &t));
	after = ts_ns(CLOCK_REALTIME);
	/* Wall time may be stepped: allow a second either side. */
	EXPECT_LE(before, NS(t) + 1000000000ull);
	EXPECT_LE(NS(t), after + 1000000000ull);
	/* No absolute date: a VM without a real-time clock starts in 1970. */
}

TEST_F(host, clock_errors)
{
	clock_serv_t clock = 0;
	mach_timespec_t t;

	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_get_clock_service(self->host, 2, &clock));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_get_clock_service(self->host, -1, &clock));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_get_clock_service(SELF, SYSTEM_CLOCK, &clock));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  host_get_clock_service(0x4403, SYSTEM_CLOCK, &clock));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, clock_get_time(self->host, &t));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, clock_get_time(SELF, &t));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, clock_get_time(0x4403, &t));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, clock_get_time(self->host, NULL));
}

/* A forked child has its own space: its host name is its own. */
TEST_F(host, child_gets_the_host_too)
{
	pid_t pid = fork();

	if (pid == 0) {
		mach_port_t h = mach_host_self();
		host_basic_info_data_t bi;
		mach_msg_type_number_t count = HOST_BASIC_INFO_COUNT;

		_exit(h && host_info(h, HOST_BASIC_INFO, (host_info_t)&bi,
				     &count) == KERN_SUCCESS ?
			      0 :
			      1);
	}
	ASSERT_LT(0, pid);
	EXPECT_EQ(0, mt_wait_exit(pid));
}

TEST_F(host, no_leaks)
{
	long ports = mt_stable_counter("live_ports");
	clock_serv_t clock;
	int i;

	if (ports < 0)
		SKIP(return, "no live counters in sysfs");
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(KERN_SUCCESS,
			  host_get_clock_service(self->host, i & 1, &clock));
		EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, clock));
		EXPECT_EQ(KERN_SUCCESS,
			  mach_port_deallocate(SELF, mach_host_self()));
	}
	/* The host and clock ports are the module's: nothing new lives. */
	EXPECT_EQ(ports, mt_stable_counter("live_ports"));
	EXPECT_EQ(1, urefs_of(self->host, MACH_PORT_RIGHT_SEND));
}

TEST_HARNESS_MAIN
