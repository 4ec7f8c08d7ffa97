/* SPDX-License-Identifier: Apache-2.0 */
/* Traffic selectors: from configured subnets, narrowing by the responder,
 * checking by the initiator, and conversion for the data plane. */
#ifndef MCVPN_TS_H
#define MCVPN_TS_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/ikemsg/msg.h"

struct conf_prefix;
struct dp_range;

/* Prefixes -> address-range selectors (all protocols and ports). Returns the count. */
size_t ts_from_prefixes(const struct conf_prefix *p, size_t n, struct ike_ts *out);
/* Intersection of each proposed selector with each configured one; returns the
 * count written to out (0: TS_UNACCEPTABLE). */
size_t ts_narrow(const struct pl_ts *proposed, const struct ike_ts *ours, size_t n_ours,
		 struct ike_ts *out, size_t cap);
/* Is every selector in got inside one of ours? */
int ts_subset(const struct pl_ts *got, const struct ike_ts *ours, size_t n_ours);
/* Our side's (leftsubnet) and the peer's (rightsubnet) selectors from the config. */
struct conf_conn;
size_t ts_local_conf(const struct conf_conn *cfg, struct ike_ts *out);
size_t ts_remote_conf(const struct conf_conn *cfg, struct ike_ts *out);
size_t ts_to_ranges(const struct ike_ts *ts, size_t n, struct dp_range *out, size_t cap);
/* The prefix length if start..end is one CIDR block, else -1. */
int ts_prefix_len(const struct ike_ts *ts);
/* "0.0.0.0/0" style text of one selector into buf. */
void ts_describe(const struct ike_ts *ts, char *buf, size_t len);

#endif
