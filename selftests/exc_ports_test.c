// SPDX-License-Identifier: GPL-2.0
/*
 * Exception ports at the thread, task and host levels (issue 13, slice 1):
 * {thread,task,host}_{set,get,swap}_exception_ports and
 * host_get_host_priv_port, written against Darwin's API as a Darwin
 * program uses it, plus the raw ioctl for the kernel routine's capacity
 * rules (a MIG request never carries them).
 *
 * Checked: XNU's validation and its order with Darwin's codes, coalescing,
 * swap handing back the old actions, MIG's MIG_ARRAY_TOO_LARGE, the send
 * rights the kernel holds (none leaks: urefs and no-senders), a thread's
 * actions dying with the thread and at a setuid exec (as user nobody),
 * the task level inherited at fork and the thread level not, host_priv
 * refused to nobody, and a bounded table (repeated sets do not grow the
 * memory charged to the caller's cgroup).
 *
 * The host's table is global: every test that sets it clears it again.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <mach/host_priv.h>

#include "kselftest_harness.h"
#include "ipc_test.h"

#define NOBODY		65534

#if defined(__aarch64__)
#define GOOD_FLAVOR	6	/* ARM_THREAD_STATE64 */
#else
#define GOOD_FLAVOR	4	/* x86_THREAD_STATE64 */
#endif
#define BAD_FLAVOR	999

static char *self_exe;

struct exc_list {
	exception_mask_t masks[EXC_TYPES_COUNT];
	mach_port_t handlers[EXC_TYPES_COUNT];
	exception_behavior_t behaviors[EXC_TYPES_COUNT];
	thread_state_flavor_t flavors[EXC_TYPES_COUNT];
	mach_msg_type_number_t count;
};

/* One level: its target and its three calls through libmach. */
enum level { THREAD, TASK, HOST };
static const char *const level_name[] = { "thread", "task", "host" };

static kern_return_t lv_set(enum level lv, mach_port_t target, exception_mask_t mask,
			    mach_port_t port, exception_behavior_t behavior,
			    thread_state_flavor_t flavor)
{
	switch (lv) {
	case THREAD:
		return thread_set_exception_ports(target, mask, port, behavior, flavor);
	case TASK:
		return task_set_exception_ports(target, mask, port, behavior, flavor);
	default:
		return host_set_exception_ports(target, mask, port, behavior, flavor);
	}
}

static kern_return_t lv_get(enum level lv, mach_port_t target, exception_mask_t mask,
			    struct exc_list *l)
{
	if (!l->count)
		l->count = EXC_TYPES_COUNT;
	switch (lv) {
	case THREAD:
		return thread_get_exception_ports(target, mask, l->masks, &l->count,
						  l->handlers, l->behaviors, l->flavors);
	case TASK:
		return task_get_exception_ports(target, mask, l->masks, &l->count,
						l->handlers, l->behaviors, l->flavors);
	default:
		return host_get_exception_ports(target, mask, l->masks, &l->count,
						l->handlers, l->behaviors, l->flavors);
	}
}

static kern_return_t lv_swap(enum level lv, mach_port_t target, exception_mask_t mask,
			     mach_port_t port, exception_behavior_t behavior,
			     thread_state_flavor_t flavor, struct exc_list *l)
{
	if (!l->count)
		l->count = EXC_TYPES_COUNT;
	switch (lv) {
	case THREAD:
		return thread_swap_exception_ports(target, mask, port, behavior, flavor,
						   l->masks, &l->count, l->handlers,
						   l->behaviors, l->flavors);
	case TASK:
		return task_swap_exception_ports(target, mask, port, behavior, flavor,
						 l->masks, &l->count, l->handlers,
						 l->behaviors, l->flavors);
	default:
		return host_swap_exception_ports(target, mask, port, behavior, flavor,
						 l->masks, &l->count, l->handlers,
						 l->behaviors, l->flavors);
	}
}

/* Room for every entry: *masksCnt in for a call. */
static mach_msg_type_number_t *room(struct exc_list *l)
{
	l->count = EXC_TYPES_COUNT;
	return &l->count;
}

/* Drop the rights a get or swap handed back. */
static void put_list(struct exc_list *l)
{
	mach_msg_type_number_t i;

	for (i = 0; i < l->count; i++)
		if (MACH_PORT_VALID(l->handlers[i]))
			mach_port_deallocate(SELF, l->handlers[i]);
	memset(l, 0, sizeof(*l));
}

static mach_port_t host_priv(void)
{
	mach_port_t host = mach_host_self(), priv = MACH_PORT_NULL;

	if (host_get_host_priv_port(host, &priv))
		priv = MACH_PORT_NULL;
	mach_port_deallocate(SELF, host);
	return priv;
}

/* The target of @lv for the calling thread; a send right to drop. */
static mach_port_t target_of(enum level lv)
{
	switch (lv) {
	case THREAD:
		return mach_thread_self();
	case TASK:
		mach_port_mod_refs(SELF, SELF, MACH_PORT_RIGHT_SEND, 1);
		return SELF;
	default:
		return host_priv();
	}
}

/* Every type back to "nothing": null port, behavior and flavor 0. */
static void clear_level(enum level lv, mach_port_t target)
{
	lv_set(lv, target, EXC_MASK_VALID, MACH_PORT_NULL, 0, 0);
}

/*
 * A receive right that cannot move, with a send right (XNU applies
 * MPO_IMMOVABLE_RECEIVE only with MPO_CONTEXT_AS_GUARD).
 */
static mach_port_t immovable_port(void)
{
	mach_port_options_t opts = {
		.flags = MPO_CONTEXT_AS_GUARD | MPO_IMMOVABLE_RECEIVE |
			 MPO_INSERT_SEND_RIGHT,
	};
	mach_port_t name = MACH_PORT_NULL;

	if (mach_port_construct(SELF, &opts, 0, &name))
		return MACH_PORT_NULL;
	return name;
}

static void destroy_port(mach_port_t port)
{
	mach_port_destruct(SELF, port, -(mach_port_delta_t)urefs_of(port, MACH_PORT_RIGHT_SEND), 0);
}

/*
 * check_validation - XNU's checks of set and swap at one level, in XNU's
 * order (ipc_tt.c set_exception_ports_validation)
 */
static void check_validation(struct __test_metadata *_metadata, enum level lv)
{
	mach_port_t t = target_of(lv), a = new_port_send(), imm = immovable_port();
	struct exc_list l = { 0 };

	ASSERT_NE(MACH_PORT_NULL, t);
	ASSERT_NE(MACH_PORT_NULL, imm);
	TH_LOG("level %s", level_name[lv]);
	/* The mask first, whatever else is wrong. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT, lv_set(lv, t, 1 << 20, a, EXCEPTION_DEFAULT, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, lv_set(lv, t, 1, a, EXCEPTION_DEFAULT, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, lv_set(lv, t, 1 << 20, imm, EXCEPTION_DEFAULT, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, lv_set(lv, t, 1 << 20, MACH_PORT_NULL, 0, 0));
	/* The behavior, only for a valid port, before the immovable check. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT, lv_set(lv, t, EXC_MASK_ALL, a, 0, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, lv_set(lv, t, EXC_MASK_ALL, a, 6, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  lv_set(lv, t, EXC_MASK_ALL, a, 6 | MACH_EXCEPTION_CODES, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, lv_set(lv, t, EXC_MASK_ALL, imm, 9, 0));
	EXPECT_EQ(KERN_SUCCESS, lv_set(lv, t, EXC_MASK_ALL, MACH_PORT_NULL, 9, 0));
	/* An immovable receive right, before the flavor. */
	EXPECT_EQ(KERN_INVALID_RIGHT, lv_set(lv, t, EXC_MASK_ALL, imm, EXCEPTION_DEFAULT, 0));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  lv_set(lv, t, EXC_MASK_ALL, imm, EXCEPTION_DEFAULT, BAD_FLAVOR));
	/* The flavor for every behavior, and for a null port too. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  lv_set(lv, t, EXC_MASK_ALL, a, EXCEPTION_DEFAULT, BAD_FLAVOR));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  lv_set(lv, t, EXC_MASK_ALL, a, EXCEPTION_STATE, BAD_FLAVOR));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  lv_set(lv, t, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT, BAD_FLAVOR));
	EXPECT_EQ(KERN_SUCCESS, lv_set(lv, t, EXC_MASK_ALL, a, EXCEPTION_DEFAULT, GOOD_FLAVOR));
	EXPECT_EQ(KERN_SUCCESS, lv_set(lv, t, EXC_MASK_ALL, a, EXCEPTION_STATE, 0));
	/* IDENTITY_PROTECTED and BACKTRACE_PREFERRED need MACH_EXCEPTION_CODES. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  lv_set(lv, t, EXC_MASK_ALL, a, EXCEPTION_IDENTITY_PROTECTED, 0));
	EXPECT_EQ(KERN_SUCCESS, lv_set(lv, t, EXC_MASK_ALL, a,
				       EXCEPTION_IDENTITY_PROTECTED | MACH_EXCEPTION_CODES, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  lv_set(lv, t, EXC_MASK_ALL, a,
			 EXCEPTION_DEFAULT | MACH_EXCEPTION_BACKTRACE_PREFERRED, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  lv_set(lv, t, EXC_MASK_ALL, MACH_PORT_NULL,
			 EXCEPTION_DEFAULT | MACH_EXCEPTION_BACKTRACE_PREFERRED, 0));
	EXPECT_EQ(KERN_SUCCESS,
		  lv_set(lv, t, EXC_MASK_ALL, a, EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES |
			 MACH_EXCEPTION_BACKTRACE_PREFERRED, 0));
	/* A name holding no send right. */
	EXPECT_EQ(KERN_INVALID_NAME,
		  lv_set(lv, t, EXC_MASK_ALL, 0xdead03, EXCEPTION_DEFAULT, 0));
	/* Swap checks the same, before it changes anything. */
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  lv_swap(lv, t, EXC_MASK_ALL, imm, EXCEPTION_DEFAULT, 0, &l));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  lv_swap(lv, t, EXC_MASK_ALL, a, EXCEPTION_DEFAULT, BAD_FLAVOR, &l));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, lv_get(lv, t, 1 << 20, &l));
	/* What the failures left: the last successful set. */
	l.count = 0;
	ASSERT_EQ(KERN_SUCCESS, lv_get(lv, t, EXC_MASK_ALL, &l));
	ASSERT_EQ(1, l.count);
	EXPECT_EQ(a, l.handlers[0]);
	EXPECT_EQ((exception_behavior_t)(EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES |
					 MACH_EXCEPTION_BACKTRACE_PREFERRED), l.behaviors[0]);
	put_list(&l);
	clear_level(lv, t);
	/* Every failed call gave its copied right back: only ours is left. */
	EXPECT_EQ(1, urefs_of(a, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(1, urefs_of(imm, MACH_PORT_RIGHT_SEND));
	destroy_port(a);
	destroy_port(imm);
	mach_port_deallocate(SELF, t);
}

FIXTURE(exc) {
	int unused;
};

FIXTURE_SETUP(exc)
{
	IPC_REQUIRE();
}

FIXTURE_TEARDOWN(exc)
{
}

TEST_F(exc, thread_validation_order)
{
	check_validation(_metadata, THREAD);
}

TEST_F(exc, task_validation_order)
{
	check_validation(_metadata, TASK);
}

TEST_F(exc, host_validation_order)
{
	if (geteuid() != 0)
		SKIP(return, "host_priv needs root");
	check_validation(_metadata, HOST);
}

/*
 * Coalescing at every level: equal actions share one entry (the OR of
 * their masks), in type order; each entry is one new user reference.
 */
static void check_coalescing(struct __test_metadata *_metadata, enum level lv)
{
	mach_port_t t = target_of(lv), a = new_port_send(), b = new_port_send();
	struct exc_list l = { 0 };

	TH_LOG("level %s", level_name[lv]);
	ASSERT_EQ(KERN_SUCCESS, lv_set(lv, t, EXC_MASK_ALL, a,
				       EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, 0));
	ASSERT_EQ(KERN_SUCCESS, lv_set(lv, t, EXC_MASK_BREAKPOINT, b,
				       EXCEPTION_STATE, GOOD_FLAVOR));
	/* 12 kernel-held rights to a, 1 to b: none in our space. */
	EXPECT_EQ(1, urefs_of(a, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(1, urefs_of(b, MACH_PORT_RIGHT_SEND));
	ASSERT_EQ(KERN_SUCCESS, lv_get(lv, t, EXC_MASK_ALL | EXC_MASK_CRASH, &l));
	ASSERT_EQ(3, l.count);
	EXPECT_EQ(EXC_MASK_ALL & ~EXC_MASK_BREAKPOINT, l.masks[0]);
	EXPECT_EQ(a, l.handlers[0]);
	EXPECT_EQ((exception_behavior_t)(EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES),
		  l.behaviors[0]);
	EXPECT_EQ(0, l.flavors[0]);
	EXPECT_EQ(EXC_MASK_BREAKPOINT, l.masks[1]);
	EXPECT_EQ(b, l.handlers[1]);
	EXPECT_EQ(EXCEPTION_STATE, l.behaviors[1]);
	EXPECT_EQ(GOOD_FLAVOR, l.flavors[1]);
	/* CRASH was never set: a null entry. */
	EXPECT_EQ(EXC_MASK_CRASH, l.masks[2]);
	EXPECT_EQ(MACH_PORT_NULL, l.handlers[2]);
	EXPECT_EQ(0, l.behaviors[2]);
	EXPECT_EQ(2, urefs_of(a, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(2, urefs_of(b, MACH_PORT_RIGHT_SEND));
	put_list(&l);

	/* Arrays too small: MIG's answer, and no right left behind. */
	l.count = 2;
	EXPECT_EQ(MIG_ARRAY_TOO_LARGE, lv_get(lv, t, EXC_MASK_ALL | EXC_MASK_CRASH, &l));
	EXPECT_EQ(3, l.count);
	EXPECT_EQ(EXC_MASK_ALL & ~EXC_MASK_BREAKPOINT, l.masks[0]);
	EXPECT_EQ(EXC_MASK_BREAKPOINT, l.masks[1]);
	EXPECT_EQ(MACH_PORT_NULL, l.handlers[0]);
	EXPECT_EQ(1, urefs_of(a, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(1, urefs_of(b, MACH_PORT_RIGHT_SEND));
	memset(&l, 0, sizeof(l));

	clear_level(lv, t);
	destroy_port(a);
	destroy_port(b);
	mach_port_deallocate(SELF, t);
}

TEST_F(exc, thread_coalescing)
{
	check_coalescing(_metadata, THREAD);
}

TEST_F(exc, task_coalescing)
{
	check_coalescing(_metadata, TASK);
}

TEST_F(exc, host_coalescing)
{
	if (geteuid() != 0)
		SKIP(return, "host_priv needs root");
	check_coalescing(_metadata, HOST);
}

/*
 * Swap: the old actions come back coalesced (new user references), the
 * new one is in place, and the rights the table held for the old port go.
 */
static void check_swap(struct __test_metadata *_metadata, enum level lv)
{
	mach_port_t t = target_of(lv), a = new_port_send(), b = new_port_send();
	mach_port_t notify = new_port();
	struct exc_list l = { 0 };

	TH_LOG("level %s", level_name[lv]);
	ASSERT_EQ(KERN_SUCCESS, lv_set(lv, t, EXC_MASK_BAD_ACCESS | EXC_MASK_ARITHMETIC, a,
				       EXCEPTION_DEFAULT, 0));
	ASSERT_EQ(KERN_SUCCESS, lv_swap(lv, t, EXC_MASK_BAD_ACCESS | EXC_MASK_SOFTWARE |
					EXC_MASK_ARITHMETIC, b,
					EXCEPTION_STATE_IDENTITY, GOOD_FLAVOR, &l));
	ASSERT_EQ(2, l.count);
	EXPECT_EQ(EXC_MASK_BAD_ACCESS | EXC_MASK_ARITHMETIC, l.masks[0]);
	EXPECT_EQ(a, l.handlers[0]);
	EXPECT_EQ(EXCEPTION_DEFAULT, l.behaviors[0]);
	EXPECT_EQ(EXC_MASK_SOFTWARE, l.masks[1]);
	EXPECT_EQ(MACH_PORT_NULL, l.handlers[1]);
	put_list(&l);
	ASSERT_EQ(KERN_SUCCESS, lv_get(lv, t, EXC_MASK_BAD_ACCESS | EXC_MASK_SOFTWARE |
				       EXC_MASK_ARITHMETIC, &l));
	ASSERT_EQ(1, l.count);
	EXPECT_EQ(b, l.handlers[0]);
	EXPECT_EQ(EXCEPTION_STATE_IDENTITY, l.behaviors[0]);
	EXPECT_EQ(GOOD_FLAVOR, l.flavors[0]);
	put_list(&l);
	/* The table holds nothing of a any more: our right is the last. */
	ASSERT_EQ(KERN_SUCCESS, no_senders_request(a, notify));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, a));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, next_id(notify, 5000));

	/* Swapping to null hands b back and lets its rights go. */
	ASSERT_EQ(KERN_SUCCESS, lv_swap(lv, t, EXC_MASK_VALID, MACH_PORT_NULL, 0, 0, &l));
	EXPECT_LE(1, l.count);
	EXPECT_EQ(b, l.handlers[0]);
	put_list(&l);
	ASSERT_EQ(KERN_SUCCESS, no_senders_request(b, notify));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, b));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, next_id(notify, 5000));

	mach_port_mod_refs(SELF, a, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_mod_refs(SELF, b, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_mod_refs(SELF, notify, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_deallocate(SELF, t);
}

TEST_F(exc, thread_swap)
{
	check_swap(_metadata, THREAD);
}

TEST_F(exc, task_swap)
{
	check_swap(_metadata, TASK);
}

TEST_F(exc, host_swap)
{
	if (geteuid() != 0)
		SKIP(return, "host_priv needs root");
	check_swap(_metadata, HOST);
}

/* The raw call: target, mask, new port and capacity in. */
static long raw(int fd, unsigned long cmd, struct machina_exception_ports *a,
		mach_port_t target, exception_mask_t mask, mach_port_t port,
		uint32_t cap)
{
	memset(a, 0, sizeof(*a));
	a->target = target;
	a->mask = mask;
	a->new_port = port;
	a->behavior = port ? EXCEPTION_DEFAULT : 0;
	a->count = cap;
	return mt_ioctl(fd, cmd, a);
}

/*
 * The kernel routines' capacity (XNU ipc_tt.c): get adds no entry once
 * full, though the masks of those it has still grow; swap stops at the
 * first type after it is full, so the later types keep their old action.
 */
TEST_F(exc, kernel_capacity_rules)
{
	mach_port_t a = new_port_send(), b = new_port_send(), c = new_port_send();
	struct machina_exception_ports r;
	struct exc_list l = { 0 };
	int fd = mt_open();
	uint32_t i;

	ASSERT_LE(0, fd);
	/* BAD_ACCESS a, BAD_INSTRUCTION b, ARITHMETIC a, EMULATION b. */
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(SELF, EXC_MASK_BAD_ACCESS |
				EXC_MASK_ARITHMETIC, a, EXCEPTION_DEFAULT, 0));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(SELF, EXC_MASK_BAD_INSTRUCTION |
				EXC_MASK_EMULATION, b, EXCEPTION_DEFAULT, 0));

	ASSERT_EQ(KERN_SUCCESS, raw(fd, MACHINA_IOC_TASK_GET_EXCEPTION_PORTS, &r, SELF,
				    0x1e, MACH_PORT_NULL, 1));
	ASSERT_EQ(1, r.count);
	EXPECT_EQ(EXC_MASK_BAD_ACCESS | EXC_MASK_ARITHMETIC, r.masks[0]);
	EXPECT_EQ(a, r.handlers[0]);
	mach_port_deallocate(SELF, r.handlers[0]);

	/* Swap with room for one: BAD_ACCESS only (BAD_INSTRUCTION is a second). */
	ASSERT_EQ(KERN_SUCCESS, raw(fd, MACHINA_IOC_TASK_SWAP_EXCEPTION_PORTS, &r, SELF,
				    0x1e, c, 1));
	ASSERT_EQ(1, r.count);
	EXPECT_EQ(EXC_MASK_BAD_ACCESS, r.masks[0]);
	EXPECT_EQ(a, r.handlers[0]);
	mach_port_deallocate(SELF, r.handlers[0]);
	ASSERT_EQ(KERN_SUCCESS, task_get_exception_ports(SELF, 0x1e, l.masks, room(&l),
							 l.handlers, l.behaviors, l.flavors));
	ASSERT_EQ(3, l.count);
	EXPECT_EQ(EXC_MASK_BAD_ACCESS, l.masks[0]);
	EXPECT_EQ(c, l.handlers[0]);
	EXPECT_EQ(EXC_MASK_BAD_INSTRUCTION | EXC_MASK_EMULATION, l.masks[1]);
	EXPECT_EQ(b, l.handlers[1]);
	EXPECT_EQ(EXC_MASK_ARITHMETIC, l.masks[2]);
	EXPECT_EQ(a, l.handlers[2]);
	put_list(&l);

	/* Malformed requests. */
	EXPECT_EQ(-EINVAL, raw(fd, MACHINA_IOC_TASK_GET_EXCEPTION_PORTS, &r, SELF,
			       0x1e, MACH_PORT_NULL, 15));
	EXPECT_EQ(-EINVAL, raw(fd, MACHINA_IOC_TASK_SET_EXCEPTION_PORTS, &r, SELF,
			       0x1e, a, 1));
	EXPECT_EQ(-EINVAL, raw(fd, MACHINA_IOC_THREAD_GET_EXCEPTION_PORTS, &r, SELF,
			       0x1e, a, 0));
	raw(fd, MACHINA_IOC_TASK_SWAP_EXCEPTION_PORTS, &r, SELF, 0x1e, a, 0);
	for (i = 0; i < r.count; i++)
		mach_port_deallocate(SELF, r.handlers[i]);
	memset(&r, 0, sizeof(r));
	r.target = SELF;
	r.flags = 1;
	EXPECT_EQ(-EINVAL, mt_ioctl(fd, MACHINA_IOC_HOST_GET_EXCEPTION_PORTS, &r));
	r.flags = 0;
	r.reserved = 1;
	EXPECT_EQ(-EINVAL, mt_ioctl(fd, MACHINA_IOC_TASK_SWAP_EXCEPTION_PORTS, &r));
	r.reserved = 0;
	r.masks[3] = 1;
	EXPECT_EQ(-EINVAL, mt_ioctl(fd, MACHINA_IOC_THREAD_SET_EXCEPTION_PORTS, &r));
	close(fd);

	task_set_exception_ports(SELF, EXC_MASK_VALID, MACH_PORT_NULL, 0, 0);
	destroy_port(a);
	destroy_port(b);
	destroy_port(c);
}

/*
 * A thread's table: nothing until the first set (then the unset types
 * read as null entries, as XNU's), and only the thread's own.
 */
TEST_F(exc, thread_table_made_on_first_set)
{
	mach_port_t th = mach_thread_self(), a = new_port_send();
	struct exc_list l = { 0 };

	ASSERT_EQ(KERN_SUCCESS, thread_get_exception_ports(th, EXC_MASK_ALL, l.masks,
							   room(&l), l.handlers,
							   l.behaviors, l.flavors));
	EXPECT_EQ(0, l.count);
	ASSERT_EQ(KERN_SUCCESS, thread_set_exception_ports(th, 0, a, EXCEPTION_DEFAULT, 0));
	ASSERT_EQ(KERN_SUCCESS, thread_get_exception_ports(th, EXC_MASK_ALL, l.masks,
							   room(&l), l.handlers,
							   l.behaviors, l.flavors));
	ASSERT_EQ(1, l.count);
	EXPECT_EQ(EXC_MASK_ALL, l.masks[0]);
	EXPECT_EQ(MACH_PORT_NULL, l.handlers[0]);
	/* The task's are apart. */
	ASSERT_EQ(KERN_SUCCESS, thread_set_exception_ports(th, EXC_MASK_CRASH, a,
							   EXCEPTION_DEFAULT, 0));
	ASSERT_EQ(KERN_SUCCESS, task_get_exception_ports(SELF, EXC_MASK_CRASH, l.masks,
							 room(&l), l.handlers,
							 l.behaviors, l.flavors));
	ASSERT_EQ(1, l.count);
	EXPECT_EQ(MACH_PORT_NULL, l.handlers[0]);
	clear_level(THREAD, th);
	destroy_port(a);
	mach_port_deallocate(SELF, th);
}

struct setter {
	mach_port_t port;
	int go[2];
	volatile int done;
};

/* A thread that sets its own actions to @s->port, then waits to exit. */
static void *setter_main(void *arg)
{
	struct setter *s = arg;
	mach_port_t th = mach_thread_self();
	char c;

	if (thread_set_exception_ports(th, EXC_MASK_ALL, s->port, EXCEPTION_DEFAULT, 0))
		s->done = -1;
	else
		s->done = 1;
	mach_port_deallocate(SELF, th);
	while (read(s->go[0], &c, 1) < 0)
		;
	return NULL;
}

/* A thread's actions die with it: their rights go when it exits. */
TEST_F(exc, thread_actions_die_with_the_thread)
{
	mach_port_t notify = new_port();
	struct setter s = { .port = new_port_send() };
	pthread_t th;

	ASSERT_EQ(0, pipe(s.go));
	ASSERT_EQ(0, pthread_create(&th, NULL, setter_main, &s));
	ASSERT_EQ(1, ipc_wait_flag(&s.done, 10));
	ASSERT_EQ(KERN_SUCCESS, no_senders_request(s.port, notify));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, s.port));
	/* The thread's table still holds rights. */
	EXPECT_EQ(-1, next_id(notify, 200));
	close(s.go[1]);
	pthread_join(th, NULL);
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, next_id(notify, 5000));
	close(s.go[0]);
	mach_port_mod_refs(SELF, s.port, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_mod_refs(SELF, notify, MACH_PORT_RIGHT_RECEIVE, -1);
}

/* A thread that hands its port to the racer and exits at once. */
struct quitter {
	volatile mach_port_t port;
	volatile int ready;
};

static void *quitter_main(void *arg)
{
	struct quitter *q = arg;

	q->port = mach_thread_self();
	__atomic_store_n(&q->ready, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * set and swap race the target thread's exit: every call either lands
 * in the table (which dies with the thread) or fails cleanly; no right
 * stays behind in a dead thread's table (no-senders arrives at the end).
 * KASAN/lockdep kernels judge the rest from the console.
 */
TEST_F(exc, set_and_swap_race_thread_exit)
{
	mach_port_t notify = new_port(), p = new_port_send();
	int rounds = mt_rounds(300, 20), r, odd = 0;

	for (r = 0; r < rounds; r++) {
		struct quitter q = { 0 };
		struct exc_list l;
		pthread_t th;
		kern_return_t kr;
		unsigned int i, k;

		ASSERT_EQ(0, pthread_create(&th, NULL, quitter_main, &q));
		while (!__atomic_load_n(&q.ready, __ATOMIC_ACQUIRE))
			;
		for (k = 0; k < 64; k++) {
			if (k & 1) {
				memset(&l, 0, sizeof(l));
				l.count = EXC_TYPES_COUNT;
				kr = thread_swap_exception_ports(q.port, EXC_MASK_ALL, p,
								 EXCEPTION_DEFAULT, 0,
								 l.masks, &l.count,
								 l.handlers, l.behaviors,
								 l.flavors);
				if (kr == KERN_SUCCESS)
					for (i = 0; i < l.count; i++)
						if (MACH_PORT_VALID(l.handlers[i]))
							mach_port_deallocate(SELF, l.handlers[i]);
			} else {
				kr = thread_set_exception_ports(q.port, 1u << (1 + k % 12), p,
								EXCEPTION_DEFAULT, 0);
			}
			if (kr == KERN_SUCCESS)
				continue;
			if (kr != MACH_SEND_INVALID_DEST && kr != KERN_FAILURE &&
			    kr != KERN_TERMINATED)
				odd = kr;
			break;
		}
		pthread_join(th, NULL);
		mach_port_deallocate(SELF, q.port);
	}
	EXPECT_EQ(0, odd);
	ASSERT_EQ(KERN_SUCCESS, no_senders_request(p, notify));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, p));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, next_id(notify, 10000));
	mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_mod_refs(SELF, notify, MACH_PORT_RIGHT_RECEIVE, -1);
}

/* A thread that publishes its port and waits on a pipe. */
struct parked {
	volatile mach_port_t port;
	volatile int ready;
	int go[2];
};

static void *parked_main(void *arg)
{
	struct parked *p = arg;
	char c;

	p->port = mach_thread_self();
	__atomic_store_n(&p->ready, 1, __ATOMIC_RELEASE);
	while (read(p->go[0], &c, 1) < 0)
		;
	return NULL;
}

/*
 * Child of copyout_fails_mid_array, as nobody with the name limit lowered:
 * a swap whose second entry cannot be named (the space is full) fails after
 * the first was named; the rest of the reply is given back.
 */
static int full_space_swap(void)
{
	struct parked pk = { 0 };
	struct exc_list l = { 0 };
	mach_port_t th, n;
	pthread_t t;
	kern_return_t kr;
	int i;

	if (pipe(pk.go) || pthread_create(&t, NULL, parked_main, &pk))
		return 2;
	while (!__atomic_load_n(&pk.ready, __ATOMIC_ACQUIRE))
		;
	th = pk.port;
	/* Entry 0: the task's own port (its name stays); 1 and 2: the thread's. */
	if (task_set_exception_ports(SELF, 1u << 1, SELF, EXCEPTION_DEFAULT, 0) ||
	    task_set_exception_ports(SELF, 1u << 2, th, EXCEPTION_DEFAULT, 0) ||
	    task_set_exception_ports(SELF, 1u << 3, th,
				     EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, 0))
		return 3;
	if (mach_port_deallocate(SELF, th))
		return 4;
	for (i = 0; i < 100000; i++)
		if (mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &n))
			break;
	if (i == 100000)
		return 5;
	l.count = EXC_TYPES_COUNT;
	kr = task_swap_exception_ports(SELF, (1u << 1) | (1u << 2) | (1u << 3),
				       MACH_PORT_NULL, EXCEPTION_DEFAULT, 0, l.masks,
				       &l.count, l.handlers, l.behaviors, l.flavors);
	if (kr == KERN_SUCCESS)
		return 6;
	close(pk.go[1]);
	pthread_join(t, NULL);
	return 0;
}

/*
 * A swap's reply that cannot be named in full (KERN_NO_SPACE after the
 * first entry) leaks no right and no port: once the process is gone every
 * port it made or named is gone too.
 */
TEST_F(exc, copyout_fails_mid_array)
{
	struct live_counts base, now;
	long old;
	pid_t pid;
	int st;

	if (getuid() != 0)
		SKIP(return, "lowering max_names needs root");
	live_counts_baseline(&base);
	old = module_param_set("max_names", 300);
	if (old < 0)
		SKIP(return, "no max_names module parameter");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		die_with_parent();
		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(10);
		_exit(full_space_swap());
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	module_param_set("max_names", old);
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	if (base.ports >= 0)
		EXPECT_EQ(1, live_counts_settle(&base, &now))
			TH_LOG("ports %ld -> %ld", base.ports, now.ports);
}

/* Child: the task level came down from the parent, the thread level did not. */
static int child_inherited(mach_port_t want)
{
	struct exc_list l = { 0 };
	mach_port_t th = mach_thread_self();

	if (thread_get_exception_ports(th, EXC_MASK_ALL, l.masks, room(&l),
				       l.handlers, l.behaviors, l.flavors) || l.count)
		return 2;
	if (task_get_exception_ports(SELF, EXC_MASK_BAD_ACCESS, l.masks, room(&l),
				     l.handlers, l.behaviors, l.flavors) || l.count != 1)
		return 3;
	/* Not the parent's name, but a right to the same port. */
	if (!MACH_PORT_VALID(l.handlers[0]) || want == MACH_PORT_NULL)
		return 4;
	if (send_simple_opt(l.handlers[0], MACH_MSG_TYPE_COPY_SEND, 4242, 0, 0))
		return 5;
	return 0;
}

TEST_F(exc, fork_inherits_the_task_level_only)
{
	mach_port_t a = new_port_send(), th = mach_thread_self();
	pid_t child;

	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(SELF, EXC_MASK_BAD_ACCESS, a,
							 EXCEPTION_DEFAULT, 0));
	ASSERT_EQ(KERN_SUCCESS, thread_set_exception_ports(th, EXC_MASK_ALL, a,
							   EXCEPTION_DEFAULT, 0));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0)
		_exit(child_inherited(a));
	EXPECT_EQ(0, mt_wait_exit(child));
	EXPECT_EQ(4242, next_id(a, 5000));
	clear_level(THREAD, th);
	clear_level(TASK, SELF);
	destroy_port(a);
	mach_port_deallocate(SELF, th);
}

/* As nobody: no host_priv, and the host calls refuse the host port. */
static int host_as_nobody(void *arg)
{
	mach_port_t host = mach_host_self(), priv = MACH_PORT_NULL, a = new_port_send();
	struct exc_list l = { 0 };

	(void)arg;
	if (!MACH_PORT_VALID(host) || !MACH_PORT_VALID(a))
		return 2;
	if (host_get_host_priv_port(host, &priv) != KERN_INVALID_ARGUMENT || priv)
		return 3;
	if (host_set_exception_ports(host, EXC_MASK_ALL, a, EXCEPTION_DEFAULT, 0) !=
	    KERN_INVALID_ARGUMENT)
		return 4;
	if (host_get_exception_ports(host, EXC_MASK_ALL, l.masks, room(&l),
				     l.handlers, l.behaviors, l.flavors) != KERN_INVALID_ARGUMENT)
		return 5;
	if (host_swap_exception_ports(host, EXC_MASK_ALL, a, EXCEPTION_DEFAULT, 0, l.masks,
				      room(&l), l.handlers, l.behaviors,
				      l.flavors) != KERN_INVALID_ARGUMENT)
		return 6;
	/* A task port is no host_priv either. */
	if (host_set_exception_ports(SELF, EXC_MASK_ALL, a, EXCEPTION_DEFAULT, 0) !=
	    KERN_INVALID_ARGUMENT)
		return 7;
	/* host_get_special_port needs host_priv, even for HOST_PORT. */
	if (host_get_special_port(host, HOST_LOCAL_NODE, HOST_PORT, &priv) !=
	    KERN_INVALID_ARGUMENT)
		return 8;
	if (urefs_of(a, MACH_PORT_RIGHT_SEND) != 1)
		return 9;
	/*
	 * Root of a user namespace of its own has CAP_SYS_ADMIN there, not
	 * in the initial one: still nothing.  (A kernel that refuses
	 * unprivileged user namespaces leaves nothing to check.)
	 */
	if (unshare(CLONE_NEWUSER))
		return 0;
	if (host_get_host_priv_port(host, &priv) != KERN_INVALID_ARGUMENT || priv)
		return 10;
	if (host_set_exception_ports(host, EXC_MASK_ALL, a, EXCEPTION_DEFAULT, 0) !=
	    KERN_INVALID_ARGUMENT)
		return 11;
	return 0;
}

TEST_F(exc, host_refused_to_nobody)
{
	mach_port_t priv, host, p = MACH_PORT_NULL;

	if (geteuid() != 0)
		SKIP(return, "drops root to nobody");
	EXPECT_EQ(0, mt_run_as_nobody(host_as_nobody, NULL));
	/* Root: host_priv, a port of its own kind, usable for host calls. */
	priv = host_priv();
	ASSERT_NE(MACH_PORT_NULL, priv);
	host = mach_host_self();
	EXPECT_NE(host, priv);
	EXPECT_EQ(KERN_SUCCESS, host_get_special_port(priv, HOST_LOCAL_NODE, HOST_PORT, &p));
	EXPECT_EQ(host, p);
	mach_port_deallocate(SELF, p);
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_get_special_port(priv, HOST_LOCAL_NODE, HOST_SECURITY_PORT, &p));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_get_special_port(priv, HOST_LOCAL_NODE, HOST_MAX_SPECIAL_PORT + 1, &p));
	p = 1;
	EXPECT_EQ(KERN_SUCCESS, host_get_special_port(priv, HOST_LOCAL_NODE,
						      HOST_IO_MAIN_PORT, &p));
	EXPECT_EQ(MACH_PORT_NULL, p);
	mach_port_deallocate(SELF, priv);
	mach_port_deallocate(SELF, host);
}

/*
 * A resource bound: the tables are fixed; repeated sets and swaps on a
 * thread and the task do not grow what the caller's memory cgroup is
 * charged (a table leaked per call would be 224 bytes each).
 *
 * memory.current moves in steps of 64 pages per CPU (SECURITY.md): each
 * CPU keeps up to 64 pages charged ahead (and less than a page of object
 * bytes).  The test runs on one CPU, so only that CPU's stock moves
 * between the two reads: the slack is one CPU's, twice over.  (It allowed
 * for every CPU's before; pinned, half the rounds give a leak the same
 * margin: 3 slacks, where 1.5 would already show.  The rounds were the
 * test's time: 14043 of them took 74.7 s on debug-rt-arm64.)
 */
TEST_F(exc, repeated_sets_do_not_grow_memory)
{
	mach_port_t th = mach_thread_self(), a = new_port_send(), b = new_port_send();
	long slack = 128L * (long)page_size();
	/* Enough rounds that a table (224 bytes) per round would be 3 slacks. */
	int rounds = mt_rounds(20000, 3 * slack / 224), i, cpu = sched_getcpu();
	struct mt_cgroup cg;
	const char *why;
	long before, after;
	cpu_set_t one;

	if (geteuid() != 0)
		SKIP(return, "makes a memory cgroup");
	ASSERT_LE(0, cpu);
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	why = mt_cg_create(&cg, 256L << 20);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, mt_cg_enter(&cg));
	/* Warm up: the thread's table and the slab pages exist. */
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(KERN_SUCCESS, thread_set_exception_ports(th, EXC_MASK_ALL,
					i & 1 ? a : b, EXCEPTION_DEFAULT, 0));
		ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(SELF, EXC_MASK_ALL,
					i & 1 ? a : b, EXCEPTION_DEFAULT, 0));
	}
	before = mt_cg_read(&cg, "memory.current");
	for (i = 0; i < rounds; i++) {
		struct exc_list l = { 0 };

		ASSERT_EQ(KERN_SUCCESS, thread_set_exception_ports(th, EXC_MASK_ALL,
					i & 1 ? a : b, EXCEPTION_DEFAULT, 0));
		ASSERT_EQ(KERN_SUCCESS, task_swap_exception_ports(SELF, EXC_MASK_ALL,
					i & 1 ? a : b, EXCEPTION_DEFAULT, 0, l.masks,
					room(&l), l.handlers, l.behaviors, l.flavors));
		put_list(&l);
	}
	after = mt_cg_read(&cg, "memory.current");
	TH_LOG("%d rounds: memory.current %ld -> %ld", rounds, before, after);
	/* Far less than one table (224 bytes) per round. */
	EXPECT_GT(before + slack, after);
	EXPECT_EQ(1, urefs_of(a, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(1, urefs_of(b, MACH_PORT_RIGHT_SEND));
	clear_level(THREAD, th);
	clear_level(TASK, SELF);
	destroy_port(a);
	destroy_port(b);
	mach_port_deallocate(SELF, th);
	mt_write_file(MT_CG_ROOT "/cgroup.procs", "0");
	mt_cg_destroy(&cg);
}

/* ---- setuid exec (as nobody) ------------------------------------------ */

/* The exec'd image: 'R' when its thread has no exception actions. */
static int image_main(int argc, char **argv)
{
	int fd = atoi(argv[2]);
	struct exc_list l = { 0 };
	char c = 'M';

	if (!thread_get_exception_ports(mach_thread_self(), EXC_MASK_ALL, l.masks,
					room(&l), l.handlers, l.behaviors,
					l.flavors))
		c = l.count ? 'K' : 'R';
	if (write(fd, &c, 1) != 1)
		return 3;
	while (read(fd, &c, 1) > 0)
		;
	return 0;
}

struct images {
	char suid[64];
	char plain[64];
};

static int make_images(struct images *im)
{
	const char *paths[] = { im->suid, im->plain, NULL };

	snprintf(im->suid, sizeof(im->suid), "/tmp/exc_ports_suid.%d", getpid());
	snprintf(im->plain, sizeof(im->plain), "/tmp/exc_ports_plain.%d", getpid());
	if (getuid() != 0 || mt_copy_file(self_exe, im->suid, 04755) ||
	    mt_copy_file(self_exe, im->plain, 0755))
		return -1;
	return mt_janitor(paths);
}

/*
 * A child that sets its thread's actions to the port behind @fd (a send
 * right the parent shares), keeps no other right to it, then execs
 * @image; what the image reports comes back on the socket.
 */
static pid_t exec_child(const char *image, int port_fd, int *sock)
{
	int sv[2];
	char fdstr[16];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	pid = fork();
	if (pid != 0) {
		close(sv[1]);
		*sock = sv[0];
		return pid;
	}
	close(sv[0]);
	{
		mach_port_t port = port_meet_child(port_fd), th = mach_thread_self();

		if (!MACH_PORT_VALID(port) ||
		    thread_set_exception_ports(th, EXC_MASK_ALL | EXC_MASK_CRASH, port,
					       EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, 0))
			syscall(SYS_exit_group, 2);
		mach_port_deallocate(SELF, port);
		mach_port_deallocate(SELF, th);
	}
	snprintf(fdstr, sizeof(fdstr), "%d", sv[1]);
	execl(image, image, "--image", fdstr, (char *)NULL);
	syscall(SYS_exit_group, 3);
	return -1;
}

/*
 * A setuid exec drops the exec'ing thread's actions (as the task's), and
 * their rights go; Machina drops them at a plain exec too (the record dies
 * at every exec; XNU keeps them there, docs/libmach.md).
 */
TEST(setuid_exec_drops_thread_actions)
{
	struct images im;
	int i;

	IPC_REQUIRE();
	if (getuid() != 0)
		SKIP(return, "must start as root (makes a setuid image)");
	if (!mt_tmp_honours_setuid())
		SKIP(return, "/tmp is mounted nosuid");
	ASSERT_EQ(0, make_images(&im));
	ASSERT_EQ(0, mt_become(NOBODY));
	for (i = 0; i < 2; i++) {
		bool suid = i == 0;
		mach_port_t port = new_port(), notify = new_port();
		int port_fd = -1, sock;
		char c = 0;
		pid_t pid;

		ASSERT_EQ(KERN_SUCCESS, port_share(port, &port_fd));
		pid = exec_child(suid ? im.suid : im.plain, port_fd, &sock);
		ASSERT_LT(0, pid);
		close(port_fd);
		ASSERT_EQ(1, read(sock, &c, 1));
		EXPECT_EQ('R', c) {
			TH_LOG("%s exec", suid ? "setuid" : "plain");
		}
		/* No right to the port is left anywhere (the image still runs). */
		ASSERT_EQ(KERN_SUCCESS, no_senders_request(port, notify));
		EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, next_id(notify, 5000)) {
			TH_LOG("%s exec kept a right", suid ? "setuid" : "plain");
		}
		close(sock);
		EXPECT_EQ(0, mt_wait_exit(pid));
		mach_port_mod_refs(SELF, port, MACH_PORT_RIGHT_RECEIVE, -1);
		mach_port_mod_refs(SELF, notify, MACH_PORT_RIGHT_RECEIVE, -1);
	}
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "--image"))
		return image_main(argc, argv);
	self_exe = realpath("/proc/self/exe", NULL);
	return test_harness_run(argc, argv);
}
