/* SPDX-License-Identifier: Apache-2.0 */
/* Random bytes for nonces, SPIs, IVs and private keys. */
#include <limits.h>

#include <openssl/rand.h>

#include "crypto/rand.h"

int rand_bytes(void *out, size_t len)
{
	unsigned char *p = out;

	/* RAND_bytes takes an int: hand it at most INT_MAX at a time. */
	while (len) {
		int n = len > INT_MAX ? INT_MAX : (int)len;

		if (RAND_bytes(p, n) != 1)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
