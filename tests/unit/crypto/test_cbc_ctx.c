/* SPDX-License-Identifier: Apache-2.0 */
/* The keyed, reusable AES-CBC of cbc_ctx.h: NIST SP 800-38A appendix F.2
 * (CBC-AES128/192/256, encrypt and decrypt), RFC 3602 section 4 cases #1
 * and #2, agreement with the one-shot cipher_cbc_* for every key size and
 * many lengths through one context, and the IV generator. */
#include <stdlib.h>

#include "check.h"
#include "crypto/cbc_ctx.h"
#include "crypto/cipher.h"
#include "crypto/rand.h"

struct kat {
	const char *name, *key, *iv, *plain, *cipher;
};

#define SP_IV	 "000102030405060708090a0b0c0d0e0f"
#define SP_PLAIN "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51" \
		 "30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710"

static const struct kat kats[] = {
	{ "SP 800-38A F.2.1/F.2.2 CBC-AES128", "2b7e151628aed2a6abf7158809cf4f3c", SP_IV, SP_PLAIN,
	  "7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2"
	  "73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7" },
	{ "SP 800-38A F.2.3/F.2.4 CBC-AES192", "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
	  SP_IV, SP_PLAIN,
	  "4f021db243bc633d7178183a9fa071e8 b4d9ada9ad7dedf4e5e738763f69145a"
	  "571b242012fb7ae07fa9baac3df102e0 08b0e27988598881d920a9e64f5615cd" },
	{ "SP 800-38A F.2.5/F.2.6 CBC-AES256",
	  "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", SP_IV, SP_PLAIN,
	  "f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d"
	  "39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b" },
	{ "RFC 3602 case #1", "06a9214036b8a15b512e03d534120006", "3dafba429d9eb430b422da802c9fac41",
	  "53696e676c6520626c6f636b206d7367", "e353779c1079aeb82708942dbe77181a" },
	{ "RFC 3602 case #2", "c286696d887c9aa0611bbb3e2025a45a", "562e17996d093d28ddb3ba695a2e6f58",
	  "000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1f",
	  "d296cd94c2cccf8a3a863028b5e1dc0a 7586602d253cfff91b8266bea6d61ab1" },
};

static void check_kat(const struct kat *k)
{
	unsigned fails = check_fail_count;
	unsigned char key[32], iv[16], plain[64], ciph[64], buf[64];
	size_t klen = check_unhex(k->key, key, sizeof(key));
	size_t len = check_unhex(k->plain, plain, sizeof(plain));
	struct cbc_ctx *c = cbc_ctx_new(key, klen);

	check_unhex(k->iv, iv, sizeof(iv));
	CHECK_INT(check_unhex(k->cipher, ciph, sizeof(ciph)), len);
	CHECK(c != NULL);
	if (!c)
		return;
	for (int round = 0; round < 2; round++) {	/* reused: only the IV is reset */
		CHECK_INT(cbc_ctx_encrypt(c, iv, plain, buf, len), 0);
		CHECK_MEM(buf, ciph, len);
		CHECK_INT(cbc_ctx_decrypt(c, iv, ciph, buf, len), 0);
		CHECK_MEM(buf, plain, len);
		memcpy(buf, plain, len);		/* in place, as ESP does */
		CHECK_INT(cbc_ctx_encrypt(c, iv, buf, buf, len), 0);
		CHECK_MEM(buf, ciph, len);
		CHECK_INT(cbc_ctx_decrypt(c, iv, buf, buf, len), 0);
		CHECK_MEM(buf, plain, len);
	}
	cbc_ctx_free(c);
	if (check_fail_count != fails)
		fprintf(stderr, "  in %s\n", k->name);
}

/* One context, many IVs and lengths, against the one-shot functions. */
static void test_against_oneshot(void)
{
	static const size_t klens[] = { 16, 24, 32 };
	unsigned char key[32], iv[16], in[1520], a[1520], b[1520];
	unsigned wrong = 0;

	CHECK_INT(rand_bytes(in, sizeof(in)), 0);
	for (size_t k = 0; k < 3; k++) {
		struct cbc_ctx *c;

		CHECK_INT(rand_bytes(key, sizeof(key)), 0);
		c = cbc_ctx_new(key, klens[k]);
		CHECK(c != NULL);
		if (!c)
			continue;
		for (size_t len = 0; len <= sizeof(in); len += 16) {
			CHECK_INT(rand_bytes(iv, sizeof(iv)), 0);
			CHECK_INT(cipher_cbc_encrypt(key, klens[k], iv, in, a, len), 0);
			CHECK_INT(cbc_ctx_encrypt(c, iv, in, b, len), 0);
			wrong += memcmp(a, b, len) != 0;
			CHECK_INT(cbc_ctx_decrypt(c, iv, a, b, len), 0);
			wrong += memcmp(in, b, len) != 0;
		}
		cbc_ctx_free(c);
	}
	CHECK_INT(wrong, 0);
}

static int cmp16(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

/* IVs: fixed per (context, n), distinct over n, not the counter itself,
 * and another context (another random key) gives others. */
static void test_iv(void)
{
	enum { N = 4096 };
	unsigned char key[16] = { 1 }, (*ivs)[16] = malloc(N * 16), iv[16], plain_n[16] = { 0 };
	struct cbc_ctx *c = cbc_ctx_new(key, 16), *d = cbc_ctx_new(key, 16);
	unsigned dup = 0, same = 0;

	CHECK(c && d && ivs);
	if (!c || !d || !ivs)
		return;
	for (uint64_t n = 0; n < N; n++)
		CHECK_INT(cbc_ctx_iv(c, n, ivs[n]), 0);
	CHECK_INT(cbc_ctx_iv(c, 7, iv), 0);
	CHECK_MEM(iv, ivs[7], 16);
	plain_n[15] = 7;
	CHECK(memcmp(iv, plain_n, 16) != 0);
	for (uint64_t n = 0; n < 64; n++) {
		CHECK_INT(cbc_ctx_iv(d, n, iv), 0);
		same += memcmp(iv, ivs[n], 16) == 0;
	}
	CHECK_INT(same, 0);
	CHECK_INT(cbc_ctx_iv(c, UINT64_MAX, iv), 0);
	qsort(ivs, N, 16, cmp16);
	for (size_t i = 1; i < N; i++)
		dup += memcmp(ivs[i - 1], ivs[i], 16) == 0;
	CHECK_INT(dup, 0);
	free(ivs);
	cbc_ctx_free(c);
	cbc_ctx_free(d);
}

static void test_refused(void)
{
	unsigned char key[32] = { 0 }, iv[16] = { 0 }, buf[32] = { 0 };
	struct cbc_ctx *c = cbc_ctx_new(key, 32);

	CHECK(cbc_ctx_new(key, 0) == NULL);
	CHECK(cbc_ctx_new(key, 20) == NULL);
	CHECK(cbc_ctx_new(key, 33) == NULL);
	CHECK(c != NULL);
	if (c) {
		CHECK_INT(cbc_ctx_encrypt(c, iv, buf, buf, 15), -1);	/* not whole blocks */
		CHECK_INT(cbc_ctx_decrypt(c, iv, buf, buf, 17), -1);
		CHECK_INT(cbc_ctx_encrypt(c, iv, buf, buf, 0), 0);	/* nothing is fine */
		CHECK_INT(cbc_ctx_encrypt(c, iv, buf, buf, 32), 0);	/* still usable */
	}
	cbc_ctx_free(c);
	cbc_ctx_free(NULL);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++)
		check_kat(&kats[i]);
	test_against_oneshot();
	test_iv();
	test_refused();
	return check_summary("crypto-cbc-ctx");
}
