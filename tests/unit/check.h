/* SPDX-License-Identifier: Apache-2.0 */
/* Minimal test harness: every check counts, failures say what was expected
 * and what came, and check_summary() prints "N passed, N failed". */
#ifndef MCVPN_TESTS_CHECK_H
#define MCVPN_TESTS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static unsigned check_pass_count, check_fail_count;

static inline void check_report(int ok, const char *file, int line, const char *what)
{
	if (ok) {
		check_pass_count++;
		return;
	}
	check_fail_count++;
	fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
}

static inline void check_hex(const char *label, const void *p, size_t n)
{
	const unsigned char *b = p;
	fprintf(stderr, "  %s:", label);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%02x", b[i]);
	fprintf(stderr, "\n");
}

#define CHECK(cond) check_report(!!(cond), __FILE__, __LINE__, #cond)

#define CHECK_INT(got, want) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	check_report(g_ == w_, __FILE__, __LINE__, #got " == " #want); \
	if (g_ != w_) \
		fprintf(stderr, "  expected %lld, got %lld\n", w_, g_); \
} while (0)

#define CHECK_STR(got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	int ok_ = g_ && w_ && strcmp(g_, w_) == 0; \
	check_report(ok_, __FILE__, __LINE__, #got " == " #want); \
	if (!ok_) \
		fprintf(stderr, "  expected \"%s\", got \"%s\"\n", w_ ? w_ : "(null)", g_ ? g_ : "(null)"); \
} while (0)

/* Substring check, for error messages. */
#define CHECK_CONTAINS(hay, needle) do { \
	const char *h_ = (hay), *n_ = (needle); \
	int ok_ = h_ && n_ && strstr(h_, n_) != NULL; \
	check_report(ok_, __FILE__, __LINE__, #hay " contains " #needle); \
	if (!ok_) \
		fprintf(stderr, "  expected to find \"%s\" in \"%s\"\n", n_, h_ ? h_ : "(null)"); \
} while (0)

#define CHECK_MEM(got, want, n) do { \
	int ok_ = memcmp((got), (want), (n)) == 0; \
	check_report(ok_, __FILE__, __LINE__, #got " == " #want); \
	if (!ok_) { \
		check_hex("expected", (want), (n)); \
		check_hex("got     ", (got), (n)); \
	} \
} while (0)

static inline int check_summary(const char *name)
{
	printf("%s: %u passed, %u failed\n", name, check_pass_count, check_fail_count);
	return check_fail_count ? 1 : (check_pass_count ? 0 : 1);
}

/* Hex string to bytes for vectors; returns the byte count. Spaces ignored. */
static inline size_t check_unhex(const char *hex, unsigned char *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	for (; *hex; hex++) {
		int v;
		if (*hex >= '0' && *hex <= '9') v = *hex - '0';
		else if (*hex >= 'a' && *hex <= 'f') v = *hex - 'a' + 10;
		else if (*hex >= 'A' && *hex <= 'F') v = *hex - 'A' + 10;
		else continue;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n < cap)
			out[n] = (unsigned char)(hi << 4 | v);
		n++;
		hi = -1;
	}
	return n;
}

#endif
