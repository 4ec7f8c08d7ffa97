/* SPDX-License-Identifier: Apache-2.0 */
/* Test helpers for the control socket: a forked mcvpnd stand-in running
 * the real ctl server with a fake handler, and a raw client that speaks
 * the wire format byte by byte.
 *
 * The fake handler knows:
 *   echo ARGS...   -> ok, "argc=N [w0] [w1] ..."
 *   fail           -> error, "it failed"
 *   failsilent     -> error with no text (the server supplies one)
 *   big N          -> ok, N bytes of 'x'
 *   quit           -> ok, "bye", and the loop exits
 *   anything else  -> error, "unknown command 'X'" */
#ifndef MCVPN_TESTS_CTL_FAKE_H
#define MCVPN_TESTS_CTL_FAKE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct evbuffer;

int fake_handler(void *arg, int argc, char **argv, struct evbuffer *out);

/* Fork a server on path with the given client timeout; returns its pid once
 * it listens, or -1.  The child exits 0 after "quit" if ctl_server_free removed
 * the socket file, nonzero otherwise. */
pid_t fake_server_start(const char *path, unsigned timeout_ms);
/* Send "quit", reap the child; returns its exit status (0 good), -1 on error. */
int fake_server_stop(pid_t pid, const char *path);

/* A reply as the raw client saw it. */
struct raw_reply {
	int proto_err;		/* enum ctl_proto_err from parsing, -1 if nothing came */
	int status;		/* enum ctl_status */
	char text[4096];	/* NUL-terminated, truncated to fit */
	size_t text_len;	/* full length */
};

int raw_connect(const char *path);
/* Read one response frame (until EOF) from fd into r; closes nothing. */
void raw_read_reply(int fd, struct raw_reply *r);
/* Connect, send n bytes, read the reply, close. */
void raw_call(const char *path, const void *req, size_t n, struct raw_reply *r);
/* Encode argv as a request frame into buf; returns its length. */
size_t raw_request(uint8_t *buf, size_t cap, int argc, char **argv);

#endif
