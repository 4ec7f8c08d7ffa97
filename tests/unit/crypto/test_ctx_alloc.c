/* SPDX-License-Identifier: Apache-2.0 */
/* The data-plane promise of cbc_ctx.h and integ_ctx.h: once made,
 * encrypting, decrypting, making IVs and computing or verifying ICVs
 * allocate nothing.  Counted through OpenSSL's allocator hooks, as
 * test_aead_alloc.c does, so this test includes an OpenSSL header. */
#include <stdlib.h>

#include <openssl/crypto.h>

#include "check.h"
#include "crypto/alg.h"
#include "crypto/cbc_ctx.h"
#include "crypto/integ_ctx.h"

static unsigned long allocs;

static void *count_malloc(size_t n, const char *file, int line)
{
	allocs++;
	return malloc(n);
}

static void *count_realloc(void *p, size_t n, const char *file, int line)
{
	allocs++;
	return realloc(p, n);
}

static void count_free(void *p, const char *file, int line)
{
	free(p);
}

int main(void)
{
	static const unsigned algs[] = { AUTH_HMAC_SHA1_96, AUTH_HMAC_SHA2_256_128,
					 AUTH_HMAC_SHA2_384_192, AUTH_HMAC_SHA2_512_256 };
	unsigned char key[64] = { 1, 2, 3 }, iv[16] = { 0 }, buf[1424], icv[32];
	struct integ_ctx *ic[4];
	struct cbc_ctx *c;
	unsigned long before;

	/* Must come before OpenSSL's first allocation. */
	CHECK(CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free));
	c = cbc_ctx_new(key, 32);
	CHECK(c != NULL);
	for (size_t i = 0; i < 4; i++) {
		ic[i] = integ_ctx_new(algs[i], key, integ_key_len(algs[i]));
		CHECK(ic[i] != NULL);
		if (!ic[i])
			return check_summary("crypto-ctx-alloc");
	}
	if (!c)
		return check_summary("crypto-ctx-alloc");
	CHECK(allocs > 0);		/* the hooks do see EVP's allocations */
	memset(buf, 0x5a, sizeof(buf));
	/* Warm up once, then count. */
	CHECK_INT(cbc_ctx_iv(c, 0, iv), 0);
	CHECK_INT(cbc_ctx_encrypt(c, iv, buf, buf, sizeof(buf)), 0);
	CHECK_INT(cbc_ctx_decrypt(c, iv, buf, buf, sizeof(buf)), 0);
	before = allocs;
	for (uint64_t n = 1; n <= 1000; n++) {
		CHECK_INT(cbc_ctx_iv(c, n, iv), 0);
		CHECK_INT(cbc_ctx_encrypt(c, iv, buf, buf, sizeof(buf)), 0);
		CHECK_INT(cbc_ctx_decrypt(c, iv, buf, buf, sizeof(buf)), 0);
		for (size_t i = 0; i < 4; i++) {
			CHECK_INT(integ_ctx_compute(ic[i], buf, sizeof(buf), icv), 0);
			CHECK_INT(integ_ctx_verify(ic[i], buf, sizeof(buf), icv), 0);
		}
	}
	CHECK_INT(allocs - before, 0);
	cbc_ctx_free(c);
	for (size_t i = 0; i < 4; i++)
		integ_ctx_free(ic[i]);
	return check_summary("crypto-ctx-alloc");
}
