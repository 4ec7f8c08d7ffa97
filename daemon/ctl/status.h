/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the status outputs (status.c, ctl/status_json.c). */
#ifndef MCVPN_STATUS_H
#define MCVPN_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct conf_prefix;
struct ike_sa;
struct ike_ts;

/* The IKE SA whose Child SA carries its conn's traffic: the one line of
 * trafficstatus (text and JSON) per conn. */
bool status_sa_carries(const struct ike_sa *sa);

void status_prefix(const struct conf_prefix *p, char *buf, size_t len);
/* The hook's words as one line (blanks between, as given: not quoted). */
struct conf_conn;
void status_updown_text(const struct conf_conn *cfg, char *buf, size_t len);
/* "0.0.0.0/0,::/0" */
void status_ts_list(const struct ike_ts *ts, size_t n, char *buf, size_t len);

#endif
