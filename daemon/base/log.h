/* SPDX-License-Identifier: Apache-2.0 */
/* Logging: syslog priorities; to stderr with a level prefix in the
 * foreground, to the journal with MCVPN_CONN= otherwise.  Never pass key
 * material, a PSK or a nonce to these functions. */
#ifndef MCVPN_LOG_H
#define MCVPN_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

/* to_stderr: foreground mode; max_prio: LOG_DEBUG shows everything. */
void log_init(bool to_stderr, int max_prio);
bool log_enabled(int prio);

/* Debug lines at run time (mcvpnctl debug), for the whole daemon or for the
 * lines about one conn (log_conn, log_sa, log_limited with its name) alone.
 * Main thread only (the data plane's lines name no conn). */
#define LOG_DEBUG_CONNS 64
/* The whole daemon: on, or off (every conn's too). */
void log_debug_set(bool on);
bool log_debug_get(void);
/* One conn (its name, copied): 0, or -1 when LOG_DEBUG_CONNS conns have
 * it on already or the name is longer than 63 bytes. */
int log_debug_conn_set(const char *conn, bool on);
bool log_debug_conn_get(const char *conn);
/* The conns with debug on: up to max names (borrowed), the count. */
size_t log_debug_conns(const char **names, size_t max);
/* log_enabled for a line about conn (NULL: about none). */
bool log_enabled_for(int prio, const char *conn);

/* conn may be NULL when the line is not about one conn. */
void log_conn(int prio, const char *conn, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The same with the peer's identity and the SA's serial as journal fields
 * (MCVPN_PEER=, MCVPN_SA=); peer may be NULL, sa 0. */
void log_sa(int prio, const char *conn, const char *peer, unsigned sa, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Lines an outsider can cause at will (a flood of bad IKE messages) go
 * through a limit per call site: at most LOG_LIMIT_BURST lines in
 * LOG_LIMIT_WINDOW_S seconds, then one line telling how many were left out.
 * log_limit_pass() says whether this line may go out. */
#define LOG_LIMIT_BURST		10
#define LOG_LIMIT_WINDOW_S	10
struct log_limit {
	long window;			/* monotonic seconds / LOG_LIMIT_WINDOW_S */
	unsigned lines, suppressed;
};
bool log_limit_pass(struct log_limit *l, int prio);
/* The same for a line about conn (NULL: none), whose debug may be on. */
bool log_limit_pass_for(struct log_limit *l, int prio, const char *conn);
#define log_limited(prio, conn, ...)                                   \
	do {                                                           \
		static struct log_limit limit_;                        \
		if (log_limit_pass_for(&limit_, prio, conn))           \
			log_conn(prio, conn, __VA_ARGS__);             \
	} while (0)

/* Bytes a peer sent (an ID), made safe for a log line: printable ASCII as
 * it is, backslash and anything else as \xNN; cut to fit out (always ended
 * with NUL).  Returns out. */
char *log_escape(const uint8_t *p, size_t n, char *out, size_t cap);

#define log_err(...)    log_conn(LOG_ERR, NULL, __VA_ARGS__)
#define log_warn(...)   log_conn(LOG_WARNING, NULL, __VA_ARGS__)
#define log_notice(...) log_conn(LOG_NOTICE, NULL, __VA_ARGS__)
#define log_info(...)   log_conn(LOG_INFO, NULL, __VA_ARGS__)
#define log_debug(...)  do { if (log_enabled(LOG_DEBUG)) log_conn(LOG_DEBUG, NULL, __VA_ARGS__); } while (0)

#endif
