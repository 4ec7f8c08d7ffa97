/* SPDX-License-Identifier: Apache-2.0 */
/* Certificates and signatures (crypto/x509.h, crypto/sig.h) against a PKI
 * that openssl(1) made (mkcerts.sh, run by x509_test.sh into DIR):
 * signatures openssl made verify here and ours verify with the
 * certificates' keys; RFC 7427's AlgorithmIdentifiers as its Appendix A
 * prints them; chains to the right CA verify and every wrong one says why;
 * IDs match the subject and subjectAltNames and nothing else.
 *
 *   test_x509 DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "crypto/sig.h"
#include "crypto/x509.h"

static const char *dir;
static char why[400];

static const char *at(const char *name)
{
	static char path[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
	return path[i];
}

static size_t slurp(const char *name, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(at(name), "rb");
	size_t n = f ? fread(buf, 1, cap, f) : 0;

	if (f)
		fclose(f);
	return n;
}

static struct x509_cert *cert(const char *name)
{
	struct x509_cert **list;
	struct x509_cert *c;
	size_t n;

	if (x509_load_pem(at(name), &list, &n, why, sizeof(why))) {
		fprintf(stderr, "  %s: %s\n", name, why);
		return NULL;
	}
	c = list[0];
	list[0] = NULL;
	x509_list_free(list, n);
	return c;
}

static struct sig_key *key(const char *name)
{
	struct sig_key *k = NULL;

	if (sig_key_load(at(name), &k, why, sizeof(why)))
		fprintf(stderr, "  %s: %s\n", name, why);
	return k;
}

static time_t now;

static void test_algids(void)
{
	/* RFC 7427 A.1 (sha256WithRSAEncryption) and A.3 (ecdsa-with-SHA256), as printed there */
	static const uint8_t rsa256[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
					  0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00 };
	static const uint8_t ec256[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
					 0x04, 0x03, 0x02 };
	const struct sig_alg all[] = {
		{ SIG_RSA_PKCS1, SIG_SHA256 }, { SIG_RSA_PKCS1, SIG_SHA384 }, { SIG_RSA_PKCS1, SIG_SHA512 },
		{ SIG_RSA_PSS, SIG_SHA256 }, { SIG_RSA_PSS, SIG_SHA384 }, { SIG_RSA_PSS, SIG_SHA512 },
		{ SIG_ECDSA, SIG_SHA256 }, { SIG_ECDSA, SIG_SHA384 }, { SIG_ECDSA, SIG_SHA512 },
	};
	struct sig_alg a;
	const uint8_t *der;
	size_t len;

	der = sig_algid((struct sig_alg){ SIG_RSA_PKCS1, SIG_SHA256 }, &len);
	CHECK(der && len == sizeof(rsa256) && memcmp(der, rsa256, len) == 0);
	der = sig_algid((struct sig_alg){ SIG_ECDSA, SIG_SHA256 }, &len);
	CHECK(der && len == sizeof(ec256) && memcmp(der, ec256, len) == 0);
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		der = sig_algid(all[i], &len);
		CHECK(der != NULL);
		CHECK_INT(sig_algid_parse(der, len, &a), 0);
		CHECK(a.scheme == all[i].scheme && a.hash == all[i].hash);
		CHECK_INT(sig_algid_parse(der, len - 1, &a), -1);	/* cut */
	}
	CHECK(sig_algid((struct sig_alg){ SIG_ECDSA_RAW, SIG_SHA256 }, &len) == NULL);
	CHECK(sig_algid((struct sig_alg){ SIG_RSA_PKCS1, SIG_SHA1 }, &len) == NULL);
	CHECK_INT(sig_algid_parse((const uint8_t *)"\x30\x00", 2, &a), -1);
	/* RFC 4055: the hash's parameters absent instead of NULL, read as the
	 * same algorithm (never written so) */
	static const uint8_t rsa384_absent[] = { 0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
						 0xf7, 0x0d, 0x01, 0x01, 0x0c };
	static const uint8_t pss256_absent[] = {
		0x30, 0x3d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30,
		0x30, 0xa0, 0x0d, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,
		0x02, 0x01, 0xa1, 0x1a, 0x30, 0x18, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
		0x01, 0x01, 0x08, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,
		0x02, 0x01, 0xa2, 0x03, 0x02, 0x01, 0x20 };
	CHECK_INT(sig_algid_parse(rsa384_absent, sizeof(rsa384_absent), &a), 0);
	CHECK(a.scheme == SIG_RSA_PKCS1 && a.hash == SIG_SHA384);
	CHECK_INT(sig_algid_parse(pss256_absent, sizeof(pss256_absent), &a), 0);
	CHECK(a.scheme == SIG_RSA_PSS && a.hash == SIG_SHA256);
	der = sig_algid((struct sig_alg){ SIG_RSA_PSS, SIG_SHA256 }, &len);
	CHECK(der && len == 67);	/* the NULL form is the one written */
}

/* Signatures openssl(1) made of data.bin verify; one flipped bit does not. */
static void test_theirs(struct x509_cert *rsa, struct x509_cert *p256)
{
	uint8_t data[64], sig[SIG_MAX];
	size_t dlen = slurp("data.bin", data, sizeof(data)), slen;

	slen = slurp("rsa-pkcs1.sig", sig, sizeof(sig));
	CHECK_INT(sig_verify(x509_pub(rsa), (struct sig_alg){ SIG_RSA_PKCS1, SIG_SHA256 }, data, dlen,
			     sig, slen), 0);
	CHECK_INT(sig_verify(x509_pub(rsa), (struct sig_alg){ SIG_RSA_PSS, SIG_SHA256 }, data, dlen,
			     sig, slen), -1);
	sig[10] ^= 1;
	CHECK_INT(sig_verify(x509_pub(rsa), (struct sig_alg){ SIG_RSA_PKCS1, SIG_SHA256 }, data, dlen,
			     sig, slen), -1);
	slen = slurp("rsa-pss.sig", sig, sizeof(sig));
	CHECK_INT(sig_verify(x509_pub(rsa), (struct sig_alg){ SIG_RSA_PSS, SIG_SHA384 }, data, dlen,
			     sig, slen), 0);
	slen = slurp("p256.sig", sig, sizeof(sig));
	CHECK_INT(sig_verify(x509_pub(p256), (struct sig_alg){ SIG_ECDSA, SIG_SHA256 }, data, dlen,
			     sig, slen), 0);
	CHECK_INT(sig_verify(x509_pub(p256), (struct sig_alg){ SIG_ECDSA, SIG_SHA384 }, data, dlen,
			     sig, slen), -1);
	data[0] ^= 1;
	CHECK_INT(sig_verify(x509_pub(p256), (struct sig_alg){ SIG_ECDSA, SIG_SHA256 }, data, dlen,
			     sig, slen), -1);
}

/* Ours: each scheme the key can do, verified with its certificate's key;
 * the schemes it cannot do refused. */
static void sign_all(const char *what, struct sig_key *k, struct x509_cert *c,
		     const struct sig_alg *ok, size_t n_ok, const struct sig_alg *no, size_t n_no)
{
	static const uint8_t data[] = "IKE_SA_INIT | Nr | prf(SK_pi, IDi')";
	uint8_t sig[SIG_MAX];
	size_t len;

	for (size_t i = 0; i < n_ok; i++) {
		int r = sig_sign(k, ok[i], data, sizeof(data), sig, sizeof(sig), &len);
		check_report(r == 0, __FILE__, __LINE__, what);
		CHECK_INT(sig_verify(x509_pub(c), ok[i], data, sizeof(data), sig, len), 0);
		sig[len / 2] ^= 0x40;
		CHECK_INT(sig_verify(x509_pub(c), ok[i], data, sizeof(data), sig, len), -1);
	}
	for (size_t i = 0; i < n_no; i++)
		CHECK_INT(sig_sign(k, no[i], data, sizeof(data), sig, sizeof(sig), &len), -1);
}

static void test_ours(struct x509_cert *rsa, struct x509_cert *p256, struct x509_cert *p384)
{
	struct sig_key *krsa = key("rsa.key"), *k256 = key("p256.key"), *k384 = key("p384.key");
	const struct sig_alg rsa_ok[] = { { SIG_RSA_PKCS1, SIG_SHA1 }, { SIG_RSA_PKCS1, SIG_SHA256 },
					  { SIG_RSA_PSS, SIG_SHA256 }, { SIG_RSA_PSS, SIG_SHA512 } };
	const struct sig_alg rsa_no[] = { { SIG_ECDSA, SIG_SHA256 }, { SIG_ECDSA_RAW, SIG_SHA256 },
					  { SIG_RSA_PSS, SIG_SHA1 } };
	const struct sig_alg p256_ok[] = { { SIG_ECDSA, SIG_SHA256 }, { SIG_ECDSA, SIG_SHA512 },
					   { SIG_ECDSA_RAW, SIG_SHA256 } };
	const struct sig_alg p256_no[] = { { SIG_ECDSA_RAW, SIG_SHA384 }, { SIG_RSA_PKCS1, SIG_SHA256 },
					   { SIG_ECDSA, SIG_SHA1 } };
	const struct sig_alg p384_ok[] = { { SIG_ECDSA, SIG_SHA384 }, { SIG_ECDSA_RAW, SIG_SHA384 } };
	uint8_t sig[SIG_MAX], method = 0;
	struct sig_alg a;
	size_t len = 0;

	if (!krsa || !k256 || !k384) {
		CHECK(!"the keys load");
		goto out;
	}
	CHECK_INT(sig_key_type(krsa), SIG_KEY_RSA);
	CHECK_INT(sig_key_type(k256), SIG_KEY_P256);
	CHECK_INT(sig_pub_type(x509_pub(p384)), SIG_KEY_P384);
	CHECK(sig_key_matches(krsa, x509_pub(rsa)));
	CHECK(!sig_key_matches(krsa, x509_pub(p256)));
	sign_all("RSA signs", krsa, rsa, rsa_ok, 4, rsa_no, 3);
	sign_all("P-256 signs", k256, p256, p256_ok, 3, p256_no, 3);
	sign_all("P-384 signs", k384, p384, p384_ok, 2, NULL, 0);
	/* RFC 4754: r | s, each the curve's size */
	CHECK_INT(sig_sign(k256, (struct sig_alg){ SIG_ECDSA_RAW, SIG_SHA256 }, sig, 8, sig,
			   sizeof(sig), &len), 0);
	CHECK_INT(len, 64);
	CHECK_INT(sig_sign(k384, (struct sig_alg){ SIG_ECDSA_RAW, SIG_SHA384 }, sig, 8, sig,
			   sizeof(sig), &len), 0);
	CHECK_INT(len, 96);
	CHECK_INT(sig_legacy_method(SIG_KEY_RSA, &method, &a), 0);
	CHECK(method == 1 && a.scheme == SIG_RSA_PKCS1 && a.hash == SIG_SHA1);
	CHECK_INT(sig_legacy_method(SIG_KEY_P384, &method, &a), 0);
	CHECK(method == 10 && a.scheme == SIG_ECDSA_RAW && a.hash == SIG_SHA384);
	CHECK_INT(sig_legacy_method(SIG_KEY_OTHER, &method, &a), -1);
out:
	sig_key_free(krsa);
	sig_key_free(k256);
	sig_key_free(k384);
}

static void test_loading(void)
{
	struct x509_cert **list, *c;
	struct sig_key *k;
	uint8_t der[4096];
	size_t n, len;

	CHECK_INT(x509_load_pem(at("rsa-chain.pem"), &list, &n, why, sizeof(why)), 0);
	CHECK_INT(n, 2);
	x509_list_free(list, n);
	CHECK_INT(x509_load_pem(at("nosuch.pem"), &list, &n, why, sizeof(why)), -1);
	CHECK_CONTAINS(why, "cannot open");
	CHECK_INT(x509_load_pem(at("rsa.key"), &list, &n, why, sizeof(why)), -1);
	CHECK_CONTAINS(why, "holds no certificate");
	CHECK_INT(sig_key_load(at("encrypted.key"), &k, why, sizeof(why)), -1);
	CHECK_CONTAINS(why, "no private key mcvpn can read (PEM, unencrypted");
	CHECK_INT(sig_key_load(at("rsa.pem"), &k, why, sizeof(why)), -1);

	len = slurp("rsa.der", der, sizeof(der) - 1);
	CHECK_INT(x509_from_der(der, len, &c, why, sizeof(why)), 0);
	if (c) {
		const uint8_t *again = x509_der(c, &n);
		CHECK(n == len && memcmp(again, der, len) == 0);
		x509_free(c);
	}
	der[len] = 0;
	CHECK_INT(x509_from_der(der, len + 1, &c, why, sizeof(why)), -1);
	CHECK_CONTAINS(why, "followed by other bytes");
	CHECK_INT(x509_from_der(der, len - 1, &c, why, sizeof(why)), -1);
	CHECK_INT(x509_from_der(der + 1, len - 1, &c, why, sizeof(why)), -1);
	CHECK_CONTAINS(why, "not an X.509 certificate");
}

static void test_chains(struct x509_cert *ca, struct x509_cert *in, struct x509_cert *rsa,
			struct x509_cert *p256)
{
	struct x509_cert *other = cert("other.pem"), *noku = cert("noku.pem"), *mail = cert("mail.pem");
	struct x509_cert *stranger = cert("stranger.pem");
	struct x509_cert *chain[] = { in }, *cas[] = { ca }, *ints[] = { in }, *pin[] = { rsa };
	struct x509_cert *others[] = { other };
	char subj[200];

	CHECK_INT(x509_verify(rsa, chain, 1, cas, 1, now, why, sizeof(why)), 0);
	CHECK_INT(x509_verify(p256, NULL, 0, cas, 1, now, why, sizeof(why)), 0);
	/* the intermediate as the peer's CA (rightca=): trusted as it is */
	CHECK_INT(x509_verify(rsa, NULL, 0, ints, 1, now, why, sizeof(why)), 0);
	/* a pinned certificate (rightcert=) */
	CHECK_INT(x509_verify(rsa, NULL, 0, pin, 1, now, why, sizeof(why)), 0);
	CHECK_INT(x509_verify(p256, NULL, 0, pin, 1, now, why, sizeof(why)), -1);
	/* the intermediate not sent */
	CHECK_INT(x509_verify(rsa, NULL, 0, cas, 1, now, why, sizeof(why)), -1);
	CHECK_CONTAINS(why, "unable to get local issuer certificate");
	CHECK_CONTAINS(why, "CN=vpn.example.com");
	/* another CA's certificate, with the same name */
	CHECK_INT(x509_verify(stranger, NULL, 0, cas, 1, now, why, sizeof(why)), -1);
	CHECK_INT(x509_verify(rsa, chain, 1, others, 1, now, why, sizeof(why)), -1);
	/* time: a century on, and before it was made */
	CHECK_INT(x509_verify(rsa, chain, 1, cas, 1, now + 200LL * 365 * 86400, why, sizeof(why)), -1);
	CHECK_CONTAINS(why, "expired");
	CHECK_INT(x509_verify(rsa, chain, 1, cas, 1, now - 30LL * 86400, why, sizeof(why)), -1);
	CHECK_CONTAINS(why, "not yet valid");
	/* what it may be used for */
	CHECK_INT(x509_verify(noku, NULL, 0, cas, 1, now, why, sizeof(why)), -1);
	CHECK_CONTAINS(why, "key usage allows no signatures");
	CHECK_INT(x509_verify(mail, NULL, 0, cas, 1, now, why, sizeof(why)), -1);
	CHECK_CONTAINS(why, "extended key usage");
	/* strength: RSA-1024, a SHA-1 signature */
	struct x509_cert *weak = cert("weak.pem"), *sha1 = cert("sha1.pem");
	CHECK(weak && sha1);
	if (weak && sha1) {
		CHECK_INT(x509_verify(weak, NULL, 0, cas, 1, now, why, sizeof(why)), -1);
		CHECK_CONTAINS(why, "key too weak");
		CHECK_CONTAINS(why, "CN=weak.example");
		CHECK_INT(x509_verify(sha1, NULL, 0, cas, 1, now, why, sizeof(why)), -1);
		CHECK_CONTAINS(why, "too weak");
	}
	x509_free(weak);
	x509_free(sha1);
	CHECK_INT(x509_verify(rsa, chain, 1, NULL, 0, now, why, sizeof(why)), -1);
	x509_subject_str(rsa, subj, sizeof(subj));
	CHECK_STR(subj, "O=mcvpn test, CN=vpn.example.com");
	x509_free(other);
	x509_free(noku);
	x509_free(mail);
	x509_free(stranger);
}

static void test_ids(struct x509_cert *ca, struct x509_cert *rsa, struct x509_cert *p384)
{
	static const uint8_t v4[] = { 203, 0, 113, 20 }, v4b[] = { 203, 0, 113, 21 };
	static const uint8_t v6[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20 };
	const uint8_t *dn;
	size_t len;

#define ID(t, s) x509_matches_id(rsa, t, (const uint8_t *)(s), strlen(s), why, sizeof(why))
	CHECK_INT(ID(X509_ID_FQDN, "vpn.example.com"), 0);
	CHECK_INT(ID(X509_ID_FQDN, "VPN.Example.COM"), 0);
	CHECK_INT(ID(X509_ID_FQDN, "vpn.example.co"), -1);
	CHECK_CONTAINS(why, "none of the certificate's subjectAltNames");
	CHECK_INT(ID(X509_ID_FQDN, "other.example.com"), -1);
	CHECK_INT(ID(X509_ID_RFC822, "ops@example.com"), 0);
	CHECK_INT(ID(X509_ID_RFC822, "vpn.example.com"), -1);	/* a DNS name is no address */
#undef ID
	CHECK_INT(x509_matches_id(rsa, X509_ID_IPV4, v4, 4, why, sizeof(why)), 0);
	CHECK_INT(x509_matches_id(rsa, X509_ID_IPV4, v4b, 4, why, sizeof(why)), -1);
	CHECK_INT(x509_matches_id(rsa, X509_ID_IPV6, v6, 16, why, sizeof(why)), 0);
	CHECK_INT(x509_matches_id(rsa, X509_ID_IPV6, v6, 4, why, sizeof(why)), -1);
	dn = x509_subject_der(rsa, &len);
	CHECK_INT(x509_matches_id(rsa, X509_ID_DN, dn, len, why, sizeof(why)), 0);
	CHECK_INT(x509_matches_id(rsa, X509_ID_DN, dn, len - 1, why, sizeof(why)), -1);
	dn = x509_subject_der(ca, &len);
	CHECK_INT(x509_matches_id(rsa, X509_ID_DN, dn, len, why, sizeof(why)), -1);
	CHECK_CONTAINS(why, "not the certificate's subject");
	/* no subjectAltName: its CN is not an FQDN ID */
	CHECK_INT(x509_matches_id(p384, X509_ID_FQDN, (const uint8_t *)"p384.example", 12, why,
				  sizeof(why)), -1);
}

/* DNs as operators write them: the subject openssl(1) wrote (PrintableString
 * or UTF8String, whichever it chose) equals the one parsed from text, in
 * either form; every malformed one says why. */
static void test_dns(struct x509_cert *rsa)
{
	uint8_t der[512];
	char text[300];
	const uint8_t *subj;
	size_t len, slen;

	subj = x509_subject_der(rsa, &slen);
	CHECK_INT(x509_dn_parse("O=mcvpn test, CN=vpn.example.com", der, sizeof(der), &len, why,
				sizeof(why)), 0);
	CHECK(x509_dn_equal(der, len, subj, slen));
	CHECK_INT(x509_dn_parse("/O=mcvpn test/CN=vpn.example.com", der, sizeof(der), &len, why,
				sizeof(why)), 0);
	CHECK(x509_dn_equal(der, len, subj, slen));
	CHECK_INT(x509_dn_parse("  O = mcvpn test ,CN= VPN.example.com", der, sizeof(der), &len, why,
				sizeof(why)), 0);
	CHECK(x509_dn_equal(der, len, subj, slen));	/* X.509 compares case-blind */
	CHECK_INT(x509_dn_parse("CN=vpn.example.com, O=mcvpn test", der, sizeof(der), &len, why,
				sizeof(why)), 0);
	CHECK(!x509_dn_equal(der, len, subj, slen));	/* order matters */
	CHECK_INT(x509_dn_parse("O=a\\, b, CN=x", der, sizeof(der), &len, why, sizeof(why)), 0);
	x509_dn_text(der, len, text, sizeof(text));
	CHECK_STR(text, "O=a\\, b, CN=x");
	x509_dn_text(subj, slen, text, sizeof(text));
	CHECK_STR(text, "O=mcvpn test, CN=vpn.example.com");
	CHECK_INT(x509_dn_parse("E=ops@example.com, C=JP", der, sizeof(der), &len, why, sizeof(why)), 0);
	CHECK(!x509_dn_equal(der, len - 1, subj, slen));
	x509_dn_text(der, len - 1, text, sizeof(text));
	CHECK_STR(text, "(not a DN)");
	/* a peer's subject may hold terminal controls and bidi overrides:
	 * printed as \\XX (never a raw byte outside printable ASCII), and
	 * the printed text parses back to the same name */
	{
		uint8_t again[512];
		size_t alen;
		bool clean = true;
		CHECK_INT(x509_dn_parse("O=bank\\E2\\80\\AEgpj.exe\\C2\\9B31m\\1b, CN=x", der,
					sizeof(der), &len, why, sizeof(why)), 0);
		x509_dn_text(der, len, text, sizeof(text));
		for (const char *c = text; *c; c++)
			clean = clean && (unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f;
		CHECK(clean);
		CHECK_CONTAINS(text, "\\E2\\80\\AE");
		CHECK_INT(x509_dn_parse(text, again, sizeof(again), &alen, why, sizeof(why)), 0);
		CHECK(x509_dn_equal(der, len, again, alen));
		/* an escaped blank at the end is kept, an unescaped one trimmed */
		CHECK_INT(x509_dn_parse("CN=x\\ ", der, sizeof(der), &len, why, sizeof(why)), 0);
		CHECK_INT(x509_dn_parse("CN=x\\20", again, sizeof(again), &alen, why, sizeof(why)), 0);
		CHECK(x509_dn_equal(der, len, again, alen));
		CHECK_INT(x509_dn_parse("CN=x ", again, sizeof(again), &alen, why, sizeof(why)), 0);
		CHECK(alen == len - 1);	/* (X.509's comparison ignores it anyway) */
	}
	CHECK_INT(x509_dn_parse("O=x, XYZ=1", der, sizeof(der), &len, why, sizeof(why)), -1);
	CHECK_CONTAINS(why, "XYZ= is not an attribute");
	CHECK_INT(x509_dn_parse("vpn.example.com", der, sizeof(der), &len, why, sizeof(why)), -1);
	CHECK_CONTAINS(why, "is not NAME=value");
	CHECK_INT(x509_dn_parse("C=JPN", der, sizeof(der), &len, why, sizeof(why)), -1);
	CHECK_CONTAINS(why, "not a valid value");
	CHECK_INT(x509_dn_parse("", der, sizeof(der), &len, why, sizeof(why)), -1);
	CHECK_CONTAINS(why, "empty");
	CHECK_INT(x509_dn_parse("O=mcvpn test, CN=vpn.example.com", der, 10, &len, why, sizeof(why)), -1);
	CHECK_CONTAINS(why, "too long");
}

static void test_spki(struct x509_cert *ca)
{
	uint8_t h[20];
	char hex[41], want[64] = "";

	slurp("ca.spki.sha1", (uint8_t *)want, sizeof(want) - 1);
	want[40] = '\0';
	CHECK_INT(x509_spki_sha1(ca, h), 0);
	for (int i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	CHECK_STR(hex, want);
}

int main(int argc, char **argv)
{
	struct x509_cert *ca, *in, *rsa, *p256, *p384;

	if (argc != 2) {
		fprintf(stderr, "usage: test_x509 DIR (made by mkcerts.sh)\n");
		return 2;
	}
	dir = argv[1];
	now = time(NULL);
	ca = cert("ca.pem"), in = cert("int.pem"), rsa = cert("rsa.pem");
	p256 = cert("p256.pem"), p384 = cert("p384.pem");
	CHECK(ca && in && rsa && p256 && p384);
	test_algids();
	test_loading();
	if (ca && in && rsa && p256 && p384) {
		test_theirs(rsa, p256);
		test_ours(rsa, p256, p384);
		test_chains(ca, in, rsa, p256);
		test_ids(ca, rsa, p384);
		test_spki(ca);
		test_dns(rsa);
		CHECK(x509_equal(rsa, rsa) && !x509_equal(rsa, ca) && !x509_equal(p256, p384));
	}
	x509_free(ca);
	x509_free(in);
	x509_free(rsa);
	x509_free(p256);
	x509_free(p384);
	return check_summary("crypto-x509");
}
