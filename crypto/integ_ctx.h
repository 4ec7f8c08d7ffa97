/* SPDX-License-Identifier: Apache-2.0 */
/* Keyed, reusable HMAC for the per-packet path (ESP with AES-CBC): the
 * AUTH_HMAC_* transforms of RFC 2404 and RFC 4868 (HMAC-SHA1-96,
 * HMAC-SHA2-256-128, -384-192, -512-256).  The key is absorbed once in
 * integ_ctx_new; a message then costs the hash of the message plus one
 * block, and allocates nothing.
 *
 * Threads: after integ_ctx_new a context is only read, so several threads
 * may compute and verify with it at the same time. */
#ifndef MCVPN_CRYPTO_INTEG_CTX_H
#define MCVPN_CRYPTO_INTEG_CTX_H

#include <stddef.h>
#include <stdint.h>

struct integ_ctx;

/* alg an AUTH_HMAC_* from crypto/alg.h; key (borrowed, not kept) is
 * integ_key_len(alg) bytes.  Caller frees with integ_ctx_free.  NULL on an
 * unknown alg, a wrong key length or no memory. */
struct integ_ctx *integ_ctx_new(unsigned alg, const uint8_t *key, size_t keylen);
/* Wipes the key-dependent state; NULL is a no-op. */
void integ_ctx_free(struct integ_ctx *c);
/* The truncated ICV length: 12, 16, 24 or 32. */
size_t integ_ctx_icv_len(const struct integ_ctx *c);

/* icv receives integ_ctx_icv_len(c) bytes (nothing past them is written). 0 ok, -1 error. */
int integ_ctx_compute(const struct integ_ctx *c, const uint8_t *data, size_t len, uint8_t *icv);
/* 0 when icv matches, compared in constant time; -1 otherwise. */
int integ_ctx_verify(const struct integ_ctx *c, const uint8_t *data, size_t len,
		     const uint8_t *icv);
/* The same over data | tail, the two pieces where they lie: ESP with ESN
 * (RFC 4303 2.2.1) appends the sequence number's high 32 bits to the ICV
 * input without sending them.  tail_len 0 is the plain call. */
int integ_ctx_compute_tail(const struct integ_ctx *c, const uint8_t *data, size_t len,
			   const uint8_t *tail, size_t tail_len, uint8_t *icv);
int integ_ctx_verify_tail(const struct integ_ctx *c, const uint8_t *data, size_t len,
			  const uint8_t *tail, size_t tail_len, const uint8_t *icv);

#endif
