/* SPDX-License-Identifier: Apache-2.0 */
/* The exposition writer (daemon/metrics/expo.c) byte for byte: HELP and
 * TYPE per family, counters and gauges, label values escaped (backslash,
 * double quote, newline) and made UTF-8, numbers that read back the same
 * (+Inf, -Inf, NaN, 2^53 + 1), histograms (cumulative buckets, le="+Inf",
 * _sum, _count), and every misuse refused with nothing written. */
#include <event2/buffer.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "daemon/metrics/expo.h"

static struct evbuffer *buf;
static struct metrics_out m;
static char text[8192];

static void start(void)
{
	evbuffer_drain(buf, evbuffer_get_length(buf));
	metrics_out_init(&m, buf);
}

/* What was written so far, as a string. */
static const char *got(void)
{
	size_t n = evbuffer_get_length(buf);

	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	evbuffer_copyout(buf, text, n);
	text[n] = '\0';
	return text;
}

#define L1(n, v) ((struct metrics_label[]){ { n, v } })

static void test_counter_and_gauge(void)
{
	start();
	CHECK_INT(metrics_family(&m, "mcvpn_transmit_bytes_total", METRICS_COUNTER,
				 "Inner bytes sent."), 0);
	metrics_sample_u64(&m, L1("conn", "a"), 1, 0);
	metrics_sample_u64(&m, L1("conn", "b"), 1, 18446744073709551615ull);
	CHECK_INT(metrics_family(&m, "mcvpn_tunnel_up", METRICS_GAUGE, "1 when up."), 0);
	metrics_sample(&m, L1("conn", "a"), 1, 1);
	metrics_sample(&m, NULL, 0, 0);
	CHECK_STR(got(),
		  "# HELP mcvpn_transmit_bytes_total Inner bytes sent.\n"
		  "# TYPE mcvpn_transmit_bytes_total counter\n"
		  "mcvpn_transmit_bytes_total{conn=\"a\"} 0\n"
		  "mcvpn_transmit_bytes_total{conn=\"b\"} 18446744073709551615\n"
		  "# HELP mcvpn_tunnel_up 1 when up.\n"
		  "# TYPE mcvpn_tunnel_up gauge\n"
		  "mcvpn_tunnel_up{conn=\"a\"} 1\n"
		  "mcvpn_tunnel_up 0\n");
	CHECK(m.err == NULL);
	CHECK_INT(m.n_families, 2);
}

static void test_help_escaped(void)
{
	start();
	metrics_family(&m, "x", METRICS_GAUGE, "a \\ backslash\nand a \"quote\"");
	CHECK_STR(got(), "# HELP x a \\\\ backslash\\nand a \"quote\"\n# TYPE x gauge\n");
	start();
	metrics_family(&m, "y", METRICS_GAUGE, NULL);
	CHECK_STR(got(), "# HELP y \n# TYPE y gauge\n");
}

static void test_label_values_escaped(void)
{
	start();
	metrics_family(&m, "g", METRICS_GAUGE, "h");
	metrics_sample(&m, L1("conn", "we\"ird\\name\nline 2"), 1, 1);
	metrics_sample(&m, (struct metrics_label[]){ { "conn", "a" }, { "cause", "\"\"" } }, 2, 2);
	metrics_sample(&m, L1("conn", ""), 1, 3);
	metrics_sample(&m, L1("conn", "tab\there, {braces}, =, 'single'"), 1, 4);
	CHECK_STR(got(),
		  "# HELP g h\n# TYPE g gauge\n"
		  "g{conn=\"we\\\"ird\\\\name\\nline 2\"} 1\n"
		  "g{conn=\"a\",cause=\"\\\"\\\"\"} 2\n"
		  "g{conn=\"\"} 3\n"
		  "g{conn=\"tab\there, {braces}, =, 'single'\"} 4\n");
	CHECK(m.err == NULL);
}

/* The format is UTF-8: valid sequences pass, anything else is U+FFFD. */
static void test_utf8(void)
{
	start();
	metrics_family(&m, "g", METRICS_GAUGE, "h");
	metrics_sample(&m, L1("conn", "caf\xc3\xa9-\xe6\x9d\xb1\xe4\xba\xac-\xf0\x9f\x94\x92"), 1, 1);
	metrics_sample(&m, L1("conn", "a\xff" "b\xc3"), 1, 2);		/* stray byte, cut sequence */
	metrics_sample(&m, L1("conn", "\xc0\xaf\xed\xa0\x80"), 1, 3);	/* overlong, surrogate */
	metrics_sample(&m, L1("conn", "\xf4\x90\x80\x80"), 1, 4);	/* past U+10FFFF */
	CHECK_STR(got(),
		  "# HELP g h\n# TYPE g gauge\n"
		  "g{conn=\"caf\xc3\xa9-\xe6\x9d\xb1\xe4\xba\xac-\xf0\x9f\x94\x92\"} 1\n"
		  "g{conn=\"a\xef\xbf\xbd" "b\xef\xbf\xbd\"} 2\n"
		  "g{conn=\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"} 3\n"
		  "g{conn=\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"} 4\n");
}

static void check_double(double v, const char *want)
{
	char b[32];

	metrics_format_double(v, b, sizeof(b));
	CHECK_STR(b, want);
	if (isfinite(v))
		CHECK(strtod(b, NULL) == v);
}

static void test_numbers(void)
{
	check_double(0, "0");
	check_double(3, "3");
	check_double(-2.5, "-2.5");
	check_double(0.1, "0.1");
	check_double(1.0 / 3, "0.3333333333333333");
	check_double(1e-9, "1e-09");
	check_double(1e21, "1e+21");
	check_double(86400.25, "86400.25");
	check_double(9007199254740993.0, "9007199254740992");	/* a double's nearest */
	check_double(INFINITY, "+Inf");
	check_double(-INFINITY, "-Inf");
	check_double(NAN, "NaN");
	check_double(1.7976931348623157e308, "1.7976931348623157e+308");
	/* gauges may be negative (a rekey overdue), NaN or infinite */
	start();
	metrics_family(&m, "g", METRICS_GAUGE, "h");
	metrics_sample(&m, NULL, 0, -12.5);
	metrics_sample(&m, L1("a", "1"), 1, INFINITY);
	metrics_sample(&m, L1("a", "2"), 1, NAN);
	/* counters exact past 2^53 */
	metrics_family(&m, "c_total", METRICS_COUNTER, "h");
	metrics_sample_u64(&m, NULL, 0, 9007199254740993ull);
	metrics_sample(&m, L1("a", "1"), 1, 0.5);
	CHECK_STR(got(),
		  "# HELP g h\n# TYPE g gauge\ng -12.5\ng{a=\"1\"} +Inf\ng{a=\"2\"} NaN\n"
		  "# HELP c_total h\n# TYPE c_total counter\nc_total 9007199254740993\n"
		  "c_total{a=\"1\"} 0.5\n");
	CHECK(m.err == NULL);
}

static void test_histogram(void)
{
	static const double le[] = { 0.001, 0.01, 0.1 };
	static const uint64_t counts[] = { 2, 5, 0 };

	start();
	CHECK_INT(metrics_family(&m, "mcvpn_probe_rtt_seconds", METRICS_HISTOGRAM, "RTT."), 0);
	metrics_histogram(&m, L1("conn", "a\"b"), 1, le, counts, 3, 9, 0.125);
	metrics_histogram(&m, NULL, 0, le, (const uint64_t[]){ 0, 0, 0 }, 3, 0, 0);
	CHECK_STR(got(),
		  "# HELP mcvpn_probe_rtt_seconds RTT.\n"
		  "# TYPE mcvpn_probe_rtt_seconds histogram\n"
		  "mcvpn_probe_rtt_seconds_bucket{conn=\"a\\\"b\",le=\"0.001\"} 2\n"
		  "mcvpn_probe_rtt_seconds_bucket{conn=\"a\\\"b\",le=\"0.01\"} 7\n"
		  "mcvpn_probe_rtt_seconds_bucket{conn=\"a\\\"b\",le=\"0.1\"} 7\n"
		  "mcvpn_probe_rtt_seconds_bucket{conn=\"a\\\"b\",le=\"+Inf\"} 9\n"
		  "mcvpn_probe_rtt_seconds_sum{conn=\"a\\\"b\"} 0.125\n"
		  "mcvpn_probe_rtt_seconds_count{conn=\"a\\\"b\"} 9\n"
		  "mcvpn_probe_rtt_seconds_bucket{le=\"0.001\"} 0\n"
		  "mcvpn_probe_rtt_seconds_bucket{le=\"0.01\"} 0\n"
		  "mcvpn_probe_rtt_seconds_bucket{le=\"0.1\"} 0\n"
		  "mcvpn_probe_rtt_seconds_bucket{le=\"+Inf\"} 0\n"
		  "mcvpn_probe_rtt_seconds_sum 0\n"
		  "mcvpn_probe_rtt_seconds_count 0\n");
	CHECK(m.err == NULL);
}

/* Each misuse: refused, nothing written, m->err says why (the first). */
#define REFUSED(call, why) do { \
	start(); \
	metrics_family(&m, "g", METRICS_GAUGE, "h"); \
	size_t before_ = evbuffer_get_length(buf); \
	call; \
	CHECK_INT(evbuffer_get_length(buf), before_); \
	CHECK_CONTAINS(m.err, why); \
} while (0)

static void test_misuse(void)
{
	REFUSED(metrics_family(&m, "bytes", METRICS_COUNTER, "h"), "ends in _total");
	REFUSED(metrics_family(&m, "up_total", METRICS_GAUGE, "h"), "only a counter's name ends in _total");
	REFUSED(metrics_family(&m, "rtt_seconds_bucket", METRICS_HISTOGRAM, "h"), "_bucket");
	REFUSED(metrics_family(&m, "rtt_total", METRICS_HISTOGRAM, "h"), "_total");
	REFUSED(metrics_family(&m, "1abc", METRICS_GAUGE, "h"), "a metric name is");
	REFUSED(metrics_family(&m, "a-b", METRICS_GAUGE, "h"), "a metric name is");
	REFUSED(metrics_family(&m, "", METRICS_GAUGE, "h"), "a metric name is");
	REFUSED(metrics_family(&m, NULL, METRICS_GAUGE, "h"), "without a name");
	REFUSED(metrics_family(&m, "g", METRICS_GAUGE, "again"), "a family written twice");
	REFUSED(metrics_family(&m, "t", (enum metrics_type)7, "h"), "unknown metric type");
	REFUSED(metrics_sample(&m, L1("__name", "x"), 1, 1), "a label name is");
	REFUSED(metrics_sample(&m, L1("a-b", "x"), 1, 1), "a label name is");
	REFUSED(metrics_sample(&m, L1("9a", "x"), 1, 1), "a label name is");
	REFUSED(metrics_sample(&m, L1("a", NULL), 1, 1), "with a value");
	REFUSED(metrics_sample(&m, ((struct metrics_label[]){ { "a", "1" }, { "a", "2" } }), 2, 1),
		"a label given twice");
	REFUSED(metrics_histogram(&m, NULL, 0, (const double[]){ 1 }, (const uint64_t[]){ 1 }, 1, 1, 1),
		"outside a histogram family");
	/* a name this long leaves no room for _bucket */
	char lng[200];
	memset(lng, 'a', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0';
	REFUSED(metrics_family(&m, lng, METRICS_GAUGE, "h"), "a metric name is");

	/* counters: never negative or NaN */
	start();
	metrics_family(&m, "c_total", METRICS_COUNTER, "h");
	size_t before = evbuffer_get_length(buf);
	metrics_sample(&m, NULL, 0, -1);
	metrics_sample(&m, NULL, 0, NAN);
	CHECK_INT(evbuffer_get_length(buf), before);
	CHECK_CONTAINS(m.err, "never negative");

	/* a sample before any family, and after a refused one */
	start();
	metrics_sample(&m, NULL, 0, 1);
	CHECK_INT(evbuffer_get_length(buf), 0);
	CHECK_CONTAINS(m.err, "outside a family");
	start();
	metrics_family(&m, "ok", METRICS_GAUGE, "h");
	CHECK_INT(metrics_family(&m, "bad", METRICS_COUNTER, "h"), -1);
	before = evbuffer_get_length(buf);
	metrics_sample(&m, NULL, 0, 1);		/* not under ok's TYPE line */
	CHECK_INT(evbuffer_get_length(buf), before);
	CHECK_CONTAINS(m.err, "ends in _total");	/* the first misuse is kept */

	/* histograms: le is the writer's, bounds finite and ascending */
	start();
	metrics_family(&m, "h_seconds", METRICS_HISTOGRAM, "h");
	before = evbuffer_get_length(buf);
	metrics_histogram(&m, L1("le", "1"), 1, (const double[]){ 1 }, (const uint64_t[]){ 1 }, 1, 1, 1);
	CHECK_CONTAINS(m.err, "leave out le");
	m.err = NULL;
	metrics_histogram(&m, NULL, 0, (const double[]){ 2, 1 }, (const uint64_t[]){ 1, 1 }, 2, 2, 1);
	CHECK_CONTAINS(m.err, "ascending");
	m.err = NULL;
	metrics_histogram(&m, NULL, 0, (const double[]){ 1, INFINITY }, (const uint64_t[]){ 1, 1 }, 2, 2, 1);
	CHECK_CONTAINS(m.err, "finite");
	m.err = NULL;
	metrics_histogram(&m, NULL, 0, (const double[]){ 1 }, (const uint64_t[]){ 3 }, 1, 2, 1);
	CHECK_CONTAINS(m.err, "within count");
	m.err = NULL;
	metrics_sample(&m, NULL, 0, 1);
	CHECK_CONTAINS(m.err, "takes metrics_histogram");
	CHECK_INT(evbuffer_get_length(buf), before);
}

static void test_family_limit(void)
{
	char name[32];

	start();
	for (unsigned i = 0; i < METRICS_FAMILIES_MAX; i++) {
		snprintf(name, sizeof(name), "f%u", i);
		CHECK_INT(metrics_family(&m, name, METRICS_GAUGE, "h"), 0);
	}
	CHECK(m.err == NULL);
	CHECK_INT(metrics_family(&m, "one_more", METRICS_GAUGE, "h"), -1);
	CHECK_CONTAINS(m.err, "too many families");
}

int main(void)
{
	buf = evbuffer_new();
	if (!buf)
		return 1;
	test_counter_and_gauge();
	test_help_escaped();
	test_label_values_escaped();
	test_utf8();
	test_numbers();
	test_histogram();
	test_misuse();
	test_family_limit();
	evbuffer_free(buf);
	return check_summary("metrics-expo");
}
