/* SPDX-License-Identifier: Apache-2.0 */
/* AES-CBC keyed once for the per-packet path (ESP, RFC 3602): per packet
 * only the IV is set, so encrypting and decrypting allocate nothing.  No
 * padding here: the caller pads to the 16-byte block.  Also makes the IVs
 * for ESP (cbc_ctx_iv).
 *
 * Threads: a context is used by one thread at a time. */
#ifndef MCVPN_CRYPTO_CBC_CTX_H
#define MCVPN_CRYPTO_CBC_CTX_H

#include <stddef.h>
#include <stdint.h>

#define CBC_BLOCK_LEN	16
#define CBC_IV_LEN	16

struct cbc_ctx;

/* key (borrowed, not kept) is 16, 24 or 32 bytes.  Also draws the IV
 * generator's own random key.  Caller frees with cbc_ctx_free.  NULL on a
 * bad key length, no randomness or an OpenSSL failure. */
struct cbc_ctx *cbc_ctx_new(const uint8_t *key, size_t keylen);
/* Frees the contexts (their key schedules wiped); NULL is a no-op. */
void cbc_ctx_free(struct cbc_ctx *c);

/* len a multiple of 16; out may equal in (not overlap it otherwise). 0 ok, -1 error. */
int cbc_ctx_encrypt(struct cbc_ctx *c, const uint8_t iv[CBC_IV_LEN], const uint8_t *in,
		    uint8_t *out, size_t len);
int cbc_ctx_decrypt(struct cbc_ctx *c, const uint8_t iv[CBC_IV_LEN], const uint8_t *in,
		    uint8_t *out, size_t len);

/* The IV for message number n: AES-256-ECB, under a random key drawn in
 * cbc_ctx_new that never leaves the context, of the block 0^64 | n.  Distinct
 * n give distinct IVs (AES is a permutation), and without that key they
 * cannot be predicted, as RFC 3602 2.1 and NIST SP 800-38A appendix C ask,
 * at the cost of one block cipher call instead of a RAND_bytes.  0 ok, -1 error. */
int cbc_ctx_iv(struct cbc_ctx *c, uint64_t n, uint8_t iv[CBC_IV_LEN]);

#endif
