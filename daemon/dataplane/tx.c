/* SPDX-License-Identifier: Apache-2.0 */
/* The sending thread: TUN -> ESP -> UDP.  A packet leaves only encrypted
 * under the tunnel's current outbound SA; without one it is dropped.
 *
 * Batching: a TUN with offloads hands over TCP/UDP super-packets of up to
 * 64 KB, which dp_gso cuts into MSS-sized segments.  Each segment (or
 * plain packet) is encapsulated straight into the train buffer; ESP packets
 * of one SA and one size (the last may be shorter) leave together in one
 * sendmsg with UDP_SEGMENT (UDP GSO), up to DP_TRAIN_SEGS packets or 64 KB.
 * The train leaves when it is full, when the next packet does not fit it,
 * and before the thread goes back to epoll: nothing waits for more
 * traffic.  Trains are sent in order, so sequence numbers leave in order.
 * With mss-clamp=, the SYNs among the segments get their MSS lowered
 * (dp_mss.h) before encryption. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "daemon/dataplane/mss.h"
#include "daemon/dataplane/offload.h"
#include "daemon/dataplane/priv.h"
#include "daemon/base/log.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

/* ESP packets gathered for one send: dp->train[0 .. len). */
struct train {
	struct dp_sa *sa;		/* NULL while empty */
	size_t len, seg;		/* bytes; the first packet's length */
	size_t inner;			/* inner bytes, for the counters */
	unsigned n;
	bool closed;			/* a shorter packet came: it must be the last */
};

/* Next header from the inner packet's IP version (len > 0); 0 when neither. */
static uint8_t tx_next_header(const uint8_t *pkt)
{
	switch (pkt[0] >> 4) {
	case 4:
		return ESP_NH_IPV4;
	case 6:
		return ESP_NH_IPV6;
	default:
		return 0;
	}
}

/* The fallback when UDP_SEGMENT is refused (no checksum offload on the
 * route's device, an XFRM policy on the path...): one datagram each. */
static unsigned send_each(struct dp_sa *sa, const uint8_t *buf, const struct train *tr)
{
	struct mmsghdr mm[DP_TRAIN_SEGS];
	struct iovec iov[DP_TRAIN_SEGS];
	unsigned n = 0;
	int sent;

	for (size_t off = 0; off < tr->len && n < DP_TRAIN_SEGS; off += tr->seg, n++) {
		size_t l = tr->len - off < tr->seg ? tr->len - off : tr->seg;

		iov[n] = (struct iovec){ (void *)(buf + off), l };
		mm[n].msg_hdr = (struct msghdr){ .msg_name = &sa->peer, .msg_namelen = sa->peer_len,
						 .msg_iov = &iov[n], .msg_iovlen = 1 };
	}
	sent = sendmmsg(sa->sock, mm, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	return sent > 0 ? (unsigned)sent : 0;
}

static void train_send(struct dataplane *dp, struct train *tr)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { dp->train, tr->len };
	struct dp_sa *sa = tr->sa;
	struct msghdr mh = { .msg_name = &sa->peer, .msg_namelen = sa->peer_len,
			     .msg_iov = &iov, .msg_iovlen = 1 };
	struct dp_sock *s = dp_sock_find(dp, sa->sock);
	unsigned ok = 0;

	if (s && tr->n > 1 && !s->no_gso) {
		uint16_t seg = (uint16_t)tr->seg;
		struct cmsghdr *c;

		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_UDP;
		c->cmsg_type = UDP_SEGMENT;
		c->cmsg_len = CMSG_LEN(sizeof(seg));
		memcpy(CMSG_DATA(c), &seg, sizeof(seg));
	}
	if (!s)
		ok = 0;
	else if (tr->n > 1 && s->no_gso)
		ok = send_each(sa, dp->train, tr);
	else if (sendmsg(sa->sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)tr->len)
		ok = tr->n, DP_STAT_ADD(dp, gso_sent, tr->n > 1);
	else if (tr->n > 1 && (errno == EIO || errno == EINVAL || errno == EOPNOTSUPP)) {
		log_info("data plane: UDP GSO refused (%s); sending one datagram each",
			 strerror(errno));
		s->no_gso = true;
		ok = send_each(sa, dp->train, tr);
	}
	/* a train is counted whole: its packets share one fate unless sent one by one */
	if (ok == tr->n)
		dp_sa_count(sa, tr->inner, tr->n);
	else
		sa->stats.drop_other += tr->n - ok;
}

static void train_flush(struct dataplane *dp, struct train *tr)
{
	if (tr->n)
		train_send(dp, tr);
	*tr = (struct train){ 0 };
}

/* The ESP packet just made at dp->train + tr->len joins the train, or the
 * train leaves and the packet starts the next one. */
static void train_add(struct dataplane *dp, struct train *tr, struct dp_sa *sa, size_t esp_len,
		      size_t inner)
{
	if (tr->n && (tr->sa != sa || tr->closed || esp_len > tr->seg || tr->n == DP_TRAIN_SEGS ||
		      tr->len + esp_len > DP_TRAIN_BYTES)) {
		size_t at = tr->len;

		train_flush(dp, tr);
		memmove(dp->train, dp->train + at, esp_len);
	}
	if (!tr->n) {
		tr->sa = sa;
		tr->seg = esp_len;
	} else if (esp_len < tr->seg) {
		tr->closed = true;
	}
	tr->len += esp_len;
	tr->inner += inner;
	tr->n++;
}

/* RFC 4301 5.1: a packet outside the SA's selectors must not leave under
 * it (the peer would drop it anyway, as drop_ts).  Checked once per TUN
 * read: a super-packet's segments share its one IP header, and nothing is
 * encapsulated yet, so no sequence number is spent. */
static bool tx_selectors_allow(struct dp_sa *sa, uint8_t nh, const uint8_t *pkt, size_t len)
{
	enum esp_err e = esp_sa_check_outbound(sa->esp, nh, pkt, len);

	if (e == ESP_ERR_TS)
		sa->stats.drop_ts_out++;
	else if (e != ESP_OK)
		sa->stats.drop_other++;		/* too short for its IP header */
	return e == ESP_OK;
}

/* pkt[0 .. len) read from t (after its vnet header h): each segment is
 * encapsulated at the train's end. */
static void tx_packet(struct dataplane *dp, struct dp_tunnel *t, struct train *tr,
		      const struct dp_vnet_hdr *h, const uint8_t *pkt, size_t len)
{
	struct dp_sa *sa = t->out;
	uint8_t nh = len ? tx_next_header(pkt) : 0;
	struct dp_gso g;

	if (!sa) {
		DP_STAT_ADD(dp, drop_no_sa, 1);
		return;
	}
	if (!nh || !dp_sock_find(dp, sa->sock) || dp_gso_init(&g, h, pkt, len) != 0) {
		sa->stats.drop_other++;
		return;
	}
	if (!tx_selectors_allow(sa, nh, pkt, len))
		return;
	DP_STAT_ADD(dp, tso_split, g.mss != 0);
	while (!g.done) {
		uint8_t *slot = dp->train + tr->len;
		size_t cap = DP_TRAIN_BUF - tr->len, seg, esp_len;

		seg = dp_gso_next(&g, slot + ESP_HEADROOM, cap - ESP_HEADROOM - ESP_TAILROOM);
		/* after the split: every segment's checksum is complete */
		if (seg && (t->mss4 | t->mss6))
			dp_mss_clamp(slot + ESP_HEADROOM, seg, t->mss4, t->mss6);
		if (!seg || esp_sa_encap(sa->esp, slot, cap, seg, nh, &esp_len) != ESP_OK) {
			sa->stats.drop_other++;
			return;
		}
		train_add(dp, tr, sa, esp_len, seg);
	}
}

/* A TUN fd that reports EOF or a hard error (its interface was deleted)
 * stays readable forever: take it out of the epoll set instead of spinning.
 * dp_tunnel_remove() still frees it. */
static void tx_tunnel_broken(struct dataplane *dp, struct dp_tunnel *t, ssize_t n)
{
	log_warn("data plane: tunnel %d: %s; no longer read", t->id,
		 n == 0 ? "end of file" : strerror(errno));
	epoll_ctl(dp->tx_epoll, EPOLL_CTL_DEL, t->fd, NULL);
}

static void tx_read_one(struct dataplane *dp, struct dp_tunnel *t, struct train *tr, size_t n)
{
	struct dp_vnet_hdr h = { 0 };
	const uint8_t *pkt = dp->tx_buf;

	if (t->vnet_len) {
		if (n < t->vnet_len) {
			DP_STAT_ADD(dp, drop_malformed, 1);
			return;
		}
		dp_vnet_parse(pkt, &h);
		pkt += t->vnet_len;
		n -= t->vnet_len;
	}
	tx_packet(dp, t, tr, &h, pkt, n);
}

/* Up to DP_BUDGET packets from one tunnel under one read lock; the train
 * leaves before the lock is let go (it points at an SA). */
void dp_tx_drain(struct dataplane *dp, int id)
{
	struct train tr = { 0 };
	struct dp_tunnel *t;

	pthread_rwlock_rdlock(&dp->lock);
	t = dp_tunnel_find(dp, id);
	for (int i = 0; t && i < DP_BUDGET; i++) {
		ssize_t n = read(t->fd, dp->tx_buf, DP_TUN_READ_LEN);

		if (n > 0) {
			tx_read_one(dp, t, &tr, (size_t)n);
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			tx_tunnel_broken(dp, t, n);
		break;
	}
	train_flush(dp, &tr);
	pthread_rwlock_unlock(&dp->lock);
}

/* The probe's echo request (dataplane.h): one packet through tx_packet,
 * under the tx work, which the control thread takes for it. */
int dp_tunnel_send(struct dataplane *dp, int id, const uint8_t *pkt, size_t len)
{
	struct dp_vnet_hdr h = { 0 };
	struct train tr = { 0 };
	struct dp_tunnel *t;
	struct dp_sa *sa;
	uint64_t before;
	int r = -ENOENT;

	if (len == 0 || len > DP_MAX_INNER)
		return -EINVAL;
	pthread_mutex_lock(&dp->work[DP_TX]);
	pthread_rwlock_rdlock(&dp->lock);
	t = dp_tunnel_find(dp, id);
	sa = t ? t->out : NULL;
	if (t && !sa) {
		r = -ENOTCONN;
	} else if (t) {
		before = sa->stats.packets;
		tx_packet(dp, t, &tr, &h, pkt, len);
		r = tr.n ? 0 : -EINVAL;
		train_flush(dp, &tr);
		if (r == 0 && sa->stats.packets == before)
			r = -EIO;
	}
	pthread_rwlock_unlock(&dp->lock);
	pthread_mutex_unlock(&dp->work[DP_TX]);
	return r;
}
