/* SPDX-License-Identifier: Apache-2.0 */
/* The structure of an ipsec.conf file, as libreswan's ipsec.conf(5)
 * describes it, for mcvpnd's drop-ins and the importer alike:
 *  - "include PATTERN" reads the matching files there (relative to the
 *    including file's directory, sorted, nested up to 10 deep, each once);
 *  - "version N" is ignored; "config setup" holds daemon-wide keys;
 *  - "conn %default" gives every conn of the unit (the file and what it
 *    includes) the keys it does not set itself, wherever it is written,
 *    the last %default winning;
 *  - "also=NAME" inserts conn NAME's keys in place (nested; the first
 *    definition of a key wins; the same conn twice is inserted once; a
 *    cycle is refused); a conn that only serves also= is no conn itself;
 *  - key lines belong to the section above them, indented or not (at
 *    column 0 with a note, once per section).
 * Keys are not interpreted here: the caller applies them. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/internal.h"
#include "daemon/base/grow.h"

struct reader {
	struct cf_unit *u;
	ssize_t cur;			/* the section keys go to; -1 none */
	bool skip;			/* the section header was refused: skip its keys */
};

static bool conn_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= sizeof(((struct cf_section *)0)->name))
		return false;
	for (; *name; name++)
		if (!(*name >= 'a' && *name <= 'z') && !(*name >= 'A' && *name <= 'Z') &&
		    !(*name >= '0' && *name <= '9') && !strchr("-_.+", *name))
			return false;
	return true;
}

static void section_add(struct loader *ld, struct reader *r, struct cfile *f,
			const struct lex_item *it, enum cf_kind kind)
{
	struct cf_unit *u = r->u;
	struct cf_section *s;

	r->skip = true;
	if (kind == CF_CONN && !conn_name_ok(it->b)) {
		diag_add(ld, f->path, it->line,
			 "conn name '%.80s': expected 1 to 63 letters, digits, '-', '_', '.' or '+'", it->b);
		return;
	}
	if (!grow_room((void **)&u->secs, &u->cap_secs, u->n_secs, sizeof(*s))) {
		diag_add(ld, f->path, it->line, "out of memory");
		return;
	}
	s = &u->secs[u->n_secs];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	strcpy(s->name, kind == CF_CONN ? it->b : kind == CF_DEFAULT ? "%default" : "setup");
	s->file = f->path;
	s->line = it->line;
	s->first_key = u->n_keys;
	r->cur = (ssize_t)u->n_secs++;
	r->skip = false;
}

static void read_file(struct loader *ld, struct cfile *f, void *arg);

static void section(struct loader *ld, struct reader *r, struct cfile *f, const struct lex_item *it)
{
	if (strcmp(it->a, "include") == 0) {
		files_include(ld, f->path, it->line, it->b, false, read_file, r);
		return;		/* textual: the section goes on after it */
	}
	r->cur = -1;
	r->skip = false;
	if (strcmp(it->a, "version") == 0)
		return;
	if (strcmp(it->a, "config") == 0 && strcmp(it->b, "setup") == 0)
		section_add(ld, r, f, it, CF_SETUP);
	else if (strcmp(it->a, "config") == 0)
		diag_add(ld, f->path, it->line, "expected 'config setup'");
	else if (strcmp(it->b, "%default") == 0)
		section_add(ld, r, f, it, CF_DEFAULT);
	else
		section_add(ld, r, f, it, CF_CONN);
	r->skip = r->cur < 0;
}

static void key(struct loader *ld, struct reader *r, struct cfile *f, const struct lex_item *it)
{
	struct cf_unit *u = r->u;
	struct cf_section *s;
	struct cf_key *k;

	if (r->skip)
		return;		/* its header was reported */
	if (r->cur < 0) {
		diag_add(ld, f->path, it->line, "key '%s' outside a conn (put it under a 'conn NAME' line)",
			 it->a);
		return;
	}
	s = &u->secs[r->cur];
	if (it->col0 && !s->col0_noted) {
		s->col0_noted = true;
		diag_note(ld, CONF_NOTE, f->path, it->line,
			  "%s%s%s: key lines at column 0 are taken as part of it (libreswan documents "
			  "them indented)", s->kind == CF_SETUP ? "config setup" : "conn \"",
			  s->kind == CF_SETUP ? "" : s->name, s->kind == CF_SETUP ? "" : "\"");
	}
	if (strlen(it->a) >= sizeof(k->key)) {
		diag_add(ld, f->path, it->line, "key '%.64s...' is too long", it->a);
		return;
	}
	if (!grow_room((void **)&u->keys, &u->cap_keys, u->n_keys, sizeof(*k))) {
		diag_add(ld, f->path, it->line, "out of memory");
		return;
	}
	k = &u->keys[u->n_keys];
	strcpy(k->key, it->a);
	k->value = strdup(it->b);
	if (!k->value) {
		diag_add(ld, f->path, it->line, "out of memory");
		return;
	}
	k->file = f->path;
	k->line = it->line;
	k->sec = (size_t)r->cur;
	u->n_keys++;
	s->n_keys++;
}

static void read_file(struct loader *ld, struct cfile *f, void *arg)
{
	struct reader *r = arg;
	struct lexer *lx = malloc(sizeof(*lx));
	struct lex_item it;

	if (!lx) {
		diag_add(ld, f->path, 0, "out of memory");
		return;
	}
	lexer_init(lx, f->text, f->len);
	for (lexer_next(lx, &it); it.kind != LEX_EOF; lexer_next(lx, &it)) {
		if (it.kind == LEX_BAD)
			diag_add(ld, f->path, it.line, "%s", it.a);
		else if (it.kind == LEX_SECTION)
			section(ld, r, f, &it);
		else
			key(ld, r, f, &it);
	}
	free(lx);
}

void cf_read(struct loader *ld, struct cfile *f, struct cf_unit *u)
{
	struct reader r = { .u = u, .cur = -1 };

	f->read = true;
	if (!files_enter(ld, f->path, f->path, 0))
		return;
	read_file(ld, f, &r);
	files_leave(ld);
}

/* ---- also= and %default ---- */

struct flat {
	struct loader *ld;
	const struct cf_unit *u;
	struct cf_conn *c;
	size_t stack[CF_DEPTH_MAX * 4];	/* the conns being inserted, outermost first */
	size_t depth;
	bool *inserted;			/* per section, for this conn */
	bool *used;			/* per section: named by some also= */
};

static const struct cf_section *conn_named(const struct cf_unit *u, const char *name)
{
	for (size_t i = 0; i < u->n_secs; i++)
		if (u->secs[i].kind == CF_CONN && strcmp(u->secs[i].name, name) == 0)
			return &u->secs[i];
	return NULL;
}

static struct cf_ref *ref_find(const struct cf_conn *c, const char *key)
{
	const char *want = keys_canonical(key);

	for (size_t i = 0; i < c->n_refs; i++)
		if (strcmp(keys_canonical(c->refs[i].k->key), want) == 0)
			return &c->refs[i];
	return NULL;
}

static void ref_add(struct flat *fl, const struct cf_key *k, enum cf_origin origin)
{
	struct cf_conn *c = fl->c;

	if (!grow_room((void **)&c->refs, &c->cap_refs, c->n_refs, sizeof(*c->refs))) {
		diag_add(fl->ld, k->file, k->line, "out of memory");
		return;
	}
	c->refs[c->n_refs++] = (struct cf_ref){ .k = k, .origin = origin };
}

static void insert(struct flat *fl, size_t sec, enum cf_origin origin);

/* "B -> C -> B" for the cycle message: the stack from the repeated conn. */
static void cycle_text(const struct flat *fl, size_t from, const char *name, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = from; i < fl->depth && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s -> ", fl->u->secs[fl->stack[i]].name);
	if (n < len)
		snprintf(buf + n, len - n, "%s", name);
}

static void also(struct flat *fl, const struct cf_key *k)
{
	char names[512], *save = NULL, path[600];

	snprintf(names, sizeof(names), "%s", k->value);
	for (char *t = strtok_r(names, " \t,", &save); t; t = strtok_r(NULL, " \t,", &save)) {
		const struct cf_section *s = conn_named(fl->u, t);
		size_t idx = s ? (size_t)(s - fl->u->secs) : 0;

		if (!s) {
			diag_add(fl->ld, k->file, k->line, "also=%.80s: no conn %.80s in %s or the files it includes",
				 t, t, fl->u->secs[0].file);
			continue;
		}
		fl->used[idx] = true;
		for (size_t i = 0; i < fl->depth; i++)
			if (fl->stack[i] == idx) {
				cycle_text(fl, i, t, path, sizeof(path));
				diag_add(fl->ld, k->file, k->line, "also=%s: a cycle (%s)", t, path);
				return;
			}
		if (fl->inserted[idx])
			continue;	/* libreswan inserts a conn once */
		if (fl->depth == sizeof(fl->stack) / sizeof(fl->stack[0])) {
			diag_add(fl->ld, k->file, k->line, "also=%s: nested too deep", t);
			return;
		}
		insert(fl, idx, CF_ALSO);
	}
}

/* The keys of section sec, in place. */
static void insert(struct flat *fl, size_t sec, enum cf_origin origin)
{
	const struct cf_section *s = &fl->u->secs[sec];

	fl->inserted[sec] = true;
	fl->stack[fl->depth++] = sec;
	for (size_t i = 0; i < s->n_keys; i++) {
		const struct cf_key *k = &fl->u->keys[s->first_key + i];
		struct cf_ref *have;

		if (strcmp(k->key, "also") == 0) {
			also(fl, k);
			continue;
		}
		have = ref_find(fl->c, k->key);
		if (!have || have->k->sec == k->sec)
			ref_add(fl, k, origin);	/* twice in one section: keys_apply says so */
		else if (origin == CF_OWN)
			diag_note(fl->ld, CONF_NOTE, k->file, k->line,
				  "conn \"%s\": %s= here is not used: also=%s (%s:%d) set it first "
				  "(libreswan takes the first; write also= last to override)",
				  fl->u->secs[fl->stack[0]].name, k->key, fl->u->secs[have->k->sec].name,
				  have->k->file, have->k->line);
	}
	fl->depth--;
}

/* %default keys the conn does not set; of two %default sections, the later wins. */
static void defaults(struct flat *fl)
{
	const struct cf_unit *u = fl->u;
	size_t own = fl->c->n_refs;

	for (size_t s = 0; s < u->n_secs; s++) {
		if (u->secs[s].kind != CF_DEFAULT)
			continue;
		for (size_t i = 0; i < u->secs[s].n_keys; i++) {
			const struct cf_key *k = &u->keys[u->secs[s].first_key + i];
			struct cf_ref *have = ref_find(fl->c, k->key);

			if (strcmp(k->key, "also") == 0 || (have && (size_t)(have - fl->c->refs) < own))
				continue;	/* also= refused in check_defaults; the conn's own wins */
			if (have && have->k->sec != k->sec)
				have->k = k;
			else
				ref_add(fl, k, CF_DEFAULT_KEY);
		}
	}
}

static void check_defaults(struct loader *ld, const struct cf_unit *u)
{
	for (size_t i = 0; i < u->n_keys; i++)
		if (u->secs[u->keys[i].sec].kind == CF_DEFAULT && strcmp(u->keys[i].key, "also") == 0)
			diag_add(ld, u->keys[i].file, u->keys[i].line,
				 "also= is not allowed in conn %%default (libreswan refuses it too)");
}

/* Does the conn's own section set auto=? */
static bool own_auto(const struct cf_unit *u, const struct cf_section *s)
{
	for (size_t i = 0; i < s->n_keys; i++)
		if (strcmp(u->keys[s->first_key + i].key, "auto") == 0)
			return true;
	return false;
}

/* Forgets the problems a template reported: [first, first + n) of ld->diag. */
static void forget(struct loader *ld, size_t first, size_t n, size_t problems)
{
	struct conf_diag *d = ld->diag;

	ld->problems -= problems;
	if (!d || !n)
		return;
	for (size_t i = first; i < first + n; i++)
		free(d->msgs[i]);
	memmove(&d->msgs[first], &d->msgs[first + n], (d->n - first - n) * sizeof(*d->msgs));
	d->n -= n;
}

void cf_flatten(struct loader *ld, const struct cf_unit *u, struct cf_conns *out)
{
	struct flat fl = { .ld = ld, .u = u };
	struct cf_conn *all = calloc(u->n_secs + 1, sizeof(*all));
	size_t *problems = calloc(u->n_secs + 1, sizeof(*problems));

	memset(out, 0, sizeof(*out));
	fl.inserted = calloc(u->n_secs + 1, sizeof(bool));
	fl.used = calloc(u->n_secs + 1, sizeof(bool));
	if (!all || !problems || !fl.inserted || !fl.used) {
		diag_add(ld, u->n_secs ? u->secs[0].file : "mcvpn", 0, "out of memory");
		goto out;
	}
	check_defaults(ld, u);
	for (size_t s = 0; s < u->n_secs; s++) {
		size_t p0 = ld->problems;

		if (u->secs[s].kind != CF_CONN)
			continue;
		memset(fl.inserted, 0, u->n_secs * sizeof(bool));
		fl.c = &all[s];
		fl.c->sec = &u->secs[s];
		fl.c->first_msg = ld->diag ? ld->diag->n : 0;
		insert(&fl, s, CF_OWN);
		defaults(&fl);
		fl.c->n_msgs = (ld->diag ? ld->diag->n : 0) - fl.c->first_msg;
		problems[s] = ld->problems - p0;
	}
	out->c = calloc(u->n_secs + 1, sizeof(*out->c));
	for (size_t s = u->n_secs; out->c && s-- > 0;) {	/* backwards: forget() moves later messages */
		if (u->secs[s].kind != CF_CONN || !fl.used[s] || own_auto(u, &u->secs[s]))
			continue;
		forget(ld, all[s].first_msg, all[s].n_msgs, problems[s]);
		for (size_t t = s + 1; t < u->n_secs; t++)
			all[t].first_msg -= all[t].first_msg >= all[s].first_msg + all[s].n_msgs ? all[s].n_msgs : 0;
		all[s].n_msgs = 0;
		diag_note(ld, CONF_NOTE, u->secs[s].file, u->secs[s].line,
			  "conn \"%s\" only serves also= (it has no auto= of its own): not a "
			  "connection itself", u->secs[s].name);
		free(all[s].refs);
		all[s].refs = NULL;
		all[s].sec = NULL;
	}
	for (size_t s = 0; out->c && s < u->n_secs; s++)
		if (all[s].sec) {
			out->c[out->n++] = all[s];
			all[s].refs = NULL;
		}
	for (size_t s = 0; s < u->n_secs; s++)
		free(all[s].refs);
out:
	free(all);
	free(problems);
	free(fl.inserted);
	free(fl.used);
}

void cf_unit_free(struct cf_unit *u)
{
	for (size_t i = 0; i < u->n_keys; i++)
		free(u->keys[i].value);
	free(u->keys);
	free(u->secs);
	memset(u, 0, sizeof(*u));
}

void cf_conns_free(struct cf_conns *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->c[i].refs);
	free(c->c);
	memset(c, 0, sizeof(*c));
}
