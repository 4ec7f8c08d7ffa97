/* SPDX-License-Identifier: Apache-2.0 */
/* config setup: the daemon-wide settings.  mcvpn's own keys are in the
 * table below, each with a parse function into struct conf_setup (and a
 * warning, where a valid value deserves one); libreswan's keys there
 * configure pluto itself and are read with a note saying why mcvpn has no
 * use for them.  Any other key is a problem, as in a conn, and so is one
 * of mcvpn's set twice (in one section or two). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "conf/internal.h"

struct setup_def {
	const char *name;
	/* 0, or -1 with why set to what was expected */
	int (*parse)(struct conf_setup *s, const char *v, char *why, size_t wl);
	/* a static warning about a valid value, or NULL */
	const char *(*warn)(const struct conf_setup *s);
};

/* Decimal 1-65535, nothing else. */
static int port_parse(const char *p, uint16_t *port)
{
	unsigned v = 0;

	if (!*p || strlen(p) > 5)
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* metrics-listen=ADDR:PORT, [IPV6]:PORT or no. */
static int s_metrics_listen(struct conf_setup *s, const char *v, char *why, size_t wl)
{
	struct sockaddr_storage *ss = &s->metrics_listen;
	char addr[INET6_ADDRSTRLEN + 1];
	const char *colon, *start = v;
	size_t alen;
	uint16_t port;

	memset(ss, 0, sizeof(*ss));
	if (strcmp(v, "no") == 0)
		return 0;
	if (v[0] == '[') {
		const char *close = strchr(v, ']');
		start = v + 1;
		colon = close && close[1] == ':' ? close + 1 : NULL;
		alen = close ? (size_t)(close - start) : 0;
	} else {
		colon = strrchr(v, ':');
		alen = colon ? (size_t)(colon - v) : 0;
		if (colon && memchr(v, ':', alen)) {
			snprintf(why, wl, "an IPv6 address goes in brackets, as in [::1]:9447");
			return -1;
		}
	}
	if (!colon || !alen || alen >= sizeof(addr)) {
		snprintf(why, wl, "expected ADDRESS:PORT (127.0.0.1:9447, [::1]:9447) or no");
		return -1;
	}
	if (port_parse(colon + 1, &port) < 0) {
		snprintf(why, wl, "expected a port from 1 to 65535 after the last ':'");
		return -1;
	}
	memcpy(addr, start, alen);
	addr[alen] = '\0';
	if (v[0] == '[') {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) != 1)
			goto bad_addr;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
			goto bad_addr;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
	}
	return 0;
bad_addr:
	memset(ss, 0, sizeof(*ss));
	snprintf(why, wl, "expected an IPv4 address, or an IPv6 address in brackets, before the port "
		 "(names are not resolved)");
	return -1;
}

static bool loopback(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET)
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	return ss->ss_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
}

static const char *w_metrics_listen(const struct conf_setup *s)
{
	if (!s->metrics_listen.ss_family || loopback(&s->metrics_listen))
		return NULL;
	return "not a loopback address: anyone who reaches it reads the conns' names, peers' "
	       "states and counters (no authentication; keep it to loopback or firewall it)";
}

/* mcvpn's own config setup keys. */
static const struct setup_def setup_keys[] = {
	{ "metrics-listen", s_metrics_listen, w_metrics_listen },
	{ NULL, NULL, NULL },
};
_Static_assert(sizeof(setup_keys) / sizeof(setup_keys[0]) <= SETUP_KEYS_MAX + 1,
	       "room in struct loader for every config setup key");

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

/* One of mcvpn's keys: set once, parsed, maybe warned about. */
static void own_key(struct loader *ld, const struct cf_key *k, size_t i)
{
	const struct setup_def *d = &setup_keys[i];
	const char *warning;
	char reason[256];

	if (ld->setup_line[i]) {
		bool same = strcmp(ld->setup_file[i], k->file) == 0;
		diag_add(ld, k->file, k->line, "duplicate key '%s' in config setup (first set at %s%sline %d)",
			 k->key, same ? "" : ld->setup_file[i], same ? "" : " ", ld->setup_line[i]);
		return;
	}
	ld->setup_line[i] = k->line;
	ld->setup_file[i] = k->file;
	if (!*k->value)
		snprintf(reason, sizeof(reason), "empty value");
	else if (d->parse(&ld->setup, k->value, reason, sizeof(reason)) == 0) {
		if (d->warn && (warning = d->warn(&ld->setup)))
			diag_note(ld, CONF_WARNING, k->file, k->line, "config setup: %s=%.80s: %s", k->key,
				  k->value, warning);
		return;
	}
	diag_add(ld, k->file, k->line, "config setup: %s=%.80s: %s", k->key, k->value, reason);
}

static void setup_key(struct loader *ld, const struct cf_key *k)
{
	const char *why;

	for (size_t i = 0; setup_keys[i].name; i++)
		if (strcmp(setup_keys[i].name, k->key) == 0) {
			own_key(ld, k, i);
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
