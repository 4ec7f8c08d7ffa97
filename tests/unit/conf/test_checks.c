/* SPDX-License-Identifier: Apache-2.0 */
/* What mcvpnd --check says of a conn's routes on a host (injected: no
 * netlink here): every refusal (a route that covers the peer or this host,
 * one that replaces a route mcvpnd did not make, the default route above
 * all) with its way out, and every warning (interface-ip= without a
 * prefix, routes outside the selectors, a prefix routed twice, a conn that
 * never starts, a mark with no effect), each as FILE:LINE; routing=external
 * (routes refused, the placing keys of no effect, the device's address). */
#include "conf_test.h"

static struct conf *cf;
static struct conf_diag d;

static struct sockaddr_storage sa(const char *text)
{
	struct sockaddr_storage s;

	memset(&s, 0, sizeof(s));
	s.ss_family = AF_INET;
	inet_pton(AF_INET, text, &((struct sockaddr_in *)&s)->sin_addr);
	return s;
}

static struct conf_prefix pfx(const char *text, uint8_t len)
{
	struct conf_prefix p = { .family = AF_INET, .len = len };

	inet_pton(AF_INET, text, p.addr);
	return p;
}

/* The AWS VM: 10.3.1.200/24 on eth0, default via 10.3.1.1, and the
 * routes given (dst/len dev, NULL-terminated). */
struct host {
	struct conf_host h;
	struct conf_host_addr a;
	struct conf_host_route r[8];
};

static const struct conf_host *aws(struct host *h, const char *const *routes)
{
	memset(h, 0, sizeof(*h));
	h->a.addr = sa("10.3.1.200");
	strcpy(h->a.dev, "eth0");
	h->h.addrs = &h->a;
	h->h.n_addrs = 1;
	h->h.routes = h->r;
	h->r[0].dst = pfx("0.0.0.0", 0);
	h->r[0].gw = sa("10.3.1.1");
	strcpy(h->r[0].dev, "eth0");
	h->r[1].dst = pfx("10.3.1.0", 24);
	strcpy(h->r[1].dev, "eth0");
	h->h.n_routes = 2;
	for (; routes && routes[0] && h->h.n_routes < 8; routes += 3) {
		struct conf_host_route *r = &h->r[h->h.n_routes++];

		r->dst = pfx(routes[0], (uint8_t)atoi(routes[1]));
		strcpy(r->dev, routes[2]);
	}
	return &h->h;
}

#define CONN "conn t\n\tleft=10.3.1.200\n\tright=203.0.113.20\n\tvti-interface=vti1\n\tauto=start\n"

static int load(const char *text, const struct conf_host *h)
{
	const struct conf_file f[2] = {
		{ "t.conf", text, CONF_FILE_CONF }, { "t.secrets", ": PSK \"x\"\n", CONF_FILE_SECRETS },
	};

	conf_free(cf);
	conf_diag_free(&d);
	cf = NULL;
	return conf_load_files(f, 2, h, &cf, &d);
}

static void test_default_route(void)
{
	struct host h;
	static const char *const peer_out[] = { "203.0.113.20", "32", "eth0", NULL };

	CHECK_INT(load(CONN "\troutes=0.0.0.0/0\n", aws(&h, NULL)), -1);
	CHECK_PROBLEM(&d, "t.conf:6: conn \"t\": the route 0.0.0.0/0 into vti1 would replace (or take precedence "
		      "over) the route 0.0.0.0/0 via 10.3.1.1 dev eth0 that mcvpnd did not make: the host's "
		      "default route, SSH and all, would go into the tunnel; if that is meant, add routes-replace=yes");
	CHECK_PROBLEM(&d, "t.conf:6: conn \"t\": the route 0.0.0.0/0 into vti1 covers the peer's address "
		      "203.0.113.20: IKE and ESP to the peer would be routed into the tunnel itself; leave that "
		      "address out, or give the peer a more specific route outside the tunnel (ip route add "
		      "203.0.113.20/32 via GATEWAY)");
	/* no host known: a default route is refused all the same */
	CHECK_INT(load(CONN "\troutes=0.0.0.0/0\n", NULL), -1);
	CHECK_PROBLEM(&d, "t.conf:6: conn \"t\": the route 0.0.0.0/0 into vti1 is a default route: it would "
		      "replace the host's default route whenever there is one");
	/* the way out: the peer pinned outside the tunnel, and the operator's say-so */
	CHECK_INT(load(CONN "\troutes=0.0.0.0/0\n\troutes-replace=yes\n", aws(&h, peer_out)), 0);
	diag_print(&d);
	CHECK(cf && cf->conns[0].routes_replace);
	CHECK_INT(d.n_notes, 0);
}

static void test_loops(void)
{
	struct host h;
	static const char *const peer_out[] = { "203.0.113.20", "32", "eth0", NULL };

	/* the peer's address, by routes= or by a routed rightsubnet= */
	CHECK_INT(load(CONN "\troutes=10.105.0.0/16,203.0.113.0/24\n", aws(&h, NULL)), -1);
	CHECK_PROBLEM(&d, "t.conf:6: conn \"t\": the route 203.0.113.0/24 into vti1 covers the peer's address 203.0.113.20");
	CHECK_INT(d.n, 1);
	CHECK_INT(load(CONN "\trightsubnet=203.0.113.0/24\n", aws(&h, NULL)), -1);
	CHECK_PROBLEM(&d, "t.conf:6: conn \"t\": the route 203.0.113.0/24 into vti1 covers the peer's address");
	CHECK_INT(load(CONN "\trightsubnet=203.0.113.0/24\n", aws(&h, peer_out)), 0);
	/* one file for both ends: the peer's subnet is its left= side here */
	CHECK_INT(load("conn t\n\tleft=203.0.113.20\n\tleftsubnet=203.0.113.0/24\n\tright=10.3.1.200\n"
		       "\tauto=start\n", aws(&h, NULL)), -1);
	CHECK_PROBLEM(&d, "t.conf:3: conn \"t\": the route 203.0.113.0/24 into t covers the peer's address");
	/* this host's own address: refused unless a more specific route keeps it out */
	CHECK_INT(load(CONN "\troutes=10.0.0.0/8\n", NULL), -1);
	CHECK_PROBLEM(&d, "t.conf:6: conn \"t\": the route 10.0.0.0/8 into vti1 covers this host's own address 10.3.1.200 (left=)");
	CHECK_INT(load(CONN "\troutes=10.0.0.0/8\n", aws(&h, NULL)), 0);	/* 10.3.1.0/24 dev eth0 */
	CHECK_INT(load(CONN "\troutes=10.3.1.128/25\n", aws(&h, NULL)), -1);
	CHECK_PROBLEM(&d, "covers this host's own address 10.3.1.200 (left=)");
}

static void test_replace(void)
{
	struct host h;
	static const char *const vpc[] = { "10.105.0.0", "16", "eth0", NULL };
	static const char *const ours[] = { "10.105.0.0", "16", "vti1", NULL };

	CHECK_INT(load(CONN "\troutes=10.105.0.0/16,10.106.0.0/16\n", aws(&h, vpc)), -1);
	CHECK_PROBLEM(&d, "t.conf:6: conn \"t\": the route 10.105.0.0/16 into vti1 would replace (or take "
		      "precedence over) the route 10.105.0.0/16 dev eth0 that mcvpnd did not make; if that is "
		      "meant, add routes-replace=yes");
	CHECK_INT(load(CONN "\troutes=10.105.0.0/16\n\troutes-replace=yes\n", aws(&h, vpc)), 0);
	/* a route on the conn's own device is mcvpnd's (a reload, a restart) */
	CHECK_INT(load(CONN "\troutes=10.105.0.0/16\n", aws(&h, ours)), 0);
	CHECK_INT(load(CONN "\troutes-replace=maybe\n", NULL), -1);
	CHECK_PROBLEM(&d, "t.conf:6: conn \"t\": routes-replace=maybe: expected yes or no");
}

static void test_warnings(void)
{
	struct host h;

	CHECK_INT(load(CONN "\tinterface-ip=192.168.2.1\n", aws(&h, NULL)), 0);
	CHECK_WARN(&d, "t.conf:6: warning: conn \"t\": the device's address has no prefix length: it means "
		   "192.168.2.1/32, so no other address is on-link through vti1; write the length meant");
	CHECK_INT(load("conn t\n\tleft=203.0.113.20\n\tright=10.3.1.200\n\trightvti=192.168.2.1\n"
		       "\tauto=start\n\tleftsubnet=10.105.0.0/16\n", aws(&h, NULL)), 0);
	CHECK_WARN(&d, "t.conf:4: warning: conn \"t\": the device's address has no prefix length");
	CHECK_INT(load(CONN "\trightsubnet=10.105.0.0/16\n\troutes=10.105.1.0/24,10.9.0.0/16\n", aws(&h, NULL)), 0);
	CHECK_WARN(&d, "t.conf:7: warning: conn \"t\": routes=10.9.0.0/16 is outside the peer's traffic "
		   "selectors (10.105.0.0/16): packets routed there are dropped, never sent");
	CHECK(diag_note_find(&d, "10.105.1.0/24 is outside") == NULL);
	CHECK_INT(load(CONN "\troutes=10.105.0.0/16\n"
		       "conn u\n\tleft=10.3.1.200\n\tright=203.0.113.30\n\tvti-interface=vti2\n\tauto=add\n"
		       "\trightsubnet=10.105.0.0/16\n", aws(&h, NULL)), 0);
	CHECK_WARN(&d, "t.conf:12: warning: conn \"u\": 10.105.0.0/16 is routed into vti1 by conn \"t\" (t.conf:1) "
		   "too, at the same metric 0: only the route installed first is used, the other is refused; "
		   "give one of them another route-metric= (and routes-when-down=withdraw) for a failover");
	CHECK_INT(load("conn t\n\tleft=10.3.1.200\n\tright=203.0.113.20\n", aws(&h, NULL)), 0);
	CHECK_WARN(&d, "t.conf:1: warning: conn \"t\" never starts: auto=ignore (the default, as in libreswan); "
		   "add auto=start (or auto=add to answer the peer only)");
	CHECK_INT(load("conn t\n\tleft=10.3.1.200\n\tright=203.0.113.20\n\tauto=ignore\n", aws(&h, NULL)), 0);
	CHECK_WARN(&d, "t.conf:4: warning: conn \"t\" never starts: auto=ignore; add auto=start");
	CHECK_INT(load(CONN "\tmark=0/0xff\n", aws(&h, NULL)), 0);
	CHECK_WARN(&d, "t.conf:6: warning: conn \"t\": mark=0/0xff sets no mark (a mark of 0): it has no effect");
	CHECK_INT(load(CONN "\tmark=5\n"
		       "conn u\n\tleft=10.3.1.200\n\tright=203.0.113.30\n\tvti-interface=vti2\n\tauto=add\n"
		       "\tmark=6\n", aws(&h, NULL)), 0);
	CHECK_WARN(&d, "t.conf:12: warning: conn \"u\": mark= has no effect: the sockets of its address are "
		   "shared with conn \"t\" (t.conf:1), which marks them with 5");
	/* the operators' own example pair: not a word */
	CHECK_INT(load(CONN "\tmark=5/0xffffffff\n\tinterface-ip=192.168.2.1/30\n"
		       "\troutes=10.105.0.0/16,10.106.0.0/16\n\tvti-routing=no\n", aws(&h, NULL)), 0);
	CHECK_INT(d.n_notes, 0);
	diag_print(&d);
}

/* route-metric=, route-table=, routes-when-down=, mss-clamp=: values,
 * ranges, defaults, and reload's comparison. */
static void test_route_keys(void)
{
	static const char *const bad[][2] = {
		{ "route-metric=4294967296", "t.conf:6: conn \"t\": route-metric=4294967296: expected a metric "
		  "from 0 to 4294967295 (a lower one wins)" },
		{ "route-metric=-1", "route-metric=-1: expected a metric" },
		{ "route-metric=0x10", "route-metric=0x10: expected a metric" },
		{ "route-table=0", "route-table=0: expected main or a table number from 1 to 4294967295 "
		  "other than 255 (the kernel's local table)" },
		{ "route-table=255", "route-table=255: expected main" },
		{ "route-table=local", "route-table=local: expected main" },
		{ "routes-when-down=drop", "routes-when-down=drop: expected keep or withdraw" },
		{ "mss-clamp=535", "mss-clamp=535: expected yes, no or an MSS from 536 to 65495" },
		{ "mss-clamp=65496", "mss-clamp=65496: expected yes" },
		{ "mss-clamp=auto", "mss-clamp=auto: expected yes" },
	};
	static const char *const changed[] = {
		"route-metric=1", "route-table=100", "routes-when-down=withdraw", "mss-clamp=yes",
	};
	struct conf *a;
	char text[256];

	CHECK_INT(load(CONN, NULL), 0);
	CHECK_INT(cf->conns[0].route_metric, 0);
	CHECK_INT(cf->conns[0].route_table, CONF_TABLE_MAIN);
	CHECK_INT(cf->conns[0].routes_when_down, CONF_ROUTES_KEEP);
	CHECK(!cf->conns[0].mss_clamp);
	CHECK_INT(load(CONN "\troute-metric=100\n\troute-table=1000\n\troutes-when-down=withdraw\n"
		       "\tmss-clamp=yes\n", NULL), 0);
	CHECK_INT(cf->conns[0].route_metric, 100);
	CHECK_INT(cf->conns[0].route_table, 1000);
	CHECK_INT(cf->conns[0].routes_when_down, CONF_ROUTES_WITHDRAW);
	CHECK(cf->conns[0].mss_clamp && cf->conns[0].mss_clamp_to == 0);
	CHECK_INT(load(CONN "\tmetric=4294967295\n\troute-table=main\n\tmss-clamp=1360\n", NULL), 0);
	CHECK_INT(cf->conns[0].route_metric, 4294967295u);	/* libreswan's metric= */
	CHECK_INT(cf->conns[0].route_table, CONF_TABLE_MAIN);
	CHECK(cf->conns[0].mss_clamp && cf->conns[0].mss_clamp_to == 1360);
	CHECK_INT(load(CONN "\troute-table=254\n\tmss-clamp=536\n\troute-metric=0\n", NULL), 0);
	CHECK_INT(cf->conns[0].route_table, CONF_TABLE_MAIN);
	CHECK_INT(cf->conns[0].mss_clamp_to, 536);
	CHECK_INT(load(CONN "\tmetric=1\n\troute-metric=2\n", NULL), -1);
	CHECK_PROBLEM(&d, "t.conf:7: duplicate key 'route-metric' in conn \"t\"");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), CONN "\t%s\n", bad[i][0]);
		CHECK_INT(load(text, NULL), -1);
		CHECK_PROBLEM(&d, bad[i][1]);
	}
	/* each of them is a change for a reload */
	CHECK_INT(load(CONN, NULL), 0);
	a = cf;
	cf = NULL;
	for (size_t i = 0; i < sizeof(changed) / sizeof(changed[0]); i++) {
		snprintf(text, sizeof(text), CONN "\t%s\n", changed[i]);
		CHECK_INT(load(text, NULL), 0);
		CHECK(cf && !conf_conn_equal(&a->conns[0], &cf->conns[0]));
	}
	CHECK_INT(load(CONN "\tmss-clamp=1360\n", NULL), 0);
	conf_free(a);
	a = cf;
	cf = NULL;
	CHECK_INT(load(CONN "\tmss-clamp=1300\n", NULL), 0);
	CHECK(!conf_conn_equal(&a->conns[0], &cf->conns[0]));
	CHECK_INT(load(CONN "\tmss-clamp=1360\n\troute-table=main\n\troutes-when-down=keep\n", NULL), 0);
	CHECK(conf_conn_equal(&a->conns[0], &cf->conns[0]));	/* defaults written out: no change */
	conf_free(a);
}

/* fragmentation= and ike-fragment-size=: values, ranges, defaults, and
 * reload's comparison. */
static void test_fragment_keys(void)
{
	static const char *const bad[][2] = {
		{ "fragmentation=maybe", "t.conf:6: conn \"t\": fragmentation=maybe: expected yes, no "
		  "or force" },
		{ "ike-fragment-size=255", "ike-fragment-size=255: expected a packet size in bytes from "
		  "256 to 65535" },
		{ "ike-fragment-size=65536", "ike-fragment-size=65536: expected a packet size" },
		{ "ike-fragment-size=1k", "ike-fragment-size=1k: expected a packet size" },
	};
	static const char *const changed[] = {
		"fragmentation=no", "fragmentation=force", "ike-fragment-size=1280",
	};
	char text[256];
	struct conf *a;

	CHECK_INT(load(CONN, NULL), 0);
	CHECK_INT(cf->conns[0].fragmentation, CONF_FRAG_YES);
	CHECK_INT(cf->conns[0].ike_fragment_size, 0);
	CHECK_INT(load(CONN "\tfragmentation=force\n\tike-fragment-size=256\n", NULL), 0);
	CHECK_INT(cf->conns[0].fragmentation, CONF_FRAG_FORCE);
	CHECK_INT(cf->conns[0].ike_fragment_size, 256);
	CHECK_INT(load(CONN "\tfragmentation=no\n\tike-fragment-size=65535\n", NULL), 0);
	CHECK_INT(cf->conns[0].fragmentation, CONF_FRAG_NO);
	CHECK_INT(cf->conns[0].ike_fragment_size, 65535);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), CONN "\t%s\n", bad[i][0]);
		CHECK_INT(load(text, NULL), -1);
		CHECK_PROBLEM(&d, bad[i][1]);
	}
	CHECK_INT(load(CONN, NULL), 0);
	a = cf;
	cf = NULL;
	for (size_t i = 0; i < sizeof(changed) / sizeof(changed[0]); i++) {
		snprintf(text, sizeof(text), CONN "\t%s\n", changed[i]);
		CHECK_INT(load(text, NULL), 0);
		CHECK(cf && !conf_conn_equal(&a->conns[0], &cf->conns[0]));
	}
	CHECK_INT(load(CONN "\tfragmentation=yes\n", NULL), 0);
	CHECK(conf_conn_equal(&a->conns[0], &cf->conns[0]));	/* the default written out */
	conf_free(a);
}

static struct conf_prefix pfx6(const char *text, uint8_t len)
{
	struct conf_prefix p = { .family = AF_INET6, .len = len };

	inet_pton(AF_INET6, text, p.addr);
	return p;
}

static bool ip4_is(const struct sockaddr_storage *s, const char *text)
{
	struct sockaddr_storage want = sa(text);

	return s->ss_family == AF_INET && ((const struct sockaddr_in *)s)->sin_addr.s_addr ==
	       ((struct sockaddr_in *)&want)->sin_addr.s_addr;
}

/* mcvpnd's own routes (its protocol) are no one else's; tables are apart;
 * routes-replace=yes still needs a way to win over an IPv6 route. */
static void test_replace_tables(void)
{
	struct host h;
	static const char *const vpc[] = { "10.105.0.0", "16", "eth0", NULL };
	static const char *const other_conn[] = { "10.105.0.0", "16", "vti9", NULL };
	static const char *const peer_out[] = { "203.0.113.20", "32", "eth0", NULL };

	aws(&h, other_conn);
	CHECK_INT(load(CONN "\troutes=10.105.0.0/16\n", &h.h), -1);	/* on vti9: someone's */
	h.r[2].mcvpnd = true;
	CHECK_INT(load(CONN "\troutes=10.105.0.0/16\n", &h.h), 0);	/* another conn's (a reload) */
	/* another table: the main table's route is not replaced; table 100's is */
	aws(&h, vpc);
	CHECK_INT(load(CONN "\troutes=10.105.0.0/16\n\troute-table=100\n", &h.h), 0);
	h.r[2].table = 100;
	CHECK_INT(load(CONN "\troutes=10.105.0.0/16\n", &h.h), 0);
	CHECK_INT(load(CONN "\troutes=10.105.0.0/16\n\troute-table=100\n", &h.h), -1);
	CHECK_PROBLEM(&d, "t.conf:6: conn \"t\": the route 10.105.0.0/16 into vti1 would replace (or take "
		      "precedence over) the route 10.105.0.0/16 dev eth0 that mcvpnd did not make; if that is "
		      "meant, add routes-replace=yes");
	/* a default route in another table is not the host's */
	CHECK_INT(load(CONN "\troutes=0.0.0.0/0\n\troute-table=100\n", aws(&h, NULL)), 0);
	CHECK_WARN(&d, "t.conf:6: warning: conn \"t\": the route 0.0.0.0/0 into vti1 (table 100) covers the "
		   "peer's address 203.0.113.20: if an ip rule sends this host's own packets to table 100, IKE "
		   "and ESP to the peer loop into the tunnel");
	CHECK_WARN(&d, "covers this host's own address 10.3.1.200 (left=): if an ip rule");
	CHECK_INT(d.n, 0);
	/* a default route of mcvpnd's own is no default route for %defaultroute */
	aws(&h, other_conn);
	h.r[2].dst = pfx("0.0.0.0", 0);
	h.r[2].mcvpnd = true;
	CHECK_INT(load("conn t\n\tleft=%defaultroute\n\tright=203.0.113.20\n\tauto=start\n", &h.h), 0);
	CHECK(cf && ip4_is(&cf->conns[0].left, "10.3.1.200"));
	/* IPv6: routes-replace=yes cannot win at the other route's metric */
	aws(&h, peer_out);
	h.r[3].dst = pfx6("::", 0);
	strcpy(h.r[3].dev, "eth0");
	h.r[3].metric = 1024;
	h.h.n_routes = 4;
	CHECK_INT(load(CONN "\troutes=::/0\n\troutes-replace=yes\n", &h.h), -1);
	CHECK_PROBLEM(&d, "t.conf:6: conn \"t\": the route ::/0 into vti1 cannot take precedence over the "
		      "route ::/0 dev eth0 that mcvpnd did not make: both have metric 1024, and IPv6 uses the "
		      "older one; give this conn a lower route-metric=");
	CHECK_INT(load(CONN "\troutes=::/0\n\troutes-replace=yes\n\troute-metric=100\n", &h.h), 0);
	/* IPv4 at the same metric: in front of it, as ip route prepend */
	CHECK_INT(load(CONN "\troutes=0.0.0.0/0\n\troutes-replace=yes\n", &h.h), 0);
}

/* Two conns routing one prefix: a failover needs two metrics and the
 * preferred conn withdrawing its routes when down. */
static void test_failover(void)
{
	struct host h;
	char text[512];
	static const char *const two =
		"conn a\n\tleft=10.3.1.200\n\tright=203.0.113.20\n\tvti-interface=vti1\n\tauto=start\n"
		"\troutes=10.105.0.0/16\n\troute-metric=%s\n\troutes-when-down=%s\n"
		"conn b\n\tleft=10.3.1.200\n\tright=203.0.113.40\n\tvti-interface=vti2\n\tauto=start\n"
		"\troutes=10.105.0.0/16\n\troute-metric=%s\n\troutes-when-down=%s\n";

	snprintf(text, sizeof(text), two, "100", "withdraw", "200", "withdraw");
	CHECK_INT(load(text, aws(&h, NULL)), 0);
	CHECK_INT(d.n_notes, 0);
	diag_print(&d);
	snprintf(text, sizeof(text), two, "100", "withdraw", "200", "keep");
	CHECK_INT(load(text, aws(&h, NULL)), 0);
	CHECK_INT(d.n_notes, 0);	/* the backup may keep its route */
	snprintf(text, sizeof(text), two, "100", "keep", "200", "withdraw");
	CHECK_INT(load(text, aws(&h, NULL)), 0);
	CHECK_WARN(&d, "t.conf:14: warning: conn \"b\": 10.105.0.0/16 is routed by conn \"a\" too: \"a\" (metric "
		   "100) is preferred over \"b\" (metric 200) but keeps its route while it is down, so its "
		   "traffic is dropped then and never goes through \"b\"; add routes-when-down=withdraw to "
		   "conn \"a\" for a failover");
	snprintf(text, sizeof(text), two, "300", "withdraw", "200", "keep");
	CHECK_INT(load(text, aws(&h, NULL)), 0);
	CHECK_WARN(&d, "\"b\" (metric 200) is preferred over \"a\" (metric 300) but keeps its route");
	snprintf(text, sizeof(text), two, "100", "withdraw", "100", "withdraw");
	CHECK_INT(load(text, aws(&h, NULL)), 0);
	CHECK_WARN(&d, "t.conf:14: warning: conn \"b\": 10.105.0.0/16 is routed into vti1 by conn \"a\" (t.conf:1) "
		   "too, at the same metric 100");
	/* in two tables they do not meet */
	snprintf(text, sizeof(text), two, "100", "keep", "100\n\troute-table=7", "keep");
	CHECK_INT(load(text, aws(&h, NULL)), 0);
	CHECK_INT(d.n_notes, 0);
}

/* routing=external: no route at all, routes= and vti-routing=yes written
 * out refused, the keys that place mcvpnd's routes warned of, the device's
 * address and network checked against the selectors. */
static void test_routing_external(void)
{
	struct host h;
	struct conf *a;
	struct conf_prefix r[CONF_MAX_CONN_ROUTES];

	CHECK_INT(load(CONN, NULL), 0);
	CHECK_INT(cf->conns[0].routing, CONF_ROUTING_MCVPND);
	/* the FRR setup: an address on the device, nothing else */
	CHECK_INT(load(CONN "\trouting=external\n\tinterface-ip=192.168.2.1/30\n\tvti-routing=no\n",
		       aws(&h, NULL)), 0);
	diag_print(&d);
	CHECK_INT(d.n_notes, 0);
	CHECK_INT(cf->conns[0].routing, CONF_ROUTING_EXTERNAL);
	/* rightsubnet= with libreswan's default vti-routing=yes left implicit: no route */
	CHECK_INT(load(CONN "\trouting=external\n\tinterface-ip=192.168.2.1/30\n\trightsubnet=10.105.0.0/16,"
		       "192.168.2.0/30\n", aws(&h, NULL)), 0);
	CHECK_INT(d.n_notes, 0);
	CHECK_INT(conf_conn_routes(&cf->conns[0], r, CONF_MAX_CONN_ROUTES), 0);
	CHECK_INT(load(CONN "\tinterface-ip=192.168.2.1/30\n\trightsubnet=10.105.0.0/16,192.168.2.0/30\n",
		       aws(&h, NULL)), 0);
	CHECK_INT(conf_conn_routes(&cf->conns[0], r, CONF_MAX_CONN_ROUTES), 2);	/* routing=mcvpnd */
	CHECK_INT(load(CONN "\trouting=external\n\tinterface-ip=192.168.2.1/30\n\troutes=10.105.0.0/16\n",
		       aws(&h, NULL)), -1);
	CHECK_PROBLEM(&d, "t.conf:8: conn \"t\": routes= with routing=external: mcvpnd installs no route for "
		      "this conn, the routing daemon does; announce these networks from the peer's daemon (and "
		      "drop routes=), or drop routing=external");
	CHECK_INT(load(CONN "\tvti-routing=yes\n\trouting=external\n\tinterface-ip=192.168.2.1/30\n",
		       aws(&h, NULL)), -1);
	CHECK_PROBLEM(&d, "t.conf:6: conn \"t\": vti-routing=yes with routing=external: mcvpnd routes no "
		      "rightsubnet= into vti1, the routing daemon does; write vti-routing=no or drop the key");
	CHECK_INT(load(CONN "\trouting=external\n\tinterface-ip=192.168.2.1/30\n\troute-metric=10\n"
		       "\troute-table=7\n\troutes-when-down=withdraw\n\troutes-replace=yes\n", aws(&h, NULL)), 0);
	CHECK_WARN(&d, "t.conf:8: warning: conn \"t\": route-metric= has no effect with routing=external: it "
		   "places mcvpnd's routes, and there are none (the routing daemon places its own)");
	CHECK_WARN(&d, "t.conf:9: warning: conn \"t\": route-table= has no effect");
	CHECK_WARN(&d, "t.conf:10: warning: conn \"t\": routes-when-down= has no effect");
	CHECK_WARN(&d, "t.conf:11: warning: conn \"t\": routes-replace= has no effect");
	CHECK_INT(d.n_notes, 4);
	CHECK_INT(load(CONN "\trouting=external\n", aws(&h, NULL)), 0);
	CHECK_WARN(&d, "t.conf:6: warning: conn \"t\": routing=external without interface-ip=: vti1 has no "
		   "address for the routing daemon to peer from");
	CHECK_INT(load(CONN "\trouting=external\n\tinterface-ip=192.168.2.1/30\n\tleftsubnet=10.3.0.0/16\n",
		       aws(&h, NULL)), 0);
	CHECK_WARN(&d, "t.conf:7: warning: conn \"t\": routing=external: the device's address "
		   "192.168.2.1/30 is outside this end's traffic selectors (leftsubnet=)");
	CHECK_INT(load(CONN "\trouting=external\n\tinterface-ip=192.168.2.1/30\n\trightsubnet=192.168.2.2/32\n",
		       aws(&h, NULL)), 0);
	CHECK_WARN(&d, "t.conf:7: warning: conn \"t\": routing=external: the device's network "
		   "192.168.2.1/30 is outside the peer's traffic selectors (rightsubnet=)");
	CHECK_INT(load(CONN "\trouting=maybe\n", NULL), -1);
	CHECK_PROBLEM(&d, "t.conf:6: conn \"t\": routing=maybe: expected mcvpnd (mcvpnd installs routes=) or "
		      "external (a routing daemon such as FRR's bgpd routes into the device)");
	/* a change for a reload; the default written out is none */
	CHECK_INT(load(CONN, NULL), 0);
	a = cf;
	cf = NULL;
	CHECK_INT(load(CONN "\trouting=external\n", NULL), 0);
	CHECK(!conf_conn_equal(&a->conns[0], &cf->conns[0]));
	CHECK_INT(load(CONN "\trouting=mcvpnd\n", NULL), 0);
	CHECK(conf_conn_equal(&a->conns[0], &cf->conns[0]));
	conf_free(a);
}

int main(void)
{
	test_default_route();
	test_loops();
	test_replace();
	test_warnings();
	test_route_keys();
	test_fragment_keys();
	test_replace_tables();
	test_failover();
	test_routing_external();
	conf_free(cf);
	conf_diag_free(&d);
	return check_summary("conf-checks");
}
