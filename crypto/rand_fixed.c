/* SPDX-License-Identifier: Apache-2.0 */
/* A deterministic RAND_METHOD (see rand_fixed.h).  splitmix64: not secret in
 * any way, which is the point.  OpenSSL 3 still consults a RAND_METHOD set
 * with the deprecated RAND_set_rand_method() before its own DRBGs, for
 * RAND_bytes and RAND_priv_bytes alike; that is the only hook reaching the
 * key generation inside the default provider without a provider of our own. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/rand.h>
#include <stdlib.h>

#include "crypto/rand_fixed.h"

static uint64_t state;

static uint64_t next(void)
{
	uint64_t z = (state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int fixed_bytes(unsigned char *buf, int num)
{
	for (int i = 0; i < num; i += 8) {
		uint64_t v = next();
		for (int k = 0; k < 8 && i + k < num; k++)
			buf[i + k] = (unsigned char)(v >> (8 * k));
	}
	return 1;
}

static int fixed_seed(const void *buf, int num)
{
	return 1;	/* outside entropy would make runs differ: ignored */
}

static int fixed_add(const void *buf, int num, double entropy)
{
	return 1;
}

static int fixed_status(void)
{
	return 1;
}

static const RAND_METHOD fixed = {
	.seed = fixed_seed,
	.bytes = fixed_bytes,
	.add = fixed_add,
	.pseudorand = fixed_bytes,
	.status = fixed_status,
};

void rand_fixed_seed(uint64_t seed)
{
	static int installed;

	if (!installed) {
		if (RAND_set_rand_method(&fixed) != 1)
			abort();	/* the fuzz target would not be deterministic */
		installed = 1;
	}
	state = seed;
}
