// SPDX-License-Identifier: GPL-2.0
/*
 * Security review of the task read and inspect ports (branch taskread):
 * every attack runs as nobody against another process, never against the
 * attacker's own task.
 *
 * Checked:
 *   - a read-only view of another process's memory, made with
 *     mach_vm_remap_new from its read port, cannot be turned into a write
 *     of that memory by any route the attacker owns: mprotect, a write
 *     through /proc/self/mem (FOLL_FORCE), process_vm_writev, mach_vm_write,
 *     mach_vm_protect (also as the new maximum; VM_PROT_COPY only makes a
 *     private copy), a re-remap of the view (legacy or remap_new), a memory
 *     entry of the view mapped writable, mach_vm_behavior_set FREE /
 *     REUSABLE / ZERO, madvise DONTNEED / REMOVE, mremap, a fork child that
 *     inherits the view shared;
 *   - the read port of another process reaches none of the control port's
 *     calls (special ports beyond read, threads, its space, exception ports,
 *     semaphores, allocation, memory entries);
 *   - an inspect port given under the weaker ptrace-read rule (a sibling
 *     Yama's scope 1 keeps out of reach of attaching) reads no memory,
 *     suspends nothing, and yields no read or control port;
 *   - the read and inspect ports are made once per image even when many
 *     threads ask for them at the same moment, also while the target exits
 *     (a stress for the debug kernels: on TCG the askers seldom meet inside
 *     machina_task_port(), and a version that let a second asker replace
 *     the first one's port passed 20 rounds there).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include <mach/mach_vm.h>

#include "ipc_test.h"

#define FILL	'T'

/*
 * A target: a child that fills one page of Mach VM memory with FILL, sends
 * its address on the socket, waits until the socket closes and then exits
 * 0 if the page still holds FILL only (1 if not, 2 on a setup failure).
 */
static pid_t target(int *sock, mach_vm_address_t *where, bool nobody)
{
	size_t pg = page_size();
	pid_t pid;
	int s;
	char c;

	pid = mt_fork_socket(&s);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		mach_vm_address_t a = 0;
		size_t i;

		if (nobody && (mt_become_nobody() || prctl(PR_SET_DUMPABLE, 1)))
			_exit(2);
		if (mach_vm_allocate(SELF, &a, pg, VM_FLAGS_ANYWHERE))
			_exit(2);
		memset((void *)a, FILL, pg);
		if (write(s, &a, sizeof(a)) != sizeof(a))
			_exit(2);
		while (read(s, &c, 1) > 0)
			;
		for (i = 0; i < pg; i++)
			if (((volatile char *)a)[i] != FILL)
				_exit(1);
		_exit(0);
	}
	if (read(s, where, sizeof(*where)) != sizeof(*where))
		return -1;
	*sock = s;
	return pid;
}

/* Whether @len bytes at @p are all FILL. */
static bool all_fill(const void *p, size_t len)
{
	const volatile char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i] != FILL)
			return false;
	return true;
}

/* Whether the page at @at of the task @rd names still holds FILL only. */
static bool target_intact(mach_port_t rd, mach_vm_address_t at)
{
	size_t pg = page_size();
	mach_vm_size_t got = 0;
	char *buf = malloc(pg);
	bool ok;

	if (!buf)
		return false;
	ok = !mach_vm_read_overwrite(rd, at, pg, (mach_vm_address_t)buf, &got) &&
	     got == pg && all_fill(buf, pg);
	free(buf);
	return ok;
}

/* Whether a write of one byte at @at through /proc/self/mem went through. */
static bool mem_write(mach_vm_address_t at)
{
	int fd = open("/proc/self/mem", O_RDWR);
	char c = 'W';
	bool wrote;

	if (fd < 0)
		return false;
	wrote = pwrite(fd, &c, 1, (off_t)at) == 1;
	close(fd);
	return wrote;
}

/* Whether process_vm_writev() wrote one byte at @at of our own process. */
static bool vm_writev(mach_vm_address_t at)
{
	char c = 'V';
	struct iovec l = { &c, 1 }, r = { (void *)at, 1 };

	return process_vm_writev(getpid(), &l, 1, &r, 1, 0) == 1;
}

/*
 * The attacks on a read-only view of the target's page; as nobody.
 * Returns a bit mask of the attacks that got a write through, 0 if none.
 */
static int attack_view(mach_port_t rd, mach_vm_address_t src)
{
	size_t pg = page_size();
	mach_vm_address_t view = 0, v2 = 0, moved;
	vm_prot_t cur = VM_PROT_READ, max = VM_PROT_READ;
	memory_object_size_t es = pg;
	mach_port_t entry = MACH_PORT_NULL;
	char *junk;
	pid_t kid;
	int bad = 0;

	if (mach_vm_remap_new(SELF, &view, pg, 0, VM_FLAGS_ANYWHERE, rd, src, false,
			      &cur, &max, VM_INHERIT_NONE) || !all_fill((void *)view, pg))
		return 1 << 30;
	if (!mprotect((void *)view, pg, PROT_READ | PROT_WRITE))
		bad |= 1 << 0;
	if (mem_write(view))
		bad |= 1 << 1;
	if (vm_writev(view))
		bad |= 1 << 2;
	junk = malloc(pg);
	if (!junk)
		return 1 << 30;
	memset(junk, 'J', pg);
	if (!mach_vm_write(SELF, view, (vm_offset_t)junk, pg))
		bad |= 1 << 3;
	if (!mach_vm_protect(SELF, view, pg, true, VM_PROT_READ | VM_PROT_WRITE))
		bad |= 1 << 4;
	if (!mach_vm_protect(SELF, view, pg, false, VM_PROT_READ | VM_PROT_WRITE))
		bad |= 1 << 5;
	/* A re-remap of the view: remap_new asking for write, then legacy. */
	cur = max = VM_PROT_READ | VM_PROT_WRITE;
	if (!mach_vm_remap_new(SELF, &v2, pg, 0, VM_FLAGS_ANYWHERE, SELF, view, false,
			       &cur, &max, VM_INHERIT_NONE)) {
		bad |= 1 << 6;
		mach_vm_deallocate(SELF, v2, pg);
	}
	v2 = 0;
	if (!mach_vm_remap(SELF, &v2, pg, 0, VM_FLAGS_ANYWHERE, SELF, view, false,
			   &cur, &max, VM_INHERIT_NONE)) {
		if ((max & VM_PROT_WRITE) ||
		    !mprotect((void *)v2, pg, PROT_READ | PROT_WRITE) || mem_write(v2))
			bad |= 1 << 7;
		mach_vm_deallocate(SELF, v2, pg);
	}
	/* A memory entry of the view, writable or mapped writable. */
	if (!mach_make_memory_entry_64(SELF, &es, view, VM_PROT_READ | VM_PROT_WRITE,
				       &entry, MACH_PORT_NULL)) {
		bad |= 1 << 8;
		mach_port_deallocate(SELF, entry);
	}
	entry = MACH_PORT_NULL;
	es = pg;
	if (!mach_make_memory_entry_64(SELF, &es, view, VM_PROT_READ, &entry,
				       MACH_PORT_NULL)) {
		v2 = 0;
		if (!mach_vm_map(SELF, &v2, pg, 0, VM_FLAGS_ANYWHERE, entry, 0, false,
				 VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ | VM_PROT_WRITE,
				 VM_INHERIT_NONE)) {
			bad |= 1 << 9;
			mach_vm_deallocate(SELF, v2, pg);
		}
		mach_port_deallocate(SELF, entry);
	}
	/* Page actions that drop or zero pages, Mach's and Linux's. */
	mach_vm_behavior_set(SELF, view, pg, VM_BEHAVIOR_FREE);
	mach_vm_behavior_set(SELF, view, pg, VM_BEHAVIOR_REUSABLE);
	if (!mach_vm_behavior_set(SELF, view, pg, VM_BEHAVIOR_ZERO))
		bad |= 1 << 10;
	madvise((void *)view, pg, MADV_DONTNEED);
	if (!madvise((void *)view, pg, MADV_REMOVE))
		bad |= 1 << 11;
	if (!all_fill((void *)view, pg))
		bad |= 1 << 12;
	/* A fork child that inherits the view shared. */
	if (!mach_vm_inherit(SELF, view, pg, VM_INHERIT_SHARE)) {
		kid = fork();
		if (kid == 0) {
			int kbad = 0;

			if (!mprotect((void *)view, pg, PROT_READ | PROT_WRITE))
				kbad |= 1;
			if (mem_write(view))
				kbad |= 2;
			if (!mach_vm_protect(SELF, view, pg, true,
					     VM_PROT_READ | VM_PROT_WRITE))
				kbad |= 4;
			_exit(kbad);
		}
		if (kid < 0 || mt_wait_exit(kid))
			bad |= 1 << 13;
	}
	/* mremap keeps the maximum. */
	moved = (mach_vm_address_t)mremap((void *)view, pg, pg, MREMAP_MAYMOVE);
	if (moved != (mach_vm_address_t)MAP_FAILED) {
		view = moved;
		if (!mprotect((void *)view, pg, PROT_READ | PROT_WRITE) || mem_write(view))
			bad |= 1 << 14;
	}
	/* mach_vm_read's copy and a remap_new snapshot are the attacker's own. */
	{
		vm_offset_t data = 0;
		mach_msg_type_number_t cnt = 0;

		if (!mach_vm_read(rd, src, pg, &data, &cnt) && cnt == pg) {
			memset((void *)data, 'R', pg);
			mach_vm_deallocate(SELF, data, pg);
		}
		v2 = 0;
		cur = max = VM_PROT_READ | VM_PROT_WRITE;
		if (!mach_vm_remap_new(SELF, &v2, pg, 0, VM_FLAGS_ANYWHERE, rd, src, true,
				       &cur, &max, VM_INHERIT_NONE)) {
			memset((void *)v2, 'S', pg);
			mem_write(v2);
			mach_vm_deallocate(SELF, v2, pg);
		}
	}
	/* VM_PROT_COPY: a private copy the attacker may write, never the source. */
	if (!mach_vm_protect(SELF, view, pg, false,
			     VM_PROT_COPY | VM_PROT_READ | VM_PROT_WRITE)) {
		memset((void *)view, 'C', pg);
		mem_write(view);
	}
	if (!target_intact(rd, src))
		bad |= 1 << 15;
	free(junk);
	mach_vm_deallocate(SELF, view, pg);
	return bad;
}

/*
 * Run @attack as nobody on the read port of a target of nobody's (our
 * child, so attaching it is allowed): the exit status of the attacker, 0
 * when the attack found no hole and the target's page stayed intact; 100
 * to 103 for a setup failure.
 */
static int as_nobody_on_a_target(int (*attack)(mach_port_t rd, mach_vm_address_t src))
{
	pid_t attacker = fork();

	if (attacker < 0)
		return -1;
	if (attacker == 0) {
		mach_vm_address_t src;
		mach_port_t rd = MACH_PORT_NULL;
		int sock, bad;
		pid_t t;

		if (mt_become_nobody() || prctl(PR_SET_DUMPABLE, 1))
			_exit(100);
		t = target(&sock, &src, false);
		if (t < 0)
			_exit(101);
		if (task_read_for_pid(SELF, t, &rd) || !rd)
			_exit(102);
		bad = attack(rd, src);
		close(sock);
		if (mt_wait_exit(t))
			bad |= 1 << 16;
		_exit(bad ? (bad & (1 << 30) ? 103 : 1) : 0);
	}
	return mt_wait_exit(attacker);
}

/* A read-only view of another process's page stays read-only. */
TEST(read_view_never_writes_the_target)
{
	IPC_REQUIRE();
	if (getuid() != 0)
		SKIP(return, "must start as root (drops to nobody)");
	if (mt_yama_scope() >= 2)
		SKIP(return, "Yama's scope refuses attaching a child");
	EXPECT_EQ(0, as_nobody_on_a_target(attack_view));
}

/*
 * The names a read port shows of the target's space (mach_port_space_info,
 * which XNU serves to a read port), each used against the calls that
 * would take or drop a right there: all KERN_INVALID_TASK.
 * Returns: 0, or 1 when a call was not refused (or the list not given).
 */
static int read_port_space_stays(mach_port_t rd)
{
	ipc_info_space_t info;
	ipc_info_name_array_t tab = NULL;
	ipc_info_tree_name_array_t tree = NULL;
	mach_msg_type_number_t n = 0, tn = 0, i;
	mach_msg_type_name_t pt;
	mach_port_t poly;
	int bad = 0;

	if (mach_port_space_info(rd, &info, &tab, &n, &tree, &tn) || !n)
		return 1;
	for (i = 0; i < n; i++) {
		mach_port_name_t name = tab[i].iin_name;

		poly = MACH_PORT_NULL;
		if (mach_port_extract_right(rd, name, MACH_MSG_TYPE_MOVE_RECEIVE,
					    &poly, &pt) != KERN_INVALID_TASK ||
		    mach_port_extract_right(rd, name, MACH_MSG_TYPE_COPY_SEND,
					    &poly, &pt) != KERN_INVALID_TASK ||
		    mach_port_destroy(rd, name) != KERN_INVALID_TASK ||
		    mach_port_mod_refs(rd, name, MACH_PORT_RIGHT_SEND, 1) !=
		    KERN_INVALID_TASK || poly)
			bad = 1;
	}
	vm_deallocate(SELF, (vm_address_t)tab, n * sizeof(*tab));
	return bad;
}

/*
 * The read port of another process against the control port's calls, as
 * nobody: a bit per call that was not refused.
 */
static int read_port_calls(mach_port_t rd, mach_vm_address_t src)
{
	size_t pg = page_size();
	mach_port_name_array_t names = NULL;
	mach_port_type_array_t types = NULL;
	mach_msg_type_number_t n = 0, tn = 0;
	thread_act_array_t threads = NULL;
	memory_object_size_t es = pg;
	mach_vm_address_t a = 0;
	mach_port_t p = MACH_PORT_NULL;
	semaphore_t sem = MACH_PORT_NULL;
	int bad = 0;

	if (task_get_special_port(rd, TASK_KERNEL_PORT, &p) != KERN_INVALID_CAPABILITY)
		bad |= 1 << 0;
	if (task_get_special_port(rd, TASK_BOOTSTRAP_PORT, &p) != KERN_INVALID_CAPABILITY)
		bad |= 1 << 1;
	if (!task_threads(rd, &threads, &n))
		bad |= 1 << 2;
	if (!mach_port_names(rd, &names, &n, &types, &tn))
		bad |= 1 << 3;
	if (!task_set_exception_ports(rd, EXC_MASK_BAD_ACCESS, MACH_PORT_NULL,
				      EXCEPTION_DEFAULT, 0))
		bad |= 1 << 4;
	if (!semaphore_create(rd, &sem, SYNC_POLICY_FIFO, 0))
		bad |= 1 << 5;
	if (!mach_vm_allocate(rd, &a, pg, VM_FLAGS_ANYWHERE))
		bad |= 1 << 6;
	if (!mach_vm_protect(rd, src, pg, false, VM_PROT_COPY | VM_PROT_READ | VM_PROT_WRITE))
		bad |= 1 << 7;
	if (mach_make_memory_entry_64(rd, &es, src, VM_PROT_READ, &p, MACH_PORT_NULL) !=
	    KERN_INVALID_TASK)
		bad |= 1 << 8;
	if (!mach_vm_deallocate(rd, src, pg))
		bad |= 1 << 9;
	if (!mach_vm_inherit(rd, src, pg, VM_INHERIT_SHARE))
		bad |= 1 << 10;
	if (!mach_vm_behavior_set(rd, src, pg, VM_BEHAVIOR_ZERO))
		bad |= 1 << 11;
	if (!target_intact(rd, src))
		bad |= 1 << 12;
	if (mach_port_allocate(rd, MACH_PORT_RIGHT_RECEIVE, &p) != KERN_INVALID_TASK)
		bad |= 1 << 13;
	if (read_port_space_stays(rd))
		bad |= 1 << 14;
	return bad;
}

TEST(read_port_of_another_process_stays_read)
{
	IPC_REQUIRE();
	if (getuid() != 0)
		SKIP(return, "must start as root (drops to nobody)");
	if (mt_yama_scope() >= 2)
		SKIP(return, "Yama's scope refuses attaching a child");
	EXPECT_EQ(0, as_nobody_on_a_target(read_port_calls));
}

/*
 * Yama's scope 1: a sibling of the same user (not a descendant) gives its
 * inspect port (ptrace read) only.  That port must read no memory, suspend
 * nothing and lead to no better port.
 */
TEST(inspect_port_under_yama_reaches_no_more)
{
	mach_vm_address_t src;
	pid_t sib, attacker;
	int scope, sock;

	IPC_REQUIRE();
	MT_YAMA_SCOPE_1(scope);
	/* The sibling: nobody's, made by root, so no descendant of the attacker. */
	sib = target(&sock, &src, true);
	ASSERT_LT(0, sib);
	attacker = fork();
	ASSERT_LE(0, attacker);
	if (attacker == 0) {
		mach_port_t in = MACH_PORT_NULL, p = MACH_PORT_NULL;
		mach_vm_address_t a = 0;
		vm_offset_t data = 0;
		mach_msg_type_number_t cnt = 0;
		vm_prot_t cur = VM_PROT_READ, max = VM_PROT_READ;
		int bad = 0;

		if (mt_become_nobody())
			_exit(100);
		if (task_read_for_pid(SELF, sib, &p) != KERN_FAILURE)
			_exit(101);
		if (task_inspect_for_pid(SELF, sib, &in) || !in)
			_exit(102);
		if (task_get_special_port(in, TASK_READ_PORT, &p) != KERN_INVALID_CAPABILITY)
			bad |= 1 << 0;
		if (task_get_special_port(in, TASK_KERNEL_PORT, &p) != KERN_INVALID_CAPABILITY)
			bad |= 1 << 1;
		if (!task_suspend(in)) {
			bad |= 1 << 2;
			task_resume(in);
		}
		if (!mach_vm_read(in, src, page_size(), &data, &cnt))
			bad |= 1 << 3;
		if (!mach_vm_remap_new(SELF, &a, page_size(), 0, VM_FLAGS_ANYWHERE, in,
				       src, true, &cur, &max, VM_INHERIT_NONE))
			bad |= 1 << 4;
		if (!task_resume(in))
			bad |= 1 << 5;
		/* No names through an inspect port, only the counts. */
		{
			ipc_info_space_t info;
			ipc_info_space_basic_t basic;
			ipc_info_name_array_t tab = NULL;
			ipc_info_tree_name_array_t tree = NULL;
			mach_msg_type_number_t n = 0, tn = 0;

			if (mach_port_space_info(in, &info, &tab, &n, &tree, &tn) !=
			    KERN_INVALID_ARGUMENT || tab)
				bad |= 1 << 6;
			if (mach_port_space_basic_info(in, &basic) ||
			    !basic.iisb_table_inuse)
				bad |= 1 << 7;
		}
		_exit(bad ? 1 : 0);
	}
	EXPECT_EQ(0, mt_wait_exit(attacker));
	mt_set_yama_scope(scope);
	close(sock);
	EXPECT_EQ(0, mt_wait_exit(sib));
}

/* ---- the lazily made ports under races -------------------------------- */

#define ASKERS 4

struct ask {
	pthread_barrier_t *go;
	pid_t pid;
	mach_port_t ctl;	/* the target's control port, or 0: the for_pid calls */
	mach_port_t rd, in;
	kern_return_t krd, kin;
};

static void *asker(void *arg)
{
	struct ask *a = arg;

	pthread_barrier_wait(a->go);
	if (a->ctl) {
		a->krd = task_get_special_port(a->ctl, TASK_READ_PORT, &a->rd);
		a->kin = task_get_special_port(a->ctl, TASK_INSPECT_PORT, &a->in);
	} else {
		a->krd = task_read_for_pid(SELF, a->pid, &a->rd);
		a->kin = task_inspect_for_pid(SELF, a->pid, &a->in);
	}
	return NULL;
}

/*
 * Many threads ask a fresh process for its read and inspect ports at once,
 * through its control port (task_get_special_port: the quick way, which
 * collides most) or the for_pid calls, one round in four while it exits:
 * each flavour is one port (one name in our space), and an exit leaves
 * failures or dead names, nothing else.
 */
TEST(first_ask_races_make_one_port)
{
	int rounds = mt_rounds(200, 20), r, i, sock;
	pid_t attacker;

	IPC_REQUIRE();
	if (getuid() != 0)
		SKIP(return, "must start as root (drops to nobody)");
	if (mt_yama_scope() >= 2)
		SKIP(return, "Yama's scope refuses attaching a child");
	attacker = fork();
	ASSERT_LE(0, attacker);
	if (attacker == 0) {
		int bad = 0;

		if (mt_become_nobody() || prctl(PR_SET_DUMPABLE, 1))
			_exit(100);
		for (r = 0; r < rounds && !bad; r++) {
			pthread_barrier_t go;
			pthread_t th[ASKERS];
			struct ask a[ASKERS];
			mach_vm_address_t src;
			bool exiting = (r % 4) >= 2;
			pid_t t = target(&sock, &src, false);
			mach_port_t ctl = MACH_PORT_NULL;

			if (t < 0)
				_exit(101);
			if ((r & 1) && (task_for_pid(SELF, t, &ctl) || !ctl))
				_exit(102);
			pthread_barrier_init(&go, NULL, ASKERS + 1);
			for (i = 0; i < ASKERS; i++) {
				a[i] = (struct ask){ .go = &go, .pid = t, .ctl = ctl };
				pthread_create(&th[i], NULL, asker, &a[i]);
			}
			pthread_barrier_wait(&go);
			if (exiting)
				kill(t, SIGKILL);
			for (i = 0; i < ASKERS; i++)
				pthread_join(th[i], NULL);
			pthread_barrier_destroy(&go);
			for (i = 0; i < ASKERS; i++) {
				/*
				 * Exiting, each asker may get a port killed at
				 * once (a name of its own), or a failure.
				 */
				if (exiting)
					continue;
				if (a[i].krd || a[i].kin)
					bad |= 1;
				if (a[i].rd != a[0].rd)
					bad |= 2;
				if (a[i].in != a[0].in)
					bad |= 4;
				if (a[i].rd == a[i].in)
					bad |= 8;
			}
			close(sock);
			if (mt_wait_exit(t) && !exiting)
				bad |= 16;
			for (i = 0; i < ASKERS; i++) {
				if (!a[i].krd)
					mach_port_deallocate(SELF, a[i].rd);
				if (!a[i].kin)
					mach_port_deallocate(SELF, a[i].in);
			}
			if (ctl)
				mach_port_deallocate(SELF, ctl);
		}
		_exit(bad);
	}
	EXPECT_EQ(0, mt_wait_exit(attacker));
}

TEST_HARNESS_MAIN
