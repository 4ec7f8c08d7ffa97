/* SPDX-License-Identifier: Apache-2.0 */
/* ChaCha20-Poly1305 through aead_* (RFC 7634): the AEAD test vector of
 * RFC 7539 section 2.8.2 (also RFC 8439), whose 12-byte nonce is split as
 * ESP and IKE split it: the first 4 bytes are the salt at the end of the
 * 36-byte key material, the last 8 the explicit IV of the packet. */
#include "check.h"
#include "crypto/aead.h"
#include "crypto/alg.h"

/* "Ladies and Gentlemen of the class of '99: If I could offer you only one
 * tip for the future, sunscreen would be it." */
static const char sunscreen[] =
	"4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
	"73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
	"6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
	"637265656e20776f756c642062652069742e";
static const char sunscreen_ct[] =
	"d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	"3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	"92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	"3ff4def08e4b7a9de576d26586cec64b6116";
static const char key_salt[] =	/* key 80..9f | salt 07000000 */
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f07000000";
static const char iv_hex[] = "4041424344454647";
static const char aad_hex[] = "50515253c0c1c2c3c4c5c6c7";
static const char tag_hex[] = "1ae10b594f09e26a7e902ecbd0600691";

struct kat {
	unsigned char keymat[36], iv[8], aad[12], plain[114], cipher[114], tag[16];
	unsigned char out[114], otag[16];
	size_t len;
};

static void load(struct kat *k)
{
	memset(k, 0, sizeof(*k));
	CHECK_INT(check_unhex(key_salt, k->keymat, sizeof(k->keymat)), 36);
	check_unhex(iv_hex, k->iv, sizeof(k->iv));
	check_unhex(aad_hex, k->aad, sizeof(k->aad));
	k->len = check_unhex(sunscreen, k->plain, sizeof(k->plain));
	CHECK_INT(k->len, 114);
	check_unhex(sunscreen_ct, k->cipher, sizeof(k->cipher));
	check_unhex(tag_hex, k->tag, sizeof(k->tag));
}

static void test_rfc7539_vector(void)
{
	struct aead *a;
	struct kat k;

	load(&k);
	a = aead_new_alg(ENCR_CHACHA20_POLY1305, k.keymat, sizeof(k.keymat));
	CHECK(a != NULL);
	if (!a)
		return;
	CHECK_INT(aead_encrypt(a, k.iv, k.aad, sizeof(k.aad), k.plain, k.len, k.out, k.otag), 0);
	CHECK_MEM(k.out, k.cipher, k.len);
	CHECK_MEM(k.otag, k.tag, 16);
	CHECK_INT(aead_decrypt(a, k.iv, k.aad, sizeof(k.aad), k.cipher, k.len, k.out, k.tag), 0);
	CHECK_MEM(k.out, k.plain, k.len);
	/* The same keyed object, again: the nonce reset must not keep state. */
	CHECK_INT(aead_encrypt(a, k.iv, k.aad, sizeof(k.aad), k.plain, k.len, k.out, k.otag), 0);
	CHECK_MEM(k.otag, k.tag, 16);
	/* In place, as ESP does it. */
	memcpy(k.out, k.plain, k.len);
	CHECK_INT(aead_encrypt(a, k.iv, k.aad, sizeof(k.aad), k.out, k.len, k.out, k.otag), 0);
	CHECK_MEM(k.out, k.cipher, k.len);
	aead_free(a);
}

/* Forgeries: a tag bit, a ciphertext bit, the AAD (the ESP sequence
 * number), the IV and the salt each break the tag. */
static void test_refuses_forgery(void)
{
	struct aead *a;
	struct kat k;

	load(&k);
	a = aead_new_alg(ENCR_CHACHA20_POLY1305, k.keymat, sizeof(k.keymat));
	CHECK(a != NULL);
	if (!a)
		return;
	k.tag[0] ^= 0x80;
	CHECK_INT(aead_decrypt(a, k.iv, k.aad, sizeof(k.aad), k.cipher, k.len, k.out, k.tag), -1);
	k.tag[0] ^= 0x80;
	k.cipher[113] ^= 1;
	CHECK_INT(aead_decrypt(a, k.iv, k.aad, sizeof(k.aad), k.cipher, k.len, k.out, k.tag), -1);
	k.cipher[113] ^= 1;
	k.aad[11] ^= 1;
	CHECK_INT(aead_decrypt(a, k.iv, k.aad, sizeof(k.aad), k.cipher, k.len, k.out, k.tag), -1);
	k.aad[11] ^= 1;
	k.iv[7] ^= 1;
	CHECK_INT(aead_decrypt(a, k.iv, k.aad, sizeof(k.aad), k.cipher, k.len, k.out, k.tag), -1);
	k.iv[7] ^= 1;
	CHECK_INT(aead_decrypt(a, k.iv, k.aad, sizeof(k.aad), k.cipher, k.len, k.out, k.tag), 0);
	aead_free(a);
	k.keymat[35] ^= 1;			/* another salt */
	a = aead_new_alg(ENCR_CHACHA20_POLY1305, k.keymat, sizeof(k.keymat));
	CHECK(a != NULL);
	if (!a)
		return;
	CHECK_INT(aead_decrypt(a, k.iv, k.aad, sizeof(k.aad), k.cipher, k.len, k.out, k.tag), -1);
	aead_free(a);
}

/* The transform picks the cipher: the same 36 bytes keyed as AES-256-GCM
 * give another ciphertext, and ChaCha20-Poly1305 takes only a 32-byte key. */
static void test_transform_and_lengths(void)
{
	struct aead *a;
	struct kat k;

	load(&k);
	a = aead_new_alg(ENCR_AES_GCM_16, k.keymat, sizeof(k.keymat));
	CHECK(a != NULL);
	if (a) {
		CHECK_INT(aead_encrypt(a, k.iv, k.aad, sizeof(k.aad), k.plain, k.len, k.out, k.otag), 0);
		CHECK(memcmp(k.out, k.cipher, k.len) != 0);
		aead_free(a);
	}
	CHECK(aead_new_alg(ENCR_CHACHA20_POLY1305, k.keymat, 20) == NULL);
	CHECK(aead_new_alg(ENCR_CHACHA20_POLY1305, k.keymat, 28) == NULL);
	CHECK(aead_new_alg(ENCR_CHACHA20_POLY1305, k.keymat, 32) == NULL);
	CHECK(aead_new_alg(ENCR_AES_CBC, k.keymat, 36) == NULL);
	CHECK(aead_new_alg(99, k.keymat, 36) == NULL);
}

/* Many packets through one object, alternating directions, every length
 * from 0 to 64 (a stream cipher: no block alignment of its own). */
static void test_reuse(void)
{
	unsigned char keymat[36] = { 9, 8, 7 }, iv[8] = { 0 }, buf[64], tag[16], plain[64];
	struct aead *a = aead_new_alg(ENCR_CHACHA20_POLY1305, keymat, sizeof(keymat));

	CHECK(a != NULL);
	if (!a)
		return;
	for (int i = 0; i < 64; i++)
		plain[i] = (unsigned char)(i * 7);
	for (int n = 0; n <= 64; n++) {
		iv[7] = (unsigned char)n;
		memcpy(buf, plain, sizeof(buf));
		CHECK_INT(aead_encrypt(a, iv, plain, 8, buf, (size_t)n, buf, tag), 0);
		CHECK(n == 0 || memcmp(buf, plain, (size_t)n) != 0);
		CHECK_INT(aead_decrypt(a, iv, plain, 8, buf, (size_t)n, buf, tag), 0);
		CHECK_MEM(buf, plain, (size_t)n);
	}
	aead_free(a);
}

int main(void)
{
	test_rfc7539_vector();
	test_refuses_forgery();
	test_transform_and_lengths();
	test_reuse();
	return check_summary("crypto-chacha");
}
