/* SPDX-License-Identifier: Apache-2.0 */
/* Running as a user of its own (user.c): mcvpnd needs CAP_NET_ADMIN (TUN
 * devices, addresses, routes, SO_MARK) and CAP_NET_BIND_SERVICE (ports 500
 * and 4500), and nothing else of root's. */
#ifndef MCVPN_USER_H
#define MCVPN_USER_H

#include <stdbool.h>
#include <sys/types.h>

/* Become the user name (--user): the control socket's directory (that of
 * ctl_path; NULL: none, as for --check) made or given to it while still
 * root, then the user's uid, gid and groups with those two capabilities
 * only (effective, permitted, inheritable, ambient and bounding set) and
 * no_new_privs: the state the unit's User= and AmbientCapabilities= give.  Then it checks
 * that root cannot be had back.  Already that user (the unit ran us so):
 * nothing to do.  0, or -1 with the reason on stderr. */
int user_switch(const char *name, const char *ctl_path);

/* Whether the process can do its work: root, or both capabilities in its
 * effective set.  Used when mcvpnd was started as a user without --user. */
bool user_caps_enough(void);

#endif
