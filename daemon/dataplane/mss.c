/* SPDX-License-Identifier: Apache-2.0 */
/* TCP MSS clamping (see dp_mss.h).  Per packet: a few header bytes for
 * anything that is not a TCP SYN; the option list is walked only for a
 * SYN, bounded by the TCP header's own length, itself bounded by the
 * packet's. */
#include "daemon/base/bytes.h"
#include "daemon/dataplane/mss.h"

#include <stdbool.h>

#define IPPROTO_TCP_ 6
#define TCP_SYN 0x02
#define TCP_OPT_EOL 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2
#define IP6_MAX_EXT 8		/* extension headers walked before giving up */


static uint16_t swap16(uint16_t v)
{
	return (uint16_t)(v << 8 | v >> 8);
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), one 16-bit word m -> m'. */
static uint16_t csum_replace(uint16_t hc, uint16_t m, uint16_t m_new)
{
	uint32_t s = (uint32_t)(uint16_t)~hc + (uint16_t)~m + m_new;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* An unfragmented IPv4 packet carrying TCP: the TCP segment's bounds. */
static bool ip4_tcp(const uint8_t *p, size_t len, size_t *l4off, size_t *end)
{
	size_t ihl, tot;

	if (len < 20 || p[9] != IPPROTO_TCP_ || (get_be16(p + 6) & 0x3fff))
		return false;	/* short, not TCP, or a fragment (MF or an offset) */
	ihl = (size_t)(p[0] & 0x0f) * 4;
	tot = get_be16(p + 2);
	if (ihl < 20 || tot < ihl || tot > len)
		return false;
	*l4off = ihl;
	*end = tot;
	return true;
}

/* IPv6 with TCP after hop-by-hop, routing and destination options headers
 * (a fragment header or anything else: left alone). */
static bool ip6_tcp(const uint8_t *p, size_t len, size_t *l4off, size_t *end)
{
	size_t off = 40, e;
	uint8_t nh;

	if (len < 40)
		return false;
	e = 40 + (size_t)get_be16(p + 4);
	if (e > len)
		return false;
	nh = p[6];
	for (int i = 0; i <= IP6_MAX_EXT; i++) {
		if (off > e)
			return false;	/* the last header ran past the payload */
		if (nh == IPPROTO_TCP_) {
			*l4off = off;
			*end = e;
			return true;
		}
		if ((nh != 0 && nh != 43 && nh != 60) || off + 8 > e)
			return false;
		nh = p[off];
		off += ((size_t)p[off + 1] + 1) * 8;
	}
	return false;
}

/* The TCP segment t[0 .. n) of a SYN: its MSS options lowered to mss. */
static unsigned tcp_clamp(uint8_t *t, size_t n, uint16_t mss)
{
	size_t hlen, i = 20;
	unsigned changed = 0;

	if (n < 20 || !(t[13] & TCP_SYN))
		return 0;
	hlen = (size_t)(t[12] >> 4) * 4;
	if (hlen < 20 || hlen > n)
		return 0;
	while (i < hlen && t[i] != TCP_OPT_EOL) {
		size_t olen;

		if (t[i] == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= hlen || (olen = t[i + 1]) < 2 || i + olen > hlen)
			break;	/* the option runs past the header: stop there */
		if (t[i] == TCP_OPT_MSS && olen == 4 && get_be16(t + i + 2) > mss) {
			uint16_t old = get_be16(t + i + 2);
			/* the checksum sums 16-bit words from the segment's start:
			 * a value at an odd offset counts byte-swapped */
			bool odd = (i + 2) & 1;

			put_be16(t + 16, csum_replace(get_be16(t + 16), odd ? swap16(old) : old,
						   odd ? swap16(mss) : mss));
			put_be16(t + i + 2, mss);
			changed++;
		}
		i += olen;
	}
	return changed;
}

unsigned dp_mss_clamp(uint8_t *pkt, size_t len, uint16_t mss4, uint16_t mss6)
{
	size_t l4off, end;
	uint16_t mss;

	if (len < 1)
		return 0;
	switch (pkt[0] >> 4) {
	case 4:
		if (!mss4 || !ip4_tcp(pkt, len, &l4off, &end))
			return 0;
		mss = mss4;
		break;
	case 6:
		if (!mss6 || !ip6_tcp(pkt, len, &l4off, &end))
			return 0;
		mss = mss6;
		break;
	default:
		return 0;
	}
	return tcp_clamp(pkt + l4off, end - l4off, mss);
}
