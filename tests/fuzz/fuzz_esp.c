/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the inbound ESP path (daemon/esp.c esp_sa_decap) on
 * SAs with a fixed key and fixed traffic selectors: AES-GCM-16-256, and
 * ChaCha20-Poly1305 (RFC 7634) with the same 36 bytes of key material.
 *
 * The input is a sequence of packets, each
 *   u8 kind | u16 length (big endian) | length bytes
 * handed in order to one SA whose replay window starts empty for every
 * input, so the window sees reordering and repeats.  kind bit 0:
 *   0  the bytes are the packet as received (the ICV rarely verifies, but
 *      the length, SPI and replay checks run on anything);
 *   1  the bytes are u32 sequence number | plaintext (inner packet | pad |
 *      pad length | next header), sealed here with the SA's key, so the
 *      padding and inner-packet checks see any plaintext.
 * kind bit 1 picks the SA: 0 AES-GCM, 1 ChaCha20-Poly1305 (each its own
 * replay window).  The first packet's kind bit 2 turns on ESN (RFC 4304)
 * on both for the whole input; then a sealed packet's bytes are u32 high |
 * u32 low sequence number | plaintext, the high bits in the AAD only
 * (RFC 4106 5), so the window's inference of them (replay_esn_infer) meets
 * any numbers.
 * Each packet is copied to a buffer of its exact size before decap. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto/aead.h"
#include "crypto/alg.h"
#include "daemon/dataplane/esp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SPI 0x0a0b0c0d

static const uint8_t keymat[36] = {
	0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b,
	0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f, 0xca, 0xfe, 0xba, 0xbe,
};

struct target {
	struct esp_sa *sa;
	struct aead *sealer;
};

static struct target gcm, chacha;
static volatile uint8_t sink;

static struct dp_range range(int family, const uint8_t *lo, const uint8_t *hi, size_t n)
{
	struct dp_range r = { .family = family };

	memcpy(r.start, lo, n);
	memcpy(r.end, hi, n);
	return r;
}

/* remote 10.1.0.0/16 and fd00:1::/32, local 10.2.0.0/16 and fd00:2::/32 */
static void setup(void)
{
	uint8_t a6[16] = { 0xfd, 0, 0, 1 }, b6[16] = { 0xfd, 0, 0, 1 };
	uint8_t c6[16] = { 0xfd, 0, 0, 2 }, d6[16] = { 0xfd, 0, 0, 2 };
	struct dp_range remote[2], local[2];

	if (gcm.sa)
		return;
	memset(b6 + 4, 0xff, 12);
	memset(d6 + 4, 0xff, 12);
	remote[0] = range(AF_INET, (const uint8_t[]){ 10, 1, 0, 0 },
			  (const uint8_t[]){ 10, 1, 255, 255 }, 4);
	remote[1] = range(AF_INET6, a6, b6, 16);
	local[0] = range(AF_INET, (const uint8_t[]){ 10, 2, 0, 0 },
			 (const uint8_t[]){ 10, 2, 255, 255 }, 4);
	local[1] = range(AF_INET6, c6, d6, 16);
	gcm.sa = esp_sa_new(SPI, keymat, sizeof(keymat));
	gcm.sealer = aead_new(keymat, sizeof(keymat));
	chacha.sa = esp_sa_new_alg(SPI, ENCR_CHACHA20_POLY1305, 256, AUTH_NONE, keymat,
				   sizeof(keymat));
	chacha.sealer = aead_new_alg(ENCR_CHACHA20_POLY1305, keymat, sizeof(keymat));
	if (!gcm.sa || !gcm.sealer || esp_sa_set_ts(gcm.sa, remote, 2, local, 2))
		abort();
	if (!chacha.sa || !chacha.sealer || esp_sa_set_ts(chacha.sa, remote, 2, local, 2))
		abort();
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* SPI | seq | IV | E(pt) | ICV; pt is zero-extended to a multiple of 4.
 * With ESN b starts with the high 32 bits: AAD SPI | high | low. */
static uint8_t *seal(const struct target *t, const uint8_t *b, size_t n, size_t *len)
{
	uint8_t aad[12], iv[8];
	size_t ptlen, alen = ESP_HDR_LEN;
	uint8_t *pkt;

	if (t->sa->esn) {
		if (n < 8)
			return NULL;
		put32(aad, SPI);
		memcpy(aad + 4, b, 8);
		memcpy(iv, b, 8);
		alen = sizeof(aad);
		b += 4;
		n -= 4;
	}
	if (n < 4)
		return NULL;
	ptlen = (n - 4 + 3) & ~(size_t)3;
	if (ptlen == 0)
		ptlen = 4;
	*len = ESP_HEADROOM + ptlen + ESP_ICV_LEN;
	pkt = calloc(1, *len);
	if (!pkt)
		abort();
	put32(pkt, SPI);
	memcpy(pkt + 4, b, 4);			/* sequence number (its low 32 bits) */
	memcpy(pkt + 8, b, 4);			/* IV: any unique value */
	if (t->sa->esn)
		memcpy(pkt + 8, iv, 8);
	memcpy(pkt + ESP_HEADROOM, b + 4, n - 4);
	if (aead_encrypt(t->sealer, pkt + 8, t->sa->esn ? aad : pkt, alen, pkt + ESP_HEADROOM, ptlen,
			 pkt + ESP_HEADROOM, pkt + ESP_HEADROOM + ptlen))
		abort();
	return pkt;
}

static void decap(struct esp_sa *sa, uint8_t *pkt, size_t len)
{
	uint8_t *inner = NULL;
	size_t inner_len = 0;
	enum esp_err e = esp_sa_decap(sa, pkt, len, &inner, &inner_len);

	(void)esp_err_name(e);
	if (e != ESP_OK)
		return;
	/* the inner packet lies inside the ESP payload */
	if (inner != pkt + ESP_HEADROOM || inner_len > len - ESP_HEADROOM - ESP_ICV_LEN - 2)
		abort();
	uint8_t x = 0;
	for (size_t i = 0; i < inner_len; i++)
		x ^= inner[i];
	sink ^= x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	setup();
	replay_init(&gcm.sa->replay);
	replay_init(&chacha.sa->replay);
	gcm.sa->esn = chacha.sa->esn = size > 0 && (data[0] & 4);
	while (size - off >= 3) {
		uint8_t kind = data[off];
		size_t n = (size_t)data[off + 1] << 8 | data[off + 2];
		const uint8_t *b = data + off + 3;
		size_t len = 0;
		uint8_t *pkt;
		const struct target *t = kind & 2 ? &chacha : &gcm;

		off += 3;
		if (n > size - off)
			n = size - off;
		off += n;
		if (kind & 1) {
			pkt = seal(t, b, n, &len);
		} else {
			len = n;
			pkt = malloc(n ? n : 1);
			if (pkt)
				memcpy(pkt, b, n);
		}
		if (!pkt)
			continue;
		decap(t->sa, pkt, len);
		free(pkt);
	}
	return 0;
}
