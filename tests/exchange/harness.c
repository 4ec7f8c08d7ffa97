/* SPDX-License-Identifier: Apache-2.0 */
/* The two-engine test network: queue, NAT translation, recorded io
 * callbacks with a fake data plane, virtual time, log capture.  See harness.h. */
#include "harness.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "crypto/secret.h"
#include "daemon/ikemsg/sk.h"

#define STEP_MS 10
#define RUN_MAX_DELIVERIES 2000

/* ---- virtual time ----
 * libevent (and anything else in this process) reads the clocks through
 * clock_gettime, and the engine stamps SAs with time(); these definitions in
 * the executable take precedence over libc's.  Every clock stands still at its
 * first reading, cut to a whole second so that time() ticks at the same
 * virtual instants in every run, plus virt_ns. */
static int64_t virt_ns;
static int64_t wall_shift_s;	/* net_wall_shift */
static struct timespec mono_base, wall_base;
static bool mono_set, wall_set;
bool net_real_realtime;

static int frozen(clockid_t real, struct timespec *base, bool *set, struct timespec *ts)
{
	if (!*set) {
		if (syscall(SYS_clock_gettime, real, base))
			return -1;
		base->tv_nsec = 0;
		*set = true;
	}
	int64_t ns = base->tv_nsec + virt_ns;
	ts->tv_sec = base->tv_sec + (time_t)(ns / 1000000000);
	ts->tv_nsec = (long)(ns % 1000000000);
	return 0;
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
	switch (clk) {
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_BOOTTIME:
		return frozen(CLOCK_MONOTONIC, &mono_base, &mono_set, ts);
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		if (!net_real_realtime) {
			int r = frozen(CLOCK_REALTIME, &wall_base, &wall_set, ts);
			ts->tv_sec += (time_t)wall_shift_s;
			return r;
		}
		break;
	default:
		break;
	}
	return (int)syscall(SYS_clock_gettime, clk, ts);
}

time_t time(time_t *t)
{
	struct timespec ts;
	time_t now = frozen(CLOCK_REALTIME, &wall_base, &wall_set, &ts) ? (time_t)-1
									: ts.tv_sec + (time_t)wall_shift_s;
	if (t)
		*t = now;
	return now;
}

void net_wall_shift(int64_t seconds)
{
	wall_shift_s = seconds;
}

void net_clock_rewind(void)
{
	virt_ns = 0;
}

uint64_t net_now_ms(void)
{
	return (uint64_t)(virt_ns / 1000000);
}

/* ---- addresses ---- */

static void set_addr(struct sockaddr_storage *ss, const char *ip)
{
	struct sockaddr_in *s = (struct sockaddr_in *)ss;
	memset(ss, 0, sizeof(*ss));
	s->sin_family = AF_INET;
	inet_pton(AF_INET, ip, &s->sin_addr);
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static bool same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	return a->ss_family == AF_INET && b->ss_family == AF_INET &&
	       ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
}

static struct sockaddr_storage with_port(const struct sockaddr_storage *ip, uint16_t port)
{
	struct sockaddr_storage r = *ip;
	((struct sockaddr_in *)&r)->sin_port = htons(port);
	return r;
}

/* ---- queues ---- */

static int push(struct pkt **arr, size_t *n, size_t *cap, const struct pkt *p)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct pkt *na = realloc(*arr, nc * sizeof(*na));
		if (!na)
			return -1;
		*arr = na;
		*cap = nc;
	}
	(*arr)[(*n)++] = *p;
	return 0;
}

static struct pkt pop_at(struct pkt *arr, size_t *n, size_t i)
{
	struct pkt p = arr[i];
	memmove(arr + i, arr + i + 1, (*n - i - 1) * sizeof(*arr));
	(*n)--;
	return p;
}

static uint8_t *dup_buf(const uint8_t *b, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);
	if (c)
		memcpy(c, b, len);
	return c;
}

/* ---- io callbacks ---- */

static void dp_error(struct side *s, const char *what, const struct child_sa *c)
{
	if (!s->dp_errors++)
		snprintf(s->dp_error, sizeof(s->dp_error), "%s (Child SA #%u, SPIs %08x in / %08x out)",
			 what, c ? c->serial : 0, c ? c->spi_in : 0, c ? c->spi_out : 0);
}

static struct io_rec *io_note(struct side *s, enum io_kind kind, const struct child_sa *c,
			      const char *why)
{
	if (s->n_io == SIDE_MAX_REC) {
		dp_error(s, "more io callbacks than the harness records", c);
		return NULL;
	}
	struct io_rec *r = &s->io[s->n_io++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	if (c) {
		r->spi_in = c->spi_in;
		r->spi_out = c->spi_out;
	}
	if (why)
		snprintf(r->why, sizeof(r->why), "%s", why);
	r->ms = net_now_ms();
	r->gseq = ++s->net->io_seq;
	r->out_before = s->dp_out;
	r->out_after = s->dp_out;	/* updated once the call has had its effect */
	return r;
}

static int inst_index(const struct side *s, uint32_t spi_in)
{
	for (unsigned i = 0; i < s->n_inst; i++)
		if (s->inst_in[i] == spi_in)
			return (int)i;
	return -1;
}

/* After a data plane call on s: does either tunnel send on an SPI the other
 * side has not installed inbound? */
static void blackhole_check(struct side *s, struct io_rec *r)
{
	struct net *n = s->net;

	if (r)
		r->out_after = s->dp_out;
	for (int i = 0; i < 2; i++) {
		const struct side *x = &n->s[i], *peer = &n->s[!i];
		if (!x->dp_out || inst_index(peer, x->dp_out) >= 0)
			continue;
		if (!n->blackholes++)
			snprintf(n->blackhole, sizeof(n->blackhole),
				 "at %llu ms, after %s's %c call #%u: %s sends on SPI %08x, which %s "
				 "has not installed inbound",
				 (unsigned long long)net_now_ms(), s->name, r ? (char)r->kind : '?',
				 r ? r->gseq : 0, x->name, x->dp_out, peer->name);
	}
}

static int io_send(void *arg, const struct sockaddr_storage *local,
		   const struct sockaddr_storage *remote, bool natt, const uint8_t *msg, size_t len)
{
	struct side *s = arg;
	struct net *n = s->net;
	struct pkt p = { .from = s->idx, .src = *local, .dst = *remote, .natt = natt, .len = len };
	struct ike_msg m;

	p.buf = dup_buf(msg, len);
	p.sent_ms = net_now_ms();
	p.seq = (unsigned)n->ntrace + 1;
	if (ike_msg_parse_header(msg, len, &m) == IKE_OK)
		p.hdr = m.hdr;
	struct pkt t = p;
	t.buf = dup_buf(msg, len);
	if (!p.buf || !t.buf || push(&n->trace, &n->ntrace, &n->captrace, &t) ||
	    push(&n->q, &n->nq, &n->capq, &p)) {
		n->send_fail++;
		return -1;
	}
	return 0;
}

static bool side_conn(const struct side *s, const struct conn *c)
{
	return c == &s->conn || (s->n_conns == 2 && c == &s->conn2);
}

static int io_child_up(void *arg, struct conn *conn, const struct child_sa *c)
{
	struct side *s = arg;

	if (!side_conn(s, conn))
		s->wrong_conn++;
	struct io_rec *rec = io_note(s, IO_UP, c, NULL);
	if (rec)
		rec->standby = c->out_standby;
	if (inst_index(s, c->spi_in) >= 0 || s->n_inst == SIDE_MAX_REC ||
	    s->n_up == SIDE_MAX_REC || !c->key_in || !c->key_out ||
	    c->key_in->len > sizeof(s->up[0].key_in) || c->key_out->len > sizeof(s->up[0].key_out)) {
		/* the real data plane refuses a duplicate SPI (-EEXIST) */
		dp_error(s, inst_index(s, c->spi_in) >= 0 ? "child_up of an installed SPI"
							  : "child_up the harness cannot record", c);
		return -1;
	}
	struct child_rec *r = &s->up[s->n_up++];
	memset(r, 0, sizeof(*r));
	r->serial = c->serial;
	r->spi_in = c->spi_in;
	r->spi_out = c->spi_out;
	r->encr = c->encr;
	r->encr_keybits = c->encr_keybits;
	r->integ = c->integ;
	r->key_in_len = c->key_in->len;
	r->key_out_len = c->key_out->len;
	memcpy(r->key_in, c->key_in->buf, c->key_in->len);
	memcpy(r->key_out, c->key_out->buf, c->key_out->len);
	r->ike_spii = c->ike ? c->ike->spii : 0;
	s->esp_port = c->ike ? port_of(&c->ike->remote) : 0;
	r->ike_spir = c->ike ? c->ike->spir : 0;
	r->ms = net_now_ms();
	s->inst_in[s->n_inst] = c->spi_in;
	s->inst_out[s->n_inst++] = c->spi_out;
	/* an added outbound SA becomes the current one, unless on standby */
	if (!c->out_standby)
		s->dp_out = c->spi_out;
	blackhole_check(s, rec);
	return 0;
}

static void io_child_down(void *arg, struct conn *conn, const struct child_sa *c)
{
	struct side *s = arg;
	int i = inst_index(s, c->spi_in);

	if (!side_conn(s, conn))
		s->wrong_conn++;
	struct io_rec *rec = io_note(s, IO_DOWN, c, NULL);
	s->n_down++;
	if (i < 0) {
		dp_error(s, "child_down of an SA that is not installed", c);
		return;
	}
	s->inst_in[i] = s->inst_in[s->n_inst - 1];
	s->inst_out[i] = s->inst_out[s->n_inst - 1];
	s->n_inst--;
	if (s->dp_out == c->spi_out)
		s->dp_out = 0;
	blackhole_check(s, rec);
}

static void io_child_prefer(void *arg, struct conn *conn, const struct child_sa *c)
{
	struct side *s = arg;

	if (!side_conn(s, conn))
		s->wrong_conn++;
	struct io_rec *rec = io_note(s, IO_PREFER, c, NULL);
	s->n_prefer++;
	if (inst_index(s, c->spi_in) < 0) {
		dp_error(s, "child_prefer of an SA that is not installed", c);	/* -ENOENT */
		return;
	}
	s->dp_out = c->spi_out;
	blackhole_check(s, rec);
}

static double io_child_idle(void *arg, struct conn *conn, const struct child_sa *c)
{
	struct side *s = arg;
	const struct side *peer = &s->net->s[!s->idx];

	if (!side_conn(s, conn))
		s->wrong_conn++;
	s->n_idle_calls++;
	if (inst_index(s, c->spi_in) < 0)
		return 1e9;	/* nothing arrives on an SA that is not installed */
	if (s->traffic && peer->dp_out == c->spi_in)
		return 0;
	double since = s->has_last_packet ? (double)(net_now_ms() - s->last_packet_ms) / 1000 : 1e9;
	return since < s->idle_s ? since : s->idle_s;
}

static uint64_t io_child_sent(void *arg, struct conn *conn, const struct child_sa *c)
{
	struct side *s = arg;

	if (!side_conn(s, conn))
		s->wrong_conn++;
	return c->spi_out == s->sent_spi ? s->sent_packets : 0;
}

void side_packet_now(struct side *s)
{
	s->last_packet_ms = net_now_ms();
	s->has_last_packet = true;
}

static void io_peer_moved(void *arg, struct conn *conn, const struct ike_sa *sa)
{
	struct side *s = arg;

	if (!side_conn(s, conn))
		s->wrong_conn++;
	s->n_moved++;
	s->esp_port = port_of(&sa->remote);
}

static int io_send_keepalive(void *arg, struct conn *conn, const struct sockaddr_storage *local,
			     const struct sockaddr_storage *remote)
{
	struct side *s = arg;

	if (!side_conn(s, conn))
		s->wrong_conn++;

	if (!same_ip(local, &s->priv) || !same_ip(remote, &s->net->s[!s->idx].pub))
		s->net->misrouted++;
	if (s->n_keepalives < sizeof(s->keepalive_ms) / sizeof(s->keepalive_ms[0]))
		s->keepalive_ms[s->n_keepalives] = net_now_ms();
	s->n_keepalives++;
	return 0;
}

static void io_conn_down(void *arg, struct conn *conn, const struct ike_down *down)
{
	const char *why = down->why;
	struct side *s = arg;

	if (!side_conn(s, conn))
		s->wrong_conn++;
	io_note(s, IO_CONN_DOWN, NULL, why);
	s->n_conn_down++;
	s->fails[down->fail < IKE_FAIL_COUNT ? down->fail : IKE_FAIL_NONE]++;
	snprintf(s->conn_down_why, sizeof(s->conn_down_why), "%s", why ? why : "(null)");
	s->conn_down_ms = net_now_ms();
	/* as conn.c: a dead peer's dpdaction=clear|hold waits for the peer */
	if (down->wait_for_peer)
		conn->hold = true;
	if (down->again_soon)
		conn->retries = 0;
	if (s->net->retry_ms && s->conn.cfg->autostart == CONF_AUTO_START && !s->retry_at_ms &&
	    !conn->hold)
		s->retry_at_ms = s->conn_down_ms + s->net->retry_ms;
}

/* As conn.c: count the rekeys by kind and by what started them. */
static void io_conn_rekeyed(void *arg, struct conn *conn, const struct ike_rekeyed *r)
{
	struct side *s = arg;

	if (!side_conn(s, conn) || (unsigned)r->what > IKE_REKEY_IKE ||
	    (unsigned)r->by >= IKE_REKEY_BY_COUNT) {
		s->wrong_conn++;
		return;
	}
	s->rekeys[r->what][r->by]++;
}

/* conn.c's retry, reduced: initiate again if still without an IKE SA. */
static void retries_due(struct net *n)
{
	for (int i = 0; i < 2; i++) {
		struct side *s = &n->s[i];
		if (!s->retry_at_ms || net_now_ms() < s->retry_at_ms)
			continue;
		s->retry_at_ms = 0;
		if (!s->conn.ike) {
			s->n_retries++;
			ike_engine_initiate(&s->eng, &s->conn);
		}
	}
}

/* ---- set-up ---- */

#define DEFAULT_PSK "exchange-test: a pre-shared key of decent length 0123456789"

/* One conn's text at text + len; the new length. */
static int conn_text(char *text, size_t cap, int len, const char *name, const char *vti,
		     const struct side_opts *o, const char *left, const char *leftid,
		     const char *right)
{
	len += snprintf(text + len, cap - (size_t)len,
		       "conn %s\n"
		       "    left=%s\n    leftid=%s\n    right=%s\n"
		       "    authby=%s\n    auto=%s\n    vti-interface=%s\n    vti-routing=no\n"
		       "    ike=%s\n    phase2alg=%s\n    encapsulation=yes\n%s%s%s",
		       name, left, o && o->leftid ? o->leftid : leftid, right,
		       o && o->authby ? o->authby : "secret",
		       o && o->autostart ? o->autostart : "start", vti,
		       o && o->ike ? o->ike : "aes_cbc256-sha2_384;modp1536",
		       o && o->esp ? o->esp : "aes_gcm256;modp1536",
		       o && o->rightid ? "    rightid=" : "", o && o->rightid ? o->rightid : "",
		       o && o->rightid ? "\n" : "");
	if (o && o->leftsubnet)
		len += snprintf(text + len, cap - (size_t)len, "    leftsubnet=%s\n",
				o->leftsubnet);
	if (o && o->rightsubnet)
		len += snprintf(text + len, cap - (size_t)len, "    rightsubnet=%s\n",
				o->rightsubnet);
	for (const char *e = o ? o->extra : NULL; e && *e && len < (int)cap;) {
		size_t l = strcspn(e, "\n");
		len += snprintf(text + len, cap - (size_t)len, "    %.*s\n", (int)l, e);
		e += l + (e[l] == '\n');
	}
	return len;
}

static int side_load(struct side *s, const struct side_opts *o, const char *left,
		     const char *leftid, const char *right)
{
	char text[4096], secrets[512], name2[8];
	struct conf_diag diag = { 0 };
	int len = conn_text(text, sizeof(text), 0, s->name, "vti1", o, left, leftid, right);

	s->n_conns = o && o->conn2 ? 2 : 1;
	if (s->n_conns == 2) {
		snprintf(name2, sizeof(name2), "%s2", s->name);
		len = conn_text(text, sizeof(text), len, name2, "vti2", o->conn2, left, leftid,
				right);
	}
	if (len >= (int)sizeof(text))
		return -1;
	snprintf(secrets, sizeof(secrets), "203.0.113.20 198.51.100.10 : PSK \"%s\"\n%s",
		 o && o->psk ? o->psk : DEFAULT_PSK, o && o->secrets2 ? o->secrets2 : "");
	if (conf_load_text(s->name, text, "test.secrets", secrets, &s->conf, &diag) ||
	    s->conf->n_conns != s->n_conns) {
		fprintf(stderr, "config of side %s does not load:\n", s->name);
		for (size_t i = 0; i < diag.n; i++)
			fprintf(stderr, "  %s\n", diag.msgs[i]);
		conf_diag_free(&diag);
		return -1;
	}
	conf_diag_free(&diag);
	return 0;
}

static void side_init(struct net *n, int idx)
{
	struct side *s = &n->s[idx];
	struct ike_io io = {
		.arg = s, .send = io_send, .child_up = io_child_up, .child_down = io_child_down,
		.child_prefer = io_child_prefer, .child_idle = io_child_idle,
		.child_sent = io_child_sent,
		.conn_down = io_conn_down,
		.conn_rekeyed = io_conn_rekeyed,
		.peer_moved = io_peer_moved,
		.send_keepalive = io_send_keepalive,
	};

	s->conn.cfg = &s->conf->conns[0];
	s->conn.tun_fd = -1;
	s->conns[0] = &s->conn;
	if (s->n_conns == 2) {
		s->conn2.cfg = &s->conf->conns[1];
		s->conn2.tun_fd = -1;
		s->conns[1] = &s->conn2;
	}
	s->idle_s = 1e9;
	ike_engine_init(&s->eng, n->base, &io);
	ike_engine_set_conns(&s->eng, s->conns, s->n_conns);
}

int net_init(struct net *n, const struct side_opts *a, const struct side_opts *b)
{
	memset(n, 0, sizeof(*n));
	n->s[SIDE_A] = (struct side){ .net = n, .idx = SIDE_A, .name = "A" };
	n->s[SIDE_B] = (struct side){ .net = n, .idx = SIDE_B, .name = "B" };
	set_addr(&n->s[SIDE_A].priv, "10.3.1.200");
	set_addr(&n->s[SIDE_A].pub, "198.51.100.10");
	set_addr(&n->s[SIDE_B].priv, "10.106.1.200");
	set_addr(&n->s[SIDE_B].pub, "203.0.113.20");
	n->rng = 1;
	n->base = event_base_new();
	if (!n->base ||
	    side_load(&n->s[SIDE_A], a, "10.3.1.200", "198.51.100.10", "203.0.113.20") ||
	    side_load(&n->s[SIDE_B], b, "10.106.1.200", "203.0.113.20", "198.51.100.10")) {
		net_free(n);
		return -1;
	}
	side_init(n, SIDE_A);
	side_init(n, SIDE_B);
	return 0;
}

static void free_pkts(struct pkt *arr, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(arr[i].buf);
	free(arr);
}

void net_free(struct net *n)
{
	for (int i = 0; i < 2; i++) {
		if (n->s[i].eng.base)
			ike_engine_clear(&n->s[i].eng);
		conf_free(n->s[i].conf);
	}
	free_pkts(n->q, n->nq);
	free_pkts(n->held, n->nheld);
	free_pkts(n->trace, n->ntrace);
	if (n->base)
		event_base_free(n->base);
	memset(n, 0, sizeof(*n));
}

void side_restart(struct net *n, int side)
{
	struct side *s = &n->s[side];

	ike_engine_clear(&s->eng);
	s->conn.ike = NULL;
	s->n_inst = 0;
	s->dp_out = 0;
	s->retry_at_ms = 0;
}

int net_initiate(struct net *n, int side)
{
	return ike_engine_initiate(&n->s[side].eng, &n->s[side].conn);
}

void net_inject(struct net *n, int from, bool natt, const uint8_t *buf, size_t len)
{
	uint16_t port = natt ? IKE_NATT_PORT : IKE_PORT;
	struct sockaddr_storage src = with_port(&n->s[from].priv, port);
	struct sockaddr_storage dst = with_port(&n->s[!from].pub, port);

	io_send(&n->s[from], &src, &dst, natt, buf, len);
}

static void clock_probe(evutil_socket_t fd, short what, void *arg)
{
	*(bool *)arg = true;
}

bool net_clock_works(void)
{
	struct event_base *b = event_base_new();
	bool fired = false, early = false;
	struct event *ev = b ? evtimer_new(b, clock_probe, &fired) : NULL;
	struct timeval tv = { 5, 0 };

	if (!ev || evtimer_add(ev, &tv))
		goto out;
	for (int i = 0; i < 499; i++) {
		virt_ns += 10000000;
		event_base_loop(b, EVLOOP_NONBLOCK);
	}
	early = fired;
	virt_ns += 20000000;
	event_base_loop(b, EVLOOP_NONBLOCK);
out:
	if (ev)
		event_free(ev);
	if (b)
		event_base_free(b);
	return fired && !early;
}

bool net_test_start(void)
{
	log_init(true, LOG_DEBUG);
	if (net_clock_works())
		return true;
	fprintf(stderr, "the virtual clock does not drive libevent: clock_gettime() in "
			"harness.c was not used\n");
	return false;
}

/* ---- decoding a message with the receiver's keys ---- */

static struct ike_sa *sa_by_spis(const struct side *s, uint64_t spii, uint64_t spir)
{
	for (struct ike_sa *sa = s->eng.sas; sa; sa = sa->next)
		if (sa->state != IKE_S_DEAD && sa->spii == spii && sa->spir == spir &&
		    sa->keys.sk_ei)
			return sa;
	return NULL;
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void view_fill(struct pkt_view *v, const struct ike_msg *m)
{
	v->ke_group = m->ke.kind;
	v->n_notify = 0;
	for (unsigned i = 0; i < m->n_notify && i < NET_MAX_NOTIFY; i++)
		v->notify[v->n_notify++] = m->notify[i].type;
	v->n_delete = m->n_delete;
	v->delete_proto = m->n_delete ? m->del[0].protocol : 0;
	if (m->n_delete && m->del[0].protocol == PROTO_ESP && m->del[0].n_spi &&
	    m->del[0].spi_size == 4)
		v->delete_spi = get_u32(m->del[0].spis);
	if (((m->outer | m->inner) & PL_BIT(PL_NONCE)) && m->nonce.len <= sizeof(v->nonce)) {
		memcpy(v->nonce, m->nonce.data, m->nonce.len);
		v->nonce_len = m->nonce.len;
	}
	for (unsigned i = 0; i < m->n_notify; i++)
		if (m->notify[i].type == N_REKEY_SA && m->notify[i].spi_size == 4)
			v->rekey_spi = get_u32(m->notify[i].spi);
}

static void decode(const struct side *to, struct pkt *p)
{
	static struct ike_msg m;
	static uint8_t plain[IKE_MAX_MSG];
	struct pkt_view *v = &p->view;
	size_t n = 0;

	memset(v, 0, sizeof(*v));
	if (ike_msg_parse_header(p->buf, p->len, &m) || ike_msg_parse_payloads(&m))
		return;
	v->parsed = true;
	v->outer = m.outer;
	v->first_payload = m.hdr.next;
	if (!(m.outer & PL_BIT(PL_SK))) {
		v->opened = true;
		view_fill(v, &m);
		return;
	}
	struct ike_sa *sa = sa_by_spis(to, m.hdr.spii, m.hdr.spir);
	struct ike_crypt_keys k;
	if (!sa)
		return;
	ike_sa_keys_in(sa, &k);
	if (ike_crypt_open(&m, &k, plain, sizeof(plain), &n) ||
	    ike_msg_parse_inner(&m, plain, n))
		return;
	v->opened = true;
	v->inner = m.inner;
	view_fill(v, &m);
}

bool view_has_notify(const struct pkt_view *v, uint16_t type)
{
	for (unsigned i = 0; i < v->n_notify; i++)
		if (v->notify[i] == type)
			return true;
	return false;
}

/* ---- delivery ---- */

static void deliver(struct net *n, struct pkt *p)
{
	struct side *from = &n->s[p->from], *to = &n->s[!p->from];
	uint16_t want = p->natt ? IKE_NATT_PORT : IKE_PORT;

	if (!same_ip(&p->src, &from->priv) || !same_ip(&p->dst, &to->pub)) {
		n->misrouted++;
		return;
	}
	uint16_t sport = port_of(&p->src), dport = port_of(&p->dst);
	bool to_nat = p->natt && to->nat_port;
	if (sport != want || (dport != want && !to_nat))
		n->bad_ports++;
	if (to_nat && dport != to->nat_port) {
		n->nat_dropped++;	/* the receiver's NAT has no mapping for this port */
		return;
	}
	struct pkt *t = &n->trace[p->seq - 1];
	if (t->deliveries++ == 0) {
		decode(to, p);
		t->view = p->view;
	}
	/* the NATs: source to the sender's public address (and port, behind a
	 * port-translating NAT), destination to the receiver's own */
	if (p->natt && from->nat_port)
		sport = from->nat_port;
	struct sockaddr_storage src = with_port(&from->pub, sport);
	struct sockaddr_storage dst = with_port(&to->priv, to_nat ? IKE_NATT_PORT : dport);
	if (n->watch)
		n->watch(n, p, false, n->watch_arg);
	ike_receive(&to->eng, &dst, &src, p->natt, p->buf, p->len);
	if (n->watch)
		n->watch(n, p, true, n->watch_arg);
}

static size_t pick(struct net *n)
{
	switch (n->order) {
	case ORDER_LIFO:
		return n->nq - 1;
	case ORDER_RANDOM:
		n->rng = n->rng * 1103515245u + 12345u;
		return (n->rng >> 8) % n->nq;
	case ORDER_FIFO:
		break;
	}
	return 0;
}

static void loop_once(struct net *n)
{
	event_base_loop(n->base, EVLOOP_NONBLOCK);
}

/* What a verdict says, for a message taken out of the queue (owned by p). */
static void handle(struct net *n, struct pkt *p, enum verdict v)
{
	if (v == V_HOLD && push(&n->held, &n->nheld, &n->capheld, p) == 0)
		return;
	if (v == V_PASS || v == V_DUP)
		deliver(n, p);
	if (v == V_DUP)
		deliver(n, p);
	free(p->buf);
	loop_once(n);
}

void net_run(struct net *n)
{
	unsigned delivered = 0;

	loop_once(n);
	while (n->nq) {
		if (delivered++ == RUN_MAX_DELIVERIES) {
			n->storm++;
			return;
		}
		struct pkt p = pop_at(n->q, &n->nq, pick(n));
		handle(n, &p, n->hook ? n->hook(n, &p, n->hook_arg) : V_PASS);
	}
	loop_once(n);
}

bool net_step(struct net *n, size_t i, enum verdict v)
{
	if (i >= n->nq)
		return false;
	struct pkt p = pop_at(n->q, &n->nq, i);
	handle(n, &p, v);
	return true;
}

void net_tick(struct net *n, unsigned ms, unsigned step_ms)
{
	if (!step_ms)
		step_ms = STEP_MS;
	loop_once(n);
	for (unsigned t = 0; t < ms; t += step_ms) {
		virt_ns += (int64_t)step_ms * 1000000;
		retries_due(n);
		loop_once(n);
	}
}

void net_release(struct net *n)
{
	for (size_t i = 0; i < n->nheld; i++)
		if (push(&n->q, &n->nq, &n->capq, &n->held[i]))
			free(n->held[i].buf);
	n->nheld = 0;
}

void net_advance(struct net *n, unsigned ms)
{
	net_run(n);
	for (unsigned t = 0; t < ms; t += STEP_MS) {
		virt_ns += (int64_t)STEP_MS * 1000000;
		retries_due(n);
		net_run(n);
	}
}

bool net_run_until(struct net *n, bool (*cond)(struct net *n), unsigned max_ms)
{
	net_run(n);
	for (unsigned t = 0; t < max_ms && !cond(n); t += STEP_MS) {
		virt_ns += (int64_t)STEP_MS * 1000000;
		retries_due(n);
		net_run(n);
	}
	return cond(n);
}

/* ---- queries ---- */

unsigned side_n_live(const struct side *s)
{
	unsigned k = 0;
	for (struct ike_sa *sa = s->eng.sas; sa; sa = sa->next)
		k += sa->state != IKE_S_DEAD;
	return k;
}

struct ike_sa *side_live(const struct side *s, unsigned i)
{
	for (struct ike_sa *sa = s->eng.sas; sa; sa = sa->next)
		if (sa->state != IKE_S_DEAD && i-- == 0)
			return sa;
	return NULL;
}

const struct child_rec *side_up_rec(const struct side *s, uint32_t spi_in)
{
	for (unsigned i = 0; i < s->n_up; i++)
		if (s->up[i].spi_in == spi_in)
			return &s->up[i];
	return NULL;
}

bool side_installed(const struct side *s, uint32_t spi_in)
{
	return inst_index(s, spi_in) >= 0;
}

static bool matches(const struct pkt *p, int from, unsigned exchange, int response)
{
	bool r = p->hdr.flags & IKE_FLAG_R;
	return (from < 0 || p->from == from) && (!exchange || p->hdr.exchange == exchange) &&
	       (response < 0 || r == (response == 1));
}

unsigned net_count(const struct net *n, int from, unsigned exchange, int response)
{
	unsigned k = 0;
	for (size_t i = 0; i < n->ntrace; i++)
		k += matches(&n->trace[i], from, exchange, response);
	return k;
}

const struct pkt *net_find(const struct net *n, int from, unsigned exchange, int response,
			   unsigned nth)
{
	for (size_t i = 0; i < n->ntrace; i++)
		if (matches(&n->trace[i], from, exchange, response) && nth-- == 0)
			return &n->trace[i];
	return NULL;
}

bool pkt_tamper_sk(struct pkt *p)
{
	static struct ike_msg m;

	if (ike_msg_parse_header(p->buf, p->len, &m) || ike_msg_parse_payloads(&m) ||
	    !(m.outer & (PL_BIT(PL_SK) | PL_BIT(PL_SKF))) || m.sk.len == 0)
		return false;
	size_t off = (size_t)(m.sk.data - p->buf) + m.sk.len / 2;
	p->buf[off] ^= 0x01;
	return true;
}

/* ---- log capture ---- */

static FILE *cap_file;
static int cap_saved_fd = -1;

void logcap_start(void)
{
	fflush(stderr);
	if (!cap_file && !(cap_file = tmpfile()))
		return;
	if (ftruncate(fileno(cap_file), 0) || lseek(fileno(cap_file), 0, SEEK_SET) < 0)
		return;
	cap_saved_fd = dup(2);
	dup2(fileno(cap_file), 2);
}

char *logcap_text(void)
{
	fflush(stderr);
	if (!cap_file)
		return NULL;
	off_t len = lseek(fileno(cap_file), 0, SEEK_END);
	char *t = malloc(len > 0 ? (size_t)len + 1 : 1);
	if (!t)
		return NULL;
	ssize_t got = len > 0 ? pread(fileno(cap_file), t, (size_t)len, 0) : 0;
	t[got > 0 ? got : 0] = 0;
	return t;
}

void logcap_stop(bool dump, const char *title)
{
	char *t = logcap_text();

	if (cap_saved_fd >= 0) {
		dup2(cap_saved_fd, 2);
		close(cap_saved_fd);
		cap_saved_fd = -1;
	}
	if (title)
		fprintf(stderr, "%s\n", title);
	if (t && dump) {
		fputs(t, stderr);
	} else if (t) {	/* at least the failed checks */
		for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n"))
			if (strncmp(line, "FAIL ", 5) == 0 || strncmp(line, "  ", 2) == 0)
				fprintf(stderr, "%s\n", line);
	}
	free(t);
}

