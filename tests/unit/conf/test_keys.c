/* SPDX-License-Identifier: Apache-2.0 */
/* Every accepted form of every key, and the defaults when a key is absent. */
#include "conf_test.h"

/* Load a conn with one extra line and return its first conn (static copy). */
static const struct conf_conn *one(const char *extra)
{
	static struct conf_conn copy;
	struct conf_diag d = { 0 };
	struct conf *c = load_one(extra, &d);

	CHECK(c != NULL);
	if (!c) {
		fprintf(stderr, "  with: %s\n", extra);
		conf_diag_free(&d);
		return NULL;
	}
	copy = c->conns[0];
	copy.psk = NULL;
	conf_free(c);
	conf_diag_free(&d);
	return &copy;
}

static void test_defaults(void)
{
	const struct conf_conn *c = one("");
	char buf[64];

	if (!c)
		return;
	CHECK_INT(c->autostart, CONF_AUTO_IGNORE);
	CHECK(c->encapsulation);	/* ESP always in UDP */
	CHECK(!c->has_mark);
	CHECK(c->vti_routing);
	CHECK_INT(c->ikelifetime, 28800);
	CHECK(c->rekey);
	CHECK_INT(c->rekeymargin, 540);
	CHECK_INT(c->rekeyfuzz, 100);
	CHECK_INT(c->dpddelay, 0);		/* auto=ignore/add: no liveness checks by default */
	CHECK_INT(c->dpdtimeout, 150);
	CHECK_INT(c->dpdaction, CONF_DPD_HOLD);
	CHECK_INT(c->salifetime, 28800);
	CHECK_INT(c->leftid.type, CONF_ID_IPV4);
	CHECK_STR(c->leftid.text, "192.0.2.1");
	CHECK_STR(c->rightid.text, "192.0.2.2");
	CHECK_INT(c->n_leftsubnet, 1);
	CHECK_STR(prefix_str(&c->leftsubnet[0], buf, sizeof(buf)), "0.0.0.0/0");
	CHECK_STR(prefix_str(&c->rightsubnet[0], buf, sizeof(buf)), "0.0.0.0/0");
	CHECK(!c->has_interface_ip);
	CHECK_INT(c->n_routes, 0);
	CHECK_INT(c->n_ike, 2);
	CHECK_INT(c->ike[0].encr, ENCR_AES_GCM_16);
	CHECK_INT(c->ike[0].prf, PRF_HMAC_SHA2_512);
	CHECK_INT(c->ike[0].dh, ECP_256);
	CHECK_INT(c->ike[1].encr, ENCR_AES_CBC);
	CHECK_INT(c->ike[1].integ, AUTH_HMAC_SHA2_256_128);
	CHECK_INT(c->ike[1].dh, MODP_2048);
	CHECK_INT(c->n_esp, 1);
	CHECK_INT(c->esp[0].encr, ENCR_AES_GCM_16);
	CHECK_INT(c->esp[0].encr_keybits, 256);
	CHECK_INT(c->esp[0].dh, DH_NONE);
}

static void test_simple_keys(void)
{
	const struct conf_conn *c;

	if ((c = one("\tauto=start")))
		CHECK_INT(c->autostart, CONF_AUTO_START);
	if ((c = one("\tauto=add")))
		CHECK_INT(c->autostart, CONF_AUTO_ADD);
	if ((c = one("\tauto=ignore")))
		CHECK_INT(c->autostart, CONF_AUTO_IGNORE);
	one("\tauthby=secret");
	one("\tikev2=insist");
	one("\tikev2=yes");
	one("\tikev2=propose");
	one("\tikev2=permit");
	one("\tkeyexchange=ike");
	one("\tkeyexchange=ikev2");
	one("\ttype=tunnel");
	if ((c = one("\tauto=start"))) {	/* kept up by us: DPD on, restart */
		CHECK_INT(c->dpddelay, 30);
		CHECK_INT(c->dpdaction, CONF_DPD_RESTART);
	}
	if ((c = one("\tauto=start\n\tdpddelay=0")))
		CHECK_INT(c->dpddelay, 0);
	if ((c = one("\tdpddelay=5s\n\tdpdtimeout=15s\n\tdpdaction=clear"))) {
		CHECK_INT(c->dpddelay, 5);
		CHECK_INT(c->dpdtimeout, 15);
		CHECK_INT(c->dpdaction, CONF_DPD_CLEAR);
	}
	if ((c = one("\tdpdaction=restart")))
		CHECK_INT(c->dpdaction, CONF_DPD_RESTART);
	if ((c = one("\trekey=no")))
		CHECK(!c->rekey);
	if ((c = one("\tsalifetime=12s\n\tikelifetime=25s\n\trekeymargin=4s\n\trekeyfuzz=50%"))) {
		CHECK_INT(c->salifetime, 12);
		CHECK_INT(c->ikelifetime, 25);
		CHECK_INT(c->rekeymargin, 4);
		CHECK_INT(c->rekeyfuzz, 50);
	}
	if ((c = one("\tipsec-lifetime=1h")))
		CHECK_INT(c->salifetime, 3600);
	if ((c = one("\tencapsulation=yes")))
		CHECK(c->encapsulation);

	if ((c = one("\tencapsulation=auto")))
		CHECK(c->encapsulation);
	if ((c = one("\tvti-routing=no")))
		CHECK(!c->vti_routing);
	if ((c = one("\tvti-routing=yes")))
		CHECK(c->vti_routing);
}

static void test_mark(void)
{
	const struct conf_conn *c;

	if ((c = one("\tmark=5"))) {
		CHECK(c->has_mark);
		CHECK_INT(c->mark, 5);
		CHECK_INT(c->mark_mask, 0xffffffffu);
	}
	if ((c = one("\tmark=0x10/0xff"))) {
		CHECK_INT(c->mark, 16);
		CHECK_INT(c->mark_mask, 0xff);
	}
	if ((c = one("\tmark=7/4294967295"))) {
		CHECK_INT(c->mark, 7);
		CHECK_INT(c->mark_mask, 0xffffffffu);
	}
}

static void test_lifetimes(void)
{
	static const struct { const char *line; uint32_t ike, sa; } t[] = {
		{ "\tikelifetime=3600", 3600, 28800 },
		{ "\tikelifetime=3600s", 3600, 28800 },
		{ "\tikelifetime=60m", 3600, 28800 },
		{ "\tikelifetime=8h", 28800, 28800 },
		{ "\tikelifetime=1d", 86400, 28800 },
		{ "\tsalifetime=1h", 28800, 3600 },
		{ "\tkeylife=30m", 28800, 1800 },
		{ "\tlifetime=24h", 28800, 86400 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct conf_conn *c = one(t[i].line);

		if (!c)
			continue;
		CHECK_INT(c->ikelifetime, t[i].ike);
		CHECK_INT(c->salifetime, t[i].sa);
	}
}

static void test_addresses(void)
{
	const struct conf_conn *c;
	struct conf_diag d = { 0 };
	struct conf *cf = NULL;
	char buf[64];

	conf_load_text("t.conf", "conn v6\n\tleft=2001:db8::1\n\tright=2001:DB8::2\n\tleftid=@vpn.example\n"
		       "\trightid=2001:db8::2\n\tvti-interface=vti6\n", "s", TEST_SECRETS, &cf, &d);
	CHECK(cf != NULL);
	diag_print(&d);
	if (cf) {
		c = &cf->conns[0];
		CHECK_INT(c->left.ss_family, AF_INET6);
		CHECK_STR(sa_str(&c->right, buf, sizeof(buf)), "2001:db8::2");
		CHECK_INT(c->leftid.type, CONF_ID_FQDN);
		CHECK_INT(c->leftid.len, 11);
		CHECK_MEM(c->leftid.data, "vpn.example", 11);
		CHECK_STR(c->leftid.text, "@vpn.example");
		CHECK_INT(c->rightid.type, CONF_ID_IPV6);
		CHECK_INT(c->rightid.len, 16);
		CHECK_STR(prefix_str(&c->leftsubnet[0], buf, sizeof(buf)), "::/0");
	}
	conf_free(cf);
	conf_diag_free(&d);
	if ((c = one("\tleftsubnet=10.0.0.0/8, 192.0.2.7\n\trightsubnet=10.1.0.0/16,::/0"))) {
		CHECK_INT(c->n_leftsubnet, 2);
		CHECK_STR(prefix_str(&c->leftsubnet[0], buf, sizeof(buf)), "10.0.0.0/8");
		CHECK_STR(prefix_str(&c->leftsubnet[1], buf, sizeof(buf)), "192.0.2.7/32");
		CHECK_INT(c->n_rightsubnet, 2);
		CHECK_STR(prefix_str(&c->rightsubnet[1], buf, sizeof(buf)), "::/0");
	}
	if ((c = one("\tinterface-ip=169.254.7.9/30\n\troutes=10.105.0.0/16")))
		CHECK_STR(prefix_str(&c->interface_ip, buf, sizeof(buf)), "169.254.7.9/30");
	if ((c = one("\troutes=2001:db8:1::/48")))
		CHECK_STR(prefix_str(&c->routes[0], buf, sizeof(buf)), "2001:db8:1::/48");
}

struct alg_case {
	const char *line;
	uint16_t encr, bits, integ, prf, dh;
};

static void check_alg(const struct conf_alg *a, const struct alg_case *t)
{
	CHECK_INT(a->encr, t->encr);
	CHECK_INT(a->encr_keybits, t->bits);
	CHECK_INT(a->integ, t->integ);
	CHECK_INT(a->prf, t->prf);
	CHECK_INT(a->dh, t->dh);
}

static void test_ike(void)
{
	static const struct alg_case t[] = {
		{ "ike=aes_cbc256-sha2_384;modp1536", ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_384_192, PRF_HMAC_SHA2_384, MODP_1536 },
		{ "ike=aes256-sha1;modp2048", ENCR_AES_CBC, 256, AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1, MODP_2048 },
		{ "ike=aes_cbc-256-sha256-dh14", ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_256_128, PRF_HMAC_SHA2_256, MODP_2048 },
		{ "ike=aes_cbc_192-sha512-sha2_256;dh19", ENCR_AES_CBC, 192, AUTH_HMAC_SHA2_512_256, PRF_HMAC_SHA2_256, ECP_256 },
		{ "ike=aes-sha2;modp3072", ENCR_AES_CBC, 128, AUTH_HMAC_SHA2_256_128, PRF_HMAC_SHA2_256, MODP_3072 },
		{ "ike=aes_cbc-sha;dh5", ENCR_AES_CBC, 128, AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1, MODP_1536 },
		{ "ike=aes128-sha384-modp4096", ENCR_AES_CBC, 128, AUTH_HMAC_SHA2_384_192, PRF_HMAC_SHA2_384, MODP_4096 },
		{ "ike=aes_gcm256-sha2_384;dh20", ENCR_AES_GCM_16, 256, AUTH_NONE, PRF_HMAC_SHA2_384, ECP_384 },
		{ "ike=aes_gcm_c256-sha2_512-ecp_521", ENCR_AES_GCM_16, 256, AUTH_NONE, PRF_HMAC_SHA2_512, ECP_521 },
		{ "ike=aes_gcm16_256-sha2_256;curve25519", ENCR_AES_GCM_16, 256, AUTH_NONE, PRF_HMAC_SHA2_256, CURVE25519 },
		{ "ike=aes_gcm-sha2_256;ecp_256", ENCR_AES_GCM_16, 128, AUTH_NONE, PRF_HMAC_SHA2_256, ECP_256 },
		{ "ike=aes_gcm256-none-sha2_384;modp1024", ENCR_AES_GCM_16, 256, AUTH_NONE, PRF_HMAC_SHA2_384, MODP_1024 },
		{ "ike=aes_gcm-128-sha1-dh2", ENCR_AES_GCM_16, 128, AUTH_NONE, PRF_HMAC_SHA1, MODP_1024 },
		{ "ike=chacha20_poly1305-sha2_512;dh19", ENCR_CHACHA20_POLY1305, 256, AUTH_NONE, PRF_HMAC_SHA2_512, ECP_256 },
		{ "ike=chacha20poly1305-sha2_256-curve25519", ENCR_CHACHA20_POLY1305, 256, AUTH_NONE, PRF_HMAC_SHA2_256, CURVE25519 },
		{ "ike=chacha20_poly1305-256-none-sha2_384;dh20", ENCR_CHACHA20_POLY1305, 256, AUTH_NONE, PRF_HMAC_SHA2_384, ECP_384 },
		{ "ike=aes256-sha2_256;dh15!", ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_256_128, PRF_HMAC_SHA2_256, MODP_3072 },
		{ "ike=aes256-sha2_256-dh16", ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_256_128, PRF_HMAC_SHA2_256, MODP_4096 },
		{ "ike=aes256-sha2_256-dh21", ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_256_128, PRF_HMAC_SHA2_256, ECP_521 },
		{ "ike=aes256-sha2_256-dh31", ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_256_128, PRF_HMAC_SHA2_256, CURVE25519 },
	};
	char line[128];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct conf_conn *c;

		snprintf(line, sizeof(line), "\t%s", t[i].line);
		c = one(line);
		if (!c)
			continue;
		CHECK_INT(c->n_ike, 1);
		check_alg(&c->ike[0], &t[i]);
	}
}

static void test_ike_list(void)
{
	static const struct alg_case second = {
		NULL, ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_256_128, PRF_HMAC_SHA2_256, MODP_2048
	};
	const struct conf_conn *c = one("\tike=aes_gcm256-sha2_512;dh19, aes_cbc256-sha2_256;modp2048");

	if (!c)
		return;
	CHECK_INT(c->n_ike, 2);
	check_alg(&c->ike[1], &second);
}

static void test_esp(void)
{
	static const struct alg_case t[] = {
		{ "phase2alg=aes_gcm256;modp1536", ENCR_AES_GCM_16, 256, AUTH_NONE, PRF_NONE, MODP_1536 },
		{ "phase2alg=aes_cbc256-sha2_256;modp1536", ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_256_128, PRF_NONE, MODP_1536 },
		{ "phase2alg=aes256-sha1", ENCR_AES_CBC, 256, AUTH_HMAC_SHA1_96, PRF_NONE, DH_NONE },
		{ "phase2alg=aes_gcm256", ENCR_AES_GCM_16, 256, AUTH_NONE, PRF_NONE, DH_NONE },
		{ "phase2alg=aes_gcm128-none", ENCR_AES_GCM_16, 128, AUTH_NONE, PRF_NONE, DH_NONE },
		{ "phase2alg=chacha20_poly1305", ENCR_CHACHA20_POLY1305, 256, AUTH_NONE, PRF_NONE, DH_NONE },
		{ "phase2alg=chacha20poly1305-none;modp2048", ENCR_CHACHA20_POLY1305, 256, AUTH_NONE, PRF_NONE, MODP_2048 },
		{ "esp=aes-sha2_512-dh19", ENCR_AES_CBC, 128, AUTH_HMAC_SHA2_512_256, PRF_NONE, ECP_256 },
		{ "esp=aes_cbc-192-sha384", ENCR_AES_CBC, 192, AUTH_HMAC_SHA2_384_192, PRF_NONE, DH_NONE },
	};
	char line[128];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct conf_conn *c;

		snprintf(line, sizeof(line), "\t%s", t[i].line);
		c = one(line);
		if (!c)
			continue;
		CHECK_INT(c->n_esp, 1);
		check_alg(&c->esp[0], &t[i]);
	}
	one("\tpfs=yes\n\tphase2alg=aes_gcm256;modp2048");
	one("\tpfs=no\n\tphase2alg=aes_gcm256");
}

/* Quoting, comments, CRLF, blanks around '=', tabs and spaces for indent. */
static void test_lexing(void)
{
	const struct conf_conn *c = one("\tleftid=\"@quoted.example\"   # comment\r\n"
					"  \t mark = 9 # trailing\n\n   # indented comment\n"
					"# column-0 comment\n\troutes=\"10.0.0.0/8,10.1.0.0/16\"");
	if (!c)
		return;
	CHECK_STR(c->leftid.text, "@quoted.example");
	CHECK_INT(c->mark, 9);
	CHECK_INT(c->n_routes, 2);
}

/* conn %default applies to the conns after it in the file; a conn overrides it. */
static void test_default_section(void)
{
	static const char text[] =
		"version 2\n"
		"config setup\n"
		"\n"
		"conn %default\n"
		"\tikelifetime=1h\n"
		"\tauto=start\n"
		"\tright=192.0.2.2\n"
		"conn a\n"
		"\tleft=192.0.2.1\n"
		"\tvti-interface=vti1\n"
		"conn b\n"
		"\tleft=192.0.2.3\n"
		"\tauto=add\n"
		"\tvti-interface=vti2\n";
	struct conf_diag d = { 0 };
	struct conf *cf = NULL;

	CHECK_INT(conf_load_text("t.conf", text, "s", TEST_SECRETS, &cf, &d), 0);
	diag_print(&d);
	if (!cf)
		return;
	CHECK_INT(cf->n_conns, 2);
	CHECK_STR(cf->conns[0].name, "a");
	CHECK_INT(cf->conns[0].ikelifetime, 3600);
	CHECK_INT(cf->conns[0].autostart, CONF_AUTO_START);
	CHECK_STR(cf->conns[0].rightid.text, "192.0.2.2");
	CHECK_INT(cf->conns[0].line, 8);
	CHECK_STR(cf->conns[1].name, "b");
	CHECK_INT(cf->conns[1].autostart, CONF_AUTO_ADD);
	CHECK_INT(cf->conns[1].ikelifetime, 3600);
	CHECK_STR(cf->conns[1].leftid.text, "192.0.2.3");
	conf_free(cf);
	conf_diag_free(&d);
}

static void test_empty(void)
{
	struct conf_diag d = { 0 };
	struct conf *cf = NULL;

	CHECK_INT(conf_load_text("t.conf", "# nothing\n", NULL, NULL, &cf, &d), 0);
	CHECK(cf != NULL);
	if (cf)
		CHECK_INT(cf->n_conns, 0);
	conf_free(cf);
	conf_free(NULL);
	conf_diag_free(&d);
}

int main(void)
{
	test_defaults();
	test_simple_keys();
	test_mark();
	test_lifetimes();
	test_addresses();
	test_ike();
	test_ike_list();
	test_esp();
	test_lexing();
	test_default_section();
	test_empty();
	return check_summary("conf-keys");
}
