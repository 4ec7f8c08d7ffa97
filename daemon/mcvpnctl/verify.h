/* SPDX-License-Identifier: Apache-2.0 */
/* mcvpnctl verify: what a host needs to run mcvpnd as a forwarding VPN
 * gateway, one [OK]/[FAILED] line per check with the fix in words
 * (like libreswan's `ipsec verify`).  Runs in the client, no daemon needed. */
#ifndef MCVPN_VERIFY_H
#define MCVPN_VERIFY_H

#include <stdio.h>

/* proc_root: "" normally; tests point it at a fake /proc/sys tree. Returns
 * the number of failed checks. */
int verify_run(const char *config_dir, const char *ctl_path, const char *proc_root, FILE *out);

#endif
