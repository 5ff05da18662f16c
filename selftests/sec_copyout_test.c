// SPDX-License-Identifier: GPL-2.0
/*
 * The calls that answer about a whole space (mach_port_names,
 * mach_port_space_info, mach_port_get_set_status, mach_port_peek) fill the
 * caller's buffer after they let go of the target's space and image, never
 * while holding them: a buffer can fault for as long as its owner likes,
 * and neither the target's IPC nor its exec may wait on that.
 *
 * A userfaultfd page holds the fault for as long as the test wants.  The
 * kernel's own copies fault through it only for a privileged owner (or
 * with vm.unprivileged_userfaultfd=1), so the stall is set up as root; an
 * unprivileged owner has slower but equally unbounded ways (a FUSE mount,
 * a file on a device that stops answering).  While one thread is stuck in
 * the copy-out, another must still allocate a port in the same space.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

#include <machina/machina.h>

enum stalled_call { CALL_PEEK, CALL_NAMES, CALL_SPACE_INFO, CALL_SET_STATUS };

struct stall {
	enum stalled_call call;
	void *page;		/* the userfaultfd page the copy-out faults on */
	mach_port_t port;	/* a receive right with one message queued */
	mach_port_t set;	/* a port set with port in it */
	kern_return_t kr;
	volatile int done;
};

/*
 * The calls with a buffer the caller chooses.  libmach's mach_port_names
 * and space_info allocate their own buffer, so those two go through the
 * ioctl with the userfaultfd page as the buffer.
 */
static void *stalled_call(void *arg)
{
	struct stall *s = arg;
	mach_port_seqno_t seqno = 0;
	mach_msg_size_t size;
	mach_msg_id_t id;
	mach_msg_type_number_t cnt = sizeof(mach_msg_max_trailer_t);
	int fd = machina_fd();

	switch (s->call) {
	case CALL_PEEK:
		s->kr = mach_port_peek(SELF, s->port, MACH_RCV_TRAILER_TYPE(
					       MACH_MSG_TRAILER_FORMAT_0) |
				       MACH_RCV_TRAILER_ELEMENTS(
					       MACH_RCV_TRAILER_AUDIT),
				       &seqno, &size, &id, s->page, &cnt);
		break;
	case CALL_NAMES: {
		struct machina_port_names a = {
			.task = SELF, .names = (uintptr_t)s->page, .capacity = 8,
		};

		s->kr = mt_ioctl(fd, MACHINA_IOC_PORT_NAMES, &a);
		break;
	}
	case CALL_SPACE_INFO: {
		struct machina_space_info a = {
			.task = SELF, .table = (uintptr_t)s->page, .capacity = 8,
		};

		s->kr = mt_ioctl(fd, MACHINA_IOC_PORT_SPACE_INFO, &a);
		break;
	}
	case CALL_SET_STATUS: {
		struct machina_port_names a = {
			.task = SELF, .name = s->set,
			.names = (uintptr_t)s->page, .capacity = 8,
		};

		s->kr = mt_ioctl(fd, MACHINA_IOC_PORT_GET_SET_STATUS, &a);
		break;
	}
	}
	s->done = 1;
	return NULL;
}

struct alloc {
	mach_port_t name;
	kern_return_t kr;
	volatile int done;
};

static void *allocate_port(void *arg)
{
	struct alloc *a = arg;

	a->kr = mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &a->name);
	a->done = 1;
	return NULL;
}

/* A registered userfaultfd over one fresh page, or why not. */
static const char *uffd_page(int *uffd, void **page)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	size_t pg = page_size();

	*uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (*uffd < 0)
		return "no userfaultfd";
	if (ioctl(*uffd, UFFDIO_API, &api))
		return "UFFDIO_API refused";
	*page = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*page == MAP_FAILED)
		return "mmap";
	reg.range.start = (uintptr_t)*page;
	reg.range.len = pg;
	if (ioctl(*uffd, UFFDIO_REGISTER, &reg))
		return "UFFDIO_REGISTER refused";
	return NULL;
}

/*
 * Run @call with its copy-out stuck on a userfaultfd page, allocate a port
 * in the same space meanwhile, then let the copy-out finish.
 */
static void copyout_does_not_hold_the_space(struct __test_metadata *_metadata,
					    enum stalled_call call)
{
	struct stall s = { .call = call };
	struct alloc a = { 0 };
	struct uffdio_zeropage zp;
	struct uffd_msg msg;
	struct pollfd pfd;
	pthread_t st, at;
	const char *why;
	int uffd;

	IPC_REQUIRE();
	if (geteuid() != 0)
		SKIP(return, "the kernel's copies fault through userfaultfd for root only");
	why = uffd_page(&uffd, &s.page);
	if (why)
		SKIP(return, "%s (%s)", why, strerror(errno));
	s.port = new_port_send();
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(s.port, 7));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &s.set));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_member(SELF, s.port, s.set));

	ASSERT_EQ(0, pthread_create(&st, NULL, stalled_call, &s));
	/* The fault's message: the call is inside its copy-out now. */
	pfd.fd = uffd;
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 60000));
	ASSERT_EQ(sizeof(msg), read(uffd, &msg, sizeof(msg)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);
	EXPECT_EQ(0, s.done);

	ASSERT_EQ(0, pthread_create(&at, NULL, allocate_port, &a));
	/* Never done while the copy-out held the space's lock. */
	EXPECT_TRUE(ipc_wait_flag(&a.done, 20));

	zp.range.start = (uintptr_t)s.page;
	zp.range.len = page_size();
	zp.mode = 0;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_ZEROPAGE, &zp));
	pthread_join(st, NULL);
	pthread_join(at, NULL);
	EXPECT_EQ(KERN_SUCCESS, s.kr);
	EXPECT_EQ(KERN_SUCCESS, a.kr);
	mach_port_mod_refs(SELF, a.name, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_destroy(SELF, s.set);
	mach_port_destroy(SELF, s.port);
	close(uffd);
}

TEST(peek_copies_out_after_the_space_is_free)
{
	copyout_does_not_hold_the_space(_metadata, CALL_PEEK);
}

TEST(port_names_copies_out_after_the_space_is_free)
{
	copyout_does_not_hold_the_space(_metadata, CALL_NAMES);
}

TEST(space_info_copies_out_after_the_space_is_free)
{
	copyout_does_not_hold_the_space(_metadata, CALL_SPACE_INFO);
}

TEST(get_set_status_copies_out_after_the_space_is_free)
{
	copyout_does_not_hold_the_space(_metadata, CALL_SET_STATUS);
}

TEST_HARNESS_MAIN
