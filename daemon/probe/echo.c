/* SPDX-License-Identifier: Apache-2.0 */
/* ICMP and ICMPv6 echo requests built whole (IP header included, as the
 * data plane encrypts what a TUN would have given it), and the check of a
 * reply: read with the bounded cursor, one field at a time, the header's
 * lengths against the bytes there are, nothing trailing. */
#include "daemon/probe/echo.h"

#include <netinet/in.h>
#include <string.h>

#include "daemon/base/bytes.h"
#include "daemon/base/cursor.h"
#include "daemon/dataplane/offload.h"

#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define PROTO_ICMP 1
#define PROTO_ICMP6 58
#define HOP_LIMIT 64

/* ICMPv6's pseudo-header (RFC 8200 8.1): addresses, length, next header. */
static uint64_t pseudo6(const uint8_t *src, const uint8_t *dst, size_t len)
{
	const uint8_t tail[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
				  (uint8_t)len, 0, 0, 0, PROTO_ICMP6 };

	return dp_csum_add(dp_csum_add(dp_csum_add(0, src, 16), dst, 16), tail, sizeof(tail));
}

/* The complement of a folded sum at out + off (the machine's order, as summed). */
static void put_csum(uint8_t *out, size_t off, uint64_t sum)
{
	uint16_t c = (uint16_t)~dp_csum_fold(sum);

	memcpy(out + off, &c, 2);
}

static void ip_header(struct wbuf *w, const struct probe_echo *e, uint64_t serial, size_t icmp_len)
{
	if (e->family == AF_INET) {
		wbuf_u8(w, 0x45);
		wbuf_u8(w, 0);
		wbuf_u16(w, (uint16_t)(20 + icmp_len));
		wbuf_u16(w, (uint16_t)serial);		/* ID */
		wbuf_u16(w, 0);				/* may be fragmented: it never is */
		wbuf_u8(w, HOP_LIMIT);
		wbuf_u8(w, PROTO_ICMP);
		wbuf_u16(w, 0);				/* checksum, below */
		wbuf_bytes(w, e->src, 4);
		wbuf_bytes(w, e->dst, 4);
		return;
	}
	wbuf_u32(w, 0x60000000);
	wbuf_u16(w, (uint16_t)icmp_len);
	wbuf_u8(w, PROTO_ICMP6);
	wbuf_u8(w, HOP_LIMIT);
	wbuf_bytes(w, e->src, 16);
	wbuf_bytes(w, e->dst, 16);
}

size_t probe_echo_build(const struct probe_echo *e, uint64_t serial, uint8_t *out, size_t cap)
{
	const size_t icmp_len = 8 + PROBE_ECHO_DATA;
	struct wbuf w = wbuf_init(out, cap);
	size_t ip_len = e->family == AF_INET ? 20 : 40;
	uint64_t sum;

	if (e->family != AF_INET && e->family != AF_INET6)
		return 0;
	ip_header(&w, e, serial, icmp_len);
	wbuf_u8(&w, e->family == AF_INET ? ICMP_ECHO_REQUEST : ICMP6_ECHO_REQUEST);
	wbuf_u8(&w, 0);
	wbuf_u16(&w, 0);				/* checksum, below */
	wbuf_u16(&w, e->ident);
	wbuf_u16(&w, (uint16_t)serial);
	wbuf_bytes(&w, e->token, PROBE_TOKEN_LEN);
	wbuf_u64(&w, serial);
	if (w.err)
		return 0;
	if (e->family == AF_INET) {
		put_csum(out, 10, dp_csum_add(0, out, 20));
		sum = dp_csum_add(0, out + ip_len, icmp_len);
	} else {
		sum = dp_csum_add(pseudo6(e->src, e->dst, icmp_len), out + ip_len, icmp_len);
	}
	put_csum(out, ip_len + 2, sum);
	return w.len;
}

/* The IP header of a reply, read: where the ICMP message starts. */
struct ip_view {
	const uint8_t *src, *dst;
	size_t hlen;
	uint8_t proto;
	bool fragment;
};

static enum probe_reply read_ip(const struct probe_echo *e, struct cur *c, size_t len,
				struct ip_view *v)
{
	uint8_t first = cur_u8(c);
	uint16_t total;

	if (e->family == AF_INET) {
		v->hlen = (size_t)(first & 0x0f) * 4;
		cur_skip(c, 1);
		total = cur_u16(c);
		cur_skip(c, 2);
		v->fragment = (cur_u16(c) & 0x3fff) != 0;	/* MF or an offset */
		cur_skip(c, 1);
		v->proto = cur_u8(c);
		cur_skip(c, 2);
		v->src = cur_take(c, 4);
		v->dst = cur_take(c, 4);
		if (first >> 4 != 4 || v->hlen < 20 || total != len || !cur_skip(c, v->hlen - 20))
			return PROBE_REPLY_MALFORMED;
		return cur_ok(c) ? PROBE_REPLY_OK : PROBE_REPLY_MALFORMED;
	}
	v->hlen = 40;
	cur_skip(c, 3);
	total = cur_u16(c);
	v->proto = cur_u8(c);
	cur_skip(c, 1);
	v->src = cur_take(c, 16);
	v->dst = cur_take(c, 16);
	v->fragment = false;
	if (first >> 4 != 6 || !cur_ok(c) || (size_t)total + 40 != len)
		return PROBE_REPLY_MALFORMED;
	return PROBE_REPLY_OK;
}

static bool checksums_ok(const struct probe_echo *e, const uint8_t *pkt, size_t len,
			 const struct ip_view *v)
{
	size_t n = len - v->hlen;

	if (e->family == AF_INET)
		return dp_csum_fold(dp_csum_add(0, pkt, v->hlen)) == 0xffff &&
		       dp_csum_fold(dp_csum_add(0, pkt + v->hlen, n)) == 0xffff;
	return dp_csum_fold(dp_csum_add(pseudo6(v->src, v->dst, n), pkt + v->hlen, n)) == 0xffff;
}

enum probe_reply probe_echo_match(const struct probe_echo *e, uint64_t serial, const uint8_t *pkt,
				  size_t len)
{
	size_t alen = e->family == AF_INET ? 4 : 16;
	struct cur c = cur_init(pkt, len), icmp;
	const uint8_t *token;
	struct ip_view v;
	uint8_t type, code;
	uint16_t ident, seq;
	uint64_t theirs;
	enum probe_reply r;

	if ((e->family != AF_INET && e->family != AF_INET6) ||
	    (len && pkt[0] >> 4 != (e->family == AF_INET ? 4 : 6)))
		return PROBE_REPLY_NOT_OURS;
	if ((r = read_ip(e, &c, len, &v)) != PROBE_REPLY_OK)
		return r;
	if (v.proto != (e->family == AF_INET ? PROTO_ICMP : PROTO_ICMP6) || v.fragment)
		return PROBE_REPLY_NOT_OURS;
	icmp = cur_sub(&c, cur_left(&c));
	type = cur_u8(&icmp);
	code = cur_u8(&icmp);
	cur_skip(&icmp, 2);
	ident = cur_u16(&icmp);
	seq = cur_u16(&icmp);
	if (!cur_ok(&icmp))
		return PROBE_REPLY_MALFORMED;
	if (type != (e->family == AF_INET ? ICMP_ECHO_REPLY : ICMP6_ECHO_REPLY) || code || ident != e->ident)
		return PROBE_REPLY_NOT_OURS;
	if (memcmp(v.src, e->dst, alen) || memcmp(v.dst, e->src, alen))
		return PROBE_REPLY_WRONG_PEER;
	if (cur_left(&icmp) != PROBE_ECHO_DATA)
		return PROBE_REPLY_NOT_OURS;
	token = cur_take(&icmp, PROBE_TOKEN_LEN);
	theirs = cur_u64(&icmp);
	if (!cur_done(&icmp) || memcmp(token, e->token, PROBE_TOKEN_LEN) || theirs > serial ||
	    seq != (uint16_t)theirs)
		return PROBE_REPLY_NOT_OURS;
	if (!checksums_ok(e, pkt, len, &v))
		return PROBE_REPLY_MALFORMED;
	return theirs == serial ? PROBE_REPLY_OK : PROBE_REPLY_LATE;
}

const char *probe_reply_name(enum probe_reply r)
{
	static const char *const names[] = {
		[PROBE_REPLY_OK] = "answer", [PROBE_REPLY_LATE] = "late answer",
		[PROBE_REPLY_NOT_OURS] = "not our echo reply", [PROBE_REPLY_WRONG_PEER] = "from elsewhere",
		[PROBE_REPLY_MALFORMED] = "malformed",
	};

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}
