/* SPDX-License-Identifier: Apache-2.0 */
/* ipsec.conf lines -> items.  A section header starts at column 0
 * ("conn NAME", "config setup", "include PATTERN", "version N"); key
 * lines are "key=value", indented as libreswan documents them or at
 * column 0 (the item says which: the parser decides).  A '#' at the start
 * of a line or after a blank, outside double quotes, starts a comment; a
 * value may be double-quoted or in braces (both removed, nothing inside is
 * escaped); a bare value runs to the end of the line or its comment. */
#include <ctype.h>
#include <string.h>

#include "conf/internal.h"

void lexer_init(struct lexer *lx, const char *text, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->text = text;
	lx->len = len;
}

bool lexer_line(struct lexer *lx, bool *too_long)
{
	size_t n = 0;

	*too_long = false;
	if (lx->pos >= lx->len)
		return false;
	lx->line++;
	while (lx->pos < lx->len && lx->text[lx->pos] != '\n') {
		if (n + 1 < sizeof(lx->buf))
			lx->buf[n++] = lx->text[lx->pos];
		else
			*too_long = true;
		lx->pos++;
	}
	lx->pos++;		/* past '\n' (or the end) */
	if (n > 0 && lx->buf[n - 1] == '\r')
		n--;
	lx->buf[n] = '\0';
	return true;
}

static char *skip_space(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static void trim_end(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

/* Cut the line at a '#' that starts it or follows a blank, outside double quotes. */
static void strip_comment(char *s)
{
	bool quoted = false;

	for (char *p = s; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '#' && !quoted && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
	}
}

static bool section_word(const char *w, size_t n)
{
	static const char *const words[] = { "conn", "config", "version", "include" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && strncmp(w, words[i], n) == 0)
			return true;
	return false;
}

/* "conn NAME" / "config setup" / "include X" / "version N". Returns the
 * reason when the line is not a section header, else NULL. */
static const char *lex_section(char *s, struct lex_item *it)
{
	char *word = s, *name, *rest;

	name = word + strcspn(word, " \t");
	if (*name)
		*name++ = '\0';
	name = skip_space(name);
	rest = name + strcspn(name, " \t");
	if (*rest)
		*rest++ = '\0';
	if (*skip_space(rest))
		return strcmp(word, "include") == 0 ? "include takes one file name or pattern (no blanks)"
		       : "a section header is 'conn NAME' or 'config setup' (one name, no spaces)";
	if (!*name)
		return "section header without a name";
	it->kind = LEX_SECTION;
	it->a = word;
	it->b = name;
	return NULL;
}

/* Value after '=': quoted, in braces, or bare (to the end or the comment). */
static const char *lex_value(char *v, const char **bad)
{
	char close, *end;

	v = skip_space(v);
	close = *v == '"' ? '"' : *v == '{' ? '}' : 0;
	if (!close) {
		strip_comment(v);
		trim_end(v);
		return v;
	}
	end = strchr(v + 1, close);
	if (!end) {
		*bad = close == '"' ? "unterminated quote in value" : "a '{' without its '}' in value";
		return NULL;
	}
	*end = '\0';
	strip_comment(end + 1);
	if (*skip_space(end + 1)) {
		*bad = close == '"' ? "text after the closing quote" : "text after the closing '}'";
		return NULL;
	}
	return v + 1;
}

static bool key_char_ok(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* "key=value" on an indented line; the reason on failure, else NULL. */
static const char *lex_key(char *s, struct lex_item *it)
{
	const char *bad = NULL, *value;
	char *eq = strchr(s, '=');

	if (!eq)
		return "expected key=value";
	*eq = '\0';
	trim_end(s);
	if (!*s)
		return "key=value without a key";
	for (const char *k = s; *k; k++)
		if (!key_char_ok(*k))
			return "a key is letters, digits, '-' and '_' (missing '='?)";
	value = lex_value(eq + 1, &bad);
	if (!value)
		return bad;
	it->kind = LEX_KEY;
	it->a = s;
	it->b = value;
	return NULL;
}

/* The next section header or key line, skipping blanks and comments. */
static const char *lex_item(struct lexer *lx, struct lex_item *it)
{
	bool too_long;
	char *s;

	for (;;) {
		if (!lexer_line(lx, &too_long)) {
			it->kind = LEX_EOF;
			it->line = lx->line;
			return NULL;
		}
		it->line = lx->line;
		if (too_long)
			return "line too long";
		s = skip_space(lx->buf);
		if (*s == '\0' || *s == '#')
			continue;
		it->col0 = s == lx->buf;
		if (!it->col0 || (!section_word(s, strcspn(s, " \t")) && strchr(s, '=')))
			return lex_key(s, it);
		strip_comment(s);
		trim_end(s);
		if (!section_word(s, strcspn(s, " \t")))
			return "expected 'conn NAME' or 'config setup' at column 0";
		return lex_section(s, it);
	}
}

void lexer_next(struct lexer *lx, struct lex_item *it)
{
	const char *bad = lex_item(lx, it);

	if (bad) {
		it->kind = LEX_BAD;
		it->a = bad;
		it->b = NULL;
	}
}
