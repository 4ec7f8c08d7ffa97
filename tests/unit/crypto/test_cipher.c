/* SPDX-License-Identifier: Apache-2.0 */
/* AES-CBC known answers: NIST SP 800-38A appendix F.2.5 (CBC-AES256.Encrypt)
 * and F.2.6 (CBC-AES256.Decrypt), RFC 3602 section 4 case #1 (AES-128). */
#include "check.h"
#include "crypto/cipher.h"

static const char sp_key[] = "603deb1015ca71be2b73aef0857d7781"
			     "1f352c073b6108d72d9810a30914dff4";
static const char sp_iv[] = "000102030405060708090a0b0c0d0e0f";
static const char sp_plain[] = "6bc1bee22e409f96e93d7e117393172a"
			       "ae2d8a571e03ac9c9eb76fac45af8e51"
			       "30c81c46a35ce411e5fbc1191a0a52ef"
			       "f69f2445df4f9b17ad2b417be66c3710";
static const char sp_cipher[] = "f58c4c04d6e5f1ba779eabfb5f7bfbd6"
				"9cfc4e967edb808d679f777bc6702c7d"
				"39f23369a9d9bacfa530e26304231461"
				"b2eb05e2c39be9fcda6c19078c6a9d1b";

static unsigned char key[32], iv[16], plain[64], ciph[64], out[64];

static void test_sp800_38a(void)
{
	check_unhex(sp_key, key, sizeof(key));
	check_unhex(sp_iv, iv, sizeof(iv));
	check_unhex(sp_plain, plain, sizeof(plain));
	check_unhex(sp_cipher, ciph, sizeof(ciph));

	CHECK_INT(cipher_cbc_encrypt(key, 32, iv, plain, out, 64), 0);
	CHECK_MEM(out, ciph, 64);
	CHECK_INT(cipher_cbc_decrypt(key, 32, iv, ciph, out, 64), 0);
	CHECK_MEM(out, plain, 64);

	/* In place, as the SK payload and ESP code will call it. */
	memcpy(out, plain, 64);
	CHECK_INT(cipher_cbc_encrypt(key, 32, iv, out, out, 64), 0);
	CHECK_MEM(out, ciph, 64);
	CHECK_INT(cipher_cbc_decrypt(key, 32, iv, out, out, 64), 0);
	CHECK_MEM(out, plain, 64);

	/* A wrong key must not give the plaintext back. */
	key[0] ^= 1;
	CHECK_INT(cipher_cbc_decrypt(key, 32, iv, ciph, out, 64), 0);
	CHECK(memcmp(out, plain, 64) != 0);
}

static void test_rfc3602(void)
{
	unsigned char k[16], v[16], c[16], o[16];

	check_unhex("06a9214036b8a15b512e03d534120006", k, sizeof(k));
	check_unhex("3dafba429d9eb430b422da802c9fac41", v, sizeof(v));
	check_unhex("e353779c1079aeb82708942dbe77181a", c, sizeof(c));
	CHECK_INT(cipher_cbc_encrypt(k, 16, v, (const uint8_t *)"Single block msg", o, 16), 0);
	CHECK_MEM(o, c, 16);
}

static void test_refused(void)
{
	CHECK_INT(cipher_cbc_encrypt(key, 32, iv, plain, out, 63), -1);	/* not blocks */
	CHECK_INT(cipher_cbc_decrypt(key, 20, iv, ciph, out, 64), -1);	/* key length */
}

int main(void)
{
	test_sp800_38a();
	test_rfc3602();
	test_refused();
	return check_summary("crypto-cipher");
}
