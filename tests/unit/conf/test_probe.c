/* SPDX-License-Identifier: Apache-2.0 */
/* probe= and probe-interval=: values (IPv4 and IPv6), ranges and the
 * default, every refusal and warning as FILE:LINE, and a reload's view of
 * them (no change of the tunnel). */
#include "conf_test.h"

static struct conf *cf;
static struct conf_diag d;

/* Line 6 is the first key after CONN. */
#define CONN "conn t\n\tleft=10.3.1.200\n\tright=203.0.113.20\n\tvti-interface=vti1\n\tauto=start\n"
#define TUN4 "\tinterface-ip=192.168.2.1/30\n"

static int load(const char *text)
{
	conf_free(cf);
	conf_diag_free(&d);
	cf = NULL;
	return conf_load_text("t.conf", text, "t.secrets", ": PSK \"x\"\n", &cf, &d);
}

static bool probe_is(const char *text)
{
	const struct sockaddr_storage *p = &cf->conns[0].probe;
	char buf[64];

	return cf && p->ss_family != AF_UNSPEC && strcmp(sa_str(p, buf, sizeof(buf)), text) == 0;
}

static void test_values(void)
{
	CHECK_INT(load(CONN TUN4), 0);
	CHECK_INT(cf->conns[0].probe.ss_family, AF_UNSPEC);
	CHECK_INT(cf->conns[0].probe_interval, 10);
	CHECK_INT(load(CONN TUN4 "\tprobe=192.168.2.2\n"), 0);
	CHECK(probe_is("192.168.2.2"));
	CHECK_INT(cf->conns[0].probe_interval, 10);
	CHECK_INT(d.n_notes, 0);
	CHECK_INT(load(CONN TUN4 "\tprobe=10.105.0.10\n\tprobe-interval=1s\n"), 0);
	CHECK(probe_is("10.105.0.10"));
	CHECK_INT(cf->conns[0].probe_interval, 1);
	CHECK_INT(load(CONN TUN4 "\tprobe=192.168.2.2\n\tprobe-interval=1h\n"), 0);
	CHECK_INT(cf->conns[0].probe_interval, 3600);
	CHECK_INT(load(CONN TUN4 "\tprobe=192.168.2.2\n\tprobe-interval=2m\n"), 0);
	CHECK_INT(cf->conns[0].probe_interval, 120);
	CHECK_INT(load(CONN TUN4 "\tprobe=192.168.2.2\n\tprobe-interval=30\n"), 0);
	CHECK_INT(cf->conns[0].probe_interval, 30);
	/* IPv6 inside: an IPv6 device address, selectors that take it */
	CHECK_INT(load(CONN "\tinterface-ip=fd00:2::1/64\n\tleftsubnet=0.0.0.0/0,::/0\n"
		       "\trightsubnet=0.0.0.0/0,::/0\n\tprobe=fd00:2::2\n"), 0);
	CHECK(probe_is("fd00:2::2"));
	CHECK_INT(d.n_notes, 0);
	diag_print_all(&d);
}

static void test_bad_values(void)
{
	static const char *const bad[][2] = {
		{ "probe=192.168.2", "t.conf:7: conn \"t\": probe=192.168.2: expected an IPv4 or IPv6 "
		  "address (DNS names are not resolved)" },
		{ "probe=far.example", "probe=far.example: expected an IPv4 or IPv6 address" },
		{ "probe=192.168.2.2/32", "probe=192.168.2.2/32: expected an IPv4 or IPv6 address" },
		{ "probe=%any", "probe=%any: expected an IP address" },
		{ "probe=0.0.0.0", "t.conf:7: conn \"t\": probe=0.0.0.0: expected the unicast address of a "
		  "host beyond the tunnel (not unspecified, loopback, multicast or broadcast)" },
		{ "probe=127.0.0.1", "probe=127.0.0.1: expected the unicast address" },
		{ "probe=224.0.0.1", "probe=224.0.0.1: expected the unicast address" },
		{ "probe=255.255.255.255", "probe=255.255.255.255: expected the unicast address" },
		{ "probe=::", "probe=::: expected the unicast address" },
		{ "probe=::1", "probe=::1: expected the unicast address" },
		{ "probe=ff02::1", "probe=ff02::1: expected the unicast address" },
		{ "probe=", "t.conf:7: conn \"t\": probe=: empty value" },
		{ "probe-interval=0", "t.conf:7: conn \"t\": probe-interval=0: expected an interval from "
		  "1s to 1h, such as 10s or 1m" },
		{ "probe-interval=0s", "probe-interval=0s: expected an interval from 1s to 1h" },
		{ "probe-interval=3601s", "probe-interval=3601s: expected an interval from 1s to 1h" },
		{ "probe-interval=2h", "probe-interval=2h: expected an interval from 1s to 1h" },
		{ "probe-interval=-1", "probe-interval=-1: expected an interval" },
		{ "probe-interval=500ms", "probe-interval=500ms: expected an interval" },
		{ "probe-interval=ten", "probe-interval=ten: expected an interval" },
	};
	char text[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), CONN TUN4 "\t%s\n", bad[i][0]);
		CHECK_INT(load(text), -1);
		CHECK_PROBLEM(&d, bad[i][1]);
	}
	CHECK_INT(load(CONN TUN4 "\tprobe=192.168.2.2\n\tprobe=192.168.2.3\n"), -1);
	CHECK_PROBLEM(&d, "t.conf:8: duplicate key 'probe' in conn \"t\"");
}

/* What --check says: refusals, warnings and a note, each at the key's line. */
static void test_checks(void)
{
	CHECK_INT(load(CONN TUN4 "\tprobe=fd00:2::2\n"), -1);
	CHECK_PROBLEM(&d, "t.conf:7: conn \"t\": probe=fd00:2::2 and interface-ip=192.168.2.1/30 are not "
		      "of one family: the probe is sent from the device's address");
	CHECK_INT(load(CONN TUN4 "\tprobe=192.168.2.1\n"), -1);
	CHECK_PROBLEM(&d, "t.conf:7: conn \"t\": probe=192.168.2.1 is the tunnel device's own address: "
		      "name an address beyond the tunnel, such as the far end's");
	/* no source: loads, with a warning */
	CHECK_INT(load(CONN "\tprobe=192.168.2.2\n"), 0);
	CHECK_WARN(&d, "t.conf:6: warning: conn \"t\": probe=192.168.2.2 is not sent: the probe's source "
		   "is the tunnel device's address, and the conn has no interface-ip=");
	CHECK_INT(load(CONN TUN4 "\trightsubnet=10.105.0.0/16\n\tprobe=192.168.2.2\n"), 0);
	CHECK_WARN(&d, "t.conf:8: warning: conn \"t\": probe=192.168.2.2 is outside the peer's traffic "
		   "selectors (rightsubnet=): its echoes are dropped, never sent");
	CHECK_INT(load(CONN TUN4 "\tleftsubnet=10.2.0.0/16\n\tprobe=192.168.2.2\n"), 0);
	CHECK_WARN(&d, "t.conf:8: warning: conn \"t\": the probe's source, interface-ip=192.168.2.1/30, is "
		   "outside this end's traffic selectors (leftsubnet=): its echoes are dropped");
	/* an IPv6 probe with the default (IPv4) selectors: dropped both ways */
	CHECK_INT(load(CONN "\tinterface-ip=fd00:2::1/64\n\tprobe=fd00:2::2\n"), 0);
	CHECK_WARN(&d, "probe=fd00:2::2 is outside the peer's traffic selectors");
	CHECK_WARN(&d, "interface-ip=fd00:2::1/64, is outside this end's traffic selectors");
	CHECK_INT(load(CONN TUN4 "\tprobe-interval=5s\n"), 0);
	CHECK_NOTE(&d, "t.conf:7: note: conn \"t\": probe-interval= without probe= has no effect");
	/* the local leftinterface-ip= is a source too */
	CHECK_INT(load(CONN "\tleftinterface-ip=192.168.2.1/30\n\tprobe=192.168.2.2\n"), 0);
	CHECK_INT(d.n_notes, 0);
	diag_print_all(&d);
}

/* A probe's keys are not the tunnel's: a reload keeps the tunnel. */
static void test_equal(void)
{
	struct conf *a;

	CHECK_INT(load(CONN TUN4 "\tprobe=192.168.2.2\n"), 0);
	a = cf;
	cf = NULL;
	CHECK_INT(load(CONN TUN4 "\tprobe=192.168.2.3\n\tprobe-interval=1s\n"), 0);
	CHECK(cf && conf_conn_equal(&a->conns[0], &cf->conns[0]));
	CHECK_INT(load(CONN TUN4), 0);
	CHECK(cf && conf_conn_equal(&a->conns[0], &cf->conns[0]));
	conf_free(a);
}

int main(void)
{
	test_values();
	test_bad_values();
	test_checks();
	test_equal();
	conf_free(cf);
	conf_diag_free(&d);
	return check_summary("conf-probe");
}
