/* SPDX-License-Identifier: Apache-2.0 */
/* Process hardening done once at start (harden.c). */
#ifndef MCVPN_HARDEN_H
#define MCVPN_HARDEN_H

/* Undumpable process, guarded heap for keys.  0, or -1 (logged) when a step
 * failed; the daemon goes on either way. */
int harden_process(void);

#endif
