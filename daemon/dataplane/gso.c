/* SPDX-License-Identifier: Apache-2.0 */
/* TSO/USO in userspace: a super-packet from a TUN with IFF_VNET_HDR and
 * TUNSETOFFLOAD cut into segments the way the kernel's tcp_gso_segment /
 * __udp_gso_segment would: headers copied, IPv4 total length, ID (+1 per
 * segment) and header checksum, IPv6 payload length, TCP sequence numbers
 * (FIN and PSH on the last segment only, CWR on the first only), UDP length,
 * and a full TCP/UDP checksum per segment. */
#include <string.h>

#include "daemon/base/bytes.h"
#include "daemon/dataplane/offload.h"


#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

/* The IP header in front of the L4 header at l4off: version matches, the
 * L4 header starts where IPv4's IHL says (IPv6: after 40 bytes or more). */
static bool ip_fits(const uint8_t *p, size_t len, size_t l4off, int version)
{
	if (len < 20 || p[0] >> 4 != version)
		return false;
	if (version == 4)
		return (size_t)(p[0] & 0x0f) * 4 == l4off && l4off >= 20;
	return len >= 40 && l4off >= 40;
}

/* A TCP or UDP super-packet: sets proto, l4off, hlen, mss. */
static int init_gso(struct dp_gso *g, const struct dp_vnet_hdr *h)
{
	const uint8_t *p = g->pkt;
	size_t l4hlen;

	switch (h->gso_type) {
	case DP_VNET_GSO_TCPV4:
	case DP_VNET_GSO_TCPV6:
		g->proto = 6;
		if (h->csum_offset != 16 ||
		    !ip_fits(p, g->len, h->csum_start, h->gso_type == DP_VNET_GSO_TCPV4 ? 4 : 6) ||
		    g->len < (size_t)h->csum_start + 20)
			return -1;
		l4hlen = (size_t)(p[h->csum_start + 12] >> 4) * 4;
		if (l4hlen < 20)
			return -1;
		break;
	case DP_VNET_GSO_UDP_L4:
		g->proto = 17;
		l4hlen = 8;
		if (h->csum_offset != 6 || g->len < 1 ||
		    !ip_fits(p, g->len, h->csum_start, p[0] >> 4 == 4 ? 4 : 6))
			return -1;
		break;
	default:			/* UFO, ECN: never offered to the TUN */
		return -1;
	}
	if (!(h->flags & DP_VNET_F_NEEDS_CSUM) || h->gso_size == 0 ||
	    g->len < (size_t)h->csum_start + l4hlen)
		return -1;
	g->l4off = h->csum_start;
	g->hlen = g->l4off + l4hlen;
	g->mss = h->gso_size;
	return 0;
}

int dp_gso_init(struct dp_gso *g, const struct dp_vnet_hdr *h, const uint8_t *pkt, size_t len)
{
	memset(g, 0, sizeof(*g));
	g->pkt = pkt;
	g->len = len;
	if (len == 0)
		return -1;
	if (h->gso_type != DP_VNET_GSO_NONE)
		return init_gso(g, h);
	if (!(h->flags & DP_VNET_F_NEEDS_CSUM))
		return 0;
	/* one packet; only its checksum is left to do */
	if ((size_t)h->csum_start + h->csum_offset + 2 > len)
		return -1;
	g->csum = true;
	g->l4off = h->csum_start;
	g->hlen = (size_t)h->csum_start + h->csum_offset;	/* the field's offset */
	return 0;
}

static size_t next_single(struct dp_gso *g, uint8_t *out, size_t cap)
{
	if (g->len > cap)
		return 0;
	memcpy(out, g->pkt, g->len);
	if (g->csum)
		dp_csum_complete(out, g->len, g->l4off, g->hlen);
	g->done = true;
	return g->len;
}

/* Lengths, IDs, sequence number and flags of segment idx in out. */
static void fix_headers(struct dp_gso *g, uint8_t *out, size_t seg_len, bool last)
{
	uint8_t *l4 = out + g->l4off;

	if (out[0] >> 4 == 4) {
		size_t id = ((size_t)out[4] << 8 | out[5]) + g->idx;

		put_be16(out + 2, (uint16_t)seg_len);
		put_be16(out + 4, (uint16_t)id & 0xffff);
		dp_csum_ip4_header(out);
	} else {
		put_be16(out + 4, (uint16_t)seg_len - 40);
	}
	if (g->proto == 17) {
		put_be16(l4 + 4, (uint16_t)seg_len - g->l4off);
		dp_csum_l4_fill(out, seg_len, g->l4off, 6);
		return;
	}
	put_be32(l4 + 4, get_be32(l4 + 4) + (uint32_t)g->off);
	if (!last)
		l4[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (g->idx > 0)
		l4[13] &= (uint8_t)~TCP_CWR;
	dp_csum_l4_fill(out, seg_len, g->l4off, 16);
}

size_t dp_gso_next(struct dp_gso *g, uint8_t *out, size_t cap)
{
	size_t left, chunk, seg_len;

	if (g->done)
		return 0;
	if (!g->mss)
		return next_single(g, out, cap);
	left = g->len - g->hlen - g->off;
	chunk = left < g->mss ? left : g->mss;
	seg_len = g->hlen + chunk;
	if (seg_len > cap || seg_len > 0xffff)
		return 0;
	memcpy(out, g->pkt, g->hlen);
	memcpy(out + g->hlen, g->pkt + g->hlen + g->off, chunk);
	fix_headers(g, out, seg_len, chunk == left);
	g->off += chunk;
	g->idx++;
	g->done = g->off >= g->len - g->hlen;
	return seg_len;
}
