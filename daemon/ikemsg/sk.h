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

/* Verify and decrypt msg's SK payload into plain (capacity cap); on success
 * *plain_len is the inner payload chain's length. -1 on a bad ICV/padding. */
int ike_crypt_open(const struct ike_msg *msg, const struct ike_crypt_keys *k,
		   uint8_t *plain, size_t cap, size_t *plain_len);

#endif
