/* SPDX-License-Identifier: Apache-2.0 */
/* The ESN transform (RFC 7296 3.3.2, RFC 4304) in ESP proposals, for each
 * esn=: what we offer, what we choose among a peer's offers and answer
 * (exactly one ESN transform), what we accept as an answer, and the words
 * the log uses after a refusal. */
#include <string.h>

#include "check.h"
#include "conf/conf.h"
#include "crypto/alg.h"
#include "daemon/ike/proposal.h"

static const uint8_t spi[4] = { 0x0a, 0x0b, 0x0c, 0x0d };

static struct conf_alg gcm(enum conf_esn esn)
{
	return (struct conf_alg){ ENCR_AES_GCM_16, 256, AUTH_NONE, PRF_NONE, DH_NONE, (uint16_t)esn };
}

/* The ESN transform ids of p in order, as digits ("10", "0", ""). */
static const char *esn_ids(const struct ike_proposal *p)
{
	static char s[8];
	size_t n = 0;

	for (unsigned i = 0; i < p->n_trans && n + 1 < sizeof(s); i++)
		if (p->trans[i].type == TRANS_ESN)
			s[n++] = (char)('0' + p->trans[i].id);
	s[n] = 0;
	return s;
}

/* A peer's ESP proposal for AES-GCM-256 with the ESN ids in ids ("10": both). */
static struct pl_sa peer_sa(const char *ids)
{
	struct pl_sa sa = { .n_prop = 1 };
	struct ike_proposal *p = &sa.prop[0];

	p->num = 1;
	p->protocol = PROTO_ESP;
	p->spi_size = 4;
	memcpy(p->spi, spi, 4);
	p->trans[p->n_trans++] = (struct ike_transform){ TRANS_ENCR, ENCR_AES_GCM_16, 256 };
	for (; *ids; ids++)
		p->trans[p->n_trans++] = (struct ike_transform){ TRANS_ESN, (uint16_t)(*ids - '0'), 0 };
	return sa;
}

static void test_offer(void)
{
	struct ike_proposal out[1];
	struct conf_alg a;

	a = gcm(CONF_ESN_NO);
	proposal_offer(&a, 1, PROTO_ESP, spi, 4, false, out);
	CHECK_STR(esn_ids(&out[0]), "0");
	a = gcm(CONF_ESN_YES);
	proposal_offer(&a, 1, PROTO_ESP, spi, 4, false, out);
	CHECK_STR(esn_ids(&out[0]), "1");
	a = gcm(CONF_ESN_EITHER);
	proposal_offer(&a, 1, PROTO_ESP, spi, 4, true, out);
	CHECK_STR(esn_ids(&out[0]), "10");		/* ESN first: our preference */
	/* IKE proposals never carry one */
	a.prf = PRF_HMAC_SHA2_256;
	proposal_offer(&a, 1, PROTO_IKE, NULL, 0, true, out);
	CHECK_STR(esn_ids(&out[0]), "");
}

/* Responder: our esn= x the peer's offer -> the answer's one ESN id, or
 * refused ("-"). */
static void test_select(void)
{
	static const struct { enum conf_esn ours; const char *peer, *want; } t[] = {
		{ CONF_ESN_NO, "0", "0" },	{ CONF_ESN_NO, "1", "-" },
		{ CONF_ESN_NO, "10", "0" },	{ CONF_ESN_NO, "01", "0" },
		{ CONF_ESN_NO, "", "0" },	/* none at all: 32-bit */
		{ CONF_ESN_YES, "0", "-" },	{ CONF_ESN_YES, "1", "1" },
		{ CONF_ESN_YES, "10", "1" },	{ CONF_ESN_YES, "01", "1" },
		{ CONF_ESN_YES, "", "-" },
		{ CONF_ESN_EITHER, "0", "0" },	{ CONF_ESN_EITHER, "1", "1" },
		{ CONF_ESN_EITHER, "10", "1" },	{ CONF_ESN_EITHER, "01", "1" },	/* ESN when offered */
		{ CONF_ESN_EITHER, "", "0" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct conf_alg a = gcm(t[i].ours);
		struct pl_sa peer = peer_sa(t[i].peer);
		struct ike_proposal resp;
		struct proposal_choice ch;
		int r = proposal_select(&peer, &a, 1, PROTO_ESP, false, spi, 4, &resp, &ch);

		if (strcmp(t[i].want, "-") == 0) {
			CHECK_INT(r, -1);
			CHECK(proposal_esn_mismatch(&peer, &a, 1, false));	/* ESN alone */
			continue;
		}
		CHECK_INT(r, 0);
		CHECK_STR(r == 0 ? esn_ids(&resp) : "?", t[i].want);
		CHECK_INT(ch.esn, t[i].want[0] == '1');
	}
}

/* Initiator: the answer has one ESN transform, one we offered. */
static void test_answer(void)
{
	static const struct { enum conf_esn ours; const char *answer; int want; } t[] = {
		{ CONF_ESN_NO, "0", 0 },	{ CONF_ESN_NO, "1", -1 },
		{ CONF_ESN_YES, "1", 1 },	{ CONF_ESN_YES, "0", -1 },
		{ CONF_ESN_EITHER, "1", 1 },	{ CONF_ESN_EITHER, "0", 0 },
		{ CONF_ESN_EITHER, "10", -1 },	/* two of a type in an answer */
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct conf_alg a = gcm(t[i].ours);
		struct pl_sa ans = peer_sa(t[i].answer);
		struct proposal_choice ch;
		int r = proposal_check_answer(&ans, &a, 1, PROTO_ESP, false, &ch);

		CHECK_INT(r, t[i].want < 0 ? -1 : 0);
		if (r == 0)
			CHECK_INT(ch.esn, t[i].want);
	}
}

/* The log's words: a refusal for other reasons is not blamed on ESN. */
static void test_log_words(void)
{
	struct conf_alg a = gcm(CONF_ESN_NO);
	struct pl_sa peer = peer_sa("1");

	CHECK_STR(proposal_esn_offered(&peer), "yes");
	peer = peer_sa("10");
	CHECK_STR(proposal_esn_offered(&peer), "either");
	peer = peer_sa("");
	CHECK_STR(proposal_esn_offered(&peer), "no");
	CHECK_STR(proposal_esn_name(CONF_ESN_EITHER), "either");
	peer = peer_sa("1");
	peer.prop[0].trans[0].keylen = 128;		/* AES-128: no match anyway */
	CHECK(!proposal_esn_mismatch(&peer, &a, 1, false));
}

int main(void)
{
	test_offer();
	test_select();
	test_answer();
	test_log_words();
	return check_summary("ike-proposal-esn");
}
