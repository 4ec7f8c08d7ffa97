/* SPDX-License-Identifier: Apache-2.0 */
/* Which payloads each message may carry, as data (RFC 7296 section 1 and 3,
 * strongSwan's per-exchange rules as the model): per kind of message, each
 * payload type allowed with its least and greatest count.  Checked in one
 * place, after the message is decrypted and before a handler runs: a payload
 * not listed, or one too many, makes the message broken; one too few does too,
 * unless the message carries an error notify (an answer that refuses has only
 * that) or, in IKE_SA_INIT, a COOKIE.  Handlers then trust what the table
 * promises.  That everything but IKE_SA_INIT's payloads is inside SK is
 * checked before decryption (ike/receive.c). */
#include "daemon/ike/engine.h"

#include <stdio.h>

struct pl_rule {
	uint8_t type;
	uint8_t min, max;
};

#define N_MANY IKE_MAX_NOTIFY
#define MANY 255

static const struct pl_rule init_rules[] = {	/* request and response */
	{ PL_SA, 1, 1 }, { PL_KE, 1, 1 }, { PL_NONCE, 1, 1 },
	{ PL_NOTIFY, 0, N_MANY }, { PL_VENDOR, 0, MANY }, { PL_CERTREQ, 0, IKE_MAX_CERT },
};
static const struct pl_rule auth_req_rules[] = {
	{ PL_IDI, 1, 1 }, { PL_IDR, 0, 1 }, { PL_AUTH, 1, 1 },
	{ PL_SA, 1, 1 }, { PL_TSI, 1, 1 }, { PL_TSR, 1, 1 },
	{ PL_CERT, 0, IKE_MAX_CERT }, { PL_CERTREQ, 0, IKE_MAX_CERT }, { PL_CP, 0, 1 },
	{ PL_NOTIFY, 0, N_MANY }, { PL_VENDOR, 0, MANY },
};
static const struct pl_rule auth_resp_rules[] = {
	{ PL_IDR, 1, 1 }, { PL_AUTH, 1, 1 },
	{ PL_SA, 1, 1 }, { PL_TSI, 1, 1 }, { PL_TSR, 1, 1 },
	{ PL_CERT, 0, IKE_MAX_CERT }, { PL_CP, 0, 1 },
	{ PL_NOTIFY, 0, N_MANY }, { PL_VENDOR, 0, MANY },
};
static const struct pl_rule child_rules[] = {	/* a Child SA, new or rekeyed, both ways */
	{ PL_SA, 1, 1 }, { PL_NONCE, 1, 1 }, { PL_KE, 0, 1 },
	{ PL_TSI, 1, 1 }, { PL_TSR, 1, 1 },
	{ PL_NOTIFY, 0, N_MANY }, { PL_VENDOR, 0, MANY },
};
static const struct pl_rule rekey_ike_rules[] = {	/* both ways */
	{ PL_SA, 1, 1 }, { PL_NONCE, 1, 1 }, { PL_KE, 1, 1 },
	{ PL_NOTIFY, 0, N_MANY }, { PL_VENDOR, 0, MANY },
};
static const struct pl_rule info_rules[] = {	/* both ways */
	{ PL_NOTIFY, 0, N_MANY }, { PL_DELETE, 0, IKE_MAX_DELETE }, { PL_CP, 0, 1 },
	{ PL_VENDOR, 0, MANY },
};

#define RULES(r) { #r, r, sizeof(r) / sizeof(r[0]) }
static const struct {
	const char *name;
	const struct pl_rule *rules;
	size_t n;
} kinds[] = {
	[IKE_MK_INIT] = RULES(init_rules),
	[IKE_MK_AUTH_REQ] = RULES(auth_req_rules),
	[IKE_MK_AUTH_RESP] = RULES(auth_resp_rules),
	[IKE_MK_CHILD] = RULES(child_rules),
	[IKE_MK_REKEY_IKE] = RULES(rekey_ike_rules),
	[IKE_MK_INFO] = RULES(info_rules),
};

enum ike_msg_kind ike_rules_kind(const struct ike_sa *sa, const struct ike_msg *msg,
				 bool response)
{
	switch (msg->hdr.exchange) {
	case IKE_SA_INIT:
		return IKE_MK_INIT;
	case IKE_AUTH:
		return response ? IKE_MK_AUTH_RESP : IKE_MK_AUTH_REQ;
	case CREATE_CHILD_SA:
		if (response)
			return sa && sa->pending == PEND_REKEY_IKE ? IKE_MK_REKEY_IKE : IKE_MK_CHILD;
		/* an IKE SA rekey offers IKE proposals (2.18); anything else is a Child SA */
		return msg->sa.n_prop && msg->sa.prop[0].protocol == PROTO_IKE ? IKE_MK_REKEY_IKE
									    : IKE_MK_CHILD;
	}
	return IKE_MK_INFO;
}

static const struct pl_rule *rule_of(enum ike_msg_kind k, uint8_t type)
{
	for (size_t i = 0; i < kinds[k].n; i++)
		if (kinds[k].rules[i].type == type)
			return &kinds[k].rules[i];
	return NULL;
}

/* An error notify, or in IKE_SA_INIT a COOKIE: the message refuses or asks
 * for something instead of carrying the exchange. */
static bool refusal(const struct ike_msg *msg)
{
	return ike_msg_error_notify(msg) ||
	       (msg->hdr.exchange == IKE_SA_INIT && ike_msg_notify(msg, N_COOKIE));
}

bool ike_rules_check(struct ike_msg *msg, enum ike_msg_kind k, bool response)
{
	static char why[96];
	bool waived = response && refusal(msg);	/* a request never refuses */

	msg->broken = NULL;
	for (uint8_t t = PL_FIRST; t <= PL_LAST; t++) {
		unsigned n = msg->count[t - PL_FIRST];
		const struct pl_rule *r = rule_of(k, t);
		if (t == PL_SK)
			continue;	/* the envelope, not a payload of the exchange */
		if (n && !r)
			snprintf(why, sizeof(why), "a %s payload, which it may not carry",
				 ike_payload_name(t));
		else if (r && n > r->max)
			snprintf(why, sizeof(why), "%u %s payloads (at most %u)", n,
				 ike_payload_name(t), r->max);
		else if (r && n < r->min && !waived)
			snprintf(why, sizeof(why), "no %s payload", ike_payload_name(t));
		else
			continue;
		msg->broken = why;
		return false;
	}
	return true;
}
