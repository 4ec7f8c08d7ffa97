/* SPDX-License-Identifier: Apache-2.0 */
/* IANA IKEv2 transform numbers (RFC 7296 3.3.2, IANA registry) and their
 * properties.  Plain data: no OpenSSL here, so conf/ and daemon/ may include it. */
#ifndef MCVPN_CRYPTO_ALG_H
#define MCVPN_CRYPTO_ALG_H

#include <stddef.h>
#include <stdint.h>

enum encr_alg {			/* transform type 1 */
	ENCR_NONE = 0,
	ENCR_AES_CBC = 12,
	ENCR_AES_GCM_16 = 20,
	ENCR_CHACHA20_POLY1305 = 28,	/* RFC 7634 */
};

enum prf_alg {			/* transform type 2 */
	PRF_NONE = 0,
	PRF_HMAC_SHA1 = 2,
	PRF_HMAC_SHA2_256 = 5,
	PRF_HMAC_SHA2_384 = 6,
	PRF_HMAC_SHA2_512 = 7,
};

enum integ_alg {		/* transform type 3 */
	AUTH_NONE = 0,
	AUTH_HMAC_SHA1_96 = 2,
	AUTH_HMAC_SHA2_256_128 = 12,
	AUTH_HMAC_SHA2_384_192 = 13,
	AUTH_HMAC_SHA2_512_256 = 14,
};

enum dh_group {			/* transform type 4 */
	DH_NONE = 0,
	MODP_1024 = 2,
	MODP_1536 = 5,
	MODP_2048 = 14,
	MODP_3072 = 15,
	MODP_4096 = 16,
	ECP_256 = 19,
	ECP_384 = 20,
	ECP_521 = 21,
	CURVE25519 = 31,
};

/* IANA names ("ENCR_AES_CBC", "PRF_HMAC_SHA2_384", "AUTH_HMAC_SHA2_384_192",
 * "MODP_1536"); "UNKNOWN" for numbers not listed above. Static strings. */
const char *encr_name(unsigned alg);
const char *prf_name(unsigned alg);
const char *integ_name(unsigned alg);
const char *dh_name(unsigned group);

/* 1 if this build implements it (encr with this key length in bits), else 0.
 * ChaCha20-Poly1305 has one key length, 256. */
int encr_supported(unsigned alg, unsigned keybits);
/* The Key Length attribute for a transform on the wire (RFC 7296 3.3.5):
 * keybits for AES, 0 (no attribute) for ChaCha20-Poly1305, whose key length
 * is fixed (RFC 7296 3.3.5; RFC 7634 erratum 5441 says it for section 4;
 * strongSwan and libreswan send none either). */
unsigned encr_wire_keybits(unsigned alg, unsigned keybits);
/* 1 for AEAD transforms (AES-GCM-16, ChaCha20-Poly1305): no INTEG transform. */
int encr_is_aead(unsigned alg);
int prf_supported(unsigned alg);
int integ_supported(unsigned alg);
int dh_supported(unsigned group);

/* Sizes in bytes; 0 for an unknown algorithm. */
size_t prf_out_len(unsigned alg);	/* also the PRF key length for SK_d/SK_pi/SK_pr */
size_t integ_key_len(unsigned alg);	/* 20 / 32 / 48 / 64 */
size_t integ_icv_len(unsigned alg);	/* truncated: 12 / 16 / 24 / 32 */
size_t dh_pub_len(unsigned group);	/* KE payload data length: 192 for MODP_1536, 96 for ECP_384 */
/* Key material for ENCR: keybits/8, plus 4 bytes salt for AES-GCM (RFC 4106/5282)
 * and ChaCha20-Poly1305 (RFC 7634 2: 32 + 4 = 36). */
size_t encr_keymat_len(unsigned alg, unsigned keybits);
/* For the IKE SK payload / ESP: IV length (16 CBC, 8 GCM and ChaCha20-Poly1305)
 * and block size (16 / 4 for the AEADs' padding). */
size_t encr_iv_len(unsigned alg);
size_t encr_block_len(unsigned alg);
/* AEAD tag length (16 for GCM_16 and ChaCha20-Poly1305), 0 for non-AEAD. */
size_t encr_icv_len(unsigned alg);

#endif
