/* After every file is read: the defaults that depend on other keys (IDs
 * from addresses, subnets of the conn's family, algorithm lists), then the
 * checks that look at a whole conn or at all conns, then the PSK lookup. */
#include <stdio.h>
#include <string.h>

#include "conf/internal.h"
#include "crypto/alg.h"
#include "crypto/secret.h"

/* The file and line that set key in this conn, else the conn's own. */
static int line_of(const struct conn_build *cb, enum key_id k)
{
	return cb->key_line[k] ? cb->key_line[k] : cb->c.line;
}

static const char *file_of(const struct conn_build *cb, enum key_id k)
{
	return cb->key_line[k] ? cb->key_file[k] : cb->c.file;
}

static void default_subnet(struct conf_prefix *p, size_t *n, int family)
{
	memset(p, 0, sizeof(*p));
	p->family = family == AF_INET6 ? AF_INET6 : AF_INET;
	*n = 1;
}

static void finish_defaults(struct conn_build *cb)
{
	struct conf_conn *c = &cb->c;

	if (!cb->set[KEY_LEFTID] && cb->set[KEY_LEFT])
		id_from_addr(&c->left, &c->leftid);
	if (!cb->set[KEY_RIGHTID] && cb->set[KEY_RIGHT])
		id_from_addr(&c->right, &c->rightid);
	if (!cb->set[KEY_LEFTSUBNET])
		default_subnet(c->leftsubnet, &c->n_leftsubnet, c->left.ss_family);
	if (!cb->set[KEY_RIGHTSUBNET])
		default_subnet(c->rightsubnet, &c->n_rightsubnet, c->left.ss_family);
	if (!cb->set[KEY_IKE])
		algs_default_ike(c->ike, &c->n_ike);
	if (!cb->set[KEY_ESP])
		algs_default_esp(c->esp, &c->n_esp);
	/* liveness checks are on for conns we keep up ourselves */
	if (!cb->set[KEY_DPDDELAY])
		c->dpddelay = c->autostart == CONF_AUTO_START ? 30 : 0;
	if (!cb->set[KEY_DPDACTION])
		c->dpdaction = c->autostart == CONF_AUTO_START ? CONF_DPD_RESTART : CONF_DPD_HOLD;
}

/* Lifetimes must leave room for the rekey margin (and its fuzz). */
static void check_lifetimes(struct loader *ld, const struct conn_build *cb)
{
	const struct conf_conn *c = &cb->c;
	uint64_t margin = c->rekeymargin + (uint64_t)c->rekeymargin * c->rekeyfuzz / 100;
	bool m = cb->set[KEY_REKEYMARGIN];
	enum key_id sa = m ? KEY_REKEYMARGIN : KEY_SALIFETIME, ike = m ? KEY_REKEYMARGIN : KEY_IKELIFETIME;
	enum key_id dpd = cb->set[KEY_DPDTIMEOUT] ? KEY_DPDTIMEOUT : KEY_DPDDELAY;

	if (c->rekey && margin >= c->salifetime)
		diag_add(ld, file_of(cb, sa), line_of(cb, sa),
			 "conn \"%s\": rekeymargin %us (+%u%% fuzz) leaves no time before salifetime %us ends",
			 c->name, c->rekeymargin, c->rekeyfuzz, c->salifetime);
	else if (c->rekey && margin >= c->ikelifetime)
		diag_add(ld, file_of(cb, ike), line_of(cb, ike),
			 "conn \"%s\": rekeymargin %us (+%u%% fuzz) leaves no time before ikelifetime %us ends",
			 c->name, c->rekeymargin, c->rekeyfuzz, c->ikelifetime);
	if (c->dpddelay && c->dpdtimeout <= c->dpddelay)
		diag_add(ld, file_of(cb, dpd), line_of(cb, dpd),
			 "conn \"%s\": dpdtimeout %us must be longer than dpddelay %us",
			 c->name, c->dpdtimeout, c->dpddelay);
}

static bool addr_same(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	struct conf_id ia, ib;

	id_from_addr(a, &ia);
	id_from_addr(b, &ib);
	return a->ss_family == b->ss_family && id_equal(&ia, &ib);
}

static void check_endpoints(struct loader *ld, const struct conn_build *cb)
{
	const struct conf_conn *c = &cb->c;

	if (!cb->set[KEY_LEFT])
		diag_add(ld, c->file, c->line, "conn \"%s\": missing left= (the local address)", c->name);
	if (!cb->set[KEY_RIGHT])
		diag_add(ld, c->file, c->line, "conn \"%s\": missing right= (the peer's address)", c->name);
	if (!cb->set[KEY_LEFT] || !cb->set[KEY_RIGHT] || !c->left.ss_family || !c->right.ss_family)
		return;
	if (c->left.ss_family != c->right.ss_family)
		diag_add(ld, file_of(cb, KEY_RIGHT), line_of(cb, KEY_RIGHT),
			 "conn \"%s\": left and right are not of the same address family", c->name);
	else if (addr_same(&c->left, &c->right))
		diag_add(ld, file_of(cb, KEY_RIGHT), line_of(cb, KEY_RIGHT),
			 "conn \"%s\": left and right are the same address", c->name);
}

/* pfs= is taken only when phase2alg= agrees with it. */
static void check_pfs(struct loader *ld, const struct conn_build *cb)
{
	const struct conf_conn *c = &cb->c;

	if (!cb->set[KEY_PFS])
		return;
	for (size_t i = 0; i < c->n_esp; i++) {
		if (!cb->pfs && c->esp[i].dh != DH_NONE) {
			diag_add(ld, file_of(cb, KEY_PFS), line_of(cb, KEY_PFS),
				 "conn \"%s\": pfs=no but phase2alg names DH group %s (drop one of them)",
				 c->name, dh_name(c->esp[i].dh));
			return;
		}
		if (cb->pfs && c->esp[i].dh == DH_NONE) {
			diag_add(ld, file_of(cb, KEY_PFS), line_of(cb, KEY_PFS),
				 "conn \"%s\": pfs=yes needs a DH group in every phase2alg proposal, e.g. phase2alg=aes_gcm256;modp2048",
				 c->name);
			return;
		}
	}
}

static void check_one(struct loader *ld, struct conn_build *cb)
{
	const struct conf_conn *c = &cb->c;

	finish_defaults(cb);
	check_endpoints(ld, cb);
	if (!cb->set[KEY_VTI_INTERFACE])
		diag_add(ld, c->file, c->line,
			 "conn \"%s\": missing vti-interface=: mcvpn is route-based and needs the name of its tunnel device, e.g. vti-interface=vti1",
			 c->name);
	check_pfs(ld, cb);
	check_lifetimes(ld, cb);
}

/* Names and tunnel devices are unique over all files. */
static void check_unique(struct loader *ld, size_t i)
{
	const struct conn_build *b = &ld->conns[i];

	for (size_t j = 0; j < i; j++) {
		const struct conf_conn *a = &ld->conns[j].c;

		if (strcmp(a->name, b->c.name) == 0) {
			diag_add(ld, b->c.file, b->c.line, "duplicate conn \"%s\" (first defined at %s:%d)",
				 b->c.name, a->file, a->line);
			break;
		}
	}
	for (size_t j = 0; j < i && b->c.vti_interface[0]; j++) {
		const struct conf_conn *a = &ld->conns[j].c;

		if (strcmp(a->vti_interface, b->c.vti_interface) == 0) {
			diag_add(ld, file_of(b, KEY_VTI_INTERFACE), line_of(b, KEY_VTI_INTERFACE),
				 "conn \"%s\": vti-interface=%s is already used by conn \"%s\" (%s:%d)",
				 b->c.name, b->c.vti_interface, a->name, a->file, a->line);
			break;
		}
	}
}

static void check_psk(struct loader *ld, struct conn_build *cb)
{
	struct conf_conn *c = &cb->c;
	const struct psk_entry *pe;

	if (!c->leftid.type || !c->rightid.type)
		return;		/* already reported as a missing or bad endpoint */
	pe = secrets_match(ld, c);
	if (!pe) {
		diag_add(ld, c->file, c->line,
			 "conn \"%s\": no PSK in *.secrets matches leftid %s and rightid %s",
			 c->name, c->leftid.text, c->rightid.text);
		return;
	}
	c->psk = secret_dup(pe->psk->buf, pe->psk->len);
	if (!c->psk)
		diag_add(ld, c->file, c->line, "conn \"%s\": out of memory", c->name);
}

void check_all(struct loader *ld)
{
	for (size_t i = 0; i < ld->n_conns; i++) {
		check_one(ld, &ld->conns[i]);
		check_unique(ld, i);
		check_psk(ld, &ld->conns[i]);
	}
}
