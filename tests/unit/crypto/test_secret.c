/* SPDX-License-Identifier: Apache-2.0 */
/* secret.c and rand.c: allocation, copies, constant-time compare. */
#include <stdlib.h>

#include "check.h"
#include "crypto/rand.h"
#include "crypto/secret.h"

static void test_secret(void)
{
	static const unsigned char key[] = { 1, 2, 3, 4, 5 };
	struct secret *z = secret_new(16), *d = secret_dup(key, sizeof(key));
	unsigned char zero[16] = { 0 };

	CHECK(z != NULL && d != NULL);
	if (!z || !d)
		return;
	CHECK_INT(z->len, 16);
	CHECK_MEM(z->buf, zero, 16);
	CHECK_INT(d->len, 5);
	CHECK_MEM(d->buf, key, 5);
	CHECK_INT(secret_memcmp(d->buf, key, 5), 0);
	CHECK(secret_memcmp(z->buf, key, 5) != 0);
	secret_wipe(d->buf, d->len);
	CHECK_MEM(d->buf, zero, 5);
	secret_free(z);
	secret_free(d);
	secret_free(NULL);		/* a no-op */
	z = secret_new(0);
	CHECK(z != NULL && z->len == 0);
	secret_free(z);
}

static void test_rand(void)
{
	unsigned char a[32] = { 0 }, b[32] = { 0 };

	CHECK_INT(rand_bytes(a, sizeof(a)), 0);
	CHECK_INT(rand_bytes(b, sizeof(b)), 0);
	/* Two 256-bit draws colliding would mean a broken RNG. */
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	CHECK_INT(rand_bytes(a, 0), 0);
}

int main(void)
{
	test_secret();
	test_rand();
	return check_summary("crypto-secret");
}
