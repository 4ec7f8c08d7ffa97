/* SPDX-License-Identifier: Apache-2.0 */
/* Field-by-field comparison of two conns, for a reload to tell which conns
 * changed.  Where a conn was written (file, line) is not configuration:
 * moving a conn inside its file or adding a comment above it must not
 * restart its tunnel, so those two fields are not compared.  Nor are the
 * probe's (probe=, probe-interval=): watching a tunnel is no reason to
 * restart it; the reload gives the running conn its new probe (reload.c).
 * Certificates compare as DER: a renewed certificate restarts the conn. */
#include <netinet/in.h>
#include <string.h>

#include "conf/internal.h"
#include "crypto/secret.h"
#include "crypto/x509.h"

static bool sa_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port && a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return a6->sin6_port == b6->sin6_port &&
		       memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr)) == 0;
	return true;
}

/* id_equal ignores FQDN case; a reload that changes case still counts. */
static bool id_same(const struct conf_id *a, const struct conf_id *b)
{
	return a->type == b->type && a->len == b->len && memcmp(a->data, b->data, a->len) == 0 &&
	       strcmp(a->text, b->text) == 0;
}

static bool prefixes_equal(const struct conf_prefix *a, size_t na, const struct conf_prefix *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (a[i].family != b[i].family || a[i].len != b[i].len ||
		    memcmp(a[i].addr, b[i].addr, sizeof(a[i].addr)))
			return false;
	return true;
}

static bool algs_equal(const struct conf_alg *a, size_t na, const struct conf_alg *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (a[i].encr != b[i].encr || a[i].encr_keybits != b[i].encr_keybits ||
		    a[i].integ != b[i].integ || a[i].prf != b[i].prf || a[i].dh != b[i].dh)
			return false;
	return true;
}

static bool psk_equal(const struct secret *a, const struct secret *b)
{
	if (!a || !b)
		return a == b;
	return a->len == b->len && secret_memcmp(a->buf, b->buf, a->len) == 0;
}

static bool cert_equal(const struct x509_cert *a, const struct x509_cert *b)
{
	return a && b ? x509_equal(a, b) : a == b;
}

static bool cert_list_equal(struct x509_cert *const *a, size_t na, struct x509_cert *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!cert_equal(a[i], b[i]))
			return false;
	return true;
}

/* The certificates as DER: a renewed one restarts the conn.  The keys are
 * not compared: each is leftcert's own (the load checks it), so the same
 * leftcert means the same key. */
static bool certs_equal(const struct conf_certs *a, const struct conf_certs *b)
{
	if (!a || !b)
		return a == b;
	return cert_list_equal(a->leftcert, a->n_leftcert, b->leftcert, b->n_leftcert) &&
	       cert_list_equal(a->rightca, a->n_rightca, b->rightca, b->n_rightca) &&
	       cert_equal(a->rightcert, b->rightcert) && !a->leftkey == !b->leftkey;
}

static bool scalars_equal(const struct conf_conn *a, const struct conf_conn *b)
{
	return strcmp(a->name, b->name) == 0 && a->autostart == b->autostart &&
	       a->encapsulation == b->encapsulation && a->has_mark == b->has_mark &&
	       a->fragmentation == b->fragmentation &&
	       a->ike_fragment_size == b->ike_fragment_size &&
	       a->mark == b->mark && a->mark_mask == b->mark_mask &&
	       strcmp(a->vti_interface, b->vti_interface) == 0 && a->vti_routing == b->vti_routing &&
	       a->ikelifetime == b->ikelifetime && a->salifetime == b->salifetime &&
	       a->rekey == b->rekey && a->rekeymargin == b->rekeymargin &&
	       a->rekeyfuzz == b->rekeyfuzz && a->dpddelay == b->dpddelay &&
	       a->nat_keepalive == b->nat_keepalive &&
	       a->dpdtimeout == b->dpdtimeout && a->dpdaction == b->dpdaction &&
	       a->has_interface_ip == b->has_interface_ip && a->swapped == b->swapped &&
	       a->left_defaultroute == b->left_defaultroute && a->routes_replace == b->routes_replace &&
	       a->route_metric == b->route_metric && a->route_table == b->route_table &&
	       a->routes_when_down == b->routes_when_down && a->routing == b->routing &&
	       a->mss_clamp == b->mss_clamp &&
	       a->mss_clamp_to == b->mss_clamp_to && a->esn == b->esn &&
	       a->authby == b->authby && a->sig_keys == b->sig_keys &&
	       a->sig_hashes == b->sig_hashes && a->sendcert == b->sendcert;
}

bool conf_conn_equal(const struct conf_conn *a, const struct conf_conn *b)
{
	return scalars_equal(a, b) && sa_equal(&a->left, &b->left) && sa_equal(&a->right, &b->right) &&
	       id_same(&a->leftid, &b->leftid) && id_same(&a->rightid, &b->rightid) &&
	       algs_equal(a->ike, a->n_ike, b->ike, b->n_ike) &&
	       algs_equal(a->esp, a->n_esp, b->esp, b->n_esp) &&
	       prefixes_equal(a->leftsubnet, a->n_leftsubnet, b->leftsubnet, b->n_leftsubnet) &&
	       prefixes_equal(a->rightsubnet, a->n_rightsubnet, b->rightsubnet, b->n_rightsubnet) &&
	       prefixes_equal(&a->interface_ip, a->has_interface_ip, &b->interface_ip, b->has_interface_ip) &&
	       prefixes_equal(a->routes, a->n_routes, b->routes, b->n_routes) &&
	       psk_equal(a->psk, b->psk) && certs_equal(a->certs, b->certs);
}

bool conf_conn_hook_equal(const struct conf_conn *a, const struct conf_conn *b)
{
	return a->updown.argc == b->updown.argc && a->updown_timeout == b->updown_timeout &&
	       memcmp(a->updown.words, b->updown.words, sizeof(a->updown.words)) == 0;
}

bool conf_setup_metrics_equal(const struct conf_setup *a, const struct conf_setup *b)
{
	return sa_equal(&a->metrics_listen, &b->metrics_listen);
}
