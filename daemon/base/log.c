/* SPDX-License-Identifier: Apache-2.0 */
#include "daemon/base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

static bool log_stderr = true;
static int log_max = LOG_INFO;

void log_init(bool to_stderr, int max_prio)
{
	log_stderr = to_stderr;
	log_max = max_prio;
}

bool log_enabled(int prio)
{
	return prio <= log_max;
}

/* The conns whose debug lines go out (mcvpnctl debug on NAME). */
static char debug_conns[LOG_DEBUG_CONNS][64];
static size_t n_debug_conns;

void log_debug_set(bool on)
{
	log_max = on ? LOG_DEBUG : log_max < LOG_DEBUG ? log_max : LOG_INFO;
	if (!on)
		n_debug_conns = 0;
}

bool log_debug_get(void)
{
	return log_max >= LOG_DEBUG;
}

static size_t debug_find(const char *conn)
{
	size_t i = 0;

	while (i < n_debug_conns && strcmp(debug_conns[i], conn) != 0)
		i++;
	return i;
}

int log_debug_conn_set(const char *conn, bool on)
{
	size_t i = debug_find(conn);

	if (!on) {
		if (i < n_debug_conns)
			memcpy(debug_conns[i], debug_conns[--n_debug_conns], sizeof(debug_conns[i]));
		return 0;
	}
	if (i < n_debug_conns)
		return 0;
	if (n_debug_conns >= LOG_DEBUG_CONNS || strlen(conn) >= sizeof(debug_conns[0]))
		return -1;
	memcpy(debug_conns[n_debug_conns++], conn, strlen(conn) + 1);
	return 0;
}

bool log_debug_conn_get(const char *conn)
{
	return debug_find(conn) < n_debug_conns;
}

size_t log_debug_conns(const char **names, size_t max)
{
	for (size_t i = 0; i < n_debug_conns && i < max; i++)
		names[i] = debug_conns[i];
	return n_debug_conns;
}

bool log_enabled_for(int prio, const char *conn)
{
	if (prio <= log_max)
		return true;
	return prio == LOG_DEBUG && conn && n_debug_conns && log_debug_conn_get(conn);
}

static const char *prio_name(int prio)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug",
	};
	return prio >= 0 && prio <= LOG_DEBUG ? names[prio] : "?";
}

static void emit(int prio, const char *conn, const char *peer, unsigned sa, const char *msg)
{
	if (log_stderr) {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		fprintf(stderr, "%02d:%02d:%02d.%03ld %s: %s%s%s%s\n", tm.tm_hour, tm.tm_min,
			tm.tm_sec, ts.tv_nsec / 1000000, prio_name(prio), conn ? "\"" : "",
			conn ? conn : "", conn ? "\": " : "", msg);
		return;
	}
	char sa_field[32];
	snprintf(sa_field, sizeof(sa_field), "MCVPN_SA=%u", sa);
	if (conn)
		sd_journal_send("MESSAGE=\"%s\": %s", conn, msg, "PRIORITY=%d", prio,
				"MCVPN_CONN=%s", conn, "MCVPN_PEER=%s", peer ? peer : "",
				"%s", sa ? sa_field : "MCVPN_SA=", NULL);
	else
		sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", prio, NULL);
}

__attribute__((format(printf, 5, 0)))
static void vlog(int prio, const char *conn, const char *peer, unsigned sa, const char *fmt,
		 va_list ap)
{
	char msg[1024];

	if (!log_enabled_for(prio, conn))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	emit(prio, conn, peer, sa, msg);
}

void log_conn(int prio, const char *conn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, conn, NULL, 0, fmt, ap);
	va_end(ap);
}

void log_sa(int prio, const char *conn, const char *peer, unsigned sa, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, conn, peer, sa, fmt, ap);
	va_end(ap);
}

bool log_limit_pass(struct log_limit *l, int prio)
{
	return log_limit_pass_for(l, prio, NULL);
}

bool log_limit_pass_for(struct log_limit *l, int prio, const char *conn)
{
	struct timespec ts;
	long window;

	if (!log_enabled_for(prio, conn))
		return false;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	window = (long)ts.tv_sec / LOG_LIMIT_WINDOW_S;
	if (window != l->window) {
		if (l->suppressed)
			log_conn(prio, NULL, "(%u similar lines left out in %d s)", l->suppressed,
				 LOG_LIMIT_WINDOW_S);
		*l = (struct log_limit){ .window = window };
	}
	if (l->lines >= LOG_LIMIT_BURST) {
		l->suppressed++;
		return false;
	}
	l->lines++;
	return true;
}

char *log_escape(const uint8_t *p, size_t n, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (!cap)
		return out;
	for (size_t i = 0; i < n; i++) {
		bool plain = p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\';
		size_t need = plain ? 1 : 4;
		if (o + need >= cap)
			break;
		if (plain) {
			out[o++] = (char)p[i];
			continue;
		}
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[p[i] >> 4];
		out[o++] = hex[p[i] & 15];
	}
	out[o] = 0;
	return out;
}
