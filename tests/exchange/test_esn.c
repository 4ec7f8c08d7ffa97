/* SPDX-License-Identifier: Apache-2.0 */
/* esn= between two engines (RFC 7296 3.3.2, RFC 4304): every pair of
 * yes / no / either, A initiating.  Where they agree, both Child SAs and
 * what the data plane got say the same (ESN when either side asks for it
 * and the other allows it), and a Child SA rekey keeps it; yes against no
 * (either way round) fails the Child SA with NO_PROPOSAL_CHOSEN, and both
 * logs say ESN was the reason. */
#include <stdio.h>
#include <string.h>

#include "daemon/base/log.h"
#include "harness.h"

struct pair {
	const char *a, *b;	/* A's and B's esn= (NULL: not written, the default) */
	int want;		/* 1 ESN, 0 32-bit, -1 NO_PROPOSAL_CHOSEN */
};

static const struct pair pairs[] = {
	{ NULL, NULL, 1 },		/* either / either */
	{ "either", "either", 1 },
	{ "yes", "yes", 1 },
	{ "yes", "either", 1 },
	{ "either", "yes", 1 },
	{ "no", "no", 0 },
	{ "no", "either", 0 },
	{ "either", "no", 0 },
	{ "yes", "no", -1 },
	{ "no", "yes", -1 },
};

static void agreed(struct net *n, bool esn)
{
	struct ike_sa *sa = n->s[SIDE_A].conn.ike, *sb = n->s[SIDE_B].conn.ike;

	if (!check_one_tunnel(n))
		return;
	CHECK_INT(sa->child->esn, esn);
	CHECK_INT(sb->child->esn, esn);
	CHECK_INT(log_has("out, ESN"), esn);	/* in the established lines */
	/* The rekey negotiates again, from the same esn=: the same answer. */
	uint32_t old = sa->child->spi_in;
	CHECK_INT(ike_engine_request_rekey(&n->s[SIDE_A].eng, &n->s[SIDE_A].conn, IKE_REKEY_CHILD),
		  IKE_REQ_OK);
	net_run(n);
	net_advance(n, 10000);
	if (!check_one_tunnel(n))
		return;
	CHECK(n->s[SIDE_A].conn.ike->child->spi_in != old);
	CHECK_INT(n->s[SIDE_A].conn.ike->child->esn, esn);
	CHECK_INT(n->s[SIDE_B].conn.ike->child->esn, esn);
}

static void refused(struct net *n, const struct pair *p)
{
	char line[160];

	check_net_sane(n);
	const struct pkt *r = net_find(n, SIDE_B, IKE_AUTH, 1, 0);
	CHECK(r && r->view.opened);
	if (r && r->view.opened)
		CHECK(view_has_notify(&r->view, N_NO_PROPOSAL_CHOSEN));
	snprintf(line, sizeof(line),
		 "\"B\": #1: NO_PROPOSAL_CHOSEN: the peer's ESP proposals match phase2alg= but not "
		 "esn=%s (the peer offers ESN %s)", p->b, p->a);
	CHECK(log_has(line));
	if (!log_has(line))
		fprintf(stderr, "  expected the line \"%s\"\n", line);
	snprintf(line, sizeof(line),
		 "\"A\": #1: peer refused the Child SA: NO_PROPOSAL_CHOSEN (we offer only esn=%s)", p->a);
	CHECK(log_has(line));
	if (!log_has(line))
		fprintf(stderr, "  expected the line \"%s\"\n", line);
	CHECK_INT(n->s[SIDE_A].fails[IKE_FAIL_PROPOSAL], 1);
	check_nothing_installed(n);
}

static void one(const struct pair *p)
{
	char title[64], ea[32], eb[32];
	struct side_opts a = { .autostart = "start" }, b = { .autostart = "add" };
	struct net n;

	snprintf(title, sizeof(title), "esn=%s against esn=%s", p->a ? p->a : "(default)",
		 p->b ? p->b : "(default)");
	scenario_begin(title);
	if (p->a) {
		snprintf(ea, sizeof(ea), "esn=%s", p->a);
		a.extra = ea;
	}
	if (p->b) {
		snprintf(eb, sizeof(eb), "esn=%s", p->b);
		b.extra = eb;
	}
	CHECK_INT(net_init(&n, &a, &b), 0);
	if (n.base) {
		CHECK_INT(net_initiate(&n, SIDE_A), 0);
		net_run(&n);
		net_advance(&n, 5000);
		if (p->want >= 0)
			agreed(&n, p->want == 1);
		else
			refused(&n, p);
	}
	net_free(&n);
	scenario_end(true);
}

int main(void)
{
	if (!net_test_start())
		return 1;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		one(&pairs[i]);
	return check_summary("exchange-esn");
}
