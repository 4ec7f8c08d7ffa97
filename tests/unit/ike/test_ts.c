/* SPDX-License-Identifier: Apache-2.0 */
/* Traffic selectors (RFC 7296 2.9): from configured prefixes, narrowed by
 * the responder, checked by the initiator, and described for logs. */
#include <arpa/inet.h>
#include <string.h>

#include "check.h"
#include "conf/conf.h"
#include "daemon/dataplane/dataplane.h"
#include "daemon/ike/ts.h"

static struct conf_prefix pfx(const char *addr, uint8_t len)
{
	struct conf_prefix p = { .len = len };

	p.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	inet_pton(p.family, addr, p.addr);
	return p;
}

/* A selector from text bounds, ports and protocol. */
static struct ike_ts sel(const char *a, const char *z, uint8_t proto, uint16_t p0, uint16_t p1)
{
	struct ike_ts t = { .ip_proto = proto, .start_port = p0, .end_port = p1 };
	int af = strchr(a, ':') ? AF_INET6 : AF_INET;

	t.type = af == AF_INET ? TS_IPV4_ADDR_RANGE : TS_IPV6_ADDR_RANGE;
	inet_pton(af, a, t.start);
	inet_pton(af, z, t.end);
	return t;
}

static void check_desc(const struct ike_ts *t, const char *want)
{
	char buf[128];

	ts_describe(t, buf, sizeof(buf));
	CHECK_STR(buf, want);
}

/* Start, end and the ports/protocol of a selector, as "a-z proto p0-p1". */
static void check_sel(const struct ike_ts *t, const char *want)
{
	char a[INET6_ADDRSTRLEN], z[INET6_ADDRSTRLEN], buf[160];
	int af = t->type == TS_IPV4_ADDR_RANGE ? AF_INET : AF_INET6;

	inet_ntop(af, t->start, a, sizeof(a));
	inet_ntop(af, t->end, z, sizeof(z));
	snprintf(buf, sizeof(buf), "%s-%s %u %u-%u", a, z, t->ip_proto, t->start_port, t->end_port);
	CHECK_STR(buf, want);
}

static void test_from_prefixes(void)
{
	const struct conf_prefix p[] = {
		pfx("0.0.0.0", 0), pfx("10.2.3.4", 16), pfx("192.168.2.128", 25),
		pfx("198.51.100.10", 32), pfx("2001:db8:1:2::5", 32), pfx("::", 0),
		pfx("2001:db8::1", 128), pfx("10.0.0.0", 9),
	};
	struct ike_ts t[8];

	CHECK_INT(ts_from_prefixes(p, 8, t), 8);
	check_sel(&t[0], "0.0.0.0-255.255.255.255 0 0-65535");
	check_sel(&t[1], "10.2.0.0-10.2.255.255 0 0-65535");	/* host bits cleared */
	check_sel(&t[2], "192.168.2.128-192.168.2.255 0 0-65535");
	check_sel(&t[3], "198.51.100.10-198.51.100.10 0 0-65535");
	check_sel(&t[4], "2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff 0 0-65535");
	check_sel(&t[5], "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 0 0-65535");
	check_sel(&t[6], "2001:db8::1-2001:db8::1 0 0-65535");
	check_sel(&t[7], "10.0.0.0-10.127.255.255 0 0-65535");
	CHECK_INT(t[0].type, TS_IPV4_ADDR_RANGE);
	CHECK_INT(t[4].type, TS_IPV6_ADDR_RANGE);
}

static void test_describe(void)
{
	struct ike_ts t;

	t = sel("0.0.0.0", "255.255.255.255", 0, 0, 65535);
	check_desc(&t, "0.0.0.0/0");
	t = sel("10.2.0.0", "10.2.255.255", 0, 0, 65535);
	check_desc(&t, "10.2.0.0/16");
	t = sel("10.0.0.0", "10.127.255.255", 0, 0, 65535);
	check_desc(&t, "10.0.0.0/9");
	t = sel("198.51.100.10", "198.51.100.10", 0, 0, 65535);
	check_desc(&t, "198.51.100.10/32");
	/* ranges that are not a CIDR block */
	t = sel("10.0.0.1", "10.0.0.5", 0, 0, 65535);
	check_desc(&t, "10.0.0.1-10.0.0.5");
	t = sel("10.0.0.0", "10.0.1.254", 0, 0, 65535);
	check_desc(&t, "10.0.0.0-10.0.1.254");
	t = sel("10.0.0.128", "10.0.1.127", 0, 0, 65535);
	check_desc(&t, "10.0.0.128-10.0.1.127");
	t = sel("10.0.0.5", "10.0.0.1", 0, 0, 65535);	/* backwards */
	check_desc(&t, "10.0.0.5-10.0.0.1");
	/* IPv6 */
	t = sel("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, 0, 65535);
	check_desc(&t, "::/0");
	t = sel("2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 0, 0, 65535);
	check_desc(&t, "2001:db8::/32");
	t = sel("2001:db8::1", "2001:db8::1", 0, 0, 65535);
	check_desc(&t, "2001:db8::1/128");
	t = sel("2001:db8::1", "2001:db8::ff", 0, 0, 65535);
	check_desc(&t, "2001:db8::1-2001:db8::ff");
	/* a small buffer: cut, terminated */
	char small[6];
	t = sel("10.2.0.0", "10.2.255.255", 0, 0, 65535);
	ts_describe(&t, small, sizeof(small));
	CHECK_STR(small, "10.2.");
}

static void test_narrow(void)
{
	struct ike_ts ours[2] = { sel("10.2.0.0", "10.2.255.255", 0, 0, 65535),
				  sel("2001:db8::", "2001:db8::ffff", 0, 0, 65535) };
	struct pl_ts prop = { .n = 1 };
	struct ike_ts out[8];

	/* the peer proposes everything: we narrow to ours */
	prop.ts[0] = sel("0.0.0.0", "255.255.255.255", 0, 0, 65535);
	CHECK_INT(ts_narrow(&prop, ours, 2, out, 8), 1);
	check_sel(&out[0], "10.2.0.0-10.2.255.255 0 0-65535");
	/* inside ours: kept as proposed */
	prop.ts[0] = sel("10.2.5.0", "10.2.5.255", 0, 0, 65535);
	CHECK_INT(ts_narrow(&prop, ours, 2, out, 8), 1);
	check_sel(&out[0], "10.2.5.0-10.2.5.255 0 0-65535");
	/* overlapping one end */
	prop.ts[0] = sel("10.1.255.0", "10.2.0.9", 0, 0, 65535);
	CHECK_INT(ts_narrow(&prop, ours, 2, out, 8), 1);
	check_sel(&out[0], "10.2.0.0-10.2.0.9 0 0-65535");
	/* disjoint, and the other family */
	prop.ts[0] = sel("10.3.0.0", "10.3.255.255", 0, 0, 65535);
	CHECK_INT(ts_narrow(&prop, ours, 2, out, 8), 0);
	prop.ts[0] = sel("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, 0, 65535);
	CHECK_INT(ts_narrow(&prop, ours, 1, out, 8), 0);
	CHECK_INT(ts_narrow(&prop, ours, 2, out, 8), 1);
	check_sel(&out[0], "2001:db8::-2001:db8::ffff 0 0-65535");
	/* protocol and ports narrow too */
	prop.ts[0] = sel("10.2.0.1", "10.2.0.1", 17, 500, 4500);
	CHECK_INT(ts_narrow(&prop, ours, 2, out, 8), 1);
	check_sel(&out[0], "10.2.0.1-10.2.0.1 17 500-4500");
	struct ike_ts tcp80 = sel("10.0.0.0", "10.255.255.255", 6, 80, 80);
	prop.ts[0] = sel("10.2.0.1", "10.2.0.1", 17, 0, 65535);
	CHECK_INT(ts_narrow(&prop, &tcp80, 1, out, 8), 0);
	prop.ts[0] = sel("10.2.0.1", "10.2.0.1", 0, 1000, 2000);
	CHECK_INT(ts_narrow(&prop, &tcp80, 1, out, 8), 0);
	prop.ts[0] = sel("10.2.0.1", "10.2.0.1", 0, 0, 65535);
	CHECK_INT(ts_narrow(&prop, &tcp80, 1, out, 8), 1);
	check_sel(&out[0], "10.2.0.1-10.2.0.1 6 80-80");
	/* several proposed, several ours; the capacity is respected */
	prop.n = 3;
	prop.ts[0] = sel("0.0.0.0", "255.255.255.255", 0, 0, 65535);
	prop.ts[1] = sel("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, 0, 65535);
	prop.ts[2] = sel("10.2.7.7", "10.2.7.7", 0, 0, 65535);
	CHECK_INT(ts_narrow(&prop, ours, 2, out, 8), 3);
	check_sel(&out[2], "10.2.7.7-10.2.7.7 0 0-65535");
	out[1].type = 0;
	CHECK_INT(ts_narrow(&prop, ours, 2, out, 1), 1);
	CHECK_INT(out[1].type, 0);
	prop.n = 0;
	CHECK_INT(ts_narrow(&prop, ours, 2, out, 8), 0);
}

static void test_subset(void)
{
	struct ike_ts ours[2] = { sel("10.2.0.0", "10.2.255.255", 0, 0, 65535),
				  sel("2001:db8::", "2001:db8::ffff", 0, 0, 65535) };
	struct pl_ts got = { .n = 2 };

	got.ts[0] = sel("10.2.0.0", "10.2.255.255", 0, 0, 65535);
	got.ts[1] = sel("2001:db8::10", "2001:db8::20", 6, 22, 22);
	CHECK_INT(ts_subset(&got, ours, 2), 1);
	got.ts[1] = sel("2001:db8::10", "2001:db8:1::", 0, 0, 65535);	/* one end outside */
	CHECK_INT(ts_subset(&got, ours, 2), 0);
	got.n = 1;
	got.ts[0] = sel("10.1.255.255", "10.2.0.0", 0, 0, 65535);
	CHECK_INT(ts_subset(&got, ours, 2), 0);
	got.ts[0] = sel("0.0.0.0", "255.255.255.255", 0, 0, 65535);
	CHECK_INT(ts_subset(&got, ours, 2), 0);
	got.ts[0] = sel("10.2.0.0", "10.2.255.255", 0, 0, 65535);
	CHECK_INT(ts_subset(&got, ours, 1), 1);
	CHECK_INT(ts_subset(&got, ours + 1, 1), 0);		/* the other family */
	/* ports wider than ours, protocol other than ours */
	struct ike_ts udp = sel("10.2.0.0", "10.2.255.255", 17, 500, 500);
	CHECK_INT(ts_subset(&got, &udp, 1), 0);
	got.ts[0] = sel("10.2.0.0", "10.2.255.255", 17, 500, 500);
	CHECK_INT(ts_subset(&got, &udp, 1), 1);
	got.ts[0].ip_proto = 6;
	CHECK_INT(ts_subset(&got, &udp, 1), 0);
	/* nothing got is not a subset */
	got.n = 0;
	CHECK_INT(ts_subset(&got, ours, 2), 0);
}

static void test_to_ranges(void)
{
	struct ike_ts t[2] = { sel("10.2.0.0", "10.2.255.255", 0, 0, 65535),
			       sel("2001:db8::", "2001:db8::ffff", 0, 0, 65535) };
	struct dp_range r[2];

	CHECK_INT(ts_to_ranges(t, 2, r, 2), 2);
	CHECK_INT(r[0].family, AF_INET);
	CHECK_MEM(r[0].start, t[0].start, 4);
	CHECK_MEM(r[0].end, t[0].end, 4);
	CHECK_INT(r[1].family, AF_INET6);
	CHECK_MEM(r[1].end, t[1].end, 16);
	CHECK_INT(ts_to_ranges(t, 2, r, 1), 1);
}

int main(void)
{
	test_from_prefixes();
	test_describe();
	test_narrow();
	test_subset();
	test_to_ranges();
	return check_summary("ike-ts");
}
