/* SPDX-License-Identifier: Apache-2.0 */
/* Every problem is reported as "FILE:LINE: reason", and all of them are
 * reported, not just the first. */
#include "conf_test.h"

/* A valid conn (lines 1-4) followed by extra from line 5 on. */
static void bad(const char *extra, const char *want)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "conn t\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tvti-interface=vti9\n%s\n", extra);
	CHECK_DIAG(text, TEST_SECRETS, want);
}

static void test_keys(void)
{
	bad("\tfoo=bar", "t.conf:5: unknown key 'foo' in conn \"t\"");
	bad("\treauth=yes", "t.conf:5: key 'reauth' in conn \"t\" is not supported by mcvpn yet");
	bad("\tkeyingtries=often", "t.conf:5: conn \"t\": keyingtries=often: expected %forever or a number");
	bad("\tmobike=yes", "t.conf:5: key 'mobike' in conn \"t\" is not supported by mcvpn yet");
	/* lifecycle keys: malformed values and cross checks */
	bad("\trekey=sometimes", "t.conf:5: conn \"t\": rekey=sometimes: expected yes or no");
	bad("\trekeyfuzz=50", "rekeyfuzz=50: expected a percentage such as 100%");
	bad("\trekeyfuzz=2000%", "rekeyfuzz=2000%: expected a percentage");
	bad("\trekeymargin=0", "rekeymargin=0: must be more than 0");
	bad("\tdpdaction=shrug", "dpdaction=shrug: expected restart, clear or hold");
	bad("\tdpdtimeout=fast", "dpdtimeout=fast: expected a duration");
	bad("\tsalifetime=10m\n\trekeymargin=9m", "t.conf:6: conn \"t\": rekeymargin 540s (+100% fuzz) leaves no time before salifetime 600s ends");
	bad("\tdpddelay=30s\n\tdpdtimeout=20s", "t.conf:6: conn \"t\": dpdtimeout 20s must be longer than dpddelay 30s");
	bad("\tleftcert=a.pem", "t.conf:5: conn \"t\": leftcert= with authby=secret (the default): set authby=rsasig or ecdsa to authenticate with certificates");
	bad("\tleftrsasigkey=0sAwEAAQ", "t.conf:5: conn \"t\": leftrsasigkey=: raw public keys are not supported by mcvpn: authenticate with certificates");
	bad("\talso=base", "t.conf:5: also=base: no conn base in t.conf or the files it includes");
	bad("\tleft=192.0.2.5", "t.conf:5: duplicate key 'left' in conn \"t\" (first set at line 2)");
	bad("\tphase2alg=aes_gcm256\n\tesp=aes_gcm128", "t.conf:6: duplicate key 'esp' in conn \"t\" (first set at line 5)");
	bad("\tmark", "t.conf:5: expected key=value");
	bad("\tmark=", "t.conf:5: conn \"t\": mark=: empty value");
	bad("\tleftid=\"@x", "t.conf:5: unterminated quote in value");
}

static void test_values(void)
{
	bad("\tmark=abc", "t.conf:5: conn \"t\": mark=abc: expected N or N/MASK");
	bad("\tmark=0x100000000", "t.conf:5: conn \"t\": mark=0x100000000: expected N or N/MASK");
	bad("\tmark=3/1", "t.conf:5: conn \"t\": mark=3/1: the mark has bits outside its mask");
	bad("\tauthby=rsasig", "t.conf:5: conn \"t\": authby= signatures need leftcert= (this host's certificate, a PEM file; this host is left)");
	bad("\tauthby=rsasig", "t.conf:5: conn \"t\": authby= signatures need rightca= (the CA certificates the peer's must lead to) or rightcert= (the peer's certificate itself), PEM files");
	bad("\tauthby=foo", "expected secret");
	bad("\tauto=route", "t.conf:5: conn \"t\": auto=route: auto=route is not supported by mcvpn (use start or add)");
	bad("\tauto=ondemand", "auto=ondemand is not supported by mcvpn");
	bad("\tauto=go", "t.conf:5: conn \"t\": auto=go: expected start, add or ignore");
	bad("\tikev2=no", "t.conf:5: conn \"t\": ikev2=no: mcvpn speaks only IKEv2");
	bad("\tikev2=never", "ikev2=never: mcvpn speaks only IKEv2");
	bad("\tkeyexchange=ikev1", "keyexchange=ikev1: mcvpn speaks only IKEv2");
	bad("\ttype=transport", "type=transport: type=transport is not supported by mcvpn (only tunnel)");
	bad("\tencapsulation=maybe", "encapsulation=maybe: expected yes or auto");
	bad("\tencapsulation=no", "encapsulation=no: mcvpn always carries ESP in UDP 4500");
	bad("\tvti-routing=on", "vti-routing=on: expected yes or no");
	bad("\tpfs=1", "pfs=1: expected yes or no");
	bad("\tleftid=%fromcert", "t.conf:5: conn \"t\": leftid=%fromcert needs certificates (authby=rsasig or ecdsa); with authby=secret give an ID the PSK is found by");
	bad("\trightid=vpn.example", "write @NAME for an FQDN ID");
	bad("\trightid=\"C=US, FOO=x\"", "rightid=C=US, FOO=x: expected a distinguished name such as \"C=JP, O=Example, CN=vpn\" (");
	bad("\trightid=@", "expected a name after '@'");
}

static void test_addresses(void)
{
	CHECK_DIAG("conn t\n\tleft=%any\n\tright=192.0.2.2\n\tvti-interface=v\n", TEST_SECRETS,
		   "t.conf:2: conn \"t\": left=%any: expected an IP address or %defaultroute (%any and the other % forms are not supported");
	CHECK_DIAG("conn t\n\tleft=%defaultroute\n\tright=%defaultroute\n", TEST_SECRETS,
		   "t.conf:3: conn \"t\": left= and right= are both %defaultroute (one end is the peer)");
	CHECK_DIAG("conn t\n\tleft=vpn.example.com\n\tright=192.0.2.2\n\tvti-interface=v\n", TEST_SECRETS,
		   "t.conf:2: conn \"t\": left=vpn.example.com: expected an IPv4 or IPv6 address (DNS names are not resolved)");
	bad("\troutes=10.105.0.1/16", "t.conf:5: conn \"t\": routes=10.105.0.1/16: 10.105.0.1/16 has host bits set, did you mean 10.105.0.0/16");
	bad("\troutes=10.105.0.0/16,10.106.0.0/33", "'10.106.0.0/33': expected a prefix length from 0 to 32 after '/'");
	bad("\troutes=10.105.0.0/16,,10.1.0.0/16", "empty element in the list");
	bad("\trightsubnet=10.0.0.0/8,10.1.0.0/16,10.2.0.0/16,10.3.0.0/16,10.4.0.0/16", "more than 4 prefixes (the limit)");
	bad("\tleftsubnet=2001:db8::1/32", "2001:db8::1/32 has host bits set, did you mean 2001:db8::/32");
	bad("\tinterface-ip=192.168.2.1/40", "interface-ip=192.168.2.1/40: expected a prefix length from 0 to 32");
	bad("\tinterface-ip=fe80::1%eth0/64", "interface-ip=fe80::1%eth0/64: expected an address/prefix");
	CHECK_DIAG("conn t\n\tleft=192.0.2.1\n\tright=2001:db8::2\n\tvti-interface=v\n", TEST_SECRETS,
		   "t.conf:3: conn \"t\": left and right are not of the same address family");
	CHECK_DIAG("conn t\n\tleft=192.0.2.1\n\tright=192.0.2.1\n\tvti-interface=v\n", TEST_SECRETS,
		   "t.conf:3: conn \"t\": left and right are the same address");
}

static void test_limits(void)
{
	bad("\tikelifetime=25h", "t.conf:5: conn \"t\": ikelifetime=25h: at most 24h (86400s)");
	bad("\tsalifetime=86401", "salifetime=86401: at most 24h (86400s)");
	bad("\tsalifetime=2d", "salifetime=2d: at most 24h");
	bad("\tikelifetime=0", "ikelifetime=0: must be more than 0");
	bad("\tsalifetime=10x", "salifetime=10x: expected a duration such as 3600s");
	bad("\tsalifetime=-5s", "expected a duration");
	CHECK_DIAG("conn t\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tvti-interface=abcdefghijklmnop\n", TEST_SECRETS,
		   "t.conf:4: conn \"t\": vti-interface=abcdefghijklmnop: expected an interface name of 1 to 15 characters");
	CHECK_DIAG("conn t\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tvti-interface=vti/1\n", TEST_SECRETS,
		   "vti-interface=vti/1: expected an interface name");
	CHECK_DIAG("conn t\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tvti-interface=\"vti 1\"\n", TEST_SECRETS,
		   "vti-interface=vti 1: expected an interface name");
}

static void test_algs(void)
{
	bad("\tike=3des-sha1;modp1024", "t.conf:5: conn \"t\": ike=3des-sha1;modp1024: proposal '3des-sha1;modp1024': encryption '3des' is not supported by mcvpn");
	bad("\tike=blah-sha1;modp1024", "unknown encryption algorithm 'blah'");
	bad("\tike=aes512-sha1;modp1024", "unknown encryption algorithm 'aes512'");
	bad("\tike=aes_gcm8-sha2_256;dh19", "encryption 'aes_gcm8' is not supported by mcvpn");
	bad("\tike=aes256-sha2_256", "proposal 'aes256-sha2_256': a DH group is needed");
	bad("\tike=aes256;modp2048", "AES-CBC needs an integrity algorithm");
	bad("\tike=aes_gcm256;modp2048", "a PRF is needed");
	bad("\tike=aes_gcm256-sha2_256-sha2_384;dh19", "AES-GCM has no integrity algorithm: write ENC-PRF");
	bad("\tike=aes256-md5;modp2048", "integrity 'md5' is not supported by mcvpn");
	bad("\tike=chacha20_poly1305-sha2_256-sha2_384;dh19", "ChaCha20-Poly1305 has no integrity algorithm: write ENC-PRF");
	bad("\tike=chacha20_poly1305_128-sha2_256;dh19", "ChaCha20-Poly1305 has 256-bit keys only");
	bad("\tike=chacha20-sha2_256;dh19", "encryption 'chacha20' is not supported by mcvpn (use aes_gcm, chacha20_poly1305 or aes_cbc)");
	bad("\tphase2alg=chacha20poly1305-sha2_256", "ChaCha20-Poly1305 has no integrity algorithm");
	bad("\tike=aes256-sha1;modp999", "unknown DH group 'modp999'");
	bad("\tike=aes256-sha1-modp2048-sha1", "unexpected 'sha1' (the order is ENC-INTEG-PRF;DH)");
	bad("\tike=aes256-sha1;modp2048;dh19", "more than one ';'");
	bad("\tike=aes256+aes128-sha1;modp2048", "one algorithm per position");
	bad("\tike=aes256-sha1;modp2048,", "empty proposal in the list");
	bad("\tike=aes256-256-sha1;modp2048", "two key lengths for 'aes256'");
	bad("\tike=aes-64-sha1;modp2048", "key length '64': expected 128, 192 or 256");
	bad("\tike=aes-sha1-sha1-a-a-a-a;modp2048", "too many '-' separated parts");
	bad("\tike=aes-sha1;dh2,aes-sha1;dh2,aes-sha1;dh2,aes-sha1;dh2,aes-sha1;dh2,aes-sha1;dh2,"
	    "aes-sha1;dh2,aes-sha1;dh2,aes-sha1;dh2", "more than 8 proposals (the limit)");
	bad("\tphase2alg=aes_gcm256-sha1", "t.conf:5: conn \"t\": phase2alg=aes_gcm256-sha1: proposal 'aes_gcm256-sha1': AES-GCM has no integrity algorithm");
	bad("\tesp=aes_cbc256", "esp=aes_cbc256: proposal 'aes_cbc256': AES-CBC needs an integrity algorithm");
	bad("\tesp=aes256-sha1-sha2_256", "ESP takes one integrity algorithm");
	bad("\tpfs=no\n\tphase2alg=aes_gcm256;modp1536", "t.conf:5: conn \"t\": pfs=no but phase2alg names DH group MODP_1536");
	bad("\tpfs=yes\n\tphase2alg=aes_gcm256,aes_gcm128,aes_cbc256-sha1,aes_cbc128-sha1,aes_gcm192\n"
	    "\tike=aes_gcm256-sha2_256;dh19,aes_gcm256-sha2_256;dh20",
	    "t.conf:5: conn \"t\": pfs=yes: phase2alg= with the DH groups of ike= makes more than 8 proposals");
	bad("\tleftsubnet=10.0.0.0/8\n\tleftsubnets={10.1.0.0/16 10.2.0.0/16}",
	    "t.conf:6: conn \"t\": leftsubnets=10.1.0.0/16 10.2.0.0/16: leftsubnet= and leftsubnets= (or their right... twins) are one or the other");
	bad("\trightsubnet=10.0.0.0/8/tcp/22", "t.conf:5: conn \"t\": rightsubnet=10.0.0.0/8/tcp/22: protocol/port selectors are not supported by mcvpn (leaving them out would widen the selectors)");
	bad("\trightsubnets={10.1.0.0/16 10.2.0.0/16/udp}", "protocol/port selectors are not supported");
	bad("\tleftnexthop=192.0.2.254", "t.conf:5: conn \"t\": leftnexthop=192.0.2.254: mcvpn sends IKE and ESP by "
	    "the host's routes, and the route to the peer is not via 192.0.2.254 (its gateway: unknown here); add one "
	    "(ip route add 192.0.2.2/32 via 192.0.2.254) and drop leftnexthop=");
	bad("\tleftnexthop=gw", "t.conf:5: conn \"t\": leftnexthop=gw: expected %defaultroute, %direct or an address");
	bad("\tipsec-interface=maybe", "t.conf:5: conn \"t\": ipsec-interface=maybe: expected yes, no or a device number");
	bad("\tipsec-interface=yes", "t.conf:5: conn \"t\": vti-interface= and ipsec-interface= both name the tunnel device: keep one");
	bad("\tleftvti=192.168.2.1/30\n\tinterface-ip=192.168.2.1/30",
	    "t.conf:5: conn \"t\": interface-ip= and leftvti= (or leftinterface-ip=) both give the device's address: keep one");
	bad("\tleftinterface-ip=192.168.2.1/30\n\tleftvti=192.168.2.1/30", "t.conf:6: duplicate key 'leftvti' in conn \"t\" (first set at line 5)");
}

static void test_sections(void)
{
	CHECK_DIAG("\tleft=192.0.2.1\nconn t\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tvti-interface=v\n", TEST_SECRETS,
		   "t.conf:1: key 'left' outside a conn (put it under a 'conn NAME' line)");
	CHECK_DIAG("left=192.0.2.1\nconn t\n", TEST_SECRETS,
		   "t.conf:1: key 'left' outside a conn (put it under a 'conn NAME' line)");
	CHECK_DIAG("config setup\n\tfrobnicate=yes\n", TEST_SECRETS,
		   "t.conf:2: unknown key 'frobnicate' in config setup");
	CHECK_DIAG("config foo\n", TEST_SECRETS, "t.conf:1: expected 'config setup'");
	CHECK_DIAG("include /etc/ipsec.d/none.conf\n", TEST_SECRETS,
		   "t.conf:1: include /etc/ipsec.d/none.conf: no such file");
	CHECK_DIAG("conn a b\n", TEST_SECRETS, "t.conf:1: a section header is 'conn NAME' or 'config setup'");
	CHECK_DIAG("conn\n", TEST_SECRETS, "t.conf:1: section header without a name");
	CHECK_DIAG("setup x\n", TEST_SECRETS, "t.conf:1: expected 'conn NAME' or 'config setup' at column 0");
	CHECK_DIAG("conn bad/name\n\tleft=192.0.2.1\n", TEST_SECRETS, "t.conf:1: conn name 'bad/name': expected 1 to 63 letters");
	CHECK_DIAG("conn t\n\tright=192.0.2.2\n\tvti-interface=v\n", TEST_SECRETS,
		   "t.conf:1: conn \"t\": missing left= (one end: an address or %defaultroute)");
	CHECK_DIAG("conn t\n\tleft=192.0.2.2\n\tvti-interface=v\n", TEST_SECRETS,
		   "t.conf:1: conn \"t\": missing right= (the other end)");
	CHECK_DIAG("conn vti9\n\tleft=192.0.2.1\n\tright=192.0.2.2\n"
		   "conn b\n\tleft=192.0.2.1\n\tright=192.0.2.3\n\tvti-interface=vti9\n", TEST_SECRETS,
		   "t.conf:7: conn \"b\": vti-interface=vti9 is already used by conn \"vti9\" (t.conf:1)");
	CHECK_DIAG("conn b\n\tleft=192.0.2.1\n\tright=192.0.2.3\n\tvti-interface=a\n"
		   "conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n", TEST_SECRETS,
		   "t.conf:5: conn \"a\": its tunnel device a (named after the conn) is already used by conn \"b\" (t.conf:1): name another with vti-interface=");
	CHECK_DIAG("conn t\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tvti-interface=v\n"
		   "conn t\n\tleft=192.0.2.1\n\tright=192.0.2.3\n\tvti-interface=w\n", TEST_SECRETS,
		   "t.conf:5: duplicate conn \"t\" (first defined at t.conf:1)");
	CHECK_DIAG("conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tvti-interface=vti1\n"
		   "conn b\n\tleft=192.0.2.1\n\tright=192.0.2.3\n\tvti-interface=vti1\n", TEST_SECRETS,
		   "t.conf:8: conn \"b\": vti-interface=vti1 is already used by conn \"a\" (t.conf:1)");
	/* two conns to one peer that neither the IDs nor the subnets tell apart */
	CHECK_DIAG("conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tvti-interface=vti1\n\tauto=add\n"
		   "conn b\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tvti-interface=vti2\n\tauto=add\n"
		   "\trightsubnet=10.1.0.0/16\n", TEST_SECRETS,
		   "t.conf:6: conn \"b\" cannot be told apart from conn \"a\" (t.conf:1): the same left, right, leftid and rightid, and overlapping leftsubnet/rightsubnet");
	CHECK_DIAG("conn t\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tvti-interface=v\n", NULL,
		   "t.conf:1: conn \"t\": no PSK in *.secrets matches leftid 192.0.2.1 and rightid 192.0.2.2");
}

/* Two conns to one peer load when their IDs or their subnets differ. */
static void test_distinct_ok(void)
{
	static const char *const second[] = {
		"\tleftid=@b\n\trightid=@a\n",
		"\tleftsubnet=10.2.0.0/16\n\trightsubnet=10.1.0.0/16\n",
		"\trightsubnet=10.3.0.0/16\n",
		"\tauto=ignore\n",
	};

	for (size_t i = 0; i < sizeof(second) / sizeof(second[0]); i++) {
		char text[1024];
		struct conf *c = NULL;
		struct conf_diag d = { 0 };
		snprintf(text, sizeof(text),
			 "conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tvti-interface=vti1\n\tauto=add\n"
			 "\tleftsubnet=10.2.0.0/16\n\trightsubnet=10.4.0.0/16\n"
			 "conn b\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tvti-interface=vti2\n%s%s",
			 strstr(second[i], "auto=") ? "" : "\tauto=add\n", second[i]);
		CHECK_INT(conf_load_text("t.conf", text, "t.secrets", TEST_SECRETS, &c, &d), 0);
		if (d.n)
			diag_print(&d);
		conf_diag_free(&d);
		conf_free(c);
	}
}

/* Every problem is collected: three bad lines give three messages. */
static void test_all_collected(void)
{
	struct conf_diag d = { 0 };
	struct conf *cf = NULL;

	CHECK_INT(conf_load_text("t.conf", "conn t\n\tfoo=1\n\tleft=192.0.2.1\n\tright=192.0.2.2\n"
				 "\tvti-interface=v\n\tmark=x\n\tbar=2\n", "s", TEST_SECRETS, &cf, &d), -1);
	CHECK_INT(d.n, 3);
	if (d.n == 3) {
		CHECK_CONTAINS(d.msgs[0], "t.conf:2: unknown key 'foo'");
		CHECK_CONTAINS(d.msgs[1], "t.conf:6: conn \"t\": mark=x");
		CHECK_CONTAINS(d.msgs[2], "t.conf:7: unknown key 'bar'");
	}
	diag_print(&d);
	conf_diag_free(&d);
	/* A NULL diag still fails the load. */
	CHECK_INT(conf_load_text("t.conf", "conn t\n\tfoo=1\n", NULL, NULL, &cf, NULL), -1);
	CHECK(cf == NULL);
}

int main(void)
{
	test_keys();
	test_values();
	test_addresses();
	test_limits();
	test_algs();
	test_sections();
	test_distinct_ok();
	test_all_collected();
	return check_summary("conf-errors");
}
