/* SPDX-License-Identifier: Apache-2.0 */
/* IKE_SA_INIT COOKIEs (RFC 7296 2.6): a responder under load answers a
 * request with a cookie alone, keeping no state, and goes on only with a
 * request that echoes it, which proves the initiator receives at the address
 * it sends from.  Cookie = <version of the secret> | SHA-256(Ni | IPi | SPIi |
 * secret), as the RFC suggests; the secret is replaced every
 * IKE_COOKIE_ROTATE_S and the previous one still verifies, so a cookie stays
 * good for at least that long.  The port is not part of it (a NAT may change it). */
#ifndef MCVPN_IKE_COOKIE_H
#define MCVPN_IKE_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IKE_COOKIE_LEN 33		/* version byte | SHA-256 */
#define IKE_COOKIE_SECRET_LEN 32
#define IKE_COOKIE_ROTATE_S 120.0
#define IKE_COOKIE_THRESHOLD 30		/* half-open IKE SAs from which on cookies are
					 * demanded (strongSwan's default) */

struct secret;
struct sockaddr_storage;

/* The responder's secrets; zero-initialised is empty, they are made on first use. */
struct ike_cookies {
	struct secret *cur, *prev;	/* owned, wiped on free; NULL: none (yet) */
	uint8_t version;		/* cur's; prev's is version - 1 */
	double born;			/* the `now` when cur was made */
};

/* The cookie under key: version | SHA-256(ni | address of ip | spii | key).
 * A pure function.  0, or -1 for an address family that is neither IPv4 nor
 * IPv6, a nonce over 256 bytes or a hash failure.  Everything borrowed. */
int ike_cookie_compute(const struct secret *key, uint8_t version, const uint8_t *ni,
		       size_t nilen, const struct sockaddr_storage *ip, uint64_t spii,
		       uint8_t out[IKE_COOKIE_LEN]);
/* The cookie for this initiator under the current secret, which is made or
 * replaced first when it is missing or IKE_COOKIE_ROTATE_S old (now: seconds
 * on any monotonic clock).  0 or -1 (no random bytes, no memory). */
int ike_cookie_make(struct ike_cookies *c, double now, const uint8_t *ni, size_t nilen,
		    const struct sockaddr_storage *ip, uint64_t spii, uint8_t out[IKE_COOKIE_LEN]);
/* Is data (a COOKIE notify's, len bytes) what ike_cookie_make gives for this
 * initiator under the current or the previous secret?  Rotates like make. */
bool ike_cookie_check(struct ike_cookies *c, double now, const uint8_t *data, size_t len,
		      const uint8_t *ni, size_t nilen, const struct sockaddr_storage *ip,
		      uint64_t spii);
/* Wipe and free both secrets; c is empty again. */
void ike_cookies_clear(struct ike_cookies *c);

#endif
