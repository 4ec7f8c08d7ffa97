/* SPDX-License-Identifier: Apache-2.0 */
/* The TUN offloads as pure functions (dataplane/offload.h): checksums
 * against a plain RFC 1071 reference, TSO/USO split of IPv4 and IPv6
 * super-packets with odd sizes, partial checksums completed, refused
 * headers, and TCP coalescing with each of its rules, round trips
 * included (split, then coalesce: the original payload comes back). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "daemon/dataplane/offload.h"

/* ---- reference checksum: big-endian 16-bit words, byte by byte ---- */

static uint32_t ref_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i += 2)
		sum += (uint32_t)p[i] << 8 | (i + 1 < len ? p[i + 1] : 0);
	return sum;
}

static uint16_t ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* True when the L4 checksum of p (IPv4 or IPv6, l4 at off) verifies. */
static bool ref_l4_ok(const uint8_t *p, size_t len, size_t off, uint8_t proto)
{
	uint8_t ph[40];
	size_t phl, l4 = len - off;
	uint32_t sum;

	if (p[0] >> 4 == 4) {
		memcpy(ph, p + 12, 8);
		phl = 8;
	} else {
		memcpy(ph, p + 8, 32);
		phl = 32;
	}
	ph[phl++] = 0;
	ph[phl++] = proto;
	ph[phl++] = (uint8_t)(l4 >> 8);
	ph[phl++] = (uint8_t)l4;
	sum = ref_sum(ref_sum(0, ph, phl), p + off, l4);
	return ref_fold(sum) == 0xffff;
}

static bool ref_ip4_ok(const uint8_t *p)
{
	return ref_fold(ref_sum(0, p, (size_t)(p[0] & 15) * 4)) == 0xffff;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static size_t get16(const uint8_t *p)
{
	return (size_t)p[0] << 8 | p[1];
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

/* ---- packets ---- */

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80

static const uint8_t src6[16] = { 0xfd, 0, [15] = 1 }, dst6[16] = { 0xfd, 0, [14] = 1, [15] = 2 };

/* IP header (v4: ID 0x1234, DF; v6) for an L4 packet of l4len bytes. */
static size_t ip_header(uint8_t *p, int v, uint8_t proto, size_t l4len)
{
	if (v == 4) {
		memset(p, 0, 20);
		p[0] = 0x45;
		put16(p + 2, 20 + l4len);
		p[4] = 0x12, p[5] = 0x34, p[6] = 0x40, p[8] = 64, p[9] = proto;
		p[12] = 10, p[13] = 1, p[15] = 1;
		p[16] = 10, p[17] = 2, p[19] = 1;
		dp_csum_ip4_header(p);
		return 20;
	}
	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, l4len);
	p[6] = proto, p[7] = 64;
	memcpy(p + 8, src6, 16);
	memcpy(p + 24, dst6, 16);
	return 40;
}

/* A TCP packet: 12 bytes of options (NOP NOP timestamps), payload filled
 * from offset fill, full checksum; its length. */
static size_t tcp_packet(uint8_t *p, int v, uint32_t seq, uint8_t flags, size_t plen, size_t fill)
{
	size_t l4 = ip_header(p, v, 6, 32 + plen);
	uint8_t *t = p + l4;

	memset(t, 0, 32);
	put16(t, 40000), put16(t + 2, 5201);
	put32(t + 4, seq), put32(t + 8, 777);
	t[12] = 8 << 4, t[13] = flags;
	put16(t + 14, 500);
	t[20] = 1, t[21] = 1, t[22] = 8, t[23] = 10, t[27] = 9, t[31] = 5;
	for (size_t i = 0; i < plen; i++)
		t[32 + i] = (uint8_t)((fill + i) * 13 + (fill + i) / 251);
	dp_csum_l4_fill(p, l4 + 32 + plen, l4, 16);
	return l4 + 32 + plen;
}

static size_t udp_packet(uint8_t *p, int v, size_t plen)
{
	size_t l4 = ip_header(p, v, 17, 8 + plen);
	uint8_t *u = p + l4;

	put16(u, 4000), put16(u + 2, 5000), put16(u + 4, 8 + plen);
	for (size_t i = 0; i < plen; i++)
		u[8 + i] = (uint8_t)(i * 7 + 1);
	dp_csum_l4_fill(p, l4 + 8 + plen, l4, 6);
	return l4 + 8 + plen;
}

/* What a TUN with offloads hands over: the checksum field holds only the
 * pseudo-header sum. */
static struct dp_vnet_hdr make_partial(uint8_t *p, size_t len, uint8_t gso_type, size_t mss)
{
	size_t l4 = p[0] >> 4 == 4 ? 20 : 40;
	bool udp = p[l4 - (l4 == 20 ? 11 : 34)] == 17;	/* v4 p[9], v6 p[6] */
	struct dp_vnet_hdr h = {
		.flags = DP_VNET_F_NEEDS_CSUM, .gso_type = gso_type,
		.hdr_len = (uint16_t)(l4 + (udp ? 8 : 32)), .gso_size = (uint16_t)mss,
		.csum_start = (uint16_t)l4, .csum_offset = udp ? 6 : 16,
	};

	dp_csum_set_pseudo(p, len, l4, h.csum_offset);
	return h;
}

/* ---- checksums ---- */

static void test_csum(void)
{
	/* RFC 1071's usual IPv4 example: checksum 0xb861 */
	uint8_t ip[20] = { 0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0, 0,
			   0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0, 0xc7 };
	uint8_t *p = malloc(70000);

	dp_csum_ip4_header(ip);
	CHECK_INT(get16(ip + 10), 0xb861);
	/* every length 0..300 and a few large ones, odd and even, v4 and v6 */
	for (size_t plen = 0; plen < 70000; plen = plen < 300 ? plen + 1 : plen * 3 + 1) {
		if (plen > 65000)
			break;
		for (int v = 4; v <= 6; v += 2) {
			size_t len = tcp_packet(p, v, 1, TCP_ACK, plen, 0);

			CHECK(ref_l4_ok(p, len, v == 4 ? 20 : 40, 6));
			CHECK(dp_csum_l4_ok(p, len, v == 4 ? 20 : 40, 6));
			p[len - 1] ^= 0x40;
			CHECK(!dp_csum_l4_ok(p, len, v == 4 ? 20 : 40, 6));
			len = udp_packet(p, v, plen);
			CHECK(ref_l4_ok(p, len, v == 4 ? 20 : 40, 17));
		}
	}
	/* IPv4 UDP without a checksum passes; IPv6 UDP must have one */
	size_t len = udp_packet(p, 4, 33);
	p[26] = p[27] = 0;
	CHECK(dp_csum_l4_ok(p, len, 20, 17));
	len = udp_packet(p, 6, 33);
	p[46] = p[47] = 0;
	CHECK(!dp_csum_l4_ok(p, len, 40, 17));
	free(p);
}

static void test_vnet(void)
{
	struct dp_vnet_hdr h = { 1, 4, 0x0102, 0x0304, 0x0506, 0x0708 }, back;
	uint8_t b[DP_VNET_HDR_LEN];
	const uint8_t want[DP_VNET_HDR_LEN] = { 1, 4, 2, 1, 4, 3, 6, 5, 8, 7 };

	dp_vnet_build(&h, b);
	CHECK_MEM(b, want, sizeof(want));
	dp_vnet_parse(b, &back);
	CHECK(memcmp(&h, &back, sizeof(h)) == 0);
}

/* ---- TSO / USO split ---- */

/* Split pkt and check every segment; returns the number of segments. */
static unsigned split_check(const uint8_t *pkt, size_t len, const struct dp_vnet_hdr *h, int v,
			    bool udp, uint8_t flags)
{
	size_t l4 = v == 4 ? 20 : 40, hl = l4 + (udp ? 8 : 32), payload = len - hl, off = 0;
	uint8_t out[2048];
	struct dp_gso g;
	unsigned n = 0;
	size_t seg;

	CHECK_INT(dp_gso_init(&g, h, pkt, len), 0);
	while ((seg = dp_gso_next(&g, out, sizeof(out))) > 0) {
		size_t chunk = seg - hl;
		bool last = off + chunk == payload;

		CHECK(chunk == h->gso_size || (last && chunk <= h->gso_size));
		CHECK_MEM(out + hl, pkt + hl + off, chunk);
		if (v == 4) {
			CHECK_INT(get16(out + 2), seg);
			CHECK_INT(get16(out + 4), 0x1234 + n);
			CHECK(ref_ip4_ok(out));
		} else {
			CHECK_INT(get16(out + 4), seg - 40);
		}
		CHECK(ref_l4_ok(out, seg, l4, udp ? 17 : 6));
		if (udp) {
			CHECK_INT(get16(out + l4 + 4), seg - l4);
		} else {
			CHECK_INT(get32(out + l4 + 4), 1000 + off);
			CHECK_INT(out[l4 + 13] & (TCP_FIN | TCP_PSH),
				  last ? flags & (TCP_FIN | TCP_PSH) : 0);
			CHECK_INT(out[l4 + 13] & TCP_CWR, n == 0 ? flags & TCP_CWR : 0);
		}
		off += chunk;
		n++;
	}
	CHECK(g.done);
	CHECK_INT(off, payload);
	return n;
}

static void test_split(void)
{
	static const size_t mss[] = { 1, 7, 536, 1386, 1387, 1440 };
	uint8_t *p = malloc(70000);
	struct dp_vnet_hdr h;
	size_t len;

	for (size_t i = 0; i < sizeof(mss) / sizeof(mss[0]); i++) {
		size_t m = mss[i], payload = m * 3 + (m > 2 ? m / 2 + 1 : 0);

		if (m < 100)
			payload = m * 40 + 3;
		for (int v = 4; v <= 6; v += 2) {
			uint8_t fl = TCP_ACK | TCP_PSH | TCP_CWR;
			unsigned want = (unsigned)((payload + m - 1) / m);

			len = tcp_packet(p, v, 1000, fl, payload, 0);
			h = make_partial(p, len, v == 4 ? DP_VNET_GSO_TCPV4 : DP_VNET_GSO_TCPV6, m);
			CHECK_INT(split_check(p, len, &h, v, false, fl), want);
			len = udp_packet(p, v, payload);
			h = make_partial(p, len, DP_VNET_GSO_UDP_L4, m);
			CHECK_INT(split_check(p, len, &h, v, true, 0), want);
		}
	}
	/* FIN only on the last segment; a 64 KB super-packet */
	len = tcp_packet(p, 4, 1000, TCP_ACK | TCP_FIN, 65535 - 52, 0);
	h = make_partial(p, len, DP_VNET_GSO_TCPV4, 1386);
	CHECK_INT(split_check(p, len, &h, 4, false, TCP_ACK | TCP_FIN), 48);
	/* payload no larger than the MSS: one segment */
	len = tcp_packet(p, 6, 1000, TCP_ACK, 100, 0);
	h = make_partial(p, len, DP_VNET_GSO_TCPV6, 1386);
	CHECK_INT(split_check(p, len, &h, 6, false, TCP_ACK), 1);
	free(p);
}

/* A single packet with a partial checksum is completed; one without is
 * copied as it is. */
static void test_partial(void)
{
	uint8_t p[1600], out[1600], want[1600];
	struct dp_vnet_hdr h;
	struct dp_gso g;
	size_t len;

	for (int v = 4; v <= 6; v += 2) {
		for (size_t plen = 0; plen < 40; plen += 13) {
			len = tcp_packet(p, v, 5, TCP_ACK, plen, 3);
			memcpy(want, p, len);
			h = make_partial(p, len, DP_VNET_GSO_NONE, 0);
			CHECK_INT(dp_gso_init(&g, &h, p, len), 0);
			CHECK_INT(dp_gso_next(&g, out, sizeof(out)), len);
			CHECK_MEM(out, want, len);
			CHECK_INT(dp_gso_next(&g, out, sizeof(out)), 0);
			len = udp_packet(p, v, plen + 1);
			memcpy(want, p, len);
			h = make_partial(p, len, DP_VNET_GSO_NONE, 0);
			CHECK_INT(dp_gso_init(&g, &h, p, len), 0);
			CHECK_INT(dp_gso_next(&g, out, sizeof(out)), len);
			CHECK_MEM(out, want, len);
		}
	}
	h = (struct dp_vnet_hdr){ 0 };
	CHECK_INT(dp_gso_init(&g, &h, want, 30), 0);
	CHECK_INT(dp_gso_next(&g, out, 29), 0);		/* does not fit */
	CHECK(!g.done);
	CHECK_INT(dp_gso_next(&g, out, 30), 30);
}

static void test_split_refused(void)
{
	uint8_t p[3000];
	size_t len = tcp_packet(p, 4, 1, TCP_ACK, 2000, 0);
	struct dp_vnet_hdr ok = make_partial(p, len, DP_VNET_GSO_TCPV4, 1000), h;
	struct dp_gso g;

	h = ok, h.gso_type = DP_VNET_GSO_UDP;			/* UFO */
	CHECK_INT(dp_gso_init(&g, &h, p, len), -1);
	h = ok, h.gso_type = DP_VNET_GSO_TCPV4 | DP_VNET_GSO_ECN;
	CHECK_INT(dp_gso_init(&g, &h, p, len), -1);
	h = ok, h.gso_type = DP_VNET_GSO_TCPV6;			/* an IPv4 packet */
	CHECK_INT(dp_gso_init(&g, &h, p, len), -1);
	h = ok, h.csum_start = 24;				/* not where IHL says */
	CHECK_INT(dp_gso_init(&g, &h, p, len), -1);
	h = ok, h.csum_offset = 6;
	CHECK_INT(dp_gso_init(&g, &h, p, len), -1);
	h = ok, h.gso_size = 0;
	CHECK_INT(dp_gso_init(&g, &h, p, len), -1);
	h = ok, h.flags = 0;
	CHECK_INT(dp_gso_init(&g, &h, p, len), -1);
	h = ok;
	CHECK_INT(dp_gso_init(&g, &h, p, 30), -1);		/* TCP header cut */
	CHECK_INT(dp_gso_init(&g, &h, p, 0), -1);
	h = (struct dp_vnet_hdr){ .flags = DP_VNET_F_NEEDS_CSUM, .csum_start = 20,
				  .csum_offset = 16 };
	CHECK_INT(dp_gso_init(&g, &h, p, 37), -1);		/* field past the end */
	CHECK_INT(dp_gso_init(&g, &h, p, 38), 0);
}

/* ---- coalescing ---- */

static uint8_t *bufs;
#define SLOTLEN 2048

static uint8_t *slot(unsigned i)
{
	return bufs + (size_t)i * SLOTLEN;
}

/* Concatenate item i's iovecs (after the vnet header) into out. */
static size_t item_bytes(struct dp_gro *g, unsigned i, uint8_t *vnet, uint8_t *out)
{
	struct iovec iov[2 + DP_GRO_MAX_SEGS];
	size_t n = dp_gro_item_iov(g, i, vnet, iov, 2 + DP_GRO_MAX_SEGS), len = 0;

	CHECK(n > 0);
	for (size_t k = vnet ? 1 : 0; k < n; k++) {
		memcpy(out + len, iov[k].iov_base, iov[k].iov_len);
		len += iov[k].iov_len;
	}
	return len;
}

/* Item i must be a super-packet equal to one TCP packet of the whole
 * payload (seq, payload from fill) with a valid GSO header. */
static void check_super(struct dp_gro *g, unsigned i, int v, uint32_t seq, size_t payload,
			size_t fill, size_t mss, uint8_t flags)
{
	static uint8_t got[70000], want[70000];
	uint8_t vnet[DP_VNET_HDR_LEN];
	struct dp_vnet_hdr h;
	size_t len = item_bytes(g, i, vnet, got), l4 = v == 4 ? 20 : 40;
	size_t wlen = tcp_packet(want, v, seq, flags, payload, fill);

	CHECK_INT(len, wlen);
	dp_vnet_parse(vnet, &h);
	CHECK_INT(h.flags, DP_VNET_F_NEEDS_CSUM);
	CHECK_INT(h.gso_type, v == 4 ? DP_VNET_GSO_TCPV4 : DP_VNET_GSO_TCPV6);
	CHECK_INT(h.gso_size, mss);
	CHECK_INT(h.hdr_len, l4 + 32);
	CHECK_INT(h.csum_start, l4);
	CHECK_INT(h.csum_offset, 16);
	if (len != wlen)
		return;
	if (v == 4)
		CHECK(ref_ip4_ok(got));
	/* the field holds the pseudo-header sum: finishing it gives the real one */
	dp_csum_complete(got, len, l4, l4 + 16);
	CHECK_MEM(got, want, len);
}

/* n segments of mss bytes (the last last_len) of flow v from seq. */
static unsigned add_run(struct dp_gro *g, unsigned at, int v, uint32_t seq, unsigned n,
			size_t mss, size_t last_len, uint8_t last_flags)
{
	for (unsigned k = 0; k < n; k++) {
		size_t plen = k + 1 == n ? last_len : mss;
		uint8_t fl = k + 1 == n ? last_flags : TCP_ACK;
		size_t len = tcp_packet(slot(at + k), v, seq + (uint32_t)(k * mss), fl, plen,
					k * mss);

		CHECK(dp_gro_add(g, slot(at + k), len, NULL, NULL, true));
	}
	return at + n;
}

static void test_coalesce_basic(void)
{
	static struct dp_gro g;

	for (int v = 4; v <= 6; v += 2) {
		dp_gro_init(&g);
		add_run(&g, 0, v, 1000, 10, 1386, 777, TCP_ACK | TCP_PSH);
		CHECK_INT(g.n_items, 1);
		CHECK_INT(g.items[0].n, 10);
		CHECK_INT(g.items[0].bytes, 9 * (1386 + 32 + (v == 4 ? 20 : 40)) + 777 + 32 +
					    (v == 4 ? 20 : 40));
		check_super(&g, 0, v, 1000, 9 * 1386 + 777, 0, 1386, TCP_ACK | TCP_PSH);
	}
	/* a lone segment is written as it is, without a GSO header */
	dp_gro_init(&g);
	size_t len = tcp_packet(slot(0), 4, 1, TCP_ACK, 100, 0);
	uint8_t vnet[DP_VNET_HDR_LEN], out[2048], zero[DP_VNET_HDR_LEN] = { 0 };
	uint8_t copy[2048];

	memcpy(copy, slot(0), len);
	CHECK(dp_gro_add(&g, slot(0), len, NULL, NULL, true));
	CHECK_INT(item_bytes(&g, 0, vnet, out), len);
	CHECK_MEM(vnet, zero, sizeof(zero));
	CHECK_MEM(out, copy, len);
}

/* Round trip: a super-packet split, then coalesced, is itself again. */
static void test_round_trip(void)
{
	static struct dp_gro g;
	uint8_t *p = malloc(70000);

	for (int v = 4; v <= 6; v += 2) {
		size_t payload = 45 * 1386 - 5, len = tcp_packet(p, v, 1000, TCP_ACK, payload, 0);
		struct dp_vnet_hdr h = make_partial(p, len, v == 4 ? 1 : 4, 1386);
		struct dp_gso gs;
		size_t seg;
		unsigned n = 0;

		dp_gro_init(&g);
		CHECK_INT(dp_gso_init(&gs, &h, p, len), 0);
		while ((seg = dp_gso_next(&gs, slot(n), SLOTLEN)) > 0)
			CHECK(dp_gro_add(&g, slot(n++), seg, NULL, NULL, true));
		CHECK_INT(n, 45);
		CHECK_INT(g.n_items, 1);
		check_super(&g, 0, v, 1000, payload, 0, 1386, TCP_ACK);
	}
	free(p);
}

/* Each rule that ends an item. */
static void test_coalesce_rules(void)
{
	static struct dp_gro g;
	size_t len;
	unsigned at;

	/* out of order: 1, 3, 2 -> three items (2 cannot join 3's) */
	dp_gro_init(&g);
	len = tcp_packet(slot(0), 4, 1000, TCP_ACK, 100, 0);
	dp_gro_add(&g, slot(0), len, NULL, NULL, true);
	len = tcp_packet(slot(1), 4, 1200, TCP_ACK, 100, 200);
	dp_gro_add(&g, slot(1), len, NULL, NULL, true);
	len = tcp_packet(slot(2), 4, 1100, TCP_ACK, 100, 100);
	dp_gro_add(&g, slot(2), len, NULL, NULL, true);
	CHECK_INT(g.n_items, 3);

	/* a short segment ends the item; the next full one starts another */
	dp_gro_init(&g);
	at = add_run(&g, 0, 4, 1000, 3, 1000, 500, TCP_ACK);
	add_run(&g, at, 4, 3500, 2, 1000, 1000, TCP_ACK);
	CHECK_INT(g.n_items, 2);
	CHECK_INT(g.items[0].n, 3);
	CHECK_INT(g.items[1].n, 2);

	/* a larger segment never joins */
	dp_gro_init(&g);
	add_run(&g, 0, 4, 1000, 2, 500, 500, TCP_ACK);
	len = tcp_packet(slot(2), 4, 2000, TCP_ACK, 600, 1000);
	dp_gro_add(&g, slot(2), len, NULL, NULL, true);
	CHECK_INT(g.n_items, 2);

	/* FIN, SYN, RST, URG, no payload: alone, and the flow starts over after them */
	static const uint8_t alone[] = { TCP_ACK | TCP_FIN, 0x02, TCP_ACK | 0x04, TCP_ACK | 0x20 };
	for (size_t i = 0; i < sizeof(alone); i++) {
		dp_gro_init(&g);
		at = add_run(&g, 0, 6, 1000, 2, 800, 800, TCP_ACK);
		len = tcp_packet(slot(at), 6, 2600, alone[i], 800, 1600);
		dp_gro_add(&g, slot(at), len, NULL, NULL, true);
		add_run(&g, at + 1, 6, 3400, 2, 800, 800, TCP_ACK);
		CHECK_INT(g.n_items, 3);
		CHECK_INT(g.items[2].n, 2);
	}
	dp_gro_init(&g);
	len = tcp_packet(slot(0), 4, 1000, TCP_ACK, 0, 0);	/* pure ACKs */
	dp_gro_add(&g, slot(0), len, NULL, NULL, true);
	len = tcp_packet(slot(1), 4, 1000, TCP_ACK, 0, 0);
	dp_gro_add(&g, slot(1), len, NULL, NULL, true);
	CHECK_INT(g.n_items, 2);

	/* a bad checksum: alone (the kernel drops it), never inside an item */
	dp_gro_init(&g);
	at = add_run(&g, 0, 4, 1000, 2, 800, 800, TCP_ACK);
	len = tcp_packet(slot(at), 4, 2600, TCP_ACK, 800, 1600);
	slot(at)[len - 1] ^= 1;
	dp_gro_add(&g, slot(at), len, NULL, NULL, true);
	CHECK_INT(g.n_items, 2);

	/* another ack number, TTL, options, window: a new item (the kernel's
	 * GRO flushes on a window change too: one super-packet has one window,
	 * and a window update in a later segment would be lost in it) */
	for (int what = 0; what < 4; what++) {
		dp_gro_init(&g);
		at = add_run(&g, 0, 4, 1000, 2, 800, 800, TCP_ACK);
		len = tcp_packet(slot(at), 4, 2600, TCP_ACK, 800, 1600);
		if (what == 0)
			slot(at)[20 + 11] ^= 1;
		else if (what == 1)
			slot(at)[8]--, dp_csum_ip4_header(slot(at));
		else if (what == 2)
			slot(at)[20 + 27] ^= 1;
		else
			slot(at)[20 + 15] ^= 1;
		dp_csum_l4_fill(slot(at), len, 20, 16);
		dp_gro_add(&g, slot(at), len, NULL, NULL, true);
		CHECK_INT(g.n_items, 2);
	}

	/* at most DP_GRO_MAX_SEGS segments, at most 64 KB */
	dp_gro_init(&g);
	add_run(&g, 0, 4, 1000, DP_GRO_MAX_SEGS + 5, 100, 100, TCP_ACK);
	CHECK_INT(g.n_items, 2);
	CHECK_INT(g.items[0].n, DP_GRO_MAX_SEGS);
	dp_gro_init(&g);
	add_run(&g, 0, 4, 1000, 50, 1400, 1400, TCP_ACK);
	CHECK_INT(g.n_items, 2);
	CHECK(g.items[0].total <= 65535);
	CHECK_INT(g.items[0].n, (65535 - 52) / 1400);

	/* another tunnel or SA: never together */
	dp_gro_init(&g);
	len = tcp_packet(slot(0), 4, 1000, TCP_ACK, 100, 0);
	dp_gro_add(&g, slot(0), len, (void *)1, NULL, true);
	len = tcp_packet(slot(1), 4, 1100, TCP_ACK, 100, 100);
	dp_gro_add(&g, slot(1), len, (void *)2, NULL, true);
	len = tcp_packet(slot(2), 4, 1200, TCP_ACK, 100, 200);
	dp_gro_add(&g, slot(2), len, (void *)2, (void *)3, true);
	CHECK_INT(g.n_items, 3);

	/* coalescing off: every packet alone */
	dp_gro_init(&g);
	for (unsigned k = 0; k < 4; k++) {
		len = tcp_packet(slot(k), 4, 1000 + k * 100, TCP_ACK, 100, k * 100);
		dp_gro_add(&g, slot(k), len, NULL, NULL, false);
	}
	CHECK_INT(g.n_items, 4);
}

/* Two flows interleaved, and UDP among them: each flow in one item, the
 * UDP packets alone, in arrival order. */
static void test_coalesce_flows(void)
{
	static struct dp_gro g;
	unsigned at = 0;

	dp_gro_init(&g);
	for (unsigned k = 0; k < 6; k++) {
		size_t len = tcp_packet(slot(at), 4, 1000 + k * 1000, TCP_ACK, 1000, k * 1000);

		dp_gro_add(&g, slot(at++), len, NULL, NULL, true);
		len = tcp_packet(slot(at), 6, 1000 + k * 1000, TCP_ACK, 1000, k * 1000);
		dp_gro_add(&g, slot(at++), len, NULL, NULL, true);
		if (k == 2) {
			len = udp_packet(slot(at), 4, 99);
			dp_gro_add(&g, slot(at++), len, NULL, NULL, true);
		}
	}
	CHECK_INT(g.n_items, 3);
	check_super(&g, 0, 4, 1000, 6000, 0, 1000, TCP_ACK);
	check_super(&g, 1, 6, 1000, 6000, 0, 1000, TCP_ACK);
	CHECK_INT(g.items[2].n, 1);
	CHECK_INT(g.items[2].hlen, 0);

	/* DP_GRO_OPEN flows interleaved: each in one item; more: every packet
	 * still there, in order per flow (less coalesced) */
	for (unsigned flows = DP_GRO_OPEN; flows <= DP_GRO_OPEN + 2; flows += 2) {
		unsigned pkts = 0;

		dp_gro_init(&g);
		at = 0;
		for (unsigned round = 0; round < 2; round++) {
			for (unsigned f = 0; f < flows; f++) {
				size_t len = tcp_packet(slot(at), 4, 1000 + round * 500, TCP_ACK,
							500, round * 500);

				slot(at)[20 + 1] = (uint8_t)f;		/* source port */
				dp_csum_l4_fill(slot(at), len, 20, 16);
				dp_gro_add(&g, slot(at++), len, NULL, NULL, true);
			}
		}
		for (unsigned i = 0; i < g.n_items; i++)
			pkts += g.items[i].n;
		CHECK_INT(pkts, 2 * flows);
		if (flows == DP_GRO_OPEN)
			CHECK_INT(g.n_items, DP_GRO_OPEN);
	}
}

static void test_gro_full(void)
{
	static struct dp_gro g;
	uint8_t p[100];
	size_t len = udp_packet(p, 4, 10);
	unsigned k;

	dp_gro_init(&g);
	for (k = 0; k < DP_GRO_MAX_PKTS; k++)
		CHECK(dp_gro_add(&g, p, len, NULL, NULL, true));
	CHECK(!dp_gro_add(&g, p, len, NULL, NULL, true));
	CHECK_INT(g.n_items, DP_GRO_MAX_PKTS);
}

int main(void)
{
	bufs = malloc((size_t)SLOTLEN * 200);
	if (!bufs)
		return 1;
	test_csum();
	test_vnet();
	test_split();
	test_partial();
	test_split_refused();
	test_coalesce_basic();
	test_round_trip();
	test_coalesce_rules();
	test_coalesce_flows();
	test_gro_full();
	free(bufs);
	return check_summary("esp-offload");
}
