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

/* ---- keys: carried over, dropped, changed or refused ---- */

enum action { DROP, CHANGE, RENAME, REFUSE };

struct rule {
	const char *key;
	const char *value;		/* NULL: any value */
	enum action act;
	const char *to;			/* CHANGE: new value; RENAME: new key */
	const char *why;
};

/* First match wins.  A key that is in neither this table nor mcvpn's key
 * table is dropped as "not supported by mcvpn"; the others are carried over
 * when mcvpn takes their value. */
static const struct rule rules[] = {
	{ "encapsulation", "no", CHANGE, "yes", "mcvpn always uses UDP encapsulation" },
	{ "auto", "ondemand", CHANGE, "start", "mcvpn has no on-demand start; it keeps the conn up" },
	{ "auto", "route", CHANGE, "start", "mcvpn has no on-demand start; it keeps the conn up" },
	{ "keyingtries", NULL, DROP, NULL, "mcvpn retries auto=start conns forever with backoff" },
	{ "leftupdown", NULL, DROP, NULL, "not supported: mcvpn runs no updown script "
	  "(interface-ip= and routes= set up the device)" },
	{ "rightupdown", NULL, DROP, NULL, "not supported: mcvpn runs no updown script" },
	{ "leftvti", NULL, RENAME, "interface-ip", "mcvpn's name for the tunnel device's address" },
	{ "rightvti", NULL, DROP, NULL, "mcvpn needs no address for the peer's end of the device" },
	{ "mtu", NULL, DROP, NULL, "mcvpnd sets the tunnel device's MTU itself (see mcvpnd(8))" },
	{ "leftnexthop", NULL, DROP, NULL, "not needed: the outer packets follow the host's routes" },
	{ "rightnexthop", NULL, DROP, NULL, "not needed: the outer packets follow the host's routes" },
	{ "phase2", "esp", DROP, NULL, "mcvpn always uses ESP" },
	{ "phase2", NULL, REFUSE, NULL, "mcvpn uses only ESP" },
	{ "also", NULL, REFUSE, NULL, "conn inheritance is not supported: copy the keys of that conn "
	  "into this one (or into conn %default), then import again" },
	{ "fragmentation", NULL, DROP, NULL, "mcvpn does not fragment IKE messages" },
	{ "mobike", "no", DROP, NULL, "mcvpn has no MOBIKE, as asked" },
	{ "narrowing", "no", DROP, NULL, "as responder mcvpn narrows to leftsubnet/rightsubnet" },
	{ "aggressive", NULL, DROP, NULL, "mcvpn speaks only IKEv2" },
	{ "aggrmode", NULL, DROP, NULL, "mcvpn speaks only IKEv2" },
	{ "ikepad", NULL, DROP, NULL, "mcvpn speaks only IKEv2" },
	{ "nat-ikev1-method", NULL, DROP, NULL, "mcvpn speaks only IKEv2" },
	{ "vti-shared", "no", DROP, NULL, "each mcvpn conn has a device of its own" },
};

static const struct rule authby_rule = { "authby", NULL, CHANGE, "secret",
					 "mcvpn authenticates only with the pre-shared key" };
static const struct rule empty_rule = { NULL, NULL, DROP, NULL,
					"empty value (libreswan reads it as unset)" };
static const struct rule unknown_rule = { NULL, NULL, DROP, NULL, "not supported by mcvpn" };

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

/* True when mcvpn's key table knows key (applying it sets a flag of a scratch conn). */
static bool mcvpn_knows(const char *key)
{
	struct conn_build *probe = calloc(1, sizeof(*probe));
	struct loader scratch = { 0 };
	struct lex_item it = { .kind = LEX_KEY, .line = 1, .a = key, .b = "x" };
	bool known = false;

	if (!probe)
		return true;	/* keys_apply will then say what is wrong */
	keys_defaults(probe);
	keys_apply(&scratch, probe, "-", &it);
	for (size_t i = 0; i < KEY_COUNT; i++)
		known |= probe->set[i];
	free(probe);
	return known;
}

/* The rule for k, or NULL when it is carried over as written. */
static const struct rule *rule_for(const struct ikey *k)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (strcmp(rules[i].key, k->key) == 0 && (!rules[i].value || !strcmp(rules[i].value, k->value)))
			return &rules[i];
	if (authby_with_secret(k->key, k->value))
		return &authby_rule;
	if (!*k->value)
		return &empty_rule;
	return mcvpn_knows(k->key) ? NULL : &unknown_rule;
}

/* Applies key=value to cb as mcvpnd would; what it refuses is an error. */
static void apply(struct ctx *cx, struct conn_build *cb, const char *file, int line,
		  const char *key, const char *value)
{
	struct lex_item it = { .kind = LEX_KEY, .line = line, .a = key, .b = value };

	keys_apply(&cx->ld, cb, file, &it);
	diag_move(cx, IMPORT_ERROR, "");
}

static void convert_key(struct ctx *cx, struct iconn *ic, struct conn_build *cb, struct ikey *k)
{
	const char *file = cx->in->conf.name;
	const struct rule *r = rule_for(k);
	char *to;

	if (r && (r->act == DROP || r->act == REFUSE)) {
		msg(cx, r->act == DROP ? IMPORT_NOTE : IMPORT_ERROR, file, k->line, "%s=%.80s: %s%s",
		    k->key, k->value, r->act == DROP ? "dropped: " : "", r->why);
		k->key[0] = '\0';
		ic->n[1]++;
		return;
	}
	if (r) {
		msg(cx, IMPORT_NOTE, file, k->line, "%s=%.80s: %s %s: %s", k->key, k->value,
		    r->act == CHANGE ? "changed to" : "renamed to", r->to, r->why);
		if (r->act == RENAME) {
			snprintf(k->key, sizeof(k->key), "%s", r->to);
		} else if ((to = strdup(r->to))) {
			free(k->value);
			k->value = to;
		} else {
			cx->oom = true;
		}
	}
	ic->n[r ? 2 : 0]++;
	apply(cx, cb, file, k->line, k->key, k->value);
}

/* ---- the boot script ---- */

/* A prefix of word, at least min characters long: ip's own abbreviations. */
static bool abbrev(const char *tok, const char *word, size_t min)
{
	size_t n = strlen(tok);

	return n >= min && n <= strlen(word) && strncmp(tok, word, n) == 0;
}

static bool is_cmd(const char *tok, const char *name)
{
	const char *slash = strrchr(tok, '/');

	return strcmp(slash ? slash + 1 : tok, name) == 0;
}

/* ip address/route options that take an argument. */
static bool takes_arg(const char *t)
{
	static const char *const w[] = {
		"via", "src", "metric", "preference", "priority", "table", "proto", "protocol",
		"scope", "realm", "realms", "mtu", "advmss", "weight", "tos", "dsfield", "expires",
		"pref", "initcwnd", "initrwnd", "peer", "remote", "broadcast", "brd", "anycast",
		"label", "valid_lft", "preferred_lft", "rtt", "rttvar", "window", "hoplimit",
		"features", "quickack", "congctl",
	};

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (strcmp(t, w[i]) == 0)
			return true;
	return false;
}

/* Appends "a" or "a b" to buf, space separated. */
static void append(char *buf, size_t cap, const char *a, const char *b)
{
	size_t n = strlen(buf);

	snprintf(buf + n, cap - n, "%s%s%s%s", n ? " " : "", a, b ? " " : "", b ? b : "");
}

/* The words after "ip address add" / "ip route add": the address or prefix,
 * the device ("dev D", also after "nexthop"), and the options left over. */
static void ip_args(struct sline *sl, char **t, size_t n, bool v6)
{
	bool many_devs = false;

	for (size_t i = 0; i < n; i++) {
		if ((!strcmp(t[i], "dev") || !strcmp(t[i], "oif")) && i + 1 < n) {
			many_devs |= sl->dev[0] && strcmp(sl->dev, t[i + 1]) != 0;
			snprintf(sl->dev, sizeof(sl->dev), "%s", t[++i]);
		} else if ((!strcmp(t[i], "to") || !strcmp(t[i], "local")) && i + 1 < n && !sl->value[0]) {
			snprintf(sl->value, sizeof(sl->value), "%s", t[++i]);
		} else if (takes_arg(t[i]) && i + 1 < n) {
			append(sl->extra, sizeof(sl->extra), t[i], t[i + 1]);
			i++;
		} else if (!strcmp(t[i], "nexthop") || !strcmp(t[i], "unicast")) {
			continue;
		} else if (!sl->value[0]) {
			snprintf(sl->value, sizeof(sl->value), "%s", t[i]);
		} else {
			append(sl->extra, sizeof(sl->extra), t[i], NULL);
		}
	}
	if (sl->kind == SL_ROUTE && strcmp(sl->value, "default") == 0)
		snprintf(sl->value, sizeof(sl->value), "%s", v6 ? "::/0" : "0.0.0.0/0");
	if (many_devs)
		sl->dev[0] = '\0';	/* a multipath route over several devices: left alone */
}

/* "ip link set [dev] D up mtu N", "ip link add [name] D type vti ...", "ip tunnel add D ...". */
static void ip_device(struct sline *sl, char **t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if ((!strcmp(t[i], "dev") || !strcmp(t[i], "name")) && i + 1 < n)
			snprintf(sl->dev, sizeof(sl->dev), "%s", t[++i]);
		else if (!sl->dev[0] && strcmp(t[i], "up") && strcmp(t[i], "down"))
			snprintf(sl->dev, sizeof(sl->dev), "%s", t[i]);
		sl->mtu |= strcmp(t[i], "mtu") == 0;
	}
}

/* Fills sl from "[sudo] ip [-4|-6] address|route add ..." or "ip link|tunnel
 * set|add ..."; false for every other command. */
static bool ip_command(struct sline *sl, char **t, size_t n)
{
	size_t i = 0;
	bool v6 = false;

	while (i < n && (is_cmd(t[i], "sudo") || (i > 0 && t[i][0] == '-')))
		i++;
	if (i == n || !is_cmd(t[i++], "ip"))
		return false;
	for (; i < n && t[i][0] == '-'; i++) {
		if (!strcmp(t[i], "-n") || !strcmp(t[i], "-netns"))
			return false;	/* another namespace: not the host's devices */
		v6 |= strcmp(t[i], "-6") == 0;
		i += !strcmp(t[i], "-f") || !strcmp(t[i], "-family");
	}
	if (i + 1 >= n)
		return false;
	if ((abbrev(t[i], "address", 1) || abbrev(t[i], "route", 1)) &&
	    (abbrev(t[i + 1], "add", 1) || abbrev(t[i + 1], "replace", 3))) {
		sl->kind = t[i][0] == 'a' ? SL_ADDR : SL_ROUTE;
		ip_args(sl, t + i + 2, n - i - 2, v6);
		return sl->dev[0] && sl->value[0];
	}
	if ((abbrev(t[i], "link", 1) || abbrev(t[i], "tunnel", 2)) &&
	    (!strcmp(t[i + 1], "set") || abbrev(t[i + 1], "add", 1))) {
		sl->kind = SL_DEVICE;
		ip_device(sl, t + i + 2, n - i - 2);
		return sl->dev[0];
	}
	return false;
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* True when tok names dev as a word: "vti1", "net.ipv4.conf.vti1.disable_policy=1". */
static bool names_dev(const char *tok, const char *dev)
{
	size_t n = strlen(dev);

	for (const char *p = strstr(tok, dev); n && p; p = strstr(p + 1, dev))
		if ((p == tok || !word_char(p[-1])) && !word_char(p[n]))
			return true;
	return false;
}

/* Records one command if it is about a device: an ip command, or any other
 * command that names the vti-interface of an imported conn. */
static void script_command(struct ctx *cx, int line, char **t, size_t n)
{
	struct sline sl = { .line = line };

	for (size_t i = 0; i < n; i++)
		append(sl.text, sizeof(sl.text), t[i], NULL);
	if (!ip_command(&sl, t, n)) {
		memset(sl.dev, 0, sizeof(sl.dev));
		sl.kind = SL_OTHER;
		for (size_t c = 0; c < cx->ld.n_conns && !sl.dev[0]; c++)
			for (size_t i = 0; i < n && !sl.dev[0]; i++)
				if (names_dev(t[i], cx->ld.conns[c].c.vti_interface))
					snprintf(sl.dev, sizeof(sl.dev), "%s", cx->ld.conns[c].c.vti_interface);
		if (!sl.dev[0])
			return;		/* #!/bin/bash, sleep 30, other work: not ours */
	}
	if (!grow((void **)&cx->slines, &cx->cap_slines, cx->n_slines, sizeof(sl))) {
		cx->oom = true;
		return;
	}
	cx->slines[cx->n_slines++] = sl;
}

/* Splits a shell line into words and commands (at ';', '&' and '|'); a '#'
 * that starts a word starts a comment; quotes are dropped. */
static void script_line(struct ctx *cx, int line, const char *s)
{
	char buf[2 * LEX_LINE_MAX];	/* every byte once, plus a NUL per word */
	char *t[TOKENS_MAX];
	size_t n = 0, o = 0;
	bool in_word = false;

	for (const char *p = s;; p++) {
		bool sep = *p == ';' || *p == '&' || *p == '|';

		if (in_word && (!*p || *p == ' ' || *p == '\t' || sep)) {
			buf[o++] = '\0';
			in_word = false;
		}
		if (!*p || (*p == '#' && !in_word))
			break;
		if (sep && n)
			script_command(cx, line, t, n);
		n = sep ? 0 : n;
		if (sep || *p == ' ' || *p == '\t' || *p == '"' || *p == '\'')
			continue;
		if (!in_word && n == TOKENS_MAX)
			break;
		if (!in_word)
			t[n++] = buf + o;
		in_word = true;
		buf[o++] = *p;
	}
	if (n)
		script_command(cx, line, t, n);
}

static void read_script(struct ctx *cx)
{
	const struct import_file *f = &cx->in->script;
	struct lexer lx;
	bool too_long;

	lexer_init(&lx, f->text, f->len);
	while (f->text && lexer_line(&lx, &too_long)) {
		if (too_long)
			msg(cx, IMPORT_WARNING, f->name, lx.line, "line too long: not read");
		else
			script_line(cx, lx.line, lx.buf);
	}
}

/* ---- the script's lines -> interface-ip= and routes= of each conn ---- */

static void add_taken(struct iconn *ic, int line)
{
	if (ic->n_taken < TAKEN_MAX && (!ic->n_taken || ic->taken[ic->n_taken - 1] != line))
		ic->taken[ic->n_taken++] = line;
}

/* Ascending line numbers as "3-5, 7". */
static void format_lines(const int *l, size_t n, char *buf, size_t cap)
{
	buf[0] = '\0';
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && l[j] == l[j - 1] + 1; j++)
			;
		snprintf(buf + strlen(buf), cap - strlen(buf), j - i > 1 ? "%s%d-%d" : "%s%d",
			 i ? ", " : "", l[i], l[j - 1]);
	}
}

/* value alone, as mcvpnd would read key=value; its problems are errors. */
static bool value_ok(struct ctx *cx, const struct sline *sl, const char *conn, const char *key)
{
	struct conn_build *probe = calloc(1, sizeof(*probe));
	struct loader scratch = { .diag = &cx->diag };
	struct lex_item it = { .kind = LEX_KEY, .line = sl->line, .a = key, .b = sl->value };

	if (!probe) {
		cx->oom = true;
		return false;
	}
	keys_defaults(probe);
	snprintf(probe->c.name, sizeof(probe->c.name), "%s", conn);
	keys_apply(&scratch, probe, cx->in->script.name, &it);
	free(probe);
	diag_move(cx, IMPORT_ERROR, "");
	return scratch.problems == 0;
}

static bool xfrm_setting(const struct sline *sl)
{
	return strstr(sl->text, "disable_policy") || strstr(sl->text, "disable_xfrm");
}

/* Lines that mcvpnd makes unneeded, or that only name the device. */
static void script_device(struct ctx *cx, const struct sline *sl, const char *dev)
{
	const char *file = cx->in->script.name;

	if (sl->kind == SL_DEVICE && sl->mtu)
		msg(cx, IMPORT_NOTE, file, sl->line,
		    "%s: not carried over: mcvpnd sets %s's MTU itself (see mcvpnd(8))", sl->text, dev);
	else if (sl->kind == SL_DEVICE)
		msg(cx, IMPORT_NOTE, file, sl->line, "%s: not needed: mcvpnd creates %s and brings it up",
		    sl->text, dev);
	else if (xfrm_setting(sl))
		msg(cx, IMPORT_NOTE, file, sl->line, "%s: not needed: mcvpn uses no kernel IPsec policy on %s",
		    sl->text, dev);
	else
		msg(cx, IMPORT_NOTE, file, sl->line,
		    "%s: left alone: it names %s; check whether mcvpn still needs it", sl->text, dev);
}

static void script_route(struct ctx *cx, struct iconn *ic, const struct sline *sl, bool has_routes)
{
	const char *file = cx->in->script.name;

	if (has_routes) {
		msg(cx, IMPORT_NOTE, file, sl->line, "%s: dropped: the conn sets routes= already", sl->text);
		return;
	}
	if (!value_ok(cx, sl, ic->name, "routes"))
		return;
	for (size_t i = 0; i < ic->n_routes; i++)
		if (strcmp(ic->routes[i], sl->value) == 0) {
			msg(cx, IMPORT_NOTE, file, sl->line, "%s: dropped: the same route again", sl->text);
			return;
		}
	if (ic->n_routes == CONF_MAX_ROUTES) {
		msg(cx, IMPORT_ERROR, file, sl->line, "%s: more than %d routes (mcvpn's limit)", sl->text,
		    CONF_MAX_ROUTES);
		return;
	}
	ic->routes_line = ic->n_routes ? ic->routes_line : sl->line;
	snprintf(ic->routes[ic->n_routes++], sizeof(ic->routes[0]), "%s", sl->value);
}

static void script_addr(struct ctx *cx, struct iconn *ic, const struct sline *sl, bool has_ip)
{
	const char *file = cx->in->script.name;

	if (has_ip || ic->addr[0])
		msg(cx, IMPORT_NOTE, file, sl->line, "%s: dropped: mcvpn puts one address on %s (%s)",
		    sl->text, sl->dev, has_ip ? "the conn sets interface-ip= already" : ic->addr);
	else if (value_ok(cx, sl, ic->name, "interface-ip"))
		snprintf(ic->addr, sizeof(ic->addr), "%s", sl->value);
	ic->addr_line = ic->addr_line ? ic->addr_line : sl->line;
}

/* The script lines for cb's device -> ic->addr, ic->routes, ic->taken. */
static void script_conn(struct ctx *cx, struct iconn *ic, const struct conn_build *cb)
{
	const char *dev = cb->c.vti_interface;

	for (size_t i = 0; i < cx->n_slines; i++) {
		const struct sline *sl = &cx->slines[i];

		if (strcmp(sl->dev, dev) != 0)
			continue;
		if (sl->kind != SL_OTHER || xfrm_setting(sl))
			add_taken(ic, sl->line);
		if (sl->kind == SL_DEVICE || sl->kind == SL_OTHER) {
			script_device(cx, sl, dev);
			continue;
		}
		if (sl->extra[0])
			msg(cx, IMPORT_NOTE, cx->in->script.name, sl->line, "%s: '%s' not carried over: %s",
			    sl->text, sl->extra, sl->kind == SL_ADDR ? "mcvpnd adds the address as it is" :
			    "mcvpnd installs routes= in the main table, scope link, with no gateway");
		if (sl->kind == SL_ADDR)
			script_addr(cx, ic, sl, cb->set[KEY_INTERFACE_IP]);
		else
			script_route(cx, ic, sl, cb->set[KEY_ROUTES]);
	}
}

/* ip lines for devices that no imported conn has: the operator keeps them. */
static void script_others(struct ctx *cx)
{
	for (size_t i = 0; i < cx->n_slines; i++) {
		const struct sline *sl = &cx->slines[i];
		bool ours = false;

		for (size_t c = 0; c < cx->ld.n_conns && !ours; c++)
			ours = strcmp(sl->dev, cx->ld.conns[c].c.vti_interface) == 0;
		if (!ours)
			msg(cx, IMPORT_NOTE, cx->in->script.name, sl->line, "%s: left alone: %s", sl->text,
			    sl->dev[0] ? "not the vti-interface of an imported conn" :
			    "a route over several devices");
	}
}

/* interface-ip= and routes= from the script, applied as mcvpnd would. */
static void script_apply(struct ctx *cx, struct iconn *ic, struct conn_build *cb)
{
	char routes[CONF_MAX_ROUTES * 64] = "";

	if (ic->addr[0])
		apply(cx, cb, cx->in->script.name, ic->addr_line, "interface-ip", ic->addr);
	for (size_t i = 0; i < ic->n_routes; i++)
		append(routes, sizeof(routes), ic->routes[i], NULL);
	for (char *p = routes; (p = strchr(p, ' '));)
		*p = ',';
	if (ic->n_routes)
		apply(cx, cb, cx->in->script.name, ic->routes_line, "routes", routes);
}

/* ---- secrets ---- */

/* Marks the entries of sl that fit c: those naming its IDs, else the
 * wildcards.  Returns how many. */
static size_t secrets_pick(const struct loader *sl, const struct conf_conn *c, bool *pick)
{
	size_t n = 0;

	for (int pass = 0; pass < 2 && !n; pass++)
		for (size_t i = 0; i < sl->n_psks; i++) {
			struct loader one = { .psks = &sl->psks[i], .n_psks = 1 };

			if ((sl->psks[i].n_ids > 0) == (pass == 0) && secrets_match(&one, c)) {
				pick[i] = true;
				n++;
			}
		}
	return n;
}

/* Appends s and a newline within cap (the buffer is sized for the whole file). */
static void put_line(char *buf, size_t cap, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len + n + 2 > cap)
		return;
	memcpy(buf + *len, s, n);
	buf[*len + n] = '\n';
	*len += n + 1;
	buf[*len] = '\0';
}

/* The picked entries' lines as written (continuation lines too), after a
 * comment.  One allocation, so no copy of a PSK is left behind unwiped. */
static char *secrets_text(struct ctx *cx, const struct loader *sl, const bool *pick, const char *conn)
{
	const struct import_file *f = &cx->in->secrets;
	size_t cap = f->len + strlen(f->name) + 200, len = 0;
	char *out = malloc(cap);
	char head[400];
	int entry = 0;
	struct lexer lx;
	bool too_long;

	if (!out) {
		cx->oom = true;
		return NULL;
	}
	snprintf(head, sizeof(head), "# Imported by mcvpnctl import-libreswan from %s (conn %s).",
		 f->name, conn);
	put_line(out, cap, &len, head);
	lexer_init(&lx, f->text, f->len);
	while (lexer_line(&lx, &too_long)) {
		const char *s = lx.buf + strspn(lx.buf, " \t");

		if (*s == '#' || !*s)
			continue;
		entry = s == lx.buf ? lx.line : entry;
		for (size_t i = 0; i < sl->n_psks; i++)
			if (pick[i] && sl->psks[i].line == entry)
				put_line(out, cap, &len, lx.buf);
	}
	secret_wipe(lx.buf, sizeof(lx.buf));
	return out;
}

/* NAME.secrets for cb, or NULL (warned) when no entry fits it; where gets
 * "line 1" for the summary. */
static char *secrets_for(struct ctx *cx, const struct loader *sl, const struct conn_build *cb,
			 char *where, size_t where_len)
{
	const struct conf_conn *c = &cb->c;
	const char *name = cx->in->secrets.name;
	bool *pick = calloc(sl->n_psks + 1, sizeof(*pick));
	int lines[TAKEN_MAX];
	size_t n = 0;
	char *out = NULL;

	if (!pick) {
		cx->oom = true;
		return NULL;
	}
	if (cx->in->secrets.text && secrets_pick(sl, c, pick)) {
		for (size_t i = 0; i < sl->n_psks && n < TAKEN_MAX; i++)
			if (pick[i])
				lines[n++] = sl->psks[i].line;
		format_lines(lines, n, where + 5, where_len - 5);
		memcpy(where, n > 1 ? "lines" : "line ", 5);
		out = secrets_text(cx, sl, pick, c->name);
	} else {
		msg(cx, IMPORT_WARNING, cx->in->secrets.text ? name : cx->in->conf.name, 0,
		    "%s for conn \"%s\" (leftid %s, rightid %s): %s.secrets not written; write it with "
		    "mode 0600 as: %s %s : PSK \"...\"",
		    cx->in->secrets.text ? "no line matches" : "no secrets file (--secrets)", c->name,
		    c->leftid.text, c->rightid.text, c->name, c->leftid.text, c->rightid.text);
	}
	free(pick);
	return out;
}
