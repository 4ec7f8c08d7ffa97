/* SPDX-License-Identifier: Apache-2.0 */
/* The Prometheus text exposition format, version 0.0.4: metric families,
 * each as "# HELP", "# TYPE" and its samples together, written to an
 * evbuffer.  A small library of its own (no daemon in it), so the unit
 * tests check the text byte for byte.
 *
 *   struct metrics_out m;
 *   metrics_out_init(&m, buf);
 *   metrics_family(&m, "mcvpn_transmit_bytes_total", METRICS_COUNTER, "Inner bytes sent.");
 *   metrics_sample_u64(&m, (struct metrics_label[]){ { "conn", name } }, 1, bytes);
 *
 * The writer keeps the output valid whatever its caller does: a bad metric
 * or label name, a counter not named ..._total, a family written twice, a
 * sample outside a family are refused (nothing written) and the first such
 * misuse is kept in m->err for the caller to log.  Label values are escaped
 * (backslash, double quote, newline) and bytes that are not UTF-8 become
 * U+FFFD; HELP text escapes backslash and newline. */
#ifndef MCVPN_METRICS_EXPO_H
#define MCVPN_METRICS_EXPO_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

/* What an HTTP answer carrying this text says it is. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum metrics_type { METRICS_COUNTER, METRICS_GAUGE, METRICS_HISTOGRAM };

struct metrics_label {
	const char *name;		/* [a-zA-Z_][a-zA-Z0-9_]*, not __... */
	const char *value;		/* any bytes; escaped */
};

#define METRICS_FAMILIES_MAX 256	/* per exposition: beyond, families are refused */
#define METRICS_LABELS_MAX 8		/* per sample (le of a histogram included) */

struct metrics_out {
	struct evbuffer *buf;		/* borrowed */
	char family[128];		/* the family samples go to now; "" none */
	enum metrics_type type;
	uint64_t seen[METRICS_FAMILIES_MAX];	/* hashes of the families written */
	unsigned n_families;
	const char *err;		/* the first misuse (static text), or NULL */
};

void metrics_out_init(struct metrics_out *m, struct evbuffer *buf);

/* Start family name: its "# HELP" and "# TYPE" lines.  A counter's name
 * ends in _total (the 0.0.4 text names the family as its samples); a
 * gauge's or histogram's does not, nor a histogram's in _bucket, _sum or
 * _count.  help: one sentence.  0, or -1 (refused: m->err says why; the
 * samples that follow are refused too). */
int metrics_family(struct metrics_out *m, const char *name, enum metrics_type type,
		   const char *help);

/* One sample of the current counter or gauge family, labels l[0..n). */
void metrics_sample(struct metrics_out *m, const struct metrics_label *l, size_t n, double v);
/* The same, exact beyond 2^53 (counters of bytes). */
void metrics_sample_u64(struct metrics_out *m, const struct metrics_label *l, size_t n,
			uint64_t v);

/* One histogram of the current histogram family: counts[i] observations
 * fell at or under le[i] (not cumulative; le ascending, finite), count in
 * all (those above the last bound too: the +Inf bucket), sum of the
 * observed values.  Writes NAME_bucket{...,le="..."} for each bound and
 * le="+Inf", NAME_sum and NAME_count. */
void metrics_histogram(struct metrics_out *m, const struct metrics_label *l, size_t n,
		       const double *le, const uint64_t *counts, size_t nb, uint64_t count,
		       double sum);

/* v as the format writes it: "+Inf", "-Inf", "NaN", else the shortest
 * decimal that reads back as v (at most 17 digits).  buf needs 32 bytes. */
void metrics_format_double(double v, char *buf, size_t len);

#endif
