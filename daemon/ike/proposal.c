/* SPDX-License-Identifier: Apache-2.0 */
/* Proposal offer, selection and checking (RFC 7296 2.7, 3.3). */
#include "daemon/ike/proposal.h"

#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "crypto/alg.h"

static void add_trans(struct ike_proposal *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	if (p->n_trans < IKE_MAX_TRANSFORMS)
		p->trans[p->n_trans++] = (struct ike_transform){ type, id, keylen };
}

size_t proposal_offer(const struct conf_alg *algs, size_t n, uint8_t protocol,
		      const uint8_t *spi, uint8_t spi_size, bool with_dh, struct ike_proposal *out)
{
	for (size_t i = 0; i < n; i++) {
		struct ike_proposal *p = &out[i];
		memset(p, 0, sizeof(*p));
		p->num = (uint8_t)(i + 1);
		p->protocol = protocol;
		p->spi_size = spi_size;
		if (spi_size)
			memcpy(p->spi, spi, spi_size);
		add_trans(p, TRANS_ENCR, algs[i].encr,
			  (uint16_t)encr_wire_keybits(algs[i].encr, algs[i].encr_keybits));
		if (protocol == PROTO_IKE)
			add_trans(p, TRANS_PRF, algs[i].prf, 0);
		if (algs[i].integ != AUTH_NONE)
			add_trans(p, TRANS_INTEG, algs[i].integ, 0);
		if (with_dh && algs[i].dh != DH_NONE)
			add_trans(p, TRANS_DH, algs[i].dh, 0);
		/* RFC 7296 3.3.2: both ESN transforms mean "either"; ESN first
		 * as our preference (esn=either) */
		if (protocol == PROTO_ESP && algs[i].esn != CONF_ESN_NO)
			add_trans(p, TRANS_ESN, 1, 0);
		if (protocol == PROTO_ESP && algs[i].esn != CONF_ESN_YES)
			add_trans(p, TRANS_ESN, 0, 0);
	}
	return n;
}

static bool has(const struct ike_proposal *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	for (unsigned i = 0; i < p->n_trans; i++)
		if (p->trans[i].type == type && p->trans[i].id == id &&
		    p->trans[i].keylen == keylen)
			return true;
	return false;
}

static bool has_type(const struct ike_proposal *p, uint8_t type)
{
	for (unsigned i = 0; i < p->n_trans; i++)
		if (p->trans[i].type == type)
			return true;
	return false;
}

/* ESP: which sequence numbers the peer's proposal p and our esn= (a conf_esn)
 * agree on: 1 ESN, 0 32-bit, -1 none.  No ESN transform at all is 32-bit
 * (what peers without ESN send). */
static int esn_pick(const struct ike_proposal *p, unsigned esn)
{
	bool no = !has_type(p, TRANS_ESN) || has(p, TRANS_ESN, 0, 0);

	if (esn != CONF_ESN_NO && has(p, TRANS_ESN, 1, 0))
		return 1;
	if (esn != CONF_ESN_YES && no)
		return 0;
	return -1;
}

/* Does the peer's proposal p contain everything our set a needs?  With
 * ESN left out: for telling an ESN mismatch in the log. */
static bool matches_but_esn(const struct ike_proposal *p, const struct conf_alg *a,
			    uint8_t protocol, bool with_dh)
{
	if (!has(p, TRANS_ENCR, a->encr, (uint16_t)encr_wire_keybits(a->encr, a->encr_keybits)))
		return false;
	if (protocol == PROTO_IKE && !has(p, TRANS_PRF, a->prf, 0))
		return false;
	if (a->integ != AUTH_NONE ? !has(p, TRANS_INTEG, a->integ, 0)
				  : has_type(p, TRANS_INTEG) && !has(p, TRANS_INTEG, AUTH_NONE, 0))
		return false;
	if (with_dh) {
		unsigned dh = a->dh;
		if (dh != DH_NONE ? !has(p, TRANS_DH, dh, 0)
				  : has_type(p, TRANS_DH) && !has(p, TRANS_DH, DH_NONE, 0))
			return false;
	}
	return true;
}

static bool matches(const struct ike_proposal *p, const struct conf_alg *a, uint8_t protocol,
		    bool with_dh)
{
	return matches_but_esn(p, a, protocol, with_dh) &&
	       (protocol != PROTO_ESP || esn_pick(p, a->esn) >= 0);
}

static void choose(const struct ike_proposal *p, const struct conf_alg *a, uint8_t protocol,
		   bool with_dh, struct proposal_choice *c)
{
	memset(c, 0, sizeof(*c));
	c->esn = protocol == PROTO_ESP && esn_pick(p, a->esn) == 1;
	c->encr = a->encr;
	c->encr_keybits = a->encr_keybits;
	c->prf = protocol == PROTO_IKE ? a->prf : PRF_NONE;
	c->integ = a->integ;
	c->dh = with_dh ? a->dh : DH_NONE;
}

int proposal_select(const struct pl_sa *peer, const struct conf_alg *ours, size_t n,
		    uint8_t protocol, bool with_dh, const uint8_t *spi, uint8_t spi_size,
		    struct ike_proposal *resp, struct proposal_choice *choice)
{
	for (unsigned i = 0; i < peer->n_prop; i++) {
		const struct ike_proposal *p = &peer->prop[i];
		if (p->protocol != protocol)
			continue;
		if (protocol == PROTO_ESP && p->spi_size != 4)
			continue;
		for (size_t j = 0; j < n; j++) {
			if (!matches(p, &ours[j], protocol, with_dh))
				continue;
			struct conf_alg one = ours[j];

			choose(p, &ours[j], protocol, with_dh, choice);
			choice->spi_size = p->spi_size;
			memcpy(choice->spi, p->spi, p->spi_size);
			one.esn = choice->esn ? CONF_ESN_YES : CONF_ESN_NO;	/* one ESN */
			proposal_offer(&one, 1, protocol, spi, spi_size, with_dh, resp);
			resp->num = p->num;
			return 0;
		}
	}
	return -1;
}

int proposal_check_answer(const struct pl_sa *answer, const struct conf_alg *ours, size_t n,
			  uint8_t protocol, bool with_dh, struct proposal_choice *choice)
{
	if (answer->n_prop != 1)
		return -1;
	const struct ike_proposal *p = &answer->prop[0];
	if (p->protocol != protocol || (protocol == PROTO_ESP && p->spi_size != 4))
		return -1;
	/* one transform per type */
	for (unsigned i = 0; i < p->n_trans; i++)
		for (unsigned k = i + 1; k < p->n_trans; k++)
			if (p->trans[i].type == p->trans[k].type)
				return -1;
	for (size_t j = 0; j < n; j++) {
		if (!matches(p, &ours[j], protocol, with_dh))
			continue;
		choose(p, &ours[j], protocol, with_dh, choice);
		choice->spi_size = p->spi_size;
		memcpy(choice->spi, p->spi, p->spi_size);
		return 0;
	}
	return -1;
}

bool proposal_esn_mismatch(const struct pl_sa *sa, const struct conf_alg *ours, size_t n,
			   bool with_dh)
{
	for (unsigned i = 0; i < sa->n_prop; i++)
		for (size_t j = 0; j < n; j++)
			if (sa->prop[i].protocol == PROTO_ESP && sa->prop[i].spi_size == 4 &&
			    matches_but_esn(&sa->prop[i], &ours[j], PROTO_ESP, with_dh))
				return true;
	return false;
}

const char *proposal_esn_offered(const struct pl_sa *sa)
{
	bool yes = false, no = false;

	for (unsigned i = 0; i < sa->n_prop; i++) {
		const struct ike_proposal *p = &sa->prop[i];

		if (p->protocol != PROTO_ESP)
			continue;
		yes |= has(p, TRANS_ESN, 1, 0);
		no |= !has_type(p, TRANS_ESN) || has(p, TRANS_ESN, 0, 0);
	}
	return yes && no ? "either" : yes ? "yes" : "no";
}

const char *proposal_esn_name(unsigned esn)
{
	return esn == CONF_ESN_YES ? "yes" : esn == CONF_ESN_EITHER ? "either" : "no";
}

/* IANA names without the registry prefix, as strongSwan and libreswan print them. */
static const char *bare(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(name, prefix, n) == 0 ? name + n : name;
}

/* "AES_GCM_16-256", or "CHACHA20_POLY1305" alone: its key length is fixed. */
void proposal_describe(const struct proposal_choice *c, char *buf, size_t len)
{
	const char *encr = bare(encr_name(c->encr), "ENCR_");
	unsigned bits = encr_wire_keybits(c->encr, c->encr_keybits);
	int n = bits ? snprintf(buf, len, "%s-%u", encr, bits) : snprintf(buf, len, "%s", encr);
	if (c->integ != AUTH_NONE && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "/%s", bare(integ_name(c->integ), "AUTH_"));
	if (c->prf != PRF_NONE && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "/%s", prf_name(c->prf));
	if (c->dh != DH_NONE && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "/%s", dh_name(c->dh));
}
