/* config setup: the daemon-wide settings.  mcvpn has none of its own yet
 * (their table below is where they go, each with a parse function into
 * struct conf_setup); libreswan's keys there configure pluto itself and
 * are read with a note saying why mcvpn has no use for them.  Any other
 * key is a problem, as in a conn. */
#include <stdio.h>
#include <string.h>

#include "conf/internal.h"

struct setup_def {
	const char *name;
	int (*parse)(struct conf_setup *s, const char *v, char *why, size_t wl);
};

/* mcvpn's own config setup keys. */
static const struct setup_def setup_keys[] = {
	{ NULL, NULL },
};

/* libreswan's config setup keys (4.x and 5.x, and FreeS/WAN's that old
 * files still carry), with what mcvpn does instead. */
static const struct { const char *name, *why; } libreswan_setup[] = {
	{ "logfile", "mcvpnd logs to the journal (to stderr with --foreground)" },
	{ "plutostderrlog", "mcvpnd logs to the journal (to stderr with --foreground)" },
	{ "logtime", "the journal stamps every line" },
	{ "logappend", "mcvpnd logs to the journal" },
	{ "logip", "mcvpnd logs peer addresses" },
	{ "logstderr", "mcvpnd logs to the journal (to stderr with --foreground)" },
	{ "audit-log", "mcvpnd logs to the journal" },
	{ "syslog", "mcvpnd logs to the journal" },
	{ "plutodebug", "use mcvpnd --debug" },
	{ "klipsdebug", "mcvpn has no kernel IPsec" },
	{ "protostack", "mcvpn carries ESP in user space over a TUN device" },
	{ "interfaces", "mcvpnd binds to the left= addresses" },
	{ "listen", "mcvpnd binds to the left= addresses" },
	{ "listen-udp", "mcvpnd always listens on UDP 500 and 4500" },
	{ "listen-tcp", "mcvpn has no IKE over TCP" },
	{ "uniqueids", "mcvpn keeps one IKE SA per conn" },
	{ "virtual-private", "mcvpn joins two sites; no remote-access clients" },
	{ "virtual_private", "mcvpn joins two sites; no remote-access clients" },
	{ "nat_traversal", "mcvpn always uses NAT traversal (UDP 4500)" },
	{ "keep-alive", "the interval is nat-keepalive= of each conn (20s by default)" },
	{ "nhelpers", "mcvpnd does its crypto in its own threads" },
	{ "seedbits", "mcvpn takes its randomness from OpenSSL" },
	{ "ikev1-policy", "mcvpn speaks only IKEv2" },
	{ "ikev1-secctx-attr-type", "mcvpn speaks only IKEv2" },
	{ "secctx-attr-type", "mcvpn has no labeled IPsec" },
	{ "myvendorid", "mcvpn sends no vendor ID" },
	{ "dnssec-enable", "mcvpn resolves no names" },
	{ "dnssec-rootkey-file", "mcvpn resolves no names" },
	{ "dnssec-anchors", "mcvpn resolves no names" },
	{ "dns-resolver", "mcvpn resolves no names" },
	{ "dumpdir", "mcvpnd makes no core dumps: they could hold keys" },
	{ "ipsecdir", "mcvpnd reads its own directory, /etc/mcvpn.d" },
	{ "nssdir", "mcvpn uses no NSS database (pre-shared keys only)" },
	{ "secretsfile", "mcvpnd reads every *.secrets file of its directory" },
	{ "statsbin", "see mcvpnctl status" },
	{ "shuntlifetime", "mcvpn has no shunts" },
	{ "expire-shunt-interval", "mcvpn has no shunts" },
	{ "global-redirect", "mcvpn does not redirect" },
	{ "global-redirect-to", "mcvpn does not redirect" },
	{ "crl-strict", "mcvpn uses no certificates" },
	{ "strictcrlpolicy", "mcvpn uses no certificates" },
	{ "crlcheckinterval", "mcvpn uses no certificates" },
	{ "curl-iface", "mcvpn uses no certificates" },
	{ "curl-timeout", "mcvpn uses no certificates" },
	{ "ocsp-strict", "mcvpn uses no certificates" },
	{ "ocsp-enable", "mcvpn uses no certificates" },
	{ "ocsp-uri", "mcvpn uses no certificates" },
	{ "ocsp-timeout", "mcvpn uses no certificates" },
	{ "ocsp-trustname", "mcvpn uses no certificates" },
	{ "ocsp-cache-size", "mcvpn uses no certificates" },
	{ "ocsp-cache-min-age", "mcvpn uses no certificates" },
	{ "ocsp-cache-max-age", "mcvpn uses no certificates" },
	{ "ocsp-method", "mcvpn uses no certificates" },
	{ "ddos-mode", "mcvpnd answers with COOKIEs past a fixed number of half-open IKE SAs" },
	{ "ddos-ike-threshold", "mcvpnd answers with COOKIEs past a fixed number of half-open IKE SAs" },
	{ "max-halfopen-ike", "mcvpnd answers with COOKIEs past a fixed number of half-open IKE SAs" },
	{ "ike-socket-bufsize", "mcvpnd sizes its sockets itself" },
	{ "ike-socket-errqueue", "mcvpnd sizes its sockets itself" },
	{ "nflog-all", "mcvpn does not log to NFLOG" },
	{ "xfrmlifetime", "mcvpn uses no XFRM" },
	{ "ipsec-interface-managed", "mcvpnd creates and removes its TUN devices itself" },
	{ "seccomp", "systemd confines mcvpnd (see packaging/mcvpnd.service)" },
	{ "drop-oppo-null", "mcvpn has no opportunistic encryption" },
	{ "oe", "mcvpn has no opportunistic encryption" },
	{ "fragicmp", "mcvpn has no KLIPS" },
	{ "hidetos", "mcvpn has no KLIPS" },
	{ "overridemtu", "mcvpnd sets the tunnel device's MTU itself" },
	{ "plutorestartoncrash", "systemd restarts mcvpnd" },
	{ "plutoopts", "see mcvpnd(8) for its options" },
	{ "plutofork", "mcvpnd runs under systemd" },
	{ "plutostderrlogtime", "the journal stamps every line" },
};

static const char *libreswan_why(const char *key)
{
	for (size_t i = 0; i < sizeof(libreswan_setup) / sizeof(libreswan_setup[0]); i++)
		if (strcmp(libreswan_setup[i].name, key) == 0)
			return libreswan_setup[i].why;
	return NULL;
}

const char *setup_libreswan_why(const char *key)
{
	return libreswan_why(key);
}

static void setup_key(struct loader *ld, const struct cf_key *k)
{
	const char *why;
	char reason[256];

	for (const struct setup_def *d = setup_keys; d->name; d++)
		if (strcmp(d->name, k->key) == 0) {
			if (d->parse(&ld->setup, k->value, reason, sizeof(reason)) < 0)
				diag_add(ld, k->file, k->line, "config setup: %s=%.80s: %s", k->key, k->value,
					 reason);
			return;
		}
	why = libreswan_why(k->key);
	if (why)
		diag_note(ld, CONF_NOTE, k->file, k->line, "config setup: %s= is libreswan's: ignored: %s",
			  k->key, why);
	else
		diag_add(ld, k->file, k->line, "unknown key '%s' in config setup", k->key);
}

void setup_section(struct loader *ld, const struct cf_unit *u, const struct cf_section *s)
{
	if (!ld->setup.line) {
		snprintf(ld->setup.file, sizeof(ld->setup.file), "%s", s->file);
		ld->setup.line = s->line;
	}
	for (size_t i = 0; i < s->n_keys; i++)
		setup_key(ld, &u->keys[s->first_key + i]);
}
