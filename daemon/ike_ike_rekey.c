/* IKE SA rekeying with CREATE_CHILD_SA (RFC 7296 1.3.2, 2.18): a new IKE SA
 * with fresh SPIs and keys from SK_d and a new DH exchange; the Child SAs move
 * over and the rekey's initiator deletes the old IKE SA.  A rekey request
 * that crosses our own is answered TEMPORARY_FAILURE (2.25); the side that
 * receives it tries again after a random pause, so one of the two goes first. */
#include "daemon/ike_sa.h"

#include <event2/event.h>
#include <string.h>

#include "conf/conf.h"
#include "crypto/alg.h"
#include "crypto/dh.h"
#include "crypto/rand.h"
#include "crypto/secret.h"
#include "daemon/log.h"
#include "daemon/proposal.h"

#define NONCE_LEN 32

int ike_rekey_ike_start(struct ike_sa *sa)
{
	const struct conf_conn *cfg = sa->conn->cfg;
	struct ike_proposal props[CONF_MAX_ALGS];
	uint8_t out[4096], inner[4096], spi[8];
	struct ike_msgb b;
	struct ike_hdr h;
	unsigned group = sa->rk_group ? sa->rk_group : sa->dh_group;

	sa->rk_spi = 0;
	while (sa->rk_spi == 0)
		if (rand_bytes(&sa->rk_spi, sizeof(sa->rk_spi)))
			return -1;
	sa->rk_nilen = NONCE_LEN;
	dh_free(sa->rk_dh);
	sa->rk_dh = dh_new(group);
	if (!sa->rk_dh || rand_bytes(sa->rk_ni, sa->rk_nilen))
		return -1;
	ike_put_spi64(spi, sa->rk_spi);
	ike_sa_hdr(sa, &h, CREATE_CHILD_SA, false, sa->next_msgid);
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&b);
	size_t n = proposal_offer(cfg->ike, cfg->n_ike, PROTO_IKE, spi, 8, true, props);
	pl_build_sa(&b, props, n);
	pl_build_data(&b, PL_NONCE, 0, sa->rk_ni, sa->rk_nilen);
	if (ike_add_ke(&b, sa->rk_dh))
		return -1;
	IKE_SA_LOG(sa, LOG_INFO, "rekeying the IKE SA (%s)", dh_name(group));
	return ike_sa_send_sealed(sa, &b, false, PEND_REKEY_IKE);
}

/* The new IKE SA: keys from the old SK_d (2.18), same addresses, Child SAs moved. */
static struct ike_sa *successor(struct ike_sa *old, const struct proposal_choice *c,
				bool initiator, uint64_t spii, uint64_t spir, const uint8_t *ni,
				size_t nilen, const uint8_t *nr, size_t nrlen,
				const struct secret *gir)
{
	struct ike_sa *n = ike_sa_new(old->eng, old->conn, initiator);

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
	n->last_rx = old->last_rx;
	n->state = IKE_S_ESTABLISHED;
	n->established = time(NULL);
	n->est_mark = old->est_mark;
	child_sa_move_all(old, n);
	/* queued Child SA work follows the Child SAs */
	n->want_rekey_child = old->want_rekey_child;
	n->want_delete_child = old->want_delete_child;
	old->want_rekey_child = old->want_delete_child = 0;
	old->rekeyed_to = n;
	if (old->conn->ike == old)
		old->conn->ike = n;
	ike_sa_start_timers(n);
	ike_dpd_start(n);
	old->conn->last_rekey = time(NULL);
	IKE_SA_LOG(n, LOG_NOTICE, "IKE SA #%u rekeyed into #%u", old->serial, n->serial);
	return n;
fail:
	if (n)
		ike_sa_kill(n, "rekey failed");
	return NULL;
}

static void retry_later(struct ike_sa *sa)
{
	uint32_t r = 0;
	rand_bytes(&r, sizeof(r));
	struct timeval tv = { 1 + r % 4, 0 };
	if (sa->rekey_ev)
		evtimer_add(sa->rekey_ev, &tv);
}

void ike_rekey_ike_response(struct ike_sa *sa, struct ike_msg *msg)
{
	const struct conf_conn *cfg = sa->conn->cfg;
	const struct pl_notify *err = ike_msg_error_notify(msg);
	uint64_t need = PL_BIT(PL_SA) | PL_BIT(PL_NONCE) | PL_BIT(PL_KE);
	struct proposal_choice c;
	struct secret *gir = NULL;

	/* not ike_request_done: queued work (a Child SA rekey) started on the old
	 * SA now would replace rk_dh and rk_ni before the new keys are computed */
	ike_request_finish(sa);
	if (err) {
		IKE_SA_LOG(sa, LOG_WARNING, "peer refused the IKE SA rekey: %s",
			   ike_notify_name(err->type));
		if (err->type == N_INVALID_KE_PAYLOAD && err->len == 2)
			sa->rk_group = (unsigned)(err->data[0] << 8 | err->data[1]);
		if (err->type == N_TEMPORARY_FAILURE || err->type == N_INVALID_KE_PAYLOAD)
			retry_later(sa);
		ike_sa_run_queue(sa);
		return;
	}
	if ((msg->inner & need) != need ||
	    proposal_check_answer(&msg->sa, cfg->ike, cfg->n_ike, PROTO_IKE, true, &c) ||
	    c.spi_size != 8 || msg->ke.kind != dh_group_of(sa->rk_dh) ||
	    !(gir = dh_shared(sa->rk_dh, msg->ke.data, msg->ke.len))) {
		IKE_SA_LOG(sa, LOG_WARNING, "unusable IKE SA rekey answer; keeping the old IKE SA");
		ike_sa_run_queue(sa);
		return;
	}
	struct ike_sa *n = successor(sa, &c, true, sa->rk_spi, ike_get_spi64(c.spi), sa->rk_ni,
				     sa->rk_nilen, msg->nonce.data, msg->nonce.len, gir);
	secret_free(gir);
	dh_free(sa->rk_dh);
	sa->rk_dh = NULL;
	sa->rk_group = 0;
	if (!n) {
		ike_sa_run_queue(sa);
		return;
	}
	ike_info_send_delete(sa);	/* the old one, now without Child SAs */
	ike_sa_run_queue(n);
}

/* ---- responder ---- */

static int respond_ok(struct ike_sa *sa, const struct ike_proposal *prop, const uint8_t *nr,
		      struct dh *dh)
{
	uint8_t out[4096], inner[4096];
	struct ike_msgb b;
	struct ike_hdr h;

	ike_sa_hdr(sa, &h, CREATE_CHILD_SA, true, sa->peer_msgid);
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&b);
	pl_build_sa(&b, prop, 1);
	pl_build_data(&b, PL_NONCE, 0, nr, NONCE_LEN);
	if (ike_add_ke(&b, dh))
		return -1;
	return ike_sa_send_sealed(sa, &b, true, PEND_NONE);
}

void ike_rekey_ike_respond(struct ike_sa *sa, struct ike_msg *msg)
{
	const struct conf_conn *cfg = sa->conn->cfg;
	uint64_t need = PL_BIT(PL_SA) | PL_BIT(PL_NONCE) | PL_BIT(PL_KE);
	struct ike_proposal prop;
	struct proposal_choice c;
	uint8_t nr[NONCE_LEN], spi[8];
	uint64_t our_spi = 0;

	/* a Child SA exchange of ours in flight would finish on the old SA after
	 * its Child SAs moved: let the peer try again later (2.25) */
	if (sa->pending == PEND_REKEY_IKE || sa->pending == PEND_REKEY_CHILD ||
	    sa->pending == PEND_DELETE_CHILD || sa->rekeyed_to ||
	    sa->state != IKE_S_ESTABLISHED) {
		ike_respond_notify(sa, CREATE_CHILD_SA, N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	if ((msg->inner & need) != need) {
		ike_respond_notify(sa, CREATE_CHILD_SA, N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	while (our_spi == 0)
		if (rand_bytes(&our_spi, sizeof(our_spi)))
			return;
	ike_put_spi64(spi, our_spi);
	if (proposal_select(&msg->sa, cfg->ike, cfg->n_ike, PROTO_IKE, true, spi, 8, &prop, &c) ||
	    c.spi_size != 8) {
		IKE_SA_LOG(sa, LOG_WARNING, "NO_PROPOSAL_CHOSEN: peer's IKE SA rekey matches no ike= proposal");
		ike_respond_notify(sa, CREATE_CHILD_SA, N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (msg->ke.kind != c.dh) {
		uint8_t g[2] = { (uint8_t)(c.dh >> 8), (uint8_t)c.dh };
		ike_respond_notify(sa, CREATE_CHILD_SA, N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	struct dh *dh = dh_new(c.dh);
	struct secret *gir = dh ? dh_shared(dh, msg->ke.data, msg->ke.len) : NULL;
	if (!gir || rand_bytes(nr, sizeof(nr)) || respond_ok(sa, &prop, nr, dh)) {
		if (!gir)
			ike_respond_notify(sa, CREATE_CHILD_SA, N_INVALID_SYNTAX, NULL, 0);
	} else {
		struct ike_sa *n = successor(sa, &c, false, ike_get_spi64(c.spi), our_spi,
					     msg->nonce.data, msg->nonce.len, nr, sizeof(nr), gir);
		if (n)
			ike_sa_run_queue(n);
	}
	/* the old IKE SA lives on until the initiator deletes it */
	secret_free(gir);
	dh_free(dh);
	secret_wipe(nr, sizeof(nr));
}
