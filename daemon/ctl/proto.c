/* SPDX-License-Identifier: Apache-2.0 */
/* Control socket wire format: see ctl/proto.h for the layout. */
#include "daemon/ctl/proto.h"

#include <string.h>

static const struct {
	const char *name;
	const char *str;
} err_table[] = {
	[CTL_PROTO_OK] = { "OK", "success" },
	[CTL_PROTO_TRUNCATED] = { "TRUNCATED", "message truncated" },
	[CTL_PROTO_TRAILING] = { "TRAILING", "trailing bytes after message" },
	[CTL_PROTO_TOO_LONG] = { "TOO_LONG", "message too long" },
	[CTL_PROTO_BAD_MAGIC] = { "BAD_MAGIC", "not a mcvpn control message (bad magic)" },
	[CTL_PROTO_BAD_VERSION] = { "BAD_VERSION", "unsupported control protocol version" },
	[CTL_PROTO_NO_ARGS] = { "NO_ARGS", "no command given" },
	[CTL_PROTO_TOO_MANY_ARGS] = { "TOO_MANY_ARGS", "too many arguments" },
	[CTL_PROTO_EMPTY_COMMAND] = { "EMPTY_COMMAND", "empty command name" },
	[CTL_PROTO_NUL_IN_WORD] = { "NUL_IN_WORD", "argument contains a NUL byte" },
	[CTL_PROTO_BAD_STATUS] = { "BAD_STATUS", "unknown response status" },
};

const char *ctl_proto_err_name(enum ctl_proto_err err)
{
	if ((unsigned)err >= sizeof(err_table) / sizeof(err_table[0]))
		return "UNKNOWN";
	return err_table[err].name;
}

const char *ctl_proto_err_str(enum ctl_proto_err err)
{
	if ((unsigned)err >= sizeof(err_table) / sizeof(err_table[0]))
		return "unknown control protocol error";
	return err_table[err].str;
}

uint32_t ctl_proto_frame_len(const uint8_t *p)
{
	struct cur c = cur_init(p, CTL_PROTO_LEN_SIZE);

	return cur_u32(&c);
}

/* Magic then version, common to both directions. */
static enum ctl_proto_err parse_header(struct cur *c, unsigned *version)
{
	const uint8_t *magic = cur_take(c, CTL_PROTO_MAGIC_LEN);

	if (!magic)
		return CTL_PROTO_TRUNCATED;
	if (memcmp(magic, CTL_PROTO_MAGIC, CTL_PROTO_MAGIC_LEN) != 0)
		return CTL_PROTO_BAD_MAGIC;
	*version = cur_u8(c);
	if (!cur_ok(c))
		return CTL_PROTO_TRUNCATED;
	if (*version != CTL_PROTO_VERSION)
		return CTL_PROTO_BAD_VERSION;
	return CTL_PROTO_OK;
}

static void build_header(struct wbuf *w, uint32_t body_len, uint8_t last)
{
	wbuf_u32(w, body_len);
	wbuf_bytes(w, CTL_PROTO_MAGIC, CTL_PROTO_MAGIC_LEN);
	wbuf_u8(w, CTL_PROTO_VERSION);
	wbuf_u8(w, last);
}

/* Body length of a request carrying argv, or 0 if over CTL_REQ_MAX. */
static size_t request_body_len(int argc, char *const *argv)
{
	size_t body = CTL_PROTO_HDR_LEN;

	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		/* compared before adding so the sum cannot wrap */
		if (n > CTL_REQ_MAX || body + 2 + n > CTL_REQ_MAX)
			return 0;
		body += 2 + n;
	}
	return body;
}

enum ctl_proto_err ctl_proto_request_build(struct wbuf *w, int argc, char *const *argv)
{
	size_t body;

	if (argc <= 0)
		return CTL_PROTO_NO_ARGS;
	if (argc > CTL_ARGC_MAX)
		return CTL_PROTO_TOO_MANY_ARGS;
	if (argv[0][0] == '\0')
		return CTL_PROTO_EMPTY_COMMAND;
	body = request_body_len(argc, argv);
	if (body == 0)
		return CTL_PROTO_TOO_LONG;
	build_header(w, (uint32_t)body, (uint8_t)argc);
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		wbuf_u16(w, (uint16_t)n);
		wbuf_bytes(w, argv[i], n);
	}
	return w->err ? CTL_PROTO_TOO_LONG : CTL_PROTO_OK;
}

/* Copy one length-prefixed word to *dst as a C string and advance *dst. */
static enum ctl_proto_err parse_word(struct cur *c, char **dst, char **word)
{
	uint16_t n = cur_u16(c);
	const uint8_t *p = cur_take(c, n);

	if (!p)
		return CTL_PROTO_TRUNCATED;
	if (memchr(p, '\0', n))
		return CTL_PROTO_NUL_IN_WORD;
	memcpy(*dst, p, n);
	(*dst)[n] = '\0';
	*word = *dst;
	*dst += n + 1;
	return CTL_PROTO_OK;
}

/* Words fit req->buf: their bytes come from a body of at most CTL_REQ_MAX
 * and each adds one NUL, argc <= CTL_ARGC_MAX. */
static enum ctl_proto_err parse_words(struct cur *c, unsigned argc, struct ctl_request *req)
{
	char *dst = req->buf;
	enum ctl_proto_err err;

	/* each word needs at least its u16 length: check before looping */
	if ((size_t)argc * 2 > cur_left(c))
		return CTL_PROTO_TRUNCATED;
	for (unsigned i = 0; i < argc; i++) {
		err = parse_word(c, &dst, &req->argv[i]);
		if (err != CTL_PROTO_OK)
			return err;
	}
	req->argv[argc] = NULL;
	return CTL_PROTO_OK;
}

enum ctl_proto_err ctl_proto_request_parse(const uint8_t *body, size_t len,
					   struct ctl_request *req)
{
	struct cur c = cur_init(body, len);
	enum ctl_proto_err err;
	unsigned argc;

	req->argc = 0;
	req->version = 0;
	req->argv[0] = NULL;
	if (len > CTL_REQ_MAX)
		return CTL_PROTO_TOO_LONG;
	err = parse_header(&c, &req->version);
	if (err != CTL_PROTO_OK)
		return err;
	argc = cur_u8(&c);
	if (!cur_ok(&c))
		return CTL_PROTO_TRUNCATED;
	if (argc == 0)
		return CTL_PROTO_NO_ARGS;
	if (argc > CTL_ARGC_MAX)
		return CTL_PROTO_TOO_MANY_ARGS;
	err = parse_words(&c, argc, req);
	if (err != CTL_PROTO_OK)
		goto fail;
	err = CTL_PROTO_TRAILING;
	if (!cur_done(&c))
		goto fail;
	err = CTL_PROTO_EMPTY_COMMAND;
	if (req->argv[0][0] == '\0')
		goto fail;
	req->argc = (int)argc;
	return CTL_PROTO_OK;
fail:
	req->argv[0] = NULL;
	return err;
}

enum ctl_proto_err ctl_proto_response_prefix(uint8_t out[CTL_RESP_PREFIX_LEN],
					     enum ctl_status status, size_t text_len)
{
	struct wbuf w = wbuf_init(out, CTL_RESP_PREFIX_LEN);

	if (text_len > CTL_RESP_MAX - CTL_PROTO_HDR_LEN)
		return CTL_PROTO_TOO_LONG;
	build_header(&w, (uint32_t)(CTL_PROTO_HDR_LEN + text_len), (uint8_t)status);
	return w.err ? CTL_PROTO_TOO_LONG : CTL_PROTO_OK;
}

enum ctl_proto_err ctl_proto_response_parse(const uint8_t *body, size_t len,
					    struct ctl_response *resp)
{
	struct cur c = cur_init(body, len);
	enum ctl_proto_err err;
	uint8_t status;

	resp->text = NULL;
	resp->text_len = 0;
	resp->version = 0;
	resp->status = CTL_STATUS_ERROR;
	if (len > CTL_RESP_MAX)
		return CTL_PROTO_TOO_LONG;
	err = parse_header(&c, &resp->version);
	if (err != CTL_PROTO_OK)
		return err;
	status = cur_u8(&c);
	if (!cur_ok(&c))
		return CTL_PROTO_TRUNCATED;
	if (status != CTL_STATUS_OK && status != CTL_STATUS_ERROR)
		return CTL_PROTO_BAD_STATUS;
	resp->status = (enum ctl_status)status;
	resp->text_len = cur_left(&c);
	resp->text = (const char *)cur_take(&c, resp->text_len);
	return CTL_PROTO_OK;
}
