/* SPDX-License-Identifier: Apache-2.0 */
/* NAT detection (RFC 7296 2.23): SHA-1(SPIi | SPIr | IP | port). */
#ifndef MCVPN_NAT_H
#define MCVPN_NAT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "daemon/ikemsg/msg.h"

int nat_hash(uint64_t spii, uint64_t spir, const struct sockaddr_storage *addr, uint8_t out[20]);
/* Does any notify of this type carry the hash of addr? */
bool nat_match(const struct ike_msg *msg, uint16_t type, uint64_t spii, uint64_t spir,
	       const struct sockaddr_storage *addr);
/* Add NAT_DETECTION_SOURCE_IP and _DESTINATION_IP; fake_source makes the peer
 * believe we are behind a NAT (encapsulation=yes), as libreswan and strongSwan do. */
void nat_build_notifies(struct ike_msgb *b, uint64_t spii, uint64_t spir,
			const struct sockaddr_storage *local,
			const struct sockaddr_storage *remote, bool fake_source);

#endif
