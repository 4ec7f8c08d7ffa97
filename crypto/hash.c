/* SPDX-License-Identifier: Apache-2.0 */
#include "crypto/hash.h"

#include <openssl/evp.h>

static int digest(const EVP_MD *md, const uint8_t *data, size_t len, uint8_t *out,
		  unsigned int want)
{
	unsigned int n = 0;
	if (!EVP_Digest(data, len, out, &n, md, NULL) || n != want)
		return -1;
	return 0;
}

int hash_sha1(const uint8_t *data, size_t len, uint8_t out[20])
{
	return digest(EVP_sha1(), data, len, out, 20);
}

int hash_sha256(const uint8_t *data, size_t len, uint8_t out[32])
{
	return digest(EVP_sha256(), data, len, out, 32);
}
