/* daemon/log.h for fuzz_ike_engine, in place of daemon/log.c.  Every line at
 * every priority is formatted, so an argument that does not fit its format
 * reaches the sanitizers, and then dropped: writing it would cost more than
 * the engine's work.  With FUZZ_IKE_LOG=1 in the environment the lines go to
 * stderr, to read what one input does.  No rate limit: its window would carry
 * state from one input to the next. */
#include "daemon/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int show = -1;	/* unknown until the first line */

void log_init(bool to_stderr, int max_prio)
{
}

bool log_enabled(int prio)
{
	return true;
}

bool log_limit_pass(struct log_limit *l, int prio)
{
	return true;
}

__attribute__((format(printf, 3, 0)))
static void vlog(int prio, const char *conn, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (show < 0) {
		const char *e = getenv("FUZZ_IKE_LOG");
		show = e && *e && *e != '0';
	}
	if (show)
		fprintf(stderr, "log%d %s%s%s%s\n", prio, conn ? "\"" : "", conn ? conn : "",
			conn ? "\": " : "", msg);
}

void log_conn(int prio, const char *conn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, conn, fmt, ap);
	va_end(ap);
}

void log_sa(int prio, const char *conn, const char *peer, unsigned sa, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, conn, fmt, ap);
	va_end(ap);
}
