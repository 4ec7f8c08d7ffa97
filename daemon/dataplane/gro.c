/* SPDX-License-Identifier: Apache-2.0 */
/* TCP coalescing before TUN writes (the kernel's tcp_gro_receive rules, in
 * userspace): decrypted inbound segments of one flow become one
 * super-packet that the TUN takes as a GSO packet (virtio_net_hdr with
 * GSO_TCPV4/6 and a partial checksum), so the stack above handles one
 * packet instead of dozens.  Items keep arrival order; a segment only ever
 * joins the newest item of its flow, so no flow is reordered. */
#include <string.h>

#include "daemon/base/bytes.h"
#include "daemon/dataplane/offload.h"

#define TCP_ACK 0x10
#define TCP_PSH 0x08

/* What coalescing needs to know of one packet. */
struct seg {
	size_t l4off, thlen, plen;
	uint32_t seq;
	uint8_t flags;
};

enum kind { OTHER, TCP_ALONE, TCP_MERGE };


/* L4 offset of a TCP packet with exact IP lengths and no IPv4 options,
 * fragments or IPv6 extension headers; 0 when it is anything else. */
static size_t tcp_l4off(const uint8_t *p, size_t len)
{
	if (len >= 20 && p[0] == 0x45 && p[9] == 6 && (size_t)get_be16(p + 2) == len &&
	    ((size_t)get_be16(p + 6) & 0x3fff) == 0)
		return 20;
	if (len >= 40 && p[0] >> 4 == 6 && p[6] == 6 && (size_t)get_be16(p + 4) + 40 == len)
		return 40;
	return 0;
}

static enum kind classify(const uint8_t *p, size_t len, struct seg *s)
{
	const uint8_t *th;

	s->l4off = tcp_l4off(p, len);
	if (!s->l4off || len < s->l4off + 20)
		return OTHER;
	th = p + s->l4off;
	s->thlen = (size_t)(th[12] >> 4) * 4;
	if (s->thlen < 20 || s->l4off + s->thlen > len)
		return OTHER;
	s->plen = len - s->l4off - s->thlen;
	s->seq = get_be32(th + 4);
	s->flags = th[13];
	if (s->plen == 0 || (s->flags & ~(TCP_ACK | TCP_PSH)) || !(s->flags & TCP_ACK))
		return TCP_ALONE;
	if (!dp_csum_l4_ok(p, len, s->l4off, 6))
		return TCP_ALONE;	/* the kernel drops it and counts it */
	return TCP_MERGE;
}

/* Addresses and ports equal (a and b both TCP with the same l4off). */
static bool same_flow(const uint8_t *a, const uint8_t *b, size_t l4off)
{
	if (a[0] >> 4 != b[0] >> 4)
		return false;
	if (l4off == 20 ? memcmp(a + 12, b + 12, 8) : memcmp(a + 8, b + 8, 32))
		return false;
	return memcmp(a + l4off, b + l4off, 4) == 0;
}

/* The IP fields GRO insists on (TOS, DF, TTL; IPv6 class, label, hop
 * limit) and the TCP header but sequence number, flags, checksum and urgent
 * pointer.  The window too, as tcp_gro_receive flushes on any change of the
 * flag word but CWR, FIN and PSH: a super-packet carries its first
 * segment's window, and a later segment's window update would be lost. */
static bool headers_match(const uint8_t *a, const uint8_t *b, size_t l4off, size_t thlen)
{
	const uint8_t *ta = a + l4off, *tb = b + l4off;

	if (l4off == 20 ? (a[1] != b[1] || a[6] != b[6] || a[8] != b[8])
			: (memcmp(a, b, 4) || a[7] != b[7]))
		return false;
	return (ta[12] >> 4) * 4 == (int)thlen && memcmp(ta + 8, tb + 8, 4) == 0 &&
	       memcmp(ta + 14, tb + 14, 2) == 0 && memcmp(ta + 20, tb + 20, thlen - 20) == 0;
}

void dp_gro_init(struct dp_gro *g)
{
	g->n_pkts = g->n_items = 0;
	for (int i = 0; i < DP_GRO_OPEN; i++)
		g->open[i] = -1;
}

static bool can_append(const struct dp_gro_item *it, const uint8_t *head, const uint8_t *p,
		       const struct seg *s)
{
	size_t limit = it->l4off == 20 ? 0xffff : 0xffff + 40;

	return !it->closed && it->n < DP_GRO_MAX_SEGS && s->l4off == it->l4off &&
	       s->thlen == it->hlen - it->l4off && s->seq == it->next_seq &&
	       s->plen <= it->seg_payload && it->total + s->plen <= limit &&
	       headers_match(head, p, s->l4off, s->thlen);
}

static void append(struct dp_gro *g, struct dp_gro_item *it, const struct seg *s, size_t len)
{
	uint8_t *head = g->pkts[it->first].data;

	g->pkts[it->last].next = (int)g->n_pkts - 1;
	it->last = (int)g->n_pkts - 1;
	it->n++;
	it->total += s->plen;
	it->bytes += len;
	it->next_seq += (uint32_t)s->plen;
	if (s->plen < it->seg_payload || (s->flags & TCP_PSH))
		it->closed = true;	/* a short or pushed segment ends the burst */
	head[it->l4off + 13] |= s->flags & TCP_PSH;
}

/* The open item of p's flow in tunnel, as a slot of g->open; -1 none. */
static int find_open(struct dp_gro *g, const uint8_t *p, size_t l4off, void *tunnel)
{
	for (int j = 0; j < DP_GRO_OPEN; j++) {
		const struct dp_gro_item *it;

		if (g->open[j] < 0)
			continue;
		it = &g->items[g->open[j]];
		if (it->tunnel == tunnel && it->l4off == l4off &&
		    same_flow(g->pkts[it->first].data, p, l4off))
			return j;
	}
	return -1;
}

static void open_item(struct dp_gro *g, int item)
{
	for (int j = 0; j < DP_GRO_OPEN; j++) {
		if (g->open[j] < 0) {
			g->open[j] = item;
			return;
		}
	}
	/* full: the oldest gives way (items are numbered in arrival order) */
	int oldest = 0;

	for (int j = 1; j < DP_GRO_OPEN; j++)
		if (g->open[j] < g->open[oldest])
			oldest = j;
	g->open[oldest] = item;
}

static void new_item(struct dp_gro *g, size_t len, void *tunnel, void *sa, enum kind k,
		     const struct seg *s)
{
	struct dp_gro_item *it = &g->items[g->n_items];

	memset(it, 0, sizeof(*it));
	it->first = it->last = (int)g->n_pkts - 1;
	it->tunnel = tunnel;
	it->sa = sa;
	it->n = 1;
	it->total = it->bytes = len;
	if (k == TCP_MERGE) {
		it->l4off = s->l4off;
		it->hlen = s->l4off + s->thlen;
		it->seg_payload = s->plen;
		it->next_seq = s->seq + (uint32_t)s->plen;
		it->closed = (s->flags & TCP_PSH) != 0;
		open_item(g, (int)g->n_items);
	}
	g->n_items++;
}

bool dp_gro_add(struct dp_gro *g, uint8_t *pkt, size_t len, void *tunnel, void *sa,
		bool coalesce)
{
	struct seg s = { 0 };
	enum kind k = coalesce ? classify(pkt, len, &s) : OTHER;
	int j = -1;

	if (g->n_pkts == DP_GRO_MAX_PKTS)
		return false;
	g->pkts[g->n_pkts++] = (struct dp_gro_pkt){ .data = pkt, .len = len, .next = -1 };
	if (k != OTHER)
		j = find_open(g, pkt, s.l4off, tunnel);
	if (j >= 0) {
		struct dp_gro_item *it = &g->items[g->open[j]];

		if (k == TCP_MERGE && it->sa == sa &&
		    can_append(it, g->pkts[it->first].data, pkt, &s)) {
			append(g, it, &s, len);
			return true;
		}
		g->open[j] = -1;	/* this flow's next segments follow the new item */
	}
	new_item(g, len, tunnel, sa, k, &s);
	return true;
}

/* The first packet's headers for a super-packet of it->total bytes. */
static void fix_head(const struct dp_gro_item *it, uint8_t *head, uint8_t vnet[DP_VNET_HDR_LEN])
{
	struct dp_vnet_hdr h = {
		.flags = DP_VNET_F_NEEDS_CSUM, .hdr_len = (uint16_t)it->hlen,
		.gso_size = (uint16_t)it->seg_payload, .csum_start = (uint16_t)it->l4off,
		.csum_offset = 16,
	};

	if (it->l4off == 20) {
		h.gso_type = DP_VNET_GSO_TCPV4;
		put_be16(head + 2, (uint16_t)it->total);
		dp_csum_ip4_header(head);
	} else {
		h.gso_type = DP_VNET_GSO_TCPV6;
		put_be16(head + 4, (uint16_t)it->total - 40);
	}
	dp_csum_set_pseudo(head, it->total, it->l4off, 16);
	if (vnet)
		dp_vnet_build(&h, vnet);
}

size_t dp_gro_item_iov(struct dp_gro *g, unsigned i, uint8_t vnet[DP_VNET_HDR_LEN],
		       struct iovec *iov, size_t max_iov)
{
	const struct dp_gro_item *it = &g->items[i];
	const struct dp_gro_pkt *p = &g->pkts[it->first];
	size_t n = 0;

	if (max_iov < 2 + it->n)
		return 0;
	if (vnet) {
		memset(vnet, 0, DP_VNET_HDR_LEN);
		iov[n++] = (struct iovec){ vnet, DP_VNET_HDR_LEN };
	}
	if (it->n > 1)
		fix_head(it, p->data, vnet);
	iov[n++] = (struct iovec){ p->data, p->len };
	for (int k = p->next; k >= 0; k = g->pkts[k].next)
		iov[n++] = (struct iovec){ g->pkts[k].data + it->hlen, g->pkts[k].len - it->hlen };
	return n;
}
