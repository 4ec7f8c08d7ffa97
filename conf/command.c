/* SPDX-License-Identifier: Apache-2.0 */
/* A command line as written in updown= -> the words of its argv.  mcvpnd
 * runs the program itself, never through a shell, so the rules are few and
 * a command line written for a shell is refused rather than run another way:
 *   - blanks (spaces, tabs) separate words;
 *   - '...' keeps everything inside as it is (no escapes);
 *   - "..." keeps everything inside as it is but \" and \\;
 *   - outside quotes, a backslash keeps the next character as it is;
 *   - outside quotes, | & ; < > ( ) $ ` * ? [ anywhere, and ~ or # at the
 *     start of a word, are refused: a shell would give them a meaning;
 *   - a control character is refused anywhere;
 *   - the first word is the program: an absolute path (no PATH search). */
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"

struct splitter {
	struct conf_command *out;
	size_t len;			/* bytes of out->words used */
	bool in_word;
	char *why;
	size_t wl;
};

static int put(struct splitter *s, char ch)
{
	if ((ch && (unsigned char)ch < 0x20 && ch != '\t') || ch == 0x7f) {
		snprintf(s->why, s->wl, "a control character (0x%02x)", (unsigned char)ch);
		return -1;
	}
	if (s->len + 2 > sizeof(s->out->words)) {	/* room for the word's NUL too */
		snprintf(s->why, s->wl, "too long (the words take at most %zu bytes with a NUL each)",
			 sizeof(s->out->words));
		return -1;
	}
	if (!s->in_word) {
		if (s->out->argc >= CONF_COMMAND_ARGS) {
			snprintf(s->why, s->wl, "more than %d words", CONF_COMMAND_ARGS);
			return -1;
		}
		s->out->argc++;
		s->in_word = true;
	}
	if (ch)
		s->out->words[s->len++] = ch;
	return 0;
}

static void end_word(struct splitter *s)
{
	if (s->in_word)
		s->out->words[s->len++] = '\0';
	s->in_word = false;
}

/* A quoted part starting at *p (the opening quote); *p ends past the closing one. */
static int quoted(struct splitter *s, const char **p)
{
	char q = **p;
	const char *c = *p + 1;

	if (put(s, 0))	/* '' is a word of its own, empty */
		return -1;
	for (; *c && *c != q; c++) {
		if (q == '"' && *c == '\\' && (c[1] == '"' || c[1] == '\\'))
			c++;
		if (put(s, *c))
			return -1;
	}
	if (!*c) {
		snprintf(s->why, s->wl, "a %c quote without its end", q);
		return -1;
	}
	*p = c + 1;
	return 0;
}

static int plain(struct splitter *s, const char **p)
{
	const char *c = *p;

	if (strchr("|&;<>()$`*?[", *c) || (!s->in_word && (*c == '~' || *c == '#'))) {
		snprintf(s->why, s->wl, "'%c' outside quotes: mcvpnd runs the program without a shell "
			 "(quote it, or put the command line in a script and name the script)", *c);
		return -1;
	}
	if (*c == '\\') {
		if (!c[1]) {
			snprintf(s->why, s->wl, "a backslash at the end");
			return -1;
		}
		c++;
	}
	*p = c + 1;
	return put(s, *c);
}

static int split(struct splitter *s, const char *text)
{
	for (const char *p = text; *p;) {
		if (*p == ' ' || *p == '\t') {
			end_word(s);
			p++;
		} else if (*p == '\'' || *p == '"') {
			if (quoted(s, &p))
				return -1;
		} else if (plain(s, &p)) {
			return -1;
		}
	}
	end_word(s);
	return 0;
}

int conf_command_parse(const char *text, struct conf_command *out, char *why, size_t wl)
{
	struct splitter s = { .out = out, .why = why, .wl = wl };
	int r;

	memset(out, 0, sizeof(*out));
	r = split(&s, text);

	if (r == 0 && !out->argc) {
		snprintf(why, wl, "no program named");
		r = -1;
	} else if (r == 0 && out->words[0] != '/') {
		snprintf(why, wl, "the program must be an absolute path (mcvpnd searches no PATH)");
		r = -1;
	}
	if (r)
		memset(out, 0, sizeof(*out));
	return r;
}

size_t conf_command_argv(const struct conf_command *c, const char **argv, size_t max)
{
	const char *w = c->words;
	size_t n = 0;

	for (; n < c->argc && n + 1 < max; n++, w += strlen(w) + 1)
		argv[n] = w;
	if (max)
		argv[n] = NULL;
	return n;
}
