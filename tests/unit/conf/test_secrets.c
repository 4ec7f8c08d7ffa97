/* SPDX-License-Identifier: Apache-2.0 */
/* Secrets: value forms, libreswan's matching rules, and errors that never
 * quote the secret. */
#include "conf_test.h"

static const char conn_ab[] =
	"conn t\n\tleft=192.0.2.1\n\tleftid=@a.example\n\tright=192.0.2.2\n\tvti-interface=v\n";

/* Load conn_ab with these secrets; the PSK found, as a string (or NULL). */
static const char *psk_of(const char *conf_text, const char *secrets)
{
	static char got[256];
	struct conf_diag d = { 0 };
	struct conf *cf = NULL;

	got[0] = '\0';
	if (conf_load_text("t.conf", conf_text, "t.secrets", secrets, &cf, &d) < 0) {
		diag_print(&d);
		conf_diag_free(&d);
		return NULL;
	}
	if (cf->conns[0].psk && cf->conns[0].psk->len < sizeof(got)) {
		memcpy(got, cf->conns[0].psk->buf, cf->conns[0].psk->len);
		got[cf->conns[0].psk->len] = '\0';
	}
	conf_free(cf);
	conf_diag_free(&d);
	return got;
}

static void test_forms(void)
{
	struct conf *cf = NULL;
	struct conf_diag d = { 0 };
	unsigned char want[4];

	CHECK_STR(psk_of(conn_ab, "@a.example 192.0.2.2 : PSK \"with space # and hash\"\n"),
		  "with space # and hash");
	CHECK_STR(psk_of(conn_ab, "@a.example 192.0.2.2 : PSK 'single'  # comment\n"), "single");
	CHECK_STR(psk_of(conn_ab, "@a.example 192.0.2.2 : psk \"lower-case type\"\n"), "lower-case type");
	/* RFC 4648 section 10 test vectors. */
	CHECK_STR(psk_of(conn_ab, "@a.example 192.0.2.2 : PSK 0sZm9vYmFy\n"), "foobar");
	CHECK_STR(psk_of(conn_ab, "@a.example 192.0.2.2 : PSK 0sZm9vYmE=\n"), "fooba");
	CHECK_STR(psk_of(conn_ab, "@a.example 192.0.2.2 : PSK 0sZg==\n"), "f");
	CHECK_STR(psk_of(conn_ab, "@a.example 192.0.2.2 : PSK 0x666f_6f62_6172\n"), "foobar");
	/* An entry continued on indented lines. */
	CHECK_STR(psk_of(conn_ab, "# comment\n@a.example 192.0.2.2 :\n    PSK \"continued\"\n"), "continued");
	/* Binary PSK bytes come through as they are. */
	CHECK_INT(conf_load_text("t.conf", conn_ab, "t.secrets", ": PSK 0x00ff10ee\n", &cf, &d), 0);
	if (cf) {
		check_unhex("00ff10ee", want, sizeof(want));
		CHECK_INT(cf->conns[0].psk->len, 4);
		CHECK_MEM(cf->conns[0].psk->buf, want, 4);
	}
	conf_free(cf);
	conf_diag_free(&d);
}

/* libreswan's forms: the ':' glued to the last ID (as the operators' how-to
 * and the clouds' generated files write it), %any4, @[key id], user@fqdn,
 * upper-case 0X/0S, a '#' inside a word. */
static void test_libreswan_forms(void)
{
	static const char v6[] = "conn t\n\tleft=2001:db8::1\n\tright=2001:db8::\n\tvti-interface=v\n";

	CHECK_STR(psk_of(conn_ab, "@a.example 192.0.2.2: PSK \"glued\"\n"), "glued");
	CHECK_STR(psk_of(conn_ab, "@a.example 192.0.2.2:\tPSK \"tab\"\n"), "tab");
	CHECK_STR(psk_of(conn_ab, "192.0.2.2: PSK \"one-glued\"\n"), "one-glued");
	CHECK_STR(psk_of(conn_ab, "@a.example\n  192.0.2.2:\n  PSK \"three-lines\"\n"), "three-lines");
	CHECK_STR(psk_of(conn_ab, "%any4 : PSK \"any4\"\n"), "any4");
	CHECK_STR(psk_of(conn_ab, "%any6 %any: PSK \"any6\"\n"), "any6");
	CHECK_STR(psk_of(conn_ab, "@a.example 192.0.2.2 : PSK 0X666F6F\n"), "foo");
	CHECK_STR(psk_of(conn_ab, "@a.example 192.0.2.2 : PSK 0SZm9v\n"), "foo");
	CHECK_STR(psk_of(conn_ab, "@a.example 192.0.2.2 : PSK \"a#b\" # comment\n"), "a#b");
	CHECK_STR(psk_of(conn_ab, "@a.example 192.0.2.2 : PSK 0x666f6f # comment\n"), "foo");
	/* an IPv6 ID that ends in ':' is an ID when a ':' follows, else the ':' ends it */
	CHECK_STR(psk_of(v6, "2001:db8::1 2001:db8:: : PSK \"v6-colon\"\n"), "v6-colon");
	CHECK_STR(psk_of(v6, "2001:db8::1 2001:db8:::\tPSK \"v6-glued\"\n"), "v6-glued");
	/* key IDs and user@fqdn IDs select entries like the others */
	CHECK_STR(psk_of("conn t\n\tleft=192.0.2.1\n\tleftid=@[aws-cgw]\n\tright=192.0.2.2\n"
			 "\trightid=ops@b.example\n\tvti-interface=v\n",
			 "@[aws-cgw] ops@b.example: PSK \"key-id\"\n: PSK \"wild\"\n"), "key-id");
	CHECK_STR(psk_of(conn_ab, "@[a.example] 192.0.2.2 : PSK \"not-fqdn\"\n: PSK \"wild\"\n"), "wild");
}

static void test_matching(void)
{
	static const char all[] =
		": PSK \"wild\"\n"
		"@a.example : PSK \"one\"\n"
		"192.0.2.2 @A.EXAMPLE : PSK \"both\"\n"
		"@a.example 192.0.2.2 : PSK \"both-second\"\n";

	/* Both IDs beat one ID beats the wildcard, whatever the order. */
	CHECK_STR(psk_of(conn_ab, all), "both");
	CHECK_STR(psk_of(conn_ab, ": PSK \"wild\"\n@a.example : PSK \"one\"\n"), "one");
	CHECK_STR(psk_of(conn_ab, "192.0.2.2 : PSK \"right-only\"\n%any : PSK \"wild\"\n"), "right-only");
	CHECK_STR(psk_of(conn_ab, "@a.example %any : PSK \"one-and-any\"\n: PSK \"wild\"\n"), "one-and-any");
	CHECK_STR(psk_of(conn_ab, "%any : PSK \"any\"\n"), "any");
	CHECK_STR(psk_of(conn_ab, ": PSK \"wild\"\n"), "wild");
	/* A line naming one of our IDs and a stranger does not match. */
	CHECK_STR(psk_of(conn_ab, "@a.example 192.0.2.9 : PSK \"stranger\"\n: PSK \"wild\"\n"), "wild");
	CHECK_DIAG(conn_ab, "@a.example 192.0.2.9 : PSK \"stranger\"\n",
		   "t.conf:1: conn \"t\": no PSK in *.secrets matches leftid @a.example and rightid 192.0.2.2");
	/* IDs compare as IDs: an address in another spelling is the same address. */
	CHECK_STR(psk_of("conn t\n\tleft=2001:db8::1\n\tright=2001:db8::2\n\tvti-interface=v\n",
			 "2001:DB8:0::2 2001:db8:0:0::1 : PSK \"v6\"\n"), "v6");
	/* Address IDs are not FQDNs: "@192.0.2.2" does not match an address. */
	CHECK_STR(psk_of(conn_ab, "@192.0.2.2 @a.example : PSK \"fqdn\"\n: PSK \"wild\"\n"), "wild");
}

static void check_no_leak(const char *secrets, const char *secret_text, const char *want)
{
	struct conf_diag d = { 0 };
	struct conf *cf = NULL;

	CHECK_INT(conf_load_text("t.conf", conn_ab, "t.secrets", secrets, &cf, &d), -1);
	CHECK(diag_find(&d, want) != NULL);
	if (!diag_find(&d, want)) {
		fprintf(stderr, "  wanted: %s\n", want);
		diag_print(&d);
	}
	CHECK(diag_find(&d, secret_text) == NULL);
	conf_diag_free(&d);
}

static void test_errors(void)
{
	check_no_leak("@a.example 192.0.2.2 PSK \"hunter2\"\n", "hunter2",
		      "t.secrets:1: missing ':' between the IDs and the secret");
	check_no_leak("\n@a.example : XAUTH \"hunter2\"\n", "hunter2",
		      "t.secrets:2: this secret type is not supported by mcvpn (PSK, and RSA, ECDSA or PKCS8 naming a PEM key file)");
	check_no_leak("@a.example : XYZ hunter2\n", "hunter2", "t.secrets:1: unknown secret type (expected PSK, RSA, ECDSA or PKCS8)");
	check_no_leak("# c\n\n@a.example : PSK \"hunter2\n", "hunter2", "t.secrets:3: unterminated quote in PSK");
	check_no_leak("@a.example : PSK \"hunter2\" extra\n", "hunter2", "t.secrets:1: text after the PSK's closing quote");
	check_no_leak("@a.example : PSK hunter2\n", "hunter2", "t.secrets:1: a PSK is \"quoted\", 0xHEX or 0sBASE64");
	check_no_leak("@a.example : PSK 0xhunter2\n", "hunter2", "t.secrets:1: the PSK is not valid hex after 0x");
	check_no_leak("@a.example : PSK 0x123\n", "0x123", "t.secrets:1: the PSK is not valid hex after 0x");
	check_no_leak("@a.example : PSK 0shunter2!\n", "hunter2", "t.secrets:1: the PSK is not valid base64 after 0s");
	check_no_leak("@a.example : PSK 0sZm9v=YmFy\n", "Zm9v", "t.secrets:1: the PSK is not valid base64 after 0s");
	check_no_leak("@a.example : PSK \"\"\n", "\"\"", "t.secrets:1: the PSK is empty");
	check_no_leak("@a.example : PSK\n", "hunter2", "t.secrets:1: missing PSK value");
	check_no_leak("@a.example :\n", "hunter2", "t.secrets:1: missing secret type after ':' (expected PSK, RSA, ECDSA or PKCS8)");
	check_no_leak("a.example : PSK \"hunter2\"\n", "hunter2",
		      "t.secrets:1: ID 1 of the line: expected @fqdn or an IP address (write @NAME");
	/* ': PSK "' forgotten: the key stands where an ID would, and is not shown */
	check_no_leak("@a.example 192.0.2.2 hunter2-the-key\n", "hunter2",
		      "t.secrets:1: ID 3 of the line: expected @fqdn or an IP address");
	check_no_leak("\"C=US, CN=x\" : PSK \"hunter2\"\n", "hunter2",
		      "t.secrets:1: quoted (distinguished-name) IDs are not supported");
	check_no_leak("include /etc/ipsec.d/x.secrets\n", "hunter2", "t.secrets:1: include /etc/ipsec.d/x.secrets: no such file");
	check_no_leak("@a.example 192.0.2.2: \"hunter2\"\n", "hunter2", "t.secrets:1: unknown secret type (expected PSK, RSA, ECDSA or PKCS8)");
	check_no_leak("@[a.example : PSK \"hunter2\"\n", "hunter2", "t.secrets:1: ID 1 of the line: expected @[text] (a key ID: the closing ']' is missing)");
	check_no_leak("@#00ff : PSK \"hunter2\"\n", "hunter2", "the binary @# and @~ forms are not supported");
}

int main(void)
{
	test_forms();
	test_libreswan_forms();
	test_matching();
	test_errors();
	return check_summary("conf-secrets");
}
