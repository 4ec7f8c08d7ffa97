/* SPDX-License-Identifier: Apache-2.0 */
/* Anti-replay window (RFC 4303 3.4.3; block ring as in RFC 6479): fixed
 * cases at the edges, then a long randomized run against a plain model. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "daemon/dataplane/replay.h"

/* Check, then record when accepted, as the ESP receive path does. */
static bool accept(struct replay *r, uint32_t seq)
{
	if (!replay_check(r, seq))
		return false;
	replay_update(r, seq);
	return true;
}

static void test_zero_and_first(void)
{
	struct replay r;

	replay_init(&r);
	CHECK(!replay_check(&r, 0));
	CHECK(accept(&r, 1));
	CHECK(!replay_check(&r, 1));
	CHECK(!replay_check(&r, 0));
	CHECK_INT(r.top, 1);
}

static void test_in_order(void)
{
	struct replay r;
	unsigned ok = 0, dup = 0;

	replay_init(&r);
	for (uint32_t s = 1; s <= 20000; s++) {
		ok += accept(&r, s);
		dup += accept(&r, s);
	}
	CHECK_INT(ok, 20000);
	CHECK_INT(dup, 0);
	CHECK_INT(r.top, 20000);
}

/* Everything inside the window, received backwards, is accepted once. */
static void test_out_of_order(void)
{
	struct replay r;
	uint32_t top = 10000;
	unsigned ok = 0, again = 0;

	replay_init(&r);
	CHECK(accept(&r, top));
	for (uint32_t s = top - 1; s > top - REPLAY_WINDOW; s--)
		ok += accept(&r, s);
	for (uint32_t s = top; s > top - REPLAY_WINDOW; s--)
		again += accept(&r, s);
	CHECK_INT(ok, REPLAY_WINDOW - 1);
	CHECK_INT(again, 0);
	CHECK_INT(r.top, top);
}

static void test_window_edge(void)
{
	struct replay r;
	uint32_t top = 50000;

	CHECK(REPLAY_WINDOW >= 1024);
	CHECK_INT(REPLAY_WINDOW, 4096);
	replay_init(&r);
	CHECK(accept(&r, top));
	CHECK(!replay_check(&r, top - REPLAY_WINDOW));		/* just too old */
	CHECK(!replay_check(&r, top - REPLAY_WINDOW - 1));
	CHECK(!replay_check(&r, 1));
	CHECK(accept(&r, top - REPLAY_WINDOW + 1));		/* the oldest allowed */
	/* One step up pushes that oldest one out and lets nothing new in below. */
	CHECK(accept(&r, top + 1));
	CHECK(!replay_check(&r, top - REPLAY_WINDOW + 1));
	CHECK(accept(&r, top - REPLAY_WINDOW + 2));
}

/* A jump of exactly the ring size lands in the slot of old seen numbers:
 * those bits must have been cleared. */
static void test_ring_reuse(void)
{
	struct replay r;
	uint32_t jump = REPLAY_BLOCKS * REPLAY_BLOCK_BITS;
	unsigned ok = 0;

	replay_init(&r);
	for (uint32_t s = 1; s <= 2 * REPLAY_BLOCK_BITS; s++)
		accept(&r, s);
	CHECK(accept(&r, jump + 5));
	for (uint32_t s = jump; s < jump + 5; s++)
		ok += accept(&r, s);
	CHECK_INT(ok, 5);
	/* Block 1 (seqs 64..127) shares no slot with the new top, and the part
	 * of it still inside the window keeps its bits. */
	CHECK(!replay_check(&r, 127));
	CHECK(!replay_check(&r, 64));				/* too old now */
}

static void test_large_jumps(void)
{
	struct replay r;

	replay_init(&r);
	CHECK(accept(&r, 3));
	CHECK(accept(&r, 1000000));
	CHECK(!replay_check(&r, 3));
	CHECK(accept(&r, 1000000 - 100));
	CHECK(accept(&r, 1000000 - REPLAY_WINDOW + 1));
	CHECK(accept(&r, UINT32_MAX - 1));
	CHECK(accept(&r, UINT32_MAX));
	CHECK(!replay_check(&r, UINT32_MAX));
	CHECK(accept(&r, UINT32_MAX - 2));
	CHECK(!replay_check(&r, 1000000 - 100));
	CHECK(!replay_check(&r, 0));
}

/* The model: a flat "seen" array and the plain RFC 4303 rule. */
#define MODEL_MAX (1u << 24)

struct model {
	uint32_t top;
	uint8_t *seen;
};

static bool model_accept(struct model *m, uint32_t seq)
{
	if (seq == 0 || m->seen[seq])
		return false;
	if (seq <= m->top && m->top - seq >= REPLAY_WINDOW)
		return false;
	m->seen[seq] = 1;
	if (seq > m->top)
		m->top = seq;
	return true;
}

static uint32_t next_rand(uint64_t *state)
{
	*state = *state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*state >> 33);
}

/* Mostly near the top (in order, reordered, duplicated, too old), with
 * occasional jumps of one to a few ring sizes. */
static uint32_t pick_seq(uint64_t *st, uint32_t top)
{
	uint32_t r = next_rand(st) % 100;
	int64_t s;

	if (r < 50)
		s = (int64_t)top + 1 + next_rand(st) % 4;
	else if (r < 90)
		s = (int64_t)top - next_rand(st) % (REPLAY_WINDOW + 200);
	else if (r < 99)
		s = (int64_t)top + next_rand(st) % 300;
	else
		s = (int64_t)top + next_rand(st) % (3 * REPLAY_WINDOW + 100);
	if (s < 0)
		s = 0;
	return s >= MODEL_MAX ? MODEL_MAX - 1 : (uint32_t)s;
}

static void test_against_model(void)
{
	struct model m = { .top = 0, .seen = calloc(MODEL_MAX, 1) };
	struct replay r;
	uint64_t st = 0x5eed;
	unsigned mismatches = 0, accepted = 0;

	replay_init(&r);
	for (int i = 0; i < 1000000 && m.top < MODEL_MAX - 20000; i++) {
		uint32_t seq = pick_seq(&st, m.top);
		bool want = model_accept(&m, seq), got = accept(&r, seq);

		mismatches += want != got;
		accepted += got;
	}
	CHECK_INT(mismatches, 0);
	CHECK(accepted > 100000);	/* the run exercised the window for real */
	CHECK_INT(r.top, m.top);
	free(m.seen);
}

int main(void)
{
	test_zero_and_first();
	test_in_order();
	test_out_of_order();
	test_window_edge();
	test_ring_reuse();
	test_large_jumps();
	test_against_model();
	return check_summary("esp-replay");
}
