/* SPDX-License-Identifier: Apache-2.0 */
/* Both sides initiate at the same moment (both auto=start): two IKE SAs come
 * up, and both engines must keep the same one and delete the other, leaving
 * one installed Child SA per side that the tunnel sends on.  Each case runs
 * many times; the nonces, and with them the survivor, differ every time. */
#include <stdio.h>
#include <string.h>

#include "daemon/base/log.h"
#include "harness.h"

#define RUNS 50
#define FULL_LOGS 3		/* failing runs whose whole log is shown */

static const struct side_opts starts = { .autostart = "start" };

/* Phase one: IKE_SA_INIT responses are held back, so both requests arrive
 * before either response. */
static enum verdict hold_init_responses(struct net *n, struct pkt *p, void *arg)
{
	return p->hdr.exchange == IKE_SA_INIT && (p->hdr.flags & IKE_FLAG_R) ? V_HOLD : V_PASS;
}

struct cfg {
	const char *name;
	unsigned loss_pct;	/* each message lost with this probability */
	bool hold;		/* both IKE_SA_INIT requests before any response */
	int first_req;		/* whose request is delivered first (hold only) */
	int first_resp;		/* whose response is delivered first (hold only) */
	enum net_order rest;	/* the order of everything after */
};

static enum verdict lossy(struct net *n, struct pkt *p, void *arg)
{
	const struct cfg *c = arg;
	n->rng = n->rng * 1103515245u + 12345u;
	return (n->rng >> 8) % 100 < c->loss_pct ? V_DROP : V_PASS;
}

/* The last child_up/child_prefer of a side: the SA its tunnel sends on. */
static uint32_t last_selected(const struct side *s)
{
	for (unsigned i = s->n_io; i-- > 0;)
		if (s->io[i].kind == IO_UP || s->io[i].kind == IO_PREFER)
			return s->io[i].spi_in;
	return 0;
}

/* Messages sent twice with the same bytes by the same side: retransmissions
 * or answers from a cache, which a lossless network should not need. */
static unsigned repeats(const struct net *n)
{
	unsigned k = 0;
	for (size_t i = 0; i < n->ntrace; i++)
		for (size_t j = 0; j < i; j++)
			if (n->trace[i].from == n->trace[j].from && n->trace[i].len == n->trace[j].len &&
			    memcmp(n->trace[i].buf, n->trace[j].buf, n->trace[i].len) == 0) {
				k++;
				break;
			}
	return k;
}

/* No request of either side is out: a liveness check that lost a message
 * may still be retransmitting when the long wait below ends. */
static bool no_request_out(struct net *n)
{
	for (int i = 0; i < 2; i++)
		for (unsigned k = 0; k < side_n_live(&n->s[i]); k++)
			if (side_live(&n->s[i], k)->req)
				return false;
	return true;
}

static void one_run(const struct cfg *c, int run, unsigned *full_logs)
{
	struct net n;
	char name[128];

	snprintf(name, sizeof(name), "collision, %s, run %d", c->name, run);
	scenario_begin(name);
	CHECK_INT(net_init(&n, &starts, &starts), 0);
	n.rng = 0x9e3779b9u * (uint32_t)(run + 1);
	if (c->hold) {
		n.hook = hold_init_responses;
		n.order = c->first_req == SIDE_A ? ORDER_FIFO : ORDER_LIFO;
	} else {
		n.order = c->rest;
	}
	if (c->loss_pct) {
		n.hook = lossy;
		n.hook_arg = (void *)c;
	}
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	CHECK_INT(net_initiate(&n, SIDE_B), 0);
	net_run(&n);
	if (c->hold) {
		/* both requests delivered, both responses held */
		CHECK_INT(net_count(&n, -1, IKE_SA_INIT, 0), 2);
		CHECK_INT(n.nheld, 2);
		CHECK_INT(side_n_live(&n.s[SIDE_A]), 2);
		CHECK_INT(side_n_live(&n.s[SIDE_B]), 2);
		if (n.nheld == 2 && n.held[0].from != c->first_resp) {
			struct pkt t = n.held[0];
			n.held[0] = n.held[1];
			n.held[1] = t;
		}
		n.hook = NULL;
		n.order = c->rest;
		net_release(&n);
	}
	/* with loss: long enough for every retransmission and the half-open timeout */
	net_advance(&n, c->loss_pct ? 100000 : 5000);
	/* then until the exchange in flight is over (the retransmissions end
	 * any within 64 s): the checks below need both sides at rest */
	CHECK(net_run_until(&n, no_request_out, 70000));
	check_net_sane(&n);
	if (!c->loss_pct) {
		CHECK_INT(net_count(&n, SIDE_A, IKE_SA_INIT, 0), 1);
		CHECK_INT(net_count(&n, SIDE_B, IKE_SA_INIT, 0), 1);
	}
	if (check_one_tunnel(&n)) {
		const struct ike_sa *sa = side_live(&n.s[SIDE_A], 0), *sb = side_live(&n.s[SIDE_B], 0);
		for (int i = 0; i < 2; i++) {
			const struct side *s = &n.s[i];
			const struct ike_sa *x = i ? sb : sa;
			/* every Child SA that was installed is gone but the survivor's */
			CHECK_INT(s->n_up - s->n_down, 1);
			CHECK_INT(last_selected(s), x->child->spi_in);
			if (!c->loss_pct)
				CHECK_INT(s->n_conn_down, 0);
		}
	}
	unsigned r = c->loss_pct ? 0 : repeats(&n);
	if (r)
		fprintf(stderr, "  %u message(s) were sent twice on a lossless network\n", r);
	CHECK_INT(r, 0);
	net_free(&n);
	if (!scenario_end(*full_logs < FULL_LOGS))
		(*full_logs)++;
}

int main(void)
{
	static const struct cfg cfgs[] = {
		{ "requests A,B responses A,B then FIFO", 0, true, SIDE_A, SIDE_A, ORDER_FIFO },
		{ "requests A,B responses B,A then FIFO", 0, true, SIDE_A, SIDE_B, ORDER_FIFO },
		{ "requests B,A responses A,B then FIFO", 0, true, SIDE_B, SIDE_A, ORDER_FIFO },
		{ "requests B,A responses B,A then FIFO", 0, true, SIDE_B, SIDE_B, ORDER_FIFO },
		{ "requests A,B responses A,B then LIFO", 0, true, SIDE_A, SIDE_A, ORDER_LIFO },
		{ "requests A,B responses B,A then random", 0, true, SIDE_A, SIDE_B, ORDER_RANDOM },
		{ "requests B,A responses A,B then random", 0, true, SIDE_B, SIDE_A, ORDER_RANDOM },
		{ "all in random order", 0, false, 0, 0, ORDER_RANDOM },
		/* 10%: an exchange then fails all 7 tries with odds (1 - 0.9 * 0.9)^7 < 1e-5 */
		{ "random order, 10% lost", 10, false, 0, 0, ORDER_RANDOM },
		{ "FIFO, 10% lost", 10, false, 0, 0, ORDER_FIFO },
	};
	unsigned full_logs = 0;

	if (!net_test_start())
		return 1;
	scenario_quiet = true;
	for (size_t c = 0; c < sizeof(cfgs) / sizeof(cfgs[0]); c++) {
		unsigned before = check_fail_count;
		for (int run = 0; run < RUNS; run++)
			one_run(&cfgs[c], run, &full_logs);
		printf("%s  collision, %s: %d runs\n", check_fail_count == before ? "ok " : "FAIL",
		       cfgs[c].name, RUNS);
	}
	return check_summary("exchange-collision");
}
