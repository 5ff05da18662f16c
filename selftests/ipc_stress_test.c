// SPDX-License-Identifier: GPL-2.0
/*
 * IPC under churn: worker processes, each with client threads and a server
 * thread, exchange requests, replies and peer messages carrying port rights
 * and out-of-line memory through a hub (the test process), while the hub
 * kills a worker with SIGKILL after every round and starts a new one.
 *
 * Deterministic in shape: a fixed number of rounds of a fixed number of
 * requests, victims and sizes drawn from a fixed seed (IPC_STRESS_SEED
 * overrides it to reproduce a run elsewhere).  Afterwards every process is
 * gone and the module's live_* counters are back where they started.
 */
#include "kselftest_harness.h"
#include "ipc_test.h"

#define WORKERS 4
#define CLIENTS 3 /* client threads per worker, plus one server thread */
/* Fewer rounds on the slow debug kernels (mt_rounds()). */
#define ROUNDS mt_rounds(24, 3)
/*
 * Requests served per round, between two kills.  The debug kernels serve
 * half: what the test proves is that a kill in the middle of the traffic
 * loses and leaks nothing, and a worker has requests, replies and peer
 * messages in flight at every kill either way (60 took 42 s of
 * debug-rt-arm64's lane for its 3 rounds, 2026-12-07).
 */
#define REQUESTS (mt_slow_kernel() ? 30 : 60)
#define DEFAULT_SEED 0x4d414348u

enum {
	ID_HELLO = 1, /* worker -> hub: send right to the worker's port */
	ID_REQUEST = 2, /* client -> hub: OOL memory, worker's port, reply SO */
	ID_REPLY = 3, /* hub -> client: the memory back, a peer's port */
	ID_PEER = 4, /* client -> another worker: OOL memory */
	ID_FORWARD = 5, /* hub -> worker: OOL memory and a send-once right */
	ID_EXIT = 9, /* hub -> worker: leave */
};

/* Inline data after the descriptors: what the memory must contain. */
struct blob_info {
	uint32_t seed;
	uint32_t size;
};

/* Worker exit codes (0: asked to leave). */
enum {
	WF_OK = 0,
	WF_HELLO = 10,
	WF_REQ_SEND,
	WF_REPLY_ID,
	WF_REPLY_OOL,
	WF_REPLY_PORT,
	WF_PEER_OOL,
	WF_FORWARD_OOL,
	WF_SETUP,
};

static volatile int worker_failure;

static void worker_fail(int code)
{
	__atomic_store_n(&worker_failure, code, __ATOMIC_RELAXED);
	_exit(code);
}

/* Memory of "size" bytes filled from seed, page-aligned (the message may move it). */
static void *make_blob(uint32_t size, uint32_t seed)
{
	void *p = map_pages(size);

	if (p)
		fill_pattern(p, size, seed);
	return p;
}

/* The i-th OOL descriptor's memory matches the blob_info at the end of msg. */
static int blob_ok(mach_msg_header_t *h, unsigned int i, unsigned int ndesc)
{
	struct blob_info info;
	any_desc_t d;
	size_t off = sizeof(*h) + sizeof(mach_msg_body_t);
	unsigned int k;

	if (get_desc(h, i, &d) != MACH_MSG_OOL_DESCRIPTOR)
		return 0;
	for (k = 0; k < ndesc; k++) {
		any_desc_t x;

		get_desc(h, k, &x);
		off += desc_size((const uint8_t *)&x);
	}
	if (off + sizeof(info) > h->msgh_size)
		return 0;
	memcpy(&info, (uint8_t *)h + off, sizeof(info));
	return d.ool.size == info.size &&
	       check_pattern(d.ool.address, info.size, info.seed);
}

/* ---- the worker -------------------------------------------------------------- */

struct worker {
	mach_port_t hub;
	mach_port_t mine;
	unsigned int seed;
};

struct client {
	struct worker *w;
	unsigned int index;
};

static void *worker_server(void *p)
{
	struct worker *w = p;
	union {
		rcv_buf_t small;
		uint8_t room[16384];
	} u;

	for (;;) {
		mach_msg_return_t mr =
			recv_msg(w->mine, &u, sizeof(u), MACH_RCV_LARGE, 0);

		if (mr == MACH_RCV_TOO_LARGE) {
			/* Not ours to grow into: drop it. */
			recv_msg(w->mine, &u, sizeof(u.small), 0, 0);
			continue;
		}
		if (mr)
			continue;
		switch (u.small.header.msgh_id) {
		case ID_EXIT:
			_exit(__atomic_load_n(&worker_failure,
					      __ATOMIC_RELAXED));
		case ID_PEER:
			if (!blob_ok(&u.small.header, 0, 1))
				worker_fail(WF_PEER_OOL);
			break;
		case ID_FORWARD:
			if (!blob_ok(&u.small.header, 0, 2))
				worker_fail(WF_FORWARD_OOL);
			break;
		}
		mach_msg_destroy(&u.small.header);
	}
	return NULL;
}

static void send_to_peer(struct worker *w, mach_port_t peer, unsigned int *seed)
{
	struct msg_builder b;
	struct blob_info info;
	void *mem;

	info.size = 1 + rand_r(seed) % (4 * page_size());
	info.seed = rand_r(seed);
	mem = make_blob(info.size, info.seed);
	if (!mem)
		return;
	mb_init(&b, peer, MACH_MSG_TYPE_COPY_SEND, 0, 0, ID_PEER);
	mb_ool(&b, mem, info.size, TRUE, MACH_MSG_VIRTUAL_COPY);
	mb_data(&b, &info, sizeof(info));
	/* A dead or full peer: take the message back and let it go. */
	if (mb_send(&b, MACH_SEND_TIMEOUT, 0))
		mach_msg_destroy(&b.u.header);
}

static void *worker_client(void *p)
{
	struct client *c = p;
	struct worker *w = c->w;
	unsigned int seed = w->seed ^ (c->index * 2654435761u);
	struct msg_builder *b = malloc(sizeof(*b));

	if (!b)
		worker_fail(WF_SETUP);
	for (;;) {
		mach_port_t reply = mach_reply_port();
		struct blob_info info;
		mach_msg_return_t mr;
		any_desc_t d;
		void *mem;

		info.size = 1 + rand_r(&seed) % 65536;
		info.seed = rand_r(&seed);
		mem = make_blob(info.size, info.seed);
		if (!reply || !mem)
			worker_fail(WF_SETUP);
		mb_init(b, w->hub, MACH_MSG_TYPE_COPY_SEND, reply,
			MACH_MSG_TYPE_MAKE_SEND_ONCE, ID_REQUEST);
		mb_ool(b, mem, info.size, TRUE, MACH_MSG_VIRTUAL_COPY);
		mb_port(b, w->mine, MACH_MSG_TYPE_MAKE_SEND);
		mb_data(b, &info, sizeof(info));
		mr = mach_msg(&b->u.header,
			      MACH_SEND_MSG | MACH_SEND_TIMEOUT | MACH_RCV_MSG |
				      MACH_RCV_TIMEOUT,
			      b->len, sizeof(b->u), reply, 10000,
			      MACH_PORT_NULL);
		if (mr == MACH_SEND_TIMED_OUT) {
			mach_msg_destroy(&b->u.header);
		} else if (mr == MACH_MSG_SUCCESS) {
			if (b->u.header.msgh_id != ID_REPLY)
				worker_fail(WF_REPLY_ID);
			if (get_desc(&b->u.header, 0, &d) !=
				    MACH_MSG_OOL_DESCRIPTOR ||
			    d.ool.size != info.size ||
			    !check_pattern(d.ool.address, info.size, info.seed))
				worker_fail(WF_REPLY_OOL);
			if (get_desc(&b->u.header, 1, &d) !=
			    MACH_MSG_PORT_DESCRIPTOR)
				worker_fail(WF_REPLY_PORT);
			if (MACH_PORT_VALID(d.port.name))
				send_to_peer(w, d.port.name, &seed);
			mach_msg_destroy(&b->u.header);
		} else if (mr != MACH_RCV_TIMED_OUT) {
			worker_fail(WF_REQ_SEND);
		}
		/* Anything that arrives late dies with the reply port. */
		mach_port_mod_refs(SELF, reply, MACH_PORT_RIGHT_RECEIVE, -1);
	}
	return NULL;
}

static int worker_main(mach_port_t hub, unsigned int seed)
{
	static struct worker w;
	static struct client c[CLIENTS];
	pthread_t t;
	int i;

	w.hub = hub;
	w.seed = seed;
	w.mine = new_port();
	if (!w.mine || set_qlimit(w.mine, 32))
		return WF_SETUP;
	if (send_port(hub, MACH_MSG_TYPE_COPY_SEND, ID_HELLO, w.mine,
		      MACH_MSG_TYPE_MAKE_SEND))
		return WF_HELLO;
	for (i = 0; i < CLIENTS; i++) {
		c[i].w = &w;
		c[i].index = i;
		if (pthread_create(&t, NULL, worker_client, &c[i]))
			return WF_SETUP;
	}
	worker_server(&w);
	return WF_SETUP;
}

/* ---- the hub ---------------------------------------------------------------------- */

struct slot {
	pid_t pid;
	mach_port_t
		port; /* send right to the worker's port, once it said hello */
	int generation;
};

struct hub {
	mach_port_t port;
	struct slot slots[WORKERS];
	unsigned int seed;
	int requests, replies_lost, forwards, kills, hub_errors, worker_errors,
		timeouts;
};

static pid_t spawn_worker(struct hub *h, int i)
{
	unsigned int seed = h->seed ^ (i * 7919u) ^
			    (h->slots[i].generation * 104729u);
	int fd = -1;
	pid_t pid;

	if (port_share(h->port, &fd) != KERN_SUCCESS)
		return -1;
	pid = fork();
	if (pid == 0) {
		mach_port_t hub = port_meet_child(fd);

		die_with_parent();
		_exit(hub ? worker_main(hub, seed) : WF_SETUP);
	}
	close(fd);
	h->slots[i].pid = pid;
	h->slots[i].port = MACH_PORT_NULL;
	h->slots[i].generation++;
	return pid;
}

static void forget_port(struct slot *s)
{
	if (s->port)
		mach_port_destroy(SELF, s->port);
	s->port = MACH_PORT_NULL;
}

static void handle_hello(struct hub *h, mach_msg_header_t *m, pid_t from)
{
	any_desc_t d;
	int i;

	if (get_desc(m, 0, &d) != MACH_MSG_PORT_DESCRIPTOR) {
		h->hub_errors++;
		mach_msg_destroy(m);
		return;
	}
	for (i = 0; i < WORKERS; i++) {
		if (h->slots[i].pid == from) {
			forget_port(&h->slots[i]);
			h->slots[i].port = d.port.name;
			return;
		}
	}
	/* A worker killed before its hello was read. */
	mach_msg_destroy(m);
}

static void handle_request(struct hub *h, mach_msg_header_t *m)
{
	struct msg_builder b;
	any_desc_t mem, port;
	mach_port_t peer = MACH_PORT_NULL;
	int i;

	h->requests++;
	if (!blob_ok(m, 0, 2) ||
	    get_desc(m, 1, &port) != MACH_MSG_PORT_DESCRIPTOR ||
	    MACH_MSGH_BITS_REMOTE(m->msgh_bits) !=
		    MACH_MSG_TYPE_PORT_SEND_ONCE) {
		h->hub_errors++;
		mach_msg_destroy(m);
		return;
	}
	get_desc(m, 0, &mem);
	/* The worker's own send right came along; the hello's name holds one. */
	mach_port_deallocate(SELF, port.port.name);
	i = rand_r(&h->seed) % WORKERS;
	if (h->slots[i].port)
		peer = h->slots[i].port;
	/* Reply through the send-once right, moving the memory back. */
	mb_init(&b, m->msgh_remote_port, MACH_MSG_TYPE_MOVE_SEND_ONCE, 0, 0,
		ID_REPLY);
	mb_ool(&b, mem.ool.address, mem.ool.size, TRUE, MACH_MSG_VIRTUAL_COPY);
	mb_port(&b, peer, MACH_MSG_TYPE_COPY_SEND);
	if (mb_send(&b, MACH_SEND_TIMEOUT, 0)) {
		h->replies_lost++;
		mach_msg_destroy(&b.u.header);
	}
}

static void forward_to_workers(struct hub *h, int n)
{
	while (n--) {
		struct slot *s = &h->slots[rand_r(&h->seed) % WORKERS];
		struct msg_builder b;
		struct blob_info info;
		void *mem;

		if (!s->port)
			continue;
		info.size = 1 + rand_r(&h->seed) % (8 * page_size());
		info.seed = rand_r(&h->seed);
		mem = make_blob(info.size, info.seed);
		if (!mem)
			continue;
		mb_init(&b, s->port, MACH_MSG_TYPE_COPY_SEND, 0, 0, ID_FORWARD);
		mb_ool(&b, mem, info.size, TRUE, MACH_MSG_VIRTUAL_COPY);
		mb_port(&b, h->port, MACH_MSG_TYPE_MAKE_SEND_ONCE);
		mb_data(&b, &info, sizeof(info));
		if (mb_send(&b, MACH_SEND_TIMEOUT, 0))
			mach_msg_destroy(&b.u.header);
		else
			h->forwards++;
	}
}

/* Serve "want" requests, or give up after "patience" silent waits of ms each. */
static void serve(struct hub *h, int want, int patience, mach_msg_timeout_t ms)
{
	union {
		rcv_buf_t small;
		uint8_t room[16384];
	} u;
	int served = 0, quiet = 0;

	while (served < want && quiet < patience) {
		mach_msg_audit_trailer_t *tr;
		mach_msg_return_t mr;

		mr = recv_msg(h->port, &u, sizeof(u),
			      MACH_RCV_TIMEOUT |
				      MACH_RCV_TRAILER_ELEMENTS(
					      MACH_RCV_TRAILER_AUDIT),
			      ms);
		if (mr == MACH_RCV_TIMED_OUT) {
			quiet++;
			h->timeouts++;
			continue;
		}
		if (mr) {
			h->hub_errors++;
			return;
		}
		tr = trailer_of(&u.small.header);
		switch (u.small.header.msgh_id) {
		case ID_HELLO:
			handle_hello(h, &u.small.header,
				     (pid_t)tr->msgh_audit.val[5]);
			break;
		case ID_REQUEST:
			handle_request(h, &u.small.header);
			served++;
			if (served % 8 == 0)
				forward_to_workers(h, 2);
			break;
		default:
			/* Send-once notifications of forwards that died unused. */
			mach_msg_destroy(&u.small.header);
			break;
		}
	}
}

static void reap(struct hub *h, struct slot *s, int killed)
{
	int status;

	if (s->pid <= 0)
		return;
	if (waitpid(s->pid, &status, 0) == s->pid) {
		if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
			h->worker_errors++;
		if (WIFSIGNALED(status) &&
		    !(killed && WTERMSIG(status) == SIGKILL))
			h->worker_errors++;
	}
	s->pid = 0;
	forget_port(s);
}

static unsigned int stress_seed(void)
{
	const char *env = getenv("IPC_STRESS_SEED");

	return env ? (unsigned int)strtoul(env, NULL, 0) : DEFAULT_SEED;
}

FIXTURE(stress)
{
	struct live_counts base;
	mach_msg_type_number_t names_before;
};

static mach_msg_type_number_t count_names(void)
{
	mach_port_name_array_t names;
	mach_port_type_array_t types;
	mach_msg_type_number_t n = 0, tn = 0;

	if (mach_port_names(SELF, &names, &n, &types, &tn))
		return 0;
	vm_deallocate(SELF, (vm_address_t)names, n * sizeof(*names));
	vm_deallocate(SELF, (vm_address_t)types, tn * sizeof(*types));
	return n;
}

FIXTURE_SETUP(stress)
{
	IPC_REQUIRE();
	/* Make the task state (and the task's own port) before the baseline. */
	mach_task_self();
	self->names_before = count_names();
	live_counts_baseline(&self->base);
}

FIXTURE_TEARDOWN(stress)
{
}

TEST_F_TIMEOUT(stress, workers_exchange_rights_and_memory_while_being_killed,
	       900)
{
	struct hub *h = calloc(1, sizeof(*h));
	struct live_counts now;
	double start = mt_now();
	int r, i;

	ASSERT_NE(NULL, h);
	h->seed = stress_seed();
	TH_LOG("seed 0x%x: %d workers x %d clients, %d rounds of %d requests",
	       h->seed, WORKERS, CLIENTS, ROUNDS, REQUESTS);
	h->port = new_port();
	ASSERT_NE(MACH_PORT_NULL, h->port);
	ASSERT_EQ(KERN_SUCCESS, set_qlimit(h->port, 64));
	for (i = 0; i < WORKERS; i++)
		ASSERT_LT(0, spawn_worker(h, i));

	for (r = 0; r < ROUNDS; r++) {
		int victim;

		serve(h, REQUESTS, 5, 5000);
		victim = rand_r(&h->seed) % WORKERS;
		kill(h->slots[victim].pid, SIGKILL);
		reap(h, &h->slots[victim], 1);
		h->kills++;
		ASSERT_LT(0, spawn_worker(h, victim));
	}
	/* Let the last generation say hello, then ask everyone to leave. */
	serve(h, REQUESTS / 2, 5, 5000);
	for (i = 0; i < WORKERS; i++) {
		struct slot *s = &h->slots[i];

		if (!s->port ||
		    send_simple_opt(s->port, MACH_MSG_TYPE_COPY_SEND, ID_EXIT,
				    MACH_SEND_TIMEOUT, 2000)) {
			kill(s->pid, SIGKILL);
			reap(h, s, 1);
		}
	}
	/* Keep serving until they are gone, so no client waits on a full hub. */
	for (i = 0; i < WORKERS; i++) {
		struct slot *s = &h->slots[i];
		double until = mt_now() + 30;
		int status;

		while (s->pid > 0 && mt_now() < until &&
		       waitpid(s->pid, &status, WNOHANG) == 0)
			serve(h, 1, 1, 100);
		if (s->pid > 0 && waitpid(s->pid, &status, WNOHANG) == 0) {
			kill(s->pid, SIGKILL);
			h->worker_errors++;
			reap(h, s, 1);
		} else if (s->pid > 0) {
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				h->worker_errors++;
			s->pid = 0;
			forget_port(s);
		}
	}
	drain(h->port);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, h->port, MACH_PORT_RIGHT_RECEIVE,
				     -1));

	TH_LOG("%.1f s: %d requests, %d replies lost, %d forwards, %d kills, %d quiet periods",
	       mt_now() - start, h->requests, h->replies_lost, h->forwards,
	       h->kills, h->timeouts);
	EXPECT_EQ(0, h->hub_errors);
	EXPECT_EQ(0, h->worker_errors);
	EXPECT_LE(ROUNDS * REQUESTS / 2, h->requests);
	EXPECT_EQ(self->names_before, count_names());
	EXPECT_TRUE(live_counts_settle(&self->base, &now))
	{
		TH_LOG("tasks %ld/%ld threads %ld/%ld ports %ld/%ld messages %ld/%ld",
		       now.tasks, self->base.tasks, now.threads,
		       self->base.threads, now.ports, self->base.ports,
		       now.messages, self->base.messages);
	}
	free(h);
}

TEST_HARNESS_MAIN
