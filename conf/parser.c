/* Sections of one ipsec.conf-style file -> conns under construction.
 * "conn %default" sets defaults for the conns after it in the same file;
 * "config setup" is accepted but takes no keys yet; "version" lines from
 * old libreswan files are ignored. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "conf/internal.h"

enum section { IN_NONE, IN_SETUP, IN_DEFAULT, IN_CONN, IN_SKIP };

struct parse {
	struct loader *ld;
	const char *file;
	enum section in;
	struct conn_build defaults;	/* built-in values, then each %default on top */
};

static bool conn_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= sizeof(((struct conf_conn *)0)->name))
		return false;
	for (; *name; name++)
		if (!isalnum((unsigned char)*name) && !strchr("-_.+", *name))
			return false;
	return true;
}

/* A new conn starting from the current defaults; NULL on ENOMEM. */
static struct conn_build *conn_add(struct loader *ld)
{
	if (ld->n_conns == ld->cap_conns) {
		size_t cap = ld->cap_conns ? ld->cap_conns * 2 : 8;
		struct conn_build *grown = realloc(ld->conns, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		ld->conns = grown;
		ld->cap_conns = cap;
	}
	return &ld->conns[ld->n_conns++];
}

static void section_conn(struct parse *ps, const char *name, int line)
{
	struct conn_build *cb;

	if (strcmp(name, "%default") == 0) {
		memset(ps->defaults.key_line, 0, sizeof(ps->defaults.key_line));
		ps->in = IN_DEFAULT;
		return;
	}
	ps->in = IN_SKIP;
	if (!conn_name_ok(name)) {
		diag_add(ps->ld, ps->file, line,
			 "conn name '%.80s': expected 1 to 63 letters, digits, '-', '_', '.' or '+'", name);
		return;
	}
	cb = conn_add(ps->ld);
	if (!cb) {
		diag_add(ps->ld, ps->file, line, "out of memory");
		return;
	}
	*cb = ps->defaults;
	memset(cb->key_line, 0, sizeof(cb->key_line));
	strcpy(cb->c.name, name);
	strncpy(cb->c.file, ps->file, sizeof(cb->c.file) - 1);
	cb->c.line = line;
	ps->in = IN_CONN;
}

static void section(struct parse *ps, const struct lex_item *it)
{
	if (strcmp(it->a, "conn") == 0) {
		section_conn(ps, it->b, it->line);
		return;
	}
	ps->in = IN_SKIP;
	if (strcmp(it->a, "version") == 0)
		ps->in = IN_NONE;
	else if (strcmp(it->a, "include") == 0)
		diag_add(ps->ld, ps->file, it->line,
			 "include is not supported: mcvpn reads every *.conf file in its directory");
	else if (strcmp(it->a, "config") == 0 && strcmp(it->b, "setup") != 0)
		diag_add(ps->ld, ps->file, it->line, "expected 'config setup'");
	else if (strcmp(it->a, "config") == 0)
		ps->in = IN_SETUP;
}

static void key(struct parse *ps, const struct lex_item *it)
{
	switch (ps->in) {
	case IN_NONE:
		diag_add(ps->ld, ps->file, it->line,
			 "key '%s' outside a conn (put it under a 'conn NAME' line)", it->a);
		break;
	case IN_SETUP:
		diag_add(ps->ld, ps->file, it->line,
			 "key '%s' in config setup is not supported by mcvpn yet", it->a);
		break;
	case IN_DEFAULT:
		keys_apply(ps->ld, &ps->defaults, ps->file, it);
		break;
	case IN_CONN:
		keys_apply(ps->ld, &ps->ld->conns[ps->ld->n_conns - 1], ps->file, it);
		break;
	case IN_SKIP:		/* the section header was already reported */
		break;
	}
}

void parser_run(struct loader *ld, const char *file, const char *text, size_t len)
{
	struct parse ps = { .ld = ld, .file = file, .in = IN_NONE };
	struct lexer lx;
	struct lex_item it;

	keys_defaults(&ps.defaults);
	strcpy(ps.defaults.c.name, "%default");
	lexer_init(&lx, text, len);
	for (lexer_next(&lx, &it); it.kind != LEX_EOF; lexer_next(&lx, &it)) {
		if (it.kind == LEX_BAD)
			diag_add(ld, file, it.line, "%s", it.a);
		else if (it.kind == LEX_SECTION)
			section(&ps, &it);
		else
			key(&ps, &it);
	}
}
