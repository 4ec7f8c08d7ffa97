/* SPDX-License-Identifier: Apache-2.0 */
/* What becomes of each libreswan conn key on import: carried over as it is
 * (mcvpnd reads it: keys_apply decides), changed to another value, dropped
 * with a note because mcvpn does the same thing its own way or the key
 * has no effect on a route-based tunnel, dropped with a warning
 * because something the operator relied on is no longer done, or refused
 * because its loss would change the conn's meaning: its traffic selectors,
 * algorithms, authentication, IKE version, or how the peer is reached.
 * A key in none of these lists, and unknown to mcvpn, is refused too:
 * nothing is dropped that nobody looked at. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "conf/conf.h"
#include "conf/import_priv.h"

enum match { ANY, YES, NO, IS };

struct rule {
	const char *key;
	enum match m;
	const char *value;		/* IS: this value (also YES/NO: no) */
	enum import_action act;
	const char *to;			/* CHANGE: the new value */
	const char *why;
};

#define ESP_ONLY "mcvpn uses only ESP"
#define IKEV1 "IKEv1 only: mcvpn speaks IKEv2"
#define RAWKEY "raw public keys: mcvpn authenticates with certificates (leftcert=, rightca= or rightcert=: PEM files)"
#define ASYM "asymmetric authentication: mcvpn's ends both use authby= (secret, or signatures with certificates)"
#define REMOTE "remote access (mode config, XAUTH, address pools): mcvpn joins two sites"
#define KERNEL "a kernel IPsec setting: mcvpn has no kernel policy"
#define NOT_AGREED "not implemented by mcvpn: a peer that insists on it cannot agree with it"

/* First match wins; left... and right... twins are both listed. */
static const struct rule rules[] = {
	{ "encapsulation", IS, "no", IA_CHANGE, "yes", "mcvpn always carries ESP in UDP 4500" },
	{ "auto", IS, "ondemand", IA_CHANGE, "start", "mcvpn has no on-demand start; it keeps the conn up" },
	{ "auto", IS, "route", IA_CHANGE, "start", "mcvpn has no on-demand start; it keeps the conn up" },
	{ "auto", IS, "up", IA_CHANGE, "start", "libreswan's other name of start" },
	{ "auto", IS, "keep", IA_CHANGE, "add", "mcvpn answers the peer and keeps what it brought up" },
	{ "keyingtries", ANY, NULL, IA_DROP, NULL, "mcvpnd retries an auto=start conn with backoff until it is up" },
	{ "leftnexthop", IS, "%defaultroute", IA_DROP, NULL, "IKE and ESP follow the host's routes" },
	{ "rightnexthop", IS, "%defaultroute", IA_DROP, NULL, "IKE and ESP follow the host's routes" },
	{ "leftnexthop", IS, "%direct", IA_DROP, NULL, "IKE and ESP follow the host's routes" },
	{ "rightnexthop", IS, "%direct", IA_DROP, NULL, "IKE and ESP follow the host's routes" },
	{ "mtu", ANY, NULL, IA_DROP, NULL, "mcvpnd sets the tunnel device's MTU itself (see mcvpnd(8))" },
	{ "phase2", IS, "esp", IA_DROP, NULL, ESP_ONLY },
	{ "phase2", ANY, NULL, IA_REFUSE, NULL, ESP_ONLY },
	{ "ah", ANY, NULL, IA_REFUSE, NULL, ESP_ONLY },
	{ "mobike", ANY, NULL, IA_DROP, NULL, "mcvpn has no MOBIKE: both ends keep their addresses" },
	{ "narrowing", ANY, NULL, IA_DROP, NULL, "as responder mcvpn narrows to the conn's selectors, as "
	  "initiator it takes a narrower answer; never a wider one" },
	{ "aggressive", NO, NULL, IA_DROP, NULL, IKEV1 },
	{ "aggrmode", NO, NULL, IA_DROP, NULL, IKEV1 },
	{ "aggressive", ANY, NULL, IA_REFUSE, NULL, IKEV1 },
	{ "aggrmode", ANY, NULL, IA_REFUSE, NULL, IKEV1 },
	{ "ikepad", ANY, NULL, IA_DROP, NULL, IKEV1 },
	{ "nat-ikev1-method", ANY, NULL, IA_DROP, NULL, IKEV1 },
	{ "vti-shared", NO, NULL, IA_DROP, NULL, "each mcvpn conn has a device of its own" },
	{ "vti-shared", ANY, NULL, IA_REFUSE, NULL, "each mcvpn conn has a device of its own: what was "
	  "routed into the shared device would reach one conn only" },
	{ "compress", ANY, NULL, IA_DROP, NULL, "mcvpn does not compress (IPComp); the peer then sends "
	  "uncompressed" },
	{ "replay-window", ANY, NULL, IA_DROP, NULL, "mcvpn keeps a 4096-packet replay window" },
	{ "sha2-truncbug", NO, NULL, IA_DROP, NULL, "mcvpn truncates SHA2 as RFC 4868 says" },
	{ "sha2-truncbug", ANY, NULL, IA_REFUSE, NULL, "the old truncated SHA2 is " NOT_AGREED },
	{ "ms-dh-downgrade", NO, NULL, IA_DROP, NULL, "mcvpn never downgrades the DH group" },
	{ "ms-dh-downgrade", ANY, NULL, IA_REFUSE, NULL, "a DH group downgrade is " NOT_AGREED },
	{ "ppk", NO, NULL, IA_DROP, NULL, "mcvpn has no post-quantum preshared keys" },
	{ "ppk", ANY, NULL, IA_REFUSE, NULL, "post-quantum preshared keys are " NOT_AGREED },
	{ "intermediate", NO, NULL, IA_DROP, NULL, "mcvpn has no IKE_INTERMEDIATE exchange" },
	{ "intermediate", ANY, NULL, IA_REFUSE, NULL, "the IKE_INTERMEDIATE exchange is " NOT_AGREED },
	{ "ipsec-max-bytes", ANY, NULL, IA_REFUSE, NULL, "mcvpn rekeys by time only: an SA would carry "
	  "more than this under one key" },
	{ "ipsec-max-packets", ANY, NULL, IA_REFUSE, NULL, "mcvpn rekeys by time only: an SA would carry "
	  "more than this under one key" },
	{ "reauth", ANY, NULL, IA_DROP, NULL, "mcvpn rekeys the IKE SA instead of authenticating again" },
	{ "retransmit-timeout", ANY, NULL, IA_DROP, NULL, "mcvpn's retransmission times are fixed (see mcvpnd(8))" },
	{ "retransmit-interval", ANY, NULL, IA_DROP, NULL, "mcvpn's retransmission times are fixed (see mcvpnd(8))" },
	{ "initial-contact", ANY, NULL, IA_DROP, NULL, "mcvpnd sends INITIAL_CONTACT in its IKE_AUTH" },
	{ "send-vendorid", ANY, NULL, IA_DROP, NULL, "mcvpn sends no vendor ID" },
	{ "fake-strongswan", ANY, NULL, IA_DROP, NULL, "mcvpn sends no vendor ID" },
	{ "nic-offload", ANY, NULL, IA_DROP, NULL, KERNEL },
	{ "nopmtudisc", ANY, NULL, IA_DROP, NULL, KERNEL },
	{ "decap-dscp", ANY, NULL, IA_DROP, NULL, KERNEL },
	{ "encap-dscp", ANY, NULL, IA_DROP, NULL, KERNEL },
	{ "tfc", ANY, NULL, IA_DROP, NULL, "mcvpn sends no TFC padding" },
	{ "send-no-esp-tfc", ANY, NULL, IA_DROP, NULL, "mcvpn sends no TFC padding" },
	{ "send-esp-tfc-padding-not-supported", ANY, NULL, IA_DROP, NULL, "mcvpn sends no TFC padding" },
	{ "nflog", ANY, NULL, IA_DROP, NULL, KERNEL },
	{ "nflog-group", ANY, NULL, IA_DROP, NULL, KERNEL },
	{ "priority", ANY, NULL, IA_DROP, NULL, KERNEL },
	{ "reqid", ANY, NULL, IA_DROP, NULL, KERNEL },
	{ "overlapip", ANY, NULL, IA_DROP, NULL, KERNEL },
	{ "mark-in", ANY, NULL, IA_DROP, NULL, "it ties the SAs to a VTI device: mcvpn's TUN needs no tie" },
	{ "mark-out", ANY, NULL, IA_DROP, NULL, "it ties the SAs to a VTI device: mcvpn's TUN needs no tie" },
	{ "connalias", ANY, NULL, IA_DROP, NULL, "the conn has one name" },
	{ "debug", ANY, NULL, IA_DROP, NULL, "use mcvpnd --debug" },
	{ "failureshunt", ANY, NULL, IA_DROP, NULL, "mcvpn drops the tunnel's traffic while the conn is "
	  "down, never sends it in the clear" },
	{ "negotiationshunt", ANY, NULL, IA_DROP, NULL, "mcvpn drops the tunnel's traffic while the conn "
	  "is down, never sends it in the clear" },
	{ "hostaddrfamily", ANY, NULL, IA_DROP, NULL, "mcvpn takes the family from the addresses" },
	{ "clientaddrfamily", ANY, NULL, IA_DROP, NULL, "mcvpn takes the family from the addresses" },
	{ "connaddrfamily", ANY, NULL, IA_DROP, NULL, "mcvpn takes the family from the addresses" },
	{ "cisco-unity", ANY, NULL, IA_DROP, NULL, "mcvpn sends no Cisco vendor IDs" },
	{ "remote-peer-type", ANY, NULL, IA_DROP, NULL, "mcvpn has no Cisco peer mode" },
	{ "remote_peer_type", ANY, NULL, IA_DROP, NULL, "mcvpn has no Cisco peer mode" },
	{ "nm-configured", ANY, NULL, IA_DROP, NULL, "NetworkManager does not configure mcvpn" },
	{ "sendca", ANY, NULL, IA_DROP, NULL, "mcvpn sends the CA certificates that follow its own in "
	  "the leftcert= file" },
	{ "dns-match-id", ANY, NULL, IA_DROP, NULL, "mcvpn resolves no names" },
	{ "require-id-on-certificate", NO, NULL, IA_REFUSE, NULL, "mcvpn always requires the peer's ID "
	  "on its certificate" },
	{ "require-id-on-certificate", ANY, NULL, IA_DROP, NULL, "mcvpn always requires the peer's ID "
	  "on its certificate" },
	{ "accept-redirect", ANY, NULL, IA_DROP, NULL, "mcvpn neither sends nor follows redirects" },
	{ "accept-redirect-to", ANY, NULL, IA_DROP, NULL, "mcvpn neither sends nor follows redirects" },
	{ "send-redirect", ANY, NULL, IA_DROP, NULL, "mcvpn neither sends nor follows redirects" },
	{ "redirect-to", ANY, NULL, IA_DROP, NULL, "mcvpn neither sends nor follows redirects" },
	{ "session-resumption", ANY, NULL, IA_DROP, NULL, "mcvpn has no session resumption" },
	{ "ignore-peer-dns", ANY, NULL, IA_DROP, NULL, "mcvpn takes no DNS servers from the peer" },
	{ "modecfgdns", ANY, NULL, IA_DROP, NULL, "mcvpn sends no mode config" },
	{ "modecfgdomains", ANY, NULL, IA_DROP, NULL, "mcvpn sends no mode config" },
	{ "modecfgbanner", ANY, NULL, IA_DROP, NULL, "mcvpn sends no mode config" },
	{ "modecfgpull", ANY, NULL, IA_DROP, NULL, "mcvpn asks for no mode config" },
	{ "xauthby", ANY, NULL, IA_DROP, NULL, "mcvpn is no XAUTH server" },
	{ "xauthfail", ANY, NULL, IA_DROP, NULL, "mcvpn is no XAUTH server" },
	{ "leftmodecfgserver", NO, NULL, IA_DROP, NULL, REMOTE },
	{ "rightmodecfgserver", NO, NULL, IA_DROP, NULL, REMOTE },
	{ "leftmodecfgclient", NO, NULL, IA_DROP, NULL, REMOTE },
	{ "rightmodecfgclient", NO, NULL, IA_DROP, NULL, REMOTE },
	{ "leftxauthserver", NO, NULL, IA_DROP, NULL, REMOTE },
	{ "rightxauthserver", NO, NULL, IA_DROP, NULL, REMOTE },
	{ "leftxauthclient", NO, NULL, IA_DROP, NULL, REMOTE },
	{ "rightxauthclient", NO, NULL, IA_DROP, NULL, REMOTE },
	{ "leftmodecfgserver", ANY, NULL, IA_REFUSE, NULL, REMOTE },
	{ "rightmodecfgserver", ANY, NULL, IA_REFUSE, NULL, REMOTE },
	{ "leftmodecfgclient", ANY, NULL, IA_REFUSE, NULL, REMOTE },
	{ "rightmodecfgclient", ANY, NULL, IA_REFUSE, NULL, REMOTE },
	{ "leftxauthserver", ANY, NULL, IA_REFUSE, NULL, REMOTE },
	{ "rightxauthserver", ANY, NULL, IA_REFUSE, NULL, REMOTE },
	{ "leftxauthclient", ANY, NULL, IA_REFUSE, NULL, REMOTE },
	{ "rightxauthclient", ANY, NULL, IA_REFUSE, NULL, REMOTE },
	{ "leftusername", ANY, NULL, IA_REFUSE, NULL, REMOTE },
	{ "rightusername", ANY, NULL, IA_REFUSE, NULL, REMOTE },
	{ "leftxauthusername", ANY, NULL, IA_REFUSE, NULL, REMOTE },
	{ "rightxauthusername", ANY, NULL, IA_REFUSE, NULL, REMOTE },
	{ "leftaddresspool", ANY, NULL, IA_REFUSE, NULL, REMOTE },
	{ "rightaddresspool", ANY, NULL, IA_REFUSE, NULL, REMOTE },
	{ "addresspool", ANY, NULL, IA_REFUSE, NULL, REMOTE },
	{ "share-lease", ANY, NULL, IA_REFUSE, NULL, REMOTE },
	{ "pam-authorize", ANY, NULL, IA_REFUSE, NULL, REMOTE },
	{ "leftauth", IS, "secret", IA_DROP, NULL, "the pre-shared key is what mcvpn uses" },
	{ "rightauth", IS, "secret", IA_DROP, NULL, "the pre-shared key is what mcvpn uses" },
	{ "leftauth", ANY, NULL, IA_REFUSE, NULL, ASYM },
	{ "rightauth", ANY, NULL, IA_REFUSE, NULL, ASYM },
	{ "leftautheap", IS, "none", IA_DROP, NULL, "mcvpn has no EAP" },
	{ "rightautheap", IS, "none", IA_DROP, NULL, "mcvpn has no EAP" },
	{ "leftautheap", ANY, NULL, IA_REFUSE, NULL, "EAP authentication: mcvpn has only pre-shared keys" },
	{ "rightautheap", ANY, NULL, IA_REFUSE, NULL, "EAP authentication: mcvpn has only pre-shared keys" },
	{ "leftrsasigkey", IS, "%cert", IA_DROP, NULL, "the key is the certificate's (leftcert=)" },
	{ "rightrsasigkey", IS, "%cert", IA_DROP, NULL, "the key is the certificate's (rightcert=, "
	  "or the one the peer sends)" },
	{ "leftckaid", ANY, NULL, IA_REFUSE, NULL, RAWKEY },
	{ "rightckaid", ANY, NULL, IA_REFUSE, NULL, RAWKEY },
	{ "leftrsasigkey", ANY, NULL, IA_REFUSE, NULL, RAWKEY },
	{ "rightrsasigkey", ANY, NULL, IA_REFUSE, NULL, RAWKEY },
	{ "leftpubkey", ANY, NULL, IA_REFUSE, NULL, RAWKEY },
	{ "rightpubkey", ANY, NULL, IA_REFUSE, NULL, RAWKEY },
	{ "leftecdsakey", ANY, NULL, IA_REFUSE, NULL, RAWKEY },
	{ "rightecdsakey", ANY, NULL, IA_REFUSE, NULL, RAWKEY },
	{ "lefteddsakey", ANY, NULL, IA_REFUSE, NULL, RAWKEY },
	{ "righteddsakey", ANY, NULL, IA_REFUSE, NULL, RAWKEY },
	{ "leftsourceip", ANY, NULL, IA_REFUSE, NULL, "mcvpn sets no source address for the routed "
	  "traffic: it would leave from another address" },
	{ "rightsourceip", ANY, NULL, IA_REFUSE, NULL, "mcvpn sets no source address for the routed "
	  "traffic: it would leave from another address" },
	{ "leftprotoport", ANY, NULL, IA_REFUSE, NULL, "selectors with a protocol or port: leaving them "
	  "out would widen the selectors" },
	{ "rightprotoport", ANY, NULL, IA_REFUSE, NULL, "selectors with a protocol or port: leaving them "
	  "out would widen the selectors" },
	{ "leftikeport", ANY, NULL, IA_REFUSE, NULL, "mcvpn speaks IKE on UDP 500 and 4500 only" },
	{ "rightikeport", ANY, NULL, IA_REFUSE, NULL, "mcvpn speaks IKE on UDP 500 and 4500 only" },
	{ "enable-tcp", NO, NULL, IA_DROP, NULL, "mcvpn uses UDP only" },
	{ "enable-tcp", ANY, NULL, IA_REFUSE, NULL, "IKE and ESP over TCP (RFC 8229) are " NOT_AGREED },
	{ "tcp-remoteport", ANY, NULL, IA_REFUSE, NULL, "IKE and ESP over TCP (RFC 8229) are " NOT_AGREED },
	{ "sec-label", ANY, NULL, IA_REFUSE, NULL, "labeled IPsec is " NOT_AGREED },
	{ "policy-label", ANY, NULL, IA_REFUSE, NULL, "labeled IPsec is " NOT_AGREED },
};

static bool is_yes(const char *v)
{
	static const char *const w[] = { "yes", "y", "true", "on", "1", "insist", "propose", "permit" };

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (strcasecmp(v, w[i]) == 0)
			return true;
	return false;
}

static bool is_no(const char *v)
{
	static const char *const w[] = { "no", "n", "false", "off", "0", "never" };

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (strcasecmp(v, w[i]) == 0)
			return true;
	return false;
}

static bool matches(const struct rule *r, const char *key, const char *v)
{
	if (strcmp(r->key, key) != 0)
		return false;
	switch (r->m) {
	case YES: return is_yes(v);
	case NO: return is_no(v);
	case IS: return strcmp(v, r->value) == 0;
	default: return true;
	}
}

/* authby=secret|rsasig (either method): the PSK is all mcvpn has. */
static bool authby_with_secret(const char *key, const char *v)
{
	char buf[128];
	char *save = NULL;

	if (strcmp(key, "authby") || strcmp(v, "secret") == 0 || strlen(v) >= sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *t = strtok_r(buf, "|, ", &save); t; t = strtok_r(NULL, "|, ", &save))
		if (strcmp(t, "secret") == 0)
			return true;
	return false;
}

/* leftupdown= with libreswan's own script (or none) does what mcvpn does. */
static bool default_updown(const char *v)
{
	return !*v || strcmp(v, "%disabled") == 0 || strstr(v, "_updown") != NULL;
}

static const struct rule authby_rule = { "authby", ANY, NULL, IA_CHANGE, "secret",
					 "mcvpn takes one method per conn, and the pre-shared key is there" };
static const struct rule updown_rule = { "leftupdown", ANY, NULL, IA_DROP, NULL,
					 "libreswan's own script: mcvpnd sets up the device and routes itself" };
static const struct rule custom_updown_rule = { "leftupdown", ANY, NULL, IA_KEEP, NULL,
	"mcvpnd runs it on up, rekey and down without a shell, with libreswan's PLUTO_* "
	"variables (PLUTO_VERB up-client, down-client; rekey-client is mcvpn's): check that it "
	"needs no other" };

/* A script of the operator's that mcvpnd cannot run as written (a shell
 * line, a relative path): its reason, in a buffer of its own. */
static const struct rule *unrunnable_updown(const char *v)
{
	static char why[300];
	static struct rule r = { "leftupdown", ANY, NULL, IA_WARN, NULL, why };
	struct conf_command c;
	char reason[160];

	if (conf_command_parse(v, &c, reason, sizeof(reason)) == 0)
		return NULL;
	snprintf(why, sizeof(why), "%s; then set updown= by hand (mcvpn.conf(5), HOOK)", reason);
	return &r;
}
/* libreswan's leftcert= names a certificate in its NSS database; mcvpn
 * reads PEM files: the name of the file to export it to, and how. */
bool import_cert_nickname(const char *v)
{
	static const char *const suffix[] = { ".pem", ".crt", ".cer", ".der" };
	size_t n = strlen(v);

	if (strchr(v, '/') || !*v || n > 100 || strchr(v, '\''))
		return false;
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			return false;
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++)
		if (n > strlen(suffix[i]) && !strcmp(v + n - strlen(suffix[i]), suffix[i]))
			return false;
	return true;
}

/* The nickname as a file name: what is not a letter, digit, '.', '-' or
 * '_' becomes '_' (an NSS nickname may hold blanks). */
void import_nick_file(const char *nick, char *out, size_t len)
{
	size_t i = 0;

	for (; nick[i] && i + 1 < len; i++)
		out[i] = (isalnum((unsigned char)nick[i]) || strchr(".-_", nick[i])) ? nick[i] : '_';
	out[i] = '\0';
}

static const struct rule *cert_rule(const char *key, const char *v)
{
	static char to[200], why[400];
	static struct rule r = { "leftcert", ANY, NULL, IA_CHANGE, to, why };
	char file[128];

	if ((strcmp(key, "leftcert") && strcmp(key, "rightcert")) || !import_cert_nickname(v))
		return NULL;
	import_nick_file(v, file, sizeof(file));
	snprintf(to, sizeof(to), "/etc/mcvpn.d/%s.pem", file);
	snprintf(why, sizeof(why), "libreswan names the certificate in its NSS database, mcvpn reads "
		 "PEM files: export it with certutil -L -d sql:/var/lib/ipsec/nss -n '%s' -a > %s", v, to);
	return &r;
}

/* leftca=/rightca= as libreswan writes them (%same, %any, a CA's DN: names
 * in its NSS database) -> the PEM file to export the CA to. */
static const struct rule ca_rule = { "rightca", ANY, NULL, IA_CHANGE, "/etc/mcvpn.d/ca.pem",
	"libreswan names the CA in its NSS database, mcvpn reads PEM files: export the CA "
	"certificate with certutil -L -d sql:/var/lib/ipsec/nss -n CANICK -a > /etc/mcvpn.d/ca.pem" };

static const struct rule comment_rule = { "x-", ANY, NULL, IA_DROP, NULL, "a comment key" };
static const struct rule empty_rule = { NULL, ANY, NULL, IA_DROP, NULL,
					"empty value (libreswan reads it as unset)" };
static const struct rule unknown_rule = { NULL, ANY, NULL, IA_REFUSE, NULL,
	"neither mcvpn nor this importer knows it: what it meant cannot be carried over" };

const struct import_rule *import_rule_for(const char *key, const char *value, bool mcvpn_knows_it)
{
	static struct import_rule out;
	const struct rule *r = NULL;

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]) && !r; i++)
		if (matches(&rules[i], key, value))
			r = &rules[i];
	if (!r && authby_with_secret(key, value))
		r = &authby_rule;
	if (!r)
		r = cert_rule(key, value);
	if (!r && (!strcmp(key, "leftca") || !strcmp(key, "rightca")) &&
	    (value[0] == '%' || (strchr(value, '=') && !strchr(value, '/'))))
		r = &ca_rule;
	if (!r && (!strcmp(key, "leftupdown") || !strcmp(key, "rightupdown"))) {
		r = default_updown(value) ? &updown_rule : unrunnable_updown(value);
		r = r ? r : &custom_updown_rule;
	}
	if (!r && (key[0] == 'x' || key[0] == 'X') && (key[1] == '-' || key[1] == '_'))
		r = &comment_rule;
	if (!r && !*value)
		r = &empty_rule;
	if (!r && !mcvpn_knows_it)
		r = &unknown_rule;
	if (!r)
		return NULL;
	out = (struct import_rule){ .act = r->act, .to = r->to, .why = r->why };
	return &out;
}
