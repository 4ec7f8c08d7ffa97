/* SPDX-License-Identifier: Apache-2.0 */
/* Certificate authentication in the configuration: authby= forms, the
 * certificate keys read by end (the swap), relative file names, IDs from
 * and against certificates, private keys in secrets files, every problem
 * with its message, reload equality and conf_resolve_again.  Run by
 * certs_test.sh over a PKI from tests/unit/crypto/mkcerts.sh in DIR (plus
 * an expired certificate and a renewed rsa.pem). */
#include <sys/stat.h>
#include <unistd.h>

#include "conf_test.h"
#include "crypto/sig.h"
#include "crypto/x509.h"

static const char *dir;

/* Lines 1-5; line 6 on: extra. */
#define CONN "conn t\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tvti-interface=v\n"

#define SHA2 (1u << SIG_SHA256 | 1u << SIG_SHA384 | 1u << SIG_SHA512)

static char conf_path[1024], secrets_path[1024];

/* DIR/t.conf and DIR/t.secrets from texts (relative names resolve in DIR);
 * host: the addresses of this host (NULL: not known). */
static int load(const char *conf_text, const char *secrets, const struct conf_host *h,
		struct conf **cf, struct conf_diag *d)
{
	struct conf_file f[2] = {
		{ conf_path, conf_text, CONF_FILE_CONF },
		{ secrets_path, secrets ? secrets : "", CONF_FILE_SECRETS },
	};

	*cf = NULL;
	memset(d, 0, sizeof(*d));
	return conf_load_files(f, 2, h, cf, d);
}

/* Loads; the conf (the caller frees it), or NULL with the messages shown. */
static struct conf *good(const char *conf_text, const char *secrets)
{
	struct conf *cf;
	struct conf_diag d;

	if (load(conf_text, secrets, NULL, &cf, &d) < 0) {
		fprintf(stderr, "unexpected failure of:\n%s---\n", conf_text);
		diag_print_all(&d);
	}
	CHECK(cf != NULL);
	conf_diag_free(&d);
	return cf;
}

/* Fails, with a problem that contains want. */
static void bad(const char *conf_text, const char *secrets, const char *want)
{
	struct conf *cf;
	struct conf_diag d;

	CHECK_INT(load(conf_text, secrets, NULL, &cf, &d), -1);
	CHECK_PROBLEM(&d, want);
	conf_free(cf);
	conf_diag_free(&d);
}

static const char rsa_secrets[] = ": RSA rsa.key\n";
static const char both_secrets[] = ": RSA rsa.key\n: ECDSA p256.key\n";

/* A conn with authby=v and our certificate of the matching type. */
static void authby_one(const char *v, const char *cert, uint8_t keys, uint8_t hashes)
{
	char text[1024];
	struct conf *cf;

	snprintf(text, sizeof(text), CONN "\tauthby=%s\n\tleftcert=%s\n\trightca=ca.pem\n", v, cert);
	cf = good(text, both_secrets);
	if (!cf)
		return;
	CHECK_INT(cf->conns[0].authby, CONF_AUTHBY_SIG);
	CHECK_INT(cf->conns[0].sig_keys, keys);
	CHECK_INT(cf->conns[0].sig_hashes, hashes);
	conf_free(cf);
}

static void test_authby(void)
{
	const uint8_t R = CONF_SIGKEY_RSA, E = CONF_SIGKEY_ECDSA;
	const uint8_t h256 = 1u << SIG_SHA256, h384 = 1u << SIG_SHA384, h512 = 1u << SIG_SHA512;

	authby_one("rsasig", "rsa.pem", R, SHA2);
	authby_one("rsa", "rsa.pem", R, SHA2);
	authby_one("rsa-sha2", "rsa.pem", R, SHA2);
	authby_one("rsa-sha2_256", "rsa.pem", R, h256);
	authby_one("rsa-sha2_384", "rsa.pem", R, h384);
	authby_one("rsa-sha2_512", "rsa.pem", R, h512);
	authby_one("ecdsa", "p256.pem", E, SHA2);
	authby_one("ecdsa-sha2", "p256.pem", E, SHA2);
	authby_one("ecdsa-sha2_256", "p256.pem", E, h256);
	authby_one("ecdsa-sha2_384", "p256.pem", E, h384);
	authby_one("ecdsa-sha2_512", "p256.pem", E, h512);
	authby_one("rsasig,ecdsa", "rsa.pem", R | E, SHA2);
	authby_one("rsasig,ecdsa", "p256.pem", R | E, SHA2);
	authby_one("rsa-sha2_256,ecdsa-sha2_384", "p256.pem", R | E, h256 | h384);
	authby_one("rsa-sha2_256,rsa-sha2_512", "rsa.pem", R, h256 | h512);
	authby_one("\"rsa-sha2_384, ecdsa-sha2_512\"", "rsa.pem", R | E, h384 | h512);
	authby_one("pubkey", "rsa.pem", R | E, SHA2);
	authby_one("ecdsasig", "p256.pem", E, SHA2);

	/* secret and psk: as before, no certificate, no key types */
	for (int i = 0; i < 2; i++) {
		struct conf *cf = good(i ? CONN "\tauthby=psk\n" : CONN "\tauthby=secret\n", TEST_SECRETS);

		if (cf) {
			CHECK_INT(cf->conns[0].authby, CONF_AUTHBY_SECRET);
			CHECK_INT(cf->conns[0].sig_keys, 0);
			CHECK(cf->conns[0].certs == NULL);
			CHECK(cf->conns[0].psk != NULL);
		}
		conf_free(cf);
	}
	bad(CONN "\tauthby=rsa-sha1\n", TEST_SECRETS,
	    "t.conf:5: conn \"t\": authby=rsa-sha1: rsa-sha1: SHA-1 signatures are not accepted");
	bad(CONN "\tauthby=rsasig,rsa-sha1\n", TEST_SECRETS, "SHA-1 signatures are not accepted");
	bad(CONN "\tauthby=null\n", TEST_SECRETS, "authby=null: null: NULL authentication (RFC 7619) is not supported");
	bad(CONN "\tauthby=never\n", TEST_SECRETS, "authby=never: never: never is for conns that do not negotiate");
	bad(CONN "\tauthby=eddsa\n", TEST_SECRETS, "EdDSA signatures are not supported");
	bad(CONN "\tauthby=secret,rsasig\n", TEST_SECRETS,
	    "authby=secret,rsasig: a shared secret and signatures cannot be mixed");
	bad(CONN "\tauthby=rsasig,psk\n", TEST_SECRETS, "a shared secret and signatures cannot be mixed");
	bad(CONN "\tauthby=rsasig,,ecdsa\n", TEST_SECRETS, "without empty items");
	bad(CONN "\tauthby=rsasig,\n", TEST_SECRETS, "without empty items");
	bad(CONN "\tauthby=dsa\n", TEST_SECRETS, "authby=dsa: dsa: expected secret, rsasig, ecdsa");
	bad(CONN "\tauthby=rsasig,averyveryverylongmethodnamethatgoesonandon\n", TEST_SECRETS,
	    ": averyveryverylongmethodnamethat: expected secret, rsasig");
	/* the certificate's key type must be one authby= allows */
	bad(CONN "\tauthby=ecdsa\n\tleftcert=rsa.pem\n\trightca=ca.pem\n", rsa_secrets,
	    "t.conf:6: conn \"t\": leftcert=rsa.pem: an RSA key, which authby= does not allow (add rsasig to it)");
	bad(CONN "\tauthby=rsa-sha2_256\n\tleftcert=p256.pem\n\trightca=ca.pem\n", both_secrets,
	    "leftcert=p256.pem: an ECDSA key, which authby= does not allow (add ecdsa to it)");
}

/* What the engine reads, for the plain case: relative names, a chain. */
static void test_basic(void)
{
	struct conf *cf = good(CONN "\tauthby=rsasig\n\tleftcert=rsa-chain.pem\n\trightca=ca.pem\n",
			       ": RSA rsa.key\n");
	const struct conf_conn *c;
	char subj[200];

	if (!cf)
		return;
	c = &cf->conns[0];
	CHECK(c->certs != NULL);
	CHECK_INT(c->certs->n_leftcert, 2);
	CHECK(c->certs->leftkey != NULL);
	if (c->certs->leftkey)
		CHECK(sig_key_matches(c->certs->leftkey, x509_pub(c->certs->leftcert[0])));
	x509_subject_str(c->certs->leftcert[1], subj, sizeof(subj));
	CHECK_CONTAINS(subj, "Test Intermediate CA");
	CHECK_INT(c->certs->n_rightca, 1);
	CHECK(c->certs->rightcert == NULL);
	CHECK(c->psk == NULL);
	CHECK_INT(c->sendcert, CONF_SENDCERT_ALWAYS);
	/* leftid: the certificate's subject; rightid: the peer's address */
	CHECK_INT(c->leftid.type, CONF_ID_DN);
	CHECK_STR(c->leftid.text, "O=mcvpn test, CN=vpn.example.com");
	{
		size_t len;
		const uint8_t *der = x509_subject_der(c->certs->leftcert[0], &len);

		CHECK_INT(c->leftid.len, len);
		CHECK_MEM(c->leftid.data, der, len);
	}
	CHECK_INT(c->rightid.type, CONF_ID_IPV4);
	CHECK_STR(c->rightid.text, "192.0.2.2");
	conf_free(cf);

	/* absolute names; a PKCS8 entry; IDs before ':' are allowed (ignored) */
	{
		char text[2048], sec[1024];

		snprintf(text, sizeof(text), CONN "\tauthby=ecdsa\n\tleftcert=%s/p256.pem\n"
			 "\trightcert=%s/p384.pem\n", dir, dir);
		snprintf(sec, sizeof(sec), "@p256.example %%any : PKCS8 %s/p256.key\n", dir);
		cf = good(text, sec);
		if (cf) {
			c = &cf->conns[0];
			CHECK(c->certs && c->certs->leftkey && c->certs->rightcert);
			CHECK_INT(c->certs->n_rightca, 0);
			/* rightid: the pinned certificate's subject */
			CHECK_INT(c->rightid.type, CONF_ID_DN);
			CHECK_STR(c->rightid.text, "O=mcvpn test, CN=p384.example");
		}
		conf_free(cf);
	}
}

/* leftsendcert= spellings, by end. */
/* A PSK conn and a certificate conn to one peer with the same IDs: the
 * peer's AUTH tells them apart (ike/match.c), so both load; two
 * certificate conns alike do not. */
static void test_distinct(void)
{
	struct conf *cf = good(CONN "\tauto=add\n\tleftid=@vpn.example.com\n\trightid=192.0.2.2\n"
			       "conn c\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tvti-interface=w\n"
			       "\tauto=add\n\tauthby=rsasig\n\tleftid=@vpn.example.com\n"
			       "\trightid=192.0.2.2\n"
			       "\tleftcert=rsa.pem\n\trightca=ca.pem\n",
			       "@vpn.example.com 192.0.2.2 : PSK \"a PSK of decent length for conn t\"\n"
			       ": RSA rsa.key\n");

	CHECK(cf && cf->n_conns == 2);
	conf_free(cf);
	bad(CONN "\tauto=add\n\tauthby=rsasig\n\tleftcert=rsa.pem\n\trightca=ca.pem\n"
	    "conn c\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tvti-interface=w\n"
	    "\tauto=add\n\tauthby=rsasig\n\tleftcert=rsa.pem\n\trightca=ca.pem\n",
	    rsa_secrets, "conn \"c\" cannot be told apart from conn \"t\"");
}

static void test_sendcert(void)
{
	static const struct { const char *v; enum conf_sendcert s; } t[] = {
		{ "always", CONF_SENDCERT_ALWAYS }, { "yes", CONF_SENDCERT_ALWAYS },
		{ "alwayssend", CONF_SENDCERT_ALWAYS }, { "ifasked", CONF_SENDCERT_IFASKED },
		{ "sendifasked", CONF_SENDCERT_IFASKED }, { "never", CONF_SENDCERT_NEVER },
		{ "no", CONF_SENDCERT_NEVER },
	};
	char text[1024];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct conf *cf;

		snprintf(text, sizeof(text), CONN "\tauthby=rsasig\n\tleftcert=rsa.pem\n\trightca=ca.pem\n"
			 "\tleftsendcert=%s\n\trightsendcert=ifasked\n", t[i].v);
		cf = good(text, rsa_secrets);
		if (cf)
			CHECK_INT(cf->conns[0].sendcert, t[i].s);
		conf_free(cf);
	}
	/* the peer's rightsendcert= is not ours */
	{
		struct conf *cf = good(CONN "\tauthby=rsasig\n\tleftcert=rsa.pem\n\trightca=ca.pem\n"
				       "\trightsendcert=never\n", rsa_secrets);

		if (cf)
			CHECK_INT(cf->conns[0].sendcert, CONF_SENDCERT_ALWAYS);
		conf_free(cf);
	}
	bad(CONN "\tleftsendcert=sometimes\n", TEST_SECRETS,
	    "t.conf:5: conn \"t\": leftsendcert=sometimes: expected always, ifasked or never");
}

/* One file for both hosts: on the host that is right=, rightcert= is ours
 * and leftcert= the peer's (pinned), leftca= the peer's CAs. */
static void test_swap(void)
{
	struct conf_host_addr a = { .dev = "eth0" };
	struct conf_host h = { .addrs = &a, .n_addrs = 1 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&a.addr;
	static const char text[] = CONN "\tauthby=rsasig,ecdsa\n\tleftcert=p256.pem\n\tleftca=other.pem\n"
		"\trightcert=rsa-chain.pem\n\trightca=ca.pem\n\trightsendcert=never\n\tleftsendcert=ifasked\n";
	struct conf *cf;
	struct conf_diag d;
	char subj[200];

	sin->sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.2", &sin->sin_addr);
	if (load(text, both_secrets, &h, &cf, &d) < 0)
		diag_print_all(&d);
	CHECK(cf != NULL);
	if (cf) {
		const struct conf_conn *c = &cf->conns[0];

		CHECK(c->swapped);
		CHECK(c->certs != NULL);
		CHECK_INT(c->certs->n_leftcert, 2);
		x509_subject_str(c->certs->leftcert[0], subj, sizeof(subj));
		CHECK_CONTAINS(subj, "vpn.example.com");
		CHECK(c->certs->leftkey && sig_key_type(c->certs->leftkey) == SIG_KEY_RSA);
		CHECK(c->certs->rightcert != NULL);
		if (c->certs->rightcert) {
			x509_subject_str(c->certs->rightcert, subj, sizeof(subj));
			CHECK_CONTAINS(subj, "p256.example");
		}
		CHECK_INT(c->certs->n_rightca, 1);	/* leftca=other.pem */
		if (c->certs->n_rightca) {
			x509_subject_str(c->certs->rightca[0], subj, sizeof(subj));
			CHECK_CONTAINS(subj, "Other CA");
		}
		CHECK_INT(c->sendcert, CONF_SENDCERT_NEVER);	/* rightsendcert= */
		CHECK_STR(c->leftid.text, "O=mcvpn test, CN=vpn.example.com");
		CHECK_STR(c->rightid.text, "O=mcvpn test, CN=p256.example");
		/* our rightca=ca.pem: the chain leads to it, no warning */
		CHECK(diag_note_find(&d, "rightca=") == NULL);
	}
	conf_free(cf);
	conf_diag_free(&d);
	/* %fromcert and %any by end: on right's host rightid=%fromcert is ours */
	if (load(CONN "\tauthby=rsasig,ecdsa\n\tleftcert=p256.pem\n\tleftid=%any\n"
		 "\trightcert=rsa.pem\n\trightid=%fromcert\n\trightca=ca.pem\n", both_secrets, &h, &cf, &d) < 0)
		diag_print_all(&d);
	CHECK(cf != NULL);
	if (cf) {
		CHECK_INT(cf->conns[0].leftid.type, CONF_ID_DN);
		CHECK_STR(cf->conns[0].leftid.text, "O=mcvpn test, CN=vpn.example.com");
		CHECK_INT(cf->conns[0].rightid.type, CONF_ID_ANY);
		CHECK_STR(cf->conns[0].rightid.text, "%any");
	}
	conf_free(cf);
	conf_diag_free(&d);
	/* the same file on left's host: left's key (p256) must be there */
	bad(text, rsa_secrets, "t.conf:6: conn \"t\": leftcert=p256.pem: no private key in *.secrets is "
	    "this certificate's: add `: ECDSA /path/to/its-key.pem`");
}

static void id_good(const char *extra, const char *secrets, enum conf_id_type lt, const char *ltext,
		    enum conf_id_type rt, const char *rtext)
{
	char text[2048];
	struct conf *cf;

	snprintf(text, sizeof(text), CONN "\tauthby=rsasig,ecdsa\n%s", extra);
	cf = good(text, secrets);
	if (!cf)
		return;
	CHECK_INT(cf->conns[0].leftid.type, lt);
	CHECK_STR(cf->conns[0].leftid.text, ltext);
	CHECK_INT(cf->conns[0].rightid.type, rt);
	CHECK_STR(cf->conns[0].rightid.text, rtext);
	if (rt == CONF_ID_ANY)
		CHECK_INT(cf->conns[0].rightid.len, 0);
	conf_free(cf);
}

static void test_ids(void)
{
	const char *ours = "\tleftcert=rsa.pem\n\trightca=ca.pem\n";
	char e[1024];

	/* leftid given: one the certificate names */
	snprintf(e, sizeof(e), "%s\tleftid=@vpn.example.com\n", ours);
	id_good(e, rsa_secrets, CONF_ID_FQDN, "@vpn.example.com", CONF_ID_IPV4, "192.0.2.2");
	snprintf(e, sizeof(e), "%s\tleftid=203.0.113.20\n", ours);
	id_good(e, rsa_secrets, CONF_ID_IPV4, "203.0.113.20", CONF_ID_IPV4, "192.0.2.2");
	snprintf(e, sizeof(e), "%s\tleftid=ops@example.com\n", ours);
	id_good(e, rsa_secrets, CONF_ID_RFC822, "ops@example.com", CONF_ID_IPV4, "192.0.2.2");
	/* a DN as libreswan quotes it; the '/' form too; compared as names */
	snprintf(e, sizeof(e), "%s\tleftid=\"O=mcvpn test, CN=vpn.example.com\"\n", ours);
	id_good(e, rsa_secrets, CONF_ID_DN, "O=mcvpn test, CN=vpn.example.com", CONF_ID_IPV4, "192.0.2.2");
	snprintf(e, sizeof(e), "%s\tleftid=\"/O=mcvpn test/CN=vpn.example.com\"\n", ours);
	id_good(e, rsa_secrets, CONF_ID_DN, "/O=mcvpn test/CN=vpn.example.com", CONF_ID_IPV4, "192.0.2.2");
	/* %fromcert: ours the subject; the peer's any it proves */
	snprintf(e, sizeof(e), "%s\tleftid=%%fromcert\n\trightid=%%fromcert\n", ours);
	id_good(e, rsa_secrets, CONF_ID_DN, "O=mcvpn test, CN=vpn.example.com", CONF_ID_ANY, "%fromcert");
	snprintf(e, sizeof(e), "%s\trightid=%%any\n", ours);
	id_good(e, rsa_secrets, CONF_ID_DN, "O=mcvpn test, CN=vpn.example.com", CONF_ID_ANY, "%any");
	/* rightid a DN against the pinned certificate */
	id_good("\tleftcert=rsa.pem\n\trightcert=p256.pem\n\trightid=\"O=mcvpn test, CN=p256.example\"\n",
		rsa_secrets, CONF_ID_DN, "O=mcvpn test, CN=vpn.example.com", CONF_ID_DN,
		"O=mcvpn test, CN=p256.example");
	id_good("\tleftcert=rsa.pem\n\trightcert=p256.pem\n\trightid=@p256.example\n",
		rsa_secrets, CONF_ID_DN, "O=mcvpn test, CN=vpn.example.com", CONF_ID_FQDN, "@p256.example");
	/* with only rightca=, a DN the peer's certificate must hold */
	id_good("\tleftcert=rsa.pem\n\trightca=ca.pem\n\trightid=\"C=JP, O=Example, CN=vpn\"\n",
		rsa_secrets, CONF_ID_DN, "O=mcvpn test, CN=vpn.example.com", CONF_ID_DN,
		"C=JP, O=Example, CN=vpn");

	bad(CONN "\tauthby=rsasig\n\tleftcert=rsa.pem\n\trightca=ca.pem\n\tleftid=@nope.example\n", rsa_secrets,
	    "t.conf:8: conn \"t\": leftid=@nope.example is not a name leftcert=rsa.pem holds (");
	bad(CONN "\tauthby=rsasig\n\tleftcert=rsa.pem\n\trightca=ca.pem\n\tleftid=\"O=mcvpn test, CN=other\"\n",
	    rsa_secrets, "leftid=O=mcvpn test, CN=other is not a name leftcert=rsa.pem holds (its subject is another name)");
	bad(CONN "\tauthby=rsasig\n\tleftcert=rsa.pem\n\trightcert=p256.pem\n\trightid=@vpn.example.com\n",
	    rsa_secrets, "t.conf:8: conn \"t\": rightid=@vpn.example.com is not a name rightcert=p256.pem holds (");
	bad(CONN "\tauthby=rsasig\n\trightca=ca.pem\n\tleftid=%fromcert\n", rsa_secrets,
	    "t.conf:5: conn \"t\": authby= signatures need leftcert= (this host's certificate, a PEM file; "
	    "this host is left); %fromcert in its ID has none");
	bad(CONN "\tauthby=rsasig\n\tleftcert=rsa.pem\n\trightca=ca.pem\n\tleftid=%any\n", rsa_secrets,
	    "t.conf:8: conn \"t\": leftid=%any is this host's end");
	/* a DN with a PSK: the secrets' DN (no blanks) is the same name */
	{
		struct conf *cf = good(CONN "\trightid=\"C=JP, O=Example, CN=vpn\"\n",
				       "192.0.2.1 C=JP,O=Example,CN=other : PSK \"other-one\"\n"
				       "192.0.2.1 C=JP,O=Example,CN=vpn : PSK \"the-dn-one\"\n");

		if (cf && cf->conns[0].psk) {
			CHECK_INT(cf->conns[0].rightid.type, CONF_ID_DN);
			CHECK_INT(cf->conns[0].psk->len, 10);
			CHECK_MEM(cf->conns[0].psk->buf, "the-dn-one", 10);
		}
		conf_free(cf);
	}
	bad(CONN "\trightid=%any\n", TEST_SECRETS,
	    "t.conf:5: conn \"t\": rightid=%any needs certificates (authby=rsasig or ecdsa)");
}

static void test_problems(void)
{
	bad(CONN "\tauthby=rsasig\n\tleftcert=rsa.pem\n", rsa_secrets,
	    "t.conf:5: conn \"t\": authby= signatures need rightca= (the CA certificates the peer's must "
	    "lead to) or rightcert= (the peer's certificate itself), PEM files");
	bad(CONN "\trightca=ca.pem\n", TEST_SECRETS,
	    "t.conf:5: conn \"t\": rightca= with authby=secret (the default): set authby=rsasig or ecdsa");
	bad(CONN "\tauthby=secret\n\trightcert=p256.pem\n", TEST_SECRETS,
	    "t.conf:6: conn \"t\": rightcert= with authby=secret (as written): set authby=rsasig or ecdsa");
	bad(CONN "\tauthby=rsasig\n\tleftcert=vpnnick\n\trightca=ca.pem\n", rsa_secrets,
	    "t.conf:6: conn \"t\": leftcert=vpnnick: no such file; libreswan names certificates in its NSS "
	    "database, mcvpn reads PEM files: certutil -L -d sql:/var/lib/ipsec/nss -n vpnnick -a > "
	    "/etc/mcvpn.d/vpnnick.pem");
	bad(CONN "\tauthby=rsasig\n\tleftcert=rsa.pem\n\trightca=nope/ca.pem\n", rsa_secrets,
	    "t.conf:7: conn \"t\": rightca=nope/ca.pem: no such file (");
	bad(CONN "\tauthby=rsasig\n\tleftcert=rsa.pem\n\trightca=rsa.key\n", rsa_secrets,
	    "t.conf:7: conn \"t\": rightca=rsa.key: ");
	bad(CONN "\tauthby=rsasig\n\tleftcert=rsa.pem\n\trightcert=rsa-chain.pem\n", rsa_secrets,
	    "t.conf:7: conn \"t\": rightcert=rsa-chain.pem holds 2 certificates: name the peer's own alone");
	bad(CONN "\tauthby=rsasig\n\tleftcert=rsa.pem\n\trightca=ca.pem\n", ": ECDSA p256.key\n",
	    "t.conf:6: conn \"t\": leftcert=rsa.pem: no private key in *.secrets is this certificate's: add "
	    "`: RSA /path/to/its-key.pem`");
	bad(CONN "\tleftcert=a\"b.pem\n", TEST_SECRETS,
	    "t.conf:5: conn \"t\": leftcert=a\"b.pem: expected a file name without quotes or control characters");
	bad(CONN "\trightca=%same\n", TEST_SECRETS, "t.conf:5: conn \"t\": rightca=%same: libreswan names the CA in its NSS database; mcvpn reads the CA certificates from a PEM file: export it (certutil -L -d sql:/var/lib/ipsec/nss -n CANICK -a > /etc/mcvpn.d/ca.pem) and name that file");
	bad(CONN "\tleftca=\"C=JP, O=Example, CN=Example CA\"\n", TEST_SECRETS, "leftca=C=JP, O=Example, CN=Example CA: libreswan names the CA in its NSS database");
	/* a key ID names no certificate */
	bad(CONN "\tauthby=rsasig\n\tleftcert=rsa.pem\n\trightca=ca.pem\n\trightid=@[gw-key]\n",
	    rsa_secrets, "t.conf:8: conn \"t\": rightid=@[gw-key] is a key ID, which no certificate "
	    "names");
	/* more certificates than an IKE_AUTH carries: rsa.pem nine times */
	{
		char path[1100], line[4096];
		snprintf(path, sizeof(path), "%s/nine.pem", dir);
		FILE *out = fopen(path, "w");
		for (int i = 0; out && i < 9; i++) {
			snprintf(line, sizeof(line), "%s/rsa.pem", dir);
			FILE *in = fopen(line, "r");
			size_t got;
			while (in && (got = fread(line, 1, sizeof(line), in)) > 0)
				fwrite(line, 1, got, out);
			if (in)
				fclose(in);
		}
		CHECK(out != NULL);
		if (out)
			fclose(out);
		bad(CONN "\tauthby=rsasig\n\tleftcert=nine.pem\n\trightca=ca.pem\n", rsa_secrets,
		    "t.conf:6: conn \"t\": leftcert=nine.pem holds 9 certificates of ");
	}
	/* no "no PSK" for a conn with signatures, even with no secrets at all
	 * but the key */
	{
		struct conf *cf;
		struct conf_diag d;

		CHECK_INT(load(CONN "\tauthby=rsasig\n\tleftcert=rsa.pem\n\trightca=ca.pem\n", rsa_secrets,
			       NULL, &cf, &d), 0);
		CHECK(diag_find(&d, "no PSK") == NULL);
		conf_free(cf);
		conf_diag_free(&d);
	}
}

/* Warnings: not valid now; our chain not leading to leftca=. */
static void test_warnings(void)
{
	struct conf *cf;
	struct conf_diag d;

	CHECK_INT(load(CONN "\tauthby=rsasig\n\tleftcert=expired.pem\n\trightca=ca.pem\n",
		       ": RSA expired.key\n", NULL, &cf, &d), 0);
	CHECK_WARN(&d, "t.conf:6: warning: conn \"t\": leftcert=: the certificate \"");
	CHECK_WARN(&d, "is not usable now: certificate has expired");
	conf_free(cf);
	conf_diag_free(&d);
	CHECK_INT(load(CONN "\tauthby=rsasig\n\tleftcert=rsa.pem\n\trightcert=expired.pem\n",
		       rsa_secrets, NULL, &cf, &d), 0);
	CHECK_WARN(&d, "t.conf:7: warning: conn \"t\": rightcert=: the certificate");
	conf_free(cf);
	conf_diag_free(&d);
	CHECK_INT(load(CONN "\tauthby=rsasig\n\tleftcert=rsa-chain.pem\n\tleftca=other.pem\n\trightca=ca.pem\n",
		       rsa_secrets, NULL, &cf, &d), 0);
	CHECK_WARN(&d, "t.conf:7: warning: conn \"t\": leftca=other.pem: leftcert=rsa-chain.pem does not lead to it now");
	conf_free(cf);
	conf_diag_free(&d);
	CHECK_INT(load(CONN "\tauthby=rsasig\n\tleftcert=rsa-chain.pem\n\tleftca=ca.pem\n\trightca=ca.pem\n",
		       rsa_secrets, NULL, &cf, &d), 0);
	CHECK(diag_note_find(&d, "leftca=") == NULL);
	conf_free(cf);
	conf_diag_free(&d);
}

static void test_secrets(void)
{
	const char *c = CONN "\tauthby=rsasig\n\tleftcert=rsa.pem\n\trightca=ca.pem\n";
	char path[1200], sec[2600];

	bad(c, ": RSA \"vpnnick\"\n", "t.secrets:1: \"vpnnick\" is a libreswan NSS nickname: mcvpn reads "
	    "the private key from a PEM file: export it ((umask 077 && pk12util -o key.p12 -n "
	    "'vpnnick' -d sql:/var/lib/ipsec/nss -W '' && openssl pkcs12 -in key.p12 -passin pass: "
	    "-nocerts -nodes -out /etc/mcvpn.d/vpnnick.key); rm -f key.p12) and name the file");
	bad(c, ": RSA {\n\tModulus: 0xC0FFEE\n\tPublicExponent: 0x03\n\t}\n",
	    "t.secrets:1: libreswan's raw RSA key block: mcvpn reads private keys from PEM files");
	bad(c, ": RSA rsa.key \"pass phrase\"\n", "t.secrets:1: a passphrase (or %prompt) for the key: "
	    "mcvpnd starts unattended and reads only unencrypted keys; write it without one (openssl "
	    "pkey -in rsa.key -out rsa.key.plain; chmod 600 rsa.key.plain)");
	bad(c, ": RSA rsa.key %prompt\n", "t.secrets:1: a passphrase (or %prompt) for the key");
	{	/* the passphrase itself is never shown */
		struct conf *cf;
		struct conf_diag d;

		CHECK_INT(load(c, ": RSA rsa.key \"hunter2-phrase\"\n", NULL, &cf, &d), -1);
		CHECK(d.n > 0 && diag_find(&d, "hunter2") == NULL && diag_note_find(&d, "hunter2") == NULL);
		conf_diag_free(&d);
	}
	bad(c, ": RSA p256.key\n", "t.secrets:1: key file ");
	bad(c, ": RSA p256.key\n", "p256.key holds an ECDSA key: write : ECDSA FILE");
	bad(c, ": ECDSA rsa.key\n", "rsa.key holds an RSA key: write : RSA FILE");
	bad(c, ": RSA nope.key\n", "t.secrets:1: key file ");
	bad(c, ": RSA nope.key\n", "nope.key: no such file");
	bad(c, ": RSA encrypted.key\n", "(an encrypted key: openssl pkey -in FILE -out FILE.plain");
	bad(c, ": RSA \"rsa.key\n", "t.secrets:1: unterminated quote in the key file's name");
	bad(c, ": RSA\n", "t.secrets:1: missing the key file's name");
	bad(c, ": EC rsa.key\n", "t.secrets:1: this secret type is not supported by mcvpn");
	bad(c, ": RSA /dev/zero\n", "t.secrets:1: key file /dev/zero: not a regular file");
	bad(CONN "\tauthby=rsasig\n\tleftcert=/dev/zero\n\trightca=ca.pem\n", rsa_secrets,
	    "t.conf:6: conn \"t\": leftcert=/dev/zero: not a regular file");
	/* quoted names of files are names */
	conf_free(good(c, ": RSA \"rsa.key\"\n"));
	/* the key file's mode, as the secrets files' */
	snprintf(path, sizeof(path), "%s/rsa.key", dir);
	CHECK_INT(chmod(path, 0640), 0);
	snprintf(sec, sizeof(sec), "t.secrets:1: key file %s: mode 0640 is readable by group; chmod 600 %s",
		 path, path);
	bad(c, rsa_secrets, sec);
	CHECK_INT(chmod(path, 0600), 0);
}

static void copy(const char *from, const char *to)
{
	char a[1200], b[1200], buf[8192];
	FILE *in, *out;
	size_t n;

	snprintf(a, sizeof(a), "%s/%s", dir, from);
	snprintf(b, sizeof(b), "%s/%s", dir, to);
	in = fopen(a, "r");
	out = fopen(b, "w");
	CHECK(in && out);
	while (in && out && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	if (in)
		fclose(in);
	if (out)
		fclose(out);
}

/* A reload: the same files are equal; a renewed certificate is not.
 * conf_resolve_again gives the certificates too (its own copies). */
static void test_reload(void)
{
	const char *c = CONN "\tauthby=rsasig\n\tleftcert=cur.pem\n\trightca=ca.pem\n";
	struct conf *a, *b, *r = NULL;
	struct conf_diag d = { 0 };

	copy("rsa.pem", "cur.pem");
	a = good(c, rsa_secrets);
	b = good(c, rsa_secrets);
	if (a && b)
		CHECK(conf_conn_equal(&a->conns[0], &b->conns[0]));
	conf_free(b);
	copy("rsa-renewed.pem", "cur.pem");
	b = good(c, rsa_secrets);
	if (a && b)
		CHECK(!conf_conn_equal(&a->conns[0], &b->conns[0]));
	/* another rightca= is another conn too */
	conf_free(b);
	copy("rsa.pem", "cur.pem");
	b = good(CONN "\tauthby=rsasig\n\tleftcert=cur.pem\n\trightca=other.pem\n", rsa_secrets);
	if (a && b)
		CHECK(!conf_conn_equal(&a->conns[0], &b->conns[0]));
	conf_free(b);
	b = good(CONN "\tauthby=rsa-sha2_256\n\tleftcert=cur.pem\n\trightca=ca.pem\n", rsa_secrets);
	if (a && b)
		CHECK(!conf_conn_equal(&a->conns[0], &b->conns[0]));
	conf_free(b);
	b = good(CONN "\tauthby=rsasig\n\tleftcert=cur.pem\n\trightca=ca.pem\n\tleftsendcert=never\n",
		 rsa_secrets);
	if (a && b)
		CHECK(!conf_conn_equal(&a->conns[0], &b->conns[0]));
	conf_free(b);
	if (a) {
		CHECK_INT(conf_resolve_again(a, NULL, &r, &d), 0);
		CHECK(r != NULL);
	}
	if (r) {
		CHECK(r->conns[0].certs && r->conns[0].certs != a->conns[0].certs);
		CHECK(r->conns[0].certs->leftkey != NULL);
		CHECK(r->conns[0].certs->leftkey != a->conns[0].certs->leftkey);
		CHECK(conf_conn_equal(&a->conns[0], &r->conns[0]));
	}
	conf_free(a);	/* each its own: no double free */
	conf_free(r);
	conf_diag_free(&d);
}

/* Relative names are relative to the file that names them: a conn in an
 * included file of a subdirectory, a key in a secrets file there; and a
 * directory on disk, as mcvpnd loads it. */
static void test_paths(void)
{
	char main_conf[1200], sub_conf[1200], sub_secrets[1200], ddir[1200], path[1300];
	struct conf *cf = NULL;
	struct conf_diag d = { 0 };
	FILE *f;

	snprintf(main_conf, sizeof(main_conf), "%s/main.conf", dir);
	snprintf(sub_conf, sizeof(sub_conf), "%s/sub/c.conf", dir);
	snprintf(sub_secrets, sizeof(sub_secrets), "%s/sub/k.secrets", dir);
	snprintf(ddir, sizeof(ddir), "%s/sub", dir);
	CHECK_INT(mkdir(ddir, 0700), 0);	/* "sub/.." must lead back to DIR */
	{
		struct conf_file files[] = {
			{ main_conf, "include sub/c.conf\n", CONF_FILE_CONF },
			{ sub_conf, CONN "\tauthby=rsasig\n\tleftcert=../rsa-chain.pem\n\trightca=../ca.pem\n",
			  CONF_FILE_INCLUDED },
			{ sub_secrets, ": RSA ../rsa.key\n", CONF_FILE_SECRETS },
		};

		if (conf_load_files(files, 3, NULL, &cf, &d) < 0)
			diag_print_all(&d);
		CHECK(cf && cf->conns[0].certs && cf->conns[0].certs->n_leftcert == 2 &&
		      cf->conns[0].certs->leftkey);
		conf_free(cf);
		conf_diag_free(&d);
	}
	/* the same names from DIR itself do not exist */
	bad(CONN "\tauthby=rsasig\n\tleftcert=../rsa-chain.pem\n\trightca=ca.pem\n", rsa_secrets,
	    "leftcert=../rsa-chain.pem: no such file");

	/* a directory on disk: conf_load_dir */
	snprintf(ddir, sizeof(ddir), "%s/d", dir);
	CHECK_INT(mkdir(ddir, 0700), 0);
	snprintf(path, sizeof(path), "%s/t.conf", ddir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(CONN "\tauthby=rsasig,ecdsa\n\tleftcert=../p256.pem\n\trightcert=../rsa.pem\n", f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/t.secrets", ddir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(": ECDSA ../p256.key\n", f);
		fclose(f);
		CHECK_INT(chmod(path, 0600), 0);
	}
	if (conf_load_dir(ddir, &cf, &d) < 0)
		diag_print_all(&d);
	CHECK(cf && cf->conns[0].certs && cf->conns[0].certs->leftkey &&
	      cf->conns[0].certs->rightcert && cf->conns[0].sig_keys == (CONF_SIGKEY_RSA | CONF_SIGKEY_ECDSA));
	conf_free(cf);
	conf_diag_free(&d);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR (a PKI from mkcerts.sh)\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	snprintf(conf_path, sizeof(conf_path), "%s/t.conf", dir);
	snprintf(secrets_path, sizeof(secrets_path), "%s/t.secrets", dir);
	test_authby();
	test_basic();
	test_sendcert();
	test_distinct();
	test_swap();
	test_ids();
	test_problems();
	test_warnings();
	test_secrets();
	test_reload();
	test_paths();
	return check_summary("conf-certs");
}
