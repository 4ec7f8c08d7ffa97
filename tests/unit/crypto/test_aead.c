/* SPDX-License-Identifier: Apache-2.0 */
/* AES-GCM through aead_*: McGrew & Viega, "The Galois/Counter Mode of
 * Operation (GCM)", test cases 13-16 (256-bit keys, 96-bit IV; cases 17
 * and 18 use other IV lengths, which ESP never does), and the ESP packet
 * with a 256-bit key from draft-mcgrew-gcm-test-01 section 4 (SPI
 * 4a2cbfe3, sequence number 2).  The 12-byte GCM IV is our 4-byte salt
 * (the end of the key material) followed by the 8-byte explicit IV. */
#include "check.h"
#include "crypto/aead.h"

struct gcm_case {
	const char *name, *key, *iv12, *aad, *plain, *cipher, *tag;
};

static const char tc15_plain[] =
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
static const char tc15_cipher[] =
	"522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	"8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";
static const char tc16_plain[] =
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
static const char tc16_cipher[] =
	"522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	"8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662";
static const char k15[] = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";

static const struct gcm_case cases[] = {
	{ "TC13", "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b" },
	{ "TC14", "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "", "00000000000000000000000000000000",
	  "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919" },
	{ "TC15", k15, "cafebabefacedbaddecaf888", "", tc15_plain, tc15_cipher,
	  "b094dac5d93471bdec1a502270e3cc6c" },
	{ "TC16", k15, "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	  tc16_plain, tc16_cipher, "76fc6ece0f4e1768cddf8853bb2d551b" },
	/* ESP: AAD = SPI | 32-bit sequence number; salt 11223344. */
	{ "ESP-4a2cbfe3", "abbccddef00112233445566778899aababbccddef00112233445566778899aab",
	  "112233440102030405060708", "4a2cbfe300000002",
	  "4500003069a6400080062690c0a801029389155e0a9e008b2dc57ee000000000"
	  "7002400020bf0000020405b40101040201020201",
	  "ff425c9b724599df7a3bcd510194e00d6a78107f1b0b1cbf06efae9d65a5d763"
	  "748a637985771d347f0545659f14e99def842d8e",
	  "b335f4eecfdbf831824b4c4915956c96" },
};

struct gcm_bytes {
	unsigned char keymat[36], aad[32], plain[64], cipher[64], tag[16], out[64], otag[16];
	size_t keylen, aadlen, len;
};

/* keymat = key | salt, the salt being the first 4 bytes of the 12-byte IV. */
static void load(const struct gcm_case *c, struct gcm_bytes *b)
{
	unsigned char iv12[12];

	memset(b, 0, sizeof(*b));
	b->keylen = check_unhex(c->key, b->keymat, 32);
	check_unhex(c->iv12, iv12, sizeof(iv12));
	memcpy(b->keymat + b->keylen, iv12, 4);
	b->aadlen = check_unhex(c->aad, b->aad, sizeof(b->aad));
	b->len = check_unhex(c->plain, b->plain, sizeof(b->plain));
	check_unhex(c->cipher, b->cipher, sizeof(b->cipher));
	check_unhex(c->tag, b->tag, sizeof(b->tag));
}

static void run_case(const struct gcm_case *c)
{
	unsigned fails = check_fail_count;
	struct gcm_bytes b;
	unsigned char iv12[12];
	struct aead *a;

	load(c, &b);
	check_unhex(c->iv12, iv12, sizeof(iv12));
	a = aead_new(b.keymat, b.keylen + 4);
	CHECK(a != NULL);
	if (!a)
		return;
	CHECK_INT(aead_encrypt(a, iv12 + 4, b.aad, b.aadlen, b.plain, b.len, b.out, b.otag), 0);
	CHECK_MEM(b.out, b.cipher, b.len);
	CHECK_MEM(b.otag, b.tag, 16);
	CHECK_INT(aead_decrypt(a, iv12 + 4, b.aad, b.aadlen, b.cipher, b.len, b.out, b.tag), 0);
	CHECK_MEM(b.out, b.plain, b.len);
	/* A flipped tag bit must be refused. */
	b.tag[15] ^= 0x01;
	CHECK_INT(aead_decrypt(a, iv12 + 4, b.aad, b.aadlen, b.cipher, b.len, b.out, b.tag), -1);
	aead_free(a);
	if (check_fail_count != fails)
		fprintf(stderr, "  in GCM case %s\n", c->name);
}

/* Nonce handling: the salt must come from the key material and the IV
 * from the caller, so the same key with another salt or IV gives another
 * ciphertext; and an AAD change must break the tag. */
static void test_nonce_and_aad(void)
{
	struct gcm_bytes b;
	unsigned char iv12[12];
	struct aead *a;

	load(&cases[4], &b);
	check_unhex(cases[4].iv12, iv12, sizeof(iv12));
	b.keymat[35] ^= 0x80;			/* another salt */
	a = aead_new(b.keymat, 36);
	CHECK(a != NULL);
	if (!a)
		return;
	CHECK_INT(aead_encrypt(a, iv12 + 4, b.aad, b.aadlen, b.plain, b.len, b.out, b.otag), 0);
	CHECK(memcmp(b.out, b.cipher, b.len) != 0);
	aead_free(a);
	b.keymat[35] ^= 0x80;
	a = aead_new(b.keymat, 36);
	CHECK(a != NULL);
	if (!a)
		return;
	b.aad[7] ^= 1;				/* sequence number 3 instead of 2 */
	CHECK_INT(aead_decrypt(a, iv12 + 4, b.aad, b.aadlen, b.cipher, b.len, b.out, b.tag), -1);
	b.aad[7] ^= 1;
	iv12[11] ^= 1;				/* another explicit IV */
	CHECK_INT(aead_decrypt(a, iv12 + 4, b.aad, b.aadlen, b.cipher, b.len, b.out, b.tag), -1);
	aead_free(a);
}

/* Reuse: one keyed object, many packets, alternating directions. */
static void test_reuse(void)
{
	unsigned char keymat[36] = { 7 }, iv[8] = { 0 }, buf[100], tag[16], plain[100];
	struct aead *a = aead_new(keymat, sizeof(keymat));

	CHECK(a != NULL);
	if (!a)
		return;
	for (int i = 0; i < 100; i++)
		plain[i] = (unsigned char)i;
	for (int n = 0; n < 50; n++) {
		iv[7] = (unsigned char)n;
		memcpy(buf, plain, sizeof(buf));
		CHECK_INT(aead_encrypt(a, iv, NULL, 0, buf, (size_t)n, buf, tag), 0);
		CHECK_INT(aead_decrypt(a, iv, NULL, 0, buf, (size_t)n, buf, tag), 0);
		CHECK_MEM(buf, plain, (size_t)n);
	}
	aead_free(a);
}

static void test_refused(void)
{
	unsigned char keymat[36] = { 0 };

	CHECK(aead_new(keymat, 32) == NULL);	/* no salt, or a 28-byte key */
	CHECK(aead_new(keymat, 4) == NULL);
	CHECK(aead_new(keymat, 0) == NULL);
	aead_free(NULL);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_nonce_and_aad();
	test_reuse();
	test_refused();
	return check_summary("crypto-aead");
}
