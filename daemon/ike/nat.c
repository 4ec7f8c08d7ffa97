/* SPDX-License-Identifier: Apache-2.0 */
#include "daemon/ike/nat.h"

#include <netinet/in.h>
#include <string.h>

#include "crypto/hash.h"

int nat_hash(uint64_t spii, uint64_t spir, const struct sockaddr_storage *addr, uint8_t out[20])
{
	uint8_t buf[8 + 8 + 16 + 2];
	struct wbuf w = wbuf_init(buf, sizeof(buf));

	wbuf_u64(&w, spii);
	wbuf_u64(&w, spir);
	if (addr->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)addr;
		wbuf_bytes(&w, &a->sin_addr, 4);
		wbuf_bytes(&w, &a->sin_port, 2);
	} else {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)addr;
		wbuf_bytes(&w, &a->sin6_addr, 16);
		wbuf_bytes(&w, &a->sin6_port, 2);
	}
	return w.err ? -1 : hash_sha1(buf, w.len, out);
}

bool nat_match(const struct ike_msg *msg, uint16_t type, uint64_t spii, uint64_t spir,
	       const struct sockaddr_storage *addr)
{
	uint8_t h[20];

	if (nat_hash(spii, spir, addr, h))
		return false;
	for (unsigned i = 0; i < msg->n_notify; i++) {
		const struct pl_notify *n = &msg->notify[i];
		if (n->type == type && n->len == 20 && memcmp(n->data, h, 20) == 0)
			return true;
	}
	return false;
}

void nat_build_notifies(struct ike_msgb *b, uint64_t spii, uint64_t spir,
			const struct sockaddr_storage *local,
			const struct sockaddr_storage *remote, bool fake_source)
{
	uint8_t h[20];

	nat_hash(spii, spir, local, h);
	if (fake_source)
		h[0] ^= 0xff;
	pl_notify_build(b, 0, NULL, 0, N_NAT_DETECTION_SOURCE_IP, h, sizeof(h));
	nat_hash(spii, spir, remote, h);
	pl_notify_build(b, 0, NULL, 0, N_NAT_DETECTION_DESTINATION_IP, h, sizeof(h));
}
