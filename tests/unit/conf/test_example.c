/* SPDX-License-Identifier: Apache-2.0 */
/* The two real configs mcvpn replaces libreswan with (AWS side and its
 * mirror on the Oracle side) load with every field as written. */
#include "conf_test.h"

static const char aws_conf[] =
	"# /etc/mcvpn.d/oracle-tunnel-1.conf   (AWS VM; private 10.3.1.200, public 198.51.100.10 by 1:1 NAT)\n"
	"conn oracle-tunnel-1\n"
	"    left=10.3.1.200\n"
	"    leftid=198.51.100.10\n"
	"    right=203.0.113.20\n"
	"    authby=secret\n"
	"    leftsubnet=0.0.0.0/0\n"
	"    rightsubnet=0.0.0.0/0\n"
	"    auto=start\n"
	"    mark=5/0xffffffff\n"
	"    vti-interface=vti1\n"
	"    vti-routing=no\n"
	"    ikev2=insist\n"
	"    ike=aes_cbc256-sha2_384;modp1536\n"
	"    phase2alg=aes_gcm256;modp1536\n"
	"    encapsulation=yes\n"
	"    ikelifetime=28800s\n"
	"    salifetime=3600s\n"
	"    interface-ip=192.168.2.1/30\n"
	"    routes=10.105.0.0/16,10.106.0.0/16\n";

static const char mirror_conf[] =
	"conn oracle-tunnel-1\n"
	"\tleft=10.106.1.200\n"
	"\tleftid=203.0.113.20\n"
	"\tright=198.51.100.10\n"
	"\tauthby=secret\n"
	"\tleftsubnet=0.0.0.0/0\n"
	"\trightsubnet=0.0.0.0/0\n"
	"\tauto=start\n"
	"\tmark=5/0xffffffff\n"
	"\tvti-interface=vti1\n"
	"\tvti-routing=no\n"
	"\tikev2=insist\n"
	"\tike=aes_cbc256-sha2_384;modp1536\n"
	"\tphase2alg=aes_gcm256;modp1536\n"
	"\tencapsulation=yes\n"
	"\tikelifetime=28800s\n"
	"\tsalifetime=3600s\n"
	"\tinterface-ip=192.168.2.2/30\n"
	"\troutes=10.2.0.0/16,10.3.0.0/16\n";

/* The same line serves both sides: IDs match in either order. */
static const char secrets[] = "203.0.113.20 198.51.100.10 : PSK \"tunnel-1 shared secret\"\n";
/* For edits of leftid: the peer's ID alone still finds the same PSK. */
static const char secrets_any_left[] =
	"203.0.113.20 198.51.100.10 : PSK \"tunnel-1 shared secret\"\n"
	"203.0.113.20 : PSK \"tunnel-1 shared secret\"\n";

static void check_id(const struct conf_id *id, const char *text, const char *bytes)
{
	unsigned char want[4];

	check_unhex(bytes, want, sizeof(want));
	CHECK_INT(id->type, CONF_ID_IPV4);
	CHECK_INT(id->len, 4);
	CHECK_MEM(id->data, want, 4);
	CHECK_STR(id->text, text);
}

static void check_common(const struct conf_conn *c)
{
	char buf[64];

	CHECK_STR(c->name, "oracle-tunnel-1");
	CHECK_INT(c->autostart, CONF_AUTO_START);
	CHECK(c->encapsulation);
	CHECK(c->has_mark);
	CHECK_INT(c->mark, 5);
	CHECK_INT(c->mark_mask, 0xffffffffu);
	CHECK_STR(c->vti_interface, "vti1");
	CHECK(!c->vti_routing);
	CHECK_INT(c->n_ike, 1);
	CHECK_INT(c->ike[0].encr, ENCR_AES_CBC);
	CHECK_INT(c->ike[0].encr_keybits, 256);
	CHECK_INT(c->ike[0].integ, AUTH_HMAC_SHA2_384_192);
	CHECK_INT(c->ike[0].prf, PRF_HMAC_SHA2_384);
	CHECK_INT(c->ike[0].dh, MODP_1536);
	CHECK_INT(c->n_esp, 1);
	CHECK_INT(c->esp[0].encr, ENCR_AES_GCM_16);
	CHECK_INT(c->esp[0].encr_keybits, 256);
	CHECK_INT(c->esp[0].integ, AUTH_NONE);
	CHECK_INT(c->esp[0].prf, PRF_NONE);
	CHECK_INT(c->esp[0].dh, MODP_1536);
	CHECK_INT(c->ikelifetime, 28800);
	CHECK_INT(c->salifetime, 3600);
	CHECK_INT(c->n_leftsubnet, 1);
	CHECK_STR(prefix_str(&c->leftsubnet[0], buf, sizeof(buf)), "0.0.0.0/0");
	CHECK_INT(c->n_rightsubnet, 1);
	CHECK_STR(prefix_str(&c->rightsubnet[0], buf, sizeof(buf)), "0.0.0.0/0");
	CHECK(c->has_interface_ip);
	CHECK_INT(c->n_routes, 2);
	CHECK(c->psk != NULL);
	if (c->psk) {
		CHECK_INT(c->psk->len, strlen("tunnel-1 shared secret"));
		CHECK_MEM(c->psk->buf, "tunnel-1 shared secret", c->psk->len);
	}
}

static void test_aws(void)
{
	struct conf_diag d = { 0 };
	struct conf *cf = NULL;
	const struct conf_conn *c;
	char buf[64];

	CHECK_INT(conf_load_text("aws.conf", aws_conf, "aws.secrets", secrets, &cf, &d), 0);
	CHECK_INT(d.n, 0);
	diag_print(&d);
	if (!cf || cf->n_conns != 1) {
		CHECK(!"one conn loaded");
		return;
	}
	c = &cf->conns[0];
	CHECK_STR(c->file, "aws.conf");
	CHECK_INT(c->line, 2);
	CHECK_INT(c->left.ss_family, AF_INET);
	CHECK_STR(sa_str(&c->left, buf, sizeof(buf)), "10.3.1.200");
	CHECK_INT(((const struct sockaddr_in *)&c->left)->sin_port, 0);
	CHECK_STR(sa_str(&c->right, buf, sizeof(buf)), "203.0.113.20");
	check_id(&c->leftid, "198.51.100.10", "c633640a");
	check_id(&c->rightid, "203.0.113.20", "cb007114");
	check_common(c);
	CHECK_STR(prefix_str(&c->interface_ip, buf, sizeof(buf)), "192.168.2.1/30");
	CHECK_STR(prefix_str(&c->routes[0], buf, sizeof(buf)), "10.105.0.0/16");
	CHECK_STR(prefix_str(&c->routes[1], buf, sizeof(buf)), "10.106.0.0/16");
	conf_free(cf);
	conf_diag_free(&d);
}

static void test_mirror(void)
{
	struct conf_diag d = { 0 };
	struct conf *cf = NULL;
	const struct conf_conn *c;
	char buf[64];

	CHECK_INT(conf_load_text("oci.conf", mirror_conf, "oci.secrets", secrets, &cf, &d), 0);
	diag_print(&d);
	if (!cf || cf->n_conns != 1) {
		CHECK(!"one conn loaded");
		return;
	}
	c = &cf->conns[0];
	CHECK_INT(c->line, 1);
	CHECK_STR(sa_str(&c->left, buf, sizeof(buf)), "10.106.1.200");
	CHECK_STR(sa_str(&c->right, buf, sizeof(buf)), "198.51.100.10");
	check_id(&c->leftid, "203.0.113.20", "cb007114");
	check_id(&c->rightid, "198.51.100.10", "c633640a");
	check_common(c);
	CHECK_STR(prefix_str(&c->interface_ip, buf, sizeof(buf)), "192.168.2.2/30");
	CHECK_STR(prefix_str(&c->routes[0], buf, sizeof(buf)), "10.2.0.0/16");
	CHECK_STR(prefix_str(&c->routes[1], buf, sizeof(buf)), "10.3.0.0/16");
	conf_free(cf);
	conf_diag_free(&d);
}

/* conf_conn_equal: equal to itself loaded twice, different after any edit. */
static void test_equal(void)
{
	static const char *const edits[][2] = {
		{ "mark=5/0xffffffff", "mark=6/0xffffffff" },
		{ "salifetime=3600s", "salifetime=3601s" },
		{ "routes=10.105.0.0/16,10.106.0.0/16", "routes=10.105.0.0/16" },
		{ "phase2alg=aes_gcm256;modp1536", "phase2alg=aes_gcm128;modp1536" },
		{ "leftid=198.51.100.10", "leftid=198.51.100.11" },
		{ "vti-routing=no", "vti-routing=yes" },
		{ "interface-ip=192.168.2.1/30", "interface-ip=192.168.2.1/29" },
		{ "ike=aes_cbc256-sha2_384;modp1536", "ike=aes_cbc256-sha2_384;modp2048" },
	};
	struct conf *a = NULL, *b = NULL;
	struct conf_diag d = { 0 };
	char text[sizeof(aws_conf) + 64];

	conf_load_text("a.conf", aws_conf, "s", secrets_any_left, &a, &d);
	snprintf(text, sizeof(text), "# moved down one line\n%s", aws_conf);
	conf_load_text("b.conf", text, "s", secrets_any_left, &b, &d);
	CHECK(a && b);
	if (a && b)
		CHECK(conf_conn_equal(&a->conns[0], &b->conns[0]));
	conf_free(b);
	for (size_t i = 0; a && i < sizeof(edits) / sizeof(edits[0]); i++) {
		char *at;

		snprintf(text, sizeof(text), "%s", aws_conf);
		at = strstr(text, edits[i][0]);
		snprintf(at, sizeof(text) - (size_t)(at - text), "%s%s", edits[i][1],
			 strstr(aws_conf, edits[i][0]) + strlen(edits[i][0]));
		b = NULL;
		CHECK_INT(conf_load_text("b.conf", text, "s", secrets_any_left, &b, &d), 0);
		if (b)
			CHECK(!conf_conn_equal(&a->conns[0], &b->conns[0]));
		conf_free(b);
	}
	b = NULL;
	conf_load_text("b.conf", aws_conf, "s", "198.51.100.10 203.0.113.20 : PSK \"tunnel-1 shared secreT\"", &b, &d);
	CHECK(b != NULL);
	if (a && b)
		CHECK(!conf_conn_equal(&a->conns[0], &b->conns[0]));
	diag_print(&d);
	conf_free(a);
	conf_free(b);
	conf_diag_free(&d);
}

int main(void)
{
	test_aws();
	test_mirror();
	test_equal();
	return check_summary("conf-example");
}
