/* SPDX-License-Identifier: Apache-2.0 */
/* Every mcvpnctl command, in one table that the client and the daemon share:
 * the client's --help, its refusal of an unknown command or a wrong number
 * of arguments (exit 2, no daemon needed), the daemon's usage answers and
 * the manual page's test all read it.  The daemon's handlers are in
 * ctl/commands.c, the client's own (offline) ones in mcvpnctl/. */
#ifndef MCVPN_CTL_CATALOG_H
#define MCVPN_CTL_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

struct ctl_command {
	const char *name;
	int min_args, max_args;	/* after the command word */
	bool offline;		/* run by mcvpnctl itself, mcvpnd need not run */
	const char *usage;	/* "rekey NAME [child|ike]" */
	const char *summary;	/* one line for --help */
};

extern const struct ctl_command ctl_catalog[];
extern const size_t ctl_catalog_len;

/* The command called name, or NULL. */
const struct ctl_command *ctl_catalog_find(const char *name);

#endif
