/* SPDX-License-Identifier: Apache-2.0 */
/* The IKE/ESP UDP sockets: ports 500 and 4500 per local address.  Port 500
 * is read on the control loop; port 4500 belongs to the data plane, which
 * hands IKE messages (non-ESP marker) back through a socketpair. */
#ifndef MCVPN_UDP_H
#define MCVPN_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct dataplane;
struct event;
struct event_base;

struct udp;
struct udp_sock {
	struct udp *u;			/* back pointer to the owner */
	struct sockaddr_storage addr;	/* local address, port 0 */
	int fd500, fd4500;		/* owned */
	int ike4500;			/* owned: IKE messages from the data plane */
	struct event *ev500, *ev4500;	/* owned */
};

#define UDP_MAX_SOCKS 16

/* Received IKE message: the engine's entry point signature. */
typedef void (*udp_recv_fn)(void *arg, const struct sockaddr_storage *local,
			    const struct sockaddr_storage *remote, bool natt, const uint8_t *msg,
			    size_t len);

/* The data plane's report of authentic ESP from elsewhere (dp_ike_hdr). */
typedef void (*udp_elsewhere_fn)(void *arg, uint32_t spi_in, const struct sockaddr_storage *local,
				 const struct sockaddr_storage *remote);

struct udp {
	struct event_base *base;	/* borrowed */
	struct dataplane *dp;		/* borrowed */
	udp_recv_fn recv;
	udp_elsewhere_fn elsewhere;	/* may be NULL */
	void *arg;
	struct udp_sock socks[UDP_MAX_SOCKS];
	size_t n;
};

void udp_init(struct udp *u, struct event_base *base, struct dataplane *dp, udp_recv_fn fn,
	      void *arg);
/* Sockets for this local address (shared by conns); mark != 0 sets SO_MARK.
 * Returns the socket set or NULL with the reason logged. */
struct udp_sock *udp_open(struct udp *u, const struct sockaddr_storage *local, uint32_t mark);
struct udp_sock *udp_find(struct udp *u, const struct sockaddr_storage *local);
void udp_close_all(struct udp *u);

/* One NAT-T keepalive (RFC 3948 2.3: a byte 0xFF) from local's port 4500. */
int udp_send_keepalive(struct udp *u, const struct sockaddr_storage *local,
		       const struct sockaddr_storage *remote);
/* Send an IKE message from local (port 500 or 4500 by natt) to remote. */
int udp_send_ike(struct udp *u, const struct sockaddr_storage *local,
		 const struct sockaddr_storage *remote, bool natt, const uint8_t *msg, size_t len);

#endif
