/* SPDX-License-Identifier: Apache-2.0 */
/* The Prometheus text exposition format 0.0.4 (expo.h): names checked,
 * label values and HELP escaped, numbers written so that they read back
 * the same. */
#include "daemon/metrics/expo.h"

#include <event2/buffer.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void metrics_out_init(struct metrics_out *m, struct evbuffer *buf)
{
	memset(m, 0, sizeof(*m));
	m->buf = buf;
}

static void misuse(struct metrics_out *m, const char *why)
{
	if (!m->err)
		m->err = why;
}

static bool alpha_(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

/* [a-zA-Z_:][a-zA-Z0-9_:]*, short enough for the family buffer and a suffix. */
static bool metric_name_ok(const char *s)
{
	size_t len = strlen(s);

	if (!len || len + sizeof("_bucket") > sizeof(((struct metrics_out *)0)->family))
		return false;
	if (!alpha_(s[0]) && s[0] != ':')
		return false;
	for (s++; *s; s++)
		if (!alpha_(*s) && !digit(*s) && *s != ':')
			return false;
	return true;
}

/* [a-zA-Z_][a-zA-Z0-9_]*, not reserved (__...). */
static bool label_name_ok(const char *s)
{
	if (!s || !alpha_(s[0]) || (s[0] == '_' && s[1] == '_'))
		return false;
	for (s++; *s; s++)
		if (!alpha_(*s) && !digit(*s))
			return false;
	return true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

/* Why a family cannot be written under this name and type, or NULL. */
static const char *family_refusal(const struct metrics_out *m, const char *name,
				  enum metrics_type type, uint64_t h)
{
	if (!metric_name_ok(name))
		return "a metric name is [a-zA-Z_:][a-zA-Z0-9_:]* (and under 120 characters)";
	if (type == METRICS_COUNTER && !ends_with(name, "_total"))
		return "a counter's name ends in _total";
	if (type != METRICS_COUNTER && ends_with(name, "_total"))
		return "only a counter's name ends in _total";
	if (type == METRICS_HISTOGRAM && (ends_with(name, "_bucket") || ends_with(name, "_sum") ||
					  ends_with(name, "_count")))
		return "a histogram's name does not end in _bucket, _sum or _count";
	if (type != METRICS_COUNTER && type != METRICS_GAUGE && type != METRICS_HISTOGRAM)
		return "unknown metric type";
	for (unsigned i = 0; i < m->n_families; i++)
		if (m->seen[i] == h)
			return "a family written twice";
	if (m->n_families >= METRICS_FAMILIES_MAX)
		return "too many families";
	return NULL;
}

/* HELP text: backslash and newline escaped (0.0.4). */
static void help_escaped(struct evbuffer *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			evbuffer_add(b, "\\\\", 2);
		else if (*s == '\n')
			evbuffer_add(b, "\\n", 2);
		else
			evbuffer_add(b, s, 1);
	}
}

int metrics_family(struct metrics_out *m, const char *name, enum metrics_type type,
		   const char *help)
{
	static const char *const types[] = { "counter", "gauge", "histogram" };
	uint64_t h = name ? fnv1a(name) : 0;
	const char *why = name ? family_refusal(m, name, type, h) : "a family without a name";

	m->family[0] = '\0';
	if (why) {
		misuse(m, why);
		return -1;
	}
	m->seen[m->n_families++] = h;
	snprintf(m->family, sizeof(m->family), "%s", name);
	m->type = type;
	evbuffer_add_printf(m->buf, "# HELP %s ", name);
	help_escaped(m->buf, help ? help : "");
	evbuffer_add_printf(m->buf, "\n# TYPE %s %s\n", name, types[type]);
	return 0;
}

/* The length of the valid UTF-8 sequence at p (at most left bytes), or 0. */
static size_t utf8_len(const uint8_t *p, size_t left)
{
	size_t n;
	uint8_t lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > left)
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;	/* no overlong forms */
	else if (p[0] == 0xed)
		hi = 0x9f;	/* no surrogates */
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;	/* nothing past U+10FFFF */
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* A label value: backslash, double quote and newline escaped; bytes that
 * are not UTF-8 written as U+FFFD (the format is UTF-8). */
static void value_escaped(struct evbuffer *b, const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t left = strlen(s);

	while (left) {
		size_t n = utf8_len(p, left);

		if (n == 0) {
			evbuffer_add(b, "\xef\xbf\xbd", 3);
			n = 1;
		} else if (*p == '\\') {
			evbuffer_add(b, "\\\\", 2);
		} else if (*p == '"') {
			evbuffer_add(b, "\\\"", 2);
		} else if (*p == '\n') {
			evbuffer_add(b, "\\n", 2);
		} else {
			evbuffer_add(b, p, n);
		}
		p += n;
		left -= n;
	}
}

/* Label names valid, none twice, none reserved (le, for a histogram). */
static bool labels_ok(struct metrics_out *m, const struct metrics_label *l, size_t n)
{
	if (n > METRICS_LABELS_MAX - 1) {
		misuse(m, "too many labels");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!label_name_ok(l[i].name) || !l[i].value) {
			misuse(m, "a label name is [a-zA-Z_][a-zA-Z0-9_]* (not __...), with a value");
			return false;
		}
		if (m->type == METRICS_HISTOGRAM && strcmp(l[i].name, "le") == 0) {
			misuse(m, "a histogram's labels leave out le");
			return false;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(l[i].name, l[j].name) == 0) {
				misuse(m, "a label given twice");
				return false;
			}
	}
	return true;
}

/* NAMEsuffix{labels[,le="le"]} and the blank before the value. */
static void sample_start(struct metrics_out *m, const char *suffix, const struct metrics_label *l,
			 size_t n, const char *le)
{
	evbuffer_add_printf(m->buf, "%s%s", m->family, suffix);
	for (size_t i = 0; i < n; i++) {
		evbuffer_add_printf(m->buf, "%s%s=\"", i ? "," : "{", l[i].name);
		value_escaped(m->buf, l[i].value);
		evbuffer_add(m->buf, "\"", 1);
	}
	if (le)
		evbuffer_add_printf(m->buf, "%sle=\"%s\"", n ? "," : "{", le);
	if (n || le)
		evbuffer_add(m->buf, "}", 1);
	evbuffer_add(m->buf, " ", 1);
}

void metrics_format_double(double v, char *buf, size_t len)
{
	if (isnan(v)) {
		snprintf(buf, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(buf, len, "%.*g", digits, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* A counter or gauge sample may go to the current family. */
static bool scalar_ok(struct metrics_out *m, const struct metrics_label *l, size_t n)
{
	if (!m->family[0]) {
		misuse(m, "a sample outside a family");
		return false;
	}
	if (m->type == METRICS_HISTOGRAM) {
		misuse(m, "a histogram family takes metrics_histogram");
		return false;
	}
	return labels_ok(m, l, n);
}

void metrics_sample(struct metrics_out *m, const struct metrics_label *l, size_t n, double v)
{
	char num[32];

	if (!scalar_ok(m, l, n))
		return;
	if (m->type == METRICS_COUNTER && !(v >= 0)) {
		misuse(m, "a counter is never negative or NaN");
		return;
	}
	metrics_format_double(v, num, sizeof(num));
	sample_start(m, "", l, n, NULL);
	evbuffer_add_printf(m->buf, "%s\n", num);
}

void metrics_sample_u64(struct metrics_out *m, const struct metrics_label *l, size_t n, uint64_t v)
{
	if (!scalar_ok(m, l, n))
		return;
	sample_start(m, "", l, n, NULL);
	evbuffer_add_printf(m->buf, "%" PRIu64 "\n", v);
}

static bool bounds_ok(const double *le, const uint64_t *counts, size_t nb, uint64_t count)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < nb; i++) {
		if (!isfinite(le[i]) || (i && !(le[i] > le[i - 1])))
			return false;
		sum += counts[i];
	}
	return sum <= count;
}

void metrics_histogram(struct metrics_out *m, const struct metrics_label *l, size_t n,
		       const double *le, const uint64_t *counts, size_t nb, uint64_t count,
		       double sum)
{
	char num[32];
	uint64_t cum = 0;

	if (!m->family[0] || m->type != METRICS_HISTOGRAM) {
		misuse(m, "metrics_histogram outside a histogram family");
		return;
	}
	if (!labels_ok(m, l, n))
		return;
	if (!bounds_ok(le, counts, nb, count)) {
		misuse(m, "histogram bounds finite and ascending, their counts within count");
		return;
	}
	for (size_t i = 0; i < nb; i++) {
		cum += counts[i];
		metrics_format_double(le[i], num, sizeof(num));
		sample_start(m, "_bucket", l, n, num);
		evbuffer_add_printf(m->buf, "%" PRIu64 "\n", cum);
	}
	sample_start(m, "_bucket", l, n, "+Inf");
	evbuffer_add_printf(m->buf, "%" PRIu64 "\n", count);
	metrics_format_double(sum, num, sizeof(num));
	sample_start(m, "_sum", l, n, NULL);
	evbuffer_add_printf(m->buf, "%s\n", num);
	sample_start(m, "_count", l, n, NULL);
	evbuffer_add_printf(m->buf, "%" PRIu64 "\n", count);
}
