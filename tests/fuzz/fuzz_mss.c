/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: TCP MSS clamping (daemon/dp_mss.c dp_mss_clamp) on any
 * bytes, as a peer could send them inside valid ESP.
 *
 * The input is u16 mss4 | u16 mss6 (big endian) | the packet, which is
 * copied to a buffer of its exact size.  Checked besides the sanitizers:
 * nothing changes when nothing was clamped; at most the checksum and two
 * bytes per lowered option change; and the one's complement sum of the
 * whole packet stays the same (the checksum's update matches the change:
 * the TCP header starts at an even offset in IPv4 and IPv6). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/dataplane/mss.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t sum16(const uint8_t *p, size_t n)
{
	uint64_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)(s == 0xffff ? 0 : s);	/* one's complement: -0 is 0 */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t mss4, mss6, before;
	size_t n, diff = 0;
	uint8_t *p;
	unsigned changed;

	if (size < 4)
		return 0;
	mss4 = (uint16_t)(data[0] << 8 | data[1]);
	mss6 = (uint16_t)(data[2] << 8 | data[3]);
	n = size - 4;
	p = malloc(n ? n : 1);
	if (!p)
		return 0;
	memcpy(p, data + 4, n);
	before = sum16(p, n);
	changed = dp_mss_clamp(p, n, mss4, mss6);
	for (size_t i = 0; i < n; i++)
		diff += p[i] != data[4 + i];
	if ((!changed && diff) || diff > 2 + 2 * (size_t)changed || sum16(p, n) != before)
		abort();
	free(p);
	return 0;
}
