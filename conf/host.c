/* SPDX-License-Identifier: Apache-2.0 */
/* Questions conf asks about the host it resolves a configuration on (see
 * struct conf_host): is an address ours, which is the default route, what
 * does %defaultroute stand for.  A NULL host knows nothing.  The routes
 * that count are those of the main table that mcvpnd did not make: its
 * own lead into its tunnels, not to the host's network. */
#include <netinet/in.h>
#include <string.h>

#include "conf/internal.h"

static const void *ip_bytes(const struct sockaddr_storage *a, size_t *len)
{
	if (a->ss_family == AF_INET) {
		*len = 4;
		return &((const struct sockaddr_in *)a)->sin_addr;
	}
	if (a->ss_family == AF_INET6) {
		*len = 16;
		return &((const struct sockaddr_in6 *)a)->sin6_addr;
	}
	*len = 0;
	return NULL;
}

bool sockaddr_ip_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	size_t la, lb;
	const void *pa = ip_bytes(a, &la), *pb = ip_bytes(b, &lb);

	return pa && pb && la == lb && memcmp(pa, pb, la) == 0;
}

bool host_has_addr(const struct conf_host *h, const struct sockaddr_storage *a)
{
	for (size_t i = 0; h && i < h->n_addrs; i++)
		if (sockaddr_ip_equal(&h->addrs[i].addr, a))
			return true;
	return false;
}

bool host_route_main(const struct conf_host_route *r)
{
	return r->table == 0 || r->table == CONF_TABLE_MAIN;
}

/* A route of the host's own network: main table, not mcvpnd's. */
static bool host_own(const struct conf_host_route *r)
{
	return host_route_main(r) && !r->mcvpnd;
}

const struct conf_host_route *host_default_route(const struct conf_host *h, int family)
{
	const struct conf_host_route *best = NULL;

	for (size_t i = 0; h && i < h->n_routes; i++) {
		const struct conf_host_route *r = &h->routes[i];

		if (host_own(r) && r->dst.family == family && r->dst.len == 0 && (!best || r->metric < best->metric))
			best = r;
	}
	return best;
}

static bool link_local(const struct sockaddr_storage *a)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)a;

	return a->ss_family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr);
}

bool host_default_source(const struct conf_host *h, int family, struct sockaddr_storage *out)
{
	const struct conf_host_route *r = host_default_route(h, family);

	memset(out, 0, sizeof(*out));
	if (!r)
		return false;
	if (r->src.ss_family == family) {
		*out = r->src;
		return true;
	}
	for (size_t i = 0; r->dev[0] && i < h->n_addrs; i++)
		if (h->addrs[i].addr.ss_family == family && strcmp(h->addrs[i].dev, r->dev) == 0 &&
		    !link_local(&h->addrs[i].addr)) {
			*out = h->addrs[i].addr;
			return true;
		}
	return false;
}

const struct conf_host_route *host_route_to(const struct conf_host *h, const struct sockaddr_storage *a)
{
	const struct conf_host_route *best = NULL;
	size_t len;
	const uint8_t *ip = ip_bytes(a, &len);

	for (size_t i = 0; ip && h && i < h->n_routes; i++) {
		const struct conf_host_route *r = &h->routes[i];
		unsigned full = r->dst.len / 8, rest = r->dst.len % 8;

		if (!host_own(r) || r->dst.family != a->ss_family || memcmp(r->dst.addr, ip, full) != 0 ||
		    (rest && ((r->dst.addr[full] ^ ip[full]) & (uint8_t)(0xff00 >> rest))))
			continue;
		if (!best || r->dst.len > best->dst.len || (r->dst.len == best->dst.len && r->metric < best->metric))
			best = r;
	}
	return best;
}
