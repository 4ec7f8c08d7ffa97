/* SPDX-License-Identifier: Apache-2.0 */
/* Exchanges with window size 1 (RFC 7296 2.1-2.3): our one outstanding
 * request is retransmitted with backoff until its response arrives; the last
 * response we sent is kept and re-sent when the peer repeats its request.
 * Either may be a train of fragments (ike/frag.c): all of it goes each time. */
#include "daemon/ike/engine.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ikemsg/sk.h"
#include "daemon/base/bytes.h"
#include "daemon/base/log.h"

/* 0.5 s doubling: sent 7 times (0.5 1 2 4 8 16 32 s apart), given up 63.5 s after the first */
#define RETX_FIRST_MS 500
#define RETX_MAX 6

int ike_exchange_send_raw(struct ike_engine *eng, const struct sockaddr_storage *local,
			  const struct sockaddr_storage *remote, bool natt, const uint8_t *msg,
			  size_t len)
{
	if (!eng->io.send)
		return -1;
	return eng->io.send(eng->io.arg, local, remote, natt, msg, len);
}

int ike_exchange_send_msgs(struct ike_engine *eng, const struct sockaddr_storage *local,
			   const struct sockaddr_storage *remote, bool natt, const uint8_t *msgs,
			   size_t len)
{
	size_t off = 0;
	int r = 0;

	while (len - off >= IKE_HDR_LEN) {
		size_t n = get_be32(msgs + off + 24);
		if (n < IKE_HDR_LEN || n > len - off)
			return -1;	/* ours, so never: but do not read past it */
		if (ike_exchange_send_raw(eng, local, remote, natt, msgs + off, n))
			r = -1;
		off += n;
	}
	return off == len ? r : -1;
}

static void retx_arm(struct ike_sa *sa)
{
	unsigned ms = RETX_FIRST_MS << sa->retries;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	evtimer_add(sa->retx_ev, &tv);
}

static void retx_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ike_sa *sa = arg;

	if (!sa->req || sa->state == IKE_S_DEAD)
		return;
	if (sa->retries >= RETX_MAX) {
		IKE_SA_LOG(sa, LOG_WARNING, "no response from peer after %u retransmissions",
			   sa->retries);
		if (sa->state == IKE_S_ESTABLISHED)
			ike_dpd_dead(sa);	/* dpdaction decides what follows */
		else
			ike_sa_fail(sa, IKE_FAIL_TIMEOUT, "peer not responding");
		return;
	}
	sa->retries++;
	IKE_SA_LOG(sa, LOG_DEBUG, "retransmitting request (%u)", sa->retries);
	ike_exchange_send_msgs(sa->eng, &sa->req_local, &sa->req_remote, sa->natt, sa->req,
			       sa->req_len);
	if (sa->req_alt)
		ike_exchange_send_msgs(sa->eng, &sa->alt_local, &sa->alt_remote, sa->natt, sa->req,
				       sa->req_len);
	retx_arm(sa);
}

int ike_exchange_send_request(struct ike_sa *sa, enum ike_pending what, const uint8_t *msg,
			      size_t len)
{
	uint8_t *copy = malloc(len);

	if (!copy)
		return -1;
	memcpy(copy, msg, len);
	free(sa->req);
	sa->req = copy;
	sa->req_len = len;
	sa->req_local = sa->local;
	sa->req_remote = sa->remote;
	sa->pending = what;
	sa->retries = 0;
	evtimer_del(sa->retx_ev);
	event_assign(sa->retx_ev, sa->eng->base, -1, 0, retx_cb, sa);
	retx_arm(sa);
	ike_exchange_send_msgs(sa->eng, &sa->local, &sa->remote, sa->natt, msg, len);
	if (sa->req_alt)
		ike_exchange_send_msgs(sa->eng, &sa->alt_local, &sa->alt_remote, sa->natt, msg, len);
	return 0;
}

void ike_exchange_finish(struct ike_sa *sa)
{
	evtimer_del(sa->retx_ev);
	free(sa->req);
	sa->req = NULL;
	sa->req_len = 0;
	sa->req_alt = false;
	sa->pending = PEND_NONE;
	sa->next_msgid++;
}

void ike_exchange_done(struct ike_sa *sa)
{
	ike_exchange_finish(sa);
	ike_exchange_run_queue(sa);
}

/* Queued work, most important first; one request at a time (window size 1). */
void ike_exchange_run_queue(struct ike_sa *sa)
{
	if (sa->pending != PEND_NONE || sa->state != IKE_S_ESTABLISHED)
		return;
	if (sa->want.delete_ike) {
		sa->want.delete_ike = false;
		ike_info_send_delete(sa);
	} else if (sa->want.probe) {	/* everything else would go to the old place */
		sa->want.probe = false;
		if (ike_move_probe_send(sa))
			ike_exchange_run_queue(sa);
	} else if (sa->want.delete_child) {
		struct child_sa *c = child_sa_by_spi_in(sa, sa->want.delete_child);
		sa->want.delete_child = 0;
		if (c)
			ike_info_send_delete_child(sa, c);
		else
			ike_exchange_run_queue(sa);
	} else if (sa->want.delete_spi) {
		uint32_t spi = sa->want.delete_spi;
		sa->want.delete_spi = 0;
		ike_info_send_delete_spi(sa, spi);
	} else if (sa->want.rekey_ike) {
		sa->want.rekey_ike = false;
		sa->rk.by = sa->want.rekey_ike_by;
		if (ike_rekey_ike_start(sa))
			IKE_SA_LOG(sa, LOG_WARNING, "cannot start the IKE SA rekey");
	} else if (sa->want.rekey_child) {
		uint32_t spi = sa->want.rekey_child;
		sa->want.rekey_child = 0;
		sa->rk.by = sa->want.rekey_child_by;
		if (ike_rekey_child_start(sa, spi))
			IKE_SA_LOG(sa, LOG_WARNING, "cannot start the Child SA rekey");
	} else if (sa->want.dpd) {
		sa->want.dpd = false;
		ike_dpd_send(sa);
	}
}

int ike_exchange_send_response(struct ike_sa *sa, const uint8_t *msg, size_t len)
{
	uint8_t *copy = malloc(len);

	if (!copy)
		return -1;
	memcpy(copy, msg, len);
	free(sa->resp);
	sa->resp = copy;
	sa->resp_len = len;
	sa->peer_msgid++;
	/* to where the request came from (RFC 7296 2.11); the SA's own addresses
	 * for an answer that is not to a received request */
	if (sa->reply_remote.ss_family)
		return ike_exchange_send_msgs(sa->eng, &sa->reply_local, &sa->reply_remote,
					      sa->reply_natt, msg, len);
	return ike_exchange_send_msgs(sa->eng, &sa->local, &sa->remote, sa->natt, msg, len);
}

int ike_exchange_send_sealed(struct ike_sa *sa, struct ike_msgb *b, bool response,
		       enum ike_pending what)
{
	struct ike_crypt_keys k;

	ike_sa_keys_out(sa, &k);
	if (ike_frag_wanted(sa, b, &k)) {
		uint8_t *frags;
		size_t n;
		int r;

		if (ike_frag_build(sa, b, &k, &frags, &n))
			return -1;
		r = response ? ike_exchange_send_response(sa, frags, n)
			     : ike_exchange_send_request(sa, what, frags, n);
		free(frags);
		return r;
	}
	int len = ike_crypt_seal(b, &k);
	if (len < 0) {
		IKE_SA_LOG(sa, LOG_ERR, "cannot build encrypted message (too large?)");
		return -1;
	}
	if (response)
		return ike_exchange_send_response(sa, b->out.p, (size_t)len);
	return ike_exchange_send_request(sa, what, b->out.p, (size_t)len);
}

/* An encrypted response made of one notify (none: an empty answer). */
void ike_exchange_respond_notify(struct ike_sa *sa, uint8_t exchange, uint16_t type,
				 const uint8_t *data, size_t len)
{
	uint8_t out[512], inner[256];
	struct ike_msgb b;
	struct ike_hdr h;

	ike_sa_hdr(sa, &h, exchange, true, sa->peer_msgid);
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&b);
	if (type)
		pl_notify_build(&b, 0, NULL, 0, type, data, len);
	ike_exchange_send_sealed(sa, &b, true, PEND_NONE);
}
