/* SPDX-License-Identifier: Apache-2.0 */
/* HMAC (RFC 2104) for the per-packet path, over the low-level SHA-1/SHA-2
 * functions, with the states after the ipad and opad key blocks computed
 * once in integ_ctx_new and copied per message.
 *
 * Why not EVP: in OpenSSL 3.0 every EVP_DigestInit and every EVP_MAC_init
 * (even one that reuses the key) allocates a fresh provider context, and
 * EVP_MD_CTX_copy_ex allocates too, so an EVP HMAC costs one or two
 * mallocs per packet.  SHA*_Init/Update/Final work on caller-owned state
 * and run the same assembly.  They are deprecated in 3.0 but present in
 * every 3.x; this file alone uses them.  tests/unit/crypto/test_integ_ctx.c
 * checks it against RFC 4231, 4868 and 2202 and against prf_compute
 * (EVP_MAC) on random keys and messages of every length up to 300. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "crypto/alg.h"
#include "crypto/integ_ctx.h"

#define HMAC_MAX_BLOCK	128	/* SHA-384/512 */
#define HMAC_MAX_OUT	64	/* SHA-512 */
#define HMAC_IPAD	0x36
#define HMAC_OPAD	0x5c

union hstate {
	SHA_CTX sha1;
	SHA256_CTX sha256;
	SHA512_CTX sha512;	/* SHA-384 as well */
};

struct integ_ctx {
	unsigned alg;
	size_t block_len, out_len, icv_len;
	union hstate inner, outer;	/* after H(key ^ ipad), H(key ^ opad); wiped on free */
};

/* Hash block and output lengths of an AUTH_HMAC_* transform; 0 if unknown. */
static size_t block_len_of(unsigned alg)
{
	switch (alg) {
	case AUTH_HMAC_SHA1_96:
	case AUTH_HMAC_SHA2_256_128:
		return 64;
	case AUTH_HMAC_SHA2_384_192:
	case AUTH_HMAC_SHA2_512_256:
		return 128;
	}
	return 0;
}

static size_t out_len_of(unsigned alg)
{
	switch (alg) {
	case AUTH_HMAC_SHA1_96:
		return SHA_DIGEST_LENGTH;
	case AUTH_HMAC_SHA2_256_128:
		return SHA256_DIGEST_LENGTH;
	case AUTH_HMAC_SHA2_384_192:
		return SHA384_DIGEST_LENGTH;
	case AUTH_HMAC_SHA2_512_256:
		return SHA512_DIGEST_LENGTH;
	}
	return 0;
}

/* The three hash steps, 1 ok / 0 error as OpenSSL has them; alg is known. */
static int h_init(unsigned alg, union hstate *s)
{
	switch (alg) {
	case AUTH_HMAC_SHA1_96:
		return SHA1_Init(&s->sha1);
	case AUTH_HMAC_SHA2_256_128:
		return SHA256_Init(&s->sha256);
	case AUTH_HMAC_SHA2_384_192:
		return SHA384_Init(&s->sha512);
	case AUTH_HMAC_SHA2_512_256:
		return SHA512_Init(&s->sha512);
	}
	return 0;
}

static int h_update(unsigned alg, union hstate *s, const void *p, size_t n)
{
	switch (alg) {
	case AUTH_HMAC_SHA1_96:
		return SHA1_Update(&s->sha1, p, n);
	case AUTH_HMAC_SHA2_256_128:
		return SHA256_Update(&s->sha256, p, n);
	case AUTH_HMAC_SHA2_384_192:
		return SHA384_Update(&s->sha512, p, n);
	case AUTH_HMAC_SHA2_512_256:
		return SHA512_Update(&s->sha512, p, n);
	}
	return 0;
}

static int h_final(unsigned alg, union hstate *s, uint8_t *md)
{
	switch (alg) {
	case AUTH_HMAC_SHA1_96:
		return SHA1_Final(md, &s->sha1);
	case AUTH_HMAC_SHA2_256_128:
		return SHA256_Final(md, &s->sha256);
	case AUTH_HMAC_SHA2_384_192:
		return SHA384_Final(md, &s->sha512);
	case AUTH_HMAC_SHA2_512_256:
		return SHA512_Final(md, &s->sha512);
	}
	return 0;
}

/* s = the hash state after one block of key ^ pad (the key fits a block). */
static int key_block(const struct integ_ctx *c, union hstate *s, const uint8_t *key,
		     size_t keylen, uint8_t pad)
{
	uint8_t block[HMAC_MAX_BLOCK];
	int ok;

	for (size_t i = 0; i < c->block_len; i++)
		block[i] = (uint8_t)((i < keylen ? key[i] : 0) ^ pad);
	ok = h_init(c->alg, s) && h_update(c->alg, s, block, c->block_len);
	OPENSSL_cleanse(block, sizeof(block));
	return ok ? 0 : -1;
}

struct integ_ctx *integ_ctx_new(unsigned alg, const uint8_t *key, size_t keylen)
{
	struct integ_ctx *c;

	/* RFC 4868 2.1.1 / RFC 2404 3: the key is as long as the hash output,
	 * so it always fits one block and is never hashed first. */
	if (!block_len_of(alg) || keylen != integ_key_len(alg) || keylen > block_len_of(alg))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->alg = alg;
	c->block_len = block_len_of(alg);
	c->out_len = out_len_of(alg);
	c->icv_len = integ_icv_len(alg);
	if (key_block(c, &c->inner, key, keylen, HMAC_IPAD) ||
	    key_block(c, &c->outer, key, keylen, HMAC_OPAD)) {
		integ_ctx_free(c);
		return NULL;
	}
	return c;
}

void integ_ctx_free(struct integ_ctx *c)
{
	if (!c)
		return;
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

size_t integ_ctx_icv_len(const struct integ_ctx *c)
{
	return c->icv_len;
}

/* The full HMAC of data | tail into mac[HMAC_MAX_OUT]; the caller wipes it. */
static int hmac_full(const struct integ_ctx *c, const uint8_t *data, size_t len,
		     const uint8_t *tail, size_t tail_len, uint8_t *mac)
{
	union hstate s = c->inner;
	int ok = h_update(c->alg, &s, data, len) &&
		 (!tail_len || h_update(c->alg, &s, tail, tail_len)) && h_final(c->alg, &s, mac);

	if (ok) {
		s = c->outer;
		ok = h_update(c->alg, &s, mac, c->out_len) && h_final(c->alg, &s, mac);
	}
	OPENSSL_cleanse(&s, sizeof(s));
	return ok ? 0 : -1;
}

int integ_ctx_compute_tail(const struct integ_ctx *c, const uint8_t *data, size_t len,
			   const uint8_t *tail, size_t tail_len, uint8_t *icv)
{
	uint8_t mac[HMAC_MAX_OUT];
	int r = hmac_full(c, data, len, tail, tail_len, mac);

	if (r == 0)
		memcpy(icv, mac, c->icv_len);
	OPENSSL_cleanse(mac, sizeof(mac));
	return r;
}

int integ_ctx_verify_tail(const struct integ_ctx *c, const uint8_t *data, size_t len,
			  const uint8_t *tail, size_t tail_len, const uint8_t *icv)
{
	uint8_t mac[HMAC_MAX_OUT];
	int r = hmac_full(c, data, len, tail, tail_len, mac);

	if (r == 0 && CRYPTO_memcmp(mac, icv, c->icv_len) != 0)
		r = -1;
	OPENSSL_cleanse(mac, sizeof(mac));
	return r;
}

int integ_ctx_compute(const struct integ_ctx *c, const uint8_t *data, size_t len, uint8_t *icv)
{
	return integ_ctx_compute_tail(c, data, len, NULL, 0, icv);
}

int integ_ctx_verify(const struct integ_ctx *c, const uint8_t *data, size_t len,
		     const uint8_t *icv)
{
	return integ_ctx_verify_tail(c, data, len, NULL, 0, icv);
}
