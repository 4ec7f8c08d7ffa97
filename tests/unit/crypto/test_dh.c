/* SPDX-License-Identifier: Apache-2.0 */
/* Key agreement for the KE payload.
 * MODP_1536 (RFC 3526 group 5): fixed private values a and b; g^a, g^b and
 *   g^ab computed with Python's pow(2, x, p), p derived from its defining
 *   formula 2^1536 - 2^1472 - 1 + 2^64 * (floor(2^1406 pi) + 741804).
 * ECP_256 and ECP_384: RFC 5903 sections 8.1 and 8.2.
 * CURVE25519: RFC 7748 section 6.1. */
#include <stdlib.h>

#include "check.h"
#include "crypto/alg.h"
#include "crypto/dh.h"
#include "crypto/secret.h"

struct dh_case {
	const char *name;
	unsigned group;
	const char *i, *gi, *r, *gr, *gir;
};

static const struct dh_case cases[] = {
	{ "MODP_1536", MODP_1536,
	  "6f7f3a3c9b1e5d2a4c8e0f1b2d3a4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e",
	  "b6a0af1c2f5621b12529715fe44191913b3d97e9062e05f070a3cc0df55c1c78"
	  "a79e4c61dbbf7c9f5a7af1ce1f4fbe2d670edc0ea691ee7b7a5207f869561452"
	  "c57f7d05a25bab74489d43419b86f499031d8b9865954e9d3152c2aa0b401949"
	  "ed9004bdf671a7369ffb65c783562ad8cf2aa02b2113369f4cf265c855157595"
	  "9ccb5bce4826cadc202e38567db5c5728e05fe455e78609885842e5f643f4466"
	  "89b8311d65ab1214b3ff27fa863ef8795fba12c0f7b7ef5dda83fe407a5d9dcd",
	  "1d2c3b4a59687786958493a2b1c0dfeefdfcebdac9b8a7968574635241302f1e",
	  "b08e06f40004c4cefcf7cf8e2450dc309d676d98d834287f06795fb5fe91f293"
	  "0e287b23ac3736b5717ee3163d80d30b41e490e0dc182ff7d042aaf5e9832c90"
	  "d56a0bebf452713b97af5c618cdc99049a63dd96c10636190829e0d8a3516298"
	  "8477c1d68b44528cb2c36053def653e7f6f1ef1cd1ca4268bc86a8fc2ba202a6"
	  "3af2d8036434a8b57f7d69f402aec45b582c0c8851438465c5a25acbaa6dd823"
	  "24457839d3a6fe7bbbeee87d4b9c03d2185eb58b6a3a56ae79d9d24b6634f974",
	  "49c40eae1180ca0000503ad94467391dd0140dd4879b69a37ac4cebb74955659"
	  "0063cc69171506596eeaa62059f96a39543b4b5c78c9c1963d1b8bc88d83bbf6"
	  "78c9c03ce33f037c372961bf4097aefc91a77e3403e83d628d7f8b97cf9b3e48"
	  "53c033c8177dc34fedc93a29eabbf4baae7bacbf5cd21da788dc583a8254a6f5"
	  "92091a68660c9834b825c59eb2118fc71c3afb08713d0b12e4ae73a343f2cc8e"
	  "4686e8297bed08d343b119f145e4a10cd64a093fdd773727fe68b8677f846e93" },
	{ "ECP_256", ECP_256,
	  "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433",
	  "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180"
	  "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
	  "C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53",
	  "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63"
	  "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
	  "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE" },
	{ "ECP_384", ECP_384,
	  "099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655"
	  "E35B538041E649EE3FAEF896783AB194",
	  "667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6"
	  "DE3AC808ACB4BDB4C88732AEE95F41AA9482ED1FC0EEB9CAFC4984625CCFC23F"
	  "65032149E0E144ADA024181535A0F38EEB9FCFF3C2C947DAE69B4C634573A81C",
	  "41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942"
	  "E0308312916B8ED2960E4BD55A7448FC",
	  "E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D"
	  "0D1AC43A0336DEF96FDA41D0774A3571DCFBEC7AACF3196472169E838430367F"
	  "66EEBE3C6E70C416DD5F0C68759DD1FFF83FA40142209DFF5EAAD96DB9E6386C",
	  "11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4"
	  "D603135569B9E9D09CF5D4A270F59746" },
	{ "CURVE25519", CURVE25519,
	  "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	  "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	  "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	  "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	  "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742" },
	/* g^ir below 2^1528: its first octet is zero and must be kept, since
	 * g^ir is padded to the length of the prime (RFC 7296 2.14). */
	{ "MODP_1536 g^ir with a leading zero", MODP_1536,
	  "6f7f3a3c9b1e5d2a4c8e0f1b2d3a4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e",
	  "b6a0af1c2f5621b12529715fe44191913b3d97e9062e05f070a3cc0df55c1c78"
	  "a79e4c61dbbf7c9f5a7af1ce1f4fbe2d670edc0ea691ee7b7a5207f869561452"
	  "c57f7d05a25bab74489d43419b86f499031d8b9865954e9d3152c2aa0b401949"
	  "ed9004bdf671a7369ffb65c783562ad8cf2aa02b2113369f4cf265c855157595"
	  "9ccb5bce4826cadc202e38567db5c5728e05fe455e78609885842e5f643f4466"
	  "89b8311d65ab1214b3ff27fa863ef8795fba12c0f7b7ef5dda83fe407a5d9dcd",
	  "1d2c3b4a59687786958493a2b1c0dfeefdfcebdac9b8a7968574635241302f11",
	  "cba5847037a00025fac52405b24416001a89375da325d60d2236a91c88c6c48f"
	  "5ab908c8d1dad9fee1940ef4c86e0c65a00b07b62b245861ffeebe410b982c8d"
	  "e3702d6f8973caba61c197f12d0ad07bc835fbd8058c4469f6333f6e0c9ef297"
	  "b55fc4a1dc9811bebd6aeb2b6b1c38f22b3079f262f3b16512b58769a34053e0"
	  "e8e67746ca64e614f7824e4e19fa7ce87bbe41960aa23b0ea98261e037fb5f5d"
	  "3d4f6eee4cbc649eb8f4f55daa1c9f4b0d1efd642a23c44b6673cece925b31a7",
	  "008e6273c424e64cb5e3425561a8c9b06295a686d497dbf95fba81d7d1cb9ace"
	  "410c34f69d6615df4ca96f5e3a0f6991775013f671e17e8dd594f59634545866"
	  "d5d0dcfa31da77ac213012efa647ecf0a770aa2917a736d76d5aa7181bedb6c1"
	  "db327eed633362225ae9e3afbc264a9765acb46fb793cb275ec79b3291bab581"
	  "2913b106f4949d2f2f6e298925c0fd97e7efe885b80cd8ce17b5430b10f31cdc"
	  "c12165dbc7c2f27b2cc63e579babf1121f8804acd1a06671bebc9b086e62306e" },
};

struct kat {
	unsigned char i[64], r[64], gi[512], gr[512], gir[256], out[512];
	size_t ilen, rlen, publen, girlen;
};

/* One side: our private value, our expected public value, the peer's. */
static void check_side(const struct dh_case *c, const unsigned char *priv, size_t privlen,
		       const unsigned char *pub, const unsigned char *peer, struct kat *k)
{
	struct dh *dh = dh_new_from_private(c->group, priv, privlen);
	struct secret *s;

	CHECK(dh != NULL);
	if (!dh)
		return;
	CHECK_INT(dh_group_of(dh), c->group);
	CHECK_INT(dh_public(dh, k->out, k->publen), 0);
	CHECK_MEM(k->out, pub, k->publen);
	CHECK_INT(dh_public(dh, k->out, k->publen - 1), -1);
	s = dh_shared(dh, peer, k->publen);
	CHECK(s != NULL);
	if (s) {
		CHECK_INT(s->len, k->girlen);
		CHECK_MEM(s->buf, k->gir, k->girlen);
	}
	secret_free(s);
	dh_free(dh);
}

static void run_case(const struct dh_case *c)
{
	unsigned fails = check_fail_count;
	struct kat k;

	k.ilen = check_unhex(c->i, k.i, sizeof(k.i));
	k.rlen = check_unhex(c->r, k.r, sizeof(k.r));
	k.publen = check_unhex(c->gi, k.gi, sizeof(k.gi));
	CHECK_INT(k.publen, dh_pub_len(c->group));
	CHECK_INT(check_unhex(c->gr, k.gr, sizeof(k.gr)), k.publen);
	k.girlen = check_unhex(c->gir, k.gir, sizeof(k.gir));
	check_side(c, k.i, k.ilen, k.gi, k.gr, &k);
	check_side(c, k.r, k.rlen, k.gr, k.gi, &k);
	if (check_fail_count != fails)
		fprintf(stderr, "  in %s\n", c->name);
}

/* The peer's value must be refused: returns 1 if dh_shared gave NULL.  For
 * MODP and ECP the cheap check before any DH (dh_check_peer) must say the same;
 * Curve25519's low-order points show only in the result. */
static int refused(struct dh *dh, const unsigned char *peer, size_t len)
{
	struct secret *s = dh_shared(dh, peer, len);
	unsigned g = dh_group_of(dh);

	secret_free(s);
	if (g != CURVE25519 || s != NULL)
		CHECK_INT(dh_check_peer(g, peer, len), s ? 0 : -1);
	return s == NULL;
}

/* RFC 7296 and SP 800-56A: 1 < y < p - 1, exactly the prime's length. */
static void test_modp_invalid(void)
{
	static const char p1536[] =
		"ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74"
		"020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437"
		"4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed"
		"ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf05"
		"98da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb"
		"9ed529077096966d670c354e4abc9804f1746c08ca237327ffffffffffffffff";
	unsigned char v[193], priv[32];
	struct secret *s;
	struct dh *dh;

	check_unhex(cases[0].i, priv, sizeof(priv));
	dh = dh_new_from_private(MODP_1536, priv, sizeof(priv));
	CHECK(dh != NULL);
	if (!dh)
		return;
	memset(v, 0, sizeof(v));
	CHECK(refused(dh, v, 192));		/* 0 */
	v[191] = 1;
	CHECK(refused(dh, v, 192));		/* 1 */
	check_unhex(p1536, v, 192);
	CHECK(refused(dh, v, 192));		/* p */
	v[191] -= 1;
	CHECK(refused(dh, v, 192));		/* p - 1 */
	memset(v, 0xff, sizeof(v));
	CHECK(refused(dh, v, 192));		/* above p */
	check_unhex(cases[0].gr, v, 192);
	CHECK(refused(dh, v, 191));		/* short */
	v[192] = 0;
	CHECK(refused(dh, v, 193));		/* long */
	CHECK(refused(dh, NULL, 192));
	/* y = 2 = g is valid, and then g^ir = g^a, our own public value. */
	memset(v, 0, sizeof(v));
	v[191] = 2;
	s = dh_shared(dh, v, 192);
	check_unhex(cases[0].gi, v, 192);
	CHECK(s && s->len == 192 && memcmp(s->buf, v, 192) == 0);
	secret_free(s);
	dh_free(dh);
	/* A private value out of range is refused too. */
	memset(v, 0, sizeof(v));
	CHECK(dh_new_from_private(MODP_1536, v, 192) == NULL);
}

static void test_ecp_invalid(void)
{
	unsigned char priv[32], v[65];
	struct dh *dh;

	check_unhex(cases[1].i, priv, sizeof(priv));
	dh = dh_new_from_private(ECP_256, priv, sizeof(priv));
	CHECK(dh != NULL);
	if (!dh)
		return;
	check_unhex(cases[1].gr, v, 64);
	v[63] ^= 1;				/* y off the curve */
	CHECK(refused(dh, v, 64));
	v[63] ^= 1;
	CHECK(!refused(dh, v, 64));
	CHECK(refused(dh, v, 63));		/* short */
	CHECK(refused(dh, v, 65));		/* long */
	memset(v, 0, sizeof(v));
	CHECK(refused(dh, v, 64));		/* (0, 0) is not a point */
	dh_free(dh);
	memset(priv, 0, sizeof(priv));
	CHECK(dh_new_from_private(ECP_256, priv, sizeof(priv)) == NULL);
}

/* RFC 8031 2.3 / RFC 7748 6.1: all-zero results from low-order points. */
static void test_x25519_invalid(void)
{
	unsigned char priv[32], v[33];
	struct dh *dh;

	check_unhex(cases[3].i, priv, sizeof(priv));
	dh = dh_new_from_private(CURVE25519, priv, sizeof(priv));
	CHECK(dh != NULL);
	if (!dh)
		return;
	memset(v, 0, sizeof(v));
	CHECK(refused(dh, v, 32));		/* u = 0 */
	v[0] = 1;
	CHECK(refused(dh, v, 32));		/* u = 1 */
	check_unhex(cases[3].gr, v, 32);
	CHECK(refused(dh, v, 31));
	CHECK(refused(dh, v, 33));
	dh_free(dh);
	CHECK(dh_new_from_private(CURVE25519, priv, 31) == NULL);
}

/* Fresh key pairs in every group agree with each other. */
static void test_fresh_pairs(void)
{
	static const unsigned groups[] = { MODP_1024, MODP_1536, MODP_2048, MODP_3072, MODP_4096,
					   ECP_256, ECP_384, ECP_521, CURVE25519 };

	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		unsigned fails = check_fail_count;
		size_t n = dh_pub_len(groups[g]);
		unsigned char *pa = malloc(n), *pb = malloc(n);
		struct dh *a = dh_new(groups[g]), *b = dh_new(groups[g]);
		struct secret *sa = NULL, *sb = NULL;

		CHECK(a && b && pa && pb);
		if (a && b && pa && pb && !dh_public(a, pa, n) && !dh_public(b, pb, n)) {
			CHECK(memcmp(pa, pb, n) != 0);
			sa = dh_shared(a, pb, n);
			sb = dh_shared(b, pa, n);
		}
		CHECK(sa && sb);
		if (sa && sb) {
			CHECK_INT(sa->len, groups[g] >= ECP_256 && groups[g] <= ECP_521 ? n / 2 : n);
			CHECK(sa->len == sb->len && memcmp(sa->buf, sb->buf, sa->len) == 0);
		}
		if (check_fail_count != fails)
			fprintf(stderr, "  in fresh pair of %s\n", dh_name(groups[g]));
		secret_free(sa);
		secret_free(sb);
		dh_free(a);
		dh_free(b);
		free(pa);
		free(pb);
	}
	CHECK(dh_new(DH_NONE) == NULL);
	CHECK(dh_new(22) == NULL);
	CHECK_INT(dh_check_peer(22, (const uint8_t *)"", 0), -1);
	dh_free(NULL);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_modp_invalid();
	test_ecp_invalid();
	test_x25519_invalid();
	test_fresh_pairs();
	return check_summary("crypto-dh");
}
