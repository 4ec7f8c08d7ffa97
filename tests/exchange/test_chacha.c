/* SPDX-License-Identifier: Apache-2.0 */
/* ChaCha20-Poly1305 (RFC 7634) between two engines: negotiated for IKE and
 * ESP, in the peer's order among AES-GCM offers, through a Child SA rekey
 * with PFS and an IKE SA rekey, and refused against an AES-GCM-only peer.
 * The Child SA's key material then keys the real ESP framing
 * (daemon/dataplane/esp.c): a packet sealed with A's outbound key opens
 * with B's inbound key, so both ends cut the 36 bytes per direction alike. */
#include <stdio.h>
#include <string.h>

#include "crypto/alg.h"
#include "daemon/dataplane/esp.h"
#include "rekey_checks.h"

static const struct side_opts a_chacha = { .autostart = "start",
	.ike = "chacha20_poly1305-sha2_256;curve25519", .esp = "chacha20_poly1305;dh19" };
static const struct side_opts b_chacha = { .autostart = "add",
	.ike = "chacha20poly1305-sha2_256-dh31", .esp = "chacha20poly1305;ecp_256" };

static void check_ike_alg(const struct ike_sa *sa, unsigned prf)
{
	CHECK_INT(sa->alg.encr, ENCR_CHACHA20_POLY1305);
	CHECK_INT(sa->alg.encr_keybits, 256);
	CHECK_INT(sa->alg.integ, AUTH_NONE);
	CHECK_INT(sa->alg.prf, prf);
	/* RFC 7634 3: SK_e is a 32-byte key and a 4-byte salt; SK_a is empty */
	CHECK(sa->keys.sk_ei && sa->keys.sk_ei->len == 36);
	CHECK(sa->keys.sk_er && sa->keys.sk_er->len == 36);
	CHECK(sa->keys.sk_ai && sa->keys.sk_ai->len == 0);
	CHECK(sa->keys.sk_ar && sa->keys.sk_ar->len == 0);
}

static void check_child_alg(const struct child_sa *c)
{
	CHECK_INT(c->encr, ENCR_CHACHA20_POLY1305);
	CHECK_INT(c->encr_keybits, 256);
	CHECK_INT(c->integ, AUTH_NONE);
	CHECK(c->key_in && c->key_in->len == 36);
	CHECK(c->key_out && c->key_out->len == 36);
}

/* Every message after IKE_SA_INIT was opened by its receiver. */
static void check_all_opened(const struct net *n)
{
	unsigned closed = 0;

	for (size_t i = 0; i < n->ntrace; i++)
		if (n->trace[i].hdr.exchange != IKE_SA_INIT && !n->trace[i].view.opened)
			closed++;
	CHECK_INT(closed, 0);
}

/* The installed Child SA's keys through the real ESP code, from to the other. */
static void check_esp_path(const struct net *n, int from)
{
	const struct side *s = &n->s[from], *t = &n->s[!from];
	const struct child_rec *rs = side_up_rec(s, s->conn.ike->child->spi_in);
	const struct child_rec *rt = side_up_rec(t, t->conn.ike->child->spi_in);
	uint8_t buf[2048], *inner = NULL;
	size_t elen = 0, ilen = 0;
	struct esp_sa *out = NULL, *in = NULL;
	struct dp_range any = { .family = AF_INET };

	CHECK(rs && rt);
	if (!rs || !rt)
		return;
	CHECK_INT(rs->encr, ENCR_CHACHA20_POLY1305);
	out = esp_sa_new_alg(rs->spi_out, rs->encr, rs->encr_keybits, rs->integ, rs->key_out,
			     rs->key_out_len);
	in = esp_sa_new_alg(rt->spi_in, rt->encr, rt->encr_keybits, rt->integ, rt->key_in,
			    rt->key_in_len);
	CHECK(out && in);
	if (!out || !in)
		goto done;
	memset(any.end, 0xff, 4);
	CHECK_INT(esp_sa_set_ts(in, &any, 1, &any, 1), 0);
	memset(buf + ESP_HEADROOM, 0, 84);
	buf[ESP_HEADROOM] = 0x45;
	buf[ESP_HEADROOM + 3] = 84;
	buf[ESP_HEADROOM + 9] = 1;
	memcpy(buf + ESP_HEADROOM + 20, "sealed by one engine's keys, opened by the other's", 50);
	CHECK_INT(esp_sa_encap(out, buf, sizeof(buf), 84, ESP_NH_IPV4, &elen), ESP_OK);
	CHECK_INT(elen, ESP_HEADROOM + 84 + 2 + 2 + 16);	/* 84 + pad 2 + trailer 2: 4-aligned */
	CHECK_INT(esp_sa_decap(in, buf, elen, &inner, &ilen), ESP_OK);
	CHECK_INT(ilen, 84);
	if (ilen == 84)
		CHECK(memcmp(inner + 20, "sealed by one engine's keys", 27) == 0);
done:
	esp_sa_free(out);
	esp_sa_free(in);
}

/* (1) Both ends configured for ChaCha20-Poly1305 only. */
static void chacha_only(void)
{
	struct net n;

	scenario_begin("ChaCha20-Poly1305 for IKE and ESP");
	if (!net_up(&n, &a_chacha, &b_chacha))
		goto out;
	check_net_sane(&n);
	for (int i = 0; i < 2; i++) {
		check_ike_alg(ike_of(&n, i), PRF_HMAC_SHA2_256);
		CHECK_INT(ike_of(&n, i)->dh_group, CURVE25519);
		check_child_alg(ike_of(&n, i)->child);
	}
	check_all_opened(&n);
	CHECK_LOG("\"A\": #1: IKE SA established as initiator (CHACHA20_POLY1305/PRF_HMAC_SHA2_256/CURVE25519)");
	CHECK_LOG("\"B\": #1: IKE SA established as responder (CHACHA20_POLY1305/PRF_HMAC_SHA2_256/CURVE25519)");
	CHECK_LOG("established: ESP CHACHA20_POLY1305, SPIs");
	check_esp_path(&n, SIDE_A);
	check_esp_path(&n, SIDE_B);
out:
	net_free(&n);
	scenario_end(true);
}

/* (2) A offers AES-GCM first and ChaCha20-Poly1305 second, B takes only
 * ChaCha20-Poly1305: the responder picks the one it accepts. */
static void chacha_in_order(void)
{
	static const struct side_opts a = { .autostart = "start",
		.ike = "aes_gcm256-sha2_512;dh19, chacha20_poly1305-sha2_384;dh19",
		.esp = "aes_gcm256, chacha20_poly1305" };
	static const struct side_opts b = { .autostart = "add",
		.ike = "chacha20_poly1305-sha2_384;dh19", .esp = "chacha20_poly1305" };
	struct net n;

	scenario_begin("ChaCha20-Poly1305 chosen from A's second proposals");
	if (!net_up(&n, &a, &b))
		goto out;
	check_net_sane(&n);
	for (int i = 0; i < 2; i++) {
		check_ike_alg(ike_of(&n, i), PRF_HMAC_SHA2_384);
		check_child_alg(ike_of(&n, i)->child);
	}
	check_esp_path(&n, SIDE_B);
out:
	net_free(&n);
	scenario_end(true);
}

/* (3) A Child SA rekey with PFS (ECP-256), then an IKE SA rekey: the new
 * SAs keep ChaCha20-Poly1305 and their keys work. */
static void chacha_rekeys(void)
{
	struct net n;
	struct snap old;

	scenario_begin("ChaCha20-Poly1305 through Child SA and IKE SA rekeys");
	if (!net_up(&n, &a_chacha, &b_chacha))
		goto out;
	snap_take(&n, &old);
	start_child_rekey(&n, SIDE_B);
	net_run(&n);
	check_net_sane(&n);
	check_rekeyed(&n, &old);
	CHECK_LOG("established by rekey: ESP CHACHA20_POLY1305, SPIs");
	if (!check_one_tunnel(&n))
		goto out;
	check_child_alg(ike_of(&n, SIDE_A)->child);
	check_esp_path(&n, SIDE_A);
	snap_take(&n, &old);
	start_ike_rekey(&n, SIDE_A);
	net_run(&n);
	net_advance(&n, 5000);
	check_net_sane(&n);
	if (!check_one_tunnel(&n))
		goto out;
	CHECK(ike_of(&n, SIDE_A)->spii != old.spii);
	for (int i = 0; i < 2; i++)
		check_ike_alg(ike_of(&n, i), PRF_HMAC_SHA2_256);
	check_all_opened(&n);
	/* the new IKE SA carries a liveness check both ways */
	size_t t1 = n.ntrace;
	ike_of(&n, SIDE_B)->want.dpd = true;
	ike_exchange_run_queue(ike_of(&n, SIDE_B));
	net_run(&n);
	CHECK_INT(n.ntrace - t1, 2);
	CHECK(n.ntrace > t1 + 1 && n.trace[t1].view.opened && n.trace[t1 + 1].view.opened);
out:
	net_free(&n);
	scenario_end(true);
}

/* (4) ChaCha20-Poly1305 against AES-GCM only: NO_PROPOSAL_CHOSEN, nothing
 * installed; and for ESP alone, the Child SA is refused. */
static void chacha_refused(void)
{
	static const struct side_opts b_gcm = { .autostart = "add",
		.ike = "aes_gcm256-sha2_256;curve25519", .esp = "aes_gcm256;dh19" };
	static const struct side_opts b_esp_gcm = { .autostart = "add",
		.ike = "chacha20_poly1305-sha2_256;curve25519", .esp = "aes_gcm256;dh19" };
	struct net n;

	scenario_begin("ChaCha20-Poly1305 refused by an AES-GCM-only peer");
	CHECK_INT(net_init(&n, &a_chacha, &b_gcm), 0);
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	net_advance(&n, 5000);
	check_net_sane(&n);
	const struct pkt *r = net_find(&n, SIDE_B, IKE_SA_INIT, 1, 0);
	CHECK(r && view_has_notify(&r->view, N_NO_PROPOSAL_CHOSEN));
	check_nothing_installed(&n);
	net_free(&n);

	CHECK_INT(net_init(&n, &a_chacha, &b_esp_gcm), 0);
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	net_advance(&n, 5000);
	check_net_sane(&n);
	r = net_find(&n, SIDE_B, IKE_AUTH, 1, 0);
	CHECK(r && r->view.opened && view_has_notify(&r->view, N_NO_PROPOSAL_CHOSEN));
	check_nothing_installed(&n);
	net_free(&n);
	scenario_end(true);
}

int main(void)
{
	if (!net_test_start())
		return 1;
	chacha_only();
	chacha_in_order();
	chacha_rekeys();
	chacha_refused();
	return check_summary("exchange-chacha");
}
