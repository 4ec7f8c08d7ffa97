/* SPDX-License-Identifier: Apache-2.0 */
/* Whether this host's packet filter lets IKE in (UDP 500 and 4500), for
 * mcvpnctl verify: firewalld when it runs (firewall-cmd answers for its
 * zones), else the nftables ruleset (`nft list ruleset`, judged by
 * nft_admits).  The programs run without a shell, bounded in time and output. */
#ifndef MCVPN_FIREWALL_H
#define MCVPN_FIREWALL_H

#include <stddef.h>
#include <stdint.h>

enum firewall_answer {
	FIREWALL_ADMITS,
	FIREWALL_REFUSES,	/* fix says how to open it */
	FIREWALL_UNKNOWN,	/* no firewall tool, or it could not be asked: why says */
};

struct firewall;

/* Asks the host once, for every port checked after: whether firewalld runs
 * and which service it opens, else nft's ruleset.  The caller frees it
 * (firewall_free); NULL when out of memory (firewall_check says so). */
struct firewall *firewall_read(void);
void firewall_free(struct firewall *fw);

/* what: who answered and how ("firewalld: service mcvpn is open");
 * fix: the command that opens the port. */
enum firewall_answer firewall_check(const struct firewall *fw, uint16_t port, char *what,
				    size_t what_len, char *fix, size_t fix_len);

#endif
