/* SPDX-License-Identifier: Apache-2.0 */
/* What the responder asks for or refuses: INVALID_KE_PAYLOAD and COOKIE
 * (the initiator starts over), AUTHENTICATION_FAILED, NO_PROPOSAL_CHOSEN for
 * IKE and for ESP, and traffic selectors (narrowed, or TS_UNACCEPTABLE). */
#include <stdio.h>
#include <string.h>

#include "crypto/alg.h"
#include "daemon/base/log.h"
#include "daemon/ike/ts.h"
#include "harness.h"

/* A parsed copy of a traced message (the ike_msg borrows from p->buf). */
static bool parse(const struct pkt *p, struct ike_msg *m)
{
	return p && ike_msg_parse_header(p->buf, p->len, m) == IKE_OK &&
	       ike_msg_parse_payloads(m) == IKE_OK;
}

/* Nothing left: no live SA on either side, nothing installed. */
static void check_all_gone(const struct net *n)
{
	for (int i = 0; i < 2; i++) {
		if (side_n_live(&n->s[i]))
			fprintf(stderr, "  side %s still has %u IKE SA(s), first %s\n", n->s[i].name,
				side_n_live(&n->s[i]),
				ike_state_name(side_live(&n->s[i], 0)->state));
		CHECK_INT(side_n_live(&n->s[i]), 0);
		CHECK_INT(n->s[i].n_inst, 0);
	}
	CHECK(n->s[SIDE_A].conn.ike == NULL);
}

/* (5) A's ike= lists modp2048 first and modp1536 second, B has only modp1536:
 * A's KE is MODP_2048, B answers INVALID_KE_PAYLOAD(MODP_1536), A starts over
 * with MODP_1536 and the tunnel comes up with it. */
static void invalid_ke(void)
{
	static const struct side_opts a = {
		.ike = "aes_cbc256-sha2_384;modp2048,aes_cbc256-sha2_384;modp1536" };
	static const struct side_opts b = { .autostart = "add",
					    .ike = "aes_cbc256-sha2_384;modp1536" };
	static struct ike_msg m;
	struct net n;

	scenario_begin("INVALID_KE_PAYLOAD");
	CHECK_INT(net_init(&n, &a, &b), 0);
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	net_advance(&n, 3000);
	check_net_sane(&n);
	CHECK_INT(net_count(&n, SIDE_A, IKE_SA_INIT, 0), 2);
	CHECK_INT(net_count(&n, SIDE_B, IKE_SA_INIT, 1), 2);
	const struct pkt *q1 = net_find(&n, SIDE_A, IKE_SA_INIT, 0, 0);
	const struct pkt *r1 = net_find(&n, SIDE_B, IKE_SA_INIT, 1, 0);
	const struct pkt *q2 = net_find(&n, SIDE_A, IKE_SA_INIT, 0, 1);
	CHECK(q1 && q1->view.ke_group == MODP_2048);
	CHECK(q2 && q2->view.ke_group == MODP_1536);
	if (q1 && q2)	/* the same IKE SA starting over */
		CHECK(q1->hdr.spii == q2->hdr.spii);
	CHECK(parse(r1, &m));
	if (parse(r1, &m)) {
		const struct pl_notify *nt = ike_msg_notify(&m, N_INVALID_KE_PAYLOAD);
		CHECK(nt && nt->len == 2);
		if (nt && nt->len == 2)
			CHECK_INT(nt->data[0] << 8 | nt->data[1], MODP_1536);
		CHECK(!(m.outer & PL_BIT(PL_SA)));
		CHECK(m.hdr.spir == 0);
	}
	if (check_one_tunnel(&n)) {
		CHECK_INT(side_live(&n.s[SIDE_A], 0)->dh_group, MODP_1536);
		CHECK_INT(side_live(&n.s[SIDE_B], 0)->dh_group, MODP_1536);
	}
	CHECK_LOG("\"B\": asking peer for MODP_1536 (INVALID_KE_PAYLOAD)");
	CHECK_LOG("\"A\": #1: peer asked for MODP_1536: INVALID_KE_PAYLOAD, retrying");
	CHECK_INT(n.s[SIDE_A].n_conn_down, 0);
	net_free(&n);
	scenario_end(true);
}

/* COOKIE (RFC 7296 2.6): A's first IKE_SA_INIT request is answered, as a
 * responder under load would, with N(COOKIE) alone.  A must send the request
 * again with that notify first and every other payload unchanged (a stateless
 * responder computes the cookie over Ni and SPIi). */
struct cookie_state {
	bool swallowed;
	uint64_t spii;
};

static enum verdict swallow_first_init(struct net *n, struct pkt *p, void *arg)
{
	struct cookie_state *c = arg;

	if (c->swallowed || p->from != SIDE_A || p->hdr.exchange != IKE_SA_INIT)
		return V_PASS;
	c->swallowed = true;
	c->spii = p->hdr.spii;
	return V_DROP;
}

static void send_cookie(struct net *n, uint64_t spii, const uint8_t *cookie, size_t len)
{
	uint8_t out[256];
	struct ike_msgb b;
	struct ike_hdr h = { .spii = spii, .exchange = IKE_SA_INIT, .flags = IKE_FLAG_R };

	ike_msgb_init(&b, out, sizeof(out), NULL, 0, &h);
	pl_notify_build(&b, 0, NULL, 0, N_COOKIE, cookie, len);
	int mlen = ike_msgb_finish_plain(&b);
	CHECK(mlen > 0);
	if (mlen > 0)
		net_inject(n, SIDE_B, false, out, (size_t)mlen);
}

static bool same_data(const struct pl_data *x, const struct pl_data *y)
{
	return x->kind == y->kind && x->len == y->len && memcmp(x->data, y->data, x->len) == 0;
}

static void cookie(void)
{
	static const struct side_opts b = { .autostart = "add" };
	static const uint8_t ck[16] = "0123456789abcdef";
	static struct ike_msg m1, m2;
	struct cookie_state cs = { 0 };
	struct net n;

	scenario_begin("COOKIE");
	CHECK_INT(net_init(&n, NULL, &b), 0);
	n.hook = swallow_first_init;
	n.hook_arg = &cs;
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	CHECK(cs.swallowed);
	send_cookie(&n, cs.spii, ck, sizeof(ck));
	net_run(&n);
	net_advance(&n, 3000);
	check_net_sane(&n);
	CHECK_INT(net_count(&n, SIDE_A, IKE_SA_INIT, 0), 2);	/* no retransmission of the first */
	const struct pkt *q1 = net_find(&n, SIDE_A, IKE_SA_INIT, 0, 0);
	const struct pkt *q2 = net_find(&n, SIDE_A, IKE_SA_INIT, 0, 1);
	if (parse(q1, &m1) && parse(q2, &m2)) {
		CHECK_INT(m2.hdr.next, PL_NOTIFY);	/* COOKIE first */
		CHECK(m2.n_notify > 0 && m2.notify[0].type == N_COOKIE);
		const struct pl_notify *nt = ike_msg_notify(&m2, N_COOKIE);
		CHECK(nt && nt->len == sizeof(ck) && memcmp(nt->data, ck, sizeof(ck)) == 0);
		CHECK(m1.hdr.spii == m2.hdr.spii);
		/* "all other payloads unchanged": the rest of the message is the same */
		bool nonce_same = same_data(&m1.nonce, &m2.nonce);
		bool ke_same = same_data(&m1.ke, &m2.ke);
		if (!nonce_same || !ke_same)
			fprintf(stderr, "  the retried IKE_SA_INIT changed its%s%s (RFC 7296 2.6: all "
					"payloads but N(COOKIE) must be unchanged)\n",
				nonce_same ? "" : " Nonce", ke_same ? "" : " KE");
		CHECK(nonce_same);
		CHECK(ke_same);
		size_t cookie_pl = 4 + 4 + sizeof(ck);	/* generic header, notify fields, data */
		bool rest_same = m2.raw_len == m1.raw_len + cookie_pl &&
				 memcmp(m2.raw + 28 + cookie_pl, m1.raw + 28, m1.raw_len - 28) == 0;
		if (!rest_same)
			fprintf(stderr, "  the payloads after N(COOKIE) differ from the first request\n");
		CHECK(rest_same);
	} else {
		CHECK(!"both IKE_SA_INIT requests parse");
	}
	check_one_tunnel(&n);
	CHECK_INT(n.s[SIDE_A].n_conn_down, 0);
	net_free(&n);
	scenario_end(true);
}

/* (6) Different PSKs: B finds A's AUTH wrong, logs and sends
 * AUTHENTICATION_FAILED; A's conn goes down saying so; nothing installed. */
static void psk_mismatch(void)
{
	static const struct side_opts a = { .psk = "the PSK that A has, 0123456789abcdef" };
	static const struct side_opts b = { .autostart = "add",
					    .psk = "the PSK that B has, 0123456789abcdef" };
	struct net n;

	scenario_begin("PSK mismatch");
	CHECK_INT(net_init(&n, &a, &b), 0);
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	net_advance(&n, 5000);
	check_net_sane(&n);
	CHECK_LOG("\"B\": #1: AUTHENTICATION_FAILED");
	CHECK_LOG("\"A\": #1: peer refused IKE_AUTH: AUTHENTICATION_FAILED");
	const struct pkt *r = net_find(&n, SIDE_B, IKE_AUTH, 1, 0);
	CHECK(r && r->view.opened);
	if (r && r->view.opened) {
		CHECK(view_has_notify(&r->view, N_AUTHENTICATION_FAILED));
		CHECK(!(r->view.inner & (PL_BIT(PL_AUTH) | PL_BIT(PL_SA))));
	}
	CHECK_INT(net_count(&n, SIDE_A, IKE_AUTH, 0), 1);	/* no retransmission */
	CHECK_INT(net_count(&n, -1, INFORMATIONAL, -1), 0);
	CHECK_INT(n.s[SIDE_A].n_conn_down, 1);
	CHECK_CONTAINS(n.s[SIDE_A].conn_down_why, "AUTHENTICATION_FAILED");
	CHECK_INT(n.s[SIDE_A].fails[IKE_FAIL_AUTH], 1);	/* the metrics' reason="auth" */
	check_nothing_installed(&n);
	check_all_gone(&n);
	net_free(&n);
	scenario_end(true);
}

/* (6b) B answers as an ID that A's rightid= does not name: A refuses B's
 * IKE_AUTH answer and tells B in an INFORMATIONAL of its own (RFC 7296
 * 2.21.2), so that B drops the IKE SA it had established instead of
 * keeping it (and its Child SA) until DPD. */
static void responder_refused(void)
{
	static const struct side_opts a = {
		.rightid = "@not-b.example",	/* its PSK: the same for the new ID */
		.secrets2 = "198.51.100.10 @not-b.example : PSK \"exchange-test: a pre-shared key of decent length 0123456789\"\n" };
	static const struct side_opts b = { .autostart = "add" };
	struct net n;

	scenario_begin("the initiator refuses the responder's ID: the responder is told");
	CHECK_INT(net_init(&n, &a, &b), 0);
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	net_advance(&n, 5000);
	check_net_sane(&n);
	CHECK_LOG("\"A\": #1: peer identifies as 203.0.113.20, expected rightid @not-b.example");
	CHECK_LOG("\"B\": #1: peer refused our IKE_AUTH answer: AUTHENTICATION_FAILED");
	const struct pkt *i = net_find(&n, SIDE_A, INFORMATIONAL, 0, 0);
	CHECK(i && i->view.opened && view_has_notify(&i->view, N_AUTHENTICATION_FAILED));
	CHECK_INT(net_count(&n, SIDE_A, INFORMATIONAL, 0), 1);	/* once, not retransmitted */
	CHECK_INT(n.s[SIDE_A].fails[IKE_FAIL_AUTH], 1);
	CHECK_INT(n.s[SIDE_B].fails[IKE_FAIL_AUTH], 1);
	CHECK_INT(n.s[SIDE_B].n_inst, 0);	/* what B installed is gone */
	CHECK_INT(n.s[SIDE_B].n_down, 1);
	for (int s = 0; s < 2; s++)
		CHECK_INT(side_n_live(&n.s[s]), 0);
	net_free(&n);
	scenario_end(true);
}

/* (7a) Disjoint ike=: B answers IKE_SA_INIT with NO_PROPOSAL_CHOSEN. */
static void no_proposal_ike(void)
{
	static const struct side_opts b = { .autostart = "add",
					    .ike = "aes_gcm128-sha2_256;dh19" };
	struct net n;

	scenario_begin("NO_PROPOSAL_CHOSEN for IKE");
	CHECK_INT(net_init(&n, NULL, &b), 0);
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	net_advance(&n, 5000);
	check_net_sane(&n);
	const struct pkt *r = net_find(&n, SIDE_B, IKE_SA_INIT, 1, 0);
	CHECK(r && view_has_notify(&r->view, N_NO_PROPOSAL_CHOSEN));
	CHECK(r && !(r->view.outer & PL_BIT(PL_SA)));
	CHECK_INT(net_count(&n, SIDE_A, IKE_SA_INIT, 0), 1);
	CHECK_INT(net_count(&n, -1, IKE_AUTH, -1), 0);
	CHECK_LOG("\"B\": NO_PROPOSAL_CHOSEN");
	CHECK_INT(n.s[SIDE_A].n_conn_down, 1);
	CHECK_CONTAINS(n.s[SIDE_A].conn_down_why, "NO_PROPOSAL_CHOSEN");
	CHECK_INT(n.s[SIDE_A].fails[IKE_FAIL_PROPOSAL], 1);
	check_nothing_installed(&n);
	check_all_gone(&n);
	net_free(&n);
	scenario_end(true);
}

/* (7b) Disjoint phase2alg=: the IKE SA authenticates, B refuses the Child SA
 * with NO_PROPOSAL_CHOSEN, and the childless IKE SA is deleted by both. */
static void no_proposal_esp(void)
{
	static const struct side_opts a = { .esp = "aes_gcm256" };
	static const struct side_opts b = { .autostart = "add", .esp = "aes_cbc128-sha2_256" };
	struct net n;

	scenario_begin("NO_PROPOSAL_CHOSEN for ESP");
	CHECK_INT(net_init(&n, &a, &b), 0);
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	net_advance(&n, 5000);
	check_net_sane(&n);
	const struct pkt *r = net_find(&n, SIDE_B, IKE_AUTH, 1, 0);
	CHECK(r && r->view.opened);
	if (r && r->view.opened) {
		CHECK(view_has_notify(&r->view, N_NO_PROPOSAL_CHOSEN));
		CHECK(!(r->view.inner & PL_BIT(PL_SA)));
	}
	CHECK_LOG("\"B\": #1: NO_PROPOSAL_CHOSEN");
	CHECK_LOG("\"A\": #1: peer refused the Child SA: NO_PROPOSAL_CHOSEN");
	CHECK_INT(n.s[SIDE_A].n_conn_down, 1);
	if (!strstr(n.s[SIDE_A].conn_down_why, "NO_PROPOSAL_CHOSEN"))
		fprintf(stderr, "  note: A's conn_down reason is \"%s\", not the refusal\n",
			n.s[SIDE_A].conn_down_why);
	CHECK_CONTAINS(n.s[SIDE_A].conn_down_why, "NO_PROPOSAL_CHOSEN");
	CHECK_INT(n.s[SIDE_A].fails[IKE_FAIL_PROPOSAL], 1);
	check_nothing_installed(&n);
	check_all_gone(&n);
	net_free(&n);
	scenario_end(true);
}

static void check_ts(const struct ike_ts *t, const char *want)
{
	char got[96];
	ts_describe(t, got, sizeof(got));
	CHECK_STR(got, want);
}

/* (8a) Narrowing: A proposes TSi 0.0.0.0/0 (no leftsubnet), B allows only
 * rightsubnet=10.0.0.0/8.  That is not TS_UNACCEPTABLE: B narrows TSi to
 * 10.0.0.0/8, which is inside what A proposed, so A accepts it. */
static void ts_narrowed(void)
{
	static const struct side_opts a = { .rightsubnet = "10.106.0.0/16" };
	static const struct side_opts b = { .autostart = "add", .leftsubnet = "10.106.0.0/16",
					    .rightsubnet = "10.0.0.0/8" };
	struct net n;

	scenario_begin("traffic selectors narrowed");
	CHECK_INT(net_init(&n, &a, &b), 0);
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	check_net_sane(&n);
	if (check_one_tunnel(&n)) {
		const struct child_sa *ca = side_live(&n.s[SIDE_A], 0)->child;
		const struct child_sa *cb = side_live(&n.s[SIDE_B], 0)->child;
		CHECK_INT(ca->n_ts_local, 1);
		CHECK_INT(ca->n_ts_remote, 1);
		CHECK_INT(cb->n_ts_local, 1);
		CHECK_INT(cb->n_ts_remote, 1);
		check_ts(&ca->ts_local[0], "10.0.0.0/8");
		check_ts(&ca->ts_remote[0], "10.106.0.0/16");
		check_ts(&cb->ts_local[0], "10.106.0.0/16");
		check_ts(&cb->ts_remote[0], "10.0.0.0/8");
	}
	net_free(&n);
	scenario_end(true);
}

/* (8b) Disjoint selectors: nothing to narrow to, TS_UNACCEPTABLE. */
static void ts_unacceptable(void)
{
	static const struct side_opts a = { .leftsubnet = "192.168.1.0/24",
					    .rightsubnet = "192.168.2.0/24" };
	static const struct side_opts b = { .autostart = "add", .leftsubnet = "172.16.2.0/24",
					    .rightsubnet = "172.16.1.0/24" };
	struct net n;

	scenario_begin("TS_UNACCEPTABLE");
	CHECK_INT(net_init(&n, &a, &b), 0);
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	net_advance(&n, 5000);
	check_net_sane(&n);
	const struct pkt *r = net_find(&n, SIDE_B, IKE_AUTH, 1, 0);
	CHECK(r && r->view.opened && view_has_notify(&r->view, N_TS_UNACCEPTABLE));
	CHECK_LOG("\"B\": #1: TS_UNACCEPTABLE");
	CHECK_LOG("\"A\": #1: peer refused the Child SA: TS_UNACCEPTABLE");
	CHECK_INT(n.s[SIDE_A].n_conn_down, 1);
	CHECK_CONTAINS(n.s[SIDE_A].conn_down_why, "TS_UNACCEPTABLE");
	CHECK_INT(n.s[SIDE_A].fails[IKE_FAIL_PROPOSAL], 1);
	check_nothing_installed(&n);
	check_all_gone(&n);
	net_free(&n);
	scenario_end(true);
}

int main(void)
{
	if (!net_test_start())
		return 1;
	invalid_ke();
	cookie();
	psk_mismatch();
	responder_refused();
	no_proposal_ike();
	no_proposal_esp();
	ts_narrowed();
	ts_unacceptable();
	return check_summary("exchange-refusal");
}
