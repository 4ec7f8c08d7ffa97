/* SPDX-License-Identifier: Apache-2.0 */
/* Which conn a peer's IKE SA belongs to.  At IKE_SA_INIT only the addresses
 * are known: the first conn between them whose ike= takes the peer's offer
 * serves for the proposals.  At IKE_AUTH the identities decide among the
 * conns between the same addresses (IDi as rightid; IDr, when sent, as
 * leftid), with the same IKE algorithms, then the traffic selectors; so two
 * conns to one peer never mix, and INITIAL_CONTACT ends only the chosen
 * conn's IKE SAs.  mcvpnd --check refuses conns that none of this tells
 * apart (conf/check.c). */
#include "daemon/ike/engine.h"

#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "crypto/x509.h"
#include "daemon/base/sockaddr.h"
#include "daemon/ike/ts.h"

bool ike_match_addrs(const struct conf_conn *cfg, const struct sockaddr_storage *local,
		     const struct sockaddr_storage *remote)
{
	/* a left=%defaultroute end still waiting for its route has no address */
	if (cfg->autostart == CONF_AUTO_IGNORE || !cfg->left.ss_family ||
	    !sockaddr_same_ip(&cfg->right, remote))
		return false;
	return local->ss_family == AF_UNSPEC || sockaddr_same_ip(&cfg->left, local);
}

/* Names (FQDN, user@FQDN) compare without regard to case, as DNS names do
 * and as the config does; DNs as X.509 compares them; everything else byte
 * for byte.  rightid=%fromcert takes any ID: the certificate must name it
 * (ike/auth_sig.c). */
bool ike_match_id(const struct pl_data *got, const struct conf_id *want)
{
	bool name = got->kind == ID_FQDN || got->kind == ID_RFC822_ADDR;

	if (want->type == CONF_ID_ANY)
		return true;
	if (want->type == CONF_ID_DN)
		return got->kind == ID_DER_ASN1_DN &&
		       x509_dn_equal(got->data, got->len, want->data, want->len);
	if (got->kind != (unsigned)want->type || got->len != want->len)
		return false;
	for (size_t i = 0; i < want->len; i++) {
		uint8_t a = got->data[i], b = want->data[i];
		if (name && a >= 'A' && a <= 'Z')
			a = (uint8_t)(a - 'A' + 'a');
		if (name && b >= 'A' && b <= 'Z')
			b = (uint8_t)(b - 'A' + 'a');
		if (a != b)
			return false;
	}
	return true;
}

const char *ike_id_text(const struct conf_id *id, char *buf, size_t len)
{
	snprintf(buf, len, id->type == CONF_ID_DN ? "\"%s\"" : "%s", id->text);
	return buf;
}

/* The IKE SA's negotiated algorithms are one of cfg's ike= proposals. */
static bool takes_algs(const struct conf_conn *cfg, const struct ike_sa *sa)
{
	for (size_t i = 0; i < cfg->n_ike; i++) {
		const struct conf_alg *a = &cfg->ike[i];
		if (a->encr == sa->alg.encr && a->encr_keybits == sa->alg.encr_keybits &&
		    a->integ == sa->alg.integ && a->prf == sa->alg.prf && a->dh == sa->dh_group)
			return true;
	}
	return false;
}

static bool takes_ts(const struct conf_conn *cfg, const struct ike_msg *msg)
{
	struct ike_ts ours[CONF_MAX_SUBNETS], out[IKE_MAX_TS];

	if (!ike_msg_has(msg, PL_TSI) || !ike_msg_has(msg, PL_TSR))
		return true;	/* the Child SA's own checks say what is wrong */
	return ts_narrow(&msg->tsi, ours, ts_remote_conf(cfg, ours), out, IKE_MAX_TS) &&
	       ts_narrow(&msg->tsr, ours, ts_local_conf(cfg, ours), out, IKE_MAX_TS);
}

/* The AUTH's method is the kind authby= asks for: a PSK, or a signature. */
static bool takes_auth(const struct conf_conn *cfg, const struct ike_msg *msg)
{
	return (msg->auth.kind == AUTH_METHOD_PSK) == (cfg->authby == CONF_AUTHBY_SECRET);
}

/* Among the conns between the addresses whose rightid is IDi and whose ike=
 * has the algorithms: best the one whose authby= fits the AUTH the peer sent
 * (a PSK peer never lands in a certificate conn whose rightid=%fromcert took
 * its ID too), then the one whose leftid is the IDr the peer asked for (or
 * none was), then one whose rightid names IDi rather than taking any, then
 * the one whose selectors take the peer's; the first of equals. */
struct conn *ike_match_auth(const struct ike_sa *sa, const struct ike_msg *msg)
{
	const struct ike_engine *eng = sa->eng;
	struct conn *best = NULL;
	int best_score = -1;

	for (size_t i = 0; i < eng->n_conns; i++) {
		const struct conf_conn *cfg = eng->conns[i]->cfg;
		if (!ike_match_addrs(cfg, &sa->local, &sa->remote) ||
		    !ike_match_id(&msg->idi, &cfg->rightid) || !takes_algs(cfg, sa))
			continue;
		int score = takes_auth(cfg, msg) * 8 +
			    (!ike_msg_has(msg, PL_IDR) || ike_match_id(&msg->idr, &cfg->leftid)) * 4 +
			    (cfg->rightid.type != CONF_ID_ANY) * 2 + takes_ts(cfg, msg);
		if (score > best_score) {
			best = eng->conns[i];
			best_score = score;
		}
	}
	return best;
}
