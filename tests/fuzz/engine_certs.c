/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_ike_engine's certificates: the PKI that run.sh makes with
 * tests/unit/crypto/mkcerts.sh (directory in MCVPN_FUZZ_PKI) is read once,
 * before the first input; each input with CFG_CERTS lends one of the loaded
 * sets to each side (tests/exchange/certs.h) and takes it back before the
 * network is freed.  No file is read per input. */
#include "engine_fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certs.h"
#include "crypto/x509.h"
#include "engine_prog.h"

/* Every distinct set of files a CERTS byte can name, loaded. */
#define MAX_SETS 32
static struct {
	struct certs spec;		/* its file names (the rest varies per input) */
	struct conf_certs *cc;		/* owned, for the process's life */
} sets[MAX_SETS];
static unsigned n_sets;
static bool have_pki;

/* Certificates for CM_SWAP: each set's leftcert[] and rightca[], borrowed. */
#define MAX_DER 64
static struct x509_cert *pool[MAX_DER];
static unsigned n_pool;

/* What the CERTS byte says for each side. */
static void specs(uint8_t c, struct certs *a, struct certs *b)
{
	*a = (struct certs){ .ca = "ca.pem" };
	*b = (struct certs){ .ca = "ca.pem" };
	if (c & CERTS_A_ECDSA)
		a->cert = "a-p256.pem", a->key = "a-p256.key";
	else
		a->cert = "a-rsa-chain.pem", a->key = "a-rsa.key";
	if (c & CERTS_B_ECDSA)
		b->cert = "b-p384.pem", b->key = "b-p384.key";
	else
		b->cert = "rsa-chain.pem", b->key = "rsa.key";
	switch (CERTS_TRUST(c)) {
	case CERTS_TRUST_PIN_B:
		a->send = CONF_SENDCERT_NEVER;
		b->ca = NULL;
		b->pin = c & CERTS_A_ECDSA ? "a-p256.pem" : "a-rsa.pem";
		b->send = CONF_SENDCERT_IFASKED;
		break;
	case CERTS_TRUST_PIN_BOTH:
		a->ca = b->ca = NULL;
		a->pin = c & CERTS_B_ECDSA ? "b-p384.pem" : "rsa.pem";
		b->pin = c & CERTS_A_ECDSA ? "a-p256.pem" : "a-rsa.pem";
		a->send = b->send = CONF_SENDCERT_IFASKED;
		break;
	case CERTS_TRUST_DN:
		a->leftid_dn = b->leftid_dn = true;
		a->rightid_dn = c & CERTS_B_ECDSA ? "O=mcvpn test, CN=b384.example"
						  : "O=mcvpn test, CN=vpn.example.com";
		b->rightid_any = true;
		break;
	default:
		break;
	}
	if (c & CERTS_B_SHA512)
		b->hashes = 1u << SIG_SHA512;
	switch (CERTS_FLAW(c)) {
	case CERTS_FLAW_B_PSK:
		b->psk = true;
		break;
	case CERTS_FLAW_STRANGER:
		a->cert = "stranger.pem", a->key = "stranger.key";
		a->leftid_fqdn = "vpn.example.com", a->leftid_dn = false;
		b->rightid_any = true;
		break;
	case CERTS_FLAW_A_ID:
		a->leftid_fqdn = "not-a.example", a->leftid_dn = false;
		b->rightid_any = true;
		break;
	default:
		break;
	}
}

static bool same(const char *x, const char *y)
{
	return x == y || (x && y && !strcmp(x, y));
}

static struct conf_certs *find(const struct certs *o)
{
	for (unsigned i = 0; i < n_sets; i++)
		if (same(sets[i].spec.cert, o->cert) && same(sets[i].spec.key, o->key) &&
		    same(sets[i].spec.ca, o->ca) && same(sets[i].spec.pin, o->pin))
			return sets[i].cc;
	return NULL;
}

static void pool_add(struct x509_cert *const *list, size_t n)
{
	for (size_t i = 0; i < n && n_pool < MAX_DER; i++) {
		bool seen = false;
		for (unsigned j = 0; j < n_pool; j++)
			seen |= pool[j] == list[i];
		if (!seen)
			pool[n_pool++] = list[i];
	}
}

/* One side's set loaded unless it is already; false if it does not load. */
static bool load(const char *dir, const struct certs *o)
{
	if (o->psk || find(o))
		return true;
	if (n_sets == MAX_SETS)
		return false;
	struct conf_certs *cc = certs_load(dir, o);
	if (!cc)
		return false;
	sets[n_sets].spec = (struct certs){ .cert = o->cert, .key = o->key, .ca = o->ca,
					    .pin = o->pin };
	sets[n_sets++].cc = cc;
	pool_add(cc->leftcert, cc->n_leftcert);
	pool_add(cc->rightca, cc->n_rightca);
	if (cc->rightcert)
		pool_add(&cc->rightcert, 1);
	return true;
}

void fz_pki_init(void)
{
	const char *dir = getenv("MCVPN_FUZZ_PKI");

	if (!dir || !*dir) {
		fprintf(stderr, "fuzz_ike_engine: MCVPN_FUZZ_PKI is not set: inputs with CFG_CERTS "
				"authenticate with the PSK (tests/fuzz/run.sh makes a PKI)\n");
		return;
	}
	for (unsigned c = 0; c < 256; c++) {
		struct certs a, b;
		specs((uint8_t)c, &a, &b);
		if (!load(dir, &a) || !load(dir, &b))
			fz_fail("the PKI in %s (MCVPN_FUZZ_PKI) lacks the files of CERTS %#x",
				dir, c);
	}
	have_pki = true;
}

void fz_certs_lend(struct fz *f, uint8_t c)
{
	struct certs o[2];

	if (!have_pki)
		return;
	specs(c, &o[SIDE_A], &o[SIDE_B]);
	for (int i = 0; i < 2; i++)
		if (side_certs_lend(&f->net.s[i], &o[i], o[i].psk ? NULL : find(&o[i])))
			fz_fail("CERTS %#x: side %d's certificates do not apply", c, i);
}

void fz_certs_return(struct fz *f)
{
	for (int i = 0; i < 2; i++)
		if (f->net.s[i].conf)
			side_certs_return(&f->net.s[i]);
}

const uint8_t *fz_pki_der(uint8_t i, size_t *len)
{
	if (!n_pool)
		return NULL;
	return x509_der(pool[i % n_pool], len);
}

const uint8_t *fz_pki_ca_hash(void)
{
	static uint8_t h[20];
	static int ok = -1;

	if (ok < 0 && have_pki)
		ok = n_sets && sets[0].cc->n_rightca && !x509_spki_sha1(sets[0].cc->rightca[0], h);
	return ok > 0 ? h : NULL;
}
