/* SPDX-License-Identifier: Apache-2.0 */
/* Proposals (RFC 7296 2.7, 3.3): our offer from configured algorithm sets,
 * the responder's choice in the peer's order, the initiator's check of the
 * answer, and the text a log line shows. */
#include <string.h>

#include "check.h"
#include "conf/conf.h"
#include "crypto/alg.h"
#include "daemon/ike/proposal.h"

/* ike=aes_cbc256-sha2_384;modp1536 and aes_gcm256-sha2_512;dh19 */
static const struct conf_alg ike_cbc = { ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_384_192,
					 PRF_HMAC_SHA2_384, MODP_1536, 0 };
static const struct conf_alg ike_gcm = { ENCR_AES_GCM_16, 256, AUTH_NONE,
					 PRF_HMAC_SHA2_512, ECP_256, 0 };
/* phase2alg=aes_gcm256 (no PFS) and aes_cbc128-sha2_256;modp2048 */
static const struct conf_alg esp_gcm = { ENCR_AES_GCM_16, 256, AUTH_NONE, PRF_NONE, DH_NONE, 0 };
static const struct conf_alg esp_cbc = { ENCR_AES_CBC, 128, AUTH_HMAC_SHA2_256_128, PRF_NONE,
					 MODP_2048, 0 };

/* ike=chacha20_poly1305-sha2_256;dh31, phase2alg=chacha20_poly1305 */
static const struct conf_alg ike_chacha = { ENCR_CHACHA20_POLY1305, 256, AUTH_NONE,
					    PRF_HMAC_SHA2_256, CURVE25519, 0 };
static const struct conf_alg esp_chacha = { ENCR_CHACHA20_POLY1305, 256, AUTH_NONE, PRF_NONE,
					    DH_NONE, 0 };

static const uint8_t our_spi[4] = { 0x0a, 0x0b, 0x0c, 0x0d };
static const uint8_t peer_spi[4] = { 0xf1, 0xf2, 0xf3, 0xf4 };

static bool has(const struct ike_proposal *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	for (unsigned i = 0; i < p->n_trans; i++)
		if (p->trans[i].type == type && p->trans[i].id == id && p->trans[i].keylen == keylen)
			return true;
	return false;
}

static unsigned count_type(const struct ike_proposal *p, uint8_t type)
{
	unsigned n = 0;
	for (unsigned i = 0; i < p->n_trans; i++)
		n += p->trans[i].type == type;
	return n;
}

static void test_offer(void)
{
	const struct conf_alg ike[2] = { ike_cbc, ike_gcm };
	const struct conf_alg esp[2] = { esp_gcm, esp_cbc };
	struct ike_proposal out[2];

	CHECK_INT(proposal_offer(ike, 2, PROTO_IKE, NULL, 0, true, out), 2);
	CHECK_INT(out[0].num, 1);
	CHECK_INT(out[1].num, 2);
	CHECK_INT(out[0].protocol, PROTO_IKE);
	CHECK_INT(out[0].spi_size, 0);
	CHECK_INT(out[0].n_trans, 4);
	CHECK(has(&out[0], TRANS_ENCR, ENCR_AES_CBC, 256));
	CHECK(has(&out[0], TRANS_PRF, PRF_HMAC_SHA2_384, 0));
	CHECK(has(&out[0], TRANS_INTEG, AUTH_HMAC_SHA2_384_192, 0));
	CHECK(has(&out[0], TRANS_DH, MODP_1536, 0));
	CHECK_INT(out[1].n_trans, 3);		/* GCM: no integrity transform */
	CHECK_INT(count_type(&out[1], TRANS_INTEG), 0);

	/* ESP in IKE_AUTH: our SPI, no DH, ESN "no" */
	CHECK_INT(proposal_offer(esp, 2, PROTO_ESP, our_spi, 4, false, out), 2);
	CHECK_INT(out[0].spi_size, 4);
	CHECK_MEM(out[0].spi, our_spi, 4);
	CHECK_INT(out[0].n_trans, 2);
	CHECK(has(&out[0], TRANS_ENCR, ENCR_AES_GCM_16, 256));
	CHECK(has(&out[0], TRANS_ESN, 0, 0));
	CHECK_INT(count_type(&out[1], TRANS_DH), 0);
	CHECK_INT(count_type(&out[1], TRANS_PRF), 0);
	CHECK(has(&out[1], TRANS_INTEG, AUTH_HMAC_SHA2_256_128, 0));
	/* ... and with PFS in CREATE_CHILD_SA */
	proposal_offer(esp, 2, PROTO_ESP, our_spi, 4, true, out);
	CHECK(has(&out[1], TRANS_DH, MODP_2048, 0));
	CHECK_INT(count_type(&out[0], TRANS_DH), 0);	/* aes_gcm256 has no group */
}

/* A peer proposal from a list of transforms. */
static struct ike_proposal prop(uint8_t num, uint8_t proto, uint8_t spi_size, size_t n,
				const struct ike_transform *t)
{
	struct ike_proposal p = { .num = num, .protocol = proto, .spi_size = spi_size,
				  .n_trans = (uint8_t)n };

	memcpy(p.spi, peer_spi, spi_size > 4 ? 4 : spi_size);
	memcpy(p.trans, t, n * sizeof(*t));
	return p;
}

#define PROP(num, proto, spi, ...) prop(num, proto, spi, \
	sizeof((struct ike_transform[]){ __VA_ARGS__ }) / sizeof(struct ike_transform), \
	(struct ike_transform[]){ __VA_ARGS__ })

/* The peer's order wins: the first of its proposals that one of ours accepts. */
static void test_select_order(void)
{
	const struct conf_alg ours[2] = { ike_gcm, ike_cbc };
	struct pl_sa peer = { .n_prop = 3 };
	struct ike_proposal resp;
	struct proposal_choice ch;

	/* 1: nothing we do; 2: our second set; 3: our first set */
	peer.prop[0] = PROP(1, PROTO_IKE, 0, { TRANS_ENCR, ENCR_AES_CBC, 192 },
			    { TRANS_PRF, PRF_HMAC_SHA1, 0 }, { TRANS_INTEG, AUTH_HMAC_SHA1_96, 0 },
			    { TRANS_DH, MODP_1024, 0 });
	peer.prop[1] = PROP(2, PROTO_IKE, 0, { TRANS_ENCR, ENCR_AES_CBC, 128 },
			    { TRANS_ENCR, ENCR_AES_CBC, 256 }, { TRANS_PRF, PRF_HMAC_SHA2_384, 0 },
			    { TRANS_INTEG, AUTH_HMAC_SHA2_384_192, 0 }, { TRANS_DH, ECP_256, 0 },
			    { TRANS_DH, MODP_1536, 0 });
	peer.prop[2] = PROP(3, PROTO_IKE, 0, { TRANS_ENCR, ENCR_AES_GCM_16, 256 },
			    { TRANS_PRF, PRF_HMAC_SHA2_512, 0 }, { TRANS_DH, ECP_256, 0 });
	CHECK_INT(proposal_select(&peer, ours, 2, PROTO_IKE, true, NULL, 0, &resp, &ch), 0);
	CHECK_INT(ch.encr, ENCR_AES_CBC);
	CHECK_INT(ch.encr_keybits, 256);
	CHECK_INT(ch.prf, PRF_HMAC_SHA2_384);
	CHECK_INT(ch.integ, AUTH_HMAC_SHA2_384_192);
	CHECK_INT(ch.dh, MODP_1536);
	CHECK_INT(resp.num, 2);
	CHECK_INT(resp.n_trans, 4);		/* one of each type */
	CHECK_INT(count_type(&resp, TRANS_ENCR), 1);
	CHECK_INT(count_type(&resp, TRANS_DH), 1);
	CHECK(has(&resp, TRANS_DH, MODP_1536, 0));

	/* the same proposals, the GCM one first: it wins though ours lists it first too */
	struct ike_proposal t = peer.prop[2];
	peer.prop[2] = peer.prop[1];
	peer.prop[1] = t;
	CHECK_INT(proposal_select(&peer, ours, 2, PROTO_IKE, true, NULL, 0, &resp, &ch), 0);
	CHECK_INT(ch.encr, ENCR_AES_GCM_16);
	CHECK_INT(ch.integ, AUTH_NONE);
	CHECK_INT(ch.dh, ECP_256);
	CHECK_INT(resp.num, 3);
	CHECK_INT(count_type(&resp, TRANS_INTEG), 0);

	/* key length must match exactly */
	peer.n_prop = 1;
	peer.prop[0] = PROP(1, PROTO_IKE, 0, { TRANS_ENCR, ENCR_AES_CBC, 128 },
			    { TRANS_PRF, PRF_HMAC_SHA2_384, 0 },
			    { TRANS_INTEG, AUTH_HMAC_SHA2_384_192, 0 }, { TRANS_DH, MODP_1536, 0 });
	CHECK_INT(proposal_select(&peer, ours, 2, PROTO_IKE, true, NULL, 0, &resp, &ch), -1);
	/* an empty SA */
	peer.n_prop = 0;
	CHECK_INT(proposal_select(&peer, ours, 2, PROTO_IKE, true, NULL, 0, &resp, &ch), -1);
}

static void test_select_esp(void)
{
	const struct conf_alg ours[1] = { esp_gcm };
	struct pl_sa peer = { .n_prop = 1 };
	struct ike_proposal resp;
	struct proposal_choice ch;

	/* the peer's SPI is kept, ours goes in the answer */
	peer.prop[0] = PROP(1, PROTO_ESP, 4, { TRANS_ENCR, ENCR_AES_GCM_16, 256 }, { TRANS_ESN, 0, 0 });
	CHECK_INT(proposal_select(&peer, ours, 1, PROTO_ESP, false, our_spi, 4, &resp, &ch), 0);
	CHECK_INT(ch.spi_size, 4);
	CHECK_MEM(ch.spi, peer_spi, 4);
	CHECK_MEM(resp.spi, our_spi, 4);
	CHECK_INT(resp.protocol, PROTO_ESP);
	CHECK_INT(ch.prf, PRF_NONE);

	/* ESN: only "yes" is refused; "yes or no" is fine; absent is "no" */
	peer.prop[0] = PROP(1, PROTO_ESP, 4, { TRANS_ENCR, ENCR_AES_GCM_16, 256 }, { TRANS_ESN, 1, 0 });
	CHECK_INT(proposal_select(&peer, ours, 1, PROTO_ESP, false, our_spi, 4, &resp, &ch), -1);
	peer.prop[0] = PROP(1, PROTO_ESP, 4, { TRANS_ENCR, ENCR_AES_GCM_16, 256 },
			    { TRANS_ESN, 1, 0 }, { TRANS_ESN, 0, 0 });
	CHECK_INT(proposal_select(&peer, ours, 1, PROTO_ESP, false, our_spi, 4, &resp, &ch), 0);
	CHECK(has(&resp, TRANS_ESN, 0, 0));
	CHECK_INT(count_type(&resp, TRANS_ESN), 1);
	peer.prop[0] = PROP(1, PROTO_ESP, 4, { TRANS_ENCR, ENCR_AES_GCM_16, 256 });
	CHECK_INT(proposal_select(&peer, ours, 1, PROTO_ESP, false, our_spi, 4, &resp, &ch), 0);

	/* an ESP proposal whose SPI is not 4 bytes is skipped */
	peer.prop[0] = PROP(1, PROTO_ESP, 8, { TRANS_ENCR, ENCR_AES_GCM_16, 256 });
	CHECK_INT(proposal_select(&peer, ours, 1, PROTO_ESP, false, our_spi, 4, &resp, &ch), -1);
	peer.prop[0] = PROP(1, PROTO_ESP, 0, { TRANS_ENCR, ENCR_AES_GCM_16, 256 });
	CHECK_INT(proposal_select(&peer, ours, 1, PROTO_ESP, false, our_spi, 4, &resp, &ch), -1);

	/* integrity NONE offered beside GCM is fine; a real integrity alg is not */
	peer.prop[0] = PROP(1, PROTO_ESP, 4, { TRANS_ENCR, ENCR_AES_GCM_16, 256 },
			    { TRANS_INTEG, AUTH_NONE, 0 });
	CHECK_INT(proposal_select(&peer, ours, 1, PROTO_ESP, false, our_spi, 4, &resp, &ch), 0);
	peer.prop[0] = PROP(1, PROTO_ESP, 4, { TRANS_ENCR, ENCR_AES_GCM_16, 256 },
			    { TRANS_INTEG, AUTH_HMAC_SHA2_256_128, 0 });
	CHECK_INT(proposal_select(&peer, ours, 1, PROTO_ESP, false, our_spi, 4, &resp, &ch), -1);
}

/* with_dh=false (the Child SA in IKE_AUTH): DH transforms are ignored. */
static void test_select_no_dh(void)
{
	const struct conf_alg pfs[1] = { esp_cbc };	/* has MODP_2048 */
	const struct conf_alg nopfs[1] = { esp_gcm };
	struct pl_sa peer = { .n_prop = 1 };
	struct ike_proposal resp;
	struct proposal_choice ch;

	peer.prop[0] = PROP(1, PROTO_ESP, 4, { TRANS_ENCR, ENCR_AES_CBC, 128 },
			    { TRANS_INTEG, AUTH_HMAC_SHA2_256_128, 0 }, { TRANS_DH, ECP_384, 0 });
	CHECK_INT(proposal_select(&peer, pfs, 1, PROTO_ESP, false, our_spi, 4, &resp, &ch), 0);
	CHECK_INT(ch.dh, DH_NONE);
	CHECK_INT(count_type(&resp, TRANS_DH), 0);
	/* with DH the group must match */
	CHECK_INT(proposal_select(&peer, pfs, 1, PROTO_ESP, true, our_spi, 4, &resp, &ch), -1);
	peer.prop[0].trans[2].id = MODP_2048;
	CHECK_INT(proposal_select(&peer, pfs, 1, PROTO_ESP, true, our_spi, 4, &resp, &ch), 0);
	CHECK_INT(ch.dh, MODP_2048);
	/* the peer offers no DH at all, we want one: only without DH */
	peer.prop[0].n_trans = 2;
	CHECK_INT(proposal_select(&peer, pfs, 1, PROTO_ESP, true, our_spi, 4, &resp, &ch), -1);
	CHECK_INT(proposal_select(&peer, pfs, 1, PROTO_ESP, false, our_spi, 4, &resp, &ch), 0);
	/* we want none, the peer insists on one (no NONE among its groups) */
	peer.prop[0] = PROP(1, PROTO_ESP, 4, { TRANS_ENCR, ENCR_AES_GCM_16, 256 },
			    { TRANS_DH, ECP_256, 0 });
	CHECK_INT(proposal_select(&peer, nopfs, 1, PROTO_ESP, true, our_spi, 4, &resp, &ch), -1);
	CHECK_INT(proposal_select(&peer, nopfs, 1, PROTO_ESP, false, our_spi, 4, &resp, &ch), 0);
	peer.prop[0] = PROP(1, PROTO_ESP, 4, { TRANS_ENCR, ENCR_AES_GCM_16, 256 },
			    { TRANS_DH, ECP_256, 0 }, { TRANS_DH, DH_NONE, 0 });
	CHECK_INT(proposal_select(&peer, nopfs, 1, PROTO_ESP, true, our_spi, 4, &resp, &ch), 0);
}

/* Proposals for other protocols (AH, or numbers nobody assigned) are skipped. */
static void test_select_protocols(void)
{
	const struct conf_alg ours[1] = { esp_gcm };
	struct pl_sa peer = { .n_prop = 3 };
	struct ike_proposal resp;
	struct proposal_choice ch;

	peer.prop[0] = PROP(1, PROTO_AH, 4, { TRANS_ENCR, ENCR_AES_GCM_16, 256 });
	peer.prop[1] = PROP(2, 77, 4, { TRANS_ENCR, ENCR_AES_GCM_16, 256 });
	peer.prop[2] = PROP(3, PROTO_ESP, 4, { TRANS_ENCR, ENCR_AES_GCM_16, 256 });
	CHECK_INT(proposal_select(&peer, ours, 1, PROTO_ESP, false, our_spi, 4, &resp, &ch), 0);
	CHECK_INT(resp.num, 3);
	peer.n_prop = 2;
	CHECK_INT(proposal_select(&peer, ours, 1, PROTO_ESP, false, our_spi, 4, &resp, &ch), -1);
	/* an IKE proposal is not an ESP one */
	peer.n_prop = 1;
	peer.prop[0] = PROP(1, PROTO_IKE, 0, { TRANS_ENCR, ENCR_AES_GCM_16, 256 },
			    { TRANS_PRF, PRF_HMAC_SHA2_512, 0 }, { TRANS_DH, ECP_256, 0 });
	CHECK_INT(proposal_select(&peer, ours, 1, PROTO_ESP, false, our_spi, 4, &resp, &ch), -1);
	const struct conf_alg ike[1] = { ike_gcm };
	CHECK_INT(proposal_select(&peer, ike, 1, PROTO_IKE, true, NULL, 0, &resp, &ch), 0);
}

static void test_check_answer(void)
{
	const struct conf_alg ours[2] = { ike_cbc, ike_gcm };
	struct pl_sa ans = { .n_prop = 1 };
	struct proposal_choice ch;

	ans.prop[0] = PROP(2, PROTO_IKE, 0, { TRANS_ENCR, ENCR_AES_GCM_16, 256 },
			   { TRANS_PRF, PRF_HMAC_SHA2_512, 0 }, { TRANS_DH, ECP_256, 0 });
	CHECK_INT(proposal_check_answer(&ans, ours, 2, PROTO_IKE, true, &ch), 0);
	CHECK_INT(ch.encr, ENCR_AES_GCM_16);
	CHECK_INT(ch.prf, PRF_HMAC_SHA2_512);
	CHECK_INT(ch.dh, ECP_256);

	/* two transforms of one type: not an answer */
	ans.prop[0] = PROP(1, PROTO_IKE, 0, { TRANS_ENCR, ENCR_AES_CBC, 256 },
			   { TRANS_PRF, PRF_HMAC_SHA2_384, 0 }, { TRANS_INTEG, AUTH_HMAC_SHA2_384_192, 0 },
			   { TRANS_DH, MODP_1536, 0 }, { TRANS_DH, ECP_256, 0 });
	CHECK_INT(proposal_check_answer(&ans, ours, 2, PROTO_IKE, true, &ch), -1);
	ans.prop[0].n_trans = 4;
	CHECK_INT(proposal_check_answer(&ans, ours, 2, PROTO_IKE, true, &ch), 0);
	CHECK_INT(ch.encr, ENCR_AES_CBC);
	ans.prop[0].trans[3] = (struct ike_transform){ TRANS_ENCR, ENCR_AES_CBC, 256 };
	CHECK_INT(proposal_check_answer(&ans, ours, 2, PROTO_IKE, true, &ch), -1);

	/* something we never offered */
	ans.prop[0] = PROP(1, PROTO_IKE, 0, { TRANS_ENCR, ENCR_AES_CBC, 128 },
			   { TRANS_PRF, PRF_HMAC_SHA2_384, 0 }, { TRANS_INTEG, AUTH_HMAC_SHA2_384_192, 0 },
			   { TRANS_DH, MODP_1536, 0 });
	CHECK_INT(proposal_check_answer(&ans, ours, 2, PROTO_IKE, true, &ch), -1);
	/* two proposals, or none */
	ans.n_prop = 2;
	ans.prop[1] = ans.prop[0];
	CHECK_INT(proposal_check_answer(&ans, ours, 2, PROTO_IKE, true, &ch), -1);
	ans.n_prop = 0;
	CHECK_INT(proposal_check_answer(&ans, ours, 2, PROTO_IKE, true, &ch), -1);

	/* ESP answer: the responder's SPI, 4 bytes */
	const struct conf_alg esp[1] = { esp_gcm };
	ans.n_prop = 1;
	ans.prop[0] = PROP(1, PROTO_ESP, 4, { TRANS_ENCR, ENCR_AES_GCM_16, 256 }, { TRANS_ESN, 0, 0 });
	CHECK_INT(proposal_check_answer(&ans, esp, 1, PROTO_ESP, false, &ch), 0);
	CHECK_MEM(ch.spi, peer_spi, 4);
	CHECK_INT(ch.spi_size, 4);
	ans.prop[0].spi_size = 0;
	CHECK_INT(proposal_check_answer(&ans, esp, 1, PROTO_ESP, false, &ch), -1);
	ans.prop[0].spi_size = 4;
	ans.prop[0].protocol = PROTO_AH;
	CHECK_INT(proposal_check_answer(&ans, esp, 1, PROTO_ESP, false, &ch), -1);
	ans.prop[0].protocol = PROTO_ESP;
	ans.prop[0].trans[1].id = 1;		/* ESN yes */
	CHECK_INT(proposal_check_answer(&ans, esp, 1, PROTO_ESP, false, &ch), -1);
}

static void test_describe(void)
{
	struct proposal_choice c = { .encr = ENCR_AES_CBC, .encr_keybits = 256,
				     .prf = PRF_HMAC_SHA2_384, .integ = AUTH_HMAC_SHA2_384_192,
				     .dh = MODP_1536 };
	char buf[128], small[12];

	proposal_describe(&c, buf, sizeof(buf));
	CHECK_STR(buf, "AES_CBC-256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/MODP_1536");
	c = (struct proposal_choice){ .encr = ENCR_AES_GCM_16, .encr_keybits = 256 };
	proposal_describe(&c, buf, sizeof(buf));
	CHECK_STR(buf, "AES_GCM_16-256");
	c.dh = ECP_256;
	proposal_describe(&c, buf, sizeof(buf));
	CHECK_CONTAINS(buf, "AES_GCM_16-256/");
	/* one key length: no "-256", as strongSwan prints it */
	c = (struct proposal_choice){ .encr = ENCR_CHACHA20_POLY1305, .encr_keybits = 256,
				      .prf = PRF_HMAC_SHA2_256, .dh = CURVE25519 };
	proposal_describe(&c, buf, sizeof(buf));
	CHECK_STR(buf, "CHACHA20_POLY1305/PRF_HMAC_SHA2_256/CURVE25519");
	/* cut to the buffer, still a string */
	c = (struct proposal_choice){ .encr = ENCR_AES_CBC, .encr_keybits = 256,
				      .prf = PRF_HMAC_SHA2_384, .integ = AUTH_HMAC_SHA2_384_192,
				      .dh = MODP_1536 };
	proposal_describe(&c, small, sizeof(small));
	CHECK_INT(strlen(small), sizeof(small) - 1);
}

/* RFC 7634 4: transform 28 and no INTEG transform; no Key Length
 * attribute (strongSwan's chacha20poly1305 sends none), and a peer's
 * transform with one (strongSwan's chacha20poly1305compat) is not ours. */
static void test_chacha(void)
{
	const struct conf_alg ike[2] = { ike_gcm, ike_chacha };
	struct ike_proposal out[2], resp;
	struct proposal_choice ch;
	struct pl_sa peer = { .n_prop = 1 };

	CHECK_INT(proposal_offer(ike, 2, PROTO_IKE, NULL, 0, true, out), 2);
	CHECK_INT(out[1].n_trans, 3);
	CHECK(has(&out[1], TRANS_ENCR, ENCR_CHACHA20_POLY1305, 0));
	CHECK(has(&out[1], TRANS_PRF, PRF_HMAC_SHA2_256, 0));
	CHECK(has(&out[1], TRANS_DH, CURVE25519, 0));
	CHECK_INT(count_type(&out[1], TRANS_INTEG), 0);

	/* the responder picks it from the peer's offer and answers without a key length */
	peer.prop[0] = out[1];
	peer.prop[0].num = 1;
	CHECK_INT(proposal_select(&peer, &ike_chacha, 1, PROTO_IKE, true, NULL, 0, &resp, &ch), 0);
	CHECK_INT(ch.encr, ENCR_CHACHA20_POLY1305);
	CHECK_INT(ch.encr_keybits, 256);
	CHECK_INT(ch.integ, AUTH_NONE);
	CHECK(has(&resp, TRANS_ENCR, ENCR_CHACHA20_POLY1305, 0));
	CHECK_INT(proposal_check_answer(&(struct pl_sa){ .n_prop = 1, .prop = { resp } },
					ike, 2, PROTO_IKE, true, &ch), 0);
	CHECK_INT(ch.encr, ENCR_CHACHA20_POLY1305);
	/* with a Key Length attribute, or against AES-GCM only: no match */
	peer.prop[0].trans[0].keylen = 256;
	CHECK_INT(proposal_select(&peer, &ike_chacha, 1, PROTO_IKE, true, NULL, 0, &resp, &ch), -1);
	peer.prop[0].trans[0].keylen = 0;
	CHECK_INT(proposal_select(&peer, &ike_gcm, 1, PROTO_IKE, true, NULL, 0, &resp, &ch), -1);

	/* ESP: our SPI, ESN "no", no INTEG */
	CHECK_INT(proposal_offer(&esp_chacha, 1, PROTO_ESP, our_spi, 4, false, out), 1);
	CHECK_INT(out[0].n_trans, 2);
	CHECK(has(&out[0], TRANS_ENCR, ENCR_CHACHA20_POLY1305, 0));
	CHECK(has(&out[0], TRANS_ESN, 0, 0));
	peer.prop[0] = out[0];
	CHECK_INT(proposal_select(&peer, &esp_chacha, 1, PROTO_ESP, false, peer_spi, 4, &resp, &ch), 0);
	CHECK_INT(ch.encr, ENCR_CHACHA20_POLY1305);
	CHECK_MEM(ch.spi, our_spi, 4);
	/* a peer proposing an INTEG transform beside it is refused */
	peer.prop[0].trans[peer.prop[0].n_trans++] = (struct ike_transform){ TRANS_INTEG,
		AUTH_HMAC_SHA2_256_128, 0 };
	CHECK_INT(proposal_select(&peer, &esp_chacha, 1, PROTO_ESP, false, peer_spi, 4, &resp, &ch), -1);
}

int main(void)
{
	test_offer();
	test_chacha();
	test_select_order();
	test_select_esp();
	test_select_no_dh();
	test_select_protocols();
	test_check_answer();
	test_describe();
	return check_summary("ike-proposal");
}
