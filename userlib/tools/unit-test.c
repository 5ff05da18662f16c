/*
 * libmach unit test: the library's own logic, against a fake /dev/mach.
 *
 * The program links libmach.so and defines open() and ioctl() itself; the
 * dynamic linker binds libmach's calls to these, so every request libmach
 * makes lands in fake_ioctl() below, which answers as each test scripts it.
 * This checks what the library decides (restart rules, the server loop,
 * growing result arrays, fork handling, message destruction, the VM calls,
 * error texts) without a kernel module.  The module's behaviour is the
 * selftests' business (the *_test.c programs in selftests/).
 *
 *   make -C userlib check     builds and runs it for the host architecture
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mach/mach.h>
#include <mach/mach_vm.h>
#include <machina/machina.h>
#include <servers/bootstrap.h>

#include "uapi/machina.h"
#include "userlib/bootstrap/protocol.h"

/* ---- the fake device -------------------------------------------------- */

#define FAKE_FD_MAGIC "/dev/null"
static int fake_fd = -1;

/* What the fake saw. */
static struct machina_msg msg_calls[16];
static int n_msg_calls;
static mach_port_name_t deallocated[16];
static int n_deallocated;
static int n_task_self, n_reply_port, n_names_calls, n_unguard, n_rcv_destroy;
static struct machina_vm_args vm_seen;	/* the last Mach VM call's argument */
static unsigned long vm_cmd_seen;

/* What it answers. */
static int msg_script[16]; /* MSG results, in order */
static int n_msg_script;
static int msg_errno_first; /* first MSG fails with this errno */
static void (*on_receive)(mach_msg_header_t *buf, struct machina_msg *m);
static mach_port_name_t self_name = 0x103;
static uint32_t names_total = 100;

static void reset(void)
{
	n_msg_calls = n_deallocated = n_names_calls = 0;
	n_unguard = n_rcv_destroy = 0;
	n_msg_script = 0;
	memset(msg_script, 0, sizeof(msg_script));
	msg_errno_first = 0;
	on_receive = NULL;
}

int open(const char *path, int flags, ...)
{
	static int (*real_open)(const char *, int, ...);
	va_list ap;
	mode_t mode;

	if (strcmp(path, MACHINA_DEVICE_PATH) == 0) {
		fake_fd = syscall(SYS_openat, AT_FDCWD, FAKE_FD_MAGIC,
				  O_RDWR | O_CLOEXEC);
		return fake_fd;
	}
	if (!real_open)
		real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT,
								   "open");
	va_start(ap, flags);
	mode = va_arg(ap, mode_t);
	va_end(ap);
	return real_open(path, flags, mode);
}

static int fake_msg(struct machina_msg *m)
{
	mach_msg_header_t *rcv =
		(mach_msg_header_t *)(uintptr_t)(m->rcv_msg ? m->rcv_msg :
							      m->msg);
	int ret = MACH_MSG_SUCCESS;

	if (n_msg_calls < 16)
		msg_calls[n_msg_calls] = *m;
	if (n_msg_calls < n_msg_script)
		ret = msg_script[n_msg_calls];
	n_msg_calls++;
	if (msg_errno_first) {
		errno = msg_errno_first;
		msg_errno_first = 0;
		return -1;
	}
	if (ret == MACH_MSG_SUCCESS && (m->option & MACH_RCV_MSG) && on_receive)
		on_receive(rcv, m);
	if (ret == MACH_RCV_TOO_LARGE)
		rcv->msgh_size = 10000;
	return ret;
}

static int fake_names(struct machina_port_names *a)
{
	uint32_t *names = (uint32_t *)(uintptr_t)a->names;
	uint32_t *types = (uint32_t *)(uintptr_t)a->types;
	uint32_t i;

	n_names_calls++;
	for (i = 0; i < names_total && i < a->capacity; i++) {
		names[i] = (i + 1) << 8 | 3;
		if (types)
			types[i] = MACH_PORT_TYPE_RECEIVE;
	}
	a->count = names_total;
	return KERN_SUCCESS;
}

int ioctl(int fd, unsigned long cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != fake_fd) {
		errno = ENOTTY;
		return -1;
	}
	switch (cmd) {
	case MACHINA_IOC_HANDSHAKE: {
		struct machina_handshake *hs = arg;

		hs->abi_version = MACHINA_ABI_VERSION;
		hs->abi_min = MACHINA_ABI_MIN;
		hs->features = MACHINA_FEATURE_IPC;
		return 0;
	}
	case MACHINA_IOC_TASK_SELF:
		n_task_self++;
		((struct machina_name_out *)arg)->name = self_name;
		return KERN_SUCCESS;
	case MACHINA_IOC_REPLY_PORT:
		n_reply_port++;
		((struct machina_name_out *)arg)->name = 0x300 + n_reply_port;
		return KERN_SUCCESS;
	case MACHINA_IOC_MSG:
		return fake_msg(arg);
	case MACHINA_IOC_PORT_NAMES:
		return fake_names(arg);
	case MACHINA_IOC_PORT_DEALLOCATE:
		if (n_deallocated < 16)
			deallocated[n_deallocated++] =
				((struct machina_port_args *)arg)->name;
		return KERN_SUCCESS;
	case MACHINA_IOC_PORT_UNGUARD:
		n_unguard++;
		return KERN_SUCCESS;
	case MACHINA_IOC_PORT_MOD_REFS: {
		struct machina_port_args *a = arg;

		if (a->right == MACH_PORT_RIGHT_RECEIVE && a->delta == -1)
			n_rcv_destroy++;
		return KERN_SUCCESS;
	}
	case MACHINA_IOC_PORT_GET_ATTRIBUTES: {
		struct machina_port_attr *at = arg;
		uint32_t i;

		/* Answer every word the caller has room for. */
		for (i = 0; i < at->count; i++)
			at->info[i] = 100 + i;
		return KERN_SUCCESS;
	}
	case MACHINA_IOC_PORT_SET_ATTRIBUTES:
		return KERN_SUCCESS;
	case MACHINA_IOC_VM_DEALLOCATE: {
		struct machina_vm_args *a = arg;
		uint64_t mask = vm_page_size - 1;

		/* What the module does to the caller's own memory. */
		vm_seen = *a;
		vm_cmd_seen = cmd;
		munmap((void *)(uintptr_t)(a->address & ~mask),
		       ((a->address + a->size + mask) & ~mask) -
			       (a->address & ~mask));
		return KERN_SUCCESS;
	}
	case MACHINA_IOC_VM_ALLOCATE: {
		struct machina_vm_args *a = arg;
		void *p;

		/* What the module does for the caller's own task. */
		vm_seen = *a;
		vm_cmd_seen = cmd;
		p = mmap(NULL, a->size ? a->size : 1, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return KERN_NO_SPACE;
		a->address = a->size ? (uintptr_t)p : 0;
		return KERN_SUCCESS;
	}
	case MACHINA_IOC_VM_PROTECT:
	case MACHINA_IOC_VM_READ:
	case MACHINA_IOC_VM_READ_OVERWRITE:
	case MACHINA_IOC_VM_WRITE: {
		struct machina_vm_args *a = arg;

		vm_seen = *a;
		vm_cmd_seen = cmd;
		a->address = 0x7000;
		a->data = 0x9010;
		return KERN_SUCCESS;
	}
	case MACHINA_IOC_VM_REGION: {
		struct machina_vm_region *r = arg;
		uint32_t i;

		if (r->count < 9)
			return KERN_INVALID_ARGUMENT;
		for (i = 0; i < 9; i++)
			r->info[i] = 200 + i;
		r->count = 9;
		r->address = 0x5000;
		r->size = 0x3000;
		return KERN_SUCCESS;
	}
	default:
		errno = ENOTTY;
		return -1;
	}
}

/* ---- a minimal harness ------------------------------------------------ */

static int passed, failed;
static const char *current;

#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond)) {                                              \
			printf("  FAIL %s: %s (line %d)\n", current, #cond, \
			       __LINE__);                                   \
			failed_here = 1;                                    \
		}                                                           \
	} while (0)

#define TEST(name) static void name(int *failed_here_p)
#define failed_here (*failed_here_p)

static void run(const char *name, void (*fn)(int *))
{
	int f = 0;

	current = name;
	reset();
	fn(&f);
	if (f) {
		failed++;
		printf("not ok %s\n", name);
	} else {
		passed++;
		printf("ok %s\n", name);
	}
}

static int mapped(void *addr)
{
	unsigned char vec;

	return mincore((void *)((uintptr_t)addr &
				~(uintptr_t)(vm_page_size - 1)),
		       1, &vec) == 0;
}

/* ---- tests -------------------------------------------------------------- */

TEST(task_self_is_asked_once)
{
	int before = n_task_self;

	CHECK(mach_task_self() == 0x103);
	CHECK(mach_task_self() == 0x103);
	CHECK(mach_task_self_ == 0x103);
	CHECK(n_task_self - before <= 1);
	CHECK(mach_task_is_self(0x103));
	CHECK(!mach_task_is_self(0x207));
}

TEST(fork_child_gets_its_own_names)
{
	mach_port_t before_reply = mig_get_reply_port();
	int status = 0;
	pid_t pid;

	CHECK(before_reply != MACH_PORT_NULL);
	CHECK(mig_get_reply_port() == before_reply);
	self_name = 0x207; /* what the child's new space answers */
	pid = fork();
	if (pid == 0) {
		int bad = 0;

		/* Read directly, not through the macro: must be fresh. */
		bad |= mach_task_self_ != 0x207;
		bad |= mig_get_reply_port() == before_reply;
		_exit(bad);
	}
	self_name = 0x103;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(mach_task_self_ == 0x103);
	CHECK(mig_get_reply_port() == before_reply);
}

TEST(send_interrupted_restarts_whole_call)
{
	mach_msg_header_t h = { .msgh_size = sizeof(h) };

	msg_script[0] = MACH_SEND_INTERRUPTED;
	msg_script[1] = MACH_SEND_INTERRUPTED;
	n_msg_script = 2;
	CHECK(mach_msg(&h, MACH_SEND_MSG | MACH_RCV_MSG, 24, 64, 0x503, 0, 0) ==
	      MACH_MSG_SUCCESS);
	CHECK(n_msg_calls == 3);
	CHECK(msg_calls[2].option == (MACH_SEND_MSG | MACH_RCV_MSG));
	CHECK(msg_calls[2].send_size == 24);
}

TEST(rcv_interrupted_restarts_receive_only)
{
	mach_msg_header_t h = { .msgh_size = sizeof(h) };

	msg_script[0] = MACH_RCV_INTERRUPTED;
	msg_script[1] = MACH_RCV_INTERRUPTED;
	n_msg_script = 2;
	CHECK(mach_msg(&h,
		       MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_SYNC_WAIT |
			       MACH_RCV_TIMEOUT,
		       24, 64, 0x503, 7, 0) == MACH_MSG_SUCCESS);
	CHECK(n_msg_calls == 3);
	CHECK(msg_calls[1].option == (MACH_RCV_MSG | MACH_RCV_TIMEOUT));
	CHECK(msg_calls[1].send_size == 0);
	CHECK(msg_calls[2].rcv_size == 64 && msg_calls[2].timeout == 7);
}

TEST(interrupt_options_are_honoured_and_not_passed_on)
{
	mach_msg_header_t h = { .msgh_size = sizeof(h) };

	msg_script[0] = MACH_SEND_INTERRUPTED;
	n_msg_script = 1;
	CHECK(mach_msg(&h, MACH_SEND_MSG | MACH_SEND_INTERRUPT, 24, 0, 0, 0,
		       0) == MACH_SEND_INTERRUPTED);
	CHECK(n_msg_calls == 1);
	CHECK(msg_calls[0].option == MACH_SEND_MSG);

	reset();
	msg_script[0] = MACH_RCV_INTERRUPTED;
	n_msg_script = 1;
	CHECK(mach_msg(&h, MACH_RCV_MSG | MACH_RCV_INTERRUPT, 0, 64, 0x503, 0,
		       0) == MACH_RCV_INTERRUPTED);
	CHECK(n_msg_calls == 1);
	CHECK(msg_calls[0].option == MACH_RCV_MSG);
}

TEST(eintr_from_the_device_counts_as_interrupted)
{
	mach_msg_header_t h = { .msgh_size = sizeof(h) };

	msg_errno_first = EINTR;
	CHECK(mach_msg(&h, MACH_RCV_MSG, 0, 64, 0x503, 0, 0) ==
	      MACH_MSG_SUCCESS);
	CHECK(n_msg_calls == 2);
}

TEST(overwrite_passes_the_receive_buffer)
{
	mach_msg_header_t send = { .msgh_size = sizeof(send) }, rcv;

	CHECK(mach_msg_overwrite(&send, MACH_SEND_MSG | MACH_RCV_MSG, 24,
				 sizeof(rcv), 0x503, 0, 0, &rcv,
				 0) == MACH_MSG_SUCCESS);
	CHECK(msg_calls[0].rcv_msg == (uintptr_t)&rcv);
	CHECK(msg_calls[0].notify == 0);
}

TEST(names_grow_and_land_in_fresh_pages)
{
	mach_port_name_array_t names = NULL;
	mach_port_type_array_t types = NULL;
	mach_msg_type_number_t nn = 0, nt = 0;

	names_total = 100;
	CHECK(mach_port_names(mach_task_self(), &names, &nn, &types, &nt) ==
	      KERN_SUCCESS);
	CHECK(n_names_calls == 2);
	CHECK(nn == 100 && nt == 100);
	CHECK(names && names[99] == (100u << 8 | 3));
	CHECK(types && types[0] == MACH_PORT_TYPE_RECEIVE);
	CHECK(((uintptr_t)names & (vm_page_size - 1)) == 0);
	CHECK(vm_deallocate(mach_task_self(), (vm_address_t)names,
			    nn * sizeof(*names)) == KERN_SUCCESS);
	CHECK(vm_deallocate(mach_task_self(), (vm_address_t)types,
			    nt * sizeof(*types)) == KERN_SUCCESS);
	CHECK(!mapped(names) && !mapped(types));

	names_total = 0;
	CHECK(mach_port_names(mach_task_self(), &names, &nn, &types, &nt) ==
	      KERN_SUCCESS);
	CHECK(nn == 0 && names == NULL);
	names_total = 100;
}

TEST(vm_calls_reach_the_module_with_their_arguments)
{
	mach_vm_address_t c = 0x1234;
	vm_address_t a = 0x4000;
	vm_offset_t data = 0;
	mach_msg_type_number_t cnt = 0;
	mach_vm_size_t out = 0;
	vm_region_basic_info_data_64_t info;
	mach_msg_type_number_t icnt = VM_REGION_BASIC_INFO_COUNT_64;
	mach_port_t obj = 1;
	mach_vm_size_t rsize = 0;

	CHECK(VM_REGION_BASIC_INFO_COUNT_64 == 9);
	CHECK(mach_vm_allocate(0x207, &c, 100,
			       VM_FLAGS_ANYWHERE | VM_MAKE_TAG(240)) ==
	      KERN_SUCCESS);
	CHECK(vm_cmd_seen == MACHINA_IOC_VM_ALLOCATE && vm_seen.task == 0x207 &&
	      vm_seen.address == 0x1234 && vm_seen.size == 100 &&
	      (uint32_t)vm_seen.vm_flags == (VM_FLAGS_ANYWHERE | 0xF0000000u));
	CHECK(c && c != 0x1234 && mapped((void *)(uintptr_t)c));
	CHECK(mach_vm_deallocate(0x207, c, 100) == KERN_SUCCESS);
	CHECK(vm_cmd_seen == MACHINA_IOC_VM_DEALLOCATE && vm_seen.size == 100);
	CHECK(!mapped((void *)(uintptr_t)c));
	CHECK(vm_allocate(mach_task_self(), &a, 10, VM_FLAGS_FIXED) ==
		      KERN_SUCCESS &&
	      a != 0x4000);
	CHECK(vm_deallocate(mach_task_self(), a, 10) == KERN_SUCCESS);
	CHECK(vm_protect(0x207, 0x5000, 7, TRUE, VM_PROT_READ) ==
	      KERN_SUCCESS);
	CHECK(vm_cmd_seen == MACHINA_IOC_VM_PROTECT && vm_seen.vm_flags == 1 &&
	      vm_seen.prot == VM_PROT_READ && vm_seen.size == 7);
	CHECK(mach_vm_read(0x207, 0x5001, 33, &data, &cnt) == KERN_SUCCESS);
	CHECK(vm_cmd_seen == MACHINA_IOC_VM_READ && data == 0x9010 &&
	      cnt == 33);
	CHECK(mach_vm_read_overwrite(0x207, 0x5001, 33, 0x8000, &out) ==
		      KERN_SUCCESS &&
	      out == 33);
	CHECK(vm_seen.data == 0x8000);
	CHECK(mach_vm_write(0x207, 0x5002, 0x6000, 12) == KERN_SUCCESS);
	CHECK(vm_cmd_seen == MACHINA_IOC_VM_WRITE && vm_seen.data == 0x6000 &&
	      vm_seen.size == 12 && vm_seen.address == 0x5002);
	c = 0x4000;
	CHECK(mach_vm_region(0x207, &c, &rsize, VM_REGION_BASIC_INFO_64,
			     (vm_region_info_t)&info, &icnt, &obj) ==
	      KERN_SUCCESS);
	CHECK(c == 0x5000 && rsize == 0x3000 && icnt == 9 && obj == 0);
	CHECK(info.protection == 200 && info.user_wired_count == 208);
	CHECK(mach_vm_read(0x207, 0, 1, NULL, &cnt) == KERN_INVALID_ARGUMENT);
}

/* A complex message carrying each kind of right and memory. */
struct rich_msg {
	mach_msg_header_t h;
	mach_msg_body_t body;
	mach_msg_port_descriptor_t port;
	mach_msg_ool_descriptor_t ool;
	mach_msg_ool_ports_descriptor_t ports;
	mach_msg_guarded_port_descriptor_t guarded;
};

TEST(destroy_releases_everything_a_message_carries)
{
	struct rich_msg m;
	void *ool = mmap(NULL, 5000, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mach_port_t *arr = mmap(NULL, 8, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	memset(&m, 0, sizeof(m));
	arr[0] = 0x703;
	arr[1] = 0x803;
	m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND_ONCE,
				       MACH_MSG_TYPE_PORT_SEND) |
			MACH_MSGH_BITS_COMPLEX;
	m.h.msgh_remote_port = 0x403;
	m.h.msgh_local_port = 0x503; /* holds no right: left alone */
	m.body.msgh_descriptor_count = 4;
	m.port.name = 0x603;
	m.port.disposition = MACH_MSG_TYPE_PORT_SEND;
	m.port.type = MACH_MSG_PORT_DESCRIPTOR;
	m.ool.address = ool;
	m.ool.size = 5000;
	m.ool.deallocate = 1;
	m.ool.type = MACH_MSG_OOL_DESCRIPTOR;
	m.ports.address = arr;
	m.ports.count = 2;
	m.ports.deallocate = 1;
	m.ports.disposition = MACH_MSG_TYPE_PORT_SEND;
	m.ports.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
	m.guarded.name = 0x903;
	m.guarded.context = 42;
	m.guarded.disposition = MACH_MSG_TYPE_PORT_RECEIVE;
	m.guarded.type = MACH_MSG_GUARDED_PORT_DESCRIPTOR;

	mach_msg_destroy(&m.h);
	CHECK(n_deallocated == 4);
	CHECK(deallocated[0] == 0x403 && deallocated[1] == 0x603);
	CHECK(deallocated[2] == 0x703 && deallocated[3] == 0x803);
	CHECK(n_unguard == 1 && n_rcv_destroy == 1);
	CHECK(!mapped(ool) && !mapped((char *)ool + 4096) && !mapped(arr));
}

/* ---- the server loop -------------------------------------------------- */

static mach_msg_bits_t request_reply_bits = MACH_MSG_TYPE_PORT_SEND_ONCE;
static int request_complex;

/* Delivers a request with a reply right 0x403 and, maybe, a port 0x603. */
static void deliver_request(mach_msg_header_t *buf, struct machina_msg *m)
{
	struct rich_msg *r = (struct rich_msg *)buf;

	(void)m;
	memset(r, 0, sizeof(mach_msg_base_t) + sizeof(r->port));
	r->h.msgh_bits = MACH_MSGH_BITS(request_reply_bits, 0);
	r->h.msgh_size = sizeof(mach_msg_header_t);
	r->h.msgh_remote_port = 0x403;
	r->h.msgh_local_port = 0x503;
	r->h.msgh_id = 500;
	if (request_complex) {
		r->h.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
		r->body.msgh_descriptor_count = 1;
		r->port.name = 0x603;
		r->port.disposition = MACH_MSG_TYPE_PORT_SEND;
		r->port.type = MACH_MSG_PORT_DESCRIPTOR;
		r->h.msgh_size = sizeof(mach_msg_base_t) + sizeof(r->port);
	}
}

static kern_return_t demux_retcode;

static boolean_t demux(mach_msg_header_t *in, mach_msg_header_t *out)
{
	mig_reply_error_t *reply = (mig_reply_error_t *)out;

	reply->Head.msgh_bits =
		MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(in->msgh_bits), 0);
	reply->Head.msgh_remote_port = in->msgh_remote_port;
	reply->Head.msgh_size = sizeof(*reply);
	reply->Head.msgh_id = in->msgh_id + 100;
	reply->NDR = NDR_record;
	reply->RetCode = demux_retcode;
	return TRUE;
}

TEST(server_once_replies)
{
	on_receive = deliver_request;
	demux_retcode = KERN_SUCCESS;
	request_reply_bits = MACH_MSG_TYPE_PORT_SEND_ONCE;
	request_complex = 0;
	CHECK(mach_msg_server_once(demux, 1024, 0x503, 0) == MACH_MSG_SUCCESS);
	CHECK(n_msg_calls == 2);
	CHECK(msg_calls[0].option == MACH_RCV_MSG);
	CHECK(msg_calls[0].rcv_size == 1024 + sizeof(mach_msg_trailer_t));
	/* Send-once reply: never blocks, so no send timeout. */
	CHECK(msg_calls[1].option == MACH_SEND_MSG);
	CHECK(msg_calls[1].send_size == sizeof(mig_reply_error_t));

	/* Through a send right, the reply must not block the server. */
	reset();
	on_receive = deliver_request;
	request_reply_bits = MACH_MSG_TYPE_PORT_SEND;
	CHECK(mach_msg_server_once(demux, 1024, 0x503, 0) == MACH_MSG_SUCCESS);
	CHECK(msg_calls[1].option == (MACH_SEND_MSG | MACH_SEND_TIMEOUT));
	CHECK(msg_calls[1].timeout == 0);
	request_reply_bits = MACH_MSG_TYPE_PORT_SEND_ONCE;
}

TEST(server_once_no_reply_and_errors)
{
	on_receive = deliver_request;
	demux_retcode = MIG_NO_REPLY;
	CHECK(mach_msg_server_once(demux, 1024, 0x503, 0) == MACH_MSG_SUCCESS);
	CHECK(n_msg_calls == 1);
	CHECK(n_deallocated == 0);

	/* An error reply: the request's rights go, the reply right stays. */
	reset();
	on_receive = deliver_request;
	demux_retcode = KERN_INVALID_ARGUMENT;
	request_complex = 1;
	CHECK(mach_msg_server_once(demux, 1024, 0x503, 0) == MACH_MSG_SUCCESS);
	CHECK(n_msg_calls == 2);
	CHECK(n_deallocated == 1 && deallocated[0] == 0x603);
	request_complex = 0;

	/* A dead client: the reply comes back and is destroyed. */
	reset();
	on_receive = deliver_request;
	demux_retcode = KERN_SUCCESS;
	msg_script[1] = MACH_SEND_INVALID_DEST;
	n_msg_script = 2;
	CHECK(mach_msg_server_once(demux, 1024, 0x503, 0) == MACH_MSG_SUCCESS);
	CHECK(n_deallocated == 1 && deallocated[0] == 0x403);
}

TEST(server_once_grows_for_large_requests)
{
	on_receive = deliver_request;
	demux_retcode = KERN_SUCCESS;
	msg_script[0] = MACH_RCV_TOO_LARGE;
	n_msg_script = 1;
	CHECK(mach_msg_server_once(demux, 1024, 0x503, MACH_RCV_LARGE) ==
	      MACH_MSG_SUCCESS);
	CHECK(n_msg_calls == 3);
	CHECK(msg_calls[0].rcv_size == vm_page_size);
	CHECK(msg_calls[1].rcv_size >= 10000 + sizeof(mach_msg_trailer_t));
	CHECK(msg_calls[1].rcv_size % vm_page_size == 0);

	/* Without MACH_RCV_LARGE the error is the caller's. */
	reset();
	msg_script[0] = MACH_RCV_TOO_LARGE;
	n_msg_script = 1;
	CHECK(mach_msg_server_once(demux, 1024, 0x503, 0) ==
	      MACH_RCV_TOO_LARGE);
}

TEST(server_loop_replies_and_polls)
{
	on_receive = deliver_request;
	demux_retcode = KERN_SUCCESS;
	/* receive, reply+poll (request), reply+poll (none), receive fails */
	msg_script[0] = MACH_MSG_SUCCESS;
	msg_script[1] = MACH_MSG_SUCCESS;
	msg_script[2] = MACH_RCV_TIMED_OUT;
	msg_script[3] = MACH_RCV_INVALID_NAME;
	n_msg_script = 4;
	CHECK(mach_msg_server(demux, 1024, 0x503, 0) == MACH_RCV_INVALID_NAME);
	CHECK(n_msg_calls == 4);
	CHECK(msg_calls[0].option == MACH_RCV_MSG);
	CHECK(msg_calls[1].option ==
	      (MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT));
	CHECK(msg_calls[1].timeout == 0 && msg_calls[1].rcv_msg != 0);
	CHECK(msg_calls[1].rcv_msg != msg_calls[1].msg);
	CHECK(msg_calls[3].option == MACH_RCV_MSG);
}

TEST(attributes_follow_mig_bounds)
{
	integer_t info[32];
	mach_msg_type_number_t count = 32;

	CHECK(mach_port_get_attributes(mach_task_self(), 0x503,
				       MACH_PORT_INFO_EXT, info,
				       &count) == KERN_SUCCESS);
	CHECK(count == MACH_PORT_INFO_EXT_COUNT);
	CHECK(info[16] == 116);
	CHECK(mach_port_set_attributes(mach_task_self(), 0x503,
				       MACH_PORT_LIMITS_INFO, info,
				       18) == MIG_ARRAY_TOO_LARGE);
}

TEST(error_strings)
{
	CHECK(!strcmp(mach_error_string(KERN_SUCCESS), "(os/kern) successful"));
	CHECK(!strcmp(mach_error_string(KERN_INVALID_NAME),
		      "(os/kern) invalid name"));
	CHECK(!strcmp(mach_error_string(KERN_NOT_FOUND),
		      "(os/kern) result not found"));
	CHECK(!strcmp(mach_error_string(MACH_SEND_INVALID_DEST),
		      "(ipc/send) invalid destination port"));
	CHECK(!strcmp(mach_error_string(MACH_RCV_TIMED_OUT),
		      "(ipc/rcv) timed out"));
	CHECK(!strcmp(mach_error_string(MACH_RCV_HEADER_ERROR |
					MACH_MSG_IPC_SPACE),
		      "(ipc/rcv) header error"));
	CHECK(!strcmp(mach_error_string(MIG_NO_REPLY),
		      "(ipc/mig) no reply should be sent"));
	CHECK(!strcmp(mach_error_string(MIG_BAD_ID),
		      "(ipc/mig) bad request message ID"));
	CHECK(!strcmp(mach_error_type(MACH_SEND_TIMED_OUT), "(ipc/send)"));
	CHECK(!strcmp(mach_error_string(200), "(os/kern) unknown error code"));
	CHECK(!strcmp(mach_error_string(unix_err(ENOENT)),
		      "(os/unix) No such file or directory"));
	CHECK(!strcmp(mach_error_string(err_system(0x20)),
		      "(?/?) unknown error system"));
}

TEST(mig_strings)
{
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	CHECK(mig_strncpy(buf, "abc", sizeof(buf)) == 4);
	CHECK(!strcmp(buf, "abc") && buf[4] == 'x');
	CHECK(mig_strncpy(buf, "abcdefghij", sizeof(buf)) == 8);
	CHECK(!strcmp(buf, "abcdefg"));
	CHECK(mig_strncpy(buf, "abc", 0) == 0);
	memset(buf, 'x', sizeof(buf));
	CHECK(mig_strncpy_zerofill(buf, "ab", sizeof(buf)) == 3);
	CHECK(buf[2] == 0 && buf[7] == 0);
}

TEST(page_size_is_the_kernels)
{
	CHECK(vm_page_size == (vm_size_t)sysconf(_SC_PAGESIZE));
	CHECK(vm_page_mask == vm_page_size - 1);
	CHECK((1ul << vm_page_shift) == vm_page_size);
	CHECK(round_page(1) == vm_page_size &&
	      trunc_page(vm_page_size + 1) == vm_page_size);
}

/* ---- the bootstrap client ----------------------------------------------- */

static bs_name_request_t bs_seen;	/* the last request, as sent */
static union {
	mach_msg_header_t head;
	bs_port_reply_t port;
	mig_reply_error_t error;
} bs_answer;

/* Keeps the request, then writes bs_answer where the reply goes. */
static void deliver_bs_answer(mach_msg_header_t *buf, struct machina_msg *m)
{
	memcpy(&bs_seen, (void *)(uintptr_t)m->msg, sizeof(bs_seen));
	memcpy(buf, &bs_answer, bs_answer.head.msgh_size);
}

static void bs_error_answer(mach_msg_id_t id, kern_return_t code)
{
	memset(&bs_answer, 0, sizeof(bs_answer));
	bs_answer.head.msgh_bits = MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND_ONCE);
	bs_answer.head.msgh_size = sizeof(mig_reply_error_t);
	bs_answer.head.msgh_id = id;
	bs_answer.error.RetCode = code;
}

static void bs_port_answer(mach_msg_id_t id, mach_msg_type_name_t type)
{
	memset(&bs_answer, 0, sizeof(bs_answer));
	bs_answer.head.msgh_bits = MACH_MSGH_BITS_COMPLEX;
	bs_answer.head.msgh_size = sizeof(bs_port_reply_t);
	bs_answer.head.msgh_id = id;
	bs_answer.port.body.msgh_descriptor_count = 1;
	bs_answer.port.port.name = 0x707;
	bs_answer.port.port.disposition = type;
	bs_answer.port.port.type = MACH_MSG_PORT_DESCRIPTOR;
}

TEST(bootstrap_client_checks_replies)
{
	char long_name[BOOTSTRAP_MAX_NAME_LEN + 1];
	mach_port_t sp = MACH_PORT_NULL;

	on_receive = deliver_bs_answer;

	/* The request: one send+receive call, MIG-shaped, name inline. */
	bs_port_answer(BS_REPLY_ID(BS_LOOK_UP), MACH_MSG_TYPE_PORT_SEND);
	CHECK(bootstrap_look_up(0x903, "org.example.x", &sp) == KERN_SUCCESS);
	CHECK(sp == 0x707);
	CHECK(n_msg_calls == 1);
	CHECK(msg_calls[0].option == (MACH_SEND_MSG | MACH_RCV_MSG));
	CHECK(msg_calls[0].send_size == sizeof(bs_name_request_t));
	CHECK(bs_seen.Head.msgh_bits ==
	      MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE));
	CHECK(bs_seen.Head.msgh_remote_port == 0x903);
	CHECK(bs_seen.Head.msgh_local_port == msg_calls[0].rcv_name);
	CHECK(bs_seen.Head.msgh_id == BS_LOOK_UP);
	CHECK(!strcmp(bs_seen.name, "org.example.x"));

	/* A status from the server. */
	bs_error_answer(BS_REPLY_ID(BS_LOOK_UP), BOOTSTRAP_UNKNOWN_SERVICE);
	CHECK(bootstrap_look_up(0x903, "x", &sp) == BOOTSTRAP_UNKNOWN_SERVICE);
	/* Success without the right is a malformed reply. */
	bs_error_answer(BS_REPLY_ID(BS_CHECK_IN), KERN_SUCCESS);
	CHECK(bootstrap_check_in(0x903, "x", &sp) == MIG_TYPE_ERROR);
	/* check-in must hand over a receive right, not a send right. */
	bs_port_answer(BS_REPLY_ID(BS_CHECK_IN), MACH_MSG_TYPE_PORT_SEND);
	n_deallocated = 0;
	CHECK(bootstrap_check_in(0x903, "x", &sp) == MIG_TYPE_ERROR);
	CHECK(n_deallocated == 1 && deallocated[0] == 0x707);
	/* Someone else's reply. */
	bs_error_answer(BS_REPLY_ID(BS_CHECK_IN), KERN_SUCCESS);
	CHECK(bootstrap_look_up(0x903, "x", &sp) == MIG_REPLY_MISMATCH);
	/* The server died holding the request: the send-once notification. */
	bs_error_answer(MACH_NOTIFY_SEND_ONCE, 0);
	bs_answer.head.msgh_size = sizeof(mach_msg_header_t);
	CHECK(bootstrap_register(0x903, "x", 0x505) == MIG_SERVER_DIED);
	/* register: a plain status, and its right as a port descriptor. */
	bs_error_answer(BS_REPLY_ID(BS_REGISTER), BOOTSTRAP_NAME_IN_USE);
	CHECK(bootstrap_register(0x903, "x", 0x505) == BOOTSTRAP_NAME_IN_USE);

	/* Names that do not fit name_t never reach the server. */
	n_msg_calls = 0;
	memset(long_name, 'a', BOOTSTRAP_MAX_NAME_LEN);
	long_name[BOOTSTRAP_MAX_NAME_LEN] = 0;
	CHECK(bootstrap_look_up(0x903, long_name, &sp) == BOOTSTRAP_BAD_COUNT);
	CHECK(bootstrap_register(0x903, long_name, 0) == BOOTSTRAP_BAD_COUNT);
	CHECK(n_msg_calls == 0);

	/* A failed receive discards the reply port; a failed send keeps it. */
	n_rcv_destroy = 0;
	msg_script[0] = MACH_SEND_INVALID_DEST;
	msg_script[1] = MACH_RCV_PORT_DIED;
	n_msg_script = 2;
	n_msg_calls = 0;
	CHECK(bootstrap_look_up(0x903, "x", &sp) == MACH_SEND_INVALID_DEST);
	CHECK(n_rcv_destroy == 0);
	CHECK(bootstrap_look_up(0x903, "x", &sp) == MACH_RCV_PORT_DIED);
	CHECK(n_rcv_destroy == 1);
	on_receive = NULL;

	CHECK(!strcmp(bootstrap_strerror(BOOTSTRAP_SERVICE_ACTIVE),
		      "Service name already exists"));
	CHECK(!strcmp(bootstrap_strerror(KERN_INVALID_NAME),
		      mach_error_string(KERN_INVALID_NAME)));
}

int main(void)
{
	setenv("MACHINA_QUIET", "1", 1);
	run("task_self_is_asked_once", task_self_is_asked_once);
	run("fork_child_gets_its_own_names", fork_child_gets_its_own_names);
	run("send_interrupted_restarts_whole_call",
	    send_interrupted_restarts_whole_call);
	run("rcv_interrupted_restarts_receive_only",
	    rcv_interrupted_restarts_receive_only);
	run("interrupt_options_are_honoured_and_not_passed_on",
	    interrupt_options_are_honoured_and_not_passed_on);
	run("eintr_from_the_device_counts_as_interrupted",
	    eintr_from_the_device_counts_as_interrupted);
	run("overwrite_passes_the_receive_buffer",
	    overwrite_passes_the_receive_buffer);
	run("names_grow_and_land_in_fresh_pages",
	    names_grow_and_land_in_fresh_pages);
	run("vm_calls_reach_the_module_with_their_arguments",
	    vm_calls_reach_the_module_with_their_arguments);
	run("destroy_releases_everything_a_message_carries",
	    destroy_releases_everything_a_message_carries);
	run("server_once_replies", server_once_replies);
	run("server_once_no_reply_and_errors", server_once_no_reply_and_errors);
	run("server_once_grows_for_large_requests",
	    server_once_grows_for_large_requests);
	run("server_loop_replies_and_polls", server_loop_replies_and_polls);
	run("attributes_follow_mig_bounds", attributes_follow_mig_bounds);
	run("error_strings", error_strings);
	run("mig_strings", mig_strings);
	run("page_size_is_the_kernels", page_size_is_the_kernels);
	run("bootstrap_client_checks_replies", bootstrap_client_checks_replies);
	printf("libmach: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
