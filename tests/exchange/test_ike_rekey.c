/* SPDX-License-Identifier: Apache-2.0 */
/* IKE SA rekeys, driven by hand: by either side (new SPIs and keys, the Child
 * SA moved untouched, message IDs from 0, the old IKE SA deleted by the
 * rekey's initiator, the next exchanges on the new SA), a lost response, a
 * Child SA rekey queued behind an IKE SA rekey, an IKE SA rekey crossing a
 * Child SA rekey (RFC 7296 2.25.2), and both sides rekeying at once (2.8.2:
 * both requests answered, the new IKE SA of the exchange with the lowest
 * nonce deleted by its creator, the other keeps the Child SAs; in random
 * order, with each side's nonce the lowest, with one side finishing first,
 * with a reordered DELETE), and a DELETE of the IKE SA crossing its rekey
 * (2.25.2: TEMPORARY_FAILURE for the rekey, the DELETE answered). */
#include <stdio.h>
#include <string.h>

#include "crypto/alg.h"
#include "daemon/base/log.h"
#include "harness.h"
#include "rekey_checks.h"

#define RUNS 50

/* ---- (5) IKE SA rekey ---- */

/* The IKE SA was rekeyed: new SPIs and keys; the Child SA untouched; the old
 * IKE SA gone on both sides, deleted by the rekey's initiator. */
static void check_ike_rekeyed(struct net *n, const struct snap *old, int by)
{
	if (!check_one_tunnel(n))
		return;
	const struct ike_sa *sa = ike_of(n, SIDE_A), *sb = ike_of(n, SIDE_B);
	CHECK(sa->spii != old->spii && sa->spir != old->spir);
	CHECK(sa->spii != old->spir && sa->spir != old->spii);
	CHECK(sa->initiator == (by == SIDE_A));	/* the rekey's initiator is the new one's */
	for (int i = 0; i < 2; i++) {
		const struct ike_sa *x = i ? sb : sa;
		const struct side *s = &n->s[i];
		CHECK(x->keys.sk_d->len != old->sk_d_len[i] ||
		      memcmp(x->keys.sk_d->buf, old->sk_d[i], old->sk_d_len[i]) != 0);
		/* the Child SA moved, the data plane saw nothing */
		CHECK_INT(x->child->spi_in, old->in[i]);
		CHECK_INT(x->child->spi_out, old->out[i]);
		CHECK(x->child->ike == x);
		CHECK_INT(s->n_io, old->io[i]);
		CHECK_INT(s->n_conn_down, 0);
		CHECK_INT(n_children(x), 1);
	}
	/* the old IKE SA's DELETE, from the rekey's initiator, on the old SPIs */
	const struct pkt *d = NULL;
	for (unsigned k = 0; (d = net_find(n, by, INFORMATIONAL, 0, k)); k++)
		if (d->hdr.spii == old->spii)
			break;
	CHECK(d && d->view.n_delete == 1 && d->view.delete_proto == PROTO_IKE);
	CHECK_INT(net_count(n, !by, INFORMATIONAL, 0), 0);
}

static bool on_spis(const struct pkt *p, const struct ike_sa *sa)
{
	return p && sa && p->hdr.spii == sa->spii && p->hdr.spir == sa->spir;
}

static void ike_rekey(int by)
{
	struct net n;
	struct snap old, mid;
	char name[64];

	snprintf(name, sizeof(name), "IKE SA rekey by %s", side_name[by]);
	scenario_begin(name);
	if (!bring_up(&n, &a_pfs, &b_pfs))
		goto out;
	snap_take(&n, &old);
	start_ike_rekey(&n, by);
	net_run(&n);
	check_net_sane(&n);
	CHECK_INT(net_count(&n, by, CREATE_CHILD_SA, 0), 1);
	const struct pkt *q = net_find(&n, by, CREATE_CHILD_SA, 0, 0);
	const struct pkt *a = net_find(&n, !by, CREATE_CHILD_SA, 1, 0);
	CHECK(q && q->view.opened && !(q->view.inner & PL_BIT(PL_TSI)) &&
	      !view_has_notify(&q->view, N_REKEY_SA));
	CHECK_INT(q ? q->view.ke_group : 0, MODP_1536);
	CHECK_INT(a ? a->view.ke_group : 0, MODP_1536);
	check_ike_rekeyed(&n, &old, by);
	CHECK_INT(n.s[by].rekeys[IKE_REKEY_IKE][IKE_REKEY_BY_HAND], 1);	/* the metrics' */
	CHECK_INT(n.s[!by].rekeys[IKE_REKEY_IKE][IKE_REKEY_BY_PEER], 1);
	CHECK_INT(n.s[by].rekeys[IKE_REKEY_CHILD][IKE_REKEY_BY_HAND], 0);
	const struct ike_sa *sa = ike_of(&n, SIDE_A), *sb = ike_of(&n, SIDE_B);
	if (!sa || !sb || sa->state != IKE_S_ESTABLISHED)
		goto out;
	/* message IDs start again at 0 on the new IKE SA */
	CHECK_INT(sa->next_msgid, 0);
	CHECK_INT(sa->peer_msgid, 0);
	CHECK_INT(sb->next_msgid, 0);
	CHECK_INT(sb->peer_msgid, 0);

	/* the next exchanges run on the new IKE SA: a liveness check, then a
	 * Child SA rekey by the other side */
	size_t t1 = n.ntrace;
	sa = ike_of(&n, by);
	ike_of(&n, by)->want.dpd = true;
	ike_exchange_run_queue(ike_of(&n, by));
	net_run(&n);
	CHECK_INT(n.ntrace - t1, 2);
	const struct pkt *lq = n.ntrace > t1 ? &n.trace[t1] : NULL;
	const struct pkt *la = n.ntrace > t1 + 1 ? &n.trace[t1 + 1] : NULL;
	CHECK(on_spis(lq, sa) && lq->hdr.exchange == INFORMATIONAL && lq->hdr.msgid == 0 &&
	      lq->view.opened && lq->view.n_delete == 0);
	CHECK(on_spis(la, sa) && (la->hdr.flags & IKE_FLAG_R) && la->hdr.msgid == 0);
	snap_take(&n, &mid);
	size_t t2 = n.ntrace;
	start_child_rekey(&n, !by);
	net_run(&n);
	check_rekeyed(&n, &mid);
	const struct pkt *cq = n.ntrace > t2 ? &n.trace[t2] : NULL;
	CHECK(on_spis(cq, ike_of(&n, SIDE_A)) && cq->hdr.exchange == CREATE_CHILD_SA &&
	      cq->hdr.msgid == 0 && cq->from == !by);
	check_net_sane(&n);
out:
	net_free(&n);
	scenario_end(true);
}

/* A Child SA rekey comes due while the IKE SA rekey is in flight: it must
 * still happen (on the new IKE SA), and nothing may be lost. */
static void child_rekey_behind_ike_rekey(void)
{
	struct net n;
	struct snap old;

	scenario_begin("Child SA rekey queued behind an IKE SA rekey");
	if (!bring_up(&n, &a_pfs, &b_pfs))
		goto out;
	snap_take(&n, &old);
	struct ike_sa *sa = ike_of(&n, SIDE_A);
	sa->want.rekey_ike = true;
	sa->want.rekey_child = sa->child->spi_in;
	ike_exchange_run_queue(sa);
	net_run(&n);
	net_advance(&n, 5000);
	check_net_sane(&n);
	check_rekeyed(&n, &old);
	if (check_one_tunnel(&n)) {
		const struct ike_sa *na = ike_of(&n, SIDE_A);
		CHECK(na->spii != old.spii);
		/* the new IKE SA works: a liveness check is answered */
		size_t t1 = n.ntrace;
		ike_of(&n, SIDE_B)->want.dpd = true;
		ike_exchange_run_queue(ike_of(&n, SIDE_B));
		net_run(&n);
		CHECK_INT(n.ntrace - t1, 2);
		CHECK(n.ntrace > t1 + 1 && (n.trace[t1 + 1].hdr.flags & IKE_FLAG_R) &&
		      n.trace[t1 + 1].view.opened);
		/* no refusal on the way */
		for (unsigned k = 0; k < net_count(&n, SIDE_B, CREATE_CHILD_SA, 1); k++) {
			const struct pkt *a = net_find(&n, SIDE_B, CREATE_CHILD_SA, 1, k);
			if (a->view.n_notify)
				fprintf(stderr, "  B's CREATE_CHILD_SA response %u carries notify %s\n",
					k, ike_notify_name(a->view.notify[0]));
			CHECK_INT(a->view.n_notify, 0);
		}
	}
out:
	net_free(&n);
	scenario_end(true);
}

/* A rekeys the IKE SA while B rekeys the Child SA (RFC 7296 2.25.2): both
 * must end on one new IKE SA with one new Child SA pair, whatever arrives
 * first (the engine may refuse one exchange and retry it later). */
static void ike_rekey_crosses_child_rekey(enum net_order order)
{
	struct net n;
	struct snap old;

	scenario_begin(order == ORDER_FIFO
			       ? "IKE SA rekey by A crosses a Child SA rekey by B (A's first)"
			       : "IKE SA rekey by A crosses a Child SA rekey by B (B's first)");
	if (!bring_up(&n, &a_pfs, &b_pfs))
		goto out;
	snap_take(&n, &old);
	n.order = order;
	start_ike_rekey(&n, SIDE_A);
	start_child_rekey(&n, SIDE_B);
	net_run(&n);
	n.order = ORDER_FIFO;
	net_advance(&n, 15000);
	check_net_sane(&n);
	check_rekeyed(&n, &old);
	check_no_blackhole(&n);
	if (check_one_tunnel(&n))
		CHECK(ike_of(&n, SIDE_A)->spii != old.spii);
	if (check_fail_count != scenario_fail_before)
		net_dump_io(&n);
out:
	net_free(&n);
	scenario_end(true);
}

/* ---- (6) both sides rekey the IKE SA at once (RFC 7296 2.8.2, 2.25.2) ---- */

/* Every IKE SA object of a side, dead ones not freed yet included. */
static unsigned n_objects(const struct side *s)
{
	unsigned k = 0;
	for (const struct ike_sa *sa = s->eng.sas; sa; sa = sa->next)
		k++;
	return k;
}

/* The same side sent these bytes before: a retransmission. */
static bool resent(const struct net *n, const struct pkt *p)
{
	for (const struct pkt *q = n->trace; q < p; q++)
		if (q->from == p->from && same_bytes(q, p))
			return true;
	return false;
}

static bool on_old(const struct pkt *p, const struct snap *old)
{
	return p->hdr.spii == old->spii && p->hdr.spir == old->spir;
}

/* IKE SA DELETE requests from a side (-1 either), first sends only, on the
 * old IKE SA (old_sa) or on a new one. */
static unsigned ike_deletes(const struct net *n, int from, const struct snap *old, bool old_sa)
{
	unsigned k = 0;
	for (size_t i = 0; i < n->ntrace; i++) {
		const struct pkt *p = &n->trace[i];
		if (p->hdr.exchange == INFORMATIONAL && !(p->hdr.flags & IKE_FLAG_R) &&
		    (from < 0 || p->from == from) && on_old(p, old) == old_sa && !resent(n, p) &&
		    p->view.n_delete == 1 && p->view.delete_proto == PROTO_IKE)
			k++;
	}
	return k;
}

/* A new IKE SA that is deleted is deleted by its initiator (the I flag), and
 * is not the survivor. */
static void check_new_deletes(const struct net *n, const struct snap *old,
			      const struct ike_sa *keep)
{
	for (size_t i = 0; i < n->ntrace; i++) {
		const struct pkt *p = &n->trace[i];
		if (p->hdr.exchange != INFORMATIONAL || (p->hdr.flags & IKE_FLAG_R) ||
		    on_old(p, old) || p->view.n_delete != 1 || p->view.delete_proto != PROTO_IKE)
			continue;
		CHECK(p->hdr.flags & IKE_FLAG_I);
		CHECK(!keep || p->hdr.spii != keep->spii || p->hdr.spir != keep->spir);
	}
}

/* Requests of an exchange a side sent, first sends only. */
static unsigned first_sends(const struct net *n, int from, unsigned exchange)
{
	unsigned k = 0;
	for (size_t i = 0; i < n->ntrace; i++)
		k += n->trace[i].from == from && n->trace[i].hdr.exchange == exchange &&
		     !(n->trace[i].hdr.flags & IKE_FLAG_R) && !resent(n, &n->trace[i]);
	return k;
}

static unsigned tf_answers(const struct net *n)
{
	unsigned k = 0;
	for (size_t i = 0; i < n->ntrace; i++)
		k += n->trace[i].hdr.exchange == CREATE_CHILD_SA &&
		     view_has_notify(&n->trace[i].view, N_TEMPORARY_FAILURE);
	return k;
}

/* The side whose rekey exchange holds the lowest of the four nonces, i.e.
 * whose new IKE SA is redundant (2.8.2); -1 when a nonce is not in the trace.
 * Worked out here from the messages, not with the engine's helpers. */
static int redundant_side(const struct net *n)
{
	const uint8_t *lo[2] = { NULL, NULL };

	for (int s = 0; s < 2; s++) {
		const struct pkt *q = net_find(n, s, CREATE_CHILD_SA, 0, 0);
		const struct pkt *r = net_find(n, !s, CREATE_CHILD_SA, 1, 0);
		if (!q || !r || q->view.nonce_len != 32 || r->view.nonce_len != 32)
			return -1;
		lo[s] = memcmp(q->view.nonce, r->view.nonce, 32) < 0 ? q->view.nonce : r->view.nonce;
	}
	return memcmp(lo[SIDE_A], lo[SIDE_B], 32) < 0 ? SIDE_A : SIDE_B;
}

/* After any IKE SA rekey collision: one new IKE SA on both sides, made by
 * keep_by's rekey, with the Child SA moved untouched (the data plane saw
 * nothing), the old IKE SA deleted once, by keep_by, nothing else left, no
 * rekey retried, and the next rekey a lifetime away. */
static void check_collision_end(struct net *n, const struct snap *old, int keep_by)
{
	if (!check_one_tunnel(n))
		return;
	const struct ike_sa *keep = ike_of(n, keep_by);
	CHECK(keep->initiator);
	CHECK(keep->spii != old->spii && keep->spir != old->spir);
	for (int i = 0; i < 2; i++) {
		const struct ike_sa *x = ike_of(n, i);
		const struct side *s = &n->s[i];
		CHECK_INT(x->child->spi_in, old->in[i]);
		CHECK_INT(x->child->spi_out, old->out[i]);
		CHECK(x->child->ike == x);
		CHECK_INT(n_children(x), 1);
		CHECK_INT(s->n_io, old->io[i]);
		CHECK_INT(s->n_conn_down, 0);
		CHECK_INT(n_objects(s), 1);	/* the old and the redundant one freed */
		CHECK(x->rekey_at - ike_engine_now() > 3600);	/* no retry armed: ikelifetime */
		CHECK_INT(first_sends(n, i, CREATE_CHILD_SA), 1);
		CHECK(!x->rk.held && x->rk.passive == 0);
	}
	CHECK_INT(ike_deletes(n, keep_by, old, true), 1);
	CHECK_INT(ike_deletes(n, !keep_by, old, true), 0);
	CHECK_INT(ike_deletes(n, keep_by, old, false), 0);
	check_new_deletes(n, old, keep);
	check_no_blackhole(n);
}

static uint64_t orig_spii;

static bool ike_converged(struct net *n)
{
	const struct ike_sa *sa = side_live(&n->s[SIDE_A], 0), *sb = side_live(&n->s[SIDE_B], 0);
	return side_n_live(&n->s[SIDE_A]) == 1 && side_n_live(&n->s[SIDE_B]) == 1 &&
	       sa->state == IKE_S_ESTABLISHED && sb->state == IKE_S_ESTABLISHED &&
	       sa->spii == sb->spii && sa->spir == sb->spir && sa->spii != orig_spii &&
	       sa->pending == PEND_NONE && sb->pending == PEND_NONE;
}

/* The peer's redundant IKE SA waits at most 30 s for its DELETE: when a
 * reordered DELETE of the old IKE SA overtook the answer that would have
 * made the peer create it, it never comes. */
#define IKE_SIM_BOUND_MS 35000

struct sim_stats {
	unsigned runs, failed, worst_ms, redundant[2], undetected;
};

/* Both sides start an IKE SA rekey at the same moment.  hold: both requests
 * arrive before either response (both sides see the collision), else random
 * order (one side may finish before the other's request arrives). */
static void ike_sim_run(bool hold, int run, struct sim_stats *st, unsigned *full_logs)
{
	struct net n;
	struct snap old;
	char name[128];

	snprintf(name, sizeof(name), "simultaneous IKE SA rekeys, %s, run %d",
		 hold ? "both requests before any response" : "random order", run);
	scenario_begin(name);
	if (!bring_up(&n, &a_pfs, &b_pfs))
		goto out;
	snap_take(&n, &old);
	orig_spii = old.spii;
	n.rng = 0x9e3779b9u * (uint32_t)(run + 7);
	if (hold)
		n.hook = hold_ccs_responses;
	else
		n.order = ORDER_RANDOM;
	uint64_t t0 = net_now_ms();
	start_ike_rekey(&n, SIDE_A);
	start_ike_rekey(&n, SIDE_B);
	net_run(&n);
	if (hold) {
		CHECK_INT(n.nheld, 2);
		n.hook = NULL;
		net_release(&n);
		net_run(&n);
	}
	bool ok = net_run_until(&n, ike_converged, IKE_SIM_BOUND_MS);
	unsigned took = (unsigned)(net_now_ms() - t0);
	if (!ok)
		fprintf(stderr, "  no single new IKE SA %u ms after both rekeys started\n", took);
	CHECK(ok);
	st->worst_ms = took > st->worst_ms ? took : st->worst_ms;
	net_advance(&n, 10000);	/* and it stays that way */
	check_net_sane(&n);
	if (!ok)
		goto out;
	int keep_by = ike_of(&n, SIDE_A)->initiator ? SIDE_A : SIDE_B;
	int loser = redundant_side(&n);
	check_collision_end(&n, &old, keep_by);
	unsigned redundant_deletes = ike_deletes(&n, -1, &old, false);
	CHECK(redundant_deletes <= 1);
	if (hold) {
		/* both saw the collision: the nonces decide, nobody refused */
		CHECK_INT(tf_answers(&n), 0);
		CHECK(loser >= 0);
		if (loser >= 0) {
			CHECK_INT(keep_by, !loser);
			st->redundant[loser]++;
		}
		CHECK_INT(ike_deletes(&n, loser, &old, false), 1);
	} else if (redundant_deletes == 1) {
		CHECK(loser >= 0 && keep_by == !loser);	/* its creator deleted the redundant one */
		if (loser >= 0)
			st->redundant[loser]++;
	} else {
		st->undetected++;	/* one side finished first, or its answer came too late */
	}
	if (check_fail_count != scenario_fail_before)
		net_dump_io(&n);
out:
	net_free(&n);
	st->runs++;
	if (!scenario_end(*full_logs < 2)) {
		st->failed++;
		(*full_logs)++;
	}
}

static void simultaneous_ike(void)
{
	unsigned full_logs = 0;
	bool quiet = scenario_quiet;

	scenario_quiet = true;
	for (int hold = 1; hold >= 0; hold--) {
		struct sim_stats st = { 0 };
		/* the nonces are random: run until each side's new IKE SA was the
		 * redundant one a few times (both orderings of the nonces) */
		for (int run = 0; run < 4 * RUNS; run++) {
			if (run >= RUNS && st.redundant[SIDE_A] >= 3 && st.redundant[SIDE_B] >= 3)
				break;
			ike_sim_run(hold, run, &st, &full_logs);
		}
		bool both = st.redundant[SIDE_A] > 0 && st.redundant[SIDE_B] > 0;
		if (hold)
			check_report(both, __FILE__, __LINE__, "each side lost the nonce comparison");
		printf("%s  simultaneous IKE SA rekeys, %s: %u runs, %u failed; redundant: A's %u, "
		       "B's %u, none (one side finished first) %u; slowest %.1f s\n",
		       st.failed || (hold && !both) ? "FAIL" : "ok  ",
		       hold ? "both requests before any response" : "random order", st.runs,
		       st.failed, st.redundant[SIDE_A], st.redundant[SIDE_B], st.undetected,
		       st.worst_ms / 1000.0);
	}
	scenario_quiet = quiet;
}

/* Both sides rekey the IKE SA at once while a Child SA rekey waits behind
 * A's: the queued rekey follows the Child SA to whichever new IKE SA
 * survives and happens there, once.  Run until each side's new IKE SA was
 * the redundant one. */
static void simultaneous_with_child_queued(int loser)
{
	struct net n;
	struct snap old;
	char name[128];
	int tries = 0;

	snprintf(name, sizeof(name),
		 "simultaneous IKE SA rekeys, a Child SA rekey queued on A, %s's new IKE SA redundant",
		 side_name[loser]);
	scenario_begin(name);
	for (;;) {
		if (!bring_up(&n, &a_pfs, &b_pfs))
			goto out;
		snap_take(&n, &old);
		n.hook = hold_ccs_responses;
		struct ike_sa *sa = ike_of(&n, SIDE_A);
		sa->want.rekey_ike = true;
		sa->want.rekey_child = sa->child->spi_in;
		ike_exchange_run_queue(sa);
		start_ike_rekey(&n, SIDE_B);
		net_run(&n);
		CHECK_INT(n.nheld, 2);
		n.hook = NULL;
		net_release(&n);
		net_advance(&n, 5000);
		if (redundant_side(&n) == loser || ++tries == 64)
			break;
		net_free(&n);
	}
	check_net_sane(&n);
	CHECK_INT(redundant_side(&n), loser);
	check_rekeyed(&n, &old);
	check_no_blackhole(&n);
	if (check_one_tunnel(&n)) {
		const struct ike_sa *keep = ike_of(&n, !loser);
		CHECK(keep->initiator && keep->spii != old.spii);
		CHECK_INT(first_sends(&n, SIDE_A, CREATE_CHILD_SA), 2);	/* IKE, then Child */
		CHECK_INT(first_sends(&n, SIDE_B, CREATE_CHILD_SA), 1);
		CHECK_INT(tf_answers(&n), 0);
		CHECK_INT(ike_deletes(&n, !loser, &old, true), 1);
		CHECK_INT(ike_deletes(&n, loser, &old, false), 1);
		for (int i = 0; i < 2; i++)
			CHECK_INT(n_objects(&n.s[i]), 1);
	}
out:
	net_free(&n);
	scenario_end(true);
}

/* ---- (7) collisions in a fixed order, one message at a time ---- */

/* Every message is held but the one step() lets through. */
struct stepper {
	unsigned pass_seq;
};

static enum verdict hold_all_but(struct net *n, struct pkt *p, void *arg)
{
	const struct stepper *st = arg;
	return p->seq == st->pass_seq ? V_PASS : V_HOLD;
}

/* Deliver the first held message from side from of this exchange (request
 * or response) and run; whatever it causes is held.  false: none held. */
static bool step(struct net *n, int from, unsigned exchange, bool response)
{
	struct stepper *st = n->hook_arg;
	size_t i = 0;

	while (i < n->nheld && (n->held[i].from != from || n->held[i].hdr.exchange != exchange ||
				!(n->held[i].hdr.flags & IKE_FLAG_R) != !response))
		i++;
	if (i == n->nheld) {
		fprintf(stderr, "  expected a held %s %s from %s; none was held\n",
			ike_exchange_name(exchange), response ? "response" : "request", side_name[from]);
		return false;
	}
	struct pkt p = n->held[i];
	size_t rest = n->nheld - 1;
	struct pkt *save = malloc((rest + 1) * sizeof(*save));
	if (!save)
		return false;
	memcpy(save, n->held, i * sizeof(*save));
	memcpy(save + i, n->held + i + 1, (rest - i) * sizeof(*save));
	n->held[0] = p;
	n->nheld = 1;
	net_release(n);	/* only p goes back into the queue */
	memcpy(n->held, save, rest * sizeof(*save));
	n->nheld = rest;
	free(save);
	st->pass_seq = p.seq;
	net_run(n);
	return true;
}

static void step_mode(struct net *n, struct stepper *st)
{
	st->pass_seq = 0;
	n->hook = hold_all_but;
	n->hook_arg = st;
}

/* 2.8.2's special case: A's rekey completes before B's request reaches it.
 * A answers that request TEMPORARY_FAILURE (the IKE SA is being closed) and
 * deletes the old IKE SA; B, which answered A's request while its own was
 * out, keeps A's new IKE SA and forgets its own rekey, whichever of the two
 * messages comes first. */
static void one_side_finished_first(bool delete_first)
{
	struct net n;
	struct snap old;
	struct stepper st;

	scenario_begin(delete_first
			       ? "A's rekey completes before B's request arrives; A's DELETE reaches B first"
			       : "A's rekey completes before B's request arrives; A's refusal reaches B first");
	if (!bring_up(&n, &a_pfs, &b_pfs))
		goto out;
	snap_take(&n, &old);
	step_mode(&n, &st);
	start_ike_rekey(&n, SIDE_A);
	start_ike_rekey(&n, SIDE_B);
	net_run(&n);
	CHECK_INT(n.nheld, 2);
	CHECK(step(&n, SIDE_A, CREATE_CHILD_SA, false));	/* B answers, holds A's new SA */
	CHECK(ike_of(&n, SIDE_B) && ike_of(&n, SIDE_B)->rk.held);
	CHECK(step(&n, SIDE_B, CREATE_CHILD_SA, true));	/* A: rekeyed; DELETE of the old */
	CHECK(step(&n, SIDE_B, CREATE_CHILD_SA, false));	/* A: TEMPORARY_FAILURE */
	if (delete_first) {
		CHECK(step(&n, SIDE_A, INFORMATIONAL, false));	/* B answers; its old SA goes */
		CHECK(step(&n, SIDE_A, CREATE_CHILD_SA, true));	/* for an SA B no longer has */
	} else {
		CHECK(step(&n, SIDE_A, CREATE_CHILD_SA, true));	/* B: the peer's rekey stands */
		CHECK(!ike_of(&n, SIDE_B)->rk.held);
		const struct pkt *tf = net_find(&n, SIDE_A, CREATE_CHILD_SA, 1, 0);
		CHECK(tf && view_has_notify(&tf->view, N_TEMPORARY_FAILURE));
		CHECK(step(&n, SIDE_A, INFORMATIONAL, false));
	}
	n.hook = NULL;
	net_release(&n);
	net_advance(&n, 10000);
	check_net_sane(&n);
	CHECK_LOG("peer's IKE SA rekey answered TEMPORARY_FAILURE: this IKE SA is rekeyed already");
	check_ike_rekeyed(&n, &old, SIDE_A);
	check_collision_end(&n, &old, SIDE_A);
	CHECK_INT(ike_deletes(&n, -1, &old, false), 0);	/* no redundant IKE SA was made */
out:
	net_free(&n);
	scenario_end(true);
}

/* A holds back a DELETE of an IKE SA that is not the old one: its own
 * redundant new one. */
static bool a_deletes_new(const struct net *n, const struct snap *old)
{
	for (size_t i = 0; i < n->nheld; i++)
		if (n->held[i].from == SIDE_A && n->held[i].hdr.exchange == INFORMATIONAL &&
		    !on_old(&n->held[i], old))
			return true;
	return false;
}

/* A collision where the DELETE of the redundant IKE SA overtakes the answer
 * that tells its receiver about the collision: the held IKE SA hears nothing
 * until then, and the DELETE is taken when retransmitted. */
static void redundant_delete_overtakes(void)
{
	struct net n;
	struct snap old;
	struct stepper st;
	int tries = 0;

	scenario_begin("collision: the redundant IKE SA's DELETE overtakes the last answer");
	/* the nonces are random: try until A's new IKE SA is the redundant one */
	for (;;) {
		if (!bring_up(&n, &a_pfs, &b_pfs))
			goto out;
		snap_take(&n, &old);
		step_mode(&n, &st);
		start_ike_rekey(&n, SIDE_A);
		start_ike_rekey(&n, SIDE_B);
		net_run(&n);
		CHECK(step(&n, SIDE_A, CREATE_CHILD_SA, false));	/* B answers A's */
		CHECK(step(&n, SIDE_B, CREATE_CHILD_SA, false));	/* A answers B's */
		CHECK(step(&n, SIDE_B, CREATE_CHILD_SA, true));	/* A decides */
		if (a_deletes_new(&n, &old) || ++tries == 64)
			break;
		net_free(&n);
	}
	CHECK(a_deletes_new(&n, &old));
	/* A deletes its redundant SA; B's copy is held: the DELETE is not heard */
	CHECK(step(&n, SIDE_A, INFORMATIONAL, false));
	CHECK(ike_of(&n, SIDE_B)->rk.held);
	CHECK_INT(side_n_live(&n.s[SIDE_B]), 2);	/* the old and the held one */
	CHECK(step(&n, SIDE_A, CREATE_CHILD_SA, true));	/* B decides: its own survives */
	n.hook = NULL;
	net_release(&n);
	net_advance(&n, 10000);
	check_net_sane(&n);
	CHECK_INT(redundant_side(&n), SIDE_A);
	check_collision_end(&n, &old, SIDE_B);
	CHECK_INT(ike_deletes(&n, SIDE_A, &old, false), 1);
	CHECK_INT(tf_answers(&n), 0);
out:
	net_free(&n);
	scenario_end(true);
}

/* RFC 7296 2.25.2: B deletes the IKE SA while A's rekey of it is out.  B
 * answers the rekey TEMPORARY_FAILURE (it is closing the SA); A answers the
 * DELETE as usual and forgets its rekey: no new IKE SA on either side, no
 * retry, nothing left. */
static void delete_crosses_rekey(bool delete_first)
{
	struct net n;
	struct stepper st;

	scenario_begin(delete_first ? "B deletes the IKE SA while A rekeys it (B's DELETE first)"
				    : "B deletes the IKE SA while A rekeys it (A's request first)");
	if (!bring_up(&n, &a_pfs, &b_pfs))
		goto out;
	step_mode(&n, &st);
	start_ike_rekey(&n, SIDE_A);
	ike_info_send_delete(ike_of(&n, SIDE_B));
	net_run(&n);
	CHECK_INT(n.nheld, 2);
	if (delete_first) {
		CHECK(step(&n, SIDE_B, INFORMATIONAL, false));	/* A answers; its SA goes */
		CHECK_INT(side_n_live(&n.s[SIDE_A]), 0);
		CHECK(step(&n, SIDE_A, CREATE_CHILD_SA, false));	/* B: TEMPORARY_FAILURE */
	} else {
		CHECK(step(&n, SIDE_A, CREATE_CHILD_SA, false));	/* B: TEMPORARY_FAILURE */
		CHECK(step(&n, SIDE_B, CREATE_CHILD_SA, true));
		const struct pkt *tf = net_find(&n, SIDE_B, CREATE_CHILD_SA, 1, 0);
		CHECK(tf && view_has_notify(&tf->view, N_TEMPORARY_FAILURE));
		CHECK(step(&n, SIDE_B, INFORMATIONAL, false));	/* A answers; its SA goes */
	}
	n.hook = NULL;
	net_release(&n);
	net_advance(&n, 10000);	/* past any 1-4 s retry */
	check_net_sane(&n);
	CHECK_LOG("peer's IKE SA rekey answered TEMPORARY_FAILURE: we are deleting this IKE SA");
	const struct pkt *ans = net_find(&n, SIDE_A, INFORMATIONAL, 1, 0);
	CHECK(ans != NULL);
	CHECK_INT(net_count(&n, SIDE_B, CREATE_CHILD_SA, 1), 1);	/* the refusal, nothing else */
	CHECK_INT(first_sends(&n, SIDE_A, CREATE_CHILD_SA), 1);
	CHECK(!log_has("rekeyed into"));
	for (int i = 0; i < 2; i++) {
		CHECK_INT(side_n_live(&n.s[i]), 0);
		CHECK_INT(n_objects(&n.s[i]), 0);
		CHECK_INT(n.s[i].n_conn_down, 1);
		CHECK_INT(n.s[i].n_inst, 0);
	}
out:
	net_free(&n);
	scenario_end(true);
}

/* A lost IKE SA rekey response: the request is repeated and answered from the
 * cache; B makes one new IKE SA, not two. */
static void ike_rekey_lost_response(void)
{
	struct net n;
	struct snap old;
	struct drop_first d = { CREATE_CHILD_SA, true, 0 };

	scenario_begin("IKE SA rekey: response lost, request retransmitted");
	if (!bring_up(&n, &a_pfs, &b_pfs))
		goto out;
	snap_take(&n, &old);
	n.hook = drop_first_one;
	n.hook_arg = &d;
	start_ike_rekey(&n, SIDE_A);
	net_advance(&n, 2000);
	check_net_sane(&n);
	CHECK_INT(d.dropped, 1);
	CHECK_INT(net_count(&n, SIDE_A, CREATE_CHILD_SA, 0), 2);
	CHECK(same_bytes(net_find(&n, SIDE_B, CREATE_CHILD_SA, 1, 0),
			 net_find(&n, SIDE_B, CREATE_CHILD_SA, 1, 1)));
	check_ike_rekeyed(&n, &old, SIDE_A);
out:
	net_free(&n);
	scenario_end(true);
}

int main(void)
{
	if (!net_test_start())
		return 1;
	ike_rekey(SIDE_A);
	ike_rekey(SIDE_B);
	ike_rekey_lost_response();
	child_rekey_behind_ike_rekey();
	ike_rekey_crosses_child_rekey(ORDER_FIFO);
	ike_rekey_crosses_child_rekey(ORDER_LIFO);
	simultaneous_ike();
	simultaneous_with_child_queued(SIDE_A);
	simultaneous_with_child_queued(SIDE_B);
	one_side_finished_first(true);
	one_side_finished_first(false);
	redundant_delete_overtakes();
	delete_crosses_rekey(true);
	delete_crosses_rekey(false);
	return check_summary("exchange-ike-rekey");
}
