/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: opening the SK payload (ikemsg/sk.c) with fixed
 * keys, then parsing what came out.
 *
 * Byte 0 picks the case:
 *   bit 0   keys: 0 AES-CBC-256 + HMAC-SHA2-384-192, 1 an AEAD (bit 7)
 *   bit 1   0: the rest is a whole message, opened as received (its ICV
 *              will not verify, but every length check before it runs);
 *           1: the rest is byte 1 = first inner payload type, then a
 *              plaintext (inner chain | padding | pad length) that is
 *              sealed here with the primitives, so the pad length check
 *              and the inner parser see any plaintext
 *   bits 2-6 how much smaller than the message the plaintext buffer is
 *   bit 7   with bit 0: 0 AES-GCM-16-256, 1 ChaCha20-Poly1305 (RFC 7634)
 * The plaintext buffer is allocated at its exact capacity, so a write past
 * it is caught. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/aead.h"
#include "crypto/alg.h"
#include "crypto/cipher.h"
#include "crypto/integ.h"
#include "crypto/secret.h"
#include "daemon/ikemsg/sk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PLAIN 8192

static struct secret *cbc_ke, *cbc_ka, *gcm_ke;
static struct ike_crypt_keys cbc, gcm, chacha;
static struct aead *gcm_seal, *chacha_seal;

static struct secret *fixed(size_t len, uint8_t seed)
{
	struct secret *s = secret_new(len);

	if (!s)
		abort();
	for (size_t i = 0; i < len; i++)
		s->buf[i] = (uint8_t)(seed + i * 3);
	return s;
}

static void setup(void)
{
	if (cbc_ke)
		return;
	cbc_ke = fixed(32, 0x01);
	cbc_ka = fixed(48, 0x40);
	gcm_ke = fixed(36, 0x80);
	cbc = (struct ike_crypt_keys){ .encr = ENCR_AES_CBC, .encr_keybits = 256,
				       .integ = AUTH_HMAC_SHA2_384_192, .ke = cbc_ke, .ka = cbc_ka };
	gcm = (struct ike_crypt_keys){ .encr = ENCR_AES_GCM_16, .encr_keybits = 256,
				       .integ = AUTH_NONE, .ke = gcm_ke };
	/* the same 36 bytes: the transform, not the key, must pick the cipher */
	chacha = (struct ike_crypt_keys){ .encr = ENCR_CHACHA20_POLY1305, .encr_keybits = 256,
					  .integ = AUTH_NONE, .ke = gcm_ke };
	gcm_seal = aead_new(gcm_ke->buf, gcm_ke->len);
	chacha_seal = aead_new_alg(ENCR_CHACHA20_POLY1305, gcm_ke->buf, gcm_ke->len);
	if (!gcm_seal || !chacha_seal)
		abort();
}

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* IKE_AUTH header and an SK payload around pt: IV | E(pt) | ICV.  CBC
 * plaintext is cut to whole blocks.  Returns a malloc'd message. */
static uint8_t *seal(struct aead *aead, uint8_t first, const uint8_t *pt, size_t ptlen,
		     size_t *len)
{
	bool use_gcm = aead != NULL;
	size_t ivlen = use_gcm ? 8 : 16, icvlen = use_gcm ? 16 : 24;
	uint8_t *m, *iv, *ct;

	if (!use_gcm)
		ptlen -= ptlen % 16;
	*len = IKE_HDR_LEN + 4 + ivlen + ptlen + icvlen;
	m = calloc(1, *len);
	if (!m)
		abort();
	memset(m, 0x11, 16);
	m[16] = PL_SK;
	m[17] = IKE_VERSION;
	m[18] = IKE_AUTH;
	m[19] = IKE_FLAG_I;
	put16(m + 26, *len);			/* length: below 64 KiB here */
	m[IKE_HDR_LEN] = first;
	put16(m + IKE_HDR_LEN + 2, *len - IKE_HDR_LEN);
	iv = m + IKE_HDR_LEN + 4;
	ct = iv + ivlen;
	memset(iv, 0x5a, ivlen);
	if (use_gcm) {
		if (aead_encrypt(aead, iv, m, IKE_HDR_LEN + 4, pt, ptlen, ct, ct + ptlen))
			abort();
	} else {
		if (cipher_cbc_encrypt(cbc_ke->buf, 32, iv, pt, ct, ptlen) ||
		    integ_compute(AUTH_HMAC_SHA2_384_192, cbc_ka->buf, m, *len - icvlen,
				  m + *len - icvlen))
			abort();
	}
	return m;
}

static void open_and_parse(const uint8_t *msg, size_t len, const struct ike_crypt_keys *k,
			   size_t shrink, bool must_open)
{
	struct ike_msg m;
	size_t cap = len > shrink ? len - shrink : 1, n = 0;
	uint8_t *plain;

	if (ike_msg_parse_header(msg, len, &m) != IKE_OK || ike_msg_parse_payloads(&m) != IKE_OK) {
		if (must_open)
			abort();	/* we built it: it must parse */
		return;
	}
	plain = malloc(cap);
	if (!plain)
		abort();
	if (ike_crypt_open(&m, k, plain, cap, &n) == 0) {
		if (n >= cap || n >= m.sk.len)
			abort();
		(void)ike_msg_parse_inner(&m, plain, n);
	}
	free(plain);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	uint8_t *msg;

	if (size < 2 || size > MAX_PLAIN)
		return 0;
	setup();
	bool use_aead = data[0] & 1, use_chacha = use_aead && (data[0] & 0x80);
	size_t shrink = (data[0] >> 2) & 0x1f;
	const struct ike_crypt_keys *k = use_chacha ? &chacha : use_aead ? &gcm : &cbc;
	struct aead *sealer = use_chacha ? chacha_seal : use_aead ? gcm_seal : NULL;

	if (!(data[0] & 2)) {
		msg = malloc(size - 1);
		if (!msg)
			abort();
		memcpy(msg, data + 1, size - 1);
		open_and_parse(msg, size - 1, k, shrink, false);
		free(msg);
		return 0;
	}
	msg = seal(sealer, data[1], data + 2, size - 2, &len);
	open_and_parse(msg, len, k, shrink, true);
	free(msg);
	return 0;
}
