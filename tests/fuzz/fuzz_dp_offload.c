/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the data plane's TUN offloads (dataplane/gso.c,
 * dataplane/gro.c, dataplane/csum.c) on any bytes, checked against what
 * dataplane/offload.h promises.  The first byte picks the path:
 *
 *   bit 0 clear: a TUN read.  Then u8 room (the room for each segment:
 *     0 all a segment can need, else room * 64 bytes, so that "does not
 *     fit" is taken as well), the 10-byte virtio_net_hdr as the TUN puts it
 *     and the packet.  Bit 1: first store the pseudo-header sum in the
 *     checksum field, as a TUN does, so that a completed checksum can be
 *     checked.  When dp_gso_init accepts it, each segment is checked: at
 *     most the headers plus gso_size; the headers those of the input but
 *     for the fields the split fixes (lengths, IPv4 ID and checksum, TCP
 *     sequence number and flags), the L4 and IPv4 checksums right; the
 *     payloads, end to end, the input's.  Then the segments go through
 *     dp_gro as decrypted packets would (below).
 *   bit 0 set: decrypted packets for TUN writes, records
 *       u8 kind | u16 length (big endian) | length bytes
 *     added in order to one dp_gro batch (checked and started again when
 *     full).  kind bits 0-1 tunnel tag, bit 2 SA tag, bit 3 coalescing off;
 *     bit 4: the bytes are the payload of the next segment of the previous
 *     packet's flow (its headers, the sequence number after it, lengths and
 *     checksums made right), so that runs that may join are easy to make,
 *     and with bit 7 one header byte changed (payload byte 0 says which,
 *     byte 1 XORed into it) before lengths and checksums are made; else
 *     bit 5 sets the IP length fields and bit 6 the TCP checksum.
 *
 * Every batch, however it was filled: every packet in exactly one item, in
 * arrival order; a lone packet written as it came, without a GSO header;
 * an item of several only of segments that may join (TCP, exact lengths,
 * payload, ACK and at most PSH, a checksum that verifies), under one tag
 * pair, whose GSO header and headers are right and which, cut again by
 * dp_gso, gives back the segments it took, byte for byte but for the
 * fields GRO does not keep (IPv4 ID and header checksum, TCP checksum and
 * urgent pointer).  dp_csum is compared with a plain RFC 1071 sum on every
 * packet.  A broken promise prints what and aborts. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/dataplane/offload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80
#define FULL_ROOM 0x10000	/* a segment is at most 0xffff bytes */

static void broken(const char *what, size_t a, size_t b)
{
	fprintf(stderr, "fuzz_dp_offload: %s (%zu, %zu)\n", what, a, b);
	abort();
}

#define REQUIRE(cond, a, b) do { if (!(cond)) broken(#cond, (size_t)(a), (size_t)(b)); } while (0)

static size_t get16(const uint8_t *p)
{
	return (size_t)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static uint8_t *dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	if (!q)
		abort();
	memcpy(q, p, n);
	return q;
}

/* ---- reference checksums: big-endian 16-bit words, byte by byte ---- */

static uint64_t ref_sum(uint64_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i += 2)
		sum += (uint32_t)p[i] << 8 | (i + 1 < len ? p[i + 1] : 0);
	return sum;
}

static uint16_t ref_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The L4 checksum of p[off .. len) with the pseudo-header of p (IPv4 when
 * its version is 4, else IPv6 with a 32-bit length) verifies. */
static bool ref_l4_ok(const uint8_t *p, size_t len, size_t off, uint8_t proto)
{
	size_t l4 = len - off;
	uint64_t sum;

	if (p[0] >> 4 == 4)
		sum = ref_sum(0, p + 12, 8) + (l4 & 0xffff);
	else
		sum = ref_sum(0, p + 8, 32) + (l4 >> 16) + (l4 & 0xffff);
	return ref_fold(ref_sum(sum + proto, p + off, l4)) == 0xffff;
}

static bool ref_ip4_ok(const uint8_t *p, size_t ihl)
{
	return ref_fold(ref_sum(0, p, ihl)) == 0xffff;
}

/* dp_csum_l4_ok agrees with the reference (an IPv4 UDP checksum of 0 means
 * none: only dp_csum says yes to it). */
static void csum_agrees(const uint8_t *p, size_t len, size_t off, uint8_t proto)
{
	bool dp = dp_csum_l4_ok(p, len, off, proto), ref = ref_l4_ok(p, len, off, proto);

	if (proto == 17 && p[0] >> 4 == 4 && !p[off + 6] && !p[off + 7])
		ref = true;
	REQUIRE(dp == ref, dp, ref);
}

/* ---- TSO / USO split ---- */

struct segs {
	uint8_t **p;
	size_t *len;
	size_t n, cap;
};

static void segs_add(struct segs *s, const uint8_t *p, size_t len)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->p = realloc(s->p, s->cap * sizeof(*s->p));
		s->len = realloc(s->len, s->cap * sizeof(*s->len));
		if (!s->p || !s->len)
			abort();
	}
	s->p[s->n] = dup_exact(p, len);
	s->len[s->n++] = len;
}

static void segs_free(struct segs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->p[i]);
	free(s->p);
	free(s->len);
	memset(s, 0, sizeof(*s));
}

/* The fields segment k of a split fixes: not compared with the input. */
static bool fixed_field(const struct dp_gso *g, int version, size_t i)
{
	size_t l4 = g->l4off;

	if (version == 4 ? (i >= 2 && i < 6) || i == 10 || i == 11 : i == 4 || i == 5)
		return true;
	if (g->proto == 17)
		return i >= l4 + 4 && i < l4 + 8;
	return (i >= l4 + 4 && i < l4 + 8) || i == l4 + 13 || i == l4 + 16 || i == l4 + 17;
}

/* Segment k of g (payload from offset off, the last one or not) in out. */
static void check_segment(const struct dp_gso *g, const uint8_t *out, size_t n, unsigned k,
			  size_t off, bool last)
{
	const uint8_t *in = g->pkt, *l4 = out + g->l4off;
	int version = in[0] >> 4;
	size_t chunk = n - g->hlen;
	uint8_t want;

	REQUIRE(n >= g->hlen && chunk <= g->mss, n, g->mss);
	REQUIRE(last || chunk == g->mss, chunk, g->mss);
	for (size_t i = 0; i < g->hlen; i++)
		REQUIRE(fixed_field(g, version, i) || out[i] == in[i], i, out[i]);
	REQUIRE(memcmp(out + g->hlen, in + g->hlen + off, chunk) == 0, off, chunk);
	if (version == 4) {
		REQUIRE(get16(out + 2) == n, get16(out + 2), n);
		REQUIRE(get16(out + 4) == ((get16(in + 4) + k) & 0xffff), get16(out + 4), k);
		REQUIRE(ref_ip4_ok(out, g->l4off), k, g->l4off);
	} else {
		REQUIRE(get16(out + 4) == n - 40, get16(out + 4), n);
	}
	csum_agrees(out, n, g->l4off, g->proto);
	REQUIRE(ref_l4_ok(out, n, g->l4off, g->proto), k, n);
	if (g->proto == 17) {
		REQUIRE(get16(l4 + 4) == n - g->l4off, get16(l4 + 4), n);
		return;
	}
	REQUIRE(get32(l4 + 4) == (uint32_t)(get32(in + g->l4off + 4) + off), k, off);
	want = in[g->l4off + 13];
	if (!last)
		want &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (k)
		want &= (uint8_t)~TCP_CWR;
	REQUIRE(l4[13] == want, l4[13], want);
}

/* The next segment in room bytes; when it does not fit, nothing moved and
 * it is taken with all the room.  Its length, 0 when the split stops. */
static size_t next_segment(struct dp_gso *g, uint8_t *out, size_t room)
{
	size_t off = g->off, left = g->len - g->hlen - off, need, n;
	unsigned idx = g->idx;

	need = g->mss ? g->hlen + (left < g->mss ? left : g->mss) : g->len;
	n = dp_gso_next(g, out, room);
	if (n)
		return n;
	REQUIRE(!g->done && g->off == off && g->idx == idx, g->off, off);
	REQUIRE(need > room || need > 0xffff, need, room);
	return need <= 0xffff && room < FULL_ROOM ? dp_gso_next(g, out, FULL_ROOM) : 0;
}

/* A single packet: copied, its partial checksum (if any) completed. */
static void check_single(struct dp_gso *g, uint8_t *out, size_t room, bool pseudo_set,
			 const struct dp_vnet_hdr *h)
{
	size_t n = next_segment(g, out, room);

	REQUIRE(n == g->len && g->done, n, g->len);
	REQUIRE(dp_gso_next(g, out, FULL_ROOM) == 0, g->len, 0);
	for (size_t i = 0; i < n; i++)
		REQUIRE(out[i] == g->pkt[i] || (g->csum && (i == g->hlen || i == g->hlen + 1)),
			i, out[i]);
	/* a TUN's pseudo-header sum, completed: the full checksum */
	if (pseudo_set && g->csum)
		REQUIRE(ref_l4_ok(out, n, h->csum_start, h->csum_offset == 6 ? 17 : 6), n,
			h->csum_start);
}

static void gro_segments(const struct segs *s);

static void run_split(const uint8_t *data, size_t size)
{
	struct dp_vnet_hdr h;
	struct dp_gso g;
	struct segs s = { 0 };
	uint8_t vb[DP_VNET_HDR_LEN], *pkt, *out;
	size_t len, room, n, off = 0, pv;
	bool pseudo_set = false;

	if (size < 2 + DP_VNET_HDR_LEN)
		return;
	room = data[1] ? (size_t)data[1] * 64 : FULL_ROOM;
	dp_vnet_parse(data + 2, &h);
	dp_vnet_build(&h, vb);
	REQUIRE(memcmp(vb, data + 2, DP_VNET_HDR_LEN) == 0, h.flags, h.gso_type);
	len = size - 2 - DP_VNET_HDR_LEN;
	pkt = dup_exact(data + 2 + DP_VNET_HDR_LEN, len);
	/* what a TUN leaves in the field: the pseudo-header sum of a TCP/UDP packet */
	pv = len && pkt[0] >> 4 == 4 ? 20 : 40;
	if ((data[0] & 2) && (h.csum_offset == 16 || h.csum_offset == 6) && h.csum_start >= pv &&
	    (size_t)h.csum_start + h.csum_offset + 2 <= len) {
		dp_csum_set_pseudo(pkt, len, h.csum_start, h.csum_offset);
		pseudo_set = true;
	}
	out = malloc(FULL_ROOM + len);
	if (!out)
		abort();
	if (dp_gso_init(&g, &h, pkt, len) != 0)
		goto out;
	if (!g.mss) {
		check_single(&g, out, room, pseudo_set, &h);
		goto out;
	}
	for (unsigned k = 0; !g.done; k++) {
		size_t left = g.len - g.hlen - g.off;

		n = next_segment(&g, out, room);
		if (!n)
			goto out;	/* a segment over 64 KB: refused, as promised */
		check_segment(&g, out, n, k, off, n - g.hlen == left);
		REQUIRE(g.done == (n - g.hlen == left), g.done, left);
		off += n - g.hlen;
		segs_add(&s, out, n);
	}
	REQUIRE(off == len - g.hlen, off, len - g.hlen);
	REQUIRE(s.n == (off ? (off + g.mss - 1) / g.mss : 1), s.n, off);
	gro_segments(&s);
out:
	segs_free(&s);
	free(out);
	free(pkt);
}

/* ---- TCP coalescing ---- */

struct gro_in {
	uint8_t *p[DP_GRO_MAX_PKTS];	/* as added (dp_gro may change a head) */
	uint8_t *orig[DP_GRO_MAX_PKTS];	/* as it came */
	size_t len[DP_GRO_MAX_PKTS];
	void *tunnel[DP_GRO_MAX_PKTS], *sa[DP_GRO_MAX_PKTS];
	unsigned n;
};

static struct dp_gro gro;
static struct gro_in gin;
static uint8_t super[0x10000 + 64];

/* The L4 offset GRO looks at: an IPv4 header of 20 bytes or IPv6 without
 * extension headers, TCP, exact lengths, not a fragment; 0 otherwise. */
static size_t ref_tcp_l4off(const uint8_t *p, size_t len)
{
	if (len >= 20 && p[0] == 0x45 && p[9] == 6 && get16(p + 2) == len && !(get16(p + 6) & 0x3fff))
		return 20;
	if (len >= 40 && p[0] >> 4 == 6 && p[6] == 6 && get16(p + 4) + 40 == len)
		return 40;
	return 0;
}

/* A segment that may join others: TCP with a payload, ACK and at most PSH,
 * a checksum that verifies.  Its header length, 0 when it may not. */
static size_t ref_mergeable(const uint8_t *p, size_t len)
{
	size_t l4 = ref_tcp_l4off(p, len), th;

	if (!l4 || len < l4 + 20)
		return 0;
	th = (size_t)(p[l4 + 12] >> 4) * 4;
	if (th < 20 || l4 + th >= len)
		return 0;
	if ((p[l4 + 13] & ~(TCP_ACK | TCP_PSH)) || !(p[l4 + 13] & TCP_ACK))
		return 0;
	return ref_l4_ok(p, len, l4, 6) ? l4 + th : 0;
}

/* Fields a coalesced super-packet does not carry per segment. */
static bool not_kept(size_t l4, size_t i)
{
	if (l4 == 20 && (i == 4 || i == 5 || i == 10 || i == 11))
		return true;			/* IPv4 ID, header checksum */
	return i >= l4 + 16 && i < l4 + 20;	/* TCP checksum, urgent pointer */
}

/* Item i of several: its super-packet and GSO header are right and cut
 * back into the segments it took (pkts[] in order, n of them). */
static void check_super(const struct dp_gro_item *it, const unsigned *pkts, size_t total,
			const uint8_t vnet[DP_VNET_HDR_LEN])
{
	size_t l4 = it->l4off, hl = it->hlen, seg, off = 0;
	struct dp_vnet_hdr h;
	struct dp_gso g;
	uint8_t *copy, out[0x10000];

	dp_vnet_parse(vnet, &h);
	REQUIRE(h.flags == DP_VNET_F_NEEDS_CSUM && h.csum_start == l4 && h.csum_offset == 16,
		h.flags, h.csum_start);
	REQUIRE(h.gso_type == (l4 == 20 ? DP_VNET_GSO_TCPV4 : DP_VNET_GSO_TCPV6), h.gso_type, l4);
	REQUIRE(h.hdr_len == hl && h.gso_size == gin.len[pkts[0]] - hl, h.hdr_len, h.gso_size);
	if (l4 == 20) {
		REQUIRE(get16(super + 2) == total && ref_ip4_ok(super, 20), get16(super + 2), total);
	} else {
		REQUIRE(get16(super + 4) + 40 == total, get16(super + 4), total);
	}
	/* the field holds the pseudo-header sum: finished, the real checksum */
	copy = dup_exact(super, total);
	dp_csum_complete(copy, total, l4, l4 + 16);
	REQUIRE(ref_l4_ok(copy, total, l4, 6), total, l4);
	free(copy);
	/* cut again: the segments it took */
	REQUIRE(dp_gso_init(&g, &h, super, total) == 0, total, hl);
	for (unsigned k = 0; k < it->n; k++) {
		const uint8_t *o = gin.orig[pkts[k]];
		size_t olen = gin.len[pkts[k]];

		seg = dp_gso_next(&g, out, sizeof(out));
		REQUIRE(seg == olen, seg, olen);
		for (size_t i = 0; i < olen; i++)
			if (!not_kept(l4, i) && out[i] != o[i])
				broken("a coalesced segment does not cut back into itself: byte, segment",
				       i, k);
		off += olen - hl;
	}
	REQUIRE(g.done && off + hl == total, off, total);
}

/* Every item of the batch against the packets added. */
static void check_batch(void)
{
	static unsigned seen[DP_GRO_MAX_PKTS], pkts[DP_GRO_MAX_SEGS + 1];
	struct iovec iov[2 + DP_GRO_MAX_SEGS];
	uint8_t vnet[DP_VNET_HDR_LEN], zero[DP_VNET_HDR_LEN] = { 0 };
	int last_first = -1;

	memset(seen, 0, sizeof(seen));
	for (unsigned i = 0; i < gro.n_items; i++) {
		const struct dp_gro_item *it = &gro.items[i];
		size_t n = 0, bytes = 0, total = 0, niov;
		int prev = -1;

		REQUIRE(it->first > last_first, it->first, last_first);	/* arrival order */
		last_first = it->first;
		for (int k = it->first; k >= 0; k = gro.pkts[k].next) {
			REQUIRE(k > prev && (unsigned)k < gin.n && n < DP_GRO_MAX_SEGS, k, n);
			REQUIRE(!seen[k]++, k, i);
			REQUIRE(gin.tunnel[k] == it->tunnel && gin.sa[k] == it->sa, k, i);
			pkts[n++] = (unsigned)k;
			bytes += gin.len[k];
			prev = k;
		}
		REQUIRE(n == it->n && bytes == it->bytes && it->last == prev, n, it->n);
		niov = dp_gro_item_iov(&gro, i, vnet, iov, 2 + DP_GRO_MAX_SEGS);
		REQUIRE(niov == n + 1, niov, n);
		for (size_t k = 1; k < niov; k++) {
			REQUIRE(total + iov[k].iov_len <= sizeof(super) - 64, total, iov[k].iov_len);
			memcpy(super + total, iov[k].iov_base, iov[k].iov_len);
			total += iov[k].iov_len;
		}
		if (n == 1) {		/* written as it came */
			REQUIRE(memcmp(vnet, zero, sizeof(zero)) == 0, i, vnet[1]);
			REQUIRE(total == gin.len[pkts[0]], total, gin.len[pkts[0]]);
			REQUIRE(memcmp(super, gin.orig[pkts[0]], total) == 0, i, total);
			continue;
		}
		for (size_t k = 0; k < n; k++)
			REQUIRE(ref_mergeable(gin.orig[pkts[k]], gin.len[pkts[k]]) == it->hlen, k,
				it->hlen);
		REQUIRE(total == it->total, total, it->total);
		check_super(it, pkts, total, vnet);
	}
	for (unsigned k = 0; k < gin.n; k++)
		REQUIRE(seen[k] == 1, k, seen[k]);
}

static void batch_reset(void)
{
	for (unsigned k = 0; k < gin.n; k++) {
		free(gin.p[k]);
		free(gin.orig[k]);
	}
	gin.n = 0;
	dp_gro_init(&gro);
}

/* Add one packet (copied); a full batch is checked and started again. */
static void gro_add(const uint8_t *p, size_t len, void *tunnel, void *sa, bool coalesce)
{
	uint8_t *q = dup_exact(p, len);
	size_t l4 = ref_tcp_l4off(p, len);

	if (l4 && len >= l4 + 20)
		csum_agrees(p, len, l4, 6);
	if (!dp_gro_add(&gro, q, len, tunnel, sa, coalesce)) {
		REQUIRE(gin.n == DP_GRO_MAX_PKTS, gin.n, gro.n_pkts);
		check_batch();
		batch_reset();
		REQUIRE(dp_gro_add(&gro, q, len, tunnel, sa, coalesce), len, 0);
	}
	gin.p[gin.n] = q;
	gin.orig[gin.n] = dup_exact(p, len);
	gin.len[gin.n] = len;
	gin.tunnel[gin.n] = tunnel;
	gin.sa[gin.n++] = sa;
}

static void gro_segments(const struct segs *s)
{
	batch_reset();
	for (size_t k = 0; k < s->n; k++)
		gro_add(s->p[k], s->len[k], &gin, NULL, true);
	check_batch();
	batch_reset();
}

/* Lengths of an IPv4 (20-byte header) or IPv6 packet set to len. */
static void fix_lengths(uint8_t *p, size_t len)
{
	if (len >= 20 && p[0] == 0x45) {
		put16(p + 2, len);
		p[10] = p[11] = 0;
		dp_csum_ip4_header(p);
	} else if (len >= 40 && p[0] >> 4 == 6) {
		put16(p + 4, len - 40);
	}
}

static void fix_tcp_csum(uint8_t *p, size_t len)
{
	size_t l4 = len >= 20 && p[0] == 0x45 ? 20 : 40;

	if (len >= l4 + 20 && (p[0] == 0x45 || p[0] >> 4 == 6))
		dp_csum_l4_fill(p, len, l4, 16);
}

/* The next segment after prev (a TCP packet with its headers in it): its
 * headers, the payload b, the sequence number after prev's payload; with
 * tweak, header byte b[0] % header length XORed with b[1].  Its length, 0
 * when prev is no such packet. */
static size_t next_of(const uint8_t *prev, size_t plen, const uint8_t *b, size_t n, bool tweak,
		      uint8_t *out)
{
	size_t l4 = prev ? ref_tcp_l4off(prev, plen) : 0, th;

	if (!l4 || plen < l4 + 20)
		return 0;
	th = (size_t)(prev[l4 + 12] >> 4) * 4;
	if (th < 20 || l4 + th > plen || l4 + th + n > 0xffff + (l4 == 40 ? 40 : 0))
		return 0;
	memcpy(out, prev, l4 + th);
	memcpy(out + l4 + th, b, n);
	put32(out + l4 + 4, get32(prev + l4 + 4) + (uint32_t)(plen - l4 - th));
	if (tweak && n >= 2)
		out[b[0] % (l4 + th)] ^= b[1];
	fix_lengths(out, l4 + th + n);
	fix_tcp_csum(out, l4 + th + n);
	return l4 + th + n;
}

static void run_gro(const uint8_t *data, size_t size)
{
	static uint8_t buf[0x10000 + 64];
	static char tags[4];		/* the tunnel tags: their addresses */
	size_t off = 1;

	batch_reset();
	while (size - off >= 3) {
		uint8_t kind = data[off];
		size_t n = get16(data + off + 1), len = 0;
		const uint8_t *b = data + off + 3;
		const uint8_t *prev = gin.n ? gin.orig[gin.n - 1] : NULL;

		off += 3;
		if (n > size - off)
			n = size - off;
		off += n;
		if (kind & 0x10)
			len = next_of(prev, prev ? gin.len[gin.n - 1] : 0, b, n, kind & 0x80, buf);
		if (!len) {
			len = n;
			memcpy(buf, b, n);
			if (kind & 0x20)
				fix_lengths(buf, len);
			if (kind & 0x40)
				fix_tcp_csum(buf, len);
		}
		gro_add(buf, len, (void *)&tags[kind & 3], (kind & 4) ? (void *)&gin : NULL,
			!(kind & 8));
	}
	check_batch();
	batch_reset();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 0x10000)
		return 0;
	if (data[0] & 1)
		run_gro(data, size);
	else
		run_split(data, size);
	return 0;
}
