/* SPDX-License-Identifier: Apache-2.0 */
/* Traffic selector arithmetic on address ranges (RFC 7296 2.9). */
#include "daemon/ike/ts.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "daemon/dataplane/dataplane.h"

static size_t alen(uint8_t type)
{
	return type == TS_IPV4_ADDR_RANGE ? 4 : 16;
}

size_t ts_from_prefixes(const struct conf_prefix *p, size_t n, struct ike_ts *out)
{
	for (size_t i = 0; i < n; i++) {
		struct ike_ts *t = &out[i];
		size_t bytes = p[i].family == AF_INET ? 4 : 16;
		memset(t, 0, sizeof(*t));
		t->type = p[i].family == AF_INET ? TS_IPV4_ADDR_RANGE : TS_IPV6_ADDR_RANGE;
		t->start_port = 0;
		t->end_port = 0xffff;
		for (size_t b = 0; b < bytes; b++) {
			unsigned bits = p[i].len > b * 8 ? p[i].len - b * 8 : 0;
			uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
			t->start[b] = p[i].addr[b] & mask;
			t->end[b] = (uint8_t)(p[i].addr[b] | ~mask);
		}
	}
	return n;
}

size_t ts_local_conf(const struct conf_conn *cfg, struct ike_ts *out)
{
	return ts_from_prefixes(cfg->leftsubnet, cfg->n_leftsubnet, out);
}

size_t ts_remote_conf(const struct conf_conn *cfg, struct ike_ts *out)
{
	return ts_from_prefixes(cfg->rightsubnet, cfg->n_rightsubnet, out);
}

static int cmp(const uint8_t *a, const uint8_t *b, size_t n)
{
	return memcmp(a, b, n);
}

/* Intersection of a and b into out; 0 if empty. Ports and protocol too. */
static int intersect(const struct ike_ts *a, const struct ike_ts *b, struct ike_ts *out)
{
	size_t n = alen(a->type);
	if (a->type != b->type)
		return 0;
	if (a->ip_proto && b->ip_proto && a->ip_proto != b->ip_proto)
		return 0;
	*out = *a;
	out->ip_proto = a->ip_proto ? a->ip_proto : b->ip_proto;
	out->start_port = a->start_port > b->start_port ? a->start_port : b->start_port;
	out->end_port = a->end_port < b->end_port ? a->end_port : b->end_port;
	if (cmp(b->start, a->start, n) > 0)
		memcpy(out->start, b->start, n);
	if (cmp(b->end, a->end, n) < 0)
		memcpy(out->end, b->end, n);
	return cmp(out->start, out->end, n) <= 0 && out->start_port <= out->end_port;
}

size_t ts_narrow(const struct pl_ts *proposed, const struct ike_ts *ours, size_t n_ours,
		 struct ike_ts *out, size_t cap)
{
	size_t k = 0;
	for (unsigned i = 0; i < proposed->n; i++)
		for (size_t j = 0; j < n_ours && k < cap; j++)
			if (intersect(&proposed->ts[i], &ours[j], &out[k]))
				k++;
	return k;
}

static int inside(const struct ike_ts *t, const struct ike_ts *o)
{
	size_t n = alen(t->type);
	return t->type == o->type && cmp(t->start, o->start, n) >= 0 &&
	       cmp(t->end, o->end, n) <= 0 && t->start_port >= o->start_port &&
	       t->end_port <= o->end_port && (!o->ip_proto || o->ip_proto == t->ip_proto);
}

int ts_subset(const struct pl_ts *got, const struct ike_ts *ours, size_t n_ours)
{
	for (unsigned i = 0; i < got->n; i++) {
		size_t j;
		for (j = 0; j < n_ours; j++)
			if (inside(&got->ts[i], &ours[j]))
				break;
		if (j == n_ours)
			return 0;
	}
	return got->n > 0;
}

size_t ts_to_ranges(const struct ike_ts *ts, size_t n, struct dp_range *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k < cap; i++, k++) {
		memset(&out[k], 0, sizeof(out[k]));
		out[k].family = ts[i].type == TS_IPV4_ADDR_RANGE ? AF_INET : AF_INET6;
		memcpy(out[k].start, ts[i].start, alen(ts[i].type));
		memcpy(out[k].end, ts[i].end, alen(ts[i].type));
		out[k].ip_proto = ts[i].ip_proto;
		out[k].start_port = ts[i].start_port;
		out[k].end_port = ts[i].end_port;
		out[k].l4 = ts[i].ip_proto || ts[i].start_port || ts[i].end_port != 0xffff;
	}
	return k;
}

int ts_prefix_len(const struct ike_ts *t)
{
	size_t n = alen(t->type);
	int len = 0;
	size_t b = 0;
	for (; b < n && t->start[b] == t->end[b]; b++)
		len += 8;
	if (b == n)
		return len;
	for (uint8_t m = 0x80; m && !((t->start[b] ^ t->end[b]) & m); m >>= 1)
		len++;
	for (size_t r = b; r < n; r++) {
		uint8_t hostmask = r == b ? (uint8_t)(0xff >> (len - (int)b * 8)) : 0xff;
		if ((t->start[r] & hostmask) != 0 || (t->end[r] & hostmask) != hostmask)
			return -1;
	}
	return len;
}

void ts_describe(const struct ike_ts *t, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	int af = t->type == TS_IPV4_ADDR_RANGE ? AF_INET : AF_INET6;
	int plen = ts_prefix_len(t);

	inet_ntop(af, t->start, a, sizeof(a));
	if (plen >= 0) {
		snprintf(buf, len, "%s/%d", a, plen);
		return;
	}
	inet_ntop(af, t->end, b, sizeof(b));
	snprintf(buf, len, "%s-%s", a, b);
}
