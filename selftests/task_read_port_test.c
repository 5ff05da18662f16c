// SPDX-License-Identifier: GPL-2.0
/*
 * Task read and inspect ports (docs/plans/xnu_vm.md, "20. Task read and
 * inspect ports"; docs/SECURITY.md "Task port flavours").
 *
 * Checked:
 *   - the four flavours are four ports (control, read, inspect, name), one
 *     each per task; task_get_special_port gives through each flavour only
 *     its own flavour or a lesser one (XNU: KERN_INVALID_CAPABILITY for the
 *     rest, KERN_INVALID_ARGUMENT through a name port);
 *   - every memory call and task call through every flavour: accepted, or
 *     Darwin's exact error (KERN_INVALID_ARGUMENT; mach_make_memory_entry:
 *     KERN_INVALID_TASK);
 *   - a read port never reaches a write: no writable remap, no memory
 *     entry, no control port, no changing mach_port_* call on the task's
 *     space, no thread ports;
 *   - the mach_port_* calls by XNU's MIG types: ipc_space_read_t ones
 *     through a read port, space_basic_info through an inspect port, the
 *     rest control only (KERN_INVALID_TASK);
 *   - task_read_for_pid needs what ptrace attach needs, task_inspect_for_pid
 *     what ptrace read needs, as nobody: own child yes; root's process, a
 *     process of another user, a setuid image no; Yama's scope refuses the
 *     read port and not the inspect port of a non-descendant;
 *   - an exec (plain or setuid) kills the read and inspect ports of the
 *     image before it.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include <mach/mach_vm.h>

#include "ipc_test.h"

#define NOBODY		65534
#define OTHER_USER	65533

enum { CONTROL, READ, INSPECT, NAME, FLAVOURS };
static const char *const flavour_names[FLAVOURS] = { "control", "read", "inspect", "name" };

static char *self_exe;

/* The four ports of our own task: SELF and the three special ports. */
static void own_ports(struct __test_metadata *_metadata, mach_port_t p[FLAVOURS])
{
	p[CONTROL] = SELF;
	ASSERT_EQ(KERN_SUCCESS, task_get_special_port(SELF, TASK_READ_PORT, &p[READ]));
	ASSERT_EQ(KERN_SUCCESS, task_get_special_port(SELF, TASK_INSPECT_PORT, &p[INSPECT]));
	ASSERT_EQ(KERN_SUCCESS, task_get_special_port(SELF, TASK_NAME_PORT, &p[NAME]));
}

/* The expected answer: KERN_SUCCESS when @f is at most @least, else @wrong. */
static kern_return_t want(int f, int least, kern_return_t wrong)
{
	return f <= least ? KERN_SUCCESS : wrong;
}

TEST(flavours_are_ports_of_their_own)
{
	mach_port_t p[FLAVOURS], again;
	int i, j, pid;

	IPC_REQUIRE();
	own_ports(_metadata, p);
	for (i = 0; i < FLAVOURS; i++) {
		for (j = i + 1; j < FLAVOURS; j++)
			EXPECT_NE(p[i], p[j]);
		pid = 0;
		EXPECT_EQ(KERN_SUCCESS, pid_for_task(p[i], &pid));
		EXPECT_EQ(getpid(), pid);
	}
	/* One port per flavour: asked again, the same name. */
	ASSERT_EQ(KERN_SUCCESS, task_get_special_port(SELF, TASK_READ_PORT, &again));
	EXPECT_EQ(p[READ], again);
	ASSERT_EQ(KERN_SUCCESS, task_get_special_port(SELF, TASK_INSPECT_PORT, &again));
	EXPECT_EQ(p[INSPECT], again);
	/* and for_pid on ourselves gives the same ports */
	ASSERT_EQ(KERN_SUCCESS, task_read_for_pid(SELF, getpid(), &again));
	EXPECT_EQ(p[READ], again);
	ASSERT_EQ(KERN_SUCCESS, task_inspect_for_pid(SELF, getpid(), &again));
	EXPECT_EQ(p[INSPECT], again);
}

TEST(special_ports_by_flavour)
{
	static const int which[] = {
		TASK_KERNEL_PORT, TASK_HOST_PORT, TASK_NAME_PORT, TASK_BOOTSTRAP_PORT,
		TASK_INSPECT_PORT, TASK_READ_PORT, TASK_ACCESS_PORT, 7, 100,
	};
	mach_port_t p[FLAVOURS], got;
	unsigned int w;
	int f;

	IPC_REQUIRE();
	own_ports(_metadata, p);
	for (f = 0; f < FLAVOURS; f++) {
		for (w = 0; w < sizeof(which) / sizeof(which[0]); w++) {
			kern_return_t expect, kr;
			bool known = which[w] <= 6 || which[w] == TASK_ACCESS_PORT;
			int flavour = which[w] == TASK_KERNEL_PORT ? CONTROL :
				      which[w] == TASK_READ_PORT ? READ :
				      which[w] == TASK_INSPECT_PORT ? INSPECT :
				      which[w] == TASK_NAME_PORT ? NAME : -1;

			if (f == NAME)
				expect = KERN_INVALID_ARGUMENT;
			else if (f == CONTROL)
				expect = known ? KERN_SUCCESS : KERN_INVALID_ARGUMENT;
			else
				expect = flavour >= f ? KERN_SUCCESS : KERN_INVALID_CAPABILITY;
			got = 0xdead;
			kr = task_get_special_port(p[f], which[w], &got);
			EXPECT_EQ(expect, kr) {
				TH_LOG("%s port, which %d", flavour_names[f], which[w]);
			}
			if (kr == KERN_SUCCESS && flavour >= 0)
				EXPECT_EQ(p[flavour], got);
			/* A refusal names nothing (the out value is not written, as MIG). */
			if (kr != KERN_SUCCESS)
				EXPECT_EQ(0xdead, got);
		}
	}
	/* Setting a special port takes a control port. */
	for (f = READ; f < FLAVOURS; f++)
		EXPECT_EQ(KERN_INVALID_ARGUMENT,
			  task_set_special_port(p[f], TASK_BOOTSTRAP_PORT, MACH_PORT_NULL));
}

/*
 * mach_vm_remap (@new false: legacy, protections out) or mach_vm_remap_new
 * (@cur, @max in) of one page at @from of @src into @target; the new range,
 * if any, goes at once.
 */
static kern_return_t remap(bool new, mach_port_t target, mach_port_t src,
			   mach_vm_address_t from, bool copy, vm_prot_t cur, vm_prot_t max)
{
	mach_vm_address_t addr = 0;
	kern_return_t kr;

	if (new)
		kr = mach_vm_remap_new(target, &addr, page_size(), 0, VM_FLAGS_ANYWHERE, src,
				       from, copy, &cur, &max, VM_INHERIT_NONE);
	else
		kr = mach_vm_remap(target, &addr, page_size(), 0, VM_FLAGS_ANYWHERE, src,
				   from, copy, &cur, &max, VM_INHERIT_NONE);
	if (addr)
		mach_vm_deallocate(SELF, addr, page_size());
	return kr;
}

/* Every memory call through every flavour of our own task's ports. */
TEST(memory_calls_by_flavour)
{
	size_t pg = page_size();
	mach_port_t p[FLAVOURS];
	mach_vm_address_t buf, addr;
	int f;

	IPC_REQUIRE();
	own_ports(_metadata, p);
	buf = 0;
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(SELF, &buf, 4 * pg, VM_FLAGS_ANYWHERE));
	memset((void *)buf, 'a', pg);

	for (f = 0; f < FLAVOURS; f++) {
		kern_return_t rd = want(f, READ, KERN_INVALID_ARGUMENT);
		kern_return_t ctl = want(f, CONTROL, KERN_INVALID_ARGUMENT);
		vm_offset_t data = 0;
		mach_msg_type_number_t cnt = 0;
		mach_vm_size_t size, out = 0;
		vm_region_basic_info_data_64_t basic;
		vm_region_submap_info_data_64_t sub;
		task_vm_info_data_t vmi;
		integer_t info[TASK_INFO_MAX];
		natural_t depth = 0;
		integer_t disp = 0, refs = 0;
		memory_object_size_t esize = pg;
		mach_port_t entry = MACH_PORT_NULL, obj = MACH_PORT_NULL;
		char tmp[16];

		TH_LOG("flavour %s", flavour_names[f]);
		/* vm_map_read_t */
		EXPECT_EQ(rd, mach_vm_read(p[f], buf, pg, &data, &cnt));
		if (data)
			vm_deallocate(SELF, data, cnt);
		EXPECT_EQ(rd, mach_vm_read_overwrite(p[f], buf, sizeof(tmp),
						     (mach_vm_address_t)tmp, &out));
		addr = buf;
		cnt = VM_REGION_BASIC_INFO_COUNT_64;
		EXPECT_EQ(rd, mach_vm_region(p[f], &addr, &size, VM_REGION_BASIC_INFO_64,
					     (vm_region_info_t)&basic, &cnt, &obj));
		addr = buf;
		cnt = VM_REGION_SUBMAP_INFO_COUNT_64;
		EXPECT_EQ(rd, mach_vm_region_recurse(p[f], &addr, &size, &depth,
						     (vm_region_recurse_info_t)&sub, &cnt));
		EXPECT_EQ(rd, mach_vm_page_query(p[f], buf, &disp, &refs));
		cnt = TASK_VM_INFO_COUNT;
		EXPECT_EQ(rd, task_info(p[f], TASK_VM_INFO, (task_info_t)&vmi, &cnt));
		/* task_name_t */
		cnt = TASK_INFO_MAX;
		EXPECT_EQ(KERN_SUCCESS, task_info(p[f], MACH_TASK_BASIC_INFO, info, &cnt));

		/* vm_map_t */
		EXPECT_EQ(ctl, mach_vm_write(p[f], buf, (vm_offset_t)tmp, sizeof(tmp)));
		addr = 0;
		EXPECT_EQ(ctl, mach_vm_allocate(p[f], &addr, pg, VM_FLAGS_ANYWHERE));
		if (addr)
			mach_vm_deallocate(SELF, addr, pg);
		EXPECT_EQ(ctl, mach_vm_protect(p[f], buf + 3 * pg, pg, false,
					       VM_PROT_READ | VM_PROT_WRITE));
		EXPECT_EQ(ctl, mach_vm_inherit(p[f], buf + 3 * pg, pg, VM_INHERIT_COPY));
		EXPECT_EQ(ctl, mach_vm_behavior_set(p[f], buf, pg, VM_BEHAVIOR_DEFAULT));
		EXPECT_EQ(ctl, mach_vm_msync(p[f], buf, pg, VM_SYNC_SYNCHRONOUS));
		EXPECT_EQ(want(f, CONTROL, KERN_INVALID_TASK),
			  mach_make_memory_entry_64(p[f], &esize, buf,
						    VM_PROT_READ | VM_PROT_WRITE, &entry,
						    MACH_PORT_NULL));
		if (entry)
			mach_port_deallocate(SELF, entry);
		esize = pg;
		entry = MACH_PORT_NULL;
		/* read only, too: an entry could be mapped again by anyone it is sent to */
		EXPECT_EQ(want(f, CONTROL, KERN_INVALID_TASK),
			  mach_make_memory_entry_64(p[f], &esize, buf, VM_PROT_READ,
						    &entry, MACH_PORT_NULL));
		if (entry)
			mach_port_deallocate(SELF, entry);
		addr = 0;
		EXPECT_EQ(ctl, mach_vm_map(p[f], &addr, pg, 0, VM_FLAGS_ANYWHERE, MACH_PORT_NULL,
					   0, false, VM_PROT_DEFAULT, VM_PROT_ALL,
					   VM_INHERIT_DEFAULT));
		if (addr)
			mach_vm_deallocate(SELF, addr, pg);
		EXPECT_EQ(ctl, mach_vm_deallocate(p[f], buf + 3 * pg, pg));
		if (f == CONTROL)
			ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(SELF, &(mach_vm_address_t){ buf + 3 * pg },
							       pg, VM_FLAGS_FIXED));
		/* remap: legacy source is vm_map_t; target always vm_map_t */
		EXPECT_EQ(ctl, remap(false, SELF, p[f], buf, false, VM_PROT_READ, VM_PROT_READ));
		EXPECT_EQ(ctl, remap(false, p[f], SELF, buf, false, VM_PROT_READ, VM_PROT_READ));
		/* remap_new: a read source for a copy or a read-only maximum */
		EXPECT_EQ(rd, remap(true, SELF, p[f], buf, false, VM_PROT_READ, VM_PROT_READ));
		EXPECT_EQ(rd, remap(true, SELF, p[f], buf, true, VM_PROT_READ | VM_PROT_WRITE,
				    VM_PROT_READ | VM_PROT_WRITE));
		EXPECT_EQ(rd, remap(true, SELF, p[f], buf, false, VM_PROT_NONE, VM_PROT_NONE));
		EXPECT_EQ(ctl, remap(true, SELF, p[f], buf, false, VM_PROT_READ,
				     VM_PROT_READ | VM_PROT_WRITE));
		EXPECT_EQ(ctl, remap(true, p[f], SELF, buf, false, VM_PROT_READ, VM_PROT_READ));
	}
	mach_vm_deallocate(SELF, buf, 4 * pg);
}

/* mach_port_names on @task's space, its arrays let go. */
static kern_return_t port_names(mach_port_t task)
{
	mach_port_name_array_t names = NULL;
	mach_port_type_array_t types = NULL;
	mach_msg_type_number_t nn = 0, nt = 0;
	kern_return_t kr = mach_port_names(task, &names, &nn, &types, &nt);

	if (names)
		vm_deallocate(SELF, (vm_address_t)names, nn * sizeof(*names));
	if (types)
		vm_deallocate(SELF, (vm_address_t)types, nt * sizeof(*types));
	return kr;
}

/* task_set_exception_ports on @task with a fresh port of ours. */
static kern_return_t set_exception_port(mach_port_t task)
{
	mach_port_t ep = new_port_send();
	kern_return_t kr = task_set_exception_ports(task, EXC_MASK_BAD_ACCESS, ep,
						    EXCEPTION_DEFAULT, 0);

	mach_port_deallocate(SELF, ep);
	mach_port_mod_refs(SELF, ep, MACH_PORT_RIGHT_RECEIVE, -1);
	return kr;
}

/*
 * A child that waits until *@sock is closed, and the four flavours of its
 * task port in @p.  Returns the child's pid.
 */
static pid_t flavour_child(struct __test_metadata *_metadata,
			   mach_port_t p[FLAVOURS], int *sock)
{
	pid_t child;
	int sv[2];
	char c;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		close(sv[0]);
		die_with_parent();
		(void)SELF;
		c = 'r';
		if (write(sv[1], &c, 1) != 1)
			_exit(2);
		while (read(sv[1], &c, 1) > 0)
			;
		_exit(0);
	}
	close(sv[1]);
	*sock = sv[0];
	ASSERT_EQ(1, read(sv[0], &c, 1));
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(SELF, child, &p[CONTROL]));
	ASSERT_EQ(KERN_SUCCESS, task_read_for_pid(SELF, child, &p[READ]));
	ASSERT_EQ(KERN_SUCCESS, task_inspect_for_pid(SELF, child, &p[INSPECT]));
	ASSERT_EQ(KERN_SUCCESS, task_name_for_pid(SELF, child, &p[NAME]));
	return child;
}

/* The task calls through every flavour (a child: task_suspend stops it). */
TEST(task_calls_by_flavour)
{
	mach_port_t p[FLAVOURS], sem, got;
	thread_act_array_t list;
	mach_msg_type_number_t n, cnt;
	task_category_policy_data_t pol;
	boolean_t dflt;
	pid_t child;
	int f, sv[2];

	IPC_REQUIRE();
	child = flavour_child(_metadata, p, &sv[0]);
	for (f = 0; f < FLAVOURS; f++) {
		kern_return_t ctl = want(f, CONTROL, KERN_INVALID_ARGUMENT);

		TH_LOG("flavour %s", flavour_names[f]);
		/* task_read_t */
		EXPECT_EQ(want(f, READ, KERN_INVALID_ARGUMENT), task_suspend(p[f]));
		EXPECT_EQ(want(f, READ, KERN_INVALID_ARGUMENT), task_resume(p[f]));
		/* task_inspect_t (task_policy_get_t) */
		cnt = TASK_CATEGORY_POLICY_COUNT;
		dflt = false;
		EXPECT_EQ(want(f, INSPECT, KERN_INVALID_ARGUMENT),
			  task_policy_get(p[f], TASK_CATEGORY_POLICY, (task_policy_t)&pol,
					  &cnt, &dflt));
		/* task_t; task_threads: Machina serves only the control form */
		list = NULL;
		n = 0;
		EXPECT_EQ(ctl, task_threads(p[f], &list, &n));
		for (cnt = 0; cnt < n; cnt++)
			mach_port_deallocate(SELF, list[cnt]);
		if (list)
			vm_deallocate(SELF, (vm_address_t)list, n * sizeof(*list));
		pol.role = TASK_DEFAULT_APPLICATION;
		EXPECT_EQ(ctl, task_policy_set(p[f], TASK_CATEGORY_POLICY, (task_policy_t)&pol,
					       TASK_CATEGORY_POLICY_COUNT));
		sem = MACH_PORT_NULL;
		EXPECT_EQ(ctl, semaphore_create(p[f], &sem, SYNC_POLICY_FIFO, 0));
		if (sem)
			semaphore_destroy(p[f], sem);
		got = MACH_PORT_NULL;
		/* mach_port_* of ipc_space_t: control only (port_calls_by_flavour) */
		EXPECT_EQ(want(f, CONTROL, KERN_INVALID_TASK),
			  mach_port_allocate(p[f], MACH_PORT_RIGHT_RECEIVE, &got));
		EXPECT_EQ(want(f, CONTROL, KERN_INVALID_TASK), port_names(p[f]));
		EXPECT_EQ(ctl, set_exception_port(p[f]));
	}
	close(sv[0]);
	EXPECT_EQ(0, mt_wait_exit(child));
}

/* A copy of @task's space table through its control port (malloc'ed). */
static ipc_info_name_t *space_table(mach_port_t task, mach_msg_type_number_t *n)
{
	ipc_info_space_t info;
	ipc_info_name_array_t tab = NULL;
	ipc_info_tree_name_array_t tree = NULL;
	mach_msg_type_number_t tn = 0;
	ipc_info_name_t *copy;

	*n = 0;
	if (mach_port_space_info(task, &info, &tab, n, &tree, &tn))
		return NULL;
	copy = malloc(*n * sizeof(*copy) + 1);
	if (copy)
		memcpy(copy, tab, *n * sizeof(*copy));
	vm_deallocate(SELF, (vm_address_t)tab, *n * sizeof(*tab));
	return copy;
}

/*
 * Every mach_port_* call through every flavour of a child's task port
 * (XNU osfmk/mach/mach_port.defs): the ipc_space_read_t routines
 * (get_attributes, get_set_status, get_context, space_info) take a read
 * port, KERN_INVALID_ARGUMENT below it (their _from_user conversion);
 * space_basic_info (ipc_space_inspect_t) an inspect port, KERN_INVALID_TASK
 * below it; every ipc_space_t routine a control port, KERN_INVALID_TASK
 * otherwise (names, type and get_refs among them).  Through a read port
 * nothing of the child's space changes.
 */
TEST(port_calls_by_flavour)
{
	mach_port_t p[FLAVOURS], got, poly, sp;
	mach_port_name_t rcv, set, snd, *members;
	mach_port_name_array_t names;
	mach_port_type_array_t types;
	mach_msg_type_number_t n, cnt, before_n, after_n;
	mach_msg_type_name_t ptype;
	ipc_info_name_t *before, *after;
	ipc_info_space_basic_t basic;
	ipc_info_space_t info;
	ipc_info_name_array_t tab;
	ipc_info_tree_name_array_t tree;
	mach_port_status_t st;
	mach_port_limits_t lim = { .mpl_qlimit = 3 };
	mach_port_context_t ctx;
	mach_port_options_t opts = { .flags = MPO_INSERT_SEND_RIGHT };
	mach_port_urefs_t refs;
	mach_port_type_t type;
	mach_port_seqno_t seq;
	mach_msg_size_t msize;
	mach_msg_id_t mid;
	mach_msg_max_trailer_t trailer;
	pid_t child;
	int f, sv[2];

	IPC_REQUIRE();
	child = flavour_child(_metadata, p, &sv[0]);
	/* The child's space: a receive right with a send right, a set. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(p[CONTROL], MACH_PORT_RIGHT_RECEIVE, &rcv));
	/* A send right of its own: made in our space, put back under rcv. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_extract_right(p[CONTROL], rcv, MACH_MSG_TYPE_MAKE_SEND,
							&poly, &ptype));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(p[CONTROL], rcv, poly,
						       MACH_MSG_TYPE_MOVE_SEND));
	ASSERT_EQ(KERN_SUCCESS, mach_port_set_context(p[CONTROL], rcv, 0x1234));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(p[CONTROL], MACH_PORT_RIGHT_PORT_SET, &set));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_member(p[CONTROL], rcv, set));
	snd = new_port_send();
	ASSERT_NE(MACH_PORT_NULL, snd);
	before = space_table(p[CONTROL], &before_n);
	ASSERT_NE(NULL, before);

	for (f = 0; f < FLAVOURS; f++) {
		kern_return_t rd = want(f, READ, KERN_INVALID_ARGUMENT);
		kern_return_t ctl = want(f, CONTROL, KERN_INVALID_TASK);

		TH_LOG("flavour %s", flavour_names[f]);
		/* ipc_space_read_t */
		cnt = MACH_PORT_RECEIVE_STATUS_COUNT;
		EXPECT_EQ(rd, mach_port_get_attributes(p[f], rcv, MACH_PORT_RECEIVE_STATUS,
						       (mach_port_info_t)&st, &cnt));
		if (f <= READ)
			EXPECT_EQ(1, st.mps_pset);
		ctx = 0;
		EXPECT_EQ(rd, mach_port_get_context(p[f], rcv, &ctx));
		EXPECT_EQ(f <= READ ? 0x1234 : 0, ctx);
		members = NULL;
		cnt = 0;
		EXPECT_EQ(rd, mach_port_get_set_status(p[f], set, &members, &cnt));
		if (f <= READ) {
			EXPECT_EQ(1, cnt);
			EXPECT_EQ(rcv, members[0]);
		}
		if (members)
			vm_deallocate(SELF, (vm_address_t)members, cnt * sizeof(*members));
		tab = NULL;
		tree = NULL;
		cnt = n = 0;
		EXPECT_EQ(rd, mach_port_space_info(p[f], &info, &tab, &cnt, &tree, &n));
		if (f <= READ)
			EXPECT_EQ(before_n, cnt);
		if (tab)
			vm_deallocate(SELF, (vm_address_t)tab, cnt * sizeof(*tab));
		/* ipc_space_inspect_t */
		memset(&basic, 0, sizeof(basic));
		EXPECT_EQ(want(f, INSPECT, KERN_INVALID_TASK),
			  mach_port_space_basic_info(p[f], &basic));
		if (f <= INSPECT) {
			EXPECT_EQ(before_n, basic.iisb_table_inuse);
			EXPECT_NE(0, basic.iisb_table_size);
		}
		/* ipc_space_t: control only, whatever the call */
		names = NULL;
		types = NULL;
		n = cnt = 0;
		EXPECT_EQ(ctl, mach_port_names(p[f], &names, &n, &types, &cnt));
		if (names)
			vm_deallocate(SELF, (vm_address_t)names, n * sizeof(*names));
		if (types)
			vm_deallocate(SELF, (vm_address_t)types, cnt * sizeof(*types));
		EXPECT_EQ(ctl, mach_port_type(p[f], rcv, &type));
		EXPECT_EQ(ctl, mach_port_get_refs(p[f], rcv, MACH_PORT_RIGHT_SEND, &refs));
		seq = 0;
		cnt = sizeof(trailer);
		EXPECT_EQ(f ? KERN_INVALID_TASK : KERN_FAILURE,
			  mach_port_peek(p[f], rcv, MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0),
					 &seq, &msize, &mid, (mach_msg_trailer_info_t)&trailer,
					 &cnt));
		if (!f)
			continue;	/* the rest would change the child's space */
		got = MACH_PORT_NULL;
		EXPECT_EQ(KERN_INVALID_TASK,
			  mach_port_allocate(p[f], MACH_PORT_RIGHT_RECEIVE, &got));
		EXPECT_EQ(KERN_INVALID_TASK,
			  mach_port_allocate_name(p[f], MACH_PORT_RIGHT_DEAD_NAME, 0x7777));
		EXPECT_EQ(KERN_INVALID_TASK, mach_port_construct(p[f], &opts, 0, &got));
		EXPECT_EQ(KERN_INVALID_TASK, mach_port_deallocate(p[f], rcv));
		EXPECT_EQ(KERN_INVALID_TASK,
			  mach_port_mod_refs(p[f], rcv, MACH_PORT_RIGHT_SEND, 1));
		EXPECT_EQ(KERN_INVALID_TASK,
			  mach_port_mod_refs(p[f], rcv, MACH_PORT_RIGHT_RECEIVE, -1));
		EXPECT_EQ(KERN_INVALID_TASK, mach_port_destroy(p[f], set));
		EXPECT_EQ(KERN_INVALID_TASK, mach_port_destruct(p[f], rcv, 0, 0));
		EXPECT_EQ(KERN_INVALID_TASK,
			  mach_port_insert_right(p[f], 0x6666, snd, MACH_MSG_TYPE_COPY_SEND));
		poly = MACH_PORT_NULL;
		EXPECT_EQ(KERN_INVALID_TASK,
			  mach_port_extract_right(p[f], rcv, MACH_MSG_TYPE_MOVE_RECEIVE,
						  &poly, &ptype));
		EXPECT_EQ(KERN_INVALID_TASK,
			  mach_port_extract_right(p[f], rcv, MACH_MSG_TYPE_MAKE_SEND,
						  &poly, &ptype));
		EXPECT_EQ(MACH_PORT_NULL, poly);
		EXPECT_EQ(KERN_INVALID_TASK, mach_port_set_context(p[f], rcv, 0x9999));
		EXPECT_EQ(KERN_INVALID_TASK,
			  mach_port_set_attributes(p[f], rcv, MACH_PORT_LIMITS_INFO,
						   (mach_port_info_t)&lim,
						   MACH_PORT_LIMITS_INFO_COUNT));
		EXPECT_EQ(KERN_INVALID_TASK, mach_port_set_mscount(p[f], rcv, 9));
		EXPECT_EQ(KERN_INVALID_TASK, mach_port_set_seqno(p[f], rcv, 9));
		EXPECT_EQ(KERN_INVALID_TASK, mach_port_guard(p[f], rcv, 0x5555, TRUE));
		EXPECT_EQ(KERN_INVALID_TASK, mach_port_unguard(p[f], rcv, 0x1234));
		EXPECT_EQ(KERN_INVALID_TASK, mach_port_extract_member(p[f], rcv, set));
		EXPECT_EQ(KERN_INVALID_TASK, mach_port_move_member(p[f], rcv, MACH_PORT_NULL));
		sp = MACH_PORT_NULL;
		EXPECT_EQ(KERN_INVALID_TASK,
			  mach_port_request_notification(p[f], rcv, MACH_NOTIFY_NO_SENDERS, 0,
							 snd, MACH_MSG_TYPE_MAKE_SEND_ONCE,
							 &sp));
	}
	/* Nothing the lesser ports tried changed the child's space. */
	after = space_table(p[CONTROL], &after_n);
	ASSERT_NE(NULL, after);
	ASSERT_EQ(before_n, after_n);
	EXPECT_EQ(0, memcmp(before, after, before_n * sizeof(*before)));
	ctx = 0;
	EXPECT_EQ(KERN_SUCCESS, mach_port_get_context(p[CONTROL], rcv, &ctx));
	EXPECT_EQ(0x1234, ctx);
	cnt = MACH_PORT_LIMITS_INFO_COUNT;
	EXPECT_EQ(KERN_SUCCESS, mach_port_get_attributes(p[CONTROL], rcv, MACH_PORT_LIMITS_INFO,
							 (mach_port_info_t)&lim, &cnt));
	EXPECT_EQ(MACH_PORT_QLIMIT_DEFAULT, lim.mpl_qlimit);
	free(before);
	free(after);
	mach_port_destroy(SELF, snd);
	close(sv[0]);
	EXPECT_EQ(0, mt_wait_exit(child));
}

/*
 * A read port's views of memory never write it: a shared remap is read
 * only for good (Linux mprotect() and mach_vm_protect() cannot raise it),
 * a copy's writes stay in the copy.
 */
TEST(read_port_never_writes)
{
	size_t pg = page_size();
	mach_port_t rd;
	mach_vm_address_t src = 0, view = 0, copy = 0;
	vm_prot_t cur = VM_PROT_READ, max = VM_PROT_READ;

	IPC_REQUIRE();
	ASSERT_EQ(KERN_SUCCESS, task_get_special_port(SELF, TASK_READ_PORT, &rd));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(SELF, &src, pg, VM_FLAGS_ANYWHERE));
	memset((void *)src, 's', pg);
	ASSERT_EQ(KERN_SUCCESS, mach_vm_remap_new(SELF, &view, pg, 0, VM_FLAGS_ANYWHERE, rd,
						  src, false, &cur, &max, VM_INHERIT_NONE));
	EXPECT_EQ(VM_PROT_READ, max);
	EXPECT_EQ('s', *(volatile char *)view);
	EXPECT_EQ(-1, mprotect((void *)view, pg, PROT_READ | PROT_WRITE));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_vm_protect(SELF, view, pg, false, VM_PROT_READ | VM_PROT_WRITE));
	/* and an entry of the view grants no write either */
	{
		memory_object_size_t es = pg;
		mach_port_t e = MACH_PORT_NULL;

		EXPECT_NE(KERN_SUCCESS, mach_make_memory_entry_64(SELF, &es, view,
							VM_PROT_READ | VM_PROT_WRITE, &e,
							MACH_PORT_NULL));
		if (e)
			mach_port_deallocate(SELF, e);
	}
	cur = VM_PROT_READ | VM_PROT_WRITE;
	max = VM_PROT_READ | VM_PROT_WRITE;
	ASSERT_EQ(KERN_SUCCESS, mach_vm_remap_new(SELF, &copy, pg, 0, VM_FLAGS_ANYWHERE, rd,
						  src, true, &cur, &max, VM_INHERIT_NONE));
	memset((void *)copy, 'c', pg);
	EXPECT_EQ('s', *(volatile char *)src);
	EXPECT_EQ('s', *(volatile char *)view);
	mach_vm_deallocate(SELF, copy, pg);
	mach_vm_deallocate(SELF, view, pg);
	mach_vm_deallocate(SELF, src, pg);
}

/* ---- permissions, as nobody ------------------------------------------- */

/* A child that sits until its socket closes (after becoming @uid if set). */
static pid_t sitter(int *sock, uid_t uid)
{
	pid_t pid;
	char c = 'r';
	int s;

	pid = mt_fork_socket(&s);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (uid && mt_become(uid))
			_exit(2);
		if (write(s, &c, 1) != 1)
			_exit(2);
		while (read(s, &c, 1) > 0)
			;
		_exit(0);
	}
	if (read(s, &c, 1) != 1)
		return -1;
	*sock = s;
	return pid;
}

static void expect_refused(struct __test_metadata *_metadata, pid_t pid, const char *who)
{
	mach_port_t t = 0xdead;

	TH_LOG("target: %s", who);
	EXPECT_EQ(KERN_FAILURE, task_read_for_pid(SELF, pid, &t));
	EXPECT_EQ(MACH_PORT_NULL, t);
	t = 0xdead;
	EXPECT_EQ(KERN_FAILURE, task_inspect_for_pid(SELF, pid, &t));
	EXPECT_EQ(MACH_PORT_NULL, t);
	t = 0xdead;
	EXPECT_EQ(KERN_FAILURE, task_for_pid(SELF, pid, &t));
}

TEST(for_pid_permissions_as_nobody)
{
	int s_root, s_other, s_mine;
	pid_t root_pid, other_pid, mine;
	mach_port_t t;

	IPC_REQUIRE();
	if (getuid() != 0)
		SKIP(return, "must start as root (makes the other users' processes)");
	root_pid = sitter(&s_root, 0);
	other_pid = sitter(&s_other, OTHER_USER);
	ASSERT_LT(0, root_pid);
	ASSERT_LT(0, other_pid);
	ASSERT_EQ(0, mt_become(NOBODY));
	mine = sitter(&s_mine, 0);
	ASSERT_LT(0, mine);

	expect_refused(_metadata, root_pid, "root's process");
	expect_refused(_metadata, other_pid, "another user's process");
	expect_refused(_metadata, 1, "init");
	/* pid 0 (Darwin's kernel task) and no such process */
	expect_refused(_metadata, 0, "pid 0");
	expect_refused(_metadata, -1, "pid -1");
	/* our own child: both */
	if (mt_yama_scope() < 2) {
		EXPECT_EQ(KERN_SUCCESS, task_read_for_pid(SELF, mine, &t));
		mach_port_deallocate(SELF, t);
	}
	EXPECT_EQ(KERN_SUCCESS, task_inspect_for_pid(SELF, mine, &t));
	mach_port_deallocate(SELF, t);
	/* the name port of another user's process: still refused */
	EXPECT_EQ(KERN_FAILURE, task_name_for_pid(SELF, other_pid, &t));
	close(s_mine);
	close(s_root);
	close(s_other);
	EXPECT_EQ(0, mt_wait_exit(mine));
}

/*
 * Yama's scope 1 (only descendants may be attached): a sibling of the
 * same user gives an inspect port (ptrace read) but no read port (attach).
 */
TEST(yama_refuses_read_not_inspect)
{
	int s_sib, scope;
	pid_t sib, attacker;

	IPC_REQUIRE();
	MT_YAMA_SCOPE_1(scope);
	sib = sitter(&s_sib, NOBODY);
	ASSERT_LT(0, sib);
	attacker = fork();
	ASSERT_LE(0, attacker);
	if (attacker == 0) {
		mach_port_t t = MACH_PORT_NULL;
		int fails = 0;

		if (mt_become(NOBODY))
			_exit(90);
		if (task_read_for_pid(SELF, sib, &t) != KERN_FAILURE || t)
			fails |= 1;
		if (task_for_pid(SELF, sib, &t) != KERN_FAILURE)
			fails |= 2;
		if (task_inspect_for_pid(SELF, sib, &t) != KERN_SUCCESS || !t)
			fails |= 4;
		_exit(fails);
	}
	EXPECT_EQ(0, mt_wait_exit(attacker));
	mt_set_yama_scope(scope);
	close(s_sib);
	EXPECT_EQ(0, mt_wait_exit(sib));
}

/* ---- exec -------------------------------------------------------------- */

/* argv: --image FD: wait for FD to close. */
static int image_main(char **argv)
{
	int fd = atoi(argv[2]);
	char c = 'x';

	if (write(fd, &c, 1) != 1)
		return 3;
	while (read(fd, &c, 1) > 0)
		;
	return 0;
}

/* Every call through @rd (a read port) and @in (inspect) of a dead image fails. */
static void expect_dead(struct __test_metadata *_metadata, mach_port_t rd, mach_port_t in)
{
	integer_t info[TASK_INFO_MAX];
	mach_msg_type_number_t cnt;
	mach_vm_address_t addr = 0x10000;
	mach_vm_size_t size;
	vm_region_basic_info_data_64_t basic;
	mach_port_t obj, got;
	vm_offset_t data = 0;
	int pid;

	cnt = VM_REGION_BASIC_INFO_COUNT_64;
	EXPECT_EQ(MACH_SEND_INVALID_DEST, mach_vm_region(rd, &addr, &size, VM_REGION_BASIC_INFO_64,
							 (vm_region_info_t)&basic, &cnt, &obj));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, mach_vm_read(rd, addr, 16, &data, &cnt));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, task_suspend(rd));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, task_get_special_port(rd, TASK_READ_PORT, &got));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, task_get_special_port(in, TASK_NAME_PORT, &got));
	cnt = TASK_INFO_MAX;
	EXPECT_EQ(MACH_SEND_INVALID_DEST, task_info(in, MACH_TASK_BASIC_INFO, info, &cnt));
	EXPECT_NE(KERN_SUCCESS, pid_for_task(rd, &pid));
	EXPECT_NE(KERN_SUCCESS, pid_for_task(in, &pid));
	/* The exec killed them: dead names (dead-name requests fired). */
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(rd));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(in));
}

static void exec_case(struct __test_metadata *_metadata, bool suid)
{
	char path[64];
	const char *paths[] = { path, NULL };
	mach_port_t rd, in, t;
	int sv[2];
	pid_t pid;
	char c, fdstr[16];

	IPC_REQUIRE();
	if (getuid() != 0)
		SKIP(return, "must start as root (makes a setuid image)");
	if (suid && !mt_tmp_honours_setuid())
		SKIP(return, "/tmp is mounted nosuid");
	if (mt_yama_scope() >= 2)
		SKIP(return, "Yama scope 2 or 3: nobody attaches to no process");
	snprintf(path, sizeof(path), "/tmp/task_read_port.%d", getpid());
	ASSERT_EQ(0, mt_copy_file(self_exe, path, suid ? 04755 : 0755));
	ASSERT_EQ(0, mt_janitor(paths));
	ASSERT_EQ(0, mt_become(NOBODY));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(sv[0]);
		(void)SELF;
		if (read(sv[1], &c, 1) != 1)
			_exit(2);
		snprintf(fdstr, sizeof(fdstr), "%d", sv[1]);
		execl(path, path, "--image", fdstr, (char *)NULL);
		_exit(3);
	}
	close(sv[1]);
	ASSERT_EQ(KERN_SUCCESS, task_read_for_pid(SELF, pid, &rd));
	ASSERT_EQ(KERN_SUCCESS, task_inspect_for_pid(SELF, pid, &in));
	ASSERT_EQ(1, write(sv[0], "g", 1));
	ASSERT_EQ(1, read(sv[0], &c, 1));	/* the new image runs */
	expect_dead(_metadata, rd, in);
	if (suid) {
		/* The setuid image's ports are not for nobody. */
		EXPECT_EQ(KERN_FAILURE, task_read_for_pid(SELF, pid, &t));
		EXPECT_EQ(KERN_FAILURE, task_inspect_for_pid(SELF, pid, &t));
	} else {
		/* A plain image's fresh ports are again ours, and new ports. */
		EXPECT_EQ(KERN_SUCCESS, task_read_for_pid(SELF, pid, &t));
		EXPECT_NE(rd, t);
		EXPECT_EQ(KERN_SUCCESS, task_inspect_for_pid(SELF, pid, &t));
		EXPECT_NE(in, t);
	}
	close(sv[0]);
	EXPECT_EQ(0, mt_wait_exit(pid));
}

TEST(exec_kills_read_and_inspect_ports)
{
	exec_case(_metadata, false);
}

TEST(setuid_exec_kills_and_refuses)
{
	exec_case(_metadata, true);
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "--image"))
		return image_main(argv);
	self_exe = realpath("/proc/self/exe", NULL);
	return test_harness_run(argc, argv);
}
