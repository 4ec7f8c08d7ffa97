/* SPDX-License-Identifier: Apache-2.0 */
/* Child SA rekeying with CREATE_CHILD_SA (RFC 7296 1.3.3, 2.8), make before
 * break: the responder installs the new SA pair before answering but keeps
 * sending on the old one until the initiator deletes it (or traffic arrives
 * on the new one); the initiator switches as soon as the answer arrives and
 * then deletes the old pair.  Simultaneous rekeys of one Child SA are resolved
 * by 2.8.1's rule: the new SA holding the lowest of the four nonces is
 * redundant and deleted by the peer that created it. */
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
#include "daemon/ike/ts.h"
#include "daemon/base/bytes.h"

#define SWITCH_WAIT_S 10	/* responder: longest wait for the initiator's DELETE */

int ike_rekey_child_start(struct ike_sa *sa, uint32_t spi_in)
{
	const struct conf_conn *cfg = sa->conn->cfg;
	struct child_sa *old = child_sa_by_spi_in(sa, spi_in);
	struct ike_proposal props[CONF_MAX_ALGS];
	uint8_t out[4096], inner[4096], spi[4], oldspi[4];
	struct ike_msgb b;
	struct ike_hdr h;

	if (!old || old->deleting)
		return 0;	/* gone or going meanwhile: nothing to rekey */
	unsigned group = sa->rk.group ? sa->rk.group : cfg->esp[0].dh;
	sa->rk.old = spi_in;
	sa->rk.spi_in = child_sa_spi_new();
	sa->rk.nilen = sa->eng->nonce_len;
	dh_free(sa->rk.dh);
	sa->rk.dh = group ? dh_new(group) : NULL;
	if (!sa->rk.spi_in || rand_bytes(sa->rk.ni, sa->rk.nilen) || (group && !sa->rk.dh))
		return -1;
	put_be32(spi, sa->rk.spi_in);
	put_be32(oldspi, old->spi_in);
	ike_sa_hdr(sa, &h, CREATE_CHILD_SA, false, sa->next_msgid);
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&b);
	pl_notify_build(&b, PROTO_ESP, oldspi, 4, N_REKEY_SA, NULL, 0);
	size_t n = proposal_offer(cfg->esp, cfg->n_esp, PROTO_ESP, spi, 4, true, props);
	pl_sa_build(&b, props, n);
	pl_data_build(&b, PL_NONCE, 0, sa->rk.ni, sa->rk.nilen);
	if (sa->rk.dh && ike_ke_add(&b, sa->rk.dh))
		return -1;
	pl_ts_build(&b, PL_TSI, old->ts_local, old->n_ts_local);
	pl_ts_build(&b, PL_TSR, old->ts_remote, old->n_ts_remote);
	IKE_SA_LOG(sa, LOG_INFO, "rekeying Child SA #%u%s%s", old->serial, group ? " with PFS " : "",
		   group ? dh_name(group) : "");
	return ike_exchange_send_sealed(sa, &b, false, PEND_REKEY_CHILD);
}

static const uint8_t *lowest(const struct child_sa *c, size_t *len)
{
	bool i = ike_nonce_cmp(c->ni, c->nilen, c->nr, c->nrlen) < 0;
	*len = i ? c->nilen : c->nrlen;
	return i ? c->ni : c->nr;
}

/* Another new Child SA that replaced the same old one: a rekey collision. */
static struct child_sa *twin(struct ike_sa *sa, struct child_sa *n)
{
	for (struct child_sa *c = sa->children; c; c = c->next)
		if (c != n && c->replaces == n->replaces && !c->deleting)
			return c;
	return NULL;
}

/* Both rekeys of one Child SA completed: keep one; the creator of the other
 * deletes it, and the creator of the survivor deletes the old SA. */
static void resolve_collision(struct ike_sa *sa, struct child_sa *a, struct child_sa *b)
{
	size_t la, lb;
	const uint8_t *na = lowest(a, &la), *nb = lowest(b, &lb);
	struct child_sa *loser = ike_nonce_cmp(na, la, nb, lb) < 0 ? a : b;
	struct child_sa *winner = loser == a ? b : a;
	struct child_sa *old = child_sa_by_spi_in(sa, winner->replaces);

	IKE_SA_LOG(sa, LOG_INFO, "simultaneous rekey: keeping Child SA #%u, dropping #%u",
		   winner->serial, loser->serial);
	if (loser->switch_ev)
		evtimer_del(loser->switch_ev);	/* never switch to the redundant one */
	if (loser->we_initiated)
		ike_info_send_delete_child(sa, loser);
	/* Only the survivor's creator knows the peer has it installed (it got
	 * the answer): it switches now and deletes the old SA.  Its responder
	 * keeps sending on the old SA until that DELETE (or traffic on the
	 * survivor, or SWITCH_WAIT_S) switches it. */
	if (winner->we_initiated) {
		child_sa_use(sa, winner);
		if (old && !old->deleting)
			ike_info_send_delete_child(sa, old);
	}
}

static void new_child_up(struct ike_sa *sa, struct child_sa *n, enum ike_rekey_by by)
{
	struct proposal_choice e = { .encr = n->encr, .encr_keybits = n->encr_keybits,
				     .integ = n->integ };
	char algs[128];

	proposal_describe(&e, algs, sizeof(algs));
	IKE_SA_LOG(sa, LOG_NOTICE, "Child SA #%u established by rekey: ESP %s, SPIs %08x in / %08x out%s",
		   n->serial, algs, n->spi_in, n->spi_out, n->esn ? ", ESN" : "");
	if (sa->eng->io.conn_rekeyed) {
		struct ike_rekeyed r = { .what = IKE_REKEY_CHILD, .by = by, .sa = sa, .child = n };
		sa->eng->io.conn_rekeyed(sa->eng->io.arg, sa->conn, &r);
	}
	child_sa_start_timers(n);
}

static bool group_offered(const struct conf_conn *cfg, unsigned g)
{
	for (size_t i = 0; i < cfg->n_esp; i++)
		if (cfg->esp[i].dh == g)
			return true;
	return false;
}

/* An error answer: retry with another group, later, or let the old SA run out. */
static void rekey_refused(struct ike_sa *sa, const struct pl_notify *err)
{
	uint32_t old = sa->rk.old;

	ike_exchange_done(sa);
	if (err->type == N_INVALID_KE_PAYLOAD && err->len == 2) {
		unsigned g = (unsigned)(err->data[0] << 8 | err->data[1]);
		if (g != sa->rk.group && group_offered(sa->conn->cfg, g)) {
			sa->rk.group = g;
			sa->want.rekey_child = old;
			sa->want.rekey_child_by = sa->rk.by;
			ike_exchange_run_queue(sa);
			return;
		}
	}
	IKE_SA_LOG(sa, LOG_WARNING, "peer refused the Child SA rekey: %s%s",
		   ike_notify_name(err->type),
		   err->type == N_TEMPORARY_FAILURE ? " (will try again)" : "");
	struct child_sa *c = child_sa_by_spi_in(sa, old);
	if (err->type == N_TEMPORARY_FAILURE && c && c->rekey_ev) {
		uint32_t r = 0;
		rand_bytes(&r, sizeof(r));
		struct timeval tv = { 1 + r % 4, 0 };
		evtimer_add(c->rekey_ev, &tv);
	}
}

static struct secret *peer_gir(struct ike_sa *sa, const struct ike_msg *msg)
{
	if (!sa->rk.dh)
		return NULL;
	if (!ike_msg_has(msg, PL_KE) || msg->ke.kind != dh_group_of(sa->rk.dh))
		return NULL;
	return dh_shared(sa->rk.dh, msg->ke.data, msg->ke.len);
}

/* An answer we cannot use: the peer made and installed the new SA (it
 * sends on it once it switches), so it is deleted there, by the inbound SPI
 * we offered; the old SA carries on. */
static void unusable(struct ike_sa *sa, const char *why)
{
	IKE_SA_LOG(sa, LOG_WARNING, "unusable Child SA rekey answer (%s); keeping the old SA", why);
	sa->want.delete_spi = sa->rk.spi_in;
	ike_exchange_done(sa);
}

void ike_rekey_child_on_response(struct ike_sa *sa, struct ike_msg *msg)
{
	const struct conf_conn *cfg = sa->conn->cfg;
	const struct pl_notify *err = ike_msg_error_notify(msg);
	struct proposal_choice c;
	struct secret *gir = NULL;

	if (err) {
		rekey_refused(sa, err);
		return;
	}
	if (msg->broken ||
	    proposal_check_answer(&msg->sa, cfg->esp, cfg->n_esp, PROTO_ESP, sa->rk.dh != NULL, &c) ||
	    (sa->rk.dh && !(gir = peer_gir(sa, msg)))) {
		unusable(sa, "payloads, proposal or KE");
		return;
	}
	struct child_sa *n = child_sa_new(sa, &c, sa->rk.spi_in, true, sa->rk.ni, sa->rk.nilen,
					  msg->nonce.data, msg->nonce.len, gir);
	secret_free(gir);
	dh_free(sa->rk.dh);
	sa->rk.dh = NULL;
	sa->rk.group = 0;
	if (!n) {
		unusable(sa, "no keys");
		return;
	}
	n->replaces = sa->rk.old;
	child_sa_set_ts(n, msg->tsi.ts, msg->tsi.n, msg->tsr.ts, msg->tsr.n);
	/* a collision: not used before resolve_collision decides */
	n->out_standby = twin(sa, n) != NULL;
	if (child_sa_install(sa, n)) {
		child_sa_destroy(n);
		unusable(sa, "the data plane refused it");
		return;
	}
	new_child_up(sa, n, (enum ike_rekey_by)sa->rk.by);
	ike_exchange_done(sa);
	struct child_sa *t = twin(sa, n);
	if (t) {
		resolve_collision(sa, n, t);
		return;
	}
	child_sa_use(sa, n);	/* the peer has had the new pair since it answered */
	struct child_sa *old = child_sa_by_spi_in(sa, n->replaces);
	if (old && !old->deleting)
		ike_info_send_delete_child(sa, old);
}

/* ---- responder ---- */

/* The initiator switched when it deleted the old SA; if its DELETE is late,
 * traffic on the new inbound SA tells us too. */
static void switch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct child_sa *n = arg;
	struct ike_sa *sa = n->ike;
	struct ike_io *io = &sa->eng->io;
	double idle = io->child_idle ? io->child_idle(io->arg, sa->conn, n) : 1e9;

	if (!n->out_standby)
		return;
	if (idle < 1e8 || ++n->switch_ticks >= SWITCH_WAIT_S) {
		child_sa_use(sa, n);
		return;
	}
	struct timeval tv = { 1, 0 };
	evtimer_add(n->switch_ev, &tv);
}

static void arm_switch(struct ike_sa *sa, struct child_sa *n)
{
	struct timeval tv = { 1, 0 };

	if (!n->switch_ev)
		n->switch_ev = evtimer_new(sa->eng->base, switch_cb, n);
	if (n->switch_ev)
		evtimer_add(n->switch_ev, &tv);
}

/* Checks and choices of a Child SA rekey request; 0 or the error to answer. */
static int rekey_request_check(struct ike_sa *sa, const struct ike_msg *msg,
			       struct child_sa **old, struct ike_proposal *prop,
			       struct proposal_choice *c, uint32_t spi_in)
{
	const struct conf_conn *cfg = sa->conn->cfg;
	const struct pl_notify *rk = ike_msg_notify(msg, N_REKEY_SA);
	uint8_t spi[4];

	if (rk->protocol != PROTO_ESP || rk->spi_size != 4)
		return N_INVALID_SYNTAX;
	uint32_t s = get_be32(rk->spi);
	*old = child_sa_by_spi_out(sa, s);
	if (!*old || (*old)->deleting) {
		IKE_SA_LOG(sa, LOG_INFO, "peer rekeys Child SA %08x, which is gone here", s);
		return N_CHILD_SA_NOT_FOUND;
	}
	put_be32(spi, spi_in);
	if (proposal_select(&msg->sa, cfg->esp, cfg->n_esp, PROTO_ESP, true, spi, 4, prop, c)) {
		if (proposal_esn_mismatch(&msg->sa, cfg->esp, cfg->n_esp, true))
			IKE_SA_LOG(sa, LOG_WARNING,
				   "NO_PROPOSAL_CHOSEN: peer's Child SA rekey matches phase2alg= "
				   "but not esn=%s (the peer offers ESN %s)",
				   proposal_esn_name(cfg->esn), proposal_esn_offered(&msg->sa));
		else
			IKE_SA_LOG(sa, LOG_WARNING,
				   "NO_PROPOSAL_CHOSEN: peer's Child SA rekey matches no phase2alg= proposal (PFS group?)");
		return N_NO_PROPOSAL_CHOSEN;
	}
	if (c->dh != DH_NONE && (!ike_msg_has(msg, PL_KE) || msg->ke.kind != c->dh))
		return N_INVALID_KE_PAYLOAD;
	return 0;
}

static void respond_rekey(struct ike_sa *sa, const struct ike_proposal *prop, struct dh *dh,
			  const struct child_sa *n)
{
	uint8_t out[4096], inner[4096];
	struct ike_msgb b;
	struct ike_hdr h;

	ike_sa_hdr(sa, &h, CREATE_CHILD_SA, true, sa->peer_msgid);
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&b);
	pl_sa_build(&b, prop, 1);
	pl_data_build(&b, PL_NONCE, 0, n->nr, n->nrlen);
	if (dh && ike_ke_add(&b, dh))
		return;
	pl_ts_build(&b, PL_TSI, n->ts_remote, n->n_ts_remote);
	pl_ts_build(&b, PL_TSR, n->ts_local, n->n_ts_local);
	ike_exchange_send_sealed(sa, &b, true, PEND_NONE);
}

void ike_rekey_child_respond(struct ike_sa *sa, const struct ike_msg *msg)
{
	struct child_sa *old = NULL;
	struct ike_proposal prop;
	struct proposal_choice c;
	uint8_t nr[IKE_NONCE_MAX];
	size_t nrlen = sa->eng->nonce_len;
	uint32_t spi_in = child_sa_spi_new();
	int err = rekey_request_check(sa, msg, &old, &prop, &c, spi_in);

	if (err == N_INVALID_KE_PAYLOAD) {
		uint8_t g[2] = { (uint8_t)(c.dh >> 8), (uint8_t)c.dh };
		ike_exchange_respond_notify(sa, CREATE_CHILD_SA, N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	if (err) {
		ike_exchange_respond_notify(sa, CREATE_CHILD_SA, (uint16_t)err, NULL, 0);
		return;
	}
	struct dh *dh = c.dh ? dh_new(c.dh) : NULL;
	struct secret *gir = dh ? dh_shared(dh, msg->ke.data, msg->ke.len) : NULL;
	if (rand_bytes(nr, nrlen) || (c.dh && !gir)) {
		/* a bad KE value */
		ike_exchange_respond_notify(sa, CREATE_CHILD_SA, N_INVALID_SYNTAX, NULL, 0);
		goto out;
	}
	struct child_sa *n = child_sa_new(sa, &c, spi_in, false, msg->nonce.data, msg->nonce.len,
					  nr, nrlen, gir);
	if (!n) {
		ike_exchange_respond_notify(sa, CREATE_CHILD_SA, N_TEMPORARY_FAILURE, NULL, 0);
		goto out;
	}
	n->replaces = old->spi_in;
	child_sa_set_ts(n, old->ts_local, old->n_ts_local, old->ts_remote, old->n_ts_remote);
	n->out_standby = true;	/* the initiator cannot decrypt it before our answer */
	if (child_sa_install(sa, n)) {
		child_sa_destroy(n);
		ike_exchange_respond_notify(sa, CREATE_CHILD_SA, N_TEMPORARY_FAILURE, NULL, 0);
		goto out;
	}
	respond_rekey(sa, &prop, dh, n);
	new_child_up(sa, n, IKE_REKEY_BY_PEER);
	struct child_sa *t = twin(sa, n);
	if (t && !t->out_standby) {
		resolve_collision(sa, n, t);
		goto out;
	}
	arm_switch(sa, n);
out:
	secret_free(gir);
	dh_free(dh);
	secret_wipe(nr, sizeof(nr));
}

