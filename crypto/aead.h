/* SPDX-License-Identifier: Apache-2.0 */
/* AES-GCM with a 16-byte ICV for ESP (RFC 4106) and IKE (RFC 5282), and
 * ChaCha20-Poly1305 for both (RFC 7634): nonce = 4-byte salt from the key
 * material | 8-byte explicit IV, tag 16 bytes.  An aead object is
 * keyed once and reused for every packet (no per-packet allocation); it is
 * not thread-safe: one thread uses it at a time. */
#ifndef MCVPN_CRYPTO_AEAD_H
#define MCVPN_CRYPTO_AEAD_H

#include <stddef.h>
#include <stdint.h>

struct aead;

/* keymat = AES key | 4-byte salt (keymat_len 20, 28 or 36). Caller frees with aead_free.
 * NULL on bad length or OpenSSL failure. */
struct aead *aead_new(const uint8_t *keymat, size_t keymat_len);
/* The same for a given ENCR transform: ENCR_AES_GCM_16 (keymat_len 20, 28 or
 * 36) or ENCR_CHACHA20_POLY1305 (keymat_len 36: 256-bit key | salt).  NULL for
 * another transform, a bad length or an OpenSSL failure. */
struct aead *aead_new_alg(unsigned encr, const uint8_t *keymat, size_t keymat_len);
void aead_free(struct aead *a);

/* Encrypt len bytes in -> out (may be the same buffer), tag receives 16 bytes. 0 ok, -1 error. */
int aead_encrypt(struct aead *a, const uint8_t iv[8], const uint8_t *aad, size_t aadlen,
		 const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[16]);
/* Decrypt and verify; -1 when the tag does not match (out content then undefined). */
int aead_decrypt(struct aead *a, const uint8_t iv[8], const uint8_t *aad, size_t aadlen,
		 const uint8_t *in, size_t len, uint8_t *out, const uint8_t tag[16]);

#endif
