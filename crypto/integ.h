/* SPDX-License-Identifier: Apache-2.0 */
/* Integrity algorithms with the IKE/ESP truncations (RFC 4868, RFC 2404). */
#ifndef MCVPN_CRYPTO_INTEG_H
#define MCVPN_CRYPTO_INTEG_H

#include <stddef.h>
#include <stdint.h>

/* key is integ_key_len(alg) bytes; icv receives integ_icv_len(alg) bytes. 0 ok, -1 error. */
int integ_compute(unsigned alg, const uint8_t *key, const uint8_t *data, size_t len, uint8_t *icv);
/* 0 if icv (integ_icv_len bytes) matches, compared in constant time; -1 otherwise. */
int integ_verify(unsigned alg, const uint8_t *key, const uint8_t *data, size_t len, const uint8_t *icv);

#endif
