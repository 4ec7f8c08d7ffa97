/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_proto: encode/decode of the control socket frames, every malformed
 * case.  The format is our own (ctl/proto.h), so the expected bytes
 * are worked out by hand from that layout; there is no published vector. */
#include <stdlib.h>
#include <string.h>

#include "daemon/ctl/proto.h"
#include "check.h"

static struct ctl_request req;	/* 4.7 KB: keep it off the stack */

static void test_build_exact_bytes(void)
{
	/* len 14 | "MCVP" | v1 | argc 1 | 0006 "status" */
	static const char *want_hex = "0000000e 4d435650 01 01 0006 737461747573";
	unsigned char want[32], buf[64];
	size_t n = check_unhex(want_hex, want, sizeof(want));
	char *argv[] = { "status", NULL };
	struct wbuf w = wbuf_init(buf, sizeof(buf));

	CHECK_INT(ctl_proto_request_build(&w, 1, argv), CTL_PROTO_OK);
	CHECK_INT(w.len, n);
	CHECK_MEM(buf, want, n);
	CHECK_INT(ctl_proto_frame_len(buf), 14);
}

static void test_roundtrip_words(void)
{
	char *argv[] = { "echo", "a b", "", "-x", "\xc3\xa9", NULL };
	uint8_t buf[128];
	struct wbuf w = wbuf_init(buf, sizeof(buf));

	CHECK_INT(ctl_proto_request_build(&w, 5, argv), CTL_PROTO_OK);
	CHECK_INT(ctl_proto_frame_len(buf), w.len - CTL_PROTO_LEN_SIZE);
	CHECK_INT(ctl_proto_request_parse(buf + 4, w.len - 4, &req), CTL_PROTO_OK);
	CHECK_INT(req.argc, 5);
	CHECK_INT(req.version, CTL_PROTO_VERSION);
	for (int i = 0; i < 5; i++)
		CHECK_STR(req.argv[i], argv[i]);
	CHECK(req.argv[5] == NULL);
}

static void test_build_limits(void)
{
	static char *many[CTL_ARGC_MAX + 2];
	static uint8_t buf[CTL_REQ_MAX + 64];
	static char word[CTL_REQ_MAX + 1];
	char *one[] = { word, NULL };
	char *empty[] = { "", NULL };
	struct wbuf w;

	for (int i = 0; i < CTL_ARGC_MAX + 1; i++)
		many[i] = "w";
	w = wbuf_init(buf, sizeof(buf));
	CHECK_INT(ctl_proto_request_build(&w, 0, empty), CTL_PROTO_NO_ARGS);
	CHECK_INT(ctl_proto_request_build(&w, 1, empty), CTL_PROTO_EMPTY_COMMAND);
	CHECK_INT(ctl_proto_request_build(&w, CTL_ARGC_MAX + 1, many), CTL_PROTO_TOO_MANY_ARGS);
	CHECK_INT(w.len, 0);

	/* 64 words is the maximum and round-trips */
	CHECK_INT(ctl_proto_request_build(&w, CTL_ARGC_MAX, many), CTL_PROTO_OK);
	CHECK_INT(ctl_proto_request_parse(buf + 4, w.len - 4, &req), CTL_PROTO_OK);
	CHECK_INT(req.argc, CTL_ARGC_MAX);

	/* body exactly CTL_REQ_MAX: header 6 + u16 2 + word */
	memset(word, 'a', CTL_REQ_MAX - 8);
	w = wbuf_init(buf, sizeof(buf));
	CHECK_INT(ctl_proto_request_build(&w, 1, one), CTL_PROTO_OK);
	CHECK_INT(ctl_proto_frame_len(buf), CTL_REQ_MAX);
	CHECK_INT(ctl_proto_request_parse(buf + 4, w.len - 4, &req), CTL_PROTO_OK);
	CHECK_INT(strlen(req.argv[0]), CTL_REQ_MAX - 8);

	/* one byte more is refused */
	word[CTL_REQ_MAX - 8] = 'a';
	w = wbuf_init(buf, sizeof(buf));
	CHECK_INT(ctl_proto_request_build(&w, 1, one), CTL_PROTO_TOO_LONG);

	/* a writer without room reports TOO_LONG, not success */
	w = wbuf_init(buf, 10);
	CHECK_INT(ctl_proto_request_build(&w, 1, (char *[]){ "status", NULL }), CTL_PROTO_TOO_LONG);
	CHECK(w.err);
}

static enum ctl_proto_err parse_hex(const char *hex)
{
	uint8_t b[256];
	size_t n = check_unhex(hex, b, sizeof(b));

	return ctl_proto_request_parse(b, n, &req);
}

static void test_parse_malformed(void)
{
	CHECK_INT(parse_hex("4d435650 01 01 0006 737461747573"), CTL_PROTO_OK);
	CHECK_INT(parse_hex("4d435650 01 01 0006 737461747573 00"), CTL_PROTO_TRAILING);
	CHECK_INT(parse_hex("4d435651 01 01 0006 737461747573"), CTL_PROTO_BAD_MAGIC);
	CHECK_INT(parse_hex("00000000 01 01 0006 737461747573"), CTL_PROTO_BAD_MAGIC);
	CHECK_INT(parse_hex("4d435650 02 01 0006 737461747573"), CTL_PROTO_BAD_VERSION);
	CHECK_INT(req.version, 2);
	CHECK_INT(parse_hex("4d435650 00 01 0006 737461747573"), CTL_PROTO_BAD_VERSION);
	CHECK_INT(req.version, 0);
	CHECK_INT(parse_hex("4d435650 01 00"), CTL_PROTO_NO_ARGS);
	CHECK_INT(parse_hex("4d435650 01 41 0001 61"), CTL_PROTO_TOO_MANY_ARGS);
	CHECK_INT(parse_hex("4d435650 01 ff"), CTL_PROTO_TOO_MANY_ARGS);
	/* argc says 2, one word present */
	CHECK_INT(parse_hex("4d435650 01 02 0006 737461747573"), CTL_PROTO_TRUNCATED);
	/* word length larger than the bytes left (u16 overflow attempt) */
	CHECK_INT(parse_hex("4d435650 01 01 ffff 737461747573"), CTL_PROTO_TRUNCATED);
	CHECK_INT(parse_hex("4d435650 01 01 0007 737461747573"), CTL_PROTO_TRUNCATED);
	/* shorter word length leaves bytes behind */
	CHECK_INT(parse_hex("4d435650 01 01 0005 737461747573"), CTL_PROTO_TRAILING);
	CHECK_INT(parse_hex("4d435650 01 01 0003 730074"), CTL_PROTO_NUL_IN_WORD);
	CHECK_INT(parse_hex("4d435650 01 01 0000"), CTL_PROTO_EMPTY_COMMAND);
	/* an empty word after the command is fine */
	CHECK_INT(parse_hex("4d435650 01 02 0001 61 0000"), CTL_PROTO_OK);
	CHECK_INT(req.argc, 2);
	CHECK_STR(req.argv[1], "");
	CHECK_INT(parse_hex(""), CTL_PROTO_TRUNCATED);
	/* a failed parse leaves no half-filled argv behind */
	CHECK_INT(parse_hex("4d435650 01 02 0001 61 0001 00"), CTL_PROTO_NUL_IN_WORD);
	CHECK_INT(req.argc, 0);
	CHECK(req.argv[0] == NULL);
}

/* Every proper prefix of a valid body is TRUNCATED, never OK or a crash. */
static void test_parse_every_truncation(void)
{
	char *argv[] = { "echo", "one", "two", NULL };
	uint8_t buf[64];
	struct wbuf w = wbuf_init(buf, sizeof(buf));
	size_t body;
	int bad = 0;

	CHECK_INT(ctl_proto_request_build(&w, 3, argv), CTL_PROTO_OK);
	body = w.len - CTL_PROTO_LEN_SIZE;
	for (size_t n = 0; n < body; n++) {
		uint8_t *copy = malloc(n ? n : 1);	/* exact size: ASan sees overreads */

		memcpy(copy, buf + 4, n);
		if (ctl_proto_request_parse(copy, n, &req) != CTL_PROTO_TRUNCATED) {
			fprintf(stderr, "  prefix of %zu bytes not TRUNCATED\n", n);
			bad++;
		}
		free(copy);
	}
	CHECK_INT(bad, 0);
	CHECK_INT(ctl_proto_request_parse(buf + 4, body, &req), CTL_PROTO_OK);
}

static void test_parse_oversized(void)
{
	static uint8_t big[CTL_REQ_MAX + 1];

	memcpy(big, "MCVP\x01\x01", 6);
	CHECK_INT(ctl_proto_request_parse(big, sizeof(big), &req), CTL_PROTO_TOO_LONG);
}

static void test_frame_len(void)
{
	const uint8_t p[4] = { 0xff, 0xff, 0xff, 0xfe };
	const uint8_t q[4] = { 0x00, 0x01, 0x02, 0x03 };

	CHECK(ctl_proto_frame_len(p) == 0xfffffffeu);
	CHECK_INT(ctl_proto_frame_len(q), 0x00010203);
}

static void test_response(void)
{
	uint8_t frame[CTL_RESP_PREFIX_LEN + 8];
	struct ctl_response resp;

	CHECK_INT(ctl_proto_response_prefix(frame, CTL_STATUS_ERROR, 5), CTL_PROTO_OK);
	memcpy(frame + CTL_RESP_PREFIX_LEN, "oops!", 5);
	{
		unsigned char want[16];
		size_t n = check_unhex("0000000b 4d435650 01 01 6f6f707321", want, sizeof(want));

		CHECK_INT(n, CTL_RESP_PREFIX_LEN + 5);
		CHECK_MEM(frame, want, n);
	}
	CHECK_INT(ctl_proto_response_parse(frame + 4, 11, &resp), CTL_PROTO_OK);
	CHECK_INT(resp.status, CTL_STATUS_ERROR);
	CHECK_INT(resp.text_len, 5);
	CHECK(resp.text && memcmp(resp.text, "oops!", 5) == 0);

	/* empty text, ok status */
	CHECK_INT(ctl_proto_response_prefix(frame, CTL_STATUS_OK, 0), CTL_PROTO_OK);
	CHECK_INT(ctl_proto_frame_len(frame), CTL_PROTO_HDR_LEN);
	CHECK_INT(ctl_proto_response_parse(frame + 4, 6, &resp), CTL_PROTO_OK);
	CHECK_INT(resp.status, CTL_STATUS_OK);
	CHECK_INT(resp.text_len, 0);

	CHECK_INT(ctl_proto_response_prefix(frame, CTL_STATUS_OK, CTL_RESP_MAX - 6), CTL_PROTO_OK);
	CHECK_INT(ctl_proto_response_prefix(frame, CTL_STATUS_OK, CTL_RESP_MAX - 5),
		  CTL_PROTO_TOO_LONG);
}

static enum ctl_proto_err resp_hex(const char *hex, struct ctl_response *resp)
{
	uint8_t b[64];
	size_t n = check_unhex(hex, b, sizeof(b));

	return ctl_proto_response_parse(b, n, resp);
}

static void test_response_malformed(void)
{
	static uint8_t huge[CTL_RESP_MAX + 1];
	struct ctl_response resp;

	CHECK_INT(resp_hex("4d435650 01", &resp), CTL_PROTO_TRUNCATED);
	CHECK_INT(resp_hex("4d4356", &resp), CTL_PROTO_TRUNCATED);
	CHECK_INT(resp_hex("", &resp), CTL_PROTO_TRUNCATED);
	CHECK_INT(resp_hex("58585858 01 00 6869", &resp), CTL_PROTO_BAD_MAGIC);
	CHECK_INT(resp_hex("4d435650 07 00 6869", &resp), CTL_PROTO_BAD_VERSION);
	CHECK_INT(resp.version, 7);
	CHECK_INT(resp_hex("4d435650 01 02 6869", &resp), CTL_PROTO_BAD_STATUS);
	memcpy(huge, "MCVP\x01\x00", 6);
	CHECK_INT(ctl_proto_response_parse(huge, sizeof(huge), &resp), CTL_PROTO_TOO_LONG);
	CHECK_INT(ctl_proto_response_parse(huge, sizeof(huge) - 1, &resp), CTL_PROTO_OK);
}

static void test_err_names(void)
{
	for (int e = CTL_PROTO_OK; e <= CTL_PROTO_BAD_STATUS; e++) {
		CHECK(strcmp(ctl_proto_err_name(e), "UNKNOWN") != 0);
		CHECK(ctl_proto_err_str(e)[0] != '\0');
	}
	CHECK_STR(ctl_proto_err_name(CTL_PROTO_BAD_MAGIC), "BAD_MAGIC");
	CHECK_STR(ctl_proto_err_name(CTL_PROTO_BAD_STATUS + 1), "UNKNOWN");
}

int main(void)
{
	test_build_exact_bytes();
	test_roundtrip_words();
	test_build_limits();
	test_parse_malformed();
	test_parse_every_truncation();
	test_parse_oversized();
	test_frame_len();
	test_response();
	test_response_malformed();
	test_err_names();
	return check_summary("ctl_proto");
}
