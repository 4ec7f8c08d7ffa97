/* SPDX-License-Identifier: Apache-2.0 */
/* Two IKE engines, "A" and "B", talking to each other inside one process.
 *
 *        A                                                        B
 *   10.3.1.200 --[1:1 NAT]-- 198.51.100.10 ~~~ 203.0.113.20 --[1:1 NAT]-- 10.106.1.200
 *   leftid=198.51.100.10                                  leftid=203.0.113.20
 *
 * Every message an engine sends goes into a queue the test controls.  On
 * delivery it is translated as the two NATs would (A's 10.3.1.200:p reaches B
 * as 198.51.100.10:p at B's 10.106.1.200, ports kept) and handed to the other
 * engine's ike_receive with natt as it was sent.  A hook may drop, duplicate,
 * hold back or tamper with each message; the queue may be served in FIFO,
 * LIFO or random order.
 *
 * Time is virtual: this test executable defines clock_gettime() and time() so
 * that the clocks (monotonic, which libevent's timers use, and the wall clock,
 * which the engine stamps SAs with) only move when the test calls net_advance().
 * Every loop turn is EVLOOP_NONBLOCK, so 60 s of retransmission timers take no
 * real time.  Each engine's io callbacks are recorded per side and feed a
 * fake data plane that refuses what the real one would refuse (a second SA
 * with the same SPI, preferring or removing an SA that is not installed).
 * Like the real one it keeps sending on the current outbound SA when a new
 * one is installed on standby (a rekey responder's), and it answers
 * child_idle (packets received: never, a set value, or "the peer's tunnel
 * sends on this SA") and child_sent (packets sent, set per SA).  Every data
 * plane call is numbered across both sides, so a test can tell which side's
 * call came first; after each one the harness notes when a tunnel sends on
 * an SPI the peer has not installed inbound (make before break broken). */
#ifndef MCVPN_TESTS_EXCHANGE_HARNESS_H
#define MCVPN_TESTS_EXCHANGE_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "check.h"
#include "crypto/secret.h"
#include "daemon/conn.h"
#include "daemon/ike/engine.h"

enum { SIDE_A = 0, SIDE_B = 1 };

/* One side's conn, as config text would say it. NULL fields take the defaults. */
struct side_opts {
	const char *autostart;		/* "start" (default) or "add" */
	const char *ike;		/* default aes_cbc256-sha2_384;modp1536 */
	const char *esp;		/* phase2alg=, default aes_gcm256;modp1536 */
	const char *leftsubnet;		/* not written when NULL */
	const char *rightsubnet;
	const char *psk;		/* default: the same PSK on both sides */
	const char *authby;		/* default secret */
	const char *extra;		/* more "key=value" lines, newline-separated
					 * (salifetime=12s\nrekey=no ...) */
	const char *leftid, *rightid;	/* default: the two public addresses */
	/* A second conn between the same addresses, named like the side with a
	 * "2" ("B2", device vti2), and a line for the secrets file if it needs
	 * its own (the first conn's PSK is for the two addresses). */
	const struct side_opts *conn2;
	const char *secrets2;
};

#define NET_MAX_NOTIFY 8

/* What a message said, decoded at delivery with the receiver's keys. */
struct pkt_view {
	bool parsed;			/* the header and outer payloads parsed */
	bool opened;			/* an SK payload was decrypted (or there is none) */
	uint64_t outer, inner;		/* PL_BIT()s */
	unsigned ke_group;		/* KE payload's DH group, 0 if none */
	uint8_t first_payload;		/* the header's next-payload */
	uint8_t n_notify;
	uint16_t notify[NET_MAX_NOTIFY];
	uint8_t n_delete;
	uint8_t delete_proto;		/* of the first Delete payload */
	uint8_t nonce[IKE_NONCE_MAX];	/* the Nonce payload's data (collision checks) */
	size_t nonce_len;		/* 0 if none */
	uint32_t rekey_spi;		/* REKEY_SA notify's ESP SPI, 0 if none */
	uint32_t delete_spi;		/* first SPI of an ESP Delete payload, 0 if none */
};

struct pkt {
	int from;			/* SIDE_A or SIDE_B */
	struct sockaddr_storage src, dst;	/* as the sender addressed it */
	bool natt;
	uint8_t *buf;			/* owned */
	size_t len;
	struct ike_hdr hdr;		/* zeroed when the header does not parse */
	unsigned seq;			/* 1, 2, ... in sending order; trace[seq - 1] */
	uint64_t sent_ms;		/* virtual time */
	unsigned deliveries;		/* how often it reached the other engine */
	struct pkt_view view;		/* filled at the first delivery */
};

enum verdict {
	V_PASS,				/* deliver it (after any change the hook made) */
	V_DROP,
	V_DUP,				/* deliver it twice, back to back */
	V_HOLD,				/* keep it aside until net_release() */
};

struct net;
typedef enum verdict (*net_hook)(struct net *n, struct pkt *p, void *arg);

enum net_order { ORDER_FIFO, ORDER_LIFO, ORDER_RANDOM };

#define SIDE_MAX_REC 256

struct child_rec {		/* a child_up call, by value */
	unsigned serial;
	uint32_t spi_in, spi_out;
	unsigned encr, encr_keybits, integ;
	uint8_t key_in[128], key_out[128];
	size_t key_in_len, key_out_len;
	uint64_t ike_spii, ike_spir;	/* the IKE SA it belongs to */
	uint64_t ms;
};

enum io_kind { IO_UP = 'U', IO_DOWN = 'D', IO_PREFER = 'P', IO_CONN_DOWN = 'C' };

struct io_rec {			/* every callback, in order */
	enum io_kind kind;
	uint32_t spi_in, spi_out;	/* for child callbacks */
	bool standby;			/* child_up: the outbound SA was installed on standby */
	uint32_t out_before, out_after;	/* the SPI the tunnel sent on before / after the call */
	char why[128];			/* for conn_down */
	uint64_t ms;
	unsigned gseq;			/* 1, 2, ... across both sides: orders A's and B's calls */
};

struct side {
	struct net *net;		/* borrowed */
	int idx;
	const char *name;		/* "A" / "B" */
	struct conf *conf;		/* owned */
	struct conn conn;
	struct conn conn2;		/* with side_opts.conn2 */
	struct conn *conns[2];
	unsigned n_conns;
	struct ike_engine eng;
	struct sockaddr_storage priv, pub;	/* own address, and as the peer sees it */

	struct child_rec up[SIDE_MAX_REC];
	unsigned n_up;
	struct io_rec io[SIDE_MAX_REC];
	unsigned n_io;
	unsigned n_down, n_prefer, n_conn_down;
	char conn_down_why[128];	/* the last one */
	unsigned fails[IKE_FAIL_COUNT];	/* conn_down calls by ike_down.fail */
	unsigned rekeys[2][IKE_REKEY_BY_COUNT];	/* conn_rekeyed calls by what, by */
	uint64_t conn_down_ms;

	/* fake data plane */
	uint32_t inst_in[SIDE_MAX_REC], inst_out[SIDE_MAX_REC];
	unsigned n_inst;
	uint32_t dp_out;		/* the outbound SPI the tunnel sends on, 0 none */
	uint64_t retry_at_ms;		/* net.retry_ms: when to initiate again, 0 none */
	unsigned n_retries;
	unsigned dp_errors;		/* refused or impossible calls */
	char dp_error[160];		/* the first one, described */
	unsigned wrong_conn;		/* callbacks with a conn that is not ours */

	/* child_idle: seconds since a Child SA last received a packet */
	double idle_s;			/* what it returns (default 1e9: never) */
	bool traffic;			/* the peer sends all the time: an SA on which the peer's
					 * tunnel sends (peer's dp_out == its spi_in) returns 0 */
	uint32_t sent_spi;		/* child_sent: sent_packets for the SA with this */
	uint64_t sent_packets;		/* outbound SPI, 0 for every other */
	uint64_t last_packet_ms;	/* with has_last_packet: a packet arrived on every
					 * installed SA then (idle grows with the clock) */
	bool has_last_packet;
	unsigned n_idle_calls;

	/* A port-translating NAT in front of this side (0: none, ports kept): its
	 * port 4500 appears as nat_port, and what comes to its public address on
	 * any other port than nat_port is dropped (a forgotten mapping). */
	uint16_t nat_port;
	unsigned n_keepalives;		/* send_keepalive calls */
	uint64_t keepalive_ms[32];	/* the first ones' times */
	unsigned n_moved;		/* peer_moved calls */
	uint16_t esp_port;		/* where the fake data plane sends ESP: the port of
					 * the IKE SA's remote at child_up / peer_moved */
};

struct net {
	struct event_base *base;	/* owned */
	struct side s[2];
	struct pkt *q;			/* waiting for delivery, owned */
	size_t nq, capq;
	struct pkt *held;		/* V_HOLD, owned */
	size_t nheld, capheld;
	struct pkt *trace;		/* every message sent, owned copies */
	size_t ntrace, captrace;
	enum net_order order;
	uint32_t rng;
	net_hook hook;
	void *hook_arg;
	/* called just before (after false) and just after (true) every delivery
	 * to an engine, before anything that became due runs: a probe of the
	 * engines' state around one ike_receive */
	void (*watch)(struct net *n, const struct pkt *p, bool after, void *arg);
	void *watch_arg;
	unsigned retry_ms;		/* like conn.c: an auto=start conn whose conn_down was
					 * called initiates again this much later; 0 never */
	unsigned misrouted;		/* not from own address to the peer's public one */
	unsigned bad_ports;		/* natt and the ports disagree */
	unsigned storm;			/* net_run gave up: messages kept coming */
	unsigned send_fail;
	unsigned io_seq;		/* last io_rec.gseq handed out */
	unsigned nat_dropped;		/* to a side's NAT on a port it has no mapping for */
	/* make-before-break: a side's tunnel sent on an SPI that the peer had not
	 * (yet, or any more) installed inbound.  Counted after every data plane
	 * call; the peer installs late by design while an SA is being set up, and
	 * removes early when it is deleted, so tests reset this where it matters. */
	unsigned blackholes;
	char blackhole[200];		/* the first one, described */
};

/* Load both configs and set up the engines; -1 (diagnostics on stderr) if a
 * config does not load.  n is zeroed first. */
int net_init(struct net *n, const struct side_opts *a, const struct side_opts *b);
/* ike_engine_clear on both, then everything freed. */
void net_free(struct net *n);

/* The side's daemon restarts: its SAs vanish without a word to the peer, and
 * its data plane is empty again (its records of io calls are kept). */
void side_restart(struct net *n, int side);
/* ike_engine_initiate for a side's conn; 0 or -1. */
int net_initiate(struct net *n, int side);
/* Deliver queued messages and run due timers until nothing moves. */
void net_run(struct net *n);
/* Move virtual time forward by ms in 10 ms steps, running everything due. */
void net_advance(struct net *n, unsigned ms);
/* net_advance in steps until cond(n) holds or max_ms passed; cond's result. */
bool net_run_until(struct net *n, bool (*cond)(struct net *n), unsigned max_ms);
/* Queue a message as if side from had sent it (to the other side's public
 * address, on port 4500 if natt else 500). */
void net_inject(struct net *n, int from, bool natt, const uint8_t *buf, size_t len);
/* The virtual clock really drives libevent: a 5 s timer fires after
 * net_advance-style steps and not before.  Run once at the start of a test. */
bool net_clock_works(void);
/* Every test's start: everything logged to stderr, and the virtual clock
 * checked (net_clock_works).  False, with a line on stderr, when it does not
 * drive libevent: the test must fail. */
bool net_test_start(void);
/* Held messages back into the queue, in the order they were held. */
void net_release(struct net *n);
uint64_t net_now_ms(void);

/* One step at a time (the fuzz target drives the network with these): take
 * queued message i out and do what v says with it (V_HOLD: aside until
 * net_release), then run what became due; the hook is not asked.  False if
 * there is no message i. */
bool net_step(struct net *n, size_t i, enum verdict v);
/* Virtual time forward by ms in steps of step_ms (0: 10 ms), running due
 * timers and conn retries at each step; queued messages stay queued. */
void net_tick(struct net *n, unsigned ms, unsigned step_ms);
/* Virtual time back to its start.  Only between nets (no event base may live
 * across it): each fuzz input starts at the same instant. */
void net_clock_rewind(void);
/* The wall clock (time(), CLOCK_REALTIME) this many seconds away from the
 * virtual one from now on, the monotonic clock untouched: a certificate
 * expired or not yet valid without waiting (0: back). */
void net_wall_shift(int64_t seconds);
/* Set (the fuzz target): clock_gettime(CLOCK_REALTIME) reads the real clock,
 * which libFuzzer times its runs with; time(), the engine's wall clock, stays
 * virtual.  Clear by default: both clocks virtual. */
extern bool net_real_realtime;

/* Live (not dead) IKE SAs of a side; i-th in engine list order. */
unsigned side_n_live(const struct side *s);
struct ike_sa *side_live(const struct side *s, unsigned i);
/* The child_up record with this inbound SPI, or NULL. */
const struct child_rec *side_up_rec(const struct side *s, uint32_t spi_in);
bool side_installed(const struct side *s, uint32_t spi_in);
/* The first io record of a side with this kind and inbound SPI at or after
 * index from, or NULL. */
const struct io_rec *side_io_find(const struct side *s, enum io_kind kind, uint32_t spi_in,
				  unsigned from);
/* The first io record of a side after which its tunnel sent on spi_out and
 * before which it did not, or NULL. */
const struct io_rec *side_io_first_use(const struct side *s, uint32_t spi_out);
/* The first io record of a side, at or after index from, after which its
 * tunnel no longer sent on spi_out, or NULL. */
const struct io_rec *side_io_stop_use(const struct side *s, uint32_t spi_out, unsigned from);

/* child_idle of the side's SAs: the smallest of 0 (traffic, and the peer sends
 * on the SA), the time since side_packet_now() stamped it, and idle_s. */
void side_packet_now(struct side *s);

/* Both sides' data plane calls to stderr, in the order they happened. */
void net_dump_io(const struct net *n);

/* Messages in the trace from side (or -1 any) of an exchange (0 any), response
 * 1 / request 0 / any -1. */
unsigned net_count(const struct net *n, int from, unsigned exchange, int response);
/* The nth (from 0) such message, or NULL. */
const struct pkt *net_find(const struct net *n, int from, unsigned exchange, int response,
			   unsigned nth);
bool view_has_notify(const struct pkt_view *v, uint16_t type);

/* Flip one byte in the middle of the message's SK (or SKF) payload. false: none. */
bool pkt_tamper_sk(struct pkt *p);

/* Log capture: fd 2 goes to a temporary file from start to stop. */
void logcap_start(void);
/* What was written since start (caller frees). */
char *logcap_text(void);
/* Restore fd 2, print title (if not NULL), then the captured text if dump,
 * else only its FAIL lines. */
void logcap_stop(bool dump, const char *title);

/* ---- checks shared by the scenarios (they count in the test's check.h) ---- */

static unsigned scenario_fail_before;
static const char *scenario_name;
static bool scenario_quiet;		/* no "ok" line per scenario */

/* Runs a scenario with its log captured; the log is shown only when it failed
 * (or always, with EXCHANGE_LOG=1 in the environment). */
static inline void scenario_begin(const char *name)
{
	scenario_name = name;
	scenario_fail_before = check_fail_count;
	logcap_start();
}

static inline bool scenario_end(bool dump_if_failed)
{
	bool failed = check_fail_count != scenario_fail_before;
	char title[200];

	fflush(stdout);	/* keep "ok" lines and failure reports in order */
	snprintf(title, sizeof(title), "---- scenario \"%s\" FAILED (%u checks) ----",
		 scenario_name, check_fail_count - scenario_fail_before);
	logcap_stop((failed && dump_if_failed) || getenv("EXCHANGE_LOG"), failed ? title : NULL);
	if (failed)
		fprintf(stderr, "---- end of scenario \"%s\" ----\n", scenario_name);
	else if (!scenario_quiet)
		printf("ok   %s\n", scenario_name);
	fflush(stdout);
	return !failed;
}

static inline bool log_has(const char *needle)
{
	char *t = logcap_text();
	bool r = t && strstr(t, needle);
	free(t);
	return r;
}

/* How many times needle stands in the captured log. */
static inline unsigned log_count(const char *needle)
{
	char *t = logcap_text();
	unsigned k = 0;

	for (const char *p = t; p && (p = strstr(p, needle)); p += strlen(needle))
		k++;
	free(t);
	return k;
}

#define CHECK_LOG(needle) do { \
	bool ok_ = log_has(needle); \
	check_report(ok_, __FILE__, __LINE__, "log contains \"" needle "\""); \
	if (!ok_) \
		fprintf(stderr, "  expected a log line containing \"%s\"; none came\n", needle); \
} while (0)

/* The harness saw nothing impossible: every message went from an engine's own
 * address to the peer's public one, natt matched the ports, the data plane
 * calls made sense, no endless message loop. */
static inline void check_net_sane(const struct net *n)
{
	CHECK_INT(n->misrouted, 0);
	CHECK_INT(n->bad_ports, 0);
	CHECK_INT(n->storm, 0);
	CHECK_INT(n->send_fail, 0);
	for (int i = 0; i < 2; i++) {
		if (n->s[i].dp_errors)
			fprintf(stderr, "  side %s: %s\n", n->s[i].name, n->s[i].dp_error);
		CHECK_INT(n->s[i].dp_errors, 0);
		CHECK_INT(n->s[i].wrong_conn, 0);
	}
}

static inline void check_nothing_installed(const struct net *n)
{
	for (int i = 0; i < 2; i++) {
		if (n->s[i].n_up)
			fprintf(stderr, "  side %s: child_up was called %u times\n", n->s[i].name,
				n->s[i].n_up);
		CHECK_INT(n->s[i].n_up, 0);
		CHECK_INT(n->s[i].n_inst, 0);
	}
}

static inline bool secret_eq(const struct secret *x, const struct secret *y)
{
	return x && y && x->len == y->len && memcmp(x->buf, y->buf, x->len) == 0;
}

/* Two engines' copies of one IKE SA hold the same keys. */
static inline bool ike_keys_match(const struct ike_sa *x, const struct ike_sa *y)
{
	const struct ike_keys *a = &x->keys, *b = &y->keys;
	return secret_eq(a->sk_d, b->sk_d) && secret_eq(a->sk_ei, b->sk_ei) &&
	       secret_eq(a->sk_er, b->sk_er) &&
	       (a->sk_ai == NULL) == (b->sk_ai == NULL) && (!a->sk_ai || secret_eq(a->sk_ai, b->sk_ai)) &&
	       (a->sk_ar == NULL) == (b->sk_ar == NULL) && (!a->sk_ar || secret_eq(a->sk_ar, b->sk_ar));
}

/* Both sides have exactly one live IKE SA, established, the same one (SPIs
 * and keys),
 * with one installed Child SA whose SPIs and keys cross-match the peer's; the
 * tunnel sends on it; message IDs agree and no request is outstanding.
 * Returns false (after counting failures) when a precondition already failed. */
static inline bool check_one_tunnel(const struct net *n)
{
	const struct side *a = &n->s[SIDE_A], *b = &n->s[SIDE_B];
	bool ok = true;

	CHECK_INT(side_n_live(a), 1);
	CHECK_INT(side_n_live(b), 1);
	if (side_n_live(a) != 1 || side_n_live(b) != 1)
		return false;
	struct ike_sa *sa = side_live(a, 0), *sb = side_live(b, 0);
	CHECK_STR(ike_state_name(sa->state), ike_state_name(IKE_S_ESTABLISHED));
	CHECK_STR(ike_state_name(sb->state), ike_state_name(IKE_S_ESTABLISHED));
	CHECK(sa->initiator != sb->initiator);
	if (sa->spii != sb->spii || sa->spir != sb->spir) {
		fprintf(stderr, "  A's IKE SA %016llx/%016llx, B's %016llx/%016llx\n",
			(unsigned long long)sa->spii, (unsigned long long)sa->spir,
			(unsigned long long)sb->spii, (unsigned long long)sb->spir);
		ok = false;
	}
	CHECK(sa->spii == sb->spii && sa->spir == sb->spir);
	CHECK(a->conn.ike == sa);
	CHECK(b->conn.ike == sb);
	/* the same IKE SA keys (after a rekey they come from SK_d and a new DH) */
	if (!ike_keys_match(sa, sb)) {
		fprintf(stderr, "  A's and B's keys of IKE SA %016llx/%016llx differ\n",
			(unsigned long long)sa->spii, (unsigned long long)sa->spir);
		ok = false;
	}
	CHECK(ike_keys_match(sa, sb));
	/* message IDs: each side's next request is what the other expects */
	CHECK_INT(sa->next_msgid, sb->peer_msgid);
	CHECK_INT(sb->next_msgid, sa->peer_msgid);
	CHECK(sa->req == NULL && sb->req == NULL);
	CHECK_INT(sa->pending, PEND_NONE);
	CHECK_INT(sb->pending, PEND_NONE);

	CHECK(sa->child && sb->child);
	if (!sa->child || !sb->child)
		return false;
	const struct child_sa *ca = sa->child, *cb = sb->child;
	CHECK(ca->installed && cb->installed);
	CHECK_INT(a->n_inst, 1);
	CHECK_INT(b->n_inst, 1);
	CHECK(side_installed(a, ca->spi_in));
	CHECK(side_installed(b, cb->spi_in));
	CHECK_INT(ca->spi_in, cb->spi_out);
	CHECK_INT(ca->spi_out, cb->spi_in);
	CHECK_INT(a->dp_out, ca->spi_out);
	CHECK_INT(b->dp_out, cb->spi_out);
	CHECK_INT(ca->encr, cb->encr);
	CHECK_INT(ca->encr_keybits, cb->encr_keybits);
	CHECK_INT(ca->integ, cb->integ);
	CHECK(ca->key_in && ca->key_out && cb->key_in && cb->key_out);
	if (!ca->key_in || !ca->key_out || !cb->key_in || !cb->key_out)
		return false;
	CHECK_INT(ca->key_in->len, cb->key_out->len);
	CHECK_INT(ca->key_out->len, cb->key_in->len);
	if (ca->key_in->len == cb->key_out->len)
		CHECK_MEM(ca->key_in->buf, cb->key_out->buf, ca->key_in->len);
	if (ca->key_out->len == cb->key_in->len)
		CHECK_MEM(ca->key_out->buf, cb->key_in->buf, ca->key_out->len);
	/* the two directions must not share keys */
	CHECK(ca->key_in->len != ca->key_out->len ||
	      memcmp(ca->key_in->buf, ca->key_out->buf, ca->key_in->len) != 0);
	/* what the data plane got is what the SA holds */
	const struct child_rec *ra = side_up_rec(a, ca->spi_in), *rb = side_up_rec(b, cb->spi_in);
	CHECK(ra && rb);
	if (ra && rb) {
		CHECK_INT(ra->spi_out, ca->spi_out);
		CHECK_INT(rb->spi_out, cb->spi_out);
		CHECK_INT(ra->key_in_len, rb->key_out_len);
		if (ra->key_in_len == rb->key_out_len)
			CHECK_MEM(ra->key_in, rb->key_out, ra->key_in_len);
	}
	return ok;
}

/* The scenarios' common start (the one fixture): both engines set up, A
 * initiates, everything delivered; false, with the failed checks counted in
 * the test, unless the tunnel is whole (check_one_tunnel).  The
 * make-before-break count starts afresh (the IKE_AUTH responder installs
 * first by design).  Inline: the check counters are the test's. */
static inline bool net_up(struct net *n, const struct side_opts *a, const struct side_opts *b)
{
	bool ok;

	CHECK_INT(net_init(n, a, b), 0);
	if (!n->base)
		return false;
	CHECK_INT(net_initiate(n, SIDE_A), 0);
	net_run(n);
	ok = check_one_tunnel(n);
	n->blackholes = 0;
	return ok;
}

#endif
