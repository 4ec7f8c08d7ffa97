/* SPDX-License-Identifier: Apache-2.0 */
/* IKEv2 key derivation: SKEYSEED and the seven SA keys (RFC 7296 2.14),
 * IKE SA rekey (2.18), Child SA KEYMAT (2.17) and the PSK AUTH value (2.15).
 * Everything secret passes through struct secret or a local that is wiped
 * before return. */
#include <string.h>

#include <openssl/crypto.h>

#include "crypto/alg.h"
#include "crypto/keymat.h"
#include "crypto/prf.h"
#include "crypto/secret.h"

#define PRF_MAX_OUT 64
#define IKE_KEY_COUNT 7

struct part {
	const uint8_t *p;
	size_t len;
};

/* a | b | c ... in one secret buffer (seeds may carry g^ir). Caller frees. */
static struct secret *concat(const struct part *parts, size_t n)
{
	size_t total = 0, off = 0;
	struct secret *s;

	for (size_t i = 0; i < n; i++) {
		if (parts[i].len > SIZE_MAX - total)
			return NULL;
		total += parts[i].len;
	}
	s = secret_new(total);
	for (size_t i = 0; s && i < n; i++) {
		if (parts[i].len)
			memcpy(s->buf + off, parts[i].p, parts[i].len);
		off += parts[i].len;
	}
	return s;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* Key lengths in RFC 7296 2.14 order: SK_d, SK_ai, SK_ar, SK_ei, SK_er,
 * SK_pi, SK_pr.  An AEAD cipher has no integrity keys; CBC needs them. */
static int ike_key_lens(const struct ike_alg *alg, size_t len[IKE_KEY_COUNT])
{
	size_t prf = prf_out_len(alg->prf);
	size_t encr = encr_keymat_len(alg->encr, alg->encr_keybits);
	size_t integ = integ_key_len(alg->integ);
	int aead = encr_icv_len(alg->encr) != 0;

	if (!prf || !encr)
		return -1;
	if (aead ? alg->integ != AUTH_NONE : !integ)
		return -1;
	len[0] = len[5] = len[6] = prf;
	len[1] = len[2] = integ;
	len[3] = len[4] = encr;
	return 0;
}

/* Cut km into the seven keys; on failure out is wiped and left empty. */
static int ike_keys_split(const uint8_t *km, const size_t len[IKE_KEY_COUNT], struct ike_keys *out)
{
	struct secret **slot[IKE_KEY_COUNT] = {
		&out->sk_d, &out->sk_ai, &out->sk_ar, &out->sk_ei, &out->sk_er,
		&out->sk_pi, &out->sk_pr,
	};

	for (int i = 0; i < IKE_KEY_COUNT; i++) {
		*slot[i] = secret_dup(km, len[i]);	/* zero-length for SK_a* with AEAD */
		if (!*slot[i]) {
			ike_keys_wipe(out);
			return -1;
		}
		km += len[i];
	}
	return 0;
}

/* {SK_d | SK_ai | ... | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) */
static int ike_keys_derive(const struct ike_alg *alg, const uint8_t *skeyseed, size_t sklen,
			   const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
			   uint64_t spii, uint64_t spir, struct ike_keys *out)
{
	size_t len[IKE_KEY_COUNT], total = 0;
	struct secret *seed, *km = NULL;
	uint8_t spis[16];
	int r = -1;

	if (ike_key_lens(alg, len))
		return -1;
	for (int i = 0; i < IKE_KEY_COUNT; i++)
		total += len[i];
	put_be64(spis, spii);
	put_be64(spis + 8, spir);
	seed = concat((struct part[]){ { ni, nilen }, { nr, nrlen }, { spis, 16 } }, 3);
	if (seed)
		km = secret_new(total);
	if (km && prf_plus(alg->prf, skeyseed, sklen, seed->buf, seed->len, km->buf, total) == 0)
		r = ike_keys_split(km->buf, len, out);
	secret_free(km);
	secret_free(seed);
	return r;
}

int keymat_ike(const struct ike_alg *alg, const struct secret *gir,
	       const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
	       uint64_t spii, uint64_t spir, struct ike_keys *out)
{
	uint8_t skeyseed[PRF_MAX_OUT];
	size_t sklen = prf_out_len(alg->prf);
	struct secret *nonces;
	int r = -1;

	memset(out, 0, sizeof(*out));
	if (!sklen || !gir)
		return -1;
	/* SKEYSEED = prf(Ni | Nr, g^ir) */
	nonces = concat((struct part[]){ { ni, nilen }, { nr, nrlen } }, 2);
	if (nonces && prf_compute(alg->prf, nonces->buf, nonces->len, gir->buf, gir->len,
				  skeyseed) == 0)
		r = ike_keys_derive(alg, skeyseed, sklen, ni, nilen, nr, nrlen, spii, spir, out);
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	secret_free(nonces);
	return r;
}

int keymat_ike_rekey(const struct ike_alg *alg, unsigned old_prf, const struct secret *old_sk_d,
		     const struct secret *gir, const uint8_t *ni, size_t nilen,
		     const uint8_t *nr, size_t nrlen, uint64_t spii, uint64_t spir,
		     struct ike_keys *out)
{
	uint8_t skeyseed[PRF_MAX_OUT];
	size_t sklen = prf_out_len(old_prf);
	struct secret *data;
	int r = -1;

	memset(out, 0, sizeof(*out));
	if (!sklen || !old_sk_d || !gir)
		return -1;
	/* SKEYSEED = prf_old(SK_d (old), g^ir (new) | Ni | Nr) */
	data = concat((struct part[]){ { gir->buf, gir->len }, { ni, nilen }, { nr, nrlen } }, 3);
	if (data && prf_compute(old_prf, old_sk_d->buf, old_sk_d->len, data->buf, data->len,
				skeyseed) == 0)
		r = ike_keys_derive(alg, skeyseed, sklen, ni, nilen, nr, nrlen, spii, spir, out);
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	secret_free(data);
	return r;
}

void ike_keys_wipe(struct ike_keys *k)
{
	struct secret **slot[IKE_KEY_COUNT] = {
		&k->sk_d, &k->sk_ai, &k->sk_ar, &k->sk_ei, &k->sk_er, &k->sk_pi, &k->sk_pr,
	};

	for (int i = 0; i < IKE_KEY_COUNT; i++) {
		secret_free(*slot[i]);
		*slot[i] = NULL;
	}
}

int keymat_child(unsigned prf, const struct secret *sk_d, const struct secret *gir,
		 const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
		 size_t len_each, struct secret **i2r, struct secret **r2i)
{
	struct part parts[3] = { { NULL, 0 }, { ni, nilen }, { nr, nrlen } };
	struct secret *seed, *km = NULL;
	int r = -1;

	*i2r = *r2i = NULL;
	if (!sk_d || !len_each || len_each > SIZE_MAX / 2)
		return -1;
	if (gir)	/* PFS: KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr) */
		parts[0] = (struct part){ gir->buf, gir->len };
	seed = concat(parts, 3);
	if (seed)
		km = secret_new(2 * len_each);
	if (km && prf_plus(prf, sk_d->buf, sk_d->len, seed->buf, seed->len, km->buf, km->len) == 0) {
		*i2r = secret_dup(km->buf, len_each);
		*r2i = secret_dup(km->buf + len_each, len_each);
		r = *i2r && *r2i ? 0 : -1;
	}
	if (r) {
		secret_free(*i2r);
		secret_free(*r2i);
		*i2r = *r2i = NULL;
	}
	secret_free(km);
	secret_free(seed);
	return r;
}

/* RFC 7296 2.15: the 17 ASCII octets, without a terminating NUL. */
static const uint8_t key_pad[] = {
	'K', 'e', 'y', ' ', 'P', 'a', 'd', ' ', 'f', 'o', 'r', ' ', 'I', 'K', 'E', 'v', '2',
};

struct secret *keymat_signed_octets(unsigned prf, const uint8_t *msg, size_t msglen,
				    const uint8_t *nonce, size_t noncelen,
				    const struct secret *sk_p, const uint8_t *idbody, size_t idlen)
{
	uint8_t maced_id[PRF_MAX_OUT];
	size_t hlen = prf_out_len(prf);
	struct secret *octets = NULL;

	if (hlen && sk_p && !prf_compute(prf, sk_p->buf, sk_p->len, idbody, idlen, maced_id))
		octets = concat((struct part[]){ { msg, msglen }, { nonce, noncelen },
						 { maced_id, hlen } }, 3);
	OPENSSL_cleanse(maced_id, sizeof(maced_id));
	return octets;
}

int keymat_psk_auth(unsigned prf, const uint8_t *psk, size_t psklen,
		    const uint8_t *msg, size_t msglen, const uint8_t *nonce, size_t noncelen,
		    const struct secret *sk_p, const uint8_t *idbody, size_t idlen, uint8_t *out)
{
	uint8_t padkey[PRF_MAX_OUT];
	struct secret *octets = keymat_signed_octets(prf, msg, msglen, nonce, noncelen, sk_p,
						     idbody, idlen);
	int r = -1;

	/* AUTH = prf(prf(PSK, pad), <SignedOctets>) */
	if (octets && !prf_compute(prf, psk, psklen, key_pad, sizeof(key_pad), padkey))
		r = prf_compute(prf, padkey, prf_out_len(prf), octets->buf, octets->len, out);
	OPENSSL_cleanse(padkey, sizeof(padkey));
	secret_free(octets);
	return r;
}
