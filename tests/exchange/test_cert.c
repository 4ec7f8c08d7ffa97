/* SPDX-License-Identifier: Apache-2.0 */
/* Certificate authentication between two engines (RFC 7296 2.15, RFC 7427),
 * with a PKI that openssl(1) made (tests/unit/crypto/mkcerts.sh, run by
 * x509_test.sh into DIR): RSA through an intermediate and ECDSA P-256/P-384
 * from the root, IDs as addresses, DNs and %fromcert, a pinned certificate
 * with leftsendcert=never/ifasked, a peer without RFC 7427 (ECDSA by RFC
 * 4754; RSA would be SHA-1: refused), and IKE_AUTH in fragments.  Then every
 * way a peer's certificate or AUTH can be wrong is refused with its reason:
 * another CA, expired, not yet valid, no signing key usage, an ID its
 * certificate does not name, someone else's certificate with its own key,
 * a PSK against certificates and the other way round, a key type or hashes
 * authby= does not allow, no certificate at all, not the pinned one.
 *
 *   test_cert DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "crypto/sig.h"
#include "daemon/base/log.h"
#include "certs.h"
#include "harness.h"

static const char *dir;

static bool established(const struct side *s)
{
	const struct ike_sa *sa = s->conn.ike;
	return sa && sa->state == IKE_S_ESTABLISHED && s->n_inst >= 1;
}

static bool both_up(struct net *n)
{
	return established(&n->s[SIDE_A]) && established(&n->s[SIDE_B]);
}

/* A (initiator, the first set) and B (responder) with their certificates:
 * one IKE SA set up from start to end, A's and B's messages checked. */
static struct certs A_RSA = { .cert = "a-rsa-chain.pem", .key = "a-rsa.key", .ca = "ca.pem" };
static struct certs B_RSA = { .cert = "rsa-chain.pem", .key = "rsa.key", .ca = "ca.pem" };

/* The two engines from oa and ob, past the limit on lines about
 * unauthenticated peers (log.h) that the scenarios before filled.  false
 * (the scenario ended) when a config does not load. */
static bool net_ready(struct net *n, const struct side_opts *oa, const struct side_opts *ob)
{
	int r = net_init(n, oa, ob);

	CHECK_INT(r, 0);
	if (r) {
		scenario_end(true);
		return false;
	}
	net_tick(n, (LOG_LIMIT_WINDOW_S + 1) * 1000, 1000);
	return true;
}

/* ... with hook on the network from the first message on (NULL: none). */
static void start_hooked(struct net *n, const struct certs *a, const struct certs *b,
			 const char *extra, net_hook hook)
{
	struct side_opts oa = { .autostart = "start", .extra = extra };
	struct side_opts ob = { .autostart = "add", .extra = extra };

	if (!net_ready(n, &oa, &ob))
		exit(check_summary("exchange-cert"));	/* the callers go on with n */
	CHECK_INT(side_certs(&n->s[SIDE_A], dir, a), 0);
	CHECK_INT(side_certs(&n->s[SIDE_B], dir, b), 0);
	n->hook = hook;
	CHECK_INT(net_initiate(n, SIDE_A), 0);
	net_run(n);
}

static void start(struct net *n, const struct certs *a, const struct certs *b, const char *extra)
{
	start_hooked(n, a, b, extra, NULL);
}

static void finish(struct net *n)
{
	check_net_sane(n);
	side_certs_free(&n->s[SIDE_A]);
	side_certs_free(&n->s[SIDE_B]);
	net_free(n);
}

static bool inner_has(const struct pkt *p, uint8_t type)
{
	return p && p->view.opened && (p->view.inner & PL_BIT(type));
}

static void up(const char *name, const struct certs *a, const struct certs *b, const char *log_a,
	       const char *log_b)
{
	struct net n;

	scenario_begin(name);
	start(&n, a, b, "fragmentation=no");	/* whole messages: their payloads seen */
	CHECK(both_up(&n));
	/* RFC 7427 announced both ways; B asks for a certificate from rightca= */
	const struct pkt *ia = net_find(&n, SIDE_A, IKE_SA_INIT, 0, 0);
	const struct pkt *ib = net_find(&n, SIDE_B, IKE_SA_INIT, 1, 0);
	CHECK(ia && view_has_notify(&ia->view, N_SIGNATURE_HASH_ALGORITHMS));
	CHECK(ib && view_has_notify(&ib->view, N_SIGNATURE_HASH_ALGORITHMS));
	CHECK(ib && (ib->view.outer & PL_BIT(PL_CERTREQ)) == (b->ca ? PL_BIT(PL_CERTREQ) : 0));
	const struct pkt *qa = net_find(&n, SIDE_A, IKE_AUTH, 0, 0);
	const struct pkt *rb = net_find(&n, SIDE_B, IKE_AUTH, 1, 0);
	CHECK(inner_has(qa, PL_CERT) == (a->send != CONF_SENDCERT_NEVER &&
					 (a->send == CONF_SENDCERT_ALWAYS || b->ca)));
	CHECK(inner_has(qa, PL_CERTREQ) == (a->ca != NULL));
	CHECK(inner_has(rb, PL_CERT) == (b->send != CONF_SENDCERT_NEVER &&
					 (b->send == CONF_SENDCERT_ALWAYS || a->ca)));
	for (int i = 0; i < 2; i++)	/* what status shows */
		if (n.s[i].conn.ike)
			CHECK_CONTAINS(n.s[i].conn.ike->peer_auth, "certificate \"O=mcvpn test, CN=");
	if (log_a) {
		char want[300];
		snprintf(want, sizeof(want), "\"A\": #1: peer %s", log_a);
		CHECK(log_has(want));
		if (!log_has(want))
			fprintf(stderr, "  no log line \"%s\"\n", want);
	}
	if (log_b) {
		char want[300];
		snprintf(want, sizeof(want), "\"B\": #1: peer %s", log_b);
		CHECK(log_has(want));
		if (!log_has(want))
			fprintf(stderr, "  no log line \"%s\"\n", want);
	}
	finish(&n);
	scenario_end(true);
}

static void all_up(void)
{
	up("RSA through an intermediate, both ways, address IDs", &A_RSA, &B_RSA,
	   "203.0.113.20 authenticated: certificate \"O=mcvpn test, CN=vpn.example.com\", "
	   "RSA-PSS SHA2-256",
	   "198.51.100.10 authenticated: certificate \"O=mcvpn test, CN=a.example\", "
	   "RSA-PSS SHA2-256");

	static const struct certs a_ec = { .cert = "a-p256.pem", .key = "a-p256.key", .ca = "ca.pem" };
	static const struct certs b_ec = { .cert = "b-p384.pem", .key = "b-p384.key", .ca = "ca.pem" };
	up("ECDSA P-256 and P-384, each with its curve's hash", &a_ec, &b_ec,
	   "203.0.113.20 authenticated: certificate \"O=mcvpn test, CN=b384.example\", ECDSA SHA2-384",
	   "198.51.100.10 authenticated: certificate \"O=mcvpn test, CN=a256.example\", ECDSA SHA2-256");
	up("RSA against ECDSA", &A_RSA, &b_ec, "203.0.113.20 authenticated", "198.51.100.10 authenticated");

	/* DNs: A names B's subject as rightid=, B takes whatever its certificate says */
	struct certs a_dn = A_RSA, b_dn = B_RSA;
	a_dn.leftid_dn = b_dn.leftid_dn = true;
	a_dn.rightid_dn = "O=mcvpn test, CN=vpn.example.com";
	b_dn.rightid_any = true;
	up("IDs as DNs and %fromcert", &a_dn, &b_dn,
	   "\"O=mcvpn test, CN=vpn.example.com\" authenticated",
	   "\"O=mcvpn test, CN=a.example\" authenticated");

	/* pinned: B has A's certificate and A sends none; B sends its own only
	 * because A asks (A has rightca=) */
	struct certs a_pin = A_RSA, b_pin = B_RSA;
	a_pin.send = CONF_SENDCERT_NEVER;
	b_pin.ca = NULL;
	b_pin.pin = "a-rsa.pem";
	b_pin.send = CONF_SENDCERT_IFASKED;
	up("rightcert= pinned, leftsendcert=never and ifasked", &a_pin, &b_pin,
	   "203.0.113.20 authenticated", "198.51.100.10 authenticated: certificate \"O=mcvpn test, CN=a.example\"");
	/* both pinned, nobody asks, nobody sends */
	struct certs a_pin2 = a_pin;
	a_pin2.ca = NULL;
	a_pin2.pin = "rsa.pem";
	a_pin2.send = CONF_SENDCERT_IFASKED;
	up("both pinned, no CERT either way", &a_pin2, &b_pin, "203.0.113.20 authenticated",
	   "198.51.100.10 authenticated");
	/* authby=rsa-sha2_512 on B: A signs with what B allows */
	struct certs b_512 = B_RSA;
	b_512.hashes = 1u << SIG_SHA512;
	up("authby= narrows the hash", &A_RSA, &b_512, "203.0.113.20 authenticated: certificate "
	   "\"O=mcvpn test, CN=vpn.example.com\", RSA-PSS SHA2-512",
	   "198.51.100.10 authenticated: certificate \"O=mcvpn test, CN=a.example\", RSA-PSS SHA2-512");
}

/* A peer that knows no RFC 7427: A's SIGNATURE_HASH_ALGORITHMS turned
 * into a status notify nobody knows on its way, so neither side has the
 * other's: ECDSA signs by RFC 4754 (AUTH methods 9 and 10), RSA cannot
 * (it would be SHA-1). */
static enum verdict hide_sig_hashes(struct net *n, struct pkt *p, void *arg)
{
	static struct ike_msg m;

	struct ike_sa *sa = n->s[SIDE_A].conn.ike;

	(void)arg;
	if (p->from != SIDE_A || p->hdr.exchange != IKE_SA_INIT || !sa ||
	    sa->init_req_len != p->len || memcmp(sa->init_req, p->buf, p->len) ||
	    ike_msg_parse_header(p->buf, p->len, &m) || ike_msg_parse_payloads(&m))
		return V_PASS;
	/* A's own copy too (AUTH signs it): as if A had sent it so */
	for (unsigned i = 0; i < m.n_notify; i++)
		if (m.notify[i].type == N_SIGNATURE_HASH_ALGORITHMS && m.notify[i].spi_size == 0) {
			size_t off = (size_t)(m.notify[i].data - p->buf) - 2;
			p->buf[off] = sa->init_req[off] = 0x9c;	/* 40000 */
			p->buf[off + 1] = sa->init_req[off + 1] = 0x40;
		}
	return V_PASS;
}

static void legacy(void)
{
	static const struct certs a_ec = { .cert = "a-p256.pem", .key = "a-p256.key", .ca = "ca.pem" };
	static const struct certs b_ec = { .cert = "b-p384.pem", .key = "b-p384.key", .ca = "ca.pem" };
	struct net n;

	scenario_begin("no RFC 7427: ECDSA by RFC 4754");
	start_hooked(&n, &a_ec, &b_ec, NULL, hide_sig_hashes);
	CHECK(both_up(&n));
	const struct pkt *ib = net_find(&n, SIDE_B, IKE_SA_INIT, 1, 0);
	CHECK(ib && !view_has_notify(&ib->view, N_SIGNATURE_HASH_ALGORITHMS));
	CHECK_LOG("\"A\": #1: peer 203.0.113.20 authenticated: certificate \"O=mcvpn test, "
		  "CN=b384.example\", ECDSA (RFC 4754) SHA2-384");
	CHECK_LOG("\"B\": #1: peer 198.51.100.10 authenticated: certificate \"O=mcvpn test, "
		  "CN=a256.example\", ECDSA (RFC 4754) SHA2-256");
	finish(&n);
	scenario_end(true);

	scenario_begin("no RFC 7427: RSA refuses SHA-1");
	start_hooked(&n, &A_RSA, &B_RSA, NULL, hide_sig_hashes);
	net_advance(&n, 5000);
	CHECK(!established(&n.s[SIDE_A]));
	CHECK_LOG("\"A\": #1: cannot sign our AUTH: the peer did not announce RFC 7427 signatures "
		  "(SIGNATURE_HASH_ALGORITHMS): RSA would need SHA-1");
	CHECK_INT(net_count(&n, SIDE_A, IKE_AUTH, 0), 0);
	finish(&n);
	scenario_end(true);

	/* the responder that cannot sign (RSA, the initiator ECDSA without
	 * RFC 7427) answers AUTHENTICATION_FAILED at once */
	scenario_begin("no RFC 7427: a responder that cannot sign says so");
	/* fragmentation=no: one message each, counted */
	start_hooked(&n, &a_ec, &B_RSA, "fragmentation=no", hide_sig_hashes);
	net_advance(&n, 5000);
	CHECK(!established(&n.s[SIDE_A]));
	CHECK_LOG("\"B\": #1: cannot sign our AUTH: the peer did not announce RFC 7427 signatures");
	CHECK_LOG("\"A\": #1: peer refused IKE_AUTH: AUTHENTICATION_FAILED");
	CHECK_INT(net_count(&n, SIDE_A, IKE_AUTH, 0), 1);	/* answered: no retransmission */
	finish(&n);
	scenario_end(true);
}

/* The same through the configuration: the keys as an operator writes them,
 * read by conf/ (files by absolute name, the key in the secrets file). */
static void from_config(void)
{
	char a_extra[1024], b_extra[1024], a_key[600], b_key[600];
	struct net n;

	snprintf(a_extra, sizeof(a_extra), "leftcert=%s/a-rsa-chain.pem\n"
		 "rightca=%s/ca.pem\nfragmentation=no", dir, dir);
	snprintf(b_extra, sizeof(b_extra), "leftcert=%s/rsa-chain.pem\nrightca=%s/ca.pem\nrightid=%%fromcert\n"
		 "leftsendcert=ifasked\nfragmentation=no", dir, dir);
	snprintf(a_key, sizeof(a_key), ": RSA %s/a-rsa.key\n", dir);
	snprintf(b_key, sizeof(b_key), ": RSA \"%s/rsa.key\"\n", dir);
	const struct side_opts oa = { .autostart = "start", .authby = "rsasig,ecdsa",
				      .extra = a_extra, .secrets2 = a_key };
	const struct side_opts ob = { .autostart = "add", .authby = "ecdsa-sha2_384,rsa-sha2_384",
				      .extra = b_extra, .secrets2 = b_key };

	scenario_begin("from the configuration's keys");
	if (!net_ready(&n, &oa, &ob))
		return;
	const struct conf_conn *ca = n.s[SIDE_A].conn.cfg, *cb = n.s[SIDE_B].conn.cfg;
	CHECK(ca->authby == CONF_AUTHBY_SIG && ca->certs && ca->certs->n_leftcert == 2);
	CHECK(cb->authby == CONF_AUTHBY_SIG && cb->rightid.type == CONF_ID_ANY);
	CHECK_INT(cb->sig_hashes, 1u << SIG_SHA384);
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	CHECK(both_up(&n));
	/* B asked (rightca=): A sent its chain; A asked too: B, ifasked, sent */
	CHECK(inner_has(net_find(&n, SIDE_A, IKE_AUTH, 0, 0), PL_CERT));
	CHECK(inner_has(net_find(&n, SIDE_B, IKE_AUTH, 1, 0), PL_CERT));
	CHECK_LOG("\"A\": #1: peer 203.0.113.20 authenticated: certificate \"O=mcvpn test, "
		  "CN=vpn.example.com\", RSA-PSS SHA2-384");
	CHECK_LOG("\"B\": #1: peer 198.51.100.10 authenticated: certificate \"O=mcvpn test, "
		  "CN=a.example\", RSA-PSS SHA2-384");
	check_net_sane(&n);
	net_free(&n);	/* conf_free frees what conf read */
	scenario_end(true);
}

/* B has a certificate conn with rightid=%fromcert first and a PSK conn
 * second, between the same addresses: a PSK peer's ID fits both, and its
 * PSK AUTH decides (ike/match.c): it lands in the PSK conn and comes up;
 * a certificate peer lands in the certificate conn. */
static void auth_picks_conn(void)
{
	char b_extra[1024], b_key[600];
	static const struct side_opts b2 = { .autostart = "add" };
	struct net n;

	snprintf(b_extra, sizeof(b_extra), "leftcert=%s/rsa-chain.pem\nrightca=%s/ca.pem\n"
		 "rightid=%%fromcert\nfragmentation=no", dir, dir);
	snprintf(b_key, sizeof(b_key), ": RSA %s/rsa.key\n", dir);
	const struct side_opts ob = { .autostart = "add", .authby = "rsasig", .extra = b_extra,
				      .secrets2 = b_key, .conn2 = &b2 };
	const struct side_opts oa = { .autostart = "start" };

	for (int cert = 0; cert < 2; cert++) {
		scenario_begin(cert ? "a certificate peer lands in the certificate conn"
				    : "a PSK peer lands in the PSK conn, not in %fromcert's");
		if (!net_ready(&n, &oa, &ob))
			continue;
		if (cert)
			CHECK_INT(side_certs(&n.s[SIDE_A], dir, &A_RSA), 0);
		CHECK_INT(net_initiate(&n, SIDE_A), 0);
		net_run(&n);
		const struct ike_sa *sa = side_n_live(&n.s[SIDE_B]) ? side_live(&n.s[SIDE_B], 0) : NULL;
		CHECK(sa && sa->state == IKE_S_ESTABLISHED);
		CHECK(sa && sa->conn == (cert ? &n.s[SIDE_B].conn : &n.s[SIDE_B].conn2));
		CHECK(established(&n.s[SIDE_A]));
		if (sa)
			CHECK_STR(sa->peer_auth, cert ? "certificate \"O=mcvpn test, CN=a.example\", "
							"RSA-PSS SHA2-256" : "pre-shared key");
		check_net_sane(&n);
		if (cert)
			side_certs_free(&n.s[SIDE_A]);
		net_free(&n);
		scenario_end(true);
	}
}

/* B's PSK conn first, its certificate conn second: B's IKE_SA_INIT answer
 * must ask (CERTREQ) for every conn the addresses may lead to, so that A
 * with leftsendcert=ifasked sends its certificate and lands in the second.
 * (Before: the CERTREQ came from the first conn alone: none, no CERT, and
 * a refusal that claimed we had asked.) */
static void certreq_for_all_conns(void)
{
	char b_extra[1024], b_key[600];
	struct net n;

	snprintf(b_extra, sizeof(b_extra), "leftcert=%s/rsa-chain.pem\nrightca=%s/ca.pem\n"
		 "rightid=%%fromcert\nfragmentation=no", dir, dir);
	snprintf(b_key, sizeof(b_key), ": RSA %s/rsa.key\n", dir);
	const struct side_opts b2 = { .autostart = "add", .authby = "rsa-sha2_512", .extra = b_extra };
	const struct side_opts ob = { .autostart = "add", .secrets2 = b_key, .conn2 = &b2 };
	const struct side_opts oa = { .autostart = "start" };
	struct certs a = A_RSA;

	a.send = CONF_SENDCERT_IFASKED;
	scenario_begin("ifasked peer, PSK conn first: asked all the same, lands in the second");
	if (!net_ready(&n, &oa, &ob))
		return;
	CHECK_INT(side_certs(&n.s[SIDE_A], dir, &a), 0);
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	const struct ike_sa *sa = side_n_live(&n.s[SIDE_B]) ? side_live(&n.s[SIDE_B], 0) : NULL;
	CHECK(sa && sa->state == IKE_S_ESTABLISHED);
	CHECK(sa && sa->conn == &n.s[SIDE_B].conn2);
	CHECK(established(&n.s[SIDE_A]));
	const struct pkt *ib = net_find(&n, SIDE_B, IKE_SA_INIT, 1, 0);
	CHECK(ib && (ib->view.outer & PL_BIT(PL_CERTREQ)));
	/* B2's authby=rsa-sha2_512 announced: A signs with SHA2-512 */
	CHECK_LOG("\"B2\": #1: peer 198.51.100.10 authenticated: certificate \"O=mcvpn test, "
		  "CN=a.example\", RSA-PSS SHA2-512");
	check_net_sane(&n);
	side_certs_free(&n.s[SIDE_A]);
	net_free(&n);
	scenario_end(true);
}

/* IKE_AUTH with two RSA chains does not fit 576-byte packets: fragments. */
static void fragments(void)
{
	struct net n;

	scenario_begin("certificates in IKE fragments");
	start(&n, &A_RSA, &B_RSA, "fragmentation=force\nike-fragment-size=576");
	CHECK(both_up(&n));
	const struct pkt *qa = net_find(&n, SIDE_A, IKE_AUTH, 0, 0);
	CHECK(qa && qa->len <= 576 - 28);
	CHECK(net_count(&n, SIDE_A, IKE_AUTH, 0) >= 4);	/* two certificates: > 2 KB */
	CHECK(net_count(&n, SIDE_B, IKE_AUTH, 1) >= 4);
	finish(&n);
	scenario_end(true);
}

/* B refuses A (or A refuses B's answer: by_a): the refuser says why. */
static void refused(const char *name, const struct certs *a, const struct certs *b, bool by_a,
		    const char *why)
{
	struct net n;
	char want[400];

	scenario_begin(name);
	start(&n, a, b, NULL);
	net_advance(&n, 5000);
	CHECK(!established(&n.s[SIDE_A]));
	CHECK(by_a || !established(&n.s[SIDE_B]));	/* a responder is done before A checks */
	snprintf(want, sizeof(want), "\"%s\": #1: AUTHENTICATION_FAILED: peer ", by_a ? "A" : "B");
	CHECK(log_has(want));
	CHECK(log_has(why));
	if (!log_has(want) || !log_has(why))
		fprintf(stderr, "  expected \"%s...%s\"\n", want, why);
	if (!by_a)
		CHECK_LOG("\"A\": #1: peer refused IKE_AUTH: AUTHENTICATION_FAILED");
	CHECK_INT(n.s[SIDE_A].fails[IKE_FAIL_AUTH], 1);
	if (!by_a)
		check_nothing_installed(&n);
	finish(&n);
	scenario_end(true);
}

static void all_refused(void)
{
	struct certs a = A_RSA, b = B_RSA;

	a.cert = "stranger.pem", a.key = "stranger.key", a.leftid_fqdn = "vpn.example.com";
	b.rightid_any = true;
	refused("a certificate from another CA", &a, &b, false,
		"its certificate: unable to get local issuer certificate (certificate \"O=somebody else, "
		"CN=vpn.example.com\")");
	refused("the responder's certificate from another CA", &A_RSA, &(struct certs){
		.cert = "stranger.pem", .key = "stranger.key", .ca = "ca.pem" }, true,
		"its certificate: unable to get local issuer certificate (certificate \"O=somebody else, "
		"CN=vpn.example.com\")");

	a = A_RSA, b = B_RSA;
	a.cert = "noku.pem", a.key = "noku.key", a.leftid_fqdn = "noku.example";
	b.rightid_any = true;
	refused("a certificate whose key usage allows no signatures", &a, &b, false,
		"key usage allows no signatures");

	a = A_RSA, b = B_RSA;
	a.leftid_fqdn = "not-a.example";
	b.rightid_any = true;
	refused("an ID its certificate does not name", &a, &b, false,
		"its ID is not in its certificate \"O=mcvpn test, CN=a.example\"");

	/* A shows B's certificate (public, anyone may have it) with its own key */
	a = A_RSA, b = B_RSA;
	a.cert = "rsa-chain.pem", a.leftid_fqdn = "vpn.example.com";
	b.rightid_any = true;
	refused("someone else's certificate, signed with another key", &a, &b, false,
		"RSA-PSS SHA2-256 signature does not verify with the key of its certificate "
		"\"O=mcvpn test, CN=vpn.example.com\"");

	a = A_RSA, b = B_RSA;
	a.psk = true;
	refused("a PSK against certificates", &a, &b, false, "authenticates with a pre-shared key");
	b.psk = true, a.psk = false;
	refused("certificates against a PSK", &a, &b, false, "but authby=secret");

	a = A_RSA, b = B_RSA;
	b.keys = CONF_SIGKEY_ECDSA;
	refused("authby=ecdsa and an RSA certificate", &a, &b, false,
		"has an RSA key, which authby= does not allow");

	a = A_RSA, b = B_RSA;
	a.send = CONF_SENDCERT_NEVER;
	refused("no certificate sent, none pinned", &a, &b, false,
		"it sent no certificate (CERT payload) although we asked (CERTREQ)");

	a = A_RSA, b = B_RSA;
	b.ca = NULL, b.pin = "a-p256.pem";
	refused("not the pinned certificate", &a, &b, false,
		"it sent the certificate \"O=mcvpn test, CN=a.example\", which is not rightcert=");

	/* A allows only SHA2-384, B only SHA2-256: A cannot sign for B */
	{
		struct net n;
		a = A_RSA, b = B_RSA;
		a.hashes = 1u << SIG_SHA384, b.hashes = 1u << SIG_SHA256;
		scenario_begin("no hash both allow");
		start(&n, &a, &b, NULL);
		net_advance(&n, 5000);
		CHECK(!established(&n.s[SIDE_A]));
		CHECK_LOG("\"A\": #1: cannot sign our AUTH: the peer's SIGNATURE_HASH_ALGORITHMS share "
			  "no hash with authby=");
		CHECK_INT(net_count(&n, SIDE_A, IKE_AUTH, 0), 0);
		finish(&n);
		scenario_end(true);
	}

	/* the clock: a century on every certificate has expired; a day back
	 * none is valid yet (mkcerts.sh made them now) */
	net_wall_shift(200LL * 365 * 86400);
	refused("expired", &A_RSA, &B_RSA, false, "certificate has expired");
	net_wall_shift(-2 * 86400);
	refused("not yet valid", &A_RSA, &B_RSA, false, "certificate is not yet valid");
	net_wall_shift(0);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_cert DIR (made by mkcerts.sh)\n");
		return 2;
	}
	dir = argv[1];
	if (!net_test_start())
		return 1;
	all_up();
	from_config();
	auth_picks_conn();
	certreq_for_all_conns();
	legacy();
	fragments();
	all_refused();
	return check_summary("exchange-cert");
}
