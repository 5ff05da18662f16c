// SPDX-License-Identifier: GPL-2.0
/*
 * Exception delivery (issue 13, slice 2): user faults raised as Mach
 * exceptions to EXCEPTION_DEFAULT handlers, written as a Darwin program
 * catches them (mach_msg on the exception port, a MIG reply by hand: the
 * library has no exc_server yet).
 *
 * Checked: each fault the architecture raises reaches a handler thread
 * with Darwin's codes, as exception_raise (2401, 32-bit codes) and
 * mach_exception_raise (2405, MACH_EXCEPTION_CODES), with send rights to
 * the faulting thread and task; KERN_SUCCESS after the handler fixed the
 * cause (mmap, mprotect) resumes the thread, which re-executes the access;
 * any other answer delivers Linux's own signal (si_code, si_addr) to the
 * program's handler; the thread -> task -> host order (host as root only);
 * a handler port destroyed with the request queued, or a reply right
 * dropped, moves on to the next level; SIGKILL ends a wait no handler
 * answers (an ordinary signal does not); a parent catching its child's
 * fault through inherited task-level ports; many threads faulting at
 * once; and, as nobody, a setuid exec's image raising nothing to the
 * actions its invoker set.
 *
 * The host's table is global: the test that sets it clears it again.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <mach/host_priv.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

#define NOBODY		65534

/* Darwin's codes (<mach/arm/exception.h>, <mach/i386/exception.h>). */
#define EXC_ARM_UNDEFINED	1
#define EXC_ARM_BREAKPOINT	1
#define EXC_I386_INVOP		1
#define EXC_I386_DIV		1
#define EXC_I386_BPT		2
#define EXC_I386_GPFLT		13

#pragma pack(push, 4)
/* exc.defs / mach_exc.defs requests and their reply, as MIG lays them out. */
struct exc_request {
	mach_msg_header_t head;
	mach_msg_body_t body;
	mach_msg_port_descriptor_t thread;
	mach_msg_port_descriptor_t task;
	NDR_record_t NDR;
	exception_type_t exception;
	mach_msg_type_number_t codeCnt;
	union {
		int32_t code32[2];
		int64_t code64[2];
	};
};

struct exc_reply {
	mach_msg_header_t head;
	NDR_record_t NDR;
	kern_return_t RetCode;
};
#pragma pack(pop)

_Static_assert(offsetof(struct exc_request, exception) == 60, "exception @60");
_Static_assert(offsetof(struct exc_request, code32) == 68, "code @68");
_Static_assert(sizeof(struct exc_reply) == 36, "reply size");

/* A request with room for its trailer. */
union exc_buf {
	struct exc_request rq;
	uint8_t bytes[512];
};

/* Receive one request on @port within @ms. */
static mach_msg_return_t recv_request(mach_port_t port, union exc_buf *buf,
				      mach_msg_timeout_t ms)
{
	memset(buf, 0, sizeof(*buf));
	return mach_msg(&buf->rq.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(*buf),
			port, ms, MACH_PORT_NULL);
}

/* Answer @rq with @ret through its reply right, as MIG's exc_server does. */
static mach_msg_return_t send_reply(const struct exc_request *rq, kern_return_t ret)
{
	struct exc_reply rp;

	memset(&rp, 0, sizeof(rp));
	rp.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
	rp.head.msgh_size = sizeof(rp);
	rp.head.msgh_remote_port = rq->head.msgh_remote_port;
	rp.head.msgh_id = rq->head.msgh_id + 100;
	rp.NDR = NDR_record;
	rp.RetCode = ret;
	return mach_msg(&rp.head, MACH_SEND_MSG, sizeof(rp), 0, MACH_PORT_NULL, 0,
			MACH_PORT_NULL);
}

/* What a handler thread does with each request. */
enum handler_mode {
	H_REPLY,		/* answer with ->ret */
	H_DROP_REPLY,		/* receive, then drop the reply right unanswered */
	H_DESTROY_QUEUED,	/* destroy the port once a request is queued on it */
};

/* How the handler fixes the fault before it answers KERN_SUCCESS. */
enum handler_fix {
	FIX_NONE,
	FIX_MPROTECT,		/* fix_page becomes readable */
	FIX_MMAP,		/* a page holding 42 is mapped at fix_page */
};

struct handler {
	mach_port_t port;
	enum handler_mode mode;
	enum handler_fix fix;
	kern_return_t ret;
	int want;			/* requests to serve */
	/* results */
	int got;
	int seq;			/* the order of its first request */
	mach_msg_id_t id;
	exception_type_t exception;
	mach_msg_type_number_t code_cnt;
	int64_t code[2];
	mach_msg_size_t size;
	bool thread_ok, task_ok;	/* the ports named the faulting thread and task */
	pthread_t tid;
};

static void *fix_page;
static atomic_int seq;
static mach_port_t faulting_thread;	/* the faulting thread's name, when one */
static int pgsz;

/* The faulting thread's signal handler: the signal, its si_code and address. */
static sigjmp_buf sig_env;
static volatile int sig_no, sig_code;
static void *volatile sig_addr;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	sig_no = sig;
	sig_code = si->si_code;
	sig_addr = si->si_addr;
	siglongjmp(sig_env, 1);
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | SA_NODEFER };
	int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP };
	unsigned int i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	sig_no = 0;
}

static void do_fix(enum handler_fix fix)
{
	if (fix == FIX_MPROTECT)
		mprotect(fix_page, pgsz, PROT_READ | PROT_WRITE);
	if (fix == FIX_MMAP) {
		void *p = mmap(fix_page, pgsz, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

		if (p == fix_page)
			((int *)p)[1] = 42;
	}
}

/* Record one request in @h; the rights it carried go. */
static void note_request(struct handler *h, struct exc_request *rq)
{
	bool code64 = rq->head.msgh_id == 2405;

	if (!h->got++)
		h->seq = atomic_fetch_add(&seq, 1);
	h->id = rq->head.msgh_id;
	h->size = rq->head.msgh_size;
	h->exception = rq->exception;
	h->code_cnt = rq->codeCnt;
	h->code[0] = code64 ? rq->code64[0] : rq->code32[0];
	h->code[1] = code64 ? rq->code64[1] : rq->code32[1];
	h->thread_ok = !faulting_thread || rq->thread.name == faulting_thread;
	h->task_ok = rq->task.name == SELF;
	if ((rq->head.msgh_bits & MACH_MSGH_BITS_COMPLEX) && rq->body.msgh_descriptor_count == 2) {
		mach_port_deallocate(SELF, rq->thread.name);
		mach_port_deallocate(SELF, rq->task.name);
	}
}

static void *handler_main(void *arg)
{
	struct handler *h = arg;
	union exc_buf buf;
	int i, tries;

	for (i = 0; i < h->want; i++) {
		if (h->mode == H_DESTROY_QUEUED) {
			for (tries = 0; tries < 5000 && msgcount_of(h->port) < 1; tries++)
				usleep(1000);
			h->got += msgcount_of(h->port) > 0;
			h->seq = atomic_fetch_add(&seq, 1);
			mach_port_mod_refs(SELF, h->port, MACH_PORT_RIGHT_RECEIVE, -1);
			return NULL;
		}
		if (recv_request(h->port, &buf, 5000))
			return NULL;
		note_request(h, &buf.rq);
		if (h->mode == H_DROP_REPLY) {
			mach_port_deallocate(SELF, buf.rq.head.msgh_remote_port);
			continue;
		}
		if (h->ret == KERN_SUCCESS)
			do_fix(h->fix);
		send_reply(&buf.rq, h->ret);
	}
	return NULL;
}

/* Start a handler on a new port; returns the port (with a send right). */
static mach_port_t handler_start(struct handler *h, enum handler_mode mode,
				 kern_return_t ret, enum handler_fix fix, int want)
{
	memset(h, 0, sizeof(*h));
	h->port = new_port_send();
	h->mode = mode;
	h->ret = ret;
	h->fix = fix;
	h->want = want;
	h->seq = -1;
	if (h->port && pthread_create(&h->tid, NULL, handler_main, h))
		h->port = MACH_PORT_NULL;
	return h->port;
}

static void handler_join(struct handler *h)
{
	pthread_join(h->tid, NULL);
}

/* Give up a handler port's rights (the kernel's go with the actions). */
static void handler_drop(struct handler *h)
{
	if (h->mode != H_DESTROY_QUEUED)
		mach_port_mod_refs(SELF, h->port, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_deallocate(SELF, h->port);
}

/* The faults, each a function so the compiler keeps the instruction. */
static int __attribute__((noinline)) load(void *p)
{
	return *(volatile int *)p;
}

static void __attribute__((noinline)) undefined_insn(void)
{
#if defined(__aarch64__)
	asm volatile(".inst 0x0000dead");	/* udf #0xdead */
#else
	asm volatile("ud2");
#endif
}

static void __attribute__((noinline)) breakpoint(void)
{
#if defined(__aarch64__)
	asm volatile("brk #0x7");
#else
	asm volatile("int3");
#endif
}

/* A page of our own that faults: unmapped (MAPERR) or PROT_NONE (ACCERR). */
static void *fault_page(bool unmapped)
{
	void *p = mmap(NULL, pgsz, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (unmapped)
		munmap(p, pgsz);
	fix_page = p;
	return p;
}

static kern_return_t set_thread(mach_port_t port, exception_mask_t mask,
				exception_behavior_t behavior)
{
	mach_port_t th = mach_thread_self();
	kern_return_t kr = thread_set_exception_ports(th, mask, port, behavior, 0);

	/* The name stays (one reference kept): the request's right joins it. */
	if (faulting_thread == th)
		mach_port_deallocate(SELF, th);
	faulting_thread = th;
	return kr;
}

static kern_return_t set_task(mach_port_t port, exception_mask_t mask,
			      exception_behavior_t behavior)
{
	return task_set_exception_ports(SELF, mask, port, behavior, 0);
}

FIXTURE(exc) {
	int unused;
};

FIXTURE_SETUP(exc)
{
	IPC_REQUIRE();
	pgsz = getpagesize();
	faulting_thread = MACH_PORT_NULL;
}

FIXTURE_TEARDOWN(exc)
{
}

/* One BAD_ACCESS round of the tests below. */
struct round {
	bool thread_level;
	exception_mask_t mask;
	exception_behavior_t behavior;
	bool unmapped;			/* MAPERR, else a PROT_NONE page (ACCERR) */
	kern_return_t ret;		/* the handler's answer */
	enum handler_fix fix;
	/* results */
	int value;			/* what the load read (-1: a signal came) */
	int *addr;			/* the address loaded */
};

/*
 * bad_access_round - a handler answering @r->ret (after @r->fix) at the
 * level and with the behavior of @r; the thread loads the second word of
 * a faulting page; the action and everything else are undone
 * Returns: 0 with @h's and @r's results, or -1 when it could not start.
 */
static int bad_access_round(struct round *r, struct handler *h)
{
	kern_return_t (*set)(mach_port_t, exception_mask_t, exception_behavior_t) =
		r->thread_level ? set_thread : set_task;
	int *p;

	if (!handler_start(h, H_REPLY, r->ret, r->fix, 1))
		return -1;
	p = fault_page(r->unmapped);
	if (!p || set(h->port, r->mask, r->behavior))
		return -1;
	r->addr = p + 1;
	r->value = -1;
	catch_signals();
	if (!sigsetjmp(sig_env, 1))
		r->value = load(r->addr);
	handler_join(h);
	set(MACH_PORT_NULL, EXC_MASK_ALL, EXCEPTION_DEFAULT);
	handler_drop(h);
	munmap(p, pgsz);
	return 0;
}

/*
 * An unmapped load, 32-bit codes: exception_raise with KERN_INVALID_ADDRESS
 * and the address truncated to 32 bits; the handler maps the page and
 * answers KERN_SUCCESS: the load is executed again and reads the page.
 */
TEST_F(exc, bad_access_unmapped_resumes)
{
	struct round r = { true, EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT, true,
			   KERN_SUCCESS, FIX_MMAP };
	struct handler h;

	ASSERT_EQ(0, bad_access_round(&r, &h));
	EXPECT_EQ(42, r.value);
	EXPECT_EQ(0, sig_no);
	EXPECT_EQ(1, h.got);
	EXPECT_EQ(2401, h.id);
	EXPECT_EQ(76, h.size);
	EXPECT_EQ(EXC_BAD_ACCESS, h.exception);
	EXPECT_EQ(2, h.code_cnt);
	EXPECT_EQ(KERN_INVALID_ADDRESS, h.code[0]);
	EXPECT_EQ((int32_t)(uintptr_t)r.addr, h.code[1]);
	EXPECT_TRUE(h.thread_ok);
	EXPECT_TRUE(h.task_ok);
}

/*
 * A protection fault, 64-bit codes at the task level: KERN_PROTECTION_FAILURE
 * and the full address; mprotect in the handler, then the load succeeds.
 */
TEST_F(exc, bad_access_protection_codes64_resumes)
{
	struct round r = { false, EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES,
			   false, KERN_SUCCESS, FIX_MPROTECT };
	struct handler h;

	ASSERT_EQ(0, bad_access_round(&r, &h));
	EXPECT_EQ(0, r.value);
	EXPECT_EQ(0, sig_no);
	EXPECT_EQ(1, h.got);
	EXPECT_EQ(2405, h.id);
	EXPECT_EQ(84, h.size);
	EXPECT_EQ(EXC_BAD_ACCESS, h.exception);
	EXPECT_EQ(2, h.code_cnt);
	EXPECT_EQ(KERN_PROTECTION_FAILURE, h.code[0]);
	EXPECT_EQ((int64_t)(uintptr_t)r.addr, h.code[1]);
	EXPECT_TRUE(h.task_ok);
}

/* A handler answering KERN_FAILURE: Linux's SIGSEGV, SEGV_MAPERR, si_addr. */
TEST_F(exc, declined_gives_linux_signal)
{
	struct round r = { true, EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES,
			   true, KERN_FAILURE, FIX_NONE };
	struct handler h;

	ASSERT_EQ(0, bad_access_round(&r, &h));
	EXPECT_EQ(-1, r.value);
	EXPECT_EQ(SIGSEGV, sig_no);
	EXPECT_EQ(SEGV_MAPERR, sig_code);
	EXPECT_EQ((void *)r.addr, sig_addr);
	EXPECT_EQ(1, h.got);
	EXPECT_EQ(KERN_INVALID_ADDRESS, h.code[0]);
	EXPECT_EQ((int64_t)(uintptr_t)r.addr, h.code[1]);
}

/* No action for the type: the signal comes straight, no message. */
TEST_F(exc, other_type_not_raised)
{
	struct round r = { false, EXC_MASK_BAD_INSTRUCTION, EXCEPTION_DEFAULT, false,
			   KERN_SUCCESS, FIX_MPROTECT };
	struct handler h;

	ASSERT_EQ(0, bad_access_round(&r, &h));
	EXPECT_EQ(-1, r.value);
	EXPECT_EQ(SIGSEGV, sig_no);
	EXPECT_EQ(SEGV_ACCERR, sig_code);
	/* The handler's receive timed out. */
	EXPECT_EQ(0, h.got);
}

/* An undefined instruction, declined: SIGILL after the exception. */
TEST_F(exc, bad_instruction)
{
	int pass;

	for (pass = 0; pass < 2; pass++) {
		exception_behavior_t b = EXCEPTION_DEFAULT | (pass ? MACH_EXCEPTION_CODES : 0);
		struct handler h;

		ASSERT_NE(MACH_PORT_NULL, handler_start(&h, H_REPLY, KERN_FAILURE, FIX_NONE, 1));
		ASSERT_EQ(KERN_SUCCESS, set_thread(h.port, EXC_MASK_BAD_INSTRUCTION, b));
		catch_signals();
		if (!sigsetjmp(sig_env, 1))
			undefined_insn();
		EXPECT_EQ(SIGILL, sig_no);
		handler_join(&h);
		EXPECT_EQ(1, h.got);
		EXPECT_EQ(pass ? 2405 : 2401, h.id);
		EXPECT_EQ(EXC_BAD_INSTRUCTION, h.exception);
#if defined(__aarch64__)
		EXPECT_EQ(EXC_ARM_UNDEFINED, h.code[0]);
		EXPECT_EQ(0x0000dead, h.code[1]);
#else
		EXPECT_EQ(EXC_I386_INVOP, h.code[0]);
		EXPECT_EQ(0, h.code[1]);
#endif
		EXPECT_TRUE(h.thread_ok);
		set_thread(MACH_PORT_NULL, EXC_MASK_ALL, EXCEPTION_DEFAULT);
		handler_drop(&h);
	}
}

/* A breakpoint instruction, declined: SIGTRAP after the exception. */
TEST_F(exc, breakpoint)
{
	struct handler h;

	/* A record for this thread (arm64 before 6.12 defers through it). */
	faulting_thread = mach_thread_self();
	ASSERT_NE(MACH_PORT_NULL, handler_start(&h, H_REPLY, KERN_FAILURE, FIX_NONE, 1));
	ASSERT_EQ(KERN_SUCCESS, set_task(h.port, EXC_MASK_BREAKPOINT,
					 EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES));
	catch_signals();
	if (!sigsetjmp(sig_env, 1))
		breakpoint();
	EXPECT_EQ(SIGTRAP, sig_no);
	handler_join(&h);
	EXPECT_EQ(1, h.got);
	EXPECT_EQ(EXC_BREAKPOINT, h.exception);
	EXPECT_TRUE(h.thread_ok);
#if defined(__aarch64__)
	EXPECT_EQ(EXC_ARM_BREAKPOINT, h.code[0]);
	EXPECT_EQ((int64_t)(uintptr_t)sig_addr, h.code[1]);
#else
	EXPECT_EQ(EXC_I386_BPT, h.code[0]);
	EXPECT_EQ(0, h.code[1]);
#endif
	set_task(MACH_PORT_NULL, EXC_MASK_ALL, EXCEPTION_DEFAULT);
	handler_drop(&h);
}

#if defined(__x86_64__)
static volatile int divide_sink;

/* noipa: the call must stay although its result is only stored. */
static int __attribute__((noinline, noipa)) divide(volatile int a, volatile int b)
{
	return a / b;
}
#endif

/* x86_64: divide by zero (arm64's does not trap) and a user #GP. */
TEST_F(exc, x86_arithmetic_and_gp)
{
#if defined(__x86_64__)
	struct handler h;

	ASSERT_NE(MACH_PORT_NULL, handler_start(&h, H_REPLY, KERN_FAILURE, FIX_NONE, 2));
	ASSERT_EQ(KERN_SUCCESS, set_thread(h.port, EXC_MASK_ARITHMETIC | EXC_MASK_BAD_ACCESS,
					   EXCEPTION_DEFAULT));
	catch_signals();
	if (!sigsetjmp(sig_env, 1))
		divide_sink = divide(1, 0);
	EXPECT_EQ(SIGFPE, sig_no);
	EXPECT_EQ(FPE_INTDIV, sig_code);
	/* hlt in user mode: #GP, error code 0 (a SIGSEGV handler is installed). */
	sig_no = 0;
	if (!sigsetjmp(sig_env, 1))
		asm volatile("hlt");
	EXPECT_EQ(SIGSEGV, sig_no);
	handler_join(&h);
	EXPECT_EQ(2, h.got);
	EXPECT_EQ(EXC_BAD_ACCESS, h.exception);
	EXPECT_EQ(EXC_I386_GPFLT, h.code[0]);
	EXPECT_EQ(0, h.code[1]);
	set_thread(MACH_PORT_NULL, EXC_MASK_ALL, EXCEPTION_DEFAULT);
	handler_drop(&h);
#else
	SKIP(return, "x86_64 only (arm64 raises no arithmetic exception for integer division)");
#endif
}

/*
 * thread -> task -> host: the thread's and the task's handlers decline in
 * that order, the host's (root only; the task's otherwise) fixes and
 * answers KERN_SUCCESS.
 */
TEST_F(exc, triage_order)
{
	mach_port_t priv = geteuid() == 0 ? ipc_host_priv() : MACH_PORT_NULL;
	bool host = MACH_PORT_VALID(priv);
	struct handler th, tk, hs;
	void *p;

	ASSERT_NE(MACH_PORT_NULL, handler_start(&th, H_REPLY, KERN_FAILURE, FIX_NONE, 1));
	ASSERT_NE(MACH_PORT_NULL, handler_start(&tk, H_REPLY, host ? KERN_FAILURE : KERN_SUCCESS,
						FIX_MMAP, 1));
	ASSERT_EQ(KERN_SUCCESS, set_thread(th.port, EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT));
	ASSERT_EQ(KERN_SUCCESS, set_task(tk.port, EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT));
	if (host) {
		ASSERT_NE(MACH_PORT_NULL, handler_start(&hs, H_REPLY, KERN_SUCCESS, FIX_MMAP, 1));
		ASSERT_EQ(KERN_SUCCESS, host_set_exception_ports(priv, EXC_MASK_BAD_ACCESS, hs.port,
								 EXCEPTION_DEFAULT, 0));
	} else {
		TH_LOG("not root: thread and task levels only");
	}
	ASSERT_NE(NULL, p = fault_page(true));
	catch_signals();
	EXPECT_EQ(42, load((int *)p + 1));
	EXPECT_EQ(0, sig_no);
	handler_join(&th);
	handler_join(&tk);
	EXPECT_EQ(1, th.got);
	EXPECT_EQ(1, tk.got);
	EXPECT_LT(th.seq, tk.seq);
	if (host) {
		handler_join(&hs);
		EXPECT_EQ(1, hs.got);
		EXPECT_LT(tk.seq, hs.seq);
		host_set_exception_ports(priv, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT, 0);
		handler_drop(&hs);
		mach_port_deallocate(SELF, priv);
	}
	set_thread(MACH_PORT_NULL, EXC_MASK_ALL, EXCEPTION_DEFAULT);
	set_task(MACH_PORT_NULL, EXC_MASK_ALL, EXCEPTION_DEFAULT);
	handler_drop(&th);
	handler_drop(&tk);
	munmap(p, pgsz);
}

/*
 * The thread level's handler lets the request go unanswered: its port is
 * destroyed with the request queued (mode 0), or it drops the reply right
 * (mode 1); either way the reply port hears a send-once notification and
 * the task level handles the fault.
 */
TEST_F(exc, unanswered_moves_to_next_level)
{
	int mode;

	for (mode = 0; mode < 2; mode++) {
		struct handler th, tk;
		void *p;

		TH_LOG("%s", mode ? "reply right dropped" : "port destroyed while queued");
		ASSERT_NE(MACH_PORT_NULL, handler_start(&th, mode ? H_DROP_REPLY : H_DESTROY_QUEUED,
							KERN_SUCCESS, FIX_NONE, 1));
		ASSERT_NE(MACH_PORT_NULL, handler_start(&tk, H_REPLY, KERN_SUCCESS, FIX_MMAP, 1));
		ASSERT_EQ(KERN_SUCCESS, set_thread(th.port, EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT));
		ASSERT_EQ(KERN_SUCCESS, set_task(tk.port, EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT));
		ASSERT_NE(NULL, p = fault_page(true));
		catch_signals();
		EXPECT_EQ(42, load((int *)p + 1));
		EXPECT_EQ(0, sig_no);
		handler_join(&th);
		handler_join(&tk);
		EXPECT_EQ(1, th.got);
		EXPECT_EQ(1, tk.got);
		EXPECT_LT(th.seq, tk.seq);
		set_thread(MACH_PORT_NULL, EXC_MASK_ALL, EXCEPTION_DEFAULT);
		set_task(MACH_PORT_NULL, EXC_MASK_ALL, EXCEPTION_DEFAULT);
		handler_drop(&th);
		handler_drop(&tk);
		munmap(p, pgsz);
	}
}

static void on_usr1(int sig)
{
}

/*
 * A handler that never answers holds only the faulting thread, killably:
 * an ordinary signal leaves it waiting, SIGKILL ends it.
 */
TEST_F(exc, sigkill_ends_the_wait)
{
	int status, i;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t port = new_port_send();
		void *p = fault_page(true);

		die_with_parent();
		signal(SIGUSR1, on_usr1);
		if (!port || !p || set_task(port, EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT))
			_exit(2);
		load(p);
		_exit(3);
	}
	/* Waiting in the exception: uninterruptible-looking sleep (D). */
	for (i = 0; i < 500 && mt_thread_state(pid, pid) != 'D'; i++)
		usleep(10000);
	ASSERT_EQ('D', mt_thread_state(pid, pid));
	kill(pid, SIGUSR1);
	usleep(200000);
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));
	EXPECT_EQ('D', mt_thread_state(pid, pid));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGKILL, WTERMSIG(status));
}

/*
 * A parent's task-level action is inherited by its child: the child's
 * fault comes to the parent's port with the child's task port; the parent
 * declines and the child dies of Linux's SIGSEGV.
 */
TEST_F(exc, parent_catches_child_fault)
{
	struct handler h;
	int status, pid_of = -1;
	pid_t pid;

	h.port = new_port_send();
	ASSERT_NE(MACH_PORT_NULL, h.port);
	ASSERT_EQ(KERN_SUCCESS, set_task(h.port, EXC_MASK_BAD_ACCESS,
					 EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		void *p = fault_page(true);

		die_with_parent();
		/* Any Mach call makes the task, which takes what it inherited. */
		if (!p || !MACH_PORT_VALID(mach_task_self()))
			_exit(2);
		load(p);
		_exit(3);
	}
	set_task(MACH_PORT_NULL, EXC_MASK_ALL, EXCEPTION_DEFAULT);
	{
		union exc_buf buf;

		ASSERT_EQ(MACH_MSG_SUCCESS, recv_request(h.port, &buf, 10000));
		EXPECT_EQ(2405, buf.rq.head.msgh_id);
		EXPECT_EQ(EXC_BAD_ACCESS, buf.rq.exception);
		EXPECT_EQ(KERN_INVALID_ADDRESS, buf.rq.code64[0]);
		EXPECT_EQ(KERN_SUCCESS, pid_for_task(buf.rq.task.name, &pid_of));
		EXPECT_EQ(pid, pid_of);
		mach_port_deallocate(SELF, buf.rq.thread.name);
		mach_port_deallocate(SELF, buf.rq.task.name);
		EXPECT_EQ(MACH_MSG_SUCCESS, send_reply(&buf.rq, KERN_FAILURE));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGSEGV, WTERMSIG(status));
	mach_port_mod_refs(SELF, h.port, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_deallocate(SELF, h.port);
}

/* ---- many threads ------------------------------------------------------ */

struct mt_fault {
	pthread_t tid;
	int *page;
	int value;
};

static void *mt_fault_main(void *arg)
{
	struct mt_fault *f = arg;

	f->value = load(f->page);
	return NULL;
}

struct mt_handler {
	mach_port_t port;
	int want, served;
};

/* Serve @want requests: make each faulting address readable, answer SUCCESS. */
static void *mt_handler_main(void *arg)
{
	struct mt_handler *h = arg;
	union exc_buf buf;

	while (h->served < h->want) {
		uintptr_t a;

		if (recv_request(h->port, &buf, 10000))
			return NULL;
		a = (uintptr_t)buf.rq.code64[1];
		mprotect((void *)(a & ~(uintptr_t)(pgsz - 1)), pgsz, PROT_READ);
		mach_port_deallocate(SELF, buf.rq.thread.name);
		mach_port_deallocate(SELF, buf.rq.task.name);
		if (send_reply(&buf.rq, KERN_SUCCESS))
			return NULL;
		h->served++;
	}
	return NULL;
}

/* Many threads fault at once; one handler fixes each and all resume. */
TEST_F(exc, many_threads)
{
	int n = mt_rounds(16, 4), i, ok = 0;
	struct mt_fault *f = calloc(n, sizeof(*f));
	struct mt_handler h = { .port = new_port_send(), .want = n };
	pthread_t ht;
	char *pages;

	ASSERT_NE(NULL, f);
	ASSERT_NE(MACH_PORT_NULL, h.port);
	pages = mmap(NULL, (size_t)n * pgsz, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, pages);
	ASSERT_EQ(KERN_SUCCESS, set_task(h.port, EXC_MASK_BAD_ACCESS,
					 EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES));
	ASSERT_EQ(0, pthread_create(&ht, NULL, mt_handler_main, &h));
	for (i = 0; i < n; i++) {
		f[i].page = (int *)(pages + (size_t)i * pgsz);
		f[i].value = -1;
		ASSERT_EQ(0, pthread_create(&f[i].tid, NULL, mt_fault_main, &f[i]));
	}
	pthread_join(ht, NULL);
	EXPECT_EQ(n, h.served);
	for (i = 0; h.served == n && i < n; i++) {
		pthread_join(f[i].tid, NULL);
		ok += f[i].value == 0;
	}
	EXPECT_EQ(n, ok);
	set_task(MACH_PORT_NULL, EXC_MASK_ALL, EXCEPTION_DEFAULT);
	mach_port_mod_refs(SELF, h.port, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_deallocate(SELF, h.port);
	free(f);
}

/* ---- setuid exec (as nobody) ------------------------------------------- */

static char *self_exe;

/* The exec'd image: fault on an unmapped page (SIGSEGV unless handled). */
static int fault_main(void)
{
	pgsz = getpagesize();
	return load(fault_page(true)) == 42 ? 0 : 4;
}

/*
 * A nobody process sets EXC_MASK_ALL on its task (its child inherits the
 * actions and makes its task before it execs): the child execs a setuid
 * copy that faults -> nothing reaches the parent's port, the child dies
 * of Linux's SIGSEGV.  A plain exec of the same image is the control: its
 * fault comes to the parent (so the test can fail).
 */
TEST(setuid_exec_raises_nothing)
{
	char suid[64], plain[64];
	const char *paths[] = { suid, plain, NULL };
	int i;

	IPC_REQUIRE_TEST();
	if (getuid() != 0)
		SKIP(return, "must start as root (makes a setuid image)");
	if (!mt_tmp_honours_setuid())
		SKIP(return, "/tmp is mounted nosuid");
	snprintf(suid, sizeof(suid), "/tmp/exc_suid.%d", getpid());
	snprintf(plain, sizeof(plain), "/tmp/exc_plain.%d", getpid());
	ASSERT_EQ(0, mt_copy_file(self_exe, suid, 04755));
	ASSERT_EQ(0, mt_copy_file(self_exe, plain, 0755));
	ASSERT_EQ(0, mt_janitor(paths));
	ASSERT_EQ(0, mt_become(NOBODY));
	for (i = 0; i < 2; i++) {
		bool setuid_image = i == 0;
		mach_port_t port = new_port_send();
		int status, id;
		pid_t pid;

		ASSERT_NE(MACH_PORT_NULL, port);
		ASSERT_EQ(KERN_SUCCESS, set_task(port, EXC_MASK_ALL, EXCEPTION_DEFAULT));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			const char *image = setuid_image ? suid : plain;

			die_with_parent();
			if (!MACH_PORT_VALID(mach_task_self()))
				_exit(2);
			execl(image, image, "--fault", (char *)NULL);
			_exit(3);
		}
		set_task(MACH_PORT_NULL, EXC_MASK_ALL, EXCEPTION_DEFAULT);
		/* The request is destroyed unanswered: the child gets its signal. */
		id = next_id(port, setuid_image ? 3000 : 10000);
		EXPECT_EQ(setuid_image ? -1 : 2401, id) {
			TH_LOG("%s exec", setuid_image ? "setuid" : "plain");
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFSIGNALED(status));
		EXPECT_EQ(SIGSEGV, WTERMSIG(status));
		mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1);
		mach_port_deallocate(SELF, port);
	}
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "--fault"))
		return fault_main();
	self_exe = realpath("/proc/self/exe", NULL);
	return test_harness_run(argc, argv);
}
