/* IKE SA rekeys, driven by hand: by either side (new SPIs and keys, the Child
 * SA moved untouched, message IDs from 0, the old IKE SA deleted by the
 * rekey's initiator, the next exchanges on the new SA), a lost response, a
 * Child SA rekey queued behind an IKE SA rekey, an IKE SA rekey crossing a
 * Child SA rekey (RFC 7296 2.25.2), and both sides rekeying at once
 * (TEMPORARY_FAILURE, retried after a random 1-4 s). */
#include <stdio.h>
#include <string.h>

#include "crypto/alg.h"
#include "daemon/log.h"
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
	ike_of(&n, by)->want_dpd = true;
	ike_sa_run_queue(ike_of(&n, by));
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
	sa->want_rekey_ike = true;
	sa->want_rekey_child = sa->child->spi_in;
	ike_sa_run_queue(sa);
	net_run(&n);
	net_advance(&n, 5000);
	check_net_sane(&n);
	check_rekeyed(&n, &old);
	if (check_one_tunnel(&n)) {
		const struct ike_sa *na = ike_of(&n, SIDE_A);
		CHECK(na->spii != old.spii);
		/* the new IKE SA works: a liveness check is answered */
		size_t t1 = n.ntrace;
		ike_of(&n, SIDE_B)->want_dpd = true;
		ike_sa_run_queue(ike_of(&n, SIDE_B));
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

/* ---- (6) both sides rekey the IKE SA at once ---- */

static uint64_t orig_spii;

static bool ike_converged(struct net *n)
{
	const struct ike_sa *sa = side_live(&n->s[SIDE_A], 0), *sb = side_live(&n->s[SIDE_B], 0);
	return side_n_live(&n->s[SIDE_A]) == 1 && side_n_live(&n->s[SIDE_B]) == 1 &&
	       sa->state == IKE_S_ESTABLISHED && sb->state == IKE_S_ESTABLISHED &&
	       sa->spii == sb->spii && sa->spir == sb->spir && sa->spii != orig_spii &&
	       sa->pending == PEND_NONE && sb->pending == PEND_NONE;
}

#define IKE_SIM_BOUND_MS 40000	/* 1-4 s pauses; equal pauses collide again (p = 1/4) */

static bool ike_sim_run(bool hold, int run, unsigned *worst, unsigned *full_logs)
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
	/* the first round: each side answered the other's request TEMPORARY_FAILURE
	 * when it came while its own was out; in random order one side may have
	 * had its answer before the other request came, and accepted it */
	const struct pkt *ra = net_find(&n, SIDE_B, CREATE_CHILD_SA, 1, 0);
	const struct pkt *rb = net_find(&n, SIDE_A, CREATE_CHILD_SA, 1, 0);
	bool tfa = ra && view_has_notify(&ra->view, N_TEMPORARY_FAILURE);
	bool tfb = rb && view_has_notify(&rb->view, N_TEMPORARY_FAILURE);
	if (hold) {
		CHECK(tfa);
		CHECK(tfb);
	} else {
		CHECK(tfa || tfb);
	}
	bool ok = net_run_until(&n, ike_converged, IKE_SIM_BOUND_MS);
	unsigned took = (unsigned)(net_now_ms() - t0);
	if (!ok)
		fprintf(stderr, "  no single new IKE SA %u ms after both rekeys started\n", took);
	CHECK(ok);
	*worst = took > *worst ? took : *worst;
	net_advance(&n, 10000);	/* and it stays that way */
	check_net_sane(&n);
	if (ok) {
		int by = ike_of(&n, SIDE_A)->initiator ? SIDE_A : SIDE_B;
		check_ike_rekeyed(&n, &old, by);
	}
out:
	net_free(&n);
	bool good = scenario_end(*full_logs < 2);
	if (!good)
		(*full_logs)++;
	return good;
}

static void simultaneous_ike(void)
{
	unsigned full_logs = 0;
	bool quiet = scenario_quiet;

	scenario_quiet = true;
	for (int hold = 1; hold >= 0; hold--) {
		unsigned failed = 0, worst = 0;
		for (int run = 0; run < RUNS; run++)
			failed += !ike_sim_run(hold, run, &worst, &full_logs);
		printf("%s  simultaneous IKE SA rekeys, %s: %d runs, %u failed, slowest %.1f s\n",
		       failed ? "FAIL" : "ok  ",
		       hold ? "both requests before any response" : "random order", RUNS, failed,
		       worst / 1000.0);
	}
	scenario_quiet = quiet;
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
	log_init(true, LOG_DEBUG);
	if (!net_clock_works()) {
		fprintf(stderr, "the virtual clock does not drive libevent\n");
		return 1;
	}
	ike_rekey(SIDE_A);
	ike_rekey(SIDE_B);
	ike_rekey_lost_response();
	child_rekey_behind_ike_rekey();
	ike_rekey_crosses_child_rekey(ORDER_FIFO);
	ike_rekey_crosses_child_rekey(ORDER_LIFO);
	simultaneous_ike();
	return check_summary("exchange-ike-rekey");
}
