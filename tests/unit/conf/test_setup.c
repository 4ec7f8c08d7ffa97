/* SPDX-License-Identifier: Apache-2.0 */
/* config setup's own keys (conf/setup.c): metrics-listen= with good and
 * bad values, each problem as FILE:LINE: reason; set twice in one section
 * or in two files; the warning for an address other hosts reach; the
 * comparison a reload makes. */
#include "conf_test.h"

#define CONN "conn t\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tvti-interface=vti9\n\tauto=add\n"

static struct conf *cf;
static struct conf_diag d;

/* "config setup" with one key=value line (line 2 of t.conf), then a conn. */
static int load_setup(const char *kv)
{
	char text[512];

	conf_free(cf);
	conf_diag_free(&d);
	cf = NULL;
	snprintf(text, sizeof(text), "config setup\n\t%s\n" CONN, kv);
	return conf_load_text("t.conf", text, "t.secrets", TEST_SECRETS, &cf, &d);
}

static const struct sockaddr_storage *listen_at(void)
{
	return cf ? &cf->setup.metrics_listen : NULL;
}

static void check_v4(const char *kv, const char *addr, unsigned port)
{
	const struct sockaddr_in *sin;
	char got[INET_ADDRSTRLEN] = "?";

	CHECK_INT(load_setup(kv), 0);
	if (!cf) {
		diag_print(&d);
		return;
	}
	sin = (const struct sockaddr_in *)listen_at();
	CHECK_INT(sin->sin_family, AF_INET);
	inet_ntop(AF_INET, &sin->sin_addr, got, sizeof(got));
	CHECK_STR(got, addr);
	CHECK_INT(ntohs(sin->sin_port), port);
}

static void check_v6(const char *kv, const char *addr, unsigned port)
{
	const struct sockaddr_in6 *sin6;
	char got[INET6_ADDRSTRLEN] = "?";

	CHECK_INT(load_setup(kv), 0);
	if (!cf) {
		diag_print(&d);
		return;
	}
	sin6 = (const struct sockaddr_in6 *)listen_at();
	CHECK_INT(sin6->sin6_family, AF_INET6);
	inet_ntop(AF_INET6, &sin6->sin6_addr, got, sizeof(got));
	CHECK_STR(got, addr);
	CHECK_INT(ntohs(sin6->sin6_port), port);
}

static void test_good(void)
{
	/* off unless asked for */
	CHECK_INT(conf_load_text("t.conf", CONN, "t.secrets", TEST_SECRETS, &cf, &d), 0);
	CHECK(cf && cf->setup.metrics_listen.ss_family == AF_UNSPEC);
	check_v4("metrics-listen=127.0.0.1:9447", "127.0.0.1", 9447);
	CHECK_INT(d.n_notes, 0);	/* loopback: no warning */
	check_v4("metrics-listen=\"127.0.0.2:1\"", "127.0.0.2", 1);
	check_v4("metrics-listen=127.0.0.1:65535", "127.0.0.1", 65535);
	check_v6("metrics-listen=[::1]:9447", "::1", 9447);
	CHECK_INT(d.n_notes, 0);
	check_v6("metrics-listen=[2001:db8::7]:9100", "2001:db8::7", 9100);
	CHECK_INT(load_setup("metrics-listen=no"), 0);
	CHECK(cf && cf->setup.metrics_listen.ss_family == AF_UNSPEC);
}

/* Addresses other hosts reach load, with a warning at the key's line. */
static void test_warning(void)
{
	check_v4("metrics-listen=0.0.0.0:9447", "0.0.0.0", 9447);
	CHECK_WARN(&d, "t.conf:2: warning: config setup: metrics-listen=0.0.0.0:9447: not a loopback address");
	check_v4("metrics-listen=10.3.1.200:9447", "10.3.1.200", 9447);
	CHECK_WARN(&d, "t.conf:2: warning: config setup: metrics-listen=10.3.1.200:9447: not a loopback address");
	check_v6("metrics-listen=[::]:9447", "::", 9447);
	CHECK_WARN(&d, "no authentication");
}

/* Every bad value refuses the load with FILE:LINE and what was expected. */
static void test_bad(void)
{
	static const struct { const char *kv, *want; } bad[] = {
		{ "metrics-listen=127.0.0.1",
		  "t.conf:2: config setup: metrics-listen=127.0.0.1: expected ADDRESS:PORT" },
		{ "metrics-listen=127.0.0.1:",
		  "t.conf:2: config setup: metrics-listen=127.0.0.1:: expected a port from 1 to 65535" },
		{ "metrics-listen=127.0.0.1:0", "t.conf:2: config setup: metrics-listen=127.0.0.1:0: expected a port" },
		{ "metrics-listen=127.0.0.1:65536", "expected a port from 1 to 65535" },
		{ "metrics-listen=127.0.0.1:94x7", "expected a port from 1 to 65535" },
		{ "metrics-listen=127.0.0.1:-1", "expected a port from 1 to 65535" },
		{ "metrics-listen=127.0.0.1:0009447", "expected a port from 1 to 65535" },
		{ "metrics-listen=:9447", "expected ADDRESS:PORT" },
		{ "metrics-listen=::1:9447",
		  "t.conf:2: config setup: metrics-listen=::1:9447: an IPv6 address goes in brackets, as in [::1]:9447" },
		{ "metrics-listen=[::1]", "expected ADDRESS:PORT" },
		{ "metrics-listen=[::1]9447", "expected ADDRESS:PORT" },
		{ "metrics-listen=[::1:9447", "expected ADDRESS:PORT" },
		{ "metrics-listen=[127.0.0.1]:9447", "expected an IPv4 address, or an IPv6 address in brackets" },
		{ "metrics-listen=localhost:9447",
		  "t.conf:2: config setup: metrics-listen=localhost:9447: expected an IPv4 address, or an IPv6 "
		  "address in brackets, before the port (names are not resolved)" },
		{ "metrics-listen=127.0.0.256:9447", "expected an IPv4 address" },
		{ "metrics-listen=yes", "expected ADDRESS:PORT" },
		{ "metrics-listen=", "t.conf:2: config setup: metrics-listen=: empty value" },
		{ "metrics_listen=127.0.0.1:9447", "t.conf:2: unknown key 'metrics_listen' in config setup" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(load_setup(bad[i].kv), -1);
		CHECK(cf == NULL);
		CHECK_PROBLEM(&d, bad[i].want);
	}
}

/* Set twice: in one section, or in config setup sections of two files. */
static void test_twice(void)
{
	const struct conf_file two[] = {
		{ "a.conf", "config setup\n\tmetrics-listen=127.0.0.1:9447\n" CONN, CONF_FILE_CONF },
		{ "b.conf", "config setup\n\n\tmetrics-listen=[::1]:9447\n", CONF_FILE_CONF },
		{ "t.secrets", TEST_SECRETS, CONF_FILE_SECRETS },
	};

	CHECK_INT(load_setup("metrics-listen=127.0.0.1:9447\n\tmetrics-listen=127.0.0.1:9448"), -1);
	CHECK_PROBLEM(&d, "t.conf:3: duplicate key 'metrics-listen' in config setup (first set at line 2)");
	conf_diag_free(&d);
	CHECK_INT(conf_load_files(two, 3, NULL, &cf, &d), -1);
	CHECK_PROBLEM(&d, "b.conf:3: duplicate key 'metrics-listen' in config setup (first set at a.conf line 2)");
}

/* What a reload compares: the address and the port. */
static void test_equal(void)
{
	struct conf_setup a, b;

	CHECK_INT(load_setup("metrics-listen=127.0.0.1:9447"), 0);
	a = cf ? cf->setup : (struct conf_setup){ 0 };
	CHECK_INT(load_setup("metrics-listen=127.0.0.1:9447"), 0);
	b = cf ? cf->setup : (struct conf_setup){ 0 };
	b.line = 7;	/* where it is written is no setting */
	CHECK(conf_setup_metrics_equal(&a, &b));
	CHECK_INT(load_setup("metrics-listen=127.0.0.1:9448"), 0);
	b = cf ? cf->setup : (struct conf_setup){ 0 };
	CHECK(!conf_setup_metrics_equal(&a, &b));
	CHECK_INT(load_setup("metrics-listen=[::1]:9447"), 0);
	b = cf ? cf->setup : (struct conf_setup){ 0 };
	CHECK(!conf_setup_metrics_equal(&a, &b));
	CHECK_INT(load_setup("metrics-listen=no"), 0);
	b = cf ? cf->setup : (struct conf_setup){ 0 };
	CHECK(!conf_setup_metrics_equal(&a, &b));
	memset(&a, 0, sizeof(a));
	CHECK(conf_setup_metrics_equal(&a, &b));
}

int main(void)
{
	test_good();
	test_warning();
	test_bad();
	test_twice();
	test_equal();
	conf_free(cf);
	conf_diag_free(&d);
	return check_summary("conf-setup");
}
