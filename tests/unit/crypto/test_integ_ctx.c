/* SPDX-License-Identifier: Apache-2.0 */
/* The keyed, reusable HMAC of integ_ctx.h: RFC 4868 2.7.2 AUTH test cases
 * (ICV = leading half of the HMAC) and RFC 2202 case 1 truncated per
 * RFC 2404, then agreement with the one-shot integ_compute (EVP_MAC) for
 * random keys and every message length 0..300 (several hash blocks, every
 * block boundary), a context reused many times, and refusals. */
#include <stdlib.h>

#include "check.h"
#include "crypto/alg.h"
#include "crypto/integ.h"
#include "crypto/integ_ctx.h"
#include "crypto/rand.h"

static const unsigned algs[] = {
	AUTH_HMAC_SHA1_96, AUTH_HMAC_SHA2_256_128, AUTH_HMAC_SHA2_384_192, AUTH_HMAC_SHA2_512_256,
};

struct auth_case {
	const char *name;
	unsigned alg;
	const char *key_hex;	/* NULL: key_fill for the whole key */
	unsigned char key_fill;
	const char *data;	/* ASCII, or NULL: data_fill repeated data_len times */
	unsigned char data_fill;
	size_t data_len;
	const char *icv;
};

static const struct auth_case kats[] = {
	{ "AUTH256-1", AUTH_HMAC_SHA2_256_128, NULL, 0x0b, "Hi There", 0, 0,
	  "198a607eb44bfbc69903a0f1cf2bbdc5" },
	{ "AUTH256-2", AUTH_HMAC_SHA2_256_128,
	  "4a6566654a6566654a6566654a6566654a6566654a6566654a6566654a656665", 0,
	  "what do ya want for nothing?", 0, 0, "167f928588c5cc2eef8e3093caa0e87c" },
	{ "AUTH256-3", AUTH_HMAC_SHA2_256_128, NULL, 0xaa, NULL, 0xdd, 50,
	  "cdcb1220d1ecccea91e53aba3092f962" },
	{ "AUTH384-1", AUTH_HMAC_SHA2_384_192, NULL, 0x0b, "Hi There", 0, 0,
	  "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee973" },
	{ "AUTH512-1", AUTH_HMAC_SHA2_512_256, NULL, 0x0b, "Hi There", 0, 0,
	  "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8" },
	{ "2202-1", AUTH_HMAC_SHA1_96, NULL, 0x0b, "Hi There", 0, 0,
	  "b617318655057264e28bc0b6" },
};

static void check_kat(const struct auth_case *k)
{
	unsigned fails = check_fail_count;
	unsigned char key[64], data[64], want[32], got[33];
	size_t keylen = integ_key_len(k->alg), datalen, icvlen = integ_icv_len(k->alg);
	struct integ_ctx *c;

	if (k->key_hex)
		CHECK_INT(check_unhex(k->key_hex, key, sizeof(key)), keylen);
	else
		memset(key, k->key_fill, keylen);
	datalen = k->data ? strlen(k->data) : k->data_len;
	if (k->data)
		memcpy(data, k->data, datalen);
	else
		memset(data, k->data_fill, datalen);
	CHECK_INT(check_unhex(k->icv, want, sizeof(want)), icvlen);
	c = integ_ctx_new(k->alg, key, keylen);
	CHECK(c != NULL);
	if (!c)
		return;
	CHECK_INT(integ_ctx_icv_len(c), icvlen);
	for (int round = 0; round < 3; round++) {	/* the context is reusable */
		memset(got, 0xee, sizeof(got));
		CHECK_INT(integ_ctx_compute(c, data, datalen, got), 0);
		CHECK_MEM(got, want, icvlen);
		CHECK(got[icvlen] == 0xee);		/* nothing past the ICV written */
		CHECK_INT(integ_ctx_verify(c, data, datalen, want), 0);
	}
	for (size_t i = 0; i < icvlen * 8; i++) {	/* every ICV bit matters */
		want[i / 8] ^= (unsigned char)(1 << (i % 8));
		CHECK_INT(integ_ctx_verify(c, data, datalen, want), -1);
		want[i / 8] ^= (unsigned char)(1 << (i % 8));
	}
	data[datalen - 1] ^= 0x01;			/* message altered */
	CHECK_INT(integ_ctx_verify(c, data, datalen, want), -1);
	integ_ctx_free(c);
	if (check_fail_count != fails)
		fprintf(stderr, "  in %s\n", k->name);
}

/* Random keys, every length 0..300: the same ICV as the EVP_MAC path. */
static void test_against_evp(void)
{
	unsigned char key[64], data[300], a[32], b[32];
	unsigned wrong = 0;

	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		unsigned alg = algs[i];
		size_t klen = integ_key_len(alg), icvlen = integ_icv_len(alg);
		struct integ_ctx *c;

		CHECK_INT(rand_bytes(key, klen), 0);
		CHECK_INT(rand_bytes(data, sizeof(data)), 0);
		c = integ_ctx_new(alg, key, klen);
		CHECK(c != NULL);
		if (!c)
			continue;
		for (size_t len = 0; len <= sizeof(data); len++) {
			CHECK_INT(integ_compute(alg, key, data, len, a), 0);
			CHECK_INT(integ_ctx_compute(c, data, len, b), 0);
			wrong += memcmp(a, b, icvlen) != 0;
			wrong += integ_ctx_verify(c, data, len, a) != 0;
		}
		integ_ctx_free(c);
	}
	CHECK_INT(wrong, 0);
}

static void test_refused(void)
{
	unsigned char key[65] = { 0 };

	CHECK(integ_ctx_new(AUTH_NONE, key, 0) == NULL);
	CHECK(integ_ctx_new(99, key, 32) == NULL);
	CHECK(integ_ctx_new(AUTH_HMAC_SHA2_256_128, key, 31) == NULL);
	CHECK(integ_ctx_new(AUTH_HMAC_SHA2_256_128, key, 33) == NULL);
	CHECK(integ_ctx_new(AUTH_HMAC_SHA1_96, key, 32) == NULL);
	CHECK(integ_ctx_new(AUTH_HMAC_SHA2_512_256, key, 65) == NULL);
	integ_ctx_free(NULL);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++)
		check_kat(&kats[i]);
	test_against_evp();
	test_refused();
	return check_summary("crypto-integ-ctx");
}
