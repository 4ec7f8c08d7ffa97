/* SPDX-License-Identifier: Apache-2.0 */
/* INFORMATIONAL (RFC 7296 1.4, 1.5): DELETE, liveness checks, error notifies;
 * and the refusal of CREATE_CHILD_SA until rekeying is implemented. */
#include "daemon/ike/engine.h"

#include <event2/event.h>
#include <string.h>

#include "daemon/base/log.h"
#include "daemon/base/bytes.h"

/* ESP DELETE from the peer: each SPI is its inbound one, our outbound. Our
 * answer lists our inbound SPIs of the same SAs (RFC 7296 1.4.1). */
static size_t delete_children(struct ike_sa *sa, const struct pl_delete *d, uint32_t *ours,
			      size_t cap)
{
	size_t n = 0;

	for (unsigned i = 0; i < d->n_spi; i++) {
		const uint8_t *p = d->spis + 4 * i;
		uint32_t spi = get_be32(p);
		struct child_sa *c = child_sa_by_spi_out(sa, spi);
		if (!c)
			continue;
		if (n < cap && !c->deleting)
			ours[n++] = c->spi_in;
		IKE_SA_LOG(sa, LOG_INFO, "peer deleted Child SA #%u", c->serial);
		/* a rekeyed SA's successor takes over the traffic */
		for (struct child_sa *r = sa->children; r; r = r->next)
			if (r->replaces == c->spi_in && !r->deleting && (sa->child == c || r->out_standby))
				child_sa_use(sa, r);
		child_sa_destroy(c);
	}
	return n;
}

static void respond_delete(struct ike_sa *sa, const uint32_t *spis, size_t n)
{
	uint8_t out[1024], inner[768], buf[4 * 64];
	struct ike_msgb b;
	struct ike_hdr h;

	ike_sa_hdr(sa, &h, INFORMATIONAL, true, sa->peer_msgid);
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&b);
	for (size_t i = 0; i < n && i < 64; i++)
		put_be32(buf + 4 * i, spis[i]);
	if (n)
		pl_delete_build(&b, PROTO_ESP, 4, buf, (uint16_t)(n < 64 ? n : 64));
	ike_exchange_send_sealed(sa, &b, true, PEND_NONE);
}

void ike_info_respond(struct ike_sa *sa, struct ike_msg *msg)
{
	uint32_t ours[64];
	size_t n = 0;
	bool esp_delete = false;

	for (unsigned i = 0; i < msg->n_delete; i++) {
		if (msg->del[i].protocol == PROTO_IKE) {
			IKE_SA_LOG(sa, LOG_INFO, "peer deleted the IKE SA");
			ike_exchange_respond_notify(sa, INFORMATIONAL, 0, NULL, 0);
			ike_sa_kill(sa, "deleted by peer");
			return;
		}
		if (msg->del[i].protocol != PROTO_ESP)
			continue;	/* AH: we have none */
		esp_delete = true;
		n += delete_children(sa, &msg->del[i], ours + n, 64 - n);
	}
	const struct pl_notify *err = ike_msg_error_notify(msg);
	if (err && err->type == N_AUTHENTICATION_FAILED) {
		/* the initiator did not accept our IKE_AUTH answer (2.21.2):
		 * the IKE SA we thought established is of no use to it */
		char me[sizeof(sa->conn->cfg->leftid.text) + 2];
		IKE_SA_LOG(sa, LOG_WARNING, "peer refused our IKE_AUTH answer: AUTHENTICATION_FAILED "
			   "(does the peer's rightid= name our ID %s, and does it trust our "
			   "certificate or PSK?)", ike_id_text(&sa->conn->cfg->leftid, me, sizeof(me)));
		ike_exchange_respond_notify(sa, INFORMATIONAL, 0, NULL, 0);
		ike_sa_fail(sa, IKE_FAIL_AUTH, "AUTHENTICATION_FAILED");
		return;
	}
	if (err)
		IKE_SA_LOG(sa, LOG_WARNING, "peer reports %s", ike_notify_name(err->type));
	respond_delete(sa, ours, n);	/* also the answer to a liveness check */
	if (esp_delete && !sa->children) {
		/* without a Child SA this IKE SA carries nothing: end it too */
		ike_info_send_delete(sa);
	}
}

void ike_info_on_response(struct ike_sa *sa, struct ike_msg *msg)
{
	enum ike_pending what = sa->pending;

	if (what == PEND_DELETE_CHILD) {
		struct child_sa *c = child_sa_by_spi_in(sa, sa->rk.del);
		if (c)
			child_sa_destroy(c);
	}
	/* an IKE SA without a Child SA carries nothing: end it, so the conn starts
	 * over instead of showing up while dropping traffic */
	if (what == PEND_DELETE_CHILD && !sa->children)
		sa->want.delete_ike = true;
	ike_exchange_done(sa);
	if (what == PEND_DELETE)
		ike_sa_kill(sa, "deleted");
}

/* The INFORMATIONAL request with one ESP DELETE of our inbound SPI. */
static int send_delete_esp(struct ike_sa *sa, uint32_t spi_in)
{
	uint8_t out[512], inner[256], spi[4];
	struct ike_msgb b;
	struct ike_hdr h;

	put_be32(spi, spi_in);
	ike_sa_hdr(sa, &h, INFORMATIONAL, false, sa->next_msgid);
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&b);
	pl_delete_build(&b, PROTO_ESP, 4, spi, 1);
	sa->rk.del = spi_in;
	return ike_exchange_send_sealed(sa, &b, false, PEND_DELETE_CHILD);
}

int ike_info_send_delete_child(struct ike_sa *sa, struct child_sa *c)
{
	c->deleting = true;	/* no new rekey of it; its inbound SA stays until answered */
	if (c->rekey_ev)
		evtimer_del(c->rekey_ev);
	if (sa->pending != PEND_NONE) {
		sa->want.delete_child = c->spi_in;
		return 0;
	}
	IKE_SA_LOG(sa, LOG_INFO, "deleting Child SA #%u", c->serial);
	return send_delete_esp(sa, c->spi_in);
}

int ike_info_send_delete_spi(struct ike_sa *sa, uint32_t spi_in)
{
	if (sa->pending != PEND_NONE) {
		sa->want.delete_spi = spi_in;
		return 0;
	}
	IKE_SA_LOG(sa, LOG_INFO, "deleting the peer's Child SA for SPI %08x", spi_in);
	return send_delete_esp(sa, spi_in);
}

int ike_info_send_delete(struct ike_sa *sa)
{
	uint8_t out[512], inner[256];
	struct ike_msgb b;
	struct ike_hdr h;

	if (sa->state == IKE_S_DELETING || sa->state == IKE_S_DEAD)
		return 0;
	if (sa->pending != PEND_NONE) {
		sa->want.delete_ike = true;
		return 0;
	}
	ike_sa_hdr(sa, &h, INFORMATIONAL, false, sa->next_msgid);
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&b);
	pl_delete_build(&b, PROTO_IKE, 0, NULL, 0);
	ike_state_set(sa, IKE_S_DELETING);
	for (struct child_sa *c = sa->children; c; c = c->next)
		if (c->installed)
			child_sa_uninstall(sa, c);
	return ike_exchange_send_sealed(sa, &b, false, PEND_DELETE);
}

