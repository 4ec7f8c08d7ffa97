/* SPDX-License-Identifier: Apache-2.0 */
/* The receiving thread: UDP (port 4500) -> keepalive / IKE / ESP -> TUN.
 *
 * Per datagram (RFC 3948): one byte 0xFF is a NAT-T keepalive; four zero
 * bytes (the non-ESP marker) start an IKE message, handed to the control
 * plane over the socketpair; anything else is ESP, looked up by SPI,
 * decapsulated and written to the SA's tunnel.
 *
 * Batching: up to DP_RX_BATCH datagrams per recvmmsg, and with UDP_GRO on
 * the socket each may be a train of datagrams of one size (the last may be
 * shorter) that the kernel coalesced; every datagram in it is handled on
 * its own, as above.  Decrypted packets stay where they are in the receive
 * buffer; dp_gro gathers consecutive TCP segments of a flow, and at the end
 * of the batch each gathered item goes to its TUN in one writev (a GSO
 * super-packet when the TUN has IFF_VNET_HDR, else packet by packet). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#include "daemon/base/bytes.h"
#include "daemon/dataplane/mss.h"
#include "daemon/dataplane/offload.h"
#include "daemon/dataplane/priv.h"
#include "daemon/base/log.h"
#include "daemon/base/sockaddr.h"
#include <time.h>

#ifndef UDP_GRO
#define UDP_GRO 104
#endif

#define NON_ESP_MARKER_LEN 4
#define KEEPALIVE_BYTE 0xff

/* One received datagram with where it came from and where it went to. */
struct rx_pkt {
	uint8_t *data;
	size_t len;
	struct sockaddr_storage from;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
			 CMSG_SPACE(sizeof(struct in_pktinfo)) + CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cmsg;
	size_t cmsg_len;
};

/* One recvmmsg batch: the datagrams (or GRO trains) and their headers. */
struct rx_batch {
	struct rx_pkt pkt[DP_RX_BATCH];
	struct mmsghdr mm[DP_RX_BATCH];
	struct iovec iov[DP_RX_BATCH];
	struct dp_sa *last_sa;		/* lookup cache: SPI -> SA within a batch */
	uint32_t last_spi;
	struct dp_tunnel *last_t;
	int last_tid;
};

/* An IPv4 destination from IP_PKTINFO; on a dual-stack IPv6 socket it
 * becomes the v4-mapped address, the form the peer's address has there. */
static void set_v4_dst(struct sockaddr_storage *to, const struct cmsghdr *c)
{
	struct in_pktinfo pi;

	memcpy(&pi, CMSG_DATA(c), sizeof(pi));
	if (to->ss_family == AF_INET) {
		((struct sockaddr_in *)to)->sin_addr = pi.ipi_addr;
	} else {
		uint8_t *a = ((struct sockaddr_in6 *)to)->sin6_addr.s6_addr;

		memset(a, 0, 10);
		memset(a + 10, 0xff, 2);
		memcpy(a + 12, &pi.ipi_addr, 4);
	}
}

static void set_v6_dst(struct sockaddr_storage *to, const struct cmsghdr *c)
{
	struct in6_pktinfo pi;

	memcpy(&pi, CMSG_DATA(c), sizeof(pi));
	if (to->ss_family == AF_INET6)
		((struct sockaddr_in6 *)to)->sin6_addr = pi.ipi6_addr;
}

/* Our address from IP_PKTINFO / IPV6_PKTINFO, our port from getsockname(). */
static void rx_local_addr(const struct rx_pkt *p, const struct dp_sock *s,
			  struct sockaddr_storage *to)
{
	struct msghdr mh = { .msg_control = (void *)p->cmsg.buf, .msg_controllen = p->cmsg_len };

	*to = s->local;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
			set_v4_dst(to, c);
		else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO)
			set_v6_dst(to, c);
	}
}

static void rx_ike(struct dataplane *dp, struct dp_sock *s, struct rx_pkt *p)
{
	struct dp_ike_hdr hdr = { .from = p->from };
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = p->data + NON_ESP_MARKER_LEN, .iov_len = p->len - NON_ESP_MARKER_LEN },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

	if (p->len == NON_ESP_MARKER_LEN) {
		DP_STAT_ADD(dp, drop_malformed, 1);
		return;
	}
	rx_local_addr(p, s, &hdr.to);
	/* A full socketpair means the control plane is behind: drop, the
	 * peer retransmits. */
	if (sendmsg(s->ike_fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("data plane: IKE message dropped: %s", strerror(errno));
}

/* An authentic ESP packet came from an address or port its tunnel does not
 * send to: tell the control plane (at most once a second per SA), which
 * checks with IKE whether the peer moved (ike/move.c).  Packets keep being
 * accepted from anywhere: ESP carries its own authentication. */
static void rx_elsewhere(struct dataplane *dp, struct dp_sock *s, struct dp_sa *sa,
			 const struct dp_tunnel *t, struct rx_pkt *p)
{
	struct dp_ike_hdr hdr = { .from = p->from, .esp_spi = sa->esp->spi };
	struct timespec now;

	if (!t->out || sockaddr_same(&p->from, &t->out->peer))
		return;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	if (sa->elsewhere_at == (uint32_t)now.tv_sec)
		return;
	sa->elsewhere_at = (uint32_t)now.tv_sec;
	rx_local_addr(p, s, &hdr.to);
	if (send(s->ike_fd, &hdr, sizeof(hdr), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("data plane: a moved peer's report dropped: %s", strerror(errno));
}

static void rx_count_error(struct dataplane *dp, struct dp_sa *sa, enum esp_err e)
{
	switch (e) {
	case ESP_ERR_LENGTH:
		DP_STAT_ADD(dp, drop_malformed, 1);
		break;
	case ESP_ERR_REPLAY:
		sa->stats.drop_replay++;
		break;
	case ESP_ERR_AUTH:
		sa->stats.drop_auth++;
		break;
	case ESP_ERR_TS:
		sa->stats.drop_ts++;
		break;
	default:
		sa->stats.drop_other++;
		break;
	}
}


/* Write every gathered item to its TUN and count it on its SA. */
static void rx_flush(struct dataplane *dp)
{
	struct dp_gro *g = dp->gro;
	struct iovec iov[2 + DP_GRO_MAX_SEGS];
	uint8_t vnet[16];

	for (unsigned i = 0; i < g->n_items; i++) {
		const struct dp_gro_item *it = &g->items[i];
		struct dp_tunnel *t = it->tunnel;
		struct dp_sa *sa = it->sa;
		size_t n = dp_gro_item_iov(g, i, t->vnet_len ? vnet : NULL, iov,
					   sizeof(iov) / sizeof(iov[0]));
		size_t want = 0;

		if (t->vnet_len) {	/* a 12-byte header: num_buffers, zero */
			memset(vnet + DP_VNET_HDR_LEN, 0, sizeof(vnet) - DP_VNET_HDR_LEN);
			iov[0].iov_len = t->vnet_len;
		}
		for (size_t k = 0; k < n; k++)
			want += iov[k].iov_len;
		if (n && writev(t->fd, iov, (int)n) == (ssize_t)want) {
			dp_sa_count(sa, it->bytes, it->n);
			DP_STAT_ADD(dp, gro_written, it->n > 1 && t->vnet_len);
		} else
			sa->stats.drop_other += it->n;
	}
	dp_gro_init(g);
}

/* The probe's answers (dataplane.h, dp_tunnel_set_probe): an ICMP echo
 * reply (IPv4: protocol 1, type 0; IPv6: next header 58, type 129) with the
 * probe's identifier is copied to the probe's socket; the control plane
 * checks the rest.  Nothing is logged: a full socket drops the copy, and
 * the probe counts the echo as lost. */
static void rx_probe(const struct dp_tunnel *t, const uint8_t *pkt, size_t len)
{
	size_t at;
	uint8_t reply;

	if (len >= 20 && pkt[0] >> 4 == 4 && pkt[9] == 1) {
		at = (size_t)(pkt[0] & 0x0f) * 4;
		reply = 0;
	} else if (len >= 40 && pkt[0] >> 4 == 6 && pkt[6] == 58) {
		at = 40;
		reply = 129;
	} else {
		return;
	}
	if (at < 20 || len < at + 8 || pkt[at] != reply || get_be16(pkt + at + 4) != t->probe_ident)
		return;
	(void)send(t->probe_fd, pkt, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static struct dp_tunnel *rx_tunnel(struct dataplane *dp, struct rx_batch *b, int id)
{
	if (!b->last_t || b->last_tid != id) {
		b->last_t = dp_tunnel_find(dp, id);
		b->last_tid = id;
	}
	return b->last_t;
}

static void rx_esp(struct dataplane *dp, struct dp_sock *s, struct rx_batch *b,
		   struct rx_pkt *p)
{
	struct dp_sa *sa = b->last_sa;
	struct dp_tunnel *t;
	uint32_t spi;
	uint8_t *inner;
	size_t inner_len;
	enum esp_err e;
	bool coalesce;

	if (p->len < ESP_HDR_LEN) {
		DP_STAT_ADD(dp, drop_malformed, 1);
		return;
	}
	spi = get_be32(p->data);
	if (!sa || spi != b->last_spi) {
		sa = dp_sa_find(dp, true, spi);
		b->last_sa = sa;
		b->last_spi = spi;
	}
	if (!sa) {
		DP_STAT_ADD(dp, drop_unknown_spi, 1);
		return;
	}
	e = esp_sa_decap(sa->esp, p->data, p->len, &inner, &inner_len);
	if (e != ESP_OK) {
		rx_count_error(dp, sa, e);
		return;
	}
	t = rx_tunnel(dp, b, sa->tunnel);
	if (!t) {
		sa->stats.drop_other++;
		return;
	}
	rx_elsewhere(dp, s, sa, t, p);
	if (t->probe_fd >= 0)
		rx_probe(t, inner, inner_len);
	/* a SYN is never coalesced (dataplane/gro.c): clamped, it is written alone */
	if (t->mss4 | t->mss6)
		dp_mss_clamp(inner, inner_len, t->mss4, t->mss6);
	coalesce = t->vnet_len > 0 && !(dp->off & DP_OFF_COALESCE);
	if (!dp_gro_add(dp->gro, inner, inner_len, t, sa, coalesce)) {
		rx_flush(dp);
		dp_gro_add(dp->gro, inner, inner_len, t, sa, coalesce);
	}
}

static void rx_dispatch(struct dataplane *dp, struct dp_sock *s, struct rx_batch *b,
			struct rx_pkt *p)
{
	if (p->len == 1 && p->data[0] == KEEPALIVE_BYTE)
		DP_STAT_ADD(dp, keepalives_rx, 1);
	else if (p->len > DP_MAX_DATAGRAM)
		DP_STAT_ADD(dp, drop_malformed, 1);
	else if (p->len >= NON_ESP_MARKER_LEN && get_be32(p->data) == 0)
		rx_ike(dp, s, p);
	else
		rx_esp(dp, s, b, p);
}

/* The segment size of a GRO train (UDP_GRO cmsg); 0 for one datagram. */
static size_t rx_gso_size(const struct rx_pkt *p)
{
	struct msghdr mh = { .msg_control = (void *)p->cmsg.buf, .msg_controllen = p->cmsg_len };

	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
			int v;

			memcpy(&v, CMSG_DATA(c), sizeof(v));
			return v > 0 ? (size_t)v : 0;
		}
	}
	return 0;
}

/* Datagram i of the batch, or each datagram of its GRO train. */
static void rx_datagram(struct dataplane *dp, struct dp_sock *s, struct rx_batch *b, unsigned i)
{
	struct rx_pkt *p = &b->pkt[i];
	struct msghdr *mh = &b->mm[i].msg_hdr;
	uint8_t *data = b->iov[i].iov_base;
	size_t len = b->mm[i].msg_len, seg;

	p->cmsg_len = mh->msg_controllen;
	if (mh->msg_flags & MSG_TRUNC) {	/* larger than any UDP datagram or train */
		DP_STAT_ADD(dp, drop_malformed, 1);
		return;
	}
	seg = rx_gso_size(p);
	if (!seg || seg >= len)
		seg = len;
	else
		DP_STAT_ADD(dp, gro_received, 1);
	do {
		p->data = data;
		p->len = len < seg ? len : seg;
		rx_dispatch(dp, s, b, p);
		data += p->len;
		len -= p->len;
	} while (len > 0);
}

static int rx_recv(int fd, struct dataplane *dp, struct rx_batch *b)
{
	for (unsigned i = 0; i < DP_RX_BATCH; i++) {
		struct rx_pkt *p = &b->pkt[i];

		b->iov[i] = (struct iovec){ dp->rx_buf + (size_t)i * DP_BUF_LEN, DP_BUF_LEN };
		b->mm[i].msg_hdr = (struct msghdr){
			.msg_name = &p->from, .msg_namelen = sizeof(p->from),
			.msg_iov = &b->iov[i], .msg_iovlen = 1,
			.msg_control = p->cmsg.buf, .msg_controllen = sizeof(p->cmsg.buf),
		};
	}
	return recvmmsg(fd, b->mm, DP_RX_BATCH, MSG_DONTWAIT, NULL);
}

/* Up to DP_BUDGET batches from one socket, each under the read lock (the
 * socket may be removed and closed between two of them); each batch's
 * packets reach their TUNs before the lock is let go. */
void dp_rx_drain(struct dataplane *dp, int fd)
{
	struct rx_batch b;

	for (int round = 0; round < DP_BUDGET; round++) {
		struct dp_sock *s;
		int n = -1;

		pthread_rwlock_rdlock(&dp->lock);
		b.last_sa = NULL;
		b.last_t = NULL;
		s = dp_sock_find(dp, fd);
		if (s)
			n = rx_recv(fd, dp, &b);
		for (int i = 0; i < n; i++)
			rx_datagram(dp, s, &b, (unsigned)i);
		if (n > 0)
			rx_flush(dp);
		pthread_rwlock_unlock(&dp->lock);
		if (n < DP_RX_BATCH)
			return;
	}
}
