/* SPDX-License-Identifier: Apache-2.0 */
/* PRFs and prf+ (RFC 7296 2.13). */
#ifndef MCVPN_CRYPTO_PRF_H
#define MCVPN_CRYPTO_PRF_H

#include <stddef.h>
#include <stdint.h>

/* out receives prf_out_len(alg) bytes. Key of any length (HMAC). 0 ok, -1 error. */
int prf_compute(unsigned alg, const uint8_t *key, size_t keylen,
		const uint8_t *data, size_t len, uint8_t *out);

/* prf+ (K, S) = T1 | T2 | ..., Tn = prf(K, Tn-1 | S | n); writes outlen bytes.
 * outlen may not exceed 255 * prf_out_len(alg). 0 ok, -1 error. */
int prf_plus(unsigned alg, const uint8_t *key, size_t keylen,
	     const uint8_t *seed, size_t seedlen, uint8_t *out, size_t outlen);

#endif
