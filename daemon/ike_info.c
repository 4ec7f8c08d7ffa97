/* INFORMATIONAL (RFC 7296 1.4, 1.5): DELETE, liveness checks, error notifies;
 * and the refusal of CREATE_CHILD_SA until rekeying is implemented. */
#include "daemon/ike_sa.h"

#include <string.h>

#include "daemon/log.h"

static void respond(struct ike_sa *sa, uint8_t exchange, const uint32_t *del_spi, uint16_t type)
{
	uint8_t out[1024], inner[1024];
	struct ike_msgb b;
	struct ike_hdr h;

	ike_sa_hdr(sa, &h, exchange, true, sa->peer_msgid);
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&b);
	if (del_spi) {
		uint8_t spi[4] = { (uint8_t)(*del_spi >> 24), (uint8_t)(*del_spi >> 16),
				   (uint8_t)(*del_spi >> 8), (uint8_t)*del_spi };
		pl_build_delete(&b, PROTO_ESP, 4, spi, 1);
	}
	if (type)
		pl_build_notify(&b, 0, NULL, 0, type, NULL, 0);
	ike_sa_send_sealed(sa, &b, true, PEND_NONE);
}

static bool deletes_our_child(const struct ike_sa *sa, const struct pl_delete *d)
{
	if (!sa->child || d->protocol != PROTO_ESP)
		return false;
	for (unsigned i = 0; i < d->n_spi; i++) {
		const uint8_t *p = d->spis + 4 * i;
		uint32_t spi = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		if (spi == sa->child->spi_out)
			return true;
	}
	return false;
}

void ike_info_respond(struct ike_sa *sa, struct ike_msg *msg)
{
	for (unsigned i = 0; i < msg->n_delete; i++) {
		if (msg->del[i].protocol == PROTO_IKE) {
			IKE_SA_LOG(sa, LOG_INFO, "peer deleted the IKE SA");
			respond(sa, INFORMATIONAL, NULL, 0);
			ike_sa_kill(sa, "deleted by peer");
			return;
		}
		if (deletes_our_child(sa, &msg->del[i])) {
			uint32_t spi = sa->child->spi_in;
			IKE_SA_LOG(sa, LOG_INFO, "peer deleted Child SA #%u", sa->child->serial);
			respond(sa, INFORMATIONAL, &spi, 0);
			/* without its Child SA this IKE SA carries nothing: end it too */
			ike_info_send_delete(sa);
			return;
		}
	}
	const struct pl_notify *err = ike_msg_error_notify(msg);
	if (err)
		IKE_SA_LOG(sa, LOG_WARNING, "peer reports %s", ike_notify_name(err->type));
	respond(sa, INFORMATIONAL, NULL, 0);	/* also the answer to a liveness check */
}

void ike_info_process_response(struct ike_sa *sa, struct ike_msg *msg)
{
	enum ike_pending what = sa->pending;

	ike_request_done(sa);
	if (what == PEND_DELETE)
		ike_sa_kill(sa, "deleted");
}

int ike_info_send_delete(struct ike_sa *sa)
{
	uint8_t out[512], inner[256];
	struct ike_msgb b;
	struct ike_hdr h;

	if (sa->state == IKE_S_DELETING || sa->state == IKE_S_DEAD)
		return 0;
	if (sa->pending != PEND_NONE) {
		sa->delete_queued = true;
		return 0;
	}
	ike_sa_hdr(sa, &h, INFORMATIONAL, false, sa->next_msgid);
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&b);
	pl_build_delete(&b, PROTO_IKE, 0, NULL, 0);
	sa->state = IKE_S_DELETING;
	if (sa->child && sa->child->installed)
		child_sa_uninstall(sa, sa->child);
	return ike_sa_send_sealed(sa, &b, false, PEND_DELETE);
}

void ike_child_refuse(struct ike_sa *sa, struct ike_msg *msg)
{
	IKE_SA_LOG(sa, LOG_INFO, "refusing CREATE_CHILD_SA: rekeying is not supported yet");
	respond(sa, CREATE_CHILD_SA, NULL, N_NO_ADDITIONAL_SAS);
}
