/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the control socket wire format (ctl/proto.c).
 *
 * The input is taken as a frame body (the bytes after the u32 length) and
 * parsed both as a request, as mcvpnd does, and as a response, as mcvpnctl
 * does.  A request that parses is built again from its argv and must come
 * out byte for byte the same; a response's header must match the prefix
 * the daemon would write for its status and text length. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ctl/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ctl_request req;
static uint8_t frame[CTL_PROTO_LEN_SIZE + CTL_REQ_MAX];
static volatile uint8_t sink;

static void check_request(const uint8_t *data, size_t size)
{
	enum ctl_proto_err e = ctl_proto_request_parse(data, size, &req);
	struct wbuf w = wbuf_init(frame, sizeof(frame));

	(void)ctl_proto_err_name(e);
	(void)ctl_proto_err_str(e);
	if (e != CTL_PROTO_OK) {
		if (req.argc != 0 || req.argv[0] != NULL)
			abort();
		return;
	}
	if (req.argc < 1 || req.argc > CTL_ARGC_MAX || req.argv[req.argc] != NULL ||
	    req.argv[0][0] == '\0')
		abort();
	if (ctl_proto_request_build(&w, req.argc, req.argv) != CTL_PROTO_OK)
		abort();
	if (w.len != CTL_PROTO_LEN_SIZE + size || ctl_proto_frame_len(frame) != size ||
	    memcmp(frame + CTL_PROTO_LEN_SIZE, data, size) != 0)
		abort();
}

static void check_response(const uint8_t *data, size_t size)
{
	struct ctl_response resp;
	uint8_t prefix[CTL_RESP_PREFIX_LEN];
	enum ctl_proto_err e = ctl_proto_response_parse(data, size, &resp);

	if (e != CTL_PROTO_OK)
		return;
	if (resp.text_len != size - CTL_PROTO_HDR_LEN ||
	    resp.text != (const char *)data + CTL_PROTO_HDR_LEN)
		abort();
	uint8_t x = 0;
	for (size_t i = 0; i < resp.text_len; i++)
		x ^= (uint8_t)resp.text[i];
	sink ^= x;
	if (ctl_proto_response_prefix(prefix, resp.status, resp.text_len) != CTL_PROTO_OK ||
	    ctl_proto_frame_len(prefix) != size ||
	    memcmp(prefix + CTL_PROTO_LEN_SIZE, data, CTL_PROTO_HDR_LEN) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_request(data, size);
	check_response(data, size);
	if (size >= CTL_PROTO_LEN_SIZE)
		sink ^= (uint8_t)ctl_proto_frame_len(data);
	return 0;
}
