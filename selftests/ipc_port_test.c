// SPDX-License-Identifier: GPL-2.0
/*
 * Mach port names and rights through Darwin's mach_port_* API: the name
 * table and its generations, user references, send-once rights, dead
 * names, and each call's success path and error codes.  The expected values
 * are Darwin's (shared/darwin-abi.md, and XNU's observable behaviour where
 * that is silent; such tests say so).
 *
 * Port sets and their calls are in ipc_pset_test.c, notifications in
 * ipc_notify_test.c.  A few tests at the end exercise the raw uAPI.
 */
#include "kselftest_harness.h"
#include "ipc_test.h"

FIXTURE(port)
{
	mach_port_t port; /* a receive right, no send rights */
};

FIXTURE_SETUP(port)
{
	IPC_REQUIRE();
	self->port = new_port();
	ASSERT_NE(MACH_PORT_NULL, self->port);
}

FIXTURE_TEARDOWN(port)
{
}

/* Every right a test made under a name in "names", destroyed. */
static void destroy_all(mach_port_name_t *names, int n)
{
	for (int i = 0; i < n; i++)
		mach_port_destroy(SELF, names[i]);
}

/* ---- the name table ---------------------------------------------------- */

TEST_F(port, names_are_never_null_or_dead_and_end_in_0b11)
{
	static const mach_port_right_t kinds[] = {
		MACH_PORT_RIGHT_RECEIVE,
		MACH_PORT_RIGHT_PORT_SET,
		MACH_PORT_RIGHT_DEAD_NAME,
	};
	mach_port_name_t names[300];
	int i, j;

	for (i = 0; i < 300; i++) {
		ASSERT_EQ(KERN_SUCCESS,
			  mach_port_allocate(SELF, kinds[i % 3], &names[i]));
		EXPECT_NE(MACH_PORT_NULL, names[i]);
		EXPECT_NE(MACH_PORT_DEAD, names[i]);
		EXPECT_EQ(3, names[i] & 3)
		{
			TH_LOG("name 0x%x", names[i]);
		}
		EXPECT_NE(self->port, names[i]);
		for (j = 0; j < i; j++)
			ASSERT_NE(names[j], names[i]);
	}
	/* Send-once rights get names of their own, from the same table. */
	for (i = 0; i < 10; i++) {
		mach_port_t so = make_send_once(self->port);

		EXPECT_NE(MACH_PORT_NULL, so);
		EXPECT_NE(MACH_PORT_DEAD, so);
		EXPECT_EQ(3, so & 3);
	}
	destroy_all(names, 300);
}

/*
 * Reuse of an index: allocate until the freed index comes back (XNU reuses
 * the most recently freed entry first, but the test does not rely on that).
 * Returns the new name, or MACH_PORT_NULL if the index did not come back.
 */
static mach_port_name_t realloc_same_index(mach_port_name_t old)
{
	mach_port_name_t extra[4096], name = MACH_PORT_NULL;
	int n = 0;

	while (n < 4096) {
		if (mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &name) !=
		    KERN_SUCCESS)
			break;
		if (NAME_INDEX(name) == NAME_INDEX(old))
			break;
		extra[n++] = name;
		name = MACH_PORT_NULL;
	}
	destroy_all(extra, n);
	return name;
}

TEST_F(port, freed_index_comes_back_with_next_generation)
{
	mach_port_name_t old = self->port, again;

	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, old));
	again = realloc_same_index(old);
	if (again == MACH_PORT_NULL)
		SKIP(return, "index 0x%x not reused within 4096 allocations",
			   NAME_INDEX(old));
	EXPECT_NE(old, again);
	EXPECT_EQ((NAME_GEN(old) + 4) & 0xff, NAME_GEN(again))
	{
		TH_LOG("old 0x%x new 0x%x", old, again);
	}
	EXPECT_EQ(3, again & 3);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(again));
}

TEST_F(port, generation_advances_by_four_on_each_reuse)
{
	mach_port_name_t name = self->port, next;
	int i;

	for (i = 0; i < 12; i++) {
		ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, name));
		next = realloc_same_index(name);
		if (next == MACH_PORT_NULL)
			SKIP(return, "index 0x%x not reused", NAME_INDEX(name));
		ASSERT_EQ((NAME_GEN(name) + 4) & 0xff, NAME_GEN(next))
		{
			TH_LOG("reuse %d: 0x%x after 0x%x", i, next, name);
		}
		ASSERT_NE(MACH_PORT_DEAD, next);
		name = next;
	}
}

/* Every call naming "stale" must answer as for a name that is not there. */
static void expect_name_invalid(struct __test_metadata *_metadata,
				mach_port_name_t stale, mach_port_t live_port)
{
	mach_port_type_t type;
	mach_port_urefs_t refs;
	mach_port_context_t ctx;
	mach_port_t poly;
	mach_msg_type_name_t polyPoly;
	mach_port_status_t st;
	rcv_buf_t buf;

	EXPECT_EQ(KERN_INVALID_NAME, mach_port_type(SELF, stale, &type));
	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_get_refs(SELF, stale, MACH_PORT_RIGHT_RECEIVE,
				     &refs));
	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_get_refs(SELF, stale, MACH_PORT_RIGHT_SEND, &refs));
	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_mod_refs(SELF, stale, MACH_PORT_RIGHT_SEND, -1));
	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_mod_refs(SELF, stale, MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_deallocate(SELF, stale));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_destroy(SELF, stale));
	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_insert_right(SELF, stale, stale,
					 MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_extract_right(SELF, stale, MACH_MSG_TYPE_MAKE_SEND,
					  &poly, &polyPoly));
	EXPECT_EQ(KERN_INVALID_NAME, status_of(stale, &st));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_get_context(SELF, stale, &ctx));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_set_mscount(SELF, stale, 1));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  try_send(stale, MACH_MSG_TYPE_MAKE_SEND, 1));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  try_send(stale, MACH_MSG_TYPE_COPY_SEND, 1));
	EXPECT_EQ(MACH_RCV_INVALID_NAME, recv_timeout(stale, &buf, 0));
	/* The live right that took the index is untouched. */
	if (live_port)
		EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(live_port));
}

TEST_F(port, stale_name_is_invalid_name)
{
	mach_port_name_t old = self->port, again;

	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, old));
	expect_name_invalid(_metadata, old, MACH_PORT_NULL);
	again = realloc_same_index(old);
	if (again == MACH_PORT_NULL)
		SKIP(return, "index not reused");
	/* Same index, older generation: still invalid. */
	expect_name_invalid(_metadata, old, again);
}

TEST_F(port, unused_name_is_invalid_name)
{
	mach_port_name_t name = free_name(0x300);

	ASSERT_NE(MACH_PORT_NULL, name);
	expect_name_invalid(_metadata, name, self->port);
	/* Beyond any table: index 0xffffff with a valid-looking generation. */
	expect_name_invalid(_metadata, 0xfffffff3, self->port);
}

/* ---- allocate / allocate_name ------------------------------------------ */

TEST_F(port, allocate_receive_right)
{
	mach_port_status_t st;

	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(self->port));
	EXPECT_EQ(1, urefs_of(self->port, MACH_PORT_RIGHT_RECEIVE));
	EXPECT_EQ(0, urefs_of(self->port, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(0, urefs_of(self->port, MACH_PORT_RIGHT_SEND_ONCE));
	EXPECT_EQ(0, urefs_of(self->port, MACH_PORT_RIGHT_PORT_SET));
	EXPECT_EQ(0, urefs_of(self->port, MACH_PORT_RIGHT_DEAD_NAME));
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	EXPECT_EQ(0, st.mps_pset);
	EXPECT_EQ(0, st.mps_seqno);
	EXPECT_EQ(0, st.mps_mscount);
	EXPECT_EQ(MACH_PORT_QLIMIT_DEFAULT, st.mps_qlimit);
	EXPECT_EQ(0, st.mps_msgcount);
	EXPECT_EQ(0, st.mps_sorights);
	EXPECT_EQ(0, st.mps_srights);
	EXPECT_EQ(0, st.mps_pdrequest);
	EXPECT_EQ(0, st.mps_nsrequest);
}

TEST_F(port, allocate_port_set)
{
	mach_port_name_t set;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &set));
	EXPECT_EQ(MACH_PORT_TYPE_PORT_SET, type_of(set));
	EXPECT_EQ(1, urefs_of(set, MACH_PORT_RIGHT_PORT_SET));
	EXPECT_EQ(0, urefs_of(set, MACH_PORT_RIGHT_RECEIVE));
}

TEST_F(port, allocate_dead_name)
{
	mach_port_name_t dead;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(dead));
	EXPECT_EQ(1, urefs_of(dead, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(0, urefs_of(dead, MACH_PORT_RIGHT_SEND));
}

TEST_F(port, allocate_other_rights_is_invalid_value)
{
	mach_port_name_t name = 0x12345;

	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_SEND, &name));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_SEND_ONCE, &name));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_LABELH, &name));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_NUMBER, &name));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_allocate(SELF, 0x80000001u, &name));
}

TEST_F(port, allocate_name_uses_the_given_name)
{
	static const struct {
		mach_port_right_t right;
		mach_port_type_t type;
	} kinds[] = {
		{ MACH_PORT_RIGHT_RECEIVE, MACH_PORT_TYPE_RECEIVE },
		{ MACH_PORT_RIGHT_PORT_SET, MACH_PORT_TYPE_PORT_SET },
		{ MACH_PORT_RIGHT_DEAD_NAME, MACH_PORT_TYPE_DEAD_NAME },
	};

	for (unsigned int i = 0; i < 3; i++) {
		mach_port_name_t name = free_name(0x200 + 0x100 * i);

		ASSERT_NE(MACH_PORT_NULL, name);
		ASSERT_EQ(KERN_SUCCESS,
			  mach_port_allocate_name(SELF, kinds[i].right, name));
		EXPECT_EQ(kinds[i].type, type_of(name));
	}
}

TEST_F(port, allocate_name_on_taken_name_is_name_exists)
{
	mach_port_name_t set, dead, so = make_send_once(self->port);
	mach_port_name_t taken[5];
	int i;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &set));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	ASSERT_NE(MACH_PORT_NULL, so);
	taken[0] = self->port;
	taken[1] = set;
	taken[2] = dead;
	taken[3] = so;
	taken[4] = SELF;
	for (i = 0; i < 5; i++) {
		mach_port_type_t before = type_of(taken[i]);

		EXPECT_EQ(KERN_NAME_EXISTS,
			  mach_port_allocate_name(SELF, MACH_PORT_RIGHT_RECEIVE,
						  taken[i]))
		{
			TH_LOG("name 0x%x", taken[i]);
		}
		EXPECT_EQ(KERN_NAME_EXISTS,
			  mach_port_allocate_name(
				  SELF, MACH_PORT_RIGHT_DEAD_NAME, taken[i]));
		EXPECT_EQ(before, type_of(taken[i]));
	}
}

/*
 * XNU (darwin-abi.md is silent): a name whose index is in use under another
 * generation cannot be allocated (no collisions); KERN_FAILURE.
 */
TEST_F(port, allocate_name_on_index_in_use_with_other_generation_fails)
{
	mach_port_name_t other = (self->port & ~0xffu) |
				 ((NAME_GEN(self->port) + 4) & 0xff);

	EXPECT_EQ(KERN_FAILURE, mach_port_allocate_name(
					SELF, MACH_PORT_RIGHT_RECEIVE, other));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(self->port));
	EXPECT_EQ(0, type_of(other));
}

TEST_F(port, allocate_name_null_or_dead_is_invalid_value)
{
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_allocate_name(SELF, MACH_PORT_RIGHT_RECEIVE,
					  MACH_PORT_NULL));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_allocate_name(SELF, MACH_PORT_RIGHT_RECEIVE,
					  MACH_PORT_DEAD));
}

TEST_F(port, allocate_name_send_right_is_invalid_value)
{
	mach_port_name_t name = free_name(0x280);

	ASSERT_NE(MACH_PORT_NULL, name);
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_allocate_name(SELF, MACH_PORT_RIGHT_SEND, name));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_allocate_name(SELF, MACH_PORT_RIGHT_SEND_ONCE,
					  name));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_allocate_name(SELF, 77, name));
	EXPECT_EQ(0, type_of(name));
}

/* ---- the reserved names ------------------------------------------------- */

TEST_F(port, type_of_null_is_invalid_name_and_of_dead_is_dead_name)
{
	mach_port_type_t type = 0;

	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_type(SELF, MACH_PORT_NULL, &type));
	ASSERT_EQ(KERN_SUCCESS, mach_port_type(SELF, MACH_PORT_DEAD, &type));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type);
}

TEST_F(port, get_refs_of_null_and_dead)
{
	mach_port_urefs_t refs = 0;

	/* XNU: a send or send-once right named NULL or DEAD counts as one. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_get_refs(SELF, MACH_PORT_NULL, MACH_PORT_RIGHT_SEND,
				     &refs));
	EXPECT_EQ(1, refs);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_get_refs(SELF, MACH_PORT_DEAD,
				     MACH_PORT_RIGHT_SEND_ONCE, &refs));
	EXPECT_EQ(1, refs);
	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_get_refs(SELF, MACH_PORT_NULL,
				     MACH_PORT_RIGHT_RECEIVE, &refs));
	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_get_refs(SELF, MACH_PORT_DEAD,
				     MACH_PORT_RIGHT_DEAD_NAME, &refs));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_get_refs(SELF, MACH_PORT_NULL,
				     MACH_PORT_RIGHT_NUMBER, &refs));
}

TEST_F(port, releasing_null_or_dead_succeeds)
{
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, MACH_PORT_NULL));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, MACH_PORT_DEAD));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, MACH_PORT_NULL));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, MACH_PORT_DEAD));
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(SELF, MACH_PORT_NULL,
						   MACH_PORT_RIGHT_SEND, -1));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, MACH_PORT_DEAD,
				     MACH_PORT_RIGHT_SEND_ONCE, -1));
	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_mod_refs(SELF, MACH_PORT_NULL,
				     MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_mod_refs(SELF, MACH_PORT_DEAD,
				     MACH_PORT_RIGHT_DEAD_NAME, 1));
}

/* ---- send rights and user references ------------------------------------ */

TEST_F(port, make_send_coalesces_with_receive_name)
{
	mach_port_status_t st;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, self->port, self->port,
					 MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(self->port));
	EXPECT_EQ(1, urefs_of(self->port, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(1, urefs_of(self->port, MACH_PORT_RIGHT_RECEIVE));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, self->port, self->port,
					 MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_EQ(2, urefs_of(self->port, MACH_PORT_RIGHT_SEND));
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	EXPECT_EQ(2, st.mps_mscount);
	/* XNU reports only whether send rights exist, not how many. */
	EXPECT_EQ(1, st.mps_srights);
}

TEST_F(port, copy_send_adds_a_uref_to_the_same_name)
{
	mach_port_t p = new_port_send();

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, p, p, MACH_MSG_TYPE_COPY_SEND));
	EXPECT_EQ(2, urefs_of(p, MACH_PORT_RIGHT_SEND));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 10));
	EXPECT_EQ(12, urefs_of(p, MACH_PORT_RIGHT_SEND));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, -11));
	EXPECT_EQ(1, urefs_of(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(p));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, -1));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(p));
	EXPECT_EQ(0, urefs_of(p, MACH_PORT_RIGHT_SEND));
}

/*
 * darwin-abi.md: urefs max out at 0xffff; XNU pegs the right there instead of
 * failing, and once pegged only a delta of -0xffff releases it.
 */
TEST_F(port, send_urefs_peg_at_max)
{
	mach_port_t p = new_port_send();

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 0xfff0));
	EXPECT_EQ(0xfff1, urefs_of(p, MACH_PORT_RIGHT_SEND));
	/* Would overflow: pegged at the maximum, not an error. */
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 0x100));
	EXPECT_EQ(MACH_PORT_UREFS_MAX, urefs_of(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 1));
	EXPECT_EQ(MACH_PORT_UREFS_MAX, urefs_of(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, p, p, MACH_MSG_TYPE_COPY_SEND));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, p, p, MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_EQ(MACH_PORT_UREFS_MAX, urefs_of(p, MACH_PORT_RIGHT_SEND));
	/* Pegged: single releases leave it pegged. */
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, -1));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, p));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, -0x100));
	EXPECT_EQ(MACH_PORT_UREFS_MAX, urefs_of(p, MACH_PORT_RIGHT_SEND));
	/* Only -0xffff lets go of it. */
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND,
				     -MACH_PORT_UREFS_MAX));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(p));
}

TEST_F(port, reaching_max_exactly_pegs)
{
	mach_port_t p = new_port_send();

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 0xfffe));
	EXPECT_EQ(MACH_PORT_UREFS_MAX, urefs_of(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, -2));
	EXPECT_EQ(MACH_PORT_UREFS_MAX, urefs_of(p, MACH_PORT_RIGHT_SEND));
}

TEST_F(port, dead_name_urefs_peg_at_max)
{
	mach_port_name_t dead;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, dead, MACH_PORT_RIGHT_DEAD_NAME,
				     0x7fff));
	EXPECT_EQ(0x8000, urefs_of(dead, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, dead, MACH_PORT_RIGHT_DEAD_NAME,
				     0xffff));
	EXPECT_EQ(MACH_PORT_UREFS_MAX,
		  urefs_of(dead, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, dead));
	EXPECT_EQ(MACH_PORT_UREFS_MAX,
		  urefs_of(dead, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, dead, MACH_PORT_RIGHT_DEAD_NAME,
				     -MACH_PORT_UREFS_MAX));
	EXPECT_EQ(0, type_of(dead));
}

TEST_F(port, mod_refs_below_zero_is_invalid_value)
{
	mach_port_t p = new_port_send();
	mach_port_name_t dead;

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 1));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, -3));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND,
				     -0x7fffffff - 1));
	EXPECT_EQ(2, urefs_of(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(p));

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_mod_refs(SELF, dead, MACH_PORT_RIGHT_DEAD_NAME,
				     -2));
	EXPECT_EQ(1, urefs_of(dead, MACH_PORT_RIGHT_DEAD_NAME));
}

TEST_F(port, mod_refs_zero_delta_checks_the_right)
{
	mach_port_name_t dead;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(SELF, self->port,
						   MACH_PORT_RIGHT_RECEIVE, 0));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, dead, MACH_PORT_RIGHT_DEAD_NAME, 0));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_mod_refs(SELF, self->port, MACH_PORT_RIGHT_SEND,
				     0));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_mod_refs(SELF, dead, MACH_PORT_RIGHT_RECEIVE, 0));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(self->port));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(dead));
}

TEST_F(port, mod_refs_receive_delta_must_be_zero_or_minus_one)
{
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_mod_refs(SELF, self->port, MACH_PORT_RIGHT_RECEIVE,
				     1));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_mod_refs(SELF, self->port, MACH_PORT_RIGHT_RECEIVE,
				     -2));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_mod_refs(SELF, self->port, MACH_PORT_RIGHT_RECEIVE,
				     0x7fffffff));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(self->port));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, self->port, MACH_PORT_RIGHT_RECEIVE,
				     -1));
	EXPECT_EQ(0, type_of(self->port));
}

TEST_F(port, mod_refs_port_set_delta_must_be_zero_or_minus_one)
{
	mach_port_name_t set;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &set));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, set, MACH_PORT_RIGHT_PORT_SET, 0));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_mod_refs(SELF, set, MACH_PORT_RIGHT_PORT_SET, 1));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_mod_refs(SELF, set, MACH_PORT_RIGHT_PORT_SET, -2));
	EXPECT_EQ(MACH_PORT_TYPE_PORT_SET, type_of(set));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, set, MACH_PORT_RIGHT_PORT_SET, -1));
	EXPECT_EQ(0, type_of(set));
}

TEST_F(port, mod_refs_send_once_delta_must_be_zero_or_minus_one)
{
	mach_port_t so = make_send_once(self->port);

	ASSERT_NE(MACH_PORT_NULL, so);
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, so, MACH_PORT_RIGHT_SEND_ONCE, 0));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_mod_refs(SELF, so, MACH_PORT_RIGHT_SEND_ONCE, 1));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_mod_refs(SELF, so, MACH_PORT_RIGHT_SEND_ONCE, -2));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, type_of(so));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, so, MACH_PORT_RIGHT_SEND_ONCE, -1));
	EXPECT_EQ(0, type_of(so));
}

TEST_F(port, mod_refs_on_name_lacking_that_right_is_invalid_right)
{
	mach_port_t p = new_port_send(), holder, so;
	mach_port_name_t set, dead;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &set));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	so = make_send_once(self->port);
	ASSERT_NE(MACH_PORT_NULL, so);
	/* p: a send right whose receive right is queued elsewhere. */
	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(p, &holder));
	ASSERT_EQ(MACH_PORT_TYPE_SEND, type_of(p));

	/* Receive right only. */
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_mod_refs(SELF, self->port, MACH_PORT_RIGHT_SEND,
				     -1));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_mod_refs(SELF, self->port, MACH_PORT_RIGHT_SEND,
				     1));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_mod_refs(SELF, self->port,
				     MACH_PORT_RIGHT_SEND_ONCE, -1));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_mod_refs(SELF, self->port, MACH_PORT_RIGHT_PORT_SET,
				     -1));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_mod_refs(SELF, self->port,
				     MACH_PORT_RIGHT_DEAD_NAME, 1));
	/* Port set. */
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_mod_refs(SELF, set, MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_mod_refs(SELF, set, MACH_PORT_RIGHT_SEND, 1));
	/* Dead name. */
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_mod_refs(SELF, dead, MACH_PORT_RIGHT_SEND, -1));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_mod_refs(SELF, dead, MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_mod_refs(SELF, dead, MACH_PORT_RIGHT_SEND_ONCE,
				     -1));
	/* Send right only. */
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_DEAD_NAME, 1));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND_ONCE, -1));
	/* Send-once right. */
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_mod_refs(SELF, so, MACH_PORT_RIGHT_SEND, -1));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_mod_refs(SELF, so, MACH_PORT_RIGHT_RECEIVE, -1));
	/* Nothing changed. */
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(self->port));
	EXPECT_EQ(MACH_PORT_TYPE_PORT_SET, type_of(set));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(dead));
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type_of(p));
	EXPECT_EQ(1, urefs_of(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, type_of(so));
}

TEST_F(port, mod_refs_bad_right_is_invalid_value)
{
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_mod_refs(SELF, self->port, MACH_PORT_RIGHT_NUMBER,
				     -1));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_mod_refs(SELF, self->port, 0x10000, 0));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_mod_refs(SELF, MACH_PORT_NULL, 99, 1));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_get_refs(SELF, self->port, MACH_PORT_RIGHT_NUMBER,
				     &(mach_port_urefs_t){ 0 }));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(self->port));
}

/* ---- send-once rights ----------------------------------------------------- */

TEST_F(port, send_once_rights_each_get_their_own_name)
{
	mach_port_t so[3];
	mach_port_status_t st;
	rcv_buf_t buf;
	int i;

	for (i = 0; i < 3; i++) {
		so[i] = make_send_once(self->port);
		ASSERT_NE(MACH_PORT_NULL, so[i]);
		EXPECT_NE(self->port, so[i]);
		EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, type_of(so[i]));
		EXPECT_EQ(1, urefs_of(so[i], MACH_PORT_RIGHT_SEND_ONCE));
		EXPECT_EQ(0, urefs_of(so[i], MACH_PORT_RIGHT_SEND));
	}
	EXPECT_NE(so[0], so[1]);
	EXPECT_NE(so[1], so[2]);
	EXPECT_NE(so[0], so[2]);
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	EXPECT_EQ(3, st.mps_sorights);
	EXPECT_EQ(0, st.mps_srights);
	/* The receive name is unchanged by them. */
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(self->port));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, so[1]));
	EXPECT_EQ(0, type_of(so[1]));
	/*
	 * The right destroyed unused becomes the destination of a send-once
	 * notification; it is used up when that is received.
	 */
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 1000));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, buf.header.msgh_id);
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	EXPECT_EQ(2, st.mps_sorights);
}

/* ---- dead names ------------------------------------------------------------- */

TEST_F(port, destroying_receive_right_of_send_receive_name_leaves_dead_name)
{
	mach_port_t p = new_port_send();

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 2));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(p));
	EXPECT_EQ(3, urefs_of(p, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(0, urefs_of(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  try_send(p, MACH_MSG_TYPE_COPY_SEND, 1));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, p));
	EXPECT_EQ(2, urefs_of(p, MACH_PORT_RIGHT_DEAD_NAME));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_DEAD_NAME, -2));
	EXPECT_EQ(0, type_of(p));
}

TEST_F(port, destroy_of_send_receive_name_removes_the_name)
{
	mach_port_t p = new_port_send();

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 4));
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, p));
	EXPECT_EQ(0, type_of(p));
}

TEST_F(port, dead_port_turns_send_rights_into_dead_names_with_their_urefs)
{
	mach_port_t p = new_port_send(), holder, so1, so2;

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 4));
	so1 = make_send_once(p);
	so2 = make_send_once(p);
	ASSERT_NE(MACH_PORT_NULL, so1);
	ASSERT_NE(MACH_PORT_NULL, so2);
	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(p, &holder));
	ASSERT_EQ(MACH_PORT_TYPE_SEND, type_of(p));
	EXPECT_EQ(5, urefs_of(p, MACH_PORT_RIGHT_SEND));

	/* The queued message dies with the holder, and the port with it. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, holder));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(p));
	EXPECT_EQ(5, urefs_of(p, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(0, urefs_of(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(so1));
	EXPECT_EQ(1, urefs_of(so1, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(so2));
	EXPECT_EQ(1, urefs_of(so2, MACH_PORT_RIGHT_DEAD_NAME));
	/* A send right that died answers SEND for no right at all. */
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, -1));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_DEAD_NAME, -5));
	EXPECT_EQ(0, type_of(p));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, so1));
	EXPECT_EQ(0, type_of(so1));
}

TEST_F(port, dead_name_urefs_can_be_added_and_dropped)
{
	mach_port_name_t dead;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, dead, MACH_PORT_RIGHT_DEAD_NAME, 2));
	EXPECT_EQ(3, urefs_of(dead, MACH_PORT_RIGHT_DEAD_NAME));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, dead));
	EXPECT_EQ(2, urefs_of(dead, MACH_PORT_RIGHT_DEAD_NAME));
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, dead));
	EXPECT_EQ(0, type_of(dead));
}

/* ---- deallocate / destroy --------------------------------------------------- */

TEST_F(port, deallocate_releases_one_uref_and_then_the_name)
{
	mach_port_t p = new_port_send(), holder, so;

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 1));
	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(p, &holder));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, p));
	EXPECT_EQ(1, urefs_of(p, MACH_PORT_RIGHT_SEND));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, p));
	EXPECT_EQ(0, type_of(p));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_deallocate(SELF, p));

	so = make_send_once(self->port);
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, so));
	EXPECT_EQ(0, type_of(so));
}

TEST_F(port, deallocate_on_send_receive_name_drops_a_send_uref)
{
	mach_port_t p = new_port_send();

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, p));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(p));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_deallocate(SELF, p));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(p));
}

TEST_F(port, deallocate_receive_or_port_set_is_invalid_right)
{
	mach_port_name_t set;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &set));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_deallocate(SELF, self->port));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_deallocate(SELF, set));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(self->port));
	EXPECT_EQ(MACH_PORT_TYPE_PORT_SET, type_of(set));
}

TEST_F(port, destroy_removes_every_right_under_a_name)
{
	mach_port_t p = new_port_send(), holder,
		    so = make_send_once(self->port);
	mach_port_name_t set, dead;

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_NE(MACH_PORT_NULL, so);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 6));
	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(p, &holder));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &set));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, dead, MACH_PORT_RIGHT_DEAD_NAME, 3));

	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, p));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, so));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, set));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, dead));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, holder));
	EXPECT_EQ(0, type_of(p));
	EXPECT_EQ(0, type_of(so));
	EXPECT_EQ(0, type_of(set));
	EXPECT_EQ(0, type_of(dead));
	EXPECT_EQ(0, type_of(holder));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_destroy(SELF, holder));
}

/* ---- insert_right -------------------------------------------------------------- */

TEST_F(port, insert_right_copy_send_and_move_send_at_same_name)
{
	mach_port_t p = new_port_send();

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, p, p, MACH_MSG_TYPE_COPY_SEND));
	EXPECT_EQ(2, urefs_of(p, MACH_PORT_RIGHT_SEND));
	/* Moved out and back in: no net change. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, p, p, MACH_MSG_TYPE_MOVE_SEND));
	EXPECT_EQ(2, urefs_of(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(p));
}

TEST_F(port, insert_right_make_send_once_at_a_free_name)
{
	mach_port_name_t name = free_name(0x240);
	mach_port_status_t st;

	ASSERT_NE(MACH_PORT_NULL, name);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, name, self->port,
					 MACH_MSG_TYPE_MAKE_SEND_ONCE));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, type_of(name));
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	EXPECT_EQ(1, st.mps_sorights);
}

TEST_F(port, insert_right_move_send_renames_a_send_right)
{
	mach_port_t p = new_port_send(), holder;
	mach_port_name_t name = free_name(0x250);

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_NE(MACH_PORT_NULL, name);
	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(p, &holder));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, name, p,
					 MACH_MSG_TYPE_MOVE_SEND));
	EXPECT_EQ(0, type_of(p));
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type_of(name));
	EXPECT_EQ(1, urefs_of(name, MACH_PORT_RIGHT_SEND));
	/* Still the same port: it dies with the holder. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(SELF, holder));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(name));
}

TEST_F(port, insert_right_send_for_port_set_is_invalid_right)
{
	mach_port_name_t set, name = free_name(0x260);

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &set));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_insert_right(SELF, set, set,
					 MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_insert_right(SELF, set, set,
					 MACH_MSG_TYPE_COPY_SEND));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_insert_right(SELF, name, set,
					 MACH_MSG_TYPE_MAKE_SEND_ONCE));
	EXPECT_EQ(MACH_PORT_TYPE_PORT_SET, type_of(set));
	EXPECT_EQ(0, type_of(name));
}

TEST_F(port, insert_right_without_the_source_right_is_invalid_right)
{
	mach_port_name_t dead;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	/* COPY_SEND needs a send right; the name holds only a receive right. */
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_insert_right(SELF, self->port, self->port,
					 MACH_MSG_TYPE_COPY_SEND));
	/* XNU: a dead name names no port at all, KERN_INVALID_CAPABILITY. */
	EXPECT_EQ(KERN_INVALID_CAPABILITY,
		  mach_port_insert_right(SELF, dead, dead,
					 MACH_MSG_TYPE_COPY_SEND));
	EXPECT_EQ(KERN_INVALID_CAPABILITY,
		  mach_port_insert_right(SELF, dead, dead,
					 MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(self->port));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(dead));
}

TEST_F(port, insert_right_under_a_second_name_is_right_exists)
{
	mach_port_t p = new_port_send();
	mach_port_name_t name = free_name(0x270);

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_NE(MACH_PORT_NULL, name);
	/* Send rights to one port live under one name per space. */
	EXPECT_EQ(KERN_RIGHT_EXISTS,
		  mach_port_insert_right(SELF, name, p,
					 MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_EQ(KERN_RIGHT_EXISTS,
		  mach_port_insert_right(SELF, name, p,
					 MACH_MSG_TYPE_COPY_SEND));
	EXPECT_EQ(KERN_RIGHT_EXISTS,
		  mach_port_insert_right(SELF, self->port, p,
					 MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_EQ(0, type_of(name));
	EXPECT_EQ(1, urefs_of(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(self->port));
}

TEST_F(port, insert_right_send_once_at_a_taken_name_is_name_exists)
{
	mach_port_name_t dead;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	EXPECT_EQ(KERN_NAME_EXISTS,
		  mach_port_insert_right(SELF, dead, self->port,
					 MACH_MSG_TYPE_MAKE_SEND_ONCE));
	EXPECT_EQ(KERN_NAME_EXISTS,
		  mach_port_insert_right(SELF, self->port, self->port,
					 MACH_MSG_TYPE_MAKE_SEND_ONCE));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(dead));
	EXPECT_EQ(1, urefs_of(dead, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(self->port));
}

TEST_F(port, insert_right_bad_name_or_disposition_is_invalid_value)
{
	mach_port_name_t name = free_name(0x290);

	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_insert_right(SELF, MACH_PORT_NULL, self->port,
					 MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_insert_right(SELF, MACH_PORT_DEAD, self->port,
					 MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_insert_right(SELF, name, self->port, 0));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_insert_right(SELF, name, self->port,
					 MACH_MSG_TYPE_PORT_NAME));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_insert_right(SELF, name, self->port, 22));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_insert_right(SELF, self->port, self->port, 99));
	EXPECT_EQ(0, type_of(name));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(self->port));
}

/* ---- extract_right ------------------------------------------------------------- */

TEST_F(port, extract_right_reports_the_type_received)
{
	mach_port_t poly;
	mach_msg_type_name_t type;
	mach_port_t so;

	ASSERT_EQ(KERN_SUCCESS, mach_port_extract_right(SELF, self->port,
							MACH_MSG_TYPE_MAKE_SEND,
							&poly, &type));
	EXPECT_EQ(self->port, poly);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND, type);
	EXPECT_EQ(1, urefs_of(self->port, MACH_PORT_RIGHT_SEND));

	ASSERT_EQ(KERN_SUCCESS, mach_port_extract_right(SELF, self->port,
							MACH_MSG_TYPE_COPY_SEND,
							&poly, &type));
	EXPECT_EQ(self->port, poly);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND, type);
	EXPECT_EQ(2, urefs_of(self->port, MACH_PORT_RIGHT_SEND));

	ASSERT_EQ(KERN_SUCCESS, mach_port_extract_right(SELF, self->port,
							MACH_MSG_TYPE_MOVE_SEND,
							&poly, &type));
	EXPECT_EQ(self->port, poly);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND, type);
	EXPECT_EQ(2, urefs_of(self->port, MACH_PORT_RIGHT_SEND));

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_extract_right(SELF, self->port,
					  MACH_MSG_TYPE_MAKE_SEND_ONCE, &so,
					  &type));
	EXPECT_NE(self->port, so);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND_ONCE, type);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, type_of(so));

	ASSERT_EQ(KERN_SUCCESS, mach_port_extract_right(
					SELF, so, MACH_MSG_TYPE_MOVE_SEND_ONCE,
					&poly, &type));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND_ONCE, type);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, type_of(poly));
}

TEST_F(port, extract_right_move_receive_keeps_the_port)
{
	mach_port_t poly;
	mach_msg_type_name_t type;
	mach_port_context_t ctx = 0;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_set_context(SELF, self->port, 0x5eed));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_extract_right(SELF, self->port,
					  MACH_MSG_TYPE_MOVE_RECEIVE, &poly,
					  &type));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_RECEIVE, type);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(poly));
	/* The move cleared its context (XNU's ipc_port_clear_receiver()). */
	ctx = 1;
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_context(SELF, poly, &ctx));
	EXPECT_EQ(0, ctx);
	if (poly != self->port)
		EXPECT_EQ(0, type_of(self->port));
}

TEST_F(port, extract_right_errors)
{
	mach_port_t poly, p = new_port_send(), holder;
	mach_msg_type_name_t type;
	mach_port_name_t set;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &set));
	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(p, &holder));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_extract_right(SELF, self->port, 0, &poly, &type));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_extract_right(SELF, self->port, 22, &poly, &type));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_extract_right(SELF, self->port,
					  MACH_MSG_TYPE_PORT_NAME, &poly,
					  &type));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_extract_right(SELF, self->port,
					  MACH_MSG_TYPE_COPY_SEND, &poly,
					  &type));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_extract_right(SELF, p, MACH_MSG_TYPE_MAKE_SEND,
					  &poly, &type));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_extract_right(SELF, p, MACH_MSG_TYPE_MOVE_RECEIVE,
					  &poly, &type));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_extract_right(SELF, set, MACH_MSG_TYPE_MAKE_SEND,
					  &poly, &type));
	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_extract_right(SELF, free_name(0x2a0),
					  MACH_MSG_TYPE_MAKE_SEND, &poly,
					  &type));
	/* XNU: the reserved names hold no right to extract. */
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_extract_right(SELF, MACH_PORT_NULL,
					  MACH_MSG_TYPE_COPY_SEND, &poly,
					  &type));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(self->port));
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type_of(p));
}

/* ---- type ------------------------------------------------------------------------ */

TEST_F(port, type_shows_dead_name_request)
{
	mach_port_t p = new_port_send(), holder, notify = new_port(), prev = 1;

	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(p, &holder));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_request_notification(
			  SELF, p, MACH_NOTIFY_DEAD_NAME, 0, notify,
			  MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	EXPECT_EQ(MACH_PORT_NULL, prev);
	EXPECT_EQ(MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_DNREQUEST, type_of(p));
}

TEST_F(port, task_self_is_a_send_right)
{
	mach_port_t task = mach_task_self();

	EXPECT_NE(MACH_PORT_NULL, task);
	EXPECT_EQ(task, mach_task_self());
	EXPECT_EQ(MACH_PORT_TYPE_SEND,
		  type_of(task) & ~MACH_PORT_TYPE_DNREQUEST);
	EXPECT_LE(1, urefs_of(task, MACH_PORT_RIGHT_SEND));
}

TEST_F(port, reply_port_is_a_new_receive_right)
{
	mach_port_t a = mach_reply_port(), b = mach_reply_port();

	ASSERT_NE(MACH_PORT_NULL, a);
	ASSERT_NE(MACH_PORT_NULL, b);
	EXPECT_NE(a, b);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(a));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(b));
}

TEST_F(port, bad_task_name_is_send_invalid_dest)
{
	mach_port_name_t name;
	mach_port_type_t type;

	/* Darwin sends the call to the task port: no such port, no destination. */
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  mach_port_allocate(MACH_PORT_NULL, MACH_PORT_RIGHT_RECEIVE,
				     &name));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  mach_port_type(MACH_PORT_NULL, self->port, &type));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  mach_port_deallocate(free_name(0x2b0), self->port));
}

/*
 * XNU converts the task to its space before it looks at the flavor, the
 * count or the name: a bad task is the answer whatever else is wrong.
 */
TEST_F(port, attributes_check_the_task_first)
{
	mach_port_limits_t lim = { .mpl_qlimit = 3 };
	mach_port_status_t st;
	mach_msg_type_number_t count = MACH_PORT_RECEIVE_STATUS_COUNT;

	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  mach_port_get_attributes(MACH_PORT_NULL, self->port, 0x7777,
					   (mach_port_info_t)&st, &count));
	count = 0;
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  mach_port_get_attributes(MACH_PORT_NULL, self->port,
					   MACH_PORT_RECEIVE_STATUS,
					   (mach_port_info_t)&st, &count));
	count = MACH_PORT_LIMITS_INFO_COUNT;
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  mach_port_get_attributes(MACH_PORT_NULL, MACH_PORT_NULL,
					   MACH_PORT_LIMITS_INFO,
					   (mach_port_info_t)&lim, &count));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  mach_port_set_attributes(MACH_PORT_NULL, self->port, 0x7777,
					   (mach_port_info_t)&lim,
					   MACH_PORT_LIMITS_INFO_COUNT));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  mach_port_set_attributes(MACH_PORT_NULL, self->port,
					   MACH_PORT_LIMITS_INFO,
					   (mach_port_info_t)&lim, 0));
	/* The same calls on this task keep their own answers. */
	count = MACH_PORT_RECEIVE_STATUS_COUNT;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_port_get_attributes(SELF, self->port, 0x7777,
					   (mach_port_info_t)&st, &count));
	count = 0;
	EXPECT_EQ(KERN_FAILURE,
		  mach_port_get_attributes(SELF, self->port,
					   MACH_PORT_RECEIVE_STATUS,
					   (mach_port_info_t)&st, &count));
	count = MACH_PORT_LIMITS_INFO_COUNT;
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_get_attributes(SELF, MACH_PORT_NULL,
					   MACH_PORT_LIMITS_INFO,
					   (mach_port_info_t)&lim, &count));
	EXPECT_EQ(0, count);
	EXPECT_EQ(KERN_FAILURE,
		  mach_port_set_attributes(SELF, self->port,
					   MACH_PORT_LIMITS_INFO,
					   (mach_port_info_t)&lim, 0));
	EXPECT_EQ(MACH_PORT_QLIMIT_DEFAULT, qlimit_of(self->port));
}

TEST_F(port, rename_is_not_supported)
{
	/* Darwin removed renaming; the routine answers KERN_NOT_SUPPORTED. */
	EXPECT_EQ(KERN_NOT_SUPPORTED,
		  mach_port_rename(SELF, self->port, free_name(0x2f0)));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(self->port));
}

TEST_F(port, allocate_qos_and_full_choose_name_by_qos)
{
	mach_port_qos_t qos;
	mach_port_name_t name = MACH_PORT_NULL, want = free_name(0x2f8);

	memset(&qos, 0, sizeof(qos));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate_qos(SELF, MACH_PORT_RIGHT_RECEIVE, &qos,
					 &name));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(name));
	qos.name = TRUE;
	name = want;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate_qos(SELF, MACH_PORT_RIGHT_PORT_SET, &qos,
					 &name));
	EXPECT_EQ(want, name);
	EXPECT_EQ(MACH_PORT_TYPE_PORT_SET, type_of(want));
	EXPECT_EQ(KERN_NAME_EXISTS,
		  mach_port_allocate_qos(SELF, MACH_PORT_RIGHT_RECEIVE, &qos,
					 &name));
	qos.name = FALSE;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate_full(SELF, MACH_PORT_RIGHT_DEAD_NAME,
					  MACH_PORT_NULL, &qos, &name));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(name));
	/* No prototype ports. */
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_allocate_full(SELF, MACH_PORT_RIGHT_RECEIVE,
					  self->port, &qos, &name));
}

TEST_F(port, space_basic_info_counts_names_in_use)
{
	ipc_info_space_basic_t a, b;
	mach_port_name_t extra[5];
	int i;

	ASSERT_EQ(KERN_SUCCESS, mach_port_space_basic_info(SELF, &a));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(KERN_SUCCESS,
			  mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME,
					     &extra[i]));
	ASSERT_EQ(KERN_SUCCESS, mach_port_space_basic_info(SELF, &b));
	EXPECT_EQ(a.iisb_table_inuse + 5, b.iisb_table_inuse);
	EXPECT_LE(b.iisb_table_inuse, b.iisb_table_size);
	destroy_all(extra, 5);
	ASSERT_EQ(KERN_SUCCESS, mach_port_space_basic_info(SELF, &b));
	EXPECT_EQ(a.iisb_table_inuse, b.iisb_table_inuse);
}

/* ---- mscount, seqno, context, guard -------------------------------------------------- */

TEST_F(port, set_mscount_sets_the_make_send_count)
{
	mach_port_status_t st;

	ASSERT_EQ(KERN_SUCCESS, mach_port_set_mscount(SELF, self->port, 7));
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	EXPECT_EQ(7, st.mps_mscount);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, self->port, self->port,
					 MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	EXPECT_EQ(8, st.mps_mscount);
}

TEST_F(port, set_seqno_sets_the_next_sequence_number)
{
	mach_port_status_t st;
	rcv_buf_t buf;
	mach_msg_seqno_trailer_t *tr;

	ASSERT_EQ(KERN_SUCCESS, mach_port_set_seqno(SELF, self->port, 42));
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	EXPECT_EQ(42, st.mps_seqno);
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 1));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 2));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  recv_msg(self->port, &buf, sizeof(buf),
			   MACH_RCV_TIMEOUT |
				   MACH_RCV_TRAILER_TYPE(
					   MACH_MSG_TRAILER_FORMAT_0) |
				   MACH_RCV_TRAILER_ELEMENTS(
					   MACH_RCV_TRAILER_SEQNO),
			   0));
	tr = trailer_of(&buf.header);
	EXPECT_EQ(42, tr->msgh_seqno);
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  recv_msg(self->port, &buf, sizeof(buf),
			   MACH_RCV_TIMEOUT | MACH_RCV_TRAILER_ELEMENTS(
						      MACH_RCV_TRAILER_SEQNO),
			   0));
	EXPECT_EQ(43, tr->msgh_seqno);
}

TEST_F(port, calls_on_receive_state_need_a_receive_right)
{
	mach_port_t p = new_port_send(), holder,
		    so = make_send_once(self->port);
	mach_port_name_t set, dead;
	mach_port_context_t ctx;
	mach_port_status_t st;
	mach_port_name_t names[4];
	int i;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &set));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(p, &holder));
	names[0] = p;
	names[1] = so;
	names[2] = dead;
	names[3] = set;
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(KERN_INVALID_RIGHT,
			  mach_port_set_mscount(SELF, names[i], 1))
		{
			TH_LOG("name %d", i);
		}
		EXPECT_EQ(KERN_INVALID_RIGHT,
			  mach_port_set_seqno(SELF, names[i], 1));
		EXPECT_EQ(KERN_INVALID_RIGHT,
			  mach_port_set_context(SELF, names[i], 1));
		EXPECT_EQ(KERN_INVALID_RIGHT,
			  mach_port_get_context(SELF, names[i], &ctx));
		EXPECT_EQ(KERN_INVALID_RIGHT,
			  mach_port_guard(SELF, names[i], 1, FALSE));
		EXPECT_EQ(KERN_INVALID_RIGHT,
			  mach_port_unguard(SELF, names[i], 1));
		EXPECT_EQ(KERN_INVALID_RIGHT, set_qlimit(names[i], 3));
		EXPECT_EQ(KERN_INVALID_RIGHT, status_of(names[i], &st));
		EXPECT_EQ(KERN_INVALID_RIGHT,
			  mach_port_destruct(SELF, names[i], 0, 0));
	}
}

TEST_F(port, context_round_trips)
{
	mach_port_context_t ctx = 1;

	ASSERT_EQ(KERN_SUCCESS, mach_port_get_context(SELF, self->port, &ctx));
	EXPECT_EQ(0, ctx);
	ASSERT_EQ(KERN_SUCCESS, mach_port_set_context(SELF, self->port,
						      0xfedcba9876543210ull));
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_context(SELF, self->port, &ctx));
	EXPECT_EQ(0xfedcba9876543210ull, ctx);
}

TEST_F(port, guard_sets_the_context_and_status_flags)
{
	mach_port_context_t ctx = 0;
	mach_port_status_t st;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_guard(SELF, self->port, 0xabcdef, FALSE));
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_context(SELF, self->port, &ctx));
	EXPECT_EQ(0xabcdef, ctx);
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	EXPECT_NE(0, st.mps_flags & MACH_PORT_STATUS_FLAG_GUARDED);
	EXPECT_EQ(0, st.mps_flags & MACH_PORT_STATUS_FLAG_STRICT_GUARD);
	ASSERT_EQ(KERN_SUCCESS, mach_port_unguard(SELF, self->port, 0xabcdef));
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	EXPECT_EQ(0, st.mps_flags & MACH_PORT_STATUS_FLAG_GUARDED);
}

TEST_F(port, guard_with_flags_strict_is_a_strict_guard)
{
	mach_port_status_t st;

	ASSERT_EQ(KERN_SUCCESS, mach_port_guard_with_flags(SELF, self->port,
							   0x5a5a, MPG_STRICT));
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	EXPECT_NE(0, st.mps_flags & MACH_PORT_STATUS_FLAG_GUARDED);
	EXPECT_NE(0, st.mps_flags & MACH_PORT_STATUS_FLAG_STRICT_GUARD);
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_port_set_context(SELF, self->port, 1));
	EXPECT_EQ(KERN_SUCCESS, mach_port_unguard(SELF, self->port, 0x5a5a));
}

TEST_F(port, guard_and_unguard_errors_are_invalid_argument)
{
	/* Guarding a guarded port, unguarding with the wrong guard or twice. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_guard(SELF, self->port, 0x1234, FALSE));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_port_guard(SELF, self->port, 0x1234, FALSE));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_port_unguard(SELF, self->port, 0x4321));
	ASSERT_EQ(KERN_SUCCESS, mach_port_unguard(SELF, self->port, 0x1234));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_port_unguard(SELF, self->port, 0x1234));
	/* XNU refuses a guard over a non-zero context. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_set_context(SELF, self->port, 5));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_port_guard(SELF, self->port, 0x99, FALSE));
}

/* XNU: a strict guard cannot be overwritten, and is not revealed either. */
TEST_F(port, strict_guard_refuses_set_context_and_hides_the_guard)
{
	mach_port_context_t ctx = 1;
	mach_port_status_t st;

	ASSERT_EQ(KERN_SUCCESS, mach_port_guard(SELF, self->port, 0x777, TRUE));
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	EXPECT_NE(0, st.mps_flags & MACH_PORT_STATUS_FLAG_STRICT_GUARD);
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_port_set_context(SELF, self->port, 0x888));
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_context(SELF, self->port, &ctx));
	EXPECT_EQ(0, ctx);
	/* Still the same guard underneath. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_port_unguard(SELF, self->port, 0x888));
	EXPECT_EQ(KERN_SUCCESS, mach_port_unguard(SELF, self->port, 0x777));
}

TEST_F(port, guarded_receive_right_resists_mod_refs_and_destroy)
{
	ASSERT_EQ(KERN_SUCCESS, mach_port_guard(SELF, self->port, 0x42, FALSE));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_mod_refs(SELF, self->port, MACH_PORT_RIGHT_RECEIVE,
				     -1));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_destroy(SELF, self->port));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(self->port));
	ASSERT_EQ(KERN_SUCCESS, mach_port_unguard(SELF, self->port, 0x42));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, self->port, MACH_PORT_RIGHT_RECEIVE,
				     -1));
}

/* ---- construct / destruct ------------------------------------------------------------ */

TEST_F(port, construct_applies_its_options)
{
	mach_port_options_t opts = {
		.flags = MPO_QLIMIT | MPO_INSERT_SEND_RIGHT,
		.mpl = { .mpl_qlimit = 9 },
	};
	mach_port_name_t name = MACH_PORT_NULL;

	ASSERT_EQ(KERN_SUCCESS, mach_port_construct(SELF, &opts, 0, &name));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(name));
	EXPECT_EQ(1, urefs_of(name, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(9, qlimit_of(name));

	opts.flags = 0;
	ASSERT_EQ(KERN_SUCCESS, mach_port_construct(SELF, &opts, 0, &name));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(name));
	EXPECT_EQ(MACH_PORT_QLIMIT_DEFAULT, qlimit_of(name));
}

TEST_F(port, construct_with_context_as_guard_guards_the_port)
{
	mach_port_options_t opts = { .flags = MPO_CONTEXT_AS_GUARD };
	mach_port_name_t name = MACH_PORT_NULL;
	mach_port_context_t ctx = 0;
	mach_port_status_t st;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_construct(SELF, &opts, 0xbeef, &name));
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_context(SELF, name, &ctx));
	EXPECT_EQ(0xbeef, ctx);
	ASSERT_EQ(KERN_SUCCESS, status_of(name, &st));
	EXPECT_NE(0, st.mps_flags & MACH_PORT_STATUS_FLAG_GUARDED);
	EXPECT_EQ(0, st.mps_flags & MACH_PORT_STATUS_FLAG_STRICT_GUARD);
	EXPECT_EQ(KERN_SUCCESS, mach_port_destruct(SELF, name, 0, 0xbeef));

	/* MPO_STRICT: strictly guarded, so the context reads as 0. */
	opts.flags = MPO_CONTEXT_AS_GUARD | MPO_STRICT;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_construct(SELF, &opts, 0xc0ffee, &name));
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_context(SELF, name, &ctx));
	EXPECT_EQ(0, ctx);
	ASSERT_EQ(KERN_SUCCESS, status_of(name, &st));
	EXPECT_NE(0, st.mps_flags & MACH_PORT_STATUS_FLAG_GUARDED);
	EXPECT_NE(0, st.mps_flags & MACH_PORT_STATUS_FLAG_STRICT_GUARD);
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_port_destruct(SELF, name, 0, 0xbad));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(name));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destruct(SELF, name, 0, 0xc0ffee));
	EXPECT_EQ(0, type_of(name));
}

/*
 * MPO_IMMOVABLE_RECEIVE is a guard flag: XNU's mach_port_construct hands
 * it to the guard with MPO_CONTEXT_AS_GUARD and ignores it without.
 */
TEST_F(port, construct_immovable_receive_needs_the_guard)
{
	mach_port_options_t opts = { .flags = MPO_IMMOVABLE_RECEIVE };
	mach_port_name_t name = MACH_PORT_NULL;
	mach_port_context_t ctx = 0;
	mach_port_status_t st;
	any_desc_t d;
	rcv_buf_t buf;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_construct(SELF, &opts, 0x1234, &name));
	ASSERT_EQ(KERN_SUCCESS, status_of(name, &st));
	EXPECT_EQ(0, st.mps_flags & (MACH_PORT_STATUS_FLAG_GUARDED |
				     MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE));
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_context(SELF, name, &ctx));
	EXPECT_EQ(0x1234, ctx);
	/* Movable: it travels to self->port and comes back. */
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_port(self->port, MACH_MSG_TYPE_MAKE_SEND, 1, name,
			    MACH_MSG_TYPE_MOVE_RECEIVE));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 1000));
	ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR, get_desc(&buf.header, 0, &d));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(d.port.name));
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(SELF, d.port.name,
						   MACH_PORT_RIGHT_RECEIVE, -1));

	/* With the guard it is immovable. */
	opts.flags = MPO_CONTEXT_AS_GUARD | MPO_IMMOVABLE_RECEIVE;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_construct(SELF, &opts, 0x1234, &name));
	ASSERT_EQ(KERN_SUCCESS, status_of(name, &st));
	EXPECT_NE(0, st.mps_flags & MACH_PORT_STATUS_FLAG_GUARDED);
	EXPECT_NE(0, st.mps_flags &
		     MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE);
	EXPECT_EQ(KERN_SUCCESS, mach_port_destruct(SELF, name, 0, 0x1234));
}

TEST_F(port, construct_with_too_large_qlimit_is_invalid_value)
{
	mach_port_options_t opts = {
		.flags = MPO_QLIMIT,
		.mpl = { .mpl_qlimit = MACH_PORT_QLIMIT_MAX + 1 },
	};
	mach_port_name_t name = MACH_PORT_NULL;

	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_construct(SELF, &opts, 0, &name));
	opts.mpl.mpl_qlimit = MACH_PORT_QLIMIT_MAX;
	ASSERT_EQ(KERN_SUCCESS, mach_port_construct(SELF, &opts, 0, &name));
	EXPECT_EQ(MACH_PORT_QLIMIT_MAX, qlimit_of(name));
}

TEST_F(port, destruct_drops_send_refs_then_the_receive_right)
{
	mach_port_t p = new_port_send();

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 1));
	/* Two send refs, drop one with the receive right: one dead-name ref left. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_destruct(SELF, p, -1, 0));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(p));
	EXPECT_EQ(1, urefs_of(p, MACH_PORT_RIGHT_DEAD_NAME));

	p = new_port_send();
	ASSERT_EQ(KERN_SUCCESS, mach_port_destruct(SELF, p, -1, 0));
	EXPECT_EQ(0, type_of(p));
	ASSERT_EQ(KERN_SUCCESS, mach_port_destruct(SELF, self->port, 0, 0));
	EXPECT_EQ(0, type_of(self->port));
}

TEST_F(port, destruct_errors)
{
	mach_port_t p = new_port_send();

	ASSERT_NE(MACH_PORT_NULL, p);
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_destruct(SELF, p, 1, 0));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_destruct(SELF, p, -2, 0));
	/* A send delta on a name without send rights. */
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_destruct(SELF, self->port, -1, 0));
	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_destruct(SELF, MACH_PORT_NULL, 0, 0));
	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_destruct(SELF, free_name(0x2c0), 0, 0));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(p));
	EXPECT_EQ(1, urefs_of(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(self->port));
}

/* ---- request_notification argument checks (delivery: ipc_notify_test.c) ------------- */

TEST_F(port, request_notification_bad_variant_is_invalid_value)
{
	mach_port_t notify = new_port(), prev;

	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_request_notification(SELF, self->port, 0, 0, notify,
						 MACH_MSG_TYPE_MAKE_SEND_ONCE,
						 &prev));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_request_notification(
			  SELF, self->port, MACH_NOTIFY_SEND_ONCE, 0, notify,
			  MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_request_notification(
			  SELF, self->port, 1000, 0, notify,
			  MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
}

/* Receive every queued message; how many were not send-once notifications. */
static int count_other_than_send_once(mach_port_t port)
{
	rcv_buf_t buf;
	int n = 0;

	while (recv_timeout(port, &buf, 0) == MACH_MSG_SUCCESS) {
		if (buf.header.msgh_id != MACH_NOTIFY_SEND_ONCE)
			n++;
		mach_msg_destroy(&buf.header);
	}
	return n;
}

TEST_F(port, request_notification_on_the_wrong_right)
{
	mach_port_t notify = new_port(), prev, p = new_port_send(), holder;
	mach_port_name_t set, dead;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &set));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(p, &holder));
	/* No-senders and port-destroyed need the receive right. */
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_request_notification(
			  SELF, p, MACH_NOTIFY_NO_SENDERS, 0, notify,
			  MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_request_notification(
			  SELF, set, MACH_NOTIFY_PORT_DESTROYED, 0, notify,
			  MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	/* Dead-name requests need a port right (or an immediate request on a dead name). */
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_request_notification(
			  SELF, set, MACH_NOTIFY_DEAD_NAME, 0, notify,
			  MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_port_request_notification(
			  SELF, dead, MACH_NOTIFY_DEAD_NAME, 0, notify,
			  MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_request_notification(
			  SELF, free_name(0x2d0), MACH_NOTIFY_DEAD_NAME, 0,
			  notify, MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	/*
	 * Nothing was registered.  (XNU copies the notify right in first and
	 * destroys it on failure, which may queue send-once notifications.)
	 */
	EXPECT_EQ(0, count_other_than_send_once(notify));
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type_of(p));
}

TEST_F(port, request_port_destroyed_needs_zero_sync)
{
	mach_port_t notify = new_port(), prev;

	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_request_notification(
			  SELF, self->port, MACH_NOTIFY_PORT_DESTROYED, 1,
			  notify, MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_request_notification(
			  SELF, self->port, MACH_NOTIFY_PORT_DESTROYED, 0,
			  notify, MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	EXPECT_EQ(MACH_PORT_NULL, prev);
}

/* ---- attributes ------------------------------------------------------------------------ */

TEST_F(port, default_queue_limit_is_five)
{
	EXPECT_EQ(5, qlimit_of(self->port));
	EXPECT_EQ(MACH_PORT_QLIMIT_BASIC, qlimit_of(self->port));
}

TEST_F(port, set_queue_limit_accepts_zero_to_max)
{
	ASSERT_EQ(KERN_SUCCESS, set_qlimit(self->port, MACH_PORT_QLIMIT_SMALL));
	EXPECT_EQ(16, qlimit_of(self->port));
	ASSERT_EQ(KERN_SUCCESS, set_qlimit(self->port, MACH_PORT_QLIMIT_MAX));
	EXPECT_EQ(1024, qlimit_of(self->port));
	ASSERT_EQ(KERN_SUCCESS, set_qlimit(self->port, 0));
	EXPECT_EQ(0, qlimit_of(self->port));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  set_qlimit(self->port, MACH_PORT_QLIMIT_MAX + 1));
	EXPECT_EQ(KERN_INVALID_VALUE, set_qlimit(self->port, 0xffffffffu));
	EXPECT_EQ(0, qlimit_of(self->port));
}

TEST_F(port, receive_status_reports_the_port_state)
{
	mach_port_status_t st;
	mach_port_t so, notify = new_port(), prev;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, self->port, self->port,
					 MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_insert_right(SELF, self->port, self->port,
					 MACH_MSG_TYPE_MAKE_SEND));
	so = make_send_once(self->port);
	ASSERT_NE(MACH_PORT_NULL, so);
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 1));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 2));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_request_notification(
			  SELF, self->port, MACH_NOTIFY_NO_SENDERS, 100, notify,
			  MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	EXPECT_EQ(0, st.mps_pset);
	EXPECT_EQ(0, st.mps_seqno);
	/* Two MAKE_SENDs by insert_right and two by the sends. */
	EXPECT_EQ(4, st.mps_mscount);
	EXPECT_EQ(MACH_PORT_QLIMIT_DEFAULT, st.mps_qlimit);
	EXPECT_EQ(2, st.mps_msgcount);
	EXPECT_EQ(1, st.mps_sorights);
	EXPECT_EQ(1, st.mps_srights);
	EXPECT_EQ(0, st.mps_pdrequest);
	EXPECT_EQ(1, st.mps_nsrequest);
}

/*
 * A receive right that moves starts afresh, as XNU's
 * ipc_port_clear_receiver() leaves it: sequence number and make-send
 * count 0 on the new side; queued messages move with it.
 */
TEST_F(port, moved_receive_right_resets_seqno_and_mscount)
{
	mach_port_t holder = new_port_send();
	mach_port_status_t st;
	rcv_buf_t buf;
	any_desc_t d;
	mach_msg_seqno_trailer_t *tr;

	ASSERT_NE(MACH_PORT_NULL, holder);
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 1));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 2));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(self->port, &buf, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 3));
	ASSERT_EQ(KERN_SUCCESS, status_of(self->port, &st));
	ASSERT_EQ(2, st.mps_seqno);
	ASSERT_EQ(3, st.mps_mscount);
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  send_port(holder, MACH_MSG_TYPE_COPY_SEND, 9, self->port,
			    MACH_MSG_TYPE_MOVE_RECEIVE));
	ASSERT_EQ(MACH_MSG_SUCCESS, recv_timeout(holder, &buf, 5000));
	ASSERT_EQ(MACH_MSG_PORT_DESCRIPTOR, get_desc(&buf.header, 0, &d));
	ASSERT_EQ(KERN_SUCCESS, status_of(d.port.name, &st));
	EXPECT_EQ(0, st.mps_seqno);
	EXPECT_EQ(0, st.mps_mscount);
	EXPECT_EQ(1, st.mps_msgcount);
	/* The queued message is the first the new holder numbers. */
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  recv_msg(d.port.name, &buf, sizeof(buf),
			   MACH_RCV_TIMEOUT | MACH_RCV_TRAILER_ELEMENTS(
						      MACH_RCV_TRAILER_SEQNO),
			   0));
	tr = trailer_of(&buf.header);
	EXPECT_EQ(3, buf.header.msgh_id);
	EXPECT_EQ(0, tr->msgh_seqno);
	mach_port_destroy(SELF, d.port.name);
	mach_port_destroy(SELF, holder);
}

TEST_F(port, info_ext_carries_the_receive_status)
{
	mach_port_info_ext_t ext;
	mach_msg_type_number_t count = MACH_PORT_INFO_EXT_COUNT;

	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 1));
	memset(&ext, 0xa5, sizeof(ext));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_get_attributes(SELF, self->port, MACH_PORT_INFO_EXT,
					   (mach_port_info_t)&ext, &count));
	EXPECT_EQ(MACH_PORT_INFO_EXT_COUNT, count);
	EXPECT_EQ(1, ext.mpie_status.mps_msgcount);
	EXPECT_EQ(1, ext.mpie_status.mps_mscount);
	EXPECT_EQ(MACH_PORT_QLIMIT_DEFAULT, ext.mpie_status.mps_qlimit);
}

TEST_F(port, dnrequests_size_is_readable)
{
	int size = -1;
	mach_msg_type_number_t count = MACH_PORT_DNREQUESTS_SIZE_COUNT;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_get_attributes(SELF, self->port,
					   MACH_PORT_DNREQUESTS_SIZE,
					   (mach_port_info_t)&size, &count));
	EXPECT_EQ(MACH_PORT_DNREQUESTS_SIZE_COUNT, count);
	EXPECT_LE(0, size);
}

TEST_F(port, attributes_count_too_small_is_failure)
{
	mach_port_status_t st;
	mach_port_limits_t lim = { .mpl_qlimit = 3 };
	mach_msg_type_number_t count = MACH_PORT_RECEIVE_STATUS_COUNT - 1;

	EXPECT_EQ(KERN_FAILURE,
		  mach_port_get_attributes(SELF, self->port,
					   MACH_PORT_RECEIVE_STATUS,
					   (mach_port_info_t)&st, &count));
	count = 0;
	EXPECT_EQ(KERN_FAILURE, mach_port_get_attributes(
					SELF, self->port, MACH_PORT_LIMITS_INFO,
					(mach_port_info_t)&lim, &count));
	EXPECT_EQ(KERN_FAILURE, mach_port_set_attributes(
					SELF, self->port, MACH_PORT_LIMITS_INFO,
					(mach_port_info_t)&lim, 0));
	EXPECT_EQ(MACH_PORT_QLIMIT_DEFAULT, qlimit_of(self->port));
}

TEST_F(port, attributes_unknown_flavor_is_invalid_argument)
{
	uint32_t info[MACHINA_PORT_ATTR_WORDS] = { 0 };
	mach_msg_type_number_t count = MACHINA_PORT_ATTR_WORDS;

	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_port_get_attributes(SELF, self->port, 99,
					   (mach_port_info_t)info, &count));
	count = MACHINA_PORT_ATTR_WORDS;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_port_get_attributes(SELF, self->port, 0,
					   (mach_port_info_t)info, &count));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_port_set_attributes(SELF, self->port, 99,
					   (mach_port_info_t)info, 4));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_port_set_attributes(SELF, self->port,
					   MACH_PORT_RECEIVE_STATUS,
					   (mach_port_info_t)info,
					   MACH_PORT_RECEIVE_STATUS_COUNT));
}

TEST_F(port, attributes_of_unknown_name_is_invalid_name)
{
	mach_port_limits_t lim;
	mach_msg_type_number_t count = MACH_PORT_LIMITS_INFO_COUNT;
	mach_port_name_t name = free_name(0x2e0);

	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_get_attributes(SELF, name, MACH_PORT_LIMITS_INFO,
					   (mach_port_info_t)&lim, &count));
	EXPECT_EQ(KERN_INVALID_NAME, set_qlimit(name, 3));
}

/* ---- names, peek, space_info --------------------------------------------------------- */

TEST_F(port, names_lists_every_name_with_its_type)
{
	mach_port_t p = new_port_send(), so = make_send_once(self->port);
	mach_port_name_array_t names = NULL;
	mach_port_type_array_t types = NULL;
	mach_msg_type_number_t ncount = 0, tcount = 0, i;
	mach_port_name_t set, dead;
	int found = 0;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &set));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_names(SELF, &names, &ncount, &types, &tcount));
	ASSERT_EQ(ncount, tcount);
	ASSERT_LE(6, ncount);
	for (i = 0; i < ncount; i++) {
		mach_port_type_t want = 0;

		if (names[i] == self->port)
			want = MACH_PORT_TYPE_RECEIVE;
		else if (names[i] == p)
			want = MACH_PORT_TYPE_SEND_RECEIVE;
		else if (names[i] == so)
			want = MACH_PORT_TYPE_SEND_ONCE;
		else if (names[i] == set)
			want = MACH_PORT_TYPE_PORT_SET;
		else if (names[i] == dead)
			want = MACH_PORT_TYPE_DEAD_NAME;
		else if (names[i] == SELF)
			want = MACH_PORT_TYPE_SEND;
		else
			continue;
		if (names[i] == SELF)
			types[i] &= ~MACH_PORT_TYPE_DNREQUEST;
		EXPECT_EQ(want, types[i])
		{
			TH_LOG("name 0x%x", names[i]);
		}
		found++;
		EXPECT_NE(MACH_PORT_NULL, names[i]);
	}
	EXPECT_EQ(6, found);
	EXPECT_EQ(KERN_SUCCESS, vm_deallocate(SELF, (vm_address_t)names,
					      ncount * sizeof(*names)));
	EXPECT_EQ(KERN_SUCCESS, vm_deallocate(SELF, (vm_address_t)types,
					      tcount * sizeof(*types)));
}

TEST_F(port, peek_reports_a_queued_message_without_dequeuing_it)
{
	mach_port_seqno_t seqno = 0;
	mach_msg_size_t size = 0;
	mach_msg_id_t id = 0;
	mach_msg_audit_trailer_t tr;
	mach_msg_type_number_t trsize = sizeof(tr);

	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 4242));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 4343));
	memset(&tr, 0, sizeof(tr));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_peek(
			  SELF, self->port,
			  MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
				  MACH_RCV_TRAILER_ELEMENTS(
					  MACH_RCV_TRAILER_AUDIT),
			  &seqno, &size, &id, (mach_msg_trailer_info_t)&tr,
			  &trsize));
	EXPECT_EQ(0, seqno);
	EXPECT_EQ(sizeof(simple_msg_t), size);
	EXPECT_EQ(4242, id);
	EXPECT_EQ(sizeof(mach_msg_audit_trailer_t), trsize);
	EXPECT_EQ(MACH_MSG_TRAILER_FORMAT_0, tr.msgh_trailer_type);
	EXPECT_EQ(getpid(), (pid_t)tr.msgh_audit.val[5]);
	EXPECT_EQ(geteuid(), tr.msgh_sender.val[0]);
	/* The second message, by its sequence number. */
	seqno = 1;
	trsize = sizeof(tr);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_peek(SELF, self->port, 0, &seqno, &size, &id,
				 (mach_msg_trailer_info_t)&tr, &trsize));
	EXPECT_EQ(4343, id);
	EXPECT_EQ(1, seqno);
	EXPECT_EQ(2, msgcount_of(self->port));
}

TEST_F(port, peek_errors)
{
	mach_port_seqno_t seqno = 0;
	mach_msg_size_t size;
	mach_msg_id_t id;
	mach_msg_max_trailer_t tr;
	mach_msg_type_number_t trsize = sizeof(tr);
	mach_port_t p = new_port_send(), holder;

	EXPECT_EQ(KERN_FAILURE,
		  mach_port_peek(SELF, self->port, 0, &seqno, &size, &id,
				 (mach_msg_trailer_info_t)&tr, &trsize));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 1));
	seqno = 7;
	trsize = sizeof(tr);
	EXPECT_EQ(KERN_FAILURE,
		  mach_port_peek(SELF, self->port, 0, &seqno, &size, &id,
				 (mach_msg_trailer_info_t)&tr, &trsize));
	/* Only trailers up to the audit token can be peeked at. */
	seqno = 0;
	trsize = sizeof(tr);
	EXPECT_EQ(
		KERN_INVALID_VALUE,
		mach_port_peek(SELF, self->port,
			       MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_CTX),
			       &seqno, &size, &id, (mach_msg_trailer_info_t)&tr,
			       &trsize));
	/* A trailer buffer smaller than the trailer asked for. */
	trsize = sizeof(mach_msg_trailer_t);
	EXPECT_EQ(KERN_INVALID_VALUE,
		  mach_port_peek(
			  SELF, self->port,
			  MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT),
			  &seqno, &size, &id, (mach_msg_trailer_info_t)&tr,
			  &trsize));
	ASSERT_EQ(MACH_MSG_SUCCESS, park_receive(p, &holder));
	trsize = sizeof(tr);
	EXPECT_EQ(KERN_INVALID_RIGHT,
		  mach_port_peek(SELF, p, 0, &seqno, &size, &id,
				 (mach_msg_trailer_info_t)&tr, &trsize));
	EXPECT_EQ(1, msgcount_of(self->port));
}

TEST_F(port, space_info_lists_names_with_types_and_urefs)
{
	mach_port_t p = new_port_send();
	ipc_info_space_t info;
	ipc_info_name_array_t table = NULL;
	ipc_info_tree_name_array_t tree = NULL;
	mach_msg_type_number_t tcount = 0, trcount = 0, i;
	int found = 0;

	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 2));
	ASSERT_EQ(KERN_SUCCESS, mach_port_space_info(SELF, &info, &table,
						     &tcount, &tree, &trcount));
	ASSERT_LE(3, tcount);
	EXPECT_LE(tcount, info.iis_table_size);
	for (i = 0; i < tcount; i++) {
		if (table[i].iin_name == p) {
			EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE,
				  table[i].iin_type);
			EXPECT_EQ(3, table[i].iin_urefs);
			found++;
		} else if (table[i].iin_name == self->port) {
			EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, table[i].iin_type);
			found++;
		}
	}
	EXPECT_EQ(2, found);
	vm_deallocate(SELF, (vm_address_t)table, tcount * sizeof(*table));
	if (trcount)
		vm_deallocate(SELF, (vm_address_t)tree,
			      trcount * sizeof(*tree));
}

/* ---- limits -------------------------------------------------------------------------- */

TEST_F_TIMEOUT(port, name_table_limit_is_no_space, 240)
{
	long max = module_param("max_names");
	mach_port_name_t *names, name;
	kern_return_t kr = KERN_SUCCESS;
	long n = 0;

	if (max < 0)
		SKIP(return, "no max_names module parameter");
	if (max > 200000)
		SKIP(return, "max_names %ld is too large to reach quickly",
			   max);
	names = calloc(max + 1, sizeof(*names));
	ASSERT_NE(NULL, names);
	while (n <= max) {
		kr = mach_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME,
					&names[n]);
		if (kr != KERN_SUCCESS)
			break;
		n++;
	}
	EXPECT_EQ(KERN_NO_SPACE, kr)
	{
		TH_LOG("after %ld names", n);
	}
	/* The few names the process had already count too. */
	EXPECT_GE(max, n);
	EXPECT_LE(max - 16, n);
	/* Rights that need a new name fail the same way. */
	EXPECT_EQ(KERN_NO_SPACE,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &name));
	EXPECT_EQ(MACH_PORT_NULL, make_send_once(self->port));
	/* A freed name can be used again. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(SELF, names[n - 1]));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &name));
	free(names);
}

/* ---- the raw uAPI -------------------------------------------------------------------- */

struct ipc_call {
	const char *name;
	unsigned long cmd;
	size_t size;
	size_t flags_off; /* offset of "flags" */
	size_t reserved_off; /* offset of "reserved", or 0 */
};

#define CALL(nr, type, res)                                                 \
	{                                                                   \
#nr, MACHINA_IOC_##nr, sizeof(type), offsetof(type, flags), \
			res                                                 \
	}
#define ARGS_CALL(nr)                      \
	CALL(nr, struct machina_port_args, \
	     offsetof(struct machina_port_args, reserved))

static const struct ipc_call ipc_calls[] = {
	{ "TASK_SELF", MACHINA_IOC_TASK_SELF, sizeof(struct machina_name_out),
	  offsetof(struct machina_name_out, flags), 0 },
	{ "REPLY_PORT", MACHINA_IOC_REPLY_PORT, sizeof(struct machina_name_out),
	  offsetof(struct machina_name_out, flags), 0 },
	ARGS_CALL(PORT_ALLOCATE),
	ARGS_CALL(PORT_ALLOCATE_NAME),
	CALL(PORT_CONSTRUCT, struct machina_port_construct,
	     offsetof(struct machina_port_construct, reserved)),
	ARGS_CALL(PORT_DESTRUCT),
	ARGS_CALL(PORT_DEALLOCATE),
	ARGS_CALL(PORT_DESTROY),
	ARGS_CALL(PORT_MOD_REFS),
	ARGS_CALL(PORT_GET_REFS),
	ARGS_CALL(PORT_TYPE),
	ARGS_CALL(PORT_INSERT_RIGHT),
	ARGS_CALL(PORT_EXTRACT_RIGHT),
	ARGS_CALL(PORT_MOVE_MEMBER),
	ARGS_CALL(PORT_INSERT_MEMBER),
	ARGS_CALL(PORT_EXTRACT_MEMBER),
	ARGS_CALL(PORT_SET_MSCOUNT),
	ARGS_CALL(PORT_SET_SEQNO),
	ARGS_CALL(PORT_GET_CONTEXT),
	ARGS_CALL(PORT_SET_CONTEXT),
	ARGS_CALL(PORT_GUARD),
	ARGS_CALL(PORT_UNGUARD),
	CALL(PORT_REQUEST_NOTIFICATION, struct machina_port_notify, 0),
	CALL(PORT_GET_ATTRIBUTES, struct machina_port_attr,
	     offsetof(struct machina_port_attr, reserved)),
	CALL(PORT_SET_ATTRIBUTES, struct machina_port_attr,
	     offsetof(struct machina_port_attr, reserved)),
	CALL(PORT_NAMES, struct machina_port_names,
	     offsetof(struct machina_port_names, reserved)),
	CALL(PORT_GET_SET_STATUS, struct machina_port_names,
	     offsetof(struct machina_port_names, reserved)),
	CALL(PORT_PEEK, struct machina_port_peek, 0),
	CALL(PORT_SPACE_INFO, struct machina_space_info, 0),
	CALL(MSG, struct machina_msg, offsetof(struct machina_msg, reserved)),
	CALL(PORT_FD, struct machina_port_fd,
	     offsetof(struct machina_port_fd, reserved)),
	CALL(PORT_FROM_FD, struct machina_port_fd,
	     offsetof(struct machina_port_fd, reserved)),
};

TEST_F(port, uapi_every_ipc_call_rejects_nonzero_flags_and_reserved)
{
	unsigned char arg[256];
	int fd = mt_open();
	size_t i;

	ASSERT_LE(0, fd);
	for (i = 0; i < sizeof(ipc_calls) / sizeof(ipc_calls[0]); i++) {
		const struct ipc_call *c = &ipc_calls[i];

		ASSERT_EQ(c->size, _IOC_SIZE(c->cmd));
		memset(arg, 0, sizeof(arg));
		arg[c->flags_off] = 1;
		EXPECT_EQ(-EINVAL, mt_ioctl(fd, c->cmd, arg))
		{
			TH_LOG("%s flags", c->name);
		}
		memset(arg, 0, sizeof(arg));
		arg[c->flags_off + 3] = 0x80;
		EXPECT_EQ(-EINVAL, mt_ioctl(fd, c->cmd, arg))
		{
			TH_LOG("%s flags bit 31", c->name);
		}
		if (c->reserved_off) {
			memset(arg, 0, sizeof(arg));
			arg[c->reserved_off] = 1;
			EXPECT_EQ(-EINVAL, mt_ioctl(fd, c->cmd, arg))
			{
				TH_LOG("%s reserved", c->name);
			}
		}
	}
	close(fd);
}

TEST_F(port, uapi_every_ipc_call_checks_size_before_pointer)
{
	int fd = mt_open();
	size_t i;

	ASSERT_LE(0, fd);
	for (i = 0; i < sizeof(ipc_calls) / sizeof(ipc_calls[0]); i++) {
		const struct ipc_call *c = &ipc_calls[i];
		unsigned long shorter = _IOC(_IOC_DIR(c->cmd),
					     _IOC_TYPE(c->cmd), _IOC_NR(c->cmd),
					     c->size - 8);

		EXPECT_EQ(-EFAULT, mt_ioctl(fd, c->cmd, NULL))
		{
			TH_LOG("%s NULL", c->name);
		}
		EXPECT_EQ(-EFAULT, mt_ioctl(fd, c->cmd, (void *)-4096L))
		{
			TH_LOG("%s kernel", c->name);
		}
		EXPECT_EQ(-EINVAL, mt_ioctl(fd, shorter, NULL))
		{
			TH_LOG("%s short", c->name);
		}
		EXPECT_EQ(-ENOTTY, mt_ioctl(fd,
					    _IOC(_IOC_READ, _IOC_TYPE(c->cmd),
						 _IOC_NR(c->cmd), c->size),
					    NULL))
		{
			TH_LOG("%s dir", c->name);
		}
	}
	close(fd);
}

TEST_F(port, uapi_unused_fields_must_be_zero)
{
	struct machina_port_args a;
	int fd = mt_open();

	ASSERT_LE(0, fd);
	/* mach_port_type reads task and name only. */
	memset(&a, 0, sizeof(a));
	a.task = SELF;
	a.name = self->port;
	ASSERT_EQ(KERN_SUCCESS, mt_ioctl(fd, MACHINA_IOC_PORT_TYPE, &a));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, a.value);
	a.value = 0;
	a.delta = 5;
	EXPECT_EQ(-EINVAL, mt_ioctl(fd, MACHINA_IOC_PORT_TYPE, &a));
	close(fd);
}

TEST_F(port, uapi_port_names_reports_the_full_count)
{
	struct machina_port_names pn;
	uint32_t names[2] = { 0xdead, 0xdead }, types[2] = { 0xdead, 0xdead };
	mach_port_name_t extra[8];
	int fd = mt_open(), i;

	ASSERT_LE(0, fd);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(KERN_SUCCESS,
			  mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE,
					     &extra[i]));
	memset(&pn, 0, sizeof(pn));
	pn.task = SELF;
	pn.names = (uintptr_t)names;
	pn.types = (uintptr_t)types;
	pn.capacity = 1;
	ASSERT_EQ(KERN_SUCCESS, mt_ioctl(fd, MACHINA_IOC_PORT_NAMES, &pn));
	EXPECT_LE(10, pn.count);
	EXPECT_NE(0xdead, names[0]);
	EXPECT_NE(0xdead, types[0]);
	/* Nothing beyond the capacity was written. */
	EXPECT_EQ(0xdead, names[1]);
	EXPECT_EQ(0xdead, types[1]);
	close(fd);
}

TEST_HARNESS_MAIN
