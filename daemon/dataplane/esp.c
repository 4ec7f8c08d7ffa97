/* SPDX-License-Identifier: Apache-2.0 */
/* ESP tunnel mode with AES-GCM-16 or AES-CBC + HMAC: encapsulation,
 * decapsulation and the checks on the inner packet.  Layouts, IVs and the
 * order of checks: see esp.h. */
#include "daemon/base/bytes.h"
#include "daemon/dataplane/esp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/aead.h"
#include "crypto/alg.h"
#include "crypto/cbc_ctx.h"
#include "crypto/integ_ctx.h"
#include "daemon/base/cursor.h"

#define ESP_GCM_SALT_LEN 4	/* RFC 4106 8.1: the key material's last 4 bytes */

static const char *const err_names[] = {
	[ESP_OK] = "ESP_OK",
	[ESP_ERR_LENGTH] = "ESP_ERR_LENGTH",
	[ESP_ERR_SPI] = "ESP_ERR_SPI",
	[ESP_ERR_REPLAY] = "ESP_ERR_REPLAY",
	[ESP_ERR_AUTH] = "ESP_ERR_AUTH",
	[ESP_ERR_PADDING] = "ESP_ERR_PADDING",
	[ESP_ERR_NEXT_HEADER] = "ESP_ERR_NEXT_HEADER",
	[ESP_ERR_INNER_LENGTH] = "ESP_ERR_INNER_LENGTH",
	[ESP_ERR_TS] = "ESP_ERR_TS",
	[ESP_ERR_SEQ_EXHAUSTED] = "ESP_ERR_SEQ_EXHAUSTED",
	[ESP_ERR_NOSPACE] = "ESP_ERR_NOSPACE",
	[ESP_ERR_CRYPTO] = "ESP_ERR_CRYPTO",
};

const char *esp_err_name(enum esp_err e)
{
	if ((unsigned)e >= sizeof(err_names) / sizeof(err_names[0]))
		return "ESP_ERR_UNKNOWN";
	return err_names[e];
}

/* An AEAD takes no integrity transform; CBC needs one of the four HMACs. */
static bool integ_fits(unsigned encr, unsigned integ)
{
	if (encr_is_aead(encr))
		return integ == AUTH_NONE;
	return encr == ENCR_AES_CBC && integ_supported(integ);
}

/* Key the cipher objects; keymat_len is already checked. */
static int sa_key(struct esp_sa *sa, unsigned integ, const uint8_t *keymat, size_t keymat_len,
		  size_t enc_len)
{
	if (encr_is_aead(sa->encr)) {	/* RFC 4106 and RFC 7634 frame alike */
		sa->iv_len = ESP_IV_LEN;
		sa->block_len = 4;		/* RFC 4303 2.4: 4-byte alignment */
		sa->icv_len = ESP_ICV_LEN;
		sa->aead = aead_new_alg(sa->encr, keymat, keymat_len);
		return sa->aead ? 0 : -1;
	}
	sa->iv_len = ESP_CBC_IV_LEN;
	sa->block_len = CBC_BLOCK_LEN;
	sa->icv_len = integ_icv_len(integ);
	sa->cbc = cbc_ctx_new(keymat, enc_len);
	sa->integ = integ_ctx_new(integ, keymat + enc_len, keymat_len - enc_len);
	return sa->cbc && sa->integ ? 0 : -1;
}

struct esp_sa *esp_sa_new_alg(uint32_t spi, unsigned encr, unsigned encr_keybits, unsigned integ,
			      const uint8_t *keymat, size_t keymat_len)
{
	size_t enc_len = encr_keymat_len(encr, encr_keybits);	/* 0: unsupported */
	struct esp_sa *sa;

	if (!enc_len || !integ_fits(encr, integ) || keymat_len != enc_len + integ_key_len(integ))
		return NULL;
	sa = calloc(1, sizeof(*sa));
	if (!sa)
		return NULL;
	sa->spi = spi;
	sa->encr = encr;
	if (sa_key(sa, integ, keymat, keymat_len, enc_len)) {
		esp_sa_free(sa);
		return NULL;
	}
	replay_init(&sa->replay);
	return sa;
}

struct esp_sa *esp_sa_new(uint32_t spi, const uint8_t *keymat, size_t keymat_len)
{
	/* AES key | salt: the key length tells the key bits. */
	if (keymat_len < ESP_GCM_SALT_LEN || keymat_len > ESP_GCM_SALT_LEN + 32)
		return NULL;
	return esp_sa_new_alg(spi, ENCR_AES_GCM_16, (unsigned)(keymat_len - ESP_GCM_SALT_LEN) * 8,
			      AUTH_NONE, keymat, keymat_len);
}

void esp_sa_free(struct esp_sa *sa)
{
	if (!sa)
		return;
	aead_free(sa->aead);
	cbc_ctx_free(sa->cbc);
	integ_ctx_free(sa->integ);
	free(sa);
}

int esp_sa_set_ts(struct esp_sa *sa, const struct dp_range *remote, size_t n_remote,
		  const struct dp_range *local, size_t n_local)
{
	if (n_remote > DP_MAX_TS || n_local > DP_MAX_TS)
		return -EINVAL;
	memcpy(sa->remote_ts, remote, n_remote * sizeof(*remote));
	sa->n_remote_ts = n_remote;
	memcpy(sa->local_ts, local, n_local * sizeof(*local));
	sa->n_local_ts = n_local;
	sa->ts_l4 = false;
	for (size_t i = 0; i < n_remote; i++)
		sa->ts_l4 |= remote[i].l4;
	for (size_t i = 0; i < n_local; i++)
		sa->ts_l4 |= local[i].l4;
	return 0;
}

/* ---- outbound ---- */

/* Padding so that payload | pad | pad len | next header ends on a block. */
static size_t pad_len_for(const struct esp_sa *sa, size_t len)
{
	return (sa->block_len - (len + 2) % sa->block_len) % sa->block_len;
}

size_t esp_sa_out_len(const struct esp_sa *sa, size_t len)
{
	return ESP_HDR_LEN + sa->iv_len + len + pad_len_for(sa, len) + 2 + sa->icv_len;
}


/* An AEAD's associated data for the header hdr (SPI | low 32 bits of seq):
 * the header itself, or with ESN SPI | seq's high 32 bits | its low 32
 * built in buf (RFC 4106 5).  *len receives 8 or 12. */
static const uint8_t *aad_of(const struct esp_sa *sa, const uint8_t *hdr, uint64_t seq,
			     uint8_t buf[ESP_HDR_LEN + 4], size_t *len)
{
	if (!sa->esn) {
		*len = ESP_HDR_LEN;
		return hdr;
	}
	memcpy(buf, hdr, 4);
	put_be32(buf + 4, (uint32_t)(seq >> 32));
	put_be32(buf + 8, (uint32_t)seq);
	*len = ESP_HDR_LEN + 4;
	return buf;
}

/* Encrypt pt[0 .. plen) in place behind the header and append the ICV.
 * With ESN the HMAC also covers seq's high 32 bits after the ciphertext
 * (RFC 4303 2.2.1), which the packet does not carry. */
static int seal(struct esp_sa *sa, uint8_t *buf, const uint8_t *iv, uint8_t *pt, size_t plen,
		uint64_t seq)
{
	size_t signed_len = (size_t)(pt - buf) + plen, alen;
	uint8_t abuf[ESP_HDR_LEN + 4], hi[4];

	if (sa->aead) {
		const uint8_t *aad = aad_of(sa, buf, seq, abuf, &alen);
		return aead_encrypt(sa->aead, iv, aad, alen, pt, plen, pt, pt + plen);
	}
	if (cbc_ctx_encrypt(sa->cbc, iv, pt, pt, plen))
		return -1;
	put_be32(hi, (uint32_t)(seq >> 32));
	return integ_ctx_compute_tail(sa->integ, buf, signed_len, hi, sa->esn ? 4 : 0,
				      buf + signed_len);
}

enum esp_err esp_sa_encap_iv(struct esp_sa *sa, uint64_t seq, const uint8_t *iv,
			     uint8_t *buf, size_t cap, size_t len, uint8_t next_header,
			     size_t *out_len)
{
	size_t start = ESP_HDR_LEN + sa->iv_len, npad = pad_len_for(sa, len);
	size_t plen = len + npad + 2;
	uint8_t *pt = buf + start;
	struct wbuf w;

	if (cap < start + sa->icv_len || len > cap - start - sa->icv_len ||
	    plen > cap - start - sa->icv_len)
		return ESP_ERR_NOSPACE;
	if (start != ESP_HEADROOM)		/* CBC: make room for the longer IV */
		memmove(pt, buf + ESP_HEADROOM, len);
	for (size_t i = 0; i < npad; i++)
		pt[len + i] = (uint8_t)(i + 1);
	pt[len + npad] = (uint8_t)npad;
	pt[len + npad + 1] = next_header;
	w = wbuf_init(buf, start);
	wbuf_u32(&w, sa->spi);
	wbuf_u32(&w, (uint32_t)seq);		/* ESN: only the low 32 bits travel */
	wbuf_bytes(&w, iv, sa->iv_len);
	if (seal(sa, buf, iv, pt, plen, seq) != 0)
		return ESP_ERR_CRYPTO;
	*out_len = start + plen + sa->icv_len;
	return ESP_OK;
}

enum esp_err esp_sa_encap(struct esp_sa *sa, uint8_t *buf, size_t cap, size_t len,
			  uint8_t next_header, size_t *out_len)
{
	uint8_t iv[ESP_CBC_IV_LEN];

	/* RFC 4303 3.3.3: never let the counter cycle (32 bits, or 64 with
	 * ESN); the control plane rekeys long before this. */
	if (sa->seq == (sa->esn ? UINT64_MAX : UINT32_MAX))
		return ESP_ERR_SEQ_EXHAUSTED;
	if (len > cap || cap < esp_sa_out_len(sa, len))
		return ESP_ERR_NOSPACE;
	sa->seq++;
	if (sa->aead)
		put_be64(iv, sa->seq);
	else if (cbc_ctx_iv(sa->cbc, sa->seq, iv))
		return ESP_ERR_CRYPTO;		/* the number stays spent */
	return esp_sa_encap_iv(sa, sa->seq, iv, buf, cap, len, next_header, out_len);
}

/* ---- inbound ---- */

/* Pad bytes must be 1, 2, 3, ... (RFC 4303 2.4, default padding). */
static enum esp_err check_padding(const uint8_t *pt, size_t plen, size_t *inner_len)
{
	size_t npad = pt[plen - 2];

	if (npad + 2 > plen)
		return ESP_ERR_PADDING;
	*inner_len = plen - 2 - npad;
	for (size_t i = 0; i < npad; i++)
		if (pt[*inner_len + i] != (uint8_t)(i + 1))
			return ESP_ERR_PADDING;
	return ESP_OK;
}

/* 0 when the packet is authentic under the full sequence number seq.  GCM
 * decrypts in the same pass; CBC only checks the HMAC over header, IV and
 * ciphertext (and seq's high 32 bits with ESN). */
static int open_auth(struct esp_sa *sa, const uint8_t *pkt, const uint8_t *iv, uint8_t *pt,
		     size_t plen, uint64_t seq)
{
	uint8_t abuf[ESP_HDR_LEN + 4], hi[4];
	size_t alen;

	if (sa->aead) {
		const uint8_t *aad = aad_of(sa, pkt, seq, abuf, &alen);
		return aead_decrypt(sa->aead, iv, aad, alen, pt, plen, pt, pt + plen);
	}
	put_be32(hi, (uint32_t)(seq >> 32));
	return integ_ctx_verify_tail(sa->integ, pkt, (size_t)(pt - pkt) + plen, hi,
				     sa->esn ? 4 : 0, pt + plen);
}

enum esp_err esp_sa_decrypt(struct esp_sa *sa, uint8_t *pkt, size_t len,
			    uint8_t **payload, size_t *payload_len, uint8_t *next_header)
{
	struct cur c = cur_init(pkt, len);
	size_t start = ESP_HDR_LEN + sa->iv_len, plen;
	uint32_t spi, low;
	uint64_t seq;
	const uint8_t *iv;
	uint8_t *pt = pkt + start;

	/* At least one block of payload: it holds pad length and next header. */
	if (len < start + sa->block_len + sa->icv_len ||
	    (len - start - sa->icv_len) % sa->block_len != 0)
		return ESP_ERR_LENGTH;
	plen = len - start - sa->icv_len;
	spi = cur_u32(&c);
	low = cur_u32(&c);
	iv = cur_take(&c, sa->iv_len);
	if (!iv)
		return ESP_ERR_LENGTH;
	if (spi != sa->spi)
		return ESP_ERR_SPI;
	/* ESN: the high bits from the window; a guess that is wrong (a packet
	 * from below the window) fails the ICV below. */
	seq = sa->esn ? replay_esn_infer(&sa->replay, low) : low;
	if (!replay_check(&sa->replay, seq))
		return ESP_ERR_REPLAY;
	if (open_auth(sa, pkt, iv, pt, plen, seq) != 0)
		return ESP_ERR_AUTH;
	/* Authentic: the number is spent even if the content is bad. */
	replay_update(&sa->replay, seq);
	if (sa->cbc && cbc_ctx_decrypt(sa->cbc, iv, pt, pt, plen) != 0)
		return ESP_ERR_CRYPTO;
	*next_header = pt[plen - 1];
	*payload = pt;
	return check_padding(pt, plen, payload_len);
}

/* An inner packet's upper layer, for selectors that name a protocol or
 * ports (RFC 4301 4.4.1.1, RFC 7296 3.13.1). */
struct l4 {
	uint8_t proto;
	bool has_ports;			/* false: the ports are OPAQUE (a later fragment,
					 * a protocol without ports, a header cut short) */
	uint16_t src, dst;		/* ICMP and ICMPv6: type << 8 | code, both */
};

static bool proto_has_ports(uint8_t p)
{
	return p == 6 || p == 17 || p == 132 || p == 136;	/* TCP UDP SCTP UDP-Lite */
}

static void l4_ports(const uint8_t *p, size_t len, size_t off, bool later_frag, struct l4 *l)
{
	bool icmp = l->proto == 1 || l->proto == 58;

	if (later_frag || !(proto_has_ports(l->proto) || icmp) || off + 4 > len)
		return;
	l->has_ports = true;
	l->src = (uint16_t)(p[off] << 8 | p[off + 1]);
	l->dst = icmp ? l->src : (uint16_t)(p[off + 2] << 8 | p[off + 3]);
}

/* IPv6: past at most 8 extension headers (hop-by-hop, routing, fragment,
 * destination options), each inside the packet. */
static void l4_of_v6(const uint8_t *p, size_t len, struct l4 *l)
{
	uint8_t nh = p[6];
	size_t off = 40;
	bool later = false;

	for (int i = 0; i < 8; i++) {
		if ((nh == 0 || nh == 43 || nh == 60) && off + 2 <= len) {
			size_t next = off + ((size_t)p[off + 1] + 1) * 8;
			nh = p[off];
			off = next;
		} else if (nh == 44 && off + 8 <= len) {
			later = ((p[off + 2] << 8 | p[off + 3]) & 0xfff8) != 0;
			nh = p[off];
			off += 8;
		} else {
			break;
		}
	}
	l->proto = nh;
	l4_ports(p, len, off, later, l);
}

static void l4_of(const uint8_t *p, size_t len, bool v4, struct l4 *l)
{
	*l = (struct l4){ 0 };
	if (!v4) {
		l4_of_v6(p, len, l);
		return;
	}
	l->proto = p[9];
	l4_ports(p, len, (size_t)(p[0] & 0x0f) * 4, ((p[6] & 0x1f) << 8 | p[7]) != 0, l);
}

static bool range_has(const struct dp_range *r, int family, const uint8_t *addr,
		      const struct l4 *l, bool src)
{
	size_t n = family == AF_INET ? 4 : 16;

	if (r->family != family || memcmp(r->start, addr, n) > 0 || memcmp(addr, r->end, n) > 0)
		return false;
	if (!r->l4)
		return true;
	if (r->ip_proto && r->ip_proto != l->proto)
		return false;
	if (r->start_port == 0 && r->end_port == 0xffff)
		return true;
	uint16_t port = src ? l->src : l->dst;
	return l->has_ports && r->start_port <= port && port <= r->end_port;
}

static bool ranges_have(const struct dp_range *r, size_t n, int family, const uint8_t *addr,
			const struct l4 *l, bool src)
{
	for (size_t i = 0; i < n; i++)
		if (range_has(&r[i], family, addr, l, src))
			return true;
	return false;
}

/* The packet's side on ours (our side of the tunnel) among our selectors
 * and its side on theirs among the peer's: inbound ours is the destination,
 * outbound the source.  At most 2 x DP_MAX_TS compares of 4 or 16 bytes, and
 * the upper layer read only when a selector names a protocol or ports. */
static bool ts_allow(const struct esp_sa *sa, const uint8_t *pkt, size_t len, bool v4,
		     bool inbound)
{
	size_t src = v4 ? 12 : 8, dst = v4 ? 16 : 24;	/* address offsets */
	int family = v4 ? AF_INET : AF_INET6;
	struct l4 l = { 0 };

	if (sa->ts_l4)
		l4_of(pkt, len, v4, &l);
	return ranges_have(sa->local_ts, sa->n_local_ts, family, pkt + (inbound ? dst : src), &l,
			   !inbound) &&
	       ranges_have(sa->remote_ts, sa->n_remote_ts, family, pkt + (inbound ? src : dst), &l,
			   inbound);
}

/* IPv4 (RFC 791): version 4, IHL >= 5, header inside, total length exact. */
static enum esp_err check_ipv4(const uint8_t *p, size_t len)
{
	size_t ihl;

	if (len < 20 || p[0] >> 4 != 4)
		return len < 20 ? ESP_ERR_INNER_LENGTH : ESP_ERR_NEXT_HEADER;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	if (ihl < 20 || ihl > len || ((size_t)p[2] << 8 | p[3]) != len)
		return ESP_ERR_INNER_LENGTH;
	return ESP_OK;
}

/* IPv6 (RFC 8200): version 6, fixed header plus payload length exact. */
static enum esp_err check_ipv6(const uint8_t *p, size_t len)
{
	if (len < 40 || p[0] >> 4 != 6)
		return len < 40 ? ESP_ERR_INNER_LENGTH : ESP_ERR_NEXT_HEADER;
	if (40 + ((size_t)p[4] << 8 | p[5]) != len)
		return ESP_ERR_INNER_LENGTH;
	return ESP_OK;
}

enum esp_err esp_sa_check_inner(const struct esp_sa *sa, uint8_t next_header,
				const uint8_t *inner, size_t len)
{
	bool v4 = next_header == ESP_NH_IPV4;
	enum esp_err e;

	if (next_header != ESP_NH_IPV4 && next_header != ESP_NH_IPV6)
		return ESP_ERR_NEXT_HEADER;	/* 59 (dummy packet) lands here too */
	e = v4 ? check_ipv4(inner, len) : check_ipv6(inner, len);
	if (e != ESP_OK)
		return e;
	return ts_allow(sa, inner, len, v4, true) ? ESP_OK : ESP_ERR_TS;
}

enum esp_err esp_sa_check_outbound(const struct esp_sa *sa, uint8_t next_header,
				   const uint8_t *pkt, size_t len)
{
	bool v4 = next_header == ESP_NH_IPV4;

	if (next_header != ESP_NH_IPV4 && next_header != ESP_NH_IPV6)
		return ESP_ERR_NEXT_HEADER;
	/* The TUN gave us the packet: only the headers we read need to be there
	 * (l4_of checks each read against len). */
	if (len < (v4 ? 20u : 40u))
		return ESP_ERR_INNER_LENGTH;
	return ts_allow(sa, pkt, len, v4, false) ? ESP_OK : ESP_ERR_TS;
}

enum esp_err esp_sa_decap(struct esp_sa *sa, uint8_t *pkt, size_t len,
			  uint8_t **inner, size_t *inner_len)
{
	uint8_t nh;
	enum esp_err e = esp_sa_decrypt(sa, pkt, len, inner, inner_len, &nh);

	if (e != ESP_OK)
		return e;
	return esp_sa_check_inner(sa, nh, *inner, *inner_len);
}
