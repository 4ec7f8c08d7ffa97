/* SPDX-License-Identifier: Apache-2.0 */
/* AES-GCM-16 for ESP (RFC 4106) and the IKE SK payload (RFC 5282), and
 * ChaCha20-Poly1305 for both (RFC 7634).  The two share the framing: a
 * 4-byte salt at the end of the key material, an 8-byte explicit IV, a
 * 12-byte nonce salt | IV and a 16-byte tag; only the EVP cipher differs.
 * Keyed once in aead_new; per packet only the nonce changes, so the hot path
 * allocates nothing.  One EVP context per direction because an EVP context
 * is set up either to encrypt or to decrypt. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/aead.h"
#include "crypto/alg.h"

#define GCM_SALT_LEN 4
#define GCM_IV_LEN 8
#define GCM_NONCE_LEN (GCM_SALT_LEN + GCM_IV_LEN)
#define GCM_TAG_LEN 16

struct aead {
	EVP_CIPHER_CTX *enc, *dec;	/* owned, keyed */
	uint8_t salt[GCM_SALT_LEN];	/* from the key material, wiped on free */
};

/* The EVP cipher for encr with a key of keylen bytes; NULL if none. */
static const EVP_CIPHER *aead_cipher(unsigned encr, size_t keylen)
{
	if (encr == ENCR_CHACHA20_POLY1305)
		return keylen == 32 ? EVP_chacha20_poly1305() : NULL;
	if (encr != ENCR_AES_GCM_16)
		return NULL;
	switch (keylen) {
	case 16:
		return EVP_aes_128_gcm();
	case 24:
		return EVP_aes_192_gcm();
	case 32:
		return EVP_aes_256_gcm();
	}
	return NULL;
}

/* A context for one direction, keyed, nonce length 12 (the default of both
 * ciphers: GCM's, and ChaCha20-Poly1305's of RFC 7539 2.8). */
static EVP_CIPHER_CTX *gcm_ctx_new(const EVP_CIPHER *cipher, const uint8_t *key, int enc)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	if (ctx && !EVP_CipherInit_ex2(ctx, cipher, key, NULL, enc, NULL)) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

struct aead *aead_new(const uint8_t *keymat, size_t keymat_len)
{
	return aead_new_alg(ENCR_AES_GCM_16, keymat, keymat_len);
}

struct aead *aead_new_alg(unsigned encr, const uint8_t *keymat, size_t keymat_len)
{
	const EVP_CIPHER *cipher;
	struct aead *a;
	size_t keylen;

	if (keymat_len <= GCM_SALT_LEN)
		return NULL;
	keylen = keymat_len - GCM_SALT_LEN;
	cipher = aead_cipher(encr, keylen);
	if (!cipher)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	memcpy(a->salt, keymat + keylen, GCM_SALT_LEN);
	a->enc = gcm_ctx_new(cipher, keymat, 1);
	a->dec = gcm_ctx_new(cipher, keymat, 0);
	if (!a->enc || !a->dec) {
		aead_free(a);
		return NULL;
	}
	return a;
}

void aead_free(struct aead *a)
{
	if (!a)
		return;
	EVP_CIPHER_CTX_free(a->enc);
	EVP_CIPHER_CTX_free(a->dec);
	OPENSSL_cleanse(a->salt, sizeof(a->salt));
	free(a);
}

/* Set this packet's nonce (salt | iv: RFC 4106 4, RFC 7634 2) and feed the AAD. */
static int gcm_start(EVP_CIPHER_CTX *ctx, const uint8_t salt[GCM_SALT_LEN],
		     const uint8_t iv[GCM_IV_LEN], const uint8_t *aad, size_t aadlen)
{
	uint8_t nonce[GCM_NONCE_LEN];
	int outl = 0, ok;

	if (aadlen > INT_MAX)
		return -1;
	memcpy(nonce, salt, GCM_SALT_LEN);
	memcpy(nonce + GCM_SALT_LEN, iv, GCM_IV_LEN);
	/* NULL cipher and key: keep the key schedule, only reset the nonce. */
	ok = EVP_CipherInit_ex2(ctx, NULL, NULL, nonce, -1, NULL);
	if (ok && aadlen)
		ok = EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aadlen);
	return ok ? 0 : -1;
}

int aead_encrypt(struct aead *a, const uint8_t iv[8], const uint8_t *aad, size_t aadlen,
		 const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[16])
{
	int outl = 0, finl = 0;

	if (len > INT_MAX || gcm_start(a->enc, a->salt, iv, aad, aadlen))
		return -1;
	if (len && !EVP_EncryptUpdate(a->enc, out, &outl, in, (int)len))
		return -1;
	if (!EVP_EncryptFinal_ex(a->enc, out + outl, &finl))
		return -1;
	if (!EVP_CIPHER_CTX_ctrl(a->enc, EVP_CTRL_AEAD_GET_TAG, GCM_TAG_LEN, tag))
		return -1;
	return 0;
}

int aead_decrypt(struct aead *a, const uint8_t iv[8], const uint8_t *aad, size_t aadlen,
		 const uint8_t *in, size_t len, uint8_t *out, const uint8_t tag[16])
{
	uint8_t want[GCM_TAG_LEN];
	int outl = 0, finl = 0;

	if (len > INT_MAX || gcm_start(a->dec, a->salt, iv, aad, aadlen))
		return -1;
	if (len && !EVP_DecryptUpdate(a->dec, out, &outl, in, (int)len))
		return -1;
	/* EVP wants a writable tag buffer. */
	memcpy(want, tag, GCM_TAG_LEN);
	if (!EVP_CIPHER_CTX_ctrl(a->dec, EVP_CTRL_AEAD_SET_TAG, GCM_TAG_LEN, want))
		return -1;
	/* Final compares the tag in constant time; 0 means forged or corrupt. */
	if (EVP_DecryptFinal_ex(a->dec, out + outl, &finl) <= 0)
		return -1;
	return 0;
}
