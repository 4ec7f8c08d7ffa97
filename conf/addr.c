/* SPDX-License-Identifier: Apache-2.0 */
/* Addresses, prefixes and IKE identities as operators write them in
 * ipsec.conf and ipsec.secrets.  DNS names are never resolved: a conn names
 * its endpoints by address, and an FQDN identity is written "@name". */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conf/internal.h"
#include "crypto/x509.h"

/* Parse an address into bytes; returns its family or 0. */
static int addr_bytes(const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, out) == 1)
		return AF_INET6;
	return 0;
}

int addr_parse(const char *s, struct sockaddr_storage *ss, const char **why)
{
	uint8_t b[16];
	int family = addr_bytes(s, b);

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, b, 4);
		return 0;
	}
	if (family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, b, 16);
		return 0;
	}
	*why = s[0] == '%' ? "an IP address (%defaultroute, %any and other % forms are not supported)"
			   : "an IPv4 or IPv6 address (DNS names are not resolved)";
	return -1;
}

/* Decimal prefix length, at most max. */
static int prefix_len_parse(const char *s, unsigned max, uint8_t *len)
{
	unsigned v = 0;

	if (!*s || strlen(s) > 3)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > max)
		return -1;
	*len = (uint8_t)v;
	return 0;
}

int prefix_parse(const char *s, struct conf_prefix *p, const char **why)
{
	char a[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned max;

	memset(p, 0, sizeof(*p));
	*why = "an address/prefix such as 10.0.0.0/16 (a bare address means /32 or /128)";
	if (alen >= sizeof(a))
		return -1;
	memcpy(a, s, alen);
	a[alen] = '\0';
	p->family = addr_bytes(a, p->addr);
	if (!p->family)
		return -1;
	max = p->family == AF_INET ? 32 : 128;
	p->len = (uint8_t)max;
	if (slash && prefix_len_parse(slash + 1, max, &p->len) < 0) {
		*why = p->family == AF_INET ? "a prefix length from 0 to 32 after '/'"
					    : "a prefix length from 0 to 128 after '/'";
		return -1;
	}
	return 0;
}

/* Bits of byte i that lie inside the prefix. */
static uint8_t prefix_byte_mask(const struct conf_prefix *p, unsigned i)
{
	unsigned bits = p->len > i * 8 ? p->len - i * 8 : 0;

	return bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);
}

bool prefix_host_bits(const struct conf_prefix *p)
{
	for (unsigned i = 0; i < 16; i++)
		if (p->addr[i] & ~prefix_byte_mask(p, i))
			return true;
	return false;
}

void prefix_clear_host(struct conf_prefix *p)
{
	for (unsigned i = 0; i < 16; i++)
		p->addr[i] &= prefix_byte_mask(p, i);
}

bool prefix_covers(const struct conf_prefix *p, const struct sockaddr_storage *a)
{
	const uint8_t *ip = a->ss_family == AF_INET ?
		(const uint8_t *)&((const struct sockaddr_in *)a)->sin_addr :
		(const uint8_t *)&((const struct sockaddr_in6 *)a)->sin6_addr;

	if (p->family != a->ss_family || (a->ss_family != AF_INET && a->ss_family != AF_INET6))
		return false;
	for (unsigned i = 0; i < (a->ss_family == AF_INET ? 4u : 16u); i++)
		if ((ip[i] ^ p->addr[i]) & prefix_byte_mask(p, i))
			return false;
	return true;
}

void prefix_format(const struct conf_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family, p->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, p->len);
}

/* One element of a comma list, already trimmed. */
static int prefix_elem(const char *e, struct conf_prefix *p, char *why, size_t why_len)
{
	const char *expect;
	char want[64];

	if (prefix_parse(e, p, &expect) < 0) {
		snprintf(why, why_len, "'%s': expected %s", e, expect);
		return -1;
	}
	if (!prefix_host_bits(p))
		return 0;
	prefix_clear_host(p);
	prefix_format(p, want, sizeof(want));
	snprintf(why, why_len, "%s has host bits set, did you mean %s", e, want);
	return -1;
}

int prefix_list_parse(const char *s, struct conf_prefix *out, size_t max, size_t *n,
		      char *why, size_t why_len)
{
	char e[80];
	size_t k = 0;

	for (;;) {
		size_t len;

		s += strspn(s, " \t");
		len = strcspn(s, ",");
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (len == 0 || len >= sizeof(e)) {
			snprintf(why, why_len, len ? "an element is too long" : "empty element in the list");
			return -1;
		}
		if (k == max) {
			snprintf(why, why_len, "more than %zu prefixes (the limit)", max);
			return -1;
		}
		memcpy(e, s, len);
		e[len] = '\0';
		if (prefix_elem(e, &out[k++], why, why_len) < 0)
			return -1;
		s += strcspn(s, ",");
		if (*s++ != ',')
			break;
	}
	*n = k;
	return 0;
}

/* Bytes of a name ID: 1 to 253, no blanks or control characters. */
static const char *name_check(const char *name, size_t len)
{
	if (len == 0)
		return "a name after '@'";
	if (len > 253)
		return "a name of at most 253 characters";
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] <= ' ' || name[i] == 0x7f)
			return "a name without spaces or control characters";
	return NULL;
}

static int id_name(enum conf_id_type type, const char *name, size_t len, const char *text,
		   struct conf_id *id, const char **why)
{
	const char *bad = name_check(name, len);

	if (bad) {
		*why = bad;
		return -1;
	}
	id->type = type;
	memcpy(id->data, name, len);
	id->len = len;
	snprintf(id->text, sizeof(id->text), "%s", text);
	return 0;
}

/* "@name" (FQDN) or "@[text]" (a key ID of these bytes, as libreswan reads it). */
static int id_at(const char *s, struct conf_id *id, const char **why)
{
	const char *name = s + 1;
	size_t len = strlen(name);

	if (name[0] == '[') {
		name++;
		len--;
		if (len == 0 || name[len - 1] != ']') {
			*why = "@[text] (a key ID: the closing ']' is missing)";
			return -1;
		}
		return id_name(CONF_ID_KEY_ID, name, len - 1, s, id, why);
	}
	if (name[0] == '#' || name[0] == '~') {
		*why = "@fqdn or @[text] (the binary @# and @~ forms are not supported)";
		return -1;
	}
	return id_name(CONF_ID_FQDN, name, len, s, id, why);
}

/* A distinguished name, "C=JP, O=Example, CN=vpn" (libreswan's and
 * strongSwan's form) or "/C=JP/O=Example/CN=vpn": kept as DER. */
static int id_dn(const char *s, struct conf_id *id, const char **why)
{
	static _Thread_local char bad[300];
	char reason[200];

	if (x509_dn_parse(s, id->data, sizeof(id->data), &id->len, reason, sizeof(reason)) < 0) {
		snprintf(bad, sizeof(bad), "a distinguished name such as \"C=JP, O=Example, CN=vpn\" "
			 "(%s)", reason);
		*why = bad;
		memset(id, 0, sizeof(*id));
		return -1;
	}
	id->type = CONF_ID_DN;
	snprintf(id->text, sizeof(id->text), "%s", s);
	return 0;
}

int id_parse(const char *s, struct conf_id *id, const char **why)
{
	struct sockaddr_storage ss;
	const char *ignored, *at = strchr(s, '@');

	memset(id, 0, sizeof(*id));
	if (s[0] == '@')
		return id_at(s, id, why);
	if (strchr(s, '='))
		return id_dn(s, id, why);
	if (addr_parse(s, &ss, &ignored) == 0) {
		id_from_addr(&ss, id);
		return 0;
	}
	if (s[0] == '%')
		*why = "@fqdn, an IP address or a distinguished name (of the % forms only %fromcert and %any, with certificates)";
	else if (at && at != s && at[1])
		return id_name(CONF_ID_RFC822, s, strlen(s), s, id, why);
	else
		*why = "@fqdn or an IP address (write @NAME for an FQDN ID; DNS names are not resolved)";
	return -1;
}

void id_from_addr(const struct sockaddr_storage *ss, struct conf_id *id)
{
	const void *a;

	memset(id, 0, sizeof(*id));
	if (ss->ss_family == AF_INET) {
		a = &((const struct sockaddr_in *)ss)->sin_addr;
		id->type = CONF_ID_IPV4;
		id->len = 4;
	} else {
		a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		id->type = CONF_ID_IPV6;
		id->len = 16;
	}
	memcpy(id->data, a, id->len);
	inet_ntop(ss->ss_family, a, id->text, sizeof(id->text));
}

/* FQDNs compare without case, as DNS names do; DNs as X.509 compares
 * names; addresses byte for byte. */
bool id_equal(const struct conf_id *a, const struct conf_id *b)
{
	if (a->type == CONF_ID_DN && b->type == CONF_ID_DN)
		return x509_dn_equal(a->data, a->len, b->data, b->len);
	if (a->type != b->type || a->len != b->len)
		return false;
	if (a->type == CONF_ID_FQDN)
		return strncasecmp((const char *)a->data, (const char *)b->data, a->len) == 0;
	return memcmp(a->data, b->data, a->len) == 0;
}
