/* SPDX-License-Identifier: Apache-2.0 */
/* NAME.secrets of each imported conn: the entries of libreswan's secrets
 * file that fit the conn (secrets_match, the rule mcvpnd uses: entries that
 * name its IDs, else wildcard entries), copied as written, continuation
 * lines and all.  The PSK is never put in a message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/import_priv.h"
#include "crypto/secret.h"

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

/* The picked entries of file f, lines as written (continuation lines too). */
static void copy_entries(const struct cfile *f, const struct loader *sl, const bool *pick,
			 char *out, size_t cap, size_t *len)
{
	struct lexer lx;
	bool too_long;
	int entry = 0;

	lexer_init(&lx, f->text, f->len);
	while (lexer_line(&lx, &too_long)) {
		const char *s = lx.buf + strspn(lx.buf, " \t");

		if (*s == '#' || !*s)
			continue;
		entry = s == lx.buf ? lx.line : entry;
		for (size_t i = 0; i < sl->n_psks; i++)
			if (pick[i] && sl->psks[i].line == entry && strcmp(sl->psks[i].file, f->path) == 0)
				put_line(out, cap, len, lx.buf);
	}
	secret_wipe(lx.buf, sizeof(lx.buf));
}

/* The picked entries' lines as written, after a comment, file by file
 * (the secrets file first, then the files it includes).  One allocation,
 * so no copy of a PSK is left behind unwiped. */
static char *secrets_text(struct import_ctx *cx, const struct loader *sl, const bool *pick,
			  const char *conn)
{
	const struct import_file *f = &cx->in->secrets;
	size_t cap = strlen(f->name) + 200, len = 0;
	char head[400], *out;

	for (size_t i = 0; i < cx->files.n; i++)
		cap += cx->files.f[i]->len + 1;
	out = malloc(cap);
	if (!out) {
		cx->oom = true;
		return NULL;
	}
	snprintf(head, sizeof(head), "# Imported by mcvpnctl import-libreswan from %s (conn %s).",
		 f->name, conn);
	len = 0;
	out[0] = '\0';
	put_line(out, cap, &len, head);
	for (size_t i = 0; i < cx->files.n; i++)
		if (cx->files.f[i]->kind != CONF_FILE_CONF && cx->files.f[i]->read)
			copy_entries(cx->files.f[i], sl, pick, out, cap, &len);
	return out;
}

char *import_secrets_for(struct import_ctx *cx, const struct loader *sl,
			 const struct conn_build *cb,
			 char *where, size_t where_len)
{
	const struct conf_conn *c = &cb->c;
	const char *name = cx->in->secrets.name;
	bool *pick = calloc(sl->n_psks + 1, sizeof(*pick));
	int *lines = calloc(sl->n_psks + 1, sizeof(*lines));
	size_t n = 0;
	char *out = NULL;
	FILE *w;

	if (!pick || !lines) {
		free(pick);
		free(lines);
		cx->oom = true;
		return NULL;
	}
	if (cx->in->secrets.text && secrets_pick(sl, c, pick)) {
		for (size_t i = 0; i < sl->n_psks; i++)
			if (pick[i])
				lines[n++] = sl->psks[i].line;
		memset(where, 0, where_len);
		w = fmemopen(where, where_len - 1, "w");	/* cut short, NUL-terminated */
		if (w) {
			fprintf(w, "line%s ", n > 1 ? "s" : "");
			import_format_lines(w, lines, n);
			fclose(w);
		}
		out = secrets_text(cx, sl, pick, c->name);
	} else {
		import_msg(cx, IMPORT_WARNING, cx->in->secrets.text ? name : cx->in->conf.name, 0,
			   "%s conn \"%s\" (leftid %s, rightid %s): %s.secrets not written; write it with "
			   "mode 0600 as: %s %s : PSK \"...\"",
			   cx->in->secrets.text ? "no line matches" : "no secrets file (--secrets) for", c->name,
			   c->leftid.text, c->rightid.text, c->name, c->leftid.text, c->rightid.text);
	}
	free(pick);
	free(lines);
	return out;
}

