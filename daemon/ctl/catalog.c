/* SPDX-License-Identifier: Apache-2.0 */
#include "daemon/ctl/catalog.h"

#include <string.h>

/* Rows '{ "name", min, max, offline, "usage", "summary" },' (the manual
 * page's test reads them so). */
const struct ctl_command ctl_catalog[] = {
	{ "status", 0, 1, false, "status [--json]", "the daemon, its connections and their SAs" },
	{ "trafficstatus", 0, 1, false, "trafficstatus [--json]", "one line per Child SA with its byte counters (libreswan's format)" },
	{ "conns", 0, 0, false, "conns", "the configured connections' names, one per line" },
	{ "up", 1, 1, false, "up NAME", "start the connection's SAs and keep them up" },
	{ "down", 1, 1, false, "down NAME", "delete the connection's SAs and stop initiating it" },
	{ "rekey", 1, 2, false, "rekey NAME [child|ike]", "rekey the connection's Child SA (default) or IKE SA now" },
	{ "reload", 0, 0, false, "reload", "read the configuration again and apply the changes" },
	{ "check", 0, 0, false, "check", "check the configuration on disk without applying it" },
	{ "metrics", 0, 0, false, "metrics", "the series GET /metrics serves (Prometheus text format)" },
	{ "debug", 1, 2, false, "debug on|off [NAME]", "turn debug logging on or off, for the whole daemon or one connection" },
	{ "verify", 0, 2, true, "verify [--config-dir DIR]", "check that this host can run mcvpnd as a gateway" },
	{ "import-libreswan", 1, 13, true, "import-libreswan FILE [OPTIONS]", "convert libreswan files to mcvpn.d drop-ins (see its --help)" },
};

const size_t ctl_catalog_len = sizeof(ctl_catalog) / sizeof(ctl_catalog[0]);

const struct ctl_command *ctl_catalog_find(const char *name)
{
	for (size_t i = 0; i < ctl_catalog_len; i++)
		if (strcmp(ctl_catalog[i].name, name) == 0)
			return &ctl_catalog[i];
	return NULL;
}
