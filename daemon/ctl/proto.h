/* SPDX-License-Identifier: Apache-2.0 */
/* Wire format of the control socket, shared by mcvpnd (daemon/ctl.c) and
 * mcvpnctl.  Pure functions of (bytes, len): nothing here touches a socket.
 *
 * One request and one response per connection.  Every frame starts with a
 * big-endian u32 giving the number of bytes that follow it (the body):
 *
 *   request  = u32 len | "MCVP" | u8 version | u8 argc | argc * (u16 n | n bytes)
 *   response = u32 len | "MCVP" | u8 version | u8 status | text
 *
 * Words are the client's argv (argv[0] is the command), so no quoting is
 * needed; a word may be empty except argv[0], and may not hold a NUL
 * because the daemon hands them on as C strings.  status is 0 (ok) or 1
 * (error, text is the message).  The magic comes before the version so a
 * peer speaking a later version is told so, not "garbage". */
#ifndef MCVPN_CTL_PROTO_H
#define MCVPN_CTL_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/base/cursor.h"

#define CTL_PROTO_VERSION	1
#define CTL_PROTO_MAGIC		"MCVP"
#define CTL_PROTO_MAGIC_LEN	4
#define CTL_PROTO_LEN_SIZE	4	/* the u32 length prefix */
/* magic, version, argc/status */
#define CTL_PROTO_HDR_LEN	(CTL_PROTO_MAGIC_LEN + 2)

/* Largest request body the daemon reads; larger ones are refused unread. */
#define CTL_REQ_MAX		4096
/* Largest response body mcvpnctl accepts (status of many SAs fits easily). */
#define CTL_RESP_MAX		(1024 * 1024)
#define CTL_ARGC_MAX		64

enum ctl_proto_err {
	CTL_PROTO_OK = 0,
	CTL_PROTO_TRUNCATED,	/* body shorter than its fields say */
	CTL_PROTO_TRAILING,	/* bytes left after the last field */
	CTL_PROTO_TOO_LONG,	/* length prefix or encoding over the limit */
	CTL_PROTO_BAD_MAGIC,
	CTL_PROTO_BAD_VERSION,	/* well-formed magic, version we do not speak */
	CTL_PROTO_NO_ARGS,	/* argc == 0 */
	CTL_PROTO_TOO_MANY_ARGS,
	CTL_PROTO_EMPTY_COMMAND,	/* argv[0] == "" */
	CTL_PROTO_NUL_IN_WORD,
	CTL_PROTO_BAD_STATUS,	/* response status neither 0 nor 1 */
};

/* Static strings: "BAD_MAGIC" for logs, and a sentence for users. */
const char *ctl_proto_err_name(enum ctl_proto_err err);
const char *ctl_proto_err_str(enum ctl_proto_err err);

enum ctl_status {
	CTL_STATUS_OK = 0,
	CTL_STATUS_ERROR = 1,
};

/* A parsed request.  Self-contained: argv[i] point into buf, which holds
 * each word NUL-terminated; argv[argc] is NULL.  version is set whenever
 * the magic matched, so a BAD_VERSION error can name it. */
struct ctl_request {
	int argc;
	unsigned version;
	char *argv[CTL_ARGC_MAX + 1];
	char buf[CTL_REQ_MAX + CTL_ARGC_MAX];
};

/* A parsed response.  text borrows from the bytes given to the parser. */
struct ctl_response {
	enum ctl_status status;
	unsigned version;
	const char *text;
	size_t text_len;
};

/* Read the u32 length prefix from the first CTL_PROTO_LEN_SIZE bytes of p. */
uint32_t ctl_proto_frame_len(const uint8_t *p);

/* Append a whole request frame (length prefix included) to w; argv is
 * borrowed.  Errors: NO_ARGS, EMPTY_COMMAND, TOO_MANY_ARGS, or TOO_LONG when
 * the body would exceed CTL_REQ_MAX or w has no room (w->err is then set). */
enum ctl_proto_err ctl_proto_request_build(struct wbuf *w, int argc, char *const *argv);

/* Parse a request body (the bytes after the length prefix) into req,
 * which the caller owns. */
enum ctl_proto_err ctl_proto_request_parse(const uint8_t *body, size_t len,
					   struct ctl_request *req);

/* Write the CTL_PROTO_LEN_SIZE + CTL_PROTO_HDR_LEN bytes that precede a
 * response text of text_len bytes.  TOO_LONG if the text is over
 * CTL_RESP_MAX - CTL_PROTO_HDR_LEN. */
#define CTL_RESP_PREFIX_LEN	(CTL_PROTO_LEN_SIZE + CTL_PROTO_HDR_LEN)
enum ctl_proto_err ctl_proto_response_prefix(uint8_t out[CTL_RESP_PREFIX_LEN],
					     enum ctl_status status, size_t text_len);

/* Parse a response body (after the length prefix); resp->text borrows body. */
enum ctl_proto_err ctl_proto_response_parse(const uint8_t *body, size_t len,
					    struct ctl_response *resp);

#endif
