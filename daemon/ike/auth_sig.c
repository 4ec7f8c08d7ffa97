/* SPDX-License-Identifier: Apache-2.0 */
/* Certificate authentication in IKE_AUTH (RFC 7296 2.15, 3.6-3.8; RFC 7427
 * Digital Signatures; RFC 4754 ECDSA): SIGNATURE_HASH_ALGORITHMS in
 * IKE_SA_INIT, our CERT and CERTREQ payloads, our AUTH signed with the key
 * of leftcert=, and the peer's AUTH checked in the order that costs least
 * and says most: the method and algorithm, its certificate (pinned, or its
 * chain to rightca=, valid now, allowed to sign), its ID in the
 * certificate, then the signature.  Every refusal names its reason. */
#include "daemon/ike/engine.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "crypto/keymat.h"
#include "crypto/secret.h"
#include "crypto/sig.h"
#include "crypto/x509.h"
#include "daemon/base/bytes.h"

/* What we announce and accept: SHA2-256/384/512. */
#define OUR_HASHES SIG_SHA2_SET

static const char *hash_name(enum sig_hash h)
{
	switch (h) {
	case SIG_SHA1: return "SHA-1";
	case SIG_SHA256: return "SHA2-256";
	case SIG_SHA384: return "SHA2-384";
	case SIG_SHA512: return "SHA2-512";
	}
	return "?";
}

static const char *scheme_name(enum sig_scheme s)
{
	switch (s) {
	case SIG_RSA_PKCS1: return "RSA PKCS#1 v1.5";
	case SIG_RSA_PSS: return "RSA-PSS";
	case SIG_ECDSA: return "ECDSA";
	case SIG_ECDSA_RAW: return "ECDSA (RFC 4754)";
	}
	return "?";
}

/* The conns this IKE SA may serve: its own, except for a responder before
 * IKE_AUTH, which knows only the addresses: then every conn between them,
 * as IKE_AUTH may move it to any of those (ike/match.c).  The i-th of
 * n_served (NULL: not one of them).  The engine's list is read only on
 * the responder's way, from ike_receive: an initiator may be started
 * while a reload is still changing that list. */
static size_t n_served(const struct ike_sa *sa)
{
	return sa->initiator || sa->authenticated ? 1 : sa->eng->n_conns;
}

static const struct conf_conn *served(const struct ike_sa *sa, size_t i)
{
	if (sa->initiator || sa->authenticated)
		return sa->conn->cfg;
	const struct conf_conn *cfg = sa->eng->conns[i]->cfg;
	return ike_match_addrs(cfg, &sa->local, &sa->remote) ? cfg : NULL;
}

void ike_sig_notify_add(const struct ike_sa *sa, struct ike_msgb *b)
{
	unsigned set = 0;
	uint8_t data[6];
	size_t n = 0;

	/* the hashes authby= allows in the conns it may serve; with none that
	 * signs, every one we verify (a PSK conn's peer may still sign) */
	for (size_t i = 0; i < n_served(sa); i++) {
		const struct conf_conn *cfg = served(sa, i);
		if (cfg && cfg->authby == CONF_AUTHBY_SIG)
			set |= cfg->sig_hashes & OUR_HASHES;
	}
	if (!set)
		set = OUR_HASHES;
	for (unsigned h = SIG_SHA256; h <= SIG_SHA512; h++)
		if (set & (1u << h)) {
			put_be16(data + n, (uint16_t)h);
			n += 2;
		}
	pl_notify_build(b, 0, NULL, 0, N_SIGNATURE_HASH_ALGORITHMS, data, n);
}

uint8_t ike_sig_notify_read(const struct ike_msg *msg)
{
	const struct pl_notify *n = ike_msg_notify(msg, N_SIGNATURE_HASH_ALGORITHMS);
	uint8_t set = 0;

	for (size_t i = 0; n && i + 2 <= n->len; i += 2) {
		uint16_t h = get_be16(n->data + i);
		if (h >= SIG_SHA1 && h <= SIG_SHA512)
			set |= (uint8_t)(1u << h);	/* others (Identity, ...) are not ours */
	}
	return set;
}

/* Up to this many CAs named in one CERTREQ (a peer with more rightca=
 * certificates still chains to the others: we only do not ask for them). */
#define CERTREQ_MAX_CAS 32

void ike_sig_certreq_add(struct ike_sa *sa, struct ike_msgb *b)
{
	uint8_t hashes[CERTREQ_MAX_CAS * 20];
	size_t n = 0;

	/* the rightca= CAs of every conn it may serve (a pinned rightcert=
	 * needs none named), each once */
	for (size_t i = 0; i < n_served(sa); i++) {
		const struct conf_conn *cfg = served(sa, i);
		if (!cfg || cfg->authby != CONF_AUTHBY_SIG || !cfg->certs)
			continue;
		for (size_t j = 0; j < cfg->certs->n_rightca && n + 20 <= sizeof(hashes); j++) {
			bool seen = false;
			if (x509_spki_sha1(cfg->certs->rightca[j], hashes + n))
				continue;
			for (size_t k = 0; k < n && !seen; k += 20)
				seen = memcmp(hashes + k, hashes + n, 20) == 0;
			if (!seen)
				n += 20;
		}
	}
	if (!n)
		return;
	pl_cert_build(b, PL_CERTREQ, CERT_X509_SIGNATURE, hashes, n);
	sa->certreq_sent = true;
}

/* ---- ours ---- */

/* The octets the signer's signature covers (ike_auth_in); the caller's. */
static struct secret *signed_octets(const struct ike_sa *sa, bool signer_is_initiator,
				    const uint8_t *idb, size_t idlen)
{
	struct ike_auth_in in = ike_auth_in(sa, signer_is_initiator);

	return keymat_signed_octets(sa->alg.prf, in.msg, in.msglen, in.nonce, in.noncelen, in.sk_p,
				    idb, idlen);
}

/* The hash for our signature among those both allow: the curve's own for
 * ECDSA (P-384 with SHA2-384), else the first of SHA2-256/384/512. */
static enum sig_hash pick_hash(uint8_t allowed, enum sig_key_type t)
{
	enum sig_hash want = t == SIG_KEY_P384 ? SIG_SHA384 : t == SIG_KEY_P521 ? SIG_SHA512 : SIG_SHA256;

	if (allowed & (1u << want))
		return want;
	for (unsigned h = SIG_SHA256; h <= SIG_SHA512; h++)
		if (allowed & (1u << h))
			return (enum sig_hash)h;
	return 0;
}

/* Method and algorithm for our AUTH: RFC 7427's when the peer announced a
 * hash we may use (RSA signs with PSS, RFC 8247 3.2), else RFC 4754's for
 * ECDSA; RSA without RFC 7427 would be SHA-1, which we do not sign with. */
static int choose(const struct ike_sa *sa, const struct sig_key *k, uint8_t *method,
		  struct sig_alg *a, char *why, size_t wl)
{
	const struct conf_conn *cfg = sa->conn->cfg;
	enum sig_key_type t = sig_key_type(k);
	uint8_t both = cfg->sig_hashes & sa->peer_sig_hashes & OUR_HASHES;

	if (both) {
		*method = AUTH_METHOD_DIGITAL_SIGNATURE;
		a->scheme = t == SIG_KEY_RSA ? SIG_RSA_PSS : SIG_ECDSA;
		a->hash = pick_hash(both, t);
		return 0;
	}
	if (sa->peer_sig_hashes) {
		snprintf(why, wl, "the peer's SIGNATURE_HASH_ALGORITHMS share no hash with authby=");
		return -1;
	}
	if (t == SIG_KEY_RSA) {
		snprintf(why, wl, "the peer did not announce RFC 7427 signatures "
			 "(SIGNATURE_HASH_ALGORITHMS): RSA would need SHA-1, which mcvpn does not sign with");
		return -1;
	}
	if (sig_legacy_method(t, method, a) || !(cfg->sig_hashes & (1u << a->hash))) {
		snprintf(why, wl, "the peer did not announce RFC 7427 signatures and authby= does not "
			 "allow the hash of our key's curve");
		return -1;
	}
	return 0;
}

static bool send_certs(const struct ike_sa *sa)
{
	const struct conf_conn *cfg = sa->conn->cfg;

	return cfg->sendcert == CONF_SENDCERT_ALWAYS ||
	       (cfg->sendcert == CONF_SENDCERT_IFASKED && sa->peer_certreq);
}

void ike_sig_certs_add(const struct ike_sa *sa, struct ike_msgb *b)
{
	const struct conf_certs *cc = sa->conn->cfg->certs;

	if (!cc || !send_certs(sa))
		return;
	for (size_t i = 0; i < cc->n_leftcert; i++) {
		size_t len;
		const uint8_t *der = x509_der(cc->leftcert[i], &len);
		pl_cert_build(b, PL_CERT, CERT_X509_SIGNATURE, der, len);
	}
}

int ike_sig_auth_make(struct ike_sa *sa, const uint8_t *idb, size_t idlen, uint8_t *method,
		      uint8_t *auth, size_t cap, size_t *len)
{
	const struct conf_certs *cc = sa->conn->cfg->certs;
	struct sig_alg a;
	size_t off = 0, slen;
	char why[200];
	struct secret *octets;

	if (!cc || !cc->leftkey || !cc->n_leftcert) {
		IKE_SA_LOG(sa, LOG_ERR, "no certificate and key for authby= signatures");
		return -1;
	}
	if (choose(sa, cc->leftkey, method, &a, why, sizeof(why))) {
		IKE_SA_LOG(sa, LOG_WARNING, "cannot sign our AUTH: %s", why);
		return -1;
	}
	if (*method == AUTH_METHOD_DIGITAL_SIGNATURE) {
		size_t idl;
		const uint8_t *id = sig_algid(a, &idl);
		if (!id || idl > 255 || 1 + idl + SIG_MAX > cap)
			return -1;
		auth[0] = (uint8_t)idl;	/* RFC 7427 3: its length, it, the signature */
		memcpy(auth + 1, id, idl);
		off = 1 + idl;
	}
	octets = signed_octets(sa, sa->initiator, idb, idlen);
	int r = octets ? sig_sign(cc->leftkey, a, octets->buf, octets->len, auth + off, cap - off,
				  &slen) : -1;
	secret_free(octets);
	if (r) {
		IKE_SA_LOG(sa, LOG_ERR, "signing our AUTH with %s %s failed", scheme_name(a.scheme),
			   hash_name(a.hash));
		return -1;
	}
	*len = off + slen;
	return 0;
}

/* ---- theirs ---- */

/* The peer's AUTH method and data -> algorithm and signature. */
static int read_auth(const struct ike_sa *sa, const struct pl_data *auth, struct sig_alg *a,
		     const uint8_t **sig, size_t *slen, char *why, size_t wl)
{
	const struct conf_conn *cfg = sa->conn->cfg;

	switch (auth->kind) {
	case AUTH_METHOD_DIGITAL_SIGNATURE: {
		size_t idl = auth->data[0];	/* the parser keeps len >= 1 */
		if (1 + idl >= auth->len) {
			snprintf(why, wl, "its Digital Signature AUTH is cut short");
			return -1;
		}
		if (sig_algid_parse(auth->data + 1, idl, a)) {
			snprintf(why, wl, "its signature algorithm is none mcvpn knows "
				 "(RSA PKCS#1 v1.5, RSA-PSS or ECDSA with SHA2-256/384/512)");
			return -1;
		}
		*sig = auth->data + 1 + idl;
		*slen = auth->len - 1 - idl;
		break;
	}
	case AUTH_METHOD_ECDSA_256:
	case AUTH_METHOD_ECDSA_384:
	case AUTH_METHOD_ECDSA_521:
		a->scheme = SIG_ECDSA_RAW;
		a->hash = auth->kind == AUTH_METHOD_ECDSA_256 ? SIG_SHA256
			  : auth->kind == AUTH_METHOD_ECDSA_384 ? SIG_SHA384 : SIG_SHA512;
		*sig = auth->data;
		*slen = auth->len;
		break;
	case AUTH_METHOD_RSA:
		snprintf(why, wl, "it signs with RSA and SHA-1 (AUTH method 1), which mcvpn does not "
			 "accept: the peer needs RFC 7427 signatures (SHA-2)");
		return -1;
	case AUTH_METHOD_PSK:
		snprintf(why, wl, "it authenticates with a pre-shared key, but authby= asks for "
			 "certificates");
		return -1;
	default:
		snprintf(why, wl, "AUTH method %u is not one mcvpn supports", auth->kind);
		return -1;
	}
	if (!(cfg->sig_hashes & OUR_HASHES & (1u << a->hash))) {
		snprintf(why, wl, "it signs with %s, which authby= does not allow", hash_name(a->hash));
		return -1;
	}
	return 0;
}

/* The peer's certificate: its first CERT (X.509), which must be the pinned
 * rightcert= when there is one; or, when it sent none, the pinned one
 * itself (*ee borrows it).  The other CERTs are its intermediates.  What
 * came from the message is the caller's: *sent (NULL: none) and chain. */
static int peer_cert(const struct ike_sa *sa, const struct ike_msg *msg,
		     const struct x509_cert **ee, struct x509_cert **sent,
		     struct x509_cert **chain, size_t *n_chain, char *why, size_t wl)
{
	const struct conf_certs *cc = sa->conn->cfg->certs;

	*sent = NULL;
	*n_chain = 0;
	for (size_t i = 0; i < msg->n_cert; i++) {
		const struct pl_cert *c = &msg->cert[i];
		struct x509_cert *x;
		char w[160];
		if (c->encoding != CERT_X509_SIGNATURE) {
			if (i == 0) {
				snprintf(why, wl, "its CERT payload has encoding %u; mcvpn reads "
					 "X.509 certificates (4) only", c->encoding);
				return -1;
			}
			continue;	/* an intermediate we cannot read may not be needed */
		}
		if (x509_from_der(c->data, c->len, &x, w, sizeof(w))) {
			if (i == 0) {
				snprintf(why, wl, "its certificate does not parse: %s", w);
				return -1;
			}
			continue;
		}
		if (!*sent)
			*sent = x;
		else
			chain[(*n_chain)++] = x;
	}
	if (*sent && cc->rightcert && !x509_equal(*sent, cc->rightcert)) {
		char subj[200];
		x509_subject_str(*sent, subj, sizeof(subj));
		snprintf(why, wl, "it sent the certificate \"%s\", which is not rightcert=", subj);
		return -1;
	}
	*ee = *sent ? *sent : cc->rightcert;
	if (!*ee) {
		snprintf(why, wl, "it sent no certificate (CERT payload)%s",
			 sa->certreq_sent ? " although we asked (CERTREQ)"
					  : "; with rightca= it would have been asked (CERTREQ)");
		return -1;
	}
	return 0;
}

/* The scheme must be one the certificate's key makes: an RSA signature from
 * an ECDSA certificate cannot verify, and saying so beats "bad signature". */
static bool scheme_fits(enum sig_scheme s, enum sig_key_type t)
{
	return (s == SIG_RSA_PKCS1 || s == SIG_RSA_PSS) == (t == SIG_KEY_RSA);
}

int ike_sig_verify(struct ike_sa *sa, const struct ike_msg *msg, bool peer_is_initiator,
		   char *why, size_t wl)
{
	const struct conf_conn *cfg = sa->conn->cfg;
	const struct conf_certs *cc = cfg->certs;
	const struct pl_data *id = peer_is_initiator ? &msg->idi : &msg->idr;
	const struct x509_cert *ee = NULL;
	struct x509_cert *sent = NULL, *chain[IKE_MAX_CERT];
	size_t n_chain = 0, slen;
	const uint8_t *sig;
	struct sig_alg a;
	struct secret *octets = NULL;
	char w[200], subj[200];
	int r = -1;

	if (!cc) {
		snprintf(why, wl, "the conn has no certificates");
		return -1;
	}
	if (read_auth(sa, &msg->auth, &a, &sig, &slen, why, wl) ||
	    peer_cert(sa, msg, &ee, &sent, chain, &n_chain, why, wl))
		goto out;
	x509_subject_str(ee, subj, sizeof(subj));
	enum sig_key_type t = sig_pub_type(x509_pub(ee));
	if (!conf_sig_key_allowed(cfg, t)) {
		snprintf(why, wl, "its certificate \"%s\" has a%s key, which authby= does not allow",
			 subj, t == SIG_KEY_RSA ? "n RSA" : t == SIG_KEY_OTHER ? "n unsupported" : "n ECDSA");
		goto out;
	}
	if (!scheme_fits(a.scheme, t)) {
		snprintf(why, wl, "its AUTH is %s, which the key of its certificate \"%s\" cannot make",
			 scheme_name(a.scheme), subj);
		goto out;
	}
	struct x509_cert *const *cas = cc->n_rightca ? cc->rightca : &cc->rightcert;
	size_t n_cas = cc->n_rightca ? cc->n_rightca : cc->rightcert != NULL;
	if (x509_verify(ee, chain, n_chain, cas, n_cas, time(NULL), w, sizeof(w))) {
		snprintf(why, wl, "its certificate: %s", w);	/* w names the one refused */
		goto out;
	}
	if (x509_matches_id(ee, (enum x509_id)id->kind, id->data, id->len, w, sizeof(w))) {
		snprintf(why, wl, "its ID is not in its certificate \"%s\": %s", subj, w);
		goto out;
	}
	octets = signed_octets(sa, peer_is_initiator, id->body, id->body_len);
	if (!octets) {
		snprintf(why, wl, "out of memory");
		goto out;
	}
	if (sig_verify(x509_pub(ee), a, octets->buf, octets->len, sig, slen)) {
		snprintf(why, wl, "its %s %s signature does not verify with the key of its "
			 "certificate \"%s\"", scheme_name(a.scheme), hash_name(a.hash), subj);
		goto out;
	}
	snprintf(why, wl, "certificate \"%s\", %s %s", subj, scheme_name(a.scheme), hash_name(a.hash));
	r = 0;
out:
	secret_free(octets);
	x509_free(sent);
	for (size_t i = 0; i < n_chain; i++)
		x509_free(chain[i]);
	return r;
}
