/* SPDX-License-Identifier: Apache-2.0 */
/* Entry point for received IKE messages: cheap checks first (header, SPI,
 * message ID), then payload parsing, decryption, and the exchange handler. */
#include "daemon/ike/engine.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto/secret.h"
#include "daemon/ikemsg/sk.h"
#include "daemon/base/log.h"
#include "daemon/base/sockaddr.h"

/* RFC 7296 2.5: a request with an unknown payload marked critical is
 * answered UNSUPPORTED_CRITICAL_PAYLOAD naming its type; here statelessly,
 * and only to an address some conn has as its peer. */
static void init_critical(struct ike_engine *eng, const struct sockaddr_storage *local,
			  const struct sockaddr_storage *remote, bool natt, const struct ike_msg *msg)
{
	uint8_t type = (uint8_t)msg->unsupported_critical;

	for (size_t i = 0; i < eng->n_conns; i++) {
		if (ike_match_addrs(eng->conns[i]->cfg, local, remote)) {
			ike_admit_notify(eng, local, remote, natt, msg, N_UNSUPPORTED_CRITICAL_PAYLOAD,
					 &type, 1);
			return;
		}
	}
}

static void init_request(struct ike_engine *eng, const struct sockaddr_storage *local,
			 const struct sockaddr_storage *remote, bool natt, struct ike_msg *msg)
{
	char from[64];
	struct ike_sa *sa = ike_sa_find_halfopen(eng, msg->hdr.spii, remote);

	if (msg->hdr.spir != 0 || msg->hdr.msgid != 0)
		return;
	if (sa) {	/* a retransmission: answer from the cache */
		if (sa->resp && sa->state == IKE_S_INIT_DONE)
			ike_exchange_send_raw(eng, &sa->local, &sa->remote, sa->natt, sa->resp,
					      sa->resp_len);
		return;
	}
	/* a half-open SA keeps a copy until IKE_AUTH: bounded */
	int r = msg->raw_len > IKE_INIT_MAX_LEN ? IKE_ERR_TOO_MANY : ike_msg_parse_payloads(msg);
	if (r) {
		sockaddr_str(remote, from, sizeof(from), true);
		log_limited(LOG_INFO, NULL, "dropping IKE_SA_INIT from %s: %s", from,
			    ike_parse_strerror(r));
		if (r == IKE_ERR_CRITICAL)
			init_critical(eng, local, remote, natt, msg);
		return;
	}
	if (!ike_rules_check(msg, IKE_MK_INIT, false)) {
		sockaddr_str(remote, from, sizeof(from), true);
		log_limited(LOG_INFO, NULL, "dropping IKE_SA_INIT from %s: it carries %s", from,
			    msg->broken);
		return;
	}
	ike_init_respond(eng, local, remote, natt, msg);
}

/* An authentic request whose SK held an unknown critical payload (RFC 7296
 * 2.5); an IKE_AUTH request refused so ends its IKE SA. */
static void inner_critical(struct ike_sa *sa, const struct ike_msg *msg, bool response)
{
	uint8_t type = (uint8_t)msg->unsupported_critical;

	IKE_SA_LOG_LIMITED(sa, LOG_INFO, "%s %s %u carries unknown critical payload type %u%s",
			   ike_exchange_name(msg->hdr.exchange), response ? "response" : "request",
			   msg->hdr.msgid, type,
			   response ? "; ignored" : ": UNSUPPORTED_CRITICAL_PAYLOAD");
	if (response)
		return;
	ike_exchange_respond_notify(sa, msg->hdr.exchange, N_UNSUPPORTED_CRITICAL_PAYLOAD, &type,
				    1);
	if (msg->hdr.exchange == IKE_AUTH)
		ike_sa_fail(sa, IKE_FAIL_PROTOCOL, "IKE_AUTH request with an unsupported critical payload");
}

/* In an encrypted exchange every payload is inside SK (RFC 7296 3.14): the
 * outer chain is SK alone, or one Encrypted Fragment (RFC 7383), which
 * ike/frag.c keeps until the message is whole. */
static bool sk_alone(const struct ike_msg *msg)
{
	return msg->outer == PL_BIT(PL_SK) || msg->outer == PL_BIT(PL_SKF);
}

static int decrypt(struct ike_sa *sa, struct ike_msg *msg, bool response, uint8_t *plain,
		   size_t cap, size_t *used)
{
	struct ike_crypt_keys k;
	size_t n = 0;
	int r = ike_msg_parse_payloads(msg);

	if (r == IKE_OK && !sk_alone(msg))
		r = IKE_ERR_OUTSIDE_SK;
	if (r) {
		IKE_SA_LOG_LIMITED(sa, LOG_INFO, "dropping %s: %s", ike_exchange_name(msg->hdr.exchange),
			   ike_parse_strerror(r));
		return -1;
	}
	ike_sa_keys_in(sa, &k);
	if (msg->outer == PL_BIT(PL_SKF)) {
		if (ike_frag_receive(sa, msg, response, plain, cap, &n))
			return -1;	/* kept for later, or dropped */
	} else if (ike_crypt_open(msg, &k, plain, cap, &n)) {
		IKE_SA_LOG_LIMITED(sa, LOG_INFO, "dropping %s %u: integrity check or decryption failed",
			   ike_exchange_name(msg->hdr.exchange), msg->hdr.msgid);
		return -1;
	}
	*used = n;	/* (a reassembled message may be longer than the datagram) */
	r = ike_msg_parse_inner(msg, plain, n);
	if (r == IKE_ERR_CRITICAL) {
		inner_critical(sa, msg, response);
		return -1;
	}
	if (r) {
		IKE_SA_LOG_LIMITED(sa, LOG_INFO, "dropping %s %u: inner payloads: %s",
			   ike_exchange_name(msg->hdr.exchange), msg->hdr.msgid,
			   ike_parse_strerror(r));
		return -1;
	}
	return 0;
}

/* The payload rules (ike/rules.c), once for every message before its handler.
 * A broken request is answered INVALID_SYNTAX here (an IKE_AUTH request so
 * answered ends its IKE SA); a broken INFORMATIONAL response is dropped (our
 * request is retransmitted); the handlers of IKE_AUTH and CREATE_CHILD_SA
 * responses see msg->broken and end or undo what they started.  True: go on. */
static bool rules_ok(struct ike_sa *sa, struct ike_msg *msg, bool response)
{
	if (ike_rules_check(msg, ike_rules_kind(sa, msg, response), response))
		return true;
	IKE_SA_LOG_LIMITED(sa, LOG_INFO, "%s %s %u is broken: it carries %s",
			   ike_exchange_name(msg->hdr.exchange), response ? "response" : "request",
			   msg->hdr.msgid, msg->broken);
	if (!response) {
		ike_exchange_respond_notify(sa, msg->hdr.exchange, N_INVALID_SYNTAX, NULL, 0);
		if (msg->hdr.exchange == IKE_AUTH)
			ike_sa_fail(sa, IKE_FAIL_PROTOCOL, "IKE_AUTH request with the wrong payloads");
		return false;
	}
	return msg->hdr.exchange != INFORMATIONAL;
}

/* A CREATE_CHILD_SA request: a Child SA rekey (REKEY_SA), an IKE SA rekey
 * (the rules tell it by its payloads), or an additional Child SA, refused. */
static void create_child_respond(struct ike_sa *sa, struct ike_msg *msg)
{
	if (ike_msg_notify(msg, N_REKEY_SA) && sa->state != IKE_S_ESTABLISHED) {
		/* our DELETE of this IKE SA is out: no new Child SA on it */
		IKE_SA_LOG(sa, LOG_INFO, "peer's Child SA rekey answered TEMPORARY_FAILURE: %s",
			   ike_state_name(sa->state));
		ike_exchange_respond_notify(sa, CREATE_CHILD_SA, N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	if (ike_msg_notify(msg, N_REKEY_SA)) {
		ike_rekey_child_respond(sa, msg);
		return;
	}
	if (ike_rules_kind(sa, msg, false) == IKE_MK_REKEY_IKE) {
		ike_rekey_ike_respond(sa, msg);
		return;
	}
	IKE_SA_LOG(sa, LOG_INFO, "refusing an additional Child SA: one per conn");
	ike_exchange_respond_notify(sa, CREATE_CHILD_SA, N_NO_ADDITIONAL_SAS, NULL, 0);
}

static void dispatch(struct ike_sa *sa, struct ike_msg *msg, bool response)
{
	switch (msg->hdr.exchange) {
	case IKE_AUTH:
		if (response)
			ike_auth_on_response(sa, msg);
		else
			ike_auth_respond(sa, msg);
		return;
	case INFORMATIONAL:
		if (response && (sa->pending == PEND_DPD || sa->pending == PEND_PROBE))
			ike_dpd_on_response(sa);
		else if (response)
			ike_info_on_response(sa, msg);
		else
			ike_info_respond(sa, msg);
		return;
	case CREATE_CHILD_SA:
		if (!response)
			create_child_respond(sa, msg);
		else if (sa->pending == PEND_REKEY_CHILD)
			ike_rekey_child_on_response(sa, msg);
		else if (sa->pending == PEND_REKEY_IKE)
			ike_rekey_ike_on_response(sa, msg);
		return;
	}
	IKE_SA_LOG(sa, LOG_INFO, "ignoring exchange type %u", msg->hdr.exchange);
}

/* The exchange type of our outstanding request. */
static uint8_t pending_exchange(enum ike_pending p)
{
	switch (p) {
	case PEND_NONE: return 0;
	case PEND_INIT: return IKE_SA_INIT;
	case PEND_AUTH: return IKE_AUTH;
	case PEND_REKEY_CHILD:
	case PEND_REKEY_IKE: return CREATE_CHILD_SA;
	case PEND_DELETE:
	case PEND_INFO:
	case PEND_DELETE_CHILD:
	case PEND_DPD:
	case PEND_PROBE: return INFORMATIONAL;
	}
	return 0;
}

/* The previous request repeated (RFC 7296 2.1): answered from the cache, but
 * only once the repeat proves itself, as a datagram with the right SPIs and
 * message ID is easy to forge and the answer is larger than the question
 * (reflection).  It must be of the cached answer's exchange type and pass the
 * integrity check; then the answer goes where it came from, on the port it
 * came in on (a NAT may have moved the peer: RFC 7296 2.23).  A request
 * repeated in fragments is answered once, at its fragment 1 (each checked
 * on its own), with the whole answer (its fragments too).  The IKE_SA_INIT
 * answer is repeated by init_request(), to the SA's own address only. */
static void answer_repeat(struct ike_sa *sa, struct ike_msg *msg,
			  const struct sockaddr_storage *local,
			  const struct sockaddr_storage *remote, bool natt, uint8_t *plain,
			  size_t cap)
{
	struct ike_crypt_keys k;
	size_t n = 0;

	if (!sa->resp || sa->resp_len < IKE_HDR_LEN || sa->resp[18] == IKE_SA_INIT ||
	    sa->resp[18] != msg->hdr.exchange)
		return;
	if (ike_msg_parse_payloads(msg) != IKE_OK || !sk_alone(msg))
		return;
	if (msg->outer == PL_BIT(PL_SKF) && (!sa->frag || msg->sk.frag_num != 1))
		return;
	ike_sa_keys_in(sa, &k);
	if (ike_crypt_open(msg, &k, plain, cap, &n)) {
		IKE_SA_LOG_LIMITED(sa, LOG_INFO, "dropping repeated %s %u: integrity check failed",
				   ike_exchange_name(msg->hdr.exchange), msg->hdr.msgid);
		return;
	}
	secret_wipe(plain, n);
	ike_exchange_send_msgs(sa->eng, local, remote, natt, sa->resp, sa->resp_len);
}

/* Message-ID rules: a response must answer our outstanding request, in its
 * exchange type; a request must be the next one (the previous one repeated is
 * answer_repeat()'s). */
static bool msgid_ok(struct ike_sa *sa, const struct ike_msg *msg, bool response)
{
	if (response && sa->req && msg->hdr.msgid == sa->next_msgid &&
	    msg->hdr.exchange != pending_exchange(sa->pending)) {
		IKE_SA_LOG_LIMITED(sa, LOG_INFO, "ignoring %s response %u: our request is %s",
				   ike_exchange_name(msg->hdr.exchange), msg->hdr.msgid,
				   ike_exchange_name(pending_exchange(sa->pending)));
		return false;
	}
	if (response)
		return sa->req && msg->hdr.msgid == sa->next_msgid;
	return msg->hdr.msgid == sa->peer_msgid;
}

void ike_receive(struct ike_engine *eng, const struct sockaddr_storage *local,
		 const struct sockaddr_storage *remote, bool natt, const uint8_t *buf, size_t len)
{
	static uint8_t plain[IKE_MAX_MSG];
	struct ike_msg msg;
	char from[64];
	int r = ike_msg_parse_header(buf, len, &msg);

	if (r) {
		sockaddr_str(remote, from, sizeof(from), true);
		log_debug("dropping datagram from %s: %s", from, ike_parse_strerror(r));
		return;
	}
	bool response = msg.hdr.flags & IKE_FLAG_R;
	bool from_initiator = msg.hdr.flags & IKE_FLAG_I;
	if (msg.hdr.exchange == IKE_SA_INIT && !response) {
		init_request(eng, local, remote, natt, &msg);
		return;
	}
	uint64_t spi = from_initiator ? msg.hdr.spir : msg.hdr.spii;
	struct ike_sa *sa = ike_sa_find(eng, spi, !from_initiator);
	if (!sa || sa->state == IKE_S_DEAD) {
		sockaddr_str(remote, from, sizeof(from), true);
		log_debug("dropping %s from %s: unknown IKE SA", ike_exchange_name(msg.hdr.exchange),
			  from);
		return;
	}
	if (msg.hdr.exchange == IKE_SA_INIT) {
		/* a broken answer is ignored: the request is retransmitted */
		if (sa->state == IKE_S_INIT_SENT && msg.hdr.msgid == 0 &&
		    ike_msg_parse_payloads(&msg) == IKE_OK && ike_rules_check(&msg, IKE_MK_INIT, true))
			ike_init_on_response(sa, &msg);
		return;
	}
	if (!response && msg.hdr.msgid + 1 == sa->peer_msgid) {
		answer_repeat(sa, &msg, local, remote, natt, plain, sizeof(plain));
		return;
	}
	if (!msgid_ok(sa, &msg, response))
		return;
	if (!ike_state_accepts(sa->state, msg.hdr.exchange, response)) {
		IKE_SA_LOG_LIMITED(sa, LOG_INFO, "ignoring %s %s %u in state %s",
				   ike_exchange_name(msg.hdr.exchange),
				   response ? "response" : "request", msg.hdr.msgid,
				   ike_state_name(sa->state));
		return;
	}
	size_t used = 0;
	if (decrypt(sa, &msg, response, plain, sizeof(plain), &used) == 0) {
		clock_gettime(CLOCK_MONOTONIC, &sa->last_rx);
		ike_move_seen(sa, local, remote, natt, response);
		if (!response) {
			sa->reply_local = *local;
			sa->reply_remote = *remote;
			sa->reply_natt = natt;
		}
		if (rules_ok(sa, &msg, response))
			dispatch(sa, &msg, response);
		sa->reply_remote.ss_family = AF_UNSPEC;	/* (freed only at the next loop turn) */
	}
	if (used < len)
		used = len;
	secret_wipe(plain, sizeof(plain) < used ? sizeof(plain) : used);
}
