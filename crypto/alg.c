/* SPDX-License-Identifier: Apache-2.0 */
/* Name and size tables for the IKEv2 transforms this build implements.
 * One row per algorithm, so adding one is a one-line change. */
#include "crypto/alg.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct encr_row {
	unsigned id;
	const char *name;
	size_t iv_len, block_len, icv_len, salt_len;
	unsigned fixed_keybits;	/* 0: 128/192/256 with a Key Length attribute */
};

struct hmac_row {
	unsigned id;
	const char *name;
	size_t key_len, out_len;	/* out_len: PRF output or truncated ICV */
};

struct dh_row {
	unsigned id;
	const char *name;
	size_t pub_len;
};

/* RFC 3602 (CBC: 16-byte IV and block), RFC 4106/5282 (GCM: 8-byte IV, 4-byte
 * salt, padding to 4 bytes, 16-byte ICV), RFC 7634 (ChaCha20-Poly1305: the same
 * framing as GCM, one 256-bit key and no Key Length attribute). */
static const struct encr_row encr_table[] = {
	{ ENCR_AES_CBC, "ENCR_AES_CBC", 16, 16, 0, 0, 0 },
	{ ENCR_AES_GCM_16, "ENCR_AES_GCM_16", 8, 4, 16, 4, 0 },
	{ ENCR_CHACHA20_POLY1305, "ENCR_CHACHA20_POLY1305", 8, 4, 16, 4, 256 },
};

static const struct hmac_row prf_table[] = {
	{ PRF_HMAC_SHA1, "PRF_HMAC_SHA1", 20, 20 },
	{ PRF_HMAC_SHA2_256, "PRF_HMAC_SHA2_256", 32, 32 },
	{ PRF_HMAC_SHA2_384, "PRF_HMAC_SHA2_384", 48, 48 },
	{ PRF_HMAC_SHA2_512, "PRF_HMAC_SHA2_512", 64, 64 },
};

/* RFC 2404 and RFC 4868: key as long as the hash, ICV truncated to half. */
static const struct hmac_row integ_table[] = {
	{ AUTH_HMAC_SHA1_96, "AUTH_HMAC_SHA1_96", 20, 12 },
	{ AUTH_HMAC_SHA2_256_128, "AUTH_HMAC_SHA2_256_128", 32, 16 },
	{ AUTH_HMAC_SHA2_384_192, "AUTH_HMAC_SHA2_384_192", 48, 24 },
	{ AUTH_HMAC_SHA2_512_256, "AUTH_HMAC_SHA2_512_256", 64, 32 },
};

/* KE data: MODP padded to the prime (RFC 7296 3.4), ECP x|y (RFC 5903 7),
 * Curve25519 raw (RFC 8031). */
static const struct dh_row dh_table[] = {
	{ MODP_1024, "MODP_1024", 128 },
	{ MODP_1536, "MODP_1536", 192 },
	{ MODP_2048, "MODP_2048", 256 },
	{ MODP_3072, "MODP_3072", 384 },
	{ MODP_4096, "MODP_4096", 512 },
	{ ECP_256, "ECP_256", 64 },
	{ ECP_384, "ECP_384", 96 },
	{ ECP_521, "ECP_521", 132 },
	{ CURVE25519, "CURVE25519", 32 },
};

static const struct encr_row *encr_find(unsigned id)
{
	for (size_t i = 0; i < ARRAY_LEN(encr_table); i++)
		if (encr_table[i].id == id)
			return &encr_table[i];
	return NULL;
}

static const struct hmac_row *hmac_find(const struct hmac_row *t, size_t n, unsigned id)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].id == id)
			return &t[i];
	return NULL;
}

static const struct hmac_row *prf_find(unsigned id)
{
	return hmac_find(prf_table, ARRAY_LEN(prf_table), id);
}

static const struct hmac_row *integ_find(unsigned id)
{
	return hmac_find(integ_table, ARRAY_LEN(integ_table), id);
}

static const struct dh_row *dh_find(unsigned id)
{
	for (size_t i = 0; i < ARRAY_LEN(dh_table); i++)
		if (dh_table[i].id == id)
			return &dh_table[i];
	return NULL;
}

/* Transform ID 0 is "NONE" in every type (AUTH_NONE, DH NONE, no ENCR/PRF). */
static const char *name_or(const char *name, unsigned id)
{
	if (name)
		return name;
	return id == 0 ? "NONE" : "UNKNOWN";
}

const char *encr_name(unsigned alg)
{
	const struct encr_row *r = encr_find(alg);

	return name_or(r ? r->name : NULL, alg);
}

const char *prf_name(unsigned alg)
{
	const struct hmac_row *r = prf_find(alg);

	return name_or(r ? r->name : NULL, alg);
}

const char *integ_name(unsigned alg)
{
	const struct hmac_row *r = integ_find(alg);

	return name_or(r ? r->name : NULL, alg);
}

const char *dh_name(unsigned group)
{
	const struct dh_row *r = dh_find(group);

	return name_or(r ? r->name : NULL, group);
}

int encr_supported(unsigned alg, unsigned keybits)
{
	const struct encr_row *r = encr_find(alg);

	if (!r)
		return 0;
	if (r->fixed_keybits)
		return keybits == r->fixed_keybits;
	return keybits == 128 || keybits == 192 || keybits == 256;
}

unsigned encr_wire_keybits(unsigned alg, unsigned keybits)
{
	const struct encr_row *r = encr_find(alg);

	return r && r->fixed_keybits ? 0 : keybits;
}

int encr_is_aead(unsigned alg)
{
	const struct encr_row *r = encr_find(alg);

	return r && r->icv_len != 0;
}

int prf_supported(unsigned alg)
{
	return prf_find(alg) != NULL;
}

int integ_supported(unsigned alg)
{
	return integ_find(alg) != NULL;
}

int dh_supported(unsigned group)
{
	return dh_find(group) != NULL;
}

size_t prf_out_len(unsigned alg)
{
	const struct hmac_row *r = prf_find(alg);

	return r ? r->out_len : 0;
}

size_t integ_key_len(unsigned alg)
{
	const struct hmac_row *r = integ_find(alg);

	return r ? r->key_len : 0;
}

size_t integ_icv_len(unsigned alg)
{
	const struct hmac_row *r = integ_find(alg);

	return r ? r->out_len : 0;
}

size_t dh_pub_len(unsigned group)
{
	const struct dh_row *r = dh_find(group);

	return r ? r->pub_len : 0;
}

size_t encr_keymat_len(unsigned alg, unsigned keybits)
{
	const struct encr_row *r = encr_find(alg);

	if (!r || !encr_supported(alg, keybits))
		return 0;
	return keybits / 8 + r->salt_len;
}

size_t encr_iv_len(unsigned alg)
{
	const struct encr_row *r = encr_find(alg);

	return r ? r->iv_len : 0;
}

size_t encr_block_len(unsigned alg)
{
	const struct encr_row *r = encr_find(alg);

	return r ? r->block_len : 0;
}

size_t encr_icv_len(unsigned alg)
{
	const struct encr_row *r = encr_find(alg);

	return r ? r->icv_len : 0;
}
