/* SPDX-License-Identifier: Apache-2.0 */
/* ipsec.secrets syntax (the PSK part of it; private keys, `: RSA FILE`,
 * are privkey.c's):
 *     ID1 ID2 : PSK "text"        ID1 : PSK 0x0123...        : PSK 0sBASE64==
 *     ID1 ID2: PSK "text"         (libreswan: a ':' ending the last ID ends the IDs)
 * An entry may go on over indented lines.  '#' outside quotes starts a comment.
 * Matching follows libreswan: an entry naming both the conn's IDs beats one
 * naming one of them, which beats a wildcard (no ID, or %any).  Messages
 * never quote the secret. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/internal.h"
#include "crypto/secret.h"

#define ENTRY_MAX 8192

struct entry_text {
	char s[ENTRY_MAX];
	size_t len;
	int line;
	bool too_long;
};

/* libreswan: a '#' at the start or after a blank, outside quotes, starts a comment. */
static void strip_comment(char *s)
{
	char quote = 0;

	for (char *p = s; *p; p++) {
		if (quote && *p == quote)
			quote = 0;
		else if (!quote && (*p == '"' || *p == '\''))
			quote = *p;
		else if (!quote && *p == '#' && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
	}
}

static void entry_append(struct entry_text *e, const char *s)
{
	size_t n = strlen(s);

	if (e->len + n + 2 > sizeof(e->s)) {
		e->too_long = true;
		return;
	}
	if (e->len)
		e->s[e->len++] = ' ';
	memcpy(e->s + e->len, s, n + 1);
	e->len += n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* 0x hex digits, '_' allowed between them as libreswan does. */
static int hex_decode(const char *s, uint8_t *out, size_t cap, size_t *n)
{
	int hi = -1;

	*n = 0;
	for (; *s; s++) {
		int v = hexval(*s);

		if (*s == '_')
			continue;
		if (v < 0 || *n == cap)
			return -1;
		if (hi < 0) {
			hi = v;
			continue;
		}
		out[(*n)++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 && *n ? 0 : -1;
}

static int b64val(char c)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(alphabet, c) : NULL;

	return p ? (int)(p - alphabet) : -1;
}

/* RFC 4648 section 4 base64; '=' padding optional but only at the end. */
static int b64_decode(const char *s, uint8_t *out, size_t cap, size_t *n)
{
	uint32_t acc = 0;
	size_t chars = 0;

	*n = 0;
	for (; *s && *s != '='; s++, chars++) {
		int v = b64val(*s);

		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		if (chars % 4 == 0)
			continue;
		if (*n == cap)
			return -1;
		out[(*n)++] = (uint8_t)(acc >> (6 - 2 * (chars % 4)));
		acc &= (1u << (6 - 2 * (chars % 4))) - 1;
	}
	s += strspn(s, "=");
	return *s || chars % 4 == 1 || *n == 0 ? -1 : 0;
}

/* The value after "PSK": "text", 'text', 0xHEX or 0sBASE64. */
static const char *psk_value(const char *v, struct secret **out)
{
	uint8_t raw[ENTRY_MAX];
	size_t n = 0;
	int r = -1;

	if (*v == '"' || *v == '\'') {
		const char *end = strchr(v + 1, *v);

		if (!end)
			return "unterminated quote in PSK";
		if (end[1 + strspn(end + 1, " \t")])
			return "text after the PSK's closing quote";
		n = (size_t)(end - v - 1);
		if (n == 0)
			return "the PSK is empty";
		*out = secret_dup(v + 1, n);
		return *out ? NULL : "out of memory";
	}
	if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
		r = hex_decode(v + 2, raw, sizeof(raw), &n);
	else if (v[0] == '0' && (v[1] == 's' || v[1] == 'S'))
		r = b64_decode(v + 2, raw, sizeof(raw), &n);
	else
		return *v ? "a PSK is \"quoted\", 0xHEX or 0sBASE64" : "missing PSK value";
	if (r == 0)
		*out = secret_dup(raw, n);
	secret_wipe(raw, sizeof(raw));
	if (r < 0)
		return v[1] == 's' || v[1] == 'S' ? "the PSK is not valid base64 after 0s" : "the PSK is not valid hex after 0x";
	return *out ? NULL : "out of memory";
}

/* libreswan reads the unspecified addresses as %any too. */
static bool id_is_any(const char *t)
{
	return !strcmp(t, "%any") || !strcmp(t, "%any4") || !strcmp(t, "%any6") ||
	       !strcmp(t, "0.0.0.0") || !strcmp(t, "::");
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* True when t (len bytes) is an IPv6 address that ends in ':' ("2001:db8::"). */
static bool v6_ending_in_colon(const char *t, size_t len)
{
	char buf[64];
	struct in6_addr a;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, t, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, &a) == 1;
}

/* One ID token: stored in pe (or noted as a wildcard).  Returns the reason or NULL. */
static const char *id_add(char *t, struct psk_entry *pe, char *why, size_t wl)
{
	const char *expect;

	if (id_is_any(t)) {
		pe->any_written = true;
		return NULL;
	}
	if (pe->n_ids == PSK_MAX_IDS)
		return "too many IDs on one line";
	if (t[0] == '"' || t[0] == '\'')
		return "quoted (distinguished-name) IDs are not supported; use @fqdn or an IP address";
	if (id_parse(t, &pe->ids[pe->n_ids++], &expect) < 0) {
		/* by its place, not its text: on a line that does not parse, a
		 * word where an ID should be may be the key itself */
		snprintf(why, wl, "ID %zu of the line: expected %s", pe->n_ids, expect);
		return why;
	}
	return NULL;
}

/* The IDs before the ':' that ends them, as libreswan splits them: the ':'
 * is a word of its own or the last character of the last ID ("A B: PSK"),
 * except where the word is an IPv6 address ending in ':' and a ':' follows.
 * *rest is set past the ':'.  Returns the reason, or NULL. */
static const char *ids_parse(char *s, struct psk_entry *pe, char **rest, char *why, size_t wl)
{
	const char *bad;
	char *p = s;

	for (;;) {
		char *t, *end;
		size_t len;

		while (is_blank(*p))
			p++;
		if (!*p)
			return "missing ':' between the IDs and the secret (ID ID : PSK \"...\")";
		t = p;
		if (*p == '"' || *p == '\'') {
			end = strchr(p + 1, *p);
			if (!end)
				return "unterminated quote in an ID";
			p = end + 1;
		} else {
			while (*p && !is_blank(*p))
				p++;
		}
		len = (size_t)(p - t);
		end = p;
		if (*p)
			p++;
		if (len == 1 && t[0] == ':')
			break;
		if (t[len - 1] == ':' && !(v6_ending_in_colon(t, len) && strchr(p, ':'))) {
			t[len - 1] = '\0';
			if ((bad = id_add(t, pe, why, wl)))
				return bad;
			break;
		}
		*end = '\0';
		if (!strcasecmp(t, "PSK"))
			return "missing ':' between the IDs and the secret (ID ID : PSK \"...\")";
		if ((bad = id_add(t, pe, why, wl)))
			return bad;
	}
	if (!pe->n_ids)
		pe->any_written = true;
	*rest = p;
	return NULL;
}

static const char *type_check(const char *type)
{
	static const char *const refused[] = {
		"XAUTH", "EAP", "PIN", "PPKS", "NTLM", "BLISS", "P12", "EC",
	};

	if (!*type)
		return "missing secret type after ':' (expected PSK, RSA, ECDSA or PKCS8)";
	if (strcasecmp(type, "PSK") == 0)
		return NULL;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (strcasecmp(type, refused[i]) == 0)
			return "this secret type is not supported by mcvpn (PSK, and RSA, ECDSA or PKCS8 "
			       "naming a PEM key file)";
	return "unknown secret type (expected PSK, RSA, ECDSA or PKCS8)";
}

/* "IDS : TYPE VALUE" into pe, or a private key's into ld (*key set).
 * Returns the reason, or NULL. */
static const char *entry_parse(struct loader *ld, char *s, struct psk_entry *pe, bool *key,
			       char *why, size_t wl)
{
	char *type, *value;
	const char *bad = ids_parse(s, pe, &type, why, wl);

	if (bad)
		return bad;
	type += strspn(type, " \t");
	value = type + strcspn(type, " \t");
	if (*value)
		*value++ = '\0';
	value += strspn(value, " \t");
	for (size_t n = strlen(value); n > 0 && isspace((unsigned char)value[n - 1]); n--)
		value[n - 1] = '\0';
	if (privkey_type(type)) {	/* the IDs do not matter: the certificate finds it */
		*key = true;
		return privkey_entry(ld, pe->file, pe->line, type, value, why, wl);
	}
	bad = type_check(type);
	if (bad)
		return bad;
	return psk_value(value, &pe->psk);
}

static void entry_store(struct loader *ld, const char *file, struct entry_text *e)
{
	char why[768];
	struct psk_entry pe = { .line = e->line };
	const char *bad;
	bool key = false;

	if (e->too_long) {
		diag_add(ld, file, e->line, "secrets entry too long");
		return;
	}
	strncpy(pe.file, file, sizeof(pe.file) - 1);
	bad = entry_parse(ld, e->s, &pe, &key, why, sizeof(why));
	if (key && !bad)
		return;
	if (!bad && ld->n_psks == ld->cap_psks) {
		size_t cap = ld->cap_psks ? ld->cap_psks * 2 : 8;
		struct psk_entry *grown = realloc(ld->psks, cap * sizeof(*grown));

		bad = grown ? NULL : "out of memory";
		if (grown) {
			ld->psks = grown;
			ld->cap_psks = cap;
		}
	}
	if (bad) {
		secret_free(pe.psk);
		diag_add(ld, file, e->line, "%s", bad);
		return;
	}
	ld->psks[ld->n_psks++] = pe;
}

static void entry_flush(struct loader *ld, const char *file, struct entry_text *e)
{
	if (e->len || e->too_long)
		entry_store(ld, file, e);
	secret_wipe(e->s, sizeof(e->s));
	e->len = 0;
	e->too_long = false;
}

static void secrets_text(struct loader *ld, const char *file, const char *text, size_t len);

static void included(struct loader *ld, struct cfile *f, void *arg)
{
	secrets_text(ld, f->path, f->text, f->len);
}

/* "include PATTERN" at column 0: true when s is one (and handled). */
static bool include_line(struct loader *ld, const char *file, int line, char *s)
{
	char *arg, *end;

	if (strncmp(s, "include", 7) != 0 || (s[7] != ' ' && s[7] != '\t'))
		return false;
	arg = s + 8 + strspn(s + 8, " \t");
	end = arg + strcspn(arg, " \t");
	if (!*arg || *(end + strspn(end, " \t")))
		diag_add(ld, file, line, "include takes one file name or pattern (no blanks)");
	else
		files_include(ld, file, line, arg, true, included, NULL);
	return true;
}

static void secrets_text(struct loader *ld, const char *file, const char *text, size_t len)
{
	struct entry_text *e = calloc(1, sizeof(*e));
	struct lexer *lx = malloc(sizeof(*lx));
	bool too_long;

	if (!e || !lx) {
		diag_add(ld, file, 0, "out of memory");
		goto out;
	}
	lexer_init(lx, text, len);
	while (lexer_line(lx, &too_long)) {
		char *s = lx->buf + strspn(lx->buf, " \t");

		if (*s == '#' || (*s == '\0' && !too_long))
			continue;
		if (s == lx->buf || !e->len) {	/* column 0 (or nothing to continue): a new entry */
			entry_flush(ld, file, e);
			e->line = lx->line;
		}
		e->too_long |= too_long;
		strip_comment(s);
		if (s != lx->buf || !include_line(ld, file, lx->line, s))
			entry_append(e, s);
	}
	entry_flush(ld, file, e);
	secret_wipe(lx->buf, sizeof(lx->buf));
out:
	free(e);
	free(lx);
}

void secrets_read(struct loader *ld, struct cfile *f)
{
	f->read = true;
	if (!files_enter(ld, f->path, f->path, 0))
		return;
	secrets_text(ld, f->path, f->text, f->len);
	files_leave(ld);
}

/* 3: names both IDs; 2: names one (and nothing else specific); 1: wildcard. */
static int entry_score(const struct psk_entry *pe, const struct conf_conn *c)
{
	bool l = false, r = false;

	for (size_t i = 0; i < pe->n_ids; i++) {
		l |= id_equal(&pe->ids[i], &c->leftid);
		r |= id_equal(&pe->ids[i], &c->rightid);
	}
	if (pe->n_ids == 0)
		return 1;
	if (l && r && pe->n_ids >= 2)
		return 3;
	if ((l || r) && pe->n_ids == 1)
		return 2;
	return 0;
}

const struct psk_entry *secrets_match(const struct loader *ld, const struct conf_conn *c)
{
	const struct psk_entry *best = NULL;
	int best_score = 0;

	for (size_t i = 0; i < ld->n_psks; i++) {
		int s = entry_score(&ld->psks[i], c);

		if (s > best_score) {
			best = &ld->psks[i];
			best_score = s;
		}
	}
	return best;
}
