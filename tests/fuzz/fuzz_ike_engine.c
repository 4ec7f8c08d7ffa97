/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the IKE engine itself, deep in its states.  Two engines
 * (tests/exchange/harness.h: A initiates, B answers, NAT between them,
 * virtual time) run a program read from the input (engine_prog.h): set up a
 * session with real keys, then deliver, drop, duplicate, hold, reorder and
 * replay its messages, change them inside their encryption and seal them
 * again, inject crafted ones sealed with an SA's keys, let time pass, fire
 * lifetime and liveness timers, restart a side, move a side's NAT mapping.  At the end the network runs
 * until quiet and everything is freed: memory errors, leaks and undefined
 * behaviour are the findings, and the invariants of engine_check.c.
 *
 * Determinism: every random byte comes from crypto/rand_fixed.c, seeded by
 * the input, and the virtual clock starts at the same instant for each input,
 * so an input behaves the same way every time it runs.
 *
 * Certificates: with CFG_CERTS both sides authenticate with certificates of
 * the PKI in MCVPN_FUZZ_PKI (engine_certs.c), read once at start.  Their
 * signatures (RSA-PSS salts, ECDSA) take OpenSSL's own random bytes, so
 * those bytes, and an ECDSA signature's length, differ between runs.
 *
 * Environment: FUZZ_IKE_LOG=1 prints the ops and the engines' log lines to
 * stderr, and at the end the data plane calls; MCVPN_FUZZ_PKI is the PKI's
 * directory (tests/unit/crypto/mkcerts.sh made it).  tests/fuzz/README says
 * how to run it. */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/rand_fixed.h"
#include "daemon/base/log.h"
#include "engine_fuzz.h"
#include "engine_prog.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT 16384	/* run.sh's -max_len; ops past PROG_MAX_OPS are not read */
#define MAX_SAS 6		/* OP_INITIATE: live IKE SAs a side may have */
#define MAX_STEPS 3000		/* time steps per input */
#define MAX_DELIVERIES 4000	/* per input */
/* Time that may pass per input.  Each lifetime rekey costs key exchanges
 * (milliseconds each with the operators' MODP group, more under ASan): hours
 * of 20 s lifetimes made one 41-byte input run for seconds, near libFuzzer's
 * -timeout on a slower machine.  Ten minutes still see dozens of rekeys of
 * each kind, and OP_FIRE reaches any lifetime's timer at once. */
#define MAX_VIRTUAL_MS (10ul * 60 * 1000)

static bool show_ops;

/* ---- configuration ---- */

struct variant {
	const char *ike_a, *esp_a, *ike_b, *esp_b;
};

static const struct variant algs[8] = {
	[ALGS_X25519_GCM] = { "aes_gcm256-sha2_256;dh31", "aes_gcm256;dh31",
			      "aes_gcm256-sha2_256;dh31", "aes_gcm256;dh31" },
	[ALGS_X25519_NOPFS] = { "aes_gcm256-sha2_256;dh31", "aes_gcm256",
				"aes_gcm256-sha2_256;dh31", "aes_gcm256" },
	[ALGS_ECP_CBC] = { "aes_cbc256-sha2_256;dh19", "aes_cbc128-sha2_256",
			   "aes_cbc256-sha2_256;dh19", "aes_cbc128-sha2_256" },
	[ALGS_ECP_GCM] = { "aes_gcm128-sha2_512;dh19", "aes_gcm128;dh19",
			   "aes_gcm128-sha2_512;dh19", "aes_gcm128;dh19" },
	[ALGS_INVALID_KE] = { "aes_gcm256-sha2_256;dh19,aes_gcm256-sha2_256;dh31",
			      "aes_gcm256;dh19,aes_gcm256;dh31",
			      "aes_gcm256-sha2_256;dh31", "aes_gcm256;dh31" },
	[ALGS_SECOND] = { "aes_cbc256-sha2_256;dh31,aes_gcm256-sha2_256;dh31",
			  "aes_cbc128-sha2_256;dh31,aes_gcm256;dh31",
			  "aes_gcm256-sha2_256;dh31", "aes_gcm256;dh31" },
	[ALGS_X25519_GCM_TOO] = { "aes_gcm256-sha2_256;dh31", "aes_gcm256;dh31",
				  "aes_gcm256-sha2_256;dh31", "aes_gcm256;dh31" },
	[ALGS_OPERATORS] = { NULL, NULL, NULL, NULL },	/* the harness's: the operators' */
};

static const char *const lifetimes[4] = {
	[LIFE_DEFAULT] = "",
	[LIFE_SHORT] = "salifetime=40s\nikelifetime=70s\nrekeymargin=10s\n",
	[LIFE_NO_REKEY] = "salifetime=40s\nikelifetime=70s\nrekeymargin=10s\nrekey=no\n",
	[LIFE_TINY] = "salifetime=20s\nikelifetime=30s\nrekeymargin=6s\n",
};

static const char *const dpd_a[4] = {
	[DPD_DEFAULT] = "",
	[DPD_A_RESTART] = "dpddelay=4s\ndpdtimeout=12s\ndpdaction=restart\n",
	[DPD_BOTH] = "dpddelay=4s\ndpdtimeout=12s\ndpdaction=clear\n",
	[DPD_A_HOLD] = "dpddelay=4s\ndpdtimeout=12s\ndpdaction=hold\n",
};

static int net_setup(struct fz *f, uint8_t cfg, uint8_t knobs)
{
	static const unsigned thresholds[4] = { IKE_COOKIE_THRESHOLD, 0, 1, 3 };
	static char extra_a[256], extra_b[256];
	const struct variant *v = &algs[CFG_ALGS(cfg)];
	const char *life = lifetimes[CFG_LIFE(cfg)];
	/* certificates make IKE_AUTH too long for a 576-byte packet: whole
	 * messages, so that MUT_CERT finds their payloads, unless KNOB_FRAG */
	const char *frag = knobs & KNOB_FRAG ? "ike-fragment-size=256\n" :
			   cfg & CFG_CERTS ? "fragmentation=no\n" : "";

	snprintf(extra_a, sizeof(extra_a), "%s%s%s", life, dpd_a[KNOB_DPD(knobs)], frag);
	snprintf(extra_b, sizeof(extra_b), "%s%s%s", life,
		 KNOB_DPD(knobs) == DPD_BOTH ? "dpddelay=5s\ndpdtimeout=15s\ndpdaction=hold\n" : "",
		 frag);
	struct side_opts a = { .autostart = cfg & CFG_A_ADD ? "add" : "start", .ike = v->ike_a,
			       .esp = v->esp_a, .extra = extra_a };
	struct side_opts b = { .autostart = cfg & CFG_B_START ? "start" : "add", .ike = v->ike_b,
			       .esp = v->esp_b, .extra = extra_b };
	if (net_init(&f->net, &a, &b))
		return -1;
	for (int i = 0; i < 2; i++)
		f->net.s[i].eng.cookie_threshold = thresholds[KNOB_COOKIE(knobs)];
	f->net.retry_ms = knobs & KNOB_RETRY ? 5000 : 0;
	f->net.order = (enum net_order)(KNOB_ORDER(knobs) % 3);
	f->net.watch = fz_watch;
	f->net.watch_arg = f;
	return 0;
}

/* ---- the network ---- */

static size_t qidx(const struct fz *f, uint8_t b)
{
	size_t nq = f->net.nq;
	return b < 128 ? b % nq : nq - 1 - (b - 128u) % nq;
}

/* The harness keeps a history of io calls for tests; a long program would
 * fill it and have its data plane refuse SAs, so it is dropped as it grows. */
static void forget_history(struct fz *f)
{
	for (int i = 0; i < 2; i++) {
		struct side *s = &f->net.s[i];
		if (s->n_io > SIDE_MAX_REC / 2)
			s->n_io = 0;
		if (s->n_up > SIDE_MAX_REC / 2)
			s->n_up = 0;
	}
}

static bool step(struct fz *f, size_t i, enum verdict v)
{
	if (f->deliveries >= MAX_DELIVERIES)
		return false;
	f->deliveries++;
	forget_history(f);
	return net_step(&f->net, i, v);
}

static size_t pick(struct fz *f)
{
	switch (f->net.order) {
	case ORDER_LIFO:
		return f->net.nq - 1;
	case ORDER_RANDOM:
		f->order_rng = f->order_rng * 1103515245u + 12345u;
		return (f->order_rng >> 8) % f->net.nq;
	default:
		return 0;
	}
}

/* Everything queued delivered, each message's fate by the weather, within
 * the input's budget (engines that answer each other for ever are caught by
 * engine_check.c's storm rule long before). */
static void run_quiet(struct fz *f)
{
	while (f->net.nq) {
		unsigned bit = f->weather_k++ % 8;
		enum verdict v = (f->drop >> bit & 1) ? V_DROP : (f->dup >> bit & 1) ? V_DUP : V_PASS;
		if (!step(f, pick(f), v))
			return;
	}
}

/* Time passes in steps (10 ms up to 2 s, coarser beyond: a timer may fire a
 * little late, as under load), the network running or not. */
static void advance(struct fz *f, unsigned ms, bool network)
{
	unsigned st = ms <= 2000 ? 10 : ms / 200 / 10 * 10;

	for (unsigned t = 0; t < ms && f->steps < MAX_STEPS && f->virtual_ms < MAX_VIRTUAL_MS;
	     t += st, f->steps++) {
		f->virtual_ms += st;
		forget_history(f);
		net_tick(&f->net, st, st);
		if (network)
			run_quiet(f);
		fz_check(f, "time step");
	}
}

/* ---- engine-side ops ---- */

/* A timer to fire, or an SA whose liveness timer finds the peer silent. */
struct timer_act {
	struct event *ev;
	struct ike_sa *probe;
};

static void add_pending(struct timer_act *a, unsigned *n, struct event *ev)
{
	if (ev && *n < 64 && evtimer_pending(ev, NULL))
		a[(*n)++] = (struct timer_act){ ev, NULL };
}

/* One of the side's pending lifetime or liveness timers fires now, as it
 * would with a shorter lifetime or delay configured; or a liveness timer
 * finds dpddelay of silence (dpd_cb's probe, without waiting for the
 * silence). */
static void fire(struct fz *f, int side, uint8_t which)
{
	struct timer_act a[64];
	unsigned n = 0;

	for (struct ike_sa *sa = f->net.s[side].eng.sas; sa; sa = sa->next) {
		if (sa->state == IKE_S_DEAD)
			continue;
		add_pending(a, &n, sa->rekey_ev);
		add_pending(a, &n, sa->expire_ev);
		add_pending(a, &n, sa->dpd_ev);
		if (n && a[n - 1].ev == sa->dpd_ev && n < 64)
			a[n++] = (struct timer_act){ NULL, sa };
		for (struct child_sa *c = sa->children; c; c = c->next) {
			add_pending(a, &n, c->rekey_ev);
			add_pending(a, &n, c->expire_ev);
			add_pending(a, &n, c->volume_ev);
		}
	}
	if (!n)
		return;
	const struct timer_act *x = &a[which % n];
	struct ike_sa *sa = x->probe;
	if (x->ev) {
		event_active(x->ev, EV_TIMEOUT, 1);
	} else if (sa->state == IKE_S_ESTABLISHED && !sa->rekeyed_to &&
		   sa->pending == PEND_NONE && !sa->want.dpd) {
		sa->want.dpd = true;	/* as dpd_cb does */
		ike_exchange_run_queue(sa);
	}
	net_tick(&f->net, 0, 0);
}

static void traffic(struct fz *f, int side, uint8_t mode)
{
	static const double idle[4] = { 1e9, 0, 3, 30 };
	struct side *s = &f->net.s[side];
	const struct ike_sa *sa = s->conn.ike;

	s->traffic = mode & TRAFFIC_PEER_SENDS;
	s->idle_s = idle[TRAFFIC_IDLE(mode)];
	if (mode & TRAFFIC_PACKET_NOW)
		side_packet_now(s);
	s->sent_spi = sa && sa->child ? sa->child->spi_out : 0;
	/* the volume that rekeys: 2^31 packets, 2^63 with ESN (child_sa.c) */
	s->sent_packets = !(mode & TRAFFIC_VOLUME) ? 0 :
			  sa && sa->child && sa->child->esn ? 1ull << 63 : 1ull << 31;
}

static void replay(struct fz *f, uint8_t b)
{
	const struct net *n = &f->net;

	if (!n->ntrace)
		return;
	const struct pkt *t = &n->trace[b % n->ntrace];
	net_inject(&f->net, t->from, t->natt, t->buf, t->len);
}

/* ---- the interpreter ---- */

static const char *const op_names[OP_COUNT] = {
	"initiate", "deliver", "deliver-at", "drop", "dup", "hold", "release", "run",
	"advance", "tick", "weather", "fire", "traffic", "delete-conn", "restart", "replay",
	"mutate", "inject", "inject-init", "nat",
};

/* One op; its index. */
static unsigned run_op(struct fz *f)
{
	unsigned op = fz_u8(f) % OP_COUNT;
	struct net *n = &f->net;
	uint8_t a, b;

	if (show_ops)
		fprintf(stderr, "op %s (queue %zu, held %zu, t=%llu ms)\n", op_names[op], n->nq,
			n->nheld, (unsigned long long)net_now_ms());
	switch (op) {
	case OP_INITIATE:
		a = fz_u8(f) & 1;
		if (side_n_live(&n->s[a]) < MAX_SAS)
			net_initiate(n, a);
		break;
	case OP_DELIVER:
		a = fz_u8(f);
		for (unsigned i = 0; i <= a % 4u && n->nq; i++)
			step(f, 0, V_PASS);
		break;
	case OP_DELIVER_AT:
	case OP_DROP:
	case OP_DUP:
	case OP_HOLD: {
		static const enum verdict v[4] = { V_PASS, V_DROP, V_DUP, V_HOLD };
		a = fz_u8(f);
		if (n->nq)
			step(f, qidx(f, a), v[op - OP_DELIVER_AT]);
		break;
	}
	case OP_RELEASE: net_release(n); break;
	case OP_RUN: run_quiet(f); break;
	case OP_ADVANCE: advance(f, amt_ms(fz_u8(f)), true); break;
	case OP_TICK: advance(f, amt_ms(fz_u8(f)), false); break;
	case OP_WEATHER:
		f->drop = fz_u8(f);
		f->dup = fz_u8(f);
		break;
	case OP_FIRE:
		a = fz_u8(f) & 1;
		b = fz_u8(f);
		fire(f, a, b);
		break;
	case OP_TRAFFIC:
		a = fz_u8(f) & 1;
		b = fz_u8(f);
		traffic(f, a, b);
		break;
	case OP_DELETE_CONN:
		a = fz_u8(f) & 1;
		ike_engine_delete_conn(&n->s[a].eng, &n->s[a].conn);
		break;
	case OP_RESTART: side_restart(n, fz_u8(f) & 1); break;
	case OP_REPLAY: replay(f, fz_u8(f)); break;
	case OP_MUTATE: fz_mutate(f); break;
	case OP_INJECT: fz_inject(f); break;
	case OP_INJECT_INIT: fz_inject_init(f); break;
	default:
		a = fz_u8(f) & 1;
		b = fz_u8(f);
		/* never back to no NAT: a peer still sending to the old mapping
		 * would then reach port 4500 on another port, which no network does */
		n->s[a].nat_port = (uint16_t)(40000 + b);
	}
	return op;
}

/* Before main: libFuzzer reads CLOCK_REALTIME from its start on to time its
 * runs; the engines' clocks stay virtual. */
__attribute__((constructor)) static void real_wall_clock(void)
{
	net_real_realtime = true;
}

/* Once, before the first input: the certificates (no file read per input). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_pki_init();
	return 0;
}

static bool env_set(const char *name)
{
	const char *e = getenv(name);
	return e && *e && *e != '0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz f;

	if (size < 3 || size > MAX_INPUT)
		return 0;
	memset(&f, 0, sizeof(f));
	show_ops = f.show = env_set("FUZZ_IKE_LOG");
	log_init(true, show_ops ? LOG_DEBUG : LOG_EMERG);	/* the engine logs nothing at EMERG */
	f.prog = cur_init(data, size);
	uint8_t cfg = fz_u8(&f), seed = fz_u8(&f), knobs = fz_u8(&f);
	uint8_t certs = cfg & CFG_CERTS ? fz_u8(&f) : 0;
	net_clock_rewind();
	rand_fixed_seed(0x6d6376706e000000ull | seed);
	f.order_rng = seed;
	if (net_setup(&f, cfg, knobs))
		fz_fail("config variant %#x does not load", cfg);
	if (cfg & CFG_CERTS)
		fz_certs_lend(&f, certs);
	for (unsigned i = 0; i < PROG_MAX_OPS && cur_left(&f.prog); i++) {
		unsigned op = run_op(&f);
		fz_check(&f, op_names[op]);
	}
	f.drop = f.dup = 0;
	run_quiet(&f);
	fz_check(&f, "the end");
	if (show_ops) {	/* the data plane's view, to read with the log */
		net_dump_io(&f.net);
		fprintf(stderr, "tunnel sent on an SPI the peer had not installed: %u times%s%s\n",
			f.net.blackholes, f.net.blackholes ? "; first " : "", f.net.blackhole);
	}
	fz_certs_return(&f);	/* the PKI's, not the conf's (certs.h) */
	net_free(&f.net);
	free(f.depth);
	return 0;
}
