/* SPDX-License-Identifier: Apache-2.0 */
/* AES-CBC for the IKE SK payload (RFC 3602): no padding here, the caller
 * pads to the block size as RFC 7296 3.14 defines it. */
#include <limits.h>

#include <openssl/evp.h>

#include "crypto/cipher.h"

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

/* enc 1 encrypts, 0 decrypts; in-place (out == in) is fine for CBC in EVP. */
static int cbc_run(int enc, const uint8_t *key, size_t keylen, const uint8_t iv[16],
		   const uint8_t *in, uint8_t *out, size_t len)
{
	const EVP_CIPHER *cipher = cbc_cipher(keylen);
	EVP_CIPHER_CTX *ctx;
	int outl = 0, finl = 0, r = -1;

	if (!cipher || len % 16 || len > INT_MAX)
		return -1;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -1;
	if (EVP_CipherInit_ex2(ctx, cipher, key, iv, enc, NULL) &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	    EVP_CipherUpdate(ctx, out, &outl, in, (int)len) &&
	    EVP_CipherFinal_ex(ctx, out + outl, &finl) &&
	    (size_t)(outl + finl) == len)
		r = 0;
	EVP_CIPHER_CTX_free(ctx);	/* cleanses the expanded key schedule */
	return r;
}

int cipher_cbc_encrypt(const uint8_t *key, size_t keylen, const uint8_t iv[16],
		       const uint8_t *in, uint8_t *out, size_t len)
{
	return cbc_run(1, key, keylen, iv, in, out, len);
}

int cipher_cbc_decrypt(const uint8_t *key, size_t keylen, const uint8_t iv[16],
		       const uint8_t *in, uint8_t *out, size_t len)
{
	return cbc_run(0, key, keylen, iv, in, out, len);
}
