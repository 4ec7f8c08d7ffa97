/* SPDX-License-Identifier: Apache-2.0 */
/* The payload rules (daemon/ike/rules.c): for each kind of message, a
 * payload that is not allowed, one too many, one missing; missing ones are
 * forgiven in a response that refuses (an error notify; in IKE_SA_INIT a
 * COOKIE), never in a request. */
#include <string.h>

#include "check.h"
#include "daemon/ike/engine.h"

static struct ike_msg m;

/* A message of exchange x with one of each payload in types (0-ended). */
static struct ike_msg *msg(uint8_t x, const uint8_t *types)
{
	memset(&m, 0, sizeof(m));
	m.hdr.exchange = x;
	for (; *types; types++)
		m.count[*types - PL_FIRST]++;
	return &m;
}

static void with_notify(uint16_t type)
{
	m.notify[m.n_notify++].type = type;
	m.count[PL_NOTIFY - PL_FIRST]++;
}

static void test_init(void)
{
	CHECK(ike_rules_check(msg(IKE_SA_INIT, (const uint8_t[]){ PL_SA, PL_KE, PL_NONCE, 0 }),
			      IKE_MK_INIT, false));
	CHECK(m.broken == NULL);
	CHECK(!ike_rules_check(msg(IKE_SA_INIT, (const uint8_t[]){ PL_SA, PL_NONCE, 0 }),
			       IKE_MK_INIT, false));
	CHECK_STR(m.broken, "no KE payload");
	/* an answer of a COOKIE alone, or an error, lacks them all: fine */
	msg(IKE_SA_INIT, (const uint8_t[]){ 0 });
	with_notify(N_COOKIE);
	CHECK(ike_rules_check(&m, IKE_MK_INIT, true));
	CHECK(!ike_rules_check(&m, IKE_MK_INIT, false));	/* not in a request */
	msg(IKE_SA_INIT, (const uint8_t[]){ 0 });
	with_notify(N_NO_PROPOSAL_CHOSEN);
	CHECK(ike_rules_check(&m, IKE_MK_INIT, true));
	CHECK(!ike_rules_check(msg(IKE_SA_INIT, (const uint8_t[]){ PL_SA, PL_KE, PL_NONCE,
								      PL_IDI, 0 }),
			       IKE_MK_INIT, false));
	CHECK_STR(m.broken, "a IDi payload, which it may not carry");
}

static void test_auth(void)
{
	static const uint8_t req[] = { PL_IDI, PL_AUTH, PL_SA, PL_TSI, PL_TSR, 0 };
	static const uint8_t resp[] = { PL_IDR, PL_AUTH, PL_SA, PL_TSI, PL_TSR, 0 };

	CHECK(ike_rules_check(msg(IKE_AUTH, req), IKE_MK_AUTH_REQ, false));
	CHECK(ike_rules_check(msg(IKE_AUTH, resp), IKE_MK_AUTH_RESP, true));
	CHECK(!ike_rules_check(msg(IKE_AUTH, (const uint8_t[]){ PL_IDI, PL_SA, PL_TSI, PL_TSR, 0 }),
			       IKE_MK_AUTH_REQ, false));
	CHECK_STR(m.broken, "no AUTH payload");
	/* the Child SA refused: IDr, AUTH and the error, no SA or selectors */
	msg(IKE_AUTH, (const uint8_t[]){ PL_IDR, PL_AUTH, 0 });
	with_notify(N_TS_UNACCEPTABLE);
	CHECK(ike_rules_check(&m, IKE_MK_AUTH_RESP, true));
	/* a DELETE has no place in IKE_AUTH */
	msg(IKE_AUTH, req);
	m.count[PL_DELETE - PL_FIRST] = 1;
	CHECK(!ike_rules_check(&m, IKE_MK_AUTH_REQ, false));
	CHECK_STR(m.broken, "a D payload, which it may not carry");
	msg(IKE_AUTH, req);
	m.count[PL_CP - PL_FIRST] = 2;
	CHECK(!ike_rules_check(&m, IKE_MK_AUTH_REQ, false));
	CHECK_STR(m.broken, "2 CP payloads (at most 1)");
}

static void test_child_and_info(void)
{
	static const uint8_t child[] = { PL_SA, PL_NONCE, PL_TSI, PL_TSR, 0 };
	static const uint8_t ike[] = { PL_SA, PL_NONCE, PL_KE, 0 };

	CHECK(ike_rules_check(msg(CREATE_CHILD_SA, child), IKE_MK_CHILD, false));
	CHECK(!ike_rules_check(msg(CREATE_CHILD_SA, ike), IKE_MK_CHILD, false));
	CHECK_STR(m.broken, "no TSi payload");
	CHECK(ike_rules_check(msg(CREATE_CHILD_SA, ike), IKE_MK_REKEY_IKE, false));
	CHECK(!ike_rules_check(msg(CREATE_CHILD_SA, child), IKE_MK_REKEY_IKE, false));
	msg(INFORMATIONAL, (const uint8_t[]){ PL_DELETE, 0 });
	CHECK(ike_rules_check(&m, IKE_MK_INFO, false));
	m.count[PL_SA - PL_FIRST] = 1;
	CHECK(!ike_rules_check(&m, IKE_MK_INFO, true));
	/* the kind of a CREATE_CHILD_SA request: an IKE SA rekey offers IKE */
	msg(CREATE_CHILD_SA, ike);
	m.sa.n_prop = 1;
	m.sa.prop[0].protocol = PROTO_IKE;
	CHECK_INT(ike_rules_kind(NULL, &m, false), IKE_MK_REKEY_IKE);
	m.sa.prop[0].protocol = PROTO_ESP;
	CHECK_INT(ike_rules_kind(NULL, &m, false), IKE_MK_CHILD);
	m.hdr.exchange = INFORMATIONAL;
	CHECK_INT(ike_rules_kind(NULL, &m, true), IKE_MK_INFO);
}

int main(void)
{
	test_init();
	test_auth();
	test_child_and_info();
	return check_summary("ike-rules");
}
