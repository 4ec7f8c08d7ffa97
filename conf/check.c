/* SPDX-License-Identifier: Apache-2.0 */
/* After every file is read: the defaults that depend on other keys (IDs
 * from addresses, subnets of the conn's family, algorithm lists), the
 * certificates (certs.c), then the checks that look at a whole conn or at
 * all conns, then the PSK lookup (authby=secret). */
#include <netinet/in.h>
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

static void finish_defaults(struct conn_build *cb)
{
	struct conf_conn *c = &cb->c;

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

/* pfs=no refuses a DH group in phase2alg=; pfs=yes (libreswan's default)
 * gives a phase2alg= proposal without one each DH group of ike=, as
 * libreswan uses the IKE SA's group for the Child SAs' key exchanges. */
static void apply_pfs(struct loader *ld, struct conn_build *cb)
{
	struct conf_conn *c = &cb->c;
	struct conf_alg out[CONF_MAX_ALGS];
	size_t n = 0;

	if (!cb->set[KEY_PFS])
		return;
	for (size_t i = 0; i < c->n_esp; i++) {
		if (!cb->pfs && c->esp[i].dh != DH_NONE) {
			diag_add(ld, file_of(cb, KEY_PFS), line_of(cb, KEY_PFS),
				 "conn \"%s\": pfs=no but phase2alg names DH group %s (drop one of them)",
				 c->name, dh_name(c->esp[i].dh));
			return;
		}
		for (size_t k = 0; k < c->n_ike && cb->pfs && c->esp[i].dh == DH_NONE; k++) {
			bool seen = false;

			for (size_t j = 0; j < k; j++)
				seen |= c->ike[j].dh == c->ike[k].dh;
			if (seen)
				continue;
			if (n == CONF_MAX_ALGS) {
				diag_add(ld, file_of(cb, KEY_PFS), line_of(cb, KEY_PFS),
					 "conn \"%s\": pfs=yes: phase2alg= with the DH groups of ike= makes more "
					 "than %d proposals; name the DH group in phase2alg=", c->name, CONF_MAX_ALGS);
				return;
			}
			out[n] = c->esp[i];
			out[n++].dh = c->ike[k].dh;
		}
		if (c->esp[i].dh != DH_NONE || !cb->pfs) {
			if (n == CONF_MAX_ALGS)
				return;
			out[n++] = c->esp[i];
		}
	}
	if (cb->pfs) {
		memcpy(c->esp, out, n * sizeof(out[0]));
		c->n_esp = n;
	}
}

/* Keys taken for compatibility, with a note saying what mcvpn does instead. */
static void notes(struct loader *ld, const struct conn_build *cb)
{
	if (cb->set[KEY_KEYINGTRIES])
		diag_note(ld, CONF_NOTE, file_of(cb, KEY_KEYINGTRIES), line_of(cb, KEY_KEYINGTRIES),
			  "conn \"%s\": keyingtries= is taken as %%forever: mcvpnd retries an auto=start "
			  "conn with backoff until it is up", cb->c.name);
}

/* A prefix of list (n of them) that covers a, else NULL. */
static const struct conf_prefix *covering(const struct conf_prefix *list, size_t n,
					  const struct sockaddr_storage *a)
{
	for (size_t i = 0; i < n; i++)
		if (prefix_covers(&list[i], a))
			return &list[i];
	return NULL;
}

/* The address of a prefix, as a socket address. */
static void prefix_addr(const struct conf_prefix *p, struct sockaddr_storage *a)
{
	memset(a, 0, sizeof(*a));
	a->ss_family = (sa_family_t)p->family;
	if (p->family == AF_INET)
		memcpy(&((struct sockaddr_in *)a)->sin_addr, p->addr, 4);
	else
		memcpy(&((struct sockaddr_in6 *)a)->sin6_addr, p->addr, 16);
}

/* The probe's echoes leave from the device's address (interface-ip=) to
 * probe=: one family, two addresses, both inside the selectors (outside,
 * the data plane drops them: the probe would only ever report loss). */
static void check_probe(struct loader *ld, const struct conn_build *cb)
{
	const struct conf_conn *c = &cb->c;
	const char *file = file_of(cb, KEY_PROBE);
	int line = line_of(cb, KEY_PROBE);
	struct sockaddr_storage src;
	struct conf_prefix self = c->interface_ip;
	struct conf_id p;
	char ip[64];

	if (c->probe.ss_family == AF_UNSPEC) {
		if (cb->set[KEY_PROBE_INTERVAL])
			diag_note(ld, CONF_NOTE, file_of(cb, KEY_PROBE_INTERVAL), line_of(cb, KEY_PROBE_INTERVAL),
				  "conn \"%s\": probe-interval= without probe= has no effect", c->name);
		return;
	}
	id_from_addr(&c->probe, &p);
	if (!c->has_interface_ip) {
		diag_note(ld, CONF_WARNING, file, line, "conn \"%s\": probe=%s is not sent: the probe's "
			  "source is the tunnel device's address, and the conn has no interface-ip=",
			  c->name, p.text);
		return;
	}
	prefix_format(&c->interface_ip, ip, sizeof(ip));
	if (c->probe.ss_family != c->interface_ip.family) {
		diag_add(ld, file, line, "conn \"%s\": probe=%s and interface-ip=%s are not of one "
			 "family: the probe is sent from the device's address", c->name, p.text, ip);
		return;
	}
	self.len = c->interface_ip.family == AF_INET ? 32 : 128;
	if (prefix_covers(&self, &c->probe)) {
		diag_add(ld, file, line, "conn \"%s\": probe=%s is the tunnel device's own address: name "
			 "an address beyond the tunnel, such as the far end's", c->name, p.text);
		return;
	}
	if (!covering(c->rightsubnet, c->n_rightsubnet, &c->probe))
		diag_note(ld, CONF_WARNING, file, line, "conn \"%s\": probe=%s is outside the peer's "
			  "traffic selectors (rightsubnet=): its echoes are dropped, never sent", c->name,
			  p.text);
	prefix_addr(&c->interface_ip, &src);
	if (!covering(c->leftsubnet, c->n_leftsubnet, &src))
		diag_note(ld, CONF_WARNING, file, line, "conn \"%s\": the probe's source, interface-ip=%s, "
			  "is outside this end's traffic selectors (leftsubnet=): its echoes are dropped, "
			  "never sent", c->name, ip);
}

static void check_one(struct loader *ld, struct conn_build *cb)
{
	finish_defaults(cb);
	ends_finish(ld, cb);
	certs_finish(ld, cb);
	apply_pfs(ld, cb);
	for (size_t i = 0; i < cb->c.n_esp; i++)	/* the proposals carry esn= */
		cb->c.esp[i].esn = (uint16_t)cb->c.esn;
	check_lifetimes(ld, cb);
	check_probe(ld, cb);
	notes(ld, cb);
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
			enum key_id k = b->set[KEY_IPSEC_INTERFACE] ? KEY_IPSEC_INTERFACE : KEY_VTI_INTERFACE;
			char what[64];

			snprintf(what, sizeof(what), b->set[KEY_VTI_INTERFACE] ? "vti-interface=%s" :
				 b->set[KEY_IPSEC_INTERFACE] ? "ipsec-interface= device %s" :
				 "its tunnel device %s (named after the conn)", b->c.vti_interface);
			diag_add(ld, file_of(b, k), line_of(b, k), "conn \"%s\": %s is already used by conn \"%s\" (%s:%d)%s",
				 b->c.name, what, a->name, a->file, a->line,
				 b->set[KEY_VTI_INTERFACE] ? "" : ": name another with vti-interface=");
			break;
		}
	}
}

static void check_psk(struct loader *ld, struct conn_build *cb)
{
	struct conf_conn *c = &cb->c;
	const struct psk_entry *pe;

	if (c->authby != CONF_AUTHBY_SECRET)
		return;		/* signatures: certs.c */
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

void check_conn(struct loader *ld, size_t i)
{
	check_one(ld, &ld->conns[i]);
	check_unique(ld, i);
	check_distinct(ld, i);
	routing_check(ld, i);
	routes_check(ld, i);
	check_psk(ld, &ld->conns[i]);
}

void check_all(struct loader *ld)
{
	for (size_t i = 0; i < ld->n_conns; i++)
		check_conn(ld, i);
}
