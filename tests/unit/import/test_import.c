/* SPDX-License-Identifier: Apache-2.0 */
/* import_libreswan (conf/import*.c) on in-memory text: the boot script's
 * variants, the key rules, the secrets selection and the refusals, each
 * checked by the conf text it gives and by its messages.  The operators'
 * own files are tested end to end by test_import.sh. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conf/conf.h"
#include "conf/import.h"

/* A conn that imports cleanly; tests append keys to it (from line 10). */
#define CONN_BASE "conn t\n  left=10.3.1.200\n  leftid=198.51.100.10\n  right=203.0.113.20\n" \
		  "  authby=secret\n  vti-interface=vti1\n  vti-routing=no\n" \
		  "  leftsubnet=0.0.0.0/0\n  rightsubnet=0.0.0.0/0\n"
#define CONN CONN_BASE "  auto=start\n"
#define PSK "203.0.113.20 198.51.100.10 : PSK \"unit-test-psk\"\n"

static struct import_result r;
static int rc;

/* --conn, --local, --all-or-nothing for the next import() only. */
static const char *opt_conn, *opt_local;
static bool opt_all;

static void import(const char *conf, const char *secrets, const char *script)
{
	struct import_input in = {
		.conf = { "t.conf", conf, strlen(conf) },
		.secrets = { "t.secrets", secrets, secrets ? strlen(secrets) : 0 },
		.script = { "boot.sh", script, script ? strlen(script) : 0 },
		.only_conn = opt_conn, .local = opt_local, .all_or_nothing = opt_all,
	};

	import_result_free(&r);
	rc = import_libreswan(&in, &r);
	opt_conn = opt_local = NULL;
	opt_all = false;
}

/* The message that contains s, or NULL. */
static const char *msg_with(const char *s)
{
	for (size_t i = 0; i < r.n_msgs; i++)
		if (strstr(r.msgs[i].text, s))
			return r.msgs[i].text;
	return NULL;
}

#define CHECK_MSG(s) do { \
	check_report(msg_with(s) != NULL, __FILE__, __LINE__, "a message contains " #s); \
	if (!msg_with(s)) \
		for (size_t i_ = 0; i_ < r.n_msgs || i_ == 0; i_++) \
			fprintf(stderr, "  got: %s\n", r.n_msgs ? r.msgs[i_].text : "(no message)"); \
} while (0)

#define CONF(i) (r.n_conns > (i) && r.conns[i].conf ? r.conns[i].conf : "")

static void test_script_variants(void)
{
	import(CONN, PSK,
	       "#!/bin/sh\n"
	       "/usr/sbin/ip -6 route add 2001:db8:5::/48 dev vti1\n"
	       "ip ro replace to 10.1.0.0/16 dev vti1 via 192.168.2.2\n"
	       "ip r a \"10.2.0.0/16\" dev vti1;ip a add 192.168.2.1/30 peer 192.168.2.2 dev vti1\n"
	       "sudo -n ip route add 10.3.0.0/16 nexthop dev vti1 weight 1 nexthop dev vti9 weight 1\n"
	       "ip -n ns1 route add 10.4.0.0/16 dev vti1\n"
	       "ip link add vti1 type vti local 10.3.1.200 remote 203.0.113.20 key 5\n"
	       "echo vti10 up  # vti10 is not vti1\n"
	       "ip addr add 192.168.9.1/30 dev vti1\n"
	       "ip route add 10.2.0.0/16 dev vti1\n");
	CHECK_INT(rc, 0);
	CHECK_CONTAINS(CONF(0), "    interface-ip=192.168.2.1/30\n");
	CHECK_CONTAINS(CONF(0), "    routes=2001:db8:5::/48,10.1.0.0/16,10.2.0.0/16\n");
	CHECK_MSG("boot.sh:2: warning: conn \"t\": routes=2001:db8:5::/48 is outside the peer's traffic selectors (0.0.0.0/0)");
	CHECK_CONTAINS(CONF(0), "# and boot.sh lines 2-4, 7, 9-10.\n");
	CHECK_MSG("boot.sh:3: ip ro replace to 10.1.0.0/16 dev vti1 via 192.168.2.2: 'via 192.168.2.2' not carried over");
	CHECK_MSG("boot.sh:4: ip a add 192.168.2.1/30 peer 192.168.2.2 dev vti1: 'peer 192.168.2.2' not carried over");
	CHECK_MSG("boot.sh:5: sudo -n ip route add 10.3.0.0/16 nexthop dev vti1 weight 1 nexthop dev vti9 weight 1: left alone: a route over several devices (routes= uses one)");
	CHECK_MSG("boot.sh:6: ip -n ns1 route add 10.4.0.0/16 dev vti1: left alone: it names vti1");
	CHECK_MSG("boot.sh:7: ip link add vti1 type vti local 10.3.1.200 remote 203.0.113.20 key 5: not needed: mcvpnd creates vti1");
	CHECK_MSG("boot.sh:9: ip addr add 192.168.9.1/30 dev vti1: dropped: mcvpn puts one address on vti1 (192.168.2.1/30)");
	CHECK_MSG("boot.sh:10: ip route add 10.2.0.0/16 dev vti1: dropped: the same route again");
	CHECK(msg_with("vti10") == NULL);
	CHECK_STR(r.script_taken, "2-4, 7, 9-10");
}

static void test_script_refused(void)
{
	import(CONN, PSK, "ip route add 10.105.0.1/16 dev vti1\nip addr add 192.168.2.300/30 dev vti1\n");
	CHECK_INT(rc, -1);
	CHECK_MSG("boot.sh:1: error: conn \"t\": routes=10.105.0.1/16: 10.105.0.1/16 has host bits set, did you mean 10.105.0.0/16");
	CHECK_MSG("boot.sh:2: error: conn \"t\": interface-ip=192.168.2.300/30: expected");
}

static void test_no_script(void)
{
	import(CONN, PSK, NULL);
	CHECK_INT(rc, 0);
	CHECK_INT(r.n_warnings, 1);
	CHECK_MSG("t.conf:1: warning: conn \"t\" routes nothing into vti1: give the boot script with --boot-script, or add routes=");
	CHECK_STR(r.script_taken, "");
	/* vti-routing=yes with a rightsubnet routes something: no warning */
	import("conn t\n  left=10.3.1.200\n  right=203.0.113.20\n  vti-interface=vti1\n  rightsubnet=10.105.0.0/16\n"
	       "  leftsubnet=10.3.0.0/16\n  pfs=no\n  auto=start\n", "10.3.1.200 203.0.113.20 : PSK \"x\"\n", NULL);
	CHECK_INT(rc, 0);
	CHECK_INT(r.n_warnings, 0);
}

static void test_key_rules(void)
{
	import("conn %default\n  phase2alg=aes_gcm128\n  keyingtries=3\n"
	       CONN_BASE "  leftvti=192.168.2.1/30\n  leftupdown=\n  compress=no\n  nat-keepalive=yes\n"
	       "  esp=aes_gcm256\n  encapsulation=no\n  auto=route\n  x-owner=ops\n",
	       PSK, "ip route add 10.105.0.0/16 dev vti1\nip addr add 192.168.2.5/30 dev vti1\n");
	CHECK_INT(rc, 0);
	CHECK_MSG("t.conf:3: keyingtries=3: dropped: mcvpnd retries an auto=start conn with backoff until it is up");
	CHECK_MSG("t.conf:14: leftupdown=: dropped: libreswan's own script");
	CHECK_MSG("t.conf:15: compress=no: dropped: mcvpn does not compress");
	CHECK_MSG("t.conf:18: encapsulation=no: changed to yes: mcvpn always carries ESP in UDP 4500");
	CHECK_MSG("t.conf:19: auto=route: changed to start: ");
	CHECK_MSG("t.conf:20: x-owner=ops: dropped: a comment key");
	CHECK_MSG("t.conf:4: conn \"t\": pfs=yes added: libreswan's default");
	CHECK_MSG("boot.sh:2: ip addr add 192.168.2.5/30 dev vti1: dropped: mcvpn puts one address on vti1 (the conn sets interface-ip= already)");
	CHECK_CONTAINS(CONF(0), "    leftvti=192.168.2.1/30\n    nat-keepalive=yes\n    esp=aes_gcm256\n"
			       "    encapsulation=yes\n"
			       "    auto=start\n    pfs=yes\n    routes=10.105.0.0/16\n");
	CHECK(strstr(CONF(0), "phase2alg") == NULL);	/* the conn's esp= replaced it */
	CHECK(strstr(CONF(0), "auto=start\n    vti") == NULL);	/* auto= in its own place */
	CHECK_CONTAINS(r.n_conns ? r.conns[0].summary : "", "conn \"t\": this host is left=10.3.1.200 (taken as "
		       "left; --local ADDR says otherwise); 11 keys carried over, 4 dropped, 3 changed; 1 route "
		       "from boot.sh lines 1-2; PSK from t.secrets line 1");
}

/* A key whose loss would change what the conn means is refused, never
 * dropped: selectors, algorithms, authentication, IKE version, the way
 * the peer is reached, and anything nobody classified. */
static void test_meaning_refused(void)
{
	static const char *const keys[] = {
		"leftprotoport=17/1701", "rightprotoport=tcp", "rightsubnets={10.8.0.0/16 10.9.0.0/16/tcp}",
		"leftsourceip=10.3.1.200", "leftcert=aws.pem", "rightrsasigkey=0sAQ==", "leftauth=rsasig",
		"authby=rsasig", "ike=3des-sha1;modp1024", "phase2=ah", "ah=sha1",
		"sha2-truncbug=yes", "ikev2=no", "keyexchange=ikev1", "aggressive=yes", "ppk=insist",
		"ipsec-max-bytes=1GiB", "ipsec-max-packets=1000000", "leftikeport=4501", "enable-tcp=yes",
		"sec-label=system_u", "type=transport", "leftnexthop=10.3.1.1", "vti-shared=yes",
		"leftmodecfgclient=yes", "leftxauthclient=yes", "rightaddresspool=10.9.0.10-10.9.0.20",
		"frobnicate=1", "also=missing",
	};
	char conf[512];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(conf, sizeof(conf), CONN "  %s\n", keys[i]);
		import(conf, PSK, NULL);
		CHECK_INT(rc, -1);
		CHECK_MSG("t.conf:11: error: ");
		if (!msg_with("t.conf:11: error: "))
			fprintf(stderr, "  for %s\n", keys[i]);
		CHECK(r.n_conns == 1 && r.conns[0].refused && !r.conns[0].conf);
	}
}

/* leftsubnets=/rightsubnets= carry over as the pairs they are, never wider;
 * an end without selectors keeps libreswan's (its own address). */
static void test_never_widened(void)
{
	struct conf *c = NULL;
	struct conf_diag d = { 0 };

	import("conn t\n  left=10.3.1.200\n  right=203.0.113.20\n  authby=secret\n  auto=start\n"
	       "  leftsubnets={10.3.0.0/16 10.4.0.0/16}\n  rightsubnets=\"10.105.0.0/16 10.106.0.0/16\"\n",
	       "10.3.1.200 203.0.113.20: PSK \"x\"\n", NULL);
	CHECK_INT(rc, 0);
	CHECK_CONTAINS(CONF(0), "    leftsubnets=\"10.3.0.0/16 10.4.0.0/16\"\n"
			       "    rightsubnets=\"10.105.0.0/16 10.106.0.0/16\"\n");
	CHECK_MSG("t.conf:6: warning: conn \"t\": the 4 pairs of leftsubnets=/rightsubnets= travel in one Child SA of mcvpn");
	CHECK_INT(conf_load_text("t.conf", CONF(0), "t.secrets", ": PSK \"x\"\n", &c, &d), 0);
	if (c) {
		CHECK_INT(c->conns[0].n_leftsubnet, 2);
		CHECK_INT(c->conns[0].n_rightsubnet, 2);
		CHECK_INT(c->conns[0].leftsubnet[1].len, 16);
		CHECK_INT(c->conns[0].rightsubnet[0].len, 16);
	}
	conf_free(c);
	conf_diag_free(&d);
	/* no selectors at one end: libreswan's, the end's own address */
	import("conn t\n  left=10.3.1.200\n  right=203.0.113.20\n  auto=start\n  vti-routing=no\n"
	       "  rightsubnet=10.105.0.0/16\n  routes=10.105.0.0/16\n  pfs=no\n",
	       "10.3.1.200 203.0.113.20: PSK \"x\"\n", NULL);
	CHECK_INT(rc, 0);
	CHECK_MSG("t.conf:1: conn \"t\": leftsubnet=10.3.1.200/32 added: libreswan's selector for an end without one is its own address");
	CHECK_CONTAINS(CONF(0), "    leftsubnet=10.3.1.200/32\n");
	/* ...which a %defaultroute end cannot have written out */
	import("conn t\n  left=%defaultroute\n  right=203.0.113.20\n  rightsubnet=10.105.0.0/16\n  pfs=no\n",
	       ": PSK \"x\"\n", NULL);
	CHECK_INT(rc, -1);
	CHECK_MSG("t.conf:1: error: conn \"t\": no leftsubnet= at the %defaultroute end");
}

/* One bad conn does not block the good ones, unless --all-or-nothing;
 * --conn picks one. */
static void test_conns(void)
{
	static const char two[] =
		"conn good\n  left=10.3.1.200\n  right=203.0.113.20\n  leftsubnet=0.0.0.0/0\n"
		"  rightsubnet=0.0.0.0/0\n  vti-routing=no\n  routes=10.105.0.0/16\n  pfs=no\n"
		"conn bad\n  left=10.3.1.200\n  right=203.0.113.30\n  leftcert=aws.pem\n  also=nowhere\n";
	static const char psks[] = "10.3.1.200 203.0.113.20: PSK \"a\"\n10.3.1.200 203.0.113.30: PSK \"b\"\n";

	import(two, psks, NULL);
	CHECK_INT(rc, 0);
	CHECK_INT(r.n_written, 1);
	CHECK(r.n_conns == 2 && !r.conns[0].refused && r.conns[1].refused);
	CHECK(r.n_conns == 2 && r.conns[0].conf && !r.conns[1].conf && !r.conns[1].secrets);
	CHECK_MSG("t.conf:9: conn \"bad\": rightca=/etc/mcvpn.d/ca.pem added: libreswan trusts every CA in its NSS database");
	CHECK_MSG("t.conf:13: error: also=nowhere: no conn nowhere");
	CHECK_MSG("t.conf:9: warning: conn \"bad\" not written: 2 errors above");
	CHECK_MSG("t.conf:9: error: conn \"bad\": the route 203.0.113.30/32 into bad covers the peer's address 203.0.113.30");
	opt_all = true;
	import(two, psks, NULL);
	CHECK_INT(rc, -1);
	opt_conn = "good";
	import(two, psks, NULL);
	CHECK_INT(rc, 0);
	CHECK_INT(r.n_conns, 1);
	CHECK_INT(r.n_errors, 0);
	CHECK(msg_with("nowhere") == NULL);	/* the other conn is not looked at */
	opt_conn = "other";
	import(two, psks, NULL);
	CHECK_INT(rc, -1);
	CHECK_MSG("t.conf: error: no conn other in the file (--conn)");
	/* an error in the file itself stops everything */
	import("conn good\n  left=10.3.1.200\n  right=203.0.113.20\n  leftid=\"@x\n", psks, NULL);
	CHECK_INT(rc, -1);
	CHECK_MSG("t.conf:4: error: unterminated quote in value");
}

/* --local: which end this host is; a one-file-for-both-ends conn. */
static void test_local(void)
{
	static const char both[] =
		"conn t\n  left=203.0.113.20\n  leftsubnet=10.105.0.0/16\n  leftvti=192.168.2.2/30\n"
		"  right=10.3.1.200\n  rightsubnet=10.3.0.0/16\n  rightvti=192.168.2.1/30\n  auto=start\n  pfs=no\n";
	static const char psk[] = "203.0.113.20 10.3.1.200: PSK \"x\"\n";

	opt_local = "10.3.1.200";
	import(both, psk, "ip addr add 192.168.9.9/30 dev t\n");
	CHECK_INT(rc, 0);
	CHECK_CONTAINS(r.n_conns ? r.conns[0].summary : "", "conn \"t\": this host is right=10.3.1.200 (--local)");
	CHECK_CONTAINS(r.n_conns ? r.conns[0].summary : "", "policy-based in libreswan: tunnel device t made for it");
	CHECK_MSG("boot.sh:1: ip addr add 192.168.9.9/30 dev t: dropped: mcvpn puts one address on t (the conn sets interface-ip= already)");
	CHECK_CONTAINS(CONF(0), "    left=203.0.113.20\n");	/* as written: one file, both ends */
	opt_local = "192.0.2.1";
	import(both, psk, NULL);
	CHECK_INT(rc, -1);
	CHECK_MSG("t.conf:1: error: conn \"t\": --local 192.0.2.1 is neither its left= nor its right=");
	opt_local = "nohost";
	import(both, psk, NULL);
	CHECK_INT(rc, -1);
	CHECK_MSG("--local: error: nohost: expected");
	/* ipsec-interface= names the device the boot script's lines are for */
	opt_local = "203.0.113.20";
	import("conn t\n  left=203.0.113.20\n  right=10.3.1.200\n  leftsubnet=0.0.0.0/0\n  rightsubnet=0.0.0.0/0\n"
	       "  ipsec-interface=yes\n  pfs=no\n", psk, "ip route add 10.2.0.0/16 dev ipsec1\n");
	CHECK_INT(rc, 0);
	CHECK_CONTAINS(CONF(0), "    ipsec-interface=yes\n    pfs=no\n    routes=10.2.0.0/16\n");
}

static void test_refusals(void)
{
	import(CONN "  left=10.3.1.201\n  pfs=no\n  phase2alg=aes_gcm256;modp2048\n  also=x\n", PSK, NULL);
	CHECK_INT(rc, -1);
	CHECK_MSG("t.conf:11: error: duplicate key 'left' in conn \"t\" (first set at line 2)");
	CHECK_MSG("t.conf:12: error: conn \"t\": pfs=no but phase2alg names DH group MODP_2048");
	CHECK_MSG("t.conf:14: error: also=x: no conn x in t.conf or the files it includes");
	CHECK_INT(r.n_errors, 3);

	import("conn .hidden\n  left=10.3.1.200\n  right=203.0.113.20\n  vti-interface=vti1\n"
	       "conn b\n  left=10.3.1.200\n  right=203.0.113.30\n  vti-interface=vti1\n", NULL, NULL);
	CHECK_INT(rc, -1);
	CHECK_MSG("t.conf:1: error: conn name '.hidden': mcvpn takes 1 to 63 letters");
	CHECK_MSG("t.conf:8: error: conn \"b\": vti-interface=vti1 is already used by conn \".hidden\"");

	/* keys at column 0 belong to the conn above them */
	import("conn a\nleft=10.3.1.200\nright=203.0.113.20\nvti-interface=vti1\nleftsubnet=0.0.0.0/0\n"
	       "rightsubnet=0.0.0.0/0\n", NULL, NULL);
	CHECK_INT(rc, 0);
	CHECK_MSG("t.conf:2: note: conn \"a\": key lines at column 0 are taken as part of it");
	CHECK_CONTAINS(CONF(0), "conn a\n    left=10.3.1.200\n    right=203.0.113.20\n");

	import("# nothing\n", NULL, NULL);
	CHECK_INT(rc, -1);
	CHECK_MSG("t.conf: error: no conn in the file");
	CHECK_INT(r.n_conns, 0);
}

static void test_secrets(void)
{
	static const char secrets[] =
		"# comment\n"
		": PSK \"wildcard-psk\"\n"
		"@other : RSA {\n"
		"    Modulus: 0x00\n"
		"    }\n"
		"203.0.113.20 198.51.100.10\n"
		"    : PSK \"split-over-two-lines\"\n"
		"198.51.100.10 203.0.113.99 : PSK \"not-this-one\"\n";

	import(CONN, secrets, NULL);
	CHECK_INT(rc, 0);
	CHECK_STR(r.n_conns ? r.conns[0].secrets : NULL,
		  "# Imported by mcvpnctl import-libreswan from t.secrets (conn t).\n"
		  "203.0.113.20 198.51.100.10\n    : PSK \"split-over-two-lines\"\n");
	CHECK_MSG("t.secrets:3: line skipped: libreswan's raw RSA key block: mcvpn reads private keys from PEM files");
	CHECK_CONTAINS(r.conns[0].summary, "PSK from t.secrets line 6");

	/* only the wildcard fits: it is taken */
	import(CONN, ": PSK \"wildcard-psk\"\n198.51.100.10 203.0.113.99 : PSK \"not-this-one\"\n", NULL);
	CHECK_CONTAINS(r.n_conns && r.conns[0].secrets ? r.conns[0].secrets : "", ": PSK \"wildcard-psk\"\n");
	CHECK(strstr(r.conns[0].secrets ? r.conns[0].secrets : "", "not-this-one") == NULL);

	/* nothing fits: the conf all the same, and a warning */
	import(CONN, "198.51.100.10 203.0.113.99 : PSK \"not-this-one\"\n", NULL);
	CHECK_INT(rc, 0);
	CHECK(r.n_conns == 1 && r.conns[0].conf && !r.conns[0].secrets);
	CHECK_MSG("t.secrets: warning: no line matches conn \"t\" (leftid 198.51.100.10, rightid 203.0.113.20)");

	/* no secret in any message */
	for (size_t i = 0; i < r.n_msgs; i++)
		CHECK(!strstr(r.msgs[i].text, "psk") && !strstr(r.msgs[i].text, "not-this-one"));
}

/* The structure is mcvpnd's own (sections.c): include, also=, %default
 * anywhere, config setup; the output is one flat conn per file. */
static void test_structure(void)
{
	struct import_file more[] = {
		{ "ipsec.d/base.conf", "conn base\n  ike=aes_gcm256-sha2_256;dh19\n  also=ends\n"
				       "conn ends\n  left=10.3.1.200\n  right=203.0.113.20\n", 0 },
		{ "ipsec.d/t.secrets", "203.0.113.20 10.3.1.200: PSK \"included-psk\"\n", 0 },
	};
	struct import_input in = {
		.conf = { "t.conf", "config setup\n  plutodebug=all\n"
				    "include ipsec.d/*.conf\n"
				    "conn t\n  vti-interface=vti1\n  also=base\n"
				    "conn %default\n  auto=start\n  vti-routing=no\n", 0 },
		.secrets = { "t.secrets", "include ipsec.d/*.secrets\n", 0 },
		.more = more, .n_more = 2,
	};
	struct import_file *files[] = { &in.conf, &in.secrets };

	for (size_t i = 0; i < 2; i++)
		files[i]->len = strlen(files[i]->text);
	for (size_t i = 0; i < 2; i++)
		more[i].len = strlen(more[i].text);
	import_result_free(&r);
	rc = import_libreswan(&in, &r);
	CHECK_INT(rc, 0);
	CHECK_INT(r.n_conns, 1);
	CHECK_STR(r.n_conns ? r.conns[0].name : "", "t");
	CHECK_CONTAINS(CONF(0), "conn t\n    vti-interface=vti1\n    ike=aes_gcm256-sha2_256;dh19\n"
			       "    left=10.3.1.200\n    right=203.0.113.20\n    auto=start\n    vti-routing=no\n");
	CHECK_MSG("t.conf:2: config setup: plutodebug=all: dropped: use mcvpnd --debug");
	CHECK_MSG("ipsec.d/base.conf:1: note: conn \"base\" only serves also=");
	CHECK_CONTAINS(r.n_conns && r.conns[0].secrets ? r.conns[0].secrets : "",
		       "203.0.113.20 10.3.1.200: PSK \"included-psk\"\n");
}

static void test_crlf(void)
{
	import("conn t\r\n  left=10.3.1.200\r\n  right=203.0.113.20\r\n  vti-interface=vti1\r\n"
	       "  leftsubnet=0.0.0.0/0\r\n  rightsubnet=0.0.0.0/0\r\n",
	       "10.3.1.200 203.0.113.20 : PSK \"x\"\r\n", "ip route add 10.1.0.0/16 dev vti1\r\n");
	CHECK_INT(rc, 0);
	CHECK(strchr(CONF(0), '\r') == NULL);
	CHECK_CONTAINS(CONF(0), "    routes=10.1.0.0/16\n");
	CHECK(r.n_conns && r.conns[0].secrets && !strchr(r.conns[0].secrets, '\r'));
}

/* libreswan's metric= is mcvpn's route-metric= under its other name: it is
 * carried over as written, and means the same. */
static void test_metric(void)
{
	import(CONN "  metric=50\n  mtu=1400\n", PSK, "ip route add 10.105.0.0/16 dev vti1\n");
	CHECK_INT(rc, 0);
	CHECK_CONTAINS(CONF(0), "    metric=50\n");
	CHECK(msg_with("metric=50") == NULL);
	CHECK_MSG("t.conf:12: mtu=1400: dropped: mcvpnd sets the tunnel device's MTU itself");
}

/* esn= is mcvpn's key too: carried over as written, whichever value; a
 * value libreswan would not take is an error. */
static void test_esn(void)
{
	static const char *const v[] = { "yes", "no", "either" };
	char conf[512], want[32];

	for (size_t i = 0; i < 3; i++) {
		snprintf(conf, sizeof(conf), CONN "  esn=%s\n", v[i]);
		snprintf(want, sizeof(want), "    esn=%s\n", v[i]);
		import(conf, PSK, NULL);
		CHECK_INT(rc, 0);
		CHECK_CONTAINS(CONF(0), want);
		CHECK(msg_with("esn=") == NULL);
	}
	import(CONN "  esn=maybe\n", PSK, NULL);
	CHECK_INT(rc, -1);
	CHECK_MSG("t.conf:11: error: ");
	CHECK_MSG("esn=maybe: expected yes, no or either");
	/* replay-window=0 turns libreswan's ESN off: esn=no written out,
	 * unless esn= says otherwise */
	import(CONN "  replay-window=0\n", PSK, NULL);
	CHECK_INT(rc, 0);
	CHECK_CONTAINS(CONF(0), "    esn=no\n");
	CHECK_MSG("esn=no added: libreswan uses no ESN with replay-window=0");
	import(CONN "  replay-window=0\n  esn=yes\n", PSK, NULL);
	CHECK_INT(rc, 0);
	CHECK_CONTAINS(CONF(0), "    esn=yes\n");
	CHECK(strstr(CONF(0), "esn=no") == NULL);
	import(CONN "  replay-window=128\n", PSK, NULL);
	CHECK_INT(rc, 0);
	CHECK(strstr(CONF(0), "esn=") == NULL);
}

/* The boot script's route metric and table become route-metric= and
 * route-table= when all of a device's routes agree; an iptables TCPMSS rule
 * for the device becomes mss-clamp=. */
static void test_script_route_options(void)
{
	import(CONN, PSK, "ip route add 10.105.0.0/16 dev vti1 metric 100 table 7\n"
	       "ip route add 10.106.0.0/16 dev vti1 table 7 metric 200\n"
	       "ip6tables -t mangle -A FORWARD -o vti1 -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1300\n"
	       "iptables -t mangle -A FORWARD -i vti1 -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu\n");
	CHECK_INT(rc, 0);
	CHECK_MSG("boot.sh:2: warning: the routes of vti1 have different metrics: mcvpn gives all of a conn's "
		  "routes one; none carried over: set route-metric= by hand");
	CHECK_MSG("boot.sh:1: 'table 7' of the routes becomes route-table=7");
	CHECK_MSG("boot.sh:3: ip6tables -t mangle -A FORWARD -o vti1 -p tcp --tcp-flags SYN,RST SYN -j TCPMSS "
		  "--set-mss 1300: becomes mss-clamp=1300: mcvpnd clamps the MSS of TCP SYNs through vti1 itself");
	CHECK_MSG("boot.sh:4: iptables -t mangle -A FORWARD -i vti1 -p tcp --tcp-flags SYN,RST SYN -j TCPMSS "
		  "--clamp-mss-to-pmtu: dropped: mss-clamp= is taken already");
	CHECK_CONTAINS(CONF(0), "    routes=10.105.0.0/16,10.106.0.0/16\n    route-table=7\n    mss-clamp=1300\n");
	CHECK(strstr(CONF(0), "route-metric") == NULL);
	CHECK_CONTAINS(r.n_conns ? r.conns[0].summary : "", "2 routes and mss-clamp=1300 from boot.sh lines 1-4");

	/* the conn's own metric= wins; one route without a metric mixes */
	import(CONN "  metric=50\n", PSK, "ip route add 10.105.0.0/16 dev vti1 metric 100\n");
	CHECK_INT(rc, 0);
	CHECK_MSG("boot.sh:1: 'metric 100' dropped: the conn sets route-metric= already");
	CHECK_CONTAINS(CONF(0), "    metric=50\n");
	CHECK(strstr(CONF(0), "route-metric") == NULL);
	import(CONN, PSK, "ip route add 10.105.0.0/16 dev vti1\nip route add 10.106.0.0/16 dev vti1 metric 5\n");
	CHECK_MSG("boot.sh:2: warning: the routes of vti1 have different metrics");
	import(CONN, PSK, "ip route add 10.105.0.0/16 dev vti1 metric 5 via 192.168.2.2\n");
	CHECK_MSG("boot.sh:1: ip route add 10.105.0.0/16 dev vti1 metric 5 via 192.168.2.2: 'via 192.168.2.2' not "
		  "carried over: mcvpnd installs routes= with scope link and no gateway");
	CHECK_CONTAINS(CONF(0), "    route-metric=5\n");
	/* a clamp mcvpn refuses is an error, as the key would be */
	import(CONN, PSK, "iptables -t mangle -A FORWARD -o vti1 -j TCPMSS --set-mss 100\n");
	CHECK_INT(rc, -1);
	CHECK_MSG("boot.sh:1: error: conn \"t\": mss-clamp=100: expected yes, no or an MSS from 536 to 65495");
}

/* A conn with certificates from libreswan's NSS database: the names
 * become PEM files under /etc/mcvpn.d with the export commands, the key
 * a line of NAME.secrets; the swap is followed (this host right=). */
#define CERT_CONN "conn c\n  left=10.3.1.200\n  right=203.0.113.20\n  vti-interface=vti1\n" \
		  "  leftsubnet=0.0.0.0/0\n  rightsubnet=0.0.0.0/0\n  routes=10.105.0.0/16\n" \
		  "  vti-routing=no\n  auto=start\n"
static void test_certs(void)
{
	import(CERT_CONN "  authby=rsasig\n  leftcert=awsvpn\n  leftid=%fromcert\n"
	       "  rightid=\"C=JP, O=Example, CN=oci.vpn.example\"\n  rightca=%same\n"
	       "  leftrsasigkey=%cert\n  rightrsasigkey=%cert\n  leftsendcert=always\n",
	       ": RSA \"awsvpn\"\n", NULL);
	CHECK_INT(rc, 0);
	CHECK_CONTAINS(CONF(0), "    authby=rsasig\n");
	CHECK_CONTAINS(CONF(0), "    leftcert=/etc/mcvpn.d/awsvpn.pem\n");
	CHECK_CONTAINS(CONF(0), "    leftid=%fromcert\n");
	CHECK_CONTAINS(CONF(0), "    rightid=\"C=JP, O=Example, CN=oci.vpn.example\"\n");
	CHECK_CONTAINS(CONF(0), "    rightca=/etc/mcvpn.d/ca.pem\n");
	CHECK_CONTAINS(CONF(0), "    leftsendcert=always\n");
	CHECK(!strstr(CONF(0), "rsasigkey"));
	CHECK_MSG("t.conf:11: leftcert=awsvpn: changed to /etc/mcvpn.d/awsvpn.pem: libreswan names the "
		  "certificate in its NSS database, mcvpn reads PEM files: export it with certutil -L -d "
		  "sql:/var/lib/ipsec/nss -n 'awsvpn' -a > /etc/mcvpn.d/awsvpn.pem");
	CHECK_MSG("t.conf:14: rightca=%same: changed to /etc/mcvpn.d/ca.pem: libreswan names the CA in its "
		  "NSS database, mcvpn reads PEM files: export the CA certificate with certutil -L -d "
		  "sql:/var/lib/ipsec/nss -n CANICK -a > /etc/mcvpn.d/ca.pem");
	CHECK_MSG("t.conf:15: leftrsasigkey=%cert: dropped: the key is the certificate's (leftcert=)");
	CHECK_MSG("t.conf:1: conn \"c\": the private key of leftcert=awsvpn stays in libreswan's NSS "
		  "database: export it with (umask 077 && pk12util -o awsvpn.p12 -n 'awsvpn' -d "
		  "sql:/var/lib/ipsec/nss -W '' && openssl pkcs12 -in awsvpn.p12 -passin pass: -nocerts "
		  "-nodes -out /etc/mcvpn.d/awsvpn.key); rm -f awsvpn.p12 (c.secrets names it)");
	CHECK_STR(r.n_conns ? r.conns[0].secrets : NULL,
		  "# Imported by mcvpnctl import-libreswan (conn c): the key of awsvpn.pem.\n"
		  ": RSA /etc/mcvpn.d/awsvpn.key\n");
	CHECK_CONTAINS(r.n_conns && r.conns[0].summary ? r.conns[0].summary : "",
		       "; private key /etc/mcvpn.d/awsvpn.key (to export)");

	/* libreswan's default authby= with certificates; no rightca=: the CAs
	 * libreswan trusted are to be exported; ECDSA only: an ECDSA line */
	import(CERT_CONN "  leftcert=awsvpn\n", NULL, NULL);
	CHECK_INT(rc, 0);
	CHECK_CONTAINS(CONF(0), "    authby=rsasig,ecdsa\n");
	CHECK_CONTAINS(CONF(0), "    rightca=/etc/mcvpn.d/ca.pem\n");
	CHECK_MSG("t.conf:1: conn \"c\": authby=rsasig,ecdsa added: libreswan's default with certificates");
	CHECK_MSG("t.conf:1: conn \"c\": rightca=/etc/mcvpn.d/ca.pem added: libreswan trusts every CA in its NSS database");
	import(CERT_CONN "  authby=ecdsa\n  leftcert=awsvpn\n  rightca=%any\n", NULL, NULL);
	CHECK_CONTAINS(r.n_conns && r.conns[0].secrets ? r.conns[0].secrets : "", ": ECDSA /etc/mcvpn.d/awsvpn.key\n");

	/* this host is right=: rightcert= is ours, leftcert= the peer's (pinned) */
	opt_local = "203.0.113.20";
	import(CERT_CONN "  authby=rsasig\n  leftcert=awspeer\n  rightcert=ocivpn\n", NULL, NULL);
	CHECK_INT(rc, 0);
	CHECK_CONTAINS(CONF(0), "    leftcert=/etc/mcvpn.d/awspeer.pem\n");
	CHECK_CONTAINS(CONF(0), "    rightcert=/etc/mcvpn.d/ocivpn.pem\n");
	CHECK(!strstr(CONF(0), "ca.pem"));	/* the peer's certificate is pinned */
	CHECK_STR(r.n_conns ? r.conns[0].secrets : NULL,
		  "# Imported by mcvpnctl import-libreswan (conn c): the key of ocivpn.pem.\n"
		  ": RSA /etc/mcvpn.d/ocivpn.key\n");

	/* a nickname with blanks: a file name without them, the nickname quoted */
	import(CERT_CONN "  authby=rsasig\n  leftcert=\"AWS VPN #1\"\n  rightca=/etc/pki/ca.pem\n", NULL, NULL);
	CHECK_INT(rc, 0);
	CHECK_CONTAINS(CONF(0), "    leftcert=/etc/mcvpn.d/AWS_VPN__1.pem\n");
	CHECK_MSG("-n 'AWS VPN #1' -a > /etc/mcvpn.d/AWS_VPN__1.pem");
	CHECK_STR(r.n_conns ? r.conns[0].secrets : NULL,
		  "# Imported by mcvpnctl import-libreswan (conn c): the key of AWS_VPN__1.pem.\n"
		  ": RSA /etc/mcvpn.d/AWS_VPN__1.key\n");
	/* a certificate named by its file: no key line can be written */
	import(CERT_CONN "  authby=rsasig\n  leftcert=/etc/pki/aws.pem\n  rightca=/etc/pki/ca.pem\n", NULL, NULL);
	CHECK_INT(rc, 0);
	CHECK_MSG("t.conf:1: warning: conn \"c\": c.secrets not written: name the private key of "
		  "leftcert=/etc/pki/aws.pem in it (mode 0600): : RSA /path/to/its-key.pem");
	CHECK(r.n_conns && r.conns[0].conf && !r.conns[0].secrets);

	/* raw keys and asymmetric authentication: refused with why */
	import(CERT_CONN "  authby=rsasig\n  leftrsasigkey=0sAwEAAbcdef\n", NULL, NULL);
	CHECK_MSG("t.conf:11: error: leftrsasigkey=0sAwEAAbcdef: raw public keys: mcvpn authenticates with certificates");
	import(CERT_CONN "  leftauth=rsasig\n  rightauth=secret\n", PSK, NULL);
	CHECK_MSG("t.conf:10: error: leftauth=rsasig: asymmetric authentication");
	/* SHA-1 and null: mcvpnd's own reasons */
	import(CERT_CONN "  authby=rsa-sha1\n  leftcert=awsvpn\n", NULL, NULL);
	CHECK_MSG("t.conf:10: error: conn \"c\": authby=rsa-sha1: rsa-sha1: SHA-1 signatures are not accepted");
}

int main(void)
{
	test_script_variants();
	test_script_refused();
	test_no_script();
	test_key_rules();
	test_meaning_refused();
	test_never_widened();
	test_conns();
	test_local();
	test_refusals();
	test_secrets();
	test_structure();
	test_crlf();
	test_metric();
	test_esn();
	test_script_route_options();
	test_certs();
	import_result_free(&r);
	return check_summary("import");
}
