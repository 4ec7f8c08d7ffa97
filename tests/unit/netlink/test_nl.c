/* SPDX-License-Identifier: Apache-2.0 */
/* netlink/ and daemon/tun.c against the real kernel, inside a private
 * network namespace made by unshare(CLONE_NEWNET) (needs root), so the
 * host is never touched:
 *
 *   +------------------ private netns ------------------+
 *   |  mctest0 (TUN, fd held by this test, MTU 1436)    |
 *   |    192.168.2.1/30, fd00:2::1/64                   |
 *   |    routes: 10.105.0.0/16, 10.106.0.0/16 metric 100,|
 *   |            fd00:1::/64, all proto mcvpn           |
 *   |  lo: "someone else's" routes (proto static) to   |
 *   |    10.110.0.0/16, fd00:9::/64                      |
 *   |  two request sockets + monitor sockets            |
 *   +---------------------------------------------------+
 *
 * Routes are checked both through nl_route_lookup and, independently,
 * through /proc/net/route, /proc/net/ipv6_route and ip(8). */
#include "check.h"
#include "daemon/dataplane/tun.h"
#include "netlink/nl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define TEST_IF "mctest0"
#define TEST_MTU 1436
#define MISSING_IFINDEX 9999

struct ev_log {
	struct nl_event ev[512];
	int n;
	int resyncs;
};

static struct nl_prefix pfx(const char *addr, uint8_t len)
{
	struct nl_prefix p = { .len = len };

	p.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(p.family, addr, p.addr) != 1)
		fprintf(stderr, "bad test address %s\n", addr);
	return p;
}

static const char *ev_name(enum nl_event_type t)
{
	static const char *names[] = { "LINK_DEL", "LINK_DOWN", "ADDR_DEL", "ROUTE_DEL", "RESYNC",
				       "ADDR_NEW", "ROUTE_NEW" };
	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

static void ev_record(const struct nl_event *ev, void *arg)
{
	struct ev_log *log = arg;

	if (ev->type == NL_EV_RESYNC)
		log->resyncs++;
	if (log->n < (int)(sizeof(log->ev) / sizeof(log->ev[0])))
		log->ev[log->n++] = *ev;
}

static bool ev_match(const struct nl_event *ev, enum nl_event_type type, int ifindex,
		     const struct nl_prefix *p)
{
	if (ev->type != type || ev->ifindex != ifindex)
		return false;
	if (!p)
		return true;
	return ev->prefix.family == p->family && ev->prefix.len == p->len &&
	       memcmp(ev->prefix.addr, p->addr, 16) == 0;
}

static bool ev_find(const struct ev_log *log, enum nl_event_type type, int ifindex,
		    const struct nl_prefix *p)
{
	for (int i = 0; i < log->n; i++)
		if (ev_match(&log->ev[i], type, ifindex, p))
			return true;
	return false;
}

/* Read the monitor until the event shows up or a second passes. */
static bool ev_wait(struct nl_monitor *m, struct ev_log *log, enum nl_event_type type,
		    int ifindex, const struct nl_prefix *p)
{
	struct pollfd pfd = { .fd = nl_monitor_fd(m), .events = POLLIN };

	for (int i = 0; i < 10; i++) {
		int r = nl_monitor_read(m, ev_record, log);
		if (r < 0)
			fprintf(stderr, "  nl_monitor_read: %s\n", strerror(-r));
		if (ev_find(log, type, ifindex, p))
			return true;
		poll(&pfd, 1, 100);
	}
	fprintf(stderr, "  no %s for ifindex %d among %d events\n", ev_name(type), ifindex, log->n);
	return false;
}

/* /proc/net/route: "Iface Destination Gateway Flags RefCnt Use Metric Mask ...",
 * addresses as the hex of the raw network-order word.  Returns the metric
 * of the route, or -1 if absent. */
static long proc_route4(const char *ifname, const struct nl_prefix *p)
{
	uint32_t want_dst, want_mask = p->len ? htonl(~0u << (32 - p->len)) : 0;
	char line[256], dev[IFNAMSIZ + 1];
	unsigned dst, gw, flags, metric, mask;
	long found = -1;
	FILE *f = fopen("/proc/net/route", "r");

	if (!f)
		return -2;
	memcpy(&want_dst, p->addr, 4);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%16s %x %x %x %*d %*d %u %x", dev, &dst, &gw, &flags,
			   &metric, &mask) != 6)
			continue;
		if (!strcmp(dev, ifname) && dst == want_dst && mask == want_mask)
			found = metric;
	}
	fclose(f);
	return found;
}

/* /proc/net/ipv6_route: "dst dstlen src srclen nexthop metric refcnt use flags dev",
 * all hex.  Returns the metric, or -1 if absent. */
static long proc_route6(const char *ifname, const struct nl_prefix *p)
{
	char line[256], dsthex[33], dev[IFNAMSIZ + 1];
	unsigned char dst[16];
	unsigned dlen, metric;
	long found = -1;
	FILE *f = fopen("/proc/net/ipv6_route", "r");

	if (!f)
		return -2;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%32s %x %*s %*s %*s %x %*s %*s %*s %16s", dsthex, &dlen,
			   &metric, dev) != 4)
			continue;
		if (check_unhex(dsthex, dst, sizeof(dst)) != 16)
			continue;
		if (!strcmp(dev, ifname) && dlen == p->len && !memcmp(dst, p->addr, 16))
			found = metric;
	}
	fclose(f);
	return found;
}

static void test_tun(int *ifindex, int *fd)
{
	*fd = tun_open(TEST_IF, ifindex);
	CHECK(*fd >= 0);
	if (*fd < 0)
		fprintf(stderr, "  tun_open: %s\n", strerror(-*fd));
	CHECK_INT(*ifindex, if_nametoindex(TEST_IF));
	CHECK_INT(tun_open("", NULL), -EINVAL);
	CHECK_INT(tun_open("name-longer-than-ifnamsiz", NULL), -ENAMETOOLONG);
}

static void test_link(struct nl *nl, int ifindex)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	CHECK_INT(nl_link_up(nl, ifindex, TEST_MTU), 0);
	strcpy(ifr.ifr_name, TEST_IF);
	CHECK_INT(ioctl(s, SIOCGIFMTU, &ifr), 0);
	CHECK_INT(ifr.ifr_mtu, TEST_MTU);
	CHECK_INT(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	CHECK(ifr.ifr_flags & IFF_UP);
	close(s);
	CHECK_INT(nl_link_up(nl, MISSING_IFINDEX, 0), -ENODEV);
}

static void test_addr(struct nl *nl, int ifindex)
{
	struct nl_prefix a4 = pfx("192.168.2.1", 30), a6 = pfx("fd00:2::1", 64);
	struct nl_prefix other_len = pfx("192.168.2.1", 24), other = pfx("192.168.2.2", 30);

	CHECK_INT(nl_addr_present(nl, ifindex, &a4), 0);
	CHECK_INT(nl_addr_add(nl, ifindex, &a4), 0);
	CHECK_INT(nl_addr_add(nl, ifindex, &a4), 0);	/* EEXIST is success */
	CHECK_INT(nl_addr_present(nl, ifindex, &a4), 1);
	CHECK_INT(nl_addr_present(nl, ifindex, &other_len), 0);
	CHECK_INT(nl_addr_present(nl, ifindex, &other), 0);
	CHECK_INT(nl_addr_present(nl, 1, &a4), 0);	/* lo has not got it */
	CHECK_INT(nl_addr_add(nl, ifindex, &a6), 0);
	CHECK_INT(nl_addr_present(nl, ifindex, &a6), 1);
	CHECK_INT(nl_addr_del(nl, ifindex, &other), -EADDRNOTAVAIL);
}

static struct nl_route route(int ifindex, const char *addr, uint8_t len, uint32_t metric)
{
	return (struct nl_route){ .ifindex = ifindex, .dst = pfx(addr, len), .metric = metric };
}

/* Through the device at r's metric already (ours, or the kernel's). */
static int here(struct nl *nl, const struct nl_route *r)
{
	struct nl_route_seen s;
	int e = nl_route_lookup(nl, r, &s);

	return e < 0 ? e : s.here;
}

static void test_route_add(struct nl *nl, int ifindex)
{
	struct nl_route r1 = route(ifindex, "10.105.0.0", 16, 0), r2 = route(ifindex, "10.106.0.0", 16, 100);
	struct nl_route r6 = route(ifindex, "fd00:1::", 64, 0), host_bits = route(ifindex, "10.105.1.2", 16, 0);
	struct nl_route via_lo = r1;

	via_lo.ifindex = 1;
	CHECK_INT(here(nl, &r1), 0);
	CHECK_INT(nl_route_add(nl, &r1, NL_ROUTE_EXCL), 0);
	CHECK_INT(nl_route_add(nl, &r1, NL_ROUTE_EXCL), -EEXIST);	/* never replaced */
	CHECK_INT(nl_route_add(nl, &r1, NL_ROUTE_PREPEND), -EEXIST);	/* the same route */
	CHECK_INT(nl_route_add(nl, &r2, NL_ROUTE_EXCL), 0);
	CHECK_INT(nl_route_add(nl, &r6, NL_ROUTE_EXCL), 0);
	CHECK_INT(here(nl, &r1), 1);
	CHECK_INT(here(nl, &host_bits), 1);
	CHECK_INT(here(nl, &r2), 1);
	CHECK_INT(here(nl, &r6), 1);
	CHECK_INT(here(nl, &via_lo), 0);
	r2.metric = 7;
	CHECK_INT(here(nl, &r2), 0);	/* ours, at another metric */
	r2.metric = 100;
	r6.metric = NL_METRIC6_DEFAULT;
	CHECK_INT(here(nl, &r6), 1);	/* 0 is stored as 1024 */
	r6.metric = 0;
	CHECK_INT(proc_route4(TEST_IF, &r1.dst), 0);
	CHECK_INT(proc_route4(TEST_IF, &r2.dst), 100);
	CHECK_INT(proc_route6(TEST_IF, &r6.dst), 1024);	/* the kernel's IPv6 default metric */
	/* ip(8) sees the protocol; rt_protos.d names it for installed systems */
	CHECK_INT(system("ip -4 route show proto 77 | grep -q '^10.105.0.0/16 dev " TEST_IF " scope link'"), 0);
	CHECK_INT(system("ip -6 route show proto 77 | grep -q '^fd00:1::/64 dev " TEST_IF "'"), 0);
	CHECK_INT(system("ip -4 route show proto static | grep -q 10.105"), 256);
}

/* Several routes, IPv4 and IPv6, with one dump. */
static void test_route_lookup_all(struct nl *nl, int ifindex)
{
	struct nl_route rs[4] = {
		route(ifindex, "10.105.0.0", 16, 0), route(ifindex, "fd00:1::", 64, 0),
		route(ifindex, "10.107.0.0", 16, 0), route(ifindex, "10.106.0.0", 16, 100),
	};
	struct nl_route_seen s[NL_ROUTE_LOOKUP_MAX + 1];
	struct nl_route many[NL_ROUTE_LOOKUP_MAX + 1];

	CHECK_INT(nl_route_lookup_all(nl, rs, 4, s), 0);
	CHECK(s[0].here && s[1].here && !s[2].here && s[3].here);
	CHECK(!s[0].foreign && !s[1].taken && !s[2].foreign && !s[2].taken);
	for (size_t i = 0; i < NL_ROUTE_LOOKUP_MAX + 1; i++)
		many[i] = rs[0];
	CHECK_INT(nl_route_lookup_all(nl, many, NL_ROUTE_LOOKUP_MAX + 1, s), -E2BIG);
	CHECK_INT(nl_route_lookup_all(nl, many, NL_ROUTE_LOOKUP_MAX, s), 0);
	CHECK(s[NL_ROUTE_LOOKUP_MAX - 1].here);
	many[5].ifindex = 0;
	CHECK_INT(nl_route_lookup_all(nl, many, 6, s), -ENODEV);
}

/* The device's own address gives it a kernel route: there already, not ours. */
static void test_route_kernel(struct nl *nl, int ifindex)
{
	struct nl_route net = route(ifindex, "192.168.2.0", 30, 0);
	struct nl_route_seen s;

	CHECK_INT(nl_route_lookup(nl, &net, &s), 0);
	CHECK(s.here && !s.foreign && !s.taken);
	CHECK_INT(nl_route_add(nl, &net, NL_ROUTE_EXCL), -EEXIST);
	CHECK_INT(nl_route_del(nl, &net), -ESRCH);	/* protocol kernel, not mcvpn */
	CHECK_INT(here(nl, &net), 1);
}

/* Someone else's routes (on lo, protocol static) to the prefixes we want:
 * never replaced nor deleted; IPv4 takes ours in front at the same metric. */
static void test_route_foreign(struct nl *nl, int ifindex)
{
	struct nl_route r = route(ifindex, "10.110.0.0", 16, 0), theirs = route(1, "10.110.0.0", 16, 0);
	struct nl_route r6 = route(ifindex, "fd00:9::", 64, 0), low = route(ifindex, "10.110.0.0", 16, 50);
	struct nl_route_seen s;

	CHECK_INT(system("ip link set lo up && ip route add 10.110.0.0/16 dev lo proto static && "
			 "ip route add fd00:9::/64 dev lo proto static"), 0);
	CHECK_INT(nl_route_lookup(nl, &r, &s), 0);
	CHECK(!s.here && s.foreign && s.taken && s.taken_foreign);
	CHECK_INT(s.foreign_route.oif, 1);
	CHECK_INT(s.foreign_route.protocol, 4);		/* RTPROT_STATIC */
	CHECK_INT(s.taken_route.metric, 0);
	CHECK_INT(nl_route_add(nl, &r, NL_ROUTE_EXCL), -EEXIST);
	CHECK_INT(nl_route_add(nl, &r, NL_ROUTE_PREPEND), 0);
	CHECK_INT(system("ip route get 10.110.1.1 | grep -q 'dev " TEST_IF "'"), 0);	/* ours first */
	CHECK_INT(proc_route4("lo", &r.dst), 0);	/* theirs still there */
	CHECK_INT(nl_route_del(nl, &theirs), -ESRCH);	/* a delete never takes theirs */
	CHECK_INT(nl_route_del(nl, &r), 0);
	CHECK_INT(nl_route_del(nl, &r), -ESRCH);
	CHECK_INT(proc_route4("lo", &r.dst), 0);
	CHECK_INT(system("ip route get 10.110.1.1 | grep -q 'dev lo'"), 0);
	/* at another metric, beside it: taken is about our metric only */
	CHECK_INT(nl_route_lookup(nl, &low, &s), 0);
	CHECK(s.foreign && !s.taken && !s.here);
	CHECK_INT(nl_route_add(nl, &low, NL_ROUTE_EXCL), 0);
	CHECK_INT(proc_route4(TEST_IF, &low.dst), 50);
	CHECK_INT(nl_route_del(nl, &low), 0);
	/* IPv6 has no prepend: a route at the same metric would come after theirs */
	CHECK_INT(nl_route_lookup(nl, &r6, &s), 0);
	CHECK(s.foreign && s.taken_foreign && s.taken_route.metric == 1024);
	CHECK_INT(nl_route_add(nl, &r6, NL_ROUTE_EXCL), -EEXIST);
	CHECK_INT(nl_route_add(nl, &r6, NL_ROUTE_PREPEND), -EOPNOTSUPP);
	CHECK_INT(proc_route6("lo", &r6.dst), 1024);
	CHECK_INT(system("ip route del 10.110.0.0/16 dev lo && ip route del fd00:9::/64 dev lo"), 0);
}

/* Routes in another table, by number (RTA_TABLE carries those above 255). */
static void test_route_table(struct nl *nl, int ifindex)
{
	struct nl_route t100 = route(ifindex, "10.105.0.0", 16, 0), t1000 = t100, main_r = t100;
	struct nl_host h;
	int found = 0;

	t100.table = 100;
	t1000.table = 1000;
	main_r.table = NL_TABLE_MAIN;
	CHECK_INT(here(nl, &t100), 0);
	CHECK_INT(here(nl, &main_r), 1);	/* table 0 and 254 are both main */
	CHECK_INT(nl_route_add(nl, &t100, NL_ROUTE_EXCL), 0);
	CHECK_INT(nl_route_add(nl, &t1000, NL_ROUTE_EXCL), 0);
	CHECK_INT(here(nl, &t100), 1);
	CHECK_INT(here(nl, &t1000), 1);
	CHECK_INT(system("ip route show table 1000 proto 77 | grep -q '^10.105.0.0/16 dev " TEST_IF "'"), 0);
	CHECK_INT(nl_host_dump(nl, &h), 0);
	for (size_t i = 0; i < h.n_routes; i++)
		if (h.routes[i].oif == ifindex && h.routes[i].dst.len == 16 &&
		    h.routes[i].protocol == NL_RTPROT_MCVPN && !memcmp(h.routes[i].dst.addr, t100.dst.addr, 4))
			found |= h.routes[i].table == 100 ? 1 : h.routes[i].table == 1000 ? 2 :
				 h.routes[i].table == NL_TABLE_MAIN ? 4 : 8;
	CHECK_INT(found, 7);
	nl_host_free(&h);
	CHECK_INT(nl_route_del(nl, &t100), 0);
	CHECK_INT(nl_route_del(nl, &t1000), 0);
	CHECK_INT(here(nl, &t1000), 0);
	CHECK_INT(here(nl, &main_r), 1);
}

static void test_errors(struct nl *nl, int ifindex)
{
	struct nl_route r1 = route(ifindex, "10.105.0.0", 16, 0), gone = route(ifindex, "10.107.0.0", 16, 0);
	struct nl_route long4 = route(ifindex, "10.105.0.0", 33, 0), long6 = route(ifindex, "fd00:1::", 129, 0);
	struct nl_route bad_family = r1, missing = r1;
	struct nl_route_seen s;

	bad_family.dst.family = AF_UNIX;
	missing.ifindex = MISSING_IFINDEX;
	CHECK_INT(nl_route_add(nl, &missing, NL_ROUTE_EXCL), -ENODEV);
	CHECK_INT(nl_route_add(nl, &long4, NL_ROUTE_EXCL), -EINVAL);
	CHECK_INT(nl_route_add(nl, &long6, NL_ROUTE_EXCL), -EINVAL);
	CHECK_INT(nl_addr_add(nl, ifindex, &long4.dst), -EINVAL);
	CHECK_INT(nl_route_lookup(nl, &long4, &s), -EINVAL);
	CHECK_INT(nl_route_add(nl, &bad_family, NL_ROUTE_EXCL), -EAFNOSUPPORT);
	CHECK_INT(nl_route_del(nl, &gone), -ESRCH);
	CHECK_INT(nl_addr_add(nl, MISSING_IFINDEX, &r1.dst), -ENODEV);
}

/* Deletes made on a second socket reach the monitor with prefix and ifindex. */
static void test_monitor_del(struct nl_monitor *m, int ifindex)
{
	struct nl_prefix r1 = pfx("10.105.0.0", 16), r2 = pfx("10.106.0.0", 16);
	struct nl_prefix r6 = pfx("fd00:1::", 64), a4 = pfx("192.168.2.1", 30);
	struct ev_log log = { .n = 0 };
	struct nl *nl2 = nl_open();

	CHECK(nl2 != NULL);
	if (!nl2)
		return;
	CHECK_INT(nl_route_del(nl2, &(struct nl_route){ ifindex, r1, 0, 0 }), 0);
	CHECK(ev_wait(m, &log, NL_EV_ROUTE_DEL, ifindex, &r1));
	CHECK_INT(log.ev[log.n - 1].table, NL_TABLE_MAIN);
	CHECK_INT(log.ev[log.n - 1].protocol, NL_RTPROT_MCVPN);
	CHECK_INT(nl_route_del(nl2, &(struct nl_route){ ifindex, r6, 0, 0 }), 0);
	CHECK(ev_wait(m, &log, NL_EV_ROUTE_DEL, ifindex, &r6));
	/* A metric in the delete must match the route's. */
	CHECK_INT(nl_route_del(nl2, &(struct nl_route){ ifindex, r2, 0, 7 }), -ESRCH);
	CHECK_INT(nl_route_del(nl2, &(struct nl_route){ ifindex, r2, 0, 100 }), 0);
	CHECK(ev_wait(m, &log, NL_EV_ROUTE_DEL, ifindex, &r2));
	/* Last: without an IPv4 address the kernel flushes the link's routes. */
	CHECK_INT(nl_addr_del(nl2, ifindex, &a4), 0);
	CHECK(ev_wait(m, &log, NL_EV_ADDR_DEL, ifindex, &a4));
	CHECK_INT(here(nl2, &(struct nl_route){ ifindex, r1, 0, 0 }), 0);
	CHECK_INT(here(nl2, &(struct nl_route){ ifindex, r6, 0, 0 }), 0);
	CHECK_INT(nl_addr_present(nl2, ifindex, &a4), 0);
	CHECK_INT(proc_route4(TEST_IF, &r1), -1);
	CHECK_INT(proc_route6(TEST_IF, &r6), -1);
	CHECK_INT(proc_route4(TEST_IF, &r2), -1);
	CHECK_INT(log.resyncs, 0);
	nl_close(nl2);
}

/* nl_host_dump: the addresses with their device's name, and the routes
 * with gateway, preferred source, metric, protocol and table; adding them
 * reaches the monitor as ADDR_NEW and ROUTE_NEW. */
static void test_host(struct nl *nl, struct nl_monitor *m, int ifindex)
{
	struct nl_prefix any = pfx("0.0.0.0", 0), net = pfx("10.106.0.0", 16), a4 = pfx("192.168.2.1", 30);
	struct ev_log log = { .n = 0 };
	struct nl_host h;
	bool addr = false, def = false, routed = false;

	CHECK_INT(system("ip route add default via 192.168.2.2 src 192.168.2.1 metric 5"), 0);
	CHECK(ev_wait(m, &log, NL_EV_ROUTE_NEW, ifindex, &any));
	CHECK_INT(nl_host_dump(nl, &h), 0);
	for (size_t i = 0; i < h.n_addrs; i++)
		addr |= h.addrs[i].ifindex == ifindex && !strcmp(h.addrs[i].ifname, TEST_IF) &&
			h.addrs[i].addr.family == AF_INET && h.addrs[i].addr.len == 30 &&
			!memcmp(h.addrs[i].addr.addr, a4.addr, 4);
	for (size_t i = 0; i < h.n_routes; i++) {
		const struct nl_host_route *r = &h.routes[i];

		def |= r->dst.family == AF_INET && r->dst.len == 0 && r->gw_family == AF_INET &&
		       !memcmp(r->gw, "\xc0\xa8\x02\x02", 4) && r->src_family == AF_INET &&
		       !memcmp(r->src, a4.addr, 4) && r->metric == 5 && !strcmp(r->ifname, TEST_IF) &&
		       r->protocol == 3 && r->table == NL_TABLE_MAIN;	/* RTPROT_BOOT: ip's default */
		routed |= r->dst.len == 16 && !memcmp(r->dst.addr, net.addr, 4) && r->metric == 100 &&
			  r->oif == ifindex && r->gw_family == 0 && r->protocol == NL_RTPROT_MCVPN;
	}
	CHECK(addr);
	CHECK(def);
	CHECK(routed);
	nl_host_free(&h);
	nl_host_free(&h);	/* twice: a no-op */
	CHECK_INT(system("ip route del default"), 0);
	a4 = pfx("192.168.9.1", 32);
	CHECK_INT(nl_addr_add(nl, ifindex, &a4), 0);
	CHECK(ev_wait(m, &log, NL_EV_ADDR_NEW, ifindex, &a4));
	CHECK_INT(nl_addr_del(nl, ifindex, &a4), 0);
}

/* A monitor whose buffer overflows reports NL_EV_RESYNC and keeps working. */
static void test_monitor_overrun(struct nl *nl, int ifindex)
{
	struct nl_monitor *m = nl_monitor_open();
	struct nl_route r = route(ifindex, "10.200.0.0", 24, 0);
	struct ev_log *log = calloc(1, sizeof(*log));
	int tiny = 1;

	CHECK(m != NULL && log != NULL);
	if (!m || !log)
		goto out;
	CHECK_INT(setsockopt(nl_monitor_fd(m), SOL_SOCKET, SO_RCVBUF, &tiny, sizeof(tiny)), 0);
	for (int i = 0; i < 64; i++) {
		r.dst.addr[2] = (uint8_t)i;
		nl_route_add(nl, &r, NL_ROUTE_EXCL);
		nl_route_del(nl, &r);
	}
	CHECK_INT(nl_monitor_read(m, ev_record, log), 0);
	CHECK(log->resyncs > 0);
	CHECK_INT(nl_route_add(nl, &r, NL_ROUTE_EXCL), 0);
	CHECK_INT(nl_route_del(nl, &r), 0);
	CHECK(ev_wait(m, log, NL_EV_ROUTE_DEL, ifindex, &r.dst));
out:
	free(log);
	nl_monitor_close(m);
}

static void test_link_del(struct nl_monitor *m, int fd, int ifindex)
{
	struct ev_log log = { .n = 0 };

	tun_close(fd);
	CHECK(ev_wait(m, &log, NL_EV_LINK_DEL, ifindex, NULL));
	CHECK_INT(if_nametoindex(TEST_IF), 0);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int r = f && fputs(text, f) >= 0 ? 0 : -1;
	if (f && fclose(f))
		r = -1;
	return r;
}

/* Root of a user namespace of its own, mapped to who we are, so that the
 * ip(8) commands the test runs keep the namespace's capabilities. */
static int own_user_ns(void)
{
	char map[64];
	unsigned uid = getuid(), gid = getgid();

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
		return -1;
	snprintf(map, sizeof(map), "0 %u 1\n", uid);
	if (write_file("/proc/self/uid_map", map) || write_file("/proc/self/setgroups", "deny\n"))
		return -1;
	snprintf(map, sizeof(map), "0 %u 1\n", gid);
	return write_file("/proc/self/gid_map", map);
}

int main(void)
{
	struct nl_monitor *m;
	struct nl *nl;
	int ifindex = 0, fd;

	/* a namespace of its own: as root, or as a user in a user namespace
	 * of its own (a package's %check); skipped (77) where neither works */
	if (unshare(CLONE_NEWNET) < 0 && own_user_ns() < 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s (needs root or user namespaces): skipped\n",
			strerror(errno));
		return 77;
	}
	nl = nl_open();
	m = nl_monitor_open();
	CHECK(nl != NULL && m != NULL);
	if (!nl || !m)
		return check_summary("netlink");
	test_tun(&ifindex, &fd);
	test_link(nl, ifindex);
	test_addr(nl, ifindex);
	test_route_add(nl, ifindex);
	test_route_lookup_all(nl, ifindex);
	test_route_kernel(nl, ifindex);
	test_route_foreign(nl, ifindex);
	test_route_table(nl, ifindex);
	test_errors(nl, ifindex);
	test_host(nl, m, ifindex);
	test_monitor_del(m, ifindex);
	test_monitor_overrun(nl, ifindex);
	test_link_del(m, fd, ifindex);
	nl_monitor_close(m);
	nl_close(nl);
	return check_summary("netlink");
}
