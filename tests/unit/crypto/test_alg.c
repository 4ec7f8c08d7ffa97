/* SPDX-License-Identifier: Apache-2.0 */
/* alg.c tables: IANA names (RFC 7296 3.3.2 and the IKEv2 registry), sizes
 * (RFC 4868 2.1, RFC 4106 8.1, RFC 5903 7, RFC 3526) and supported sets. */
#include "check.h"
#include "crypto/alg.h"

static void test_names(void)
{
	CHECK_STR(encr_name(ENCR_AES_CBC), "ENCR_AES_CBC");
	CHECK_STR(encr_name(ENCR_AES_GCM_16), "ENCR_AES_GCM_16");
	CHECK_STR(encr_name(28), "ENCR_CHACHA20_POLY1305");	/* RFC 7634 4 */
	CHECK_STR(prf_name(PRF_HMAC_SHA2_384), "PRF_HMAC_SHA2_384");
	CHECK_STR(integ_name(AUTH_HMAC_SHA2_384_192), "AUTH_HMAC_SHA2_384_192");
	CHECK_STR(integ_name(AUTH_NONE), "NONE");
	CHECK_STR(dh_name(MODP_1536), "MODP_1536");
	CHECK_STR(dh_name(ECP_384), "ECP_384");
	CHECK_STR(dh_name(CURVE25519), "CURVE25519");
	CHECK_STR(encr_name(3), "UNKNOWN");	/* ENCR_3DES: not implemented */
	CHECK_STR(dh_name(99), "UNKNOWN");
}

static void test_sizes(void)
{
	CHECK_INT(prf_out_len(PRF_HMAC_SHA1), 20);
	CHECK_INT(prf_out_len(PRF_HMAC_SHA2_512), 64);
	CHECK_INT(prf_out_len(4), 0);		/* PRF_AES128_XCBC: not here */
	CHECK_INT(integ_key_len(AUTH_HMAC_SHA2_256_128), 32);
	CHECK_INT(integ_icv_len(AUTH_HMAC_SHA1_96), 12);
	CHECK_INT(integ_icv_len(AUTH_HMAC_SHA2_384_192), 24);
	CHECK_INT(integ_icv_len(AUTH_HMAC_SHA2_512_256), 32);
	CHECK_INT(integ_key_len(AUTH_NONE), 0);
	CHECK_INT(dh_pub_len(MODP_1536), 192);
	CHECK_INT(dh_pub_len(MODP_4096), 512);
	CHECK_INT(dh_pub_len(ECP_384), 96);
	CHECK_INT(dh_pub_len(ECP_521), 132);
	CHECK_INT(dh_pub_len(CURVE25519), 32);
	CHECK_INT(encr_keymat_len(ENCR_AES_CBC, 256), 32);
	CHECK_INT(encr_keymat_len(ENCR_AES_GCM_16, 256), 36);
	CHECK_INT(encr_keymat_len(ENCR_AES_GCM_16, 128), 20);
	CHECK_INT(encr_keymat_len(ENCR_AES_GCM_16, 100), 0);
	CHECK_INT(encr_iv_len(ENCR_AES_CBC), 16);
	CHECK_INT(encr_iv_len(ENCR_AES_GCM_16), 8);
	CHECK_INT(encr_block_len(ENCR_AES_CBC), 16);
	CHECK_INT(encr_block_len(ENCR_AES_GCM_16), 4);
	CHECK_INT(encr_icv_len(ENCR_AES_GCM_16), 16);
	CHECK_INT(encr_icv_len(ENCR_AES_CBC), 0);
	/* RFC 7634 2: 32-byte key and 4-byte salt, framed as GCM. */
	CHECK_INT(encr_keymat_len(ENCR_CHACHA20_POLY1305, 256), 36);
	CHECK_INT(encr_keymat_len(ENCR_CHACHA20_POLY1305, 128), 0);
	CHECK_INT(encr_iv_len(ENCR_CHACHA20_POLY1305), 8);
	CHECK_INT(encr_block_len(ENCR_CHACHA20_POLY1305), 4);
	CHECK_INT(encr_icv_len(ENCR_CHACHA20_POLY1305), 16);
	CHECK(encr_is_aead(ENCR_CHACHA20_POLY1305));
	CHECK(encr_is_aead(ENCR_AES_GCM_16));
	CHECK(!encr_is_aead(ENCR_AES_CBC));
	/* No Key Length attribute for ChaCha20-Poly1305; AES keeps its own. */
	CHECK_INT(encr_wire_keybits(ENCR_CHACHA20_POLY1305, 256), 0);
	CHECK_INT(encr_wire_keybits(ENCR_AES_GCM_16, 256), 256);
	CHECK_INT(encr_wire_keybits(ENCR_AES_CBC, 128), 128);
}

static void test_supported(void)
{
	CHECK(encr_supported(ENCR_AES_GCM_16, 256));
	CHECK(encr_supported(ENCR_CHACHA20_POLY1305, 256));
	CHECK(!encr_supported(ENCR_CHACHA20_POLY1305, 128));
	CHECK(encr_supported(ENCR_AES_CBC, 128));
	CHECK(!encr_supported(ENCR_AES_CBC, 64));
	CHECK(!encr_supported(ENCR_NONE, 256));
	CHECK(prf_supported(PRF_HMAC_SHA2_256));
	CHECK(!prf_supported(PRF_NONE));
	CHECK(integ_supported(AUTH_HMAC_SHA2_512_256));
	CHECK(!integ_supported(AUTH_NONE));
	CHECK(dh_supported(ECP_256));
	CHECK(dh_supported(MODP_2048));
	CHECK(!dh_supported(DH_NONE));
	CHECK(!dh_supported(22));		/* MODP 1024 with 160-bit subgroup */
}

int main(void)
{
	test_names();
	test_sizes();
	test_supported();
	return check_summary("crypto-alg");
}
