/* SPDX-License-Identifier: Apache-2.0 */
/* HMAC PRFs (RFC 2104, RFC 4868) and prf+ (RFC 7296 2.13) through EVP_MAC. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/alg.h"
#include "crypto/prf.h"

#define PRF_MAX_OUT 64		/* SHA-512 */

static const char *prf_digest(unsigned alg)
{
	switch (alg) {
	case PRF_HMAC_SHA1:
		return "SHA1";
	case PRF_HMAC_SHA2_256:
		return "SHA2-256";
	case PRF_HMAC_SHA2_384:
		return "SHA2-384";
	case PRF_HMAC_SHA2_512:
		return "SHA2-512";
	}
	return NULL;
}

/* An HMAC context bound to alg's digest, not keyed yet. Caller frees. */
static EVP_MAC_CTX *hmac_ctx_new(unsigned alg)
{
	const char *md = prf_digest(alg);
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx = NULL;
	EVP_MAC *mac;

	if (!md)
		return NULL;
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac)
		return NULL;
	ctx = EVP_MAC_CTX_new(mac);	/* holds its own reference to mac */
	EVP_MAC_free(mac);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (ctx && !EVP_MAC_CTX_set_params(ctx, params)) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* out = HMAC(key, a | b | c); any part may be empty. out holds hlen bytes. */
static int hmac_3(EVP_MAC_CTX *ctx, const uint8_t *key, size_t keylen,
		  const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
		  const uint8_t *c, size_t clen, uint8_t *out, size_t hlen)
{
	size_t outl = 0;

	/* A NULL key would mean "reuse the previous key" to EVP_MAC_init. */
	if (!key)
		return -1;
	if (!EVP_MAC_init(ctx, key, keylen, NULL))
		return -1;
	if ((alen && !EVP_MAC_update(ctx, a, alen)) ||
	    (blen && !EVP_MAC_update(ctx, b, blen)) ||
	    (clen && !EVP_MAC_update(ctx, c, clen)))
		return -1;
	if (!EVP_MAC_final(ctx, out, &outl, hlen) || outl != hlen)
		return -1;
	return 0;
}

int prf_compute(unsigned alg, const uint8_t *key, size_t keylen,
		const uint8_t *data, size_t len, uint8_t *out)
{
	EVP_MAC_CTX *ctx = hmac_ctx_new(alg);
	int r;

	if (!ctx)
		return -1;
	r = hmac_3(ctx, key, keylen, data, len, NULL, 0, NULL, 0, out, prf_out_len(alg));
	EVP_MAC_CTX_free(ctx);
	return r;
}

int prf_plus(unsigned alg, const uint8_t *key, size_t keylen,
	     const uint8_t *seed, size_t seedlen, uint8_t *out, size_t outlen)
{
	size_t hlen = prf_out_len(alg), done = 0, tlen = 0;
	uint8_t t[PRF_MAX_OUT];
	EVP_MAC_CTX *ctx;
	int r = 0;

	/* The counter is one octet starting at 1: at most 255 blocks. */
	if (!hlen || outlen > 255 * hlen)
		return -1;
	ctx = hmac_ctx_new(alg);
	if (!ctx)
		return -1;
	for (uint8_t n = 1; done < outlen && r == 0; n++) {
		size_t take = outlen - done < hlen ? outlen - done : hlen;

		/* T(n) = prf(K, T(n-1) | S | n), T(0) empty */
		r = hmac_3(ctx, key, keylen, t, tlen, seed, seedlen, &n, 1, t, hlen);
		if (r == 0)
			memcpy(out + done, t, take);
		tlen = hlen;
		done += take;
	}
	OPENSSL_cleanse(t, sizeof(t));
	EVP_MAC_CTX_free(ctx);
	if (r)
		OPENSSL_cleanse(out, outlen);
	return r;
}
