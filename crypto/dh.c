/* SPDX-License-Identifier: Apache-2.0 */
/* Diffie-Hellman for the KE payload through EVP_PKEY: MODP (RFC 2409,
 * RFC 3526), ECP (RFC 5903) and Curve25519 (RFC 8031).  Each family has a
 * keygen, a from-private constructor, a public-value encoder and a
 * peer-value decoder; dh_shared() is common to all three. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "crypto/alg.h"
#include "crypto/dh.h"
#include "crypto/secret.h"

enum dh_family { FAM_MODP, FAM_ECP, FAM_X25519 };

struct group_info {
	unsigned id;
	enum dh_family fam;
	const char *name;	/* OpenSSL group or curve name; NULL: use prime_hex */
	const char *prime_hex;	/* only for MODP groups OpenSSL does not name */
};

struct dh {
	const struct group_info *g;	/* static table row */
	EVP_PKEY *key;			/* owned key pair; EVP_PKEY_free wipes it */
};

/* RFC 2409 6.2 (group 2); OpenSSL 3.0 has no name for it.  Generator 2. */
static const char modp1024_hex[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF";

/* "modp_*" are the RFC 3526 groups; "ffdhe*" (RFC 7919) would be wrong here. */
static const struct group_info groups[] = {
	{ MODP_1024, FAM_MODP, NULL, modp1024_hex },
	{ MODP_1536, FAM_MODP, "modp_1536", NULL },
	{ MODP_2048, FAM_MODP, "modp_2048", NULL },
	{ MODP_3072, FAM_MODP, "modp_3072", NULL },
	{ MODP_4096, FAM_MODP, "modp_4096", NULL },
	{ ECP_256, FAM_ECP, "P-256", NULL },
	{ ECP_384, FAM_ECP, "P-384", NULL },
	{ ECP_521, FAM_ECP, "P-521", NULL },
	{ CURVE25519, FAM_X25519, "X25519", NULL },
};

#define EC_MAX_PUB (1 + 2 * 66)		/* 0x04 | x | y for P-521 */

static const struct group_info *group_find(unsigned id)
{
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

/* ---- EVP_PKEY from OSSL_PARAMs ---- */

/* Build a key of type from the params in bld (freed here). selection is
 * EVP_PKEY_KEYPAIR, EVP_PKEY_PUBLIC_KEY or EVP_PKEY_KEY_PARAMETERS. */
static EVP_PKEY *pkey_from_bld(const char *type, OSSL_PARAM_BLD *bld, int selection)
{
	OSSL_PARAM *params = bld ? OSSL_PARAM_BLD_to_param(bld) : NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *pkey = NULL;

	if (params && ctx && EVP_PKEY_fromdata_init(ctx) > 0 &&
	    EVP_PKEY_fromdata(ctx, &pkey, selection, params) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);	/* clears the secure block holding a private BN */
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

/* ---- MODP ---- */

/* Domain parameters into bld: the OpenSSL group name, or p and g = 2. */
static int modp_push_domain(OSSL_PARAM_BLD *bld, const struct group_info *g, BIGNUM **tmp)
{
	if (g->name)
		return OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
						       g->name, 0) ? 0 : -1;
	tmp[0] = NULL;
	tmp[1] = BN_new();
	if (!BN_hex2bn(&tmp[0], g->prime_hex) || !tmp[1] || !BN_set_word(tmp[1], 2))
		return -1;
	if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, tmp[0]) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, tmp[1]))
		return -1;
	return 0;
}

static EVP_PKEY *modp_domain(const struct group_info *g)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *tmp[2] = { NULL, NULL };
	EVP_PKEY *pkey = NULL;

	if (bld && modp_push_domain(bld, g, tmp) == 0) {
		pkey = pkey_from_bld("DH", bld, EVP_PKEY_KEY_PARAMETERS);
		bld = NULL;
	}
	OSSL_PARAM_BLD_free(bld);
	BN_free(tmp[0]);
	BN_free(tmp[1]);
	return pkey;
}

/* p and g of the group; caller frees both. */
static int modp_p_g(const struct group_info *g, BIGNUM **p, BIGNUM **gen)
{
	EVP_PKEY *dom = modp_domain(g);
	int r = -1;

	*p = *gen = NULL;
	if (dom && EVP_PKEY_get_bn_param(dom, OSSL_PKEY_PARAM_FFC_P, p) &&
	    EVP_PKEY_get_bn_param(dom, OSSL_PKEY_PARAM_FFC_G, gen))
		r = 0;
	EVP_PKEY_free(dom);
	return r;
}

/* 1 < v < p - 1 (RFC 7296 and SP 800-56A 5.6.2.3.1): refuses 0, 1, p - 1 and
 * anything not reduced mod p. */
static int modp_in_range(const BIGNUM *v, const BIGNUM *p)
{
	BIGNUM *pm1 = BN_dup(p);
	int ok = pm1 && BN_sub_word(pm1, 1) && BN_cmp(v, BN_value_one()) > 0 &&
		 BN_cmp(v, pm1) < 0;

	BN_free(pm1);
	return ok;
}

static EVP_PKEY *modp_keygen(const struct group_info *g)
{
	EVP_PKEY *dom = modp_domain(g), *key = NULL;
	EVP_PKEY_CTX *ctx = dom ? EVP_PKEY_CTX_new_from_pkey(NULL, dom, NULL) : NULL;

	if (ctx && EVP_PKEY_keygen_init(ctx) > 0 && EVP_PKEY_generate(ctx, &key) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(dom);
	return key;
}

/* Key pair with private x and public y = g^x mod p (x checked like y). */
static EVP_PKEY *modp_keypair(const struct group_info *g, const uint8_t *priv, size_t len)
{
	BIGNUM *p = NULL, *gen = NULL, *x = BN_secure_new(), *y = BN_new();
	BIGNUM *tmp[2] = { NULL, NULL };
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BN_CTX *bnctx = BN_CTX_secure_new();
	EVP_PKEY *key = NULL;

	if (!x || !y || !bld || !bnctx || modp_p_g(g, &p, &gen))
		goto out;
	if (!BN_bin2bn(priv, (int)len, x) || !modp_in_range(x, p))
		goto out;
	BN_set_flags(x, BN_FLG_CONSTTIME);
	if (!BN_mod_exp(y, gen, x, p, bnctx) || modp_push_domain(bld, g, tmp) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
		goto out;
	key = pkey_from_bld("DH", bld, EVP_PKEY_KEYPAIR);
	bld = NULL;
out:
	OSSL_PARAM_BLD_free(bld);
	BN_CTX_free(bnctx);
	BN_clear_free(x);
	BN_free(y);
	BN_free(p);
	BN_free(gen);
	BN_free(tmp[0]);
	BN_free(tmp[1]);
	return key;
}

static int modp_public(const EVP_PKEY *key, uint8_t *out, size_t len)
{
	BIGNUM *y = NULL;
	int r = -1;

	if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PUB_KEY, &y) &&
	    BN_bn2binpad(y, out, (int)len) == (int)len)
		r = 0;
	BN_free(y);
	return r;
}

/* The peer's KE data as a public key, after the range check. */
static EVP_PKEY *modp_peer(const struct group_info *g, const uint8_t *peer, size_t len)
{
	BIGNUM *p = NULL, *gen = NULL, *y = BN_bin2bn(peer, (int)len, NULL);
	BIGNUM *tmp[2] = { NULL, NULL };
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY *key = NULL;

	if (!y || !bld || modp_p_g(g, &p, &gen) || !modp_in_range(y, p))
		goto out;
	if (modp_push_domain(bld, g, tmp) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
		goto out;
	key = pkey_from_bld("DH", bld, EVP_PKEY_PUBLIC_KEY);
	bld = NULL;
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(y);
	BN_free(p);
	BN_free(gen);
	BN_free(tmp[0]);
	BN_free(tmp[1]);
	return key;
}

/* ---- ECP ---- */

static EVP_PKEY *ecp_keygen(const struct group_info *g)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", g->name);
}

/* Uncompressed point d*G into pub[1 + 2 * field]; 0 < d < n is checked. */
static int ecp_point_of(const struct group_info *g, const BIGNUM *d, uint8_t *pub, size_t publen)
{
	EC_GROUP *grp = EC_GROUP_new_by_curve_name(EC_curve_nist2nid(g->name));
	EC_POINT *pt = grp ? EC_POINT_new(grp) : NULL;
	int r = -1;

	if (!pt || BN_is_zero(d) || BN_is_negative(d) || BN_cmp(d, EC_GROUP_get0_order(grp)) >= 0)
		goto out;
	if (EC_POINT_mul(grp, pt, d, NULL, NULL, NULL) &&
	    EC_POINT_point2oct(grp, pt, POINT_CONVERSION_UNCOMPRESSED, pub, publen, NULL) == publen)
		r = 0;
out:
	EC_POINT_free(pt);
	EC_GROUP_free(grp);
	return r;
}

static EVP_PKEY *ecp_keypair(const struct group_info *g, const uint8_t *priv, size_t len)
{
	size_t publen = 1 + dh_pub_len(g->id);
	BIGNUM *d = BN_secure_new();
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	uint8_t pub[EC_MAX_PUB];
	EVP_PKEY *key = NULL;

	if (!d || !bld || !BN_bin2bn(priv, (int)len, d) || ecp_point_of(g, d, pub, publen))
		goto out;
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g->name, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, publen))
		goto out;
	key = pkey_from_bld("EC", bld, EVP_PKEY_KEYPAIR);
	bld = NULL;
out:
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	return key;
}

/* KE data is x | y: the SEC1 uncompressed encoding without its 0x04 octet. */
static int ecp_public(const EVP_PKEY *key, uint8_t *out, size_t len)
{
	uint8_t pub[EC_MAX_PUB];
	size_t got = 0;

	if (!EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &got))
		return -1;
	if (got != len + 1 || pub[0] != POINT_CONVERSION_UNCOMPRESSED)
		return -1;
	memcpy(out, pub + 1, len);
	return 0;
}

/* fromdata decodes the point and refuses one that is not on the curve. */
static EVP_PKEY *ecp_peer(const struct group_info *g, const uint8_t *peer, size_t len)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	uint8_t pub[EC_MAX_PUB];

	if (!bld || len + 1 > sizeof(pub)) {
		OSSL_PARAM_BLD_free(bld);
		return NULL;
	}
	pub[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(pub + 1, peer, len);
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g->name, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, len + 1)) {
		OSSL_PARAM_BLD_free(bld);
		return NULL;
	}
	return pkey_from_bld("EC", bld, EVP_PKEY_PUBLIC_KEY);
}

/* ---- Curve25519 ---- */

static EVP_PKEY *x25519_keygen(const struct group_info *g)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, g->name);
}

static EVP_PKEY *x25519_keypair(const struct group_info *g, const uint8_t *priv, size_t len)
{
	return EVP_PKEY_new_raw_private_key_ex(NULL, g->name, NULL, priv, len);
}

static int x25519_public(const EVP_PKEY *key, uint8_t *out, size_t len)
{
	size_t got = len;

	if (!EVP_PKEY_get_raw_public_key(key, out, &got) || got != len)
		return -1;
	return 0;
}

static EVP_PKEY *x25519_peer(const struct group_info *g, const uint8_t *peer, size_t len)
{
	return EVP_PKEY_new_raw_public_key_ex(NULL, g->name, NULL, peer, len);
}

/* ---- the API ---- */

static struct dh *dh_wrap(const struct group_info *g, EVP_PKEY *key)
{
	struct dh *dh = key ? calloc(1, sizeof(*dh)) : NULL;

	if (!dh) {
		EVP_PKEY_free(key);
		return NULL;
	}
	dh->g = g;
	dh->key = key;
	return dh;
}

struct dh *dh_new(unsigned group)
{
	const struct group_info *g = group_find(group);

	if (!g)
		return NULL;
	switch (g->fam) {
	case FAM_MODP:
		return dh_wrap(g, modp_keygen(g));
	case FAM_ECP:
		return dh_wrap(g, ecp_keygen(g));
	case FAM_X25519:
		return dh_wrap(g, x25519_keygen(g));
	}
	return NULL;
}

struct dh *dh_new_from_private(unsigned group, const uint8_t *priv, size_t len)
{
	const struct group_info *g = group_find(group);

	if (!g || !priv || len == 0 || len > dh_pub_len(group))
		return NULL;
	switch (g->fam) {
	case FAM_MODP:
		return dh_wrap(g, modp_keypair(g, priv, len));
	case FAM_ECP:
		return dh_wrap(g, ecp_keypair(g, priv, len));
	case FAM_X25519:
		return len == 32 ? dh_wrap(g, x25519_keypair(g, priv, len)) : NULL;
	}
	return NULL;
}

void dh_free(struct dh *dh)
{
	if (!dh)
		return;
	EVP_PKEY_free(dh->key);
	free(dh);
}

unsigned dh_group_of(const struct dh *dh)
{
	return dh->g->id;
}

int dh_public(const struct dh *dh, uint8_t *out, size_t len)
{
	if (len != dh_pub_len(dh->g->id))
		return -1;
	switch (dh->g->fam) {
	case FAM_MODP:
		return modp_public(dh->key, out, len);
	case FAM_ECP:
		return ecp_public(dh->key, out, len);
	case FAM_X25519:
		return x25519_public(dh->key, out, len);
	}
	return -1;
}

/* Length of g^ir: the prime for MODP (zero-padded, RFC 7296 2.14), the
 * x coordinate for ECP (RFC 5903 7), 32 for Curve25519. */
static size_t shared_len(const struct group_info *g)
{
	return g->fam == FAM_ECP ? dh_pub_len(g->id) / 2 : dh_pub_len(g->id);
}

static EVP_PKEY *peer_key(const struct group_info *g, const uint8_t *peer, size_t len)
{
	switch (g->fam) {
	case FAM_MODP:
		return modp_peer(g, peer, len);
	case FAM_ECP:
		return ecp_peer(g, peer, len);
	case FAM_X25519:
		return x25519_peer(g, peer, len);
	}
	return NULL;
}

/* RFC 8031 2.3: an all-zero Curve25519 result means a low-order peer value. */
static int all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

static int derive_into(EVP_PKEY *key, EVP_PKEY *peer, int pad, struct secret *s)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	size_t got = s->len;
	int r = -1;

	/* validate_peer = 1: EVP_PKEY_public_check on the peer key as well. */
	if (ctx && EVP_PKEY_derive_init(ctx) > 0 &&
	    EVP_PKEY_derive_set_peer_ex(ctx, peer, 1) > 0 &&
	    (!pad || EVP_PKEY_CTX_set_dh_pad(ctx, 1) > 0) &&
	    EVP_PKEY_derive(ctx, s->buf, &got) > 0 && got == s->len)
		r = 0;
	EVP_PKEY_CTX_free(ctx);
	return r;
}

int dh_check_peer(unsigned group, const uint8_t *peer, size_t len)
{
	const struct group_info *g = group_find(group);
	EVP_PKEY *pk;

	if (!g || !peer || len != dh_pub_len(group))
		return -1;
	pk = peer_key(g, peer, len);
	EVP_PKEY_free(pk);
	return pk ? 0 : -1;
}

struct secret *dh_shared(struct dh *dh, const uint8_t *peer, size_t len)
{
	const struct group_info *g = dh->g;
	struct secret *s = NULL;
	EVP_PKEY *pk;

	if (!peer || len != dh_pub_len(g->id))
		return NULL;
	pk = peer_key(g, peer, len);
	if (pk)
		s = secret_new(shared_len(g));
	if (s && (derive_into(dh->key, pk, g->fam == FAM_MODP, s) ||
		  (g->fam == FAM_X25519 && all_zero(s->buf, s->len)))) {
		secret_free(s);
		s = NULL;
	}
	EVP_PKEY_free(pk);
	return s;
}
