/* SPDX-License-Identifier: Apache-2.0 */
/* Signatures for IKEv2 certificate authentication: RSA (PKCS#1 v1.5 and
 * PSS) and ECDSA over the octets RFC 7296 2.15 signs, the AUTH methods that
 * carry them (1: RSA with SHA-1; 9-11: ECDSA with r|s, RFC 4754; 14: Digital
 * Signature, RFC 7427) and RFC 7427's AlgorithmIdentifiers.  The keys are
 * OpenSSL's, behind two opaque types: struct sig_key (private, from a PEM
 * file) and struct sig_pub (public, from a certificate, crypto/x509.h). */
#ifndef MCVPN_CRYPTO_SIG_H
#define MCVPN_CRYPTO_SIG_H

#include <stddef.h>
#include <stdint.h>

/* RFC 7427's hash algorithm numbers (IANA "IKEv2 Hash Algorithms"). */
enum sig_hash { SIG_SHA1 = 1, SIG_SHA256 = 2, SIG_SHA384 = 3, SIG_SHA512 = 4 };
/* The SHA-2 hashes as a set of 1 << enum sig_hash: what IKE signs with
 * (RFC 8247 3.2: no SHA-1 for new signatures). */
#define SIG_SHA2_SET ((1u << SIG_SHA256) | (1u << SIG_SHA384) | (1u << SIG_SHA512))

enum sig_scheme {
	SIG_RSA_PKCS1,	/* RSASSA-PKCS1-v1_5 */
	SIG_RSA_PSS,	/* RSASSA-PSS, MGF1 with the same hash, salt its length */
	SIG_ECDSA,	/* DER ECDSA-Sig-Value (method 14) */
	SIG_ECDSA_RAW,	/* r | s, each the curve's size (methods 9-11, RFC 4754) */
};

struct sig_alg {
	enum sig_scheme scheme;
	enum sig_hash hash;
};

enum sig_key_type { SIG_KEY_RSA, SIG_KEY_P256, SIG_KEY_P384, SIG_KEY_P521, SIG_KEY_OTHER };

struct sig_key;
struct sig_pub;

#define SIG_MAX 1024	/* bytes: RSA up to 8192 bits, any ECDSA */

/* The private key in a PEM file (PKCS#8, or traditional RSA / EC); *out is
 * the caller's (sig_key_free).  0, or -1 with why set. */
int sig_key_load(const char *path, struct sig_key **out, char *why, size_t wl);
void sig_key_free(struct sig_key *k);
/* Another holder of the same key (one copy of it in memory, freed with its
 * last holder); NULL when out of memory.  The caller's (sig_key_free). */
struct sig_key *sig_key_ref(const struct sig_key *k);
enum sig_key_type sig_key_type(const struct sig_key *k);
enum sig_key_type sig_pub_type(const struct sig_pub *p);
/* Whether k is the private half of p (a certificate and its key file). */
int sig_key_matches(const struct sig_key *k, const struct sig_pub *p);

/* The signature of data with k under a into sig (cap bytes, at least
 * SIG_MAX); its length in *len.  0, or -1 (a scheme the key cannot do). */
int sig_sign(const struct sig_key *k, struct sig_alg a, const uint8_t *data, size_t dlen,
	     uint8_t *sig, size_t cap, size_t *len);
/* 0 when sig is p's signature of data under a, else -1. */
int sig_verify(const struct sig_pub *p, struct sig_alg a, const uint8_t *data, size_t dlen,
	       const uint8_t *sig, size_t slen);

/* RFC 7427 AUTH (method 14): the AlgorithmIdentifier that names a (DER,
 * static), NULL for a pair it does not name (ECDSA_RAW, SHA-1). */
const uint8_t *sig_algid(struct sig_alg a, size_t *len);
/* The pair an AlgorithmIdentifier from the wire names: 0, or -1 when it is
 * none of those sig_algid writes (compared whole: DER has one encoding). */
int sig_algid_parse(const uint8_t *der, size_t len, struct sig_alg *out);

/* The AUTH method (RFC 7296 3.8) and algorithm a key signs with when the
 * peer announced no SIGNATURE_HASH_ALGORITHMS: RSA 1 (SHA-1, PKCS#1),
 * P-256 9, P-384 10, P-521 11.  0, or -1 for another key. */
int sig_legacy_method(enum sig_key_type t, uint8_t *method, struct sig_alg *a);

#endif
