/* SPDX-License-Identifier: Apache-2.0 */
/* IKE_AUTH (RFC 7296 1.2, 2.15): identities, PSK authentication (or
 * certificates: auth_sig.c), and the first Child SA with its traffic
 * selectors. */
#include "daemon/ike/engine.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "crypto/alg.h"
#include "crypto/rand.h"
#include "crypto/secret.h"
#include "crypto/x509.h"
#include "daemon/base/log.h"
#include "daemon/ike/proposal.h"
#include "daemon/ike/ts.h"
#include "daemon/ikemsg/sk.h"
#include "daemon/base/bytes.h"

/* An IKE_AUTH message of ours: IDs, AUTH, proposals and selectors fit in
 * 2 KB; certificates (a chain of RSA-4096 ones) need more. */
#define IKE_AUTH_MAX 16384

/* ID payload body: type, 3 reserved bytes, data. Returns its length. */
static size_t id_body(const struct conf_id *id, uint8_t *out, size_t cap)
{
	if (id->len + 4 > cap)
		return 0;
	out[0] = (uint8_t)id->type;
	out[1] = out[2] = out[3] = 0;
	memcpy(out + 4, id->data, id->len);
	return id->len + 4;
}

/* Describe a received ID for logs: addresses, and names escaped (the peer
 * chose their bytes); other types by number. */
static void id_describe(const struct pl_data *id, char *buf, size_t len)
{
	char name[200];

	if (id->kind == ID_IPV4_ADDR && id->len == 4)
		snprintf(buf, len, "%u.%u.%u.%u", id->data[0], id->data[1], id->data[2], id->data[3]);
	else if (id->kind == ID_IPV6_ADDR && id->len == 16)
		inet_ntop(AF_INET6, id->data, buf, (socklen_t)len);
	else if (id->kind == ID_FQDN || id->kind == ID_RFC822_ADDR)
		snprintf(buf, len, "%s%s", id->kind == ID_FQDN ? "@" : "",
			 log_escape(id->data, id->len, name, sizeof(name)));
	else if (id->kind == ID_DER_ASN1_DN) {
		x509_dn_text(id->data, id->len, name, sizeof(name));	/* printable ASCII */
		snprintf(buf, len, "\"%s\"", name);
	}
	else
		snprintf(buf, len, "(ID type %u, %zu bytes)", id->kind, id->len);
}

struct ike_auth_in ike_auth_in(const struct ike_sa *sa, bool signer_is_initiator)
{
	if (signer_is_initiator)
		return (struct ike_auth_in){ sa->init_req, sa->init_req_len, sa->nr, sa->nrlen,
					     sa->keys.sk_pi };
	return (struct ike_auth_in){ sa->init_resp, sa->init_resp_len, sa->ni, sa->nilen,
				     sa->keys.sk_pr };
}

/* AUTH for the signer: prf(prf(PSK, pad), its first message | peer nonce | prf(SK_p, ID)). */
static int psk_auth(const struct ike_sa *sa, bool initiator_side, const uint8_t *idb,
		    size_t idlen, uint8_t *out)
{
	const struct secret *psk = sa->conn->cfg->psk;
	struct ike_auth_in in = ike_auth_in(sa, initiator_side);

	if (!psk)
		return -1;
	return keymat_psk_auth(sa->alg.prf, psk->buf, psk->len, in.msg, in.msglen, in.nonce,
			       in.noncelen, in.sk_p, idb, idlen, out);
}

/* The peer's AUTH under the conn's authby=: 0, or -1 with why. */
static int verify_auth(struct ike_sa *sa, const struct ike_msg *msg, bool peer_is_initiator,
		       char *why, size_t wl)
{
	const struct pl_data *id = peer_is_initiator ? &msg->idi : &msg->idr;
	uint8_t want[64];
	size_t n = prf_out_len(sa->alg.prf);

	if (sa->conn->cfg->authby == CONF_AUTHBY_SIG)
		return ike_sig_verify(sa, msg, peer_is_initiator, why, wl);
	snprintf(why, wl, "its AUTH does not match our PSK");
	if (msg->auth.kind != AUTH_METHOD_PSK) {
		snprintf(why, wl, "it authenticates with AUTH method %u (%s), but authby=secret",
			 msg->auth.kind, msg->auth.kind == AUTH_METHOD_RSA ||
			 msg->auth.kind == AUTH_METHOD_DIGITAL_SIGNATURE ||
			 (msg->auth.kind >= AUTH_METHOD_ECDSA_256 && msg->auth.kind <= AUTH_METHOD_ECDSA_521)
			 ? "a signature: set authby=rsasig or ecdsa and certificates" : "unknown");
		return -1;
	}
	if (msg->auth.len != n || n > sizeof(want))
		return -1;
	if (psk_auth(sa, peer_is_initiator, id->body, id->body_len, want))
		return -1;
	int r = secret_memcmp(want, msg->auth.data, n);
	secret_wipe(want, sizeof(want));
	return r ? -1 : 0;
}

/* Our ID, [CERT,] [CERTREQ,] [IDr,] AUTH (RFC 7296 1.2's order). */
/* Kept for status; with certificates also logged (which one, how). */
static void peer_authenticated(struct ike_sa *sa, const char *got, const char *why)
{
	if (sa->conn->cfg->authby != CONF_AUTHBY_SIG) {
		snprintf(sa->peer_auth, sizeof(sa->peer_auth), "pre-shared key");
		return;
	}
	snprintf(sa->peer_auth, sizeof(sa->peer_auth), "%s", why);
	IKE_SA_LOG(sa, LOG_INFO, "peer %s authenticated: %s", got, why);
}

static int add_id_auth(struct ike_sa *sa, struct ike_msgb *b, uint8_t id_type)
{
	const struct conf_conn *cfg = sa->conn->cfg;
	uint8_t idb[sizeof(cfg->leftid.data) + 4], auth[1 + 255 + SIG_MAX], method = AUTH_METHOD_PSK;
	size_t idlen = id_body(&cfg->leftid, idb, sizeof(idb)), alen = prf_out_len(sa->alg.prf);
	bool sig = cfg->authby == CONF_AUTHBY_SIG;

	if (!idlen)
		return -1;
	if (sig ? ike_sig_auth_make(sa, idb, idlen, &method, auth, sizeof(auth), &alen)
		: psk_auth(sa, sa->initiator, idb, idlen, auth))
		return -1;
	pl_data_build(b, id_type, idb[0], idb + 4, idlen - 4);
	if (sig)
		ike_sig_certs_add(sa, b);
	if (sa->initiator) {
		ike_sig_certreq_add(sa, b);
		/* tell the responder which identity we expect (not "any") */
		uint8_t rb[sizeof(cfg->rightid.data) + 4];
		size_t rlen = cfg->rightid.type != CONF_ID_ANY
				      ? id_body(&cfg->rightid, rb, sizeof(rb)) : 0;
		if (rlen)
			pl_data_build(b, PL_IDR, rb[0], rb + 4, rlen - 4);
	}
	pl_data_build(b, PL_AUTH, method, auth, alen);
	secret_wipe(auth, sizeof(auth));
	return 0;
}

int ike_auth_start(struct ike_sa *sa)
{
	const struct conf_conn *cfg = sa->conn->cfg;
	struct ike_proposal props[CONF_MAX_ALGS];
	struct ike_ts tsl[CONF_MAX_SUBNETS], tsr[CONF_MAX_SUBNETS];
	uint8_t out[IKE_AUTH_MAX], inner[IKE_AUTH_MAX];
	struct ike_msgb b;
	struct ike_hdr h;
	uint8_t spi[4];

	sa->child_spi_in = child_sa_spi_new();
	if (!sa->child_spi_in)
		return -1;
	put_be32(spi, sa->child_spi_in);
	ike_sa_hdr(sa, &h, IKE_AUTH, false, sa->next_msgid);
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&b);
	if (add_id_auth(sa, &b, PL_IDI))
		return -1;
	size_t n = proposal_offer(cfg->esp, cfg->n_esp, PROTO_ESP, spi, 4, false, props);
	bool first = true;
	for (struct ike_sa *o = sa->eng->sas; o; o = o->next)
		if (o != sa && o->conn == sa->conn && o->state == IKE_S_ESTABLISHED)
			first = false;
	if (first)
		pl_notify_build(&b, 0, NULL, 0, N_INITIAL_CONTACT, NULL, 0);
	pl_sa_build(&b, props, n);
	pl_ts_build(&b, PL_TSI, tsl, ts_local_conf(cfg, tsl));
	pl_ts_build(&b, PL_TSR, tsr, ts_remote_conf(cfg, tsr));
	ike_state_set(sa, IKE_S_AUTH_SENT);
	return ike_exchange_send_sealed(sa, &b, false, PEND_AUTH);
}

/* ---- responder ---- */

static void respond_error(struct ike_sa *sa, uint16_t type, bool with_auth)
{
	uint8_t out[IKE_AUTH_MAX], inner[IKE_AUTH_MAX];
	struct ike_msgb b;
	struct ike_hdr h;

	ike_sa_hdr(sa, &h, IKE_AUTH, true, sa->peer_msgid);
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&b);
	if (with_auth && add_id_auth(sa, &b, PL_IDR))
		return;
	pl_notify_build(&b, 0, NULL, 0, type, NULL, 0);
	ike_exchange_send_sealed(sa, &b, true, PEND_NONE);
}

/* The peer's IDs choose among the conns between the two addresses
 * (ike/match.c); the AUTH must then be right under that conn's PSK. */
static bool auth_request_ok(struct ike_sa *sa, const struct ike_msg *msg)
{
	char got[300];

	id_describe(&msg->idi, got, sizeof(got));
	struct conn *conn = ike_match_auth(sa, msg);
	if (!conn) {
		char want[sizeof(sa->conn->cfg->rightid.text) + 2];
		IKE_SA_LOG(sa, LOG_WARNING, "AUTHENTICATION_FAILED: peer ID %s is not rightid %s",
			   got, ike_id_text(&sa->conn->cfg->rightid, want, sizeof(want)));
		respond_error(sa, N_AUTHENTICATION_FAILED, false);
		return false;
	}
	bool moved = conn != sa->conn;
	sa->conn = conn;
	const struct conf_conn *cfg = conn->cfg;
	char why[400];
	if (msg->n_certreq)
		sa->peer_certreq = true;
	if (verify_auth(sa, msg, true, why, sizeof(why))) {
		IKE_SA_LOG(sa, LOG_WARNING, "AUTHENTICATION_FAILED: peer %s: %s", got, why);
		respond_error(sa, N_AUTHENTICATION_FAILED, false);
		return false;
	}
	sa->authenticated = true;	/* before the line: a stranger's lines are limited */
	peer_authenticated(sa, got, why);
	if (moved)
		IKE_SA_LOG(sa, LOG_INFO, "peer %s belongs to conn \"%s\"", got, cfg->name);
	if (ike_msg_has(msg, PL_IDR) && !ike_match_id(&msg->idr, &cfg->leftid)) {
		id_describe(&msg->idr, got, sizeof(got));
		char ours[sizeof(cfg->leftid.text) + 2];
		ike_id_text(&cfg->leftid, ours, sizeof(ours));
		IKE_SA_LOG(sa, LOG_WARNING, "peer expects us as %s, but leftid is %s; answering as %s",
			   got, ours, ours);
	}
	return true;
}

/* Child SA negotiation as responder; 0 or the error notify type. */
static int respond_child(struct ike_sa *sa, const struct ike_msg *msg, struct ike_proposal *prop,
			 struct ike_ts *tsi, size_t *ntsi, struct ike_ts *tsr, size_t *ntsr)
{
	const struct conf_conn *cfg = sa->conn->cfg;
	struct ike_ts ours[CONF_MAX_SUBNETS];
	struct proposal_choice c;
	uint8_t spi[4];
	uint32_t spi_in = child_sa_spi_new();

	put_be32(spi, spi_in);
	if (proposal_select(&msg->sa, cfg->esp, cfg->n_esp, PROTO_ESP, false, spi, 4, prop, &c)) {
		if (proposal_esn_mismatch(&msg->sa, cfg->esp, cfg->n_esp, false))
			IKE_SA_LOG(sa, LOG_WARNING,
				   "NO_PROPOSAL_CHOSEN: the peer's ESP proposals match phase2alg= "
				   "but not esn=%s (the peer offers ESN %s)",
				   proposal_esn_name(cfg->esn), proposal_esn_offered(&msg->sa));
		else
			IKE_SA_LOG(sa, LOG_WARNING,
				   "NO_PROPOSAL_CHOSEN: none of the peer's ESP proposals matches phase2alg=");
		return N_NO_PROPOSAL_CHOSEN;
	}
	*ntsi = ts_narrow(&msg->tsi, ours, ts_remote_conf(cfg, ours), tsi, IKE_MAX_TS);
	*ntsr = ts_narrow(&msg->tsr, ours, ts_local_conf(cfg, ours), tsr, IKE_MAX_TS);
	if (!*ntsi || !*ntsr) {
		IKE_SA_LOG(sa, LOG_WARNING,
			   "TS_UNACCEPTABLE: peer's selectors are outside leftsubnet/rightsubnet");
		return N_TS_UNACCEPTABLE;
	}
	sa->child = child_sa_new(sa, &c, spi_in, false, sa->ni, sa->nilen, sa->nr, sa->nrlen, NULL);
	if (!sa->child)
		return N_TEMPORARY_FAILURE;
	child_sa_set_ts(sa->child, tsr, *ntsr, tsi, *ntsi);
	return 0;
}

void ike_auth_respond(struct ike_sa *sa, struct ike_msg *msg)
{
	struct ike_proposal prop;
	struct ike_ts tsi[IKE_MAX_TS], tsr[IKE_MAX_TS];
	size_t ntsi = 0, ntsr = 0;
	uint8_t out[IKE_AUTH_MAX], inner[IKE_AUTH_MAX];
	struct ike_msgb b;
	struct ike_hdr h;

	if (!auth_request_ok(sa, msg)) {
		ike_sa_fail(sa, IKE_FAIL_AUTH, "authentication failed");
		return;
	}
	if (ike_msg_notify(msg, N_INITIAL_CONTACT))
		for (struct ike_sa *o = sa->eng->sas; o; o = o->next)
			if (o != sa && o->conn == sa->conn && o->state == IKE_S_ESTABLISHED &&
			    o->est_mark <= sa->serial)
				ike_sa_kill(o, "replaced (INITIAL_CONTACT)");
	int err = respond_child(sa, msg, &prop, tsi, &ntsi, tsr, &ntsr);
	if (err) {
		respond_error(sa, (uint16_t)err, true);
		sa->fail = ike_fail_of_notify((uint16_t)err);	/* for the DELETE's end */
		ike_state_set(sa, IKE_S_ESTABLISHED);
		ike_info_send_delete(sa);	/* an IKE SA without its Child SA is of no use */
		return;
	}
	ike_sa_hdr(sa, &h, IKE_AUTH, true, sa->peer_msgid);
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&b);
	if (add_id_auth(sa, &b, PL_IDR)) {
		/* we cannot sign for this peer (logged why): say so rather than
		 * leave it retransmitting to its timeout */
		respond_error(sa, N_AUTHENTICATION_FAILED, false);
		ike_sa_fail(sa, IKE_FAIL_LOCAL, "cannot compute AUTH");
		return;
	}
	pl_sa_build(&b, &prop, 1);
	pl_ts_build(&b, PL_TSI, tsi, ntsi);
	pl_ts_build(&b, PL_TSR, tsr, ntsr);
	if (ike_exchange_send_sealed(sa, &b, true, PEND_NONE)) {
		ike_sa_fail(sa, IKE_FAIL_LOCAL, "cannot send IKE_AUTH response");
		return;
	}
	ike_established(sa);
}

/* ---- initiator ---- */

/* The responder's ID or AUTH failed here: say so in an INFORMATIONAL of its
 * own (RFC 7296 2.21.2 allows this one request started by an error), so
 * that the responder, which considers the IKE SA established, drops it
 * instead of keeping it until DPD.  Sent once: the SA ends right after. */
static void tell_auth_failed(struct ike_sa *sa)
{
	uint8_t out[512], inner[256];
	struct ike_crypt_keys k;
	struct ike_msgb b;
	struct ike_hdr h;

	ike_exchange_finish(sa);	/* IKE_AUTH is over: the next message ID */
	ike_sa_hdr(sa, &h, INFORMATIONAL, false, sa->next_msgid);
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&b);
	pl_notify_build(&b, 0, NULL, 0, N_AUTHENTICATION_FAILED, NULL, 0);
	ike_sa_keys_out(sa, &k);
	int len = ike_crypt_seal(&b, &k);
	if (len > 0)
		ike_exchange_send_raw(sa->eng, &sa->local, &sa->remote, sa->natt, out, (size_t)len);
}

static bool auth_response_ok(struct ike_sa *sa, const struct ike_msg *msg)
{
	const struct conf_conn *cfg = sa->conn->cfg;
	const struct pl_notify *err = ike_msg_error_notify(msg);
	char got[300];

	/* an error answer without IDr and AUTH: IKE_AUTH itself failed */
	if (msg->broken || (err && (!ike_msg_has(msg, PL_IDR) || !ike_msg_has(msg, PL_AUTH)))) {
		const char *why = err ? ike_notify_name(err->type) : msg->broken;
		IKE_SA_LOG(sa, LOG_WARNING, "peer refused IKE_AUTH: %s", why);
		ike_sa_fail(sa, err ? ike_fail_of_notify(err->type) : IKE_FAIL_PROTOCOL, why);
		return false;
	}
	id_describe(&msg->idr, got, sizeof(got));
	if (!ike_match_id(&msg->idr, &cfg->rightid)) {
		char want[sizeof(cfg->rightid.text) + 2];
		IKE_SA_LOG(sa, LOG_WARNING, "peer identifies as %s, expected rightid %s", got,
			   ike_id_text(&cfg->rightid, want, sizeof(want)));
		tell_auth_failed(sa);
		ike_sa_fail(sa, IKE_FAIL_AUTH, "peer ID mismatch");
		return false;
	}
	char why[400];
	if (verify_auth(sa, msg, false, why, sizeof(why))) {
		IKE_SA_LOG(sa, LOG_WARNING, "AUTHENTICATION_FAILED: peer %s: %s", got, why);
		tell_auth_failed(sa);
		ike_sa_fail(sa, IKE_FAIL_AUTH, "AUTHENTICATION_FAILED");
		return false;
	}
	peer_authenticated(sa, got, why);
	return true;
}

static int check_child(struct ike_sa *sa, const struct ike_msg *msg)
{
	const struct conf_conn *cfg = sa->conn->cfg;
	struct ike_ts l[CONF_MAX_SUBNETS], r[CONF_MAX_SUBNETS];
	struct proposal_choice c;
	const struct pl_notify *err = ike_msg_error_notify(msg);
	size_t nl = ts_local_conf(cfg, l), nr = ts_remote_conf(cfg, r);

	if (err) {	/* without one, SA, TSi and TSr are there (ike/rules.c) */
		/* The peer cannot say which transform it refused: name ours
		 * when it is the one-sided kind. */
		bool esn_hint = err->type == N_NO_PROPOSAL_CHOSEN && cfg->esn != CONF_ESN_EITHER;

		IKE_SA_LOG(sa, LOG_WARNING, "peer refused the Child SA: %s%s%s%s",
			   ike_notify_name(err->type), esn_hint ? " (we offer only esn=" : "",
			   esn_hint ? proposal_esn_name(cfg->esn) : "", esn_hint ? ")" : "");
		sa->down_why = ike_notify_name(err->type);
		sa->fail = ike_fail_of_notify(err->type);
		return -1;
	}
	if (proposal_check_answer(&msg->sa, cfg->esp, cfg->n_esp, PROTO_ESP, false, &c)) {
		IKE_SA_LOG(sa, LOG_WARNING, "peer chose an ESP proposal we did not offer");
		sa->fail = IKE_FAIL_PROPOSAL;
		return -1;
	}
	if (!ts_subset(&msg->tsi, l, nl) || !ts_subset(&msg->tsr, r, nr)) {
		IKE_SA_LOG(sa, LOG_WARNING, "peer's traffic selectors are wider than ours");
		sa->fail = IKE_FAIL_PROPOSAL;
		return -1;
	}
	sa->child = child_sa_new(sa, &c, sa->child_spi_in, true, sa->ni, sa->nilen, sa->nr,
				 sa->nrlen, NULL);
	if (!sa->child) {
		sa->fail = IKE_FAIL_LOCAL;
		return -1;
	}
	child_sa_set_ts(sa->child, msg->tsi.ts, msg->tsi.n, msg->tsr.ts, msg->tsr.n);
	return 0;
}

void ike_auth_on_response(struct ike_sa *sa, struct ike_msg *msg)
{
	if (!auth_response_ok(sa, msg))
		return;
	ike_exchange_done(sa);
	if (check_child(sa, msg)) {
		ike_state_set(sa, IKE_S_ESTABLISHED);
		ike_info_send_delete(sa);
		return;
	}
	ike_established(sa);
}
