/* SPDX-License-Identifier: Apache-2.0 */
/* See craft.h. */
#include "craft.h"

#include <string.h>

#include "conf/conf.h"
#include "crypto/dh.h"
#include "daemon/ikemsg/sk.h"
#include "daemon/ike/nat.h"
#include "daemon/ike/proposal.h"

#define CRAFT_SPII 0x0123456789abcdefull

int craft_init_request(const struct side *s, const struct craft_init *c, uint8_t *out,
		       size_t cap)
{
	const struct conf_conn *cfg = s->conn.cfg;
	struct ike_proposal props[CONF_MAX_ALGS];
	uint8_t nonce[IKE_NONCE_MAX];
	size_t nlen = c->nonce_len ? c->nonce_len : 32;
	unsigned group = c->group ? c->group : cfg->ike[0].dh;
	struct ike_hdr h = { .spii = c->spii ? c->spii : CRAFT_SPII, .exchange = IKE_SA_INIT,
			     .flags = IKE_FLAG_I };
	struct ike_msgb b;
	struct dh *dh = NULL;
	int r = -1;

	if (nlen > sizeof(nonce))
		return -1;
	for (size_t i = 0; i < nlen; i++)
		nonce[i] = (uint8_t)(0xa0 + i);
	ike_msgb_init(&b, out, cap, NULL, 0, &h);
	if (c->cookie)
		pl_notify_build(&b, 0, NULL, 0, N_COOKIE, c->cookie, c->cookie_len);
	pl_sa_build(&b, props, proposal_offer(cfg->ike, cfg->n_ike, PROTO_IKE, NULL, 0, true, props));
	if (c->ke) {
		pl_data_build(&b, PL_KE, (uint16_t)group, c->ke, c->ke_len);
	} else {
		dh = dh_new(group);
		if (!dh || ike_ke_add(&b, dh))
			goto out;
	}
	pl_data_build(&b, PL_NONCE, 0, nonce, nlen);
	if (c->vendor_len) {
		static uint8_t vid[4096];
		if (c->vendor_len > sizeof(vid))
			goto out;
		size_t off = ike_msgb_pl_begin(&b, PL_VENDOR);
		wbuf_bytes(b.cur, vid, c->vendor_len);
		ike_msgb_pl_end(&b, off);
	}
	struct sockaddr_storage src = s->priv, dst = s->net->s[!s->idx].pub;
	nat_build_notifies(&b, h.spii, 0, &src, &dst, false);
	r = ike_msgb_finish_plain(&b);
out:
	dh_free(dh);
	return r;
}

void craft_unknown_payload(struct ike_msgb *b, uint8_t type, bool critical)
{
	size_t off = ike_msgb_pl_begin(b, type);

	wbuf_u32(b->cur, 0xdeadbeef);
	if (critical && !b->cur->err)
		b->cur->p[off + 1] = PL_CRITICAL;
	ike_msgb_pl_end(b, off);
}

int craft_sealed(const struct ike_sa *sa, uint8_t exchange, bool response, uint32_t msgid,
		 craft_fill fill, void *arg, uint8_t *out, size_t cap)
{
	return craft_sealed_outer(sa, exchange, response, msgid, NULL, fill, arg, out, cap);
}

int craft_sealed_outer(const struct ike_sa *sa, uint8_t exchange, bool response, uint32_t msgid,
		       craft_fill outer, craft_fill fill, void *arg, uint8_t *out, size_t cap)
{
	static uint8_t inner[8192];
	struct ike_crypt_keys k;
	struct ike_msgb b;
	struct ike_hdr h;

	ike_sa_hdr(sa, &h, exchange, response, msgid);
	ike_msgb_init(&b, out, cap, inner, sizeof(inner), &h);
	if (outer)
		outer(&b, arg);
	ike_msgb_begin_encrypted(&b);
	if (fill)
		fill(&b, arg);
	ike_sa_keys_out(sa, &k);
	return ike_crypt_seal(&b, &k);
}

int craft_fragment(const struct ike_sa *sa, uint8_t exchange, bool response, uint32_t msgid,
		   uint8_t first_inner, uint16_t num, uint16_t total, const uint8_t *piece,
		   size_t len, uint8_t *out, size_t cap)
{
	static uint8_t scratch[IKE_MAX_MSG + 32];
	struct ike_crypt_keys k;
	struct ike_hdr h;

	ike_sa_hdr(sa, &h, exchange, response, msgid);
	ike_sa_keys_out(sa, &k);
	return ike_crypt_seal_fragment(&h, first_inner, num, total, piece, len, &k, out, cap,
				       scratch, sizeof(scratch));
}

int craft_reseal(const struct ike_sa *sender, const uint8_t *msg, size_t len, craft_mutate mutate,
		 void *arg, uint8_t *out, size_t cap)
{
	static uint8_t plain[IKE_MAX_MSG], inner[IKE_MAX_MSG];
	struct ike_crypt_keys k;
	struct ike_msgb b;
	struct ike_msg m;
	size_t n = 0;

	ike_sa_keys_out(sender, &k);
	if (ike_msg_parse_header(msg, len, &m) || ike_msg_parse_payloads(&m) ||
	    ike_crypt_open(&m, &k, plain, sizeof(plain), &n))
		return -1;
	mutate(plain, n, arg);
	ike_msgb_init(&b, out, cap, inner, sizeof(inner), &m.hdr);
	ike_msgb_begin_encrypted(&b);
	wbuf_bytes(&b.inner, plain, n);	/* the chain as it is now */
	b.first_inner = m.sk.first_inner;
	return ike_crypt_seal(&b, &k);
}
