/* SPDX-License-Identifier: Apache-2.0 */
/* prf+, SKEYSEED and the IKE / Child SA keys (RFC 7296 2.13, 2.14, 2.17,
 * 2.18) against the NIST ACVP IKEv2 KDF known answers in acvp_ikev2.h.
 * ACVP names: SKEYSEED = prf(Ni | Nr, g^ir); DKM = prf+(SKEYSEED, Ni | Nr |
 * SPIi | SPIr); DKM(Child SA) = prf+(SK_d, Ni | Nr); DKM(Child SA D-H) =
 * prf+(SK_d, g^ir (new) | Ni | Nr); SKEYSEED(Rekey) = prf(SK_d, g^ir (new) |
 * Ni | Nr), with SK_d the first prf-length octets of DKM.
 * Values marked "python" were computed with Python's hmac/hashlib, an
 * implementation independent of this one, from the inputs shown. */
#include <stdlib.h>

#include "acvp_ikev2.h"
#include "check.h"
#include "crypto/alg.h"
#include "crypto/keymat.h"
#include "crypto/prf.h"
#include "crypto/secret.h"

static unsigned char ni[256], nr[256], gir[1024], gir_new[1024], spi[16];
static unsigned char want[2048], got[2048], seed[2048];
static size_t nilen, nrlen, girlen, gir_newlen;

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void load_1017(void)
{
	nilen = check_unhex(a1017_ni, ni, sizeof(ni));
	nrlen = check_unhex(a1017_nr, nr, sizeof(nr));
	girlen = check_unhex(a1017_gir, gir, sizeof(gir));
	gir_newlen = check_unhex(a1017_gir_new, gir_new, sizeof(gir_new));
	check_unhex(a1017_spii, spi, 8);
	check_unhex(a1017_spir, spi + 8, 8);
}

/* seed = Ni | Nr | SPIi | SPIr */
static size_t ike_seed(void)
{
	memcpy(seed, ni, nilen);
	memcpy(seed + nilen, nr, nrlen);
	memcpy(seed + nilen + nrlen, spi, 16);
	return nilen + nrlen + 16;
}

/* ACVP tcId 1017 (SHA2-384): SKEYSEED and the whole 2048-octet DKM, i.e. 43
 * prf+ blocks, through prf_compute and prf_plus. */
static void test_prf_plus_sha384(void)
{
	unsigned char key[512], skeyseed[48];
	size_t n;

	load_1017();
	memcpy(key, ni, nilen);
	memcpy(key + nilen, nr, nrlen);
	CHECK_INT(prf_compute(PRF_HMAC_SHA2_384, key, nilen + nrlen, gir, girlen, skeyseed), 0);
	check_unhex(a1017_skeyseed, want, sizeof(want));
	CHECK_MEM(skeyseed, want, 48);

	n = check_unhex(a1017_dkm, want, sizeof(want));
	CHECK_INT(n, 2048);
	CHECK_INT(prf_plus(PRF_HMAC_SHA2_384, skeyseed, 48, seed, ike_seed(), got, n), 0);
	CHECK_MEM(got, want, n);
	/* A shorter request is a prefix: the last block is cut, not changed. */
	memset(got, 0, sizeof(got));
	CHECK_INT(prf_plus(PRF_HMAC_SHA2_384, skeyseed, 48, seed, ike_seed(), got, 100), 0);
	CHECK_MEM(got, want, 100);
	CHECK(got[100] == 0);
}

/* ACVP tcId 801 (SHA2-256): DKM from the given SKEYSEED, then DKM(Child SA). */
static void test_prf_plus_sha256(void)
{
	unsigned char skeyseed[32];
	struct secret *sk_d, *i2r = NULL, *r2i = NULL;

	nilen = check_unhex(a801_ni, ni, sizeof(ni));
	nrlen = check_unhex(a801_nr, nr, sizeof(nr));
	check_unhex(a801_spii, spi, 8);
	check_unhex(a801_spir, spi + 8, 8);
	check_unhex(a801_skeyseed, skeyseed, sizeof(skeyseed));
	CHECK_INT(check_unhex(a801_dkm, want, sizeof(want)), 48);
	CHECK_INT(prf_plus(PRF_HMAC_SHA2_256, skeyseed, 32, seed, ike_seed(), got, 48), 0);
	CHECK_MEM(got, want, 48);

	sk_d = secret_dup(want, 32);
	CHECK_INT(check_unhex(a801_dkm_child, want, sizeof(want)), 48);
	CHECK_INT(keymat_child(PRF_HMAC_SHA2_256, sk_d, NULL, ni, nilen, nr, nrlen, 24,
			       &i2r, &r2i), 0);
	CHECK(i2r && r2i && i2r->len == 24 && r2i->len == 24);
	if (i2r && r2i) {
		CHECK_MEM(i2r->buf, want, 24);
		CHECK_MEM(r2i->buf, want + 24, 24);
	}
	secret_free(i2r);
	secret_free(r2i);
	secret_free(sk_d);
}

static void check_key(const struct secret *s, const unsigned char *w, size_t len, const char *name)
{
	unsigned fails = check_fail_count;

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_INT(s->len, len);
	if (s->len == len)
		CHECK_MEM(s->buf, w, len);
	if (check_fail_count != fails)
		fprintf(stderr, "  in %s\n", name);
}

/* keymat_ike with AES-GCM-256 + PRF-HMAC-SHA2-384 takes the first 216
 * octets of ACVP tcId 1017's DKM: SK_d 48, SK_a* 0, SK_e* 36, SK_p* 48. */
static void test_keymat_ike_acvp(void)
{
	struct ike_alg alg = { PRF_HMAC_SHA2_384, AUTH_NONE, ENCR_AES_GCM_16, 256 };
	struct secret *g;
	struct ike_keys k;
	const unsigned char *w = want;

	load_1017();
	check_unhex(a1017_dkm, want, sizeof(want));
	g = secret_dup(gir, girlen);
	CHECK_INT(keymat_ike(&alg, g, ni, nilen, nr, nrlen, be64(spi), be64(spi + 8), &k), 0);
	check_key(k.sk_d, w, 48, "SK_d");
	check_key(k.sk_ai, w + 48, 0, "SK_ai");
	check_key(k.sk_ar, w + 48, 0, "SK_ar");
	check_key(k.sk_ei, w + 48, 36, "SK_ei");
	check_key(k.sk_er, w + 84, 36, "SK_er");
	check_key(k.sk_pi, w + 120, 48, "SK_pi");
	check_key(k.sk_pr, w + 168, 48, "SK_pr");
	ike_keys_wipe(&k);
	CHECK(k.sk_d == NULL && k.sk_pr == NULL);
	secret_free(g);
}

/* Child SA KEYMAT from ACVP tcId 1017, without and with PFS. */
static void test_keymat_child_acvp(void)
{
	struct secret *sk_d, *g, *i2r = NULL, *r2i = NULL;

	load_1017();
	check_unhex(a1017_dkm, want, sizeof(want));
	sk_d = secret_dup(want, 48);
	g = secret_dup(gir_new, gir_newlen);

	CHECK_INT(check_unhex(a1017_dkm_child, want, sizeof(want)), 112);
	CHECK_INT(keymat_child(PRF_HMAC_SHA2_384, sk_d, NULL, ni, nilen, nr, nrlen, 56,
			       &i2r, &r2i), 0);
	check_key(i2r, want, 56, "child i2r");
	check_key(r2i, want + 56, 56, "child r2i");
	secret_free(i2r);
	secret_free(r2i);

	CHECK_INT(check_unhex(a1017_dkm_child_dh, want, sizeof(want)), 2048);
	CHECK_INT(keymat_child(PRF_HMAC_SHA2_384, sk_d, g, ni, nilen, nr, nrlen, 1024,
			       &i2r, &r2i), 0);
	check_key(i2r, want, 1024, "child PFS i2r");
	check_key(r2i, want + 1024, 1024, "child PFS r2i");
	secret_free(i2r);
	secret_free(r2i);

	/* More than 255 blocks of prf+ is refused, and both outputs stay NULL. */
	CHECK_INT(keymat_child(PRF_HMAC_SHA2_384, sk_d, NULL, ni, nilen, nr, nrlen,
			       255 * 48 / 2 + 1, &i2r, &r2i), -1);
	CHECK(i2r == NULL && r2i == NULL);
	secret_free(g);
	secret_free(sk_d);
}

/* IKE SA rekey from ACVP tcId 1017: SKEYSEED(Rekey) is NIST's; the keys
 * prf+(SKEYSEED(Rekey), Ni | Nr | SPIi | SPIr) for GCM-256/SHA2-384 are
 * python. */
static const char rekey_keys[] =
	"f4dea7c28c5795f7782d35faab319f4bfa44e5131094dba24dcbdf0caa7d0ff1"
	"470fb5be52f36032bd6abc4e2158a773993b1e794bb2408c1050dd86fa28f4f7"
	"080a409991e56ce29a3e3470ac0fbb012828b0fc6fc2c15422c78e32333a8f1a"
	"d0de0ab75ebe55522f2da228232bcf5d68b8a4720e73f3fd5bf5a7118ff08c74"
	"cfec16e672358a7580c2c805874b284066ccc55492736639c6fdf5ecd4541030"
	"523ea3d5ecd65f2fd6dfa0db59b1acb031c3d5d2c9bd1c9930cd66e838062cd3"
	"5b9e28816a94b918e69d1958619962b5cfb939e2a23f1ef6";

static void test_keymat_rekey_acvp(void)
{
	struct ike_alg alg = { PRF_HMAC_SHA2_384, AUTH_NONE, ENCR_AES_GCM_16, 256 };
	unsigned char skr[48], w[216];
	struct secret *old_sk_d, *g;
	struct ike_keys k;
	size_t off = 0;

	load_1017();
	check_unhex(a1017_dkm, want, sizeof(want));
	old_sk_d = secret_dup(want, 48);
	g = secret_dup(gir_new, gir_newlen);
	/* The SKEYSEED step alone, through prf_compute. */
	memcpy(seed, gir_new, gir_newlen);
	memcpy(seed + gir_newlen, ni, nilen);
	memcpy(seed + gir_newlen + nilen, nr, nrlen);
	CHECK_INT(prf_compute(PRF_HMAC_SHA2_384, old_sk_d->buf, 48, seed,
			      gir_newlen + nilen + nrlen, got), 0);
	check_unhex(a1017_skeyseed_rekey, skr, sizeof(skr));
	CHECK_MEM(got, skr, 48);

	CHECK_INT(check_unhex(rekey_keys, w, sizeof(w)), 216);
	CHECK_INT(keymat_ike_rekey(&alg, PRF_HMAC_SHA2_384, old_sk_d, g, ni, nilen, nr, nrlen,
				   be64(spi), be64(spi + 8), &k), 0);
	check_key(k.sk_d, w, 48, "rekey SK_d");
	off = 48;
	check_key(k.sk_ei, w + off, 36, "rekey SK_ei");
	check_key(k.sk_er, w + off + 36, 36, "rekey SK_er");
	check_key(k.sk_pi, w + off + 72, 48, "rekey SK_pi");
	check_key(k.sk_pr, w + off + 120, 48, "rekey SK_pr");
	ike_keys_wipe(&k);
	secret_free(g);
	secret_free(old_sk_d);
}

/* keymat_ike with AES-CBC-256 + HMAC-SHA2-256-128 + PRF-HMAC-SHA2-256 (no
 * ACVP case has octet-aligned inputs for SHA2-256).  g^ir is the RFC 5903
 * 8.1 shared x; Ni = 10..2f, Nr = a0..bf; SPIi 0123456789abcdef, SPIr
 * fedcba9876543210.  Expected: python. */
static const char *const sha256_keys[7] = {
	"08746fd28c0cdab302e3bff1396d7468ba416eba753401c53f1e1fc4eb0f7164",
	"e51c573ec6164a02b878963581ecfac9cf8b20a4cde291aa9608a3cbe04ac2c8",
	"aa115cbad03231e20f65896ad4a8a5796f679d54f2b4bbe16635571a480a9fbc",
	"c4e5ab1a5255ba37cbb1e699f8588a99e88191e365f2ed8d11d776c53c408c36",
	"5c9208cae4061c80fa7b616d7caa8e1fb9ee0384bba5c475260697b025bfb92d",
	"2dcbefd47bf99155141099c6395e52ec25941b047e71d416a36efad025f867fe",
	"ccc2a546eee316669f9cf71ab95be2837157e78d0eec48e74379dc98c7fe5001",
};

static void test_keymat_ike_sha256(void)
{
	struct ike_alg alg = { PRF_HMAC_SHA2_256, AUTH_HMAC_SHA2_256_128, ENCR_AES_CBC, 256 };
	unsigned char g[32], n_i[32], n_r[32], w[7][32];
	struct secret *gs;
	struct ike_keys k;

	check_unhex("d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de", g, 32);
	for (int i = 0; i < 32; i++) {
		n_i[i] = (unsigned char)(0x10 + i);
		n_r[i] = (unsigned char)(0xa0 + i);
	}
	for (int i = 0; i < 7; i++)
		check_unhex(sha256_keys[i], w[i], 32);
	gs = secret_dup(g, 32);
	CHECK_INT(keymat_ike(&alg, gs, n_i, 32, n_r, 32, 0x0123456789abcdefULL,
			     0xfedcba9876543210ULL, &k), 0);
	check_key(k.sk_d, w[0], 32, "SK_d");
	check_key(k.sk_ai, w[1], 32, "SK_ai");
	check_key(k.sk_ar, w[2], 32, "SK_ar");
	check_key(k.sk_ei, w[3], 32, "SK_ei");
	check_key(k.sk_er, w[4], 32, "SK_er");
	check_key(k.sk_pi, w[5], 32, "SK_pi");
	check_key(k.sk_pr, w[6], 32, "SK_pr");
	ike_keys_wipe(&k);

	/* Swapped SPIs must give other keys (the seed is SPIi | SPIr). */
	CHECK_INT(keymat_ike(&alg, gs, n_i, 32, n_r, 32, 0xfedcba9876543210ULL,
			     0x0123456789abcdefULL, &k), 0);
	CHECK(k.sk_d && memcmp(k.sk_d->buf, w[0], 32) != 0);
	ike_keys_wipe(&k);
	secret_free(gs);
}

/* Inconsistent transforms are refused and leave the output empty. */
static void test_keymat_refused(void)
{
	struct ike_alg gcm_with_integ = { PRF_HMAC_SHA2_256, AUTH_HMAC_SHA2_256_128,
					  ENCR_AES_GCM_16, 256 };
	struct ike_alg cbc_without_integ = { PRF_HMAC_SHA2_256, AUTH_NONE, ENCR_AES_CBC, 256 };
	struct ike_alg no_prf = { PRF_NONE, AUTH_NONE, ENCR_AES_GCM_16, 256 };
	unsigned char n[16] = { 1 };
	struct secret *g = secret_dup(n, 16);
	struct ike_keys k;

	CHECK_INT(keymat_ike(&gcm_with_integ, g, n, 16, n, 16, 1, 2, &k), -1);
	CHECK(k.sk_d == NULL && k.sk_ei == NULL);
	CHECK_INT(keymat_ike(&cbc_without_integ, g, n, 16, n, 16, 1, 2, &k), -1);
	CHECK(k.sk_d == NULL);
	CHECK_INT(keymat_ike(&no_prf, g, n, 16, n, 16, 1, 2, &k), -1);
	CHECK_INT(prf_plus(PRF_HMAC_SHA2_256, n, 16, n, 16, got, 255 * 32 + 1), -1);
	secret_free(g);
}

int main(void)
{
	test_prf_plus_sha384();
	test_prf_plus_sha256();
	test_keymat_ike_acvp();
	test_keymat_child_acvp();
	test_keymat_rekey_acvp();
	test_keymat_ike_sha256();
	test_keymat_refused();
	return check_summary("crypto-kdf");
}
