/* SPDX-License-Identifier: Apache-2.0 */
/* Two conns between the same addresses are told apart by their IDs, the
 * kind of authby= (a PSK or signatures: the peer's AUTH says which) and
 * then their selectors (the responder's choice at IKE_AUTH,
 * ike/match.c).  Two that neither tells apart would mix up their IKE
 * SAs: the second is refused, with what would tell them apart. */
#include <string.h>

#include "conf/internal.h"

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	struct conf_id ia, ib;

	id_from_addr(a, &ia);
	id_from_addr(b, &ib);
	return a->ss_family == b->ss_family && id_equal(&ia, &ib);
}

/* One prefix covers the other's start (same family). */
static bool prefix_overlap(const struct conf_prefix *a, const struct conf_prefix *b)
{
	unsigned len = a->len < b->len ? a->len : b->len;

	if (a->family != b->family)
		return false;
	for (unsigned bit = 0; bit < len; bit++) {
		unsigned byte = bit / 8, mask = 0x80u >> (bit % 8);
		if ((a->addr[byte] & mask) != (b->addr[byte] & mask))
			return false;
	}
	return true;
}

static bool sets_overlap(const struct conf_prefix *a, size_t na, const struct conf_prefix *b,
			 size_t nb)
{
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			if (prefix_overlap(&a[i], &b[j]))
				return true;
	return false;
}

void check_distinct(struct loader *ld, size_t i)
{
	const struct conf_conn *b = &ld->conns[i].c;

	if (b->autostart == CONF_AUTO_IGNORE || !b->left.ss_family || !b->right.ss_family)
		return;
	for (size_t j = 0; j < i; j++) {
		const struct conf_conn *a = &ld->conns[j].c;
		if (a->autostart == CONF_AUTO_IGNORE || !strcmp(a->name, b->name) ||
		    a->authby != b->authby ||
		    !same_addr(&a->left, &b->left) ||
		    !same_addr(&a->right, &b->right) || !id_equal(&a->leftid, &b->leftid) ||
		    !id_equal(&a->rightid, &b->rightid) ||
		    !sets_overlap(a->leftsubnet, a->n_leftsubnet, b->leftsubnet, b->n_leftsubnet) ||
		    !sets_overlap(a->rightsubnet, a->n_rightsubnet, b->rightsubnet, b->n_rightsubnet))
			continue;
		diag_add(ld, b->file, b->line,
			 "conn \"%s\" cannot be told apart from conn \"%s\" (%s:%d): the same left, right, leftid and rightid, and overlapping leftsubnet/rightsubnet; give one of them other IDs or subnets that do not overlap",
			 b->name, a->name, a->file, a->line);
		return;
	}
}
