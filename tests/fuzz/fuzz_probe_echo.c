/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the probe's check of a reply (daemon/probe/echo.c
 * probe_echo_match) on any bytes, as they could come out of the tunnel
 * (the data plane copies what looks like an echo reply with the probe's
 * identifier; the rest is this parser's).
 *
 * The input is one byte (bit 0: IPv6; the other bits: the serial of the
 * last request, 0 to 127) and the packet, copied to a buffer of its exact
 * size.  Checked besides the sanitizers: an answer (OK or LATE) is an echo
 * reply from probe= to the device's address with the identifier, the
 * token and a serial not after the one given, its length the request's. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/probe/echo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The probe of the seeds (gen_corpus.c gen_probe): 192.168.2.1 ->
 * 192.168.2.2, fd00:2::1 -> fd00:2::2. */
static struct probe_echo echo(bool v6)
{
	struct probe_echo e = { .family = v6 ? AF_INET6 : AF_INET, .ident = 0x4242 };
	static const uint8_t a4[4] = { 192, 168, 2, 1 }, a6[16] = { 0xfd, 0, 0, 2, [15] = 1 };

	memcpy(e.src, v6 ? a6 : a4, v6 ? 16 : 4);
	memcpy(e.dst, v6 ? a6 : a4, v6 ? 16 : 4);
	e.dst[v6 ? 15 : 3] = 2;
	for (int i = 0; i < PROBE_TOKEN_LEN; i++)
		e.token[i] = (uint8_t)(0xa0 + i);
	return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_echo e;
	enum probe_reply r;
	uint64_t serial;
	size_t n, hlen;
	uint8_t *p;

	if (size < 1)
		return 0;
	e = echo(data[0] & 1);
	serial = data[0] >> 1;
	n = size - 1;
	p = malloc(n ? n : 1);
	if (!p)
		return 0;
	memcpy(p, data + 1, n);
	r = probe_echo_match(&e, serial, p, n);
	(void)probe_reply_name(r);
	if (r > PROBE_REPLY_MALFORMED)
		abort();
	if (r == PROBE_REPLY_OK || r == PROBE_REPLY_LATE) {
		hlen = e.family == AF_INET ? (size_t)(p[0] & 0x0f) * 4 : 40;
		if (n != hlen + 8 + PROBE_ECHO_DATA || hlen < (e.family == AF_INET ? 20u : 40u))
			abort();
		if (p[hlen] != (e.family == AF_INET ? 0 : 129) || p[hlen + 4] != 0x42 || p[hlen + 5] != 0x42)
			abort();
		if (memcmp(p + hlen + 8, e.token, PROBE_TOKEN_LEN) != 0)
			abort();
		if (memcmp(p + (e.family == AF_INET ? 12 : 8), e.dst, e.family == AF_INET ? 4 : 16) ||
		    memcmp(p + (e.family == AF_INET ? 16 : 24), e.src, e.family == AF_INET ? 4 : 16))
			abort();
		if ((r == PROBE_REPLY_OK) != (p[n - 1] == serial && serial < 128))
			abort();
	}
	free(p);
	return 0;
}
