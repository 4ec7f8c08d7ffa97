/* SPDX-License-Identifier: Apache-2.0 */
/* IPv4/IPv6 prefixes as the netlink messages carry them: checking a
 * caller's prefix before it goes out, comparing, and reading one back. */
#include "netlink/nl_priv.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

size_t nl_prefix_alen(int family)
{
	switch (family) {
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	default:
		return 0;
	}
}

int nl_prefix_check(const struct nl_prefix *p)
{
	size_t alen = nl_prefix_alen(p->family);

	if (alen == 0)
		return -EAFNOSUPPORT;
	if (p->len > alen * 8)
		return -EINVAL;
	return 0;
}

void nl_prefix_mask(struct nl_prefix *p)
{
	size_t alen = nl_prefix_alen(p->family);
	size_t full = p->len / 8;

	if (full >= alen)
		return;
	if (p->len % 8)
		p->addr[full++] &= (uint8_t)(0xff << (8 - p->len % 8));
	memset(p->addr + full, 0, sizeof(p->addr) - full);
}

bool nl_prefix_equal(const struct nl_prefix *a, const struct nl_prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       memcmp(a->addr, b->addr, nl_prefix_alen(a->family)) == 0;
}

int nl_prefix_from_attr(struct nl_prefix *p, int family, uint8_t len, const struct nlattr *a)
{
	size_t alen = nl_prefix_alen(family);

	memset(p, 0, sizeof(*p));
	if (alen == 0)
		return -EAFNOSUPPORT;
	if (len > alen * 8)
		return -EPROTO;
	p->family = family;
	p->len = len;
	if (!a)
		return 0;	/* a default route carries no destination */
	if (mnl_attr_validate2(a, MNL_TYPE_BINARY, alen) < 0)
		return -EPROTO;
	memcpy(p->addr, mnl_attr_get_payload(a), alen);
	return 0;
}
