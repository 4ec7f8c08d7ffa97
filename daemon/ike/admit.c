/* SPDX-License-Identifier: Apache-2.0 */
/* Admission of IKE_SA_INIT requests: what a flood may cost the responder.
 *
 * Each request that a conn's address matches is weighed before any DH or
 * state.  Under load (RFC 7296 2.6) it must echo a valid COOKIE, and one
 * without is answered with a COOKIE alone: "load" is the half-open SAs plus
 * the requests that were admitted lately but failed (a bad KE value, no
 * proposal), so a flood of those ends in COOKIEs too; and one peer address
 * with IKE_COOKIE_THRESHOLD_PEER half-open SAs is under load by itself, so a
 * spoofer cannot fill that peer's cap without receiving the cookies.  Past
 * the caps (per peer address and in all) nothing is admitted, cookie or not:
 * they bound the memory that unauthenticated SAs hold. */
#include "daemon/ike/engine.h"

#include "daemon/base/log.h"
#include "daemon/base/sockaddr.h"

void ike_admit_init_defaults(struct ike_engine *eng)
{
	eng->cookie_threshold = IKE_COOKIE_THRESHOLD;
	eng->cookie_threshold_peer = IKE_COOKIE_THRESHOLD_PEER;
	eng->halfopen_max = IKE_HALFOPEN_MAX;
	eng->halfopen_max_peer = IKE_HALFOPEN_MAX_PEER;
}

/* Failed requests in the last window or so: the previous window's count
 * fades out linearly while the current one fills. */
static unsigned recent_failures(struct ike_admit_rate *r, double now)
{
	double w = IKE_HALFOPEN_TIMEOUT_S;

	if (now - r->start >= 2 * w) {
		r->prev = r->cur = 0;
		r->start = now;
	} else if (now - r->start >= w) {
		r->prev = r->cur;
		r->cur = 0;
		r->start += w;
	}
	return r->cur + (unsigned)(r->prev * (1.0 - (now - r->start) / w));
}

void ike_admit_failed(struct ike_engine *eng)
{
	recent_failures(&eng->init_fails, ike_engine_now());
	eng->init_fails.cur++;
}

unsigned ike_admit_load(struct ike_engine *eng)
{
	return eng->n_halfopen + recent_failures(&eng->init_fails, ike_engine_now());
}

/* Half-open SAs from this peer address (any port). */
static unsigned halfopen_from(const struct ike_engine *eng, const struct sockaddr_storage *ip)
{
	unsigned n = 0;

	for (const struct ike_sa *sa = eng->sas; sa; sa = sa->next)
		n += !sa->initiator && sa->state == IKE_S_INIT_DONE &&
		     sockaddr_same_ip(&sa->remote, ip);
	return n;
}

void ike_admit_notify(struct ike_engine *eng, const struct sockaddr_storage *local,
		      const struct sockaddr_storage *remote, bool natt, const struct ike_msg *req,
		      uint16_t type, const uint8_t *data, size_t len)
{
	uint8_t out[512];
	struct ike_msgb b;
	struct ike_hdr h = { .spii = req->hdr.spii, .exchange = IKE_SA_INIT, .flags = IKE_FLAG_R };

	ike_msgb_init(&b, out, sizeof(out), NULL, 0, &h);
	pl_notify_build(&b, 0, NULL, 0, type, data, len);
	int n = ike_msgb_finish_plain(&b);
	if (n > 0)
		ike_exchange_send_raw(eng, local, remote, natt, out, (size_t)n);
}

/* A COOKIE alone as the answer; per request at most a debug line. */
static void demand_cookie(struct ike_engine *eng, const struct sockaddr_storage *local,
			  const struct sockaddr_storage *remote, bool natt,
			  const struct ike_msg *msg, bool had_one, double now)
{
	uint8_t ck[IKE_COOKIE_LEN];
	char from[64];

	if (ike_cookie_make(&eng->cookies, now, msg->nonce.data, msg->nonce.len, remote,
			    msg->hdr.spii, ck))
		return;
	ike_admit_notify(eng, local, remote, natt, msg, N_COOKIE, ck, sizeof(ck));
	eng->cookies_sent++;
	if (log_enabled(LOG_DEBUG)) {
		sockaddr_str(remote, from, sizeof(from), true);
		log_debug("%u half-open IKE SAs: answering IKE_SA_INIT from %s with a COOKIE%s",
			  eng->n_halfopen, from, had_one ? " (its COOKIE is invalid)" : "");
	}
}

bool ike_admit_init(struct ike_engine *eng, const struct sockaddr_storage *local,
		    const struct sockaddr_storage *remote, bool natt, const struct ike_msg *msg)
{
	const struct pl_notify *n = ike_msg_notify(msg, N_COOKIE);
	unsigned peer_min = eng->cookie_threshold_peer < eng->halfopen_max_peer ?
			    eng->cookie_threshold_peer : eng->halfopen_max_peer;
	/* the scan only when the total alone could reach a per-peer limit */
	unsigned from_peer = eng->n_halfopen >= peer_min ? halfopen_from(eng, remote) : 0;
	double now = ike_engine_now();
	char from[64];

	if (ike_admit_load(eng) >= eng->cookie_threshold ||
	    from_peer >= eng->cookie_threshold_peer) {
		if (!n || !ike_cookie_check(&eng->cookies, now, n->data, n->len, msg->nonce.data,
					    msg->nonce.len, remote, msg->hdr.spii)) {
			demand_cookie(eng, local, remote, natt, msg, n != NULL, now);
			return false;
		}
	}
	if (eng->n_halfopen < eng->halfopen_max && from_peer < eng->halfopen_max_peer)
		return true;
	eng->halfopen_refused++;
	sockaddr_str(remote, from, sizeof(from), true);
	log_limited(LOG_WARNING, NULL, "IKE_SA_INIT from %s refused: %u half-open IKE SAs, "
		    "%u from it (at most %u, %u per peer)", from, eng->n_halfopen, from_peer,
		    eng->halfopen_max, eng->halfopen_max_peer);
	return false;
}
