/* ESP tunnel mode with AES-GCM-16: encapsulation, decapsulation and the
 * checks on the inner packet.  Layout and order of checks: see esp.h. */
#include "daemon/esp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/aead.h"
#include "daemon/cursor.h"

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

struct esp_sa *esp_sa_new(uint32_t spi, const uint8_t *keymat, size_t keymat_len)
{
	struct esp_sa *sa = calloc(1, sizeof(*sa));

	if (!sa)
		return NULL;
	sa->spi = spi;
	sa->aead = aead_new(keymat, keymat_len);
	if (!sa->aead) {
		free(sa);
		return NULL;
	}
	replay_init(&sa->replay);
	return sa;
}

void esp_sa_free(struct esp_sa *sa)
{
	if (!sa)
		return;
	aead_free(sa->aead);
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
	return 0;
}

/* ---- outbound ---- */

/* Padding so that payload | pad | pad len | next header ends on 4 bytes. */
static size_t pad_len_for(size_t len)
{
	return (4 - (len + 2) % 4) % 4;
}

static void put_be64(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

enum esp_err esp_sa_encap_iv(struct esp_sa *sa, uint32_t seq, const uint8_t iv[ESP_IV_LEN],
			     uint8_t *buf, size_t cap, size_t len, uint8_t next_header,
			     size_t *out_len)
{
	size_t npad = pad_len_for(len), plen = len + npad + 2;
	uint8_t *pt = buf + ESP_HEADROOM;
	struct wbuf w;

	if (cap < ESP_HEADROOM + ESP_ICV_LEN || plen > cap - ESP_HEADROOM - ESP_ICV_LEN)
		return ESP_ERR_NOSPACE;
	for (size_t i = 0; i < npad; i++)
		pt[len + i] = (uint8_t)(i + 1);
	pt[len + npad] = (uint8_t)npad;
	pt[len + npad + 1] = next_header;
	w = wbuf_init(buf, ESP_HEADROOM);
	wbuf_u32(&w, sa->spi);
	wbuf_u32(&w, seq);
	wbuf_bytes(&w, iv, ESP_IV_LEN);
	if (aead_encrypt(sa->aead, iv, buf, ESP_HDR_LEN, pt, plen, pt, pt + plen) != 0)
		return ESP_ERR_CRYPTO;
	*out_len = ESP_HEADROOM + plen + ESP_ICV_LEN;
	return ESP_OK;
}

enum esp_err esp_sa_encap(struct esp_sa *sa, uint8_t *buf, size_t cap, size_t len,
			  uint8_t next_header, size_t *out_len)
{
	uint8_t iv[ESP_IV_LEN];

	/* RFC 4303 3.3.3: never let the counter cycle; the control plane
	 * rekeys long before this. */
	if (sa->seq == UINT32_MAX)
		return ESP_ERR_SEQ_EXHAUSTED;
	if (cap < ESP_HEADROOM + len + pad_len_for(len) + 2 + ESP_ICV_LEN)
		return ESP_ERR_NOSPACE;
	sa->seq++;
	put_be64(iv, sa->seq);
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

enum esp_err esp_sa_decrypt(struct esp_sa *sa, uint8_t *pkt, size_t len,
			    uint8_t **payload, size_t *payload_len, uint8_t *next_header)
{
	struct cur c = cur_init(pkt, len);
	uint32_t spi, seq;
	const uint8_t *iv;
	uint8_t *pt = pkt + ESP_HEADROOM;
	size_t plen;

	if (len < ESP_MIN_LEN || (len - ESP_HEADROOM - ESP_ICV_LEN) % 4 != 0)
		return ESP_ERR_LENGTH;
	plen = len - ESP_HEADROOM - ESP_ICV_LEN;
	spi = cur_u32(&c);
	seq = cur_u32(&c);
	iv = cur_take(&c, ESP_IV_LEN);
	if (!iv)
		return ESP_ERR_LENGTH;
	if (spi != sa->spi)
		return ESP_ERR_SPI;
	if (!replay_check(&sa->replay, seq))
		return ESP_ERR_REPLAY;
	if (aead_decrypt(sa->aead, iv, pkt, ESP_HDR_LEN, pt, plen, pt, pt + plen) != 0)
		return ESP_ERR_AUTH;
	/* Authentic: the number is spent even if the content is bad. */
	replay_update(&sa->replay, seq);
	*next_header = pt[plen - 1];
	*payload = pt;
	return check_padding(pt, plen, payload_len);
}

static bool range_has(const struct dp_range *r, int family, const uint8_t *addr)
{
	size_t n = family == AF_INET ? 4 : 16;

	return r->family == family && memcmp(r->start, addr, n) <= 0 &&
	       memcmp(addr, r->end, n) <= 0;
}

static bool ranges_have(const struct dp_range *r, size_t n, int family, const uint8_t *addr)
{
	for (size_t i = 0; i < n; i++)
		if (range_has(&r[i], family, addr))
			return true;
	return false;
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
	int family = v4 ? AF_INET : AF_INET6;
	size_t src = v4 ? 12 : 8, dst = v4 ? 16 : 24;	/* address offsets */
	enum esp_err e;

	if (next_header != ESP_NH_IPV4 && next_header != ESP_NH_IPV6)
		return ESP_ERR_NEXT_HEADER;	/* 59 (dummy packet) lands here too */
	e = v4 ? check_ipv4(inner, len) : check_ipv6(inner, len);
	if (e != ESP_OK)
		return e;
	if (!ranges_have(sa->remote_ts, sa->n_remote_ts, family, inner + src) ||
	    !ranges_have(sa->local_ts, sa->n_local_ts, family, inner + dst))
		return ESP_ERR_TS;
	return ESP_OK;
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
