/* SPDX-License-Identifier: Apache-2.0 */
/* TCP MSS clamping for mss-clamp= (what iptables' TCPMSS target does for
 * a VTI device): a pure function on one IP packet in a caller-owned
 * buffer.  Nothing is allocated, and no byte at or past len is read or
 * written: the packet may come from an authenticated peer that sends
 * nonsense inside valid ESP. */
#ifndef MCVPN_DP_MSS_H
#define MCVPN_DP_MSS_H

#include <stddef.h>
#include <stdint.h>

/* If pkt[0 .. len) is a TCP segment with SYN set (a SYN or a SYN-ACK), in
 * an unfragmented IPv4 packet or an IPv6 packet (after hop-by-hop,
 * routing and destination options headers), lower each of its MSS
 * options that is above the family's limit (mss4, mss6; 0 leaves that
 * family alone) to the limit, and update the TCP checksum to match
 * (RFC 1624: incrementally, so the checksum must be complete, not a
 * partial one an offload left).  A SYN without the option, a malformed
 * option list (the options up to the bad one are still clamped) and
 * every other packet are left as they are.  Returns the number of
 * options lowered. */
unsigned dp_mss_clamp(uint8_t *pkt, size_t len, uint16_t mss4, uint16_t mss6);

#endif
