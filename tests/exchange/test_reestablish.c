/* SPDX-License-Identifier: Apache-2.0 */
/* A peer that sets up a second IKE SA while its first one still stands,
 * without INITIAL_CONTACT (libreswan reviving a conn it dropped without a
 * DELETE, for example when its kernel refused the Child SA).  Both SAs were
 * started by the same side, so this is no collision: the newer one is the
 * one its initiator uses, and both sides must keep it and delete the older
 * one, whatever the nonces say.  (The nonce rule of RFC 7296 2.8.1 is only
 * for two SAs started by different sides; test_collision.c.)  Nonces are
 * random, so each scenario runs several times: a rule that looked at them
 * would pick the older SA in about half of the runs. */
#include "harness.h"

#define RUNS 12

static const struct side_opts starts = { .autostart = "start" };
static const struct side_opts waits = { .autostart = "add" };

static unsigned established(const struct side *s)
{
	unsigned n = 0;

	for (struct ike_sa *sa = s->eng.sas; sa; sa = sa->next)
		n += sa->state == IKE_S_ESTABLISHED;
	return n;
}

/* A initiates, then again after delay_ms while the first SA stands. */
static void second_sa(unsigned delay_ms)
{
	struct net n;
	uint64_t first;

	if (!net_up(&n, &starts, &waits)) {
		net_free(&n);
		return;
	}
	first = side_live(&n.s[SIDE_A], 0)->spii;
	net_advance(&n, delay_ms);
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	check_net_sane(&n);
	CHECK_INT(net_count(&n, SIDE_A, IKE_SA_INIT, 0), 2);
	CHECK_INT(established(&n.s[SIDE_A]), 1);
	CHECK_INT(established(&n.s[SIDE_B]), 1);
	if (check_one_tunnel(&n)) {
		struct ike_sa *a = side_live(&n.s[SIDE_A], 0), *b = side_live(&n.s[SIDE_B], 0);

		CHECK(a->spii != first);	/* the newer SA stays */
		CHECK(b->spii == a->spii);
		CHECK(n.s[SIDE_B].conn.ike == b);
	}
	net_free(&n);
}

int main(void)
{
	if (!net_test_start())
		return 1;
	scenario_begin("the peer sets up a second IKE SA 2 s after the first");
	for (int i = 0; i < RUNS; i++)
		second_sa(2000);
	scenario_begin("the peer sets up a second IKE SA within the same second");
	for (int i = 0; i < RUNS; i++)
		second_sa(0);
	return check_summary("exchange-reestablish");
}
