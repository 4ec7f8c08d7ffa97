/* SPDX-License-Identifier: Apache-2.0 */
/* Child SA rekeys, driven by hand: by either side with and without PFS
 * (make before break, seen in the order of the fake data plane's calls), the
 * responder's switch when the initiator's DELETE is late, simultaneous rekeys
 * (RFC 7296 2.8.1's nonce rule, many runs and delivery orders), a rekey
 * crossing a DELETE, INVALID_KE_PAYLOAD in a rekey, and lost CREATE_CHILD_SA
 * messages.  IKE SA rekeys are in test_ike_rekey.c, lifetimes (the engines
 * rekeying by themselves) in test_rekey_auto.c. */
#include <stdio.h>
#include <string.h>

#include "crypto/alg.h"
#include "daemon/base/log.h"
#include "harness.h"
#include "rekey_checks.h"

#define RUNS 50

/* ---- (1) one side rekeys the Child SA ---- */

static void child_rekey(int by, bool pfs)
{
	int r = !by;
	struct net n;
	struct snap old;
	char name[96];

	snprintf(name, sizeof(name), "Child SA rekey by %s, %s PFS", side_name[by],
		 pfs ? "with" : "without");
	scenario_begin(name);
	if (!bring_up(&n, pfs ? &a_pfs : &a_nopfs, pfs ? &b_pfs : &b_nopfs))
		goto out;
	snap_take(&n, &old);
	uint64_t t0 = net_now_ms();
	start_child_rekey(&n, by);
	net_run(&n);
	check_net_sane(&n);
	check_rekeyed(&n, &old);
	check_no_blackhole(&n);
	/* what the metrics count: one Child SA rekey on each side, by hand on
	 * the side that asked, by the peer on the other */
	CHECK_INT(n.s[by].rekeys[IKE_REKEY_CHILD][IKE_REKEY_BY_HAND], 1);
	CHECK_INT(n.s[r].rekeys[IKE_REKEY_CHILD][IKE_REKEY_BY_PEER], 1);
	CHECK_INT(n.s[by].rekeys[IKE_REKEY_CHILD][IKE_REKEY_BY_PEER], 0);
	CHECK_INT(n.s[r].rekeys[IKE_REKEY_CHILD][IKE_REKEY_BY_HAND], 0);
	CHECK_INT(n.s[by].rekeys[IKE_REKEY_IKE][IKE_REKEY_BY_HAND], 0);

	/* on the wire: one CREATE_CHILD_SA with REKEY_SA (the old inbound SPI of
	 * its sender), a KE payload both ways exactly with PFS, then the old pair's DELETE */
	CHECK_INT(net_count(&n, by, CREATE_CHILD_SA, 0), 1);
	CHECK_INT(net_count(&n, r, CREATE_CHILD_SA, 1), 1);
	CHECK_INT(net_count(&n, r, CREATE_CHILD_SA, 0), 0);
	const struct pkt *q = net_find(&n, by, CREATE_CHILD_SA, 0, 0);
	const struct pkt *a = net_find(&n, r, CREATE_CHILD_SA, 1, 0);
	CHECK(q && q->view.opened && view_has_notify(&q->view, N_REKEY_SA));
	CHECK(q && q->view.rekey_spi == old.in[by]);
	CHECK(q && (q->view.inner & PL_BIT(PL_TSI)) && (q->view.inner & PL_BIT(PL_TSR)));
	CHECK_INT(q ? q->view.ke_group : 99, pfs ? MODP_1536 : 0);
	CHECK_INT(a ? a->view.ke_group : 99, pfs ? MODP_1536 : 0);
	CHECK(a && a->view.opened && a->view.n_notify == 0);
	CHECK_INT(net_count(&n, by, INFORMATIONAL, 0), 1);
	CHECK_INT(net_count(&n, r, INFORMATIONAL, 1), 1);
	CHECK_INT(net_count(&n, r, INFORMATIONAL, 0), 0);
	const struct pkt *d = net_find(&n, by, INFORMATIONAL, 0, 0);
	CHECK(d && d->view.n_delete == 1 && d->view.delete_proto == PROTO_ESP);
	CHECK(d && d->view.delete_spi == old.in[by]);
	const struct pkt *da = net_find(&n, r, INFORMATIONAL, 1, 0);
	CHECK(da && da->view.delete_spi == old.in[r]);

	/* make before break, in the order of the data plane calls */
	struct ike_sa *si = ike_of(&n, by);
	if (si && si->child) {
		const struct side *I = &n.s[by], *R = &n.s[r];
		uint32_t new_r_in = si->child->spi_out;
		const struct io_rec *r_up = side_io_find(R, IO_UP, new_r_in, old.io[r]);
		const struct io_rec *i_use = side_io_first_use(I, new_r_in);
		const struct io_rec *r_stop = side_io_stop_use(R, old.out[r], old.io[r]);
		const struct io_rec *i_down = side_io_find(I, IO_DOWN, old.in[by], old.io[by]);
		const struct io_rec *i_stop = side_io_stop_use(I, old.out[by], old.io[by]);
		const struct io_rec *r_down = side_io_find(R, IO_DOWN, old.in[r], old.io[r]);
		CHECK(r_up && r_up->standby);	/* the responder keeps sending on the old SA */
		CHECK_BEFORE(r_up, i_use, "responder installs its new inbound SA before the "
					  "initiator sends on it");
		CHECK_BEFORE(r_stop, i_down, "responder stops sending on the old SA before the "
					     "initiator removes its inbound half");
		CHECK_BEFORE(i_stop, r_down, "initiator stops sending on the old SA before the "
					     "responder removes its inbound half");
		/* the responder switched on the DELETE, not after its 10 s wait */
		const struct io_rec *r_use = side_io_first_use(R, si->child->spi_in);
		CHECK(r_use && r_use->ms == t0);
	}
	CHECK_LOG("established by rekey");

	/* nothing more happens: no second switch, no further exchange */
	size_t before = n.ntrace;
	unsigned io_a = n.s[SIDE_A].n_io, io_b = n.s[SIDE_B].n_io;
	net_advance(&n, 15000);
	CHECK_INT(n.ntrace, before);
	CHECK_INT(n.s[SIDE_A].n_io, io_a);
	CHECK_INT(n.s[SIDE_B].n_io, io_b);
	check_one_tunnel(&n);
out:
	net_free(&n);
	scenario_end(true);
}

/* ---- (1b) the initiator's DELETE of the old pair is late ---- */

static enum verdict drop_info_requests_early(struct net *n, struct pkt *p, void *arg)
{
	const uint64_t *until = arg;
	return p->hdr.exchange == INFORMATIONAL && !(p->hdr.flags & IKE_FLAG_R) &&
			       net_now_ms() < *until ? V_DROP : V_PASS;
}

/* B (the responder) switches to the new outbound SA when traffic arrives on
 * the new inbound one (after about 1 s), or, with no traffic, after 10 s. */
static void responder_switch(bool traffic)
{
	struct net n;
	struct snap old;
	uint64_t until;

	scenario_begin(traffic ? "rekey responder switches on traffic (DELETE lost)"
			       : "rekey responder switches after 10 s (DELETE lost, no traffic)");
	if (!bring_up(&n, &a_pfs, &b_pfs))
		goto out;
	snap_take(&n, &old);
	n.s[SIDE_B].traffic = traffic;
	uint64_t t0 = net_now_ms();
	until = t0 + 12000;	/* A's DELETE retransmissions until then are lost */
	n.hook = drop_info_requests_early;
	n.hook_arg = &until;
	start_child_rekey(&n, SIDE_A);
	net_run(&n);
	const struct ike_sa *sb = ike_of(&n, SIDE_B);
	CHECK_INT(n_children(sb), 2);
	CHECK_INT(n.s[SIDE_B].dp_out, old.out[SIDE_B]);	/* still the old one */
	net_advance(&n, 20000);
	check_net_sane(&n);
	check_rekeyed(&n, &old);
	check_no_blackhole(&n);
	CHECK(n.s[SIDE_B].n_idle_calls > 0);
	sb = ike_of(&n, SIDE_B);
	if (sb && sb->child) {
		const struct io_rec *use = side_io_first_use(&n.s[SIDE_B], sb->child->spi_out);
		unsigned want = traffic ? 1000 : 10000;
		CHECK(use != NULL);
		CHECK_INT(use ? use->kind : 0, IO_PREFER);
		CHECK_INT(use ? use->ms - t0 : 0, want);
		/* B's old inbound half stays until A's DELETE arrives (first try after 12 s) */
		const struct io_rec *down = side_io_find(&n.s[SIDE_B], IO_DOWN, old.in[SIDE_B], 0);
		CHECK(down && down->ms >= until);
	}
	CHECK(net_count(&n, SIDE_A, INFORMATIONAL, 0) >= 2);	/* retransmitted */
out:
	net_free(&n);
	scenario_end(true);
}

/* ---- (3) both sides rekey the Child SA at the same instant ---- */

enum sim_order {
	SIM_HOLD_A_FIRST,	/* both requests delivered, then both responses, A's first */
	SIM_HOLD_B_FIRST,
	SIM_A_DONE_FIRST,	/* A's exchange (and its DELETE) before B's request arrives */
	SIM_B_DONE_FIRST,
	SIM_RANDOM,
	SIM_LIFO,
};

static const char *const sim_name[] = {
	"both requests before any response, A's response first",
	"both requests before any response, B's response first",
	"A's exchange completes before B's request arrives",
	"B's exchange completes before A's request arrives",
	"random order",
	"LIFO order",
};

static enum verdict hold_request_of(struct net *n, struct pkt *p, void *arg)
{
	const int *side = arg;
	return p->from == *side && p->hdr.exchange == CREATE_CHILD_SA && !(p->hdr.flags & IKE_FLAG_R)
		       ? V_HOLD : V_PASS;
}

static int nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	return c ? c : (alen > blen) - (alen < blen);
}

static const uint8_t *low(const struct pkt_view *x, const struct pkt_view *y, size_t *len)
{
	bool xl = nonce_cmp(x->nonce, x->nonce_len, y->nonce, y->nonce_len) < 0;
	*len = xl ? x->nonce_len : y->nonce_len;
	return xl ? x->nonce : y->nonce;
}

/* Both exchanges created a Child SA: the one created by A's request ("X")
 * survives iff its lowest nonce is above the lowest of the other ("Y"). */
static void check_nonce_rule(struct net *n)
{
	const struct pkt *qa = net_find(n, SIDE_A, CREATE_CHILD_SA, 0, 0);
	const struct pkt *ra = net_find(n, SIDE_B, CREATE_CHILD_SA, 1, 0);
	const struct pkt *qb = net_find(n, SIDE_B, CREATE_CHILD_SA, 0, 0);
	const struct pkt *rb = net_find(n, SIDE_A, CREATE_CHILD_SA, 1, 0);
	const struct ike_sa *sa = ike_of(n, SIDE_A), *sb = ike_of(n, SIDE_B);

	if (!qa || !ra || !qb || !rb || !sa || !sa->child || !sb || !sb->child) {
		CHECK(!"all four CREATE_CHILD_SA messages and both survivors");
		return;
	}
	CHECK(qa->view.nonce_len && ra->view.nonce_len && qb->view.nonce_len && rb->view.nonce_len);
	size_t lx, ly;
	const uint8_t *nx = low(&qa->view, &ra->view, &lx), *ny = low(&qb->view, &rb->view, &ly);
	bool x_survives = nonce_cmp(nx, lx, ny, ly) > 0;
	bool a_kept_x = sa->child->we_initiated, b_kept_x = !sb->child->we_initiated;
	if (a_kept_x != x_survives || b_kept_x != x_survives)
		fprintf(stderr, "  expected the Child SA created by %s's request to survive (lowest "
				"nonce in the other); A kept %s's, B kept %s's\n",
			x_survives ? "A" : "B", a_kept_x ? "A" : "B", b_kept_x ? "A" : "B");
	CHECK(a_kept_x == x_survives);
	CHECK(b_kept_x == x_survives);
	/* the loser's creator deleted it, the survivor's creator deleted the old SA:
	 * one Child SA DELETE from each side */
	CHECK_INT(net_count(n, SIDE_A, INFORMATIONAL, 0), 1);
	CHECK_INT(net_count(n, SIDE_B, INFORMATIONAL, 0), 1);
	const struct pkt *dl = net_find(n, x_survives ? SIDE_B : SIDE_A, INFORMATIONAL, 0, 0);
	const struct pkt *dold = net_find(n, x_survives ? SIDE_A : SIDE_B, INFORMATIONAL, 0, 0);
	CHECK(dl && dl->view.delete_proto == PROTO_ESP);
	CHECK(dold && dold->view.delete_proto == PROTO_ESP);
	/* the old one: its SPI is what REKEY_SA named */
	CHECK(dold && dold->view.delete_spi == (x_survives ? qa : qb)->view.rekey_spi);
}

static bool sim_run(enum sim_order o, int run, unsigned *full_logs)
{
	struct net n;
	struct snap old;
	char name[160];
	int held_side = o == SIM_A_DONE_FIRST ? SIDE_B : SIDE_A;

	snprintf(name, sizeof(name), "simultaneous Child SA rekeys, %s, run %d", sim_name[o], run);
	scenario_begin(name);
	if (!bring_up(&n, &a_pfs, &b_pfs))
		goto out;
	snap_take(&n, &old);
	n.rng = 0x2545f491u * (uint32_t)(run + 1);
	switch (o) {
	case SIM_HOLD_A_FIRST:
	case SIM_HOLD_B_FIRST:
		n.hook = hold_ccs_responses;
		break;
	case SIM_A_DONE_FIRST:
	case SIM_B_DONE_FIRST:
		n.hook = hold_request_of;
		n.hook_arg = &held_side;
		break;
	case SIM_RANDOM:
		n.order = ORDER_RANDOM;
		break;
	case SIM_LIFO:
		n.order = ORDER_LIFO;
		break;
	}
	start_child_rekey(&n, SIDE_A);
	start_child_rekey(&n, SIDE_B);
	net_run(&n);
	if (o == SIM_HOLD_A_FIRST || o == SIM_HOLD_B_FIRST) {
		CHECK_INT(n.nheld, 2);
		int first = o == SIM_HOLD_A_FIRST ? SIDE_A : SIDE_B;
		/* "A's response" answers A's request: it comes from B */
		if (n.nheld == 2 && n.held[0].from == first) {
			struct pkt t = n.held[0];
			n.held[0] = n.held[1];
			n.held[1] = t;
		}
	} else if (o == SIM_A_DONE_FIRST || o == SIM_B_DONE_FIRST) {
		CHECK_INT(n.nheld, 1);
	}
	n.hook = NULL;
	net_release(&n);
	net_advance(&n, 15000);
	check_net_sane(&n);
	check_rekeyed(&n, &old);
	check_no_blackhole(&n);
	CHECK_INT(net_count(&n, SIDE_A, CREATE_CHILD_SA, 0), 1);
	CHECK_INT(net_count(&n, SIDE_B, CREATE_CHILD_SA, 0), 1);
	if (o == SIM_HOLD_A_FIRST || o == SIM_HOLD_B_FIRST) {
		check_nonce_rule(&n);
	} else if (o == SIM_A_DONE_FIRST || o == SIM_B_DONE_FIRST) {
		/* the late request names a Child SA being deleted */
		const struct pkt *nf = net_find(&n, o == SIM_A_DONE_FIRST ? SIDE_A : SIDE_B,
						CREATE_CHILD_SA, 1, 0);
		CHECK(nf && view_has_notify(&nf->view, N_CHILD_SA_NOT_FOUND));
	}
	for (int i = 0; i < 2; i++)	/* no SA installed twice, none left behind */
		CHECK(n.s[i].n_up == 2 || n.s[i].n_up == 3);
	if (check_fail_count != scenario_fail_before && *full_logs < 2)
		net_dump_io(&n);
out:
	net_free(&n);
	bool ok = scenario_end(*full_logs < 2);
	if (!ok)
		(*full_logs)++;
	return ok;
}

static void simultaneous_child(void)
{
	unsigned full_logs = 0;
	bool quiet = scenario_quiet;

	scenario_quiet = true;
	for (enum sim_order o = SIM_HOLD_A_FIRST; o <= SIM_LIFO; o++) {
		unsigned failed = 0;
		full_logs = 0;
		for (int run = 0; run < RUNS; run++)
			failed += !sim_run(o, run, &full_logs);
		printf("%s  simultaneous Child SA rekeys, %s: %d runs, %u failed\n",
		       failed ? "FAIL" : "ok  ", sim_name[o], RUNS, failed);
	}
	scenario_quiet = quiet;
}

/* ---- (4) A rekeys the Child SA while B's DELETE for it is on the way ---- */

static void rekey_crosses_delete(enum net_order order)
{
	struct net n;
	struct snap old;

	scenario_begin(order == ORDER_FIFO ? "Child rekey crosses a DELETE (rekey arrives first)"
					   : "Child rekey crosses a DELETE (DELETE arrives first)");
	if (!bring_up(&n, &a_pfs, &b_pfs))
		goto out;
	snap_take(&n, &old);
	n.order = order;
	start_child_rekey(&n, SIDE_A);
	struct ike_sa *sb = ike_of(&n, SIDE_B);
	ike_info_send_delete_child(sb, sb->child);
	net_run(&n);
	net_advance(&n, 15000);
	check_net_sane(&n);
	/* B refuses to rekey what it is deleting; nobody installs a new pair.
	 * When the DELETE goes first, B's IKE SA (without a Child SA) may be
	 * gone before the rekey request arrives: then it is not answered at all. */
	const struct pkt *a = net_find(&n, SIDE_B, CREATE_CHILD_SA, 1, 0);
	if (order == ORDER_FIFO || a) {
		CHECK(a && a->view.opened && view_has_notify(&a->view, N_CHILD_SA_NOT_FOUND));
		CHECK_LOG("\"A\": #1: peer refused the Child SA rekey: CHILD_SA_NOT_FOUND");
	}
	CHECK_INT(net_count(&n, SIDE_A, CREATE_CHILD_SA, 0), 1);
	for (int i = 0; i < 2; i++) {
		const struct side *s = &n.s[i];
		CHECK_INT(s->n_up, 1);
		CHECK_INT(s->n_down, 1);
		CHECK_INT(s->n_inst, 0);
		/* without its Child SA the IKE SA goes too, on both sides alike */
		CHECK_INT(side_n_live(s), 0);
		CHECK_INT(s->n_conn_down, 1);
	}
out:
	net_free(&n);
	scenario_end(true);
}

/* ---- (8) INVALID_KE_PAYLOAD in a Child SA rekey ---- */

static void rekey_invalid_ke(void)
{
	static const struct side_opts a = { .autostart = "start",
					    .esp = "aes_gcm256;modp2048,aes_gcm256;modp1536" };
	static const struct side_opts b = { .autostart = "add", .esp = "aes_gcm256;modp1536" };
	struct net n;
	struct snap old;

	scenario_begin("INVALID_KE_PAYLOAD in a Child SA rekey");
	if (!bring_up(&n, &a, &b))
		goto out;
	snap_take(&n, &old);
	start_child_rekey(&n, SIDE_A);
	net_run(&n);
	check_net_sane(&n);
	check_rekeyed(&n, &old);
	check_no_blackhole(&n);
	CHECK_INT(net_count(&n, SIDE_A, CREATE_CHILD_SA, 0), 2);
	CHECK_INT(net_count(&n, SIDE_B, CREATE_CHILD_SA, 1), 2);
	const struct pkt *q1 = net_find(&n, SIDE_A, CREATE_CHILD_SA, 0, 0);
	const struct pkt *r1 = net_find(&n, SIDE_B, CREATE_CHILD_SA, 1, 0);
	const struct pkt *q2 = net_find(&n, SIDE_A, CREATE_CHILD_SA, 0, 1);
	const struct pkt *r2 = net_find(&n, SIDE_B, CREATE_CHILD_SA, 1, 1);
	CHECK_INT(q1 ? q1->view.ke_group : 0, MODP_2048);
	CHECK(r1 && view_has_notify(&r1->view, N_INVALID_KE_PAYLOAD));
	CHECK(r1 && !(r1->view.inner & PL_BIT(PL_SA)));
	CHECK_INT(q2 ? q2->view.ke_group : 0, MODP_1536);
	CHECK(q2 && q2->view.rekey_spi == old.in[SIDE_A]);
	CHECK_INT(r2 ? r2->view.ke_group : 0, MODP_1536);
	CHECK(q1 && q2 && q2->hdr.msgid == q1->hdr.msgid + 1);
	/* B installed nothing for the refused request */
	CHECK_INT(n.s[SIDE_B].n_up, 2);
	CHECK_LOG("rekeying Child SA #2 with PFS MODP_2048");
	CHECK_LOG("rekeying Child SA #2 with PFS MODP_1536");
out:
	net_free(&n);
	scenario_end(true);
}

/* ---- (9) a lost CREATE_CHILD_SA request or response ---- */

static void rekey_lost(bool response)
{
	struct net n;
	struct snap old;
	struct drop_first d = { CREATE_CHILD_SA, response, 0 };

	scenario_begin(response ? "Child rekey: response lost, request retransmitted"
				: "Child rekey: request lost, retransmitted");
	if (!bring_up(&n, &a_pfs, &b_pfs))
		goto out;
	snap_take(&n, &old);
	n.hook = drop_first_one;
	n.hook_arg = &d;
	uint64_t t0 = net_now_ms();
	start_child_rekey(&n, SIDE_A);
	net_run(&n);
	CHECK_INT(d.dropped, 1);
	net_advance(&n, 2000);
	check_net_sane(&n);
	check_rekeyed(&n, &old);
	check_no_blackhole(&n);
	CHECK_INT(net_count(&n, SIDE_A, CREATE_CHILD_SA, 0), 2);
	const struct pkt *q1 = net_find(&n, SIDE_A, CREATE_CHILD_SA, 0, 0);
	const struct pkt *q2 = net_find(&n, SIDE_A, CREATE_CHILD_SA, 0, 1);
	CHECK(same_bytes(q1, q2));
	CHECK_INT(q2 ? q2->sent_ms - t0 : 0, 500);
	/* B answered the repeat from its cache: one new pair on B, not two */
	CHECK_INT(net_count(&n, SIDE_B, CREATE_CHILD_SA, 1), response ? 2 : 1);
	if (response)
		CHECK(same_bytes(net_find(&n, SIDE_B, CREATE_CHILD_SA, 1, 0),
				 net_find(&n, SIDE_B, CREATE_CHILD_SA, 1, 1)));
	CHECK_INT(n.s[SIDE_B].n_up, 2);
	CHECK_INT(n.s[SIDE_A].n_up, 2);
out:
	net_free(&n);
	scenario_end(true);
}

int main(void)
{
	if (!net_test_start())
		return 1;
	child_rekey(SIDE_A, true);
	child_rekey(SIDE_B, true);
	child_rekey(SIDE_A, false);
	child_rekey(SIDE_B, false);
	responder_switch(true);
	responder_switch(false);
	rekey_invalid_ke();
	rekey_lost(false);
	rekey_lost(true);
	rekey_crosses_delete(ORDER_FIFO);
	rekey_crosses_delete(ORDER_LIFO);
	simultaneous_child();
	return check_summary("exchange-rekey");
}
