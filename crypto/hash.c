#include "crypto/hash.h"

#include <openssl/evp.h>

int hash_sha1(const uint8_t *data, size_t len, uint8_t out[20])
{
	unsigned int n = 0;
	if (!EVP_Digest(data, len, out, &n, EVP_sha1(), NULL) || n != 20)
		return -1;
	return 0;
}
