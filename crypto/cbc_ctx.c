/* SPDX-License-Identifier: Apache-2.0 */
/* AES-CBC for ESP (RFC 3602), keyed once.  One EVP context per direction
 * (an EVP context either encrypts or decrypts) and a third, AES-256-ECB
 * under a random key, for the IVs.  Per packet EVP_CipherInit_ex2 with a
 * NULL cipher and key keeps the key schedule and only resets the IV. */
#include <limits.h>
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto/cbc_ctx.h"

#define IVGEN_KEY_LEN 32

struct cbc_ctx {
	EVP_CIPHER_CTX *enc, *dec;	/* owned, AES-CBC, keyed, no padding */
	EVP_CIPHER_CTX *ivgen;		/* owned, AES-256-ECB under a random key */
};

static const EVP_CIPHER *cbc_cipher(size_t keylen)
{
	switch (keylen) {
	case 16:
		return EVP_aes_128_cbc();
	case 24:
		return EVP_aes_192_cbc();
	case 32:
		return EVP_aes_256_cbc();
	}
	return NULL;
}

/* A keyed context for one direction without padding; NULL on failure. */
static EVP_CIPHER_CTX *keyed_ctx(const EVP_CIPHER *cipher, const uint8_t *key, int enc)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	if (ctx && (!EVP_CipherInit_ex2(ctx, cipher, key, NULL, enc, NULL) ||
		    !EVP_CIPHER_CTX_set_padding(ctx, 0))) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static EVP_CIPHER_CTX *ivgen_new(void)
{
	uint8_t key[IVGEN_KEY_LEN];
	EVP_CIPHER_CTX *ctx = NULL;

	if (RAND_bytes(key, sizeof(key)) == 1)
		ctx = keyed_ctx(EVP_aes_256_ecb(), key, 1);
	OPENSSL_cleanse(key, sizeof(key));
	return ctx;
}

struct cbc_ctx *cbc_ctx_new(const uint8_t *key, size_t keylen)
{
	const EVP_CIPHER *cipher = cbc_cipher(keylen);
	struct cbc_ctx *c;

	if (!cipher)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->enc = keyed_ctx(cipher, key, 1);
	c->dec = keyed_ctx(cipher, key, 0);
	c->ivgen = ivgen_new();
	if (!c->enc || !c->dec || !c->ivgen) {
		cbc_ctx_free(c);
		return NULL;
	}
	return c;
}

void cbc_ctx_free(struct cbc_ctx *c)
{
	if (!c)
		return;
	/* EVP_CIPHER_CTX_free cleanses the expanded key schedules. */
	EVP_CIPHER_CTX_free(c->enc);
	EVP_CIPHER_CTX_free(c->dec);
	EVP_CIPHER_CTX_free(c->ivgen);
	free(c);
}

/* Whole blocks through ctx after setting its IV (NULL: ECB has none). */
static int run(EVP_CIPHER_CTX *ctx, const uint8_t *iv, const uint8_t *in, uint8_t *out,
	       size_t len)
{
	int outl = 0, finl = 0;

	if (len % CBC_BLOCK_LEN || len > INT_MAX)
		return -1;
	if (iv && !EVP_CipherInit_ex2(ctx, NULL, NULL, iv, -1, NULL))
		return -1;
	if (len && !EVP_CipherUpdate(ctx, out, &outl, in, (int)len))
		return -1;
	/* Without padding Final only confirms that no partial block is left. */
	if (!EVP_CipherFinal_ex(ctx, out + outl, &finl) || (size_t)outl + (size_t)finl != len)
		return -1;
	return 0;
}

int cbc_ctx_encrypt(struct cbc_ctx *c, const uint8_t iv[CBC_IV_LEN], const uint8_t *in,
		    uint8_t *out, size_t len)
{
	return run(c->enc, iv, in, out, len);
}

int cbc_ctx_decrypt(struct cbc_ctx *c, const uint8_t iv[CBC_IV_LEN], const uint8_t *in,
		    uint8_t *out, size_t len)
{
	return run(c->dec, iv, in, out, len);
}

int cbc_ctx_iv(struct cbc_ctx *c, uint64_t n, uint8_t iv[CBC_IV_LEN])
{
	uint8_t block[CBC_BLOCK_LEN] = { 0 };

	for (int i = CBC_BLOCK_LEN - 1; i >= CBC_BLOCK_LEN - 8; i--) {
		block[i] = (uint8_t)n;
		n >>= 8;
	}
	return run(c->ivgen, NULL, block, iv, CBC_BLOCK_LEN);
}
