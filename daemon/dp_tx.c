/* The sending thread: TUN -> ESP -> UDP.  A packet leaves only encrypted
 * under the tunnel's current outbound SA; without one it is dropped. */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "daemon/dp_priv.h"
#include "daemon/log.h"

/* Next header from the inner packet's IP version (len > 0); 0 when neither. */
static uint8_t tx_next_header(const uint8_t *pkt)
{
	switch (pkt[0] >> 4) {
	case 4:
		return ESP_NH_IPV4;
	case 6:
		return ESP_NH_IPV6;
	default:
		return 0;
	}
}

/* buf[ESP_HEADROOM .. ESP_HEADROOM + len) holds the packet read from t. */
static void tx_packet(struct dataplane *dp, struct dp_tunnel *t, uint8_t *buf, size_t len)
{
	struct dp_sa *sa = t->out;
	uint8_t nh = tx_next_header(buf + ESP_HEADROOM);
	size_t esp_len;
	ssize_t sent;

	if (!sa) {
		dp->stats.drop_no_sa++;
		return;
	}
	if (!nh || !dp_sock_find(dp, sa->sock) ||
	    esp_sa_encap(sa->esp, buf, DP_BUF_LEN, len, nh, &esp_len) != ESP_OK) {
		sa->stats.drop_other++;
		return;
	}
	sent = sendto(sa->sock, buf, esp_len, MSG_DONTWAIT | MSG_NOSIGNAL,
		      (struct sockaddr *)&sa->peer, sa->peer_len);
	if (sent != (ssize_t)esp_len)
		sa->stats.drop_other++;
	else
		dp_sa_count(sa, len);
}

/* A TUN fd that reports EOF or a hard error (its interface was deleted)
 * stays readable forever: take it out of the epoll set instead of spinning.
 * dp_tunnel_remove() still frees it. */
static void tx_tunnel_broken(struct dataplane *dp, struct dp_tunnel *t, ssize_t n)
{
	log_warn("data plane: tunnel %d: %s; no longer read", t->id,
		 n == 0 ? "end of file" : strerror(errno));
	epoll_ctl(dp->tx_epoll, EPOLL_CTL_DEL, t->fd, NULL);
}

/* Up to DP_BUDGET packets from one tunnel, each under the read lock (the
 * tunnel may be removed and its fd closed between two of them). */
static void tx_drain(struct dataplane *dp, int id)
{
	uint8_t *buf = dp->tx_buf;

	for (int i = 0; i < DP_BUDGET; i++) {
		struct dp_tunnel *t;
		ssize_t n = -1;

		pthread_rwlock_rdlock(&dp->lock);
		t = dp_tunnel_find(dp, id);
		if (t)
			n = read(t->fd, buf + ESP_HEADROOM, DP_MAX_INNER);
		if (n > 0)
			tx_packet(dp, t, buf, (size_t)n);
		else if (t && (n == 0 || (errno != EAGAIN && errno != EINTR)))
			tx_tunnel_broken(dp, t, n);
		pthread_rwlock_unlock(&dp->lock);
		if (n <= 0)
			return;
	}
}

void *dp_tx_main(void *arg)
{
	struct dataplane *dp = arg;
	struct epoll_event ev[16];

	for (;;) {
		int n = epoll_wait(dp->tx_epoll, ev, 16, -1);

		if (n < 0 && errno != EINTR) {
			log_err("data plane: tx epoll_wait: %s", strerror(errno));
			return NULL;
		}
		for (int i = 0; i < n; i++) {
			if (ev[i].data.u64 == DP_EV_STOP)
				return NULL;
			tx_drain(dp, (int)(uint32_t)ev[i].data.u64);
		}
	}
}
