/* SPDX-License-Identifier: Apache-2.0 */
/* Does an nftables ruleset let a new UDP datagram to a local port in?  For
 * mcvpnctl verify: the text of `nft list ruleset` is read into tables,
 * chains, rules and sets, and every IPv4 input hook chain (families ip and
 * inet) is walked as the kernel would for a datagram from an unknown peer:
 * rules that name the port and accept it admit it, a drop that matches it or
 * the chain's policy drop refuses it, jumps are followed.  A condition this
 * cannot judge (source address, interface, rate) is taken to match an accept
 * (the operator's rule is meant for the peer) and not to match a drop. */
#ifndef MCVPN_NFT_ADMITS_H
#define MCVPN_NFT_ADMITS_H

#include <stddef.h>
#include <stdint.h>

enum nft_admit {
	NFT_ADMITTED,	/* every input chain accepts it (or there is none) */
	NFT_REFUSED,	/* a chain drops it: why says which and how */
	NFT_UNREADABLE,	/* the text is not a ruleset this can read */
};

/* ruleset: NUL-terminated text (borrowed, not changed).  why: one line for
 * the operator (the chain, and the rule or policy that decided); fix: when
 * refused, the nft command that opens IKE in the chain that refused.  The
 * firewalld table is skipped (firewall-cmd answers for it). */
enum nft_admit nft_admits(const char *ruleset, uint16_t port, char *why, size_t why_len,
			  char *fix, size_t fix_len);

#endif
