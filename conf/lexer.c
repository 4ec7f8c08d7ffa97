/* ipsec.conf lines -> items.  A section header starts at column 0
 * ("conn NAME", "config setup"); key lines are indented ("key=value");
 * '#' outside double quotes starts a comment; a value may be double-quoted
 * (the quotes are removed, nothing inside is escaped). */
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

/* Cut the line at a '#' that is not inside double quotes. */
static void strip_comment(char *s)
{
	bool quoted = false;

	for (; *s; s++) {
		if (*s == '"')
			quoted = !quoted;
		else if (*s == '#' && !quoted) {
			*s = '\0';
			return;
		}
	}
}

/* "conn NAME" / "config setup" / anything else at column 0. Returns the
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
	if (strchr(word, '='))
		return "key=value at column 0: key lines must be indented under a 'conn NAME' line";
	if (*skip_space(rest))
		return "a section header is 'conn NAME' or 'config setup' (one name, no spaces)";
	if (strcmp(word, "conn") && strcmp(word, "config") && strcmp(word, "version") &&
	    strcmp(word, "include"))
		return "expected 'conn NAME' or 'config setup' at column 0";
	if (!*name)
		return "section header without a name";
	it->kind = LEX_SECTION;
	it->a = word;
	it->b = name;
	return NULL;
}

/* Value after '=': quoted (no comment inside) or bare. */
static const char *lex_value(char *v, const char **bad)
{
	char *end;

	v = skip_space(v);
	if (*v != '"') {
		strip_comment(v);
		trim_end(v);
		return v;
	}
	end = strchr(v + 1, '"');
	if (!end) {
		*bad = "unterminated quote in value";
		return NULL;
	}
	*end = '\0';
	strip_comment(end + 1);
	if (*skip_space(end + 1)) {
		*bad = "text after the closing quote";
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
		if (s != lx->buf)
			return lex_key(s, it);
		strip_comment(s);
		trim_end(s);
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
