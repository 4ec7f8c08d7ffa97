/* SPDX-License-Identifier: Apache-2.0 */
#ifndef MCVPN_CRYPTO_RAND_FIXED_H
#define MCVPN_CRYPTO_RAND_FIXED_H
#include <stdint.h>
/* Fuzz targets only (never linked into the daemon): every random byte the
 * process draws from OpenSSL, rand_bytes() and the private keys that DH, ECDH
 * and X25519 generate inside the provider alike, comes from a plain
 * generator that restarts from seed here, so one input always behaves the same
 * way.  The first call installs it for the rest of the process. */
void rand_fixed_seed(uint64_t seed);
#endif
