/* SPDX-License-Identifier: Apache-2.0 */
/* Which process holds a UDP port: for mcvpnctl verify, when another IKE
 * daemon (pluto, charon) has 500 or 4500. */
#ifndef MCVPN_PORT_OWNER_H
#define MCVPN_PORT_OWNER_H

#include <stddef.h>
#include <stdint.h>

/* The first process with a socket bound to local UDP port (any address,
 * IPv4 or IPv6) in this network namespace: its PID, and its name (comm) in
 * name.  proc_root as verify_run's ("" for the real /proc).  0, or -1 when
 * none is found (or /proc cannot be read: another user's fds need root). */
int port_owner(const char *proc_root, uint16_t port, int *pid, char *name, size_t len);

#endif
