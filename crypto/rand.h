/* SPDX-License-Identifier: Apache-2.0 */
#ifndef MCVPN_CRYPTO_RAND_H
#define MCVPN_CRYPTO_RAND_H
#include <stddef.h>
/* Cryptographically strong random bytes (RAND_bytes); 0 ok, -1 on failure. */
int rand_bytes(void *out, size_t len);
#endif
