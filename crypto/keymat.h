/* SPDX-License-Identifier: Apache-2.0 */
/* IKEv2 key derivation (RFC 7296 2.14, 2.17, 2.18) and the PSK AUTH value (2.15). */
#ifndef MCVPN_CRYPTO_KEYMAT_H
#define MCVPN_CRYPTO_KEYMAT_H

#include <stddef.h>
#include <stdint.h>

struct secret;

/* The IKE SA keys; every member owned by the struct, freed by ike_keys_wipe. */
struct ike_keys {
	struct secret *sk_d, *sk_ai, *sk_ar, *sk_ei, *sk_er, *sk_pi, *sk_pr;
};

struct ike_alg {
	unsigned prf, integ, encr, encr_keybits;   /* integ = AUTH_NONE with AES-GCM */
};

/* SKEYSEED = prf(Ni | Nr, g^ir); keys = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).
 * SPIs in host order (encoded big-endian into the seed). SK_e* lengths are
 * encr_keymat_len (GCM includes the salt). 0 ok, -1 error (out left empty). */
int keymat_ike(const struct ike_alg *alg, const struct secret *gir,
	       const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
	       uint64_t spii, uint64_t spir, struct ike_keys *out);

/* IKE SA rekey (2.18): SKEYSEED = prf(SK_d(old), g^ir(new) | Ni | Nr), with the
 * old SA's PRF (old_prf) for SKEYSEED and the new one's for prf+. */
int keymat_ike_rekey(const struct ike_alg *alg, unsigned old_prf, const struct secret *old_sk_d,
		     const struct secret *gir, const uint8_t *ni, size_t nilen,
		     const uint8_t *nr, size_t nrlen, uint64_t spii, uint64_t spir,
		     struct ike_keys *out);

void ike_keys_wipe(struct ike_keys *k);

/* Child SA keys (2.17): KEYMAT = prf+(SK_d, [g^ir |] Ni | Nr); the first
 * len_each bytes are initiator->responder (encr then integ), the next len_each
 * responder->initiator.  gir NULL when no PFS. Caller frees both. */
int keymat_child(unsigned prf, const struct secret *sk_d, const struct secret *gir,
		 const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
		 size_t len_each, struct secret **i2r, struct secret **r2i);

/* PSK AUTH data (2.15): prf(prf(psk, "Key Pad for IKEv2"), msg | nonce | prf(sk_p, idbody)),
 * where msg is the sender's first message, nonce the peer's nonce data, idbody the
 * sender's ID payload body (ID type, 3 reserved bytes, data).  out gets prf_out_len bytes. */
int keymat_psk_auth(unsigned prf, const uint8_t *psk, size_t psklen,
		    const uint8_t *msg, size_t msglen, const uint8_t *nonce, size_t noncelen,
		    const struct secret *sk_p, const uint8_t *idbody, size_t idlen, uint8_t *out);

/* The octets a signature covers (2.15): msg | nonce | prf(sk_p, idbody), the
 * same InitiatorSignedOctets / ResponderSignedOctets as above, whole, for a
 * signature (crypto/sig.h).  Caller frees (NULL on failure). */
struct secret *keymat_signed_octets(unsigned prf, const uint8_t *msg, size_t msglen,
				    const uint8_t *nonce, size_t noncelen,
				    const struct secret *sk_p, const uint8_t *idbody, size_t idlen);

#endif
