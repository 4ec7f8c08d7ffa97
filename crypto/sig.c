/* SPDX-License-Identifier: Apache-2.0 */
/* Private keys from PEM files, and signing and verifying with OpenSSL's
 * EVP_DigestSign/Verify.  ECDSA's r | s form (RFC 4754) is converted to and
 * from the DER that OpenSSL speaks. */
#include "crypto/sig_priv.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An encrypted key asks for a passphrase: there is none to give. */
static int no_passphrase(char *buf, int size, int rw, void *u)
{
	(void)buf, (void)size, (void)rw, (void)u;
	return -1;
}

enum sig_key_type sig_type_of(const EVP_PKEY *pk)
{
	char group[32] = "";

	if (EVP_PKEY_is_a(pk, "RSA") || EVP_PKEY_is_a(pk, "RSA-PSS"))
		return SIG_KEY_RSA;
	if (!EVP_PKEY_is_a(pk, "EC") ||
	    !EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL))
		return SIG_KEY_OTHER;
	if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0)
		return SIG_KEY_P256;
	if (strcmp(group, "secp384r1") == 0 || strcmp(group, "P-384") == 0)
		return SIG_KEY_P384;
	if (strcmp(group, "secp521r1") == 0 || strcmp(group, "P-521") == 0)
		return SIG_KEY_P521;
	return SIG_KEY_OTHER;
}

int sig_key_load(const char *path, struct sig_key **out, char *why, size_t wl)
{
	BIO *b = BIO_new_file(path, "r");
	EVP_PKEY *pk = NULL;

	*out = NULL;
	if (!b) {
		snprintf(why, wl, "cannot open %s", path);
		return -1;
	}
	pk = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL);
	BIO_free(b);
	ERR_clear_error();
	if (!pk) {
		snprintf(why, wl, "%s holds no private key mcvpn can read (PEM, unencrypted: "
			 "RSA or ECDSA P-256, P-384, P-521)", path);
		return -1;
	}
	if (sig_type_of(pk) == SIG_KEY_OTHER) {
		snprintf(why, wl, "%s: a key of another kind than RSA or ECDSA P-256, P-384, P-521",
			 path);
		EVP_PKEY_free(pk);
		return -1;
	}
	*out = calloc(1, sizeof(**out));
	if (!*out) {
		snprintf(why, wl, "out of memory");
		EVP_PKEY_free(pk);
		return -1;
	}
	(*out)->pk = pk;
	return 0;
}

struct sig_key *sig_key_ref(const struct sig_key *k)
{
	struct sig_key *r = calloc(1, sizeof(*r));

	if (!r || !EVP_PKEY_up_ref(k->pk)) {
		free(r);
		return NULL;
	}
	r->pk = k->pk;
	return r;
}

void sig_key_free(struct sig_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pk);	/* OpenSSL clears the key's numbers */
	free(k);
}

enum sig_key_type sig_key_type(const struct sig_key *k)
{
	return sig_type_of(k->pk);
}

enum sig_key_type sig_pub_type(const struct sig_pub *p)
{
	return sig_type_of(p->pk);
}

int sig_key_matches(const struct sig_key *k, const struct sig_pub *p)
{
	return EVP_PKEY_eq(k->pk, p->pk) == 1;
}

static const EVP_MD *md_of(enum sig_hash h)
{
	switch (h) {
	case SIG_SHA1: return EVP_sha1();
	case SIG_SHA256: return EVP_sha256();
	case SIG_SHA384: return EVP_sha384();
	case SIG_SHA512: return EVP_sha512();
	}
	return NULL;
}

/* The curve's size in bytes for r | s, and the hash RFC 4754 binds to it. */
static size_t raw_half(enum sig_key_type t, enum sig_hash *h)
{
	switch (t) {
	case SIG_KEY_P256: *h = SIG_SHA256; return 32;
	case SIG_KEY_P384: *h = SIG_SHA384; return 48;
	case SIG_KEY_P521: *h = SIG_SHA512; return 66;
	default: return 0;
	}
}

/* Whether a key of type t signs with a (and a is one mcvpn speaks). */
static int fits(enum sig_key_type t, struct sig_alg a)
{
	enum sig_hash bound;

	if (!md_of(a.hash))
		return 0;
	switch (a.scheme) {
	case SIG_RSA_PKCS1: return t == SIG_KEY_RSA;
	case SIG_RSA_PSS: return t == SIG_KEY_RSA && a.hash != SIG_SHA1;
	case SIG_ECDSA: return t != SIG_KEY_RSA && t != SIG_KEY_OTHER && a.hash != SIG_SHA1;
	case SIG_ECDSA_RAW: return raw_half(t, &bound) && bound == a.hash;
	}
	return 0;
}

static int set_padding(EVP_PKEY_CTX *pc, struct sig_alg a)
{
	if (a.scheme == SIG_RSA_PKCS1)
		return EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) > 0 ? 0 : -1;
	if (a.scheme != SIG_RSA_PSS)
		return 0;
	return EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) > 0 &&
	       EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) > 0 &&
	       EVP_PKEY_CTX_set_rsa_mgf1_md(pc, md_of(a.hash)) > 0 ? 0 : -1;
}

/* DER ECDSA-Sig-Value to r | s of half bytes each. */
static int der_to_raw(const uint8_t *der, size_t len, size_t half, uint8_t *out, size_t *olen)
{
	const uint8_t *p = der;
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r, *ss;
	int rc = -1;

	if (!s)
		return -1;
	ECDSA_SIG_get0(s, &r, &ss);
	if (BN_bn2binpad(r, out, (int)half) == (int)half &&
	    BN_bn2binpad(ss, out + half, (int)half) == (int)half) {
		*olen = 2 * half;
		rc = 0;
	}
	ECDSA_SIG_free(s);
	return rc;
}

/* r | s to DER; the caller frees *der with OPENSSL_free. */
static int raw_to_der(const uint8_t *raw, size_t len, size_t half, uint8_t **der, size_t *dlen)
{
	ECDSA_SIG *s;
	BIGNUM *r, *ss;
	int n;

	if (len != 2 * half || !(s = ECDSA_SIG_new()))
		return -1;
	r = BN_bin2bn(raw, (int)half, NULL);
	ss = BN_bin2bn(raw + half, (int)half, NULL);
	if (!r || !ss || !ECDSA_SIG_set0(s, r, ss)) {
		BN_free(r);
		BN_free(ss);
		ECDSA_SIG_free(s);
		return -1;
	}
	*der = NULL;
	n = i2d_ECDSA_SIG(s, der);
	ECDSA_SIG_free(s);
	if (n <= 0)
		return -1;
	*dlen = (size_t)n;
	return 0;
}

int sig_sign(const struct sig_key *k, struct sig_alg a, const uint8_t *data, size_t dlen,
	     uint8_t *sig, size_t cap, size_t *len)
{
	enum sig_key_type t = sig_type_of(k->pk);
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	uint8_t der[SIG_MAX];
	size_t n = sizeof(der);
	enum sig_hash bound;
	int rc = -1;

	if (!mc || !fits(t, a) || cap < SIG_MAX)
		goto out;
	if (EVP_DigestSignInit(mc, &pc, md_of(a.hash), NULL, k->pk) != 1 || set_padding(pc, a) ||
	    EVP_DigestSign(mc, NULL, &n, data, dlen) != 1 || n > sizeof(der) ||
	    EVP_DigestSign(mc, der, &n, data, dlen) != 1)
		goto out;
	if (a.scheme == SIG_ECDSA_RAW)
		rc = der_to_raw(der, n, raw_half(t, &bound), sig, len);
	else {
		memcpy(sig, der, n);
		*len = n;
		rc = 0;
	}
out:
	EVP_MD_CTX_free(mc);
	ERR_clear_error();
	return rc;
}

int sig_verify(const struct sig_pub *p, struct sig_alg a, const uint8_t *data, size_t dlen,
	       const uint8_t *sig, size_t slen)
{
	enum sig_key_type t = sig_type_of(p->pk);
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	uint8_t *der = NULL;
	enum sig_hash bound;
	int rc = -1;

	if (!mc || !fits(t, a) || slen == 0 || slen > SIG_MAX)
		goto out;
	if (a.scheme == SIG_ECDSA_RAW && raw_to_der(sig, slen, raw_half(t, &bound), &der, &slen))
		goto out;
	if (EVP_DigestVerifyInit(mc, &pc, md_of(a.hash), NULL, p->pk) == 1 && !set_padding(pc, a) &&
	    EVP_DigestVerify(mc, der ? der : sig, slen, data, dlen) == 1)
		rc = 0;
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(mc);
	ERR_clear_error();
	return rc;
}
