/* SPDX-License-Identifier: Apache-2.0 */
/* Data plane internals shared by dataplane.c, dataplane/sa_table.c, dataplane/sockets.c, dataplane/loop.c,
 * dataplane/rx.c and dataplane/tx.c.  Not for other modules: they use dataplane.h.
 *
 * Locking: every table below is read under dp->lock held for reading (the
 * two data threads, per packet) and changed under it held for writing (the
 * control calls).  An SA's esp state and counters are touched only by the
 * direction's work that owns it (inbound: rx, outbound: tx; the thread
 * holding dp->work[] of that direction) while it holds the read lock; control calls that read counters take the write lock, so
 * they never see a half-updated packet. */
#ifndef MCVPN_DP_PRIV_H
#define MCVPN_DP_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "daemon/dataplane/dataplane.h"
#include "daemon/dataplane/esp.h"

#define DP_SA_BUCKETS	256
/* Largest UDP payload; an inner packet plus ESP overhead never exceeds it. */
#define DP_MAX_DATAGRAM	65535
#define DP_MAX_INNER	(DP_MAX_DATAGRAM - ESP_HEADROOM - ESP_TAILROOM)
#define DP_BUF_LEN	(DP_MAX_DATAGRAM + ESP_TAILROOM)
/* Packets (TUN reads, UDP receive batches) handled per readiness event
 * before going back to epoll, so one busy fd cannot starve the others. */
#define DP_BUDGET	64
/* A TUN read: the virtio_net_hdr (10 or 12 bytes) and up to a 64 KB
 * super-packet (IPv6: 64 KB payload after the 40-byte header). */
#define DP_TUN_READ_LEN	(65535 + 40 + 16)
/* UDP datagrams per recvmmsg; each may be a GRO train of up to 64 KB. */
#define DP_RX_BATCH	16
/* One UDP GSO send: at most this many ESP packets (the kernel takes 64 on
 * every version with UDP_SEGMENT) and bytes (a UDP payload over IPv6). */
#define DP_TRAIN_SEGS	64
#define DP_TRAIN_BYTES	(65535 - 40 - 8)
/* The train buffer: a full train plus room to encapsulate one more packet. */
#define DP_TRAIN_BUF	(DP_TRAIN_BYTES + DP_BUF_LEN)
/* epoll tag of the stop eventfd (tunnel ids and fds never reach it). */
#define DP_EV_STOP	UINT64_MAX
/* The two directions, index of dataplane.work[]. */
#define DP_RX		0
#define DP_TX		1

struct dp_sa {
	struct dp_sa *next;		/* hash chain */
	struct esp_sa *esp;		/* owned */
	bool inbound;
	int tunnel;
	int sock;			/* outbound: registered UDP fd */
	struct sockaddr_storage peer;	/* outbound */
	socklen_t peer_len;
	struct dp_sa_stats stats;
	uint32_t elsewhere_at;		/* inbound, rx work: monotonic second of the last
					 * "ESP from elsewhere" report (dataplane/rx.c) */
};

struct dp_tunnel {
	struct dp_tunnel *next;
	int id;
	int fd;				/* borrowed TUN fd */
	size_t vnet_len;		/* IFF_VNET_HDR: the header before each packet
					 * (offloads on: TSO/USO reads, GSO writes); 0 none */
	struct dp_sa *out;		/* current outbound SA (in dp->out); NULL none */
	uint16_t mss4, mss6;		/* mss-clamp=: the largest MSS of a TCP SYN through
					 * the tunnel, either way; 0 none (dp_mss.h) */
	int probe_fd;			/* borrowed: echo replies with probe_ident are
					 * copied here (dataplane/rx.c); -1 none */
	uint16_t probe_ident;
};

struct dp_sock {
	struct dp_sock *next;
	int fd;				/* borrowed UDP socket */
	int ike_fd;			/* owned: our end of the IKE socketpair */
	bool no_gso;			/* UDP_SEGMENT refused here (set by the tx work)
				 * or MCVPN_DP_OFF=gso */
	struct sockaddr_storage local;	/* getsockname(): family and port */
};

/* MCVPN_DP_OFF, a benchmark aid (ARCHITECTURE.md, "The data path"): a list of the
 * offloads to leave off, read once by dp_new. */
#define DP_OFF_TSO	1u	/* "tso": no TUNSETOFFLOAD (vnet header kept) */
#define DP_OFF_COALESCE	2u	/* "coalesce": TUN writes packet by packet */
#define DP_OFF_GSO	4u	/* "gso": no UDP_SEGMENT, one datagram each */
#define DP_OFF_GRO	8u	/* "gro": no UDP_GRO on the sockets */
#define DP_OFF_BUFS	16u	/* "bufs": default socket buffers */

struct dataplane {
	pthread_rwlock_t lock;
	unsigned off;			/* DP_OFF_*, fixed after dp_new */
	struct dp_sa *in[DP_SA_BUCKETS];	/* by our SPI */
	struct dp_sa *out[DP_SA_BUCKETS];	/* by the peer's SPI */
	struct dp_tunnel *tunnels;
	struct dp_sock *socks;
	struct dp_global_stats stats;	/* tx work: drop_no_sa, tso_split, gso_sent;
					 * rx work: the others; drop_malformed both:
					 * DP_STAT_ADD for all of them */
	int rx_epoll, tx_epoll;		/* owned */
	/* DP_RX, DP_TX: whoever holds it does that direction's work and owns
	 * its buffers and counters (normally its thread; dataplane/loop.c) */
	pthread_mutex_t work[2];
	uint64_t spin_ns;		/* busy-poll window after work; 0 none */
	int stop_fd;			/* owned eventfd, in both epoll sets */
	pthread_t rx_thread, tx_thread;
	bool rx_running, tx_running;
	/* owned, per thread: rx_buf DP_RX_BATCH * DP_BUF_LEN, gro the rx
	 * thread's coalescing state; tx_buf DP_TUN_READ_LEN, train DP_TRAIN_BUF */
	uint8_t *rx_buf, *tx_buf, *train;
	struct dp_gro *gro;
};

/* A global counter: the rx and tx work (different threads, different work
 * locks, both under the read lock) may add to the same one; readers take the
 * write lock. */
#define DP_STAT_ADD(dp, field, n) \
	__atomic_fetch_add(&(dp)->stats.field, (uint64_t)(n), __ATOMIC_RELAXED)

/* Lookups: the caller holds dp->lock (either mode). NULL when absent. */
struct dp_sa *dp_sa_find(struct dataplane *dp, bool inbound, uint32_t spi);
struct dp_tunnel *dp_tunnel_find(struct dataplane *dp, int id);
struct dp_sock *dp_sock_find(struct dataplane *dp, int fd);

/* Teardown helpers for dp_free (threads already stopped, no lock needed). */
void dp_sa_free_all(struct dataplane *dp);
void dp_sock_free_all(struct dataplane *dp);

/* Count good packets on sa: inner bytes, packets, last_packet. */
void dp_sa_count(struct dp_sa *sa, size_t inner_bytes, unsigned packets);

/* The TUN's offloads: vnet header length (0: a plain fd, e.g. a socketpair
 * in tests, or a TUN without IFF_VNET_HDR). */
size_t dp_tun_offloads(const struct dataplane *dp, int fd);

/* One direction's work for one readiness event: a UDP socket's datagrams
 * (rx) or a tunnel's packets (tx).  The caller holds that direction's
 * work lock (dataplane/loop.c). */
void dp_rx_drain(struct dataplane *dp, int fd);
void dp_tx_drain(struct dataplane *dp, int id);

/* Thread bodies (dataplane/loop.c): arg is the struct dataplane. */
void *dp_rx_main(void *arg);
void *dp_tx_main(void *arg);

#endif
