/* SPDX-License-Identifier: Apache-2.0 */
/* The data-plane promise of aead.h: after aead_new, encrypting and
 * decrypting packets allocates nothing.  Counted through OpenSSL's
 * allocator hooks (every EVP allocation goes through CRYPTO_malloc), so
 * this test, unlike the module code, includes an OpenSSL header. */
#include <stdlib.h>

#include <openssl/crypto.h>

#include "check.h"
#include "crypto/aead.h"

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
	unsigned char keymat[36] = { 1, 2, 3 }, iv[8] = { 0 }, aad[8] = { 0 }, buf[1500], tag[16];
	unsigned long before;
	struct aead *a;

	/* Must come before OpenSSL's first allocation. */
	CHECK(CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free));
	a = aead_new(keymat, sizeof(keymat));
	CHECK(a != NULL);
	if (!a)
		return check_summary("crypto-aead-alloc");
	CHECK(allocs > 0);		/* the hooks do see EVP's allocations */
	memset(buf, 0x5a, sizeof(buf));
	/* Warm up once, then count. */
	CHECK_INT(aead_encrypt(a, iv, aad, 8, buf, sizeof(buf), buf, tag), 0);
	CHECK_INT(aead_decrypt(a, iv, aad, 8, buf, sizeof(buf), buf, tag), 0);
	before = allocs;
	for (int n = 1; n <= 1000; n++) {
		iv[6] = (unsigned char)(n >> 8);
		iv[7] = (unsigned char)n;
		CHECK_INT(aead_encrypt(a, iv, aad, 8, buf, sizeof(buf), buf, tag), 0);
		CHECK_INT(aead_decrypt(a, iv, aad, 8, buf, sizeof(buf), buf, tag), 0);
	}
	CHECK_INT(allocs - before, 0);
	aead_free(a);
	return check_summary("crypto-aead-alloc");
}
