/* libreswan conn file + ipsec.secrets + boot script -> one mcvpn.d drop-in
 * per conn.  The conn file is read with the lexer mcvpnd uses; every key
 * then goes through a small table of conversions (dropped, changed,
 * renamed, refused) and, when it is carried over, through keys_apply on a
 * conn being built, so a value mcvpnd would refuse is refused here with
 * mcvpnd's own reason and the line of the libreswan file.  The boot
 * script's "ip addr add"/"ip route add ... dev IFACE" lines become
 * interface-ip= and routes= of the conn whose vti-interface is IFACE.
 * check_all then runs every cross check, with a wildcard PSK standing in
 * for the secrets, and the secrets file is filtered to the lines that fit
 * each conn (secrets_match, copied as written).  Messages never quote a
 * PSK. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/import.h"
#include "conf/internal.h"
#include "crypto/secret.h"

#define TOKENS_MAX 64
#define TEXT_MAX 160

/* One key=value of a libreswan conn, as written. */
struct ikey {
	char key[64];			/* "" once dropped */
	char *value;			/* owned */
	int line;
	bool inherited;			/* from conn %default */
};

#define TAKEN_MAX 64

struct iconn {
	char name[64];
	int line;
	struct ikey *keys;		/* owned */
	size_t n_keys, cap_keys;
	size_t n[3];			/* keys carried over, dropped, changed */
	char addr[64];			/* interface-ip= from the script, "" if none */
	int addr_line;
	char routes[CONF_MAX_ROUTES][64];	/* routes= from the script */
	size_t n_routes;
	int routes_line;
	int taken[TAKEN_MAX];		/* script lines mcvpnd now does, ascending */
	size_t n_taken;
};

/* What a boot script command does to a device. */
enum sline_kind { SL_ADDR, SL_ROUTE, SL_DEVICE, SL_OTHER };

struct sline {
	enum sline_kind kind;
	int line;
	char dev[IFNAMSIZ];		/* "" for a route over several devices */
	char value[64];			/* ADDR: address; ROUTE: prefix */
	char extra[TEXT_MAX];		/* options that cannot be carried over */
	char text[TEXT_MAX];		/* the command, for messages */
	bool mtu;			/* DEVICE: sets the MTU */
};

struct ctx {
	const struct import_input *in;
	struct import_result *out;
	struct iconn defaults;
	struct iconn *conns;		/* owned */
	size_t n_conns, cap_conns;
	struct sline *slines;		/* owned */
	size_t n_slines, cap_slines;
	struct loader ld;		/* the conns as mcvpnd would build them */
	struct conf_diag diag;		/* ld's messages, moved to out->msgs */
	size_t cap_msgs;
	bool oom;
};

/* ---- growing arrays and messages ---- */

static bool grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t want = *cap ? *cap * 2 : 8;
	void *q;

	if (n < *cap)
		return true;
	q = realloc(*p, want * size);
	if (!q)
		return false;
	*p = q;
	*cap = want;
	return true;
}

/* Takes text (NULL: out of memory); a message already given (a %default
 * key, once per conn) is not repeated. */
static void msg_push(struct ctx *cx, enum import_level level, char *text)
{
	struct import_result *r = cx->out;

	for (size_t i = 0; text && i < r->n_msgs; i++)
		if (strcmp(r->msgs[i].text, text) == 0) {
			free(text);
			return;
		}
	if (!text || !grow((void **)&r->msgs, &cx->cap_msgs, r->n_msgs, sizeof(*r->msgs))) {
		free(text);
		cx->oom = true;
		return;
	}
	r->msgs[r->n_msgs++] = (struct import_msg){ .level = level, .text = text };
	r->n_errors += level == IMPORT_ERROR;
	r->n_warnings += level == IMPORT_WARNING;
}

static const char *const level_word[] = {
	[IMPORT_NOTE] = "", [IMPORT_WARNING] = "warning: ", [IMPORT_ERROR] = "error: ",
};

/* "FILE:LINE: [level: ]text" (line 0: "FILE: ..."). */
static void __attribute__((format(printf, 5, 6)))
msg(struct ctx *cx, enum import_level level, const char *file, int line, const char *fmt, ...)
{
	char text[1024], loc[300];
	char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(loc, sizeof(loc), "%s:%d: ", file, line);
	else
		snprintf(loc, sizeof(loc), "%s: ", file);
	if (asprintf(&s, "%s%s%s", loc, level_word[level], text) < 0)
		s = NULL;
	msg_push(cx, level, s);
}

/* Length of the "FILE:LINE: " or "FILE: " that starts d, 0 if none. */
static size_t location_len(const char *d, const char *file)
{
	size_t n = file ? strlen(file) : 0, digits;
	const char *p = d + n;

	if (!n || strncmp(d, file, n) != 0 || *p++ != ':')
		return 0;
	digits = strspn(p, "0123456789");
	if (digits && p[digits] == ':')
		p += digits + 1;
	return *p == ' ' ? (size_t)(p + 1 - d) : 0;
}

/* Moves cx->diag (mcvpnd's "FILE:LINE: reason") to out->msgs, with the
 * level word (and word) after the location. */
static void diag_move(struct ctx *cx, enum import_level level, const char *word)
{
	const struct import_file *files[] = { &cx->in->conf, &cx->in->script, &cx->in->secrets };

	for (size_t i = 0; i < cx->diag.n; i++) {
		const char *d = cx->diag.msgs[i];
		size_t at = 0;
		char *s = NULL;

		for (size_t f = 0; f < 3 && !at; f++)
			at = location_len(d, files[f]->name);
		if (asprintf(&s, "%.*s%s%s%s", (int)at, d, level_word[level], word, d + at) < 0)
			s = NULL;
		msg_push(cx, level, s);
	}
	conf_diag_free(&cx->diag);
}

/* ---- reading the conn file ---- */

/* libreswan's other names of a key, so a conn's esp= replaces a %default's phase2alg=. */
static const char *canonical(const char *key)
{
	static const char *const alias[][2] = {
		{ "esp", "phase2alg" }, { "keylife", "salifetime" }, { "lifetime", "salifetime" },
		{ "ipsec-lifetime", "salifetime" },
	};

	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strcmp(key, alias[i][0]) == 0)
			return alias[i][1];
	return key;
}

/* Adds key=value to ic.  A conn's key replaces the one it inherited, and a
 * later %default replaces an earlier one; a key written twice in one conn is
 * kept twice, for keys_apply to report. */
static void key_add(struct ctx *cx, struct iconn *ic, const struct lex_item *it, bool is_default)
{
	struct ikey *k = NULL;
	char *v = strdup(it->b);

	for (size_t i = 0; i < ic->n_keys && !k; i++)
		if (strcmp(canonical(ic->keys[i].key), canonical(it->a)) == 0 &&
		    (ic->keys[i].inherited || is_default))
			k = &ic->keys[i];
	if (!v || (!k && !grow((void **)&ic->keys, &ic->cap_keys, ic->n_keys, sizeof(*k)))) {
		free(v);
		cx->oom = true;
		return;
	}
	if (k)
		free(k->value);
	else
		k = &ic->keys[ic->n_keys++];
	snprintf(k->key, sizeof(k->key), "%s", it->a);
	k->value = v;
	k->line = it->line;
	k->inherited = is_default;
}

/* mcvpn's conn names; a leading '.' would hide NAME.conf from mcvpnd. */
static bool conn_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= sizeof(((struct iconn *)0)->name) || name[0] == '.')
		return false;
	for (; *name; name++)
		if (!isalnum((unsigned char)*name) && !strchr("-_.+", *name))
			return false;
	return true;
}

static bool conn_start(struct ctx *cx, const struct lex_item *it)
{
	struct iconn *ic;

	if (!grow((void **)&cx->conns, &cx->cap_conns, cx->n_conns, sizeof(*ic))) {
		cx->oom = true;
		return false;
	}
	ic = &cx->conns[cx->n_conns++];
	memset(ic, 0, sizeof(*ic));
	snprintf(ic->name, sizeof(ic->name), "%s", it->b);
	ic->line = it->line;
	for (size_t i = 0; i < cx->defaults.n_keys; i++) {
		struct lex_item d = { .a = cx->defaults.keys[i].key, .b = cx->defaults.keys[i].value,
				      .line = cx->defaults.keys[i].line };
		key_add(cx, ic, &d, true);
	}
	if (!conn_name_ok(it->b))
		msg(cx, IMPORT_ERROR, cx->in->conf.name, it->line,
		    "conn name '%.80s': mcvpn takes 1 to 63 letters, digits, '-', '_', '.' or '+', "
		    "not starting with '.' (the name becomes the file name)", it->b);
	return true;
}

/* Why a config setup key is not carried over. */
static const char *setup_reason(const char *key)
{
	if (!strcmp(key, "logfile") || !strcmp(key, "plutostderrlog") || !strncmp(key, "log", 3))
		return "mcvpnd logs to the journal (to stderr with --foreground)";
	if (!strcmp(key, "plutodebug") || !strcmp(key, "debug"))
		return "use mcvpnd --debug";
	if (!strcmp(key, "protostack"))
		return "mcvpn carries ESP in user space over a TUN device";
	return "mcvpn takes no config setup keys";
}

enum section { S_NONE, S_SETUP, S_DEFAULT, S_CONN };

static enum section section(struct ctx *cx, const struct lex_item *it)
{
	const char *file = cx->in->conf.name;

	if (strcmp(it->a, "conn") == 0 && strcmp(it->b, "%default") == 0)
		return S_DEFAULT;
	if (strcmp(it->a, "conn") == 0) {
		return conn_start(cx, it) ? S_CONN : S_NONE;
	}
	if (strcmp(it->a, "config") == 0 && strcmp(it->b, "setup") == 0)
		return S_SETUP;
	if (strcmp(it->a, "include") == 0)
		msg(cx, IMPORT_WARNING, file, it->line,
		    "include %.200s: not followed: import the files it names one by one", it->b);
	else if (strcmp(it->a, "config") == 0)
		msg(cx, IMPORT_ERROR, file, it->line, "expected 'config setup'");
	return S_NONE;		/* version: ignored, as libreswan does */
}

static void read_conns(struct ctx *cx)
{
	const struct import_file *f = &cx->in->conf;
	enum section in = S_NONE;
	struct lexer lx;
	struct lex_item it;

	lexer_init(&lx, f->text, f->len);
	for (lexer_next(&lx, &it); it.kind != LEX_EOF; lexer_next(&lx, &it)) {
		if (it.kind == LEX_BAD)
			msg(cx, IMPORT_ERROR, f->name, it.line, "%s", it.a);
		else if (it.kind == LEX_SECTION)
			in = section(cx, &it);
		else if (in == S_SETUP)
			msg(cx, IMPORT_NOTE, f->name, it.line, "config setup: %s=%.80s: dropped: %s",
			    it.a, it.b, setup_reason(it.a));
		else if (in == S_DEFAULT)
			key_add(cx, &cx->defaults, &it, true);
		else if (in == S_CONN)
			key_add(cx, &cx->conns[cx->n_conns - 1], &it, false);
		else
			msg(cx, IMPORT_ERROR, f->name, it.line,
			    "key '%s' outside a conn (put it under a 'conn NAME' line)", it.a);
	}
	if (!cx->n_conns)
		msg(cx, IMPORT_ERROR, f->name, 0,
		    "no conn in the file (expected a line 'conn NAME' at column 0)");
}

