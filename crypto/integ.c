/* SPDX-License-Identifier: Apache-2.0 */
/* Integrity checksums for the IKE SK payload: the full HMAC truncated to the
 * ICV length (RFC 2404, RFC 4868). */
#include <string.h>

#include <openssl/crypto.h>

#include "crypto/alg.h"
#include "crypto/integ.h"
#include "crypto/prf.h"

#define HMAC_MAX_OUT 64

/* The AUTH_HMAC_* transforms are the PRF_HMAC_* ones cut short. */
static unsigned integ_prf(unsigned alg)
{
	switch (alg) {
	case AUTH_HMAC_SHA1_96:
		return PRF_HMAC_SHA1;
	case AUTH_HMAC_SHA2_256_128:
		return PRF_HMAC_SHA2_256;
	case AUTH_HMAC_SHA2_384_192:
		return PRF_HMAC_SHA2_384;
	case AUTH_HMAC_SHA2_512_256:
		return PRF_HMAC_SHA2_512;
	}
	return PRF_NONE;
}

/* Full HMAC into mac[HMAC_MAX_OUT]; the caller wipes it. */
static int integ_full(unsigned alg, const uint8_t *key, const uint8_t *data, size_t len,
		      uint8_t *mac)
{
	unsigned prf = integ_prf(alg);

	if (prf == PRF_NONE)
		return -1;
	return prf_compute(prf, key, integ_key_len(alg), data, len, mac);
}

int integ_compute(unsigned alg, const uint8_t *key, const uint8_t *data, size_t len, uint8_t *icv)
{
	uint8_t mac[HMAC_MAX_OUT];
	int r = integ_full(alg, key, data, len, mac);

	if (r == 0)
		memcpy(icv, mac, integ_icv_len(alg));
	OPENSSL_cleanse(mac, sizeof(mac));
	return r;
}

int integ_verify(unsigned alg, const uint8_t *key, const uint8_t *data, size_t len, const uint8_t *icv)
{
	uint8_t mac[HMAC_MAX_OUT];
	int r = integ_full(alg, key, data, len, mac);

	if (r == 0 && CRYPTO_memcmp(mac, icv, integ_icv_len(alg)) != 0)
		r = -1;
	OPENSSL_cleanse(mac, sizeof(mac));
	return r;
}
