/* SPDX-License-Identifier: Apache-2.0 */
/* HMAC-SHA2 through prf_compute (full output) and integ_compute/verify
 * (truncated ICVs).  Vectors: RFC 4231 test cases 1-4, 6 and 7 (the PRF
 * test vectors of RFC 4868 2.7.1 are the same), RFC 4868 2.7.2 AUTH test
 * cases (keys as long as the hash, 128/192/256-bit truncation), and
 * RFC 2202 case 1 for HMAC-SHA1 and its 96-bit truncation (RFC 2404). */
#include "check.h"
#include "crypto/alg.h"
#include "crypto/integ.h"
#include "crypto/prf.h"

struct hmac_case {
	const char *name;
	const char *key_hex;	/* NULL: key_fill repeated key_len times */
	unsigned char key_fill;
	size_t key_len;
	const char *data;	/* ASCII, or NULL: data_fill repeated data_len times */
	unsigned char data_fill;
	size_t data_len;
	const char *sha256, *sha384, *sha512;
};

static const struct hmac_case rfc4231[] = {
	{ "4231-1", NULL, 0x0b, 20, "Hi There", 0, 0,
	  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	  "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
	  "faea9ea9076ede7f4af152e8b2fa9cb6",
	  "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	  "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
	{ "4231-2", "4a656665", 0, 0, "what do ya want for nothing?", 0, 0,
	  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	  "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
	  "8e2240ca5e69e2c78b3239ecfab21649",
	  "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	  "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
	{ "4231-3", NULL, 0xaa, 20, NULL, 0xdd, 50,
	  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
	  "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
	  "2a5ab39dc13814b94e3ab6e101a34f27",
	  "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
	  "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb" },
	{ "4231-4", "0102030405060708090a0b0c0d0e0f10111213141516171819", 0, 0, NULL, 0xcd, 50,
	  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
	  "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e"
	  "6801dd23c4a7d679ccf8a386c674cffb",
	  "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
	  "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd" },
	{ "4231-6", NULL, 0xaa, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 0, 0,
	  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	  "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
	  "0c2ef6ab4030fe8296248df163f44952",
	  "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	  "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" },
	{ "4231-7", NULL, 0xaa, 131,
	  "This is a test using a larger than block-size key and a larger than block-size "
	  "data. The key needs to be hashed before being used by the HMAC algorithm.", 0, 0,
	  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
	  "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
	  "a678cc31e799176d3860e6110c46523e",
	  "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
	  "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58" },
};

struct bytes {
	unsigned char key[160], data[200], want[64], got[64];
	size_t keylen, datalen;
};

static void load(const struct hmac_case *c, struct bytes *b)
{
	if (c->key_hex) {
		b->keylen = check_unhex(c->key_hex, b->key, sizeof(b->key));
	} else {
		b->keylen = c->key_len;
		memset(b->key, c->key_fill, c->key_len);
	}
	if (c->data) {
		b->datalen = strlen(c->data);
		memcpy(b->data, c->data, b->datalen);
	} else {
		b->datalen = c->data_len;
		memset(b->data, c->data_fill, c->data_len);
	}
}

static void check_prf(const struct hmac_case *c, unsigned alg, const char *hex)
{
	unsigned fails = check_fail_count;
	struct bytes b;
	size_t n = prf_out_len(alg);

	load(c, &b);
	CHECK_INT(check_unhex(hex, b.want, sizeof(b.want)), n);
	CHECK_INT(prf_compute(alg, b.key, b.keylen, b.data, b.datalen, b.got), 0);
	CHECK_MEM(b.got, b.want, n);
	if (check_fail_count != fails)
		fprintf(stderr, "  in %s, %s\n", c->name, prf_name(alg));
}

static void test_rfc4231(void)
{
	for (size_t i = 0; i < sizeof(rfc4231) / sizeof(rfc4231[0]); i++) {
		check_prf(&rfc4231[i], PRF_HMAC_SHA2_256, rfc4231[i].sha256);
		check_prf(&rfc4231[i], PRF_HMAC_SHA2_384, rfc4231[i].sha384);
		check_prf(&rfc4231[i], PRF_HMAC_SHA2_512, rfc4231[i].sha512);
	}
}

/* RFC 4868 2.7.2: the ICV is the leading half of the HMAC. */
struct auth_case {
	const char *name;
	unsigned alg;
	const char *key_hex;	/* NULL: key_fill for the whole key */
	unsigned char key_fill;
	const char *data;
	unsigned char data_fill;
	size_t data_len;
	const char *icv;
};

static const struct auth_case rfc4868[] = {
	{ "AUTH256-1", AUTH_HMAC_SHA2_256_128, NULL, 0x0b, "Hi There", 0, 0,
	  "198a607eb44bfbc69903a0f1cf2bbdc5" },
	{ "AUTH256-2", AUTH_HMAC_SHA2_256_128,
	  "4a6566654a6566654a6566654a6566654a6566654a6566654a6566654a656665", 0,
	  "what do ya want for nothing?", 0, 0, "167f928588c5cc2eef8e3093caa0e87c" },
	{ "AUTH256-3", AUTH_HMAC_SHA2_256_128, NULL, 0xaa, NULL, 0xdd, 50,
	  "cdcb1220d1ecccea91e53aba3092f962" },
	{ "AUTH384-1", AUTH_HMAC_SHA2_384_192, NULL, 0x0b, "Hi There", 0, 0,
	  "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee973" },
	{ "AUTH512-1", AUTH_HMAC_SHA2_512_256, NULL, 0x0b, "Hi There", 0, 0,
	  "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8" },
	/* RFC 2202 test case 1 (HMAC-SHA-1), truncated to 96 bits per RFC 2404. */
	{ "2202-1", AUTH_HMAC_SHA1_96, NULL, 0x0b, "Hi There", 0, 0,
	  "b617318655057264e28bc0b6" },
};

static void check_auth(const struct auth_case *c)
{
	unsigned fails = check_fail_count;
	unsigned char key[64], data[64], want[32], got[33];
	size_t keylen = integ_key_len(c->alg), datalen, icvlen = integ_icv_len(c->alg);

	if (c->key_hex)
		CHECK_INT(check_unhex(c->key_hex, key, sizeof(key)), keylen);
	else
		memset(key, c->key_fill, keylen);
	datalen = c->data ? strlen(c->data) : c->data_len;
	if (c->data)
		memcpy(data, c->data, datalen);
	else
		memset(data, c->data_fill, datalen);
	CHECK_INT(check_unhex(c->icv, want, sizeof(want)), icvlen);
	memset(got, 0xee, sizeof(got));
	CHECK_INT(integ_compute(c->alg, key, data, datalen, got), 0);
	CHECK_MEM(got, want, icvlen);
	CHECK(got[icvlen] == 0xee);		/* nothing past the ICV written */
	CHECK_INT(integ_verify(c->alg, key, data, datalen, want), 0);
	want[icvlen - 1] ^= 0x01;		/* last ICV bit wrong */
	CHECK_INT(integ_verify(c->alg, key, data, datalen, want), -1);
	want[icvlen - 1] ^= 0x01;
	data[0] ^= 0x80;			/* message altered */
	CHECK_INT(integ_verify(c->alg, key, data, datalen, want), -1);
	if (check_fail_count != fails)
		fprintf(stderr, "  in %s\n", c->name);
}

static void test_integ(void)
{
	unsigned char key[32] = { 0 }, icv[16];

	for (size_t i = 0; i < sizeof(rfc4868) / sizeof(rfc4868[0]); i++)
		check_auth(&rfc4868[i]);
	CHECK_INT(integ_compute(AUTH_NONE, key, key, 1, icv), -1);
	CHECK_INT(integ_verify(99, key, key, 1, icv), -1);
	CHECK_INT(prf_compute(PRF_NONE, key, 1, key, 1, icv), -1);
}

int main(void)
{
	test_rfc4231();
	test_integ();
	return check_summary("crypto-hmac");
}
