/* SPDX-License-Identifier: Apache-2.0 */
/* PSK AUTH (RFC 7296 2.15), and the octets a signature covers:
 *   AUTH = prf(prf(PSK, "Key Pad for IKEv2"), msg | nonce | prf(SK_p, IDx'))
 * Expected values computed with Python's hmac/hashlib (independent of this
 * code) from these inputs: PSK "correct horse battery staple"; msg = 80
 * octets, octet i = (7 i + 3) mod 256; nonce = 32 octets, octet i = f0 - i;
 * SK_p = 40..5f; IDx' = 01 000000 c0a80001 (ID_IPV4_ADDR 192.168.0.1). */
#include "check.h"
#include "crypto/alg.h"
#include "crypto/keymat.h"
#include "crypto/secret.h"

static const char psk[] = "correct horse battery staple";
static unsigned char msg[80], nonce[32], skp[32], idbody[8];

static void load(void)
{
	for (int i = 0; i < 80; i++)
		msg[i] = (unsigned char)(i * 7 + 3);
	for (int i = 0; i < 32; i++) {
		nonce[i] = (unsigned char)(0xf0 - i);
		skp[i] = (unsigned char)(0x40 + i);
	}
	check_unhex("01000000c0a80001", idbody, sizeof(idbody));
}

static void check_auth(unsigned prf, const char *hex)
{
	struct secret *sk_p = secret_dup(skp, sizeof(skp));
	unsigned char want[64], got[64];
	size_t n = prf_out_len(prf);

	CHECK_INT(check_unhex(hex, want, sizeof(want)), n);
	CHECK_INT(keymat_psk_auth(prf, (const uint8_t *)psk, strlen(psk), msg, sizeof(msg),
				  nonce, sizeof(nonce), sk_p, idbody, sizeof(idbody), got), 0);
	CHECK_MEM(got, want, n);

	/* Each input matters: another PSK, nonce or ID gives another AUTH. */
	CHECK_INT(keymat_psk_auth(prf, (const uint8_t *)psk, strlen(psk) - 1, msg, sizeof(msg),
				  nonce, sizeof(nonce), sk_p, idbody, sizeof(idbody), got), 0);
	CHECK(memcmp(got, want, n) != 0);
	CHECK_INT(keymat_psk_auth(prf, (const uint8_t *)psk, strlen(psk), msg, sizeof(msg),
				  nonce, sizeof(nonce) - 1, sk_p, idbody, sizeof(idbody), got), 0);
	CHECK(memcmp(got, want, n) != 0);
	idbody[7] ^= 1;
	CHECK_INT(keymat_psk_auth(prf, (const uint8_t *)psk, strlen(psk), msg, sizeof(msg),
				  nonce, sizeof(nonce), sk_p, idbody, sizeof(idbody), got), 0);
	CHECK(memcmp(got, want, n) != 0);
	idbody[7] ^= 1;
	secret_free(sk_p);
}

/* The octets a signature covers (2.15): msg | nonce | prf(SK_p, IDx'), the
 * last computed with Python's hmac (HMAC-SHA2-256) from the inputs above. */
static void check_signed_octets(void)
{
	struct secret *sk_p = secret_dup(skp, sizeof(skp));
	unsigned char maced[32];
	struct secret *o;

	check_unhex("0b02bd97213e492d2bfbf3aae85f0c6fbbb7741cb59270251e94dee1f89a9c4f", maced, sizeof(maced));
	o = keymat_signed_octets(PRF_HMAC_SHA2_256, msg, sizeof(msg), nonce, sizeof(nonce), sk_p,
				 idbody, sizeof(idbody));
	CHECK(o && o->len == sizeof(msg) + sizeof(nonce) + 32);
	if (o && o->len == sizeof(msg) + sizeof(nonce) + 32) {
		CHECK_MEM(o->buf, msg, sizeof(msg));
		CHECK_MEM(o->buf + sizeof(msg), nonce, sizeof(nonce));
		CHECK_MEM(o->buf + sizeof(msg) + sizeof(nonce), maced, 32);
	}
	secret_free(o);
	CHECK(keymat_signed_octets(PRF_NONE, msg, 1, nonce, 1, sk_p, idbody, 1) == NULL);
	secret_free(sk_p);
}

int main(void)
{
	load();
	check_auth(PRF_HMAC_SHA2_256,
		   "101ac838fa20449784f81589c848f2d03377da59425cff7f1d86f92a0ccdd3c1");
	check_auth(PRF_HMAC_SHA2_384,
		   "4fbf90fdb8aac95177563e33620e403d67113c9e8d96b576aec6e310ffc5a387"
		   "48b017b6da71dbfb0c8a903276ec6040");
	CHECK_INT(keymat_psk_auth(PRF_NONE, (const uint8_t *)psk, 1, msg, 1, nonce, 1, NULL,
				  idbody, 1, msg), -1);
	check_signed_octets();
	return check_summary("crypto-auth");
}
