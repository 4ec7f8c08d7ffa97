/* SPDX-License-Identifier: Apache-2.0 */
/* IKE SA rekeying with CREATE_CHILD_SA (RFC 7296 1.3.2, 2.18): a new IKE SA
 * with fresh SPIs and keys from SK_d and a new DH exchange; the Child SAs move
 * over and the rekey's initiator deletes the old IKE SA.
 *
 * Both sides rekeying at once (2.8.2, 2.25.2): each answers the other's
 * request as usual, so two new IKE SAs exist.  The one made by the exchange
 * holding the lowest of the four nonces is redundant: its initiator deletes
 * it (a DELETE sent on that new SA), the other new SA keeps the Child SAs,
 * and its initiator deletes the old IKE SA.  Until our own request's answer
 * tells which one survives, the new IKE SA we made as responder is held: it
 * already holds the Child SAs (a DELETE of the old IKE SA may come first and
 * must not take them along), but it sends nothing and hears nothing.  If our
 * request is refused, or the old IKE SA goes before its answer comes, the
 * peer completed its rekey without seeing ours, and the held one survives.
 * A rekey request is still answered TEMPORARY_FAILURE while a Child SA
 * exchange of ours is out (it would finish on the old SA) and while we close
 * or have already replaced the IKE SA. */
#include "daemon/ike/engine.h"

#include <event2/event.h>
#include <string.h>

#include "conf/conf.h"
#include "crypto/alg.h"
#include "crypto/dh.h"
#include "crypto/rand.h"
#include "crypto/secret.h"
#include "daemon/base/log.h"
#include "daemon/ike/proposal.h"
#include "daemon/base/bytes.h"

#define HELD_MSGID UINT32_MAX	/* a held SA expects this request: none matches */
#define HOLD_CHECK_MS 200	/* held: is the old IKE SA still there? */
#define REDUNDANT_WAIT_S 30	/* the peer's redundant IKE SA, if it never deletes it */

int ike_rekey_ike_start(struct ike_sa *sa)
{
	const struct conf_conn *cfg = sa->conn->cfg;
	struct ike_proposal props[CONF_MAX_ALGS];
	uint8_t out[4096], inner[4096], spi[8];
	struct ike_msgb b;
	struct ike_hdr h;
	unsigned group = sa->rk.group ? sa->rk.group : sa->dh_group;

	sa->rk.spi = 0;
	while (sa->rk.spi == 0)
		if (rand_bytes(&sa->rk.spi, sizeof(sa->rk.spi)))
			return -1;
	sa->rk.nilen = sa->eng->nonce_len;
	dh_free(sa->rk.dh);
	sa->rk.dh = dh_new(group);
	if (!sa->rk.dh || rand_bytes(sa->rk.ni, sa->rk.nilen))
		return -1;
	put_be64(spi, sa->rk.spi);
	ike_sa_hdr(sa, &h, CREATE_CHILD_SA, false, sa->next_msgid);
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&b);
	size_t n = proposal_offer(cfg->ike, cfg->n_ike, PROTO_IKE, spi, 8, true, props);
	pl_sa_build(&b, props, n);
	pl_data_build(&b, PL_NONCE, 0, sa->rk.ni, sa->rk.nilen);
	if (ike_ke_add(&b, sa->rk.dh))
		return -1;
	IKE_SA_LOG(sa, LOG_INFO, "rekeying the IKE SA (%s)", dh_name(group));
	return ike_exchange_send_sealed(sa, &b, false, PEND_REKEY_IKE);
}

/* ---- the new IKE SA ---- */

/* A new IKE SA from a rekey of old: keys from the old SK_d (2.18), the same
 * addresses, established; it carries nothing yet.  NULL on failure. */
static struct ike_sa *rekeyed_sa(struct ike_sa *old, const struct proposal_choice *c,
				 bool initiator, uint64_t spii, uint64_t spir, const uint8_t *ni,
				 size_t nilen, const uint8_t *nr, size_t nrlen,
				 const struct secret *gir)
{
	struct ike_sa *n = ike_sa_new(old->eng, old->conn, initiator, initiator ? spii : spir);

	if (!n || nilen > sizeof(n->ni) || nrlen > sizeof(n->nr))
		goto fail;
	n->spii = spii;
	n->spir = spir;
	n->alg = (struct ike_alg){ c->prf, c->integ, c->encr, c->encr_keybits };
	n->dh_group = c->dh;
	memcpy(n->ni, ni, nilen);
	memcpy(n->nr, nr, nrlen);
	n->nilen = nilen;
	n->nrlen = nrlen;
	if (keymat_ike_rekey(&n->alg, old->alg.prf, old->keys.sk_d, gir, ni, nilen, nr, nrlen,
			     spii, spir, &n->keys))
		goto fail;
	n->local = old->local;
	n->remote = old->remote;
	n->natt = old->natt;
	n->nat_local = old->nat_local;
	n->nat_remote = old->nat_remote;
	n->frag = old->frag;	/* what each side supports did not change (RFC 7383 2.3) */
	memcpy(n->peer_auth, old->peer_auth, sizeof(n->peer_auth));	/* inherited (2.18) */
	n->last_rx = old->last_rx;
	n->authenticated = true;
	ike_state_set(n, IKE_S_ESTABLISHED);
	n->established = time(NULL);
	n->est_mark = old->est_mark;
	return n;
fail:
	if (n)
		ike_sa_kill(n, "rekey failed");
	return NULL;
}

/* to takes over from's Child SAs, their queued work and the conn.  The data
 * plane sees nothing: the Child SAs only change owner. */
static void take_over(struct ike_sa *from, struct ike_sa *to)
{
	child_sa_move_all(from, to);
	to->want.rekey_child = from->want.rekey_child;
	to->want.rekey_child_by = from->want.rekey_child_by;
	to->want.delete_child = from->want.delete_child;
	from->want.rekey_child = from->want.delete_child = 0;
	if (from->conn->ike == from)
		from->conn->ike = to;
}

/* n carries the conn now: its lifetime and liveness timers start. old may be
 * NULL (gone already). */
static void go_live(struct ike_sa *n, struct ike_sa *old, enum ike_rekey_by by)
{
	ike_lifetime_start(n);
	ike_dpd_start(n);
	ike_keepalive_start(n);
	if (old) {
		old->rekeyed_to = n;
		old->rekeyed = true;
		IKE_SA_LOG(n, LOG_NOTICE, "IKE SA #%u rekeyed into #%u", old->serial, n->serial);
	} else {
		IKE_SA_LOG(n, LOG_NOTICE, "IKE SA #%u carries the Child SAs", n->serial);
	}
	if (n->eng->io.conn_rekeyed) {
		struct ike_rekeyed r = { .what = IKE_REKEY_IKE, .by = by, .sa = n,
					 .child = n->child };
		n->eng->io.conn_rekeyed(n->eng->io.arg, n->conn, &r);
	}
}

/* ---- a rekey that crossed ours: the held IKE SA ---- */

static void hold_arm(struct ike_sa *held, unsigned ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	evtimer_add(held->retx_ev, &tv);
}

/* The IKE SA whose rekey the held one waits for, or NULL when it is gone. */
static struct ike_sa *held_for(const struct ike_sa *held)
{
	for (struct ike_sa *o = held->eng->sas; o; o = o->next)
		if (o != held && o->state != IKE_S_DEAD && o->rk.passive == held->spir)
			return o;
	return NULL;
}

/* The held IKE SA that waits for old's rekey, or NULL. */
static struct ike_sa *held_by(struct ike_sa *old)
{
	struct ike_sa *h = old->rk.passive ? ike_sa_find(old->eng, old->rk.passive, false) : NULL;
	return h && h->rk.held ? h : NULL;
}

/* The held SA survives: it goes live and runs the work queued meanwhile. */
static void release(struct ike_sa *held, struct ike_sa *old)
{
	held->rk.held = false;
	held->pending = PEND_NONE;
	held->peer_msgid = 0;
	evtimer_del(held->retx_ev);
	if (old)
		old->rk.passive = 0;
	go_live(held, old, IKE_REKEY_BY_PEER);	/* the peer's rekey */
	ike_exchange_run_queue(held);
}

/* The held SA is redundant: its creator, the peer, deletes it; we only
 * answer that DELETE (or drop it after REDUNDANT_WAIT_S). */
static void redundant(struct ike_sa *held)
{
	held->rk.held = false;
	held->pending = PEND_NONE;
	held->peer_msgid = 0;
	ike_state_set(held, IKE_S_DELETING);
	held->want.rekey_ike = held->want.dpd = held->want.delete_ike = false;
	hold_arm(held, REDUNDANT_WAIT_S * 1000);
}

static void hold_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ike_sa *sa = arg;

	if (sa->state == IKE_S_DELETING) {
		ike_sa_kill(sa, "the peer did not delete its redundant IKE SA");
		return;
	}
	if (!sa->rk.held || sa->state != IKE_S_ESTABLISHED)
		return;
	if (held_for(sa)) {
		hold_arm(sa, HOLD_CHECK_MS);
		return;
	}
	/* deleted by the peer (2.25.2: our own rekey is forgotten) or dead */
	IKE_SA_LOG(sa, LOG_INFO, "the old IKE SA went away during the rekey collision: "
		   "the peer's rekey stands");
	release(sa, NULL);
}

/* n was made by the peer's rekey of old while ours was out: hold it (window
 * closed, every request dropped) until our rekey's outcome. */
static void hold(struct ike_sa *n, struct ike_sa *old)
{
	n->rk.held = true;
	n->pending = PEND_REKEY_IKE;	/* old's rekey: queued work waits for it */
	n->peer_msgid = HELD_MSGID;
	old->rk.passive = n->spir;
	old->rekeyed_to = n;		/* its Child SAs are there; no rekey or DPD of it */
	old->rekeyed = true;
	event_assign(n->retx_ev, n->eng->base, -1, 0, hold_cb, n);
	hold_arm(n, HOLD_CHECK_MS);
	IKE_SA_LOG(old, LOG_INFO, "simultaneous rekey of IKE SA #%u: answered the peer's (#%u), "
		   "waiting for ours", old->serial, n->serial);
}

/* Both rekeys completed (2.8.2): the new SA whose exchange holds the lowest
 * nonce is redundant and deleted by its creator; the creator of the other
 * deletes the old IKE SA. */
static void resolve(struct ike_sa *old, struct ike_sa *ours, struct ike_sa *held)
{
	size_t lo, lh;
	const uint8_t *no = ike_nonce_lower(ours->ni, ours->nilen, ours->nr, ours->nrlen, &lo);
	const uint8_t *nh = ike_nonce_lower(held->ni, held->nilen, held->nr, held->nrlen, &lh);

	if (ike_nonce_cmp(no, lo, nh, lh) < 0) {
		IKE_SA_LOG(old, LOG_INFO, "simultaneous rekey of IKE SA #%u: keeping the peer's #%u, "
			   "deleting ours #%u", old->serial, held->serial, ours->serial);
		release(held, old);
		ike_info_send_delete(ours);
		old->want.rekey_ike = old->want.dpd = false;
		ike_exchange_run_queue(old);	/* a queued DELETE at most; the peer deletes it too */
		return;
	}
	IKE_SA_LOG(old, LOG_INFO, "simultaneous rekey of IKE SA #%u: keeping ours #%u, "
		   "the peer deletes its #%u", old->serial, ours->serial, held->serial);
	old->rk.passive = 0;
	take_over(held, ours);
	redundant(held);
	go_live(ours, old, (enum ike_rekey_by)old->rk.by);
	ike_info_send_delete(old);	/* the old one, now without Child SAs */
	ike_exchange_run_queue(ours);
}

/* ---- initiator ---- */

static void retry_later(struct ike_sa *sa)
{
	uint32_t r = 0;
	rand_bytes(&r, sizeof(r));
	struct timeval tv = { 1 + r % 4, 0 };
	if (sa->rekey_ev)
		evtimer_add(sa->rekey_ev, &tv);
}

/* Our rekey did not happen.  If the peer's crossed it, that one stands (the
 * peer deletes the old SA); otherwise retry where it makes sense. */
static void rekey_failed(struct ike_sa *sa, struct ike_sa *held, const struct pl_notify *err)
{
	dh_free(sa->rk.dh);
	sa->rk.dh = NULL;
	if (held) {
		release(held, sa);
		sa->want.rekey_ike = sa->want.dpd = false;
		ike_exchange_run_queue(sa);
		return;
	}
	if (err && err->type == N_INVALID_KE_PAYLOAD && err->len == 2)
		sa->rk.group = (unsigned)(err->data[0] << 8 | err->data[1]);
	if (err && (err->type == N_TEMPORARY_FAILURE || err->type == N_INVALID_KE_PAYLOAD))
		retry_later(sa);
	ike_exchange_run_queue(sa);
}

void ike_rekey_ike_on_response(struct ike_sa *sa, struct ike_msg *msg)
{
	const struct conf_conn *cfg = sa->conn->cfg;
	const struct pl_notify *err = ike_msg_error_notify(msg);
	struct ike_sa *held = held_by(sa);
	struct proposal_choice c;
	struct secret *gir = NULL;

	sa->rk.passive = held ? sa->rk.passive : 0;
	/* not ike_exchange_done: queued work (a Child SA rekey) started on the old
	 * SA now would replace rk.dh and rk.ni before the new keys are computed */
	ike_exchange_finish(sa);
	if (err) {
		IKE_SA_LOG(sa, held ? LOG_INFO : LOG_WARNING, "peer refused the IKE SA rekey: %s%s",
			   ike_notify_name(err->type), held ? "; its own rekey stands" : "");
		rekey_failed(sa, held, err);
		return;
	}
	if (msg->broken ||
	    proposal_check_answer(&msg->sa, cfg->ike, cfg->n_ike, PROTO_IKE, true, &c) ||
	    c.spi_size != 8 || msg->ke.kind != dh_group_of(sa->rk.dh) ||
	    !(gir = dh_shared(sa->rk.dh, msg->ke.data, msg->ke.len))) {
		IKE_SA_LOG(sa, LOG_WARNING, "unusable IKE SA rekey answer; %s",
			   held ? "the peer's own rekey stands" : "keeping the old IKE SA");
		rekey_failed(sa, held, NULL);
		return;
	}
	struct ike_sa *n = rekeyed_sa(sa, &c, true, sa->rk.spi, get_be64(c.spi), sa->rk.ni,
				      sa->rk.nilen, msg->nonce.data, msg->nonce.len, gir);
	secret_free(gir);
	sa->rk.group = 0;
	if (!n) {
		rekey_failed(sa, held, NULL);
		return;
	}
	dh_free(sa->rk.dh);
	sa->rk.dh = NULL;
	if (held) {
		resolve(sa, n, held);
		return;
	}
	take_over(sa, n);
	go_live(n, sa, (enum ike_rekey_by)sa->rk.by);
	ike_info_send_delete(sa);	/* the old one, now without Child SAs */
	ike_exchange_run_queue(n);
}

/* ---- responder ---- */

/* On the old SA, the answer that made n. */
static int respond_ok(struct ike_sa *sa, const struct ike_proposal *prop, struct dh *dh,
		      const struct ike_sa *n)
{
	uint8_t out[4096], inner[4096];
	struct ike_msgb b;
	struct ike_hdr h;

	ike_sa_hdr(sa, &h, CREATE_CHILD_SA, true, sa->peer_msgid);
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&b);
	pl_sa_build(&b, prop, 1);
	pl_data_build(&b, PL_NONCE, 0, n->nr, n->nrlen);
	if (ike_ke_add(&b, dh))
		return -1;
	return ike_exchange_send_sealed(sa, &b, true, PEND_NONE);
}

/* Why the peer's rekey request cannot be taken now, or NULL (2.25): a Child
 * SA exchange of ours in flight would finish on the old SA after its Child
 * SAs moved; an IKE SA we close, or have replaced already (2.8.2: the peer
 * did not see our rekey before its own), is not rekeyed again. */
static const char *rekey_busy(const struct ike_sa *sa)
{
	if (sa->pending == PEND_REKEY_CHILD || sa->pending == PEND_DELETE_CHILD)
		return "a Child SA exchange of ours is in flight";
	if (sa->rekeyed || sa->rk.passive || sa->rk.held)
		return "this IKE SA is rekeyed already";
	if (sa->state != IKE_S_ESTABLISHED || sa->want.delete_ike)
		return "we are deleting this IKE SA";
	return NULL;
}

void ike_rekey_ike_respond(struct ike_sa *sa, struct ike_msg *msg)
{
	const struct conf_conn *cfg = sa->conn->cfg;
	struct ike_proposal prop;
	struct proposal_choice c;
	uint8_t nr[IKE_NONCE_MAX], spi[8];
	size_t nrlen = sa->eng->nonce_len;
	struct ike_sa *n = NULL;
	uint64_t our_spi = 0;

	const char *busy = rekey_busy(sa);
	if (busy) {
		IKE_SA_LOG(sa, LOG_INFO, "peer's IKE SA rekey answered TEMPORARY_FAILURE: %s", busy);
		ike_exchange_respond_notify(sa, CREATE_CHILD_SA, N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	while (our_spi == 0)
		if (rand_bytes(&our_spi, sizeof(our_spi)))
			return;
	put_be64(spi, our_spi);
	if (proposal_select(&msg->sa, cfg->ike, cfg->n_ike, PROTO_IKE, true, spi, 8, &prop, &c) ||
	    c.spi_size != 8) {
		IKE_SA_LOG(sa, LOG_WARNING, "NO_PROPOSAL_CHOSEN: peer's IKE SA rekey matches no ike= proposal");
		ike_exchange_respond_notify(sa, CREATE_CHILD_SA, N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (msg->ke.kind != c.dh) {
		uint8_t g[2] = { (uint8_t)(c.dh >> 8), (uint8_t)c.dh };
		ike_exchange_respond_notify(sa, CREATE_CHILD_SA, N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	struct dh *dh = dh_new(c.dh);
	struct secret *gir = dh ? dh_shared(dh, msg->ke.data, msg->ke.len) : NULL;
	if (!gir) {
		/* a bad KE value */
		ike_exchange_respond_notify(sa, CREATE_CHILD_SA, N_INVALID_SYNTAX, NULL, 0);
		goto out;
	}
	/* the new SA first: an answer means it exists */
	if (rand_bytes(nr, nrlen) ||
	    !(n = rekeyed_sa(sa, &c, false, get_be64(c.spi), our_spi, msg->nonce.data,
			     msg->nonce.len, nr, nrlen, gir))) {
		ike_exchange_respond_notify(sa, CREATE_CHILD_SA, N_TEMPORARY_FAILURE, NULL, 0);
		goto out;
	}
	if (respond_ok(sa, &prop, dh, n)) {
		ike_sa_kill(n, "cannot answer the IKE SA rekey");
		goto out;
	}
	/* the old IKE SA lives on until the initiator deletes it */
	take_over(sa, n);
	if (sa->pending == PEND_REKEY_IKE) {
		hold(n, sa);	/* ours crossed it: our answer decides (2.8.2) */
	} else {
		go_live(n, sa, IKE_REKEY_BY_PEER);
		ike_exchange_run_queue(n);
	}
out:
	secret_free(gir);
	dh_free(dh);
	secret_wipe(nr, sizeof(nr));
}
