// SPDX-License-Identifier: GPL-2.0
/*
 * Security review of MAP_MEM_ONLY and MAP_MEM_VM_SHARE
 * (mach_make_memory_entry_64), attacked as user nobody.
 *
 * nobody_cannot_change_or_reach_roots_entry: root hands nobody read-only
 * entries of root's memory.  MAP_MEM_ONLY on them cannot change the
 * cache mode they recorded (KERN_INVALID_RIGHT; root's own NOOP still
 * matches after), VM_SHARE with them as parent names nobody's own task
 * only (the parent is ignored), nobody cannot name root's task, and a
 * read port of its own makes no entry of either kind.
 * vm_share_entries_are_bounded: VM_SHARE entries of one object count
 * against max_entries_per_object like every entry (refused with
 * KERN_RESOURCE_SHORTAGE at the limit, a live count), and everything is
 * given back (no port left) when nobody exits.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <mach/memory_object_types.h>

#include "kselftest_harness.h"
#include "vm_test.h"
#include "vm_child_test.h"

#define RW (VM_PROT_READ | VM_PROT_WRITE)

/* An entry of the own range [addr, addr + len) with @perm, or NULL. */
static mach_port_t entry_of(mach_vm_address_t addr, size_t len, int perm)
{
	memory_object_size_t size = len;
	mach_port_t h = MACH_PORT_NULL;

	if (mach_make_memory_entry_64(SELF, &size, addr, perm, &h,
				      MACH_PORT_NULL))
		return MACH_PORT_NULL;
	return h;
}

/* MAP_MEM_ONLY with cache mode @mode on @parent. */
static kern_return_t mem_only(mach_port_t task, mach_port_t parent,
			      unsigned int mode)
{
	memory_object_size_t size = page_size();
	mach_port_t h = MACH_PORT_NULL;

	return mach_make_memory_entry_64(task, &size, 0,
					 MAP_MEM_ONLY | (int)(mode << 24), &h,
					 parent);
}

/*
 * nobody_meets - in the child: become nobody and hand the parent (@to) a
 * send right of a new port of its own (*@mine), on which it then gets
 * the parent's rights.
 * Returns: 0, or the step that failed (2, 3).
 */
static int nobody_meets(mach_port_t to, mach_port_t *mine)
{
	*mine = new_port_send();
	if (mt_become_nobody())
		return 2;
	if (send_port(to, MACH_MSG_TYPE_COPY_SEND, 1, *mine,
		      MACH_MSG_TYPE_MAKE_SEND))
		return 3;
	return 0;
}

/*
 * give_rights - in the parent: send a copy of each of @n send rights to
 * the port the child handed over on @rcv, one message each (ids 2..).
 * Returns: true when all went.
 */
static bool give_rights(mach_port_t rcv, const mach_port_t *rights, int n)
{
	mach_port_t mine = recv_right(rcv);
	bool ok = mine != MACH_PORT_NULL;
	int i;

	for (i = 0; ok && i < n; i++)
		ok = send_port(mine, MACH_MSG_TYPE_COPY_SEND, 2 + i, rights[i],
			       MACH_MSG_TYPE_COPY_SEND) == MACH_MSG_SUCCESS;
	if (mine)
		mach_port_deallocate(SELF, mine);
	return ok;
}

/* What nobody does with root's entries; the exit status names the step. */
static int attack(mach_port_t to, pid_t root_child)
{
	mach_port_t mine, ro, ro3, h, task, rd;
	memory_object_size_t size;
	int step = nobody_meets(to, &mine);

	if (step)
		return step;
	ro = recv_right(mine);
	ro3 = recv_right(mine);
	if (!ro || !ro3)
		return 4;
	/* Another mode on a read-only entry: refused, either record. */
	if (mem_only(SELF, ro, MAP_MEM_COPYBACK) != KERN_INVALID_RIGHT ||
	    mem_only(SELF, ro, MAP_MEM_IO) != KERN_INVALID_RIGHT ||
	    mem_only(SELF, ro3, MAP_MEM_NOOP) != KERN_INVALID_RIGHT ||
	    mem_only(SELF, ro3, MAP_MEM_WCOMB) != KERN_INVALID_RIGHT)
		return 5;
	/* The mode it has: allowed, and changes nothing. */
	if (mem_only(SELF, ro3, MAP_MEM_WTHRU) != KERN_SUCCESS)
		return 6;
	/*
	 * VM_SHARE ignores the parent: it names nobody's own task at the
	 * offset (nothing mapped at page 1 of the address space).
	 */
	size = page_size();
	h = MACH_PORT_NULL;
	if (mach_make_memory_entry_64(SELF, &size, page_size(),
				      RW | MAP_MEM_VM_SHARE, &h, ro) !=
	    KERN_INVALID_ADDRESS || h)
		return 7;
	/* Root's task is out of reach. */
	if (task_for_pid(SELF, root_child, &task) == KERN_SUCCESS)
		return 8;
	size = page_size();
	if (mach_make_memory_entry_64(0x12345678, &size, 0,
				      RW | MAP_MEM_VM_SHARE, &h,
				      MACH_PORT_NULL) != MACH_SEND_INVALID_DEST)
		return 9;
	/* A read port of its own makes no entry. */
	if (task_read_for_pid(SELF, getpid(), &rd))
		return 10;
	size = page_size();
	if (mach_make_memory_entry_64(rd, &size, 0, RW | MAP_MEM_VM_SHARE,
				      &h, MACH_PORT_NULL) != KERN_INVALID_TASK ||
	    mem_only(rd, ro3, MAP_MEM_WTHRU) != KERN_INVALID_TASK)
		return 11;
	return 0;
}

TEST(nobody_cannot_change_or_reach_roots_entry)
{
	size_t pg = page_size();
	mach_vm_address_t r = alloc_pattern(2 * pg, 40);
	mach_port_t rcv = new_port_send(), ro, ro3, to;
	struct gate g;
	pid_t pid, root_child;

	IPC_REQUIRE();
	if (geteuid() != 0)
		SKIP(return, "needs root to attack root");
	ASSERT_NE(0, r);
	ro = entry_of(r, 2 * pg, VM_PROT_READ);
	ro3 = entry_of(r, pg, VM_PROT_READ | (MAP_MEM_WTHRU << 24));
	ASSERT_NE(MACH_PORT_NULL, ro);
	ASSERT_NE(MACH_PORT_NULL, ro3);
	root_child = idle_child();
	ASSERT_GT(root_child, 0);
	pid = fork_sender(rcv, &g, &to);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(attack(to, root_child));
	{
		mach_port_t give[] = { ro, ro3 };

		ASSERT_TRUE(give_rights(rcv, give, 2));
	}
	EXPECT_EQ(0, mt_wait_exit(pid));
	/* The records are root's still: NOOP and WTHRU match. */
	EXPECT_EQ(KERN_SUCCESS, mem_only(SELF, ro, MAP_MEM_NOOP));
	EXPECT_EQ(KERN_SUCCESS, mem_only(SELF, ro3, MAP_MEM_WTHRU));
	EXPECT_TRUE(check_pages(P(r), 2 * pg, 40));
	end_child(root_child);
	mach_vm_deallocate(SELF, r, 2 * pg);
	mach_port_deallocate(SELF, ro);
	mach_port_deallocate(SELF, ro3);
	mach_port_mod_refs(SELF, rcv, MACH_PORT_RIGHT_RECEIVE, -1);
}

#define LIMIT 32

TEST(vm_share_entries_are_bounded)
{
	struct live_counts before, after;
	long old;
	pid_t pid;

	IPC_REQUIRE();
	if (geteuid() != 0)
		SKIP(return, "needs root to lower max_entries_per_object");
	live_counts_baseline(&before);
	old = module_param_set("max_entries_per_object", LIMIT);
	ASSERT_GT(old, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		mach_port_t e[LIMIT + 1];
		mach_vm_address_t r;
		kern_return_t kr = KERN_SUCCESS;
		int n, i;

		if (mt_become_nobody())
			_exit(2);
		r = alloc_pattern(page_size(), 41);
		if (!r)
			_exit(3);
		for (n = 0; n <= LIMIT; n++) {
			e[n] = entry_of(r, page_size(),
					RW | MAP_MEM_VM_SHARE);
			if (!e[n])
				break;
		}
		/* The range's own lookup pins too, for the call's length. */
		printf("# VM_SHARE entries of one object: %d\n", n);
		fflush(stdout);
		if (n < LIMIT - 2 || n >= LIMIT)
			_exit(4);
		{
			memory_object_size_t size = page_size();
			mach_port_t h;

			kr = mach_make_memory_entry_64(SELF, &size, r,
						       RW | MAP_MEM_VM_SHARE,
						       &h, MACH_PORT_NULL);
		}
		if (kr != KERN_RESOURCE_SHORTAGE)
			_exit(5);
		/* A live count: one given back, one more made. */
		mach_port_deallocate(SELF, e[n - 1]);
		e[n - 1] = entry_of(r, page_size(), RW | MAP_MEM_VM_SHARE);
		if (!e[n - 1])
			_exit(6);
		/* Exit with every entry held: the exit gives them back. */
		for (i = 0; i < n; i++)
			if (!e[i])
				_exit(7);
		_exit(0);
	}
	EXPECT_EQ(0, mt_wait_exit(pid));
	module_param_set("max_entries_per_object", old);
	ASSERT_TRUE(live_counts_settle(&before, &after));
	EXPECT_EQ(before.ports, after.ports);
	EXPECT_EQ(before.tasks, after.tasks);
}

/*
 * What nobody tries with root's read-only entry mapped read-only in its
 * own task; the exit status names the step.
 */
static int attack_mapped(mach_port_t to)
{
	size_t pg = page_size();
	mach_port_t mine, ro, h, none;
	memory_object_size_t size;
	mach_vm_address_t m = 0, w;
	int step = nobody_meets(to, &mine);

	if (step)
		return step;
	ro = recv_right(mine);
	if (!ro)
		return 4;
	if (mach_vm_map(SELF, &m, pg, 0, VM_FLAGS_ANYWHERE, ro, 0, FALSE,
			VM_PROT_READ, VM_PROT_READ, VM_INHERIT_DEFAULT))
		return 5;
	/* VM_SHARE / NAMED_REUSE asking write: refused. */
	size = pg;
	h = MACH_PORT_NULL;
	if (mach_make_memory_entry_64(SELF, &size, m, RW | MAP_MEM_VM_SHARE,
				      &h, MACH_PORT_NULL) !=
	    KERN_PROTECTION_FAILURE || h)
		return 6;
	size = pg;
	if (mach_make_memory_entry_64(SELF, &size, m,
				      RW | MAP_MEM_NAMED_REUSE, &h, ro) !=
	    KERN_PROTECTION_FAILURE || h)
		return 7;
	/* With the mask: read only, which maps no writer. */
	size = pg;
	if (mach_make_memory_entry_64(SELF, &size, m,
				      RW | VM_PROT_IS_MASK | MAP_MEM_VM_SHARE,
				      &h, MACH_PORT_NULL) || !h)
		return 8;
	w = 0;
	if (mach_vm_map(SELF, &w, pg, 0, VM_FLAGS_ANYWHERE, h, 0, FALSE, RW,
			RW, VM_INHERIT_DEFAULT) != KERN_INVALID_RIGHT)
		return 9;
	/* MAP_MEM_ONLY on it: a copy-kind entry, refused. */
	size = pg;
	if (mach_make_memory_entry_64(SELF, &size, 0, MAP_MEM_ONLY |
				      (MAP_MEM_WCOMB << 24), &none, h) !=
	    KERN_INVALID_ARGUMENT)
		return 10;
	mach_port_deallocate(SELF, h);
	/* Nor can the mapping be raised afterwards. */
	if (mach_vm_protect(SELF, m, pg, FALSE, RW) == KERN_SUCCESS ||
	    mprotect(P(m), pg, PROT_READ | PROT_WRITE) == 0)
		return 11;
	return 0;
}

TEST(nobody_cannot_share_roots_readonly_mapping_writable)
{
	size_t pg = page_size();
	mach_vm_address_t r = alloc_pattern(pg, 42);
	mach_port_t rcv = new_port_send(), ro, to;
	struct gate g;
	pid_t pid;

	IPC_REQUIRE();
	if (geteuid() != 0)
		SKIP(return, "needs root to attack root");
	ASSERT_NE(0, r);
	ro = entry_of(r, pg, VM_PROT_READ);
	ASSERT_NE(MACH_PORT_NULL, ro);
	pid = fork_sender(rcv, &g, &to);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(attack_mapped(to));
	ASSERT_TRUE(give_rights(rcv, &ro, 1));
	EXPECT_EQ(0, mt_wait_exit(pid));
	EXPECT_TRUE(check_pages(P(r), pg, 42));
	mach_vm_deallocate(SELF, r, pg);
	mach_port_deallocate(SELF, ro);
	mach_port_mod_refs(SELF, rcv, MACH_PORT_RIGHT_RECEIVE, -1);
}

/*
 * Replaces the range a share races with (a new object each time, in
 * place: no hole another mapping could take) and re-protects it.
 */
struct churn {
	mach_vm_address_t addr;
	size_t len;
	volatile int stop;
};

static void *churn_range(void *arg)
{
	struct churn *c = arg;

	while (!c->stop) {
		mach_vm_address_t a = c->addr;

		mach_vm_allocate(SELF, &a, c->len,
				 VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE);
		mach_vm_protect(SELF, c->addr, c->len, FALSE, VM_PROT_READ);
		mach_vm_protect(SELF, c->addr, c->len, FALSE, RW);
	}
	return NULL;
}

/*
 * race_share - entries made with @perm of a 2-page range that another
 * thread unmaps, maps again and re-protects meanwhile; each one made
 * maps writable (it granted write) and is written.
 * Returns: the entries made, or -1 at a broken step.
 */
static int race_share(int perm, int rounds)
{
	size_t pg = page_size(), len = 2 * pg;
	struct churn c = { .len = len };
	int i, made = 0;
	pthread_t t;

	c.addr = alloc_pattern(len, 43);
	if (!c.addr || pthread_create(&t, NULL, churn_range, &c))
		return -1;
	for (i = 0; i < rounds && made >= 0; i++) {
		memory_object_size_t size = len;
		mach_port_t h = MACH_PORT_NULL;
		mach_vm_address_t m = 0;

		if (mach_make_memory_entry_64(SELF, &size, c.addr, perm, &h,
					      MACH_PORT_NULL)) {
			/* A failure copies nothing out (MIG). */
			if (h || size != len)
				made = -1;
			continue;
		}
		made++;
		if (!(perm & MAP_MEM_VM_SHARE) && size != len) {
			/* The default share may stop at a split. */
			mach_port_deallocate(SELF, h);
			continue;
		}
		if (size != len ||
		    mach_vm_map(SELF, &m, len, 0, VM_FLAGS_ANYWHERE, h, 0,
				FALSE, RW, RW, VM_INHERIT_DEFAULT)) {
			made = -1;
		} else {
			P(m)[0] = 1;
			P(m)[len - 1] = 2;
			mach_vm_deallocate(SELF, m, len);
		}
		mach_port_deallocate(SELF, h);
	}
	c.stop = 1;
	pthread_join(t, NULL);
	mach_vm_deallocate(SELF, c.addr, len);
	return made;
}

/*
 * race_in_child - race_share() in a fork child, which exits holding
 * nothing: every port and task it made must be gone after.
 */
static void race_in_child(struct __test_metadata *_metadata, int perm)
{
	struct live_counts before, after;
	pid_t pid;

	live_counts_baseline(&before);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* 750 tries on each stock kernel, 300 / 100 on the debug ones. */
		int made = race_share(perm, mt_rounds(3000, 100));

		printf("# entries made while racing (flags %#x): %d\n",
		       perm & ~RW, made);
		fflush(stdout);
		_exit(made < 0);
	}
	EXPECT_EQ(0, mt_wait_exit(pid));
	EXPECT_TRUE(live_counts_settle(&before, &after));
	EXPECT_EQ(before.ports, after.ports);
	EXPECT_EQ(before.tasks, after.tasks);
}

TEST(vm_share_races_replace_and_protect)
{
	IPC_REQUIRE();
	race_in_child(_metadata, RW | MAP_MEM_VM_SHARE);
}

TEST(default_share_races_replace_and_protect)
{
	IPC_REQUIRE();
	race_in_child(_metadata, RW);
}

/* A VM_SHARE entry of the range, mapped shared (the port goes). */
static mach_vm_address_t share_by_vm_share(mach_vm_address_t r, size_t len)
{
	mach_port_t h = entry_of(r, len, RW | MAP_MEM_VM_SHARE);
	mach_vm_address_t m = 0;

	if (!h)
		return 0;
	if (mach_vm_map(SELF, &m, len, 0, VM_FLAGS_ANYWHERE, h, 0, FALSE, RW,
			RW, VM_INHERIT_DEFAULT))
		m = 0;
	mach_port_deallocate(SELF, h);
	return m;
}

/* A fork child's copy-on-write side is not reached through VM_SHARE. */
TEST(vm_share_of_a_copy_on_write_range_keeps_each_side)
{
	IPC_REQUIRE();
	EXPECT_EQ(0, cow_sides(share_by_vm_share, 44));
}

TEST_HARNESS_MAIN
