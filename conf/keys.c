/* SPDX-License-Identifier: Apache-2.0 */
/* The one table of conn keys mcvpn knows: each key's parse function turns
 * the text into typed fields of struct conf_conn, or says what it expected.
 * libreswan keys mcvpn does not implement yet are listed so the message can
 * say so instead of "unknown key". */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "conf/internal.h"
#include "crypto/sig.h"

#define WHY_LEN 256

/* Returns 0, or -1 with why set to what was expected. */
typedef int (*key_fn)(struct conn_build *cb, const char *v, char *why, size_t wl);

struct key_def {
	const char *name;
	enum key_id id;
	key_fn parse;
};

static int yes_no(const char *v, bool *out, char *why, size_t wl)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0) {
		*out = v[0] == 'y';
		return 0;
	}
	snprintf(why, wl, "expected yes or no");
	return -1;
}

/* Decimal or 0x hex, no sign, fits in 32 bits. */
static int u32_parse(const char *s, uint32_t *out)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	unsigned base = hex ? 16 : 10;
	uint64_t v = 0;

	if (hex)
		s += 2;
	if (!*s)
		return -1;
	for (; *s; s++) {
		int d = (*s >= '0' && *s <= '9') ? *s - '0' :
			(hex && *s >= 'a' && *s <= 'f') ? *s - 'a' + 10 :
			(hex && *s >= 'A' && *s <= 'F') ? *s - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * base + (unsigned)d;
		if (v > UINT32_MAX)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* left=/right=: an address, or %defaultroute (this host's end, at the
 * address of the default route's source: see ends.c). */
static int end_addr(struct end_build *e, const char *v, char *why, size_t wl)
{
	const char *expect;

	if (strcmp(v, "%defaultroute") == 0) {
		e->kind = END_DEFAULTROUTE;
		return 0;
	}
	if (addr_parse(v, &e->addr, &expect) == 0) {
		e->kind = END_IP;
		return 0;
	}
	if (v[0] == '%')
		snprintf(why, wl, "expected an IP address or %%defaultroute (%%any and the other %% forms "
			 "are not supported: mcvpn needs both ends' addresses)");
	else
		snprintf(why, wl, "expected %s", expect);
	return -1;
}

static int k_left(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return end_addr(&cb->end[0], v, why, wl);
}

static int k_right(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return end_addr(&cb->end[1], v, why, wl);
}

/* leftid=: an ID (addr.c), or with certificates %fromcert (this host's:
 * its certificate's subject; the peer's: whatever its certificate names)
 * or %any (the peer's).  Which end is whose is known later: certs.c
 * checks them. */
static int id_key(struct end_build *e, const char *v, char *why, size_t wl)
{
	const char *expect;

	if (strcmp(v, "%fromcert") == 0 || strcmp(v, "%any") == 0) {
		memset(&e->id, 0, sizeof(e->id));
		e->id.type = CONF_ID_ANY;
		snprintf(e->id.text, sizeof(e->id.text), "%s", v);
		e->id_kind = v[1] == 'f' ? ID_FROMCERT : ID_ANY;
		return 0;
	}
	if (id_parse(v, &e->id, &expect) == 0) {
		e->id_kind = ID_GIVEN;
		return 0;
	}
	snprintf(why, wl, "expected %s", expect);
	return -1;
}

static int k_leftid(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return id_key(&cb->end[0], v, why, wl);
}

static int k_rightid(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return id_key(&cb->end[1], v, why, wl);
}

/* leftcert=, leftca=: a file, read once the ends are known (certs.c);
 * kept as written. */
static int path_key(char *out, size_t len, const char *v, char *why, size_t wl)
{
	if (strlen(v) >= len) {
		snprintf(why, wl, "expected a file name of fewer than %zu characters", len);
		return -1;
	}
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f || *p == '"') {
			snprintf(why, wl, "expected a file name without quotes or control characters");
			return -1;
		}
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

static int k_leftcert(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return path_key(cb->end[0].cert, sizeof(cb->end[0].cert), v, why, wl);
}

static int k_rightcert(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return path_key(cb->end[1].cert, sizeof(cb->end[1].cert), v, why, wl);
}

/* leftca=, rightca=: a PEM file of CA certificates.  libreswan's values
 * name CAs in its NSS database: %same, %any, or the CA's distinguished
 * name. */
static int ca_key(char *out, size_t len, const char *v, char *why, size_t wl)
{
	if (v[0] == '%' || (strchr(v, '=') && !strchr(v, '/'))) {
		snprintf(why, wl, "libreswan names the CA in its NSS database; mcvpn reads the CA "
			 "certificates from a PEM file: export it (certutil -L -d sql:/var/lib/ipsec/nss "
			 "-n CANICK -a > /etc/mcvpn.d/ca.pem) and name that file");
		return -1;
	}
	return path_key(out, len, v, why, wl);
}

static int k_leftca(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return ca_key(cb->end[0].ca, sizeof(cb->end[0].ca), v, why, wl);
}

static int k_rightca(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return ca_key(cb->end[1].ca, sizeof(cb->end[1].ca), v, why, wl);
}

/* A key whose value is one of a few words: the value the word v stands
 * for (0, *out set), or -1 with why "expected EXPECT". */
struct word {
	const char *name;
	int value;
};
#define WORDS(t) t, sizeof(t) / sizeof(t[0])

static int word_of(const char *v, const struct word *w, size_t n, const char *expect, int *out,
		   char *why, size_t wl)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v, w[i].name) == 0) {
			*out = w[i].value;
			return 0;
		}
	snprintf(why, wl, "expected %s", expect);
	return -1;
}

/* leftsendcert=: libreswan's and strongSwan's spellings. */
static int sendcert(struct end_build *e, const char *v, char *why, size_t wl)
{
	static const struct word t[] = {
		{ "always", CONF_SENDCERT_ALWAYS }, { "yes", CONF_SENDCERT_ALWAYS },
		{ "alwayssend", CONF_SENDCERT_ALWAYS }, { "ifasked", CONF_SENDCERT_IFASKED },
		{ "sendifasked", CONF_SENDCERT_IFASKED }, { "never", CONF_SENDCERT_NEVER },
		{ "no", CONF_SENDCERT_NEVER },
	};
	int x;

	if (word_of(v, WORDS(t), "always, ifasked or never", &x, why, wl))
		return -1;
	e->sendcert = (enum conf_sendcert)x;
	return 0;
}

static int k_leftsendcert(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return sendcert(&cb->end[0], v, why, wl);
}

static int k_rightsendcert(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return sendcert(&cb->end[1], v, why, wl);
}

/* leftsubnet= (a comma list) or leftsubnets= (blanks or commas, braces
 * removed by the lexer): selectors as written, or refused, never widened. */
static int subnets(struct end_build *e, const char *v, char *why, size_t wl)
{
	char list[512];
	size_t n = 0;

	if (e->n_subnet) {
		snprintf(why, wl, "leftsubnet= and leftsubnets= (or their right... twins) are one or the "
			 "other (libreswan refuses both too)");
		return -1;
	}
	for (const char *p = v; *p && n + 1 < sizeof(list); p++)
		if (*p != ' ' && *p != '\t')
			list[n++] = *p;
		else if (n && list[n - 1] != ',')
			list[n++] = ',';
	while (n && list[n - 1] == ',')
		n--;
	list[n] = '\0';
	for (const char *p = list; *p; p += strcspn(p, ","), p += *p == ',') {
		size_t len = strcspn(p, ","), slashes = 0;

		for (size_t i = 0; i < len; i++)
			slashes += p[i] == '/';
		if (slashes > 1) {
			snprintf(why, wl, "protocol/port selectors are not supported by mcvpn (leaving them "
				 "out would widen the selectors)");
			return -1;
		}
	}
	return prefix_list_parse(list, e->subnet, CONF_MAX_SUBNETS, &e->n_subnet, why, wl);
}

static int k_leftsubnet(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return subnets(&cb->end[0], v, why, wl);
}

static int k_rightsubnet(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return subnets(&cb->end[1], v, why, wl);
}

/* leftvti= / leftinterface-ip=: the device's address when this end is local. */
static int vti(struct end_build *e, const char *v, char *why, size_t wl)
{
	const char *expect;

	if (prefix_parse(v, &e->vti, &expect) < 0) {
		snprintf(why, wl, "expected %s", expect);
		return -1;
	}
	e->has_vti = true;
	e->vti_bare = !strchr(v, '/');
	return 0;
}

static int k_leftvti(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return vti(&cb->end[0], v, why, wl);
}

static int k_rightvti(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return vti(&cb->end[1], v, why, wl);
}

/* leftnexthop=: %defaultroute and %direct say what mcvpn does (IKE and ESP
 * follow the host's routes); an address is checked in ends.c, once it is
 * known which end is this host's. */
static int nexthop(struct end_build *e, const char *v, char *why, size_t wl)
{
	const char *expect;

	if (strcmp(v, "%defaultroute") == 0 || strcmp(v, "%direct") == 0)
		return 0;
	if (addr_parse(v, &e->nexthop, &expect) == 0)
		return 0;
	snprintf(why, wl, "expected %%defaultroute, %%direct or an address");
	return -1;
}

static int k_leftnexthop(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return nexthop(&cb->end[0], v, why, wl);
}

static int k_rightnexthop(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return nexthop(&cb->end[1], v, why, wl);
}

/* authby=: one method of libreswan's list (ipsec.conf(5)), or a comma list
 * of signature methods: the key types and hashes each allows, united. */
static const struct {
	const char *name;
	uint8_t keys;		/* CONF_SIGKEY_*; 0: secret */
	uint8_t hashes;		/* 1 << enum sig_hash */
} authby_methods[] = {
#define SHA2 SIG_SHA2_SET
	{ "secret", 0, 0 }, { "psk", 0, 0 },
	{ "rsasig", CONF_SIGKEY_RSA, SHA2 }, { "rsa", CONF_SIGKEY_RSA, SHA2 },
	{ "rsa-sha2", CONF_SIGKEY_RSA, SHA2 },
	{ "rsa-sha2_256", CONF_SIGKEY_RSA, 1u << SIG_SHA256 },
	{ "rsa-sha2_384", CONF_SIGKEY_RSA, 1u << SIG_SHA384 },
	{ "rsa-sha2_512", CONF_SIGKEY_RSA, 1u << SIG_SHA512 },
	{ "ecdsa", CONF_SIGKEY_ECDSA, SHA2 }, { "ecdsa-sha2", CONF_SIGKEY_ECDSA, SHA2 },
	{ "ecdsa-sha2_256", CONF_SIGKEY_ECDSA, 1u << SIG_SHA256 },
	{ "ecdsa-sha2_384", CONF_SIGKEY_ECDSA, 1u << SIG_SHA384 },
	{ "ecdsa-sha2_512", CONF_SIGKEY_ECDSA, 1u << SIG_SHA512 },
	/* strongSwan's words for the same */
	{ "pubkey", CONF_SIGKEY_RSA | CONF_SIGKEY_ECDSA, SHA2 }, { "ecdsasig", CONF_SIGKEY_ECDSA, SHA2 },
#undef SHA2
};

/* Why a method of libreswan's (or strongSwan's) is refused, or NULL. */
static const char *authby_refused(const char *m)
{
	if (!strcmp(m, "rsa-sha1"))
		return "SHA-1 signatures are not accepted (RFC 8247); use rsasig (RSA with SHA-2)";
	if (!strcmp(m, "null"))
		return "NULL authentication (RFC 7619) is not supported by mcvpn: it authenticates no one";
	if (!strcmp(m, "never"))
		return "never is for conns that do not negotiate (passthrough), which mcvpn has not";
	if (!strcmp(m, "eddsa"))
		return "EdDSA signatures are not supported by mcvpn (rsasig or ecdsa)";
	if (!strcmp(m, "xauthpsk") || !strcmp(m, "xauthrsasig"))
		return "XAUTH is IKEv1's; mcvpn speaks only IKEv2";
	return NULL;
}

static int authby_one(const char *m, struct conn_build *cb, bool *secret, char *why, size_t wl)
{
	const char *bad = authby_refused(m);

	for (size_t i = 0; !bad && i < sizeof(authby_methods) / sizeof(authby_methods[0]); i++) {
		if (strcmp(m, authby_methods[i].name))
			continue;
		*secret |= authby_methods[i].keys == 0;
		cb->c.sig_keys |= authby_methods[i].keys;
		cb->c.sig_hashes |= authby_methods[i].hashes;
		return 0;
	}
	if (bad)
		snprintf(why, wl, "%s: %s", m, bad);
	else
		snprintf(why, wl, "%.40s: expected secret, rsasig, ecdsa, rsa-sha2_256 (_384, _512), "
			 "ecdsa-sha2_256 (_384, _512) or a comma list of the signature methods", m);
	return -1;
}

static int k_authby(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	char m[32];
	bool secret = false;
	size_t n = 0;

	cb->c.sig_keys = cb->c.sig_hashes = 0;
	for (const char *p = v;; p += n + 1) {
		p += strspn(p, " \t");
		n = strcspn(p, ",");
		memcpy(m, p, n < sizeof(m) ? n : sizeof(m) - 1);
		m[n < sizeof(m) ? n : sizeof(m) - 1] = '\0';
		for (size_t e = strlen(m); e > 0 && (m[e - 1] == ' ' || m[e - 1] == '\t'); e--)
			m[e - 1] = '\0';
		if (!m[0]) {
			snprintf(why, wl, "expected a method or a comma list of them, without empty items");
			return -1;
		}
		if (authby_one(m, cb, &secret, why, wl) < 0)
			return -1;
		if (!p[n])
			break;
	}
	if (secret && cb->c.sig_keys) {
		snprintf(why, wl, "a shared secret and signatures cannot be mixed (libreswan refuses "
			 "it too): one or the other");
		return -1;
	}
	cb->c.authby = secret ? CONF_AUTHBY_SECRET : CONF_AUTHBY_SIG;
	return 0;
}

static int k_auto(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	static const char *const names[] = {
		[CONF_AUTO_IGNORE] = "ignore", [CONF_AUTO_ADD] = "add", [CONF_AUTO_START] = "start",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(v, names[i]) == 0) {
			cb->c.autostart = (enum conf_auto)i;
			return 0;
		}
	if (strcmp(v, "ondemand") == 0 || strcmp(v, "route") == 0)
		snprintf(why, wl, "auto=%s is not supported by mcvpn (use start or add)", v);
	else
		snprintf(why, wl, "expected start, add or ignore");
	return -1;
}

/* mcvpn speaks only IKEv2, so every value that allows IKEv2 is taken as
 * "IKEv2 only" (propose/permit included); the ones that forbid it are refused. */
static int k_ikev2(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	static const char *const ok[] = { "insist", "yes", "propose", "permit" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(v, ok[i]) == 0)
			return 0;
	if (strcmp(v, "no") == 0 || strcmp(v, "never") == 0)
		snprintf(why, wl, "mcvpn speaks only IKEv2; IKEv1 is not supported (use ikev2=insist)");
	else
		snprintf(why, wl, "expected insist or yes");
	return -1;
}

static int k_keyexchange(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	if (strcmp(v, "ike") == 0 || strcmp(v, "ikev2") == 0)
		return 0;
	if (strcmp(v, "ikev1") == 0)
		snprintf(why, wl, "mcvpn speaks only IKEv2; IKEv1 is not supported");
	else
		snprintf(why, wl, "expected ike or ikev2");
	return -1;
}

static int k_type(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	if (strcmp(v, "tunnel") == 0)
		return 0;
	if (!strcmp(v, "transport") || !strcmp(v, "passthrough") || !strcmp(v, "drop") ||
	    !strcmp(v, "reject"))
		snprintf(why, wl, "type=%s is not supported by mcvpn (only tunnel)", v);
	else
		snprintf(why, wl, "expected tunnel");
	return -1;
}

static int k_ike(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return algs_parse_ike(v, cb->c.ike, &cb->c.n_ike, why, wl);
}

static int k_esp(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return algs_parse_esp(v, cb->c.esp, &cb->c.n_esp, why, wl);
}

static int k_pfs(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return yes_no(v, &cb->pfs, why, wl);
}

/* mcvpn's data plane carries ESP only in UDP (RFC 3948), so encapsulation is
 * always forced: yes and auto are accepted, no cannot be honoured. */
static int k_encapsulation(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "auto") == 0) {
		cb->c.encapsulation = true;
		return 0;
	}
	if (strcmp(v, "no") == 0)
		snprintf(why, wl, "mcvpn always carries ESP in UDP 4500 (no kernel ESP); "
			 "use yes or auto");
	else
		snprintf(why, wl, "expected yes or auto");
	return -1;
}

/* mark=N or N/MASK, each decimal or 0x hex; the mask defaults to 0xffffffff. */
static int k_mark(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	char num[24];
	const char *slash = strchr(v, '/');
	size_t len = slash ? (size_t)(slash - v) : strlen(v);

	cb->c.mark_mask = 0xffffffff;
	snprintf(why, wl, "expected N or N/MASK (decimal or 0x hex, 32 bits), e.g. 5/0xffffffff");
	if (len >= sizeof(num))
		return -1;
	memcpy(num, v, len);
	num[len] = '\0';
	if (u32_parse(num, &cb->c.mark) < 0 || (slash && u32_parse(slash + 1, &cb->c.mark_mask) < 0))
		return -1;
	if (cb->c.mark & ~cb->c.mark_mask) {
		snprintf(why, wl, "the mark has bits outside its mask");
		return -1;
	}
	cb->c.has_mark = true;
	return 0;
}

/* A Linux interface name: 1-15 bytes, no '/', ':' or whitespace, not "." or "..". */
static int k_vti_interface(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	size_t len = strlen(v);

	snprintf(why, wl, "expected an interface name of 1 to %d characters without '/', ':' or spaces",
		 IFNAMSIZ - 1);
	if (len == 0 || len >= IFNAMSIZ || !strcmp(v, ".") || !strcmp(v, ".."))
		return -1;
	for (const char *c = v; *c; c++)
		if (*c <= ' ' || *c == '/' || *c == ':' || *c == 0x7f)
			return -1;
	memcpy(cb->c.vti_interface, v, len + 1);
	return 0;
}

/* ipsec-interface=yes|no|N: libreswan's XFRM device ipsecN (yes: 1) as a TUN of that name. */
static int k_ipsec_interface(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	uint32_t n = 1;

	if (strcmp(v, "no") == 0) {
		cb->ipsec_interface[0] = '\0';
		return 0;
	}
	if (strcmp(v, "yes") != 0 && (v[strspn(v, "0123456789")] || u32_parse(v, &n) < 0 || n > 99999999)) {
		snprintf(why, wl, "expected yes, no or a device number (ipsec-interface=5: ipsec5)");
		return -1;
	}
	snprintf(cb->ipsec_interface, sizeof(cb->ipsec_interface), "ipsec%u", n);
	return 0;
}

/* keyingtries=%forever|0|N: mcvpn retries auto=start conns forever (see ends.c's note). */
static int k_keyingtries(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	uint32_t n;

	if (strcmp(v, "%forever") == 0 || (v[strspn(v, "0123456789")] == '\0' && u32_parse(v, &n) == 0))
		return 0;
	snprintf(why, wl, "expected %%forever or a number");
	return -1;
}

static int k_vti_routing(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return yes_no(v, &cb->c.vti_routing, why, wl);
}

/* libreswan durations: a number with an optional s, m, h or d suffix
 * (plain number: seconds); mcvpn takes 1 s up to 24 h. */
static int lifetime(const char *v, uint32_t *out, char *why, size_t wl)
{
	static const struct { char unit; uint32_t mult; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	uint32_t n, mult = 1;
	char num[16];
	size_t len = strlen(v);

	snprintf(why, wl, "expected a duration such as 3600s, 60m, 8h or 1d (at most 24h)");
	if (len == 0 || len >= sizeof(num))
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (v[len - 1] == units[i].unit) {
			mult = units[i].mult;
			len--;
			break;
		}
	memcpy(num, v, len);
	num[len] = '\0';
	if (len == 0 || num[strspn(num, "0123456789")] != '\0' || u32_parse(num, &n) < 0)
		return -1;
	if (n == 0 || (uint64_t)n * mult > 86400) {
		snprintf(why, wl, n ? "at most 24h (86400s)" : "must be more than 0");
		return -1;
	}
	*out = n * mult;
	return 0;
}

static int k_ikelifetime(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return lifetime(v, &cb->c.ikelifetime, why, wl);
}

static int k_salifetime(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return lifetime(v, &cb->c.salifetime, why, wl);
}

static int k_rekey(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return yes_no(v, &cb->c.rekey, why, wl);
}

static int k_rekeymargin(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return lifetime(v, &cb->c.rekeymargin, why, wl);
}

/* rekeyfuzz=N%: libreswan's percentage of rekeymargin added at random. */
static int k_rekeyfuzz(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	char num[16];
	size_t len = strlen(v);
	uint32_t n;

	snprintf(why, wl, "expected a percentage such as 100%%, from 0%% to 1000%%");
	if (len < 2 || v[len - 1] != '%' || len - 1 >= sizeof(num))
		return -1;
	memcpy(num, v, len - 1);
	num[len - 1] = '\0';
	if (num[strspn(num, "0123456789")] != '\0' || u32_parse(num, &n) < 0 || n > 1000)
		return -1;
	cb->c.rekeyfuzz = n;
	return 0;
}

/* dpddelay=0 turns liveness checks off; otherwise a duration. */
static int k_dpddelay(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	if (strcmp(v, "0") == 0 || strcmp(v, "0s") == 0) {
		cb->c.dpddelay = 0;
		return 0;
	}
	return lifetime(v, &cb->c.dpddelay, why, wl);
}

/* nat-keepalive=yes|no as libreswan, or the interval (libreswan sets it for
 * all conns with keep-alive= in config setup). */
static int k_nat_keepalive(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	if (strcmp(v, "yes") == 0) {
		cb->c.nat_keepalive = 20;
		return 0;
	}
	if (strcmp(v, "no") == 0) {
		cb->c.nat_keepalive = 0;
		return 0;
	}
	if (lifetime(v, &cb->c.nat_keepalive, why, wl) == 0 && cb->c.nat_keepalive <= 3600)
		return 0;
	snprintf(why, wl, "expected yes, no or an interval from 1s to 1h");
	return -1;
}

static int k_dpdtimeout(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return lifetime(v, &cb->c.dpdtimeout, why, wl);
}

static int k_dpdaction(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	static const struct word t[] = {
		{ "restart", CONF_DPD_RESTART }, { "clear", CONF_DPD_CLEAR }, { "hold", CONF_DPD_HOLD },
		{ "restart_by_peer", CONF_DPD_RESTART },	/* libreswan's old name of restart */
	};
	int x;

	if (word_of(v, WORDS(t), "restart, clear or hold", &x, why, wl))
		return -1;
	cb->c.dpdaction = (enum conf_dpdaction)x;
	return 0;
}

static int k_esn(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	static const struct word t[] = {
		{ "no", CONF_ESN_NO }, { "yes", CONF_ESN_YES }, { "either", CONF_ESN_EITHER },
	};
	int x;

	if (word_of(v, WORDS(t), "yes, no or either", &x, why, wl))
		return -1;
	cb->c.esn = (enum conf_esn)x;
	return 0;
}

/* The address of the tunnel device with its prefix: host bits are expected. */
static int k_interface_ip(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	const char *expect;

	if (prefix_parse(v, &cb->c.interface_ip, &expect) < 0) {
		snprintf(why, wl, "expected %s", expect);
		return -1;
	}
	cb->c.has_interface_ip = true;
	cb->interface_ip_bare = !strchr(v, '/');
	return 0;
}

static int k_routes(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return prefix_list_parse(v, cb->c.routes, CONF_MAX_ROUTES, &cb->c.n_routes, why, wl);
}

static int k_routes_replace(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return yes_no(v, &cb->c.routes_replace, why, wl);
}

/* route-metric=N (libreswan's metric=): the metric of the conn's routes,
 * 0 (none: the kernel's default) to 4294967295. */
static int k_route_metric(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	if (v[strspn(v, "0123456789")] == '\0' && u32_parse(v, &cb->c.route_metric) == 0)
		return 0;
	snprintf(why, wl, "expected a metric from 0 to 4294967295 (a lower one wins)");
	return -1;
}

/* route-table=N|main: a routing table by number; 0 is no table and 255 is
 * the kernel's local table. */
static int k_route_table(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	uint32_t n;

	if (strcmp(v, "main") == 0) {
		cb->c.route_table = CONF_TABLE_MAIN;
		return 0;
	}
	if (v[strspn(v, "0123456789")] == '\0' && u32_parse(v, &n) == 0 && n != 0 && n != 255) {
		cb->c.route_table = n;
		return 0;
	}
	snprintf(why, wl, "expected main or a table number from 1 to 4294967295 other than 255 (the "
		 "kernel's local table)");
	return -1;
}

static int k_routes_when_down(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	if (strcmp(v, "keep") == 0 || strcmp(v, "withdraw") == 0) {
		cb->c.routes_when_down = v[0] == 'k' ? CONF_ROUTES_KEEP : CONF_ROUTES_WITHDRAW;
		return 0;
	}
	snprintf(why, wl, "expected keep or withdraw");
	return -1;
}

/* routing=mcvpnd|external (conf_routing in conf.h; conf/routing.c checks
 * the keys that go with it). */
static int k_routing(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	if (strcmp(v, "mcvpnd") == 0 || strcmp(v, "external") == 0) {
		cb->c.routing = v[0] == 'm' ? CONF_ROUTING_MCVPND : CONF_ROUTING_EXTERNAL;
		return 0;
	}
	snprintf(why, wl, "expected mcvpnd (mcvpnd installs routes=) or external (a routing daemon "
		 "such as FRR's bgpd routes into the device)");
	return -1;
}

/* mss-clamp=yes|no|N: yes clamps to the tunnel's MTU less the headers. */
static int k_mss_clamp(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	uint32_t n;

	if (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0) {
		cb->c.mss_clamp = v[0] == 'y';
		cb->c.mss_clamp_to = 0;
		return 0;
	}
	if (v[strspn(v, "0123456789")] == '\0' && u32_parse(v, &n) == 0 && n >= CONF_MSS_MIN &&
	    n <= CONF_MSS_MAX) {
		cb->c.mss_clamp = true;
		cb->c.mss_clamp_to = (uint16_t)n;
		return 0;
	}
	snprintf(why, wl, "expected yes, no or an MSS from %d to %d", CONF_MSS_MIN, CONF_MSS_MAX);
	return -1;
}

/* fragmentation=yes|no|force (RFC 7383; see enum conf_frag). */
static int k_fragmentation(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	static const struct word t[] = {
		{ "yes", CONF_FRAG_YES }, { "no", CONF_FRAG_NO }, { "force", CONF_FRAG_FORCE },
	};
	int x;

	if (word_of(v, WORDS(t), "yes, no or force", &x, why, wl))
		return -1;
	cb->c.fragmentation = (enum conf_frag)x;
	return 0;
}

/* ike-fragment-size=N: the largest IP packet an IKE fragment is sent in. */
static int k_ike_fragment_size(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	uint32_t n;

	if (v[strspn(v, "0123456789")] == '\0' && u32_parse(v, &n) == 0 &&
	    n >= CONF_FRAG_SIZE_MIN && n <= CONF_FRAG_SIZE_MAX) {
		cb->c.ike_fragment_size = (uint16_t)n;
		return 0;
	}
	snprintf(why, wl, "expected a packet size in bytes from %d to %d", CONF_FRAG_SIZE_MIN,
		 CONF_FRAG_SIZE_MAX);
	return -1;
}

/* updown=, leftupdown=, rightupdown=: a program and its arguments
 * (conf/command.c), or %disabled for none.  libreswan's own script is of no
 * use here: mcvpnd does its work (the device, its address and routes). */
static int updown(struct conf_command *c, const char *v, char *why, size_t wl)
{
	if (strcmp(v, "%disabled") == 0) {
		memset(c, 0, sizeof(*c));
		return 0;
	}
	if (strstr(v, "_updown")) {
		snprintf(why, wl, "libreswan's own script: mcvpnd sets up the device, its address and "
			 "routes itself (leave the key out, or name a script of yours)");
		return -1;
	}
	return conf_command_parse(v, c, why, wl);
}

static int k_leftupdown(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return updown(&cb->updown[0], v, why, wl);
}

static int k_rightupdown(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return updown(&cb->updown[1], v, why, wl);
}

static int k_updown(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	return updown(&cb->updown[2], v, why, wl);
}

/* updown-timeout=: a duration from 1 s to 1 h. */
static int k_updown_timeout(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	if (lifetime(v, &cb->c.updown_timeout, why, wl) == 0 && cb->c.updown_timeout <= 3600)
		return 0;
	snprintf(why, wl, "expected a duration from 1s to 1h, such as 30s or 2m");
	return -1;
}

/* probe=: a unicast address beyond the tunnel (the far end's tunnel
 * address, usually) that answers ICMP echoes. */
static int k_probe(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };
	struct sockaddr_storage a;
	const char *expect;
	const uint8_t *b;

	if (addr_parse(v, &a, &expect) < 0) {
		snprintf(why, wl, "expected %s", expect);
		return -1;
	}
	b = a.ss_family == AF_INET ? (const uint8_t *)&((struct sockaddr_in *)&a)->sin_addr
				   : ((struct sockaddr_in6 *)&a)->sin6_addr.s6_addr;
	if (a.ss_family == AF_INET ? (b[0] == 0 || b[0] == 127 || b[0] >= 224)
				   : (b[0] == 0xff || !memcmp(b, v6_loopback, 15))) {
		snprintf(why, wl, "expected the unicast address of a host beyond the tunnel (not "
			 "unspecified, loopback, multicast or broadcast), such as the far end's tunnel "
			 "address");
		return -1;
	}
	cb->c.probe = a;
	return 0;
}

/* probe-interval=: a duration as the other time keys, 1s to 1h. */
static int k_probe_interval(struct conn_build *cb, const char *v, char *why, size_t wl)
{
	if (lifetime(v, &cb->c.probe_interval, why, wl) == 0 &&
	    cb->c.probe_interval <= CONF_PROBE_INTERVAL_MAX)
		return 0;
	snprintf(why, wl, "expected an interval from 1s to 1h, such as 10s or 1m");
	return -1;
}

static const struct key_def keys[] = {
	{ "left", KEY_LEFT, k_left },
	{ "right", KEY_RIGHT, k_right },
	{ "leftid", KEY_LEFTID, k_leftid },
	{ "rightid", KEY_RIGHTID, k_rightid },
	{ "authby", KEY_AUTHBY, k_authby },
	{ "auto", KEY_AUTO, k_auto },
	{ "ikev2", KEY_IKEV2, k_ikev2 },
	{ "keyexchange", KEY_KEYEXCHANGE, k_keyexchange },
	{ "type", KEY_TYPE, k_type },
	{ "ike", KEY_IKE, k_ike },
	{ "phase2alg", KEY_ESP, k_esp },
	{ "esp", KEY_ESP, k_esp },
	{ "pfs", KEY_PFS, k_pfs },
	{ "encapsulation", KEY_ENCAPSULATION, k_encapsulation },
	{ "fragmentation", KEY_FRAGMENTATION, k_fragmentation },
	{ "ike-fragment-size", KEY_IKE_FRAGMENT_SIZE, k_ike_fragment_size },
	{ "mark", KEY_MARK, k_mark },
	{ "vti-interface", KEY_VTI_INTERFACE, k_vti_interface },
	{ "vti-routing", KEY_VTI_ROUTING, k_vti_routing },
	{ "leftsubnet", KEY_LEFTSUBNET, k_leftsubnet },
	{ "rightsubnet", KEY_RIGHTSUBNET, k_rightsubnet },
	{ "leftsubnets", KEY_LEFTSUBNETS, k_leftsubnet },
	{ "rightsubnets", KEY_RIGHTSUBNETS, k_rightsubnet },
	{ "leftvti", KEY_LEFTVTI, k_leftvti },
	{ "rightvti", KEY_RIGHTVTI, k_rightvti },
	{ "leftinterface-ip", KEY_LEFTVTI, k_leftvti },
	{ "rightinterface-ip", KEY_RIGHTVTI, k_rightvti },
	{ "leftnexthop", KEY_LEFTNEXTHOP, k_leftnexthop },
	{ "rightnexthop", KEY_RIGHTNEXTHOP, k_rightnexthop },
	{ "ipsec-interface", KEY_IPSEC_INTERFACE, k_ipsec_interface },
	{ "keyingtries", KEY_KEYINGTRIES, k_keyingtries },
	{ "ikelifetime", KEY_IKELIFETIME, k_ikelifetime },
	{ "salifetime", KEY_SALIFETIME, k_salifetime },
	{ "keylife", KEY_SALIFETIME, k_salifetime },
	{ "lifetime", KEY_SALIFETIME, k_salifetime },
	{ "ipsec-lifetime", KEY_SALIFETIME, k_salifetime },
	{ "rekey", KEY_REKEY, k_rekey },
	{ "rekeymargin", KEY_REKEYMARGIN, k_rekeymargin },
	{ "rekeyfuzz", KEY_REKEYFUZZ, k_rekeyfuzz },
	{ "dpddelay", KEY_DPDDELAY, k_dpddelay },
	{ "dpdtimeout", KEY_DPDTIMEOUT, k_dpdtimeout },
	{ "dpdaction", KEY_DPDACTION, k_dpdaction },
	{ "nat-keepalive", KEY_NAT_KEEPALIVE, k_nat_keepalive },
	{ "interface-ip", KEY_INTERFACE_IP, k_interface_ip },
	{ "routes", KEY_ROUTES, k_routes },
	{ "routes-replace", KEY_ROUTES_REPLACE, k_routes_replace },
	{ "route-metric", KEY_ROUTE_METRIC, k_route_metric },
	{ "metric", KEY_ROUTE_METRIC, k_route_metric },		/* libreswan's name */
	{ "route-table", KEY_ROUTE_TABLE, k_route_table },
	{ "routes-when-down", KEY_ROUTES_WHEN_DOWN, k_routes_when_down },
	{ "routing", KEY_ROUTING, k_routing },
	{ "mss-clamp", KEY_MSS_CLAMP, k_mss_clamp },
	{ "updown", KEY_UPDOWN, k_updown },
	{ "leftupdown", KEY_LEFTUPDOWN, k_leftupdown },
	{ "rightupdown", KEY_RIGHTUPDOWN, k_rightupdown },
	{ "updown-timeout", KEY_UPDOWN_TIMEOUT, k_updown_timeout },
	{ "probe", KEY_PROBE, k_probe },
	{ "probe-interval", KEY_PROBE_INTERVAL, k_probe_interval },
	{ "esn", KEY_ESN, k_esn },
	{ "leftcert", KEY_LEFTCERT, k_leftcert },
	{ "rightcert", KEY_RIGHTCERT, k_rightcert },
	{ "leftca", KEY_LEFTCA, k_leftca },
	{ "rightca", KEY_RIGHTCA, k_rightca },
	{ "leftsendcert", KEY_LEFTSENDCERT, k_leftsendcert },
	{ "rightsendcert", KEY_RIGHTSENDCERT, k_rightsendcert },
};

/* libreswan keys an operator may carry over that mcvpn does not implement yet. */
static const char *const not_yet[] = {
	"reauth", "leftrsasigkey", "rightrsasigkey", "leftpubkey", "rightpubkey", "leftecdsakey",
	"rightecdsakey", "leftckaid", "rightckaid", "leftauth", "rightauth",
	"leftsourceip", "rightsourceip", "leftprotoport", "rightprotoport", "leftikeport",
	"rightikeport", "leftmodecfgserver",
	"rightmodecfgserver", "leftmodecfgclient", "rightmodecfgclient", "leftxauthserver",
	"rightxauthserver", "leftxauthclient", "rightxauthclient", "narrowing",
	"replay-window", "mobike", "compress", "sha2-truncbug",
	"nat-ikev1-method", "ikepad", "decap-dscp", "encap-dscp", "nopmtudisc", "priority",
	"reqid", "mtu", "retransmit-timeout", "retransmit-interval", "ppk",
	"nic-offload", "tfc", "mark-in", "mark-out", "vti-shared", "nflog-group",
	"overlapip", "aggressive", "aggrmode", "phase2", "ah", "ikelifetime-max",
	"policy-label", "accept-redirect", "send-redirect", "hostaddrfamily",
	"clientaddrfamily", "connaddrfamily", "modecfgdns", "modecfgdomains",
	"modecfgbanner", "cisco-unity", "remote-peer-type", "nm-configured",
	"sendca", "leftgroundhog", "xauthby", "xauthfail",
	"ms-dh-downgrade", "pam-authorize", "dns-match-id", "session-resumption",
	"ipsec-max-bytes", "ipsec-max-packets", "require-id-on-certificate",
};

/* libreswan keys mcvpn will not take, with why (they are in not_yet too,
 * for the manual's list). */
static const char *key_refused(const char *name)
{
	static const char *const raw[] = {
		"leftrsasigkey", "rightrsasigkey", "leftpubkey", "rightpubkey", "leftecdsakey",
		"rightecdsakey", "leftckaid", "rightckaid",
	};

	for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++)
		if (strcmp(raw[i], name) == 0)
			return "raw public keys are not supported by mcvpn: authenticate with certificates "
			       "(leftcert=, and rightca= or rightcert=: PEM files)";
	return NULL;
}

static const struct key_def *key_find(const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static bool key_not_yet(const char *name)
{
	for (size_t i = 0; i < sizeof(not_yet) / sizeof(not_yet[0]); i++)
		if (strcmp(not_yet[i], name) == 0)
			return true;
	return false;
}

const char *keys_name(enum key_id id)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].id == id)
			return keys[i].name;
	return "?";
}

void keys_defaults(struct conn_build *cb)
{
	memset(cb, 0, sizeof(*cb));
	cb->c.autostart = CONF_AUTO_IGNORE;	/* libreswan: a conn without auto= is not loaded */
	cb->c.encapsulation = true;		/* always: see k_encapsulation */
	cb->c.vti_routing = true;		/* libreswan's default; 0.0.0.0/0 is never routed */
	cb->c.ikelifetime = 28800;
	cb->c.salifetime = 28800;
	cb->c.rekey = true;
	cb->c.rekeymargin = 540;		/* libreswan: 9m */
	cb->c.rekeyfuzz = 100;
	cb->c.dpdtimeout = 150;			/* libreswan's default */
	cb->c.nat_keepalive = 20;		/* libreswan's keep-alive= default */
	cb->c.route_table = CONF_TABLE_MAIN;
	cb->c.updown_timeout = CONF_UPDOWN_TIMEOUT;
	cb->c.probe_interval = CONF_PROBE_INTERVAL;
	cb->c.esn = CONF_ESN_EITHER;		/* libreswan 4's default */
	/* dpddelay and dpdaction depend on auto=: see check.c */
}

const char *keys_canonical(const char *key)
{
	static const char *const alias[][2] = {
		{ "esp", "phase2alg" }, { "keylife", "salifetime" }, { "lifetime", "salifetime" },
		{ "ipsec-lifetime", "salifetime" }, { "leftinterface-ip", "leftvti" },
		{ "rightinterface-ip", "rightvti" }, { "metric", "route-metric" },
	};

	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strcmp(key, alias[i][0]) == 0)
			return alias[i][1];
	return key;
}

void keys_apply(struct loader *ld, struct conn_build *cb, const char *file, int line,
		const char *key, const char *value)
{
	const struct key_def *k = key_find(key);
	const char *conn = cb->c.name;
	char why[WHY_LEN];

	if (!k) {
		if (key_refused(key))
			diag_add(ld, file, line, "conn \"%s\": %s=: %s", conn, key, key_refused(key));
		else if (key_not_yet(key))
			diag_add(ld, file, line, "key '%s' in conn \"%s\" is not supported by mcvpn yet",
				 key, conn);
		else
			diag_add(ld, file, line, "unknown key '%s' in conn \"%s\"", key, conn);
		return;
	}
	if (cb->key_line[k->id]) {
		diag_add(ld, file, line, "duplicate key '%s' in conn \"%s\" (first set at %s%sline %d)",
			 key, conn, strcmp(cb->key_file[k->id], file) ? cb->key_file[k->id] : "",
			 strcmp(cb->key_file[k->id], file) ? " " : "", cb->key_line[k->id]);
		return;
	}
	/* Marked set even when it fails: a bad left= is not also a missing one. */
	cb->key_line[k->id] = line;
	cb->key_file[k->id] = file;
	cb->set[k->id] = true;
	if (!*value)
		snprintf(why, sizeof(why), "empty value");
	else if (k->parse(cb, value, why, sizeof(why)) == 0)
		return;
	diag_add(ld, file, line, "conn \"%s\": %s=%.80s: %s", conn, key, value, why);
}
