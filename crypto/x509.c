/* SPDX-License-Identifier: Apache-2.0 */
/* Certificates with OpenSSL's X509 API: loading, the peer's chain, IDs. */
#include "crypto/x509.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sig_priv.h"

struct x509_cert {
	X509 *x;			/* owned */
	uint8_t *der, *subject;		/* OPENSSL_malloc'd encodings */
	size_t der_len, subject_len;
	struct sig_pub pub;		/* its key, borrowed from x */
};

/* Takes x; NULL (x freed) when it cannot be encoded or has no key. */
static struct x509_cert *wrap(X509 *x)
{
	struct x509_cert *c = calloc(1, sizeof(*c));
	int n, m;

	if (!c) {
		X509_free(x);
		return NULL;
	}
	c->x = x;
	n = i2d_X509(x, &c->der);
	m = i2d_X509_NAME(X509_get_subject_name(x), &c->subject);
	c->pub.pk = X509_get0_pubkey(x);
	if (n <= 0 || m <= 0 || !c->pub.pk) {
		x509_free(c);
		return NULL;
	}
	c->der_len = (size_t)n;
	c->subject_len = (size_t)m;
	return c;
}

void x509_free(struct x509_cert *c)
{
	if (!c)
		return;
	OPENSSL_free(c->der);
	OPENSSL_free(c->subject);
	X509_free(c->x);
	free(c);
}

void x509_list_free(struct x509_cert **list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		x509_free(list[i]);
	free(list);
}

int x509_load_pem(const char *path, struct x509_cert ***out, size_t *n, char *why, size_t wl)
{
	BIO *b = BIO_new_file(path, "r");
	struct x509_cert **list = NULL, **grown, *c;
	X509 *x;

	*out = NULL;
	*n = 0;
	if (!b) {
		snprintf(why, wl, "cannot open %s", path);
		return -1;
	}
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		grown = realloc(list, (*n + 1) * sizeof(*list));
		c = grown ? wrap(x) : (X509_free(x), NULL);
		list = grown ? grown : list;
		if (!c) {
			snprintf(why, wl, "%s: certificate %zu cannot be read", path, *n + 1);
			goto fail;
		}
		list[(*n)++] = c;
	}
	BIO_free(b);
	b = NULL;
	ERR_clear_error();	/* the end of the file */
	if (*n == 0) {
		snprintf(why, wl, "%s holds no certificate (PEM, \"BEGIN CERTIFICATE\")", path);
		goto fail;
	}
	*out = list;
	return 0;
fail:
	BIO_free(b);
	x509_list_free(list, *n);
	*n = 0;
	ERR_clear_error();
	return -1;
}

int x509_from_der(const uint8_t *der, size_t len, struct x509_cert **out, char *why, size_t wl)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);

	ERR_clear_error();
	*out = NULL;
	if (!x || p != der + len) {
		X509_free(x);
		snprintf(why, wl, "%s", x ? "a certificate followed by other bytes" :
			 "not an X.509 certificate in DER");
		return -1;
	}
	*out = wrap(x);
	if (!*out) {
		snprintf(why, wl, "a certificate that cannot be used");
		return -1;
	}
	return 0;
}

const uint8_t *x509_der(const struct x509_cert *c, size_t *len)
{
	*len = c->der_len;
	return c->der;
}

const uint8_t *x509_subject_der(const struct x509_cert *c, size_t *len)
{
	*len = c->subject_len;
	return c->subject;
}

const struct sig_pub *x509_pub(const struct x509_cert *c)
{
	return &c->pub;
}

int x509_spki_sha1(const struct x509_cert *c, uint8_t out[20])
{
	unsigned char *spki = NULL;
	unsigned int n = 0;
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(c->x), &spki);
	int ok = len > 0 && EVP_Digest(spki, (size_t)len, out, &n, EVP_sha1(), NULL) && n == 20;

	OPENSSL_free(spki);
	return ok ? 0 : -1;
}

bool x509_equal(const struct x509_cert *a, const struct x509_cert *b)
{
	return a->der_len == b->der_len && memcmp(a->der, b->der, a->der_len) == 0;
}

void x509_subject_str(const struct x509_cert *c, char *buf, size_t len)
{
	snprintf(buf, len, "?");
	x509_name_text(X509_get_subject_name(c->x), buf, len);	/* as rightid= writes it */
}

/* A certificate that signs IKE: key usage (when present) allows
 * signatures, extended key usage (when present) names a use IKE peers
 * accept (TLS server or client, ipsecIKE, any). */
static int may_sign(X509 *x, char *why, size_t wl)
{
	EXTENDED_KEY_USAGE *eku;
	int ok = 0;

	if ((X509_get_extension_flags(x) & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(x) & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) {
		snprintf(why, wl, "its key usage allows no signatures (digitalSignature)");
		return -1;
	}
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	if (!eku)
		return 0;
	for (int i = 0; i < sk_ASN1_OBJECT_num(eku) && !ok; i++) {
		int nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i));
		ok = nid == NID_server_auth || nid == NID_client_auth || nid == NID_ipsec_IKE ||
		     nid == NID_anyExtendedKeyUsage;
	}
	EXTENDED_KEY_USAGE_free(eku);
	if (!ok)
		snprintf(why, wl, "its extended key usage names neither serverAuth, clientAuth nor "
			 "ipsecIKE");
	return ok ? 0 : -1;
}

static STACK_OF(X509) *stack_of(struct x509_cert *const *list, size_t n)
{
	STACK_OF(X509) *st = sk_X509_new_null();

	for (size_t i = 0; st && i < n; i++)
		if (!sk_X509_push(st, list[i]->x)) {
			sk_X509_free(st);
			return NULL;
		}
	return st;
}

int x509_verify(const struct x509_cert *ee, struct x509_cert *const *chain, size_t n,
		struct x509_cert *const *cas, size_t n_cas, time_t now, char *why, size_t wl)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = stack_of(chain, n);
	char subj[200];
	int rc = -1;

	snprintf(why, wl, "out of memory");
	if (!store || !ctx || !untrusted || n_cas == 0)
		goto out;
	for (size_t i = 0; i < n_cas; i++)
		if (!X509_STORE_add_cert(store, cas[i]->x))
			goto out;
	/* a CA configured for this peer is trusted as it is, root or not */
	X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
	if (!X509_STORE_CTX_init(ctx, store, ee->x, untrusted))
		goto out;
	X509_STORE_CTX_set_time(ctx, 0, now);
	/* 112 bits of security or more along the chain (RFC 8247, NIST
	 * SP 800-57): no RSA key under 2048 bits, no SHA-1 or MD5 signature */
	X509_VERIFY_PARAM_set_auth_level(X509_STORE_CTX_get0_param(ctx), 2);
	if (X509_verify_cert(ctx) != 1) {
		int err = X509_STORE_CTX_get_error(ctx);
		X509 *at = X509_STORE_CTX_get_current_cert(ctx);
		struct x509_cert tmp = { .x = at };

		if (at)
			x509_subject_str(&tmp, subj, sizeof(subj));
		snprintf(why, wl, "%s (certificate \"%s\")", X509_verify_cert_error_string(err),
			 at ? subj : "?");
		goto out;
	}
	rc = may_sign(ee->x, why, wl);
out:
	sk_X509_free(untrusted);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	ERR_clear_error();
	return rc;
}

/* ASCII letters without regard to case, every byte compared (strncasecmp
 * stops at a NUL, which a dNSName may hold). */
static bool same_name(const ASN1_STRING *s, const uint8_t *id, size_t len)
{
	const unsigned char *p = ASN1_STRING_get0_data(s);

	if ((size_t)ASN1_STRING_length(s) != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned a = p[i], b = id[i];
		a = a >= 'A' && a <= 'Z' ? a + 32 : a;
		b = b >= 'A' && b <= 'Z' ? b + 32 : b;
		if (a != b)
			return false;
	}
	return true;
}

static int san_matches(const GENERAL_NAME *g, enum x509_id type, const uint8_t *id, size_t len)
{
	const ASN1_STRING *s;

	switch (type) {
	case X509_ID_FQDN:
		if (g->type != GEN_DNS)
			return 0;
		return same_name(g->d.dNSName, id, len);
	case X509_ID_RFC822:
		if (g->type != GEN_EMAIL)
			return 0;
		return same_name(g->d.rfc822Name, id, len);
	case X509_ID_IPV4:
	case X509_ID_IPV6:
		if (g->type != GEN_IPADD)
			return 0;
		s = g->d.iPAddress;
		return (size_t)ASN1_STRING_length(s) == len &&
		       memcmp(ASN1_STRING_get0_data(s), id, len) == 0;
	default:
		return 0;
	}
}

int x509_matches_id(const struct x509_cert *c, enum x509_id type, const uint8_t *id, size_t len,
		    char *why, size_t wl)
{
	GENERAL_NAMES *sans;
	int found = 0;

	if (type == X509_ID_DN) {
		if (x509_dn_equal(id, len, c->subject, c->subject_len))
			return 0;
		snprintf(why, wl, "the ID (a DN) is not the certificate's subject");
		return -1;
	}
	if ((type == X509_ID_IPV4 && len != 4) || (type == X509_ID_IPV6 && len != 16)) {
		snprintf(why, wl, "an IP address ID of %zu bytes", len);
		return -1;
	}
	sans = X509_get_ext_d2i(c->x, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans) && !found; i++)
		found = san_matches(sk_GENERAL_NAME_value(sans, i), type, id, len);
	GENERAL_NAMES_free(sans);
	if (!found)
		snprintf(why, wl, "the ID is none of the certificate's subjectAltNames");
	return found ? 0 : -1;
}
