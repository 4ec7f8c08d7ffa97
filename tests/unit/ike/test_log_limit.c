/* SPDX-License-Identifier: Apache-2.0 */
/* The log limit for lines an outsider can cause (log.h, log_limited): ten
 * lines per call site and window go out, the rest are counted, and the next
 * line after the window says how many were left out.  Lines go to stderr,
 * caught here in a temporary file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "daemon/base/log.h"

static char caught[8192];

/* Run log lines with stderr in a temporary file; caught gets the text. */
static FILE *catch_start(int *saved)
{
	FILE *f = tmpfile();

	fflush(stderr);
	*saved = dup(2);
	if (f)
		dup2(fileno(f), 2);
	return f;
}

static void catch_end(FILE *f, int saved)
{
	size_t n;

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(caught, 1, sizeof(caught) - 1, f);
	caught[n] = '\0';
	fclose(f);
}

static unsigned count_of(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Peer-chosen bytes (an ID) reach a log line escaped: control characters,
 * quotes' friend the backslash and anything above 0x7e as \xNN, cut to fit. */
static void test_escape(void)
{
	static const uint8_t evil[] = "vpn\n\x1b[31mroot\\\xff.example";
	char out[64], tiny[6];

	CHECK_STR(log_escape(evil, sizeof(evil) - 1, out, sizeof(out)),
		  "vpn\\x0a\\x1b[31mroot\\x5c\\xff.example");
	CHECK_STR(log_escape(evil, sizeof(evil) - 1, tiny, sizeof(tiny)), "vpn");	/* no half \xNN */
	CHECK_STR(log_escape((const uint8_t *)"", 0, out, sizeof(out)), "");
}

int main(void)
{
	struct log_limit l = { 0 };
	unsigned passed = 0;
	int saved;
	FILE *f;

	test_escape();
	log_init(true, LOG_INFO);
	for (int i = 0; i < 25; i++)
		passed += log_limit_pass(&l, LOG_INFO);
	CHECK_INT(passed, LOG_LIMIT_BURST);
	CHECK_INT(l.suppressed, 25 - LOG_LIMIT_BURST);
	CHECK(!log_limit_pass(&l, LOG_DEBUG));	/* not shown at all: not counted */
	CHECK_INT(l.suppressed, 25 - LOG_LIMIT_BURST);

	/* a new window: the first line says what was left out, then goes out */
	l.window -= 1;
	f = catch_start(&saved);
	CHECK(f != NULL);
	if (!f)
		return check_summary("log-limit");
	CHECK(log_limit_pass(&l, LOG_INFO));
	catch_end(f, saved);
	CHECK(strstr(caught, "(15 similar lines left out in 10 s)") != NULL);
	CHECK_INT(l.lines, 1);
	CHECK_INT(l.suppressed, 0);

	/* the macro: one call site, 30 calls, 10 lines */
	f = catch_start(&saved);
	for (int i = 0; i < 30; i++)
		log_limited(LOG_INFO, "c1", "flood line %d", i);
	log_conn(LOG_INFO, "c1", "an ordinary line");
	catch_end(f, saved);
	CHECK_INT(count_of(caught, "flood line"), LOG_LIMIT_BURST);
	CHECK(strstr(caught, "flood line 9") && !strstr(caught, "flood line 10"));
	CHECK(strstr(caught, "an ordinary line") != NULL);
	return check_summary("log-limit");
}
