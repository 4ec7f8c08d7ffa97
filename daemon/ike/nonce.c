/* SPDX-License-Identifier: Apache-2.0 */
/* Nonces compared as the rekey collision rules of RFC 7296 2.8.1 compare
 * them: as unsigned big-endian numbers of possibly different lengths (a
 * shorter one that is a prefix of the other is the lower). */
#include "daemon/ike/engine.h"

#include <string.h>

int ike_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);
	return r ? r : (alen > blen) - (alen < blen);
}

const uint8_t *ike_nonce_lower(const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
			       size_t *len)
{
	bool i = ike_nonce_cmp(ni, nilen, nr, nrlen) < 0;
	*len = i ? nilen : nrlen;
	return i ? ni : nr;
}
