/* SPDX-License-Identifier: Apache-2.0 */
/* IKE fragmentation (RFC 7383): an encrypted message too large for one
 * datagram of the path leaves as Encrypted Fragment (SKF) payloads, each a
 * whole IKE message sealed on its own; the peer's fragments are reassembled
 * per SA and direction.  Only once both sides announced
 * IKEV2_FRAGMENTATION_SUPPORTED in IKE_SA_INIT (ike/init.c), so never before
 * the SA has keys.  Every fragment is checked for integrity before it is
 * kept (2.6): a forged one costs a decryption, never memory. */
#include "daemon/ike/engine.h"

#include <event2/event.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "crypto/secret.h"
#include "daemon/base/bytes.h"
#include "daemon/ikemsg/sk.h"

/* RFC 7383 2.5.1: without knowledge of the path, IP packets of 1280 bytes
 * for IPv6 (its minimum MTU) and 576 for IPv4 (what every host must take)
 * are safe; ike-fragment-size= sets another (strongSwan's fragment_size is
 * the same measure).  Less the IP and UDP headers and the non-ESP marker:
 * the IKE message's room. */
static size_t datagram_room(const struct ike_sa *sa)
{
	bool v6 = sa->remote.ss_family == AF_INET6;
	size_t ip = sa->conn->cfg->ike_fragment_size;
	size_t hdrs = (v6 ? 40 : 20) + 8 + (sa->natt ? 4 : 0);

	if (!ip)
		ip = v6 ? 1280 : 576;
	return ip > hdrs ? ip - hdrs : 0;
}

bool ike_frag_enabled(const struct ike_sa *sa)
{
	return sa->conn && sa->conn->cfg->fragmentation != CONF_FRAG_NO;
}

bool ike_frag_wanted(const struct ike_sa *sa, const struct ike_msgb *b,
		     const struct ike_crypt_keys *k)
{
	if (!sa->frag || b->out.len != IKE_HDR_LEN || b->out.err || b->inner.err)
		return false;	/* not negotiated, or outer payloads (none in SK exchanges) */
	/* What fits goes whole, force or not: one fragment gains nothing, and
	 * strongSwan 5.9 takes an INFORMATIONAL whose first payload is SKF for
	 * an unencrypted one and drops it. */
	return ike_crypt_sealed_len(k, b->out.len, b->inner.len) > datagram_room(sa);
}

/* The header ike_msgb_init wrote, back as a struct (length and next payload
 * are each fragment's own). */
static void hdr_of(const uint8_t *p, struct ike_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->spii = get_be64(p);
	h->spir = get_be64(p + 8);
	h->exchange = p[18];
	h->flags = p[19];
	h->msgid = get_be32(p + 20);
}

int ike_frag_build(struct ike_sa *sa, struct ike_msgb *b, const struct ike_crypt_keys *k,
		   uint8_t **out, size_t *out_len)
{
	static uint8_t scratch[IKE_MAX_MSG + 32];
	size_t room = datagram_room(sa);
	size_t piece = ike_crypt_fragment_room(k, room);
	size_t n = b->inner.len, total = piece ? (n ? (n + piece - 1) / piece : 1) : 0;
	uint8_t *buf = NULL;
	size_t pos = 0;
	struct ike_hdr h;
	int r = -1;

	hdr_of(b->out.p, &h);
	if (!total || total > IKE_FRAG_MAX) {
		IKE_SA_LOG(sa, LOG_ERR, "cannot fragment %s %u: %zu bytes in pieces of %zu would "
			   "make more than %u fragments", ike_exchange_name(h.exchange), h.msgid, n,
			   piece, IKE_FRAG_MAX);
		goto out;
	}
	if (!(buf = malloc(total * room)))
		goto out;
	for (size_t i = 0; i < total; i++) {
		size_t len = i + 1 < total ? piece : n - i * piece;
		int m = ike_crypt_seal_fragment(&h, b->first_inner, (uint16_t)(i + 1),
						(uint16_t)total, b->inner.p + i * piece, len, k,
						buf + pos, room, scratch, sizeof(scratch));
		if (m < 0)
			goto out;
		pos += (size_t)m;
	}
	IKE_SA_LOG(sa, LOG_DEBUG, "sending %s %s %u in %zu fragments (%zu bytes each at most)",
		   ike_exchange_name(h.exchange), h.flags & IKE_FLAG_R ? "response" : "request",
		   h.msgid, total, room);
	*out = buf;
	*out_len = pos;
	buf = NULL;
	r = 0;
out:
	secret_wipe(b->inner.p, b->inner.len);
	free(buf);
	return r;
}

/* ---- receiving ---- */

static void slot_clear(struct ike_frag_rx *rx)
{
	for (unsigned i = 0; i < IKE_FRAG_MAX; i++) {
		if (rx->piece[i]) {
			secret_wipe(rx->piece[i], rx->piece_len[i]);
			free(rx->piece[i]);
			rx->piece[i] = NULL;
		}
		rx->piece_len[i] = 0;
	}
	if (rx->ev)
		evtimer_del(rx->ev);
	rx->active = false;
	rx->total = rx->have = 0;
	rx->bytes = 0;
}

static void timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ike_frag_rx *rx = arg;

	(void)fd;
	(void)what;
	IKE_SA_LOG(rx->sa, LOG_DEBUG, "gave up reassembling %s %u: %u of %u fragments in %d s",
		   ike_exchange_name(rx->exchange), rx->msgid, rx->have, rx->total,
		   IKE_FRAG_TIMEOUT_S);
	slot_clear(rx);
}

void ike_frag_clear(struct ike_sa *sa)
{
	for (int i = 0; i < 2; i++) {
		slot_clear(&sa->frag_rx[i]);
		if (sa->frag_rx[i].ev)
			event_free(sa->frag_rx[i].ev);
		sa->frag_rx[i].ev = NULL;
	}
}

static int slot_start(struct ike_sa *sa, struct ike_frag_rx *rx, const struct ike_msg *msg)
{
	struct timeval tv = { IKE_FRAG_TIMEOUT_S, 0 };

	slot_clear(rx);
	if (!rx->ev && !(rx->ev = evtimer_new(sa->eng->base, timeout_cb, rx)))
		return -1;
	rx->sa = sa;
	rx->active = true;
	rx->msgid = msg->hdr.msgid;
	rx->exchange = msg->hdr.exchange;
	rx->total = msg->sk.frag_total;
	evtimer_add(rx->ev, &tv);
	return 0;
}

/* What to do with a fragment before any crypto: 1 go on, 0 ignore it
 * (a duplicate, or of a fragmenting the sender has since made finer). */
static int cheap_checks(struct ike_sa *sa, const struct ike_frag_rx *rx, const struct ike_msg *msg,
			const char *what)
{
	uint16_t num = msg->sk.frag_num, total = msg->sk.frag_total;

	if (!sa->frag) {
		IKE_SA_LOG_LIMITED(sa, LOG_INFO, "dropping Encrypted Fragment of %s: fragmentation "
				   "was not negotiated", what);
		return 0;
	}
	if (total > IKE_FRAG_MAX) {
		IKE_SA_LOG_LIMITED(sa, LOG_INFO, "dropping Encrypted Fragment %u/%u of %s: we "
				   "reassemble at most %u fragments", num, total, what, IKE_FRAG_MAX);
		return 0;
	}
	if (num == 1 && msg->sk.first_inner == PL_NONE) {
		IKE_SA_LOG_LIMITED(sa, LOG_INFO, "dropping Encrypted Fragment 1/%u of %s: it names "
				   "no first payload", total, what);
		return 0;
	}
	if (!rx->active || rx->msgid != msg->hdr.msgid || rx->exchange != msg->hdr.exchange)
		return 1;
	if (total < rx->total)	/* RFC 7383 2.6: a stale, coarser fragmenting */
		return 0;
	if (total == rx->total && rx->piece[num - 1])
		return 0;	/* a duplicate: the piece we have passed its check */
	return 1;
}

int ike_frag_receive(struct ike_sa *sa, struct ike_msg *msg, bool response, uint8_t *plain,
		     size_t cap, size_t *plain_len)
{
	struct ike_frag_rx *rx = &sa->frag_rx[response ? 1 : 0];
	uint16_t num = msg->sk.frag_num, total = msg->sk.frag_total;
	struct ike_crypt_keys k;
	char what[64];
	size_t n = 0;

	snprintf(what, sizeof(what), "%s %s %u", ike_exchange_name(msg->hdr.exchange),
		 response ? "response" : "request", msg->hdr.msgid);
	if (!cheap_checks(sa, rx, msg, what))
		return 1;
	ike_sa_keys_in(sa, &k);
	if (ike_crypt_open(msg, &k, plain, cap, &n)) {
		IKE_SA_LOG_LIMITED(sa, LOG_INFO, "dropping Encrypted Fragment %u/%u of %s: "
				   "integrity check or decryption failed", num, total, what);
		return -1;
	}
	/* authentic: a new message, or a finer fragmenting of this one, starts over */
	if ((!rx->active || rx->msgid != msg->hdr.msgid || rx->exchange != msg->hdr.exchange ||
	     total > rx->total) && slot_start(sa, rx, msg))
		goto drop;
	if (rx->bytes + n > IKE_FRAG_MAX_BYTES) {
		IKE_SA_LOG_LIMITED(sa, LOG_INFO, "dropping %s: its fragments hold more than %d "
				   "bytes", what, IKE_FRAG_MAX_BYTES);
		slot_clear(rx);
		goto drop;
	}
	if (!(rx->piece[num - 1] = malloc(n ? n : 1)))
		goto drop;
	memcpy(rx->piece[num - 1], plain, n);
	secret_wipe(plain, n);
	rx->piece_len[num - 1] = (uint16_t)n;
	rx->bytes += n;
	rx->have++;
	if (num == 1)
		rx->first_inner = msg->sk.first_inner;
	if (rx->have < rx->total)
		return 1;
	/* whole: the pieces in order, then on as if it came in one SK payload */
	size_t len = 0;
	for (unsigned i = 0; i < rx->total; i++) {
		memcpy(plain + len, rx->piece[i], rx->piece_len[i]);
		len += rx->piece_len[i];
	}
	IKE_SA_LOG(sa, LOG_DEBUG, "%s reassembled from %u fragments", what, rx->total);
	msg->sk.first_inner = rx->first_inner;
	msg->outer = PL_BIT(PL_SK);
	msg->count[PL_SKF - PL_FIRST] = 0;
	msg->count[PL_SK - PL_FIRST] = 1;
	slot_clear(rx);
	*plain_len = len;
	return 0;
drop:
	secret_wipe(plain, n);
	return -1;
}
