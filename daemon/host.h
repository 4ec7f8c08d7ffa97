/* SPDX-License-Identifier: Apache-2.0 */
/* The host as conf sees it (struct conf_host), read through netlink: what
 * mcvpnd --check, a start, a reload and a change of the host's addresses
 * or default route resolve the configuration on. */
#ifndef MCVPN_HOST_H
#define MCVPN_HOST_H

#include "conf/conf.h"
#include "netlink/nl.h"

struct host_view {
	struct conf_host h;		/* points into the arrays below */
	struct conf_host_addr *addrs;	/* owned */
	struct conf_host_route *routes;	/* owned */
	struct nl_host nl;		/* owned */
};

/* Reads the host through nl (borrowed).  0, or -errno with v empty; free
 * with host_view_free either way. */
int host_view_read(struct nl *nl, struct host_view *v);
void host_view_free(struct host_view *v);

/* conf_load on the host read through nl; when netlink cannot be read, on
 * an unknown host (NULL), with a note in diag saying so. */
int host_conf_load(struct nl *nl, const char *dir, struct conf **out, struct conf_diag *diag);

#endif
