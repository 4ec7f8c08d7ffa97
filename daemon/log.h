/* Logging: syslog priorities; to stderr with a level prefix in the
 * foreground, to the journal with MCVPN_CONN= otherwise.  Never pass key
 * material, a PSK or a nonce to these functions. */
#ifndef MCVPN_LOG_H
#define MCVPN_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* to_stderr: foreground mode; max_prio: LOG_DEBUG shows everything. */
void log_init(bool to_stderr, int max_prio);
bool log_enabled(int prio);

/* conn may be NULL when the line is not about one conn. */
void log_conn(int prio, const char *conn, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The same with the peer's identity and the SA's serial as journal fields
 * (MCVPN_PEER=, MCVPN_SA=); peer may be NULL, sa 0. */
void log_sa(int prio, const char *conn, const char *peer, unsigned sa, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#define log_err(...)    log_conn(LOG_ERR, NULL, __VA_ARGS__)
#define log_warn(...)   log_conn(LOG_WARNING, NULL, __VA_ARGS__)
#define log_notice(...) log_conn(LOG_NOTICE, NULL, __VA_ARGS__)
#define log_info(...)   log_conn(LOG_INFO, NULL, __VA_ARGS__)
#define log_debug(...)  do { if (log_enabled(LOG_DEBUG)) log_conn(LOG_DEBUG, NULL, __VA_ARGS__); } while (0)

#endif
