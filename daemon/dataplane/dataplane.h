/* SPDX-License-Identifier: Apache-2.0 */
/* The data plane: TUN <-> ESP-in-UDP (RFC 4303, RFC 3948) on its own threads.
 * The control plane talks to it only through this interface: tunnels (TUN fds),
 * UDP sockets, and SAs are installed and removed here; IKE datagrams that arrive
 * on a UDP 4500 socket (non-ESP marker) are handed back over a socketpair.
 *
 * Threads: one receives from the UDP sockets and writes inner packets to the TUNs
 * (owns every inbound SA's replay window); one reads the TUNs and sends ESP (owns
 * every outbound SA's sequence number).  Both work in batches (TSO/GSO/GRO,
 * recvmmsg): ARCHITECTURE.md, "The data path".  Control calls take a lock briefly and
 * may be made from the control thread at any time. */
#ifndef MCVPN_DATAPLANE_H
#define MCVPN_DATAPLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct dataplane;

struct dp_range {			/* a traffic selector, for the checks of inner packets */
	int family;			/* AF_INET / AF_INET6 */
	uint8_t start[16], end[16];	/* network byte order, inclusive */
	bool l4;			/* false (zeroed): any protocol and port; true: */
	uint8_t ip_proto;		/* this protocol (0 any) */
	uint16_t start_port, end_port;	/* and ports in this range (ICMP: type << 8 | code) */
};

#define DP_MAX_TS 8			/* as many as IKE keeps (IKE_MAX_TS): none dropped */

struct dp_sa_params {
	uint32_t spi;			/* host order. inbound: ours; outbound: the peer's */
	unsigned encr, encr_keybits;	/* ENCR_AES_GCM_16 (256) */
	unsigned integ;			/* AUTH_NONE with GCM */
	bool esn;			/* extended (64-bit) sequence numbers, RFC 4304 */
	uint8_t keymat[128];		/* encr key (| salt) | integ key; caller wipes its copy */
	size_t keymat_len;
	int tunnel;			/* tunnel id given to dp_tunnel_add */
	/* outbound: where ESP goes and on which socket */
	int sock;			/* a UDP socket given to dp_socket_add */
	struct sockaddr_storage peer;	/* address and port (4500 or the NAT's) */
	bool standby;			/* outbound: install, but keep the current SA in use */
	/* the Child SA's selectors, the same for both directions: inbound inner
	 * packets must have src in remote_ts and dst in local_ts, outbound ones
	 * src in local_ts and dst in remote_ts (else drop_ts / drop_ts_out) */
	struct dp_range remote_ts[DP_MAX_TS];
	size_t n_remote_ts;
	struct dp_range local_ts[DP_MAX_TS];
	size_t n_local_ts;
};

struct dp_sa_stats {
	uint64_t bytes, packets;	/* inner bytes/packets through this SA */
	uint64_t drop_replay, drop_auth, drop_ts, drop_other;	/* inbound SAs;
					 * outbound: drop_other (send failed, not IP,
					 * sequence numbers exhausted) */
	uint64_t drop_ts_out;		/* outbound SAs: TUN reads whose inner src/dst
					 * lie outside the selectors, never encrypted
					 * (a TSO super-packet counts once) */
	uint32_t last_packet;		/* CLOCK_MONOTONIC seconds of the last good packet; 0 none */
	bool esn;			/* not a counter: the SA was installed with ESN */
};

/* New data plane with its threads running. Caller frees with dp_free. NULL on error. */
struct dataplane *dp_new(void);
/* Stops the threads, frees every SA (keys wiped). Borrowed fds are not closed. */
void dp_free(struct dataplane *dp);

/* Register a TUN fd (borrowed; stays open until dp_tunnel_remove returned) as tunnel id.
 * The fd carries bare IP packets (IFF_NO_PI); it is switched to O_NONBLOCK.
 * All int-returning calls here: 0 or -errno (-EEXIST, -ENOENT, -EINVAL...). */
int dp_tunnel_add(struct dataplane *dp, int id, int tun_fd);
int dp_tunnel_remove(struct dataplane *dp, int id);
/* A re-created TUN device for tunnel id: its SAs carry on with the new fd (borrowed). */
int dp_tunnel_set_fd(struct dataplane *dp, int id, int tun_fd);
/* TCP MSS clamping on tunnel id (mss-clamp=): the MSS option of every TCP
 * SYN and SYN-ACK read from its TUN (before encryption) and decrypted for
 * it (before the write) is lowered to mss4 over IPv4, mss6 over IPv6, the
 * TCP checksum updated; 0 leaves a family alone (the default). */
int dp_tunnel_set_mss(struct dataplane *dp, int id, uint16_t mss4, uint16_t mss6);

/* The in-tunnel probe (daemon/probe/), both ways through tunnel id.
 * dp_tunnel_send: pkt (one IP packet of len bytes, borrowed) leaves as if
 * read from the tunnel's TUN: checked against the current outbound SA's
 * selectors, encrypted, sent and counted on that SA.  0, or -ENOENT (no
 * such tunnel), -ENOTCONN (no outbound SA), -EINVAL (not an IP packet, too
 * long, or outside the selectors: drop_ts_out), -EIO (the send failed).
 * It takes the tx work for that one packet: the control thread may wait
 * for the tx thread's current batch.
 * dp_tunnel_set_probe: from now on each decrypted packet of the tunnel that
 * is an ICMP echo reply (ICMPv6 too) with identifier ident is also copied
 * to fd (borrowed: a SOCK_SEQPACKET or datagram socket, one packet per
 * write, the copy dropped when it is full) before it goes to the TUN like
 * every other.  fd -1 stops that; the tunnel's removal too.  0 or -ENOENT. */
int dp_tunnel_send(struct dataplane *dp, int id, const uint8_t *pkt, size_t len);
int dp_tunnel_set_probe(struct dataplane *dp, int id, uint16_t ident, int fd);

/* Register a UDP socket bound to port 4500 (borrowed). *ike_fd receives a
 * SOCK_SEQPACKET fd (owned by the caller) that yields one IKE message per read,
 * framed as struct dp_ike_hdr then the message without the non-ESP marker. */
struct dp_ike_hdr {
	struct sockaddr_storage from;	/* peer address and port */
	struct sockaddr_storage to;	/* our address (IP_PKTINFO) and port */
	/* 0: an IKE message follows.  Else no message: an ESP packet of our
	 * inbound SA with this SPI authenticated, from an address or port its
	 * tunnel does not send to (the peer behind a NAT that changed its
	 * mapping?); at most once a second per SA. */
	uint32_t esp_spi;
};
int dp_socket_add(struct dataplane *dp, int udp_fd, int *ike_fd);
int dp_socket_remove(struct dataplane *dp, int udp_fd);

/* Inbound SA: accepted by SPI from now on. Outbound SA: becomes the tunnel's
 * current outbound SA (the previous one is kept until removed, but no longer used).
 * The tunnel (and for outbound the socket) must be registered: -ENOENT; SPIs
 * are unique per direction: -EEXIST.  Removing the current outbound SA leaves
 * the tunnel without one (drop_no_sa) until another is added or preferred.
 * SAs with no traffic selectors let no inner packet in or out. */
int dp_sa_add_inbound(struct dataplane *dp, const struct dp_sa_params *p);
int dp_sa_add_outbound(struct dataplane *dp, const struct dp_sa_params *p);
/* Make an installed outbound SA its tunnel's current one again (its sequence
 * number carries on). -ENOENT if unknown. */
int dp_sa_prefer_outbound(struct dataplane *dp, uint32_t spi);
/* The peer of an outbound SA moved (RFC 7296 2.23): its ESP goes to peer
 * (address and port) from the UDP socket sock (registered). -ENOENT if
 * either is unknown. */
int dp_sa_set_peer(struct dataplane *dp, uint32_t spi, const struct sockaddr_storage *peer,
		   int sock);
/* Remove by SPI (inbound: ours; outbound: the peer's). -ENOENT if unknown. */
int dp_sa_remove(struct dataplane *dp, bool inbound, uint32_t spi);
int dp_sa_get_stats(struct dataplane *dp, bool inbound, uint32_t spi, struct dp_sa_stats *out);

/* Drops not tied to an SA (unknown SPI, malformed, no outbound SA for the
 * tunnel), then how often the offloads were used: TUN super-packets cut into
 * segments (tso_split), TUN writes that carried several coalesced segments
 * (gro_written), UDP GSO sends of several ESP packets (gso_sent) and UDP
 * GRO trains received (gro_received). */
struct dp_global_stats {
	uint64_t drop_unknown_spi, drop_malformed, drop_no_sa, keepalives_rx;
	uint64_t tso_split, gro_written, gso_sent, gro_received;
};
void dp_get_global_stats(struct dataplane *dp, struct dp_global_stats *out);

#endif
