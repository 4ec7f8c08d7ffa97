/* SPDX-License-Identifier: Apache-2.0 */
/* esn= between two engines (RFC 7296 3.3.2, RFC 4304): every pair of
 * yes / no / either, A initiating.  Where they agree, both Child SAs say
 * the same (ESN when either side asks for it and the other allows it; that
 * the data plane gets it is test_tunnel.sh's), and a Child SA rekey keeps
 * it; yes against no (either way round) fails the Child SA with
 * NO_PROPOSAL_CHOSEN, and both logs say ESN was the reason.  Then a Child SA rekey request whose ESN
 * transforms a lying peer turned into 32-bit ones, against esn=yes: refused
 * with NO_PROPOSAL_CHOSEN, the log says why, the old Child SA carries on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "craft.h"
#include "daemon/base/log.h"
#include "harness.h"
#include "rekey_checks.h"

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

/* Every ESN transform with id 1 in the SA payload of a decrypted chain
 * becomes id 0; *arg: the chain's first payload type in, the count of
 * changes out. */
static void esn_to_32bit(uint8_t *p, size_t len, void *arg)
{
	unsigned *io = arg;
	uint8_t type = (uint8_t)*io;
	size_t off = 0;

	*io = 0;
	while (type != PL_NONE && off + 4 <= len) {
		size_t plen = (size_t)(p[off + 2] << 8 | p[off + 3]), end = off + plen;

		if (plen < 4 || end > len)
			return;
		for (size_t q = off + 4; type == PL_SA && q + 8 <= end;) {	/* proposals */
			size_t qlen = (size_t)(p[q + 2] << 8 | p[q + 3]), t = q + 8 + p[q + 6];

			if (qlen < 8 || q + qlen > end)
				return;
			while (t + 8 <= q + qlen) {				/* transforms */
				size_t tlen = (size_t)(p[t + 2] << 8 | p[t + 3]);

				if (tlen < 8)
					return;
				if (p[t + 4] == TRANS_ESN && p[t + 6] == 0 && p[t + 7] == 1) {
					p[t + 7] = 0;
					(*io)++;
				}
				t += tlen;
			}
			q += qlen;
		}
		type = p[off];
		off = end;
	}
}

struct lie {
	unsigned changed;
};

/* A's CREATE_CHILD_SA request, resealed with 32-bit ESN transforms only. */
static enum verdict rekey_without_esn(struct net *n, struct pkt *p, void *arg)
{
	struct lie *l = arg;
	uint8_t buf[4096];
	struct ike_msg m;
	struct ike_sa *sa = ike_of(n, SIDE_A);

	if (l->changed || p->from != SIDE_A || p->hdr.exchange != CREATE_CHILD_SA ||
	    (p->hdr.flags & IKE_FLAG_R) || !sa ||
	    ike_msg_parse_header(p->buf, p->len, &m) || ike_msg_parse_payloads(&m))
		return V_PASS;
	unsigned io = m.sk.first_inner;
	int len = craft_reseal(sa, p->buf, p->len, esn_to_32bit, &io, buf, sizeof(buf));
	if (len <= 0 || io == 0)
		return V_PASS;
	free(p->buf);
	p->buf = malloc((size_t)len);
	if (!p->buf)
		abort();
	memcpy(p->buf, buf, (size_t)len);
	p->len = (size_t)len;
	l->changed = io;
	return V_PASS;
}

static void rekey_refused(void)
{
	static const struct side_opts a = { .autostart = "start", .extra = "esn=yes" };
	static const struct side_opts b = { .autostart = "add", .extra = "esn=yes" };
	struct lie l = { 0 };
	struct net n;

	scenario_begin("a Child SA rekey offering only 32-bit numbers, against esn=yes");
	if (!net_up(&n, &a, &b))
		goto out;
	uint32_t old_a = ike_of(&n, SIDE_A)->child->spi_in, old_b = ike_of(&n, SIDE_B)->child->spi_in;
	n.hook = rekey_without_esn;
	n.hook_arg = &l;
	start_child_rekey(&n, SIDE_A);
	net_run(&n);
	n.hook = NULL;
	CHECK_INT(l.changed, 1);		/* A offered ESN 1 alone (esn=yes) */
	const struct pkt *r = net_find(&n, SIDE_B, CREATE_CHILD_SA, 1, 0);
	CHECK(r && r->view.opened && view_has_notify(&r->view, N_NO_PROPOSAL_CHOSEN));
	CHECK_LOG("\"B\": #1: NO_PROPOSAL_CHOSEN: peer's Child SA rekey matches phase2alg= but not "
		  "esn=yes (the peer offers ESN no)");
	CHECK_LOG("\"A\": #1: peer refused the Child SA rekey: NO_PROPOSAL_CHOSEN");
	net_advance(&n, 5000);
	if (!check_one_tunnel(&n))
		goto out;
	CHECK_INT(ike_of(&n, SIDE_A)->child->spi_in, old_a);	/* the old pair carries on */
	CHECK_INT(ike_of(&n, SIDE_B)->child->spi_in, old_b);
	CHECK(ike_of(&n, SIDE_A)->child->esn && ike_of(&n, SIDE_B)->child->esn);
	check_net_sane(&n);
out:
	net_free(&n);
	scenario_end(true);
}

int main(void)
{
	if (!net_test_start())
		return 1;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		one(&pairs[i]);
	rekey_refused();
	return check_summary("exchange-esn");
}
