/* SPDX-License-Identifier: Apache-2.0 */
/* Diffie-Hellman for the KE payload: MODP groups (RFC 3526, RFC 2409) with
 * big-endian values padded to the prime length; ECP groups (RFC 5903) as
 * x|y without a point-format byte, the shared secret being x; Curve25519
 * (RFC 8031) as 32 raw bytes. */
#ifndef MCVPN_CRYPTO_DH_H
#define MCVPN_CRYPTO_DH_H

#include <stddef.h>
#include <stdint.h>

struct secret;
struct dh;

/* New key pair for group (a fresh private key). NULL if unsupported or on failure.
 * Caller frees with dh_free (wipes the private key). */
struct dh *dh_new(unsigned group);
/* For known-answer tests: a key pair from a given private value (big-endian for
 * MODP/ECP, raw 32 bytes for Curve25519). */
struct dh *dh_new_from_private(unsigned group, const uint8_t *priv, size_t len);
void dh_free(struct dh *dh);
unsigned dh_group_of(const struct dh *dh);

/* Our public value into out; len must equal dh_pub_len(group). 0 ok, -1 error. */
int dh_public(const struct dh *dh, uint8_t *out, size_t len);

/* Whether the peer's KE data is a valid public value of group (length; range
 * 1 < y < p-1; point on the curve): the cheap checks, before any key of ours
 * is made for it.  0 valid, -1 not. */
int dh_check_peer(unsigned group, const uint8_t *peer, size_t len);

/* Shared secret g^ir from the peer's KE data (checked: length, range 1 < y < p-1,
 * point on curve). Caller frees. NULL when the peer's value is invalid. */
struct secret *dh_shared(struct dh *dh, const uint8_t *peer, size_t len);

#endif
