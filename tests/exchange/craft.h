/* SPDX-License-Identifier: Apache-2.0 */
/* Messages that no honest engine sends, built with the engine's own wire code:
 * what an outsider can send (an IKE_SA_INIT request with any nonce length and
 * any KE value) and what a lying peer that holds an IKE SA's keys can send
 * (any exchange, flags and message ID, sealed so it authenticates). */
#ifndef MCVPN_TESTS_EXCHANGE_CRAFT_H
#define MCVPN_TESTS_EXCHANGE_CRAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness.h"

struct craft_init {
	uint64_t spii;			/* 0: a fixed test value */
	size_t nonce_len;		/* 0: 32 */
	const uint8_t *ke;		/* NULL: a real public value of the group */
	size_t ke_len;
	unsigned group;			/* 0: the conn's first ike= group */
	const uint8_t *cookie;		/* echoed in N(COOKIE) first, when not NULL */
	size_t cookie_len;
	size_t vendor_len;		/* a Vendor ID payload of this many bytes; 0 none */
};

/* An IKE_SA_INIT request for the ike= proposals of side s's conn, as side s
 * would offer them (SA, KE, Nonce, NAT-D).  The length, or -1. */
int craft_init_request(const struct side *s, const struct craft_init *c, uint8_t *out,
		       size_t cap);

/* Adds payloads to a message being crafted (inside SK). */
typedef void (*craft_fill)(struct ike_msgb *b, void *arg);

/* A message on IKE SA sa sealed with its outbound keys, as its holder would
 * send it but with any exchange, response flag and message ID; fill (may be
 * NULL: no payload) adds the inner payloads.  The length, or -1. */
int craft_sealed(const struct ike_sa *sa, uint8_t exchange, bool response, uint32_t msgid,
		 craft_fill fill, void *arg, uint8_t *out, size_t cap);
/* The same with payloads before SK too: outer (may be NULL) adds them. */
int craft_sealed_outer(const struct ike_sa *sa, uint8_t exchange, bool response, uint32_t msgid,
		       craft_fill outer, craft_fill fill, void *arg, uint8_t *out, size_t cap);
/* Changes a decrypted inner payload chain in place (len bytes). */
typedef void (*craft_mutate)(uint8_t *inner, size_t len, void *arg);

/* A message of sa's peer as the peer sealed it (msg, len), opened with the
 * keys it was sealed with, changed by mutate and sealed again: what a peer
 * that lies would have sent.  The length, or -1. */
int craft_reseal(const struct ike_sa *sender, const uint8_t *msg, size_t len, craft_mutate mutate,
		 void *arg, uint8_t *out, size_t cap);

/* One Encrypted Fragment (RFC 7383) on IKE SA sa, sealed with its outbound
 * keys: fragment num of total, holding piece (first_inner goes into
 * fragment 1).  The length, or -1. */
int craft_fragment(const struct ike_sa *sa, uint8_t exchange, bool response, uint32_t msgid,
		   uint8_t first_inner, uint16_t num, uint16_t total, const uint8_t *piece,
		   size_t len, uint8_t *out, size_t cap);

/* A payload of a type nobody knows (and so, with critical, one to refuse). */
void craft_unknown_payload(struct ike_msgb *b, uint8_t type, bool critical);

#endif
