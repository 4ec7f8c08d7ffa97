/* SPDX-License-Identifier: Apache-2.0 */
/* The Internet checksum (RFC 1071) for the TUN offloads, and the
 * virtio_net_hdr.  Sums are taken over native-order words: the one's
 * complement sum does not care about byte order as long as the result is
 * stored back the same way (RFC 1071 2(B)). */
#include <endian.h>
#include <string.h>

#include "daemon/dataplane/offload.h"

void dp_vnet_parse(const uint8_t b[DP_VNET_HDR_LEN], struct dp_vnet_hdr *h)
{
	uint16_t w[4];

	memcpy(w, b + 2, sizeof(w));
	h->flags = b[0];
	h->gso_type = b[1];
	h->hdr_len = le16toh(w[0]);
	h->gso_size = le16toh(w[1]);
	h->csum_start = le16toh(w[2]);
	h->csum_offset = le16toh(w[3]);
}

void dp_vnet_build(const struct dp_vnet_hdr *h, uint8_t b[DP_VNET_HDR_LEN])
{
	uint16_t w[4] = { htole16(h->hdr_len), htole16(h->gso_size), htole16(h->csum_start),
			  htole16(h->csum_offset) };

	b[0] = h->flags;
	b[1] = h->gso_type;
	memcpy(b + 2, w, sizeof(w));
}

uint64_t dp_csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	uint32_t w[4];
	uint16_t h;

	/* 32-bit words into 64-bit sums: no carry is lost below 2^32 words */
	for (; len >= 16; p += 16, len -= 16) {
		memcpy(w, p, 16);
		s0 += w[0];
		s1 += w[1];
		s2 += w[2];
		s3 += w[3];
	}
	sum += s0 + s1 + s2 + s3;
	for (; len >= 2; p += 2, len -= 2) {
		memcpy(&h, p, 2);
		sum += h;
	}
	if (len) {			/* the odd last byte, padded with zero */
		uint8_t pad[2] = { p[0], 0 };

		memcpy(&h, pad, 2);
		sum += h;
	}
	return sum;
}

uint16_t dp_csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);		/* native order, as summed */
}

void dp_csum_ip4_header(uint8_t *p)
{
	size_t ihl = (size_t)(p[0] & 0x0f) * 4;

	p[10] = p[11] = 0;
	put16(p + 10, (uint16_t)~dp_csum_fold(dp_csum_add(0, p, ihl)));
}

/* The pseudo-header (RFC 793 / RFC 8200 8.1) of packet p for an L4 length. */
static uint64_t pseudo(const uint8_t *p, size_t l4len, uint8_t proto)
{
	uint8_t tail[4] = { 0, proto, (uint8_t)(l4len >> 8), (uint8_t)l4len };
	uint64_t sum;

	if (p[0] >> 4 == 4)
		sum = dp_csum_add(0, p + 12, 8);
	else
		sum = dp_csum_add(0, p + 8, 32);
	if (l4len > 0xffff)		/* IPv6 jumbo: the upper half too */
		sum = dp_csum_add(sum, (uint8_t[]){ 0, 0, (uint8_t)(l4len >> 24),
						  (uint8_t)(l4len >> 16) }, 4);
	return dp_csum_add(sum, tail, 4);
}

static uint8_t proto_of(size_t offset)
{
	return offset == 6 ? 17 : 6;
}

void dp_csum_set_pseudo(uint8_t *p, size_t len, size_t start, size_t offset)
{
	put16(p + start + offset, dp_csum_fold(pseudo(p, len - start, proto_of(offset))));
}

void dp_csum_l4_fill(uint8_t *p, size_t len, size_t start, size_t offset)
{
	uint16_t c;

	p[start + offset] = p[start + offset + 1] = 0;
	c = (uint16_t)~dp_csum_fold(dp_csum_add(pseudo(p, len - start, proto_of(offset)), p + start,
				      len - start));
	if (c == 0 && offset == 6)
		c = 0xffff;		/* RFC 768: 0 means "no checksum" */
	put16(p + start + offset, c);
}

bool dp_csum_l4_ok(const uint8_t *p, size_t len, size_t start, uint8_t proto)
{
	if (proto == 17 && p[0] >> 4 == 4 && len >= start + 8 && !p[start + 6] && !p[start + 7])
		return true;
	return dp_csum_fold(dp_csum_add(pseudo(p, len - start, proto), p + start, len - start)) == 0xffff;
}

void dp_csum_complete(uint8_t *p, size_t len, size_t start, size_t field)
{
	uint16_t c = (uint16_t)~dp_csum_fold(dp_csum_add(0, p + start, len - start));

	if (c == 0 && field - start == 6)
		c = 0xffff;		/* UDP: 0 would mean "no checksum" */
	put16(p + field, c);
}
