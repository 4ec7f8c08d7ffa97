/* SPDX-License-Identifier: Apache-2.0 */
/* IKE_SA_INIT (RFC 7296 1.2): proposals, KE, nonces, NAT detection; the
 * initiator handles INVALID_KE_PAYLOAD and COOKIE by starting over, the
 * responder under load demands a COOKIE before any DH or state (2.6). */
#include "daemon/ike/engine.h"

#include <event2/event.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "crypto/alg.h"
#include "crypto/dh.h"
#include "crypto/rand.h"
#include "crypto/secret.h"
#include "daemon/base/log.h"
#include "daemon/ike/nat.h"
#include "daemon/ike/proposal.h"
#include "daemon/base/sockaddr.h"

#define MAX_INIT_RESTARTS 3

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n);
	if (c)
		memcpy(c, p, n);
	return c;
}

int ike_init_start(struct ike_sa *sa)
{
	const struct conf_conn *cfg = sa->conn->cfg;
	struct ike_proposal props[CONF_MAX_ALGS];
	uint8_t out[4096];
	struct ike_msgb b;
	struct ike_hdr h;

	sa->local = cfg->left;
	sa->remote = cfg->right;
	sockaddr_set_port(&sa->local, IKE_PORT);
	sockaddr_set_port(&sa->remote, IKE_PORT);
	sa->natt = false;
	if (!sa->dh_group)
		sa->dh_group = cfg->ike[0].dh;
	if (!sa->dh) {	/* a COOKIE retry keeps the key and nonce */
		sa->dh = dh_new(sa->dh_group);
		sa->nilen = sa->eng->nonce_len;
		if (!sa->dh || rand_bytes(sa->ni, sa->nilen))
			return -1;
	}
	size_t n = proposal_offer(cfg->ike, cfg->n_ike, PROTO_IKE, NULL, 0, true, props);

	sa->spir = 0;
	ike_sa_hdr(sa, &h, IKE_SA_INIT, false, 0);
	ike_msgb_init(&b, out, sizeof(out), NULL, 0, &h);
	if (sa->cookie)
		pl_notify_build(&b, 0, NULL, 0, N_COOKIE, sa->cookie, sa->cookie_len);
	pl_sa_build(&b, props, n);
	if (ike_ke_add(&b, sa->dh))
		return -1;
	pl_data_build(&b, PL_NONCE, 0, sa->ni, sa->nilen);
	nat_build_notifies(&b, sa->spii, 0, &sa->local, &sa->remote, cfg->encapsulation);
	if (ike_frag_enabled(sa))	/* RFC 7383 2.3 */
		pl_notify_build(&b, 0, NULL, 0, N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	ike_sig_notify_add(sa, &b);
	int len = ike_msgb_finish_plain(&b);
	if (len < 0)
		return -1;
	free(sa->init_req);
	sa->init_req = dup_bytes(out, (size_t)len);
	sa->init_req_len = (size_t)len;
	ike_state_set(sa, IKE_S_INIT_SENT);
	IKE_SA_LOG(sa, LOG_INFO, "initiating IKE SA with %s (%s)", cfg->rightid.text,
		   dh_name(sa->dh_group));
	return sa->init_req ? ike_exchange_send_request(sa, PEND_INIT, out, (size_t)len) : -1;
}

static bool group_offered(const struct conf_conn *cfg, unsigned group)
{
	for (size_t i = 0; i < cfg->n_ike; i++)
		if (cfg->ike[i].dh == group)
			return true;
	return false;
}

/* INVALID_KE_PAYLOAD or COOKIE: start IKE_SA_INIT again. True if restarted. */
static bool init_restart(struct ike_sa *sa, const struct ike_msg *msg)
{
	const struct pl_notify *n;

	if (sa->init_restarts >= MAX_INIT_RESTARTS)
		return false;
	sa->init_restarts++;
	if ((n = ike_msg_notify(msg, N_COOKIE)) && n->len >= 1 && n->len <= 64) {
		free(sa->cookie);
		sa->cookie = dup_bytes(n->data, n->len);
		sa->cookie_len = n->len;
	} else if ((n = ike_msg_notify(msg, N_INVALID_KE_PAYLOAD)) && n->len == 2) {
		unsigned g = (unsigned)(n->data[0] << 8 | n->data[1]);
		if (g == sa->dh_group || !group_offered(sa->conn->cfg, g)) {
			IKE_SA_LOG(sa, LOG_WARNING, "peer wants DH group %s, which we do not offer",
				   dh_name(g));
			return false;
		}
		IKE_SA_LOG(sa, LOG_INFO, "peer asked for %s: INVALID_KE_PAYLOAD, retrying",
			   dh_name(g));
		sa->dh_group = g;
		dh_free(sa->dh);
		sa->dh = NULL;
	} else {
		return false;
	}
	evtimer_del(sa->retx_ev);
	if (ike_init_start(sa))
		ike_sa_fail(sa, IKE_FAIL_LOCAL, "cannot restart IKE_SA_INIT");
	return true;
}

static void detect_nat(struct ike_sa *sa, const struct ike_msg *msg, uint64_t spir)
{
	sa->nat_local = !nat_match(msg, N_NAT_DETECTION_DESTINATION_IP, sa->spii, spir, &sa->local);
	sa->nat_remote = !nat_match(msg, N_NAT_DETECTION_SOURCE_IP, sa->spii, spir, &sa->remote);
}

static int derive(struct ike_sa *sa, const struct pl_data *peer_ke)
{
	struct secret *gir = dh_shared(sa->dh, peer_ke->data, peer_ke->len);
	int r;

	if (!gir)
		return -1;
	r = keymat_ike(&sa->alg, gir, sa->ni, sa->nilen, sa->nr, sa->nrlen, sa->spii, sa->spir,
		       &sa->keys);
	secret_free(gir);
	dh_free(sa->dh);
	sa->dh = NULL;
	return r;
}

static void set_alg(struct ike_sa *sa, const struct proposal_choice *c)
{
	sa->alg.encr = c->encr;
	sa->alg.encr_keybits = c->encr_keybits;
	sa->alg.prf = c->prf;
	sa->alg.integ = c->integ;
}

void ike_init_on_response(struct ike_sa *sa, struct ike_msg *msg)
{
	const struct conf_conn *cfg = sa->conn->cfg;
	struct proposal_choice c;
	const struct pl_notify *err;

	if (init_restart(sa, msg))
		return;
	if ((err = ike_msg_error_notify(msg))) {
		IKE_SA_LOG(sa, LOG_WARNING, "peer refused IKE_SA_INIT: %s",
			   ike_notify_name(err->type));
		ike_sa_fail(sa, ike_fail_of_notify(err->type), ike_notify_name(err->type));
		return;
	}
	if (msg->hdr.spir == 0) {	/* the payloads are there (ike/rules.c) */
		IKE_SA_LOG(sa, LOG_INFO, "ignoring IKE_SA_INIT response without the responder's SPI");
		return;
	}
	if (proposal_check_answer(&msg->sa, cfg->ike, cfg->n_ike, PROTO_IKE, true, &c) ||
	    c.dh != sa->dh_group || msg->ke.kind != sa->dh_group) {
		IKE_SA_LOG(sa, LOG_WARNING, "peer chose an IKE proposal we did not offer");
		ike_sa_fail(sa, IKE_FAIL_PROPOSAL, "NO_PROPOSAL_CHOSEN");
		return;
	}
	sa->spir = msg->hdr.spir;
	sa->frag = ike_frag_enabled(sa) && ike_msg_notify(msg, N_IKEV2_FRAGMENTATION_SUPPORTED);
	sa->peer_sig_hashes = ike_sig_notify_read(msg);
	sa->peer_certreq = msg->n_certreq > 0;
	memcpy(sa->nr, msg->nonce.data, msg->nonce.len);
	sa->nrlen = msg->nonce.len;
	set_alg(sa, &c);
	free(sa->init_resp);
	sa->init_resp = dup_bytes(msg->raw, msg->raw_len);
	sa->init_resp_len = msg->raw_len;
	detect_nat(sa, msg, sa->spir);
	if (!sa->init_resp || derive(sa, &msg->ke)) {
		IKE_SA_LOG(sa, LOG_WARNING, "invalid KE from peer or key derivation failed");
		ike_sa_fail(sa, IKE_FAIL_PROTOCOL, "key exchange failed");
		return;
	}
	if (sa->nat_local || sa->nat_remote || cfg->encapsulation) {
		sa->natt = true;	/* RFC 3948: IKE moves to 4500, ESP in UDP */
		sockaddr_set_port(&sa->local, IKE_NATT_PORT);
		sockaddr_set_port(&sa->remote, IKE_NATT_PORT);
	}
	ike_exchange_done(sa);
	if (ike_auth_start(sa))
		ike_sa_fail(sa, IKE_FAIL_LOCAL, "cannot build IKE_AUTH");
}

/* ---- responder ---- */


/* Prefer one of our proposals whose group is the one the peer's KE uses. */
static int select_ike(const struct conf_conn *cfg, const struct ike_msg *msg,
		      struct ike_proposal *resp, struct proposal_choice *c)
{
	struct conf_alg same[CONF_MAX_ALGS];
	size_t n = 0;

	for (size_t i = 0; i < cfg->n_ike; i++)
		if (cfg->ike[i].dh == msg->ke.kind)
			same[n++] = cfg->ike[i];
	if (n && proposal_select(&msg->sa, same, n, PROTO_IKE, true, NULL, 0, resp, c) == 0)
		return 0;
	return proposal_select(&msg->sa, cfg->ike, cfg->n_ike, PROTO_IKE, true, NULL, 0, resp, c);
}

/* The conn for the proposals (ike/match.c): the first between the addresses
 * whose ike= takes the peer's offer, else the first between them (to answer
 * NO_PROPOSAL_CHOSEN); NULL when none is. */
static struct conn *find_conn(struct ike_engine *eng, const struct sockaddr_storage *local,
			      const struct sockaddr_storage *remote, const struct ike_msg *msg,
			      struct ike_proposal *prop, struct proposal_choice *c, bool *chosen)
{
	struct conn *first = NULL;

	*chosen = false;
	for (size_t i = 0; i < eng->n_conns; i++) {
		if (!ike_match_addrs(eng->conns[i]->cfg, local, remote))
			continue;
		first = first ? first : eng->conns[i];
		if (select_ike(eng->conns[i]->cfg, msg, prop, c) == 0) {
			*chosen = true;
			return eng->conns[i];
		}
	}
	return first;
}

static int build_init_response(struct ike_sa *sa, const struct ike_proposal *prop,
			       uint8_t *out, size_t cap)
{
	struct ike_msgb b;
	struct ike_hdr h;

	ike_sa_hdr(sa, &h, IKE_SA_INIT, true, 0);
	ike_msgb_init(&b, out, cap, NULL, 0, &h);
	pl_sa_build(&b, prop, 1);
	if (ike_ke_add(&b, sa->dh))
		return -1;
	pl_data_build(&b, PL_NONCE, 0, sa->nr, sa->nrlen);
	nat_build_notifies(&b, sa->spii, sa->spir, &sa->local, &sa->remote,
			   sa->conn->cfg->encapsulation);
	if (sa->frag)	/* the initiator announced it and we do too (RFC 7383 2.3) */
		pl_notify_build(&b, 0, NULL, 0, N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	if (sa->peer_sig_hashes)	/* RFC 7427 4: in answer to the initiator's */
		ike_sig_notify_add(sa, &b);
	ike_sig_certreq_add(sa, &b);	/* for every conn the addresses may lead to */
	return ike_msgb_finish_plain(&b);
}

/* The half-open SA for a request that came from remote to local.  natt: it
 * came on port 4500 (RFC 7296 2.23 lets the initiator start there), and the
 * SA stays there: its response, and that response repeated from the cache,
 * leave on 4500 with the marker. */
static struct ike_sa *responder_sa(struct ike_engine *eng, struct conn *conn,
				   const struct sockaddr_storage *local,
				   const struct sockaddr_storage *remote, bool natt,
				   const struct ike_msg *msg, const struct proposal_choice *c)
{
	struct ike_sa *sa = ike_sa_new(eng, conn, false, 0);

	if (!sa)
		return NULL;
	sa->spii = msg->hdr.spii;
	ike_sa_index_peer(sa);
	sa->local = *local;
	sa->remote = *remote;
	sa->natt = natt;
	sa->peer_msgid = 0;
	sa->dh_group = c->dh;
	set_alg(sa, c);
	memcpy(sa->ni, msg->nonce.data, msg->nonce.len);	/* the parser kept it in 16..256 */
	sa->nilen = msg->nonce.len;
	sa->nrlen = eng->nonce_len;
	sa->dh = dh_new(c->dh);
	sa->init_req = dup_bytes(msg->raw, msg->raw_len);
	sa->init_req_len = msg->raw_len;
	if (!sa->dh || !sa->init_req || rand_bytes(sa->nr, sa->nrlen)) {
		ike_sa_fail(sa, IKE_FAIL_LOCAL, "out of memory");
		return NULL;
	}
	detect_nat(sa, msg, 0);
	sa->frag = ike_frag_enabled(sa) && ike_msg_notify(msg, N_IKEV2_FRAGMENTATION_SUPPORTED);
	sa->peer_sig_hashes = ike_sig_notify_read(msg);
	sa->peer_certreq = msg->n_certreq > 0;
	return sa;
}

/* Unauthenticated and free to send: every line below is rate-limited, and
 * the half-open SA's own lines are too (ike_sa_log).  Cheap checks first:
 * the conn by address, the payloads, admission (COOKIE, caps), proposals and
 * the KE value; only then a key of ours and the DH. */
void ike_init_respond(struct ike_engine *eng, const struct sockaddr_storage *local,
		      const struct sockaddr_storage *remote, bool natt, struct ike_msg *msg)
{
	struct ike_proposal prop;
	struct proposal_choice c;
	uint8_t out[4096];
	bool chosen;
	struct conn *conn = find_conn(eng, local, remote, msg, &prop, &c, &chosen);

	if (!conn) {
		char from[64];

		sockaddr_str(remote, from, sizeof(from), true);
		log_limited(LOG_INFO, NULL, "IKE_SA_INIT from %s: no conn has this peer; ignored",
			    from);
		return;
	}
	if (!ike_admit_init(eng, local, remote, natt, msg))
		return;
	if (!chosen) {
		log_limited(LOG_WARNING, conn->cfg->name,
			    "NO_PROPOSAL_CHOSEN: none of the peer's IKE proposals matches ike=");
		ike_admit_notify(eng, local, remote, natt, msg, N_NO_PROPOSAL_CHOSEN, NULL, 0);
		ike_admit_failed(eng);
		return;
	}
	if (msg->ke.kind != c.dh) {
		uint8_t g[2] = { (uint8_t)(c.dh >> 8), (uint8_t)c.dh };
		log_limited(LOG_INFO, conn->cfg->name, "asking peer for %s (INVALID_KE_PAYLOAD)",
			    dh_name(c.dh));
		ike_admit_notify(eng, local, remote, natt, msg, N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	if (dh_check_peer(c.dh, msg->ke.data, msg->ke.len)) {
		log_limited(LOG_INFO, conn->cfg->name,
			    "IKE_SA_INIT with an invalid %s public value; ignored", dh_name(c.dh));
		ike_admit_failed(eng);
		return;
	}
	struct ike_sa *sa = responder_sa(eng, conn, local, remote, natt, msg, &c);
	if (!sa)
		return;
	/* the response carries our public value, so build it before derive() frees the key */
	int len = build_init_response(sa, &prop, out, sizeof(out));
	if (len < 0 || !(sa->init_resp = dup_bytes(out, (size_t)len)) || derive(sa, &msg->ke)) {
		IKE_SA_LOG(sa, LOG_WARNING, "invalid KE from peer or key derivation failed");
		ike_admit_failed(eng);
		ike_sa_fail(sa, IKE_FAIL_PROTOCOL, "key exchange failed");
		return;
	}
	sa->init_resp_len = (size_t)len;
	ike_state_set(sa, IKE_S_INIT_DONE);	/* and its half-open timeout */
	IKE_SA_LOG(sa, LOG_INFO, "responding to IKE_SA_INIT (%s%s)", dh_name(c.dh),
		   sa->nat_local || sa->nat_remote ? ", NAT detected" : "");
	/* on the port the request came in on; from 500 we move to 4500 when the
	 * initiator does (ike_recv follows it) */
	ike_exchange_send_response(sa, out, (size_t)len);
}
