/* SPDX-License-Identifier: Apache-2.0 */
/* X.509 certificates for IKEv2 (RFC 7296 3.6, 3.7): ours and our CAs' from
 * PEM files, the peer's from the CERT payload's DER; the peer's chain
 * verified against the CAs configured for it at a given time, with what a
 * signing certificate must allow (key usage, extended key usage), and the
 * peer's IKE ID matched against its subject or subjectAltName.  Every
 * refusal says why in words an operator can act on. */
#ifndef MCVPN_CRYPTO_X509_H
#define MCVPN_CRYPTO_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto/sig.h"

struct x509_cert;

/* IKE ID types (RFC 7296 3.5) a certificate can be matched against. */
enum x509_id {
	X509_ID_IPV4 = 1,
	X509_ID_FQDN = 2,
	X509_ID_RFC822 = 3,
	X509_ID_IPV6 = 5,
	X509_ID_DN = 9,		/* DER Name */
};

/* Every certificate of a PEM file, in its order (the first is the end
 * entity's when it is a chain); *out and each one are the caller's
 * (x509_list_free).  0, or -1 with why set (no certificate is an error). */
int x509_load_pem(const char *path, struct x509_cert ***out, size_t *n, char *why, size_t wl);
/* One certificate from DER (a CERT payload's data); *out the caller's. */
int x509_from_der(const uint8_t *der, size_t len, struct x509_cert **out, char *why, size_t wl);
void x509_free(struct x509_cert *c);
void x509_list_free(struct x509_cert **list, size_t n);

/* The certificate as DER (borrowed, lives as long as c). */
const uint8_t *x509_der(const struct x509_cert *c, size_t *len);
/* Whether a and b are the same certificate (byte for byte, as DER). */
bool x509_equal(const struct x509_cert *a, const struct x509_cert *b);
/* Its subject Name as DER (borrowed): an ID_DER_ASN1_DN of its own. */
const uint8_t *x509_subject_der(const struct x509_cert *c, size_t *len);
/* Its public key (borrowed, lives as long as c). */
const struct sig_pub *x509_pub(const struct x509_cert *c);
/* SHA-1 of its SubjectPublicKeyInfo: how a CERTREQ names a CA (RFC 7296 3.7). */
int x509_spki_sha1(const struct x509_cert *c, uint8_t out[20]);
/* "CN=vpn.example, O=Example" for the log, cut to len. */
void x509_subject_str(const struct x509_cert *c, char *buf, size_t len);

/* 0 when ee, with the intermediates chain[0..n) the peer sent, leads to
 * one of cas[0..n_cas) (trusted as they are: the operator's rightca=, or a
 * pinned rightcert= itself), each valid at now, ee allowed to sign (key
 * usage digitalSignature or nonRepudiation when present).  -1 with why. */
int x509_verify(const struct x509_cert *ee, struct x509_cert *const *chain, size_t n,
		struct x509_cert *const *cas, size_t n_cas, time_t now, char *why, size_t wl);

/* 0 when the IKE ID (type, the ID payload's data) names c: a DN equal to
 * its subject, or an FQDN (case aside), e-mail address or IP address among
 * its subjectAltNames; never the subject's CN (RFC 6125 6.4.4: only where
 * there are no SANs, which IKE has no need of).  -1 with why. */
int x509_matches_id(const struct x509_cert *c, enum x509_id type, const uint8_t *id, size_t len,
		    char *why, size_t wl);

/* Distinguished names as IKE IDs (ID_DER_ASN1_DN) and as operators write
 * them ("C=JP, O=Example, CN=vpn.example", libreswan's and strongSwan's
 * form; '/'-separated OpenSSL form too). */
/* text -> DER into der (cap bytes), its length in *len.  0, or -1 with why. */
int x509_dn_parse(const char *text, uint8_t *der, size_t cap, size_t *len, char *why, size_t wl);
/* DER -> "C=JP, O=Example, CN=vpn.example" (cut to buflen; "(not a DN)" for
 * bytes that do not parse: they may be a peer's). */
void x509_dn_text(const uint8_t *der, size_t len, char *buf, size_t buflen);
/* Whether two DER names are the same name (X.509's comparison: the
 * canonical form, so a PrintableString and a UTF8String of the same text
 * are equal); false for bytes that do not parse. */
bool x509_dn_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#endif
