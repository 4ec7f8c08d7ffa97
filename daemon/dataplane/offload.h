/* SPDX-License-Identifier: Apache-2.0 */
/* TUN offloads for the data plane, as pure functions on caller-owned
 * buffers (no fds, no locks, no allocation):
 *
 *  - dp_vnet_*: the virtio_net_hdr that a TUN opened with IFF_VNET_HDR puts
 *    before every packet, read and written in host order here;
 *  - dp_csum_*: the Internet checksum (RFC 1071) for IPv4 headers and for
 *    TCP/UDP over IPv4/IPv6 with their pseudo-headers;
 *  - dp_gso_*: cutting what the TUN hands over into packets that can travel:
 *    a TCP (TSO) or UDP (USO) super-packet into MSS-sized segments with their
 *    own headers and checksums, or a single packet whose checksum the kernel
 *    left partial completed;
 *  - dp_gro_*: the other way, for writes to the TUN: consecutive TCP segments
 *    of one flow (decrypted inbound packets) gathered into one super-packet,
 *    the rules of the kernel's TCP GRO (same addresses, ports, ack, window,
 *    options, IP fields; in-order sequence numbers; equal sizes but the last;
 *    only ACK/PSH flags; checksum verified), written with one writev.
 *
 * Every function takes IP packets in network byte order and never reads
 * past the lengths it is given: the packets come from the kernel (TUN
 * reads) or from an authenticated peer (decrypted ESP), but a peer may
 * still send nonsense inside a valid ESP packet. */
#ifndef MCVPN_DP_OFFLOAD_H
#define MCVPN_DP_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* ---- virtio_net_hdr (linux/virtio_net.h), little-endian on the fd ---- */

#define DP_VNET_HDR_LEN		10
#define DP_VNET_F_NEEDS_CSUM	1	/* checksum from csum_start, stored at +csum_offset */
#define DP_VNET_GSO_NONE	0
#define DP_VNET_GSO_TCPV4	1
#define DP_VNET_GSO_UDP		3	/* UFO: never offered, refused */
#define DP_VNET_GSO_TCPV6	4
#define DP_VNET_GSO_UDP_L4	5	/* USO, IPv4 or IPv6 */
#define DP_VNET_GSO_ECN		0x80	/* never offered (no TUN_F_TSO_ECN), refused */

struct dp_vnet_hdr {
	uint8_t flags, gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset;	/* host order */
};

void dp_vnet_parse(const uint8_t b[DP_VNET_HDR_LEN], struct dp_vnet_hdr *h);
void dp_vnet_build(const struct dp_vnet_hdr *h, uint8_t b[DP_VNET_HDR_LEN]);

/* ---- checksums ---- */

/* Recompute an IPv4 header's checksum in place (p[0..IHL*4) readable). */
/* The ones' complement sum of p[0 .. len) added to sum, in the machine's
 * byte order and not folded (RFC 1071 1.2: the order does not matter if it
 * is the same throughout); p starts on an even offset of the summed data.
 * dp_csum_fold folds it to 16 bits, still in the machine's order: store its
 * complement with memcpy; a correct packet's sum folds to 0xffff. */
uint64_t dp_csum_add(uint64_t sum, const uint8_t *p, size_t len);
uint16_t dp_csum_fold(uint64_t sum);
void dp_csum_ip4_header(uint8_t *p);
/* Store at p[start + offset] the folded (not inverted) pseudo-header sum of
 * the L4 segment p[start .. len): what a TUN hands over when it leaves the
 * checksum to "hardware".  The protocol is TCP for offset 16, UDP for 6. */
void dp_csum_set_pseudo(uint8_t *p, size_t len, size_t start, size_t offset);
/* Finish a checksum left partial (the generic rule of skb_checksum_help):
 * the field at p[field] holds the pseudo-header sum; sum p[start .. len)
 * and store the result there. */
void dp_csum_complete(uint8_t *p, size_t len, size_t start, size_t field);
/* Full TCP/UDP checksum of p[start .. len) (field at start + offset) with the
 * pseudo-header of packet p; stored in place.  UDP's 0 becomes 0xffff. */
void dp_csum_l4_fill(uint8_t *p, size_t len, size_t start, size_t offset);
/* True when the TCP/UDP segment p[start .. len) of packet p carries a correct
 * checksum (an IPv4 UDP checksum of 0, "none", also passes). */
bool dp_csum_l4_ok(const uint8_t *p, size_t len, size_t start, uint8_t proto);

/* ---- TSO/USO split, partial checksums ---- */

struct dp_gso {
	const uint8_t *pkt;
	size_t len;
	size_t l4off, hlen;		/* L4 header offset; all headers' length */
	size_t mss;			/* payload per segment; 0: one packet as is */
	size_t off;			/* next payload byte, from hlen */
	unsigned idx;			/* segments made */
	uint8_t proto;			/* 6 TCP, 17 UDP; 0 no checksum work */
	bool csum;			/* a single packet with a partial checksum */
	bool done;
};

/* Check h against pkt[0 .. len) (borrowed until the last dp_gso_next).
 * 0, or -1 for what cannot be split or completed (a GSO type not offered,
 * offsets outside the packet, a version that does not match). */
int dp_gso_init(struct dp_gso *g, const struct dp_vnet_hdr *h, const uint8_t *pkt, size_t len);
/* Write the next segment (headers, payload chunk, lengths, IDs, sequence
 * numbers, flags and checksums fixed) to out; its length, or 0 when all
 * were made or the next does not fit cap (then g->done stays false). */
size_t dp_gso_next(struct dp_gso *g, uint8_t *out, size_t cap);

/* ---- TCP coalescing for TUN writes ---- */

#define DP_GRO_MAX_PKTS		1024	/* packets per batch */
#define DP_GRO_MAX_SEGS		64	/* segments per super-packet */
#define DP_GRO_OPEN		8	/* flows looked at per packet */

struct dp_gro_pkt {
	uint8_t *data;			/* borrowed, in the receive buffer */
	size_t len;
	int next;			/* next segment of the same item; -1 none */
};

struct dp_gro_item {
	int first, last;		/* indexes into pkts[] */
	void *tunnel, *sa;		/* the caller's tags, passed back */
	size_t hlen;			/* IP + TCP header length; 0: a lone packet */
	size_t l4off;
	size_t seg_payload;		/* payload of the first segment: gso_size */
	size_t total;			/* length of the coalesced packet */
	size_t bytes;			/* inner bytes of every packet, for counters */
	uint32_t next_seq;
	unsigned n;			/* packets */
	bool closed;
};

struct dp_gro {
	struct dp_gro_pkt pkts[DP_GRO_MAX_PKTS];
	struct dp_gro_item items[DP_GRO_MAX_PKTS];
	unsigned n_pkts, n_items;
	int open[DP_GRO_OPEN];		/* items still taking segments; -1 free */
};

void dp_gro_init(struct dp_gro *g);
/* Add one inner packet (borrowed until the batch is written): appended to
 * an open item of its flow when the rules allow, else a new item.  With
 * coalesce false every packet is its own item.  false when the batch is
 * full (flush it and add again). */
bool dp_gro_add(struct dp_gro *g, uint8_t *pkt, size_t len, void *tunnel, void *sa,
		bool coalesce);
/* For item i: fix the first packet's headers (lengths, IPv4 checksum, TCP
 * pseudo-header sum) when it coalesced several, fill vnet (when not NULL)
 * and iov (vnet first when given, then the data): the iovec count. */
size_t dp_gro_item_iov(struct dp_gro *g, unsigned i, uint8_t vnet[DP_VNET_HDR_LEN],
		       struct iovec *iov, size_t max_iov);

#endif
