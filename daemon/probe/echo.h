/* SPDX-License-Identifier: Apache-2.0 */
/* The probe's packets: an ICMP echo request (RFC 792) or ICMPv6 echo
 * request (RFC 4443 4.1) as a whole IP packet from the tunnel device's
 * address to probe=, and the check of a packet that may be its reply.
 * Pure functions of their arguments: no sockets, no clock. */
#ifndef MCVPN_PROBE_ECHO_H
#define MCVPN_PROBE_ECHO_H

#include <stddef.h>
#include <stdint.h>

/* The echo data: the probe's token, then the request's serial number
 * (big-endian), which the reply must carry back unchanged. */
#define PROBE_TOKEN_LEN 8
#define PROBE_ECHO_DATA (PROBE_TOKEN_LEN + 8)
/* The largest request: an IPv6 header, the ICMPv6 header, the data. */
#define PROBE_ECHO_MAX (40 + 8 + PROBE_ECHO_DATA)

/* What is constant over a probe's requests. */
struct probe_echo {
	int family;			/* AF_INET or AF_INET6 */
	uint8_t src[16], dst[16];	/* the device's address, probe=; network order,
					 * the first 4 bytes for IPv4 */
	uint16_t ident;			/* ICMP identifier; the data plane copies the
					 * replies that carry it (dp_tunnel_set_probe) */
	uint8_t token[PROBE_TOKEN_LEN];	/* random: a reply to anyone else's echo that
					 * shares the identifier cannot match */
};

/* Request number serial (its sequence number is the low 16 bits) into out
 * (cap bytes).  Returns its length, 0 when it does not fit. */
size_t probe_echo_build(const struct probe_echo *e, uint64_t serial, uint8_t *out, size_t cap);

/* What a packet the data plane copied is, when the last request sent was
 * number serial (whether it still waits is the caller's business).  Cheap
 * checks first, the checksums last. */
enum probe_reply {
	PROBE_REPLY_OK,			/* the answer to request serial */
	PROBE_REPLY_LATE,		/* the answer to an earlier request */
	PROBE_REPLY_NOT_OURS,		/* not an echo reply to this probe: another
					 * type, identifier or data (someone else's echo) */
	PROBE_REPLY_WRONG_PEER,		/* an echo reply of ours, but not from probe= to
					 * the device's address */
	PROBE_REPLY_MALFORMED,		/* lengths or a checksum wrong */
};

enum probe_reply probe_echo_match(const struct probe_echo *e, uint64_t serial, const uint8_t *pkt,
				  size_t len);
const char *probe_reply_name(enum probe_reply r);

#endif
