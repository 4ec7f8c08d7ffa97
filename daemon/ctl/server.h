/* SPDX-License-Identifier: Apache-2.0 */
/* The control socket of mcvpnd: a unix stream socket on the libevent loop
 * that mcvpnctl talks to (wire format in ctl/proto.h).
 *
 * One request and one reply per connection.  Only uid 0 and the daemon's
 * own uid are served (SO_PEERCRED).  A client that sends garbage, a request
 * over CTL_REQ_MAX, or nothing complete within the timeout gets an error
 * reply (where it can still read one) and is closed; other clients are not
 * affected.  Writes use MSG_NOSIGNAL, so a client that hangs up never
 * raises SIGPIPE in the daemon. */
#ifndef MCVPN_CTL_H
#define MCVPN_CTL_H

struct ctl;
struct evbuffer;
struct event_base;

/* Default socket path; mcvpnctl uses the same.  Its directory is
 * mcvpnd's own (the unit's RuntimeDirectory=). */
#define CTL_SOCKET_PATH		"/run/mcvpn/mcvpnd.sock"
#define CTL_SOCKET_DIR		"/run/mcvpn"
/* Time a client has to send its request, and again to read the reply. */
#define CTL_TIMEOUT_MS		5000
/* Clients served at once; further ones get an error and are closed. */
#define CTL_CLIENTS_MAX		32

/* Handles one request: argv[0] is the command. Writes the reply text to out.
 * Returns 0 for success, -1 for an error (out then holds the error message).
 * argv and out are borrowed for the call only; argv[argc] is NULL.  It runs
 * on the loop and must not call ctl_server_free (event_base_loopexit instead: the
 * reply already framed is still sent by ctl_server_free). */
typedef int (*ctl_handler_fn)(void *arg, int argc, char **argv, struct evbuffer *out);

/* Listen on path (created 0600).  The parent directory is created 0755 if
 * missing; a stale socket file left by a dead daemon is replaced, but a
 * live one (another mcvpnd answering) or a non-socket file is an error.
 * base, path and arg are borrowed (path is copied).  Returns NULL with
 * the reason logged.  Caller frees with ctl_server_free (closes clients, unlinks
 * path). */
struct ctl *ctl_server_new(struct event_base *base, const char *path, ctl_handler_fn fn, void *arg);
void ctl_server_free(struct ctl *ctl);

/* Override CTL_TIMEOUT_MS (tests use a short one). */
void ctl_server_set_timeout(struct ctl *ctl, unsigned ms);

#endif
