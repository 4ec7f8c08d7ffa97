/* SPDX-License-Identifier: Apache-2.0 */
#ifndef MCVPN_CRYPTO_HASH_H
#define MCVPN_CRYPTO_HASH_H
#include <stddef.h>
#include <stdint.h>
/* SHA-1 over data (for NAT detection, RFC 7296 2.23, where SHA-1 is fixed). 0 ok, -1 error. */
int hash_sha1(const uint8_t *data, size_t len, uint8_t out[20]);
/* SHA-256 over data (for IKE_SA_INIT COOKIEs, RFC 7296 2.6). 0 ok, -1 error. */
int hash_sha256(const uint8_t *data, size_t len, uint8_t out[32]);
#endif
