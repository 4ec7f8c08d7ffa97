/* SPDX-License-Identifier: Apache-2.0 */
/* The data-plane promise of aead.h: after aead_new, encrypting and
 * decrypting packets allocates nothing, for AES-GCM and ChaCha20-Poly1305.  Counted through OpenSSL's
 * allocator hooks (every EVP allocation goes through CRYPTO_malloc), so
 * this test, unlike the module code, includes an OpenSSL header. */
#include <stdlib.h>

#include <openssl/crypto.h>

#include "check.h"
#include "crypto/aead.h"
#include "crypto/alg.h"

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

/* Keyed once (allocating), then 1000 packets each way: no allocation. */
static void count_packets(unsigned encr)
{
	unsigned char keymat[36] = { 1, 2, 3 }, iv[8] = { 0 }, aad[8] = { 0 }, buf[1500], tag[16];
	unsigned long before = allocs;
	struct aead *a;

	a = aead_new_alg(encr, keymat, sizeof(keymat));
	CHECK(a != NULL);
	if (!a)
		return;
	CHECK(allocs > before);		/* the hooks do see EVP's allocations */
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
}

int main(void)
{
	/* Must come before OpenSSL's first allocation. */
	CHECK(CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free));
	count_packets(ENCR_AES_GCM_16);
	count_packets(ENCR_CHACHA20_POLY1305);
	return check_summary("crypto-aead-alloc");
}
