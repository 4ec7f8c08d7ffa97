/* SPDX-License-Identifier: Apache-2.0 */
/* The Encrypted (SK) payload (RFC 7296 3.14; AES-GCM per RFC 5282,
 * ChaCha20-Poly1305 per RFC 7634 3). */
#ifndef MCVPN_IKE_CRYPT_H
#define MCVPN_IKE_CRYPT_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/ikemsg/msg.h"

struct secret;

/* One direction's keys: borrowed from the IKE SA. integ is AUTH_NONE for the AEADs. */
struct ike_crypt_keys {
	unsigned encr, encr_keybits, integ;
	const struct secret *ke, *ka;
};

/* Seal b's inner payloads into an SK payload at the end of b->out, set the
 * header length and append the ICV. Returns the message length or -1. */
int ike_crypt_seal(struct ike_msgb *b, const struct ike_crypt_keys *k);

/* Encrypted Fragments (RFC 7383 2.5).  IV, ICV and the fixed pad bytes: */
size_t ike_crypt_overhead(const struct ike_crypt_keys *k);
/* The length ike_crypt_seal will make of a message with outer_len bytes
 * before SK and inner_len bytes of inner payloads. */
size_t ike_crypt_sealed_len(const struct ike_crypt_keys *k, size_t outer_len, size_t inner_len);
/* The largest piece of the inner payloads one fragment carries within a
 * datagram (IKE header to ICV) of this many bytes; 0 if none fits. */
size_t ike_crypt_fragment_room(const struct ike_crypt_keys *k, size_t datagram);
/* One whole fragment message into out: h's header (its next payload, length
 * set here), an SKF payload numbered num of total holding piece, sealed.
 * first_inner goes into fragment 1's next-payload field (0 in the others).
 * scratch (at least len + 16 bytes) holds the padded piece and is wiped.
 * Returns the message length or -1. */
int ike_crypt_seal_fragment(const struct ike_hdr *h, uint8_t first_inner, uint16_t num,
			    uint16_t total, const uint8_t *piece, size_t len,
			    const struct ike_crypt_keys *k, uint8_t *out, size_t cap,
			    uint8_t *scratch, size_t scratch_cap);

/* Verify and decrypt msg's SK (or SKF) payload into plain (capacity cap); on success
 * *plain_len is the inner payload chain's length. -1 on a bad ICV/padding. */
int ike_crypt_open(const struct ike_msg *msg, const struct ike_crypt_keys *k,
		   uint8_t *plain, size_t cap, size_t *plain_len);

#endif
