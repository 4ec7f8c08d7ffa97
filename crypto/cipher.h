/* SPDX-License-Identifier: Apache-2.0 */
/* AES-CBC without padding (the caller pads, as IKE SK and ESP define it). */
#ifndef MCVPN_CRYPTO_CIPHER_H
#define MCVPN_CRYPTO_CIPHER_H

#include <stddef.h>
#include <stdint.h>

/* keylen 16/24/32; len a multiple of 16; out may equal in. 0 ok, -1 error. */
int cipher_cbc_encrypt(const uint8_t *key, size_t keylen, const uint8_t iv[16],
		       const uint8_t *in, uint8_t *out, size_t len);
int cipher_cbc_decrypt(const uint8_t *key, size_t keylen, const uint8_t iv[16],
		       const uint8_t *in, uint8_t *out, size_t len);

#endif
