// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mach: opening, the handshake, and the rules every ioctl follows for
 * malformed requests.  Checks are ordered as the module makes them: an
 * unknown number before a bad size, a bad size before a bad pointer, the
 * pointer before the fields.
 */
#include <sys/mman.h>
#include <sys/types.h>

#include "kselftest_harness.h"
#include "machina_test.h"

#define HS_NR MACHINA_NR_HANDSHAKE
#define RW (_IOC_READ | _IOC_WRITE)

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = mt_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", MACHINA_DEVICE_PATH, strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST(device_node)
{
	struct stat st;

	ASSERT_EQ(0, stat(MACHINA_DEVICE_PATH, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 0777);
	EXPECT_EQ(MACHINA_ABI_VERSION, mt_counter("abi_version"));
}

TEST(open_close_repeatedly)
{
	int i, fd;

	for (i = 0; i < 100; i++) {
		fd = mt_open();
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, close(fd));
	}
}

TEST(unprivileged_user_can_use_device)
{
	struct machina_task_identity id;
	pid_t pid;
	int fd;

	if (getuid() != 0)
		SKIP(return, "needs root to become another user");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		fd = mt_open();
		if (fd < 0)
			_exit(3);
		_exit(mt_identity(fd, &id) == 0 ? 0 : 4);
	}
	EXPECT_EQ(0, mt_wait_exit(pid));
}

TEST_F(dev, handshake_reports_abi)
{
	struct machina_handshake hs = { .client_abi = MACHINA_ABI_VERSION };

	ASSERT_EQ(0, mt_ioctl(self->fd, MACHINA_IOC_HANDSHAKE, &hs));
	EXPECT_EQ(MACHINA_ABI_VERSION, hs.abi_version);
	EXPECT_EQ(MACHINA_ABI_MIN, hs.abi_min);
	EXPECT_LE(hs.abi_min, hs.abi_version);
	EXPECT_EQ(sysconf(_SC_PAGESIZE), hs.page_size);
	EXPECT_EQ(MACHINA_NR_COUNT, hs.call_count);
	EXPECT_NE(0, hs.features & MACHINA_FEATURE_TASK_STATE);
	EXPECT_NE(0, hs.features & MACHINA_FEATURE_CLOCK);
	EXPECT_EQ(0, hs.reserved[0]);
	EXPECT_EQ(0, hs.reserved[1]);
	EXPECT_EQ(0, hs.flags);
}

TEST_F(dev, handshake_creates_no_task)
{
	struct machina_handshake hs = { .client_abi = MACHINA_ABI_VERSION };
	long before = mt_stable_counter("live_tasks");

	ASSERT_LE(0, before);
	ASSERT_EQ(0, mt_ioctl(self->fd, MACHINA_IOC_HANDSHAKE, &hs));
	EXPECT_EQ(before, mt_counter("live_tasks"));
}

TEST_F(dev, unknown_number_is_enotty)
{
	struct machina_handshake hs = { 0 };

	EXPECT_EQ(-ENOTTY, mt_ioctl(self->fd,
		_IOWR(MACHINA_IOC_MAGIC, MACHINA_NR_COUNT, struct machina_handshake), &hs));
	EXPECT_EQ(-ENOTTY, mt_ioctl(self->fd, _IOC(RW, MACHINA_IOC_MAGIC, 0xff, 8), &hs));
	/* Another driver's type byte with our number and size. */
	EXPECT_EQ(-ENOTTY, mt_ioctl(self->fd,
		_IOWR('x', HS_NR, struct machina_handshake), &hs));
	EXPECT_EQ(-ENOTTY, mt_ioctl(self->fd, TCGETS, &hs));
}

TEST_F(dev, wrong_direction_is_enotty)
{
	struct machina_handshake hs = { 0 };

	EXPECT_EQ(-ENOTTY, mt_ioctl(self->fd,
		_IOR(MACHINA_IOC_MAGIC, HS_NR, struct machina_handshake), &hs));
	EXPECT_EQ(-ENOTTY, mt_ioctl(self->fd,
		_IOW(MACHINA_IOC_MAGIC, HS_NR, struct machina_handshake), &hs));
	EXPECT_EQ(-ENOTTY, mt_ioctl(self->fd, _IO(MACHINA_IOC_MAGIC, HS_NR), &hs));
}

TEST_F(dev, short_size_is_einval)
{
	struct machina_handshake hs = { .client_abi = MACHINA_ABI_VERSION };

	EXPECT_EQ(-EINVAL, mt_ioctl(self->fd,
		_IOC(RW, MACHINA_IOC_MAGIC, HS_NR, sizeof(hs) - 8), &hs));
	EXPECT_EQ(-EINVAL, mt_ioctl(self->fd, _IOC(RW, MACHINA_IOC_MAGIC, HS_NR, 1), &hs));
	EXPECT_EQ(-EINVAL, mt_ioctl(self->fd,
		_IOC(_IOC_WRITE, MACHINA_IOC_MAGIC, MACHINA_NR_WAIT_UNTIL, 4), &hs));
	/* The size is checked before the pointer is touched. */
	EXPECT_EQ(-EINVAL, mt_ioctl(self->fd,
		_IOC(RW, MACHINA_IOC_MAGIC, HS_NR, sizeof(hs) - 8), NULL));
}

TEST_F(dev, larger_struct_with_zero_tail_is_accepted)
{
	struct {
		struct machina_handshake hs;
		unsigned char tail[40];
	} big;

	memset(&big, 0, sizeof(big));
	big.hs.client_abi = MACHINA_ABI_VERSION;
	ASSERT_EQ(0, mt_ioctl(self->fd,
		_IOC(RW, MACHINA_IOC_MAGIC, HS_NR, sizeof(big)), &big));
	EXPECT_EQ(MACHINA_ABI_VERSION, big.hs.abi_version);
	for (size_t i = 0; i < sizeof(big.tail); i++)
		ASSERT_EQ(0, big.tail[i]);
}

TEST_F(dev, larger_struct_with_nonzero_tail_is_e2big)
{
	struct {
		struct machina_handshake hs;
		unsigned char tail[40];
	} big;

	memset(&big, 0, sizeof(big));
	big.hs.client_abi = MACHINA_ABI_VERSION;
	big.tail[39] = 1;
	EXPECT_EQ(-E2BIG, mt_ioctl(self->fd,
		_IOC(RW, MACHINA_IOC_MAGIC, HS_NR, sizeof(big)), &big));
	EXPECT_EQ(0, big.hs.abi_version);
}

TEST_F(dev, nonzero_flags_or_reserved_is_einval)
{
	struct machina_handshake hs = { .client_abi = MACHINA_ABI_VERSION };
	struct machina_task_identity id = { 0 };
	struct machina_wait_until wait = { 0 };

	hs.flags = 1;
	EXPECT_EQ(-EINVAL, mt_ioctl(self->fd, MACHINA_IOC_HANDSHAKE, &hs));
	hs.flags = 0;
	hs.reserved[1] = 1ull << 63;
	EXPECT_EQ(-EINVAL, mt_ioctl(self->fd, MACHINA_IOC_HANDSHAKE, &hs));

	id.flags = 0x80000000u;
	EXPECT_EQ(-EINVAL, mt_ioctl(self->fd, MACHINA_IOC_TASK_IDENTITY, &id));
	id.flags = 0;
	id.reserved = 1;
	EXPECT_EQ(-EINVAL, mt_ioctl(self->fd, MACHINA_IOC_TASK_IDENTITY, &id));

	wait.flags = 2;
	EXPECT_EQ(-EINVAL, mt_ioctl(self->fd, MACHINA_IOC_WAIT_UNTIL, &wait));
	wait.flags = 0;
	wait.reserved = 1;
	EXPECT_EQ(-EINVAL, mt_ioctl(self->fd, MACHINA_IOC_WAIT_UNTIL, &wait));
}

TEST_F(dev, bad_pointers_are_efault)
{
	void *ro;

	EXPECT_EQ(-EFAULT, mt_ioctl(self->fd, MACHINA_IOC_HANDSHAKE, NULL));
	EXPECT_EQ(-EFAULT, mt_ioctl(self->fd, MACHINA_IOC_HANDSHAKE, (void *)1));
	EXPECT_EQ(-EFAULT, mt_ioctl(self->fd, MACHINA_IOC_TASK_IDENTITY,
				    (void *)(long)-4096));
	EXPECT_EQ(-EFAULT, mt_ioctl(self->fd, MACHINA_IOC_WAIT_UNTIL, NULL));

	/* Readable but not writable: copy-in works, copy-out must fail. */
	ro = mmap(NULL, 65536, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(-EFAULT, mt_ioctl(self->fd, MACHINA_IOC_HANDSHAKE, ro));
	/* A structure that straddles into an unmapped page. */
	ASSERT_EQ(0, munmap((char *)ro + 32768, 32768));
	EXPECT_EQ(-EFAULT, mt_ioctl(self->fd, MACHINA_IOC_TASK_IDENTITY,
				    (char *)ro + 32768 - 8));
	munmap(ro, 32768);
}

TEST_F(dev, not_a_file)
{
	char buf[8];

	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->fd, 0));
	EXPECT_EQ(ENODEV, errno);
}

TEST_HARNESS_MAIN
