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

#include "conf/import_priv.h"
#include "crypto/secret.h"

/* ---- growing arrays and messages ---- */

bool import_grow(void **p, size_t *cap, size_t n, size_t size)
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
static void msg_push(struct import_ctx *cx, enum import_level level, char *text)
{
	struct import_result *r = cx->out;

	for (size_t i = 0; text && i < r->n_msgs; i++)
		if (strcmp(r->msgs[i].text, text) == 0) {
			free(text);
			return;
		}
	if (!text || !import_grow((void **)&r->msgs, &cx->cap_msgs, r->n_msgs, sizeof(*r->msgs))) {
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

void import_msg(struct import_ctx *cx, enum import_level level, const char *file, int line,
		const char *fmt, ...)
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

void import_diag_move(struct import_ctx *cx, enum import_level level, const char *word)
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
	for (size_t i = 0; i < cx->diag.n_notes; i++) {	/* already "FILE:LINE: note: " */
		char *s = strdup(cx->diag.notes[i]);

		msg_push(cx, strstr(s ? s : "", ": warning: ") ? IMPORT_WARNING : IMPORT_NOTE, s);
	}
	conf_diag_free(&cx->diag);
}

/* Appends "a" or "a b" to buf, space separated. */
void import_append(char *buf, size_t cap, const char *a, const char *b)
{
	size_t n = strlen(buf);

	snprintf(buf + n, cap - n, "%s%s%s%s", n ? " " : "", a, b ? " " : "", b ? b : "");
}

void import_format_lines(FILE *f, const int *l, size_t n)
{
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && l[j] == l[j - 1] + 1; j++)
			;
		if (j - i > 1)
			fprintf(f, "%s%d-%d", i ? ", " : "", l[i], l[j - 1]);
		else
			fprintf(f, "%s%d", i ? ", " : "", l[i]);
	}
}

/* A value as an operator would write it in a message: quoted when it holds
 * blanks or '#', cut at 80 bytes. */
static const char *shown(const char *v, char *buf, size_t cap)
{
	snprintf(buf, cap, strpbrk(v, " \t#") ? "\"%.80s\"" : "%.80s", v);
	return buf;
}

/* ---- reading the conn file ---- */

/* mcvpn's conn names; a leading '.' would hide NAME.conf from mcvpnd. */
static bool conn_name_ok(const char *name)
{
	return name[0] != '.';
}

static void ikey_add(struct import_ctx *cx, struct iconn *ic, const struct cf_ref *r)
{
	struct ikey *k;

	if (!import_grow((void **)&ic->keys, &ic->cap_keys, ic->n_keys, sizeof(*k))) {
		cx->oom = true;
		return;
	}
	k = &ic->keys[ic->n_keys];
	memset(k, 0, sizeof(*k));
	snprintf(k->key, sizeof(k->key), "%s", r->k->key);
	k->value = strdup(r->k->value);
	k->file = r->k->file;
	k->line = r->k->line;
	k->inherited = r->origin != CF_OWN;
	if (!k->value)
		cx->oom = true;
	else
		ic->n_keys++;
}

/* Why a config setup key is not carried over. */
static const char *setup_reason(const char *key)
{
	const char *why = setup_libreswan_why(key);

	return why ? why : "not a libreswan key mcvpn knows";
}

static void setup_notes(struct import_ctx *cx, const struct cf_unit *u)
{
	char v[100];

	for (size_t i = 0; i < u->n_keys; i++) {
		const struct cf_key *k = &u->keys[i];

		if (u->secs[k->sec].kind == CF_SETUP)
			import_msg(cx, IMPORT_NOTE, k->file, k->line, "config setup: %s=%s: dropped: %s",
				   k->key, shown(k->value, v, sizeof(v)), setup_reason(k->key));
	}
}

/* The set of files an include may name: the given ones, and (include_fs)
 * the file system. */
static struct cfile *files_setup(struct import_ctx *cx)
{
	const struct import_input *in = cx->in;
	struct cfile *conf;

	cx->files.fs = in->include_fs;
	conf = files_add(&cx->files, in->conf.name, in->conf.text, in->conf.len, CONF_FILE_CONF);
	if (in->secrets.text &&
	    !files_add(&cx->files, in->secrets.name, in->secrets.text, in->secrets.len, CONF_FILE_SECRETS))
		conf = NULL;
	for (size_t i = 0; i < in->n_more; i++)
		if (!files_add(&cx->files, in->more[i].name, in->more[i].text, in->more[i].len,
			       CONF_FILE_INCLUDED))
			conf = NULL;
	cx->oom |= !conf;
	cx->ld.files = &cx->files;
	return conf;
}

/* The conn file's sections (includes, %default, also= resolved) -> cx->conns. */
static void read_conns(struct import_ctx *cx)
{
	struct cf_unit u = { 0 };
	struct cf_conns flat = { 0 };
	struct cfile *f = files_setup(cx);

	if (!f)
		return;
	cf_read(&cx->ld, f, &u);
	cf_flatten(&cx->ld, &u, &flat);
	import_diag_move(cx, IMPORT_ERROR, "");
	setup_notes(cx, &u);
	cx->conns = calloc(flat.n + 1, sizeof(*cx->conns));
	cx->oom |= !cx->conns;
	for (size_t i = 0; cx->conns && i < flat.n; i++) {
		struct iconn *ic = &cx->conns[cx->n_conns++];
		const struct cf_section *sec = flat.c[i].sec;

		snprintf(ic->name, sizeof(ic->name), "%s", sec->name);
		ic->file = sec->file;
		ic->line = sec->line;
		for (size_t k = 0; k < flat.c[i].n_refs; k++)
			ikey_add(cx, ic, &flat.c[i].refs[k]);
		if (!conn_name_ok(ic->name))
			import_msg(cx, IMPORT_ERROR, ic->file, ic->line,
				   "conn name '%.80s': mcvpn takes 1 to 63 letters, digits, '-', '_', '.' or '+', "
				   "not starting with '.' (the name becomes the file name)", ic->name);
	}
	if (!cx->n_conns && !cx->out->n_errors)
		import_msg(cx, IMPORT_ERROR, f->path, 0,
			   "no conn in the file (expected a line 'conn NAME' at column 0)");
	cf_conns_free(&flat);
	cf_unit_free(&u);
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
	bool known = false;

	if (!probe)
		return true;	/* keys_apply will then say what is wrong */
	keys_defaults(probe);
	keys_apply(&scratch, probe, "-", 1, key, "x");
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

void import_apply(struct import_ctx *cx, struct conn_build *cb, const char *file, int line,
		  const char *key, const char *value)
{
	keys_apply(&cx->ld, cb, file, line, key, value);
	import_diag_move(cx, IMPORT_ERROR, "");
}

static void convert_key(struct import_ctx *cx, struct iconn *ic, struct conn_build *cb,
			struct ikey *k)
{
	const char *file = k->file;
	const struct rule *r = rule_for(k);
	char *to, v[100];

	if (r && (r->act == DROP || r->act == REFUSE)) {
		import_msg(cx, r->act == DROP ? IMPORT_NOTE : IMPORT_ERROR, file, k->line, "%s=%s: %s%s",
			   k->key, shown(k->value, v, sizeof(v)), r->act == DROP ? "dropped: " : "", r->why);
		k->key[0] = '\0';
		ic->n[1]++;
		return;
	}
	if (r) {
		import_msg(cx, IMPORT_NOTE, file, k->line, "%s=%s: %s %s: %s", k->key,
			   shown(k->value, v, sizeof(v)),
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
	import_apply(cx, cb, file, k->line, k->key, k->value);
}

/* ---- output ---- */

static char *conf_text(struct import_ctx *cx, const struct iconn *ic)
{
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);

	if (!m) {
		cx->oom = true;
		return NULL;
	}
	fprintf(m, "# Imported by mcvpnctl import-libreswan from %s (conn %s)", cx->in->conf.name,
		ic->name);
	if (ic->n_taken)
		fprintf(m, "\n# and %s line%s ", cx->in->script.name, ic->n_taken > 1 ? "s" : "");
	import_format_lines(m, ic->taken, ic->n_taken);
	fprintf(m, ".\nconn %s\n", ic->name);
	for (size_t i = 0; i < ic->n_keys; i++)
		if (ic->keys[i].key[0])
			fprintf(m, strchr(ic->keys[i].value, '#') ? "    %s=\"%s\"\n" : "    %s=%s\n",
				ic->keys[i].key, ic->keys[i].value);
	if (ic->addr[0])
		fprintf(m, "    interface-ip=%s\n", ic->addr);
	for (size_t i = 0; i < ic->n_routes; i++)
		fprintf(m, "%s%s", i ? "," : "    routes=", ic->routes[i]);
	fputs(ic->n_routes ? "\n" : "", m);
	if (fclose(m) != 0) {
		free(out);
		cx->oom = true;
		return NULL;
	}
	return out;
}

static char *summary(struct import_ctx *cx, const struct iconn *ic, const char *psk_where, bool psk)
{
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);

	if (!m) {
		cx->oom = true;
		return NULL;
	}
	fprintf(m, "conn \"%s\": %zu key%s carried over, %zu dropped, %zu changed", ic->name, ic->n[0],
		ic->n[0] == 1 ? "" : "s", ic->n[1], ic->n[2]);
	if (ic->addr[0] || ic->n_routes) {
		fprintf(m, "; %s%s%s%zu route%s from %s line%s ", ic->addr[0] ? "interface-ip=" : "",
			ic->addr, ic->addr[0] ? " and " : "", ic->n_routes, ic->n_routes == 1 ? "" : "s",
			cx->in->script.name, ic->n_taken > 1 ? "s" : "");
		import_format_lines(m, ic->taken, ic->n_taken);
	} else if (cx->in->script.text) {
		fprintf(m, "; nothing from %s", cx->in->script.name);
	}
	if (psk)
		fprintf(m, "; PSK from %s %s", cx->in->secrets.name, psk_where);
	else
		fprintf(m, "; no PSK");
	if (fclose(m) != 0) {
		free(out);
		cx->oom = true;
		return NULL;
	}
	return out;
}

/* The output read back as mcvpnd will read it (a wildcard PSK when none
 * matched): what it refuses is a bug of this file, and said so. */
static void self_check(struct import_ctx *cx, const struct import_conn *oc)
{
	struct conf_diag d = { 0 };
	struct conf *c = NULL;
	char name[80];

	snprintf(name, sizeof(name), "%s.conf", oc->name);
	if (conf_load_text(name, oc->conf, "check.secrets", oc->secrets ? oc->secrets : ": PSK \"x\"\n",
			   &c, &d) != 0) {
		import_msg(cx, IMPORT_ERROR, "mcvpnctl", 0, "internal error: the output does not load");
		for (size_t i = 0; i < d.n; i++)
			import_msg(cx, IMPORT_ERROR, "mcvpnctl", 0, "%s", d.msgs[i]);
	}
	conf_free(c);
	conf_diag_free(&d);
}

static bool routes_something(const struct conf_conn *c)
{
	for (size_t i = 0; c->vti_routing && i < c->n_rightsubnet; i++)
		if (c->rightsubnet[i].len > 0)
			return true;
	return c->n_routes > 0;
}

/* The files and summary of conn i, once every check passed. */
static void finish_conn(struct import_ctx *cx, size_t i, const struct loader *sl)
{
	const struct iconn *ic = &cx->conns[i];
	const struct conf_conn *c = &cx->ld.conns[i].c;
	struct import_conn *oc = &cx->out->conns[i];
	char where[TEXT_MAX] = "";

	snprintf(oc->name, sizeof(oc->name), "%s", ic->name);
	snprintf(oc->vti_interface, sizeof(oc->vti_interface), "%s", c->vti_interface);
	oc->conf = conf_text(cx, ic);
	oc->secrets = import_secrets_for(cx, sl, &cx->ld.conns[i], where, sizeof(where));
	if (!routes_something(c))
		import_msg(cx, IMPORT_WARNING, ic->file, ic->line,
			   "conn \"%s\" routes nothing into %s: %s",
			   ic->name, c->vti_interface, cx->in->script.text ?
			   "the boot script has no 'ip route add ... dev' line for it; add routes=" :
			   "give the boot script with --boot-script, or add routes=");
	oc->summary = summary(cx, ic, where, oc->secrets != NULL);
	if (oc->conf)
		self_check(cx, oc);
}

/* ---- entry points ---- */

/* A PSK entry that fits every conn, so that check_all checks all but the secrets. */
static bool wildcard_psk(struct loader *ld)
{
	ld->psks = calloc(1, sizeof(*ld->psks));
	if (!ld->psks || !(ld->psks[0].psk = secret_dup("x", 1)))
		return false;
	ld->psks[0].any_written = true;
	ld->n_psks = ld->cap_psks = 1;
	return true;
}

static void convert_all(struct import_ctx *cx)
{
	const struct import_file *s = &cx->in->secrets;
	struct loader sl = { .diag = &cx->diag };

	for (size_t i = 0; i < cx->n_conns; i++) {
		struct conn_build *cb = &cx->ld.conns[i];

		keys_defaults(cb);
		snprintf(cb->c.name, sizeof(cb->c.name), "%s", cx->conns[i].name);
		snprintf(cb->c.file, sizeof(cb->c.file), "%s", cx->conns[i].file);
		cb->c.line = cx->conns[i].line;
		for (size_t k = 0; k < cx->conns[i].n_keys; k++)
			convert_key(cx, &cx->conns[i], cb, &cx->conns[i].keys[k]);
	}
	import_script_read(cx);	/* now that the devices are known */
	for (size_t i = 0; i < cx->n_conns; i++)
		if (cx->ld.conns[i].c.vti_interface[0])
			import_script_conn(cx, &cx->conns[i], &cx->ld.conns[i]);
	import_script_others(cx);
	check_all(&cx->ld);
	import_diag_move(cx, IMPORT_ERROR, "");
	if (cx->out->n_errors || cx->oom)
		return;
	sl.files = &cx->files;
	if (s->text && files_find(&cx->files, s->name))
		secrets_read(&sl, files_find(&cx->files, s->name));
	import_diag_move(cx, IMPORT_NOTE, "line skipped: ");
	for (size_t i = 0; i < cx->n_conns; i++)
		finish_conn(cx, i, &sl);
	for (size_t i = 0; i < sl.n_psks; i++)
		secret_free(sl.psks[i].psk);
	free(sl.psks);
}

static void iconn_free(struct iconn *ic)
{
	for (size_t k = 0; k < ic->n_keys; k++)
		free(ic->keys[k].value);
	free(ic->keys);
	free(ic->taken);
}

static void ctx_free(struct import_ctx *cx)
{
	for (size_t i = 0; i < cx->n_conns; i++)
		iconn_free(&cx->conns[i]);
	free(cx->conns);
	free(cx->slines);
	for (size_t i = 0; i < cx->ld.n_conns; i++)
		secret_free(cx->ld.conns[i].c.psk);
	free(cx->ld.conns);
	for (size_t i = 0; i < cx->ld.n_psks; i++)
		secret_free(cx->ld.psks[i].psk);
	free(cx->ld.psks);
	conf_diag_free(&cx->diag);
	files_free(&cx->files);
}

static int int_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Every script line that some conn took over, as "3-5, 7"; NULL on ENOMEM. */
static char *all_taken(const struct import_ctx *cx)
{
	size_t n = 0, u = 0, len = 0;
	char *out = NULL;
	int *l;
	FILE *m;

	for (size_t i = 0; i < cx->n_conns; i++)
		n += cx->conns[i].n_taken;
	l = malloc((n ? n : 1) * sizeof(*l));
	if (!l)
		return NULL;
	n = 0;
	for (size_t i = 0; i < cx->n_conns; i++)
		for (size_t k = 0; k < cx->conns[i].n_taken; k++)
			l[n++] = cx->conns[i].taken[k];
	qsort(l, n, sizeof(l[0]), int_cmp);
	for (size_t i = 0; i < n; i++)
		if (!u || l[u - 1] != l[i])
			l[u++] = l[i];
	m = open_memstream(&out, &len);
	if (m) {
		import_format_lines(m, l, u);
		if (fclose(m) != 0) {
			free(out);
			out = NULL;
		}
	}
	free(l);
	return out;
}

int import_libreswan(const struct import_input *in, struct import_result *out)
{
	struct import_ctx cx = { .in = in, .out = out };

	memset(out, 0, sizeof(*out));
	cx.ld.diag = &cx.diag;
	read_conns(&cx);
	if (cx.n_conns && !cx.oom) {
		out->conns = calloc(cx.n_conns, sizeof(*out->conns));
		cx.ld.conns = calloc(cx.n_conns, sizeof(*cx.ld.conns));
		cx.oom = !out->conns || !cx.ld.conns || !wildcard_psk(&cx.ld);
	}
	if (cx.n_conns && !cx.oom) {
		out->n_conns = cx.ld.n_conns = cx.ld.cap_conns = cx.n_conns;
		convert_all(&cx);
	}
	out->script_taken = all_taken(&cx);
	if (cx.oom || !out->script_taken)
		import_msg(&cx, IMPORT_ERROR, "mcvpnctl", 0, "out of memory");
	ctx_free(&cx);
	return out->n_errors || cx.oom ? -1 : 0;
}

void import_result_free(struct import_result *out)
{
	if (!out)
		return;
	for (size_t i = 0; i < out->n_conns; i++) {
		free(out->conns[i].conf);
		if (out->conns[i].secrets)
			secret_wipe(out->conns[i].secrets, strlen(out->conns[i].secrets));
		free(out->conns[i].secrets);
		free(out->conns[i].summary);
	}
	free(out->conns);
	for (size_t i = 0; i < out->n_msgs; i++)
		free(out->msgs[i].text);
	free(out->msgs);
	free(out->script_taken);
	memset(out, 0, sizeof(*out));
}

