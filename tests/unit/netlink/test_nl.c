/* netlink/ and daemon/tun.c against the real kernel, inside a private
 * network namespace made by unshare(CLONE_NEWNET) (needs root), so the
 * host is never touched:
 *
 *   +------------------ private netns ------------------+
 *   |  mctest0 (TUN, fd held by this test, MTU 1436)    |
 *   |    192.168.2.1/30, fd00:2::1/64                   |
 *   |    routes: 10.105.0.0/16, 10.106.0.0/16 metric 100,|
 *   |            fd00:1::/64                            |
 *   |  two request sockets + monitor sockets            |
 *   +---------------------------------------------------+
 *
 * Routes are checked both through nl_route_present and, independently,
 * through /proc/net/route and /proc/net/ipv6_route. */
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

static void test_route_add(struct nl *nl, int ifindex)
{
	struct nl_prefix r1 = pfx("10.105.0.0", 16), r2 = pfx("10.106.0.0", 16);
	struct nl_prefix r6 = pfx("fd00:1::", 64), host_bits = pfx("10.105.1.2", 16);

	CHECK_INT(nl_route_present(nl, ifindex, &r1), 0);
	CHECK_INT(nl_route_add(nl, ifindex, &r1, 0), 0);
	CHECK_INT(nl_route_add(nl, ifindex, &r1, 0), 0);	/* replace, not EEXIST */
	CHECK_INT(nl_route_add(nl, ifindex, &r2, 100), 0);
	CHECK_INT(nl_route_add(nl, ifindex, &r6, 0), 0);
	CHECK_INT(nl_route_present(nl, ifindex, &r1), 1);
	CHECK_INT(nl_route_present(nl, ifindex, &host_bits), 1);
	CHECK_INT(nl_route_present(nl, ifindex, &r2), 1);
	CHECK_INT(nl_route_present(nl, ifindex, &r6), 1);
	CHECK_INT(nl_route_present(nl, 1, &r1), 0);	/* not via lo */
	CHECK_INT(proc_route4(TEST_IF, &r1), 0);
	CHECK_INT(proc_route4(TEST_IF, &r2), 100);
	CHECK_INT(proc_route6(TEST_IF, &r6), 1024);	/* the kernel's IPv6 default metric */
}

static void test_errors(struct nl *nl, int ifindex)
{
	struct nl_prefix r1 = pfx("10.105.0.0", 16), gone = pfx("10.107.0.0", 16);
	struct nl_prefix long4 = pfx("10.105.0.0", 33), long6 = pfx("fd00:1::", 129);
	struct nl_prefix bad_family = r1;

	bad_family.family = AF_UNIX;
	CHECK_INT(nl_route_add(nl, MISSING_IFINDEX, &r1, 0), -ENODEV);
	CHECK_INT(nl_route_add(nl, ifindex, &long4, 0), -EINVAL);
	CHECK_INT(nl_route_add(nl, ifindex, &long6, 0), -EINVAL);
	CHECK_INT(nl_addr_add(nl, ifindex, &long4), -EINVAL);
	CHECK_INT(nl_route_present(nl, ifindex, &long4), -EINVAL);
	CHECK_INT(nl_route_add(nl, ifindex, &bad_family, 0), -EAFNOSUPPORT);
	CHECK_INT(nl_route_del(nl, ifindex, &gone, 0), -ESRCH);
	CHECK_INT(nl_addr_add(nl, MISSING_IFINDEX, &r1), -ENODEV);
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
	CHECK_INT(nl_route_del(nl2, ifindex, &r1, 0), 0);
	CHECK(ev_wait(m, &log, NL_EV_ROUTE_DEL, ifindex, &r1));
	CHECK_INT(nl_route_del(nl2, ifindex, &r6, 0), 0);
	CHECK(ev_wait(m, &log, NL_EV_ROUTE_DEL, ifindex, &r6));
	/* A metric in the delete must match the route's. */
	CHECK_INT(nl_route_del(nl2, ifindex, &r2, 7), -ESRCH);
	CHECK_INT(nl_route_del(nl2, ifindex, &r2, 100), 0);
	CHECK(ev_wait(m, &log, NL_EV_ROUTE_DEL, ifindex, &r2));
	/* Last: without an IPv4 address the kernel flushes the link's routes. */
	CHECK_INT(nl_addr_del(nl2, ifindex, &a4), 0);
	CHECK(ev_wait(m, &log, NL_EV_ADDR_DEL, ifindex, &a4));
	CHECK_INT(nl_route_present(nl2, ifindex, &r1), 0);
	CHECK_INT(nl_route_present(nl2, ifindex, &r6), 0);
	CHECK_INT(nl_addr_present(nl2, ifindex, &a4), 0);
	CHECK_INT(proc_route4(TEST_IF, &r1), -1);
	CHECK_INT(proc_route6(TEST_IF, &r6), -1);
	CHECK_INT(proc_route4(TEST_IF, &r2), -1);
	CHECK_INT(log.resyncs, 0);
	nl_close(nl2);
}

/* nl_host_dump: the addresses with their device's name, and the main
 * table's routes with gateway, preferred source and metric; adding them
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
		       !memcmp(r->src, a4.addr, 4) && r->metric == 5 && !strcmp(r->ifname, TEST_IF);
		routed |= r->dst.len == 16 && !memcmp(r->dst.addr, net.addr, 4) && r->metric == 100 &&
			  r->oif == ifindex && r->gw_family == 0;
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
	struct nl_prefix r = pfx("10.200.0.0", 24);
	struct ev_log *log = calloc(1, sizeof(*log));
	int tiny = 1;

	CHECK(m != NULL && log != NULL);
	if (!m || !log)
		goto out;
	CHECK_INT(setsockopt(nl_monitor_fd(m), SOL_SOCKET, SO_RCVBUF, &tiny, sizeof(tiny)), 0);
	for (int i = 0; i < 64; i++) {
		r.addr[2] = (uint8_t)i;
		nl_route_add(nl, ifindex, &r, 0);
		nl_route_del(nl, ifindex, &r, 0);
	}
	CHECK_INT(nl_monitor_read(m, ev_record, log), 0);
	CHECK(log->resyncs > 0);
	CHECK_INT(nl_route_add(nl, ifindex, &r, 0), 0);
	CHECK_INT(nl_route_del(nl, ifindex, &r, 0), 0);
	CHECK(ev_wait(m, log, NL_EV_ROUTE_DEL, ifindex, &r));
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

int main(void)
{
	struct nl_monitor *m;
	struct nl *nl;
	int ifindex = 0, fd;

	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s (this test needs root)\n", strerror(errno));
		return 1;
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
	test_errors(nl, ifindex);
	test_host(nl, m, ifindex);
	test_monitor_del(m, ifindex);
	test_monitor_overrun(nl, ifindex);
	test_link_del(m, fd, ifindex);
	nl_monitor_close(m);
	nl_close(nl);
	return check_summary("netlink");
}
